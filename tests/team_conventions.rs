//! The team's own audit convention, judged by running: one small repository
//! per convention (`tests/fixtures/conventions/<name>/`, each laid over
//! `tests/fixtures/conventions/common/`, which holds the same service layer
//! and the same pytest suite for all). Each `tests/expect.py` says how its
//! convention records who acted; the audit tests read it back from a real
//! SQLite database.
//!
//! For each convention:
//! 1. unfixed, the behaviour test passes and every audit test fails;
//! 2. `check --show-profile` names the repository's own mixin, and `check`
//!    says in one line which convention its fixes speak;
//! 3. after `fix --apply --unsafe` the whole suite passes, the stamp is
//!    written in the repository's words (its setter with the arguments it
//!    takes, or its columns), and the models are left byte for byte;
//! 4. the outside checks report zero: `tests/outside/stamps.py` (stamps on
//!    model instances only) and `tests/outside/pyright_added.py` (no type
//!    error on an added line);
//! 5. a second fix changes nothing.
//!
//! A repository whose convention cannot be read gets one note and no
//! AUD001-AUD003 fix, and what worked still works.

mod common;

use common::{commit_all, copy_tree, output_text, repo_root, venv_tool};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Convention, its mixin, and a line the fixed service must hold.
const CONVENTIONS: &[(&str, &str, &str)] = &[
    (
        "setter_one_argument",
        "TrackedMixin",
        "item.set_created_by(created_by_user.id)",
    ),
    (
        "setter_two_arguments",
        "AuditMixin",
        "item.set_updated_by(updated_by_user.id, updated_by_user.email)",
    ),
    (
        "columns_foreign_keys",
        "AuditMixin",
        "item.deleted_by_id = deleted_by_user.id",
    ),
    (
        "columns_text",
        "AuditTrail",
        "item.created_by_name = created_by_user.full_name",
    ),
    (
        "sqlmodel_aware",
        "AuditFields",
        "item.updated_at = datetime.now(timezone.utc)",
    ),
    ("utcnow_defaults", "Stamped", "item.created_at = datetime.utcnow()"),
];

fn fixtures() -> PathBuf {
    repo_root().join("tests").join("fixtures").join("conventions")
}

/// The convention's repository in a fresh temporary folder, committed.
fn repository(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixtures().join("common"), dir.path());
    copy_tree(&fixtures().join(name), dir.path());
    commit_all(dir.path());
    dir
}

/// pytest in `dir` with `marker` (`audit`, `not audit`, or all): its
/// success and output.
fn pytest(python: &Path, dir: &Path, marker: Option<&str>) -> (bool, String) {
    let mut command = Command::new(python);
    command
        .current_dir(dir)
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
        .env("PYTHONDONTWRITEBYTECODE", "1");
    if let Some(marker) = marker {
        command.args(["-m", marker]);
    }
    let output = command.output().unwrap();
    (output.status.success(), output_text(&output))
}

fn auditfix(dir: &Path, args: &[&str]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_auditfix"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    (output.status.code().unwrap_or(-1), output_text(&output))
}

#[test]
fn each_convention_is_fixed_in_its_own_words_and_its_tests_pass() {
    let Some(python) = venv_tool("python") else { return };
    for (name, mixin, wanted) in CONVENTIONS {
        let repo = repository(name);
        let dir = repo.path();
        let (ok, out) = pytest(&python, dir, Some("not audit"));
        assert!(ok, "{name}: the behaviour test fails before the fix:\n{out}");
        let (ok, out) = pytest(&python, dir, Some("audit"));
        assert!(
            !ok && out.contains("4 failed"),
            "{name}: the audit tests pass before the fix:\n{out}"
        );

        let (_, profile) = auditfix(dir, &["check", "--show-profile", "."]);
        assert!(
            profile.contains(&format!("mixin-class = \"{mixin}\"")),
            "{name}: the profile does not name `{mixin}`:\n{profile}"
        );

        // `check` says in one line which convention the fixes speak.
        let (_, out) = auditfix(dir, &["check", "."]);
        let said: Vec<&str> = out
            .lines()
            .filter(|l| l.starts_with("note: audit convention:"))
            .collect();
        assert_eq!(said.len(), 1, "{name}: one convention line expected:\n{out}");
        assert!(said[0].contains(&format!("`{mixin}`")), "{name}: {}", said[0]);

        let models = fs::read(dir.join("app/models.py")).unwrap();
        let (code, out) = auditfix(dir, &["fix", "--apply", "--unsafe", "."]);
        assert_eq!(code, 0, "{name}: fix left findings or failed:\n{out}");
        let services = fs::read_to_string(dir.join("app/services.py")).unwrap();
        assert!(
            services.lines().any(|l| l.trim() == *wanted),
            "{name}: the fixed service lacks `{wanted}`:\n{services}"
        );
        assert!(
            !services.contains("AuditContext") && !services.contains("audit_ctx"),
            "{name}: the standard's context in a repository that has none:\n{services}"
        );
        assert_eq!(
            fs::read(dir.join("app/models.py")).unwrap(),
            models,
            "{name}: models rewritten"
        );

        let (ok, out) = pytest(&python, dir, None);
        assert!(ok, "{name}: the suite fails after the fix:\n{out}\n{services}");

        for script in ["stamps.py", "pyright_added.py"] {
            let script = repo_root().join("tests").join("outside").join(script);
            let output = Command::new(&python).arg(&script).arg(dir).arg(name).output().unwrap();
            assert!(output.status.success(), "{name}: {}", output_text(&output));
        }

        let before = services.clone();
        let (code, out) = auditfix(dir, &["fix", "--apply", "--unsafe", "."]);
        assert_eq!(code, 0, "{name}: second fix: {out}");
        assert_eq!(
            fs::read_to_string(dir.join("app/services.py")).unwrap(),
            before,
            "{name}: not converged"
        );
    }
}

