//! Text output in the style users know from ruff:
//!
//! ```text
//! app/services/user.py:7:9: AUD004 [*] `user` is added without setting `created_at`
//!   |
//! 7 |         self.db.add(user)
//!   |         ^^^^^^^^^^^^^^^^^
//!   |
//!
//! Found 1 finding.
//! [*] 1 fixable with `auditfix fix --apply`.
//! ```
//!
//! then `note: ...` for repository notes and `error: path: message` for
//! files that could not be checked. `[*]` marks a finding `fix --apply`
//! fixes, as ruff marks them. With `--statistics`, a table of counts per
//! rule replaces the individual findings; with `--format concise`, each
//! finding is its first line only.

use super::{escape_controls, plural, Counts, Paint, PrintOptions};
use crate::diagnostic::{CheckResult, Diagnostic, FileReport, EXCERPT_LINES};
use crate::rules::Rule;
use std::collections::BTreeMap;
use std::io::{self, Write};

pub fn print(out: &mut dyn Write, result: &CheckResult, options: &PrintOptions) -> io::Result<()> {
    let paint = Paint { enabled: options.color };
    if options.statistics {
        print_statistics(out, result)?;
    } else {
        for file in &result.files {
            for d in &file.diagnostics {
                print_diagnostic(out, file, d, paint, options.concise)?;
            }
        }
    }
    for note in &result.notes {
        writeln!(out, "{} {note}", paint.paint(Paint::BOLD, "note:"))?;
    }
    if options.verbose {
        for note in &result.details {
            writeln!(out, "{} {note}", paint.paint(Paint::BOLD, "note:"))?;
        }
    } else if !result.details.is_empty() {
        writeln!(
            out,
            "{} {} could not be checked for AUD012-AUD014 (`--verbose` lists {} and why)",
            paint.paint(Paint::BOLD, "note:"),
            plural(result.details.len(), "call"),
            if result.details.len() == 1 { "it" } else { "them" },
        )?;
    }
    for e in &result.errors {
        writeln!(
            out,
            "{} {}: {}",
            paint.paint(Paint::BOLD_RED, "error:"),
            super::shown_path(&e.path),
            e.message
        )?;
    }
    print_summary(out, result)
}

fn print_diagnostic(
    out: &mut dyn Write,
    file: &FileReport,
    d: &Diagnostic,
    paint: Paint,
    concise: bool,
) -> io::Result<()> {
    let location = format!("{}:{}:{}:", super::shown_path(&file.path), d.start.line, d.start.column);
    let marker = if d.is_fixable_with(false) {
        format!("{} ", paint.paint(Paint::CYAN, "[*]"))
    } else {
        String::new()
    };
    writeln!(
        out,
        "{} {} {marker}{}",
        paint.paint(Paint::BOLD, &location),
        paint.paint(Paint::BOLD_RED, d.rule.code()),
        d.message
    )?;
    if concise {
        return Ok(());
    }
    let Some(first) = file.excerpts.line(d.start.line) else {
        return writeln!(out);
    };
    // A range ending at the start of a line does not cover that line.
    let mut last_line = d.end.line.max(d.start.line);
    if last_line > d.start.line && d.end.column == 1 {
        last_line -= 1;
    }
    let shown_last = last_line.min(d.start.line + EXCERPT_LINES - 1);
    let width = shown_last.to_string().len();
    let gutter = |n: Option<usize>| {
        let number = n.map(|n| n.to_string()).unwrap_or_default();
        paint.paint(Paint::BOLD_BLUE, &format!("{number:>width$} |"))
    };

    // Source lines are shown with their control characters escaped (an
    // escape sequence in a string literal must not act on the terminal).
    writeln!(out, "{}", gutter(None))?;
    writeln!(out, "{} {}", gutter(Some(d.start.line)), escape_controls(first))?;
    // The underline: the range on its first line, at least one caret,
    // measured on the line as shown.
    let start = d.start.column.saturating_sub(1);
    let line_chars = first.chars().count();
    let end = if last_line == d.start.line && d.end.line == d.start.line {
        d.end.column.saturating_sub(1)
    } else {
        line_chars
    };
    let before: String = first.chars().take(start).collect();
    let under: String = first.chars().skip(start).take(end.saturating_sub(start)).collect();
    let indent: String = escape_controls(&before)
        .chars()
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let carets = "^".repeat(escape_controls(&under).chars().count().max(1));
    writeln!(
        out,
        "{} {indent}{}",
        gutter(None),
        paint.paint(Paint::BOLD_RED, &carets)
    )?;
    for n in d.start.line + 1..=shown_last {
        let text = file.excerpts.line(n).unwrap_or_default();
        writeln!(out, "{} {}", gutter(Some(n)), escape_controls(text))?;
    }
    if shown_last < last_line {
        writeln!(out, "{} ...", gutter(None))?;
    }
    writeln!(out, "{}", gutter(None))?;
    writeln!(out)
}

