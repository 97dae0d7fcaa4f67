//! The organisation CSV "as HR exports it": one row per person, carrying the
//! person's department (code, name, parent). The parser checks every field
//! with the domain's rules and reports every problem of every row, so HR can
//! fix the file in one pass. Nothing is stored here: the app decides whether
//! to import (only a file that `is_valid`) and checks parent codes that are
//! not in the file against the database.

use std::collections::{HashMap, HashSet};

use csv::{ReaderBuilder, StringRecord};
use mamori_domain::org::{
    Email, EmploymentType, FieldError, parse_code, parse_kana, required_text,
};
use serde::Serialize;
use time::Date;

use crate::cells::{line_at, parse_date, to_half_width, trim_cell};
use crate::encoding::{DecodeError, decode_text};

/// The result of reading an organisation CSV.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct OrgImport {
    /// Distinct departments in first-seen order. A department whose own
    /// definition is wrong (its own parent, a cycle) is left out.
    pub departments: Vec<DepartmentRow>,
    /// The people of the rows without errors.
    pub people: Vec<PersonRow>,
    /// Every problem of every row, in file order.
    pub errors: Vec<RowError>,
    /// The file as a whole could not be read; then there are no rows and no
    /// row errors.
    pub file_error: Option<FileError>,
}

impl OrgImport {
    /// No row errors and no file error: the file can be imported as it is.
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty() && self.file_error.is_none()
    }

    fn failed(error: FileError) -> Self {
        OrgImport {
            file_error: Some(error),
            ..OrgImport::default()
        }
    }
}

/// A department as the file defines it (on the first row that names it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DepartmentRow {
    pub line: usize,
    pub code: String,
    pub name: String,
    /// `None`: a root department. May name a department that is not in the
    /// file; the app checks it against the database.
    pub parent_code: Option<String>,
}

/// A person row whose every field is valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonRow {
    pub line: usize,
    pub employee_no: String,
    pub name: String,
    pub name_kana: String,
    /// Normalised by `Email::parse` (trimmed, lower-case).
    pub email: String,
    pub employment_type: EmploymentType,
    pub department_code: String,
    pub joined_on: Option<Date>,
    pub transferred_on: Option<Date>,
    pub left_on: Option<Date>,
}

/// One problem with one cell (or one row) of the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// 1-based line in the file; the header is on line 1 unless blank lines
    /// precede it. For a record spanning lines, the line it starts on.
    pub line: usize,
    /// The column's header as written in the file (trimmed).
    pub column: Option<String>,
    /// Machine code, translated by the web layer: the domain's field codes
    /// ("required", "too_long", "invalid_characters", "invalid_code",
    /// "invalid_email", "kana_only") and "invalid_date",
    /// "unknown_employment_type", "duplicate_employee_no", "duplicate_email",
    /// "department_conflict", "invalid_parent", "department_cycle",
    /// "left_before_joined".
    pub code: &'static str,
    /// The cell's value as read (trimmed).
    pub value: String,
}

/// Why the file as a whole could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileError {
    /// Neither UTF-8 nor Shift_JIS.
    UnknownEncoding,
    /// No header, or a header and no data rows.
    Empty,
    /// Required columns absent from the header, by canonical (English) name.
    MissingColumns(Vec<&'static str>),
    /// A row's cells do not line up with the header (a comma in an unquoted
    /// value, a quote left open, a truncated row).
    Malformed { line: usize },
}

impl From<DecodeError> for FileError {
    fn from(e: DecodeError) -> Self {
        match e {
            DecodeError::UnknownEncoding => FileError::UnknownEncoding,
        }
    }
}

/// The columns mamori reads; the others are ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    EmployeeNo,
    Name,
    NameKana,
    Email,
    EmploymentType,
    DepartmentCode,
    DepartmentName,
    ParentDepartmentCode,
    JoinedOn,
    TransferredOn,
    LeftOn,
}

const COLUMNS: [Col; 11] = [
    Col::EmployeeNo,
    Col::Name,
    Col::NameKana,
    Col::Email,
    Col::EmploymentType,
    Col::DepartmentCode,
    Col::DepartmentName,
    Col::ParentDepartmentCode,
    Col::JoinedOn,
    Col::TransferredOn,
    Col::LeftOn,
];

impl Col {
    fn canonical(self) -> &'static str {
        self.aliases()[0]
    }

    /// The canonical name first; English names compare case-insensitively.
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Col::EmployeeNo => &["employee_no", "社員番号"],
            Col::Name => &["name", "氏名"],
            Col::NameKana => &["name_kana", "ふりがな", "フリガナ"],
            Col::Email => &["email", "e-mail", "メールアドレス"],
            Col::EmploymentType => &["employment_type", "雇用区分"],
            Col::DepartmentCode => &["department_code", "部門コード"],
            Col::DepartmentName => &["department_name", "部門名"],
            Col::ParentDepartmentCode => &["parent_department_code", "上位部門コード"],
            Col::JoinedOn => &["joined_on", "入社日"],
            Col::TransferredOn => &["transferred_on", "異動日"],
            Col::LeftOn => &["left_on", "退職日"],
        }
    }

    fn required(self) -> bool {
        !matches!(
            self,
            Col::ParentDepartmentCode | Col::JoinedOn | Col::TransferredOn | Col::LeftOn
        )
    }

    fn matches(self, header: &str) -> bool {
        let h = to_half_width(trim_cell(header));
        let h = h.trim();
        self.aliases().iter().any(|a| a.eq_ignore_ascii_case(h))
    }
}

