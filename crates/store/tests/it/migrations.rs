use mamori_store::{Db, DbKind, connect, migrate};
use mamori_testkit::{Engine, TestDb};

#[test]
fn both_engines_define_the_same_migration_versions() {
    let s: Vec<i64> = Db::defined_migrations(DbKind::Sqlite)
        .into_iter()
        .map(|m| m.0)
        .collect();
    let p: Vec<i64> = Db::defined_migrations(DbKind::Postgres)
        .into_iter()
        .map(|m| m.0)
        .collect();
    assert!(!s.is_empty());
    assert_eq!(s, p);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_engines_have_the_same_tables_and_columns() {
    let (a, b) = (
        TestDb::new(Engine::Sqlite).await,
        TestDb::new(Engine::Postgres).await,
    );
    let (da, dbb) = (
        connect(&a.url).await.unwrap(),
        connect(&b.url).await.unwrap(),
    );
    migrate(&da).await.unwrap();
    migrate(&dbb).await.unwrap();
    let (sa, sb) = (da.schema().await.unwrap(), dbb.schema().await.unwrap());
    assert!(sa.len() > 50, "{sa:?}");
    assert_eq!(sa, sb);
    assert_eq!(
        da.migration_versions().await.unwrap(),
        dbb.migration_versions().await.unwrap()
    );
    da.close().await;
    dbb.close().await;
    a.cleanup().await;
    b.cleanup().await;
}

async fn migrating_twice_is_harmless(t: &TestDb) {
    let db = connect(&t.url).await.unwrap();
    migrate(&db).await.unwrap();
    migrate(&db).await.unwrap();
    db.close().await;
}
mamori_testkit::db_test!(migrate_twice, migrating_twice_is_harmless);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_backup_is_a_working_copy_with_an_intact_chain() {
    use std::sync::Arc;
    let t = TestDb::new(Engine::Sqlite).await;
    let db = connect(&t.url).await.unwrap();
    migrate(&db).await.unwrap();
    let app = mamori_app::App::new(
        Arc::new(mamori_store::SqlStore::new(db.clone())),
        Arc::new(mamori_app::ports::SystemClock),
    );
    app.seed_demo().await.unwrap();
    let target = std::env::temp_dir().join(format!(
        "mamori-backup-{}.db",
        uuid::Uuid::new_v4().simple()
    ));
    db.backup_sqlite(&target.to_string_lossy()).await.unwrap();
    let copy = connect(&format!("sqlite://{}", target.display()))
        .await
        .unwrap();
    let restored = mamori_app::App::new(
        Arc::new(mamori_store::SqlStore::new(copy.clone())),
        Arc::new(mamori_app::ports::SystemClock),
    );
    let v = restored.verify_audit_chain().await.unwrap();
    assert!(v.broken.is_none() && v.checked >= 1, "{v:?}");
    assert_eq!(
        restored.store.all_people().await.unwrap().len(),
        app.store.all_people().await.unwrap().len()
    );
    copy.close().await;
    db.close().await;
    let _ = std::fs::remove_file(&target);
    t.cleanup().await;
}
