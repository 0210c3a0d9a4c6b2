//! Inline suppressions: reading `# auditfix: ignore[...]` and `# noqa: ...`
//! comments, and adding `# noqa: AUDxxx` ones (`check --add-noqa`).
//!
//! What lives here: the two comment syntaxes, parsed one line at a time
//! ([`directives`]); whether a line suppresses a rule ([`suppresses`]); the
//! warnings for codes that name no rule and for suppressions that
//! suppressed nothing ([`warnings`]); the text of a line with a `noqa`
//! code added ([`add_noqa`]). What does not: deciding which line a finding
//! is suppressed on (the checker and the callers' checker ask about the
//! finding's line and its method's `def` line), or writing files.
//!
//! The two syntaxes, as their tools have them:
//! - `# auditfix: ignore` (every rule) or `# auditfix: ignore[AUD003, AUD004]`
//!   (codes, prefixes such as `AUD00`, or rule names);
//! - ruff's `# noqa` (every rule: a bare `noqa` silences every tool that
//!   reads it, as in ruff and flake8) or `# noqa: AUD001, AUD004` (codes
//!   separated by commas or spaces; `noqa` in any case). Codes of other
//!   tools in the same comment (`# noqa: E501, AUD001`) are theirs: only
//!   codes starting with `AUD` are read here.

use crate::rules::{self, Rule};

/// Which comment a directive was written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    /// `# auditfix: ignore[...]`.
    Ignore,
    /// `# noqa: ...`.
    Noqa,
}

/// One suppression comment of one line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directive {
    pub syntax: Syntax,
    /// Byte offset of the directive's `#` in the line.
    pub offset: usize,
    /// The codes it names (ours only, for `noqa`); `None`: every rule.
    pub codes: Option<Vec<String>>,
}

impl Directive {
    /// Whether this directive suppresses `rule`.
    pub fn suppresses(&self, rule: Rule) -> bool {
        match &self.codes {
            None => true,
            Some(codes) => codes.iter().any(|code| match self.syntax {
                Syntax::Ignore => rules::matches_selector(rule, code),
                Syntax::Noqa => rule.code().eq_ignore_ascii_case(code),
            }),
        }
    }

    /// Whether `code` names a rule, as this syntax reads codes.
    fn knows(&self, code: &str) -> bool {
        match self.syntax {
            Syntax::Ignore => rules::is_known_selector(code),
            Syntax::Noqa => Rule::ALL.iter().any(|r| r.code().eq_ignore_ascii_case(code)),
        }
    }
}

/// The suppression directives in the comment of `line` (one line of
/// source, without its line ending). Only text after a `#` is read.
pub fn directives(line: &str) -> Vec<Directive> {
    let Some(hash) = line.find('#') else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let comment = &line[hash..];
    let lower = comment.to_ascii_lowercase();
    // `# auditfix: ignore` / `# auditfix: ignore[...]`.
    if let Some(pos) = comment.find("auditfix: ignore") {
        let rest = &comment[pos + "auditfix: ignore".len()..];
        let codes = rest.strip_prefix('[').map(|list| {
            list.split(']')
                .next()
                .unwrap_or("")
                .split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_string)
                .collect()
        });
        out.push(Directive {
            syntax: Syntax::Ignore,
            offset: hash + comment[..pos].rfind('#').unwrap_or(0),
            codes,
        });
    }
    // `# noqa` / `# noqa: CODES`: `noqa` right after a `#` (spaces between).
    let mut from = 0;
    while let Some(found) = lower[from..].find("noqa") {
        let pos = from + found;
        from = pos + 4;
        let before = comment[..pos].trim_end_matches([' ', '\t']);
        if !before.ends_with('#') {
            continue;
        }
        let rest = &comment[pos + 4..];
        if rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        let codes = rest.trim_start_matches([' ', '\t']).strip_prefix(':').map(|list| {
            list.split(|c: char| c == ',' || c.is_whitespace())
                .map(str::trim)
                .take_while(|c| !c.starts_with('#'))
                .filter(|c| !c.is_empty())
                .filter(|c| c.len() >= 3 && c[..3].eq_ignore_ascii_case("AUD"))
                .map(str::to_string)
                .collect()
        });
        out.push(Directive {
            syntax: Syntax::Noqa,
            offset: hash + before.len() - 1,
            codes,
        });
    }
    out
}

