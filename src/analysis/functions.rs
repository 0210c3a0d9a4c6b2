//! Functions and write methods of one file.
//!
//! A *write method* is a function whose name announces a kind (create /
//! update / delete, from the configured patterns) and whose body writes
//! through the session, or whose body alone shows it: adding a constructed
//! model (create) or deleting a row (hard delete). For each, this module
//! finds the session expression, the entities written (variable, model,
//! where audit lines belong), the audit context, setter calls, attribute
//! writes and the `try` statements around the writes. No rule logic: what
//! is *wrong* is for `rules/` to say.

use super::module::{ClassFacts, ModuleFacts};
use super::source::{contains, dotted_name, enclosing_statement, scope_descendants, statements};
use crate::settings::{Kind, Settings};
use tree_sitter::Node;

/// How a parameter can be passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamKind {
    /// Before `/`: by position only.
    PositionalOnly,
    /// By position or keyword.
    Positional,
    /// `*args`.
    VarArgs,
    /// After `*` or `*args`: by keyword only.
    KeywordOnly,
    /// `**kwargs`.
    VarKeyword,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Param {
    pub name: String,
    pub kind: ParamKind,
    pub has_default: bool,
    /// The annotation's text, if any.
    pub annotation: Option<String>,
}

/// A function or method definition.
#[derive(Clone, Debug)]
pub struct Function<'t> {
    /// The `function_definition` node.
    pub node: Node<'t>,
    pub name: String,
    /// `Class.method` or `function`.
    pub qualified: String,
    /// The enclosing class, when a method.
    pub class: Option<String>,
    pub is_async: bool,
    pub params: Vec<Param>,
    pub body: Node<'t>,
}

impl Function<'_> {
    pub fn param(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|p| p.name == name)
    }

    /// The line of the `def` (1-based).
    pub fn line(&self) -> usize {
        self.node.start_position().row + 1
    }
}

/// A call on the session (`self.db.add(user)`).
#[derive(Clone, Debug)]
pub struct SessionCall<'t> {
    /// `add`, `flush`, `commit`, `delete`, `refresh`, `rollback` ...
    pub method: String,
    pub call: Node<'t>,
    pub statement: Node<'t>,
    /// The first argument when it is a plain name.
    pub argument: Option<String>,
}

impl SessionCall<'_> {
    pub fn is_write(&self) -> bool {
        matches!(
            self.method.as_str(),
            "add" | "add_all" | "flush" | "commit" | "delete" | "merge"
        )
    }

    pub fn is_flush(&self) -> bool {
        matches!(self.method.as_str(), "flush" | "commit")
    }
}

/// `entity.attr = value`.
#[derive(Clone, Debug)]
pub struct AttributeWrite<'t> {
    pub attribute: String,
    /// The `attribute` node on the left.
    pub target: Node<'t>,
    pub value: Node<'t>,
    pub statement: Node<'t>,
}

/// A model instance a write method creates, updates or deletes.
#[derive(Clone, Debug)]
pub struct Entity<'t> {
    pub variable: String,
    /// The model class, when it can be told.
    pub model: Option<String>,
    /// The statement that binds the variable (`user = User(...)`), if any
    /// (an entity can be a parameter).
    pub binding: Option<Node<'t>>,
    /// The constructor call, for created entities.
    pub constructor: Option<Node<'t>>,
    /// Where the setter and timestamps go: before this statement (the
    /// `add` of a created entity, the first flush after an update's writes).
    pub anchor: Option<Node<'t>>,
    /// Where the audit context goes: before this statement.
    pub context_anchor: Option<Node<'t>>,
    pub attribute_writes: Vec<AttributeWrite<'t>>,
    /// `entity.set_*(...)` calls: method name and statement.
    pub method_calls: Vec<(String, Node<'t>)>,
}

