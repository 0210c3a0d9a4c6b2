//! JSON output: one object with `findings`, `errors` and `summary`
//! (field names are a contract: PRODUCT.md §2).

use crate::diagnostic::CheckResult;
use serde_json::json;
use std::io::{self, Write};

pub fn print(out: &mut dyn Write, result: &CheckResult) -> io::Result<()> {
    let findings: Vec<_> = result
        .diagnostics()
        .map(|(file, d)| {
            json!({
                "code": d.rule.code(),
                "rule": d.rule.name(),
                "path": file.path.to_string_lossy(),
                "line": d.start.line,
                "column": d.start.column,
                "end_line": d.end.line,
                "end_column": d.end.column,
                "function": d.function,
                "message": d.message,
                "fix_applicability": d.fix_applicability(),
            })
        })
        .collect();
    let errors: Vec<_> = result
        .errors
        .iter()
        .map(|e| json!({"path": e.path.to_string_lossy(), "message": e.message}))
        .collect();
    let value = json!({
        "findings": findings,
        "errors": errors,
        "summary": {
            "files_checked": result.files_checked,
            "findings": result.finding_count(),
            "errors": result.errors.len(),
        },
    });
    serde_json::to_writer_pretty(&mut *out, &value)?;
    writeln!(out)
}
