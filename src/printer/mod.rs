//! Rendering results: text, JSON, SARIF, GitHub annotations, JUnit,
//! Markdown, unified diffs. Printers take `&mut dyn Write`, so tests render
//! into a `Vec<u8>`; none of them touches the filesystem or the environment
//! (color is decided by the caller, see [`diff::colored_by_default`]).
//!
//! What does not live here: deciding what the findings are (the rules and
//! the pipeline) and writing files (`write.rs`).

pub mod diff;
pub mod github;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod report;
pub mod sarif;
pub mod text;

use crate::diagnostic::CheckResult;
use std::io::{self, Write};
use std::path::Path;

/// `--format` of `check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// `path:line:col: CODE message` with a source excerpt (ruff style).
    Text,
    /// `path:line:col: CODE [*] message`, one line per finding (ruff's `concise`).
    Concise,
    /// One JSON object: `findings`, `errors`, `summary` (fields in the README).
    Json,
    /// SARIF 2.1.0, for code-scanning dashboards.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=...`).
    Github,
    /// JUnit XML: a test suite per file, a test case per write method.
    Junit,
    /// The "Detailed Audit Results" section of a Markdown report.
    Markdown,
}

/// How to print.
#[derive(Clone, Copy, Debug, Default)]
pub struct PrintOptions {
    /// ANSI colors.
    pub color: bool,
    /// A count per rule instead of each finding (`--statistics`; text and JSON).
    pub statistics: bool,
    /// One line per finding, no excerpt (`--format concise`).
    pub concise: bool,
    /// Every note, also those on single places left unchecked (`--verbose`).
    pub verbose: bool,
}

/// Print a check result in `format`.
pub fn print_check(
    out: &mut dyn Write,
    result: &CheckResult,
    format: Format,
    options: &PrintOptions,
) -> io::Result<()> {
    match format {
        Format::Text => text::print(out, result, options),
        Format::Json if options.statistics => json::print_statistics(out, result),
        Format::Concise => text::print(
            out,
            result,
            &PrintOptions {
                concise: true,
                ..*options
            },
        ),
        Format::Json => json::print(out, result),
        Format::Sarif => sarif::print(out, result),
        Format::Github => github::print(out, result),
        Format::Junit => junit::print(out, result),
        Format::Markdown => markdown::print(out, result),
    }
}

/// A path as text with `/` separators, whatever the platform.
pub(crate) fn slash_path(path: &Path) -> String {
    let text = path.to_string_lossy();
    if std::path::MAIN_SEPARATOR == '\\' {
        text.replace('\\', "/")
    } else {
        text.into_owned()
    }
}

/// A path as shown in a line of human-readable output: [`slash_path`],
/// with control characters escaped (`\n`, `\u{1b}`), so that a newline in a
/// file name cannot split an error line in two, nor an escape sequence in
/// one reach the terminal. Machine formats (JSON, SARIF) escape on their own
/// and use [`slash_path`].
pub fn shown_path(path: &Path) -> String {
    escape_controls(&slash_path(path))
}

/// `text` with control characters but tabs escaped as Rust escapes them
/// (`\n`, `\u{1b}`): what a terminal would act on instead of showing.
pub fn escape_controls(text: &str) -> String {
    let escaped = |c: char| c.is_control() && c != '\t';
    if !text.chars().any(escaped) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if escaped(c) {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    out
}

pub(crate) use crate::diagnostic::Counts;

/// `1 finding`, `2 findings`.
pub(crate) fn plural(count: usize, word: &str) -> String {
    if count == 1 {
        format!("{count} {word}")
    } else {
        format!("{count} {word}s")
    }
}

/// ANSI styling that is a no-op when color is off.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Paint {
    pub enabled: bool,
}

impl Paint {
    pub const BOLD: &'static str = "1";
    pub const RED: &'static str = "31";
    pub const GREEN: &'static str = "32";
    pub const CYAN: &'static str = "36";
    pub const BOLD_RED: &'static str = "1;31";
    pub const BOLD_BLUE: &'static str = "1;34";

