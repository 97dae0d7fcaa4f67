//! Risk management over the API: the asset register, the risk register
//! with treatment and approval, the catalogues, the context, assessments
//! and the method.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use mamori_app::ports::{
    Asset, AssetFilter, AssetSort, ContextItem, Risk, RiskAssessment, RiskFilter, RiskRow,
    RiskSort, Threat, ThreatIntel, Vulnerability,
};
use mamori_app::risk::{
    AssessmentView, AssetInput, AssetListItem, AssetView, ContextInput, IntelInput, RiskInput,
    RiskOverview, RiskView, ThreatInput, TreatmentInput, TrendPoint, VulnerabilityInput,
};
use mamori_domain::risk::{Form, RiskMethod, RiskStatus};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{ApiCaller, ApiResultExt};
use crate::AppState;
use crate::error::ApiError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/assets", get(list_assets).post(create_asset))
        .route("/assets/{id}", get(get_asset).put(update_asset))
        .route("/risks", get(list_risks).post(create_risk))
        .route("/risks/overview", get(risk_overview))
        .route("/risks/method", get(get_method).put(put_method))
        .route("/risks/threats", get(list_threats).post(create_threat))
        .route(
            "/risks/vulnerabilities",
            get(list_vulnerabilities).post(create_vulnerability),
        )
        .route("/risks/context", get(list_context).post(create_context))
        .route("/risks/intel", get(list_intel).post(create_intel))
        .route("/risks/intel/{id}/evaluation", post(evaluate_intel))
        .route(
            "/risks/cycle-checks",
            get(list_cycle_checks).post(record_cycle_check),
        )
        .route("/risks/surveys", get(list_surveys))
        .route("/risks/surveys/{id}", get(get_survey))
        .route("/risks/surveys/{id}/answer", put(answer_survey))
        .route(
            "/risks/assessments",
            get(list_assessments).post(take_assessment),
        )
        .route("/risks/assessments/{id}", get(get_assessment))
        .route("/risks/{id}", get(get_risk).put(update_risk))
        .route("/risks/{id}/treatment", put(treat_risk))
        .route("/risks/{id}/approval", post(submit_risk))
}

/// Paging and filters of the asset list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct AssetQuery {
    /// Contains, in number, name, process, group or location.
    pub q: Option<String>,
    /// paper, electronic, system, service, person, facility
    pub form: Option<String>,
    pub min_importance: Option<u8>,
    pub owner_id: Option<Uuid>,
    pub department_id: Option<Uuid>,
    /// ref_no (default), name, importance, updated
    pub sort: Option<String>,
    pub offset: Option<u32>,
    /// 1–500, default 100
    pub limit: Option<u32>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AssetPage {
    pub items: Vec<AssetListItem>,
    pub total: u64,
    pub offset: u32,
    pub limit: u32,
}

#[utoipa::path(get, path = "/api/v1/assets", tag = "risk", security(("bearer" = [])), params(AssetQuery),
    responses((status = 200, body = AssetPage), (status = 422, body = crate::error::Problem)))]
pub async fn list_assets(
    State(s): State<AppState>,
    c: ApiCaller,
    Query(q): Query<AssetQuery>,
) -> Result<Json<AssetPage>, ApiError> {
    let limit = q.limit.unwrap_or(100).clamp(1, 500);
    let offset = q.offset.unwrap_or(0);
    let form = c.choice("form", "unknown", q.form.as_deref(), Form::parse)?;
    let sort = c.choice("sort", "unknown", q.sort.as_deref(), AssetSort::parse)?;
    let f = AssetFilter {
        text: q.q,
        form,
        min_importance: q.min_importance,
        owner_id: q.owner_id,
        department_id: q.department_id,
        sort: sort.unwrap_or_default(),
        offset,
        limit,
        ..Default::default()
    };
    let (items, total) = s.app.assets_page(&c.actor, f).await.api(&c)?;
    Ok(Json(AssetPage {
        items,
        total,
        offset,
        limit,
    }))
}

#[utoipa::path(post, path = "/api/v1/assets", tag = "risk", security(("bearer" = [])), request_body = AssetInput,
    responses((status = 201, body = Asset), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create_asset(
    State(s): State<AppState>,
    c: ApiCaller,
    Json(input): Json<AssetInput>,
) -> Result<(StatusCode, Json<Asset>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.create_asset(&c.actor, &input).await.api(&c)?),
    ))
}

#[utoipa::path(get, path = "/api/v1/assets/{id}", tag = "risk", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = AssetView), (status = 404, body = crate::error::Problem)))]
pub async fn get_asset(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<Uuid>,
) -> Result<Json<AssetView>, ApiError> {
    Ok(Json(s.app.asset_view(&c.actor, id).await.api(&c)?))
}

