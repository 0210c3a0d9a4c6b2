//! Add or remove an imported name at module level.
//!
//! Adding `from module import name`:
//! 1. if the module already has `from module import ...` (not a star import),
//!    add the name to it (inside parentheses when it has them, keeping a
//!    trailing comma and the multi-line layout);
//! 2. else insert a new line after the last top-level import statement;
//! 3. with no import at all, after the module docstring and any
//!    `from __future__` import, else at the top (after a shebang, encoding
//!    line or leading comments).
//!
//! Returns `None` when the name is already imported from that module.
//! This transform does not decide *whether* a name needs importing (callers
//! know the bindings), nor the `import datetime` vs `from datetime import
//! datetime` question.

use crate::edit::Edit;
use crate::style::Stylist;
use tree_sitter::Node;

/// Add `from module import name` to the module whose tree root is `root`.
pub fn add_import(
    source: &str,
    root: Node<'_>,
    module: &str,
    name: &str,
    stylist: &Stylist,
) -> Option<Edit> {
    let _ = (source, root, module, name, stylist);
    todo!()
}

/// Remove `name` from a top-level `from ... import` statement that imports it
/// (the whole statement, with its line, when it is the only name). `None`
/// when no such import exists or the name is imported under an alias.
pub fn remove_import_name(source: &str, root: Node<'_>, name: &str) -> Option<Edit> {
    let _ = (source, root, name);
    todo!()
}
