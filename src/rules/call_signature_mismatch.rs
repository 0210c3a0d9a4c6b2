//! AUD014 call-signature-mismatch
//!
//! ## What it does
//! Checks for resolved calls that pass a keyword the method does not take, or
//! too many positional arguments.
//!
//! ## Why is this bad?
//! It is a `TypeError` at run time, usually left behind by a parameter renamed
//! by hand (`created_by=` to `created_by_user=`).
//!
//! ## Example
//! ```python
//! await service.create_plan(title, created_by=user)
//! ```
//!
//! ## Use instead
//! ```python
//! await service.create_plan(title, created_by_user=user)
//! ```
//!
//! ## Fix safety
//! Unsafe: the keyword is renamed at the call when the rename is unambiguous.
