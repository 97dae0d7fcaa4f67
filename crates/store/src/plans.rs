//! The main list queries as the store builds them, and what the database
//! plans for them. A list that reads a large table through, or sorts all of
//! its rows to show the first page, is slow at the size of a real company
//! long before it is slow in a test: the check here finds it from the plan
//! (the large organisation's test runs it on both engines; the sorts are
//! judged on SQLite, whose plans say so in one line).

use mamori_app::ports::{
    AssetFilter, AssetSort, AuditFilter, IncidentFilter, PersonFilter, ReaderFilter, RiskFilter,
    RiskSort, Scope, StoreError,
};
use mamori_domain::documents::ReadStatus;
use mamori_domain::incidents::State;
use mamori_domain::risk::{Form, RiskStatus};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{Db, DbKind};
use crate::sql::Stmt;

/// Tables that grow with the organisation: tens of thousands of rows and
/// more in a company of thousands of people.
pub const LARGE_TABLES: &[&str] = &[
    "assets",
    "risks",
    "incidents",
    "document_reads",
    "audit_events",
    "people",
    "requests",
];

/// A list query with what it is for.
pub struct ListQuery {
    pub name: &'static str,
    pub stmt: Stmt,
    /// Its filter keeps it to the rows of one asset, person, department or
    /// document version — a few thousand at most, which may be sorted.
    pub bounded: bool,
}

/// The main lists of the pages and the API with the filters and sorts they
/// offer. Contains-text searches are not among them: `%text%` cannot use an
/// ordinary index on either engine.
pub fn main_list_queries(kind: DbKind, sample: Uuid, now: OffsetDateTime) -> Vec<ListQuery> {
    let mut out = Vec::new();
    let mut push = |name: &'static str, bounded: bool, stmts: Vec<Stmt>| {
        for stmt in stmts {
            out.push(ListQuery {
                name,
                stmt,
                bounded,
            });
        }
    };
    let scope = Scope {
        owner_id: sample,
        departments: vec![sample],
    };
    let assets = |f: AssetFilter| {
        let (list, count) = crate::risk::asset_list(&AssetFilter { limit: 50, ..f }, kind, true);
        vec![list, count]
    };
    push("assets", false, assets(AssetFilter::default()));
    for sort in [AssetSort::Importance, AssetSort::Name, AssetSort::Updated] {
        push(
            "assets sorted",
            false,
            assets(AssetFilter {
                sort,
                ..AssetFilter::default()
            }),
        );
    }
    push(
        "assets of a form and importance",
        false,
        assets(AssetFilter {
            form: Form::parse("paper"),
            min_importance: Some(3),
            ..AssetFilter::default()
        }),
    );
    push(
        "a later page of assets",
        false,
        assets(AssetFilter {
            offset: 12_450,
            ..AssetFilter::default()
        }),
    );
    push(
        "assets of an owner",
        true,
        assets(AssetFilter {
            owner_id: Some(sample),
            ..AssetFilter::default()
        }),
    );
    push(
        "assets a department head sees",
        true,
        assets(AssetFilter {
            scope: Some(scope.clone()),
            ..AssetFilter::default()
        }),
    );
    let risks = |f: RiskFilter| {
        let (list, count) = crate::risk::risk_list(&RiskFilter { limit: 50, ..f }, kind);
        vec![list, count]
    };
    push("risks", false, risks(RiskFilter::default()));
    for sort in [RiskSort::Score, RiskSort::Residual, RiskSort::Updated] {
        push(
            "risks sorted",
            false,
            risks(RiskFilter {
                sort,
                ..RiskFilter::default()
            }),
        );
    }
    push(
        "risks needing treatment by score",
        false,
        risks(RiskFilter {
            status: Some(RiskStatus::NeedsTreatment),
            sort: RiskSort::Score,
            ..RiskFilter::default()
        }),
    );
    push(
        "risks of an asset",
        true,
        risks(RiskFilter {
            asset_id: Some(sample),
            ..RiskFilter::default()
        }),
    );
    push(
        "risks a department head sees",
        true,
        risks(RiskFilter {
            scope: Some(scope),
            ..RiskFilter::default()
        }),
    );
    let incidents = |f: IncidentFilter| {
        vec![crate::incidents::incident_list(&IncidentFilter {
            limit: 50,
            ..f
        })]
    };
    push("incidents", false, incidents(IncidentFilter::default()));
    push(
        "incidents in a state",
        false,
        incidents(IncidentFilter {
            state: Some(State::Responding),
            ..IncidentFilter::default()
        }),
    );
    push(
        "incidents a member reported or leads",
        true,
        incidents(IncidentFilter {
            involving: Some(sample),
            ..IncidentFilter::default()
        }),
    );
    let people = |f: PersonFilter| vec![crate::org::person_list(&PersonFilter { limit: 50, ..f })];
    push("people", false, people(PersonFilter::default()));
    push(
        "people of a department",
        true,
        people(PersonFilter {
            department_id: Some(sample),
            ..PersonFilter::default()
        }),
    );
    let events = |f: AuditFilter| vec![crate::audit::event_list(&AuditFilter { limit: 100, ..f })];
    push("audit trail", false, events(AuditFilter::default()));
    push(
        "audit trail of an entity",
        true,
        events(AuditFilter {
            entity_type: Some("asset".into()),
            entity_id: Some(sample.to_string()),
            ..AuditFilter::default()
        }),
    );
    for status in [None, Some(ReadStatus::Overdue)] {
        let (list, count) = crate::documents::reader_list(&ReaderFilter {
            version_id: sample,
            departments: None,
            status,
            now,
            offset: 0,
            limit: 100,
        });
        push("readers of a version", true, vec![list, count]);
    }
    push(
        "reading follow-up of a department",
        true,
        vec![crate::documents::reading_count_list(
            Some(&[sample]),
            None,
            now,
        )],
    );
    out
}

