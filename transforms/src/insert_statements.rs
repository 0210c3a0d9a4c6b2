//! Insert statements into a block, re-indented to the block.
//!
//! Statements come as a template (see [`crate::style::Stylist::reindent`]).
//! Cases:
//! 1. before a statement: the text goes at the start of the statement's line,
//!    at the statement's indentation;
//! 2. after a statement: at the start of the line that follows the
//!    statement's last line (comments trailing on that line stay with it);
//! 3. at the start of a block, after its docstring if it has one.
//!
//! Returns `None` when the statement does not start its own line (`x = 1; y = 2`
//! or a one-line `if x: y`), since inserting there cannot keep the layout.

use crate::edit::Edit;
use crate::style::Stylist;
use tree_sitter::Node;

/// Insert `template` on its own lines before `statement`.
pub fn insert_before(
    source: &str,
    statement: Node<'_>,
    template: &str,
    stylist: &Stylist,
) -> Option<Edit> {
    let _ = (source, statement, template, stylist);
    todo!()
}

/// Insert `template` on its own lines after `statement`.
pub fn insert_after(
    source: &str,
    statement: Node<'_>,
    template: &str,
    stylist: &Stylist,
) -> Option<Edit> {
    let _ = (source, statement, template, stylist);
    todo!()
}

/// Insert `template` at the start of `block` (a tree-sitter `block` node),
/// after its docstring if the first statement is a string expression.
pub fn insert_at_block_start(
    source: &str,
    block: Node<'_>,
    template: &str,
    stylist: &Stylist,
) -> Option<Edit> {
    let _ = (source, block, template, stylist);
    todo!()
}
