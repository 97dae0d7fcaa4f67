//! The audit chain in the database: appended in the caller's transaction,
//! numbered and linked under the lock of the single `audit_head` row, so
//! several nodes on one PostgreSQL database still form one chain.

use std::borrow::Cow;

use async_trait::async_trait;
use mamori_app::ports::{AuditDraft, AuditFilter, AuditRepo, StoreError};
use mamori_domain::audit::AuditEvent;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::SqlStore;
use crate::db::{DbKind, Tx};
use crate::sql::{Stmt, parse_sqlite_timestamp};

#[derive(sqlx::FromRow)]
struct Head {
    seq: i64,
    hash: String,
}

#[derive(sqlx::FromRow)]
struct EventRow {
    seq: i64,
    occurred_at: OffsetDateTime,
    actor_id: Option<Uuid>,
    actor_label: String,
    action: String,
    entity_type: String,
    entity_id: Option<String>,
    before: Option<String>,
    after: Option<String>,
    detail: Option<String>,
    prev_hash: String,
    hash: String,
}

impl From<EventRow> for AuditEvent {
    fn from(r: EventRow) -> AuditEvent {
        AuditEvent {
            seq: r.seq,
            occurred_at: r.occurred_at,
            actor_id: r.actor_id,
            actor_label: r.actor_label,
            action: r.action,
            entity_type: r.entity_type,
            entity_id: r.entity_id,
            before: r.before,
            after: r.after,
            detail: r.detail,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

const COLUMNS: &str = "seq, occurred_at, actor_id, actor_label, action, entity_type, entity_id, before, after, detail, prev_hash, hash";

#[derive(sqlx::FromRow)]
struct PackedRow {
    batch: String,
}

/// One event as SQLite packs it for a chain walk: the columns in order, the
/// person's id in hex (JSON holds no blobs).
#[derive(serde::Deserialize)]
struct Packed<'a>(
    i64,
    #[serde(borrow)] Cow<'a, str>,
    Option<Cow<'a, str>>,
    #[serde(borrow)] Cow<'a, str>,
    #[serde(borrow)] Cow<'a, str>,
    #[serde(borrow)] Cow<'a, str>,
    #[serde(borrow)] Option<Cow<'a, str>>,
    #[serde(borrow)] Option<Cow<'a, str>>,
    #[serde(borrow)] Option<Cow<'a, str>>,
    #[serde(borrow)] Option<Cow<'a, str>>,
    #[serde(borrow)] Cow<'a, str>,
    #[serde(borrow)] Cow<'a, str>,
);

/// A batch of the chain from SQLite in one value: sqlx hands SQLite's rows
/// over from a worker thread one by one, copying every column, and on a
/// 1,000,000-event walk that handing-over cost more than the hashing. Packed
/// as one JSON array per batch, the walk reads one value per batch.
async fn packed_batch(
    store: &SqlStore,
    after_seq: i64,
    limit: u32,
) -> Result<Vec<AuditEvent>, StoreError> {
    let row: PackedRow = store
        .db
        .fetch_one(
            &Stmt::new(
                "SELECT json_group_array(json_array(seq, occurred_at, lower(hex(actor_id)), actor_label, \
                 action, entity_type, entity_id, before, after, detail, prev_hash, hash)) AS batch \
                 FROM (SELECT * FROM audit_events WHERE seq > ? ORDER BY seq",
            )
            .bind(after_seq)
            .limit(limit)
            .push(")"),
        )
        .await?;
    let packed: Vec<Packed<'_>> = serde_json::from_str(&row.batch)
        .map_err(|e| StoreError::Other(format!("audit batch after #{after_seq}: {e}")))?;
    let mut out = Vec::with_capacity(packed.len());
    for p in packed {
        let occurred_at = parse_sqlite_timestamp(&p.1)
            .ok_or_else(|| StoreError::Other(format!("event #{}: time {}", p.0, p.1)))?;
        let actor_id = match p.2.as_deref() {
            None | Some("") => None,
            Some(h) => Some(
                Uuid::try_parse(h)
                    .map_err(|e| StoreError::Other(format!("event #{}: actor {e}", p.0)))?,
            ),
        };
        out.push(AuditEvent {
            seq: p.0,
            occurred_at,
            actor_id,
            actor_label: p.3.into_owned(),
            action: p.4.into_owned(),
            entity_type: p.5.into_owned(),
            entity_id: p.6.map(Cow::into_owned),
            before: p.7.map(Cow::into_owned),
            after: p.8.map(Cow::into_owned),
            detail: p.9.map(Cow::into_owned),
            prev_hash: p.10.into_owned(),
            hash: p.11.into_owned(),
        });
    }
    // The walk checks the order itself; keep it the stored order.
    out.sort_by_key(|e| e.seq);
    Ok(out)
}

/// The event a draft becomes, before the chain numbers and seals it.
fn unsealed(d: AuditDraft) -> AuditEvent {
    AuditEvent {
        seq: 0,
        occurred_at: d.occurred_at,
        actor_id: d.actor_id,
        actor_label: d.actor_label,
        action: d.action,
        entity_type: d.entity_type,
        entity_id: d.entity_id,
        before: d.before,
        after: d.after,
        detail: d.detail,
        prev_hash: String::new(),
        hash: String::new(),
    }
}

/// Appends one event inside `tx`.
pub(crate) async fn append_in(tx: &mut Tx, d: AuditDraft) -> Result<AuditEvent, StoreError> {
    let head: Head = tx
        .fetch_one(&Stmt::new(
            "UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash",
        ))
        .await?;
    let event = unsealed(d).seal(head.seq, &head.hash);
    tx.execute(
        &Stmt::new(&format!(
            "INSERT INTO audit_events ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ))
        .bind(event.seq)
        .bind(event.occurred_at)
        .bind(event.actor_id)
        .bind(event.actor_label.as_str())
        .bind(event.action.as_str())
        .bind(event.entity_type.as_str())
        .bind(event.entity_id.clone())
        .bind(event.before.clone())
        .bind(event.after.clone())
        .bind(event.detail.clone())
        .bind(event.prev_hash.as_str())
        .bind(event.hash.as_str()),
    )
    .await?;
    tx.execute(&Stmt::new("UPDATE audit_head SET hash = ? WHERE id = 1").bind(event.hash.as_str()))
        .await?;
    Ok(event)
}

#[async_trait]
impl AuditRepo for SqlStore {
    async fn append(&self, audit: AuditDraft) -> Result<AuditEvent, StoreError> {
        let mut tx = self.db.begin().await?;
        let e = append_in(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(e)
    }

    async fn append_many(&self, drafts: Vec<AuditDraft>) -> Result<i64, StoreError> {
        let n = i64::try_from(drafts.len()).map_err(|e| StoreError::Other(e.to_string()))?;
        let mut tx = self.db.begin().await?;
        // Reserve the numbers under the head's lock, then seal in order.
        let head: Head = tx
            .fetch_one(
                &Stmt::new("UPDATE audit_head SET seq = seq + ? WHERE id = 1 RETURNING seq, hash")
                    .bind(n),
            )
            .await?;
        let mut seq = head.seq - n;
        let mut prev = head.hash;
        const ROWS: usize = 400;
        let mut events = Vec::with_capacity(ROWS);
        let mut drafts = drafts.into_iter().peekable();
        while drafts.peek().is_some() {
            events.clear();
            for d in drafts.by_ref().take(ROWS) {
                seq += 1;
                let e = unsealed(d).seal(seq, &prev);
                prev = e.hash.clone();
                events.push(e);
            }
            let values = vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"; events.len()].join(", ");
            let mut s = Stmt::new(&format!(
                "INSERT INTO audit_events ({COLUMNS}) VALUES {values}"
            ));
            for e in &events {
                s = s
                    .bind(e.seq)
                    .bind(e.occurred_at)
                    .bind(e.actor_id)
                    .bind(e.actor_label.as_str())
                    .bind(e.action.as_str())
                    .bind(e.entity_type.as_str())
                    .bind(e.entity_id.clone())
                    .bind(e.before.clone())
                    .bind(e.after.clone())
                    .bind(e.detail.clone())
                    .bind(e.prev_hash.as_str())
                    .bind(e.hash.as_str());
            }
            tx.execute(&s).await?;
        }
        tx.execute(&Stmt::new("UPDATE audit_head SET hash = ? WHERE id = 1").bind(prev.as_str()))
            .await?;
        tx.commit().await?;
        Ok(seq)
    }

    async fn events(&self, f: &AuditFilter) -> Result<Vec<AuditEvent>, StoreError> {
        let s = event_list(f);
        let rows: Vec<EventRow> = self.db.fetch_all(&s).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn chain_batch(&self, after_seq: i64, limit: u32) -> Result<Vec<AuditEvent>, StoreError> {
        if self.db.kind() == DbKind::Sqlite {
            return packed_batch(self, after_seq, limit).await;
        }
        let s = Stmt::new(&format!(
            "SELECT {COLUMNS} FROM audit_events WHERE seq > ? ORDER BY seq"
        ))
        .bind(after_seq)
        .limit(limit);
        let rows: Vec<EventRow> = self.db.fetch_all(&s).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn head(&self) -> Result<(i64, String), StoreError> {
        let h: Head = self
            .db
            .fetch_one(&Stmt::new("SELECT seq, hash FROM audit_head WHERE id = 1"))
            .await?;
        Ok((h.seq, h.hash))
    }
}

/// Escapes LIKE wildcards in user text.
/// A page of the audit trail, newest first.
pub(crate) fn event_list(f: &AuditFilter) -> Stmt {
    let mut s = Stmt::new(&format!("SELECT {COLUMNS} FROM audit_events WHERE 1 = 1"));
    if let Some(a) = &f.action {
        s = s
            .push_bind(" AND action LIKE ?", format!("{}%", escape_like(a)))
            .push(" ESCAPE '\\'");
    }
    if let Some(t) = &f.entity_type {
        s = s.push_bind(" AND entity_type = ?", t.as_str());
    }
    if let Some(id) = &f.entity_id {
        s = s.push_bind(" AND entity_id = ?", id.as_str());
    }
    if let Some(a) = f.actor_id {
        s = s.push_bind(" AND actor_id = ?", a);
    }
    if let Some(t) = f.from {
        s = s.push_bind(" AND occurred_at >= ?", t);
    }
    if let Some(t) = f.until {
        s = s.push_bind(" AND occurred_at < ?", t);
    }
    if let Some(b) = f.before_seq {
        s = s.push_bind(" AND seq < ?", b);
    }
    s = s.push(" ORDER BY seq DESC").limit(f.limit.clamp(1, 1000));
    s
}

pub(crate) fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}