impl<'t> Entity<'t> {
    /// Keyword arguments of the constructor: name and the `keyword_argument` node.
    pub fn constructor_keywords(&self, text: &str) -> Vec<(String, Node<'t>)> {
        let Some(call) = self.constructor else {
            return Vec::new();
        };
        let Some(args) = call.child_by_field_name("arguments") else {
            return Vec::new();
        };
        let mut cursor = args.walk();
        args.named_children(&mut cursor)
            .filter(|a| a.kind() == "keyword_argument")
            .filter_map(|a| {
                a.child_by_field_name("name")
                    .map(|n| (text[n.byte_range()].to_string(), a))
            })
            .collect()
    }

    pub fn calls_method(&self, name: &str) -> bool {
        self.method_calls.iter().any(|(m, _)| m == name)
    }
}

/// `audit_ctx = AuditContext.from_user(user) if user else None`.
#[derive(Clone, Debug)]
pub struct ContextAssignment<'t> {
    pub variable: String,
    pub statement: Node<'t>,
    /// Whether the value can be `None` (a conditional expression): then uses
    /// must be guarded.
    pub conditional: bool,
}

/// A function that writes through the session.
#[derive(Clone, Debug)]
pub struct WriteMethod<'t> {
    pub function: Function<'t>,
    pub kind: Kind,
    /// `session.delete(x)`: no row is left to stamp.
    pub hard_delete: bool,
    /// The session expression (`self.db`).
    pub session: String,
    pub session_calls: Vec<SessionCall<'t>>,
    pub entities: Vec<Entity<'t>>,
    pub context: Option<ContextAssignment<'t>>,
    /// Every node of the body in document order (nested scopes excluded),
    /// computed once for all rules.
    pub nodes: Vec<Node<'t>>,
}

impl<'t> WriteMethod<'t> {
    /// The first call that writes (add, flush, delete ...).
    pub fn first_write(&self) -> Option<&SessionCall<'t>> {
        self.session_calls.iter().find(|c| c.is_write())
    }

    /// The innermost `try` whose body holds the first write.
    pub fn enclosing_try(&self) -> Option<Node<'t>> {
        let write = self.first_write()?;
        let mut node = write.call;
        while let Some(parent) = node.parent() {
            if parent.id() == self.function.node.id() {
                return None;
            }
            if parent.kind() == "try_statement"
                && parent
                    .child_by_field_name("body")
                    .is_some_and(|b| contains(b, write.call))
            {
                return Some(parent);
            }
            node = parent;
        }
        None
    }

    /// The user parameter the standard asks of this method's kind.
    pub fn user_parameter<'s>(&self, settings: &'s Settings) -> &'s str {
        settings.user_parameters.get(self.kind)
    }
}

/// Every function definition of the file, with its enclosing class.
pub fn functions<'t>(root: Node<'t>, text: &str) -> Vec<Function<'t>> {
    let mut out = Vec::new();
    let mut stack: Vec<(Node<'t>, Option<String>)> = vec![(root, None)];
    let mut cursor = root.walk();
    while let Some((node, class)) = stack.pop() {
        let children: Vec<Node<'t>> = node
            .named_children(&mut cursor)
            .filter(|c| super::source::holds_statements(c.kind()))
            .collect();
        for child in children.into_iter().rev() {
            match child.kind() {
                "function_definition" => {
                    if let Some(f) = function(child, class.clone(), text) {
                        // Nested functions are their own scope, not methods.
                        stack.push((f.body, None));
                        out.push(f);
                    }
                }
                "class_definition" => {
                    let name = child
                        .child_by_field_name("name")
                        .map(|n| text[n.byte_range()].to_string());
                    if let Some(body) = child.child_by_field_name("body") {
                        stack.push((body, name));
                    }
                }
                _ => stack.push((child, class.clone())),
            }
        }
    }
    out.sort_by_key(|f| f.node.start_byte());
    out
}

fn function<'t>(node: Node<'t>, class: Option<String>, text: &str) -> Option<Function<'t>> {
    let name = text[node.child_by_field_name("name")?.byte_range()].to_string();
    let body = node.child_by_field_name("body")?;
    let is_async = node.child(0).is_some_and(|c| c.kind() == "async");
    let params = parameters(node.child_by_field_name("parameters")?, text);
    let qualified = match &class {
        Some(c) => format!("{c}.{name}"),
        None => name.clone(),
    };
    Some(Function {
        node,
        name,
        qualified,
        class,
        is_async,
        params,
        body,
    })
}

