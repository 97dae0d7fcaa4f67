//! 運用確認事項 (§5 of every 規程) as the departments keep them: each
//! department's 情報セキュリティ担当者 answers every 規程's checklist once a
//! quarter (POL-7.6b) as a periodic duty — a year of rounds submitted (most
//! on time, some late), their answers, the assessments they make and the
//! corrective items a "no" opens (most put right, the recent ones open), and
//! a few rounds missed, so their duties stand overdue.

use mamori_domain::compliance::Obligation;
use mamori_domain::compliance::status::Finding;
use mamori_domain::schedule::Cadence;
use time::{Date, Duration, Month, OffsetDateTime};

use super::org::Org;
use super::{DAY, HOUR, Progress, ago, mix, one_in};
use crate::checklists::{CORRECTIVE_DAYS, checklist_documents, checklist_items};
use crate::demo::demo_id;
use crate::duties::due_time;
use crate::ports::{
    Assessment, ChecklistAnswer, ChecklistRun, CorrectiveItem, DutyCompletion, PeriodicDuty,
};
use crate::{App, AppError, AppResult, DraftExt};

/// What was stored.
#[derive(Debug, Default)]
pub(super) struct Kept {
    pub duties: u64,
    pub completions: u64,
    pub runs: u64,
    /// Of them, not submitted.
    pub open_runs: u64,
    pub answers: u64,
    pub correctives: u64,
    /// Of them, not put right yet.
    pub open_correctives: u64,
}

const NOT_KEPT: [(&str, &str); 4] = [
    (
        "no",
        "点検時に未実施。今月中に手順を周知し、実施状況を再確認する。",
    ),
    (
        "partly",
        "一部の担当者で未実施。個別に指導し、次回点検で確認する。",
    ),
    (
        "partly",
        "記録が一部欠落。記録様式を見直し、記入漏れを防ぐ。",
    ),
    ("no", "担当者の異動で引継ぎ漏れ。後任者に手順を説明済み。"),
];

/// The last day of the quarter a date falls in.
fn quarter_end(d: Date) -> AppResult<Date> {
    let month = Month::try_from((u8::from(d.month()) - 1) / 3 * 3 + 3)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Date::from_calendar_date(d.year(), month, time::util::days_in_month(month, d.year()))
        .map_err(|e| AppError::Internal(e.to_string()))
}

/// The rounds of one duty, one batch's worth of rows.
#[derive(Default)]
struct Rows {
    duties: Vec<PeriodicDuty>,
    completions: Vec<DutyCompletion>,
    runs: Vec<ChecklistRun>,
    answers: Vec<ChecklistAnswer>,
    assessments: Vec<Assessment>,
    correctives: Vec<(CorrectiveItem, OffsetDateTime)>,
}

