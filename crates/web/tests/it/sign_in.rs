//! Sign-in by the policy's rules: no enumeration, lockout, forced change,
//! TOTP, sessions, CSRF and headers.

use axum::http::StatusCode;
use mamori_app::auth::NewUserRole;
use mamori_domain::Role;
use mamori_testkit::TestDb;

use crate::harness::*;

async fn wrong_password_and_unknown_account_answer_alike(t: &TestDb) {
    let app = TestApp::start(t, false).await;
    let mut c = app.client();
    let wrong = c.sign_in(EMPLOYEE, "Wrong#Pass2026").await;
    let unknown = c
        .sign_in("nobody@minato-seiki.example", "Wrong#Pass2026")
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.select_text("p.error"), unknown.select_text("p.error"));
    assert!(
        wrong
            .text
            .contains("メールアドレスまたはパスワードが正しくない")
    );
    let ok = c.sign_in(EMPLOYEE, DEMO_PASSWORD).await;
    assert_eq!(
        (ok.status, ok.location()),
        (StatusCode::SEE_OTHER, "/".to_string())
    );
    let home = c.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.text.contains("<html lang=\"ja\">"));
    assert!(home.text.contains("ようこそ"));
    app.close().await;
}
mamori_testkit::db_test!(
    no_enumeration,
    wrong_password_and_unknown_account_answer_alike
);

