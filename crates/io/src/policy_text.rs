//! Importing a Japanese policy set from plain text, as people actually get
//! it: a PDF-to-text export with hard line breaks, interleaved blank lines,
//! page numbers, figure labels and full-width numbering.
//!
//! [`import_policy`] is pure and total: any string in, a document tree out,
//! plus a report of every non-blank line it could not place. It recognises
//!
//! * document starts: a short line ending in 方針 / 規程 / 規則 / 基準 /
//!   手順書 (and a few kin such as 規定 / 要領 / 細則), optionally with
//!   制定日 / 承認日 lines around it, confirmed by what follows it (a first
//!   section `1`, `第1章` or `第1条`), or the first such line of the text, or
//!   one following a closing `以上`;
//! * sections: decimal `1` / `１` / `１．` / `4.1` / `４．１．２` (depth by
//!   the number of components, checked against the running numbering so
//!   table rows and cross references are not taken for headings),
//!   `第N章`, `第N節`, `第N条（見出し）` (or a `（見出し）` line above the
//!   article), paragraphs (項) written as a lone `２` inside an article, and
//!   `附則`;
//! * items: `（１）` `(1)` `1)` `①`…`⑳` `⑴` `（ア）` `ア` `（一）` `一` (号) and
//!   bullets such as `・`, nested by the order in which the styles appear;
//! * Annex A references such as `(A.7.2.2)`, `（A.9.2.1、A.9.2.2）`,
//!   `(A.5.15)`, `A8.3.1` or full-width forms, normalised to `A.x.y(.z)`,
//!   attached to the section or item where they appear and stripped from
//!   titles and text when they are parenthesised.
//!
//! Lines broken mid-sentence by the export are joined back: a line continues
//! the previous one when that one is (nearly) full width, or ends in a
//! comma, and does not end a sentence.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

use serde::Serialize;

/// The result of an import: the documents found and every non-blank line
/// that could not be placed in one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportedPolicy {
    pub documents: Vec<ImportedDocument>,
    pub unplaced: Vec<Unplaced>,
}

/// One policy document (基本方針, 規程, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportedDocument {
    /// The title as written (trimmed, runs of spaces collapsed).
    pub title: String,
    /// Paragraphs between the title and the first section (including
    /// 制定日-style lines).
    pub preamble: Vec<String>,
    pub sections: Vec<Section>,
}

/// A numbered section: a decimal heading, a chapter, an article, a
/// paragraph (項) or the supplementary provisions (附則).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Section {
    /// The number as written, e.g. `４．１．２`, `第３条`, `２`, `附則`.
    pub number: String,
    pub title: String,
    /// Paragraphs of the section's own text, joined across line breaks.
    pub text: Vec<String>,
    pub sections: Vec<Section>,
    pub items: Vec<Item>,
    /// Normalised Annex A references (`A.7.2.2`, `A.5.15`), deduplicated,
    /// in order of appearance.
    pub annex_refs: Vec<String>,
}

/// A list item; paragraphs that follow an item inside its section are
/// appended to its text after a newline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    /// The marker as written: `（１）`, `①`, `・`, `一`, `（ア）`.
    pub marker: String,
    pub text: String,
    pub items: Vec<Item>,
    pub annex_refs: Vec<String>,
}

/// A non-blank line the importer could not place in the tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unplaced {
    /// 1-based line number in the input.
    pub line: usize,
    pub text: String,
    pub reason: String,
}

const REASON_PAGE: &str = "page number";
const REASON_BEFORE: &str = "text before the first document";
const REASON_ORPHAN: &str = "orphan item";
const REASON_ANNEX: &str = "annex reference outside a section";
const REASON_FRAGMENT: &str = "figure or table fragment";
const REASON_END: &str = "end of document marker";
const REASON_HEADER: &str = "running header (repeated title)";

/// Imports a policy text export into documents, sections and items.
/// Never panics; what it cannot place is reported in `unplaced`.
pub fn import_policy(text: &str) -> ImportedPolicy {
    let lines = prepare(text);
    let kinds: Vec<Kind> = lines.iter().map(classify).collect();
    let layout = Layout::measure(&lines, &kinds);
    let starts = find_documents(&lines, &kinds, layout);

    let mut unplaced = Vec::new();
    let first = starts.first().map_or(lines.len(), |d| d.start);
    for (line, kind) in lines.iter().zip(&kinds).take(first) {
        match kind {
            Kind::Blank => {}
            Kind::PageNumber => unplaced.push(unplaced_line(line, REASON_PAGE)),
            _ => unplaced.push(unplaced_line(line, REASON_BEFORE)),
        }
    }

    let mut documents = Vec::new();
    for (k, start) in starts.iter().enumerate() {
        let end = starts.get(k + 1).map_or(lines.len(), |d| d.start);
        let mut builder = Builder::new(&lines, &kinds, layout, &mut unplaced);
        for i in start.start..end {
            builder.line(i, i == start.title);
        }
        documents.push(builder.finish());
    }
    unplaced.sort_by_key(|u| u.line);
    ImportedPolicy {
        documents,
        unplaced,
    }
}

// ---------------------------------------------------------------------------
// Lines and normalisation

/// One input line: `orig` is the text as written with whitespace runs
/// collapsed to one space and trimmed; `norm` has the same length, with
/// full-width ASCII mapped to ASCII, for recognising numbers and markers.
struct Line {
    no: usize,
    orig: Vec<char>,
    norm: Vec<char>,
    width: usize,
}

impl Line {
    fn text(&self) -> String {
        self.orig.iter().collect()
    }

    fn len(&self) -> usize {
        self.orig.len()
    }
}

fn prepare(text: &str) -> Vec<Line> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    text.split('\n')
        .enumerate()
        .map(|(i, raw)| {
            let mut orig = Vec::new();
            let mut space = false;
            for c in raw.chars() {
                if c.is_whitespace() || c.is_control() || c == '\u{feff}' || c == '\u{200b}' {
                    space = true;
                    continue;
                }
                if space && !orig.is_empty() {
                    orig.push(' ');
                }
                space = false;
                orig.push(c);
            }
            let norm = orig.iter().map(|&c| norm_char(c)).collect();
            let width = orig.iter().map(|&c| char_width(c)).sum();
            Line {
                no: i + 1,
                orig,
                norm,
                width,
            }
        })
        .collect()
}

fn norm_char(c: char) -> char {
    let u = c as u32;
    match u {
        0xFF01..=0xFF5E => char::from_u32(u - 0xFEE0).unwrap_or(c),
        0x2010..=0x2015 | 0x2212 => '-',
        0xFF61 => '。',
        0xFF64 => '、',
        _ => c,
    }
}

fn char_width(c: char) -> usize {
    let u = c as u32;
    let wide = (0x1100..=0x115F).contains(&u)
        || (0x2460..=0x24FF).contains(&u)
        || (0x25A0..=0x25FF).contains(&u)
        || (0x2E80..=0xA4CF).contains(&u)
        || (0xAC00..=0xD7A3).contains(&u)
        || (0xF900..=0xFAFF).contains(&u)
        || (0xFE30..=0xFE4F).contains(&u)
        || (0xFF00..=0xFF60).contains(&u)
        || (0xFFE0..=0xFFE6).contains(&u)
        || (0x1F300..=0x1FAFF).contains(&u)
        || (0x20000..=0x3FFFD).contains(&u);
    if wide { 2 } else { 1 }
}

fn is_hiragana(c: char) -> bool {
    ('\u{3041}'..='\u{309F}').contains(&c)
}

fn is_open_bracket(c: char) -> bool {
    matches!(c, '(' | '[' | '【' | '〔' | '<' | '〈' | '《')
}

fn is_close_bracket(c: char) -> bool {
    matches!(c, ')' | ']' | '】' | '〕' | '>' | '〉' | '》')
}

fn is_closer(c: char) -> bool {
    is_close_bracket(c) || matches!(c, '」' | '』' | '、' | '。' | ',' | '，')
}

/// Whether the text (as normalised) ends a sentence.
fn ends_sentence(norm: &[char]) -> bool {
    let mut end = norm.len();
    while end > 0
        && norm
            .get(end - 1)
            .is_some_and(|&c| is_close_bracket(c) || c == '」' || c == '』')
    {
        end -= 1;
    }
    let Some(&last) = end.checked_sub(1).and_then(|i| norm.get(i)) else {
        return false;
    };
    match last {
        '。' | '!' | '?' => true,
        '.' => !end
            .checked_sub(2)
            .and_then(|i| norm.get(i))
            .is_some_and(|c| c.is_ascii_digit()),
        _ => false,
    }
}

fn ends_soft(norm: &[char]) -> bool {
    norm.last()
        .is_some_and(|&c| matches!(c, '、' | ',' | '(' | '「' | '『' | '・' | '/'))
}

fn digits_at(n: &[char], start: usize, max: usize) -> Option<(u32, usize)> {
    let mut value: u32 = 0;
    let mut j = start;
    while let Some(d) = n.get(j).and_then(|c| c.to_digit(10)) {
        if j - start >= max {
            return None;
        }
        value = value.saturating_mul(10).saturating_add(d);
        j += 1;
    }
    (j > start).then_some((value, j))
}

fn kanji_digit(c: char) -> Option<u32> {
    Some(match c {
        '〇' | '零' => 0,
        '一' => 1,
        '二' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => return None,
    })
}

fn is_kanji_numeral(c: char) -> bool {
    kanji_digit(c).is_some() || matches!(c, '十' | '百')
}

/// Parses a kanji numeral (一, 十二, 二十三, 百) of at most `max` characters.
fn kanji_at(n: &[char], start: usize, max: usize) -> Option<(u32, usize)> {
    let mut total: u32 = 0;
    let mut current: u32 = 0;
    let mut j = start;
    while let Some(&c) = n.get(j) {
        if !is_kanji_numeral(c) {
            break;
        }
        if j - start >= max {
            return None;
        }
        match c {
            '十' => {
                total = total.saturating_add(current.max(1).saturating_mul(10));
                current = 0;
            }
            '百' => {
                total = total.saturating_add(current.max(1).saturating_mul(100));
                current = 0;
            }
            _ => {
                let d = kanji_digit(c).unwrap_or(0);
                current = current.saturating_mul(10).saturating_add(d);
            }
        }
        j += 1;
    }
    (j > start).then_some((total.saturating_add(current), j))
}

fn number_at(n: &[char], start: usize) -> Option<(u32, usize)> {
    digits_at(n, start, 3).or_else(|| kanji_at(n, start, 5))
}

fn skip_spaces(n: &[char], mut j: usize) -> usize {
    while n.get(j) == Some(&' ') {
        j += 1;
    }
    j
}

