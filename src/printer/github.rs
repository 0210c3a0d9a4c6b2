//! GitHub Actions workflow commands: one annotation per finding,
//!
//! ```text
//! ::error file=app/x.py,line=7,col=9,endLine=7,endColumn=26,title=AUD004::message
//! ```
//!
//! `::warning` for the informational AUD011, `::error file=...::...` for a
//! file that could not be checked, `::notice::...` for a repository note.
//! Values are escaped as the runner expects: `%`, `\r`, `\n` everywhere, and
//! also `:` and `,` inside properties.

use super::slash_path;
use crate::diagnostic::CheckResult;
use crate::rules::Rule;
use std::io::{self, Write};

pub fn print(out: &mut dyn Write, result: &CheckResult) -> io::Result<()> {
    for (file, d) in result.diagnostics() {
        let command = match d.rule {
            Rule::ModelWithoutAuditMixin => "warning",
            _ => "error",
        };
        writeln!(
            out,
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            property(&slash_path(&file.path)),
            d.start.line,
            d.start.column,
            d.end.line,
            d.end.column,
            property(d.rule.code()),
            data(&d.message)
        )?;
    }
    for e in &result.errors {
        writeln!(
            out,
            "::error file={}::{}",
            property(&slash_path(&e.path)),
            data(&e.message)
        )?;
    }
    for note in &result.notes {
        writeln!(out, "::notice::{}", data(note))?;
    }
    Ok(())
}

/// Escape a command's message.
pub fn data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escape a command property's value.
pub fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::printer::fixtures;

    #[test]
    fn annotations_for_findings_errors_and_notes() {
        let mut out = Vec::new();
        print(&mut out, &fixtures::result()).unwrap();
        insta::assert_snapshot!(String::from_utf8(out).unwrap());
    }

    #[test]
    fn escaping() {
        assert_eq!(data("100% done\r\nnext: a,b"), "100%25 done%0D%0Anext: a,b");
        assert_eq!(property("C:\\a,b%.py"), "C%3A\\a%2Cb%25.py");
    }
}
