//! What a reviewer reads, through the binary: each hunk of the dry run
//! names the findings behind it (and the patch still applies), `[*]` marks
//! what `fix --apply` fixes, `--format concise` is one line per finding,
//! notes on each unresolved call wait for `--verbose` (JSON lists them
//! always), and a long run shows its progress over every phase, on a
//! terminal only.

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn auditfix(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_auditfix"))
        .current_dir(dir)
        .args(args)
        .env_remove("CLICOLOR_FORCE")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn fixture_copy(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    common::copy_tree(&common::repo_root().join("tests/fixtures").join(name), dir.path());
    dir
}

fn git(dir: &Path, args: &[&str]) -> Output {
    Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.email=t@example.com", "-c", "user.name=t"])
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn each_hunk_names_its_findings_and_the_patch_still_applies() {
    let dir = fixture_copy("interactive");
    let output = auditfix(dir.path(), &["fix", "--color", "never"]);
    let diff = text(&output.stdout);
    let headers: Vec<&str> = diff.lines().filter(|l| l.starts_with("@@ ")).collect();
    assert!(headers.len() >= 4, "{diff}");
    // Every hunk but one that only drops an import the fixes left unused.
    let hunks: Vec<&str> = diff.split("\n@@ ").skip(1).collect();
    assert_eq!(hunks.len(), headers.len());
    for hunk in hunks {
        let header = hunk.lines().next().unwrap();
        let label = &header[header.find(" @@").unwrap() + 3..];
        let changed: Vec<&str> = hunk.lines().skip(1).filter(|l| l.starts_with(['+', '-'])).collect();
        let import_only = changed
            .iter()
            .all(|l| l[1..].starts_with("from ") || l[1..].starts_with("import "));
        assert!(
            label.starts_with(" AUD0") || import_only,
            "a hunk without its findings: @@ {hunk}"
        );
    }
    // The import hunk names the fixes that need the import; the body's hunk
    // its own findings, with their messages.
    assert!(
        diff.contains(" AUD004 `GadgetService.create_gadget` creates `Gadget` without setting"),
        "{diff}"
    );
    assert!(git(dir.path(), &["init", "-q"]).status.success());
    let patch = dir.path().join("fixes.patch");
    std::fs::write(&patch, &diff).unwrap();
    let check = git(dir.path(), &["apply", "--check", "fixes.patch"]);
    assert!(check.status.success(), "{}", text(&check.stderr));
}

#[test]
fn fixable_findings_are_marked_and_concise_is_one_line_each() {
    let dir = fixture_copy("interactive");
    let full = text(&auditfix(dir.path(), &["check"]).stdout);
    let concise = text(&auditfix(dir.path(), &["check", "--format", "concise"]).stdout);
    let findings: Vec<&str> = full.lines().filter(|l| l.starts_with("app/")).collect();
    let lines: Vec<&str> = concise.lines().filter(|l| l.starts_with("app/")).collect();
    assert_eq!(findings, lines, "{concise}");
    assert!(!concise.contains(" | "), "{concise}");
    assert!(findings.iter().any(|l| l.contains(" AUD004 [*] ")), "{full}");
    // An unsafe fix is no `[*]`: only `--unsafe` applies it.
    let with_unsafe = text(&auditfix(dir.path(), &["check", "--format", "json"]).stdout);
    assert!(with_unsafe.contains("\"fix_applicability\": \"unsafe\""));
    assert!(
        findings
            .iter()
            .any(|l| l.starts_with("app/services/gadgets.py:11:9: AUD007 `")),
        "the try-wrap is unsafe: {full}"
    );
    assert!(concise.contains("\nFound "), "{concise}");
}

#[test]
fn unresolved_calls_are_counted_listed_with_verbose_and_always_in_json() {
    let dir = fixture_copy("callers");
    let note = "app/routes/users.py:41: `getattr(crud, method)(\\\"id-1\\\")` calls a method";
    let plain_note = note.replace("\\\"", "\"");
    let quiet = text(&auditfix(dir.path(), &["check"]).stdout);
    assert!(!quiet.contains(&plain_note), "{quiet}");
    assert!(
        quiet.contains("note: 1 call could not be checked for AUD012-AUD014 (`--verbose` lists it and why)"),
        "{quiet}"
    );
    let verbose = text(&auditfix(dir.path(), &["check", "--verbose"]).stdout);
    assert!(verbose.contains(&format!("note: {plain_note}")), "{verbose}");
    let json = text(&auditfix(dir.path(), &["check", "--format", "json"]).stdout);
    assert!(json.contains(note), "{json}");
}

/// A tree of more files than the progress threshold, a few of them the
/// example app's services.
fn large_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    common::copy_tree(
        &common::repo_root().join("examples/audit_app/app"),
        &dir.path().join("app"),
    );
    for i in 0..520 {
        std::fs::write(
            dir.path().join(format!("app/m{i}.py")),
            format!("def f{i}(x):\n    return x + {i}\n"),
        )
        .unwrap();
    }
    dir
}

#[cfg(unix)]
#[test]
fn a_long_run_shows_every_phase_on_a_terminal_only() {
    let dir = large_tree();
    for (args, phases) in [
        (
            &["check", "."][..],
            &["reading", "analysing", "checking the callers"][..],
        ),
        (&["fix", "."], &["reading", "analysing", "fixing"]),
    ] {
        let mut command = Command::new(env!("CARGO_BIN_EXE_auditfix"));
        command.current_dir(dir.path()).args(args);
        let mut session = rexpect::session::spawn_command(command, Some(60_000)).unwrap();
        let shown = session.exp_eof().unwrap();
        for phase in phases {
            assert!(shown.contains(phase), "{args:?}: no `{phase}` progress:\n{shown}");
        }
        // Piped: no progress at all.
        let piped = auditfix(dir.path(), args);
        let stderr = text(&piped.stderr);
        for phase in phases {
            assert!(
                !stderr.contains(&format!("{phase} ")),
                "{args:?}: progress in a pipe:\n{stderr}"
            );
        }
    }
}
