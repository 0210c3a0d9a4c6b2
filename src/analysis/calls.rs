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
use super::source::{dotted_name, scope_descendants, statements};
use crate::settings::Settings;
use std::collections::HashMap;
use std::sync::Arc;
use tree_sitter::Node;

/// A class by module and name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
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
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
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
        self.call
            .child_by_field_name("arguments")
            .filter(|a| a.kind() == "argument_list")
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
                    a.kind(),
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
            .filter(|a| a.kind() == "keyword_argument")
            .filter_map(|a| {
                a.child_by_field_name("name")
                    .map(|n| (text[n.byte_range()].to_string(), a))
            })
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
            kids.iter().any(|a| a.kind() == "list_splat"),
            kids.iter().any(|a| a.kind() == "dictionary_splat"),
        )
    }
}

pub use super::resolve::Resolver;

/// What an expression is evaluated in: the function, its class, and the
/// classes of `self.<attr>` from `__init__`.
pub struct Scope<'a, 't> {
    pub resolver: &'a Resolver<'a>,
    pub text: &'a str,
    pub function: &'a Function<'t>,
    pub self_class: Option<&'a ClassRef>,
    pub attributes: &'a HashMap<String, ClassRef>,
    /// The function body's nodes, computed once.
    pub nodes: &'a [Node<'t>],
}

/// The class of the instance an expression evaluates to, when it can be told.
pub fn instance_class(scope: &Scope<'_, '_>, expr: Node<'_>, before: usize, depth: usize) -> Option<ClassRef> {
    let Scope {
        resolver,
        text,
        function,
        self_class,
        attributes,
        nodes,
    } = *scope;
    if depth > 4 {
        return None;
    }
    match expr.kind() {
        "identifier" => {
            let name = &text[expr.byte_range()];
            if name == "self" {
                return self_class.cloned();
            }
            // The last assignment before the use.
            let assigned = nodes
                .iter()
                .copied()
                .filter(|n| n.kind() == "assignment" && n.end_byte() <= before)
                .filter(|n| {
                    n.child_by_field_name("left")
                        .is_some_and(|l| l.kind() == "identifier" && &text[l.byte_range()] == name)
                })
                .max_by_key(|n| n.start_byte());
            if let Some(assignment) = assigned {
                if let Some(ty) = assignment.child_by_field_name("type") {
                    if let Some(c) = resolver.class_in_annotation(&text[ty.byte_range()]) {
                        return Some(c);
                    }
                }
                let value = assignment.child_by_field_name("right")?;
                return instance_class(scope, value, before, depth + 1);
            }
            let param = function.param(name)?;
            if let Some(annotation) = &param.annotation {
                if let Some(c) = resolver.class_in_annotation(annotation) {
                    return Some(c);
                }
            }
            None
        }
        "attribute" => {
            let object = expr.child_by_field_name("object")?;
            let attr = &text[expr.child_by_field_name("attribute")?.byte_range()];
            if object.kind() == "identifier" && &text[object.byte_range()] == "self" {
                return attributes.get(attr).cloned();
            }
            None
        }
        "call" => {
            let f = expr.child_by_field_name("function")?;
            let dotted = dotted_name(f, text)?;
            resolver.dotted_class(&dotted)
        }
        "parenthesized_expression" => {
            let inner = expr.named_child(0)?;
            instance_class(scope, inner, before, depth + 1)
        }
        _ => None,
    }
}

