//! The workflow core's use-cases (M4, M17): filing exception and change
//! requests, deciding them by the approver each step names, the requester's
//! and the approver's views, notices in the inbox and by mail, and the
//! reminders and escalations the clock brings.

use std::collections::HashSet;

use mamori_domain::Role;
use mamori_domain::org::{Lang, Person, required_multiline, required_text};
use mamori_domain::policy::PolicyDocument;
use mamori_domain::schedule::{self, Alert, AlertSettings};
use mamori_domain::workflow::{
    self, Approver, Decision, DecisionContext, FlowDef, FlowError, Outcome, RequestState,
};
use serde::{Deserialize, Serialize};
use time::Duration;
use uuid::Uuid;

use crate::access::{Actor, Permission};
use crate::error::{AppError, AppResult, Errors};
use crate::org::parse_date;
use crate::ports::{
    AssignmentFilter, AuditDraft, Notice, RequestEvent, RequestFilter, RequestRecord,
};
use crate::{App, DraftExt};

/// 例外適用申請 as entered.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct ExceptionInput {
    /// Policy document code: BP, POL, HR, OUT, DOC, AUD, PHY, RISK, INC, CHG, DEV, SYS, NET, USE, SMD, SNS.
    pub document: String,
    /// The clause that cannot be kept, e.g. `4.1.3(1)`.
    pub clause: String,
    /// Why it cannot be kept.
    pub reason: String,
    /// What is done instead (代替策).
    pub alternative: String,
    /// YYYY-MM-DD
    pub valid_from: String,
    /// YYYY-MM-DD
    pub valid_until: String,
}

/// 変更申請 as entered.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct ChangeRequestInput {
    /// Policy document code; or leave empty and name a library document.
    #[serde(default)]
    pub document: String,
    /// A document of the library the change is about (instead of `document`).
    #[serde(default)]
    pub document_id: Option<Uuid>,
    #[serde(default)]
    pub clause: String,
    /// The change asked for.
    pub proposal: String,
    pub reason: String,
}

#[derive(Serialize, Deserialize)]
struct ExceptionDetails {
    reason: String,
    alternative: String,
}

#[derive(Serialize, Deserialize)]
struct ChangeDetails {
    proposal: String,
    reason: String,
    /// The library document, when the request names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    document_id: Option<Uuid>,
}

/// A request with everything its page shows.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RequestView {
    pub request: RequestRecord,
    pub history: Vec<crate::ports::RequestEvent>,
    /// Who decides the current step (names), when in review.
    pub approvers: Vec<String>,
    pub committee_step: bool,
    /// The viewer may decide now.
    pub can_decide: bool,
    /// The viewer filed it and may resubmit or withdraw.
    pub is_requester: bool,
    pub details: serde_json::Value,
    /// Where it stands against its deadline (open requests) or validity (exceptions).
    pub status: String,
}

/// Something waiting on a person, with its due time.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Task {
    pub kind: String,
    pub title: String,
    pub link: String,
    #[serde(with = "time::serde::rfc3339")]
    pub due_at: time::OffsetDateTime,
    pub status: schedule::DueStatus,
}

impl App {
    /// Called after any request changes: the module that owns the request's
    /// kind brings its records in line (document versions, risks). Failures
    /// are left to the scheduled run, which does the same.
    pub(crate) async fn after_request_change(&self, r: &RequestRecord) {
        let synced = match r.kind.as_str() {
            k if k.starts_with("document_") => self.sync_documents().await,
            "risk_approval" => self.sync_risks().await,
            _ => return,
        };
        if let Err(e) = synced {
            tracing::warn!(error = %e, request = %r.ref_no, "sync deferred to the scheduler");
        }
    }
}

pub(crate) fn flow_of(r: &RequestRecord) -> AppResult<FlowDef> {
    match r.kind.as_str() {
        "document_approval" | "document_disposal" => crate::documents::flow_of(r),
        "exception" => {
            let doc = r
                .document
                .as_deref()
                .and_then(PolicyDocument::parse)
                .ok_or(AppError::Internal("exception without document".into()))?;
            Ok(workflow::exception_flow(doc))
        }
        "change_request" => Ok(workflow::change_request_flow()),
        "risk_approval" => Ok(crate::risk::approval_flow()),
        other => Err(AppError::Internal(format!("unknown flow {other}"))),
    }
}

/// Is the actor one of the people a step's approver resolves to today?
/// Derived from the actor's own active assignments, so asking it for every
/// live request costs no query; it agrees with `App::resolve`.
fn is_approver(actor: &Actor, approver: Approver, r: &RequestRecord, today: time::Date) -> bool {
    if actor.id() == r.requester_id || actor.person.has_left(today) {
        return false;
    }
    let holds = |role: Role| actor.assignments.iter().any(|a| a.role == role);
    match approver {
        Approver::Role(role) => holds(role),
        Approver::DepartmentRole(role) => {
            r.department_id.is_some_and(|d| actor.has_role_in(role, d))
        }
        // The 事務局 puts committee items on the agenda and records the decision.
        Approver::Committee => holds(Role::Secretariat),
    }
}

fn flow_error(e: FlowError) -> AppError {
    match e {
        FlowError::NotApprover => AppError::Forbidden,
        FlowError::NotInReview => AppError::Conflict("not_in_review"),
        other => AppError::Conflict(other.code()),
    }
}

fn required_date(
    field: &'static str,
    s: &str,
) -> Result<time::Date, mamori_domain::org::FieldError> {
    parse_date(field, Some(s))?.ok_or(mamori_domain::org::FieldError::new(field, "required"))
}

