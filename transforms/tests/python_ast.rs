//! The transforms' outputs checked by Python's own parser, which knows rules
//! tree-sitter does not enforce (a bare `except:` must be last, no
//! `except`/`except*` mix, a parameter without default after one with).
//! Skipped, with a message, when `python3` is not installed.

mod common;

use auditfix_transforms::add_except_clause::{add_except_clause, move_clause_before};
use auditfix_transforms::add_import::{add_import, remove_import_name};
use auditfix_transforms::add_parameter::add_parameter;
use auditfix_transforms::arguments::{add_keyword_argument, remove_arguments};
use auditfix_transforms::delete_statements::delete_statements;
use auditfix_transforms::insert_statements::{insert_after, insert_at_block_start, insert_before};
use auditfix_transforms::snippets::{render, INTEGRITY_HANDLER, SETTER_GUARDED, TIMESTAMP};
use auditfix_transforms::wrap_in_try::wrap_in_try;
use auditfix_transforms::{apply_edits, Edit, Stylist};
use common::{find, parse, service_module, Shape};
use std::process::Command;

/// Every transform applied once to `text`, each output on its own.
fn outputs(text: &str) -> Vec<(String, String)> {
    let stylist = Stylist::detect(text);
    let tree = parse(text);
    let root = tree.root_node();
    let timestamp = render(
        TIMESTAMP,
        &[("entity", "user"), ("field", "created_at"), ("now", "datetime.now()")],
    );
    let setter = render(
        SETTER_GUARDED,
        &[("ctx", "ctx"), ("entity", "user"), ("setter", "set_created_by")],
    );
    let handler = render(
        INTEGRITY_HANDLER,
        &[
            ("integrity_error", "IntegrityError"),
            ("await", "await "),
            ("session", "db"),
            ("log", ""),
        ],
    );
    let commit = find(root, "expression_statement", text, "await db.commit()");
    let first = find(root, "expression_statement", text, "user = User");
    let returns = find(root, "return_statement", text, "return user");
    let method = find(root, "function_definition", text, "async def create");
    let body = method.child_by_field_name("body").unwrap();
    let try_statement = find(root, "try_statement", text, "try:");
    let except = find(root, "except_clause", text, "except SQLAlchemyError");
    let call = find(root, "argument_list", text, "(user)");
    let add_user = find(root, "expression_statement", text, "db.add(user)");

    let mut edits: Vec<(&str, Option<Vec<Edit>>)> = vec![
        (
            "insert_before",
            insert_before(text, commit, &timestamp, &stylist).map(|e| vec![e]),
        ),
        (
            "insert_after",
            insert_after(text, returns, &setter, &stylist).map(|e| vec![e]),
        ),
        (
            "block_start",
            insert_at_block_start(text, body, &setter, &stylist).map(|e| vec![e]),
        ),
        (
            "add_parameter",
            add_parameter(text, method, "created_by_user=None", &stylist).map(|e| vec![e]),
        ),
        (
            "add_except",
            add_except_clause(text, try_statement, Some(except), &handler, &stylist).map(|e| vec![e]),
        ),
        (
            "wrap_in_try",
            wrap_in_try(text, first, returns, &handler, &stylist).map(|e| vec![e]),
        ),
        (
            "add_import",
            add_import(text, root, "datetime", "datetime", &stylist, &Default::default()).map(|e| vec![e]),
        ),
        (
            "merge_import",
            add_import(
                text,
                root,
                "sqlalchemy.exc",
                "IntegrityError",
                &stylist,
                &Default::default(),
            )
            .map(|e| vec![e]),
        ),
        (
            "remove_import",
            remove_import_name(text, root, "SQLAlchemyError").map(|e| vec![e]),
        ),
        (
            "add_keyword",
            add_keyword_argument(text, call, "flush=True", &stylist).map(|e| vec![e]),
        ),
        ("delete", delete_statements(text, add_user, add_user).map(|e| vec![e])),
    ];
    // Emptying the `try` body is declined.
    assert_eq!(delete_statements(text, add_user, commit), None);
    // The method has no default yet, so a required parameter may go last.
    edits.push((
        "add_required_parameter",
        add_parameter(text, method, "user: User", &stylist).map(|e| vec![e]),
    ));
    edits.push(("remove_argument", {
        let kw = find(root, "argument_list", text, "(**data)");
        let mut cursor = kw.walk();
        let args: Vec<_> = kw.named_children(&mut cursor).collect();
        remove_arguments(text, &args)
    }));
    edits
        .into_iter()
        .map(|(what, edits)| {
            let edits = edits.unwrap_or_else(|| panic!("{what} declined"));
            (what.to_string(), apply_edits(text, &edits).expect("edits apply"))
        })
        .collect()
}

