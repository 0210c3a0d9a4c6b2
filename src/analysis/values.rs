//! The value model: what every local and parameter of a function holds at
//! each statement, computed by one forward pass over the function's body.
//!
//! A value is a point of a small lattice ([`Value`]): a model instance of a
//! mapped class of the repository (maybe `None`, constructed here or
//! loaded), a collection of instances, a `select(...)` / `query(...)`
//! chain, a query `Result` or `ScalarResult`, a session (sync or async), a
//! model class, an instance of another class (a service, a schema), plain
//! data, or nothing known. Branches and loops join: different values give
//! [`Value::Unknown`], a name bound on one path only is maybe-unbound.
//!
//! What SQLAlchemy's methods return is one table ([`method_result`]): for
//! 1.4 and 2.0 as real code calls them (`session.get(M, id)`,
//! `session.execute(select(M)).scalar_one_or_none()`, `.scalars().all()`,
//! `session.query(M).filter(...).first()` ...). Names resolve through the
//! module's imports ([`Resolver`]), never by their spelling.
//!
//! Along the way the pass records *events*: attribute writes, `setattr`,
//! method calls, and session calls (with whether they are awaited), each
//! with the values of the names it involves at that point. Write methods
//! and their entities are queries over those events (`functions.rs`);
//! nothing here knows the audit standard.

use super::calls::ClassRef;
use super::functions::Function;
use super::module::{ClassFacts, SessionSource};
use super::resolve::Resolver;
use super::source::dotted_name;
use super::source::NodeExt;
use std::collections::HashMap;
use tree_sitter::Node;

/// Whether a session is synchronous (`Session`) or asynchronous
/// (`AsyncSession`), as far as it is proven.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionKind {
    Sync,
    Async,
    Unknown,
}

/// What a name or expression holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// An instance of the mapped class `model`.
    Instance {
        model: String,
        /// It may be `None` (`scalar_one_or_none()`, `session.get`,
        /// `Optional[M]`) and no guard has narrowed it.
        optional: bool,
        /// Constructed in this function (`M(...)`), not loaded or received.
        new: bool,
    },
    /// A collection of instances of `model` (`.scalars().all()`, `list[M]`).
    Instances(String),
    /// A `select(M)` statement or a legacy `query(M)` chain.
    Select(String),
    /// The `Result` of executing a `select(M)`.
    Result(String),
    /// A `ScalarResult` of `M` (`result.scalars()`, `session.scalars(...)`).
    Scalars(String),
    Session(SessionKind),
    /// A session factory (`sessionmaker(...)`, `async_sessionmaker(...)`):
    /// calling it opens a session of its kind.
    Factory(SessionKind),
    /// The mapped class itself.
    Class(String),
    /// An instance of a repository class that is not mapped (a service, a
    /// repository, a schema), by where the class is defined.
    Object(ClassRef),
    /// Plain data: literals, strings, numbers, dicts, lists, f-strings.
    Data,
    Unknown,
}

impl Value {
    fn join(&self, other: &Value) -> Value {
        match (self, other) {
            (a, b) if a == b => a.clone(),
            (
                Value::Instance {
                    model: a,
                    optional: oa,
                    new: na,
                },
                Value::Instance {
                    model: b,
                    optional: ob,
                    new: nb,
                },
            ) if a == b => Value::Instance {
                model: a.clone(),
                optional: *oa || *ob,
                new: *na && *nb,
            },
            (Value::Session(a), Value::Session(b)) if a != b => Value::Session(SessionKind::Unknown),
            _ => Value::Unknown,
        }
    }

    /// The model, when this is an instance.
    pub fn instance_model(&self) -> Option<&str> {
        match self {
            Value::Instance { model, .. } => Some(model),
            _ => None,
        }
    }
}

/// A name's value at one point, and whether it is bound on every path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slot {
    pub value: Value,
    pub definitely_bound: bool,
    /// The statement that bound it (`None` for parameters).
    pub binding: Option<usize>,
}

/// The names bound at one point of a function.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Env {
    names: HashMap<String, Slot>,
}

impl Env {
    pub fn get(&self, name: &str) -> Option<&Slot> {
        self.names.get(name)
    }

    fn bind(&mut self, name: &str, value: Value, binding: Option<usize>) {
        self.names.insert(
            name.to_string(),
            Slot {
                value,
                definitely_bound: true,
                binding,
            },
        );
    }

    fn join(&self, other: &Env) -> Env {
        let mut names = HashMap::new();
        for (name, a) in &self.names {
            match other.names.get(name) {
                Some(b) => {
                    names.insert(
                        name.clone(),
                        Slot {
                            value: a.value.join(&b.value),
                            definitely_bound: a.definitely_bound && b.definitely_bound,
                            binding: if a.binding == b.binding { a.binding } else { None },
                        },
                    );
                }
                None => {
                    names.insert(
                        name.clone(),
                        Slot {
                            definitely_bound: false,
                            ..a.clone()
                        },
                    );
                }
            }
        }
        for (name, b) in &other.names {
            names.entry(name.clone()).or_insert_with(|| Slot {
                definitely_bound: false,
                ..b.clone()
            });
        }
        Env { names }
    }

    /// `name` is known not to be `None` from here on.
    fn narrow(&mut self, name: &str) {
        if let Some(slot) = self.names.get_mut(name) {
            if let Value::Instance { optional, .. } = &mut slot.value {
                *optional = false;
            }
        }
    }
}

/// Joins the environments of the paths that reach a point; `None` when none does.
fn join_all(envs: impl IntoIterator<Item = Option<Env>>) -> Option<Env> {
    envs.into_iter().flatten().reduce(|a, b| a.join(&b))
}

/// One thing the function does to a value.
#[derive(Clone, Debug)]
pub enum EventKind<'t> {
    /// `x.attr = value` (also `x.attr += value`): the attribute node on the
    /// left, and the value.
    AttributeWrite {
        attribute: String,
        target: Node<'t>,
        value: Node<'t>,
    },
    /// `setattr(x, ...)`.
    Setattr,
    /// `x.method(...)`.
    MethodCall { method: String },
    /// `session.method(x, ...)`: `x` is the first argument's name, if any.
    SessionCall { method: String, awaited: bool },
}

/// An event at one statement, with the values involved there.
#[derive(Clone, Debug)]
pub struct Event<'t> {
    pub kind: EventKind<'t>,
    /// The statement (direct child of a block) the event is in.
    pub statement: Node<'t>,
    /// The call, for calls.
    pub call: Option<Node<'t>>,
    /// The receiver's text (`self.db`, `user`).
    pub receiver: String,
    /// The value of the receiver there.
    pub receiver_value: Value,
    /// For session calls: the first argument when it is a plain name, and
    /// its slot there.
    pub argument: Option<(String, Option<Slot>)>,
    /// For session calls: the first argument's node.
    pub argument_node: Option<Node<'t>>,
}

/// The result of the pass over one function.
pub struct FunctionValues<'t> {
    /// The environment before each statement, by node id.
    before: HashMap<usize, Env>,
    pub events: Vec<Event<'t>>,
    /// Every statement node by id, for lookups.
    statements: HashMap<usize, Node<'t>>,
}

impl<'t> FunctionValues<'t> {
    /// The environment before `statement` (a direct child of a block of
    /// the function); `None` when the statement is unreachable or unknown.
    pub fn before(&self, statement: Node<'_>) -> Option<&Env> {
        self.before.get(&statement.id())
    }

    /// The statement node with id `id`.
    pub fn statement(&self, id: usize) -> Option<Node<'t>> {
        self.statements.get(&id).copied()
    }

    /// The session kind of the receiver spelled `receiver`: its value's
    /// kind when proven by a type, else from how its coroutine methods are
    /// called (all awaited: async; none awaited: sync).
    pub fn session_kind(&self, receiver: &str) -> SessionKind {
        let mut typed = None;
        let (mut awaited, mut plain) = (false, false);
        for event in &self.events {
            if event.receiver != receiver {
                continue;
            }
            if let Value::Session(kind) = event.receiver_value {
                if kind != SessionKind::Unknown {
                    typed = Some(kind);
                }
            }
            if let EventKind::SessionCall { method, awaited: a } = &event.kind {
                if COROUTINE_METHODS.contains(&method.as_str()) {
                    if *a {
                        awaited = true;
                    } else {
                        plain = true;
                    }
                }
            }
        }
        match (typed, awaited, plain) {
            (Some(kind), _, _) => kind,
            (None, true, false) => SessionKind::Async,
            (None, false, true) => SessionKind::Sync,
            _ => SessionKind::Unknown,
        }
    }
}

