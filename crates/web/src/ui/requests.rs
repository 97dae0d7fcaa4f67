//! Applications and approvals: filing exception and change requests,
//! deciding them, "my requests", "my tasks" and the inbox.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use mamori_app::AppError;
use mamori_app::ports::{InboxItem, RequestRecord};
use mamori_app::workflow::{ChangeRequestInput, ExceptionInput, RequestView, Task};
use mamori_domain::policy::PolicyDocument;
use mamori_domain::workflow::Decision;
use serde::Deserialize;
use uuid::Uuid;

use super::{FormErrors, Ui, local_time, page, render};
use crate::AppState;
use crate::error::{UiError, UiResultExt};
use crate::i18n::Tr;
use crate::session::Signed;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/requests", get(list))
        .route(
            "/requests/new/exception",
            get(exception_form).post(exception_file),
        )
        .route("/requests/new/change", get(change_form).post(change_file))
        .route("/requests/{id}", get(detail))
        .route("/requests/{id}/decide", post(decide))
        .route("/requests/{id}/resubmit", post(resubmit))
        .route("/requests/{id}/withdraw", post(withdraw))
        .route("/tasks", get(tasks))
        .route("/inbox", get(inbox))
        .route("/inbox/read", post(inbox_read))
}

fn documents(tr: Tr) -> Vec<(String, String)> {
    PolicyDocument::ALL
        .iter()
        .map(|d| {
            (
                d.code().to_string(),
                format!("{} ({})", d.name(tr.0), d.code()),
            )
        })
        .collect()
}

pub struct Row {
    pub r: RequestRecord,
    pub status: String,
    pub created: String,
}

fn rows(app: &mamori_app::App, tr: Tr, list: Vec<RequestRecord>) -> Vec<Row> {
    list.into_iter()
        .map(|r| Row {
            status: tr.t(&format!("status-{}", app.request_status(&r))),
            created: local_time(&r.created_at),
            r,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "requests/list_page.html")]
struct ListPage {
    ui: Ui,
    /// The actor's own requests, a page at a time.
    mine: Vec<Row>,
    mine_page_no: usize,
    mine_pages: usize,
    /// Everyone's requests, a page at a time (事務局 and auditors).
    all: Option<Vec<Row>>,
    page_no: usize,
    pages: usize,
}

/// Everyone's requests on one page, newest first.
const PER_PAGE: u32 = 100;
/// One's own requests on one page, newest first.
const MINE_PER_PAGE: u32 = 50;

#[derive(Deserialize)]
struct ListQuery {
    all: Option<String>,
    page: Option<usize>,
    /// The page of one's own requests.
    mine: Option<usize>,
}

async fn list(
    State(state): State<AppState>,
    s: Signed,
    Query(q): Query<ListQuery>,
) -> Result<Response, UiError> {
    let (mine_page_no, mine_offset) = super::page_offset(q.mine.unwrap_or(1), MINE_PER_PAGE);
    let (mine, mine_total) = state
        .app
        .my_requests(&s.s.actor, false, MINE_PER_PAGE, mine_offset)
        .await
        .ui(s.tr)?;
    let mine = rows(&state.app, s.tr, mine);
    let (page_no, offset) = super::page_offset(q.page.unwrap_or(1), PER_PAGE);
    let (all, pages) = match q.all {
        Some(_) => {
            let (list, total) = state
                .app
                .requests_page(&s.s.actor, false, PER_PAGE, offset)
                .await
                .ui(s.tr)?;
            (
                Some(rows(&state.app, s.tr, list)),
                super::page_count(total, PER_PAGE),
            )
        }
        None => (None, 1),
    };
    Ok(page(&ListPage {
        ui: Ui::for_signed(&s, &state),
        mine,
        mine_page_no,
        mine_pages: super::page_count(mine_total, MINE_PER_PAGE),
        all,
        page_no,
        pages,
    }))
}

#[derive(Template)]
#[template(path = "requests/exception_form_page.html")]
struct ExceptionForm {
    ui: Ui,
    input: ExceptionInput,
    documents: Vec<(String, String)>,
    errors: FormErrors,
}

async fn exception_form(State(state): State<AppState>, s: Signed) -> Response {
    let today = state.app.today();
    let input = ExceptionInput {
        valid_from: today.to_string(),
        valid_until: (today + time::Duration::days(90)).to_string(),
        ..Default::default()
    };
    page(&ExceptionForm {
        ui: Ui::for_signed(&s, &state),
        input,
        documents: documents(s.tr),
        errors: FormErrors::default(),
    })
}

async fn exception_file(
    State(state): State<AppState>,
    s: Signed,
    Form(input): Form<ExceptionInput>,
) -> Result<Response, UiError> {
    match state.app.file_exception(&s.s.actor, &input).await {
        Ok(r) => Ok(Redirect::to(&format!("/requests/{}", r.id)).into_response()),
        Err(AppError::Invalid(errs)) => Ok(render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ExceptionForm {
                ui: Ui::for_signed(&s, &state),
                input,
                documents: documents(s.tr),
                errors: FormErrors::from(s.tr, &errs),
            },
        )),
        Err(e) => Err(UiError::new(e, s.tr)),
    }
}

