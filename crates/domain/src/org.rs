//! The organisation (POL-3, POL-7, POL-8): departments in a tree, people with
//! their employment type, and who holds which role, for which department,
//! from when until when. Values are parsed at the edge into these types.

use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;

use crate::Role;

/// The language a person reads mamori in. Japanese first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    #[default]
    Ja,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }
    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().get(..2).map(str::to_ascii_lowercase).as_deref() {
            Some("ja") => Some(Lang::Ja),
            Some("en") => Some(Lang::En),
            _ => None,
        }
    }
}

/// 雇用区分: who a person is to the company (POL-3.2, HR-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EmploymentType {
    /// 役員
    Executive,
    /// 社員
    Regular,
    /// 契約社員
    Contract,
    /// 一時雇用者
    Temporary,
    /// 委託先要員
    Contractor,
}

impl EmploymentType {
    pub const ALL: &'static [EmploymentType] = &[
        EmploymentType::Executive,
        EmploymentType::Regular,
        EmploymentType::Contract,
        EmploymentType::Temporary,
        EmploymentType::Contractor,
    ];
    pub fn id(self) -> &'static str {
        match self {
            EmploymentType::Executive => "executive",
            EmploymentType::Regular => "regular",
            EmploymentType::Contract => "contract",
            EmploymentType::Temporary => "temporary",
            EmploymentType::Contractor => "contractor",
        }
    }
    pub fn name_ja(self) -> &'static str {
        match self {
            EmploymentType::Executive => "役員",
            EmploymentType::Regular => "社員",
            EmploymentType::Contract => "契約社員",
            EmploymentType::Temporary => "一時雇用者",
            EmploymentType::Contractor => "委託先要員",
        }
    }
    pub fn name_en(self) -> &'static str {
        match self {
            EmploymentType::Executive => "Executive",
            EmploymentType::Regular => "Regular employee",
            EmploymentType::Contract => "Contract employee",
            EmploymentType::Temporary => "Temporary employee",
            EmploymentType::Contractor => "Contractor staff",
        }
    }
    pub fn name(self, lang: Lang) -> &'static str {
        match lang {
            Lang::Ja => self.name_ja(),
            Lang::En => self.name_en(),
        }
    }
    /// Accepts the id, the Japanese or the English name, as HR files carry any.
    pub fn parse(s: &str) -> Option<EmploymentType> {
        let s = s.trim();
        EmploymentType::ALL
            .iter()
            .copied()
            .find(|t| t.id() == s || t.name_ja() == s || t.name_en().eq_ignore_ascii_case(s))
    }
}

/// Why a value given for a field was refused. The web layer translates the
/// `code` into the reader's language; the `field` says where to show it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[error("{field}: {code}")]
pub struct FieldError {
    pub field: &'static str,
    pub code: &'static str,
}

impl FieldError {
    pub fn new(field: &'static str, code: &'static str) -> Self {
        FieldError { field, code }
    }
}

/// An e-mail address, trimmed and lower-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(s: &str) -> Result<Email, FieldError> {
        let s = s.trim().to_lowercase();
        let err = || FieldError::new("email", "invalid_email");
        if s.len() > 254 || s.chars().any(char::is_whitespace) {
            return Err(err());
        }
        let (local, domain) = s.split_once('@').ok_or_else(err)?;
        if local.is_empty() || domain.is_empty() || domain.contains('@') || !domain.contains('.') {
            return Err(err());
        }
        if domain.starts_with('.') || domain.ends_with('.') {
            return Err(err());
        }
        Ok(Email(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Email::parse(&s)
    }
}
impl From<Email> for String {
    fn from(e: Email) -> String {
        e.0
    }
}

/// A required short text (氏名, 部門名): trimmed, not empty, bounded.
pub fn required_text(field: &'static str, s: &str, max_chars: usize) -> Result<String, FieldError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(FieldError::new(field, "required"));
    }
    if t.chars().count() > max_chars {
        return Err(FieldError::new(field, "too_long"));
    }
    if t.chars().any(char::is_control) {
        return Err(FieldError::new(field, "invalid_characters"));
    }
    Ok(t.to_string())
}

