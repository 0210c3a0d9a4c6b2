//! Add or move `except` clauses of a `try` statement.
//!
//! Cases:
//! 1. insert a clause before a given clause (typically `except Exception`),
//!    at the `try`'s indentation, at the start of that clause's line
//!    (comments above that clause stay above the new one);
//! 2. with no clause given, after the last `except` clause (before `else` /
//!    `finally`), or before `finally` when there is no `except` clause; when
//!    the last `except` clause is a bare `except:`, before it, since a bare
//!    `except:` must come last;
//! 3. move an existing clause so it stands before another one: its whole
//!    lines go, comments trailing on them included, and are put back at the
//!    start of the other clause's line.
//!
//! Every case returns `None` rather than produce an invalid `try`: a second
//! bare `except:` or one that is not last, `except` mixed with `except*`,
//! an `except` after `else`/`finally`, a clause or `try` that does not start
//! its own line, a template that does not start with `except`, or nodes that
//! are not clauses of that `try`. Case 3 also returns `None` when the clause
//! already stands right before the other one (nothing to do).

use crate::edit::Edit;
use crate::lines::{
    code_children, ends_line, first_line_ending, insert_lines_after, line_start, next_line_start, starts_line,
    whole_lines,
};
use crate::style::Stylist;
use tree_sitter::Node;

/// Insert `clause_template` (an `except ...:` line and its body, at level 0)
/// into `try_statement`, before `before` when given.
pub fn add_except_clause(
    source: &str,
    try_statement: Node<'_>,
    before: Option<Node<'_>>,
    clause_template: &str,
    stylist: &Stylist,
) -> Option<Edit> {
    // Verify that this is a `try` statement starting its own line.
    if try_statement.kind() != "try_statement"
        || try_statement.has_error()
        || !starts_line(source, try_statement.start_byte())
    {
        return None;
    }
    // Verify that the template is an `except` clause.
    let new = template_kind(clause_template)?;
    let clauses = clauses(try_statement);
    let text = stylist.reindent(clause_template, Stylist::indentation_of(source, try_statement));
    let (index, edit) = match before {
        // 1. Before the given clause.
        Some(before) => {
            let index = clauses.iter().position(|c| c.id() == before.id())?;
            if !starts_line(source, before.start_byte()) {
                return None;
            }
            let at = crate::lines::above_comments(source, line_start(source, before.start_byte()));
            (index, Edit::insertion(text, at))
        }
        None => {
            let last_except = clauses.iter().rposition(|c| is_except(*c));
            match last_except {
                // 2. Before a bare `except:` that comes last.
                Some(i) if clause_kind(clauses[i]) == Kind::Bare => {
                    if !starts_line(source, clauses[i].start_byte()) {
                        return None;
                    }
                    let at = line_start(source, clauses[i].start_byte());
                    (i, Edit::insertion(text, at))
                }
                // 2. After the last `except` clause.
                Some(i) => {
                    if !ends_line(source, clauses[i].end_byte()) {
                        return None;
                    }
                    let edit = insert_lines_after(source, clauses[i].end_byte(), &text, stylist.line_ending);
                    (i + 1, edit)
                }
                // 2. Before `finally` when there is no `except` clause.
                None => {
                    let i = clauses.iter().position(|c| c.kind() == "finally_clause")?;
                    if !starts_line(source, clauses[i].start_byte()) {
                        return None;
                    }
                    (i, Edit::insertion(text, line_start(source, clauses[i].start_byte())))
                }
            }
        }
    };
    // Verify that the clauses are still in a valid order.
    let mut kinds: Vec<Kind> = clauses.iter().map(|c| clause_kind(*c)).collect();
    kinds.insert(index, new);
    valid_order(&kinds).then_some(edit)
}

