//! AUD002 missing-audit-context
//!
//! ## What it does
//! Checks for write methods that take the acting user but never build an audit
//! context from it (`audit_ctx = AuditContext.from_user(created_by_user) if
//! created_by_user else None`).
//!
//! ## Why is this bad?
//! The audit context is the one place that turns a user object into the email
//! and name the audit columns hold; without it each method improvises.
//!
//! ## Example
//! ```python
//! async def update_user(self, user_id, data, updated_by_user=None):
//!     user = await self.get_by_id(User, user_id)
//!     user.name = data.name
//!     await self.db.flush()
//! ```
//!
//! ## Use instead
//! ```python
//! async def update_user(self, user_id, data, updated_by_user=None):
//!     user = await self.get_by_id(User, user_id)
//!     audit_ctx = AuditContext.from_user(updated_by_user) if updated_by_user else None
//!     user.name = data.name
//!     await self.db.flush()
//! ```
//!
//! ## Fix safety
//! Safe. The line is inserted before the entity is built (create) or after it is
//! loaded and checked (update, delete), with the context import when the module
//! lacks it, and the user parameter when the method lacks it.

use crate::analysis::functions::WriteMethod;
use crate::analysis::source::NodeExt;
use crate::checker::Checker;
use crate::rules::{fix_parts, Rule};
use auditfix_transforms::{Applicability, Fix};

pub fn check(checker: &mut Checker<'_>, method: &WriteMethod<'_>) {
    // Verify that the method writes an entity the standard audits.
    if !method
        .entities
        .iter()
        .any(|e| fix_parts::needs_context(checker, method, e))
    {
        return;
    }
    // Verify that it builds no audit context.
    if method.context.is_some() {
        return;
    }
    let Some(name) = method.function.node.field("name") else {
        return;
    };
    let settings = checker.settings;
    let mut message = format!(
        "`{}` builds no audit context: expected `{} = {}.{}({})`",
        method.function.qualified,
        settings.context_variable,
        settings.context_class,
        settings.context_constructor,
        method.user_parameter(settings),
    );
    let fix = fix_parts::audit_context(checker, method).and_then(|edits| Fix::from_edits(edits, Applicability::Safe));
    if fix.is_none() {
        message.push_str(&fix_parts::needs_ignored_rule(checker, method));
    }
    checker.report(Rule::MissingAuditContext, name.byte_range(), Some(method), message, fix);
}
