//! Applications and approvals: exception and change requests, decisions and
//! their refusals, notices, reminders and escalations by the clock.

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use mamori_app::ports::{AuditFilter, ManualClock, RequestFilter};
use mamori_testkit::TestDb;
use serde_json::json;
use time::Duration;

use crate::harness::*;

/// 企画部: the requester, its security officer and its head.
const PLANNING_EMPLOYEE: &str = EMPLOYEE;

async fn planning_officer(app: &TestApp) -> String {
    let planning = app
        .app
        .store
        .departments()
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.code == "PLANNING")
        .unwrap();
    let a = app
        .app
        .store
        .assignments(&mamori_app::ports::AssignmentFilter {
            role: Some(mamori_domain::Role::SecurityOfficer),
            department_id: Some(planning.id),
            active_on: Some(app.app.today()),
            ..Default::default()
        })
        .await
        .unwrap();
    app.app.store.person(a[0].person_id).await.unwrap().email
}

fn exception_form(document: &str) -> Vec<(&'static str, String)> {
    vec![
        ("document", document.to_string()),
        ("clause", "4.4.3(4)".to_string()),
        (
            "reason",
            "顧客指定の大容量ファイルをメールで受け取る必要がある".to_string(),
        ),
        (
            "alternative",
            "受領後ただちにウイルス検査し、共有フォルダに移して削除する".to_string(),
        ),
        ("valid_from", "2026-12-01".to_string()),
        ("valid_until", "2027-03-31".to_string()),
    ]
}

async fn file_exception(c: &mut Client, document: &str) -> String {
    c.get("/requests/new/exception").await;
    let form = exception_form(document);
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = c.post("/requests/new/exception", &pairs).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    r.location()
}

