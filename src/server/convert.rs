//! Positions and edits between auditfix and the Language Server Protocol.
//!
//! auditfix speaks byte offsets into a file's text; LSP speaks a line and a
//! column counted in UTF-16 code units (the protocol's default encoding,
//! the only one every client supports). Lines end at `\n` (a `\r` before it
//! belongs to the line ending, not to the line). Nothing here knows the
//! rules or the workspace.

use auditfix_transforms::Edit;
use lsp_types::{Position, Range, TextDocumentContentChangeEvent, TextEdit};

/// The start of every line of a text, for conversions both ways.
#[derive(Clone, Debug)]
pub struct LineIndex {
    /// Byte offset of each line's start; the first is 0.
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { starts }
    }

    /// The LSP position of byte `offset` of `text` (clamped to the text,
    /// and moved back to a character boundary).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|s| *s <= offset) - 1;
        let start = self.starts[line];
        let character: usize = text[start..offset].chars().map(char::len_utf16).sum();
        Position::new(line as u32, character as u32)
    }

    /// The byte offset of LSP `position` in `text`. A line past the end is
    /// the end of the text; a column past the line's end is the line's end
    /// (before its line ending), as the protocol says; a column inside a
    /// character (half of a surrogate pair) is that character's start.
    pub fn offset(&self, text: &str, position: Position) -> usize {
        let Some(&start) = self.starts.get(position.line as usize) else {
            return text.len();
        };
        let end = self
            .starts
            .get(position.line as usize + 1)
            .map_or(text.len(), |next| next - 1);
        let line = &text[start..end];
        let line = line.strip_suffix('\r').unwrap_or(line);
        let mut units = 0usize;
        for (at, c) in line.char_indices() {
            if units + c.len_utf16() > position.character as usize {
                return start + at;
            }
            units += c.len_utf16();
        }
        start + line.len()
    }

    /// The LSP range of byte range `range` of `text`.
    pub fn range(&self, text: &str, range: std::ops::Range<usize>) -> Range {
        Range::new(self.position(text, range.start), self.position(text, range.end))
    }
}

/// An auditfix edit of `text` as an LSP text edit.
pub fn text_edit(text: &str, index: &LineIndex, edit: &Edit) -> TextEdit {
    TextEdit::new(index.range(text, edit.range()), edit.content().to_string())
}

/// The one text edit that turns `old` into `new`: the part between their
/// common prefix and common suffix replaced (on character boundaries), so
/// that an editor keeps its cursor and marks outside of it. `None` when the
/// texts are equal.
pub fn replacement(old: &str, new: &str) -> Option<TextEdit> {
    if old == new {
        return None;
    }
    let mut prefix = old.bytes().zip(new.bytes()).take_while(|(a, b)| a == b).count();
    while !old.is_char_boundary(prefix) || !new.is_char_boundary(prefix) {
        prefix -= 1;
    }
    let most = old.len().min(new.len()) - prefix;
    let mut suffix = old
        .bytes()
        .rev()
        .zip(new.bytes().rev())
        .take(most)
        .take_while(|(a, b)| a == b)
        .count();
    while !old.is_char_boundary(old.len() - suffix) || !new.is_char_boundary(new.len() - suffix) {
        suffix -= 1;
    }
    // An end between the `\r` and the `\n` of a line ending has no LSP
    // position (it is the line's end, before the `\r`): take the whole
    // line ending into the replaced part.
    let old_bytes = old.as_bytes();
    let splits_crlf = |at: usize| at > 0 && old_bytes[at - 1] == b'\r' && old_bytes.get(at) == Some(&b'\n');
    if splits_crlf(prefix) {
        prefix -= 1;
    }
    if splits_crlf(old.len() - suffix) {
        suffix -= 1;
    }
    let index = LineIndex::new(old);
    let edit = Edit::replacement(&new[prefix..new.len() - suffix], prefix, old.len() - suffix);
    Some(text_edit(old, &index, &edit))
}

/// Apply a `didChange`'s content changes to `text`, in order: a change
/// with a range replaces that range (incremental sync), one without
/// replaces the whole text.
pub fn apply_changes(text: &mut String, changes: Vec<TextDocumentContentChangeEvent>) {
    for change in changes {
        match change.range {
            Some(range) => {
                let index = LineIndex::new(text);
                let start = index.offset(text, range.start);
                let end = index.offset(text, range.end).max(start);
                text.replace_range(start..end, &change.text);
            }
            None => *text = change.text,
        }
    }
}

