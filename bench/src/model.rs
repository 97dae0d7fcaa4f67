//! What the suite measures: the signed-in roles, the endpoints each one
//! drives, and the results of a run against one build of mamori.

use serde::{Deserialize, Serialize};

use crate::oha::LoadResult;

/// The concurrencies every endpoint is driven at.
pub const CONCURRENCIES: [u32; 2] = [1, 16];

/// Who is signed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 事務局 (and system administrator) of the demo company: sees everything.
    Secretariat,
    /// 部門長 of 東京営業部 (L001), one of the large organisation's 40 departments.
    DepartmentHead,
    /// 一般従業員 of the large organisation (東京製造部).
    Employee,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Secretariat, Role::DepartmentHead, Role::Employee];

    /// The demo account (password `mamori_app::demo::DEMO_PASSWORD`).
    pub fn email(self) -> &'static str {
        match self {
            Role::Secretariat => "m.suzuki@minato-seiki.example",
            // Person 0 heads L001; persons 40 and 80 hold its other roles.
            Role::DepartmentHead => "l00001@large.minato-seiki.example",
            // Person 81 is the third of L002 (東京製造部), which gives its
            // third no role: a plain employee at every scale.
            Role::Employee => "l00082@large.minato-seiki.example",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Secretariat => "事務局",
            Role::DepartmentHead => "部門長",
            Role::Employee => "一般",
        }
    }
}

/// What kind of answer an endpoint gives, which decides its budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The home dashboard.
    Home,
    /// A list page: first page, filtered, sorted.
    ListPage,
    /// Another page that reads many records (overview, compliance).
    Dashboard,
    /// An API list.
    ApiList,
    /// An API list of 100 rows, comparable with the ceiling's page.
    ApiList100,
    /// One record over the API.
    Record,
    /// The minimal server's 100-row keyset page.
    Ceiling,
}

impl Kind {
    pub fn is_api(self) -> bool {
        matches!(
            self,
            Kind::ApiList | Kind::ApiList100 | Kind::Record | Kind::Ceiling
        )
    }
}

/// One endpoint as one role. `{asset}`, `{risk}` and `{person}` in the path
/// are filled with ids read from the running server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    pub path: String,
    pub role: Role,
    pub kind: Kind,
}

fn ep(role: Role, kind: Kind, path: &str) -> Endpoint {
    Endpoint {
        path: path.to_string(),
        role,
        kind,
    }
}

/// The suite: main pages and API endpoints of every module as the 事務局,
/// and what a department head and an employee open most.
pub fn endpoints() -> Vec<Endpoint> {
    use Kind::*;
    use Role::*;
    vec![
        ep(Secretariat, Home, "/"),
        ep(Secretariat, ListPage, "/assets"),
        ep(Secretariat, ListPage, "/assets?sort=importance"),
        ep(Secretariat, ListPage, "/assets?form=paper&importance=3"),
        // 顧客 (customer): matches the 顧客リスト assets.
        ep(Secretariat, ListPage, "/assets?q=%E9%A1%A7%E5%AE%A2"),
        ep(Secretariat, ListPage, "/assets?page=250"),
        ep(Secretariat, ListPage, "/risks"),
        ep(
            Secretariat,
            ListPage,
            "/risks?status=needs_treatment&sort=score",
        ),
        ep(Secretariat, Dashboard, "/risks/overview"),
        ep(Secretariat, ListPage, "/tasks"),
        ep(Secretariat, ListPage, "/inbox"),
        ep(Secretariat, ListPage, "/requests"),
        ep(Secretariat, ListPage, "/incidents"),
        ep(Secretariat, ListPage, "/documents"),
        ep(Secretariat, Dashboard, "/compliance"),
        ep(Secretariat, Dashboard, "/compliance/departments"),
        ep(Secretariat, ListPage, "/org/people"),
        ep(Secretariat, ListPage, "/org/departments"),
        ep(Secretariat, ListPage, "/audit"),
        ep(Secretariat, ListPage, "/duties"),
        ep(Secretariat, ListPage, "/checklists"),
        ep(Secretariat, ListPage, "/committee"),
        ep(Secretariat, ListPage, "/complaints"),
        ep(Secretariat, Dashboard, "/incidents/stats"),
        ep(Secretariat, Dashboard, "/documents/reading"),
        ep(Secretariat, Dashboard, "/risks/reviews"),
        ep(Secretariat, Dashboard, "/soa/2022"),
        ep(Secretariat, ApiList100, "/api/v1/assets?limit=100"),
        ep(
            Secretariat,
            ApiList100,
            "/api/v1/assets?limit=100&sort=importance",
        ),
        ep(
            Secretariat,
            ApiList100,
            "/api/v1/assets?limit=100&form=paper&min_importance=3",
        ),
        ep(Secretariat, ApiList100, "/api/v1/risks?limit=100"),
        ep(
            Secretariat,
            ApiList100,
            "/api/v1/risks?limit=100&status=needs_treatment&sort=score",
        ),
        ep(Secretariat, ApiList100, "/api/v1/people?limit=100"),
        ep(Secretariat, ApiList100, "/api/v1/audit-events?limit=100"),
        ep(Secretariat, ApiList, "/api/v1/obligations"),
        ep(Secretariat, ApiList, "/api/v1/tasks"),
        ep(Secretariat, ApiList, "/api/v1/incidents"),
        ep(Secretariat, ApiList, "/api/v1/requests?scope=all"),
        ep(Secretariat, ApiList, "/api/v1/documents"),
        ep(Secretariat, ApiList, "/api/v1/meetings"),
        ep(Secretariat, ApiList, "/api/v1/duties"),
        ep(Secretariat, ApiList, "/api/v1/complaints"),
        ep(Secretariat, Record, "/api/v1/assets/{asset}"),
        ep(Secretariat, Record, "/api/v1/risks/{risk}"),
        ep(Secretariat, Record, "/api/v1/people/{person}"),
        ep(DepartmentHead, Home, "/"),
        ep(DepartmentHead, ListPage, "/assets"),
        ep(DepartmentHead, ListPage, "/risks"),
        ep(DepartmentHead, ListPage, "/tasks"),
        ep(DepartmentHead, Dashboard, "/compliance"),
        ep(DepartmentHead, ApiList100, "/api/v1/assets?limit=100"),
        ep(DepartmentHead, ApiList100, "/api/v1/risks?limit=100"),
        ep(Employee, Home, "/"),
        ep(Employee, ListPage, "/assets"),
        ep(Employee, ListPage, "/tasks"),
        ep(Employee, ListPage, "/documents"),
        ep(Employee, ListPage, "/requests"),
        ep(Employee, ApiList100, "/api/v1/assets?limit=100"),
        ep(Employee, Record, "/api/v1/assets/{asset}"),
    ]
}

