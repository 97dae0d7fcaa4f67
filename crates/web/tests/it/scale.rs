//! The large organisation for measuring, at a small factor on both engines:
//! built in bulk beside the demo company, deterministic, and as valid as
//! data entered by users (the same rules, the same pages).

use axum::http::StatusCode;
use mamori_testkit::TestDb;

use crate::harness::*;

async fn the_large_organisation_builds_in_bulk_and_behaves(t: &TestDb) {
    let app = TestApp::start(t, false).await;
    let steps = std::sync::Mutex::new(Vec::new());
    let progress = |what: &str, done: u64, total: u64| {
        steps.lock().unwrap().push(format!("{what} {done}/{total}"));
    };
    let r = app.app.seed_scale(0.01, &progress).await.unwrap();
    assert_eq!(
        (r.departments, r.people, r.assets, r.risks),
        (40, 120, 500, 200)
    );
    assert!(
        steps
            .lock()
            .unwrap()
            .contains(&"assets 500/500".to_string())
    );
    // The trail of a year: the chain holds 10,000 events at this factor and verifies.
    let v = app.app.verify_audit_chain().await.unwrap();
    assert!(v.broken.is_none(), "{:?}", v.broken);
    assert!(v.checked >= 10_000, "{}", v.checked);
    // Once only.
    assert!(app.app.seed_scale(0.01, &progress).await.unwrap().existed);
    // Every department has its head and its 情報セキュリティ担当者: the
    // organisation health rules find nothing about the new departments.
    let system = mamori_app::auth::system_actor(app.app.today());
    let health = app.app.org_health(&system).await.unwrap();
    let text = serde_json::to_string(&health).unwrap();
    assert!(
        !text.contains("L001") && !text.contains("東京営業部"),
        "{text}"
    );
    // The pages work on it: the 事務局 pages through everything; a department's
    // 情報セキュリティ担当者 sees that department's assets only.
    let mut sec = app.signed_in(SECRETARIAT).await;
    let page = sec.get("/assets?q=LA-000").await;
    assert_eq!(page.select_text("#asset-count"), vec!["該当 500 件"]);
    let risks = sec.get("/risks?sort=score").await;
    assert_eq!(risks.status, StatusCode::OK);
    assert_eq!(risks.select_text("#risk-count"), vec!["該当 200 件"]);
    let mut officer = app.signed_in("l00041@large.minato-seiki.example").await;
    let own = officer.get("/assets").await;
    assert_eq!(own.status, StatusCode::OK);
    let n: u64 = own.select_text("#asset-count")[0]
        .trim_start_matches("該当 ")
        .trim_end_matches(" 件")
        .parse()
        .unwrap();
    assert!(n > 0 && n < 500, "{n}");
    app.close().await;
}
mamori_testkit::db_test!(
    large_organisation,
    the_large_organisation_builds_in_bulk_and_behaves
);
