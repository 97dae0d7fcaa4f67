//! Periodic duties: the 事務局 schedules them; owners record them done.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use mamori_app::AppError;
use mamori_app::duties::{DutyInput, due_time};
use mamori_app::ports::PeriodicDuty;
use mamori_domain::Role;
use mamori_domain::schedule::{Cadence, due_status};
use serde::Deserialize;
use uuid::Uuid;

use super::{FormErrors, Show, Ui, form_or_page, page, render};
use crate::AppState;
use crate::error::{UiError, UiResultExt};
use crate::session::Signed;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/duties", get(list).post(create))
        .route("/duties/new", get(new))
        .route("/duties/{id}/done", post(done))
        .route("/duties/{id}/retire", post(retire))
}

pub struct DutyRow {
    pub d: PeriodicDuty,
    pub owner: String,
    pub cadence: String,
    pub status_id: String,
    pub status: String,
    pub mine: bool,
}

#[derive(Template)]
#[template(path = "duties/list_page.html")]
struct ListPage {
    ui: Ui,
    rows: Vec<DutyRow>,
    secretariat: bool,
    input: DutyInput,
    people: Vec<(Uuid, String)>,
    cadences: Vec<(String, String)>,
    errors: FormErrors,
    /// The form to schedule a duty, on a page of its own (it lists everyone);
    /// otherwise a page of the list.
    form: bool,
    page_no: usize,
    pages: usize,
}

/// Duties on one page of the list, soonest due first.
const PER_PAGE: u32 = 100;

#[derive(Deserialize)]
struct ListQuery {
    page: Option<usize>,
}

async fn view(
    state: &AppState,
    s: &Signed,
    input: DutyInput,
    errors: FormErrors,
    show: Show,
) -> Result<ListPage, UiError> {
    let actor = &s.s.actor;
    let (shown, page_no, pages, people) =
        form_or_page(state, s, show, PER_PAGE, |limit, offset| {
            state.app.duties_page(actor, limit, offset)
        })
        .await?;
    let names: HashMap<Uuid, String> = state
        .app
        .person_names(&s.s.actor, shown.iter().map(|d| d.owner_id))
        .await
        .ui(s.tr)?;
    let name = |id: Uuid| names.get(&id).cloned().unwrap_or_default();
    let now = state.app.now();
    let soon = state.app.alert_settings().await.ui(s.tr)?.due_soon_days;
    let rows = shown
        .into_iter()
        .map(|d| {
            let status_id = serde_json::to_value(due_status(due_time(d.next_due), None, now, soon))
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            DutyRow {
                owner: name(d.owner_id),
                cadence: cadence_text(s, &d.cadence),
                status: s.tr.t(&format!("due-{status_id}")),
                status_id,
                mine: d.owner_id == actor.id() || actor.has_role(Role::Secretariat),
                d,
            }
        })
        .collect();
    Ok(ListPage {
        ui: Ui::for_signed(s, state),
        rows,
        secretariat: actor.has_role(Role::Secretariat),
        input,
        people,
        form: matches!(show, Show::Form),
        page_no,
        pages,
        cadences: [
            "yearly",
            "quarterly",
            "monthly",
            "every_180_days",
            "every_30_days",
        ]
        .iter()
        .map(|c| (c.to_string(), cadence_text(s, c)))
        .collect(),
        errors,
    })
}

fn cadence_text(s: &Signed, id: &str) -> String {
    match Cadence::parse(id) {
        Some(Cadence::EveryDays(n)) => s.tr.t1("cadence-every", "n", n),
        Some(c) => s.tr.t(&format!("cadence-{}", c.id())),
        None => id.to_string(),
    }
}

fn blank(state: &AppState) -> DutyInput {
    DutyInput {
        cadence: "yearly".into(),
        first_due: state.app.today().to_string(),
        ..Default::default()
    }
}

async fn list(
    State(state): State<AppState>,
    s: Signed,
    Query(q): Query<ListQuery>,
) -> Result<Response, UiError> {
    let show = Show::Page(q.page.unwrap_or(1));
    Ok(page(
        &view(&state, &s, blank(&state), FormErrors::default(), show).await?,
    ))
}

async fn new(State(state): State<AppState>, s: Signed) -> Result<Response, UiError> {
    Ok(page(
        &view(&state, &s, blank(&state), FormErrors::default(), Show::Form).await?,
    ))
}

#[derive(Deserialize)]
struct DutyForm {
    title: String,
    source: String,
    owner_id: Option<Uuid>,
    cadence: String,
    every_days: Option<String>,
    first_due: String,
}

async fn create(
    State(state): State<AppState>,
    s: Signed,
    Form(f): Form<DutyForm>,
) -> Result<Response, UiError> {
    let cadence = match f
        .every_days
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        Some(n) => format!("every_{n}_days"),
        None => f.cadence.clone(),
    };
    let input = DutyInput {
        title: f.title,
        source: f.source,
        owner_id: f.owner_id,
        cadence,
        first_due: f.first_due,
    };
    match state.app.create_duty(&s.s.actor, &input).await {
        Ok(_) => Ok(Redirect::to("/duties").into_response()),
        Err(AppError::Invalid(errs)) => Ok(render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &view(&state, &s, input, FormErrors::from(s.tr, &errs), Show::Form).await?,
        )),
        Err(e) => Err(UiError::new(e, s.tr)),
    }
}

#[derive(Deserialize)]
struct DoneForm {
    version: i64,
    note: String,
}

async fn done(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
    Form(f): Form<DoneForm>,
) -> Result<Response, UiError> {
    match state
        .app
        .complete_duty(&s.s.actor, id, f.version, &f.note)
        .await
    {
        Ok(_) => Ok(Redirect::to("/duties").into_response()),
        Err(AppError::Invalid(errs)) => Ok(render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &view(
                &state,
                &s,
                blank(&state),
                FormErrors::from(s.tr, &errs),
                Show::Page(1),
            )
            .await?,
        )),
        Err(e) => Err(UiError::new(e, s.tr)),
    }
}

#[derive(Deserialize)]
struct RetireForm {
    version: i64,
}

async fn retire(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
    Form(f): Form<RetireForm>,
) -> Result<Response, UiError> {
    state
        .app
        .retire_duty(&s.s.actor, id, f.version)
        .await
        .ui(s.tr)?;
    Ok(Redirect::to("/duties").into_response())
}
