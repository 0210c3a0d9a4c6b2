//! Add or remove an imported name at module level, where isort (and ruff's
//! `I` rules, with their default settings) would put it.
//!
//! Adding `from module import name`:
//! 1. if the module already has `from module import ...` (not a star import),
//!    add the name to it, before the first name that sorts after it (isort's
//!    order: constants, then classes, then the rest, each case-insensitively
//!    and numbers by value), keeping parentheses, a trailing comma and the
//!    multi-line layout; a one-line import that fits in the line length
//!    and would grow past it is wrapped one name per line, as ruff does;
//! 2. else a new line goes into the first block of top-level imports that
//!    comes before the first top-level `def`/`class` (an import placed
//!    later could run after module-level code, such as a class body, that
//!    uses the name): into its section ([`Section`]: future, standard
//!    library, third party, first party, relative), before the first
//!    statement of that section that sorts after it (`import x` lines
//!    first, then `from x import` lines, by module), and above the comments
//!    standing on that statement; a section the block lacks is created
//!    between its neighbours, a blank line on each side;
//! 3. with no such block, after the module docstring (a blank line between),
//!    else at the top: before the first statement, so after a shebang, an
//!    encoding line and any leading comments, followed by the blank lines
//!    ruff wants before it (two before a definition); in a module with no
//!    statement at all, at the end.
//!
//! Which section a module belongs to is the caller's knowledge of the
//! repository ([`ImportOrder`]: its own top-level packages, a configured
//! `known-first-party`), plus the standard library's names
//! ([`crate::stdlib`]).
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
use crate::layout::width;
use crate::lines::{
    above_comments, absorb_blank_line, code_children, ends_line, insert_lines_after, line_end, line_start, starts_line,
    whole_lines,
};
use crate::lists::{append, insert_before_item, remove_items, List};
use crate::style::Stylist;
use std::cmp::Ordering;
use tree_sitter::Node;

/// The sections of an import block, in isort's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    Future,
    StandardLibrary,
    ThirdParty,
    FirstParty,
    /// Relative imports (`from . import x`).
    LocalFolder,
}

/// What decides the section of an import: which top-level packages are the
/// project's own. (The line length past which an import is wrapped is the
/// [`Stylist`]'s.)
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportOrder {
    /// Top-level packages of the first-party section (the repository's own
    /// modules, a configured `known-first-party`).
    pub first_party: Vec<String>,
    /// Top-level packages forced into the third-party section.
    pub third_party: Vec<String>,
}

impl ImportOrder {
    /// The section `module` (dotted, maybe relative) belongs to.
    pub fn section(&self, module: &str) -> Section {
        if module.starts_with('.') {
            return Section::LocalFolder;
        }
        if module == "__future__" {
            return Section::Future;
        }
        let known = |list: &[String]| list.iter().any(|k| module == k || module.starts_with(&format!("{k}.")));
        if known(&self.third_party) {
            Section::ThirdParty
        } else if known(&self.first_party) {
            Section::FirstParty
        } else if crate::stdlib::is_standard_library(module) {
            Section::StandardLibrary
        } else {
            Section::ThirdParty
        }
    }
}

/// Add `from module import name` to the module whose tree root is `root`.
pub fn add_import(
    source: &str,
    root: Node<'_>,
    module: &str,
    name: &str,
    stylist: &Stylist,
    order: &ImportOrder,
) -> Option<Edit> {
    add_imports(source, root, module, &[name], stylist, order)
}

