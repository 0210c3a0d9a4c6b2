//! Helpers shared by the integration tests: parse Python, find nodes, and
//! generate a small service module in a given style.

#![allow(dead_code)]

use tree_sitter::{Node, Parser, Tree};

pub fn parse(source: &str) -> Tree {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_python::LANGUAGE.into())
        .expect("python grammar loads");
    parser.parse(source, None).expect("parser returns a tree")
}

/// The first node of kind `kind` whose text starts with `prefix`.
pub fn find<'t>(root: Node<'t>, kind: &str, source: &str, prefix: &str) -> Node<'t> {
    fn walk<'t>(node: Node<'t>, kind: &str, source: &str, prefix: &str) -> Option<Node<'t>> {
        if node.kind() == kind && source[node.byte_range()].starts_with(prefix) {
            return Some(node);
        }
        let mut cursor = node.walk();
        let children: Vec<_> = node.children(&mut cursor).collect();
        children.into_iter().find_map(|c| walk(c, kind, source, prefix))
    }
    walk(root, kind, source, prefix).unwrap_or_else(|| panic!("no {kind} starting with {prefix:?}"))
}

/// How the generated module is spelled.
#[derive(Clone, Debug)]
pub struct Shape {
    pub unit: String,
    pub line_ending: &'static str,
    pub bom: bool,
    pub final_newline: bool,
    pub docstrings: bool,
    pub multi_line_params: bool,
    pub trailing_comma: bool,
    pub comment: bool,
    pub decorator: bool,
    /// A comment line closing the method body (the method's node then ends
    /// with it, and with its `\r` in a CRLF file).
    pub closing_comment: bool,
}

impl Shape {
    pub fn plain(unit: &str, line_ending: &'static str) -> Shape {
        Shape {
            unit: unit.to_string(),
            line_ending,
            bom: false,
            final_newline: true,
            docstrings: true,
            multi_line_params: false,
            trailing_comma: false,
            comment: true,
            decorator: true,
            closing_comment: false,
        }
    }
}

/// A module with a class whose async method holds a `try`/`except`, spelled
/// as `shape` says (BOM included when asked).
pub fn service_module(shape: &Shape) -> String {
    let mut lines: Vec<(usize, &str)> = Vec::new();
    if shape.docstrings {
        lines.push((0, "\"\"\"User service.\"\"\""));
    }
    lines.push((0, "from sqlalchemy.exc import SQLAlchemyError"));
    lines.push((0, "import logging"));
    lines.push((0, ""));
    lines.push((0, ""));
    lines.push((0, "class UserService:"));
    if shape.docstrings {
        lines.push((1, "\"\"\"Users.\"\"\""));
        lines.push((0, ""));
    }
    if shape.decorator {
        lines.push((1, "@traced"));
    }
    if shape.multi_line_params {
        lines.push((1, "async def create("));
        lines.push((2, "self,"));
        lines.push((2, "db,"));
        lines.push((2, if shape.trailing_comma { "data," } else { "data" }));
        lines.push((1, "):"));
    } else if shape.trailing_comma {
        lines.push((1, "async def create(self, db, data,):"));
    } else {
        lines.push((1, "async def create(self, db, data):"));
    }
    lines.push((2, "user = User(**data)"));
    if shape.comment {
        lines.push((2, "# persist it"));
    }
    lines.push((2, "try:"));
    lines.push((3, "db.add(user)"));
    lines.push((3, "await db.commit()  # write"));
    lines.push((2, "except SQLAlchemyError:"));
    lines.push((3, "await db.rollback()"));
    lines.push((3, "raise"));
    lines.push((2, "return user"));
    if shape.closing_comment {
        lines.push((2, "# end of create"));
    }
    let body: Vec<String> = lines
        .iter()
        .map(|(level, text)| {
            if text.is_empty() {
                String::new()
            } else {
                format!("{}{text}", shape.unit.repeat(*level))
            }
        })
        .collect();
    let mut out = String::new();
    if shape.bom {
        out.push('\u{feff}');
    }
    out.push_str(&body.join(shape.line_ending));
    if shape.final_newline {
        out.push_str(shape.line_ending);
    }
    out
}
