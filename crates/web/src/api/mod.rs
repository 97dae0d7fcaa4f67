//! The JSON API under `/api/v1`: `Authorization: Bearer <token>` (a session
//! cookie also works for reading), errors as RFC 9457 problem+json, and the
//! OpenAPI 3.1 document generated from these handlers.

mod audit;
mod committee;
mod compliance;
mod documents;
mod incidents;
mod org;
mod requests;
mod risk;

use axum::extract::FromRequestParts;
use axum::http::Method;
use axum::http::request::Parts;
use axum::routing::get;
use axum::{Json, Router};
use mamori_app::{Actor, AppError};
use serde::Serialize;
use utoipa::OpenApi;

use crate::AppState;
use crate::error::ApiError;
use crate::i18n::{Tr, from_accept_language};
use crate::session::resolve;

/// The caller of an API endpoint.
pub struct ApiCaller {
    pub actor: Actor,
    pub tr: Tr,
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let tr = Tr(from_accept_language(
            parts
                .headers
                .get(axum::http::header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("en"),
        ));
        let bearer = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::to_string);
        if let Some(token) = bearer {
            let actor = state
                .app
                .token_actor(&token)
                .await
                .map_err(|error| ApiError { error, tr })?;
            return Ok(ApiCaller { actor, tr });
        }
        // A browser session may read; changes need a token (no CSRF on the API).
        if parts.method == Method::GET
            && let Some(s) = resolve(parts, state).await
            && s.is_complete()
        {
            return Ok(ApiCaller {
                tr: Tr(s.actor.lang()),
                actor: s.actor,
            });
        }
        Err(ApiError {
            error: AppError::Unauthenticated,
            tr,
        })
    }
}

impl ApiCaller {
    pub fn err(&self, error: AppError) -> ApiError {
        ApiError { error, tr: self.tr }
    }

    /// An optional query parameter naming one of a set (`state=closed`):
    /// absent or empty is none; anything else must be one of them, or the
    /// request is refused (422) naming the field with `code`.
    pub fn choice<T>(
        &self,
        field: &'static str,
        code: &'static str,
        value: Option<&str>,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Result<Option<T>, ApiError> {
        match value {
            None | Some("") => Ok(None),
            Some(v) => parse(v)
                .map(Some)
                .ok_or_else(|| self.err(AppError::field(field, code))),
        }
    }
}

pub trait ApiResultExt<T> {
    fn api(self, c: &ApiCaller) -> Result<T, ApiError>;
}
impl<T> ApiResultExt<T> for Result<T, AppError> {
    fn api(self, c: &ApiCaller) -> Result<T, ApiError> {
        self.map_err(|e| c.err(e))
    }
}

/// A role of the policy with its names.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RoleInfo {
    pub id: String,
    pub name_ja: String,
    pub name_en: String,
    pub departmental: bool,
    pub privileged: bool,
    pub source: String,
}

/// The roles of the policy and mamori's own `administrator`.
#[utoipa::path(get, path = "/api/v1/roles", tag = "organisation", responses((status = 200, body = [RoleInfo])))]
async fn roles() -> Json<Vec<RoleInfo>> {
    Json(
        mamori_domain::Role::ALL
            .iter()
            .map(|r| RoleInfo {
                id: r.id().into(),
                name_ja: r.name_ja().into(),
                name_en: r.name_en().into(),
                departmental: r.is_departmental(),
                privileged: r.is_privileged(),
                source: r.source().into(),
            })
            .collect(),
    )
}

/// Who the token or session belongs to.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Me {
    pub person: mamori_domain::org::Person,
    pub roles: Vec<mamori_domain::Role>,
    pub permissions: Vec<String>,
}

#[utoipa::path(get, path = "/api/v1/me", tag = "me", security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, body = crate::error::Problem)))]
async fn me(c: ApiCaller) -> Json<Me> {
    let permissions = mamori_app::Permission::ALL
        .iter()
        .filter(|p| c.actor.can(**p))
        .map(|p| p.id().to_string())
        .collect();
    Json(Me {
        roles: c.actor.roles(),
        person: c.actor.person,
        permissions,
    })
}

