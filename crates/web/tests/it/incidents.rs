//! Incidents and complaints (M8): a report from anyone, triage by the
//! committee side, the 実行責任者's timeline (append-only), recovery against
//! the system's priority, the prevention plan published through the
//! library, closing only when INC-4.4 is done; complaints and their
//! 12-hour first report.

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use mamori_app::ports::ManualClock;
use mamori_testkit::{Engine, TestDb};

use crate::harness::*;

const LEAD: &str = "j.smith@minato-seiki.example";

async fn system_id(app: &TestApp, name: &str) -> String {
    app.app
        .store
        .systems()
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.name == name)
        .unwrap()
        .id
        .to_string()
}

async fn person_id(app: &TestApp, email: &str) -> String {
    app.app
        .store
        .person_by_email(email)
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string()
}

fn lock(r: &Response, form: &str) -> String {
    let doc = scraper::Html::parse_document(&r.text);
    let sel = scraper::Selector::parse(&format!("{form} input[name=version]")).unwrap();
    doc.select(&sel)
        .next()
        .and_then(|e| e.value().attr("value"))
        .unwrap_or_else(|| panic!("no {form}: {}", r.text))
        .to_string()
}

/// The timeline refuses UPDATE and DELETE on both engines.
async fn raw(t: &TestDb, sql: &str) -> Result<u64, sqlx::Error> {
    match t.engine {
        Engine::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&t.url).await?;
            let r = sqlx::query::<sqlx::Sqlite>(sqlx::AssertSqlSafe(sql.to_string()))
                .execute(&pool)
                .await
                .map(|r| r.rows_affected());
            pool.close().await;
            r
        }
        Engine::Postgres => {
            let pool = sqlx::PgPool::connect(&t.url).await?;
            let r = sqlx::query::<sqlx::Postgres>(sqlx::AssertSqlSafe(sql.to_string()))
                .execute(&pool)
                .await
                .map(|r| r.rows_affected());
            pool.close().await;
            r
        }
    }
}

