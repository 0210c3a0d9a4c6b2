//! Test helpers shared by the unit tests: parse, find nodes, apply an edit
//! and check that the result still parses. Compiled for tests only.

use crate::apply::apply_edits;
use crate::edit::Edit;
use tree_sitter::{Node, Parser, Tree};

pub(crate) fn parse(source: &str) -> Tree {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_python::LANGUAGE.into())
        .expect("python grammar loads");
    parser.parse(source, None).expect("parser returns a tree")
}

/// The `nth` node (pre-order, from 0) of kind `kind` under `root`.
pub(crate) fn nth<'t>(root: Node<'t>, kind: &str, nth: usize) -> Node<'t> {
    let mut found = Vec::new();
    collect(root, kind, &mut found);
    *found.get(nth).unwrap_or_else(|| panic!("no {kind} #{nth} in the tree"))
}

/// The first node of kind `kind` whose text starts with `prefix`.
pub(crate) fn find<'t>(root: Node<'t>, kind: &str, source: &str, prefix: &str) -> Node<'t> {
    let mut found = Vec::new();
    collect(root, kind, &mut found);
    found
        .into_iter()
        .find(|n| source[n.byte_range()].starts_with(prefix))
        .unwrap_or_else(|| panic!("no {kind} starting with {prefix:?}"))
}

fn collect<'t>(node: Node<'t>, kind: &str, out: &mut Vec<Node<'t>>) {
    if node.kind() == kind {
        out.push(node);
    }
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        collect(child, kind, out);
    }
}

/// Assert `source` parses without error.
#[track_caller]
pub(crate) fn assert_parses(source: &str) {
    let tree = parse(source);
    assert!(!tree.root_node().has_error(), "output does not parse:\n{source}");
}

/// Apply `edits` to `source`, assert the output parses, and return it.
#[track_caller]
pub(crate) fn applied(source: &str, edits: &[Edit]) -> String {
    let out = apply_edits(source, edits).expect("edits apply");
    assert_parses(&out);
    out
}
