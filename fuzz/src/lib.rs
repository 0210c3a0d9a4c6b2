//! Shared support for the fuzz targets: the repositories a fuzzed file is
//! checked in (the example app's core modules, the rule fixtures' common
//! models), the seed service files, the fuzzer-driven mutations of those
//! seeds, and the assertions every target makes about a fix run.
//!
//! What does not live here: the targets' entry points (`fuzz_targets/`) and
//! anything that touches the file system: every run is in memory, through
//! `Workspace::from_memory`, so a target needs no network and no disk.

pub mod engine;

use arbitrary::{Arbitrary, Unstructured};
use auditfix::analysis::source::parse;
use auditfix::config::Config;
use auditfix::pipeline::{FixedFile, Workspace};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Where a seed's repository comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Repo {
    /// The example FastAPI app's core modules and models (default settings).
    Example,
    /// The rule fixtures' shared models (`tests/fixtures/common`).
    Fixtures,
}

macro_rules! sources {
    ($($path:literal => $file:literal),* $(,)?) => {
        &[$(($path, include_str!(concat!("../../", $file)))),*]
    };
}

/// The example app's core modules and a few models: the rest of the
/// repository a fuzzed service file lives in.
const EXAMPLE_CORE: &[(&str, &str)] = sources![
    "app/__init__.py" => "examples/audit_app/app/__init__.py",
    "app/features/core/audit_mixin.py" => "examples/audit_app/app/features/core/audit_mixin.py",
    "app/features/core/database.py" => "examples/audit_app/app/features/core/database.py",
    "app/features/core/models.py" => "examples/audit_app/app/features/core/models.py",
    "app/features/core/sqlalchemy_imports.py" => "examples/audit_app/app/features/core/sqlalchemy_imports.py",
    "app/features/core/logging.py" => "examples/audit_app/app/features/core/logging.py",
    "app/features/core/enhanced_base_service.py" => "examples/audit_app/app/features/core/enhanced_base_service.py",
    "app/features/administration/users/models.py" => "examples/audit_app/app/features/administration/users/models.py",
    "app/features/administration/tenants/models.py" => "examples/audit_app/app/features/administration/tenants/models.py",
    "app/features/administration/smtp/models.py" => "examples/audit_app/app/features/administration/smtp/models.py",
    "app/features/administration/secrets/models.py" => "examples/audit_app/app/features/administration/secrets/models.py",
    "app/features/administration/logs/models.py" => "examples/audit_app/app/features/administration/logs/models.py",
    "app/features/connectors/connectors/models.py" => "examples/audit_app/app/features/connectors/connectors/models.py",
    "app/features/business_automations/content_broadcaster/models.py" => "examples/audit_app/app/features/business_automations/content_broadcaster/models.py",
];

/// The rule fixtures' shared models.
const FIXTURES_COMMON: &[(&str, &str)] = sources![
    "tests/fixtures/common/app/__init__.py" => "tests/fixtures/common/app/__init__.py",
    "tests/fixtures/common/app/models.py" => "tests/fixtures/common/app/models.py",
    "tests/fixtures/common/app/core/__init__.py" => "tests/fixtures/common/app/core/__init__.py",
    "tests/fixtures/common/app/core/audit_mixin.py" => "tests/fixtures/common/app/core/audit_mixin.py",
    "tests/fixtures/common/app/core/models.py" => "tests/fixtures/common/app/core/models.py",
    "tests/fixtures/common/app/core/imports.py" => "tests/fixtures/common/app/core/imports.py",
    "tests/fixtures/common/app/core/logging.py" => "tests/fixtures/common/app/core/logging.py",
];

