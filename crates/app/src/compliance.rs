//! The policy as obligations (M6): every obligation's status from what was
//! recorded about it, the roll-ups, the check for pipelines and the
//! Statement of Applicability (適用宣言書) for both editions of Annex A.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::sync::OnceLock;

use mamori_domain::Role;
use mamori_domain::compliance::Obligation;
use mamori_domain::compliance::bundled::Bundle;
use mamori_domain::compliance::status::{self, Finding, Latest, ObligationStatus};
use mamori_domain::org::required_text;
use serde::Serialize;
use uuid::Uuid;

use crate::access::Actor;
use crate::error::{AppError, AppResult};
use crate::ports::{Assessment, SoaEntry};
use crate::{App, DraftExt};

static BUNDLE: OnceLock<Result<Bundle, Vec<String>>> = OnceLock::new();
/// Each Annex A control's citing obligations, by edition, worked out once
/// (the pack and the annexes are shipped data).
static CITING_2013: OnceLock<Vec<Vec<&'static Obligation>>> = OnceLock::new();
static CITING_2022: OnceLock<Vec<Vec<&'static Obligation>>> = OnceLock::new();

/// Uses a company's own policy pack instead of the shipped one. Must be
/// called before anything reads the pack; refuses an invalid pack.
pub fn install_pack(files: &[(&str, &str)]) -> Result<usize, Vec<String>> {
    let b = Bundle::with_pack(files)?;
    let n = b.pack.obligations.len();
    BUNDLE
        .set(Ok(b))
        .map_err(|_| vec!["the policy pack was already loaded".to_string()])?;
    Ok(n)
}

/// The policy pack (shipped, or the company's own) and Annex A data, validated once.
pub fn bundle() -> AppResult<&'static Bundle> {
    BUNDLE
        .get_or_init(Bundle::load)
        .as_ref()
        .map_err(|problems| {
            AppError::Internal(format!("policy pack invalid: {}", problems.join("; ")))
        })
}

/// "Due soon" window for periodic obligations, in days.
pub const SOON_DAYS: u32 = 30;

/// An obligation with where it stands.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ObligationRow {
    pub obligation: Obligation,
    pub status: ObligationStatus,
    pub latest: Option<Assessment>,
    pub next_due: Option<time::Date>,
}

#[derive(Debug, Clone, Default)]
pub struct ObligationFilter {
    pub document: Option<String>,
    /// A 2013 Annex A id; obligations citing it or a control under it.
    pub annex: Option<String>,
    pub status: Option<ObligationStatus>,
    pub text: Option<String>,
}

/// Counts per status.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct StatusCounts(pub BTreeMap<String, usize>);

impl StatusCounts {
    fn add(&mut self, s: ObligationStatus) {
        *self.0.entry(s.id().to_string()).or_default() += 1;
    }
    pub fn get(&self, s: ObligationStatus) -> usize {
        self.0.get(s.id()).copied().unwrap_or(0)
    }
}

/// A line of the Statement of Applicability with the live status behind it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SoaRow {
    pub control_id: String,
    pub title_ja: String,
    pub title_en: String,
    pub applicable: bool,
    pub justification: String,
    pub implementation: String,
    /// New in the 2022 edition.
    pub new: bool,
    /// The policy clauses that cite it.
    pub citing: Vec<String>,
    pub statuses: StatusCounts,
    pub version: i64,
    /// Decided by the organisation (false: the default, not yet reviewed).
    pub decided: bool,
}

/// The check for pipelines (`mamori check --json`).
/// One department's open and overdue work.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct DepartmentRollup {
    pub department_id: Uuid,
    pub name: String,
    pub people: usize,
    pub duties_on_track: usize,
    pub duties_due_soon: usize,
    pub duties_overdue: usize,
    pub checklists_open: usize,
    pub checklists_overdue: usize,
    pub corrective_open: usize,
    pub corrective_overdue: usize,
    /// Comprehension checks not yet done (DOC-4.3.3).
    pub checks_pending: usize,
    pub checks_overdue: usize,
}

