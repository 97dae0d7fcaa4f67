//! Reading the audit trail (M3): filtered lists, JSON Lines export with the
//! chain's head hash, and verification of the whole chain.

use mamori_domain::audit::{AuditEvent, ChainBreak, ChainVerifier};
use serde::Serialize;

use crate::access::{Actor, Permission};
use crate::error::{AppError, AppResult};
use crate::ports::AuditFilter;
use crate::{App, DraftExt};

/// The outcome of walking the chain.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Verification {
    pub checked: u64,
    pub head_seq: i64,
    pub head_hash: String,
    /// The first break, if any.
    pub broken: Option<String>,
    pub broken_seq: Option<i64>,
}

const VERIFY_BATCH: u32 = 5_000;

impl App {
    pub async fn audit_events(
        &self,
        actor: &Actor,
        filter: &AuditFilter,
    ) -> AppResult<Vec<AuditEvent>> {
        actor.require(Permission::ViewAudit)?;
        Ok(self.store.events(filter).await?)
    }

    /// The chain's head: number of events and the last hash.
    pub async fn audit_head(&self, actor: &Actor) -> AppResult<(i64, String)> {
        actor.require(Permission::ViewAudit)?;
        Ok(self.store.head().await?)
    }

    /// The export: one JSON object per line, oldest first, then a last line
    /// with the head (seq and hash) the export was taken at.
    pub async fn audit_export(&self, actor: &Actor, filter: &AuditFilter) -> AppResult<String> {
        actor.require(Permission::ViewAudit)?;
        let (head_seq, head_hash) = self.store.head().await?;
        let mut events = Vec::new();
        let mut f = AuditFilter {
            limit: 1000,
            before_seq: Some(head_seq + 1),
            ..filter.clone()
        };
        loop {
            let batch = self.store.events(&f).await?;
            let Some(last) = batch.last() else { break };
            f.before_seq = Some(last.seq);
            let done = batch.len() < 1000;
            events.extend(batch);
            if done {
                break;
            }
        }
        events.reverse();
        let mut out = String::new();
        for e in &events {
            out.push_str(&serde_json::to_string(e).unwrap_or_default());
            out.push('\n');
        }
        out.push_str(&serde_json::json!({"head": {"seq": head_seq, "hash": head_hash}, "exported_at": self.now().to_string(), "events": events.len()}).to_string());
        out.push('\n');
        let d = self
            .draft(Some(actor), "audit.export", "audit", None)
            .detail(format!("{} events; head #{head_seq}", events.len()));
        self.store.append(d).await?;
        Ok(out)
    }

    /// Walks the whole chain in stored order.
    pub async fn verify_audit_chain(&self) -> AppResult<Verification> {
        let (head_seq, head_hash) = self.store.head().await?;
        let mut v = ChainVerifier::default();
        let mut batch = self.store.chain_batch(0, VERIFY_BATCH).await?;
        let broken: Option<ChainBreak> = 'walk: loop {
            let Some(last) = batch.last() else {
                break 'walk None;
            };
            // The next batch is read while this one is hashed: the database
            // works on its own thread (SQLite's worker, PostgreSQL's server)
            // and the packed batch is unpacked on another of ours.
            let store = self.store.clone();
            let after = last.seq;
            let next = tokio::spawn(async move { store.chain_batch(after, VERIFY_BATCH).await });
            for e in &batch {
                if let Err(b) = v.check(e) {
                    next.abort();
                    break 'walk Some(b);
                }
            }
            batch = next
                .await
                .map_err(|e| AppError::Internal(format!("reading the audit trail: {e}")))??;
        };
        let broken = broken.or_else(|| v.finish(head_seq, &head_hash).err());
        let broken_seq = broken.as_ref().map(|b| match b {
            ChainBreak::Altered { seq }
            | ChainBreak::Unlinked { seq }
            | ChainBreak::OutOfSequence { seq, .. } => *seq,
            ChainBreak::HeadMismatch { last_seq, .. } => last_seq + 1,
        });
        Ok(Verification {
            checked: v.checked,
            head_seq,
            head_hash,
            broken: broken.map(|b| b.to_string()),
            broken_seq,
        })
    }
}
