//! JSON output: one object with `findings`, `errors`, `notes` and `summary`
//! (field names are a contract: PRODUCT.md §2). Typed structs, so the field
//! order is the order written here whatever serde_json's features are.

use super::{slash_path, Counts};
use crate::diagnostic::CheckResult;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{self, Write};

#[derive(Serialize)]
struct Output<'a> {
    findings: Vec<Finding<'a>>,
    errors: Vec<Error<'a>>,
    /// Repository-wide notes said once (the mixin lacks a setter, ...),
    /// then the places left unchecked (calls that cannot be resolved).
    notes: Vec<&'a String>,
    summary: Summary,
}

#[derive(Serialize)]
struct Finding<'a> {
    code: &'static str,
    rule: &'static str,
    path: String,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    function: Option<&'a str>,
    message: &'a str,
    fix_applicability: &'static str,
}

#[derive(Serialize)]
struct Error<'a> {
    path: String,
    message: &'a str,
}

#[derive(Serialize)]
struct Summary {
    files_checked: usize,
    findings: usize,
    errors: usize,
    /// Findings `fix --apply` fixes (safe fixes).
    fixable: usize,
    /// Code → number of findings, for every code that has some.
    by_rule: BTreeMap<&'static str, usize>,
}

pub fn print(out: &mut dyn Write, result: &CheckResult) -> io::Result<()> {
    let findings: Vec<Finding> = result
        .diagnostics()
        .map(|(file, d)| Finding {
            code: d.rule.code(),
            rule: d.rule.name(),
            path: slash_path(&file.path),
            line: d.start.line,
            column: d.start.column,
            end_line: d.end.line,
            end_column: d.end.column,
            function: d.function.as_deref(),
            message: &d.message,
            fix_applicability: d.fix_applicability(),
        })
        .collect();
    let mut by_rule = BTreeMap::new();
    for finding in &findings {
        *by_rule.entry(finding.code).or_insert(0) += 1;
    }
    let output = Output {
        errors: result
            .errors
            .iter()
            .map(|e| Error {
                path: slash_path(&e.path),
                message: &e.message,
            })
            .collect(),
        notes: result.notes.iter().chain(&result.details).collect(),
        summary: Summary {
            files_checked: result.files_checked,
            findings: findings.len(),
            errors: result.errors.len(),
            fixable: Counts::of(result).fixable,
            by_rule,
        },
        findings,
    };
    serde_json::to_writer_pretty(&mut *out, &output)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::printer::fixtures;

    #[test]
    fn findings_errors_notes_and_summary() {
        let mut out = Vec::new();
        print(&mut out, &fixtures::result()).unwrap();
        let text = String::from_utf8(out).unwrap();
        insta::assert_snapshot!(text);
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["summary"]["by_rule"]["AUD004"], 1);
        assert_eq!(value["findings"][0]["fix_applicability"], "none");
    }

    #[test]
    fn empty_result() {
        let mut out = Vec::new();
        print(&mut out, &CheckResult::default()).unwrap();
        insta::assert_snapshot!(String::from_utf8(out).unwrap(), @r#"
        {
          "findings": [],
          "errors": [],
          "notes": [],
          "summary": {
            "files_checked": 0,
            "findings": 0,
            "errors": 0,
            "fixable": 0,
            "by_rule": {}
          }
        }
        "#);
    }
}
