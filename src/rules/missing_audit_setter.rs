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

use crate::analysis::functions::WriteMethod;
use crate::checker::Checker;
use crate::convention::Stamp;
use crate::rules::{fix_parts, Rule};
use auditfix_transforms::{Applicability, Fix};

pub fn check(checker: &mut Checker<'_>, method: &WriteMethod<'_>) {
    for entity in &method.entities {
        // Verify that the entity is audited, and how the repository stamps it.
        if !checker.needs_audit(method, entity) {
            continue;
        }
        let Some(stamp) = checker.stamp(entity) else {
            continue;
        };
        // Verify that it is not stamped already: its setter called, or every
        // audit column it has assigned (in the constructor or after).
        let stamped = match &stamp {
            Stamp::Standard { setter } | Stamp::Setter { name: setter, .. } => entity.calls_method(setter),
            Stamp::Columns(columns) => {
                let keywords = entity.constructor_keywords(checker.text);
                columns.iter().all(|(column, _)| {
                    entity.attribute_writes.iter().any(|w| &w.attribute == column)
                        || keywords.iter().any(|(k, _)| k == column)
                })
            }
        };
        if stamped {
            continue;
        }
        let prefix = checker.settings.audit_column_prefixes.get(entity.kind);
        let user = method.user_parameter(checker.settings);
        let wanted = match &stamp {
            Stamp::Standard { setter } => format!("{}.{setter}(...)", entity.variable),
            other => other.describe(&entity.variable, user),
        };
        let mut message = format!(
            "`{}` {} `{}` without `{wanted}`: `{prefix}_*` stay empty",
            method.function.qualified,
            fix_parts::kind_verb(method),
            entity.model.as_deref().unwrap_or(&entity.variable),
        );
        let fix = fix_parts::setter(checker, method, entity, entity.kind)
            .and_then(|edits| Fix::from_edits(edits, Applicability::Safe));
        if fix.is_none() {
            message.push_str(&fix_parts::why_not(entity));
            if !matches!(stamp, Stamp::Standard { .. }) {
                message.push_str(&fix_parts::user_not_proven(checker, method, entity).unwrap_or_default());
            }
            message.push_str(&fix_parts::needs_ignored_rule(checker, method));
            if entity.unplaced.is_none() && method.context_conflict && matches!(stamp, Stamp::Standard { .. }) {
                message.push_str(&format!(
                    "; not fixed: `{}` is already a local of another kind here",
                    checker.settings.context_variable
                ));
            }
        }
        checker.report(
            Rule::MissingAuditSetter,
            fix_parts::entity_range(method, entity),
            Some(method),
            message,
            fix,
        );
    }
}
