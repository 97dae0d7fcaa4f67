//! mamori's use-cases and the ports they need. Every use-case takes the
//! acting person, checks what they may do, validates input into domain
//! types, and writes through a port together with its audit event.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::todo,
        clippy::unimplemented
    )
)]

pub mod access;
pub mod audit;
pub mod auth;
pub mod checklists;
pub mod committee;
pub mod compliance;
pub mod delivery;
pub mod demo;
pub mod documents;
pub mod duties;
pub mod error;
pub mod incidents;
pub mod org;
pub mod org_import;
pub mod ports;
pub mod risk;
pub mod settings;
mod snapshot;
pub mod workflow;

use std::sync::Arc;

use serde::Serialize;
use time::OffsetDateTime;

pub use access::{Actor, Permission, Via};
pub use error::{AppError, AppResult};
use ports::{AuditDraft, Clock, Store};

/// The application: storage and clock behind ports.
#[derive(Clone)]
pub struct App {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    /// Where people reach mamori, for links in e-mail and calendars.
    pub base_url: Arc<str>,
    /// Whole-company figures kept while nothing changes.
    snapshots: Arc<snapshot::Snapshots>,
}

impl App {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> App {
        App {
            store,
            clock,
            base_url: Arc::from("http://127.0.0.1:8080"),
            snapshots: Arc::default(),
        }
    }

    pub fn with_base_url(mut self, url: &str) -> App {
        self.base_url = Arc::from(url.trim_end_matches('/'));
        self
    }

    /// An absolute link to a path of the UI.
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    /// The state of the data and the minute, for the kept figures.
    async fn snapshot_key(&self) -> AppResult<snapshot::Key> {
        let (head, _) = self.store.head().await?;
        Ok(self.key_at(head))
    }

    fn key_at(&self, head: i64) -> snapshot::Key {
        snapshot::Key {
            head,
            minute: self.now().unix_timestamp().div_euclid(60),
        }
    }

    /// The audit chain's head the actor's request was signed in at, or read
    /// now when it is not known.
    async fn head_for(&self, actor: &Actor) -> AppResult<i64> {
        Ok(match actor.state {
            Some(head) => head,
            None => self.store.head().await?.0,
        })
    }

    /// A whole-company figure kept in `slot` while nothing has changed (see
    /// `snapshot`), computed once by `compute` when the data or the minute
    /// moved.
    async fn kept<T, F, Fut>(&self, slot: &snapshot::Snapshot<T>, compute: F) -> AppResult<Arc<T>>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = AppResult<T>>,
    {
        slot.get_or_compute(self.snapshot_key().await?, compute)
            .await
    }

    /// A figure that does not depend on the clock, for a view that only
    /// reads: kept in `slot` for the state of the data the actor's request
    /// was signed in at (no second read of the chain's head).
    async fn kept_for<T, F, Fut>(
        &self,
        actor: &Actor,
        slot: &snapshot::Snapshot<T, i64>,
        compute: F,
    ) -> AppResult<Arc<T>>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = AppResult<T>>,
    {
        slot.get_or_compute(self.head_for(actor).await?, compute)
            .await
    }

    /// How many records match a list's filter (`what`: the list and the
    /// filter's description), counted once per state of the data (the one
    /// the request was signed in at, when known).
    async fn kept_count<F>(&self, actor: &Actor, what: String, count: F) -> AppResult<u64>
    where
        F: std::future::Future<Output = Result<u64, ports::StoreError>>,
    {
        let head = self.head_for(actor).await?;
        let counts = &self.snapshots.counts;
        if let Some(n) = counts.get(head, &what) {
            return Ok(n);
        }
        let n = count.await?;
        counts.put(head, what, n);
        Ok(n)
    }

    pub fn today(&self) -> time::Date {
        // Dates of the organisation are kept in its zone (Asia/Tokyo, UTC+9).
        self.now().to_offset(ORG_OFFSET).date()
    }

    /// An audit event by `actor` (None = the system).
    pub fn draft(
        &self,
        actor: Option<&Actor>,
        action: &str,
        entity_type: &str,
        entity_id: Option<String>,
    ) -> AuditDraft {
        AuditDraft {
            occurred_at: self.now(),
            actor_id: actor.map(Actor::id),
            actor_label: actor.map(Actor::label).unwrap_or_else(|| "system".into()),
            action: action.into(),
            entity_type: entity_type.into(),
            entity_id,
            before: None,
            after: None,
            detail: None,
        }
    }
}

/// The organisation's time zone offset (Japan has no daylight saving).
pub const ORG_OFFSET: time::UtcOffset = time::macros::offset!(+9);

/// JSON text of a record for the audit trail.
pub fn snapshot<T: Serialize>(v: &T) -> Option<String> {
    serde_json::to_string(v).ok()
}

trait DraftExt {
    fn before<T: Serialize>(self, v: &T) -> Self;
    fn after<T: Serialize>(self, v: &T) -> Self;
    fn detail(self, d: impl Into<String>) -> Self;
}

impl DraftExt for AuditDraft {
    fn before<T: Serialize>(mut self, v: &T) -> Self {
        self.before = snapshot(v);
        self
    }
    fn after<T: Serialize>(mut self, v: &T) -> Self {
        self.after = snapshot(v);
        self
    }
    fn detail(mut self, d: impl Into<String>) -> Self {
        self.detail = Some(d.into());
        self
    }
}
