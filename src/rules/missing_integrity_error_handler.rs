//! AUD007 missing-integrity-error-handler
//!
//! ## What it does
//! Checks for write methods with no `except IntegrityError` clause around
//! the write.
//!
//! ## Why is this bad?
//! A unique or foreign-key violation escapes as a raw `IntegrityError` and the
//! session is left in a failed state for everything that follows in the same
//! request.
//!
//! ## Example
//! ```python
//! try:
//!     self.db.add(user)
//!     await self.db.flush()
//! except Exception:
//!     raise
//! ```
//!
//! ## Use instead
//! ```python
//! try:
//!     self.db.add(user)
//!     await self.db.flush()
//! except IntegrityError as e:
//!     await self.db.rollback()
//!     logger.error(f"Failed to create user - IntegrityError: {e}")
//!     raise ValueError(f"Database constraint violation: {e}") from e
//! except Exception:
//!     raise
//! ```
//!
//! ## Fix safety
//! Safe where a `try` exists: the clause is inserted before `except
//! Exception` (or after the last clause), with the import. Unsafe where the
//! body must be wrapped in a new `try`: callers that expected the raw
//! exception now get a `ValueError`.

use crate::analysis::functions::WriteMethod;
use crate::analysis::source::NodeExt;
use crate::analysis::source::{contains, scope_descendants};
use crate::analysis::values::SessionKind;
use crate::checker::Checker;
use crate::rules::{fix_parts, Rule};
use auditfix_transforms::{add_except_clause, snippets, wrap_in_try, Applicability, Fix};

pub fn check(checker: &mut Checker<'_>, method: &WriteMethod<'_>) {
    let settings = checker.settings;
    let Some(write) = method.first_write() else {
        return;
    };
    // Verify that no `try` around the first write catches the integrity error.
    let mut node = write.call;
    while let Some(parent) = node.parent() {
        if parent.id() == method.function.node.id() {
            break;
        }
        if parent.kind_str() == "try_statement"
            && parent.field("body").is_some_and(|b| contains(b, write.call))
            && fix_parts::except_clauses(parent)
                .iter()
                .any(|c| fix_parts::clause_catches(*c, checker.text, &settings.integrity_error))
        {
            return;
        }
        node = parent;
    }
    let Some(name) = method.function.node.field("name") else {
        return;
    };
    // The handler names the session: it must be bound before any statement
    // of the body runs (a parameter or `self`), not only inside a `with`.
    let head = method.session.split('.').next().unwrap_or_default();
    let session_bound = head == "self" || method.function.param(head).is_some();
    // A generator (a FastAPI dependency, a context manager) hands control
    // to its consumer at each `yield`: a handler around one would catch
    // what the consumer raises, too.
    let around = method
        .enclosing_try()
        .and_then(|t| t.field("body"))
        .unwrap_or(method.function.body);
    // A `yield` is written so: a text without the word holds none.
    let yields = checker.text[around.byte_range()].contains("yield")
        && scope_descendants(around).iter().any(|n| n.kind_str() == "yield");
    let clause = handler(checker, method).filter(|_| session_bound && !yields);
    let fix = match (clause, method.enclosing_try()) {
        (None, _) => None,
        (Some(clause), Some(try_statement)) => {
            let before = fix_parts::except_clauses(try_statement)
                .into_iter()
                .find(|c| fix_parts::is_broad_clause(*c, checker.text));
            add_except_clause::add_except_clause(checker.text, try_statement, before, &clause, checker.stylist())
                .and_then(|edit| with_import(checker, edit, Applicability::Safe))
        }
        (Some(clause), None) => {
            let stmts = fix_parts::body_statements(method.function.body);
            match (stmts.first(), stmts.last()) {
                (Some(first), Some(last)) => {
                    wrap_in_try::wrap_in_try(checker.text, *first, *last, &clause, checker.stylist())
                        .and_then(|edit| with_import(checker, edit, Applicability::Unsafe))
                }
                _ => None,
            }
        }
    };
    let mut message = format!(
        "`{}` writes through `{}` but has no `except {}` clause: a constraint violation escapes unhandled and the session is not rolled back",
        method.function.qualified, method.session, settings.integrity_error,
    );
    if fix.is_none() && yields {
        message.push_str(
            "; not fixed: the code it would guard yields, so the handler would also catch what the generator's consumer raises",
        );
    } else if fix.is_none() && !session_bound {
        message.push_str(&format!(
            "; not fixed: `{}` is bound inside the body, so a handler around it could not roll it back",
            method.session
        ));
    } else if fix.is_none() && method.session_kind == SessionKind::Unknown {
        message.push_str(&format!(
            "; not fixed: whether `{}` is a sync or an async session is not proven (annotate it `Session` or `AsyncSession`)",
            method.session
        ));
    }
    checker.report(
        Rule::MissingIntegrityErrorHandler,
        name.byte_range(),
        Some(method),
        message,
        fix,
    );
}

fn with_import(checker: &Checker<'_>, edit: auditfix_transforms::Edit, applicability: Applicability) -> Option<Fix> {
    let mut edits = fix_parts::import(
        checker,
        &checker.settings.integrity_error_module,
        &checker.settings.integrity_error,
    )?;
    edits.push(edit);
    Fix::from_edits(edits, applicability)
}

/// `await ` for an async session, nothing for a sync one; `None` when the
/// session's kind is not proven (a rollback that is awaited on a sync
/// session, or not awaited on an async one, fails when the constraint fires).
pub fn await_prefix(method: &WriteMethod<'_>) -> Option<&'static str> {
    match method.session_kind {
        SessionKind::Async => Some("await "),
        SessionKind::Sync => Some(""),
        SessionKind::Unknown => None,
    }
}

/// The `except IntegrityError as e:` clause for this method; `None` when
/// the session's kind is not proven.
pub fn handler(checker: &Checker<'_>, method: &WriteMethod<'_>) -> Option<String> {
    let awaited = await_prefix(method)?;
    let log = if checker.index.is_bound(checker.module, "logger") {
        format!(
            "logger.error(f\"Failed to {} - IntegrityError: {{e}}\")",
            fix_parts::words(&method.function.name)
        )
    } else {
        String::new()
    };
    Some(snippets::render(
        snippets::INTEGRITY_HANDLER,
        &[
            ("integrity_error", &checker.settings.integrity_error),
            ("await", awaited),
            ("session", &method.session),
            ("log", &log),
        ],
    ))
}
