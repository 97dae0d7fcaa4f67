//! Departments, people, role assignments and delegations (M1).

use async_trait::async_trait;
use mamori_app::ports::{
    AssignmentFilter, AuditDraft, Delegation, OrgBatch, OrgRepo, Page, PersonFilter, StoreError,
};
use mamori_domain::Role;
use mamori_domain::org::{Department, EmploymentType, Lang, Person, RoleAssignment};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::SqlStore;
use crate::audit::{append_in, escape_like};
use crate::auth::insert_credential_in;
use crate::db::Tx;
use crate::sql::Stmt;

#[derive(sqlx::FromRow)]
struct DepartmentRow {
    id: Uuid,
    code: String,
    name: String,
    parent_id: Option<Uuid>,
    is_information_systems: bool,
    is_audit: bool,
    version: i64,
}

impl From<DepartmentRow> for Department {
    fn from(r: DepartmentRow) -> Department {
        Department {
            id: r.id,
            code: r.code,
            name: r.name,
            parent_id: r.parent_id,
            is_information_systems: r.is_information_systems,
            is_audit: r.is_audit,
            version: r.version,
        }
    }
}

const DEPT_COLS: &str = "id, code, name, parent_id, is_information_systems, is_audit, version";

#[derive(sqlx::FromRow)]
struct PersonRow {
    id: Uuid,
    employee_no: String,
    name: String,
    name_kana: String,
    email: String,
    employment_type: String,
    department_id: Option<Uuid>,
    joined_on: Option<Date>,
    transferred_on: Option<Date>,
    left_on: Option<Date>,
    language: String,
    version: i64,
}

impl TryFrom<PersonRow> for Person {
    type Error = StoreError;
    fn try_from(r: PersonRow) -> Result<Person, StoreError> {
        Ok(Person {
            id: r.id,
            employee_no: r.employee_no,
            name: r.name,
            name_kana: r.name_kana,
            email: r.email,
            employment_type: EmploymentType::parse(&r.employment_type).ok_or_else(|| {
                StoreError::Other(format!("unknown employment type {}", r.employment_type))
            })?,
            department_id: r.department_id,
            joined_on: r.joined_on,
            transferred_on: r.transferred_on,
            left_on: r.left_on,
            language: Lang::parse(&r.language).unwrap_or_default(),
            version: r.version,
        })
    }
}

const PERSON_COLS: &str = "id, employee_no, name, name_kana, email, employment_type, department_id, joined_on, transferred_on, left_on, language, version";

#[derive(sqlx::FromRow)]
struct AssignmentRow {
    id: Uuid,
    person_id: Uuid,
    role: String,
    department_id: Option<Uuid>,
    starts_on: Date,
    ends_on: Option<Date>,
}

impl TryFrom<AssignmentRow> for RoleAssignment {
    type Error = StoreError;
    fn try_from(r: AssignmentRow) -> Result<RoleAssignment, StoreError> {
        Ok(RoleAssignment {
            id: r.id,
            person_id: r.person_id,
            role: r
                .role
                .parse::<Role>()
                .map_err(|e| StoreError::Other(e.to_string()))?,
            department_id: r.department_id,
            starts_on: r.starts_on,
            ends_on: r.ends_on,
        })
    }
}

const ASSIGN_COLS: &str = "id, person_id, role, department_id, starts_on, ends_on";

#[derive(sqlx::FromRow)]
struct DelegationRow {
    id: Uuid,
    role: String,
    absent_person_id: Uuid,
    deputy_person_id: Uuid,
    reason: String,
    starts_at: OffsetDateTime,
    ends_at: Option<OffsetDateTime>,
    created_by: Uuid,
    created_at: OffsetDateTime,
}

fn people<I: IntoIterator<Item = PersonRow>>(rows: I) -> Result<Vec<Person>, StoreError> {
    rows.into_iter().map(Person::try_from).collect()
}

