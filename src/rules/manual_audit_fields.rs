//! AUD010 manual-audit-fields
//!
//! ## What it does
//! Checks for audit columns of the mixin set by hand (`plan.created_by_email =
//! ...`, `Connector(created_by_name=...)`) instead of through the setter.
//!
//! ## Why is this bad?
//! Hand-set columns drift from the standard (emails made up from ids, names
//! left empty) and bypass whatever the setter does besides assigning.
//!
//! ## Example
//! ```python
//! plan.created_by_email = created_by.email
//! plan.created_by_name = created_by.name
//! ```
//!
//! ## Use instead
//! ```python
//! if audit_ctx:
//!     plan.set_created_by(audit_ctx.user_email, audit_ctx.user_name)
//! ```
//!
//! ## Fix safety
//! Unsafe: the hand-written assignments (and the branches that only hold them)
//! are removed and the setter call is inserted; what the old code computed
//! (`user-<id>` fallbacks, say) is no longer written.
