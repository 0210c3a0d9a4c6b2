//! Add a parameter to a function definition without shifting any argument.
//!
//! A parameter inserted in the middle of a signature silently rebinds every
//! call that passed later arguments by position. So the new parameter goes:
//! 1. after the last positional parameter when there is no `*args` and no
//!    bare `*` (a call can pass at most as many positionals as exist, so
//!    appending shifts nothing);
//! 2. after `*args` or the bare `*` (keyword-only) when there is one: last
//!    of the keyword-only parameters;
//! 3. always before `**kwargs`;
//! 4. after `/` when it is the last positional marker.
//!
//! Trailing commas and multi-line signatures keep their layout (a new line at
//! the same indentation as the other parameters, with a trailing comma when
//! the others have one). A signature on one line, or with its parameters on
//! one line of their own, that fit in the line length and that the new
//! parameter makes longer is laid out again as ruff's formatter would: the parameters on a
//! line of their own when they fit there, else one per line with a trailing
//! comma. Returns `None` when:
//! 5. the name is already a parameter (`*args` and `**kwargs` names count);
//! 6. the parameter list cannot be found, or has a syntax error;
//! 7. `parameter` is not one plain parameter (`name`, `name: T`,
//!    `name=default`, `name: T = default`; never `*args`/`**kwargs`);
//! 8. the parameter has no default, would be positional, and a positional
//!    parameter before it has one (a syntax error).
//!
//! A decorated definition may be given as its `decorated_definition` node.

use crate::edit::Edit;
use crate::layout::{bracketed, width};
use crate::lines::line_start;
use crate::lists::{append, insert_before_item, List};
use crate::style::Stylist;
use tree_sitter::{Node, Parser};

/// Add `parameter` (e.g. `created_by_user=None`) to `function`, a
/// `function_definition` node.
pub fn add_parameter(source: &str, function: Node<'_>, parameter: &str, stylist: &Stylist) -> Option<Edit> {
    let function = if function.kind() == "decorated_definition" {
        function.child_by_field_name("definition")?
    } else {
        function
    };
    // 6. Verify that there is a parameter list to edit.
    if function.kind() != "function_definition" {
        return None;
    }
    let parameters = function.child_by_field_name("parameters")?;
    if parameters.has_error() {
        return None;
    }
    // 7. Verify that the new parameter is one plain parameter.
    let new = NewParameter::parse(parameter)?;
    let list = List::of(parameters);
    // 5. Verify that the name is free.
    if list
        .items
        .iter()
        .any(|p| parameter_name(source, *p) == Some(new.name.as_str()))
    {
        return None;
    }
    let star = list.items.iter().position(|p| is_star(*p));
    // 8. Verify that a positional parameter without default is allowed here.
    if star.is_none() && !new.has_default && list.items.iter().any(|p| has_default(*p)) {
        return None;
    }
    let position = list.items.iter().position(|p| is_double_star(*p));
    let edit = match position {
        // 3. Before `**kwargs`.
        Some(kwargs) => insert_before_item(source, &list, kwargs, parameter, stylist),
        // 1, 2, 4. Last.
        None => append(source, &list, parameter, stylist),
    }?;
    Some(fit_signature(source, function, parameters, &list, position, parameter, stylist).unwrap_or(edit))
}

