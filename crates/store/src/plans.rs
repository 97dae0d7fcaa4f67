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
        let (list, count) = crate::risk::asset_list(&AssetFilter { limit: 50, ..f }, kind);
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
    // A deep page finds its numbers in the order's index, then sorts its
    // own rows: the numbers must come from an index, the page may sort.
    let deep = AssetFilter {
        sort: AssetSort::Importance,
        offset: 12_450,
        limit: 50,
        ..AssetFilter::default()
    };
    push(
        "the numbers of a later page of assets by importance",
        false,
        vec![crate::risk::asset_page_numbers(&deep, kind)],
    );
    push("a later page of assets by importance", true, assets(deep));
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
    let node = |step: &str| step.trim().trim_start_matches("->").trim().to_string();
    // PostgreSQL: the table a scan node reads ("Index Scan using x on assets a").
    let scanned = |step: &str| {
        let step = node(step);
        if !step.contains("Scan") || step.starts_with("Subquery Scan") {
            return None;
        }
        step.split_once(" on ")
            .map(|(_, rest)| first_word(rest).to_string())
    };
    plan.iter()
        .enumerate()
        .filter(|(n, step)| {
            let step = node(step);
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
                // "Seq Scan on assets" reads the table; a "Sort" of more than
                // two pages' rows whose input is a scan of a large table
                // sorts the table to find a page (a sort of the rows a
                // filter leaves, or of a page's own rows, is cheap).
                DbKind::Postgres => {
                    step.strip_prefix("Seq Scan on ")
                        .is_some_and(|rest| large(first_word(rest)))
                        || (!q.bounded
                            && step.starts_with("Sort ")
                            && estimated_rows(&step).is_some_and(|r| r > SORTED_ROWS_MAX)
                            && plan[n + 1..]
                                .iter()
                                .find(|s| s.trim().starts_with("->"))
                                .and_then(|s| scanned(s))
                                .is_some_and(|t| large(&t)))
                }
            }
        })
        .map(|(_, step)| step.clone())
        .collect()
}

/// Rows a sort may take without being a sort of the table: two pages of
/// the check's queries (50 rows each).
const SORTED_ROWS_MAX: u64 = 100;

/// The planner's estimate of a step's rows (`rows=500` in PostgreSQL's plan).
fn estimated_rows(step: &str) -> Option<u64> {
    let (_, rest) = step.split_once("rows=")?;
    rest.split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

fn first_word(s: &str) -> &str {
    s.split_whitespace().next().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(bounded: bool) -> ListQuery {
        ListQuery {
            name: "assets",
            stmt: Stmt::new("SELECT 1"),
            bounded,
        }
    }

    fn lines(plan: &str) -> Vec<String> {
        plan.lines().map(str::to_string).collect()
    }

    /// A bound LIMIT has SQLite parse and plan the statement again at
    /// every run (see `Stmt::limit`).
    #[test]
    fn the_main_lists_write_their_limit_into_the_sql() {
        for kind in [DbKind::Sqlite, DbKind::Postgres] {
            let queries = main_list_queries(kind, Uuid::nil(), OffsetDateTime::UNIX_EPOCH);
            assert!(queries.iter().any(|q| q.stmt.sql().contains(" LIMIT ")));
            for q in queries {
                let sql = q.stmt.sql().replace(char::is_whitespace, " ");
                let bound = sql.contains(&["LIMIT", " ?"].concat());
                assert!(!bound, "{} ({kind:?}): {sql}", q.name);
            }
        }
    }

    #[test]
    fn postgres_sorting_a_large_table_for_a_page_is_costly() {
        let plan = lines(
            "Limit  (cost=3724.44..4140.06 rows=50 width=65)
  ->  Sort  (cost=3724.44..3849.47 rows=50011 width=49)
        Sort Key: assets.importance DESC, assets.ref_no
        ->  Index Scan using assets_page_ref on assets  (cost=0.29..2063.11 rows=50011 width=49)",
        );
        let costly = costly_steps(&query(false), DbKind::Postgres, &plan, &[]);
        assert_eq!(costly.len(), 1, "{costly:?}");
        assert!(costly[0].contains("Sort"));
        assert!(
            costly_steps(&query(true), DbKind::Postgres, &plan, &[]).is_empty(),
            "a bounded query may sort"
        );
    }

    #[test]
    fn postgres_sorting_a_page_or_a_few_rows_is_not() {
        // The page's own rows, from a subquery.
        let page = lines(
            "Sort  (cost=61.76..63.01 rows=50 width=198)
  Sort Key: assets_1.ref_no
  ->  Subquery Scan on assets  (cost=0.28..40.00 rows=50 width=198)
        ->  Limit  (cost=0.28..39.00 rows=50 width=198)
              ->  Index Scan using assets_active_ref on assets assets_1  (cost=0.28..390.00 rows=500 width=198)",
        );
        assert!(costly_steps(&query(false), DbKind::Postgres, &page, &[]).is_empty());
        // The few rows a filter leaves.
        let few = lines(
            "Sort  (cost=28.57..28.67 rows=42 width=198)
  Sort Key: assets.ref_no
  ->  Bitmap Heap Scan on assets  (cost=4.60..27.40 rows=42 width=198)",
        );
        assert!(costly_steps(&query(false), DbKind::Postgres, &few, &[]).is_empty());
        // A sequential scan of a large table is costly however few it keeps.
        let seq = lines("Seq Scan on assets  (cost=0.00..2063.11 rows=42 width=49)");
        assert_eq!(
            costly_steps(&query(true), DbKind::Postgres, &seq, &[]).len(),
            1
        );
    }

    #[test]
    fn sqlite_steps() {
        let plan = lines("SCAN assets\nUSE TEMP B-TREE FOR ORDER BY");
        assert_eq!(
            costly_steps(&query(false), DbKind::Sqlite, &plan, &[]).len(),
            2
        );
        let ordered = lines("SCAN assets USING INDEX assets_page_ref");
        assert!(costly_steps(&query(false), DbKind::Sqlite, &ordered, &[]).is_empty());
    }
}
