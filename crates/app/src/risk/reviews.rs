//! The yearly reviews of risk management (RISK-5(2), (3)): the check that
//! the management cycle works, and the survey of employees and executives,
//! answered in mamori. Both are yearly duties of the 事務局 that mamori
//! keeps scheduled; recording them completes the duty.

use std::collections::HashSet;

use mamori_domain::Role;
use mamori_domain::org::{Lang, required_multiline, required_text};
use mamori_domain::risk::survey::{self, MAX_RATING, MIN_RATING, QuestionResult};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{RiskAccess, optional_text};
use crate::error::Errors;
use crate::ports::{CycleCheck, PeriodicDuty, Survey, SurveyAnswer};
use crate::{Actor, App, AppError, AppResult, DraftExt};

/// The obligations these reviews keep.
pub const CYCLE_CHECK: &str = "RISK-5(2)";
pub const SURVEY: &str = "RISK-5(3)";

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct CycleCheckInput {
    /// YYYY-MM-DD; default today.
    #[serde(default)]
    pub checked_on: String,
    pub findings: String,
    #[serde(default)]
    pub improvements: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct SurveyInput {
    pub title: String,
    /// One question per line.
    pub questions: String,
    /// YYYY-MM-DD: the last day to answer.
    pub closes_on: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct AnswerInput {
    /// 1–5 per question, in order.
    pub ratings: Vec<u8>,
    #[serde(default)]
    pub comments: Vec<String>,
}

/// A survey as the viewer sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SurveyView {
    pub survey: Survey,
    pub open: bool,
    /// The viewer's own answers, if given.
    pub mine: Option<SurveyAnswer>,
    /// Results and response rate, for the committee, the 事務局 and those who see all.
    pub results: Option<Vec<QuestionResult>>,
    pub respondents: usize,
    pub population: usize,
    pub can_close: bool,
}

impl App {
    /// Keeps the yearly duties of RISK-5(2) and (3) scheduled with the
    /// 事務局. Idempotent; run at start and by the scheduler.
    pub async fn ensure_risk_duties(&self) -> AppResult<usize> {
        let existing: HashSet<String> = self
            .store
            .duties(None)
            .await?
            .into_iter()
            .map(|d| d.source)
            .collect();
        let Some(owner) = self
            .holders(Role::Secretariat, None)
            .await?
            .into_iter()
            .next()
        else {
            return Ok(0);
        };
        let mut added = 0;
        for (source, title) in [
            (CYCLE_CHECK, "リスクマネジメントサイクルの年次確認"),
            (
                SURVEY,
                "リスクマネジメントに関するアンケート（従業員・経営陣）",
            ),
        ] {
            if existing.contains(source) {
                continue;
            }
            let d = PeriodicDuty {
                id: Uuid::now_v7(),
                title: title.into(),
                source: source.into(),
                owner_id: owner.id,
                cadence: "yearly".into(),
                next_due: self.today() + time::Duration::days(90),
                version: 1,
            };
            let audit = self
                .draft(None, "duty.create", "periodic_duty", Some(d.id.to_string()))
                .after(&d);
            self.store.insert_duty(&d, audit).await?;
            added += 1;
        }
        Ok(added)
    }

    /// Completes the open duty of an obligation with what was recorded.
    async fn complete_duty_of(&self, actor: &Actor, source: &str, note: &str) -> AppResult<()> {
        for d in self
            .store
            .duties(None)
            .await?
            .into_iter()
            .filter(|d| d.source == source)
        {
            self.record_completion(actor, d, note.chars().take(2000).collect())
                .await?;
        }
        Ok(())
    }

    pub async fn cycle_checks(&self, actor: &Actor) -> AppResult<Vec<CycleCheck>> {
        RiskAccess::of(actor).require_all()?;
        Ok(self.store.cycle_checks().await?)
    }

    /// Records the yearly check of the management cycle (RISK-5(2)).
    pub async fn record_cycle_check(
        &self,
        actor: &Actor,
        input: &CycleCheckInput,
    ) -> AppResult<CycleCheck> {
        RiskAccess::of(actor).require_manage()?;
        let mut e = Errors::default();
        let findings = e.take(required_multiline("findings", &input.findings, 4000));
        let improvements = e.take(optional_text("improvements", &input.improvements, 4000));
        let checked_on = e.take(crate::org::parse_date(
            "checked_on",
            Some(&input.checked_on),
        ));
        e.done()?;
        let c = CycleCheck {
            id: Uuid::now_v7(),
            checked_on: checked_on.flatten().unwrap_or_else(|| self.today()),
            findings: findings.unwrap_or_default(),
            improvements: improvements.unwrap_or_default(),
            checked_by: actor.id(),
            recorded_at: self.now(),
        };
        let audit = self
            .draft(
                Some(actor),
                "risk.cycle_check",
                "risk_cycle_check",
                Some(c.id.to_string()),
            )
            .after(&c);
        self.store.add_cycle_check(&c, audit).await?;
        let note = format!("{}: {}", c.checked_on, c.findings.replace('\n', " "));
        self.complete_duty_of(actor, CYCLE_CHECK, &note).await?;
        Ok(c)
    }

    pub async fn surveys(&self, actor: &Actor) -> AppResult<Vec<Survey>> {
        RiskAccess::of(actor).require_all()?;
        Ok(self.store.surveys().await?)
    }

    /// Starts a survey: everyone who works here (employees and executives)
    /// is asked, in their inbox and their tasks, until it closes.
    pub async fn start_survey(&self, actor: &Actor, input: &SurveyInput) -> AppResult<Survey> {
        RiskAccess::of(actor).require_manage()?;
        let mut e = Errors::default();
        let title = e.take(required_text("title", &input.title, 200));
        let questions: Vec<String> = input
            .questions
            .lines()
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .map(str::to_string)
            .collect();
        if questions.is_empty() {
            e.push("questions", "required");
        }
        if questions.len() > 30 || questions.iter().any(|q| q.chars().count() > 500) {
            e.push("questions", "too_long");
        }
        let closes_on = e.take(crate::org::parse_date("closes_on", Some(&input.closes_on)));
        let today = self.today();
        match closes_on {
            Some(None) => e.push("closes_on", "required"),
            Some(Some(d)) if d < today => e.push("closes_on", "in_the_past"),
            _ => {}
        }
        e.done()?;
        let s = Survey {
            id: Uuid::now_v7(),
            title: title.unwrap_or_default(),
            questions,
            opens_on: today,
            closes_on: closes_on.flatten().unwrap_or(today),
            created_by: actor.id(),
            closed_at: None,
            follow_up: String::new(),
            version: 1,
        };
        let mut notices = Vec::new();
        for p in self
            .store
            .all_people()
            .await?
            .into_iter()
            .filter(|p| !p.has_left(today))
        {
            let texts = match p.language {
                Lang::Ja => (
                    format!("【アンケート】{}", s.title),
                    format!(
                        "{} までに回答してください（リスク管理規程 5(3)）。",
                        s.closes_on
                    ),
                ),
                Lang::En => (
                    format!("[Survey] {}", s.title),
                    format!("Please answer by {} (RISK-5(3)).", s.closes_on),
                ),
            };
            notices.push(
                self.notice_for(
                    &p,
                    format!("survey:{}:{}", s.id, p.id),
                    "survey",
                    texts,
                    self.link(&format!("/risks/surveys/{}", s.id)),
                )
                .await?,
            );
        }
        let audit = self
            .draft(
                Some(actor),
                "risk.survey_start",
                "risk_survey",
                Some(s.id.to_string()),
            )
            .after(&s)
            .detail(format!("{} people asked", notices.len()));
        self.store.save_survey(&s, &notices, audit).await?;
        Ok(s)
    }

    fn survey_open(&self, s: &Survey) -> bool {
        s.closed_at.is_none() && self.today() <= s.closes_on
    }

    pub async fn survey_view(&self, actor: &Actor, id: Uuid) -> AppResult<SurveyView> {
        let access = RiskAccess::of(actor);
        let survey = self.store.survey(id).await?;
        let answers = self.store.survey_answers(id).await?;
        let mine = answers.iter().find(|a| a.person_id == actor.id()).cloned();
        let today = self.today();
        let population = self
            .store
            .all_people()
            .await?
            .iter()
            .filter(|p| !p.has_left(today))
            .count();
        let results = access.sees_all().then(|| {
            let pairs: Vec<(Vec<u8>, Vec<String>)> = answers
                .iter()
                .map(|a| (a.ratings.clone(), a.comments.clone()))
                .collect();
            survey::results(&survey.questions, &pairs)
        });
        Ok(SurveyView {
            open: self.survey_open(&survey),
            can_close: access.manages() && survey.closed_at.is_none(),
            respondents: answers.len(),
            population,
            mine,
            results,
            survey,
        })
    }

    /// Answers (or changes one's answers) while the survey is open.
    pub async fn answer_survey(
        &self,
        actor: &Actor,
        id: Uuid,
        input: &AnswerInput,
    ) -> AppResult<()> {
        let s = self.store.survey(id).await?;
        if !self.survey_open(&s) {
            return Err(AppError::Conflict("survey_closed"));
        }
        if input.ratings.len() != s.questions.len()
            || input
                .ratings
                .iter()
                .any(|r| !(MIN_RATING..=MAX_RATING).contains(r))
        {
            return Err(AppError::field("ratings", "required"));
        }
        let mut comments = Vec::with_capacity(s.questions.len());
        for i in 0..s.questions.len() {
            let c = input.comments.get(i).map(String::as_str).unwrap_or("");
            comments.push(optional_text("comments", c, 2000)?);
        }
        let a = SurveyAnswer {
            survey_id: id,
            person_id: actor.id(),
            ratings: input.ratings.clone(),
            comments,
            answered_at: self.now(),
        };
        // The trail records that someone answered, not what: answers are counted without names.
        let audit = self.draft(
            Some(actor),
            "risk.survey_answer",
            "risk_survey",
            Some(id.to_string()),
        );
        self.store.save_survey_answer(&a, audit).await?;
        Ok(())
    }

    /// Closes a survey with what the committee will do about it; completes the duty.
    pub async fn close_survey(
        &self,
        actor: &Actor,
        id: Uuid,
        version: i64,
        follow_up: &str,
    ) -> AppResult<Survey> {
        RiskAccess::of(actor).require_manage()?;
        let mut s = self.store.survey(id).await?;
        if s.closed_at.is_some() {
            return Err(AppError::Conflict("survey_closed"));
        }
        if s.version != version {
            return Err(AppError::Conflict("stale_version"));
        }
        s.follow_up = required_multiline("follow_up", follow_up, 4000)?;
        s.closed_at = Some(self.now());
        s.version += 1;
        let n = self.store.survey_answers(id).await?.len();
        let audit = self
            .draft(
                Some(actor),
                "risk.survey_close",
                "risk_survey",
                Some(s.id.to_string()),
            )
            .after(&s)
            .detail(format!("{n} answers"));
        self.store.save_survey(&s, &[], audit).await?;
        let note = format!(
            "{}: {n} answers; {}",
            s.title,
            s.follow_up.replace('\n', " ")
        );
        self.complete_duty_of(actor, SURVEY, &note).await?;
        Ok(s)
    }

    /// Open surveys the actor has not answered: (title, link, due).
    pub(crate) async fn survey_tasks(
        &self,
        actor: &Actor,
    ) -> AppResult<Vec<(String, String, time::OffsetDateTime)>> {
        let answered: HashSet<Uuid> = self
            .store
            .answered_surveys(actor.id())
            .await?
            .into_iter()
            .collect();
        Ok(self
            .store
            .surveys()
            .await?
            .into_iter()
            .filter(|s| self.survey_open(s) && !answered.contains(&s.id))
            .map(|s| {
                (
                    format!("アンケート: {}", s.title),
                    format!("/risks/surveys/{}", s.id),
                    crate::duties::due_time(s.closes_on),
                )
            })
            .collect())
    }
}