/// The parameters laid out again when the added one makes their line longer
/// than the line length; `None` to keep the plain insertion (it fits, the
/// parameters are one per line already, or comments or multi-line
/// parameters make it a person's layout).
fn fit_signature(
    source: &str,
    function: Node<'_>,
    parameters: Node<'_>,
    list: &List<'_>,
    position: Option<usize>,
    parameter: &str,
    stylist: &Stylist,
) -> Option<Edit> {
    let text = &source[parameters.byte_range()];
    if text.contains('#') || list.items.iter().any(|p| source[p.byte_range()].contains('\n')) {
        return None;
    }
    let first = list.items.first()?;
    let hugged = text.starts_with('(') && source[parameters.start_byte() + 1..first.start_byte()].contains('\n');
    let one_line = !text.contains('\n');
    if !one_line && !hugged {
        return None;
    }
    let last = list.items.last()?;
    let closing = &source[last.end_byte()..parameters.end_byte()];
    // The items' line: the whole header when on one line, else the hugged line.
    let line = if one_line {
        let start = line_start(source, function.start_byte());
        let body = function.child_by_field_name("body")?;
        // Up to the `:` of the header (the body may follow on the same line).
        let end = source[parameters.end_byte()..body.start_byte()].find(':')? + parameters.end_byte() + 1;
        &source[start..end]
    } else {
        // A hugged list that a trailing comma keeps exploded is not hugged.
        if closing.contains(',') || closing.trim_start_matches([' ', '\t']).starts_with(')') {
            return None;
        }
        let start = line_start(source, first.start_byte());
        &source[start..last.end_byte()]
    };
    // A line that fits grows past the length: laid out again. One that was
    // longer already says the file is not formatted to this length.
    if width(line) > stylist.line_length || width(line) + width(parameter) + 2 <= stylist.line_length {
        return None;
    }
    let mut items: Vec<String> = list.items.iter().map(|p| source[p.byte_range()].to_string()).collect();
    items.insert(position.unwrap_or(items.len()), parameter.to_string());
    let indent = Stylist::indentation_of(source, function);
    let le = stylist.line_ending;
    let mut lines = bracketed(indent, "(", &items, ")", stylist);
    // `(` and `)` stand on the header's lines already.
    lines[0] = "(".to_string();
    if let Some(last) = lines.last_mut() {
        *last = format!("{indent})");
    }
    Some(Edit::replacement(
        lines.join(le),
        parameters.start_byte(),
        parameters.end_byte(),
    ))
}

/// The parameter being added, read by parsing it in a throw-away signature.
struct NewParameter {
    name: String,
    has_default: bool,
}

impl NewParameter {
    fn parse(parameter: &str) -> Option<NewParameter> {
        let wrapper = format!("def _({parameter}): pass\n");
        let mut parser = Parser::new();
        parser.set_language(&tree_sitter_python::LANGUAGE.into()).ok()?;
        let tree = parser.parse(&wrapper, None)?;
        let root = tree.root_node();
        if root.has_error() || root.named_child_count() != 1 {
            return None;
        }
        let parameters = root.named_child(0)?.child_by_field_name("parameters")?;
        let list = List::of(parameters);
        let [node] = list.items.as_slice() else {
            return None;
        };
        if is_star(*node) || is_double_star(*node) || parameters.named_child_count() != 1 {
            return None;
        }
        let name = parameter_name(&wrapper, *node)?.to_string();
        Some(NewParameter {
            name,
            has_default: has_default(*node),
        })
    }
}

/// The name a parameter binds (`self`, `x` of `x: int = 1`, `args` of
/// `*args`); `None` for the `*` and `/` markers.
fn parameter_name<'s>(source: &'s str, parameter: Node<'_>) -> Option<&'s str> {
    let name = match parameter.kind() {
        "identifier" => parameter,
        "default_parameter" | "typed_default_parameter" => parameter.child_by_field_name("name")?,
        "typed_parameter" | "list_splat_pattern" | "dictionary_splat_pattern" => {
            let first = parameter.named_child(0)?;
            if first.kind() == "identifier" {
                first
            } else {
                return parameter_name(source, first);
            }
        }
        _ => return None,
    };
    Some(&source[name.byte_range()])
}

/// `*args`, `*args: T` or the bare `*`.
fn is_star(parameter: Node<'_>) -> bool {
    match parameter.kind() {
        "list_splat_pattern" | "keyword_separator" => true,
        "typed_parameter" => parameter
            .named_child(0)
            .is_some_and(|c| c.kind() == "list_splat_pattern"),
        _ => false,
    }
}

