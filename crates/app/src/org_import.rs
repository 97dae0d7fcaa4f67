//! Importing departments and people from HR's CSV export: the rows are
//! parsed elsewhere (mamori-io); here they are checked against the stored
//! organisation and written all together, or not at all.

use std::collections::HashMap;

use mamori_domain::org::{Department, EmploymentType, Person};
use serde::Serialize;
use time::Date;
use uuid::Uuid;

use crate::access::{Actor, Permission};
use crate::error::{AppError, AppResult};
use crate::ports::OrgBatch;
use crate::{App, DraftExt, snapshot};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportDepartment {
    pub line: usize,
    pub code: String,
    pub name: String,
    pub parent_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportPerson {
    pub line: usize,
    pub employee_no: String,
    pub name: String,
    pub name_kana: String,
    pub email: String,
    pub employment_type: EmploymentType,
    pub department_code: String,
    pub joined_on: Option<Date>,
    pub transferred_on: Option<Date>,
    pub left_on: Option<Date>,
}

/// A problem at a line (and column) of the file; `code` is translated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportIssue {
    pub line: usize,
    pub column: Option<String>,
    pub code: String,
    pub value: String,
}

/// What the parser recognised.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportRows {
    pub departments: Vec<ImportDepartment>,
    pub people: Vec<ImportPerson>,
    pub issues: Vec<ImportIssue>,
    /// A problem with the file as a whole (encoding, missing columns).
    pub file_issue: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowAction {
    Create,
    Update,
    Unchanged,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlannedPerson {
    pub line: usize,
    pub action: RowAction,
    pub person: Person,
}

/// The preview: what would be written, and every problem found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportPlan {
    pub new_departments: Vec<Department>,
    pub people: Vec<PlannedPerson>,
    pub issues: Vec<ImportIssue>,
    pub file_issue: Option<String>,
}

impl ImportPlan {
    pub fn is_valid(&self) -> bool {
        self.issues.is_empty() && self.file_issue.is_none()
    }
    pub fn count(&self, action: RowAction) -> usize {
        self.people.iter().filter(|p| p.action == action).count()
    }
}

fn issue(line: usize, column: &str, code: &str, value: &str) -> ImportIssue {
    ImportIssue {
        line,
        column: Some(column.into()),
        code: code.into(),
        value: value.into(),
    }
}

