//! `--baseline REV`: another revision checked out in a temporary worktree,
//! built in release with its own target directory, measured in the same run.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// A built baseline: its binary, and a copy of what its data's cache key
/// is computed from (the worktree is removed before the data is built).
pub struct Baseline {
    pub commit: String,
    pub mamori: PathBuf,
    pub source_snapshot: PathBuf,
}

fn git(root: &Path, args: &[&str]) -> anyhow::Result<String> {
    let out = std::process::Command::new("git")
        .args(args)
        .current_dir(root)
        .output()
        .with_context(|| format!("git {}", args.join(" ")))?;
    if !out.status.success() {
        bail!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Checks the revision out beside the workspace, builds its `mamori`, keeps
/// what the data cache needs and removes the worktree.
pub fn build(root: &Path, target: &Path, rev: &str) -> anyhow::Result<Baseline> {
    let commit = git(
        root,
        &["rev-parse", "--verify", &format!("{rev}^{{commit}}")],
    )
    .with_context(|| format!("{rev} is not a revision of this repository"))?;
    let short: String = commit.chars().take(10).collect();
    let worktree = target.join("bench-baseline").join(&short);
    let worktree_arg = worktree.to_string_lossy().to_string();
    if worktree.exists() {
        let _ = git(root, &["worktree", "remove", "--force", &worktree_arg]);
        let _ = std::fs::remove_dir_all(&worktree);
    }
    git(root, &["worktree", "prune"])?;
    eprintln!(
        "· baseline {rev} ({short}): worktree {}",
        worktree.display()
    );
    git(
        root,
        &["worktree", "add", "--detach", &worktree_arg, &commit],
    )?;
    let built = build_in(&worktree, target, &short);
    let removed = git(root, &["worktree", "remove", "--force", &worktree_arg]);
    let baseline = built?;
    removed?;
    Ok(Baseline { commit, ..baseline })
}

fn build_in(worktree: &Path, target: &Path, short: &str) -> anyhow::Result<Baseline> {
    // Its own target directory under ours, kept between runs for incremental builds.
    let target_dir = target.join("bench-baseline-target");
    seed(target, &target_dir);
    eprintln!(
        "· building the baseline's mamori in release (CARGO_TARGET_DIR={})",
        target_dir.display()
    );
    let status =
        std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["build", "--release", "-p", "mamori"])
            .env("CARGO_TARGET_DIR", &target_dir)
            .current_dir(worktree)
            .status()
            .context("running cargo build for the baseline")?;
    if !status.success() {
        bail!("building the baseline failed ({status})");
    }
    // The next baseline build replaces target/release/mamori: keep this one by name.
    let mamori = target_dir.join(format!("mamori-{short}"));
    std::fs::copy(target_dir.join("release/mamori"), &mamori)
        .with_context(|| format!("copying the baseline binary to {}", mamori.display()))?;
    // The data is built later, after the worktree is gone: keep the generator's inputs.
    let snapshot = target
        .join("bench-baseline")
        .join(format!("{short}-source"));
    let _ = std::fs::remove_dir_all(&snapshot);
    copy_tree(
        &worktree.join("crates/store/migrations"),
        &snapshot.join("crates/store/migrations"),
    )?;
    for generator in crate::data::GENERATOR {
        let (from, to) = (worktree.join(generator), snapshot.join(generator));
        if from.is_dir() {
            copy_tree(&from, &to)?;
        } else if from.exists() {
            if let Some(parent) = to.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::copy(&from, &to)?;
        }
    }
    Ok(Baseline {
        commit: String::new(),
        mamori,
        source_snapshot: snapshot,
    })
}

/// The first time, starts the baseline's target directory from a copy of our
/// release build: the dependencies are the same and need not be compiled
/// again, only the workspace's crates (cargo rebuilds whatever differs).
fn seed(target: &Path, target_dir: &Path) {
    let ours = target.join("release");
    if target_dir.exists() || !ours.is_dir() {
        return;
    }
    eprintln!(
        "· seeding {} from {} (dependencies need no new build)",
        target_dir.display(),
        ours.display()
    );
    if std::fs::create_dir_all(target_dir).is_err() {
        return;
    }
    // `cp -a` keeps the modification times cargo's fingerprints compare.
    let copied = std::process::Command::new("cp")
        .arg("-a")
        .arg(&ours)
        .arg(target_dir)
        .status();
    if !copied.is_ok_and(|s| s.success()) {
        eprintln!("  (copy failed: the baseline is built from scratch)");
        let _ = std::fs::remove_dir_all(target_dir.join("release"));
    }
}

/// Removes the copy of the baseline's generator inputs once its data is built.
pub fn clean(b: &Baseline) {
    let _ = std::fs::remove_dir_all(&b.source_snapshot);
}

fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let path = entry.path();
        let dest = to.join(entry.file_name());
        if path.is_dir() {
            copy_tree(&path, &dest)?;
        } else {
            std::fs::copy(&path, &dest)?;
        }
    }
    Ok(())
}