fn parameters(list: Node<'_>, text: &str) -> Vec<Param> {
    let mut out = Vec::new();
    let mut after_star = false;
    let mut cursor = list.walk();
    for p in list.named_children(&mut cursor) {
        let (inner, annotation, has_default) = match p.kind() {
            "typed_parameter" => {
                let mut c = p.walk();
                let inner = p.named_children(&mut c).next();
                (
                    inner,
                    p.child_by_field_name("type").map(|t| text[t.byte_range()].to_string()),
                    false,
                )
            }
            "default_parameter" => (p.child_by_field_name("name"), None, true),
            "typed_default_parameter" => (
                p.child_by_field_name("name"),
                p.child_by_field_name("type").map(|t| text[t.byte_range()].to_string()),
                true,
            ),
            "keyword_separator" => {
                after_star = true;
                continue;
            }
            "positional_separator" => {
                for prev in out.iter_mut() {
                    let prev: &mut Param = prev;
                    if prev.kind == ParamKind::Positional {
                        prev.kind = ParamKind::PositionalOnly;
                    }
                }
                continue;
            }
            _ => (Some(p), None, false),
        };
        let Some(inner) = inner else { continue };
        let (name, kind) = match inner.kind() {
            "identifier" => (
                text[inner.byte_range()].to_string(),
                if after_star {
                    ParamKind::KeywordOnly
                } else {
                    ParamKind::Positional
                },
            ),
            "list_splat_pattern" => {
                after_star = true;
                (
                    text[inner.byte_range()].trim_start_matches('*').to_string(),
                    ParamKind::VarArgs,
                )
            }
            "dictionary_splat_pattern" => (
                text[inner.byte_range()].trim_start_matches('*').to_string(),
                ParamKind::VarKeyword,
            ),
            _ => continue,
        };
        out.push(Param {
            name,
            kind,
            has_default,
            annotation,
        });
    }
    out
}

/// The byte prefilter of per-file rules: whether a file's text can hold a
/// finding at all. A write method calls a session write (`db.add(`,
/// `session.flush(` ... for the configured session expressions); AUD005
/// needs `func.now`. Files that cannot are parsed once for their facts and
/// their trees freed. Derived from the configuration, never hard-coded.
///
/// It also tells whether a text names a user parameter (the callers' step
/// reads such files: see `callers::Naming`), so that loading answers that
/// while it holds the text.
pub struct Prefilter {
    matcher: Option<aho_corasick::AhoCorasick>,
    user_names: Option<aho_corasick::AhoCorasick>,
}

impl Prefilter {
    pub fn new(settings: &Settings) -> Prefilter {
        let mut needles: Vec<String> = vec!["func.now".to_string()];
        for expression in &settings.session_expressions {
            let receiver = expression.rsplit('.').next().unwrap_or(expression);
            for write in SESSION_WRITES {
                needles.push(format!("{receiver}{write}"));
            }
        }
        needles.sort();
        needles.dedup();
        let user_names: Vec<&str> = crate::settings::Kind::ALL
            .iter()
            .map(|k| settings.user_parameters.get(*k).as_str())
            .collect();
        Prefilter {
            matcher: aho_corasick::AhoCorasick::new(&needles).ok(),
            user_names: aho_corasick::AhoCorasick::new(user_names).ok(),
        }
    }

    /// Whether `text` names one of the configured user parameters.
    pub fn names_a_user(&self, text: &str) -> bool {
        self.user_names.as_ref().is_none_or(|m| m.is_match(text))
    }

    pub fn may_hold_findings(&self, text: &str) -> bool {
        self.matcher.as_ref().is_none_or(|m| m.is_match(text))
    }
}

/// Calls that write through a session; a body with none of them holds no write.
const SESSION_WRITES: &[&str] = &[".add(", ".add_all(", ".flush(", ".commit(", ".delete(", ".merge("];

