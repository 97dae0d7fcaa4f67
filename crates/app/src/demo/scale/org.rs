//! The organisation of the large company: 40 departments in four places,
//! their people (with Japanese names and readings) and every role held —
//! each department's head (also on the committee) and 情報セキュリティ担当者,
//! the company-wide roles in the information-systems, HR and QA departments.

use std::collections::HashMap;

use mamori_domain::Role;
use mamori_domain::org::{
    Department, Email, EmploymentType, Lang, Person, RoleAssignment, parse_kana,
};
use time::Date;
use uuid::Uuid;

use super::{DEPARTMENTS, PEOPLE, sized};
use crate::auth::{hash_password, new_credential};
use crate::demo::demo_id;
use crate::ports::{AssignmentFilter, OrgBatch};
use crate::{App, AppError, AppResult, DraftExt};

pub(super) const PLACES: [&str; 4] = ["東京", "大阪", "名古屋", "福岡"];
pub(super) const FUNCTIONS: [&str; 10] = [
    "営業部",
    "製造部",
    "設計部",
    "品質保証部",
    "購買部",
    "物流部",
    "総務部",
    "経理部",
    "人事部",
    "情報システム部",
];
const FAMILY: [(&str, &str); 20] = [
    ("佐藤", "さとう"),
    ("鈴木", "すずき"),
    ("高橋", "たかはし"),
    ("田中", "たなか"),
    ("伊藤", "いとう"),
    ("渡辺", "わたなべ"),
    ("山本", "やまもと"),
    ("中村", "なかむら"),
    ("小林", "こばやし"),
    ("加藤", "かとう"),
    ("吉田", "よしだ"),
    ("山田", "やまだ"),
    ("佐々木", "ささき"),
    ("山口", "やまぐち"),
    ("松本", "まつもと"),
    ("井上", "いのうえ"),
    ("木村", "きむら"),
    ("林", "はやし"),
    ("斎藤", "さいとう"),
    ("清水", "しみず"),
];
const GIVEN: [(&str, &str); 16] = [
    ("翔", "しょう"),
    ("陽菜", "ひな"),
    ("大輝", "だいき"),
    ("結衣", "ゆい"),
    ("健太", "けんた"),
    ("美咲", "みさき"),
    ("拓也", "たくや"),
    ("彩", "あや"),
    ("直樹", "なおき"),
    ("真央", "まお"),
    ("亮", "りょう"),
    ("千尋", "ちひろ"),
    ("隆", "たかし"),
    ("恵", "めぐみ"),
    ("誠", "まこと"),
    ("遥", "はるか"),
];

/// The large company as built, and who holds which role in the whole
/// database (the demo company's 事務局, 社長 and committee included): what
/// the later parts hang their records on.
pub(super) struct Org {
    pub departments: Vec<Department>,
    /// The large company's people, in employee-number order.
    pub people: Vec<Person>,
    pub roles: u64,
    /// Everyone in the database, with the roles they hold today.
    pub everyone: Vec<Person>,
    holdings: HashMap<Uuid, Vec<RoleAssignment>>,
}

impl Org {
    /// The active assignments of a person.
    pub fn assignments(&self, person: Uuid) -> &[RoleAssignment] {
        self.holdings.get(&person).map_or(&[][..], Vec::as_slice)
    }

    /// Holds the role (for this department, when one is named).
    pub fn holds(&self, person: Uuid, role: Role, department: Option<Uuid>) -> bool {
        self.assignments(person)
            .iter()
            .any(|a| a.role == role && (department.is_none() || a.department_id == department))
    }

    /// Everyone holding the role (for the department, when one is named).
    pub fn holders(&self, role: Role, department: Option<Uuid>) -> Vec<&Person> {
        self.everyone
            .iter()
            .filter(|p| self.holds(p.id, role, department))
            .collect()
    }

    /// The first holder, as the module's `holders` lists them.
    pub fn holder(&self, role: Role, department: Option<Uuid>) -> Option<&Person> {
        self.holders(role, department).into_iter().next()
    }

    /// The person who keeps the records: the first 事務局 member.
    pub fn secretariat(&self) -> AppResult<&Person> {
        self.holder(Role::Secretariat, None)
            .ok_or(AppError::Conflict("no_secretariat"))
    }

    /// The large company's people who hold no role: the ordinary staff.
    pub fn staff(&self) -> Vec<&Person> {
        self.people
            .iter()
            .filter(|p| self.assignments(p.id).is_empty())
            .collect()
    }

    /// Each department's (first) 情報セキュリティ担当者, in the whole database.
    pub fn officers(&self) -> HashMap<Uuid, Uuid> {
        let mut out = HashMap::new();
        for p in &self.everyone {
            for a in self.assignments(p.id) {
                if let (Role::SecurityOfficer, Some(d)) = (a.role, a.department_id) {
                    out.entry(d).or_insert(p.id);
                }
            }
        }
        out
    }
}

