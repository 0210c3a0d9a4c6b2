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

use super::index::RepoIndex;
use super::module::ModuleFacts;
use super::resolve::Resolver;
use super::source::NodeExt;
use super::source::{contains, dotted_name, enclosing_statement, scope_descendants, statements};
use super::values::{self, EventKind, FunctionValues, SessionKind, Slot, Value};
use crate::settings::{Kind, Settings};
use tree_sitter::Node;

/// How a parameter can be passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
    /// What happens to this row: created (constructed here), updated, or
    /// deleted. A row loaded in a create method is updated.
    pub kind: Kind,
    /// Constructed in this function (only such rows get `created_at`).
    pub new: bool,
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
    /// Why no anchor could be proven (the row may be `None` there, or
    /// unbound on some path, or nothing flushes it), for messages.
    pub unplaced: Option<String>,
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
        let Some(args) = call.field("arguments") else {
            return Vec::new();
        };
        let mut cursor = args.walk();
        args.named_children(&mut cursor)
            .filter(|a| a.kind_str() == "keyword_argument")
            .filter_map(|a| a.field("name").map(|n| (text[n.byte_range()].to_string(), a)))
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
    /// Whether the session is sync or async, as proven by its type or by
    /// how its coroutine methods are called; never from `async def`.
    pub session_kind: SessionKind,
    pub session_calls: Vec<SessionCall<'t>>,
    pub entities: Vec<Entity<'t>>,
    pub context: Option<ContextAssignment<'t>>,
    /// The function binds the context variable's name to something that is
    /// not an audit context: adding one would overwrite it.
    pub context_conflict: bool,
    /// Every node of the body in document order (nested scopes excluded),
    /// computed once for all rules.
    pub nodes: Vec<Node<'t>>,
    /// A parameter that already holds the acting user under another name
    /// than the kind's (`current_user`, a `Depends(get_current_user)`
    /// parameter, another kind's `updated_by_user`): the standard's is not
    /// added beside it, and its callers are left as they are.
    pub acting_user: Option<String>,
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
            if parent.kind_str() == "try_statement" && parent.field("body").is_some_and(|b| contains(b, write.call)) {
                return Some(parent);
            }
            node = parent;
        }
        None
    }

    /// The parameter that holds the acting user: the one it has already
    /// ([`WriteMethod::acting_user`]), else the one the standard asks of
    /// its kind.
    pub fn user_parameter<'a>(&'a self, settings: &'a Settings) -> &'a str {
        self.acting_user
            .as_deref()
            .unwrap_or_else(|| settings.user_parameters.get(self.kind))
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
            .filter(|c| super::source::holds_statements(c.kind_str()))
            .collect();
        for child in children.into_iter().rev() {
            match child.kind_str() {
                "function_definition" => {
                    if let Some(f) = function(child, class.clone(), text) {
                        // Nested functions are their own scope, not methods.
                        stack.push((f.body, None));
                        out.push(f);
                    }
                }
                "class_definition" => {
                    let name = child.field("name").map(|n| text[n.byte_range()].to_string());
                    if let Some(body) = child.field("body") {
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
    let name = text[node.field("name")?.byte_range()].to_string();
    let body = node.field("body")?;
    let is_async = node.child(0).is_some_and(|c| c.kind_str() == "async");
    let params = parameters(node.field("parameters")?, text);
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

pub(crate) fn parameters(list: Node<'_>, text: &str) -> Vec<Param> {
    let mut out = Vec::new();
    let mut after_star = false;
    let mut cursor = list.walk();
    for p in list.named_children(&mut cursor) {
        let (inner, annotation, has_default) = match p.kind_str() {
            "typed_parameter" => {
                let mut c = p.walk();
                let inner = p.named_children(&mut c).next();
                (inner, p.field("type").map(|t| text[t.byte_range()].to_string()), false)
            }
            "default_parameter" => (p.field("name"), None, true),
            "typed_default_parameter" => (
                p.field("name"),
                p.field("type").map(|t| text[t.byte_range()].to_string()),
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
        let (name, kind) = match inner.kind_str() {
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
/// A test, fixture, migration, seed or script module (by its name, see
/// [`crate::settings::Settings::is_script_module`]) holds no service code:
/// the per-file rules find nothing there, whatever its text.
///
/// It also tells whether a text names a user parameter (the callers' step
/// reads such files: see `callers::Naming`), so that loading answers that
/// while it holds the text.
pub struct Prefilter {
    matcher: Option<aho_corasick::AhoCorasick>,
    script_paths: Vec<String>,
    user_names: Option<aho_corasick::AhoCorasick>,
    /// The names of write methods, by kind (`create_*` ...).
    method_patterns: Vec<String>,
    /// What makes a function's text one that may take a user: a session
    /// write or a user parameter's name (see [`Prefilter::user_marks`]).
    user_marks: Option<aho_corasick::AhoCorasick>,
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
        let marks: Vec<&str> = SESSION_WRITES
            .iter()
            .copied()
            .chain(user_names.iter().copied())
            .collect();
        Prefilter {
            matcher: aho_corasick::AhoCorasick::new(&needles).ok(),
            script_paths: settings.script_paths.clone(),
            user_marks: aho_corasick::AhoCorasick::new(marks).ok(),
            user_names: aho_corasick::AhoCorasick::new(user_names).ok(),
            method_patterns: crate::settings::Kind::ALL
                .iter()
                .flat_map(|k| settings.method_patterns.get(*k).iter().cloned())
                .collect(),
        }
    }

    /// The offsets in `text` of what makes a function one that may take a
    /// user in the callers' step: session writes (in its body, AUD001 may
    /// give it a user) and user parameters' names (in its signature); `None`
    /// when that cannot be searched for (every function may, then).
    pub fn user_marks(&self, text: &str) -> Option<UserMarks> {
        let marks = self.user_marks.as_ref()?;
        let mut found = UserMarks::default();
        for m in marks.find_overlapping_iter(text) {
            if m.pattern().as_usize() < SESSION_WRITES.len() {
                found.writes.push(m.start());
            } else {
                found.users.push(m.start());
            }
        }
        Some(found)
    }

    /// Whether a function named `name` is named like a write method (a
    /// facade may be one).
    pub fn write_named(&self, name: &str) -> bool {
        self.method_patterns
            .iter()
            .any(|p| crate::settings::glob_match(p, name))
    }

    /// Whether `text` names one of the configured user parameters.
    pub fn names_a_user(&self, text: &str) -> bool {
        self.user_names.as_ref().is_none_or(|m| m.is_match(text))
    }

    /// Whether the per-file rules may find anything in the text `text` of
    /// the module `module` (its dotted name): not a script module's, and
    /// the text holds one of the needles.
    pub fn may_hold_findings(&self, module: &str, text: &str) -> bool {
        !crate::settings::is_script_module(&self.script_paths, module)
            && self.matcher.as_ref().is_none_or(|m| m.is_match(text))
    }
}

/// The offsets of session writes and of user parameters' names in a text,
/// each ascending (see [`Prefilter::user_marks`]).
#[derive(Default)]
pub struct UserMarks {
    pub writes: Vec<usize>,
    pub users: Vec<usize>,
}

/// Calls that write through a session; a body with none of them holds no write.
const SESSION_WRITES: &[&str] = &[".add(", ".add_all(", ".flush(", ".commit(", ".delete(", ".merge("];

/// The names of the session's writes (`add`, `flush` ...).
pub fn session_write_names() -> impl Iterator<Item = &'static str> {
    SESSION_WRITES.iter().map(|w| w.trim_matches(['.', '(']))
}

/// Analyse `function` as a write method; `None` when it is not one.
///
/// A write method adds, deletes or changes (attribute writes, `setattr`,
/// the mixin's setters) a value the value model proves to be an instance
/// of a mapped class, through a session. Every such instance is an entity.
/// A function that only calls services and commits writes no instance of
/// its own: it is a caller, not a write method.
pub fn write_method<'t>(
    function: &Function<'t>,
    text: &str,
    settings: &Settings,
    module: &ModuleFacts,
    index: &RepoIndex,
    is_model: &dyn Fn(&str) -> bool,
    file_values: &values::FileValues<'t>,
) -> Option<WriteMethod<'t>> {
    // Most functions never call a session method: tell from the bytes
    // before walking the tree.
    let body = &text[function.body.byte_range()];
    if !SESSION_WRITES.iter().any(|needle| body.contains(needle)) {
        return None;
    }
    let function = function.clone();
    let class = function
        .class
        .as_deref()
        .and_then(|c| module.classes.iter().find(|k| k.name == c));
    let resolver = Resolver { index, module };
    let cx = values::Context {
        text,
        resolver: &resolver,
        class,
        is_model,
        session_expressions: &settings.session_expressions,
        globals: &file_values.globals,
    };
    let values = file_values.analyse(&function, &cx);
    let session_calls: Vec<SessionCall<'t>> = values
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::SessionCall { method, .. } => Some(SessionCall {
                method: method.clone(),
                call: e.call?,
                statement: e.statement,
                argument: e.argument.as_ref().map(|(name, _)| name.clone()),
            }),
            _ => None,
        })
        .collect();
    let Some(first_write) = session_calls.iter().find(|c| c.is_write()) else {
        // `self._db.add(user)` with `user` a proven row, through a receiver
        // nothing proves a session: not audited, but named in a note.
        let unproven = values.events.iter().find(|e| {
            let EventKind::MethodCall { method } = &e.kind else {
                return false;
            };
            let row = e
                .argument
                .as_ref()
                .and_then(|(_, slot)| slot.as_ref())
                .is_some_and(|slot| slot.value.instance_model().is_some())
                || (method == "add"
                    && e.argument_node.is_some_and(|node| {
                        values
                            .before(e.statement)
                            .is_some_and(|env| matches!(values::evaluate(&cx, node, env), Value::Instance { .. }))
                    }));
            matches!(method.as_str(), "add" | "delete" | "merge") && e.receiver_value == Value::Unknown && row
        });
        if let Some(event) = unproven {
            file_values
                .globals
                .unrecognised_sessions
                .borrow_mut()
                .push((event.receiver.clone(), function.qualified.clone()));
        }
        return None;
    };
    let session = session_of(first_write.call, text);
    let session_kind = values.session_kind(&session);

    let instance_argument = |e: &values::Event<'t>, method: &str| -> Option<(String, Slot)> {
        match &e.kind {
            EventKind::SessionCall { method: m, .. } if m == method => {}
            _ => return None,
        }
        let (name, slot) = e.argument.as_ref()?;
        let slot = slot.as_ref()?;
        slot.value.instance_model()?;
        Some((name.clone(), slot.clone()))
    };
    let hard_delete = values.events.iter().any(|e| instance_argument(e, "delete").is_some());
    // A row constructed inline (`db.add(Model(...))`) is written too,
    // though it has no name to stamp.
    let inline_add = values.events.iter().any(|e| {
        matches!(&e.kind, EventKind::SessionCall { method, .. } if method == "add")
            && e.argument.is_none()
            && e.argument_node.is_some_and(|node| {
                values
                    .before(e.statement)
                    .is_some_and(|env| matches!(values::evaluate(&cx, node, env), Value::Instance { new: true, .. }))
            })
    });
    let created = inline_add
        || values.events.iter().any(|e| {
            instance_argument(e, "add").is_some_and(|(_, s)| matches!(s.value, Value::Instance { new: true, .. }))
        });

    // Whether an event changes its row: an attribute written, `setattr`, or
    // a method call that is a setter or a method of the model that assigns
    // its attributes. Then: the loaded rows changed, and whether one of the
    // changes writes a delete timestamp (a soft delete).
    let changes = |e: &values::Event<'t>| match &e.kind {
        EventKind::AttributeWrite { .. } | EventKind::Setattr => true,
        EventKind::MethodCall { method } => {
            let model = e.receiver_value.instance_model().unwrap_or("");
            Kind::ALL.iter().any(|k| settings.setters.get(*k) == method) || index.mutates(model, method)
        }
        _ => false,
    };
    let loaded_changes: Vec<&values::Event<'t>> = values
        .events
        .iter()
        .filter(|e| matches!(e.receiver_value, Value::Instance { new: false, .. }) && e.receiver != "self")
        .filter(|e| changes(e))
        .collect();
    let soft_delete = loaded_changes.iter().any(|e| match &e.kind {
        EventKind::AttributeWrite { attribute, .. } => settings.timestamp_fields.get(Kind::Delete).contains(attribute),
        EventKind::MethodCall { method } => settings.setters.get(Kind::Delete) == method,
        _ => false,
    });

    // The kind: from the name, else from what the body does to rows,
    // whatever the function is called.
    let kind = match settings.kind_from_name(&function.name) {
        Some(kind) => kind,
        None if hard_delete || soft_delete => Kind::Delete,
        None if created => Kind::Create,
        None if !loaded_changes.is_empty() => Kind::Update,
        None => return None,
    };

    let mut entities: Vec<Entity<'t>> = Vec::new();
    let mut seen: Vec<(String, String)> = Vec::new();
    for event in &values.events {
        // The instance the event is about, and whether the event changes it.
        let (variable, slot, change) = match &event.kind {
            EventKind::SessionCall { method, .. } if method == "add" || method == "delete" => {
                match instance_argument(event, method) {
                    Some((name, slot)) => (name, slot, true),
                    None => continue,
                }
            }
            EventKind::AttributeWrite { .. } | EventKind::Setattr | EventKind::MethodCall { .. } => {
                let Some(model) = event.receiver_value.instance_model() else {
                    continue;
                };
                if !is_identifier(&event.receiver) || event.receiver == "self" {
                    continue;
                }
                let slot = values
                    .before(event.statement)
                    .and_then(|env| env.get(&event.receiver))
                    .cloned()
                    .unwrap_or(Slot {
                        value: Value::Instance {
                            model: model.to_string(),
                            optional: false,
                            new: false,
                        },
                        definitely_bound: false,
                        binding: None,
                    });
                let change = changes(event);
                (event.receiver.clone(), slot, change)
            }
            _ => continue,
        };
        if !change {
            continue;
        }
        let Value::Instance { model, new, .. } = &slot.value else {
            continue;
        };
        let key = (variable.clone(), model.clone());
        if seen.contains(&key) {
            continue;
        }
        // In a hard delete only the deleted rows are entities; a row
        // constructed here is one only when it is added.
        let deleted = instance_argument(event, "delete").is_some();
        if hard_delete && !deleted {
            continue;
        }
        if *new && instance_argument(event, "add").is_none() {
            // Changes to a new row before it is added: the add makes it an entity.
            let added = values.events.iter().any(|e| {
                instance_argument(e, "add")
                    .is_some_and(|(n, s)| n == variable && s.value.instance_model() == Some(model))
            });
            if !added {
                continue;
            }
        }
        seen.push(key);
        entities.push(entity(
            &values,
            &session_calls,
            &variable,
            model,
            *new,
            kind,
            deleted,
            text,
        ));
    }
    if entities.is_empty() && !inline_add {
        return None;
    }
    // A parameter holding the acting user under another name is reused.
    let acting_user = if function.param(settings.user_parameters.get(kind)).is_some() {
        None
    } else {
        super::calls::user_in_scope(&function, text, settings, &resolver).filter(|name| {
            function
                .param(name)
                .is_some_and(|p| p.kind != ParamKind::VarArgs && p.kind != ParamKind::VarKeyword)
        })
    };
    let nodes = scope_descendants(function.body);
    let context = context_assignment(&nodes, text, settings);
    let context_conflict = context.is_none() && binds_name(&nodes, text, &settings.context_variable);
    Some(WriteMethod {
        function,
        kind,
        hard_delete,
        session,
        session_kind,
        session_calls,
        entities,
        context,
        context_conflict,
        nodes,
        acting_user,
    })
}

fn is_identifier(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// Whether the function assigns `name` anywhere (a local of that name).
fn binds_name(nodes: &[Node<'_>], text: &str, name: &str) -> bool {
    nodes.iter().any(|n| {
        matches!(n.kind_str(), "assignment" | "named_expression" | "for_statement")
            && n.field("left")
                .or_else(|| n.field("name"))
                .is_some_and(|l| l.kind_str() == "identifier" && &text[l.byte_range()] == name)
    })
}

/// The entity `variable` holding an instance of `model`, with where its
/// audit lines can go: only at a statement where the value model proves it
/// bound, an instance, and not `None`.
#[allow(clippy::too_many_arguments)]
fn entity<'t>(
    values: &FunctionValues<'t>,
    session_calls: &[SessionCall<'t>],
    variable: &str,
    model: &str,
    new: bool,
    method_kind: Kind,
    deleted: bool,
    text: &str,
) -> Entity<'t> {
    let holds = |stmt: Node<'_>| {
        values
            .before(stmt)
            .and_then(|env| env.get(variable))
            .is_some_and(|slot| {
                slot.definitely_bound
                    && matches!(&slot.value, Value::Instance { model: m, optional: false, .. } if m == model)
            })
    };
    let mut attribute_writes = Vec::new();
    let mut method_calls = Vec::new();
    let mut binding_id = None;
    for event in &values.events {
        if event.receiver != variable || event.receiver_value.instance_model() != Some(model) {
            continue;
        }
        match &event.kind {
            EventKind::AttributeWrite {
                attribute,
                target,
                value,
            } => attribute_writes.push(AttributeWrite {
                attribute: attribute.clone(),
                target: *target,
                value: *value,
                statement: event.statement,
            }),
            EventKind::MethodCall { method } => method_calls.push((method.clone(), event.statement)),
            _ => {}
        }
        if binding_id.is_none() {
            binding_id = values
                .before(event.statement)
                .and_then(|env| env.get(variable))
                .and_then(|s| s.binding);
        }
    }
    // The add of the variable, for created rows.
    let add = session_calls
        .iter()
        .find(|c| c.method == "add" && c.argument.as_deref() == Some(variable) && holds(c.statement));
    if binding_id.is_none() {
        binding_id = session_calls
            .iter()
            .filter(|c| c.argument.as_deref() == Some(variable))
            .find_map(|c| values.before(c.statement)?.get(variable)?.binding);
    }
    let binding = binding_id.and_then(|id| values.statement(id));
    let constructor = if new {
        binding.and_then(|b| constructor_call(b, variable, text))
    } else {
        None
    };
    let kind = if deleted {
        Kind::Delete
    } else if new {
        Kind::Create
    } else if method_kind == Kind::Create {
        Kind::Update
    } else {
        method_kind
    };
    // Why a statement cannot take the entity's audit lines.
    let refusal = |stmt: Node<'_>| -> String {
        let what = &text[stmt.byte_range()];
        let what = what.lines().next().unwrap_or("").trim();
        match values.before(stmt).and_then(|env| env.get(variable)) {
            None => format!("`{variable}` is not bound at `{what}`"),
            Some(slot) if !slot.definitely_bound => {
                format!("`{variable}` is not bound on every path to `{what}`")
            }
            Some(slot) if matches!(slot.value, Value::Instance { optional: true, .. }) => format!(
                "`{variable}` may be `None` at `{what}` (nothing like `if {variable} is None: raise ...` rules it out)"
            ),
            Some(_) => format!("`{variable}` does not hold one `{model}` on every path to `{what}`"),
        }
    };
    let mut unplaced = None;
    let anchor = if new {
        if add.is_none() {
            unplaced = session_calls
                .iter()
                .find(|c| c.method == "add" && c.argument.as_deref() == Some(variable))
                .map(|c| refusal(c.statement));
        }
        add.map(|c| c.statement)
    } else {
        let last_change = attribute_writes
            .iter()
            .map(|w| w.statement.start_byte())
            .chain(method_calls.iter().map(|(_, s)| s.start_byte()))
            .max()
            .unwrap_or(0)
            .max(binding.map_or(0, |b| b.end_byte()));
        let next = session_calls
            .iter()
            .filter(|c| c.is_flush() || (c.method == "add" && c.argument.as_deref() == Some(variable)))
            .find(|c| c.statement.start_byte() > last_change)
            .map(|c| c.statement);
        match next {
            Some(s) if holds(s) => Some(s),
            Some(s) => {
                unplaced = Some(refusal(s));
                None
            }
            None => {
                unplaced = Some(format!("nothing adds or flushes `{variable}` after its changes"));
                None
            }
        }
    };
    let context_anchor = if new {
        binding
    } else {
        binding.and_then(|b| statement_after_guards(b, variable, text))
    };
    Entity {
        variable: variable.to_string(),
        model: Some(model.to_string()),
        kind,
        new,
        binding,
        constructor,
        anchor,
        context_anchor,
        unplaced,
        attribute_writes,
        method_calls,
    }
}

/// The `Model(...)` call of `x = Model(...)` (parentheses allowed).
fn constructor_call<'t>(binding: Node<'t>, variable: &str, text: &str) -> Option<Node<'t>> {
    let mut cursor = binding.walk();
    let assignment = binding
        .named_children(&mut cursor)
        .find(|n| n.kind_str() == "assignment")?;
    let left = assignment.field("left")?;
    if &text[left.byte_range()] != variable {
        return None;
    }
    let mut value = assignment.field("right")?;
    while value.kind_str() == "parenthesized_expression" {
        value = value.named_child(0)?;
    }
    (value.kind_str() == "call").then_some(value)
}

