//! The organisation pages: departments (a tree), people, role holders, the
//! HR CSV import with its preview, the health view and the deputy for an
//! unavailable 委員長.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use mamori_app::org::{AssignmentInput, DepartmentInput, PersonInput};
use mamori_app::org_import::{ImportPlan, RowAction};
use mamori_app::ports::{AssignmentFilter, Delegation, PersonFilter};
use mamori_app::{AppError, Permission};
use mamori_domain::Role;
use mamori_domain::health::Finding;
use mamori_domain::org::{Department, EmploymentType, Person, RoleAssignment};
use serde::Deserialize;
use uuid::Uuid;

use super::{FormErrors, Ui, date_value, local_time, page, render};
use crate::AppState;
use crate::error::{UiError, UiResultExt};
use crate::i18n::Tr;
use crate::routes;
use crate::session::Signed;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(routes::DEPARTMENTS, get(departments_page))
        .route(
            routes::DEPARTMENT_NEW,
            get(department_new).post(department_create),
        )
        .route(
            "/org/departments/{id}",
            get(department_edit).post(department_update),
        )
        .route("/org/departments/{id}/delete", post(department_delete))
        .route(routes::PEOPLE, get(people_page))
        .route(routes::PERSON_NEW, get(person_new).post(person_create))
        .route("/org/people/{id}", get(person_page))
        .route(
            "/org/people/{id}/edit",
            get(person_edit).post(person_update),
        )
        .route(routes::ROLES, get(roles_page).post(role_assign))
        .route("/org/roles/{id}/end", post(role_end))
        .route(routes::ORG_IMPORT, get(import_page).post(import_preview))
        .route("/org/import/commit", post(import_commit))
        .route(routes::ORG_HEALTH, get(health_page))
        .route(
            routes::DELEGATION,
            get(delegation_page).post(delegation_start),
        )
        .route("/org/delegation/{id}/end", post(delegation_end))
}

/// Departments in tree order with their depth.
pub fn tree(depts: &[Department]) -> Vec<(usize, Department)> {
    fn walk(
        parent: Option<Uuid>,
        depth: usize,
        all: &[Department],
        out: &mut Vec<(usize, Department)>,
    ) {
        let mut children: Vec<&Department> = all.iter().filter(|d| d.parent_id == parent).collect();
        children.sort_by(|a, b| a.code.cmp(&b.code));
        for c in children {
            if out.iter().any(|(_, d)| d.id == c.id) || depth > all.len() {
                continue;
            }
            out.push((depth, c.clone()));
            walk(Some(c.id), depth + 1, all, out);
        }
    }
    let mut out = Vec::new();
    walk(None, 0, depts, &mut out);
    out
}

fn names(depts: &[Department]) -> HashMap<Uuid, String> {
    depts.iter().map(|d| (d.id, d.name.clone())).collect()
}

// ---- departments ----

#[derive(Template)]
#[template(path = "org/departments_page.html")]
struct DepartmentsPage {
    ui: Ui,
    rows: Vec<(usize, Department, u64)>,
}

async fn departments_page(State(state): State<AppState>, s: Signed) -> Result<Response, UiError> {
    let depts = state.app.departments(&s.s.actor).await.ui(s.tr)?;
    let counts = state.app.headcounts(&s.s.actor).await.ui(s.tr)?;
    let rows = tree(&depts)
        .into_iter()
        .map(|(depth, d)| {
            let n = counts.get(&d.id).copied().unwrap_or(0);
            (depth, d, n)
        })
        .collect();
    Ok(page(&DepartmentsPage {
        ui: Ui::for_signed(&s, &state),
        rows,
    }))
}

#[derive(Template)]
#[template(path = "org/department_form_page.html")]
struct DepartmentForm {
    ui: Ui,
    id: Option<Uuid>,
    version: i64,
    input: DepartmentInput,
    parents: Vec<(usize, Department)>,
    errors: FormErrors,
}

impl DepartmentForm {
    fn is_parent(&self, id: &Uuid) -> bool {
        self.input.parent_id == Some(*id)
    }
}

async fn department_new(State(state): State<AppState>, s: Signed) -> Result<Response, UiError> {
    s.s.actor.require(Permission::ManageOrg).ui(s.tr)?;
    let parents = tree(&state.app.departments(&s.s.actor).await.ui(s.tr)?);
    Ok(page(&DepartmentForm {
        ui: Ui::for_signed(&s, &state),
        id: None,
        version: 0,
        input: DepartmentInput::default(),
        parents,
        errors: FormErrors::default(),
    }))
}

