//! Several `mamori serve` nodes on one PostgreSQL database share sessions,
//! lockout counters and one audit chain.

use axum::http::StatusCode;
use mamori_testkit::{Engine, TestDb};

use crate::harness::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_share_sessions_lockout_and_the_audit_chain() {
    let t = TestDb::new(Engine::Postgres).await;
    let a = TestApp::start(&t, false).await;
    let b = TestApp::another_node(&t).await;
    // Signed in on node A, the same browser is signed in on node B.
    let on_a = a.signed_in(SECRETARIAT).await;
    let mut on_b = b.same_browser_on(&on_a);
    assert_eq!(on_b.get("/org/people").await.status, StatusCode::OK);
    // Failures counted on both nodes lock the account.
    let mut x = a.client();
    let mut y = b.client();
    for i in 0..10 {
        let c = if i % 2 == 0 { &mut x } else { &mut y };
        assert_eq!(
            c.sign_in(EMPLOYEE, "Wrong#Pass2026").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        x.sign_in(EMPLOYEE, DEMO_PASSWORD).await.status,
        StatusCode::UNAUTHORIZED,
        "locked on both nodes"
    );
    // Writes through both nodes at once form one intact chain.
    let mut tasks = Vec::new();
    for (i, node) in [&a, &b, &a, &b].into_iter().enumerate() {
        let app = node.app.clone();
        tasks.push(tokio::spawn(async move {
            let admin = app.cli_actor(SECRETARIAT).await.unwrap();
            for j in 0..10 {
                let input = mamori_app::org::DepartmentInput {
                    code: format!("N{i}X{j}"),
                    name: format!("部門{i}-{j}"),
                    ..Default::default()
                };
                app.create_department(&admin, &input).await.unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let v = b.app.verify_audit_chain().await.unwrap();
    assert!(v.broken.is_none(), "{v:?}");
    a.close().await;
    b.close().await;
    t.cleanup().await;
}
