//! Departments, people, role assignments and the organisation health findings.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use mamori_app::org::{AssignmentInput, DepartmentInput, PersonInput};
use mamori_app::ports::{AssignmentFilter, PersonFilter};
use mamori_domain::health::Finding;
use mamori_domain::org::{Department, EmploymentType, Person, RoleAssignment};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{ApiCaller, ApiResultExt};
use crate::AppState;
use crate::error::ApiError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/departments",
            get(list_departments).post(create_department),
        )
        .route(
            "/departments/{id}",
            get(get_department)
                .put(update_department)
                .delete(delete_department),
        )
        .route("/people", get(list_people).post(create_person))
        .route("/people/{id}", get(get_person).put(update_person))
        .route(
            "/role-assignments",
            get(list_assignments).post(create_assignment),
        )
        .route("/role-assignments/{id}/end", post(end_assignment))
        .route("/org-health", get(org_health))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DepartmentList {
    pub items: Vec<Department>,
}

#[utoipa::path(get, path = "/api/v1/departments", tag = "organisation", security(("bearer" = [])),
    responses((status = 200, body = DepartmentList), (status = 401, body = crate::error::Problem)))]
pub async fn list_departments(
    State(s): State<AppState>,
    c: ApiCaller,
) -> Result<Json<DepartmentList>, ApiError> {
    Ok(Json(DepartmentList {
        items: s.app.departments(&c.actor).await.api(&c)?,
    }))
}

#[utoipa::path(post, path = "/api/v1/departments", tag = "organisation", security(("bearer" = [])), request_body = DepartmentInput,
    responses((status = 201, body = Department), (status = 422, body = crate::error::Problem), (status = 403, body = crate::error::Problem)))]
pub async fn create_department(
    State(s): State<AppState>,
    c: ApiCaller,
    Json(input): Json<DepartmentInput>,
) -> Result<(StatusCode, Json<Department>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.create_department(&c.actor, &input).await.api(&c)?),
    ))
}

#[utoipa::path(get, path = "/api/v1/departments/{id}", tag = "organisation", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = Department), (status = 404, body = crate::error::Problem)))]
pub async fn get_department(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<Uuid>,
) -> Result<Json<Department>, ApiError> {
    Ok(Json(s.app.department(&c.actor, id).await.api(&c)?))
}

/// A change to a department, with the version it was read at.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct DepartmentUpdate {
    pub version: i64,
    #[serde(flatten)]
    pub department: DepartmentInput,
}

