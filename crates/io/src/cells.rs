//! Cell helpers shared by the importers: where a CSV record starts, how a
//! cell is trimmed and read as a date the ways spreadsheets write them.

use csv::Position;
use mamori_domain::org::FieldError;
use time::{Date, Month};

/// The line a record starts on. csv's position is where the reader stood
/// before the record, so add the blank lines it skipped to reach it.
pub(crate) fn line_at(text: &str, pos: &Position) -> usize {
    let line = usize::try_from(pos.line()).unwrap_or(usize::MAX);
    let start = usize::try_from(pos.byte()).unwrap_or(usize::MAX);
    let blank = text
        .as_bytes()
        .get(start..)
        .map_or(0, |rest| rest.iter().take_while(|b| **b == b'\n').count());
    line.saturating_add(blank)
}

/// Trims blanks at both ends: ASCII and Unicode white space (including the
/// full-width space U+3000) and a stray BOM.
pub(crate) fn trim_cell(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}' || c == '\u{FEFF}')
}

/// Full-width ASCII (U+FF01..U+FF5E) and the full-width space to half-width.
pub(crate) fn to_half_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect()
}

/// 2024-04-01, 2024/04/01, 2024/4/1, also written in full-width digits.
pub(crate) fn parse_date(s: &str) -> Result<Date, FieldError> {
    let invalid = || FieldError::new("date", "invalid_date");
    let s = to_half_width(s);
    let s = s.trim();
    let sep = if s.contains('/') { '/' } else { '-' };
    let mut parts = s.split(sep);
    let (Some(y), Some(m), Some(d), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid());
    };
    let digits = |p: &str, min: usize, max: usize| {
        (min..=max).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit())
    };
    if !digits(y, 4, 4) || !digits(m, 1, 2) || !digits(d, 1, 2) {
        return Err(invalid());
    }
    let year: i32 = y.parse().map_err(|_| invalid())?;
    let month: u8 = m.parse().map_err(|_| invalid())?;
    let day: u8 = d.parse().map_err(|_| invalid())?;
    let month = Month::try_from(month).map_err(|_| invalid())?;
    Date::from_calendar_date(year, month, day).map_err(|_| invalid())
}
