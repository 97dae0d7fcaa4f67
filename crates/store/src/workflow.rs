//! Requests and their history, the inbox, the mail outbox and the
//! scheduler's slot claims (M4, M17). Notices are written with the change
//! that causes them and are unique by their key, so several nodes never
//! store or mail the same notice twice.

use async_trait::async_trait;
use mamori_app::ports::{
    AuditDraft, InboxItem, Notice, OutboxStats, OutgoingMail, QueuedMail, RequestEvent,
    RequestFilter, RequestRecord, StoreError, WorkflowRepo,
};
use mamori_domain::workflow::RequestState;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::SqlStore;
use crate::audit::append_in;
use crate::db::{DbKind, Tx};
use crate::sql::Stmt;

#[derive(sqlx::FromRow)]
struct RequestRow {
    id: Uuid,
    ref_no: String,
    kind: String,
    requester_id: Uuid,
    department_id: Option<Uuid>,
    title: String,
    document: Option<String>,
    clause: Option<String>,
    details: String,
    valid_from: Option<Date>,
    valid_until: Option<Date>,
    state: String,
    step: i64,
    round: i64,
    step_due_at: OffsetDateTime,
    conditions: Option<String>,
    version: i64,
    created_at: OffsetDateTime,
    decided_at: Option<OffsetDateTime>,
}

impl TryFrom<RequestRow> for RequestRecord {
    type Error = StoreError;
    fn try_from(r: RequestRow) -> Result<Self, StoreError> {
        Ok(RequestRecord {
            state: RequestState::parse(&r.state)
                .ok_or_else(|| StoreError::Other(format!("unknown state {}", r.state)))?,
            id: r.id,
            ref_no: r.ref_no,
            kind: r.kind,
            requester_id: r.requester_id,
            department_id: r.department_id,
            title: r.title,
            document: r.document,
            clause: r.clause,
            details: r.details,
            valid_from: r.valid_from,
            valid_until: r.valid_until,
            step: r.step,
            round: r.round,
            step_due_at: r.step_due_at,
            conditions: r.conditions,
            version: r.version,
            created_at: r.created_at,
            decided_at: r.decided_at,
        })
    }
}

const REQUEST_COLS: &str = "id, ref_no, kind, requester_id, department_id, title, document, clause, details, valid_from, \
    valid_until, state, step, round, step_due_at, conditions, version, created_at, decided_at";

#[derive(sqlx::FromRow)]
struct EventRow {
    id: Uuid,
    request_id: Uuid,
    at: OffsetDateTime,
    actor_id: Option<Uuid>,
    actor_label: String,
    action: String,
    step: i64,
    round: i64,
    comment: Option<String>,
    on_behalf_of: Option<Uuid>,
}

#[derive(sqlx::FromRow)]
struct InboxRow {
    id: Uuid,
    kind: String,
    title: String,
    body: String,
    link: String,
    created_at: OffsetDateTime,
    read_at: Option<OffsetDateTime>,
}

#[derive(sqlx::FromRow)]
struct MailRow {
    id: Uuid,
    attempts: i64,
    to_email: String,
    subject: String,
    body: String,
    dedupe_key: String,
}

#[derive(sqlx::FromRow)]
struct Last {
    last: i64,
}

#[derive(sqlx::FromRow)]
struct StateCount {
    state: String,
    n: i64,
}

#[derive(sqlx::FromRow)]
struct ModeRow {
    notify_mode: String,
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    person_id: Uuid,
    calendar_token_hash: Option<String>,
}

/// The next readable number `PREFIX-YEAR-NNNN` (year in Japan time), in the caller's transaction.
pub(crate) async fn next_ref_in(
    tx: &mut Tx,
    prefix: &str,
    at: OffsetDateTime,
) -> Result<String, StoreError> {
    let year = i64::from(at.to_offset(time::macros::offset!(+9)).year());
    let counter: Last = tx
        .fetch_one(
            &Stmt::new(
                "INSERT INTO ref_counters (prefix, year, last) VALUES (?, ?, 1) \
                 ON CONFLICT (prefix, year) DO UPDATE SET last = ref_counters.last + 1 RETURNING last",
            )
            .bind(prefix)
            .bind(year),
        )
        .await?;
    Ok(format!("{prefix}-{year}-{:04}", counter.last))
}

