//! Outside checks of what `fix --apply --unsafe` writes, by tools that share
//! nothing with the analysis: `tests/outside/stamps.py` (Python's `ast`:
//! every added stamp lands on a model instance bound on every path, no
//! `await` on a sync session, no unbound name, every file parses) and
//! `tests/outside/pyright_added.py` (pyright: no type error on an added
//! line).
//!
//! One temporary git tree holds every idiom fixture
//! (`tests/fixtures/idioms/*.py` as `app/services/<stem>.py`) and rule
//! fixture (`tests/fixtures/rules/*.py`, also under `app/services/`) over a
//! copy of `tests/fixtures/common/`; each example app under `examples/` gets
//! its own. Each tree is committed, fixed, and judged by both scripts, which
//! must report zero. A third test runs stamps.py on its own small good and
//! bad trees (`tests/outside/cases/`), so a bug in the checker shows.
//!
//! The scripts run with the interpreter of `.venv` at the repository root
//! (`scripts/setup-venv.sh` installs pyright there). Without it these tests
//! fail and say so, unless `AUDITFIX_SKIP_E2E=1`.

mod common;

use common::{commit_all, output_text};
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const EXAMPLES: &[&str] = &["audit_app", "audit_app_sa2"];

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The venv's interpreter, `None` when the caller asked to skip, or a
/// failure that says how to make the venv.
fn python() -> Option<PathBuf> {
    if std::env::var_os("AUDITFIX_SKIP_E2E").is_some_and(|value| value == "1") {
        eprintln!("AUDITFIX_SKIP_E2E=1: skipping the outside checks");
        return None;
    }
    let venv = repo_root().join(".venv").join("bin");
    let python = venv.join("python");
    assert!(
        python.is_file() && venv.join("pyright").is_file(),
        "the Python environment with pyright is missing ({}).\n\
         Run `bash scripts/setup-venv.sh` from the repository root, \
         or set AUDITFIX_SKIP_E2E=1 to skip this test.",
        python.display()
    );
    Some(python)
}

fn is_scratch(path: &Path) -> bool {
    let name = path.file_name().and_then(|name| name.to_str()).unwrap_or("");
    matches!(name, "__pycache__" | ".pytest_cache" | ".git") || name.ends_with(".pyc") || name.ends_with(".db")
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

fn python_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = match fs::read_dir(dir) {
        Ok(entries) => entries
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "py"))
            .collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    files
}

/// `fix --apply --unsafe .` in `dir`; fails on a crash, not on findings
/// left without a fix.
fn fix(dir: &Path) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_auditfix"))
        .current_dir(dir)
        .args(["fix", "--apply", "--unsafe", "--allow-dirty", "."])
        .output()
        .unwrap();
    let shown = output_text(&output);
    assert!(
        matches!(output.status.code(), Some(0..=1)),
        "auditfix fix crashed in {} ({:?}):\n{shown}",
        dir.display(),
        output.status
    );
    shown
}

fn script(name: &str) -> PathBuf {
    repo_root().join("tests").join("outside").join(name)
}

/// Runs one outside script on `tree`; returns (passed, its output).
fn judge(python: &Path, name: &str, tree: &Path, label: &str) -> (bool, String) {
    let output = Command::new(python)
        .arg(script(name))
        .arg(tree)
        .arg(label)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .unwrap();
    (output.status.success(), output_text(&output))
}

/// The fixtures' tree: the common models, every idiom and rule fixture
/// under `app/services/`.
fn fixtures_tree(root: &Path) -> usize {
    let fixtures = repo_root().join("tests").join("fixtures");
    copy_tree(&fixtures.join("common"), root);
    let services = root.join("app").join("services");
    fs::create_dir_all(&services).unwrap();
    let mut count = 0;
    for (folder, prefix) in [("idioms", ""), ("rules", "rule_")] {
        for file in python_files(&fixtures.join(folder)) {
            let stem = file.file_stem().unwrap().to_string_lossy().into_owned();
            let mut target = services.join(format!("{stem}.py"));
            if target.exists() {
                target = services.join(format!("{prefix}{stem}.py"));
            }
            fs::copy(&file, &target).unwrap();
            count += 1;
        }
    }
    count
}