/// The plan of a statement, one line per step. On PostgreSQL sequential
/// scans are priced out first, so what remains is what no index can serve.
pub async fn plan(db: &Db, s: &Stmt) -> Result<Vec<String>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct PlanRow {
        #[sqlx(default)]
        detail: Option<String>,
        #[sqlx(rename = "QUERY PLAN", default)]
        plan: Option<String>,
    }
    let (sql, args) = s.clone().into_parts();
    let explain = match db.kind() {
        DbKind::Sqlite => format!("EXPLAIN QUERY PLAN {sql}"),
        DbKind::Postgres => format!("EXPLAIN {sql}"),
    };
    let mut tx = db.begin().await?;
    if db.kind() == DbKind::Postgres {
        tx.execute(&Stmt::new("SET LOCAL enable_seqscan = off"))
            .await?;
    }
    let rows: Vec<PlanRow> = tx.fetch_all(&Stmt::new(&explain).extend(args)).await?;
    tx.rollback().await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| r.detail.or(r.plan))
        .collect())
}

/// The steps of a plan that read a large table through, or (unless the
/// query is bounded) sort its rows to find a page; `aliases` names the
/// tables the query calls by another name (`r` for `risks`).
pub fn costly_steps(
    q: &ListQuery,
    kind: DbKind,
    plan: &[String],
    aliases: &[(&str, &str)],
) -> Vec<String> {
    let large = |name: &str| {
        let table = aliases
            .iter()
            .find(|(a, _)| *a == name)
            .map_or(name, |(_, t)| t);
        LARGE_TABLES.contains(&table)
    };
    plan.iter()
        .filter(|step| {
            let step = step.trim().trim_start_matches("->").trim();
            match kind {
                // "SCAN assets" reads the table; "SCAN assets USING INDEX …"
                // walks an index in the order asked, "SEARCH" seeks.
                DbKind::Sqlite => {
                    step.strip_prefix("SCAN ")
                        .is_some_and(|rest| !rest.contains(" USING ") && large(first_word(rest)))
                        || (!q.bounded
                            && step.starts_with("USE TEMP B-TREE FOR")
                            && step.contains("ORDER BY"))
                }
                DbKind::Postgres => step.split_once("Seq Scan on ").is_some_and(|(_, rest)| {
                    let mut words = rest.split_whitespace();
                    let table = words.next().unwrap_or_default();
                    large(table)
                }),
            }
        })
        .cloned()
        .collect()
}

fn first_word(s: &str) -> &str {
    s.split_whitespace().next().unwrap_or_default()
}