/// The seeds of `mutated_services`: real service files and rule fixtures,
/// each with the path it is checked under and its repository.
pub const SEEDS: &[(&str, Repo, &str)] = &[
    (
        "app/features/administration/tenants/services.py",
        Repo::Example,
        include_str!("../../examples/audit_app/app/features/administration/tenants/services.py"),
    ),
    (
        "app/features/administration/users/services/crud_services.py",
        Repo::Example,
        include_str!("../../examples/audit_app/app/features/administration/users/services/crud_services.py"),
    ),
    (
        "app/features/administration/smtp/services/crud_services.py",
        Repo::Example,
        include_str!("../../examples/audit_app/app/features/administration/smtp/services/crud_services.py"),
    ),
    (
        "app/features/administration/secrets/services/crud_services.py",
        Repo::Example,
        include_str!("../../examples/audit_app/app/features/administration/secrets/services/crud_services.py"),
    ),
    (
        "app/features/administration/logs/services/crud_services.py",
        Repo::Example,
        include_str!("../../examples/audit_app/app/features/administration/logs/services/crud_services.py"),
    ),
    (
        "app/features/connectors/connectors/services/connector_service.py",
        Repo::Example,
        include_str!("../../examples/audit_app/app/features/connectors/connectors/services/connector_service.py"),
    ),
    (
        "app/features/business_automations/content_broadcaster/services/content_planning_service.py",
        Repo::Example,
        include_str!(
            "../../examples/audit_app/app/features/business_automations/content_broadcaster/services/content_planning_service.py"
        ),
    ),
    (
        "tests/fixtures/rules/missing_audit_setter.py",
        Repo::Fixtures,
        include_str!("../../tests/fixtures/rules/missing_audit_setter.py"),
    ),
    (
        "tests/fixtures/rules/missing_integrity_error_handler.py",
        Repo::Fixtures,
        include_str!("../../tests/fixtures/rules/missing_integrity_error_handler.py"),
    ),
    (
        "tests/fixtures/rules/timestamp_style.py",
        Repo::Fixtures,
        include_str!("../../tests/fixtures/rules/timestamp_style.py"),
    ),
    (
        "tests/fixtures/rules/manual_audit_fields.py",
        Repo::Fixtures,
        include_str!("../../tests/fixtures/rules/manual_audit_fields.py"),
    ),
    (
        "tests/fixtures/rules/incomplete_integrity_error_handler.py",
        Repo::Fixtures,
        include_str!("../../tests/fixtures/rules/incomplete_integrity_error_handler.py"),
    ),
];

/// The repository's files as `(path, text)` pairs.
pub fn repository(repo: Repo) -> Vec<(PathBuf, String)> {
    let files = match repo {
        Repo::Example => EXAMPLE_CORE,
        Repo::Fixtures => FIXTURES_COMMON,
    };
    files
        .iter()
        .map(|(path, text)| (PathBuf::from(path), (*text).to_string()))
        .collect()
}

/// `repo` plus `text` at `path` (replacing a repository file of that path).
pub fn workspace_sources(repo: Repo, path: &Path, text: String) -> Vec<(PathBuf, String)> {
    let mut sources: Vec<_> = repository(repo).into_iter().filter(|(p, _)| p != path).collect();
    sources.push((path.to_path_buf(), text));
    sources
}

/// A file's bytes as the `String` `Workspace::from_memory` takes (a BOM
/// stays in the text: the workspace strips and remembers it).
pub fn fixed_text(file: &FixedFile) -> String {
    String::from_utf8(file.fixed_bytes()).expect("fixed text is UTF-8")
}

/// Every fixed text of `fixed` parses as the tool parses a file it reads
/// (tree-sitter without an error node, and indentation Python accepts), and
/// no pass hit the "cannot happen" branch of a fixed text failing to parse.
pub fn assert_all_parse(fixed: &[FixedFile], input: &str) {
    for file in fixed {
        let parsed = auditfix::analysis::source::SourceFile::parse(file.fixed.clone(), false);
        assert!(
            parsed.is_ok(),
            "the fix of {} does not parse: {:?}\n--- input ---\n{input}\n--- fixed ---\n{}\n--- problems: {:?}",
            file.display.display(),
            parsed.err(),
            file.fixed,
            file.problems
        );
        assert!(
            !file.problems.iter().any(|p| p.contains("internal error")),
            "{}: {:?}\n--- input ---\n{input}",
            file.display.display(),
            file.problems
        );
    }
}

/// Fixing the fixed texts again changes nothing.
pub fn assert_idempotent(fixed: &[FixedFile], config: &Config, unsafe_fixes: bool, input: &str) {
    let sources: Vec<(PathBuf, String)> = fixed.iter().map(|f| (f.path.clone(), fixed_text(f))).collect();
    let again = Workspace::from_memory(sources, config.clone());
    assert!(
        again.errors.is_empty(),
        "a fixed text failed to load: {:?}\n--- input ---\n{input}",
        again.errors
    );
    for (first, second) in fixed.iter().zip(again.fix(unsafe_fixes)) {
        assert_eq!(first.path, second.path);
        assert!(
            !second.changed(),
            "not idempotent: a second fix of {} changes it\n--- input ---\n{input}\n--- first fix ---\n{}\n--- second fix ---\n{}\n--- applied the second time: {:?}",
            first.display.display(),
            first.fixed,
            second.fixed,
            second.applied.iter().map(|d| (d.rule.code(), d.start.line)).collect::<Vec<_>>()
        );
    }
}

