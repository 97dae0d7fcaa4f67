//! Incidents and complaints (M8): anyone reports; the committee triages and
//! appoints the 実行責任者, who keeps the timeline (INC-4.2, 4.3); recovery
//! deadlines come from the systems' priorities (INC-4.1(4)); the incident
//! closes only with the recurrence-prevention plan published to everyone,
//! the lessons recorded and, when required, the board told (INC-4.4).
//! Customer complaints are first reported to the committee within 12 hours
//! (HR-4.2.7).

use std::collections::{HashMap, HashSet};

use mamori_domain::Role;
use mamori_domain::documents::{Audience, Confidentiality, RecordKind, Tier, VersionState};
use mamori_domain::incidents::{
    self as rules, CloseCheck, EntryKind, Kind, RecoveryPriority, RecoveryStatus, State,
};
use mamori_domain::org::{FieldError, Lang, Person, required_multiline, required_text};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::access::Actor;
use crate::checklists::Upload;
use crate::error::{AppError, AppResult, Errors};
use crate::ports::{
    Complaint, ComplaintUpdate, DocVersion, Document, Drill, Incident, IncidentEntry,
    IncidentFilter, Notice, Page, ResponseProcedure, SystemRecord,
};
use crate::{App, DraftExt};

/// A report as entered: only what happened is required.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct ReportInput {
    /// leak, unauthorised_access, malware, dos, lost_device, failure, asset_threat, other
    #[serde(default)]
    pub kind: String,
    /// What happened.
    pub description: String,
    /// When it happened or was noticed, `YYYY-MM-DDTHH:MM` (Japan time); default now.
    #[serde(default)]
    pub occurred_at: String,
    #[serde(default)]
    pub location: String,
    /// Systems involved (ids from the recovery-priority register).
    #[serde(default)]
    pub systems: Vec<Uuid>,
}

/// The committee's triage.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct TriageInput {
    pub version: i64,
    pub kind: String,
    #[serde(default)]
    pub title: String,
    pub confirmed: bool,
    #[serde(default)]
    pub systems: Vec<Uuid>,
    /// 実行責任者.
    pub lead_id: Option<Uuid>,
    /// The prepared procedure that applies; empty: none (the committee appoints ad hoc).
    #[serde(default)]
    pub procedure_name: String,
    #[serde(default)]
    pub board_victim: bool,
    #[serde(default)]
    pub board_perpetrator: bool,
}

/// A system as entered in the register.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct SystemInput {
    pub name: String,
    pub business: String,
    /// 0–3
    pub priority: String,
    /// YYYY-MM-DD; default today.
    #[serde(default)]
    pub decided_on: String,
}

/// A timeline line with its author's name.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EntryView {
    pub entry: IncidentEntry,
    pub author: String,
}

/// Everything an incident's page shows to the viewer.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IncidentView {
    pub incident: Incident,
    pub reporter: String,
    pub lead: Option<String>,
    pub systems: Vec<SystemRecord>,
    pub recovery: RecoveryStatus,
    /// Empty for a reporter who is not a responder: they see the progress only.
    pub entries: Vec<EntryView>,
    pub attachments: Vec<crate::ports::Attachment>,
    /// What is still missing before it may close.
    pub blockers: Vec<String>,
    /// The viewer is one of the committee, the 事務局 or the 実行責任者.
    pub can_respond: bool,
    /// The viewer may triage (committee, 事務局).
    pub can_triage: bool,
    pub board_required: bool,
}

/// A complaint as logged.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct ComplaintInput {
    pub customer: String,
    pub content: String,
    /// `YYYY-MM-DDTHH:MM` (Japan time); default now.
    #[serde(default)]
    pub received_at: String,
    #[serde(default)]
    pub leak: bool,
}

/// A report to the committee about a complaint: the first, then updates;
/// the position and the stakeholder notice when settled; closing.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct ComplaintReport {
    pub version: i64,
    pub body: String,
    #[serde(default)]
    pub position: String,
    /// YYYY-MM-DD
    #[serde(default)]
    pub stakeholders_notified_on: String,
    #[serde(default)]
    pub close: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ComplaintView {
    pub complaint: Complaint,
    pub manager: String,
    #[serde(with = "time::serde::rfc3339")]
    pub first_report_due: OffsetDateTime,
    pub first_report_late: bool,
    pub updates: Vec<ComplaintUpdate>,
}

/// Counts and times the viewer's role allows (no details of any incident).
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct IncidentStats {
    pub by_month: Vec<MonthCount>,
    pub total: usize,
    pub open: usize,
    /// Average hours from occurrence to the report.
    pub avg_hours_to_report: Option<f64>,
    /// Recovered within the deadline / with a deadline and recovered.
    pub recovered_in_time: usize,
    pub recovered_with_deadline: usize,
    pub complaints: usize,
    pub complaints_first_report_late: usize,
}

/// A response procedure as entered.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct ProcedureInput {
    pub name: String,
    /// Incident kinds covered (ids).
    #[serde(default)]
    pub kinds: Vec<String>,
    pub start_trigger: String,
    pub end_trigger: String,
    pub roles: String,
    #[serde(default)]
    pub lead_id: Option<Uuid>,
    #[serde(default)]
    pub internal_contacts: String,
    #[serde(default)]
    pub external_contacts: String,
    /// First drill due, YYYY-MM-DD (then yearly); empty: none scheduled.
    #[serde(default)]
    pub first_drill: String,
}

/// A drill as recorded.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct DrillInput {
    /// YYYY-MM-DD
    pub held_on: String,
    pub scenario: String,
    #[serde(default)]
    pub participants: String,
    /// Problems found in the procedure; empty: none.
    #[serde(default)]
    pub problems: String,
    /// What was changed; required when problems were found.
    #[serde(default)]
    pub changes: String,
}

/// Incidents of one category in one month.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MonthCount {
    /// YYYY-MM (Japan time, by occurrence)
    pub month: String,
    /// breach, failure, threat or unknown
    pub category: String,
    pub count: usize,
}

/// The committee and the 事務局 receive and triage reports.
const RESPONDERS: &[Role] = &[
    Role::CommitteeChair,
    Role::CommitteeViceChair,
    Role::CommitteeMember,
    Role::Secretariat,
];

fn triages(actor: &Actor) -> bool {
    RESPONDERS.iter().any(|r| actor.has_role(*r))
}

fn responds(actor: &Actor, i: &Incident) -> bool {
    triages(actor) || i.lead_id == Some(actor.id())
}

/// Those who act on incidents besides the committee side read the procedures.
fn reads_procedures(actor: &Actor) -> bool {
    [
        Role::SystemAdmin,
        Role::SystemSecurityManager,
        Role::MalwareDesk,
        Role::Auditor,
    ]
    .iter()
    .any(|r| actor.has_role(*r))
}