async fn system_use_exception_is_approved_by_the_departments_security_officer(t: &TestDb) {
    let app = TestApp::start(t, false).await;
    let mut requester = app.signed_in(PLANNING_EMPLOYEE).await;
    let page_path = file_exception(&mut requester, "USE").await;
    let page = requester.get(&page_path).await;
    assert!(
        page.text.contains("EXC-2026-0001") && page.text.contains("審査中"),
        "{}",
        page.text
    );
    // The requester cannot decide their own request.
    assert!(page.select_text("button[value=approve]").is_empty());
    let id = page_path.rsplit('/').next().unwrap().to_string();
    let version = page.input_value("version").unwrap();
    let own = requester
        .post(
            &format!("/requests/{id}/decide"),
            &[("decision", "approve"), ("version", &version)],
        )
        .await;
    assert_eq!(own.status, StatusCode::CONFLICT);
    assert!(own.text.contains("自分の申請は承認できません"));
    // Someone unrelated does not even see it.
    let mut stranger = app.signed_in("j.smith@minato-seiki.example").await;
    assert_eq!(stranger.get(&page_path).await.status, StatusCode::NOT_FOUND);
    // The officer has it in their tasks and inbox, and a mail is queued.
    let officer_email = planning_officer(&app).await;
    let mut officer = app.signed_in(&officer_email).await;
    let tasks = officer.get("/tasks").await;
    assert!(tasks.text.contains("EXC-2026-0001"), "{}", tasks.text);
    let inbox = officer.get("/inbox").await;
    assert!(inbox.text.contains("承認依頼"), "{}", inbox.text);
    assert_eq!(app.app.store.outbox_stats().await.unwrap().queued, 1);
    // Rejecting or sending back needs a reason; approving does not.
    officer.get(&page_path).await;
    let no_reason = officer
        .post(
            &format!("/requests/{id}/decide"),
            &[("decision", "reject"), ("version", &version)],
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    let ok = officer
        .post(
            &format!("/requests/{id}/decide"),
            &[
                ("decision", "approve"),
                ("version", &version),
                ("comment", "条件: 受領記録を残すこと"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text);
    // A second decision on the old version is refused.
    let stale = officer
        .post(
            &format!("/requests/{id}/decide"),
            &[("decision", "approve"), ("version", &version)],
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    let seen = requester.get(&page_path).await;
    assert!(
        seen.text.contains("承認済み") && seen.text.contains("受領記録を残すこと"),
        "{}",
        seen.text
    );
    assert!(
        requester
            .get("/inbox")
            .await
            .text
            .contains("承認されました")
    );
    let events = app
        .app
        .store
        .events(&AuditFilter {
            action: Some("request.".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, vec!["request.approve"]);
    let submitted = app
        .app
        .store
        .events(&AuditFilter {
            action: Some("exception.submit".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(submitted.len(), 1);
    app.close().await;
}
mamori_testkit::db_test!(
    use_exception,
    system_use_exception_is_approved_by_the_departments_security_officer
);

async fn returned_request_is_resubmitted_in_a_new_round(t: &TestDb) {
    let app = TestApp::start(t, false).await;
    let mut requester = app.signed_in(PLANNING_EMPLOYEE).await;
    let path = file_exception(&mut requester, "USE").await;
    let id = path.rsplit('/').next().unwrap().to_string();
    let mut officer = app.signed_in(&planning_officer(&app).await).await;
    let page = officer.get(&path).await;
    let v = page.input_value("version").unwrap();
    let r = officer
        .post(
            &format!("/requests/{id}/decide"),
            &[
                ("decision", "return"),
                ("version", &v),
                ("comment", "代替策を具体的に"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = requester.get(&path).await;
    assert!(page.text.contains("差戻し") && page.text.contains("代替策を具体的に"));
    let v = page.input_value("version").unwrap();
    let r = requester
        .post(
            &format!("/requests/{id}/resubmit"),
            &[("version", &v), ("comment", "対策を追記しました")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = officer.get(&path).await;
    assert!(page.text.contains("審査中"));
    let v = page.input_value("version").unwrap();
    assert_eq!(
        officer
            .post(
                &format!("/requests/{id}/decide"),
                &[("decision", "approve"), ("version", &v)]
            )
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let r = app
        .app
        .store
        .requests(&RequestFilter {
            limit: 5,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!((r[0].round, r[0].state.id()), (2, "approved"));
    app.close().await;
}
mamori_testkit::db_test!(
    return_and_resubmit,
    returned_request_is_resubmitted_in_a_new_round
);

async fn committee_items_wait_for_a_meeting_and_reach_the_secretariat(t: &TestDb) {
    let app = TestApp::start(t, false).await;
    let mut requester = app.signed_in(PLANNING_EMPLOYEE).await;
    let path = file_exception(&mut requester, "SYS").await;
    requester.get("/requests/new/change").await;
    let r = requester
        .post(
            "/requests/new/change",
            &[
                ("document", "USE"),
                ("clause", "4.4.3"),
                ("proposal", "添付上限を 20MB に"),
                ("reason", "業務上の必要"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let mut secretariat = app.signed_in(SECRETARIAT).await;
    let tasks = secretariat.get("/tasks").await;
    assert!(
        tasks.text.contains("EXC-2026-0001") && tasks.text.contains("CR-2026-0001"),
        "{}",
        tasks.text
    );
    assert!(tasks.text.contains("委員会の議題"));
    let page = secretariat.get(&path).await;
    assert!(
        page.select_text("button[value=approve]").is_empty(),
        "the committee decides in a meeting"
    );
    let id = path.rsplit('/').next().unwrap();
    let r = secretariat
        .post(
            &format!("/requests/{id}/decide"),
            &[("decision", "approve"), ("version", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.text.contains("委員会の会議で決定します"));
    app.close().await;
}
mamori_testkit::db_test!(
    committee_items,
    committee_items_wait_for_a_meeting_and_reach_the_secretariat
);

async fn bad_request_input_is_refused_at_each_field(t: &TestDb) {
    let app = TestApp::start(t, false).await;
    let mut c = app.signed_in(PLANNING_EMPLOYEE).await;
    c.get("/requests/new/exception").await;
    let head = app.audit_head().await;
    let r = c
        .post(
            "/requests/new/exception",
            &[
                ("document", "XYZ"),
                ("clause", ""),
                ("reason", ""),
                ("alternative", "x"),
                ("valid_from", "2027-01-01"),
                ("valid_until", "2026-01-01"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let errors = r.select_text("p.field-error");
    for expected in [
        "文書を選んでください",
        "入力してください",
        "終了日が開始日より前です",
    ] {
        assert!(
            errors.iter().any(|e| e.contains(expected)),
            "{expected}: {errors:?}"
        );
    }
    assert_eq!(app.audit_head().await, head);
    // Over the API the same rules answer with problem+json.
    let actor = app.app.cli_actor(PLANNING_EMPLOYEE).await.unwrap();
    let token = app
        .app
        .create_token(&actor, "t", None, None)
        .await
        .unwrap()
        .1;
    let p = c.api(Method::POST, "/api/v1/requests/exceptions", &token, Some(json!({"document": "USE", "clause": "", "reason": "r", "alternative": "a", "valid_from": "2026-12-01", "valid_until": "bad"}))).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> = p.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(fields, vec!["clause", "valid_until"]);
    let ok = c.api(Method::POST, "/api/v1/requests/exceptions", &token, Some(json!({"document": "USE", "clause": "4.1", "reason": "r", "alternative": "a", "valid_from": "2026-12-01", "valid_until": "2027-01-31"}))).await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.text);
    let mine = c
        .api(Method::GET, "/api/v1/requests", &token, None)
        .await
        .json();
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    let first = mine["items"][0]["ref_no"].as_str().unwrap().to_string();
    // Own requests come a page at a time, newest first, over the API and on
    // the page (50 a page), however many there are.
    for n in 0..51 {
        let ok = c.api(Method::POST, "/api/v1/requests/exceptions", &token, Some(json!({"document": "USE", "clause": "4.1", "reason": format!("r{n}"), "alternative": "a", "valid_from": "2026-12-01", "valid_until": "2027-01-31"}))).await;
        assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.text);
    }
    let mine = c
        .api(
            Method::GET,
            "/api/v1/requests?offset=50&limit=10",
            &token,
            None,
        )
        .await
        .json();
    assert_eq!(mine["total"], 52);
    assert_eq!(mine["items"].as_array().unwrap().len(), 2);
    assert_eq!(mine["items"][1]["ref_no"], first.as_str());
    let page = c.get("/requests").await;
    assert_eq!(page.select_text("#my-requests tbody tr").len(), 50);
    assert!(!page.text.contains(&format!(">{first}<")), "{}", page.text);
    assert!(
        page.text.contains("href=\"/requests?mine=2\""),
        "{}",
        page.text
    );
    let last = c.get("/requests?mine=2").await;
    assert_eq!(last.select_text("#my-requests tbody tr").len(), 2);
    assert!(last.text.contains(&format!(">{first}<")), "{}", last.text);
    assert!(!last.text.contains("rel=\"next\""));
    app.close().await;
}
mamori_testkit::db_test!(
    bad_request_input,
    bad_request_input_is_refused_at_each_field
);

async fn reminders_and_escalations_follow_the_clock_to_the_minute(t: &TestDb) {
    let start = time::macros::datetime!(2026-12-01 00:00 UTC);
    let clock = Arc::new(ManualClock::new(start));
    let app = TestApp::start_with_clock(t, false, clock.clone())
        .await
        .without_demo_duties()
        .await;
    let actor = app.app.cli_actor(PLANNING_EMPLOYEE).await.unwrap();
    let input = mamori_app::workflow::ExceptionInput {
        document: "USE".into(),
        clause: "4.1".into(),
        reason: "理由".into(),
        alternative: "代替".into(),
        valid_from: "2026-12-01".into(),
        valid_until: "2027-01-31".into(),
    };
    let r = app.app.file_exception(&actor, &input).await.unwrap();
    let due = r.step_due_at;
    assert_eq!(due, start + Duration::days(5));
    let count = |kind: &'static str| {
        let app = app.app.clone();
        async move {
            let people = app.store.all_people().await.unwrap();
            let mut n = 0;
            for p in people {
                n += app
                    .store
                    .inbox(p.id, 500)
                    .await
                    .unwrap()
                    .iter()
                    .filter(|i| i.kind == kind)
                    .count();
            }
            n
        }
    };
    clock.set(due - Duration::days(3) - Duration::minutes(1));
    assert_eq!(
        app.app.run_alerts().await.unwrap(),
        0,
        "nothing a minute early"
    );
    clock.set(due - Duration::days(3));
    assert_eq!(
        app.app.run_alerts().await.unwrap(),
        1,
        "the 3-day reminder to the officer"
    );
    assert_eq!(app.app.run_alerts().await.unwrap(), 0, "and only once");
    clock.set(due - Duration::days(1));
    assert_eq!(app.app.run_alerts().await.unwrap(), 1);
    // The officer is away: whoever deputises for them hears of it too.
    let officer_id = app
        .app
        .cli_actor(&planning_officer(&app).await)
        .await
        .unwrap()
        .id();
    let deputy_id = app.app.cli_actor(AUDITOR).await.unwrap().id();
    let away = mamori_app::ports::Delegation {
        id: uuid::Uuid::now_v7(),
        role: mamori_domain::Role::SecurityOfficer,
        absent_person_id: officer_id,
        deputy_person_id: deputy_id,
        reason: "出張".into(),
        starts_at: due,
        ends_at: None,
        created_by: officer_id,
        created_at: due,
    };
    let draft = app.app.draft(None, "delegation.start", "delegation", None);
    app.app.store.insert_delegation(&away, draft).await.unwrap();
    clock.set(due + Duration::days(1));
    assert_eq!(
        app.app.run_alerts().await.unwrap(),
        2,
        "escalation to the approver's department head and the deputy"
    );
    let deputy_inbox = app.app.store.inbox(deputy_id, 50).await.unwrap();
    assert_eq!(
        deputy_inbox.iter().filter(|i| i.kind == "deadline").count(),
        1
    );
    clock.set(due + Duration::days(3));
    let secretariat = app
        .app
        .store
        .assignments(&mamori_app::ports::AssignmentFilter {
            role: Some(mamori_domain::Role::Secretariat),
            active_on: Some(app.app.today()),
            ..Default::default()
        })
        .await
        .unwrap()
        .len() as u64;
    assert_eq!(
        app.app.run_alerts().await.unwrap(),
        secretariat,
        "then to the secretariat"
    );
    assert_eq!(count("deadline").await as u64, 4 + secretariat);
    // After approval, the exception's end is reminded, then "still in use?".
    let officer = app
        .app
        .cli_actor(&planning_officer(&app).await)
        .await
        .unwrap();
    app.app
        .decide_request(
            &officer,
            r.id,
            r.version,
            mamori_domain::workflow::Decision::Approve,
            "",
        )
        .await
        .unwrap();
    let end = time::macros::datetime!(2027-02-01 00:00 +09:00);
    clock.set(end - Duration::days(3));
    assert_eq!(app.app.run_alerts().await.unwrap(), 1);
    clock.set(end);
    assert_eq!(
        app.app.run_alerts().await.unwrap(),
        2,
        "the 1-day reminder and the expiry notice"
    );
    assert_eq!(count("exception_expiry").await, 3);
    app.close().await;
}
mamori_testkit::db_test!(
    alerts,
    reminders_and_escalations_follow_the_clock_to_the_minute
);

async fn digest_readers_get_one_mail_a_day_and_a_calendar_feed(t: &TestDb) {
    // 2026-12-01 07:59 in Japan.
    let clock = Arc::new(ManualClock::new(
        time::macros::datetime!(2026-11-30 22:59 UTC),
    ));
    let app = TestApp::start_with_clock(t, false, clock.clone()).await;
    let officer_email = planning_officer(&app).await;
    let officer = app.app.cli_actor(&officer_email).await.unwrap();
    app.app.set_notify_mode(&officer, "digest").await.unwrap();
    let requester = app.app.cli_actor(PLANNING_EMPLOYEE).await.unwrap();
    let input = mamori_app::workflow::ExceptionInput {
        document: "USE".into(),
        clause: "4.2".into(),
        reason: "理由".into(),
        alternative: "代替".into(),
        valid_from: "2026-12-01".into(),
        valid_until: "2027-01-31".into(),
    };
    let r = app.app.file_exception(&requester, &input).await.unwrap();
    assert_eq!(
        app.app.store.outbox_stats().await.unwrap().queued,
        0,
        "a digest reader gets no immediate mail"
    );
    assert_eq!(
        app.app.run_digests("n1").await.unwrap(),
        0,
        "not before 08:00"
    );
    clock.advance(Duration::minutes(1));
    assert_eq!(app.app.run_digests("n1").await.unwrap(), 1);
    assert_eq!(
        app.app.run_digests("n2").await.unwrap(),
        0,
        "once a day, on one node"
    );
    assert_eq!(app.app.store.outbox_stats().await.unwrap().queued, 1);
    // The calendar feed lists the due date, by a secret URL only.
    let path = app.app.reset_calendar_feed(&officer).await.unwrap();
    let mut anon = app.client();
    let feed = anon.get(&path).await;
    assert_eq!(feed.status, StatusCode::OK);
    assert_eq!(
        feed.headers.get("content-type").unwrap(),
        "text/calendar; charset=utf-8"
    );
    assert!(
        feed.text.contains("BEGIN:VEVENT") && feed.text.contains(&r.ref_no),
        "{}",
        feed.text
    );
    assert!(
        feed.text.contains("DTSTART:20261205T225900Z"),
        "{}",
        feed.text
    );
    assert_eq!(
        anon.get("/calendar/not-the-token.ics").await.status,
        StatusCode::NOT_FOUND
    );
    let new_path = app.app.reset_calendar_feed(&officer).await.unwrap();
    assert_eq!(
        anon.get(&path).await.status,
        StatusCode::NOT_FOUND,
        "a new URL stops the old one"
    );
    assert_eq!(anon.get(&new_path).await.status, StatusCode::OK);
    app.close().await;
}
mamori_testkit::db_test!(
    digest_and_calendar,
    digest_readers_get_one_mail_a_day_and_a_calendar_feed
);

async fn periodic_duties_move_on_by_their_cadence_and_stay_overdue_until_done(t: &TestDb) {
    let clock = Arc::new(ManualClock::new(
        time::macros::datetime!(2026-12-01 00:00 UTC),
    ));
    let app = TestApp::start_with_clock(t, false, clock.clone()).await;
    let mut sec = app.signed_in(SECRETARIAT).await;
    let officer_email = planning_officer(&app).await;
    let officer_id = app
        .app
        .store
        .person_by_email(&officer_email)
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string();
    sec.get("/duties").await;
    let bad = sec
        .post(
            "/duties",
            &[
                ("title", ""),
                ("source", "HR-9"),
                ("owner_id", &officer_id),
                ("cadence", "sometimes"),
                ("first_due", "2026-12-10"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = sec
        .post(
            "/duties",
            &[
                ("title", "部門の運用確認"),
                ("source", "POL-7.6"),
                ("owner_id", &officer_id),
                ("cadence", "quarterly"),
                ("first_due", "2026-12-10"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let mut officer = app.signed_in(&officer_email).await;
    assert!(officer.get("/tasks").await.text.contains("部門の運用確認"));
    // Missed: after the due date it is overdue and escalated, and stays so.
    clock.set(time::macros::datetime!(2026-12-12 00:00 UTC));
    assert!(
        app.app.run_alerts().await.unwrap() >= 3,
        "reminders and the first escalation"
    );
    let mut officer = app.signed_in(&officer_email).await;
    let page = officer.get("/duties").await;
    assert!(page.text.contains("due-overdue"), "{}", page.text);
    let v = page.input_value("version").unwrap();
    let done = officer
        .post(
            &format!("/duties/{}/done", duty_id(&page.text)),
            &[
                ("version", &v),
                ("note", "12月分を実施、記録は共有フォルダ"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let d = app
        .app
        .store
        .duties(None)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.title == "部門の運用確認")
        .unwrap();
    assert_eq!(
        d.next_due.to_string(),
        "2027-03-10",
        "the next quarter from the date it was due"
    );
    assert_eq!(
        app.app.store.completions(d.id).await.unwrap()[0]
            .due_on
            .to_string(),
        "2026-12-10"
    );
    // Another person's duty is not theirs to close.
    let mut stranger = app.signed_in(EMPLOYEE).await;
    stranger.get("/duties").await;
    let r = stranger
        .post(
            &format!("/duties/{}/done", d.id),
            &[("version", "2"), ("note", "x")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Retired by the secretariat, it leaves the lists and the tasks; its history stays.
    let mut sec = app.signed_in(SECRETARIAT).await;
    let retired = sec
        .post(
            &format!("/duties/{}/retire", d.id),
            &[("version", &d.version.to_string())],
        )
        .await;
    assert_eq!(retired.status, StatusCode::SEE_OTHER);
    assert!(!officer.get("/tasks").await.text.contains("部門の運用確認"));
    assert_eq!(app.app.store.completions(d.id).await.unwrap().len(), 1);
    app.close().await;
}
mamori_testkit::db_test!(
    duties,
    periodic_duties_move_on_by_their_cadence_and_stay_overdue_until_done
);

fn duty_id(html: &str) -> String {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse("#duties form").unwrap();
    doc.select(&sel)
        .filter_map(|f| f.value().attr("action"))
        .map(|a| a.split('/').nth(2).unwrap().to_string())
        .next()
        .unwrap()
}

async fn alert_settings_are_the_administrators_and_validated(t: &TestDb) {
    let app = TestApp::start(t, false).await;
    let mut admin = app.signed_in(SECRETARIAT).await;
    let page = admin.get("/admin/settings").await;
    assert_eq!(
        page.input_value("remind_before_days").as_deref(),
        Some("3, 1")
    );
    let bad = admin
        .post(
            "/admin/settings/alerts",
            &[
                ("remind_before_days", "3, x"),
                ("escalate_after_days", "1"),
                ("step_due_days", "0"),
                ("due_soon_days", "3"),
                ("comprehension_days", "7"),
                ("complaint_first_report_hours", "12"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let ok = admin
        .post(
            "/admin/settings/alerts",
            &[
                ("remind_before_days", "7, 2"),
                ("escalate_after_days", "1, 5"),
                ("step_due_days", "10"),
                ("due_soon_days", "2"),
                ("comprehension_days", "7"),
                ("complaint_first_report_hours", "12"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    let s = app.app.alert_settings().await.unwrap();
    assert_eq!((s.remind_before_days, s.step_due_days), (vec![7, 2], 10));
    let mut employee = app.signed_in(EMPLOYEE).await;
    employee.get("/admin/settings").await;
    let refused = employee
        .post(
            "/admin/settings/alerts",
            &[
                ("remind_before_days", "1"),
                ("escalate_after_days", "1"),
                ("step_due_days", "5"),
                ("due_soon_days", "3"),
                ("comprehension_days", "7"),
                ("complaint_first_report_hours", "12"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    app.close().await;
}
mamori_testkit::db_test!(
    alert_settings,
    alert_settings_are_the_administrators_and_validated
);

async fn an_expired_exception_cannot_be_approved_or_filed(t: &TestDb) {
    let clock = Arc::new(ManualClock::new(
        time::macros::datetime!(2026-12-01 00:00 UTC),
    ));
    let app = TestApp::start_with_clock(t, false, clock.clone()).await;
    let requester = app.app.cli_actor(PLANNING_EMPLOYEE).await.unwrap();
    let mut input = mamori_app::workflow::ExceptionInput {
        document: "USE".into(),
        clause: "4.3".into(),
        reason: "理由".into(),
        alternative: "代替".into(),
        valid_from: "2026-12-01".into(),
        valid_until: "2026-12-20".into(),
    };
    let r = app.app.file_exception(&requester, &input).await.unwrap();
    clock.set(time::macros::datetime!(2026-12-25 00:00 UTC));
    let officer = app
        .app
        .cli_actor(&planning_officer(&app).await)
        .await
        .unwrap();
    let err = app
        .app
        .decide_request(
            &officer,
            r.id,
            r.version,
            mamori_domain::workflow::Decision::Approve,
            "",
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, mamori_app::AppError::Conflict("exception_expired")),
        "{err:?}"
    );
    // Rejecting it is still possible.
    app.app
        .decide_request(
            &officer,
            r.id,
            r.version,
            mamori_domain::workflow::Decision::Reject,
            "期間切れ",
        )
        .await
        .unwrap();
    input.valid_until = "2026-12-24".into();
    let err = app
        .app
        .file_exception(&requester, &input)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, mamori_app::AppError::Invalid(f) if f[0].code == "in_the_past"),
        "{err:?}"
    );
    app.close().await;
}
mamori_testkit::db_test!(
    expired_exception,
    an_expired_exception_cannot_be_approved_or_filed
);
