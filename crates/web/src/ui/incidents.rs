//! Incidents (M8): the report anyone makes from a phone, the committee's
//! triage and the 実行責任者's timeline, recovery, the recurrence-prevention
//! plan and closing; the recovery-priority register; statistics; customer
//! complaints and their reports to the committee.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use mamori_app::AppError;
use mamori_app::checklists::Upload;
use mamori_app::incidents::{
    ComplaintInput, ComplaintReport, ComplaintView, DrillInput, IncidentStats, IncidentView,
    ProcedureInput, ReportInput, SystemInput, TriageInput,
};
use mamori_app::ports::{Drill, Incident, IncidentFilter, ResponseProcedure, SystemRecord};
use mamori_domain::Role;
use mamori_domain::incidents::{EntryKind, Kind, State as IncidentState};
use serde::Deserialize;
use uuid::Uuid;

use super::{FormErrors, Ui, local_time, page, page_count, page_offset, settle};
use crate::AppState;
use crate::error::{UiError, UiResultExt};
use crate::session::Signed;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/incidents", get(list))
        .route("/incidents/new", get(report_form).post(report))
        .route("/incidents/stats", get(stats))
        .route("/incidents/systems", get(systems).post(save_system))
        .route(
            "/incidents/procedures",
            get(procedures).post(save_procedure),
        )
        .route(
            "/incidents/procedures/{id}",
            get(procedure).post(record_drill),
        )
        .route("/incidents/{id}", get(detail))
        .route("/incidents/{id}/board-report", get(board_report))
        .route("/incidents/{id}/triage", post(triage))
        .route("/incidents/{id}/entries", post(add_entry))
        .route("/incidents/{id}/recovery", post(recovery))
        .route("/incidents/{id}/plan", post(plan))
        .route("/incidents/{id}/plan/publish", post(publish_plan))
        .route("/incidents/{id}/lessons", post(lessons))
        .route("/incidents/{id}/close", post(close))
        .route("/complaints", get(complaints).post(log_complaint))
        .route("/complaints/{id}", get(complaint).post(report_complaint))
        .route("/complaints/{id}/convene", post(convene))
}

fn kind_name(s: &Signed, k: Kind) -> String {
    s.tr.t(&format!("incident-kind-{}", k.id()))
}

pub struct Row {
    pub i: Incident,
    pub kind: String,
    pub state: String,
    pub reported: String,
}

#[derive(Template)]
#[template(path = "incidents/list_page.html")]
struct ListPage {
    ui: Ui,
    rows: Vec<Row>,
    responder: bool,
    complaints: bool,
    q: ListQuery,
    states: Vec<(String, String)>,
    kinds: Vec<(String, String)>,
    next: Option<String>,
}

impl ListPage {
    fn next_link(&self, cursor: &str) -> String {
        let mut s = format!("/incidents?after={}", crate::session::urlencode(cursor));
        for (k, v) in [
            ("q", &self.q.q),
            ("state", &self.q.state),
            ("kind", &self.q.kind),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                s.push_str(&format!("&{k}={}", crate::session::urlencode(v)));
            }
        }
        s
    }
}

/// The list's filters, as the form sends them.
#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    q: Option<String>,
    state: Option<String>,
    kind: Option<String>,
    after: Option<String>,
}

fn is_responder(s: &Signed) -> bool {
    let a = &s.s.actor;
    [
        Role::CommitteeChair,
        Role::CommitteeViceChair,
        Role::CommitteeMember,
        Role::Secretariat,
    ]
    .iter()
    .any(|r| a.has_role(*r))
}

fn to_row(s: &Signed, i: Incident) -> Row {
    Row {
        kind: kind_name(s, i.kind),
        state: s.tr.t(&format!("incident-state-{}", i.state.id())),
        reported: local_time(&i.reported_at),
        i,
    }
}

async fn list(
    State(state): State<AppState>,
    s: Signed,
    Query(q): Query<ListQuery>,
) -> Result<Response, UiError> {
    let filter = IncidentFilter {
        state: q.state.as_deref().and_then(IncidentState::parse),
        kind: q.kind.as_deref().and_then(Kind::parse),
        text: q.q.clone(),
        after: q.after.clone(),
        limit: 50,
        ..IncidentFilter::default()
    };
    let result = state.app.incidents(&s.s.actor, filter).await.ui(s.tr)?;
    let rows = result.items.into_iter().map(|i| to_row(&s, i)).collect();
    Ok(page(&ListPage {
        ui: Ui::for_signed(&s, &state),
        rows,
        responder: is_responder(&s),
        complaints: is_responder(&s) || s.s.actor.has_role(Role::CustomerInfoManager),
        states: IncidentState::ALL
            .iter()
            .map(|x| {
                (
                    x.id().to_string(),
                    s.tr.t(&format!("incident-state-{}", x.id())),
                )
            })
            .collect(),
        kinds: Kind::ALL
            .iter()
            .map(|k| (k.id().to_string(), kind_name(&s, *k)))
            .collect(),
        next: result.next_cursor,
        q,
    }))
}

