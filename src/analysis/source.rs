//! Reading and parsing one Python file, and small helpers over its nodes.
//!
//! A [`SourceFile`] is the file's text (UTF-8, without a BOM: the BOM is
//! remembered and put back by the writer) and its tree-sitter tree. Reading
//! turns every way a file can be unusable (unreadable, not UTF-8, syntax
//! error) into a one-line reason; nothing here decides what a rule means.

use std::cell::RefCell;
use std::path::Path;
use tree_sitter::{Node, Parser, Tree};

/// A parsed Python file (a clone shares the tree, which tree-sitter counts
/// references to, and copies the text).
#[derive(Clone)]
pub struct SourceFile {
    /// The text, without a leading BOM.
    pub text: String,
    /// Whether the file on disk starts with a UTF-8 BOM.
    pub bom: bool,
    /// The tree, parsed on first use.
    tree: std::sync::OnceLock<Tree>,
}

thread_local! {
    static PARSER: RefCell<Parser> = RefCell::new({
        let mut parser = Parser::new();
        parser
            .set_language(&tree_sitter_python::LANGUAGE.into())
            .expect("tree-sitter-python matches the tree-sitter version");
        parser
    });
}

/// Parse Python text with this thread's parser.
pub fn parse(text: &str) -> Tree {
    PARSER
        .with(|p| p.borrow_mut().parse(text, None))
        .expect("parsing without a timeout or cancellation always yields a tree")
}

/// Parse `new_text`, which `edits` made of `old_text`, parsed as `old`:
/// tree-sitter re-parses only what the edits touched and takes the rest of
/// the old tree as it was. `edits` are in the order of their places in
/// `old_text`, none overlapping ([`auditfix_transforms::FixOutcome::edits`]).
/// The tree is the one a fresh parse of `new_text` gives.
pub fn reparse(old: &Tree, old_text: &str, edits: &[auditfix_transforms::Edit], new_text: &str) -> Tree {
    let new = reparse_unchecked(old, old_text, edits, new_text);
    // Every re-parse of a debug build (the test suite's) is held to a fresh parse.
    debug_assert!(
        same_tree(&new, &parse(new_text)),
        "a re-parse differs from a fresh parse of:\n{new_text}"
    );
    new
}

/// [`reparse`], not compared with a fresh parse in a debug build.
fn reparse_unchecked(old: &Tree, old_text: &str, edits: &[auditfix_transforms::Edit], new_text: &str) -> Tree {
    let mut tree = old.clone();
    let lines = crate::diagnostic::LineIndex::new(old_text);
    let point = |offset: usize| {
        let (row, column) = lines.row_and_byte_column(offset);
        tree_sitter::Point::new(row, column)
    };
    // Last first: an edit leaves the places before it as they were, so each
    // is told in the coordinates of `old_text`.
    for edit in edits.iter().rev() {
        let start_position = point(edit.start());
        let old_end_position = point(edit.end());
        tree.edit(&tree_sitter::InputEdit {
            start_byte: edit.start(),
            old_end_byte: edit.end(),
            new_end_byte: edit.start() + edit.content().len(),
            start_position,
            old_end_position,
            new_end_position: advance(start_position, edit.content()),
        });
    }
    PARSER
        .with(|p| p.borrow_mut().parse(new_text, Some(&tree)))
        .expect("parsing without a timeout or cancellation always yields a tree")
}

/// Whether two trees have the same nodes (kind, place, missing or not)
/// in the same order.
pub fn same_tree(a: &Tree, b: &Tree) -> bool {
    let (mut a, mut b) = (a.walk(), b.walk());
    loop {
        let (x, y) = (a.node(), b.node());
        if x.kind_id() != y.kind_id()
            || x.byte_range() != y.byte_range()
            || x.start_position() != y.start_position()
            || x.end_position() != y.end_position()
            || x.is_missing() != y.is_missing()
            || x.child_count() != y.child_count()
        {
            return false;
        }
        if a.goto_first_child() {
            b.goto_first_child();
            continue;
        }
        loop {
            if a.goto_next_sibling() {
                b.goto_next_sibling();
                break;
            }
            if !a.goto_parent() {
                return true;
            }
            b.goto_parent();
        }
    }
}

/// Where `point` ends up after `inserted` is written at it.
fn advance(point: tree_sitter::Point, inserted: &str) -> tree_sitter::Point {
    match inserted.rfind('\n') {
        Some(last) => tree_sitter::Point::new(
            point.row + memchr::memchr_iter(b'\n', inserted.as_bytes()).count(),
            inserted.len() - last - 1,
        ),
        None => tree_sitter::Point::new(point.row, point.column + inserted.len()),
    }
}

/// Decode raw bytes as a Python source: UTF-8, an optional BOM stripped.
pub fn decode(bytes: &[u8]) -> Result<(String, bool), String> {
    decode_str(bytes).map(|(text, bom)| (text.to_string(), bom))
}

