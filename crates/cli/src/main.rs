//! `mamori`: the server, the background work and the command line in one
//! binary. Errors here are `anyhow`; below, each layer has its own.

mod config;

/// mimalloc instead of the system allocator: reading a large chain or a
/// register moves many small values between SQLite's worker threads and the
/// runtime, and glibc's allocator spent a third of a chain walk consolidating
/// and unlinking chunks freed on another thread.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use mamori_app::App;
use mamori_app::auth::{NewUserRole, system_actor};
use mamori_app::ports::SystemClock;
use mamori_domain::Role;
use mamori_store::{SqlStore, connect, migrate};

use config::Config;

#[derive(Parser)]
#[command(
    name = "mamori",
    version,
    about = "mamori (守り): ISMS operations platform"
)]
struct Cli {
    /// Configuration file (default: ./mamori.toml if present).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Database: sqlite://PATH or postgres://… (also MAMORI_DATABASE_URL).
    #[arg(long, global = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve a ready demo company on an embedded SQLite file.
    Demo {
        /// Where the demo database lives (DIR/mamori.db, reused when started again).
        #[arg(long, default_value = "mamori-demo")]
        data_dir: PathBuf,
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// Add a large organisation beside the demo company for measuring:
        /// `large` (5,000 people, 50,000 assets, 20,000 risks, 300 documents
        /// with their readers, a year of requests, 10,000 incidents) or a
        /// factor of it (`0.1`). With --database-url it goes to that database instead.
        #[arg(long)]
        scale: Option<String>,
    },
    /// Serve mamori (production): configuration file and MAMORI_* variables.
    Serve {
        #[arg(long)]
        listen: Option<String>,
        /// Do not apply migrations at start.
        #[arg(long)]
        no_migrate: bool,
        /// Do not run the scheduler and mail worker on this node.
        #[arg(long)]
        no_jobs: bool,
    },
    /// Apply database migrations.
    Migrate,
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Personal API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// The organisation.
    Org {
        #[command(subcommand)]
        command: OrgCommand,
    },
    /// List the roles with their identifiers.
    Roles,
    /// Import from other formats.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Evaluate every obligation; a non-zero exit when any is overdue (for pipelines).
    Check {
        /// Print the full report as JSON.
        #[arg(long)]
        json: bool,
        /// Statuses that make the command fail: overdue, not_kept, due_soon, not_assessed (comma-separated).
        #[arg(long, default_value = "overdue")]
        fail_on: String,
    },
    /// The Statement of Applicability.
    Soa {
        #[command(subcommand)]
        command: SoaCommand,
    },
    /// Copy a SQLite database while it is in use (VACUUM INTO).
    Backup {
        /// The file to write.
        target: PathBuf,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Recognise the documents of a policy text (plain text or Markdown, as a
    /// PDF-to-text export looks): documents, numbered sections, items, Annex A
    /// references, and what could not be placed. Prints the tree; writes nothing.
    Policy {
        file: PathBuf,
        /// Show what was recognised without writing anything.
        #[arg(long)]
        dry_run: bool,
        /// Print the tree as JSON.
        #[arg(long)]
        json: bool,
        /// Effective date (施行日) of new documents, YYYY-MM-DD; default today.
        #[arg(long)]
        effective_on: Option<String>,
    },
}

#[derive(Subcommand)]
enum SoaCommand {
    /// Export for one edition of Annex A.
    Export {
        #[arg(long, value_parser = ["2013", "2022"])]
        edition: String,
        #[arg(long, value_parser = ["csv", "xlsx"], default_value = "csv")]
        format: String,
        /// Write here instead of standard output (required for xlsx).
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// The 2013→2022 correspondence.
    Mapping {
        #[arg(long, value_parser = ["csv"], default_value = "csv")]
        format: String,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walk the hash chain; exit 1 naming the first broken event.
    Verify,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a person who can sign in; the password is read from standard input.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// A role id (see `mamori roles`); departmental roles as ROLE:DEPTCODE.
        #[arg(long = "role")]
        roles: Vec<String>,
        /// Read the initial password from standard input (changed at first sign-in).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a personal API token for a person; prints it once.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// Days until it expires (default: never).
        #[arg(long)]
        valid_days: Option<u32>,
    },
}

#[derive(Subcommand)]
enum OrgCommand {
    /// Import departments and people from HR's CSV (UTF-8 or Shift_JIS).
    Import {
        file: PathBuf,
        /// Show what would change; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

fn init_logging(json: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("MAMORI_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn open(url: &str, run_migrations: bool) -> anyhow::Result<App> {
    let db = connect(url)
        .await
        .with_context(|| format!("opening {}", mamori_store::redact_url(url)))?;
    if run_migrations {
        migrate(&db).await.context("applying migrations")?;
    }
    Ok(App::new(Arc::new(SqlStore::new(db)), Arc::new(SystemClock)))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let mut cfg = Config::load(cli.config.as_deref())?;
    let explicit_url = cli.database_url.clone();
    if let Some(url) = cli.database_url {
        cfg.database_url = url;
    }
    if !cfg.policy_dir.is_empty() {
        load_policy_dir(&cfg.policy_dir)?;
    }
    match cli.command {
        Command::Demo {
            data_dir,
            listen,
            scale,
        } => {
            let scale = match scale.as_deref() {
                Some(s) => Some(mamori_app::demo::scale::parse_scale(s).ok_or_else(|| {
                    anyhow::anyhow!(
                        "--scale takes `large` or a factor above 0 and up to 10, not {s:?}"
                    )
                })?),
                None => None,
            };
            demo(cfg, data_dir, listen, scale, explicit_url).await
        }
        Command::Serve {
            listen,
            no_migrate,
            no_jobs,
        } => {
            init_logging(cfg.log_format == "json");
            if let Some(l) = listen {
                cfg.listen = l;
            }
            if no_jobs {
                cfg.jobs = false;
            }
            cfg.check()?;
            let app = open(&cfg.database_url, !no_migrate).await?;
            // A new organisation starts from mamori's threat and vulnerability catalogues.
            app.seed_risk_catalogues(mamori_domain::org::Lang::Ja)
                .await
                .map_err(describe)?;
            // RISK-5(2), (3): the yearly reviews stay scheduled with the 事務局.
            app.ensure_risk_duties().await.map_err(describe)?;
            tracing::info!(config = ?cfg, "starting");
            serve(app, &cfg, None).await
        }
        Command::Migrate => {
            open(&cfg.database_url, true).await?;
            println!(
                "migrations applied to {}",
                mamori_store::redact_url(&cfg.database_url)
            );
            Ok(())
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let app = open(&cfg.database_url, false).await?;
            let started = std::time::Instant::now();
            let v = app
                .verify_audit_chain()
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            match v.broken {
                None => {
                    println!(
                        "audit chain intact: {} events verified in {:.2}s; head #{} {}",
                        v.checked,
                        started.elapsed().as_secs_f64(),
                        v.head_seq,
                        v.head_hash
                    );
                    Ok(())
                }
                Some(b) => {
                    eprintln!(
                        "audit chain BROKEN at event #{}: {b}",
                        v.broken_seq.unwrap_or_default()
                    );
                    std::process::exit(1);
                }
            }
        }
        Command::User {
            command:
                UserCommand::Create {
                    email,
                    name,
                    roles,
                    password_stdin,
                },
        } => {
            let app = open(&cfg.database_url, true).await?;
            if !password_stdin {
                bail!("give the password on standard input with --password-stdin");
            }
            let mut password = String::new();
            std::io::stdin().read_to_string(&mut password)?;
            let password = password.trim_end_matches(['\n', '\r']);
            let roles = roles
                .iter()
                .map(|r| parse_role(r))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let p = app
                .create_user(&email, &name, &roles, password)
                .await
                .map_err(describe)?;
            println!(
                "created {} <{}> ({}); the password must be changed at first sign-in",
                p.name, p.email, p.id
            );
            Ok(())
        }
        Command::Token {
            command:
                TokenCommand::Create {
                    email,
                    name,
                    valid_days,
                },
        } => {
            let app = open(&cfg.database_url, true).await?;
            let actor = app
                .cli_actor(&email)
                .await
                .map_err(|_| anyhow::anyhow!("no person with e-mail {email}"))?;
            let (_, secret) = app
                .create_token(&actor, &name, None, valid_days)
                .await
                .map_err(describe)?;
            println!("{secret}");
            Ok(())
        }
        Command::Org {
            command: OrgCommand::Import { file, dry_run },
        } => {
            let app = open(&cfg.database_url, true).await?;
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let rows: mamori_app::org_import::ImportRows =
                mamori_io::org_csv::parse_org_csv(&bytes).into();
            let actor = system_actor(app.today());
            let plan = app.plan_org_import(&actor, &rows).await.map_err(describe)?;
            print_plan(&plan);
            if !plan.is_valid() {
                eprintln!("nothing written: fix the rows above and import again");
                std::process::exit(1);
            }
            if dry_run {
                println!("dry run: nothing written");
                return Ok(());
            }
            app.commit_org_import(&actor, &rows, &format!("CSV import: {}", file.display()))
                .await
                .map_err(describe)?;
            println!("imported");
            Ok(())
        }
        Command::Import {
            command:
                ImportCommand::Policy {
                    file,
                    dry_run,
                    json,
                    effective_on,
                },
        } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let text = mamori_io::encoding::decode_text(&bytes)
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let policy = mamori_io::policy_text::import_policy(&text);
            if json {
                println!("{}", serde_json::to_string_pretty(&policy)?);
            } else {
                fn count(s: &[mamori_io::policy_text::Section]) -> (usize, usize) {
                    s.iter().fold((0, 0), |(n, i), x| {
                        let (cn, ci) = count(&x.sections);
                        (n + 1 + cn, i + x.items.len() + ci)
                    })
                }
                for d in &policy.documents {
                    let (sections, items) = count(&d.sections);
                    println!("{}: {sections} sections, {items} items", d.title);
                }
                println!("{} lines not placed", policy.unplaced.len());
                for u in policy.unplaced.iter().take(20) {
                    println!("  line {}: {} ({})", u.line, u.text, u.reason);
                }
            }
            if dry_run {
                if !json {
                    println!("dry run: nothing written");
                }
                return Ok(());
            }
            let app = open(&cfg.database_url, true).await?;
            let effective = match effective_on.as_deref() {
                Some(d) => mamori_app::org::parse_date("effective_on", Some(d))
                    .ok()
                    .flatten()
                    .ok_or_else(|| anyhow::anyhow!("--effective-on: use YYYY-MM-DD"))?,
                None => app.today(),
            };
            let docs = mamori_io::policy_text::library_documents(&policy);
            let outcome = app
                .import_documents(&system_actor(app.today()), &docs, effective)
                .await
                .map_err(describe)?;
            let report = format!(
                "imported: {} new, {} as drafts, {} skipped (revision in progress)",
                outcome.created.len(),
                outcome.drafted.len(),
                outcome.skipped.len()
            );
            if json {
                eprintln!("{report}");
            } else {
                println!("{report}");
            }
            Ok(())
        }
        Command::Check { json, fail_on } => {
            let app = open(&cfg.database_url, true).await?;
            let report = app.check_report().await.map_err(describe)?;
            let failing: Vec<mamori_domain::compliance::status::ObligationStatus> = fail_on
                .split(',')
                .filter(|s| !s.trim().is_empty())
                .map(|s| {
                    mamori_domain::compliance::status::ObligationStatus::parse(s.trim())
                        .ok_or_else(|| anyhow::anyhow!("unknown status `{s}` in --fail-on"))
                })
                .collect::<anyhow::Result<_>>()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!("{} obligations", report.obligations.len());
                for (status, n) in &report.summary.0 {
                    println!("  {status:<15} {n}");
                }
                for line in report
                    .obligations
                    .iter()
                    .filter(|l| failing.contains(&l.status))
                {
                    println!("  {} {} ({})", line.status.id(), line.id, line.actor);
                }
            }
            let bad = report
                .obligations
                .iter()
                .filter(|l| failing.contains(&l.status))
                .count();
            if bad > 0 {
                eprintln!("{bad} obligations are {fail_on}");
                std::process::exit(2);
            }
            Ok(())
        }
        Command::Soa {
            command:
                SoaCommand::Export {
                    edition,
                    format,
                    output,
                },
        } => {
            let app = open(&cfg.database_url, true).await?;
            let rows = app.soa(&edition).await.map_err(describe)?;
            let bytes = match format.as_str() {
                "xlsx" => {
                    mamori_io::soa::to_xlsx(&rows, &edition).map_err(|e| anyhow::anyhow!(e))?
                }
                _ => mamori_io::soa::to_csv(&rows).into_bytes(),
            };
            match output {
                Some(path) => std::fs::write(&path, bytes)
                    .with_context(|| format!("writing {}", path.display()))?,
                None if format == "xlsx" => bail!("give --output FILE for xlsx"),
                None => {
                    use std::io::Write;
                    std::io::stdout().write_all(&bytes)?;
                }
            }
            Ok(())
        }
        Command::Soa {
            command: SoaCommand::Mapping { .. },
        } => {
            let b = mamori_app::compliance::bundle().map_err(describe)?;
            print!("{}", b.mapping.to_csv());
            Ok(())
        }
        Command::Roles => {
            println!(
                "{:<32} {:<10} {:<10} {:<26} name",
                "id", "scope", "2FA", "名称"
            );
            for r in Role::ALL {
                let scope = if r.is_departmental() {
                    "department"
                } else {
                    "company"
                };
                let mfa = if r.is_privileged() {
                    "required"
                } else {
                    "optional"
                };
                println!(
                    "{:<32} {:<10} {:<10} {:<26} {}",
                    r.id(),
                    scope,
                    mfa,
                    r.name_ja(),
                    r.name_en()
                );
            }
            Ok(())
        }
        Command::Backup { target } => {
            let db = connect(&cfg.database_url).await?;
            anyhow::ensure!(!target.exists(), "{} already exists", target.display());
            db.backup_sqlite(&target.to_string_lossy())
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("backup written to {}", target.display());
            Ok(())
        }
    }
}

/// Reads the company's own policy pack (`<DOC>.toml` per document) and uses it
/// instead of the shipped one; any problem stops the command.
fn load_policy_dir(dir: &str) -> anyhow::Result<()> {
    let mut files = Vec::new();
    for doc in mamori_domain::compliance::pack::DOCUMENTS {
        let path = std::path::Path::new(dir).join(format!("{doc}.toml"));
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        files.push((*doc, text));
    }
    let refs: Vec<(&str, &str)> = files.iter().map(|(d, t)| (*d, t.as_str())).collect();
    match mamori_app::compliance::install_pack(&refs) {
        Ok(_) => Ok(()),
        Err(problems) => bail!(
            "the policy pack in {dir} is invalid:\n  {}",
            problems.join("\n  ")
        ),
    }
}

fn parse_role(s: &str) -> anyhow::Result<NewUserRole> {
    let (role, dept) = match s.split_once(':') {
        Some((r, d)) => (r, Some(d.to_string())),
        None => (s, None),
    };
    let role: Role = role
        .parse()
        .map_err(|e| anyhow::anyhow!("{e}; see `mamori roles`"))?;
    Ok(NewUserRole {
        role,
        department_code: dept,
    })
}

fn describe(e: mamori_app::AppError) -> anyhow::Error {
    match e {
        mamori_app::AppError::Invalid(fields) => {
            anyhow::anyhow!(
                fields
                    .iter()
                    .map(|f| format!("{}: {}", f.field, f.code))
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        }
        other => anyhow::anyhow!("{other}"),
    }
}

fn print_plan(plan: &mamori_app::org_import::ImportPlan) {
    use mamori_app::org_import::RowAction;
    if let Some(f) = &plan.file_issue {
        println!("file: {f}");
    }
    for d in &plan.new_departments {
        println!("new department {} {}", d.code, d.name);
    }
    println!(
        "people: {} new, {} updated, {} unchanged",
        plan.count(RowAction::Create),
        plan.count(RowAction::Update),
        plan.count(RowAction::Unchanged)
    );
    for i in &plan.issues {
        println!(
            "line {}: {} {} ({})",
            i.line,
            i.column.clone().unwrap_or_default(),
            i.code,
            i.value
        );
    }
}

async fn demo(
    mut cfg: Config,
    data_dir: PathBuf,
    listen: String,
    scale: Option<f64>,
    explicit_url: Option<String>,
) -> anyhow::Result<()> {
    init_logging(false);
    std::fs::create_dir_all(&data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
    let db_path = data_dir.join("mamori.db");
    cfg.database_url = match &explicit_url {
        Some(url) => url.clone(),
        None => format!("sqlite://{}", db_path.display()),
    };
    cfg.listen = listen;
    let fresh = explicit_url.is_some() || !db_path.exists();
    let app = open(&cfg.database_url, true).await?;
    let company = mamori_app::demo::demo_company().map_err(describe)?;
    cfg.organisation = company.company.name.clone();
    if fresh {
        // Demo accounts sign in with one password and no second factor, so
        // anyone can look around at once. Production keeps the policy's rule.
        let mut s = app.security_settings().await.map_err(describe)?;
        s.require_mfa_for_privileged = false;
        let system = system_actor(app.today());
        app.update_security_settings(&system, s)
            .await
            .map_err(describe)?;
    }
    let accounts = app.seed_demo().await.map_err(describe)?;
    let policy = mamori_io::policy_text::import_policy(mamori_app::demo::DEMO_POLICY);
    app.seed_demo_documents(&mamori_io::policy_text::library_documents(&policy))
        .await
        .map_err(describe)?;
    app.seed_demo_incidents().await.map_err(describe)?;
    app.seed_demo_risks().await.map_err(describe)?;
    if let Some(factor) = scale {
        let started = std::time::Instant::now();
        let progress = |what: &str, done: u64, total: u64| {
            eprintln!("  large organisation: {what} {done}/{total}");
        };
        let r = app.seed_scale(factor, &progress).await.map_err(describe)?;
        if r.existed {
            eprintln!("  large organisation: already there");
        } else {
            eprintln!(
                "  large organisation ×{factor}: {} departments, {} people, {} roles, {} assets, {} risks",
                r.departments, r.people, r.roles, r.assets, r.risks,
            );
            eprintln!(
                "    {} documents ({} versions, {} readers' records, {} acknowledged), {} requests ({} open, {} on the next committee agenda)",
                r.documents,
                r.versions,
                r.reads,
                r.acknowledged,
                r.requests,
                r.open_requests,
                r.agenda_items,
            );
            eprintln!(
                "    {} committee meetings ({} action items, {} open), {} complaints",
                r.meetings, r.action_items, r.open_action_items, r.complaints,
            );
            eprintln!(
                "    {} duties ({} completions), {} checklist rounds ({} open, {} answers), {} corrective items ({} open)",
                r.duties,
                r.duty_completions,
                r.checklist_runs,
                r.open_checklist_runs,
                r.checklist_answers,
                r.corrective_items,
                r.open_corrective_items,
            );
            eprintln!(
                "    {} incidents ({} open, {} timeline entries), {} audit events — built in {:.1}s",
                r.incidents,
                r.open_incidents,
                r.incident_entries,
                r.audit_events,
                started.elapsed().as_secs_f64()
            );
        }
    }
    app.ensure_risk_duties().await.map_err(describe)?;
    let data = match explicit_url {
        Some(url) => mamori_store::redact_url(&url),
        None => db_path.display().to_string(),
    };
    let banner = move |addr: SocketAddr| {
        println!();
        println!(
            "mamori demo — {} ({})",
            company.company.name, company.company.name_en
        );
        println!("  URL:      http://{addr}/");
        println!(
            "  password: {} (every demo account)",
            mamori_app::demo::DEMO_PASSWORD
        );
        println!("  data:     {data}");
        println!(
            "  two-factor sign-in is not enforced in the demo (Settings → require_mfa_for_privileged)"
        );
        println!("  sign in as:");
        for a in &accounts {
            println!(
                "    {:<36} {} — {} / {}",
                a.email, a.name, a.label_ja, a.label_en
            );
        }
        println!();
    };
    serve(app, &cfg, Some(Box::new(banner))).await
}

type Banner = Box<dyn FnOnce(SocketAddr) + Send>;

async fn serve(app: App, cfg: &Config, banner: Option<Banner>) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(&cfg.listen)
        .await
        .with_context(|| format!("listening on {}", cfg.listen))?;
    let addr = listener.local_addr()?;
    let app = app.with_base_url(&cfg.base_url_or(addr));
    let jobs = if cfg.jobs {
        let smtp_url = cfg.effective_smtp_url();
        let mailer: Option<Arc<dyn mamori_app::ports::Mailer>> = if smtp_url.is_empty() {
            tracing::warn!(
                "no SMTP server configured (MAMORI_SMTP_URL): e-mail stays queued in the outbox"
            );
            None
        } else {
            let smtp = mamori_jobs::mail::SmtpConfig {
                url: smtp_url,
                from: cfg.mail_from.clone(),
            };
            Some(Arc::new(
                mamori_jobs::mail::smtp_mailer(&smtp).context("SMTP configuration")?,
            ))
        };
        mamori_jobs::runner::start(
            app.clone(),
            mailer,
            mamori_jobs::runner::node_name(),
            Default::default(),
        )
    } else {
        Vec::new()
    };
    let state = mamori_web::AppState::new(
        app.clone(),
        mamori_web::WebConfig {
            secure: cfg.secure,
            trust_proxy: cfg.trust_proxy,
            organisation: cfg.organisation.clone(),
        },
    );
    let router = mamori_web::router(state);
    match banner {
        Some(b) => b(addr),
        None => tracing::info!(%addr, "listening"),
    }
    let housekeeping = tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(300));
        loop {
            tick.tick().await;
            if let Err(e) = app.store.delete_expired_sessions(app.now()).await {
                tracing::warn!(error = %e, "session clean-up");
            }
        }
    });
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    housekeeping.abort();
    for j in jobs {
        j.abort();
    }
    Ok(())
}
