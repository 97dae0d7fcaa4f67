//! Keeping the organisation through the UI.

use axum::http::StatusCode;
use mamori_testkit::TestDb;

use crate::harness::*;

async fn secretariat_adds_a_person_and_finds_it_in_the_audit_trail(t: &TestDb) {
    let app = TestApp::start(t, false).await;
    let mut c = app.signed_in(SECRETARIAT).await;
    let depts = app.app.store.departments().await.unwrap();
    let sales = depts
        .iter()
        .find(|d| d.code == "SALES")
        .unwrap()
        .id
        .to_string();
    c.get("/org/people/new").await;
    let r = c
        .post(
            "/org/people/new",
            &[
                ("employee_no", "E9001"),
                ("name", "監査 一郎"),
                ("name_kana", "かんさ いちろう"),
                ("email", "K.Ichiro@Minato-Seiki.example"),
                ("employment_type", "contract"),
                ("department_id", &sales),
                ("joined_on", "2026-11-01"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = c.get(&r.location()).await;
    assert!(
        page.text.contains("監査 一郎")
            && page.text.contains("k.ichiro@minato-seiki.example")
            && page.text.contains("契約社員")
    );
    let audit = c.get("/audit?action=person.create").await;
    assert!(
        audit.text.contains("person.create") && audit.text.contains("監査 一郎"),
        "{}",
        audit.text
    );
    let by_who = c
        .get("/audit?action=person.create&actor=M.Suzuki%40minato-seiki.example")
        .await;
    assert!(by_who.text.contains("監査 一郎"));
    let by_other = c
        .get("/audit?action=person.create&actor=m.aoki%40minato-seiki.example")
        .await;
    assert!(!by_other.text.contains("監査 一郎"), "{}", by_other.text);
    let listed = c.get("/org/people?q=%E7%9B%A3%E6%9F%BB").await;
    assert!(listed.text.contains("監査 一郎"));
    app.close().await;
}
mamori_testkit::db_test!(
    add_person,
    secretariat_adds_a_person_and_finds_it_in_the_audit_trail
);

async fn bad_person_input_is_explained_at_each_field_and_writes_nothing(t: &TestDb) {
    let app = TestApp::start(t, false).await;
    let mut c = app.signed_in(SECRETARIAT).await;
    c.get("/org/people/new").await;
    let head = app.audit_head().await;
    let r = c
        .post(
            "/org/people/new",
            &[
                ("employee_no", "E 1"),
                ("name", ""),
                ("name_kana", "Yamada"),
                ("email", "not-an-address"),
                ("employment_type", "パート"),
                ("joined_on", "2026-13-01"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let errors = r.select_text("p.field-error");
    for expected in [
        "英数字",
        "入力してください",
        "ひらがな",
        "メールアドレスの形式",
        "雇用区分は",
        "YYYY-MM-DD",
    ] {
        assert!(
            errors.iter().any(|e| e.contains(expected)),
            "missing {expected}: {errors:?}"
        );
    }
    assert_eq!(
        r.input_value("name_kana").as_deref(),
        Some("Yamada"),
        "the form keeps what was typed"
    );
    assert_eq!(app.audit_head().await, head);
    app.close().await;
}
mamori_testkit::db_test!(
    bad_person_input,
    bad_person_input_is_explained_at_each_field_and_writes_nothing
);

async fn health_view_shows_what_breaks_the_policy_live(t: &TestDb) {
    let app = TestApp::start(t, false).await;
    let mut c = app.signed_in(SECRETARIAT).await;
    let page = c.get("/org/health").await;
    assert!(
        page.text.contains("方針に反する点はありません"),
        "{}",
        page.text
    );
    // End the only security officer of 企画部 today: the view flags it at once.
    let planning = app
        .app
        .store
        .departments()
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.code == "PLANNING")
        .unwrap();
    let officers = app
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
    let yesterday = (app.app.today() - time::Duration::days(1)).to_string();
    for o in &officers {
        let r = c
            .post(
                &format!("/org/roles/{}/end", o.a_id()),
                &[("ends_on", &yesterday)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
    }
    let page = c.get("/org/health").await;
    assert!(
        page.text
            .contains("企画部 に情報セキュリティ担当者がいません"),
        "{}",
        page.text
    );
    assert!(page.text.contains("POL-7.6"));
    // An ordinary employee may not see it.
    let mut e = app.signed_in(EMPLOYEE).await;
    assert_eq!(e.get("/org/health").await.status, StatusCode::FORBIDDEN);
    app.close().await;
}
mamori_testkit::db_test!(health, health_view_shows_what_breaks_the_policy_live);

trait AssignmentId {
    fn a_id(&self) -> uuid::Uuid;
}
impl AssignmentId for mamori_domain::org::RoleAssignment {
    fn a_id(&self) -> uuid::Uuid {
        self.id
    }
}

async fn vice_chair_deputises_for_an_unavailable_chair(t: &TestDb) {
    let app = TestApp::start(t, false).await;
    let mut c = app.signed_in(SECRETARIAT).await;
    c.get("/org/delegation").await;
    let r = c
        .post(
            "/org/delegation",
            &[("reason", "海外出張のため"), ("until", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let vice = app
        .app
        .store
        .assignments(&mamori_app::ports::AssignmentFilter {
            role: Some(mamori_domain::Role::CommitteeViceChair),
            ..Default::default()
        })
        .await
        .unwrap()[0]
        .person_id;
    let vice_email = app.app.store.person(vice).await.unwrap().email;
    let mut deputy = app.signed_in(&vice_email).await;
    let home = deputy.get("/").await;
    assert!(
        home.text.contains("代行中") && home.text.contains("委員長"),
        "{}",
        home.text
    );
    let again = c.post("/org/delegation", &[("reason", "重複")]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let audit = c.get("/audit?action=delegation.").await;
    assert!(audit.text.contains("delegation.start") && audit.text.contains("海外出張"));
    // A meeting held now is chaired by the deputy, and its minutes say so.
    let now = (app.app.now() + time::Duration::minutes(1)).to_offset(mamori_app::ORG_OFFSET);
    let held = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute()
    );
    c.get("/committee/new").await;
    let m = c
        .post(
            "/committee/new",
            &[
                ("kind", "extraordinary"),
                ("title", "臨時委員会"),
                ("held_at", &held),
                ("location", "本社"),
            ],
        )
        .await;
    let page = c.get(&m.location()).await;
    let minutes = page.select_text("#minutes").pop().unwrap();
    assert!(
        minutes.contains("議長: 副委員長") && minutes.contains("不在のため代行"),
        "{minutes}"
    );
    app.close().await;
}
mamori_testkit::db_test!(delegation, vice_chair_deputises_for_an_unavailable_chair);

async fn departments_form_a_tree_and_refuse_cycles(t: &TestDb) {
    let app = TestApp::start(t, false).await;
    let mut c = app.signed_in(SECRETARIAT).await;
    let depts = app.app.store.departments().await.unwrap();
    let sales = depts.iter().find(|d| d.code == "SALES").unwrap().clone();
    let sales1 = depts.iter().find(|d| d.code == "SALES1").unwrap().clone();
    let page = c.get("/org/departments").await;
    assert!(page.text.contains("depth-1") && page.text.contains("営業一課"));
    c.get(&format!("/org/departments/{}", sales.id)).await;
    let r = c
        .post(
            &format!("/org/departments/{}", sales.id),
            &[
                ("code", "SALES"),
                ("name", "営業部"),
                ("parent_id", &sales1.id.to_string()),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("循環"));
    let stale = c
        .post(
            &format!("/org/departments/{}", sales.id),
            &[("code", "SALES"), ("name", "営業本部"), ("version", "0")],
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    let del = c
        .post(
            &format!("/org/departments/{}/delete", sales.id),
            &[("version", "1")],
        )
        .await;
    assert_eq!(
        del.status,
        StatusCode::CONFLICT,
        "a department with sections cannot be deleted"
    );
    app.close().await;
}
mamori_testkit::db_test!(departments, departments_form_a_tree_and_refuse_cycles);
