//! Building blocks shared by the rules' fixes.
//!
//! Each block returns the edits one piece of the standard needs (the user
//! parameter, the audit context, the setter call, the timestamps, an import)
//! computed deterministically from the method, so that two rules needing the
//! same piece produce identical edits, which the engine merges. That is what
//! makes every fix self-contained: accepting the setter alone brings the
//! context, the parameter and the import with it, and nothing twice.
//!
//! Blocks return `None` when the piece cannot be built safely; the rule
//! then reports without a fix.

use crate::analysis::functions::{Entity, WriteMethod};
use crate::analysis::module::Binding;
use crate::analysis::source::{contains, dotted_name, statements};
use crate::checker::Checker;
use crate::settings::{Kind, TimestampStyle};
use auditfix_transforms::{add_import, add_parameter, insert_statements, snippets, Edit};
use tree_sitter::Node;

/// The edit importing `name` from `module`, or nothing when the name is
/// already bound (directly or through a star import of the repository).
pub fn import(checker: &Checker<'_>, module: &str, name: &str) -> Option<Vec<Edit>> {
    if checker.index.is_bound(checker.module, name) {
        return Some(Vec::new());
    }
    checker.import_edit(module, name).map(|e| vec![e])
}

/// How `datetime` is bound in the module.
enum DatetimeForm {
    /// `from datetime import datetime` (or a star import that brings it).
    Class,
    /// `import datetime`.
    Module,
    /// Not bound: importing the class is needed.
    Unbound,
}

fn datetime_form(checker: &Checker<'_>) -> DatetimeForm {
    match checker.index.binding(checker.module, "datetime") {
        Some(Binding::Module { module }) if module == "datetime" => DatetimeForm::Module,
        Some(_) => DatetimeForm::Class,
        None => DatetimeForm::Unbound,
    }
}

/// The configured timestamp expression as this module can spell it, and
/// the import edits it needs.
pub fn timestamp(checker: &Checker<'_>) -> Option<(String, Vec<Edit>)> {
    let aware = checker.settings.timestamp_style == TimestampStyle::Aware;
    match datetime_form(checker) {
        DatetimeForm::Module => {
            let expr = if aware {
                "datetime.datetime.now(datetime.timezone.utc)"
            } else {
                "datetime.datetime.now()"
            };
            Some((expr.to_string(), Vec::new()))
        }
        DatetimeForm::Unbound if aware && !checker.index.is_bound(checker.module, "timezone") => {
            // Both names in one import line, as a person would write it.
            let edit = add_import::add_imports(
                checker.text,
                checker.root,
                "datetime",
                &["datetime", "timezone"],
                checker.stylist(),
            )?;
            Some(("datetime.now(timezone.utc)".to_string(), vec![edit]))
        }
        form => {
            let mut edits = match form {
                DatetimeForm::Unbound => import(checker, "datetime", "datetime")?,
                _ => Vec::new(),
            };
            if aware {
                edits.extend(import(checker, "datetime", "timezone")?);
                Some(("datetime.now(timezone.utc)".to_string(), edits))
            } else {
                Some(("datetime.now()".to_string(), edits))
            }
        }
    }
}

/// The user parameter of the method's kind, added when missing.
pub fn user_parameter(checker: &Checker<'_>, method: &WriteMethod<'_>) -> Option<Vec<Edit>> {
    let name = method.user_parameter(checker.settings);
    if method.function.param(name).is_some() {
        return Some(Vec::new());
    }
    add_user_parameter(checker.text, method.function.node, name, checker.stylist())
}

/// Add `name=None` to `function` where no call can shift, and document it
/// in the docstring's `Args:` / `Parameters` section when there is one.
pub fn add_user_parameter(
    text: &str,
    function: Node<'_>,
    name: &str,
    stylist: &auditfix_transforms::Stylist,
) -> Option<Vec<Edit>> {
    let mut edits = vec![add_parameter::add_parameter(
        text,
        function,
        &format!("{name}=None"),
        stylist,
    )?];
    edits.extend(auditfix_transforms::document_parameter::document_parameter(
        text,
        function,
        name,
        "The user performing this operation, recorded in the audit trail.",
        stylist,
    ));
    Some(edits)
}

/// The entity whose context anchor places the method's audit context: the
/// first one that needs auditing.
fn context_anchor<'t>(checker: &Checker<'_>, method: &WriteMethod<'t>) -> Option<Node<'t>> {
    let entity = method.entities.iter().find(|e| checker.needs_audit(method, e))?;
    let anchor = entity.context_anchor.or(entity.anchor)?;
    // The context must be visible where the setter goes: keep it in a block
    // that encloses the setter's anchor, else put it right before the setter.
    match (anchor.parent(), entity.anchor) {
        (Some(block), Some(setter)) if !contains(block, setter) => Some(setter),
        _ => Some(anchor),
    }
}

/// The audit context line (with the user parameter and the context import)
/// when the method lacks one.
pub fn audit_context(checker: &Checker<'_>, method: &WriteMethod<'_>) -> Option<Vec<Edit>> {
    if method.context.is_some() {
        return Some(Vec::new());
    }
    let settings = checker.settings;
    let user = method.user_parameter(settings);
    let anchor = context_anchor(checker, method)?;
    let line = snippets::render(
        snippets::AUDIT_CONTEXT,
        &[
            ("ctx", &settings.context_variable),
            ("context_class", &settings.context_class),
            ("constructor", &settings.context_constructor),
            ("user", user),
        ],
    );
    let mut edits = user_parameter(checker, method)?;
    edits.push(insert_statements::insert_above_comments(
        checker.text,
        anchor,
        &line,
        checker.stylist(),
    )?);
    edits.extend(import(checker, &settings.context_module, &settings.context_class)?);
    Some(edits)
}

