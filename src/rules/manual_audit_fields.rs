//! AUD010 manual-audit-fields
//!
//! ## What it does
//! Checks for audit columns of the mixin set by hand (`plan.created_by_email =
//! ...`, `Connector(created_by_name=...)`) instead of through the setter.
//!
//! ## Why is this bad?
//! Hand-set columns drift from the standard (emails made up from ids, names
//! left empty) and bypass whatever the setter does besides assigning.
//!
//! ## Example
//! ```python
//! plan.created_by_email = created_by.email
//! plan.created_by_name = created_by.name
//! ```
//!
//! ## Use instead
//! ```python
//! if audit_ctx:
//!     plan.set_created_by(audit_ctx.user_email, audit_ctx.user_name)
//! ```
//!
//! ## Fix safety
//! Unsafe: the hand-written assignments (and the branches that only hold them)
//! are removed and the setter call is inserted; what the old code computed
//! (`user-<id>` fallbacks, say) is no longer written.

use crate::analysis::functions::{Entity, WriteMethod};
use crate::analysis::source::statements;
use crate::analysis::source::NodeExt;
use crate::checker::Checker;
use crate::rules::{fix_parts, Rule};
use crate::settings::Kind;
use auditfix_transforms::{arguments, delete_statements, Applicability, Fix};
use std::collections::HashSet;
use tree_sitter::Node;

/// An audit column set by hand on an entity.
pub struct ManualWrite<'t> {
    pub attribute: String,
    /// The assignment statement, or the constructor's `keyword_argument`.
    pub node: Node<'t>,
    pub is_keyword: bool,
    /// The kind whose setter fills this column (`created_by*` → create).
    pub kind: Kind,
    /// Not a column of the model at all (AUD015), rather than a mixin
    /// column set by hand (AUD010).
    pub unmapped: bool,
}

/// The audit columns `entity` sets by hand, classified.
pub fn manual_writes<'t>(checker: &Checker<'_>, method: &WriteMethod<'t>, entity: &Entity<'t>) -> Vec<ManualWrite<'t>> {
    if method.hard_delete {
        return Vec::new();
    }
    let settings = checker.settings;
    let index = checker.index;
    let model = entity.model.as_deref();
    // The columns of the row's audit mixin: the configured one, or the
    // team's own its model inherits.
    let mixin = model
        .and_then(|m| crate::convention::mixin_of(index, settings, m))
        .map_or_else(|| settings.mixin_class.clone(), |(name, _)| name);
    let mixin_columns = index.columns(&mixin);
    // Where the repository's own stamp assigns the columns, assigning
    // them is the convention, not a write by hand.
    let assigned_by_convention = |kind: Kind| {
        model.is_some_and(|m| {
            matches!(
                checker.stamp_of(m, kind),
                Some(Ok(crate::convention::Stamp::Columns(_)))
            )
        })
    };
    let model_columns = model.and_then(|m| index.columns(m));
    let complete = model.is_some_and(|m| index.columns_are_complete(m));
    let kind_of = |attr: &str| {
        Kind::ALL.into_iter().find(|k| {
            let prefix = settings.audit_column_prefixes.get(*k);
            attr == prefix
                || attr
                    .strip_prefix(prefix.as_str())
                    .is_some_and(|rest| rest.starts_with('_'))
        })
    };
    let classify = |attr: &str| -> Option<(Kind, bool)> {
        let kind = kind_of(attr)?;
        let in_mixin = mixin_columns.as_ref().is_some_and(|c| c.contains(attr));
        let in_model = model_columns.as_ref().is_some_and(|c| c.contains(attr));
        if in_model && !in_mixin {
            // The model's own column (a real `created_by` foreign key, say).
            return None;
        }
        if complete && !in_model {
            return Some((kind, true));
        }
        if assigned_by_convention(kind) {
            return None;
        }
        Some((kind, false))
    };
    let mut out = Vec::new();
    for write in &entity.attribute_writes {
        if let Some((kind, unmapped)) = classify(&write.attribute) {
            out.push(ManualWrite {
                attribute: write.attribute.clone(),
                node: write.statement,
                is_keyword: false,
                kind,
                unmapped,
            });
        }
    }
    for (name, node) in entity.constructor_keywords(checker.text) {
        if let Some((kind, unmapped)) = classify(&name) {
            out.push(ManualWrite {
                attribute: name,
                node,
                is_keyword: true,
                kind,
                unmapped,
            });
        }
    }
    out.sort_by_key(|w| w.node.start_byte());
    out
}

