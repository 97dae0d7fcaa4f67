//! The roles of the policy (policy-catalog-1.md §2 and the role tables of
//! parts 2 and 3), with stable snake_case ids used by the CLI, API and data.
//! `Administrator` is mamori's own technical role, not one of the policy's.

use serde::{Deserialize, Serialize};

macro_rules! roles {
    ($( $variant:ident => $id:literal, $ja:literal, $en:literal, departmental: $dep:literal, privileged: $priv:literal, source: $src:literal; )*) => {
        /// A role a person can hold (役割).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum Role { $( $variant, )* }

        impl Role {
            pub const ALL: &'static [Role] = &[ $( Role::$variant, )* ];

            /// Stable identifier (`committee_chair`).
            pub fn id(self) -> &'static str { match self { $( Role::$variant => $id, )* } }
            pub fn name_ja(self) -> &'static str { match self { $( Role::$variant => $ja, )* } }
            pub fn name_en(self) -> &'static str { match self { $( Role::$variant => $en, )* } }
            /// Held for a department (部門ごと) rather than company-wide.
            pub fn is_departmental(self) -> bool { match self { $( Role::$variant => $dep, )* } }
            /// Accounts holding it reach important systems or data, so they
            /// must use two-factor sign-in (SYS-4.1.5(1)⑤).
            pub fn is_privileged(self) -> bool { match self { $( Role::$variant => $priv, )* } }
            /// Where the policy defines the role.
            pub fn source(self) -> &'static str { match self { $( Role::$variant => $src, )* } }
        }
    };
}

roles! {
    President => "president", "社長", "President", departmental: false, privileged: true, source: "POL-8.4, POL-10.6";
    CommitteeChair => "committee_chair", "委員長（情報統括役員）", "Committee chair (CISO)", departmental: false, privileged: true, source: "POL-8.4";
    CommitteeViceChair => "committee_vice_chair", "副委員長", "Committee vice-chair", departmental: false, privileged: true, source: "POL-8.5";
    CommitteeMember => "committee_member", "委員（部門長）", "Committee member (department head)", departmental: true, privileged: false, source: "POL-8.6";
    CommitteeNonStandingMember => "committee_non_standing_member", "非常勤委員", "Non-standing committee member", departmental: false, privileged: false, source: "POL-8.3";
    Secretariat => "secretariat", "事務局", "Secretariat", departmental: false, privileged: true, source: "POL-8.7";
    TaskForceLeader => "task_force_leader", "タスクフォース責任者", "Task force leader", departmental: false, privileged: false, source: "POL-8.8";
    DepartmentHead => "department_head", "部門長", "Department head", departmental: true, privileged: false, source: "POL-7.6, POL-8.6";
    SecurityOfficer => "security_officer", "情報セキュリティ担当者", "Departmental security officer", departmental: true, privileged: false, source: "POL-7.6";
    SystemSecurityManager => "system_security_manager", "システムセキュリティ責任者", "System security manager", departmental: false, privileged: true, source: "POL-7.3";
    SystemAdmin => "system_admin", "システム管理者", "System administrator", departmental: false, privileged: true, source: "POL-7.4";
    ServerAdmin => "server_admin", "サーバ管理者", "Server administrator", departmental: false, privileged: true, source: "SYS-4.2";
    NetworkAdmin => "network_admin", "ネットワーク管理者", "Network administrator", departmental: false, privileged: true, source: "NET-4";
    ClientAdmin => "client_admin", "クライアント端末管理者", "Client device administrator", departmental: false, privileged: true, source: "SYS-4.3";
    Operator => "operator", "オペレーター", "Operator", departmental: false, privileged: true, source: "POL-7.5";
    Auditor => "auditor", "監査人", "Auditor", departmental: false, privileged: true, source: "POL-7.7, AUD-4";
    EducationOfficer => "education_officer", "教育部門担当者", "Education department officer", departmental: false, privileged: false, source: "HR-4.3";
    HrOfficer => "hr_officer", "人事部門担当者", "HR officer", departmental: false, privileged: false, source: "POL-9.7, HR-4.4.3";
    CustomerInfoManager => "customer_info_manager", "顧客情報管理責任者", "Customer information manager", departmental: true, privileged: false, source: "HR-4.2.2";
    ChangeManager => "change_manager", "変更管理マネジャー", "Change manager", departmental: false, privileged: false, source: "CHG-4.1";
    SystemDesigner => "system_designer", "システム設計者", "System designer", departmental: false, privileged: false, source: "SYS-4.2";
    MalwareDesk => "malware_desk", "マルウェア対策窓口", "Malware response desk", departmental: false, privileged: false, source: "SYS-4.5.3";
    Employee => "employee", "従業員", "Employee", departmental: false, privileged: false, source: "POL-3.2";
    Administrator => "administrator", "mamori 管理者", "mamori administrator", departmental: false, privileged: true, source: "—";
}

impl Role {
    pub fn name(self, lang: crate::org::Lang) -> &'static str {
        match lang {
            crate::org::Lang::Ja => self.name_ja(),
            crate::org::Lang::En => self.name_en(),
        }
    }
}

impl std::str::FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .iter()
            .copied()
            .find(|r| r.id() == s)
            .ok_or_else(|| UnknownRole(s.to_string()))
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role `{0}`")]
pub struct UnknownRole(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_ids_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for r in Role::ALL {
            assert!(seen.insert(r.id()), "duplicate id {}", r.id());
            assert_eq!(r.id().parse::<Role>(), Ok(*r));
            let json = serde_json::to_string(r).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", r.id()));
        }
    }

    #[test]
    fn unknown_role_is_an_error() {
        assert!("chairman".parse::<Role>().is_err());
    }
}
