//! AUD009 unbound-audit-name
//!
//! ## What it does
//! Checks for names the standard's code uses (`IntegrityError`, `datetime`,
//! `AuditContext`, `timezone` in aware mode) that the module never binds,
//! neither by import nor through a star import of a module of the repository
//! that exports them.
//!
//! ## Why is this bad?
//! The code raises `NameError` the first time that line runs, typically in an
//! error path that tests never reach.
//!
//! ## Example
//! ```python
//! try:
//!     ...
//! except IntegrityError:  # never imported
//!     ...
//! ```
//!
//! ## Use instead
//! ```python
//! from sqlalchemy.exc import IntegrityError
//! ```
//!
//! ## Fix safety
//! Safe: the import is added with the module's other imports.

use crate::analysis::functions::WriteMethod;
use crate::analysis::source::is_load;
use crate::analysis::source::NodeExt;
use crate::checker::Checker;
use crate::rules::{fix_parts, Rule};
use auditfix_transforms::{Applicability, Fix};
use tree_sitter::Node;

pub fn check(checker: &mut Checker<'_>, methods: &[WriteMethod<'_>]) {
    let settings = checker.settings;
    let names: Vec<(String, String)> = vec![
        (
            settings.integrity_error.clone(),
            settings.integrity_error_module.clone(),
        ),
        ("datetime".to_string(), "datetime".to_string()),
        (
            settings.context_class.clone(),
            fix_parts::context_module(checker).unwrap_or_else(|| settings.context_module.clone()),
        ),
        ("timezone".to_string(), "datetime".to_string()),
    ];
    // `timezone` is a name of the standard in aware mode; in naive mode a
    // use of it that nothing binds is still a NameError waiting.
    for (name, module) in names {
        // Verify that the file mentions the name at all (most do not).
        if !checker.text.contains(name.as_str()) {
            continue;
        }
        // Verify that the module does not bind the name.
        if checker.index.is_bound(checker.module, &name) {
            continue;
        }
        // Verify that some write method uses it without binding it locally.
        let mut first_use: Option<(Node, (String, usize))> = None;
        for method in methods {
            let function = &method.function;
            let nodes = &method.nodes;
            if function.param(&name).is_some() || binds_locally(nodes, &name, checker.text) {
                continue;
            }
            if let Some(use_) = nodes.iter().find(|n| is_load(**n, &name, checker.text)) {
                if first_use
                    .as_ref()
                    .is_none_or(|(u, _)| use_.start_byte() < u.start_byte())
                {
                    first_use = Some((*use_, (function.qualified.clone(), function.line())));
                }
            }
        }
        let Some((use_, function)) = first_use else {
            continue;
        };
        // `datetime.datetime` needs `import datetime`, which this fix does not write.
        let dotted_module_use = use_
            .parent()
            .filter(|p| p.kind_str() == "attribute")
            .and_then(|p| p.field("attribute"))
            .is_some_and(|a| {
                name == "datetime" && matches!(&checker.text[a.byte_range()], "datetime" | "timezone" | "date")
            });
        let fix = if dotted_module_use {
            None
        } else {
            fix_parts::import(checker, &module, &name).and_then(|edits| Fix::from_edits(edits, Applicability::Safe))
        };
        let message = format!(
            "`{name}` is used in `{}` but never imported: a `NameError` when that line runs",
            function.0
        );
        checker.report_in(
            Rule::UnboundAuditName,
            use_.byte_range(),
            Some((function.0.as_str(), function.1)),
            message,
            fix,
        );
    }
}

/// Whether the function binds `name` itself (a local import or assignment).
fn binds_locally(nodes: &[Node<'_>], name: &str, text: &str) -> bool {
    nodes.iter().any(|n| match n.kind_str() {
        "import_statement" | "import_from_statement" => {
            let mut cursor = n.walk();
            let bound = n.children_by_field_name("name", &mut cursor).any(|imported| {
                let bound = imported.field("alias").unwrap_or(imported);
                let t = &text[bound.byte_range()];
                t == name || t.split('.').next() == Some(name)
            });
            bound
        }
        "assignment" | "for_statement" => n
            .field("left")
            .is_some_and(|l| l.kind_str() == "identifier" && &text[l.byte_range()] == name),
        _ => false,
    })
}