/// Apply LSP text edits to `text` (tests, and the fix-all action's check
/// of itself): edits are given on the same original text and must not
/// overlap.
pub fn apply_text_edits(text: &str, edits: &[TextEdit]) -> String {
    let index = LineIndex::new(text);
    let mut spans: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|e| {
            (
                index.offset(text, e.range.start),
                index.offset(text, e.range.end),
                e.new_text.as_str(),
            )
        })
        .collect();
    spans.sort_by_key(|(start, end, _)| (*start, *end));
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end, new) in spans {
        out.push_str(&text[at..start.max(at)]);
        out.push_str(new);
        at = end.max(at);
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(line: u32, character: u32) -> Position {
        Position::new(line, character)
    }

    #[test]
    fn columns_count_utf16_code_units_on_a_line_with_non_ascii_characters() {
        // `é` is 2 bytes and 1 unit; `✓` 3 bytes and 1 unit; `🦀` 4 bytes and 2 units.
        let text = "x = 1\ns = \"é✓🦀\" + y\n";
        let index = LineIndex::new(text);
        let y = text.find('y').unwrap();
        assert_eq!(index.position(text, y), pos(1, 13));
        assert_eq!(index.offset(text, pos(1, 13)), y);
        let crab = text.find('🦀').unwrap();
        assert_eq!(index.position(text, crab), pos(1, 7));
        assert_eq!(index.position(text, crab + 4), pos(1, 9));
        // Inside the surrogate pair: the character's start.
        assert_eq!(index.offset(text, pos(1, 8)), crab);
        // Every character boundary goes there and back.
        for (offset, _) in text.char_indices() {
            assert_eq!(index.offset(text, index.position(text, offset)), offset, "{offset}");
        }
    }

    #[test]
    fn positions_past_a_line_or_the_text_are_clamped_and_crlf_is_a_line_ending() {
        let text = "ab\r\ncd";
        let index = LineIndex::new(text);
        assert_eq!(index.position(text, 4), pos(1, 0));
        assert_eq!(index.offset(text, pos(0, 99)), 2, "before the \\r\\n");
        assert_eq!(index.offset(text, pos(7, 0)), text.len());
        assert_eq!(index.position(text, 99), pos(1, 2));
        assert_eq!(index.offset(text, pos(1, 2)), text.len());
    }

    #[test]
    fn an_edit_becomes_a_text_edit_at_its_utf16_range() {
        let text = "# café\nw = Widget()\n";
        let index = LineIndex::new(text);
        let at = text.find("Widget").unwrap();
        let edit = Edit::replacement("Gadget", at, at + "Widget".len());
        let lsp = text_edit(text, &index, &edit);
        assert_eq!(lsp.range, Range::new(pos(1, 4), pos(1, 10)));
        assert_eq!(lsp.new_text, "Gadget");
        let insertion = text_edit(text, &index, &Edit::insertion("!", text.find('\n').unwrap()));
        assert_eq!(insertion.range, Range::new(pos(0, 6), pos(0, 6)));
        assert_eq!(apply_text_edits(text, &[lsp, insertion]), "# café!\nw = Gadget()\n");
    }

    #[test]
    fn the_replacement_between_two_texts_is_the_part_that_differs() {
        let old = "a = 1\nb = 'é'\nc = 3\n";
        let new = "a = 1\nb = 'è'\nx = 0\nc = 3\n";
        let edit = replacement(old, new).unwrap();
        assert_eq!(edit.range.start.line, 1);
        assert_eq!(apply_text_edits(old, &[edit]), new);
        assert_eq!(replacement(old, old), None);
        // Common bytes inside a character are not split.
        let edit = replacement("é", "è").unwrap();
        assert_eq!(edit.range, Range::new(pos(0, 0), pos(0, 1)));
        assert_eq!(apply_text_edits("é", &[edit]), "è");
        let crlf = [
            ("ab\r\n", "ab\n"),
            ("a\r\nb", "a\r\r\nb"),
            ("a\r\n", "a\r\nx\r\n"),
            ("a\n", "a\r\n"),
        ];
        for (old, new) in [("", "x"), ("x", ""), ("aa", "aaa"), ("aaa", "aa")]
            .into_iter()
            .chain(crlf)
        {
            assert_eq!(
                apply_text_edits(old, &[replacement(old, new).unwrap()]),
                new,
                "{old:?} {new:?}"
            );
        }
    }

    #[test]
    fn incremental_changes_apply_in_order_and_a_full_change_replaces_the_text() {
        let mut text = String::from("def f():\n    return 'ü'\n");
        let change = |range: Option<Range>, new: &str| TextDocumentContentChangeEvent {
            range,
            range_length: None,
            text: new.to_string(),
        };
        apply_changes(
            &mut text,
            vec![
                // After the `ü` (one UTF-16 unit): column 13 is the closing quote.
                change(Some(Range::new(pos(1, 12), pos(1, 13))), "ö"),
                change(Some(Range::new(pos(2, 0), pos(2, 0))), "x = 1\n"),
            ],
        );
        assert_eq!(text, "def f():\n    return 'ö'\nx = 1\n");
        apply_changes(&mut text, vec![change(None, "y = 2\n")]);
        assert_eq!(text, "y = 2\n");
    }
}