/// Where each known column is, and its name as the file writes it.
struct Header {
    /// Per `COLUMNS` entry: (index in the record, header as written).
    cols: [Option<(usize, String)>; COLUMNS.len()],
    /// Cells every data row must have.
    len: usize,
}

impl Header {
    fn read(record: &StringRecord) -> Result<Header, FileError> {
        let mut cols: [Option<(usize, String)>; COLUMNS.len()] = Default::default();
        for (slot, col) in cols.iter_mut().zip(COLUMNS) {
            // A column named twice: the first one counts.
            *slot = record
                .iter()
                .enumerate()
                .find(|(_, h)| col.matches(h))
                .map(|(i, h)| (i, trim_cell(h).to_owned()));
        }
        let missing: Vec<&'static str> = COLUMNS
            .iter()
            .zip(&cols)
            .filter(|(col, slot)| col.required() && slot.is_none())
            .map(|(col, _)| col.canonical())
            .collect();
        if !missing.is_empty() {
            return Err(FileError::MissingColumns(missing));
        }
        Ok(Header {
            cols,
            len: record.len(),
        })
    }

    fn get(&self, col: Col) -> Option<&(usize, String)> {
        let i = COLUMNS.iter().position(|c| *c == col)?;
        self.cols[i].as_ref()
    }

    /// A row with more or fewer cells than the header has shifted values
    /// (an unquoted comma, a quote left open, a truncated line).
    fn fits(&self, record: &StringRecord) -> bool {
        record.len() == self.len
    }
}

/// Reads an organisation CSV (UTF-8 with or without BOM, or Shift_JIS).
pub fn parse_org_csv(bytes: &[u8]) -> OrgImport {
    parse(bytes).unwrap_or_else(OrgImport::failed)
}

fn parse(bytes: &[u8]) -> Result<OrgImport, FileError> {
    let text = decode_text(bytes)?;
    let mut reader = ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());

    let mut header: Option<Header> = None;
    let mut parser = Parser::default();
    let mut last_line = 0usize;
    for result in reader.records() {
        let record = result.map_err(|e| FileError::Malformed {
            line: e.position().map_or(last_line + 1, |p| line_at(&text, p)),
        })?;
        let line = record
            .position()
            .map_or(last_line + 1, |p| line_at(&text, p));
        last_line = line;
        if record.iter().all(|c| trim_cell(c).is_empty()) {
            continue;
        }
        match &header {
            None => header = Some(Header::read(&record)?),
            Some(h) => {
                if !h.fits(&record) {
                    return Err(FileError::Malformed { line });
                }
                parser.row(h, &record, line);
            }
        }
    }
    if header.is_none() || parser.rows == 0 {
        return Err(FileError::Empty);
    }
    Ok(parser.finish())
}

/// A department as first defined, for the conflict and cycle checks.
struct DeptEntry {
    line: usize,
    name: String,
    parent: Option<String>,
    /// False if its own definition is wrong (own parent, cycle).
    ok: bool,
}

#[derive(Default)]
struct Parser {
    rows: usize,
    people: Vec<PersonRow>,
    errors: Vec<RowError>,
    dept_order: Vec<String>,
    depts: HashMap<String, DeptEntry>,
    employee_nos: HashSet<String>,
    emails: HashSet<String>,
}