#[derive(Deserialize)]
struct DepartmentFormData {
    code: String,
    name: String,
    parent_id: Option<String>,
    is_information_systems: Option<String>,
    is_audit: Option<String>,
    version: Option<i64>,
}

impl DepartmentFormData {
    fn input(&self) -> DepartmentInput {
        DepartmentInput {
            code: self.code.clone(),
            name: self.name.clone(),
            parent_id: self.parent_id.as_deref().and_then(|p| p.parse().ok()),
            is_information_systems: self.is_information_systems.is_some(),
            is_audit: self.is_audit.is_some(),
        }
    }
}

async fn department_form_error(
    state: &AppState,
    s: &Signed,
    id: Option<Uuid>,
    version: i64,
    input: DepartmentInput,
    e: AppError,
) -> Result<Response, UiError> {
    match e {
        AppError::Invalid(errs) => {
            let parents = tree(&state.app.departments(&s.s.actor).await.ui(s.tr)?);
            Ok(render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &DepartmentForm {
                    ui: Ui::for_signed(s, state),
                    id,
                    version,
                    input,
                    parents,
                    errors: FormErrors::from(s.tr, &errs),
                },
            ))
        }
        other => Err(UiError::new(other, s.tr)),
    }
}

async fn department_create(
    State(state): State<AppState>,
    s: Signed,
    Form(f): Form<DepartmentFormData>,
) -> Result<Response, UiError> {
    let input = f.input();
    match state.app.create_department(&s.s.actor, &input).await {
        Ok(_) => Ok(Redirect::to(routes::DEPARTMENTS).into_response()),
        Err(e) => department_form_error(&state, &s, None, 0, input, e).await,
    }
}

async fn department_edit(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
) -> Result<Response, UiError> {
    s.s.actor.require(Permission::ManageOrg).ui(s.tr)?;
    let d = state.app.department(&s.s.actor, id).await.ui(s.tr)?;
    let parents = tree(&state.app.departments(&s.s.actor).await.ui(s.tr)?)
        .into_iter()
        .filter(|(_, p)| p.id != id)
        .collect();
    let input = DepartmentInput {
        code: d.code,
        name: d.name,
        parent_id: d.parent_id,
        is_information_systems: d.is_information_systems,
        is_audit: d.is_audit,
    };
    Ok(page(&DepartmentForm {
        ui: Ui::for_signed(&s, &state),
        id: Some(id),
        version: d.version,
        input,
        parents,
        errors: FormErrors::default(),
    }))
}

async fn department_update(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
    Form(f): Form<DepartmentFormData>,
) -> Result<Response, UiError> {
    let input = f.input();
    let version = f.version.unwrap_or(0);
    match state
        .app
        .update_department(&s.s.actor, id, version, &input)
        .await
    {
        Ok(_) => Ok(Redirect::to(routes::DEPARTMENTS).into_response()),
        Err(e) => department_form_error(&state, &s, Some(id), version, input, e).await,
    }
}

#[derive(Deserialize)]
struct VersionForm {
    version: i64,
}

async fn department_delete(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
    Form(f): Form<VersionForm>,
) -> Result<Response, UiError> {
    state
        .app
        .delete_department(&s.s.actor, id, f.version)
        .await
        .ui(s.tr)?;
    Ok(Redirect::to(routes::DEPARTMENTS).into_response())
}

// ---- people ----

#[derive(Deserialize, Default)]
struct PeopleQuery {
    q: Option<String>,
    department: Option<String>,
    employment_type: Option<String>,
    include_left: Option<String>,
    after: Option<String>,
}

struct PersonRow {
    person: Person,
    department: String,
    employment: String,
    left: bool,
}

#[derive(Template)]
#[template(path = "org/people_page.html")]
struct PeoplePage {
    ui: Ui,
    rows: Vec<PersonRow>,
    q: String,
    department: String,
    employment_type: String,
    include_left: bool,
    departments: Vec<(usize, Department)>,
    types: Vec<(String, String)>,
    next: Option<String>,
}

