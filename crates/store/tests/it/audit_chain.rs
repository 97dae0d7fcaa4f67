use std::sync::Arc;

use mamori_app::App;
use mamori_app::ports::{AuditDraft, AuditFilter, SystemClock};
use mamori_store::{SqlStore, connect, migrate};
use mamori_testkit::{Engine, TestDb};

async fn app(t: &TestDb) -> (App, mamori_store::Db) {
    let db = connect(&t.url).await.unwrap();
    migrate(&db).await.unwrap();
    (
        App::new(Arc::new(SqlStore::new(db.clone())), Arc::new(SystemClock)),
        db,
    )
}

fn draft(i: usize) -> AuditDraft {
    AuditDraft {
        occurred_at: time::OffsetDateTime::now_utc(),
        actor_id: None,
        actor_label: "テスト".into(),
        action: "test.event".into(),
        entity_type: "test".into(),
        entity_id: Some(i.to_string()),
        before: None,
        after: Some(format!(r#"{{"n":{i},"名前":"値"}}"#)),
        detail: None,
    }
}

async fn raw(t: &TestDb, sql: &'static str) -> Result<u64, sqlx::Error> {
    match t.engine {
        Engine::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&t.url).await?;
            let r = sqlx::query::<sqlx::Sqlite>(sql)
                .execute(&pool)
                .await
                .map(|r| r.rows_affected());
            pool.close().await;
            r
        }
        Engine::Postgres => {
            let pool = sqlx::PgPool::connect(&t.url).await?;
            let r = sqlx::query::<sqlx::Postgres>(sql)
                .execute(&pool)
                .await
                .map(|r| r.rows_affected());
            pool.close().await;
            r
        }
    }
}

async fn intact_chain_verifies(t: &TestDb) {
    let (app, db) = app(t).await;
    for i in 0..25 {
        app.store.append(draft(i)).await.unwrap();
    }
    let v = app.verify_audit_chain().await.unwrap();
    assert_eq!(
        (v.checked, v.head_seq, v.broken.clone()),
        (25, 25, None),
        "{v:?}"
    );
    let newest = app
        .store
        .events(&AuditFilter {
            limit: 5,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        newest.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![25, 24, 23, 22, 21]
    );
    assert_eq!(newest[0].after.as_deref(), Some(r#"{"n":24,"名前":"値"}"#));
    db.close().await;
}
mamori_testkit::db_test!(intact, intact_chain_verifies);

async fn concurrent_appends_form_one_chain(t: &TestDb) {
    let (app, db) = app(t).await;
    let mut tasks = Vec::new();
    for i in 0..40 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            app.store.append(draft(i)).await.unwrap()
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let v = app.verify_audit_chain().await.unwrap();
    assert_eq!((v.checked, v.broken), (40, None));
    db.close().await;
}
mamori_testkit::db_test!(concurrent, concurrent_appends_form_one_chain);

async fn altered_event_is_named(t: &TestDb) {
    let (app, db) = app(t).await;
    for i in 0..10 {
        app.store.append(draft(i)).await.unwrap();
    }
    if t.engine == Engine::Postgres {
        // The table refuses changes; an attacker with owner rights must first disable the trigger.
        assert!(
            raw(t, "UPDATE audit_events SET actor_label = 'x' WHERE seq = 4")
                .await
                .is_err()
        );
        assert!(
            raw(t, "DELETE FROM audit_events WHERE seq = 4")
                .await
                .is_err()
        );
        assert!(raw(t, "TRUNCATE audit_events").await.is_err());
        raw(t, "ALTER TABLE audit_events DISABLE TRIGGER USER")
            .await
            .unwrap();
    }
    raw(
        t,
        "UPDATE audit_events SET after = '{\"n\":999}' WHERE seq = 4",
    )
    .await
    .unwrap();
    let v = app.verify_audit_chain().await.unwrap();
    assert_eq!(v.broken_seq, Some(4), "{v:?}");
    assert!(v.broken.unwrap().contains("#4"));
    db.close().await;
}
mamori_testkit::db_test!(altered, altered_event_is_named);

async fn removed_and_tail_removed_events_are_found(t: &TestDb) {
    let (app, db) = app(t).await;
    for i in 0..10 {
        app.store.append(draft(i)).await.unwrap();
    }
    if t.engine == Engine::Postgres {
        raw(t, "ALTER TABLE audit_events DISABLE TRIGGER USER")
            .await
            .unwrap();
    }
    raw(t, "DELETE FROM audit_events WHERE seq = 10")
        .await
        .unwrap();
    let v = app.verify_audit_chain().await.unwrap();
    assert_eq!(v.broken_seq, Some(10), "{v:?}");
    raw(t, "DELETE FROM audit_events WHERE seq = 6")
        .await
        .unwrap();
    let v = app.verify_audit_chain().await.unwrap();
    assert_eq!(v.broken_seq, Some(7), "{v:?}");
    db.close().await;
}
mamori_testkit::db_test!(removed, removed_and_tail_removed_events_are_found);

async fn reordered_events_are_found(t: &TestDb) {
    let (app, db) = app(t).await;
    for i in 0..6 {
        app.store.append(draft(i)).await.unwrap();
    }
    if t.engine == Engine::Postgres {
        raw(t, "ALTER TABLE audit_events DISABLE TRIGGER USER")
            .await
            .unwrap();
    }
    raw(t, "UPDATE audit_events SET seq = -3 WHERE seq = 3")
        .await
        .unwrap();
    raw(t, "UPDATE audit_events SET seq = 3 WHERE seq = 4")
        .await
        .unwrap();
    raw(t, "UPDATE audit_events SET seq = 4 WHERE seq = -3")
        .await
        .unwrap();
    let v = app.verify_audit_chain().await.unwrap();
    assert_eq!(v.broken_seq, Some(3), "{v:?}");
    db.close().await;
}
mamori_testkit::db_test!(reordered, reordered_events_are_found);
