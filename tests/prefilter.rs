//! The byte prefilters decide which files are parsed (candidates for the
//! per-file rules, modules the index needs, files that name a user or an
//! audited method for the callers' rules). They must never change what is
//! found: over the example app, every fixture tree and a generated corpus,
//! `check` and `fix` (dry run, with and without `--unsafe`) print the same
//! with the prefilters as with `--no-prefilter`, which parses every file.

mod common;

use std::path::Path;
use std::process::Command;

/// stdout and exit code of `auditfix ARGS` run in the repository.
fn auditfix(args: &[&str]) -> (String, Option<i32>) {
    let output = Command::new(env!("CARGO_BIN_EXE_auditfix"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(
        matches!(output.status.code(), Some(0..=2)),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    (String::from_utf8(output.stdout).unwrap(), output.status.code())
}

/// The JSON of `check`, errors left out (files that cannot hold a finding
/// are not parsed with the prefilters, so their syntax errors show only
/// without them), and those errors.
fn check(path: &str, prefilter: bool) -> (serde_json::Value, Vec<String>) {
    let mut args = vec!["check", "--format", "json", path];
    if !prefilter {
        args.push("--no-prefilter");
    }
    let (out, _) = auditfix(&args);
    let mut json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let errors = json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap().to_string())
        .collect();
    json["errors"] = serde_json::Value::Null;
    json["summary"]["errors"] = serde_json::Value::Null;
    (json, errors)
}

fn assert_same(path: &str) {
    let (with, with_errors) = check(path, true);
    let (without, without_errors) = check(path, false);
    assert_eq!(with, without, "{path}: check differs with the prefilters");
    for error in &with_errors {
        assert!(
            without_errors.contains(error),
            "{path}: {error} is an error only with the prefilters"
        );
    }
    for unsafe_fixes in [false, true] {
        let mut args = vec!["fix", "--color", "never", path];
        if unsafe_fixes {
            args.push("--unsafe");
        }
        let (with, _) = auditfix(&args);
        args.push("--no-prefilter");
        let (without, _) = auditfix(&args);
        assert_eq!(
            with, without,
            "{path}: fix (unsafe: {unsafe_fixes}) differs with the prefilters"
        );
    }
}

#[test]
fn the_example_app_gives_the_same_findings_and_fixes() {
    let (json, _) = check("examples/audit_app", true);
    // Not a vacuous comparison: every kind of rule fires here.
    assert!(json["summary"]["findings"].as_u64().unwrap() > 50, "{json}");
    assert!(json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["code"] == "AUD012"));
    assert_same("examples/audit_app");
}

#[test]
fn every_fixture_tree_gives_the_same_findings_and_fixes() {
    for tree in [
        "tests/fixtures/common",
        "tests/fixtures/callers",
        "tests/fixtures/interactive/app",
        "tests/fixtures/rules",
        "tests/fixtures/styles",
    ] {
        assert!(Path::new(env!("CARGO_MANIFEST_DIR")).join(tree).is_dir(), "{tree}");
        assert_same(tree);
    }
}

#[test]
fn a_generated_corpus_gives_the_same_findings_and_fixes() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    let status = Command::new(std::env::var("PYTHON").unwrap_or_else(|_| "python3".into()))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "scripts/gen_corpus.py",
            corpus.to_str().unwrap(),
            "--files",
            "400",
            "--seed",
            "11",
        ])
        .stdout(std::process::Stdio::null())
        .status()
        .expect("python3 runs scripts/gen_corpus.py");
    assert!(status.success());
    // A project of its own, so that the corpus is not read as part of this repository.
    std::fs::write(corpus.join("pyproject.toml"), "[project]\nname = \"corpus\"\n").unwrap();
    let path = corpus.to_str().unwrap();
    let (json, _) = check(path, true);
    assert!(json["summary"]["findings"].as_u64().unwrap() > 100, "{json}");
    assert_same(path);
}

/// A project made of the common and the callers' fixture trees, in a
/// folder of its own.
fn callers_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    common::copy_tree(&repo.join("tests/fixtures/common"), dir.path());
    common::copy_tree(&repo.join("tests/fixtures/callers"), dir.path());
    std::fs::write(dir.path().join("pyproject.toml"), "[project]\nname = \"app\"\n").unwrap();
    dir
}

