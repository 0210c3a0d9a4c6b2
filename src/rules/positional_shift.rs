//! AUD013 positional-shift
//!
//! ## What it does
//! Checks for calls that pass, by position, an argument that lands in a user
//! parameter.
//!
//! ## Why is this bad?
//! A tenant id or a flag silently becomes "the user": the audit context is
//! built from the wrong object.
//!
//! ## Example
//! ```python
//! service.create_user(data, tenant_id)  # lands in created_by_user
//! ```
//!
//! ## Use instead
//! ```python
//! service.create_user(data, target_tenant_id=tenant_id)
//! ```
//!
//! ## Fix safety
//! None, or unsafe where the argument's intended parameter is unambiguous.

use crate::analysis::calls::CallSite;
use crate::analysis::functions::ParamKind;
use crate::callers::CallerChecker;
use crate::rules::Rule;
use crate::settings::Kind;
use auditfix_transforms::arguments::replace_node;
use std::collections::BTreeMap;

pub fn check(checker: &mut CallerChecker<'_>, file: usize, site: &CallSite<'_>, caller: Option<usize>, callee: usize) {
    let text = checker.text(file);
    let settings = &checker.workspace.config.settings;
    let user_names: Vec<&String> = Kind::ALL.iter().map(|k| settings.user_parameters.get(*k)).collect();
    let definition = &checker.graph.definitions[callee];
    let params: Vec<_> = definition
        .callable_params(site.bound)
        .into_iter()
        .filter(|p| matches!(p.kind, ParamKind::Positional | ParamKind::PositionalOnly))
        .collect();
    // Verify that the binding can be told (no `*args` spread).
    let (star, _) = site.has_splat();
    if star {
        return;
    }
    let arguments = site.positional();
    let keywords: Vec<String> = site.keywords(&text).into_iter().map(|(k, _)| k).collect();
    for (i, param) in params.iter().enumerate() {
        // Verify that a user parameter receives a positional argument...
        if !user_names.iter().any(|u| *u == param.name) {
            continue;
        }
        let Some(argument) = arguments.get(i) else { continue };
        // ...that does not look like a user.
        let argument_text = &text[argument.byte_range()];
        if argument_text == "None" || argument_text.to_lowercase().contains("user") {
            continue;
        }
        // The fix: the shifted arguments by keyword, each to the parameter after.
        let mut edits = Vec::new();
        for (j, shifted) in arguments.iter().enumerate().skip(i) {
            let Some(target) = params.get(j + 1) else { break };
            if target.kind != ParamKind::Positional
                || user_names.iter().any(|u| *u == target.name)
                || keywords.iter().any(|k| k == target.name)
            {
                break;
            }
            edits.push(replace_node(
                *shifted,
                &format!("{}={}", target.name, &text[shifted.byte_range()]),
            ));
        }
        let complete = edits.len() == arguments.len() - i;
        let message = format!(
            "`{argument_text}` lands in `{}` of `{}` by position: the audit context would be built from it",
            param.name,
            definition.qualified()
        );
        let fix = complete.then(|| BTreeMap::from([(file, edits)]));
        checker.report(Rule::PositionalShift, file, argument.byte_range(), caller, message, fix);
    }
}