impl PeoplePage {
    fn next_link(&self, cursor: &str) -> String {
        let mut s = format!(
            "{}?after={}",
            routes::PEOPLE,
            crate::session::urlencode(cursor)
        );
        for (k, v) in [
            ("q", &self.q),
            ("department", &self.department),
            ("employment_type", &self.employment_type),
        ] {
            if !v.is_empty() {
                s.push_str(&format!("&{k}={}", crate::session::urlencode(v)));
            }
        }
        if self.include_left {
            s.push_str("&include_left=on");
        }
        s
    }
}

fn employment_types(tr: Tr) -> Vec<(String, String)> {
    EmploymentType::ALL
        .iter()
        .map(|t| (t.id().to_string(), t.name(tr.0).to_string()))
        .collect()
}

async fn people_page(
    State(state): State<AppState>,
    s: Signed,
    Query(q): Query<PeopleQuery>,
) -> Result<Response, UiError> {
    let depts = state.app.departments(&s.s.actor).await.ui(s.tr)?;
    let include_left = q.include_left.is_some();
    let filter = PersonFilter {
        department_id: q.department.as_deref().and_then(|d| d.parse().ok()),
        employment_type: q.employment_type.as_deref().and_then(EmploymentType::parse),
        text: q.q.clone(),
        active_on: if include_left {
            None
        } else {
            Some(state.app.today())
        },
        after: q.after.clone(),
        limit: 50,
    };
    let result = state.app.people(&s.s.actor, filter).await.ui(s.tr)?;
    let dn = names(&depts);
    let today = state.app.today();
    let rows = result
        .items
        .into_iter()
        .map(|p| PersonRow {
            department: p
                .department_id
                .and_then(|d| dn.get(&d).cloned())
                .unwrap_or_default(),
            employment: p.employment_type.name(s.tr.0).to_string(),
            left: p.has_left(today),
            person: p,
        })
        .collect();
    Ok(page(&PeoplePage {
        ui: Ui::for_signed(&s, &state),
        rows,
        q: q.q.unwrap_or_default(),
        department: q.department.unwrap_or_default(),
        employment_type: q.employment_type.unwrap_or_default(),
        include_left,
        departments: tree(&depts),
        types: employment_types(s.tr),
        next: result.next_cursor,
    }))
}

struct AssignmentRow {
    a: RoleAssignment,
    role: String,
    department: String,
    active: bool,
}

struct AccountView {
    exists: bool,
    locked: bool,
    disabled: bool,
    mfa: bool,
    must_change: bool,
    failures: i64,
}

#[derive(Template)]
#[template(path = "org/person_page.html")]
struct PersonPage {
    ui: Ui,
    p: Person,
    department: String,
    employment: String,
    assignments: Vec<AssignmentRow>,
    roles: Vec<(String, String)>,
    departments: Vec<(usize, Department)>,
    manage_org: bool,
    account: Option<AccountView>,
    today: String,
    errors: FormErrors,
    is_self: bool,
}

async fn person_view(
    state: &AppState,
    s: &Signed,
    id: Uuid,
    errors: FormErrors,
) -> Result<PersonPage, UiError> {
    let actor = &s.s.actor;
    let detail = state.app.person_detail(actor, id).await.ui(s.tr)?;
    let depts = state.app.departments(actor).await.ui(s.tr)?;
    let dn = names(&depts);
    let today = state.app.today();
    let assignments = detail
        .assignments
        .iter()
        .map(|a| AssignmentRow {
            a: a.clone(),
            role: s.tr.role(a.role).to_string(),
            department: a
                .department_id
                .and_then(|d| dn.get(&d).cloned())
                .unwrap_or_default(),
            active: a.is_active(today),
        })
        .collect();
    let account = actor
        .can(Permission::ManageUsers)
        .then(|| match &detail.credential {
            Some(c) => AccountView {
                exists: c.password_hash.is_some(),
                locked: mamori_domain::password::is_locked(
                    c.locked,
                    c.locked_until,
                    state.app.now(),
                ),
                disabled: c.disabled,
                mfa: c.totp_enabled,
                must_change: c.must_change,
                failures: c.failed_count,
            },
            None => AccountView {
                exists: false,
                locked: false,
                disabled: false,
                mfa: false,
                must_change: false,
                failures: 0,
            },
        });
    Ok(PersonPage {
        ui: Ui::for_signed(s, state),
        department: detail
            .person
            .department_id
            .and_then(|d| dn.get(&d).cloned())
            .unwrap_or_default(),
        employment: detail.person.employment_type.name(s.tr.0).to_string(),
        is_self: detail.person.id == actor.id(),
        p: detail.person,
        assignments,
        roles: Role::ALL
            .iter()
            .filter(|r| **r != Role::Employee)
            .map(|r| (r.id().to_string(), s.tr.role(*r).to_string()))
            .collect(),
        departments: tree(&depts),
        manage_org: actor.can(Permission::ManageOrg),
        account,
        today: today.to_string(),
        errors,
    })
}

