//! AUD005 server-side-timestamp-assignment
//!
//! ## What it does
//! Checks for `func.now()` assigned to an attribute from Python
//! (`user.updated_at = func.now()`).
//!
//! ## Why is this bad?
//! `func.now()` assigned in Python is a SQL expression, not a time: the
//! attribute holds an expression object until the row is flushed and
//! refreshed, and the value comes from the database clock rather than the
//! application's, unlike every other timestamp the standard sets.
//!
//! ## Example
//! ```python
//! user.updated_at = func.now()
//! ```
//!
//! ## Use instead
//! ```python
//! user.updated_at = datetime.now()
//! ```
//!
//! ## Fix safety
//! Safe. The expression becomes the configured timestamp; the `func` import is
//! removed when nothing else uses it.

use crate::analysis::source::NodeExt;
use crate::analysis::source::{dotted_name, scope_descendants};
use crate::checker::Checker;
use crate::rules::{fix_parts, Rule};
use auditfix_transforms::{arguments::replace_node, Applicability, Fix};
use tree_sitter::Node;

pub fn check(checker: &mut Checker<'_>) {
    // Verify that the file mentions `func.now` at all (most do not).
    if !checker.text.contains("func.now") {
        return;
    }
    // (value, function, what is assigned, shadowed, the model and column written).
    #[allow(clippy::type_complexity)]
    let mut found: Vec<(Node, (String, usize), String, bool, Option<String>, String)> = Vec::new();
    if !crate::checker::holds_service_code(checker.module, checker.settings) {
        return;
    }
    for function in crate::analysis::functions::functions(checker.root, checker.text) {
        // A model's own methods (the mixin's above all) are not rewritten.
        if function
            .class
            .as_deref()
            .is_some_and(|c| c == checker.settings.mixin_class || checker.is_model(c))
        {
            continue;
        }
        // `func.now()` is called by a name ending in `now`: a body without
        // the word calls it nowhere, and its tree need not be walked.
        if !checker.text[function.body.byte_range()].contains("now") {
            continue;
        }
        let nodes = scope_descendants(function.body);
        let shadowed = fix_parts::shadows_in(&function, &nodes, "datetime", checker.text)
            || fix_parts::shadows_in(&function, &nodes, "timezone", checker.text);
        for node in nodes {
            match node.kind_str() {
                // Verify that an attribute is assigned `func.now()`.
                "assignment" => {
                    let (Some(left), Some(right)) = (node.field("left"), node.field("right")) else {
                        continue;
                    };
                    if left.kind_str() == "attribute" && fix_parts::is_func_now(right, checker) {
                        let column = left
                            .field("attribute")
                            .map(|a| checker.text_of(a).to_string())
                            .unwrap_or_default();
                        found.push((
                            right,
                            (function.qualified.clone(), function.line()),
                            format!("{} = {}", checker.text_of(left), checker.text_of(right)),
                            shadowed,
                            None,
                            column,
                        ));
                    }
                }
                // Verify that a model is constructed with `column=func.now()`.
                "keyword_argument" => {
                    let (Some(name), Some(value)) = (node.field("name"), node.field("value")) else {
                        continue;
                    };
                    let callee = node
                        .parent()
                        .and_then(|args| args.parent())
                        .and_then(|call| call.field("function"))
                        .and_then(|f| dotted_name(f, checker.text))
                        .map(|f| f.rsplit('.').next().unwrap_or_default().to_string());
                    let Some(model) = callee.filter(|c| checker.is_model(c)) else {
                        continue;
                    };
                    if fix_parts::is_func_now(value, checker) {
                        found.push((
                            value,
                            (function.qualified.clone(), function.line()),
                            format!("{}={}", checker.text_of(name), checker.text_of(value)),
                            shadowed,
                            Some(model),
                            checker.text_of(name).to_string(),
                        ));
                    }
                }
                _ => {}
            }
        }
    }
    for (value, function, target, shadowed, model, column) in found {
        let fix = (!shadowed)
            .then(|| fix_parts::timestamp(checker, fix_parts::clock_for(checker, model.as_deref(), &column)))
            .flatten()
            .and_then(|(now, mut edits)| {
                edits.push(replace_node(value, &now));
                Fix::from_edits(edits, Applicability::Safe)
            });
        let message = format!(
            "`{target}` assigns a SQL expression from Python: the attribute holds no time until the row is refreshed; use the configured timestamp"
        );
        checker.report_in(
            Rule::ServerSideTimestampAssignment,
            value.byte_range(),
            Some((function.0.as_str(), function.1)),
            message,
            fix,
        );
    }
}
