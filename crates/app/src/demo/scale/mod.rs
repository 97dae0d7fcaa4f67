//! A large, realistic organisation for measuring mamori (issue: performance):
//! at factor 1 ("large") about 5,000 people in 40 departments with every
//! role held, 50,000 information assets, 20,000 risks, 300 documents read by
//! their audiences, a year of requests and 10,000 incidents — added beside
//! the demo company, deterministic (the same factor gives the same data),
//! built in bulk (one transaction per batch, not a request per row) and
//! checked by the same domain rules as data entered by users.
//!
//! One file per module: `org` (departments, people, roles), `registers`
//! (assets, risks), `documents` (library, versions, readers), `workflow`
//! (requests, the next meeting's agenda), `committee` (a year of meetings),
//! `operations` (periodic duties, 運用確認事項), `incidents`, `complaints`,
//! `audit` (the trail).

mod audit;
mod committee;
mod complaints;
mod documents;
mod incidents;
mod operations;
mod org;
mod registers;
mod workflow;

use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

use super::demo_id;
use crate::{App, AppResult};

/// The sizes at factor 1.
pub const PEOPLE: u64 = 5_000;
pub const DEPARTMENTS: u64 = 40;
pub const ASSETS: u64 = 50_000;
pub const RISKS: u64 = 20_000;
pub const DOCUMENTS: u64 = 300;
/// 例外適用申請 of a year.
pub const EXCEPTIONS: u64 = 1_200;
/// 変更申請 of a year.
pub const CHANGE_REQUESTS: u64 = 300;
pub const INCIDENTS: u64 = 10_000;
pub const AUDIT_EVENTS: u64 = 1_000_000;
/// Rows per transaction.
const BATCH: usize = 2_000;
/// Rows per transaction for the narrow, numerous records (readers' records,
/// the trail): SQLite writes a changed page once per transaction, so the
/// indexes of hundreds of thousands of rows cost far less in large ones.
const LARGE_BATCH: usize = 20_000;

/// Told after each batch: what, how many done, of how many.
pub(super) type Progress<'a> = &'a (dyn Fn(&str, u64, u64) + Sync);

/// What was built.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ScaleReport {
    pub departments: u64,
    pub people: u64,
    pub roles: u64,
    pub assets: u64,
    pub risks: u64,
    /// Library documents and the monthly recurrence-prevention plans.
    pub documents: u64,
    pub versions: u64,
    /// Readers' records of the published versions.
    pub reads: u64,
    /// Of them, read and acknowledged (or the check passed).
    pub acknowledged: u64,
    /// Exception, change and document-approval requests.
    pub requests: u64,
    /// Of them, waiting on an approver or on the requester.
    pub open_requests: u64,
    /// Requests on the agenda of the next committee meeting.
    pub agenda_items: u64,
    pub incidents: u64,
    /// Of them, not closed.
    pub open_incidents: u64,
    pub incident_entries: u64,
    /// Customer complaints (HR-4.2.7).
    pub complaints: u64,
    /// 定例委員会 held, with their minutes published.
    pub meetings: u64,
    /// Action items of those meetings, and how many are still open.
    pub action_items: u64,
    pub open_action_items: u64,
    /// Periodic duties (each department's 運用確認事項 per 規程) and their past completions.
    pub duties: u64,
    pub duty_completions: u64,
    /// Checklist rounds, and of them not submitted.
    pub checklist_runs: u64,
    pub open_checklist_runs: u64,
    pub checklist_answers: u64,
    /// Corrective items opened by a "no", and of them not put right.
    pub corrective_items: u64,
    pub open_corrective_items: u64,
    pub audit_events: u64,
    /// Already there: nothing was added.
    pub existed: bool,
}

/// `large` is factor 1; a number is a factor of it (0.01: 50 people…).
pub fn parse_scale(s: &str) -> Option<f64> {
    match s.trim() {
        "large" => Some(1.0),
        n => n.parse::<f64>().ok().filter(|f| *f > 0.0 && *f <= 10.0),
    }
}

fn sized(n: u64, factor: f64) -> u64 {
    ((n as f64 * factor).round() as u64).max(1)
}

/// A deterministic pseudo-random number for the `n`th record of a kind
/// (splitmix64): the spread of realistic data without a random generator,
/// so the same factor gives the same data.
fn mix(kind: &str, n: u64) -> u64 {
    let mut z = kind
        .bytes()
        .fold(n.wrapping_mul(0x9E37_79B9_7F4A_7C15), |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3)
        })
        .wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// True for about one in `n` records of a kind.
