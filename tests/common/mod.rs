//! Helpers shared by the tests that run `auditfix fix --apply` on a tree
//! they write (`concurrency`, `crash`).

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