/// `count  code  name  [*]`, most frequent first.
fn print_statistics(out: &mut dyn Write, result: &CheckResult) -> io::Result<()> {
    let mut by_rule: BTreeMap<Rule, (usize, bool)> = BTreeMap::new();
    for (_, d) in result.diagnostics() {
        let entry = by_rule.entry(d.rule).or_default();
        entry.0 += 1;
        entry.1 |= d.is_fixable_with(false);
    }
    let mut rows: Vec<(Rule, usize, bool)> = by_rule.into_iter().map(|(r, (n, f))| (r, n, f)).collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let count_width = rows.iter().map(|r| r.1.to_string().len()).max().unwrap_or(1);
    let name_width = rows.iter().map(|r| r.0.name().len()).max().unwrap_or(0);
    for (rule, count, fixable) in rows {
        let line = format!(
            "{count:>count_width$}  {}  {:<name_width$}  {}",
            rule.code(),
            rule.name(),
            if fixable { "[*]" } else { "" }
        );
        writeln!(out, "{}", line.trim_end())?;
    }
    if result.finding_count() > 0 {
        writeln!(out)?;
    }
    Ok(())
}

fn print_summary(out: &mut dyn Write, result: &CheckResult) -> io::Result<()> {
    let counts = Counts::of(result);
    writeln!(out, "Found {}.", plural(counts.findings, "finding"))?;
    match (counts.fixable, counts.unsafe_only) {
        (0, 0) => Ok(()),
        (0, more) => writeln!(out, "{more} fixable with `auditfix fix --apply --unsafe`."),
        (safe, 0) => writeln!(out, "[*] {safe} fixable with `auditfix fix --apply`."),
        (safe, more) => writeln!(
            out,
            "[*] {safe} fixable with `auditfix fix --apply` ({more} more with --unsafe)."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::location;
    use crate::printer::fixtures;
    use std::path::PathBuf;

    fn render(result: &CheckResult, options: PrintOptions) -> String {
        let mut out = Vec::new();
        print(&mut out, result, &options).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn findings_excerpts_notes_errors_and_summary() {
        insta::assert_snapshot!(render(&fixtures::result(), PrintOptions::default()));
    }

    #[test]
    fn concise_is_one_line_per_finding_marked_when_fixable() {
        let options = PrintOptions {
            concise: true,
            ..PrintOptions::default()
        };
        let text = render(&fixtures::result(), options);
        let findings: Vec<&str> = text.lines().filter(|l| l.starts_with("app/")).collect();
        assert_eq!(findings.len(), 4, "{text}");
        assert!(!text.contains("\n  |"), "no excerpt: {text}");
        assert!(
            text.contains("app/services/user.py:5:15: AUD001 [*] `UserService.create_user`"),
            "{text}"
        );
        assert!(text.contains("app/models/plan.py:1:7: AUD011 model"), "{text}");
        // The unsafe fix is no `[*]`.
        assert!(text.contains(": AUD007 no `except"), "{text}");
    }

    #[test]
    fn statistics_table() {
        let mut result = fixtures::result();
        let extra = result.files[2].diagnostics[1].clone();
        result.files[2].diagnostics.push(extra);
        let options = PrintOptions {
            statistics: true,
            ..PrintOptions::default()
        };
        insta::assert_snapshot!(render(&result, options));
    }

    #[test]
    fn color_marks_path_code_and_underline() {
        let result = fixtures::result();
        let models = CheckResult {
            files: vec![result.files[0].clone()],
            ..CheckResult::default()
        };
        let options = PrintOptions {
            color: true,
            ..PrintOptions::default()
        };
        assert_eq!(
            render(&models, options),
            "\x1b[1mapp/models/plan.py:1:7:\x1b[0m \x1b[1;31mAUD011\x1b[0m model `Plan` does not inherit `AuditMixin`: no `set_created_by` | 50% \"audited\"\n\
             \x1b[1;34m  |\x1b[0m\n\
             \x1b[1;34m1 |\x1b[0m class Plan(Base):\n\
             \x1b[1;34m  |\x1b[0m       \x1b[1;31m^^^^\x1b[0m\n\
             \x1b[1;34m  |\x1b[0m\n\
             \n\
             Found 1 finding.\n"
        );
    }

    #[test]
    fn tabs_crlf_and_long_ranges() {
        let source =
            "class A:\r\n\tdef create_a(self):\r\n\t\tx = 1\r\n\t\ty = 2\r\n\t\tz = 3\r\n\t\tw = 4\r\n\t\tv = 5\r\n";
        let start = source.find("x = 1").unwrap();
        let end = source.find("v = 5").unwrap() + 5;
        let d = crate::diagnostic::Diagnostic {
            rule: Rule::MissingIntegrityErrorHandler,
            message: "wrap it".into(),
            range: start..end,
            start: location(source, start),
            end: location(source, end),
            function: Some("A.create_a".into()),
            fix: None,
            also_changes: Vec::new(),
        };
        let result = CheckResult {
            files: vec![FileReport {
                path: PathBuf::from("a.py"),
                excerpts: crate::diagnostic::Excerpts::of(source, std::slice::from_ref(&d)),
                diagnostics: vec![d],
                write_methods: vec!["A.create_a".into()],
            }],
            ..CheckResult::default()
        };
        assert_eq!(
            render(&result, PrintOptions::default()),
            "a.py:3:3: AUD007 wrap it\n  |\n3 | \t\tx = 1\n  | \t\t^^^^^\n4 | \t\ty = 2\n5 | \t\tz = 3\n6 | \t\tw = 4\n  | ...\n  |\n\nFound 1 finding.\n"
        );
    }

    #[test]
    fn clean_run() {
        let result = CheckResult {
            files_checked: 3,
            ..CheckResult::default()
        };
        assert_eq!(render(&result, PrintOptions::default()), "Found 0 findings.\n");
    }
}
