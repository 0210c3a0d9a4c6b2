//! Edit the arguments of a call or a keyword argument.
//!
//! Removing an argument takes its separating comma with it (the one before
//! it when it is the last argument, else the one after), and its whole line
//! when it stands on a line of its own, so that the remaining arguments keep
//! their layout and trailing-comma style.
//!
//! Cases of removal (see also [`remove_arguments`]):
//! 1. an argument on lines of its own inside the parentheses: those whole
//!    lines, comments on them included;
//! 2. followed by an argument on the same line: the argument and the comma
//!    after it (`f(a, b, c)` -> `f(a, c)`);
//! 3. else preceded by an argument: the comma before it and the argument
//!    (`f(a, b)` -> `f(a)`; `f(a, b,)` -> `f(a,)`);
//! 4. the only argument: it and a trailing comma (`f(a,)` -> `f()`).
//!
//! Removal returns `None` when the node is not an argument of an
//! `argument_list`, or when the deletion would also take a comment that does
//! not sit on the argument's own lines.
//!
//! Adding a keyword argument puts it after the last argument, also after
//! `*args` and `**kwargs` (a keyword argument is valid there and means the
//! same); a call on one line that fit in the line length and no longer does
//! gets its arguments on a line of their own (one per line when they do not
//! fit there either), as ruff's formatter lays it out. It returns `None` when the call already passes that keyword, when
//! `text` is not `name=value`, or when the call's argument is a bare
//! generator (`f(x for x in y)`).

use crate::edit::Edit;
use crate::layout::{bracketed, width};
use crate::lines::{line_end, line_start};
use crate::lists::{append, remove_items, List};
use crate::style::Stylist;
use tree_sitter::Node;

/// Remove `argument` (a child of an `argument_list`).
pub fn remove_argument(source: &str, argument: Node<'_>) -> Option<Edit> {
    remove_arguments(source, &[argument])?.pop()
}