impl App {
    /// Checks the rows against the stored organisation; writes nothing.
    pub async fn plan_org_import(&self, actor: &Actor, rows: &ImportRows) -> AppResult<ImportPlan> {
        actor.require(Permission::ManageOrg)?;
        let mut plan = ImportPlan {
            issues: rows.issues.clone(),
            file_issue: rows.file_issue.clone(),
            ..Default::default()
        };
        if plan.file_issue.is_some() {
            return Ok(plan);
        }
        let existing = self.store.departments().await?;
        let mut by_code: HashMap<String, Uuid> =
            existing.iter().map(|d| (d.code.clone(), d.id)).collect();
        for d in &rows.departments {
            if let Some(found) = existing.iter().find(|e| e.code == d.code) {
                if found.name != d.name {
                    plan.issues.push(issue(
                        d.line,
                        "部門名",
                        "department_name_differs",
                        &format!("{} ≠ {}", d.name, found.name),
                    ));
                }
                continue;
            }
            let id = Uuid::now_v7();
            by_code.insert(d.code.clone(), id);
            plan.new_departments.push(Department {
                id,
                code: d.code.clone(),
                name: d.name.clone(),
                parent_id: None,
                is_information_systems: false,
                is_audit: false,
                version: 1,
            });
        }
        for (nd, row) in plan.new_departments.iter_mut().zip(
            rows.departments
                .iter()
                .filter(|r| !existing.iter().any(|e| e.code == r.code)),
        ) {
            match &row.parent_code {
                None => {}
                Some(pc) => match by_code.get(pc) {
                    Some(pid) => nd.parent_id = Some(*pid),
                    None => {
                        plan.issues
                            .push(issue(row.line, "上位部門コード", "unknown_parent", pc))
                    }
                },
            }
        }
        // Parents must be inserted before children.
        let order: HashMap<Uuid, usize> = plan
            .new_departments
            .iter()
            .enumerate()
            .map(|(i, d)| (d.id, i))
            .collect();
        let depth = |d: &Department| {
            let mut n = 0;
            let mut cur = d.parent_id;
            while let Some(p) = cur.and_then(|p| order.get(&p)) {
                n += 1;
                cur = plan.new_departments.get(*p).and_then(|d| d.parent_id);
                if n > order.len() {
                    break;
                }
            }
            n
        };
        let mut depths: Vec<(usize, Department)> = plan
            .new_departments
            .iter()
            .map(|d| (depth(d), d.clone()))
            .collect();
        depths.sort_by_key(|(n, _)| *n);
        plan.new_departments = depths.into_iter().map(|(_, d)| d).collect();

        let stored = self.store.all_people().await?;
        let by_no: HashMap<&str, &Person> =
            stored.iter().map(|p| (p.employee_no.as_str(), p)).collect();
        let by_email: HashMap<&str, &Person> =
            stored.iter().map(|p| (p.email.as_str(), p)).collect();
        for r in &rows.people {
            let current = by_no.get(r.employee_no.as_str()).copied();
            if let Some(other) = by_email.get(r.email.as_str())
                && current.is_none_or(|c| c.id != other.id)
            {
                plan.issues.push(issue(
                    r.line,
                    "メールアドレス",
                    "email_used_by_other",
                    &r.email,
                ));
                continue;
            }
            let Some(dept) = by_code.get(&r.department_code) else {
                plan.issues.push(issue(
                    r.line,
                    "部門コード",
                    "unknown_department",
                    &r.department_code,
                ));
                continue;
            };
            let mut person = Person {
                id: current.map(|c| c.id).unwrap_or_else(Uuid::now_v7),
                employee_no: r.employee_no.clone(),
                name: r.name.clone(),
                name_kana: r.name_kana.clone(),
                email: r.email.clone(),
                employment_type: r.employment_type,
                department_id: Some(*dept),
                joined_on: r.joined_on,
                transferred_on: r.transferred_on,
                left_on: r.left_on,
                language: current.map(|c| c.language).unwrap_or_default(),
                version: current.map(|c| c.version).unwrap_or(1),
            };
            let action = match current {
                None => RowAction::Create,
                Some(c) if *c == person => RowAction::Unchanged,
                Some(_) => {
                    person.version += 1;
                    RowAction::Update
                }
            };
            plan.people.push(PlannedPerson {
                line: r.line,
                action,
                person,
            });
        }
        plan.issues.sort_by_key(|i| i.line);
        Ok(plan)
    }

    /// Writes the import when every row is good; otherwise writes nothing.
    pub async fn commit_org_import(
        &self,
        actor: &Actor,
        rows: &ImportRows,
        source: &str,
    ) -> AppResult<ImportPlan> {
        let plan = self.plan_org_import(actor, rows).await?;
        if !plan.is_valid() {
            return Err(AppError::Conflict("import_has_errors"));
        }
        let stored: HashMap<Uuid, Person> = self
            .store
            .all_people()
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
        let mut batch = OrgBatch {
            departments: plan.new_departments.clone(),
            ..Default::default()
        };
        let mut audits = Vec::new();
        for d in &batch.departments {
            audits.push(
                self.draft(
                    Some(actor),
                    "department.create",
                    "department",
                    Some(d.id.to_string()),
                )
                .after(d)
                .detail(source.to_string()),
            );
        }
        for pp in &plan.people {
            match pp.action {
                RowAction::Create => {
                    audits.push(
                        self.draft(
                            Some(actor),
                            "person.create",
                            "person",
                            Some(pp.person.id.to_string()),
                        )
                        .after(&pp.person)
                        .detail(source.to_string()),
                    );
                    batch.people.push(pp.person.clone());
                }
                RowAction::Update => {
                    let mut d = self
                        .draft(
                            Some(actor),
                            "person.update",
                            "person",
                            Some(pp.person.id.to_string()),
                        )
                        .after(&pp.person)
                        .detail(source.to_string());
                    d.before = stored.get(&pp.person.id).and_then(snapshot);
                    audits.push(d);
                    batch.updated_people.push(pp.person.clone());
                }
                RowAction::Unchanged => {}
            }
        }
        audits.push(
            self.draft(Some(actor), "org.import", "organisation", None)
                .detail(format!(
                    "{source}: {} departments, {} people created, {} updated, {} unchanged",
                    batch.departments.len(),
                    batch.people.len(),
                    batch.updated_people.len(),
                    plan.count(RowAction::Unchanged)
                )),
        );
        self.store.insert_batch(&batch, audits).await?;
        Ok(plan)
    }
}
