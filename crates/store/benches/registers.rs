//! The asset and risk registers with 50,000 assets and 20,000 risks on
//! SQLite (issue: lists page and filter in SQL, no query per row). Each list
//! query of the store is measured beside `ceiling_raw_page`: the same 50-row
//! page read with one bare sqlx query on the same file, so every figure
//! reads as a multiple of what the database itself needs.
//!
//! `cargo bench -p mamori-store --bench registers`

use std::sync::{Arc, OnceLock};

use mamori_app::ports::{AssetFilter, AssetSort, RiskFilter, RiskRepo, RiskSort};
use mamori_app::{App, ports::SystemClock};
use mamori_domain::risk::RiskStatus;
use mamori_store::{SqlStore, connect, migrate};

const ASSETS: u32 = 50_000;
const RISKS: u32 = 20_000;

struct World {
    rt: tokio::runtime::Runtime,
    store: SqlStore,
    raw: sqlx::SqlitePool,
}

fn world() -> &'static World {
    static W: OnceLock<World> = OnceLock::new();
    W.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("runtime: {e}"));
        let dir = std::env::temp_dir().join(format!("mamori-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        let url = format!("sqlite://{}", dir.join("registers.db").display());
        let (store, raw) = rt.block_on(async {
            let db = connect(&url).await.unwrap_or_else(|e| panic!("{e}"));
            migrate(&db).await.unwrap_or_else(|e| panic!("{e}"));
            let store = SqlStore::new(db);
            let app = App::new(Arc::new(store.clone()), Arc::new(SystemClock));
            app.seed_demo().await.unwrap_or_else(|e| panic!("{e}"));
            let raw = sqlx::SqlitePool::connect(&url)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            fill(&raw).await;
            (store, raw)
        });
        World { rt, store, raw }
    })
}

/// 50,000 assets owned by the demo's people in turn, ratings spread over
/// the scales, and 20,000 risks on every other asset in every status.
async fn fill(raw: &sqlx::SqlitePool) {
    let q = |s: String| sqlx::query::<sqlx::Sqlite>(sqlx::AssertSqlSafe(s));
    q(format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {ASSETS}), \
         p AS (SELECT id, department_id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS k FROM people), \
         pc AS (SELECT COUNT(*) AS c FROM people) \
         INSERT INTO assets (id, ref_no, name, process, grp, form, location, usage, users, owner_id, department_id, \
         c, i, a, importance, leak_impact, registered_on, note, retired_on, version, created_at, updated_at) \
         SELECT randomblob(16), printf('A-%05d', i), printf('資産 %d 設計図面', i), '業務', printf('G%d', i % 40), \
         CASE i % 6 WHEN 0 THEN 'paper' WHEN 1 THEN 'electronic' WHEN 2 THEN 'system' WHEN 3 THEN 'service' \
         WHEN 4 THEN 'person' ELSE 'facility' END, '本社', '社内', '全員', p.id, p.department_id, \
         1 + i % 3, 1 + (i / 3) % 3, 1 + (i / 9) % 3, \
         MAX(1 + i % 3, 1 + (i / 3) % 3, 1 + (i / 9) % 3), '', '2026-04-01', '', NULL, 1, \
         printf('2026-04-01T00:00:%02d.000000Z', i % 60), printf('2026-04-01T00:00:%02d.000000Z', i % 60) \
         FROM n, pc JOIN p ON p.k = n.i % pc.c"
    ))
    .execute(raw)
    .await
    .unwrap_or_else(|e| panic!("assets: {e}"));
    q(format!(
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < {RISKS}), \
         t AS (SELECT id, ROW_NUMBER() OVER (ORDER BY code) - 1 AS k FROM threats) \
         INSERT INTO risks (id, ref_no, asset_id, threat_id, vulnerability_id, occasion, situation, cause, manner, \
         impact_text, exclusions, identified, identification_reason, likelihood, impact, likelihood_basis, damage_yen, \
         damage_scope, stakeholders, conditions, score, treatments, decision_materials, residual_likelihood, \
         residual_impact, residual_score, procedure, communicated_on, communicated_to, status, request_id, \
         approved_fingerprint, approved_on, needs_review, owner_id, review_on, version, created_at, updated_at) \
         SELECT randomblob(16), printf('RSK-2026-%05d', x), a.id, t.id, \
         NULL, 'いつ', '状況', '原因', 'どのように', '影響', '', 1, '理由', 1 + x % 5, 1 + (x / 5) % 5, '年1回', 1000000, \
         '全社', 10, '条件', (1 + x % 5) * (1 + (x / 5) % 5), '[]', '', NULL, NULL, NULL, '', NULL, '', \
         CASE WHEN (1 + x % 5) * (1 + (x / 5) % 5) <= 6 THEN 'accepted' ELSE \
           CASE x % 3 WHEN 0 THEN 'needs_treatment' WHEN 1 THEN 'in_approval' ELSE 'approved' END END, \
         NULL, NULL, NULL, x % 50 = 0, NULL, NULL, 1, \
         printf('2026-05-01T00:00:%02d.000000Z', x % 60), printf('2026-05-01T00:00:%02d.000000Z', x % 60) \
         FROM n JOIN assets a ON a.ref_no = printf('A-%05d', x * 2) JOIN t ON t.k = x % 40"
    ))
    .execute(raw)
    .await
    .unwrap_or_else(|e| panic!("risks: {e}"));
    q("ANALYZE".into())
        .execute(raw)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
}

