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

/// The names the fixes rely on are resolved through imports: an alias of
/// SQLAlchemy's `func` is `func`, another library's `func` is not, and a
/// `datetime` or `timezone` bound to another library's object is not the
/// standard library's (a fix spelled with it would raise at run time).
#[test]
fn fixes_resolve_the_names_they_rely_on() {
    let path = PathBuf::from("app/services/qualified_names.py");

    // `sa_func.now()` after `from sqlalchemy import func as sa_func` is
    // SQLAlchemy's; `func.now()` of a local module named `func` is not.
    let aliased = "from sqlalchemy import func as sa_func\n\nfrom app.models import User\n\n\nclass Service:\n    def __init__(self, db):\n        self.db = db\n\n    async def update_user(self, user_id, updated_by_user=None):\n        user = await self.db.get(User, user_id)\n        if user is None:\n            raise LookupError(user_id)\n        user.updated_at = sa_func.now()\n        await self.db.flush()\n";
    let (findings, fixed) = run(Rule::ServerSideTimestampAssignment, &path, aliased);
    assert!(findings.contains("AUD005 [safe]"), "{findings}");
    assert!(fixed.contains("user.updated_at = datetime.now()"), "{fixed}");
    let other = aliased.replace(
        "from sqlalchemy import func as sa_func",
        "from app.core import logging as sa_func",
    );
    let (findings, fixed) = run(Rule::ServerSideTimestampAssignment, &path, &other);
    assert_eq!(findings, "", "another module's `now()` is no server-side timestamp");
    assert_eq!(fixed, other);

    // Aware style with `timezone` bound to pytz's function: the fix would
    // call `.utc` on a function, so there is none; the finding stays.
    let aware = Config {
        select: vec![Rule::TimestampStyle.code().to_string()],
        settings: auditfix::settings::Settings {
            script_paths: Vec::new(),
            timestamp_style: auditfix::settings::TimestampStyle::Aware,
            ..auditfix::settings::Settings::default()
        },
        ..Config::default()
    };
    let pytz = "from datetime import datetime\n\nfrom pytz import timezone\n\nfrom app.models import User\n\n\nclass Service:\n    def __init__(self, db):\n        self.db = db\n\n    async def update_user(self, user_id, updated_by_user=None):\n        user = await self.db.get(User, user_id)\n        if user is None:\n            raise LookupError(user_id)\n        user.updated_at = datetime.now()\n        await self.db.flush()\n";
    let fix_with = |text: &str| {
        let mut sources = common_sources();
        sources.push((path.clone(), text.to_string()));
        let workspace = Workspace::from_memory(sources, aware.clone());
        let rendered: Vec<String> = workspace
            .check()
            .diagnostics()
            .map(|(_, d)| format!("{} [{}]", d.rule.code(), d.fix_applicability()))
            .collect();
        let fixed = workspace.fix(true);
        let file = fixed.iter().find(|f| f.display == path).unwrap();
        (rendered, file.fixed.clone())
    };
    let (findings, fixed) = fix_with(pytz);
    assert_eq!(findings, vec!["AUD006 [none]".to_string()], "{fixed}");
    assert_eq!(fixed, pytz);

    // `import datetime as dt`: `dt.datetime.now()` is the standard
    // library's, rewritten with the same alias.
    let aliased_module = pytz
        .replace(
            "from datetime import datetime\n\nfrom pytz import timezone\n",
            "import datetime as dt\n",
        )
        .replace("datetime.now()", "dt.datetime.now()");
    let (findings, fixed) = fix_with(&aliased_module);
    assert_eq!(findings, vec!["AUD006 [safe]".to_string()], "{fixed}");
    assert!(
        fixed.contains("user.updated_at = dt.datetime.now(dt.timezone.utc)"),
        "{fixed}"
    );
}