/// Methods that are coroutines on `AsyncSession` and plain on `Session`.
const COROUTINE_METHODS: &[&str] = &[
    "commit",
    "flush",
    "rollback",
    "execute",
    "refresh",
    "delete",
    "get",
    "scalar",
    "scalars",
    "merge",
    "close",
    "exec",
    // Entered by `async with` on an `AsyncSession`, by `with` on a `Session`.
    "begin",
    "begin_nested",
];

/// Methods of sessions whose calls the pass records.
const SESSION_METHODS: &[&str] = &[
    "add",
    "add_all",
    "flush",
    "commit",
    "delete",
    "merge",
    "refresh",
    "rollback",
    "execute",
    "get",
    "scalar",
    "scalars",
    "query",
    "expunge",
    "begin",
    "begin_nested",
    "exec",
];

/// What the pass needs to know besides the tree.
pub struct Context<'a> {
    pub text: &'a str,
    pub resolver: &'a Resolver<'a>,
    /// The class of the function, when a method.
    pub class: Option<&'a ClassFacts>,
    /// Whether a mapped class is called `name` in the repository (after
    /// resolution): the caller's definition of "model".
    pub is_model: &'a dyn Fn(&str) -> bool,
    /// Receivers configured as sessions (`self.db`, `db`, `session`).
    pub session_expressions: &'a [String],
    /// What the module's global names resolve to, shared by the passes of
    /// one module's functions: the same few names (`select`, `User`,
    /// `datetime`) are resolved through imports once, not at every use.
    pub globals: &'a Globals,
}

/// The module-level names of one module, resolved once each (see
/// [`Context::globals`]).
#[derive(Default)]
pub struct Globals {
    names: std::cell::RefCell<HashMap<String, Global>>,
    /// The qualified name of each global (dotted) name that is no class
    /// of the repository and is called: asked apart from [`Global`], since
    /// following re-exports may parse modules, and most names are not
    /// called.
    qualified: std::cell::RefCell<HashMap<String, Option<String>>>,
    /// The value each annotation (as written) promises.
    annotations: std::cell::RefCell<HashMap<String, Value>>,
    /// Functions of the module that add or delete a proven model instance
    /// through a receiver nothing proves a session: `(receiver as
    /// written, function)`. They are not audited; a note names them.
    pub unrecognised_sessions: std::cell::RefCell<Vec<(String, String)>>,
}

/// The passes of one file's functions, with its [`Globals`], kept while
/// the file's tree is at hand: the per-file rules and the callers' step
/// ask for the values of the same functions (a write method that calls a
/// service), and a function is analysed once for both. Every pass of one
/// file runs in the same [`Context`] but for the function's own class.
#[derive(Default)]
pub struct FileValues<'t> {
    pub globals: Globals,
    passes: std::cell::RefCell<HashMap<usize, std::rc::Rc<FunctionValues<'t>>>>,
    /// The file's functions, listed once for the rules and the callers' step.
    functions: std::cell::OnceCell<std::rc::Rc<[Function<'t>]>>,
}

impl<'t> FileValues<'t> {
    /// The functions of the file whose tree is `root` (see
    /// [`super::functions::functions`]), listed on first use.
    pub fn functions(&self, root: Node<'t>, text: &str) -> std::rc::Rc<[Function<'t>]> {
        self.functions
            .get_or_init(|| super::functions::functions(root, text).into())
            .clone()
    }

    /// The pass over `function` in `cx` (whose `globals` are these'), run
    /// on first use.
    pub fn analyse(&self, function: &Function<'t>, cx: &Context<'_>) -> std::rc::Rc<FunctionValues<'t>> {
        let id = function.node.id();
        if let Some(done) = self.passes.borrow().get(&id) {
            return done.clone();
        }
        let done = std::rc::Rc::new(analyse(function, cx));
        self.passes.borrow_mut().insert(id, done.clone());
        done
    }
}

/// What a global (dotted) name denotes.
#[derive(Clone)]
struct Global {
    /// A class of the repository, and whether it is a mapped model the
    /// analysis can name.
    class: Option<(ClassRef, bool)>,
    /// A session factory or registry (`SessionLocal`, `db_session`).
    session: Option<Value>,
}

/// The value of `expr` in `env` (an environment of [`FunctionValues::before`]).
pub fn evaluate(cx: &Context<'_>, expr: Node<'_>, env: &Env) -> Value {
    let pass = Pass {
        cx,
        before: HashMap::new(),
        events: Vec::new(),
        statements: HashMap::new(),
    };
    pass.value(expr, env)
}

/// Run the pass over `function`.
pub fn analyse<'t>(function: &Function<'t>, cx: &Context<'_>) -> FunctionValues<'t> {
    let mut pass = Pass {
        cx,
        before: HashMap::new(),
        events: Vec::new(),
        statements: HashMap::new(),
    };
    let mut env = Env::default();
    for p in &function.params {
        let value = if p.name == "self" && function.class.is_some() {
            match cx.class {
                Some(class) if (cx.is_model)(&class.name) => Value::Instance {
                    model: class.name.clone(),
                    optional: false,
                    new: false,
                },
                Some(class) => Value::Object(ClassRef {
                    module: cx.resolver.module.name.clone(),
                    name: class.name.clone(),
                }),
                None => Value::Unknown,
            }
        } else {
            match &p.annotation {
                Some(a) => pass.annotation_value(a, cx.resolver),
                None => Value::Unknown,
            }
        };
        // `db=Depends(get_db)`: the session the dependency is annotated to give.
        let value = match value {
            Value::Unknown => param_default(function, &p.name, cx.text).map_or(Value::Unknown, |d| {
                dependency_value(cx.resolver, d, cx.text, cx.is_model)
            }),
            v => v,
        };
        // A parameter configured as the session, with no type that says
        // otherwise, is the session (of a kind its calls may prove).
        let value = if value == Value::Unknown && cx.session_expressions.contains(&p.name) {
            Value::Session(SessionKind::Unknown)
        } else {
            value
        };
        env.bind(&p.name, value, None);
    }
    pass.block(function.body, Some(env));
    FunctionValues {
        before: pass.before,
        events: pass.events,
        statements: pass.statements,
    }
}

struct Pass<'a, 'c, 't> {
    cx: &'c Context<'a>,
    before: HashMap<usize, Env>,
    events: Vec<Event<'t>>,
    statements: HashMap<usize, Node<'t>>,
}

/// How a block ends: the environment that falls through (`None` when
/// every path returns or raises), and those leaving by `break`/`continue`.
struct Flow {
    next: Option<Env>,
    breaks: Vec<Env>,
}

impl<'t> Pass<'_, '_, 't> {
    fn text(&self, node: Node<'_>) -> &str {
        &self.cx.text[node.byte_range()]
    }

    fn block(&mut self, block: Node<'t>, env: Option<Env>) -> Flow {
        let mut env = env;
        let mut breaks = Vec::new();
        let mut cursor = block.walk();
        let stmts: Vec<Node<'t>> = block
            .named_children(&mut cursor)
            .filter(|n| n.kind_str() != "comment")
            .collect();
        for stmt in stmts {
            let Some(current) = env.take() else {
                break;
            };
            self.before.insert(stmt.id(), current.clone());
            self.statements.insert(stmt.id(), stmt);
            let flow = self.statement(stmt, current);
            breaks.extend(flow.breaks);
            env = flow.next;
        }
        Flow { next: env, breaks }
    }