/// The characters of `orig` in `from..to` without spaces.
fn compact(orig: &[char], from: usize, to: usize) -> String {
    orig.iter()
        .take(to)
        .skip(from)
        .filter(|c| **c != ' ')
        .collect()
}

fn compact_str(s: &str) -> String {
    s.chars().filter(|c| *c != ' ').collect()
}

fn collapse(s: &str) -> String {
    s.split(' ')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Joins a continuation line onto text: no separator between CJK text,
/// one space between two ASCII words.
fn join_onto(a: &mut String, b: &str) {
    if b.is_empty() {
        return;
    }
    let a_word = a.chars().last().is_some_and(|c| c.is_ascii_alphanumeric());
    let b_word = b.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    if a_word && b_word {
        a.push(' ');
    }
    a.push_str(b);
}

fn push_unique(into: &mut Vec<String>, refs: Vec<String>) {
    if refs.is_empty() {
        return;
    }
    let mut seen: std::collections::HashSet<String> = into.iter().cloned().collect();
    for r in refs {
        if seen.insert(r.clone()) {
            into.push(r);
        }
    }
}

// ---------------------------------------------------------------------------
// Annex A references

struct AnnexRef {
    start: usize,
    end: usize,
    id: String,
}

/// Finds `A.7.2.2`, `A8.3.1`, `A.5.15` (at least two numeric components).
fn scan_refs(n: &[char]) -> Vec<AnnexRef> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < n.len() {
        let starts = n.get(i) == Some(&'A')
            && !i
                .checked_sub(1)
                .and_then(|p| n.get(p))
                .is_some_and(|c| c.is_ascii_alphanumeric());
        if !starts {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        if n.get(j) == Some(&'.') {
            j += 1;
        }
        let Some((major, after)) = digits_at(n, j, 2) else {
            i += 1;
            continue;
        };
        let mut comps = vec![major];
        j = after;
        while comps.len() < 4
            && n.get(j) == Some(&'.')
            && let Some((c, after)) = digits_at(n, j + 1, 3)
        {
            comps.push(c);
            j = after;
        }
        let glued = n.get(j).is_some_and(|c| c.is_ascii_alphanumeric());
        if comps.len() < 2 || glued {
            i += 1;
            continue;
        }
        let id = format!(
            "A.{}",
            comps
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(".")
        );
        out.push(AnnexRef {
            start: i,
            end: j,
            id,
        });
        i = j;
    }
    out
}

fn is_ref_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | ',' | '、' | '・' | ';' | '/' | '及' | 'び' | 'お' | 'よ' | '&'
    )
}

/// A line holding nothing but Annex A references (and brackets/separators).
fn annex_only(n: &[char]) -> Option<Vec<String>> {
    let refs = scan_refs(n);
    if refs.is_empty() {
        return None;
    }
    let mut rest = String::new();
    let mut i = 0;
    for r in &refs {
        rest.extend(n.iter().take(r.start).skip(i));
        i = r.end;
    }
    rest.extend(n.iter().skip(i));
    let rest = rest.replace("参照", "");
    let only = rest
        .chars()
        .all(|c| is_ref_separator(c) || is_open_bracket(c) || is_close_bracket(c));
    only.then(|| refs.into_iter().map(|r| r.id).collect())
}

/// Ranges of `n[from..to]` to strip: groups of references enclosed in
/// brackets (or running to an edge of the line).
fn strip_ranges(n: &[char], refs: &[AnnexRef], from: usize, to: usize) -> Vec<(usize, usize)> {
    let mut groups: Vec<(usize, usize)> = Vec::new();
    for r in refs {
        match groups.last_mut() {
            Some(g)
                if n.iter()
                    .take(r.start)
                    .skip(g.1)
                    .all(|&c| is_ref_separator(c)) =>
            {
                g.1 = r.end;
            }
            _ => groups.push((r.start, r.end)),
        }
    }
    let mut out = Vec::new();
    for (gs, ge) in groups {
        let mut l = gs;
        while l > from && l.checked_sub(1).and_then(|p| n.get(p)) == Some(&' ') {
            l -= 1;
        }
        let left_open = l > from
            && l.checked_sub(1)
                .and_then(|p| n.get(p))
                .is_some_and(|&c| is_open_bracket(c));
        let left_edge = l <= from;
        let mut r = ge;
        while r < to && n.get(r).is_some_and(|&c| is_ref_separator(c)) {
            r += 1;
        }
        let right_close = r < to && n.get(r).is_some_and(|&c| is_close_bracket(c));
        let right_edge = r >= to;
        let end = if right_close { r + 1 } else { r };
        if left_open && (right_close || right_edge) {
            out.push((l - 1, end));
        } else if left_edge && (right_close || right_edge) {
            out.push((from, end));
        }
    }
    out
}

/// The text of `line[from..to]` with parenthesised Annex A references
/// removed, and the references found there.
fn clean(line: &Line, from: usize, to: usize) -> (String, Vec<String>) {
    let to = to.min(line.len());
    let refs: Vec<AnnexRef> = scan_refs(&line.norm)
        .into_iter()
        .filter(|r| r.start >= from && r.end <= to)
        .collect();
    let strip = strip_ranges(&line.norm, &refs, from, to);
    let mut ranges = strip.iter().peekable();
    let mut text = String::new();
    for (i, c) in line.orig.iter().enumerate().take(to).skip(from) {
        while ranges.next_if(|(_, end)| *end <= i).is_some() {}
        if ranges.peek().is_some_and(|(start, _)| *start <= i) {
            continue;
        }
        text.push(*c);
    }
    (collapse(&text), refs.into_iter().map(|r| r.id).collect())
}

// ---------------------------------------------------------------------------
// Line classification (stateless; the builder checks numbering in context)

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ItemKind {
    Paren,
    ParenKana,
    ParenKanji,
    Circled,
    ParenGlyph,
    HalfParen,
    Kana,
    Kanji,
    Bullet(char),
}