#[derive(Template)]
#[template(path = "requests/change_form_page.html")]
struct ChangeForm {
    ui: Ui,
    input: ChangeRequestInput,
    /// The library document named, when the form came from its page.
    doc_title: Option<String>,
    documents: Vec<(String, String)>,
    errors: FormErrors,
}

#[derive(Deserialize)]
struct ChangeQuery {
    #[serde(default)]
    document_id: Option<Uuid>,
}

async fn doc_title(
    state: &AppState,
    s: &Signed,
    id: Option<Uuid>,
) -> Result<Option<String>, UiError> {
    Ok(match id {
        Some(id) => Some(
            state
                .app
                .document_view(&s.s.actor, id)
                .await
                .ui(s.tr)?
                .document
                .title,
        ),
        None => None,
    })
}

async fn change_form(
    State(state): State<AppState>,
    s: Signed,
    Query(q): Query<ChangeQuery>,
) -> Result<Response, UiError> {
    Ok(page(&ChangeForm {
        ui: Ui::for_signed(&s, &state),
        doc_title: doc_title(&state, &s, q.document_id).await?,
        input: ChangeRequestInput {
            document_id: q.document_id,
            ..Default::default()
        },
        documents: documents(s.tr),
        errors: FormErrors::default(),
    }))
}

async fn change_file(
    State(state): State<AppState>,
    s: Signed,
    Form(input): Form<ChangeRequestInput>,
) -> Result<Response, UiError> {
    match state.app.file_change_request(&s.s.actor, &input).await {
        Ok(r) => Ok(Redirect::to(&format!("/requests/{}", r.id)).into_response()),
        Err(AppError::Invalid(errs)) => Ok(render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ChangeForm {
                ui: Ui::for_signed(&s, &state),
                doc_title: doc_title(&state, &s, input.document_id)
                    .await
                    .unwrap_or(None),
                input,
                documents: documents(s.tr),
                errors: FormErrors::from(s.tr, &errs),
            },
        )),
        Err(e) => Err(UiError::new(e, s.tr)),
    }
}

pub struct HistoryRow {
    pub at: String,
    pub who: String,
    pub action: String,
    pub comment: String,
    pub deputy: bool,
}

#[derive(Template)]
#[template(path = "requests/detail_page.html")]
struct DetailPage {
    ui: Ui,
    v: RequestView,
    document: String,
    state_text: String,
    status_text: String,
    due: String,
    history: Vec<HistoryRow>,
    details: Vec<(String, String)>,
    /// The document (or version) a document request is about.
    doc_link: Option<String>,
    /// The risk a management approval is about.
    risk_link: Option<String>,
    errors: FormErrors,
}

async fn detail_view(
    state: &AppState,
    s: &Signed,
    id: Uuid,
    errors: FormErrors,
) -> Result<DetailPage, UiError> {
    let v = state.app.request_view(&s.s.actor, id).await.ui(s.tr)?;
    let tr = s.tr;
    let document = v
        .request
        .document
        .as_deref()
        .and_then(PolicyDocument::parse)
        .map(|d| d.name(tr.0).to_string())
        .unwrap_or_default();
    let history = v
        .history
        .iter()
        .map(|e| HistoryRow {
            at: local_time(&e.at),
            who: e.actor_label.clone(),
            action: tr.t(&format!("action-request-{}", e.action)),
            comment: e.comment.clone().unwrap_or_default(),
            deputy: e.on_behalf_of.is_some(),
        })
        .collect();
    // In the order the form asks for them.
    let id_of = |k: &str| {
        v.details
            .get(k)
            .and_then(|x| x.as_str())
            .map(str::to_string)
    };
    let doc_link = match (id_of("version_id"), id_of("document_id")) {
        (Some(vid), _) => Some(format!("/documents/versions/{vid}")),
        (None, Some(did)) => Some(format!("/documents/{did}")),
        _ => None,
    };
    let risk_link = id_of("risk_id").map(|id| format!("/risks/{id}"));
    let details = ["proposal", "reason", "alternative", "method"]
        .iter()
        .filter_map(|k| {
            v.details
                .get(*k)
                .and_then(|val| val.as_str())
                .map(|val| (tr.field(k), val.to_string()))
        })
        .collect();
    Ok(DetailPage {
        ui: Ui::for_signed(s, state),
        document,
        state_text: tr.t(&format!("state-{}", v.request.state.id())),
        status_text: tr.t(&format!("status-{}", v.status)),
        due: local_time(&v.request.step_due_at),
        history,
        details,
        doc_link,
        risk_link,
        errors,
        v,
    })
}