    fn statement(&mut self, stmt: Node<'t>, mut env: Env) -> Flow {
        let through = |env: Env| Flow {
            next: Some(env),
            breaks: Vec::new(),
        };
        match stmt.kind_str() {
            "expression_statement" => {
                self.events_in(stmt, stmt, &env);
                let mut cursor = stmt.walk();
                let kids: Vec<Node<'t>> = stmt.named_children(&mut cursor).collect();
                for kid in kids {
                    self.walrus(kid, &mut env, stmt);
                    match kid.kind_str() {
                        "assignment" => self.assignment(kid, &mut env, stmt),
                        "augmented_assignment" => {
                            if let Some(left) = kid.field("left") {
                                if left.kind_str() == "identifier" {
                                    let name = self.text(left).to_string();
                                    env.bind(&name, Value::Unknown, Some(stmt.id()));
                                }
                            }
                        }
                        _ => {}
                    }
                }
                through(env)
            }
            "return_statement" | "raise_statement" => {
                self.events_in(stmt, stmt, &env);
                Flow {
                    next: None,
                    breaks: Vec::new(),
                }
            }
            "break_statement" | "continue_statement" => Flow {
                next: None,
                breaks: vec![env],
            },
            "assert_statement" => {
                self.events_in(stmt, stmt, &env);
                if let Some(cond) = stmt.named_child(0) {
                    self.narrow(cond, true, &mut env);
                }
                through(env)
            }
            "delete_statement" => {
                let mut cursor = stmt.walk();
                for target in stmt.named_children(&mut cursor) {
                    if target.kind_str() == "identifier" {
                        env.names.remove(self.text(target));
                    }
                }
                through(env)
            }
            "if_statement" => self.if_statement(stmt, env),
            "for_statement" => self.for_statement(stmt, env),
            "while_statement" => {
                let cond = stmt.field("condition");
                if let Some(c) = cond {
                    self.events_in(c, stmt, &env);
                    self.walrus(c, &mut env, stmt);
                }
                let body = stmt.field("body");
                let flow = match body {
                    Some(b) => self.block(b, Some(env.clone())),
                    None => Flow {
                        next: None,
                        breaks: Vec::new(),
                    },
                };
                let mut ends = vec![Some(env)];
                ends.push(flow.next);
                ends.extend(flow.breaks.into_iter().map(Some));
                if let Some(alt) = stmt.field("alternative") {
                    return self.clauses_after(alt, join_all(ends));
                }
                Flow {
                    next: join_all(ends),
                    breaks: Vec::new(),
                }
            }
            "try_statement" => self.try_statement(stmt, env),
            "with_statement" => {
                let mut cursor = stmt.walk();
                let kids: Vec<Node<'t>> = stmt.named_children(&mut cursor).collect();
                for kid in &kids {
                    if kid.kind_str() == "with_clause" {
                        self.events_in(*kid, stmt, &env);
                        self.with_clause(*kid, &mut env, stmt);
                    }
                }
                match stmt.field("body") {
                    Some(body) => self.block(body, Some(env)),
                    None => through(env),
                }
            }
            "match_statement" => {
                if let Some(subject) = stmt.field("subject") {
                    self.events_in(subject, stmt, &env);
                }
                let mut ends = vec![Some(env.clone())];
                let mut breaks = Vec::new();
                if let Some(body) = stmt.field("body") {
                    let mut cursor = body.walk();
                    let cases: Vec<Node<'t>> = body.named_children(&mut cursor).collect();
                    for case in cases {
                        if let Some(block) = case.field("consequence") {
                            let flow = self.block(block, Some(self.unbind_patterns(case, env.clone())));
                            ends.push(flow.next);
                            breaks.extend(flow.breaks);
                        }
                    }
                }
                Flow {
                    next: join_all(ends),
                    breaks,
                }
            }
            "function_definition" | "class_definition" | "decorated_definition" => {
                let def = if stmt.kind_str() == "decorated_definition" {
                    stmt.field("definition")
                } else {
                    Some(stmt)
                };
                if let Some(name) = def.and_then(|d| d.field("name")) {
                    let name = self.text(name).to_string();
                    env.bind(&name, Value::Unknown, Some(stmt.id()));
                }
                through(env)
            }
            "import_statement" | "import_from_statement" => {
                let mut cursor = stmt.walk();
                let names: Vec<Node<'t>> = stmt.children_by_field_name("name", &mut cursor).collect();
                for name in names {
                    let bound = match name.kind_str() {
                        "aliased_import" => name.field("alias"),
                        _ => Some(name),
                    };
                    if let Some(bound) = bound {
                        let text = self.text(bound);
                        let first = text.split('.').next().unwrap_or(text).to_string();
                        env.bind(&first, Value::Unknown, Some(stmt.id()));
                    }
                }
                through(env)
            }
            _ => {
                self.events_in(stmt, stmt, &env);
                through(env)
            }
        }
    }

    /// Names bound by a `case` pattern are not known.
    fn unbind_patterns(&self, case: Node<'t>, mut env: Env) -> Env {
        let mut stack = vec![case];
        while let Some(n) = stack.pop() {
            if n.kind_str() == "block" {
                continue;
            }
            if n.kind_str() == "identifier" {
                let name = self.text(n).to_string();
                env.bind(&name, Value::Unknown, None);
            }
            let mut cursor = n.walk();
            stack.extend(n.named_children(&mut cursor));
        }
        env
    }

    fn if_statement(&mut self, stmt: Node<'t>, mut env: Env) -> Flow {
        let mut ends = Vec::new();
        let mut breaks = Vec::new();
        let cond = stmt.field("condition");
        if let Some(c) = cond {
            self.events_in(c, stmt, &env);
            self.walrus(c, &mut env, stmt);
        }
        let mut then_env = env.clone();
        let mut else_env = env;
        if let Some(c) = cond {
            self.narrow(c, true, &mut then_env);
            self.narrow(c, false, &mut else_env);
        }
        if let Some(body) = stmt.field("consequence") {
            let flow = self.block(body, Some(then_env));
            ends.push(flow.next);
            breaks.extend(flow.breaks);
        }
        let mut rest = Some(else_env);
        let mut cursor = stmt.walk();
        let alternatives: Vec<Node<'t>> = stmt.children_by_field_name("alternative", &mut cursor).collect();
        for alt in alternatives {
            let Some(mut current) = rest.take() else {
                break;
            };
            match alt.kind_str() {
                "elif_clause" => {
                    let cond = alt.field("condition");
                    if let Some(c) = cond {
                        self.events_in(c, stmt, &current);
                        self.walrus(c, &mut current, stmt);
                    }
                    let mut then_env = current.clone();
                    if let Some(c) = cond {
                        self.narrow(c, true, &mut then_env);
                        self.narrow(c, false, &mut current);
                    }
                    if let Some(body) = alt.field("consequence") {
                        let flow = self.block(body, Some(then_env));
                        ends.push(flow.next);
                        breaks.extend(flow.breaks);
                    }
                    rest = Some(current);
                }
                "else_clause" => {
                    if let Some(body) = alt.field("body") {
                        let flow = self.block(body, Some(current));
                        ends.push(flow.next);
                        breaks.extend(flow.breaks);
                    }
                }
                _ => rest = Some(current),
            }
        }
        ends.push(rest);
        Flow {
            next: join_all(ends),
            breaks,
        }
    }

    fn for_statement(&mut self, stmt: Node<'t>, env: Env) -> Flow {
        let iterable = stmt.field("right");
        if let Some(it) = iterable {
            self.events_in(it, stmt, &env);
        }
        let element = match iterable.map(|it| self.value(it, &env)) {
            Some(Value::Instances(model)) | Some(Value::Scalars(model)) => Value::Instance {
                model,
                optional: false,
                new: false,
            },
            _ => Value::Unknown,
        };
        let mut body_env = env.clone();
        if let Some(left) = stmt.field("left") {
            if left.kind_str() == "identifier" {
                let name = self.text(left).to_string();
                body_env.bind(&name, element, Some(stmt.id()));
            } else {
                for name in self.pattern_names(left) {
                    body_env.bind(&name, Value::Unknown, Some(stmt.id()));
                }
            }
        }
        let flow = match stmt.field("body") {
            Some(b) => self.block(b, Some(body_env)),
            None => Flow {
                next: None,
                breaks: Vec::new(),
            },
        };
        // Zero iterations, the end of the last one, or a `break`.
        let mut ends = vec![Some(env)];
        ends.push(flow.next);
        ends.extend(flow.breaks.into_iter().map(Some));
        let after = join_all(ends);
        if let Some(alt) = stmt.field("alternative") {
            return self.clauses_after(alt, after);
        }
        Flow {
            next: after,
            breaks: Vec::new(),
        }
    }

    /// The `else:` of a loop.
    fn clauses_after(&mut self, alt: Node<'t>, env: Option<Env>) -> Flow {
        match alt.field("body") {
            Some(body) => self.block(body, env),
            None => Flow {
                next: env,
                breaks: Vec::new(),
            },
        }
    }