async fn person_page(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
) -> Result<Response, UiError> {
    Ok(page(
        &person_view(&state, &s, id, FormErrors::default()).await?,
    ))
}

#[derive(Template)]
#[template(path = "org/person_form_page.html")]
struct PersonForm {
    ui: Ui,
    id: Option<Uuid>,
    version: i64,
    input: PersonInput,
    departments: Vec<(usize, Department)>,
    types: Vec<(String, String)>,
    errors: FormErrors,
}

impl PersonForm {
    fn dept_selected(&self, id: &Uuid) -> bool {
        self.input.department_id == Some(*id)
    }
    fn opt(v: &Option<String>) -> String {
        v.clone().unwrap_or_default()
    }
}

#[derive(Deserialize)]
struct PersonFormData {
    employee_no: String,
    name: String,
    name_kana: String,
    email: String,
    employment_type: String,
    department_id: Option<String>,
    joined_on: Option<String>,
    transferred_on: Option<String>,
    left_on: Option<String>,
    version: Option<i64>,
}

impl PersonFormData {
    fn input(&self) -> PersonInput {
        PersonInput {
            employee_no: self.employee_no.clone(),
            name: self.name.clone(),
            name_kana: self.name_kana.clone(),
            email: self.email.clone(),
            employment_type: self.employment_type.clone(),
            department_id: self.department_id.as_deref().and_then(|d| d.parse().ok()),
            joined_on: self.joined_on.clone(),
            transferred_on: self.transferred_on.clone(),
            left_on: self.left_on.clone(),
            language: None,
        }
    }
}

async fn person_form(
    state: &AppState,
    s: &Signed,
    id: Option<Uuid>,
    version: i64,
    input: PersonInput,
    errors: FormErrors,
) -> Result<PersonForm, UiError> {
    let depts = state.app.departments(&s.s.actor).await.ui(s.tr)?;
    Ok(PersonForm {
        ui: Ui::for_signed(s, state),
        id,
        version,
        input,
        departments: tree(&depts),
        types: employment_types(s.tr),
        errors,
    })
}

async fn person_new(State(state): State<AppState>, s: Signed) -> Result<Response, UiError> {
    s.s.actor.require(Permission::ManageOrg).ui(s.tr)?;
    let input = PersonInput {
        employment_type: "regular".into(),
        ..Default::default()
    };
    Ok(page(
        &person_form(&state, &s, None, 0, input, FormErrors::default()).await?,
    ))
}

async fn person_create(
    State(state): State<AppState>,
    s: Signed,
    Form(f): Form<PersonFormData>,
) -> Result<Response, UiError> {
    let input = f.input();
    match state.app.create_person(&s.s.actor, &input).await {
        Ok(p) => Ok(Redirect::to(&routes::person(p.id)).into_response()),
        Err(AppError::Invalid(errs)) => {
            let errors = FormErrors::from(s.tr, &errs);
            Ok(render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &person_form(&state, &s, None, 0, input, errors).await?,
            ))
        }
        Err(e) => Err(UiError::new(e, s.tr)),
    }
}

async fn person_edit(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
) -> Result<Response, UiError> {
    s.s.actor.require(Permission::ManageOrg).ui(s.tr)?;
    let p = state
        .app
        .person_detail(&s.s.actor, id)
        .await
        .ui(s.tr)?
        .person;
    let input = PersonInput {
        employee_no: p.employee_no,
        name: p.name,
        name_kana: p.name_kana,
        email: p.email,
        employment_type: p.employment_type.id().into(),
        department_id: p.department_id,
        joined_on: Some(date_value(&p.joined_on)),
        transferred_on: Some(date_value(&p.transferred_on)),
        left_on: Some(date_value(&p.left_on)),
        language: None,
    };
    Ok(page(
        &person_form(
            &state,
            &s,
            Some(id),
            p.version,
            input,
            FormErrors::default(),
        )
        .await?,
    ))
}

