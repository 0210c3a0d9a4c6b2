//! Wrap a run of statements of one block in `try:` with given handlers.
//!
//! The statements from `first` to `last` (siblings in one block) are
//! re-indented one level deeper, preceded by `try:` and followed by the
//! handler template. Comments and blank lines inside the range move with
//! them; multi-line strings are not re-indented (their content is data), and
//! when a statement in the range contains one, the transform declines
//! (`None`) rather than change a string's value.
//!
//! Cases:
//! 1. every line of the range that starts with the first statement's
//!    indentation gets one indent unit (the file's own) after it;
//! 2. blank lines, and lines indented less than the first statement
//!    (bracket continuations, comments at column 0), are left as they are:
//!    Python does not read their indentation;
//! 3. `try:` goes at the first statement's indentation on a line of its
//!    own, the handlers after the last statement's line (a comment trailing
//!    on that line stays in the `try` body); at the end of a file without a
//!    final newline the file still has none.
//!
//! Returns `None` when the nodes are not statements of one block or module
//! in order, share a line with another statement, the range holds a string
//! spanning lines, a `from __future__` import is in or after the range at
//! module level, or the handler template renders to nothing.

use crate::edit::Edit;
use crate::lines::{ends_line, future_import_follows, line_end, line_start, starts_line, with_decorators};
use crate::style::Stylist;
use tree_sitter::Node;

/// Wrap `first..=last` in `try:` followed by `handlers_template` (one or
/// more `except` clauses at level 0).
pub fn wrap_in_try(
    source: &str,
    first: Node<'_>,
    last: Node<'_>,
    handlers_template: &str,
    stylist: &Stylist,
) -> Option<Edit> {
    let first = with_decorators(first);
    let last = with_decorators(last);
    // Verify that both are statements of one block or module, in order.
    let parent = first.parent()?;
    if last.parent()?.id() != parent.id()
        || !matches!(parent.kind(), "block" | "module")
        || first.start_byte() > last.start_byte()
        || first.kind() == "comment"
        || last.kind() == "comment"
    {
        return None;
    }
    // Verify that the statements have their lines to themselves.
    if !starts_line(source, first.start_byte()) || !ends_line(source, last.end_byte()) {
        return None;
    }
    // Verify that no `from __future__` import is wrapped or follows.
    if future_import_follows(first, first.start_byte()) {
        return None;
    }
    // Verify that no string spans lines (re-indenting would change it).
    if has_multiline_string(first, last) {
        return None;
    }
    let base = Stylist::indentation_of(source, first);
    let handlers = stylist.reindent(handlers_template, base);
    if handlers.is_empty() {
        return None;
    }
    let le = stylist.line_ending;
    // A comment directly above the first statement describes it: it moves
    // into the `try` with it.
    let start = crate::lines::above_comments(source, line_start(source, first.start_byte()));
    // The end of the last line's text (before a `\r` that a trailing
    // comment node may take).
    let end = line_end(source, last.end_byte());

    let mut out = String::with_capacity(end - start + handlers.len() + 64);
    out.push_str(base);
    out.push_str("try:");
    out.push_str(le);
    for line in source[start..end].split_inclusive('\n') {
        match line.strip_prefix(base) {
            // 1. One level deeper.
            Some(rest) if !line.trim().is_empty() => {
                out.push_str(base);
                out.push_str(&stylist.indent_unit);
                out.push_str(rest);
            }
            // 2. As it is.
            _ => out.push_str(line),
        }
    }
    // 3. The handlers, after the last line; the range ends before that
    //    line's ending, so the ending (or its absence) stays after them.
    out.push_str(le);
    out.push_str(handlers.strip_suffix(le).unwrap_or(&handlers));
    Some(Edit::replacement(out, start, end))
}

/// Whether a string node within the siblings `first..=last` spans lines.
fn has_multiline_string(first: Node<'_>, last: Node<'_>) -> bool {
    let mut node = Some(first);
    while let Some(current) = node {
        if contains_multiline_string(current) {
            return true;
        }
        if current.id() == last.id() {
            break;
        }
        node = current.next_sibling();
    }
    false
}