struct BearerAuth;
impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "mamori API", description = "ISMS operations: organisation, roles, audit trail. Errors are RFC 9457 problem+json."),
    paths(
        roles, me,
        org::list_departments, org::create_department, org::get_department, org::update_department, org::delete_department,
        org::list_people, org::create_person, org::get_person, org::update_person,
        org::list_assignments, org::create_assignment, org::end_assignment,
        org::org_health,
        audit::list_events, audit::verify,
        requests::list_requests, requests::file_exception, requests::file_change_request, requests::get_request,
        requests::decide, requests::tasks, requests::inbox, requests::list_duties, requests::create_duty,
        requests::complete_duty,
        committee::list_meetings, committee::create_meeting, committee::get_meeting, committee::decide_item,
        committee::publish_minutes,
        compliance::list_obligations, compliance::get_obligation, compliance::assess, compliance::soa, compliance::by_department,
        documents::list_documents, documents::create_document, documents::get_document, documents::get_version,
        documents::take_check, documents::reading_status, documents::version_readers, documents::import_policy,
        documents::start_revision, documents::save_draft, documents::set_quiz, documents::submit_draft,
        documents::remind_overdue, documents::exempt_reader, documents::request_disposal,
        incidents::list_incidents, incidents::report_incident, incidents::get_incident, incidents::triage_incident,
        incidents::add_entry, incidents::incident_stats, incidents::list_systems, incidents::list_complaints,
        incidents::log_complaint, incidents::list_procedures,
        incidents::record_recovery, incidents::write_plan, incidents::publish_plan, incidents::record_lessons,
        incidents::close_incident, incidents::report_complaint,
        risk::list_assets, risk::create_asset, risk::get_asset, risk::update_asset,
        risk::list_risks, risk::create_risk, risk::get_risk, risk::update_risk, risk::treat_risk, risk::submit_risk,
        risk::risk_overview, risk::get_method, risk::put_method, risk::list_threats, risk::create_threat,
        risk::list_vulnerabilities, risk::create_vulnerability, risk::list_context, risk::create_context,
        risk::list_intel, risk::create_intel, risk::list_assessments, risk::take_assessment, risk::get_assessment,
        risk::evaluate_intel, risk::list_cycle_checks, risk::record_cycle_check, risk::list_surveys, risk::get_survey,
        risk::answer_survey,
    ),
    components(schemas(crate::error::Problem, crate::error::ProblemField)),
    modifiers(&BearerAuth),
    tags((name = "organisation"), (name = "audit"), (name = "workflow"), (name = "committee"), (name = "compliance"), (name = "documents"), (name = "incidents"), (name = "risk"), (name = "me"))
)]
pub struct ApiDoc;

/// The OpenAPI 3.1 document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(openapi())
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi_json))
        .route("/roles", get(roles))
        .route("/me", get(me))
        .merge(org::routes())
        .merge(audit::routes())
        .merge(requests::routes())
        .merge(committee::routes())
        .merge(compliance::routes())
        .merge(documents::routes())
        .merge(incidents::routes())
        .merge(risk::routes())
        .fallback(|| async { ApiError::from(AppError::NotFound) })
}

/// `offset` and `limit` of a list that comes a page at a time.
#[derive(Debug, Clone, Copy, serde::Deserialize, utoipa::IntoParams)]
pub struct Paging {
    /// Rows skipped before the first (default 0).
    pub offset: Option<u32>,
    /// 1–500, default 100.
    pub limit: Option<u32>,
}

impl Paging {
    /// (offset, limit) with the defaults and bounds applied.
    pub fn window(self) -> (u32, u32) {
        (
            self.offset.unwrap_or(0),
            self.limit.unwrap_or(100).clamp(1, 500),
        )
    }
}