/// Move `clause` (an `except_clause` node of a `try`) so that it stands
/// before `before` (another clause of the same `try`). Two edits: the
/// deletion of the clause's lines and their insertion before `before`.
pub fn move_clause_before(source: &str, clause: Node<'_>, before: Node<'_>) -> Option<Vec<Edit>> {
    // Verify that both are distinct clauses of one `try`.
    let try_statement = clause.parent()?;
    if try_statement.kind() != "try_statement" || !is_except(clause) {
        return None;
    }
    let clauses = clauses(try_statement);
    let from = clauses.iter().position(|c| c.id() == clause.id())?;
    let to = clauses.iter().position(|c| c.id() == before.id())?;
    // Verify that there is something to do.
    if from == to || from + 1 == to {
        return None;
    }
    // Verify that both clauses have their lines to themselves.
    if !starts_line(source, clause.start_byte())
        || !ends_line(source, clause.end_byte())
        || !starts_line(source, before.start_byte())
    {
        return None;
    }
    // Verify that the clauses are still in a valid order.
    let mut kinds: Vec<Kind> = clauses.iter().map(|c| clause_kind(*c)).collect();
    let moved = kinds.remove(from);
    kinds.insert(if from < to { to - 1 } else { to }, moved);
    if !valid_order(&kinds) {
        return None;
    }
    let first_line = line_start(source, clause.start_byte());
    let mut text = match next_line_start(source, clause.end_byte()) {
        Some(end) => source[first_line..end].to_string(),
        None => format!("{}{}", &source[first_line..], first_line_ending(source)),
    };
    if text.is_empty() {
        text.push_str(first_line_ending(source));
    }
    let (start, end) = whole_lines(source, clause.start_byte(), clause.end_byte());
    Some(vec![
        Edit::deletion(start, end),
        Edit::insertion(text, line_start(source, before.start_byte())),
    ])
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// `except E:`
    Typed,
    /// `except:`
    Bare,
    /// `except* E:`
    Group,
    Else,
    Finally,
}