/// Whether the line `line` suppresses `rule`.
pub fn suppresses(line: &str, rule: Rule) -> bool {
    if !line.contains('#') {
        return false;
    }
    directives(line).iter().any(|d| d.suppresses(rule))
}

/// A suppression that is wrong or useless, at a 1-based line and column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// The lines of `text` that hold a suppression directive, 1-based, without
/// their line endings: all [`warnings`] needs of a file.
pub fn directive_lines(text: &str) -> Vec<(usize, String)> {
    // Most files have none: three fast searches decide (a directive in
    // mixed case, `# NoQa`, still suppresses; it is not checked).
    let bytes = text.as_bytes();
    let has = |needle: &[u8]| memchr::memmem::find(bytes, needle).is_some();
    if !has(b"noqa") && !has(b"NOQA") && !has(b"auditfix") {
        return Vec::new();
    }
    text.split('\n')
        .enumerate()
        .map(|(n, line)| (n + 1, line.strip_suffix('\r').unwrap_or(line)))
        .filter(|(_, line)| line.contains('#') && !directives(line).is_empty())
        .map(|(n, line)| (n, line.to_string()))
        .collect()
}

/// The warnings for the suppressions on `lines` (see [`directive_lines`]):
/// codes that name no rule, and codes (or a bare `# auditfix: ignore`)
/// that suppressed no finding. `used` holds the `(line, rule)` of every
/// finding a suppression on `line` silenced; `ran` says whether a rule ran
/// on this file (a suppression of a rule that did not run is not said to
/// be unused). A bare `# noqa` is never called unused: other tools read it
/// too.
pub fn warnings(lines: &[(usize, String)], used: &[(usize, Rule)], ran: &dyn Fn(Rule) -> bool) -> Vec<Warning> {
    let mut out = Vec::new();
    for (number, line) in lines {
        let number = *number;
        let used_here: Vec<Rule> = used.iter().filter(|(l, _)| *l == number).map(|(_, r)| *r).collect();
        for directive in directives(line) {
            let column = line[..directive.offset].chars().count() + 1;
            let spelled = match directive.syntax {
                Syntax::Ignore => "`# auditfix: ignore`",
                Syntax::Noqa => "`# noqa`",
            };
            let Some(codes) = &directive.codes else {
                if directive.syntax == Syntax::Ignore && used_here.is_empty() {
                    out.push(Warning {
                        line: number,
                        column,
                        message: format!("unused suppression {spelled}: no finding on this line to suppress"),
                    });
                }
                continue;
            };
            for code in codes {
                if !directive.knows(code) {
                    out.push(Warning {
                        line: number,
                        column,
                        message: format!("unknown rule code `{code}` in {spelled} (see `auditfix rules`)"),
                    });
                    continue;
                }
                let single = Directive {
                    codes: Some(vec![code.clone()]),
                    ..directive.clone()
                };
                let ran_here = Rule::ALL.iter().any(|r| single.suppresses(*r) && ran(*r));
                if ran_here && !used_here.iter().any(|r| single.suppresses(*r)) {
                    out.push(Warning {
                        line: number,
                        column,
                        message: format!("unused suppression of `{code}` in {spelled}: no such finding on this line"),
                    });
                }
            }
        }
    }
    out
}

/// `line` (without its line ending) with `# noqa: CODE` for each of
/// `codes` it does not suppress yet: merged into its `# noqa: ...` comment
/// when it has one, else appended after two spaces. `None` when nothing is
/// to add (a bare `# noqa`, or every code already there).
pub fn add_noqa(line: &str, codes: &[Rule]) -> Option<String> {
    let missing: Vec<&str> = codes
        .iter()
        .filter(|rule| !suppresses(line, **rule))
        .map(|rule| rule.code())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    if missing.is_empty() {
        return None;
    }
    let noqa = directives(line).into_iter().find(|d| d.syntax == Syntax::Noqa);
    match noqa {
        // `# noqa: E501` or `# noqa: AUD001`: the codes go at the end of its list.
        Some(directive) => {
            let noqa = directive.offset + line[directive.offset..].to_ascii_lowercase().find("noqa")? + 4;
            let colon = line[noqa..].find(':')? + 1;
            let list_start = noqa + colon;
            let list = &line[list_start..];
            // The list ends at the next `#` (another comment) or the line's end.
            let list_len = list.find('#').unwrap_or(list.len());
            let kept = list[..list_len].trim_end();
            let separator = if kept.trim().is_empty() { " " } else { ", " };
            let rest = &list[list_len..];
            let gap = if rest.is_empty() { "" } else { "  " };
            Some(format!(
                "{}{kept}{separator}{}{gap}{rest}",
                &line[..list_start],
                missing.join(", ")
            ))
        }
        None => Some(format!("{}  # noqa: {}", line.trim_end(), missing.join(", "))),
    }
}