/// A page of people in ふりがな order (one more than asked, to tell whether
/// there is a next page).
pub(crate) fn person_list(f: &PersonFilter) -> Stmt {
    let limit = f.limit.clamp(1, 500);
    let mut s = Stmt::new(&format!("SELECT {PERSON_COLS} FROM people WHERE 1 = 1"));
    if let Some(d) = f.department_id {
        s = s.push_bind(" AND department_id = ?", d);
    }
    if let Some(t) = f.employment_type {
        s = s.push_bind(" AND employment_type = ?", t.id());
    }
    if let Some(day) = f.active_on {
        s = s.push_bind(" AND (left_on IS NULL OR left_on > ?)", day);
    }
    if let Some(text) = f.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let pat = format!("%{}%", escape_like(&text.to_lowercase()));
        s = s
            .push_bind(" AND (LOWER(name) LIKE ? ESCAPE '\\'", pat.as_str())
            .push_bind(" OR LOWER(name_kana) LIKE ? ESCAPE '\\'", pat.as_str())
            .push_bind(" OR LOWER(email) LIKE ? ESCAPE '\\'", pat.as_str())
            .push_bind(" OR LOWER(employee_no) LIKE ? ESCAPE '\\')", pat.as_str());
    }
    if let Some((kana, id)) = f.after.as_deref().and_then(parse_cursor) {
        s = s
            .push_bind(" AND (name_kana > ?", kana.as_str())
            .push_bind(" OR (name_kana = ?", kana.as_str())
            .push_bind(" AND id > ?))", id);
    }
    s = s
        .push(" ORDER BY name_kana, id")
        .limit(i64::from(limit) + 1);
    s
}

fn cursor_of(p: &Person) -> String {
    hex::encode(format!("{}\n{}", p.name_kana, p.id))
}

fn parse_cursor(c: &str) -> Option<(String, Uuid)> {
    let text = String::from_utf8(hex::decode(c).ok()?).ok()?;
    let (kana, id) = text.split_once('\n')?;
    Some((kana.to_string(), id.parse().ok()?))
}