/// Add `from module import a, b` at once (one line, as a person writes it,
/// when the module has no such import yet; merged into it when it has).
/// `None` when any of the names is already imported from the module, or
/// when several names would have to be merged into an existing import.
pub fn add_imports(
    source: &str,
    root: Node<'_>,
    module: &str,
    names: &[&str],
    stylist: &Stylist,
    order: &ImportOrder,
) -> Option<Edit> {
    // Verify that the input is a module and the names are names.
    if root.kind() != "module" || !is_module_path(module) || names.is_empty() || !names.iter().all(|n| is_identifier(n))
    {
        return None;
    }
    let mut wanted: Vec<&str> = names.to_vec();
    wanted.sort_by(|a, b| member_order(a, b));
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
        return merge_name(source, statement, wanted[0], stylist);
    }
    let line = from_line(module, &wanted, stylist);
    // 2. Into the block of imports before any definition.
    let block: Vec<Node<'_>> = statements
        .iter()
        .take_while(|s| !is_definition(**s))
        .skip_while(|s| !is_import(**s))
        .take_while(|s| is_import(**s))
        .copied()
        .collect();
    if !block.is_empty() {
        return Some(into_block(source, &block, module, &line, le, order));
    }
    // 3. After the docstring, else before the first statement, else last.
    match statements.first() {
        Some(first) if is_docstring(*first) => {
            let after = match statements.get(1) {
                Some(next) if blank_lines_between(source, first.end_byte(), next.start_byte()) == 0 => {
                    blank_lines(le, if is_definition(*next) { 2 } else { 1 })
                }
                _ => String::new(),
            };
            Some(insert_lines_after(
                source,
                first.end_byte(),
                &format!("{le}{line}{after}"),
                le,
            ))
        }
        Some(first) => {
            let blank = blank_lines(le, if is_definition(*first) { 2 } else { 1 });
            Some(Edit::insertion(
                format!("{line}{blank}"),
                line_start(source, first.start_byte()),
            ))
        }
        None => Some(insert_lines_after(source, source.len(), &line, le)),
    }
}

/// `n` empty lines.
fn blank_lines(le: &str, n: usize) -> String {
    le.repeat(n)
}

/// How many empty lines stand between the line of `end` and that of `start`.
fn blank_lines_between(source: &str, end: usize, start: usize) -> usize {
    let from = line_end(source, end);
    let to = line_start(source, start);
    if to <= from {
        return 0;
    }
    source[from..to].matches('\n').count().saturating_sub(1)
}

/// `from module import a, b` and a line ending, wrapped one name per line
/// when the line would be longer than `line_length`.
fn from_line(module: &str, names: &[&str], stylist: &Stylist) -> String {
    let le = stylist.line_ending;
    let one = format!("from {module} import {}", names.join(", "));
    if width(&one) <= stylist.line_length {
        return format!("{one}{le}");
    }
    format!("{}{le}", wrapped(module, names.iter().map(|n| n.to_string()), stylist))
}

/// `from module import (` with one name per line and a trailing comma, as
/// ruff wraps an import that does not fit on one line.
fn wrapped(module: &str, names: impl IntoIterator<Item = String>, stylist: &Stylist) -> String {
    let le = stylist.line_ending;
    let unit = &stylist.indent_unit;
    let body: String = names.into_iter().map(|n| format!("{unit}{n},{le}")).collect();
    format!("from {module} import ({le}{body})")
}

