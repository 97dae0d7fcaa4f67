//! The audit trail for the 事務局 and 監査人: filter, page, export as JSON
//! Lines with the head hash, and verify the chain.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use mamori_app::Permission;
use mamori_app::audit::Verification;
use mamori_app::ports::AuditFilter;
use mamori_domain::audit::AuditEvent;
use serde::Deserialize;

use super::{Ui, local_time, page};
use crate::AppState;
use crate::error::{UiError, UiResultExt};
use crate::routes;
use crate::session::Signed;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(routes::AUDIT, get(audit_page))
        .route(routes::AUDIT_EXPORT, get(export))
        .route(routes::AUDIT_VERIFY, post(verify))
}

#[derive(Deserialize, Default, Clone)]
pub struct AuditQuery {
    pub action: Option<String>,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub actor: Option<String>,
    pub from: Option<String>,
    pub until: Option<String>,
    pub before: Option<i64>,
}

fn nonempty(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn day_start(s: &Option<String>) -> Option<time::OffsetDateTime> {
    let d = mamori_app::org::parse_date("from", nonempty(s).as_deref())
        .ok()
        .flatten()?;
    Some(d.midnight().assume_offset(mamori_app::ORG_OFFSET))
}

impl AuditQuery {
    pub fn filter(&self, limit: u32) -> AuditFilter {
        AuditFilter {
            action: nonempty(&self.action),
            entity_type: nonempty(&self.entity_type),
            entity_id: nonempty(&self.entity_id),
            actor_id: nonempty(&self.actor).and_then(|a| a.parse().ok()),
            from: day_start(&self.from),
            until: day_start(&self.until).map(|t| t + time::Duration::days(1)),
            before_seq: self.before,
            limit,
        }
    }
}

struct EventRow {
    e: AuditEvent,
    at: String,
}

#[derive(Template)]
#[template(path = "audit/audit_page.html")]
struct AuditPage {
    ui: Ui,
    rows: Vec<EventRow>,
    q: AuditQuery,
    next_before: Option<i64>,
    verification: Option<Verification>,
}

impl AuditPage {
    fn v(s: &Option<String>) -> String {
        s.clone().unwrap_or_default()
    }
    fn next_link(&self, before: &i64) -> String {
        let mut l = format!("{}?before={before}", routes::AUDIT);
        for (k, v) in [
            ("action", &self.q.action),
            ("entity_type", &self.q.entity_type),
            ("entity_id", &self.q.entity_id),
            ("actor", &self.q.actor),
            ("from", &self.q.from),
            ("until", &self.q.until),
        ] {
            if let Some(v) = nonempty(v) {
                l.push_str(&format!("&{k}={}", crate::session::urlencode(&v)));
            }
        }
        l
    }
    fn export_link(&self) -> String {
        self.next_link(&i64::MAX)
            .replacen(routes::AUDIT, routes::AUDIT_EXPORT, 1)
    }
}

const PAGE: u32 = 50;

/// The filter, with "who" given as an e-mail address resolved to the person.
async fn filter_for(
    state: &AppState,
    s: &Signed,
    q: &AuditQuery,
    limit: u32,
) -> Result<AuditFilter, UiError> {
    let mut filter = q.filter(limit);
    if let Some(who) = nonempty(&q.actor).filter(|w| w.contains('@')) {
        let person = state.app.person_by_email(&s.s.actor, &who).await.ui(s.tr)?;
        // Nobody with that address: match nothing rather than everything.
        filter.actor_id = Some(person.map(|p| p.id).unwrap_or_else(uuid::Uuid::max));
    }
    Ok(filter)
}

async fn view(
    state: &AppState,
    s: &Signed,
    q: AuditQuery,
    verification: Option<Verification>,
) -> Result<AuditPage, UiError> {
    let events = state
        .app
        .audit_events(&s.s.actor, &filter_for(state, s, &q, PAGE).await?)
        .await
        .ui(s.tr)?;
    let next_before = (events.len() == PAGE as usize)
        .then(|| events.last().map(|e| e.seq))
        .flatten();
    Ok(AuditPage {
        ui: Ui::for_signed(s, state),
        rows: events
            .into_iter()
            .map(|e| EventRow {
                at: local_time(&e.occurred_at),
                e,
            })
            .collect(),
        q,
        next_before,
        verification,
    })
}

async fn audit_page(
    State(state): State<AppState>,
    s: Signed,
    Query(q): Query<AuditQuery>,
) -> Result<Response, UiError> {
    Ok(page(&view(&state, &s, q, None).await?))
}

async fn export(
    State(state): State<AppState>,
    s: Signed,
    Query(mut q): Query<AuditQuery>,
) -> Result<Response, UiError> {
    q.before = None;
    let body = state
        .app
        .audit_export(&s.s.actor, &filter_for(&state, &s, &q, 1000).await?)
        .await
        .ui(s.tr)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/x-ndjson; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"mamori-audit.jsonl\"",
            ),
        ],
        body,
    )
        .into_response())
}

async fn verify(State(state): State<AppState>, s: Signed) -> Result<Response, UiError> {
    s.s.actor.require(Permission::ViewAudit).ui(s.tr)?;
    let v = state.app.verify_audit_chain().await.ui(s.tr)?;
    Ok(page(
        &view(&state, &s, AuditQuery::default(), Some(v)).await?,
    ))
}
