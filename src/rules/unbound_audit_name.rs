//! AUD009 unbound-audit-name
//!
//! ## What it does
//! Checks for names the standard's code uses (`IntegrityError`, `datetime`,
//! `AuditContext`, `timezone` in aware mode) that the module never binds,
//! neither by import nor through a star import of a module of the repository
//! that exports them.
//!
//! ## Why is this bad?
//! The code raises `NameError` the first time that line runs, typically in an
//! error path that tests never reach.
//!
//! ## Example
//! ```python
//! try:
//!     ...
//! except IntegrityError:  # never imported
//!     ...
//! ```
//!
//! ## Use instead
//! ```python
//! from sqlalchemy.exc import IntegrityError
//! ```
//!
//! ## Fix safety
//! Safe: the import is added with the module's other imports.
