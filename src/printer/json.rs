//! JSON output: one object with `findings`, `errors`, `notes` and `summary`
//! (field names are a contract: PRODUCT.md §2). Typed structs, so the field
//! order is the order written here whatever serde_json's features are.
//! With `--statistics`, `statistics` (a count per rule, as ruff's
//! `--statistics --output-format json` lists them) takes the place of
//! `findings`.

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

#[derive(Serialize)]
struct StatisticsOutput<'a> {
    statistics: Vec<Statistic>,
    errors: Vec<Error<'a>>,
    notes: &'a [String],
    summary: Summary,
}

/// One rule's count, most frequent first (ties by code).
#[derive(Serialize)]
struct Statistic {
    code: &'static str,
    name: &'static str,
    count: usize,
    /// Findings of the rule `fix --apply` fixes (safe fixes).
    fixable: usize,
}

/// `check --statistics --format json`.
pub fn print_statistics(out: &mut dyn Write, result: &CheckResult) -> io::Result<()> {
    let mut by_rule: BTreeMap<crate::rules::Rule, (usize, usize)> = BTreeMap::new();
    for (_, d) in result.diagnostics() {
        let entry = by_rule.entry(d.rule).or_default();
        entry.0 += 1;
        entry.1 += usize::from(d.is_fixable_with(false));
    }
    let mut statistics: Vec<Statistic> = by_rule
        .iter()
        .map(|(rule, (count, fixable))| Statistic {
            code: rule.code(),
            name: rule.name(),
            count: *count,
            fixable: *fixable,
        })
        .collect();
    statistics.sort_by(|a, b| b.count.cmp(&a.count).then(a.code.cmp(b.code)));
    let output = StatisticsOutput {
        statistics,
        errors: errors(result),
        notes: &result.notes,
        summary: summary(result),
    };
    serde_json::to_writer_pretty(&mut *out, &output)?;
    writeln!(out)
}

fn errors(result: &CheckResult) -> Vec<Error<'_>> {
    result
        .errors
        .iter()
        .map(|e| Error {
            path: slash_path(&e.path),
            message: &e.message,
        })
        .collect()
}

fn summary(result: &CheckResult) -> Summary {
    let mut by_rule = BTreeMap::new();
    for (_, d) in result.diagnostics() {
        *by_rule.entry(d.rule.code()).or_insert(0) += 1;
    }
    Summary {
        files_checked: result.files_checked,
        findings: result.finding_count(),
        errors: result.errors.len(),
        fixable: Counts::of(result).fixable,
        by_rule,
    }
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
    let output = Output {
        errors: errors(result),
        notes: result.notes.iter().chain(&result.details).collect(),
        summary: summary(result),
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
    fn statistics_count_per_rule_most_frequent_first() {
        let mut out = Vec::new();
        print_statistics(&mut out, &fixtures::result()).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert!(value.get("findings").is_none(), "statistics replace the findings");
        let rows = value["statistics"].as_array().unwrap();
        let codes: Vec<&str> = rows.iter().map(|r| r["code"].as_str().unwrap()).collect();
        assert_eq!(codes, ["AUD001", "AUD004", "AUD007", "AUD011"]);
        assert_eq!(rows[0]["name"], "missing-user-parameter");
        assert_eq!(rows[0]["count"], 1);
        assert_eq!(rows[0]["fixable"], 1);
        assert_eq!(rows[2]["fixable"], 0, "an unsafe fix is not counted as fixable");
        assert_eq!(value["summary"]["findings"], 4);
        assert_eq!(value["errors"][0]["path"], "app/legacy, old.py");
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
