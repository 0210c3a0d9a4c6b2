//! The binary as users run it, in temporary directories: exit codes,
//! formats, configuration precedence, suppressions, discovery (gitignore,
//! default excludes), bad input, and `fix` dry run / `--apply` behaviour.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

mod common;

use common::small::{MODELS, SERVICE};

fn auditfix(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_auditfix"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .output()
        .expect("the binary runs")
}

/// The exit `fix --apply` must give, from what it says it left: 1 while
/// findings remain (as `ruff check --fix`), 0 when none do.
fn assert_fix_exit(out: &Output) {
    let err = stderr(out);
    let left: usize = err
        .lines()
        .find_map(|l| l.split("; ").nth(1)?.split(' ').next()?.parse().ok())
        .unwrap_or_else(|| panic!("no summary line:\n{err}"));
    let expected = if left > 0 { 1 } else { 0 };
    assert_eq!(out.status.code(), Some(expected), "{left} left:\n{err}");
}

/// `git add .` and a first commit in `dir`, under a throwaway identity.
fn commit_all(dir: &Path) {
    let git = |args: &[&str]| Command::new("git").args(args).current_dir(dir).output().unwrap();
    git(&["add", "."]);
    git(&[
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@example.com",
        "commit",
        "-qm",
        "init",
    ]);
}

/// The `notes` of `check --format json` output.
fn notes_of(out: &Output) -> Vec<String> {
    let value: serde_json::Value = serde_json::from_str(&stdout(out)).unwrap();
    value["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().to_string())
        .collect()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A small repository: models with the mixin and one service.
fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("app")).unwrap();
    fs::write(dir.path().join("app/__init__.py"), "").unwrap();
    fs::write(dir.path().join("app/models.py"), MODELS).unwrap();
    fs::write(dir.path().join("app/service.py"), SERVICE).unwrap();
    dir
}