/// Each column's own clock decides the timestamp a fix writes and the one
/// AUD006 enforces; the configured style only where a column says nothing.
#[test]
fn timestamps_follow_each_columns_clock() {
    let path = PathBuf::from("tests/fixtures/rules/column_clocks.py");
    let text = std::fs::read_to_string(&path).unwrap();
    let (findings, fixed) = run(Rule::MissingExplicitTimestamp, &path, &text);
    assert!(findings.contains("AUD004 [safe]"), "{findings}");
    for line in [
        "    incident.created_at = datetime.now(timezone.utc)\n    incident.updated_at = datetime.now(timezone.utc)\n    db.add(incident)",
        "    ticket.created_at = datetime.utcnow()\n    ticket.updated_at = datetime.utcnow()\n    db.add(ticket)",
    ] {
        assert!(fixed.contains(line), "missing {line:?} in:\n{fixed}");
    }
    assert!(!fixed.contains("= datetime.now()\n    db.add"), "{fixed}");

    let (findings, fixed) = run(Rule::TimestampStyle, &path, &text);
    assert_eq!(
        findings.lines().count(),
        1,
        "only the naive time in the aware column:\n{findings}"
    );
    assert!(
        findings.contains("`datetime.now()` in `update_note`: `updated_at` holds aware UTC time"),
        "{findings}"
    );
    assert!(
        fixed.contains("    note.updated_at = datetime.now(timezone.utc)\n"),
        "{fixed}"
    );
    assert!(
        fixed.contains("    incident.updated_at = datetime.now(timezone.utc)\n"),
        "{fixed}"
    );
    assert_python_parses("column_clocks", &fixed);
}

/// A rule that is off contributes no edit: with AUD001 ignored (by flag or
/// by a suppression on the `def` line) no fix adds the user parameter, and
/// the fixes that need it (the context line, the setter) say why they are
/// unavailable instead of bringing the parameter along.
#[test]
fn an_ignored_rule_contributes_no_edit() {
    let path = PathBuf::from("app/services/ignored.py");
    let text = "from app.models import User\n\n\nclass Service:\n    def __init__(self, db):\n        self.db = db\n\n    async def create_user(self, email):\n        user = User(email=email)\n        self.db.add(user)\n        await self.db.flush()\n        return user\n";
    let fixed_with = |config: Config, text: &str| {
        let mut sources = common_sources();
        sources.push((path.clone(), text.to_string()));
        let workspace = Workspace::from_memory(sources, config);
        let findings: Vec<String> = workspace
            .check()
            .diagnostics()
            .map(|(_, d)| format!("{} [{}] {}", d.rule.code(), d.fix_applicability(), d.message))
            .collect();
        let fixed = workspace.fix(true);
        let file = fixed.iter().find(|f| f.display == path).unwrap();
        (findings, file.fixed.clone())
    };
    let settings = auditfix::settings::Settings {
        script_paths: Vec::new(),
        ..auditfix::settings::Settings::default()
    };
    // Everything on: the parameter comes with the fixes.
    let (_, fixed) = fixed_with(
        Config {
            settings: settings.clone(),
            ..Config::default()
        },
        text,
    );
    assert!(fixed.contains("created_by_user=None"), "{fixed}");

    let ignored = Config {
        settings: settings.clone(),
        ignore: vec!["AUD001".to_string()],
        ..Config::default()
    };
    let suppressed_text = text.replace(
        "    async def create_user(self, email):",
        "    async def create_user(self, email):  # auditfix: ignore[AUD001]",
    );
    let everything = Config {
        settings,
        ..Config::default()
    };
    for (how, config, text) in [
        ("--ignore", ignored, text.to_string()),
        ("a suppression", everything, suppressed_text),
    ] {
        let (findings, fixed) = fixed_with(config, &text);
        assert!(
            !fixed.contains("created_by_user"),
            "{how}: the parameter was added:\n{fixed}"
        );
        assert!(!findings.iter().any(|f| f.starts_with("AUD001")), "{how}: {findings:?}");
        for code in ["AUD002", "AUD003"] {
            let finding = findings
                .iter()
                .find(|f| f.starts_with(code))
                .unwrap_or_else(|| panic!("{how}: no {code} in {findings:?}"));
            assert!(
                finding.starts_with(&format!("{code} [none]"))
                    && finding.contains(
                        "it needs the `created_by_user` parameter, which AUD001 adds, and AUD001 is ignored here"
                    ),
                "{how}: {finding}"
            );
        }
        assert_python_parses("ignored", &fixed);
    }
}
