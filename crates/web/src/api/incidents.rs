//! Incidents, the recovery-priority register and complaints over the API.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use mamori_app::incidents::{
    ComplaintInput, ComplaintReport, ComplaintView, IncidentStats, IncidentView, ReportInput,
    TriageInput,
};
use mamori_app::ports::{Complaint, Incident, IncidentFilter, ResponseProcedure, SystemRecord};
use mamori_domain::incidents::{Kind, State as IncidentState};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{ApiCaller, ApiResultExt};
use crate::AppState;
use crate::error::ApiError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/incidents", get(list_incidents).post(report_incident))
        .route("/incidents/stats", get(incident_stats))
        .route("/incidents/{id}", get(get_incident))
        .route("/incidents/{id}/triage", post(triage_incident))
        .route("/incidents/{id}/entries", post(add_entry))
        .route("/incidents/{id}/recovery", post(record_recovery))
        .route("/incidents/{id}/plan", post(write_plan))
        .route("/incidents/{id}/plan/publication", post(publish_plan))
        .route("/incidents/{id}/lessons", post(record_lessons))
        .route("/incidents/{id}/closure", post(close_incident))
        .route("/complaints/{id}/reports", post(report_complaint))
        .route("/systems", get(list_systems))
        .route("/response-procedures", get(list_procedures))
        .route("/complaints", get(list_complaints).post(log_complaint))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct IncidentList {
    pub items: Vec<Incident>,
    /// Pass as `after` for the next page; absent on the last.
    pub next_cursor: Option<String>,
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct IncidentQuery {
    /// reported | responding | recovered | closed
    pub state: Option<String>,
    /// leak | unauthorised_access | malware | dos | lost_device | failure | asset_threat | other
    pub kind: Option<String>,
    /// Contains, in the 管理番号 or the title.
    pub q: Option<String>,
    /// The `next_cursor` of the previous page.
    pub after: Option<String>,
    /// 1–500, default 100.
    pub limit: Option<u32>,
}

/// The incidents the caller may see, newest report first, a page at a time.
#[utoipa::path(get, path = "/api/v1/incidents", tag = "incidents", security(("bearer" = [])), params(IncidentQuery),
    responses((status = 200, body = IncidentList), (status = 422, body = crate::error::Problem)))]
