//! The 情報資産台帳 (information asset register, RISK-4.1.2) as people keep it:
//! an Excel sheet or a CSV with one asset per row. Reading checks every cell
//! against the risk method's scales and reports every problem of every row;
//! writing gives a file that reads back the same. Owners and departments are
//! only checked for form here: the app matches them against the database.

use std::collections::HashSet;
use std::io::Cursor;

use calamine::{Data, Reader, open_workbook_auto_from_rs};
use csv::ReaderBuilder;
use mamori_domain::org::{Email, FieldError, parse_code, required_multiline, required_text};
use mamori_domain::risk::{Form, RiskMethod, Scale};
use rust_xlsxwriter::{
    Color, DataValidation, DataValidationErrorStyle, ExcelDateTime, Format, FormatAlign,
    FormatBorder, Workbook, Worksheet, XlsxError,
};
use serde::Serialize;
use time::{Date, Month};

use crate::cells::{line_at, parse_date, to_half_width, trim_cell};
use crate::encoding::{DecodeError, decode_text};
pub use crate::org_csv::RowError;

const NAME_MAX: usize = 200;
const TEXT_MAX: usize = 2000;

/// One asset as the register file gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssetRecord {
    /// 管理番号 ("A-00012"); `None`: a new asset.
    pub ref_no: Option<String>,
    /// 資産名
    pub name: String,
    /// 業務プロセス
    pub process: String,
    /// 分類・グループ
    pub group: String,
    /// 保存形態
    pub form: Form,
    /// 保管場所
    pub location: String,
    /// 利用形態・利用場所
    pub usage: String,
    /// 利用者 (affiliates and partners included)
    pub users: String,
    /// 情報資産管理者, normalised by `Email::parse`.
    pub owner_email: String,
    /// 管理部門 (code)
    pub department_code: Option<String>,
    /// 機密性
    pub c: u8,
    /// 完全性
    pub i: u8,
    /// 可用性
    pub a: u8,
    /// 漏えい時の影響
    pub leak_impact: String,
    /// 登録日
    pub registered_on: Option<Date>,
    /// 備考
    pub note: String,
}

/// The result of reading a register file.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct AssetImport {
    /// The rows without errors, with their line (1-based, as in the file
    /// or sheet).
    pub rows: Vec<(usize, AssetRecord)>,
    /// Every problem of every row, in file order. Codes: the domain's
    /// ("required", "too_long", "invalid_characters", "invalid_code",
    /// "invalid_email") and "invalid_form", "invalid_rating",
    /// "out_of_range", "invalid_date", "duplicate_ref".
    pub errors: Vec<RowError>,
    /// The file as a whole could not be read; then there are no rows and no
    /// row errors.
    pub file_error: Option<FileError>,
}

impl AssetImport {
    /// No row errors and no file error: the file can be imported as it is.
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty() && self.file_error.is_none()
    }

    fn failed(error: FileError) -> Self {
        AssetImport {
            file_error: Some(error),
            ..AssetImport::default()
        }
    }
}

/// Why the file as a whole could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileError {
    /// A text file neither UTF-8 nor Shift_JIS.
    UnknownEncoding,
    /// Not a workbook calamine can open (a broken or protected file, or
    /// another file named .xlsx).
    Unreadable,
    /// No header, or a header and no data rows.
    Empty,
    /// Required columns absent from the header, by id (`COLUMN_IDS`).
    MissingColumns(Vec<&'static str>),
    /// A CSV row's cells do not line up with the header.
    Malformed { line: usize },
}

impl FileError {
    /// A stable code for the message shown to the user.
    pub fn code(&self) -> String {
        match self {
            FileError::UnknownEncoding => "file_unknown_encoding".into(),
            FileError::Unreadable => "file_unreadable".into(),
            FileError::Empty => "file_empty".into(),
            FileError::MissingColumns(cols) => format!("file_missing_columns:{}", cols.join("、")),
            FileError::Malformed { line } => format!("file_malformed:{line}"),
        }
    }
}

impl From<DecodeError> for FileError {
    fn from(e: DecodeError) -> Self {
        match e {
            DecodeError::UnknownEncoding => FileError::UnknownEncoding,
        }
    }
}

/// The register's columns, in the order mamori writes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    RefNo,
    Name,
    Process,
    Group,
    Form,
    Location,
    Usage,
    Users,
    Owner,
    Department,
    C,
    I,
    A,
    Importance,
    LeakImpact,
    RegisteredOn,
    Note,
}

const COLUMNS: [Col; 17] = [
    Col::RefNo,
    Col::Name,
    Col::Process,
    Col::Group,
    Col::Form,
    Col::Location,
    Col::Usage,
    Col::Users,
    Col::Owner,
    Col::Department,
    Col::C,
    Col::I,
    Col::A,
    Col::Importance,
    Col::LeakImpact,
    Col::RegisteredOn,
    Col::Note,
];

/// The header mamori writes (Japanese), column by column.
pub const HEADER: [&str; 17] = [
    "管理番号",
    "資産名",
    "業務プロセス",
    "分類",
    "保存形態",
    "保管場所",
    "利用形態",
    "利用者",
    "情報資産管理者",
    "管理部門",
    "機密性",
    "完全性",
    "可用性",
    "重要度",
    "漏えい時の影響",
    "登録日",
    "備考",
];

/// The columns' ids (also accepted as headers), in the order of `HEADER`.
pub const COLUMN_IDS: [&str; 17] = [
    "ref_no",
    "name",
    "process",
    "group",
    "form",
    "location",
    "usage",
    "users",
    "owner_email",
    "department",
    "confidentiality",
    "integrity",
    "availability",
    "importance",
    "leak_impact",
    "registered_on",
    "note",
];

impl Col {
    fn index(self) -> usize {
        COLUMNS.iter().position(|c| *c == self).unwrap_or(0)
    }

