//! The annual management-cycle check and the risk-management survey with
//! its answers (RISK-5(2), (3)).

use async_trait::async_trait;
use mamori_app::ports::{
    AuditDraft, CycleCheck, Notice, ReviewRepo, StoreError, Survey, SurveyAnswer,
};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::SqlStore;
use crate::audit::append_in;
use crate::db::other;
use crate::sql::Stmt;
use crate::workflow::notices_in;

#[derive(sqlx::FromRow)]
struct CheckRow {
    id: Uuid,
    checked_on: Date,
    findings: String,
    improvements: String,
    checked_by: Uuid,
    recorded_at: OffsetDateTime,
}

const SURVEY_COLS: &str =
    "id, title, questions, opens_on, closes_on, created_by, closed_at, follow_up, version";

#[derive(sqlx::FromRow)]
struct SurveyRow {
    id: Uuid,
    title: String,
    questions: String,
    opens_on: Date,
    closes_on: Date,
    created_by: Uuid,
    closed_at: Option<OffsetDateTime>,
    follow_up: String,
    version: i64,
}

impl TryFrom<SurveyRow> for Survey {
    type Error = StoreError;
    fn try_from(r: SurveyRow) -> Result<Survey, StoreError> {
        Ok(Survey {
            questions: serde_json::from_str(&r.questions).map_err(other)?,
            id: r.id,
            title: r.title,
            opens_on: r.opens_on,
            closes_on: r.closes_on,
            created_by: r.created_by,
            closed_at: r.closed_at,
            follow_up: r.follow_up,
            version: r.version,
        })
    }
}

#[derive(sqlx::FromRow)]
struct AnswerRow {
    survey_id: Uuid,
    person_id: Uuid,
    ratings: String,
    comments: String,
    answered_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct SurveyIdRow {
    survey_id: Uuid,
}

#[async_trait]
impl ReviewRepo for SqlStore {
    async fn cycle_checks(&self) -> Result<Vec<CycleCheck>, StoreError> {
        let rows: Vec<CheckRow> = self
            .db
            .fetch_all(&Stmt::new(
                "SELECT id, checked_on, findings, improvements, checked_by, recorded_at FROM risk_cycle_checks \
                 ORDER BY checked_on DESC, recorded_at DESC",
            ))
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| CycleCheck {
                id: r.id,
                checked_on: r.checked_on,
                findings: r.findings,
                improvements: r.improvements,
                checked_by: r.checked_by,
                recorded_at: r.recorded_at,
            })
            .collect())
    }

    async fn add_cycle_check(&self, c: &CycleCheck, audit: AuditDraft) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        tx.execute(
            &Stmt::new(
                "INSERT INTO risk_cycle_checks (id, checked_on, findings, improvements, checked_by, recorded_at) \
                 VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(c.id)
            .bind(c.checked_on)
            .bind(c.findings.as_str())
            .bind(c.improvements.as_str())
            .bind(c.checked_by)
            .bind(c.recorded_at),
        )
        .await?;
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }

    async fn surveys(&self) -> Result<Vec<Survey>, StoreError> {
        let rows: Vec<SurveyRow> = self
            .db
            .fetch_all(&Stmt::new(&format!(
                "SELECT {SURVEY_COLS} FROM risk_surveys ORDER BY opens_on DESC, created_at DESC"
            )))
            .await?;
        rows.into_iter().map(Survey::try_from).collect()
    }

    async fn survey(&self, id: Uuid) -> Result<Survey, StoreError> {
        let r: Option<SurveyRow> = self
            .db
            .fetch_optional(
                &Stmt::new(&format!(
                    "SELECT {SURVEY_COLS} FROM risk_surveys WHERE id = ?"
                ))
                .bind(id),
            )
            .await?;
        r.ok_or(StoreError::NotFound)?.try_into()
    }

    async fn save_survey(
        &self,
        s: &Survey,
        notices: &[Notice],
        audit: AuditDraft,
    ) -> Result<(), StoreError> {
        let questions = serde_json::to_string(&s.questions).map_err(other)?;
        let mut tx = self.db.begin().await?;
        let n = if s.version == 1 {
            tx.execute(
                &Stmt::new(
                    "INSERT INTO risk_surveys (id, title, questions, opens_on, closes_on, created_by, created_at, \
                     closed_at, follow_up, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
                )
                .bind(s.id)
                .bind(s.title.as_str())
                .bind(questions)
                .bind(s.opens_on)
                .bind(s.closes_on)
                .bind(s.created_by)
                .bind(audit.occurred_at)
                .bind(s.closed_at)
                .bind(s.follow_up.as_str()),
            )
            .await?
        } else {
            tx.execute(
                &Stmt::new(
                    "UPDATE risk_surveys SET title = ?, questions = ?, closes_on = ?, closed_at = ?, follow_up = ?, \
                     version = ? WHERE id = ? AND version = ?",
                )
                .bind(s.title.as_str())
                .bind(questions)
                .bind(s.closes_on)
                .bind(s.closed_at)
                .bind(s.follow_up.as_str())
                .bind(s.version)
                .bind(s.id)
                .bind(s.version - 1),
            )
            .await?
        };
        if n != 1 {
            return Err(StoreError::Stale);
        }
        notices_in(&mut tx, notices, audit.occurred_at).await?;
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }

    async fn save_survey_answer(
        &self,
        a: &SurveyAnswer,
        audit: AuditDraft,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        tx.execute(
            &Stmt::new(
                "INSERT INTO risk_survey_answers (survey_id, person_id, ratings, comments, answered_at) \
                 VALUES (?, ?, ?, ?, ?) ON CONFLICT (survey_id, person_id) DO UPDATE SET ratings = excluded.ratings, \
                 comments = excluded.comments, answered_at = excluded.answered_at",
            )
            .bind(a.survey_id)
            .bind(a.person_id)
            .bind(serde_json::to_string(&a.ratings).map_err(other)?)
            .bind(serde_json::to_string(&a.comments).map_err(other)?)
            .bind(a.answered_at),
        )
        .await?;
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }

    async fn survey_answers(&self, survey_id: Uuid) -> Result<Vec<SurveyAnswer>, StoreError> {
        let rows: Vec<AnswerRow> = self
            .db
            .fetch_all(
                &Stmt::new(
                    "SELECT survey_id, person_id, ratings, comments, answered_at FROM risk_survey_answers \
                     WHERE survey_id = ? ORDER BY answered_at",
                )
                .bind(survey_id),
            )
            .await?;
        rows.into_iter()
            .map(|r| {
                Ok(SurveyAnswer {
                    ratings: serde_json::from_str(&r.ratings).map_err(other)?,
                    comments: serde_json::from_str(&r.comments).map_err(other)?,
                    survey_id: r.survey_id,
                    person_id: r.person_id,
                    answered_at: r.answered_at,
                })
            })
            .collect()
    }

    async fn answered_surveys(&self, person_id: Uuid) -> Result<Vec<Uuid>, StoreError> {
        let rows: Vec<SurveyIdRow> = self
            .db
            .fetch_all(
                &Stmt::new("SELECT survey_id FROM risk_survey_answers WHERE person_id = ?")
                    .bind(person_id),
            )
            .await?;
        Ok(rows.into_iter().map(|r| r.survey_id).collect())
    }
}
