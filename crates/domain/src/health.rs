//! Organisation health (POL-7, POL-8, SYS-4.2.2(4)): every rule of the policy
//! that the organisation as it stands breaks, computed live from a snapshot.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use time::Date;
use uuid::Uuid;

use crate::Role;
use crate::org::{Department, EmploymentType, Person, RoleAssignment};

/// A group of servers and who administers and operates it; filled in once
/// the server register exists (SYS-4.2.2(4)).
#[derive(Debug, Clone)]
pub struct ServerGroupStaffing {
    pub id: Uuid,
    pub name: String,
    pub administrators: usize,
    pub operators: usize,
}

/// Everything the rules look at.
#[derive(Debug, Clone)]
pub struct OrgSnapshot<'a> {
    pub today: Date,
    pub departments: &'a [Department],
    pub people: &'a [Person],
    pub assignments: &'a [RoleAssignment],
    /// People who can still sign in (an enabled credential); only leavers
    /// are asked about, so it may hold only them.
    pub can_sign_in: &'a HashSet<Uuid>,
    pub server_groups: &'a [ServerGroupStaffing],
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Finding {
    /// Stable code; the UI translates it (`health-<code>`).
    pub code: &'static str,
    /// The clause the rule comes from.
    pub clause: &'static str,
    pub department_id: Option<Uuid>,
    pub person_id: Option<Uuid>,
    /// Names to put into the message (department or person name).
    pub subject: String,
}

impl Finding {
    fn new(code: &'static str, clause: &'static str, subject: impl Into<String>) -> Finding {
        Finding {
            code,
            clause,
            department_id: None,
            person_id: None,
            subject: subject.into(),
        }
    }
    fn dept(mut self, d: &Department) -> Finding {
        self.department_id = Some(d.id);
        self
    }
    fn person(mut self, p: &Person) -> Finding {
        self.person_id = Some(p.id);
        self
    }
}

/// Minimum administrators and operators per server group (SYS-4.2.2(4)).
pub const MIN_SERVER_STAFF: usize = 2;