fn main() {
    let w = world();
    let n: (i64,) =
        w.rt.block_on(sqlx::query_as("SELECT COUNT(*) FROM assets").fetch_one(&w.raw))
            .unwrap_or_else(|e| panic!("{e}"));
    let r: (i64,) =
        w.rt.block_on(sqlx::query_as("SELECT COUNT(*) FROM risks").fetch_one(&w.raw))
            .unwrap_or_else(|e| panic!("{e}"));
    eprintln!("registers: {} assets, {} risks", n.0, r.0);
    divan::main();
}

fn assets(f: AssetFilter) -> u64 {
    let w = world();
    let (page, total) =
        w.rt.block_on(w.store.assets(&f))
            .unwrap_or_else(|e| panic!("{e}"));
    assert!(!page.is_empty());
    total
}

fn risks(f: RiskFilter) -> u64 {
    let w = world();
    let (page, total) =
        w.rt.block_on(w.store.risks(&f))
            .unwrap_or_else(|e| panic!("{e}"));
    assert!(!page.is_empty());
    total
}

/// The floor: one 50-row page by number, one bare query, no count.
#[divan::bench]
fn ceiling_raw_page() -> usize {
    let w = world();
    let rows: Vec<(String, String)> =
        w.rt.block_on(
            sqlx::query_as(
                "SELECT ref_no, name FROM assets WHERE retired_on IS NULL ORDER BY ref_no LIMIT 50",
            )
            .fetch_all(&w.raw),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    rows.len()
}

#[divan::bench]
fn assets_first_page() -> u64 {
    assets(AssetFilter {
        limit: 50,
        ..Default::default()
    })
}

#[divan::bench]
fn assets_page_500() -> u64 {
    assets(AssetFilter {
        limit: 50,
        offset: 25_000,
        ..Default::default()
    })
}

#[divan::bench]
fn assets_most_important_first() -> u64 {
    assets(AssetFilter {
        limit: 50,
        sort: AssetSort::Importance,
        ..Default::default()
    })
}

#[divan::bench]
fn assets_important_paper() -> u64 {
    assets(AssetFilter {
        limit: 50,
        min_importance: Some(3),
        form: mamori_domain::risk::Form::parse("paper"),
        ..Default::default()
    })
}

#[divan::bench]
fn assets_text_search() -> u64 {
    assets(AssetFilter {
        limit: 50,
        text: Some("資産 1234".into()),
        ..Default::default()
    })
}

#[divan::bench]
fn risks_first_page() -> u64 {
    risks(RiskFilter {
        limit: 50,
        ..Default::default()
    })
}

#[divan::bench]
fn risks_highest_first() -> u64 {
    risks(RiskFilter {
        limit: 50,
        sort: RiskSort::Score,
        ..Default::default()
    })
}

#[divan::bench]
fn risks_needing_treatment() -> u64 {
    risks(RiskFilter {
        limit: 50,
        status: Some(RiskStatus::NeedsTreatment),
        ..Default::default()
    })
}

#[divan::bench]
fn heat_map_and_counts() -> usize {
    let w = world();
    w.rt.block_on(async {
        let a = w
            .store
            .risk_heat(false)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let b = w
            .store
            .risk_heat(true)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let c = w
            .store
            .risk_status_counts()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        a.len() + b.len() + c.len()
    })
}