async fn person_update(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
    Form(f): Form<PersonFormData>,
) -> Result<Response, UiError> {
    let input = f.input();
    let version = f.version.unwrap_or(0);
    match state
        .app
        .update_person(&s.s.actor, id, version, &input)
        .await
    {
        Ok(p) => Ok(Redirect::to(&routes::person(p.id)).into_response()),
        Err(AppError::Invalid(errs)) => {
            let errors = FormErrors::from(s.tr, &errs);
            Ok(render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &person_form(&state, &s, Some(id), version, input, errors).await?,
            ))
        }
        Err(e) => Err(UiError::new(e, s.tr)),
    }
}

// ---- roles ----

#[derive(Deserialize, Default)]
struct RolesQuery {
    role: Option<String>,
    include_ended: Option<String>,
}

struct RoleHolder {
    a: RoleAssignment,
    role: String,
    person: String,
    department: String,
    active: bool,
}

#[derive(Template)]
#[template(path = "org/roles_page.html")]
struct RolesPage {
    ui: Ui,
    rows: Vec<RoleHolder>,
    roles: Vec<(String, String)>,
    selected: String,
    include_ended: bool,
    manage_org: bool,
    today: String,
}

async fn roles_page(
    State(state): State<AppState>,
    s: Signed,
    Query(q): Query<RolesQuery>,
) -> Result<Response, UiError> {
    let actor = &s.s.actor;
    let include_ended = q.include_ended.is_some();
    let today = state.app.today();
    let filter = AssignmentFilter {
        role: q.role.as_deref().and_then(|r| r.parse().ok()),
        active_on: if include_ended { None } else { Some(today) },
        ..Default::default()
    };
    let assignments = state.app.assignments(actor, filter).await.ui(s.tr)?;
    let depts = names(&state.app.departments(actor).await.ui(s.tr)?);
    let people: HashMap<Uuid, String> = state
        .app
        .all_people(&s.s.actor)
        .await
        .ui(s.tr)?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let rows = assignments
        .into_iter()
        .map(|a| RoleHolder {
            role: s.tr.role(a.role).to_string(),
            person: people.get(&a.person_id).cloned().unwrap_or_default(),
            department: a
                .department_id
                .and_then(|d| depts.get(&d).cloned())
                .unwrap_or_default(),
            active: a.is_active(today),
            a,
        })
        .collect();
    Ok(page(&RolesPage {
        ui: Ui::for_signed(&s, &state),
        rows,
        roles: Role::ALL
            .iter()
            .map(|r| (r.id().to_string(), s.tr.role(*r).to_string()))
            .collect(),
        selected: q.role.unwrap_or_default(),
        include_ended,
        manage_org: actor.can(Permission::ManageOrg),
        today: today.to_string(),
    }))
}

#[derive(Deserialize)]
struct AssignForm {
    person_id: Uuid,
    role: String,
    department_id: Option<String>,
    starts_on: String,
    ends_on: Option<String>,
}

async fn role_assign(
    State(state): State<AppState>,
    s: Signed,
    Form(f): Form<AssignForm>,
) -> Result<Response, UiError> {
    let input = AssignmentInput {
        person_id: f.person_id,
        role: f.role,
        department_id: f.department_id.as_deref().and_then(|d| d.parse().ok()),
        starts_on: f.starts_on,
        ends_on: f.ends_on,
    };
    match state.app.assign_role(&s.s.actor, &input).await {
        Ok(_) => Ok(Redirect::to(&routes::person(f.person_id)).into_response()),
        Err(AppError::Invalid(errs)) => {
            let errors = FormErrors::from(s.tr, &errs);
            Ok(render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &person_view(&state, &s, f.person_id, errors).await?,
            ))
        }
        Err(e) => Err(UiError::new(e, s.tr)),
    }
}

#[derive(Deserialize)]
struct EndForm {
    ends_on: String,
    back: Option<String>,
}

async fn role_end(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
    Form(f): Form<EndForm>,
) -> Result<Response, UiError> {
    let a = state
        .app
        .end_assignment(&s.s.actor, id, &f.ends_on)
        .await
        .ui(s.tr)?;
    let back = f
        .back
        .filter(|b| b == "roles")
        .map(|_| routes::ROLES.to_string())
        .unwrap_or_else(|| routes::person(a.person_id));
    Ok(Redirect::to(&back).into_response())
}

// ---- import ----

#[derive(Template)]
#[template(path = "org/import_page.html")]
struct ImportPage {
    ui: Ui,
    plan: Option<ImportPlan>,
    data: String,
    filename: String,
    done: bool,
    error: String,
}

