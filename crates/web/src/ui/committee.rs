//! The committee's meetings: convene, call non-standing members, decide the
//! agenda, assign action items, publish the minutes.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use mamori_app::AppError;
use mamori_app::committee::{MeetingInput, MeetingView};
use mamori_app::ports::{Meeting, RequestRecord};
use mamori_domain::Role;
use mamori_domain::workflow::CommitteeDecision;
use serde::Deserialize;
use uuid::Uuid;

use super::{FormErrors, Ui, local_time, page, render};
use crate::AppState;
use crate::error::{UiError, UiResultExt};
use crate::session::Signed;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/committee", get(list))
        .route("/committee/new", get(new_form).post(create))
        .route("/committee/{id}", get(detail))
        .route("/committee/{id}/items", post(add_item))
        .route("/committee/{id}/items/{item}/decide", post(decide_item))
        .route("/committee/{id}/call", post(call_member))
        .route("/committee/{id}/attendance", post(attendance))
        .route("/committee/{id}/actions", post(add_action))
        .route("/committee/{id}/publish", post(publish))
        .route("/actions/{id}/done", post(action_done))
}

#[derive(Template)]
#[template(path = "committee/list_page.html")]
struct ListPage {
    ui: Ui,
    meetings: Vec<(Meeting, String)>,
    pending: Vec<RequestRecord>,
    secretariat: bool,
}

async fn list(State(state): State<AppState>, s: Signed) -> Result<Response, UiError> {
    let meetings = state
        .app
        .meetings(&s.s.actor)
        .await
        .ui(s.tr)?
        .into_iter()
        .map(|m| {
            let t = local_time(&m.held_at);
            (m, t)
        })
        .collect();
    let pending = state
        .app
        .pending_committee_items(&s.s.actor)
        .await
        .ui(s.tr)?;
    Ok(page(&ListPage {
        ui: Ui::for_signed(&s, &state),
        meetings,
        pending,
        secretariat: s.s.actor.has_role(Role::Secretariat),
    }))
}

#[derive(Template)]
#[template(path = "committee/new_page.html")]
struct NewPage {
    ui: Ui,
    input: MeetingInput,
    errors: FormErrors,
}

async fn new_form(State(state): State<AppState>, s: Signed) -> Result<Response, UiError> {
    if !s.s.actor.has_role(Role::Secretariat) {
        return Err(UiError::new(AppError::Forbidden, s.tr));
    }
    let input = MeetingInput {
        kind: "regular".into(),
        ..Default::default()
    };
    Ok(page(&NewPage {
        ui: Ui::for_signed(&s, &state),
        input,
        errors: FormErrors::default(),
    }))
}

async fn create(
    State(state): State<AppState>,
    s: Signed,
    Form(input): Form<MeetingInput>,
) -> Result<Response, UiError> {
    match state.app.create_meeting(&s.s.actor, &input).await {
        Ok(m) => Ok(Redirect::to(&format!("/committee/{}", m.id)).into_response()),
        Err(AppError::Invalid(errs)) => Ok(render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &NewPage {
                ui: Ui::for_signed(&s, &state),
                input,
                errors: FormErrors::from(s.tr, &errs),
            },
        )),
        Err(e) => Err(UiError::new(e, s.tr)),
    }
}

#[derive(Template)]
#[template(path = "committee/detail_page.html")]
struct DetailPage {
    ui: Ui,
    v: MeetingView,
    held_at: String,
    secretariat: bool,
    chair: bool,
    published: bool,
    decisions: Vec<(String, String)>,
    people: Vec<(Uuid, String)>,
    today: String,
    errors: FormErrors,
}

impl ListPage {
    fn state_text(&self, m: &Meeting) -> String {
        self.ui.t(&format!("meeting-{}", m.state))
    }
}

impl DetailPage {
    fn state_text(&self) -> String {
        self.ui.t(&format!("meeting-{}", self.v.meeting.state))
    }
    fn decision_text(&self, d: &Option<CommitteeDecision>) -> String {
        d.map(|d| self.ui.t(&format!("decision-{}", d.id())))
            .unwrap_or_default()
    }
}

