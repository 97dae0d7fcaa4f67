//! The command line as a pipeline uses it: the exit codes and the output shapes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::process::{Command, Stdio};

fn mamori(url: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_mamori"))
        .args(args)
        .arg("--database-url")
        .arg(url)
        .output()
        .unwrap()
}

#[test]
fn check_reports_every_obligation_and_fails_on_the_chosen_statuses() {
    let db = mamori_testkit::TestDb::sqlite();
    assert!(mamori(&db.url, &["migrate"]).status.success());
    let out = mamori(&db.url, &["check", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let obligations = report["obligations"].as_array().unwrap();
    assert_eq!(obligations.len(), 728);
    for key in ["id", "document", "status", "annex_refs"] {
        assert!(obligations[0].get(key).is_some(), "{key}");
    }
    let failing = mamori(&db.url, &["check", "--fail-on", "not_assessed"]);
    assert_eq!(failing.status.code(), Some(2));
    let bad = mamori(&db.url, &["check", "--fail-on", "sometimes"]);
    assert!(!bad.status.success());
}

#[test]
fn soa_exports_and_the_mapping_are_complete() {
    let db = mamori_testkit::TestDb::sqlite();
    let csv = mamori(
        &db.url,
        &["soa", "export", "--edition", "2013", "--format", "csv"],
    );
    assert!(csv.status.success());
    let text = String::from_utf8(csv.stdout).unwrap();
    assert!(text.starts_with("\u{feff}control_id,"));
    assert_eq!(text.lines().count(), 115);
    let text22 =
        String::from_utf8(mamori(&db.url, &["soa", "export", "--edition", "2022"]).stdout).unwrap();
    assert_eq!(text22.lines().count(), 94);
    let mapping =
        String::from_utf8(mamori(&db.url, &["soa", "mapping", "--format", "csv"]).stdout).unwrap();
    assert!(mapping.starts_with("iso27001_2013,iso27001_2022\n"));
    assert!(mapping.lines().any(|l| l == "A.9.2.1,5.16"));
    let out = std::env::temp_dir().join(format!("soa-{}.xlsx", std::process::id()));
    let x = mamori(
        &db.url,
        &[
            "soa",
            "export",
            "--edition",
            "2022",
            "--format",
            "xlsx",
            "--output",
            out.to_str().unwrap(),
        ],
    );
    assert!(x.status.success());
    assert!(std::fs::read(&out).unwrap().starts_with(b"PK"));
    let _ = std::fs::remove_file(out);
}

#[test]
fn user_create_reads_the_password_from_stdin_and_enforces_the_rules() {
    let db = mamori_testkit::TestDb::sqlite();
    let run = |password: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mamori"))
            .args([
                "user",
                "create",
                "--email",
                "admin@example.jp",
                "--name",
                "管理 太郎",
                "--role",
                "administrator",
                "--password-stdin",
            ])
            .arg("--database-url")
            .arg(&db.url)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(password.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let weak = run("short\n");
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("password_too_short"));
    let ok = run("Initial#Pass2026\n");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let token = Command::new(env!("CARGO_BIN_EXE_mamori"))
        .args([
            "token",
            "create",
            "--email",
            "admin@example.jp",
            "--name",
            "ci",
        ])
        .arg("--database-url")
        .arg(&db.url)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&token.stdout).starts_with("mamori_"));
    let verify = mamori(&db.url, &["audit", "verify"]);
    assert!(verify.status.success());
    assert!(String::from_utf8_lossy(&verify.stdout).contains("audit chain intact"));
}

