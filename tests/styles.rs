//! Style fixtures for `fix`: one file per style situation
//! (tests/fixtures/styles/<name>.py), each a small non-compliant service over
//! the shared models in tests/fixtures/common, fixed with every rule and the
//! unsafe fixes.
//!
//! The snapshot shows the findings of `check` on the fixture and the diff of
//! the fix (a tab shows as `␉` and a carriage return as `␍`, so indentation
//! and line endings can be reviewed by eye). Beside the snapshot, each test
//! asserts mechanically that:
//! - the fixed text parses (tree-sitter, and Python's `ast.parse` + `compile`
//!   over the bytes that would be written);
//! - a second fix pass changes nothing, and no fixable finding is left;
//! - the file's style is kept: its line endings (no bare `\n` in a CRLF
//!   file, no `\r\n` in an LF file), its indent unit on every inserted line,
//!   its BOM (read from `FixedFile::fixed_bytes`), a missing final newline.

use auditfix::config::Config;
use auditfix::pipeline::{FixedFile, Workspace};
use auditfix::printer::diff::unified_diff;
use auditfix::settings::{Settings, TimestampStyle};
use std::path::{Path, PathBuf};

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The shared models, context and helpers every fixture imports.
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

/// What a fixture is written in: the test checks the fixture really has it
/// (so an editor or a checkout cannot silently normalize it away), then that
/// the fix keeps it.
struct Style {
    /// One level of indentation.
    indent: &'static str,
    crlf: bool,
    bom: bool,
    final_newline: bool,
}

const SPACES: Style = Style {
    indent: "    ",
    crlf: false,
    bom: false,
    final_newline: true,
};

/// Fix the fixture `text` (raw, a BOM included) among the common sources
/// with every rule and unsafe fixes.
fn fix(path: &Path, text: &str, config: &Config) -> FixedFile {
    let mut sources = common_sources();
    sources.push((path.to_path_buf(), text.to_string()));
    let workspace = Workspace::from_memory(sources, config.clone());
    assert!(
        workspace.errors.is_empty(),
        "fixture does not load: {:?}",
        workspace.errors
    );
    let fixed = workspace.fix(true);
    for other in fixed.iter().filter(|f| f.display != path) {
        assert!(!other.changed(), "{} must not change", other.display.display());
    }
    fixed.into_iter().find(|f| f.display == path).expect("fixture fixed")
}

/// The findings of `check` on the fixture, one line each.
fn findings(path: &Path, text: &str, config: &Config) -> String {
    let mut sources = common_sources();
    sources.push((path.to_path_buf(), text.to_string()));
    let result = Workspace::from_memory(sources, config.clone()).check();
    let mut out = String::new();
    for (file, d) in result.diagnostics() {
        assert_eq!(file.path, path, "only the fixture has findings: {}", d.message);
        out.push_str(&format!(
            "{}:{}: {} [{}] {}\n",
            d.start.line,
            d.start.column,
            d.rule.code(),
            d.fix_applicability(),
            d.function.as_deref().unwrap_or("-"),
        ));
    }
    out
}

/// Fix the fixture `name` and run every mechanical check; returns the
/// findings of `check` on it and the fixed file.
fn fix_and_verify(name: &str, style: &Style, config: &Config) -> (String, FixedFile) {
    let path = PathBuf::from(format!("tests/fixtures/styles/{name}.py"));
    let bytes = std::fs::read(&path).unwrap();
    let text = String::from_utf8(bytes.clone()).expect("fixtures are UTF-8");
    assert_fixture_style(name, &bytes, style);

    let found = findings(&path, &text, config);
    assert!(!found.is_empty(), "{name}: the fixture must show violations");
    let file = fix(&path, &text, config);
    assert!(file.problems.is_empty(), "{name}: fix problems: {:?}", file.problems);
    assert!(file.changed(), "{name}: the fix must change something");
    let out = file.fixed_bytes();

    // It parses, with tree-sitter and with Python itself.
    let tree = auditfix::analysis::source::parse(&file.fixed);
    assert!(
        !tree.root_node().has_error(),
        "{name}: fixed text does not parse:\n{}",
        file.fixed
    );
    assert_python_compiles(name, &out);

    // The style is kept.
    assert_style_kept(name, &bytes, &out, style);

    // A second pass changes nothing and leaves nothing fixable.
    let fixed_text = String::from_utf8(out.clone()).unwrap();
    let again = fix(&path, &fixed_text, config);
    assert!(
        again.problems.is_empty(),
        "{name}: second pass problems: {:?}",
        again.problems
    );
    assert_eq!(again.fixed_bytes(), out, "{name}: a second fix pass changed the text");
    for d in &again.remaining {
        assert!(
            d.fix.is_none(),
            "{name}: still fixable after fixing: {} {}",
            d.rule.code(),
            d.message
        );
    }
    (found, file)
}

