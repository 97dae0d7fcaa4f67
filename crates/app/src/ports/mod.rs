//! Ports: what the use-cases need from the outside world. The store crate
//! implements the repositories on SQLite and PostgreSQL; tests may swap the
//! clock. Every mutating method takes the audit event to append in the same
//! transaction, so no change is ever stored without its trail.

mod risk;

use async_trait::async_trait;
use mamori_domain::audit::AuditEvent;
use mamori_domain::org::{Department, EmploymentType, Person, RoleAssignment};
use mamori_domain::settings::SecuritySettings;
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

pub use risk::*;

/// The time, injected so rules are tested to the minute.
pub trait Clock: Send + Sync {
    fn now(&self) -> OffsetDateTime;
}

/// The real clock, truncated to microseconds (what both databases keep).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;
impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        mamori_domain::audit::to_micros(OffsetDateTime::now_utc())
    }
}

/// A clock that moves only when told: tests advance it to the minute.
#[derive(Debug)]
pub struct ManualClock(std::sync::Mutex<OffsetDateTime>);

impl ManualClock {
    pub fn new(at: OffsetDateTime) -> ManualClock {
        ManualClock(std::sync::Mutex::new(mamori_domain::audit::to_micros(at)))
    }
    pub fn set(&self, at: OffsetDateTime) {
        if let Ok(mut t) = self.0.lock() {
            *t = mamori_domain::audit::to_micros(at);
        }
    }
    pub fn advance(&self, by: time::Duration) {
        if let Ok(mut t) = self.0.lock() {
            *t += by;
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        self.0
            .lock()
            .map(|t| *t)
            .unwrap_or_else(|_| OffsetDateTime::now_utc())
    }
}

/// A storage failure the use-cases can act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A unique value already exists; names the field (`email`, `employee_no`, `code`).
    #[error("duplicate {0}")]
    Duplicate(&'static str),
    /// Someone else changed the record since it was read (optimistic lock).
    #[error("stale version")]
    Stale,
    /// The record is still referenced by others.
    #[error("in use")]
    InUse,
    #[error("storage: {0}")]
    Other(String),
}

/// An audit event before the chain gives it its number and hashes.
#[derive(Debug, Clone)]
pub struct AuditDraft {
    pub occurred_at: OffsetDateTime,
    pub actor_id: Option<Uuid>,
    pub actor_label: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub detail: Option<String>,
}

/// A page of a list, in a stable order, with the cursor for the next one.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// A page from a query that asked for one row more than `limit`: that
    /// row, when it came, says there is a next page, which starts after the
    /// last row kept.
    pub fn cut(mut items: Vec<T>, limit: u32, cursor_of: impl Fn(&T) -> String) -> Page<T> {
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let next_cursor = if items.len() > limit {
            items.truncate(limit);
            items.last().map(cursor_of)
        } else {
            None
        };
        Page { items, next_cursor }
    }
}

#[derive(Debug, Clone, Default)]
pub struct PersonFilter {
    pub department_id: Option<Uuid>,
    pub employment_type: Option<EmploymentType>,
    /// Matches 氏名, ふりがな, e-mail or 社員番号 (contains).
    pub text: Option<String>,
    /// When set, only people who have not left by this date.
    pub active_on: Option<time::Date>,
    pub after: Option<String>,
    pub limit: u32,
}

#[derive(Debug, Clone, Default)]
pub struct AssignmentFilter {
    pub person_id: Option<Uuid>,
    pub role: Option<mamori_domain::Role>,
    pub department_id: Option<Uuid>,
    /// Only those active on this date.
    pub active_on: Option<time::Date>,
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub action: Option<String>,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub actor_id: Option<Uuid>,
    pub from: Option<OffsetDateTime>,
    pub until: Option<OffsetDateTime>,
    /// Events with a sequence number below this (newest first paging).
    pub before_seq: Option<i64>,
    pub limit: u32,
}

