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

/// `auditfix <args>` in `dir` under `umask`, through the shell.
#[cfg(unix)]
fn with_umask(dir: &Path, umask: &str, args: &str) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!("umask {umask}; exec \"$0\" {args}"))
        .arg(env!("CARGO_BIN_EXE_auditfix"))
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// Issue 17, item 2: `-o` writes as a shell's `>` would: a new file gets
/// the umask's permissions, an existing one keeps its own, a symlink stays
/// a link (its target rewritten), and a missing folder is named.
#[cfg(unix)]
#[test]
fn output_files_keep_modes_and_links() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tree();
    let mode = |name: &str| fs::metadata(dir.path().join(name)).unwrap().permissions().mode() & 0o777;
    for (umask, expected) in [("022", 0o644), ("027", 0o640), ("077", 0o600)] {
        let name = format!("new-{umask}.txt");
        let out = with_umask(dir.path(), umask, &format!("check --exit-zero -o {name}"));
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(mode(&name), expected, "umask {umask}");
    }
    fs::write(dir.path().join("kept.txt"), "old").unwrap();
    fs::set_permissions(dir.path().join("kept.txt"), fs::Permissions::from_mode(0o604)).unwrap();
    let out = with_umask(dir.path(), "077", "check --exit-zero -o kept.txt");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(mode("kept.txt"), 0o604);
    assert!(fs::read_to_string(dir.path().join("kept.txt"))
        .unwrap()
        .contains("AUD006"));

    fs::create_dir(dir.path().join("reports")).unwrap();
    fs::write(dir.path().join("reports/real.md"), "old").unwrap();
    std::os::unix::fs::symlink("reports/real.md", dir.path().join("link.md")).unwrap();
    let out = auditfix(dir.path(), &["report", "-o", "link.md"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(fs::symlink_metadata(dir.path().join("link.md")).unwrap().is_symlink());
    assert!(fs::read_to_string(dir.path().join("reports/real.md"))
        .unwrap()
        .starts_with("# "));
    let names: Vec<_> = fs::read_dir(dir.path().join("reports")).unwrap().collect();
    assert_eq!(names.len(), 1, "a temporary file was left");

    // A missing folder is made (as ruff's `--output-file` makes it); a
    // file in its way is an error naming both.
    let out = auditfix(dir.path(), &["check", "-o", "made/here/x.md"]);
    assert_ne!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(dir.path().join("made/here/x.md").is_file());
    fs::write(dir.path().join("nowhere"), "").unwrap();
    let out = auditfix(dir.path(), &["check", "-o", "nowhere/x.md"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .starts_with("error: cannot write nowhere/x.md: cannot create the folder nowhere: "),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Issue 17, item 2: a FIFO (as `/dev/stdout` is, through a link, in a
/// pipeline) or a link to one is written in place, never replaced by a
/// regular file.
#[cfg(unix)]
#[test]
fn output_to_a_fifo_or_a_link_to_one_is_written_through() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tree();
    let fifo = dir.path().join("pipe");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: mkfifo is not available");
        return;
    }
    std::os::unix::fs::symlink("pipe", dir.path().join("stdout")).unwrap();
    for name in ["pipe", "stdout"] {
        let path = fifo.clone();
        let reader = std::thread::spawn(move || fs::read_to_string(path).unwrap());
        let out = auditfix(dir.path(), &["check", "--exit-zero", "--format", "json", "-o", name]);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(fs::metadata(&fifo).unwrap().file_type().is_fifo(), "{name}: replaced");
        assert!(fs::symlink_metadata(dir.path().join("stdout")).unwrap().is_symlink());
        let text = reader.join().unwrap();
        assert!(text.contains("\"AUD006\""), "{name}: {text}");
    }
}
