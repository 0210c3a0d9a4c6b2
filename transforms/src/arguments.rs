//! Edit the arguments of a call or a keyword argument.
//!
//! Removing an argument takes its separating comma with it (the one before
//! it when it is the last argument, else the one after), and its whole line
//! when it stands on a line of its own, so that the remaining arguments keep
//! their layout and trailing-comma style.

use crate::edit::Edit;
use crate::style::Stylist;
use tree_sitter::Node;

/// Remove `argument` (a child of an `argument_list`).
pub fn remove_argument(source: &str, argument: Node<'_>) -> Option<Edit> {
    let _ = (source, argument);
    todo!()
}

/// Remove several arguments of one `argument_list` at once, as one edit set
/// that never overlaps itself (adjacent arguments share commas).
pub fn remove_arguments(source: &str, arguments: &[Node<'_>]) -> Option<Vec<Edit>> {
    let _ = (source, arguments);
    todo!()
}

/// Append a keyword argument `text` (e.g. `created_by_user=current_user`) to
/// `argument_list`, after the last argument but before `*args`/`**kwargs`
/// splats only when it can keep their meaning; keeps the multi-line layout.
pub fn add_keyword_argument(
    source: &str,
    argument_list: Node<'_>,
    text: &str,
    stylist: &Stylist,
) -> Option<Edit> {
    let _ = (source, argument_list, text, stylist);
    todo!()
}

/// Replace a node's text.
pub fn replace_node(node: Node<'_>, text: &str) -> Edit {
    Edit::replacement(text, node.start_byte(), node.end_byte())
}