/// The sign-in state of a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    pub person_id: Uuid,
    pub password_hash: Option<String>,
    pub must_change: bool,
    pub password_changed_at: OffsetDateTime,
    pub failed_count: i64,
    pub locked: bool,
    pub locked_until: Option<OffsetDateTime>,
    pub totp_secret: Option<String>,
    pub totp_enabled: bool,
    pub totp_last_step: Option<i64>,
    pub disabled: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub id: Uuid,
    pub token_hash: String,
    pub person_id: Uuid,
    pub mfa_pending: bool,
    pub csrf_token: String,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub user_agent: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiTokenRecord {
    pub id: Uuid,
    pub person_id: Uuid,
    pub label: String,
    #[serde(skip)]
    pub token_hash: String,
    pub scopes: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PasswordResetRecord {
    pub id: Uuid,
    pub person_id: Uuid,
    pub reset_by: Uuid,
    pub identity_method: String,
    pub identity_note: String,
    pub created_at: OffsetDateTime,
}

/// 委員長 unavailable: who deputises, why, from when to when (POL-8.5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Delegation {
    pub id: Uuid,
    pub role: mamori_domain::Role,
    pub absent_person_id: Uuid,
    pub deputy_person_id: Uuid,
    pub reason: String,
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub ends_at: Option<OffsetDateTime>,
    pub created_by: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl Delegation {
    /// In force at `now`: started, and not yet ended.
    pub fn in_force(&self, now: OffsetDateTime) -> bool {
        self.starts_at <= now && self.ends_at.is_none_or(|e| now < e)
    }
}

/// Departments and people to write in one go (CSV import, demo).
#[derive(Debug, Clone, Default)]
pub struct OrgBatch {
    pub departments: Vec<Department>,
    pub people: Vec<Person>,
    /// Existing people with new values; `version` is the new version.
    pub updated_people: Vec<Person>,
    pub assignments: Vec<RoleAssignment>,
    pub credentials: Vec<Credential>,
}

#[async_trait]
pub trait OrgRepo: Send + Sync {
    async fn departments(&self) -> Result<Vec<Department>, StoreError>;
    async fn department(&self, id: Uuid) -> Result<Department, StoreError>;
    async fn insert_department(&self, d: &Department, audit: AuditDraft) -> Result<(), StoreError>;
    /// Updates when the stored version is `d.version - 1`.
    async fn update_department(&self, d: &Department, audit: AuditDraft) -> Result<(), StoreError>;
    async fn delete_department(
        &self,
        id: Uuid,
        version: i64,
        audit: AuditDraft,
    ) -> Result<(), StoreError>;

    async fn people(&self, f: &PersonFilter) -> Result<Page<Person>, StoreError>;
    async fn all_people(&self) -> Result<Vec<Person>, StoreError>;
    /// The people the organisation's rules speak of: everyone who holds or
    /// held a role, and everyone who left by `today`.
    async fn people_with_roles_or_left(&self, today: time::Date)
    -> Result<Vec<Person>, StoreError>;
    /// (person, department) of everyone in a department who has not left by `today`.
    async fn department_members(&self, today: time::Date) -> Result<Vec<(Uuid, Uuid)>, StoreError>;
    /// How many people, not left by `today`, each department has.
    async fn headcounts(&self, today: time::Date) -> Result<Vec<(Uuid, u64)>, StoreError>;
    async fn person(&self, id: Uuid) -> Result<Person, StoreError>;
    async fn person_by_email(&self, email: &str) -> Result<Option<Person>, StoreError>;
    /// Every person's name (those who left too), for a directory kept in
    /// memory.
    async fn all_person_names(&self) -> Result<Vec<(Uuid, String)>, StoreError>;
    async fn insert_person(&self, p: &Person, audit: AuditDraft) -> Result<(), StoreError>;
    async fn update_person(&self, p: &Person, audit: AuditDraft) -> Result<(), StoreError>;

    async fn assignments(&self, f: &AssignmentFilter) -> Result<Vec<RoleAssignment>, StoreError>;
    async fn assignment(&self, id: Uuid) -> Result<RoleAssignment, StoreError>;
    async fn insert_assignment(
        &self,
        a: &RoleAssignment,
        audit: AuditDraft,
    ) -> Result<(), StoreError>;
    async fn update_assignment(
        &self,
        a: &RoleAssignment,
        audit: AuditDraft,
    ) -> Result<(), StoreError>;

    /// Inserts everything or nothing; one audit event per record plus the summary.
    async fn insert_batch(&self, b: &OrgBatch, audits: Vec<AuditDraft>) -> Result<(), StoreError>;

    async fn delegations(&self) -> Result<Vec<Delegation>, StoreError>;
    /// The delegations naming this person as the deputy.
    async fn delegations_to(&self, deputy: Uuid) -> Result<Vec<Delegation>, StoreError>;
    async fn insert_delegation(&self, d: &Delegation, audit: AuditDraft) -> Result<(), StoreError>;
    async fn end_delegation(
        &self,
        id: Uuid,
        at: OffsetDateTime,
        audit: AuditDraft,
    ) -> Result<(), StoreError>;
}

#[async_trait]
pub trait AuthRepo: Send + Sync {
    async fn credential(&self, person_id: Uuid) -> Result<Option<Credential>, StoreError>;
    /// People who left by `today` and still have an enabled credential.
    async fn leavers_who_can_sign_in(&self, today: time::Date) -> Result<Vec<Uuid>, StoreError>;
    /// Writes the whole credential; `audit` may be None for routine counters.
    async fn save_credential(
        &self,
        c: &Credential,
        audit: Option<AuditDraft>,
    ) -> Result<(), StoreError>;
    async fn password_history(&self, person_id: Uuid, last: u32)
    -> Result<Vec<String>, StoreError>;
    /// Saves the credential with its new password and remembers the hash.
    async fn set_password(
        &self,
        c: &Credential,
        history_id: Uuid,
        audit: AuditDraft,
    ) -> Result<(), StoreError>;
    async fn record_reset(
        &self,
        c: &Credential,
        history_id: Uuid,
        r: &PasswordResetRecord,
        audit: AuditDraft,
    ) -> Result<(), StoreError>;

    async fn replace_recovery_codes(
        &self,
        person_id: Uuid,
        hashes: &[String],
    ) -> Result<(), StoreError>;
    /// Marks an unused code with this hash as used; true when one was.
    async fn use_recovery_code(
        &self,
        person_id: Uuid,
        hash: &str,
        at: OffsetDateTime,
    ) -> Result<bool, StoreError>;
    async fn unused_recovery_codes(&self, person_id: Uuid) -> Result<i64, StoreError>;

    async fn insert_session(&self, s: &SessionRecord) -> Result<(), StoreError>;
    async fn session_by_hash(&self, token_hash: &str) -> Result<Option<SessionRecord>, StoreError>;
    async fn touch_session(&self, id: Uuid, at: OffsetDateTime) -> Result<(), StoreError>;
    async fn complete_mfa(&self, id: Uuid) -> Result<(), StoreError>;
    async fn delete_session(&self, id: Uuid) -> Result<(), StoreError>;
    async fn delete_sessions_of(&self, person_id: Uuid) -> Result<u64, StoreError>;
    async fn delete_expired_sessions(&self, now: OffsetDateTime) -> Result<u64, StoreError>;

    async fn insert_token(&self, t: &ApiTokenRecord, audit: AuditDraft) -> Result<(), StoreError>;
    async fn token_by_hash(&self, token_hash: &str) -> Result<Option<ApiTokenRecord>, StoreError>;
    async fn tokens_of(&self, person_id: Uuid) -> Result<Vec<ApiTokenRecord>, StoreError>;
    async fn revoke_token(
        &self,
        id: Uuid,
        person_id: Uuid,
        at: OffsetDateTime,
        audit: AuditDraft,
    ) -> Result<(), StoreError>;
    async fn mark_token_used(&self, id: Uuid, at: OffsetDateTime) -> Result<(), StoreError>;

    /// Counts an attempt from `address` in the minute window; returns the count so far.
    async fn count_sign_in_attempt(
        &self,
        address: &str,
        window_start: OffsetDateTime,
    ) -> Result<i64, StoreError>;
}

#[async_trait]
pub trait AuditRepo: Send + Sync {
    async fn append(&self, audit: AuditDraft) -> Result<AuditEvent, StoreError>;
    /// Appends many events to the chain in one transaction (bulk loads);
    /// returns the last sequence number.
    async fn append_many(&self, drafts: Vec<AuditDraft>) -> Result<i64, StoreError>;
    async fn events(&self, f: &AuditFilter) -> Result<Vec<AuditEvent>, StoreError>;
    /// Events in chain order from `after_seq` (exclusive), `limit` at a time.
    async fn chain_batch(&self, after_seq: i64, limit: u32) -> Result<Vec<AuditEvent>, StoreError>;
    async fn head(&self) -> Result<(i64, String), StoreError>;
}

#[async_trait]
pub trait SettingsRepo: Send + Sync {
    async fn security_settings(&self) -> Result<SecuritySettings, StoreError>;
    async fn save_security_settings(
        &self,
        s: &SecuritySettings,
        audit: AuditDraft,
    ) -> Result<(), StoreError>;
    /// Database reachable?
    async fn ping(&self) -> Result<(), StoreError>;
    /// Brings the query planner's statistics up to date, after a bulk load.
    async fn refresh_statistics(&self) -> Result<(), StoreError>;
}

/// Everything the app needs from storage.
pub trait Store:
    OrgRepo
    + AuthRepo
    + AuditRepo
    + SettingsRepo
    + WorkflowRepo
    + MeetingRepo
    + DutyRepo
    + ComplianceRepo
    + SoaApprovalRepo
    + ChecklistRepo
    + DocumentRepo
    + IncidentRepo
    + RiskRepo
    + ReviewRepo
{
}
impl<T> Store for T where
    T: OrgRepo
        + AuthRepo
        + AuditRepo
        + SettingsRepo
        + WorkflowRepo
        + MeetingRepo
        + DutyRepo
        + ComplianceRepo
        + SoaApprovalRepo
        + ChecklistRepo
        + DocumentRepo
        + IncidentRepo
        + RiskRepo
        + ReviewRepo
{
}

/// An e-mail to send (from the outbox).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    pub to: String,
    pub subject: String,
    /// Plain text, UTF-8 (Japanese).
    pub body: String,
    /// Unique per notification; sent as the Message-ID's local part.
    pub dedupe_key: String,
}

