//! AUD003 missing-audit-setter
//!
//! ## What it does
//! Checks for write methods that never call the mixin's setter
//! (`set_created_by`, `set_updated_by`, `set_deleted_by`) on the entity they
//! write, for models that inherit the audit mixin.
//!
//! ## Why is this bad?
//! The setter is what fills `created_by_email` / `created_by_name` (and their
//! update and delete twins). Without it the row says nothing about who acted.
//!
//! ## Example
//! ```python
//! user = User(name=data.name)
//! self.db.add(user)
//! ```
//!
//! ## Use instead
//! ```python
//! user = User(name=data.name)
//! if audit_ctx:
//!     user.set_created_by(audit_ctx.user_email, audit_ctx.user_name)
//! self.db.add(user)
//! ```
//!
//! ## Fix safety
//! Safe. The guarded call is inserted before the entity is added or flushed,
//! together with the audit context and the user parameter when they are
//! missing. Models without the mixin never get it (see AUD011).