impl ImportPage {
    fn action(&self, a: &RowAction) -> String {
        self.ui.t(match a {
            RowAction::Create => "import-create",
            RowAction::Update => "import-update",
            RowAction::Unchanged => "import-unchanged",
        })
    }
    fn issue(&self, code: &str) -> String {
        self.ui.tr.error(code)
    }
    /// `code:argument` from the parser, translated.
    fn file_issue(&self, f: &str) -> String {
        match f.split_once(':') {
            Some((code, arg)) => self.ui.tr.t1(&format!("err-{code}"), "detail", arg),
            None => self.ui.tr.error(f),
        }
    }
    fn created(&self) -> usize {
        self.plan
            .as_ref()
            .map(|p| p.count(RowAction::Create))
            .unwrap_or(0)
    }
    fn updated(&self) -> usize {
        self.plan
            .as_ref()
            .map(|p| p.count(RowAction::Update))
            .unwrap_or(0)
    }
    fn unchanged(&self) -> usize {
        self.plan
            .as_ref()
            .map(|p| p.count(RowAction::Unchanged))
            .unwrap_or(0)
    }
}

async fn import_page(State(state): State<AppState>, s: Signed) -> Result<Response, UiError> {
    s.s.actor.require(Permission::ManageOrg).ui(s.tr)?;
    Ok(page(&ImportPage {
        ui: Ui::for_signed(&s, &state),
        plan: None,
        data: String::new(),
        filename: String::new(),
        done: false,
        error: String::new(),
    }))
}

/// Parses the uploaded bytes (any encoding HR uses) into rows for the app.
pub fn rows_of(bytes: &[u8]) -> mamori_app::org_import::ImportRows {
    mamori_io::org_csv::parse_org_csv(bytes).into()
}

async fn import_preview(
    State(state): State<AppState>,
    s: Signed,
    mut mp: Multipart,
) -> Result<Response, UiError> {
    s.s.actor.require(Permission::ManageOrg).ui(s.tr)?;
    let mut bytes = Vec::new();
    let mut filename = String::new();
    while let Ok(Some(field)) = mp.next_field().await {
        if field.name() == Some("file") {
            filename = field.file_name().unwrap_or("upload.csv").to_string();
            bytes = field.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
        }
    }
    let ui = Ui::for_signed(&s, &state);
    if bytes.is_empty() {
        let error = s.tr.t("import-no-file");
        return Ok(render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ImportPage {
                ui,
                plan: None,
                data: String::new(),
                filename,
                done: false,
                error,
            },
        ));
    }
    let plan = state
        .app
        .plan_org_import(&s.s.actor, &rows_of(&bytes))
        .await
        .ui(s.tr)?;
    let status = if plan.is_valid() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render(
        status,
        &ImportPage {
            ui,
            plan: Some(plan),
            data: STANDARD.encode(&bytes),
            filename,
            done: false,
            error: String::new(),
        },
    ))
}

#[derive(Deserialize)]
struct CommitForm {
    data: String,
    filename: String,
}

async fn import_commit(
    State(state): State<AppState>,
    s: Signed,
    Form(f): Form<CommitForm>,
) -> Result<Response, UiError> {
    let bytes = STANDARD
        .decode(f.data.as_bytes())
        .map_err(|_| UiError::new(AppError::field("data", "invalid"), s.tr))?;
    let ui = Ui::for_signed(&s, &state);
    match state
        .app
        .commit_org_import(
            &s.s.actor,
            &rows_of(&bytes),
            &format!("CSV import: {}", f.filename),
        )
        .await
    {
        Ok(plan) => Ok(page(&ImportPage {
            ui,
            plan: Some(plan),
            data: String::new(),
            filename: f.filename,
            done: true,
            error: String::new(),
        })),
        Err(AppError::Conflict(_)) => {
            let plan = state
                .app
                .plan_org_import(&s.s.actor, &rows_of(&bytes))
                .await
                .ui(s.tr)?;
            Ok(render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &ImportPage {
                    ui,
                    plan: Some(plan),
                    data: f.data,
                    filename: f.filename,
                    done: false,
                    error: String::new(),
                },
            ))
        }
        Err(e) => Err(UiError::new(e, s.tr)),
    }
}

// ---- health ----

#[derive(Template)]
#[template(path = "org/health_page.html")]
struct HealthPage {
    ui: Ui,
    findings: Vec<Finding>,
}

