use std::sync::Arc;

use mamori_app::App;
use mamori_app::org::{DepartmentInput, PersonInput};
use mamori_app::ports::{PersonFilter, StoreError, SystemClock};
use mamori_store::{SqlStore, connect, migrate};
use mamori_testkit::TestDb;

async fn demo_app(t: &TestDb) -> (App, mamori_store::Db) {
    let db = connect(&t.url).await.unwrap();
    migrate(&db).await.unwrap();
    let app = App::new(Arc::new(SqlStore::new(db.clone())), Arc::new(SystemClock));
    app.seed_demo().await.unwrap();
    (app, db)
}

async fn demo_company_is_healthy_and_complete(t: &TestDb) {
    let (app, db) = demo_app(t).await;
    let admin = app
        .cli_actor("m.suzuki@minato-seiki.example")
        .await
        .unwrap();
    let findings = app.org_health(&admin).await.unwrap();
    assert!(findings.is_empty(), "{findings:?}");
    let people = app.store.all_people().await.unwrap();
    assert!((55..=70).contains(&people.len()));
    let depts = app.store.departments().await.unwrap();
    for name in [
        "営業部",
        "企画部",
        "業務部",
        "総務部",
        "人事部",
        "経理部",
        "情報システム部",
        "監査室",
    ] {
        assert!(depts.iter().any(|d| d.name == name), "{name}");
    }
    // Seeding again changes nothing.
    let before = app.store.head().await.unwrap();
    app.seed_demo().await.unwrap();
    assert_eq!(app.store.head().await.unwrap(), before);
    db.close().await;
}
mamori_testkit::db_test!(demo_company, demo_company_is_healthy_and_complete);

async fn people_page_in_kana_order_with_filters(t: &TestDb) {
    let (app, db) = demo_app(t).await;
    let mut seen = Vec::new();
    let mut f = PersonFilter {
        limit: 7,
        ..Default::default()
    };
    loop {
        let page = app.store.people(&f).await.unwrap();
        seen.extend(page.items.iter().map(|p| p.name_kana.clone()));
        match page.next_cursor {
            Some(c) => f.after = Some(c),
            None => break,
        }
    }
    let all = app.store.all_people().await.unwrap();
    assert_eq!(seen.len(), all.len());
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted);
    let found = app
        .store
        .people(&PersonFilter {
            text: Some("SUZUKI".into()),
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        found
            .items
            .iter()
            .all(|p| p.email.contains("suzuki") || p.name.contains("鈴木"))
    );
    assert!(!found.items.is_empty());
    let pct = app
        .store
        .people(&PersonFilter {
            text: Some("%".into()),
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(pct.items.is_empty(), "LIKE wildcards in input are literal");
    db.close().await;
}
mamori_testkit::db_test!(people_paging, people_page_in_kana_order_with_filters);

async fn stale_edit_is_refused_and_changes_nothing(t: &TestDb) {
    let (app, db) = demo_app(t).await;
    let admin = app
        .cli_actor("m.suzuki@minato-seiki.example")
        .await
        .unwrap();
    let d = app
        .create_department(
            &admin,
            &DepartmentInput {
                code: "QA".into(),
                name: "品質保証部".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let input = DepartmentInput {
        code: "QA".into(),
        name: "品質管理部".into(),
        ..Default::default()
    };
    app.update_department(&admin, d.id, 1, &input)
        .await
        .unwrap();
    let err = app
        .update_department(&admin, d.id, 1, &input)
        .await
        .unwrap_err();
    assert!(
        matches!(err, mamori_app::AppError::Conflict("stale_version")),
        "{err:?}"
    );
    assert_eq!(app.store.department(d.id).await.unwrap().version, 2);
    // A duplicate e-mail is refused at the field and nothing is written.
    let head = app.store.head().await.unwrap();
    let dup = PersonInput {
        employee_no: "X900".into(),
        name: "重複 太郎".into(),
        name_kana: "ちょうふく たろう".into(),
        email: "M.Suzuki@minato-seiki.example".into(),
        employment_type: "社員".into(),
        department_id: Some(d.id),
        ..Default::default()
    };
    let err = app.create_person(&admin, &dup).await.unwrap_err();
    assert!(
        matches!(&err, mamori_app::AppError::Invalid(f) if f.iter().any(|f| f.field == "email")),
        "{err:?}"
    );
    assert_eq!(app.store.head().await.unwrap(), head);
    assert!(matches!(
        app.store.person(uuid::Uuid::nil()).await,
        Err(StoreError::NotFound)
    ));
    db.close().await;
}
mamori_testkit::db_test!(stale_edit, stale_edit_is_refused_and_changes_nothing);