impl Parser {
    fn row(&mut self, header: &Header, record: &StringRecord, line: usize) {
        self.rows += 1;
        let mut row = Row {
            header,
            record,
            line,
            errors: Vec::new(),
        };

        let employee_no = row.required(Col::EmployeeNo, |s| parse_code("employee_no", s));
        let name = row.required(Col::Name, |s| required_text("name", s, 100));
        let name_kana = row.required(Col::NameKana, parse_kana);
        let email = row.required(Col::Email, |s| Email::parse(s).map(String::from));
        let employment_type = row.required(Col::EmploymentType, |s| {
            EmploymentType::parse(s).ok_or(FieldError::new(
                "employment_type",
                "unknown_employment_type",
            ))
        });
        let department_code =
            row.required(Col::DepartmentCode, |s| parse_code("department_code", s));
        let department_name = row.required(Col::DepartmentName, |s| {
            required_text("department_name", s, 100)
        });
        let parent_code = row.optional(Col::ParentDepartmentCode, |s| {
            parse_code("parent_department_code", s)
        });
        let joined_on = row.optional(Col::JoinedOn, parse_date);
        let transferred_on = row.optional(Col::TransferredOn, parse_date);
        let left_on = row.optional(Col::LeftOn, parse_date);

        if let (Some(Some(joined)), Some(Some(left))) = (joined_on, left_on)
            && left < joined
        {
            row.error(Col::LeftOn, "left_before_joined");
        }
        if let Some(no) = &employee_no
            && !self.employee_nos.insert(no.clone())
        {
            row.error(Col::EmployeeNo, "duplicate_employee_no");
        }
        if let Some(email) = &email
            && !self.emails.insert(email.clone())
        {
            row.error(Col::Email, "duplicate_email");
        }
        if let (Some(code), Some(name), Some(parent)) =
            (&department_code, &department_name, &parent_code)
        {
            self.department(&mut row, code, name, parent.as_deref());
        }

        let Row { errors, .. } = row;
        if !errors.is_empty() {
            self.errors.extend(errors);
            return;
        }
        if let (
            Some(employee_no),
            Some(name),
            Some(name_kana),
            Some(email),
            Some(employment_type),
            Some(department_code),
            Some(joined_on),
            Some(transferred_on),
            Some(left_on),
        ) = (
            employee_no,
            name,
            name_kana,
            email,
            employment_type,
            department_code,
            joined_on,
            transferred_on,
            left_on,
        ) {
            self.people.push(PersonRow {
                line,
                employee_no,
                name,
                name_kana,
                email,
                employment_type,
                department_code,
                joined_on,
                transferred_on,
                left_on,
            });
        }
    }

    /// Records the department on its first row; later rows must agree.
    fn department(&mut self, row: &mut Row<'_>, code: &str, name: &str, parent: Option<&str>) {
        if let Some(first) = self.depts.get(code) {
            if first.name != name {
                row.error(Col::DepartmentName, "department_conflict");
            }
            if first.parent.as_deref() != parent {
                row.error(Col::ParentDepartmentCode, "department_conflict");
            }
            return;
        }
        let mut ok = true;
        if parent == Some(code) {
            row.error(Col::ParentDepartmentCode, "invalid_parent");
            ok = false;
        } else if let Some(parent) = parent
            && self.reaches(parent, code)
        {
            row.error(Col::ParentDepartmentCode, "department_cycle");
            ok = false;
        }
        self.dept_order.push(code.to_owned());
        self.depts.insert(
            code.to_owned(),
            DeptEntry {
                line: row.line,
                name: name.to_owned(),
                parent: parent.map(str::to_owned),
                ok,
            },
        );
    }

    /// Does walking up the parents from `from` reach `target`?
    fn reaches(&self, from: &str, target: &str) -> bool {
        let mut seen = HashSet::new();
        let mut cursor = Some(from);
        while let Some(code) = cursor {
            if code == target {
                return true;
            }
            if !seen.insert(code) {
                return false;
            }
            cursor = self.depts.get(code).and_then(|d| d.parent.as_deref());
        }
        false
    }

    fn finish(mut self) -> OrgImport {
        let departments = self
            .dept_order
            .iter()
            .filter_map(|code| {
                let d = self.depts.remove(code)?;
                d.ok.then(|| DepartmentRow {
                    line: d.line,
                    code: code.clone(),
                    name: d.name,
                    parent_code: d.parent,
                })
            })
            .collect();
        OrgImport {
            departments,
            people: self.people,
            errors: self.errors,
            file_error: None,
        }
    }
}

/// One data row being checked; collects its errors.
struct Row<'a> {
    header: &'a Header,
    record: &'a StringRecord,
    line: usize,
    errors: Vec<RowError>,
}

impl Row<'_> {
    /// The trimmed cell, `None` if the file has no such column.
    fn cell(&self, col: Col) -> Option<&str> {
        let (i, _) = self.header.get(col)?;
        Some(self.record.get(*i).map_or("", trim_cell))
    }

    fn error(&mut self, col: Col, code: &'static str) {
        let column = self.header.get(col).map(|(_, name)| name.clone());
        let value = self.cell(col).unwrap_or("").to_owned();
        self.errors.push(RowError {
            line: self.line,
            column,
            code,
            value,
        });
    }

    /// A required cell: empty is "required", otherwise `parse` decides.
    fn required<T>(
        &mut self,
        col: Col,
        parse: impl FnOnce(&str) -> Result<T, FieldError>,
    ) -> Option<T> {
        let value = self.cell(col).unwrap_or("");
        let result = if value.is_empty() {
            Err("required")
        } else {
            parse(value).map_err(|e| e.code)
        };
        match result {
            Ok(v) => Some(v),
            Err(code) => {
                self.error(col, code);
                None
            }
        }
    }

    /// An optional cell: `Some(None)` if absent or empty, `None` if invalid.
    fn optional<T>(
        &mut self,
        col: Col,
        parse: impl FnOnce(&str) -> Result<T, FieldError>,
    ) -> Option<Option<T>> {
        match self.cell(col) {
            None | Some("") => Some(None),
            Some(value) => match parse(value) {
                Ok(v) => Some(Some(v)),
                Err(e) => {
                    self.error(col, e.code);
                    None
                }
            },
        }
    }
}

