//! The document library over the API: what the caller may read, a version's
//! text, the comprehension check, the follow-up status, and the import of
//! existing policy text (with a dry run that writes nothing).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use mamori_app::AppError;
use mamori_app::documents::{
    DocumentInput, DocumentView, ImportOutcome, LibraryEntry, VersionTracking,
};
use mamori_app::ports::{DocVersion, Document};
use mamori_domain::documents::Score;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{ApiCaller, ApiResultExt};
use crate::AppState;
use crate::error::ApiError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/documents", get(list_documents).post(create_document))
        .route("/documents/reading", get(reading_status))
        .route("/documents/import", post(import_policy))
        .route("/documents/{id}", get(get_document))
        .route("/document-versions/{id}", get(get_version))
        .route("/document-versions/{id}/check", post(take_check))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DocumentList {
    pub items: Vec<LibraryEntry>,
}

#[utoipa::path(get, path = "/api/v1/documents", tag = "documents", security(("bearer" = [])),
    responses((status = 200, body = DocumentList)))]
pub async fn list_documents(
    State(s): State<AppState>,
    c: ApiCaller,
) -> Result<Json<DocumentList>, ApiError> {
    Ok(Json(DocumentList {
        items: s.app.library(&c.actor).await.api(&c)?,
    }))
}

#[utoipa::path(post, path = "/api/v1/documents", tag = "documents", security(("bearer" = [])), request_body = DocumentInput,
    responses((status = 201, body = Document), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create_document(
    State(s): State<AppState>,
    c: ApiCaller,
    Json(input): Json<DocumentInput>,
) -> Result<(StatusCode, Json<Document>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.create_document(&c.actor, &input).await.api(&c)?),
    ))
}

#[utoipa::path(get, path = "/api/v1/documents/{id}", tag = "documents", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = DocumentView), (status = 404, body = crate::error::Problem)))]
pub async fn get_document(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<Uuid>,
) -> Result<Json<DocumentView>, ApiError> {
    Ok(Json(s.app.document_view(&c.actor, id).await.api(&c)?))
}

#[utoipa::path(get, path = "/api/v1/document-versions/{id}", tag = "documents", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = DocVersion), (status = 404, body = crate::error::Problem)))]
pub async fn get_version(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<Uuid>,
) -> Result<Json<DocVersion>, ApiError> {
    Ok(Json(s.app.document_version(&c.actor, id).await.api(&c)?.1))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CheckAnswers {
    /// One answer per question: the index of the chosen choice. Empty for a
    /// version that asks only for an acknowledgement.
    #[serde(default)]
    pub answers: Vec<usize>,
}

#[utoipa::path(post, path = "/api/v1/document-versions/{id}/check", tag = "documents", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = CheckAnswers,
    responses((status = 200, body = Score), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn take_check(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<Uuid>,
    Json(a): Json<CheckAnswers>,
) -> Result<Json<Score>, ApiError> {
    let answers: Vec<Option<usize>> = a.answers.into_iter().map(Some).collect();
    Ok(Json(
        s.app.take_check(&c.actor, id, &answers).await.api(&c)?,
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ReadingStatus {
    pub items: Vec<VersionTracking>,
}

#[utoipa::path(get, path = "/api/v1/documents/reading", tag = "documents", security(("bearer" = [])),
    responses((status = 200, body = ReadingStatus), (status = 403, body = crate::error::Problem)))]
pub async fn reading_status(
    State(s): State<AppState>,
    c: ApiCaller,
) -> Result<Json<ReadingStatus>, ApiError> {
    Ok(Json(ReadingStatus {
        items: s.app.reading_status(&c.actor, None).await.api(&c)?,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PolicyImport {
    /// The policy text (plain text or Markdown, as a PDF-to-text export looks).
    pub text: String,
    /// YYYY-MM-DD; default today.
    #[serde(default)]
    pub effective_on: Option<String>,
    /// Recognise only; write nothing.
    #[serde(default)]
    pub dry_run: bool,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PolicyImportResult {
    /// The recognised tree: `documents` (title, sections with number,
    /// title, sections, items, annex_refs) and `unplaced`.
    #[schema(value_type = Object)]
    pub recognised: serde_json::Value,
    /// What was written (absent for a dry run).
    pub outcome: Option<ImportOutcome>,
}

#[utoipa::path(post, path = "/api/v1/documents/import", tag = "documents", security(("bearer" = [])), request_body = PolicyImport,
    responses((status = 200, body = PolicyImportResult), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn import_policy(
    State(s): State<AppState>,
    c: ApiCaller,
    Json(input): Json<PolicyImport>,
) -> Result<Json<PolicyImportResult>, ApiError> {
    if !c.actor.has_role(mamori_domain::Role::Secretariat) {
        return Err(AppError::Forbidden).api(&c);
    }
    let parsed = mamori_io::policy_text::import_policy(&input.text);
    let recognised = serde_json::to_value(&parsed)
        .map_err(|e| AppError::Internal(e.to_string()))
        .api(&c)?;
    let outcome = if input.dry_run {
        None
    } else {
        let effective = match input.effective_on.as_deref() {
            Some(d) => mamori_app::org::parse_date("effective_on", Some(d))
                .map_err(AppError::from)
                .api(&c)?
                .unwrap_or_else(|| s.app.today()),
            None => s.app.today(),
        };
        let docs = mamori_io::policy_text::library_documents(&parsed);
        Some(
            s.app
                .import_documents(&c.actor, &docs, effective)
                .await
                .api(&c)?,
        )
    };
    Ok(Json(PolicyImportResult {
        recognised,
        outcome,
    }))
}