/// The edit putting `line` into the import `block` where isort would.
fn into_block(source: &str, block: &[Node<'_>], module: &str, line: &str, le: &str, order: &ImportOrder) -> Edit {
    let section = order.section(module);
    let key = StatementKey::from_import(module);
    let sections: Vec<(Section, StatementKey)> = block
        .iter()
        .map(|s| {
            let m = statement_module(source, *s);
            (order.section(&m), StatementKey::of(source, *s, &m))
        })
        .collect();
    let before = |s: &Node<'_>| above_comments(source, line_start(source, s.start_byte()));
    // Where several imports land before one statement, their order must not
    // depend on the order of the fixes: the engine applies insertions at
    // one offset in the order given, and sorts an insertion before a
    // replacement starting there. So a new standard-library section goes
    // before the line ending above (it precedes everything at the line's
    // start), another new section is an insertion at the line's start, and
    // a line of the statement's own section replaces the statement's first
    // character by itself and that character (it follows both).
    // Before the first statement of the section that sorts after it.
    if let Some(i) = sections.iter().position(|(sec, k)| *sec == section && key < *k) {
        let at = before(&block[i]);
        return match source[at..].chars().next() {
            Some(c) if c != '\n' && c != '\r' => Edit::replacement(format!("{line}{c}"), at, at + c.len_utf8()),
            _ => Edit::insertion(line, at),
        };
    }
    // After the last statement of the section.
    if let Some(i) = sections.iter().rposition(|(sec, _)| *sec == section) {
        return insert_lines_after(source, block[i].end_byte(), line, le);
    }
    // A new section, before the next one, or after the last.
    if let Some(i) = sections.iter().position(|(sec, _)| *sec > section) {
        let at = before(&block[i]);
        if section <= Section::StandardLibrary && source[..at].ends_with(le) {
            return Edit::insertion(format!("{le}{line}"), at - le.len());
        }
        return Edit::insertion(format!("{line}{le}"), at);
    }
    let last = block.last().expect("a block has a statement");
    insert_lines_after(source, last.end_byte(), &format!("{le}{line}"), le)
}

/// The module an import statement names (`a.b` of `import a.b as c`, the
/// first of `import a, b`, `..m` of `from ..m import x`).
fn statement_module(source: &str, statement: Node<'_>) -> String {
    match statement.kind() {
        "future_import_statement" => "__future__".to_string(),
        "import_from_statement" => statement
            .child_by_field_name("module_name")
            .map(|m| source[m.byte_range()].replace(char::is_whitespace, ""))
            .unwrap_or_default(),
        _ => {
            let mut cursor = statement.walk();
            let first = statement.children_by_field_name("name", &mut cursor).next();
            first
                .map(|n| match n.kind() {
                    "aliased_import" => n.child_by_field_name("name").unwrap_or(n),
                    _ => n,
                })
                .map(|n| source[n.byte_range()].to_string())
                .unwrap_or_default()
        }
    }
}

/// isort's order of statements within a section: `import x` lines before
/// `from x import` lines, then by module (relative ones furthest first),
/// case-insensitively.
#[derive(Clone, Debug, PartialEq, Eq)]
struct StatementKey {
    from: bool,
    module: String,
}

impl StatementKey {
    fn from_import(module: &str) -> StatementKey {
        StatementKey {
            from: true,
            module: module.to_string(),
        }
    }

    fn of(_source: &str, statement: Node<'_>, module: &str) -> StatementKey {
        StatementKey {
            from: statement.kind() != "import_statement",
            module: module.to_string(),
        }
    }
}

impl PartialOrd for StatementKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for StatementKey {
    fn cmp(&self, other: &Self) -> Ordering {
        let dots = |m: &str| m.len() - m.trim_start_matches('.').len();
        self.from
            .cmp(&other.from)
            // `from .. import` before `from . import`.
            .then(dots(&other.module).cmp(&dots(&self.module)))
            .then_with(|| natural(&self.module.to_lowercase(), &other.module.to_lowercase()))
            .then_with(|| self.module.cmp(&other.module))
    }
}

/// isort's order of imported names (`order-by-type`): CONSTANTS, then
/// Classes, then the rest; each case-insensitively, numbers by value.
pub fn member_order(a: &str, b: &str) -> Ordering {
    fn kind(name: &str) -> u8 {
        let cased = name.chars().any(char::is_alphabetic);
        if name.chars().count() > 1 && cased && !name.chars().any(char::is_lowercase) {
            0
        } else if name.chars().next().is_some_and(char::is_uppercase) {
            1
        } else {
            2
        }
    }
    kind(a)
        .cmp(&kind(b))
        .then_with(|| natural(&a.to_lowercase(), &b.to_lowercase()))
        .then_with(|| a.cmp(b))
}

/// Natural order: runs of digits compare by value (`x2` before `x10`).
fn natural(a: &str, b: &str) -> Ordering {
    natord::compare(a, b)
}

/// The edit adding `name` to the `from` import `statement`.
fn merge_name(source: &str, statement: Node<'_>, name: &str, stylist: &Stylist) -> Option<Edit> {
    let list = name_list(statement);
    let imported = |n: &Node<'_>| {
        let node = match n.kind() {
            "aliased_import" => n.child_by_field_name("name").unwrap_or(*n),
            _ => *n,
        };
        source[node.byte_range()].to_string()
    };
    let at = list
        .items
        .iter()
        .position(|n| member_order(name, &imported(n)) == Ordering::Less);
    let multi_line = list.open.is_some() && list.items.first().is_some_and(|n| starts_line(source, n.start_byte()));
    let one_line =
        starts_line(source, statement.start_byte()) && !source[statement.byte_range()].contains('\n') && !multi_line;
    let edit = match at {
        Some(index) => insert_before_item(source, &list, index, name, stylist)?,
        None => append(source, &list, name, stylist)?,
    };
    if !one_line {
        return Some(edit);
    }
    // A one-line import that grows past the line length: one name per line.
    let line = &source[line_start(source, statement.start_byte())..line_end(source, statement.end_byte())];
    let grown = width(line) + width(edit.content());
    let comment = line[statement.end_byte() - line_start(source, statement.start_byte())..].contains('#');
    if grown <= stylist.line_length || width(line) > stylist.line_length || comment {
        return Some(edit);
    }
    let mut items: Vec<String> = list.items.iter().map(|n| source[n.byte_range()].to_string()).collect();
    items.insert(at.unwrap_or(items.len()), name.to_string());
    let module = statement.child_by_field_name("module_name")?;
    let text = wrapped(&source[module.byte_range()], items, stylist);
    Some(Edit::replacement(text, statement.start_byte(), statement.end_byte()))
}