#[test]
fn a_convention_the_code_does_not_tell_gets_one_note_and_no_audit_fix() {
    let Some(python) = venv_tool("python") else { return };
    let repo = repository("unknown_text_column");
    let dir = repo.path();
    let (_, out) = auditfix(dir, &["check", "--verbose", "."]);
    let notes: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("does not tell how to record who acted"))
        .collect();
    assert_eq!(notes.len(), 1, "one note expected:\n{out}");
    assert!(
        notes[0].contains("`Auditable`") && notes[0].contains("`created_by` is text"),
        "{}",
        notes[0]
    );
    for code in ["AUD001", "AUD002", "AUD003"] {
        assert!(
            !out.contains(&format!(": {code} ")),
            "{code} reported where the convention is unknown:\n{out}"
        );
    }

    let (code, out) = auditfix(dir, &["fix", "--apply", "--unsafe", "."]);
    assert!(matches!(code, 0 | 1), "{out}");
    let services = fs::read_to_string(dir.join("app/services.py")).unwrap();
    for absent in [
        "created_by_user",
        "set_created_by",
        "audit_ctx",
        "AuditContext",
        ".created_by =",
    ] {
        assert!(!services.contains(absent), "`{absent}` written:\n{services}");
    }
    // What the code does tell is still fixed: the timestamps.
    assert!(services.contains("item.updated_at = datetime.now()"), "{services}");
    let (ok, out) = pytest(&python, dir, Some("not audit"));
    assert!(ok, "the behaviour test fails after the fix:\n{out}");
}

#[test]
fn the_example_apps_keep_the_standard_and_say_no_convention() {
    for app in ["audit_app", "audit_app_sa2"] {
        let dir = repo_root().join("examples").join(app);
        let (code, out) = auditfix(&dir, &["check", "--verbose", "."]);
        assert_eq!(code, 1, "{app}: {out}");
        assert!(!out.contains("audit convention"), "{app}: {out}");
        assert!(!out.contains("does not tell how to record who acted"), "{app}: {out}");
        // Their fixes still call the standard's setter through the context.
        assert!(out.contains("without `"), "{app}: {out}");
        let (_, diff) = auditfix(&dir, &["fix", "."]);
        assert!(
            diff.contains(".set_created_by(audit_ctx.user_email, audit_ctx.user_name)"),
            "{app}: {diff}"
        );
        assert!(
            !diff
                .lines()
                .any(|l| l.starts_with('+') && l.trim_end().ends_with("_user is not None:")),
            "{app}: a convention's guard in the standard's app"
        );
    }
}

/// The user a method already takes is reused, but only a parameter that
/// can be the user model gets its attributes read: a token's `dict` under
/// the name `current_user` is not one.
#[test]
fn a_user_parameter_annotated_as_something_else_gets_no_stamp() {
    let repo = repository("setter_one_argument");
    let dir = repo.path();
    let services = fs::read_to_string(dir.join("app/services.py")).unwrap();
    let services = services
        .replace(
            "def create_item(self, name: str) -> Item:",
            "def create_item(self, name: str, current_user: dict) -> Item:",
        )
        .replace(
            "def rename_item(self, item_id: int, name: str) -> Item | None:",
            "def rename_item(self, item_id: int, name: str, current_user: User) -> Item | None:",
        )
        .replace("from app.models import Item", "from app.models import Item, User");
    fs::write(dir.join("app/services.py"), services).unwrap();
    let (_, out) = auditfix(dir, &["check", "."]);
    assert!(
        out.contains("not fixed: `current_user` is annotated `dict`, not the user model `User`"),
        "{out}"
    );
    let (_, out) = auditfix(dir, &["fix", "--apply", "--allow-dirty", "."]);
    let fixed = fs::read_to_string(dir.join("app/services.py")).unwrap();
    assert!(!fixed.contains("item.set_created_by("), "{out}\n{fixed}");
    // A parameter that is the user, and required: no guard needed.
    assert!(
        fixed.contains("        item.set_updated_by(current_user.id)\n"),
        "{fixed}"
    );
}