/// Sends e-mail (SMTP in production).
#[async_trait]
pub trait Mailer: Send + Sync {
    /// Delivers one message; an error is retried later by the worker.
    async fn send(&self, mail: &OutgoingMail) -> Result<(), String>;
}

/// A request of any flow (申請): exception, change request, and later the
/// modules' own applications.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RequestRecord {
    pub id: Uuid,
    /// 管理番号, e.g. EXC-2026-0007.
    pub ref_no: String,
    pub kind: String,
    pub requester_id: Uuid,
    pub department_id: Option<Uuid>,
    pub title: String,
    /// Policy document code (USE, SYS, …) the request is about.
    pub document: Option<String>,
    pub clause: Option<String>,
    /// Kind-specific fields (reason, what is done instead, proposal…), JSON.
    pub details: String,
    pub valid_from: Option<time::Date>,
    pub valid_until: Option<time::Date>,
    pub state: mamori_domain::workflow::RequestState,
    pub step: i64,
    /// Increases each time a returned request is resubmitted.
    pub round: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub step_due_at: OffsetDateTime,
    pub conditions: Option<String>,
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub decided_at: Option<OffsetDateTime>,
}

/// One line of a request's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RequestEvent {
    pub id: Uuid,
    pub request_id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor_id: Option<Uuid>,
    pub actor_label: String,
    /// submit, approve, reject, return, resubmit, withdraw, committee
    pub action: String,
    pub step: i64,
    pub round: i64,
    pub comment: Option<String>,
    /// Decided as deputy for this person (副委員長 for the 委員長).
    pub on_behalf_of: Option<Uuid>,
}

#[derive(Debug, Clone, Default)]
pub struct RequestFilter {
    pub requester_id: Option<Uuid>,
    pub kind: Option<String>,
    pub open_only: bool,
    pub limit: u32,
    /// Rows skipped before the first, newest first.
    pub offset: u32,
}

/// Something to tell a person: in the inbox, and by mail when `mail_to` is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub person_id: Uuid,
    /// Unique: the same notice is never stored or mailed twice.
    pub dedupe_key: String,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub link: String,
    pub mail_to: Option<String>,
}

/// An inbox entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct InboxItem {
    pub id: Uuid,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub link: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub read_at: Option<OffsetDateTime>,
}

/// A mail claimed from the outbox for sending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedMail {
    pub id: Uuid,
    pub attempts: i64,
    pub mail: OutgoingMail,
}

/// Counts of the outbox by state, for the administrator.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OutboxStats {
    pub queued: i64,
    pub sending: i64,
    pub sent: i64,
    pub failed: i64,
}

#[async_trait]
pub trait WorkflowRepo: Send + Sync {
    /// Inserts a new request with its first event and notices; the readable
    /// number is allocated in the same transaction (`prefix-YEAR-NNNN`).
    async fn insert_request(
        &self,
        r: &RequestRecord,
        prefix: &str,
        event: &RequestEvent,
        notices: &[Notice],
        audit: AuditDraft,
    ) -> Result<RequestRecord, StoreError>;
    /// Stores requests as they stand (numbers given, states already
    /// reached) with their history, in one transaction with one audit event.
    async fn insert_requests(
        &self,
        requests: &[RequestRecord],
        events: &[RequestEvent],
        audit: AuditDraft,
    ) -> Result<(), StoreError>;
    /// Saves a transition when the stored version is `r.version - 1`.
    async fn update_request(
        &self,
        r: &RequestRecord,
        event: &RequestEvent,
        notices: &[Notice],
        audit: AuditDraft,
    ) -> Result<(), StoreError>;
    async fn request(&self, id: Uuid) -> Result<RequestRecord, StoreError>;
    async fn requests(&self, f: &RequestFilter) -> Result<Vec<RequestRecord>, StoreError>;
    /// How many requests match the filter (its limit and offset aside).
    async fn request_count(&self, f: &RequestFilter) -> Result<u64, StoreError>;
    /// Requests in review, or approved with a validity that has not ended long ago.
    async fn live_requests(&self) -> Result<Vec<RequestRecord>, StoreError>;
    /// Requests waiting on an approver, soonest step due first.
    async fn requests_in_review(&self) -> Result<Vec<RequestRecord>, StoreError>;
    async fn request_events(&self, request_id: Uuid) -> Result<Vec<RequestEvent>, StoreError>;

    /// Stores notices not stored before (by dedupe key); returns how many were new.
    async fn add_notices(&self, notices: &[Notice], now: OffsetDateTime)
    -> Result<u64, StoreError>;
    async fn inbox(&self, person_id: Uuid, limit: u32) -> Result<Vec<InboxItem>, StoreError>;
    async fn mark_read(
        &self,
        person_id: Uuid,
        id: Option<Uuid>,
        at: OffsetDateTime,
    ) -> Result<(), StoreError>;