    fn try_statement(&mut self, stmt: Node<'t>, env: Env) -> Flow {
        let mut breaks = Vec::new();
        let body = match stmt.field("body") {
            Some(b) => self.block(b, Some(env.clone())),
            None => Flow {
                next: Some(env.clone()),
                breaks: Vec::new(),
            },
        };
        breaks.extend(body.breaks);
        // A handler starts from anywhere in the body: what the body binds is
        // maybe-unbound there.
        let handler_start = join_all([Some(env.clone()), body.next.clone()]).unwrap_or(env.clone());
        let mut ends = Vec::new();
        let mut after_body = body.next;
        let mut finally = None;
        let mut cursor = stmt.walk();
        let clauses: Vec<Node<'t>> = stmt.named_children(&mut cursor).collect();
        for clause in clauses {
            match clause.kind_str() {
                "except_clause" | "except_group_clause" => {
                    let mut start = handler_start.clone();
                    // `except E as e:` binds `e`.
                    let mut c2 = clause.walk();
                    for kid in clause.named_children(&mut c2) {
                        if kid.kind_str() == "as_pattern" {
                            if let Some(alias) = kid.field("alias") {
                                let name = self.text(alias).to_string();
                                start.bind(&name, Value::Unknown, Some(stmt.id()));
                            }
                        }
                    }
                    let block = {
                        let mut c3 = clause.walk();
                        let b = clause.named_children(&mut c3).find(|n| n.kind_str() == "block");
                        b
                    };
                    if let Some(block) = block {
                        let flow = self.block(block, Some(start));
                        ends.push(flow.next);
                        breaks.extend(flow.breaks);
                    }
                }
                "else_clause" => {
                    if let Some(b) = clause.field("body") {
                        let flow = self.block(b, after_body.take());
                        after_body = flow.next;
                        breaks.extend(flow.breaks);
                    }
                }
                "finally_clause" => finally = Some(clause),
                _ => {}
            }
        }
        ends.push(after_body);
        let next = join_all(ends);
        match finally {
            Some(clause) => {
                let block = {
                    let mut c = clause.walk();
                    let b = clause.named_children(&mut c).find(|n| n.kind_str() == "block");
                    b
                };
                match block {
                    // The `finally` runs on every path; what falls through
                    // after it is the paths that fell through before it.
                    Some(b) => {
                        let start = next.clone().unwrap_or(handler_start);
                        let flow = self.block(b, Some(start));
                        breaks.extend(flow.breaks);
                        Flow {
                            next: if next.is_some() { flow.next } else { None },
                            breaks,
                        }
                    }
                    None => Flow { next, breaks },
                }
            }
            None => Flow { next, breaks },
        }
    }

    fn with_clause(&mut self, clause: Node<'t>, env: &mut Env, stmt: Node<'t>) {
        let mut cursor = clause.walk();
        let items: Vec<Node<'t>> = clause.named_children(&mut cursor).collect();
        for item in items {
            let Some(value) = item.field("value") else {
                continue;
            };
            // `with X as y`: tree-sitter puts it as an `as_pattern`.
            if value.kind_str() == "as_pattern" {
                let inner = value.named_child(0);
                let alias = value.field("alias");
                if let (Some(inner), Some(alias)) = (inner, alias) {
                    let target = alias.named_child(0).unwrap_or(alias);
                    let v = self.context_value(inner, env);
                    if target.kind_str() == "identifier" {
                        let name = self.text(target).to_string();
                        env.bind(&name, v, Some(stmt.id()));
                    } else {
                        for name in self.pattern_names(target) {
                            env.bind(&name, Value::Unknown, Some(stmt.id()));
                        }
                    }
                }
            }
        }
    }

    /// What `with X as y` binds to `y`: a session for `Session(engine)` /
    /// `AsyncSession(engine)`, and for a configured session's `begin()`
    /// nothing known.
    fn context_value(&self, expr: Node<'_>, env: &Env) -> Value {
        match self.value(expr, env) {
            Value::Session(kind) => Value::Session(kind),
            _ => Value::Unknown,
        }
    }

    fn pattern_names(&self, pattern: Node<'_>) -> Vec<String> {
        let mut out = Vec::new();
        let mut stack = vec![pattern];
        while let Some(n) = stack.pop() {
            match n.kind_str() {
                "identifier" => out.push(self.text(n).to_string()),
                "attribute" | "subscript" => {}
                _ => {
                    let mut cursor = n.walk();
                    stack.extend(n.named_children(&mut cursor));
                }
            }
        }
        out
    }

    fn assignment(&mut self, assignment: Node<'t>, env: &mut Env, stmt: Node<'t>) {
        let (Some(left), right) = (assignment.field("left"), assignment.field("right")) else {
            return;
        };
        // `a = b = value`: the right side is another assignment.
        let (value_node, chained) = match right {
            Some(r) if r.kind_str() == "assignment" => {
                let mut inner = r;
                let mut targets = vec![left];
                while inner.kind_str() == "assignment" {
                    if let Some(l) = inner.field("left") {
                        targets.push(l);
                    }
                    match inner.field("right") {
                        Some(next) => inner = next,
                        None => break,
                    }
                }
                (Some(inner), targets)
            }
            r => (r, vec![left]),
        };
        let annotated = assignment
            .field("type")
            .map(|t| self.annotation_value(self.text(t), self.cx.resolver))
            .filter(|v| *v != Value::Unknown);
        let value = match (&annotated, value_node) {
            (Some(v), _) => v.clone(),
            (None, Some(v)) => self.value(v, env),
            // `x: int` alone binds nothing.
            (None, None) => return,
        };
        for target in chained {
            match target.kind_str() {
                "identifier" => {
                    let name = self.text(target).to_string();
                    env.bind(&name, value.clone(), Some(stmt.id()));
                }
                "attribute" => {}
                _ => {
                    for name in self.pattern_names(target) {
                        env.bind(&name, Value::Unknown, Some(stmt.id()));
                    }
                }
            }
        }
    }

    /// Bind the names of walrus expressions (`(x := ...)`) within `node`.
    fn walrus(&mut self, node: Node<'t>, env: &mut Env, stmt: Node<'t>) {
        // A named expression is written `:=`: a text without one holds
        // none, and its tree need not be walked.
        if !self.text(node).contains(":=") {
            return;
        }
        let mut found = Vec::new();
        super::source::preorder(node, true, |n| match n.kind_str() {
            "named_expression" => {
                found.push(n);
                true
            }
            "lambda" | "function_definition" | "class_definition" | "block" => false,
            _ => true,
        });
        for n in found {
            let (Some(name), Some(value)) = (n.field("name"), n.field("value")) else {
                continue;
            };
            let v = self.value(value, env);
            let name = self.text(name).to_string();
            env.bind(&name, v, Some(stmt.id()));
        }
    }

    /// Narrow `env` for the branch where `cond` is `truthy`.
    fn narrow(&self, cond: Node<'_>, truthy: bool, env: &mut Env) {
        let cond = unparen(cond);
        match cond.kind_str() {
            "not_operator" => {
                if let Some(arg) = cond.field("argument") {
                    self.narrow(arg, !truthy, env);
                }
            }
            "identifier" | "named_expression" if truthy => {
                if let Some(name) = self.subject_name(cond) {
                    env.narrow(&name);
                }
            }
            "comparison_operator" => {
                // `x is None` / `x is not None` / `x == None` / `x != None`.
                let mut cursor = cond.walk();
                let kids: Vec<Node<'_>> = cond.children(&mut cursor).collect();
                if kids.len() != 3 || kids[2].kind_str() != "none" {
                    // `x is not None` has 4 children: x, is, not, None.
                    if kids.len() == 4 && kids[3].kind_str() == "none" && truthy {
                        if let Some(name) = self.subject_name(kids[0]) {
                            env.narrow(&name);
                        }
                    }
                    return;
                }
                let op = self.text(kids[1]);
                let is_none = op == "is" || op == "==";
                let not_none = op == "!=" || op == "is not";
                if (is_none && !truthy) || (not_none && truthy) {
                    if let Some(name) = self.subject_name(kids[0]) {
                        env.narrow(&name);
                    }
                }
            }
            "boolean_operator" => {
                // `a and b` true: both true; `a or b` false: both false.
                let op = cond.field("operator").map(|o| self.text(o).to_string());
                let both = match op.as_deref() {
                    Some("and") => truthy,
                    Some("or") => !truthy,
                    _ => false,
                };
                if both {
                    if let Some(l) = cond.field("left") {
                        self.narrow(l, truthy, env);
                    }
                    if let Some(r) = cond.field("right") {
                        self.narrow(r, truthy, env);
                    }
                }
            }
            _ => {}
        }
    }

    fn subject_name(&self, node: Node<'_>) -> Option<String> {
        let node = unparen(node);
        match node.kind_str() {
            "identifier" => Some(self.text(node).to_string()),
            "named_expression" => node.field("name").map(|n| self.text(n).to_string()),
            _ => None,
        }
    }

    /// Record the events of the expressions in `node` (not descending into
    /// blocks, nested definitions or lambdas), evaluated in `env`.
    fn events_in(&mut self, node: Node<'t>, stmt: Node<'t>, env: &Env) {
        // Each node with its parent, which the walk knows (a call's tells
        // whether it is awaited).
        let mut nodes = Vec::new();
        super::source::preorder_with_ancestors(node, true, |n, ancestors| match n.kind_str() {
            "block" | "lambda" | "function_definition" | "class_definition" | "decorated_definition"
                if n.id() != node.id() =>
            {
                false
            }
            "assignment" | "augmented_assignment" | "call" => {
                nodes.push((n, ancestors.last().copied()));
                true
            }
            _ => true,
        });
        for (n, parent) in nodes {
            match n.kind_str() {
                "assignment" | "augmented_assignment" => self.attribute_write(n, stmt, env),
                "call" => self.call_event(n, parent.or_else(|| n.parent()), stmt, env),
                _ => {}
            }
        }
    }