/// The byte ranges of `original` that a fix of its findings may change: the
/// function each finding lies in (later passes add to the same function:
/// the context after the parameter, the setter after the context), each
/// fix's own edits, and the module's prologue before its first class or
/// function (where imports are added and removed).
pub fn allowed_regions(original: &str, ranges: &[Range<usize>]) -> Vec<Range<usize>> {
    let tree = parse(original);
    let root = tree.root_node();
    let mut regions = Vec::new();
    let prologue_end = {
        let mut cursor = root.walk();
        let first = root.children(&mut cursor).find(|c| {
            matches!(
                c.kind(),
                "function_definition" | "class_definition" | "decorated_definition"
            )
        });
        first.map_or(original.len(), |c| c.start_byte())
    };
    regions.push(0..prologue_end);
    // Module-level imports anywhere (an import left unused is removed).
    let mut cursor = root.walk();
    for child in root.children(&mut cursor) {
        if child.kind().contains("import") {
            regions.push(child.byte_range());
        }
    }
    for range in ranges {
        regions.push(range.clone());
        let Some(mut node) = root.descendant_for_byte_range(range.start, range.start) else {
            continue;
        };
        // The outermost function around the finding (a nested helper's
        // finding may change the enclosing method).
        let mut function = None;
        loop {
            if node.kind() == "function_definition" {
                function = Some(node);
            }
            let Some(parent) = node.parent() else { break };
            node = parent;
        }
        if let Some(function) = function {
            // Decorators belong to the function.
            let start = function
                .parent()
                .filter(|p| p.kind() == "decorated_definition")
                .map_or(function.start_byte(), |p| p.start_byte());
            regions.push(start..function.end_byte());
        }
    }
    regions
}

/// Every line-diff hunk between `original` and `fixed` touches an allowed
/// region: nothing outside the edited functions and the import prologue
/// changes.
pub fn assert_changes_within(original: &str, fixed: &str, regions: &[Range<usize>], input: &str) {
    let diff = similar::TextDiff::from_lines(original, fixed);
    // Byte offset of each original line start (and one past the end).
    let mut starts = vec![0];
    for (i, b) in original.bytes().enumerate() {
        if b == b'\n' {
            starts.push(i + 1);
        }
    }
    if *starts.last().unwrap() != original.len() {
        starts.push(original.len());
    }
    let offset = |line: usize| starts.get(line).copied().unwrap_or(original.len());
    for op in diff.ops() {
        if matches!(op.tag(), similar::DiffTag::Equal) {
            continue;
        }
        let old = op.old_range();
        let (start, end) = (offset(old.start), offset(old.end));
        let touches = regions.iter().any(|r| {
            if start == end {
                // An insertion touches a region it lies in or borders.
                r.start <= start && start <= r.end
            } else {
                r.start < end && start < r.end || (r.start == r.end && start <= r.start && r.start <= end)
            }
        });
        assert!(
            touches,
            "a change outside every edited function and the imports: original bytes {start}..{end} ({:?})\n--- input ---\n{input}\n--- fixed ---\n{fixed}",
            &original[start..end]
        );
    }
}

/// One mutation of a seed.
#[derive(Arbitrary, Debug, Clone)]
pub enum Mutation {
    DeleteLine(u16),
    DuplicateLine(u16),
    SwapLines(u16, u16),
    /// Add one indentation unit in front of a line.
    Indent(u16),
    /// Remove up to four leading spaces or a tab from a line.
    Dedent(u16),
    /// Re-indent the whole file with another unit.
    Reindent(IndentUnit),
    /// Insert a known line (indented like the line it goes before).
    InsertSnippet(u16, u8),
    /// Rename every occurrence of one identifier to another.
    Rename(u8, u8),
    Crlf,
    Bom,
    DropFinalNewline,
    /// Replace a line's trailing newline by nothing (joins two lines).
    JoinLines(u16),
}

