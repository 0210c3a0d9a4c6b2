//! Delete statements, whole lines at a time.
//!
//! Deletes from the start of the first statement's line to the end of the
//! last statement's line (its line ending included). Returns `None` when the
//! deletion would leave the enclosing block empty (the caller must delete the
//! enclosing statement instead), or when a statement shares its line with
//! another statement.

use crate::edit::Edit;
use tree_sitter::Node;

/// Delete the statements `first..=last` (siblings in one block).
pub fn delete_statements(source: &str, first: Node<'_>, last: Node<'_>) -> Option<Edit> {
    let _ = (source, first, last);
    todo!()
}
