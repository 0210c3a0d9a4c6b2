//! Real-world idioms (tests/fixtures/idioms/<stem>.py), each analysed as
//! `app/services/<stem>.py` over the shared models in tests/fixtures/common.
//!
//! Every fixture states, in `# expect: ` comment lines, the write methods
//! the analysis must find, in source order, exactly as
//! [`auditfix::checker::describe_file`] renders them (`# expect: nothing`
//! when there is none). The first test compares them for every fixture and
//! fails once, with every mismatch; the second applies every fix (unsafe
//! ones too) and checks that the result still parses and that a fixture
//! with nothing to fix is left as it was.

use auditfix::config::Config;
use auditfix::pipeline::Workspace;
use std::path::{Path, PathBuf};

const FIXTURES: &str = "tests/fixtures/idioms";
const COMMON: &str = "tests/fixtures/common";
const MIN_FIXTURES: usize = 60;
const EXPECT: &str = "# expect: ";

struct Fixture {
    stem: String,
    /// The path the fixture is analysed as.
    path: PathBuf,
    text: String,
    /// The expected lines; empty for `# expect: nothing`.
    expected: Vec<String>,
}

fn common_sources() -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::from(COMMON)];
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

/// The `# expect: ` lines of `text`, or an error saying what is wrong
/// with them.
fn expectations(text: &str) -> Result<Vec<String>, String> {
    let lines: Vec<String> = text
        .lines()
        .filter_map(|line| line.strip_prefix(EXPECT))
        .map(|line| line.trim_end().to_string())
        .collect();
    match lines.as_slice() {
        [] => Err(format!("no `{EXPECT}` line")),
        [only] if only == "nothing" => Ok(Vec::new()),
        _ if lines.iter().any(|l| l == "nothing") => Err("`# expect: nothing` beside other expectations".to_string()),
        _ => Ok(lines),
    }
}

/// Every fixture, sorted by name; panics on a fixture without a valid
/// expectation, or when there are fewer than [`MIN_FIXTURES`].
fn fixtures() -> Vec<Fixture> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(FIXTURES)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .collect();
    paths.sort();
    let mut out = Vec::new();
    let mut invalid = Vec::new();
    for file in paths {
        let stem = file.file_stem().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(&file).unwrap();
        match expectations(&text) {
            Ok(expected) => out.push(Fixture {
                path: PathBuf::from(format!("app/services/{stem}.py")),
                stem,
                text,
                expected,
            }),
            Err(why) => invalid.push(format!("{}: {why}", file.display())),
        }
    }
    assert!(
        invalid.is_empty(),
        "fixtures without a valid expectation:\n{}",
        invalid.join("\n")
    );
    assert!(
        out.len() >= MIN_FIXTURES,
        "{} idiom fixtures, at least {MIN_FIXTURES} expected",
        out.len()
    );
    out
}

fn workspace(fixture: &Fixture) -> Workspace {
    let mut sources = common_sources();
    sources.push((fixture.path.clone(), fixture.text.clone()));
    Workspace::from_memory(sources, Config::default())
}

/// The lines `describe` gives for `path`; `Err` when the file was not
/// loaded (it does not parse).
fn described(workspace: &Workspace, path: &Path) -> Result<Vec<String>, String> {
    if let Some(error) = workspace.errors.iter().find(|e| e.path == path) {
        return Err(format!("not loaded: {}", error.message));
    }
    Ok(workspace
        .describe()
        .into_iter()
        .find(|(p, _)| p == path)
        .map(|(_, lines)| lines)
        .unwrap_or_default())
}

