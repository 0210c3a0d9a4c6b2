//! Line arithmetic over source text, shared by the transforms.
//!
//! Byte offsets in, byte offsets out: where a line starts and ends, whether a
//! node stands alone on its line, and how to add whole lines after a given
//! line even when the file has no final newline. Nothing here knows about
//! Python statements beyond comments; nothing here decides what to insert.

use crate::edit::Edit;
use tree_sitter::Node;

/// The offset of the start of the line containing `offset`.
pub(crate) fn line_start(source: &str, offset: usize) -> usize {
    source[..offset].rfind('\n').map_or(0, |i| i + 1)
}

/// The offset where the line containing `offset` ends: its line ending
/// (`\n`, or the `\r` of `\r\n`), or the end of the source.
///
/// This is `offset - 1` when `offset` sits between the `\r` and the `\n` of
/// a CRLF, as the end of a tree-sitter `comment` node does (its token takes
/// the `\r`); slice with [`rest_of_line`] to stay safe.
pub(crate) fn line_end(source: &str, offset: usize) -> usize {
    match source[offset..].find('\n') {
        Some(i) => {
            let newline = offset + i;
            if newline > 0 && source.as_bytes()[newline - 1] == b'\r' {
                newline - 1
            } else {
                newline
            }
        }
        None => source.len(),
    }
}

/// The start of the line after the one containing `offset`, or `None` when
/// that line is the last one and has no line ending.
pub(crate) fn next_line_start(source: &str, offset: usize) -> Option<usize> {
    source[offset..].find('\n').map(|i| offset + i + 1)
}

/// The text from `offset` to the end of its line, line ending excluded.
pub(crate) fn rest_of_line(source: &str, offset: usize) -> &str {
    let eol = line_end(source, offset);
    if eol > offset {
        &source[offset..eol]
    } else {
        ""
    }
}

/// Whether only spaces and tabs stand before `offset` on its line.
pub(crate) fn starts_line(source: &str, offset: usize) -> bool {
    source[line_start(source, offset)..offset]
        .bytes()
        .all(|b| b == b' ' || b == b'\t')
}

/// Whether only whitespace, and at most a comment, follows `offset` on its
/// line.
pub(crate) fn ends_line(source: &str, offset: usize) -> bool {
    let rest = rest_of_line(source, offset).trim_start_matches([' ', '\t']);
    rest.is_empty() || rest.starts_with('#')
}

