//! `auditfix report` end to end, through the binary: the whole report on a
//! copy of the example app (an insta snapshot, reviewed line by line), the
//! status of each of the original report's files, the recommended diffs
//! against what `auditfix fix --unsafe` prints, files that cannot be
//! audited, and `--output` (written atomically, or not at all).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// 2025-10-11 00:00:00 UTC, the date of the original report.
const EPOCH: &str = "1760140800";

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Copy a tree, leaving out what running Python leaves behind.
fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name == "__pycache__" || name == ".pytest_cache" || name.ends_with(".pyc") || name.ends_with(".db") {
            continue;
        }
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A temporary copy of the example app.
fn example_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&repo_root().join("examples/audit_app"), dir.path());
    dir
}

/// Run `auditfix` in `dir` with a fixed date and no color.
fn auditfix(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_auditfix"))
        .args(args)
        .current_dir(dir)
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The report on the example app.
fn example_report() -> String {
    let dir = example_copy();
    let output = auditfix(dir.path(), &["report"]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert_eq!(stderr(&output), "");
    stdout(&output)
}

/// The per-file section of `path`: from its `### ... File N:` heading to the
/// next heading of that level.
fn section<'a>(report: &'a str, path: &str) -> &'a str {
    let heading = format!(": `{path}`\n");
    let start = report
        .match_indices("\n### ")
        .map(|(i, _)| i + 1)
        .find(|i| {
            report[*i..]
                .lines()
                .next()
                .is_some_and(|l| l.contains("File ") && format!("{l}\n").ends_with(&heading))
        })
        .unwrap_or_else(|| panic!("no section for {path}"));
    let rest = &report[start + 4..];
    let end = [rest.find("\n### "), rest.find("\n---\n")]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(rest.len());
    &report[start..start + 4 + end]
}

#[test]
fn report_on_the_example_app() {
    let report = example_report();
    let shown = report.replace(
        &format!("auditfix {}\\", env!("CARGO_PKG_VERSION")),
        "auditfix [VERSION]\\",
    );
    insta::assert_snapshot!(shown);
}

#[test]
fn report_is_deterministic() {
    let dir = example_copy();
    let first = auditfix(dir.path(), &["report"]);
    let second = auditfix(dir.path(), &["report"]);
    assert_eq!(stdout(&first), stdout(&second));
    assert!(stdout(&first).contains("**Generated**: 2025-10-11\\\n"));
}

