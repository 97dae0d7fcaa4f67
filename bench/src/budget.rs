//! The budgets of issue 8 (2-core machine, large organisation on SQLite) and
//! the verdict on each measured figure: met, or missed by how much.

use serde::{Deserialize, Serialize};

use crate::model::{Kind, Measurement, SuiteResult};

/// p99 of every list page, API list and the home dashboard at c=16.
pub const LIST_P99_MS: f64 = 50.0;
/// 100-row API lists at c=16: this share of the ceiling's requests/s.
pub const CEILING_SHARE: f64 = 0.75;
/// One record over the API at c=16.
pub const RECORD_RPS: f64 = 5_000.0;
/// `mamori audit verify` over 1,000,000 events.
pub const AUDIT_VERIFY_S: f64 = 5.0;
/// Evaluating every obligation.
pub const OBLIGATIONS_MS: f64 = 100.0;
/// Server RSS under load.
pub const RSS_MB: f64 = 200.0;
/// Start to ready on an existing database.
pub const READY_S: f64 = 1.0;
/// The concurrency the endpoint budgets apply at.
pub const BUDGET_CONCURRENCY: u32 = 16;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Met,
    /// Missed, with by how much.
    Missed(String),
    /// Nothing to judge (not measured, or an error).
    Unknown(String),
}

impl Verdict {
    pub fn is_missed(&self) -> bool {
        matches!(self, Verdict::Missed(_))
    }

    /// The budget cell of a table.
    pub fn cell(&self) -> String {
        match self {
            Verdict::Met => "met".into(),
            Verdict::Missed(by) => format!("**missed**: {by}"),
            Verdict::Unknown(why) => format!("? {why}"),
        }
    }

    /// Several verdicts on one figure: missed if any is, met if all are.
    pub fn all(verdicts: Vec<Verdict>) -> Option<Verdict> {
        if verdicts.is_empty() {
            return None;
        }
        let missed: Vec<String> = verdicts
            .iter()
            .filter_map(|v| match v {
                Verdict::Missed(by) => Some(by.clone()),
                _ => None,
            })
            .collect();
        if !missed.is_empty() {
            return Some(Verdict::Missed(missed.join("; ")));
        }
        verdicts
            .into_iter()
            .find(|v| matches!(v, Verdict::Unknown(_)))
            .or(Some(Verdict::Met))
    }
}

/// "at most `limit`": missed by the factor over it.
pub fn at_most(measured: f64, limit: f64, unit: &str) -> Verdict {
    if measured <= limit {
        Verdict::Met
    } else {
        Verdict::Missed(format!(
            "{} {unit} is {} the {} {unit}",
            fmt_num(measured),
            fmt_factor(measured / limit),
            fmt_num(limit)
        ))
    }
}

/// "at least `floor`": missed by the share of it reached.
pub fn at_least(measured: f64, floor: f64, unit: &str) -> Verdict {
    if measured >= floor {
        Verdict::Met
    } else {
        Verdict::Missed(format!(
            "{} {unit} is {:.0}% of the {} {unit}",
            fmt_num(measured),
            100.0 * measured / floor,
            fmt_num(floor)
        ))
    }
}

/// How many times over: two decimals near 1, none from 10.
pub fn fmt_factor(f: f64) -> String {
    if f >= 10.0 {
        format!("{f:.0}×")
    } else {
        format!("{f:.2}×")
    }
}

/// A number for people: thousands separated, a decimal or two below 100.
pub fn fmt_num(x: f64) -> String {
    if !x.is_finite() {
        return "—".into();
    }
    if x.abs() >= 100.0 {
        let n = x.round() as i64;
        let digits = n.unsigned_abs().to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        if n < 0 {
            out.insert(0, '-');
        }
        out
    } else if x.abs() >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

/// The budget of one endpoint at one concurrency; None where none applies.
pub fn endpoint_verdict(m: &Measurement, ceiling_rps: Option<f64>) -> Option<Verdict> {
    if m.concurrency != BUDGET_CONCURRENCY || m.kind == Kind::Ceiling {
        return None;
    }
    let Some(r) = m.result() else {
        return Some(Verdict::Unknown("not measured".into()));
    };
    let mut verdicts = Vec::new();
    if r.errors() > 0 {
        verdicts.push(Verdict::Missed(format!("{} errors", r.errors())));
    }
    match m.kind {
        Kind::Home | Kind::ListPage | Kind::Dashboard | Kind::ApiList => {
            verdicts.push(at_most(r.p99_ms, LIST_P99_MS, "ms p99"));
        }
        Kind::ApiList100 => {
            verdicts.push(at_most(r.p99_ms, LIST_P99_MS, "ms p99"));
            verdicts.push(match ceiling_rps {
                Some(c) => share_of_ceiling(r.requests_per_sec / c),
                None => Verdict::Unknown("no ceiling".into()),
            });
        }
        Kind::Record => verdicts.push(at_least(r.requests_per_sec, RECORD_RPS, "req/s")),
        Kind::Ceiling => {}
    }
    Verdict::all(verdicts)
}

fn share_of_ceiling(share: f64) -> Verdict {
    if share >= CEILING_SHARE {
        Verdict::Met
    } else {
        Verdict::Missed(format!(
            "{:.0}% of the ceiling (budget {:.0}%)",
            100.0 * share,
            100.0 * CEILING_SHARE
        ))
    }
}

/// One of the figures of the whole run against its budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    pub what: String,
    pub budget: String,
    pub verdict: Verdict,
}