async fn detail_view(
    state: &AppState,
    s: &Signed,
    id: Uuid,
    errors: FormErrors,
) -> Result<DetailPage, UiError> {
    let v = state.app.meeting_view(&s.s.actor, id).await.ui(s.tr)?;
    let people = state
        .app
        .all_people(&s.s.actor)
        .await
        .ui(s.tr)?
        .into_iter()
        .filter(|p| !p.has_left(state.app.today()))
        .map(|p| (p.id, p.name))
        .collect();
    Ok(DetailPage {
        ui: Ui::for_signed(s, state),
        held_at: local_time(&v.meeting.held_at),
        published: v.meeting.state == "published",
        secretariat: s.s.actor.has_role(Role::Secretariat),
        chair: s.s.actor.has_role(Role::CommitteeChair),
        decisions: CommitteeDecision::ALL
            .iter()
            .map(|d| (d.id().to_string(), s.tr.t(&format!("decision-{}", d.id()))))
            .collect(),
        people,
        today: state.app.today().to_string(),
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

async fn respond(
    state: &AppState,
    s: &Signed,
    id: Uuid,
    result: Result<(), AppError>,
) -> Result<Response, UiError> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/committee/{id}")).into_response()),
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
struct TitleForm {
    title: String,
}

async fn add_item(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
    Form(f): Form<TitleForm>,
) -> Result<Response, UiError> {
    let r = state.app.add_agenda_topic(&s.s.actor, id, &f.title).await;
    respond(&state, &s, id, r).await
}

#[derive(Deserialize)]
struct DecideForm {
    decision: String,
    reasoning: String,
    conditions: Option<String>,
}

async fn decide_item(
    State(state): State<AppState>,
    s: Signed,
    Path((id, item)): Path<(Uuid, Uuid)>,
    Form(f): Form<DecideForm>,
) -> Result<Response, UiError> {
    let r = match CommitteeDecision::parse(&f.decision) {
        Some(d) => {
            state
                .app
                .decide_agenda_item(
                    &s.s.actor,
                    id,
                    item,
                    d,
                    &f.reasoning,
                    f.conditions.as_deref().unwrap_or(""),
                )
                .await
        }
        None => Err(AppError::field("decision", "invalid")),
    };
    respond(&state, &s, id, r).await
}

#[derive(Deserialize)]
struct PersonForm {
    person_id: Uuid,
    present: Option<String>,
}

async fn call_member(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
    Form(f): Form<PersonForm>,
) -> Result<Response, UiError> {
    let r = state
        .app
        .call_non_standing_member(&s.s.actor, id, f.person_id)
        .await;
    respond(&state, &s, id, r).await
}

async fn attendance(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
    Form(f): Form<PersonForm>,
) -> Result<Response, UiError> {
    let r = state
        .app
        .set_presence(
            &s.s.actor,
            id,
            f.person_id,
            f.present.as_deref() == Some("true"),
        )
        .await;
    respond(&state, &s, id, r).await
}

#[derive(Deserialize)]
struct ActionForm {
    title: String,
    owner_id: Uuid,
    due_on: String,
}

async fn add_action(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
    Form(f): Form<ActionForm>,
) -> Result<Response, UiError> {
    let r = state
        .app
        .add_action_item(&s.s.actor, id, &f.title, f.owner_id, &f.due_on)
        .await
        .map(|_| ());
    respond(&state, &s, id, r).await
}

#[derive(Deserialize)]
struct VersionForm {
    version: i64,
}

async fn publish(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
    Form(f): Form<VersionForm>,
) -> Result<Response, UiError> {
    let r = state
        .app
        .publish_minutes(&s.s.actor, id, f.version)
        .await
        .map(|_| ());
    respond(&state, &s, id, r).await
}

async fn action_done(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
) -> Result<Response, UiError> {
    state
        .app
        .complete_action_item(&s.s.actor, id)
        .await
        .ui(s.tr)?;
    Ok(Redirect::to("/tasks").into_response())
}
