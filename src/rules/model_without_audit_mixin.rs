//! AUD011 model-without-audit-mixin
//!
//! ## What it does
//! Reports write methods whose model does not inherit the audit mixin,
//! directly or through a base class of the repository.
//!
//! ## Why is this bad?
//! Such a model has no audit columns: nobody knows who created or changed its
//! rows. It may be deliberate (list the model in `exempt-models` to say so).
//!
//! ## Example
//! ```python
//! class LogEntry(Base):
//!     ...
//! ```
//!
//! ## Use instead
//! ```python
//! class LogEntry(Base, AuditMixin):
//!     ...
//! ```
//!
//! ## Fix safety
//! None: whether a model should carry the mixin is an architecture decision.