/// Like [`required_text`] for a text area: line breaks and tabs are allowed
/// (CRLF becomes LF), other control characters are not.
pub fn required_multiline(
    field: &'static str,
    s: &str,
    max_chars: usize,
) -> Result<String, FieldError> {
    let t = s.replace("\r\n", "\n").replace('\r', "\n");
    let t = t.trim();
    if t.is_empty() {
        return Err(FieldError::new(field, "required"));
    }
    if t.chars().count() > max_chars {
        return Err(FieldError::new(field, "too_long"));
    }
    if t.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(FieldError::new(field, "invalid_characters"));
    }
    Ok(t.to_string())
}

/// ふりがな: hiragana (or katakana), spaces and the long-vowel mark only.
pub fn parse_kana(s: &str) -> Result<String, FieldError> {
    let t = required_text("name_kana", s, 100)?;
    let ok = t
        .chars()
        .all(|c| matches!(c, '\u{3041}'..='\u{309F}' | '\u{30A0}'..='\u{30FF}' | ' ' | '\u{3000}'));
    if ok {
        Ok(t)
    } else {
        Err(FieldError::new("name_kana", "kana_only"))
    }
}

/// 社員番号 / 部門コード: letters, digits, '-' and '_' only.
pub fn parse_code(field: &'static str, s: &str) -> Result<String, FieldError> {
    let t = required_text(field, s, 32)?;
    if t.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        Ok(t)
    } else {
        Err(FieldError::new(field, "invalid_code"))
    }
}

/// A department (部門). `parent_id` builds the tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Department {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub parent_id: Option<Uuid>,
    /// 情報システム部: the department that runs the ISMS (POL-8.5, POL-8.7).
    pub is_information_systems: bool,
    /// 監査室: independent of the operating departments (POL-7.7).
    pub is_audit: bool,
    pub version: i64,
}

/// A person of the organisation (従業員, 役員, 委託先要員).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Person {
    pub id: Uuid,
    pub employee_no: String,
    pub name: String,
    pub name_kana: String,
    pub email: String,
    pub employment_type: EmploymentType,
    pub department_id: Option<Uuid>,
    pub joined_on: Option<Date>,
    pub transferred_on: Option<Date>,
    pub left_on: Option<Date>,
    pub language: Lang,
    pub version: i64,
}

impl Person {
    /// Has the person left the company on `today`?
    pub fn has_left(&self, today: Date) -> bool {
        self.left_on.is_some_and(|d| d <= today)
    }
}

/// Who holds a role, for which department, from when to when (inclusive).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RoleAssignment {
    pub id: Uuid,
    pub person_id: Uuid,
    pub role: Role,
    pub department_id: Option<Uuid>,
    pub starts_on: Date,
    pub ends_on: Option<Date>,
}

impl RoleAssignment {
    pub fn is_active(&self, today: Date) -> bool {
        self.starts_on <= today && self.ends_on.is_none_or(|end| today <= end)
    }
}

/// Checks the shape of an assignment: departmental roles name a department,
/// others do not, and the period is not reversed.
pub fn validate_assignment(
    role: Role,
    department_id: Option<Uuid>,
    starts_on: Date,
    ends_on: Option<Date>,
) -> Result<(), FieldError> {
    if role.is_departmental() && department_id.is_none() {
        return Err(FieldError::new("department_id", "role_needs_department"));
    }
    if !role.is_departmental() && department_id.is_some() {
        return Err(FieldError::new("department_id", "role_is_company_wide"));
    }
    if ends_on.is_some_and(|end| end < starts_on) {
        return Err(FieldError::new("ends_on", "ends_before_start"));
    }
    Ok(())
}

