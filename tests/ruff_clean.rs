//! Fixes leave nothing for ruff to do on a project that ruff keeps clean.
//!
//! Each example app is copied, formatted with `ruff format` and its imports
//! sorted with `ruff check --select I --fix` (the state a ruff/pre-commit
//! team keeps it in); then `auditfix fix --apply` must leave `ruff check --select I,F401` and `ruff format --check` silent: new
//! imports in their isort section and order, merged into an existing
//! `from x import`, and inserted lines split as the formatter splits them.
//!
//! ruff is the real one, from `.venv` (`scripts/setup-venv.sh` installs it);
//! without it these tests fail and say so, unless `AUDITFIX_SKIP_E2E=1`.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn run(command: &mut Command) -> Output {
    command.output().expect("the command runs")
}

fn text(output: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// `ruff ARGS .` in `dir`, asserted to succeed (`what` says what was checked).
fn ruff_clean(ruff: &Path, dir: &Path, args: &[&str], what: &str) {
    let output = run(Command::new(ruff)
        .current_dir(dir)
        .args(args)
        .arg(".")
        .arg("--no-cache"));
    assert!(
        output.status.success(),
        "{what}: `ruff {}` reports:\n{}",
        args.join(" "),
        text(&output)
    );
}

/// A ruff-formatted, isort-clean copy of `examples/<app>`.
fn formatted_copy(ruff: &Path, app: &str) -> (tempfile::TempDir, PathBuf) {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join(app);
    common::copy_tree(&common::repo_root().join("examples").join(app), &dir);
    for args in [
        &["format", "--no-cache", "."][..],
        &["check", "--no-cache", "--select", "I,F401", "--fix", "."],
    ] {
        let output = run(Command::new(ruff).current_dir(&dir).args(args));
        assert!(output.status.success(), "preparing the copy: {}", text(&output));
    }
    ruff_clean(ruff, &dir, &["check", "--select", "I,F401"], "the prepared copy");
    ruff_clean(ruff, &dir, &["format", "--check"], "the prepared copy");
    (temp, dir)
}

fn python_bytes(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "py") {
                let bytes = std::fs::read(&path).unwrap();
                files.push((path, bytes));
            }
        }
    }
    files.sort();
    files
}

fn fixes_stay_ruff_clean(app: &str) {
    let Some(ruff) = common::venv_tool("ruff") else { return };
    let (_temp, dir) = formatted_copy(&ruff, app);
    let before = python_bytes(&dir);
    let mut fix = Command::new(env!("CARGO_BIN_EXE_auditfix"));
    fix.current_dir(&dir).args(["fix", "--apply", "--allow-dirty", "."]);
    let output = run(&mut fix);
    assert!(matches!(output.status.code(), Some(0 | 1)), "{}", text(&output));
    let after = python_bytes(&dir);
    let changed = before.iter().zip(&after).filter(|(b, a)| b != a).count();
    assert!(
        changed >= 3,
        "the fixes changed only {changed} files:\n{}",
        text(&output)
    );
    let what = format!("{app} after `fix --apply`");
    ruff_clean(&ruff, &dir, &["check", "--select", "I,F401"], &what);
    ruff_clean(&ruff, &dir, &["format", "--check"], &what);
}

#[test]
fn safe_fixes_of_the_example_app_leave_ruff_nothing_to_do() {
    fixes_stay_ruff_clean("audit_app");
}

#[test]
fn safe_fixes_of_the_sqlalchemy_2_app_leave_ruff_nothing_to_do() {
    fixes_stay_ruff_clean("audit_app_sa2");
}
