//! Add or move `except` clauses of a `try` statement.
//!
//! Cases:
//! 1. insert a clause before a given clause (typically `except Exception`),
//!    at the `try`'s indentation;
//! 2. with no clause given, after the last `except` clause (before `else` /
//!    `finally`), or before `finally` when there is no `except` clause;
//! 3. move an existing clause so it stands before another one.

use crate::edit::Edit;
use crate::style::Stylist;
use tree_sitter::Node;

/// Insert `clause_template` (an `except ...:` line and its body, at level 0)
/// into `try_statement`, before `before` when given.
pub fn add_except_clause(
    source: &str,
    try_statement: Node<'_>,
    before: Option<Node<'_>>,
    clause_template: &str,
    stylist: &Stylist,
) -> Option<Edit> {
    let _ = (source, try_statement, before, clause_template, stylist);
    todo!()
}

/// Move `clause` (an `except_clause` node of a `try`) so that it stands
/// before `before` (another clause of the same `try`). Two edits: the
/// deletion of the clause's lines and their insertion before `before`.
pub fn move_clause_before(source: &str, clause: Node<'_>, before: Node<'_>) -> Option<Vec<Edit>> {
    let _ = (source, clause, before);
    todo!()
}
