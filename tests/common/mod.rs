//! Helpers shared by the tests that run `auditfix fix --apply` on a tree
//! they write (`concurrency`, `crash`), and by those that need the
//! repository's `.venv` tools or a copy of an example app.

// Each test crate uses its own share of the helpers.
#![allow(dead_code)]

pub mod small;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A number from the environment variable `name`, or `default`.
pub fn env_number<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Write `files` (relative path → contents) below `root`.
pub fn write_tree<B: AsRef<[u8]>>(root: &Path, files: &BTreeMap<PathBuf, B>) {
    for (relative, contents) in files {
        let path = root.join(relative);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, contents).unwrap();
    }
}

/// `auditfix fix --apply --allow-dirty app` in `root`, stderr piped.
pub fn auditfix(root: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_auditfix"));
    command
        .current_dir(root)
        .args(["fix", "--apply", "--allow-dirty", "app"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

/// The repository root (the workspace's manifest folder).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A tool of `.venv` at the repository root (made by
/// `scripts/setup-venv.sh`), `None` when `AUDITFIX_SKIP_E2E=1` asks to skip
/// the tests that need it, or a failure that says how to make the venv.
pub fn venv_tool(name: &str) -> Option<PathBuf> {
    if std::env::var_os("AUDITFIX_SKIP_E2E").is_some_and(|value| value == "1") {
        eprintln!("AUDITFIX_SKIP_E2E=1: skipping a test that needs .venv/bin/{name}");
        return None;
    }
    let tool = repo_root().join(".venv").join("bin").join(name);
    assert!(
        tool.is_file(),
        "{} is missing.\nRun `bash scripts/setup-venv.sh` from the repository root, \
         or set AUDITFIX_SKIP_E2E=1 to skip this test.",
        tool.display()
    );
    Some(tool)
}

/// Copy the folder `from` to `to`, without what running Python or its
/// tools leaves behind (`__pycache__`, caches, `*.pyc`, `*.db`).
pub fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if matches!(
            name.as_str(),
            "__pycache__" | ".pytest_cache" | ".ruff_cache" | ".auditfix_cache"
        ) || name.ends_with(".pyc")
            || name.ends_with(".db")
        {
            continue;
        }
        let target = to.join(&name);
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// stdout then stderr of a finished command, as text.
pub fn output_text(output: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// `git init` in `dir` and commit everything in it, with an identity and
/// settings of the test's own (no user configuration needed).
pub fn commit_all(dir: &Path) {
    for args in [&["init", "-q"][..], &["add", "-A"], &["commit", "-q", "-m", "base"]] {
        let output = Command::new("git")
            .current_dir(dir)
            .args([
                "-c",
                "user.name=auditfix-tests",
                "-c",
                "user.email=tests@auditfix.invalid",
                "-c",
                "commit.gpgsign=false",
                "-c",
                "init.defaultBranch=main",
            ])
            .args(args)
            .output()
            .expect("git runs");
        assert!(output.status.success(), "git {args:?}: {}", output_text(&output));
    }
}