fn handles_complaints(actor: &Actor) -> bool {
    actor.has_role(Role::CustomerInfoManager) || triages(actor)
}

/// `YYYY-MM-DDTHH:MM` (or with seconds) in Japan time; empty → None.
pub fn parse_local_time(
    field: &'static str,
    s: &str,
) -> Result<Option<OffsetDateTime>, FieldError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let fmt_s = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    time::PrimitiveDateTime::parse(s, &fmt)
        .or_else(|_| time::PrimitiveDateTime::parse(s, &fmt_s))
        .map(|t| Some(t.assume_offset(crate::ORG_OFFSET)))
        .map_err(|_| FieldError::new(field, "invalid_datetime"))
}

struct Texts;

impl Texts {
    fn reported(lang: Lang, i: &Incident, kind: &str) -> (String, String) {
        match lang {
            Lang::Ja => (
                format!("【インシデント報告】{{ref}} {}", i.title),
                format!(
                    "{kind}の報告がありました。直ちに確認してください。\n{}",
                    i.description
                ),
            ),
            Lang::En => (
                format!("[Incident] {{ref}} {}", i.title),
                format!(
                    "A {kind} was reported. Please look at it now.\n{}",
                    i.description
                ),
            ),
        }
    }
    fn lead(lang: Lang, i: &Incident) -> (String, String) {
        match lang {
            Lang::Ja => (
                format!("【実行責任者に任命】{} {}", i.ref_no, i.title),
                "あなたはこのインシデントの実行責任者に任命されました。情報を一元的に管理し、対応を記録してください（INC-4.2）。".into(),
            ),
            Lang::En => (
                format!("[Response lead] {} {}", i.ref_no, i.title),
                "You lead the response to this incident: keep its information in one place and record the response (INC-4.2).".into(),
            ),
        }
    }
    fn recovery(lang: Lang, i: &Incident, status: RecoveryStatus) -> (String, String) {
        let overdue = status == RecoveryStatus::Overdue;
        match lang {
            Lang::Ja => (
                format!(
                    "【{}】{} 復旧期限",
                    if overdue {
                        "期限超過"
                    } else {
                        "期限間近"
                    },
                    i.ref_no
                ),
                format!(
                    "{} の復旧期限（復旧優先度による）{}。",
                    i.title,
                    if overdue {
                        "を過ぎています"
                    } else {
                        "が迫っています"
                    }
                ),
            ),
            Lang::En => (
                format!(
                    "[{}] {} recovery deadline",
                    if overdue { "Overdue" } else { "Due soon" },
                    i.ref_no
                ),
                format!(
                    "The recovery deadline of {} (from its systems' recovery priority) {}.",
                    i.title,
                    if overdue { "has passed" } else { "is near" }
                ),
            ),
        }
    }
    fn complaint(lang: Lang, c: &Complaint, first: bool, body: &str) -> (String, String) {
        match lang {
            Lang::Ja => (
                format!(
                    "【クレーム{}】{} {}",
                    if first { "第一報" } else { "続報" },
                    c.ref_no,
                    c.customer
                ),
                body.to_string(),
            ),
            Lang::En => (
                format!(
                    "[Complaint {}] {} {}",
                    if first { "first report" } else { "update" },
                    c.ref_no,
                    c.customer
                ),
                body.to_string(),
            ),
        }
    }
    fn complaint_late(lang: Lang, c: &Complaint) -> (String, String) {
        match lang {
            Lang::Ja => (
                format!("【期限超過】{} クレームの第一報", c.ref_no),
                format!(
                    "{} からのクレームの委員会への第一報が受付から12時間を過ぎても届いていません（HR-4.2.7(3)）。",
                    c.customer
                ),
            ),
            Lang::En => (
                format!("[Overdue] {} first report of a complaint", c.ref_no),
                format!(
                    "The first report to the committee of the complaint from {} is overdue (HR-4.2.7(3)).",
                    c.customer
                ),
            ),
        }
    }
}

