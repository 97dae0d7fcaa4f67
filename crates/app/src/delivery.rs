//! Background work the clock drives (M17): claiming the minute's alert run
//! once across nodes, and delivering the outbox at most once per notice.

use time::Duration;

use crate::App;
use crate::error::AppResult;
use crate::ports::Mailer;

/// Tries before a mail is given up as failed.
pub const MAX_ATTEMPTS: i64 = 5;

impl App {
    /// Runs the alert pass for the current minute on exactly one node.
    /// Returns None when another node has claimed this minute.
    pub async fn run_scheduled_alerts(&self, node: &str) -> AppResult<Option<u64>> {
        let now = self.now();
        let slot = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}",
            now.year(),
            u8::from(now.month()),
            now.day(),
            now.hour(),
            now.minute()
        );
        if !self.store.claim_slot("alerts", &slot, node, now).await? {
            return Ok(None);
        }
        // Approved document versions whose effective date has come are
        // published in the same claimed minute.
        if let Err(e) = self.sync_documents().await {
            tracing::warn!(error = %e, "document publication run failed");
        }
        // Risks whose management approval was decided while a sync failed.
        if let Err(e) = self.sync_risks().await {
            tracing::warn!(error = %e, "risk approval sync failed");
        }
        Ok(Some(self.run_alerts().await?))
    }

    /// Sends queued mails. A mail the server accepted is never sent again;
    /// one it refused is retried with back-off, then marked failed.
    pub async fn deliver_outbox(
        &self,
        mailer: &dyn Mailer,
        node: &str,
        batch: u32,
    ) -> AppResult<usize> {
        let claimed = self.store.claim_mail(node, self.now(), batch).await?;
        let mut sent = 0;
        for q in claimed {
            match mailer.send(&q.mail).await {
                Ok(()) => {
                    self.store.mail_sent(q.id, self.now()).await?;
                    sent += 1;
                }
                Err(e) => {
                    tracing::warn!(error = %e, to = %q.mail.to, "mail not delivered");
                    let retry = (q.attempts < MAX_ATTEMPTS).then(|| {
                        self.now() + Duration::minutes(2_i64.pow(q.attempts.clamp(0, 10) as u32))
                    });
                    self.store.mail_failed(q.id, &e, retry).await?;
                }
            }
        }
        Ok(sent)
    }
}
