//! Text output in the style users know from ruff:
//! `path:line:col: AUD004 message`, a source excerpt, a summary line.

use super::PrintOptions;
use crate::diagnostic::CheckResult;
use std::io::{self, Write};

pub fn print(out: &mut dyn Write, result: &CheckResult, options: &PrintOptions) -> io::Result<()> {
    let _ = options;
    for (file, d) in result.diagnostics() {
        writeln!(
            out,
            "{}:{}:{}: {} {}",
            file.path.display(),
            d.start.line,
            d.start.column,
            d.rule.code(),
            d.message
        )?;
    }
    for e in &result.errors {
        writeln!(out, "error: {}: {}", e.path.display(), e.message)?;
    }
    writeln!(
        out,
        "Found {} findings in {} files.",
        result.finding_count(),
        result.files_checked
    )
}