/// Analyse `function` as a write method; `None` when it is not one.
pub fn write_method<'t>(
    function: Function<'t>,
    text: &str,
    settings: &Settings,
    module: &ModuleFacts,
    is_model: &dyn Fn(&str) -> bool,
) -> Option<WriteMethod<'t>> {
    // Most functions never call a session method: tell from the bytes
    // before walking the tree.
    let body = &text[function.body.byte_range()];
    if !SESSION_WRITES.iter().any(|needle| body.contains(needle)) {
        return None;
    }
    let nodes = scope_descendants(function.body);
    let session_calls = session_calls(&nodes, text, settings, &function);
    if !session_calls.iter().any(SessionCall::is_write) {
        return None;
    }
    let session = session_calls
        .first()
        .map(|c| session_of(c.call, text))
        .unwrap_or_default();
    let assignments = assignments(&nodes, text);
    let hard_delete = session_calls.iter().any(|c| c.method == "delete");

    let added: Vec<&SessionCall> = session_calls
        .iter()
        .filter(|c| c.method == "add" && c.argument.is_some())
        .collect();
    let class = function
        .class
        .as_deref()
        .and_then(|c| module.classes.iter().find(|k| k.name == c));

    // The kind: from the name, else from the body.
    let name_kind = settings.kind_from_name(&function.name);
    let kind = match name_kind {
        Some(kind) => kind,
        None if hard_delete => Kind::Delete,
        None if added.iter().any(|c| {
            let var = c.argument.as_deref().unwrap_or_default();
            constructed_model(&assignments, var, c.call.start_byte(), text).is_some_and(|m| is_model(&m))
        }) =>
        {
            Kind::Create
        }
        None => return None,
    };

    let mut entities = Vec::new();
    if kind == Kind::Create {
        for call in &added {
            let var = call.argument.clone().unwrap_or_default();
            let Some((binding, ctor)) = last_assignment(&assignments, &var, call.call.start_byte()) else {
                continue;
            };
            let Some(model) = constructor_name(ctor, text) else {
                continue;
            };
            if entities.iter().any(|e: &Entity| e.variable == var) {
                continue;
            }
            let mut entity = Entity {
                variable: var.clone(),
                model: Some(model),
                binding: Some(binding),
                constructor: Some(ctor),
                anchor: Some(call.statement),
                context_anchor: Some(binding),
                attribute_writes: Vec::new(),
                method_calls: Vec::new(),
            };
            fill_uses(&mut entity, &nodes, text);
            entities.push(entity);
        }
    }
    if hard_delete {
        for call in session_calls.iter().filter(|c| c.method == "delete") {
            let Some(var) = call.argument.clone() else {
                continue;
            };
            let binding = last_assignment(&assignments, &var, call.call.start_byte()).map(|(s, _)| s);
            let model = binding.and_then(|b| loaded_model(b, text, class, is_model));
            let mut entity = Entity {
                variable: var,
                model,
                binding,
                constructor: None,
                anchor: None,
                context_anchor: None,
                attribute_writes: Vec::new(),
                method_calls: Vec::new(),
            };
            fill_uses(&mut entity, &nodes, text);
            entities.push(entity);
        }
    } else if entities.is_empty() {
        entities.extend(loaded_entities(
            &function,
            &nodes,
            &assignments,
            &session_calls,
            text,
            class,
            is_model,
        ));
    }

    let context = context_assignment(&nodes, text, settings);
    Some(WriteMethod {
        function,
        kind,
        hard_delete,
        session,
        session_calls,
        entities,
        context,
        nodes,
    })
}

fn session_of(call: Node<'_>, text: &str) -> String {
    call.child_by_field_name("function")
        .and_then(|f| f.child_by_field_name("object"))
        .and_then(|o| dotted_name(o, text))
        .unwrap_or_default()
}

