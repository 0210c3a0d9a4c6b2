//! The conventions a ruff and pre-commit team expects, through the binary:
//! `--force-exclude`, a source on standard input
//! (`-` with `--stdin-filename`), `extend-select`, `-o` into a new folder,
//! and the warning when no Python file was found.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Output, Stdio};

mod common;

use common::small::{auditfix, codes, command, repo, stderr, stdout, SERVICE};

/// `auditfix args` with `input` on standard input.
fn auditfix_with_input(dir: &Path, args: &[&str], input: &[u8]) -> Output {
    let mut child = command(dir, args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    // A run that refuses its arguments exits without reading: a broken pipe.
    let _ = child.stdin.take().unwrap().write_all(input);
    child.wait_with_output().unwrap()
}

#[test]
fn force_exclude_makes_named_files_obey_exclude() {
    let dir = repo();
    fs::write(dir.path().join("auditfix.toml"), "exclude = [\"app/service.py\"]\n").unwrap();
    // Walked: excluded. Named: checked, unless --force-exclude.
    assert_eq!(auditfix(dir.path(), &["check", "app"]).status.code(), Some(0));
    assert_eq!(
        auditfix(dir.path(), &["check", "app/service.py"]).status.code(),
        Some(1)
    );
    let out = auditfix(dir.path(), &["check", "--force-exclude", "app/service.py"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stderr(&out).contains("warning: no Python file found under app/service.py"));
    // The same from the configuration, and for fix.
    fs::write(
        dir.path().join("auditfix.toml"),
        "exclude = [\"app/service.py\"]\nforce-exclude = true\n",
    )
    .unwrap();
    assert_eq!(
        auditfix(dir.path(), &["check", "app/service.py"]).status.code(),
        Some(0)
    );
    assert_eq!(auditfix(dir.path(), &["fix", "app/service.py"]).status.code(), Some(0));
    // A folder skipped by default is skipped for a named file too.
    fs::create_dir_all(dir.path().join("migrations")).unwrap();
    fs::write(dir.path().join("migrations/service.py"), SERVICE).unwrap();
    assert_eq!(
        auditfix(dir.path(), &["check", "migrations/service.py"]).status.code(),
        Some(0)
    );
    // And the name standard input stands for.
    let out = auditfix_with_input(
        dir.path(),
        &["check", "-", "--stdin-filename", "app/service.py"],
        SERVICE.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "");
}

#[test]
fn check_reads_standard_input_as_the_named_file_of_its_project() {
    let dir = repo();
    // On disk the file is clean of AUD001; standard input is not.
    fs::write(
        dir.path().join("app/service.py"),
        SERVICE.replace("(self, data)", "(self, data, created_by_user=None)"),
    )
    .unwrap();
    let out = auditfix_with_input(
        dir.path(),
        &["check", "-", "--stdin-filename", "app/service.py", "--format", "json"],
        SERVICE.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let value: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let findings = value["findings"].as_array().unwrap();
    assert!(findings.iter().all(|f| f["path"] == "app/service.py"), "{findings:?}");
    let codes: Vec<&str> = findings.iter().map(|f| f["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"AUD001"), "{codes:?}");
    // The model's mixin was read from disk: the setter is asked for.
    assert!(codes.contains(&"AUD003"), "{codes:?}");
    // No file on disk changed, and models.py, context only, reports nothing.
    assert_eq!(value["summary"]["files_checked"], 1);

    // A name that does not exist on disk, in a folder that does not either.
    let out = auditfix_with_input(
        dir.path(),
        &["check", "-", "--stdin-filename", "new/thing.py"],
        SERVICE.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stdout(&out).contains("new/thing.py:8:15: AUD001"), "{}", stdout(&out));
}

#[test]
fn standard_input_bad_usage_and_bad_input() {
    let dir = repo();
    let out = auditfix_with_input(dir.path(), &["check", "-"], SERVICE.as_bytes());
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: `-` reads the source from standard input: name the file it stands for with --stdin-filename PATH\n"
    );
    let out = auditfix_with_input(
        dir.path(),
        &["check", "app", "--stdin-filename", "app/service.py"],
        SERVICE.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("give `-` as the only path"), "{}", stderr(&out));
    // Not UTF-8, and a syntax error: named by the name given, exit 2.
    let out = auditfix_with_input(
        dir.path(),
        &["check", "-", "--stdin-filename", "app/service.py"],
        b"x = '\xff'\n",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stdout(&out).contains("error: app/service.py: not valid UTF-8"),
        "{}",
        stdout(&out)
    );
    let out = auditfix_with_input(
        dir.path(),
        &["check", "-", "--stdin-filename", "app/service.py", "--no-prefilter"],
        b"def f()\n    pass\n",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout(&out).contains("expected ':'"), "{}", stdout(&out));
    // `report` does not read standard input.
    let out = auditfix_with_input(
        dir.path(),
        &["report", "-", "--stdin-filename", "app/service.py"],
        SERVICE.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("standard input"), "{}", stderr(&out));
}

#[test]
fn fix_on_standard_input_prints_the_fixed_source_or_the_diff() {
    let dir = repo();
    let on_disk = fs::read_to_string(dir.path().join("app/service.py")).unwrap();
    let args = ["fix", "--apply", "-", "--stdin-filename", "app/service.py"];
    let out = auditfix_with_input(dir.path(), &args, SERVICE.as_bytes());
    let fixed = stdout(&out);
    assert!(
        fixed.contains("async def create_user(self, data, created_by_user=None):"),
        "{fixed}"
    );
    assert!(fixed.contains("user.created_at = datetime.now()"), "{fixed}");
    assert!(stderr(&out).contains("Fixed "), "{}", stderr(&out));
    // Nothing is written.
    assert_eq!(fs::read_to_string(dir.path().join("app/service.py")).unwrap(), on_disk);
    // The fixed source through again: nothing more to fix, the same text
    // back; what is left (the `try` wrapper needs --unsafe) exits 1.
    let again = auditfix_with_input(dir.path(), &args, fixed.as_bytes());
    assert_eq!(stdout(&again), fixed);
    assert_eq!(stderr(&again), "Fixed 0 findings; 1 finding left without a fix.\n");
    assert_eq!(again.status.code(), Some(1));

    // The dry run prints the diff, under the name given.
    let out = auditfix_with_input(
        dir.path(),
        &["fix", "-", "--stdin-filename", "app/service.py"],
        SERVICE.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).starts_with("--- a/app/service.py\n+++ b/app/service.py\n"),
        "{}",
        stdout(&out)
    );

    // Interactive mode reads its answers from standard input.
    let out = auditfix_with_input(
        dir.path(),
        &["fix", "-i", "-", "--stdin-filename", "app/service.py"],
        SERVICE.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--interactive"), "{}", stderr(&out));
}

#[test]
fn extend_select_adds_rules_in_the_configuration_and_on_the_command_line() {
    let dir = repo();
    fs::write(dir.path().join("auditfix.toml"), "select = [\"AUD001\"]\n").unwrap();
    let only = |out: &Output| {
        let mut codes = codes(out);
        codes.dedup();
        codes
    };
    assert_eq!(only(&auditfix(dir.path(), &["check", "--format", "json"])), ["AUD001"]);
    let out = auditfix(dir.path(), &["check", "--format", "json", "--extend-select", "AUD004"]);
    assert_eq!(only(&out), ["AUD001", "AUD004"]);
    fs::write(
        dir.path().join("auditfix.toml"),
        "select = [\"AUD001\"]\nextend-select = [\"AUD004\"]\n",
    )
    .unwrap();
    assert_eq!(
        only(&auditfix(dir.path(), &["check", "--format", "json"])),
        ["AUD001", "AUD004"]
    );
    // Unknown codes: exit 2, naming where.
    let out = auditfix(dir.path(), &["check", "--extend-select", "AUD404"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown rule selector `AUD404`"),
        "{}",
        stderr(&out)
    );
    fs::write(dir.path().join("auditfix.toml"), "extend-select = [\"AUD404\"]\n").unwrap();
    let out = auditfix(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("auditfix.toml:1: `extend-select`: unknown rule code `AUD404`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn output_file_creates_its_folder() {
    let dir = repo();
    let out = auditfix(
        dir.path(),
        &["check", "--format", "sarif", "-o", "reports/ci/auditfix.sarif"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let sarif = fs::read_to_string(dir.path().join("reports/ci/auditfix.sarif")).unwrap();
    assert!(sarif.contains("\"version\": \"2.1.0\""));
    // ruff's spelling too.
    let out = auditfix(dir.path(), &["report", "--output-file", "docs/new/report.md"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(dir.path().join("docs/new/report.md").is_file());
    // A folder that cannot be made (a file is in the way): exit 2, named.
    fs::write(dir.path().join("taken"), "").unwrap();
    let out = auditfix(dir.path(), &["check", "-o", "taken/x.txt"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with("error: cannot write taken/x.txt: cannot create the folder taken"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn no_python_file_found_is_a_warning_not_a_silent_success() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("empty")).unwrap();
    for args in [&["check", "empty"][..], &["fix", "empty"]] {
        let out = auditfix(dir.path(), args);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert!(
            stderr(&out).contains("warning: no Python file found under empty (nothing was checked)"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    // A folder with Python files says nothing of the kind.
    fs::write(dir.path().join("empty/ok.py"), "x = 1\n").unwrap();
    assert_eq!(stderr(&auditfix(dir.path(), &["check", "empty"])), "");
}

#[test]
fn add_noqa_refuses_standard_input() {
    let dir = repo();
    let out = auditfix_with_input(
        dir.path(),
        &["check", "--add-noqa", "-", "--stdin-filename", "app/service.py"],
        SERVICE.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--add-noqa"), "{}", stderr(&out));
}