/// `text` with `# noqa` comments for `findings` (each a 1-based line and
/// its rule) added by [`add_noqa`], the line endings kept. Returns the new
/// text, how many codes were added, and the lines left alone because they
/// end inside a multi-line string or continue with a backslash (a comment
/// cannot go there). When the new text would not parse, nothing is added.
pub fn add_noqa_to_text(text: &str, findings: &[(usize, Rule)]) -> (String, usize, Vec<usize>) {
    let mut by_line: std::collections::BTreeMap<usize, Vec<Rule>> = std::collections::BTreeMap::new();
    for (line, rule) in findings {
        by_line.entry(*line).or_default().push(*rule);
    }
    let tree = crate::analysis::source::parse(text);
    let root = tree.root_node();
    let mut out = String::with_capacity(text.len() + 32 * by_line.len());
    let mut added = 0;
    let mut skipped = Vec::new();
    let mut offset = 0;
    for (n, piece) in text.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += piece.len();
        let body = piece.trim_end_matches(['\n', '\r']);
        let ending = &piece[body.len()..];
        let Some(rules) = by_line.get(&(n + 1)) else {
            out.push_str(piece);
            continue;
        };
        let end = start + body.len();
        if body.trim_end().ends_with('\\') || inside_string(root, end) {
            skipped.push(n + 1);
            out.push_str(piece);
            continue;
        }
        match add_noqa(body, rules) {
            Some(new_line) => {
                added += rules
                    .iter()
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .filter(|rule| !suppresses(body, **rule))
                    .count();
                out.push_str(&new_line);
                out.push_str(ending);
            }
            None => out.push_str(piece),
        }
    }
    if added > 0 && crate::analysis::source::syntax_error(&crate::analysis::source::parse(&out), &out).is_some() {
        return (text.to_string(), 0, skipped);
    }
    (out, added, skipped)
}