async fn detail(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
) -> Result<Response, UiError> {
    Ok(page(
        &detail_view(&state, &s, id, FormErrors::default()).await?,
    ))
}

#[derive(Deserialize)]
struct DecideForm {
    decision: String,
    comment: Option<String>,
    version: i64,
}

async fn decide(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
    Form(f): Form<DecideForm>,
) -> Result<Response, UiError> {
    let decision = Decision::parse(&f.decision)
        .ok_or_else(|| UiError::new(AppError::field("decision", "invalid"), s.tr))?;
    let result = state
        .app
        .decide_request(
            &s.s.actor,
            id,
            f.version,
            decision,
            f.comment.as_deref().unwrap_or(""),
        )
        .await;
    after_action(&state, &s, id, result).await
}

async fn after_action(
    state: &AppState,
    s: &Signed,
    id: Uuid,
    result: Result<RequestRecord, AppError>,
) -> Result<Response, UiError> {
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/requests/{id}")).into_response()),
        Err(AppError::Invalid(errs)) => Ok(render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &detail_view(state, s, id, FormErrors::from(s.tr, &errs)).await?,
        )),
        Err(AppError::Conflict(code)) => Ok(render(
            StatusCode::CONFLICT,
            &detail_view(state, s, id, FormErrors::one("decision", s.tr.error(code))).await?,
        )),
        Err(e) => Err(UiError::new(e, s.tr)),
    }
}

#[derive(Deserialize)]
struct RequesterForm {
    comment: Option<String>,
    version: i64,
}

async fn resubmit(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
    Form(f): Form<RequesterForm>,
) -> Result<Response, UiError> {
    let result = state
        .app
        .resubmit_request(
            &s.s.actor,
            id,
            f.version,
            f.comment.as_deref().unwrap_or(""),
        )
        .await;
    after_action(&state, &s, id, result).await
}

async fn withdraw(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
    Form(f): Form<RequesterForm>,
) -> Result<Response, UiError> {
    let result = state
        .app
        .withdraw_request(
            &s.s.actor,
            id,
            f.version,
            f.comment.as_deref().unwrap_or(""),
        )
        .await;
    after_action(&state, &s, id, result).await
}

pub struct TaskRow {
    pub t: Task,
    pub due: String,
    pub status_id: String,
    pub status: String,
    pub kind: String,
}

#[derive(Template)]
#[template(path = "requests/tasks_page.html")]
struct TasksPage {
    ui: Ui,
    tasks: Vec<TaskRow>,
}

async fn tasks(State(state): State<AppState>, s: Signed) -> Result<Response, UiError> {
    let tasks = state
        .app
        .my_tasks(&s.s.actor)
        .await
        .ui(s.tr)?
        .into_iter()
        .map(|t| {
            let status_id = serde_json::to_value(t.status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            TaskRow {
                due: local_time(&t.due_at),
                status: s.tr.t(&format!("due-{status_id}")),
                status_id,
                kind: s.tr.t(&format!("task-{}", t.kind)),
                t,
            }
        })
        .collect();
    Ok(page(&TasksPage {
        ui: Ui::for_signed(&s, &state),
        tasks,
    }))
}

pub struct InboxRow {
    pub i: InboxItem,
    pub at: String,
    pub path: String,
}

#[derive(Template)]
#[template(path = "requests/inbox_page.html")]
struct InboxPage {
    ui: Ui,
    items: Vec<InboxRow>,
}

async fn inbox(State(state): State<AppState>, s: Signed) -> Result<Response, UiError> {
    let base = state.app.base_url.to_string();
    let items = state
        .app
        .inbox(&s.s.actor)
        .await
        .ui(s.tr)?
        .into_iter()
        .map(|i| InboxRow {
            at: local_time(&i.created_at),
            path: i.link.strip_prefix(&base).unwrap_or(&i.link).to_string(),
            i,
        })
        .collect();
    Ok(page(&InboxPage {
        ui: Ui::for_signed(&s, &state),
        items,
    }))
}

async fn inbox_read(State(state): State<AppState>, s: Signed) -> Result<Response, UiError> {
    state.app.mark_read(&s.s.actor, None).await.ui(s.tr)?;
    Ok(Redirect::to("/inbox").into_response())
}