#[test]
fn statuses_agree_with_the_original_report() {
    let report = example_report();
    let features = "app/features/";
    let expected = [
        // File 1 of the original report: the gold standard.
        (
            "administration/secrets/services/crud_services.py",
            "✅ **Fully compliant**",
        ),
        // File 2: only timestamps, timestamp style and IntegrityError handling.
        (
            "administration/smtp/services/crud_services.py",
            "⚠️ **Mostly compliant**",
        ),
        // File 3.
        ("administration/users/services/crud_services.py", "❌ **Needs updates**"),
        // File 4: the report said "not using AuditMixin"; the code says
        // Tenant inherits it through GlobalModel, so it needs updates.
        ("administration/tenants/services.py", "❌ **Needs updates**"),
        // File 5.
        (
            "business_automations/content_broadcaster/services/content_planning_service.py",
            "❌ **Needs updates**",
        ),
        // File 6: "partial audit usage": only AUD004/AUD006/AUD007.
        (
            "business_automations/content_broadcaster/services/content_broadcaster_service.py",
            "⚠️ **Mostly compliant**",
        ),
        // File 7: "manual audit fields".
        (
            "connectors/connectors/services/connector_service.py",
            "❌ **Needs updates**",
        ),
        // Not in the original's detail: a model without the mixin, and a
        // NameError waiting, which comes first.
        ("administration/logs/services/crud_services.py", "❌ **Needs updates**"),
    ];
    for (path, status) in expected {
        let path = format!("{features}{path}");
        let section = section(&report, &path);
        assert!(
            section.contains(&format!("**Status**: {status}\\\n")),
            "{path}: expected {status} in\n{section}"
        );
    }

    let tenants = section(&report, "app/features/administration/tenants/services.py");
    assert!(tenants.contains(
        "**Note**: Tenant inherits AuditMixin through GlobalModel (app/features/core/models.py): it has the audit columns and setters"
    ));
    for other in ["users/services/crud_services.py", "secrets/services/crud_services.py"] {
        let other = section(&report, &format!("app/features/administration/{other}"));
        assert!(!other.contains("inherits AuditMixin through"), "{other}");
    }

    // The logs service is about a model without the mixin: S1-S3 do not apply.
    let logs = section(&report, "app/features/administration/logs/services/crud_services.py");
    assert!(logs.contains("- ➖ S3 records who acted"), "{logs}");
    assert!(logs.contains("ℹ️ **AUD011** line 27, in `LogEntryService.create_log_entry`"));
    assert!(logs.contains("❌ **AUD009** line 38, in `LogEntryService.create_log_entry`"));

    // The gold standard meets all eight requirements and needs no change.
    let secrets = section(&report, "app/features/administration/secrets/services/crud_services.py");
    assert_eq!(secrets.matches("\n- ✅ S").count(), 8, "{secrets}");
    assert!(secrets.contains("**Recommended Changes**: None (already compliant)."));

    // Key findings: one line per file, with the same status.
    let key = &report[report.find("### Key Findings").unwrap()..report.find("## 📋").unwrap()];
    for (path, status) in expected {
        let status = status.replace("**", "");
        let (marker, label) = status.split_once(' ').unwrap();
        let line = key
            .lines()
            .find(|l| l.contains(&format!("**`{features}{path}`**")))
            .unwrap_or_else(|| panic!("{path} not among the key findings"));
        assert!(
            line.contains(&format!("{marker} **")) && line.contains(&format!(" - {label}")),
            "{line}"
        );
    }
}

#[test]
fn priority_matrix_and_criteria_follow_the_findings() {
    let report = example_report();
    let matrix = &report[report.find("## 🎯 Priority Matrix").unwrap()..report.find("## ✅ Success Criteria").unwrap()];
    let high = &matrix[..matrix.find("### 🟡").unwrap()];
    let medium = &matrix[matrix.find("### 🟡").unwrap()..matrix.find("### 🟢").unwrap()];
    let low = &matrix[matrix.find("### 🟢").unwrap()..];
    for path in [
        "users/services",
        "tenants/services",
        "logs/services",
        "connector_service",
        "content_planning",
    ] {
        assert!(high.contains(path), "{path} should be high priority");
    }
    for path in ["smtp/services", "content_broadcaster_service"] {
        assert!(medium.contains(path), "{path} should be medium priority");
    }
    assert!(low.contains("secrets/services"));

    let criteria = &report[report.find("## ✅ Success Criteria").unwrap()..];
    assert!(criteria.contains("- [x] All files audited and documented"));
    assert!(criteria.contains("- [ ] No NameError waiting (S7) (1 finding: AUD009)"));
    assert!(criteria.contains("- [ ] One timestamp style"));
}

/// Split `fix` output into per-file diffs, keyed by the `+++ b/` path.
fn diffs_by_file(output: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in output.split_inclusive('\n') {
        if line.starts_with("--- a/") {
            out.push((String::new(), String::new()));
        }
        let last = out.last_mut().expect("diff output starts with a header");
        if let Some(path) = line.strip_prefix("+++ b/") {
            if last.0.is_empty() {
                last.0 = path.trim_end().to_string();
            }
        }
        last.1.push_str(line);
    }
    out
}

