//! The JSON API: bearer tokens with scopes, problem+json, paging, OpenAPI.

use axum::http::{Method, StatusCode};
use mamori_app::Permission;
use mamori_testkit::TestDb;
use serde_json::json;

use crate::harness::*;

async fn token_for(app: &TestApp, email: &str, scopes: Option<Vec<Permission>>) -> String {
    let actor = app.app.cli_actor(email).await.unwrap();
    app.app
        .create_token(&actor, "test", scopes, Some(30))
        .await
        .unwrap()
        .1
}

async fn tokens_act_as_their_owner_or_less(t: &TestDb) {
    let app = TestApp::start(t, false).await;
    let mut c = app.client();
    let none = c
        .api(Method::GET, "/api/v1/people", "mamori_nope", None)
        .await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        none.headers.get("content-type").unwrap(),
        "application/problem+json"
    );
    assert_eq!(none.json()["status"], 401);
    let admin = token_for(&app, SECRETARIAT, None).await;
    let me = c.api(Method::GET, "/api/v1/me", &admin, None).await.json();
    assert!(
        me["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p == "manage_org")
    );
    let read_only = token_for(&app, SECRETARIAT, Some(vec![Permission::ViewOrg])).await;
    let d = json!({"code": "API1", "name": "API 部"});
    let refused = c
        .api(
            Method::POST,
            "/api/v1/departments",
            &read_only,
            Some(d.clone()),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let created = c
        .api(Method::POST, "/api/v1/departments", &admin, Some(d))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    // An employee cannot give a token rights they lack.
    let actor = app.app.cli_actor(EMPLOYEE).await.unwrap();
    assert!(
        app.app
            .create_token(&actor, "x", Some(vec![Permission::ViewAudit]), None)
            .await
            .is_err()
    );
    let employee = token_for(&app, EMPLOYEE, None).await;
    assert_eq!(
        c.api(Method::GET, "/api/v1/audit-events", &employee, None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // A role given takes effect at the token's next request (who a token
    // signs in is kept only while nothing changes).
    app.give_role(EMPLOYEE, "auditor").await;
    let owner = app.app.cli_actor(EMPLOYEE).await.unwrap();
    let r = c
        .api(Method::GET, "/api/v1/audit-events", &employee, None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // A revoked token stops working.
    let tokens = app.app.tokens(&owner).await.unwrap();
    app.app.revoke_token(&owner, tokens[0].id).await.unwrap();
    assert_eq!(
        c.api(Method::GET, "/api/v1/me", &employee, None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    app.close().await;
}
mamori_testkit::db_test!(tokens, tokens_act_as_their_owner_or_less);

async fn invalid_input_is_a_problem_with_fields_and_writes_nothing(t: &TestDb) {
    let app = TestApp::start(t, false).await;
    let mut c = app.client();
    let admin = token_for(&app, SECRETARIAT, None).await;
    let head = app.audit_head().await;
    let bad = json!({"employee_no": "", "name": "x", "name_kana": "abc", "email": "nope", "employment_type": "intern", "department_id": null});
    let r = c
        .api(Method::POST, "/api/v1/people", &admin, Some(bad))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let p = r.json();
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        vec!["employee_no", "name_kana", "email", "employment_type"]
    );
    assert_eq!(app.audit_head().await, head);
    let wrong_shape = c
        .api(
            Method::POST,
            "/api/v1/people",
            &admin,
            Some(json!({"name": 5})),
        )
        .await;
    assert!(wrong_shape.status.is_client_error());
    let stale = c
        .api(
            Method::PUT,
            &format!("/api/v1/departments/{}", uuid::Uuid::nil()),
            &admin,
            Some(json!({"version": 1, "code": "A", "name": "B"})),
        )
        .await;
    assert_eq!(stale.status, StatusCode::NOT_FOUND);
    assert_eq!(stale.json()["type"], "urn:mamori:problem:not_found");
    app.close().await;
}
mamori_testkit::db_test!(
    problems,
    invalid_input_is_a_problem_with_fields_and_writes_nothing
);

async fn people_page_with_cursor_and_filters(t: &TestDb) {
    let app = TestApp::start(t, false).await;
    let mut c = app.client();
    let token = token_for(&app, EMPLOYEE, None).await;
    let mut seen = 0;
    let mut path = "/api/v1/people?limit=20".to_string();
    loop {
        let page = c.api(Method::GET, &path, &token, None).await.json();
        seen += page["items"].as_array().unwrap().len();
        match page["next_cursor"].as_str() {
            Some(cur) => path = format!("/api/v1/people?limit=20&after={cur}"),
            None => break,
        }
    }
    let active = app
        .app
        .store
        .all_people()
        .await
        .unwrap()
        .iter()
        .filter(|p| !p.has_left(app.app.today()))
        .count();
    assert_eq!(seen, active);
    let contract = c
        .api(
            Method::GET,
            "/api/v1/people?employment_type=contract",
            &token,
            None,
        )
        .await
        .json();
    assert!(
        contract["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["employment_type"] == "contract")
    );
    let bad = c
        .api(
            Method::GET,
            "/api/v1/people?employment_type=intern",
            &token,
            None,
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let roles = c
        .api(
            Method::GET,
            "/api/v1/role-assignments?role=security_officer&active_on=2026-11-26",
            &token,
            None,
        )
        .await
        .json();
    assert!(roles["items"].as_array().unwrap().len() >= 10);
    app.close().await;
}
mamori_testkit::db_test!(paging, people_page_with_cursor_and_filters);

async fn audit_api_pages_and_verifies(t: &TestDb) {
    let app = TestApp::start(t, false).await;
    let mut c = app.client();
    let auditor = token_for(&app, AUDITOR, None).await;
    let page = c
        .api(Method::GET, "/api/v1/audit-events?limit=2", &auditor, None)
        .await
        .json();
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert!(page["head_hash"].as_str().unwrap().len() == 64);
    let v = c
        .api(Method::GET, "/api/v1/audit-events/verify", &auditor, None)
        .await
        .json();
    assert!(v["broken"].is_null(), "{v}");
    let mut ui = app.signed_in(AUDITOR).await;
    let export = ui.get("/audit/export").await;
    let last: serde_json::Value =
        serde_json::from_str(export.text.lines().last().unwrap()).unwrap();
    assert_eq!(
        last["head"]["seq"].as_i64().unwrap(),
        app.audit_head().await - 1,
        "the export is itself audited after it is taken"
    );
    assert!(export.text.lines().count() >= 3);
    app.close().await;
}
mamori_testkit::db_test!(audit_api, audit_api_pages_and_verifies);

async fn large_answers_compressed_small_ones_not(t: &TestDb) {
    let app = TestApp::start(t, false).await;
    let token = token_for(&app, "m.suzuki@minato-seiki.example", None).await;
    let mut c = app.client();
    let gzip = [("accept-encoding", "gzip")];
    let encoding = |r: &Response| {
        r.headers
            .get("content-encoding")
            .map(|v| v.to_str().unwrap().to_string())
    };
    let bearer = format!("Bearer {token}");
    let auth = [("authorization", bearer.as_str()), gzip[0]];
    // A page of people: many kilobytes, compressed when asked.
    let list = c
        .request(Method::GET, "/api/v1/people?limit=50", None, vec![], &auth)
        .await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(encoding(&list).as_deref(), Some("gzip"));
    let plain = c
        .request(
            Method::GET,
            "/api/v1/people?limit=50",
            None,
            vec![],
            &auth[..1],
        )
        .await;
    assert_eq!(encoding(&plain), None);
    // One department: less than a packet, sent as it is.
    let id = plain.json()["items"][0]["department_id"]
        .as_str()
        .unwrap()
        .to_string();
    let one = c
        .request(
            Method::GET,
            &format!("/api/v1/departments/{id}"),
            None,
            vec![],
            &auth,
        )
        .await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.text);
    assert!(one.text.len() < 1400, "{} bytes", one.text.len());
    assert_eq!(encoding(&one), None);
    assert!(one.json()["id"].is_string());
    app.close().await;
}
mamori_testkit::db_test!(compression, large_answers_compressed_small_ones_not);

#[test]
fn openapi_document_describes_the_api() {
    let doc = serde_json::to_value(mamori_web::api::openapi()).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/api/v1/departments",
        "/api/v1/people",
        "/api/v1/role-assignments",
        "/api/v1/org-health",
        "/api/v1/audit-events",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} missing");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    let snapshot = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
    let current = serde_json::to_string_pretty(&doc).unwrap() + "\n";
    if std::env::var("MAMORI_UPDATE_SNAPSHOTS").is_ok() {
        std::fs::write(&snapshot, &current).unwrap();
    }
    let committed = std::fs::read_to_string(&snapshot).unwrap_or_default();
    assert!(
        committed == current,
        "the API changed: review and run with MAMORI_UPDATE_SNAPSHOTS=1 to update crates/web/openapi.json"
    );
}