async fn a_lost_laptop_is_reported_handled_and_closed(t: &TestDb) {
    let app = TestApp::start(t, false).await;
    let drawings = system_id(&app, "設計図面管理サーバ").await;
    let mut employee = app.signed_in(EMPLOYEE).await;
    let form = employee.get("/incidents/new").await;
    assert_eq!(form.status, StatusCode::OK);
    // Only what happened is required.
    let empty = employee
        .multipart("/incidents/new", &[("description", " ")], &[])
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = employee
        .multipart(
            "/incidents/new",
            &[
                ("kind", "lost_device"),
                (
                    "description",
                    "電車内でノートPCを紛失しました\n図面データが入っています",
                ),
                ("occurred_at", ""),
                ("location", "東西線車内"),
                ("systems", &drawings),
            ],
            &[("files", "紛失届.pdf", b"%PDF-1.4 lost")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let path = r.location();
    let page = employee.get(&path).await;
    assert!(
        page.text.contains("INC-2026-0001") || page.text.contains("INC-"),
        "{}",
        page.text
    );
    assert!(
        page.text.contains("端末のロック"),
        "first steps for a lost device"
    );
    assert_eq!(
        page.select_text("#incident-state"),
        vec!["報告済み（未対応）"]
    );
    assert!(
        page.select_text("#timeline").is_empty(),
        "the reporter sees progress, not the record"
    );
    assert!(page.text.contains("紛失届.pdf"));
    // Anyone else who is not involved is told it does not exist.
    let mut other = app.signed_in(SECURITY_OFFICER).await;
    assert_eq!(other.get(&path).await.status, StatusCode::NOT_FOUND);
    assert!(!other.get("/incidents").await.text.contains("電車内"));
    // The committee side is told at once.
    let mut sec = app.signed_in(SECRETARIAT).await;
    let inbox = sec.get("/inbox").await;
    assert!(
        inbox.text.contains("【インシデント報告】INC-"),
        "{}",
        inbox.text
    );
    assert!(!inbox.text.contains("{ref}"));
    // Triage: the 実行責任者 is appointed; the deadline follows priority 2.
    let page = sec.get(&path).await;
    let v = lock(&page, "#triage form");
    let lead = person_id(&app, LEAD).await;
    let no_lead = sec
        .post(
            &format!("{path}/triage"),
            &[("version", &v), ("kind", "lost_device"), ("confirmed", "1")],
        )
        .await;
    assert_eq!(no_lead.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = sec
        .post(
            &format!("{path}/triage"),
            &[
                ("version", &v),
                ("kind", "lost_device"),
                ("confirmed", "1"),
                ("systems", &drawings),
                ("lead_id", &lead),
                ("procedure_name", ""),
                ("board_perpetrator", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = sec.get(&path).await;
    assert_eq!(page.select_text("#incident-state"), vec!["対応中"]);
    assert_eq!(page.select_text("#recovery-status"), vec!["復旧期限内"]);
    assert!(!page.select_text("#recovery-due").is_empty());
    let mut lead_client = app.signed_in(LEAD).await;
    assert!(
        lead_client
            .get("/inbox")
            .await
            .text
            .contains("[Response lead] INC-"),
        "in the lead's language"
    );
    assert!(
        lead_client
            .get("/tasks")
            .await
            .text
            .contains("（復旧期限）"),
        "the deadline is in the lead's tasks"
    );
    // The lead keeps the record; a correction names what it corrects.
    let r = lead_client
        .post(
            &format!("{path}/entries"),
            &[("kind", "containment"), ("body", "リモートワイプを実行")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let bad = lead_client
        .post(
            &format!("{path}/entries"),
            &[("kind", "correction"), ("body", "時刻を訂正")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let id: uuid::Uuid = path.rsplit('/').next().unwrap().parse().unwrap();
    let entries = app.app.store.incident_entries(id).await.unwrap();
    let wipe = entries
        .iter()
        .find(|e| e.body.contains("ワイプ"))
        .unwrap()
        .id
        .to_string();
    let r = lead_client
        .post(
            &format!("{path}/entries"),
            &[
                ("kind", "correction"),
                ("body", "ワイプは 10:05 に完了"),
                ("corrects_id", &wipe),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        raw(t, "UPDATE incident_entries SET body = 'x'")
            .await
            .is_err()
    );
    assert!(raw(t, "DELETE FROM incident_entries").await.is_err());
    // Not closable yet: everything INC-4.4 asks is missing.
    let page = sec.get(&path).await;
    assert!(
        page.select_text("#close-form").is_empty(),
        "no closing before recovery"
    );
    let v = lock(&lead_client.get(&path).await, "#recovery form");
    let r = lead_client
        .post(
            &format!("{path}/recovery"),
            &[("version", &v), ("body", "代替機を配備")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = sec.get(&path).await;
    assert_eq!(page.select_text("#recovery-status"), vec!["復旧済み"]);
    let v = lock(&page, "#close-form");
    let early = sec.post(&format!("{path}/close"), &[("version", &v)]).await;
    assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(early.text.contains("再発防止計画がありません"));
    assert!(early.text.contains("取締役会への報告"));
    // The plan, published to everyone through the library.
    let v = lock(&page, "#plan form[action$='/plan']");
    let r = sec
        .post(
            &format!("{path}/plan"),
            &[
                ("version", &v),
                ("plan_technical", "全ノートPCのディスク暗号化"),
                ("plan_organisational", "持ち出し申請の徹底"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let v = lock(&sec.get(&path).await, "#publish-plan");
    let r = sec
        .post(&format!("{path}/plan/publish"), &[("version", &v)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert!(
        employee
            .get("/inbox")
            .await
            .text
            .contains("【周知】再発防止計画")
    );
    let lib = employee.get("/documents").await;
    assert!(lib.text.contains("再発防止計画"));
    let board = sec.get(&format!("{path}/board-report")).await;
    assert_eq!(board.status, StatusCode::OK);
    assert!(
        board.text.contains("全ノートPCのディスク暗号化")
            && board.text.contains("顧客・取引先に損害")
    );
    assert_eq!(
        employee.get(&format!("{path}/board-report")).await.status,
        StatusCode::NOT_FOUND
    );
    let v = lock(&sec.get(&path).await, "#lessons-form");
    let r = sec
        .post(
            &format!("{path}/lessons"),
            &[
                ("version", &v),
                ("lessons", "紛失時の連絡先を周知する"),
                ("board_reported_on", "2026-11-20"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let v = lock(&sec.get(&path).await, "#close-form");
    let r = sec.post(&format!("{path}/close"), &[("version", &v)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(
        employee.get(&path).await.select_text("#incident-state"),
        vec!["完了"]
    );
    // Every change is in the audit trail.
    let events = app
        .app
        .store
        .events(&mamori_app::ports::AuditFilter {
            action: Some("incident.".into()),
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    for a in [
        "incident.report",
        "incident.triage",
        "incident.entry",
        "incident.recovered",
        "incident.plan",
        "incident.plan_published",
        "incident.lessons",
        "incident.close",
    ] {
        assert!(events.iter().any(|e| e.action == a), "{a}");
    }
    // The attachment is the responders' and the reporter's only.
    let att = app.app.store.incident_attachments(id).await.unwrap()[0];
    assert_eq!(
        sec.get(&format!("/attachments/{att}")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        other.get(&format!("/attachments/{att}")).await.status,
        StatusCode::NOT_FOUND
    );
    app.close().await;
}
mamori_testkit::db_test!(lost_laptop, a_lost_laptop_is_reported_handled_and_closed);

async fn recovery_deadlines_and_complaint_reports_escalate(t: &TestDb) {
    let clock = Arc::new(ManualClock::new(
        time::macros::datetime!(2026-12-01 09:00 +9),
    ));
    let app = TestApp::start_with_clock(t, false, clock.clone()).await;
    let core = system_id(&app, "経理システム").await; // priority 1: 3 days
    let mut sec = app.signed_in(SECRETARIAT).await;
    let r = sec
        .multipart(
            "/incidents/new",
            &[
                ("kind", "failure"),
                ("description", "経理システムが起動しない"),
                ("systems", &core),
                ("occurred_at", "2026-12-01T08:00"),
            ],
            &[],
        )
        .await;
    let path = r.location();
    let v = lock(&sec.get(&path).await, "#triage form");
    let lead = person_id(&app, LEAD).await;
    sec.post(
        &format!("{path}/triage"),
        &[
            ("version", &v),
            ("kind", "failure"),
            ("confirmed", "1"),
            ("systems", &core),
            ("lead_id", &lead),
        ],
    )
    .await;
    // A complaint received now: first report due at 21:00.
    let r = sec
        .post(
            "/complaints",
            &[
                ("customer", "株式会社あおば"),
                ("content", "納品書に他社の情報が記載されていた"),
                ("received_at", "2026-12-01T09:00"),
                ("leak", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let complaint_path = r.location();
    let page = sec.get(&complaint_path).await;
    assert!(page.text.contains("2026-12-01 21:00"), "{}", page.text);
    let chair_id: uuid::Uuid = person_id(&app, CHAIR).await.parse().unwrap();
    let count = |kind: &'static str| {
        let store = app.app.store.clone();
        async move {
            store
                .inbox(chair_id, 500)
                .await
                .unwrap()
                .into_iter()
                .filter(|i| i.kind == kind)
                .count()
        }
    };
    app.app.run_alerts().await.unwrap();
    assert_eq!(count("complaint_late").await, 0);
    assert_eq!(count("incident_recovery").await, 0);
    // 21:00:01 — the first report is late; the chair is told once.
    clock.set(time::macros::datetime!(2026-12-01 21:00:01 +9));
    app.app.run_alerts().await.unwrap();
    app.app.run_alerts().await.unwrap();
    assert_eq!(count("complaint_late").await, 1);
    // Three days less a quarter: the recovery deadline is near; then passed.
    clock.set(time::macros::datetime!(2026-12-03 14:00 +9));
    app.app.run_alerts().await.unwrap();
    assert_eq!(count("incident_recovery").await, 1);
    clock.set(time::macros::datetime!(2026-12-04 08:01 +9));
    app.app.run_alerts().await.unwrap();
    app.app.run_alerts().await.unwrap();
    assert_eq!(count("incident_recovery").await, 2);
    // The first report, then closing a leak needs the position and the notice.
    let mut sec = app.signed_in(SECRETARIAT).await;
    // A leak convenes the committee (HR-4.2.7(2)): a 臨時委員会 with it on the agenda.
    let r = sec
        .post(
            &format!("{complaint_path}/convene"),
            &[
                ("held_at", "2026-12-04T17:00"),
                ("location", "本社 会議室A"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let meeting = sec.get(&r.location()).await;
    assert!(
        meeting.text.contains("顧客情報の漏えい"),
        "{}",
        meeting.text
    );
    assert!(
        sec.get(&complaint_path)
            .await
            .text
            .contains("臨時委員会を招集しました")
    );
    let v = lock(&sec.get(&complaint_path).await, "form");
    let r = sec
        .post(
            &complaint_path,
            &[("version", &v), ("body", "第一報: 調査中")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let v = lock(&sec.get(&complaint_path).await, "form");
    let refused = sec
        .post(
            &complaint_path,
            &[("version", &v), ("body", "完了"), ("close", "1")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = sec
        .post(
            &complaint_path,
            &[
                ("version", &v),
                ("body", "完了報告"),
                ("position", "当社の誤送付"),
                ("stakeholders_notified_on", "2026-12-04"),
                ("close", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    // The complaint records speak for HR-4.2.7(3): its first report was late.
    let row = app
        .app
        .obligation_rows()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.obligation.id == "HR-4.2.7(3)")
        .unwrap();
    assert_eq!(
        row.status,
        mamori_domain::compliance::status::ObligationStatus::NotKept
    );
    assert!(row.latest.unwrap().evidence.contains("クレーム"));
    // Statistics for everyone: counts, no details.
    let mut employee = app.signed_in(EMPLOYEE).await;
    let stats = employee.get("/incidents/stats").await;
    assert_eq!(stats.status, StatusCode::OK);
    assert!(stats.text.contains("故障・損壊"));
    assert!(!stats.text.contains("経理システムが起動しない"));
    assert_eq!(
        employee.get(&complaint_path).await.status,
        StatusCode::NOT_FOUND
    );
    app.close().await;
}
mamori_testkit::db_test!(
    escalation,
    recovery_deadlines_and_complaint_reports_escalate
);

async fn the_api_reports_and_lists_only_what_the_caller_may_see(t: &TestDb) {
    let app = TestApp::start(t, false).await;
    let token = |email: &'static str| {
        let a = app.app.clone();
        async move {
            let actor = a.cli_actor(email).await.unwrap();
            a.create_token(&actor, "inc", None, None).await.unwrap().1
        }
    };
    let emp = token(EMPLOYEE).await;
    let sec = token(SECRETARIAT).await;
    let other = token(SECURITY_OFFICER).await;
    let mut c = app.client();
    let bad = c
        .api(
            Method::POST,
            "/api/v1/incidents",
            &emp,
            Some(serde_json::json!({"description": ""})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = c
        .api(
            Method::POST,
            "/api/v1/incidents",
            &emp,
            Some(serde_json::json!({"kind": "malware", "description": "不審な添付を開いた"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.json()["id"].as_str().unwrap().to_string();
    assert!(r.json()["ref_no"].as_str().unwrap().starts_with("INC-"));
    let mine = c.api(Method::GET, "/api/v1/incidents", &emp, None).await;
    assert_eq!(mine.json()["items"].as_array().unwrap().len(), 1);
    let none = c.api(Method::GET, "/api/v1/incidents", &other, None).await;
    assert!(none.json()["items"].as_array().unwrap().is_empty());
    assert_eq!(
        c.api(
            Method::GET,
            &format!("/api/v1/incidents/{id}"),
            &other,
            None
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    let full = c
        .api(Method::GET, &format!("/api/v1/incidents/{id}"), &sec, None)
        .await;
    assert_eq!(full.status, StatusCode::OK);
    assert_eq!(full.json()["can_triage"], true);
    let systems = c.api(Method::GET, "/api/v1/systems", &emp, None).await;
    assert_eq!(systems.json()["items"].as_array().unwrap().len(), 5);
    let cmp = c
        .api(
            Method::POST,
            "/api/v1/complaints",
            &emp,
            Some(serde_json::json!({"customer": "x", "content": "y"})),
        )
        .await;
    assert_eq!(cmp.status, StatusCode::FORBIDDEN);
    let cmp = c
        .api(
            Method::POST,
            "/api/v1/complaints",
            &sec,
            Some(serde_json::json!({"customer": "株式会社あおば", "content": "請求書の誤り"})),
        )
        .await;
    assert_eq!(cmp.status, StatusCode::CREATED, "{}", cmp.text);
    let cid = cmp.json()["id"].as_str().unwrap().to_string();
    let first = c
        .api(
            Method::POST,
            &format!("/api/v1/complaints/{cid}/reports"),
            &sec,
            Some(serde_json::json!({"version": 1, "body": "第一報"})),
        )
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert!(first.json()["first_report_at"].is_string());
    // The whole response through the API: triage, recovery, plan, close.
    let lead = person_id(&app, LEAD).await;
    let t = c
        .api(
            Method::POST,
            &format!("/api/v1/incidents/{id}/triage"),
            &sec,
            Some(serde_json::json!({"version": 1, "kind": "malware", "confirmed": true, "lead_id": lead})),
        )
        .await;
    assert_eq!(t.status, StatusCode::OK, "{}", t.text);
    let step = |path: &str, body: serde_json::Value| {
        let (mut c, sec, path) = (
            app.client(),
            sec.clone(),
            format!("/api/v1/incidents/{id}/{path}"),
        );
        async move { c.api(Method::POST, &path, &sec, Some(body)).await }
    };
    let early = step("closure", serde_json::json!({"version": 2})).await;
    assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(early.text.contains("not_recovered"), "{}", early.text);
    let r = step(
        "recovery",
        serde_json::json!({"version": 2, "body": "駆除完了"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = step(
        "plan",
        serde_json::json!({"version": 3, "plan_technical": "添付の自動検査", "plan_organisational": "訓練"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = step("plan/publication", serde_json::json!({"version": 4})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = step(
        "lessons",
        serde_json::json!({"version": 5, "lessons": "窓口の周知"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = step("closure", serde_json::json!({"version": 6})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["state"], "closed");
    app.close().await;
}
mamori_testkit::db_test!(api, the_api_reports_and_lists_only_what_the_caller_may_see);

async fn procedures_name_the_lead_and_drills_change_them(t: &TestDb) {
    let app = TestApp::start(t, false).await;
    let lead = person_id(&app, LEAD).await;
    let mut sec = app.signed_in(SECRETARIAT).await;
    let bad = sec
        .post(
            "/incidents/procedures",
            &[
                ("name", "マルウェア感染対応手順"),
                ("start_trigger", ""),
                ("end_trigger", ""),
                ("roles", ""),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = sec
        .post(
            "/incidents/procedures",
            &[
                ("name", "マルウェア感染対応手順"),
                ("kinds", "malware"),
                ("start_trigger", "感染の報告を受けたとき"),
                ("end_trigger", "駆除と再発防止策の完了"),
                ("roles", "実行責任者: 全権\n窓口: 情報システム部"),
                ("lead_id", &lead),
                ("internal_contacts", "情報システム部 内線 200"),
                ("external_contacts", "セキュリティベンダー"),
                ("first_drill", "2027-03-01"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let proc_path = r.location();
    // The drill is a yearly duty.
    let duties = app.app.store.duties(None).await.unwrap();
    assert!(
        duties
            .iter()
            .any(|d| d.title.contains("インシデント対応訓練")
                && d.cadence == "every_180_days"
                && d.source == "INC-4.1(2)")
    );
    // A drill that found problems must say what changed.
    let bad = sec
        .post(
            &proc_path,
            &[
                ("held_on", "2026-11-20"),
                ("scenario", "感染端末の隔離"),
                ("problems", "連絡先が古い"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = sec
        .post(
            &proc_path,
            &[
                ("held_on", "2026-11-20"),
                ("scenario", "感染端末の隔離"),
                ("problems", "連絡先が古い"),
                ("changes", "連絡先を更新"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert!(sec.get(&proc_path).await.text.contains("連絡先を更新"));
    // Triage with the procedure: its lead is appointed.
    let mut employee = app.signed_in(EMPLOYEE).await;
    let r = employee
        .multipart(
            "/incidents/new",
            &[("kind", "malware"), ("description", "不審なポップアップ")],
            &[],
        )
        .await;
    let path = r.location();
    let v = lock(&sec.get(&path).await, "#triage form");
    let r = sec
        .post(
            &format!("{path}/triage"),
            &[
                ("version", &v),
                ("kind", "malware"),
                ("procedure_name", "マルウェア感染対応手順"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(
        sec.get(&path).await.select_text("#lead"),
        vec!["スミス ジョン"]
    );
    // Employees do not read procedures; the lead does.
    assert!(
        !employee
            .get("/incidents/procedures")
            .await
            .text
            .contains("マルウェア感染対応手順")
    );
    let mut lead_client = app.signed_in(LEAD).await;
    assert!(
        lead_client
            .get("/incidents/procedures")
            .await
            .text
            .contains("マルウェア感染対応手順")
    );
    app.close().await;
}
mamori_testkit::db_test!(procedures, procedures_name_the_lead_and_drills_change_them);