/// The context variable's name and whether uses must be guarded.
fn context_use(checker: &Checker<'_>, method: &WriteMethod<'_>) -> (String, bool) {
    match &method.context {
        Some(ctx) => (ctx.variable.clone(), ctx.conditional),
        None => (checker.settings.context_variable.clone(), true),
    }
}

/// The guarded setter call of `kind` on `entity` (with the context it needs).
pub fn setter(checker: &Checker<'_>, method: &WriteMethod<'_>, entity: &Entity<'_>, kind: Kind) -> Option<Vec<Edit>> {
    let anchor = entity.anchor?;
    let (ctx, guarded) = context_use(checker, method);
    let template = if guarded {
        snippets::SETTER_GUARDED
    } else {
        snippets::SETTER
    };
    let text = snippets::render(
        template,
        &[
            ("ctx", &ctx),
            ("entity", &entity.variable),
            ("setter", checker.settings.setters.get(kind)),
        ],
    );
    let mut edits = audit_context(checker, method)?;
    edits.push(insert_statements::insert_above_comments(
        checker.text,
        anchor,
        &text,
        checker.stylist(),
    )?);
    Some(edits)
}

/// Assignments of `fields` on `entity` before its anchor, with the import.
pub fn timestamps(checker: &Checker<'_>, entity: &Entity<'_>, fields: &[&str]) -> Option<Vec<Edit>> {
    let anchor = entity.anchor?;
    let (now, mut edits) = timestamp(checker)?;
    let text: String = fields
        .iter()
        .map(|field| {
            snippets::render(
                snippets::TIMESTAMP,
                &[("entity", &entity.variable), ("field", field), ("now", &now)],
            )
        })
        .collect();
    edits.push(insert_statements::insert_above_comments(
        checker.text,
        anchor,
        &text,
        checker.stylist(),
    )?);
    Some(edits)
}

/// Whether an expression is `func.now()` (also `sa.func.now()`,
/// `sqlalchemy.func.now()`).
pub fn is_func_now(node: Node<'_>, text: &str) -> bool {
    node.kind() == "call"
        && node
            .child_by_field_name("arguments")
            .is_some_and(|a| a.named_child_count() == 0)
        && node
            .child_by_field_name("function")
            .and_then(|f| dotted_name(f, text))
            .is_some_and(|f| f == "func.now" || f.ends_with(".func.now"))
}

/// Whether an except clause catches `name` (alone, in a tuple, or dotted).
pub fn clause_catches(clause: Node<'_>, text: &str, name: &str) -> bool {
    let mut cursor = clause.walk();
    let values: Vec<Node> = clause.children_by_field_name("value", &mut cursor).collect();
    values.iter().any(|v| {
        let mut stack = vec![*v];
        while let Some(n) = stack.pop() {
            match n.kind() {
                "identifier" | "attribute"
                    if dotted_name(n, text).is_some_and(|d| d == name || d.ends_with(&format!(".{name}"))) =>
                {
                    return true;
                }
                "tuple" | "parenthesized_expression" | "as_pattern" => {
                    let mut c = n.walk();
                    stack.extend(n.named_children(&mut c));
                }
                _ => {}
            }
        }
        false
    })
}

/// Whether an except clause is broad: bare `except:`, `Exception` or `BaseException`.
pub fn is_broad_clause(clause: Node<'_>, text: &str) -> bool {
    let mut cursor = clause.walk();
    let has_value = clause.children_by_field_name("value", &mut cursor).next().is_some();
    !has_value || clause_catches(clause, text, "Exception") || clause_catches(clause, text, "BaseException")
}

/// The `except` clauses of a `try` statement, in order.
pub fn except_clauses(try_statement: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = try_statement.walk();
    try_statement
        .named_children(&mut cursor)
        .filter(|c| c.kind() == "except_clause")
        .collect()
}

/// The statements of a function body after its docstring.
pub fn body_statements(body: Node<'_>) -> Vec<Node<'_>> {
    let stmts = statements(body);
    let skip = stmts
        .first()
        .is_some_and(|s| s.kind() == "expression_statement" && s.named_child(0).is_some_and(|c| c.kind() == "string"));
    stmts.into_iter().skip(usize::from(skip)).collect()
}

/// "create user" for `create_user`, for messages a person reads.
pub fn words(name: &str) -> String {
    name.trim_start_matches('_').replace('_', " ")
}

/// "creates", "updates", "soft-deletes" or "deletes", for messages.
pub fn kind_verb(method: &WriteMethod<'_>) -> &'static str {
    match (method.kind, method.hard_delete) {
        (Kind::Create, _) => "creates",
        (Kind::Update, _) => "updates",
        (Kind::Delete, false) => "soft-deletes",
        (Kind::Delete, true) => "deletes",
    }
}

/// Where a finding about an entity points: its constructor, else the
/// statement that binds it, else the function's name.
pub fn entity_range(method: &WriteMethod<'_>, entity: &Entity<'_>) -> std::ops::Range<usize> {
    entity
        .constructor
        .or(entity.binding)
        .or_else(|| method.function.node.child_by_field_name("name"))
        .map_or(method.function.node.byte_range(), |n| n.byte_range())
}
