//! Add a parameter to a function definition without shifting any argument.
//!
//! A parameter inserted in the middle of a signature silently rebinds every
//! call that passed later arguments by position. So the new parameter goes:
//! 1. after the last positional parameter when there is no `*args` and no
//!    bare `*` (a call can pass at most as many positionals as exist, so
//!    appending shifts nothing);
//! 2. after `*args` or the bare `*` (keyword-only) when there is one;
//! 3. always before `**kwargs`;
//! 4. after `/` when it is the last positional marker.
//!
//! Trailing commas and multi-line signatures keep their layout (a new line at
//! the same indentation as the other parameters, with a trailing comma when
//! the others have one). Returns `None` when the name is already a parameter,
//! or the parameter list cannot be found.

use crate::edit::Edit;
use crate::style::Stylist;
use tree_sitter::Node;

/// Add `parameter` (e.g. `created_by_user=None`) to `function`, a
/// `function_definition` node.
pub fn add_parameter(
    source: &str,
    function: Node<'_>,
    parameter: &str,
    stylist: &Stylist,
) -> Option<Edit> {
    let _ = (source, function, parameter, stylist);
    todo!()
}