    fn id(self) -> &'static str {
        COLUMN_IDS.get(self.index()).copied().unwrap_or("")
    }

    /// Other names seen in registers, besides `HEADER` and `COLUMN_IDS`.
    fn other_names(self) -> &'static [&'static str] {
        match self {
            Col::RefNo => &["資産番号", "ref"],
            Col::Name => &["情報資産名", "名称", "asset_name", "asset"],
            Col::Process => &["業務", "business_process"],
            Col::Group => &["分類・グループ", "グループ", "資産分類", "category"],
            Col::Form => &["形態", "媒体"],
            Col::Location => &["保存場所"],
            Col::Usage => &["利用形態・利用場所", "利用場所"],
            Col::Users => &["利用範囲", "利用者範囲"],
            Col::Owner => &["資産管理者", "管理者", "管理責任者", "owner", "email"],
            Col::Department => &["管理部署", "部門", "部門コード", "department_code"],
            Col::C => &["c"],
            Col::I => &["i"],
            Col::A => &["a"],
            Col::Importance => &["資産価値"],
            Col::LeakImpact => &["漏洩時の影響", "漏えいした場合の影響"],
            Col::RegisteredOn => &["登録年月日", "registered"],
            Col::Note => &["notes", "remarks"],
        }
    }

    fn required(self) -> bool {
        matches!(
            self,
            Col::Name | Col::Form | Col::Owner | Col::C | Col::I | Col::A
        )
    }

    fn matches(self, header: &str) -> bool {
        let k = key(header);
        !k.is_empty()
            && [HEADER[self.index()], self.id()]
                .iter()
                .chain(self.other_names())
                .any(|n| key(n) == k)
    }
}

/// A name compared loosely: half-width, lower-case, without blanks, joiners
/// ("_", "-", "・"), required marks ("*", "※") or a note in brackets, so
/// "機密性（C）", "Owner Email" and "情報資産\n管理者※" all match.
fn key(s: &str) -> String {
    let s = to_half_width(s);
    let s = match s.split_once('(') {
        Some((before, _)) if !before.trim().is_empty() => before,
        _ => &s,
    };
    s.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '_' | '-' | '・' | '･' | '*' | '※'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// 保存形態: the id first, then the Japanese label mamori writes, then
/// other names.
fn form_names(form: Form) -> &'static [&'static str] {
    match form {
        Form::Paper => &["paper", "紙", "紙媒体", "書類"],
        Form::Electronic => &[
            "electronic",
            "電子データ",
            "電子",
            "データ",
            "electronic data",
        ],
        Form::System => &[
            "system",
            "システム",
            "システム・ソフトウェア",
            "ソフトウェア",
            "software",
        ],
        Form::Service => &["service", "サービス"],
        Form::Person => &["person", "人", "人員", "人材", "people"],
        Form::Facility => &["facility", "設備", "施設", "設備・施設", "facilities"],
    }
}

fn form_label(form: Form) -> &'static str {
    form_names(form)
        .get(1)
        .copied()
        .unwrap_or_else(|| form.id())
}

fn parse_form(s: &str) -> Result<Form, &'static str> {
    let k = key(s);
    Form::ALL
        .iter()
        .copied()
        .find(|f| form_names(*f).iter().any(|n| key(n) == k))
        .ok_or("invalid_form")
}

/// A rating: its number or one of its labels on the dimension's scale.
fn parse_rating(scale: &Scale, s: &str) -> Result<u8, &'static str> {
    let s = to_half_width(s);
    if let Some(v) = scale.parse(&s) {
        return Ok(v);
    }
    if s.trim().parse::<i64>().is_ok() {
        Err("out_of_range")
    } else {
        Err("invalid_rating")
    }
}

// ---------------------------------------------------------------------------
// Reading

/// A cell as either file gives it: text, or a date from an Excel date cell.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Text(String),
    Date(Date),
}

impl Cell {
    fn text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Date(d) => iso_date(*d),
        }
    }

    fn is_blank(&self) -> bool {
        matches!(self, Cell::Text(s) if s.is_empty())
    }
}

/// A row of the file with the line it is on.
struct Line {
    line: usize,
    cells: Vec<Cell>,
}

impl Line {
    fn is_blank(&self) -> bool {
        self.cells.iter().all(Cell::is_blank)
    }
}

/// Reads a register CSV (UTF-8 with or without BOM, or Shift_JIS).
pub fn read_csv(bytes: &[u8], method: &RiskMethod) -> AssetImport {
    csv_lines(bytes)
        .and_then(|lines| check(lines, method))
        .unwrap_or_else(AssetImport::failed)
}

/// Reads the first sheet of a workbook: XLSX, and also what calamine opens
/// besides (XLS, XLSB, ODS).
pub fn read_xlsx(bytes: &[u8], method: &RiskMethod) -> AssetImport {
    sheet_lines(bytes)
        .and_then(|lines| check(lines, method))
        .unwrap_or_else(AssetImport::failed)
}

/// Reads a register upload: a workbook by its magic bytes (zip for XLSX,
/// OLE for XLS) or its extension, otherwise CSV.
pub fn read(bytes: &[u8], file_name: &str, method: &RiskMethod) -> AssetImport {
    if is_workbook(bytes, file_name) {
        read_xlsx(bytes, method)
    } else {
        read_csv(bytes, method)
    }
}

fn is_workbook(bytes: &[u8], file_name: &str) -> bool {
    const ZIP: &[u8] = b"PK\x03\x04";
    const OLE: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    bytes.starts_with(ZIP)
        || bytes.starts_with(OLE)
        || matches!(ext.as_str(), "xlsx" | "xlsm" | "xls" | "xlsb" | "ods")
}

fn csv_lines(bytes: &[u8]) -> Result<Vec<Line>, FileError> {
    let text = decode_text(bytes)?;
    let mut reader = ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut lines = Vec::new();
    let mut last_line = 0usize;
    for result in reader.records() {
        let record = result.map_err(|e| FileError::Malformed {
            line: e.position().map_or(last_line + 1, |p| line_at(&text, p)),
        })?;
        let line = record
            .position()
            .map_or(last_line + 1, |p| line_at(&text, p));
        last_line = line;
        let cells = record
            .iter()
            .map(|c| Cell::Text(csv_unescape(trim_cell(c)).to_owned()))
            .collect();
        lines.push(Line { line, cells });
    }
    Ok(lines)
}