    /// Claims up to `limit` queued mails due by `now` for `node`, marking them
    /// as being sent (a claimed mail is never sent again by another node).
    async fn claim_mail(
        &self,
        node: &str,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<QueuedMail>, StoreError>;
    async fn mail_sent(&self, id: Uuid, at: OffsetDateTime) -> Result<(), StoreError>;
    /// A delivery that failed before the server accepted it: retry at `retry_at`, or give up.
    async fn mail_failed(
        &self,
        id: Uuid,
        error: &str,
        retry_at: Option<OffsetDateTime>,
    ) -> Result<(), StoreError>;
    async fn outbox_stats(&self) -> Result<OutboxStats, StoreError>;

    /// Claims a (job, slot) for this node; true for exactly one node.
    async fn claim_slot(
        &self,
        job: &str,
        slot: &str,
        node: &str,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError>;

    async fn notify_mode(&self, person_id: Uuid) -> Result<Option<String>, StoreError>;
    async fn set_person_settings(
        &self,
        person_id: Uuid,
        notify_mode: &str,
        calendar_token_hash: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<(), StoreError>;
    async fn person_by_calendar_token(&self, token_hash: &str) -> Result<Option<Uuid>, StoreError>;
    async fn calendar_token_hash(&self, person_id: Uuid) -> Result<Option<String>, StoreError>;
}

/// A committee meeting (情報セキュリティ委員会).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Meeting {
    pub id: Uuid,
    /// e.g. MTG-2026-0003
    pub ref_no: String,
    /// `regular` (定例) or `extraordinary` (臨時)
    pub kind: String,
    pub title: String,
    #[serde(with = "time::serde::rfc3339")]
    pub held_at: OffsetDateTime,
    pub location: String,
    /// `planned`, then `published` with its minutes
    pub state: String,
    pub minutes: Option<String>,
    pub version: i64,
    pub created_by: Uuid,
    #[serde(with = "time::serde::rfc3339::option")]
    pub published_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Attendee {
    pub person_id: Uuid,
    /// Standing member (常勤委員) or called by the chair (非常勤委員).
    pub standing: bool,
    pub present: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AgendaItem {
    pub id: Uuid,
    pub meeting_id: Uuid,
    pub position: i64,
    pub request_id: Option<Uuid>,
    pub title: String,
    pub decision: Option<mamori_domain::workflow::CommitteeDecision>,
    pub reasoning: Option<String>,
    pub conditions: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub decided_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ActionItem {
    pub id: Uuid,
    pub meeting_id: Uuid,
    pub agenda_item_id: Option<Uuid>,
    pub title: String,
    pub owner_id: Uuid,
    pub due_on: time::Date,
    #[serde(with = "time::serde::rfc3339::option")]
    pub done_at: Option<OffsetDateTime>,
}

#[async_trait]
pub trait MeetingRepo: Send + Sync {
    /// Inserts a meeting with its attendees and first agenda; allocates its number.
    async fn insert_meeting(
        &self,
        m: &Meeting,
        attendees: &[Attendee],
        agenda: &[AgendaItem],
        audit: AuditDraft,
    ) -> Result<Meeting, StoreError>;
    async fn meeting(&self, id: Uuid) -> Result<Meeting, StoreError>;
    async fn meetings(&self, limit: u32) -> Result<Vec<Meeting>, StoreError>;
    async fn attendees(&self, meeting_id: Uuid) -> Result<Vec<Attendee>, StoreError>;
    async fn set_attendance(
        &self,
        meeting_id: Uuid,
        a: &Attendee,
        audit: AuditDraft,
    ) -> Result<(), StoreError>;
    async fn agenda(&self, meeting_id: Uuid) -> Result<Vec<AgendaItem>, StoreError>;
    /// Agenda items of undecided (or continued) requests, anywhere.
    async fn agenda_items_for_request(
        &self,
        request_id: Uuid,
    ) -> Result<Vec<AgendaItem>, StoreError>;
    /// Requests on an agenda item not decided yet, anywhere.
    async fn scheduled_requests(&self) -> Result<Vec<Uuid>, StoreError>;
    async fn add_agenda_item(&self, item: &AgendaItem, audit: AuditDraft)
    -> Result<(), StoreError>;
    /// Records the committee's decision on an item (once).
    async fn record_decision(&self, item: &AgendaItem, audit: AuditDraft)
    -> Result<(), StoreError>;
    async fn add_action_item(
        &self,
        a: &ActionItem,
        notices: &[Notice],
        audit: AuditDraft,
    ) -> Result<(), StoreError>;
    async fn action_items(
        &self,
        meeting_id: Option<Uuid>,
        owner_id: Option<Uuid>,
        open_only: bool,
    ) -> Result<Vec<ActionItem>, StoreError>;
    async fn complete_action_item(
        &self,
        id: Uuid,
        owner_id: Uuid,
        at: OffsetDateTime,
        audit: AuditDraft,
    ) -> Result<(), StoreError>;
    /// Publishes the minutes when the stored version is `m.version - 1`.
    async fn publish_minutes(
        &self,
        m: &Meeting,
        notices: &[Notice],
        audit: AuditDraft,
    ) -> Result<(), StoreError>;
}

/// A duty that recurs (年１回, 四半期, 毎月, or every N days), with an owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PeriodicDuty {
    pub id: Uuid,
    pub title: String,
    /// The clause it comes from, e.g. `HR-9`.
    pub source: String,
    pub owner_id: Uuid,
    /// `yearly`, `quarterly`, `monthly` or `every_N_days`.
    pub cadence: String,
    pub next_due: time::Date,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DutyCompletion {
    pub id: Uuid,
    pub duty_id: Uuid,
    /// The due date this completion fulfils.
    pub due_on: time::Date,
    #[serde(with = "time::serde::rfc3339")]
    pub done_at: OffsetDateTime,
    pub done_by: Uuid,
    pub note: String,
}

#[async_trait]
pub trait DutyRepo: Send + Sync {
    async fn insert_duty(&self, d: &PeriodicDuty, audit: AuditDraft) -> Result<(), StoreError>;
    async fn duties(&self, owner_id: Option<Uuid>) -> Result<Vec<PeriodicDuty>, StoreError>;
    /// A page of the duties in force (the owner's, or everyone's), soonest
    /// due first, and how many there are in all.
    async fn duties_page(
        &self,
        owner_id: Option<Uuid>,
        limit: u32,
        offset: u32,
    ) -> Result<(Vec<PeriodicDuty>, u64), StoreError>;
    async fn duty(&self, id: Uuid) -> Result<PeriodicDuty, StoreError>;
    /// Records a completion and moves the duty to its next due date
    /// (`d.version` is the new version).
    async fn complete_duty(
        &self,
        d: &PeriodicDuty,
        c: &DutyCompletion,
        audit: AuditDraft,
    ) -> Result<(), StoreError>;
    /// Stores duties as they stand with their past completions, in one
    /// transaction with one audit event.
    async fn insert_duties(
        &self,
        duties: &[PeriodicDuty],
        completions: &[DutyCompletion],
        audit: AuditDraft,
    ) -> Result<(), StoreError>;
    async fn completions(&self, duty_id: Uuid) -> Result<Vec<DutyCompletion>, StoreError>;
    /// Removes a duty that no longer applies (its completions stay).
    async fn retire_duty(
        &self,
        id: Uuid,
        version: i64,
        audit: AuditDraft,
    ) -> Result<(), StoreError>;
    async fn alert_settings(&self) -> Result<mamori_domain::schedule::AlertSettings, StoreError>;
    async fn save_alert_settings(
        &self,
        s: &mamori_domain::schedule::AlertSettings,
        audit: AuditDraft,
    ) -> Result<(), StoreError>;
}

/// One record about an obligation: kept (with evidence), not kept, or not applicable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Assessment {
    pub id: Uuid,
    pub obligation_id: String,
    pub finding: mamori_domain::compliance::status::Finding,
    pub note: String,
    /// Where the evidence is (record, file, link).
    pub evidence: String,
    pub assessed_by: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub assessed_at: OffsetDateTime,
    pub assessed_on: time::Date,
}

/// A line of the Statement of Applicability (適用宣言書) as decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SoaEntry {
    /// `2013` or `2022`
    pub edition: String,
    pub control_id: String,
    pub applicable: bool,
    pub justification: String,
    pub implementation: String,
    pub version: i64,
}

/// Readers' comprehension checks that have fallen due (DOC-4.3.3(3)) and
/// were not done in time, counted in the database from partial indexes (the
/// ones done in time are most of a large company's hundreds of thousands and
/// are not counted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ComprehensionTally {
    /// Not done by the due time and not exempted (done late or not at all).
    pub late: u64,
    pub exempt: u64,
    /// The latest due time among them.
    pub last_due: Option<OffsetDateTime>,
}

/// What the other modules' records prove, as aggregates read in one go
/// for the obligation evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RecordEvidence {
    /// Latest publication of a version written in mamori (not imported).
    pub last_published: Option<OffsetDateTime>,
    pub last_disposed: Option<OffsetDateTime>,
    /// Latest decision in the recovery-priority register.
    pub last_system_decided: Option<time::Date>,
    /// Incidents the board must hear of (victim or perpetrator, with a plan).
    pub board_incidents: u64,
    pub board_unreported: u64,
    pub board_last_recovered: Option<OffsetDateTime>,
    /// Assets in use, and the latest change to the register (RISK-4.1.2).
    pub assets: u64,
    pub assets_updated: Option<OffsetDateTime>,
    /// The latest change to a risk.
    pub risks_updated: Option<OffsetDateTime>,
}

/// The latest completion of a periodic duty, with what the duty is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LatestCompletion {
    pub source: String,
    pub title: String,
    pub completion: DutyCompletion,
}

