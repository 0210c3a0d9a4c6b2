//! Python's words for a syntax error tree-sitter found: `expected ':'`,
//! `'(' was never closed`, `unmatched ')'`, instead of "invalid syntax".
//!
//! What lives here: reading the tokens of a tree with errors (the ERROR
//! node tree-sitter recovered with, and the brackets of the whole file) for
//! the two mistakes people make most, with the place Python points at.
//! What does not: finding the first error or formatting the message
//! ([`crate::analysis::source::syntax_error`] does both, and falls back to
//! "invalid syntax" when nothing here applies).

use tree_sitter::Node;

/// What Python would say about the error at `error` (the first ERROR node
/// of the tree rooted at `root`), and where: a 0-based row and byte column.
pub fn describe(root: Node<'_>, error: Node<'_>, text: &str) -> Option<(usize, usize, String)> {
    // A bracket after the error is not what stopped the parser there.
    let before_end = |at: &(usize, usize, String)| {
        let end = error.end_position();
        (at.0, at.1) <= (end.row, end.column)
    };
    unbalanced_bracket(root, text)
        .filter(before_end)
        .or_else(|| missing_colon(error, text))
}

/// The tokens (leaves) below `node`, in order; comments and strings'
/// insides are single leaves, so their brackets are not counted, and the
/// zero-width tokens tree-sitter invents to recover (MISSING) are left out.
fn tokens(node: Node<'_>) -> Vec<Node<'_>> {
    let mut out = Vec::new();
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        if n.is_missing() {
            continue;
        }
        if n.child_count() == 0 || matches!(n.kind(), "comment" | "string_content") {
            out.push(n);
            continue;
        }
        let mut cursor = n.walk();
        let children: Vec<Node> = n.children(&mut cursor).collect();
        stack.extend(children.into_iter().rev());
    }
    out
}

/// A bracket closed by the wrong one, closed but never opened, or opened
/// and never closed (Python's tokenizer reports these first, whatever
/// else is wrong).
fn unbalanced_bracket(root: Node<'_>, text: &str) -> Option<(usize, usize, String)> {
    let mut open: Vec<Node> = Vec::new();
    for token in tokens(root) {
        let kind = &text[token.byte_range()];
        match kind {
            "(" | "[" | "{" if token.kind() == kind => open.push(token),
            ")" | "]" | "}" if matches!(token.kind(), ")" | "]" | "}") => {
                let at = token.start_position();
                let Some(opener) = open.pop() else {
                    return Some((at.row, at.column, format!("unmatched '{kind}'")));
                };
                let opened = &text[opener.byte_range()];
                let expected = match opened {
                    "(" => ")",
                    "[" => "]",
                    _ => "}",
                };
                if kind != expected {
                    return Some((
                        at.row,
                        at.column,
                        format!("closing parenthesis '{kind}' does not match opening parenthesis '{opened}'"),
                    ));
                }
            }
            _ => {}
        }
    }
    let opener = open.pop()?;
    let at = opener.start_position();
    Some((
        at.row,
        at.column,
        format!("'{}' was never closed", &text[opener.byte_range()]),
    ))
}

/// Keywords that open a compound statement's header, which ends with `:`.
const HEADERS: &[&str] = &[
    "def", "class", "if", "elif", "else", "for", "while", "with", "try", "except", "finally",
];

/// A compound statement's header without its `:` (`def f()`, `if x`),
/// which tree-sitter leaves inside an ERROR node: the first header in it
/// (a keyword first on its line, after `async` maybe) that reaches the end
/// of its line, brackets closed, without a `:`. Python says `expected ':'`
/// just after the header's last token.
fn missing_colon(error: Node<'_>, text: &str) -> Option<(usize, usize, String)> {
    let tokens: Vec<Node> = tokens(error).into_iter().filter(|t| t.kind() != "comment").collect();
    let word = |t: &Node| &text[t.byte_range()];
    let starts_line = |i: usize| i == 0 || tokens[i - 1].end_position().row < tokens[i].start_position().row;
    for (i, keyword) in tokens.iter().enumerate() {
        let after_async = i > 0 && word(&tokens[i - 1]) == "async" && starts_line(i - 1);
        if !HEADERS.contains(&word(keyword)) || !(starts_line(i) || after_async) {
            continue;
        }
        let mut depth = 0usize;
        let mut last = *keyword;
        let mut colon = false;
        for token in &tokens[i + 1..] {
            if depth == 0 && token.start_position().row > last.end_position().row {
                break;
            }
            match word(token) {
                "(" | "[" | "{" => depth += 1,
                ")" | "]" | "}" => depth = depth.saturating_sub(1),
                ":" if depth == 0 => {
                    colon = true;
                    break;
                }
                _ => {}
            }
            last = *token;
        }
        if !colon {
            let end = last.end_position();
            return Some((end.row, end.column, "expected ':'".to_string()));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use crate::analysis::source::{parse, syntax_error};

    fn message(source: &str) -> String {
        syntax_error(&parse(source), source).unwrap()
    }

    #[test]
    fn a_header_without_its_colon() {
        for (source, expected) in [
            ("def f()\n    pass\n", "syntax error at line 1, column 8: expected ':'"),
            ("class A\n    pass\n", "syntax error at line 1, column 8: expected ':'"),
            ("if x\n    pass\n", "syntax error at line 1, column 5: expected ':'"),
            (
                "for x in y  # loop\n    pass\n",
                "syntax error at line 1, column 11: expected ':'",
            ),
            ("while x\n    pass\n", "syntax error at line 1, column 8: expected ':'"),
            (
                "try:\n    pass\nexcept Exception\n    pass\n",
                "syntax error at line 3, column 17: expected ':'",
            ),
            (
                "class A:\n    async def create(self, x)\n        pass\n",
                "syntax error at line 2, column 30: expected ':'",
            ),
        ] {
            assert_eq!(message(source), format!("{expected}; not checked"), "{source:?}");
        }
    }

    #[test]
    fn brackets() {
        for (source, expected) in [
            (
                "x = foo(1, 2\ny = 3\n",
                "syntax error at line 1, column 8: '(' was never closed",
            ),
            ("x = [1, 2\n", "syntax error at line 1, column 5: '[' was never closed"),
            (
                "def f():\n    x = {'a': (1,\n    return x\n",
                "syntax error at line 2, column 15: '(' was never closed",
            ),
            ("x = )\n", "syntax error at line 1, column 5: unmatched ')'"),
            (
                "x = [1, 2)\n",
                "syntax error at line 1, column 10: closing parenthesis ')' does not match opening parenthesis '['",
            ),
        ] {
            assert_eq!(message(source), format!("{expected}; not checked"), "{source:?}");
        }
    }

    #[test]
    fn a_header_over_several_lines_ends_where_its_brackets_close() {
        assert_eq!(
            message("def f(\n    a,\n    b=[1, 2],\n)\n    pass\n"),
            "syntax error at line 4, column 2: expected ':'; not checked"
        );
    }

    #[test]
    fn brackets_in_strings_and_comments_do_not_count() {
        assert_eq!(
            message("x = '(' + \"[\"  # (\nif x\n    pass\n"),
            "syntax error at line 2, column 5: expected ':'; not checked"
        );
    }

    #[test]
    fn other_errors_stay_invalid_syntax() {
        assert_eq!(
            message("x = 1 +\n"),
            "syntax error at line 1, column 1: invalid syntax; not checked"
        );
    }
}
