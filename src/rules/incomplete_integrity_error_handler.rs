//! AUD008 incomplete-integrity-error-handler
//!
//! ## What it does
//! Checks `except IntegrityError` clauses of write methods that do not roll the
//! session back, or that stand after an `except Exception` clause (and so can
//! never run).
//!
//! ## Why is this bad?
//! Without a rollback the session stays unusable after the failed flush; a
//! clause after `except Exception` is dead code.
//!
//! ## Example
//! ```python
//! except Exception:
//!     raise
//! except IntegrityError as e:
//!     raise ValueError(str(e))
//! ```
//!
//! ## Use instead
//! ```python
//! except IntegrityError as e:
//!     await self.db.rollback()
//!     raise ValueError(str(e))
//! except Exception:
//!     raise
//! ```
//!
//! ## Fix safety
//! Safe: the rollback is inserted as the clause's first statement; a clause
//! after `except Exception` is moved before it.

use crate::analysis::functions::WriteMethod;
use crate::analysis::source::NodeExt;
use crate::analysis::source::{dotted_name, scope_descendants};
use crate::checker::Checker;
use crate::rules::{fix_parts, Rule};
use auditfix_transforms::{add_except_clause, insert_statements, snippets, Applicability, Fix};

pub fn check(checker: &mut Checker<'_>, method: &WriteMethod<'_>) {
    let settings = checker.settings;
    for node in method.nodes.iter().copied() {
        // Verify that the node is a `try` of this method.
        if node.kind_str() != "try_statement" {
            continue;
        }
        let clauses = fix_parts::except_clauses(node);
        for (i, clause) in clauses.iter().enumerate() {
            // Verify that the clause catches the integrity error.
            if !fix_parts::clause_catches(*clause, checker.text, &settings.integrity_error) {
                continue;
            }
            let Some(block) = clause
                .named_children(&mut clause.walk())
                .find(|c| c.kind_str() == "block")
            else {
                continue;
            };
            let header_end = block.start_byte().min(clause.end_byte());
            let header = clause.start_byte()..header_end;

            // A clause after a broad one never runs.
            if let Some(broad) = clauses[..i]
                .iter()
                .find(|c| fix_parts::is_broad_clause(**c, checker.text))
            {
                let message = format!(
                    "`except {}` in `{}` stands after `{}` and can never run",
                    settings.integrity_error,
                    method.function.qualified,
                    checker
                        .text_of(*broad)
                        .lines()
                        .next()
                        .unwrap_or("except")
                        .trim_end_matches(':'),
                );
                let fix = add_except_clause::move_clause_before(checker.text, *clause, *broad)
                    .and_then(|edits| Fix::from_edits(edits, Applicability::Safe));
                checker.report(
                    Rule::IncompleteIntegrityErrorHandler,
                    header.clone(),
                    Some(method),
                    message,
                    fix,
                );
            }

            // The clause must roll the session back.
            let rolls_back = scope_descendants(block).iter().any(|n| {
                n.kind_str() == "call"
                    && n.field("function")
                        .and_then(|f| dotted_name(f, checker.text))
                        .is_some_and(|f| f.ends_with(".rollback"))
            });
            if !rolls_back {
                let fix = crate::rules::missing_integrity_error_handler::await_prefix(method).and_then(|awaited| {
                    let text =
                        snippets::render(snippets::ROLLBACK, &[("await", awaited), ("session", &method.session)]);
                    insert_statements::insert_at_block_start(checker.text, block, &text, checker.stylist())
                        .map(Fix::safe_edit)
                });
                let message = format!(
                    "`except {}` in `{}` does not roll back `{}`: the session stays unusable after the failed flush",
                    settings.integrity_error, method.function.qualified, method.session,
                );
                checker.report(
                    Rule::IncompleteIntegrityErrorHandler,
                    header,
                    Some(method),
                    message,
                    fix,
                );
            }
        }
    }
}
