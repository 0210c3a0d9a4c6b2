//! One fixture per rule (tests/fixtures/rules/<rule_file>.py), checked with
//! only that rule selected, over the shared models in tests/fixtures/common.
//!
//! The snapshot shows each finding (with its fix applicability) and the
//! diff of `fix --apply --unsafe`. The harness also asserts that a second
//! fix pass changes nothing, that `check` afterwards finds nothing fixable
//! for the rule, and that the fixed text parses (tree-sitter here, Python's
//! own parser).

use auditfix::config::Config;
use auditfix::pipeline::Workspace;
use auditfix::printer::diff::unified_diff;
use auditfix::rules::Rule;
use std::path::{Path, PathBuf};

fn common_sources() -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::from("tests/fixtures/common")];
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
    out
}

fn config_for(rule: Rule) -> Config {
    Config {
        select: vec![rule.code().to_string()],
        settings: auditfix::settings::Settings {
            script_paths: Vec::new(),
            ..auditfix::settings::Settings::default()
        },
        ..Config::default()
    }
}

/// Fix `path` with `text` among the common sources; returns (findings
/// rendered, fixed text).
fn run(rule: Rule, path: &Path, text: &str) -> (String, String) {
    let mut sources = common_sources();
    sources.push((path.to_path_buf(), text.to_string()));
    let workspace = Workspace::from_memory(sources, config_for(rule));
    assert!(
        workspace.errors.is_empty(),
        "fixture does not parse: {:?}",
        workspace.errors
    );
    let result = workspace.check();
    let mut findings = String::new();
    for (file, d) in result.diagnostics() {
        assert_eq!(d.rule, rule, "only the selected rule reports");
        findings.push_str(&format!(
            "{}:{}:{}: {} [{}] {}\n",
            file.path.display(),
            d.start.line,
            d.start.column,
            d.rule.code(),
            d.fix_applicability(),
            d.message
        ));
    }
    let fixed = workspace.fix(true);
    for other in fixed.iter().filter(|f| f.display != path) {
        assert!(!other.changed(), "{} must not change", other.display.display());
    }
    let file = fixed.iter().find(|f| f.display == path).expect("fixture fixed");
    assert!(file.problems.is_empty(), "fix problems: {:?}", file.problems);
    (findings, file.fixed.clone())
}

fn check_rule(rule: Rule, file: &str) {
    let path = PathBuf::from(format!("tests/fixtures/rules/{file}.py"));
    let text = std::fs::read_to_string(&path).unwrap();
    let (findings, fixed) = run(rule, &path, &text);
    assert!(!findings.is_empty(), "the fixture must show violations");

    // The fixed text parses, and a second pass changes nothing.
    let tree = auditfix::analysis::source::parse(&fixed);
    assert!(!tree.root_node().has_error(), "fixed text does not parse:\n{fixed}");
    let (after, again) = run(rule, &path, &fixed);
    assert_eq!(again, fixed, "a second fix pass changed the text");
    for line in after.lines() {
        assert!(line.contains("[none]"), "still fixable after fixing: {line}");
    }

    assert_python_parses(file, &fixed);
    let diff = unified_diff(&path, &text, &fixed, false);
    insta::assert_snapshot!(file, format!("{findings}\n--- fix --apply --unsafe ---\n{diff}"));
}

/// Python's own parser accepts `text` (skipped, with a reason, without python3).
fn assert_python_parses(name: &str, text: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{name}.py"));
    std::fs::write(&path, text).unwrap();
    match std::process::Command::new("python3")
        .args([
            "-c",
            "import ast, sys; ast.parse(open(sys.argv[1], encoding='utf-8').read())",
        ])
        .arg(&path)
        .output()
    {
        Ok(out) => assert!(
            out.status.success(),
            "Python rejects the fixed {name}:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(err) => eprintln!("python3 not available ({err}); skipping Python's parser for {name}"),
    }
}

macro_rules! rule_tests {
    ($($name:ident => $rule:expr;)*) => {
        $( #[test] fn $name() { check_rule($rule, stringify!($name)); } )*
    };
}

rule_tests! {
    missing_user_parameter => Rule::MissingUserParameter;
    missing_audit_context => Rule::MissingAuditContext;
    missing_audit_setter => Rule::MissingAuditSetter;
    missing_explicit_timestamp => Rule::MissingExplicitTimestamp;
    server_side_timestamp_assignment => Rule::ServerSideTimestampAssignment;
    timestamp_style => Rule::TimestampStyle;
    missing_integrity_error_handler => Rule::MissingIntegrityErrorHandler;
    incomplete_integrity_error_handler => Rule::IncompleteIntegrityErrorHandler;
    unbound_audit_name => Rule::UnboundAuditName;
    manual_audit_fields => Rule::ManualAuditFields;
    model_without_audit_mixin => Rule::ModelWithoutAuditMixin;
    unmapped_audit_attribute => Rule::UnmappedAuditAttribute;
}