/// Open comprehension checks of current versions for one person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenChecks {
    pub department_id: Uuid,
    pub open: u64,
    pub overdue: u64,
}

#[async_trait]
pub trait ComplianceRepo: Send + Sync {
    async fn add_assessment(&self, a: &Assessment, audit: AuditDraft) -> Result<(), StoreError>;
    /// Comprehension checks of current and superseded versions due by `now`.
    async fn comprehension_tally(
        &self,
        now: OffsetDateTime,
    ) -> Result<ComprehensionTally, StoreError>;
    async fn record_evidence(&self) -> Result<RecordEvidence, StoreError>;
    /// The latest completion (by due date) of every periodic duty that has one.
    async fn latest_duty_completions(&self) -> Result<Vec<LatestCompletion>, StoreError>;
    /// Per department, its people's (not left by `today`) open checks of
    /// current versions and how many of them are past due at `now`.
    async fn open_checks(
        &self,
        now: OffsetDateTime,
        today: time::Date,
    ) -> Result<Vec<OpenChecks>, StoreError>;
    /// The latest assessment of every obligation that has one.
    async fn latest_assessments(&self) -> Result<Vec<Assessment>, StoreError>;
    async fn assessments_of(&self, obligation_id: &str) -> Result<Vec<Assessment>, StoreError>;
    /// The organisation's own cadences of periodic obligations, by id
    /// (`yearly`, `quarterly`, `monthly`, `every_N_days`).
    async fn obligation_cadences(
        &self,
    ) -> Result<std::collections::BTreeMap<String, String>, StoreError>;
    async fn save_obligation_cadences(
        &self,
        c: &std::collections::BTreeMap<String, String>,
        audit: AuditDraft,
    ) -> Result<(), StoreError>;
    async fn soa_entries(&self, edition: &str) -> Result<Vec<SoaEntry>, StoreError>;
    /// Saves an entry when its stored version is `e.version - 1` (0 = new).
    async fn save_soa_entry(
        &self,
        e: &SoaEntry,
        by: Uuid,
        audit: AuditDraft,
    ) -> Result<(), StoreError>;
}

/// An approved version of the Statement of Applicability.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SoaApproval {
    pub id: Uuid,
    pub edition: String,
    pub version: i64,
    /// SHA-256 of `content`: what was approved.
    pub content_hash: String,
    /// The approved decisions as JSON.
    #[serde(skip)]
    pub content: String,
    pub approved_by: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub approved_at: OffsetDateTime,
}

#[async_trait]
pub trait SoaApprovalRepo: Send + Sync {
    /// Stores the next version for its edition (the number is allocated here).
    async fn add_soa_approval(
        &self,
        a: &SoaApproval,
        audit: AuditDraft,
    ) -> Result<SoaApproval, StoreError>;
    async fn soa_approvals(&self, edition: &str) -> Result<Vec<SoaApproval>, StoreError>;
}

/// An evidence file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Attachment {
    pub id: Uuid,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_by: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub uploaded_at: OffsetDateTime,
}

/// One round of a document's 運用確認事項 for its owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ChecklistRun {
    pub id: Uuid,
    pub document: String,
    pub owner_id: Uuid,
    pub due_on: time::Date,
    pub duty_id: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub submitted_at: Option<OffsetDateTime>,
    /// Chosen obligations; empty = the document's 運用確認事項 (§5).
    pub items: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ChecklistAnswer {
    pub run_id: Uuid,
    pub obligation_id: String,
    /// yes, no or partly
    pub answer: String,
    pub comment: String,
    pub attachment_id: Option<Uuid>,
}

/// Opened by a "no": what must be put right, by whom, by when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CorrectiveItem {
    pub id: Uuid,
    pub obligation_id: String,
    pub run_id: Option<Uuid>,
    pub title: String,
    pub owner_id: Uuid,
    pub due_on: time::Date,
    #[serde(with = "time::serde::rfc3339::option")]
    pub done_at: Option<OffsetDateTime>,
}

#[async_trait]
pub trait ChecklistRepo: Send + Sync {
    async fn insert_attachment(&self, a: &Attachment, content: &[u8]) -> Result<(), StoreError>;
    async fn attachment(&self, id: Uuid) -> Result<(Attachment, Vec<u8>), StoreError>;
    /// Creates the run unless one exists for the same document, owner and due date.
    async fn create_run(&self, r: &ChecklistRun, audit: AuditDraft) -> Result<bool, StoreError>;
    async fn runs(&self, owner_id: Option<Uuid>) -> Result<Vec<ChecklistRun>, StoreError>;
    /// The rounds of one document (the owner's, or everyone's), latest due first.
    async fn runs_of_document(
        &self,
        document: &str,
        owner_id: Option<Uuid>,
    ) -> Result<Vec<ChecklistRun>, StoreError>;
    /// A page of rounds (the owner's, or everyone's), latest due first, and
    /// how many there are in all.
    async fn runs_page(
        &self,
        owner_id: Option<Uuid>,
        limit: u32,
        offset: u32,
    ) -> Result<(Vec<ChecklistRun>, u64), StoreError>;
    async fn run(&self, id: Uuid) -> Result<ChecklistRun, StoreError>;
    async fn answers(&self, run_id: Uuid) -> Result<Vec<ChecklistAnswer>, StoreError>;
    /// Stores the answers, their assessments and corrective items, and marks the run submitted, in one transaction.
    async fn submit_run(
        &self,
        run_id: Uuid,
        answers: &[ChecklistAnswer],
        assessments: &[Assessment],
        correctives: &[CorrectiveItem],
        at: OffsetDateTime,
        audit: AuditDraft,
    ) -> Result<(), StoreError>;
    /// Stores rounds as they stand (submitted or not) with their answers,
    /// assessments and corrective items (`created_at` given), in one
    /// transaction with one audit event.
    async fn insert_runs(
        &self,
        runs: &[ChecklistRun],
        answers: &[ChecklistAnswer],
        assessments: &[Assessment],
        correctives: &[(CorrectiveItem, OffsetDateTime)],
        audit: AuditDraft,
    ) -> Result<(), StoreError>;
    async fn corrective_items(
        &self,
        owner_id: Option<Uuid>,
        open_only: bool,
    ) -> Result<Vec<CorrectiveItem>, StoreError>;
    async fn complete_corrective(
        &self,
        id: Uuid,
        owner_id: Uuid,
        at: OffsetDateTime,
        audit: AuditDraft,
    ) -> Result<(), StoreError>;
}