pub async fn list_incidents(
    State(s): State<AppState>,
    c: ApiCaller,
    Query(q): Query<IncidentQuery>,
) -> Result<Json<IncidentList>, ApiError> {
    let state = c.choice("state", "unknown", q.state.as_deref(), IncidentState::parse)?;
    let kind = c.choice("kind", "unknown", q.kind.as_deref(), Kind::parse)?;
    let filter = IncidentFilter {
        state,
        kind,
        text: q.q,
        after: q.after,
        limit: q.limit.unwrap_or(100),
        ..IncidentFilter::default()
    };
    let page = s.app.incidents(&c.actor, filter).await.api(&c)?;
    Ok(Json(IncidentList {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

#[utoipa::path(post, path = "/api/v1/incidents", tag = "incidents", security(("bearer" = [])), request_body = ReportInput,
    responses((status = 201, body = Incident), (status = 422, body = crate::error::Problem)))]
pub async fn report_incident(
    State(s): State<AppState>,
    c: ApiCaller,
    Json(input): Json<ReportInput>,
) -> Result<(StatusCode, Json<Incident>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.report_incident(&c.actor, &input, &[]).await.api(&c)?),
    ))
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}", tag = "incidents", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = IncidentView), (status = 404, body = crate::error::Problem)))]
pub async fn get_incident(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<Uuid>,
) -> Result<Json<IncidentView>, ApiError> {
    Ok(Json(s.app.incident_view(&c.actor, id).await.api(&c)?))
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/triage", tag = "incidents", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = TriageInput,
    responses((status = 200, body = Incident), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn triage_incident(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<Uuid>,
    Json(t): Json<TriageInput>,
) -> Result<Json<Incident>, ApiError> {
    Ok(Json(s.app.triage_incident(&c.actor, id, &t).await.api(&c)?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct EntryInput {
    /// note, analysis, containment, eradication, recovery, business_resumption, stakeholder_impact, correction
    pub kind: String,
    pub body: String,
    /// For a correction: the entry it corrects.
    #[serde(default)]
    pub corrects_id: Option<Uuid>,
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/entries", tag = "incidents", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = EntryInput,
    responses((status = 200, body = Incident), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn add_entry(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<Uuid>,
    Json(e): Json<EntryInput>,
) -> Result<Json<Incident>, ApiError> {
    Ok(Json(
        s.app
            .add_incident_entry(&c.actor, id, &e.kind, &e.body, e.corrects_id)
            .await
            .api(&c)?,
    ))
}

#[utoipa::path(get, path = "/api/v1/incidents/stats", tag = "incidents", security(("bearer" = [])),
    responses((status = 200, body = IncidentStats)))]
pub async fn incident_stats(
    State(s): State<AppState>,
    c: ApiCaller,
) -> Result<Json<IncidentStats>, ApiError> {
    Ok(Json(s.app.incident_stats(&c.actor).await.api(&c)?))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SystemList {
    pub items: Vec<SystemRecord>,
}

#[utoipa::path(get, path = "/api/v1/systems", tag = "incidents", security(("bearer" = [])),
    responses((status = 200, body = SystemList)))]
pub async fn list_systems(
    State(s): State<AppState>,
    c: ApiCaller,
) -> Result<Json<SystemList>, ApiError> {
    Ok(Json(SystemList {
        items: s.app.systems(&c.actor).await.api(&c)?,
    }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ComplaintList {
    pub items: Vec<ComplaintView>,
    /// How many complaints there are in all.
    pub total: u64,
    pub offset: u32,
    pub limit: u32,
}

#[utoipa::path(get, path = "/api/v1/complaints", tag = "incidents", security(("bearer" = [])), params(super::Paging),
    responses((status = 200, body = ComplaintList), (status = 403, body = crate::error::Problem)))]
pub async fn list_complaints(
    State(s): State<AppState>,
    c: ApiCaller,
    Query(p): Query<super::Paging>,
) -> Result<Json<ComplaintList>, ApiError> {
    let (offset, limit) = p.window();
    let (items, total) = s
        .app
        .complaints_page(&c.actor, limit, offset)
        .await
        .api(&c)?;
    Ok(Json(ComplaintList {
        items,
        total,
        offset,
        limit,
    }))
}

#[utoipa::path(post, path = "/api/v1/complaints", tag = "incidents", security(("bearer" = [])), request_body = ComplaintInput,
    responses((status = 201, body = Complaint), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn log_complaint(
    State(s): State<AppState>,
    c: ApiCaller,
    Json(input): Json<ComplaintInput>,
) -> Result<(StatusCode, Json<Complaint>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.log_complaint(&c.actor, &input).await.api(&c)?),
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ProcedureList {
    pub items: Vec<ResponseProcedure>,
}

#[utoipa::path(get, path = "/api/v1/response-procedures", tag = "incidents", security(("bearer" = [])),
    responses((status = 200, body = ProcedureList)))]
pub async fn list_procedures(
    State(s): State<AppState>,
    c: ApiCaller,
) -> Result<Json<ProcedureList>, ApiError> {
    Ok(Json(ProcedureList {
        items: s.app.procedures(&c.actor).await.api(&c)?,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Step {
    /// The incident's row version read (optimistic lock).
    pub version: i64,
    /// What was recovered (recovery).
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub plan_technical: String,
    #[serde(default)]
    pub plan_organisational: String,
    #[serde(default)]
    pub lessons: String,
    /// YYYY-MM-DD
    #[serde(default)]
    pub board_reported_on: String,
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/recovery", tag = "incidents", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = Step,
    responses((status = 200, body = Incident), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn record_recovery(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<Uuid>,
    Json(x): Json<Step>,
) -> Result<Json<Incident>, ApiError> {
    Ok(Json(
        s.app
            .record_recovery(&c.actor, id, x.version, &x.body)
            .await
            .api(&c)?,
    ))
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/plan", tag = "incidents", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = Step,
    responses((status = 200, body = Incident), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn write_plan(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<Uuid>,
    Json(x): Json<Step>,
) -> Result<Json<Incident>, ApiError> {
    Ok(Json(
        s.app
            .write_prevention_plan(
                &c.actor,
                id,
                x.version,
                &x.plan_technical,
                &x.plan_organisational,
            )
            .await
            .api(&c)?,
    ))
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/plan/publication", tag = "incidents", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = Step,
    responses((status = 200, body = Incident), (status = 409, body = crate::error::Problem)))]
pub async fn publish_plan(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<Uuid>,
    Json(x): Json<Step>,
) -> Result<Json<Incident>, ApiError> {
    Ok(Json(
        s.app
            .publish_prevention_plan(&c.actor, id, x.version)
            .await
            .api(&c)?,
    ))
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/lessons", tag = "incidents", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = Step,
    responses((status = 200, body = Incident), (status = 422, body = crate::error::Problem)))]
pub async fn record_lessons(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<Uuid>,
    Json(x): Json<Step>,
) -> Result<Json<Incident>, ApiError> {
    Ok(Json(
        s.app
            .record_lessons(&c.actor, id, x.version, &x.lessons, &x.board_reported_on)
            .await
            .api(&c)?,
    ))
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/closure", tag = "incidents", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = Step,
    responses((status = 200, body = Incident), (status = 422, body = crate::error::Problem, description = "what INC-4.4 still needs, one field error `close` each")))]
pub async fn close_incident(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<Uuid>,
    Json(x): Json<Step>,
) -> Result<Json<Incident>, ApiError> {
    Ok(Json(
        s.app
            .close_incident(&c.actor, id, x.version)
            .await
            .api(&c)?,
    ))
}

#[utoipa::path(post, path = "/api/v1/complaints/{id}/reports", tag = "incidents", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = ComplaintReport,
    responses((status = 200, body = Complaint), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn report_complaint(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<Uuid>,
    Json(r): Json<ComplaintReport>,
) -> Result<Json<Complaint>, ApiError> {
    Ok(Json(
        s.app.report_complaint(&c.actor, id, &r).await.api(&c)?,
    ))
}
