//! The compliance dashboard, each obligation with its evidence, and the
//! Statement of Applicability (適用宣言書) for ISO/IEC 27001:2013 and :2022.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use mamori_app::AppError;
use mamori_app::compliance::{ObligationFilter, ObligationRow, SoaRow, StatusCounts};
use mamori_app::ports::Assessment;
use mamori_domain::Role;
use mamori_domain::compliance::status::{Finding, ObligationStatus};
use mamori_domain::policy::PolicyDocument;
use serde::Deserialize;

use super::{FormErrors, Ui, local_time, page, render};
use crate::AppState;
use crate::error::{UiError, UiResultExt};
use crate::session::Signed;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/compliance", get(dashboard))
        .route("/compliance/departments", get(departments))
        .route("/compliance/obligations/{id}", get(detail).post(assess))
        .route("/compliance/obligations/{id}/ask", post(ask))
        .route("/compliance/obligations/{id}/cadence", post(set_cadence))
        .route("/soa/{edition}", get(soa))
        .route("/soa/{edition}/export.csv", get(soa_csv))
        .route("/soa/{edition}/controls/{control}", post(soa_save))
        .route("/soa/{edition}/approve", post(soa_approve))
}

fn status_ids() -> Vec<&'static str> {
    ObligationStatus::ALL.iter().map(|s| s.id()).collect()
}

#[derive(Deserialize, Default)]
struct DashQuery {
    document: Option<String>,
    annex: Option<String>,
    status: Option<String>,
    q: Option<String>,
}

fn nonempty(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

#[derive(Template)]
#[template(path = "compliance/dashboard_page.html")]
struct Dashboard {
    ui: Ui,
    total: StatusCounts,
    per_document: Vec<(String, String, StatusCounts)>,
    per_actor: Vec<(String, String, StatusCounts)>,
    rows: Vec<ObligationRow>,
    statuses: Vec<&'static str>,
    q: DashQuery,
    filtered: bool,
}

impl Dashboard {
    fn count(&self, c: &StatusCounts, id: &&str) -> usize {
        ObligationStatus::parse(id).map(|s| c.get(s)).unwrap_or(0)
    }
    fn v(s: &Option<String>) -> String {
        s.clone().unwrap_or_default()
    }
    fn statement<'a>(&self, r: &'a ObligationRow) -> &'a str {
        r.obligation.statement(self.ui.tr.0)
    }
}

async fn dashboard(
    State(state): State<AppState>,
    s: Signed,
    Query(q): Query<DashQuery>,
) -> Result<Response, UiError> {
    let actor = &s.s.actor;
    let filter = ObligationFilter {
        document: nonempty(&q.document),
        annex: nonempty(&q.annex),
        status: nonempty(&q.status).and_then(|x| ObligationStatus::parse(&x)),
        text: nonempty(&q.q),
    };
    let filtered = filter.document.is_some()
        || filter.annex.is_some()
        || filter.status.is_some()
        || filter.text.is_some();
    let dash = state
        .app
        .compliance_dashboard(actor, &filter)
        .await
        .ui(s.tr)?;
    let mut rows = dash.rows;
    if !filtered {
        // Without a filter, what needs attention first.
        rows.retain(|r| {
            matches!(
                r.status,
                ObligationStatus::Overdue | ObligationStatus::NotKept | ObligationStatus::DueSoon
            )
        });
    }
    let per_document = dash
        .per_document
        .into_iter()
        .map(|(d, c)| {
            let name = PolicyDocument::parse(&d)
                .map(|p| p.name(s.tr.0).to_string())
                .unwrap_or_default();
            (d, name, c)
        })
        .collect();
    let per_actor = dash
        .per_actor
        .into_iter()
        .map(|(a, c)| {
            let name = s.tr.t(&format!("actor-{a}"));
            (a, name, c)
        })
        .collect();
    Ok(page(&Dashboard {
        ui: Ui::for_signed(&s, &state),
        total: dash.total,
        per_document,
        per_actor,
        rows,
        statuses: status_ids(),
        q,
        filtered,
    }))
}

#[derive(Template)]
#[template(path = "compliance/obligation_page.html")]
struct ObligationPage {
    ui: Ui,
    row: ObligationRow,
    /// (assessment, who, when, the evidence file if one was attached)
    history: Vec<(Assessment, String, String, Option<String>)>,
    can_assess: bool,
    secretariat: bool,
    document: String,
    errors: FormErrors,
    /// Checklist rounds that ask about this obligation.
    checklists: Vec<mamori_app::ports::ChecklistRun>,
    /// For the 事務局's request to an owner: people, the suggested owner first.
    people: Vec<(uuid::Uuid, String)>,
    due_default: String,
    /// The policy's own cadence, when the organisation set another.
    policy_cadence: Option<String>,
    periodic: bool,
}

