//! The "Detailed Audit Results" section of a Markdown compliance report:
//! a summary line, repository notes, then per file a `### path` heading and
//! a table `| Line | Code | Method | Issue | Fix |` (files with write methods
//! and no findings get a one-line "compliant" status instead), and a
//! "Not audited" list of the files that could not be checked.
//!
//! The report command frames this section; this module only renders it.

use super::{plural, slash_path, Counts};
use crate::diagnostic::CheckResult;
use std::io::{self, Write};

pub fn print(out: &mut dyn Write, result: &CheckResult) -> io::Result<()> {
    let counts = Counts::of(result);
    writeln!(out, "## Detailed Audit Results")?;
    writeln!(out)?;
    let with_findings = result.files.iter().filter(|f| !f.diagnostics.is_empty()).count();
    let mut summary = format!(
        "{} in {} of {} checked",
        plural(counts.findings, "finding"),
        with_findings,
        plural(result.files_checked, "file"),
    );
    if counts.fixable > 0 || counts.unsafe_only > 0 {
        summary.push_str(&format!("; {} fixable with `auditfix fix --apply`", counts.fixable));
        if counts.unsafe_only > 0 {
            summary.push_str(&format!(", {} more with `--unsafe`", counts.unsafe_only));
        }
    }
    if !result.errors.is_empty() {
        summary.push_str(&format!("; {} not audited", plural(result.errors.len(), "file")));
    }
    writeln!(out, "{summary}.")?;
    for note in &result.notes {
        writeln!(out)?;
        writeln!(out, "> **Note:** {}", inline(note))?;
    }

    for file in &result.files {
        if file.diagnostics.is_empty() && file.write_methods.is_empty() {
            continue;
        }
        writeln!(out)?;
        writeln!(out, "### {}", code_span(&slash_path(&file.path)))?;
        writeln!(out)?;
        if file.diagnostics.is_empty() {
            writeln!(
                out,
                "Compliant: {} audited, no findings.",
                plural(file.write_methods.len(), "write method")
            )?;
            continue;
        }
        writeln!(out, "| Line | Code | Method | Issue | Fix |")?;
        writeln!(out, "| ---: | --- | --- | --- | --- |")?;
        for d in &file.diagnostics {
            let method = d.function.as_deref().map(code_span).unwrap_or_else(|| "—".to_string());
            let fix = match d.fix_applicability() {
                "none" => "—",
                other => other,
            };
            writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                d.start.line,
                d.rule.code(),
                cell(&method),
                cell(&d.message),
                fix
            )?;
        }
    }

    if !result.errors.is_empty() {
        writeln!(out)?;
        writeln!(out, "### Not audited")?;
        writeln!(out)?;
        for e in &result.errors {
            writeln!(out, "- {}: {}", code_span(&slash_path(&e.path)), inline(&e.message))?;
        }
    }
    Ok(())
}

/// Text on one line: line breaks become spaces.
fn inline(text: &str) -> String {
    text.replace("\r\n", " ").replace(['\n', '\r'], " ")
}

/// Text inside a table cell: one line, `|` escaped.
fn cell(text: &str) -> String {
    inline(text).replace('|', "\\|")
}

/// `text` as a code span, with a fence longer than any backtick run inside.
fn code_span(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    if longest > 0 {
        format!("{fence} {text} {fence}")
    } else {
        format!("{fence}{text}{fence}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::printer::fixtures;

    #[test]
    fn detailed_results_section() {
        let mut out = Vec::new();
        print(&mut out, &fixtures::result()).unwrap();
        insta::assert_snapshot!(String::from_utf8(out).unwrap());
    }

    #[test]
    fn code_spans_and_cells() {
        assert_eq!(code_span("app/__init__.py"), "`app/__init__.py`");
        assert_eq!(code_span("a`b"), "`` a`b ``");
        assert_eq!(cell("a | b\nc"), "a \\| b c");
    }
}
