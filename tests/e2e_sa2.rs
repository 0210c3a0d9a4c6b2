//! End to end: `auditfix fix --apply --unsafe` on the SQLAlchemy 2.0 example,
//! judged by its own test suite.
//!
//! `examples/audit_app_sa2` is a FastAPI + SQLAlchemy 2.0 app in the modern
//! style (`select` / `execute` / `scalar_one_or_none`, an async service layer
//! and a sync `Session` one beside it, routes that build services and commit,
//! field-update routes), written without the tool in mind. Its pytest suite
//! runs on real SQLite (aiosqlite and pysqlite, no mocks):
//!
//! - the behaviour tests (not marked `audit`) pass before the fix and must
//!   still pass after it: every method that worked keeps working;
//! - the `audit` tests read the audit columns back from the database (and
//!   check the constraint-violation handling); they fail before the fix.
//!
//! Each test copies the app to a temporary directory and checks:
//!
//! 1. unfixed: every behaviour test passes, every audit test fails;
//! 2. after `fix --apply --unsafe`: the whole suite passes;
//! 3. the audit mixin's own module is left byte for byte;
//! 4. a second `fix --apply --unsafe` exits 0 and changes no byte;
//! 5. every Python file of the fixed tree still parses.
//!
//! The suite runs with the interpreter of `.venv` at the repository root,
//! made by `scripts/setup-venv.sh`. Without it these tests fail and say so,
//! unless `AUDITFIX_SKIP_E2E=1`.
//!
//! This file knows nothing of the rules: only what the app's tests expect.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const APP: &str = "audit_app_sa2";

/// The module that defines `AuditMixin` and `AuditContext`: never rewritten.
const MIXIN: &str = "app/features/core/audit_mixin.py";

/// Files and folders that running Python or pytest may leave behind; they
/// are neither copied nor compared.
const SCRATCH: &[&str] = &["__pycache__", ".pytest_cache", ".auditfix_cache"];

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The venv's interpreter, `None` when the caller asked to skip, or a
/// failure that says how to make the venv.
fn python() -> Option<PathBuf> {
    if std::env::var_os("AUDITFIX_SKIP_E2E").is_some_and(|value| value == "1") {
        eprintln!("AUDITFIX_SKIP_E2E=1: skipping the SQLAlchemy 2.0 example end-to-end test");
        return None;
    }
    let python = repo_root().join(".venv").join("bin").join("python");
    assert!(
        python.is_file(),
        "the example apps' Python environment is missing ({}).\n\
         Run `bash scripts/setup-venv.sh` from the repository root, \
         or set AUDITFIX_SKIP_E2E=1 to skip this test.",
        python.display()
    );
    Some(python)
}

fn is_scratch(path: &Path) -> bool {
    let name = path.file_name().and_then(|name| name.to_str()).unwrap_or("");
    SCRATCH.contains(&name) || name.ends_with(".pyc") || name.ends_with(".db")
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        if is_scratch(&path) {
            continue;
        }
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&path, &target);
        } else {
            fs::copy(&path, &target).unwrap();
        }
    }
}

/// A fresh copy of the app, in a directory that lives as long as the guard.
fn app_copy() -> (tempfile::TempDir, PathBuf) {
    let temp = tempfile::tempdir().unwrap();
    let app = temp.path().join(APP);
    copy_tree(&repo_root().join("examples").join(APP), &app);
    (temp, app)
}

/// Every file of the tree and its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, files: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if is_scratch(&path) {
                continue;
            }
            if path.is_dir() {
                walk(root, &path, files);
            } else {
                let bytes = fs::read(&path).unwrap();
                files.insert(path.strip_prefix(root).unwrap().to_path_buf(), bytes);
            }
        }
    }
    let mut files = BTreeMap::new();
    walk(dir, dir, &mut files);
    files
}

/// The paths whose bytes differ between two snapshots (added, removed or changed).
fn changed(before: &BTreeMap<PathBuf, Vec<u8>>, after: &BTreeMap<PathBuf, Vec<u8>>) -> Vec<String> {
    after
        .iter()
        .filter(|(path, bytes)| before.get(*path) != Some(*bytes))
        .map(|(path, _)| path.display().to_string())
        .chain(
            before
                .keys()
                .filter(|path| !after.contains_key(*path))
                .map(|path| path.display().to_string()),
        )
        .collect()
}

fn python_files(dir: &Path) -> Vec<PathBuf> {
    snapshot(dir)
        .into_keys()
        .filter(|path| path.extension().is_some_and(|ext| ext == "py"))
        .map(|path| dir.join(path))
        .collect()
}

