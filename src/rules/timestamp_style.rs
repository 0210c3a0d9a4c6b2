//! AUD006 timestamp-style
//!
//! ## What it does
//! Checks write methods for timestamps in the other style than the configured
//! one: `datetime.now(timezone.utc)` or `datetime.utcnow()` in a project that
//! uses naive `datetime.now()` (the default), or naive calls in a project that
//! chose aware timestamps.
//!
//! ## Why is this bad?
//! Mixing naive and aware datetimes in one audit trail makes comparisons raise
//! `TypeError` and shifts times by the server's offset.
//!
//! ## Example
//! ```python
//! configuration.updated_at = datetime.now(timezone.utc)
//! ```
//!
//! ## Use instead
//! ```python
//! configuration.updated_at = datetime.now()
//! ```
//!
//! ## Fix safety
//! Safe. The call is rewritten to the configured style; an import left unused
//! by the rewrite (`timezone`) is removed.