/// [`decode`] of bytes read whole, without copying them.
pub fn decode_owned(mut bytes: Vec<u8>) -> Result<(String, bool), String> {
    let bom = decode_str(&bytes)?.1;
    if bom {
        bytes.drain(..3);
    }
    Ok((String::from_utf8(bytes).expect("checked by decode_str"), bom))
}

/// [`decode`], borrowing the text from `bytes`.
pub fn decode_str(bytes: &[u8]) -> Result<(&str, bool), String> {
    let (bom, body) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => (true, rest),
        None => (false, bytes),
    };
    match std::str::from_utf8(body) {
        Ok(text) => Ok((text, bom)),
        Err(err) => {
            let offset = err.valid_up_to();
            let line = body[..offset].iter().filter(|b| **b == b'\n').count() + 1;
            let declared = declared_encoding(body);
            Err(match declared {
                Some(enc) if !enc.eq_ignore_ascii_case("utf-8") && !enc.eq_ignore_ascii_case("utf8") => format!(
                    "not UTF-8 (declares `coding: {enc}`; invalid UTF-8 byte 0x{:02X} on line {line}); auditfix reads UTF-8 sources only, convert the file to check it",
                    body[offset]
                ),
                _ => format!(
                    "not valid UTF-8 (byte 0x{:02X} on line {line}); auditfix reads UTF-8 sources only",
                    body[offset]
                ),
            })
        }
    }
}

/// The PEP 263 encoding declared on one of the first two lines.
fn declared_encoding(bytes: &[u8]) -> Option<String> {
    for line in bytes.split(|b| *b == b'\n').take(2) {
        let line = String::from_utf8_lossy(line);
        let trimmed = line.trim_start();
        if !trimmed.starts_with('#') {
            continue;
        }
        if let Some(pos) = line.find("coding") {
            let rest = &line[pos + "coding".len()..];
            let rest = rest.strip_prefix(':').or_else(|| rest.strip_prefix('='))?;
            let enc: String = rest
                .trim_start()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_' || *c == '.')
                .collect();
            if !enc.is_empty() {
                return Some(enc);
            }
        }
    }
    None
}

impl SourceFile {
    /// Parse `text`; an error describes the first syntax error.
    pub fn parse(text: String, bom: bool) -> Result<SourceFile, String> {
        let tree = parse(&text);
        Self::of_tree(text, bom, tree)
    }

    /// `text` parsed as `tree` already; an error describes the first syntax error.
    pub fn of_tree(text: String, bom: bool, tree: Tree) -> Result<SourceFile, String> {
        if let Some(message) = syntax_error(&tree, &text) {
            return Err(message);
        }
        Ok(SourceFile {
            text,
            bom,
            tree: std::sync::OnceLock::from(tree),
        })
    }

    /// Read and parse the file at `path`.
    pub fn read(path: &Path) -> Result<(Vec<u8>, SourceFile), String> {
        let bytes = crate::files::read_regular(path, crate::files::SOURCE_CAP).map_err(|e| io_reason(&e))?;
        let (text, bom) = decode(&bytes)?;
        let file = SourceFile::parse(text, bom)?;
        Ok((bytes, file))
    }

    pub fn root(&self) -> Node<'_> {
        self.tree().root_node()
    }

    pub fn tree(&self) -> &Tree {
        self.tree.get_or_init(|| parse(&self.text))
    }

    /// The text of `node`.
    pub fn text_of(&self, node: Node<'_>) -> &str {
        &self.text[node.byte_range()]
    }

    /// The bytes to write back for `text` (the BOM restored).
    pub fn to_bytes(text: &str, bom: bool) -> Vec<u8> {
        let mut out = Vec::with_capacity(text.len() + 3);
        if bom {
            out.extend_from_slice(b"\xEF\xBB\xBF");
        }
        out.extend_from_slice(text.as_bytes());
        out
    }
}

/// Read the file at `path` and hand `f` its text and whether it starts
/// with a BOM. The bytes go to a buffer this thread reuses: a run searches
/// most files of a repository without keeping their text, and a fresh
/// allocation per file would leave the allocator holding many of them.
pub fn with_file_text<R>(path: &Path, f: impl FnOnce(&str, bool) -> R) -> Result<R, String> {
    thread_local! {
        static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    /// A buffer grown beyond this by a large file is let go after it.
    const KEPT_CAPACITY: usize = 1 << 18;
    BUFFER.with(|buffer| {
        // A file read while `f` runs (it may search another) gets its own buffer.
        let mut own = Vec::new();
        let mut borrowed = buffer.try_borrow_mut();
        let bytes = match borrowed.as_deref_mut() {
            Ok(bytes) => bytes,
            Err(_) => &mut own,
        };
        bytes.clear();
        let read = crate::files::read_regular_into(path, crate::files::SOURCE_CAP, bytes);
        let result = read
            .map_err(|e| io_reason(&e))
            .and_then(|_| decode_str(bytes).map(|(text, bom)| f(text, bom)));
        if bytes.capacity() > KEPT_CAPACITY {
            *bytes = Vec::new();
        }
        result
    })
}

/// A short reason for an I/O error, without the OS error number.
pub fn io_reason(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::NotFound => "no such file (or a broken symlink)".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => {
            let text = err.to_string();
            match text.find(" (os error") {
                Some(i) => text[..i].to_string(),
                None => text,
            }
        }
    }
}

