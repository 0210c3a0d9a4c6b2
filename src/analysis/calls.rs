//! Call sites and the definitions they reach, across the repository.
//!
//! For each file: every function's signature, who holds a user in it (a
//! `Depends(get_current_user)` parameter, a `current_user` variable, its own
//! user parameter), and every call it makes, with the callee resolved when
//! it can be told with confidence: `self.method()`, `self.attr.method()`
//! where `__init__` assigns `self.attr = Service(...)`, `service.method()`
//! after `service = Service(...)` or with `service: Service` (FastAPI
//! dependencies included), `Service(...).method()`, and module functions,
//! all through imports (`from x import Service`, `import x as y`, star
//! imports of the repository). A call that cannot be resolved keeps
//! `callee: None`; nothing downstream guesses.

use super::functions::{Function, ParamKind};
use super::source::NodeExt;
use super::source::{dotted_name, scope_descendants, statements};
use super::values::{self, Value};
use crate::settings::Settings;
use std::sync::Arc;
use tree_sitter::Node;

/// A class by module and name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct ClassRef {
    pub module: String,
    pub name: String,
}

/// A function or method by where it is defined.
///
/// The call graph keeps one for every definition of the repository: the
/// module and class names are shared (`Arc`) by the definitions of a file
/// rather than copied into each, and the name takes no spare capacity.
/// Equality, order and hash are those of the names' text.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct DefRef {
    pub module: Arc<str>,
    pub class: Option<Arc<str>>,
    pub name: Box<str>,
}

/// One call, with what it reaches.
#[derive(Clone, Debug)]
pub struct CallSite<'t> {
    pub call: Node<'t>,
    /// The called name (`create_user`).
    pub name: String,
    /// What the call reaches; `None` when it cannot be told.
    pub callee: Option<DefRef>,
    /// Whether the receiver is an instance (so `self` is bound).
    pub bound: bool,
    /// `getattr(obj, name)(...)`: the class of `obj` when known.
    pub dynamic: Option<Option<ClassRef>>,
    /// Index of the calling function in the file's functions.
    pub caller: Option<usize>,
}

impl<'t> CallSite<'t> {
    pub fn arguments(&self) -> Option<Node<'t>> {
        self.call.field("arguments").filter(|a| a.kind_str() == "argument_list")
    }

    /// Positional arguments (no splats), in order.
    pub fn positional(&self) -> Vec<Node<'t>> {
        let Some(args) = self.arguments() else {
            return Vec::new();
        };
        let mut cursor = args.walk();
        args.named_children(&mut cursor)
            .filter(|a| {
                !matches!(
                    a.kind_str(),
                    "keyword_argument" | "list_splat" | "dictionary_splat" | "comment"
                )
            })
            .collect()
    }

    /// Keyword arguments: name and node.
    pub fn keywords(&self, text: &str) -> Vec<(String, Node<'t>)> {
        let Some(args) = self.arguments() else {
            return Vec::new();
        };
        let mut cursor = args.walk();
        args.named_children(&mut cursor)
            .filter(|a| a.kind_str() == "keyword_argument")
            .filter_map(|a| a.field("name").map(|n| (text[n.byte_range()].to_string(), a)))
            .collect()
    }

    /// Whether the call spreads `*args` / `**kwargs` (then its binding cannot be told).
    pub fn has_splat(&self) -> (bool, bool) {
        let Some(args) = self.arguments() else {
            return (false, false);
        };
        let mut cursor = args.walk();
        let kids: Vec<Node> = args.named_children(&mut cursor).collect();
        (
            kids.iter().any(|a| a.kind_str() == "list_splat"),
            kids.iter().any(|a| a.kind_str() == "dictionary_splat"),
        )
    }
}

pub use super::resolve::Resolver;

/// What the value model needs to evaluate a file's expressions.
pub struct Evaluation<'a> {
    /// Whether a mapped class is called `name` in the repository.
    pub is_model: &'a dyn Fn(&str) -> bool,
    /// Receivers configured as sessions.
    pub session_expressions: &'a [String],
}

