//! AUD015 unmapped-audit-attribute
//!
//! ## What it does
//! Checks for audit-looking attributes or constructor keywords
//! (`x.updated_by = ...`, `Model(created_by=...)`) that are not columns of the
//! model or of its bases.
//!
//! ## Why is this bad?
//! An attribute that is no column is silently lost; a constructor keyword that
//! is no column raises `TypeError` when the row is built.
//!
//! ## Example
//! ```python
//! connector = Connector(name=name, created_by=created_by_id)
//! ```
//!
//! ## Use instead
//! ```python
//! connector = Connector(name=name)
//! if audit_ctx:
//!     connector.set_created_by(audit_ctx.user_email, audit_ctx.user_name)
//! ```
//!
//! ## Fix safety
//! Unsafe: the attribute or keyword is removed and the setter call inserted.
