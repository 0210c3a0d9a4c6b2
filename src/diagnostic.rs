//! What a check produces: findings, per-file errors, and the run's result.
//!
//! Plain data shared by the rules (which create [`Diagnostic`]s), the
//! pipeline (which collects them per file) and the printers (which render a
//! [`CheckResult`]). Positions are byte offsets into the file's text plus
//! 1-based line and column (columns count characters, as ruff does).

use crate::rules::Rule;
use auditfix_transforms::{Applicability, Fix};
use std::ops::Range;
use std::path::PathBuf;

/// A 1-based line and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

/// One finding of one rule.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Diagnostic {
    pub rule: Rule,
    pub message: String,
    /// Byte range of the finding in the file's text.
    pub range: Range<usize>,
    pub start: Location,
    pub end: Location,
    /// The write method (`Class.method` or `function`) the finding is in.
    pub function: Option<String>,
    pub fix: Option<Fix>,
    /// The other files the fix changes with this one (a caller's fix: the
    /// callee made to take the user). Such a fix is applied whole or not at
    /// all; `fix --interactive`, which asks file by file, does not offer it.
    pub also_changes: Vec<std::path::PathBuf>,
}

impl Diagnostic {
    /// `safe`, `unsafe` or `none`: the JSON `fix_applicability` field.
    pub fn fix_applicability(&self) -> &'static str {
        match &self.fix {
            Some(fix) => fix.applicability().as_str(),
            None => "none",
        }
    }

    pub fn is_fixable_with(&self, unsafe_fixes: bool) -> bool {
        match &self.fix {
            Some(fix) => unsafe_fixes || fix.applicability() == Applicability::Safe,
            None => false,
        }
    }
}

/// At most this many lines of a finding are shown in text output.
pub const EXCERPT_LINES: usize = 4;

/// The lines of a file that its findings show (text output), kept in place
/// of the whole text: a run over a large repository holds its findings
/// until it prints them, not the files they are in.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Excerpts {
    /// 1-based line number → the line, without its line ending.
    lines: std::collections::BTreeMap<usize, String>,
}

impl Excerpts {
    /// The lines of `text` that `diagnostics` cover, up to [`EXCERPT_LINES`]
    /// from each one's first line.
    pub fn of(text: &str, diagnostics: &[Diagnostic]) -> Excerpts {
        let wanted: std::collections::BTreeSet<usize> = diagnostics
            .iter()
            .flat_map(|d| {
                let last = d.end.line.max(d.start.line).min(d.start.line + EXCERPT_LINES - 1);
                d.start.line..=last
            })
            .collect();
        let mut lines = std::collections::BTreeMap::new();
        let Some(&last) = wanted.last() else {
            return Excerpts { lines };
        };
        for (n, line) in (1..=last).zip(text.split('\n')) {
            if wanted.contains(&n) {
                lines.insert(n, line.strip_suffix('\r').unwrap_or(line).to_string());
            }
        }
        Excerpts { lines }
    }

    /// Line `n` (1-based), when a finding shows it and the file has it.
    pub fn line(&self, n: usize) -> Option<&str> {
        self.lines.get(&n).map(String::as_str)
    }
}

/// The findings of one file, with the lines they show.
#[derive(Clone, Debug)]
pub struct FileReport {
    /// The path as the user should see it (relative to the working directory
    /// when possible).
    pub path: PathBuf,
    pub excerpts: Excerpts,
    pub diagnostics: Vec<Diagnostic>,
    /// Write methods audited in this file (`Class.method`), for reports.
    pub write_methods: Vec<String>,
}

/// A file that could not be checked (or written), and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileError {
    pub path: PathBuf,
    pub message: String,
}

impl FileError {
    /// The line, and the column when given, that the message points at
    /// ("syntax error at line 3, column 9: ...", "not valid UTF-8 (byte
    /// 0xFF on line 3)"): the first `line N`, and `, column C` right after
    /// it. `None` for a message about the whole file.
    pub fn location(&self) -> Option<(usize, Option<usize>)> {
        let number = |text: &str| -> Option<(usize, usize)> {
            let digits = text.len() - text.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            Some((text[..digits].parse().ok()?, digits))
        };
        let mut from = 0;
        while let Some(found) = self.message[from..].find("line ") {
            let at = from + found + "line ".len();
            from = at;
            let word_start = at - "line ".len();
            if self.message[..word_start].ends_with(|c: char| c.is_alphanumeric()) {
                continue;
            }
            let Some((line, used)) = number(&self.message[at..]) else {
                continue;
            };
            let column = self.message[at + used..]
                .strip_prefix(", column ")
                .and_then(&number)
                .map(|(column, _)| column);
            return Some((line, column));
        }
        None
    }
}

/// A suppression comment that names no rule or suppressed nothing (see
/// [`crate::suppression::warnings`]): said on standard error, never a finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileWarning {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Everything one `check` run found.
#[derive(Clone, Debug, Default)]
pub struct CheckResult {
    /// Files with or without findings, sorted by path.
    pub files: Vec<FileReport>,
    /// Files that could not be checked, sorted by path.
    pub errors: Vec<FileError>,
    /// Repository-wide notes said once (e.g. the mixin lacks the setters).
    pub notes: Vec<String>,
    /// Notes on single places left unchecked (a call that cannot be
    /// resolved to a definition): thousands on a large tree, so the text
    /// output counts them and lists them with `--verbose`; JSON and SARIF
    /// always list them.
    pub details: Vec<String>,
    /// Number of Python files checked.
    pub files_checked: usize,
    /// Suppressions naming no rule, or suppressing nothing, in the files
    /// checked, sorted by path and line.
    pub warnings: Vec<FileWarning>,
}