/// The ceiling's page, the same 100 rows as the first page of the asset list.
pub const CEILING_PATH: &str = "/assets?limit=100";

/// An endpoint driven at one concurrency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Measurement {
    pub path: String,
    /// None for the ceiling.
    pub role: Option<Role>,
    pub kind: Kind,
    pub concurrency: u32,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Measured(LoadResult),
    /// Not driven: the endpoint did not answer 200 before the load.
    Unavailable(String),
}

impl Measurement {
    pub fn result(&self) -> Option<&LoadResult> {
        match &self.outcome {
            Outcome::Measured(r) => Some(r),
            Outcome::Unavailable(_) => None,
        }
    }

    /// The same endpoint, role and concurrency (for side-by-side rows).
    pub fn same_as(&self, other: &Measurement) -> bool {
        self.path == other.path && self.role == other.role && self.concurrency == other.concurrency
    }
}

/// A timed command.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timed {
    pub seconds: f64,
    /// What the command reported (e.g. the number of events).
    pub detail: String,
}

/// Everything measured against one build of mamori.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SuiteResult {
    /// `this` or `baseline`.
    pub label: String,
    pub revision: String,
    pub database: String,
    pub db_size_bytes: Option<u64>,
    pub audit_verify: Option<Timed>,
    /// `mamori check`: every obligation evaluated, process included.
    pub obligations: Option<Timed>,
    pub start_to_ready_ms: Option<f64>,
    pub rss_idle_kib: Option<u64>,
    /// The highest VmRSS sampled while under load.
    pub rss_load_kib: Option<u64>,
    /// VmHWM at the end: the peak of the whole run.
    pub rss_peak_kib: Option<u64>,
    pub measurements: Vec<Measurement>,
    pub ceiling: Vec<Measurement>,
    /// What went wrong without stopping the run.
    pub problems: Vec<String>,
}

impl SuiteResult {
    /// The ceiling's requests per second at a concurrency: the mean of its
    /// measurements (before and after mamori's endpoints), so that a share
    /// does not hang on one moment of a shared machine.
    pub fn ceiling_rps(&self, concurrency: u32) -> Option<f64> {
        let rates: Vec<f64> = self
            .ceiling
            .iter()
            .filter(|m| m.concurrency == concurrency)
            .filter_map(|m| m.result())
            .map(|r| r.requests_per_sec)
            .filter(|r| *r > 0.0)
            .collect();
        (!rates.is_empty()).then(|| rates.iter().sum::<f64>() / rates.len() as f64)
    }

    pub fn find(&self, m: &Measurement) -> Option<&Measurement> {
        self.measurements.iter().find(|x| x.same_as(m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_has_endpoints_and_every_path_is_unique_per_role() {
        let all = endpoints();
        for role in Role::ALL {
            assert!(all.iter().any(|e| e.role == role), "{role:?}");
        }
        for (i, a) in all.iter().enumerate() {
            assert!(
                !all[i + 1..]
                    .iter()
                    .any(|b| a.path == b.path && a.role == b.role),
                "{} twice for {:?}",
                a.path,
                a.role
            );
        }
    }

    #[test]
    fn the_ceiling_is_the_mean_of_its_measurements() {
        let at = |concurrency: u32, rps: f64| Measurement {
            path: CEILING_PATH.into(),
            role: None,
            kind: Kind::Ceiling,
            concurrency,
            outcome: Outcome::Measured(crate::oha::LoadResult {
                requests: 1,
                requests_per_sec: rps,
                p50_ms: 1.0,
                p99_ms: 2.0,
                max_ms: 3.0,
                status: Default::default(),
                transport_errors: Default::default(),
            }),
        };
        let s = SuiteResult {
            ceiling: vec![at(1, 900.0), at(16, 2_000.0), at(1, 0.0), at(16, 3_000.0)],
            ..SuiteResult::default()
        };
        assert_eq!(s.ceiling_rps(16), Some(2_500.0));
        assert_eq!(s.ceiling_rps(1), Some(900.0), "a failed run is left out");
        assert_eq!(s.ceiling_rps(4), None);
    }

    #[test]
    fn api_kinds_are_exactly_the_api_paths() {
        for e in endpoints() {
            assert_eq!(e.kind.is_api(), e.path.starts_with("/api/"), "{}", e.path);
        }
    }
}