/// Would setting `parent` as the parent of `dept` create a cycle?
/// `parents` maps each department to its current parent.
pub fn creates_cycle(
    dept: Uuid,
    parent: Option<Uuid>,
    parents: &std::collections::HashMap<Uuid, Option<Uuid>>,
) -> bool {
    let mut cursor = parent;
    let mut steps = 0usize;
    while let Some(p) = cursor {
        if p == dept {
            return true;
        }
        steps += 1;
        if steps > parents.len() + 1 {
            return true;
        }
        cursor = parents.get(&p).copied().flatten();
    }
    false
}

/// Turns a reason code into a field error.
pub trait FieldErrorExt {
    fn field_error(self, field: &'static str) -> FieldError;
}
impl FieldErrorExt for &'static str {
    fn field_error(self, field: &'static str) -> FieldError {
        FieldError::new(field, self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn text_areas_keep_their_lines() {
        assert_eq!(
            required_multiline("body", " 一\r\n二\n\t三 ", 100).unwrap(),
            "一\n二\n\t三"
        );
        assert_eq!(
            required_multiline("body", "a\u{7}b", 100).map_err(|e| e.code),
            Err("invalid_characters")
        );
        assert_eq!(
            required_text("x", "a\nb", 100).map_err(|e| e.code),
            Err("invalid_characters")
        );
    }

    #[test]
    fn email_is_normalised_and_checked() {
        assert_eq!(
            Email::parse(" Taro@Example.co.jp ").map(|e| e.0),
            Ok("taro@example.co.jp".into())
        );
        for bad in [
            "",
            "taro",
            "taro@",
            "@example.jp",
            "a@b",
            "a b@example.jp",
            "a@@example.jp",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn employment_type_parses_japanese_english_and_id() {
        assert_eq!(
            EmploymentType::parse("契約社員"),
            Some(EmploymentType::Contract)
        );
        assert_eq!(
            EmploymentType::parse("executive"),
            Some(EmploymentType::Executive)
        );
        assert_eq!(
            EmploymentType::parse("Contractor staff"),
            Some(EmploymentType::Contractor)
        );
        assert_eq!(EmploymentType::parse("パート"), None);
    }

    #[test]
    fn kana_accepts_hiragana_and_katakana_only() {
        assert!(parse_kana("やまだ たろう").is_ok());
        assert!(parse_kana("ヤマダ　タロウ").is_ok());
        assert_eq!(parse_kana("山田").map_err(|e| e.code), Err("kana_only"));
    }

    #[test]
    fn departmental_role_needs_department() {
        let d = date!(2026 - 04 - 01);
        assert!(validate_assignment(Role::SecurityOfficer, None, d, None).is_err());
        assert!(validate_assignment(Role::President, Some(Uuid::nil()), d, None).is_err());
        assert!(
            validate_assignment(Role::President, None, d, Some(date!(2026 - 03 - 31))).is_err()
        );
        assert!(validate_assignment(Role::President, None, d, Some(d)).is_ok());
    }

    #[test]
    fn assignment_is_active_inclusive_of_both_ends() {
        let a = RoleAssignment {
            id: Uuid::nil(),
            person_id: Uuid::nil(),
            role: Role::Auditor,
            department_id: None,
            starts_on: date!(2026 - 04 - 01),
            ends_on: Some(date!(2026 - 09 - 30)),
        };
        assert!(!a.is_active(date!(2026 - 03 - 31)));
        assert!(a.is_active(date!(2026 - 04 - 01)));
        assert!(a.is_active(date!(2026 - 09 - 30)));
        assert!(!a.is_active(date!(2026 - 10 - 01)));
    }

    #[test]
    fn department_cycle_is_detected() {
        let (a, b, c) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
        let parents = std::collections::HashMap::from([(a, None), (b, Some(a)), (c, Some(b))]);
        assert!(creates_cycle(a, Some(c), &parents));
        assert!(!creates_cycle(c, Some(a), &parents));
        assert!(creates_cycle(a, Some(a), &parents));
    }
}