/// A document of the library (文書台帳, RT1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Document {
    pub id: Uuid,
    /// 文書番号, e.g. D-2026-0003.
    pub ref_no: String,
    /// The policy document's catalog code (`USE`, `SYS`, …) when it is one.
    pub code: Option<String>,
    pub title: String,
    pub tier: mamori_domain::documents::Tier,
    pub record_kind: Option<mamori_domain::documents::RecordKind>,
    pub parent_id: Option<Uuid>,
    pub owner_id: Uuid,
    pub confidentiality: mamori_domain::documents::Confidentiality,
    pub audience: mamori_domain::documents::Audience,
    /// The periodic duty that brings the annual review (年１回).
    pub review_duty_id: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub disposed_at: Option<OffsetDateTime>,
    pub disposal_reason: Option<String>,
    pub disposal_method: Option<String>,
    pub disposal_request_id: Option<Uuid>,
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// What a list shows of a version: not its text or its check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VersionHead {
    pub id: Uuid,
    pub document_id: Uuid,
    pub number: i64,
    pub state: mamori_domain::documents::VersionState,
    pub effective_on: Option<time::Date>,
}

/// A version of a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DocVersion {
    pub id: Uuid,
    pub document_id: Uuid,
    pub number: i64,
    /// Markdown.
    pub body: String,
    pub change_summary: String,
    pub state: mamori_domain::documents::VersionState,
    pub author_id: Uuid,
    /// The approval request (DA-…), once sent.
    pub request_id: Option<Uuid>,
    /// 施行日.
    pub effective_on: Option<time::Date>,
    pub approved_on: Option<time::Date>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub published_at: Option<OffsetDateTime>,
    /// The comprehension check; None: reading and acknowledging is enough.
    pub quiz: Option<mamori_domain::documents::Quiz>,
    /// Brought in by the importer: approved before mamori kept it.
    pub imported: bool,
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// How many of a version's readers stand where.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReadingCount {
    pub version_id: Uuid,
    pub done: u64,
    pub pending: u64,
    pub overdue: u64,
    pub exempted: u64,
}

/// Where a version's readers stand company-wide apart from the clock: how
/// many there are, how many have neither done the check nor been exempted
/// (open), how many were exempted. Which open checks are overdue is the
/// clock's part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReadingTally {
    pub version_id: Uuid,
    pub readers: u64,
    pub open: u64,
    pub exempted: u64,
}

impl ReadingTally {
    /// The counts at a moment when `overdue` of the open checks are past due.
    pub fn at(&self, overdue: u64) -> ReadingCount {
        let overdue = overdue.min(self.open);
        ReadingCount {
            version_id: self.version_id,
            done: self.readers.saturating_sub(self.open + self.exempted),
            pending: self.open - overdue,
            overdue,
            exempted: self.exempted,
        }
    }

    /// Every version's counts at a moment: its tally with the overdue
    /// counted for it (none when it has none).
    pub fn all_at(tallies: &[ReadingTally], overdue: Vec<(Uuid, u64)>) -> Vec<ReadingCount> {
        let overdue: std::collections::HashMap<Uuid, u64> = overdue.into_iter().collect();
        tallies
            .iter()
            .map(|t| t.at(overdue.get(&t.version_id).copied().unwrap_or(0)))
            .collect()
    }
}

/// Which readers of a version to list.
#[derive(Debug, Clone)]
pub struct ReaderFilter {
    pub version_id: Uuid,
    /// Only readers of these departments (a 情報セキュリティ担当者's own).
    pub departments: Option<Vec<Uuid>>,
    pub status: Option<mamori_domain::documents::ReadStatus>,
    /// The time the statuses are taken at.
    pub now: OffsetDateTime,
    pub offset: u32,
    /// 1–500.
    pub limit: u32,
}

/// A reader of a version with the name and department to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderLine {
    pub read: ReadRecord,
    pub name: String,
    pub department: Option<String>,
}

/// One reader's notice and check of one version (理解度確認, RT5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ReadRecord {
    pub version_id: Uuid,
    pub person_id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub notified_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub due_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub completed_at: Option<OffsetDateTime>,
    pub attempts: i64,
    /// Percent of the last attempt.
    pub last_score: Option<i64>,
    pub exempt_reason: Option<String>,
    pub exempted_by: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub exempted_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub reminded_at: Option<OffsetDateTime>,
}

impl ReadRecord {
    /// A reader notified at `notified_at`, to pass the check by `due_at`.
    pub fn notified(
        version_id: Uuid,
        person_id: Uuid,
        notified_at: OffsetDateTime,
        due_at: OffsetDateTime,
    ) -> ReadRecord {
        ReadRecord {
            version_id,
            person_id,
            notified_at,
            due_at,
            completed_at: None,
            attempts: 0,
            last_score: None,
            exempt_reason: None,
            exempted_by: None,
            exempted_at: None,
            reminded_at: None,
        }
    }
}

/// 紙媒体保有台帳 (DOC-4.3.2(3), RT6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PaperCopy {
    pub id: Uuid,
    pub document_id: Uuid,
    pub version_number: i64,
    pub copies: i64,
    pub location: String,
    pub holder: String,
    pub recorded_by: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
}

/// A disclosure outside the company under an NDA (POL-5(4)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Disclosure {
    pub id: Uuid,
    pub document_id: Uuid,
    pub version_number: i64,
    pub recipient: String,
    pub purpose: String,
    pub nda_reference: String,
    pub nda_signed_on: Option<time::Date>,
    pub disclosed_by: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub disclosed_at: OffsetDateTime,
}

