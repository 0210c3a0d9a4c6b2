//! AUD013 positional-shift
//!
//! ## What it does
//! Checks for calls that pass, by position, an argument that lands in a user
//! parameter.
//!
//! ## Why is this bad?
//! A tenant id or a flag silently becomes "the user": the audit context is
//! built from the wrong object.
//!
//! ## Example
//! ```python
//! service.create_user(data, tenant_id)  # lands in created_by_user
//! ```
//!
//! ## Use instead
//! ```python
//! service.create_user(data, target_tenant_id=tenant_id)
//! ```
//!
//! ## Fix safety
//! None, or unsafe where the argument's intended parameter is unambiguous.