fn sheet_lines(bytes: &[u8]) -> Result<Vec<Line>, FileError> {
    let mut workbook =
        open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|_| FileError::Unreadable)?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or(FileError::Empty)?
        .map_err(|_| FileError::Unreadable)?;
    let first_row = range.start().map_or(0, |(row, _)| row as usize);
    Ok(range
        .rows()
        .enumerate()
        .map(|(i, cells)| Line {
            line: first_row + i + 1,
            cells: cells.iter().map(sheet_cell).collect(),
        })
        .collect())
}

fn sheet_cell(data: &Data) -> Cell {
    let text = |s: &str| Cell::Text(trim_cell(s).to_owned());
    match data {
        Data::Empty => Cell::Text(String::new()),
        Data::String(s) => text(s),
        Data::Int(v) => Cell::Text(v.to_string()),
        // Whole numbers (a rating typed as 2) read as "2", not "2.0".
        Data::Float(v) if v.fract() == 0.0 && v.abs() < 1e15 => {
            Cell::Text(format!("{}", *v as i64))
        }
        Data::Float(v) => Cell::Text(v.to_string()),
        Data::Bool(b) => Cell::Text(if *b { "TRUE" } else { "FALSE" }.into()),
        Data::DateTime(dt) if dt.is_datetime() => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            Month::try_from(m)
                .ok()
                .and_then(|m| Date::from_calendar_date(i32::from(y), m, d).ok())
                .map_or_else(|| Cell::Text(dt.to_string()), Cell::Date)
        }
        Data::DateTime(dt) => Cell::Text(dt.to_string()),
        Data::DateTimeIso(s) => s
            .get(..10)
            .and_then(|d| parse_date(d).ok())
            .map_or_else(|| text(s), Cell::Date),
        Data::DurationIso(s) => text(s),
        Data::Error(e) => Cell::Text(e.to_string()),
    }
}

/// Where each known column is, and its name as the file writes it.
struct Header {
    /// Per `COLUMNS` entry: (index in the row, header as written).
    cols: [Option<(usize, String)>; COLUMNS.len()],
    /// Cells every data row must have.
    len: usize,
}

impl Header {
    /// Header rows are looked for among this many first non-blank rows, so
    /// a title ("情報資産台帳", the date printed) may stand above them.
    const SEARCH: usize = 10;

    /// Finds the header in the non-blank `lines`; returns it and how many
    /// lines it and the title above it take. The header is the first row
    /// naming two known columns; the row under it joins it when it names
    /// more (a two-row header: "評価" above 機密性, 完全性, 可用性).
    fn find(lines: &[&Line]) -> Result<(Header, usize), FileError> {
        let first = lines.first().ok_or(FileError::Empty)?;
        let found = lines
            .iter()
            .take(Self::SEARCH)
            .position(|l| known_columns(&names(&[l])) >= 2);
        let Some(at) = found else {
            return Header::of(&names(&[first])).map(|h| (h, 1));
        };
        let top = names(&lines[at..=at]);
        if let Some(under) = lines.get(at + 1) {
            let joined = names(&[lines[at], *under]);
            if known_columns(&joined) > known_columns(&top) {
                return Header::of(&joined).map(|h| (h, at + 2));
            }
        }
        Header::of(&top).map(|h| (h, at + 1))
    }

    fn of(names: &[String]) -> Result<Header, FileError> {
        let mut cols: [Option<(usize, String)>; COLUMNS.len()] = Default::default();
        for (slot, col) in cols.iter_mut().zip(COLUMNS) {
            // A column named twice: the first one counts.
            *slot = names
                .iter()
                .position(|n| col.matches(n))
                .map(|i| (i, names.get(i).cloned().unwrap_or_default()));
        }
        let missing: Vec<&'static str> = COLUMNS
            .iter()
            .zip(&cols)
            .filter(|(col, slot)| col.required() && slot.is_none())
            .map(|(col, _)| col.id())
            .collect();
        if !missing.is_empty() {
            return Err(FileError::MissingColumns(missing));
        }
        Ok(Header {
            cols,
            len: names.len(),
        })
    }

    fn get(&self, col: Col) -> Option<&(usize, String)> {
        self.cols.get(col.index())?.as_ref()
    }
}

/// The column names of one header row, or of two joined: per column the
/// lower row's name where it has one, else the upper row's.
fn names(rows: &[&Line]) -> Vec<String> {
    let width = rows.iter().map(|l| l.cells.len()).max().unwrap_or(0);
    (0..width)
        .map(|i| {
            rows.iter()
                .rev()
                .filter_map(|l| l.cells.get(i))
                .map(Cell::text)
                .find(|t| !t.is_empty())
                .unwrap_or_default()
        })
        .collect()
}

fn known_columns(names: &[String]) -> usize {
    COLUMNS
        .iter()
        .filter(|c| names.iter().any(|n| c.matches(n)))
        .count()
}

fn check(lines: Vec<Line>, method: &RiskMethod) -> Result<AssetImport, FileError> {
    let lines: Vec<&Line> = lines.iter().filter(|l| !l.is_blank()).collect();
    let (header, skip) = Header::find(&lines)?;
    let data = lines.get(skip..).unwrap_or_default();
    if data.is_empty() {
        return Err(FileError::Empty);
    }
    let mut import = AssetImport::default();
    let mut refs = HashSet::new();
    for line in data {
        if line.cells.len() != header.len {
            return Err(FileError::Malformed { line: line.line });
        }
        let mut row = Row {
            header: &header,
            line,
            errors: Vec::new(),
        };
        let record = row.record(method, &mut refs);
        match record {
            Some(r) if row.errors.is_empty() => import.rows.push((line.line, r)),
            _ => import.errors.extend(row.errors),
        }
    }
    Ok(import)
}