fn document(
    field: &'static str,
    code: &str,
) -> Result<PolicyDocument, mamori_domain::org::FieldError> {
    PolicyDocument::parse(code).ok_or(mamori_domain::org::FieldError::new(
        field,
        "unknown_document",
    ))
}

/// Mail and inbox texts, in the reader's language.
struct Texts;
impl Texts {
    fn approval_request(lang: Lang, r: &RequestRecord) -> (String, String) {
        match lang {
            Lang::Ja => (
                format!("【mamori】承認依頼: {} {}", r.ref_no, r.title),
                format!(
                    "{} の承認をお願いします。期限: {}",
                    r.title,
                    local(r.step_due_at)
                ),
            ),
            Lang::En => (
                format!("[mamori] Approval requested: {} {}", r.ref_no, r.title),
                format!(
                    "Please decide on {}. Due: {}",
                    r.title,
                    local(r.step_due_at)
                ),
            ),
        }
    }
    fn decided(lang: Lang, r: &RequestRecord) -> (String, String) {
        let state = match (lang, r.state) {
            (Lang::Ja, RequestState::Approved) => "承認されました",
            (Lang::Ja, RequestState::Rejected) => "却下されました",
            (Lang::Ja, RequestState::Returned) => "差し戻されました",
            (Lang::Ja, _) => "更新されました",
            (Lang::En, RequestState::Approved) => "was approved",
            (Lang::En, RequestState::Rejected) => "was rejected",
            (Lang::En, RequestState::Returned) => "was returned for rework",
            (Lang::En, _) => "was updated",
        };
        match lang {
            Lang::Ja => (
                format!("【mamori】{} {}: {}", r.ref_no, r.title, state),
                format!("あなたの申請 {} は{}。", r.ref_no, state),
            ),
            Lang::En => (
                format!("[mamori] {} {}: {}", r.ref_no, r.title, state),
                format!("Your request {} {}.", r.ref_no, state),
            ),
        }
    }
    fn alert(lang: Lang, r: &RequestRecord, a: &Alert, expiry: bool) -> (String, String) {
        match (lang, a, expiry) {
            (Lang::Ja, Alert::Reminder { days_before, .. }, false) => (
                format!(
                    "【mamori】リマインド: {} の承認期限まであと {days_before} 日",
                    r.ref_no
                ),
                format!("{} の承認期限は {} です。", r.title, local(r.step_due_at)),
            ),
            (Lang::Ja, Alert::Escalation { .. }, false) => (
                format!("【mamori】期限超過: {} が未承認です", r.ref_no),
                format!(
                    "{} の承認期限 {} を過ぎています。対応を促してください。",
                    r.title,
                    local(r.step_due_at)
                ),
            ),
            (Lang::Ja, Alert::Reminder { days_before, .. }, true) => (
                format!(
                    "【mamori】例外の有効期限まであと {days_before} 日: {}",
                    r.ref_no
                ),
                format!(
                    "{} の有効期限が近づいています。継続が必要なら再申請してください。",
                    r.title
                ),
            ),
            (Lang::Ja, Alert::Escalation { .. }, true) => (
                format!(
                    "【mamori】例外の有効期限切れ（まだ使っていませんか？）: {}",
                    r.ref_no
                ),
                format!(
                    "{} は有効期限を過ぎました。まだ例外の状態なら、再申請するか方針どおりに戻してください。",
                    r.title
                ),
            ),
            (Lang::En, Alert::Reminder { days_before, .. }, false) => (
                format!(
                    "[mamori] Reminder: {} is due in {days_before} days",
                    r.ref_no
                ),
                format!("{} is due on {}.", r.title, local(r.step_due_at)),
            ),
            (Lang::En, Alert::Escalation { .. }, false) => (
                format!("[mamori] Overdue: {} is not decided", r.ref_no),
                format!(
                    "{} was due on {}. Please follow up.",
                    r.title,
                    local(r.step_due_at)
                ),
            ),
            (Lang::En, Alert::Reminder { days_before, .. }, true) => (
                format!("[mamori] Exception {} ends in {days_before} days", r.ref_no),
                format!("{} ends soon. Apply again if it is still needed.", r.title),
            ),
            (Lang::En, Alert::Escalation { .. }, true) => (
                format!(
                    "[mamori] Exception {} has expired — still in use?",
                    r.ref_no
                ),
                format!(
                    "{} has expired. If the exception still applies, apply again or return to the policy.",
                    r.title
                ),
            ),
        }
    }
}