impl ItemKind {
    /// Kinds whose marker is unmistakable enough to accept small gaps and
    /// repeats in the numbering.
    fn lenient(self) -> bool {
        matches!(
            self,
            ItemKind::Paren
                | ItemKind::ParenKana
                | ItemKind::ParenKanji
                | ItemKind::Circled
                | ItemKind::ParenGlyph
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seq {
    Num(u32),
    Kana(char),
    Unordered,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    Numeric,
    Aiueo,
    Iroha,
}

const AIUEO: &str =
    "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲン";
const IROHA: &str = "イロハニホヘトチリヌルヲワカヨタレソツネナラムウヰノオクヤマケフコエテアサキユメミシヱヒモセス";

fn is_kana_marker(c: char) -> bool {
    AIUEO.contains(c) || IROHA.contains(c)
}

fn seq_value(seq: Seq, scheme: Scheme) -> Option<u32> {
    match (seq, scheme) {
        (Seq::Num(n), _) => Some(n),
        (Seq::Kana(c), Scheme::Iroha) => kana_index(IROHA, c),
        (Seq::Kana(c), _) => kana_index(AIUEO, c),
        (Seq::Unordered, _) => Some(0),
    }
}

fn kana_index(list: &str, c: char) -> Option<u32> {
    list.chars()
        .position(|k| k == c)
        .and_then(|p| u32::try_from(p).ok())
        .map(|p| p.saturating_add(1))
}

#[derive(Debug, Clone)]
struct Marker {
    kind: ItemKind,
    seq: Seq,
    marker: String,
    rest_from: usize,
}

#[derive(Debug, Clone)]
struct Decimal {
    comps: Vec<u32>,
    number: String,
    rest_from: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DaiUnit {
    Chapter,
    Setsu,
}

#[derive(Debug, Clone)]
enum Kind {
    Blank,
    PageNumber,
    Annex(Vec<String>),
    Fusoku {
        number: String,
        title: (usize, usize),
    },
    Chapter {
        unit: DaiUnit,
        n: u32,
        number: String,
        title: (usize, usize),
    },
    Article {
        n: u32,
        sub: u32,
        number: String,
        title: (usize, usize),
        body_from: Option<usize>,
    },
    Caption,
    Decimal(Decimal),
    Marker(Marker),
    EndMarker,
    Title,
    Meta,
    Text,
}

fn classify(line: &Line) -> Kind {
    let n = &line.norm;
    if n.is_empty() {
        return Kind::Blank;
    }
    if is_page_number(n) {
        return Kind::PageNumber;
    }
    if let Some(refs) = annex_only(n) {
        return Kind::Annex(refs);
    }
    if let Some(k) = parse_fusoku(line) {
        return k;
    }
    if let Some(k) = parse_dai(line) {
        return k;
    }
    if let Some(m) = parse_marker(line) {
        return Kind::Marker(m);
    }
    if is_caption(n) {
        return Kind::Caption;
    }
    if let Some(d) = parse_decimal(line) {
        return Kind::Decimal(d);
    }
    let compacted: String = n.iter().filter(|c| **c != ' ').collect();
    if compacted == "以上" {
        return Kind::EndMarker;
    }
    if is_title_candidate(line) {
        return Kind::Title;
    }
    if is_meta(&compacted) {
        return Kind::Meta;
    }
    Kind::Text
}

fn is_page_number(n: &[char]) -> bool {
    let s: String = n
        .iter()
        .filter(|c| **c != ' ')
        .collect::<String>()
        .to_lowercase();
    let core = s.trim_matches(|c| matches!(c, '-' | '~' | '〜' | '～' | '*'));
    let all_digits =
        |t: &str| !t.is_empty() && t.len() <= 4 && t.chars().all(|c| c.is_ascii_digit());
    if all_digits(core) {
        return true;
    }
    if let Some((a, b)) = core.split_once('/') {
        return all_digits(a) && all_digits(b);
    }
    for prefix in ["page", "p.", "p", "ページ", "頁"] {
        if let Some(rest) = core.strip_prefix(prefix)
            && all_digits(rest.trim_start_matches('.'))
        {
            return true;
        }
    }
    for suffix in ["ページ", "頁"] {
        if let Some(rest) = core.strip_suffix(suffix)
            && all_digits(rest)
        {
            return true;
        }
    }
    false
}

fn parse_fusoku(line: &Line) -> Option<Kind> {
    let n = &line.norm;
    if !matches!(n.first(), Some('附' | '付')) {
        return None;
    }
    let j = skip_spaces(n, 1);
    if n.get(j) != Some(&'則') {
        return None;
    }
    let after = j + 1;
    match n.get(after) {
        None | Some(' ') | Some('(') => {}
        _ => return None,
    }
    let mut from = skip_spaces(n, after);
    let mut to = n.len();
    if n.get(from) == Some(&'(') && n.last() == Some(&')') && to > from + 1 {
        from += 1;
        to -= 1;
    }
    Some(Kind::Fusoku {
        number: compact(&line.orig, 0, after),
        title: (from, to),
    })
}

/// `第N章`, `第N節`, `第N条`, `第N条の2` with ASCII, full-width or kanji
/// numerals.
fn parse_dai(line: &Line) -> Option<Kind> {
    let n = &line.norm;
    if n.first() != Some(&'第') {
        return None;
    }
    let (value, j) = number_at(n, 1)?;
    let unit = *n.get(j)?;
    let mut end = j + 1;
    match unit {
        '章' | '節' => {
            let unit = if unit == '章' {
                DaiUnit::Chapter
            } else {
                DaiUnit::Setsu
            };
            let number = compact(&line.orig, 0, end);
            let title = match n.get(end) {
                None => (end, end),
                Some(' ') => paren_or_rest(n, skip_spaces(n, end)),
                Some(_) if is_heading_bracket(n, end) => paren_or_rest(n, end),
                Some(&c) => {
                    let rest = n.len() - end;
                    if is_hiragana(c) || rest > 30 || n.contains(&'。') || is_closer(c) {
                        return None;
                    }
                    (end, n.len())
                }
            };
            Some(Kind::Chapter {
                unit,
                n: value,
                number,
                title,
            })
        }
        '条' => {
            let mut sub = 0;
            if n.get(end) == Some(&'の')
                && let Some((s, after)) = number_at(n, end + 1)
            {
                sub = s;
                end = after;
            }
            let number = compact(&line.orig, 0, end);
            let (title, body_from) = match n.get(end) {
                None => ((end, end), None),
                Some(_) if is_heading_bracket(n, end) => match close_paren(n, end) {
                    Some(close) => {
                        let body = skip_spaces(n, close + 1);
                        ((end + 1, close), (body < n.len()).then_some(body))
                    }
                    None => ((end, end), Some(end)),
                },
                Some(' ') => {
                    let rest = skip_spaces(n, end);
                    if let Some(close) = close_paren(n, rest) {
                        let body = skip_spaces(n, close + 1);
                        ((rest + 1, close), (body < n.len()).then_some(body))
                    } else {
                        let tail = n.iter().skip(rest);
                        let long = n.len() - rest > 20;
                        let prose = tail.clone().any(|c| matches!(c, '。' | '、' | ','));
                        if long || prose {
                            ((end, end), Some(rest))
                        } else {
                            ((rest, n.len()), None)
                        }
                    }
                }
                Some(_) => return None,
            };
            Some(Kind::Article {
                n: value,
                sub,
                number,
                title,
                body_from,
            })
        }
        _ => None,
    }
}

/// The closing bracket for the heading brackets `(`, `【`, `〔`, `[`.
fn closer_for(c: char) -> Option<char> {
    match c {
        '(' => Some(')'),
        '【' => Some('】'),
        '〔' => Some('〕'),
        '[' => Some(']'),
        _ => None,
    }
}

fn is_heading_bracket(n: &[char], at: usize) -> bool {
    n.get(at).copied().and_then(closer_for).is_some()
}

/// The position of the bracket closing the one at `open`.
fn close_paren(n: &[char], open: usize) -> Option<usize> {
    let closer = closer_for(*n.get(open)?)?;
    n.iter()
        .enumerate()
        .skip(open + 1)
        .find(|(_, c)| **c == closer)
        .map(|(i, _)| i)
}

/// A title in parentheses, or the rest of the line.
fn paren_or_rest(n: &[char], from: usize) -> (usize, usize) {
    if is_heading_bracket(n, from)
        && let Some(close) = close_paren(n, from)
        && close + 1 >= n.len()
    {
        return (from + 1, close);
    }
    (from, n.len())
}

const BULLETS: &[char] = &[
    '・', '･', '•', '●', '○', '■', '□', '◆', '◇', '◎', '▪', '▫', '‣', '➢', '➤', '▶', '►', '✓', '✔',
];

fn parse_marker(line: &Line) -> Option<Marker> {
    let n = &line.norm;
    let c0 = *n.first()?;
    let next = n.get(1).copied();
    let (kind, seq, end) = match c0 {
        '(' => {
            if let Some((v, j)) = digits_at(n, 1, 3)
                && n.get(j) == Some(&')')
            {
                (ItemKind::Paren, Seq::Num(v), j + 1)
            } else if let Some(k) = next
                && is_kana_marker(k)
                && n.get(2) == Some(&')')
            {
                (ItemKind::ParenKana, Seq::Kana(k), 3)
            } else if let Some((v, j)) = kanji_at(n, 1, 3)
                && n.get(j) == Some(&')')
            {
                (ItemKind::ParenKanji, Seq::Num(v), j + 1)
            } else {
                return None;
            }
        }
        '\u{2460}'..='\u{2473}' => (ItemKind::Circled, Seq::Num(c0 as u32 - 0x2460 + 1), 1),
        '\u{3251}'..='\u{325F}' => (ItemKind::Circled, Seq::Num(c0 as u32 - 0x3251 + 21), 1),
        '\u{32B1}'..='\u{32BF}' => (ItemKind::Circled, Seq::Num(c0 as u32 - 0x32B1 + 36), 1),
        '\u{2474}'..='\u{2487}' => (ItemKind::ParenGlyph, Seq::Num(c0 as u32 - 0x2474 + 1), 1),
        '0'..='9' => {
            let (v, j) = digits_at(n, 0, 2)?;
            if n.get(j) != Some(&')') {
                return None;
            }
            (ItemKind::HalfParen, Seq::Num(v), j + 1)
        }
        c if is_kana_marker(c) => match next {
            Some(' ') => (ItemKind::Kana, Seq::Kana(c), 1),
            Some('.' | ')') => (ItemKind::Kana, Seq::Kana(c), 2),
            _ => return None,
        },
        c if is_kanji_numeral(c) => {
            let (v, j) = kanji_at(n, 0, 3)?;
            match n.get(j) {
                Some(' ') => (ItemKind::Kanji, Seq::Num(v), j),
                Some('、') if !n.get(j + 1).is_some_and(|&c| is_kanji_numeral(c)) => {
                    (ItemKind::Kanji, Seq::Num(v), j + 1)
                }
                _ => return None,
            }
        }
        '-' if next == Some(' ') => (ItemKind::Bullet('-'), Seq::Unordered, 1),
        c if BULLETS.contains(&c) && next != Some(c) => (ItemKind::Bullet(c), Seq::Unordered, 1),
        _ => return None,
    };
    Some(Marker {
        kind,
        seq,
        marker: line.orig.iter().take(end).collect(),
        rest_from: skip_spaces(n, end),
    })
}

/// A `（目的）`-style line: the heading of the article below it.
fn is_caption(n: &[char]) -> bool {
    let closer = n.first().copied().and_then(closer_for);
    if closer.is_none() || n.last().copied() != closer {
        return false;
    }
    let inner_len = n.len().saturating_sub(2);
    let inner = n.iter().skip(1).take(inner_len);
    (2..=20).contains(&inner_len)
        && !inner.clone().any(|&c| {
            closer_for(c).is_some() || is_close_bracket(c) || matches!(c, '。' | '、' | ',')
        })
        && !inner.clone().all(|c| c.is_ascii_digit())
}

/// Characters that, right after a number, show it is a quantity ("3日",
/// "1 年に") rather than a heading number.
fn is_quantity_unit(c: char) -> bool {
    "年月日時分秒週回ヶヵケカか個件倍割万千百円台枚部歳度名人つ".contains(c)
}

/// Characters that, right after a number, show it is a reference or part
/// of an expression ("3条", "10%", "1/2").
fn is_number_connector(c: char) -> bool {
    "号項条章節%)」』、。・~-:/,.×x".contains(c)
}

/// Decimal headings: `1`, `１．`, `4.1`, `４．１．２`, `４． ３．３`.
fn parse_decimal(line: &Line) -> Option<Decimal> {
    let n = &line.norm;
    let (first, mut j) = digits_at(n, 0, 3)?;
    let mut comps = vec![first];
    let mut dotted_end = false;
    while n.get(j) == Some(&'.') {
        let k = skip_spaces(n, j + 1);
        match digits_at(n, k, 3) {
            Some((c, after)) if comps.len() < 6 => {
                comps.push(c);
                j = after;
            }
            Some(_) => return None,
            None => {
                dotted_end = true;
                j += 1;
                break;
            }
        }
    }
    let number_end = j;
    let rest_from = skip_spaces(n, j);
    let separated = rest_from > j || dotted_end;
    match n.get(rest_from) {
        None => {
            if comps.len() == 1 && !dotted_end {
                return None;
            }
        }
        Some(&c) => {
            if is_number_connector(c) || c.is_ascii_digit() && !separated {
                return None;
            }
            if !separated && (is_hiragana(c) || is_quantity_unit(c)) {
                return None;
            }
            let after = n.get(rest_from + 1).copied();
            if separated
                && comps.len() == 1
                && !dotted_end
                && is_quantity_unit(c)
                && after.is_some_and(|a| is_hiragana(a) || "間以前後毎".contains(a))
            {
                return None;
            }
        }
    }
    Some(Decimal {
        comps,
        number: compact(&line.orig, 0, number_end),
        rest_from,
    })
}

const TITLE_SUFFIXES: &[&str] = &[
    "方針",
    "規程",
    "規定",
    "規則",
    "基準",
    "手順書",
    "手順",
    "要領",
    "細則",
    "要綱",
    "規約",
    "ガイドライン",
    "ポリシー",
    "マニュアル",
];

/// A short line ending in a document-type word, with no sentence
/// punctuation: a possible document title (confirmed by what follows).
fn is_title_candidate(line: &Line) -> bool {
    let s: String = line.norm.iter().filter(|c| **c != ' ').collect();
    let count = s.chars().count();
    if !(3..=40).contains(&count) {
        return false;
    }
    if s.chars().any(|c| {
        matches!(
            c,
            '。' | '、' | ',' | ':' | '：' | '『' | '』' | '「' | '」'
        )
    }) {
        return false;
    }
    let Some(first) = s.chars().next() else {
        return false;
    };
    if first.is_ascii_digit()
        || is_open_bracket(first)
        || BULLETS.contains(&first)
        || ('\u{2460}'..='\u{24FF}').contains(&first)
        || "本同当前次各該上下※".contains(first)
    {
        return false;
    }
    // A short trailing note such as （案） or (改訂版) may follow the title.
    let mut core = s.as_str();
    if core.ends_with(')')
        && let Some(open) = core.rfind('(')
        && core.len() - open <= 30
    {
        core = core.get(..open).unwrap_or(core);
    }
    TITLE_SUFFIXES.iter().any(|suffix| {
        core.strip_suffix(suffix)
            .is_some_and(|head| head.chars().count() >= 2)
    })
}

const META_PREFIXES: &[&str] = &[
    "制定",
    "改定",
    "改訂",
    "承認",
    "施行",
    "発行",
    "作成",
    "策定",
    "最終",
    "版数",
    "改版",
    "文書番号",
    "管理番号",
    "ver",
    "Ver",
    "VER",
];

/// 制定日 / 承認日 / 版数 lines next to a title.
fn is_meta(compacted: &str) -> bool {
    if compacted.contains('。') || compacted.chars().count() > 40 {
        return false;
    }
    let has_digit = compacted.chars().any(|c| c.is_ascii_digit())
        || (compacted.contains('年') && compacted.chars().any(is_kanji_numeral));
    let dated = has_digit && (compacted.contains('年') || compacted.contains('/'));
    let prefixed = has_digit && META_PREFIXES.iter().any(|p| compacted.starts_with(p));
    let edition = compacted.starts_with('第') && compacted.ends_with('版');
    let keyword = ["制定", "改定", "改訂", "承認", "施行", "発行", "版"]
        .iter()
        .any(|k| compacted.contains(k));
    prefixed || edition || (dated && keyword)
}

// ---------------------------------------------------------------------------
// Documents

struct DocStart {
    start: usize,
    title: usize,
}

fn is_skippable(kind: &Kind) -> bool {
    matches!(
        kind,
        Kind::Blank | Kind::PageNumber | Kind::Meta | Kind::Annex(_) | Kind::Caption
    )
}

/// Whether the title candidate at `i` is followed by the first section of a
/// document (`1`, `第1章`, `第1節`, `第1条`), allowing a few lines between.
fn followed_by_start(kinds: &[Kind], i: usize) -> bool {
    let mut prose = 0;
    for kind in kinds.iter().skip(i + 1).take(80) {
        match kind {
            k if is_skippable(k) => {}
            Kind::Text | Kind::Title => {
                prose += 1;
                if prose > 5 {
                    return false;
                }
            }
            Kind::Decimal(d) => return d.comps == [1],
            Kind::Chapter { n, .. } | Kind::Article { n, .. } => return *n == 1,
            _ => return false,
        }
    }
    false
}

fn after_end_marker(kinds: &[Kind], i: usize) -> bool {
    kinds
        .iter()
        .take(i)
        .rev()
        .find(|k| !matches!(k, Kind::Blank | Kind::PageNumber))
        .is_some_and(|k| matches!(k, Kind::EndMarker))
}

fn is_significant(kind: &Kind) -> bool {
    !matches!(kind, Kind::Blank | Kind::PageNumber)
}

/// Titles of the section that closes a document (改訂, 附則, …).
fn is_closing_title(title: &str) -> bool {
    title.chars().count() <= 12
        && ["改訂", "改定", "改廃", "施行", "附則", "制定"]
            .iter()
            .any(|k| title.contains(k))
}

/// Whether the title candidate at `i` starts a prose-only document (a
/// 基本方針 without numbered sections): it is followed by a full-width
/// paragraph and comes right after a finished sentence in the closing
/// section (改訂 / 附則 / …) of the previous document.
fn prose_after_closing_section(lines: &[Line], kinds: &[Kind], layout: Layout, i: usize) -> bool {
    let next = kinds
        .iter()
        .enumerate()
        .skip(i + 1)
        .take(40)
        .find(|(_, k)| is_significant(k));
    let Some((next, Kind::Text)) = next else {
        return false;
    };
    let paragraph = lines.get(next).is_some_and(|l| l.width >= layout.long);
    let previous = (0..i)
        .rev()
        .take(200)
        .find(|&j| kinds.get(j).is_some_and(is_significant));
    let finished = previous
        .and_then(|p| lines.get(p))
        .is_some_and(|l| ends_sentence(&l.norm));
    if !(paragraph && finished) {
        return false;
    }
    let heading = (0..i).rev().take(300).find_map(|j| match kinds.get(j) {
        Some(
            k @ (Kind::Decimal(_)
            | Kind::Chapter { .. }
            | Kind::Article { .. }
            | Kind::Fusoku { .. }),
        ) => Some((j, k)),
        _ => None,
    });
    match heading {
        Some((_, Kind::Fusoku { .. })) => true,
        Some((j, Kind::Decimal(d))) if d.comps.len() == 1 => lines
            .get(j)
            .is_some_and(|l| is_closing_title(&compact(&l.orig, d.rest_from, l.len()))),
        Some((j, Kind::Article { title, .. })) => lines
            .get(j)
            .is_some_and(|l| is_closing_title(&compact(&l.orig, title.0, title.1))),
        _ => false,
    }
}

fn find_documents(lines: &[Line], kinds: &[Kind], layout: Layout) -> Vec<DocStart> {
    let mut out: Vec<DocStart> = Vec::new();
    for (i, kind) in kinds.iter().enumerate() {
        if !matches!(kind, Kind::Title) {
            continue;
        }
        let starts = out.is_empty()
            || after_end_marker(kinds, i)
            || followed_by_start(kinds, i)
            || prose_after_closing_section(lines, kinds, layout, i);
        if !starts {
            continue;
        }
        // Pull 制定日-style lines just above the title into the document.
        let floor = out.last().map_or(0, |d| d.title + 1);
        let mut start = i;
        let mut j = i;
        while j > floor {
            j -= 1;
            match kinds.get(j) {
                Some(Kind::Meta) => start = j,
                Some(Kind::Blank | Kind::PageNumber) => {}
                _ => break,
            }
        }
        out.push(DocStart { start, title: i });
    }
    out
}

// ---------------------------------------------------------------------------
// Building one document

#[derive(Debug, Clone, Copy)]
struct Layout {
    /// Lines at least this wide (in columns, full-width = 2) are "full":
    /// a line break after them is the export's, not the author's.
    long: usize,
    /// A line this narrow right after a full-width heading finishes the
    /// heading's title.
    short: usize,
}

impl Layout {
    fn measure(lines: &[Line], kinds: &[Kind]) -> Layout {
        let mut widths: Vec<usize> = lines
            .iter()
            .zip(kinds)
            .filter(|(_, k)| {
                matches!(
                    k,
                    Kind::Text | Kind::Marker(_) | Kind::Decimal(_) | Kind::Title | Kind::Meta
                )
            })
            .map(|(l, _)| l.width)
            .collect();
        widths.sort_unstable();
        let p90 = widths
            .get(widths.len().saturating_mul(9) / 10)
            .or(widths.last())
            .copied()
            .unwrap_or(0);
        let long = (p90.saturating_mul(4) / 5).max(32);
        Layout {
            long,
            short: (long / 3).max(6),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct LastLine {
    width: usize,
    terminated: bool,
    soft_end: bool,
}

impl LastLine {
    fn of(line: &Line) -> LastLine {
        LastLine {
            width: line.width,
            terminated: ends_sentence(&line.norm),
            soft_end: ends_soft(&line.norm),
        }
    }

    /// Whether the next line is expected to carry on this one.
    fn open(&self, layout: Layout) -> bool {
        !self.terminated && (self.width >= layout.long || self.soft_end)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    None,
    Preamble,
    Title,
    Text,
    Item,
    Unplaced(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum FrameKind {
    Decimal(Vec<u32>),
    Chapter(u32),
    Setsu(u32),
    Article,
    Kou(u32),
    Fusoku,
}

#[derive(Debug, Clone)]
struct Frame {
    kind: FrameKind,
    idx: usize,
    /// For chapters: the last 節 number seen in it.
    last_sub: u32,
}

#[derive(Debug, Clone, Copy)]
struct ItemFrame {
    kind: ItemKind,
    scheme: Scheme,
    n: u32,
    idx: usize,
}

fn children_mut<'d>(doc: &'d mut ImportedDocument, path: &[Frame]) -> Option<&'d mut Vec<Section>> {
    let mut children = &mut doc.sections;
    for f in path {
        children = &mut children.get_mut(f.idx)?.sections;
    }
    Some(children)
}

fn item_children_mut<'s>(
    section: &'s mut Section,
    path: &[ItemFrame],
) -> Option<&'s mut Vec<Item>> {
    let mut children = &mut section.items;
    for f in path {
        children = &mut children.get_mut(f.idx)?.items;
    }
    Some(children)
}

fn unplaced_line(line: &Line, reason: &str) -> Unplaced {
    Unplaced {
        line: line.no,
        text: line.text(),
        reason: reason.to_string(),
    }
}

struct Builder<'a> {
    lines: &'a [Line],
    kinds: &'a [Kind],
    layout: Layout,
    unplaced: &'a mut Vec<Unplaced>,
    doc: ImportedDocument,
    frames: Vec<Frame>,
    items: Vec<ItemFrame>,
    target: Target,
    /// The previous placed line, if the next may continue it.
    last: Option<LastLine>,
    /// The heading line whose title may continue on the next line.
    heading: Option<LastLine>,
    last_chapter: u32,
    last_article: (u32, u32),
    pending_caption: Option<usize>,
}

impl<'a> Builder<'a> {
    fn new(
        lines: &'a [Line],
        kinds: &'a [Kind],
        layout: Layout,
        unplaced: &'a mut Vec<Unplaced>,
    ) -> Self {
        Builder {
            lines,
            kinds,
            layout,
            unplaced,
            doc: ImportedDocument {
                title: String::new(),
                preamble: Vec::new(),
                sections: Vec::new(),
            },
            frames: Vec::new(),
            items: Vec::new(),
            target: Target::None,
            last: None,
            heading: None,
            last_chapter: 0,
            last_article: (0, 0),
            pending_caption: None,
        }
    }

    fn finish(mut self) -> ImportedDocument {
        self.flush_caption();
        self.doc
    }

    fn section_mut(&mut self) -> Option<&mut Section> {
        let (last, parents) = self.frames.split_last()?;
        children_mut(&mut self.doc, parents)?.get_mut(last.idx)
    }

    fn item_mut(&mut self) -> Option<&mut Item> {
        let (last, parents) = self.items.split_last()?;
        let parents = parents.to_vec();
        let idx = last.idx;
        let section = self.section_mut()?;
        item_children_mut(section, &parents)?.get_mut(idx)
    }

    fn line(&mut self, i: usize, is_title: bool) {
        let (lines, kinds) = (self.lines, self.kinds);
        let (Some(line), Some(kind)) = (lines.get(i), kinds.get(i)) else {
            return;
        };
        if is_title {
            self.doc.title = line.text();
            self.target = Target::Preamble;
            self.last = None;
            self.heading = None;
            return;
        }
        match kind {
            Kind::Blank => return,
            Kind::PageNumber => {
                self.unplaced.push(unplaced_line(line, REASON_PAGE));
                return;
            }
            Kind::Title if compact(&line.orig, 0, line.len()) == compact_str(&self.doc.title) => {
                self.unplaced.push(unplaced_line(line, REASON_HEADER));
                return;
            }
            Kind::Article { .. } => {}
            _ => self.flush_caption(),
        }
        match kind {
            Kind::Blank | Kind::PageNumber => {}
            Kind::Annex(refs) => self.annex(line, refs.clone()),
            Kind::Fusoku { number, title } => {
                let (title, refs) = clean(line, title.0, title.1);
                self.last_article = (0, 0);
                self.push_section(0, FrameKind::Fusoku, number.clone(), title, refs, line);
            }
            Kind::Chapter {
                unit,
                n,
                number,
                title,
            } => {
                if !self.chapter(line, *unit, *n, number, *title) {
                    self.text(i);
                }
            }
            Kind::Article {
                n,
                sub,
                number,
                title,
                body_from,
            } => {
                if self.article_ok(*n, *sub) {
                    self.article(line, (*n, *sub), number, *title, *body_from);
                } else {
                    self.flush_caption();
                    self.text(i);
                }
            }
            Kind::Caption => {
                if self.caption_heads_article(i) {
                    self.pending_caption = Some(i);
                } else {
                    self.text(i);
                }
            }
            Kind::Decimal(d) => {
                if !self.decimal(line, d) {
                    self.text(i);
                }
            }
            Kind::Marker(m) => {
                if !self.item(line, m) {
                    self.text(i);
                }
            }
            Kind::EndMarker => {
                self.unplaced.push(unplaced_line(line, REASON_END));
                self.last = None;
                self.heading = None;
            }
            Kind::Title | Kind::Meta | Kind::Text => self.text(i),
        }
    }

    fn flush_caption(&mut self) {
        if let Some(c) = self.pending_caption.take() {
            self.text(c);
        }
    }

    fn next_significant(&self, i: usize) -> Option<&'a Kind> {
        self.kinds
            .iter()
            .skip(i + 1)
            .take(40)
            .find(|k| !matches!(k, Kind::Blank | Kind::PageNumber))
    }

    fn caption_heads_article(&self, i: usize) -> bool {
        matches!(
            self.next_significant(i),
            Some(Kind::Article { n, sub, .. }) if self.article_ok(*n, *sub)
        )
    }

    fn annex(&mut self, line: &Line, refs: Vec<String>) {
        let placed = if self.target == Target::Item
            && let Some(item) = self.item_mut()
        {
            push_unique(&mut item.annex_refs, refs);
            true
        } else if let Some(section) = self.section_mut() {
            push_unique(&mut section.annex_refs, refs);
            true
        } else {
            false
        };
        if !placed {
            self.unplaced.push(unplaced_line(line, REASON_ANNEX));
        }
        self.last = None;
        self.heading = None;
    }

    /// Opens a section at `depth` (closing deeper ones).
    fn push_section(
        &mut self,
        depth: usize,
        kind: FrameKind,
        number: String,
        title: String,
        refs: Vec<String>,
        line: &Line,
    ) {
        self.frames.truncate(depth);
        let section = Section {
            number,
            title,
            text: Vec::new(),
            sections: Vec::new(),
            items: Vec::new(),
            annex_refs: Vec::new(),
        };
        let Some(children) = children_mut(&mut self.doc, &self.frames) else {
            return;
        };
        let idx = children.len();
        children.push(section);
        if let Some(s) = children.last_mut() {
            push_unique(&mut s.annex_refs, refs);
        }
        self.frames.push(Frame {
            kind,
            idx,
            last_sub: 0,
        });
        self.items.clear();
        self.target = Target::Title;
        self.last = None;
        self.heading = Some(LastLine::of(line));
    }

    /// Starts a paragraph of the current section's text with `line[from..]`.
    fn section_body(&mut self, line: &Line, from: usize) {
        let (text, refs) = clean(line, from, line.len());
        if let Some(section) = self.section_mut() {
            push_unique(&mut section.annex_refs, refs);
            if !text.is_empty() {
                section.text.push(text);
            }
        }
        self.target = Target::Text;
        self.heading = None;
        self.last = Some(LastLine::of(line));
    }

    fn chapter(
        &mut self,
        line: &Line,
        unit: DaiUnit,
        n: u32,
        number: &str,
        title: (usize, usize),
    ) -> bool {
        let (title, refs) = clean(line, title.0, title.1);
        match unit {
            DaiUnit::Chapter => {
                let last = self.last_chapter;
                let ok = if last == 0 {
                    (1..=2).contains(&n)
                } else {
                    n > last && n <= last + 2
                };
                if !ok {
                    return false;
                }
                self.last_chapter = n;
                self.push_section(
                    0,
                    FrameKind::Chapter(n),
                    number.to_string(),
                    title,
                    refs,
                    line,
                );
            }
            DaiUnit::Setsu => {
                let parent = self
                    .frames
                    .iter()
                    .rposition(|f| matches!(f.kind, FrameKind::Chapter(_)));
                let last = parent
                    .and_then(|p| self.frames.get(p))
                    .map_or(0, |f| f.last_sub);
                let ok = if last == 0 {
                    (1..=2).contains(&n)
                } else {
                    n > last && n <= last + 2
                };
                if !ok {
                    return false;
                }
                if let Some(f) = parent.and_then(|p| self.frames.get_mut(p)) {
                    f.last_sub = n;
                }
                let depth = parent.map_or(0, |p| p + 1);
                self.push_section(
                    depth,
                    FrameKind::Setsu(n),
                    number.to_string(),
                    title,
                    refs,
                    line,
                );
            }
        }
        true
    }

    fn article_ok(&self, n: u32, sub: u32) -> bool {
        let (last, last_sub) = self.last_article;
        if last == 0 {
            (1..=3).contains(&n)
        } else {
            (n == last && sub > last_sub) || (n > last && n <= last + 5)
        }
    }

    fn article(
        &mut self,
        line: &Line,
        num: (u32, u32),
        number: &str,
        title: (usize, usize),
        body_from: Option<usize>,
    ) {
        let (mut title, mut refs) = clean(line, title.0, title.1);
        if let Some(c) = self.pending_caption.take() {
            if title.is_empty()
                && let Some(cap) = self.lines.get(c)
            {
                let (t, r) = clean(cap, 1, cap.len().saturating_sub(1));
                title = t;
                refs.extend(r);
            } else {
                self.text(c);
            }
        }
        let depth = self
            .frames
            .iter()
            .rposition(|f| {
                matches!(
                    f.kind,
                    FrameKind::Chapter(_) | FrameKind::Setsu(_) | FrameKind::Fusoku
                )
            })
            .map_or(0, |p| p + 1);
        self.last_article = num;
        self.push_section(
            depth,
            FrameKind::Article,
            number.to_string(),
            title,
            refs,
            line,
        );
        if let Some(from) = body_from {
            self.section_body(line, from);
        }
    }

    fn decimal(&mut self, line: &Line, d: &Decimal) -> bool {
        let in_article = matches!(
            self.frames.last().map(|f| &f.kind),
            Some(FrameKind::Article | FrameKind::Kou(_) | FrameKind::Fusoku)
        );
        if in_article && d.comps.len() == 1 {
            return self.kou(line, d);
        }
        let base = self
            .frames
            .iter()
            .rposition(|f| !matches!(f.kind, FrameKind::Decimal(_)))
            .map_or(0, |p| p + 1);
        let current: &[u32] = match self.frames.last().map(|f| &f.kind) {
            Some(FrameKind::Decimal(path)) => path,
            _ => &[],
        };
        let depth = d.comps.len();
        if depth == 0 || depth > current.len() + 1 {
            return false;
        }
        let (Some(&value), Some(prefix)) = (d.comps.last(), d.comps.get(..depth - 1)) else {
            return false;
        };
        if current.get(..depth - 1) != Some(prefix) {
            return false;
        }
        let previous = current.get(depth - 1).copied().unwrap_or(0);
        let ok = if previous == 0 {
            value == 1
        } else {
            value > previous && value <= previous + 3
        };
        if !ok {
            return false;
        }
        let (rest, refs) = clean(line, d.rest_from, line.len());
        let prose = rest.contains('。');
        let title = if prose { String::new() } else { rest };
        self.push_section(
            base + depth - 1,
            FrameKind::Decimal(d.comps.clone()),
            d.number.clone(),
            title,
            refs,
            line,
        );
        if prose {
            self.section_body(line, d.rest_from);
        }
        true
    }

    /// A paragraph (項) `２` inside an article or 附則.
    fn kou(&mut self, line: &Line, d: &Decimal) -> bool {
        let Some(&n) = d.comps.first() else {
            return false;
        };
        let (depth, ok) = match self.frames.last().map(|f| &f.kind) {
            Some(FrameKind::Kou(k)) => (self.frames.len() - 1, n > *k && n <= k + 2),
            Some(FrameKind::Article | FrameKind::Fusoku) => {
                (self.frames.len(), (1..=2).contains(&n))
            }
            _ => (0, false),
        };
        if !ok {
            return false;
        }
        self.push_section(
            depth,
            FrameKind::Kou(n),
            d.number.clone(),
            String::new(),
            Vec::new(),
            line,
        );
        self.section_body(line, d.rest_from);
        true
    }

    fn expecting_continuation(&self) -> bool {
        self.last.is_some_and(|l| l.open(self.layout))
    }

    fn item(&mut self, line: &Line, m: &Marker) -> bool {
        if self.frames.is_empty() {
            let idx = self.unplaced.len();
            self.unplaced.push(unplaced_line(line, REASON_ORPHAN));
            self.target = Target::Unplaced(idx);
            self.last = Some(LastLine::of(line));
            self.heading = None;
            return true;
        }
        let expecting = self.expecting_continuation();
        let found = self.items.iter().rposition(|f| f.kind == m.kind);
        let (depth, scheme, n) = match found.and_then(|p| self.items.get(p).map(|f| (p, *f))) {
            Some((p, frame)) => {
                let Some(n) = seq_value(m.seq, frame.scheme) else {
                    return false;
                };
                let last = frame.n;
                let ok = match m.kind {
                    ItemKind::Bullet(_) => true,
                    k if k.lenient() => {
                        if expecting {
                            n == last + 1
                        } else {
                            n == 1 || (n + 1 >= last && n <= last + 3)
                        }
                    }
                    _ => n == last + 1,
                };
                if !ok {
                    return false;
                }
                (p, frame.scheme, n)
            }
            None => {
                let scheme = match m.seq {
                    Seq::Kana('イ') => Scheme::Iroha,
                    Seq::Kana(_) => Scheme::Aiueo,
                    _ => Scheme::Numeric,
                };
                let Some(n) = seq_value(m.seq, scheme) else {
                    return false;
                };
                let ok = match m.kind {
                    ItemKind::Bullet(_) => true,
                    k if k.lenient() => {
                        if expecting {
                            n == 1
                        } else {
                            (1..=3).contains(&n)
                        }
                    }
                    ItemKind::Kana => n == 1 && !expecting,
                    _ => n == 1,
                };
                if !ok {
                    return false;
                }
                (self.items.len(), scheme, n)
            }
        };
        self.items.truncate(depth);
        let (text, refs) = clean(line, m.rest_from, line.len());
        let item = Item {
            marker: m.marker.clone(),
            text,
            items: Vec::new(),
            annex_refs: Vec::new(),
        };
        let path = self.items.clone();
        let Some(section) = self.section_mut() else {
            return false;
        };
        let Some(children) = item_children_mut(section, &path) else {
            return false;
        };
        let idx = children.len();
        children.push(item);
        if let Some(it) = children.last_mut() {
            push_unique(&mut it.annex_refs, refs);
        }
        self.items.push(ItemFrame {
            kind: m.kind,
            scheme,
            n,
            idx,
        });
        self.target = Target::Item;
        self.last = Some(LastLine::of(line));
        self.heading = None;
        true
    }

    /// A line of running text: the end of a heading's title, the
    /// continuation of the previous line, or a new paragraph.
    fn text(&mut self, i: usize) {
        let lines = self.lines;
        let Some(line) = lines.get(i) else {
            return;
        };
        let info = LastLine::of(line);

        if self.target == Target::Title
            && let Some(h) = self.heading
            && h.width >= self.layout.long
            && !h.terminated
            && line.width <= self.layout.short
            && !info.terminated
        {
            let (more, refs) = clean(line, 0, line.len());
            if let Some(section) = self.section_mut() {
                join_onto(&mut section.title, &more);
                push_unique(&mut section.annex_refs, refs);
            }
            self.heading = None;
            return;
        }
        self.heading = None;

        let starts_closed = line.norm.first().is_some_and(|&c| is_closer(c));
        if let Some(last) = self.last
            && (last.open(self.layout) || (starts_closed && !last.terminated))
            && self.append(line)
        {
            self.last = Some(info);
            return;
        }

        if is_fragment(line) {
            self.unplaced.push(unplaced_line(line, REASON_FRAGMENT));
            self.last = None;
            return;
        }
        self.paragraph(i, line);
        self.last = Some(info);
    }

    /// Appends a continuation line to whatever the last line went into.
    fn append(&mut self, line: &Line) -> bool {
        match self.target {
            Target::Preamble => match self.doc.preamble.last_mut() {
                Some(p) => {
                    join_onto(p, &line.text());
                    true
                }
                None => false,
            },
            Target::Unplaced(idx) => match self.unplaced.get_mut(idx) {
                Some(u) => {
                    join_onto(&mut u.text, &line.text());
                    true
                }
                None => false,
            },
            Target::Text => {
                let (text, refs) = clean(line, 0, line.len());
                match self.section_mut() {
                    Some(section) => {
                        push_unique(&mut section.annex_refs, refs);
                        match section.text.last_mut() {
                            Some(p) => join_onto(p, &text),
                            None => section.text.push(text),
                        }
                        true
                    }
                    None => false,
                }
            }
            Target::Item => {
                let (text, refs) = clean(line, 0, line.len());
                match self.item_mut() {
                    Some(item) => {
                        push_unique(&mut item.annex_refs, refs);
                        join_onto(&mut item.text, &text);
                        true
                    }
                    None => false,
                }
            }
            Target::Title | Target::None => false,
        }
    }

    /// Starts a new paragraph with `line`.
    fn paragraph(&mut self, i: usize, line: &Line) {
        if self.frames.is_empty() {
            self.doc.preamble.push(line.text());
            self.target = Target::Preamble;
            return;
        }
        let (text, refs) = clean(line, 0, line.len());
        // A short label heading the list that follows ("国内規格") stays
        // with the section; other text after an item belongs to the item.
        let label = text.chars().count() <= 20
            && !ends_sentence(&line.norm)
            && matches!(self.next_significant(i), Some(Kind::Marker(_)));
        if !self.items.is_empty()
            && !label
            && let Some(item) = self.item_mut()
        {
            push_unique(&mut item.annex_refs, refs);
            if !text.is_empty() {
                if !item.text.is_empty() {
                    item.text.push('\n');
                }
                item.text.push_str(&text);
            }
            self.target = Target::Item;
            return;
        }
        if let Some(section) = self.section_mut() {
            push_unique(&mut section.annex_refs, refs);
            if !text.is_empty() {
                section.text.push(text);
            }
        }
        self.target = Target::Text;
    }
}

/// One or two characters of figure text (vertical labels and the like)
/// that continue nothing.
fn is_fragment(line: &Line) -> bool {
    let chars: Vec<char> = line.norm.iter().copied().filter(|c| *c != ' ').collect();
    chars.len() <= 2
        && chars
            .iter()
            .all(|c| c.is_alphanumeric() && !c.is_ascii_digit())
}

/// The documents of an import as the library takes them: title and Markdown.
pub fn library_documents(p: &ImportedPolicy) -> Vec<mamori_app::documents::ImportDoc> {
    p.documents
        .iter()
        .map(|d| mamori_app::documents::ImportDoc {
            title: d.title.clone(),
            body: to_markdown(d),
        })
        .collect()
}

/// The Markdown the document library keeps for an imported document:
/// sections as headings by depth (numbers as written), items as nested
/// lists with their markers, paragraphs as written. Annex A references stay
/// in the text where the policy wrote them.
pub fn to_markdown(doc: &ImportedDocument) -> String {
    fn escape(line: &str) -> String {
        // A line that Markdown would read as a heading, list or quote stays text.
        let t = line.trim_start();
        if t.starts_with(['#', '>', '-', '*', '+'])
            || t.starts_with(|c: char| c.is_ascii_digit()) && t.contains(". ")
        {
            format!("\\{t}")
        } else {
            t.to_string()
        }
    }
    fn items(out: &mut String, items: &[Item], depth: usize) {
        for it in items {
            let indent = "  ".repeat(depth);
            let mut lines = it.text.lines();
            let first = lines.next().unwrap_or("");
            let refs = if it.annex_refs.is_empty() {
                String::new()
            } else {
                format!(" ({})", it.annex_refs.join(", "))
            };
            out.push_str(&format!("{indent}- {} {}{refs}\n", it.marker, first.trim()));
            for l in lines {
                out.push_str(&format!("{indent}  {}\n", escape(l)));
            }
            items_nested(out, &it.items, depth + 1);
        }
    }
    fn items_nested(out: &mut String, list: &[Item], depth: usize) {
        if !list.is_empty() {
            items(out, list, depth);
        }
    }
    fn section(out: &mut String, s: &Section, depth: usize) {
        let level = "#".repeat((depth + 2).min(6));
        out.push_str(&format!("{level} {} {}\n\n", s.number, s.title).replace("  \n", "\n"));
        fn in_items(list: &[Item], r: &String) -> bool {
            list.iter()
                .any(|i| i.annex_refs.contains(r) || in_items(&i.items, r))
        }
        let own: Vec<&str> = s
            .annex_refs
            .iter()
            .filter(|r| !in_items(&s.items, r))
            .map(String::as_str)
            .collect();
        if !own.is_empty() {
            out.push_str(&format!("({})\n\n", own.join(", ")));
        }
        for p in &s.text {
            out.push_str(&escape(p));
            out.push_str("\n\n");
        }
        if !s.items.is_empty() {
            items(out, &s.items, 0);
            out.push('\n');
        }
        for sub in &s.sections {
            section(out, sub, depth + 1);
        }
    }
    let mut out = String::new();
    for p in &doc.preamble {
        out.push_str(&escape(p));
        out.push_str("\n\n");
    }
    for s in &doc.sections {
        section(&mut out, s, 0);
    }
    out.trim_end().to_string() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn all_sections(sections: &[Section]) -> Vec<&Section> {
        let mut out = Vec::new();
        for s in sections {
            out.push(s);
            out.extend(all_sections(&s.sections));
        }
        out
    }

    fn all_items(items: &[Item]) -> Vec<&Item> {
        let mut out = Vec::new();
        for i in items {
            out.push(i);
            out.extend(all_items(&i.items));
        }
        out
    }

    fn find<'a>(doc: &'a ImportedDocument, number: &str) -> &'a Section {
        all_sections(&doc.sections)
            .into_iter()
            .find(|s| s.number == number)
            .unwrap_or_else(|| panic!("no section {number} in {}", doc.title))
    }

    fn no_space(s: &str) -> String {
        s.chars().filter(|c| !c.is_whitespace()).collect()
    }

    const SEED_TITLES: [&str; 16] = [
        "情報セキュリティ基本方針",
        "情報セキュリティ方針",
        "人的管理規程",
        "外部委託先管理規程",
        "文書管理規程",
        "監査規程",
        "物理的管理規程",
        "リスク管理規程",
        "セキュリティインシデント報告・対応規程",
        "システム変更管理規程",
        "システム開発規程",
        "システム管理規程",
        "ネットワーク管理規程",
        "システム利用規程",
        "スマートデバイス利用規程",
        "SNS利用規程",
    ];

    #[test]
    fn seed_policy_set_imports_as_sixteen_documents() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/seed/000_fcbdc1ab85e646a3.txt");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "the seed policy text is required for this test but could not be read from {}: {e}",
                path.display()
            )
        });
        let policy = import_policy(&text);

        let titles: Vec<String> = policy
            .documents
            .iter()
            .map(|d| no_space(&d.title))
            .collect();
        assert_eq!(titles, SEED_TITLES.map(String::from).to_vec());

        // The basic policy (基本方針) is six paragraphs of prose with no
        // numbered sections; every other document has sections.
        let basic = &policy.documents[0];
        assert!(basic.sections.is_empty());
        assert_eq!(basic.preamble.len(), 6);
        for doc in policy.documents.iter().skip(1) {
            assert!(!doc.sections.is_empty(), "{} has no sections", doc.title);
        }

        let hr = policy
            .documents
            .iter()
            .find(|d| no_space(&d.title) == "人的管理規程")
            .unwrap();
        let claims = find(hr, "４．２．７");
        assert_eq!(claims.title, "顧客からクレーム処理");
        assert_eq!(claims.items.len(), 3);
        assert_eq!(claims.annex_refs, vec!["A.8.1.2"]);
        assert_eq!(find(hr, "４．１．３").annex_refs, vec!["A.7.2"]);

        let mut refs = Vec::new();
        let mut sections = 0;
        let mut items = 0;
        for doc in &policy.documents {
            for s in all_sections(&doc.sections) {
                sections += 1;
                refs.extend(s.annex_refs.iter().cloned());
                for i in all_items(&s.items) {
                    items += 1;
                    refs.extend(i.annex_refs.iter().cloned());
                }
            }
        }
        for r in ["A.7.2.2", "A.9.2.1", "A.11.1.2", "A.8.3.1", "A.5.1"] {
            assert!(refs.iter().any(|x| x == r), "{r} not found");
        }
        for s in policy
            .documents
            .iter()
            .flat_map(|d| all_sections(&d.sections))
        {
            assert!(
                !s.title.contains("A."),
                "annex ref left in title {:?}",
                s.title
            );
            for t in &s.text {
                assert!(!t.starts_with("(A."), "annex ref left in text {t:?}");
            }
        }

        let non_empty = text.lines().filter(|l| !l.trim().is_empty()).count();
        let unplaced = policy.unplaced.len();
        let mut distinct: Vec<&String> = refs.iter().collect();
        distinct.sort();
        distinct.dedup();
        println!(
            "seed: {} documents, {sections} sections, {items} items, {} distinct annex refs, \
             {unplaced} unplaced of {non_empty} non-empty lines",
            policy.documents.len(),
            distinct.len()
        );
        for u in &policy.unplaced {
            println!("  unplaced line {}: {:?} ({})", u.line, u.text, u.reason);
        }
        assert!(
            unplaced * 20 < non_empty,
            "{unplaced} of {non_empty} lines unplaced"
        );
        assert!(
            policy
                .unplaced
                .iter()
                .any(|u| u.reason == REASON_PAGE && u.text == "14")
        );
    }

    #[test]
    fn decimal_sections_nest_by_components() {
        let text = "\
テスト管理規程
１ 趣旨
本規程は、テストの管理について定める。
２ 遵守事項
２．１ 基本
２．１．１ 詳細事項
詳細の本文である。
２．１．２ 次の事項
２．２ 応用
3 半角の見出し
3.1 半角の小見出し
";
        let p = import_policy(text);
        assert_eq!(p.documents.len(), 1);
        let d = &p.documents[0];
        assert_eq!(d.title, "テスト管理規程");
        let numbers: Vec<&str> = d.sections.iter().map(|s| s.number.as_str()).collect();
        assert_eq!(numbers, ["１", "２", "3"]);
        assert_eq!(d.sections[0].title, "趣旨");
        assert_eq!(
            d.sections[0].text,
            ["本規程は、テストの管理について定める。"]
        );
        let s2 = &d.sections[1];
        assert_eq!(s2.sections.len(), 2);
        assert_eq!(s2.sections[0].number, "２．１");
        assert_eq!(s2.sections[0].sections[0].number, "２．１．１");
        assert_eq!(s2.sections[0].sections[0].title, "詳細事項");
        assert_eq!(s2.sections[0].sections[1].number, "２．１．２");
        assert_eq!(s2.sections[1].title, "応用");
        assert_eq!(d.sections[2].sections[0].number, "3.1");
        assert!(p.unplaced.is_empty(), "{:?}", p.unplaced);
    }

    #[test]
    fn decimal_with_trailing_dot_and_out_of_sequence_rows() {
        let text = "\
運用基準
１．目的
この基準は、当社の情報システムの運用に関して遵守すべき事項を定めることにより、
システムの安定稼働と情報資産の保護を図り、業務への影響を最小限に抑えることを
目的とする。
２．対象
３．復旧
３．１ 優先度
表1 復旧優先度
3 業務が停止することは許されない
1 3日以内に復旧しなければならない
0 停止してもよい
４．改訂
";
        let p = import_policy(text);
        let d = &p.documents[0];
        let numbers: Vec<&str> = d.sections.iter().map(|s| s.number.as_str()).collect();
        assert_eq!(numbers, ["１．", "２．", "３．", "４．"]);
        assert_eq!(d.sections[0].title, "目的");
        let rows = &d.sections[2].sections[0];
        assert_eq!(rows.number, "３．１");
        assert_eq!(rows.text.len(), 4, "{:?}", rows.text);
        assert_eq!(rows.text[1], "3 業務が停止することは許されない");
    }

    #[test]
    fn chapters_articles_paragraphs_and_subitems() {
        let text = "\
情報セキュリティ管理規則
制定日 2020年4月1日
第１章 総則
（目的）
第１条 この規則は、情報資産の保護について定める。
第２条（適用範囲）
この規則は、次に掲げる者に適用する。
一 役員
二 従業員
三 派遣社員
２ 前項の規定にかかわらず、委員会が認めた者は除く。
３ 前二項の運用は、別に定める。
第２章 管理体制
第三条【委員会】
委員会を置く。
附則
１ この規則は、2020年4月1日から施行する。
";
        let p = import_policy(text);
        assert_eq!(p.documents.len(), 1, "{:?}", p);
        let d = &p.documents[0];
        assert_eq!(d.title, "情報セキュリティ管理規則");
        assert_eq!(d.preamble, ["制定日 2020年4月1日"]);
        assert_eq!(d.sections.len(), 3);
        let ch1 = &d.sections[0];
        assert_eq!(
            (ch1.number.as_str(), ch1.title.as_str()),
            ("第１章", "総則")
        );
        assert_eq!(ch1.sections.len(), 2);
        let a1 = &ch1.sections[0];
        assert_eq!((a1.number.as_str(), a1.title.as_str()), ("第１条", "目的"));
        assert_eq!(a1.text, ["この規則は、情報資産の保護について定める。"]);
        let a2 = &ch1.sections[1];
        assert_eq!(
            (a2.number.as_str(), a2.title.as_str()),
            ("第２条", "適用範囲")
        );
        assert_eq!(a2.text, ["この規則は、次に掲げる者に適用する。"]);
        let markers: Vec<&str> = a2.items.iter().map(|i| i.marker.as_str()).collect();
        assert_eq!(markers, ["一", "二", "三"]);
        assert_eq!(a2.items[1].text, "従業員");
        let kou: Vec<&str> = a2.sections.iter().map(|s| s.number.as_str()).collect();
        assert_eq!(kou, ["２", "３"]);
        assert_eq!(
            a2.sections[0].text,
            ["前項の規定にかかわらず、委員会が認めた者は除く。"]
        );
        let ch2 = &d.sections[1];
        assert_eq!(ch2.sections[0].number, "第三条");
        assert_eq!(ch2.sections[0].title, "委員会");
        let fusoku = &d.sections[2];
        assert_eq!(fusoku.number, "附則");
        assert_eq!(fusoku.sections[0].number, "１");
        assert_eq!(
            fusoku.sections[0].text,
            ["この規則は、2020年4月1日から施行する。"]
        );
        assert!(p.unplaced.is_empty(), "{:?}", p.unplaced);
    }

    #[test]
    fn article_references_in_running_text_are_not_articles() {
        let text = "\
文書取扱規程
第１条（目的）
この規程は文書の取扱いを定めるもので、詳細は次の条以降および別に定める
第５条に定める手続きに従う。
第２条（定義）
定義を置く。
";
        let p = import_policy(text);
        let d = &p.documents[0];
        let numbers: Vec<&str> = d.sections.iter().map(|s| s.number.as_str()).collect();
        assert_eq!(numbers, ["第１条", "第２条"]);
        assert_eq!(d.sections[0].text.len(), 1);
        assert!(d.sections[0].text[0].ends_with("第５条に定める手続きに従う。"));
    }

    #[test]
    fn item_markers_nest_by_style() {
        let text = "\
端末管理規程
１ 遵守事項
以下を遵守しなければならない。
（１）利用者は、次の事項を守ること。
① パスワードを設定する。
・８文字以上とする。
・定期的に変更する。
② 画面ロックを設定する。
（ア）ＰＣは１５分
（イ）スマートデバイスは１分
(2) 半角括弧の項目。
（３）全角の項目。
２ 改訂
";
        let p = import_policy(text);
        let s = &p.documents[0].sections[0];
        assert_eq!(s.text, ["以下を遵守しなければならない。"]);
        let markers: Vec<&str> = s.items.iter().map(|i| i.marker.as_str()).collect();
        assert_eq!(markers, ["（１）", "(2)", "（３）"]);
        let one = &s.items[0];
        assert_eq!(one.text, "利用者は、次の事項を守ること。");
        let circled: Vec<&str> = one.items.iter().map(|i| i.marker.as_str()).collect();
        assert_eq!(circled, ["①", "②"]);
        assert_eq!(one.items[0].text, "パスワードを設定する。");
        let bullets: Vec<&str> = one.items[0].items.iter().map(|i| i.text.as_str()).collect();
        assert_eq!(bullets, ["８文字以上とする。", "定期的に変更する。"]);
        assert_eq!(one.items[0].items[0].marker, "・");
        let kana: Vec<&str> = one.items[1]
            .items
            .iter()
            .map(|i| i.marker.as_str())
            .collect();
        assert_eq!(kana, ["（ア）", "（イ）"]);
        assert_eq!(p.documents[0].sections[1].number, "２");
    }

    #[test]
    fn bare_katakana_and_high_circled_numbers() {
        let text = "\
委託基準
１ 選定
ア 信頼できること
イ 財務が健全であること
⑳ 二十番目
アクセス権は最小限とする。
";
        let p = import_policy(text);
        let s = &p.documents[0].sections[0];
        let markers: Vec<&str> = s.items.iter().map(|i| i.marker.as_str()).collect();
        assert_eq!(markers, ["ア", "イ"]);
        assert_eq!(s.items[0].text, "信頼できること");
        // ⑳ cannot start a list; it and the katakana-initial sentence are text.
        assert_eq!(
            s.items[1].text,
            "財務が健全であること\n⑳ 二十番目\nアクセス権は最小限とする。"
        );
    }

    #[test]
    fn full_width_digits_and_spaces_in_numbers() {
        let text = "\
クライアント管理規程
１ 趣旨
趣旨を書く。
２ 遵守事項
２．１ 端末
２． １．１ 設定
（１０） 十番目から始まる一覧は認めない
（１）設定すること。
";
        let p = import_policy(text);
        let d = &p.documents[0];
        let s = &d.sections[1].sections[0].sections[0];
        assert_eq!(s.number, "２．１．１");
        assert_eq!(s.title, "設定");
        assert_eq!(s.text, ["（１０） 十番目から始まる一覧は認めない"]);
        assert_eq!(s.items.len(), 1);
        assert_eq!(s.items[0].marker, "（１）");
    }

    #[test]
    fn broken_lines_are_joined() {
        let text = "\
ログ管理規程

１ 趣旨

本規程は、サーバ及びネットワーク機器のログを取得し、一定期間保管して分析

することにより、不正アクセスを早期に発見することを目的とする。

短い行

次の段落。

（１）システム管理者は、取得したログを安全な場所に一定期間（例えば１年間）

保存しなければならない。

（２）システム管理者は、定期的にログを分析し、

結果を報告すること。

２ 長い見出しがページの幅いっぱいまで続いて途中で折り返されてしまった場合の扱

い

本文。
";
        let p = import_policy(text);
        let d = &p.documents[0];
        let s = &d.sections[0];
        assert_eq!(
            s.text,
            [
                "本規程は、サーバ及びネットワーク機器のログを取得し、一定期間保管して分析することにより、不正アクセスを早期に発見することを目的とする。",
                "短い行",
                "次の段落。",
            ]
        );
        assert_eq!(
            s.items[0].text,
            "システム管理者は、取得したログを安全な場所に一定期間（例えば１年間）保存しなければならない。"
        );
        assert_eq!(
            s.items[1].text,
            "システム管理者は、定期的にログを分析し、結果を報告すること。"
        );
        let s2 = &d.sections[1];
        assert_eq!(
            s2.title,
            "長い見出しがページの幅いっぱいまで続いて途中で折り返されてしまった場合の扱い"
        );
        assert_eq!(s2.text, ["本文。"]);
    }

    #[test]
    fn page_numbers_are_reported_and_transparent() {
        let text = "\
媒体管理規程
１ 趣旨
本規程は、媒体の保管、移送、廃棄に関する事項を定めることにより、情報の漏え
- 3 -
媒体管理規程
いを防止することを目的とする。
3 / 40
12
Page 4
- 5 -
２ 対象
";
        let p = import_policy(text);
        let d = &p.documents[0];
        assert_eq!(
            d.sections[0].text,
            [
                "本規程は、媒体の保管、移送、廃棄に関する事項を定めることにより、情報の漏えいを防止することを目的とする。"
            ]
        );
        assert_eq!(d.sections.len(), 2);
        let pages: Vec<(usize, &str)> = p
            .unplaced
            .iter()
            .map(|u| (u.line, u.reason.as_str()))
            .collect();
        assert_eq!(
            pages,
            [
                (4, REASON_PAGE),
                (5, REASON_HEADER),
                (7, REASON_PAGE),
                (8, REASON_PAGE),
                (9, REASON_PAGE),
                (10, REASON_PAGE)
            ]
        );
    }

    #[test]
    fn annex_references_are_normalised_attached_and_stripped() {
        let text = "\
アクセス制御規程
１ アクセス制御（A.9.1.1）
(A.9.1.2、A.9.1.2)
利用者登録を行う。（A.9.2.1、A.9.2.2）
（１）媒体を管理する。(A8.3.1 A.8.3.2)
（２）クラウドを利用する。（Ａ．５．２３）
２ 新しい管理策
(A.5.15,
A.8.2)
本文では ISO/IEC 27001 の A.5.1 を参照する。
";
        let p = import_policy(text);
        let d = &p.documents[0];
        let s1 = &d.sections[0];
        assert_eq!(s1.title, "アクセス制御");
        assert_eq!(s1.annex_refs, ["A.9.1.1", "A.9.1.2", "A.9.2.1", "A.9.2.2"]);
        assert_eq!(s1.text, ["利用者登録を行う。"]);
        assert_eq!(s1.items[0].text, "媒体を管理する。");
        assert_eq!(s1.items[0].annex_refs, ["A.8.3.1", "A.8.3.2"]);
        assert_eq!(s1.items[1].annex_refs, ["A.5.23"]);
        assert_eq!(s1.items[1].text, "クラウドを利用する。");
        let s2 = &d.sections[1];
        assert_eq!(s2.annex_refs, ["A.5.15", "A.8.2", "A.5.1"]);
        assert_eq!(s2.text, ["本文では ISO/IEC 27001 の A.5.1 を参照する。"]);
    }

    #[test]
    fn text_before_first_document_and_orphans() {
        let text = "\
株式会社サンプル
社内文書集
情報セキュリティ基本方針
当社は情報資産を保護する。
・全従業員に周知する。
(A.5.1)
以上
物理的管理規程
１ 趣旨
本文。
";
        let p = import_policy(text);
        let titles: Vec<&str> = p.documents.iter().map(|d| d.title.as_str()).collect();
        assert_eq!(titles, ["情報セキュリティ基本方針", "物理的管理規程"]);
        assert_eq!(p.documents[0].preamble, ["当社は情報資産を保護する。"]);
        let reasons: Vec<(usize, &str)> = p
            .unplaced
            .iter()
            .map(|u| (u.line, u.reason.as_str()))
            .collect();
        assert_eq!(
            reasons,
            [
                (1, REASON_BEFORE),
                (2, REASON_BEFORE),
                (5, REASON_ORPHAN),
                (6, REASON_ANNEX),
                (7, REASON_END)
            ]
        );
    }

    #[test]
    fn prose_only_document_after_a_closing_section() {
        let text = "\
アクセス管理規程
１ 趣旨
本規程は、情報システムへのアクセスの管理に関して遵守すべき事項を定める。
２ 改訂
本規程は、情報セキュリティ委員会の承認を得て改訂する。
情報セキュリティ基本方針
当社は、お客様からお預かりした情報資産を事故・災害・犯罪などの脅威から守り
、社会の信頼に応えるため、全社で情報セキュリティに取り組みます。
";
        let p = import_policy(text);
        let titles: Vec<&str> = p.documents.iter().map(|d| d.title.as_str()).collect();
        assert_eq!(titles, ["アクセス管理規程", "情報セキュリティ基本方針"]);
        assert_eq!(p.documents[1].preamble.len(), 1);
        assert!(p.documents[1].sections.is_empty());
    }

    #[test]
    fn title_like_lines_inside_a_document_do_not_start_one() {
        let text = "\
文書管理規程
承認日 2021年1月1日
１ 構成
文書の構成は下図のとおり。
情報セキュリティ基本方針
（公開情報）
情報セキュリティ対策規程
２ 配布
配布する。
２０２２年４月１日 改訂
リスク管理規程
１ 趣旨
本文。
";
        let p = import_policy(text);
        let titles: Vec<&str> = p.documents.iter().map(|d| d.title.as_str()).collect();
        assert_eq!(titles, ["文書管理規程", "リスク管理規程"]);
        assert_eq!(p.documents[0].preamble, ["承認日 2021年1月1日"]);
        assert_eq!(p.documents[0].sections.len(), 2);
        assert_eq!(
            p.documents[0].sections[0].text,
            [
                "文書の構成は下図のとおり。",
                "情報セキュリティ基本方針",
                "（公開情報）",
                "情報セキュリティ対策規程"
            ]
        );
        // A date line just above a title belongs to the next document.
        assert_eq!(p.documents[1].preamble, ["２０２２年４月１日 改訂"]);
    }

    #[test]
    fn crlf_and_stray_spaces() {
        let text =
            "  ＳＮＳ　利用規程  \r\n\r\n１　 趣旨 \r\n  本規程は   ＳＮＳの利用を定める。\r\n";
        let p = import_policy(text);
        let d = &p.documents[0];
        assert_eq!(d.title, "ＳＮＳ 利用規程");
        assert_eq!(d.sections[0].number, "１");
        assert_eq!(d.sections[0].title, "趣旨");
        assert_eq!(d.sections[0].text, ["本規程は ＳＮＳの利用を定める。"]);
    }

    #[test]
    fn empty_and_degenerate_inputs() {
        for text in [
            "", "\n\n", "（", "第", "１．", "①", "A.", "附", "\u{feff}", "・\n・",
        ] {
            let p = import_policy(text);
            assert!(p.documents.is_empty(), "{text:?}");
        }
    }

    fn policy_alphabet() -> impl Strategy<Value = String> {
        let atoms = prop::sample::select(vec![
            "0", "1", "2", "9", "１", "２", "３", "１０", "．", ".", "（", "）", "(", ")", "①",
            "②", "⑳", "第", "条", "章", "節", "項", "附則", "、", "。", "\n", "\n", "\n", " ",
            "　", "ア", "イ", "一", "二", "十", "・", "規程", "方針", "情報", "A.", "A", "Ａ",
            "以上", "-", "/", "の", "\r\n",
        ]);
        prop::collection::vec(atoms, 0..200).prop_map(|v| v.concat())
    }

    proptest! {
        #[test]
        fn never_panics_on_arbitrary_strings(text in any::<String>()) {
            let p = import_policy(&text);
            let lines = text.split('\n').count();
            prop_assert!(p.unplaced.iter().all(|u| u.line >= 1 && u.line <= lines));
        }

        #[test]
        fn never_panics_on_policy_like_strings(text in policy_alphabet()) {
            let p = import_policy(&text);
            let lines = text.split('\n').count();
            prop_assert!(p.unplaced.iter().all(|u| u.line >= 1 && u.line <= lines));
            // The library's Markdown of every document is written too.
            for d in &p.documents {
                prop_assert!(to_markdown(d).ends_with('\n'));
            }
        }
    }
}

#[cfg(test)]
mod markdown_tests {
    use super::*;

    #[test]
    fn imported_documents_become_markdown_with_their_numbers() {
        let text = "テスト規程\n\n１ 趣旨\n本規程は例である。\n２ 対策\n２．１ 管理\n（１） 管理者は記録する。(A.12.4.1)\n（２） 利用者は報告する。\n";
        let p = import_policy(text);
        assert_eq!(p.documents.len(), 1);
        let md = to_markdown(&p.documents[0]);
        assert!(md.contains("## １ 趣旨\n\n本規程は例である。"), "{md}");
        assert!(md.contains("### ２．１ 管理"), "{md}");
        assert!(
            md.contains("- （１） 管理者は記録する。 (A.12.4.1)"),
            "{md}"
        );
    }
}
