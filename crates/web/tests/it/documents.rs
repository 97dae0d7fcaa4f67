//! The document library (M5): audience, revision and approval by the right
//! authority, publication with notices, the comprehension check, the
//! 情報セキュリティ担当者's follow-up, disposal, paper copies and NDAs,
//! and the import of existing policy text.

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use mamori_app::ports::ManualClock;
use mamori_testkit::TestDb;

use crate::harness::*;

const PRESIDENT: &str = "y.okada@minato-seiki.example";
const SYSTEM_ADMIN: &str = "j.smith@minato-seiki.example";

/// The demo policy set, in force, five documents sent with their checks.
async fn with_documents(app: &TestApp) {
    let p = mamori_io::policy_text::import_policy(mamori_app::demo::DEMO_POLICY);
    app.app
        .seed_demo_documents(&mamori_io::policy_text::library_documents(&p))
        .await
        .unwrap();
}

async fn doc_id(app: &TestApp, title: &str) -> String {
    app.app
        .store
        .documents()
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.title == title)
        .unwrap_or_else(|| panic!("no document {title}"))
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

/// The row version of a request's decision form, when the viewer may decide.
fn decide_lock(r: &Response) -> Option<String> {
    let doc = scraper::Html::parse_document(&r.text);
    let sel = scraper::Selector::parse("form[action$='/decide'] input[name=version]").unwrap();
    doc.select(&sel)
        .next()
        .and_then(|e| e.value().attr("value"))
        .map(str::to_string)
}

fn last_segment(path: &str) -> String {
    path.rsplit('/').next().unwrap().to_string()
}

