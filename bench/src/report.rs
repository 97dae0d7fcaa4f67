//! The report of a run: the JSON written for machines and the Markdown for
//! people, with a budget column and, with a baseline, both runs side by side
//! as ratios (this / baseline).

use serde::{Deserialize, Serialize};

use crate::budget::{self, Check, Verdict, fmt_num, mib};
use crate::machine::{Machine, Revision};
use crate::model::{CONCURRENCIES, Measurement, SuiteResult};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// UTC, RFC 3339.
    pub started_at: String,
    pub machine: Machine,
    pub revision: Revision,
    /// The revision given to `--baseline`.
    pub baseline_revision: Option<String>,
    /// `SQLite` or `PostgreSQL`.
    pub engine: String,
    /// The `mamori demo --scale` argument.
    pub scale: String,
    pub duration_s: f64,
    /// The load generator's version.
    pub oha: String,
    /// /proc/loadavg (1, 5, 15 min) when the run started and ended.
    pub load_average_start: String,
    pub load_average_end: String,
    pub this: SuiteResult,
    pub baseline: Option<SuiteResult>,
    /// The run's budgets (on `this`).
    pub checks: Vec<Check>,
    /// The endpoint budgets at c=16 (on `this`).
    pub endpoint_budgets: Vec<EndpointBudget>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndpointBudget {
    pub path: String,
    pub role: String,
    pub verdict: Verdict,
}

impl Report {
    /// Fills the verdicts from the measurements.
    pub fn judge(&mut self) {
        self.checks = budget::suite_checks(&self.this);
        let ceiling = self.this.ceiling_rps(budget::BUDGET_CONCURRENCY);
        self.endpoint_budgets = self
            .this
            .measurements
            .iter()
            .filter_map(|m| {
                budget::endpoint_verdict(m, ceiling).map(|verdict| EndpointBudget {
                    path: m.path.clone(),
                    role: role_label(m),
                    verdict,
                })
            })
            .collect();
    }

    /// Every budget missed, one line each.
    pub fn misses(&self) -> Vec<String> {
        let run = self.checks.iter().filter_map(|c| match &c.verdict {
            Verdict::Missed(by) => Some(format!("{} ({}): {by}", c.what, c.budget)),
            _ => None,
        });
        let endpoints = self
            .endpoint_budgets
            .iter()
            .filter_map(|e| match &e.verdict {
                Verdict::Missed(by) => Some(format!("`{}` as {} at c=16: {by}", e.path, e.role)),
                _ => None,
            });
        run.chain(endpoints).collect()
    }
}

/// this / baseline, when both are there and the baseline is not zero.
pub fn ratio(this: Option<f64>, baseline: Option<f64>) -> Option<f64> {
    match (this, baseline) {
        (Some(t), Some(b)) if b > 0.0 && t.is_finite() && b.is_finite() => Some(t / b),
        _ => None,
    }
}

pub fn fmt_ratio(r: Option<f64>) -> String {
    r.map_or_else(|| "—".into(), |r| format!("{r:.2}×"))
}

fn opt(v: Option<f64>) -> String {
    v.map_or_else(|| "—".into(), fmt_num)
}

/// A Markdown table; `|` in a cell is escaped.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let line = |cells: Vec<String>| format!("| {} |\n", cells.join(" | "));
    let mut out = line(headers.iter().map(|h| h.to_string()).collect());
    out.push_str(&line(headers.iter().map(|_| "---".to_string()).collect()));
    for r in rows {
        out.push_str(&line(r.iter().map(|c| c.replace('|', "\\|")).collect()));
    }
    out
}

fn role_label(m: &Measurement) -> String {
    m.role.map_or_else(|| "—".into(), |r| r.label().to_string())
}

fn size(bytes: Option<u64>) -> Option<f64> {
    bytes.map(|b| b as f64 / 1_048_576.0)
}