/// The class of the instance a value is, when it is one.
fn value_class(resolver: &Resolver<'_>, value: &Value) -> Option<ClassRef> {
    match value {
        Value::Object(class) => Some(class.clone()),
        // A model by the name the module binds it under.
        Value::Instance { model, .. } => resolver.class(model).filter(|c| c.name == *model),
        _ => None,
    }
}

/// The statement (a direct child of a block) that holds `node`.
fn statement_of(node: Node<'_>) -> Option<Node<'_>> {
    let mut n = node;
    loop {
        let parent = n.parent()?;
        if parent.kind_str() == "block" {
            return Some(n);
        }
        n = parent;
    }
}

/// Whether `name` is bound by a comprehension between `node` and
/// `statement` (then the function's value of `name` is not its value).
fn comprehension_binds(node: Node<'_>, statement: Node<'_>, name: &str, text: &str) -> bool {
    let mut n = node;
    while n.id() != statement.id() {
        if matches!(
            n.kind_str(),
            "list_comprehension" | "set_comprehension" | "dictionary_comprehension" | "generator_expression"
        ) {
            let mut cursor = n.walk();
            let binds = n
                .named_children(&mut cursor)
                .filter(|c| c.kind_str() == "for_in_clause")
                .filter_map(|c| c.field("left"))
                .any(|left| {
                    let mut names = vec![left];
                    let mut found = false;
                    while let Some(x) = names.pop() {
                        if x.kind_str() == "identifier" && &text[x.byte_range()] == name {
                            found = true;
                        }
                        let mut c = x.walk();
                        names.extend(x.named_children(&mut c));
                    }
                    found
                });
            if binds {
                return true;
            }
        }
        match n.parent() {
            Some(p) => n = p,
            None => return false,
        }
    }
    false
}

/// The calls of every function of a file whose called name is `wanted`
/// (and every `getattr(...)(...)`), resolved where possible.
///
/// A method call's receiver is resolved by the value model
/// ([`values::analyse`]): its value before the call's statement, with
/// branches joined, so `service.create()` reaches `Service.create` only
/// when `service` holds a `Service` on every path there.
pub fn call_sites<'t>(
    resolver: &Resolver<'_>,
    functions: &[Function<'t>],
    text: &str,
    wanted: &dyn Fn(&str) -> bool,
    evaluation: &Evaluation<'_>,
    file_values: &values::FileValues<'t>,
) -> Vec<CallSite<'t>> {
    let mut out = Vec::new();
    let globals = &file_values.globals;
    for (i, function) in functions.iter().enumerate() {
        let body = &text[function.body.byte_range()];
        if !body.contains('(') || !may_call(body, wanted) {
            continue;
        }
        let class = function
            .class
            .as_deref()
            .and_then(|c| resolver.module.classes.iter().find(|k| k.name == c));
        let cx = values::Context {
            text,
            resolver,
            class,
            is_model: evaluation.is_model,
            session_expressions: evaluation.session_expressions,
            globals,
        };
        // The pass runs once per function, when a call needs a receiver.
        let mut pass: Option<std::rc::Rc<values::FunctionValues<'t>>> = None;
        let mut receiver_class = |object: Node<'t>, call: Node<'t>| -> Option<ClassRef> {
            let statement = statement_of(call)?;
            if let Some(head) = dotted_name(object, text) {
                let head = head.split('.').next().unwrap_or("").to_string();
                if comprehension_binds(call, statement, &head, text) {
                    return None;
                }
            }
            let pass = pass.get_or_insert_with(|| file_values.analyse(function, &cx));
            let env = pass.before(statement)?;
            value_class(resolver, &values::evaluate(&cx, object, env))
        };
        let nodes = scope_descendants(function.body);
        for node in nodes.iter().copied() {
            if node.kind_str() != "call" {
                continue;
            }
            let Some(f) = node.field("function") else {
                continue;
            };
            match f.kind_str() {
                "identifier" => {
                    if !wanted(&text[f.byte_range()]) {
                        continue;
                    }
                    let name = text[f.byte_range()].to_string();
                    let callee = resolver.function(&name);
                    out.push(CallSite {
                        call: node,
                        name,
                        callee,
                        bound: false,
                        dynamic: None,
                        caller: Some(i),
                    });
                }
                "attribute" => {
                    let (Some(object), Some(attr)) = (f.field("object"), f.field("attribute")) else {
                        continue;
                    };
                    if !wanted(&text[attr.byte_range()]) {
                        continue;
                    }
                    let name = text[attr.byte_range()].to_string();
                    let callee = receiver_class(object, node).map(|c| DefRef {
                        module: c.module.into(),
                        class: Some(c.name.into()),
                        name: name.as_str().into(),
                    });
                    out.push(CallSite {
                        call: node,
                        name,
                        callee,
                        bound: true,
                        dynamic: None,
                        caller: Some(i),
                    });
                }
                "call" => {
                    // getattr(obj, name)(...)
                    let is_getattr = f.field("function").is_some_and(|g| &text[g.byte_range()] == "getattr");
                    if !is_getattr {
                        continue;
                    }
                    let object = f.field("arguments").and_then(|a| a.named_child(0));
                    let class = object.and_then(|o| receiver_class(o, node));
                    out.push(CallSite {
                        call: node,
                        name: "getattr".into(),
                        callee: None,
                        bound: true,
                        dynamic: Some(class),
                        caller: Some(i),
                    });
                }
                _ => {}
            }
        }
    }
    out
}