#[test]
fn fixed_fixtures_and_examples_pass_the_outside_checks() {
    let Some(python) = python() else { return };
    let temp = tempfile::tempdir().unwrap();
    let mut trees = Vec::new();
    let fixtures = temp.path().join("fixtures");
    let count = fixtures_tree(&fixtures);
    trees.push((format!("fixtures ({count} files)"), fixtures));
    // The callers fixture over the shared one: routes, facades, services.
    let callers = temp.path().join("callers");
    copy_tree(&repo_root().join("tests/fixtures/common"), &callers);
    copy_tree(&repo_root().join("tests/fixtures/callers"), &callers);
    trees.push(("fixtures/callers".to_string(), callers));
    for example in EXAMPLES {
        let source = repo_root().join("examples").join(example);
        if source.is_dir() {
            let tree = temp.path().join(example);
            copy_tree(&source, &tree);
            trees.push((format!("examples/{example}"), tree));
        }
    }
    let mut fixes = Vec::new();
    for (label, tree) in &trees {
        commit_all(tree);
        fixes.push(format!("{label}: {}", fix(tree).trim()));
    }
    // Independent runs (pyright's start-up dominates): in parallel.
    let reports: Vec<(String, bool, String)> = std::thread::scope(|scope| {
        let handles: Vec<_> = trees
            .iter()
            .flat_map(|(label, tree)| {
                ["stamps.py", "pyright_added.py"].map(|name| {
                    let python = &python;
                    scope.spawn(move || {
                        let (ok, out) = judge(python, name, tree, label);
                        (format!("{name} on {label}"), ok, out)
                    })
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let failed: Vec<String> = reports
        .iter()
        .filter(|(_, ok, _)| !ok)
        .map(|(what, _, out)| format!("=== {what}\n{}", out.trim_end()))
        .collect();
    for (_, _, out) in &reports {
        eprintln!("{}", out.lines().last().unwrap_or(""));
    }
    assert!(
        failed.is_empty(),
        "the fix wrote code the outside checks reject:\n{}\n\n--- the fix said\n{}",
        failed.join("\n\n"),
        fixes.join("\n")
    );
}

/// Each case of `tests/outside/cases/`: `before.py` committed as
/// `app/svc.py` beside `models.py`, `after.py` in its place, and stamps.py
/// must report exactly the `LINE KIND` pairs of `expect`.
#[test]
fn stamps_checker_self_tests() {
    let Some(python) = python() else { return };
    let cases = repo_root().join("tests").join("outside").join("cases");
    let mut dirs: Vec<PathBuf> = fs::read_dir(&cases)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 5, "the self-test cases are missing");
    let mut wrong = Vec::new();
    for dir in &dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let temp = tempfile::tempdir().unwrap();
        let app = temp.path().join("app");
        fs::create_dir_all(&app).unwrap();
        fs::write(app.join("__init__.py"), "").unwrap();
        fs::copy(cases.join("models.py"), app.join("models.py")).unwrap();
        fs::copy(dir.join("before.py"), app.join("svc.py")).unwrap();
        commit_all(temp.path());
        fs::copy(dir.join("after.py"), app.join("svc.py")).unwrap();
        let expected: BTreeSet<String> = fs::read_to_string(dir.join("expect"))
            .unwrap()
            .lines()
            .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|line| !line.is_empty())
            .collect();
        let (ok, out) = judge(&python, "stamps.py", temp.path(), &name);
        let found: BTreeSet<String> = out
            .lines()
            .filter_map(|line| {
                let rest = line.strip_prefix("app/svc.py:")?;
                let (number, rest) = rest.split_once(": ")?;
                let (kind, _) = rest.split_once(':')?;
                Some(format!("{number} {kind}"))
            })
            .collect();
        if found != expected || ok != expected.is_empty() {
            wrong.push(format!(
                "=== case {name}: expected {expected:?}, found {found:?} (exit ok: {ok})\n{out}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The committed example apps, untouched: nothing added, nothing reported.
#[test]
fn outside_checks_pass_on_unfixed_examples() {
    let Some(python) = python() else { return };
    let temp = tempfile::tempdir().unwrap();
    for example in EXAMPLES {
        let source = repo_root().join("examples").join(example);
        if !source.is_dir() {
            continue;
        }
        let tree = temp.path().join(example);
        copy_tree(&source, &tree);
        commit_all(&tree);
        for name in ["stamps.py", "pyright_added.py"] {
            let (ok, out) = judge(&python, name, &tree, example);
            assert!(ok, "{name} on the unfixed {example}:\n{out}");
        }
    }
}