impl FileError {
    /// A stable code for the message shown to the user.
    pub fn code(&self) -> String {
        match self {
            FileError::UnknownEncoding => "file_unknown_encoding".into(),
            FileError::Empty => "file_empty".into(),
            FileError::MissingColumns(cols) => format!("file_missing_columns:{}", cols.join("、")),
            FileError::Malformed { line } => format!("file_malformed:{line}"),
        }
    }
}

impl From<OrgImport> for mamori_app::org_import::ImportRows {
    fn from(i: OrgImport) -> Self {
        use mamori_app::org_import::{ImportDepartment, ImportIssue, ImportPerson};
        mamori_app::org_import::ImportRows {
            departments: i
                .departments
                .into_iter()
                .map(|d| ImportDepartment {
                    line: d.line,
                    code: d.code,
                    name: d.name,
                    parent_code: d.parent_code,
                })
                .collect(),
            people: i
                .people
                .into_iter()
                .map(|p| ImportPerson {
                    line: p.line,
                    employee_no: p.employee_no,
                    name: p.name,
                    name_kana: p.name_kana,
                    email: p.email,
                    employment_type: p.employment_type,
                    department_code: p.department_code,
                    joined_on: p.joined_on,
                    transferred_on: p.transferred_on,
                    left_on: p.left_on,
                })
                .collect(),
            issues: i
                .errors
                .into_iter()
                .map(|e| ImportIssue {
                    line: e.line,
                    column: e.column,
                    code: e.code.to_string(),
                    value: e.value,
                })
                .collect(),
            file_issue: i.file_error.map(|f| f.code()),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use encoding_rs::SHIFT_JIS;
    use proptest::prelude::*;
    use time::macros::date;

    const HEADER_JA: &str = "社員番号,氏名,ふりがな,メールアドレス,雇用区分,部門コード,部門名,上位部門コード,入社日,異動日,退職日";
    const ROW_1: &str =
        "E001,山田 太郎,やまだ たろう,Taro@Example.co.jp,社員,D01,本社,,2020-04-01,,";
    const ROW_2: &str = "E002,佐藤 花子,サトウ ハナコ,hanako@example.co.jp,契約社員,D02,情報システム部,D01,2021/4/1,2023/10/01,";

    fn file(rows: &[&str]) -> String {
        let mut s = String::from(HEADER_JA);
        for r in rows {
            s.push('\n');
            s.push_str(r);
        }
        s.push('\n');
        s
    }

    fn parse_rows(rows: &[&str]) -> OrgImport {
        parse_org_csv(file(rows).as_bytes())
    }

    /// (line, column, code, value) of every error.
    fn errors(rows: &[&str]) -> Vec<(usize, String, &'static str, String)> {
        let import = parse_rows(rows);
        assert_eq!(import.file_error, None);
        import
            .errors
            .into_iter()
            .map(|e| (e.line, e.column.unwrap_or_default(), e.code, e.value))
            .collect()
    }

    fn err(
        line: usize,
        column: &str,
        code: &'static str,
        value: &str,
    ) -> (usize, String, &'static str, String) {
        (line, column.to_owned(), code, value.to_owned())
    }

    fn expected_good() -> OrgImport {
        OrgImport {
            departments: vec![
                DepartmentRow {
                    line: 2,
                    code: "D01".into(),
                    name: "本社".into(),
                    parent_code: None,
                },
                DepartmentRow {
                    line: 3,
                    code: "D02".into(),
                    name: "情報システム部".into(),
                    parent_code: Some("D01".into()),
                },
            ],
            people: vec![
                PersonRow {
                    line: 2,
                    employee_no: "E001".into(),
                    name: "山田 太郎".into(),
                    name_kana: "やまだ たろう".into(),
                    email: "taro@example.co.jp".into(),
                    employment_type: EmploymentType::Regular,
                    department_code: "D01".into(),
                    joined_on: Some(date!(2020 - 04 - 01)),
                    transferred_on: None,
                    left_on: None,
                },
                PersonRow {
                    line: 3,
                    employee_no: "E002".into(),
                    name: "佐藤 花子".into(),
                    name_kana: "サトウ ハナコ".into(),
                    email: "hanako@example.co.jp".into(),
                    employment_type: EmploymentType::Contract,
                    department_code: "D02".into(),
                    joined_on: Some(date!(2021 - 04 - 01)),
                    transferred_on: Some(date!(2023 - 10 - 01)),
                    left_on: None,
                },
            ],
            errors: vec![],
            file_error: None,
        }
    }

    #[test]
    fn japanese_headers_all_good_file_is_valid() {
        let import = parse_rows(&[ROW_1, ROW_2]);
        assert!(import.is_valid(), "{import:?}");
        assert_eq!(import, expected_good());
    }

    #[test]
    fn utf8_with_bom_and_crlf() {
        let text = file(&[ROW_1, ROW_2]).replace('\n', "\r\n");
        let bytes = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
        assert_eq!(parse_org_csv(&bytes), expected_good());
    }

    #[test]
    fn utf8_without_bom() {
        assert_eq!(
            parse_org_csv(file(&[ROW_1, ROW_2]).as_bytes()),
            expected_good()
        );
    }

    #[test]
    fn shift_jis_file() {
        let text = file(&[ROW_1, ROW_2]).replace('\n', "\r\n");
        let (bytes, _, unmappable) = SHIFT_JIS.encode(&text);
        assert!(!unmappable);
        assert!(std::str::from_utf8(&bytes).is_err());
        assert_eq!(parse_org_csv(&bytes), expected_good());
    }

    #[test]
    fn english_headers_in_any_order_with_extra_columns() {
        let text = "Note, Department_Name ,E-Mail,NAME,employee_no,Name_Kana,Employment_Type,DEPARTMENT_CODE,Parent_Department_Code,Left_On,Joined_On\n\
                    x,本社,a@example.jp,山田 太郎,E001,やまだ たろう,Regular employee,D01,,,2020-04-01\n\
                    y,支社,b@example.jp,鈴木 一郎,E002,スズキ イチロウ,contractor,D02,D01,2024/3/31,2023/4/1\n";
        let import = parse_org_csv(text.as_bytes());
        assert!(import.is_valid(), "{import:?}");
        assert_eq!(import.departments.len(), 2);
        assert_eq!(import.departments[1].parent_code.as_deref(), Some("D01"));
        let p = &import.people[1];
        assert_eq!(p.employee_no, "E002");
        assert_eq!(p.employment_type, EmploymentType::Contractor);
        assert_eq!(p.joined_on, Some(date!(2023 - 04 - 01)));
        assert_eq!(p.left_on, Some(date!(2024 - 03 - 31)));
        assert_eq!(p.transferred_on, None);
    }

    #[test]
    fn alternative_japanese_headers_and_email_spelling() {
        let text = "社員番号,氏名,フリガナ,email,雇用区分,部門コード,部門名\n\
                    E001,山田 太郎,ヤマダ タロウ,a@example.jp,役員,D01,本社\n";
        let import = parse_org_csv(text.as_bytes());
        assert!(import.is_valid(), "{import:?}");
        assert_eq!(import.people[0].employment_type, EmploymentType::Executive);
        assert_eq!(import.departments[0].parent_code, None);
    }

    #[test]
    fn missing_required_columns_are_a_file_error() {
        let text = "社員番号,氏名,メールアドレス,雇用区分,部門コード,備考\nE001,山田,a@example.jp,社員,D01,x\n";
        let import = parse_org_csv(text.as_bytes());
        assert_eq!(
            import.file_error,
            Some(FileError::MissingColumns(vec![
                "name_kana",
                "department_name"
            ]))
        );
        assert!(
            import.departments.is_empty() && import.people.is_empty() && import.errors.is_empty()
        );
        assert!(!import.is_valid());
    }

    #[test]
    fn empty_files() {
        for text in [
            "",
            "\n\n",
            "\u{FEFF}",
            " , ,\n",
            &format!("{HEADER_JA}\n\n"),
        ] {
            let import = parse_org_csv(text.as_bytes());
            assert_eq!(import.file_error, Some(FileError::Empty), "{text:?}");
            assert!(!import.is_valid());
        }
    }

    #[test]
    fn unknown_encoding() {
        let import = parse_org_csv(b"\xFF\xFE\x00\x00\x81");
        assert_eq!(import.file_error, Some(FileError::UnknownEncoding));
        assert!(!import.is_valid());
    }

    #[test]
    fn rows_that_do_not_line_up_are_malformed() {
        // An unquoted comma in a value: one cell too many.
        let import = parse_rows(&[
            ROW_1,
            "E002,佐藤, 花子,さとう はなこ,h@example.jp,社員,D01,本社,,,,",
        ]);
        assert_eq!(import.file_error, Some(FileError::Malformed { line: 3 }));
        assert!(import.people.is_empty() && import.errors.is_empty());
        // A truncated row.
        let import = parse_rows(&[ROW_1, "E002,佐藤 花子"]);
        assert_eq!(import.file_error, Some(FileError::Malformed { line: 3 }));
        // A quote left open swallows the rest of the file.
        let import = parse_rows(&[
            ROW_1,
            "E002,\"佐藤 花子,さとう,b@example.jp,社員,D01,本社,,,,",
            ROW_2,
        ]);
        assert_eq!(import.file_error, Some(FileError::Malformed { line: 3 }));
        // Even if the extra cell is blank.
        let import = parse_rows(&[&format!("{ROW_1},")]);
        assert_eq!(import.file_error, Some(FileError::Malformed { line: 2 }));
    }

    #[test]
    fn quoted_values_with_commas_and_newlines() {
        let import = parse_rows(&[
            "E001,\"山田, 太郎\",やまだ たろう,a@example.jp,社員,D01,\"本社\",,,,",
            "E002,\"佐藤\n花子\",さとう はなこ,b@example.jp,社員,D01,本社,,,,",
            "E003,,すずき,c@example.jp,社員,D01,本社,,,,",
        ]);
        assert_eq!(import.people.len(), 1);
        assert_eq!(import.people[0].name, "山田, 太郎");
        assert_eq!(import.departments.len(), 1);
        // A line break in a name is a control character; the record after
        // it starts on line 5.
        let codes: Vec<_> = import.errors.iter().map(|e| (e.line, e.code)).collect();
        assert_eq!(codes, vec![(3, "invalid_characters"), (5, "required")]);
    }

    #[test]
    fn blank_lines_are_skipped_and_lines_counted() {
        let text = format!(
            "\n{HEADER_JA}\n\n{ROW_1}\n   \n,,,,,,,,,,\n\nE002,,やまだ,c@example.jp,社員,D01,本社,,,,\n"
        );
        let import = parse_org_csv(text.as_bytes());
        assert_eq!(import.people.len(), 1);
        assert_eq!(import.people[0].line, 4);
        assert_eq!(import.departments[0].line, 4);
        assert_eq!(
            import.errors,
            vec![RowError {
                line: 8,
                column: Some("氏名".into()),
                code: "required",
                value: String::new(),
            }]
        );
    }

    #[test]
    fn cells_are_trimmed_including_full_width_spaces() {
        let import = parse_rows(&[
            "\u{3000}E001\u{3000}, 山田 太郎 ,\u{3000}やまだ\u{3000}たろう\u{3000},\tA@Example.JP ,社員,D01,本社,\u{3000},,,",
        ]);
        assert!(import.is_valid(), "{import:?}");
        let p = &import.people[0];
        assert_eq!(p.employee_no, "E001");
        assert_eq!(p.name, "山田 太郎");
        assert_eq!(p.name_kana, "やまだ\u{3000}たろう");
        assert_eq!(p.email, "a@example.jp");
        assert_eq!(import.departments[0].parent_code, None);
    }

    #[test]
    fn full_width_dates() {
        let import = parse_rows(&[
            "E001,山田,やまだ,a@example.jp,社員,D01,本社,,２０２４／０４／０１,２０２４－１０－０１,2025/3/31",
        ]);
        assert!(import.is_valid(), "{import:?}");
        let p = &import.people[0];
        assert_eq!(p.joined_on, Some(date!(2024 - 04 - 01)));
        assert_eq!(p.transferred_on, Some(date!(2024 - 10 - 01)));
        assert_eq!(p.left_on, Some(date!(2025 - 03 - 31)));
    }

    #[test]
    fn date_formats() {
        for (s, d) in [
            ("2024-04-01", date!(2024 - 04 - 01)),
            ("2024/04/01", date!(2024 - 04 - 01)),
            ("2024/4/1", date!(2024 - 04 - 01)),
            ("2024-4-1", date!(2024 - 04 - 01)),
            ("２０２４／４／１", date!(2024 - 04 - 01)),
            ("2024/02/29", date!(2024 - 02 - 29)),
        ] {
            assert_eq!(parse_date(s), Ok(d), "{s}");
        }
        for s in [
            "",
            "2024",
            "2024/13/01",
            "2023/02/29",
            "2024/04/00",
            "24/4/1",
            "2024/04-01",
            "20240401",
            "2024/4/1/1",
            "2024//1",
            "+2024/4/1",
            "2024/4/1 0:00",
            "令和6年4月1日",
            "2024/004/1",
        ] {
            assert_eq!(
                parse_date(s).map_err(|e| e.code),
                Err("invalid_date"),
                "{s}"
            );
        }
    }

    #[test]
    fn required() {
        assert_eq!(
            errors(&[",,,,,D01,本社,,,,"]),
            vec![
                err(2, "社員番号", "required", ""),
                err(2, "氏名", "required", ""),
                err(2, "ふりがな", "required", ""),
                err(2, "メールアドレス", "required", ""),
                err(2, "雇用区分", "required", ""),
            ]
        );
        assert_eq!(
            errors(&["E001,山田,やまだ,a@example.jp,社員,,,,,,"]),
            vec![
                err(2, "部門コード", "required", ""),
                err(2, "部門名", "required", "")
            ]
        );
    }

    #[test]
    fn invalid_email() {
        assert_eq!(
            errors(&[ROW_1, "E002,佐藤,さとう,sato@example,社員,D01,本社,,,,"]),
            vec![err(3, "メールアドレス", "invalid_email", "sato@example")]
        );
    }

    #[test]
    fn kana_only() {
        assert_eq!(
            errors(&["E001,山田,山田,a@example.jp,社員,D01,本社,,,,"]),
            vec![err(2, "ふりがな", "kana_only", "山田")]
        );
    }

    #[test]
    fn invalid_date() {
        assert_eq!(
            errors(&["E001,山田,やまだ,a@example.jp,社員,D01,本社,,2024/13/01,昨日,2024-02-30"]),
            vec![
                err(2, "入社日", "invalid_date", "2024/13/01"),
                err(2, "異動日", "invalid_date", "昨日"),
                err(2, "退職日", "invalid_date", "2024-02-30"),
            ]
        );
    }

    #[test]
    fn unknown_employment_type() {
        assert_eq!(
            errors(&["E001,山田,やまだ,a@example.jp,パート,D01,本社,,,,"]),
            vec![err(2, "雇用区分", "unknown_employment_type", "パート")]
        );
    }

    #[test]
    fn invalid_code_and_too_long() {
        let long_name = "あ".repeat(101);
        assert_eq!(
            errors(&[&format!(
                "E 001,{long_name},やまだ,a@example.jp,社員,部門1,本社,D/00,,,"
            )]),
            vec![
                err(2, "社員番号", "invalid_code", "E 001"),
                err(2, "氏名", "too_long", &long_name),
                err(2, "部門コード", "invalid_code", "部門1"),
                err(2, "上位部門コード", "invalid_code", "D/00"),
            ]
        );
    }

    #[test]
    fn duplicate_employee_no_and_email_on_the_later_row() {
        let import = parse_rows(&[
            ROW_1,
            "E001,山田 次郎,やまだ じろう,jiro@example.co.jp,社員,D01,本社,,,,",
            "E003,山田 三郎,やまだ さぶろう, TARO@example.co.jp ,社員,D01,本社,,,,",
        ]);
        let found: Vec<_> = import
            .errors
            .iter()
            .map(|e| (e.line, e.column.as_deref(), e.code, e.value.as_str()))
            .collect();
        assert_eq!(
            found,
            vec![
                (3, Some("社員番号"), "duplicate_employee_no", "E001"),
                (
                    4,
                    Some("メールアドレス"),
                    "duplicate_email",
                    "TARO@example.co.jp"
                ),
            ]
        );
        assert_eq!(import.people.len(), 1);
        assert_eq!(import.people[0].line, 2);
    }

    #[test]
    fn department_conflict_on_the_later_row() {
        assert_eq!(
            errors(&[
                ROW_1,
                ROW_2,
                "E003,鈴木,すずき,c@example.jp,社員,D02,情報システム課,D01,,,",
                "E004,高橋,たかはし,d@example.jp,社員,D02,情報システム部,,,,",
                "E005,田中,たなか,e@example.jp,社員,D01,本社,D02,,,",
                "E006,伊藤,いとう,f@example.jp,社員,D02,情報システム部,D01,,,",
            ]),
            vec![
                err(4, "部門名", "department_conflict", "情報システム課"),
                err(5, "上位部門コード", "department_conflict", ""),
                err(6, "上位部門コード", "department_conflict", "D02"),
            ]
        );
    }

    #[test]
    fn parent_outside_the_file_is_kept() {
        let import = parse_rows(&["E001,山田,やまだ,a@example.jp,社員,D10,営業部,X99,,,"]);
        assert!(import.is_valid(), "{import:?}");
        assert_eq!(import.departments[0].parent_code.as_deref(), Some("X99"));
    }

    #[test]
    fn parent_defined_later_in_the_file() {
        let import = parse_rows(&[
            "E001,山田,やまだ,a@example.jp,社員,D02,営業部,D01,,,",
            "E002,佐藤,さとう,b@example.jp,社員,D01,本社,,,,",
        ]);
        assert!(import.is_valid(), "{import:?}");
        let codes: Vec<_> = import.departments.iter().map(|d| d.code.as_str()).collect();
        assert_eq!(codes, ["D02", "D01"]);
    }

    #[test]
    fn own_parent_is_invalid_parent() {
        let import = parse_rows(&[
            ROW_1,
            "E002,佐藤,さとう,b@example.jp,社員,D05,総務部,D05,,,",
        ]);
        assert_eq!(
            import.errors,
            vec![RowError {
                line: 3,
                column: Some("上位部門コード".into()),
                code: "invalid_parent",
                value: "D05".into(),
            }]
        );
        assert_eq!(import.departments.len(), 1);
        assert_eq!(import.people.len(), 1);
    }

    #[test]
    fn cycle_is_reported_on_the_row_that_closes_it() {
        let import = parse_rows(&[
            "E001,山田,やまだ,a@example.jp,社員,A,部門A,C,,,",
            "E002,佐藤,さとう,b@example.jp,社員,B,部門B,A,,,",
            "E003,鈴木,すずき,c@example.jp,社員,X,部門X,B,,,",
            "E004,高橋,たかはし,d@example.jp,社員,C,部門C,B,,,",
            "E005,田中,たなか,e@example.jp,社員,E,部門E,C,,,",
        ]);
        assert_eq!(
            import.errors,
            vec![RowError {
                line: 5,
                column: Some("上位部門コード".into()),
                code: "department_cycle",
                value: "B".into(),
            }]
        );
        let codes: Vec<_> = import.departments.iter().map(|d| d.code.as_str()).collect();
        assert_eq!(codes, ["A", "B", "X", "E"]);
        assert_eq!(import.people.len(), 4);
    }

    #[test]
    fn two_department_cycle() {
        let found = errors(&[
            "E001,山田,やまだ,a@example.jp,社員,A,部門A,B,,,",
            "E002,佐藤,さとう,b@example.jp,社員,B,部門B,A,,,",
        ]);
        assert_eq!(
            found,
            vec![err(3, "上位部門コード", "department_cycle", "A")]
        );
    }

    #[test]
    fn left_before_joined() {
        assert_eq!(
            errors(&["E001,山田,やまだ,a@example.jp,社員,D01,本社,,2024/04/01,,2024/03/31"]),
            vec![err(2, "退職日", "left_before_joined", "2024/03/31")]
        );
        // Leaving on the day of joining is possible.
        assert!(
            parse_rows(&["E001,山田,やまだ,a@example.jp,社員,D01,本社,,2024/04/01,,2024/04/01"])
                .is_valid()
        );
    }

    #[test]
    fn every_error_of_a_row_is_reported_and_the_row_is_left_out() {
        let import = parse_rows(&[
            ROW_1,
            "E001,,Yamada,not-an-email,パート,D01,本店,D01,2024/04/01,x,2023/04/01",
            ROW_2,
        ]);
        let codes: Vec<_> = import.errors.iter().map(|e| (e.line, e.code)).collect();
        assert_eq!(
            codes,
            vec![
                (3, "required"),
                (3, "kana_only"),
                (3, "invalid_email"),
                (3, "unknown_employment_type"),
                (3, "invalid_date"),
                (3, "left_before_joined"),
                (3, "duplicate_employee_no"),
                (3, "department_conflict"),
                (3, "department_conflict"),
            ]
        );
        assert!(!import.is_valid());
        let lines: Vec<_> = import.people.iter().map(|p| p.line).collect();
        assert_eq!(lines, [2, 4]);
    }

    #[test]
    fn errors_carry_the_header_as_written() {
        let text = " Employee_No ,name,name_kana,EMAIL,employment_type,department_code,department_name\n\
                    E001,山田,やまだ,bad,社員,D01,本社\n";
        let import = parse_org_csv(text.as_bytes());
        assert_eq!(
            import.errors,
            vec![RowError {
                line: 2,
                column: Some("EMAIL".into()),
                code: "invalid_email",
                value: "bad".into(),
            }]
        );
    }

    fn csv_ish() -> impl Strategy<Value = String> {
        let cell = prop::sample::select(vec![
            "社員番号",
            "氏名",
            "ふりがな",
            "メールアドレス",
            "雇用区分",
            "部門コード",
            "部門名",
            "上位部門コード",
            "入社日",
            "異動日",
            "退職日",
            "employee_no",
            "email",
            "E001",
            "D01",
            "D02",
            "山田",
            "やまだ",
            "a@example.jp",
            "社員",
            "パート",
            "2024/4/1",
            "２０２４／０４／０１",
            "2024-02-30",
            "",
            " ",
            "\u{3000}",
            ",",
            "\"",
            "\"\"",
            "\n",
            "\r\n",
            "\r",
            "\u{FEFF}",
            "x",
        ]);
        prop::collection::vec(cell, 0..80).prop_map(|cells| cells.concat())
    }

    fn header_then(body: impl Strategy<Value = String>) -> impl Strategy<Value = String> {
        body.prop_map(|b| format!("{HEADER_JA}\n{b}"))
    }

    proptest! {
        #[test]
        fn never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
            let import = parse_org_csv(&bytes);
            prop_assert!(import.is_valid() || !import.errors.is_empty() || import.file_error.is_some());
        }

        #[test]
        fn never_panics_on_csv_ish_text(text in prop_oneof![csv_ish(), header_then(csv_ish())]) {
            let import = parse_org_csv(text.as_bytes());
            // Errors and rows never coexist with a file error.
            if import.file_error.is_some() {
                prop_assert!(import.people.is_empty() && import.errors.is_empty());
            }
            let (sjis, _, _) = SHIFT_JIS.encode(&text);
            let _ = parse_org_csv(&sjis);
        }

        #[test]
        fn valid_rows_round_trip(n in 1usize..20, joined in 2000i32..2030) {
            let rows: Vec<String> = (0..n)
                .map(|i| format!("E{i:03},山田 {i},やまだ,u{i}@example.jp,社員,D{},部門{},,{joined}/4/1,,", i % 3, i % 3))
                .collect();
            let refs: Vec<&str> = rows.iter().map(String::as_str).collect();
            let import = parse_rows(&refs);
            prop_assert!(import.is_valid(), "{:?}", import);
            prop_assert_eq!(import.people.len(), n);
            prop_assert_eq!(import.departments.len(), n.min(3));
        }
    }
}
