//! Every route as every role (and as an anonymous visitor), compared with
//! the committed table `route_matrix.tsv`. Run with MAMORI_UPDATE_SNAPSHOTS=1
//! to rewrite the table after a deliberate change, then review the diff.

use axum::http::Method;
use mamori_testkit::TestDb;

use crate::harness::*;

/// Who tries: a label and the demo account (None = anonymous).
const CALLERS: &[(&str, Option<&str>)] = &[
    ("anonymous", None),
    ("employee", Some(EMPLOYEE)),
    ("security_officer", Some(SECURITY_OFFICER)),
    ("auditor", Some(AUDITOR)),
    ("secretariat_admin", Some(SECRETARIAT)),
    ("chair", Some(CHAIR)),
    ("system_admin", Some("j.smith@minato-seiki.example")),
];

/// (method, path, form body for UI posts / JSON for API posts)
const ROUTES: &[(&str, &str, &str)] = &[
    ("GET", "/", ""),
    ("GET", "/login", ""),
    ("GET", "/login/mfa", ""),
    ("GET", "/me", ""),
    ("GET", "/me/password", ""),
    ("GET", "/me/mfa", ""),
    ("GET", "/org/departments", ""),
    ("GET", "/org/departments/new", ""),
    ("GET", "/org/departments/{dept}", ""),
    ("POST", "/org/departments/new", "code=bad+code&name="),
    ("GET", "/org/people", ""),
    (
        "GET",
        "/org/people?q=%E9%88%B4%E6%9C%A8&include_left=on",
        "",
    ),
    ("GET", "/org/people/new", ""),
    (
        "POST",
        "/org/people/new",
        "employee_no=&name=&name_kana=&email=&employment_type=",
    ),
    ("GET", "/org/people/{person}", ""),
    ("GET", "/org/people/{person}/edit", ""),
    (
        "POST",
        "/org/people/{person}/reset-password",
        "identity_method=phone_callback&identity_note=",
    ),
    ("GET", "/org/roles", ""),
    (
        "POST",
        "/org/roles",
        "person_id={person}&role=auditor&department_id=&starts_on=bad",
    ),
    ("GET", "/org/import", ""),
    ("GET", "/org/health", ""),
    ("GET", "/org/delegation", ""),
    ("POST", "/org/delegation", "reason="),
    ("GET", "/audit", ""),
    ("GET", "/audit/export", ""),
    ("POST", "/audit/verify", ""),
    ("GET", "/admin/settings", ""),
    (
        "POST",
        "/admin/settings",
        "password_min_length=3&password_history=10&password_max_age_days=90&lockout_threshold=10&lockout_minutes=30&session_idle_minutes=30&sign_in_rate_per_minute=20",
    ),
    ("GET", "/requests", ""),
    ("GET", "/requests?all=1", ""),
    ("GET", "/requests/new/exception", ""),
    (
        "POST",
        "/requests/new/exception",
        "document=XYZ&clause=&reason=&alternative=&valid_from=&valid_until=",
    ),
    ("GET", "/requests/new/change", ""),
    ("GET", "/requests/{uuid}", ""),
    ("GET", "/committee", ""),
    ("GET", "/committee/new", ""),
    (
        "POST",
        "/committee/new",
        "kind=regular&title=&held_at=&location=",
    ),
    ("GET", "/committee/{uuid}", ""),
    ("GET", "/calendar/no-such-token.ics", ""),
    ("GET", "/duties", ""),
    ("GET", "/duties/new", ""),
    ("GET", "/checklists", ""),
    ("GET", "/checklists/new", ""),
    (
        "POST",
        "/checklists",
        "document=XYZ&owner_id={person}&due_on=2026-12-31",
    ),
    ("GET", "/checklists/{uuid}", ""),
    (
        "POST",
        "/compliance/obligations/HR-4.2.7(3)/ask",
        "owner_id={person}&due_on=2020-01-01",
    ),
    ("GET", "/attachments/{uuid}", ""),
    ("GET", "/compliance", ""),
    ("GET", "/compliance?status=overdue&document=SYS", ""),
    ("GET", "/compliance/obligations/HR-4.2.7(3)", ""),
    (
        "POST",
        "/compliance/obligations/HR-4.2.7(3)",
        "finding=kept&evidence=&note=",
    ),
    ("GET", "/soa/2013", ""),
    ("GET", "/soa/2022/export.csv", ""),
    (
        "POST",
        "/soa/2013/controls/A.5.1.1",
        "justification=&version=0",
    ),
    ("POST", "/soa/2013/approve", ""),
    (
        "POST",
        "/duties",
        "title=&source=&cadence=yearly&first_due=",
    ),
    ("GET", "/documents", ""),
    ("GET", "/documents/new", ""),
    (
        "POST",
        "/documents",
        "title=&tier=rule&confidentiality=internal",
    ),
    ("GET", "/documents/import", ""),
    ("POST", "/documents/import", "text=&effective_on="),
    ("GET", "/documents/reading", ""),
    ("GET", "/documents/reading/{procedure_version}", ""),
    ("GET", "/documents/{policy}", ""),
    ("GET", "/documents/{procedure}", ""),
    ("GET", "/documents/{procedure}/edit", ""),
    ("POST", "/documents/{procedure}/revise", ""),
    ("GET", "/documents/versions/{procedure_version}", ""),
    ("POST", "/documents/versions/{procedure_version}/check", ""),
    (
        "POST",
        "/documents/{procedure}/disclosures",
        "recipient=&purpose=",
    ),
    ("GET", "/documents/{uuid}", ""),
    ("GET", "/public/basic-policy", ""),
    ("GET", "/compliance/departments", ""),
    (
        "POST",
        "/compliance/obligations/HR-9c/cadence",
        "cadence=&days=0",
    ),
    ("GET", "/assets", ""),
    ("GET", "/assets/new", ""),
    ("POST", "/assets/new", "name=&form=paper&c=1&i=1&a=1"),
    ("GET", "/assets/import", ""),
    ("GET", "/assets/export.csv", ""),
    ("GET", "/assets/{uuid}", ""),
    ("GET", "/risks", ""),
    ("GET", "/risks/overview", ""),
    ("POST", "/risks/overview", "label="),
    ("GET", "/risks/threats", ""),
    ("GET", "/risks/vulnerabilities", ""),
    ("GET", "/risks/context", ""),
    (
        "POST",
        "/risks/context",
        "kind=external&topic=&description=&source=",
    ),
    ("GET", "/risks/intel", ""),
    ("GET", "/risks/method", ""),
    ("GET", "/risks/reviews", ""),
    ("POST", "/risks/reviews/cycle", "findings="),
    ("POST", "/risks/surveys", "title=&questions=&closes_on="),
    ("GET", "/risks/surveys/{uuid}", ""),
    ("GET", "/risks/{uuid}", ""),
    ("GET", "/risks/assessments/{uuid}", ""),
    ("GET", "/incidents", ""),
    ("GET", "/incidents/new", ""),
    ("GET", "/incidents/stats", ""),
    ("GET", "/incidents/systems", ""),
    ("POST", "/incidents/systems", "name=&business=&priority=9"),
    ("GET", "/incidents/{uuid}", ""),
    ("GET", "/incidents/{uuid}/board-report", ""),
    ("GET", "/incidents/procedures", ""),
    (
        "POST",
        "/incidents/procedures",
        "name=&start_trigger=&end_trigger=&roles=",
    ),
    ("GET", "/incidents/procedures/{uuid}", ""),
    ("GET", "/complaints", ""),
    ("POST", "/complaints", "customer=&content="),
    ("GET", "/complaints/{uuid}", ""),
    (
        "POST",
        "/complaints/{uuid}/convene",
        "held_at=2026-12-01T10:00&location=x",
    ),
    ("GET", "/tasks", ""),
    ("GET", "/inbox", ""),
    ("GET", "/healthz", ""),
    ("GET", "/readyz", ""),
    ("GET", "/metrics", ""),
    ("GET", "/static/app.css", ""),
    ("GET", "/no/such/page", ""),
    ("GET", "/api/v1/openapi.json", ""),
    ("GET", "/api/v1/roles", ""),
    ("GET", "/api/v1/me", ""),
    ("GET", "/api/v1/departments", ""),
    (
        "POST",
        "/api/v1/departments",
        r#"{"code":"bad code","name":""}"#,
    ),
    ("GET", "/api/v1/departments/{dept}", ""),
    ("GET", "/api/v1/people", ""),
    ("GET", "/api/v1/people/{person}", ""),
    (
        "POST",
        "/api/v1/people",
        r#"{"employee_no":"","name":"","name_kana":"","email":"","employment_type":""}"#,
    ),
    ("GET", "/api/v1/role-assignments", ""),
    ("GET", "/api/v1/org-health", ""),
    ("GET", "/api/v1/audit-events", ""),
    ("GET", "/api/v1/audit-events/verify", ""),
    ("GET", "/api/v1/requests", ""),
    ("GET", "/api/v1/requests?scope=all", ""),
    (
        "POST",
        "/api/v1/requests/exceptions",
        r#"{"document":"XYZ","clause":"","reason":"","alternative":"","valid_from":"","valid_until":""}"#,
    ),
    ("GET", "/api/v1/meetings", ""),
    (
        "POST",
        "/api/v1/meetings",
        r#"{"kind":"regular","title":"","held_at":"","location":""}"#,
    ),
    ("GET", "/api/v1/tasks", ""),
    ("GET", "/api/v1/duties", ""),
    ("GET", "/api/v1/obligations?status=not_assessed", ""),
    ("GET", "/api/v1/soa/2022", ""),
    ("GET", "/api/v1/inbox", ""),
    ("GET", "/api/v1/incidents", ""),
    ("GET", "/api/v1/compliance/departments", ""),
    ("GET", "/api/v1/assets", ""),
    (
        "POST",
        "/api/v1/assets",
        r#"{"name":"","form":"x","c":1,"i":1,"a":1}"#,
    ),
    ("GET", "/api/v1/risks", ""),
    ("GET", "/api/v1/risks/overview", ""),
    ("GET", "/api/v1/risks/context", ""),
    ("GET", "/api/v1/risks/threats", ""),
    ("GET", "/api/v1/risks/{uuid}", ""),
    ("POST", "/api/v1/incidents", r#"{"description":""}"#),
    ("GET", "/api/v1/incidents/stats", ""),
    ("GET", "/api/v1/systems", ""),
    ("GET", "/api/v1/response-procedures", ""),
    ("GET", "/api/v1/complaints", ""),
    ("GET", "/api/v1/documents", ""),
    ("GET", "/api/v1/documents/{procedure}", ""),
    ("GET", "/api/v1/document-versions/{procedure_version}", ""),
    ("GET", "/api/v1/documents/reading", ""),
    (
        "GET",
        "/api/v1/document-versions/{procedure_version}/readers",
        "",
    ),
    (
        "POST",
        "/api/v1/documents/import",
        r#"{"text":"","dry_run":true}"#,
    ),
    ("GET", "/api/v1/no-such-thing", ""),
];

async fn every_route_as_every_role(t: &TestDb) {
    let app = TestApp::start(t, false).await;
    let person = app
        .app
        .store
        .person_by_email(EMPLOYEE)
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string();
    let dept = app.app.store.departments().await.unwrap()[0].id.to_string();
    // The demo policy set, and a procedure only the 事務局 may read.
    let p = mamori_io::policy_text::import_policy(mamori_app::demo::DEMO_POLICY);
    app.app
        .seed_demo_documents(&mamori_io::policy_text::library_documents(&p))
        .await
        .unwrap();
    let system = mamori_app::auth::system_actor(app.app.today());
    app.app
        .import_documents(
            &system,
            &[mamori_app::documents::ImportDoc {
                title: "鍵管理手順書".into(),
                body: "## １ 手順\n\n鍵を管理する。\n".into(),
            }],
            app.app.today(),
        )
        .await
        .unwrap();
    let docs = app.app.store.documents().await.unwrap();
    let id_of = |title: &str| docs.iter().find(|d| d.title == title).unwrap().id;
    let policy = id_of("情報セキュリティ方針").to_string();
    let procedure_id = id_of("鍵管理手順書");
    let procedure = procedure_id.to_string();
    let procedure_version = app.app.store.doc_versions(procedure_id).await.unwrap()[0]
        .id
        .to_string();
    let fill = |s: &str| {
        s.replace("{person}", &person)
            .replace("{procedure_version}", &procedure_version)
            .replace("{procedure}", &procedure)
            .replace("{policy}", &policy)
            .replace("{dept}", &dept)
            .replace("{uuid}", &uuid::Uuid::nil().to_string())
    };
    let mut table = String::from("# method\tpath");
    for (label, _) in CALLERS {
        table.push('\t');
        table.push_str(label);
    }
    table.push('\n');
    let mut clients = Vec::new();
    for (_, email) in CALLERS {
        let (client, token) = match email {
            Some(e) => {
                let actor = app.app.cli_actor(e).await.unwrap();
                let token = app
                    .app
                    .create_token(&actor, "matrix", None, None)
                    .await
                    .unwrap()
                    .1;
                (app.signed_in(e).await, Some(token))
            }
            None => (app.client(), None),
        };
        clients.push((client, token));
    }
    for (method, path, body) in ROUTES {
        table.push_str(&format!("{method}\t{path}"));
        for (client, token) in clients.iter_mut() {
            let m: Method = method.parse().unwrap();
            let url = fill(path);
            let status = if path.starts_with("/api/") {
                match token {
                    Some(tok) => {
                        let json =
                            (!body.is_empty()).then(|| serde_json::from_str(&fill(body)).unwrap());
                        client.api(m, &url, tok, json).await.status
                    }
                    None => {
                        let ct = (!body.is_empty()).then_some("application/json");
                        client
                            .request(m, &url, ct, fill(body).into_bytes(), &[])
                            .await
                            .status
                    }
                }
            } else if m == Method::POST {
                client.get("/login").await;
                let token = client.csrf.clone().unwrap_or_default();
                let form = format!("_csrf={token}&{}", fill(body));
                client
                    .request(
                        m,
                        &url,
                        Some("application/x-www-form-urlencoded"),
                        form.into_bytes(),
                        &[],
                    )
                    .await
                    .status
            } else {
                client.get(&url).await.status
            };
            table.push_str(&format!("\t{}", status.as_u16()));
        }
        table.push('\n');
    }
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/route_matrix.tsv");
    if std::env::var("MAMORI_UPDATE_SNAPSHOTS").is_ok()
        && t.engine == mamori_testkit::Engine::Sqlite
    {
        std::fs::write(&file, &table).unwrap();
    }
    let expected = std::fs::read_to_string(&file).unwrap_or_default();
    let diff: Vec<String> = expected
        .lines()
        .zip(table.lines())
        .filter(|(e, a)| e != a)
        .map(|(e, a)| format!("expected {e}\n  actual {a}"))
        .collect();
    assert!(
        diff.is_empty() && expected.lines().count() == table.lines().count(),
        "route matrix differs:\n{}",
        diff.join("\n")
    );
    app.close().await;
}
mamori_testkit::db_test!(route_matrix, every_route_as_every_role);