#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum IndentUnit {
    Two,
    Three,
    Eight,
    Tab,
}

/// Lines that make a service more or less compliant when inserted.
const SNIPPETS: &[&str] = &[
    "entity.created_at = func.now()",
    "self.db.add(entity)",
    "await self.db.flush()",
    "await self.db.commit()",
    "self.db.delete(entity)",
    "audit_ctx = AuditContext.from_user(created_by_user) if created_by_user else None",
    "if audit_ctx: entity.set_updated_by(audit_ctx.user_email, audit_ctx.user_name)",
    "entity.updated_at = datetime.now(timezone.utc)",
    "entity.created_by_email = user.email",
    "except IntegrityError as e:",
    "except Exception as e:",
    "try:",
    "raise ValueError(str(e))",
    "# auditfix: ignore[AUD003]",
    "pass",
    "from datetime import datetime, timezone",
    "from sqlalchemy.exc import IntegrityError",
    "async def create_thing(self, data):",
    "def update_thing(self, thing_id, *args, **kwargs):",
    "\"\"\"Docstring.\n\n    Args:\n        data: the data.\n    \"\"\"",
    "return entity",
    "x = (1,",
    "'''",
];

/// Identifiers renamed into one another.
const NAMES: &[&str] = &[
    "self.db",
    "db",
    "session",
    "tenant",
    "user",
    "entity",
    "created_by_user",
    "updated_by_user",
    "current_user",
    "datetime",
    "IntegrityError",
    "Exception",
    "AuditContext",
    "audit_ctx",
    "add",
    "flush",
    "commit",
    "create_",
    "update_",
    "delete_",
    "async ",
    "await ",
    "func.now()",
    "set_created_by",
    "created_at",
];

/// Apply `mutations` to `seed`, line-wise; line endings are `\n` until a
/// `Crlf` mutation converts them.
pub fn mutate(seed: &str, mutations: &[Mutation]) -> String {
    let mut lines: Vec<String> = seed.split_inclusive('\n').map(str::to_string).collect();
    let (mut crlf, mut bom, mut drop_final) = (false, false, false);
    let pick = |n: u16, len: usize| if len == 0 { 0 } else { n as usize % len };
    for mutation in mutations {
        let len = lines.len();
        match mutation {
            Mutation::DeleteLine(i) if len > 0 => {
                lines.remove(pick(*i, len));
            }
            Mutation::DuplicateLine(i) if len > 0 => {
                let i = pick(*i, len);
                let line = lines[i].clone();
                lines.insert(i, line);
            }
            Mutation::SwapLines(a, b) if len > 0 => lines.swap(pick(*a, len), pick(*b, len)),
            Mutation::Indent(i) if len > 0 => lines[pick(*i, len)].insert_str(0, "    "),
            Mutation::Dedent(i) if len > 0 => {
                let line = &mut lines[pick(*i, len)];
                if line.starts_with('\t') {
                    line.remove(0);
                } else {
                    let spaces = line.len() - line.trim_start_matches(' ').len();
                    line.drain(..spaces.min(4));
                }
            }
            Mutation::Reindent(unit) => {
                let unit = match unit {
                    IndentUnit::Two => "  ",
                    IndentUnit::Three => "   ",
                    IndentUnit::Eight => "        ",
                    IndentUnit::Tab => "\t",
                };
                for line in &mut lines {
                    let spaces = line.len() - line.trim_start_matches(' ').len();
                    let rest = line[spaces..].to_string();
                    *line = format!("{}{}{rest}", unit.repeat(spaces / 4), " ".repeat(spaces % 4));
                }
            }
            Mutation::InsertSnippet(i, k) => {
                let i = pick(*i, len + 1);
                let indent = lines.get(i).map_or(String::new(), |l| {
                    l[..l.len() - l.trim_start_matches([' ', '\t']).len()].to_string()
                });
                let snippet = SNIPPETS[*k as usize % SNIPPETS.len()];
                lines.insert(i, format!("{indent}{snippet}\n"));
            }
            Mutation::Rename(a, b) => {
                let from = NAMES[*a as usize % NAMES.len()];
                let to = NAMES[*b as usize % NAMES.len()];
                for line in &mut lines {
                    *line = line.replace(from, to);
                }
            }
            Mutation::Crlf => crlf = true,
            Mutation::Bom => bom = true,
            Mutation::DropFinalNewline => drop_final = true,
            Mutation::JoinLines(i) if len > 0 => {
                let line = &mut lines[pick(*i, len)];
                if line.ends_with('\n') {
                    line.pop();
                }
            }
            _ => {}
        }
    }
    let mut text = lines.concat();
    if drop_final {
        while text.ends_with('\n') {
            text.pop();
        }
    }
    if crlf {
        text = text.replace("\r\n", "\n").replace('\n', "\r\n");
    }
    if bom {
        text.insert(0, '\u{feff}');
    }
    text
}