async fn tenth_failure_locks_until_an_administrator_unlocks(t: &TestDb) {
    let app = TestApp::start(t, false).await;
    let mut c = app.client();
    for _ in 0..10 {
        assert_eq!(
            c.sign_in(EMPLOYEE, "Wrong#Pass2026").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    // Now even the right password is refused, with the same message.
    let r = c.sign_in(EMPLOYEE, DEMO_PASSWORD).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let events = app
        .app
        .store
        .events(&mamori_app::ports::AuditFilter {
            action: Some("account.locked".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    let person = events[0].entity_id.clone().unwrap();
    let mut admin = app.signed_in(SECRETARIAT).await;
    let page = admin.get(&format!("/org/people/{person}")).await;
    assert!(page.text.contains("ロック中"), "{}", page.text);
    let r = admin
        .post(&format!("/org/people/{person}/unlock"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        c.sign_in(EMPLOYEE, DEMO_PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    app.close().await;
}
mamori_testkit::db_test!(lockout, tenth_failure_locks_until_an_administrator_unlocks);

async fn new_privileged_user_must_change_password_then_enrol_totp(t: &TestDb) {
    let app = TestApp::start(t, true).await;
    app.app
        .create_user(
            "new.auditor@minato-seiki.example",
            "新人 監査",
            &[NewUserRole {
                role: Role::Auditor,
                department_code: None,
            }],
            "Temp#Pass2026x",
        )
        .await
        .unwrap();
    let mut c = app.client();
    let r = c
        .sign_in("new.auditor@minato-seiki.example", "Temp#Pass2026x")
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // Every page leads to the password change first.
    assert_eq!(c.get("/org/people").await.location(), "/me/password");
    let page = c.get("/me/password").await;
    assert!(page.text.contains("class=\"notice\""));
    let weak = c
        .post(
            "/me/password",
            &[
                ("current_password", "Temp#Pass2026x"),
                ("new_password", "short"),
                ("confirm_password", "short"),
            ],
        )
        .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(weak.text.contains("短すぎます"), "{}", weak.text);
    let reused = c
        .post(
            "/me/password",
            &[
                ("current_password", "Temp#Pass2026x"),
                ("new_password", "Temp#Pass2026x"),
                ("confirm_password", "Temp#Pass2026x"),
            ],
        )
        .await;
    assert!(
        reused.text.contains("最近使ったパスワード"),
        "{}",
        reused.text
    );
    let ok = c
        .post(
            "/me/password",
            &[
                ("current_password", "Temp#Pass2026x"),
                ("new_password", "Changed#Pass2026y"),
                ("confirm_password", "Changed#Pass2026y"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    // The auditor role is privileged: two-factor enrolment comes next.
    assert_eq!(c.get("/").await.location(), "/me/mfa");
    let setup = c.get("/me/mfa").await;
    let secret = setup.select_text("#totp-secret").pop().unwrap();
    let wrong = c.post("/me/mfa", &[("code", "000000")]).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let done = c.post("/me/mfa", &[("code", &totp_now(&secret))]).await;
    assert_eq!(
        done.select_text("#recovery-codes li").len(),
        10,
        "{}",
        done.text
    );
    let codes = done.select_text("#recovery-codes li");
    assert_eq!(c.get("/").await.status, StatusCode::OK);
    // Next sign-in asks for the second factor; a recovery code works once.
    c.post("/logout", &[]).await;
    let r = c
        .sign_in("new.auditor@minato-seiki.example", "Changed#Pass2026y")
        .await;
    assert!(r.location().starts_with("/login/mfa"), "{}", r.location());
    assert!(c.get("/").await.location().starts_with("/login/mfa"));
    c.get("/login/mfa").await;
    let r = c.post("/login/mfa", &[("code", &codes[0])]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(c.get("/").await.status, StatusCode::OK);
    c.post("/logout", &[]).await;
    c.sign_in("new.auditor@minato-seiki.example", "Changed#Pass2026y")
        .await;
    c.get("/login/mfa").await;
    let again = c.post("/login/mfa", &[("code", &codes[0])]).await;
    assert_eq!(
        again.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a recovery code works once"
    );
    app.close().await;
}
mamori_testkit::db_test!(
    forced_change_and_totp,
    new_privileged_user_must_change_password_then_enrol_totp
);

async fn language_follows_the_person_and_the_browser(t: &TestDb) {
    let app = TestApp::start(t, false).await;
    let mut anon = app.client();
    let en = anon
        .request(
            axum::http::Method::GET,
            "/login",
            None,
            vec![],
            &[("accept-language", "en-US,en;q=0.9")],
        )
        .await;
    assert!(en.text.contains("<html lang=\"en\">") && en.text.contains("Sign in"));
    let mut c = app.signed_in(EMPLOYEE).await;
    assert!(c.get("/").await.text.contains("<html lang=\"ja\">"));
    let r = c.post("/me/language", &[("lang", "en")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let home = c.get("/").await;
    assert!(
        home.text.contains("<html lang=\"en\">") && home.text.contains("Welcome"),
        "{}",
        home.text
    );
    // The English-speaking demo administrator sees English from the start.
    let mut smith = app.signed_in("j.smith@minato-seiki.example").await;
    assert!(smith.get("/").await.text.contains("<html lang=\"en\">"));
    app.close().await;
}
mamori_testkit::db_test!(language, language_follows_the_person_and_the_browser);

async fn unsafe_requests_need_the_csrf_token_and_our_origin(t: &TestDb) {
    let app = TestApp::start(t, false).await;
    let mut c = app.signed_in(SECRETARIAT).await;
    let head = app.audit_head().await;
    let no_token = c
        .post_raw(
            "/org/departments/new",
            &[("code", "X1"), ("name", "攻撃部")],
            &[],
        )
        .await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    let token = c.csrf.clone().unwrap();
    let foreign = c
        .post_raw(
            "/org/departments/new",
            &[("_csrf", &token), ("code", "X1"), ("name", "攻撃部")],
            &[("origin", "https://evil.example")],
        )
        .await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN);
    let cross_site = c
        .post_raw(
            "/org/departments/new",
            &[("_csrf", &token), ("code", "X1"), ("name", "攻撃部")],
            &[("sec-fetch-site", "cross-site")],
        )
        .await;
    assert_eq!(cross_site.status, StatusCode::FORBIDDEN);
    assert_eq!(app.audit_head().await, head, "nothing written");
    let ok = c
        .post_raw(
            "/org/departments/new",
            &[("_csrf", &token), ("code", "X1"), ("name", "品質部")],
            &[("origin", "http://mamori.test")],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    app.close().await;
}
mamori_testkit::db_test!(csrf, unsafe_requests_need_the_csrf_token_and_our_origin);

async fn every_response_carries_the_security_headers(t: &TestDb) {
    let app = TestApp::start(t, false).await;
    let mut c = app.client();
    let r = c.get("/login").await;
    let csp = r
        .headers
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        csp.contains("frame-ancestors 'none'")
            && csp.contains("script-src 'self'")
            && !csp.contains("unsafe-inline")
    );
    assert_eq!(r.headers.get("x-content-type-options").unwrap(), "nosniff");
    assert_eq!(r.headers.get("referrer-policy").unwrap(), "same-origin");
    assert!(
        r.headers.get("strict-transport-security").is_none(),
        "no HSTS over plain HTTP"
    );
    let cookie = r.headers.get("set-cookie").unwrap().to_str().unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
    assert!(!r.text.contains("<script>"), "no inline script");
    assert_eq!(c.get("/healthz").await.status, StatusCode::OK);
    assert_eq!(c.get("/readyz").await.status, StatusCode::OK);
    let m = c.get("/metrics").await;
    assert!(
        m.text.contains("mamori_http_requests_total") && m.text.contains("mamori_audit_events")
    );
    app.close().await;
}
mamori_testkit::db_test!(headers, every_response_carries_the_security_headers);

async fn sign_out_everywhere_ends_every_session(t: &TestDb) {
    let app = TestApp::start(t, false).await;
    let mut phone = app.signed_in(EMPLOYEE).await;
    let mut desk = app.signed_in(EMPLOYEE).await;
    assert_eq!(phone.get("/").await.status, StatusCode::OK);
    desk.get("/me").await;
    let r = desk.post("/me/sign-out-everywhere", &[]).await;
    assert_eq!(r.location(), "/login");
    assert_eq!(phone.get("/").await.location(), "/login");
    app.close().await;
}
mamori_testkit::db_test!(sign_out_everywhere, sign_out_everywhere_ends_every_session);

async fn administrator_reset_records_the_identity_check(t: &TestDb) {
    let app = TestApp::start(t, false).await;
    let person = app
        .app
        .store
        .person_by_email(EMPLOYEE)
        .await
        .unwrap()
        .unwrap();
    let mut admin = app.signed_in(SECRETARIAT).await;
    admin.get(&format!("/org/people/{}", person.id)).await;
    let missing = admin
        .post(
            &format!("/org/people/{}/reset-password", person.id),
            &[("identity_method", "phone_callback"), ("identity_note", "")],
        )
        .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = admin
        .post(
            &format!("/org/people/{}/reset-password", person.id),
            &[
                ("identity_method", "phone_callback"),
                ("identity_note", "内線 2231 に折り返し、社員番号で確認"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let temp = r.select_text("#temporary-password").pop().unwrap();
    let events = app
        .app
        .store
        .events(&mamori_app::ports::AuditFilter {
            action: Some("password.reset".into()),
            limit: 5,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        events[0]
            .detail
            .as_deref()
            .unwrap()
            .contains("phone_callback")
    );
    assert!(events[0].detail.as_deref().unwrap().contains("内線 2231"));
    let mut user = app.client();
    assert_eq!(
        user.sign_in(EMPLOYEE, DEMO_PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        user.sign_in(EMPLOYEE, &temp).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        user.get("/").await.location(),
        "/me/password",
        "temporary password must be changed at first use"
    );
    app.close().await;
}
mamori_testkit::db_test!(reset, administrator_reset_records_the_identity_check);

/// Who a session signs in is kept while nothing changes; a role given, a
/// language chosen or an account disabled takes effect at its next request.
async fn a_session_follows_changes_at_its_next_request(t: &TestDb) {
    let app = TestApp::start(t, false).await;
    let mut e = app.signed_in(EMPLOYEE).await;
    assert_eq!(e.get("/audit").await.status, StatusCode::FORBIDDEN);
    app.give_role(EMPLOYEE, "auditor").await;
    let person = app.app.cli_actor(EMPLOYEE).await.unwrap();
    let secretariat = app.app.cli_actor(SECRETARIAT).await.unwrap();
    let r = e.get("/audit").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(e.get("/").await.text.contains("<html lang=\"ja\">"));
    let now = app.app.cli_actor(EMPLOYEE).await.unwrap();
    app.app
        .set_language(&now, mamori_domain::org::Lang::En)
        .await
        .unwrap();
    assert!(e.get("/").await.text.contains("<html lang=\"en\">"));
    app.app
        .admin_set_disabled(&secretariat, person.id(), true)
        .await
        .unwrap();
    assert_eq!(e.get("/").await.location(), "/login");
    app.close().await;
}
mamori_testkit::db_test!(
    session_follows_changes,
    a_session_follows_changes_at_its_next_request
);