#[async_trait]
pub trait DocumentRepo: Send + Sync {
    /// Stores a new document (its 文書番号 is allocated here) with its first version.
    async fn insert_document(
        &self,
        d: &Document,
        first: Option<&DocVersion>,
        audit: AuditDraft,
    ) -> Result<Document, StoreError>;
    /// Saves a document whose stored version is `d.version - 1`.
    async fn update_document(&self, d: &Document, audit: AuditDraft) -> Result<(), StoreError>;
    async fn documents(&self) -> Result<Vec<Document>, StoreError>;
    async fn document(&self, id: Uuid) -> Result<Document, StoreError>;
    async fn doc_versions(&self, document_id: Uuid) -> Result<Vec<DocVersion>, StoreError>;
    async fn doc_version(&self, id: Uuid) -> Result<DocVersion, StoreError>;
    /// Versions in these states, of every document, without their text:
    /// what lists need.
    async fn version_heads(
        &self,
        states: &[mamori_domain::documents::VersionState],
    ) -> Result<Vec<VersionHead>, StoreError>;
    /// Versions in these states, of every document.
    async fn doc_versions_in(
        &self,
        states: &[mamori_domain::documents::VersionState],
    ) -> Result<Vec<DocVersion>, StoreError>;
    async fn insert_doc_version(&self, v: &DocVersion, audit: AuditDraft)
    -> Result<(), StoreError>;
    /// Saves a version whose stored version is `v.version - 1`, with its
    /// audit event (the kept library is made from the versions' states).
    async fn update_doc_version(&self, v: &DocVersion, audit: AuditDraft)
    -> Result<(), StoreError>;
    /// Makes `v` current (its stored version is `v.version - 1`), marks the
    /// previous current version superseded, creates the readers' records and
    /// queues their notices, in one transaction.
    async fn publish_doc_version(
        &self,
        v: &DocVersion,
        reads: &[ReadRecord],
        notices: &[Notice],
        audit: AuditDraft,
    ) -> Result<(), StoreError>;
    /// Adds readers' records (existing ones stay as they are) with their notices.
    async fn add_reads(
        &self,
        reads: &[ReadRecord],
        notices: &[Notice],
        audit: AuditDraft,
    ) -> Result<(), StoreError>;
    /// Stores documents, versions (numbers and states given) and readers'
    /// records as they stand, in one transaction with one audit event;
    /// parents and approval requests are stored before.
    async fn insert_library(
        &self,
        documents: &[Document],
        versions: &[DocVersion],
        reads: &[ReadRecord],
        audit: AuditDraft,
    ) -> Result<(), StoreError>;
    async fn reads_of_version(&self, version_id: Uuid) -> Result<Vec<ReadRecord>, StoreError>;
    /// Per current version (or only the one given), where its readers (of
    /// these departments, when given) stand at `now`: counted by the database.
    async fn reading_counts(
        &self,
        departments: Option<&[Uuid]>,
        version: Option<Uuid>,
        now: OffsetDateTime,
    ) -> Result<Vec<ReadingCount>, StoreError>;
    /// Per current version (or only the one given), company-wide: the
    /// counts that do not change with the clock.
    async fn reading_tallies(&self, version: Option<Uuid>)
    -> Result<Vec<ReadingTally>, StoreError>;
    /// Per version (or only the one given), company-wide: how many open
    /// checks were due before `now`.
    async fn overdue_reads(
        &self,
        version: Option<Uuid>,
        now: OffsetDateTime,
    ) -> Result<Vec<(Uuid, u64)>, StoreError>;
    /// A page of a version's readers, those needing a push first (overdue,
    /// pending, exempted, done), then by department and name; and how many
    /// match in all.
    async fn version_readers(&self, f: &ReaderFilter)
    -> Result<(Vec<ReaderLine>, u64), StoreError>;
    async fn reads_of_person(&self, person_id: Uuid) -> Result<Vec<ReadRecord>, StoreError>;
    /// Saves a reader's record with its notices.
    async fn save_read(
        &self,
        r: &ReadRecord,
        notices: &[Notice],
        audit: Option<AuditDraft>,
    ) -> Result<(), StoreError>;
    async fn add_paper_copy(&self, c: &PaperCopy, audit: AuditDraft) -> Result<(), StoreError>;
    async fn paper_copies(&self, document_id: Uuid) -> Result<Vec<PaperCopy>, StoreError>;
    async fn add_disclosure(&self, d: &Disclosure, audit: AuditDraft) -> Result<(), StoreError>;
    async fn disclosures(&self, document_id: Uuid) -> Result<Vec<Disclosure>, StoreError>;
}

/// A system and its recovery priority (復旧優先度台帳, RT39).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SystemRecord {
    pub id: Uuid,
    pub name: String,
    /// The business run on it.
    pub business: String,
    /// 0–3 (INC-4.1(4), table 1).
    pub priority: i64,
    pub decided_on: time::Date,
    pub version: i64,
}

/// Which incidents to list, newest report first, a page at a time.
#[derive(Debug, Clone, Default)]
pub struct IncidentFilter {
    /// Only those this person reported or leads (everyone outside the
    /// committee side sees no others).
    pub involving: Option<Uuid>,
    pub state: Option<mamori_domain::incidents::State>,
    pub kind: Option<mamori_domain::incidents::Kind>,
    /// Contains, in the 管理番号 or the title.
    pub text: Option<String>,
    /// The `next_cursor` of the previous page.
    pub after: Option<String>,
    /// 1–500.
    pub limit: u32,
}

/// What the statistics need of an incident: no text, so that counting ten
/// thousand of them reads little.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IncidentFacts {
    pub kind: mamori_domain::incidents::Kind,
    pub state: mamori_domain::incidents::State,
    pub occurred_at: OffsetDateTime,
    pub reported_at: OffsetDateTime,
    pub recovery_due_at: Option<OffsetDateTime>,
    pub recovered_at: Option<OffsetDateTime>,
}

/// An incident (インシデント記録, RT40).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Incident {
    pub id: Uuid,
    /// INC-2026-0007
    pub ref_no: String,
    pub reporter_id: Uuid,
    pub kind: mamori_domain::incidents::Kind,
    pub state: mamori_domain::incidents::State,
    pub title: String,
    pub description: String,
    pub location: String,
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub reported_at: OffsetDateTime,
    /// Confirmed, not only suspected.
    pub confirmed: bool,
    /// 実行責任者.
    pub lead_id: Option<Uuid>,
    /// The prepared response procedure that applies; None: appointed ad hoc (INC-4.2).
    pub procedure_name: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub recovery_due_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub recovered_at: Option<OffsetDateTime>,
    /// INC-4.4(2): the company is the victim of an outside attack.
    pub board_victim: bool,
    /// INC-4.4(2): the company harmed customers or partners.
    pub board_perpetrator: bool,
    pub board_reported_on: Option<time::Date>,
    pub plan_technical: Option<String>,
    pub plan_organisational: Option<String>,
    /// The plan as published to all employees (a document of the library).
    pub plan_document_id: Option<Uuid>,
    pub lessons: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub closed_at: Option<OffsetDateTime>,
    pub version: i64,
}

/// A line of an incident's timeline; never changed, only corrected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct IncidentEntry {
    pub id: Uuid,
    pub incident_id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub author_id: Uuid,
    pub kind: mamori_domain::incidents::EntryKind,
    pub body: String,
    pub corrects_id: Option<Uuid>,
}

/// A customer complaint (顧客クレーム記録, HR-4.2.7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Complaint {
    pub id: Uuid,
    /// CMP-2026-0003
    pub ref_no: String,
    pub customer: String,
    pub content: String,
    #[serde(with = "time::serde::rfc3339")]
    pub received_at: OffsetDateTime,
    /// The 顧客情報管理責任者 who logged it.
    pub manager_id: Uuid,
    #[serde(with = "time::serde::rfc3339::option")]
    pub first_report_at: Option<OffsetDateTime>,
    /// Customer information was leaked (HR-4.2.7(2)).
    pub leak: bool,
    /// The company's position, once settled.
    pub position: Option<String>,
    pub stakeholders_notified_on: Option<time::Date>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub closed_at: Option<OffsetDateTime>,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ComplaintUpdate {
    pub id: Uuid,
    pub complaint_id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub author_id: Uuid,
    pub body: String,
}