/// Whether byte `offset` (a line's end) lies inside a string literal that
/// goes on over the next line.
fn inside_string(root: tree_sitter::Node<'_>, offset: usize) -> bool {
    let mut node = root.descendant_for_byte_range(offset, offset);
    while let Some(n) = node {
        if matches!(n.kind(), "string" | "concatenated_string") && n.start_byte() < offset && offset < n.end_byte() {
            return true;
        }
        node = n.parent();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noqa_with_codes_suppresses_only_those() {
        let line = "    def create(self):  # noqa: AUD001, AUD004";
        assert!(suppresses(line, Rule::MissingUserParameter));
        assert!(suppresses(line, Rule::MissingExplicitTimestamp));
        assert!(!suppresses(line, Rule::MissingAuditContext));
        // Without a space, in lower case, separated by spaces, among other tools' codes.
        assert!(suppresses("x  #noqa:aud001", Rule::MissingUserParameter));
        assert!(suppresses("x  # NOQA: E501 AUD002", Rule::MissingAuditContext));
        assert!(!suppresses("x  # noqa: E501", Rule::MissingAuditContext));
    }

    #[test]
    fn bare_noqa_suppresses_every_rule() {
        assert!(suppresses("x = 1  # noqa", Rule::MissingAuditContext));
        assert!(suppresses("x = 1  # noqa  # a reason", Rule::MissingAuditContext));
        // Not a directive: `noqa` inside a word, or not right after `#`.
        assert!(!suppresses("x = 1  # noqaish", Rule::MissingAuditContext));
        assert!(!suppresses("x = 1  # see noqa docs", Rule::MissingAuditContext));
        assert!(!suppresses("x = 'noqa'", Rule::MissingAuditContext));
    }

    #[test]
    fn auditfix_ignore_reads_codes_prefixes_and_names() {
        assert!(suppresses("x  # auditfix: ignore", Rule::MissingAuditSetter));
        assert!(suppresses("x  # auditfix: ignore[AUD00]", Rule::MissingAuditSetter));
        assert!(suppresses(
            "x  # auditfix: ignore[missing-audit-setter]",
            Rule::MissingAuditSetter
        ));
        assert!(!suppresses("x  # auditfix: ignore[AUD001]", Rule::MissingAuditSetter));
        // Both on one line.
        let both = "x  # auditfix: ignore[AUD001]  # noqa: AUD003";
        assert!(suppresses(both, Rule::MissingUserParameter) && suppresses(both, Rule::MissingAuditSetter));
    }

    #[test]
    fn unknown_and_unused_codes_are_warned_about() {
        let text = "a  # noqa: AUD999, E501\nb  # auditfix: ignore[AUD0X]\nc  # noqa: AUD001\nd  # noqa: AUD004\ne  # noqa\nf  # auditfix: ignore\n";
        let used = [(4, Rule::MissingExplicitTimestamp)];
        let warnings = warnings(&directive_lines(text), &used, &|_| true);
        let lines: Vec<String> = warnings
            .iter()
            .map(|w| format!("{}:{}: {}", w.line, w.column, w.message))
            .collect();
        assert_eq!(
            lines,
            [
                "1:4: unknown rule code `AUD999` in `# noqa` (see `auditfix rules`)",
                "2:4: unknown rule code `AUD0X` in `# auditfix: ignore` (see `auditfix rules`)",
                "3:4: unused suppression of `AUD001` in `# noqa`: no such finding on this line",
                "6:4: unused suppression `# auditfix: ignore`: no finding on this line to suppress",
            ]
        );
        // A rule that did not run leaves its suppressions alone.
        assert!(super::warnings(&directive_lines("c  # noqa: AUD001\n"), &[], &|_| false).is_empty());
        // Lines without a directive are not kept.
        assert_eq!(
            directive_lines("a\nb  # why\nc  # NOQA\r\n"),
            [(3, "c  # NOQA".to_string())]
        );
    }

    #[test]
    fn add_noqa_appends_or_merges() {
        let timestamp = [Rule::MissingExplicitTimestamp];
        assert_eq!(
            add_noqa("        self.db.add(x)", &timestamp).unwrap(),
            "        self.db.add(x)  # noqa: AUD004"
        );
        assert_eq!(add_noqa("x  # why", &timestamp).unwrap(), "x  # why  # noqa: AUD004");
        assert_eq!(
            add_noqa("x  # noqa: E501", &timestamp).unwrap(),
            "x  # noqa: E501, AUD004"
        );
        assert_eq!(
            add_noqa("x  # noqa:AUD001  # reason", &timestamp).unwrap(),
            "x  # noqa:AUD001, AUD004  # reason"
        );
        assert_eq!(
            add_noqa(
                "x",
                &[
                    Rule::MissingExplicitTimestamp,
                    Rule::MissingUserParameter,
                    Rule::MissingUserParameter
                ]
            )
            .unwrap(),
            "x  # noqa: AUD001, AUD004"
        );
        // Already suppressed: nothing to add.
        assert_eq!(add_noqa("x  # noqa", &timestamp), None);
        assert_eq!(add_noqa("x  # noqa: AUD004", &timestamp), None);
        assert_eq!(add_noqa("x  # auditfix: ignore[AUD004]", &timestamp), None);
    }

    #[test]
    fn add_noqa_to_text_keeps_line_endings_and_skips_strings() {
        let text = "a = 1\r\nb = \"\"\"x\r\ny\"\"\"\r\nc = (1 +\r\n     2)\r\nd = 1 + \\\r\n    2\r\n";
        let findings = [
            (1, Rule::MissingUserParameter),
            (1, Rule::MissingUserParameter),
            (2, Rule::MissingAuditContext),
            (4, Rule::MissingAuditSetter),
            (6, Rule::MissingAuditSetter),
        ];
        let (out, added, skipped) = add_noqa_to_text(text, &findings);
        assert_eq!(
            out,
            "a = 1  # noqa: AUD001\r\nb = \"\"\"x\r\ny\"\"\"\r\nc = (1 +  # noqa: AUD003\r\n     2)\r\nd = 1 + \\\r\n    2\r\n"
        );
        assert_eq!((added, skipped), (2, vec![2, 6]));
    }
}