/// The unsafe fix for every manual write of `entity`: remove them (and the
/// branches that hold only them), and call the setter instead.
pub fn fix(
    checker: &Checker<'_>,
    method: &WriteMethod<'_>,
    entity: &Entity<'_>,
    writes: &[ManualWrite<'_>],
) -> Option<Fix> {
    let mut edits = Vec::new();
    let keywords: Vec<Node> = writes.iter().filter(|w| w.is_keyword).map(|w| w.node).collect();
    if !keywords.is_empty() {
        edits.extend(arguments::remove_arguments(checker.text, &keywords)?);
    }
    let statements: HashSet<usize> = writes.iter().filter(|w| !w.is_keyword).map(|w| w.node.id()).collect();
    for (first, last) in removable_runs(writes, &statements) {
        edits.push(delete_statements::delete_statements_and_comments(
            checker.text,
            first,
            last,
        )?);
    }
    // The repository's own stamp replaces what was written by hand: an
    // audit write is never removed without one in its place.
    let model = entity.model.as_deref()?;
    let mut kinds: Vec<Kind> = writes.iter().map(|w| w.kind).collect();
    kinds.sort();
    kinds.dedup();
    for kind in kinds {
        let stamp = checker.stamp_of(model, kind)?.ok()?;
        if !stamp.setter().is_some_and(|s| entity.calls_method(s)) {
            edits.extend(fix_parts::setter(checker, method, entity, kind)?);
        }
    }
    Fix::from_edits(edits, Applicability::Unsafe)
}

/// Runs of sibling statements to delete: each manual assignment, widened to
/// the outermost `if` whose every branch holds only removable statements.
fn removable_runs<'t>(writes: &[ManualWrite<'t>], manual: &HashSet<usize>) -> Vec<(Node<'t>, Node<'t>)> {
    let mut tops: Vec<Node<'t>> = Vec::new();
    for write in writes.iter().filter(|w| !w.is_keyword) {
        let mut top = write.node;
        while let Some(owner) = owning_statement(top) {
            if removable(owner, manual) {
                top = owner;
            } else {
                break;
            }
        }
        if !tops.iter().any(|t| t.id() == top.id()) {
            tops.push(top);
        }
    }
    tops.sort_by_key(|t| t.start_byte());
    // Group consecutive siblings.
    let mut runs: Vec<(Node<'t>, Node<'t>)> = Vec::new();
    for top in tops {
        if let Some((_, last)) = runs.last_mut() {
            let adjacent = last.parent().map(|p| p.id()) == top.parent().map(|p| p.id())
                && last.parent().is_some_and(|block| {
                    let stmts = statements(block);
                    let a = stmts.iter().position(|s| s.id() == last.id());
                    let b = stmts.iter().position(|s| s.id() == top.id());
                    matches!((a, b), (Some(a), Some(b)) if b == a + 1)
                });
            if adjacent {
                *last = top;
                continue;
            }
        }
        runs.push((top, top));
    }
    runs
}

/// The compound statement whose block holds `statement` (`if` / `elif` /
/// `else` lead to the `if_statement`).
fn owning_statement(statement: Node<'_>) -> Option<Node<'_>> {
    let block = statement.parent()?;
    if block.kind_str() != "block" {
        return None;
    }
    let mut owner = block.parent()?;
    if matches!(owner.kind_str(), "elif_clause" | "else_clause") {
        owner = owner.parent()?;
    }
    (owner.kind_str() == "if_statement").then_some(owner)
}

/// Whether a statement holds nothing but manual audit writes.
fn removable(statement: Node<'_>, manual: &HashSet<usize>) -> bool {
    if manual.contains(&statement.id()) {
        return true;
    }
    if statement.kind_str() != "if_statement" {
        return false;
    }
    let mut blocks = Vec::new();
    let mut cursor = statement.walk();
    for child in statement.named_children(&mut cursor) {
        match child.kind_str() {
            "block" => blocks.push(child),
            "elif_clause" | "else_clause" => {
                let mut c = child.walk();
                blocks.extend(child.named_children(&mut c).filter(|n| n.kind_str() == "block"));
            }
            _ => {}
        }
    }
    !blocks.is_empty()
        && blocks.iter().all(|b| {
            let stmts = statements(*b);
            !stmts.is_empty() && stmts.iter().all(|s| removable(*s, manual))
        })
}

pub fn check(checker: &mut Checker<'_>, method: &WriteMethod<'_>) {
    for entity in &method.entities {
        let writes = manual_writes(checker, method, entity);
        // Verify that some mixin column is set by hand.
        let by_hand: Vec<&ManualWrite> = writes.iter().filter(|w| !w.unmapped).collect();
        let (Some(first), Some(last)) = (by_hand.first(), by_hand.last()) else {
            continue;
        };
        let mut names: Vec<&str> = by_hand.iter().map(|w| w.attribute.as_str()).collect();
        names.dedup();
        names.sort();
        names.dedup();
        let instead = match entity.model.as_deref().and_then(|m| checker.stamp_of(m, first.kind)) {
            Some(Ok(crate::convention::Stamp::Standard { setter })) => {
                format!("use `{}.{setter}(...)` from the audit context", entity.variable)
            }
            None => format!(
                "use `{}.{}(...)` from the audit context",
                entity.variable,
                checker.settings.setters.get(first.kind)
            ),
            Some(Ok(stamp)) => format!(
                "use `{}`",
                stamp.describe(&entity.variable, method.user_parameter(checker.settings))
            ),
            Some(Err(why)) => format!("not fixed: {why}"),
        };
        let message = format!(
            "`{}` sets audit columns by hand ({}): {instead}",
            method.function.qualified,
            names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", "),
        );
        let fix = fix(checker, method, entity, &writes);
        checker.report(
            Rule::ManualAuditFields,
            first.node.start_byte()..last.node.end_byte(),
            Some(method),
            message,
            fix,
        );
    }
}
