//! Periodic duties (年１回, 四半期, 毎月, or 定期的 at a configured interval):
//! each has an owner and a next due date; done, it moves on by its cadence
//! from the date it was due, so a missed one stays overdue until done.

use mamori_domain::Role;
use mamori_domain::org::required_text;
use mamori_domain::schedule::{self, Alert, Cadence};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::access::Actor;
use crate::error::{AppError, AppResult, Errors};
use crate::org::parse_date;
use crate::ports::{DutyCompletion, Notice, PeriodicDuty};
use crate::{App, DraftExt};

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct DutyInput {
    pub title: String,
    /// The clause it comes from, e.g. `HR-9`.
    pub source: String,
    pub owner_id: Option<Uuid>,
    /// `yearly`, `quarterly`, `monthly` or `every_N_days`.
    pub cadence: String,
    /// First due date, YYYY-MM-DD.
    pub first_due: String,
}

/// The end of a due date's day in Japan.
pub fn due_time(d: time::Date) -> time::OffsetDateTime {
    (d + time::Duration::days(1))
        .midnight()
        .assume_offset(crate::ORG_OFFSET)
}

impl App {
    pub async fn create_duty(&self, actor: &Actor, input: &DutyInput) -> AppResult<PeriodicDuty> {
        if !actor.has_role(Role::Secretariat) {
            return Err(AppError::Forbidden);
        }
        let mut e = Errors::default();
        let title = e.take(required_text("title", &input.title, 300));
        let source = e.take(required_text("source", &input.source, 50));
        let cadence = e.take(
            Cadence::parse(&input.cadence)
                .ok_or(mamori_domain::org::FieldError::new("cadence", "invalid")),
        );
        let due = e.take(
            parse_date("first_due", Some(&input.first_due)).and_then(|d| {
                d.ok_or(mamori_domain::org::FieldError::new("first_due", "required"))
            }),
        );
        let owner = match input.owner_id {
            Some(id) => self.store.person(id).await.ok(),
            None => None,
        };
        if owner.is_none() {
            e.push("owner_id", "unknown_person");
        }
        e.done()?;
        let (Some(title), Some(source), Some(cadence), Some(next_due), Some(owner)) =
            (title, source, cadence, due, owner)
        else {
            return Err(AppError::field("title", "required"));
        };
        let d = PeriodicDuty {
            id: Uuid::now_v7(),
            title,
            source,
            owner_id: owner.id,
            cadence: cadence.id(),
            next_due,
            version: 1,
        };
        let audit = self
            .draft(
                Some(actor),
                "duty.create",
                "periodic_duty",
                Some(d.id.to_string()),
            )
            .after(&d);
        self.store.insert_duty(&d, audit).await?;
        Ok(d)
    }

    /// Everyone's duties for the 事務局 and 監査人; one's own otherwise.
    pub async fn duties(&self, actor: &Actor) -> AppResult<Vec<PeriodicDuty>> {
        let all = actor.has_role(Role::Secretariat) || actor.has_role(Role::Auditor);
        Ok(self
            .store
            .duties(if all { None } else { Some(actor.id()) })
            .await?)
    }

    /// A page of the duties `duties` lists, soonest due first, and how many there are.
    pub async fn duties_page(
        &self,
        actor: &Actor,
        limit: u32,
        offset: u32,
    ) -> AppResult<(Vec<PeriodicDuty>, u64)> {
        let all = actor.has_role(Role::Secretariat) || actor.has_role(Role::Auditor);
        let owner = (!all).then(|| actor.id());
        Ok(self.store.duties_page(owner, limit, offset).await?)
    }

    /// The owner (or the 事務局) records the duty done for its current due date.
    pub async fn complete_duty(
        &self,
        actor: &Actor,
        id: Uuid,
        version: i64,
        note: &str,
    ) -> AppResult<PeriodicDuty> {
        let d = self.store.duty(id).await?;
        if d.owner_id != actor.id() && !actor.has_role(Role::Secretariat) {
            return Err(AppError::NotFound);
        }
        if d.version != version {
            return Err(AppError::Conflict("stale_version"));
        }
        let note = required_text("note", note, 2000)?;
        self.record_completion(actor, d, note).await
    }

