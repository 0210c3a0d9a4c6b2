//! AUD005 server-side-timestamp-assignment
//!
//! ## What it does
//! Checks for `func.now()` assigned to an attribute from Python
//! (`user.updated_at = func.now()`).
//!
//! ## Why is this bad?
//! `func.now()` assigned in Python is a SQL expression, not a time: the
//! attribute holds an expression object until the row is flushed and
//! refreshed, and the value comes from the database clock rather than the
//! application's, unlike every other timestamp the standard sets.
//!
//! ## Example
//! ```python
//! user.updated_at = func.now()
//! ```
//!
//! ## Use instead
//! ```python
//! user.updated_at = datetime.now()
//! ```
//!
//! ## Fix safety
//! Safe. The expression becomes the configured timestamp; the `func` import is
//! removed when nothing else uses it.
