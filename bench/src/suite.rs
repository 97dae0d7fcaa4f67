//! One suite against one build of mamori: its data, the command-line
//! timings, `mamori serve` under oha as each role, then the ceiling server
//! on the same database.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::Value;

use crate::data::{self, Engine};
use crate::http::{self, Body, urlencode};
use crate::model::{
    CEILING_PATH, CONCURRENCIES, Endpoint, Kind, Measurement, Outcome, Role, SuiteResult, Timed,
};
use crate::process::{self, Server};
use crate::{machine, oha};

/// The demo accounts' password (`mamori_app::demo::DEMO_PASSWORD`).
const DEMO_PASSWORD: &str = "Mamori#Demo2026";
/// Requests per endpoint before it is measured.
const WARM_UP: usize = 10;

/// What a suite runs with.
pub struct SuiteConfig {
    pub label: String,
    pub revision: String,
    pub mamori: PathBuf,
    pub ceiling: PathBuf,
    pub oha: PathBuf,
    /// The source tree of the build (for the data's cache key).
    pub source: PathBuf,
    pub engine: Engine,
    pub scale: String,
    pub cache: PathBuf,
    pub run_dir: PathBuf,
    pub duration: Duration,
    /// Only the endpoints whose path contains this.
    pub only: Option<String>,
}

/// How a role reaches the server.
#[derive(Clone, Default)]
struct Credentials {
    cookie: Option<String>,
    token: Option<String>,
}

impl Credentials {
    fn header(&self, api: bool) -> Option<String> {
        if api {
            self.token
                .as_ref()
                .map(|t| format!("Authorization: Bearer {t}"))
        } else {
            self.cookie
                .as_ref()
                .map(|c| format!("Cookie: mamori_session={c}"))
        }
    }
}

pub async fn run(cfg: &SuiteConfig) -> anyhow::Result<SuiteResult> {
    let mut result = SuiteResult {
        label: cfg.label.clone(),
        revision: cfg.revision.clone(),
        ..SuiteResult::default()
    };
    let prepared = data::prepare(
        &cfg.mamori,
        &cfg.source,
        &cfg.engine,
        &cfg.scale,
        &cfg.cache,
        &cfg.run_dir,
    )
    .await
    .context("preparing the large organisation")?;
    result.database = prepared.describe.clone();
    result.db_size_bytes = prepared.size_bytes;
    let url = prepared.url.clone();

    eprintln!("· [{}] mamori audit verify", cfg.label);
    match audit_verify(cfg, &url).await {
        Ok(t) => result.audit_verify = Some(t),
        Err(e) => result.problems.push(format!("audit verify: {e:#}")),
    }
    eprintln!("· [{}] mamori check (every obligation)", cfg.label);
    match obligations(cfg, &url).await {
        Ok(t) => result.obligations = Some(t),
        Err(e) => result.problems.push(format!("mamori check: {e:#}")),
    }

    let mut tokens = HashMap::new();
    for role in Role::ALL {
        match create_token(cfg, &url, role).await {
            Ok(t) => {
                tokens.insert(role, t);
            }
            Err(e) => result
                .problems
                .push(format!("API token for {}: {e:#}", role.email())),
        }
    }

    // The ceiling before and after mamori's endpoints: shares divide by the
    // mean of the two (`SuiteResult::ceiling_rps`).
    if let Err(e) = ceiling(cfg, &url, &mut result).await {
        result.problems.push(format!("ceiling (before): {e:#}"));
    }
    serve_and_measure(cfg, &url, tokens, &mut result).await?;
    if let Err(e) = ceiling(cfg, &url, &mut result).await {
        result.problems.push(format!("ceiling (after): {e:#}"));
    }
    Ok(result)
}

async fn audit_verify(cfg: &SuiteConfig, url: &str) -> anyhow::Result<Timed> {
    let mut cmd = process::command(&cfg.mamori, &cfg.run_dir);
    cmd.args(["--database-url", url, "audit", "verify"]);
    let started = Instant::now();
    let (out, code) = process::output(cmd, "mamori audit verify").await?;
    let seconds = started.elapsed().as_secs_f64();
    if code != 0 {
        bail!("exit {code}: {}", out.trim());
    }
    Ok(Timed {
        seconds,
        detail: verified_events(&out)
            .map(|n| format!("{} events", crate::budget::fmt_num(n as f64)))
            .unwrap_or_default(),
    })
}

/// `audit chain intact: 1000003 events verified in 7.02s; …` → 1000003.
pub fn verified_events(out: &str) -> Option<u64> {
    let before = out.split(" events verified").next()?;
    before.split_whitespace().last()?.parse().ok()
}

