//! Every path of the UI in one place, so links and routes never drift.

use uuid::Uuid;

pub const HOME: &str = "/";
pub const LOGIN: &str = "/login";
pub const LOGOUT: &str = "/logout";
pub const LOGIN_MFA: &str = "/login/mfa";
pub const PASSWORD_CHANGE: &str = "/me/password";
pub const MFA_SETUP: &str = "/me/mfa";
pub const ME: &str = "/me";
pub const ME_LANGUAGE: &str = "/me/language";
pub const ME_SIGN_OUT_ALL: &str = "/me/sign-out-everywhere";
pub const ME_TOKENS: &str = "/me/tokens";
pub const LANGUAGE: &str = "/language";
pub const DEPARTMENTS: &str = "/org/departments";
pub const DEPARTMENT_NEW: &str = "/org/departments/new";
pub const PEOPLE: &str = "/org/people";
pub const PERSON_NEW: &str = "/org/people/new";
pub const ROLES: &str = "/org/roles";
pub const ORG_IMPORT: &str = "/org/import";
pub const ORG_HEALTH: &str = "/org/health";
pub const DELEGATION: &str = "/org/delegation";
pub const AUDIT: &str = "/audit";
pub const AUDIT_EXPORT: &str = "/audit/export";
pub const AUDIT_VERIFY: &str = "/audit/verify";
pub const SETTINGS: &str = "/admin/settings";

pub fn person(id: Uuid) -> String {
    format!("{PEOPLE}/{id}")
}
