//! The HR CSV import through the UI: preview, errors per row, all or nothing.

use axum::http::StatusCode;
use mamori_testkit::TestDb;

use crate::harness::*;

const GOOD: &str = "社員番号,氏名,ふりがな,メールアドレス,雇用区分,部門コード,部門名,上位部門コード,入社日\n\
E7001,品質 太郎,ひんしつ たろう,h.taro@minato-seiki.example,社員,QA,品質保証部,,2026/04/01\n\
E7002,品質 次郎,ひんしつ じろう,h.jiro@minato-seiki.example,契約社員,QA1,品質一課,QA,２０２６／０５／０１\n\
E0024,青木 美咲,あおき みさき,m.aoki@minato-seiki.example,社員,PLANNING,企画部,,2019-04-01\n";

async fn good_file_previews_then_imports(t: &TestDb) {
    let app = TestApp::start(t, false).await;
    let mut c = app.signed_in(SECRETARIAT).await;
    c.get("/org/import").await;
    let head = app.audit_head().await;
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend_from_slice(GOOD.as_bytes());
    let preview = c.upload("/org/import", "file", "hr.csv", &bom).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.text);
    assert!(preview.text.contains("品質保証部") && preview.text.contains("品質一課"));
    assert_eq!(app.audit_head().await, head, "a preview writes nothing");
    let data = preview.input_value("data").unwrap();
    let done = c
        .post(
            "/org/import/commit",
            &[("data", &data), ("filename", "hr.csv")],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    assert!(done.text.contains("取り込みました"));
    let p = app
        .app
        .store
        .person_by_email("h.jiro@minato-seiki.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        p.joined_on.map(|d| d.to_string()).as_deref(),
        Some("2026-05-01")
    );
    let qa1 = app
        .app
        .store
        .departments()
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.code == "QA1")
        .unwrap();
    let qa = app
        .app
        .store
        .departments()
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.code == "QA")
        .unwrap();
    assert_eq!(qa1.parent_id, Some(qa.id));
    let audit = c.get("/audit?action=org.import").await;
    assert!(
        audit
            .text
            .contains("2 departments, 2 people created, 1 updated"),
        "{}",
        audit.text
    );
    app.close().await;
}
mamori_testkit::db_test!(good_file, good_file_previews_then_imports);

async fn shift_jis_file_with_bad_rows_is_refused_whole(t: &TestDb) {
    let app = TestApp::start(t, false).await;
    let mut c = app.signed_in(SECRETARIAT).await;
    c.get("/org/import").await;
    let text = "社員番号,氏名,ふりがな,メールアドレス,雇用区分,部門コード,部門名,上位部門コード\n\
E8001,良い 行,よい ぎょう,good@minato-seiki.example,社員,SALES,営業部,\n\
E8002,悪い 行,ワルイ,bad-address,パート,SALES,営業部,\n\
E8003,無い 部門,ない ぶもん,nodept@minato-seiki.example,社員,NOPE,謎部,GHOST\n";
    let (sjis, _, had_errors) = encoding_rs::SHIFT_JIS.encode(text);
    assert!(!had_errors);
    let head = app.audit_head().await;
    let r = c.upload("/org/import", "file", "hr-sjis.csv", &sjis).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let rows = r.select_text("#import-errors tbody tr");
    assert!(
        rows.iter()
            .any(|row| row.starts_with('3') && row.contains("メールアドレスの形式")),
        "{rows:?}"
    );
    assert!(
        rows.iter()
            .any(|row| row.starts_with('3') && row.contains("雇用区分は")),
        "{rows:?}"
    );
    assert!(
        rows.iter()
            .any(|row| row.starts_with('4') && row.contains("上位部門コード")),
        "{rows:?}"
    );
    assert!(
        r.input_value("data").is_none(),
        "no import button when rows are bad"
    );
    assert_eq!(app.audit_head().await, head);
    assert!(
        app.app
            .store
            .person_by_email("good@minato-seiki.example")
            .await
            .unwrap()
            .is_none()
    );
    app.close().await;
}
mamori_testkit::db_test!(bad_rows, shift_jis_file_with_bad_rows_is_refused_whole);