fn session_of(call: Node<'_>, text: &str) -> String {
    call.field("function")
        .and_then(|f| f.field("object"))
        .and_then(|o| dotted_name(o, text))
        .unwrap_or_default()
}

/// The statement after `binding` in its block, skipping `if not x:` /
/// `if x is None:` guards that follow it.
fn statement_after_guards<'t>(binding: Node<'t>, var: &str, text: &str) -> Option<Node<'t>> {
    let block = binding.parent()?;
    let stmts = statements(block);
    let pos = stmts.iter().position(|s| s.id() == binding.id())?;
    let mut rest = stmts[pos + 1..].iter();
    for stmt in rest.by_ref() {
        if stmt.kind_str() == "if_statement" {
            let cond = stmt
                .field("condition")
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
        if node.kind_str() != "assignment" {
            continue;
        }
        let (Some(left), Some(right)) = (node.field("left"), node.field("right")) else {
            continue;
        };
        if left.kind_str() != "identifier" {
            continue;
        }
        // Formatted code wraps the value in parentheses.
        let mut right = right;
        while right.kind_str() == "parenthesized_expression" {
            match right.named_child(0) {
                Some(inner) => right = inner,
                None => break,
            }
        }
        let value = &text[right.byte_range()];
        let prefix = format!("{}.", settings.context_class);
        let conditional = right.kind_str() == "conditional_expression";
        let starts = value.starts_with(&prefix) || value.starts_with(&format!("{}(", settings.context_class));
        if starts || (conditional && value.contains(&prefix)) {
            return Some(ContextAssignment {
                variable: text[left.byte_range()].to_string(),
                statement: enclosing_statement(*node)?,
                conditional,
            });
        }
    }
    None
}