async fn obligations(cfg: &SuiteConfig, url: &str) -> anyhow::Result<Timed> {
    let mut cmd = process::command(&cfg.mamori, &cfg.run_dir);
    cmd.args(["--database-url", url, "check", "--json"]);
    let started = Instant::now();
    let (out, code) = process::output(cmd, "mamori check").await?;
    let seconds = started.elapsed().as_secs_f64();
    // 2: some obligations are overdue, which is the demo's state, not a failure.
    if code != 0 && code != 2 {
        bail!("exit {code}");
    }
    let n = serde_json::from_str::<Value>(&out)
        .ok()
        .and_then(|v| v.get("obligations").and_then(Value::as_array).map(Vec::len));
    Ok(Timed {
        seconds,
        detail: n.map(|n| format!("{n} obligations")).unwrap_or_default(),
    })
}

async fn create_token(cfg: &SuiteConfig, url: &str, role: Role) -> anyhow::Result<String> {
    let mut cmd = process::command(&cfg.mamori, &cfg.run_dir);
    cmd.args(["--database-url", url, "token", "create", "--email"])
        .arg(role.email())
        .args(["--name", "mamori-bench"]);
    let (out, code) = process::output(cmd, "mamori token create").await?;
    let token = out.lines().last().unwrap_or_default().trim().to_string();
    if code != 0 || token.is_empty() {
        bail!("exit {code}: {}", out.trim());
    }
    Ok(token)
}

/// Signs in through the login form: the CSRF cookie's value is the form's token.
async fn sign_in(addr: SocketAddr, role: Role) -> anyhow::Result<String> {
    let page = http::request(addr, "GET", "/login", &[], None).await?;
    let csrf = page
        .set_cookie("mamori_csrf")
        .with_context(|| format!("GET /login gave no CSRF cookie (status {})", page.status))?;
    let form = format!(
        "_csrf={}&email={}&password={}&next=%2F",
        urlencode(&csrf),
        urlencode(role.email()),
        urlencode(DEMO_PASSWORD)
    );
    let cookie = format!("mamori_csrf={csrf}");
    let r = http::request(
        addr,
        "POST",
        "/login",
        &[("Cookie", &cookie)],
        Some(Body {
            content_type: "application/x-www-form-urlencoded",
            bytes: form.as_bytes(),
        }),
    )
    .await?;
    let session = r.set_cookie("mamori_session").with_context(|| {
        format!(
            "signing in as {} gave status {} and no session",
            role.email(),
            r.status
        )
    })?;
    if r.header("location") != Some("/") {
        bail!(
            "signing in as {} led to {:?}, not the home page (password change or second factor?)",
            role.email(),
            r.header("location")
        );
    }
    Ok(session)
}

/// The id of the first record of an API list (`items[0].id`, or the id of
/// the record nested in it, as in `{"asset": {…}, "owner": …}`).
pub fn first_id(list: &Value) -> Option<String> {
    let first = list.get("items").unwrap_or(list).as_array()?.first()?;
    if let Some(id) = first.get("id").and_then(Value::as_str) {
        return Some(id.to_string());
    }
    first
        .as_object()?
        .values()
        .find_map(|v| v.get("id").and_then(Value::as_str))
        .map(str::to_string)
}

/// Fills `{asset}`, `{risk}` and `{person}` with the first record the role sees.
async fn resolve_path(
    addr: SocketAddr,
    path: &str,
    auth: &str,
    ids: &mut HashMap<(String, String), String>,
) -> anyhow::Result<String> {
    let mut path = path.to_string();
    for (placeholder, list) in [
        ("{asset}", "/api/v1/assets?limit=1"),
        ("{risk}", "/api/v1/risks?limit=1"),
        ("{person}", "/api/v1/people?limit=1"),
    ] {
        if !path.contains(placeholder) {
            continue;
        }
        let key = (auth.to_string(), placeholder.to_string());
        let id = match ids.get(&key) {
            Some(id) => id.clone(),
            None => {
                let (name, value) = auth.split_once(": ").unwrap_or(("", ""));
                let r = http::request(addr, "GET", list, &[(name, value)], None).await?;
                if r.status != 200 {
                    bail!("{list} answered {}", r.status);
                }
                let id = first_id(&r.json()?).with_context(|| format!("{list} is empty"))?;
                ids.insert(key, id.clone());
                id
            }
        };
        path = path.replace(placeholder, &id);
    }
    Ok(path)
}

