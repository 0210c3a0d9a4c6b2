//! Output that must keep its promise whatever the stream and format:
//! completion scripts into a closed pipe or a full disk, `rules CODE` and
//! `check --statistics` in JSON, syntax errors in Python's words and with
//! their place in the GitHub annotations.

use std::fs;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn auditfix(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_auditfix"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const SERVICE: &str = "from app.models import User


class UserService:
    def __init__(self, db):
        self.db = db

    async def create_user(self, data):
        user = User(email=data.email)
        self.db.add(user)
        await self.db.flush()
        return user
";

const MODELS: &str = "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = \"users\"
    email: Mapped[str] = mapped_column()
";

/// A tree with one finding-laden service and one file missing a `:`.
fn tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("app")).unwrap();
    fs::write(dir.path().join("app/models.py"), MODELS).unwrap();
    fs::write(dir.path().join("app/service.py"), SERVICE).unwrap();
    fs::write(
        dir.path().join("app/broken.py"),
        "class Broken:\n    def create_x(self)\n        self.db.add(x)\n",
    )
    .unwrap();
    dir
}

#[cfg(unix)]
#[test]
fn completions_into_a_closed_pipe_or_a_full_disk_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["zsh", "bash", "fish"] {
        // The reader reads one line and goes: `completions zsh | head -1`,
        // the status of the pipeline auditfix's (pipefail).
        let out = Command::new("bash")
            .arg("-c")
            .arg(format!("set -o pipefail; \"$0\" completions {shell} | head -n 1"))
            .arg(env!("CARGO_BIN_EXE_auditfix"))
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", stderr(&out));
        assert!(!stderr(&out).contains("panicked"), "{shell}: {}", stderr(&out));
        assert_eq!(stdout(&out).lines().count(), 1);
        // A reader gone before anything is written.
        let mut child = Command::new(env!("CARGO_BIN_EXE_auditfix"))
            .args(["completions", shell])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", stderr(&out));
        assert!(!stderr(&out).contains("panicked"), "{shell}: {}", stderr(&out));
    }
    // A full disk is an error (exit 2) with a message, not a panic (101).
    if Path::new("/dev/full").exists() {
        let full = fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_auditfix"))
            .args(["completions", "zsh"])
            .stdout(full)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(
            stderr(&out).starts_with("error: cannot write the completion script:"),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn rules_code_in_json_and_markdown() {
    let dir = tempfile::tempdir().unwrap();
    let out = auditfix(dir.path(), &["rules", "AUD004", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let rule: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(rule["code"], "AUD004");
    assert_eq!(rule["name"], "missing-explicit-timestamp");
    assert_eq!(rule["fix"], "safe");
    assert!(rule["explanation"].as_str().unwrap().starts_with("## What it does"));
    // The same fields as an entry of the list.
    let list: serde_json::Value =
        serde_json::from_str(&stdout(&auditfix(dir.path(), &["rules", "--format", "json"]))).unwrap();
    let listed = list.as_array().unwrap().iter().find(|r| r["code"] == "AUD004").unwrap();
    for key in ["code", "name", "standard", "fix", "summary"] {
        assert_eq!(listed[key], rule[key], "{key}");
    }
    // By name too; Markdown opens with a heading.
    let out = auditfix(
        dir.path(),
        &["rules", "missing-explicit-timestamp", "--format", "markdown"],
    );
    assert!(
        stdout(&out).starts_with("# missing-explicit-timestamp (AUD004)\n"),
        "{}",
        stdout(&out)
    );
    // An unknown rule is an error in any format.
    let out = auditfix(dir.path(), &["rules", "AUD404", "--format", "json"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout(&out), "");
    assert!(stderr(&out).contains("unknown rule `AUD404`"), "{}", stderr(&out));
}

#[test]
fn statistics_in_json_count_per_rule() {
    let dir = tree();
    fs::remove_file(dir.path().join("app/broken.py")).unwrap();
    let out = auditfix(dir.path(), &["check", "--statistics", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let value: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert!(value.get("findings").is_none(), "{value}");
    let rows = value["statistics"].as_array().unwrap();
    assert!(!rows.is_empty());
    let total: u64 = rows.iter().map(|r| r["count"].as_u64().unwrap()).sum();
    assert_eq!(value["summary"]["findings"].as_u64(), Some(total));
    // Most frequent first.
    let counts: Vec<u64> = rows.iter().map(|r| r["count"].as_u64().unwrap()).collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{counts:?}");
    // The same counts as the findings.
    let full: serde_json::Value =
        serde_json::from_str(&stdout(&auditfix(dir.path(), &["check", "--format", "json"]))).unwrap();
    for row in rows {
        assert_eq!(full["summary"]["by_rule"][row["code"].as_str().unwrap()], row["count"]);
    }
    // A format with no statistics form is a usage error, not findings.
    for format in ["sarif", "github", "junit", "markdown"] {
        let out = auditfix(dir.path(), &["check", "--statistics", "--format", format]);
        assert_eq!(out.status.code(), Some(2), "{format}");
        assert_eq!(stdout(&out), "", "{format}");
        assert!(stderr(&out).contains("--statistics"), "{format}: {}", stderr(&out));
    }
}

#[test]
fn syntax_errors_in_pythons_words_with_their_place_in_github_annotations() {
    let dir = tree();
    let out = auditfix(dir.path(), &["check", "--no-prefilter"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stdout(&out).contains("error: app/broken.py: syntax error at line 2, column 23: expected ':'; not checked"),
        "{}",
        stdout(&out)
    );
    let out = auditfix(dir.path(), &["check", "--no-prefilter", "--format", "github"]);
    let text = stdout(&out);
    let annotations: Vec<&str> = text.lines().collect();
    assert!(
        annotations.contains(
            &"::error file=app/broken.py,line=2,col=23::syntax error at line 2, column 23: expected ':'; not checked"
        ),
        "{text}"
    );
    // Every annotation about a file carries its line.
    for annotation in annotations.iter().filter(|a| a.contains("file=")) {
        assert!(annotation.contains(",line="), "{annotation}");
    }
    // An unclosed bracket is named where it opens.
    fs::write(dir.path().join("app/broken.py"), "x = call(1,\n\ny = 2\n").unwrap();
    let out = auditfix(dir.path(), &["check", "--no-prefilter"]);
    assert!(
        stdout(&out).contains("error: app/broken.py: syntax error at line 1, column 9: '(' was never closed"),
        "{}",
        stdout(&out)
    );
}
