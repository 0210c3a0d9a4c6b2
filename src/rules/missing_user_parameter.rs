//! AUD001 missing-user-parameter
//!
//! ## What it does
//! Checks for write methods that do not take the acting user as a parameter
//! (`created_by_user=None`, `updated_by_user=None`, `deleted_by_user=None`).
//!
//! ## Why is this bad?
//! Without the user, the method cannot record who created, updated or deleted
//! the row: the audit columns stay empty for every call.
//!
//! ## Example
//! ```python
//! async def create_user(self, user_data: UserCreate, target_tenant_id=None):
//!     ...
//! ```
//!
//! ## Use instead
//! ```python
//! async def create_user(self, user_data: UserCreate, target_tenant_id=None, created_by_user=None):
//!     ...
//! ```
//!
//! ## Fix safety
//! Safe. The parameter is added where no existing call can be affected: after
//! the existing parameters (before `**kwargs`), or keyword-only after `*args`.
//! It is never inserted in the middle of a signature, where calls passing later
//! arguments by position would silently bind them to the user.
