//! The committee's meeting: agenda from pending items, decisions that move
//! requests, the chair calling a non-standing member, action items, minutes.

use axum::http::StatusCode;
use mamori_domain::workflow::RequestState;
use mamori_testkit::TestDb;

use crate::harness::*;

async fn a_meeting_decides_its_agenda_and_publishes_minutes(t: &TestDb) {
    let app = TestApp::start(t, false).await;
    let mut employee = app.signed_in(EMPLOYEE).await;
    employee.get("/requests/new/exception").await;
    let r = employee
        .post(
            "/requests/new/exception",
            &[
                ("document", "SYS"),
                ("clause", "4.2.2(4)"),
                ("reason", "要員不足"),
                ("alternative", "外部委託で補う"),
                ("valid_from", "2026-12-01"),
                ("valid_until", "2027-05-31"),
            ],
        )
        .await;
    let exception_path = r.location();
    employee.get("/requests/new/change").await;
    let change = employee
        .post(
            "/requests/new/change",
            &[
                ("document", "USE"),
                ("clause", "4.4.3"),
                ("proposal", "上限 20MB"),
                ("reason", "業務"),
            ],
        )
        .await;
    let change_path = change.location();
    // An employee cannot convene or even see the committee's pages.
    assert_eq!(
        employee.get("/committee/new").await.status,
        StatusCode::FORBIDDEN
    );
    let mut sec = app.signed_in(SECRETARIAT).await;
    let list = sec.get("/committee").await;
    assert_eq!(
        list.select_text("#pending-items li").len(),
        2,
        "{}",
        list.text
    );
    sec.get("/committee/new").await;
    let bad = sec
        .post(
            "/committee/new",
            &[
                ("kind", "regular"),
                ("title", ""),
                ("held_at", "tomorrow"),
                ("location", "本社"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let created = sec
        .post(
            "/committee/new",
            &[
                ("kind", "regular"),
                ("title", "第12回 定例委員会"),
                ("held_at", "2026-12-10T15:00"),
                ("location", "本社 大会議室"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text);
    let meeting_path = created.location();
    let page = sec.get(&meeting_path).await;
    assert!(page.text.contains("MTG-2026-0001"));
    assert_eq!(page.select_text("#agenda > li").len(), 2);
    assert!(
        page.select_text("#attendees li").len() >= 10,
        "standing members attend"
    );
    assert!(
        sec.get("/committee")
            .await
            .select_text("#pending-items li")
            .is_empty(),
        "now on an agenda"
    );
    // The chair calls a non-standing member; the secretariat may not.
    let meeting_id = meeting_path.rsplit('/').next().unwrap().to_string();
    let attendees = app
        .app
        .store
        .attendees(meeting_id.parse().unwrap())
        .await
        .unwrap();
    let ns = app
        .app
        .store
        .assignments(&mamori_app::ports::AssignmentFilter {
            role: Some(mamori_domain::Role::CommitteeNonStandingMember),
            active_on: Some(app.app.today()),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.person_id)
        .find(|id| !attendees.iter().any(|x| x.person_id == *id))
        .map(|id| id.to_string())
        .expect("the demo has a non-standing member who is not a standing one");
    let refused = sec
        .post(
            &format!("/committee/{meeting_id}/call"),
            &[("person_id", &ns)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let mut chair = app.signed_in(CHAIR).await;
    let chair_page = chair.get(&meeting_path).await;
    assert!(!chair_page.select_text("#call option").is_empty());
    let r = chair
        .post(
            &format!("/committee/{meeting_id}/call"),
            &[("person_id", &ns)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        sec.get(&meeting_path)
            .await
            .text
            .contains("非常勤委員（委員長の招集）")
    );
    // Decide: the exception with conditions, the change request continued.
    let agenda_ids = |html: &str| -> Vec<String> {
        let doc = scraper::Html::parse_document(html);
        let sel = scraper::Selector::parse("#agenda form").unwrap();
        doc.select(&sel)
            .filter_map(|f| f.value().attr("action"))
            .map(|a| a.split('/').nth(4).unwrap().to_string())
            .collect()
    };
    let page = sec.get(&meeting_path).await;
    let items = agenda_ids(&page.text);
    assert_eq!(items.len(), 2);
    let exc_item = if page.text.find("EXC-2026-0001") < page.text.find("CR-2026-0001") {
        &items[0]
    } else {
        &items[1]
    };
    let cr_item = if exc_item == &items[0] {
        &items[1]
    } else {
        &items[0]
    };
    let no_conditions = sec
        .post(
            &format!("/committee/{meeting_id}/items/{exc_item}/decide"),
            &[
                ("decision", "conditionally_approved"),
                ("reasoning", "やむを得ない"),
            ],
        )
        .await;
    assert_eq!(no_conditions.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = sec
        .post(
            &format!("/committee/{meeting_id}/items/{exc_item}/decide"),
            &[
                ("decision", "conditionally_approved"),
                ("reasoning", "やむを得ない"),
                ("conditions", "3か月ごとに状況を報告"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = sec
        .post(
            &format!("/committee/{meeting_id}/items/{cr_item}/decide"),
            &[("decision", "continued"), ("reasoning", "影響調査が必要")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let again = sec
        .post(
            &format!("/committee/{meeting_id}/items/{cr_item}/decide"),
            &[("decision", "approved"), ("reasoning", "x")],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let exc = employee.get(&exception_path).await;
    assert!(
        exc.text.contains("承認済み") && exc.text.contains("3か月ごとに状況を報告"),
        "{}",
        exc.text
    );
    let cr = app
        .app
        .store
        .request(change_path.rsplit('/').next().unwrap().parse().unwrap())
        .await
        .unwrap();
    assert_eq!(
        cr.state,
        RequestState::InReview,
        "continued: still waiting for the committee"
    );
    assert_eq!(
        sec.get("/committee")
            .await
            .select_text("#pending-items li")
            .len(),
        1,
        "back on the pending list"
    );
    // An action item for the employee reaches their tasks.
    let employee_id = app
        .app
        .store
        .person_by_email(EMPLOYEE)
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string();
    let r = sec
        .post(
            &format!("/committee/{meeting_id}/actions"),
            &[
                ("title", "委託先の選定案を提出"),
                ("owner_id", &employee_id),
                ("due_on", "2026-12-24"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        employee
            .get("/tasks")
            .await
            .text
            .contains("委託先の選定案を提出")
    );
    // Minutes: published once, to the attendees; then nothing changes.
    let page = sec.get(&meeting_path).await;
    let minutes = page.select_text("#minutes").pop().unwrap();
    assert!(
        minutes.contains("条件付き承認")
            && minutes.contains("継続審議")
            && minutes.contains("委託先の選定案を提出"),
        "{minutes}"
    );
    let v = page.input_value("version").unwrap();
    let r = sec
        .post(
            &format!("/committee/{meeting_id}/publish"),
            &[("version", &v)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert!(chair.get("/inbox").await.text.contains("議事録"));
    let late = sec
        .post(
            &format!("/committee/{meeting_id}/items"),
            &[("title", "追加議題")],
        )
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    let events = app
        .app
        .store
        .events(&mamori_app::ports::AuditFilter {
            action: Some("meeting.".into()),
            limit: 20,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(events.iter().any(|e| e.action == "meeting.publish_minutes"));
    assert!(
        events
            .iter()
            .filter(|e| e.action == "meeting.decision")
            .count()
            == 2
    );
    app.close().await;
}
mamori_testkit::db_test!(meeting, a_meeting_decides_its_agenda_and_publishes_minutes);