/// A time in the organisation's zone, to the minute.
pub(crate) fn local(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(crate::ORG_OFFSET);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

impl App {
    /// Reminder and escalation settings (defaults: the policy's examples).
    pub async fn alert_settings(&self) -> AppResult<AlertSettings> {
        Ok(self.store.alert_settings().await?)
    }

    pub async fn update_alert_settings(&self, actor: &Actor, new: AlertSettings) -> AppResult<()> {
        actor.require(Permission::ManageSettings)?;
        new.validate()?;
        let old = self.store.alert_settings().await?;
        let d = self
            .draft(
                Some(actor),
                "settings.update",
                "settings",
                Some("alerts".into()),
            )
            .before(&old)
            .after(&new);
        Ok(self.store.save_alert_settings(&new, d).await?)
    }

    /// The people a step's approver resolves to today (for names and
    /// notices; to ask whether the actor is one, use [`is_approver`]).
    async fn resolve(&self, approver: Approver, r: &RequestRecord) -> AppResult<Vec<Person>> {
        let mut people = match approver {
            Approver::Role(role) => self.holders(role, None).await?,
            Approver::DepartmentRole(role) => match r.department_id {
                Some(d) => self.holders(role, Some(d)).await?,
                None => vec![],
            },
            // The 事務局 puts committee items on the agenda and records the decision.
            Approver::Committee => self.holders(Role::Secretariat, None).await?,
        };
        people.retain(|p| p.id != r.requester_id);
        Ok(people)
    }

    /// Who holds a role today (for one department, or for any), leavers
    /// left out, each person once.
    pub(crate) async fn holders(
        &self,
        role: Role,
        department_id: Option<Uuid>,
    ) -> AppResult<Vec<Person>> {
        let today = self.today();
        let assignments = self
            .store
            .assignments(&AssignmentFilter {
                role: Some(role),
                department_id,
                active_on: Some(today),
                ..Default::default()
            })
            .await?;
        let mut seen = HashSet::new();
        let mut people = Vec::new();
        for a in assignments {
            if seen.insert(a.person_id) {
                let p = self.store.person(a.person_id).await?;
                if !p.has_left(today) {
                    people.push(p);
                }
            }
        }
        Ok(people)
    }

    /// Who an overdue item escalates to. First escalation: the 部門長 of
    /// each person responsible and whoever deputises for them; later ones,
    /// or when there is no such person, the 事務局. Requests and duties
    /// both escalate through here.
    pub(crate) async fn escalation_recipients(
        &self,
        level: u32,
        responsible: &[Person],
    ) -> AppResult<Vec<Person>> {
        if level <= 1 {
            let now = self.now();
            let ids: HashSet<Uuid> = responsible.iter().map(|p| p.id).collect();
            let mut seen = HashSet::new();
            let mut out = Vec::new();
            let departments: std::collections::BTreeSet<Uuid> =
                responsible.iter().filter_map(|p| p.department_id).collect();
            for dept in departments {
                for head in self.holders(Role::DepartmentHead, Some(dept)).await? {
                    if !ids.contains(&head.id) && seen.insert(head.id) {
                        out.push(head);
                    }
                }
            }
            for d in self.store.delegations().await? {
                if ids.contains(&d.absent_person_id)
                    && d.in_force(now)
                    && !ids.contains(&d.deputy_person_id)
                    && seen.insert(d.deputy_person_id)
                {
                    let deputy = self.store.person(d.deputy_person_id).await?;
                    if !deputy.has_left(self.today()) {
                        out.push(deputy);
                    }
                }
            }
            if !out.is_empty() {
                return Ok(out);
            }
        }
        self.holders(Role::Secretariat, None).await
    }

    pub(crate) async fn notice_for(
        &self,
        p: &Person,
        key: String,
        kind: &str,
        texts: (String, String),
        link: String,
    ) -> AppResult<Notice> {
        let immediate = self
            .store
            .notify_mode(p.id)
            .await?
            .is_none_or(|m| m == "immediate");
        Ok(Notice {
            person_id: p.id,
            dedupe_key: key,
            kind: kind.into(),
            title: texts.0,
            body: texts.1,
            link,
            mail_to: immediate.then(|| p.email.clone()),
        })
    }

    async fn approval_notices(&self, r: &RequestRecord, flow: &FlowDef) -> AppResult<Vec<Notice>> {
        let Some(step) = flow.steps.get(usize::try_from(r.step).unwrap_or(0)) else {
            return Ok(vec![]);
        };
        let mut out = Vec::new();
        for p in self.resolve(step.approver, r).await? {
            let key = format!("req:{}:r{}:s{}:ask:{}", r.id, r.round, r.step, p.id);
            out.push(
                self.notice_for(
                    &p,
                    key,
                    "approval_request",
                    Texts::approval_request(p.language, r),
                    self.link(&format!("/requests/{}", r.id)),
                )
                .await?,
            );
        }
        Ok(out)
    }

    pub(crate) async fn file(
        &self,
        actor: &Actor,
        mut r: RequestRecord,
        flow: FlowDef,
        what: &str,
    ) -> AppResult<RequestRecord> {
        let settings = self.alert_settings().await?;
        let now = self.now();
        r.step_due_at = now + Duration::days(i64::from(settings.step_due_days));
        let event = RequestEvent {
            id: Uuid::now_v7(),
            request_id: r.id,
            at: now,
            actor_id: Some(actor.id()),
            actor_label: actor.label(),
            action: "submit".into(),
            step: 0,
            round: 1,
            comment: None,
            on_behalf_of: None,
        };
        // The number is allocated with the insert; notices carry "{ref}" until then.
        let mut pending = r.clone();
        pending.ref_no = "{ref}".into();
        let notices = self.approval_notices(&pending, &flow).await?;
        let audit = self.draft(
            Some(actor),
            &format!("{what}.submit"),
            "request",
            Some(r.id.to_string()),
        );
        Ok(self
            .store
            .insert_request(&r, flow.prefix, &event, &notices, audit)
            .await?)
    }

    pub(crate) fn new_record(
        &self,
        actor: &Actor,
        kind: &str,
        title: String,
        doc: Option<PolicyDocument>,
        clause: Option<String>,
        details: String,
    ) -> RequestRecord {
        let now = self.now();
        RequestRecord {
            id: Uuid::now_v7(),
            ref_no: String::new(),
            kind: kind.into(),
            requester_id: actor.id(),
            department_id: actor.person.department_id,
            title,
            document: doc.map(|d| d.code().into()),
            clause,
            details,
            valid_from: None,
            valid_until: None,
            state: RequestState::InReview,
            step: 0,
            round: 1,
            step_due_at: now,
            conditions: None,
            version: 1,
            created_at: now,
            decided_at: None,
        }
    }

    /// Files 例外適用申請 (§6 of every 規程).
    pub async fn file_exception(
        &self,
        actor: &Actor,
        input: &ExceptionInput,
    ) -> AppResult<RequestRecord> {
        let mut e = Errors::default();
        let doc = e.take(document("document", &input.document));
        let clause = e.take(required_text("clause", &input.clause, 50));
        let reason = e.take(required_multiline("reason", &input.reason, 2000));
        let alternative = e.take(required_multiline("alternative", &input.alternative, 2000));
        let from = e.take(required_date("valid_from", &input.valid_from));
        let until = e.take(required_date("valid_until", &input.valid_until));
        if let (Some(f), Some(u)) = (from, until)
            && u < f
        {
            e.push("valid_until", "ends_before_start");
        }
        if until.is_some_and(|u| u < self.today()) {
            e.push("valid_until", "in_the_past");
        }
        e.done()?;
        let (Some(doc), Some(clause), Some(reason), Some(alternative)) =
            (doc, clause, reason, alternative)
        else {
            return Err(AppError::field("document", "required"));
        };
        let details = serde_json::to_string(&ExceptionDetails {
            reason,
            alternative,
        })
        .map_err(|e| AppError::Internal(e.to_string()))?;
        let title = format!("{} {} の例外適用", doc.name_ja(), clause);
        let mut r = self.new_record(actor, "exception", title, Some(doc), Some(clause), details);
        r.valid_from = from;
        r.valid_until = until;
        self.file(actor, r, workflow::exception_flow(doc), "exception")
            .await
    }

    /// Files 変更申請 to the committee (§9 of every 規程).
    pub async fn file_change_request(
        &self,
        actor: &Actor,
        input: &ChangeRequestInput,
    ) -> AppResult<RequestRecord> {
        let mut e = Errors::default();
        // A library document (any tier) or a policy document by its code.
        let library = match input.document_id {
            Some(id) => match self.readable(actor, id).await {
                Ok(d) => Some(d),
                Err(_) => {
                    e.push("document", "unknown_document");
                    None
                }
            },
            None => None,
        };
        let doc = match &library {
            Some(d) => Some(d.code.as_deref().and_then(PolicyDocument::parse)),
            None if input.document_id.is_some() => None,
            None => e.take(document("document", &input.document)).map(Some),
        };
        let proposal = e.take(required_multiline("proposal", &input.proposal, 4000));
        let reason = e.take(required_multiline("reason", &input.reason, 2000));
        e.done()?;
        let (Some(doc), Some(proposal), Some(reason)) = (doc, proposal, reason) else {
            return Err(AppError::field("document", "required"));
        };
        let clause = Some(input.clause.trim().to_string()).filter(|c| !c.is_empty());
        let title = match (&library, doc) {
            (Some(d), _) => format!("{} の変更申請", d.title),
            (None, Some(p)) => format!("{} の変更申請", p.name_ja()),
            (None, None) => return Err(AppError::field("document", "required")),
        };
        let details = serde_json::to_string(&ChangeDetails {
            proposal,
            reason,
            document_id: library.as_ref().map(|d| d.id),
        })
        .map_err(|e| AppError::Internal(e.to_string()))?;
        let r = self.new_record(actor, "change_request", title, doc, clause, details);
        self.file(actor, r, workflow::change_request_flow(), "change_request")
            .await
    }

    /// May the actor see this request? Requester, approvers, 事務局,
    /// committee, auditors; everyone else is told it does not exist.
    async fn visible(&self, actor: &Actor, r: &RequestRecord) -> AppResult<bool> {
        if r.requester_id == actor.id() {
            return Ok(true);
        }
        let oversight = [
            Role::Secretariat,
            Role::Auditor,
            Role::CommitteeChair,
            Role::CommitteeViceChair,
            Role::CommitteeMember,
            Role::President,
        ];
        if oversight.iter().any(|role| actor.has_role(*role)) {
            return Ok(true);
        }
        let today = self.today();
        Ok(flow_of(r)?
            .steps
            .iter()
            .any(|step| is_approver(actor, step.approver, r, today)))
    }

    pub async fn request_view(&self, actor: &Actor, id: Uuid) -> AppResult<RequestView> {
        let r = self.store.request(id).await?;
        if !self.visible(actor, &r).await? {
            return Err(AppError::NotFound);
        }
        let flow = flow_of(&r)?;
        let step = flow.steps.get(usize::try_from(r.step).unwrap_or(0));
        let approvers = match (r.state, step) {
            (RequestState::InReview, Some(s)) => self.resolve(s.approver, &r).await?,
            _ => vec![],
        };
        let committee_step = step.is_some_and(|s| s.approver == Approver::Committee);
        let can_decide = r.state == RequestState::InReview
            && !committee_step
            && step.is_some_and(|s| is_approver(actor, s.approver, &r, self.today()));
        let status = self.request_status(&r);
        Ok(RequestView {
            history: self.store.request_events(id).await?,
            approvers: approvers.into_iter().map(|p| p.name).collect(),
            committee_step,
            can_decide,
            is_requester: r.requester_id == actor.id(),
            details: serde_json::from_str(&r.details).unwrap_or(serde_json::Value::Null),
            status,
            request: r,
        })
    }

    /// An approver decides the current step (approve, reject, return).
    pub async fn decide_request(
        &self,
        actor: &Actor,
        id: Uuid,
        version: i64,
        decision: Decision,
        comment: &str,
    ) -> AppResult<RequestRecord> {
        let r = self.store.request(id).await?;
        if !self.visible(actor, &r).await? {
            return Err(AppError::NotFound);
        }
        if r.version != version {
            return Err(AppError::Conflict("stale_version"));
        }
        let comment = comment.trim();
        if decision != Decision::Approve && comment.is_empty() {
            return Err(AppError::field("comment", "required"));
        }
        let flow = flow_of(&r)?;
        let step = flow
            .steps
            .get(usize::try_from(r.step).unwrap_or(0))
            .ok_or(AppError::Conflict("not_in_review"))?;
        let actor_is_approver = is_approver(actor, step.approver, &r, self.today());
        self.apply(
            actor,
            r,
            &flow,
            decision,
            Some(comment.to_string()).filter(|c| !c.is_empty()),
            actor_is_approver,
            false,
        )
        .await
    }

    /// Moves a request by a decision: the one path every decision takes.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn apply(
        &self,
        actor: &Actor,
        mut r: RequestRecord,
        flow: &FlowDef,
        decision: Decision,
        comment: Option<String>,
        actor_is_approver: bool,
        in_meeting: bool,
    ) -> AppResult<RequestRecord> {
        self.check_not_expired(&r, decision)?;
        let history = self.store.request_events(r.id).await?;
        let earlier: Vec<Uuid> = history
            .iter()
            .filter(|e| e.round == r.round && e.action == "approve")
            .filter_map(|e| e.actor_id)
            .collect();
        let ctx = DecisionContext {
            state: r.state,
            step: usize::try_from(r.step).unwrap_or(usize::MAX),
            requester: r.requester_id,
            actor: actor.id(),
            actor_is_approver,
            in_meeting,
            earlier_deciders: &earlier,
        };
        let outcome = workflow::decide(flow, &ctx, decision).map_err(flow_error)?;
        let before = r.clone();
        let now = self.now();
        let decided_step = r.step;
        r.state = outcome.state();
        r.version += 1;
        match outcome {
            Outcome::NextStep(s) => {
                r.step = i64::try_from(s).unwrap_or(0);
                r.step_due_at =
                    now + Duration::days(i64::from(self.alert_settings().await?.step_due_days));
            }
            Outcome::Approved | Outcome::Rejected => r.decided_at = Some(now),
            Outcome::Returned => {}
        }
        let on_behalf_of = self.deputised_for(actor, flow, decided_step).await?;
        let event = RequestEvent {
            id: Uuid::now_v7(),
            request_id: r.id,
            at: now,
            actor_id: Some(actor.id()),
            actor_label: actor.label(),
            action: decision.id().into(),
            step: decided_step,
            round: r.round,
            comment: comment.clone(),
            on_behalf_of,
        };
        let mut notices = Vec::new();
        if let Outcome::NextStep(_) = outcome {
            notices = self.approval_notices(&r, flow).await?;
        } else {
            let requester = self.store.person(r.requester_id).await?;
            let key = format!(
                "req:{}:r{}:s{}:{}",
                r.id,
                r.round,
                decided_step,
                decision.id()
            );
            notices.push(
                self.notice_for(
                    &requester,
                    key,
                    "request_decided",
                    Texts::decided(requester.language, &r),
                    self.link(&format!("/requests/{}", r.id)),
                )
                .await?,
            );
        }
        let mut audit: AuditDraft = self
            .draft(
                Some(actor),
                &format!("request.{}", decision.id()),
                "request",
                Some(r.id.to_string()),
            )
            .before(&before)
            .after(&r);
        audit.detail = Some(match (comment, on_behalf_of) {
            (Some(c), Some(p)) => format!("{}: {c} (deputy for {p})", r.ref_no),
            (Some(c), None) => format!("{}: {c}", r.ref_no),
            (None, Some(p)) => format!("{} (deputy for {p})", r.ref_no),
            (None, None) => r.ref_no.clone(),
        });
        self.store
            .update_request(&r, &event, &notices, audit)
            .await?;
        self.after_request_change(&r).await;
        Ok(r)
    }

    /// Where a request stands: against its step's deadline while in review;
    /// for an approved exception, whether it is in effect, not yet, or expired.
    pub fn request_status(&self, r: &RequestRecord) -> String {
        let today = self.today();
        match (r.state, r.valid_until) {
            (RequestState::InReview, _) => {
                serde_json::to_value(schedule::due_status(r.step_due_at, None, self.now(), 1))
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default()
            }
            (RequestState::Approved, Some(until)) if until < today => "expired".into(),
            (RequestState::Approved, Some(_)) if r.valid_from.is_some_and(|f| today < f) => {
                "not_yet".into()
            }
            (RequestState::Approved, Some(_)) => "active".into(),
            (s, _) => s.id().into(),
        }
    }

    /// An exception whose validity has ended can no longer be approved.
    pub(crate) fn check_not_expired(&self, r: &RequestRecord, decision: Decision) -> AppResult<()> {
        if decision == Decision::Approve && r.valid_until.is_some_and(|u| u < self.today()) {
            return Err(AppError::Conflict("exception_expired"));
        }
        Ok(())
    }

    /// When a step names a role the actor holds only as deputy, for whom.
    async fn deputised_for(
        &self,
        actor: &Actor,
        flow: &FlowDef,
        step: i64,
    ) -> AppResult<Option<Uuid>> {
        let Some(Approver::Role(role)) = flow
            .steps
            .get(usize::try_from(step).unwrap_or(0))
            .map(|s| s.approver)
        else {
            return Ok(None);
        };
        if !actor.acting_roles.contains(&role) || actor.assignments.iter().any(|a| a.role == role) {
            return Ok(None);
        }
        let now = self.now();
        Ok(self
            .store
            .delegations()
            .await?
            .into_iter()
            .find(|d| d.role == role && d.deputy_person_id == actor.id() && d.in_force(now))
            .map(|d| d.absent_person_id))
    }

    /// The requester resubmits a returned request (a new round of approvals).
    pub async fn resubmit_request(
        &self,
        actor: &Actor,
        id: Uuid,
        version: i64,
        comment: &str,
    ) -> AppResult<RequestRecord> {
        self.requester_action(actor, id, version, "resubmit", comment)
            .await
    }

    /// The requester withdraws an open request.
    pub async fn withdraw_request(
        &self,
        actor: &Actor,
        id: Uuid,
        version: i64,
        comment: &str,
    ) -> AppResult<RequestRecord> {
        self.requester_action(actor, id, version, "withdraw", comment)
            .await
    }

    async fn requester_action(
        &self,
        actor: &Actor,
        id: Uuid,
        version: i64,
        action: &str,
        comment: &str,
    ) -> AppResult<RequestRecord> {
        let mut r = self.store.request(id).await?;
        if r.requester_id != actor.id() {
            return Err(if self.visible(actor, &r).await? {
                AppError::Forbidden
            } else {
                AppError::NotFound
            });
        }
        if r.version != version {
            return Err(AppError::Conflict("stale_version"));
        }
        let allowed = match action {
            "resubmit" => r.state == RequestState::Returned,
            _ => r.state.is_open(),
        };
        if !allowed {
            return Err(AppError::Conflict("not_in_review"));
        }
        let flow = flow_of(&r)?;
        let before = r.clone();
        let now = self.now();
        r.version += 1;
        let mut notices = Vec::new();
        if action == "resubmit" {
            r.state = RequestState::InReview;
            r.step = 0;
            r.round += 1;
            r.step_due_at =
                now + Duration::days(i64::from(self.alert_settings().await?.step_due_days));
            notices = self.approval_notices(&r, &flow).await?;
        } else {
            r.state = RequestState::Withdrawn;
            r.decided_at = Some(now);
        }
        let event = RequestEvent {
            id: Uuid::now_v7(),
            request_id: r.id,
            at: now,
            actor_id: Some(actor.id()),
            actor_label: actor.label(),
            action: action.into(),
            step: r.step,
            round: r.round,
            comment: Some(comment.trim().to_string()).filter(|c| !c.is_empty()),
            on_behalf_of: None,
        };
        let audit = self
            .draft(
                Some(actor),
                &format!("request.{action}"),
                "request",
                Some(r.id.to_string()),
            )
            .before(&before)
            .after(&r)
            .detail(r.ref_no.clone());
        self.store
            .update_request(&r, &event, &notices, audit)
            .await?;
        self.after_request_change(&r).await;
        Ok(r)
    }

    /// What the actor has filed.
    pub async fn my_requests(
        &self,
        actor: &Actor,
        open_only: bool,
        limit: u32,
        offset: u32,
    ) -> AppResult<(Vec<RequestRecord>, u64)> {
        self.requests_and_count(RequestFilter {
            requester_id: Some(actor.id()),
            open_only,
            limit,
            offset,
            ..Default::default()
        })
        .await
    }

    /// A page of the requests `f` picks and how many it picks in all.
    async fn requests_and_count(&self, f: RequestFilter) -> AppResult<(Vec<RequestRecord>, u64)> {
        Ok((
            self.store.requests(&f).await?,
            self.store.request_count(&f).await?,
        ))
    }

    /// A page of everyone's requests, newest first, and how many there are
    /// (for the 事務局 and 監査人).
    pub async fn requests_page(
        &self,
        actor: &Actor,
        open_only: bool,
        limit: u32,
        offset: u32,
    ) -> AppResult<(Vec<RequestRecord>, u64)> {
        if !(actor.has_role(Role::Secretariat) || actor.can(Permission::ViewAudit)) {
            return Err(AppError::Forbidden);
        }
        self.requests_and_count(RequestFilter {
            open_only,
            limit,
            offset,
            ..Default::default()
        })
        .await
    }

    /// Everything waiting on the actor, soonest first.
    pub async fn my_tasks(&self, actor: &Actor) -> AppResult<Vec<Task>> {
        let now = self.now();
        let today = self.today();
        let soon = self.alert_settings().await?.due_soon_days;
        let mut tasks = Vec::new();
        // Everyone's list looks at the same requests in review: kept while
        // nothing has changed (see `Snapshots::in_review`).
        let in_review = self
            .kept(&self.snapshots.in_review, || async {
                Ok(self.store.requests_in_review().await?)
            })
            .await?;
        for r in in_review.iter() {
            let flow = flow_of(r)?;
            let Some(step) = flow.steps.get(usize::try_from(r.step).unwrap_or(0)) else {
                continue;
            };
            if is_approver(actor, step.approver, r, today) {
                let kind = if step.approver == Approver::Committee {
                    "committee_item"
                } else {
                    "approval"
                };
                tasks.push(Task {
                    kind: kind.into(),
                    title: format!("{} {}", r.ref_no, r.title),
                    link: format!("/requests/{}", r.id),
                    due_at: r.step_due_at,
                    status: schedule::due_status(r.step_due_at, None, now, soon),
                });
            }
        }
        for r in self.store.runs(Some(actor.id())).await? {
            if r.submitted_at.is_some() {
                continue;
            }
            let due = crate::duties::due_time(r.due_on);
            tasks.push(Task {
                kind: "checklist".into(),
                title: format!("運用確認事項（{}）", r.document),
                link: format!("/checklists/{}", r.id),
                due_at: due,
                status: schedule::due_status(due, None, now, soon),
            });
        }
        for c in self.store.corrective_items(Some(actor.id()), true).await? {
            let due = crate::duties::due_time(c.due_on);
            tasks.push(Task {
                kind: "corrective".into(),
                title: c.title,
                link: "/checklists".into(),
                due_at: due,
                status: schedule::due_status(due, None, now, soon),
            });
        }
        for d in self.store.duties(Some(actor.id())).await? {
            let due = crate::duties::due_time(d.next_due);
            tasks.push(Task {
                kind: "periodic_duty".into(),
                title: format!("{}（{}）", d.title, d.source),
                link: "/duties".into(),
                due_at: due,
                status: schedule::due_status(due, None, now, soon),
            });
        }
        for a in self
            .store
            .action_items(None, Some(actor.id()), true)
            .await?
        {
            let due = crate::committee::action_due(a.due_on);
            tasks.push(Task {
                kind: "action_item".into(),
                title: a.title,
                link: format!("/committee/{}", a.meeting_id),
                due_at: due,
                status: schedule::due_status(due, None, now, soon),
            });
        }
        for (kind, title, link, due) in self.incident_tasks(actor).await? {
            tasks.push(Task {
                kind: kind.into(),
                title,
                link,
                due_at: due,
                status: schedule::due_status(due, None, now, soon),
            });
        }
        for (kind, title, link, due) in self.risk_tasks(actor).await? {
            tasks.push(Task {
                kind: kind.into(),
                title,
                link,
                due_at: due,
                status: schedule::due_status(due, None, now, soon),
            });
        }
        for (title, link, due) in self.survey_tasks(actor).await? {
            tasks.push(Task {
                kind: "survey".into(),
                title,
                link,
                due_at: due,
                status: schedule::due_status(due, None, now, soon),
            });
        }
        for (title, link, due) in self.reading_tasks(actor).await? {
            tasks.push(Task {
                kind: "comprehension_check".into(),
                title,
                link,
                due_at: due,
                status: schedule::due_status(due, None, now, soon),
            });
        }
        tasks.sort_by_key(|t| t.due_at);
        Ok(tasks)
    }

    /// Sends the reminders and escalations whose time has come, each once.
    /// Returns how many notices were new.
    pub async fn run_alerts(&self) -> AppResult<u64> {
        let now = self.now();
        let today = self.today();
        let settings = self.alert_settings().await?;
        let mut notices = Vec::new();
        for r in self.store.live_requests().await? {
            let link = self.link(&format!("/requests/{}", r.id));
            if r.state == RequestState::InReview {
                let flow = flow_of(&r)?;
                let Some(step) = flow.steps.get(usize::try_from(r.step).unwrap_or(0)) else {
                    continue;
                };
                let alerts = schedule::alerts_due(r.step_due_at, &settings, now);
                if alerts.is_empty() {
                    continue;
                }
                let approvers = self.resolve(step.approver, &r).await?;
                for alert in alerts {
                    let recipients = match alert {
                        Alert::Reminder { .. } => approvers.clone(),
                        Alert::Escalation { level, .. } => {
                            self.escalation_recipients(level, &approvers).await?
                        }
                    };
                    for p in recipients {
                        let key = format!(
                            "req:{}:r{}:s{}:{}:{}",
                            r.id,
                            r.round,
                            r.step,
                            alert.key(),
                            p.id
                        );
                        notices.push(
                            self.notice_for(
                                &p,
                                key,
                                "deadline",
                                Texts::alert(p.language, &r, &alert, false),
                                link.clone(),
                            )
                            .await?,
                        );
                    }
                }
            } else if let Some(until) = r.valid_until {
                // Exceptions: remind before they end; after, ask whether they are still in use.
                let end = (until + Duration::days(1))
                    .midnight()
                    .assume_offset(crate::ORG_OFFSET);
                if today > until + Duration::days(60) {
                    continue;
                }
                let requester = self.store.person(r.requester_id).await?;
                for alert in schedule::alerts_due(
                    end,
                    &AlertSettings {
                        escalate_after_days: vec![0],
                        ..settings.clone()
                    },
                    now,
                ) {
                    let key = format!("req:{}:expiry:{}:{}", r.id, alert.key(), requester.id);
                    notices.push(
                        self.notice_for(
                            &requester,
                            key,
                            "exception_expiry",
                            Texts::alert(requester.language, &r, &alert, true),
                            link.clone(),
                        )
                        .await?,
                    );
                }
            }
        }
        notices.extend(self.duty_alerts().await?);
        notices.extend(self.incident_alerts().await?);
        notices.extend(self.control_alerts().await?);
        self.generate_checklists().await?;
        Ok(self.store.add_notices(&notices, now).await?)
    }

    pub async fn inbox(&self, actor: &Actor) -> AppResult<Vec<crate::ports::InboxItem>> {
        Ok(self.store.inbox(actor.id(), 100).await?)
    }

    pub async fn mark_read(&self, actor: &Actor, id: Option<Uuid>) -> AppResult<()> {
        Ok(self.store.mark_read(actor.id(), id, self.now()).await?)
    }

    /// Immediate mails, or the inbox only (for a daily digest).
    pub async fn set_notify_mode(&self, actor: &Actor, mode: &str) -> AppResult<()> {
        if !matches!(mode, "immediate" | "digest") {
            return Err(AppError::field("notify_mode", "invalid"));
        }
        let token = self.store.calendar_token_hash(actor.id()).await?;
        self.store
            .set_person_settings(actor.id(), mode, token.as_deref(), self.now())
            .await?;
        let d = self
            .draft(
                Some(actor),
                "person.notify_mode",
                "person",
                Some(actor.id().to_string()),
            )
            .detail(mode.to_string());
        self.store.append(d).await?;
        Ok(())
    }

    pub async fn notify_mode(&self, actor: &Actor) -> AppResult<String> {
        Ok(self
            .store
            .notify_mode(actor.id())
            .await?
            .unwrap_or_else(|| "immediate".into()))
    }
}

