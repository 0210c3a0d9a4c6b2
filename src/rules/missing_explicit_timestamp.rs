//! AUD004 missing-explicit-timestamp
//!
//! ## What it does
//! Checks for write methods that do not set the timestamp columns explicitly in
//! Python: `created_at` and `updated_at` on create, `updated_at` on update,
//! `deleted_at` on soft delete.
//!
//! ## Why is this bad?
//! Relying on server defaults or `onupdate` hooks leaves the in-memory object
//! without its timestamps after a flush, and fails with `NotNullViolationError`
//! where the column has no server default.
//!
//! ## Example
//! ```python
//! content = ContentItem(title=title)
//! self.db.add(content)
//! ```
//!
//! ## Use instead
//! ```python
//! content = ContentItem(title=title)
//! content.created_at = datetime.now()
//! content.updated_at = datetime.now()
//! self.db.add(content)
//! ```
//!
//! ## Fix safety
//! Safe. The assignments are inserted before the add/flush, in the configured
//! timestamp style, with `from datetime import datetime` when the module lacks
//! it (or `datetime.datetime.now()` in a module that imports `datetime`).
//! Columns the model does not have are never assigned.
