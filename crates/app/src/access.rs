//! Who is acting and what they may do: the one place that decides
//! authorisation. Roles come from the policy; `administrator` is mamori's
//! technical role. A token can carry fewer rights than its owner, never more.

use mamori_domain::Role;
use mamori_domain::org::{Lang, Person, RoleAssignment};
use serde::Serialize;
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// Something a caller may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Read departments, people and role holders.
    ViewOrg,
    /// Keep the organisation: departments, people, roles, import, delegation.
    ManageOrg,
    /// See the organisation health findings.
    ViewOrgHealth,
    /// Open and export the audit trail.
    ViewAudit,
    /// Reset passwords, unlock and disable accounts.
    ManageUsers,
    /// Change settings.
    ManageSettings,
}

impl Permission {
    pub const ALL: &'static [Permission] = &[
        Permission::ViewOrg,
        Permission::ManageOrg,
        Permission::ViewOrgHealth,
        Permission::ViewAudit,
        Permission::ManageUsers,
        Permission::ManageSettings,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Permission::ViewOrg => "view_org",
            Permission::ManageOrg => "manage_org",
            Permission::ViewOrgHealth => "view_org_health",
            Permission::ViewAudit => "view_audit",
            Permission::ManageUsers => "manage_users",
            Permission::ManageSettings => "manage_settings",
        }
    }

    pub fn parse(s: &str) -> Option<Permission> {
        Permission::ALL.iter().copied().find(|p| p.id() == s)
    }

    /// The roles that grant it. Everyone signed in holds `Employee`.
    pub fn granted_by(self) -> &'static [Role] {
        use Role::*;
        match self {
            Permission::ViewOrg => &[Employee],
            Permission::ManageOrg => &[Secretariat, Administrator],
            Permission::ViewOrgHealth => &[
                Secretariat,
                Administrator,
                President,
                CommitteeChair,
                CommitteeViceChair,
                CommitteeMember,
                Auditor,
                SecurityOfficer,
            ],
            Permission::ViewAudit => &[Secretariat, Auditor, Administrator],
            Permission::ManageUsers => &[Administrator, SystemAdmin],
            Permission::ManageSettings => &[Administrator],
        }
    }
}

/// How the caller proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    Session {
        session_id: Uuid,
        csrf_token: String,
    },
    /// An API token limited to these permissions (None = all of the owner's).
    Token {
        token_id: Uuid,
        scopes: Option<Vec<Permission>>,
    },
    /// The command line on the server itself.
    Cli,
}

/// A signed-in person with their active roles on the day.
#[derive(Debug, Clone)]
pub struct Actor {
    pub person: Person,
    pub assignments: Vec<RoleAssignment>,
    /// Roles held as deputy for someone unavailable (POL-8.5).
    pub acting_roles: Vec<Role>,
    pub via: Via,
    /// The audit chain's head read when the request was signed in (a
    /// token's request reads it to find its caller), so that the figures
    /// kept per state need not read it again; None: read it when needed.
    pub(crate) state: Option<i64>,
}

impl Actor {
    pub fn id(&self) -> Uuid {
        self.person.id
    }

    pub fn lang(&self) -> Lang {
        self.person.language
    }

    /// "氏名 <e-mail>" for the audit trail.
    pub fn label(&self) -> String {
        format!("{} <{}>", self.person.name, self.person.email)
    }

    pub fn has_role(&self, role: Role) -> bool {
        role == Role::Employee
            || self.assignments.iter().any(|a| a.role == role)
            || self.acting_roles.contains(&role)
    }

    /// Holds the role for this department.
    pub fn has_role_in(&self, role: Role, department: Uuid) -> bool {
        self.assignments
            .iter()
            .any(|a| a.role == role && a.department_id == Some(department))
    }

    pub fn roles(&self) -> Vec<Role> {
        let mut r: Vec<Role> = self
            .assignments
            .iter()
            .map(|a| a.role)
            .chain(self.acting_roles.iter().copied())
            .collect();
        r.sort();
        r.dedup();
        r
    }

    /// Must use two-factor sign-in (SYS-4.1.5(1)⑤).
    pub fn is_privileged(&self) -> bool {
        self.assignments.iter().any(|a| a.role.is_privileged())
    }

    pub fn can(&self, p: Permission) -> bool {
        let by_role = p.granted_by().iter().any(|r| self.has_role(*r));
        let by_scope = match &self.via {
            Via::Token {
                scopes: Some(scopes),
                ..
            } => scopes.contains(&p),
            _ => true,
        };
        by_role && by_scope
    }

    pub fn require(&self, p: Permission) -> AppResult<()> {
        if self.can(p) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}
