//! A real SMTP server for tests: `smtp_sink.py` (Python 3 + aiosmtpd) on
//! 127.0.0.1, storing every received message as JSON in a temporary
//! directory. Missing Python or aiosmtpd makes the test fail loudly; it is
//! never skipped.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde::Deserialize;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/smtp_sink.py");
const READY_TIMEOUT: Duration = Duration::from_secs(15);
const MISSING: &str =
    "the SMTP test server needs aiosmtpd: pip install aiosmtpd (scripts/test.sh installs it)";

/// One message as the sink received it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ReceivedMail {
    /// Envelope recipients (RCPT TO).
    pub to: Vec<String>,
    /// The decoded From header, e.g. `mamori <isms@example.jp>`.
    pub from: String,
    /// The decoded Subject header.
    pub subject: String,
    /// The Message-ID header as sent, e.g. `<key@mamori>`.
    pub message_id: String,
    /// The decoded text/plain body.
    pub body: String,
}

/// A running SMTP sink; the server is killed and its directory removed on drop.
pub struct SmtpSink {
    pub port: u16,
    dir: PathBuf,
    child: Child,
    // Held open: the sink exits when its stdin closes (this process died).
    _stdin: Option<ChildStdin>,
    _stdout: BufReader<ChildStdout>,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("cannot find a free TCP port: {e}"))
}

enum StartError {
    /// Worth another try on another port (e.g. it was taken meanwhile).
    Retry(String),
}

impl SmtpSink {
    /// Starts a sink on a free port and waits until it accepts connections.
    pub async fn start() -> SmtpSink {
        let mut last = String::new();
        for _ in 0..3 {
            match SmtpSink::try_start().await {
                Ok(sink) => return sink,
                Err(StartError::Retry(why)) => last = why,
            }
        }
        panic!("the SMTP test server did not start: {last}");
    }

    async fn try_start() -> Result<SmtpSink, StartError> {
        let dir = std::env::temp_dir().join(format!("mamori-smtp-{}", crate::unique()));
        std::fs::create_dir_all(&dir).expect("temp dir for the SMTP sink");
        let log_path = dir.join("sink.log");
        let log = std::fs::File::create(&log_path).expect("SMTP sink log file");
        let port = free_port();
        let mut child = match Command::new("python3")
            .arg(SCRIPT)
            .arg(port.to_string())
            .arg(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .kill_on_drop(true)
            .spawn()
        {
            Ok(child) => child,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let _ = std::fs::remove_dir_all(&dir);
                panic!("python3 is not installed; {MISSING}")
            }
            Err(e) => panic!("cannot run python3 {SCRIPT}: {e}"),
        };
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("piped stdout");
        let mut stdout = BufReader::new(stdout);
        let mut line = String::new();
        let outcome = tokio::time::timeout(READY_TIMEOUT, async {
            loop {
                line.clear();
                match stdout.read_line(&mut line).await {
                    Ok(0) => return false,
                    Ok(_) if line.trim() == "ready" => return true,
                    Ok(_) => continue,
                    Err(_) => return false,
                }
            }
        })
        .await;
        match outcome {
            Ok(true) => Ok(SmtpSink {
                port,
                dir,
                child,
                _stdin: stdin,
                _stdout: stdout,
            }),
            Ok(false) => {
                let status = child.wait().await.ok();
                let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                let _ = std::fs::remove_dir_all(&dir);
                if status.and_then(|s| s.code()) == Some(3) || log.contains("aiosmtpd") {
                    panic!("{MISSING}\n{log}");
                }
                Err(StartError::Retry(format!(
                    "smtp_sink.py exited ({status:?}) before it was ready:\n{log}"
                )))
            }
            Err(_) => {
                let _ = child.kill().await;
                let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                let _ = std::fs::remove_dir_all(&dir);
                Err(StartError::Retry(format!(
                    "smtp_sink.py was not ready within {} s:\n{log}",
                    READY_TIMEOUT.as_secs()
                )))
            }
        }
    }

    /// `smtp://127.0.0.1:PORT` (plain SMTP).
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The directory holding the received messages.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Every message received so far, in arrival order.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        let entries = std::fs::read_dir(&self.dir)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", self.dir.display()));
        let mut numbered: Vec<(u64, PathBuf)> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let name = e.file_name().into_string().ok()?;
                let n = name.strip_suffix(".json")?.parse::<u64>().ok()?;
                Some((n, e.path()))
            })
            .collect();
        numbered.sort_by_key(|(n, _)| *n);
        numbered
            .into_iter()
            .map(|(_, path)| {
                let text = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
                serde_json::from_str(&text)
                    .unwrap_or_else(|e| panic!("bad JSON in {}: {e}: {text}", path.display()))
            })
            .collect()
    }

    /// Waits until at least `n` messages arrived; panics after `timeout`.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<ReceivedMail> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let got = self.messages();
            if got.len() >= n {
                return got;
            }
            if tokio::time::Instant::now() >= deadline {
                let log = std::fs::read_to_string(self.dir.join("sink.log")).unwrap_or_default();
                panic!(
                    "expected at least {n} e-mail(s) within {timeout:?}, got {}: {got:#?}\nsink log:\n{log}",
                    got.len()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