#[utoipa::path(put, path = "/api/v1/departments/{id}", tag = "organisation", security(("bearer" = [])), request_body = DepartmentUpdate,
    params(("id" = Uuid, Path)), responses((status = 200, body = Department), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn update_department(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<Uuid>,
    Json(u): Json<DepartmentUpdate>,
) -> Result<Json<Department>, ApiError> {
    Ok(Json(
        s.app
            .update_department(&c.actor, id, u.version, &u.department)
            .await
            .api(&c)?,
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct VersionQuery {
    pub version: i64,
}

#[utoipa::path(delete, path = "/api/v1/departments/{id}", tag = "organisation", security(("bearer" = [])),
    params(("id" = Uuid, Path), VersionQuery), responses((status = 204), (status = 409, body = crate::error::Problem)))]
pub async fn delete_department(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<Uuid>,
    Query(q): Query<VersionQuery>,
) -> Result<StatusCode, ApiError> {
    s.app
        .delete_department(&c.actor, id, q.version)
        .await
        .api(&c)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct PeopleQuery {
    pub department_id: Option<Uuid>,
    /// executive | regular | contract | temporary | contractor
    pub employment_type: Option<String>,
    /// Matches 氏名, ふりがな, e-mail or 社員番号.
    pub q: Option<String>,
    #[serde(default)]
    pub include_left: bool,
    /// The `next_cursor` of the previous page.
    pub after: Option<String>,
    /// 1–500, default 100.
    pub limit: Option<u32>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PersonPage {
    pub items: Vec<Person>,
    pub next_cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/people", tag = "organisation", security(("bearer" = [])), params(PeopleQuery),
    responses((status = 200, body = PersonPage), (status = 422, body = crate::error::Problem)))]
pub async fn list_people(
    State(s): State<AppState>,
    c: ApiCaller,
    Query(q): Query<PeopleQuery>,
) -> Result<Json<PersonPage>, ApiError> {
    let employment_type = c.choice(
        "employment_type",
        "unknown_employment_type",
        q.employment_type.as_deref(),
        EmploymentType::parse,
    )?;
    let filter = PersonFilter {
        department_id: q.department_id,
        employment_type,
        text: q.q,
        active_on: if q.include_left {
            None
        } else {
            Some(s.app.today())
        },
        after: q.after,
        limit: q.limit.unwrap_or(100),
    };
    let page = s.app.people(&c.actor, filter).await.api(&c)?;
    Ok(Json(PersonPage {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

#[utoipa::path(post, path = "/api/v1/people", tag = "organisation", security(("bearer" = [])), request_body = PersonInput,
    responses((status = 201, body = Person), (status = 422, body = crate::error::Problem), (status = 403, body = crate::error::Problem)))]
pub async fn create_person(
    State(s): State<AppState>,
    c: ApiCaller,
    Json(input): Json<PersonInput>,
) -> Result<(StatusCode, Json<Person>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.create_person(&c.actor, &input).await.api(&c)?),
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PersonWithRoles {
    pub person: Person,
    pub assignments: Vec<RoleAssignment>,
}

#[utoipa::path(get, path = "/api/v1/people/{id}", tag = "organisation", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = PersonWithRoles), (status = 404, body = crate::error::Problem)))]
pub async fn get_person(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<Uuid>,
) -> Result<Json<PersonWithRoles>, ApiError> {
    let d = s.app.person_detail(&c.actor, id).await.api(&c)?;
    Ok(Json(PersonWithRoles {
        person: d.person,
        assignments: d.assignments,
    }))
}

/// A change to a person, with the version it was read at.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct PersonUpdate {
    pub version: i64,
    #[serde(flatten)]
    pub person: PersonInput,
}

#[utoipa::path(put, path = "/api/v1/people/{id}", tag = "organisation", security(("bearer" = [])), request_body = PersonUpdate,
    params(("id" = Uuid, Path)), responses((status = 200, body = Person), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn update_person(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<Uuid>,
    Json(u): Json<PersonUpdate>,
) -> Result<Json<Person>, ApiError> {
    Ok(Json(
        s.app
            .update_person(&c.actor, id, u.version, &u.person)
            .await
            .api(&c)?,
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct AssignmentQuery {
    pub person_id: Option<Uuid>,
    pub role: Option<String>,
    pub department_id: Option<Uuid>,
    /// Only assignments active on this date (YYYY-MM-DD); default: all.
    pub active_on: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AssignmentList {
    pub items: Vec<RoleAssignment>,
}

#[utoipa::path(get, path = "/api/v1/role-assignments", tag = "organisation", security(("bearer" = [])), params(AssignmentQuery),
    responses((status = 200, body = AssignmentList), (status = 422, body = crate::error::Problem)))]
pub async fn list_assignments(
    State(s): State<AppState>,
    c: ApiCaller,
    Query(q): Query<AssignmentQuery>,
) -> Result<Json<AssignmentList>, ApiError> {
    let role = c.choice("role", "unknown_role", q.role.as_deref(), |r| {
        r.parse().ok()
    })?;
    let active_on = mamori_app::org::parse_date("active_on", q.active_on.as_deref())
        .map_err(|e| c.err(e.into()))?;
    let filter = AssignmentFilter {
        person_id: q.person_id,
        role,
        department_id: q.department_id,
        active_on,
    };
    Ok(Json(AssignmentList {
        items: s.app.assignments(&c.actor, filter).await.api(&c)?,
    }))
}

#[utoipa::path(post, path = "/api/v1/role-assignments", tag = "organisation", security(("bearer" = [])), request_body = AssignmentInput,
    responses((status = 201, body = RoleAssignment), (status = 422, body = crate::error::Problem)))]
pub async fn create_assignment(
    State(s): State<AppState>,
    c: ApiCaller,
    Json(input): Json<AssignmentInput>,
) -> Result<(StatusCode, Json<RoleAssignment>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.assign_role(&c.actor, &input).await.api(&c)?),
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct EndAssignment {
    /// Last day the role is held (YYYY-MM-DD).
    pub ends_on: String,
}

#[utoipa::path(post, path = "/api/v1/role-assignments/{id}/end", tag = "organisation", security(("bearer" = [])), request_body = EndAssignment,
    params(("id" = Uuid, Path)), responses((status = 200, body = RoleAssignment), (status = 422, body = crate::error::Problem)))]
pub async fn end_assignment(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<Uuid>,
    Json(e): Json<EndAssignment>,
) -> Result<Json<RoleAssignment>, ApiError> {
    Ok(Json(
        s.app
            .end_assignment(&c.actor, id, &e.ends_on)
            .await
            .api(&c)?,
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct HealthReport {
    pub findings: Vec<Finding>,
}

#[utoipa::path(get, path = "/api/v1/org-health", tag = "organisation", security(("bearer" = [])),
    responses((status = 200, body = HealthReport), (status = 403, body = crate::error::Problem)))]
pub async fn org_health(
    State(s): State<AppState>,
    c: ApiCaller,
) -> Result<Json<HealthReport>, ApiError> {
    Ok(Json(HealthReport {
        findings: s.app.org_health(&c.actor).await.api(&c)?,
    }))
}
