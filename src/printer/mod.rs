//! Rendering results: text, JSON, SARIF, GitHub annotations, JUnit,
//! Markdown, unified diffs. Printers take `impl Write`, so tests render into
//! a `Vec<u8>`; none of them touches the filesystem.

pub mod diff;
pub mod json;
pub mod text;

use crate::diagnostic::CheckResult;
use std::io::{self, Write};

/// `--format` of `check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// How to print.
#[derive(Clone, Copy, Debug, Default)]
pub struct PrintOptions {
    /// ANSI colors.
    pub color: bool,
    /// Add a count per rule (`--statistics`).
    pub statistics: bool,
}

/// Print a check result in `format`.
pub fn print_check(
    out: &mut dyn Write,
    result: &CheckResult,
    format: Format,
    options: &PrintOptions,
) -> io::Result<()> {
    match format {
        Format::Text => text::print(out, result, options),
        Format::Json => json::print(out, result),
    }
}