impl DepartmentRollup {
    /// Anything overdue.
    pub fn behind(&self) -> bool {
        self.duties_overdue
            + self.checklists_overdue
            + self.corrective_overdue
            + self.checks_overdue
            > 0
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    pub summary: StatusCounts,
    pub obligations: Vec<CheckLine>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckLine {
    pub id: String,
    pub document: String,
    pub status: ObligationStatus,
    pub annex_refs: Vec<String>,
    pub actor: String,
    pub next_due: Option<time::Date>,
}

/// The compliance dashboard's figures from one evaluation.
#[derive(Debug, Clone)]
pub struct ComplianceDashboard {
    pub total: StatusCounts,
    pub per_document: Vec<(String, StatusCounts)>,
    pub per_actor: Vec<(String, StatusCounts)>,
    pub rows: Vec<ObligationRow>,
}

/// Counts overall and per document.
fn summarize(rows: &[ObligationRow]) -> (StatusCounts, Vec<(String, StatusCounts)>) {
    let mut all = StatusCounts::default();
    let mut per: Vec<(String, StatusCounts)> = mamori_domain::compliance::pack::DOCUMENTS
        .iter()
        .map(|d| (d.to_string(), StatusCounts::default()))
        .collect();
    for r in rows {
        all.add(r.status);
        if let Some((_, c)) = per.iter_mut().find(|(d, _)| *d == r.obligation.document) {
            c.add(r.status);
        }
    }
    (all, per)
}

/// Counts per actor (role or body), most obligations first.
fn by_actor(rows: &[ObligationRow]) -> Vec<(String, StatusCounts)> {
    let mut per: BTreeMap<String, StatusCounts> = BTreeMap::new();
    for r in rows {
        per.entry(r.obligation.actor.clone())
            .or_default()
            .add(r.status);
    }
    let mut out: Vec<(String, StatusCounts)> = per.into_iter().collect();
    out.sort_by_key(|(_, c)| std::cmp::Reverse(c.0.values().sum::<usize>()));
    out
}

/// The rows a filter keeps: document, Annex A control, status, text.
fn filter_rows(rows: Vec<ObligationRow>, f: &ObligationFilter) -> Vec<ObligationRow> {
    let text = searched_text(f);
    rows.into_iter()
        .filter(|r| keeps(r, f, text.as_deref()))
        .collect()
}

/// The filter's search text, lower-cased; None when there is none.
fn searched_text(f: &ObligationFilter) -> Option<String> {
    f.text
        .as_deref()
        .map(str::to_lowercase)
        .filter(|t| !t.trim().is_empty())
}

/// Whether the filter keeps this row (`text` from `searched_text`).
fn keeps(r: &ObligationRow, f: &ObligationFilter, text: Option<&str>) -> bool {
    f.document
        .as_deref()
        .is_none_or(|d| r.obligation.document == d)
        && f.annex.as_deref().is_none_or(|a| cites(&r.obligation, a))
        && f.status.is_none_or(|s| r.status == s)
        && text.is_none_or(|t| {
            r.obligation.id.to_lowercase().contains(t)
                || r.obligation.statement_ja.contains(t)
                || r.obligation.statement_en.to_lowercase().contains(t)
        })
}

/// What the evaluation reads from the data, kept per state of the data
/// (`Snapshots::obligation_inputs`).
pub(crate) struct ObligationInputs {
    /// The latest assessment of each obligation, a duty's completion or a
    /// record's finding where newer.
    latest: HashMap<String, Assessment>,
    /// The organisation's own cadences.
    cadences: BTreeMap<String, String>,
    /// Each complaint's receipt and first report.
    complaints: Vec<(time::OffsetDateTime, Option<time::OffsetDateTime>)>,
    complaint_hours: u32,
}

/// Keeps `a` as its obligation's latest unless one as new or newer is kept.
fn keep_newer(latest: &mut HashMap<String, Assessment>, a: Assessment) {
    if latest
        .get(&a.obligation_id)
        .is_none_or(|kept| kept.assessed_at < a.assessed_at)
    {
        latest.insert(a.obligation_id.clone(), a);
    }
}

/// A finding of mamori itself, from the records.
fn by_mamori(id: &str, kept: bool, at: time::OffsetDateTime, evidence: String) -> Assessment {
    Assessment {
        id: Uuid::nil(),
        obligation_id: id.into(),
        finding: if kept {
            Finding::Kept
        } else {
            Finding::NotKept
        },
        note: "mamori".into(),
        evidence,
        assessed_by: Uuid::nil(),
        assessed_at: at,
        assessed_on: at.to_offset(crate::ORG_OFFSET).date(),
    }
}

fn cites(o: &Obligation, annex: &str) -> bool {
    o.annex.iter().any(|a| {
        a == annex || a.starts_with(&format!("{annex}.")) || annex.starts_with(&format!("{a}."))
    })
}

impl App {
    /// Every obligation with its status today: from the latest assessment,
    /// or from the latest completion of a periodic duty that names the
    /// obligation as its source, whichever is newer.
    /// Every obligation with where it stands; evaluated once per change
    /// of the data and minute of the clock (see `snapshot`).
    pub async fn obligation_rows(&self) -> AppResult<Vec<ObligationRow>> {
        Ok(self.kept_obligation_rows().await?.as_ref().clone())
    }

    /// The evaluation kept for this state of the data and minute, shared,
    /// not copied. What it reads from the data is kept per state alone: a
    /// new minute pays only for what depends on the clock.
    async fn kept_obligation_rows(&self) -> AppResult<Arc<Vec<ObligationRow>>> {
        let key = self.snapshot_key().await?;
        self.snapshots
            .obligations
            .get_or_compute(key, || async {
                let inputs = self
                    .snapshots
                    .obligation_inputs
                    .get_or_compute(key.head, || self.obligation_inputs())
                    .await?;
                self.evaluate_obligations(&inputs).await
            })
            .await
    }

    /// What the evaluation reads that the clock does not change: the latest
    /// assessment of each obligation, the latest completion of each duty
    /// that names one, what the other records prove, the organisation's
    /// cadences and the complaints.
    async fn obligation_inputs(&self) -> AppResult<ObligationInputs> {
        let b = bundle()?;
        let mut latest: HashMap<String, Assessment> = self
            .store
            .latest_assessments()
            .await?
            .into_iter()
            .map(|a| (a.obligation_id.clone(), a))
            .collect();
        for l in self.store.latest_duty_completions().await? {
            if b.pack.get(&l.source).is_none() {
                continue;
            }
            let c = l.completion;
            keep_newer(
                &mut latest,
                Assessment {
                    id: c.id,
                    obligation_id: l.source.clone(),
                    finding: Finding::Kept,
                    note: c.note.clone(),
                    evidence: format!("{}（{}）", l.title, c.due_on),
                    assessed_by: c.done_by,
                    assessed_at: c.done_at,
                    assessed_on: c.done_at.to_offset(crate::ORG_OFFSET).date(),
                },
            );
        }
        for from_records in self.findings_from_records().await? {
            if b.pack.get(&from_records.obligation_id).is_some() {
                keep_newer(&mut latest, from_records);
            }
        }
        Ok(ObligationInputs {
            latest,
            cadences: self.store.obligation_cadences().await?,
            complaints: self
                .store
                .complaints()
                .await?
                .iter()
                .map(|c| (c.received_at, c.first_report_at))
                .collect(),
            complaint_hours: self.alert_settings().await?.complaint_first_report_hours,
        })
    }

    /// Every obligation's status now, from the kept inputs and what the
    /// clock decides: readers' checks overdue (DOC-4.3.3(3)) and complaints
    /// first reported in time (HR-4.2.7(3)).
    async fn evaluate_obligations(
        &self,
        inputs: &ObligationInputs,
    ) -> AppResult<Vec<ObligationRow>> {
        use mamori_domain::incidents as inc;
        let b = bundle()?;
        let now = self.now();
        let today = self.today();
        // One finding each for two obligations, by their ids.
        let mut by_clock: HashMap<String, Assessment> = HashMap::new();
        let t = self.store.comprehension_tally(now).await?;
        if let Some(last) = t.last_due {
            let f = format!("理解度チェック: 期限超過 {}・実施不能 {}", t.late, t.exempt);
            let a = by_mamori("DOC-4.3.3(3)", t.late == 0, last, f);
            by_clock.insert(a.obligation_id.clone(), a);
        }
        if let Some((kept, at)) =
            inc::complaints_reported_in_time(&inputs.complaints, now, inputs.complaint_hours)
        {
            let f = "クレームの第一報（顧客クレーム記録）".to_string();
            let a = by_mamori("HR-4.2.7(3)", kept, at, f);
            by_clock.insert(a.obligation_id.clone(), a);
        }
        Ok(b.pack
            .obligations
            .iter()
            .map(|o| {
                // The organisation's own cadence, where it set one.
                let o = match inputs.cadences.get(&o.id) {
                    Some(c) => Obligation {
                        cadence: Some(c.clone()),
                        ..o.clone()
                    },
                    None => o.clone(),
                };
                let l = match (inputs.latest.get(&o.id), by_clock.get(&o.id)) {
                    (Some(a), Some(c)) if a.assessed_at < c.assessed_at => Some(c),
                    (Some(a), _) => Some(a),
                    (None, c) => c,
                }
                .cloned();
                let key = l.as_ref().map(|a| Latest {
                    finding: a.finding,
                    on: a.assessed_on,
                });
                ObligationRow {
                    status: status::evaluate(&o, key, today, SOON_DAYS),
                    next_due: status::next_due(&o, key),
                    obligation: o,
                    latest: l,
                }
            })
            .collect())
    }

    /// What the other modules' records show that the clock does not change,
    /// as assessments by mamori itself: notices of new versions
    /// (DOC-4.3.1), disposal records (DOC-4.4(2)), the recovery-priority
    /// register (INC-4.1(4)), board reports (INC-4.4(2)) and the risk
    /// register's. (Readers' checks and complaints: `evaluate_obligations`.)
    async fn findings_from_records(&self) -> AppResult<Vec<Assessment>> {
        let mut out = Vec::new();
        let e = self.store.record_evidence().await?;
        if let Some(p) = e.last_published {
            out.push(by_mamori(
                "DOC-4.3.1",
                true,
                p,
                "改訂版の周知（文書管理）".into(),
            ));
        }
        if let Some(at) = e.last_disposed {
            out.push(by_mamori(
                "DOC-4.4(2)",
                true,
                at,
                "廃棄記録（文書管理）".into(),
            ));
        }
        if let Some(d) = e.last_system_decided {
            let at = d.midnight().assume_offset(crate::ORG_OFFSET);
            out.push(by_mamori("INC-4.1(4)", true, at, "復旧優先度台帳".into()));
        }
        if let Some(at) = e.board_last_recovered {
            out.push(by_mamori(
                "INC-4.4(2)",
                e.board_unreported == 0,
                at,
                "取締役会報告（インシデント記録）".into(),
            ));
        }
        for (id, kept, at, evidence) in self.findings_from_risk_records(&e).await? {
            out.push(by_mamori(id, kept, at, evidence));
        }
        Ok(out)
    }

    /// What the risk register proves (RISK-4.x, 5): the context recorded,
    /// the asset register kept, incidents considered for threats, risks
    /// analysed with their reasons and numbers (the register refuses them
    /// otherwise), treatment approved by management, the yearly reviews and
    /// new threat information evaluated. Aggregates only: cheap per view.
    async fn findings_from_risk_records(
        &self,
        e: &crate::ports::RecordEvidence,
    ) -> AppResult<Vec<(&'static str, bool, time::OffsetDateTime, String)>> {
        use mamori_domain::risk::RiskStatus;
        let mut out = Vec::new();
        let day = |d: time::Date| d.midnight().assume_offset(crate::ORG_OFFSET);
        let context = self.store.context_items().await?;
        if let Some(d) = context.iter().map(|c| c.noted_on).max() {
            out.push((
                "RISK-4.1.1",
                true,
                day(d),
                format!("組織の状況・課題 {} 件", context.len()),
            ));
        }
        if let Some(at) = e.assets_updated.filter(|_| e.assets > 0) {
            out.push((
                "RISK-4.1.2",
                true,
                at,
                format!("情報資産台帳 {} 件", e.assets),
            ));
        }
        let considered = self.store.threat_incident_links().await?;
        let counts = self.store.risk_status_counts().await?;
        let count = |s: RiskStatus| {
            counts
                .iter()
                .find(|(x, _)| *x == s)
                .map(|(_, n)| *n)
                .unwrap_or(0)
        };
        let total: u64 = counts.iter().map(|(_, n)| n).sum();
        if let Some(at) = e.risks_updated {
            if considered > 0 {
                out.push((
                    "RISK-4.1.3(2)",
                    true,
                    at,
                    format!("脅威に関連付けた過去のインシデント {considered} 件"),
                ));
            }
            // The register accepts a risk only with its scenario, the reason
            // it is (not) identified and, when identified, concrete numbers
            // and the conditions used.
            let analysed = format!("リスク台帳 {total} 件");
            for id in [
                "RISK-4.1.5(2)",
                "RISK-4.1.6(2)",
                "RISK-4.1.6(3)",
                "RISK-4.1.7(1)",
                "RISK-4.1.7(2)",
            ] {
                out.push((id, true, at, analysed.clone()));
            }
            // Treatment: kept once every risk above the level has management's
            // current approval (or is with management); open ones leave it to
            // the assessors.
            let open = count(RiskStatus::NeedsTreatment) + count(RiskStatus::Stale);
            if open == 0 && count(RiskStatus::Approved) > 0 {
                let approved = format!(
                    "経営者の承認済みのリスク対応 {} 件",
                    count(RiskStatus::Approved)
                );
                out.push(("RISK-4.2(2)", true, at, approved.clone()));
                out.push(("RISK-4.3", true, at, approved));
            }
        }
        if let Some(a) = self.store.assessments().await?.first() {
            out.push((
                "RISK-4.2(1)",
                true,
                a.taken_at,
                format!("受容レベルを記録したリスクアセスメント「{}」", a.label),
            ));
        }
        if let Some(c) = self.store.cycle_checks().await?.first() {
            out.push((
                "RISK-5(2)",
                true,
                c.recorded_at,
                "マネジメントサイクルの年次確認".into(),
            ));
        }
        if let Some((s, at)) = self
            .store
            .surveys()
            .await?
            .into_iter()
            .filter_map(|s| s.closed_at.map(|at| (s, at)))
            .max_by_key(|(_, at)| *at)
        {
            out.push(("RISK-5(3)", true, at, format!("アンケート「{}」", s.title)));
        }
        if let Some(t) = self
            .store
            .threat_intel()
            .await?
            .into_iter()
            .filter(|t| t.evaluated_on.is_some())
            .max_by_key(|t| t.evaluated_on)
        {
            let at = t.evaluated_on.map(day).unwrap_or(t.recorded_at);
            out.push((
                "RISK-5(4)",
                true,
                at,
                format!("新たな脅威情報と有効性の評価（{}）", t.source),
            ));
        }
        Ok(out)
    }

    /// Obligations filtered by document, Annex A control, status or text.
    /// A page of the rows the filter keeps, and how many it keeps in all;
    /// only the page is copied out of the kept evaluation.
    pub async fn obligations_page(
        &self,
        _actor: &Actor,
        f: &ObligationFilter,
        offset: u32,
        limit: u32,
    ) -> AppResult<(Vec<ObligationRow>, u64)> {
        let rows = self.kept_obligation_rows().await?;
        let text = searched_text(f);
        let (offset, limit) = (offset as usize, limit as usize);
        let mut page = Vec::with_capacity(limit.min(rows.len()));
        let mut total = 0usize;
        for r in rows.iter().filter(|r| keeps(r, f, text.as_deref())) {
            if total >= offset && page.len() < limit {
                page.push(r.clone());
            }
            total += 1;
        }
        Ok((page, total as u64))
    }

    /// The dashboard from one evaluation: the counts overall, per document
    /// and per actor, and the rows the filter keeps.
    pub async fn compliance_dashboard(
        &self,
        _actor: &Actor,
        f: &ObligationFilter,
    ) -> AppResult<ComplianceDashboard> {
        let rows = self.obligation_rows().await?;
        let (total, per_document) = summarize(&rows);
        let per_actor = by_actor(&rows);
        Ok(ComplianceDashboard {
            total,
            per_document,
            per_actor,
            rows: filter_rows(rows, f),
        })
    }

    /// Where each department stands on the work the policy gives its people:
    /// periodic duties, 運用確認 checklists, corrective items and
    /// comprehension checks, open and overdue. The 事務局, the committee,
    /// auditors and the 社長 see every department; a 部門長 or
    /// 情報セキュリティ担当者 their own.
    pub async fn compliance_by_department(
        &self,
        actor: &Actor,
    ) -> AppResult<Vec<DepartmentRollup>> {
        let all = [
            Role::Secretariat,
            Role::Auditor,
            Role::President,
            Role::CommitteeChair,
            Role::CommitteeViceChair,
            Role::CommitteeMember,
        ]
        .iter()
        .any(|r| actor.has_role(*r));
        let own: HashSet<Uuid> = actor
            .assignments
            .iter()
            .filter(|a| matches!(a.role, Role::SecurityOfficer | Role::DepartmentHead))
            .filter_map(|a| a.department_id)
            .collect();
        if !all && own.is_empty() {
            return Err(AppError::Forbidden);
        }
        let rows = self
            .kept(&self.snapshots.departments, || self.department_rollups())
            .await?;
        Ok(rows
            .iter()
            .filter(|r| all || own.contains(&r.department_id))
            .cloned()
            .collect())
    }

    /// Every department's roll-up (see `compliance_by_department`).
    async fn department_rollups(&self) -> AppResult<Vec<DepartmentRollup>> {
        use mamori_domain::schedule::{DueStatus, due_status};
        let now = self.now();
        let today = self.today();
        let soon = self.alert_settings().await?.due_soon_days;
        let heads: HashMap<Uuid, u64> = self.store.headcounts(today).await?.into_iter().collect();
        let mut rows: Vec<DepartmentRollup> = self
            .store
            .departments()
            .await?
            .into_iter()
            .map(|d| DepartmentRollup {
                people: usize::try_from(heads.get(&d.id).copied().unwrap_or(0))
                    .unwrap_or(usize::MAX),
                department_id: d.id,
                name: d.name,
                ..DepartmentRollup::default()
            })
            .collect();
        let status = |due: time::Date| due_status(crate::duties::due_time(due), None, now, soon);
        let duties = self.store.duties(None).await?;
        let runs: Vec<_> = self
            .store
            .runs(None)
            .await?
            .into_iter()
            .filter(|c| c.submitted_at.is_none())
            .collect();
        let corrective = self.store.corrective_items(None, true).await?;
        // Whose department owns what: only when there is something to place.
        let dept_of: HashMap<Uuid, Uuid> =
            if duties.is_empty() && runs.is_empty() && corrective.is_empty() {
                HashMap::new()
            } else {
                self.store
                    .department_members(today)
                    .await?
                    .into_iter()
                    .collect()
            };
        for d in duties {
            if let Some(r) = row_of(&mut rows, &dept_of, d.owner_id) {
                match status(d.next_due) {
                    DueStatus::Overdue => r.duties_overdue += 1,
                    DueStatus::DueSoon => r.duties_due_soon += 1,
                    _ => r.duties_on_track += 1,
                }
            }
        }
        for c in runs {
            if let Some(r) = row_of(&mut rows, &dept_of, c.owner_id) {
                r.checklists_open += 1;
                if status(c.due_on) == DueStatus::Overdue {
                    r.checklists_overdue += 1;
                }
            }
        }
        for c in corrective {
            if let Some(r) = row_of(&mut rows, &dept_of, c.owner_id) {
                r.corrective_open += 1;
                if status(c.due_on) == DueStatus::Overdue {
                    r.corrective_overdue += 1;
                }
            }
        }
        for c in self.store.open_checks(now, today).await? {
            if let Some(r) = rows.iter_mut().find(|r| r.department_id == c.department_id) {
                r.checks_pending += usize::try_from(c.open).unwrap_or(usize::MAX);
                r.checks_overdue += usize::try_from(c.overdue).unwrap_or(usize::MAX);
            }
        }
        Ok(rows)
    }

    pub async fn obligation_detail(
        &self,
        _actor: &Actor,
        id: &str,
    ) -> AppResult<(ObligationRow, Vec<Assessment>)> {
        let row = self
            .obligation_rows()
            .await?
            .into_iter()
            .find(|r| r.obligation.id == id)
            .ok_or(AppError::NotFound)?;
        let history = self.store.assessments_of(id).await?;
        Ok((row, history))
    }

    /// The 事務局 sets the organisation's cadence of a periodic obligation
    /// (the policy's is the default; None puts it back).
    pub async fn set_obligation_cadence(
        &self,
        actor: &Actor,
        id: &str,
        cadence: Option<&str>,
    ) -> AppResult<()> {
        if !actor.has_role(Role::Secretariat) {
            return Err(AppError::Forbidden);
        }
        let b = bundle()?;
        let o = b.pack.get(id).ok_or(AppError::NotFound)?;
        if o.kind != mamori_domain::compliance::ObligationKind::Periodic {
            return Err(AppError::field("cadence", "not_periodic"));
        }
        let mut all = self.store.obligation_cadences().await?;
        let before = all.get(id).cloned();
        match cadence.map(str::trim).filter(|c| !c.is_empty()) {
            Some(c) => {
                let parsed = mamori_domain::schedule::Cadence::parse(c)
                    .ok_or(AppError::field("cadence", "invalid_cadence"))?;
                all.insert(id.to_string(), cadence_id(parsed));
            }
            None => {
                all.remove(id);
            }
        }
        let audit = self
            .draft(
                Some(actor),
                "obligation.cadence",
                "obligation",
                Some(id.to_string()),
            )
            .detail(format!(
                "{id}: {} → {}",
                before.as_deref().or(o.cadence.as_deref()).unwrap_or("—"),
                all.get(id)
                    .map(String::as_str)
                    .or(o.cadence.as_deref())
                    .unwrap_or("—")
            ));
        self.store.save_obligation_cadences(&all, audit).await?;
        Ok(())
    }

    /// May the actor record the state of this obligation? The 事務局 may for
    /// all; a holder of the obligation's role for their own.
    fn may_assess(actor: &Actor, o: &Obligation, finding: Finding) -> bool {
        if actor.has_role(Role::Secretariat) {
            return true;
        }
        finding != Finding::NotApplicable
            && o.actor_role()
                .is_some_and(|r| r != Role::Employee && actor.has_role(r))
    }

    /// Records an obligation kept (with where the evidence is), not kept, or
    /// not applicable (with the reason; the 事務局 decides).
    pub async fn assess_obligation(
        &self,
        actor: &Actor,
        id: &str,
        finding: Finding,
        note: &str,
        evidence: &str,
        file: Option<&crate::checklists::Upload>,
    ) -> AppResult<Assessment> {
        let b = bundle()?;
        let o = b.pack.get(id).ok_or(AppError::NotFound)?;
        if !Self::may_assess(actor, o, finding) {
            return Err(AppError::Forbidden);
        }
        let note = note.trim().to_string();
        let mut evidence = evidence.trim().to_string();
        let file = file.filter(|f| !f.bytes.is_empty());
        if file.is_some_and(|f| f.bytes.len() > crate::checklists::MAX_ATTACHMENT) {
            return Err(AppError::field("file", "too_large"));
        }
        if note.chars().count() > 2000 || evidence.chars().count() > 2000 {
            return Err(AppError::field("note", "too_long"));
        }
        match finding {
            Finding::Kept if evidence.is_empty() && file.is_none() => {
                return Err(AppError::field("evidence", "required"));
            }
            Finding::NotKept | Finding::NotApplicable if note.is_empty() => {
                return Err(AppError::field("note", "required"));
            }
            _ => {}
        }
        // The evidence file is kept with the assessment; the text names it.
        if let Some(f) = file {
            let a = self.store_attachment(actor, f).await?;
            evidence = if evidence.is_empty() {
                format!("attachment {}", a.id)
            } else {
                format!("{evidence} / attachment {}", a.id)
            };
        }
        let a = Assessment {
            id: Uuid::now_v7(),
            obligation_id: o.id.clone(),
            finding,
            note,
            evidence,
            assessed_by: actor.id(),
            assessed_at: self.now(),
            assessed_on: self.today(),
        };
        let audit = self
            .draft(
                Some(actor),
                "obligation.assess",
                "obligation",
                Some(o.id.clone()),
            )
            .after(&a)
            .detail(format!("{}: {}", o.id, finding.id()));
        self.store.add_assessment(&a, audit).await?;
        Ok(a)
    }

    /// The whole check, for `mamori check`.
    pub async fn check_report(&self) -> AppResult<CheckReport> {
        let rows = self.obligation_rows().await?;
        let mut summary = StatusCounts::default();
        for r in &rows {
            summary.add(r.status);
        }
        Ok(CheckReport {
            summary,
            obligations: rows
                .into_iter()
                .map(|r| CheckLine {
                    id: r.obligation.id,
                    document: r.obligation.document,
                    status: r.status,
                    annex_refs: r.obligation.annex,
                    actor: r.obligation.actor,
                    next_due: r.next_due,
                })
                .collect(),
        })
    }

    /// The Statement of Applicability for `2013` or `2022`.
    pub async fn soa(&self, edition: &str) -> AppResult<Vec<SoaRow>> {
        let b = bundle()?;
        let entries: HashMap<String, SoaEntry> = self
            .store
            .soa_entries(edition)
            .await?
            .into_iter()
            .map(|e| (e.control_id.clone(), e))
            .collect();
        let rows = self.kept_obligation_rows().await?;
        let status_of: HashMap<&str, ObligationStatus> = rows
            .iter()
            .map(|r| (r.obligation.id.as_str(), r.status))
            .collect();
        let (controls, citing) = match edition {
            "2013" => (
                &b.annex2013.controls,
                CITING_2013.get_or_init(|| {
                    b.annex2013
                        .controls
                        .iter()
                        .map(|c| b.citing_2013(&c.id))
                        .collect()
                }),
            ),
            "2022" => (
                &b.annex2022.controls,
                CITING_2022.get_or_init(|| {
                    b.annex2022
                        .controls
                        .iter()
                        .map(|c| b.citing_2022(&c.id))
                        .collect()
                }),
            ),
            _ => return Err(AppError::field("edition", "invalid")),
        };
        Ok(controls
            .iter()
            .zip(citing)
            .map(|(c, citing)| {
                let mut statuses = StatusCounts::default();
                for o in citing {
                    if let Some(s) = status_of.get(o.id.as_str()) {
                        statuses.add(*s);
                    }
                }
                let e = entries.get(&c.id);
                SoaRow {
                    control_id: c.id.clone(),
                    title_ja: c.title_ja.clone(),
                    title_en: c.title_en.clone(),
                    applicable: e.is_none_or(|e| e.applicable),
                    justification: e.map(|e| e.justification.clone()).unwrap_or_default(),
                    implementation: e.map(|e| e.implementation.clone()).unwrap_or_default(),
                    new: c.new,
                    citing: citing.iter().map(|o| o.id.clone()).collect(),
                    statuses,
                    version: e.map(|e| e.version).unwrap_or(0),
                    decided: e.is_some(),
                }
            })
            .collect())
    }

    /// The 事務局 decides whether a control applies, why, and how it is implemented.
    #[allow(clippy::too_many_arguments)]
    pub async fn save_soa_entry(
        &self,
        actor: &Actor,
        edition: &str,
        control_id: &str,
        applicable: bool,
        justification: &str,
        implementation: &str,
        version: i64,
    ) -> AppResult<()> {
        if !actor.has_role(Role::Secretariat) {
            return Err(AppError::Forbidden);
        }
        let b = bundle()?;
        let known = match edition {
            "2013" => b.annex2013.control(control_id).is_some(),
            "2022" => b.annex2022.control(control_id).is_some(),
            _ => false,
        };
        if !known {
            return Err(AppError::NotFound);
        }
        let justification = required_text("justification", justification, 2000)?;
        let e = SoaEntry {
            edition: edition.into(),
            control_id: control_id.into(),
            applicable,
            justification,
            implementation: implementation.trim().chars().take(2000).collect(),
            version: version + 1,
        };
        let audit = self
            .draft(
                Some(actor),
                "soa.update",
                "soa_entry",
                Some(format!("{edition}:{control_id}")),
            )
            .after(&e);
        Ok(self.store.save_soa_entry(&e, actor.id(), audit).await?)
    }
}

/// What is approved of a Statement of Applicability: the decisions and the
/// clauses behind them, not the day-to-day statuses.
#[derive(Serialize)]
struct SoaDecision<'a> {
    control_id: &'a str,
    applicable: bool,
    justification: &'a str,
    implementation: &'a str,
    citing: &'a [String],
}

fn fingerprint(rows: &[SoaRow]) -> (String, String) {
    use sha2::{Digest, Sha256};
    let decisions: Vec<SoaDecision<'_>> = rows
        .iter()
        .map(|r| SoaDecision {
            control_id: &r.control_id,
            applicable: r.applicable,
            justification: &r.justification,
            implementation: &r.implementation,
            citing: &r.citing,
        })
        .collect();
    let json = serde_json::to_string(&decisions).unwrap_or_default();
    let hash = hex::encode(Sha256::digest(json.as_bytes()));
    (json, hash)
}

/// Where a Statement of Applicability stands against its last approval.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SoaState {
    pub latest: Option<crate::ports::SoaApproval>,
    pub approvals: Vec<crate::ports::SoaApproval>,
    /// The decisions or the policy changed since the last approval (改訂を推奨).
    pub revision_recommended: bool,
}