fn contains_multiline_string(node: Node<'_>) -> bool {
    if node.start_position().row == node.end_position().row {
        return false;
    }
    if node.kind() == "string" {
        return true;
    }
    let mut cursor = node.walk();
    let found = node.children(&mut cursor).any(contains_multiline_string);
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{applied, find, parse};

    const HANDLERS: &str = "except IntegrityError as e:\n    await db.rollback()\n    raise\n";

    fn wrap(src: &str, kind: &str, first: &str, last: &str, template: &str) -> Option<String> {
        let tree = parse(src);
        let root = tree.root_node();
        let first = find(root, kind, src, first);
        let last = find(root, kind, src, last);
        wrap_in_try(src, first, last, template, &Stylist::detect(src)).map(|e| applied(src, &[e]))
    }

    #[test]
    fn wraps_statements_in_a_method() {
        let src = "class S:\n    async def create(self, db):\n        db.add(x)\n        await db.commit()\n        return x\n";
        assert_eq!(
            wrap(src, "expression_statement", "db.add", "await db.commit", HANDLERS).unwrap(),
            "class S:\n    async def create(self, db):\n        try:\n            db.add(x)\n            await db.commit()\n        except IntegrityError as e:\n            await db.rollback()\n            raise\n        return x\n"
        );
    }

    #[test]
    fn wraps_with_tabs_crlf_and_keeps_comments_and_blank_lines() {
        let src = "def f():\r\n\ta()  # one\r\n\r\n\t# between\r\n\tif x:\r\n\t\tb()\r\n\tc()\r\n";
        assert_eq!(
            wrap(src, "expression_statement", "a()", "c()", "except E:\n    pass\n").unwrap(),
            "def f():\r\n\ttry:\r\n\t\ta()  # one\r\n\r\n\t\t# between\r\n\t\tif x:\r\n\t\t\tb()\r\n\t\tc()\r\n\texcept E:\r\n\t\tpass\r\n"
        );
    }

    #[test]
    fn wraps_a_def_ending_with_a_comment_in_a_crlf_file() {
        // The function node ends with its trailing comment, `\r` included.
        let src = "def f():\r\n    a()\r\n    # end\r\nx = 1\r\n";
        assert_eq!(
            wrap(src, "function_definition", "def", "def", "except E:\n    pass\n").unwrap(),
            "try:\r\n    def f():\r\n        a()\r\n        # end\r\nexcept E:\r\n    pass\r\nx = 1\r\n"
        );
    }

    #[test]
    fn wraps_two_space_file() {
        let src = "def f():\n  a()\n  b()\n";
        assert_eq!(
            wrap(src, "expression_statement", "a()", "a()", "except E:\n    pass\n").unwrap(),
            "def f():\n  try:\n    a()\n  except E:\n    pass\n  b()\n"
        );
    }

    #[test]
    fn wraps_last_statement_of_a_file_without_final_newline() {
        let src = "def f():\n    a()  # tail";
        assert_eq!(
            wrap(src, "expression_statement", "a()", "a()", "except E:\n    pass\n").unwrap(),
            "def f():\n    try:\n        a()  # tail\n    except E:\n        pass"
        );
    }

    #[test]
    fn continuation_lines_less_indented_stay() {
        let src = "def f():\n    x = g(1,\n  2)\n    y = [\n        3,\n    ]\n";
        assert_eq!(
            wrap(src, "expression_statement", "x =", "y =", "except E:\n    pass\n").unwrap(),
            "def f():\n    try:\n        x = g(1,\n  2)\n        y = [\n            3,\n        ]\n    except E:\n        pass\n"
        );
    }

    #[test]
    fn wraps_decorated_nested_function_and_module_level() {
        let src = "@dec\ndef f():\n    pass\n";
        assert_eq!(
            wrap(src, "function_definition", "def f", "def f", "except E:\n    pass\n").unwrap(),
            "try:\n    @dec\n    def f():\n        pass\nexcept E:\n    pass\n"
        );
    }

    #[test]
    fn single_line_strings_are_fine() {
        let src = "def f():\n    log('a:\\tb')\n";
        assert_eq!(
            wrap(src, "expression_statement", "log", "log", "except E:\n    pass\n").unwrap(),
            "def f():\n    try:\n        log('a:\\tb')\n    except E:\n        pass\n"
        );
    }

    #[test]
    fn declines_multi_line_strings() {
        let src = "def f():\n    q = \"\"\"\n    SELECT 1\n    \"\"\"\n    run(q)\n";
        assert_eq!(wrap(src, "expression_statement", "q =", "run", HANDLERS), None);
        let src = "def f():\n    if x:\n        log(f'''a\n{x}''')\n    run()\n";
        assert_eq!(wrap(src, "if_statement", "if x", "if x", HANDLERS), None);
        let src = "def f():\n    s = 'a\\\nb'\n";
        assert_eq!(wrap(src, "expression_statement", "s =", "s =", HANDLERS), None);
    }

    #[test]
    fn multi_line_string_outside_the_range_is_fine() {
        let src = "def f():\n    \"\"\"Doc.\n    \"\"\"\n    a()\n";
        assert_eq!(
            wrap(src, "expression_statement", "a()", "a()", "except E:\n    pass\n").unwrap(),
            "def f():\n    \"\"\"Doc.\n    \"\"\"\n    try:\n        a()\n    except E:\n        pass\n"
        );
    }

    #[test]
    fn declines_wrapping_before_a_future_import() {
        let src = "import os\nfrom __future__ import annotations\n";
        assert_eq!(wrap(src, "import_statement", "import", "import", HANDLERS), None);
        let src = "from __future__ import annotations\nimport os\n";
        assert_eq!(
            wrap(src, "import_statement", "import", "import", "except E:\n    pass\n").unwrap(),
            "from __future__ import annotations\ntry:\n    import os\nexcept E:\n    pass\n"
        );
    }

    #[test]
    fn declines_shared_lines_one_line_bodies_and_bad_ranges() {
        assert_eq!(wrap("a(); b()\n", "expression_statement", "a()", "a()", HANDLERS), None);
        assert_eq!(wrap("a(); b()\n", "expression_statement", "b()", "b()", HANDLERS), None);
        assert_eq!(
            wrap("def f(): a()\n", "expression_statement", "a()", "a()", HANDLERS),
            None
        );
        let src = "a()\nif x:\n    b()\n";
        assert_eq!(wrap(src, "expression_statement", "a()", "b()", HANDLERS), None);
        let src = "a()\nb()\n";
        assert_eq!(wrap(src, "expression_statement", "b()", "a()", HANDLERS), None);
        assert_eq!(wrap(src, "expression_statement", "a()", "b()", ""), None);
    }
}
