//! AUD001 missing-user-parameter
//!
//! ## What it does
//! Checks for write methods that do not take the acting user as a parameter
//! (`created_by_user=None`, `updated_by_user=None`, `deleted_by_user=None`).
//!
//! ## Why is this bad?
//! Without the user, the method cannot record who created, updated or deleted
//! the row: the audit columns stay empty for every call.
//!
//! ## Example
//! ```python
//! async def create_user(self, user_data: UserCreate, target_tenant_id=None):
//!     ...
//! ```
//!
//! ## Use instead
//! ```python
//! async def create_user(self, user_data: UserCreate, target_tenant_id=None, created_by_user=None):
//!     ...
//! ```
//!
//! ## Fix safety
//! Safe. The parameter is added where no existing call can be affected: after
//! the existing parameters (before `**kwargs`), or keyword-only after `*args`.
//! It is never inserted in the middle of a signature, where calls passing later
//! arguments by position would silently bind them to the user.

use crate::analysis::functions::WriteMethod;
use crate::analysis::source::NodeExt;
use crate::checker::Checker;
use crate::rules::{fix_parts, Rule};
use auditfix_transforms::{Applicability, Fix};

pub fn check(checker: &mut Checker<'_>, method: &WriteMethod<'_>) {
    // Verify that the method writes an entity the standard audits.
    let Some(entity) = method.entities.iter().find(|e| checker.needs_audit(method, e)) else {
        return;
    };
    // Verify that the user parameter is missing.
    let param = method.user_parameter(checker.settings);
    if method.function.param(param).is_some() {
        return;
    }
    let Some(name) = method.function.node.field("name") else {
        return;
    };
    let message = format!(
        "`{}` {} `{}` but takes no `{param}` parameter: who acted is never recorded",
        method.function.qualified,
        fix_parts::kind_verb(method),
        entity.model.as_deref().unwrap_or(&entity.variable),
    );
    let fix = fix_parts::user_parameter(checker, method).and_then(|edits| Fix::from_edits(edits, Applicability::Safe));
    checker.report(
        Rule::MissingUserParameter,
        name.byte_range(),
        Some(method),
        message,
        fix,
    );
}
