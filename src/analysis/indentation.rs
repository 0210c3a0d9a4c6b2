//! Indentation that tree-sitter accepts and Python rejects.
//!
//! tree-sitter-python recovers from some indentation errors without an
//! ERROR node: a statement indented at module level (`unexpected indent`),
//! a block no deeper than its header or an empty one (`expected an indented
//! block`), the
//! statements of one block at different depths, or tabs and spaces mixed so
//! that the depth depends on the tab width (`TabError`). Such a file does
//! not import, and rewriting it would rewrite what Python never sees (found
//! by fuzzing: a fixed "valid" file whose structure was not the one Python
//! reads). [`indentation_error`] finds the first such line, so the file is
//! reported as not parsing, as Python would.
//!
//! Only statements that start a line are compared (not `if x: y`), and only
//! the statement structure is walked (expressions hold no blocks), without
//! recursion. Depth is measured as Python does: with tabs to the next
//! multiple of 8 and with tabs as one column; a deeper line must be deeper
//! in both, a line at the same depth equal in both.

use super::source::NodeExt;
use tree_sitter::Node;

/// The first line (0-based row) whose indentation Python rejects, and why.
pub fn indentation_error(root: Node<'_>, text: &str) -> Option<(usize, &'static str)> {
    let mut stack = vec![(root, None::<Node<'_>>)];
    let mut cursor = root.walk();
    while let Some((node, parent)) = stack.pop() {
        let statements: Vec<Node<'_>> = node
            .named_children(&mut cursor)
            .filter(|c| c.kind_str() != "comment")
            .collect();
        if node.kind_str() == "module" || node.kind_str() == "block" {
            let outer = match parent {
                Some(header) if node.kind_str() == "block" => Some(depth(line_indent(text, header.start_byte()))),
                _ => None,
            };
            // An empty body (the header's line ends the block).
            if node.kind_str() == "block" && statements.is_empty() {
                return Some((node.start_position().row + 1, "expected an indented block"));
            }
            let mut first: Option<(usize, usize)> = None;
            for statement in &statements {
                let start = statement.start_byte();
                if !starts_line(text, start) {
                    continue;
                }
                let here = depth(line_indent(text, start));
                let row = statement.start_position().row;
                match (outer, first) {
                    (None, _) if here != (0, 0) => return Some((row, "unexpected indent")),
                    (Some(outer), None) if here.0 <= outer.0 || here.1 <= outer.1 => {
                        let why = if here.0 > outer.0 || here.1 > outer.1 {
                            "inconsistent use of tabs and spaces in indentation"
                        } else {
                            "expected an indented block"
                        };
                        return Some((row, why));
                    }
                    (Some(_), Some(first)) if here != first => {
                        let why =
                            if (here.0 < first.0) != (here.1 < first.1) || (here.0 == first.0) != (here.1 == first.1) {
                                "inconsistent use of tabs and spaces in indentation"
                            } else {
                                "unindent does not match any outer indentation level"
                            };
                        return Some((row, why));
                    }
                    _ => {}
                }
                first.get_or_insert(here);
            }
        }
        for child in statements {
            if super::source::holds_statements(child.kind_str()) {
                stack.push((child, Some(node)));
            }
        }
    }
    None
}

/// Whether only whitespace precedes `offset` on its line.
fn starts_line(text: &str, offset: usize) -> bool {
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    text[start..offset].chars().all(|c| matches!(c, ' ' | '\t' | '\x0c'))
}

/// The leading whitespace of the line holding `offset`.
fn line_indent(text: &str, offset: usize) -> &str {
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = &text[start..];
    &line[..line.len() - line.trim_start_matches([' ', '\t', '\x0c']).len()]
}

/// Depth with tabs to the next multiple of 8, and with tabs as 1 (Python's
/// `col` and `altcol`); a form feed resets both.
fn depth(indent: &str) -> (usize, usize) {
    let (mut col, mut alt) = (0, 0);
    for c in indent.chars() {
        match c {
            '\t' => {
                col = (col / 8 + 1) * 8;
                alt += 1;
            }
            '\x0c' => (col, alt) = (0, 0),
            _ => {
                col += 1;
                alt += 1;
            }
        }
    }
    (col, alt)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::source::parse;

    fn error(text: &str) -> Option<(usize, &'static str)> {
        let tree = parse(text);
        assert!(!tree.root_node().has_error(), "tree-sitter accepts it: {text:?}");
        indentation_error(tree.root_node(), text)
    }

    #[test]
    fn valid_indentation_passes() {
        assert_eq!(
            error("class A:\n    def f(self):\n        if x: y\n        return 1\n"),
            None
        );
        assert_eq!(error("if x:\n\tpass\nelse:\n\tpass\n"), None);
        assert_eq!(error("def f():\r\n  x = (1,\r\n1)\r\n  return x\r\n"), None);
        // Different blocks may use different units.
        assert_eq!(error("def f():\n\tpass\ndef g():\n    pass\n"), None);
        assert_eq!(error("x = 1; y = 2\n"), None);
    }

    /// Regression (fuzzing, `mutated_services`): a `def` whose body went
    /// missing took the next `def`, at its own depth, as its body; the file
    /// counted as parsing and the fix rewrote both, and code after them.
    #[test]
    fn a_body_no_deeper_than_its_header() {
        let text = "class S:\n    async def create_tenant(self, name):\n    async def create_tenant(self, name):\n        tenant = Tenant(name=name)\n        self.db.add(tenant)\n    await self.db.flush()\n";
        assert_eq!(error(text), Some((2, "expected an indented block")));
        let err = crate::analysis::source::SourceFile::parse(text.into(), false)
            .err()
            .unwrap();
        assert_eq!(
            err,
            "syntax error at line 3, column 1: expected an indented block; not checked"
        );
    }

    #[test]
    fn an_indented_module_statement() {
        assert_eq!(
            error("x = 1\n    def f(self):\n        pass\n"),
            Some((1, "unexpected indent"))
        );
    }

    /// The blocks of every compound statement and clause are walked, and
    /// nested ones; simple statements are not walked into.
    #[test]
    fn the_body_of_each_compound_statement_and_clause_is_checked() {
        // Equal at tab width 8, not at 1: what Python rejects in any block.
        let body = "        a = 1\n\tb = 2\n";
        let headers = [
            "if x:\n",
            "if x:\n    pass\nelif y:\n",
            "if x:\n    pass\nelse:\n",
            "for i in x:\n",
            "for i in x:\n    pass\nelse:\n",
            "while x:\n",
            "try:\n",
            "try:\n    pass\nexcept E:\n",
            "try:\n    pass\nexcept* E:\n",
            "try:\n    pass\nfinally:\n",
            "with a as b:\n",
            "async def f():\n",
            "@d\nasync def f():\n",
            "class K:\n",
            // Nested (at multiples of 8 columns, where a tab ends).
            "match x:\n        case 1:\n",
            "def f():\n        if x:\n                try:\n                        pass\n                except E:\n",
        ];
        for header in headers {
            let last = header.lines().last().unwrap();
            let indent = last.len() - last.trim_start().len();
            let nested: String = body.lines().map(|l| format!("{}{l}\n", " ".repeat(indent))).collect();
            let text = format!("{header}{nested}");
            let row = text.lines().count() - 1;
            assert_eq!(
                error(&text),
                Some((row, "inconsistent use of tabs and spaces in indentation")),
                "{text:?}"
            );
            // The same body indented alike is valid.
            let valid = format!("{header}{}", nested.replace("\tb", "        b"));
            assert_eq!(error(&valid), None, "{valid:?}");
        }
    }

    #[test]
    fn tabs_and_spaces_that_depend_on_the_tab_width() {
        // Eight spaces then a tab-indented line: equal at width 8, not at 1.
        let text = "if x:\n        a = 1\n\tb = 2\n";
        assert_eq!(
            error(text),
            Some((2, "inconsistent use of tabs and spaces in indentation"))
        );
    }
}
