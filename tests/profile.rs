//! The repository's own convention: `check --show-profile` prints the
//! audit convention read from its code as a `[tool.auditfix]` block that
//! the configuration loader accepts as it is; a session spelled in a way
//! nothing proves is named once in a note with the key that teaches it.

use std::fs;
use std::path::Path;
use std::process::Command;

fn write(root: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let path = root.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
}

fn auditfix(root: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_auditfix"))
        .current_dir(root)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The profile of `files`, and a check run with it committed as the
/// project's configuration (which must load).
fn profile(files: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), files);
    let (code, profile, stderr) = auditfix(dir.path(), &["check", "--show-profile", "."]);
    assert_eq!(code, 0, "{stderr}");
    assert!(profile.contains("[tool.auditfix]"), "{profile}");
    // `auditfix init` prints the same, from the folder or of a path.
    for args in [&["init"][..], &["init", "app"]] {
        let (code, init, stderr) = auditfix(dir.path(), args);
        assert_eq!((code, init.as_str()), (0, profile.as_str()), "{args:?}: {stderr}");
    }
    // Committed as is, it is a configuration the tool accepts.
    fs::write(dir.path().join("pyproject.toml"), &profile).unwrap();
    let (code, _, stderr) = auditfix(dir.path(), &["check", "."]);
    assert!(
        matches!(code, 0 | 1),
        "the profile does not load as configuration:\n{stderr}\n{profile}"
    );
    profile
}

/// The lines that are not comments.
fn keys(profile: &str) -> Vec<&str> {
    profile
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .collect()
}

/// The user model the mixin's foreign keys point to.
const USERS: &str =
    "\n\nclass User(Base):\n    __tablename__ = \"users\"\n    id: Mapped[int] = mapped_column(primary_key=True)\n";

const FK_MIXIN: &str = r#"from datetime import datetime, timezone

from sqlalchemy import DateTime, ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class AuditFields:
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=lambda: datetime.now(timezone.utc))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=lambda: datetime.now(timezone.utc))

    def set_created_by(self, user_id):
        self.created_by_id = user_id

    def set_updated_by(self, user_id):
        self.updated_by_id = user_id


class Invoice(AuditFields, Base):
    __tablename__ = "invoices"
    id: Mapped[int] = mapped_column(primary_key=True)


class Customer(AuditFields, Base):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(primary_key=True)
"#;

#[test]
fn the_example_app_profile_is_the_gold_standard() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/audit_app");
    let (code, profile, stderr) = auditfix(&root, &["check", "--show-profile", "."]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        keys(&profile),
        [
            "[tool.auditfix]",
            "mixin-class = \"AuditMixin\"",
            "setters = { create = \"set_created_by\", update = \"set_updated_by\", delete = \"set_deleted_by\" }",
            "audit-column-prefixes = { create = \"created_by\", update = \"updated_by\", delete = \"deleted_by\" }",
            "timestamp-fields = { create = [\"created_at\", \"updated_at\"], update = [\"updated_at\"], delete = [\"deleted_at\"] }",
            "timestamp-style = \"naive\"",
            "context-class = \"AuditContext\"",
            "context-module = \"app.features.core.audit_mixin\"",
        ],
        "{profile}"
    );
    assert!(profile.contains("inherited by 8 mapped models"), "{profile}");
}

#[test]
fn a_mixin_of_another_name_is_inferred_with_its_setters_columns_and_clock() {
    let profile = profile(&[("app/models.py", FK_MIXIN)]);
    assert!(
        profile.contains("# inferred: `AuditFields` in app.models, inherited by 2 mapped models."),
        "{profile}"
    );
    assert!(keys(&profile).contains(&"mixin-class = \"AuditFields\""), "{profile}");
    // One-argument setters, and none for delete: the standard's stay, and
    // the comment says why AUD001-AUD003 are off.
    assert!(profile.contains("has no setter for delete"), "{profile}");
    assert!(
        profile.contains("`set_created_by` (1 argument after self)"),
        "{profile}"
    );
    assert!(
        profile.contains("`created_by_id`") && profile.contains("`updated_by_id`"),
        "{profile}"
    );
    assert!(keys(&profile).contains(&"timestamp-style = \"aware\""), "{profile}");
    assert!(
        keys(&profile).contains(
            &"timestamp-fields = { create = [\"created_at\", \"updated_at\"], update = [\"updated_at\"], delete = [] }"
        ),
        "{profile}"
    );
    // No context class here: said, not invented.
    assert!(
        profile.contains("No `AuditContext` class in this repository"),
        "{profile}"
    );
    assert!(
        !keys(&profile).iter().any(|k| k.starts_with("context-module")),
        "{profile}"
    );
}

#[test]
fn setters_taking_other_arguments_are_named_and_kept() {
    let with_delete = FK_MIXIN.replace(
        "    def set_updated_by(self, user_id):",
        "    def set_deleted_by(self, user_id):\n        self.updated_by_id = user_id\n\n    def set_updated_by(self, user_id):",
    );
    let profile = profile(&[("app/models.py", &format!("{with_delete}{USERS}"))]);
    assert!(
        keys(&profile).contains(
            &"setters = { create = \"set_created_by\", update = \"set_updated_by\", delete = \"set_deleted_by\" }"
        ),
        "{profile}"
    );
    // The fixes call them with what they take.
    assert!(
        profile.contains("#   create: `x.set_created_by(created_by_user.id)`")
            && profile.contains("#   delete: `x.set_deleted_by(deleted_by_user.id)`"),
        "{profile}"
    );
    assert!(
        profile.contains("`set_deleted_by` (1 argument after self)"),
        "{profile}"
    );
}

