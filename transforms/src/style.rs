//! The file's own style, detected once and passed down to every transform.
//!
//! Indentation unit (tabs, 2 or 4 spaces, any width), line ending (`\n`,
//! `\r\n`), a UTF-8 BOM and the presence of a final newline. No transform
//! hard-codes four spaces or `"\n"`: templates are written with four spaces
//! per level and `\n`, and [`Stylist::reindent`] turns them into the file's
//! own spelling.

use tree_sitter::Node;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stylist {
    /// One level of indentation as the file spells it (`"    "`, `"  "`, `"\t"`).
    pub indent_unit: String,
    /// `"\n"` or `"\r\n"`: the first line ending in the file, `"\n"` if none.
    pub line_ending: &'static str,
    /// Whether the file starts with a UTF-8 byte-order mark.
    pub bom: bool,
    /// Whether the file ends with a line ending.
    pub final_newline: bool,
    /// The formatter's line length: inserted lines longer than this are
    /// split as ruff's formatter would ([`crate::layout`]). Not detected:
    /// the project's configuration says it (88, ruff's and black's
    /// default, otherwise).
    pub line_length: usize,
}

/// ruff's and black's default line length.
pub const DEFAULT_LINE_LENGTH: usize = 88;

/// Spaces per level in templates.
const TEMPLATE_UNIT: usize = 4;

impl Default for Stylist {
    /// Four spaces, `\n`, no BOM, a final newline.
    fn default() -> Self {
        Stylist {
            indent_unit: " ".repeat(TEMPLATE_UNIT),
            line_ending: "\n",
            bom: false,
            final_newline: true,
            line_length: DEFAULT_LINE_LENGTH,
        }
    }
}

impl Stylist {
    /// Detect the style of `source`.
    ///
    /// The indent unit is the indentation of the first indented line that
    /// follows a line ending in `:` (ignoring blank lines, comments, and lines
    /// inside strings or brackets when that can be told from the text); a file
    /// with no indented block gets four spaces.
    ///
    /// `source` may start with a BOM (reported in `bom`) or not: the rest of
    /// the tool strips it before parsing, and detection is the same either way.
    pub fn detect(source: &str) -> Stylist {
        let bom = source.starts_with('\u{feff}');
        let text = source.strip_prefix('\u{feff}').unwrap_or(source);
        let line_ending = match text.find('\n') {
            Some(i) if i > 0 && text.as_bytes()[i - 1] == b'\r' => "\r\n",
            _ => "\n",
        };
        Stylist {
            indent_unit: first_indent_unit(text).unwrap_or_else(|| " ".repeat(TEMPLATE_UNIT)),
            line_ending,
            bom,
            final_newline: text.ends_with('\n'),
            line_length: DEFAULT_LINE_LENGTH,
        }
    }

    /// This style with the project's line length.
    pub fn with_line_length(mut self, line_length: usize) -> Stylist {
        self.line_length = line_length;
        self
    }

    /// The leading whitespace of the line on which `node` starts.
    pub fn indentation_of<'s>(source: &'s str, node: Node<'_>) -> &'s str {
        let at = node.start_byte().min(source.len());
        let start = source[..at].rfind('\n').map_or(0, |i| i + 1);
        let line = &source[start..];
        let width = line.len() - line.trim_start_matches([' ', '\t']).len();
        &source[start..start + width]
    }

    /// Render `template` (four spaces per level, `\n` line endings, no
    /// leading indentation on level-0 lines, may end with or without `\n`)
    /// as lines each prefixed with `base_indent` plus the file's indent unit
    /// per template level, joined and terminated by the file's line ending.
    /// Empty template lines stay empty (no trailing whitespace), and a line
    /// longer than the line length is split ([`crate::layout::fit`]).
    ///
    /// Leading spaces that are not a whole number of levels are kept as
    /// spaces after the levels (a continuation line aligned by hand). The
    /// template's text is otherwise copied as is, so a template must not
    /// hold a multi-line string. `\r\n` in a template is read as `\n`.
    pub fn reindent(&self, template: &str, base_indent: &str) -> String {
        let mut out = String::with_capacity(template.len() + base_indent.len() * 4);
        for line in template.lines() {
            if !line.trim().is_empty() {
                let body = line.trim_start_matches(' ');
                let spaces = line.len() - body.len();
                let mut indent = base_indent.to_string();
                for _ in 0..spaces / TEMPLATE_UNIT {
                    indent.push_str(&self.indent_unit);
                }
                indent.extend(std::iter::repeat_n(' ', spaces % TEMPLATE_UNIT));
                let lines = crate::layout::fit(&indent, body, self);
                out.push_str(&lines.join(self.line_ending));
            }
            out.push_str(self.line_ending);
        }
        out
    }
}

