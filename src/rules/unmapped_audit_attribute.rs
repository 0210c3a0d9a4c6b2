//! AUD015 unmapped-audit-attribute
//!
//! ## What it does
//! Checks for audit-looking attributes or constructor keywords
//! (`x.updated_by = ...`, `Model(created_by=...)`) that are not columns of the
//! model or of its bases.
//!
//! ## Why is this bad?
//! An attribute that is no column is silently lost; a constructor keyword that
//! is no column raises `TypeError` when the row is built.
//!
//! ## Example
//! ```python
//! connector = Connector(name=name, created_by=created_by_id)
//! ```
//!
//! ## Use instead
//! ```python
//! connector = Connector(name=name)
//! if audit_ctx:
//!     connector.set_created_by(audit_ctx.user_email, audit_ctx.user_name)
//! ```
//!
//! ## Fix safety
//! Unsafe: the attribute or keyword is removed and the setter call inserted.

use crate::analysis::functions::WriteMethod;
use crate::checker::Checker;
use crate::rules::{manual_audit_fields, Rule};

pub fn check(checker: &mut Checker<'_>, method: &WriteMethod<'_>) {
    for entity in &method.entities {
        let writes = manual_audit_fields::manual_writes(checker, method, entity);
        // Verify that some audit-looking attribute is no column of the model.
        if !writes.iter().any(|w| w.unmapped) {
            continue;
        }
        let model = entity.model.as_deref().unwrap_or(&entity.variable);
        let fix = manual_audit_fields::fix(checker, method, entity, &writes);
        for write in writes.iter().filter(|w| w.unmapped) {
            let consequence = if write.is_keyword {
                format!("`{model}(...)` raises `TypeError` when the row is built")
            } else {
                "the value is silently lost".to_string()
            };
            let instead = match checker.stamp_of(model, write.kind) {
                Some(Ok(crate::convention::Stamp::Standard { setter })) => {
                    format!("use `{}.{setter}(...)`", entity.variable)
                }
                Some(Ok(stamp)) => format!(
                    "use `{}`",
                    stamp.describe(&entity.variable, method.user_parameter(checker.settings))
                ),
                Some(Err(why)) => format!("{why}, so it is not fixed"),
                None => format!("remove it (`{model}` has no audit mixin to record the user)"),
            };
            let message = format!(
                "`{}` is not a column of `{model}` (nor of its bases): {consequence}; {instead}",
                write.attribute,
            );
            checker.report(
                Rule::UnmappedAuditAttribute,
                write.node.byte_range(),
                Some(method),
                message,
                fix.clone(),
            );
        }
    }
}