/// Hour (Japan time) from which the daily digest is sent.
pub const DIGEST_HOUR: u8 = 8;

impl App {
    /// Once a day (from 08:00 Japan time), one mail per person who chose the
    /// digest: what waits on them and what they have not read.
    pub async fn run_digests(&self, node: &str) -> AppResult<u64> {
        let now = self.now();
        let local = now.to_offset(crate::ORG_OFFSET);
        if local.hour() < DIGEST_HOUR
            || !self
                .store
                .claim_slot("digest", &local.date().to_string(), node, now)
                .await?
        {
            return Ok(0);
        }
        let mut notices = Vec::new();
        for p in self.store.all_people().await? {
            if p.has_left(self.today())
                || self.store.notify_mode(p.id).await?.as_deref() != Some("digest")
            {
                continue;
            }
            let actor = self.actor_for(p.clone(), crate::Via::Cli).await?;
            let tasks = self.my_tasks(&actor).await?;
            let unread: Vec<_> = self
                .store
                .inbox(p.id, 100)
                .await?
                .into_iter()
                .filter(|i| i.read_at.is_none())
                .collect();
            if tasks.is_empty() && unread.is_empty() {
                continue;
            }
            let mut body = String::new();
            let (title, tasks_head, unread_head) = match p.language {
                Lang::Ja => (
                    format!("【mamori】本日のまとめ（{}）", local.date()),
                    "あなたを待っているもの:",
                    "未読の通知:",
                ),
                Lang::En => (
                    format!("[mamori] Your daily digest ({})", local.date()),
                    "Waiting on you:",
                    "Unread notices:",
                ),
            };
            body.push_str(tasks_head);
            body.push('\n');
            for t in &tasks {
                body.push_str(&format!(
                    "- {}（{}） {}\n",
                    t.title,
                    super::workflow::local(t.due_at),
                    self.link(&t.link)
                ));
            }
            body.push_str(&format!("\n{unread_head}\n"));
            for i in &unread {
                body.push_str(&format!("- {}\n", i.title));
            }
            notices.push(Notice {
                person_id: p.id,
                dedupe_key: format!("digest:{}:{}", p.id, local.date()),
                kind: "digest".into(),
                title,
                body,
                link: self.link("/tasks"),
                mail_to: Some(p.email.clone()),
            });
        }
        Ok(self.store.add_notices(&notices, now).await?)
    }