#[derive(Template)]
#[template(path = "incidents/report_page.html")]
struct ReportPage {
    ui: Ui,
    input: ReportInput,
    kinds: Vec<(String, String)>,
    systems: Vec<SystemRecord>,
    errors: FormErrors,
}

async fn report_view(
    state: &AppState,
    s: &Signed,
    input: ReportInput,
    errors: FormErrors,
) -> Result<ReportPage, UiError> {
    Ok(ReportPage {
        ui: Ui::for_signed(s, state),
        kinds: Kind::ALL
            .iter()
            .map(|k| (k.id().to_string(), kind_name(s, *k)))
            .collect(),
        systems: state.app.systems(&s.s.actor).await.ui(s.tr)?,
        input,
        errors,
    })
}

async fn report_form(State(state): State<AppState>, s: Signed) -> Result<Response, UiError> {
    Ok(page(
        &report_view(&state, &s, ReportInput::default(), FormErrors::default()).await?,
    ))
}

async fn read_report(mut mp: Multipart) -> (ReportInput, Vec<Upload>) {
    let mut input = ReportInput::default();
    let mut files = Vec::new();
    while let Ok(Some(field)) = mp.next_field().await {
        let name = field.name().unwrap_or_default().to_string();
        if name == "files" {
            let filename = field.file_name().unwrap_or("evidence").to_string();
            let content_type = field
                .content_type()
                .unwrap_or("application/octet-stream")
                .to_string();
            let bytes = field.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
            if !bytes.is_empty() {
                files.push(Upload {
                    filename,
                    content_type,
                    bytes,
                });
            }
            continue;
        }
        let text = field.text().await.unwrap_or_default();
        match name.as_str() {
            "kind" => input.kind = text,
            "description" => input.description = text,
            "occurred_at" => input.occurred_at = text,
            "location" => input.location = text,
            "systems" => {
                if let Ok(id) = Uuid::parse_str(text.trim()) {
                    input.systems.push(id);
                }
            }
            _ => {}
        }
    }
    (input, files)
}

async fn report(
    State(state): State<AppState>,
    s: Signed,
    mp: Multipart,
) -> Result<Response, UiError> {
    let (input, files) = read_report(mp).await;
    let r = state.app.report_incident(&s.s.actor, &input, &files).await;
    settle(
        r,
        s.tr,
        |i| format!("/incidents/{}", i.id),
        |errors| report_view(&state, &s, input.clone(), errors),
    )
    .await
}

pub struct EntryRow {
    pub at: String,
    pub author: String,
    pub kind: String,
    pub body: String,
    pub id: Uuid,
    pub corrects: Option<Uuid>,
}

#[derive(Template)]
#[template(path = "incidents/detail_page.html")]
struct DetailPage {
    ui: Ui,
    v: IncidentView,
    kind: String,
    state: String,
    occurred: String,
    reported: String,
    due: String,
    recovery: String,
    recovery_id: String,
    entries: Vec<EntryRow>,
    kinds: Vec<(String, String)>,
    entry_kinds: Vec<(String, String)>,
    systems: Vec<(SystemRecord, bool)>,
    people: Vec<(Uuid, String)>,
    procedures: Vec<String>,
    blockers: Vec<String>,
    first_steps: String,
    errors: FormErrors,
}

