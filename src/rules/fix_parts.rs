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
use crate::analysis::module::{Binding, Clock};
use crate::analysis::source::NodeExt;
use crate::analysis::source::{contains, dotted_name, statements};
use crate::checker::Checker;
use crate::convention::Stamp;
use crate::rules::Rule;
use crate::settings::{Kind, TimestampStyle};
use auditfix_transforms::{add_import, add_parameter, insert_statements, snippets, Edit};
use tree_sitter::Node;

/// The edit importing `name` from `module`, or nothing when the name is
/// already bound (directly or through a star import of the repository).
pub fn import(checker: &Checker<'_>, module: &str, name: &str) -> Option<Vec<Edit>> {
    if checker.index.is_bound(checker.module, name) {
        // A standard-library name bound to something else (`from pytz
        // import timezone`) cannot stand for it: no fix.
        if module == "datetime" {
            let wanted = format!("{module}.{name}");
            return (checker.resolver().qualified(name).as_deref() == Some(wanted.as_str())).then(Vec::new);
        }
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
    /// Bound to something else (`from pendulum import datetime`, a
    /// module-level variable): the standard library's cannot be spelled.
    Other,
}

fn datetime_form(checker: &Checker<'_>) -> DatetimeForm {
    match checker.index.binding(checker.module, "datetime") {
        Some(Binding::Module { module }) if &**module == "datetime" => DatetimeForm::Module,
        Some(_) if checker.resolver().qualified("datetime").as_deref() == Some("datetime.datetime") => {
            DatetimeForm::Class
        }
        Some(_) => DatetimeForm::Other,
        None => DatetimeForm::Unbound,
    }
}

/// The clock a timestamp written to `column` of `model` must read: the
/// column's own (its `timezone=True`, or what its Python default computes),
/// else the configured style. One column never gets two clocks.
pub fn clock_for(checker: &Checker<'_>, model: Option<&str>, column: &str) -> Clock {
    model
        .and_then(|m| checker.index.clock(m, column))
        .unwrap_or(match checker.settings.timestamp_style {
            TimestampStyle::Aware => Clock::AwareUtc,
            TimestampStyle::Naive => Clock::NaiveLocal,
        })
}

/// How a clock is spelled, in words, for messages.
pub fn clock_words(clock: Clock) -> &'static str {
    match clock {
        Clock::AwareUtc => "aware UTC",
        Clock::NaiveUtc => "naive UTC",
        Clock::NaiveLocal => "naive local",
    }
}

