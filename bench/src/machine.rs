//! The machine and the revision a report was measured on, so that figures
//! from different runs can be told apart.

use std::path::Path;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    pub cores: usize,
    pub memory_kib: u64,
    pub cpu: String,
    pub os: String,
    pub kernel: String,
}

/// Reads /proc and /etc/os-release (Linux); what is missing stays empty.
pub fn machine() -> Machine {
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
    Machine {
        cores: std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0),
        memory_kib: proc_kib(&read("/proc/meminfo"), "MemTotal").unwrap_or(0),
        cpu: field(&read("/proc/cpuinfo"), "model name").unwrap_or_default(),
        os: os_release(&read("/etc/os-release")).unwrap_or_else(|| std::env::consts::OS.into()),
        kernel: read("/proc/sys/kernel/osrelease").trim().to_string(),
    }
}

/// A `Key:   1234 kB` line of /proc/meminfo or /proc/PID/status, in KiB.
pub fn proc_kib(text: &str, key: &str) -> Option<u64> {
    text.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        (k.trim() == key)
            .then(|| v.split_whitespace().next()?.parse().ok())
            .flatten()
    })
}

/// The first `key : value` line of /proc/cpuinfo.
fn field(text: &str, key: &str) -> Option<String> {
    text.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        (k.trim() == key).then(|| v.trim().to_string())
    })
}

fn os_release(text: &str) -> Option<String> {
    text.lines()
        .find_map(|l| l.strip_prefix("PRETTY_NAME="))
        .map(|v| v.trim_matches('"').to_string())
}

/// The 1, 5 and 15 minute load averages: how busy the machine was.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

/// VmRSS and VmHWM of a process, in KiB.
pub fn rss(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    Some((
        proc_kib(&status, "VmRSS")?,
        proc_kib(&status, "VmHWM").unwrap_or(0),
    ))
}

/// The checkout's revision and whether it has uncommitted changes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Revision {
    pub commit: String,
    pub dirty: bool,
}

impl Revision {
    pub fn short(&self) -> String {
        let c: String = self.commit.chars().take(10).collect();
        if self.dirty { format!("{c}+dirty") } else { c }
    }
}

pub fn revision(dir: &Path) -> Revision {
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .current_dir(dir)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    Revision {
        commit: git(&["rev-parse", "HEAD"]).unwrap_or_else(|| "unknown".into()),
        dirty: git(&["status", "--porcelain", "--untracked-files=no"])
            .is_some_and(|s| !s.is_empty()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_lines_read_in_kib() {
        let status = "Name:\tmamori\nVmHWM:\t  183204 kB\nVmRSS:\t  150112 kB\n";
        assert_eq!(proc_kib(status, "VmRSS"), Some(150_112));
        assert_eq!(proc_kib(status, "VmHWM"), Some(183_204));
        assert_eq!(proc_kib(status, "VmSwap"), None);
    }

    #[test]
    fn os_name_comes_from_pretty_name() {
        let text = "NAME=\"Ubuntu\"\nPRETTY_NAME=\"Ubuntu 24.04.1 LTS\"\n";
        assert_eq!(os_release(text).as_deref(), Some("Ubuntu 24.04.1 LTS"));
    }
}
