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

use crate::analysis::functions::WriteMethod;
use crate::checker::Checker;
use crate::rules::{fix_parts, Rule};
use auditfix_transforms::{Applicability, Fix};

pub fn check(checker: &mut Checker<'_>, method: &WriteMethod<'_>) {
    // Verify that rows are stamped: a hard delete leaves none.
    if method.hard_delete {
        return;
    }
    for entity in &method.entities {
        // Verify which timestamp columns the model has (all, when unknown).
        let columns = entity
            .model
            .as_deref()
            .filter(|m| checker.index.columns_are_complete(m))
            .and_then(|m| checker.index.columns(m));
        let keywords = entity.constructor_keywords(checker.text);
        let missing: Vec<&str> = checker
            .settings
            .timestamp_fields
            .get(method.kind)
            .iter()
            .map(String::as_str)
            .filter(|field| columns.as_ref().is_none_or(|c| c.contains(*field)))
            .filter(|field| !entity.attribute_writes.iter().any(|w| w.attribute == *field))
            .filter(|field| !keywords.iter().any(|(k, _)| k == field))
            .collect();
        // Verify that at least one is never set.
        if missing.is_empty() {
            continue;
        }
        let list = missing
            .iter()
            .map(|f| format!("`{}.{f}`", entity.variable))
            .collect::<Vec<_>>()
            .join(" and ");
        let message = format!(
            "`{}` {} `{}` without setting {list} explicitly",
            method.function.qualified,
            fix_parts::kind_verb(method),
            entity.model.as_deref().unwrap_or(&entity.variable),
        );
        let fix = fix_parts::timestamps(checker, entity, &missing)
            .and_then(|edits| Fix::from_edits(edits, Applicability::Safe));
        checker.report(
            Rule::MissingExplicitTimestamp,
            fix_parts::entity_range(method, entity),
            Some(method),
            message,
            fix,
        );
    }
}