impl App {
    pub async fn soa_state(&self, edition: &str) -> AppResult<SoaState> {
        let rows = self.soa(edition).await?;
        let (_, hash) = fingerprint(&rows);
        let approvals = self.store.soa_approvals(edition).await?;
        let latest = approvals.first().cloned();
        Ok(SoaState {
            revision_recommended: latest.as_ref().is_some_and(|a| a.content_hash != hash),
            latest,
            approvals,
        })
    }

    /// The 社長 approves the Statement of Applicability as it stands (DOC-4.2:
    /// records of risk assessment and treatment are approved by the 社長).
    pub async fn approve_soa(
        &self,
        actor: &Actor,
        edition: &str,
    ) -> AppResult<crate::ports::SoaApproval> {
        if !actor.has_role(Role::President) {
            return Err(AppError::Forbidden);
        }
        let rows = self.soa(edition).await?;
        if rows.iter().any(|r| !r.decided) {
            return Err(AppError::Conflict("soa_undecided"));
        }
        let (content, content_hash) = fingerprint(&rows);
        let a = crate::ports::SoaApproval {
            id: Uuid::now_v7(),
            edition: edition.into(),
            version: 0,
            content_hash,
            content,
            approved_by: actor.id(),
            approved_at: self.now(),
        };
        let audit = self.draft(Some(actor), "soa.approve", "soa", Some(edition.to_string()));
        Ok(self.store.add_soa_approval(&a, audit).await?)
    }
}

/// The roll-up row of a person's department, if it is shown.
fn row_of<'a>(
    rows: &'a mut [DepartmentRollup],
    dept_of: &HashMap<Uuid, Uuid>,
    person: Uuid,
) -> Option<&'a mut DepartmentRollup> {
    let d = dept_of.get(&person)?;
    rows.iter_mut().find(|r| r.department_id == *d)
}

/// The stored form of a cadence.
fn cadence_id(c: mamori_domain::schedule::Cadence) -> String {
    use mamori_domain::schedule::Cadence;
    match c {
        Cadence::Yearly => "yearly".into(),
        Cadence::Quarterly => "quarterly".into(),
        Cadence::Monthly => "monthly".into(),
        Cadence::EveryDays(n) => format!("every_{n}_days"),
    }
}
