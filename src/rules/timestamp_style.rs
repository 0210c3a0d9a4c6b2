//! AUD006 timestamp-style
//!
//! ## What it does
//! Checks write methods for timestamps in another clock than their column's:
//! the column's own (`DateTime(timezone=True)` is aware, a Python default of
//! `datetime.utcnow` is naive UTC), else the configured style:
//! `datetime.now(timezone.utc)` or `datetime.utcnow()` in a project that uses
//! naive `datetime.now()` (the default), or naive calls in a project that
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
//! Safe. The call is rewritten to the column's clock; an import left unused
//! by the rewrite (`timezone`) is removed.

use crate::analysis::functions::WriteMethod;
use crate::analysis::module::Clock;
use crate::analysis::source::dotted_name;
use crate::analysis::source::NodeExt;
use crate::checker::Checker;
use crate::rules::{fix_parts, Rule};
use auditfix_transforms::{arguments::replace_node, Applicability, Fix};

pub fn check(checker: &mut Checker<'_>, method: &WriteMethod<'_>) {
    // Only the audit timestamps of proven rows: a `datetime.now(UTC)` used
    // as a query cutoff or a deadline is not ours to change. Each with the
    // clock its column wants.
    let fields: Vec<&String> = crate::settings::Kind::ALL
        .iter()
        .flat_map(|k| checker.settings.timestamp_fields.get(*k))
        .collect();
    let mut stamps: Vec<(usize, Clock, &str)> = Vec::new();
    for entity in &method.entities {
        let model = entity.model.as_deref();
        for w in &entity.attribute_writes {
            if fields.iter().any(|f| **f == w.attribute) {
                stamps.push((
                    w.value.id(),
                    fix_parts::clock_for(checker, model, &w.attribute),
                    &w.attribute,
                ));
            }
        }
        for (name, keyword) in entity.constructor_keywords(checker.text) {
            if let Some(field) = fields.iter().find(|f| ***f == name) {
                if let Some(value) = keyword.field("value") {
                    stamps.push((value.id(), fix_parts::clock_for(checker, model, &name), field.as_str()));
                }
            }
        }
    }
    if fix_parts::shadows(method, "datetime", checker.text) {
        return;
    }
    for node in method.nodes.iter().copied() {
        // Verify that the node is a stamp of a proven row.
        let Some((wanted, column)) = stamps
            .iter()
            .find(|(id, _, _)| *id == node.id())
            .map(|(_, c, f)| (*c, *f))
        else {
            continue;
        };
        // Verify that it calls `datetime.now` / `datetime.utcnow`.
        if node.kind_str() != "call" {
            continue;
        }
        let Some(callee) = node.field("function").and_then(|f| dotted_name(f, checker.text)) else {
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
        let has_arguments = node.field("arguments").is_some_and(|a| a.named_child_count() > 0);
        // Verify that it reads another clock than its column's. An aware
        // time in any zone is the same instant as the UTC one: left alone.
        let clock = match (method_name, has_arguments) {
            ("utcnow", _) => Clock::NaiveUtc,
            (_, true) => Clock::AwareUtc,
            (_, false) => Clock::NaiveLocal,
        };
        if clock == wanted {
            continue;
        }
        let (replacement, imports) = match wanted {
            Clock::AwareUtc => match module_alias {
                Some(module) => (format!("{prefix}.now({module}.timezone.utc)"), Some(Vec::new())),
                None => (
                    format!("{prefix}.now(timezone.utc)"),
                    fix_parts::import(checker, "datetime", "timezone"),
                ),
            },
            Clock::NaiveUtc => (format!("{prefix}.utcnow()"), Some(Vec::new())),
            Clock::NaiveLocal => (format!("{prefix}.now()"), Some(Vec::new())),
        };
        let message = format!(
            "`{}` in `{}`: `{column}` holds {} time: `{replacement}`",
            checker.text_of(node),
            method.function.qualified,
            fix_parts::clock_words(wanted),
        );
        let fix = imports.and_then(|mut edits| {
            edits.push(replace_node(node, &replacement));
            Fix::from_edits(edits, Applicability::Safe)
        });
        checker.report(Rule::TimestampStyle, node.byte_range(), Some(method), message, fix);
    }
}