    fn attribute_write(&mut self, assignment: Node<'t>, stmt: Node<'t>, env: &Env) {
        let (Some(left), Some(right)) = (assignment.field("left"), assignment.field("right")) else {
            return;
        };
        if left.kind_str() != "attribute" {
            return;
        }
        let (Some(object), Some(attr)) = (left.field("object"), left.field("attribute")) else {
            return;
        };
        let receiver_value = self.value(object, env);
        self.events.push(Event {
            kind: EventKind::AttributeWrite {
                attribute: self.text(attr).to_string(),
                target: left,
                value: right,
            },
            statement: stmt,
            call: None,
            receiver: self.text(object).to_string(),
            receiver_value,
            argument: None,
            argument_node: None,
        });
    }

    /// The events of `call`, whose parent is `parent`.
    fn call_event(&mut self, call: Node<'t>, parent: Option<Node<'t>>, stmt: Node<'t>, env: &Env) {
        let Some(f) = call.field("function") else {
            return;
        };
        let first = call.field("arguments").and_then(|a| {
            let mut c = a.walk();
            let first = a.named_children(&mut c).find(|n| n.kind_str() != "comment");
            first
        });
        let argument = first.filter(|a| a.kind_str() == "identifier").map(|a| {
            let name = self.text(a).to_string();
            let slot = env.get(&name).cloned();
            (name, slot)
        });
        match f.kind_str() {
            "identifier" if self.text(f) == "setattr" && !env.names.contains_key("setattr") => {
                let Some(target) = first else { return };
                let receiver_value = self.value(target, env);
                self.events.push(Event {
                    kind: EventKind::Setattr,
                    statement: stmt,
                    call: Some(call),
                    receiver: self.text(target).to_string(),
                    receiver_value,
                    argument: None,
                    argument_node: None,
                });
            }
            "attribute" => {
                let (Some(object), Some(attr)) = (f.field("object"), f.field("attribute")) else {
                    return;
                };
                let method = self.text(attr).to_string();
                let receiver_value = self.value(object, env);
                let awaited = is_awaited(parent);
                let is_session = matches!(receiver_value, Value::Session(_));
                let kind = match receiver_value {
                    Value::Session(_) if SESSION_METHODS.contains(&method.as_str()) => {
                        EventKind::SessionCall { method, awaited }
                    }
                    _ => EventKind::MethodCall { method },
                };
                let add_all = matches!(&kind, EventKind::SessionCall { method, .. } if method == "add_all");
                let event = Event {
                    kind,
                    statement: stmt,
                    call: Some(call),
                    receiver: self.text(object).to_string(),
                    receiver_value,
                    argument,
                    argument_node: first,
                };
                // `session.add_all([a, b])` adds each named element: one
                // `add` event per name, at the same call.
                let elements: Vec<Node<'t>> = match first.map(unparen) {
                    Some(list) if add_all && is_session && matches!(list.kind_str(), "list" | "tuple") => {
                        let mut c = list.walk();
                        list.named_children(&mut c)
                            .filter(|n| n.kind_str() == "identifier")
                            .collect()
                    }
                    _ => Vec::new(),
                };
                self.events.push(event.clone());
                for element in elements {
                    let name = self.text(element).to_string();
                    let slot = env.get(&name).cloned();
                    self.events.push(Event {
                        kind: EventKind::SessionCall {
                            method: "add".to_string(),
                            awaited,
                        },
                        argument: Some((name, slot)),
                        argument_node: Some(element),
                        ..event.clone()
                    });
                }
            }
            _ => {}
        }
    }

    /// The value of an expression in `env`.
    fn value(&self, expr: Node<'_>, env: &Env) -> Value {
        self.value_at(expr, env, 0)
    }

    fn value_at(&self, expr: Node<'_>, env: &Env, depth: usize) -> Value {
        if depth > 24 {
            return Value::Unknown;
        }
        match expr.kind_str() {
            "parenthesized_expression" => match expr.named_child(0) {
                Some(inner) => self.value_at(inner, env, depth + 1),
                None => Value::Data,
            },
            "await" => match expr.named_child(0) {
                Some(inner) => self.value_at(inner, env, depth + 1),
                None => Value::Unknown,
            },
            "named_expression" => match expr.field("value") {
                Some(v) => self.value_at(v, env, depth + 1),
                None => Value::Unknown,
            },
            "identifier" => {
                let name = self.text(expr);
                if let Some(slot) = env.get(name) {
                    return slot.value.clone();
                }
                self.global_value(name)
            }
            "attribute" => {
                let Some(object) = expr.field("object") else {
                    return Value::Unknown;
                };
                let Some(attr) = expr.field("attribute") else {
                    return Value::Unknown;
                };
                let attr = self.text(attr);
                // `self.db`: the class's annotation of the attribute, else
                // the configured session spelling.
                if object.kind_str() == "identifier" && self.text(object) == "self" && env.get("self").is_some() {
                    if let Some(class) = self.cx.class {
                        if let Some(annotation) = class.attributes.get(attr) {
                            let v = self.annotation_value(annotation, self.cx.resolver);
                            if v != Value::Unknown {
                                return v;
                            }
                        }
                    }
                    let spelled = format!("self.{attr}");
                    if self.cx.session_expressions.contains(&spelled) {
                        return Value::Session(SessionKind::Unknown);
                    }
                    return Value::Unknown;
                }
                // A dotted name not shadowed by a local: a class of a module.
                if let Some(dotted) = dotted_name(expr, self.cx.text) {
                    let head = dotted.split('.').next().unwrap_or("");
                    if env.get(head).is_none() {
                        return self.global_value(&dotted);
                    }
                }
                Value::Unknown
            }
            "call" => self.call_value(expr, env, depth),
            "conditional_expression" => {
                let mut cursor = expr.walk();
                let kids: Vec<Node<'_>> = expr.named_children(&mut cursor).collect();
                match (kids.first(), kids.get(2)) {
                    (Some(a), Some(b)) => {
                        let (a, b) = (self.value_at(*a, env, depth + 1), self.value_at(*b, env, depth + 1));
                        // `x if c else None`: an optional x.
                        if kids[2].kind_str() == "none" {
                            if let Value::Instance { model, new, .. } = a {
                                return Value::Instance {
                                    model,
                                    optional: true,
                                    new,
                                };
                            }
                        }
                        a.join(&b)
                    }
                    _ => Value::Unknown,
                }
            }
            "subscript" => match expr.field("value").map(|v| self.value_at(v, env, depth + 1)) {
                Some(Value::Instances(model)) => Value::Instance {
                    model,
                    optional: false,
                    new: false,
                },
                _ => Value::Unknown,
            },
            "string"
            | "concatenated_string"
            | "integer"
            | "float"
            | "true"
            | "false"
            | "none"
            | "dictionary"
            | "list"
            | "set"
            | "tuple"
            | "list_comprehension"
            | "dictionary_comprehension"
            | "set_comprehension"
            | "generator_expression"
            | "binary_operator"
            | "unary_operator"
            | "comparison_operator" => Value::Data,
            _ => Value::Unknown,
        }
    }

    /// The value of a module-level name (or dotted name) at run time.
    fn global_value(&self, dotted: &str) -> Value {
        let global = self.global(dotted);
        match (global.class, global.session) {
            (Some((class, true)), _) => Value::Class(class.name),
            (Some(_), _) => Value::Unknown,
            (None, Some(session)) => session,
            (None, None) => Value::Unknown,
        }
    }

    /// What the global (dotted) name `dotted` denotes, resolved once per
    /// module.
    fn global(&self, dotted: &str) -> Global {
        if let Some(known) = self.cx.globals.names.borrow().get(dotted) {
            return known.clone();
        }
        let resolver = self.cx.resolver;
        let defined = resolver.may_be_defined(dotted);
        let class = defined
            .then(|| resolver.class_facts(dotted))
            .flatten()
            .map(|(class, _)| {
                let is_mapped = mapped(resolver, self.cx.is_model, &class);
                (class, is_mapped)
            });
        let session = match (&class, dotted.contains('.')) {
            (None, false) if defined => match session_source(resolver, dotted) {
                Some((inner, source @ SessionSource::Factory { .. })) => Some(factory_value(&inner, source)),
                _ => None,
            },
            _ => None,
        };
        let global = Global { class, session };
        self.cx
            .globals
            .names
            .borrow_mut()
            .insert(dotted.to_string(), global.clone());
        global
    }

    /// The qualified name of the global (dotted) name `dotted`, resolved
    /// once per module.
    fn global_qualified(&self, dotted: &str) -> Option<String> {
        if let Some(known) = self.cx.globals.qualified.borrow().get(dotted) {
            return known.clone();
        }
        let qualified = self.cx.resolver.qualified(dotted);
        self.cx
            .globals
            .qualified
            .borrow_mut()
            .insert(dotted.to_string(), qualified.clone());
        qualified
    }

    fn call_value(&self, call: Node<'_>, env: &Env, depth: usize) -> Value {
        let Some(f) = call.field("function") else {
            return Value::Unknown;
        };
        let args: Vec<Node<'_>> = call
            .field("arguments")
            .map(|a| {
                let mut c = a.walk();
                a.named_children(&mut c)
                    .filter(|n| !matches!(n.kind_str(), "comment" | "keyword_argument"))
                    .collect()
            })
            .unwrap_or_default();
        let arg_value = |i: usize| args.get(i).map(|a| self.value_at(*a, env, depth + 1));
        // A call of a name or dotted name not shadowed: a class or a known function.
        let shadowed = dotted_name(f, self.cx.text)
            .map(|d| env.get(d.split('.').next().unwrap_or("")).is_some())
            .unwrap_or(true);
        if !shadowed {
            if let Some(dotted) = dotted_name(f, self.cx.text) {
                let global = self.global(&dotted);
                if let Some((class, is_mapped)) = global.class {
                    return if is_mapped {
                        Value::Instance {
                            model: class.name,
                            optional: false,
                            new: true,
                        }
                    } else {
                        Value::Object(class)
                    };
                }
                if let Some(q) = self.global_qualified(&dotted) {
                    // `select(A, B)` selects rows of two entities: it
                    // proves no single model, so its first is not taken.
                    let first = if args.len() > 1 {
                        Some(Value::Data)
                    } else {
                        arg_value(0)
                    };
                    if let Some(v) = function_result(&q, first) {
                        return match v {
                            Value::Factory(kind) => Value::Factory(self.factory_class(call, kind, self.cx.resolver)),
                            v => v,
                        };
                    }
                }
            }
        }
        // Calling a session factory opens a session of its kind
        // (`SessionLocal()`, `async_sessionmaker(engine)()`).
        if matches!(f.kind_str(), "identifier" | "call" | "parenthesized_expression") {
            if let Value::Factory(kind) = self.value_at(f, env, depth + 1) {
                return Value::Session(kind);
            }
        }
        if f.kind_str() != "attribute" {
            return Value::Unknown;
        }
        let (Some(object), Some(attr)) = (f.field("object"), f.field("attribute")) else {
            return Value::Unknown;
        };
        let method = self.text(attr);
        let receiver = self.value_at(object, env, depth + 1);
        if let Some(v) = method_result(&receiver, method, arg_value(0)) {
            return v;
        }
        // The service's own loaders: `self.get_thing(...)` annotated to
        // return a model; `self.get(...)` of a `BaseService[M]`.
        if object.kind_str() == "identifier" && self.text(object) == "self" {
            if let Some(class) = self.cx.class {
                if let Some(ret) = class.return_annotations.get(method) {
                    let v = self.annotation_value(ret, self.cx.resolver);
                    if v != Value::Unknown {
                        return v;
                    }
                }
                if !class.methods.contains_key(method) && is_loader_name(method) {
                    // `self.get_by_id(Model, id)`.
                    if let Some(Value::Class(model)) = arg_value(0) {
                        return Value::Instance {
                            model,
                            optional: true,
                            new: false,
                        };
                    }
                    let models: Vec<&String> = class
                        .base_type_arguments
                        .iter()
                        .filter(|m| (self.cx.is_model)(m))
                        .collect();
                    if let [model] = models.as_slice() {
                        return Value::Instance {
                            model: (*model).clone(),
                            optional: true,
                            new: false,
                        };
                    }
                }
            }
        }
        Value::Unknown
    }

    /// The session kind a factory call makes, given the kind its function
    /// makes by default: a `class_=` keyword names another class (an
    /// `AsyncSession`, a `Session`, or a subclass nothing here can tell).
    fn factory_class(&self, call: Node<'_>, kind: SessionKind, resolver: &Resolver<'_>) -> SessionKind {
        let Some(args) = call.field("arguments") else {
            return kind;
        };
        let mut cursor = args.walk();
        let class = args
            .named_children(&mut cursor)
            .filter(|a| a.kind_str() == "keyword_argument")
            .find(|a| a.field("name").is_some_and(|n| self.text(n) == "class_"))
            .and_then(|a| a.field("value"));
        match class {
            None => kind,
            Some(class) => dotted_name(class, self.cx.text)
                .and_then(|d| resolver.qualified(&d))
                .and_then(|q| session_type(&q))
                .unwrap_or(SessionKind::Unknown),
        }
    }

    /// The value an annotation promises.
    fn annotation_value(&self, annotation: &str, resolver: &Resolver<'_>) -> Value {
        if let Some(known) = self.cx.globals.annotations.borrow().get(annotation) {
            return known.clone();
        }
        let value = annotation_value_in(annotation, resolver, self.cx.is_model, 0);
        self.cx
            .globals
            .annotations
            .borrow_mut()
            .insert(annotation.to_string(), value.clone());
        value
    }
}

