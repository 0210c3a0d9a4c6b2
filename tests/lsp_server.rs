//! End to end: `auditfix server` driven over stdio by a real LSP client.
//!
//! The client is pytest-lsp (from PyPI), and the scenarios live in
//! `tests/lsp/test_server.py`: diagnostics with codes on opening a
//! non-compliant service, a quick fix that makes it compliant for its rule,
//! "fix all safe", unsafe fixes offered only when the client allows them,
//! an unsaved edit of a model that changes an open service's diagnostics
//! (pointing at the model's class), a cross-file fix arriving as one edit
//! of both files (pointing at the method called), and files changed on
//! disk, reported by the watchers the server registers, updating the
//! diagnostics of an open document that depends on them, and a module
//! created then deleted on disk that defines a model's base. This test
//! runs them against the binary cargo built.
//!
//! The client runs with the interpreter of `.venv` at the repository root,
//! made by `scripts/setup-venv.sh` (which installs pytest-lsp). Without it
//! this test fails and says so, unless `AUDITFIX_SKIP_E2E=1`.

use std::path::PathBuf;
use std::process::Command;

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The venv's interpreter, `None` when the caller asked to skip, or a
/// failure that says how to make the venv.
fn python() -> Option<PathBuf> {
    if std::env::var_os("AUDITFIX_SKIP_E2E").is_some_and(|value| value == "1") {
        eprintln!("AUDITFIX_SKIP_E2E=1: skipping the language server end-to-end test");
        return None;
    }
    let python = repo_root().join(".venv").join("bin").join("python");
    assert!(
        python.is_file(),
        "the Python environment of the end-to-end tests is missing ({}).\n\
         Run `bash scripts/setup-venv.sh` from the repository root, \
         or set AUDITFIX_SKIP_E2E=1 to skip this test.",
        python.display()
    );
    let probe = Command::new(&python)
        .args(["-c", "import pytest_lsp"])
        .output()
        .unwrap();
    assert!(
        probe.status.success(),
        "pytest-lsp is not installed in .venv: run `bash scripts/setup-venv.sh`.\n{}",
        String::from_utf8_lossy(&probe.stderr)
    );
    Some(python)
}

#[test]
fn an_lsp_client_gets_diagnostics_fixes_and_cross_file_edits() {
    let Some(python) = python() else { return };
    let folder = repo_root().join("tests").join("lsp");
    let out = Command::new(python)
        .current_dir(&folder)
        .args(["-m", "pytest", "-v", "test_server.py"])
        .env("AUDITFIX_BIN", env!("CARGO_BIN_EXE_auditfix"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the LSP scenarios failed:\n{stdout}\n{stderr}");
    // Every scenario ran: none skipped or left uncollected.
    let summary = stdout.lines().last().unwrap_or_default();
    assert!(
        summary.contains("7 passed") && !summary.contains("skipped"),
        "unexpected summary: {summary}\n{stdout}"
    );
}
