//! E-mail through a real SMTP server (aiosmtpd, started by the test):
//! Japanese text with the right links, and exactly one mail per notice even
//! with two nodes on one PostgreSQL database.

use std::sync::Arc;

use mamori_app::ports::{Clock, Mailer, ManualClock};
use mamori_app::workflow::ExceptionInput;
use mamori_jobs::mail::{SmtpConfig, smtp_mailer};
use mamori_testkit::smtp::SmtpSink;
use mamori_testkit::{Engine, TestDb};
use time::Duration;

use crate::harness::*;

fn exception(n: usize) -> ExceptionInput {
    ExceptionInput {
        document: "USE".into(),
        clause: format!("4.{n}"),
        reason: "顧客指定の方式で受け渡す必要がある".into(),
        alternative: "受領後ただちに検査して削除する".into(),
        valid_from: "2026-12-01".into(),
        valid_until: "2027-03-31".into(),
    }
}

fn mailer(sink: &SmtpSink) -> Arc<dyn Mailer> {
    Arc::new(
        smtp_mailer(&SmtpConfig {
            url: sink.url(),
            from: "mamori <isms@minato-seiki.example>".into(),
        })
        .unwrap(),
    )
}

async fn approver_gets_a_japanese_mail_with_the_link(t: &TestDb) {
    let sink = SmtpSink::start().await;
    let app = TestApp::start(t, false).await;
    let app_with_url = app
        .app
        .clone()
        .with_base_url("https://isms.minato-seiki.example");
    let requester = app_with_url.cli_actor(EMPLOYEE).await.unwrap();
    let r = app_with_url
        .file_exception(&requester, &exception(1))
        .await
        .unwrap();
    let sent = app_with_url
        .deliver_outbox(mailer(&sink).as_ref(), "node-a", 10)
        .await
        .unwrap();
    assert_eq!(sent, 1);
    let mails = sink.wait_for(1, std::time::Duration::from_secs(10)).await;
    let m = &mails[0];
    assert_eq!(
        m.subject,
        format!(
            "【mamori】承認依頼: {} システム利用規程 4.1 の例外適用",
            r.ref_no
        )
    );
    assert!(
        m.body.contains(&format!(
            "https://isms.minato-seiki.example/requests/{}",
            r.id
        )),
        "{}",
        m.body
    );
    assert!(m.body.contains("承認をお願いします"));
    assert!(
        m.message_id
            .starts_with(&format!("<req-{}-r1-s0-ask-", r.id)),
        "{}",
        m.message_id
    );
    // Delivered once: another pass sends nothing.
    assert_eq!(
        app_with_url
            .deliver_outbox(mailer(&sink).as_ref(), "node-a", 10)
            .await
            .unwrap(),
        0
    );
    assert_eq!(app.app.store.outbox_stats().await.unwrap().sent, 1);
    app.close().await;
}
mamori_testkit::db_test!(japanese_mail, approver_gets_a_japanese_mail_with_the_link);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_send_exactly_one_mail_per_due_reminder() {
    let t = TestDb::new(Engine::Postgres).await;
    let sink = SmtpSink::start().await;
    let start = time::macros::datetime!(2026-12-01 00:00 UTC);
    let clock = Arc::new(ManualClock::new(start));
    let a = TestApp::start_with_clock(&t, false, clock.clone())
        .await
        .without_demo_duties()
        .await;
    let b_node = TestApp::another_node(&t).await;
    let b = mamori_app::App::new(b_node.app.store.clone(), clock.clone());
    let requester = a.app.cli_actor(EMPLOYEE).await.unwrap();
    for n in 0..100 {
        a.app
            .file_exception(&requester, &exception(n))
            .await
            .unwrap();
    }
    // The 100 approval requests go out first.
    let m = mailer(&sink);
    while a.app.deliver_outbox(m.as_ref(), "a", 50).await.unwrap() > 0 {}
    sink.wait_for(100, std::time::Duration::from_secs(30)).await;
    // Three days before the due time, both nodes run the alerts and the worker at once.
    clock.set(clock.now() + Duration::days(2));
    let (x, y) = (a.app.clone(), b.clone());
    let (r1, r2) = tokio::join!(x.run_scheduled_alerts("a"), y.run_scheduled_alerts("b"));
    let ran: Vec<u64> = [r1.unwrap(), r2.unwrap()].into_iter().flatten().collect();
    assert_eq!(
        ran,
        vec![100],
        "one node claims the minute and creates 100 notices"
    );
    let (r1, r2) = tokio::join!(x.run_alerts(), y.run_alerts());
    assert_eq!(
        r1.unwrap() + r2.unwrap(),
        0,
        "running again anywhere adds nothing"
    );
    let (ma, mb) = (m.clone(), m.clone());
    let wa = tokio::spawn(async move {
        let mut n = 0;
        loop {
            let s = x.deliver_outbox(ma.as_ref(), "a", 7).await.unwrap();
            if s == 0 {
                break n;
            }
            n += s;
        }
    });
    let wb = tokio::spawn(async move {
        let mut n = 0;
        loop {
            let s = y.deliver_outbox(mb.as_ref(), "b", 7).await.unwrap();
            if s == 0 {
                break n;
            }
            n += s;
        }
    });
    let (sa, sb) = (wa.await.unwrap(), wb.await.unwrap());
    assert_eq!(sa + sb, 100, "node a sent {sa}, node b sent {sb}");
    let all = sink.wait_for(200, std::time::Duration::from_secs(30)).await;
    let reminders: Vec<_> = all
        .iter()
        .filter(|m| m.subject.contains("リマインド"))
        .collect();
    assert_eq!(reminders.len(), 100);
    let unique: std::collections::HashSet<_> =
        reminders.iter().map(|m| m.message_id.clone()).collect();
    assert_eq!(unique.len(), 100, "no notice mailed twice");
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(sink.messages().len(), 200, "nothing more arrives");
    a.close().await;
    b_node.close().await;
    t.cleanup().await;
}
