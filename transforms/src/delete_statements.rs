//! Delete statements, whole lines at a time.
//!
//! Deletes from the start of the first statement's line to the end of the
//! last statement's line (its line ending included). Comments on those lines,
//! and comment lines between the statements, go with them; a decorated
//! `def`/`class` goes with its decorators. When the last line has no line
//! ending (end of a file without a final newline), the blank lines before
//! the first line and the line ending before them go instead, so the file
//! still ends on code without a final newline.
//!
//! [`delete_statements_and_comments`] also takes the comment lines standing
//! directly above the first statement (they describe what goes), and one
//! blank line when the deletion would leave two in a row.
//!
//! Cases that return `None`:
//! 1. the nodes are not statements of one block or module, in order;
//! 2. a statement shares its line with another statement (`x = 1; y = 2`,
//!    `if a: b`);
//! 3. the deletion would leave the enclosing block empty (the caller must
//!    delete the enclosing statement instead). A module may become empty.

use crate::edit::Edit;
use crate::lines::{absorb_blank_line, code_children, ends_line, starts_line, whole_lines, with_decorators};
use tree_sitter::Node;

/// Delete the statements `first..=last` (siblings in one block).
pub fn delete_statements(source: &str, first: Node<'_>, last: Node<'_>) -> Option<Edit> {
    let first = with_decorators(first);
    let last = with_decorators(last);
    // 1. Verify that both are statements of one block or module, in order.
    let parent = first.parent()?;
    if last.parent()?.id() != parent.id()
        || !matches!(parent.kind(), "block" | "module")
        || first.start_byte() > last.start_byte()
        || first.kind() == "comment"
        || last.kind() == "comment"
    {
        return None;
    }
    // 2. Verify that the statements have their lines to themselves.
    if !starts_line(source, first.start_byte()) || !ends_line(source, last.end_byte()) {
        return None;
    }
    // 3. Verify that the block keeps a statement.
    if parent.kind() == "block"
        && code_children(parent)
            .iter()
            .all(|s| s.start_byte() >= first.start_byte() && s.end_byte() <= last.end_byte())
    {
        return None;
    }
    let (start, end) = whole_lines(source, first.start_byte(), last.end_byte());
    Some(Edit::deletion(start, end))
}

/// Delete the statements `first..=last` with the comment lines directly
/// above `first`, and without leaving two blank lines in a row.
pub fn delete_statements_and_comments(source: &str, first: Node<'_>, last: Node<'_>) -> Option<Edit> {
    let plain = delete_statements(source, first, last)?;
    let start = crate::lines::above_comments(source, plain.start());
    if plain.end() == source.len() && !source.ends_with('\n') {
        // At the end of a file without a final newline: keep `plain`'s care.
        return Some(plain);
    }
    Some(Edit::deletion(start, absorb_blank_line(source, start, plain.end())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{applied, find, parse};

    fn delete(src: &str, kind: &str, first: &str, last: &str) -> Option<String> {
        let tree = parse(src);
        let root = tree.root_node();
        let first = find(root, kind, src, first);
        let last = find(root, kind, src, last);
        delete_statements(src, first, last).map(|e| applied(src, &[e]))
    }

    #[test]
    fn deletes_one_statement_with_its_trailing_comment() {
        let src = "def f():\n    a = 1  # set\n    b = 2\n";
        assert_eq!(
            delete(src, "expression_statement", "a", "a").unwrap(),
            "def f():\n    b = 2\n"
        );
    }

    #[test]
    fn deletes_a_run_with_comments_between_crlf_tabs() {
        let src = "def f():\r\n\ta = 1\r\n\t# why\r\n\r\n\tb = 2\r\n\tc = 3\r\n";
        assert_eq!(
            delete(src, "expression_statement", "a", "b").unwrap(),
            "def f():\r\n\tc = 3\r\n"
        );
    }

    #[test]
    fn deleting_last_statement_without_final_newline_keeps_it_missing() {
        let src = "def f():\n  a = 1\n  b = 2";
        assert_eq!(
            delete(src, "expression_statement", "b", "b").unwrap(),
            "def f():\n  a = 1"
        );
    }

    #[test]
    fn deletes_decorated_method_with_decorators() {
        let src = "class A:\n    x = 1\n\n    @staticmethod\n    async def f():\n        pass\n";
        assert_eq!(
            delete(src, "function_definition", "async", "async").unwrap(),
            "class A:\n    x = 1\n\n"
        );
    }

    #[test]
    fn deletes_a_def_ending_with_a_comment_crlf_without_final_newline() {
        let src = "x = 1\r\n\r\n\r\ndef f():\r\n    a()\r\n    # end";
        assert_eq!(delete(src, "function_definition", "def", "def").unwrap(), "x = 1");
    }

    #[test]
    fn declines_emptying_a_block() {
        let src = "def f():\n    a = 1\n    # left alone\n";
        assert_eq!(delete(src, "expression_statement", "a", "a"), None);
    }

    #[test]
    fn a_module_may_become_empty() {
        assert_eq!(delete("a = 1\n", "expression_statement", "a", "a").unwrap(), "");
    }

    #[test]
    fn declines_shared_lines_and_one_line_blocks() {
        assert_eq!(delete("a = 1; b = 2\nc = 3\n", "expression_statement", "a", "a"), None);
        assert_eq!(delete("a = 1; b = 2\nc = 3\n", "expression_statement", "b", "b"), None);
        assert_eq!(delete("if x: a = 1; b = 2\n", "expression_statement", "a", "a"), None);
    }

    #[test]
    fn declines_nodes_of_different_blocks_or_reversed() {
        let src = "a = 1\nif x:\n    b = 2\n    c = 3\n";
        assert_eq!(delete(src, "expression_statement", "a", "b"), None);
        assert_eq!(delete(src, "expression_statement", "c", "b"), None);
    }

    #[test]
    fn deletes_the_comment_above_and_one_of_two_blank_lines() {
        let src = "def f(x):\n    a = 1\n\n    # set by hand\n    if x:\n        x.b = 1\n\n    return x\n";
        let tree = parse(src);
        let stmt = find(tree.root_node(), "if_statement", src, "if x");
        let edit = delete_statements_and_comments(src, stmt, stmt).unwrap();
        assert_eq!(applied(src, &[edit]), "def f(x):\n    a = 1\n\n    return x\n");
    }

    #[test]
    fn keeps_a_comment_separated_by_a_blank_line() {
        let src = "def f(x):\n    a = 1\n    # about a\n\n    b = 2\n    c = 3\n";
        let tree = parse(src);
        let stmt = find(tree.root_node(), "expression_statement", src, "b = 2");
        let edit = delete_statements_and_comments(src, stmt, stmt).unwrap();
        assert_eq!(
            applied(src, &[edit]),
            "def f(x):\n    a = 1\n    # about a\n\n    c = 3\n"
        );
    }
}
