//! Obligations with their evidence, the status by the clock, and the
//! Statement of Applicability for both editions.

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use mamori_app::ports::ManualClock;
use mamori_testkit::TestDb;
use serde_json::json;

use crate::harness::*;

/// 年１回の見直し (HR-9 and the like): a periodic obligation of the committee.
async fn periodic_obligation(app: &TestApp) -> String {
    let rows = app.app.obligation_rows().await.unwrap();
    rows.iter()
        .find(|r| {
            !matches!(r.obligation.document.as_str(), "HR" | "DOC")
                && r.obligation.kind == mamori_domain::compliance::ObligationKind::Periodic
                && r.obligation.cadence.as_deref() == Some("yearly")
        })
        .map(|r| r.obligation.id.clone())
        .unwrap()
}

async fn evidence_keeps_an_obligation_until_its_cadence_comes_round(t: &TestDb) {
    let clock = Arc::new(ManualClock::new(
        time::macros::datetime!(2026-12-01 00:00 UTC),
    ));
    let app = TestApp::start_with_clock(t, false, clock.clone()).await;
    let mut sec = app.signed_in(SECRETARIAT).await;
    let dash = sec.get("/compliance").await;
    assert!(dash.text.contains("遵守状況"));
    let cells: usize = dash
        .select_text("#status-summary tbody tr:first-child td")
        .iter()
        .map(|c| c.parse::<usize>().unwrap())
        .sum();
    assert_eq!(cells, 728, "every obligation is counted once");
    let by_actor: usize = dash
        .select_text("#actor-summary tbody td:not(:first-child)")
        .iter()
        .map(|c| c.parse::<usize>().unwrap())
        .sum();
    assert_eq!(by_actor, 728, "and once by who must act");
    let id = periodic_obligation(&app).await;
    let path = format!(
        "/compliance/obligations/{}",
        id.replace('(', "%28").replace(')', "%29")
    );
    let page = sec.get(&path).await;
    assert!(page.text.contains("未評価"));
    let head = app.audit_head().await;
    let no_evidence = sec
        .post(
            &path,
            &[("finding", "kept"), ("evidence", ""), ("note", "")],
        )
        .await;
    assert_eq!(no_evidence.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.audit_head().await, head);
    let ok = sec
        .post(
            &path,
            &[
                ("finding", "kept"),
                ("evidence", "第12回委員会議事録 MTG-2026-0012"),
                ("note", "年次見直し実施"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text);
    let page = sec.get(&path).await;
    assert_eq!(page.select_text("#obligation-status"), vec!["遵守"]);
    assert!(page.text.contains("MTG-2026-0012"));
    // A year later it is due again; a day after that, overdue.
    clock.set(time::macros::datetime!(2027-11-05 00:00 UTC));
    assert_eq!(
        app.app
            .obligation_detail(&app.app.cli_actor(SECRETARIAT).await.unwrap(), &id)
            .await
            .unwrap()
            .0
            .status
            .id(),
        "due_soon"
    );
    clock.set(time::macros::datetime!(2027-12-02 00:00 UTC));
    let report = app.app.check_report().await.unwrap();
    let line = report.obligations.iter().find(|l| l.id == id).unwrap();
    assert_eq!(line.status.id(), "overdue");
    // An ordinary employee cannot record anything; only the secretariat decides "not applicable".
    let mut e = app.signed_in(EMPLOYEE).await;
    e.get(&path).await;
    assert_eq!(
        e.post(&path, &[("finding", "kept"), ("evidence", "x")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    app.close().await;
}
mamori_testkit::db_test!(
    evidence,
    evidence_keeps_an_obligation_until_its_cadence_comes_round
);

async fn statement_of_applicability_for_both_editions(t: &TestDb) {
    let app = TestApp::start(t, false).await;
    let mut sec = app.signed_in(SECRETARIAT).await;
    let s13 = sec.get("/soa/2013").await;
    assert_eq!(s13.select_text("#soa tbody tr").len(), 114);
    let s22 = sec.get("/soa/2022").await;
    assert_eq!(s22.select_text("#soa tbody tr").len(), 93);
    assert!(s22.text.contains("2022年版で新設"));
    assert!(
        s13.text.contains("SYS-4.1.5"),
        "the password rules cite A.9.4.3"
    );
    let r = sec
        .post(
            "/soa/2013/controls/A.14.2.7",
            &[
                ("justification", "開発は外部委託していない"),
                ("version", "0"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let stale = sec
        .post(
            "/soa/2013/controls/A.14.2.7",
            &[("justification", "x"), ("version", "0")],
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    let csv = sec.get("/soa/2013/export.csv").await;
    assert!(csv.text.starts_with("\u{feff}control_id,"));
    assert!(
        csv.text
            .lines()
            .any(|l| l.starts_with("A.14.2.7,") && l.contains(",no,開発は外部委託していない")),
        "{}",
        csv.text
    );
    let mut e = app.signed_in(EMPLOYEE).await;
    e.get("/soa/2013").await;
    assert_eq!(
        e.post(
            "/soa/2013/controls/A.5.1.1",
            &[("justification", "x"), ("version", "0")]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    // The API gives the same, with the citing clauses and their statuses.
    let token = app
        .app
        .create_token(&app.app.cli_actor(AUDITOR).await.unwrap(), "t", None, None)
        .await
        .unwrap()
        .1;
    let api = sec
        .api(Method::GET, "/api/v1/soa/2022", &token, None)
        .await
        .json();
    assert_eq!(api["items"].as_array().unwrap().len(), 93);
    let list = sec
        .api(
            Method::GET,
            "/api/v1/obligations?document=SYS&annex=A.9.4",
            &token,
            None,
        )
        .await
        .json();
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["obligation"]["document"] == "SYS")
    );
    assert!(!list["items"].as_array().unwrap().is_empty());
    // Pages: 100 by default, the total counts every row the filter keeps.
    let first = sec
        .api(Method::GET, "/api/v1/obligations", &token, None)
        .await
        .json();
    let total = first["total"].as_u64().unwrap();
    assert!(total > 100, "the catalog has more than a page: {total}");
    assert_eq!(first["items"].as_array().unwrap().len(), 100);
    assert_eq!(first["limit"], 100);
    let page = sec
        .api(
            Method::GET,
            "/api/v1/obligations?offset=98&limit=5",
            &token,
            None,
        )
        .await
        .json();
    assert_eq!(page["total"].as_u64().unwrap(), total);
    let ids = |v: &serde_json::Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["obligation"]["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids(&page)[..2], ids(&first)[98..]);
    assert_eq!(ids(&page).len(), 5);
    let filtered_total = list["total"].as_u64().unwrap();
    assert_eq!(
        filtered_total as usize,
        list["items"].as_array().unwrap().len()
    );
    let sec_token = app
        .app
        .create_token(
            &app.app.cli_actor(SECRETARIAT).await.unwrap(),
            "t",
            None,
            None,
        )
        .await
        .unwrap()
        .1;
    let created = sec
        .api(
            Method::POST,
            "/api/v1/obligations/SYS-4.1.5(1)%E2%91%A0/assessments",
            &sec_token,
            Some(json!({"finding": "kept", "evidence": "mamori の設定画面（最小 8 文字）"})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    app.close().await;
}
mamori_testkit::db_test!(soa, statement_of_applicability_for_both_editions);

async fn the_president_approves_the_soa_and_a_later_change_recommends_a_revision(t: &TestDb) {
    let app = TestApp::start(t, false).await;
    let sec = app.app.cli_actor(SECRETARIAT).await.unwrap();
    let president = app
        .app
        .cli_actor("y.okada@minato-seiki.example")
        .await
        .unwrap();
    assert!(matches!(
        app.app.approve_soa(&president, "2022").await,
        Err(mamori_app::AppError::Conflict("soa_undecided"))
    ));
    for r in app.app.soa("2022").await.unwrap() {
        app.app
            .save_soa_entry(
                &sec,
                "2022",
                &r.control_id,
                true,
                "リスク対応計画による",
                "",
                r.version,
            )
            .await
            .unwrap();
    }
    assert!(matches!(
        app.app.approve_soa(&sec, "2022").await,
        Err(mamori_app::AppError::Forbidden)
    ));
    let v1 = app.app.approve_soa(&president, "2022").await.unwrap();
    assert_eq!(v1.version, 1);
    let mut p = app.signed_in("y.okada@minato-seiki.example").await;
    let page = p.get("/soa/2022").await;
    assert!(
        page.text.contains("v1") && !page.text.contains("revision-recommended"),
        "{}",
        page.text.len()
    );
    let row = app
        .app
        .soa("2022")
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.control_id == "8.28")
        .unwrap();
    app.app
        .save_soa_entry(
            &sec,
            "2022",
            "8.28",
            false,
            "ソフトウェア開発を行わない",
            "",
            row.version,
        )
        .await
        .unwrap();
    let page = p.get("/soa/2022").await;
    assert!(
        page.text.contains("revision-recommended"),
        "a change after approval recommends a revision"
    );
    let v2 = app.app.approve_soa(&president, "2022").await.unwrap();
    assert_eq!(v2.version, 2);
    assert!(
        !app.app
            .soa_state("2022")
            .await
            .unwrap()
            .revision_recommended
    );
    let events = app
        .app
        .store
        .events(&mamori_app::ports::AuditFilter {
            action: Some("soa.approve".into()),
            limit: 5,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(events.len(), 2);
    app.close().await;
}
mamori_testkit::db_test!(
    soa_approval,
    the_president_approves_the_soa_and_a_later_change_recommends_a_revision
);

async fn a_checklist_answered_with_evidence_feeds_the_obligations_and_opens_corrective_items(
    t: &TestDb,
) {
    let app = TestApp::start(t, false).await.without_demo_duties().await;
    let mut sec = app.signed_in(SECRETARIAT).await;
    let owner = app
        .app
        .store
        .person_by_email(SECURITY_OFFICER)
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string();
    sec.get("/checklists").await;
    let r = sec
        .post(
            "/checklists",
            &[
                ("document", "SYS"),
                ("owner_id", &owner),
                ("due_on", "2026-12-20"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let path = r.location();
    let again = sec
        .post(
            "/checklists",
            &[
                ("document", "SYS"),
                ("owner_id", &owner),
                ("due_on", "2026-12-20"),
            ],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let mut o = app.signed_in(SECURITY_OFFICER).await;
    assert!(o.get("/tasks").await.text.contains("運用確認事項（SYS）"));
    let page = o.get(&path).await;
    let items: Vec<String> = {
        let doc = scraper::Html::parse_document(&page.text);
        let sel = scraper::Selector::parse("input[name^=item_]").unwrap();
        doc.select(&sel)
            .map(|e| e.value().attr("value").unwrap().to_string())
            .collect()
    };
    assert_eq!(items.len(), 6, "SYS §5 has six checks");
    let head = app.audit_head().await;
    let incomplete = o
        .multipart(
            &path,
            &[("item_0", items[0].as_str()), ("answer_0", "yes")],
            &[],
        )
        .await;
    assert_eq!(incomplete.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.audit_head().await, head, "nothing written");
    let mut fields: Vec<(String, String)> = Vec::new();
    for (i, id) in items.iter().enumerate() {
        fields.push((format!("item_{i}"), id.clone()));
        fields.push((
            format!("answer_{i}"),
            if i == 1 { "no".into() } else { "yes".into() },
        ));
        fields.push((
            format!("comment_{i}"),
            if i == 1 {
                "ログ分析が未実施".into()
            } else {
                String::new()
            },
        ));
    }
    let refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let pdf = b"%PDF-1.4 evidence";
    let done = o
        .multipart(&path, &refs, &[("file_0", "点検記録.pdf", pdf)])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
    let shown = o.get(&path).await;
    assert!(shown.text.contains("回答済み") && shown.text.contains("ログ分析が未実施"));
    let link = {
        let doc = scraper::Html::parse_document(&shown.text);
        let sel = scraper::Selector::parse("#checklist-answers a").unwrap();
        doc.select(&sel)
            .next()
            .unwrap()
            .value()
            .attr("href")
            .unwrap()
            .to_string()
    };
    let file = o.get(&link).await;
    assert_eq!(file.text.as_bytes(), pdf);
    assert_eq!(sec.get(&link).await.status, StatusCode::OK);
    let mut other = app.signed_in(EMPLOYEE).await;
    assert_eq!(other.get(&link).await.status, StatusCode::NOT_FOUND);
    assert_eq!(other.get(&path).await.status, StatusCode::NOT_FOUND);
    // The answers are the obligations' status; the "no" is a corrective item.
    let actor = app.app.cli_actor(SECRETARIAT).await.unwrap();
    assert_eq!(
        app.app
            .obligation_detail(&actor, &items[0])
            .await
            .unwrap()
            .0
            .status
            .id(),
        "kept"
    );
    assert_eq!(
        app.app
            .obligation_detail(&actor, &items[1])
            .await
            .unwrap()
            .0
            .status
            .id(),
        "not_kept"
    );
    let tasks = o.get("/tasks").await;
    assert!(
        tasks.text.contains("是正") && !tasks.text.contains("運用確認事項（SYS）"),
        "{}",
        tasks.text
    );
    app.close().await;
}
mamori_testkit::db_test!(
    checklist,
    a_checklist_answered_with_evidence_feeds_the_obligations_and_opens_corrective_items
);

async fn checklist_duties_generate_their_round_once_when_due_soon(t: &TestDb) {
    let clock = Arc::new(ManualClock::new(
        time::macros::datetime!(2026-12-01 00:00 UTC),
    ));
    let app = TestApp::start_with_clock(t, false, clock.clone())
        .await
        .without_demo_duties()
        .await;
    let sec = app.app.cli_actor(SECRETARIAT).await.unwrap();
    let owner = app
        .app
        .store
        .person_by_email(SECURITY_OFFICER)
        .await
        .unwrap()
        .unwrap()
        .id;
    let input = mamori_app::duties::DutyInput {
        title: "運用確認（ネットワーク管理規程）".into(),
        source: "NET-5".into(),
        owner_id: Some(owner),
        cadence: "quarterly".into(),
        first_due: "2026-12-10".into(),
    };
    app.app.create_duty(&sec, &input).await.unwrap();
    app.app.run_alerts().await.unwrap();
    assert!(
        app.app.store.runs(Some(owner)).await.unwrap().is_empty(),
        "not yet: nine days ahead"
    );
    clock.set(time::macros::datetime!(2026-12-07 00:00 UTC));
    app.app.run_alerts().await.unwrap();
    app.app.run_alerts().await.unwrap();
    let runs = app.app.store.runs(Some(owner)).await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(
        (runs[0].document.as_str(), runs[0].due_on.to_string()),
        ("NET", "2026-12-10".to_string())
    );
    app.close().await;
}
mamori_testkit::db_test!(
    checklist_generation,
    checklist_duties_generate_their_round_once_when_due_soon
);

async fn a_periodic_duty_named_after_an_obligation_is_its_evidence(t: &TestDb) {
    let app = TestApp::start(t, false).await.without_demo_duties().await;
    let sec = app.app.cli_actor(SECRETARIAT).await.unwrap();
    let before = app.app.obligation_detail(&sec, "OUT-9c").await.unwrap().0;
    assert_eq!(before.status.id(), "not_assessed");
    let input = mamori_app::duties::DutyInput {
        title: "外部委託先管理規程の年次見直し".into(),
        source: "OUT-9c".into(),
        owner_id: Some(sec.id()),
        cadence: "yearly".into(),
        first_due: app.app.today().to_string(),
    };
    let d = app.app.create_duty(&sec, &input).await.unwrap();
    app.app
        .complete_duty(&sec, d.id, d.version, "第12回委員会で見直し、変更なし")
        .await
        .unwrap();
    let after = app.app.obligation_detail(&sec, "OUT-9c").await.unwrap().0;
    assert_eq!(after.status.id(), "kept");
    let latest = after.latest.unwrap();
    assert!(latest.evidence.contains("年次見直し") && latest.note.contains("変更なし"));
    assert!(after.next_due.is_some(), "due again in a year");
    app.close().await;
}
mamori_testkit::db_test!(
    duty_evidence,
    a_periodic_duty_named_after_an_obligation_is_its_evidence
);

async fn an_overdue_obligation_is_put_right_through_its_owners_checklist_and_the_soa_follows(
    t: &TestDb,
) {
    let app = TestApp::start(t, false).await;
    let rows = app.app.obligation_rows().await.unwrap();
    let overdue = rows
        .iter()
        .find(|r| r.status.id() == "overdue" && !r.obligation.annex.is_empty())
        .expect("the demo has an overdue obligation that cites Annex A");
    let id = overdue.obligation.id.clone();
    let control = overdue.obligation.annex[0].clone();
    let mut sec = app.signed_in(SECRETARIAT).await;
    let dash = sec.get("/compliance").await;
    assert!(
        dash.text.contains(&id),
        "the dashboard lists it among those needing attention"
    );
    let owner = app
        .app
        .store
        .person_by_email(SECURITY_OFFICER)
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string();
    let path = format!(
        "/compliance/obligations/{}",
        id.replace('(', "%28").replace(')', "%29")
    );
    sec.get(&path).await;
    let due = (app.app.today() + time::Duration::days(7)).to_string();
    let r = sec
        .post(
            &format!("{path}/ask"),
            &[("owner_id", &owner), ("due_on", &due)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let checklist = r.location();
    let mut o = app.signed_in(SECURITY_OFFICER).await;
    assert!(o.get("/tasks").await.text.contains(&checklist));
    let form = o.get(&checklist).await;
    let asked: Vec<String> = {
        let doc = scraper::Html::parse_document(&form.text);
        let sel = scraper::Selector::parse("input[name^=item_]").unwrap();
        doc.select(&sel)
            .map(|e| e.value().attr("value").unwrap().to_string())
            .collect()
    };
    assert_eq!(
        asked,
        vec![id.clone()],
        "the checklist asks about that obligation only"
    );
    let done = o
        .multipart(
            &checklist,
            &[
                ("item_0", id.as_str()),
                ("answer_0", "yes"),
                ("comment_0", "再確認済み"),
            ],
            &[("file_0", "記録.pdf", b"%PDF-1.4 ok")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
    let page = sec.get(&path).await;
    assert_eq!(page.select_text("#obligation-status"), vec!["遵守"]);
    let soa = app.app.soa("2013").await.unwrap();
    let covered: Vec<_> = soa.iter().filter(|r| r.citing.contains(&id)).collect();
    assert!(!covered.is_empty(), "{control} cites {id}");
    assert!(covered.iter().all(|r| {
        r.statuses
            .get(mamori_domain::compliance::status::ObligationStatus::Kept)
            >= 1
    }));
    app.close().await;
}
mamori_testkit::db_test!(
    ask_owner,
    an_overdue_obligation_is_put_right_through_its_owners_checklist_and_the_soa_follows
);

async fn an_assessment_carries_its_evidence_file_and_the_auditor_opens_it(t: &TestDb) {
    let app = TestApp::start(t, false).await;
    let id = periodic_obligation(&app).await;
    let path = format!(
        "/compliance/obligations/{}",
        id.replace('(', "%28").replace(')', "%29")
    );
    let mut sec = app.signed_in(SECRETARIAT).await;
    sec.get(&path).await;
    // Not kept needs a note even with a file; nothing is stored then.
    let before = app.audit_head().await;
    let r = sec
        .multipart(
            &path,
            &[("finding", "not_kept"), ("evidence", ""), ("note", "")],
            &[("file", "議事録.pdf", b"%PDF-1.4 minutes")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(app.audit_head().await, before);
    // Kept with only a file: the file is the evidence.
    let r = sec
        .multipart(
            &path,
            &[
                ("finding", "kept"),
                ("evidence", ""),
                ("note", "年次見直しの議事録"),
            ],
            &[("file", "議事録.pdf", b"%PDF-1.4 minutes")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let mut auditor = app.signed_in(AUDITOR).await;
    let page = auditor.get(&path).await;
    assert_eq!(
        page.select_text("#obligation-status"),
        vec!["遵守"],
        "{}",
        page.text
    );
    let link = page
        .text
        .split("href=\"/attachments/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or_else(|| panic!("no evidence link: {}", page.text))
        .to_string();
    let file = auditor.get(&format!("/attachments/{link}")).await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.text, "%PDF-1.4 minutes");
    app.close().await;
}
mamori_testkit::db_test!(
    evidence_file,
    an_assessment_carries_its_evidence_file_and_the_auditor_opens_it
);

async fn each_department_sees_where_its_people_stand(t: &TestDb) {
    let app = TestApp::start(t, false).await;
    let mut sec = app.signed_in(SECRETARIAT).await;
    let all = sec.get("/compliance/departments").await;
    assert_eq!(all.status, StatusCode::OK);
    let rows = all.select_text("#departments-rollup tbody tr th");
    assert!(rows.len() >= 10, "{rows:?}");
    // The demo has a quarterly duty of a 情報セキュリティ担当者 three days overdue.
    assert!(
        !all.select_text("#departments-rollup tr.behind").is_empty(),
        "{}",
        all.text
    );
    let mut officer = app.signed_in(SECURITY_OFFICER).await;
    let own = officer.get("/compliance/departments").await;
    assert_eq!(
        own.select_text("#departments-rollup tbody tr th"),
        vec!["営業一課"]
    );
    let mut emp = app.signed_in(EMPLOYEE).await;
    assert_eq!(
        emp.get("/compliance/departments").await.status,
        StatusCode::FORBIDDEN
    );
    let token = {
        let actor = app.app.cli_actor(AUDITOR).await.unwrap();
        app.app
            .create_token(&actor, "dept", None, None)
            .await
            .unwrap()
            .1
    };
    let mut c = app.client();
    let r = c
        .api(Method::GET, "/api/v1/compliance/departments", &token, None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["items"].as_array().unwrap().len(), rows.len());
    app.close().await;
}
mamori_testkit::db_test!(by_department, each_department_sees_where_its_people_stand);

async fn the_organisation_sets_its_own_cadence_of_a_periodic_obligation(t: &TestDb) {
    let clock = Arc::new(ManualClock::new(
        time::macros::datetime!(2026-12-01 00:00 UTC),
    ));
    let app = TestApp::start_with_clock(t, false, clock.clone()).await;
    let id = periodic_obligation(&app).await;
    let path = format!(
        "/compliance/obligations/{}",
        id.replace('(', "%28").replace(')', "%29")
    );
    let mut sec = app.signed_in(SECRETARIAT).await;
    sec.get(&path).await;
    let r = sec
        .post(
            &path,
            &[("finding", "kept"), ("evidence", "議事録"), ("note", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    clock.advance(time::Duration::days(40));
    // Sessions expire when idle: sign in again on the later day.
    let mut sec = app.signed_in(SECRETARIAT).await;
    let kept = sec.get(&path).await;
    assert_eq!(kept.select_text("#obligation-status"), vec!["遵守"]);
    // Monthly here: forty days on, it is due again.
    let r = sec
        .post(
            &format!("{path}/cadence"),
            &[("cadence", "monthly"), ("days", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = sec.get(&path).await;
    assert_ne!(
        page.select_text("#obligation-status"),
        vec!["遵守"],
        "{}",
        page.text
    );
    assert!(page.select_text("#obligation-cadence")[0].contains("monthly"));
    assert!(
        page.select_text("#obligation-cadence")[0].contains("yearly"),
        "the policy's default is shown"
    );
    let bad = sec
        .post(
            &format!("{path}/cadence"),
            &[("cadence", ""), ("days", "0")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut officer = app.signed_in(SECURITY_OFFICER).await;
    officer.get(&path).await;
    let r = officer
        .post(
            &format!("{path}/cadence"),
            &[("cadence", "yearly"), ("days", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Back to the policy's cadence.
    let r = sec
        .post(&format!("{path}/cadence"), &[("cadence", ""), ("days", "")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        sec.get(&path).await.select_text("#obligation-status"),
        vec!["遵守"]
    );
    app.close().await;
}
mamori_testkit::db_test!(
    own_cadence,
    the_organisation_sets_its_own_cadence_of_a_periodic_obligation
);