/// Remove several arguments of one `argument_list` at once, as one edit set
/// that never overlaps itself (adjacent arguments share commas).
pub fn remove_arguments(source: &str, arguments: &[Node<'_>]) -> Option<Vec<Edit>> {
    // Verify that every node is an argument of one argument list.
    let argument_list = arguments.first()?.parent()?;
    if argument_list.kind() != "argument_list"
        || arguments
            .iter()
            .any(|a| a.parent().is_none_or(|p| p.id() != argument_list.id()))
    {
        return None;
    }
    let list = List::of(argument_list);
    let remove: Vec<bool> = list
        .items
        .iter()
        .map(|item| arguments.iter().any(|a| a.id() == item.id()))
        .collect();
    if remove.iter().filter(|r| **r).count() != dedup_count(arguments) {
        return None;
    }
    remove_items(source, &list, &remove)
}

fn dedup_count(nodes: &[Node<'_>]) -> usize {
    let mut ids: Vec<usize> = nodes.iter().map(|n| n.id()).collect();
    ids.sort_unstable();
    ids.dedup();
    ids.len()
}

/// Append a keyword argument `text` (e.g. `created_by_user=current_user`) to
/// `argument_list`, after the last argument but before `*args`/`**kwargs`
/// splats only when it can keep their meaning; keeps the multi-line layout.
///
/// In Python a keyword argument may follow `*args` and `**kwargs` and binds
/// the same there, so it always goes after the last argument.
pub fn add_keyword_argument(source: &str, argument_list: Node<'_>, text: &str, stylist: &Stylist) -> Option<Edit> {
    let edit = insert_keyword_argument(source, argument_list, text, stylist)?;
    let list = List::of(argument_list);
    Some(fit_arguments(source, argument_list, &list, text, stylist).unwrap_or(edit))
}

/// [`add_keyword_argument`] as a plain insertion after the last argument,
/// never laying the arguments out again: for a call whose arguments other
/// edits of the same fix rewrite (a layout edit spanning them would
/// overlap those).
pub fn insert_keyword_argument(source: &str, argument_list: Node<'_>, text: &str, stylist: &Stylist) -> Option<Edit> {
    // Verify that there is an argument list without syntax errors.
    if argument_list.kind() != "argument_list" || argument_list.has_error() {
        return None;
    }
    // Verify that the text is `name=value`.
    let (name, value) = text.split_once('=')?;
    let name = name.trim();
    if !is_identifier(name) || value.starts_with('=') || value.trim().is_empty() {
        return None;
    }
    let list = List::of(argument_list);
    // Verify that the keyword is not passed yet.
    if list.items.iter().any(|item| {
        item.kind() == "keyword_argument"
            && item
                .child_by_field_name("name")
                .is_some_and(|n| &source[n.byte_range()] == name)
    }) {
        return None;
    }
    append(source, &list, text, stylist)
}

/// The arguments laid out again, as ruff's formatter would, when the new
/// one makes a call line that fit longer than the line length; `None` to
/// keep the plain insertion (it fits, the line was longer already, or the
/// arguments span lines or hold a comment).
fn fit_arguments(
    source: &str,
    argument_list: Node<'_>,
    list: &List<'_>,
    text: &str,
    stylist: &Stylist,
) -> Option<Edit> {
    let arguments = &source[argument_list.byte_range()];
    if arguments.contains(['\n', '#']) || list.items.is_empty() {
        return None;
    }
    let line = &source[line_start(source, argument_list.start_byte())..line_end(source, argument_list.end_byte())];
    if width(line) > stylist.line_length || width(line) + width(text) + 2 <= stylist.line_length {
        return None;
    }
    let mut items: Vec<String> = list.items.iter().map(|n| source[n.byte_range()].to_string()).collect();
    items.push(text.to_string());
    let indent = &line[..line.len() - line.trim_start_matches([' ', '\t']).len()];
    let mut lines = bracketed(indent, "(", &items, ")", stylist);
    lines[0] = "(".to_string();
    Some(Edit::replacement(
        lines.join(stylist.line_ending),
        argument_list.start_byte(),
        argument_list.end_byte(),
    ))
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c == '_' || c.is_alphabetic()) && chars.all(|c| c == '_' || c.is_alphanumeric())
}

/// Replace a node's text.
pub fn replace_node(node: Node<'_>, text: &str) -> Edit {
    Edit::replacement(text, node.start_byte(), node.end_byte())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{applied, find, nth, parse};

    /// Remove the arguments of the first call whose texts start with `names`.
    fn remove(src: &str, names: &[&str]) -> Option<String> {
        let tree = parse(src);
        let list = nth(tree.root_node(), "argument_list", 0);
        let mut cursor = list.walk();
        let children: Vec<_> = list.named_children(&mut cursor).collect();
        let picked: Vec<_> = names
            .iter()
            .map(|n| {
                *children
                    .iter()
                    .find(|c| src[c.byte_range()].starts_with(n))
                    .unwrap_or_else(|| panic!("no argument {n}"))
            })
            .collect();
        remove_arguments(src, &picked).map(|edits| applied(src, &edits))
    }

    fn add_kw(src: &str, text: &str) -> Option<String> {
        let tree = parse(src);
        let list = nth(tree.root_node(), "argument_list", 0);
        add_keyword_argument(src, list, text, &Stylist::detect(src)).map(|e| applied(src, &[e]))
    }

    #[test]
    fn an_inserted_keyword_touches_no_other_argument_however_long_the_line() {
        let src = "async def f():\n    return await CategoryService(db).delete_category(category_id, force)\n";
        let tree = parse(src);
        let list = nth(tree.root_node(), "argument_list", 1);
        let stylist = Stylist::detect(src);
        let laid_out = add_keyword_argument(src, list, "deleted_by_user=deleted_by_user", &stylist).unwrap();
        let inserted = insert_keyword_argument(src, list, "deleted_by_user=deleted_by_user", &stylist).unwrap();
        // The layout edit spans the arguments; the insertion is a point
        // after the last one, which edits of the arguments do not overlap.
        assert!(
            laid_out.start() < list.end_byte() - 1 && laid_out.end() > laid_out.start(),
            "{laid_out:?}"
        );
        assert_eq!(
            (inserted.start(), inserted.end()),
            (list.end_byte() - 1, list.end_byte() - 1)
        );
        let force = find(tree.root_node(), "identifier", src, "force");
        let both = [replace_node(force, "force=force"), inserted];
        assert_eq!(
            applied(src, &both),
            "async def f():\n    return await CategoryService(db).delete_category(category_id, force=force, deleted_by_user=deleted_by_user)\n"
        );
        assert_eq!(
            insert_keyword_argument(src, list, "force=1", &stylist).map(|_| ()),
            Some(())
        );
        assert_eq!(insert_keyword_argument(src, list, "not valid=1", &stylist), None);
    }

    #[test]
    fn a_call_grown_past_the_line_length_is_laid_out_as_ruff_does() {
        let src = "async def f():\n    try:\n        user = await service.update_user(user_id, user_data)\n    finally:\n        pass\n";
        let tree = parse(src);
        let args = nth(tree.root_node(), "argument_list", 0);
        let edit = add_keyword_argument(
            src,
            args,
            "updated_by_user=current_user_of_the_request",
            &Stylist::detect(src),
        )
        .unwrap();
        assert_eq!(
            applied(src, &[edit]),
            "async def f():\n    try:\n        user = await service.update_user(\n            user_id, user_data, updated_by_user=current_user_of_the_request\n        )\n    finally:\n        pass\n"
        );
        // Short enough: the plain insertion.
        let edit = add_keyword_argument(src, args, "u=me", &Stylist::detect(src)).unwrap();
        assert!(applied(src, &[edit]).contains("update_user(user_id, user_data, u=me)\n"));
    }

    #[test]
    fn removes_inline_middle_last_first_and_only() {
        let src = "f(a, b, c)\n";
        assert_eq!(remove(src, &["b"]).unwrap(), "f(a, c)\n");
        assert_eq!(remove(src, &["c"]).unwrap(), "f(a, b)\n");
        assert_eq!(remove(src, &["a"]).unwrap(), "f(b, c)\n");
        assert_eq!(remove("f(a)\n", &["a"]).unwrap(), "f()\n");
        assert_eq!(remove("f(a,)\n", &["a"]).unwrap(), "f()\n");
    }

    #[test]
    fn removes_last_keeping_trailing_comma() {
        assert_eq!(remove("f(a, b,)\n", &["b"]).unwrap(), "f(a,)\n");
    }

    #[test]
    fn removes_keyword_and_splat_arguments() {
        let src = "f(a, *rest, created_by=u, **kw)\n";
        assert_eq!(remove(src, &["created_by"]).unwrap(), "f(a, *rest, **kw)\n");
        assert_eq!(remove(src, &["**kw"]).unwrap(), "f(a, *rest, created_by=u)\n");
    }

    #[test]
    fn removes_own_line_argument_with_its_comment() {
        let src = "f(\n    a,\n    b,  # why\n    c,\n)\n";
        assert_eq!(remove(src, &["b"]).unwrap(), "f(\n    a,\n    c,\n)\n");
        assert_eq!(remove(src, &["c"]).unwrap(), "f(\n    a,\n    b,  # why\n)\n");
    }

    #[test]
    fn removes_last_own_line_argument_without_trailing_comma() {
        let src = "f(\r\n\ta,\r\n\tb\r\n)\r\n";
        assert_eq!(remove(src, &["b"]).unwrap(), "f(\r\n\ta,\r\n)\r\n");
    }

    #[test]
    fn removes_hanging_arguments() {
        let src = "x = f(a,\n      b)\n";
        assert_eq!(remove(src, &["b"]).unwrap(), "x = f(a)\n");
        assert_eq!(remove(src, &["a"]).unwrap(), "x = f(\n      b)\n");
        let src = "x = f(\n    a, b,\n    c)\n";
        assert_eq!(remove(src, &["b"]).unwrap(), "x = f(\n    a,\n    c)\n");
    }

    #[test]
    fn removes_several_including_adjacent_ones() {
        let src = "f(a, b, c, d, e)\n";
        assert_eq!(remove(src, &["b", "c", "e"]).unwrap(), "f(a, d)\n");
        assert_eq!(remove(src, &["a", "b", "c", "d", "e"]).unwrap(), "f()\n");
        assert_eq!(remove(src, &["a", "e"]).unwrap(), "f(b, c, d)\n");
        let src = "f(\n    a,\n    b,\n    c=1,\n    d=2,\n)\n";
        assert_eq!(remove(src, &["c", "a"]).unwrap(), "f(\n    b,\n    d=2,\n)\n");
        assert_eq!(remove(src, &["a", "b", "c", "d"]).unwrap(), "f(\n)\n");
    }

    #[test]
    fn several_edits_never_overlap() {
        let src = "f(a, b, c)\n";
        let tree = parse(src);
        let list = nth(tree.root_node(), "argument_list", 0);
        let mut cursor = list.walk();
        let args: Vec<_> = list.named_children(&mut cursor).collect();
        let edits = remove_arguments(src, &[args[0], args[2]]).unwrap();
        assert_eq!(edits.len(), 2);
        assert!(!edits[0].overlaps(&edits[1]));
        assert_eq!(applied(src, &edits), "f(b)\n");
    }

    #[test]
    fn declines_deleting_a_comment_inline() {
        let src = "f(a,  # about a\n  b, c)\n";
        assert_eq!(remove(src, &["b"]).unwrap(), "f(a,  # about a\n  c)\n");
        // The comma before `b` goes instead of the one after the comment.
        let src = "f(a, b  # about b\n  , c)\n";
        assert_eq!(remove(src, &["b"]).unwrap(), "f(a  # about b\n  , c)\n");
        // No comma can go without a comment: decline.
        let src = "f(a  # about a\n  , b  # about b\n  , c)\n";
        assert_eq!(remove(src, &["b"]), None);
    }

    #[test]
    fn declines_non_arguments() {
        let src = "f(a)\ng(b)\n";
        let tree = parse(src);
        let a = find(tree.root_node(), "identifier", src, "a");
        let b = find(tree.root_node(), "identifier", src, "b");
        assert_eq!(remove_arguments(src, &[a, b]), None);
        let g = find(tree.root_node(), "identifier", src, "g");
        assert_eq!(remove_argument(src, g), None);
        assert_eq!(remove_arguments(src, &[]), None);
    }

    #[test]
    fn single_removal_matches_plural() {
        let src = "crud.create(db, user, created_by=user)\n";
        let tree = parse(src);
        let kw = find(tree.root_node(), "keyword_argument", src, "created_by");
        let edit = remove_argument(src, kw).unwrap();
        assert_eq!(applied(src, &[edit]), "crud.create(db, user)\n");
    }

    #[test]
    fn adds_keyword_inline_and_into_empty_call() {
        assert_eq!(add_kw("f(a)\n", "user=u").unwrap(), "f(a, user=u)\n");
        assert_eq!(add_kw("f()\n", "user=u").unwrap(), "f(user=u)\n");
        assert_eq!(add_kw("f(a, *b, **c)\n", "user=u").unwrap(), "f(a, *b, **c, user=u)\n");
    }

    #[test]
    fn adds_keyword_multi_line() {
        let src = "x = await crud.create(\n  db,\n  obj,\n)\n";
        assert_eq!(
            add_kw(src, "created_by_user=current_user").unwrap(),
            "x = await crud.create(\n  db,\n  obj,\n  created_by_user=current_user,\n)\n"
        );
        let src = "f(\r\n\tdb\r\n)";
        assert_eq!(add_kw(src, "user=u").unwrap(), "f(\r\n\tdb,\r\n\tuser=u\r\n)");
    }

    #[test]
    fn declines_duplicate_keyword_and_bad_text() {
        assert_eq!(add_kw("f(a, user=v)\n", "user=u"), None);
        assert_eq!(add_kw("f(a)\n", "u"), None);
        assert_eq!(add_kw("f(a)\n", "a == b"), None);
        assert_eq!(add_kw("f(a)\n", "1x=2"), None);
        assert_eq!(add_kw("f(a)\n", "x="), None);
    }

    #[test]
    fn declines_generator_argument() {
        let src = "f(x for x in y)\n";
        let tree = parse(src);
        let call = nth(tree.root_node(), "call", 0);
        let args = call.child_by_field_name("arguments").unwrap();
        assert_eq!(add_keyword_argument(src, args, "u=1", &Stylist::default()), None);
    }

    #[test]
    fn replace_node_replaces_exactly() {
        let src = "x = datetime.utcnow()\n";
        let tree = parse(src);
        let call = nth(tree.root_node(), "call", 0);
        let edit = replace_node(call, "datetime.now(timezone.utc)");
        assert_eq!(applied(src, &[edit]), "x = datetime.now(timezone.utc)\n");
    }
}