/// The callers' step takes the calls of a checked file from that file's
/// one parse, for the names loading predicted (functions that name a user,
/// write through a session or are named like write methods). A facade
/// nobody could predict (`nightly_import`: a job module with no session
/// write, no user, no write method's name) is searched for by parsing:
/// the service that calls it while holding the user must still be told to
/// pass it, as without the prefilters.
#[test]
fn a_call_of_a_facade_nobody_predicted_is_still_found() {
    let dir = callers_project();
    let root = dir.path();
    std::fs::write(
        root.join("app/jobs.py"),
        "from app.services.crud import UserCrud\n\n\n\
         async def nightly_import(db, data):\n    return await UserCrud(db).create_user(data)\n",
    )
    .unwrap();
    std::fs::write(
        root.join("app/services/batch.py"),
        "from app.jobs import nightly_import\nfrom app.models import User\n\n\n\
         class BatchService:\n    def __init__(self, db):\n        self.db = db\n\n\
         \x20   async def create_batch(self, data, created_by_user=None):\n\
         \x20       user = User(email=data[\"email\"])\n\
         \x20       self.db.add(user)\n\
         \x20       await self.db.flush()\n\
         \x20       await nightly_import(self.db, data)\n\
         \x20       return user\n",
    )
    .unwrap();
    let path = root.to_str().unwrap();
    let (json, _) = check(path, true);
    let dropped: Vec<&serde_json::Value> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "AUD012" && f["path"].as_str().is_some_and(|p| p.ends_with("batch.py")))
        .collect();
    assert_eq!(dropped.len(), 1, "{json:#}");
    assert!(
        dropped[0]["message"].as_str().unwrap().contains("nightly_import"),
        "{:#}",
        dropped[0]
    );
    assert_same(path);
}

/// A service the check parses that names no user and writes no entity of
/// its own, but calls a write method taking the user (an import helper):
/// the check records nothing of it for the callers' step (it takes no
/// part), so a round must parse it again. It must still be found a facade,
/// and the route calling it told to pass the user, as without the
/// prefilters.
#[test]
fn a_service_that_names_no_user_is_still_found_a_facade() {
    let dir = callers_project();
    let root = dir.path();
    std::fs::write(
        root.join("app/services/imports.py"),
        "from app.services.crud import UserCrud\n\n\n\
         class ImportService:\n    def __init__(self, db):\n        self.db = db\n\n\
         \x20   async def import_users(self, rows):\n\
         \x20       for row in rows:\n\
         \x20           await UserCrud(self.db).create_user(row)\n\
         \x20       await self.db.commit()\n",
    )
    .unwrap();
    std::fs::write(
        root.join("app/routes/imports.py"),
        "from fastapi import APIRouter, Depends\n\n\
         from app.auth import get_current_user, get_db\nfrom app.services.imports import ImportService\n\n\
         router = APIRouter()\n\n\n\
         @router.post(\"/imports\")\n\
         async def post_imports(rows: list, db=Depends(get_db), current_user=Depends(get_current_user)):\n\
         \x20   return await ImportService(db).import_users(rows)\n",
    )
    .unwrap();
    let path = root.to_str().unwrap();
    let (json, _) = check(path, true);
    let mut found: Vec<(String, String)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "AUD012" && f["path"].as_str().is_some_and(|p| p.contains("imports")))
        .map(|f| {
            let path = Path::new(f["path"].as_str().unwrap()).strip_prefix(root).unwrap();
            let path = path.to_string_lossy().replace('\\', "/");
            let message = f["message"].as_str().unwrap();
            (path, message.split(':').next().unwrap().to_string())
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        vec![
            (
                "app/routes/imports.py".to_string(),
                "`ImportService(db).import_users(rows)` does not pass the user although `current_user` is in scope"
                    .to_string()
            ),
            (
                "app/services/imports.py".to_string(),
                "`ImportService.import_users` calls `UserCrud.create_user` without the user".to_string()
            ),
        ],
        "{json:#}"
    );
    assert_same(path);
}