fn session_calls<'t>(
    nodes: &[Node<'t>],
    text: &str,
    settings: &Settings,
    function: &Function<'t>,
) -> Vec<SessionCall<'t>> {
    let mut out = Vec::new();
    for node in nodes {
        if node.kind() != "call" {
            continue;
        }
        let Some(f) = node.child_by_field_name("function") else {
            continue;
        };
        if f.kind() != "attribute" {
            continue;
        }
        let (Some(object), Some(attr)) = (f.child_by_field_name("object"), f.child_by_field_name("attribute")) else {
            continue;
        };
        let Some(receiver) = dotted_name(object, text) else {
            continue;
        };
        let is_session = settings
            .session_expressions
            .iter()
            .any(|s| *s == receiver && (s.contains('.') || function.param(s).is_some() || !receiver.contains('.')));
        if !is_session {
            continue;
        }
        let method = text[attr.byte_range()].to_string();
        let argument = node
            .child_by_field_name("arguments")
            .and_then(|a| {
                let mut c = a.walk();
                let first = a.named_children(&mut c).next();
                first
            })
            .filter(|a| a.kind() == "identifier")
            .map(|a| text[a.byte_range()].to_string());
        let Some(statement) = enclosing_statement(*node) else {
            continue;
        };
        out.push(SessionCall {
            method,
            call: *node,
            statement,
            argument,
        });
    }
    out
}

/// `(variable, statement, value)` of every plain-name assignment in scope.
fn assignments<'t>(nodes: &[Node<'t>], text: &str) -> Vec<(String, Node<'t>, Node<'t>)> {
    let mut out = Vec::new();
    for node in nodes {
        if node.kind() != "assignment" {
            continue;
        }
        let (Some(left), Some(right)) = (node.child_by_field_name("left"), node.child_by_field_name("right")) else {
            continue;
        };
        if left.kind() != "identifier" {
            continue;
        }
        let Some(statement) = enclosing_statement(*node) else {
            continue;
        };
        out.push((text[left.byte_range()].to_string(), statement, right));
    }
    out
}

/// The last assignment to `var` before byte `before`: statement and value.
fn last_assignment<'t>(
    assignments: &[(String, Node<'t>, Node<'t>)],
    var: &str,
    before: usize,
) -> Option<(Node<'t>, Node<'t>)> {
    assignments
        .iter()
        .filter(|(name, stmt, _)| name == var && stmt.start_byte() < before)
        .max_by_key(|(_, stmt, _)| stmt.start_byte())
        .map(|(_, stmt, value)| (*stmt, *value))
}

fn constructed_model(
    assignments: &[(String, Node<'_>, Node<'_>)],
    var: &str,
    before: usize,
    text: &str,
) -> Option<String> {
    let (_, value) = last_assignment(assignments, var, before)?;
    constructor_name(value, text)
}

/// `Model` for a value `Model(...)` / `models.Model(...)` with a capitalized name.
fn constructor_name(value: Node<'_>, text: &str) -> Option<String> {
    if value.kind() != "call" {
        return None;
    }
    let f = dotted_name(value.child_by_field_name("function")?, text)?;
    let last = f.rsplit('.').next()?.to_string();
    last.chars().next().filter(|c| c.is_ascii_uppercase()).map(|_| last)
}

/// The model an update or delete loads, from the value bound to the entity:
/// `get_by_id(Model, ...)`, `session.get(Model, ...)`, `select(Model)`, a
/// method of the class annotated `-> Model`, or the service's own
/// `BaseService[Model]`.
fn loaded_model(
    binding: Node<'_>,
    text: &str,
    class: Option<&ClassFacts>,
    is_model: &dyn Fn(&str) -> bool,
) -> Option<String> {
    // An annotated assignment names the type.
    let mut cursor = binding.walk();
    let assignment = binding.named_children(&mut cursor).find(|n| n.kind() == "assignment");
    if let Some(ty) = assignment.and_then(|a| a.child_by_field_name("type")) {
        if let Some(m) = capitalized_names(&text[ty.byte_range()])
            .into_iter()
            .find(|n| is_model(n))
        {
            return Some(m);
        }
    }
    let value = assignment.and_then(|a| a.child_by_field_name("right"))?;
    for node in std::iter::once(value).chain(scope_descendants(value)) {
        if node.kind() == "identifier" {
            let name = &text[node.byte_range()];
            if is_model(name) && node.parent().is_some_and(|p| p.kind() == "argument_list") {
                return Some(name.to_string());
            }
        }
        if node.kind() == "call" {
            if let Some(f) = node.child_by_field_name("function").and_then(|f| dotted_name(f, text)) {
                if let (Some(method), Some(class)) = (f.strip_prefix("self."), class) {
                    if let Some(ret) = class.return_annotations.get(method) {
                        if let Some(m) = capitalized_names(ret).into_iter().find(|n| is_model(n)) {
                            return Some(m);
                        }
                    }
                }
            }
        }
    }
    class.and_then(|c| c.base_type_arguments.iter().find(|n| is_model(n)).cloned())
}