/// The mechanical checks, then the reviewed snapshot of the findings and the diff.
fn check_style(name: &str, style: Style, config: Config) {
    let (found, file) = fix_and_verify(name, &style, &config);
    let diff = unified_diff(&file.display, &file.original, &file.fixed, false);
    insta::assert_snapshot!(
        name,
        format!("{found}\n--- fix --apply --unsafe ---\n{}", visible(&diff))
    );
}

/// The mechanical checks, then the fixed text compared with the hand-written
/// tests/fixtures/styles/expected/<name>.py: for the fixtures whose right
/// output was written by hand first, when the fix still differed from it.
fn check_expected(name: &str, style: Style, config: Config) {
    let (_, file) = fix_and_verify(name, &style, &config);
    let path = format!("tests/fixtures/styles/expected/{name}.py");
    let expected = String::from_utf8(std::fs::read(&path).unwrap()).unwrap();
    let expected = expected.strip_prefix('\u{feff}').unwrap_or(&expected);
    if file.fixed != expected {
        let diff = unified_diff(Path::new(&path), expected, &file.fixed, false);
        panic!(
            "{name}: the fix differs from {path} (- expected, + actual):\n{}",
            visible(&diff)
        );
    }
}

/// Tabs and carriage returns made visible for review.
fn visible(diff: &str) -> String {
    diff.replace('\t', "␉").replace('\r', "␍")
}

fn count_crlf(bytes: &[u8]) -> usize {
    bytes.windows(2).filter(|w| w == b"\r\n").count()
}

fn count_bare_lf(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .enumerate()
        .filter(|(i, b)| **b == b'\n' && (*i == 0 || bytes[i - 1] != b'\r'))
        .count()
}

/// The fixture is written in the style the test claims for it.
fn assert_fixture_style(name: &str, bytes: &[u8], style: &Style) {
    assert_eq!(bytes.starts_with(BOM), style.bom, "{name}: the fixture's BOM");
    if style.crlf {
        assert_eq!(count_bare_lf(bytes), 0, "{name}: the fixture must be all CRLF");
    } else {
        assert_eq!(count_crlf(bytes), 0, "{name}: the fixture must be all LF");
    }
    assert_eq!(
        bytes.ends_with(b"\n"),
        style.final_newline,
        "{name}: the fixture's final newline"
    );
    let text = std::str::from_utf8(bytes).unwrap();
    assert!(
        text.lines()
            .any(|l| l.starts_with(style.indent) && !l.starts_with(&format!("{0}{0}", style.indent))),
        "{name}: the fixture must use its indent unit {:?}",
        style.indent
    );
}

/// Line endings, indent unit, BOM and final newline of `out` are `input`'s.
fn assert_style_kept(name: &str, input: &[u8], out: &[u8], style: &Style) {
    assert_eq!(out.starts_with(BOM), input.starts_with(BOM), "{name}: BOM not kept");
    assert!(
        !out[BOM.len().min(out.len())..].starts_with(BOM),
        "{name}: a BOM was doubled"
    );
    if style.crlf {
        assert_eq!(count_bare_lf(out), 0, "{name}: a bare \\n in a CRLF file");
    } else {
        assert_eq!(count_crlf(out), 0, "{name}: a \\r\\n in an LF file");
    }
    assert_eq!(
        out.ends_with(b"\n"),
        input.ends_with(b"\n"),
        "{name}: final newline not kept"
    );

    let old = std::str::from_utf8(input).unwrap();
    let new = std::str::from_utf8(out).unwrap();
    let existing: Vec<&str> = old.lines().map(indentation).collect();
    let diff = similar::TextDiff::from_lines(old, new);
    for change in diff.iter_all_changes() {
        if change.tag() != similar::ChangeTag::Insert {
            continue;
        }
        let line = change.value().trim_end_matches(['\n', '\r']);
        if line.trim().is_empty() {
            assert!(
                line.is_empty(),
                "{name}: an inserted blank line has whitespace: {line:?}"
            );
            continue;
        }
        let indent = indentation(line);
        // Whole levels of the unit, or the indentation of an existing line
        // (a continuation line aligned as its neighbours are).
        let whole_levels = indent.len().is_multiple_of(style.indent.len())
            && indent
                .as_bytes()
                .chunks(style.indent.len())
                .all(|c| c == style.indent.as_bytes());
        assert!(
            whole_levels || existing.contains(&indent),
            "{name}: inserted line indented with {indent:?}, not in the file's unit {:?}: {line:?}",
            style.indent
        );
    }
}

fn indentation(line: &str) -> &str {
    &line[..line.len() - line.trim_start_matches([' ', '\t']).len()]
}