impl ObligationPage {
    fn kind_text(&self) -> String {
        let id = serde_json::to_value(self.row.obligation.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        self.ui.t(&format!("okind-{id}"))
    }
    fn status_text(&self) -> String {
        self.ui.t(&format!("ostatus-{}", self.row.status.id()))
    }
    fn actor_text(&self) -> String {
        self.ui.t(&format!("actor-{}", self.row.obligation.actor))
    }
    fn statement(&self) -> &str {
        self.row.obligation.statement(self.ui.tr.0)
    }
}

async fn detail_view(
    state: &AppState,
    s: &Signed,
    id: &str,
    errors: FormErrors,
) -> Result<ObligationPage, UiError> {
    let actor = &s.s.actor;
    let (row, history) = state.app.obligation_detail(actor, id).await.ui(s.tr)?;
    let people = state.app.all_people(actor).await.ui(s.tr)?;
    let history = history
        .into_iter()
        .map(|a| {
            let who = people
                .iter()
                .find(|p| p.id == a.assessed_by)
                .map(|p| p.name.clone())
                .unwrap_or_default();
            let at = local_time(&a.assessed_at);
            let file = evidence_file(&a.evidence);
            (a, who, at, file)
        })
        .collect();
    let secretariat = actor.has_role(Role::Secretariat);
    let can_assess = secretariat
        || row
            .obligation
            .actor_role()
            .is_some_and(|r| r != Role::Employee && actor.has_role(r));
    let policy_cadence = mamori_app::compliance::bundle()
        .ok()
        .and_then(|b| b.pack.get(&row.obligation.id))
        .and_then(|o| o.cadence.clone())
        .filter(|c| Some(c) != row.obligation.cadence.as_ref());
    let periodic = row.obligation.kind == mamori_domain::compliance::ObligationKind::Periodic;
    let document = PolicyDocument::parse(&row.obligation.document)
        .map(|p| p.name(s.tr.0).to_string())
        .unwrap_or_default();
    let checklists = state
        .app
        .checklists_about(actor, &row.obligation)
        .await
        .ui(s.tr)?;
    let today = state.app.today();
    let suggested: Vec<uuid::Uuid> = match row.obligation.actor_role() {
        Some(role) => state
            .app
            .assignments(
                actor,
                mamori_app::ports::AssignmentFilter {
                    role: Some(role),
                    active_on: Some(today),
                    ..Default::default()
                },
            )
            .await
            .ui(s.tr)?
            .into_iter()
            .map(|a| a.person_id)
            .collect(),
        None => vec![],
    };
    let mut people = super::people_choices(state, s).await?;
    people.sort_by_key(|(id, _)| !suggested.contains(id));
    let due_default = (today + time::Duration::days(7)).to_string();
    Ok(ObligationPage {
        ui: Ui::for_signed(s, state),
        row,
        history,
        can_assess,
        secretariat,
        document,
        errors,
        checklists,
        people,
        due_default,
        policy_cadence,
        periodic,
    })
}

async fn detail(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    Ok(page(
        &detail_view(&state, &s, &id, FormErrors::default()).await?,
    ))
}

#[derive(Deserialize)]
struct AssessForm {
    finding: String,
    note: Option<String>,
    evidence: Option<String>,
}

async fn assess(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    req: axum::extract::Request,
) -> Result<Response, UiError> {
    let (f, file) = assess_form(req, &state, s.tr).await?;
    let result = match Finding::parse(&f.finding) {
        Some(finding) => {
            state
                .app
                .assess_obligation(
                    &s.s.actor,
                    &id,
                    finding,
                    f.note.as_deref().unwrap_or(""),
                    f.evidence.as_deref().unwrap_or(""),
                    file.as_ref(),
                )
                .await
        }
        None => Err(AppError::field("finding", "invalid")),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!(
            "/compliance/obligations/{}",
            crate::session::urlencode(&id)
        ))
        .into_response()),
        Err(AppError::Invalid(errs)) => Ok(render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &detail_view(&state, &s, &id, FormErrors::from(s.tr, &errs)).await?,
        )),
        Err(e) => Err(UiError::new(e, s.tr)),
    }
}

