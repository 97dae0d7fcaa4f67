//! The background loops inside `mamori serve`: the scheduler claims each
//! minute's alert run once across nodes; the worker delivers the outbox.
//! Both can be switched off per node (`--no-jobs`).

use std::sync::Arc;
use std::time::Duration;

use mamori_app::App;
use mamori_app::ports::Mailer;
use tokio::task::JoinHandle;

/// How often each loop wakes.
#[derive(Debug, Clone, Copy)]
pub struct Intervals {
    pub scheduler: Duration,
    pub worker: Duration,
}

impl Default for Intervals {
    fn default() -> Self {
        Intervals {
            scheduler: Duration::from_secs(20),
            worker: Duration::from_secs(5),
        }
    }
}

/// A name for this node in claims and leases.
pub fn node_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "node".into());
    format!("{host}-{}", std::process::id())
}

/// Starts the scheduler and (when a mailer is configured) the worker.
pub fn start(
    app: App,
    mailer: Option<Arc<dyn Mailer>>,
    node: String,
    every: Intervals,
) -> Vec<JoinHandle<()>> {
    let mut handles = Vec::new();
    let (a, n) = (app.clone(), node.clone());
    handles.push(tokio::spawn(async move {
        let mut tick = tokio::time::interval(every.scheduler);
        loop {
            tick.tick().await;
            match a.run_scheduled_alerts(&n).await {
                Ok(Some(new)) if new > 0 => tracing::info!(notices = new, "alerts sent"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "alert run failed"),
            }
            match a.run_digests(&n).await {
                Ok(sent) if sent > 0 => tracing::info!(digests = sent, "daily digests queued"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "digest run failed"),
            }
        }
    }));
    if let Some(mailer) = mailer {
        handles.push(tokio::spawn(async move {
            let mut tick = tokio::time::interval(every.worker);
            loop {
                tick.tick().await;
                match app.deliver_outbox(mailer.as_ref(), &node, 50).await {
                    Ok(n) if n > 0 => tracing::info!(mails = n, "mail delivered"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "mail delivery failed"),
                }
            }
        }));
    }
    handles
}