#[test]
fn a_migration_s_copy_of_the_mixin_is_not_the_one_read() {
    let migration =
        "from sqlalchemy.orm import DeclarativeBase\n\n\nclass AuditFields(DeclarativeBase):\n    legacy_at = None\n";
    let profile = profile(&[("app/legacy.py", migration), ("app/models.py", FK_MIXIN)]);
    assert!(profile.contains("`AuditFields` in app.models"), "{profile}");
    assert!(profile.contains("`created_by_id`"), "{profile}");
}

#[test]
fn a_repository_without_an_audit_mixin_says_so() {
    let plain = "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n\n\nclass Base(DeclarativeBase):\n    pass\n\n\nclass Item(Base):\n    __tablename__ = \"items\"\n    id: Mapped[int] = mapped_column(primary_key=True)\n    title: Mapped[str]\n";
    let profile = profile(&[("app/models.py", plain)]);
    assert!(profile.contains("# No audit mixin found"), "{profile}");
    assert_eq!(
        keys(&profile),
        ["[tool.auditfix]", "mixin-class = \"AuditMixin\""],
        "{profile}"
    );
}

#[test]
fn show_profile_goes_with_no_other_output_mode() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &[("app/models.py", FK_MIXIN)]);
    let (code, _, stderr) = auditfix(dir.path(), &["check", "--show-profile", "--statistics", "."]);
    assert_eq!(code, 2, "{stderr}");
}

const MODELS: &str = "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n\n\nclass Base(DeclarativeBase):\n    pass\n\n\nclass AuditMixin:\n    created_by_email: Mapped[str | None]\n    created_by_name: Mapped[str | None]\n\n    def set_created_by(self, email, name):\n        self.created_by_email = email\n        self.created_by_name = name\n\n    def set_updated_by(self, email, name):\n        pass\n\n    def set_deleted_by(self, email, name):\n        pass\n\n\nclass User(AuditMixin, Base):\n    __tablename__ = \"users\"\n    id: Mapped[int] = mapped_column(primary_key=True)\n    email: Mapped[str]\n";

const REPOSITORY: &str = "from app.models import User\n\n\nclass UserRepository:\n    def __init__(self, database):\n        self._db = database\n\n    def create_user(self, email):\n        user = User(email=email)\n        self._db.add(user)\n        self._db.commit()\n        return user\n\n    def remember(self, seen, email):\n        seen.add(email)\n";

#[test]
fn a_session_nothing_proves_is_named_once_with_the_key_that_teaches_it() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[("app/models.py", MODELS), ("app/repository.py", REPOSITORY)],
    );
    let (_, stdout, stderr) = auditfix(dir.path(), &["check", "."]);
    // Notes go with the findings (to standard output without a terminal).
    let said = format!("{stdout}{stderr}");
    let note = "note: app/repository.py: `self._db` adds or deletes model rows in `UserRepository.create_user`, but nothing proves it a session (no annotation, not a configured spelling): it is not audited; add \"self._db\" to `session-expressions`";
    assert_eq!(said.matches(note).count(), 1, "{said}");
    // A set's `add` is no session's.
    assert!(!said.contains("`seen`"), "{said}");
    assert!(!stdout.contains("AUD001"), "not audited yet: {stdout}");
    // Taught, the method is audited and the note is gone.
    fs::write(
        dir.path().join("pyproject.toml"),
        "[tool.auditfix]\nsession-expressions = [\"self._db\", \"self.db\", \"db\", \"session\"]\n",
    )
    .unwrap();
    let (_, stdout, stderr) = auditfix(dir.path(), &["check", "."]);
    assert!(
        stdout.contains("AUD001") && stdout.contains("`UserRepository.create_user` creates `User` but takes no"),
        "{stdout}"
    );
    assert!(
        !format!("{stdout}{stderr}").contains("nothing proves it a session"),
        "{stdout}{stderr}"
    );
}

#[test]
fn the_report_states_the_convention_it_holds_models_to() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &[("app/models.py", FK_MIXIN)]);
    let (_, report, stderr) = auditfix(dir.path(), &["report", "."]);
    assert!(
        report.contains("**Audit Convention**: `AuditFields` in `app.models`, inferred from the code, inherited by 2 mapped models; `AuditFields.set_created_by` takes `user_id`: `user_id` wants the user's id, and no user model was found to read it from, so AUD001-AUD003 are not reported"),
        "{stderr}{report}"
    );
    // Named in the configuration, it is the one held to.
    fs::write(dir.path().join("auditfix.toml"), "mixin-class = \"AuditFields\"\n").unwrap();
    let (_, report, stderr) = auditfix(dir.path(), &["report", "."]);
    assert!(
        report.contains("**Audit Convention**: `AuditFields` in `app.models`, inherited by 2 mapped models; `AuditFields.set_created_by` takes `user_id`"),
        "{stderr}{report}"
    );
    // With the user model the keys point to, the fixes speak its setters.
    write(dir.path(), &[("app/models.py", &format!("{FK_MIXIN}{USERS}"))]);
    let (_, report, stderr) = auditfix(dir.path(), &["report", "."]);
    assert!(
        report.contains("**Audit Convention**: `AuditFields` in `app.models`, inherited by 2 mapped models; fixes record who acted in its own words (`x.set_created_by(created_by_user.id)`)"),
        "{stderr}{report}"
    );
}
