//! Add or remove an imported name at module level.
//!
//! Adding `from module import name`:
//! 1. if the module already has `from module import ...` (not a star import),
//!    add the name to it (inside parentheses when it has them, keeping a
//!    trailing comma and the multi-line layout); the name goes last, the
//!    existing order is not touched;
//! 2. else insert a new line after the last top-level import statement
//!    that comes before the first top-level `def`/`class` (an import placed
//!    later could run after module-level code, such as a class body, that
//!    uses the name);
//! 3. with no such import, after the module docstring (and any
//!    `from __future__` import, which case 2 already covers), else at the top:
//!    before the first statement, so after a shebang, an encoding line and
//!    any leading comments; in a module with no statement at all, at the end.
//!
//! Returns `None` when the name is already imported from that module (or
//! that import binds the name to something else with `as name`), when
//! `module` or `name` is not a valid dotted name / identifier, or when the
//! node is not a module. Only top-level imports count: one under
//! `if TYPE_CHECKING:` or inside a function does not bind the name for the
//! whole module at run time. This transform does not decide *whether* a name
//! needs importing (callers know the bindings), nor the `import datetime` vs
//! `from datetime import datetime` question.
//!
//! Removing a name takes it out of its `from ... import` statement with its
//! comma (as [`crate::arguments::remove_argument`] does), or deletes the
//! statement's whole line when it is the only name.

use crate::edit::Edit;
use crate::insert_statements::is_docstring;
use crate::lines::{
    absorb_blank_line, code_children, ends_line, insert_lines_after, line_start, starts_line, whole_lines,
};
use crate::lists::{append, remove_items, List};
use crate::style::Stylist;
use tree_sitter::Node;

/// Add `from module import name` to the module whose tree root is `root`.
pub fn add_import(source: &str, root: Node<'_>, module: &str, name: &str, stylist: &Stylist) -> Option<Edit> {
    add_imports(source, root, module, &[name], stylist)
}

/// Add `from module import a, b` at once (one line, as a person writes it,
/// when the module has no such import yet; merged into it when it has).
/// `None` when any of the names is already imported from the module, or
/// when several names would have to be merged into an existing import.
pub fn add_imports(source: &str, root: Node<'_>, module: &str, names: &[&str], stylist: &Stylist) -> Option<Edit> {
    // Verify that the input is a module and the names are names.
    if root.kind() != "module" || !is_module_path(module) || names.is_empty() || !names.iter().all(|n| is_identifier(n))
    {
        return None;
    }
    let name = names.join(", ");
    let name = name.as_str();
    let wanted = names;
    let statements = code_children(root);
    let mut target = None;
    for statement in &statements {
        let Some(names) = from_import_names(source, *statement, module) else {
            continue;
        };
        // Verify that no name is imported from the module yet.
        if names.iter().any(|n| wanted.iter().any(|w| binds(source, *n, w))) {
            return None;
        }
        if target.is_none() && !has_wildcard(*statement) {
            target = Some(*statement);
        }
    }
    let le = stylist.line_ending;
    // 1. Into the existing import (one name at a time).
    if let Some(statement) = target {
        if wanted.len() != 1 {
            return None;
        }
        return append(source, &name_list(statement), name, stylist);
    }
    let line = format!("from {module} import {name}{le}");
    // 2. After the last import before any definition.
    let last_import = statements
        .iter()
        .take_while(|s| !is_definition(**s))
        .filter(|s| is_import(**s))
        .last();
    if let Some(import) = last_import {
        return Some(insert_lines_after(source, import.end_byte(), &line, le));
    }
    // 3. After the docstring, else before the first statement, else last.
    match statements.first() {
        Some(first) if is_docstring(*first) => Some(insert_lines_after(source, first.end_byte(), &line, le)),
        Some(first) => Some(Edit::insertion(line, line_start(source, first.start_byte()))),
        None => Some(insert_lines_after(source, source.len(), &line, le)),
    }
}

/// Remove `name` from a top-level `from ... import` statement that imports it
/// (the whole statement, with its line, when it is the only name). `None`
/// when no such import exists or the name is imported under an alias.
pub fn remove_import_name(source: &str, root: Node<'_>, name: &str) -> Option<Edit> {
    if root.kind() != "module" {
        return None;
    }
    for statement in code_children(root) {
        if statement.kind() != "import_from_statement" {
            continue;
        }
        let list = name_list(statement);
        let Some(index) = list
            .items
            .iter()
            .position(|n| n.kind() == "dotted_name" && &source[n.byte_range()] == name)
        else {
            continue;
        };
        if list.items.len() == 1 {
            // Verify that the statement has its lines to itself.
            if !starts_line(source, statement.start_byte()) || !ends_line(source, statement.end_byte()) {
                return None;
            }
            let (start, end) = whole_lines(source, statement.start_byte(), statement.end_byte());
            return Some(Edit::deletion(start, absorb_blank_line(source, start, end)));
        }
        let remove: Vec<bool> = (0..list.items.len()).map(|i| i == index).collect();
        return remove_items(source, &list, &remove)?.pop();
    }
    None
}