fn capitalized_names(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| w.chars().next().is_some_and(|c| c.is_ascii_uppercase()))
        .map(str::to_string)
        .collect()
}

/// Record the entity's attribute writes and method calls.
fn fill_uses<'t>(entity: &mut Entity<'t>, nodes: &[Node<'t>], text: &str) {
    for node in nodes {
        match node.kind() {
            "assignment" => {
                let Some((object, attr, _)) = super::source::attribute_assignment(*node) else {
                    continue;
                };
                let Some(left) = attr.parent() else { continue };
                if object.kind() != "identifier" || text[object.byte_range()] != entity.variable {
                    continue;
                }
                let (Some(value), Some(statement)) = (node.child_by_field_name("right"), enclosing_statement(*node))
                else {
                    continue;
                };
                entity.attribute_writes.push(AttributeWrite {
                    attribute: text[attr.byte_range()].to_string(),
                    target: left,
                    value,
                    statement,
                });
            }
            "call" => {
                let Some(f) = node.child_by_field_name("function") else {
                    continue;
                };
                if f.kind() != "attribute" {
                    continue;
                }
                let (Some(object), Some(attr)) = (f.child_by_field_name("object"), f.child_by_field_name("attribute"))
                else {
                    continue;
                };
                if object.kind() == "identifier" && text[object.byte_range()] == entity.variable {
                    if let Some(stmt) = enclosing_statement(*node) {
                        entity.method_calls.push((text[attr.byte_range()].to_string(), stmt));
                    }
                }
            }
            _ => {}
        }
    }
}

