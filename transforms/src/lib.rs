//! `auditfix-transforms`: how to change Python source safely.
//!
//! This crate knows Python syntax (through tree-sitter-python) and nothing of
//! the audit standard. It never reads or writes the filesystem. Every
//! transform takes the source text, the tree-sitter node(s) to act on and the
//! file's [`Stylist`], and returns byte-range [`Edit`]s, or `None` when the
//! change cannot be made safely: transforms decline, they never guess.
//!
//! - [`edit`]: `Edit` (byte range + replacement) and `Fix` (edits + applicability).
//! - [`apply`]: applies edits and fixes; rejects overlaps with a typed error.
//! - [`style`]: indentation unit, line ending, BOM, final newline; re-indentation.
//! - one module per transform, named `verb_object`.
//! - [`snippets`]: the Python text that gets inserted, as readable templates.
//! - private helpers shared by the transforms: `lines` (line arithmetic over
//!   byte offsets, CRLF and a missing final newline included) and `lists`
//!   (comma-separated lists: add or remove items keeping their layout).
//!
//! Transforms work on the text the parser saw, BOM stripped: the caller
//! detects the [`Stylist`] on the file as read, strips a BOM before parsing,
//! applies the edits, and puts the BOM back when writing.

pub mod add_except_clause;
pub mod add_import;
pub mod add_parameter;
pub mod apply;
pub mod arguments;
pub mod delete_statements;
pub mod document_parameter;
pub mod edit;
pub mod insert_statements;
mod layout;
mod lines;
mod lists;
pub mod snippets;
mod stdlib;
pub mod style;
#[cfg(test)]
mod testing;
pub mod wrap_in_try;

pub use apply::{apply_edits, apply_fixes, ApplyError, FixOutcome};
pub use edit::{Applicability, Edit, Fix};
pub use style::Stylist;
