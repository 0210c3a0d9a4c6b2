//! Facts about Python code computed from the tree-sitter tree, with no rule
//! logic: the parsed file, write methods, models and mixins, module-level
//! bindings, and the repository index that joins them.

pub mod calls;
pub mod functions;
pub mod indentation;
pub mod index;
pub mod module;
pub mod resolve;
pub mod source;
pub mod values;