pub fn evaluate(s: &OrgSnapshot<'_>) -> Vec<Finding> {
    let people: HashMap<Uuid, &Person> = s.people.iter().map(|p| (p.id, p)).collect();
    let active: Vec<&RoleAssignment> = s
        .assignments
        .iter()
        .filter(|a| a.is_active(s.today))
        .filter(|a| {
            people
                .get(&a.person_id)
                .is_some_and(|p| !p.has_left(s.today))
        })
        .collect();
    let holders = |role: Role| active.iter().filter(move |a| a.role == role);
    let holds = |person: Uuid, role: Role, dept: Option<Uuid>| {
        active
            .iter()
            .any(|a| a.person_id == person && a.role == role && a.department_id == dept)
    };

    let mut out = Vec::new();

    // POL-7.6: at least one 情報セキュリティ担当者 per department.
    for d in s.departments {
        if !holders(Role::SecurityOfficer).any(|a| a.department_id == Some(d.id)) {
            out.push(
                Finding::new("department_without_security_officer", "POL-7.6", &d.name).dept(d),
            );
        }
    }

    // POL-8.4: the 委員長 exists and is an officer (役員).
    let chairs: Vec<_> = holders(Role::CommitteeChair).collect();
    if chairs.is_empty() {
        out.push(Finding::new("no_committee_chair", "POL-8.4", ""));
    }
    for a in &chairs {
        if let Some(p) = people.get(&a.person_id)
            && p.employment_type != EmploymentType::Executive
        {
            out.push(Finding::new("chair_not_executive", "POL-8.4", &p.name).person(p));
        }
    }

    // POL-8.5: a 副委員長 who heads 情報システム部.
    let vice: Vec<_> = holders(Role::CommitteeViceChair).collect();
    if vice.is_empty() {
        out.push(Finding::new("no_vice_chair", "POL-8.5", ""));
    }
    let is_dept_ids: Vec<Uuid> = s
        .departments
        .iter()
        .filter(|d| d.is_information_systems)
        .map(|d| d.id)
        .collect();
    for a in &vice {
        let heads_is = is_dept_ids
            .iter()
            .any(|d| holds(a.person_id, Role::DepartmentHead, Some(*d)));
        if !heads_is && let Some(p) = people.get(&a.person_id) {
            out.push(Finding::new("vice_chair_not_is_head", "POL-8.5", &p.name).person(p));
        }
    }

    // POL-8.6: each department head sits on the committee for that department.
    for a in holders(Role::DepartmentHead) {
        if !holds(a.person_id, Role::CommitteeMember, a.department_id)
            && let Some(p) = people.get(&a.person_id)
        {
            let mut f = Finding::new("head_not_committee_member", "POL-8.6", &p.name).person(p);
            f.department_id = a.department_id;
            out.push(f);
        }
    }

    // SYS-4.2.2(4): two or more administrators and operators per server group.
    for g in s.server_groups {
        if g.administrators < MIN_SERVER_STAFF || g.operators < MIN_SERVER_STAFF {
            let mut f = Finding::new("server_group_understaffed", "SYS-4.2.2(4)", &g.name);
            f.department_id = None;
            out.push(f);
        }
    }

    // People who left but still hold roles or can sign in.
    for p in s.people.iter().filter(|p| p.has_left(s.today)) {
        let still_holds = s
            .assignments
            .iter()
            .any(|a| a.person_id == p.id && a.is_active(s.today));
        if still_holds {
            out.push(Finding::new("leaver_holds_roles", "HR-4.1, A.7.3.1", &p.name).person(p));
        }
        if s.can_sign_in.contains(&p.id) {
            out.push(Finding::new("leaver_can_sign_in", "SYS-4.1.3, A.9.2.6", &p.name).person(p));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 26);

    fn dept(n: u128, name: &str, is: bool) -> Department {
        Department {
            id: Uuid::from_u128(n),
            code: format!("D{n}"),
            name: name.into(),
            parent_id: None,
            is_information_systems: is,
            is_audit: false,
            version: 1,
        }
    }
    fn person(n: u128, t: EmploymentType, left: Option<Date>) -> Person {
        Person {
            id: Uuid::from_u128(n),
            employee_no: format!("E{n}"),
            name: format!("社員{n}"),
            name_kana: "しゃいん".into(),
            email: format!("p{n}@example.jp"),
            employment_type: t,
            department_id: None,
            joined_on: None,
            transferred_on: None,
            left_on: left,
            language: crate::org::Lang::Ja,
            version: 1,
        }
    }
    fn assign(p: u128, role: Role, d: Option<u128>) -> RoleAssignment {
        RoleAssignment {
            id: Uuid::new_v4(),
            person_id: Uuid::from_u128(p),
            role,
            department_id: d.map(Uuid::from_u128),
            starts_on: date!(2026 - 04 - 01),
            ends_on: None,
        }
    }

    struct World {
        departments: Vec<Department>,
        people: Vec<Person>,
        assignments: Vec<RoleAssignment>,
        can_sign_in: HashSet<Uuid>,
        groups: Vec<ServerGroupStaffing>,
    }

    impl World {
        /// A healthy company: 情報システム部 (100) and 営業部 (101).
        fn healthy() -> World {
            use EmploymentType::*;
            World {
                departments: vec![
                    dept(100, "情報システム部", true),
                    dept(101, "営業部", false),
                ],
                people: vec![
                    person(1, Executive, None),
                    person(2, Executive, None),
                    person(3, Regular, None),
                    person(4, Regular, None),
                    person(5, Regular, None),
                    person(6, Regular, None),
                ],
                assignments: vec![
                    assign(1, Role::President, None),
                    assign(2, Role::CommitteeChair, None),
                    assign(3, Role::CommitteeViceChair, None),
                    assign(3, Role::DepartmentHead, Some(100)),
                    assign(3, Role::CommitteeMember, Some(100)),
                    assign(4, Role::DepartmentHead, Some(101)),
                    assign(4, Role::CommitteeMember, Some(101)),
                    assign(5, Role::SecurityOfficer, Some(100)),
                    assign(6, Role::SecurityOfficer, Some(101)),
                ],
                can_sign_in: HashSet::new(),
                groups: vec![],
            }
        }
        fn findings(&self) -> Vec<&'static str> {
            evaluate(&OrgSnapshot {
                today: TODAY,
                departments: &self.departments,
                people: &self.people,
                assignments: &self.assignments,
                can_sign_in: &self.can_sign_in,
                server_groups: &self.groups,
            })
            .into_iter()
            .map(|f| f.code)
            .collect()
        }
    }

    #[test]
    fn healthy_company_has_no_findings() {
        assert!(World::healthy().findings().is_empty());
    }

    #[test]
    fn department_without_security_officer_is_flagged() {
        let mut w = World::healthy();
        w.assignments
            .retain(|a| !(a.role == Role::SecurityOfficer && a.person_id == Uuid::from_u128(6)));
        assert_eq!(w.findings(), vec!["department_without_security_officer"]);
    }

    #[test]
    fn ended_assignment_does_not_count() {
        let mut w = World::healthy();
        for a in &mut w.assignments {
            if a.person_id == Uuid::from_u128(6) {
                a.ends_on = Some(date!(2026 - 11 - 25));
            }
        }
        assert_eq!(w.findings(), vec!["department_without_security_officer"]);
    }

    #[test]
    fn chair_who_is_not_an_officer_is_flagged() {
        let mut w = World::healthy();
        w.people[1].employment_type = EmploymentType::Regular;
        assert_eq!(w.findings(), vec!["chair_not_executive"]);
    }

    #[test]
    fn missing_chair_and_vice_chair_are_flagged() {
        let mut w = World::healthy();
        w.assignments
            .retain(|a| !matches!(a.role, Role::CommitteeChair | Role::CommitteeViceChair));
        assert_eq!(w.findings(), vec!["no_committee_chair", "no_vice_chair"]);
    }

    #[test]
    fn vice_chair_must_head_information_systems() {
        let mut w = World::healthy();
        w.assignments.retain(|a| a.role != Role::CommitteeViceChair);
        w.assignments
            .push(assign(4, Role::CommitteeViceChair, None));
        assert_eq!(w.findings(), vec!["vice_chair_not_is_head"]);
    }

    #[test]
    fn head_who_is_not_a_member_is_flagged() {
        let mut w = World::healthy();
        w.assignments
            .retain(|a| !(a.role == Role::CommitteeMember && a.person_id == Uuid::from_u128(4)));
        assert_eq!(w.findings(), vec!["head_not_committee_member"]);
    }

    #[test]
    fn server_group_needs_two_admins_and_two_operators() {
        let mut w = World::healthy();
        w.groups.push(ServerGroupStaffing {
            id: Uuid::nil(),
            name: "基幹".into(),
            administrators: 2,
            operators: 2,
        });
        assert!(w.findings().is_empty());
        w.groups[0].operators = 1;
        assert_eq!(w.findings(), vec!["server_group_understaffed"]);
    }

    #[test]
    fn leaver_with_roles_or_sign_in_is_flagged() {
        let mut w = World::healthy();
        w.people.push(person(
            7,
            EmploymentType::Regular,
            Some(date!(2026 - 10 - 31)),
        ));
        w.assignments.push(assign(7, Role::Auditor, None));
        w.can_sign_in.insert(Uuid::from_u128(7));
        assert_eq!(
            w.findings(),
            vec!["leaver_holds_roles", "leaver_can_sign_in"]
        );
    }

    #[test]
    fn leaving_today_counts_as_left() {
        let mut w = World::healthy();
        w.people[5].left_on = Some(TODAY);
        let f = w.findings();
        assert!(f.contains(&"department_without_security_officer"));
        assert!(f.contains(&"leaver_holds_roles"));
    }
}