/// The indentation that the first block adds to its header's, read with a
/// small tokenizer that knows strings, comments, brackets and backslash
/// continuations, so that continuation lines and string contents are never
/// taken for a block.
fn first_indent_unit(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    // The indentation of the last block header (a logical line ending in
    // `:`) whose body has not been seen yet.
    let mut header_indent: Option<&str> = None;
    let mut depth = 0usize;
    let mut string: Option<(u8, bool)> = None; // (quote, triple)
    let mut continued = false; // inside a logical line that spans lines
    let mut last_code = 0u8; // last significant byte of the logical line
    let mut line_indent = "";
    let mut pos = 0;
    while pos < bytes.len() {
        // At a physical line start.
        let line_end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
        let logical_start = string.is_none() && depth == 0 && !continued;
        let mut i = pos;
        if logical_start {
            let indent_len = text[pos..line_end].len() - text[pos..line_end].trim_start_matches([' ', '\t']).len();
            let rest = text[pos + indent_len..line_end].trim_end_matches('\r');
            if rest.is_empty() || rest.starts_with('#') {
                pos = line_end + 1;
                continue;
            }
            let indent = &text[pos..pos + indent_len];
            if let Some(header) = header_indent.take() {
                if indent.len() > header.len() && indent.starts_with(header) {
                    return Some(indent[header.len()..].to_string());
                }
            }
            line_indent = indent;
            last_code = 0;
            i = pos + indent_len;
        }
        continued = false;
        while i < line_end {
            let b = bytes[i];
            if let Some((quote, triple)) = string {
                if b == b'\\' {
                    i += 2;
                    continue;
                }
                if b == quote {
                    if !triple {
                        string = None;
                    } else if bytes[i..].starts_with(&[quote; 3]) {
                        string = None;
                        i += 3;
                        last_code = quote;
                        continue;
                    }
                }
                last_code = b;
                i += 1;
                continue;
            }
            match b {
                b'#' => break,
                b'\'' | b'"' => {
                    let triple = bytes[i..].starts_with(&[b; 3]);
                    string = Some((b, triple));
                    i += if triple { 3 } else { 1 };
                    last_code = b;
                    continue;
                }
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => depth = depth.saturating_sub(1),
                b'\\' if text[i + 1..line_end].trim_end_matches('\r').is_empty() => {
                    continued = true;
                }
                b' ' | b'\t' | b'\r' => {
                    i += 1;
                    continue;
                }
                _ => {}
            }
            last_code = b;
            i += 1;
        }
        if let Some((_, false)) = string {
            // A one-quote string ends with its line unless escaped; an
            // escaped line ending was skipped over above.
            if !bytes[pos..line_end].ends_with(b"\\") && !bytes[pos..line_end].ends_with(b"\\\r") {
                string = None;
            }
        }
        if string.is_none() && depth == 0 && !continued && last_code == b':' {
            header_indent = Some(line_indent);
        }
        pos = line_end + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{nth, parse};

    #[test]
    fn detects_four_spaces_lf() {
        let s = Stylist::detect("def f():\n    return 1\n");
        assert_eq!(s, Stylist::default());
    }

    #[test]
    fn detects_tabs() {
        let s = Stylist::detect("class A:\n\tdef f(self):\n\t\tpass\n");
        assert_eq!(s.indent_unit, "\t");
    }

    #[test]
    fn detects_two_and_three_and_eight_spaces() {
        assert_eq!(Stylist::detect("if x:\n  y\n").indent_unit, "  ");
        assert_eq!(Stylist::detect("if x:\n   y\n").indent_unit, "   ");
        assert_eq!(Stylist::detect("if x:\n        y\n").indent_unit, "        ");
    }

    #[test]
    fn detects_crlf_bom_and_missing_final_newline() {
        let s = Stylist::detect("\u{feff}if x:\r\n  y");
        assert_eq!(s.line_ending, "\r\n");
        assert!(s.bom);
        assert!(!s.final_newline);
        assert_eq!(s.indent_unit, "  ");
    }

    #[test]
    fn bom_less_text_detects_the_same() {
        let with = Stylist::detect("\u{feff}if x:\r\n\ty\r\n");
        let without = Stylist::detect("if x:\r\n\ty\r\n");
        assert!(with.bom && !without.bom);
        assert_eq!(with.indent_unit, without.indent_unit);
        assert_eq!(with.line_ending, without.line_ending);
        assert_eq!(with.final_newline, without.final_newline);
    }

    #[test]
    fn no_block_and_empty_file_get_defaults() {
        let s = Stylist::detect("x = 1\ny = 2\n");
        assert_eq!(s.indent_unit, "    ");
        let s = Stylist::detect("");
        assert_eq!(s.indent_unit, "    ");
        assert_eq!(s.line_ending, "\n");
        assert!(!s.final_newline);
    }

    #[test]
    fn ignores_continuation_lines_strings_and_comments() {
        // Bracket continuation, a dict literal ending in ':', a docstring
        // with an indented line after a colon, a comment line ending in ':'
        // and a backslash continuation all come before the first block.
        let src = concat!(
            "x = foo(a,\n",
            "        b)\n",
            "d = {1:\n",
            "       2}\n",
            "\"\"\"Doc:\n",
            "      indented text\n",
            "\"\"\"\n",
            "# note:\n",
            "#     not code\n",
            "y = 1 + \\\n",
            "         2\n",
            "s = 'a:'\n",
            "if y:  # comment\n",
            "\n",
            "   # comment at another indent\n",
            "  z = 1\n",
        );
        assert_eq!(Stylist::detect(src).indent_unit, "  ");
    }

    #[test]
    fn one_line_blocks_are_not_headers() {
        let src = "if x: y\nclass A: pass\nwhile x:\n\tpass\n";
        assert_eq!(Stylist::detect(src).indent_unit, "\t");
    }

    #[test]
    fn escaped_quotes_do_not_end_strings() {
        let src = "s = 'it\\'s: ('\nif x:\n   y\n";
        assert_eq!(Stylist::detect(src).indent_unit, "   ");
        let src = "s = \"\"\"a \\\"\"\" b:\n  c\"\"\"\ndef f():\n\tpass\n";
        assert_eq!(Stylist::detect(src).indent_unit, "\t");
    }

    #[test]
    fn first_line_ending_decides() {
        assert_eq!(Stylist::detect("a\r\nb\nc\n").line_ending, "\r\n");
        assert_eq!(Stylist::detect("a\nb\r\n").line_ending, "\n");
        assert_eq!(Stylist::detect("a").line_ending, "\n");
    }

    #[test]
    fn indentation_of_node() {
        let src = "class A:\n\tdef f(self):\n\t\tx = 1; y = 2\n";
        let tree = parse(src);
        let root = tree.root_node();
        assert_eq!(Stylist::indentation_of(src, nth(root, "class_definition", 0)), "");
        assert_eq!(Stylist::indentation_of(src, nth(root, "function_definition", 0)), "\t");
        // A statement that does not start its line: still its line's indentation.
        assert_eq!(
            Stylist::indentation_of(src, nth(root, "expression_statement", 1)),
            "\t\t"
        );
    }

    #[test]
    fn reindent_levels_line_endings_and_blank_lines() {
        let s = Stylist {
            indent_unit: "\t".into(),
            line_ending: "\r\n",
            ..Stylist::default()
        };
        let got = s.reindent("if x:\n    y()\n\n        z()\n", "  ");
        assert_eq!(got, "  if x:\r\n  \ty()\r\n\r\n  \t\tz()\r\n");
    }

    #[test]
    fn reindent_without_final_newline_and_partial_levels() {
        let s = Stylist {
            indent_unit: "  ".into(),
            ..Stylist::default()
        };
        assert_eq!(s.reindent("f(a,\n      b)", ""), "f(a,\n    b)\n");
        assert_eq!(s.reindent("", "    "), "");
        assert_eq!(s.reindent("a\r\n    b\r\n", ""), "a\n  b\n");
    }
}