/// The figures of a run, each as (name, value in its unit, unit).
fn run_figures(s: &SuiteResult) -> Vec<(String, Option<f64>, &'static str)> {
    let mut v = vec![
        ("database size".to_string(), size(s.db_size_bytes), "MB"),
        (
            "start → ready".to_string(),
            s.start_to_ready_ms.map(|ms| ms / 1000.0),
            "s",
        ),
        (
            "RSS idle (after warm-up)".to_string(),
            s.rss_idle_kib.map(mib),
            "MB",
        ),
        (
            "RSS under load (highest sample)".to_string(),
            s.rss_load_kib.map(mib),
            "MB",
        ),
        (
            "RSS peak (VmHWM)".to_string(),
            s.rss_peak_kib.map(mib),
            "MB",
        ),
        (
            match &s.audit_verify {
                Some(t) if !t.detail.is_empty() => format!("`mamori audit verify` ({})", t.detail),
                _ => "`mamori audit verify`".to_string(),
            },
            s.audit_verify.as_ref().map(|t| t.seconds),
            "s",
        ),
        (
            match &s.obligations {
                Some(t) if !t.detail.is_empty() => {
                    format!("every obligation, `mamori check` ({})", t.detail)
                }
                _ => "every obligation, `mamori check`".to_string(),
            },
            s.obligations.as_ref().map(|t| t.seconds * 1000.0),
            "ms",
        ),
    ];
    for c in CONCURRENCIES {
        v.push((format!("ceiling c={c}"), s.ceiling_rps(c), "req/s"));
    }
    v
}

/// The budget of a run figure, by the figure's position in `run_figures`.
fn run_budget(checks: &[Check], figure: &str) -> (String, String) {
    let by_name = |what: &str| checks.iter().find(|c| c.what.contains(what));
    let check = if figure.starts_with("start") {
        by_name("start")
    } else if figure.starts_with("RSS peak") {
        by_name("RSS")
    } else if figure.contains("audit verify") {
        by_name("audit verify")
    } else if figure.starts_with("every obligation") {
        by_name("obligation")
    } else {
        None
    };
    check.map_or((String::new(), String::new()), |c| {
        (c.budget.clone(), c.verdict.cell())
    })
}

impl Report {
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        out.push_str(&format!(
            "# mamori load benchmark — {} — {}\n\n",
            self.engine, self.started_at
        ));
        let m = &self.machine;
        out.push_str(&format!(
            "- machine: {} cores ({}), {:.1} GiB memory, {}, Linux {}\n",
            m.cores,
            m.cpu,
            m.memory_kib as f64 / 1_048_576.0,
            m.os,
            m.kernel
        ));
        if !self.load_average_start.is_empty() {
            out.push_str(&format!(
                "- load average (1/5/15 min): {} at the start, {} at the end\n",
                self.load_average_start, self.load_average_end
            ));
        }
        out.push_str(&format!(
            "- this: `{}`{}\n",
            self.revision.short(),
            self.baseline_revision
                .as_ref()
                .map(|b| format!(" · baseline: `{b}` (ratios are this / baseline)"))
                .unwrap_or_default()
        ));
        out.push_str(&format!(
            "- data: `mamori demo --scale {}` on {} ({})\n",
            self.scale, self.engine, self.this.database
        ));
        out.push_str(&format!(
            "- load: {} for {} s per endpoint at c={}, after a warm-up; latencies in ms\n\n",
            self.oha,
            fmt_num(self.duration_s),
            CONCURRENCIES.map(|c| c.to_string()).join(" and c=")
        ));

        out.push_str("## The run\n\n");
        out.push_str(&self.run_table());
        out.push_str("\n## Endpoints\n\n");
        out.push_str(
            "`of ceiling`: requests/s as a share of the minimal server's 100-row page at the same concurrency. \
             Budgets apply at c=16.\n\n",
        );
        out.push_str(&self.endpoint_table());