    /// Records a duty done for its current due date and moves it to the next.
    pub(crate) async fn record_completion(
        &self,
        actor: &Actor,
        mut d: PeriodicDuty,
        note: String,
    ) -> AppResult<PeriodicDuty> {
        let cadence = Cadence::parse(&d.cadence)
            .ok_or(AppError::Internal(format!("cadence {}", d.cadence)))?;
        let c = DutyCompletion {
            id: Uuid::now_v7(),
            duty_id: d.id,
            due_on: d.next_due,
            done_at: self.now(),
            done_by: actor.id(),
            note,
        };
        let before = d.clone();
        d.next_due = cadence.next_after(d.next_due);
        d.version += 1;
        let audit = self
            .draft(
                Some(actor),
                "duty.complete",
                "periodic_duty",
                Some(d.id.to_string()),
            )
            .before(&before)
            .after(&d)
            .detail(format!("{} ({}) done for {}", d.title, d.source, c.due_on));
        self.store.complete_duty(&d, &c, audit).await?;
        Ok(d)
    }

    /// The 事務局 retires a duty that no longer applies.
    pub async fn retire_duty(&self, actor: &Actor, id: Uuid, version: i64) -> AppResult<()> {
        if !actor.has_role(Role::Secretariat) {
            return Err(AppError::Forbidden);
        }
        let d = self.store.duty(id).await?;
        let audit = self
            .draft(
                Some(actor),
                "duty.retire",
                "periodic_duty",
                Some(id.to_string()),
            )
            .before(&d);
        Ok(self.store.retire_duty(id, version, audit).await?)
    }

    pub async fn duty_completions(
        &self,
        actor: &Actor,
        id: Uuid,
    ) -> AppResult<Vec<DutyCompletion>> {
        let d = self.store.duty(id).await?;
        if d.owner_id != actor.id()
            && !actor.has_role(Role::Secretariat)
            && !actor.has_role(Role::Auditor)
        {
            return Err(AppError::NotFound);
        }
        Ok(self.store.completions(id).await?)
    }

    /// Reminders before and escalations after each duty's due date.
    pub(crate) async fn duty_alerts(&self) -> AppResult<Vec<Notice>> {
        let now = self.now();
        let settings = self.alert_settings().await?;
        let mut notices = Vec::new();
        for d in self.store.duties(None).await? {
            let owner = self.store.person(d.owner_id).await?;
            for alert in schedule::alerts_due(due_time(d.next_due), &settings, now) {
                let recipients = match alert {
                    Alert::Reminder { .. } => vec![owner.clone()],
                    Alert::Escalation { level, .. } => {
                        self.escalation_recipients(level, std::slice::from_ref(&owner))
                            .await?
                    }
                };
                for p in recipients {
                    let (title, body) = match (p.language, alert) {
                        (mamori_domain::org::Lang::Ja, Alert::Reminder { days_before, .. }) => (
                            format!(
                                "【mamori】定期業務の期限まであと {days_before} 日: {}",
                                d.title
                            ),
                            format!("{}（{}）の期限は {} です。", d.title, d.source, d.next_due),
                        ),
                        (mamori_domain::org::Lang::Ja, Alert::Escalation { .. }) => (
                            format!("【mamori】定期業務が期限超過: {}", d.title),
                            format!(
                                "{}（{}、担当 {}）の期限 {} を過ぎています。",
                                d.title, d.source, owner.name, d.next_due
                            ),
                        ),
                        (mamori_domain::org::Lang::En, Alert::Reminder { days_before, .. }) => (
                            format!(
                                "[mamori] Periodic duty due in {days_before} days: {}",
                                d.title
                            ),
                            format!("{} ({}) is due on {}.", d.title, d.source, d.next_due),
                        ),
                        (mamori_domain::org::Lang::En, Alert::Escalation { .. }) => (
                            format!("[mamori] Periodic duty overdue: {}", d.title),
                            format!(
                                "{} ({}, owner {}) was due on {}.",
                                d.title, d.source, owner.name, d.next_due
                            ),
                        ),
                    };
                    let immediate = self
                        .store
                        .notify_mode(p.id)
                        .await?
                        .is_none_or(|m| m == "immediate");
                    notices.push(Notice {
                        person_id: p.id,
                        dedupe_key: format!(
                            "duty:{}:{}:{}:{}",
                            d.id,
                            d.next_due,
                            alert.key(),
                            p.id
                        ),
                        kind: "duty_deadline".into(),
                        title,
                        body,
                        link: self.link("/duties"),
                        mail_to: immediate.then(|| p.email.clone()),
                    });
                }
            }
        }
        Ok(notices)
    }
}