/// The budgets on the run as a whole (not per endpoint).
pub fn suite_checks(s: &SuiteResult) -> Vec<Check> {
    let known = |v: Option<Verdict>, what: &str| {
        v.unwrap_or_else(|| Verdict::Unknown(format!("{what} not measured")))
    };
    vec![
        Check {
            what: "start → ready".into(),
            budget: format!("≤ {READY_S} s"),
            verdict: known(
                s.start_to_ready_ms
                    .map(|ms| at_most(ms / 1000.0, READY_S, "s")),
                "start",
            ),
        },
        Check {
            what: "server RSS under load (peak)".into(),
            budget: format!("≤ {RSS_MB} MB"),
            verdict: known(
                s.rss_peak_kib
                    .or(s.rss_load_kib)
                    .map(|kib| at_most(mib(kib), RSS_MB, "MB")),
                "RSS",
            ),
        },
        Check {
            what: "`mamori audit verify`".into(),
            budget: format!("≤ {AUDIT_VERIFY_S} s over 1,000,000 events"),
            verdict: known(
                s.audit_verify
                    .as_ref()
                    .map(|t| at_most(t.seconds, AUDIT_VERIFY_S, "s")),
                "audit verify",
            ),
        },
        Check {
            what: "every obligation evaluated (`mamori check`)".into(),
            budget: format!("≤ {OBLIGATIONS_MS} ms"),
            verdict: known(
                s.obligations
                    .as_ref()
                    .map(|t| at_most(t.seconds * 1000.0, OBLIGATIONS_MS, "ms")),
                "obligations",
            ),
        },
    ]
}

/// KiB as MB (MiB, as /proc reports them).
pub fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Outcome, Role, Timed};
    use crate::oha::LoadResult;

    fn measured(kind: Kind, c: u32, rps: f64, p99: f64) -> Measurement {
        let mut r = LoadResult {
            requests_per_sec: rps,
            p50_ms: p99 / 2.0,
            p99_ms: p99,
            ..LoadResult::default()
        };
        r.status.insert(200, 100);
        Measurement {
            path: "/x".into(),
            role: Some(Role::Secretariat),
            kind,
            concurrency: c,
            outcome: Outcome::Measured(r),
        }
    }

    #[test]
    fn list_pages_meet_the_budget_at_50_ms_p99_and_miss_above() {
        let ok = measured(Kind::ListPage, 16, 300.0, 50.0);
        assert_eq!(endpoint_verdict(&ok, None), Some(Verdict::Met));
        let slow = measured(Kind::ListPage, 16, 300.0, 87.0);
        match endpoint_verdict(&slow, None) {
            Some(Verdict::Missed(by)) => assert_eq!(by, "87.0 ms p99 is 1.74× the 50.0 ms p99"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn budgets_apply_at_concurrency_16_only() {
        let slow = measured(Kind::ListPage, 1, 300.0, 500.0);
        assert_eq!(endpoint_verdict(&slow, None), None);
    }

    #[test]
    fn a_100_row_list_needs_three_quarters_of_the_ceiling() {
        let m = measured(Kind::ApiList100, 16, 750.0, 20.0);
        assert_eq!(endpoint_verdict(&m, Some(1000.0)), Some(Verdict::Met));
        let m = measured(Kind::ApiList100, 16, 400.0, 20.0);
        match endpoint_verdict(&m, Some(1000.0)) {
            Some(Verdict::Missed(by)) => assert_eq!(by, "40% of the ceiling (budget 75%)"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            endpoint_verdict(&m, None),
            Some(Verdict::Unknown(_))
        ));
    }

    #[test]
    fn a_single_record_needs_5000_requests_per_second() {
        let m = measured(Kind::Record, 16, 2_100.0, 10.0);
        match endpoint_verdict(&m, None) {
            Some(Verdict::Missed(by)) => assert_eq!(by, "2,100 req/s is 42% of the 5,000 req/s"),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            endpoint_verdict(&measured(Kind::Record, 16, 6_000.0, 90.0), None),
            Some(Verdict::Met),
            "a record's budget is throughput, not latency"
        );
    }

    #[test]
    fn errors_under_load_miss_the_budget() {
        let mut m = measured(Kind::ListPage, 16, 300.0, 10.0);
        if let Outcome::Measured(r) = &mut m.outcome {
            r.status.insert(500, 3);
        }
        assert!(endpoint_verdict(&m, None).is_some_and(|v| v.is_missed()));
    }

    #[test]
    fn run_budgets_read_ready_rss_audit_and_obligations() {
        let s = SuiteResult {
            start_to_ready_ms: Some(400.0),
            rss_peak_kib: Some(250 * 1024),
            audit_verify: Some(Timed {
                seconds: 7.0,
                detail: String::new(),
            }),
            obligations: None,
            ..SuiteResult::default()
        };
        let checks = suite_checks(&s);
        assert_eq!(checks[0].verdict, Verdict::Met);
        assert!(checks[1].verdict.is_missed());
        assert_eq!(
            checks[2].verdict,
            Verdict::Missed("7.00 s is 1.40× the 5.00 s".into())
        );
        assert!(matches!(checks[3].verdict, Verdict::Unknown(_)));
    }

    #[test]
    fn numbers_read_with_separators_and_decimals() {
        assert_eq!(fmt_num(1_234_567.4), "1,234,567");
        assert_eq!(fmt_num(123.4), "123");
        assert_eq!(fmt_num(42.26), "42.3");
        assert_eq!(fmt_num(4.256), "4.26");
        assert_eq!(fmt_num(f64::NAN), "—");
        assert_eq!(fmt_factor(1.049), "1.05×");
        assert_eq!(fmt_factor(21.34), "21×");
    }
}
