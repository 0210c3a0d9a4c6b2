//! JUnit XML, for CI systems that show test reports: one `<testsuite>` per
//! checked file, one `<testcase>` per write method (`classname` = the path,
//! `name` = `Class.method`) with a `<failure>` per finding in it, and a test
//! case named after the file for findings outside any write method. A file
//! that could not be checked is a suite with one test case in `<error>`.
//! Files with neither write methods nor findings are left out: they hold
//! nothing the standard applies to. No timestamps or durations, so the
//! output is reproducible.

use super::slash_path;
use crate::diagnostic::{CheckResult, Diagnostic, FileReport};
use std::io::{self, Write};

/// One test case: a name and the findings that fail it.
struct Case<'a> {
    name: String,
    failures: Vec<&'a Diagnostic>,
}

pub fn print(out: &mut dyn Write, result: &CheckResult) -> io::Result<()> {
    let suites: Vec<(&FileReport, Vec<Case>)> = result
        .files
        .iter()
        .map(|file| (file, cases(file)))
        .filter(|(_, cases)| !cases.is_empty())
        .collect();
    let tests: usize = suites.iter().map(|(_, c)| c.len()).sum::<usize>() + result.errors.len();
    let failures: usize = suites
        .iter()
        .map(|(_, c)| c.iter().filter(|c| !c.failures.is_empty()).count())
        .sum();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="auditfix" tests="{tests}" failures="{failures}" errors="{}">"#,
        result.errors.len()
    )?;
    for (file, cases) in &suites {
        let path = escape(&slash_path(&file.path));
        let failed = cases.iter().filter(|c| !c.failures.is_empty()).count();
        writeln!(
            out,
            r#"  <testsuite name="{path}" tests="{}" failures="{failed}" errors="0">"#,
            cases.len()
        )?;
        for case in cases {
            let name = escape(&case.name);
            if case.failures.is_empty() {
                writeln!(out, r#"    <testcase classname="{path}" name="{name}"/>"#)?;
                continue;
            }
            writeln!(out, r#"    <testcase classname="{path}" name="{name}">"#)?;
            for d in &case.failures {
                writeln!(
                    out,
                    r#"      <failure type="{}" message="{}">{}</failure>"#,
                    d.rule.code(),
                    escape(&d.message),
                    escape(&format!(
                        "{}:{}:{}: {} {}",
                        slash_path(&file.path),
                        d.start.line,
                        d.start.column,
                        d.rule.code(),
                        d.message
                    ))
                )?;
            }
            writeln!(out, "    </testcase>")?;
        }
        writeln!(out, "  </testsuite>")?;
    }
    for e in &result.errors {
        let path = escape(&slash_path(&e.path));
        writeln!(out, r#"  <testsuite name="{path}" tests="1" failures="0" errors="1">"#)?;
        writeln!(out, r#"    <testcase classname="{path}" name="{path}">"#)?;
        writeln!(
            out,
            r#"      <error message="{}">{}</error>"#,
            escape(&e.message),
            escape(&format!("{}: {}", slash_path(&e.path), e.message))
        )?;
        writeln!(out, "    </testcase>")?;
        writeln!(out, "  </testsuite>")?;
    }
    writeln!(out, "</testsuites>")
}

/// The test cases of a file: its write methods in order, then any other
/// function a finding names, then the file itself for findings outside
/// functions.
fn cases(file: &FileReport) -> Vec<Case<'_>> {
    let mut cases: Vec<Case> = file
        .write_methods
        .iter()
        .map(|m| Case {
            name: m.clone(),
            failures: Vec::new(),
        })
        .collect();
    let file_name = slash_path(&file.path);
    for d in &file.diagnostics {
        let name = d.function.clone().unwrap_or_else(|| file_name.clone());
        match cases.iter_mut().find(|c| c.name == name) {
            Some(case) => case.failures.push(d),
            None => cases.push(Case {
                name,
                failures: vec![d],
            }),
        }
    }
    cases
}

/// Text as XML attribute or element content: the five special characters
/// escaped, characters XML 1.0 cannot hold replaced by U+FFFD.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::printer::fixtures;

    #[test]
    fn suites_per_file_cases_per_method() {
        let mut out = Vec::new();
        print(&mut out, &fixtures::result()).unwrap();
        insta::assert_snapshot!(String::from_utf8(out).unwrap());
    }

    #[test]
    fn escaping() {
        assert_eq!(
            escape("a<b & \"c\" 'd'>\n\u{1}"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;&#10;\u{FFFD}"
        );
    }
}