#[test]
fn recommended_changes_are_what_fix_unsafe_prints() {
    let dir = example_copy();
    let report = stdout(&auditfix(dir.path(), &["report"]));
    let fix = auditfix(dir.path(), &["fix", "--unsafe", "--color", "never"]);
    assert_eq!(fix.status.code(), Some(1), "{}", stderr(&fix));
    // The dry run names the findings behind each hunk after its header;
    // the report lists them beside the diff instead.
    let unlabelled: String = stdout(&fix)
        .lines()
        .map(
            |line| match line.strip_prefix("@@ ").and_then(|rest| rest.find(" @@")) {
                Some(end) => format!("{}\n", &line[..end + 6]),
                None => format!("{line}\n"),
            },
        )
        .collect();
    let diffs = diffs_by_file(&unlabelled);
    assert!(diffs.len() >= 8, "{} diffs", diffs.len());
    for (path, diff) in &diffs {
        let block = format!("```diff\n{diff}```\n");
        assert!(report.contains(&block), "the report lacks the diff of {path}");
        assert!(
            section(&report, path).contains(&block),
            "the diff of {path} is not in its section"
        );
    }
    assert_eq!(report.matches("```diff\n").count(), diffs.len());
    // The dry run changed nothing, and neither did the report.
    let again = stdout(&auditfix(dir.path(), &["report"]));
    assert_eq!(report, again);
}

#[test]
fn files_that_do_not_parse_are_listed_as_not_audited() {
    let dir = tempfile::tempdir().unwrap();
    let services = dir.path().join("services");
    fs::create_dir_all(&services).unwrap();
    fs::write(
        services.join("plans.py"),
        "from models import Plan\n\n\nclass PlanService:\n    async def create_plan(self, title):\n        plan = Plan(title=title)\n        self.db.add(plan)\n        await self.db.flush()\n        return plan\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("models.py"),
        "class Plan(Base, AuditMixin):\n    __tablename__ = \"plans\"\n    title = Column(String)\n",
    )
    .unwrap();
    fs::write(services.join("broken.py"), "def create_x(:\n    pass\n").unwrap();
    fs::write(services.join("latin1.py"), b"name = '\xe9t\xe9'\n").unwrap();
    let output = auditfix(dir.path(), &["report"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let report = stdout(&output);
    let not_audited = &report[report.find("## 🚫 Not Audited").unwrap()..];
    assert!(not_audited.contains("- `services/broken.py`: "), "{not_audited}");
    assert!(not_audited.contains("- `services/latin1.py`: "), "{not_audited}");
    assert!(report.contains("**Not Audited**: 2 files"));
    assert!(report.contains("- [ ] All files audited and documented (2 files not audited)"));
    // The rest of the tree is still audited.
    assert!(report.contains("### ❌ File 1: `services/plans.py`"), "{report}");
    let err = stderr(&output);
    assert!(
        err.contains("services/broken.py") && err.contains("Not Audited"),
        "{err}"
    );
}

/// A report over a path that is not there, or over a file that does not
/// parse, has audited nothing there: it says the analysis is incomplete and
/// why, and ticks no box it could not check.
#[test]
fn a_report_that_could_not_audit_says_so_and_ticks_nothing() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("broken.py"), "def create_x(:\n    pass\n").unwrap();
    for (path, why) in [("missing.py", "`missing.py`: "), ("broken.py", "`broken.py`: ")] {
        let output = auditfix(dir.path(), &["report", path]);
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        let report = stdout(&output);
        let severity = report
            .lines()
            .find(|l| l.starts_with("**Severity**"))
            .unwrap_or_default();
        assert!(
            severity.starts_with("**Severity**: Unknown: the analysis is incomplete (1 file could not be audited: ")
                && severity.contains(why),
            "{path}: {severity}"
        );
        assert!(!report.contains("Severity**: None"), "{report}");
        assert!(!report.contains("**Recommendation**: Nothing to change"), "{report}");
        assert!(
            report.contains("Make the files under \"Not Audited\" readable and valid Python"),
            "{report}"
        );
        assert!(
            !report.contains("- [x]"),
            "a box ticked over nothing audited:\n{report}"
        );
        assert!(
            report.contains("- [ ] High priority files fixed (unknown: 1 file not audited)"),
            "{report}"
        );
    }
}

