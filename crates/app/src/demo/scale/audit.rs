//! A year of the trail a company this size leaves — sign-ins, reads,
//! approvals, register changes — sealed into the audit chain after the
//! records, so the chain holds about a million events at factor 1.

use uuid::Uuid;

use super::{AUDIT_EVENTS, LARGE_BATCH, Progress, sized};
use crate::demo::demo_id;
use crate::{App, AppResult};

impl App {
    /// A year of the trail a company this size leaves: sign-ins, reads,
    /// approvals and register changes, oldest first, sealed into the chain.
    pub(super) async fn scale_audit(
        &self,
        factor: f64,
        actors: &[(Uuid, String)],
        progress: Progress<'_>,
    ) -> AppResult<u64> {
        const KINDS: [(&str, &str); 8] = [
            ("auth.sign_in", "session"),
            ("document.understood", "document_version"),
            ("asset.update", "asset"),
            ("request.approve", "request"),
            ("duty.complete", "periodic_duty"),
            ("incident.entry", "incident"),
            ("risk.update", "risk"),
            ("checklist.submit", "checklist_run"),
        ];
        let (existing, _) = self.store.head().await?;
        let total =
            sized(AUDIT_EVENTS, factor).saturating_sub(u64::try_from(existing).unwrap_or(0));
        let end = self.now();
        let start = end - time::Duration::days(365);
        let step =
            (time::Duration::days(365).whole_microseconds() / i128::from(total.max(1))).max(1);
        let mut done = 0u64;
        while done < total {
            let n = (total - done).min(LARGE_BATCH as u64);
            let drafts = (done..done + n)
                .map(|i| {
                    let (action, entity) = KINDS[(i % 8) as usize];
                    let (actor, label) = &actors[(i % actors.len() as u64) as usize];
                    let at = start
                        + time::Duration::microseconds(
                            i64::try_from(i128::from(i) * step).unwrap_or(0),
                        );
                    crate::ports::AuditDraft {
                        occurred_at: at.min(end),
                        actor_id: Some(*actor),
                        actor_label: label.clone(),
                        action: action.into(),
                        entity_type: entity.into(),
                        entity_id: Some(
                            demo_id("scale-entity", &(i % 5_000).to_string()).to_string(),
                        ),
                        before: None,
                        after: None,
                        detail: Some(format!("large organisation #{}", i + 1)),
                    }
                })
                .collect();
            self.store.append_many(drafts).await?;
            done += n;
            progress("audit events", done, total);
        }
        Ok(total)
    }
}