/// The conditions of a request filter.
fn request_filter(mut s: Stmt, f: &RequestFilter) -> Stmt {
    if let Some(p) = f.requester_id {
        s = s.push_bind(" AND requester_id = ?", p);
    }
    if let Some(k) = &f.kind {
        s = s.push_bind(" AND kind = ?", k.as_str());
    }
    if f.open_only {
        s = s.push(" AND state IN ('in_review', 'returned')");
    }
    s
}

/// Inserts many rows with multi-row statements in the caller's transaction:
/// `head` is `INSERT INTO t (a, b, …)` and `bind` binds the `cols` values of
/// one row. Full statements have one text, so each engine prepares it once.
pub(crate) async fn insert_rows<T>(
    tx: &mut Tx,
    head: &str,
    cols: usize,
    rows: &[T],
    bind: impl Fn(Stmt, &T) -> Result<Stmt, StoreError>,
) -> Result<(), StoreError> {
    // SQLite takes up to 32,766 parameters per statement, PostgreSQL 65,535.
    let per = (30_000 / cols.max(1)).clamp(1, 500);
    let row = format!("({})", vec!["?"; cols].join(", "));
    for chunk in rows.chunks(per) {
        let mut s = Stmt::new(&format!(
            "{head} VALUES {}",
            vec![row.as_str(); chunk.len()].join(", ")
        ));
        for r in chunk {
            s = bind(s, r)?;
        }
        tx.execute(&s).await?;
    }
    Ok(())
}

const REQUEST_INSERT: &str = "INSERT INTO requests (id, ref_no, kind, requester_id, department_id, title, document, clause, \
    details, valid_from, valid_until, state, step, round, step_due_at, conditions, version, created_at, decided_at, updated_at)";

/// The 20 values of a request row as `REQUEST_INSERT` names them.
fn request_values(s: Stmt, r: &RequestRecord, updated_at: OffsetDateTime) -> Stmt {
    s.bind(r.id)
        .bind(r.ref_no.as_str())
        .bind(r.kind.as_str())
        .bind(r.requester_id)
        .bind(r.department_id)
        .bind(r.title.as_str())
        .bind(r.document.clone())
        .bind(r.clause.clone())
        .bind(r.details.as_str())
        .bind(r.valid_from)
        .bind(r.valid_until)
        .bind(r.state.id())
        .bind(r.step)
        .bind(r.round)
        .bind(r.step_due_at)
        .bind(r.conditions.clone())
        .bind(r.version)
        .bind(r.created_at)
        .bind(r.decided_at)
        .bind(updated_at)
}

const EVENT_INSERT: &str = "INSERT INTO request_events (id, request_id, at, actor_id, actor_label, action, step, round, \
    comment, on_behalf_of)";

fn event_values(s: Stmt, e: &RequestEvent) -> Stmt {
    s.bind(e.id)
        .bind(e.request_id)
        .bind(e.at)
        .bind(e.actor_id)
        .bind(e.actor_label.as_str())
        .bind(e.action.as_str())
        .bind(e.step)
        .bind(e.round)
        .bind(e.comment.clone())
        .bind(e.on_behalf_of)
}

async fn insert_event_in(tx: &mut Tx, e: &RequestEvent) -> Result<(), StoreError> {
    insert_rows(tx, EVENT_INSERT, 10, std::slice::from_ref(e), |s, e| {
        Ok(event_values(s, e))
    })
    .await
}

/// Stores the notices not stored before and queues their mails; returns how many were new.
pub(crate) async fn notices_in(
    tx: &mut Tx,
    notices: &[Notice],
    now: OffsetDateTime,
) -> Result<u64, StoreError> {
    let mut added = 0;
    for n in notices {
        let new = tx
            .execute(
                &Stmt::new(
                    "INSERT INTO notifications (id, person_id, dedupe_key, kind, title, body, link, created_at) \
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING",
                )
                .bind(Uuid::now_v7())
                .bind(n.person_id)
                .bind(n.dedupe_key.as_str())
                .bind(n.kind.as_str())
                .bind(n.title.as_str())
                .bind(n.body.as_str())
                .bind(n.link.as_str())
                .bind(now),
            )
            .await?;
        added += new;
        if new == 0 {
            continue;
        }
        if let Some(to) = &n.mail_to {
            tx.execute(
                &Stmt::new(
                    "INSERT INTO outbox (id, dedupe_key, person_id, to_email, subject, body, state, attempts, next_attempt_at, created_at) \
                     VALUES (?, ?, ?, ?, ?, ?, 'queued', 0, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING",
                )
                .bind(Uuid::now_v7())
                .bind(n.dedupe_key.as_str())
                .bind(n.person_id)
                .bind(to.as_str())
                .bind(n.title.as_str())
                .bind(format!("{}\n\n{}", n.body, n.link))
                .bind(now)
                .bind(now),
            )
            .await?;
        }
    }
    Ok(added)
}