/// CPython's tokenizer's `MAXINDENT`: a block nested this deep is refused
/// ("too many levels of indentation").
const MAX_INDENT: usize = 100;

/// The first line (1-based) whose indentation reaches `MAX_INDENT` nested
/// blocks, counted as the tokenizer does (a stack of widths, tabs
/// to the next multiple of 8), blank and comment lines skipped. Lines
/// inside brackets or strings are not told apart: only used once the
/// parser has failed, to name the likeliest cause.
fn too_deep(text: &str) -> Option<usize> {
    let mut widths = vec![0usize];
    for (i, line) in text.split('\n').enumerate() {
        let body = line.trim_start_matches([' ', '\t', '\x0c']);
        if body.trim().is_empty() || body.starts_with('#') {
            continue;
        }
        let mut width = 0;
        for c in line[..line.len() - body.len()].chars() {
            width = if c == '\t' { (width / 8 + 1) * 8 } else { width + 1 };
        }
        while widths.last().is_some_and(|top| width < *top) {
            widths.pop();
        }
        if widths.last().is_none_or(|top| width > *top) {
            widths.push(width);
        }
        if widths.len() > MAX_INDENT {
            return Some(i + 1);
        }
    }
    None
}

/// "syntax error at line L, column C" for the first ERROR or MISSING node.
pub fn syntax_error(tree: &Tree, text: &str) -> Option<String> {
    let root = tree.root_node();
    if root.has_error() && text.contains('\r') && !text.contains('\n') {
        // Python reads a lone CR as a line end; the parser does not.
        return Some(
            "uses CR-only line endings (classic Mac OS), which auditfix cannot read; not checked (convert them to LF or CRLF)"
                .into(),
        );
    }
    if root.has_error() {
        // The parser gives up on very deep nesting with an error at 1:1;
        // Python refuses it too, and says why.
        if let Some(line) = too_deep(text) {
            return Some(format!(
                "too many levels of indentation at line {line} (Python's limit is {MAX_INDENT}); not checked"
            ));
        }
    }
    if !root.has_error() {
        // Indentation tree-sitter recovers from silently, and Python rejects.
        let (row, why) = super::indentation::indentation_error(root, text)?;
        return Some(format!(
            "syntax error at line {}, column 1: {why}; not checked",
            row + 1
        ));
    }
    let mut cursor = root.walk();
    let mut node = root;
    'outer: loop {
        if node.is_error() || node.is_missing() {
            break;
        }
        if cursor.goto_first_child() {
            loop {
                let child = cursor.node();
                if child.has_error() || child.is_missing() {
                    node = child;
                    continue 'outer;
                }
                if !cursor.goto_next_sibling() {
                    break 'outer;
                }
            }
        }
        break;
    }
    let pos = node.start_position();
    let (row, byte_column, what) = if node.is_missing() {
        (pos.row, pos.column, format!("missing `{}`", node.kind_str()))
    } else {
        crate::syntax_message::describe(root, node, text)
            .unwrap_or_else(|| (pos.row, pos.column, "invalid syntax".to_string()))
    };
    let line_text = text.lines().nth(row).unwrap_or("");
    let column = line_text.get(..byte_column).map_or(byte_column, |s| s.chars().count()) + 1;
    Some(format!(
        "syntax error at line {}, column {column}: {what}; not checked",
        row + 1
    ))
}

/// Two of tree-sitter's node accessors, made cheap for the analysis's
/// walks, which call them on most nodes of every write method:
/// `Node::kind` measures and validates the kind's C string on each call,
/// and `child_by_field_name` compares the name with the grammar's field
/// names on each call. Here both are looked up in tables made once.
pub trait NodeExt<'t> {
    /// The node's kind, as `Node::kind` gives it.
    fn kind_str(&self) -> &'static str;
    /// The child in field `name`, as `child_by_field_name` gives it.
    fn field(&self, name: &str) -> Option<Node<'t>>;
}

