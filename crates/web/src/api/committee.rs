//! Committee meetings over the API.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use mamori_app::committee::{MeetingInput, MeetingView};
use mamori_app::ports::Meeting;
use mamori_domain::workflow::CommitteeDecision;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{ApiCaller, ApiResultExt};
use crate::AppState;
use crate::error::ApiError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/meetings", get(list_meetings).post(create_meeting))
        .route("/meetings/{id}", get(get_meeting))
        .route("/meetings/{id}/items/{item}/decision", post(decide_item))
        .route("/meetings/{id}/minutes", post(publish_minutes))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MeetingList {
    pub items: Vec<Meeting>,
}

#[utoipa::path(get, path = "/api/v1/meetings", tag = "committee", security(("bearer" = [])),
    responses((status = 200, body = MeetingList), (status = 403, body = crate::error::Problem)))]
pub async fn list_meetings(
    State(s): State<AppState>,
    c: ApiCaller,
) -> Result<Json<MeetingList>, ApiError> {
    Ok(Json(MeetingList {
        items: s.app.meetings(&c.actor).await.api(&c)?,
    }))
}

#[utoipa::path(post, path = "/api/v1/meetings", tag = "committee", security(("bearer" = [])), request_body = MeetingInput,
    responses((status = 201, body = Meeting), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create_meeting(
    State(s): State<AppState>,
    c: ApiCaller,
    Json(input): Json<MeetingInput>,
) -> Result<(StatusCode, Json<Meeting>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.create_meeting(&c.actor, &input).await.api(&c)?),
    ))
}

#[utoipa::path(get, path = "/api/v1/meetings/{id}", tag = "committee", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = MeetingView), (status = 404, body = crate::error::Problem)))]
pub async fn get_meeting(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<Uuid>,
) -> Result<Json<MeetingView>, ApiError> {
    Ok(Json(s.app.meeting_view(&c.actor, id).await.api(&c)?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ItemDecision {
    pub decision: CommitteeDecision,
    pub reasoning: String,
    #[serde(default)]
    pub conditions: String,
}

#[utoipa::path(post, path = "/api/v1/meetings/{id}/items/{item}/decision", tag = "committee", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("item" = Uuid, Path)), request_body = ItemDecision,
    responses((status = 204), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn decide_item(
    State(s): State<AppState>,
    c: ApiCaller,
    Path((id, item)): Path<(Uuid, Uuid)>,
    Json(d): Json<ItemDecision>,
) -> Result<StatusCode, ApiError> {
    s.app
        .decide_agenda_item(&c.actor, id, item, d.decision, &d.reasoning, &d.conditions)
        .await
        .api(&c)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Publish {
    pub version: i64,
}

#[utoipa::path(post, path = "/api/v1/meetings/{id}/minutes", tag = "committee", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = Publish,
    responses((status = 200, body = Meeting), (status = 409, body = crate::error::Problem)))]
pub async fn publish_minutes(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<Uuid>,
    Json(p): Json<Publish>,
) -> Result<Json<Meeting>, ApiError> {
    Ok(Json(
        s.app
            .publish_minutes(&c.actor, id, p.version)
            .await
            .api(&c)?,
    ))
}