/// Whether a call's result is awaited: `await x.m()`, or entered by
/// `async with x.m():` (only an async context manager can be). `parent`:
/// the call's.
fn is_awaited(parent: Option<Node<'_>>) -> bool {
    let Some(parent) = parent else {
        return false;
    };
    if parent.kind_str() == "await" {
        return true;
    }
    let item = if parent.kind_str() == "as_pattern" {
        parent.parent()
    } else {
        Some(parent)
    };
    let statement = item
        .filter(|i| i.kind_str() == "with_item")
        .and_then(|i| i.parent())
        .filter(|c| c.kind_str() == "with_clause")
        .and_then(|c| c.parent());
    statement.is_some_and(|w| w.child(0).is_some_and(|first| first.kind_str() == "async"))
}

fn unparen(node: Node<'_>) -> Node<'_> {
    let mut n = node;
    while n.kind_str() == "parenthesized_expression" {
        match n.named_child(0) {
            Some(inner) => n = inner,
            None => break,
        }
    }
    n
}

fn is_loader_name(method: &str) -> bool {
    let m = method.trim_start_matches('_');
    ["get", "load", "fetch", "find", "retrieve", "read"]
        .iter()
        .any(|p| m == *p || m.starts_with(&format!("{p}_")))
}

/// Split `Outer[a, b]` into `("Outer", ["a", "b"])` at the top level.
fn generic(annotation: &str) -> Option<(&str, Vec<&str>)> {
    let open = annotation.find('[')?;
    if !annotation.ends_with(']') {
        return None;
    }
    let head = annotation[..open].trim();
    let inner = &annotation[open + 1..annotation.len() - 1];
    let parts = split_top_level(inner, ',');
    Some((head, parts))
}

/// Split `A | B` at the top level.
fn union_parts(annotation: &str) -> Vec<&str> {
    split_top_level(annotation, '|')
}

/// Split `text` at each `separator` outside brackets and parentheses.
fn split_top_level(text: &str, separator: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, c) in text.char_indices() {
        match c {
            '[' | '(' => depth += 1,
            ']' | ')' => depth = depth.saturating_sub(1),
            c if c == separator && depth == 0 => {
                parts.push(text[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(text[start..].trim());
    parts
}

/// The value an annotation (as text) promises, resolved in `resolver`'s module.
pub fn annotation_value_in(
    annotation: &str,
    resolver: &Resolver<'_>,
    is_model: &dyn Fn(&str) -> bool,
    depth: usize,
) -> Value {
    if depth > 8 {
        return Value::Unknown;
    }
    let a = annotation.trim().trim_matches(|c| c == '"' || c == '\'').trim();
    let optional = |v: Value| match v {
        Value::Instance { model, new, .. } => Value::Instance {
            model,
            optional: true,
            new,
        },
        other => other,
    };
    let parts = union_parts(a);
    if parts.len() > 1 {
        let real: Vec<&str> = parts.iter().copied().filter(|p| *p != "None").collect();
        let has_none = real.len() < parts.len();
        if let [one] = real.as_slice() {
            let v = annotation_value_in(one, resolver, is_model, depth + 1);
            return if has_none { optional(v) } else { v };
        }
        return Value::Unknown;
    }
    if let Some((head, args)) = generic(a) {
        let head_q = resolver.qualified_type(head).unwrap_or_default();
        let last = head.rsplit('.').next().unwrap_or(head);
        match last {
            "Annotated"
                if head_q.starts_with("typing") || head_q.starts_with("typing_extensions") || head_q.is_empty() =>
            {
                return args.first().map_or(Value::Unknown, |t| {
                    annotation_value_in(t, resolver, is_model, depth + 1)
                });
            }
            "Optional" => {
                return args.first().map_or(Value::Unknown, |t| {
                    optional(annotation_value_in(t, resolver, is_model, depth + 1))
                });
            }
            "Union" => {
                let real: Vec<&str> = args.iter().copied().filter(|p| *p != "None").collect();
                if let [one] = real.as_slice() {
                    let v = annotation_value_in(one, resolver, is_model, depth + 1);
                    return if real.len() < args.len() { optional(v) } else { v };
                }
                return Value::Unknown;
            }
            "list" | "List" | "Sequence" | "Iterable" | "set" | "Set" | "tuple" | "Tuple" => {
                return match args
                    .first()
                    .map(|t| annotation_value_in(t, resolver, is_model, depth + 1))
                {
                    Some(Value::Instance { model, .. }) => Value::Instances(model),
                    _ => Value::Data,
                };
            }
            "dict" | "Dict" | "Mapping" => return Value::Data,
            _ => return Value::Unknown,
        }
    }
    if matches!(
        a,
        "str" | "int" | "float" | "bool" | "bytes" | "dict" | "list" | "None" | "UUID" | "uuid.UUID"
    ) {
        return Value::Data;
    }
    // A type alias of the repository (`SessionDep = Annotated[...]`).
    if !a.contains('.') {
        if let Some((module, text)) = resolver.alias(a) {
            let inner = Resolver {
                index: resolver.index,
                module,
            };
            return annotation_value_in(text, &inner, is_model, depth + 1);
        }
    }
    if let Some((class, _)) = resolver.class_facts(a) {
        return if mapped(resolver, is_model, &class) {
            Value::Instance {
                model: class.name,
                optional: false,
                new: false,
            }
        } else {
            Value::Object(class)
        };
    }
    match resolver.qualified_type(a) {
        Some(q) => session_type(&q).map_or(Value::Unknown, Value::Session),
        None => Value::Unknown,
    }
}

/// Whether the class `class` (resolved through imports) is a mapped model
/// the rest of the analysis can ask about by name: models are known by
/// their class name, so when the repository has another class of the same
/// name that the name would find instead (a `User` schema beside the `User`
/// model, two `Team` models of two apps), nothing is proven.
fn mapped(resolver: &Resolver<'_>, is_model: &dyn Fn(&str) -> bool, class: &ClassRef) -> bool {
    is_model(&class.name) && resolver.index.class_module(&class.name) == Some(class.module.as_str())
}

/// The module-level session source a name denotes, with a resolver of
/// the module that defines it.
fn session_source<'a>(resolver: &Resolver<'a>, name: &str) -> Option<(Resolver<'a>, &'a SessionSource)> {
    let (module, local) = resolver.definition(name)?;
    let source = module.sessions.get(local)?;
    Some((
        Resolver {
            index: resolver.index,
            module,
        },
        source,
    ))
}

/// What a session factory's name holds: a factory of its kind, or, for a
/// `scoped_session` registry, the session itself.
fn factory_value(resolver: &Resolver<'_>, source: &SessionSource) -> Value {
    let SessionSource::Factory { function, class } = source else {
        return Value::Unknown;
    };
    let Some(v) = resolver.qualified(function).and_then(|q| function_result(&q, None)) else {
        return Value::Unknown;
    };
    let class = class.as_ref().map(|c| {
        resolver
            .qualified(c)
            .and_then(|q| session_type(&q))
            .unwrap_or(SessionKind::Unknown)
    });
    match (v, class) {
        (Value::Factory(kind), None) => Value::Factory(kind),
        (Value::Factory(_), Some(kind)) => Value::Factory(kind),
        (Value::Session(kind), _) => Value::Session(kind),
        _ => Value::Unknown,
    }
}

/// The session a FastAPI dependency provides: `Depends(get_db)` (also
/// `Security`, `dependency=`) where `get_db` is annotated to return or
/// yield a session (`-> Session`, `-> Iterator[Session]`,
/// `-> AsyncGenerator[AsyncSession, None]`).
fn dependency_value(resolver: &Resolver<'_>, default: Node<'_>, text: &str, is_model: &dyn Fn(&str) -> bool) -> Value {
    let dependency = resolver.fastapi_dependency(unparen(default), text);
    let Some(name) = dependency.and_then(|d| dotted_name(d, text)) else {
        return Value::Unknown;
    };
    let Some((inner, SessionSource::Returns(returns))) = session_source(resolver, &name) else {
        return Value::Unknown;
    };
    // A generator dependency yields its first type argument.
    let returns = match generic(returns) {
        Some((head, args))
            if matches!(
                head.rsplit('.').next(),
                Some("Iterator" | "Generator" | "AsyncIterator" | "AsyncGenerator")
            ) =>
        {
            args.first().copied().unwrap_or("")
        }
        _ => returns.as_str(),
    };
    match annotation_value_in(returns, &inner, is_model, 0) {
        session @ Value::Session(_) => session,
        _ => Value::Unknown,
    }
}

/// The default value's node of parameter `name` of `function`.
fn param_default<'t>(function: &Function<'t>, name: &str, text: &str) -> Option<Node<'t>> {
    let params = function.node.field("parameters")?;
    let mut cursor = params.walk();
    let found = params
        .named_children(&mut cursor)
        .filter(|p| matches!(p.kind_str(), "default_parameter" | "typed_default_parameter"))
        .find(|p| p.field("name").is_some_and(|n| &text[n.byte_range()] == name))?;
    found.field("value")
}

/// The session kind a qualified type name denotes.
fn session_type(qualified: &str) -> Option<SessionKind> {
    let top = qualified.split('.').next().unwrap_or("");
    if !matches!(top, "sqlalchemy" | "sqlmodel") {
        return None;
    }
    let last = qualified.rsplit('.').next().unwrap_or("");
    match last {
        "AsyncSession" | "async_scoped_session" => Some(SessionKind::Async),
        "Session" | "scoped_session" => Some(SessionKind::Sync),
        _ => None,
    }
}

/// What a call of the function `qualified` returns, given its first argument.
fn function_result(qualified: &str, first: Option<Value>) -> Option<Value> {
    let top = qualified.split('.').next().unwrap_or("");
    let last = qualified.rsplit('.').next().unwrap_or("");
    if matches!(top, "sqlalchemy" | "sqlmodel") {
        return match (last, first) {
            ("select", Some(Value::Class(model))) => Some(Value::Select(model)),
            ("select" | "update" | "delete" | "insert", _) => Some(Value::Data),
            ("Session", _) => Some(Value::Session(SessionKind::Sync)),
            ("AsyncSession", _) => Some(Value::Session(SessionKind::Async)),
            // A factory: calling it opens a session of its kind.
            ("sessionmaker", _) => Some(Value::Factory(SessionKind::Sync)),
            ("async_sessionmaker", _) => Some(Value::Factory(SessionKind::Async)),
            // A registry that is itself used as the session.
            ("scoped_session", _) => Some(Value::Session(SessionKind::Sync)),
            ("async_scoped_session", _) => Some(Value::Session(SessionKind::Async)),
            _ => None,
        };
    }
    match qualified {
        "builtins.dict" | "builtins.list" | "builtins.str" | "builtins.int" | "builtins.len" | "builtins.float"
        | "builtins.bool" | "builtins.sorted" | "builtins.set" | "builtins.tuple" => Some(Value::Data),
        _ => None,
    }
}

/// What a method returns, by the receiver's value: SQLAlchemy's API as
/// real code uses it. `None` when the table does not say.
pub fn method_result(receiver: &Value, method: &str, first: Option<Value>) -> Option<Value> {
    let one = |model: &String, optional: bool| {
        Some(Value::Instance {
            model: model.clone(),
            optional,
            new: false,
        })
    };
    match receiver {
        Value::Session(_) => match (method, first) {
            ("get" | "get_one", Some(Value::Class(model))) => one(&model, method == "get"),
            ("execute", Some(Value::Select(model))) => Some(Value::Result(model)),
            ("scalar", Some(Value::Select(model))) => one(&model, true),
            ("scalars", Some(Value::Select(model))) => Some(Value::Scalars(model)),
            ("query", Some(Value::Class(model))) => Some(Value::Select(model)),
            ("merge", Some(Value::Instance { model, .. })) => one(&model, false),
            // SQLModel's `session.exec(select(M))`: a `ScalarResult` of M.
            ("exec", Some(Value::Select(model))) => Some(Value::Scalars(model)),
            ("execute" | "scalar" | "scalars" | "query" | "get" | "merge" | "exec", _) => Some(Value::Unknown),
            _ => None,
        },
        Value::Select(model) => match method {
            "where" | "filter" | "filter_by" | "order_by" | "options" | "join" | "outerjoin" | "limit" | "offset"
            | "group_by" | "having" | "distinct" | "execution_options" | "with_for_update" | "select_from"
            | "join_from" | "populate_existing" | "params" | "enable_eagerloads" => Some(Value::Select(model.clone())),
            "first" | "one_or_none" | "get" => one(model, true),
            "one" => one(model, false),
            "all" => Some(Value::Instances(model.clone())),
            _ => Some(Value::Unknown),
        },
        Value::Result(model) => match method {
            "scalar_one_or_none" | "scalar" => one(model, true),
            "scalar_one" => one(model, false),
            "scalars" => Some(Value::Scalars(model.clone())),
            "unique" => Some(Value::Result(model.clone())),
            _ => Some(Value::Unknown),
        },
        Value::Scalars(model) => match method {
            "first" | "one_or_none" => one(model, true),
            "one" => one(model, false),
            "all" | "fetchall" => Some(Value::Instances(model.clone())),
            "unique" => Some(Value::Scalars(model.clone())),
            _ => Some(Value::Unknown),
        },
        // SQLModel's `M.model_validate(data)` constructs a new row.
        Value::Class(model) => match method {
            "model_validate" => Some(Value::Instance {
                model: model.clone(),
                optional: false,
                new: true,
            }),
            _ => None,
        },
        Value::Factory(kind) => match method {
            // `factory.begin()`: a session in a transaction, as a context manager.
            "begin" => Some(Value::Session(*kind)),
            _ => None,
        },
        Value::Data => Some(Value::Unknown),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inst(m: &str, optional: bool) -> Value {
        Value::Instance {
            model: m.into(),
            optional,
            new: false,
        }
    }

    #[test]
    fn the_table_follows_sqlalchemy() {
        let class = || Some(Value::Class("User".into()));
        let session = Value::Session(SessionKind::Async);
        let rows = [
            (session.clone(), "get", class(), Some(inst("User", true))),
            (session.clone(), "get_one", class(), Some(inst("User", false))),
            (session.clone(), "query", class(), Some(Value::Select("User".into()))),
            (
                session.clone(),
                "execute",
                Some(Value::Select("User".into())),
                Some(Value::Result("User".into())),
            ),
            (
                session.clone(),
                "scalar",
                Some(Value::Select("User".into())),
                Some(inst("User", true)),
            ),
            (
                session.clone(),
                "scalars",
                Some(Value::Select("User".into())),
                Some(Value::Scalars("User".into())),
            ),
            (
                session.clone(),
                "merge",
                Some(inst("User", true)),
                Some(inst("User", false)),
            ),
            // SQLModel: `session.exec(select(M))` is a `ScalarResult` of M;
            // `exec` of anything else proves nothing.
            (
                session.clone(),
                "exec",
                Some(Value::Select("User".into())),
                Some(Value::Scalars("User".into())),
            ),
            (session.clone(), "exec", Some(Value::Data), Some(Value::Unknown)),
            // `M.model_validate(data)` constructs a row; other class methods say nothing.
            (
                Value::Class("User".into()),
                "model_validate",
                None,
                Some(Value::Instance {
                    model: "User".into(),
                    optional: false,
                    new: true,
                }),
            ),
            (Value::Class("User".into()), "where", None, None),
            // A factory's `begin()` opens a session of its kind.
            (
                Value::Factory(SessionKind::Sync),
                "begin",
                None,
                Some(Value::Session(SessionKind::Sync)),
            ),
            (Value::Factory(SessionKind::Async), "configure", None, None),
            (session.clone(), "execute", Some(Value::Data), Some(Value::Unknown)),
            (
                Value::Select("User".into()),
                "where",
                None,
                Some(Value::Select("User".into())),
            ),
            (
                Value::Select("User".into()),
                "filter_by",
                None,
                Some(Value::Select("User".into())),
            ),
            (Value::Select("User".into()), "first", None, Some(inst("User", true))),
            (Value::Select("User".into()), "one", None, Some(inst("User", false))),
            (
                Value::Select("User".into()),
                "all",
                None,
                Some(Value::Instances("User".into())),
            ),
            (Value::Select("User".into()), "count", None, Some(Value::Unknown)),
            (
                Value::Result("User".into()),
                "scalar_one_or_none",
                None,
                Some(inst("User", true)),
            ),
            (
                Value::Result("User".into()),
                "scalar_one",
                None,
                Some(inst("User", false)),
            ),
            (
                Value::Result("User".into()),
                "scalars",
                None,
                Some(Value::Scalars("User".into())),
            ),
            (
                Value::Result("User".into()),
                "unique",
                None,
                Some(Value::Result("User".into())),
            ),
            (Value::Result("User".into()), "first", None, Some(Value::Unknown)),
            (Value::Result("User".into()), "all", None, Some(Value::Unknown)),
            (Value::Scalars("User".into()), "first", None, Some(inst("User", true))),
            (Value::Scalars("User".into()), "one", None, Some(inst("User", false))),
            (
                Value::Scalars("User".into()),
                "all",
                None,
                Some(Value::Instances("User".into())),
            ),
            (
                Value::Scalars("User".into()),
                "unique",
                None,
                Some(Value::Scalars("User".into())),
            ),
            (Value::Data, "get", None, Some(Value::Unknown)),
            (
                Value::Object(ClassRef {
                    module: "app.services".into(),
                    name: "UserService".into(),
                }),
                "update_user",
                None,
                None,
            ),
        ];
        for (receiver, method, first, expected) in rows {
            assert_eq!(
                method_result(&receiver, method, first.clone()),
                expected,
                "{receiver:?}.{method}({first:?})"
            );
        }
    }

    #[test]
    fn factories_and_statements_by_qualified_name() {
        let rows = [
            (
                "sqlalchemy.orm.sessionmaker",
                None,
                Some(Value::Factory(SessionKind::Sync)),
            ),
            (
                "sqlalchemy.ext.asyncio.async_sessionmaker",
                None,
                Some(Value::Factory(SessionKind::Async)),
            ),
            (
                "sqlalchemy.orm.scoped_session",
                None,
                Some(Value::Session(SessionKind::Sync)),
            ),
            (
                "sqlalchemy.ext.asyncio.async_scoped_session",
                None,
                Some(Value::Session(SessionKind::Async)),
            ),
            // A select of two entities (passed as `Data`) proves no model.
            ("sqlalchemy.select", Some(Value::Data), Some(Value::Data)),
            (
                "sqlmodel.select",
                Some(Value::Class("User".into())),
                Some(Value::Select("User".into())),
            ),
            // Not SQLAlchemy's: nothing known.
            ("app.db.sessionmaker", None, None),
        ];
        for (qualified, first, expected) in rows {
            assert_eq!(
                function_result(qualified, first.clone()),
                expected,
                "{qualified}({first:?})"
            );
        }
    }

    #[test]
    fn joins_lose_what_the_paths_disagree_on() {
        let a = Value::Instance {
            model: "User".into(),
            optional: false,
            new: true,
        };
        assert_eq!(a.join(&a), a);
        assert_eq!(
            a.join(&inst("User", true)),
            Value::Instance {
                model: "User".into(),
                optional: true,
                new: false
            }
        );
        assert_eq!(a.join(&inst("Tenant", false)), Value::Unknown);
        assert_eq!(a.join(&Value::Data), Value::Unknown);
        assert_eq!(
            Value::Session(SessionKind::Sync).join(&Value::Session(SessionKind::Async)),
            Value::Session(SessionKind::Unknown)
        );
        let mut one = Env::default();
        one.bind("x", a.clone(), Some(1));
        one.bind("y", Value::Data, Some(2));
        let mut two = Env::default();
        two.bind("x", a.clone(), Some(1));
        let joined = one.join(&two);
        assert!(joined.get("x").unwrap().definitely_bound);
        assert!(!joined.get("y").unwrap().definitely_bound);
    }

    #[test]
    fn annotations_split_at_the_top_level() {
        assert_eq!(
            generic("Optional[Dict[str, int]]"),
            Some(("Optional", vec!["Dict[str, int]"]))
        );
        assert_eq!(
            generic("Annotated[Session, Depends(get_db)]"),
            Some(("Annotated", vec!["Session", "Depends(get_db)"]))
        );
        assert_eq!(union_parts("User | None"), vec!["User", "None"]);
        assert_eq!(union_parts("dict[str, A | B]"), vec!["dict[str, A | B]"]);
        assert_eq!(
            session_type("sqlalchemy.ext.asyncio.AsyncSession"),
            Some(SessionKind::Async)
        );
        assert_eq!(session_type("sqlalchemy.orm.Session"), Some(SessionKind::Sync));
        assert_eq!(session_type("sqlmodel.Session"), Some(SessionKind::Sync));
        assert_eq!(session_type("app.db.Session"), None);
    }
}