/// The assessment form: a plain form, or multipart with an evidence file.
async fn assess_form(
    req: axum::extract::Request,
    state: &AppState,
    tr: crate::i18n::Tr,
) -> Result<(AssessForm, Option<mamori_app::checklists::Upload>), UiError> {
    use axum::extract::FromRequest;
    let multipart = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        let Form(f) = Form::<AssessForm>::from_request(req, state)
            .await
            .map_err(|_| UiError::new(AppError::field("finding", "invalid"), tr))?;
        return Ok((f, None));
    }
    let mut mp = axum::extract::Multipart::from_request(req, state)
        .await
        .map_err(|_| UiError::new(AppError::field("file", "invalid"), tr))?;
    let mut f = AssessForm {
        finding: String::new(),
        note: None,
        evidence: None,
    };
    let mut file = None;
    while let Ok(Some(field)) = mp.next_field().await {
        let name = field.name().unwrap_or_default().to_string();
        let filename = field.file_name().unwrap_or_default().to_string();
        let content_type = field.content_type().unwrap_or_default().to_string();
        let bytes = field.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
        let text = || String::from_utf8_lossy(&bytes).into_owned();
        match name.as_str() {
            "finding" => f.finding = text(),
            "note" => f.note = Some(text()),
            "evidence" => f.evidence = Some(text()),
            "file" if !bytes.is_empty() => {
                file = Some(mamori_app::checklists::Upload {
                    filename,
                    content_type,
                    bytes,
                })
            }
            _ => {}
        }
    }
    Ok((f, file))
}

#[derive(Template)]
#[template(path = "compliance/soa_page.html")]
struct SoaPage {
    ui: Ui,
    edition: String,
    rows: Vec<SoaRow>,
    secretariat: bool,
    president: bool,
    undecided: usize,
    state: mamori_app::compliance::SoaState,
    approved_by: String,
    approved_at: String,
    errors: FormErrors,
}

impl SoaPage {
    fn title<'a>(&self, r: &'a SoaRow) -> &'a str {
        match self.ui.tr.0 {
            mamori_domain::org::Lang::Ja => &r.title_ja,
            mamori_domain::org::Lang::En => &r.title_en,
        }
    }
    fn summary(&self, r: &SoaRow) -> String {
        ObligationStatus::ALL
            .iter()
            .filter(|st| r.statuses.get(**st) > 0)
            .map(|st| {
                format!(
                    "{} {}",
                    self.ui.t(&format!("ostatus-{}", st.id())),
                    r.statuses.get(*st)
                )
            })
            .collect::<Vec<_>>()
            .join(" / ")
    }
}

fn edition_of(e: &str) -> Result<String, AppError> {
    match e {
        "2013" | "2022" => Ok(e.to_string()),
        _ => Err(AppError::NotFound),
    }
}

async fn soa_view(
    state: &AppState,
    s: &Signed,
    edition: String,
    errors: FormErrors,
) -> Result<SoaPage, UiError> {
    let rows = state.app.soa(&edition).await.ui(s.tr)?;
    let undecided = rows.iter().filter(|r| !r.decided).count();
    let st = state.app.soa_state(&edition).await.ui(s.tr)?;
    let (approved_by, approved_at) = match &st.latest {
        Some(a) => {
            let people = state.app.all_people(&s.s.actor).await.ui(s.tr)?;
            (
                people
                    .iter()
                    .find(|p| p.id == a.approved_by)
                    .map(|p| p.name.clone())
                    .unwrap_or_default(),
                local_time(&a.approved_at),
            )
        }
        None => (String::new(), String::new()),
    };
    Ok(SoaPage {
        ui: Ui::for_signed(s, state),
        edition,
        rows,
        secretariat: s.s.actor.has_role(Role::Secretariat),
        president: s.s.actor.has_role(Role::President),
        undecided,
        state: st,
        approved_by,
        approved_at,
        errors,
    })
}

async fn soa(
    State(state): State<AppState>,
    s: Signed,
    Path(edition): Path<String>,
) -> Result<Response, UiError> {
    let edition = edition_of(&edition).ui(s.tr)?;
    Ok(page(
        &soa_view(&state, &s, edition, FormErrors::default()).await?,
    ))
}

async fn soa_approve(
    State(state): State<AppState>,
    s: Signed,
    Path(edition): Path<String>,
) -> Result<Response, UiError> {
    let edition = edition_of(&edition).ui(s.tr)?;
    match state.app.approve_soa(&s.s.actor, &edition).await {
        Ok(_) => Ok(Redirect::to(&format!("/soa/{edition}")).into_response()),
        Err(AppError::Conflict(code)) => Ok(render(
            StatusCode::CONFLICT,
            &soa_view(
                &state,
                &s,
                edition,
                FormErrors::one("soa", s.tr.error(code)),
            )
            .await?,
        )),
        Err(e) => Err(UiError::new(e, s.tr)),
    }
}

