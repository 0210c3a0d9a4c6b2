//! The callers fixture repository (tests/fixtures/callers over the shared
//! models of tests/fixtures/common): a CRUD service, a facade that drops the
//! user, routes holding the user through `Depends(get_current_user)`, tests
//! calling positionally, an aliased import and a dynamic call.
//!
//! The snapshot shows the findings of AUD001 and AUD012-AUD014, the notes
//! for what cannot be resolved, and the diff of `fix --apply --unsafe`
//! across files. The assertions pin what must hold whatever the wording:
//! no fix shifts a positional argument, every route holding the user passes
//! it afterwards, the dynamic call is left alone, and a second run is empty.

use auditfix::config::Config;
use auditfix::pipeline::Workspace;
use auditfix::printer::diff::unified_diff;
use auditfix::rules::Rule;
use std::path::PathBuf;

fn sources() -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![
        PathBuf::from("tests/fixtures/common"),
        PathBuf::from("tests/fixtures/callers"),
    ];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "py") {
                out.push((path.clone(), std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

fn config() -> Config {
    Config {
        select: ["AUD001", "AUD012", "AUD013", "AUD014"].map(String::from).to_vec(),
        settings: auditfix::settings::Settings {
            script_paths: Vec::new(),
            ..auditfix::settings::Settings::default()
        },
        ..Config::default()
    }
}

fn render(workspace: &Workspace) -> (String, Vec<(Rule, String, usize)>) {
    let result = workspace.check();
    let mut out = String::new();
    let mut found = Vec::new();
    for (file, d) in result.diagnostics() {
        out.push_str(&format!(
            "{}:{}:{}: {} [{}] {}\n",
            file.path.display(),
            d.start.line,
            d.start.column,
            d.rule.code(),
            d.fix_applicability(),
            d.message
        ));
        found.push((d.rule, file.path.display().to_string(), d.start.line));
    }
    for note in result.notes.iter().chain(&result.details) {
        out.push_str(&format!("note: {note}\n"));
    }
    (out, found)
}

#[test]
fn callers_across_the_repository() {
    let sources = sources();
    let workspace = Workspace::from_memory(sources.clone(), config());
    assert!(workspace.errors.is_empty(), "{:?}", workspace.errors);
    let (findings, found) = render(&workspace);

    // What must be found, whatever the wording.
    let has = |rule: Rule, file: &str, line: usize| {
        found
            .iter()
            .any(|(r, f, l)| *r == rule && f.ends_with(file) && *l == line)
    };
    assert!(
        has(Rule::CallerDropsUser, "routes/users.py", 15),
        "the route calling the facade:\n{findings}"
    );
    assert!(
        has(Rule::CallerDropsUser, "routes/users.py", 22),
        "the aliased import:\n{findings}"
    );
    assert!(
        has(Rule::CallerDropsUser, "routes/users.py", 78),
        "the service on both paths:\n{findings}"
    );
    assert!(
        has(Rule::CallerDropsUser, "routes/users.py", 88),
        "the user through a `CurrentUser` alias of `Annotated[..., Depends(...)]`:\n{findings}"
    );
    assert!(
        has(Rule::CallerDropsUser, "routes/users.py", 101),
        "a `Depends(...)` spread over lines:\n{findings}"
    );
    // A receiver that holds different classes on different paths, or a
    // comprehension's own variable, reaches no definition: never fixed.
    assert!(
        !has(Rule::CallerDropsUser, "routes/users.py", 61) && !has(Rule::CallerDropsUser, "routes/users.py", 68),
        "an unproven receiver was resolved:\n{findings}"
    );
    assert!(
        findings.contains("users.py:61: `target.create_user(data)` cannot be resolved"),
        "the unresolved call is a note:\n{findings}"
    );
    assert!(
        has(Rule::CallerDropsUser, "services/facade.py", 12),
        "the facade:\n{findings}"
    );
    // A package function (`app/services/__init__.py`) that forwards by
    // position: a facade once a route calls it with a user in scope, its
    // shifted argument moved to its keyword, the user forwarded.
    assert!(
        has(Rule::CallerDropsUser, "services/__init__.py", 9)
            && has(Rule::PositionalShift, "services/__init__.py", 9)
            && has(Rule::CallerDropsUser, "routes/users.py", 110),
        "the package facade:\n{findings}"
    );
    // A keyword renamed by hand is the user passed under another name:
    // AUD014 renames it, and AUD012 must not pass the user a second time.
    assert!(
        has(Rule::CallSignatureMismatch, "routes/users.py", 116) && !has(Rule::CallerDropsUser, "routes/users.py", 116),
        "the renamed keyword through a package function:\n{findings}"
    );
    assert!(
        has(Rule::PositionalShift, "tests/test_users.py", 10),
        "\"tenant-1\" into the user:\n{findings}"
    );
    assert!(
        has(Rule::CallSignatureMismatch, "tests/test_users.py", 12),
        "the renamed keyword:\n{findings}"
    );
    assert!(
        has(Rule::CallSignatureMismatch, "tests/test_users.py", 14),
        "too many positionals:\n{findings}"
    );
    assert!(
        !found
            .iter()
            .any(|(r, f, _)| *r == Rule::CallerDropsUser && f.ends_with("test_users.py")),
        "tests hold no user"
    );
    assert!(
        findings.contains("note: ") && findings.contains("getattr(crud, method)"),
        "the dynamic call is a note:\n{findings}"
    );

    let fixed = workspace.fix(true);
    let mut diff = String::new();
    // `fix` lists the files it may change; the others stay as they were.
    let mut after = sources.clone();
    for file in &fixed {
        assert!(
            file.problems.is_empty(),
            "{}: {:?}",
            file.display.display(),
            file.problems
        );
        diff.push_str(&unified_diff(&file.display, &file.original, &file.fixed, false));
        let entry = after.iter_mut().find(|(path, _)| *path == file.path).unwrap();
        entry.1 = file.fixed.clone();
        let tree = auditfix::analysis::source::parse(&file.fixed);
        assert!(
            !tree.root_node().has_error(),
            "{} does not parse after fixing",
            file.display.display()
        );
    }
    // Python's own parser rejects what tree-sitter accepts: a repeated keyword.
    let put_name = routes_fixed(&fixed);
    assert!(
        put_name.contains("rename(db, user_id, name, updated_by_user=current_user)\n"),
        "{put_name}"
    );
    // The dynamic call is never rewritten.
    let routes = fixed
        .iter()
        .find(|f| f.display.ends_with("app/routes/users.py"))
        .unwrap();
    assert!(routes.fixed.contains("return await getattr(crud, method)(\"id-1\")"));
    assert!(routes.fixed.contains("    return await target.create_user(data)\n"));
    assert!(routes
        .fixed
        .contains("[await crud.create_user(row) for crud in exporters for row in rows]"));

    // Afterwards: nothing shifts, every route passes the user, nothing is left to fix.
    let again = Workspace::from_memory(after.clone(), config());
    let (left, left_found) = render(&again);
    assert!(
        !left_found.iter().any(|(r, _, _)| matches!(
            r,
            Rule::CallerDropsUser | Rule::PositionalShift | Rule::MissingUserParameter
        )),
        "left after fixing:\n{left}"
    );
    for file in again.fix(true) {
        assert!(!file.changed(), "a second run changed {}", file.display.display());
    }
    insta::assert_snapshot!(format!(
        "{findings}\n--- after fix --apply --unsafe ---\n{left}\n--- diff ---\n{diff}"
    ));
}

/// The fixed text of the routes file.
fn routes_fixed(fixed: &[auditfix::pipeline::FixedFile]) -> String {
    fixed
        .iter()
        .find(|f| f.display.ends_with("app/routes/users.py"))
        .map(|f| f.fixed.clone())
        .unwrap_or_default()
}
