//! AUD006 timestamp-style
//!
//! ## What it does
//! Checks write methods for timestamps in the other style than the configured
//! one: `datetime.now(timezone.utc)` or `datetime.utcnow()` in a project that
//! uses naive `datetime.now()` (the default), or naive calls in a project that
//! chose aware timestamps.
//!
//! ## Why is this bad?
//! Mixing naive and aware datetimes in one audit trail makes comparisons raise
//! `TypeError` and shifts times by the server's offset.
//!
//! ## Example
//! ```python
//! configuration.updated_at = datetime.now(timezone.utc)
//! ```
//!
//! ## Use instead
//! ```python
//! configuration.updated_at = datetime.now()
//! ```
//!
//! ## Fix safety
//! Safe. The call is rewritten to the configured style; an import left unused
//! by the rewrite (`timezone`) is removed.

use crate::analysis::functions::WriteMethod;
use crate::analysis::source::dotted_name;
use crate::checker::Checker;
use crate::rules::{fix_parts, Rule};
use crate::settings::TimestampStyle;
use auditfix_transforms::{arguments::replace_node, Applicability, Fix};

pub fn check(checker: &mut Checker<'_>, method: &WriteMethod<'_>) {
    let aware = checker.settings.timestamp_style == TimestampStyle::Aware;
    // Only the audit timestamps of proven rows: a `datetime.now(UTC)` used
    // as a query cutoff or a deadline is not ours to change.
    let fields: Vec<&String> = crate::settings::Kind::ALL
        .iter()
        .flat_map(|k| checker.settings.timestamp_fields.get(*k))
        .collect();
    let mut stamps: Vec<usize> = Vec::new();
    for entity in &method.entities {
        for w in &entity.attribute_writes {
            if fields.iter().any(|f| **f == w.attribute) {
                stamps.push(w.value.id());
            }
        }
        for (name, keyword) in entity.constructor_keywords(checker.text) {
            if fields.iter().any(|f| **f == name) {
                if let Some(value) = keyword.child_by_field_name("value") {
                    stamps.push(value.id());
                }
            }
        }
    }
    if fix_parts::shadows(method, "datetime", checker.text) {
        return;
    }
    for node in method.nodes.iter().copied() {
        // Verify that the node calls `datetime.now` / `datetime.utcnow`.
        if node.kind() != "call" || !stamps.contains(&node.id()) {
            continue;
        }
        let Some(callee) = node
            .child_by_field_name("function")
            .and_then(|f| dotted_name(f, checker.text))
        else {
            continue;
        };
        let Some((prefix, method_name)) = callee.rsplit_once('.') else {
            continue;
        };
        // Verify that it is the standard library's (`datetime.now`,
        // `datetime.datetime.now`, `dt.datetime.now` after `import datetime
        // as dt`), by qualified name.
        let qualified = checker.resolver().qualified(&callee);
        if !matches!(
            qualified.as_deref(),
            Some("datetime.datetime.now" | "datetime.datetime.utcnow")
        ) {
            continue;
        }
        // `X.datetime.now`: the module is bound as `X`, and so is its `timezone`.
        let module_alias = prefix.strip_suffix(".datetime");
        let has_arguments = node
            .child_by_field_name("arguments")
            .is_some_and(|a| a.named_child_count() > 0);
        // Verify that it is in the other style than the configured one.
        let call_is_aware = method_name == "now" && has_arguments;
        if call_is_aware == aware && method_name == "now" {
            continue;
        }
        let (replacement, imports) = if aware {
            if let Some(module) = module_alias {
                (format!("{prefix}.now({module}.timezone.utc)"), Some(Vec::new()))
            } else {
                (
                    format!("{prefix}.now(timezone.utc)"),
                    fix_parts::import(checker, "datetime", "timezone"),
                )
            }
        } else {
            (format!("{prefix}.now()"), Some(Vec::new()))
        };
        let style = if aware { "aware" } else { "naive" };
        let message = format!(
            "`{}` in `{}`: the project's timestamps are {style} (`{replacement}`)",
            checker.text_of(node),
            method.function.qualified,
        );
        let fix = imports.and_then(|mut edits| {
            edits.push(replace_node(node, &replacement));
            Fix::from_edits(edits, Applicability::Safe)
        });
        checker.report(Rule::TimestampStyle, node.byte_range(), Some(method), message, fix);
    }
}
