//! Comma-separated lists (parameters, call arguments, imported names): add an
//! item or remove some while keeping the list's own layout.
//!
//! A list is its items in order and, when it has them, its brackets. Two
//! layouts are told apart: *one item per line* (the item starts its line
//! inside brackets; a new item gets a line of its own at the same
//! indentation, with a trailing comma when the list has one) and *inline*
//! (`a, b`: a new item follows `, `). Nothing here knows which items may go
//! where; the callers (add_parameter, arguments, add_import) decide that.

use crate::edit::Edit;
use crate::lines::{ends_line, line_end, line_start, next_line_start, rest_of_line, starts_line};
use crate::style::Stylist;
use tree_sitter::Node;

/// The items of a comma-separated list and its brackets.
pub(crate) struct List<'t> {
    pub items: Vec<Node<'t>>,
    /// The opening bracket; `None` for an unbracketed list (`import a, b`).
    pub open: Option<Node<'t>>,
}

impl<'t> List<'t> {
    /// The list of `node`'s non-comment named children, bracketed by its
    /// first child when that is `(`.
    pub fn of(node: Node<'t>) -> List<'t> {
        let open = node.child(0).filter(|c| c.kind() == "(");
        let mut cursor = node.walk();
        let items = node
            .named_children(&mut cursor)
            .filter(|c| c.kind() != "comment")
            .collect();
        List { items, open }
    }

    /// Whether item `index` stands on a line of its own inside brackets.
    fn one_per_line(&self, source: &str, index: usize) -> bool {
        self.open.is_some() && starts_line(source, self.items[index].start_byte())
    }
}

/// The offset of the comma that follows `offset`, skipping whitespace,
/// comments and backslash continuations; `None` when something else comes
/// first.
pub(crate) fn comma_after(source: &str, offset: usize) -> Option<usize> {
    let bytes = source.as_bytes();
    let mut i = offset;
    while i < bytes.len() {
        match bytes[i] {
            b' ' | b'\t' | b'\r' | b'\n' | b'\\' | b'\x0c' => i += 1,
            b'#' => i = line_end(source, i),
            b',' => return Some(i),
            _ => return None,
        }
    }
    None
}

/// Whether `source[start..end]`, a gap between items, holds no comment.
fn plain(source: &str, start: usize, end: usize) -> bool {
    start <= end && !source[start..end].contains('#')
}

/// Add `text` as the new last item of `list`.
pub(crate) fn append(source: &str, list: &List<'_>, text: &str, stylist: &Stylist) -> Option<Edit> {
    let le = stylist.line_ending;
    let Some(anchor) = list.items.last() else {
        // An empty list: right after the opening bracket.
        return Some(Edit::insertion(text, list.open?.end_byte()));
    };
    let end = anchor.end_byte();
    if !list.one_per_line(source, list.items.len() - 1) {
        return Some(Edit::insertion(format!(", {text}"), end));
    }
    let indent = &source[line_start(source, anchor.start_byte())..anchor.start_byte()];
    match comma_after(source, end) {
        Some(comma) => {
            // A trailing comma: a new line after the comma's line (after a
            // comment on it), or right after the comma when the closing
            // bracket shares its line.
            let eol = line_end(source, comma);
            let rest = rest_of_line(source, comma + 1).trim_start_matches([' ', '\t']);
            let at = if rest.is_empty() || rest.starts_with('#') {
                eol
            } else {
                comma + 1
            };
            Some(Edit::insertion(format!("{le}{indent}{text},"), at))
        }
        None => {
            let rest = rest_of_line(source, end);
            if rest.trim_start_matches([' ', '\t']).starts_with('#') {
                let eol = end + rest.len();
                // Keep the comment on the line of the item it follows.
                Some(Edit::replacement(format!(",{rest}{le}{indent}{text}"), end, eol))
            } else {
                Some(Edit::insertion(format!(",{le}{indent}{text}"), end))
            }
        }
    }
}

/// Add `text` as a new item just before item `index` of `list`.
pub(crate) fn insert_before_item(
    source: &str,
    list: &List<'_>,
    index: usize,
    text: &str,
    stylist: &Stylist,
) -> Option<Edit> {
    let item = list.items.get(index)?;
    let start = item.start_byte();
    if list.one_per_line(source, index) {
        let indent = &source[line_start(source, start)..start];
        Some(Edit::insertion(
            format!("{text},{}{indent}", stylist.line_ending),
            start,
        ))
    } else {
        Some(Edit::insertion(format!("{text}, "), start))
    }
}

/// Remove the items of `list` whose flag in `remove` is set, as edits that
/// never overlap: each run of adjacent removed items is one deletion.
///
/// A run standing on lines of its own inside brackets goes with those whole
/// lines (comments on them included). Otherwise it goes with one separating
/// comma: the one before it when it is last or its successor is on another
/// line, else the one after it. `None` when an inline deletion would take a
/// comment with it.
pub(crate) fn remove_items(source: &str, list: &List<'_>, remove: &[bool]) -> Option<Vec<Edit>> {
    let n = list.items.len();
    if remove.len() != n {
        return None;
    }
    let mut edits = Vec::new();
    let mut i = 0;
    while i < n {
        if !remove[i] {
            i += 1;
            continue;
        }
        let mut j = i;
        while j + 1 < n && remove[j + 1] {
            j += 1;
        }
        edits.push(remove_run(source, list, i, j)?);
        i = j + 1;
    }
    // Defensive: the runs are separated by kept items, so this never fires.
    for pair in edits.windows(2) {
        if pair[0].end() > pair[1].start() {
            return None;
        }
    }
    Some(edits)
}

/// The deletion of items `first..=last` of `list`.
fn remove_run(source: &str, list: &List<'_>, first: usize, last: usize) -> Option<Edit> {
    let items = &list.items;
    let start = items[first].start_byte();
    let end = items[last].end_byte();
    let comma = comma_after(source, end);
    let after = comma.map_or(end, |c| c + 1);

    // 1. On lines of its own: the whole lines.
    if list.one_per_line(source, first) && ends_line(source, after) {
        if let Some(next_line) = next_line_start(source, after) {
            return Some(Edit::deletion(line_start(source, start), next_line));
        }
    }
    // Inline from here on: the gaps inside the run go with it, so they must
    // hold no comment.
    if !(first..last).all(|k| plain(source, items[k].end_byte(), items[k + 1].start_byte())) {
        return None;
    }
    let prev = first.checked_sub(1).map(|k| items[k]);
    let next = items.get(last + 1);
    match (prev, next) {
        // 2. Followed by an item on the comma's line: the run and the comma
        //    after it (`a, b, c` -> `a, c`).
        (_, Some(next))
            if comma.is_some_and(|c| line_end(source, c) == line_end(source, next.start_byte()))
                && plain(source, end, next.start_byte()) =>
        {
            Some(Edit::deletion(start, next.start_byte()))
        }
        // 3. Preceded by an item: the comma before it (`a, b` -> `a`; the
        //    run's own comma, if any, stays as the next separator or the
        //    trailing comma).
        (Some(prev), _) if plain(source, prev.end_byte(), start) => Some(Edit::deletion(prev.end_byte(), end)),
        // 4. The last item, after a comment: the item and its trailing comma.
        (Some(_), None) => Some(Edit::deletion(start, after)),
        // 5. First and followed on another line: the run and its comma, and
        //    the spaces after it when only they remain on the line.
        (None, Some(_)) => {
            let comma = comma?;
            if !plain(source, end, comma) {
                return None;
            }
            let rest = rest_of_line(source, after);
            let stop = if rest.trim().is_empty() {
                after + rest.len()
            } else {
                after
            };
            Some(Edit::deletion(start, stop))
        }
        // 6. Every item: the items and a trailing comma.
        (None, None) => {
            if comma.is_some_and(|c| !plain(source, end, c)) {
                return None;
            }
            Some(Edit::deletion(start, after))
        }
        _ => None,
    }
}
