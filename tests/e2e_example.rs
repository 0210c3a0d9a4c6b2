//! End to end: `auditfix fix` on the example application, judged by its own
//! test suite.
//!
//! `examples/audit_app` is a small FastAPI + SQLAlchemy app whose service
//! files are the situations of the audit report, with a real pytest suite
//! (SQLAlchemy, aiosqlite, no mocks). Each test copies the app to a temporary
//! directory and runs that suite before and after the tool:
//!
//! 1. the unfixed suite fails (and the gold-standard tests pass);
//! 2. after `fix --apply`, every test not marked `needs_unsafe` passes and the
//!    `needs_unsafe` ones still fail;
//! 3. after `fix --apply --unsafe`, the whole suite passes;
//! 4. a second `fix --apply --unsafe` exits 0 and changes no byte;
//! 5. every Python file of the fixed tree still parses.
//!
//! The suite runs with the interpreter of `.venv` at the repository root,
//! made by `scripts/setup-venv.sh`. Without it these tests fail and say so,
//! unless `AUDITFIX_SKIP_E2E=1`; `scripts/test.sh` (the README's test
//! command, which CI runs) makes the venv first.
//!
//! This file knows nothing of the rules: only what the app's tests expect.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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
        eprintln!("AUDITFIX_SKIP_E2E=1: skipping the example app end-to-end test");
        return None;
    }
    let python = repo_root().join(".venv").join("bin").join("python");
    assert!(
        python.is_file(),
        "the example app's Python environment is missing ({}).\n\
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

/// A fresh copy of the example app, in a directory that lives as long as the
/// returned guard.
fn example_copy() -> (tempfile::TempDir, PathBuf) {
    let temp = tempfile::tempdir().unwrap();
    let app = temp.path().join("audit_app");
    copy_tree(&repo_root().join("examples").join("audit_app"), &app);
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

/// Step 1 alone: the suite is meaningful only if it fails on the unfixed app.
#[test]
fn unfixed_example_fails_its_suite_but_the_gold_standard_passes() {
    let Some(python) = python() else { return };
    let (_temp, app) = example_copy();

    let unfixed = pytest(&python, &app, &[]);
    assert!(
        !unfixed.success && unfixed.failed > 0,
        "the unfixed app passed its suite\n{}",
        unfixed.output
    );

    pytest(&python, &app, &["tests/test_secrets.py"]).assert_all_passed("gold standard, unfixed");
}

#[test]
fn fix_makes_the_example_pass_its_suite() {
    let Some(python) = python() else { return };
    let (_temp, app) = example_copy();

    // 1. The unfixed app fails its own suite.
    let unfixed = pytest(&python, &app, &[]);
    assert!(
        !unfixed.success && unfixed.failed > 0,
        "the unfixed app passed its suite\n{}",
        unfixed.output
    );

    // 2. Safe fixes make everything pass but what needs unsafe fixes.
    let safe = auditfix_fix(&app, &["--apply", "--allow-dirty"]);
    assert!(
        matches!(safe.status.code(), Some(0 | 1)),
        "`auditfix fix --apply` failed\n{}",
        text(&safe)
    );
    pytest(&python, &app, &["-m", "not needs_unsafe"]).assert_all_passed("after `fix --apply`");
    pytest(&python, &app, &["-m", "needs_unsafe"]).assert_none_passed("needs_unsafe tests after `fix --apply`");

    // 3. Unsafe fixes make the whole suite pass.
    let unsafe_fix = auditfix_fix(&app, &["--apply", "--unsafe", "--allow-dirty"]);
    assert!(
        matches!(unsafe_fix.status.code(), Some(0 | 1)),
        "`auditfix fix --apply --unsafe` failed\n{}",
        text(&unsafe_fix)
    );
    pytest(&python, &app, &[]).assert_all_passed("after `fix --apply --unsafe`");

    // 4. A second run has nothing left to do.
    let before = snapshot(&app);
    let again = auditfix_fix(&app, &["--apply", "--unsafe", "--allow-dirty"]);
    // It fixes nothing; 1 only for findings that have no fix.
    assert!(
        text(&again).contains("Fixed 0 findings in 0 files") && matches!(again.status.code(), Some(0 | 1)),
        "second `fix --apply --unsafe` had more to do\n{}",
        text(&again)
    );
    let after = snapshot(&app);
    let changed: Vec<_> = after
        .iter()
        .filter(|(path, bytes)| before.get(*path) != Some(*bytes))
        .map(|(path, _)| path.display().to_string())
        .chain(
            before
                .keys()
                .filter(|path| !after.contains_key(*path))
                .map(|path| path.display().to_string()),
        )
        .collect();
    assert!(changed.is_empty(), "second `fix --apply --unsafe` changed {changed:?}");

    // 5. Every Python file still parses.
    assert_parses(&python, &app);
}