#[utoipa::path(put, path = "/api/v1/assets/{id}", tag = "risk", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = AssetInput,
    responses((status = 200, body = Asset), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn update_asset(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<Uuid>,
    Json(input): Json<AssetInput>,
) -> Result<Json<Asset>, ApiError> {
    Ok(Json(
        s.app.update_asset(&c.actor, id, &input).await.api(&c)?,
    ))
}

/// Paging and filters of the risk list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct RiskQuery {
    pub q: Option<String>,
    /// not_identified, accepted, needs_treatment, in_approval, approved, stale
    pub status: Option<String>,
    pub asset_id: Option<Uuid>,
    pub threat_id: Option<Uuid>,
    pub min_score: Option<u32>,
    /// Only those marked for reassessment.
    pub needs_review: Option<bool>,
    /// ref_no (default), score, residual, updated
    pub sort: Option<String>,
    pub offset: Option<u32>,
    pub limit: Option<u32>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RiskPage {
    pub items: Vec<RiskRow>,
    pub total: u64,
    pub offset: u32,
    pub limit: u32,
}

#[utoipa::path(get, path = "/api/v1/risks", tag = "risk", security(("bearer" = [])), params(RiskQuery),
    responses((status = 200, body = RiskPage), (status = 422, body = crate::error::Problem)))]
pub async fn list_risks(
    State(s): State<AppState>,
    c: ApiCaller,
    Query(q): Query<RiskQuery>,
) -> Result<Json<RiskPage>, ApiError> {
    let limit = q.limit.unwrap_or(100).clamp(1, 500);
    let offset = q.offset.unwrap_or(0);
    let status = c.choice("status", "unknown", q.status.as_deref(), RiskStatus::parse)?;
    let sort = c.choice("sort", "unknown", q.sort.as_deref(), RiskSort::parse)?;
    let f = RiskFilter {
        text: q.q,
        status,
        asset_id: q.asset_id,
        threat_id: q.threat_id,
        min_score: q.min_score,
        needs_review: q.needs_review.unwrap_or(false),
        sort: sort.unwrap_or_default(),
        offset,
        limit,
        ..Default::default()
    };
    let (items, total) = s.app.risks_page(&c.actor, f).await.api(&c)?;
    Ok(Json(RiskPage {
        items,
        total,
        offset,
        limit,
    }))
}

#[utoipa::path(post, path = "/api/v1/risks", tag = "risk", security(("bearer" = [])), request_body = RiskInput,
    responses((status = 201, body = Risk), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create_risk(
    State(s): State<AppState>,
    c: ApiCaller,
    Json(input): Json<RiskInput>,
) -> Result<(StatusCode, Json<Risk>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.create_risk(&c.actor, &input).await.api(&c)?),
    ))
}

#[utoipa::path(get, path = "/api/v1/risks/{id}", tag = "risk", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = RiskView), (status = 404, body = crate::error::Problem)))]
pub async fn get_risk(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<Uuid>,
) -> Result<Json<RiskView>, ApiError> {
    Ok(Json(s.app.risk_view(&c.actor, id).await.api(&c)?))
}

