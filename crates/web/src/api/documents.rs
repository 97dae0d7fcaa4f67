//! The document library over the API: what the caller may read, a version's
//! text, the comprehension check, the follow-up status, and the import of
//! existing policy text (with a dry run that writes nothing).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use mamori_app::AppError;
use mamori_app::documents::{
    DocumentInput, DocumentView, ImportOutcome, LibraryEntry, ReaderPage, VersionTracking,
};
use mamori_app::ports::{DocVersion, Document};
use mamori_domain::documents::{ReadStatus, Score};
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
        .route("/documents/{id}/revisions", post(start_revision))
        .route("/document-versions/{id}/draft", post(save_draft))
        .route("/document-versions/{id}/quiz", post(set_quiz))
        .route("/document-versions/{id}/submission", post(submit_draft))
        .route("/document-versions/{id}/reminders", post(remind_overdue))
        .route("/document-versions/{id}/exemptions", post(exempt_reader))
        .route("/document-versions/{id}/readers", get(version_readers))
        .route("/documents/{id}/disposal", post(request_disposal))
}

#[utoipa::path(post, path = "/api/v1/documents/{id}/revisions", tag = "documents", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 201, body = DocVersion), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn start_revision(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<Uuid>,
) -> Result<(StatusCode, Json<DocVersion>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.new_revision(&c.actor, id).await.api(&c)?),
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct DraftInput {
    /// The row version read (optimistic lock).
    pub version: i64,
    /// Markdown.
    pub body: String,
    #[serde(default)]
    pub change_summary: String,
}

#[utoipa::path(post, path = "/api/v1/document-versions/{id}/draft", tag = "documents", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = DraftInput,
    responses((status = 200, body = DocVersion), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn save_draft(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<Uuid>,
    Json(d): Json<DraftInput>,
) -> Result<Json<DocVersion>, ApiError> {
    Ok(Json(
        s.app
            .save_draft(&c.actor, id, d.version, &d.body, &d.change_summary)
            .await
            .api(&c)?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct QuizInput {
    pub version: i64,
    /// None: reading and acknowledging is enough.
    #[serde(default)]
    pub quiz: Option<mamori_domain::documents::Quiz>,
}

#[utoipa::path(post, path = "/api/v1/document-versions/{id}/quiz", tag = "documents", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = QuizInput,
    responses((status = 200, body = DocVersion), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn set_quiz(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<Uuid>,
    Json(q): Json<QuizInput>,
) -> Result<Json<DocVersion>, ApiError> {
    Ok(Json(
        s.app
            .set_quiz(&c.actor, id, q.version, q.quiz)
            .await
            .api(&c)?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct SubmitInput {
    pub version: i64,
    /// 施行日, YYYY-MM-DD.
    pub effective_on: String,
}

#[utoipa::path(post, path = "/api/v1/document-versions/{id}/submission", tag = "documents", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = SubmitInput,
    responses((status = 200, body = DocVersion), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn submit_draft(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<Uuid>,
    Json(i): Json<SubmitInput>,
) -> Result<Json<DocVersion>, ApiError> {
    Ok(Json(
        s.app
            .submit_draft(&c.actor, id, i.version, &i.effective_on)
            .await
            .api(&c)?,
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Reminded {
    pub reminded: usize,
}

#[utoipa::path(post, path = "/api/v1/document-versions/{id}/reminders", tag = "documents", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Reminded), (status = 403, body = crate::error::Problem)))]
pub async fn remind_overdue(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<Uuid>,
) -> Result<Json<Reminded>, ApiError> {
    Ok(Json(Reminded {
        reminded: s.app.remind_overdue(&c.actor, id).await.api(&c)?,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ExemptionInput {
    pub person_id: Uuid,
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/document-versions/{id}/exemptions", tag = "documents", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = ExemptionInput,
    responses((status = 204), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn exempt_reader(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<Uuid>,
    Json(e): Json<ExemptionInput>,
) -> Result<StatusCode, ApiError> {
    s.app
        .exempt_reader(&c.actor, id, e.person_id, &e.reason)
        .await
        .api(&c)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct DisposalInput {
    pub version: i64,
    pub reason: String,
    pub method: String,
}

#[utoipa::path(post, path = "/api/v1/documents/{id}/disposal", tag = "documents", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = DisposalInput,
    responses((status = 200, body = Document), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn request_disposal(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<Uuid>,
    Json(d): Json<DisposalInput>,
) -> Result<Json<Document>, ApiError> {
    Ok(Json(
        s.app
            .request_disposal(&c.actor, id, d.version, &d.reason, &d.method)
            .await
            .api(&c)?,
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DocumentList {
    pub items: Vec<LibraryEntry>,
    /// How many documents the caller may see in all.
    pub total: u64,
    pub offset: u32,
    pub limit: u32,
}

#[utoipa::path(get, path = "/api/v1/documents", tag = "documents", security(("bearer" = [])), params(super::Paging),
    responses((status = 200, body = DocumentList)))]
pub async fn list_documents(
    State(s): State<AppState>,
    c: ApiCaller,
    Query(p): Query<super::Paging>,
) -> Result<Json<DocumentList>, ApiError> {
    let (offset, limit) = p.window();
    let all = s.app.library(&c.actor).await.api(&c)?;
    let total = all.len() as u64;
    Ok(Json(DocumentList {
        items: all
            .into_iter()
            .skip(offset as usize)
            .take(limit as usize)
            .collect(),
        total,
        offset,
        limit,
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

/// Per published version, how many readers in the caller's departments are
/// done, pending, overdue or exempted; the readers themselves are at
/// `/api/v1/document-versions/{id}/readers`.
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

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ReadersQuery {
    /// overdue | pending | exempted | done
    pub status: Option<String>,
    /// How many to skip (default 0).
    pub offset: Option<u32>,
    /// 1–500, default 100.
    pub limit: Option<u32>,
}

/// A page of a version's readers in the caller's departments (all for the
/// 事務局): overdue first, then pending, exempted, done; by department and name.
#[utoipa::path(get, path = "/api/v1/document-versions/{id}/readers", tag = "documents", security(("bearer" = [])),
    params(("id" = Uuid, Path), ReadersQuery),
    responses((status = 200, body = ReaderPage), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn version_readers(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<Uuid>,
    Query(q): Query<ReadersQuery>,
) -> Result<Json<ReaderPage>, ApiError> {
    let status = c.choice("status", "unknown", q.status.as_deref(), ReadStatus::parse)?;
    Ok(Json(
        s.app
            .version_readers(
                &c.actor,
                id,
                status,
                q.offset.unwrap_or(0),
                q.limit.unwrap_or(100).clamp(1, 500),
            )
            .await
            .api(&c)?,
    ))
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