/// A fuzz case for `mutated_services`: which seed, which mutations, and
/// whether unsafe fixes are applied too.
#[derive(Debug)]
pub struct MutatedCase {
    pub seed: usize,
    pub mutations: Vec<Mutation>,
    pub unsafe_fixes: bool,
}

impl<'a> Arbitrary<'a> for MutatedCase {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let seed = u.int_in_range(0..=SEEDS.len() - 1)?;
        let unsafe_fixes = u.arbitrary()?;
        let count = u.int_in_range(0..=8)?;
        let mut mutations = Vec::with_capacity(count);
        for _ in 0..count {
            mutations.push(u.arbitrary()?);
        }
        Ok(MutatedCase {
            seed,
            mutations,
            unsafe_fixes,
        })
    }
}

/// Run `mutated_services` on one case: fixing never panics; when the
/// mutated file parses, the fix parses, is idempotent, and changes nothing
/// outside the functions with findings and the imports.
pub fn run_mutated(case: &MutatedCase) {
    let (path, repo, seed) = SEEDS[case.seed];
    let text = mutate(seed, &case.mutations);
    let path = PathBuf::from(path);
    let config = Config::default();
    let workspace = Workspace::from_memory(workspace_sources(repo, &path, text.clone()), config.clone());
    let parsed = !workspace.errors.iter().any(|e| e.path == path);
    let result = workspace.check();
    let fixed = workspace.fix(case.unsafe_fixes);
    if !parsed {
        assert!(
            fixed.iter().all(|f| f.path != path),
            "a file that does not parse was fixed"
        );
        return;
    }
    assert_all_parse(&fixed, &text);
    let file = fixed
        .iter()
        .find(|f| f.path == path)
        .expect("the fuzzed file is in the workspace");
    assert!(
        !file.problems.iter().any(|p| p.contains("did not settle")),
        "fixes did not settle: {:?}\n--- input ---\n{text}",
        file.problems
    );
    assert_idempotent(&fixed, &config, case.unsafe_fixes, &text);
    let report = result
        .files
        .iter()
        .find(|f| f.path == path)
        .expect("the fuzzed file is checked");
    let mut ranges: Vec<Range<usize>> = Vec::new();
    for d in &report.diagnostics {
        ranges.push(d.range.clone());
        if let Some(fix) = &d.fix {
            ranges.extend(fix.edits().iter().map(|e| e.range()));
        }
    }
    let regions = allowed_regions(&file.original, &ranges);
    assert_changes_within(&file.original, &file.fixed, &regions, &text);
}

/// Run `check_fix_bytes` on one input: arbitrary bytes as a service file of
/// the example app. Never panics; when the bytes are a file that parses,
/// every fixed output parses too.
pub fn run_bytes(data: &[u8]) {
    // Every input goes through the decoder (BOM, UTF-8, coding line).
    let decoded = auditfix::analysis::source::decode(data);
    let Ok(text) = std::str::from_utf8(data) else {
        let message = decoded.expect_err("bytes that are not UTF-8 are refused");
        assert!(!message.contains('\n'), "one-line reason: {message}");
        return;
    };
    let path = PathBuf::from("app/features/fuzzed/services.py");
    let config = Config::default();
    let workspace = Workspace::from_memory(
        workspace_sources(Repo::Example, &path, text.to_string()),
        config.clone(),
    );
    let parsed = !workspace.errors.iter().any(|e| e.path == path);
    let _ = workspace.check();
    for unsafe_fixes in [false, true] {
        let fixed = workspace.fix(unsafe_fixes);
        if parsed {
            assert_all_parse(&fixed, text);
        } else {
            assert!(fixed.iter().all(|f| !f.changed() || f.path != path));
        }
    }
}
