//! Obligations and the Statement of Applicability over the API.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use mamori_app::compliance::{ObligationFilter, ObligationRow, SoaRow};
use mamori_app::ports::Assessment;
use mamori_domain::compliance::status::{Finding, ObligationStatus};
use serde::{Deserialize, Serialize};

use super::{ApiCaller, ApiResultExt};
use crate::AppState;
use crate::error::ApiError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/obligations", get(list_obligations))
        .route("/compliance/departments", get(by_department))
        .route("/obligations/{id}", get(get_obligation))
        .route("/obligations/{id}/assessments", post(assess))
        .route("/soa/{edition}", get(soa))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ObligationQuery {
    /// Document code: BP, POL, HR, …
    pub document: Option<String>,
    /// ISO/IEC 27001:2013 Annex A id (control, objective or clause).
    pub annex: Option<String>,
    /// kept, due_soon, overdue, not_kept, not_assessed, not_applicable
    pub status: Option<String>,
    pub offset: Option<u32>,
    /// 1–500, default 100
    pub limit: Option<u32>,
}

/// A page of the obligations, in the catalog's order, with how many the
/// filter keeps in all.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ObligationList {
    pub items: Vec<ObligationRow>,
    pub total: u64,
    pub offset: u32,
    pub limit: u32,
}

#[utoipa::path(get, path = "/api/v1/obligations", tag = "compliance", security(("bearer" = [])), params(ObligationQuery),
    responses((status = 200, body = ObligationList), (status = 422, body = crate::error::Problem)))]
pub async fn list_obligations(
    State(s): State<AppState>,
    c: ApiCaller,
    Query(q): Query<ObligationQuery>,
) -> Result<Json<ObligationList>, ApiError> {
    let status = c.choice(
        "status",
        "invalid",
        q.status.as_deref(),
        ObligationStatus::parse,
    )?;
    let f = ObligationFilter {
        document: q.document.filter(|d| !d.is_empty()),
        annex: q.annex.filter(|a| !a.is_empty()),
        status,
        text: None,
    };
    let limit = q.limit.unwrap_or(100).clamp(1, 500);
    let offset = q.offset.unwrap_or(0);
    let (items, total) = s
        .app
        .obligations_page(&c.actor, &f, offset, limit)
        .await
        .api(&c)?;
    Ok(Json(ObligationList {
        items,
        total,
        offset,
        limit,
    }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ObligationDetail {
    pub obligation: ObligationRow,
    pub assessments: Vec<Assessment>,
}

#[utoipa::path(get, path = "/api/v1/obligations/{id}", tag = "compliance", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = ObligationDetail), (status = 404, body = crate::error::Problem)))]
pub async fn get_obligation(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<ObligationDetail>, ApiError> {
    let (obligation, assessments) = s.app.obligation_detail(&c.actor, &id).await.api(&c)?;
    Ok(Json(ObligationDetail {
        obligation,
        assessments,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct AssessmentInput {
    pub finding: Finding,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub evidence: String,
}

#[utoipa::path(post, path = "/api/v1/obligations/{id}/assessments", tag = "compliance", security(("bearer" = [])), params(("id" = String, Path)),
    request_body = AssessmentInput,
    responses((status = 201, body = Assessment), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn assess(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<String>,
    Json(a): Json<AssessmentInput>,
) -> Result<(StatusCode, Json<Assessment>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(
            s.app
                .assess_obligation(&c.actor, &id, a.finding, &a.note, &a.evidence, None)
                .await
                .api(&c)?,
        ),
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Soa {
    pub edition: String,
    pub items: Vec<SoaRow>,
}

#[utoipa::path(get, path = "/api/v1/soa/{edition}", tag = "compliance", security(("bearer" = [])), params(("edition" = String, Path, description = "2013 or 2022")),
    responses((status = 200, body = Soa), (status = 404, body = crate::error::Problem)))]
pub async fn soa(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(edition): Path<String>,
) -> Result<Json<Soa>, ApiError> {
    if edition != "2013" && edition != "2022" {
        return Err(c.err(mamori_app::AppError::NotFound));
    }
    Ok(Json(Soa {
        items: s.app.soa(&edition).await.api(&c)?,
        edition,
    }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DepartmentList {
    pub items: Vec<mamori_app::compliance::DepartmentRollup>,
}

#[utoipa::path(get, path = "/api/v1/compliance/departments", tag = "compliance", security(("bearer" = [])),
    responses((status = 200, body = DepartmentList), (status = 403, body = crate::error::Problem)))]
pub async fn by_department(
    State(s): State<AppState>,
    c: ApiCaller,
) -> Result<Json<DepartmentList>, ApiError> {
    Ok(Json(DepartmentList {
        items: s.app.compliance_by_department(&c.actor).await.api(&c)?,
    }))
}
