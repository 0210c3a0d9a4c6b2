//! The resolved standard: every name the rules look for or insert.
//!
//! [`Settings::default`] is the report's Gold Standard, so the report's
//! codebase needs no configuration. `config.rs` turns configuration files and
//! command-line flags into one `Settings`; nothing else reads configuration.

use serde::Serialize;

/// What a write method does to its entity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Create,
    Update,
    Delete,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Create, Kind::Update, Kind::Delete];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Create => "create",
            Kind::Update => "update",
            Kind::Delete => "delete",
        }
    }
}

/// One value per [`Kind`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PerKind<T> {
    pub create: T,
    pub update: T,
    pub delete: T,
}

impl<T> PerKind<T> {
    pub fn get(&self, kind: Kind) -> &T {
        match kind {
            Kind::Create => &self.create,
            Kind::Update => &self.update,
            Kind::Delete => &self.delete,
        }
    }
}

/// Naive `datetime.now()` or aware `datetime.now(timezone.utc)` (S5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TimestampStyle {
    Naive,
    Aware,
}

/// The audit standard, fully resolved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Settings {
    /// The audit context class (`AuditContext`).
    pub context_class: String,
    /// The module it is imported from (`app.features.core.audit_mixin`).
    pub context_module: String,
    /// Its constructor from a user (`from_user`).
    pub context_constructor: String,
    /// The local variable holding the context (`audit_ctx`).
    pub context_variable: String,
    /// The mixin class that provides the setters (`AuditMixin`).
    pub mixin_class: String,
    /// Setter per kind (`set_created_by`, `set_updated_by`, `set_deleted_by`).
    pub setters: PerKind<String>,
    /// User parameter per kind (`created_by_user`, ...).
    pub user_parameters: PerKind<String>,
    /// Timestamp columns each kind must set (`created_at` + `updated_at`, ...).
    pub timestamp_fields: PerKind<Vec<String>>,
    /// Prefix of the audit columns the setter of each kind fills
    /// (`created_by`: `created_by_email`, `created_by_name`, ...).
    pub audit_column_prefixes: PerKind<String>,
    pub timestamp_style: TimestampStyle,
    /// Method-name glob patterns per kind (`create_*`, ...).
    pub method_patterns: PerKind<Vec<String>>,
    /// Session expressions (`self.db`, `self.session`, `db`, `session`).
    pub session_expressions: Vec<String>,
    /// The integrity error class and its module (`IntegrityError`, `sqlalchemy.exc`).
    pub integrity_error: String,
    pub integrity_error_module: String,
    /// Models exempt from the mixin requirement (AUD011 stays quiet for them).
    pub exempt_models: Vec<String>,
    /// Names of variables that hold the acting user (`current_user`).
    pub current_user_names: Vec<String>,
    /// Dependency functions that provide the acting user (`get_current_user`).
    pub user_dependencies: Vec<String>,
    /// Folder and file names (globs, without `.py`) of modules that are no
    /// service code: tests, fixtures, migrations, seeds and scripts. Their
    /// functions are never write methods (their calls are still callers).
    pub script_paths: Vec<String>,
    /// How the project lays out code (line length, its own packages), so
    /// that fixes read as its formatter writes: not part of the standard,
    /// filled in when the files are known.
    #[serde(skip)]
    pub code_style: crate::code_style::CodeStyle,
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            context_class: "AuditContext".into(),
            context_module: "app.features.core.audit_mixin".into(),
            context_constructor: "from_user".into(),
            context_variable: "audit_ctx".into(),
            mixin_class: "AuditMixin".into(),
            setters: PerKind {
                create: "set_created_by".into(),
                update: "set_updated_by".into(),
                delete: "set_deleted_by".into(),
            },
            user_parameters: PerKind {
                create: "created_by_user".into(),
                update: "updated_by_user".into(),
                delete: "deleted_by_user".into(),
            },
            timestamp_fields: PerKind {
                create: strings(&["created_at", "updated_at"]),
                update: strings(&["updated_at"]),
                delete: strings(&["deleted_at"]),
            },
            audit_column_prefixes: PerKind {
                create: "created_by".into(),
                update: "updated_by".into(),
                delete: "deleted_by".into(),
            },
            timestamp_style: TimestampStyle::Naive,
            method_patterns: PerKind {
                create: strings(&["create_*", "add_*", "install_*", "register_*"]),
                update: strings(&["update_*", "activate_*", "deactivate_*", "set_*", "rename_*"]),
                delete: strings(&["delete_*", "remove_*", "archive_*"]),
            },
            session_expressions: strings(&["self.db", "self.session", "db", "session"]),
            integrity_error: "IntegrityError".into(),
            integrity_error_module: "sqlalchemy.exc".into(),
            exempt_models: Vec::new(),
            code_style: crate::code_style::CodeStyle::default(),
            script_paths: strings(&[
                "tests",
                "test",
                "testing",
                "fixtures",
                "migrations",
                "alembic",
                "seeds",
                "seed",
                "scripts",
                "conftest",
                "test_*",
                "*_test",
                "seed_*",
            ]),
            current_user_names: strings(&["current_user"]),
            user_dependencies: strings(&["get_current_user"]),
        }
    }
}

impl Settings {
    /// The kind a method name announces, if any (first matching pattern wins,
    /// kinds tried in the order create, update, delete).
    /// Whether the module `dotted` (named from its path) is a test, fixture,
    /// migration, seed or script module by [`Settings::script_paths`].
    pub fn is_script_module(&self, dotted: &str) -> bool {
        is_script_module(&self.script_paths, dotted)
    }

    pub fn kind_from_name(&self, name: &str) -> Option<Kind> {
        Kind::ALL
            .into_iter()
            .find(|kind| self.method_patterns.get(*kind).iter().any(|p| glob_match(p, name)))
    }
}

/// Whether the module `dotted` is a script module by `script_paths` (see
/// [`Settings::is_script_module`]).
pub fn is_script_module(script_paths: &[String], dotted: &str) -> bool {
    dotted
        .split('.')
        .any(|part| script_paths.iter().any(|p| glob_match(p, part)))
}

/// `*` matches any run of characters, `?` one character; nothing else is special.
pub fn glob_match(pattern: &str, name: &str) -> bool {
    fn go(p: &[u8], n: &[u8]) -> bool {
        match (p.first(), n.first()) {
            (None, None) => true,
            (Some(b'*'), _) => go(&p[1..], n) || (!n.is_empty() && go(p, &n[1..])),
            (Some(b'?'), Some(_)) => go(&p[1..], &n[1..]),
            (Some(a), Some(b)) if a == b => go(&p[1..], &n[1..]),
            _ => false,
        }
    }
    go(pattern.as_bytes(), name.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_come_from_method_names() {
        let s = Settings::default();
        assert_eq!(s.kind_from_name("create_user"), Some(Kind::Create));
        assert_eq!(s.kind_from_name("install_connector"), Some(Kind::Create));
        assert_eq!(s.kind_from_name("deactivate_smtp_configuration"), Some(Kind::Update));
        assert_eq!(s.kind_from_name("archive_plan"), Some(Kind::Delete));
        assert_eq!(s.kind_from_name("get_user"), None);
        assert_eq!(s.kind_from_name("created"), None);
    }

    #[test]
    fn glob_matches_stars_and_marks() {
        assert!(glob_match("create_*", "create_"));
        assert!(glob_match("*_user", "add_user"));
        assert!(glob_match("a?c", "abc"));
        assert!(!glob_match("a?c", "ac"));
    }
}