async fn soa_csv(
    State(state): State<AppState>,
    s: Signed,
    Path(edition): Path<String>,
) -> Result<Response, UiError> {
    let edition = edition_of(&edition).ui(s.tr)?;
    let rows = state.app.soa(&edition).await.ui(s.tr)?;
    let csv = mamori_io::soa::to_csv(&rows);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"soa-{edition}.csv\""),
            ),
        ],
        csv,
    )
        .into_response())
}

#[derive(Deserialize)]
struct SoaForm {
    applicable: Option<String>,
    justification: String,
    implementation: Option<String>,
    version: i64,
}

async fn soa_save(
    State(state): State<AppState>,
    s: Signed,
    Path((edition, control)): Path<(String, String)>,
    Form(f): Form<SoaForm>,
) -> Result<Response, UiError> {
    state
        .app
        .save_soa_entry(
            &s.s.actor,
            &edition,
            &control,
            f.applicable.is_some(),
            &f.justification,
            f.implementation.as_deref().unwrap_or(""),
            f.version,
        )
        .await
        .ui(s.tr)?;
    Ok(Redirect::to(&format!("/soa/{edition}#c-{control}")).into_response())
}

#[derive(Deserialize)]
struct AskForm {
    owner_id: uuid::Uuid,
    due_on: String,
}

async fn ask(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    Form(f): Form<AskForm>,
) -> Result<Response, UiError> {
    let due = match mamori_app::org::parse_date("due_on", Some(&f.due_on)) {
        Ok(Some(d)) => d,
        _ => {
            return Ok(render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &detail_view(
                    &state,
                    &s,
                    &id,
                    FormErrors::one("due_on", s.tr.error("invalid_date")),
                )
                .await?,
            ));
        }
    };
    match state
        .app
        .ask_about_obligation(&s.s.actor, &id, f.owner_id, due)
        .await
    {
        Ok(r) => Ok(Redirect::to(&format!("/checklists/{}", r.id)).into_response()),
        Err(AppError::Invalid(errs)) => Ok(render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &detail_view(&state, &s, &id, FormErrors::from(s.tr, &errs)).await?,
        )),
        Err(AppError::Conflict(c)) => Ok(render(
            StatusCode::CONFLICT,
            &detail_view(&state, &s, &id, FormErrors::one("due_on", s.tr.error(c))).await?,
        )),
        Err(e) => Err(UiError::new(e, s.tr)),
    }
}

/// The download link of an evidence file named in an assessment's evidence
/// text (`… attachment <id>`), if any.
fn evidence_file(evidence: &str) -> Option<String> {
    let id = evidence.rsplit("attachment ").next()?;
    let id = id.split_whitespace().next()?;
    evidence
        .contains("attachment ")
        .then(|| uuid::Uuid::parse_str(id).ok())
        .flatten()
        .map(|id| format!("/attachments/{id}"))
}

#[derive(Template)]
#[template(path = "compliance/departments_page.html")]
struct DepartmentsPage {
    ui: Ui,
    rows: Vec<mamori_app::compliance::DepartmentRollup>,
}

/// Where each department stands on its people's work.
async fn departments(State(state): State<AppState>, s: Signed) -> Result<Response, UiError> {
    let rows = state
        .app
        .compliance_by_department(&s.s.actor)
        .await
        .ui(s.tr)?;
    Ok(page(&DepartmentsPage {
        ui: Ui::for_signed(&s, &state),
        rows,
    }))
}

#[derive(Deserialize)]
struct CadenceForm {
    #[serde(default)]
    cadence: String,
    /// Every N days, when given.
    #[serde(default)]
    days: String,
}

/// The 事務局 sets the organisation's cadence of a periodic obligation.
async fn set_cadence(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    Form(f): Form<CadenceForm>,
) -> Result<Response, UiError> {
    let cadence = match f.days.trim() {
        "" => f.cadence.clone(),
        d => format!("every_{d}_days"),
    };
    let result = state
        .app
        .set_obligation_cadence(
            &s.s.actor,
            &id,
            Some(cadence.as_str()).filter(|c| !c.is_empty()),
        )
        .await;
    match result {
        Ok(()) => Ok(Redirect::to(&format!(
            "/compliance/obligations/{}",
            crate::session::urlencode(&id)
        ))
        .into_response()),
        Err(AppError::Invalid(errs)) => Ok(render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &detail_view(&state, &s, &id, FormErrors::from(s.tr, &errs)).await?,
        )),
        Err(e) => Err(UiError::new(e, s.tr)),
    }
}
