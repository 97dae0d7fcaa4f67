//! Keeping the organisation (M1; POL-3, POL-7, POL-8): departments, people,
//! role assignments, the deputy for an unavailable 委員長, the health view
//! and the HR CSV import. Reading is open to everyone signed in; changing is
//! for the 事務局 (and mamori's administrator).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use mamori_domain::Role;
use mamori_domain::health::{self, Finding, OrgSnapshot};
use mamori_domain::org::{
    Department, Email, EmploymentType, FieldError, Lang, Person, RoleAssignment, creates_cycle,
    parse_code, parse_kana, required_text, validate_assignment,
};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::access::{Actor, Permission};
use crate::error::{AppError, AppResult, Errors};
use crate::ports::{AssignmentFilter, Credential, Delegation, Page, PersonFilter};
use crate::{App, DraftExt};

/// Every person's and department's name by id (see `App::directory`).
#[derive(Debug, Default)]
pub struct Directory {
    people: HashMap<Uuid, String>,
    departments: HashMap<Uuid, String>,
}

impl Directory {
    /// The person's name; empty for an id the directory does not know.
    pub fn person(&self, id: Uuid) -> &str {
        self.people.get(&id).map_or("", String::as_str)
    }

    /// The department's name; empty for none or an unknown id.
    pub fn department(&self, id: Option<Uuid>) -> &str {
        id.and_then(|id| self.departments.get(&id))
            .map_or("", String::as_str)
    }
}

/// A department as entered in a form or API call.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct DepartmentInput {
    pub code: String,
    pub name: String,
    pub parent_id: Option<Uuid>,
    #[serde(default)]
    pub is_information_systems: bool,
    #[serde(default)]
    pub is_audit: bool,
}

/// A person as entered in a form or API call; dates as `YYYY-MM-DD`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct PersonInput {
    pub employee_no: String,
    pub name: String,
    pub name_kana: String,
    pub email: String,
    pub employment_type: String,
    pub department_id: Option<Uuid>,
    #[serde(default)]
    pub joined_on: Option<String>,
    #[serde(default)]
    pub transferred_on: Option<String>,
    #[serde(default)]
    pub left_on: Option<String>,
    #[serde(default)]
    pub language: Option<String>,
}

/// A role to give someone.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct AssignmentInput {
    pub person_id: Uuid,
    pub role: String,
    pub department_id: Option<Uuid>,
    pub starts_on: String,
    #[serde(default)]
    pub ends_on: Option<String>,
}