async fn detail_view(
    state: &AppState,
    s: &Signed,
    id: Uuid,
    errors: FormErrors,
) -> Result<DetailPage, UiError> {
    let actor = &s.s.actor;
    let v = state.app.incident_view(actor, id).await.ui(s.tr)?;
    let i = &v.incident;
    let recovery_id = serde_json::to_value(v.recovery)
        .ok()
        .and_then(|x| x.as_str().map(str::to_string))
        .unwrap_or_default();
    let all_systems = state.app.systems(actor).await.ui(s.tr)?;
    let people = if v.can_triage {
        super::people_choices(state, s).await?
    } else {
        vec![]
    };
    Ok(DetailPage {
        ui: Ui::for_signed(s, state),
        kind: kind_name(s, i.kind),
        state: s.tr.t(&format!("incident-state-{}", i.state.id())),
        occurred: local_time(&i.occurred_at),
        reported: local_time(&i.reported_at),
        due: i
            .recovery_due_at
            .as_ref()
            .map(local_time)
            .unwrap_or_default(),
        recovery: s.tr.t(&format!("recovery-{recovery_id}")),
        recovery_id,
        entries: v
            .entries
            .iter()
            .map(|e| EntryRow {
                at: local_time(&e.entry.at),
                author: e.author.clone(),
                kind: s.tr.t(&format!("entry-kind-{}", e.entry.kind.id())),
                body: e.entry.body.clone(),
                id: e.entry.id,
                corrects: e.entry.corrects_id,
            })
            .collect(),
        kinds: Kind::ALL
            .iter()
            .map(|k| (k.id().to_string(), kind_name(s, *k)))
            .collect(),
        entry_kinds: EntryKind::ALL
            .iter()
            .map(|k| {
                (
                    k.id().to_string(),
                    s.tr.t(&format!("entry-kind-{}", k.id())),
                )
            })
            .collect(),
        systems: all_systems
            .into_iter()
            .map(|x| {
                let on = v.systems.iter().any(|y| y.id == x.id);
                (x, on)
            })
            .collect(),
        people,
        procedures: if v.can_triage {
            state
                .app
                .procedures(actor)
                .await
                .ui(s.tr)?
                .into_iter()
                .map(|p| p.name)
                .collect()
        } else {
            vec![]
        },
        blockers: v.blockers.iter().map(|b| s.tr.error(b)).collect(),
        first_steps: i
            .kind
            .first_steps()
            .map(|k| s.tr.t(&format!("incident-first-steps-{k}")))
            .unwrap_or_default(),
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

async fn triage(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    let f = super::Pairs(&pairs);
    let one = |k: &str| f.one(k);
    let t = TriageInput {
        version: one("version").parse().unwrap_or(0),
        kind: one("kind"),
        title: one("title"),
        confirmed: one("confirmed") == "1",
        systems: f.ids("systems"),
        lead_id: Uuid::parse_str(&one("lead_id")).ok(),
        procedure_name: one("procedure_name"),
        board_victim: !one("board_victim").is_empty(),
        board_perpetrator: !one("board_perpetrator").is_empty(),
    };
    let r = state.app.triage_incident(&s.s.actor, id, &t).await;
    back(r, &state, &s, id).await
}

async fn back(
    r: Result<Incident, AppError>,
    state: &AppState,
    s: &Signed,
    id: Uuid,
) -> Result<Response, UiError> {
    settle(
        r,
        s.tr,
        |_| format!("/incidents/{id}"),
        |errors| detail_view(state, s, id, errors),
    )
    .await
}

#[derive(Deserialize)]
struct EntryForm {
    kind: String,
    body: String,
    #[serde(default)]
    corrects_id: String,
}

async fn add_entry(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
    Form(f): Form<EntryForm>,
) -> Result<Response, UiError> {
    let r = state
        .app
        .add_incident_entry(
            &s.s.actor,
            id,
            &f.kind,
            &f.body,
            Uuid::parse_str(f.corrects_id.trim()).ok(),
        )
        .await;
    back(r, &state, &s, id).await
}

#[derive(Deserialize)]
struct VersionNote {
    version: i64,
    #[serde(default)]
    body: String,
}

async fn recovery(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
    Form(f): Form<VersionNote>,
) -> Result<Response, UiError> {
    let r = state
        .app
        .record_recovery(&s.s.actor, id, f.version, &f.body)
        .await;
    back(r, &state, &s, id).await
}

#[derive(Deserialize)]
struct PlanForm {
    version: i64,
    plan_technical: String,
    plan_organisational: String,
}

async fn plan(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
    Form(f): Form<PlanForm>,
) -> Result<Response, UiError> {
    let r = state
        .app
        .write_prevention_plan(
            &s.s.actor,
            id,
            f.version,
            &f.plan_technical,
            &f.plan_organisational,
        )
        .await;
    back(r, &state, &s, id).await
}

async fn publish_plan(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
    Form(f): Form<VersionNote>,
) -> Result<Response, UiError> {
    let r = state
        .app
        .publish_prevention_plan(&s.s.actor, id, f.version)
        .await;
    back(r, &state, &s, id).await
}

#[derive(Deserialize)]
struct LessonsForm {
    version: i64,
    #[serde(default)]
    lessons: String,
    #[serde(default)]
    board_reported_on: String,
}

async fn lessons(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
    Form(f): Form<LessonsForm>,
) -> Result<Response, UiError> {
    let r = state
        .app
        .record_lessons(&s.s.actor, id, f.version, &f.lessons, &f.board_reported_on)
        .await;
    back(r, &state, &s, id).await
}

async fn close(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
    Form(f): Form<VersionNote>,
) -> Result<Response, UiError> {
    let r = state.app.close_incident(&s.s.actor, id, f.version).await;
    back(r, &state, &s, id).await
}

#[derive(Template)]
#[template(path = "incidents/systems_page.html")]
struct SystemsPage {
    ui: Ui,
    systems: Vec<SystemRecord>,
    secretariat: bool,
    input: SystemInput,
    errors: FormErrors,
}

async fn systems_view(
    state: &AppState,
    s: &Signed,
    input: SystemInput,
    errors: FormErrors,
) -> Result<SystemsPage, UiError> {
    Ok(SystemsPage {
        ui: Ui::for_signed(s, state),
        systems: state.app.systems(&s.s.actor).await.ui(s.tr)?,
        secretariat: s.s.actor.has_role(Role::Secretariat),
        input,
        errors,
    })
}

async fn systems(State(state): State<AppState>, s: Signed) -> Result<Response, UiError> {
    Ok(page(
        &systems_view(&state, &s, SystemInput::default(), FormErrors::default()).await?,
    ))
}

#[derive(Deserialize)]
struct SystemForm {
    #[serde(default)]
    id: String,
    #[serde(default)]
    version: i64,
    name: String,
    business: String,
    priority: String,
    #[serde(default)]
    decided_on: String,
}

async fn save_system(
    State(state): State<AppState>,
    s: Signed,
    Form(f): Form<SystemForm>,
) -> Result<Response, UiError> {
    let input = SystemInput {
        name: f.name,
        business: f.business,
        priority: f.priority,
        decided_on: f.decided_on,
    };
    let r = state
        .app
        .save_system(&s.s.actor, Uuid::parse_str(&f.id).ok(), f.version, &input)
        .await;
    settle(
        r,
        s.tr,
        |_| "/incidents/systems".to_string(),
        |errors| systems_view(&state, &s, input.clone(), errors),
    )
    .await
}

#[derive(Template)]
#[template(path = "incidents/stats_page.html")]
struct StatsPage {
    ui: Ui,
    st: IncidentStats,
    avg: String,
}

async fn stats(State(state): State<AppState>, s: Signed) -> Result<Response, UiError> {
    let st = state.app.incident_stats(&s.s.actor).await.ui(s.tr)?;
    Ok(page(&StatsPage {
        ui: Ui::for_signed(&s, &state),
        avg: st
            .avg_hours_to_report
            .map(|h| format!("{h:.1}"))
            .unwrap_or_else(|| "—".into()),
        st,
    }))
}

pub struct ComplaintRow {
    pub c: ComplaintView,
    pub received: String,
    pub due: String,
}

#[derive(Template)]
#[template(path = "incidents/complaints_page.html")]
struct ComplaintsPage {
    ui: Ui,
    rows: Vec<ComplaintRow>,
    input: ComplaintInput,
    errors: FormErrors,
    page_no: usize,
    pages: usize,
}

/// Complaints on one page of the list, newest first.
const COMPLAINTS_PER_PAGE: u32 = 50;

#[derive(Deserialize)]
struct PageQuery {
    page: Option<usize>,
}

async fn complaints_view(
    state: &AppState,
    s: &Signed,
    input: ComplaintInput,
    errors: FormErrors,
    page_no: usize,
) -> Result<ComplaintsPage, UiError> {
    let (page_no, offset) = page_offset(page_no, COMPLAINTS_PER_PAGE);
    let (shown, total) = state
        .app
        .complaints_page(&s.s.actor, COMPLAINTS_PER_PAGE, offset)
        .await
        .ui(s.tr)?;
    let pages = page_count(total, COMPLAINTS_PER_PAGE);
    Ok(ComplaintsPage {
        ui: Ui::for_signed(s, state),
        rows: shown
            .into_iter()
            .map(|c| ComplaintRow {
                received: local_time(&c.complaint.received_at),
                due: local_time(&c.first_report_due),
                c,
            })
            .collect(),
        input,
        errors,
        page_no,
        pages,
    })
}

async fn complaints(
    State(state): State<AppState>,
    s: Signed,
    Query(q): Query<PageQuery>,
) -> Result<Response, UiError> {
    Ok(page(
        &complaints_view(
            &state,
            &s,
            ComplaintInput::default(),
            FormErrors::default(),
            q.page.unwrap_or(1),
        )
        .await?,
    ))
}

#[derive(Deserialize)]
struct ComplaintForm {
    customer: String,
    content: String,
    #[serde(default)]
    received_at: String,
    #[serde(default)]
    leak: Option<String>,
}

async fn log_complaint(
    State(state): State<AppState>,
    s: Signed,
    Form(f): Form<ComplaintForm>,
) -> Result<Response, UiError> {
    let input = ComplaintInput {
        customer: f.customer,
        content: f.content,
        received_at: f.received_at,
        leak: f.leak.is_some(),
    };
    let r = state.app.log_complaint(&s.s.actor, &input).await;
    settle(
        r,
        s.tr,
        |c| format!("/complaints/{}", c.id),
        |errors| complaints_view(&state, &s, input.clone(), errors, 1),
    )
    .await
}

#[derive(Template)]
#[template(path = "incidents/complaint_page.html")]
struct ComplaintPage {
    ui: Ui,
    v: ComplaintView,
    received: String,
    due: String,
    updates: Vec<(String, String)>,
    errors: FormErrors,
}

async fn complaint_view(
    state: &AppState,
    s: &Signed,
    id: Uuid,
    errors: FormErrors,
) -> Result<ComplaintPage, UiError> {
    let v = state.app.complaint_view(&s.s.actor, id).await.ui(s.tr)?;
    Ok(ComplaintPage {
        ui: Ui::for_signed(s, state),
        received: local_time(&v.complaint.received_at),
        due: local_time(&v.first_report_due),
        updates: v
            .updates
            .iter()
            .map(|u| (local_time(&u.at), u.body.clone()))
            .collect(),
        v,
        errors,
    })
}

async fn complaint(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
) -> Result<Response, UiError> {
    Ok(page(
        &complaint_view(&state, &s, id, FormErrors::default()).await?,
    ))
}

#[derive(Deserialize)]
struct ComplaintReportForm {
    version: i64,
    body: String,
    #[serde(default)]
    position: String,
    #[serde(default)]
    stakeholders_notified_on: String,
    #[serde(default)]
    close: Option<String>,
}

async fn report_complaint(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
    Form(f): Form<ComplaintReportForm>,
) -> Result<Response, UiError> {
    let r = state
        .app
        .report_complaint(
            &s.s.actor,
            id,
            &ComplaintReport {
                version: f.version,
                body: f.body,
                position: f.position,
                stakeholders_notified_on: f.stakeholders_notified_on,
                close: f.close.is_some(),
            },
        )
        .await;
    settle(
        r,
        s.tr,
        |_| format!("/complaints/{id}"),
        |errors| complaint_view(&state, &s, id, errors),
    )
    .await
}

pub struct ProcedureRow {
    pub p: ResponseProcedure,
    pub kinds: String,
    pub lead: String,
}

#[derive(Template)]
#[template(path = "incidents/procedures_page.html")]
struct ProceduresPage {
    ui: Ui,
    rows: Vec<ProcedureRow>,
    secretariat: bool,
    kinds: Vec<(String, String)>,
    people: Vec<(Uuid, String)>,
    input: ProcedureInput,
    errors: FormErrors,
}

async fn procedures_view(
    state: &AppState,
    s: &Signed,
    input: ProcedureInput,
    errors: FormErrors,
) -> Result<ProceduresPage, UiError> {
    let actor = &s.s.actor;
    let people = state.app.all_people(actor).await.ui(s.tr)?;
    let name = |id: Option<Uuid>| {
        id.and_then(|id| people.iter().find(|p| p.id == id))
            .map(|p| p.name.clone())
            .unwrap_or_default()
    };
    let rows = state
        .app
        .procedures(actor)
        .await
        .ui(s.tr)?
        .into_iter()
        .map(|p| ProcedureRow {
            kinds: p
                .kinds
                .iter()
                .map(|k| kind_name(s, *k))
                .collect::<Vec<_>>()
                .join("、"),
            lead: name(p.lead_id),
            p,
        })
        .collect();
    let today = state.app.today();
    Ok(ProceduresPage {
        ui: Ui::for_signed(s, state),
        rows,
        secretariat: actor.has_role(Role::Secretariat),
        kinds: Kind::ALL
            .iter()
            .map(|k| (k.id().to_string(), kind_name(s, *k)))
            .collect(),
        people: people
            .iter()
            .filter(|p| !p.has_left(today))
            .map(|p| (p.id, p.name.clone()))
            .collect(),
        input,
        errors,
    })
}

async fn procedures(State(state): State<AppState>, s: Signed) -> Result<Response, UiError> {
    Ok(page(
        &procedures_view(&state, &s, ProcedureInput::default(), FormErrors::default()).await?,
    ))
}

async fn save_procedure(
    State(state): State<AppState>,
    s: Signed,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    let f = super::Pairs(&pairs);
    let one = |k: &str| f.one(k);
    let input = ProcedureInput {
        name: one("name"),
        kinds: f.all("kinds"),
        start_trigger: one("start_trigger"),
        end_trigger: one("end_trigger"),
        roles: one("roles"),
        lead_id: Uuid::parse_str(&one("lead_id")).ok(),
        internal_contacts: one("internal_contacts"),
        external_contacts: one("external_contacts"),
        first_drill: one("first_drill"),
    };
    let id = Uuid::parse_str(&one("id")).ok();
    let version = one("version").parse().unwrap_or(0);
    let r = state
        .app
        .save_procedure(&s.s.actor, id, version, &input)
        .await;
    settle(
        r,
        s.tr,
        |p| format!("/incidents/procedures/{}", p.id),
        |errors| procedures_view(&state, &s, input.clone(), errors),
    )
    .await
}

#[derive(Template)]
#[template(path = "incidents/procedure_page.html")]
struct ProcedurePage {
    ui: Ui,
    p: ResponseProcedure,
    kinds: String,
    lead: String,
    drills: Vec<Drill>,
    can_record: bool,
    today: String,
    input: DrillInput,
    errors: FormErrors,
}

async fn procedure_view(
    state: &AppState,
    s: &Signed,
    id: Uuid,
    input: DrillInput,
    errors: FormErrors,
) -> Result<ProcedurePage, UiError> {
    let (p, drills) = state.app.procedure(&s.s.actor, id).await.ui(s.tr)?;
    let lead = match p.lead_id {
        Some(l) => state
            .app
            .all_people(&s.s.actor)
            .await
            .ui(s.tr)?
            .into_iter()
            .find(|x| x.id == l)
            .map(|x| x.name)
            .unwrap_or_default(),
        None => String::new(),
    };
    Ok(ProcedurePage {
        ui: Ui::for_signed(s, state),
        kinds: p
            .kinds
            .iter()
            .map(|k| kind_name(s, *k))
            .collect::<Vec<_>>()
            .join("、"),
        lead,
        drills,
        can_record: is_responder(s),
        today: state.app.today().to_string(),
        p,
        input,
        errors,
    })
}

async fn procedure(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
) -> Result<Response, UiError> {
    Ok(page(
        &procedure_view(&state, &s, id, DrillInput::default(), FormErrors::default()).await?,
    ))
}

async fn record_drill(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
    Form(input): Form<DrillInput>,
) -> Result<Response, UiError> {
    let r = state.app.record_drill(&s.s.actor, id, &input).await;
    settle(
        r,
        s.tr,
        |_| format!("/incidents/procedures/{id}"),
        |errors| procedure_view(&state, &s, id, input.clone(), errors),
    )
    .await
}

#[derive(Template)]
#[template(path = "incidents/board_report_page.html")]
struct BoardReportPage {
    ui: Ui,
    d: DetailPage,
}

/// The report to the board (取締役会報告, INC-4.4(2)) with the plan: a
/// printable page for incidents that meet the criteria.
async fn board_report(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
) -> Result<Response, UiError> {
    let d = detail_view(&state, &s, id, FormErrors::default()).await?;
    if !d.v.can_respond || !d.v.board_required {
        return Err(UiError::new(AppError::NotFound, s.tr));
    }
    Ok(page(&BoardReportPage {
        ui: Ui::for_signed(&s, &state),
        d,
    }))
}

#[derive(Deserialize)]
struct ConveneForm {
    held_at: String,
    location: String,
}

async fn convene(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
    Form(f): Form<ConveneForm>,
) -> Result<Response, UiError> {
    let r = state
        .app
        .convene_for_complaint(&s.s.actor, id, &f.held_at, &f.location)
        .await;
    settle(
        r,
        s.tr,
        |m| format!("/committee/{}", m.id),
        |errors| complaint_view(&state, &s, id, errors),
    )
    .await
}