fn text(output: &Output) -> String {
    format!(
        "--- stdout\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The outcome of one pytest run, read from its closing summary line.
struct Pytest {
    success: bool,
    passed: u32,
    failed: u32,
    errors: u32,
    output: String,
}

impl Pytest {
    fn assert_all_passed(&self, what: &str) {
        assert!(
            self.success && self.failed == 0 && self.errors == 0 && self.passed > 0,
            "{what}: expected every selected test to pass\n{}",
            self.output
        );
    }

    fn assert_none_passed(&self, what: &str) {
        assert!(
            !self.success && self.passed == 0 && self.failed + self.errors > 0,
            "{what}: expected every selected test to fail\n{}",
            self.output
        );
    }
}

fn pytest(python: &Path, app: &Path, args: &[&str]) -> Pytest {
    let output = Command::new(python)
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
        .args(args)
        .current_dir(app)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env_remove("PYTHONPATH")
        .output()
        .expect("failed to run pytest");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let summary = stdout
        .lines()
        .rev()
        .find(|line| {
            line.contains(" in ") && (line.contains("passed") || line.contains("failed") || line.contains("error"))
        })
        .unwrap_or("");
    let count = |word: &str| -> u32 {
        let words: Vec<&str> = summary
            .split(|c: char| c == ',' || c.is_whitespace() || c == '=')
            .filter(|w| !w.is_empty())
            .collect();
        words
            .windows(2)
            .filter(|pair| pair[1].starts_with(word))
            .filter_map(|pair| pair[0].parse::<u32>().ok())
            .sum()
    };
    Pytest {
        success: output.status.success(),
        passed: count("passed"),
        failed: count("failed"),
        errors: count("error"),
        output: text(&output),
    }
}

fn auditfix_fix(app: &Path, flags: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_auditfix"))
        .arg("fix")
        .args(flags)
        .arg(app)
        .output()
        .expect("failed to run auditfix")
}

fn assert_parses(python: &Path, app: &Path) {
    let files = python_files(app);
    assert!(!files.is_empty(), "no Python file found in {}", app.display());
    let output = Command::new(python)
        .arg("-c")
        .arg(
            "import ast, sys\n\
             for path in sys.argv[1:]:\n\
             \x20   with open(path, encoding='utf-8') as f:\n\
             \x20       ast.parse(f.read(), path)\n",
        )
        .args(&files)
        .output()
        .expect("failed to run python");
    assert!(
        output.status.success(),
        "a fixed file does not parse\n{}",
        text(&output)
    );
}

/// The unfixed app: its behaviour tests pass, its audit tests all fail.
fn assert_unfixed(python: &Path, app: &Path) {
    pytest(python, app, &["-m", "not audit"]).assert_all_passed("behaviour tests, unfixed");
    pytest(python, app, &["-m", "audit"]).assert_none_passed("audit tests, unfixed");
}

/// Step 1 alone: the suite means something only if the audit half fails on
/// the unfixed app while the behaviour half passes.
#[test]
fn unfixed_sa2_app_fails_exactly_its_audit_tests() {
    let Some(python) = python() else { return };
    let (_temp, app) = app_copy();
    assert_unfixed(&python, &app);
}

#[test]
fn fix_makes_the_sa2_app_pass_its_suite() {
    let Some(python) = python() else { return };
    let (_temp, app) = app_copy();

    // 1. Unfixed: behaviour passes, audit fails.
    assert_unfixed(&python, &app);
    let unfixed = snapshot(&app);

    // 2. Safe and unsafe fixes: every method still works, and the audit trail is there.
    let fix = auditfix_fix(&app, &["--apply", "--unsafe", "--allow-dirty"]);
    assert!(
        matches!(fix.status.code(), Some(0 | 1)),
        "`auditfix fix --apply --unsafe` failed\n{}",
        text(&fix)
    );
    pytest(&python, &app, &["-m", "not audit"]).assert_all_passed("behaviour tests after `fix --apply --unsafe`");
    pytest(&python, &app, &[]).assert_all_passed("the whole suite after `fix --apply --unsafe`");

    // 3. The mixin's own definition is never rewritten.
    let fixed = snapshot(&app);
    let mixin = PathBuf::from(MIXIN);
    assert!(unfixed.contains_key(&mixin), "{MIXIN} is missing from the example");
    assert!(
        unfixed.get(&mixin) == fixed.get(&mixin),
        "`fix --apply --unsafe` rewrote the audit mixin's module {MIXIN}"
    );

    // 4. A second run has nothing left to do.
    let again = auditfix_fix(&app, &["--apply", "--unsafe", "--allow-dirty"]);
    // It fixes nothing; 1 only for findings that have no fix.
    assert!(
        text(&again).contains("Fixed 0 findings in 0 files") && matches!(again.status.code(), Some(0 | 1)),
        "second `fix --apply --unsafe` had more to do\n{}",
        text(&again)
    );
    let changed = changed(&fixed, &snapshot(&app));
    assert!(changed.is_empty(), "second `fix --apply --unsafe` changed {changed:?}");

    // 5. Every Python file still parses.
    assert_parses(&python, &app);
}