/// The names of the Python grammar's node kinds by id, and its fields.
struct Grammar {
    kinds: Vec<&'static str>,
    fields: Vec<(&'static str, u16)>,
}

static LANGUAGE: std::sync::LazyLock<tree_sitter::Language> =
    std::sync::LazyLock::new(|| tree_sitter_python::LANGUAGE.into());

static GRAMMAR: std::sync::LazyLock<Grammar> = std::sync::LazyLock::new(|| {
    let language: &'static tree_sitter::Language = &LANGUAGE;
    let kinds = (0..language.node_kind_count())
        .map(|id| language.node_kind_for_id(id as u16).unwrap_or(""))
        .collect();
    let fields = (1..=language.field_count())
        .filter_map(|id| Some((language.field_name_for_id(id as u16)?, id as u16)))
        .collect();
    Grammar { kinds, fields }
});

impl<'t> NodeExt<'t> for Node<'t> {
    fn kind_str(&self) -> &'static str {
        // Every id of a tree of the grammar is in the table, but the
        // error node's.
        GRAMMAR
            .kinds
            .get(self.kind_id() as usize)
            .copied()
            .unwrap_or(if self.is_error() { "ERROR" } else { "" })
    }

    fn field(&self, name: &str) -> Option<Node<'t>> {
        let (_, id) = GRAMMAR.fields.iter().find(|(field, _)| *field == name)?;
        self.child_by_field_id(*id)
    }
}

/// Visit `node` and the nodes below it in document order (a parent before
/// its children), with one tree cursor: no list of children is made and
/// nothing is sorted. `visit` returns whether to descend into the node it
/// is given. With `named_only`, anonymous nodes (tokens) are neither
/// visited nor descended into, as a walk over `named_children` goes.
pub fn preorder<'t>(node: Node<'t>, named_only: bool, mut visit: impl FnMut(Node<'t>) -> bool) {
    preorder_with_ancestors(node, named_only, |n, _| visit(n));
}

/// [`preorder`], each node visited with its ancestors from `node` down to
/// its parent (empty for `node` itself): the walk knows them, where
/// [`Node::parent`] searches down from the root again.
pub fn preorder_with_ancestors<'t>(
    node: Node<'t>,
    named_only: bool,
    mut visit: impl FnMut(Node<'t>, &[Node<'t>]) -> bool,
) {
    let mut cursor = node.walk();
    let mut ancestors: Vec<Node<'t>> = Vec::new();
    loop {
        let current = cursor.node();
        let descend = (!named_only || current.is_named()) && visit(current, &ancestors);
        if descend && cursor.goto_first_child() {
            ancestors.push(current);
            continue;
        }
        loop {
            if ancestors.is_empty() {
                return;
            }
            if cursor.goto_next_sibling() {
                break;
            }
            cursor.goto_parent();
            ancestors.pop();
        }
    }
}

