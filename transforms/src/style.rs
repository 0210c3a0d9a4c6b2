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
}

impl Stylist {
    /// Detect the style of `source`.
    ///
    /// The indent unit is the indentation of the first indented line that
    /// follows a line ending in `:` (ignoring blank lines, comments, and lines
    /// inside strings or brackets when that can be told from the text); a file
    /// with no indented block gets four spaces.
    pub fn detect(source: &str) -> Stylist {
        todo!("detect style of {} bytes", source.len())
    }

    /// The leading whitespace of the line on which `node` starts.
    pub fn indentation_of<'s>(source: &'s str, node: Node<'_>) -> &'s str {
        let _ = (source, node);
        todo!()
    }

    /// Render `template` (four spaces per level, `\n` line endings, no
    /// leading indentation on level-0 lines, may end with or without `\n`)
    /// as lines each prefixed with `base_indent` plus the file's indent unit
    /// per template level, joined and terminated by the file's line ending.
    /// Empty template lines stay empty (no trailing whitespace).
    pub fn reindent(&self, template: &str, base_indent: &str) -> String {
        let _ = (template, base_indent);
        todo!()
    }
}
