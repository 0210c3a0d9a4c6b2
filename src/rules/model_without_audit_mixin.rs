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

use crate::analysis::functions::WriteMethod;
use crate::checker::Checker;
use crate::rules::{fix_parts, Rule};

pub fn check(checker: &mut Checker<'_>, method: &WriteMethod<'_>) {
    // Verify that rows are left to audit.
    if method.hard_delete {
        return;
    }
    let mut seen = Vec::new();
    for entity in &method.entities {
        // Verify that the model is a model of the repository...
        let Some(model) = entity.model.as_deref() else {
            continue;
        };
        if checker.index.class(model).is_none() || seen.contains(&model) {
            continue;
        }
        // ...that lacks the mixin and is not exempt.
        if checker.has_mixin(model) || checker.settings.exempt_models.iter().any(|m| m == model) {
            continue;
        }
        seen.push(model);
        let message = format!(
            "`{model}` (written by `{}`) does not inherit `{}`: its rows record no user; add the mixin, or list the model in `exempt-models`",
            method.function.qualified, checker.settings.mixin_class,
        );
        checker.report(
            Rule::ModelWithoutAuditMixin,
            fix_parts::entity_range(method, entity),
            Some(method),
            message,
            None,
        );
    }
}
