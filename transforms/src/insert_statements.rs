//! Insert statements into a block, re-indented to the block.
//!
//! Statements come as a template (see [`crate::style::Stylist::reindent`]).
//! Cases:
//! 1. before a statement: the text goes at the start of the statement's line,
//!    at the statement's indentation (a decorated `def`/`class` counts from
//!    its first decorator; comments above the statement stay above the new
//!    text);
//! 2. after a statement: at the start of the line that follows the
//!    statement's last line (comments trailing on that line stay with it);
//!    after the last line of a file without a final newline, the text is
//!    put after a new line ending and the file still has no final newline;
//! 3. at the start of a block: after its docstring if it has one (as in
//!    case 2), else before its first statement (as in case 1, so comments
//!    above that statement stay above the new text).
//!
//! 4. above a statement's comments: as case 1, but above the comment lines
//!    that stand directly over the statement (they describe it), so the new
//!    text does not come between a comment and its statement.
//!
//! Returns `None` when the statement does not start its own line (`x = 1; y = 2`
//! or a one-line `if x: y`), since inserting there cannot keep the layout;
//! for case 2 also when code follows the statement on its last line
//! (`x = 1; y = 2` after `x = 1`); when the node is not a statement of a
//! block or module; when the text would land before a `from __future__`
//! import (which must come first); or when the template renders to nothing.

use crate::edit::Edit;
use crate::lines::{ends_line, future_import_follows, insert_lines_after, line_start, starts_line, with_decorators};
use crate::style::Stylist;
use tree_sitter::Node;

/// Insert `template` on its own lines before `statement`.
pub fn insert_before(source: &str, statement: Node<'_>, template: &str, stylist: &Stylist) -> Option<Edit> {
    let statement = with_decorators(statement);
    // Verify that the node is a statement that starts its own line.
    if !is_statement(statement) || !starts_line(source, statement.start_byte()) {
        return None;
    }
    // Verify that no `from __future__` import would follow the new text.
    if future_import_follows(statement, statement.start_byte()) {
        return None;
    }
    let text = stylist.reindent(template, Stylist::indentation_of(source, statement));
    if text.is_empty() {
        return None;
    }
    Some(Edit::insertion(text, line_start(source, statement.start_byte())))
}

/// Insert `template` on its own lines before `statement` and above the
/// comment lines directly over it.
pub fn insert_above_comments(source: &str, statement: Node<'_>, template: &str, stylist: &Stylist) -> Option<Edit> {
    let plain = insert_before(source, statement, template, stylist)?;
    Some(Edit::insertion(
        plain.content(),
        crate::lines::above_comments(source, plain.start()),
    ))
}

/// Insert `template` on its own lines after `statement`.
pub fn insert_after(source: &str, statement: Node<'_>, template: &str, stylist: &Stylist) -> Option<Edit> {
    let statement = with_decorators(statement);
    // Verify that the node is a statement alone on its lines.
    if !is_statement(statement)
        || !starts_line(source, statement.start_byte())
        || !ends_line(source, statement.end_byte())
    {
        return None;
    }
    // Verify that no `from __future__` import would follow the new text.
    if future_import_follows(statement, statement.end_byte()) {
        return None;
    }
    let text = stylist.reindent(template, Stylist::indentation_of(source, statement));
    if text.is_empty() {
        return None;
    }
    Some(insert_lines_after(
        source,
        statement.end_byte(),
        &text,
        stylist.line_ending,
    ))
}

/// Insert `template` at the start of `block` (a tree-sitter `block` node),
/// after its docstring if the first statement is a string expression.
pub fn insert_at_block_start(source: &str, block: Node<'_>, template: &str, stylist: &Stylist) -> Option<Edit> {
    if block.kind() != "block" {
        return None;
    }
    let mut cursor = block.walk();
    let first = block
        .named_children(&mut cursor)
        .find(|child| child.kind() != "comment")?;
    if is_docstring(first) {
        insert_after(source, first, template, stylist)
    } else {
        insert_before(source, first, template, stylist)
    }
}

/// Whether `node` is a statement directly in a block or a module.
fn is_statement(node: Node<'_>) -> bool {
    node.kind() != "comment"
        && node.is_named()
        && node
            .parent()
            .is_some_and(|parent| matches!(parent.kind(), "block" | "module"))
}

