//! The runner of mamori's load benchmark: builds what it measures, prepares
//! the large organisation, runs the suite (and a baseline's), and writes the
//! report to `bench/results/<UTC time>.md` and `.json`. See bench/README.md.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::todo,
        clippy::unimplemented
    )
)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Parser;
use mamori_bench::data::{self, Engine};
use mamori_bench::report::Report;
use mamori_bench::suite::{self, SuiteConfig};
use mamori_bench::{baseline, machine, oha};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

#[derive(Parser)]
#[command(
    name = "mamori-bench",
    about = "Load benchmark of `mamori serve` on the large organisation (issue 8)"
)]
struct Cli {
    /// Measure on PostgreSQL (`postgres://…`) instead of a SQLite file; the
    /// baseline gets the database `<name>_baseline` beside it.
    #[arg(long)]
    database_url: Option<String>,
    /// Also build and measure this revision, and report both side by side.
    #[arg(long)]
    baseline: Option<String>,
    /// Load per endpoint and concurrency: `10s`, `500ms`, `1m`.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    duration: Duration,
    /// Where the report goes (relative to the workspace).
    #[arg(long, default_value = "bench/results")]
    out: PathBuf,
    /// The size of the organisation (`mamori demo --scale`): `large` or a factor.
    #[arg(long, default_value = "large")]
    scale: String,
    /// Use target/release/mamori and mamori-ceiling as they are, without `cargo build`.
    #[arg(long)]
    no_build: bool,
    /// Only the endpoints whose path contains this text (or one of several, comma-separated).
    #[arg(long)]
    only: Option<String>,
    /// The load generator (default: oha on PATH, or ~/.cargo/bin/oha).
    #[arg(long)]
    oha: Option<PathBuf>,
}