impl App {
    /// Everyone the committee side: chair, vice-chair, members, 事務局 (each once).
    async fn responders(&self) -> AppResult<Vec<Person>> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for role in RESPONDERS {
            for p in self.holders(*role, None).await? {
                if seen.insert(p.id) {
                    out.push(p);
                }
            }
        }
        Ok(out)
    }

    /// Reports an incident; never blocked by missing details (INC-4.2).
    pub async fn report_incident(
        &self,
        actor: &Actor,
        input: &ReportInput,
        files: &[Upload],
    ) -> AppResult<Incident> {
        let mut e = Errors::default();
        let description = e.take(required_multiline("description", &input.description, 8000));
        let kind = match input.kind.trim() {
            "" => Some(Kind::Other),
            k => e.take(Kind::parse(k).ok_or(FieldError::new("kind", "invalid"))),
        };
        let now = self.now();
        let occurred = e
            .take(parse_local_time("occurred_at", &input.occurred_at))
            .flatten();
        if occurred.is_some_and(|o| o > now + time::Duration::minutes(5)) {
            e.push("occurred_at", "in_the_future");
        }
        let location = input.location.trim();
        if location.chars().count() > 300 || location.chars().any(char::is_control) {
            e.push("location", "invalid");
        }
        let known: HashSet<Uuid> = self.store.systems().await?.iter().map(|s| s.id).collect();
        if input.systems.iter().any(|s| !known.contains(s)) {
            e.push("systems", "invalid");
        }
        e.done()?;
        let (Some(description), Some(kind)) = (description, kind) else {
            return Err(AppError::field("description", "required"));
        };
        let mut attachments = Vec::new();
        for f in files.iter().filter(|f| !f.bytes.is_empty()) {
            attachments.push(self.store_attachment(actor, f).await?.id);
        }
        let title: String = description
            .lines()
            .next()
            .unwrap_or_default()
            .chars()
            .take(60)
            .collect();
        let occurred_at = occurred.unwrap_or(now);
        let priorities = self.priorities_of(&input.systems).await?;
        let i = Incident {
            id: Uuid::now_v7(),
            ref_no: String::new(),
            reporter_id: actor.id(),
            kind,
            state: State::Reported,
            title,
            description,
            location: location.to_string(),
            occurred_at,
            reported_at: now,
            confirmed: false,
            lead_id: None,
            procedure_name: None,
            recovery_due_at: rules::recovery_due(occurred_at, &priorities),
            recovered_at: None,
            board_victim: false,
            board_perpetrator: false,
            board_reported_on: None,
            plan_technical: None,
            plan_organisational: None,
            plan_document_id: None,
            lessons: None,
            closed_at: None,
            version: 1,
        };
        let mut notices = Vec::new();
        for p in self.responders().await? {
            let kind_name = kind_name(p.language, kind);
            notices.push(
                self.notice_for(
                    &p,
                    format!("inc:{}:reported:{}", i.id, p.id),
                    "incident_reported",
                    Texts::reported(p.language, &i, &kind_name),
                    self.link(&format!("/incidents/{}", i.id)),
                )
                .await?,
            );
        }
        let audit = self
            .draft(
                Some(actor),
                "incident.report",
                "incident",
                Some(i.id.to_string()),
            )
            .after(&i);
        Ok(self
            .store
            .insert_incident(&i, &input.systems, &attachments, &notices, audit)
            .await?)
    }

    async fn priorities_of(&self, systems: &[Uuid]) -> AppResult<Vec<RecoveryPriority>> {
        Ok(self
            .store
            .systems()
            .await?
            .into_iter()
            .filter(|s| systems.contains(&s.id))
            .filter_map(|s| u8::try_from(s.priority).ok().map(RecoveryPriority))
            .collect())
    }

    /// The incidents the actor may see: all for the committee side; their
    /// own reports and those they lead for everyone else.
    pub async fn incidents(
        &self,
        actor: &Actor,
        mut filter: IncidentFilter,
    ) -> AppResult<Page<Incident>> {
        if !triages(actor) {
            filter.involving = Some(actor.id());
        }
        Ok(self.store.incidents(&filter).await?)
    }

    async fn visible_incident(&self, actor: &Actor, id: Uuid) -> AppResult<Incident> {
        let i = self.store.incident(id).await?;
        if responds(actor, &i) || i.reporter_id == actor.id() {
            Ok(i)
        } else {
            Err(AppError::NotFound)
        }
    }

    pub(crate) async fn sees_incident_attachment(
        &self,
        actor: &Actor,
        attachment_id: Uuid,
    ) -> AppResult<bool> {
        Ok(
            match self.store.incident_of_attachment(attachment_id).await? {
                Some(iid) => self.visible_incident(actor, iid).await.is_ok(),
                None => false,
            },
        )
    }

    pub async fn incident_view(&self, actor: &Actor, id: Uuid) -> AppResult<IncidentView> {
        let i = self.visible_incident(actor, id).await?;
        let can_respond = responds(actor, &i);
        let system_ids = self.store.incident_systems(id).await?;
        let systems: Vec<SystemRecord> = self
            .store
            .systems()
            .await?
            .into_iter()
            .filter(|s| system_ids.contains(&s.id))
            .collect();
        let name = |p: AppResult<Person>| p.map(|p| p.name).unwrap_or_default();
        let reporter = name(self.store.person(i.reporter_id).await.map_err(Into::into));
        let lead = match i.lead_id {
            Some(l) => Some(name(self.store.person(l).await.map_err(Into::into))),
            None => None,
        };
        let mut entries = Vec::new();
        let mut attachments = Vec::new();
        if can_respond {
            for e in self.store.incident_entries(id).await? {
                let author = name(self.store.person(e.author_id).await.map_err(Into::into));
                entries.push(EntryView { entry: e, author });
            }
        }
        if can_respond || i.reporter_id == actor.id() {
            for a in self.store.incident_attachments(id).await? {
                attachments.push(self.store.attachment(a).await?.0);
            }
        }
        let blockers = rules::close_blockers(&self.close_check(&i).await?)
            .into_iter()
            .map(str::to_string)
            .collect();
        Ok(IncidentView {
            recovery: rules::recovery_status(
                i.occurred_at,
                i.recovery_due_at,
                i.recovered_at,
                self.now(),
            ),
            board_required: i.board_victim || i.board_perpetrator,
            reporter,
            lead,
            systems,
            entries,
            attachments,
            blockers,
            can_triage: triages(actor),
            can_respond,
            incident: i,
        })
    }

    async fn close_check(&self, i: &Incident) -> AppResult<CloseCheck> {
        Ok(CloseCheck {
            recovered: i.recovered_at.is_some(),
            plan_written: i.plan_technical.is_some() && i.plan_organisational.is_some(),
            plan_published: i.plan_document_id.is_some(),
            lessons_recorded: i.lessons.is_some(),
            board_required: i.board_victim || i.board_perpetrator,
            board_reported: i.board_reported_on.is_some(),
        })
    }

    /// Loads an incident the actor may change, at the version they read.
    async fn changeable(&self, actor: &Actor, id: Uuid, version: i64) -> AppResult<Incident> {
        let i = self.visible_incident(actor, id).await?;
        if !responds(actor, &i) {
            return Err(AppError::Forbidden);
        }
        if i.version != version {
            return Err(AppError::Conflict("stale_version"));
        }
        if i.state == State::Closed {
            return Err(AppError::Conflict("incident_closed"));
        }
        Ok(i)
    }

    fn entry(&self, actor: &Actor, i: &Incident, kind: EntryKind, body: String) -> IncidentEntry {
        IncidentEntry {
            id: Uuid::now_v7(),
            incident_id: i.id,
            at: self.now(),
            author_id: actor.id(),
            kind,
            body,
            corrects_id: None,
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn save_incident(
        &self,
        actor: &Actor,
        before: &Incident,
        mut i: Incident,
        systems: Option<&[Uuid]>,
        entries: &[IncidentEntry],
        notices: &[Notice],
        action: &str,
    ) -> AppResult<Incident> {
        i.version += 1;
        let audit = self
            .draft(Some(actor), action, "incident", Some(i.id.to_string()))
            .before(before)
            .after(&i)
            .detail(i.ref_no.clone());
        self.store
            .update_incident(&i, systems, entries, notices, audit)
            .await?;
        Ok(i)
    }

    /// Triage by the committee side: kind, confirmed or suspected, the
    /// systems (and so the recovery deadline), the 実行責任者 and the
    /// procedure that applies, and whether the board must be told.
    pub async fn triage_incident(
        &self,
        actor: &Actor,
        id: Uuid,
        t: &TriageInput,
    ) -> AppResult<Incident> {
        if !triages(actor) {
            return Err(AppError::Forbidden);
        }
        let before = self.changeable(actor, id, t.version).await?;
        let mut e = Errors::default();
        let kind = e.take(Kind::parse(&t.kind).ok_or(FieldError::new("kind", "invalid")));
        let title = match t.title.trim() {
            "" => Some(before.title.clone()),
            x => e.take(required_text("title", x, 200)),
        };
        // A procedure that applies names its 実行責任者 (INC-4.1(1)); the
        // committee appoints one otherwise (INC-4.2).
        let procedure_lead = self
            .store
            .procedures()
            .await?
            .into_iter()
            .find(|p| p.name == t.procedure_name.trim())
            .and_then(|p| p.lead_id);
        let lead = match t.lead_id.or(procedure_lead) {
            Some(l) => match self.store.person(l).await {
                Ok(p) if !p.has_left(self.today()) => Some(p),
                _ => {
                    e.push("lead_id", "unknown_person");
                    None
                }
            },
            None => {
                e.push("lead_id", "required");
                None
            }
        };
        let known: HashSet<Uuid> = self.store.systems().await?.iter().map(|s| s.id).collect();
        if t.systems.iter().any(|s| !known.contains(s)) {
            e.push("systems", "invalid");
        }
        e.done()?;
        let (Some(kind), Some(title), Some(lead)) = (kind, title, lead) else {
            return Err(AppError::field("lead_id", "required"));
        };
        let mut i = before.clone();
        i.kind = kind;
        i.title = title;
        i.confirmed = t.confirmed;
        i.procedure_name = Some(t.procedure_name.trim().to_string()).filter(|p| !p.is_empty());
        i.board_victim = t.board_victim;
        i.board_perpetrator = t.board_perpetrator;
        i.recovery_due_at =
            rules::recovery_due(i.occurred_at, &self.priorities_of(&t.systems).await?);
        if i.state == State::Reported {
            i.state = State::Responding;
        }
        let mut notices = Vec::new();
        if before.lead_id != Some(lead.id) {
            notices.push(
                self.notice_for(
                    &lead,
                    format!("inc:{}:lead:{}", i.id, lead.id),
                    "incident_lead",
                    Texts::lead(lead.language, &i),
                    self.link(&format!("/incidents/{}", i.id)),
                )
                .await?,
            );
        }
        i.lead_id = Some(lead.id);
        let note = format!(
            "トリアージ: {} / {} / 実行責任者 {}{}",
            i.kind.id(),
            if i.confirmed { "確定" } else { "疑い" },
            lead.name,
            match &i.procedure_name {
                Some(p) => format!(" / 対応手順 {p}"),
                None => " / 該当手順なし（委員会が任命）".into(),
            }
        );
        let entry = self.entry(actor, &i, EntryKind::Note, note);
        self.save_incident(
            actor,
            &before,
            i,
            Some(&t.systems),
            &[entry],
            &notices,
            "incident.triage",
        )
        .await
    }

    /// Adds a line to the timeline (a correction names the line it corrects).
    pub async fn add_incident_entry(
        &self,
        actor: &Actor,
        id: Uuid,
        kind: &str,
        body: &str,
        corrects: Option<Uuid>,
    ) -> AppResult<Incident> {
        let current = self.store.incident(id).await?;
        let before = self.changeable(actor, id, current.version).await?;
        let mut e = Errors::default();
        let kind = e.take(EntryKind::parse(kind).ok_or(FieldError::new("kind", "invalid")));
        let body = e.take(required_multiline("body", body, 8000));
        if kind == Some(EntryKind::Correction) {
            let entries = self.store.incident_entries(id).await?;
            if !corrects.is_some_and(|c| entries.iter().any(|x| x.id == c)) {
                e.push("corrects_id", "required");
            }
        }
        e.done()?;
        let (Some(kind), Some(body)) = (kind, body) else {
            return Err(AppError::field("body", "required"));
        };
        let mut entry = self.entry(actor, &before, kind, body);
        entry.corrects_id = corrects.filter(|_| kind == EntryKind::Correction);
        self.save_incident(
            actor,
            &before,
            before.clone(),
            None,
            &[entry],
            &[],
            "incident.entry",
        )
        .await
    }

    /// Business is back (INC-4.3): the recovery time is recorded.
    pub async fn record_recovery(
        &self,
        actor: &Actor,
        id: Uuid,
        version: i64,
        note: &str,
    ) -> AppResult<Incident> {
        let before = self.changeable(actor, id, version).await?;
        if before.lead_id.is_none() {
            return Err(AppError::Conflict("not_triaged"));
        }
        let note = required_multiline("body", note, 8000)?;
        let mut i = before.clone();
        i.recovered_at = Some(self.now());
        i.state = State::Recovered;
        let entry = self.entry(actor, &i, EntryKind::Recovery, note);
        self.save_incident(actor, &before, i, None, &[entry], &[], "incident.recovered")
            .await
    }

    /// The recurrence-prevention plan, technical and organisational (INC-4.4(1)).
    pub async fn write_prevention_plan(
        &self,
        actor: &Actor,
        id: Uuid,
        version: i64,
        technical: &str,
        organisational: &str,
    ) -> AppResult<Incident> {
        let before = self.changeable(actor, id, version).await?;
        if before.recovered_at.is_none() {
            return Err(AppError::Conflict("not_recovered"));
        }
        if before.plan_document_id.is_some() {
            return Err(AppError::Conflict("already_published"));
        }
        let mut e = Errors::default();
        let technical = e.take(required_multiline("plan_technical", technical, 8000));
        let organisational = e.take(required_multiline(
            "plan_organisational",
            organisational,
            8000,
        ));
        e.done()?;
        let mut i = before.clone();
        i.plan_technical = technical;
        i.plan_organisational = organisational;
        self.save_incident(actor, &before, i, None, &[], &[], "incident.plan")
            .await
    }

    /// Publishes the plan to all employees through the document library
    /// (INC-4.4(3)): a record in force, everyone notified to read it.
    pub async fn publish_prevention_plan(
        &self,
        actor: &Actor,
        id: Uuid,
        version: i64,
    ) -> AppResult<Incident> {
        if !triages(actor) {
            return Err(AppError::Forbidden);
        }
        let before = self.changeable(actor, id, version).await?;
        let (Some(tech), Some(org)) = (&before.plan_technical, &before.plan_organisational) else {
            return Err(AppError::Conflict("no_prevention_plan"));
        };
        if before.plan_document_id.is_some() {
            return Err(AppError::Conflict("already_published"));
        }
        let now = self.now();
        let system = crate::auth::system_actor(self.today());
        let owner = self.recording_person(actor).await?;
        let d = Document {
            id: Uuid::now_v7(),
            ref_no: String::new(),
            code: None,
            title: format!("再発防止計画 {} {}", before.ref_no, before.title),
            tier: Tier::Record,
            record_kind: Some(RecordKind::IncidentCorrective),
            parent_id: None,
            owner_id: owner,
            confidentiality: Confidentiality::Internal,
            audience: Audience {
                everyone: true,
                ..Audience::default()
            },
            review_duty_id: None,
            disposed_at: None,
            disposal_reason: None,
            disposal_method: None,
            disposal_request_id: None,
            version: 1,
            created_at: now,
        };
        let body = format!(
            "## 再発防止計画（{}）\n\n{}\n\n## 技術的対策\n\n{tech}\n\n## 組織的対策\n\n{org}\n",
            before.ref_no, before.title
        );
        let v = DocVersion {
            id: Uuid::now_v7(),
            document_id: d.id,
            number: 1,
            body,
            change_summary: format!("{} の再発防止計画", before.ref_no),
            state: VersionState::Current,
            author_id: owner,
            request_id: None,
            effective_on: Some(self.today()),
            approved_on: Some(self.today()),
            published_at: Some(now),
            quiz: None,
            imported: false,
            version: 1,
            created_at: now,
        };
        let audit = self
            .draft(Some(actor), "document.create", "document", None)
            .after(&d)
            .detail(format!("{} prevention plan", before.ref_no));
        let d = self.store.insert_document(&d, Some(&v), audit).await?;
        self.distribute(&system, v.id).await?;
        let mut i = before.clone();
        i.plan_document_id = Some(d.id);
        let entry = self.entry(
            actor,
            &i,
            EntryKind::Note,
            format!("再発防止計画を全従業員に周知（{}）", d.ref_no),
        );
        self.save_incident(
            actor,
            &before,
            i,
            None,
            &[entry],
            &[],
            "incident.plan_published",
        )
        .await
    }

    /// Lessons for the procedures (INC-4.4(4)) and the board report (INC-4.4(2)).
    pub async fn record_lessons(
        &self,
        actor: &Actor,
        id: Uuid,
        version: i64,
        lessons: &str,
        board_reported_on: &str,
    ) -> AppResult<Incident> {
        let before = self.changeable(actor, id, version).await?;
        let mut e = Errors::default();
        let lessons = match lessons.trim() {
            "" => before.lessons.clone(),
            l => e.take(required_multiline("lessons", l, 8000)),
        };
        let board = e
            .take(crate::org::parse_date(
                "board_reported_on",
                Some(board_reported_on),
            ))
            .flatten();
        if board.is_some_and(|b| b > self.today()) {
            e.push("board_reported_on", "in_the_future");
        }
        e.done()?;
        let mut i = before.clone();
        i.lessons = lessons;
        if board.is_some() {
            i.board_reported_on = board;
        }
        self.save_incident(actor, &before, i, None, &[], &[], "incident.lessons")
            .await
    }

    /// Closes an incident when INC-4.4 is satisfied.
    pub async fn close_incident(
        &self,
        actor: &Actor,
        id: Uuid,
        version: i64,
    ) -> AppResult<Incident> {
        if !triages(actor) {
            return Err(AppError::Forbidden);
        }
        let before = self.changeable(actor, id, version).await?;
        let blockers = rules::close_blockers(&self.close_check(&before).await?);
        if !blockers.is_empty() {
            return Err(AppError::Invalid(
                blockers
                    .into_iter()
                    .map(|b| FieldError::new("close", b))
                    .collect(),
            ));
        }
        let mut i = before.clone();
        i.state = State::Closed;
        i.closed_at = Some(self.now());
        let entry = self.entry(actor, &i, EntryKind::Note, "クローズ".into());
        self.save_incident(actor, &before, i, None, &[entry], &[], "incident.close")
            .await
    }

    /// The recovery-priority register (INC-4.1(4)); read by everyone who
    /// reports, kept by the 事務局.
    pub async fn systems(&self, _actor: &Actor) -> AppResult<Vec<SystemRecord>> {
        Ok(self.store.systems().await?)
    }

    pub async fn save_system(
        &self,
        actor: &Actor,
        id: Option<Uuid>,
        version: i64,
        input: &SystemInput,
    ) -> AppResult<SystemRecord> {
        if !actor.has_role(Role::Secretariat) {
            return Err(AppError::Forbidden);
        }
        let mut e = Errors::default();
        let name = e.take(required_text("name", &input.name, 200));
        let business = e.take(required_text("business", &input.business, 500));
        let priority = e.take(
            RecoveryPriority::parse(&input.priority)
                .ok_or(FieldError::new("priority", "out_of_range")),
        );
        let decided = e
            .take(crate::org::parse_date(
                "decided_on",
                Some(&input.decided_on),
            ))
            .flatten()
            .unwrap_or_else(|| self.today());
        e.done()?;
        let (Some(name), Some(business), Some(priority)) = (name, business, priority) else {
            return Err(AppError::field("name", "required"));
        };
        let s = SystemRecord {
            id: id.unwrap_or_else(Uuid::now_v7),
            name,
            business,
            priority: i64::from(priority.0),
            decided_on: decided,
            version: if id.is_some() { version + 1 } else { 1 },
        };
        let audit = self
            .draft(Some(actor), "system.save", "system", Some(s.id.to_string()))
            .after(&s)
            .detail(format!("{}: priority {}", s.name, s.priority));
        self.store.save_system(&s, audit).await?;
        Ok(s)
    }

    /// The prepared response procedures (INC-4.1(1)): for the committee
    /// side, the people who respond to incidents, and the leads they name.
    pub async fn procedures(&self, actor: &Actor) -> AppResult<Vec<ResponseProcedure>> {
        let all = self.store.procedures().await?;
        if triages(actor) || reads_procedures(actor) {
            return Ok(all);
        }
        Ok(all
            .into_iter()
            .filter(|p| p.lead_id == Some(actor.id()))
            .collect())
    }

    pub async fn procedure(
        &self,
        actor: &Actor,
        id: Uuid,
    ) -> AppResult<(ResponseProcedure, Vec<Drill>)> {
        let p = self
            .procedures(actor)
            .await?
            .into_iter()
            .find(|p| p.id == id)
            .ok_or(AppError::NotFound)?;
        let drills = self.store.drills(Some(id)).await?;
        Ok((p, drills))
    }

    /// Adds or changes a procedure; a first drill date schedules yearly
    /// drills as a periodic duty of the 事務局 member who keeps it (INC-4.1(2)).
    pub async fn save_procedure(
        &self,
        actor: &Actor,
        id: Option<Uuid>,
        version: i64,
        input: &ProcedureInput,
    ) -> AppResult<ResponseProcedure> {
        if !actor.has_role(Role::Secretariat) {
            return Err(AppError::Forbidden);
        }
        let mut e = Errors::default();
        let name = e.take(required_text("name", &input.name, 200));
        let start = e.take(required_multiline(
            "start_trigger",
            &input.start_trigger,
            2000,
        ));
        let end = e.take(required_multiline("end_trigger", &input.end_trigger, 2000));
        let roles = e.take(required_multiline("roles", &input.roles, 4000));
        let mut kinds = Vec::new();
        for k in &input.kinds {
            match Kind::parse(k) {
                Some(k) if !kinds.contains(&k) => kinds.push(k),
                Some(_) => {}
                None => e.push("kinds", "invalid"),
            }
        }
        if let Some(l) = input.lead_id
            && self.store.person(l).await.is_err()
        {
            e.push("lead_id", "unknown_person");
        }
        let first_drill = e
            .take(crate::org::parse_date(
                "first_drill",
                Some(&input.first_drill),
            ))
            .flatten();
        let text = |s: &str| s.trim().replace("\r\n", "\n");
        e.done()?;
        let (Some(name), Some(start), Some(end), Some(roles)) = (name, start, end, roles) else {
            return Err(AppError::field("name", "required"));
        };
        let before = match id {
            Some(id) => Some(
                self.store
                    .procedures()
                    .await?
                    .into_iter()
                    .find(|p| p.id == id)
                    .ok_or(AppError::NotFound)?,
            ),
            None => None,
        };
        if before.as_ref().is_some_and(|b| b.version != version) {
            return Err(AppError::Conflict("stale_version"));
        }
        let mut p = ResponseProcedure {
            id: id.unwrap_or_else(Uuid::now_v7),
            name: name.clone(),
            kinds,
            start_trigger: start,
            end_trigger: end,
            roles,
            lead_id: input.lead_id,
            internal_contacts: text(&input.internal_contacts),
            external_contacts: text(&input.external_contacts),
            drill_duty_id: before.as_ref().and_then(|b| b.drill_duty_id),
            version: before.as_ref().map_or(1, |b| b.version + 1),
        };
        if let (None, Some(first)) = (p.drill_duty_id, first_drill) {
            let duty = self
                .create_duty(
                    actor,
                    &crate::duties::DutyInput {
                        title: format!("インシデント対応訓練: {name}"),
                        source: "INC-4.1(2)".into(),
                        owner_id: Some(self.recording_person(actor).await?),
                        // The pack's interval for drills (a setting of the pack).
                        cadence: crate::compliance::bundle()
                            .ok()
                            .and_then(|b| b.pack.get("INC-4.1(2)"))
                            .and_then(|o| o.cadence.clone())
                            .unwrap_or_else(|| "yearly".into()),
                        first_due: first.to_string(),
                    },
                )
                .await?;
            p.drill_duty_id = Some(duty.id);
        }
        let mut audit = self
            .draft(
                Some(actor),
                "procedure.save",
                "response_procedure",
                Some(p.id.to_string()),
            )
            .after(&p)
            .detail(p.name.clone());
        if let Some(b) = &before {
            audit = audit.before(b);
        }
        self.store.save_procedure(&p, audit).await?;
        Ok(p)
    }

    /// Records a drill and what it changed (INC-4.1(2)); the drill duty moves on.
    pub async fn record_drill(
        &self,
        actor: &Actor,
        procedure_id: Uuid,
        input: &DrillInput,
    ) -> AppResult<Drill> {
        if !triages(actor) {
            return Err(AppError::Forbidden);
        }
        let (p, _) = self.procedure(actor, procedure_id).await?;
        let mut e = Errors::default();
        let held = e
            .take(crate::org::parse_date("held_on", Some(&input.held_on)))
            .flatten();
        if held.is_none() {
            e.push("held_on", "required");
        }
        if held.is_some_and(|h| h > self.today()) {
            e.push("held_on", "in_the_future");
        }
        let scenario = e.take(required_multiline("scenario", &input.scenario, 4000));
        let problems = input.problems.trim().to_string();
        let changes = input.changes.trim().to_string();
        if !problems.is_empty() && changes.is_empty() {
            e.push("changes", "required_when_problems");
        }
        e.done()?;
        let d = Drill {
            id: Uuid::now_v7(),
            procedure_id,
            held_on: held.unwrap_or_else(|| self.today()),
            scenario: scenario.unwrap_or_default(),
            participants: input.participants.trim().to_string(),
            problems,
            changes,
            recorded_by: self.recording_person(actor).await?,
            recorded_at: self.now(),
        };
        let audit = self
            .draft(
                Some(actor),
                "procedure.drill",
                "response_procedure",
                Some(p.id.to_string()),
            )
            .after(&d)
            .detail(format!("{}: {}", p.name, d.held_on));
        self.store.add_drill(&d, audit).await?;
        if let Some(duty) = p.drill_duty_id
            && let Ok(dd) = self.store.duty(duty).await
            && dd.next_due <= self.today() + time::Duration::days(31)
        {
            self.complete_duty(actor, duty, dd.version, &format!("訓練実施 {}", d.held_on))
                .await?;
        }
        Ok(d)
    }

    /// Logs a customer complaint (HR-4.2.7(1)).
    pub async fn log_complaint(
        &self,
        actor: &Actor,
        input: &ComplaintInput,
    ) -> AppResult<Complaint> {
        if !handles_complaints(actor) {
            return Err(AppError::Forbidden);
        }
        let mut e = Errors::default();
        let customer = e.take(required_text("customer", &input.customer, 300));
        let content = e.take(required_multiline("content", &input.content, 8000));
        let received = e
            .take(parse_local_time("received_at", &input.received_at))
            .flatten();
        let now = self.now();
        if received.is_some_and(|r| r > now + time::Duration::minutes(5)) {
            e.push("received_at", "in_the_future");
        }
        e.done()?;
        let (Some(customer), Some(content)) = (customer, content) else {
            return Err(AppError::field("customer", "required"));
        };
        let c = Complaint {
            id: Uuid::now_v7(),
            ref_no: String::new(),
            customer,
            content,
            received_at: received.unwrap_or(now),
            manager_id: actor.id(),
            first_report_at: None,
            leak: input.leak,
            position: None,
            stakeholders_notified_on: None,
            closed_at: None,
            version: 1,
        };
        let audit = self
            .draft(
                Some(actor),
                "complaint.log",
                "complaint",
                Some(c.id.to_string()),
            )
            .after(&c);
        Ok(self.store.insert_complaint(&c, audit).await?)
    }

    /// A page of the complaints, newest first, and how many there are.
    pub async fn complaints_page(
        &self,
        actor: &Actor,
        limit: u32,
        offset: u32,
    ) -> AppResult<(Vec<ComplaintView>, u64)> {
        if !handles_complaints(actor) {
            return Err(AppError::Forbidden);
        }
        let (page, total) = self.store.complaints_page(limit, offset).await?;
        Ok((self.complaint_views(page).await?, total))
    }

    async fn complaint_views(&self, complaints: Vec<Complaint>) -> AppResult<Vec<ComplaintView>> {
        // The settings once, each manager's name once: not two reads a row.
        let hours = self.alert_settings().await?.complaint_first_report_hours;
        let mut names: HashMap<Uuid, String> = HashMap::new();
        let mut out = Vec::new();
        for c in complaints {
            let manager = match names.get(&c.manager_id) {
                Some(n) => n.clone(),
                None => {
                    let n = self.manager_name(c.manager_id).await;
                    names.insert(c.manager_id, n.clone());
                    n
                }
            };
            out.push(self.complaint_view_with(c, manager, hours, vec![]));
        }
        Ok(out)
    }

    async fn manager_name(&self, id: Uuid) -> String {
        self.store
            .person(id)
            .await
            .map(|p| p.name)
            .unwrap_or_default()
    }

    async fn complaint_view_of(
        &self,
        c: Complaint,
        with_updates: bool,
    ) -> AppResult<ComplaintView> {
        let hours = self.alert_settings().await?.complaint_first_report_hours;
        let updates = if with_updates {
            self.store.complaint_updates(c.id).await?
        } else {
            vec![]
        };
        let manager = self.manager_name(c.manager_id).await;
        Ok(self.complaint_view_with(c, manager, hours, updates))
    }

    fn complaint_view_with(
        &self,
        c: Complaint,
        manager: String,
        hours: u32,
        updates: Vec<ComplaintUpdate>,
    ) -> ComplaintView {
        ComplaintView {
            manager,
            first_report_due: rules::first_report_due(c.received_at, hours),
            first_report_late: rules::first_report_late(
                c.received_at,
                c.first_report_at,
                self.now(),
                hours,
            ),
            updates,
            complaint: c,
        }
    }

    pub async fn complaint_view(&self, actor: &Actor, id: Uuid) -> AppResult<ComplaintView> {
        if !handles_complaints(actor) {
            return Err(AppError::NotFound);
        }
        let c = self.store.complaint(id).await?;
        self.complaint_view_of(c, true).await
    }

    /// Reports to the committee: the first report (HR-4.2.7(3)), then progress.
    pub async fn report_complaint(
        &self,
        actor: &Actor,
        id: Uuid,
        input: &ComplaintReport,
    ) -> AppResult<Complaint> {
        let ComplaintReport {
            version,
            body,
            position,
            stakeholders_notified_on,
            close,
        } = input;
        let (version, close) = (*version, *close);
        if !handles_complaints(actor) {
            return Err(AppError::Forbidden);
        }
        let before = self.store.complaint(id).await?;
        if before.version != version {
            return Err(AppError::Conflict("stale_version"));
        }
        if before.closed_at.is_some() {
            return Err(AppError::Conflict("complaint_closed"));
        }
        let mut e = Errors::default();
        let body = e.take(required_multiline("body", body, 8000));
        let notified = e
            .take(crate::org::parse_date(
                "stakeholders_notified_on",
                Some(stakeholders_notified_on),
            ))
            .flatten();
        e.done()?;
        let body = body.unwrap_or_default();
        let now = self.now();
        let mut c = before.clone();
        let first = c.first_report_at.is_none();
        if first {
            c.first_report_at = Some(now);
        }
        if let Some(p) = Some(position.trim()).filter(|p| !p.is_empty()) {
            c.position = Some(p.to_string());
        }
        if notified.is_some() {
            c.stakeholders_notified_on = notified;
        }
        if close {
            if c.leak && (c.position.is_none() || c.stakeholders_notified_on.is_none()) {
                return Err(AppError::field(
                    "position",
                    "leak_needs_position_and_notice",
                ));
            }
            c.closed_at = Some(now);
        }
        c.version += 1;
        let update = ComplaintUpdate {
            id: Uuid::now_v7(),
            complaint_id: c.id,
            at: now,
            author_id: actor.id(),
            body: body.clone(),
        };
        let mut notices = Vec::new();
        for p in self.responders().await? {
            notices.push(
                self.notice_for(
                    &p,
                    format!("cmp:{}:{}:{}", c.id, update.id, p.id),
                    "complaint_report",
                    Texts::complaint(p.language, &c, first, &body),
                    self.link(&format!("/complaints/{}", c.id)),
                )
                .await?,
            );
        }
        let audit = self
            .draft(
                Some(actor),
                if first {
                    "complaint.first_report"
                } else {
                    "complaint.update"
                },
                "complaint",
                Some(c.id.to_string()),
            )
            .before(&before)
            .after(&c)
            .detail(c.ref_no.clone());
        self.store
            .update_complaint(&c, Some(&update), &notices, audit)
            .await?;
        Ok(c)
    }

    /// HR-4.2.7(2): after a leak the 顧客情報管理責任者 convenes the committee
    /// (a 臨時委員会 with the complaint on its agenda); the members are told
    /// and the complaint records it.
    pub async fn convene_for_complaint(
        &self,
        actor: &Actor,
        id: Uuid,
        held_at: &str,
        location: &str,
    ) -> AppResult<crate::ports::Meeting> {
        if !handles_complaints(actor) {
            return Err(AppError::Forbidden);
        }
        let mut c = self.store.complaint(id).await?;
        if !c.leak {
            return Err(AppError::Conflict("not_a_leak"));
        }
        if c.closed_at.is_some() {
            return Err(AppError::Conflict("complaint_closed"));
        }
        let input = crate::committee::MeetingInput {
            kind: "extraordinary".into(),
            title: format!("臨時委員会（{} {}）", c.ref_no, c.customer),
            held_at: held_at.to_string(),
            location: location.to_string(),
        };
        let topic = format!("{} 顧客情報の漏えい: 会社の見解と関係者への通知", c.ref_no);
        let m = self.convene(actor, &input, &[topic]).await?;
        let before = c.clone();
        c.version += 1;
        let now = self.now();
        let update = ComplaintUpdate {
            id: Uuid::now_v7(),
            complaint_id: c.id,
            at: now,
            author_id: self.recording_person(actor).await?,
            body: format!("臨時委員会を招集しました（{}、{}）", m.ref_no, held_at),
        };
        let mut notices = Vec::new();
        for p in self.responders().await? {
            notices.push(
                self.notice_for(
                    &p,
                    format!("cmp:{}:convene:{}:{}", c.id, m.id, p.id),
                    "committee_convened",
                    match p.language {
                        Lang::Ja => (
                            format!("【臨時委員会招集】{} {}", m.ref_no, c.customer),
                            format!("顧客情報の漏えいについて臨時委員会を招集しました（HR-4.2.7(2)）。日時: {held_at}"),
                        ),
                        Lang::En => (
                            format!("[Extraordinary committee] {} {}", m.ref_no, c.customer),
                            format!("The committee is convened about a customer-information leak (HR-4.2.7(2)). When: {held_at}"),
                        ),
                    },
                    self.link(&format!("/committee/{}", m.id)),
                )
                .await?,
            );
        }
        let audit = self
            .draft(
                Some(actor),
                "complaint.convene",
                "complaint",
                Some(c.id.to_string()),
            )
            .before(&before)
            .after(&c)
            .detail(format!("{} → {}", c.ref_no, m.ref_no));
        self.store
            .update_complaint(&c, Some(&update), &notices, audit)
            .await?;
        Ok(m)
    }

    /// Recovery deadlines near or passed, and complaints whose first report
    /// is late: each told once per stage (to the 実行責任者 and the chair; to
    /// the 顧客情報管理責任者, the chair and the 事務局).
    pub(crate) async fn incident_alerts(&self) -> AppResult<Vec<Notice>> {
        let now = self.now();
        let mut out = Vec::new();
        let chairs = self.holders(Role::CommitteeChair, None).await?;
        for i in self.store.unclosed_incidents().await? {
            let status =
                rules::recovery_status(i.occurred_at, i.recovery_due_at, i.recovered_at, now);
            if !matches!(status, RecoveryStatus::AtRisk | RecoveryStatus::Overdue) {
                continue;
            }
            let mut to: Vec<Person> = chairs.clone();
            if let Some(l) = i.lead_id
                && let Ok(p) = self.store.person(l).await
                && !to.iter().any(|x| x.id == p.id)
            {
                to.push(p);
            }
            let stage = serde_json::to_value(status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            for p in to {
                out.push(
                    self.notice_for(
                        &p,
                        format!("inc:{}:recovery:{stage}:{}", i.id, p.id),
                        "incident_recovery",
                        Texts::recovery(p.language, &i, status),
                        self.link(&format!("/incidents/{}", i.id)),
                    )
                    .await?,
                );
            }
        }
        let hours = self.alert_settings().await?.complaint_first_report_hours;
        let secretariat = self.holders(Role::Secretariat, None).await?;
        for c in self.store.complaints().await? {
            if c.first_report_at.is_some()
                || !rules::first_report_late(c.received_at, None, now, hours)
            {
                continue;
            }
            let mut to: Vec<Person> = chairs.iter().chain(secretariat.iter()).cloned().collect();
            if let Ok(m) = self.store.person(c.manager_id).await {
                to.push(m);
            }
            let mut seen = HashSet::new();
            for p in to {
                if seen.insert(p.id) {
                    out.push(
                        self.notice_for(
                            &p,
                            format!("cmp:{}:late:{}", c.id, p.id),
                            "complaint_late",
                            Texts::complaint_late(p.language, &c),
                            self.link(&format!("/complaints/{}", c.id)),
                        )
                        .await?,
                    );
                }
            }
        }
        Ok(out)
    }

    /// For "my tasks": the incidents the actor leads that have a recovery
    /// deadline and are not recovered, and the complaints they logged that
    /// still wait for their first report.
    pub(crate) async fn incident_tasks(
        &self,
        actor: &Actor,
    ) -> AppResult<Vec<(&'static str, String, String, OffsetDateTime)>> {
        let mut out = Vec::new();
        for i in self.store.open_incidents_led_by(actor.id()).await? {
            if let Some(due) = i.recovery_due_at {
                out.push((
                    "incident",
                    format!("{} {}（復旧期限）", i.ref_no, i.title),
                    format!("/incidents/{}", i.id),
                    due,
                ));
            }
        }
        if handles_complaints(actor) {
            let hours = self.alert_settings().await?.complaint_first_report_hours;
            for c in self.store.complaints_to_report(actor.id()).await? {
                out.push((
                    "complaint",
                    format!("{} {}（委員会への第一報）", c.ref_no, c.customer),
                    format!("/complaints/{}", c.id),
                    rules::first_report_due(c.received_at, hours),
                ));
            }
        }
        Ok(out)
    }

    /// Counts by category and month, time to report and to recovery against
    /// the deadlines — no details, so everyone signed in may see them.
    pub async fn incident_stats(&self, _actor: &Actor) -> AppResult<IncidentStats> {
        // Kept while nothing has changed, to the minute (lateness is by the clock).
        let stats = self
            .kept(&self.snapshots.incident_stats, || {
                self.compute_incident_stats()
            })
            .await?;
        Ok(stats.as_ref().clone())
    }

    async fn compute_incident_stats(&self) -> AppResult<IncidentStats> {
        let incidents = self.store.incident_facts().await?;
        let mut s = IncidentStats {
            total: incidents.len(),
            ..IncidentStats::default()
        };
        let mut months: std::collections::BTreeMap<(String, String), usize> =
            std::collections::BTreeMap::new();
        let mut hours = Vec::new();
        for i in &incidents {
            let t = i.occurred_at.to_offset(crate::ORG_OFFSET);
            let month = format!("{:04}-{:02}", t.year(), u8::from(t.month()));
            *months
                .entry((month, i.kind.category().id().to_string()))
                .or_default() += 1;
            if i.state != State::Closed {
                s.open += 1;
            }
            hours.push((i.reported_at - i.occurred_at).as_seconds_f64() / 3600.0);
            if let (Some(due), Some(rec)) = (i.recovery_due_at, i.recovered_at) {
                s.recovered_with_deadline += 1;
                if rec <= due {
                    s.recovered_in_time += 1;
                }
            }
        }
        s.by_month = months
            .into_iter()
            .rev()
            .map(|((month, category), count)| MonthCount {
                month,
                category,
                count,
            })
            .collect();
        if !hours.is_empty() {
            let n = f64::from(u32::try_from(hours.len()).unwrap_or(u32::MAX));
            s.avg_hours_to_report = Some(hours.iter().sum::<f64>() / n);
        }
        let setting = self.alert_settings().await?.complaint_first_report_hours;
        let now = self.now();
        let complaints = self.store.complaints().await?;
        s.complaints = complaints.len();
        s.complaints_first_report_late = complaints
            .iter()
            .filter(|c| rules::first_report_late(c.received_at, c.first_report_at, now, setting))
            .count();
        Ok(s)
    }
}

fn kind_name(lang: Lang, k: Kind) -> String {
    let ja = match k {
        Kind::Leak => "情報漏えい",
        Kind::UnauthorisedAccess => "不正アクセス",
        Kind::Malware => "マルウェア感染",
        Kind::Dos => "DoS 攻撃",
        Kind::LostDevice => "端末・媒体の紛失・盗難",
        Kind::Failure => "システムの故障・損壊",
        Kind::AssetThreat => "情報資産への脅威",
        Kind::Other => "インシデント",
    };
    match lang {
        Lang::Ja => ja.to_string(),
        Lang::En => k.id().replace('_', " "),
    }
}