fn one_in(n: u64, kind: &str, i: u64) -> bool {
    mix(kind, i).is_multiple_of(n)
}

/// The `n`th of `items`, picked by `mix` (None when there are none).
fn pick<'a, T>(items: &'a [T], kind: &str, n: u64) -> Option<&'a T> {
    let len = u64::try_from(items.len()).ok().filter(|l| *l > 0)?;
    items.get(usize::try_from(mix(kind, n) % len).ok()?)
}

/// `seconds` before `now` (time only moves back: never in the future).
fn ago(now: OffsetDateTime, seconds: u64) -> OffsetDateTime {
    now - time::Duration::seconds(i64::try_from(seconds).unwrap_or(i64::MAX / 2))
}

const DAY: u64 = 86_400;
const HOUR: u64 = 3_600;

impl App {
    /// Builds the large organisation once; `progress(what, done, total)`
    /// is told after each batch.
    pub async fn seed_scale(&self, factor: f64, progress: Progress<'_>) -> AppResult<ScaleReport> {
        let first = demo_id("scale-department", "L001");
        if self.store.department(first).await.is_ok() {
            return Ok(ScaleReport {
                existed: true,
                ..ScaleReport::default()
            });
        }
        let org = self.scale_org(factor).await?;
        let mut report = ScaleReport {
            departments: org.departments.len() as u64,
            people: org.people.len() as u64,
            roles: org.roles,
            ..ScaleReport::default()
        };
        progress("people", report.people, report.people);
        let owners: Vec<(Uuid, Option<Uuid>)> =
            org.people.iter().map(|p| (p.id, p.department_id)).collect();
        report.assets = self
            .scale_assets(factor, &owners, self.today(), progress)
            .await?;
        report.risks = self.scale_risks(factor, progress).await?;
        let library = self.scale_documents(factor, &org, progress).await?;
        report.documents = library.documents;
        report.versions = library.versions;
        report.reads = library.reads;
        report.acknowledged = library.acknowledged;
        let requests = self
            .scale_requests(factor, &org, &library.titles, progress)
            .await?;
        report.requests = library.requests.filed + requests.filed;
        report.open_requests = library.requests.open + requests.open;
        report.agenda_items = requests.agenda_items;
        let incidents = self
            .scale_incidents(factor, &org, &library.plans, progress)
            .await?;
        report.incidents = incidents.incidents;
        report.open_incidents = incidents.open;
        report.incident_entries = incidents.entries;
        report.complaints = self.scale_complaints(factor, &org, progress).await?;
        let held = self.scale_committee(&org, progress).await?;
        report.meetings = held.meetings;
        report.action_items = held.actions;
        report.open_action_items = held.open_actions;
        let kept = self.scale_operations(&org, progress).await?;
        report.duties = kept.duties;
        report.duty_completions = kept.completions;
        report.checklist_runs = kept.runs;
        report.open_checklist_runs = kept.open_runs;
        report.checklist_answers = kept.answers;
        report.corrective_items = kept.correctives;
        report.open_corrective_items = kept.open_correctives;
        let actors: Vec<(Uuid, String)> = org
            .people
            .iter()
            .map(|p| (p.id, format!("{} <{}>", p.name, p.email)))
            .collect();
        report.audit_events = self.scale_audit(factor, &actors, progress).await?;
        progress("statistics", 0, 1);
        self.store.refresh_statistics().await?;
        progress("statistics", 1, 1);
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_read_as_people_write_them() {
        assert_eq!(parse_scale("large"), Some(1.0));
        assert_eq!(parse_scale("0.01"), Some(0.01));
        assert_eq!(parse_scale("0"), None);
        assert_eq!(parse_scale("huge"), None);
        assert_eq!(sized(ASSETS, 0.01), 500);
        assert_eq!(sized(PEOPLE, 0.0001), 1);
    }

    #[test]
    fn the_spread_is_the_same_every_time_and_covers_the_range() {
        assert_eq!(mix("incident", 7), mix("incident", 7));
        assert_ne!(mix("incident", 7), mix("request", 7));
        let mut seen = [0u32; 10];
        for n in 0..10_000 {
            seen[(mix("x", n) % 10) as usize] += 1;
        }
        assert!(seen.iter().all(|s| (900..1100).contains(s)), "{seen:?}");
    }
}