/// `**kwargs` or `**kwargs: T`.
fn is_double_star(parameter: Node<'_>) -> bool {
    match parameter.kind() {
        "dictionary_splat_pattern" => true,
        "typed_parameter" => parameter
            .named_child(0)
            .is_some_and(|c| c.kind() == "dictionary_splat_pattern"),
        _ => false,
    }
}

fn has_default(parameter: Node<'_>) -> bool {
    matches!(parameter.kind(), "default_parameter" | "typed_default_parameter")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{applied, nth, parse};

    const P: &str = "created_by_user=None";

    /// Add `param` to the `index`th function of `src`.
    fn add(src: &str, index: usize, param: &str) -> Option<String> {
        let tree = parse(src);
        let f = nth(tree.root_node(), "function_definition", index);
        add_parameter(src, f, param, &Stylist::detect(src)).map(|e| applied(src, &[e]))
    }

    #[test]
    fn a_signature_grown_past_the_line_length_is_laid_out_as_ruff_does() {
        let src =
            "class T:\n    async def create_tenant(self, tenant_data: TenantCreate) -> TenantResponse:\n        pass\n";
        let tree = parse(src);
        let f = nth(tree.root_node(), "function_definition", 0);
        let edit = add_parameter(src, f, "created_by_user=None", &Stylist::detect(src)).unwrap();
        assert_eq!(
            applied(src, &[edit]),
            "class T:\n    async def create_tenant(\n        self, tenant_data: TenantCreate, created_by_user=None\n    ) -> TenantResponse:\n        pass\n"
        );
        let src = "class T:\n    async def create_user(\n        self, user_data: UserCreate, target_tenant_id: Optional[str] = None, **kw\n    ) -> UserResponse:\n        pass\n";
        let tree = parse(src);
        let f = nth(tree.root_node(), "function_definition", 0);
        let edit = add_parameter(src, f, "created_by_user=None", &Stylist::detect(src)).unwrap();
        assert_eq!(
            applied(src, &[edit]),
            "class T:\n    async def create_user(\n        self,\n        user_data: UserCreate,\n        target_tenant_id: Optional[str] = None,\n        created_by_user=None,\n        **kw,\n    ) -> UserResponse:\n        pass\n"
        );
        // Longer than the line length already: not formatted to it, kept so.
        let src = "def create(self, tenant_data: TenantCreate, owner: str, other_argument: int = 1) -> TenantResponse:\n    pass\n";
        let tree = parse(src);
        let f = nth(tree.root_node(), "function_definition", 0);
        let edit = add_parameter(src, f, "x=None", &Stylist::detect(src)).unwrap();
        assert!(applied(src, &[edit]).starts_with(
            "def create(self, tenant_data: TenantCreate, owner: str, other_argument: int = 1, x=None) ->"
        ));
        // Short enough: the plain insertion.
        let src = "def f(a):\n    pass\n";
        let tree = parse(src);
        let f = nth(tree.root_node(), "function_definition", 0);
        let edit = add_parameter(src, f, "created_by_user=None", &Stylist::detect(src)).unwrap();
        assert_eq!(applied(src, &[edit]), "def f(a, created_by_user=None):\n    pass\n");
    }

    #[test]
    fn appends_after_last_positional() {
        assert_eq!(
            add("def f(a, b):\n    pass\n", 0, P).unwrap(),
            "def f(a, b, created_by_user=None):\n    pass\n"
        );
    }

    #[test]
    fn fills_an_empty_list() {
        assert_eq!(
            add("def f():\n    pass\n", 0, P).unwrap(),
            "def f(created_by_user=None):\n    pass\n"
        );
    }

    #[test]
    fn method_with_self_typed_and_defaults_async_decorated() {
        let src =
            "class A:\n    @router.post('/')\n    async def f(self, db: Session, n: int = 1) -> None:\n        pass\n";
        assert_eq!(
            add(src, 0, "user: User | None = None").unwrap(),
            "class A:\n    @router.post('/')\n    async def f(self, db: Session, n: int = 1, user: User | None = None) -> None:\n        pass\n"
        );
    }

    #[test]
    fn decorated_definition_node_is_accepted() {
        let src = "@dec\ndef f(a):\n    pass\n";
        let tree = parse(src);
        let d = nth(tree.root_node(), "decorated_definition", 0);
        let edit = add_parameter(src, d, P, &Stylist::default()).unwrap();
        assert_eq!(
            applied(src, &[edit]),
            "@dec\ndef f(a, created_by_user=None):\n    pass\n"
        );
    }

    #[test]
    fn keyword_only_after_star_args() {
        assert_eq!(
            add("def f(a, *args):\n    pass\n", 0, "user").unwrap(),
            "def f(a, *args, user):\n    pass\n"
        );
        assert_eq!(
            add("def f(a, *args: int, b=1):\n    pass\n", 0, P).unwrap(),
            "def f(a, *args: int, b=1, created_by_user=None):\n    pass\n"
        );
    }

    #[test]
    fn keyword_only_after_bare_star() {
        assert_eq!(
            add("def f(a=1, *, b):\n    pass\n", 0, "user").unwrap(),
            "def f(a=1, *, b, user):\n    pass\n"
        );
    }

    #[test]
    fn before_kwargs() {
        assert_eq!(
            add("def f(a, **kwargs):\n    pass\n", 0, P).unwrap(),
            "def f(a, created_by_user=None, **kwargs):\n    pass\n"
        );
        assert_eq!(
            add("def f(**kw: Any):\n    pass\n", 0, P).unwrap(),
            "def f(created_by_user=None, **kw: Any):\n    pass\n"
        );
        assert_eq!(
            add("def f(a, *args, b, **kw):\n    pass\n", 0, P).unwrap(),
            "def f(a, *args, b, created_by_user=None, **kw):\n    pass\n"
        );
    }

    #[test]
    fn after_positional_only_marker() {
        assert_eq!(
            add("def f(a, /):\n    pass\n", 0, P).unwrap(),
            "def f(a, /, created_by_user=None):\n    pass\n"
        );
    }

    #[test]
    fn single_line_trailing_comma() {
        assert_eq!(
            add("def f(a, b,):\n    pass\n", 0, P).unwrap(),
            "def f(a, b, created_by_user=None,):\n    pass\n"
        );
    }

    #[test]
    fn multi_line_with_trailing_comma() {
        let src = "def f(\n    self,\n    db: Session,\n) -> None:\n    pass\n";
        assert_eq!(
            add(src, 0, P).unwrap(),
            "def f(\n    self,\n    db: Session,\n    created_by_user=None,\n) -> None:\n    pass\n"
        );
    }

    #[test]
    fn multi_line_without_trailing_comma() {
        let src = "def f(\n\tself,\n\tdb\n):\n\tpass\n";
        assert_eq!(
            add(src, 0, P).unwrap(),
            "def f(\n\tself,\n\tdb,\n\tcreated_by_user=None\n):\n\tpass\n"
        );
        let src = "def f(\n  self,\n  db):\n  pass\n";
        assert_eq!(
            add(src, 0, P).unwrap(),
            "def f(\n  self,\n  db,\n  created_by_user=None):\n  pass\n"
        );
    }

    #[test]
    fn multi_line_keeps_comments_on_their_lines() {
        let src = "def f(\n    a,  # first\n    b  # second\n):\n    pass\n";
        assert_eq!(
            add(src, 0, P).unwrap(),
            "def f(\n    a,  # first\n    b,  # second\n    created_by_user=None\n):\n    pass\n"
        );
        let src = "def f(\n    a,\n    b,  # second\n):\n    pass\n";
        assert_eq!(
            add(src, 0, P).unwrap(),
            "def f(\n    a,\n    b,  # second\n    created_by_user=None,\n):\n    pass\n"
        );
    }

    #[test]
    fn multi_line_trailing_comma_and_paren_on_one_line() {
        let src = "def f(\n    a,\n    b,):\n    pass\n";
        assert_eq!(
            add(src, 0, P).unwrap(),
            "def f(\n    a,\n    b,\n    created_by_user=None,):\n    pass\n"
        );
    }

    #[test]
    fn multi_line_before_kwargs_crlf() {
        let src = "def f(\r\n    a,\r\n    **kwargs,\r\n):\r\n    pass\r\n";
        assert_eq!(
            add(src, 0, P).unwrap(),
            "def f(\r\n    a,\r\n    created_by_user=None,\r\n    **kwargs,\r\n):\r\n    pass\r\n"
        );
    }

    #[test]
    fn hanging_indent() {
        let src = "def f(a,\n      b):\n    pass\n";
        assert_eq!(
            add(src, 0, P).unwrap(),
            "def f(a,\n      b,\n      created_by_user=None):\n    pass\n"
        );
    }

    #[test]
    fn nested_function_one_line_body() {
        let src = "def outer():\n    def inner(x): return x\n    return inner\n";
        assert_eq!(
            add(src, 1, P).unwrap(),
            "def outer():\n    def inner(x, created_by_user=None): return x\n    return inner\n"
        );
    }

    #[test]
    fn one_line_async_def_at_end_of_file_without_newline() {
        assert_eq!(
            add("async def f(self): pass", 0, P).unwrap(),
            "async def f(self, created_by_user=None): pass"
        );
    }

    #[test]
    fn comments_inside_the_list_are_not_parameters() {
        let src = "def f(\n    a,  # first\n    # more to come\n    *,\n    b,\n):\n    pass\n";
        assert_eq!(
            add(src, 0, "user").unwrap(),
            "def f(\n    a,  # first\n    # more to come\n    *,\n    b,\n    user,\n):\n    pass\n"
        );
    }

    #[test]
    fn declines_existing_names() {
        assert_eq!(add("def f(a, created_by_user=1):\n    pass\n", 0, P), None);
        assert_eq!(add("def f(a, *created_by_user):\n    pass\n", 0, P), None);
        assert_eq!(add("def f(a, **created_by_user):\n    pass\n", 0, P), None);
        assert_eq!(add("def f(created_by_user: int):\n    pass\n", 0, P), None);
    }

    #[test]
    fn declines_required_positional_after_default() {
        assert_eq!(add("def f(a, b=1):\n    pass\n", 0, "user"), None);
        assert_eq!(add("def f(a, b=1, **kw):\n    pass\n", 0, "user: User"), None);
        assert_eq!(
            add("def f(a, b):\n    pass\n", 0, "user: User").unwrap(),
            "def f(a, b, user: User):\n    pass\n"
        );
    }

    #[test]
    fn declines_bad_parameter_text_and_non_functions() {
        assert_eq!(add("def f(a):\n    pass\n", 0, "*args"), None);
        assert_eq!(add("def f(a):\n    pass\n", 0, "**kw"), None);
        assert_eq!(add("def f(a):\n    pass\n", 0, "a, b"), None);
        assert_eq!(add("def f(a):\n    pass\n", 0, "1 +"), None);
        assert_eq!(add("def f(a):\n    pass\n", 0, ""), None);
        let src = "class A:\n    pass\n";
        let tree = parse(src);
        let c = nth(tree.root_node(), "class_definition", 0);
        assert_eq!(add_parameter(src, c, P, &Stylist::default()), None);
    }

    #[test]
    fn annotation_with_brackets_and_equals_is_not_a_default() {
        assert_eq!(
            add("def f(a=1):\n    pass\n", 0, "u: Annotated[int, Field(default=1)]"),
            None
        );
    }
}