/// The imported names of `statement` when it is `from module import ...`.
fn from_import_names<'t>(source: &str, statement: Node<'t>, module: &str) -> Option<Vec<Node<'t>>> {
    let from_module = match statement.kind() {
        "import_from_statement" => {
            let m = statement.child_by_field_name("module_name")?;
            source[m.byte_range()].replace(char::is_whitespace, "")
        }
        "future_import_statement" => "__future__".to_string(),
        _ => return None,
    };
    (from_module == module).then(|| name_list(statement).items)
}

/// The imported names of a `from` import, bracketed when it has parentheses.
fn name_list(statement: Node<'_>) -> List<'_> {
    let mut cursor = statement.walk();
    let items = statement.children_by_field_name("name", &mut cursor).collect();
    let mut cursor = statement.walk();
    let open = statement.children(&mut cursor).find(|c| c.kind() == "(");
    List { items, open }
}

/// Whether an imported-name node binds `name`.
fn binds(source: &str, imported: Node<'_>, name: &str) -> bool {
    let bound = match imported.kind() {
        "aliased_import" => imported.child_by_field_name("alias"),
        _ => Some(imported),
    };
    bound.is_some_and(|n| &source[n.byte_range()] == name)
}

fn has_wildcard(statement: Node<'_>) -> bool {
    let mut cursor = statement.walk();
    let found = statement.children(&mut cursor).any(|c| c.kind() == "wildcard_import");
    found
}

fn is_import(statement: Node<'_>) -> bool {
    matches!(
        statement.kind(),
        "import_statement" | "import_from_statement" | "future_import_statement"
    )
}

fn is_definition(statement: Node<'_>) -> bool {
    matches!(
        statement.kind(),
        "function_definition" | "class_definition" | "decorated_definition"
    )
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c == '_' || c.is_alphabetic()) && chars.all(|c| c == '_' || c.is_alphanumeric())
}