    pub fn paint(self, style: &str, text: &str) -> String {
        if self.enabled && !text.is_empty() {
            format!("\x1b[{style}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

#[cfg(test)]
pub(crate) mod fixtures {
    //! A small hand-built result every printer test renders.

    use crate::diagnostic::{location, CheckResult, Diagnostic, Excerpts, FileError, FileReport};
    use crate::rules::Rule;
    use auditfix_transforms::{Edit, Fix};
    use std::path::PathBuf;

    pub const SERVICE: &str = "\
from app.models import User


class UserService:
    async def create_user(self, name):
        user = User(name=name)
        self.db.add(user)
        await self.db.flush()
        return user

    async def update_user(self, user, name):
        user.name = name
        await self.db.flush()
";

    pub const MODELS: &str = "class Plan(Base):\n    __tablename__ = \"plans\"\n";

    /// A finding of `rule` on the first occurrence of `needle` in `source`.
    pub fn diagnostic(
        rule: Rule,
        source: &str,
        needle: &str,
        message: &str,
        function: Option<&str>,
        fix: Option<Fix>,
    ) -> Diagnostic {
        let start = source.find(needle).expect("needle in source");
        let end = start + needle.len();
        Diagnostic {
            rule,
            message: message.to_string(),
            range: start..end,
            start: location(source, start),
            end: location(source, end),
            function: function.map(str::to_string),
            fix,
            also_changes: Vec::new(),
        }
    }

    pub fn result() -> CheckResult {
        let add = SERVICE.find("        self.db.add(user)").unwrap();
        let timestamp_fix = Fix::safe_edit(Edit::insertion(
            "        user.created_at = datetime.now()\n        user.updated_at = datetime.now()\n",
            add,
        ));
        let params = SERVICE.find("self, name):").unwrap() + "self, name".len();
        let parameter_fix = Fix::safe_edit(Edit::insertion(", created_by_user=None", params));
        let flush = SERVICE.rfind("        await self.db.flush()\n").unwrap();
        let wrap_fix = Fix::unsafe_edits(
            Edit::insertion("        try:\n", flush),
            [Edit::replacement(
                "    await self.db.flush()\n        except IntegrityError:\n            raise",
                flush + 4,
                flush + "        await self.db.flush()".len(),
            )],
        );
        let service = FileReport {
            path: PathBuf::from("app/services/user.py"),
            excerpts: Excerpts::default(),
            diagnostics: vec![
                diagnostic(
                    Rule::MissingUserParameter,
                    SERVICE,
                    "create_user",
                    "`UserService.create_user` does not take the acting user: add `created_by_user=None`",
                    Some("UserService.create_user"),
                    Some(parameter_fix),
                ),
                diagnostic(
                    Rule::MissingExplicitTimestamp,
                    SERVICE,
                    "self.db.add(user)",
                    "`user` is added without setting `created_at`, `updated_at`",
                    Some("UserService.create_user"),
                    Some(timestamp_fix),
                ),
                diagnostic(
                    Rule::MissingIntegrityErrorHandler,
                    SERVICE,
                    "await self.db.flush()\n",
                    "no `except IntegrityError` around the flush in `UserService.update_user`",
                    Some("UserService.update_user"),
                    Some(wrap_fix),
                ),
            ],
            write_methods: vec![
                "UserService.create_user".to_string(),
                "UserService.update_user".to_string(),
            ],
        };
        // The third finding is on the second flush (update_user).
        let mut service = service;
        let second = SERVICE.rfind("await self.db.flush()").unwrap();
        let d = &mut service.diagnostics[2];
        d.range = second..second + "await self.db.flush()".len();
        d.start = location(SERVICE, d.range.start);
        d.end = location(SERVICE, d.range.end);
        service.excerpts = Excerpts::of(SERVICE, &service.diagnostics);

        let models = FileReport {
            path: PathBuf::from("app/models/plan.py"),
            excerpts: Excerpts::default(),
            diagnostics: vec![diagnostic(
                Rule::ModelWithoutAuditMixin,
                MODELS,
                "Plan",
                "model `Plan` does not inherit `AuditMixin`: no `set_created_by` | 50% \"audited\"",
                None,
                None,
            )],
            write_methods: vec![],
        };
        let mut models = models;
        models.excerpts = Excerpts::of(MODELS, &models.diagnostics);
        let clean = FileReport {
            path: PathBuf::from("app/services/clean.py"),
            excerpts: Excerpts::default(),
            diagnostics: vec![],
            write_methods: vec!["create_x".to_string()],
        };
        CheckResult {
            files: vec![models, clean, service],
            errors: vec![FileError {
                path: PathBuf::from("app/legacy, old.py"),
                message: "not valid UTF-8: invalid byte at offset 12 <\u{1}>".to_string(),
            }],
            notes: vec![
                "`AuditMixin` in app/core/audit_mixin.py has no `set_deleted_by`: AUD003 is not reported for deletes"
                    .to_string(),
            ],
            files_checked: 4,
            warnings: vec![],
            details: vec![
                "app/routes/users.py:12: `svc.create_user(name)` cannot be resolved to a definition; not checked (AUD012-AUD014)"
                    .to_string(),
            ],
        }
    }
}