/// Samples the server's VmRSS while the load runs.
struct RssSampler {
    max: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl RssSampler {
    fn start(pid: u32) -> RssSampler {
        let max = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (m, s) = (max.clone(), stop.clone());
        let task = tokio::spawn(async move {
            while !s.load(Ordering::Relaxed) {
                if let Some((rss, _)) = machine::rss(pid) {
                    m.fetch_max(rss, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
        RssSampler { max, stop, task }
    }

    async fn finish(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.task.await;
        self.max.load(Ordering::Relaxed)
    }
}

async fn serve_and_measure(
    cfg: &SuiteConfig,
    url: &str,
    tokens: HashMap<Role, String>,
    result: &mut SuiteResult,
) -> anyhow::Result<()> {
    let addr = process::free_addr()?;
    let mut cmd = process::command(&cfg.mamori, &cfg.run_dir);
    // The scheduler and mail worker stay off so the load is the only work.
    cmd.arg("serve")
        .env("MAMORI_DATABASE_URL", url)
        .env("MAMORI_LISTEN", addr.to_string())
        .env("MAMORI_JOBS", "false");
    eprintln!("· [{}] mamori serve on {addr}", cfg.label);
    let (mut server, ready) = Server::start(
        cmd,
        addr,
        cfg.run_dir.join("serve.log"),
        "/readyz",
        Duration::from_secs(120),
    )
    .await?;
    result.start_to_ready_ms = Some(ready.as_secs_f64() * 1000.0);
    let outcome = measure_endpoints(cfg, &server, tokens, result).await;
    let hwm = machine::rss(server.pid).map(|(_, hwm)| hwm);
    result.rss_peak_kib = hwm.filter(|h| *h > 0);
    if let Err(e) = &outcome {
        result
            .problems
            .push(format!("{e:#}\nserver log:\n{}", server.log_tail(20)));
    }
    server.stop().await;
    Ok(())
}

async fn measure_endpoints(
    cfg: &SuiteConfig,
    server: &Server,
    tokens: HashMap<Role, String>,
    result: &mut SuiteResult,
) -> anyhow::Result<()> {
    let addr = server.addr;
    let mut creds: HashMap<Role, Credentials> = HashMap::new();
    for role in Role::ALL {
        let mut c = Credentials {
            token: tokens.get(&role).cloned(),
            ..Credentials::default()
        };
        match sign_in(addr, role).await {
            Ok(s) => c.cookie = Some(s),
            Err(e) => result.problems.push(format!("sign-in: {e:#}")),
        }
        creds.insert(role, c);
    }
    let endpoints: Vec<Endpoint> = crate::model::endpoints()
        .into_iter()
        .filter(|e| {
            cfg.only
                .as_ref()
                .is_none_or(|o| o.split(',').any(|t| e.path.contains(t)))
        })
        .collect();

    // Check and warm every endpoint first, then measure: the warm-up of one
    // endpoint does not fall into another's measurement.
    let mut ids = HashMap::new();
    let mut ready: Vec<(Endpoint, Result<Target, String>)> = Vec::new();
    for e in endpoints {
        let checked = check_and_warm(addr, &e, &creds, &mut ids).await;
        if let Err(why) = &checked {
            result
                .problems
                .push(format!("`{}` as {}: {why}", e.path, e.role.label()));
        }
        ready.push((e, checked));
    }
    result.rss_idle_kib = machine::rss(server.pid).map(|(rss, _)| rss);

    let sampler = RssSampler::start(server.pid);
    for (e, checked) in &ready {
        for c in CONCURRENCIES {
            let outcome = match checked {
                Err(why) => Outcome::Unavailable(why.clone()),
                Ok(t) => {
                    let target = format!("http://{addr}{}", t.path);
                    match oha::run(
                        &cfg.oha,
                        &target,
                        std::slice::from_ref(&t.header),
                        c,
                        cfg.duration,
                    )
                    .await
                    {
                        Ok(r) => {
                            if r.errors() > 0 {
                                result.problems.push(format!(
                                    "`{}` as {} at c={c}: {} errors ({:?} {:?})",
                                    e.path,
                                    e.role.label(),
                                    r.errors(),
                                    r.status,
                                    r.transport_errors
                                ));
                            }
                            Outcome::Measured(r)
                        }
                        Err(err) => Outcome::Unavailable(format!("oha: {err:#}")),
                    }
                }
            };
            if let Outcome::Measured(r) = &outcome {
                eprintln!(
                    "  {:<58} {:<4} c={c:<2} {:>8.0} req/s  p50 {:>7.2} ms  p99 {:>7.2} ms  errors {}",
                    e.path,
                    e.role.label(),
                    r.requests_per_sec,
                    r.p50_ms,
                    r.p99_ms,
                    r.errors()
                );
            }
            result.measurements.push(Measurement {
                path: e.path.clone(),
                role: Some(e.role),
                kind: e.kind,
                concurrency: c,
                outcome,
            });
        }
    }
    let load = sampler.finish().await;
    result.rss_load_kib = Some(load).filter(|l| *l > 0);
    Ok(())
}

/// What oha is pointed at: the resolved path and the credential header.
struct Target {
    path: String,
    header: String,
}

/// Resolves the path, checks it answers 200 and sends the warm-up requests;
/// gives what oha sends, or why the endpoint is left out.
async fn check_and_warm(
    addr: SocketAddr,
    e: &Endpoint,
    creds: &HashMap<Role, Credentials>,
    ids: &mut HashMap<(String, String), String>,
) -> Result<Target, String> {
    let api = e.kind.is_api();
    let header = creds
        .get(&e.role)
        .and_then(|c| c.header(api))
        .ok_or_else(|| format!("no {} for this role", if api { "token" } else { "session" }))?;
    let path = resolve_path(addr, &e.path, &header, ids)
        .await
        .map_err(|err| format!("{err:#}"))?;
    let (name, value) = header.split_once(": ").unwrap_or(("", ""));
    for i in 0..WARM_UP {
        let r = http::request(addr, "GET", &path, &[(name, value)], None)
            .await
            .map_err(|err| format!("{err:#}"))?;
        if r.status != 200 {
            let to = r
                .header("location")
                .map(|l| format!(" → {l}"))
                .unwrap_or_default();
            return Err(format!("status {}{to}", r.status));
        }
        if i == 0 && api && r.json().is_err() {
            return Err("200 but not JSON".into());
        }
    }
    Ok(Target { path, header })
}

async fn ceiling(cfg: &SuiteConfig, url: &str, result: &mut SuiteResult) -> anyhow::Result<()> {
    let addr = process::free_addr()?;
    let mut cmd = process::command(&cfg.ceiling, &cfg.run_dir);
    cmd.args(["--database-url", url, "--listen", &addr.to_string()]);
    eprintln!("· [{}] ceiling server on {addr}", cfg.label);
    let (mut server, _) = Server::start(
        cmd,
        addr,
        cfg.run_dir.join("ceiling.log"),
        "/healthz",
        Duration::from_secs(60),
    )
    .await?;
    let measured = async {
        let first = http::request(addr, "GET", CEILING_PATH, &[], None).await?;
        let rows = first
            .json()?
            .as_array()
            .map(Vec::len)
            .context("the ceiling did not answer a JSON array")?;
        if first.status != 200 || rows != 100 {
            bail!("the ceiling answered {} with {rows} rows", first.status);
        }
        for _ in 0..WARM_UP {
            http::request(addr, "GET", CEILING_PATH, &[], None).await?;
        }
        let target = format!("http://{addr}{CEILING_PATH}");
        for c in CONCURRENCIES {
            let r = oha::run(&cfg.oha, &target, &[], c, cfg.duration).await?;
            eprintln!(
                "  {:<58} {:<4} c={c:<2} {:>8.0} req/s  p50 {:>7.2} ms  p99 {:>7.2} ms  errors {}",
                format!("ceiling {CEILING_PATH}"),
                "",
                r.requests_per_sec,
                r.p50_ms,
                r.p99_ms,
                r.errors()
            );
            result.ceiling.push(Measurement {
                path: CEILING_PATH.into(),
                role: None,
                kind: Kind::Ceiling,
                concurrency: c,
                outcome: Outcome::Measured(r),
            });
        }
        anyhow::Ok(())
    }
    .await;
    server.stop().await;
    measured
}

/// Where a suite's files go.
pub fn run_dir(target: &Path, label: &str) -> PathBuf {
    target.join("bench-run").join(label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_verified_count_is_read_from_the_cli_line() {
        let out = "audit chain intact: 1000003 events verified in 7.02s; head #1000003 ab12\n";
        assert_eq!(verified_events(out), Some(1_000_003));
        assert_eq!(verified_events("something else"), None);
    }

    #[test]
    fn the_first_id_is_found_flat_or_nested() {
        let flat: Value =
            serde_json::json!({"items": [{"id": "p1", "name": "x"}], "next_cursor": null});
        assert_eq!(first_id(&flat).as_deref(), Some("p1"));
        let nested: Value =
            serde_json::json!({"items": [{"asset": {"id": "a1"}, "owner": "o"}], "total": 1});
        assert_eq!(first_id(&nested).as_deref(), Some("a1"));
        assert_eq!(first_id(&serde_json::json!({"items": []})), None);
    }
}