/// `a.b`, `.a`, `..a.b` or `.`.
fn is_module_path(module: &str) -> bool {
    let dotted = module.trim_start_matches('.');
    (dotted.is_empty() && !module.is_empty()) || dotted.split('.').all(is_identifier)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{applied, parse};

    fn add(src: &str, module: &str, name: &str) -> Option<String> {
        let tree = parse(src);
        add_import(src, tree.root_node(), module, name, &Stylist::detect(src)).map(|e| applied(src, &[e]))
    }

    fn remove(src: &str, name: &str) -> Option<String> {
        let tree = parse(src);
        remove_import_name(src, tree.root_node(), name).map(|e| applied(src, &[e]))
    }

    #[test]
    fn merges_into_existing_import() {
        assert_eq!(
            add("from datetime import timezone\n\nx = 1\n", "datetime", "datetime").unwrap(),
            "from datetime import timezone, datetime\n\nx = 1\n"
        );
    }

    #[test]
    fn merges_keeping_trailing_comment() {
        assert_eq!(
            add("from m import a  # noqa\n", "m", "b").unwrap(),
            "from m import a, b  # noqa\n"
        );
    }

    #[test]
    fn merges_into_parenthesized_import() {
        assert_eq!(
            add("from m import (a, b)\n", "m", "c").unwrap(),
            "from m import (a, b, c)\n"
        );
        let src = "from app.audit import (\r\n    AuditContext,\r\n    audit,\r\n)\r\n";
        assert_eq!(
            add(src, "app.audit", "stamp").unwrap(),
            "from app.audit import (\r\n    AuditContext,\r\n    audit,\r\n    stamp,\r\n)\r\n"
        );
        let src = "from m import (\n\ta,\n\tb\n)\n";
        assert_eq!(add(src, "m", "c").unwrap(), "from m import (\n\ta,\n\tb,\n\tc\n)\n");
    }

    #[test]
    fn merges_into_relative_import() {
        assert_eq!(
            add("from ..models import User\n", "..models", "Audit").unwrap(),
            "from ..models import User, Audit\n"
        );
    }

    #[test]
    fn never_duplicates() {
        assert_eq!(add("from m import a, b\n", "m", "b"), None);
        assert_eq!(add("from m import (\n    a,\n    b,\n)\n", "m", "a"), None);
        assert_eq!(add("from m import x as b\n", "m", "b"), None);
        assert_eq!(
            add("from __future__ import annotations\n", "__future__", "annotations"),
            None
        );
    }

    #[test]
    fn aliased_name_is_not_the_name() {
        assert_eq!(
            add("from m import b as c\n", "m", "b").unwrap(),
            "from m import b as c, b\n"
        );
    }

    #[test]
    fn star_import_is_not_merged_into() {
        assert_eq!(
            add("from m import *\n", "m", "b").unwrap(),
            "from m import *\nfrom m import b\n"
        );
    }

    #[test]
    fn new_line_after_last_import_before_definitions() {
        let src = "import os\nfrom a import b\n\nX = 1\n\ndef f():\n    import late\n\nimport later\n";
        assert_eq!(
            add(src, "datetime", "datetime").unwrap(),
            "import os\nfrom a import b\nfrom datetime import datetime\n\nX = 1\n\ndef f():\n    import late\n\nimport later\n"
        );
    }

    #[test]
    fn new_line_after_multi_line_import_crlf() {
        let src = "from a import (\r\n    b,\r\n)\r\nx = 1\r\n";
        assert_eq!(
            add(src, "c", "d").unwrap(),
            "from a import (\r\n    b,\r\n)\r\nfrom c import d\r\nx = 1\r\n"
        );
    }

    #[test]
    fn only_import_is_the_last_line_without_newline() {
        assert_eq!(add("import os", "m", "a").unwrap(), "import os\nfrom m import a");
    }

    #[test]
    fn imports_under_type_checking_do_not_count() {
        let src = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from m import a\n";
        assert_eq!(
            add(src, "m", "a").unwrap(),
            "from typing import TYPE_CHECKING\nfrom m import a\nif TYPE_CHECKING:\n    from m import a\n"
        );
    }

    #[test]
    fn after_docstring_and_future_import() {
        let src = "\"\"\"Module.\n\nMore.\n\"\"\"\nfrom __future__ import annotations\n\nclass A:\n    pass\n";
        assert_eq!(
            add(src, "m", "a").unwrap(),
            "\"\"\"Module.\n\nMore.\n\"\"\"\nfrom __future__ import annotations\nfrom m import a\n\nclass A:\n    pass\n"
        );
        let src = "#!/usr/bin/env python\n'''Doc.'''\n\ndef f():\n    pass\n";
        assert_eq!(
            add(src, "m", "a").unwrap(),
            "#!/usr/bin/env python\n'''Doc.'''\nfrom m import a\n\ndef f():\n    pass\n"
        );
    }

    #[test]
    fn at_top_after_leading_comments() {
        let src = "#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n# License.\n\n@dec\nclass A:\n    pass\n";
        assert_eq!(
            add(src, "m", "a").unwrap(),
            "#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n# License.\n\nfrom m import a\n@dec\nclass A:\n    pass\n"
        );
    }

    #[test]
    fn imports_after_the_first_definition_do_not_count() {
        let src = "def f():\n    pass\nimport os\n";
        assert_eq!(
            add(src, "m", "a").unwrap(),
            "from m import a\ndef f():\n    pass\nimport os\n"
        );
    }

    #[test]
    fn empty_and_comment_only_modules() {
        assert_eq!(add("", "m", "a").unwrap(), "from m import a\n");
        assert_eq!(add("# c\n", "m", "a").unwrap(), "# c\nfrom m import a\n");
        assert_eq!(add("# c", "m", "a").unwrap(), "# c\nfrom m import a");
    }

    #[test]
    fn declines_invalid_names() {
        assert_eq!(add("x = 1\n", "m", "a b"), None);
        assert_eq!(add("x = 1\n", "m..n", "a"), None);
        assert_eq!(add("x = 1\n", "", "a"), None);
        assert_eq!(add("x = 1\n", ".", "a").unwrap(), "from . import a\nx = 1\n");
    }

    #[test]
    fn removes_one_name_of_several() {
        assert_eq!(remove("from m import a, b\n", "b").unwrap(), "from m import a\n");
        assert_eq!(remove("from m import a, b\n", "a").unwrap(), "from m import b\n");
        let src = "from m import (\n    a,\n    b,\n    c,\n)\n";
        assert_eq!(remove(src, "b").unwrap(), "from m import (\n    a,\n    c,\n)\n");
    }

    #[test]
    fn removes_the_whole_line_of_a_single_name() {
        let src = "import os\r\nfrom m import a\r\nx = 1\r\n";
        assert_eq!(remove(src, "a").unwrap(), "import os\r\nx = 1\r\n");
        assert_eq!(remove("import os\nfrom m import a", "a").unwrap(), "import os");
    }

    #[test]
    fn remove_declines_aliases_missing_names_and_shared_lines() {
        assert_eq!(remove("from m import a as b\n", "a"), None);
        assert_eq!(remove("from m import a as b\n", "b"), None);
        assert_eq!(remove("import a\n", "a"), None);
        assert_eq!(remove("from m import a; x = 1\n", "a"), None);
        assert_eq!(remove("def f():\n    from m import a\n", "a"), None);
    }

    #[test]
    fn several_names_in_one_new_line() {
        let src = "import os\n\nx = 1\n";
        let tree = parse(src);
        let edit = add_imports(
            src,
            tree.root_node(),
            "datetime",
            &["datetime", "timezone"],
            &Stylist::detect(src),
        )
        .unwrap();
        assert_eq!(
            applied(src, &[edit]),
            "import os\nfrom datetime import datetime, timezone\n\nx = 1\n"
        );
        let src = "from datetime import date\n";
        let tree = parse(src);
        assert!(add_imports(
            src,
            tree.root_node(),
            "datetime",
            &["datetime", "timezone"],
            &Stylist::detect(src)
        )
        .is_none());
    }
}
