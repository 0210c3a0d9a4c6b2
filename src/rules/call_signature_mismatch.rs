//! AUD014 call-signature-mismatch
//!
//! ## What it does
//! Checks for resolved calls that pass a keyword the method does not take, or
//! too many positional arguments.
//!
//! ## Why is this bad?
//! It is a `TypeError` at run time, usually left behind by a parameter renamed
//! by hand (`created_by=` to `created_by_user=`).
//!
//! ## Example
//! ```python
//! await service.create_plan(title, created_by=user)
//! ```
//!
//! ## Use instead
//! ```python
//! await service.create_plan(title, created_by_user=user)
//! ```
//!
//! ## Fix safety
//! Unsafe: the keyword is renamed at the call when the rename is unambiguous.

use crate::analysis::calls::CallSite;
use crate::analysis::functions::ParamKind;
use crate::analysis::source::NodeExt;
use crate::callers::CallerChecker;
use crate::rules::Rule;
use auditfix_transforms::arguments::replace_node;
use std::collections::BTreeMap;

pub fn check(checker: &mut CallerChecker<'_>, file: usize, site: &CallSite<'_>, caller: Option<usize>, callee: usize) {
    let text = checker.text(file);
    let definition = &checker.graph.definitions[callee];
    let params = definition.callable_params(site.bound);
    let qualified = definition.qualified();
    let mut names: Vec<String> = params
        .iter()
        .filter(|p| {
            !matches!(
                p.kind,
                ParamKind::VarArgs | ParamKind::VarKeyword | ParamKind::PositionalOnly
            )
        })
        .map(|p| p.name.to_string())
        .collect();
    // The parameter AUD001 (or a facade fix) is about to add is accepted.
    if let Some(user) = definition.effective_user() {
        if !names.iter().any(|n| n == user) {
            names.push(user.to_string());
        }
    }
    let takes_kwargs = params.iter().any(|p| p.kind == ParamKind::VarKeyword);
    let takes_args = params.iter().any(|p| p.kind == ParamKind::VarArgs);
    let positional_params = params
        .iter()
        .filter(|p| matches!(p.kind, ParamKind::Positional | ParamKind::PositionalOnly))
        .count();
    let keywords = site.keywords(&text);

    // Verify that every keyword is a parameter.
    if !takes_kwargs {
        for (keyword, node) in &keywords {
            if names.contains(keyword) {
                continue;
            }
            let passed: Vec<&String> = keywords.iter().map(|(k, _)| k).collect();
            let candidates: Vec<&String> = names
                .iter()
                .filter(|n| !passed.contains(n))
                .filter(|n| renamed_to(keyword, n))
                .collect();
            let hint = match candidates.as_slice() {
                [only] => format!(" (renamed to `{only}`?)"),
                _ => String::new(),
            };
            let message =
                format!("`{qualified}` takes no keyword `{keyword}`: a `TypeError` when this call runs{hint}");
            let edits = match candidates.as_slice() {
                [only] => {
                    let only = only.to_string();
                    node.field("name").and_then(|name| {
                        let mut edits = if definition.user_param().is_none()
                            && definition.effective_user() == Some(only.as_str())
                        {
                            checker.take_user_edits(callee, 0)?
                        } else {
                            BTreeMap::new()
                        };
                        edits.entry(file).or_default().push(replace_node(name, &only));
                        Some(edits)
                    })
                }
                _ => None,
            };
            checker.report(
                Rule::CallSignatureMismatch,
                file,
                node.byte_range(),
                caller,
                message,
                edits,
            );
        }
    }

    // Verify that it passes no more positional arguments than there are.
    let (star, _) = site.has_splat();
    let positional = site.positional();
    if !takes_args && !star && positional.len() > positional_params {
        let extra = positional[positional_params];
        let message = format!(
            "`{qualified}` takes {positional_params} positional argument{} but this call passes {}: a `TypeError` when it runs",
            if positional_params == 1 { "" } else { "s" },
            positional.len()
        );
        checker.report(
            Rule::CallSignatureMismatch,
            file,
            extra.byte_range(),
            caller,
            message,
            None,
        );
    }
}

/// Whether `keyword` may be `parameter` renamed by hand (`updated_by` for
/// `updated_by_user`, or the other way round): the rename AUD014 offers.
pub fn renamed_to(keyword: &str, parameter: &str) -> bool {
    parameter.starts_with(&format!("{keyword}_")) || keyword.starts_with(&format!("{parameter}_"))
}