/// Whether `body` may hold a call [`call_sites`] takes: one of its words
/// (runs of identifier bytes, in code, strings or comments alike) is a
/// name `wanted` accepts, or `getattr`. Telling it from the bytes spares
/// the walk of the functions that call none (most of them).
fn may_call(body: &str, wanted: &dyn Fn(&str) -> bool) -> bool {
    super::index::words(body).any(|(_, name)| name == "getattr" || wanted(name))
}

/// The name of the user a function holds, if any: a parameter whose
/// default or annotation calls FastAPI's `Depends`/`Security` with a user
/// dependency (also through a type alias such as `CurrentUser =
/// Annotated[User, Depends(get_current_user)]`), a parameter or variable
/// named like the current user, or its own user parameter.
pub fn user_in_scope(
    function: &Function<'_>,
    text: &str,
    settings: &Settings,
    resolver: &Resolver<'_>,
) -> Option<String> {
    let params = function.node.field("parameters")?;
    let mut cursor = params.walk();
    for p in params.named_children(&mut cursor) {
        let through_alias = || {
            let annotation = p.field("type")?;
            let name = dotted_name(annotation.named_child(0).unwrap_or(annotation), text)?;
            let (module, alias) = resolver.alias(&name)?;
            let inner = Resolver {
                index: resolver.index,
                module,
            };
            let tree = super::source::parse(alias);
            Some(depends_on_user(
                tree.root_node(),
                alias,
                &inner,
                &settings.user_dependencies,
            ))
        };
        if depends_on_user(p, text, resolver, &settings.user_dependencies) || through_alias() == Some(true) {
            // A dependency that hands a token's claims (`dict`) or an id
            // is no user row: nothing of a user can be read from it.
            if p.field("type").is_some_and(|t| not_a_row(&text[t.byte_range()])) {
                continue;
            }
            let name_node = p.field("name").or_else(|| p.named_child(0))?;
            return Some(text[name_node.byte_range()].to_string());
        }
    }
    let body = &text[function.body.byte_range()];
    for name in &settings.current_user_names {
        if function.param(name).is_some() {
            return Some(name.clone());
        }
        if !body.contains(name.as_str()) {
            continue;
        }
        let assigned = scope_descendants(function.body).into_iter().any(|n| {
            n.kind_str() == "assignment"
                && n.field("left")
                    .is_some_and(|l| l.kind_str() == "identifier" && &text[l.byte_range()] == name.as_str())
        });
        if assigned {
            return Some(name.clone());
        }
    }
    crate::settings::Kind::ALL
        .iter()
        .map(|k| settings.user_parameters.get(*k))
        .find(|name| {
            function
                .param(name)
                .is_some_and(|p| p.kind != ParamKind::VarArgs && p.kind != ParamKind::VarKeyword)
        })
        .cloned()
}

