//! Requests, decisions, tasks and the inbox over the API.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use mamori_app::ports::{InboxItem, RequestRecord};
use mamori_app::workflow::{ChangeRequestInput, ExceptionInput, RequestView, Task};
use mamori_domain::workflow::Decision;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{ApiCaller, ApiResultExt};
use crate::AppState;
use crate::error::ApiError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/requests", get(list_requests))
        .route("/requests/exceptions", post(file_exception))
        .route("/requests/change-requests", post(file_change_request))
        .route("/requests/{id}", get(get_request))
        .route("/requests/{id}/decision", post(decide))
        .route("/tasks", get(tasks))
        .route("/inbox", get(inbox))
        .route("/duties", get(list_duties).post(create_duty))
        .route("/duties/{id}/completions", post(complete_duty))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct RequestQuery {
    /// `mine` (default) or `all` (secretariat and auditors).
    pub scope: Option<String>,
    #[serde(default)]
    pub open_only: bool,
    /// Rows skipped before the first, newest first (default 0).
    pub offset: Option<u32>,
    /// 1–500, default 100.
    pub limit: Option<u32>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RequestList {
    pub items: Vec<RequestRecord>,
    /// How many requests there are in all.
    pub total: u64,
    pub offset: u32,
    pub limit: u32,
}

#[utoipa::path(get, path = "/api/v1/requests", tag = "workflow", security(("bearer" = [])), params(RequestQuery),
    responses((status = 200, body = RequestList), (status = 403, body = crate::error::Problem)))]
pub async fn list_requests(
    State(s): State<AppState>,
    c: ApiCaller,
    Query(q): Query<RequestQuery>,
) -> Result<Json<RequestList>, ApiError> {
    let (offset, limit) = super::Paging {
        offset: q.offset,
        limit: q.limit,
    }
    .window();
    let (items, total) = match q.scope.as_deref() {
        Some("all") => s
            .app
            .requests_page(&c.actor, q.open_only, limit, offset)
            .await
            .api(&c)?,
        _ => s
            .app
            .my_requests(&c.actor, q.open_only, limit, offset)
            .await
            .api(&c)?,
    };
    Ok(Json(RequestList {
        items,
        total,
        offset,
        limit,
    }))
}

#[utoipa::path(post, path = "/api/v1/requests/exceptions", tag = "workflow", security(("bearer" = [])), request_body = ExceptionInput,
    responses((status = 201, body = RequestRecord), (status = 422, body = crate::error::Problem)))]
pub async fn file_exception(
    State(s): State<AppState>,
    c: ApiCaller,
    Json(input): Json<ExceptionInput>,
) -> Result<(StatusCode, Json<RequestRecord>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.file_exception(&c.actor, &input).await.api(&c)?),
    ))
}

#[utoipa::path(post, path = "/api/v1/requests/change-requests", tag = "workflow", security(("bearer" = [])), request_body = ChangeRequestInput,
    responses((status = 201, body = RequestRecord), (status = 422, body = crate::error::Problem)))]
pub async fn file_change_request(
    State(s): State<AppState>,
    c: ApiCaller,
    Json(input): Json<ChangeRequestInput>,
) -> Result<(StatusCode, Json<RequestRecord>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.file_change_request(&c.actor, &input).await.api(&c)?),
    ))
}

#[utoipa::path(get, path = "/api/v1/requests/{id}", tag = "workflow", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = RequestView), (status = 404, body = crate::error::Problem)))]
pub async fn get_request(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<Uuid>,
) -> Result<Json<RequestView>, ApiError> {
    Ok(Json(s.app.request_view(&c.actor, id).await.api(&c)?))
}

/// A decision on the current step.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct DecisionInput {
    pub decision: Decision,
    /// Required when rejecting or sending back.
    #[serde(default)]
    pub comment: String,
    /// The version the decision was made on.
    pub version: i64,
}

#[utoipa::path(post, path = "/api/v1/requests/{id}/decision", tag = "workflow", security(("bearer" = [])), params(("id" = Uuid, Path)),
    request_body = DecisionInput,
    responses((status = 200, body = RequestRecord), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn decide(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<Uuid>,
    Json(d): Json<DecisionInput>,
) -> Result<Json<RequestRecord>, ApiError> {
    Ok(Json(
        s.app
            .decide_request(&c.actor, id, d.version, d.decision, &d.comment)
            .await
            .api(&c)?,
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TaskList {
    pub items: Vec<Task>,
}

#[utoipa::path(get, path = "/api/v1/tasks", tag = "workflow", security(("bearer" = [])), responses((status = 200, body = TaskList)))]
pub async fn tasks(State(s): State<AppState>, c: ApiCaller) -> Result<Json<TaskList>, ApiError> {
    Ok(Json(TaskList {
        items: s.app.my_tasks(&c.actor).await.api(&c)?,
    }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Inbox {
    pub items: Vec<InboxItem>,
}

#[utoipa::path(get, path = "/api/v1/inbox", tag = "workflow", security(("bearer" = [])), responses((status = 200, body = Inbox)))]
pub async fn inbox(State(s): State<AppState>, c: ApiCaller) -> Result<Json<Inbox>, ApiError> {
    Ok(Json(Inbox {
        items: s.app.inbox(&c.actor).await.api(&c)?,
    }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DutyList {
    pub items: Vec<mamori_app::ports::PeriodicDuty>,
    /// How many duties there are in all.
    pub total: u64,
    pub offset: u32,
    pub limit: u32,
}

#[utoipa::path(get, path = "/api/v1/duties", tag = "workflow", security(("bearer" = [])), params(super::Paging),
    responses((status = 200, body = DutyList)))]
pub async fn list_duties(
    State(s): State<AppState>,
    c: ApiCaller,
    Query(p): Query<super::Paging>,
) -> Result<Json<DutyList>, ApiError> {
    let (offset, limit) = p.window();
    let (items, total) = s.app.duties_page(&c.actor, limit, offset).await.api(&c)?;
    Ok(Json(DutyList {
        items,
        total,
        offset,
        limit,
    }))
}

#[utoipa::path(post, path = "/api/v1/duties", tag = "workflow", security(("bearer" = [])), request_body = mamori_app::duties::DutyInput,
    responses((status = 201, body = mamori_app::ports::PeriodicDuty), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create_duty(
    State(s): State<AppState>,
    c: ApiCaller,
    Json(input): Json<mamori_app::duties::DutyInput>,
) -> Result<(StatusCode, Json<mamori_app::ports::PeriodicDuty>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.create_duty(&c.actor, &input).await.api(&c)?),
    ))
}

/// Records a duty done for its current due date.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct DutyDone {
    pub version: i64,
    pub note: String,
}

#[utoipa::path(post, path = "/api/v1/duties/{id}/completions", tag = "workflow", security(("bearer" = [])), params(("id" = Uuid, Path)),
    request_body = DutyDone, responses((status = 200, body = mamori_app::ports::PeriodicDuty), (status = 409, body = crate::error::Problem)))]
pub async fn complete_duty(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<Uuid>,
    Json(d): Json<DutyDone>,
) -> Result<Json<mamori_app::ports::PeriodicDuty>, ApiError> {
    Ok(Json(
        s.app
            .complete_duty(&c.actor, id, d.version, &d.note)
            .await
            .api(&c)?,
    ))
}