/// One data row being checked; collects its errors.
struct Row<'a> {
    header: &'a Header,
    line: &'a Line,
    errors: Vec<RowError>,
}

impl Row<'_> {
    fn cell(&self, col: Col) -> Option<&Cell> {
        let (i, _) = self.header.get(col)?;
        self.line.cells.get(*i)
    }

    /// The cell as text, "" if the file has no such column.
    fn text(&self, col: Col) -> String {
        self.cell(col).map(Cell::text).unwrap_or_default()
    }

    fn error(&mut self, col: Col, code: &'static str) {
        self.errors.push(RowError {
            line: self.line.line,
            column: self.header.get(col).map(|(_, name)| name.clone()),
            code,
            value: self.text(col),
        });
    }

    fn checked<T>(&mut self, col: Col, result: Result<T, &'static str>) -> Option<T> {
        result.map_err(|code| self.error(col, code)).ok()
    }

    /// A required cell: empty is "required", otherwise `parse` decides.
    fn required<T>(
        &mut self,
        col: Col,
        parse: impl FnOnce(&str) -> Result<T, &'static str>,
    ) -> Option<T> {
        let value = self.text(col);
        let result = if value.is_empty() {
            Err("required")
        } else {
            parse(&value)
        };
        self.checked(col, result)
    }

    /// An optional cell: `Some(None)` if absent or empty, `None` if invalid.
    fn optional<T>(
        &mut self,
        col: Col,
        parse: impl FnOnce(&str) -> Result<T, &'static str>,
    ) -> Option<Option<T>> {
        let value = self.text(col);
        if value.is_empty() {
            return Some(None);
        }
        let result = parse(&value);
        self.checked(col, result).map(Some)
    }

    /// A free text, possibly over several lines; "" if absent or empty.
    fn free_text(&mut self, col: Col) -> Option<String> {
        self.optional(col, |s| {
            required_multiline(col.id(), s, TEXT_MAX).map_err(code)
        })
        .map(Option::unwrap_or_default)
    }

    fn date(&mut self, col: Col) -> Option<Option<Date>> {
        if let Some(Cell::Date(d)) = self.cell(col) {
            return Some(Some(*d));
        }
        self.optional(col, |s| parse_date(s).map_err(code))
    }

    /// Checks every cell and gives the record if all are valid. The checks
    /// run in column order and each records its own error, so every problem
    /// of the row is reported.
    fn record(&mut self, method: &RiskMethod, refs: &mut HashSet<String>) -> Option<AssetRecord> {
        let ref_no = self.optional(Col::RefNo, |s| parse_code("ref_no", s).map_err(code));
        let name = self.required(Col::Name, |s| {
            required_text("name", s, NAME_MAX).map_err(code)
        });
        let process = self.free_text(Col::Process);
        let group = self.free_text(Col::Group);
        let form = self.required(Col::Form, parse_form);
        let location = self.free_text(Col::Location);
        let usage = self.free_text(Col::Usage);
        let users = self.free_text(Col::Users);
        let owner_email = self.required(Col::Owner, |s| {
            Email::parse(s).map(String::from).map_err(code)
        });
        let department_code = self.optional(Col::Department, |s| {
            parse_code("department_code", s).map_err(code)
        });
        let c = self.required(Col::C, |s| parse_rating(&method.confidentiality, s));
        let i = self.required(Col::I, |s| parse_rating(&method.integrity, s));
        let a = self.required(Col::A, |s| parse_rating(&method.availability, s));
        let leak_impact = self.free_text(Col::LeakImpact);
        let registered_on = self.date(Col::RegisteredOn);
        let note = self.free_text(Col::Note);

        if let Some(Some(r)) = &ref_no
            && !refs.insert(r.clone())
        {
            self.error(Col::RefNo, "duplicate_ref");
        }
        Some(AssetRecord {
            ref_no: ref_no?,
            name: name?,
            process: process?,
            group: group?,
            form: form?,
            location: location?,
            usage: usage?,
            users: users?,
            owner_email: owner_email?,
            department_code: department_code?,
            c: c?,
            i: i?,
            a: a?,
            leak_impact: leak_impact?,
            registered_on: registered_on?,
            note: note?,
        })
    }
}

fn code(e: FieldError) -> &'static str {
    e.code
}

fn iso_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

// ---------------------------------------------------------------------------
// Writing

/// A value as written: text, a rating (a number in XLSX) or a date.
enum Out {
    Text(String),
    Number(u8),
    Date(Date),
}

impl Out {
    fn text(&self) -> String {
        match self {
            Out::Text(s) => s.clone(),
            Out::Number(v) => v.to_string(),
            Out::Date(d) => iso_date(*d),
        }
    }
}

/// The row's values in `HEADER` order. 重要度 is computed, written as its
/// label; it is left empty if the ratings do not fit the method.
fn values(r: &AssetRecord, method: &RiskMethod) -> [Out; 17] {
    let importance = method
        .cia(r.c, r.i, r.a)
        .ok()
        .and_then(|cia| method.importance_level(method.importance(cia)))
        .map(|l| l.label_ja.clone())
        .unwrap_or_default();
    let text = |s: &str| Out::Text(s.to_owned());
    [
        text(r.ref_no.as_deref().unwrap_or("")),
        text(&r.name),
        text(&r.process),
        text(&r.group),
        text(form_label(r.form)),
        text(&r.location),
        text(&r.usage),
        text(&r.users),
        text(&r.owner_email),
        text(r.department_code.as_deref().unwrap_or("")),
        Out::Number(r.c),
        Out::Number(r.i),
        Out::Number(r.a),
        Out::Text(importance),
        text(&r.leak_impact),
        r.registered_on.map_or_else(|| text(""), Out::Date),
        text(&r.note),
    ]
}

/// The first characters that make Excel read a CSV cell as a formula.
const FORMULA_START: [char; 4] = ['=', '+', '-', '@'];

