//! 運用確認事項 checklists: the list, answering with evidence files, and the
//! corrective items a "no" opens.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use mamori_app::AppError;
use mamori_app::checklists::{AnswerInput, ChecklistView, Upload, checklist_documents};
use mamori_app::ports::{ChecklistRun, CorrectiveItem};
use mamori_domain::Role;
use mamori_domain::policy::PolicyDocument;
use serde::Deserialize;
use uuid::Uuid;

use super::{FormErrors, Show, Ui, form_or_page, page, render};
use crate::AppState;
use crate::error::{UiError, UiResultExt};
use crate::session::Signed;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/checklists", get(list).post(start))
        .route("/checklists/new", get(new))
        .route("/checklists/{id}", get(detail).post(submit))
        .route("/attachments/{id}", get(download))
        .route("/corrective/{id}/done", post(corrective_done))
}

pub struct RunRow {
    pub r: ChecklistRun,
    pub document: String,
    pub owner: String,
}

#[derive(Template)]
#[template(path = "checklists/list_page.html")]
struct ListPage {
    ui: Ui,
    runs: Vec<RunRow>,
    correctives: Vec<CorrectiveItem>,
    secretariat: bool,
    documents: Vec<(String, String)>,
    people: Vec<(Uuid, String)>,
    today: String,
    errors: FormErrors,
    form: bool,
    page_no: usize,
    pages: usize,
}

/// Rounds on one page of the list, latest due first.
const PER_PAGE: u32 = 100;

#[derive(Deserialize)]
struct ListQuery {
    page: Option<usize>,
}

async fn list_view(
    state: &AppState,
    s: &Signed,
    errors: FormErrors,
    show: Show,
) -> Result<ListPage, UiError> {
    let actor = &s.s.actor;
    let today = state.app.today();
    let doc_name = |d: &str| {
        PolicyDocument::parse(d)
            .map(|p| p.name(s.tr.0).to_string())
            .unwrap_or_default()
    };
    let (shown, page_no, pages, people) =
        form_or_page(state, s, show, PER_PAGE, |limit, offset| {
            state.app.checklists_page(actor, limit, offset)
        })
        .await?;
    let names: HashMap<Uuid, String> = state
        .app
        .person_names(&s.s.actor, shown.iter().map(|r| r.owner_id))
        .await
        .ui(s.tr)?;
    let runs = shown
        .into_iter()
        .map(|r| RunRow {
            document: doc_name(&r.document),
            owner: names.get(&r.owner_id).cloned().unwrap_or_default(),
            r,
        })
        .collect();
    Ok(ListPage {
        ui: Ui::for_signed(s, state),
        runs,
        correctives: state.app.my_corrective_items(actor).await.ui(s.tr)?,
        secretariat: actor.has_role(Role::Secretariat),
        documents: checklist_documents()
            .ui(s.tr)?
            .into_iter()
            .map(|d| (d.to_string(), format!("{} ({d})", doc_name(d))))
            .collect(),
        people,
        today: (today + time::Duration::days(14)).to_string(),
        errors,
        form: matches!(show, Show::Form),
        page_no,
        pages,
    })
}

async fn list(
    State(state): State<AppState>,
    s: Signed,
    Query(q): Query<ListQuery>,
) -> Result<Response, UiError> {
    let show = Show::Page(q.page.unwrap_or(1));
    Ok(page(
        &list_view(&state, &s, FormErrors::default(), show).await?,
    ))
}

async fn new(State(state): State<AppState>, s: Signed) -> Result<Response, UiError> {
    Ok(page(
        &list_view(&state, &s, FormErrors::default(), Show::Form).await?,
    ))
}

#[derive(Deserialize)]
struct StartForm {
    document: String,
    owner_id: Uuid,
    due_on: String,
}

async fn start(
    State(state): State<AppState>,
    s: Signed,
    Form(f): Form<StartForm>,
) -> Result<Response, UiError> {
    let due = match mamori_app::org::parse_date("due_on", Some(&f.due_on)) {
        Ok(Some(d)) => d,
        _ => {
            return Ok(render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &list_view(
                    &state,
                    &s,
                    FormErrors::one("due_on", s.tr.error("invalid_date")),
                    Show::Form,
                )
                .await?,
            ));
        }
    };
    match state
        .app
        .start_checklist(&s.s.actor, &f.document, f.owner_id, due)
        .await
    {
        Ok(r) => Ok(Redirect::to(&format!("/checklists/{}", r.id)).into_response()),
        Err(AppError::Invalid(errs)) => Ok(render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &list_view(&state, &s, FormErrors::from(s.tr, &errs), Show::Form).await?,
        )),
        Err(AppError::Conflict(c)) => Ok(render(
            StatusCode::CONFLICT,
            &list_view(
                &state,
                &s,
                FormErrors::one("document", s.tr.error(c)),
                Show::Form,
            )
            .await?,
        )),
        Err(e) => Err(UiError::new(e, s.tr)),
    }
}