/// Entities of an update or soft delete: variables loaded in the method (or
/// parameters) that the method then changes (attribute writes, `setattr`,
/// passed to a helper or refreshed) before a flush.
fn loaded_entities<'t>(
    function: &Function<'t>,
    nodes: &[Node<'t>],
    assignments: &[(String, Node<'t>, Node<'t>)],
    session_calls: &[SessionCall<'t>],
    text: &str,
    class: Option<&ClassFacts>,
    is_model: &dyn Fn(&str) -> bool,
) -> Vec<Entity<'t>> {
    // Candidate variables, in order of first binding.
    let mut candidates: Vec<String> = Vec::new();
    for (name, _, value) in assignments {
        let value_kind = value.kind();
        let loads = matches!(value_kind, "await" | "call" | "subscript" | "attribute");
        if loads && !candidates.contains(name) && constructor_name(*value, text).is_none_or(|m| !is_model(&m)) {
            candidates.push(name.clone());
        }
    }
    for p in &function.params {
        if p.annotation
            .as_deref()
            .is_some_and(|a| capitalized_names(a).iter().any(|n| is_model(n)))
            && !candidates.contains(&p.name)
        {
            candidates.push(p.name.clone());
        }
    }

    let mut out = Vec::new();
    for var in candidates {
        let mut entity = Entity {
            variable: var.clone(),
            model: None,
            binding: None,
            constructor: None,
            anchor: None,
            context_anchor: None,
            attribute_writes: Vec::new(),
            method_calls: Vec::new(),
        };
        fill_uses(&mut entity, nodes, text);
        let changed_by_setattr = nodes.iter().any(|n| {
            n.kind() == "call"
                && n.child_by_field_name("function")
                    .is_some_and(|f| &text[f.byte_range()] == "setattr")
                && first_argument_is(*n, &var, text)
        });
        let refreshed = session_calls
            .iter()
            .any(|c| c.argument.as_deref() == Some(var.as_str()) && c.method != "delete");
        let passed_to_helper = nodes.iter().any(|n| {
            n.kind() == "call"
                && n.child_by_field_name("function")
                    .and_then(|f| dotted_name(f, text))
                    .is_some_and(|f| f.starts_with("self._"))
                && first_argument_is(*n, &var, text)
        });
        let evidence = !entity.attribute_writes.is_empty() || changed_by_setattr || !entity.method_calls.is_empty();
        if !(evidence || (refreshed && passed_to_helper)) {
            continue;
        }
        // Drop candidates whose only "writes" are on plain data (a dict, a
        // response) rather than a model: require a model or a flush after.
        let binding = last_assignment(assignments, &var, function.body.end_byte()).map(|(s, _)| s);
        entity.binding = binding;
        entity.model = match binding {
            Some(b) => loaded_model(b, text, class, is_model),
            None => function
                .param(&var)
                .and_then(|p| p.annotation.as_deref())
                .and_then(|a| capitalized_names(a).into_iter().find(|n| is_model(n))),
        };
        let last_change = entity
            .attribute_writes
            .iter()
            .map(|w| w.statement.start_byte())
            .chain(entity.method_calls.iter().map(|(_, s)| s.start_byte()))
            .max()
            .unwrap_or(0)
            .max(binding.map_or(0, |b| b.end_byte()));
        entity.anchor = session_calls
            .iter()
            .filter(|c| c.is_flush() && c.statement.start_byte() > last_change)
            .map(|c| c.statement)
            .next();
        if entity.anchor.is_none() && entity.model.is_none() {
            continue;
        }
        entity.context_anchor = binding.and_then(|b| statement_after_guards(b, &var, text));
        out.push(entity);
        break;
    }
    out
}

fn first_argument_is(call: Node<'_>, var: &str, text: &str) -> bool {
    call.child_by_field_name("arguments")
        .and_then(|a| {
            let mut c = a.walk();
            let first = a.named_children(&mut c).next();
            first
        })
        .is_some_and(|a| a.kind() == "identifier" && &text[a.byte_range()] == var)
}

/// The statement after `binding` in its block, skipping `if not x:` /
/// `if x is None:` guards that follow it.
fn statement_after_guards<'t>(binding: Node<'t>, var: &str, text: &str) -> Option<Node<'t>> {
    let block = binding.parent()?;
    let stmts = statements(block);
    let pos = stmts.iter().position(|s| s.id() == binding.id())?;
    let mut rest = stmts[pos + 1..].iter();
    for stmt in rest.by_ref() {
        if stmt.kind() == "if_statement" {
            let cond = stmt
                .child_by_field_name("condition")
                .map(|c| text[c.byte_range()].split_whitespace().collect::<Vec<_>>().join(" "));
            if cond
                .as_deref()
                .is_some_and(|c| c == format!("not {var}") || c == format!("{var} is None"))
            {
                continue;
            }
        }
        return Some(*stmt);
    }
    None
}

fn context_assignment<'t>(nodes: &[Node<'t>], text: &str, settings: &Settings) -> Option<ContextAssignment<'t>> {
    for node in nodes {
        if node.kind() != "assignment" {
            continue;
        }
        let (Some(left), Some(right)) = (node.child_by_field_name("left"), node.child_by_field_name("right")) else {
            continue;
        };
        if left.kind() != "identifier" {
            continue;
        }
        let value = &text[right.byte_range()];
        let prefix = format!("{}.", settings.context_class);
        if value.starts_with(&prefix) || (right.kind() == "conditional_expression" && value.contains(&prefix)) {
            return Some(ContextAssignment {
                variable: text[left.byte_range()].to_string(),
                statement: enclosing_statement(*node)?,
                conditional: right.kind() == "conditional_expression",
            });
        }
    }
    None
}