/// Whether `statement` is an expression statement made of a string alone
/// (a docstring when it comes first in a module, class or function).
pub(crate) fn is_docstring(statement: Node<'_>) -> bool {
    if statement.kind() != "expression_statement" || statement.named_child_count() != 1 {
        return false;
    }
    statement
        .named_child(0)
        .is_some_and(|child| matches!(child.kind(), "string" | "concatenated_string"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{applied, find, nth, parse};

    const TS: &str = "user.created_at = now()\n";

    fn before(src: &str, kind: &str, prefix: &str, template: &str) -> Option<String> {
        let tree = parse(src);
        let node = find(tree.root_node(), kind, src, prefix);
        insert_before(src, node, template, &Stylist::detect(src)).map(|e| applied(src, &[e]))
    }

    fn after(src: &str, kind: &str, prefix: &str, template: &str) -> Option<String> {
        let tree = parse(src);
        let node = find(tree.root_node(), kind, src, prefix);
        insert_after(src, node, template, &Stylist::detect(src)).map(|e| applied(src, &[e]))
    }

    fn at_start(src: &str, nth_block: usize, template: &str) -> Option<String> {
        let tree = parse(src);
        let block = nth(tree.root_node(), "block", nth_block);
        insert_at_block_start(src, block, template, &Stylist::detect(src)).map(|e| applied(src, &[e]))
    }

    #[test]
    fn before_statement_four_spaces() {
        let src = "def f(user):\n    db.add(user)\n    db.commit()\n";
        assert_eq!(
            before(src, "expression_statement", "db.add", TS).unwrap(),
            "def f(user):\n    user.created_at = now()\n    db.add(user)\n    db.commit()\n"
        );
    }

    #[test]
    fn before_statement_with_tabs_and_nested_template() {
        let src = "class A:\n\tdef f(self):\n\t\tdb.add(x)\n";
        let got = before(src, "expression_statement", "db.add", "if ctx:\n    x.set(ctx)\n");
        assert_eq!(
            got.unwrap(),
            "class A:\n\tdef f(self):\n\t\tif ctx:\n\t\t\tx.set(ctx)\n\t\tdb.add(x)\n"
        );
    }

    #[test]
    fn before_statement_two_spaces_crlf() {
        let src = "def f():\r\n  if a:\r\n    db.add(x)\r\n";
        let got = before(src, "expression_statement", "db.add", "if ctx:\n    x.set(ctx)\n");
        assert_eq!(
            got.unwrap(),
            "def f():\r\n  if a:\r\n    if ctx:\r\n      x.set(ctx)\r\n    db.add(x)\r\n"
        );
    }

    #[test]
    fn before_decorated_def_goes_above_decorators() {
        let src = "class A:\n    @property\n    async def f(self):\n        pass\n";
        let got = before(src, "function_definition", "async def", "x = 1\n").unwrap();
        assert_eq!(
            got,
            "class A:\n    x = 1\n    @property\n    async def f(self):\n        pass\n"
        );
    }

    #[test]
    fn before_keeps_comment_above_statement_above_new_text() {
        let src = "def f():\n    a()\n    # add it\n    db.add(x)\n";
        assert_eq!(
            before(src, "expression_statement", "db.add", TS).unwrap(),
            "def f():\n    a()\n    # add it\n    user.created_at = now()\n    db.add(x)\n"
        );
    }

    #[test]
    fn before_declines_statement_not_starting_its_line() {
        assert_eq!(before("x = 1; y = 2\n", "expression_statement", "y", TS), None);
        assert_eq!(before("if a: y = 2\n", "expression_statement", "y", TS), None);
        assert_eq!(before("def f(): pass\n", "pass_statement", "pass", TS), None);
    }

    #[test]
    fn before_first_statement_on_a_semicolon_line_is_fine() {
        assert_eq!(
            before("x = 1; y = 2\n", "expression_statement", "x", TS).unwrap(),
            "user.created_at = now()\nx = 1; y = 2\n"
        );
    }

    #[test]
    fn before_declines_non_statements_and_empty_templates() {
        let src = "try:\n    a()\nexcept E:\n    pass\n";
        assert_eq!(before(src, "except_clause", "except", TS), None);
        assert_eq!(before(src, "expression_statement", "a()", ""), None);
    }

    #[test]
    fn declines_code_before_a_future_import() {
        let src = "\"\"\"Doc.\"\"\"\nfrom __future__ import annotations\nimport os\n";
        assert_eq!(after(src, "expression_statement", "\"", TS), None);
        assert_eq!(before(src, "future_import_statement", "from", TS), None);
        assert_eq!(
            after(src, "future_import_statement", "from", TS).unwrap(),
            "\"\"\"Doc.\"\"\"\nfrom __future__ import annotations\nuser.created_at = now()\nimport os\n"
        );
    }

    #[test]
    fn after_statement_keeps_trailing_comment_on_its_line() {
        let src = "def f():\n    x = make()  # build it\n    return x\n";
        assert_eq!(
            after(src, "expression_statement", "x = make", TS).unwrap(),
            "def f():\n    x = make()  # build it\n    user.created_at = now()\n    return x\n"
        );
    }

    #[test]
    fn after_last_statement_without_final_newline() {
        let src = "def f():\n    db.add(x)";
        assert_eq!(
            after(src, "expression_statement", "db.add", TS).unwrap(),
            "def f():\n    db.add(x)\n    user.created_at = now()"
        );
        let src = "def f():\r\n\tdb.add(x)  # c";
        assert_eq!(
            after(src, "expression_statement", "db.add", "a()\nb()\n").unwrap(),
            "def f():\r\n\tdb.add(x)  # c\r\n\ta()\r\n\tb()"
        );
    }

    #[test]
    fn after_def_ending_with_a_comment_in_a_crlf_file() {
        let src = "def f():\r\n    a()\r\n    # end\r\nx = 1\r\n";
        assert_eq!(
            after(src, "function_definition", "def", TS).unwrap(),
            "def f():\r\n    a()\r\n    # end\r\nuser.created_at = now()\r\nx = 1\r\n"
        );
    }

    #[test]
    fn after_compound_statement_goes_after_its_body() {
        let src = "def f():\n    if a:\n        b()\n    else:\n        c()\n    d()\n";
        assert_eq!(
            after(src, "if_statement", "if a", TS).unwrap(),
            "def f():\n    if a:\n        b()\n    else:\n        c()\n    user.created_at = now()\n    d()\n"
        );
    }

    #[test]
    fn after_multiline_statement() {
        let src = "async def f():\n    x = await g(\n        1,\n    )\n";
        assert_eq!(
            after(src, "expression_statement", "x = await", TS).unwrap(),
            "async def f():\n    x = await g(\n        1,\n    )\n    user.created_at = now()\n"
        );
    }

    #[test]
    fn after_declines_shared_lines() {
        assert_eq!(after("x = 1; y = 2\n", "expression_statement", "x", TS), None);
        assert_eq!(after("if a: y = 2\n", "expression_statement", "y", TS), None);
    }

    #[test]
    fn after_one_line_compound_statement_is_fine() {
        assert_eq!(
            after("if a: y = 2\nz = 3\n", "if_statement", "if", TS).unwrap(),
            "if a: y = 2\nuser.created_at = now()\nz = 3\n"
        );
    }

    #[test]
    fn block_start_after_docstring() {
        let src = "class A:\n  def f(self):\n    \"\"\"Doc.\n\n    More.\n    \"\"\"\n    return 1\n";
        assert_eq!(
            at_start(src, 1, TS).unwrap(),
            "class A:\n  def f(self):\n    \"\"\"Doc.\n\n    More.\n    \"\"\"\n    user.created_at = now()\n    return 1\n"
        );
    }

    #[test]
    fn block_start_without_docstring_skips_leading_comment_block() {
        let src = "def f():\n    # why\n    return 1\n";
        assert_eq!(
            at_start(src, 0, TS).unwrap(),
            "def f():\n    # why\n    user.created_at = now()\n    return 1\n"
        );
    }

    #[test]
    fn block_start_of_docstring_only_body_without_final_newline() {
        let src = "def f():\n\t'''Doc.'''";
        assert_eq!(at_start(src, 0, "pass\n").unwrap(), "def f():\n\t'''Doc.'''\n\tpass");
    }

    #[test]
    fn block_start_declines_one_line_body() {
        assert_eq!(at_start("def f(): pass\n", 0, TS), None);
        assert_eq!(at_start("def f(): 'doc'\n", 0, TS), None);
    }

    #[test]
    fn block_start_in_nested_function() {
        let src = "class A:\n    class B:\n        def f(self):\n            return 1\n";
        assert_eq!(
            at_start(src, 2, TS).unwrap(),
            "class A:\n    class B:\n        def f(self):\n            user.created_at = now()\n            return 1\n"
        );
    }

    #[test]
    fn block_start_declines_non_block() {
        let src = "x = 1\n";
        let tree = parse(src);
        assert_eq!(
            insert_at_block_start(src, tree.root_node(), TS, &Stylist::default()),
            None
        );
    }

    #[test]
    fn above_the_comments_that_describe_the_statement() {
        let src = "def f():\n    x = 1\n\n    # Create plan\n    plan = Plan()\n";
        let tree = parse(src);
        let node = find(tree.root_node(), "expression_statement", src, "plan =");
        let edit = insert_above_comments(src, node, "ctx = 1\n", &Stylist::detect(src)).unwrap();
        assert_eq!(
            applied(src, &[edit]),
            "def f():\n    x = 1\n\n    ctx = 1\n    # Create plan\n    plan = Plan()\n"
        );
        let node = find(tree.root_node(), "expression_statement", src, "x = 1");
        let edit = insert_above_comments(src, node, "ctx = 1\n", &Stylist::detect(src)).unwrap();
        assert_eq!(
            applied(src, &[edit]),
            "def f():\n    ctx = 1\n    x = 1\n\n    # Create plan\n    plan = Plan()\n"
        );
    }
}
