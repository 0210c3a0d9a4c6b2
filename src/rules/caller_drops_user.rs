//! AUD012 caller-drops-user
//!
//! ## What it does
//! Checks for calls of audited write methods that do not pass the user although
//! one is in scope (a `Depends(get_current_user)` parameter, a `current_user`
//! variable, the caller's own user parameter).
//!
//! ## Why is this bad?
//! The method can only record the user it is given: a route that drops it
//! leaves the audit columns empty for every request.
//!
//! ## Example
//! ```python
//! await service.create_user(data)
//! ```
//!
//! ## Use instead
//! ```python
//! await service.create_user(data, created_by_user=current_user)
//! ```
//!
//! ## Fix safety
//! Unsafe: the call gains a keyword argument; a facade also gains the user
//! parameter and forwards it.

use crate::analysis::calls::CallSite;
use crate::analysis::source::NodeExt;
use crate::callers::{Arguments, CallerChecker};
use crate::rules::Rule;

pub fn check(checker: &mut CallerChecker<'_>, file: usize, site: &CallSite<'_>, caller: Option<usize>, callee: usize) {
    let text = checker.text(file);
    let graph = checker.graph;
    let definition = &graph.definitions[callee];
    // Verify that the callee takes (or will take) a user...
    let Some(user) = definition.effective_user().map(str::to_string) else {
        return;
    };
    // ...that this call does not pass...
    if graph.passes_user(&Arguments::of(site, &text), site.bound, definition, &user) {
        return;
    }
    // ...although the caller holds one, or must take one (a facade).
    let Some(caller) = caller else { return };
    let holder_definition = &graph.definitions[caller];
    let callee_name = definition.qualified();
    let call_text = text[site.call.byte_range()]
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    let (message, edits) = if let Some(holder) = holder_definition.user_in_scope().map(str::to_string) {
        (
            format!(
                "`{call_text}` does not pass the user although `{holder}` is in scope: `{callee_name}` records nobody"
            ),
            checker.pass_user_edits(file, site, callee, &user, &holder, 0),
        )
    } else if let Some(own) = holder_definition.effective_user().map(str::to_string) {
        (
            format!(
                "`{}` calls `{callee_name}` without the user: take `{own}` and forward it",
                holder_definition.qualified()
            ),
            checker.take_user_edits(caller, 0).and_then(|mut edits| {
                // A write method that only needs the parameter (not a facade)
                // forwards it here.
                if holder_definition.facade_user().is_none() {
                    let more = checker.pass_user_edits(file, site, callee, &user, &own, 1)?;
                    for (f, e) in more {
                        edits.entry(f).or_default().extend(e);
                    }
                }
                Some(edits)
            }),
        )
    } else {
        return;
    };
    let range = site
        .call
        .field("function")
        .map_or(site.call.byte_range(), |f| f.byte_range());
    checker.report(Rule::CallerDropsUser, file, range, Some(caller), message, edits);
}