#[test]
fn import_policy_dry_run_prints_the_recognised_tree_as_json() {
    let seed = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/seed/000_fcbdc1ab85e646a3.txt");
    assert!(
        seed.exists(),
        "the policy seed is expected beside the repository at {}",
        seed.display()
    );
    let out = Command::new(env!("CARGO_BIN_EXE_mamori"))
        .args(["import", "policy"])
        .arg(&seed)
        .args(["--dry-run", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tree: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let docs = tree["documents"].as_array().unwrap();
    assert_eq!(docs.len(), 16);
    let hr = docs
        .iter()
        .find(|d| d["title"].as_str().unwrap().replace(' ', "") == "人的管理規程")
        .unwrap();
    let section = &hr["sections"][0];
    for key in ["number", "title", "sections", "items", "annex_refs"] {
        assert!(section.get(key).is_some(), "{key}");
    }
    assert!(tree["unplaced"].is_array());
}

#[test]
fn import_policy_puts_the_documents_in_the_library() {
    let seed = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/seed/000_fcbdc1ab85e646a3.txt");
    let db = mamori_testkit::TestDb::sqlite();
    let setup = Command::new(env!("CARGO_BIN_EXE_mamori"))
        .args([
            "user",
            "create",
            "--email",
            "jimu@example.jp",
            "--name",
            "事務 太郎",
            "--role",
            "secretariat",
            "--password-stdin",
        ])
        .arg("--database-url")
        .arg(&db.url)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(b"Str0ng!Passw0rd\n")?;
            c.wait_with_output()
        })
        .unwrap();
    assert!(
        setup.status.success(),
        "{}",
        String::from_utf8_lossy(&setup.stderr)
    );
    let import = || {
        Command::new(env!("CARGO_BIN_EXE_mamori"))
            .args(["import", "policy"])
            .arg(&seed)
            .args(["--effective-on", "2026-04-01", "--database-url"])
            .arg(&db.url)
            .output()
            .unwrap()
    };
    let first = import();
    let out = String::from_utf8_lossy(&first.stdout);
    assert!(
        first.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(out.contains("imported: 16 new, 0 as drafts"), "{out}");
    // Again: the same titles get the text as a new draft, then wait for it.
    let second = String::from_utf8_lossy(&import().stdout).to_string();
    assert!(second.contains("0 new, 16 as drafts"), "{second}");
    let third = String::from_utf8_lossy(&import().stdout).to_string();
    assert!(third.contains("16 skipped"), "{third}");
    // A bad date writes nothing.
    let bad = Command::new(env!("CARGO_BIN_EXE_mamori"))
        .args(["import", "policy"])
        .arg(&seed)
        .args(["--effective-on", "2026/13/01", "--database-url"])
        .arg(&db.url)
        .output()
        .unwrap();
    assert!(!bad.status.success());
}

#[test]
fn a_company_can_use_its_own_copy_of_the_policy_pack() {
    let db = mamori_testkit::TestDb::sqlite();
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policy/pack");
    let own = std::env::temp_dir().join(format!("mamori-pack-{}", std::process::id()));
    std::fs::create_dir_all(&own).unwrap();
    for entry in std::fs::read_dir(&shipped).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), own.join(entry.file_name())).unwrap();
    }
    // Drop the last obligation of SNS: the company's copy has 727.
    let sns = std::fs::read_to_string(own.join("SNS.toml")).unwrap();
    let cut = sns.rfind("[[obligation]]").unwrap();
    std::fs::write(own.join("SNS.toml"), &sns[..cut]).unwrap();
    let run = |dir: &std::path::Path| {
        Command::new(env!("CARGO_BIN_EXE_mamori"))
            .args(["check", "--json", "--fail-on", "overdue"])
            .arg("--database-url")
            .arg(&db.url)
            .env("MAMORI_POLICY_DIR", dir)
            .output()
            .unwrap()
    };
    let out = run(&own);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["obligations"].as_array().unwrap().len(), 727);
    // An unknown actor is refused, naming the obligation.
    let hr = std::fs::read_to_string(own.join("HR.toml")).unwrap();
    std::fs::write(
        own.join("HR.toml"),
        hr.replacen("actor = \"committee\"", "actor = \"the_board_room\"", 1),
    )
    .unwrap();
    let bad = run(&own);
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("unknown actor `the_board_room`"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
    let _ = std::fs::remove_dir_all(&own);
}