/// Parses `YYYY-MM-DD`; empty means none.
pub fn parse_date(field: &'static str, s: Option<&str>) -> Result<Option<Date>, FieldError> {
    let Some(s) = s.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    Date::parse(
        s,
        &time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map(Some)
    .map_err(|_| FieldError::new(field, "invalid_date"))
}

/// Parses `YYYY-MM-DD` entered in a form; empty means none.
pub(crate) fn parse_day(field: &'static str, s: &str) -> Result<Option<Date>, FieldError> {
    parse_date(field, Some(s))
}

/// A person with their roles (and, for administrators, sign-in state).
#[derive(Debug, Clone, Serialize)]
pub struct PersonDetail {
    pub person: Person,
    pub assignments: Vec<RoleAssignment>,
    #[serde(skip)]
    pub credential: Option<Credential>,
}

impl App {
    pub async fn departments(&self, actor: &Actor) -> AppResult<Vec<Department>> {
        actor.require(Permission::ViewOrg)?;
        Ok(self.store.departments().await?)
    }

    pub async fn department(&self, actor: &Actor, id: Uuid) -> AppResult<Department> {
        actor.require(Permission::ViewOrg)?;
        Ok(self.store.department(id).await?)
    }

    fn department_from(
        &self,
        id: Uuid,
        version: i64,
        input: &DepartmentInput,
        all: &[Department],
    ) -> AppResult<Department> {
        let mut e = Errors::default();
        let code = e.take(parse_code("code", &input.code));
        let name = e.take(required_text("name", &input.name, 100));
        if let Some(parent) = input.parent_id {
            let parents: HashMap<Uuid, Option<Uuid>> =
                all.iter().map(|d| (d.id, d.parent_id)).collect();
            if !parents.contains_key(&parent) {
                e.0.push(FieldError::new("parent_id", "unknown_department"));
            } else if creates_cycle(id, Some(parent), &parents) {
                e.0.push(FieldError::new("parent_id", "department_cycle"));
            }
        }
        if let Some(c) = &code
            && all.iter().any(|d| d.code == *c && d.id != id)
        {
            e.0.push(FieldError::new("code", "duplicate"));
        }
        e.done()?;
        Ok(Department {
            id,
            code: code.unwrap_or_default(),
            name: name.unwrap_or_default(),
            parent_id: input.parent_id,
            is_information_systems: input.is_information_systems,
            is_audit: input.is_audit,
            version,
        })
    }

    pub async fn create_department(
        &self,
        actor: &Actor,
        input: &DepartmentInput,
    ) -> AppResult<Department> {
        actor.require(Permission::ManageOrg)?;
        let all = self.store.departments().await?;
        let d = self.department_from(Uuid::now_v7(), 1, input, &all)?;
        let draft = self
            .draft(
                Some(actor),
                "department.create",
                "department",
                Some(d.id.to_string()),
            )
            .after(&d);
        self.store.insert_department(&d, draft).await?;
        Ok(d)
    }

    pub async fn update_department(
        &self,
        actor: &Actor,
        id: Uuid,
        version: i64,
        input: &DepartmentInput,
    ) -> AppResult<Department> {
        actor.require(Permission::ManageOrg)?;
        let all = self.store.departments().await?;
        let before = all
            .iter()
            .find(|d| d.id == id)
            .cloned()
            .ok_or(AppError::NotFound)?;
        if before.version != version {
            return Err(AppError::Conflict("stale_version"));
        }
        let d = self.department_from(id, version + 1, input, &all)?;
        let draft = self
            .draft(
                Some(actor),
                "department.update",
                "department",
                Some(id.to_string()),
            )
            .before(&before)
            .after(&d);
        self.store.update_department(&d, draft).await?;
        Ok(d)
    }

    pub async fn delete_department(&self, actor: &Actor, id: Uuid, version: i64) -> AppResult<()> {
        actor.require(Permission::ManageOrg)?;
        let before = self.store.department(id).await?;
        let all = self.store.departments().await?;
        if all.iter().any(|d| d.parent_id == Some(id)) {
            return Err(AppError::Conflict("in_use"));
        }
        let draft = self
            .draft(
                Some(actor),
                "department.delete",
                "department",
                Some(id.to_string()),
            )
            .before(&before);
        self.store.delete_department(id, version, draft).await?;
        Ok(())
    }

    pub async fn people(&self, actor: &Actor, filter: PersonFilter) -> AppResult<Page<Person>> {
        actor.require(Permission::ViewOrg)?;
        Ok(self.store.people(&filter).await?)
    }

    /// A person by e-mail (for filters that name someone).
    pub async fn person_by_email(&self, actor: &Actor, email: &str) -> AppResult<Option<Person>> {
        actor.require(Permission::ViewOrg)?;
        Ok(self
            .store
            .person_by_email(&email.trim().to_lowercase())
            .await?)
    }

    /// Everyone, for name look-ups in lists.
    /// How many people each department has today (those who left are not counted).
    pub async fn headcounts(
        &self,
        actor: &Actor,
    ) -> AppResult<std::collections::HashMap<Uuid, u64>> {
        actor.require(Permission::ViewOrg)?;
        Ok(self
            .store
            .headcounts(self.today())
            .await?
            .into_iter()
            .collect())
    }

    /// Every person's and department's name, kept for the state of the data
    /// the actor's request was signed in at: the lists that name an owner
    /// and a department on each row look them up here.
    pub(crate) async fn directory(&self, actor: &Actor) -> AppResult<Arc<Directory>> {
        self.kept_for(actor, &self.snapshots.names, || async {
            Ok(Directory {
                people: self.store.all_person_names().await?.into_iter().collect(),
                departments: self
                    .store
                    .departments()
                    .await?
                    .into_iter()
                    .map(|d| (d.id, d.name))
                    .collect(),
            })
        })
        .await
    }

    /// The names of the given people, for a page that shows a few of them
    /// (from the kept directory: no query while the data is unchanged).
    pub async fn person_names(
        &self,
        actor: &Actor,
        ids: impl IntoIterator<Item = Uuid>,
    ) -> AppResult<HashMap<Uuid, String>> {
        let names = self.directory(actor).await?;
        Ok(ids
            .into_iter()
            .filter_map(|id| names.people.get(&id).map(|n| (id, n.clone())))
            .collect())
    }

    pub async fn all_people(&self, actor: &Actor) -> AppResult<Vec<Person>> {
        actor.require(Permission::ViewOrg)?;
        Ok(self.store.all_people().await?)
    }

    pub async fn person_detail(&self, actor: &Actor, id: Uuid) -> AppResult<PersonDetail> {
        actor.require(Permission::ViewOrg)?;
        let person = self.store.person(id).await?;
        let assignments = self
            .store
            .assignments(&AssignmentFilter {
                person_id: Some(id),
                ..Default::default()
            })
            .await?;
        let credential = if actor.can(Permission::ManageUsers) {
            self.store.credential(id).await?
        } else {
            None
        };
        Ok(PersonDetail {
            person,
            assignments,
            credential,
        })
    }

    async fn person_from(&self, id: Uuid, version: i64, input: &PersonInput) -> AppResult<Person> {
        let mut e = Errors::default();
        let employee_no = e.take(parse_code("employee_no", &input.employee_no));
        let name = e.take(required_text("name", &input.name, 100));
        let name_kana = e.take(parse_kana(&input.name_kana));
        let email = e.take(Email::parse(&input.email));
        let employment_type = e.take(EmploymentType::parse(&input.employment_type).ok_or(
            FieldError::new("employment_type", "unknown_employment_type"),
        ));
        let joined_on = e
            .take(parse_date("joined_on", input.joined_on.as_deref()))
            .flatten();
        let transferred_on = e
            .take(parse_date(
                "transferred_on",
                input.transferred_on.as_deref(),
            ))
            .flatten();
        let left_on = e
            .take(parse_date("left_on", input.left_on.as_deref()))
            .flatten();
        if let (Some(j), Some(l)) = (joined_on, left_on)
            && l < j
        {
            e.0.push(FieldError::new("left_on", "left_before_joined"));
        }
        if let Some(d) = input.department_id
            && self.store.department(d).await.is_err()
        {
            e.0.push(FieldError::new("department_id", "unknown_department"));
        }
        if let Some(em) = &email
            && let Some(other) = self.store.person_by_email(em.as_str()).await?
            && other.id != id
        {
            e.0.push(FieldError::new("email", "duplicate"));
        }
        e.done()?;
        Ok(Person {
            id,
            employee_no: employee_no.unwrap_or_default(),
            name: name.unwrap_or_default(),
            name_kana: name_kana.unwrap_or_default(),
            email: email.map(String::from).unwrap_or_default(),
            employment_type: employment_type.unwrap_or(EmploymentType::Regular),
            department_id: input.department_id,
            joined_on,
            transferred_on,
            left_on,
            language: input
                .language
                .as_deref()
                .and_then(Lang::parse)
                .unwrap_or_default(),
            version,
        })
    }

    pub async fn create_person(&self, actor: &Actor, input: &PersonInput) -> AppResult<Person> {
        actor.require(Permission::ManageOrg)?;
        let p = self.person_from(Uuid::now_v7(), 1, input).await?;
        let draft = self
            .draft(
                Some(actor),
                "person.create",
                "person",
                Some(p.id.to_string()),
            )
            .after(&p);
        self.store.insert_person(&p, draft).await?;
        Ok(p)
    }

    pub async fn update_person(
        &self,
        actor: &Actor,
        id: Uuid,
        version: i64,
        input: &PersonInput,
    ) -> AppResult<Person> {
        actor.require(Permission::ManageOrg)?;
        let before = self.store.person(id).await?;
        if before.version != version {
            return Err(AppError::Conflict("stale_version"));
        }
        let mut p = self.person_from(id, version + 1, input).await?;
        if input.language.is_none() {
            p.language = before.language;
        }
        let draft = self
            .draft(Some(actor), "person.update", "person", Some(id.to_string()))
            .before(&before)
            .after(&p);
        self.store.update_person(&p, draft).await?;
        Ok(p)
    }

    pub async fn assignments(
        &self,
        actor: &Actor,
        filter: AssignmentFilter,
    ) -> AppResult<Vec<RoleAssignment>> {
        actor.require(Permission::ViewOrg)?;
        Ok(self.store.assignments(&filter).await?)
    }

    pub async fn assign_role(
        &self,
        actor: &Actor,
        input: &AssignmentInput,
    ) -> AppResult<RoleAssignment> {
        actor.require(Permission::ManageOrg)?;
        let mut e = Errors::default();
        let role = e.take(
            input
                .role
                .parse::<Role>()
                .map_err(|_| FieldError::new("role", "unknown_role")),
        );
        let starts_on = e.take(
            parse_date("starts_on", Some(&input.starts_on))
                .and_then(|d| d.ok_or(FieldError::new("starts_on", "required"))),
        );
        let ends_on = e
            .take(parse_date("ends_on", input.ends_on.as_deref()))
            .flatten();
        if role == Some(Role::Employee) {
            e.0.push(FieldError::new("role", "implicit_role"));
        }
        e.done()?;
        let (Some(role), Some(starts_on)) = (role, starts_on) else {
            return Err(AppError::field("role", "required"));
        };
        validate_assignment(role, input.department_id, starts_on, ends_on)?;
        let person = self
            .store
            .person(input.person_id)
            .await
            .map_err(|_| AppError::field("person_id", "unknown_person"))?;
        if let Some(d) = input.department_id {
            self.store
                .department(d)
                .await
                .map_err(|_| AppError::field("department_id", "unknown_department"))?;
        }
        if person.has_left(starts_on) {
            return Err(AppError::field("person_id", "person_has_left"));
        }
        let a = RoleAssignment {
            id: Uuid::now_v7(),
            person_id: person.id,
            role,
            department_id: input.department_id,
            starts_on,
            ends_on,
        };
        let draft = self
            .draft(
                Some(actor),
                "role.assign",
                "role_assignment",
                Some(a.id.to_string()),
            )
            .after(&a)
            .detail(format!("{} → {}", person.name, role.name_ja()));
        self.store.insert_assignment(&a, draft).await?;
        Ok(a)
    }

    /// Ends a role assignment on a date (inclusive).
    pub async fn end_assignment(
        &self,
        actor: &Actor,
        id: Uuid,
        ends_on: &str,
    ) -> AppResult<RoleAssignment> {
        actor.require(Permission::ManageOrg)?;
        let before = self.store.assignment(id).await?;
        let ends =
            parse_date("ends_on", Some(ends_on))?.ok_or(FieldError::new("ends_on", "required"))?;
        validate_assignment(
            before.role,
            before.department_id,
            before.starts_on,
            Some(ends),
        )?;
        let after = RoleAssignment {
            ends_on: Some(ends),
            ..before.clone()
        };
        let draft = self
            .draft(
                Some(actor),
                "role.end",
                "role_assignment",
                Some(id.to_string()),
            )
            .before(&before)
            .after(&after);
        self.store.update_assignment(&after, draft).await?;
        Ok(after)
    }

    /// Every rule of the policy the organisation breaks today.
    pub async fn org_health(&self, actor: &Actor) -> AppResult<Vec<Finding>> {
        actor.require(Permission::ViewOrgHealth)?;
        // The same for everyone who may see it; kept while nothing has
        // changed, to the minute (roles end and people leave by the date).
        let findings = self
            .kept(&self.snapshots.org_health, || self.compute_org_health())
            .await?;
        Ok(findings.as_ref().clone())
    }

    async fn compute_org_health(&self) -> AppResult<Vec<Finding>> {
        let departments = self.store.departments().await?;
        // Not all 5,000 people of a large company: the rules speak only of
        // role holders and leavers.
        let people = self.store.people_with_roles_or_left(self.today()).await?;
        let assignments = self.store.assignments(&AssignmentFilter::default()).await?;
        let can_sign_in: HashSet<Uuid> = self
            .store
            .leavers_who_can_sign_in(self.today())
            .await?
            .into_iter()
            .collect();
        Ok(health::evaluate(&OrgSnapshot {
            today: self.today(),
            departments: &departments,
            people: &people,
            assignments: &assignments,
            can_sign_in: &can_sign_in,
            server_groups: &[],
        }))
    }

    pub async fn delegations(&self, actor: &Actor) -> AppResult<Vec<Delegation>> {
        actor.require(Permission::ViewOrg)?;
        Ok(self.store.delegations().await?)
    }

    /// Records that the 委員長 cannot act; the 副委員長 deputises (POL-8.5).
    pub async fn mark_chair_unavailable(
        &self,
        actor: &Actor,
        reason: &str,
        until: Option<OffsetDateTime>,
    ) -> AppResult<Delegation> {
        actor.require(Permission::ManageOrg)?;
        let reason = required_text("reason", reason, 500)?;
        let now = self.now();
        if until.is_some_and(|u| u <= now) {
            return Err(AppError::field("until", "in_the_past"));
        }
        let active = |role| AssignmentFilter {
            role: Some(role),
            active_on: Some(self.today()),
            ..Default::default()
        };
        let chair = self
            .store
            .assignments(&active(Role::CommitteeChair))
            .await?
            .into_iter()
            .next();
        let vice = self
            .store
            .assignments(&active(Role::CommitteeViceChair))
            .await?
            .into_iter()
            .next();
        let (Some(chair), Some(vice)) = (chair, vice) else {
            return Err(AppError::Conflict("no_chair_or_vice_chair"));
        };
        if self
            .store
            .delegations()
            .await?
            .iter()
            .any(|d| d.role == Role::CommitteeChair && d.ends_at.is_none_or(|e| now < e))
        {
            return Err(AppError::Conflict("delegation_active"));
        }
        let d = Delegation {
            id: Uuid::now_v7(),
            role: Role::CommitteeChair,
            absent_person_id: chair.person_id,
            deputy_person_id: vice.person_id,
            reason,
            starts_at: now,
            ends_at: until,
            created_by: actor.id(),
            created_at: now,
        };
        let draft = self
            .draft(
                Some(actor),
                "delegation.start",
                "delegation",
                Some(d.id.to_string()),
            )
            .after(&d);
        self.store.insert_delegation(&d, draft).await?;
        Ok(d)
    }

    pub async fn end_delegation(&self, actor: &Actor, id: Uuid) -> AppResult<()> {
        actor.require(Permission::ManageOrg)?;
        let draft = self.draft(
            Some(actor),
            "delegation.end",
            "delegation",
            Some(id.to_string()),
        );
        self.store.end_delegation(id, self.now(), draft).await?;
        Ok(())
    }
}