/// The node a statement-level transform acts on: a decorated `def`/`class`
/// is acted on with its decorators.
pub(crate) fn with_decorators(node: Node<'_>) -> Node<'_> {
    match node.parent() {
        Some(parent) if parent.kind() == "decorated_definition" => parent,
        _ => node,
    }
}

/// Whether `node` is a module-level statement with a `from __future__`
/// import at or after `offset`: code put there would come before that
/// import, which Python rejects.
pub(crate) fn future_import_follows(node: Node<'_>, offset: usize) -> bool {
    let Some(module) = node.parent().filter(|p| p.kind() == "module") else {
        return false;
    };
    let mut cursor = module.walk();
    let found = module
        .children(&mut cursor)
        .any(|c| c.kind() == "future_import_statement" && c.start_byte() >= offset);
    found
}

/// Insert `lines` (whole lines, each ending with `line_ending`) after the
/// line containing `offset`. When that line is the last of a file without a
/// final newline, the text goes after a new line ending instead and loses its
/// own last one, so the file still has no final newline.
pub(crate) fn insert_lines_after(source: &str, offset: usize, lines: &str, line_ending: &str) -> Edit {
    match next_line_start(source, offset) {
        Some(at) => Edit::insertion(lines, at),
        // No line after: an empty file, or `offset` on the empty last line.
        None if source.is_empty() || source.ends_with('\n') => Edit::insertion(lines, source.len()),
        None => {
            let body = lines.strip_suffix(line_ending).unwrap_or(lines);
            Edit::insertion(format!("{line_ending}{body}"), source.len())
        }
    }
}

/// The byte range of the whole lines from the line of `start` to the line of
/// `end`, line ending included. When the last line has no line ending (end
/// of a file without a final newline), the range reaches back over the blank
/// lines before the first line and takes the line ending before them
/// instead, so that deleting it leaves the file ending on a line of code
/// without a final newline, as it was.
pub(crate) fn whole_lines(source: &str, start: usize, end: usize) -> (usize, usize) {
    let first = line_start(source, start);
    if let Some(after) = next_line_start(source, end) {
        return (first, after);
    }
    let mut cut = first;
    while cut > 0 {
        let previous = line_start(source, cut - 1);
        if previous == 0 || !source[previous..cut].trim().is_empty() {
            break;
        }
        cut = previous;
    }
    if cut == 0 || source[..cut].trim().is_empty() {
        return (0, source.len());
    }
    let newline = cut - 1;
    let before = if newline > 0 && source.as_bytes()[newline - 1] == b'\r' {
        newline - 1
    } else {
        newline
    };
    (before, source.len())
}

/// The first line ending of `source`, `"\n"` when it has none.
pub(crate) fn first_line_ending(source: &str) -> &'static str {
    match source.find('\n') {
        Some(i) if i > 0 && source.as_bytes()[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

/// Named children of `node` that are not comments.
pub(crate) fn code_children<'t>(node: Node<'t>) -> Vec<Node<'t>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor)
        .filter(|child| child.kind() != "comment")
        .collect()
}

/// Where a deletion of whole lines `start..end` should end so that it does
/// not leave two blank lines where there was one on each side of it.
pub(crate) fn absorb_blank_line(source: &str, start: usize, end: usize) -> usize {
    let blank_before = start > 0 && {
        let previous = line_start(source, start - 1);
        source[previous..start].trim().is_empty()
    };
    if !blank_before || end >= source.len() {
        return end;
    }
    match next_line_start(source, end) {
        Some(after) if source[end..after].trim().is_empty() => after,
        _ => end,
    }
}

/// The start of the comment lines that stand directly above the line
/// starting at `at`, at its indentation (they describe the clause there), or
/// `at` when there are none.
pub(crate) fn above_comments(source: &str, at: usize) -> usize {
    let line_end = source[at..].find('\n').map_or(source.len(), |i| at + i);
    let indent = &source[at..line_end][..source[at..line_end].len() - source[at..line_end].trim_start().len()];
    let mut start = at;
    while start > 0 {
        let previous = line_start(source, start - 1);
        let line = source[previous..start].trim_end_matches(['\n', '\r']);
        let own_indent = &line[..line.len() - line.trim_start().len()];
        if own_indent == indent && line.trim_start().starts_with('#') {
            start = previous;
        } else {
            break;
        }
    }
    start
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_bounds_with_lf_crlf_and_no_final_newline() {
        let src = "ab\r\ncd\nef";
        assert_eq!(line_start(src, 0), 0);
        assert_eq!(line_start(src, 5), 4);
        assert_eq!(line_end(src, 1), 2);
        assert_eq!(line_end(src, 4), 6);
        assert_eq!(line_end(src, 8), 9);
        assert_eq!(next_line_start(src, 0), Some(4));
        assert_eq!(next_line_start(src, 8), None);
    }

    #[test]
    fn offset_between_cr_and_lf() {
        // A comment node ends after the `\r` of its CRLF.
        let src = "# c\r\nx\r\n";
        assert_eq!(line_end(src, 4), 3);
        assert_eq!(rest_of_line(src, 4), "");
        assert!(ends_line(src, 4));
        assert_eq!(next_line_start(src, 4), Some(5));
    }

    #[test]
    fn starts_and_ends_line() {
        let src = "x = 1; y = 2  # c\n    z = 3\n";
        assert!(starts_line(src, 0));
        assert!(!starts_line(src, 7));
        assert!(starts_line(src, 22));
        assert!(!ends_line(src, 5));
        assert!(ends_line(src, 12));
        assert!(ends_line(src, 27));
    }

    #[test]
    fn insert_lines_after_last_line_without_newline() {
        let edit = insert_lines_after("a\nb", 2, "c\n", "\n");
        assert_eq!(edit, Edit::insertion("\nc", 3));
        let edit = insert_lines_after("a\r\nb\r\n", 3, "c\r\n", "\r\n");
        assert_eq!(edit, Edit::insertion("c\r\n", 6));
        let edit = insert_lines_after("a\n", 2, "c\n", "\n");
        assert_eq!(edit, Edit::insertion("c\n", 2));
        let edit = insert_lines_after("", 0, "c\n", "\n");
        assert_eq!(edit, Edit::insertion("c\n", 0));
    }

    #[test]
    fn whole_lines_keeps_missing_final_newline_missing() {
        assert_eq!(whole_lines("a\nb\nc\n", 2, 2), (2, 4));
        assert_eq!(whole_lines("a\r\nb", 3, 3), (1, 4));
        assert_eq!(whole_lines("b", 0, 0), (0, 1));
        // Blank lines before a last line without a line ending go too.
        assert_eq!(whole_lines("a\r\n\r\n  \r\nb", 9, 9), (1, 10));
        assert_eq!(whole_lines("\n\nb", 2, 2), (0, 3));
    }
}