/// A `try` whose clauses need reordering: Python rejects what tree-sitter
/// accepts if the move goes wrong.
fn clause_outputs() -> Vec<(String, String)> {
    let text = "try:\r\n\ta()\r\nexcept Exception:\r\n\traise\r\nexcept KeyError:\r\n\tpass";
    let tree = parse(text);
    let root = tree.root_node();
    let broad = find(root, "except_clause", text, "except Exception");
    let narrow = find(root, "except_clause", text, "except KeyError");
    let moved = move_clause_before(text, narrow, broad).expect("move");
    let bare = "try:\n  a()\nexcept:\n  raise\n";
    let tree = parse(bare);
    let t = find(tree.root_node(), "try_statement", bare, "try");
    let added = add_except_clause(bare, t, None, "except KeyError:\n    pass\n", &Stylist::detect(bare))
        .expect("add before bare except");
    // A required positional parameter after one with a default is a
    // syntax error that only Python reports: the transform declines it, but
    // a required keyword-only one is fine.
    let defaults = "def f(a, b=1):\n    pass\n";
    let tree = parse(defaults);
    let f = find(tree.root_node(), "function_definition", defaults, "def");
    assert_eq!(add_parameter(defaults, f, "user", &Stylist::detect(defaults)), None);
    let keyword_only = "def f(a, b=1, *, c):\n    pass\n";
    let tree = parse(keyword_only);
    let f = find(tree.root_node(), "function_definition", keyword_only, "def");
    let required =
        add_parameter(keyword_only, f, "user", &Stylist::detect(keyword_only)).expect("keyword-only parameter");
    vec![
        ("move_clause".into(), apply_edits(text, &moved).unwrap()),
        ("before_bare_except".into(), apply_edits(bare, &[added]).unwrap()),
        ("keyword_only".into(), apply_edits(keyword_only, &[required]).unwrap()),
    ]
}

#[test]
fn python_parses_transform_outputs() {
    let Ok(version) = Command::new("python3").arg("--version").output() else {
        println!("skipped: python3 is not installed");
        return;
    };
    if !version.status.success() {
        println!("skipped: python3 --version failed");
        return;
    }
    let mut cases = Vec::new();
    for (unit, le) in [("\t", "\r\n"), ("  ", "\n"), ("   ", "\r\n"), ("    ", "\n")] {
        let mut shape = Shape::plain(unit, le);
        shape.final_newline = unit != "  ";
        shape.multi_line_params = unit == "   ";
        shape.trailing_comma = unit == "   ";
        let text = service_module(&shape);
        for (what, out) in outputs(&text) {
            cases.push((format!("{what}_{}", unit.len()), out));
        }
    }
    cases.extend(clause_outputs());

    let dir = tempfile::tempdir().expect("temp dir");
    let mut paths = Vec::new();
    for (i, (name, text)) in cases.iter().enumerate() {
        let path = dir.path().join(format!("{i:02}_{name}.py"));
        std::fs::write(&path, text).expect("write case");
        paths.push(path);
    }
    // Python's parser, then its compiler (which alone rejects a bare
    // `except:` that is not last).
    for script in [AST_PARSE, COMPILE] {
        let run = python(script, &paths);
        assert!(
            run.status.success(),
            "python rejected an output:\n{}",
            String::from_utf8_lossy(&run.stderr)
        );
    }

    // The check can fail: Python rejects what tree-sitter lets through.
    let not_last = "try:\n    a()\nexcept:\n    pass\nexcept E:\n    pass\n";
    let default_first = "def f(a=1, b):\n    pass\n";
    for (name, text, script) in [
        ("not_last.py", not_last, COMPILE),
        ("default_first.py", default_first, AST_PARSE),
    ] {
        assert!(!parse(text).root_node().has_error(), "tree-sitter accepts {name}");
        let bad = dir.path().join(name);
        std::fs::write(&bad, text).unwrap();
        assert!(!python(script, &[bad]).status.success(), "python accepts {name}");
    }
}

const AST_PARSE: &str = "import ast,sys; [ast.parse(open(p).read()) for p in sys.argv[1:]]";
const COMPILE: &str = "import sys; [compile(open(p).read(), p, 'exec') for p in sys.argv[1:]]";

fn python(script: &str, paths: &[std::path::PathBuf]) -> std::process::Output {
    Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(paths)
        .output()
        .expect("python3 runs")
}
