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
        // Verify which timestamp columns the model has: those it maps (with
        // its bases and mixins); when a base lies outside the repository, a
        // field it does not show may exist but cannot be proven.
        let complete = entity
            .model
            .as_deref()
            .is_some_and(|m| checker.index.columns_are_complete(m));
        let columns = entity.model.as_deref().and_then(|m| checker.index.columns(m));
        let has = |field: &str| columns.as_ref().is_some_and(|c| c.contains(field));
        let keywords = entity.constructor_keywords(checker.text);
        // `created_at` only on rows this function constructs.
        let missing: Vec<&str> = checker
            .settings
            .timestamp_fields
            .get(entity.kind)
            .iter()
            .map(String::as_str)
            .filter(|field| has(field) || !complete)
            .filter(|field| !entity.attribute_writes.iter().any(|w| w.attribute == *field))
            .filter(|field| !keywords.iter().any(|(k, _)| k == field))
            .collect();
        // Verify that at least one is never set.
        if missing.is_empty() {
            continue;
        }
        let unproven: Vec<&str> = missing.iter().copied().filter(|f| !has(f)).collect();
        let list = missing
            .iter()
            .map(|f| format!("`{}.{f}`", entity.variable))
            .collect::<Vec<_>>()
            .join(" and ");
        let mut message = format!(
            "`{}` {} `{}` without setting {list} explicitly",
            method.function.qualified,
            fix_parts::kind_verb(method),
            entity.model.as_deref().unwrap_or(&entity.variable),
        );
        let fix = if unproven.is_empty() {
            fix_parts::timestamps(checker, method, entity, &missing)
                .and_then(|edits| Fix::from_edits(edits, Applicability::Safe))
        } else {
            None
        };
        if fix.is_none() {
            if !unproven.is_empty() {
                message.push_str(&format!(
                    "; not fixed: `{}` shows no column `{}` (a base class is defined outside the repository)",
                    entity.model.as_deref().unwrap_or_default(),
                    unproven.join("`, `"),
                ));
            } else if entity.unplaced.is_some() {
                message.push_str(&fix_parts::why_not(entity));
            } else if fix_parts::shadows(method, "datetime", checker.text) {
                message.push_str("; not fixed: `datetime` is a local name here, not the module's");
            }
        }
        checker.report(
            Rule::MissingExplicitTimestamp,
            fix_parts::entity_range(method, entity),
            Some(method),
            message,
            fix,
        );
    }
}