/// Nodes below `node` in document order, not descending into nested
/// function or class definitions (their bodies are other scopes) nor into
/// lambdas.
pub fn scope_descendants(node: Node<'_>) -> Vec<Node<'_>> {
    let mut out = Vec::new();
    preorder(node, false, |n| {
        if n.id() == node.id() {
            return true;
        }
        if matches!(
            n.kind_str(),
            "function_definition" | "class_definition" | "lambda" | "decorated_definition"
        ) {
            return false;
        }
        out.push(n);
        true
    });
    out
}

/// Whether a node can hold statements (so definitions can stand in it):
/// walks that look for `def`/`class` descend only into these, never into
/// expressions, which is most of a tree.
pub fn holds_statements(kind: &str) -> bool {
    matches!(
        kind,
        "module"
            | "block"
            | "class_definition"
            | "function_definition"
            | "decorated_definition"
            | "if_statement"
            | "elif_clause"
            | "else_clause"
            | "try_statement"
            | "except_clause"
            | "except_group_clause"
            | "finally_clause"
            | "with_statement"
            | "for_statement"
            | "while_statement"
            | "match_statement"
            | "case_clause"
    )
}

/// The statement (direct child of a `block` or `module`) that contains `node`.
pub fn enclosing_statement(node: Node<'_>) -> Option<Node<'_>> {
    let mut current = node;
    loop {
        let parent = current.parent()?;
        if matches!(parent.kind_str(), "block" | "module") {
            return Some(current);
        }
        current = parent;
    }
}

/// Dotted text of an expression made of identifiers and attributes
/// (`self.db`, `datetime.now`); `None` for anything else.
pub fn dotted_name(node: Node<'_>, text: &str) -> Option<String> {
    match node.kind_str() {
        "identifier" => Some(text[node.byte_range()].to_string()),
        "attribute" => {
            let object = node.field("object")?;
            let attr = node.field("attribute")?;
            Some(format!("{}.{}", dotted_name(object, text)?, &text[attr.byte_range()]))
        }
        _ => None,
    }
}

/// The parts of `object.attr = value` when `node` is such an assignment:
/// the object, the attribute name node and the value.
pub fn attribute_assignment(node: Node<'_>) -> Option<(Node<'_>, Node<'_>, Node<'_>)> {
    if node.kind_str() != "assignment" {
        return None;
    }
    let left = node.field("left").filter(|l| l.kind_str() == "attribute")?;
    Some((left.field("object")?, left.field("attribute")?, node.field("right")?))
}

/// The statements of a `block`, comments excluded.
pub fn statements(block: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = block.walk();
    block
        .named_children(&mut cursor)
        .filter(|n| n.kind_str() != "comment")
        .collect()
}

/// Whether `inner` lies within `outer`.
pub fn contains(outer: Node<'_>, inner: Node<'_>) -> bool {
    outer.start_byte() <= inner.start_byte() && inner.end_byte() <= outer.end_byte()
}

/// Whether `node` is a use of the name `name` (not an attribute name, a
/// keyword, an import, or a binding).
pub fn is_load(node: Node<'_>, name: &str, text: &str) -> bool {
    node.kind_str() == "identifier" && &text[node.byte_range()] == name && is_load_position(node)
}

fn is_load_position(node: Node<'_>) -> bool {
    node.parent().is_some_and(|parent| is_load_position_in(node, parent))
}

/// [`is_load_position`] with the parent known: `Node::parent` searches down
/// from the root, so a walk that asks it of every node costs the tree's
/// depth per node (quadratic on deeply nested code).
fn is_load_position_in(node: Node<'_>, parent: Node<'_>) -> bool {
    match parent.kind_str() {
        "attribute" => parent.field("object").is_some_and(|o| o.id() == node.id()),
        "keyword_argument" => parent.field("value").is_some_and(|v| v.id() == node.id()),
        "assignment" | "augmented_assignment" => parent.field("right").is_some_and(|v| v.id() == node.id()),
        "dotted_name"
        | "aliased_import"
        | "import_from_statement"
        | "import_statement"
        | "parameters"
        | "default_parameter"
        | "typed_parameter"
        | "typed_default_parameter"
        | "function_definition"
        | "class_definition"
        | "global_statement"
        | "nonlocal_statement"
        | "as_pattern_target" => false,
        _ => true,
    }
}

/// How often each name is used (loaded) in the file, imports excluded, by
/// a walk of every node: what [`load_count`] must agree with.
#[cfg(test)]
pub fn load_counts<'a>(root: Node<'_>, text: &'a str) -> std::collections::HashMap<&'a str, usize> {
    let mut counts = std::collections::HashMap::new();
    let mut cursor = root.walk();
    // Each node with its parent (see `is_load_position_in`).
    let mut stack = vec![(root, None)];
    while let Some((node, parent)) = stack.pop() {
        if node.kind_str() == "identifier" {
            if parent.is_some_and(|p| is_load_position_in(node, p)) {
                *counts.entry(&text[node.byte_range()]).or_insert(0) += 1;
            }
            continue;
        }
        cursor.reset(node);
        stack.extend(node.named_children(&mut cursor).map(|child| (child, Some(node))));
    }
    counts
}

/// How often `name` is used (loaded) in the file, imports excluded:
/// [`load_counts`]'s count of it, found from the places where its text
/// occurs instead of by a walk of the whole tree.
pub fn load_count(root: Node<'_>, text: &str, name: &str) -> usize {
    if name.is_empty() {
        return 0;
    }
    memchr::memmem::find_iter(text.as_bytes(), name.as_bytes())
        .filter(|&at| {
            let range = at..at + name.len();
            root.descendant_for_byte_range(range.start, range.end)
                .filter(|node| node.kind_str() == "identifier" && node.byte_range() == range)
                .is_some_and(|node| node.parent().is_some_and(|parent| is_load_position_in(node, parent)))
        })
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A source with most of the grammar's shapes, a syntax error and a
    /// missing token among them.
    const SHAPES: &str = "import a.b as c\nfrom x import (y, z)\n@d(1)\nclass K(B, metaclass=M):\n    \"\"\"doc\"\"\"\n    def f(self, db: Session = Depends(g), *a, k=1, **kw) -> int:\n        if (n := db.get(K, 1)) is not None and not x:\n            n.v += 1\n        for i, j in zip(a, kw):\n            with db.begin() as t, open(p):\n                yield [q for q in t if q]\n        try:\n            db.add(K(v=lambda u: u))\n        except (E, F) as e:\n            raise G from e\n        finally:\n            return {**kw, 'k': f'{k!r:>3}'}\n    x = (1 +\n\ndef broken(:\n    pass\n";

    /// Every node of `root`, by a plain recursive walk: what the cheap
    /// walks and accessors must agree with.
    fn all_nodes<'t>(node: Node<'t>, named_only: bool, out: &mut Vec<Node<'t>>) {
        out.push(node);
        let mut cursor = node.walk();
        let children: Vec<Node<'t>> = if named_only {
            node.named_children(&mut cursor).collect()
        } else {
            node.children(&mut cursor).collect()
        };
        for child in children {
            all_nodes(child, named_only, out);
        }
    }

    #[test]
    fn a_names_uses_found_from_its_places_are_those_a_walk_of_every_node_counts() {
        // Uses and non-uses of the same names: imports, aliases, attributes,
        // keyword names and values, parameters, assignments' targets, strings,
        // comments, names inside longer names, a syntax error.
        let extra = "from sqlalchemy import Column, func as f, select\nimport os.path as p, func\n\
                     # func select Column\nclass Column(Base):\n    func = Column(default=func.now())\n\
                     def select(func, *, column=Column, k: func = select):\n    global funcs\n\
                     x.func = f'{func}' + 'func' + p.func(func=1, select=select)\n    funcx = _func = func_\n\
                     lambda func: func\n    del(func)\n    for Column in func: pass\nbroken(:\n";
        for text in [SHAPES, extra] {
            let tree = parse(text);
            let counts = load_counts(tree.root_node(), text);
            let mut names: Vec<&str> = text
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .filter(|w| !w.is_empty())
                .collect();
            names.extend(["", "unc", "func.now", "Column("]);
            for name in names {
                assert_eq!(
                    load_count(tree.root_node(), text, name),
                    counts.get(name).copied().unwrap_or(0),
                    "uses of {name:?} in:\n{text}"
                );
            }
        }
        let tree = parse(extra);
        // Not vacuous: both counted and uncounted names are among them.
        assert!(load_count(tree.root_node(), extra, "func") >= 3);
        assert_eq!(load_count(tree.root_node(), extra, "os"), 0);
    }

    #[test]
    fn preorder_visits_what_a_recursive_walk_does_in_document_order() {
        let tree = parse(SHAPES);
        for named_only in [false, true] {
            let mut expected = Vec::new();
            all_nodes(tree.root_node(), named_only, &mut expected);
            let mut seen = Vec::new();
            preorder(tree.root_node(), named_only, |n| {
                seen.push(n);
                true
            });
            assert_eq!(seen, expected, "named_only: {named_only}");
        }
        // Not descending into a node skips its subtree, and only it.
        let mut seen = Vec::new();
        preorder(tree.root_node(), true, |n| {
            seen.push(n.kind());
            n.kind() != "function_definition"
        });
        assert!(seen.contains(&"function_definition") && seen.contains(&"class_definition"));
        assert!(
            !seen.contains(&"parameters") && !seen.contains(&"for_statement"),
            "{seen:?}"
        );
        // Below a scope, nested definitions are left out.
        let mut class_body = None;
        preorder(tree.root_node(), true, |n| {
            if n.kind() == "class_definition" {
                class_body = n.child_by_field_name("body");
            }
            true
        });
        let inside = scope_descendants(class_body.expect("the class has a body"));
        assert!(
            inside.iter().any(|n| n.kind() == "string"),
            "the docstring is in the class's scope"
        );
        assert!(inside.iter().all(|n| n.kind() != "parameters"), "the method's are not");
    }

    #[test]
    fn preorder_with_ancestors_visits_as_preorder_with_each_node_s_parent_chain() {
        let tree = parse(SHAPES);
        let mut class_body = None;
        preorder(tree.root_node(), true, |n| {
            if n.kind() == "class_definition" {
                class_body = n.child_by_field_name("body");
            }
            true
        });
        // From the root and from a node within: the ancestors stop at the
        // walk's first node.
        for start in [tree.root_node(), class_body.expect("the class has a body")] {
            for named_only in [false, true] {
                // Pruned where preorder's callers prune: nested definitions.
                let prune = |n: Node<'_>| n.id() == start.id() || n.kind() != "function_definition";
                let mut expected = Vec::new();
                preorder(start, named_only, |n| {
                    expected.push(n);
                    prune(n)
                });
                let mut seen = Vec::new();
                let mut deepest = 0;
                preorder_with_ancestors(start, named_only, |n, ancestors| {
                    seen.push(n);
                    deepest = deepest.max(ancestors.len());
                    let mut chain = Vec::new();
                    let mut at = n;
                    while at.id() != start.id() {
                        at = at.parent().expect("below the walk's first node");
                        chain.push(at);
                    }
                    chain.reverse();
                    assert_eq!(ancestors, chain.as_slice(), "ancestors of {n:?}");
                    prune(n)
                });
                assert_eq!(seen, expected, "named_only: {named_only}");
                assert!(deepest >= 3, "not vacuous: nodes deep below the first");
            }
        }
    }

    #[test]
    fn the_cheap_accessors_agree_with_tree_sitter_s_own() {
        let tree = parse(SHAPES);
        assert!(tree.root_node().has_error(), "the sample holds a syntax error");
        let mut nodes = Vec::new();
        all_nodes(tree.root_node(), false, &mut nodes);
        let language: tree_sitter::Language = tree_sitter_python::LANGUAGE.into();
        let fields: Vec<&str> = (1..=language.field_count())
            .filter_map(|id| language.field_name_for_id(id as u16))
            .collect();
        assert!(fields.len() > 20, "{fields:?}");
        let (mut errors, mut found) = (0, 0);
        for node in nodes {
            assert_eq!(node.kind_str(), node.kind(), "{node:?}");
            errors += usize::from(node.is_error());
            for name in &fields {
                assert_eq!(node.field(name), node.child_by_field_name(name), "{name} of {node:?}");
                found += usize::from(node.field(name).is_some());
            }
            assert_eq!(node.field("no_such_field"), None);
        }
        assert!(errors > 0 && found > 50, "errors {errors}, fields found {found}");
    }

    /// Issue 17, item 10: nesting deeper than Python allows is named, at
    /// the line where it goes too deep, not "invalid syntax" at 1:1.
    #[test]
    fn too_many_levels_of_indentation_are_named() {
        let mut text = String::from("def f(db):\n");
        for depth in 1..=1000 {
            text.push_str(&format!("{}if x:\n", "    ".repeat(depth)));
        }
        text.push_str(&format!("{}db.commit()\n", "    ".repeat(1001)));
        let err = SourceFile::parse(text, false).err().unwrap();
        assert_eq!(
            err,
            "too many levels of indentation at line 101 (Python's limit is 100); not checked"
        );
        let mut ok = String::from("def f(db):\n");
        for depth in 1..=20 {
            ok.push_str(&format!("{}if x:\n", "    ".repeat(depth)));
        }
        ok.push_str(&format!("{}db.commit()\n", "    ".repeat(21)));
        assert!(too_deep(&ok).is_none());
    }

    #[test]
    fn syntax_errors_are_located() {
        let err = SourceFile::parse("def f(:\n    pass\n".into(), false).err().unwrap();
        assert!(err.starts_with("syntax error at line 1"), "{err}");
        assert!(SourceFile::parse("x = 1\n".into(), false).is_ok());
    }

    #[test]
    fn latin1_with_coding_line_is_explained() {
        let bytes = b"# -*- coding: latin-1 -*-\nname = '\xe9'\n";
        let err = decode(bytes).unwrap_err();
        assert!(err.contains("latin-1") && err.contains("line 2"), "{err}");
    }

    #[test]
    fn owned_bytes_decode_like_borrowed_ones() {
        for bytes in [&b"\xEF\xBB\xBFx = 1\n"[..], b"y = 2\n", b"\xEF\xBB\xBF", b""] {
            assert_eq!(decode_owned(bytes.to_vec()), decode(bytes));
        }
        let latin1 = b"# -*- coding: latin-1 -*-\nname = '\xe9'\n";
        assert_eq!(decode_owned(latin1.to_vec()), decode(latin1));
    }

    #[test]
    fn a_file_is_read_into_the_threads_buffer_even_while_another_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let outer = dir.path().join("outer.py");
        let inner = dir.path().join("inner.py");
        std::fs::write(&outer, b"\xEF\xBB\xBFouter = 1\n").unwrap();
        std::fs::write(&inner, "inner = 2\n".repeat(200_000)).unwrap();
        let read = with_file_text(&outer, |text, bom| {
            // A search inside a search reads into a buffer of its own.
            let nested = with_file_text(&inner, |text, bom| (text.len(), bom)).unwrap();
            (text.to_string(), bom, nested)
        });
        assert_eq!(read, Ok(("outer = 1\n".to_string(), true, (2_000_000, false))));
        // The large file did not stay in the buffer; the next read sees its own text.
        assert_eq!(with_file_text(&inner, |text, _| text.len()), Ok(2_000_000));
        assert_eq!(
            with_file_text(&outer, |text, _| text.to_string()),
            Ok("outer = 1\n".to_string())
        );
        let missing = with_file_text(&dir.path().join("missing.py"), |_, _| ()).unwrap_err();
        assert!(missing.contains("no such file"), "{missing}");
        std::fs::write(&inner, b"x = '\xff'\n").unwrap();
        assert!(with_file_text(&inner, |_, _| ())
            .unwrap_err()
            .contains("not valid UTF-8"));
    }

    #[test]
    fn bom_is_stripped_and_remembered() {
        let (text, bom) = decode(b"\xEF\xBB\xBFx = 1\n").unwrap();
        assert!(bom);
        assert_eq!(text, "x = 1\n");
        assert_eq!(SourceFile::to_bytes(&text, bom), b"\xEF\xBB\xBFx = 1\n");
    }

    /// `edits` of `text` re-parsed from its tree, and the text they make.
    fn reparsed(text: &str, edits: &[auditfix_transforms::Edit]) -> (String, Tree) {
        let fix = auditfix_transforms::Fix::safe_edits(edits[0].clone(), edits[1..].iter().cloned());
        let outcome = auditfix_transforms::apply_fixes(text, [&fix]);
        assert_eq!(outcome.applied, vec![0], "the edits apply");
        let tree = reparse(&parse(text), text, &outcome.edits, &outcome.output);
        (outcome.output, tree)
    }

    #[test]
    fn a_reparse_after_edits_is_the_tree_a_fresh_parse_gives() {
        use auditfix_transforms::Edit;
        let service = "from x import y\n\nclass S:\n    def create(self, db, data):\n        row = M(**data)\n        db.add(row)\n        db.commit()\n        return row\n";
        let at = |s: &str, needle: &str| s.find(needle).unwrap();
        let body = at(service, "        row");
        let end = service.len();
        let cases: Vec<(&str, String, Vec<Edit>)> = vec![
            // What the fixes write: an import, a parameter, a stamp, a body
            // wrapped in `try` (every line of it re-indented), at once.
            (
                "the fixes of a write method",
                service.to_string(),
                vec![
                    Edit::insertion("from datetime import datetime\n", 0),
                    Edit::insertion(", user", at(service, ", data") + 6),
                    Edit::replacement(
                        "        try:\n            row = M(**data)\n            row.created_by = user.id\n            db.add(row)\n            db.commit()\n        except IntegrityError:\n            db.rollback()\n            raise\n",
                        body,
                        at(service, "        return"),
                    ),
                ],
            ),
            // Two insertions at one place, in their order, and one at the end.
            (
                "insertions at one place",
                service.to_string(),
                vec![
                    Edit::insertion("import a\n", 0),
                    Edit::insertion("import b\n", 0),
                    Edit::insertion("x = 1\n", end),
                ],
            ),
            // A deletion across lines, and a replacement on the last line.
            (
                "a deletion and a replacement",
                service.to_string(),
                vec![
                    Edit::deletion(at(service, "        db.add"), at(service, "        return")),
                    Edit::replacement("None", at(service, "row\n"), at(service, "row\n") + 3),
                ],
            ),
            // Columns are bytes: an edit after a multi-byte character, with
            // Windows line ends.
            (
                "multi-byte characters and CRLF",
                "s = 'é→😀'\r\ndef f(a):\r\n    return a\r\n".to_string(),
                vec![Edit::replacement("a, b", 23, 24), Edit::insertion("    b = 2\r\n", 28)],
            ),
            // Edits inside lines, one of them splitting its line: the nodes
            // after each on its line are taken from the old tree, moved.
            (
                "edits inside lines",
                "x = f(a) + g(c) + h(d)\ny = [p(q), r(s)]\n".to_string(),
                vec![
                    Edit::replacement("a, bb", 6, 7),
                    Edit::replacement("c,\n      e", 13, 14),
                    Edit::replacement("", 29, 30),
                ],
            ),
            // An edit that breaks the syntax: the error is where a fresh
            // parse puts it.
            (
                "an edit that breaks the syntax",
                service.to_string(),
                vec![Edit::insertion("(", body)],
            ),
        ];
        for (what, text, edits) in cases {
            let (new_text, tree) = reparsed(&text, &edits);
            if what == "multi-byte characters and CRLF" {
                assert_eq!(new_text, "s = 'é→😀'\r\ndef f(a, b):\r\n    b = 2\r\n    return a\r\n");
            }
            assert!(
                same_tree(&tree, &parse(&new_text)),
                "{what}: a re-parse differs from a fresh parse"
            );
            assert_eq!(
                syntax_error(&tree, &new_text),
                syntax_error(&parse(&new_text), &new_text),
                "{what}"
            );
        }
    }

    #[test]
    fn a_reparse_told_the_wrong_edits_is_caught_by_the_comparison() {
        use auditfix_transforms::Edit;
        let text = "def f(a):\n    return a\n\ndef g():\n    pass\n";
        let new_text = "import os\ndef f(a):\n    return a\n\ndef g():\n    pass\n";
        // The tree told of no edit: its old nodes are taken at their old
        // places, and the comparison sees it.
        let wrong = reparse_unchecked(&parse(text), text, &[], new_text);
        assert!(!same_tree(&wrong, &parse(new_text)));
        // A debug build (the test suite's) stops there.
        if cfg!(debug_assertions) {
            assert!(std::panic::catch_unwind(|| reparse(&parse(text), text, &[], new_text)).is_err());
        }
        let right = reparse(&parse(text), text, &[Edit::insertion("import os\n", 0)], new_text);
        assert!(same_tree(&right, &parse(new_text)));
        assert!(!same_tree(&parse("a = 1\n"), &parse("a = 10\n")));
    }
}