/// Excel would run "=HYPERLINK(...)" in a CSV cell: such text is written
/// after an apostrophe, as Excel itself marks text. A text that starts with
/// an apostrophe gets one too, so that reading removes exactly one.
fn csv_escape(s: &str) -> String {
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(c), Some(_)) if FORMULA_START.contains(&c) || c == '\'' => format!("'{s}"),
        _ => s.to_owned(),
    }
}

fn csv_unescape(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest)
            if rest
                .chars()
                .next()
                .is_some_and(|c| FORMULA_START.contains(&c) || c == '\'') =>
        {
            rest
        }
        _ => s,
    }
}

/// The register as CSV: UTF-8 with a BOM so Excel opens the Japanese text
/// correctly, the Japanese header, ratings as numbers.
pub fn to_csv(rows: &[AssetRecord], method: &RiskMethod) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let _ = w.write_record(HEADER);
    for r in rows {
        let _ = w.write_record(values(r, method).iter().map(|v| csv_escape(&v.text())));
    }
    w.into_inner().unwrap_or_default()
}

/// The register as an XLSX workbook with one sheet, laid out as a 台帳:
/// a frozen, filtered header; ratings as numbers with their scale shown on
/// entry; 保存形態 from a list; 登録日 as date cells.
pub fn to_xlsx(rows: &[AssetRecord], method: &RiskMethod) -> Result<Vec<u8>, String> {
    write_xlsx(rows, method).map_err(|e| e.to_string())
}

/// Column widths, in `HEADER` order.
const WIDTHS: [f64; 17] = [
    12.0, 28.0, 18.0, 14.0, 12.0, 18.0, 18.0, 18.0, 26.0, 12.0, 8.0, 8.0, 8.0, 8.0, 30.0, 12.0,
    30.0,
];

fn write_xlsx(rows: &[AssetRecord], method: &RiskMethod) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let sheet = wb.add_worksheet();
    sheet.set_name("情報資産台帳")?;
    let head = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_background_color(Color::RGB(0xDD_EB_F7))
        .set_border(FormatBorder::Thin);
    let date = Format::new().set_num_format("yyyy/mm/dd");
    for (c, (h, w)) in (0u16..).zip(HEADER.iter().zip(WIDTHS)) {
        sheet.write_string_with_format(0, c, *h, &head)?;
        sheet.set_column_width(c, w)?;
    }
    for (row, r) in (1u32..).zip(rows) {
        for (c, v) in (0u16..).zip(values(r, method)) {
            match v {
                Out::Text(s) if s.is_empty() => {}
                Out::Text(s) => {
                    sheet.write_string(row, c, s)?;
                }
                Out::Number(n) => {
                    sheet.write_number(row, c, n)?;
                }
                Out::Date(d) => {
                    let dt = ExcelDateTime::from_ymd(
                        u16::try_from(d.year()).unwrap_or(1900),
                        u8::from(d.month()),
                        d.day(),
                    )?;
                    sheet.write_datetime_with_format(row, c, &dt, &date)?;
                }
            }
        }
    }
    let last_row = u32::try_from(rows.len())
        .unwrap_or(u32::MAX)
        .saturating_add(500)
        .min(1_048_575);
    let last_col = u16::try_from(HEADER.len() - 1).unwrap_or(0);
    sheet.set_freeze_panes(1, 2)?;
    sheet.autofilter(0, 0, u32::try_from(rows.len()).unwrap_or(0), last_col)?;
    add_entry_help(sheet, method, last_row)?;
    wb.save_to_buffer()
}

/// Helps whoever fills the sheet in Excel: a list for 保存形態 (a warning
/// only, as other names are accepted too) and each rating's scale shown
/// when its cell is selected.
fn add_entry_help(
    sheet: &mut Worksheet,
    method: &RiskMethod,
    last_row: u32,
) -> Result<(), XlsxError> {
    let labels: Vec<&str> = Form::ALL.iter().map(|f| form_label(*f)).collect();
    let forms = DataValidation::new()
        .allow_list_strings(&labels)?
        .set_error_style(DataValidationErrorStyle::Warning);
    let form_col = column(Col::Form);
    sheet.add_data_validation(1, form_col, last_row, form_col, &forms)?;
    for (col, scale) in [
        (Col::C, &method.confidentiality),
        (Col::I, &method.integrity),
        (Col::A, &method.availability),
    ] {
        let legend = scale
            .levels
            .iter()
            .map(|l| format!("{}: {}", l.value, l.label_ja))
            .collect::<Vec<_>>()
            .join("\n");
        // Excel caps the message; a scale with long labels goes without.
        let Ok(help) = DataValidation::new()
            .allow_any_value()
            .set_input_title(HEADER[col.index()])
            .and_then(|v| v.set_input_message(legend))
        else {
            continue;
        };
        let c = column(col);
        sheet.add_data_validation(1, c, last_row, c, &help)?;
    }
    Ok(())
}