/// `10s`, `500ms`, `2m`, or plain seconds.
fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (number, unit) = match s.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, "s"),
    };
    let n: f64 = number
        .parse()
        .map_err(|_| format!("{s:?}: use e.g. 10s, 500ms or 1m"))?;
    let seconds = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        _ => return Err(format!("{s:?}: the unit is ms, s or m")),
    };
    if !(seconds > 0.0 && seconds <= 3600.0) {
        return Err(format!("{s:?}: between 1 ms and 1 hour"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

fn workspace_root() -> PathBuf {
    let from_git = std::process::Command::new("git")
        .args(["rev-parse", "--show-toplevel"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    from_git.unwrap_or_else(|| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
    })
}

fn find_oha(given: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    if let Some(p) = given {
        return Ok(p);
    }
    let on_path = std::env::var_os("PATH")
        .map(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join("oha"))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let home = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo/bin/oha"));
    on_path
        .into_iter()
        .chain(home)
        .find(|p| p.is_file())
        .context("oha not found: `cargo install oha --locked`, or give --oha PATH")
}

fn build(root: &Path) -> anyhow::Result<()> {
    eprintln!("· cargo build --release -p mamori -p mamori-bench");
    let status =
        std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args([
                "build",
                "--release",
                "-p",
                "mamori",
                "-p",
                "mamori-bench",
                "--bin",
                "mamori",
                "--bin",
                "mamori-ceiling",
            ])
            .current_dir(root)
            .status()
            .context("running cargo build")?;
    if !status.success() {
        bail!("cargo build failed ({status}); fix the build or run with --no-build");
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let root = workspace_root();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|t| if t.is_relative() { root.join(t) } else { t })
        .unwrap_or_else(|| root.join("target"));
    if !cli.no_build {
        build(&root)?;
    }
    // Copies, so that a build running beside us cannot swap a binary mid-run.
    let bin_dir = target.join("bench-run/bin");
    std::fs::create_dir_all(&bin_dir).with_context(|| format!("creating {}", bin_dir.display()))?;
    let snapshot = |name: &str| -> anyhow::Result<PathBuf> {
        let built = target.join("release").join(name);
        anyhow::ensure!(
            built.is_file(),
            "{} is missing: cargo build --release -p mamori -p mamori-bench",
            built.display()
        );
        let copy = bin_dir.join(name);
        let _ = std::fs::remove_file(&copy);
        std::fs::copy(&built, &copy).with_context(|| format!("copying {}", built.display()))?;
        Ok(copy)
    };
    let mamori = snapshot("mamori")?;
    let ceiling = snapshot("mamori-ceiling")?;
    let oha_path = find_oha(cli.oha.clone())?;
    let engine = match &cli.database_url {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            Engine::Postgres(url.clone())
        }
        Some(url) => bail!(
            "--database-url takes postgres://…, not {}",
            data::redact(url)
        ),
        None => Engine::Sqlite,
    };
    let started = OffsetDateTime::now_utc();
    let load_average_start = machine::load_average();
    let revision = machine::revision(&root);

    // The baseline is built first, so both suites run close together.
    let built_baseline = match &cli.baseline {
        Some(rev) => Some(baseline::build(&root, &target, rev)?),
        None => None,
    };

    let suite_for =
        |label: &str, revision: String, mamori: PathBuf, source: PathBuf, engine: Engine| {
            SuiteConfig {
                label: label.to_string(),
                revision,
                mamori,
                ceiling: ceiling.clone(),
                oha: oha_path.clone(),
                source,
                engine,
                scale: cli.scale.clone(),
                cache: target.join("bench-data"),
                run_dir: suite::run_dir(&target, label),
                duration: cli.duration,
                only: cli.only.clone(),
            }
        };
    let this = suite::run(&suite_for(
        "this",
        revision.short(),
        mamori.clone(),
        root.clone(),
        engine.clone(),
    ))
    .await?;
    let base = match (&built_baseline, &cli.baseline) {
        (Some(b), Some(rev)) => {
            let engine = match &engine {
                Engine::Sqlite => Engine::Sqlite,
                Engine::Postgres(url) => Engine::Postgres(data::pg_sibling(url, "baseline").await?),
            };
            let cfg = suite_for(
                "baseline",
                format!("{rev} ({})", b.commit.chars().take(10).collect::<String>()),
                b.mamori.clone(),
                b.source_snapshot.clone(),
                engine,
            );
            let measured = suite::run(&cfg).await;
            baseline::clean(b);
            match measured {
                Ok(r) => Some(r),
                Err(e) => Some(mamori_bench::model::SuiteResult {
                    label: "baseline".into(),
                    revision: cfg.revision.clone(),
                    problems: vec![format!("the baseline could not be measured: {e:#}")],
                    ..Default::default()
                }),
            }
        }
        _ => None,
    };

    let mut report = Report {
        started_at: started.format(&Rfc3339)?,
        machine: machine::machine(),
        revision,
        baseline_revision: cli.baseline.clone(),
        engine: engine.name().to_string(),
        scale: cli.scale.clone(),
        duration_s: cli.duration.as_secs_f64(),
        oha: oha::version(&oha_path)
            .await
            .unwrap_or_else(|_| "oha".into()),
        load_average_start,
        load_average_end: machine::load_average(),
        this,
        baseline: base,
        ..Report::default()
    };
    report.judge();
    let markdown = report.markdown();
    let out = if cli.out.is_relative() {
        root.join(&cli.out)
    } else {
        cli.out.clone()
    };
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let stamp = format!(
        "{:04}-{:02}-{:02}T{:02}{:02}{:02}Z-{}",
        started.year(),
        u8::from(started.month()),
        started.day(),
        started.hour(),
        started.minute(),
        started.second(),
        engine.name().to_lowercase()
    );
    let md_path = out.join(format!("{stamp}.md"));
    let json_path = out.join(format!("{stamp}.json"));
    std::fs::write(&md_path, &markdown)
        .with_context(|| format!("writing {}", md_path.display()))?;
    std::fs::write(&json_path, serde_json::to_string_pretty(&report)?)
        .with_context(|| format!("writing {}", json_path.display()))?;
    println!("{markdown}");
    eprintln!("report: {} and {}", md_path.display(), json_path.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_with_their_units() {
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("1m"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_duration("5"), Ok(Duration::from_secs(5)));
        assert!(parse_duration("5h").is_err());
        assert!(parse_duration("0s").is_err());
    }
}