/// Python's own parser and compiler accept `bytes` (what would be written,
/// BOM included; `compile` also rejects an `await` in a sync function).
/// Skipped, with a reason, without python3.
fn assert_python_compiles(name: &str, bytes: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{name}.py"));
    std::fs::write(&path, bytes).unwrap();
    let script = "import ast, sys\n\
                  source = open(sys.argv[1], 'rb').read()\n\
                  ast.parse(source, sys.argv[1])\n\
                  compile(source, sys.argv[1], 'exec')\n";
    match std::process::Command::new("python3")
        .args(["-c", script])
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

/// The fixtures live under `tests/fixtures/`, which by default holds no
/// service code: their harness audits them as if they were the app's.
fn fixture_settings() -> auditfix::settings::Settings {
    auditfix::settings::Settings {
        script_paths: Vec::new(),
        ..auditfix::settings::Settings::default()
    }
}

fn fixture_config() -> Config {
    Config {
        settings: fixture_settings(),
        ..Config::default()
    }
}

fn aware() -> Config {
    Config {
        settings: Settings {
            timestamp_style: TimestampStyle::Aware,
            ..fixture_settings()
        },
        ..Config::default()
    }
}

#[test]
fn tabs() {
    let style = Style { indent: "\t", ..SPACES };
    check_style("tabs", style, fixture_config());
}

#[test]
fn two_spaces() {
    let style = Style { indent: "  ", ..SPACES };
    check_style("two_spaces", style, fixture_config());
}

#[test]
fn crlf() {
    let style = Style { crlf: true, ..SPACES };
    check_style("crlf", style, fixture_config());
}

#[test]
fn bom() {
    let style = Style { bom: true, ..SPACES };
    check_style("bom", style, fixture_config());
}

#[test]
fn no_final_newline() {
    let style = Style {
        final_newline: false,
        ..SPACES
    };
    check_style("no_final_newline", style, fixture_config());
}

#[test]
fn comments_between_statements() {
    check_style("comments_between_statements", SPACES, fixture_config());
}

#[test]
fn decorators() {
    check_style("decorators", SPACES, fixture_config());
}

#[test]
fn nested_classes() {
    check_style("nested_classes", SPACES, fixture_config());
}

#[test]
fn multiline_signatures() {
    check_style("multiline_signatures", SPACES, fixture_config());
}

#[test]
fn no_try() {
    check_style("no_try", SPACES, fixture_config());
}

#[test]
fn sync_methods() {
    check_style("sync_methods", SPACES, fixture_config());
}

#[test]
fn self_session() {
    check_style("self_session", SPACES, fixture_config());
}

#[test]
fn module_functions() {
    check_style("module_functions", SPACES, fixture_config());
}

#[test]
fn import_datetime_module() {
    check_style("import_datetime_module", SPACES, fixture_config());
}

#[test]
fn aware_timestamps() {
    check_style("aware_timestamps", SPACES, aware());
}

/// Text inserted before a statement or an `except` clause must go above the
/// comment lines that describe it, and a wrapped body takes its first
/// statement's comment into the `try`.
#[test]
fn comments_above_anchors() {
    check_expected("comments_above_anchors", SPACES, fixture_config());
}

/// `datetime` and `timezone` imported in the same pass belong in one
/// `from datetime import datetime, timezone`.
#[test]
fn aware_timestamps_new_import() {
    check_expected("aware_timestamps_new_import", SPACES, aware());
}

/// The style checks themselves catch what they claim to: a bare `\n` in a
/// CRLF file, a lost BOM, a gained final newline, a foreign indent.
#[test]
fn style_checks_catch_violations() {
    let input = b"def f():\r\n    return 1\r\n";
    let caught = |out: &'static [u8], style: &'static Style, input: &'static [u8]| {
        std::panic::catch_unwind(|| assert_style_kept("probe", input, out, style)).is_err()
    };
    static CRLF: Style = Style {
        indent: "    ",
        crlf: true,
        bom: false,
        final_newline: true,
    };
    static TABS: Style = Style {
        indent: "\t",
        crlf: false,
        bom: false,
        final_newline: true,
    };
    assert!(caught(b"def f():\r\n    x = 1\n    return 1\r\n", &CRLF, input));
    assert!(caught(
        b"def f():\r\n    return 1\r\n",
        &CRLF,
        b"\xEF\xBB\xBFdef f():\r\n    return 1\r\n"
    ));
    assert!(caught(
        b"def f():\r\n    return 1\r\n",
        &CRLF,
        b"def f():\r\n    return 1"
    ));
    assert!(caught(
        b"def f():\n\tx = 1\n    y = 2\n\treturn 1\n",
        &TABS,
        b"def f():\n\treturn 1\n"
    ));
    assert!(!caught(
        b"def f():\n\tx = 1\n\treturn 1\n",
        &TABS,
        b"def f():\n\treturn 1\n"
    ));
}