#[utoipa::path(put, path = "/api/v1/risks/{id}", tag = "risk", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = RiskInput,
    responses((status = 200, body = Risk), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn update_risk(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<Uuid>,
    Json(input): Json<RiskInput>,
) -> Result<Json<Risk>, ApiError> {
    Ok(Json(s.app.update_risk(&c.actor, id, &input).await.api(&c)?))
}

#[utoipa::path(put, path = "/api/v1/risks/{id}/treatment", tag = "risk", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = TreatmentInput,
    responses((status = 200, body = Risk), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn treat_risk(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<Uuid>,
    Json(input): Json<TreatmentInput>,
) -> Result<Json<Risk>, ApiError> {
    Ok(Json(s.app.treat_risk(&c.actor, id, &input).await.api(&c)?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct VersionBody {
    pub version: i64,
}

#[utoipa::path(post, path = "/api/v1/risks/{id}/approval", tag = "risk", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = VersionBody,
    responses((status = 200, body = Risk), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn submit_risk(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<Uuid>,
    Json(b): Json<VersionBody>,
) -> Result<Json<Risk>, ApiError> {
    Ok(Json(
        s.app.submit_risk(&c.actor, id, b.version).await.api(&c)?,
    ))
}

#[utoipa::path(get, path = "/api/v1/risks/overview", tag = "risk", security(("bearer" = [])),
    responses((status = 200, body = RiskOverview), (status = 403, body = crate::error::Problem)))]
pub async fn risk_overview(
    State(s): State<AppState>,
    c: ApiCaller,
) -> Result<Json<RiskOverview>, ApiError> {
    Ok(Json(s.app.risk_overview(&c.actor).await.api(&c)?))
}

#[utoipa::path(get, path = "/api/v1/risks/method", tag = "risk", security(("bearer" = [])),
    responses((status = 200, body = RiskMethod)))]
pub async fn get_method(
    State(s): State<AppState>,
    c: ApiCaller,
) -> Result<Json<RiskMethod>, ApiError> {
    Ok(Json(s.app.risk_method().await.api(&c)?))
}

#[utoipa::path(put, path = "/api/v1/risks/method", tag = "risk", security(("bearer" = [])), request_body = RiskMethod,
    responses((status = 200, body = RiskMethod), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn put_method(
    State(s): State<AppState>,
    c: ApiCaller,
    Json(m): Json<RiskMethod>,
) -> Result<Json<RiskMethod>, ApiError> {
    s.app
        .update_risk_method(&c.actor, m.clone())
        .await
        .api(&c)?;
    Ok(Json(m))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ThreatList {
    pub items: Vec<Threat>,
}

#[utoipa::path(get, path = "/api/v1/risks/threats", tag = "risk", security(("bearer" = [])),
    responses((status = 200, body = ThreatList)))]
pub async fn list_threats(
    State(s): State<AppState>,
    c: ApiCaller,
) -> Result<Json<ThreatList>, ApiError> {
    Ok(Json(ThreatList {
        items: s.app.threats(&c.actor).await.api(&c)?,
    }))
}

#[utoipa::path(post, path = "/api/v1/risks/threats", tag = "risk", security(("bearer" = [])), request_body = ThreatInput,
    responses((status = 201, body = Threat), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create_threat(
    State(s): State<AppState>,
    c: ApiCaller,
    Json(input): Json<ThreatInput>,
) -> Result<(StatusCode, Json<Threat>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.save_threat(&c.actor, None, &input).await.api(&c)?),
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct VulnerabilityList {
    pub items: Vec<Vulnerability>,
}

#[utoipa::path(get, path = "/api/v1/risks/vulnerabilities", tag = "risk", security(("bearer" = [])),
    responses((status = 200, body = VulnerabilityList)))]
pub async fn list_vulnerabilities(
    State(s): State<AppState>,
    c: ApiCaller,
) -> Result<Json<VulnerabilityList>, ApiError> {
    Ok(Json(VulnerabilityList {
        items: s.app.vulnerabilities(&c.actor).await.api(&c)?,
    }))
}

#[utoipa::path(post, path = "/api/v1/risks/vulnerabilities", tag = "risk", security(("bearer" = [])), request_body = VulnerabilityInput,
    responses((status = 201, body = Vulnerability), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create_vulnerability(
    State(s): State<AppState>,
    c: ApiCaller,
    Json(input): Json<VulnerabilityInput>,
) -> Result<(StatusCode, Json<Vulnerability>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(
            s.app
                .save_vulnerability(&c.actor, None, &input)
                .await
                .api(&c)?,
        ),
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ContextList {
    pub items: Vec<ContextItem>,
}

#[utoipa::path(get, path = "/api/v1/risks/context", tag = "risk", security(("bearer" = [])),
    responses((status = 200, body = ContextList), (status = 403, body = crate::error::Problem)))]
pub async fn list_context(
    State(s): State<AppState>,
    c: ApiCaller,
) -> Result<Json<ContextList>, ApiError> {
    Ok(Json(ContextList {
        items: s.app.context_items(&c.actor).await.api(&c)?,
    }))
}

#[utoipa::path(post, path = "/api/v1/risks/context", tag = "risk", security(("bearer" = [])), request_body = ContextInput,
    responses((status = 201, body = ContextItem), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create_context(
    State(s): State<AppState>,
    c: ApiCaller,
    Json(input): Json<ContextInput>,
) -> Result<(StatusCode, Json<ContextItem>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(
            s.app
                .save_context_item(&c.actor, None, &input)
                .await
                .api(&c)?,
        ),
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct IntelList {
    pub items: Vec<ThreatIntel>,
}

#[utoipa::path(get, path = "/api/v1/risks/intel", tag = "risk", security(("bearer" = [])),
    responses((status = 200, body = IntelList), (status = 403, body = crate::error::Problem)))]
pub async fn list_intel(
    State(s): State<AppState>,
    c: ApiCaller,
) -> Result<Json<IntelList>, ApiError> {
    Ok(Json(IntelList {
        items: s.app.threat_intel(&c.actor).await.api(&c)?,
    }))
}

#[utoipa::path(post, path = "/api/v1/risks/intel", tag = "risk", security(("bearer" = [])), request_body = IntelInput,
    responses((status = 201, body = ThreatIntel), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create_intel(
    State(s): State<AppState>,
    c: ApiCaller,
    Json(input): Json<IntelInput>,
) -> Result<(StatusCode, Json<ThreatIntel>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.record_threat_intel(&c.actor, &input).await.api(&c)?),
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TrendList {
    pub items: Vec<TrendPoint>,
}

#[utoipa::path(get, path = "/api/v1/risks/assessments", tag = "risk", security(("bearer" = [])),
    responses((status = 200, body = TrendList), (status = 403, body = crate::error::Problem)))]
