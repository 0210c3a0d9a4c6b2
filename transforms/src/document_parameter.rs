//! Document a new parameter in a function's docstring.
//!
//! Docstrings follow signatures: when a parameter is added and the
//! docstring has a Google-style `Args:` (or `Arguments:`) section or a
//! NumPy-style `Parameters` / `----------` section, the parameter is
//! documented there, in that section's own layout:
//! 1. Google: `name: description` after the section's last entry, at the
//!    entries' indentation;
//! 2. NumPy: `name : optional` and the description one level deeper.
//!
//! Returns `None` when there is no docstring, no such section, or the
//! docstring already mentions the name.

use crate::edit::Edit;
use crate::style::Stylist;
use tree_sitter::Node;

/// Document `name` with `description` in the docstring of `function`.
pub fn document_parameter(
    source: &str,
    function: Node<'_>,
    name: &str,
    description: &str,
    stylist: &Stylist,
) -> Option<Edit> {
    let body = function.child_by_field_name("body")?;
    let first = body.named_child(0)?;
    if first.kind() != "expression_statement" {
        return None;
    }
    let string = first.named_child(0).filter(|s| s.kind() == "string")?;
    let doc = &source[string.byte_range()];
    if doc.contains(name) {
        return None;
    }
    // Line starts (absolute offsets) of the docstring's lines.
    let mut starts = vec![string.start_byte()];
    for (i, b) in doc.bytes().enumerate() {
        if b == b'\n' {
            starts.push(string.start_byte() + i + 1);
        }
    }
    let line = |i: usize| -> &str {
        let start = starts[i];
        let end = starts.get(i + 1).copied().unwrap_or(string.end_byte());
        source[start..end].trim_end_matches(['\n', '\r'])
    };
    let indent_of = |l: &str| l.len() - l.trim_start().len();
    let count = starts.len();
    let nl = stylist.line_ending;

    // 1. Google style.
    if let Some(header) = (1..count).find(|i| matches!(line(*i).trim(), "Args:" | "Arguments:")) {
        let h = indent_of(line(header));
        let mut last = None;
        let mut entry_indent = None;
        for i in header + 1..count {
            let l = line(i);
            if l.trim().is_empty() {
                continue;
            }
            if indent_of(l) <= h || l.trim_start().starts_with("\"\"\"") || l.trim_start().starts_with("'''") {
                break;
            }
            entry_indent.get_or_insert(indent_of(l));
            last = Some(i);
        }
        let (last, indent) = (last?, entry_indent?);
        let pad = leading(line(first_entry(header, count, &line)?), indent);
        let at = starts.get(last + 1).copied()?;
        return Some(Edit::insertion(format!("{pad}{name}: {description}{nl}"), at));
    }

    // 2. NumPy style.
    if let Some(header) =
        (1..count - 1).find(|i| line(*i).trim() == "Parameters" && line(i + 1).trim().starts_with("---"))
    {
        let h = indent_of(line(header));
        let mut last = None;
        let mut i = header + 2;
        while i < count {
            let l = line(i);
            if !l.trim().is_empty() {
                let next_is_rule = i + 1 < count && line(i + 1).trim().starts_with("---");
                if indent_of(l) < h
                    || next_is_rule
                    || l.trim_start().starts_with("\"\"\"")
                    || l.trim_start().starts_with("'''")
                {
                    break;
                }
                last = Some(i);
            }
            i += 1;
        }
        let last = last?;
        let pad = leading(line(header), h);
        let at = starts.get(last + 1).copied()?;
        return Some(Edit::insertion(
            format!(
                "{pad}{name} : optional{nl}{pad}{}{description}{nl}",
                stylist.indent_unit
            ),
            at,
        ));
    }
    None
}

fn first_entry<'a>(header: usize, count: usize, line: &impl Fn(usize) -> &'a str) -> Option<usize> {
    (header + 1..count).find(|i| !line(*i).trim().is_empty())
}

/// The first `width` bytes of a line's indentation.
fn leading(line: &str, width: usize) -> &str {
    &line[..width.min(line.len() - line.trim_start().len())]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(src: &str) -> Option<String> {
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&tree_sitter_python::LANGUAGE.into()).unwrap();
        let tree = parser.parse(src, None).unwrap();
        let mut cursor = tree.root_node().walk();
        let class_or_fn = tree.root_node().named_children(&mut cursor).next().unwrap();
        let function = if class_or_fn.kind() == "function_definition" {
            class_or_fn
        } else {
            unreachable!()
        };
        let stylist = Stylist::detect(src);
        let edit = document_parameter(src, function, "created_by_user", "The acting user.", &stylist)?;
        let out = crate::apply::apply_edits(src, &[edit]).unwrap();
        assert!(!parser.parse(&out, None).unwrap().root_node().has_error());
        Some(out)
    }

    #[test]
    fn google_args_get_a_new_entry_after_the_last() {
        let src = "def f(a, b):\n    \"\"\"Do.\n\n    Args:\n        a: first.\n        b: second,\n            continued.\n\n    Returns:\n        x\n    \"\"\"\n";
        assert_eq!(
            run(src).unwrap(),
            "def f(a, b):\n    \"\"\"Do.\n\n    Args:\n        a: first.\n        b: second,\n            continued.\n        created_by_user: The acting user.\n\n    Returns:\n        x\n    \"\"\"\n"
        );
    }

    #[test]
    fn google_args_at_the_end_of_the_docstring_crlf() {
        let src = "def f(a):\r\n    \"\"\"Do.\r\n\r\n    Args:\r\n        a: first.\r\n    \"\"\"\r\n";
        assert_eq!(
            run(src).unwrap(),
            "def f(a):\r\n    \"\"\"Do.\r\n\r\n    Args:\r\n        a: first.\r\n        created_by_user: The acting user.\r\n    \"\"\"\r\n"
        );
    }

    #[test]
    fn numpy_parameters_get_name_type_and_description() {
        let src = "def f(a):\n    \"\"\"Do.\n\n    Parameters\n    ----------\n    a : int\n        first.\n\n    Returns\n    -------\n    int\n    \"\"\"\n";
        assert_eq!(
            run(src).unwrap(),
            "def f(a):\n    \"\"\"Do.\n\n    Parameters\n    ----------\n    a : int\n        first.\n    created_by_user : optional\n        The acting user.\n\n    Returns\n    -------\n    int\n    \"\"\"\n"
        );
    }

    #[test]
    fn declines_without_a_section_or_when_documented() {
        assert_eq!(run("def f(a):\n    \"\"\"Do.\"\"\"\n"), None);
        assert_eq!(run("def f(a):\n    pass\n"), None);
        assert_eq!(
            run("def f(a):\n    \"\"\"Do.\n\n    Args:\n        created_by_user: x\n    \"\"\"\n"),
            None
        );
    }
}
