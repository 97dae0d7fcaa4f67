//! Driving oha (the load generator) and reading its JSON report
//! (`--output-format json`, oha 1.x): requests per second, latency
//! percentiles, status codes and transport errors.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What one oha run measured.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LoadResult {
    pub requests: u64,
    pub requests_per_sec: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// Responses by status code.
    pub status: BTreeMap<u16, u64>,
    /// Requests that got no response (connection errors, timeouts), by message.
    pub transport_errors: BTreeMap<String, u64>,
}

impl LoadResult {
    /// Everything that was not a 200: other statuses and transport errors.
    pub fn errors(&self) -> u64 {
        let not_ok: u64 = self
            .status
            .iter()
            .filter(|(code, _)| **code != 200)
            .map(|(_, n)| n)
            .sum();
        not_ok + self.transport_errors.values().sum::<u64>()
    }
}

/// Reads oha's JSON report.
pub fn parse_report(json: &str) -> anyhow::Result<LoadResult> {
    let v: Value = serde_json::from_str(json).context("oha's output is not JSON")?;
    let summary = v.get("summary").context("no `summary` in oha's report")?;
    let requests_per_sec = summary
        .get("requestsPerSec")
        .and_then(Value::as_f64)
        .context("no `summary.requestsPerSec` in oha's report")?;
    // Percentiles in seconds; newer versions also give `metrics.latency_ms`.
    let percentile = |key: &str| -> Option<f64> {
        v.get("metrics")
            .and_then(|m| m.get("latency_ms"))
            .and_then(|l| l.get(key))
            .and_then(Value::as_f64)
            .or_else(|| {
                v.get("latencyPercentiles")
                    .and_then(|p| p.get(key))
                    .and_then(Value::as_f64)
                    .map(|s| s * 1000.0)
            })
    };
    let status: BTreeMap<u16, u64> = counts(v.get("statusCodeDistribution"))
        .into_iter()
        .filter_map(|(k, n)| k.parse::<u16>().ok().map(|k| (k, n)))
        .collect();
    let transport_errors = counts(v.get("errorDistribution"));
    let requests = status.values().sum::<u64>() + transport_errors.values().sum::<u64>();
    Ok(LoadResult {
        requests,
        requests_per_sec,
        p50_ms: nan_to_zero(percentile("p50")),
        p99_ms: nan_to_zero(percentile("p99")),
        max_ms: nan_to_zero(
            summary
                .get("slowest")
                .and_then(Value::as_f64)
                .map(|s| s * 1000.0),
        ),
        status,
        transport_errors,
    })
}

/// oha writes NaN as `null` when nothing answered.
fn nan_to_zero(v: Option<f64>) -> f64 {
    v.filter(|x| x.is_finite()).unwrap_or(0.0)
}

fn counts(v: Option<&Value>) -> BTreeMap<String, u64> {
    v.and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, n)| n.as_u64().map(|n| (k.clone(), n)))
                .collect()
        })
        .unwrap_or_default()
}

/// One load run: `concurrency` connections for `duration` against `url`.
pub async fn run(
    oha: &Path,
    url: &str,
    headers: &[String],
    concurrency: u32,
    duration: Duration,
) -> anyhow::Result<LoadResult> {
    let mut cmd = tokio::process::Command::new(oha);
    cmd.arg("--no-tui")
        .args(["--output-format", "json"])
        // Requests in flight at the deadline are waited for, not counted as errors.
        .arg("-w")
        .args(["-z", &format!("{}ms", duration.as_millis())])
        .args(["-c", &concurrency.to_string()])
        .args(["-t", "30s"]);
    for h in headers {
        cmd.args(["-H", h]);
    }
    cmd.arg(url);
    let out = cmd
        .kill_on_drop(true)
        .output()
        .await
        .with_context(|| format!("running {}", oha.display()))?;
    if !out.status.success() {
        bail!(
            "oha failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    parse_report(&String::from_utf8_lossy(&out.stdout))
}

/// oha's version line, for the report.
pub async fn version(oha: &Path) -> anyhow::Result<String> {
    let out = tokio::process::Command::new(oha)
        .arg("--version")
        .output()
        .await
        .with_context(|| format!("running {} --version", oha.display()))?;
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = r#"{
      "summary": {"successRate": 1.0, "total": 5.001, "slowest": 0.0412, "fastest": 0.0011,
                  "average": 0.0043, "requestsPerSec": 3702.5, "totalData": 123456,
                  "sizePerRequest": 6655, "sizePerSec": 24000.1},
      "responseTimeHistogram": {"0.001": 10},
      "latencyPercentiles": {"p10": 0.002, "p50": 0.0039, "p99": 0.0187, "p99.9": 0.03},
      "rps": {"mean": 3700.0, "stddev": 10.0, "max": 3800.0, "min": 3600.0, "percentiles": {}},
      "details": {},
      "statusCodeDistribution": {"200": 18500, "303": 10},
      "errorDistribution": {"connection closed before message completed": 2}
    }"#;

    #[test]
    fn report_gives_rate_percentiles_and_errors() {
        let r = parse_report(REPORT).unwrap();
        assert_eq!(r.requests_per_sec, 3702.5);
        assert!((r.p50_ms - 3.9).abs() < 1e-9);
        assert!((r.p99_ms - 18.7).abs() < 1e-9);
        assert!((r.max_ms - 41.2).abs() < 1e-9);
        assert_eq!(r.requests, 18_512);
        assert_eq!(
            r.errors(),
            12,
            "a redirect and a dropped connection both count"
        );
    }

    #[test]
    fn newer_reports_give_milliseconds_directly() {
        let json = r#"{"summary": {"requestsPerSec": 10.0, "slowest": 0.5},
            "metrics": {"latency_ms": {"p50": 12.5, "p99": 40.0}},
            "latencyPercentiles": {"p50": 99.0, "p99": 99.0},
            "statusCodeDistribution": {"200": 50}, "errorDistribution": {}}"#;
        let r = parse_report(json).unwrap();
        assert_eq!((r.p50_ms, r.p99_ms), (12.5, 40.0));
        assert_eq!(r.errors(), 0);
    }

    #[test]
    fn no_answer_at_all_reads_as_zero_latency_and_all_errors() {
        let json = r#"{"summary": {"requestsPerSec": 0.0, "slowest": null},
            "latencyPercentiles": {"p50": null, "p99": null},
            "statusCodeDistribution": {}, "errorDistribution": {"connection refused": 7}}"#;
        let r = parse_report(json).unwrap();
        assert_eq!((r.p50_ms, r.p99_ms, r.max_ms), (0.0, 0.0, 0.0));
        assert_eq!(r.errors(), 7);
    }

    #[test]
    fn something_else_is_refused() {
        assert!(parse_report("Summary:\n  Success rate: 100%").is_err());
        assert!(parse_report("{}").is_err());
    }
}