/// `line` without its session kind (`session=db(sync)` -> `session=db`),
/// to tell a mismatch of session kind only from one of entities.
fn without_session_kind(line: &str) -> String {
    line.split(' ')
        .map(|word| match word.strip_prefix("session=") {
            Some(session) => format!("session={}", session.split('(').next().unwrap_or(session)),
            None => word.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The fixture's `# gap: <why>` line: the analysis does not reach its
/// expectation yet (see [`covered`]).
fn fixture_gap(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines().find_map(|l| l.strip_prefix("# gap: ")).map(str::to_string)
}

/// Whether the described line `actual` says no more than `expected`: the
/// same function and kind, the same session kind or `unknown`, and a
/// subset of its entities.
fn covered(actual: &str, expected: &str) -> bool {
    let a: Vec<&str> = actual.split(' ').collect();
    let e: Vec<&str> = expected.split(' ').collect();
    if a.len() < 3 || e.len() < 3 || a[0] != e[0] || a[1] != e[1] {
        return false;
    }
    let session = |w: &str| w.split('(').next().unwrap_or(w).to_string();
    let same_session = a[2] == e[2] || (session(a[2]) == session(e[2]) && a[2].ends_with("(unknown)"));
    same_session && a[3..].iter().all(|x| *x == "-" || e[3..].contains(x))
}

fn render(lines: &[String]) -> String {
    if lines.is_empty() {
        "        nothing\n".to_string()
    } else {
        lines.iter().map(|l| format!("        {l}\n")).collect()
    }
}

#[test]
fn every_idiom_is_described_as_expected() {
    let fixtures = fixtures();
    let mut mismatches = Vec::new();
    let mut kind_only = 0;
    for fixture in &fixtures {
        let actual = match described(&workspace(fixture), &fixture.path) {
            Ok(actual) => actual,
            Err(why) => {
                mismatches.push(format!("{}: {why}\n", fixture.stem));
                continue;
            }
        };
        let gap = fixture_gap(&Path::new("tests/fixtures/idioms").join(format!("{}.py", fixture.stem)));
        if actual == fixture.expected {
            if let Some(gap) = gap {
                mismatches.push(format!(
                    "{}: described as expected, so its `# gap: {gap}` line must go\n",
                    fixture.stem
                ));
            }
            continue;
        }
        // A known gap: the analysis may find less than the fixture expects
        // (a missed fix), never more or other (a wrong one).
        if gap.is_some() && actual.iter().all(|a| fixture.expected.iter().any(|e| covered(a, e))) {
            continue;
        }
        let strip = |lines: &[String]| lines.iter().map(|l| without_session_kind(l)).collect::<Vec<_>>();
        let note = if strip(&actual) == strip(&fixture.expected) {
            kind_only += 1;
            " (session kind only)"
        } else {
            ""
        };
        mismatches.push(format!(
            "{}{note}\n    expected:\n{}    actual:\n{}",
            fixture.stem,
            render(&fixture.expected),
            render(&actual)
        ));
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} idiom fixtures differ ({kind_only} in session kind only):\n\n{}",
        mismatches.len(),
        fixtures.len(),
        mismatches.join("\n")
    );
}

#[test]
fn fixing_every_idiom_keeps_it_parsing_and_leaves_nothing_alone() {
    let fixtures = fixtures();
    let mut problems = Vec::new();
    for fixture in &fixtures {
        let workspace = workspace(fixture);
        if let Some(error) = workspace.errors.first() {
            problems.push(format!("{}: not loaded: {}", fixture.stem, error.message));
            continue;
        }
        for file in workspace.fix(true) {
            if file.display != fixture.path {
                // The shared models (and the mixin's own module) are never
                // rewritten on behalf of a service file.
                if file.changed() {
                    problems.push(format!(
                        "{}: the fix changed the shared {}",
                        fixture.stem,
                        file.display.display()
                    ));
                }
                continue;
            }
            if !file.changed() {
                continue;
            }
            if fixture.expected.is_empty() {
                problems.push(format!(
                    "{}: expects no write method, yet the fix changed it:\n{}",
                    fixture.stem,
                    auditfix::printer::diff::unified_diff(&fixture.path, &file.original, &file.fixed, false)
                ));
            }
            let tree = auditfix::analysis::source::parse(&file.fixed);
            if let Some(error) = auditfix::analysis::source::syntax_error(&tree, &file.fixed) {
                problems.push(format!("{}: the fixed text does not parse: {error}", fixture.stem));
            }
            for problem in &file.problems {
                problems.push(format!("{}: fix problem: {problem}", fixture.stem));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems fixing the idiom fixtures:\n\n{}",
        problems.len(),
        problems.join("\n\n")
    );
}