fn codes(json: &str) -> Vec<String> {
    let value: serde_json::Value = serde_json::from_str(json).expect("valid JSON");
    let mut codes: Vec<String> = value["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect();
    codes.sort();
    codes
}

#[test]
fn check_exits_1_with_findings_and_0_when_clean() {
    let dir = repo();
    let out = auditfix(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).contains("app/service.py:8:15: AUD001"), "{}", stdout(&out));

    let clean = tempfile::tempdir().unwrap();
    fs::write(clean.path().join("ok.py"), "x = 1\n").unwrap();
    let out = auditfix(clean.path(), &["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn check_exit_zero_and_statistics() {
    let dir = repo();
    let out = auditfix(dir.path(), &["check", "--exit-zero"]);
    assert_eq!(out.status.code(), Some(0));
    let out = auditfix(dir.path(), &["check", "--statistics"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("AUD004") && text.contains("missing-explicit-timestamp"),
        "{text}"
    );
    assert!(
        !text.contains("app/service.py:8"),
        "statistics replace the findings: {text}"
    );
}

#[test]
fn json_has_the_contract_fields() {
    let dir = repo();
    let out = auditfix(dir.path(), &["check", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let value: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let finding = &value["findings"][0];
    for field in [
        "code",
        "rule",
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "function",
        "message",
        "fix_applicability",
    ] {
        assert!(finding.get(field).is_some(), "missing {field}: {finding}");
    }
    assert_eq!(finding["function"], "UserService.create_user");
    assert!(value["errors"].as_array().unwrap().is_empty());
    assert!(value["summary"].is_object());
    assert_eq!(codes(&stdout(&out)), ["AUD001", "AUD002", "AUD003", "AUD004", "AUD007"]);
}

#[test]
fn select_and_ignore_from_flags_and_config() {
    let dir = repo();
    let out = auditfix(dir.path(), &["check", "--format", "json", "--select", "AUD004,AUD007"]);
    assert_eq!(codes(&stdout(&out)), ["AUD004", "AUD007"]);
    let out = auditfix(dir.path(), &["check", "--format", "json", "--ignore", "AUD00"]);
    assert!(codes(&stdout(&out)).is_empty());
    assert_eq!(out.status.code(), Some(0));

    // pyproject.toml configures; a flag wins over it.
    fs::write(
        dir.path().join("pyproject.toml"),
        "[project]\nname = \"x\"\n\n[tool.auditfix]\nignore = [\"AUD007\"]\n",
    )
    .unwrap();
    let out = auditfix(dir.path(), &["check", "--format", "json"]);
    assert_eq!(codes(&stdout(&out)), ["AUD001", "AUD002", "AUD003", "AUD004"]);
    let out = auditfix(dir.path(), &["check", "--format", "json", "--select", "AUD007,AUD004"]);
    assert_eq!(
        codes(&stdout(&out)),
        ["AUD004"],
        "--select replaces select, the file's ignore still applies"
    );

    // auditfix.toml beside it wins over pyproject.toml.
    fs::write(dir.path().join("auditfix.toml"), "select = [\"AUD001\"]\n").unwrap();
    let out = auditfix(dir.path(), &["check", "--format", "json"]);
    assert_eq!(codes(&stdout(&out)), ["AUD001"]);
}

#[test]
fn invalid_configuration_exits_2_naming_file_line_and_key() {
    let dir = repo();
    fs::write(
        dir.path().join("auditfix.toml"),
        "select = [\"AUD001\"]\nmixin = \"X\"\n",
    )
    .unwrap();
    let out = auditfix(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("auditfix.toml") && err.contains(":2") && err.contains("mixin"),
        "{err}"
    );

    fs::write(dir.path().join("auditfix.toml"), "select = [\"AUD001\"\n").unwrap();
    let out = auditfix(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("auditfix.toml"), "{}", stderr(&out));

    let out = auditfix(dir.path(), &["check", "--select", "AUD999"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn inline_suppressions() {
    let dir = repo();
    let suppressed = SERVICE.replace(
        "    async def create_user(self, data):",
        "    async def create_user(self, data):  # auditfix: ignore[AUD001, AUD002]",
    );
    fs::write(dir.path().join("app/service.py"), suppressed).unwrap();
    let out = auditfix(dir.path(), &["check", "--format", "json"]);
    assert_eq!(codes(&stdout(&out)), ["AUD003", "AUD004", "AUD007"]);
}

#[test]
fn gitignore_and_default_excludes_are_respected() {
    let dir = repo();
    Command::new("git")
        .arg("init")
        .arg("-q")
        .current_dir(dir.path())
        .status()
        .unwrap();
    fs::write(dir.path().join(".gitignore"), "generated/\n").unwrap();
    for skipped in ["generated", "node_modules", "migrations", ".hidden", ".venv"] {
        fs::create_dir_all(dir.path().join(skipped)).unwrap();
        fs::write(dir.path().join(skipped).join("service.py"), SERVICE).unwrap();
    }
    let out = auditfix(dir.path(), &["check", "--format", "json"]);
    let value: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let paths: Vec<&str> = value["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(paths.iter().all(|p| p.starts_with("app/")), "{paths:?}");
}

#[test]
fn unreadable_input_is_reported_and_the_run_goes_on() {
    let dir = repo();
    // A session write: the prefilter lets the file through to the parser
    // (files that cannot hold a finding are not parsed; see tests/hostile.rs).
    fs::write(dir.path().join("app/broken.py"), "def f(:\n    db.commit()\n").unwrap();
    fs::write(
        dir.path().join("app/latin1.py"),
        b"# -*- coding: latin-1 -*-\nname = '\xe9'\n",
    )
    .unwrap();
    let out = auditfix(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(2), "a file could not be checked");
    let all = format!("{}{}", stdout(&out), stderr(&out));
    let broken: Vec<&str> = all.lines().filter(|l| l.contains("app/broken.py")).collect();
    assert_eq!(broken.len(), 1, "one clear line: {all}");
    assert!(broken[0].contains("syntax error at line 1"), "{all}");
    let latin: Vec<&str> = all.lines().filter(|l| l.contains("app/latin1.py")).collect();
    assert_eq!(latin.len(), 1, "{all}");
    assert!(latin[0].contains("UTF-8") && latin[0].contains("latin-1"), "{all}");
    assert!(
        all.contains("app/service.py:8:15: AUD001"),
        "the rest is still checked: {all}"
    );

    let out = auditfix(dir.path(), &["check", "--format", "json"]);
    let value: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(value["errors"].as_array().unwrap().len(), 2);
}

#[test]
fn fix_dry_run_shows_a_diff_and_changes_nothing() {
    let dir = repo();
    let out = auditfix(dir.path(), &["fix"]);
    assert_eq!(out.status.code(), Some(1));
    let diff = stdout(&out);
    assert!(
        diff.starts_with("--- a/app/service.py\n+++ b/app/service.py\n@@ -"),
        "{diff}"
    );
    assert!(
        diff.contains("+    async def create_user(self, data, created_by_user=None):"),
        "{diff}"
    );
    assert!(
        stderr(&out).contains("Would fix 4 findings in 1 file (1 more with --unsafe)."),
        "{}",
        stderr(&out)
    );
    assert_eq!(fs::read_to_string(dir.path().join("app/service.py")).unwrap(), SERVICE);

    // The diff applies with git.
    Command::new("git")
        .args(["init", "-q"])
        .current_dir(dir.path())
        .status()
        .unwrap();
    fs::write(dir.path().join("fix.diff"), &diff).unwrap();
    let applied = Command::new("git")
        .args(["apply", "fix.diff"])
        .current_dir(dir.path())
        .status()
        .unwrap();
    assert!(applied.success());
    let out = auditfix(dir.path(), &["fix", "--apply", "--allow-dirty"]);
    assert_fix_exit(&out);
    assert!(
        stderr(&out).contains("Fixed 0 findings"),
        "the diff applied was the whole fix: {}",
        stderr(&out)
    );
}

/// Issue 17, item 8: the dirty-tree check opens an untrusted checkout. Its
/// `.git/config` names commands that a plain `git status` runs (a
/// `core.fsmonitor` hook, a clean filter for the files whose attributes
/// name it, a `post-index-change` hook on an index refresh): none of them
/// may run, and the dirty file is still found.
#[cfg(unix)]
#[test]
fn the_dirty_check_runs_no_command_from_the_repository() {
    use std::os::unix::fs::PermissionsExt;
    let dir = repo();
    let markers = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| Command::new("git").args(args).current_dir(dir.path()).output().unwrap();
    if Command::new("git").arg("--version").output().is_err() {
        eprintln!("skipped: git is not available");
        return;
    }
    git(&["init", "-q"]);
    fs::write(dir.path().join(".gitattributes"), "*.py filter=evil\n").unwrap();
    commit_all(dir.path());
    let marker = |name: &str| markers.path().join(name).display().to_string();
    git(&[
        "config",
        "core.fsmonitor",
        &format!("touch '{}'; false", marker("fsmonitor")),
    ]);
    git(&[
        "config",
        "filter.evil.clean",
        &format!("touch '{}'; cat", marker("clean")),
    ]);
    git(&[
        "config",
        "filter.evil.process",
        &format!("touch '{}'", marker("process")),
    ]);
    git(&["config", "filter.evil.required", "true"]);
    let hooks = dir.path().join(".git/hooks");
    fs::create_dir_all(&hooks).unwrap();
    for hook in ["post-index-change", "pre-commit", "post-checkout"] {
        let path = hooks.join(hook);
        fs::write(&path, format!("#!/bin/sh\ntouch '{}'\n", marker(hook))).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    }
    git(&["config", "core.hooksPath", &hooks.display().to_string()]);
    // Stat data that no longer matches the index: git would re-read (and
    // filter) the files.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    for name in ["app/models.py", "app/__init__.py"] {
        let text = fs::read(dir.path().join(name)).unwrap();
        fs::write(dir.path().join(name), text).unwrap();
    }
    fs::write(dir.path().join("app/service.py"), format!("{SERVICE}\n# edited\n")).unwrap();

    let out = auditfix(dir.path(), &["fix", "--apply"]);
    let ran: Vec<String> = fs::read_dir(markers.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        ran.is_empty(),
        "the repository's commands ran: {ran:?}\n{}",
        stderr(&out)
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("uncommitted changes") && stderr(&out).contains("  app/service.py"),
        "{}",
        stderr(&out)
    );
    assert!(fs::read_to_string(dir.path().join("app/service.py"))
        .unwrap()
        .ends_with("# edited\n"));
}

#[test]
fn fix_apply_refuses_dirty_files_and_is_idempotent() {
    let dir = repo();
    let git = |args: &[&str]| Command::new("git").args(args).current_dir(dir.path()).output().unwrap();
    git(&["init", "-q"]);
    commit_all(dir.path());
    fs::write(dir.path().join("app/service.py"), format!("{SERVICE}\n# edited\n")).unwrap();

    let out = auditfix(dir.path(), &["fix", "--apply"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("app/service.py") && stderr(&out).contains("--allow-dirty"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).contains("+++ b/app/service.py"), "the diff is still shown");
    assert!(fs::read_to_string(dir.path().join("app/service.py"))
        .unwrap()
        .ends_with("# edited\n"));

    let out = auditfix(dir.path(), &["fix", "--apply", "--allow-dirty"]);
    assert_fix_exit(&out);
    let fixed = fs::read_to_string(dir.path().join("app/service.py")).unwrap();
    assert!(
        fixed.contains("created_by_user=None") && fixed.contains("user.created_at = datetime.now()"),
        "{fixed}"
    );
    assert!(
        !fixed.contains("except IntegrityError"),
        "wrapping the body in try is unsafe: {fixed}"
    );

    let again = auditfix(dir.path(), &["fix", "--allow-dirty"]);
    assert_eq!(again.status.code(), Some(0), "nothing left: {}", stdout(&again));
    assert_eq!(fs::read_to_string(dir.path().join("app/service.py")).unwrap(), fixed);
    let check = auditfix(dir.path(), &["check", "--format", "json"]);
    let value: serde_json::Value = serde_json::from_str(&stdout(&check)).unwrap();
    assert!(value["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["fix_applicability"] != "safe"));
}

#[test]
fn rules_lists_and_explains() {
    let dir = tempfile::tempdir().unwrap();
    let out = auditfix(dir.path(), &["rules"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out).lines().count(), 15);
    let out = auditfix(dir.path(), &["rules", "AUD004"]);
    let text = stdout(&out);
    assert!(text.starts_with("missing-explicit-timestamp (AUD004)"), "{text}");
    for section in [
        "## What it does",
        "## Why is this bad?",
        "## Example",
        "## Use instead",
        "## Fix safety",
    ] {
        assert!(text.contains(section), "{section} in {text}");
    }
    let out = auditfix(dir.path(), &["rules", "AUD999"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn readme_rule_table_matches_the_rules() {
    let readme = fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme
        .find("<!-- rules-table")
        .expect("README has the rules table markers");
    let body_start = readme[start..].find("-->").unwrap() + start + 4;
    let end = readme.find("<!-- end rules-table -->").unwrap();
    assert_eq!(
        readme[body_start..end].trim(),
        auditfix::commands::rules::markdown_table().trim(),
        "regenerate with `cargo run -- rules --format markdown`"
    );
}

#[test]
fn a_single_file_is_checked_with_its_project_as_context() {
    let dir = repo();
    Command::new("git")
        .args(["init", "-q"])
        .current_dir(dir.path())
        .status()
        .unwrap();
    // Only the service is named (as a pre-commit hook does); the models of
    // the project still tell that User carries the mixin.
    let out = auditfix(dir.path(), &["check", "--format", "json", "app/service.py"]);
    assert_eq!(codes(&stdout(&out)), ["AUD001", "AUD002", "AUD003", "AUD004", "AUD007"]);
    let value: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        value["summary"]["files_checked"], 1,
        "context files are read, not reported"
    );

    // And fixing it rewrites only the named file.
    let models_before = fs::read(dir.path().join("app/models.py")).unwrap();
    let out = auditfix(dir.path(), &["fix", "--apply", "--allow-dirty", "app/service.py"]);
    assert_fix_exit(&out);
    assert_eq!(fs::read(dir.path().join("app/models.py")).unwrap(), models_before);
    assert!(fs::read_to_string(dir.path().join("app/service.py"))
        .unwrap()
        .contains("created_by_user=None"));
}

#[test]
fn a_fix_that_cannot_be_built_is_reported_and_the_rest_is_fixed() {
    let dir = repo();
    let service = SERVICE.replace(
        "        self.db.add(user)\n",
        "        self.db.add(user)\n\n    async def create_admin(self, data, created_by_user=None):\n        admin = User(email=data.email); self.db.add(admin)\n",
    );
    fs::write(dir.path().join("app/service.py"), &service).unwrap();
    let out = auditfix(dir.path(), &["fix", "--apply", "--allow-dirty"]);
    assert_fix_exit(&out);
    let err = stderr(&out);
    assert!(
        err.contains("app/service.py:")
            && err.contains("could not be fixed safely here")
            && err.contains("UserService.create_admin"),
        "{err}"
    );
    let fixed = fs::read_to_string(dir.path().join("app/service.py")).unwrap();
    assert!(
        fixed.contains("async def create_user(self, data, created_by_user=None):"),
        "the rest is fixed: {fixed}"
    );
    assert!(
        fixed.contains("admin = User(email=data.email); self.db.add(admin)"),
        "the line it cannot edit stays: {fixed}"
    );
}

#[test]
fn a_mixin_without_the_setters_is_said_once_and_no_setter_is_injected() {
    let dir = repo();
    // Another team's mixin: foreign keys, no setters.
    let models = MODELS
        .replace(
            "    def set_created_by(self, email, name):\n        self.created_by_email = email\n\n",
            "",
        )
        .replace("    def set_updated_by(self, email, name):\n        pass\n\n", "")
        .replace(
            "    def set_deleted_by(self, email, name):\n        pass\n",
            "    created_by_id: Mapped[int] = mapped_column()\n",
        );
    assert!(!models.contains("def set_"), "{models}");
    fs::write(dir.path().join("app/models.py"), models).unwrap();
    assert_mixin_does_not_fit(dir.path(), &["AuditMixin", "set_created_by"]);
}

/// One note, saying each of `said`; no S1-S3 finding; no setter call and no
/// user parameter in what `fix --unsafe` would write.
fn assert_mixin_does_not_fit(dir: &Path, said: &[&str]) {
    let out = auditfix(dir, &["check", "--format", "json"]);
    let notes = notes_of(&out);
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(said.iter().all(|s| notes[0].contains(s)), "{said:?} in {notes:?}");
    assert_eq!(
        codes(&stdout(&out)),
        ["AUD004", "AUD007"],
        "no S1-S3 where the standard's setters do not fit"
    );
    let out = auditfix(dir, &["fix", "--unsafe"]);
    assert!(!stdout(&out).contains("set_created_by("), "{}", stdout(&out));
    assert!(!stdout(&out).contains("created_by_user"), "{}", stdout(&out));
}

/// The allocator reads the options the binary sets (a renamed symbol would
/// leave jemalloc's defaults, and ten seconds of freed pages resident).
#[cfg(target_os = "linux")]
#[test]
fn the_allocator_returns_freed_pages_within_a_second() {
    let dir = repo();
    let output = Command::new(env!("CARGO_BIN_EXE_auditfix"))
        .args(["check", "."])
        .current_dir(dir.path())
        .env("_RJEM_MALLOC_CONF", "stats_print:true")
        .output()
        .unwrap();
    let stats = stderr(&output);
    assert!(stats.contains("opt.dirty_decay_ms: 1000"), "{stats}");
}

/// The project root and every module name derived from it are the same
/// from any working directory: checking a folder of the example app from
/// inside it finds what checking the whole app finds there (a star-imported
/// `datetime` stays bound, the models and the mixin stay resolved).
#[test]
fn findings_do_not_depend_on_the_working_directory() {
    let app = fs::canonicalize("examples/audit_app").unwrap();
    let findings = |dir: &Path, path: &str| -> Vec<(String, String, u64, String)> {
        let out = auditfix(dir, &["check", "--format", "json", "--exit-zero", path]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        let mut found: Vec<_> = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                // The path as seen from the app's folder.
                let path = dir.join(f["path"].as_str().unwrap());
                let path = fs::canonicalize(&path).unwrap();
                let relative = path.strip_prefix(&app).unwrap().to_string_lossy().to_string();
                (
                    relative,
                    f["code"].as_str().unwrap().to_string(),
                    f["line"].as_u64().unwrap(),
                    f["message"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        found.sort();
        found
    };
    let whole = findings(&app, ".");
    assert!(whole.len() > 20, "the example app has findings: {whole:?}");
    for sub in ["app", "app/features", "app/features/connectors", "app/api"] {
        let within: Vec<_> = whole
            .iter()
            .filter(|f| f.0.starts_with(&format!("{sub}/")))
            .cloned()
            .collect();
        assert!(!within.is_empty(), "{sub} has findings");
        // From inside the folder, and from the app's folder naming it.
        assert_eq!(findings(&app.join(sub), "."), within, "checked from inside {sub}");
        assert_eq!(findings(&app, sub), within, "checked as {sub} from the app");
    }
    // From elsewhere, by an absolute path.
    let elsewhere = tempfile::tempdir().unwrap();
    assert_eq!(
        findings(elsewhere.path(), app.to_str().unwrap()),
        whole,
        "checked from elsewhere"
    );
}

/// `auditfix <args>` in `dir` with standard output, and standard error too
/// when `both`, going to a pipe whose reader is already gone (as in
/// `auditfix ... 2>&1 | head -c 0`).
#[cfg(unix)]
fn with_closed_output(dir: &Path, args: &[&str], both: bool) -> (Option<i32>, String) {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut command = Command::new(env!("CARGO_BIN_EXE_auditfix"));
    command
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .stdout(writer.try_clone().unwrap());
    let output = if both {
        command.stderr(writer).output().unwrap()
    } else {
        drop(writer);
        command.stderr(std::process::Stdio::piped()).output().unwrap()
    };
    (output.status.code(), stderr(&output))
}

/// Issue 17, item 7: a reader that goes away does not turn findings into
/// success: the exit status is the run's, for every format.
#[cfg(unix)]
#[test]
fn a_closed_stdout_keeps_the_exit_status() {
    let dir = repo();
    for format in ["text", "json", "sarif", "github", "markdown"] {
        let (code, err) = with_closed_output(dir.path(), &["check", "--format", format], false);
        assert_eq!(code, Some(1), "{format}: {err}");
        assert!(err.is_empty(), "{format}: {err}");
    }
    let (code, _) = with_closed_output(dir.path(), &["fix"], true);
    assert_eq!(code, Some(1), "the dry run would change something");
    let (code, _) = with_closed_output(dir.path(), &["rules"], true);
    assert_eq!(code, Some(0));
}

/// Issue 17, item 7: `fix --apply 2>&1 | head -n 1` writes every file it
/// decided to write, and exits as it would have with the streams open.
#[cfg(unix)]
#[test]
fn a_closed_stderr_stops_no_write() {
    let setup = || {
        let dir = repo();
        for i in 0..5 {
            fs::write(
                dir.path().join(format!("app/service_{i}.py")),
                SERVICE.replace("create_user", &format!("create_user_{i}")),
            )
            .unwrap();
        }
        // Named on stderr before anything is written.
        fs::write(dir.path().join("app/broken.py"), "def f(db):\n    db.commit(\n").unwrap();
        dir
    };
    let open = setup();
    let out = auditfix(open.path(), &["fix", "--apply", "--allow-dirty"]);
    assert!(stderr(&out).starts_with("error: app/broken.py"), "{}", stderr(&out));
    let closed = setup();
    let (code, _) = with_closed_output(closed.path(), &["fix", "--apply", "--allow-dirty"], true);
    assert_eq!(code, out.status.code());
    for i in 0..5 {
        let name = format!("app/service_{i}.py");
        let fixed = fs::read_to_string(open.path().join(&name)).unwrap();
        assert!(fixed.contains("created_by_user=None"), "{fixed}");
        assert_eq!(fs::read_to_string(closed.path().join(&name)).unwrap(), fixed, "{name}");
    }
}

/// Issue 17, item 10: messages say what happened, on one line each, and
/// nothing from a file's name or text acts on the terminal.
#[cfg(unix)]
#[test]
fn messages_name_what_happened() {
    let dir = repo();
    // A newline in a file name does not split its error line.
    fs::write(dir.path().join("app/bad\nname.py"), "def f(db):\n    db.commit(\n").unwrap();
    // An escape sequence in the source is shown, not acted on.
    let service = SERVICE.replace("(self, data):", "(self, data):  # \x1b[2J");
    fs::write(dir.path().join("app/service.py"), service).unwrap();
    // A file with CR-only line ends is named for that, not as a syntax error.
    fs::write(dir.path().join("app/classic_mac.py"), SERVICE.replace('\n', "\r")).unwrap();
    // A path given that is not Python is said to be skipped.
    fs::write(dir.path().join("notes.txt"), "hello\n").unwrap();

    let out = auditfix(dir.path(), &["check", "--no-prefilter", "app", "notes.txt"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(!text.contains('\x1b'), "{text}");
    assert!(text.contains("  # \\u{1b}[2J"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("error: app/bad\\nname.py: syntax error at line 2")),
        "{text}"
    );
    assert!(
        text.contains(
            "error: app/classic_mac.py: uses CR-only line endings (classic Mac OS), which auditfix cannot read"
        ),
        "{text}"
    );
    assert!(
        text.contains("note: notes.txt: not a Python file (no .py extension); not checked"),
        "{text}"
    );

    let out = auditfix(
        dir.path(),
        &["fix", "--apply", "--allow-dirty", "--no-prefilter", "app"],
    );
    let err = stderr(&out);
    assert!(
        err.lines()
            .any(|l| l.starts_with("error: app/bad\\nname.py: syntax error at line 2")),
        "{err}"
    );
    assert!(!err.contains('\x1b'), "{err}");
}

/// A mixin whose setters take other arguments (another team's
/// `set_created_by(self, user_id)`) gets no standard call
/// `x.set_created_by(email, name)` (a `TypeError`); where what its own call
/// would pass cannot be proven either, that is said once, and no setter
/// call or user parameter is written. (Where it can, the convention
/// fixtures of `tests/team_conventions.rs` hold the call it gets.)
#[test]
fn a_setter_taking_what_cannot_be_proven_is_said_once_and_not_called() {
    let dir = repo();
    let models = MODELS
        .replace(
            "    def set_created_by(self, email, name):\n        self.created_by_email = email\n",
            "    def set_created_by(self, user_id):\n        self.created_by_id = user_id\n",
        )
        .replace(
            "def set_updated_by(self, email, name):",
            "def set_updated_by(self, user_id):",
        )
        .replace(
            "def set_deleted_by(self, email, name):",
            "def set_deleted_by(self, user_id):",
        );
    assert!(!models.contains("email, name)"), "{models}");
    fs::write(dir.path().join("app/models.py"), models).unwrap();
    // `user_id` asks for the user's id, and `User` here maps no `id`: what
    // the call would pass cannot be proven, so nothing is written.
    assert_mixin_does_not_fit(
        dir.path(),
        &[
            "`AuditMixin.set_created_by` takes `user_id`",
            "`User` has no `id` column",
        ],
    );
}

/// The README opens with the two commands a newcomer runs on a fresh
/// clone: the main job on the bundled example, and the whole test suite
/// (the one CI runs).
#[test]
fn readme_opens_with_the_newcomer_s_two_commands() {
    let root = env!("CARGO_MANIFEST_DIR");
    let readme = fs::read_to_string(format!("{root}/README.md")).unwrap();
    let block: Vec<&str> = readme
        .lines()
        .skip_while(|l| !l.starts_with("```sh"))
        .skip(1)
        .take_while(|l| !l.starts_with("```"))
        .collect();
    assert_eq!(block.len(), 2, "{block:?}");
    assert!(
        block[0].starts_with("cargo run --release -- fix examples/audit_app "),
        "{}",
        block[0]
    );
    assert!(block[1].starts_with("scripts/test.sh "), "{}", block[1]);
    let ci = fs::read_to_string(format!("{root}/.ci/run")).unwrap();
    assert!(
        ci.contains("scripts/test.sh"),
        "CI runs the README's test command:\n{ci}"
    );
    assert!(std::path::Path::new(&format!("{root}/examples/audit_app")).is_dir());
}
