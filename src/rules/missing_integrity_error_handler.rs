//! AUD007 missing-integrity-error-handler
//!
//! ## What it does
//! Checks for write methods with no `except IntegrityError` clause around
//! the write.
//!
//! ## Why is this bad?
//! A unique or foreign-key violation escapes as a raw `IntegrityError` and the
//! session is left in a failed state for everything that follows in the same
//! request.
//!
//! ## Example
//! ```python
//! try:
//!     self.db.add(user)
//!     await self.db.flush()
//! except Exception:
//!     raise
//! ```
//!
//! ## Use instead
//! ```python
//! try:
//!     self.db.add(user)
//!     await self.db.flush()
//! except IntegrityError as e:
//!     await self.db.rollback()
//!     logger.error(f"Failed to create user - IntegrityError: {e}")
//!     raise ValueError(f"Database constraint violation: {e}") from e
//! except Exception:
//!     raise
//! ```
//!
//! ## Fix safety
//! Safe where a `try` exists: the clause is inserted before `except
//! Exception` (or after the last clause), with the import. Unsafe where the
//! body must be wrapped in a new `try`: callers that expected the raw
//! exception now get a `ValueError`.