        let misses = self.misses();
        out.push_str(&format!("\n## Budgets missed: {}\n\n", misses.len()));
        for miss in &misses {
            out.push_str(&format!("- {miss}\n"));
        }
        let problems: Vec<String> = self
            .this
            .problems
            .iter()
            .map(|p| format!("this: {p}"))
            .chain(
                self.baseline
                    .iter()
                    .flat_map(|b| b.problems.iter().map(|p| format!("baseline: {p}"))),
            )
            .collect();
        if !problems.is_empty() {
            out.push_str("\n## Problems\n\n");
            for p in problems {
                out.push_str(&format!("- {p}\n"));
            }
        }
        out
    }

    fn run_table(&self) -> String {
        let this = run_figures(&self.this);
        let base = self.baseline.as_ref().map(run_figures);
        let mut rows = Vec::new();
        for (i, (name, value, unit)) in this.iter().enumerate() {
            let (budget, verdict) = run_budget(&self.checks, name);
            let mut row = vec![name.clone(), format!("{} {unit}", opt(*value))];
            if let Some(base) = &base {
                let b = base.get(i).and_then(|(_, v, _)| *v);
                row.push(format!("{} {unit}", opt(b)));
                row.push(fmt_ratio(ratio(*value, b)));
            }
            row.push(budget);
            row.push(verdict);
            rows.push(row);
        }
        let headers: &[&str] = if base.is_some() {
            &["figure", "this", "baseline", "×", "budget", "verdict"]
        } else {
            &["figure", "value", "budget", "verdict"]
        };
        table(headers, &rows)
    }

    fn endpoint_table(&self) -> String {
        let with_base = self.baseline.is_some();
        let mut rows = Vec::new();
        for m in &self.this.measurements {
            let base = self.baseline.as_ref().and_then(|b| b.find(m));
            let r = m.result();
            let b = base.and_then(|b| b.result());
            let rps = r.map(|r| r.requests_per_sec);
            let p50 = r.map(|r| r.p50_ms);
            let p99 = r.map(|r| r.p99_ms);
            let mut row = vec![
                format!("`{}`", m.path),
                role_label(m),
                m.concurrency.to_string(),
                opt(rps),
            ];
            if with_base {
                row.push(opt(b.map(|b| b.requests_per_sec)));
                row.push(fmt_ratio(ratio(rps, b.map(|b| b.requests_per_sec))));
            }
            row.push(opt(p50));
            if with_base {
                row.push(opt(b.map(|b| b.p50_ms)));
                row.push(fmt_ratio(ratio(p50, b.map(|b| b.p50_ms))));
            }
            row.push(opt(p99));
            if with_base {
                row.push(opt(b.map(|b| b.p99_ms)));
                row.push(fmt_ratio(ratio(p99, b.map(|b| b.p99_ms))));
            }
            row.push(match (&m.outcome, r) {
                (_, Some(r)) => r.errors().to_string(),
                (crate::model::Outcome::Unavailable(why), None) => why.clone(),
                _ => "—".into(),
            });
            let share = ratio(rps, self.this.ceiling_rps(m.concurrency));
            row.push(share.map_or_else(|| "—".into(), |s| format!("{:.0}%", 100.0 * s)));
            let ceiling = self.this.ceiling_rps(budget::BUDGET_CONCURRENCY);
            row.push(
                budget::endpoint_verdict(m, ceiling)
                    .map(|v| v.cell())
                    .unwrap_or_default(),
            );
            rows.push(row);
        }
        let headers: &[&str] = if with_base {
            &[
                "endpoint",
                "role",
                "c",
                "req/s",
                "base",
                "×",
                "p50",
                "base",
                "×",
                "p99",
                "base",
                "×",
                "errors",
                "of ceiling",
                "budget",
            ]
        } else {
            &[
                "endpoint",
                "role",
                "c",
                "req/s",
                "p50",
                "p99",
                "errors",
                "of ceiling",
                "budget",
            ]
        };
        table(headers, &rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Kind, Outcome, Role, Timed};
    use crate::oha::LoadResult;

    fn load(rps: f64, p50: f64, p99: f64) -> Outcome {
        let mut r = LoadResult {
            requests_per_sec: rps,
            p50_ms: p50,
            p99_ms: p99,
            ..LoadResult::default()
        };
        r.status.insert(200, 10);
        Outcome::Measured(r)
    }

    fn m(path: &str, kind: Kind, c: u32, outcome: Outcome) -> Measurement {
        Measurement {
            path: path.into(),
            role: (kind != Kind::Ceiling).then_some(Role::Secretariat),
            kind,
            concurrency: c,
            outcome,
        }
    }

    fn suite(rps: f64) -> SuiteResult {
        SuiteResult {
            label: "this".into(),
            start_to_ready_ms: Some(300.0),
            rss_peak_kib: Some(100 * 1024),
            audit_verify: Some(Timed {
                seconds: 6.0,
                detail: "1,000,003 events".into(),
            }),
            obligations: Some(Timed {
                seconds: 0.05,
                detail: "728 obligations".into(),
            }),
            measurements: vec![
                m("/assets", Kind::ListPage, 16, load(rps, 10.0, 80.0)),
                m(
                    "/api/v1/assets?limit=100",
                    Kind::ApiList100,
                    16,
                    load(rps * 2.0, 5.0, 20.0),
                ),
            ],
            ceiling: vec![m(
                "/assets?limit=100",
                Kind::Ceiling,
                16,
                load(1000.0, 1.0, 2.0),
            )],
            ..SuiteResult::default()
        }
    }

    #[test]
    fn ratios_need_both_sides_and_a_nonzero_baseline() {
        assert_eq!(ratio(Some(3.0), Some(2.0)), Some(1.5));
        assert_eq!(ratio(Some(3.0), Some(0.0)), None);
        assert_eq!(ratio(None, Some(2.0)), None);
        assert_eq!(fmt_ratio(Some(1.5)), "1.50×");
        assert_eq!(fmt_ratio(None), "—");
    }

    #[test]
    fn tables_escape_pipes() {
        let t = table(&["a", "b"], &[vec!["x|y".into(), "1".into()]]);
        assert_eq!(t, "| a | b |\n| --- | --- |\n| x\\|y | 1 |\n");
    }

    #[test]
    fn report_shows_share_of_ceiling_and_budget_misses() {
        let mut r = Report {
            engine: "SQLite".into(),
            scale: "large".into(),
            duration_s: 5.0,
            this: suite(400.0),
            ..Report::default()
        };
        r.judge();
        let md = r.markdown();
        assert!(md.contains("| `/assets` | 事務局 | 16 | 400 | 10.0 | 80.0 | 0 | 40% | **missed**: 80.0 ms p99 is 1.60× the 50.0 ms p99 |"), "{md}");
        assert!(
            md.contains(
                "| `/api/v1/assets?limit=100` | 事務局 | 16 | 800 | 5.00 | 20.0 | 0 | 80% | met |"
            ),
            "{md}"
        );
        assert!(md.contains("## Budgets missed: 2"), "{md}");
        assert!(md.contains("`mamori audit verify` (1,000,003 events) | 6.00 s | ≤ 5 s over 1,000,000 events | **missed**"), "{md}");
    }

    #[test]
    fn baseline_rows_read_side_by_side_and_missing_ones_as_dashes() {
        let mut base = suite(200.0);
        base.label = "baseline".into();
        base.measurements.remove(1);
        let mut r = Report {
            engine: "SQLite".into(),
            this: suite(400.0),
            baseline: Some(base),
            baseline_revision: Some("HEAD~3".into()),
            ..Report::default()
        };
        r.judge();
        let md = r.markdown();
        assert!(
            md.contains("| `/assets` | 事務局 | 16 | 400 | 200 | 2.00× | 10.0 | 10.0 | 1.00× |"),
            "{md}"
        );
        assert!(
            md.contains("| `/api/v1/assets?limit=100` | 事務局 | 16 | 800 | — | — |"),
            "{md}"
        );
        assert!(
            md.contains("| start → ready | 0.30 s | 0.30 s | 1.00× |"),
            "{md}"
        );
    }

    #[test]
    fn an_unavailable_endpoint_shows_why() {
        let mut s = suite(100.0);
        s.measurements.push(m(
            "/nope",
            Kind::ListPage,
            16,
            Outcome::Unavailable("status 404".into()),
        ));
        let mut r = Report {
            this: s,
            ..Report::default()
        };
        r.judge();
        assert!(
            r.markdown().contains(
                "| `/nope` | 事務局 | 16 | — | — | — | status 404 | — | ? not measured |"
            )
        );
    }

    #[test]
    fn the_report_round_trips_as_json() {
        let mut r = Report {
            this: suite(100.0),
            ..Report::default()
        };
        r.judge();
        let json = serde_json::to_string(&r).unwrap();
        let back: Report = serde_json::from_str(&json).unwrap();
        assert_eq!(back, r);
    }
}