impl HealthPage {
    fn message(&self, f: &Finding) -> String {
        self.ui
            .tr
            .t1(&format!("health-{}", f.code), "subject", &f.subject)
    }
}

async fn health_page(State(state): State<AppState>, s: Signed) -> Result<Response, UiError> {
    let findings = state.app.org_health(&s.s.actor).await.ui(s.tr)?;
    Ok(page(&HealthPage {
        ui: Ui::for_signed(&s, &state),
        findings,
    }))
}

// ---- delegation ----

struct DelegationRow {
    d: Delegation,
    absent: String,
    deputy: String,
    from: String,
    until: String,
    active: bool,
}

#[derive(Template)]
#[template(path = "org/delegation_page.html")]
struct DelegationPage {
    ui: Ui,
    rows: Vec<DelegationRow>,
    chair: String,
    vice: String,
    manage_org: bool,
    errors: FormErrors,
}

async fn delegation_view(
    state: &AppState,
    s: &Signed,
    errors: FormErrors,
) -> Result<DelegationPage, UiError> {
    let actor = &s.s.actor;
    let people: HashMap<Uuid, String> = state
        .app
        .all_people(&s.s.actor)
        .await
        .ui(s.tr)?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let now = state.app.now();
    let holder = |role| AssignmentFilter {
        role: Some(role),
        active_on: Some(state.app.today()),
        ..Default::default()
    };
    let name_of = |a: Vec<RoleAssignment>| {
        a.first()
            .and_then(|a| people.get(&a.person_id).cloned())
            .unwrap_or_default()
    };
    let chair = name_of(
        state
            .app
            .assignments(actor, holder(Role::CommitteeChair))
            .await
            .ui(s.tr)?,
    );
    let vice = name_of(
        state
            .app
            .assignments(actor, holder(Role::CommitteeViceChair))
            .await
            .ui(s.tr)?,
    );
    let rows = state
        .app
        .delegations(actor)
        .await
        .ui(s.tr)?
        .into_iter()
        .map(|d| DelegationRow {
            absent: people.get(&d.absent_person_id).cloned().unwrap_or_default(),
            deputy: people.get(&d.deputy_person_id).cloned().unwrap_or_default(),
            from: local_time(&d.starts_at),
            until: d.ends_at.as_ref().map(local_time).unwrap_or_default(),
            active: d.starts_at <= now && d.ends_at.is_none_or(|e| now < e),
            d,
        })
        .collect();
    Ok(DelegationPage {
        ui: Ui::for_signed(s, state),
        rows,
        chair,
        vice,
        manage_org: actor.can(Permission::ManageOrg),
        errors,
    })
}

async fn delegation_page(State(state): State<AppState>, s: Signed) -> Result<Response, UiError> {
    Ok(page(
        &delegation_view(&state, &s, FormErrors::default()).await?,
    ))
}

#[derive(Deserialize)]
struct DelegationForm {
    reason: String,
    until: Option<String>,
}

async fn delegation_start(
    State(state): State<AppState>,
    s: Signed,
    Form(f): Form<DelegationForm>,
) -> Result<Response, UiError> {
    let until = match mamori_app::org::parse_date("until", f.until.as_deref()) {
        Ok(d) => d.map(|d| d.midnight().assume_offset(mamori_app::ORG_OFFSET)),
        Err(e) => {
            let errors = FormErrors::from(s.tr, &[e]);
            return Ok(render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &delegation_view(&state, &s, errors).await?,
            ));
        }
    };
    match state
        .app
        .mark_chair_unavailable(&s.s.actor, &f.reason, until)
        .await
    {
        Ok(_) => Ok(Redirect::to(routes::DELEGATION).into_response()),
        Err(AppError::Invalid(errs)) => {
            let errors = FormErrors::from(s.tr, &errs);
            Ok(render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &delegation_view(&state, &s, errors).await?,
            ))
        }
        Err(AppError::Conflict(c)) => {
            let errors = FormErrors::one("reason", s.tr.error(c));
            Ok(render(
                StatusCode::CONFLICT,
                &delegation_view(&state, &s, errors).await?,
            ))
        }
        Err(e) => Err(UiError::new(e, s.tr)),
    }
}

async fn delegation_end(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<Uuid>,
) -> Result<Response, UiError> {
    state.app.end_delegation(&s.s.actor, id).await.ui(s.tr)?;
    Ok(Redirect::to(routes::DELEGATION).into_response())
}