fn column(col: Col) -> u16 {
    u16::try_from(col.index()).unwrap_or(0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use encoding_rs::SHIFT_JIS;
    use proptest::prelude::*;
    use time::macros::date;

    const HEAD: &str = "管理番号,資産名,業務プロセス,分類,保存形態,保管場所,利用形態,利用者,情報資産管理者,管理部門,機密性,完全性,可用性,重要度,漏えい時の影響,登録日,備考";
    const ROW_1: &str = "A-00001,顧客名簿,営業管理,顧客情報,電子データ,ファイルサーバ,社内PC,営業部員・委託先,Owner@Example.co.jp,D01,3,2,1,高,個人情報の漏えい,2024/04/01,年1回棚卸";
    const ROW_2: &str =
        ",入退室記録,総務,記録,紙,総務部キャビネット,,総務部,soumu@example.co.jp,,1,1,1,,,,";

    fn method() -> RiskMethod {
        RiskMethod::default()
    }

    fn file(rows: &[&str]) -> String {
        let mut s = String::from(HEAD);
        for r in rows {
            s.push('\n');
            s.push_str(r);
        }
        s.push('\n');
        s
    }

    fn csv(rows: &[&str]) -> AssetImport {
        read_csv(file(rows).as_bytes(), &method())
    }

    fn errors(rows: &[&str]) -> Vec<(usize, String, &'static str, String)> {
        let import = csv(rows);
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

    fn record_1() -> AssetRecord {
        AssetRecord {
            ref_no: Some("A-00001".into()),
            name: "顧客名簿".into(),
            process: "営業管理".into(),
            group: "顧客情報".into(),
            form: Form::Electronic,
            location: "ファイルサーバ".into(),
            usage: "社内PC".into(),
            users: "営業部員・委託先".into(),
            owner_email: "owner@example.co.jp".into(),
            department_code: Some("D01".into()),
            c: 3,
            i: 2,
            a: 1,
            leak_impact: "個人情報の漏えい".into(),
            registered_on: Some(date!(2024 - 04 - 01)),
            note: "年1回棚卸".into(),
        }
    }

    fn record_2() -> AssetRecord {
        AssetRecord {
            ref_no: None,
            name: "入退室記録".into(),
            process: "総務".into(),
            group: "記録".into(),
            form: Form::Paper,
            location: "総務部キャビネット".into(),
            usage: String::new(),
            users: "総務部".into(),
            owner_email: "soumu@example.co.jp".into(),
            department_code: None,
            c: 1,
            i: 1,
            a: 1,
            leak_impact: String::new(),
            registered_on: None,
            note: String::new(),
        }
    }

    fn records(import: &AssetImport) -> Vec<AssetRecord> {
        import.rows.iter().map(|(_, r)| r.clone()).collect()
    }

    #[test]
    fn reads_a_valid_register_with_lines() {
        let import = csv(&[ROW_1, "", ROW_2]);
        assert!(import.is_valid(), "{import:?}");
        assert_eq!(import.rows, vec![(2, record_1()), (4, record_2())]);
    }

    #[test]
    fn utf8_with_and_without_bom_and_shift_jis_read_the_same() {
        let text = file(&[ROW_1, ROW_2]);
        let with_bom = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
        let crlf = text.replace('\n', "\r\n");
        let (sjis, _, unmappable) = SHIFT_JIS.encode(&crlf);
        assert!(!unmappable);
        assert!(std::str::from_utf8(&sjis).is_err());
        let plain = read_csv(text.as_bytes(), &method());
        assert!(plain.is_valid(), "{plain:?}");
        assert_eq!(plain.rows.len(), 2);
        assert_eq!(read_csv(&with_bom, &method()), plain);
        assert_eq!(read_csv(&sjis, &method()), plain);
    }

    #[test]
    fn csv_export_reads_back_the_same() {
        let rows = vec![record_1(), record_2()];
        let bytes = to_csv(&rows, &method());
        assert!(bytes.starts_with("\u{feff}管理番号,資産名,".as_bytes()));
        let text = String::from_utf8(bytes.clone()).unwrap();
        // 重要度 is written as its label.
        assert!(text.contains(",3,2,1,高,"), "{text}");
        let import = read_csv(&bytes, &method());
        assert!(import.is_valid(), "{import:?}");
        assert_eq!(records(&import), rows);
    }

    #[test]
    fn xlsx_export_reads_back_the_same() {
        let rows = vec![record_1(), record_2()];
        let bytes = to_xlsx(&rows, &method()).unwrap();
        assert!(bytes.starts_with(b"PK"));
        let import = read_xlsx(&bytes, &method());
        assert!(import.is_valid(), "{import:?}");
        assert_eq!(import.rows, vec![(2, record_1()), (3, record_2())]);
        assert_eq!(read(&bytes, "台帳.bin", &method()), import);
    }

    #[test]
    fn read_picks_the_format_by_magic_or_extension() {
        let csv_bytes = file(&[ROW_1]).into_bytes();
        assert!(read(&csv_bytes, "assets.csv", &method()).is_valid());
        assert!(read(&csv_bytes, "assets", &method()).is_valid());
        assert_eq!(
            read(&csv_bytes, "assets.XLSX", &method()).file_error,
            Some(FileError::Unreadable)
        );
    }

    #[test]
    fn japanese_and_english_labels_for_form_and_ratings() {
        let import = csv(&[
            ",PC,,,システム・ソフトウェア,,,,a@example.jp,,高,中,低,,,,",
            ",契約書,,,Paper,,,,b@example.jp,,High,medium,LOW,,,,",
            ",サーバ室,,,設備,,,,c@example.jp,,３,2,1,,,,",
            ",担当者,,,人,,,,d@example.jp,,1,1,1,,,,",
            ",SaaS,,,service,,,,e@example.jp,,1,1,1,,,,",
        ]);
        assert!(import.is_valid(), "{import:?}");
        let got: Vec<_> = import
            .rows
            .iter()
            .map(|(_, r)| (r.form, r.c, r.i, r.a))
            .collect();
        assert_eq!(
            got,
            vec![
                (Form::System, 3, 2, 1),
                (Form::Paper, 3, 2, 1),
                (Form::Facility, 3, 2, 1),
                (Form::Person, 1, 1, 1),
                (Form::Service, 1, 1, 1),
            ]
        );
    }

    #[test]
    fn every_error_of_every_row_with_line_and_column() {
        let long = "あ".repeat(201);
        assert_eq!(
            errors(&[
                ROW_1,
                &format!("A 1,{long},,,テープ,,,,owner@example,D/1,4,普通,0,,,2024/02/30,"),
                ",,,,,,,,,,,,,,,,メモだけ",
                "A-00001,重複,,,紙,,,,x@example.jp,,1,1,1,,,,",
            ]),
            vec![
                err(3, "管理番号", "invalid_code", "A 1"),
                err(3, "資産名", "too_long", &long),
                err(3, "保存形態", "invalid_form", "テープ"),
                err(3, "情報資産管理者", "invalid_email", "owner@example"),
                err(3, "管理部門", "invalid_code", "D/1"),
                err(3, "機密性", "out_of_range", "4"),
                err(3, "完全性", "invalid_rating", "普通"),
                err(3, "可用性", "out_of_range", "0"),
                err(3, "登録日", "invalid_date", "2024/02/30"),
                err(4, "資産名", "required", ""),
                err(4, "保存形態", "required", ""),
                err(4, "情報資産管理者", "required", ""),
                err(4, "機密性", "required", ""),
                err(4, "完全性", "required", ""),
                err(4, "可用性", "required", ""),
                err(5, "管理番号", "duplicate_ref", "A-00001"),
            ]
        );
        let import = csv(&[ROW_1, ",x,,,紙,,,,bad,,1,1,1,,,,", ROW_2]);
        assert!(!import.is_valid());
        let lines: Vec<_> = import.rows.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, [2, 4]);
    }

    #[test]
    fn lines_count_quoted_line_breaks_and_blank_lines() {
        let text = format!(
            "\n{HEAD}\n\n,\"複数行\n備考\",,,紙,,,,a@example.jp,,1,1,1,,,,\"一行目\n二行目\"\n,x,,,紙,,,,bad,,1,1,1,,,,\n"
        );
        let import = read_csv(text.as_bytes(), &method());
        assert_eq!(import.rows.len(), 0);
        let found: Vec<_> = import.errors.iter().map(|e| (e.line, e.code)).collect();
        assert_eq!(found, [(4, "invalid_characters"), (7, "invalid_email")]);
    }

    #[test]
    fn multi_line_notes_are_kept() {
        let text =
            file(&[",鍵,,,設備,,,,a@example.jp,,1,1,1,,\"紛失時は\n入替\",,\"一行目\n二行目\""]);
        let import = read_csv(text.as_bytes(), &method());
        assert!(import.is_valid(), "{import:?}");
        assert_eq!(import.rows[0].1.note, "一行目\n二行目");
        assert_eq!(import.rows[0].1.leak_impact, "紛失時は\n入替");
    }

    #[test]
    fn missing_required_columns_are_a_file_error() {
        let text = "管理番号,資産名,機密性,備考\nA-1,顧客名簿,3,\n";
        let import = read_csv(text.as_bytes(), &method());
        assert_eq!(
            import.file_error,
            Some(FileError::MissingColumns(vec![
                "form",
                "owner_email",
                "integrity",
                "availability"
            ]))
        );
        assert!(import.rows.is_empty() && import.errors.is_empty());
        assert_eq!(
            import.file_error.map(|e| e.code()).as_deref(),
            Some("file_missing_columns:form、owner_email、integrity、availability")
        );
    }

    #[test]
    fn empty_and_malformed_files() {
        let m = method();
        assert_eq!(read_csv(b"", &m).file_error, Some(FileError::Empty));
        assert_eq!(
            read_csv(format!("{HEAD}\n\n").as_bytes(), &m).file_error,
            Some(FileError::Empty)
        );
        assert_eq!(
            read_csv(file(&[ROW_1, "a,b,c"]).as_bytes(), &m).file_error,
            Some(FileError::Malformed { line: 3 })
        );
        assert_eq!(
            read_csv(b"\xFF\xFEa\x00", &m).file_error,
            Some(FileError::UnknownEncoding)
        );
        assert_eq!(
            read_xlsx(b"PK\x03\x04 not a zip", &m).file_error,
            Some(FileError::Unreadable)
        );
    }

    #[test]
    fn columns_in_any_order_by_alias_unknown_ignored() {
        let text = "No., Note ,C,I,A,Owner Email,FORM,Name,連番\n\
                    1,メモ,1,2,3,A@Example.jp,electronic,見積書,99\n";
        let import = read_csv(text.as_bytes(), &method());
        assert!(import.is_valid(), "{import:?}");
        let r = &import.rows[0].1;
        assert_eq!((r.c, r.i, r.a), (1, 2, 3));
        assert_eq!(r.name, "見積書");
        assert_eq!(r.note, "メモ");
        assert_eq!(r.owner_email, "a@example.jp");
        assert_eq!(r.ref_no, None);
        assert_eq!(r.form, Form::Electronic);
    }

    #[test]
    fn errors_carry_the_header_as_written() {
        let text = "資産名,保存形態,\"情報資産\n管理者※\",機密性（C）,完全性（I）,可用性（A）\n\
                    鍵,金庫,k@example.jp,1,1,5\n";
        let import = read_csv(text.as_bytes(), &method());
        let found: Vec<_> = import
            .errors
            .iter()
            .map(|e| (e.line, e.column.as_deref(), e.code))
            .collect();
        assert_eq!(
            found,
            vec![
                (3, Some("保存形態"), "invalid_form"),
                (3, Some("可用性（A）"), "out_of_range")
            ]
        );
    }

    #[test]
    fn csv_cells_that_excel_would_run_are_escaped_and_read_back() {
        let mut r = record_2();
        r.note = "=HYPERLINK(\"http://x\")".into();
        r.leak_impact = "'=quoted".into();
        r.usage = "-".into();
        r.users = "@all".into();
        let bytes = to_csv(std::slice::from_ref(&r), &method());
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "{text}");
        assert!(text.contains(",'@all,"), "{text}");
        assert!(text.contains(",-,"), "{text}");
        assert_eq!(records(&read_csv(&bytes, &method())), vec![r]);
    }

    /// A register as kept in Excel: a title row, a two-row header with the
    /// ratings under "評価", a date cell, numbers typed into the cells.
    fn excel_ledger() -> Vec<u8> {
        let mut wb = Workbook::new();
        let s = wb.add_worksheet();
        s.write_string(0, 0, "情報資産台帳").unwrap();
        s.write_string(0, 5, "2024年度").unwrap();
        let top = [
            "No.",
            "資産名",
            "保存形態",
            "情報資産管理者",
            "評価",
            "",
            "",
            "登録日",
        ];
        let under = ["", "", "", "", "機密性", "完全性", "可用性", ""];
        for (c, (t, u)) in (0u16..).zip(top.iter().zip(under)) {
            s.write_string(2, c, *t).unwrap();
            s.write_string(3, c, u).unwrap();
        }
        s.write_number(4, 0, 1).unwrap();
        s.write_string(4, 1, "人事評価表").unwrap();
        s.write_string(4, 2, "紙").unwrap();
        s.write_string(4, 3, "jinji@example.jp").unwrap();
        s.write_number(4, 4, 3).unwrap();
        s.write_number(4, 5, 2.0).unwrap();
        s.write_string(4, 6, "中").unwrap();
        let d = ExcelDateTime::from_ymd(2023, 10, 2).unwrap();
        s.write_datetime_with_format(4, 7, &d, &Format::new().set_num_format("yyyy/m/d"))
            .unwrap();
        s.write_string(6, 1, "給与データ").unwrap();
        s.write_string(6, 2, "電子データ").unwrap();
        s.write_string(6, 3, "kyuyo@example.jp").unwrap();
        s.write_number(6, 4, 2.5).unwrap();
        s.write_number(6, 5, 1).unwrap();
        s.write_number(6, 6, 1).unwrap();
        s.write_string(6, 7, "2023/13/01").unwrap();
        wb.save_to_buffer().unwrap()
    }

    #[test]
    fn excel_date_cell_and_two_row_header_under_a_title() {
        let import = read_xlsx(&excel_ledger(), &method());
        assert_eq!(import.file_error, None);
        assert_eq!(import.rows.len(), 1);
        let (line, r) = &import.rows[0];
        assert_eq!(*line, 5);
        assert_eq!(r.registered_on, Some(date!(2023 - 10 - 02)));
        assert_eq!((r.c, r.i, r.a), (3, 2, 2));
        assert_eq!(r.form, Form::Paper);
        let found: Vec<_> = import
            .errors
            .iter()
            .map(|e| (e.line, e.column.as_deref(), e.code, e.value.as_str()))
            .collect();
        assert_eq!(
            found,
            vec![
                (7, Some("機密性"), "invalid_rating", "2.5"),
                (7, Some("登録日"), "invalid_date", "2023/13/01"),
            ]
        );
    }

    #[test]
    fn ratings_are_checked_against_each_dimensions_scale() {
        let mut m = method();
        m.availability = Scale::of(&[("1", "1"), ("2", "2"), ("3", "3"), ("4", "4")]);
        let text = file(&[
            ",x,,,紙,,,,a@example.jp,,3,3,4,,,,",
            ",y,,,紙,,,,a@example.jp,,4,3,4,,,,",
        ]);
        let import = read_csv(text.as_bytes(), &m);
        assert_eq!(import.rows.len(), 1);
        assert_eq!(import.errors.len(), 1);
        assert_eq!(
            (import.errors[0].line, import.errors[0].code),
            (3, "out_of_range")
        );
    }

    fn text(max: usize) -> impl Strategy<Value = String> {
        let piece = prop::sample::select(vec![
            "資産", "顧客", "ｶﾅ", "a", "Z", "1", " ", "\u{3000}", ",", "\"", "'", "=", "-", "+",
            "@", "\n", "・", "（", "）", "/", "#",
        ]);
        prop::collection::vec(piece, 0..max).prop_map(|p| trim_cell(&p.concat()).to_owned())
    }

    fn one_line(max: usize) -> impl Strategy<Value = String> {
        text(max).prop_map(|s| s.replace('\n', ""))
    }

    prop_compose! {
        fn record()(
            (has_ref, name, process, group, form) in (
                any::<bool>(),
                one_line(12).prop_filter("a name", |s| !s.is_empty()),
                one_line(6),
                one_line(6),
                prop::sample::select(Form::ALL.to_vec()),
            ),
            (location, usage, users, owner, department) in (
                text(6),
                text(6),
                text(6),
                "[a-z0-9][a-z0-9._-]{0,8}@[a-z]{1,8}\\.(jp|com)",
                prop::option::of("[A-Z][A-Z0-9_-]{0,6}"),
            ),
            ((c, i, a), leak_impact, day, note) in (
                (1u8..=3, 1u8..=3, 1u8..=3),
                text(10),
                prop::option::of(0i32..12_000),
                text(10),
            ),
        ) -> AssetRecord {
            AssetRecord {
                ref_no: has_ref.then(String::new),
                name,
                process,
                group,
                form,
                location,
                usage,
                users,
                owner_email: owner,
                department_code: department,
                c,
                i,
                a,
                leak_impact,
                registered_on: day.map(|d| date!(2000 - 01 - 01) + time::Duration::days(d.into())),
                note,
            }
        }
    }

    fn register() -> impl Strategy<Value = Vec<AssetRecord>> {
        prop::collection::vec(record(), 1..8).prop_map(|mut rows| {
            for (n, r) in rows.iter_mut().enumerate() {
                if r.ref_no.is_some() {
                    r.ref_no = Some(format!("A-{n:05}"));
                }
            }
            rows
        })
    }

    proptest! {
        #[test]
        fn csv_export_then_import_gives_back_the_register(rows in register()) {
            let import = read_csv(&to_csv(&rows, &method()), &method());
            prop_assert!(import.is_valid(), "{:?}", import);
            prop_assert_eq!(records(&import), rows);
        }

        #[test]
        fn xlsx_export_then_import_gives_back_the_register(rows in register()) {
            let bytes = to_xlsx(&rows, &method()).unwrap();
            let import = read_xlsx(&bytes, &method());
            prop_assert!(import.is_valid(), "{:?}", import);
            prop_assert_eq!(records(&import), rows);
        }

        #[test]
        fn never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
            let m = method();
            for import in [read_csv(&bytes, &m), read_xlsx(&bytes, &m)] {
                if import.file_error.is_some() {
                    prop_assert!(import.rows.is_empty() && import.errors.is_empty());
                }
            }
        }
    }
}
