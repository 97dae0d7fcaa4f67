//! Starting and stopping the programs under measurement (`mamori`, the
//! ceiling), with their output in log files and none of the caller's
//! `MAMORI_*` settings leaking in.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::http;

/// A command for a program under measurement: run in `dir` (so no stray
/// `mamori.toml` is read), without the caller's `MAMORI_*` variables.
pub fn command(program: &Path, dir: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.current_dir(dir)
        .kill_on_drop(true)
        .env("RUST_BACKTRACE", "0");
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("MAMORI_") {
            cmd.env_remove(k);
        }
    }
    cmd
}

/// Runs a command to its end; returns its standard output and exit code.
pub async fn output(mut cmd: Command, what: &str) -> anyhow::Result<(String, i32)> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .await
        .with_context(|| format!("starting {what}"))?;
    let code = out.status.code().unwrap_or(-1);
    if code != 0 && out.stdout.is_empty() {
        bail!(
            "{what} failed ({}): {}",
            out.status,
            tail(&String::from_utf8_lossy(&out.stderr), 20)
        );
    }
    Ok((String::from_utf8_lossy(&out.stdout).into_owned(), code))
}

/// The last `n` lines of a text.
pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// A free port on the loopback interface.
pub fn free_addr() -> anyhow::Result<SocketAddr> {
    let l = TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(l.local_addr()?)
}

/// A server started for measuring.
pub struct Server {
    pub child: Child,
    pub addr: SocketAddr,
    pub log: PathBuf,
    pub pid: u32,
}

impl Server {
    /// Starts the command with its output in `log` and waits until `ready_path`
    /// answers 200; returns the server and the time from start to ready.
    pub async fn start(
        mut cmd: Command,
        addr: SocketAddr,
        log: PathBuf,
        ready_path: &str,
        timeout: Duration,
    ) -> anyhow::Result<(Server, Duration)> {
        let file =
            std::fs::File::create(&log).with_context(|| format!("creating {}", log.display()))?;
        let err = file.try_clone()?;
        let started = Instant::now();
        let child = cmd
            .stdin(Stdio::null())
            .stdout(file)
            .stderr(err)
            .spawn()
            .context("starting the server")?;
        let pid = child.id().context("the server exited at once")?;
        let mut server = Server {
            child,
            addr,
            log,
            pid,
        };
        loop {
            if let Some(status) = server.child.try_wait()? {
                bail!(
                    "the server exited ({status}) before it was ready:\n{}",
                    server.log_tail(30)
                );
            }
            if let Ok(r) = http::request(addr, "GET", ready_path, &[], None).await
                && r.status == 200
            {
                return Ok((server, started.elapsed()));
            }
            if started.elapsed() > timeout {
                let tail = server.log_tail(30);
                server.stop().await;
                bail!("the server was not ready within {timeout:?}:\n{tail}");
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    pub fn log_tail(&self, n: usize) -> String {
        tail(&std::fs::read_to_string(&self.log).unwrap_or_default(), n)
    }

    /// Ctrl-C (a graceful shutdown), then a kill after 10 s.
    pub async fn stop(&mut self) {
        interrupt(self.pid).await;
        let graceful = tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await;
        if graceful.is_err() {
            let _ = self.child.kill().await;
        }
    }
}

/// Sends SIGINT (what Ctrl-C sends) to one process.
pub async fn interrupt(pid: u32) {
    let _ = Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .await;
}

/// Runs `mamori demo` until it prints its banner (the data is built and it
/// is serving), then stops it. Progress goes to `log`.
pub async fn run_demo(mut cmd: Command, log: &Path, timeout: Duration) -> anyhow::Result<()> {
    let file = std::fs::File::create(log).with_context(|| format!("creating {}", log.display()))?;
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(file)
        .spawn()
        .context("starting `mamori demo`")?;
    let pid = child.id().context("`mamori demo` exited at once")?;
    let stdout = child.stdout.take().context("no standard output")?;
    let mut lines = BufReader::new(stdout).lines();
    let banner = async {
        while let Some(line) = lines.next_line().await? {
            if line.trim_start().starts_with("URL:") {
                return Ok(true);
            }
        }
        anyhow::Ok(false)
    };
    let seen = tokio::time::timeout(timeout, banner).await;
    interrupt(pid).await;
    let _ = tokio::time::timeout(Duration::from_secs(60), child.wait()).await;
    let _ = child.kill().await;
    let log_tail = tail(&std::fs::read_to_string(log).unwrap_or_default(), 20);
    match seen {
        Ok(Ok(true)) => Ok(()),
        Ok(Ok(false)) => bail!("`mamori demo` ended before serving:\n{log_tail}"),
        Ok(Err(e)) => Err(e.context("reading `mamori demo`")),
        Err(_) => bail!("`mamori demo` did not finish within {timeout:?}:\n{log_tail}"),
    }
}