/// Remove `name` from a top-level `from ... import` statement that imports it
/// (the whole statement, with its line, when it is the only name). `None`
/// when no such import exists or the name is imported under an alias.
pub fn remove_import_name(source: &str, root: Node<'_>, name: &str) -> Option<Edit> {
    for (statement, list) in top_level_from_imports(root) {
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

/// The names [`remove_import_name`] looks for: each name that a top-level
/// `from ... import` statement imports without an alias, once, in the order
/// of the statements.
pub fn removable_import_names<'s>(source: &'s str, root: Node<'_>) -> Vec<&'s str> {
    let mut names = Vec::new();
    for item in top_level_from_imports(root)
        .into_iter()
        .flat_map(|(_, list)| list.items)
    {
        let name = &source[item.byte_range()];
        if item.kind() == "dotted_name" && !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// The top-level `from ... import` statements of a module, each with its
/// imported names.
fn top_level_from_imports(root: Node<'_>) -> Vec<(Node<'_>, List<'_>)> {
    if root.kind() != "module" {
        return Vec::new();
    }
    code_children(root)
        .into_iter()
        .filter(|statement| statement.kind() == "import_from_statement")
        .map(|statement| (statement, name_list(statement)))
        .collect()
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
        add_import(
            src,
            tree.root_node(),
            module,
            name,
            &Stylist::detect(src),
            &ImportOrder::default(),
        )
        .map(|e| applied(src, &[e]))
    }

    fn remove(src: &str, name: &str) -> Option<String> {
        let tree = parse(src);
        remove_import_name(src, tree.root_node(), name).map(|e| applied(src, &[e]))
    }

    #[test]
    fn merges_into_existing_import() {
        assert_eq!(
            add("from datetime import timezone\n\nx = 1\n", "datetime", "datetime").unwrap(),
            "from datetime import datetime, timezone\n\nx = 1\n"
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
            "from ..models import Audit, User\n"
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
            "import os\nfrom datetime import datetime\nfrom a import b\n\nX = 1\n\ndef f():\n    import late\n\nimport later\n"
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
        assert_eq!(add("import os", "m", "a").unwrap(), "import os\n\nfrom m import a");
    }

    #[test]
    fn imports_under_type_checking_do_not_count() {
        let src = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from m import a\n";
        assert_eq!(
            add(src, "m", "a").unwrap(),
            "from typing import TYPE_CHECKING\n\nfrom m import a\nif TYPE_CHECKING:\n    from m import a\n"
        );
    }

    #[test]
    fn after_docstring_and_future_import() {
        let src = "\"\"\"Module.\n\nMore.\n\"\"\"\nfrom __future__ import annotations\n\nclass A:\n    pass\n";
        assert_eq!(
            add(src, "m", "a").unwrap(),
            "\"\"\"Module.\n\nMore.\n\"\"\"\nfrom __future__ import annotations\n\nfrom m import a\n\nclass A:\n    pass\n"
        );
        let src = "#!/usr/bin/env python\n'''Doc.'''\n\ndef f():\n    pass\n";
        assert_eq!(
            add(src, "m", "a").unwrap(),
            "#!/usr/bin/env python\n'''Doc.'''\n\nfrom m import a\n\ndef f():\n    pass\n"
        );
    }

    #[test]
    fn at_top_after_leading_comments() {
        let src = "#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n# License.\n\n@dec\nclass A:\n    pass\n";
        assert_eq!(
            add(src, "m", "a").unwrap(),
            "#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n# License.\n\nfrom m import a\n\n\n@dec\nclass A:\n    pass\n"
        );
    }

    #[test]
    fn imports_after_the_first_definition_do_not_count() {
        let src = "def f():\n    pass\nimport os\n";
        assert_eq!(
            add(src, "m", "a").unwrap(),
            "from m import a\n\n\ndef f():\n    pass\nimport os\n"
        );
    }

    #[test]
    fn empty_and_comment_only_modules() {
        assert_eq!(add("", "m", "a").unwrap(), "from m import a\n");
        assert_eq!(add("# c\n", "m", "a").unwrap(), "# c\nfrom m import a\n");
        assert_eq!(add("# c", "m", "a").unwrap(), "# c\nfrom m import a");
    }

    fn add_in(src: &str, module: &str, name: &str, first_party: &[&str]) -> String {
        let tree = parse(src);
        let order = ImportOrder {
            first_party: first_party.iter().map(|p| p.to_string()).collect(),
            third_party: Vec::new(),
        };
        let edit = add_import(src, tree.root_node(), module, name, &Stylist::detect(src), &order).unwrap();
        applied(src, &[edit])
    }

    /// An isort-clean block of the three sections the standard imports into.
    const BLOCK: &str = "import logging\nfrom typing import Optional\n\nfrom fastapi import Depends\nfrom sqlalchemy import select\n\nfrom app.core import db\nfrom app.models import User\n\n\nclass S:\n    pass\n";

    #[test]
    fn a_new_line_goes_into_its_section_in_order() {
        assert_eq!(
            add_in(BLOCK, "datetime", "datetime", &["app"]),
            BLOCK.replace("import logging\n", "import logging\nfrom datetime import datetime\n")
        );
        assert_eq!(
            add_in(BLOCK, "sqlalchemy.exc", "IntegrityError", &["app"]),
            BLOCK.replace(
                "from sqlalchemy import select\n",
                "from sqlalchemy import select\nfrom sqlalchemy.exc import IntegrityError\n"
            )
        );
        assert_eq!(
            add_in(BLOCK, "app.audit", "AuditContext", &["app"]),
            BLOCK.replace("from app.core", "from app.audit import AuditContext\nfrom app.core")
        );
        // Not known as first party: a third-party module.
        assert_eq!(
            add_in(BLOCK, "myapp.audit", "AuditContext", &["app"]),
            BLOCK.replace(
                "from sqlalchemy import select\n",
                "from myapp.audit import AuditContext\nfrom sqlalchemy import select\n"
            )
        );
    }

    #[test]
    fn a_missing_section_is_made_between_its_neighbours() {
        let src = "from fastapi import Depends\n\nfrom app.models import User\n\nx = 1\n";
        assert_eq!(
            add_in(src, "datetime", "datetime", &["app"]),
            format!("from datetime import datetime\n\n{src}")
        );
        assert_eq!(
            add_in(src, "sqlalchemy.exc", "IntegrityError", &["app"]),
            src.replace("Depends\n", "Depends\nfrom sqlalchemy.exc import IntegrityError\n")
        );
        let src = "import os\n\nfrom fastapi import Depends\n\n\ndef f():\n    pass\n";
        assert_eq!(
            add_in(src, "app.audit", "AuditContext", &["app"]),
            src.replace("Depends\n", "Depends\n\nfrom app.audit import AuditContext\n")
        );
        // Above the comments standing on the statement it precedes.
        let src = "import os\n\n# the app\nfrom app.models import User\n";
        assert_eq!(
            add_in(src, "sqlalchemy.exc", "IntegrityError", &["app"]),
            "import os\n\nfrom sqlalchemy.exc import IntegrityError\n\n# the app\nfrom app.models import User\n"
        );
    }

    #[test]
    fn imports_landing_before_one_statement_keep_isort_order_whatever_the_fix_order() {
        let src = "\"\"\"Doc.\"\"\"\nfrom app.models import User\n\n\nclass S:\n    pass\n";
        let tree = parse(src);
        let order = ImportOrder {
            first_party: vec!["app".to_string()],
            third_party: Vec::new(),
        };
        let stylist = Stylist::detect(src);
        let edit =
            |module: &str, name: &str| add_import(src, tree.root_node(), module, name, &stylist, &order).unwrap();
        let edits = [
            edit("app.audit", "AuditContext"),
            edit("sqlalchemy.exc", "IntegrityError"),
            edit("datetime", "datetime"),
        ];
        let expected = "\"\"\"Doc.\"\"\"\nfrom datetime import datetime\n\nfrom sqlalchemy.exc import IntegrityError\n\nfrom app.audit import AuditContext\nfrom app.models import User\n\n\nclass S:\n    pass\n";
        for order in [[0, 1, 2], [2, 1, 0], [1, 0, 2], [2, 0, 1]] {
            let given: Vec<Edit> = order.iter().map(|i| edits[*i].clone()).collect();
            assert_eq!(applied(src, &given), expected, "{order:?}");
        }
    }

    #[test]
    fn names_merge_in_isort_order_and_wrap_past_the_line_length() {
        assert_eq!(
            add("from sqlalchemy import Column, func\n", "sqlalchemy", "DateTime").unwrap(),
            "from sqlalchemy import Column, DateTime, func\n"
        );
        assert_eq!(
            add("from m import CONST, b\n", "m", "A").unwrap(),
            "from m import CONST, A, b\n"
        );
        assert_eq!(
            add("from m import (\n    a,\n    c,\n)\n", "m", "b").unwrap(),
            "from m import (\n    a,\n    b,\n    c,\n)\n"
        );
        let long = "from app.features.core.audit_mixin import AuditMixin, audit_columns, stamp_created\n";
        assert_eq!(
            add(long, "app.features.core.audit_mixin", "AuditContext").unwrap(),
            "from app.features.core.audit_mixin import (\n    AuditContext,\n    AuditMixin,\n    audit_columns,\n    stamp_created,\n)\n"
        );
    }

    #[test]
    fn declines_invalid_names() {
        assert_eq!(add("x = 1\n", "m", "a b"), None);
        assert_eq!(add("x = 1\n", "m..n", "a"), None);
        assert_eq!(add("x = 1\n", "", "a"), None);
        assert_eq!(add("x = 1\n", ".", "a").unwrap(), "from . import a\n\nx = 1\n");
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
            &ImportOrder::default(),
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
            &Stylist::detect(src),
            &ImportOrder::default(),
        )
        .is_none());
    }

    #[test]
    fn the_removable_names_are_those_remove_import_name_removes() {
        let source = "from __future__ import annotations\nfrom a import b, c as d, e\nimport f\n\
                      from g import (\n    h,  # why\n    b,\n)\nif x:\n    from i import j\n";
        let tree = parse(source);
        let names = removable_import_names(source, tree.root_node());
        assert_eq!(names, ["b", "e", "h"]);
        for name in ["annotations", "b", "c", "d", "e", "f", "h", "j", "x"] {
            assert_eq!(
                remove_import_name(source, tree.root_node(), name).is_some(),
                names.contains(&name),
                "{name}"
            );
        }
    }
}