/// The 事務局 starts a revision of a document, writes it, adds a check and
/// sends it for approval; returns (version path, request path).
async fn revise(sec: &mut Client, doc: &str, body: &str, quiz: &str) -> (String, String) {
    let r = sec.post(&format!("/documents/{doc}/revise"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let version_path = r.location();
    let page = sec.get(&version_path).await;
    let lock = page.input_value("version").unwrap();
    let r = sec
        .post(
            &format!("{version_path}/edit"),
            &[
                ("version", &lock),
                ("body", body),
                ("change_summary", "4.3 を追加"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let lock = sec.get(&version_path).await.input_value("version").unwrap();
    let r = sec
        .post(
            &format!("{version_path}/quiz"),
            &[("version", &lock), ("quiz", quiz)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let lock = sec.get(&version_path).await.input_value("version").unwrap();
    let today = sec_today();
    let r = sec
        .post(
            &format!("{version_path}/submit"),
            &[("version", &lock), ("effective_on", &today)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    (version_path, r.location())
}

fn sec_today() -> String {
    time::OffsetDateTime::now_utc()
        .to_offset(mamori_app::ORG_OFFSET)
        .date()
        .to_string()
}

const QUIZ: &str = "合格点: 100\nQ: 私的な投稿で禁止されているのは\n- 趣味の話題\n* 業務上の情報\nQ: 不適切な投稿を見つけたら\n* 総務部へ連絡する\n- 返信して反論する\n";

async fn a_committee_approved_revision_reaches_its_readers(t: &TestDb) {
    let app = TestApp::start(t, false).await;
    with_documents(&app).await;
    let sns = doc_id(&app, "SNS 利用規程").await;
    let mut sec = app.signed_in(SECRETARIAT).await;
    let page = sec.get(&format!("/documents/{sns}")).await;
    assert!(page.text.contains("第1版"), "{}", page.text);
    // The owner is named as the organisation names them now.
    let doc = app.app.store.document(sns.parse().unwrap()).await.unwrap();
    let owner = app.app.store.person(doc.owner_id).await.unwrap().name;
    assert!(
        page.text.contains(&format!("<dd>{owner}</dd>")),
        "{}",
        page.text
    );
    let body = "## １ 趣旨\n\n本規程は SNS の利用について定める。\n\n## ４．３ 投稿の確認\n\n- （１） 業務上の情報は投稿しない。\n";
    let (version_path, request_path) = revise(&mut sec, &sns, body, QUIZ).await;
    assert!(request_path.starts_with("/requests/"), "{request_path}");
    let request = sec.get(&request_path).await;
    assert!(request.text.contains("DA-"), "{}", request.text);
    assert!(request.text.contains("情報セキュリティ委員会") || request.text.contains("委員会"));
    // A reader sees neither the draft nor the version in review.
    let mut employee = app.signed_in(EMPLOYEE).await;
    assert_eq!(
        employee.get(&version_path).await.status,
        StatusCode::NOT_FOUND
    );
    // The committee decides it in a meeting.
    let created = sec
        .post(
            "/committee/new",
            &[
                ("kind", "regular"),
                ("title", "第13回 定例委員会"),
                ("held_at", "2026-12-10T15:00"),
                ("location", "本社"),
            ],
        )
        .await;
    let meeting_path = created.location();
    let meeting = sec.get(&meeting_path).await;
    let doc = scraper::Html::parse_document(&meeting.text);
    let sel = scraper::Selector::parse("#agenda form").unwrap();
    let item = doc
        .select(&sel)
        .filter_map(|f| f.value().attr("action"))
        .map(|a| a.split('/').nth(4).unwrap().to_string())
        .next()
        .expect("the revision is on the agenda");
    let meeting_id = last_segment(&meeting_path);
    let r = sec
        .post(
            &format!("/committee/{meeting_id}/items/{item}/decide"),
            &[("decision", "approved"), ("reasoning", "内容は妥当")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    // In force today: current, the old one superseded, readers notified.
    let v = sec.get(&version_path).await;
    assert_eq!(v.select_text("#version-state"), vec!["施行中"]);
    let d = sec.get(&format!("/documents/{sns}")).await;
    assert_eq!(d.select_text("#current-version"), vec!["第2版"]);
    assert!(d.text.contains("旧版"));
    let mut chair = app.signed_in(CHAIR).await;
    assert!(
        chair
            .get("/inbox")
            .await
            .text
            .contains("【報告】SNS 利用規程 第2版 承認")
    );
    assert!(
        employee
            .get("/inbox")
            .await
            .text
            .contains("【周知】SNS 利用規程 第2版")
    );
    let tasks = employee.get("/tasks").await;
    assert!(
        tasks.text.contains("理解度チェック: SNS 利用規程 第2版"),
        "{}",
        tasks.text
    );
    // The reader fails once, then passes; bound to this version.
    let page = employee.get(&format!("/documents/{sns}")).await;
    assert!(page.text.contains("業務上の情報は投稿しない"));
    let version_id = last_segment(&version_path);
    let unanswered = employee
        .post(
            &format!("/documents/versions/{version_id}/check"),
            &[("q0", "1")],
        )
        .await;
    assert_eq!(unanswered.status, StatusCode::UNPROCESSABLE_ENTITY);
    let failed = employee
        .post(
            &format!("/documents/versions/{version_id}/check"),
            &[("q0", "0"), ("q1", "0")],
        )
        .await;
    assert!(failed.text.contains("不合格"), "{}", failed.text);
    let passed = employee
        .post(
            &format!("/documents/versions/{version_id}/check"),
            &[("q0", "1"), ("q1", "0")],
        )
        .await;
    assert!(passed.text.contains("合格しました"), "{}", passed.text);
    let again = employee
        .post(
            &format!("/documents/versions/{version_id}/check"),
            &[("q0", "1"), ("q1", "0")],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(
        employee
            .get(&format!("/documents/{sns}"))
            .await
            .select_text("#my-status"),
        vec!["完了"]
    );
    // The two versions side by side.
    let older = app
        .app
        .store
        .doc_versions(sns.parse().unwrap())
        .await
        .unwrap()
        .into_iter()
        .find(|v| v.number == 1)
        .unwrap()
        .id;
    // Any two versions: the page offers both in a form.
    let page = employee.get(&format!("/documents/{sns}")).await;
    assert_eq!(page.select_text("#compare-form #from option").len(), 2);
    let cmp = employee
        .get(&format!("/documents/compare?from={older}&to={version_id}"))
        .await;
    assert_eq!(cmp.status, StatusCode::OK);
    assert!(
        !cmp.select_text("#diff tr.diff-added").is_empty()
            || !cmp.select_text("#diff tr.diff-changed").is_empty()
    );
    // The 事務局 sees the completion for every department.
    let reading = sec.get("/documents/reading").await;
    assert!(reading.text.contains("SNS 利用規程"));
    let readers = sec.get(&format!("/documents/reading/{version_id}")).await;
    assert!(readers.text.contains("青木"), "{}", readers.text);
    // One status at a time: only done readers, of whom 青木 is one.
    let done = sec
        .get(&format!("/documents/reading/{version_id}?status=done"))
        .await;
    assert!(!done.select_text("#readers tr.read-done").is_empty());
    assert_eq!(
        done.select_text("#readers tbody tr").len(),
        done.select_text("#readers tr.read-done").len()
    );
    // Everything went into the audit trail.
    let events = app
        .app
        .store
        .events(&mamori_app::ports::AuditFilter {
            action: Some("document.".into()),
            limit: 200,
            ..Default::default()
        })
        .await
        .unwrap();
    for action in [
        "document.revise",
        "document.edit",
        "document.submit",
        "document.quiz",
        "document.approved",
        "document.publish",
        "document.check_failed",
        "document.understood",
    ] {
        assert!(events.iter().any(|e| e.action == action), "{action}");
    }
    app.close().await;
}
mamori_testkit::db_test!(
    committee_revision,
    a_committee_approved_revision_reaches_its_readers
);

async fn the_president_approves_the_policy_and_nobody_else(t: &TestDb) {
    let app = TestApp::start(t, false).await;
    with_documents(&app).await;
    let pol = doc_id(&app, "情報セキュリティ方針").await;
    let mut sec = app.signed_in(SECRETARIAT).await;
    let (version_path, request_path) =
        revise(&mut sec, &pol, "## １ 趣旨\n\n改訂した方針。\n", "").await;
    let request = sec.get(&request_path).await;
    assert!(
        request.text.contains("岡田"),
        "the 社長 decides: {}",
        request.text
    );
    // The proposer may not decide; neither may the chair.
    assert!(
        decide_lock(&request).is_none(),
        "no decision form for the proposer"
    );
    let mut chair = app.signed_in(CHAIR).await;
    let page = chair.get(&request_path).await;
    assert!(decide_lock(&page).is_none(), "{}", page.text);
    let mut president = app.signed_in(PRESIDENT).await;
    let page = president.get(&request_path).await;
    let lock = decide_lock(&page).expect("the 社長 decides");
    let r = president
        .post(
            &format!("{request_path}/decide"),
            &[("version", &lock), ("decision", "approve"), ("comment", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let v = sec.get(&version_path).await;
    assert_eq!(v.select_text("#version-state"), vec!["施行中"]);
    // Acknowledge-only: no quiz, one button.
    let mut employee = app.signed_in(EMPLOYEE).await;
    let vid = last_segment(&version_path);
    let r = employee
        .post(&format!("/documents/versions/{vid}/check"), &[])
        .await;
    assert!(r.text.contains("合格しました"), "{}", r.text);
    app.close().await;
}
mamori_testkit::db_test!(
    president_approval,
    the_president_approves_the_policy_and_nobody_else
);

const EXTRA: &str = "バックアップ手順書\n\n１ 目的\nバックアップの手順を定める。\n２ 手順\n（１） 毎日取得する。(A.12.3.1)\n\n営業部門規程\n\n１ 趣旨\n営業部門の取扱いを定める。\n\n教育記録管理規程\n\n１ 記録\n実施した教育を記録する。\n";

async fn each_reader_sees_only_their_documents(t: &TestDb) {
    let app = TestApp::start(t, false).await;
    with_documents(&app).await;
    let mut sec = app.signed_in(SECRETARIAT).await;
    sec.get("/documents/import").await;
    let preview = sec
        .post(
            "/documents/import",
            &[("text", EXTRA), ("effective_on", "2026-04-01")],
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK);
    assert!(
        preview.text.contains("3 件の文書を認識しました"),
        "{}",
        preview.text
    );
    assert!(preview.text.contains("配置できなかった行 0 件"));
    assert!(
        app.app.store.documents().await.unwrap().len() == 16,
        "a preview writes nothing"
    );
    let done = sec
        .post(
            "/documents/import",
            &[
                ("text", EXTRA),
                ("effective_on", "2026-04-01"),
                ("confirm", "1"),
            ],
        )
        .await;
    assert!(done.text.contains("新規 3 件"), "{}", done.text);
    let procedure = doc_id(&app, "バックアップ手順書").await;
    let sales_rule = doc_id(&app, "営業部門規程").await;
    let record = doc_id(&app, "教育記録管理規程").await;
    let sales1 = app
        .app
        .store
        .departments()
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.code == "SALES1")
        .unwrap()
        .id
        .to_string();
    let auditor = person_id(&app, AUDITOR).await;
    // Audiences: the procedure for system administrators, the rule for
    // 営業一課, the record for one named person.
    for (doc, tier, label, key, value) in [
        (
            &procedure,
            "procedure",
            "confidential",
            "aud_roles",
            "system_admin",
        ),
        (
            &sales_rule,
            "rule",
            "internal",
            "aud_departments",
            sales1.as_str(),
        ),
        (
            &record,
            "record",
            "confidential",
            "aud_people",
            auditor.as_str(),
        ),
    ] {
        let form = sec.get(&format!("/documents/{doc}/edit")).await;
        let lock = form.input_value("version").unwrap();
        let title = form.input_value("title").unwrap();
        let r = sec
            .post(
                &format!("/documents/{doc}/edit"),
                &[
                    ("version", &lock),
                    ("title", &title),
                    ("tier", tier),
                    ("confidentiality", label),
                    (key, value),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    }
    let mut employee = app.signed_in(EMPLOYEE).await;
    let mut officer = app.signed_in(SECURITY_OFFICER).await;
    let mut admin = app.signed_in(SYSTEM_ADMIN).await;
    let mut audit = app.signed_in(AUDITOR).await;
    let sees = |r: &Response, title: &str| r.text.contains(title);
    let lib = employee.get("/documents").await;
    assert!(sees(&lib, "情報セキュリティ方針") && sees(&lib, "情報セキュリティ基本方針"));
    assert!(
        !sees(&lib, "バックアップ手順書")
            && !sees(&lib, "営業部門規程")
            && !sees(&lib, "教育記録管理規程")
    );
    for doc in [&procedure, &sales_rule, &record] {
        assert_eq!(
            employee.get(&format!("/documents/{doc}")).await.status,
            StatusCode::NOT_FOUND
        );
    }
    let lib = officer.get("/documents").await;
    assert!(sees(&lib, "営業部門規程") && !sees(&lib, "バックアップ手順書"));
    let lib = admin.get("/documents").await;
    assert!(sees(&lib, "バックアップ手順書") && !sees(&lib, "営業部門規程"));
    assert_eq!(
        admin.get(&format!("/documents/{procedure}")).await.status,
        StatusCode::OK
    );
    // The auditor is named on the record, and oversees the library anyway.
    let lib = audit.get("/documents").await;
    assert!(sees(&lib, "教育記録管理規程") && sees(&lib, "バックアップ手順書"));
    // The same in the API.
    let actor = app.app.cli_actor(EMPLOYEE).await.unwrap();
    let token = app
        .app
        .create_token(&actor, "docs", None, None)
        .await
        .unwrap()
        .1;
    let list = employee
        .api(Method::GET, "/api/v1/documents", &token, None)
        .await;
    assert_eq!(list.status, StatusCode::OK);
    let titles: Vec<String> = list.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["document"]["title"].as_str().unwrap().to_string())
        .collect();
    assert!(titles.contains(&"SNS 利用規程".to_string()));
    assert!(!titles.contains(&"バックアップ手順書".to_string()));
    let hidden = employee
        .api(
            Method::GET,
            &format!("/api/v1/documents/{procedure}"),
            &token,
            None,
        )
        .await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    // A change request about a library document without a policy code
    // (the annual review's outcome) is linked to it.
    let form = sec
        .get(&format!("/requests/new/change?document_id={procedure}"))
        .await;
    assert_eq!(form.select_text("p#document"), vec!["バックアップ手順書"]);
    let r = sec
        .post(
            "/requests/new/change",
            &[
                ("document_id", procedure.as_str()),
                ("clause", "２"),
                ("proposal", "取得を1日2回にする"),
                ("reason", "年次見直しの結果"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let listed = sec.get(&format!("/documents/{procedure}")).await;
    assert!(
        listed
            .select_text("#change-requests li")
            .iter()
            .any(|l| l.contains("バックアップ手順書 の変更申請")),
        "{}",
        listed.text
    );
    // An employee cannot name a document they may not read.
    let hidden = employee
        .post(
            "/requests/new/change",
            &[
                ("document_id", procedure.as_str()),
                ("proposal", "x"),
                ("reason", "y"),
            ],
        )
        .await;
    assert_eq!(hidden.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The public 基本方針 needs no sign-in; nothing else is public.
    let mut anon = app.client();
    let public = anon.get("/public/basic-policy").await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(public.text.contains("情報セキュリティ基本方針"));
    assert_eq!(anon.get("/documents").await.status, StatusCode::SEE_OTHER);
    // An audience that names nothing, or a public audience with an internal label, is refused.
    let form = sec.get(&format!("/documents/{sales_rule}/edit")).await;
    let lock = form.input_value("version").unwrap();
    for extra in [vec![], vec![("aud_public", "1")]] {
        let mut pairs = vec![
            ("version", lock.as_str()),
            ("title", "営業部門規程"),
            ("tier", "rule"),
            ("confidentiality", "internal"),
        ];
        pairs.extend(extra);
        let r = sec
            .post(&format!("/documents/{sales_rule}/edit"), &pairs)
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        assert!(r.text.contains("field-error"));
    }
    app.close().await;
}
mamori_testkit::db_test!(audience, each_reader_sees_only_their_documents);

async fn overdue_readers_are_chased_and_exemptions_reach_the_committee(t: &TestDb) {
    let clock = Arc::new(ManualClock::new(time::OffsetDateTime::now_utc()));
    let app = TestApp::start_with_clock(t, false, clock.clone()).await;
    with_documents(&app).await;
    let sns = doc_id(&app, "SNS 利用規程").await;
    let v = app
        .app
        .store
        .doc_versions(sns.parse().unwrap())
        .await
        .unwrap()
        .remove(0);
    let mut officer = app.signed_in(SECURITY_OFFICER).await;
    let summary = officer.get("/documents/reading").await;
    assert_eq!(summary.status, StatusCode::OK);
    assert!(
        summary
            .text
            .contains(&format!("/documents/reading/{}", v.id))
    );
    // The follow-up is kept per state of the data and per scope: the
    // company's figures never answer for a department, in either order.
    let secretariat = app.app.cli_actor(SECRETARIAT).await.unwrap();
    let own_scope = app.app.cli_actor(SECURITY_OFFICER).await.unwrap();
    let readers = |rows: Vec<mamori_app::documents::VersionTracking>| {
        rows.iter()
            .map(|r| r.done + r.pending + r.overdue + r.exempted)
            .sum::<u64>()
    };
    let own = readers(app.app.reading_status(&own_scope, None).await.unwrap());
    let company = readers(app.app.reading_status(&secretariat, None).await.unwrap());
    assert!(own > 0 && own < company, "{own} of {company}");
    assert_eq!(
        readers(app.app.reading_status(&own_scope, None).await.unwrap()),
        own
    );
    let page = officer.get(&format!("/documents/reading/{}", v.id)).await;
    assert_eq!(page.status, StatusCode::OK);
    // The officer sees their own department only.
    assert!(page.text.contains("清水"), "{}", page.text);
    assert!(!page.text.contains("青木"), "another department's reader");
    assert!(page.select_text(".read-overdue td").is_empty());
    let of_v = |rows: Vec<mamori_app::documents::VersionTracking>| {
        rows.into_iter().find(|r| r.version_id == v.id).unwrap()
    };
    let before = of_v(app.app.reading_status(&secretariat, None).await.unwrap());
    assert_eq!(before.overdue, 0);
    assert!(before.pending > 0);
    let status = |rows: Vec<mamori_app::compliance::ObligationRow>| {
        rows.into_iter()
            .find(|r| r.obligation.id == "DOC-4.3.3(3)")
            .map(|r| r.status)
    };
    // Evaluated before anyone is late: what the evaluation reads from the
    // data is kept for this state; the clock's part follows the minute.
    let not_kept = Some(mamori_domain::compliance::status::ObligationStatus::NotKept);
    assert_ne!(status(app.app.obligation_rows().await.unwrap()), not_kept);
    // A week and a minute later, the readers who did nothing are overdue.
    clock.advance(time::Duration::days(7) + time::Duration::minutes(1));
    // Only the clock moved: the company's tallies are kept, the overdue
    // counted anew.
    let after = of_v(app.app.reading_status(&secretariat, None).await.unwrap());
    assert_eq!((after.overdue, after.pending), (before.pending, 0));
    assert_eq!((after.done, after.exempted), (before.done, before.exempted));
    // The readers' records speak for DOC-4.3.3(3) on the dashboard.
    assert_eq!(status(app.app.obligation_rows().await.unwrap()), not_kept);
    // Counted in the database: nobody read in time, nobody is exempt.
    let evidence = app
        .app
        .obligation_rows()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.obligation.id == "DOC-4.3.3(3)")
        .and_then(|r| r.latest)
        .map(|a| a.evidence)
        .unwrap_or_default();
    assert!(
        evidence.starts_with("理解度チェック: 期限超過 ") && evidence.ends_with("・実施不能 0"),
        "{evidence}"
    );
    assert!(!evidence.contains("期限超過 0"), "{evidence}");
    // (the session has long expired: sign in again)
    let mut officer = app.signed_in(SECURITY_OFFICER).await;
    let page = officer.get(&format!("/documents/reading/{}", v.id)).await;
    assert!(
        !page.select_text("tr.read-overdue").is_empty(),
        "{}",
        page.text
    );
    let r = officer
        .post(&format!("/documents/versions/{}/remind", v.id), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let shown = officer.get(&r.location()).await;
    assert!(shown.text.contains("名に督促しました"), "{}", shown.text);
    let reminded: usize = r.location().split('=').nth(1).unwrap().parse().unwrap();
    assert!(reminded >= 1);
    // Once a day at most.
    let officer_id = person_id(&app, SECURITY_OFFICER).await;
    let notices = |app: &TestApp| {
        let store = app.app.store.clone();
        let id = officer_id.parse().unwrap();
        async move {
            store
                .inbox(id, 200)
                .await
                .unwrap()
                .into_iter()
                .filter(|i| i.kind == "document_reminder")
                .count()
        }
    };
    let before = notices(&app).await;
    assert!(before >= 1, "the officer is overdue too");
    officer
        .post(&format!("/documents/versions/{}/remind", v.id), &[])
        .await;
    assert_eq!(notices(&app).await, before, "once a day at most");
    // Someone who cannot: the reason reaches the committee.
    let no_reason = officer
        .post(
            &format!("/documents/versions/{}/exempt", v.id),
            &[("person_id", &officer_id), ("reason", " ")],
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = officer
        .post(
            &format!("/documents/versions/{}/exempt", v.id),
            &[("person_id", &officer_id), ("reason", "長期休職中")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let mut chair = app.signed_in(CHAIR).await;
    assert!(chair.get("/inbox").await.text.contains("長期休職中"));
    // Not for another department's reader.
    let other = person_id(&app, EMPLOYEE).await;
    let r = officer
        .post(
            &format!("/documents/versions/{}/exempt", v.id),
            &[("person_id", &other), ("reason", "x")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // An employee without the role has no follow-up screen.
    let mut employee = app.signed_in(EMPLOYEE).await;
    assert_eq!(
        employee.get("/documents/reading").await.status,
        StatusCode::FORBIDDEN
    );
    app.close().await;
}
mamori_testkit::db_test!(
    follow_up,
    overdue_readers_are_chased_and_exemptions_reach_the_committee
);

async fn disposal_paper_copies_and_disclosure_follow_the_rules(t: &TestDb) {
    let app = TestApp::start(t, false).await;
    with_documents(&app).await;
    let pol = doc_id(&app, "情報セキュリティ方針").await;
    let mut sec = app.signed_in(SECRETARIAT).await;
    // Paper copies of the version in force.
    let bad = sec
        .post(
            &format!("/documents/{pol}/paper-copies"),
            &[
                ("copies", "three"),
                ("location", "総務部 書庫"),
                ("holder", "総務部"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = sec
        .post(
            &format!("/documents/{pol}/paper-copies"),
            &[
                ("copies", "3"),
                ("location", "総務部 書庫"),
                ("holder", "総務部"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        sec.get(&format!("/documents/{pol}"))
            .await
            .text
            .contains("総務部 書庫")
    );
    // Outside disclosure of an internal document needs an NDA.
    let refused = sec
        .post(
            &format!("/documents/{pol}/disclosures"),
            &[
                ("recipient", "監査法人A"),
                ("purpose", "認証審査"),
                ("nda_reference", ""),
                ("nda_signed_on", ""),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text.contains("秘密保持契約"));
    assert!(
        app.app
            .store
            .disclosures(pol.parse().unwrap())
            .await
            .unwrap()
            .is_empty()
    );
    let r = sec
        .post(
            &format!("/documents/{pol}/disclosures"),
            &[
                ("recipient", "監査法人A"),
                ("purpose", "認証審査"),
                ("nda_reference", "NDA-2026-014"),
                ("nda_signed_on", "2026-10-01"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    // Disposal of the 方針: the 社長 approves, then it is gone for readers.
    let form = sec.get(&format!("/documents/{pol}")).await;
    let lock = {
        let doc = scraper::Html::parse_document(&form.text);
        let sel = scraper::Selector::parse("form[action$='/dispose'] input[name=version]").unwrap();
        doc.select(&sel)
            .next()
            .unwrap()
            .value()
            .attr("value")
            .unwrap()
            .to_string()
    };
    let r = sec
        .post(
            &format!("/documents/{pol}/dispose"),
            &[
                ("version", &lock),
                ("reason", "新方針に統合"),
                ("method", "電子データ削除・紙はシュレッダー"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let d = app.app.store.document(pol.parse().unwrap()).await.unwrap();
    assert!(d.disposed_at.is_none(), "waits for the 社長");
    let rid = d.disposal_request_id.unwrap();
    let mut president = app.signed_in(PRESIDENT).await;
    let page = president.get(&format!("/requests/{rid}")).await;
    let lock = decide_lock(&page).expect("the 社長 decides disposal");
    let r = president
        .post(
            &format!("/requests/{rid}/decide"),
            &[("version", &lock), ("decision", "approve"), ("comment", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let d = app.app.store.document(pol.parse().unwrap()).await.unwrap();
    assert!(d.disposed_at.is_some());
    assert_eq!(
        d.disposal_method.as_deref(),
        Some("電子データ削除・紙はシュレッダー")
    );
    let mut employee = app.signed_in(EMPLOYEE).await;
    assert_eq!(
        employee.get(&format!("/documents/{pol}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(
        sec.get(&format!("/documents/{pol}"))
            .await
            .text
            .contains("廃棄済み")
    );
    app.close().await;
}
mamori_testkit::db_test!(
    disposal,
    disposal_paper_copies_and_disclosure_follow_the_rules
);

async fn bad_drafts_and_quizzes_change_nothing(t: &TestDb) {
    let app = TestApp::start(t, false).await;
    with_documents(&app).await;
    let use_doc = doc_id(&app, "システム利用規程").await;
    let mut sec = app.signed_in(SECRETARIAT).await;
    let r = sec.post(&format!("/documents/{use_doc}/revise"), &[]).await;
    let version_path = r.location();
    // A second revision while one is open is refused.
    let again = sec.post(&format!("/documents/{use_doc}/revise"), &[]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let lock = sec.get(&version_path).await.input_value("version").unwrap();
    let bad_quiz = sec
        .post(
            &format!("{version_path}/quiz"),
            &[("version", &lock), ("quiz", "Q: 二つ正解\n* a\n* b\n")],
        )
        .await;
    assert_eq!(bad_quiz.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_quiz.text.contains("正解"), "{}", bad_quiz.text);
    // The text typed stays in the form.
    assert!(bad_quiz.text.contains("二つ正解"));
    let empty = sec
        .post(
            &format!("{version_path}/edit"),
            &[("version", &lock), ("body", "  "), ("change_summary", "")],
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Without a summary of the changes it is not sent.
    let no_summary = sec
        .post(
            &format!("{version_path}/submit"),
            &[("version", &lock), ("effective_on", "2026-12-01")],
        )
        .await;
    assert_eq!(no_summary.status, StatusCode::UNPROCESSABLE_ENTITY);
    // A stale form is refused.
    let stale = sec
        .post(
            &format!("{version_path}/edit"),
            &[("version", "0"), ("body", "x"), ("change_summary", "y")],
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    let v = app
        .app
        .store
        .doc_version(last_segment(&version_path).parse().unwrap())
        .await
        .unwrap();
    assert_eq!(v.version, 1, "nothing was written");
    assert!(v.quiz.is_none());
    // Only the 事務局 edits the library.
    let mut employee = app.signed_in(EMPLOYEE).await;
    assert_eq!(
        employee
            .post(&format!("/documents/{use_doc}/revise"), &[])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    app.close().await;
}
mamori_testkit::db_test!(bad_input, bad_drafts_and_quizzes_change_nothing);

async fn the_seed_uploads_as_sixteen_documents(t: &TestDb) {
    let app = TestApp::start(t, false).await;
    let seed = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/seed/000_fcbdc1ab85e646a3.txt"),
    )
    .unwrap();
    let mut sec = app.signed_in(SECRETARIAT).await;
    sec.get("/documents/import").await;
    let preview = sec
        .multipart(
            "/documents/import",
            &[("effective_on", "2026-04-01"), ("text", "")],
            &[("file", "policy.txt", &seed)],
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.text);
    assert!(preview.text.contains("16 件の文書を認識しました"));
    assert!(app.app.store.documents().await.unwrap().is_empty());
    // The preview carries the text for the confirmation.
    let text = preview.select_text("#text").join("");
    assert!(text.len() > 100_000);
    let done = sec
        .multipart(
            "/documents/import",
            &[
                ("effective_on", "2026-04-01"),
                ("text", &text),
                ("confirm", "1"),
            ],
            &[],
        )
        .await;
    assert!(done.text.contains("新規 16 件"), "{}", done.text);
    let docs = app.app.store.documents().await.unwrap();
    assert_eq!(docs.len(), 16);
    let basic = docs
        .iter()
        .find(|d| d.tier == mamori_domain::documents::Tier::BasicPolicy)
        .expect("the 基本方針");
    assert!(basic.audience.public);
    let rules = docs
        .iter()
        .filter(|d| d.tier == mamori_domain::documents::Tier::Rule)
        .count();
    assert_eq!(rules, 14, "the 14 規程");
    let policy = docs
        .iter()
        .find(|d| d.tier == mamori_domain::documents::Tier::Policy)
        .unwrap();
    assert_eq!(policy.parent_id, Some(basic.id), "方針 under 基本方針");
    assert!(
        docs.iter()
            .filter(|d| d.tier == mamori_domain::documents::Tier::Rule)
            .all(|d| d.parent_id == Some(policy.id))
    );
    // Every 規程 keeps its numbered sections; the eleven that cite Annex A
    // keep their references.
    let mut citing = 0;
    for d in docs
        .iter()
        .filter(|d| d.tier == mamori_domain::documents::Tier::Rule)
    {
        let v = &app.app.store.doc_versions(d.id).await.unwrap()[0];
        assert!(v.imported && v.state == mamori_domain::documents::VersionState::Current);
        assert!(
            v.body.contains("\n## ") || v.body.starts_with("## "),
            "{}",
            d.title
        );
        citing += usize::from(v.body.contains("(A."));
        assert!(d.review_duty_id.is_some(), "{} is reviewed yearly", d.title);
    }
    assert_eq!(citing, 11);
    // The annual reviews are the owner's periodic duties, a year on.
    let duties = app.app.store.duties(None).await.unwrap();
    assert!(
        duties
            .iter()
            .any(|x| x.title.starts_with("年次見直し") && x.next_due.to_string() == "2027-04-01")
    );
    // A Shift_JIS file reads as well; a file that is not text is refused.
    let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode("テスト規程\n\n１ 趣旨\n本規程は例である。\n");
    let r = sec
        .multipart("/documents/import", &[], &[("file", "sjis.txt", &sjis)])
        .await;
    assert!(r.text.contains("1 件の文書を認識しました"), "{}", r.text);
    let r = sec
        .multipart(
            "/documents/import",
            &[],
            &[("file", "x.bin", &[0xff, 0xfe, 0x00, 0x81])],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    app.close().await;
}
mamori_testkit::db_test!(seed_upload, the_seed_uploads_as_sixteen_documents);

async fn the_api_revises_and_sends_for_approval(t: &TestDb) {
    let app = TestApp::start(t, false).await;
    with_documents(&app).await;
    let sns = doc_id(&app, "SNS 利用規程").await;
    let actor = app.app.cli_actor(SECRETARIAT).await.unwrap();
    let token = app
        .app
        .create_token(&actor, "docs", None, None)
        .await
        .unwrap()
        .1;
    let mut c = app.client();
    let v = c
        .api(
            Method::POST,
            &format!("/api/v1/documents/{sns}/revisions"),
            &token,
            None,
        )
        .await;
    assert_eq!(v.status, StatusCode::CREATED, "{}", v.text);
    let vid = v.json()["id"].as_str().unwrap().to_string();
    assert_eq!(v.json()["state"], "draft");
    let bad = c
        .api(
            Method::POST,
            &format!("/api/v1/document-versions/{vid}/draft"),
            &token,
            Some(serde_json::json!({"version": 1, "body": " ", "change_summary": ""})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.text.contains("body"),
        "problem+json names the field: {}",
        bad.text
    );
    let saved = c
        .api(
            Method::POST,
            &format!("/api/v1/document-versions/{vid}/draft"),
            &token,
            Some(serde_json::json!({"version": 1, "body": "## １ 趣旨\n\n改訂。\n", "change_summary": "趣旨を改訂"})),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
    let quiz = serde_json::json!({"version": 2, "quiz": {"pass_mark": 100, "questions": [
        {"text": "改訂されたのは", "choices": ["趣旨", "罰則"], "answer": 0}]}});
    let q = c
        .api(
            Method::POST,
            &format!("/api/v1/document-versions/{vid}/quiz"),
            &token,
            Some(quiz.clone()),
        )
        .await;
    assert_eq!(q.status, StatusCode::OK, "{}", q.text);
    // The same lock twice: the second is stale.
    let stale = c
        .api(
            Method::POST,
            &format!("/api/v1/document-versions/{vid}/quiz"),
            &token,
            Some(quiz),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    let sent = c
        .api(
            Method::POST,
            &format!("/api/v1/document-versions/{vid}/submission"),
            &token,
            Some(serde_json::json!({"version": 3, "effective_on": "2027-01-01"})),
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.text);
    assert_eq!(sent.json()["state"], "in_review");
    assert!(sent.json()["request_id"].is_string());
    // An employee's token cannot revise.
    let emp = app.app.cli_actor(EMPLOYEE).await.unwrap();
    let emp_token = app.app.create_token(&emp, "x", None, None).await.unwrap().1;
    let refused = c
        .api(
            Method::POST,
            &format!("/api/v1/documents/{sns}/revisions"),
            &emp_token,
            None,
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    app.close().await;
}
mamori_testkit::db_test!(api_revision, the_api_revises_and_sends_for_approval);
