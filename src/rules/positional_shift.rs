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
use crate::callers::{may_be_user, CallerChecker, Definition};
use crate::rules::Rule;
use crate::settings::Kind;
use auditfix_transforms::arguments::replace_node;
use auditfix_transforms::Edit;
use std::collections::BTreeMap;

pub fn check(checker: &mut CallerChecker<'_>, file: usize, site: &CallSite<'_>, caller: Option<usize>, callee: usize) {
    let text = checker.text(file);
    let settings = &checker.workspace.config.settings;
    let user_names: Vec<&String> = Kind::ALL.iter().map(|k| settings.user_parameters.get(*k)).collect();
    let definition = &checker.graph.definitions[callee];
    let (argument, parameter, fix) = match shift_edits(&text, site, definition, &user_names) {
        Shift::None => return,
        Shift::Fixed {
            argument,
            parameter,
            edits,
        } => (argument, parameter, Some(BTreeMap::from([(file, edits)]))),
        Shift::Unfixable { argument, parameter } => (argument, parameter, None),
    };
    let message = format!(
        "`{}` lands in `{parameter}` of `{}` by position: the audit context would be built from it",
        &text[argument.clone()],
        definition.qualified()
    );
    checker.report(Rule::PositionalShift, file, argument, caller, message, fix);
}

/// What a call does with a user parameter of its callee's, by position.
pub enum Shift {
    /// Nothing that is not a user lands in one.
    None,
    /// `argument` (its bytes) lands in `parameter`; `edits` pass it and
    /// the arguments after it by keyword, each to the parameter after.
    Fixed {
        argument: std::ops::Range<usize>,
        parameter: String,
        edits: Vec<Edit>,
    },
    /// The same, where the keywords cannot all be told.
    Unfixable {
        argument: std::ops::Range<usize>,
        parameter: String,
    },
}

/// The first argument of `site` that lands by position in a user parameter
/// (one of `user_names`) of `definition` and does not look like a user, and
/// the edits that move it and the ones after it to their keywords.
pub fn shift_edits(text: &str, site: &CallSite<'_>, definition: &Definition, user_names: &[&String]) -> Shift {
    let params: Vec<_> = definition
        .callable_params(site.bound)
        .into_iter()
        .filter(|p| matches!(p.kind, ParamKind::Positional | ParamKind::PositionalOnly))
        .collect();
    // Verify that the binding can be told (no `*args` spread).
    let (star, _) = site.has_splat();
    if star {
        return Shift::None;
    }
    let arguments = site.positional();
    let keywords: Vec<String> = site.keywords(text).into_iter().map(|(k, _)| k).collect();
    for (i, param) in params.iter().enumerate() {
        // Verify that a user parameter receives a positional argument...
        if !user_names.iter().any(|u| **u == param.name) {
            continue;
        }
        let Some(argument) = arguments.get(i) else { continue };
        // ...that does not look like a user.
        if may_be_user(&text[argument.byte_range()]) {
            continue;
        }
        // The fix: the shifted arguments by keyword, each to the parameter after.
        let mut edits = Vec::new();
        for (j, shifted) in arguments.iter().enumerate().skip(i) {
            let Some(target) = params.get(j + 1) else { break };
            if target.kind != ParamKind::Positional
                || user_names.iter().any(|u| **u == target.name)
                || keywords.iter().any(|k| k == target.name)
            {
                break;
            }
            edits.push(replace_node(
                *shifted,
                &format!("{}={}", target.name, &text[shifted.byte_range()]),
            ));
        }
        let argument_range = argument.byte_range();
        return if edits.len() == arguments.len() - i {
            Shift::Fixed {
                argument: argument_range,
                parameter: param.name.to_string(),
                edits,
            }
        } else {
            Shift::Unfixable {
                argument: argument_range,
                parameter: param.name.to_string(),
            }
        };
    }
    Shift::None
}