/// The clauses of a `try`, in order (its body and comments left out).
fn clauses(try_statement: Node<'_>) -> Vec<Node<'_>> {
    code_children(try_statement)
        .into_iter()
        .filter(|c| {
            matches!(
                c.kind(),
                "except_clause" | "except_group_clause" | "else_clause" | "finally_clause"
            )
        })
        .collect()
}

fn is_except(clause: Node<'_>) -> bool {
    matches!(clause.kind(), "except_clause" | "except_group_clause")
}

fn clause_kind(clause: Node<'_>) -> Kind {
    match clause.kind() {
        // `except_group_clause` in older grammars; an `except_clause` with a
        // `*` token in tree-sitter-python 0.25.
        "except_group_clause" => Kind::Group,
        "except_clause" if has_star_token(clause) => Kind::Group,
        "else_clause" => Kind::Else,
        "finally_clause" => Kind::Finally,
        // Only the body: `except:`.
        _ if code_children(clause).len() == 1 => Kind::Bare,
        _ => Kind::Typed,
    }
}

fn has_star_token(clause: Node<'_>) -> bool {
    let mut cursor = clause.walk();
    let found = clause.children(&mut cursor).any(|c| !c.is_named() && c.kind() == "*");
    found
}

/// The kind of clause a template starts with; `None` if not an `except`.
fn template_kind(template: &str) -> Option<Kind> {
    let first = template.lines().find(|l| !l.trim().is_empty())?.trim_start();
    let rest = first.strip_prefix("except")?;
    let rest_trimmed = rest.trim_start();
    if rest_trimmed.starts_with('*') {
        Some(Kind::Group)
    } else if rest_trimmed.starts_with(':') {
        Some(Kind::Bare)
    } else if rest.starts_with([' ', '\t', '(']) {
        Some(Kind::Typed)
    } else {
        None
    }
}

/// `except` clauses (all plain or all `except*`, a bare one only last),
/// then at most one `else`, then at most one `finally`.
fn valid_order(kinds: &[Kind]) -> bool {
    let excepts = kinds
        .iter()
        .take_while(|k| matches!(k, Kind::Typed | Kind::Bare | Kind::Group))
        .count();
    let (excepts, tail) = kinds.split_at(excepts);
    let mixed = excepts.iter().any(|k| matches!(k, Kind::Typed | Kind::Bare)) && excepts.contains(&Kind::Group);
    let bare_not_last = excepts
        .iter()
        .position(|k| *k == Kind::Bare)
        .is_some_and(|i| i + 1 != excepts.len());
    let tail_ok = matches!(tail, [] | [Kind::Else] | [Kind::Finally] | [Kind::Else, Kind::Finally]);
    let else_needs_except = !tail.contains(&Kind::Else) || !excepts.is_empty();
    !mixed && !bare_not_last && tail_ok && else_needs_except
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{applied, nth, parse};

    const HANDLER: &str = "except IntegrityError as e:\n    await db.rollback()\n    raise ValueError(str(e)) from e\n";

    /// The clause of the first `try` of `src` whose text starts with `prefix`.
    fn clause<'t>(src: &str, try_statement: Node<'t>, prefix: &str) -> Node<'t> {
        let mut cursor = try_statement.walk();
        let found = try_statement
            .children(&mut cursor)
            .find(|c| c.kind() != "block" && src[c.byte_range()].starts_with(prefix));
        found.expect("clause")
    }

    fn add(src: &str, before: Option<&str>, template: &str) -> Option<String> {
        let tree = parse(src);
        let try_statement = nth(tree.root_node(), "try_statement", 0);
        let before = before.map(|prefix| clause(src, try_statement, prefix));
        add_except_clause(src, try_statement, before, template, &Stylist::detect(src)).map(|e| applied(src, &[e]))
    }

    fn mv(src: &str, moved: &str, before: &str) -> Option<String> {
        let tree = parse(src);
        let try_statement = nth(tree.root_node(), "try_statement", 0);
        let moved = clause(src, try_statement, moved);
        let before = clause(src, try_statement, before);
        move_clause_before(src, moved, before).map(|edits| applied(src, &edits))
    }

    #[test]
    fn before_except_exception() {
        let src = "async def f(db):\n    try:\n        await db.commit()\n    except Exception:\n        raise\n";
        assert_eq!(
            add(src, Some("except Exception"), HANDLER).unwrap(),
            "async def f(db):\n    try:\n        await db.commit()\n    except IntegrityError as e:\n        await db.rollback()\n        raise ValueError(str(e)) from e\n    except Exception:\n        raise\n"
        );
    }

    #[test]
    fn after_last_except_before_else_and_finally_tabs_crlf() {
        let src = "def f():\r\n\ttry:\r\n\t\ta()\r\n\texcept A:\r\n\t\tpass\r\n\telse:\r\n\t\tb()\r\n\tfinally:\r\n\t\tc()\r\n";
        assert_eq!(
            add(src, None, "except B:\n    pass\n").unwrap(),
            "def f():\r\n\ttry:\r\n\t\ta()\r\n\texcept A:\r\n\t\tpass\r\n\texcept B:\r\n\t\tpass\r\n\telse:\r\n\t\tb()\r\n\tfinally:\r\n\t\tc()\r\n"
        );
    }

    #[test]
    fn after_last_except_keeps_comments_in_place() {
        let src = "try:\n  a()\nexcept A:\n  pass\n  # end of A\n# before finally\nfinally:\n  c()\n";
        assert_eq!(
            add(src, None, "except B:\n    pass\n").unwrap(),
            "try:\n  a()\nexcept A:\n  pass\n  # end of A\nexcept B:\n  pass\n# before finally\nfinally:\n  c()\n"
        );
    }

    #[test]
    fn before_finally_without_except() {
        let src = "try:\n    a()\nfinally:\n    c()\n";
        assert_eq!(
            add(src, None, "except B:\n    pass\n").unwrap(),
            "try:\n    a()\nexcept B:\n    pass\nfinally:\n    c()\n"
        );
    }

    #[test]
    fn before_a_last_bare_except() {
        let src = "try:\n    a()\nexcept A:\n    pass\nexcept:\n    raise\n";
        assert_eq!(
            add(src, None, "except B:\n    pass\n").unwrap(),
            "try:\n    a()\nexcept A:\n    pass\nexcept B:\n    pass\nexcept:\n    raise\n"
        );
    }

    #[test]
    fn after_last_clause_of_a_file_without_final_newline() {
        let src = "try:\n    a()\nexcept A:\n    pass";
        assert_eq!(
            add(src, None, "except B:\n    pass\n").unwrap(),
            "try:\n    a()\nexcept A:\n    pass\nexcept B:\n    pass"
        );
    }

    #[test]
    fn one_line_clauses_and_nested_try() {
        let src = "class A:\n    def f(self):\n        try: a()\n        except A: pass\n";
        assert_eq!(
            add(src, None, "except B:\n    pass\n").unwrap(),
            "class A:\n    def f(self):\n        try: a()\n        except A: pass\n        except B:\n            pass\n"
        );
    }

    #[test]
    fn declines_invalid_orders() {
        let src = "try:\n    a()\nexcept:\n    pass\n";
        assert_eq!(add(src, None, "except:\n    pass\n"), None);
        let src = "try:\n    a()\nexcept A:\n    pass\nexcept B:\n    pass\n";
        assert_eq!(add(src, Some("except B"), "except:\n    pass\n"), None);
        let src = "try:\n    a()\nexcept* A:\n    pass\n";
        assert_eq!(add(src, None, "except B:\n    pass\n"), None);
        let plain = "try:\n    a()\nexcept A:\n    pass\n";
        assert_eq!(add(plain, None, "except *B:\n    pass\n"), None);
        assert_eq!(
            add(src, None, "except* B:\n    pass\n").unwrap(),
            "try:\n    a()\nexcept* A:\n    pass\nexcept* B:\n    pass\n"
        );
    }

    #[test]
    fn declines_bad_templates_and_nodes() {
        let src = "try:\n    a()\nexcept A:\n    pass\n";
        assert_eq!(add(src, None, "finally:\n    pass\n"), None);
        assert_eq!(add(src, None, "exceptional = 1\n"), None);
        assert_eq!(add(src, None, ""), None);
        let tree = parse(src);
        let call = nth(tree.root_node(), "call", 0);
        assert_eq!(add_except_clause(src, call, None, HANDLER, &Stylist::default()), None);
        let try_statement = nth(tree.root_node(), "try_statement", 0);
        let other = parse("try:\n    b()\nexcept C:\n    pass\n");
        let foreign = nth(other.root_node(), "except_clause", 0);
        assert_eq!(
            add_except_clause(src, try_statement, Some(foreign), HANDLER, &Stylist::default()),
            None
        );
    }

    #[test]
    fn move_clause_up() {
        let src =
            "try:\n    a()\nexcept Exception:\n    log()\n    raise\nexcept IntegrityError:  # db\n    rollback()\n";
        assert_eq!(
            mv(src, "except IntegrityError", "except Exception").unwrap(),
            "try:\n    a()\nexcept IntegrityError:  # db\n    rollback()\nexcept Exception:\n    log()\n    raise\n"
        );
    }

    #[test]
    fn move_last_clause_of_a_file_without_final_newline_crlf() {
        let src = "try:\r\n\ta()\r\nexcept Exception:\r\n\traise\r\nexcept IntegrityError:\r\n\trollback()";
        assert_eq!(
            mv(src, "except IntegrityError", "except Exception").unwrap(),
            "try:\r\n\ta()\r\nexcept IntegrityError:\r\n\trollback()\r\nexcept Exception:\r\n\traise"
        );
    }

    #[test]
    fn move_clause_down_before_finally() {
        let src = "try:\n    a()\nexcept A:\n    pass\nexcept B:\n    pass\nfinally:\n    c()\n";
        assert_eq!(
            mv(src, "except A", "finally").unwrap(),
            "try:\n    a()\nexcept B:\n    pass\nexcept A:\n    pass\nfinally:\n    c()\n"
        );
    }

    #[test]
    fn move_declines_noops_and_invalid_orders() {
        let src = "try:\n    a()\nexcept A:\n    pass\nexcept B:\n    pass\nexcept:\n    pass\nelse:\n    b()\nfinally:\n    c()\n";
        assert_eq!(mv(src, "except A", "except B"), None);
        assert_eq!(mv(src, "except A", "except A"), None);
        // A bare except moved up, an except moved after else.
        assert_eq!(mv(src, "except:", "except A"), None);
        assert_eq!(mv(src, "except A", "finally"), None);
        // Not an except clause.
        assert_eq!(mv(src, "else", "except A"), None);
    }

    #[test]
    fn valid_order_rules() {
        use Kind::*;
        assert!(valid_order(&[Typed, Bare, Else, Finally]));
        assert!(valid_order(&[Finally]));
        assert!(!valid_order(&[Bare, Typed]));
        assert!(!valid_order(&[Bare, Bare]));
        assert!(!valid_order(&[Typed, Group]));
        assert!(!valid_order(&[Else]));
        assert!(!valid_order(&[Typed, Finally, Else]));
        assert!(!valid_order(&[Typed, Else, Typed]));
    }

    #[test]
    fn a_new_clause_goes_above_the_comment_of_the_clause_it_precedes() {
        let src =
            "def f():\n    try:\n        g()\n    # anything else is a bug\n    except Exception:\n        raise\n";
        let tree = crate::testing::parse(src);
        let try_statement = crate::testing::find(tree.root_node(), "try_statement", src, "try");
        let before = crate::testing::find(tree.root_node(), "except_clause", src, "except Exception");
        let edit = add_except_clause(
            src,
            try_statement,
            Some(before),
            "except ValueError:\n    pass\n",
            &Stylist::detect(src),
        )
        .unwrap();
        assert_eq!(
            crate::testing::applied(src, &[edit]),
            "def f():\n    try:\n        g()\n    except ValueError:\n        pass\n    # anything else is a bug\n    except Exception:\n        raise\n"
        );
    }
}
