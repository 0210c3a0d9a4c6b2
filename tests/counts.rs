//! One tree, one set of numbers: `check`, the `fix` dry run, `fix
//! --interactive` and `report` print the same counts of findings, of
//! findings `fix --apply` fixes, and of those only `--unsafe` fixes; after
//! `fix --apply`, the findings it says are left are those `check` finds.

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn auditfix(dir: &Path, args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_auditfix"))
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn all_text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The number written between `before` and `after` in `text`.
fn number(text: &str, before: &str, after: &str) -> usize {
    let start = text.find(before).unwrap_or_else(|| panic!("no `{before}` in:\n{text}")) + before.len();
    let rest = &text[start..];
    let end = rest
        .find(after)
        .unwrap_or_else(|| panic!("no `{after}` after `{before}` in:\n{text}"));
    rest[..end]
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("no number between `{before}` and `{after}` in:\n{text}"))
}

#[derive(Debug, PartialEq, Eq)]
struct Counts {
    findings: usize,
    fixable: usize,
    more_with_unsafe: usize,
}

fn example_copy() -> (tempfile::TempDir, std::path::PathBuf) {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("audit_app");
    copy(&Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/audit_app"), &dir);
    (temp, dir)
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "__pycache__" || name == ".pytest_cache" {
            continue;
        }
        if entry.file_type().unwrap().is_dir() {
            copy(&entry.path(), &to.join(name));
        } else {
            std::fs::copy(entry.path(), to.join(name)).unwrap();
        }
    }
}

#[test]
fn check_fix_interactive_and_report_count_alike() {
    let (_temp, dir) = example_copy();
    let check = all_text(&auditfix(&dir, &["check", "."], ""));
    let from_check = Counts {
        findings: number(&check, "Found ", " findings."),
        fixable: number(&check, "findings.\n[*] ", " fixable with `auditfix fix --apply`"),
        more_with_unsafe: number(&check, "`auditfix fix --apply` (", " more with --unsafe)."),
    };
    assert!(from_check.fixable > 0 && from_check.more_with_unsafe > 0, "{check}");

    let dry = all_text(&auditfix(&dir, &["fix", "."], ""));
    assert_eq!(number(&dry, "Would fix ", " findings in"), from_check.fixable, "{dry}");
    assert_eq!(
        number(&dry, "files (", " more with --unsafe)."),
        from_check.more_with_unsafe,
        "{dry}"
    );

    let interactive = all_text(&auditfix(&dir, &["fix", "--interactive", "--allow-dirty", "."], "q\n"));
    let from_interactive = Counts {
        findings: number(&interactive, "Found ", " findings:"),
        fixable: number(&interactive, "findings: ", " fixable in"),
        more_with_unsafe: number(&interactive, "hunks (", " more with --unsafe)."),
    };
    assert_eq!(from_interactive, from_check, "{interactive}");
    let closing = &interactive[interactive.rfind("not reviewed\n").expect("files not reviewed")..];
    assert_eq!(
        number(closing, "not reviewed\n", " more with --unsafe."),
        from_check.more_with_unsafe,
        "{interactive}"
    );

    let report = all_text(&auditfix(&dir, &["report", "."], ""));
    let from_report = Counts {
        findings: number(&report, "**Issues Found**: ", " findings ("),
        fixable: number(&report, " findings (", " fixable by `auditfix fix --apply`"),
        more_with_unsafe: number(&report, "fix --apply`, ", " more with `--unsafe`"),
    };
    assert_eq!(from_report, from_check, "{report}");

    // After --apply: what it says is left is what check finds.
    let apply = auditfix(&dir, &["fix", "--apply", "--allow-dirty", "."], "");
    let applied = all_text(&apply);
    assert_eq!(number(&applied, "Fixed ", " findings"), from_check.fixable, "{applied}");
    let left = number(&applied, "; ", " findings left");
    let after = all_text(&auditfix(&dir, &["check", "."], ""));
    assert_eq!(left, number(&after, "Found ", " findings."), "{applied}\n{after}");
    assert!(left > 0 && apply.status.code() == Some(1), "{applied}");
}

#[test]
fn a_selection_with_only_unsafe_fixes_says_unsafe_would_fix_them() {
    let (_temp, dir) = example_copy();
    let check = all_text(&auditfix(&dir, &["check", "--select", "AUD012", "."], ""));
    let unsafe_fixable = number(&check, "findings.\n", " fixable with `auditfix fix --apply --unsafe`.");
    assert!(unsafe_fixable > 0, "{check}");
    let dry = all_text(&auditfix(&dir, &["fix", "--select", "AUD012", "."], ""));
    assert!(dry.contains("Would fix 0 findings in 0 files"), "{dry}");
    assert_eq!(
        number(&dry, "files (", " fixable with --unsafe)."),
        unsafe_fixable,
        "{dry}"
    );
}

#[test]
fn a_file_that_cannot_be_written_is_counted_as_left() {
    let (_temp, dir) = example_copy();
    let before = all_text(&auditfix(&dir, &["check", "."], ""));
    let findings = number(&before, "Found ", " findings.");
    // Every file read-only: nothing can be written (root may write such a
    // file, but auditfix refuses to change what its owner made read-only).
    let services = dir.join("app/features/administration/tenants/services.py");
    let mut permissions = std::fs::metadata(&services).unwrap().permissions();
    permissions.set_readonly(true);
    std::fs::set_permissions(&services, permissions).unwrap();
    let apply = auditfix(&dir, &["fix", "--apply", "--allow-dirty", "."], "");
    let text = all_text(&apply);
    assert_eq!(apply.status.code(), Some(2), "{text}");
    assert!(text.contains("1 file could not be written (see above)"), "{text}");
    let left = number(&text, "could not be written (see above); ", " findings left");
    let after = all_text(&auditfix(&dir, &["check", "."], ""));
    assert_eq!(left, number(&after, "Found ", " findings."), "{text}\n{after}");
    assert!(left > 0 && left < findings, "{text}");
}