/// `self.attr` types of a class, from assignments in its `__init__`.
pub fn attribute_classes(
    resolver: &Resolver<'_>,
    functions: &[Function<'_>],
    class: &str,
    text: &str,
) -> HashMap<String, ClassRef> {
    let mut out = HashMap::new();
    let Some(init) = functions
        .iter()
        .find(|f| f.class.as_deref() == Some(class) && f.name == "__init__")
    else {
        return out;
    };
    let init_nodes = scope_descendants(init.body);
    for &node in &init_nodes {
        let Some((object, attr, _)) = super::source::attribute_assignment(node) else {
            continue;
        };
        if &text[object.byte_range()] != "self" {
            continue;
        }
        let ty = node
            .child_by_field_name("type")
            .and_then(|t| resolver.class_in_annotation(&text[t.byte_range()]))
            .or_else(|| {
                let value = node.child_by_field_name("right")?;
                let empty = HashMap::new();
                let scope = Scope {
                    resolver,
                    text,
                    function: init,
                    self_class: None,
                    attributes: &empty,
                    nodes: &init_nodes,
                };
                instance_class(&scope, value, node.start_byte(), 0)
            });
        if let Some(ty) = ty {
            out.insert(text[attr.byte_range()].to_string(), ty);
        }
    }
    out
}

/// The calls of every function of a file whose called name is `wanted`
/// (and every `getattr(...)(...)`), resolved where possible.
pub fn call_sites<'t>(
    resolver: &Resolver<'_>,
    functions: &[Function<'t>],
    text: &str,
    wanted: &dyn Fn(&str) -> bool,
) -> Vec<CallSite<'t>> {
    let mut attributes_by_class: HashMap<String, HashMap<String, ClassRef>> = HashMap::new();
    let mut out = Vec::new();
    for (i, function) in functions.iter().enumerate() {
        let self_class = function.class.as_ref().map(|c| ClassRef {
            module: resolver.module.name.clone(),
            name: c.clone(),
        });
        let attributes = match &function.class {
            Some(c) => attributes_by_class
                .entry(c.clone())
                .or_insert_with(|| attribute_classes(resolver, functions, c, text))
                .clone(),
            None => HashMap::new(),
        };
        let body = &text[function.body.byte_range()];
        if !body.contains('(') {
            continue;
        }
        let nodes = scope_descendants(function.body);
        for node in nodes.iter().copied() {
            if node.kind() != "call" {
                continue;
            }
            let Some(f) = node.child_by_field_name("function") else {
                continue;
            };
            match f.kind() {
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
                    let (Some(object), Some(attr)) =
                        (f.child_by_field_name("object"), f.child_by_field_name("attribute"))
                    else {
                        continue;
                    };
                    if !wanted(&text[attr.byte_range()]) {
                        continue;
                    }
                    let name = text[attr.byte_range()].to_string();
                    let scope = Scope {
                        resolver,
                        text,
                        function,
                        self_class: self_class.as_ref(),
                        attributes: &attributes,
                        nodes: &nodes,
                    };
                    let class = instance_class(&scope, object, node.start_byte(), 0);
                    let callee = class.map(|c| DefRef {
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
                    let is_getattr = f
                        .child_by_field_name("function")
                        .is_some_and(|g| &text[g.byte_range()] == "getattr");
                    if !is_getattr {
                        continue;
                    }
                    let object = f.child_by_field_name("arguments").and_then(|a| a.named_child(0));
                    let scope = Scope {
                        resolver,
                        text,
                        function,
                        self_class: self_class.as_ref(),
                        attributes: &attributes,
                        nodes: &nodes,
                    };
                    let class = object.and_then(|o| instance_class(&scope, o, node.start_byte(), 0));
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

/// The name of the user a function holds, if any: a parameter whose
/// default or annotation is `Depends(<user dependency>)`, a parameter or
/// variable named like the current user, or its own user parameter.
pub fn user_in_scope(function: &Function<'_>, text: &str, settings: &Settings) -> Option<String> {
    let params = function.node.child_by_field_name("parameters")?;
    let mut cursor = params.walk();
    for p in params.named_children(&mut cursor) {
        let source = &text[p.byte_range()];
        if settings
            .user_dependencies
            .iter()
            .any(|d| source.contains(&format!("Depends({d})")))
        {
            let name_node = p.child_by_field_name("name").or_else(|| p.named_child(0))?;
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
            n.kind() == "assignment"
                && n.child_by_field_name("left")
                    .is_some_and(|l| l.kind() == "identifier" && &text[l.byte_range()] == name.as_str())
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

/// Whether a function is a route handler (decorated with `@router.<verb>`/`@app.<verb>`).
pub fn is_route(function: &Function<'_>, text: &str) -> bool {
    let Some(parent) = function.node.parent() else {
        return false;
    };
    if parent.kind() != "decorated_definition" {
        return false;
    }
    let mut cursor = parent.walk();
    let routed = parent
        .named_children(&mut cursor)
        .filter(|d| d.kind() == "decorator")
        .any(|d| {
            let t = &text[d.byte_range()];
            [".get(", ".post(", ".put(", ".patch(", ".delete(", ".api_route("]
                .iter()
                .any(|v| t.contains(v))
        });
    routed
}

/// The statements of a function's body, for callers that need its block.
pub fn body_statements<'t>(function: &Function<'t>) -> Vec<Node<'t>> {
    statements(function.body)
}