async fn insert_department_in(
    tx: &mut Tx,
    d: &Department,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    tx.execute(
        &Stmt::new(&format!(
            "INSERT INTO departments ({DEPT_COLS}, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ))
        .bind(d.id)
        .bind(d.code.as_str())
        .bind(d.name.as_str())
        .bind(d.parent_id)
        .bind(d.is_information_systems)
        .bind(d.is_audit)
        .bind(d.version)
        .bind(now)
        .bind(now),
    )
    .await
    .map(|_| ())
}

async fn insert_person_in(tx: &mut Tx, p: &Person, now: OffsetDateTime) -> Result<(), StoreError> {
    tx.execute(
        &Stmt::new(&format!(
            "INSERT INTO people ({PERSON_COLS}, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ))
        .bind(p.id)
        .bind(p.employee_no.as_str())
        .bind(p.name.as_str())
        .bind(p.name_kana.as_str())
        .bind(p.email.as_str())
        .bind(p.employment_type.id())
        .bind(p.department_id)
        .bind(p.joined_on)
        .bind(p.transferred_on)
        .bind(p.left_on)
        .bind(p.language.code())
        .bind(p.version)
        .bind(now)
        .bind(now),
    )
    .await
    .map(|_| ())
}

async fn insert_assignment_in(
    tx: &mut Tx,
    a: &RoleAssignment,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    tx.execute(
        &Stmt::new(&format!(
            "INSERT INTO role_assignments ({ASSIGN_COLS}, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
        ))
        .bind(a.id)
        .bind(a.person_id)
        .bind(a.role.id())
        .bind(a.department_id)
        .bind(a.starts_on)
        .bind(a.ends_on)
        .bind(now),
    )
    .await
    .map(|_| ())
}

async fn update_person_in(tx: &mut Tx, p: &Person, now: OffsetDateTime) -> Result<(), StoreError> {
    update_one(
        tx,
        Stmt::new(
            "UPDATE people SET employee_no = ?, name = ?, name_kana = ?, email = ?, employment_type = ?, \
             department_id = ?, joined_on = ?, transferred_on = ?, left_on = ?, language = ?, version = ?, \
             updated_at = ? WHERE id = ? AND version = ?",
        )
        .bind(p.employee_no.as_str())
        .bind(p.name.as_str())
        .bind(p.name_kana.as_str())
        .bind(p.email.as_str())
        .bind(p.employment_type.id())
        .bind(p.department_id)
        .bind(p.joined_on)
        .bind(p.transferred_on)
        .bind(p.left_on)
        .bind(p.language.code())
        .bind(p.version)
        .bind(now)
        .bind(p.id)
        .bind(p.version - 1),
    )
    .await
}

/// One statement that must change exactly one row, else the record is stale or gone.
async fn update_one(tx: &mut Tx, s: Stmt) -> Result<(), StoreError> {
    match tx.execute(&s).await? {
        1 => Ok(()),
        _ => Err(StoreError::Stale),
    }
}

const DELEGATION_COLS: &str = "id, role, absent_person_id, deputy_person_id, reason, starts_at, ends_at, created_by, created_at";

impl SqlStore {
    async fn delegation_rows(&self, q: Stmt) -> Result<Vec<Delegation>, StoreError> {
        let rows: Vec<DelegationRow> = self.db.fetch_all(&q).await?;
        rows.into_iter()
            .map(|r| {
                Ok(Delegation {
                    id: r.id,
                    role: r
                        .role
                        .parse::<Role>()
                        .map_err(|e| StoreError::Other(e.to_string()))?,
                    absent_person_id: r.absent_person_id,
                    deputy_person_id: r.deputy_person_id,
                    reason: r.reason,
                    starts_at: r.starts_at,
                    ends_at: r.ends_at,
                    created_by: r.created_by,
                    created_at: r.created_at,
                })
            })
            .collect()
    }
}

/// A person's id and name.
#[derive(sqlx::FromRow)]
struct NameRow {
    id: Uuid,
    name: String,
}

#[async_trait]
impl OrgRepo for SqlStore {
    async fn departments(&self) -> Result<Vec<Department>, StoreError> {
        let rows: Vec<DepartmentRow> = self
            .db
            .fetch_all(&Stmt::new(&format!(
                "SELECT {DEPT_COLS} FROM departments ORDER BY code"
            )))
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn department(&self, id: Uuid) -> Result<Department, StoreError> {
        let row: DepartmentRow = self
            .db
            .fetch_one(
                &Stmt::new(&format!("SELECT {DEPT_COLS} FROM departments WHERE id = ?")).bind(id),
            )
            .await?;
        Ok(row.into())
    }

    async fn insert_department(&self, d: &Department, audit: AuditDraft) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        insert_department_in(&mut tx, d, audit.occurred_at).await?;
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }

    async fn update_department(&self, d: &Department, audit: AuditDraft) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        update_one(
            &mut tx,
            Stmt::new(
                "UPDATE departments SET code = ?, name = ?, parent_id = ?, is_information_systems = ?, is_audit = ?, \
                 version = ?, updated_at = ? WHERE id = ? AND version = ?",
            )
            .bind(d.code.as_str())
            .bind(d.name.as_str())
            .bind(d.parent_id)
            .bind(d.is_information_systems)
            .bind(d.is_audit)
            .bind(d.version)
            .bind(audit.occurred_at)
            .bind(d.id)
            .bind(d.version - 1),
        )
        .await?;
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }

    async fn delete_department(
        &self,
        id: Uuid,
        version: i64,
        audit: AuditDraft,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        update_one(
            &mut tx,
            Stmt::new("DELETE FROM departments WHERE id = ? AND version = ?")
                .bind(id)
                .bind(version),
        )
        .await?;
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }

    async fn people(&self, f: &PersonFilter) -> Result<Page<Person>, StoreError> {
        let limit = f.limit.clamp(1, 500);
        let s = person_list(f);
        let items = people(self.db.fetch_all::<PersonRow>(&s).await?)?;
        Ok(Page::cut(items, limit, cursor_of))
    }

    async fn all_people(&self) -> Result<Vec<Person>, StoreError> {
        people(
            self.db
                .fetch_all::<PersonRow>(&Stmt::new(&format!(
                    "SELECT {PERSON_COLS} FROM people ORDER BY name_kana, id"
                )))
                .await?,
        )
    }

    async fn department_members(&self, today: time::Date) -> Result<Vec<(Uuid, Uuid)>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct MemberRow {
            id: Uuid,
            department_id: Uuid,
        }
        let rows: Vec<MemberRow> = self
            .db
            .fetch_all(
                &Stmt::new(
                    "SELECT id, department_id FROM people WHERE department_id IS NOT NULL \
                     AND (left_on IS NULL OR left_on > ?)",
                )
                .bind(today),
            )
            .await?;
        Ok(rows.into_iter().map(|r| (r.id, r.department_id)).collect())
    }

    async fn headcounts(&self, today: time::Date) -> Result<Vec<(Uuid, u64)>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct CountRow {
            department_id: Uuid,
            n: i64,
        }
        let rows: Vec<CountRow> = self
            .db
            .fetch_all(
                &Stmt::new(
                    "SELECT department_id, COUNT(*) AS n FROM people WHERE department_id IS NOT NULL \
                     AND (left_on IS NULL OR left_on > ?) GROUP BY department_id",
                )
                .bind(today),
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| (r.department_id, u64::try_from(r.n).unwrap_or(0)))
            .collect())
    }

    async fn people_with_roles_or_left(
        &self,
        today: time::Date,
    ) -> Result<Vec<Person>, StoreError> {
        people(
            self.db
                .fetch_all::<PersonRow>(
                    &Stmt::new(&format!(
                        "SELECT {PERSON_COLS} FROM people WHERE (left_on IS NOT NULL AND left_on <= ?) \
                         OR id IN (SELECT person_id FROM role_assignments) ORDER BY name_kana, id"
                    ))
                    .bind(today),
                )
                .await?,
        )
    }

    async fn person(&self, id: Uuid) -> Result<Person, StoreError> {
        let row: PersonRow = self
            .db
            .fetch_one(
                &Stmt::new(&format!("SELECT {PERSON_COLS} FROM people WHERE id = ?")).bind(id),
            )
            .await?;
        row.try_into()
    }

    async fn person_by_email(&self, email: &str) -> Result<Option<Person>, StoreError> {
        let row: Option<PersonRow> = self
            .db
            .fetch_optional(
                &Stmt::new(&format!("SELECT {PERSON_COLS} FROM people WHERE email = ?"))
                    .bind(email),
            )
            .await?;
        row.map(Person::try_from).transpose()
    }

    async fn all_person_names(&self) -> Result<Vec<(Uuid, String)>, StoreError> {
        let rows: Vec<NameRow> = self
            .db
            .fetch_all(&Stmt::new("SELECT id, name FROM people"))
            .await?;
        Ok(rows.into_iter().map(|r| (r.id, r.name)).collect())
    }

    async fn insert_person(&self, p: &Person, audit: AuditDraft) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        insert_person_in(&mut tx, p, audit.occurred_at).await?;
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }

    async fn update_person(&self, p: &Person, audit: AuditDraft) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        update_person_in(&mut tx, p, audit.occurred_at).await?;
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }

    async fn assignments(&self, f: &AssignmentFilter) -> Result<Vec<RoleAssignment>, StoreError> {
        let mut s = Stmt::new(&format!(
            "SELECT {ASSIGN_COLS} FROM role_assignments WHERE 1 = 1"
        ));
        if let Some(p) = f.person_id {
            s = s.push_bind(" AND person_id = ?", p);
        }
        if let Some(r) = f.role {
            s = s.push_bind(" AND role = ?", r.id());
        }
        if let Some(d) = f.department_id {
            s = s.push_bind(" AND department_id = ?", d);
        }
        if let Some(day) = f.active_on {
            s = s
                .push_bind(" AND starts_on <= ?", day)
                .push_bind(" AND (ends_on IS NULL OR ends_on >= ?)", day);
        }
        s = s.push(" ORDER BY role, starts_on, id");
        let rows: Vec<AssignmentRow> = self.db.fetch_all(&s).await?;
        rows.into_iter().map(RoleAssignment::try_from).collect()
    }

    async fn assignment(&self, id: Uuid) -> Result<RoleAssignment, StoreError> {
        let row: AssignmentRow = self
            .db
            .fetch_one(
                &Stmt::new(&format!(
                    "SELECT {ASSIGN_COLS} FROM role_assignments WHERE id = ?"
                ))
                .bind(id),
            )
            .await?;
        row.try_into()
    }

    async fn insert_assignment(
        &self,
        a: &RoleAssignment,
        audit: AuditDraft,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        insert_assignment_in(&mut tx, a, audit.occurred_at).await?;
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }

    async fn update_assignment(
        &self,
        a: &RoleAssignment,
        audit: AuditDraft,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        update_one(
            &mut tx,
            Stmt::new("UPDATE role_assignments SET starts_on = ?, ends_on = ? WHERE id = ?")
                .bind(a.starts_on)
                .bind(a.ends_on)
                .bind(a.id),
        )
        .await?;
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }

    async fn insert_batch(&self, b: &OrgBatch, audits: Vec<AuditDraft>) -> Result<(), StoreError> {
        let now = audits
            .first()
            .map(|a| a.occurred_at)
            .unwrap_or_else(OffsetDateTime::now_utc);
        let mut tx = self.db.begin().await?;
        for d in &b.departments {
            insert_department_in(&mut tx, d, now).await?;
        }
        for p in &b.people {
            insert_person_in(&mut tx, p, now).await?;
        }
        for p in &b.updated_people {
            update_person_in(&mut tx, p, now).await?;
        }
        for a in &b.assignments {
            insert_assignment_in(&mut tx, a, now).await?;
        }
        for c in &b.credentials {
            insert_credential_in(&mut tx, c, now).await?;
        }
        for a in audits {
            append_in(&mut tx, a).await?;
        }
        tx.commit().await
    }

    async fn delegations(&self) -> Result<Vec<Delegation>, StoreError> {
        self.delegation_rows(Stmt::new(&format!(
            "SELECT {DELEGATION_COLS} FROM delegations ORDER BY starts_at DESC"
        )))
        .await
    }

    async fn delegations_to(&self, deputy: Uuid) -> Result<Vec<Delegation>, StoreError> {
        self.delegation_rows(
            Stmt::new(&format!(
                "SELECT {DELEGATION_COLS} FROM delegations WHERE deputy_person_id = ? ORDER BY starts_at DESC"
            ))
            .bind(deputy),
        )
        .await
    }

    async fn insert_delegation(&self, d: &Delegation, audit: AuditDraft) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        tx.execute(
            &Stmt::new(
                "INSERT INTO delegations (id, role, absent_person_id, deputy_person_id, reason, starts_at, ends_at, \
                 created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(d.id)
            .bind(d.role.id())
            .bind(d.absent_person_id)
            .bind(d.deputy_person_id)
            .bind(d.reason.as_str())
            .bind(d.starts_at)
            .bind(d.ends_at)
            .bind(d.created_by)
            .bind(d.created_at),
        )
        .await?;
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }

    async fn end_delegation(
        &self,
        id: Uuid,
        at: OffsetDateTime,
        audit: AuditDraft,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        update_one(
            &mut tx,
            Stmt::new("UPDATE delegations SET ends_at = ? WHERE id = ? AND ends_at IS NULL")
                .bind(at)
                .bind(id),
        )
        .await?;
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }
}