#[async_trait]
impl WorkflowRepo for SqlStore {
    async fn insert_request(
        &self,
        r: &RequestRecord,
        prefix: &str,
        event: &RequestEvent,
        notices: &[Notice],
        audit: AuditDraft,
    ) -> Result<RequestRecord, StoreError> {
        let mut tx = self.db.begin().await?;
        let ref_no = next_ref_in(&mut tx, prefix, r.created_at).await?;
        let mut r = r.clone();
        r.ref_no = ref_no;
        let created = r.created_at;
        insert_rows(
            &mut tx,
            REQUEST_INSERT,
            20,
            std::slice::from_ref(&r),
            |s, r| Ok(request_values(s, r, created)),
        )
        .await?;
        insert_event_in(&mut tx, event).await?;
        let notices: Vec<Notice> = notices.iter().map(|n| with_ref(n, &r.ref_no)).collect();
        notices_in(&mut tx, &notices, r.created_at).await?;
        let mut audit = audit;
        audit.detail = Some(r.ref_no.clone());
        audit.after = serde_json_string(&r);
        append_in(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(r)
    }

    async fn insert_requests(
        &self,
        requests: &[RequestRecord],
        events: &[RequestEvent],
        audit: AuditDraft,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        let now = audit.occurred_at;
        insert_rows(&mut tx, REQUEST_INSERT, 20, requests, |s, r| {
            Ok(request_values(s, r, now))
        })
        .await?;
        insert_rows(&mut tx, EVENT_INSERT, 10, events, |s, e| {
            Ok(event_values(s, e))
        })
        .await?;
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }

    async fn update_request(
        &self,
        r: &RequestRecord,
        event: &RequestEvent,
        notices: &[Notice],
        audit: AuditDraft,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        let n = tx
            .execute(
                &Stmt::new(
                    "UPDATE requests SET title = ?, document = ?, clause = ?, details = ?, valid_from = ?, valid_until = ?, \
                     state = ?, step = ?, round = ?, step_due_at = ?, conditions = ?, version = ?, updated_at = ?, decided_at = ? \
                     WHERE id = ? AND version = ?",
                )
                .bind(r.title.as_str())
                .bind(r.document.clone())
                .bind(r.clause.clone())
                .bind(r.details.as_str())
                .bind(r.valid_from)
                .bind(r.valid_until)
                .bind(r.state.id())
                .bind(r.step)
                .bind(r.round)
                .bind(r.step_due_at)
                .bind(r.conditions.clone())
                .bind(r.version)
                .bind(event.at)
                .bind(r.decided_at)
                .bind(r.id)
                .bind(r.version - 1),
            )
            .await?;
        if n != 1 {
            return Err(StoreError::Stale);
        }
        insert_event_in(&mut tx, event).await?;
        notices_in(&mut tx, notices, event.at).await?;
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }

    async fn request(&self, id: Uuid) -> Result<RequestRecord, StoreError> {
        let row: RequestRow = self
            .db
            .fetch_one(
                &Stmt::new(&format!("SELECT {REQUEST_COLS} FROM requests WHERE id = ?")).bind(id),
            )
            .await?;
        row.try_into()
    }

    async fn requests(&self, f: &RequestFilter) -> Result<Vec<RequestRecord>, StoreError> {
        let s = request_filter(
            Stmt::new(&format!("SELECT {REQUEST_COLS} FROM requests WHERE 1 = 1")),
            f,
        )
        .push(" ORDER BY created_at DESC, id DESC")
        .limit(f.limit.clamp(1, 1000))
        .push_bind(" OFFSET ?", i64::from(f.offset));
        let rows: Vec<RequestRow> = self.db.fetch_all(&s).await?;
        rows.into_iter().map(RequestRecord::try_from).collect()
    }

    async fn request_count(&self, f: &RequestFilter) -> Result<u64, StoreError> {
        self.count(&request_filter(
            Stmt::new("SELECT COUNT(*) AS n FROM requests WHERE 1 = 1"),
            f,
        ))
        .await
    }

    async fn live_requests(&self) -> Result<Vec<RequestRecord>, StoreError> {
        let rows: Vec<RequestRow> = self
            .db
            .fetch_all(&Stmt::new(&format!(
                "SELECT {REQUEST_COLS} FROM requests WHERE state = 'in_review' \
                 OR (state = 'approved' AND valid_until IS NOT NULL) ORDER BY step_due_at, id"
            )))
            .await?;
        rows.into_iter().map(RequestRecord::try_from).collect()
    }

    async fn requests_in_review(&self) -> Result<Vec<RequestRecord>, StoreError> {
        let rows: Vec<RequestRow> = self
            .db
            .fetch_all(&Stmt::new(&format!(
                "SELECT {REQUEST_COLS} FROM requests WHERE state = 'in_review' ORDER BY step_due_at, id"
            )))
            .await?;
        rows.into_iter().map(RequestRecord::try_from).collect()
    }

    async fn request_events(&self, request_id: Uuid) -> Result<Vec<RequestEvent>, StoreError> {
        let rows: Vec<EventRow> = self
            .db
            .fetch_all(
                &Stmt::new(
                    "SELECT id, request_id, at, actor_id, actor_label, action, step, round, comment, on_behalf_of \
                     FROM request_events WHERE request_id = ? ORDER BY at, id",
                )
                .bind(request_id),
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|e| RequestEvent {
                id: e.id,
                request_id: e.request_id,
                at: e.at,
                actor_id: e.actor_id,
                actor_label: e.actor_label,
                action: e.action,
                step: e.step,
                round: e.round,
                comment: e.comment,
                on_behalf_of: e.on_behalf_of,
            })
            .collect())
    }

