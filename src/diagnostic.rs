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
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

/// One finding of one rule.
#[derive(Clone, Debug)]
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

/// The findings of one file, with the text they point into.
#[derive(Clone, Debug)]
pub struct FileReport {
    /// The path as the user should see it (relative to the working directory
    /// when possible).
    pub path: PathBuf,
    pub source: String,
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

/// Everything one `check` run found.
#[derive(Clone, Debug, Default)]
pub struct CheckResult {
    /// Files with or without findings, sorted by path.
    pub files: Vec<FileReport>,
    /// Files that could not be checked, sorted by path.
    pub errors: Vec<FileError>,
    /// Repository-wide notes said once (e.g. the mixin lacks the setters).
    pub notes: Vec<String>,
    /// Number of Python files checked.
    pub files_checked: usize,
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