impl App {
    pub(super) async fn scale_operations(
        &self,
        org: &Org,
        progress: Progress<'_>,
    ) -> AppResult<Kept> {
        let now = self.now();
        let today = self.today();
        let soon = Duration::days(i64::from(self.alert_settings().await?.due_soon_days));
        let mut documents: Vec<(&str, Vec<Obligation>)> = Vec::new();
        for d in checklist_documents()? {
            documents.push((d, checklist_items(d)?));
        }
        let officers = org.officers();
        let first_due = quarter_end(today - Duration::days(365))?;
        let mut kept = Kept::default();
        let total = org.departments.len() as u64;
        for (di, dept) in org.departments.iter().enumerate() {
            let Some(officer) = officers.get(&dept.id).copied() else {
                continue;
            };
            let mut rows = Rows::default();
            for (doc, items) in &documents {
                let key = format!("{}-{doc}", dept.code);
                let n = mix("scale-duty", di as u64) ^ mix(&key, 0);
                // One duty in 40 missed its last round: it stays due.
                let missed = n.is_multiple_of(40);
                let mut duty = PeriodicDuty {
                    id: demo_id("scale-duty", &key),
                    title: format!("運用確認事項（{doc}・{}）", dept.name),
                    source: format!("{doc}-5"),
                    owner_id: officer,
                    cadence: Cadence::Quarterly.id(),
                    next_due: first_due,
                    version: 1,
                };
                let mut round = 0u64;
                while duty.next_due < today {
                    let due_on = duty.next_due;
                    let last = Cadence::Quarterly.next_after(due_on) >= today;
                    let run = ChecklistRun {
                        id: demo_id("scale-run", &format!("{key}-{due_on}")),
                        document: (*doc).to_string(),
                        owner_id: officer,
                        due_on,
                        duty_id: Some(duty.id),
                        created_at: due_time(due_on) - soon - Duration::days(1),
                        submitted_at: None,
                        items: vec![],
                    };
                    if missed && last {
                        rows.runs.push(run);
                        break;
                    }
                    // Most a few days before the due date; one in ten late.
                    let r = mix(&key, round);
                    let done_at = if one_in(10, &key, round) {
                        due_time(due_on) + Duration::seconds((r % (9 * DAY)) as i64)
                    } else {
                        due_time(due_on) - Duration::seconds((DAY + r % (12 * DAY)) as i64)
                    }
                    .min(ago(now, HOUR));
                    scale_answers(&mut rows, &run, items, done_at, now, round);
                    rows.completions.push(DutyCompletion {
                        id: demo_id("scale-completion", &format!("{key}-{due_on}")),
                        duty_id: duty.id,
                        due_on,
                        done_at,
                        done_by: officer,
                        note: format!("checklist {}", run.id),
                    });
                    rows.runs.push(ChecklistRun {
                        submitted_at: Some(done_at),
                        ..run
                    });
                    duty.next_due = Cadence::Quarterly.next_after(due_on);
                    duty.version += 1;
                    round += 1;
                }
                if !missed && duty.next_due <= today + soon {
                    // This quarter's round, as the scheduler opens it.
                    rows.runs.push(ChecklistRun {
                        id: demo_id("scale-run", &format!("{key}-{}", duty.next_due)),
                        document: (*doc).to_string(),
                        owner_id: officer,
                        due_on: duty.next_due,
                        duty_id: Some(duty.id),
                        created_at: ago(now, HOUR),
                        submitted_at: None,
                        items: vec![],
                    });
                }
                rows.duties.push(duty);
            }
            kept.duties += rows.duties.len() as u64;
            kept.completions += rows.completions.len() as u64;
            kept.runs += rows.runs.len() as u64;
            kept.open_runs += rows
                .runs
                .iter()
                .filter(|r| r.submitted_at.is_none())
                .count() as u64;
            kept.answers += rows.answers.len() as u64;
            kept.correctives += rows.correctives.len() as u64;
            kept.open_correctives += rows
                .correctives
                .iter()
                .filter(|(c, _)| c.done_at.is_none())
                .count() as u64;
            let detail = format!("large organisation: 運用確認事項 of {}", dept.name);
            let audit = self
                .draft(None, "duty.import", "periodic_duty", None)
                .detail(detail.clone());
            self.store
                .insert_duties(&rows.duties, &rows.completions, audit)
                .await?;
            let audit = self
                .draft(None, "checklist.import", "checklist_run", None)
                .detail(detail);
            self.store
                .insert_runs(
                    &rows.runs,
                    &rows.answers,
                    &rows.assessments,
                    &rows.correctives,
                    audit,
                )
                .await?;
            progress("checklists", di as u64 + 1, total);
        }
        Ok(kept)
    }
}

/// A submitted round's answers, as `submit_checklist` records them: an
/// assessment per item and a corrective item per "no" or "partly".
fn scale_answers(
    rows: &mut Rows,
    run: &ChecklistRun,
    items: &[Obligation],
    at: OffsetDateTime,
    now: OffsetDateTime,
    round: u64,
) {
    let day = at.to_offset(crate::ORG_OFFSET).date();
    for (k, item) in items.iter().enumerate() {
        let key = format!("{}-{}", run.id, item.id);
        let (answer, comment) = if one_in(12, &key, round) {
            NOT_KEPT[(mix(&key, round) % 4) as usize]
        } else {
            ("yes", "")
        };
        rows.answers.push(ChecklistAnswer {
            run_id: run.id,
            obligation_id: item.id.clone(),
            answer: answer.into(),
            comment: comment.into(),
            attachment_id: None,
        });
        let finding = if answer == "yes" {
            Finding::Kept
        } else {
            Finding::NotKept
        };
        rows.assessments.push(Assessment {
            id: demo_id("scale-assessment", &key),
            obligation_id: item.id.clone(),
            finding,
            note: comment.into(),
            evidence: format!("checklist {}", run.id),
            assessed_by: run.owner_id,
            assessed_at: at,
            assessed_on: day,
        });
        if finding == Finding::NotKept {
            let due_on = day + Duration::days(CORRECTIVE_DAYS);
            // Put right within the month, unless that is still ahead.
            let done = due_time(due_on) - Duration::days((mix(&key, k as u64) % 25) as i64);
            // Of the last weeks' findings, one in three is still being put right.
            let open = due_time(due_on) > now - Duration::days(45) && one_in(3, &key, 7);
            rows.correctives.push((
                CorrectiveItem {
                    id: demo_id("scale-corrective", &key),
                    obligation_id: item.id.clone(),
                    run_id: Some(run.id),
                    title: format!("是正: {} — {}", item.id, item.statement_ja),
                    owner_id: run.owner_id,
                    due_on,
                    done_at: (!open && done < now).then_some(done),
                },
                at,
            ));
        }
    }
}