    async fn add_notices(
        &self,
        notices: &[Notice],
        now: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        let mut tx = self.db.begin().await?;
        let n = notices_in(&mut tx, notices, now).await?;
        tx.commit().await?;
        Ok(n)
    }

    async fn inbox(&self, person_id: Uuid, limit: u32) -> Result<Vec<InboxItem>, StoreError> {
        let rows: Vec<InboxRow> = self
            .db
            .fetch_all(
                &Stmt::new(
                    "SELECT id, kind, title, body, link, created_at, read_at FROM notifications WHERE person_id = ? \
                     ORDER BY created_at DESC, id DESC",
                )
                .bind(person_id)
                .limit(limit.clamp(1, 500)),
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| InboxItem {
                id: r.id,
                kind: r.kind,
                title: r.title,
                body: r.body,
                link: r.link,
                created_at: r.created_at,
                read_at: r.read_at,
            })
            .collect())
    }

    async fn mark_read(
        &self,
        person_id: Uuid,
        id: Option<Uuid>,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut s = Stmt::new(
            "UPDATE notifications SET read_at = ? WHERE person_id = ? AND read_at IS NULL",
        )
        .bind(at)
        .bind(person_id);
        if let Some(id) = id {
            s = s.push_bind(" AND id = ?", id);
        }
        self.db.execute(&s).await.map(|_| ())
    }

    async fn claim_mail(
        &self,
        node: &str,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<QueuedMail>, StoreError> {
        // The number written into the SQL, not bound (see `Stmt::limit`).
        let pick = format!(
            "SELECT id FROM outbox WHERE state = 'queued' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT {limit}{}",
            match self.db.kind() {
                DbKind::Postgres => " FOR UPDATE SKIP LOCKED",
                DbKind::Sqlite => "",
            }
        );
        let rows: Vec<MailRow> = self
            .db
            .writer()
            .fetch_all(
                &Stmt::new(&format!(
                    "UPDATE outbox SET state = 'sending', lease_owner = ?, lease_until = ?, attempts = attempts + 1 \
                     WHERE id IN ({pick}) RETURNING id, attempts, to_email, subject, body, dedupe_key"
                ))
                .bind(node)
                .bind(now)
                .bind(now),
            )
            .await
            .map_err(crate::db::map_err)?;
        Ok(rows
            .into_iter()
            .map(|r| QueuedMail {
                id: r.id,
                attempts: r.attempts,
                mail: OutgoingMail {
                    to: r.to_email,
                    subject: r.subject,
                    body: r.body,
                    dedupe_key: r.dedupe_key,
                },
            })
            .collect())
    }

    async fn mail_sent(&self, id: Uuid, at: OffsetDateTime) -> Result<(), StoreError> {
        self.db
            .execute(
                &Stmt::new(
                    "UPDATE outbox SET state = 'sent', sent_at = ?, last_error = NULL WHERE id = ?",
                )
                .bind(at)
                .bind(id),
            )
            .await
            .map(|_| ())
    }

    async fn mail_failed(
        &self,
        id: Uuid,
        error: &str,
        retry_at: Option<OffsetDateTime>,
    ) -> Result<(), StoreError> {
        let s = match retry_at {
            Some(t) => Stmt::new("UPDATE outbox SET state = 'queued', next_attempt_at = ?, last_error = ?, lease_owner = NULL WHERE id = ?")
                .bind(t)
                .bind(error)
                .bind(id),
            None => Stmt::new("UPDATE outbox SET state = 'failed', last_error = ? WHERE id = ?").bind(error).bind(id),
        };
        self.db.execute(&s).await.map(|_| ())
    }

    async fn outbox_stats(&self) -> Result<OutboxStats, StoreError> {
        let rows: Vec<StateCount> = self
            .db
            .fetch_all(&Stmt::new(
                "SELECT state, COUNT(*) AS n FROM outbox GROUP BY state",
            ))
            .await?;
        let mut s = OutboxStats::default();
        for r in rows {
            match r.state.as_str() {
                "queued" => s.queued = r.n,
                "sending" => s.sending = r.n,
                "sent" => s.sent = r.n,
                _ => s.failed += r.n,
            }
        }
        Ok(s)
    }

    async fn claim_slot(
        &self,
        job: &str,
        slot: &str,
        node: &str,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let n = self
            .db
            .execute(
                &Stmt::new("INSERT INTO job_claims (job, slot, node, claimed_at) VALUES (?, ?, ?, ?) ON CONFLICT (job, slot) DO NOTHING")
                    .bind(job)
                    .bind(slot)
                    .bind(node)
                    .bind(now),
            )
            .await?;
        Ok(n == 1)
    }

    async fn notify_mode(&self, person_id: Uuid) -> Result<Option<String>, StoreError> {
        let row: Option<ModeRow> = self
            .db
            .fetch_optional(
                &Stmt::new("SELECT notify_mode FROM person_settings WHERE person_id = ?")
                    .bind(person_id),
            )
            .await?;
        Ok(row.map(|r| r.notify_mode))
    }

    async fn set_person_settings(
        &self,
        person_id: Uuid,
        notify_mode: &str,
        calendar_token_hash: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.db
            .execute(
                &Stmt::new(
                    "INSERT INTO person_settings (person_id, notify_mode, calendar_token_hash, updated_at) VALUES (?, ?, ?, ?) \
                     ON CONFLICT (person_id) DO UPDATE SET notify_mode = excluded.notify_mode, \
                     calendar_token_hash = excluded.calendar_token_hash, updated_at = excluded.updated_at",
                )
                .bind(person_id)
                .bind(notify_mode)
                .bind(calendar_token_hash)
                .bind(now),
            )
            .await
            .map(|_| ())
    }

    async fn person_by_calendar_token(&self, token_hash: &str) -> Result<Option<Uuid>, StoreError> {
        let row: Option<TokenRow> = self
            .db
            .fetch_optional(
                &Stmt::new("SELECT person_id, calendar_token_hash FROM person_settings WHERE calendar_token_hash = ?").bind(token_hash),
            )
            .await?;
        Ok(row.map(|r| r.person_id))
    }

    async fn calendar_token_hash(&self, person_id: Uuid) -> Result<Option<String>, StoreError> {
        let row: Option<TokenRow> = self
            .db
            .fetch_optional(&Stmt::new("SELECT person_id, calendar_token_hash FROM person_settings WHERE person_id = ?").bind(person_id))
            .await?;
        Ok(row.and_then(|r| r.calendar_token_hash))
    }
}

/// Notices written with a new request learn its number (`{ref}` in the text).
fn with_ref(n: &Notice, ref_no: &str) -> Notice {
    Notice {
        dedupe_key: n.dedupe_key.replace("{ref}", ref_no),
        title: n.title.replace("{ref}", ref_no),
        body: n.body.replace("{ref}", ref_no),
        ..n.clone()
    }
}

fn serde_json_string<T: serde::Serialize>(v: &T) -> Option<String> {
    serde_json::to_string(v).ok()
}
