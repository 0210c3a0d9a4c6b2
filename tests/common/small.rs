//! A small project (a mixin with the standard's setters, a model, a
//! service lacking the audit) and running the binary in it: shared by the
//! tests of conventions and suppressions.

use std::fs;
use std::path::Path;
use std::process::{Command, Output, Stdio};

pub const SERVICE: &str = r#"from app.models import User


class UserService:
    def __init__(self, db):
        self.db = db

    async def create_user(self, data):
        user = User(email=data.email)
        self.db.add(user)
        await self.db.flush()
        return user
"#;

pub const MODELS: &str = r#"from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class AuditMixin:
    created_at: Mapped[str] = mapped_column()
    updated_at: Mapped[str] = mapped_column()
    created_by_email: Mapped[str] = mapped_column()

    def set_created_by(self, email, name):
        self.created_by_email = email

    def set_updated_by(self, email, name):
        pass

    def set_deleted_by(self, email, name):
        pass


class AuditContext:
    @classmethod
    def from_user(cls, user):
        return cls()


class User(Base, AuditMixin):
    __tablename__ = "users"
    email: Mapped[str] = mapped_column()
"#;

/// A small project: a `pyproject.toml` (so that it is a project), models
/// with the mixin, and one service.
pub fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("app")).unwrap();
    fs::write(dir.path().join("pyproject.toml"), "[project]\nname = \"x\"\n").unwrap();
    fs::write(dir.path().join("app/__init__.py"), "").unwrap();
    fs::write(dir.path().join("app/models.py"), MODELS).unwrap();
    fs::write(dir.path().join("app/service.py"), SERVICE).unwrap();
    dir
}

pub fn command(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_auditfix"));
    command
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE");
    command
}

pub fn auditfix(dir: &Path, args: &[&str]) -> Output {
    command(dir, args)
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The `code`s of `check --format json` output, sorted.
pub fn codes(out: &Output) -> Vec<String> {
    let value: serde_json::Value = serde_json::from_str(&stdout(out)).expect("valid JSON");
    let mut codes: Vec<String> = value["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect();
    codes.sort();
    codes
}