    /// A new secret calendar URL path for the actor (the old one stops working).
    pub async fn reset_calendar_feed(&self, actor: &Actor) -> AppResult<String> {
        let token = crate::auth::random_secret(24);
        let mode = self.notify_mode(actor).await?;
        self.store
            .set_person_settings(
                actor.id(),
                &mode,
                Some(&crate::auth::secret_hash(&token)),
                self.now(),
            )
            .await?;
        let d = self.draft(
            Some(actor),
            "person.calendar_feed",
            "person",
            Some(actor.id().to_string()),
        );
        self.store.append(d).await?;
        Ok(format!("/calendar/{token}.ics"))
    }

    /// The iCalendar feed of a person's due dates, by its secret token.
    pub async fn calendar_feed(&self, token: &str) -> AppResult<String> {
        let person_id = self
            .store
            .person_by_calendar_token(&crate::auth::secret_hash(token))
            .await?
            .ok_or(AppError::NotFound)?;
        let person = self.store.person(person_id).await?;
        if person.has_left(self.today()) {
            return Err(AppError::NotFound);
        }
        let actor = self.actor_for(person, crate::Via::Cli).await?;
        let tasks = self.my_tasks(&actor).await?;
        let stamp = ical_time(self.now());
        let mut out = String::from(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//mamori//ISMS//JA\r\nCALSCALE:GREGORIAN\r\nX-WR-CALNAME:mamori\r\n",
        );
        for t in tasks {
            let uid = format!(
                "{}@mamori",
                t.link.trim_start_matches('/').replace('/', "-")
            );
            out.push_str("BEGIN:VEVENT\r\n");
            out.push_str(&format!("UID:{uid}\r\nDTSTAMP:{stamp}\r\n"));
            out.push_str(&format!("DTSTART:{}\r\n", ical_time(t.due_at)));
            out.push_str(&format!("SUMMARY:{}\r\n", ical_escape(&t.title)));
            out.push_str(&format!("URL:{}\r\n", self.link(&t.link)));
            out.push_str("END:VEVENT\r\n");
        }
        out.push_str("END:VCALENDAR\r\n");
        Ok(out)
    }
}

fn ical_time(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// RFC 5545 text escaping.
fn ical_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace('\n', "\\n")
}