impl CheckResult {
    pub fn diagnostics(&self) -> impl Iterator<Item = (&FileReport, &Diagnostic)> {
        self.files
            .iter()
            .flat_map(|f| f.diagnostics.iter().map(move |d| (f, d)))
    }

    pub fn finding_count(&self) -> usize {
        self.files.iter().map(|f| f.diagnostics.len()).sum()
    }
}

/// The counts every command prints of one tree: `check`'s summary, the
/// `fix` dry run's and `--apply`'s, `--interactive`'s and `report`'s all come
/// from here, over a [`CheckResult`] of the tree, so they cannot disagree.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub findings: usize,
    /// Fixed by `fix --apply` (safe fixes).
    pub fixable: usize,
    /// Fixed only with `--unsafe`.
    pub unsafe_only: usize,
}

impl Counts {
    pub fn of(result: &CheckResult) -> Counts {
        Counts::of_diagnostics(result.diagnostics().map(|(_, d)| d))
    }

    pub fn of_diagnostics<'a>(diagnostics: impl IntoIterator<Item = &'a Diagnostic>) -> Counts {
        let mut counts = Counts::default();
        for d in diagnostics {
            counts.findings += 1;
            if d.is_fixable_with(false) {
                counts.fixable += 1;
            } else if d.is_fixable_with(true) {
                counts.unsafe_only += 1;
            }
        }
        counts
    }

    /// Findings no fix of this run removes (`unsafe_fixes`: with `--unsafe`).
    pub fn left_without_fix(&self, unsafe_fixes: bool) -> usize {
        self.findings - self.fixable - if unsafe_fixes { self.unsafe_only } else { 0 }
    }

    /// ` (N more with --unsafe)` when a run without `--unsafe` leaves
    /// findings that `--unsafe` would fix; empty otherwise.
    pub fn unsafe_note(&self, unsafe_fixes: bool) -> String {
        match self.unsafe_only {
            n if n == 0 || unsafe_fixes => String::new(),
            n if self.fixable == 0 => format!(" ({n} fixable with --unsafe)"),
            n => format!(" ({n} more with --unsafe)"),
        }
    }
}

/// The start of every line of a text, to turn many offsets into locations
/// without rescanning the text for each (a large file has many findings).
#[derive(Clone, Debug)]
pub struct LineIndex {
    /// Byte offset of each line's start; the first is 0.
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(source: &str) -> LineIndex {
        let starts = std::iter::once(0)
            .chain(source.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { starts }
    }

    /// What [`location`] says, in logarithmic time.
    pub fn location(&self, source: &str, offset: usize) -> Location {
        let offset = offset.min(source.len());
        let line = self.starts.partition_point(|s| *s <= offset);
        let line_start = self.starts[line - 1];
        let column = source[line_start..offset].chars().count() + 1;
        Location { line, column }
    }

    /// The 0-based row of byte `offset` and its column in bytes (as
    /// tree-sitter counts them).
    pub fn row_and_byte_column(&self, offset: usize) -> (usize, usize) {
        let row = self.starts.partition_point(|s| *s <= offset) - 1;
        (row, offset - self.starts[row])
    }

    /// The text of 1-based line `line`, without its line ending.
    pub fn line<'s>(&self, source: &'s str, line: usize) -> Option<&'s str> {
        let start = *self.starts.get(line.checked_sub(1)?)?;
        let end = self.starts.get(line).map_or(source.len(), |next| next - 1);
        let text = &source[start..end];
        Some(text.strip_suffix('\r').unwrap_or(text))
    }
}

/// Byte offset to 1-based line and character column.
pub fn location(source: &str, offset: usize) -> Location {
    let offset = offset.min(source.len());
    let before = &source[..offset];
    let line = before.bytes().filter(|b| *b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    Location { line, column }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: usize, end_line: usize) -> Diagnostic {
        Diagnostic {
            rule: Rule::MissingIntegrityErrorHandler,
            message: String::new(),
            range: 0..0,
            start: Location { line, column: 1 },
            end: Location {
                line: end_line,
                column: 1,
            },
            function: None,
            fix: None,
            also_changes: Vec::new(),
        }
    }

    #[test]
    fn file_errors_say_where_when_their_message_does() {
        let error = |message: &str| FileError {
            path: PathBuf::from("x.py"),
            message: message.to_string(),
        };
        assert_eq!(
            error("syntax error at line 12, column 9: expected `:`; not checked").location(),
            Some((12, Some(9)))
        );
        assert_eq!(
            error("not valid UTF-8 (byte 0xFF on line 3); auditfix reads UTF-8 sources only").location(),
            Some((3, None))
        );
        assert_eq!(
            error("too many levels of indentation at line 101 (Python's limit is 100)").location(),
            Some((101, None))
        );
        assert_eq!(
            error("is a FIFO (named pipe), not a regular file; not read").location(),
            None
        );
        assert_eq!(error("the pipeline broke: no line here").location(), None);
    }

    #[test]
    fn excerpts_keep_only_the_lines_findings_show() {
        let text = "a\r\nb\nc\nd\ne\nf\ng\nh\n";
        let excerpts = Excerpts::of(text, &[at(2, 3), at(4, 9)]);
        assert_eq!(excerpts.line(1), None);
        assert_eq!(excerpts.line(2), Some("b"));
        assert_eq!(excerpts.line(3), Some("c"));
        // At most EXCERPT_LINES from the finding's first line.
        assert_eq!(excerpts.line(7), Some("g"));
        assert_eq!(excerpts.line(8), None);
        assert_eq!(Excerpts::of(text, &[at(1, 1)]).line(1), Some("a"));
        // A line past the end of the text is absent, not empty.
        assert_eq!(Excerpts::of("x", &[at(3, 3)]).line(3), None);
        assert_eq!(Excerpts::of(text, &[]), Excerpts::default());
    }
}