/// AUD015 is a `TypeError` waiting: never "Medium (working ...)".
#[test]
fn an_unmapped_keyword_is_high_severity() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&repo_root().join("tests/fixtures/common"), dir.path());
    fs::create_dir_all(dir.path().join("app/services")).unwrap();
    fs::copy(
        repo_root().join("tests/fixtures/rules/unmapped_audit_attribute.py"),
        dir.path().join("app/services/unmapped.py"),
    )
    .unwrap();
    // Without the rules that would make it High anyway (AUD002).
    let report = stdout(&auditfix(dir.path(), &["report", "--select", "AUD015,AUD007"]));
    assert!(report.contains("AUD015"), "{report}");
    assert!(!report.contains("working but"), "{report}");
    assert!(report.contains("**Severity**: High"), "{report}");
}

#[test]
fn output_file_gets_the_same_report() {
    let dir = example_copy();
    let printed = stdout(&auditfix(dir.path(), &["report"]));
    let output = auditfix(dir.path(), &["report", "--output", "compliance.md"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), "");
    assert_eq!(fs::read_to_string(dir.path().join("compliance.md")).unwrap(), printed);
}

#[test]
fn unwritable_output_exits_2_and_writes_nothing() {
    let dir = example_copy();
    let before: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();

    // A folder that cannot be made: a file is in its way.
    fs::write(dir.path().join("missing"), "").unwrap();
    let output = auditfix(dir.path(), &["report", "--output", "missing/report.md"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(stdout(&output), "");
    let err = stderr(&output);
    assert!(
        err.contains("cannot write missing/report.md: cannot create the folder missing: "),
        "{err}"
    );
    assert!(dir.path().join("missing").is_file());
    fs::remove_file(dir.path().join("missing")).unwrap();

    // A path that is a folder.
    fs::create_dir(dir.path().join("taken")).unwrap();
    let output = auditfix(dir.path(), &["report", "--output", "taken"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("taken"), "{}", stderr(&output));
    assert_eq!(fs::read_dir(dir.path().join("taken")).unwrap().count(), 0);

    // No temporary file is left beside the target.
    let mut after: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    after.retain(|name| name != "taken");
    let mut before = before;
    before.sort();
    after.sort();
    assert_eq!(before, after);
}

#[test]
fn a_malformed_source_date_epoch_is_an_error() {
    let dir = example_copy();
    let output = Command::new(env!("CARGO_BIN_EXE_auditfix"))
        .arg("report")
        .current_dir(dir.path())
        .env("SOURCE_DATE_EPOCH", "last tuesday")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("SOURCE_DATE_EPOCH"), "{}", stderr(&output));
}

#[test]
fn requirements_whose_rules_did_not_run_are_not_claimed() {
    let dir = example_copy();
    let output = auditfix(dir.path(), &["report", "--select", "AUD004,AUD005"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report = stdout(&output);
    let secrets = section(&report, "app/features/administration/secrets/services/crud_services.py");
    assert!(secrets.contains("- ✅ S4 "), "{secrets}");
    assert!(secrets.contains("- ❔ S1 takes the acting user"), "{secrets}");
    assert!(secrets.contains(": not checked (AUD001 not enabled)"), "{secrets}");
    assert!(
        secrets.contains(": not checked (AUD007, AUD008 not enabled)"),
        "{secrets}"
    );
    let criteria = &report[report.find("## ✅ Success Criteria").unwrap()..];
    assert!(
        criteria.contains("- [ ] No NameError waiting (S7) (not checked: AUD009 not enabled)"),
        "{criteria}"
    );
    assert!(
        report.contains("**Rules Not Checked**: AUD001, AUD002, AUD003, AUD006,"),
        "{report}"
    );
    // With the timestamp rules alone, the SMTP service has only timestamp findings.
    let smtp = section(&report, "app/features/administration/smtp/services/crud_services.py");
    assert!(smtp.contains("**Status**: ⚠️ **Mostly compliant**"), "{smtp}");
}