#[async_trait]
pub trait IncidentRepo: Send + Sync {
    async fn systems(&self) -> Result<Vec<SystemRecord>, StoreError>;
    /// Inserts (version 1) or updates (stored version `s.version - 1`).
    async fn save_system(&self, s: &SystemRecord, audit: AuditDraft) -> Result<(), StoreError>;
    /// Stores a new incident (its number is allocated here) with its
    /// systems, attachments and notices.
    async fn insert_incident(
        &self,
        i: &Incident,
        systems: &[Uuid],
        attachments: &[Uuid],
        notices: &[Notice],
        audit: AuditDraft,
    ) -> Result<Incident, StoreError>;
    /// Saves an incident whose stored version is `i.version - 1`; replaces
    /// its systems when given; adds timeline entries and notices.
    async fn update_incident(
        &self,
        i: &Incident,
        systems: Option<&[Uuid]>,
        entries: &[IncidentEntry],
        notices: &[Notice],
        audit: AuditDraft,
    ) -> Result<(), StoreError>;
    /// Stores incidents as they stand (numbers given), with their systems
    /// (incident, system) and timelines, in one transaction with one audit event.
    async fn insert_incidents(
        &self,
        incidents: &[Incident],
        systems: &[(Uuid, Uuid)],
        entries: &[IncidentEntry],
        audit: AuditDraft,
    ) -> Result<(), StoreError>;
    /// A page of incidents, newest report first.
    async fn incidents(&self, f: &IncidentFilter) -> Result<Page<Incident>, StoreError>;
    /// Incidents that are not closed (the recovery alerts look at these).
    async fn unclosed_incidents(&self) -> Result<Vec<Incident>, StoreError>;
    /// The given incidents that exist, in report order.
    async fn incidents_by_id(&self, ids: &[Uuid]) -> Result<Vec<Incident>, StoreError>;
    /// The facts of every incident that the statistics count.
    async fn incident_facts(&self) -> Result<Vec<IncidentFacts>, StoreError>;
    /// Incidents a person leads that are neither recovered nor closed.
    async fn open_incidents_led_by(&self, lead_id: Uuid) -> Result<Vec<Incident>, StoreError>;
    async fn incident(&self, id: Uuid) -> Result<Incident, StoreError>;
    async fn incident_systems(&self, id: Uuid) -> Result<Vec<Uuid>, StoreError>;
    async fn incident_attachments(&self, id: Uuid) -> Result<Vec<Uuid>, StoreError>;
    async fn incident_entries(&self, id: Uuid) -> Result<Vec<IncidentEntry>, StoreError>;
    /// The incident an evidence file belongs to, if any.
    async fn incident_of_attachment(&self, attachment_id: Uuid)
    -> Result<Option<Uuid>, StoreError>;
    async fn insert_complaint(
        &self,
        c: &Complaint,
        audit: AuditDraft,
    ) -> Result<Complaint, StoreError>;
    /// Saves a complaint whose stored version is `c.version - 1`, with an update line and notices.
    async fn update_complaint(
        &self,
        c: &Complaint,
        update: Option<&ComplaintUpdate>,
        notices: &[Notice],
        audit: AuditDraft,
    ) -> Result<(), StoreError>;
    async fn complaints(&self) -> Result<Vec<Complaint>, StoreError>;
    /// A manager's complaints not yet reported to the committee, oldest first.
    async fn complaints_to_report(&self, manager_id: Uuid) -> Result<Vec<Complaint>, StoreError>;
    /// A page of complaints, newest first, and how many there are in all.
    async fn complaints_page(
        &self,
        limit: u32,
        offset: u32,
    ) -> Result<(Vec<Complaint>, u64), StoreError>;
    async fn complaint(&self, id: Uuid) -> Result<Complaint, StoreError>;
    async fn complaint_updates(&self, id: Uuid) -> Result<Vec<ComplaintUpdate>, StoreError>;
    async fn procedures(&self) -> Result<Vec<ResponseProcedure>, StoreError>;
    /// Inserts (version 1) or updates (stored version `p.version - 1`).
    async fn save_procedure(
        &self,
        p: &ResponseProcedure,
        audit: AuditDraft,
    ) -> Result<(), StoreError>;
    async fn drills(&self, procedure_id: Option<Uuid>) -> Result<Vec<Drill>, StoreError>;
    async fn add_drill(&self, d: &Drill, audit: AuditDraft) -> Result<(), StoreError>;
}

/// A prepared response procedure (インシデント対応手順, RT37).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ResponseProcedure {
    pub id: Uuid,
    pub name: String,
    /// The incident kinds it covers.
    pub kinds: Vec<mamori_domain::incidents::Kind>,
    /// When the response organisation starts (INC-4.1(1)).
    pub start_trigger: String,
    /// When it ends.
    pub end_trigger: String,
    /// Roles and responsibilities of the response organisation.
    pub roles: String,
    /// The 実行責任者 the procedure names.
    pub lead_id: Option<Uuid>,
    pub internal_contacts: String,
    /// External contacts and cooperating bodies.
    pub external_contacts: String,
    /// The periodic duty that brings its drills (INC-4.1(2)).
    pub drill_duty_id: Option<Uuid>,
    pub version: i64,
}

/// A drill of a procedure (訓練記録, RT38).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Drill {
    pub id: Uuid,
    pub procedure_id: Uuid,
    pub held_on: time::Date,
    pub scenario: String,
    pub participants: String,
    /// Problems found in the procedure.
    pub problems: String,
    /// What was changed because of them.
    pub changes: String,
    pub recorded_by: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
}

#[cfg(test)]
mod tests {
    use super::{Page, ReadingTally, Uuid};

    #[test]
    fn a_page_is_cut_at_its_limit_and_says_where_the_next_starts() {
        let p = Page::cut(vec![1, 2, 3, 4], 3, |n| n.to_string());
        assert_eq!((p.items, p.next_cursor), (vec![1, 2, 3], Some("3".into())));
        let last = Page::cut(vec![1, 2], 3, |n| n.to_string());
        assert_eq!((last.items, last.next_cursor), (vec![1, 2], None));
        let exact = Page::cut(vec![1, 2, 3], 3, |n| n.to_string());
        assert_eq!(exact.next_cursor, None);
    }

    #[test]
    fn a_tally_at_a_moment() {
        let t = ReadingTally {
            version_id: Uuid::nil(),
            readers: 10,
            open: 4,
            exempted: 1,
        };
        let c = t.at(3);
        assert_eq!(
            (c.done, c.pending, c.overdue, c.exempted),
            (5, 1, 3, 1),
            "every reader counted once"
        );
        // More overdue than open (records changed between the two counts)
        // never makes a negative count.
        assert_eq!((t.at(9).pending, t.at(9).overdue), (0, 4));
        // Versions with no overdue check are counted with none.
        let other = ReadingTally {
            version_id: Uuid::from_u128(1),
            ..t
        };
        let all = ReadingTally::all_at(&[t, other], vec![(Uuid::from_u128(1), 2)]);
        assert_eq!(
            all.iter()
                .map(|c| (c.overdue, c.pending))
                .collect::<Vec<_>>(),
            vec![(0, 4), (2, 2)]
        );
    }
}
