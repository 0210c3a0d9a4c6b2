//! GitHub Actions workflow commands: one annotation per finding,
//!
//! ```text
//! ::error file=app/x.py,line=7,col=9,endLine=7,endColumn=26,title=AUD004::message
//! ```
//!
//! `::warning` for the informational AUD011, `::error file=...::...` for a
//! file that could not be checked (with `line=` and `col=` when the reason
//! points at a place, as a syntax error does), `::notice::...` for a
//! repository note (`file=` and `line=` when it is about a line).
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
        let location = match e.location() {
            Some((line, Some(column))) => format!(",line={line},col={column}"),
            Some((line, None)) => format!(",line={line}"),
            None => String::new(),
        };
        writeln!(
            out,
            "::error file={}{location}::{}",
            property(&slash_path(&e.path)),
            data(&e.message)
        )?;
    }
    for note in &result.notes {
        match note_location(note, result) {
            Some((path, line, message)) => {
                writeln!(out, "::notice file={},line={line}::{}", property(path), data(message))?
            }
            None => writeln!(out, "::notice::{}", data(note))?,
        }
    }
    Ok(())
}

/// A note about a line of a checked file (`path:line: message`, as the
/// callers' notes are): its path, line and message.
fn note_location<'a>(note: &'a str, result: &CheckResult) -> Option<(&'a str, usize, &'a str)> {
    let (place, message) = note.split_once(": ")?;
    let (path, line) = place.rsplit_once(':')?;
    let line = line.parse().ok()?;
    result
        .files
        .iter()
        .any(|f| f.path.to_string_lossy() == path)
        .then_some((path, line, message))
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
    fn errors_and_notes_carry_their_place_when_they_have_one() {
        let mut result = fixtures::result();
        result.errors.push(crate::diagnostic::FileError {
            path: "app/broken.py".into(),
            message: "syntax error at line 4, column 12: expected ':'; not checked".into(),
        });
        result
            .notes
            .push("app/services/user.py:9: `svc.create(x)` is a dynamic call; it cannot be checked".into());
        // A note naming a file that is not among the results stays unplaced.
        result.notes.push("elsewhere.py:3: not ours".into());
        let mut out = Vec::new();
        print(&mut out, &result).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines.contains(
            &"::error file=app/broken.py,line=4,col=12::syntax error at line 4, column 12: expected ':'; not checked"
        ));
        assert!(lines.contains(
            &"::notice file=app/services/user.py,line=9::`svc.create(x)` is a dynamic call; it cannot be checked"
        ));
        assert!(lines.contains(&"::notice::elsewhere.py:3: not ours"));
        // The error without a place has none.
        assert!(lines
            .iter()
            .any(|l| l.starts_with("::error file=app/legacy%2C old.py::")));
    }

    #[test]
    fn escaping() {
        assert_eq!(data("100% done\r\nnext: a,b"), "100%25 done%0D%0Anext: a,b");
        assert_eq!(property("C:\\a,b%.py"), "C%3A\\a%2Cb%25.py");
    }
}
