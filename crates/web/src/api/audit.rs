//! The audit trail over the API.

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use mamori_app::Permission;
use mamori_app::audit::Verification;
use mamori_app::ports::AuditFilter;
use mamori_domain::audit::AuditEvent;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{ApiCaller, ApiResultExt};
use crate::AppState;
use crate::error::ApiError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/audit-events", get(list_events))
        .route("/audit-events/verify", get(verify))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct EventQuery {
    /// Action prefix, e.g. `person.` or `session.sign_in`.
    pub action: Option<String>,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub actor_id: Option<Uuid>,
    /// RFC 3339 lower bound (inclusive).
    pub from: Option<String>,
    /// RFC 3339 upper bound (exclusive).
    pub until: Option<String>,
    /// Events before this sequence number (the `next_before` of the previous page).
    pub before: Option<i64>,
    /// 1–1000, default 100.
    pub limit: Option<u32>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct EventPage {
    pub items: Vec<AuditEvent>,
    pub next_before: Option<i64>,
    pub head_seq: i64,
    pub head_hash: String,
}

fn rfc3339(
    c: &ApiCaller,
    field: &'static str,
    v: Option<&str>,
) -> Result<Option<time::OffsetDateTime>, ApiError> {
    v.filter(|s| !s.is_empty())
        .map(|s| {
            time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
                .map_err(|_| c.err(mamori_app::AppError::field(field, "invalid_date")))
        })
        .transpose()
}

#[utoipa::path(get, path = "/api/v1/audit-events", tag = "audit", security(("bearer" = [])), params(EventQuery),
    responses((status = 200, body = EventPage), (status = 403, body = crate::error::Problem)))]
pub async fn list_events(
    State(s): State<AppState>,
    c: ApiCaller,
    Query(q): Query<EventQuery>,
) -> Result<Json<EventPage>, ApiError> {
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let filter = AuditFilter {
        action: q.action,
        entity_type: q.entity_type,
        entity_id: q.entity_id,
        actor_id: q.actor_id,
        from: rfc3339(&c, "from", q.from.as_deref())?,
        until: rfc3339(&c, "until", q.until.as_deref())?,
        before_seq: q.before,
        limit,
    };
    let items = s.app.audit_events(&c.actor, &filter).await.api(&c)?;
    let (head_seq, head_hash) = s.app.audit_head(&c.actor).await.api(&c)?;
    let next_before = (items.len() == limit as usize)
        .then(|| items.last().map(|e| e.seq))
        .flatten();
    Ok(Json(EventPage {
        items,
        next_before,
        head_seq,
        head_hash,
    }))
}

#[utoipa::path(get, path = "/api/v1/audit-events/verify", tag = "audit", security(("bearer" = [])),
    responses((status = 200, body = Verification), (status = 403, body = crate::error::Problem)))]
pub async fn verify(
    State(s): State<AppState>,
    c: ApiCaller,
) -> Result<Json<Verification>, ApiError> {
    c.actor.require(Permission::ViewAudit).api(&c)?;
    Ok(Json(s.app.verify_audit_chain().await.api(&c)?))
}
