//! The Statement of Applicability as CSV (UTF-8 with BOM, for Excel) and XLSX.

use mamori_app::compliance::SoaRow;
use mamori_domain::compliance::status::ObligationStatus;

const HEADER: [&str; 8] = [
    "control_id",
    "title_ja",
    "title_en",
    "applicable",
    "justification",
    "implementation",
    "policy_clauses",
    "obligation_status",
];

fn status_text(r: &SoaRow) -> String {
    ObligationStatus::ALL
        .iter()
        .filter(|s| r.statuses.get(**s) > 0)
        .map(|s| format!("{}={}", s.id(), r.statuses.get(*s)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn cells(r: &SoaRow) -> [String; 8] {
    [
        r.control_id.clone(),
        r.title_ja.clone(),
        r.title_en.clone(),
        if r.applicable {
            "yes".into()
        } else {
            "no".into()
        },
        r.justification.clone(),
        r.implementation.clone(),
        r.citing.join(" "),
        status_text(r),
    ]
}

/// CSV with a BOM so Excel opens the Japanese text correctly.
pub fn to_csv(rows: &[SoaRow]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(HEADER);
    for r in rows {
        let _ = w.write_record(cells(r));
    }
    let body = w
        .into_inner()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    format!("\u{feff}{body}")
}

/// An XLSX workbook with one sheet.
pub fn to_xlsx(rows: &[SoaRow], edition: &str) -> Result<Vec<u8>, String> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let sheet = wb.add_worksheet();
    sheet
        .set_name(format!("SoA {edition}"))
        .map_err(|e| e.to_string())?;
    let bold = Format::new().set_bold();
    for (c, h) in HEADER.iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, *h, &bold)
            .map_err(|e| e.to_string())?;
    }
    for (i, r) in rows.iter().enumerate() {
        for (c, v) in cells(r).iter().enumerate() {
            sheet
                .write_string(i as u32 + 1, c as u16, v)
                .map_err(|e| e.to_string())?;
        }
    }
    sheet.set_column_width(1, 40).map_err(|e| e.to_string())?;
    sheet.set_column_width(2, 40).map_err(|e| e.to_string())?;
    wb.save_to_buffer().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use mamori_app::compliance::StatusCounts;

    fn row() -> SoaRow {
        SoaRow {
            control_id: "A.9.2.1".into(),
            title_ja: "利用者登録及び登録削除".into(),
            title_en: "User registration and de-registration".into(),
            applicable: true,
            justification: "アカウント管理規程で管理".into(),
            implementation: String::new(),
            new: false,
            citing: vec!["SYS-4.1.1(1)".into()],
            statuses: StatusCounts::default(),
            version: 1,
            decided: true,
        }
    }

    #[test]
    fn csv_starts_with_a_bom_and_the_control_id_column() {
        let csv = to_csv(&[row()]);
        assert!(csv.starts_with("\u{feff}control_id,"));
        assert!(csv.contains("A.9.2.1,利用者登録及び登録削除"));
    }

    #[test]
    fn xlsx_is_a_zip_workbook() {
        let bytes = to_xlsx(&[row()], "2013").unwrap_or_default();
        assert!(bytes.starts_with(b"PK"));
    }
}