/// Whether an annotation names a plain value rather than an object:
/// `dict`, `Annotated[dict[str, Any], Depends(...)]`, `str`, `int`, `UUID`.
fn not_a_row(annotation: &str) -> bool {
    let first = annotation
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .find(|w| !w.is_empty() && !matches!(*w, "Annotated" | "Optional" | "typing" | "t" | "uuid"));
    matches!(
        first,
        Some("dict" | "Dict" | "Mapping" | "MutableMapping" | "str" | "int" | "UUID" | "bytes" | "Any")
    )
}

/// Whether `node` holds a call of FastAPI's `Depends` or `Security` (by
/// qualified name) whose dependency is one of `dependencies` (by its last
/// name: `deps.get_current_user` is `get_current_user`).
fn depends_on_user(node: Node<'_>, text: &str, resolver: &Resolver<'_>, dependencies: &[String]) -> bool {
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        let mut cursor = n.walk();
        stack.extend(n.named_children(&mut cursor));
        let named = resolver
            .fastapi_dependency(n, text)
            .and_then(|d| dotted_name(d, text))
            .is_some_and(|d| dependencies.iter().any(|u| d.rsplit('.').next() == Some(u.as_str())));
        if named {
            return true;
        }
    }
    false
}

/// HTTP and websocket verbs of FastAPI's and Starlette's route decorators.
const ROUTE_VERBS: &[&str] = &[
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "head",
    "options",
    "trace",
    "api_route",
    "route",
    "websocket",
];

/// Whether a function is a route handler: decorated with a call of a
/// route verb on an object (`@router.post(...)`, `@app.get(...)`).
pub fn is_route(function: &Function<'_>, text: &str) -> bool {
    let Some(parent) = function.node.parent() else {
        return false;
    };
    if parent.kind_str() != "decorated_definition" {
        return false;
    }
    let mut cursor = parent.walk();
    let routed = parent
        .named_children(&mut cursor)
        .filter(|d| d.kind_str() == "decorator")
        .filter_map(|d| d.named_child(0).filter(|c| c.kind_str() == "call"))
        .filter_map(|call| call.field("function").filter(|f| f.kind_str() == "attribute"))
        .filter_map(|f| f.field("attribute"))
        .any(|verb| ROUTE_VERBS.contains(&&text[verb.byte_range()]));
    routed
}

/// The statements of a function's body, for callers that need its block.
pub fn body_statements<'t>(function: &Function<'t>) -> Vec<Node<'t>> {
    statements(function.body)
}

#[cfg(test)]
mod tests {
    use super::{may_call, not_a_row};

    #[test]
    fn a_body_may_call_a_wanted_name_only_if_it_names_it_as_a_whole_word() {
        let wanted = |name: &str| name == "create_user";
        for body in [
            "return create_user(db, data)",
            "self.repo.create_user (data)",
            "x = [svc.create_user(d) for d in rows]",
            // Dynamic calls are taken whatever their name.
            "getattr(svc, name)(data)",
            // A word anywhere is enough (a superset of the calls).
            "# create_user is called elsewhere\nreturn 1",
            "émis = create_user(données)",
        ] {
            assert!(may_call(body, &wanted), "{body}");
        }
        for body in [
            "return create_users(db) + recreate_user(db)",
            "x_create_user = 1; create_user_x()",
            "return build(data)",
            "",
            "é",
        ] {
            assert!(!may_call(body, &wanted), "{body}");
        }
    }

    #[test]
    fn plain_values_are_no_user_rows() {
        for plain in [
            "dict",
            "Annotated[dict, Depends(get_current_user)]",
            "dict[str, Any]",
            "Optional[str]",
            "typing.Dict[str, str]",
            "uuid.UUID",
            "int",
        ] {
            assert!(not_a_row(plain), "{plain}");
        }
        for row in [
            "User",
            "Annotated[User, Depends(get_current_user)]",
            "CurrentUser",
            "Optional[models.User]",
        ] {
            assert!(!not_a_row(row), "{row}");
        }
    }
}