#[derive(Template)]
#[template(path = "checklists/detail_page.html")]
struct DetailPage {
    ui: Ui,
    v: ChecklistView,
    document: String,
    errors: FormErrors,
}

impl DetailPage {
    fn statement<'a>(&self, o: &'a mamori_domain::compliance::Obligation) -> &'a str {
        o.statement(self.ui.tr.0)
    }
    fn answer_of(&self, id: &str) -> Option<&mamori_app::ports::ChecklistAnswer> {
        self.v.answers.iter().find(|a| a.obligation_id == id)
    }
    fn answer_text(&self, a: &mamori_app::ports::ChecklistAnswer) -> String {
        self.ui.t(&format!("checklist-answer-{}", a.answer))
    }
}

async fn detail_view(
    state: &AppState,
    s: &Signed,
    id: Uuid,
    errors: FormErrors,
) -> Result<DetailPage, UiError> {
    let v = state.app.checklist_view(&s.s.actor, id).await.ui(s.tr)?;
    let document = PolicyDocument::parse(&v.run.document)
        .map(|p| p.name(s.tr.0).to_string())
        .unwrap_or_default();
    Ok(DetailPage {
        ui: Ui::for_signed(s, state),
        v,
        document,
        errors,
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

/// Fields `item_N` (obligation id), `answer_N`, `comment_N`, `file_N`.
async fn read_answers(mut mp: Multipart) -> Vec<AnswerInput> {
    let mut rows: std::collections::BTreeMap<usize, AnswerInput> = Default::default();
    while let Ok(Some(field)) = mp.next_field().await {
        let name = field.name().unwrap_or_default().to_string();
        let Some((kind, n)) = name
            .split_once('_')
            .and_then(|(k, n)| n.parse::<usize>().ok().map(|n| (k.to_string(), n)))
        else {
            continue;
        };
        let entry = rows.entry(n).or_insert_with(|| AnswerInput {
            obligation_id: String::new(),
            answer: String::new(),
            comment: String::new(),
            file: None,
        });
        match kind.as_str() {
            "file" => {
                let filename = field.file_name().unwrap_or("evidence").to_string();
                let content_type = field
                    .content_type()
                    .unwrap_or("application/octet-stream")
                    .to_string();
                let bytes = field.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
                if !bytes.is_empty() {
                    entry.file = Some(Upload {
                        filename,
                        content_type,
                        bytes,
                    });
                }
            }
            other => {
                let text = field.text().await.unwrap_or_default();
                match other {
                    "item" => entry.obligation_id = text,
                    "answer" => entry.answer = text,
                    "comment" => entry.comment = text,
                    _ => {}
                }
            }
        }
    }
    rows.into_values().collect()
}

async fn submit(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
    mp: Multipart,
) -> Result<Response, UiError> {
    let answers = read_answers(mp).await;
    match state.app.submit_checklist(&s.s.actor, id, answers).await {
        Ok(_) => Ok(Redirect::to(&format!("/checklists/{id}")).into_response()),
        Err(AppError::Invalid(errs)) => Ok(render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &detail_view(&state, &s, id, FormErrors::from(s.tr, &errs)).await?,
        )),
        Err(AppError::Conflict(c)) => Ok(render(
            StatusCode::CONFLICT,
            &detail_view(&state, &s, id, FormErrors::one("answers", s.tr.error(c))).await?,
        )),
        Err(e) => Err(UiError::new(e, s.tr)),
    }
}

async fn download(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
) -> Result<Response, UiError> {
    let (a, bytes) = state.app.attachment(&s.s.actor, id).await.ui(s.tr)?;
    let disposition = format!("attachment; filename=\"{}\"", a.filename.replace('"', ""));
    Ok((
        [
            (header::CONTENT_TYPE, a.content_type),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

async fn corrective_done(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
) -> Result<Response, UiError> {
    state
        .app
        .complete_corrective(&s.s.actor, id)
        .await
        .ui(s.tr)?;
    Ok(Redirect::to("/checklists").into_response())
}