/// The timestamp expression of `clock` as this module can spell it, and
/// the import edits it needs.
pub fn timestamp(checker: &Checker<'_>, clock: Clock) -> Option<(String, Vec<Edit>)> {
    let aware = clock == Clock::AwareUtc;
    let now = if clock == Clock::NaiveUtc { "utcnow" } else { "now" };
    match datetime_form(checker) {
        DatetimeForm::Module => {
            let expr = if aware {
                "datetime.datetime.now(datetime.timezone.utc)".to_string()
            } else {
                format!("datetime.datetime.{now}()")
            };
            Some((expr, Vec::new()))
        }
        DatetimeForm::Unbound if aware && !checker.index.is_bound(checker.module, "timezone") => {
            // Both names in one import line, as a person would write it.
            let edit = add_import::add_imports(
                checker.text,
                checker.root,
                "datetime",
                &["datetime", "timezone"],
                checker.stylist(),
                &checker.settings.code_style.imports,
            )?;
            Some(("datetime.now(timezone.utc)".to_string(), vec![edit]))
        }
        DatetimeForm::Other => None,
        form => {
            let mut edits = match form {
                DatetimeForm::Unbound => import(checker, "datetime", "datetime")?,
                _ => Vec::new(),
            };
            if aware {
                edits.extend(import(checker, "datetime", "timezone")?);
                Some(("datetime.now(timezone.utc)".to_string(), edits))
            } else {
                Some((format!("datetime.{now}()"), edits))
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
    // The parameter is AUD001's edit: not made where AUD001 is off.
    if !checker.allows(Rule::MissingUserParameter, method) {
        return None;
    }
    add_user_parameter(checker.text, method.function.node, name, checker.stylist())
}

/// Why a fix that needs the user parameter or the audit context cannot
/// have them: the rule that adds the missing one is ignored (by flag,
/// configuration or suppression) for this method. Empty when nothing is
/// missing or the rules are on.
pub fn needs_ignored_rule(checker: &Checker<'_>, method: &WriteMethod<'_>) -> String {
    let parameter = method.user_parameter(checker.settings);
    let (rule, what) = if method.context.is_none()
        && method.entities.iter().any(|e| needs_context(checker, method, e))
        && !checker.allows(Rule::MissingAuditContext, method)
    {
        (
            Rule::MissingAuditContext,
            format!("`{}`", checker.settings.context_variable),
        )
    } else if method.function.param(parameter).is_none() && !checker.allows(Rule::MissingUserParameter, method) {
        (Rule::MissingUserParameter, format!("the `{parameter}` parameter"))
    } else {
        return String::new();
    };
    format!(
        "; not fixed: it needs {what}, which {} adds, and {} is ignored here",
        rule.code(),
        rule.code()
    )
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

/// Where the method's audit context goes: before the first audited
/// entity's context anchor, when that statement stands before every
/// setter the method gets, in a block that holds them all; else before
/// the statement of the function body that holds the first setter. The
/// context is then bound on every path to every setter.
fn context_anchor<'t>(checker: &Checker<'_>, method: &WriteMethod<'t>) -> Option<Node<'t>> {
    let audited: Vec<&Entity<'t>> = method
        .entities
        .iter()
        .filter(|e| needs_context(checker, method, e))
        .collect();
    let entity = audited.first()?;
    let setters: Vec<Node<'t>> = audited.iter().filter_map(|e| e.anchor).collect();
    let first_setter = *setters.iter().min_by_key(|s| s.start_byte())?;
    let candidate = entity.context_anchor.or(entity.anchor)?;
    let encloses_all = candidate
        .parent()
        .is_some_and(|block| setters.iter().all(|s| contains(block, *s)));
    if encloses_all && candidate.start_byte() <= first_setter.start_byte() {
        return Some(candidate);
    }
    // The top-level statement that holds the first setter.
    let mut top = first_setter;
    while let Some(parent) = top.parent() {
        if parent.id() == method.function.body.id() {
            return Some(top);
        }
        top = parent;
    }
    None
}

/// The audit context line (with the user parameter and the context import)
/// when the method lacks one.
pub fn audit_context(checker: &Checker<'_>, method: &WriteMethod<'_>) -> Option<Vec<Edit>> {
    if method.context.is_some() {
        return Some(Vec::new());
    }
    // The context line is AUD002's edit: not made where AUD002 is off.
    if !checker.allows(Rule::MissingAuditContext, method) {
        return None;
    }
    // A local of the context's name that holds something else: never overwrite it.
    if method.context_conflict {
        return None;
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
    edits.extend(import(checker, &context_module(checker)?, &settings.context_class)?);
    Some(edits)
}

/// `found` (a module name made from its path, maybe with folders above
/// the import root: `backend.app.core.audit`) as this module's imports
/// spell first-party modules (`app.core.audit`): cut before the first part
/// that begins one of its `from x import` lines. `None` when none does.
fn importable(checker: &Checker<'_>, found: &str) -> Option<String> {
    let parts: Vec<&str> = found.split('.').collect();
    let roots: Vec<&str> = checker
        .module
        .bindings
        .iter()
        .filter_map(|(_, b)| match b {
            Binding::From { module, .. } => module.split('.').next(),
            _ => None,
        })
        .collect();
    (0..parts.len())
        .find(|i| roots.contains(&parts[*i]))
        .map(|i| parts[i..].join("."))
}

/// The module the context class is imported from: the configured one when
/// the repository defines the class there (or the class is not in the
/// repository at all, as an installed package), else the module of the
/// repository that does define it. Never a first-party module that does
/// not exist.
pub fn context_module(checker: &Checker<'_>) -> Option<String> {
    let settings = checker.settings;
    let configured = checker.index.module(&settings.context_module);
    if configured.is_some_and(|m| {
        m.classes.iter().any(|c| c.name == settings.context_class) || m.bindings.contains_key(&settings.context_class)
    }) {
        return Some(settings.context_module.clone());
    }
    if let Some(found) = checker.index.class_module(&settings.context_class) {
        return importable(checker, found);
    }
    // Neither here nor anywhere in the repository: a package's, by the
    // configuration, unless its first segment is a package of the repository.
    let top = settings.context_module.split('.').next().unwrap_or_default();
    (checker.index.module(top).is_none()).then(|| settings.context_module.clone())
}

/// The context variable's name and whether uses must be guarded.
fn context_use(checker: &Checker<'_>, method: &WriteMethod<'_>) -> (String, bool) {
    match &method.context {
        Some(ctx) => (ctx.variable.clone(), ctx.conditional),
        None => (checker.settings.context_variable.clone(), true),
    }
}

/// Why the method's user parameter cannot be proven a user row, for a
/// stamp that reads its attributes: it is annotated as something else than
/// the user model (a token's `dict`, an id), or no user model is known.
/// `None` when nothing says it is not one (an unannotated parameter, as the
/// fix adds it, which the callers' fixes feed with the user in scope).
pub fn user_not_proven(checker: &Checker<'_>, method: &WriteMethod<'_>, entity: &Entity<'_>) -> Option<String> {
    let user = method.user_parameter(checker.settings);
    let annotation = method.function.param(user)?.annotation.as_deref()?;
    let model = entity
        .model
        .as_deref()
        .and_then(|m| crate::convention::user_model(checker.index, checker.settings, m));
    let names_model = model.as_deref().is_some_and(|model| {
        annotation
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .any(|w| w == model)
    });
    (!names_model).then(|| {
        format!(
            "; not fixed: `{user}` is annotated `{annotation}`, not the user model{}",
            model.map(|m| format!(" `{m}`")).unwrap_or_default()
        )
    })
}

/// Whether `entity` is stamped through the audit context: the standard's
/// setter call.
pub fn needs_context(checker: &Checker<'_>, method: &WriteMethod<'_>, entity: &Entity<'_>) -> bool {
    !method.hard_delete && matches!(checker.stamp(entity), Some(Stamp::Standard { .. }))
}

/// The stamp of `kind` on `entity` in the repository's words (see
/// [`crate::convention`]): the standard's guarded setter call with the
/// context it needs, or the mixin's own setter or columns from the acting
/// user, guarded where the user may be `None`.
pub fn setter(checker: &Checker<'_>, method: &WriteMethod<'_>, entity: &Entity<'_>, kind: Kind) -> Option<Vec<Edit>> {
    let anchor = entity.anchor?;
    let stamp = match checker.stamp(entity)? {
        Stamp::Standard { .. } => Stamp::Standard {
            setter: checker.settings.setters.get(kind).clone(),
        },
        // Another kind's stamp than the row's (a create method that sets
        // `updated_by` by hand): the same mixin's, of that kind.
        stamp if kind == entity.kind => stamp,
        _ => {
            let model = entity.model.as_deref()?;
            checker.stamp_of(model, kind)?.ok()?
        }
    };
    let (text, mut edits) = match &stamp {
        Stamp::Standard { setter } => {
            let (ctx, guarded) = context_use(checker, method);
            let template = if guarded {
                snippets::SETTER_GUARDED
            } else {
                snippets::SETTER
            };
            let text = snippets::render(
                template,
                &[("ctx", &ctx), ("entity", &entity.variable), ("setter", setter)],
            );
            (text, audit_context(checker, method)?)
        }
        Stamp::Setter { .. } | Stamp::Columns(_) => {
            let user = method.user_parameter(checker.settings);
            if user_not_proven(checker, method, entity).is_some() {
                return None;
            }
            let lines = match &stamp {
                Stamp::Setter { name, args } => vec![format!(
                    "{}.{name}({})",
                    entity.variable,
                    args.iter().map(|a| a.of(user)).collect::<Vec<_>>().join(", ")
                )],
                Stamp::Columns(columns) => columns
                    .iter()
                    .map(|(column, part)| format!("{}.{column} = {}", entity.variable, part.of(user)))
                    .collect(),
                Stamp::Standard { .. } => unreachable!("handled above"),
            };
            // A parameter added here, or one with a default, may be `None`.
            let guarded = method.function.param(user).is_none_or(|p| p.has_default);
            let text = if guarded {
                snippets::render(
                    snippets::STAMP_GUARDED,
                    &[("user", user), ("stamp", &lines.join("\n    "))],
                )
            } else {
                lines.iter().map(|l| format!("{l}\n")).collect()
            };
            (text, user_parameter(checker, method)?)
        }
    };
    edits.push(insert_statements::insert_above_comments(
        checker.text,
        anchor,
        &text,
        checker.stylist(),
    )?);
    Some(edits)
}

/// Whether the function binds `name` itself (a parameter or a local), so
/// that a module-level `datetime` is not what the name means there.
pub fn shadows(method: &WriteMethod<'_>, name: &str, text: &str) -> bool {
    shadows_in(&method.function, &method.nodes, name, text)
}

/// [`shadows`] for any function, given its body's nodes.
pub fn shadows_in(
    function: &crate::analysis::functions::Function<'_>,
    nodes: &[Node<'_>],
    name: &str,
    text: &str,
) -> bool {
    function.param(name).is_some()
        || nodes.iter().any(|n| {
            let target = match n.kind_str() {
                "assignment" | "for_statement" | "augmented_assignment" => n.field("left"),
                "named_expression" => n.field("name"),
                "as_pattern_target" => n.named_child(0),
                _ => None,
            };
            let bound = target.is_some_and(|t| {
                let mut stack = vec![t];
                while let Some(x) = stack.pop() {
                    if x.kind_str() == "identifier" && &text[x.byte_range()] == name {
                        return true;
                    }
                    if matches!(x.kind_str(), "pattern_list" | "tuple_pattern" | "list_pattern") {
                        let mut c = x.walk();
                        stack.extend(x.named_children(&mut c));
                    }
                }
                false
            });
            // A local import of the name binds it too.
            bound
                || (matches!(n.kind_str(), "import_from_statement" | "import_statement")
                    && text[n.byte_range()]
                        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                        .any(|w| w == name))
        })
}

/// Why the setter and timestamps of `entity` cannot be placed, for the
/// message of a finding left without a fix.
pub fn why_not(entity: &Entity<'_>) -> String {
    match &entity.unplaced {
        Some(reason) => format!("; not fixed: {reason}"),
        None => String::new(),
    }
}

/// Assignments of `fields` on `entity` before its anchor, with the import.
pub fn timestamps(
    checker: &Checker<'_>,
    method: &WriteMethod<'_>,
    entity: &Entity<'_>,
    fields: &[&str],
) -> Option<Vec<Edit>> {
    let anchor = entity.anchor?;
    // A parameter or local named `datetime` (or `timezone`) is not the module's.
    if shadows(method, "datetime", checker.text) || shadows(method, "timezone", checker.text) {
        return None;
    }
    let mut edits = Vec::new();
    let mut text = String::new();
    for field in fields {
        let (now, imports) = timestamp(checker, clock_for(checker, entity.model.as_deref(), field))?;
        for edit in imports {
            if !edits.contains(&edit) {
                edits.push(edit);
            }
        }
        text.push_str(&snippets::render(
            snippets::TIMESTAMP,
            &[("entity", &entity.variable), ("field", field), ("now", &now)],
        ));
    }
    edits.push(insert_statements::insert_above_comments(
        checker.text,
        anchor,
        &text,
        checker.stylist(),
    )?);
    Some(edits)
}

/// Whether an expression calls SQLAlchemy's `func.now()`, by qualified
/// name: `func.now()`, `sa.func.now()`, `sa_func.now()` after `from
/// sqlalchemy import func as sa_func`; not a `func` of another library or
/// a local.
pub fn is_func_now(node: Node<'_>, checker: &Checker<'_>) -> bool {
    node.kind_str() == "call"
        && node.field("arguments").is_some_and(|a| a.named_child_count() == 0)
        && node
            .field("function")
            .and_then(|f| dotted_name(f, checker.text))
            .and_then(|f| checker.resolver().qualified(&f))
            .is_some_and(|q| matches!(q.split('.').next(), Some("sqlalchemy" | "sqlmodel")) && q.ends_with(".func.now"))
}

/// Whether an except clause catches `name` (alone, in a tuple, or dotted).
pub fn clause_catches(clause: Node<'_>, text: &str, name: &str) -> bool {
    let mut cursor = clause.walk();
    let values: Vec<Node> = clause.children_by_field_name("value", &mut cursor).collect();
    values.iter().any(|v| {
        let mut stack = vec![*v];
        while let Some(n) = stack.pop() {
            match n.kind_str() {
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

/// Whether an except clause catches the integrity error before a clause
/// for it could: bare `except:`, `Exception`, `BaseException`, or one of
/// `IntegrityError`'s bases in SQLAlchemy (`SQLAlchemyError`, `DBAPIError`,
/// `DatabaseError`, `StatementError`).
pub fn is_broad_clause(clause: Node<'_>, text: &str) -> bool {
    let mut cursor = clause.walk();
    let has_value = clause.children_by_field_name("value", &mut cursor).next().is_some();
    !has_value
        || [
            "Exception",
            "BaseException",
            "SQLAlchemyError",
            "DBAPIError",
            "DatabaseError",
            "StatementError",
        ]
        .iter()
        .any(|name| clause_catches(clause, text, name))
}

/// The `except` clauses of a `try` statement, in order.
pub fn except_clauses(try_statement: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = try_statement.walk();
    try_statement
        .named_children(&mut cursor)
        .filter(|c| c.kind_str() == "except_clause")
        .collect()
}

/// The statements of a function body after its docstring.
pub fn body_statements(body: Node<'_>) -> Vec<Node<'_>> {
    let stmts = statements(body);
    let skip = stmts.first().is_some_and(|s| {
        s.kind_str() == "expression_statement" && s.named_child(0).is_some_and(|c| c.kind_str() == "string")
    });
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
        .or_else(|| method.function.node.field("name"))
        .map_or(method.function.node.byte_range(), |n| n.byte_range())
}