impl App {
    /// Builds and stores the departments, people, sign-ins and roles in one
    /// transaction; then reads back who holds what in the whole database.
    pub(super) async fn scale_org(&self, factor: f64) -> AppResult<Org> {
        let today = self.today();
        let now = self.now();
        let (departments, people, assignments) = large_company(factor, today)?;
        let roles = assignments.len() as u64;
        let hash = hash_password(crate::demo::DEMO_PASSWORD).await?;
        let batch = OrgBatch {
            credentials: people
                .iter()
                .map(|p| {
                    let mut c = new_credential(p.id, now);
                    c.password_hash = Some(hash.clone());
                    c.must_change = false;
                    c
                })
                .collect(),
            departments,
            people,
            assignments,
            ..OrgBatch::default()
        };
        let summary = self
            .draft(None, "demo.scale", "organisation", None)
            .detail(format!(
                "large organisation ×{factor}: {} departments, {} people, {roles} roles",
                batch.departments.len(),
                batch.people.len(),
            ));
        self.store.insert_batch(&batch, vec![summary]).await?;
        let mut holdings: HashMap<Uuid, Vec<RoleAssignment>> = HashMap::new();
        for a in self
            .store
            .assignments(&AssignmentFilter {
                active_on: Some(today),
                ..Default::default()
            })
            .await?
        {
            holdings.entry(a.person_id).or_default().push(a);
        }
        let everyone = self
            .store
            .all_people()
            .await?
            .into_iter()
            .filter(|p| !p.has_left(today))
            .collect();
        Ok(Org {
            departments: batch.departments,
            people: batch.people,
            roles,
            everyone,
            holdings,
        })
    }
}

fn large_company(
    factor: f64,
    today: Date,
) -> AppResult<(Vec<Department>, Vec<Person>, Vec<RoleAssignment>)> {
    let n_people = sized(PEOPLE, factor).max(DEPARTMENTS * 3);
    let departments: Vec<Department> = (0..DEPARTMENTS)
        .map(|i| {
            let code = format!("L{:03}", i + 1);
            let name = format!(
                "{}{}",
                PLACES[(i / 10) as usize % 4],
                FUNCTIONS[i as usize % 10]
            );
            Department {
                id: demo_id("scale-department", &code),
                code,
                name,
                parent_id: None,
                is_information_systems: false,
                is_audit: false,
                version: 1,
            }
        })
        .collect();
    let joined = Date::from_calendar_date(2015, time::Month::April, 1)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let mut people = Vec::with_capacity(n_people as usize);
    for i in 0..n_people {
        let (family, family_kana) = FAMILY[(i % 20) as usize];
        let (given, given_kana) = GIVEN[((i / 20) % 16) as usize];
        let no = format!("L{:05}", i + 1);
        let email = Email::parse(&format!("l{:05}@large.minato-seiki.example", i + 1))?;
        people.push(Person {
            id: demo_id("scale-person", &no),
            employee_no: no,
            name: format!("{family} {given}"),
            name_kana: parse_kana(&format!("{family_kana} {given_kana}"))?,
            email: email.as_str().to_string(),
            employment_type: if i % 25 == 0 {
                EmploymentType::Contract
            } else {
                EmploymentType::Regular
            },
            department_id: Some(departments[(i % DEPARTMENTS) as usize].id),
            joined_on: Some(joined),
            transferred_on: None,
            left_on: None,
            language: if i % 50 == 7 { Lang::En } else { Lang::Ja },
            version: 1,
        });
    }
    // Each department: its head (also a committee member), its
    // 情報セキュリティ担当者, and for sales its 顧客情報管理責任者; company-wide
    // roles go to the first people of the information-systems departments.
    let mut assignments = Vec::new();
    let mut assign = |person: &Person, role: Role, department: Option<Uuid>| {
        assignments.push(RoleAssignment {
            id: demo_id(
                "scale-role",
                &format!("{}-{}-{:?}", person.employee_no, role.id(), department),
            ),
            person_id: person.id,
            role,
            department_id: department,
            starts_on: today,
            ends_on: None,
        });
    };
    for (d, dept) in departments.iter().enumerate() {
        let members: Vec<&Person> = people
            .iter()
            .skip(d)
            .step_by(DEPARTMENTS as usize)
            .take(3)
            .collect();
        if let [head, officer, third] = members[..] {
            assign(head, Role::DepartmentHead, Some(dept.id));
            assign(head, Role::CommitteeMember, Some(dept.id));
            assign(officer, Role::SecurityOfficer, Some(dept.id));
            if dept.name.ends_with("営業部") {
                assign(third, Role::CustomerInfoManager, Some(dept.id));
            }
            if dept.name.ends_with("情報システム部") {
                for role in [
                    Role::SystemAdmin,
                    Role::ServerAdmin,
                    Role::NetworkAdmin,
                    Role::ClientAdmin,
                    Role::Operator,
                ] {
                    assign(third, role, None);
                }
            }
            if dept.name.ends_with("人事部") {
                assign(third, Role::HrOfficer, None);
                assign(third, Role::EducationOfficer, None);
            }
            if dept.name.ends_with("品質保証部") {
                assign(third, Role::Auditor, None);
            }
        }
    }
    Ok((departments, people, assignments))
}