pub async fn list_assessments(
    State(s): State<AppState>,
    c: ApiCaller,
) -> Result<Json<TrendList>, ApiError> {
    Ok(Json(TrendList {
        items: s.app.risk_trend(&c.actor).await.api(&c)?,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct AssessmentInput {
    pub label: String,
    #[serde(default)]
    pub note: String,
}

#[utoipa::path(post, path = "/api/v1/risks/assessments", tag = "risk", security(("bearer" = [])), request_body = AssessmentInput,
    responses((status = 201, body = RiskAssessment), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn take_assessment(
    State(s): State<AppState>,
    c: ApiCaller,
    Json(b): Json<AssessmentInput>,
) -> Result<(StatusCode, Json<RiskAssessment>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(
            s.app
                .take_risk_assessment(&c.actor, &b.label, &b.note)
                .await
                .api(&c)?,
        ),
    ))
}

#[utoipa::path(get, path = "/api/v1/risks/assessments/{id}", tag = "risk", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = AssessmentView), (status = 404, body = crate::error::Problem)))]
pub async fn get_assessment(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<Uuid>,
) -> Result<Json<AssessmentView>, ApiError> {
    Ok(Json(s.app.assessment_view(&c.actor, id).await.api(&c)?))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CycleCheckList {
    pub items: Vec<mamori_app::ports::CycleCheck>,
}

#[utoipa::path(get, path = "/api/v1/risks/cycle-checks", tag = "risk", security(("bearer" = [])),
    responses((status = 200, body = CycleCheckList), (status = 403, body = crate::error::Problem)))]
pub async fn list_cycle_checks(
    State(s): State<AppState>,
    c: ApiCaller,
) -> Result<Json<CycleCheckList>, ApiError> {
    Ok(Json(CycleCheckList {
        items: s.app.cycle_checks(&c.actor).await.api(&c)?,
    }))
}

#[utoipa::path(post, path = "/api/v1/risks/cycle-checks", tag = "risk", security(("bearer" = [])),
    request_body = mamori_app::risk::CycleCheckInput,
    responses((status = 201, body = mamori_app::ports::CycleCheck), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn record_cycle_check(
    State(s): State<AppState>,
    c: ApiCaller,
    Json(input): Json<mamori_app::risk::CycleCheckInput>,
) -> Result<(StatusCode, Json<mamori_app::ports::CycleCheck>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.record_cycle_check(&c.actor, &input).await.api(&c)?),
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SurveyList {
    pub items: Vec<mamori_app::ports::Survey>,
}

#[utoipa::path(get, path = "/api/v1/risks/surveys", tag = "risk", security(("bearer" = [])),
    responses((status = 200, body = SurveyList), (status = 403, body = crate::error::Problem)))]
pub async fn list_surveys(
    State(s): State<AppState>,
    c: ApiCaller,
) -> Result<Json<SurveyList>, ApiError> {
    Ok(Json(SurveyList {
        items: s.app.surveys(&c.actor).await.api(&c)?,
    }))
}

#[utoipa::path(get, path = "/api/v1/risks/surveys/{id}", tag = "risk", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = mamori_app::risk::SurveyView), (status = 404, body = crate::error::Problem)))]
pub async fn get_survey(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<Uuid>,
) -> Result<Json<mamori_app::risk::SurveyView>, ApiError> {
    Ok(Json(s.app.survey_view(&c.actor, id).await.api(&c)?))
}

#[utoipa::path(put, path = "/api/v1/risks/surveys/{id}/answer", tag = "risk", security(("bearer" = [])), params(("id" = Uuid, Path)),
    request_body = mamori_app::risk::AnswerInput,
    responses((status = 204), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn answer_survey(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<Uuid>,
    Json(input): Json<mamori_app::risk::AnswerInput>,
) -> Result<StatusCode, ApiError> {
    s.app.answer_survey(&c.actor, id, &input).await.api(&c)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct EvaluationBody {
    pub evaluation: String,
}

#[utoipa::path(post, path = "/api/v1/risks/intel/{id}/evaluation", tag = "risk", security(("bearer" = [])), params(("id" = Uuid, Path)),
    request_body = EvaluationBody,
    responses((status = 200, body = ThreatIntel), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn evaluate_intel(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<Uuid>,
    Json(b): Json<EvaluationBody>,
) -> Result<Json<ThreatIntel>, ApiError> {
    Ok(Json(
        s.app
            .evaluate_threat_intel(&c.actor, id, &b.evaluation)
            .await
            .api(&c)?,
    ))
}
