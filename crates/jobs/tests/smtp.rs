//! SmtpMailer against a real SMTP server (the testkit's aiosmtpd sink).

use std::time::Duration;

use mamori_app::ports::{Mailer, OutgoingMail};
use mamori_jobs::mail::{SmtpConfig, smtp_mailer};
use mamori_testkit::smtp::SmtpSink;

#[tokio::test]
async fn japanese_mail_arrives_intact() {
    let sink = SmtpSink::start().await;
    let mailer = smtp_mailer(&SmtpConfig {
        url: sink.url(),
        from: "mamori <isms@example.jp>".to_string(),
    })
    .expect("valid SMTP config");

    let subject = "【mamori】承認依頼: 例外適用申請 EXC-2026-0001";
    let url = "https://isms.example.jp/exceptions/EXC-2026-0001?tab=approval";
    let first = OutgoingMail {
        to: "承認者 <approver@example.jp>".to_string(),
        subject: subject.to_string(),
        body: format!(
            "山田 太郎 様\n\n例外適用申請 EXC-2026-0001 の承認をお願いします。\n\n{url}\n\n-- \nmamori 情報セキュリティ管理システム\n"
        ),
        dedupe_key: "approval-request-EXC-2026-0001-step1".to_string(),
    };
    let second = OutgoingMail {
        to: "requester@example.jp".to_string(),
        subject: "【mamori】差し戻し: 例外適用申請 EXC-2026-0001".to_string(),
        // A long line, to cross the 76-column encoding boundary.
        body: format!(
            "{}\n{url}\n",
            "差し戻しの理由を確認してください。".repeat(12)
        ),
        dedupe_key: "returned:EXC-2026-0001/2".to_string(),
    };
    mailer.send(&first).await.expect("first mail sent");
    mailer.send(&second).await.expect("second mail sent");

    let got = sink.wait_for(2, Duration::from_secs(10)).await;
    assert_eq!(got.len(), 2, "{got:#?}");

    let a = &got[0];
    assert_eq!(a.to, vec!["approver@example.jp".to_string()]);
    assert_eq!(a.from, "mamori <isms@example.jp>");
    assert_eq!(a.subject, subject);
    assert!(a.body.contains(url), "{}", a.body);
    assert!(a.body.contains("山田 太郎 様"), "{}", a.body);
    assert!(
        a.body
            .contains("例外適用申請 EXC-2026-0001 の承認をお願いします。"),
        "{}",
        a.body
    );
    assert!(
        a.message_id
            .contains("approval-request-EXC-2026-0001-step1"),
        "{}",
        a.message_id
    );
    assert_eq!(
        a.message_id,
        "<approval-request-EXC-2026-0001-step1@mamori>"
    );

    let b = &got[1];
    assert_eq!(b.to, vec!["requester@example.jp".to_string()]);
    assert_eq!(b.subject, "【mamori】差し戻し: 例外適用申請 EXC-2026-0001");
    assert!(
        b.body
            .contains(&"差し戻しの理由を確認してください。".repeat(12)),
        "{}",
        b.body
    );
    assert!(b.body.contains(url), "{}", b.body);
    // Unsafe characters of the key are replaced, the rest survives.
    assert!(
        b.message_id.contains("returned-EXC-2026-0001-2"),
        "{}",
        b.message_id
    );

    // A server that is not there: an error, not a hang or a panic.
    let dead = smtp_mailer(&SmtpConfig {
        url: "smtp://127.0.0.1:1".to_string(),
        from: "isms@example.jp".to_string(),
    })
    .expect("valid SMTP config");
    let err = dead
        .send(&first)
        .await
        .expect_err("nothing listens on port 1");
    assert!(err.contains("127.0.0.1:1"), "{err}");
}
