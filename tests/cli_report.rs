//! The command-line switches ruff users expect of `check` (`--exit-zero`,
//! `--statistics`) and the shell completion scripts, through the binary.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

/// A service with two findings of different rules (AUD006 and AUD007),
/// the second fixable only with `--unsafe`, and a file without write methods.
const SERVICE: &str = "\
from datetime import datetime, timezone

from sqlalchemy import Column, DateTime, String


class Thing:
    __tablename__ = \"things\"
    name = Column(String)
    updated_at = Column(DateTime)


class ThingService:
    async def update_thing(self, thing: Thing, name, updated_by_user=None):
        thing.name = name
        thing.updated_at = datetime.now(timezone.utc)
        await self.db.flush()
";

fn tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("things.py"), SERVICE).unwrap();
    fs::write(dir.path().join("clean.py"), "def helper():\n    return 1\n").unwrap();
    dir
}

fn auditfix(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_auditfix"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

#[test]
fn findings_exit_1_and_exit_zero_exits_0_with_the_same_output() {
    let dir = tree();
    let plain = auditfix(dir.path(), &["check"]);
    assert_eq!(plain.status.code(), Some(1));
    let zero = auditfix(dir.path(), &["check", "--exit-zero"]);
    assert_eq!(zero.status.code(), Some(0));
    assert!(!stdout(&zero).is_empty());
    assert_eq!(
        stdout(&plain),
        stdout(&zero),
        "--exit-zero changes only the exit status"
    );
}

#[test]
fn exit_zero_does_not_hide_errors() {
    let dir = tree();
    // With a session write, so that the prefilter passes it to the parser.
    fs::write(dir.path().join("broken.py"), "def f(:\n    db.commit()\n").unwrap();
    let output = auditfix(dir.path(), &["check", "--exit-zero"]);
    assert_eq!(
        output.status.code(),
        Some(2),
        "a file that cannot be checked is still an error"
    );
}

#[test]
fn clean_tree_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("clean.py"), "def helper():\n    return 1\n").unwrap();
    assert_eq!(auditfix(dir.path(), &["check"]).status.code(), Some(0));
    assert_eq!(auditfix(dir.path(), &["check", "--statistics"]).status.code(), Some(0));
}

#[test]
fn statistics_counts_per_rule_instead_of_each_finding() {
    let dir = tree();
    let output = auditfix(dir.path(), &["check", "--statistics"]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    let json = stdout(&auditfix(dir.path(), &["check", "--format", "json"]));
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let by_rule = value["summary"]["by_rule"].as_object().unwrap();
    assert!(by_rule.len() >= 2, "the fixture should hit several rules: {by_rule:?}");
    for (code, count) in by_rule {
        let line = text
            .lines()
            .find(|l| l.split_whitespace().nth(1) == Some(code.as_str()))
            .unwrap_or_else(|| panic!("no line for {code} in\n{text}"));
        assert_eq!(
            line.split_whitespace().next(),
            Some(count.to_string().as_str()),
            "{line}"
        );
    }
    // No finding is shown one by one.
    assert!(!text.contains("things.py:"), "{text}");
    assert!(text.contains("Found "), "{text}");
    // And the exit status still follows the findings.
    let zero = auditfix(dir.path(), &["check", "--statistics", "--exit-zero"]);
    assert_eq!(zero.status.code(), Some(0));
    assert_eq!(stdout(&zero), text);
}

#[test]
fn completions_for_each_shell_mention_the_commands() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let output = auditfix(dir.path(), &["completions", shell]);
        assert_eq!(output.status.code(), Some(0), "{shell}");
        let script = stdout(&output);
        assert!(!script.trim().is_empty(), "{shell}: empty script");
        for word in ["auditfix", "check", "fix", "report", "exit-zero"] {
            assert!(script.contains(word), "{shell}: no `{word}` in the script");
        }
    }
    let unknown = auditfix(dir.path(), &["completions", "tcsh"]);
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn the_packaging_pyproject_is_not_a_configuration() {
    // The repository's own pyproject.toml has no [tool.auditfix] table: a
    // run under it uses the defaults, exactly as without it.
    let dir = tree();
    let plain = auditfix(dir.path(), &["check", "--format", "json"]);
    let pyproject = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("pyproject.toml")).unwrap();
    assert!(!pyproject.lines().any(|l| l.trim_start().starts_with("[tool.auditfix")));
    fs::write(dir.path().join("pyproject.toml"), pyproject).unwrap();
    let with = auditfix(dir.path(), &["check", "--format", "json"]);
    assert_eq!(with.status.code(), plain.status.code());
    assert_eq!(stdout(&with), stdout(&plain));
    let report = auditfix(dir.path(), &["report"]);
    assert!(stdout(&report).contains("**Standard**: the default (Gold Standard) audit standard"));
}
