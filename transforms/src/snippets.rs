//! The Python text that gets inserted, kept as readable `.py` templates in
//! `snippets/`, and the one renderer for them.
//!
//! Templates use four spaces per level and `{placeholder}` names; a line
//! whose placeholders render empty and that consists only of them is dropped
//! (so an optional logger call disappears). Rendering does no indentation:
//! see [`crate::style::Stylist::reindent`].

pub const AUDIT_CONTEXT: &str = include_str!("../snippets/audit_context.py");
pub const AUDIT_CONTEXT_REQUIRED: &str = include_str!("../snippets/audit_context_required.py");
pub const SETTER_GUARDED: &str = include_str!("../snippets/setter_guarded.py");
pub const SETTER: &str = include_str!("../snippets/setter.py");
pub const STAMP_GUARDED: &str = include_str!("../snippets/stamp_guarded.py");
pub const TIMESTAMP: &str = include_str!("../snippets/timestamp.py");
pub const INTEGRITY_HANDLER: &str = include_str!("../snippets/integrity_error_handler.py");
pub const ROLLBACK: &str = include_str!("../snippets/rollback.py");

/// Render `template`, replacing each `{name}` by its value in `vars`.
/// Lines made only of placeholders that render empty are dropped.
///
/// Substitution is one pass over the template: a value is never searched
/// for placeholders itself (a value holding `{session}` stays as given), and
/// braces that name no variable (an f-string's `{e}`) are kept as written.
pub fn render(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    for line in template.split_inclusive('\n') {
        let mut rendered = String::with_capacity(line.len());
        let mut substituted = false;
        let mut rest = line;
        while let Some(open) = rest.find('{') {
            rendered.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let value = after.find('}').and_then(|close| {
                let name = &after[..close];
                vars.iter().find(|(n, _)| *n == name).map(|(_, v)| (*v, close))
            });
            match value {
                Some((value, close)) => {
                    rendered.push_str(value);
                    substituted = true;
                    rest = &after[close + 1..];
                }
                None => {
                    rendered.push('{');
                    rest = after;
                }
            }
        }
        rendered.push_str(rest);
        if substituted && rendered.trim().is_empty() {
            continue;
        }
        out.push_str(&rendered);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_fills_placeholders() {
        let got = render(
            "{entity}.{field} = {now}\n",
            &[("entity", "user"), ("field", "created_at"), ("now", "datetime.now()")],
        );
        assert_eq!(got, "user.created_at = datetime.now()\n");
    }

    #[test]
    fn render_drops_lines_that_render_empty() {
        let got = render("a()\n    {log}\nb()\n", &[("log", "")]);
        assert_eq!(got, "a()\nb()\n");
        let got = render("a()\n    {log}{more}  \nb()", &[("log", ""), ("more", "")]);
        assert_eq!(got, "a()\nb()");
    }

    #[test]
    fn render_keeps_blank_template_lines_and_partly_empty_lines() {
        let got = render("a()\n\n{await}db.rollback()\n", &[("await", "")]);
        assert_eq!(got, "a()\n\ndb.rollback()\n");
    }

    #[test]
    fn render_never_substitutes_inside_values() {
        let got = render("{a} {b}\n", &[("a", "{b}"), ("b", "x")]);
        assert_eq!(got, "{b} x\n");
    }

    #[test]
    fn render_keeps_unknown_braces() {
        let got = render("raise E(f\"{e}: {x}\")\n{", &[("x", "1")]);
        assert_eq!(got, "raise E(f\"{e}: 1\")\n{");
        assert_eq!(render("d = {}\n", &[]), "d = {}\n");
    }

    #[test]
    fn render_handles_multibyte_text() {
        assert_eq!(render("é{x}ü\n", &[("x", "→")]), "é→ü\n");
    }

    #[test]
    fn every_snippet_renders_to_valid_python() {
        let vars = [
            ("ctx", "audit_ctx"),
            ("context_class", "AuditContext"),
            ("constructor", "from_user"),
            ("user", "current_user"),
            ("entity", "item"),
            ("setter", "set_created_by"),
            ("field", "created_at"),
            ("now", "datetime.now(timezone.utc)"),
            ("integrity_error", "IntegrityError"),
            ("await", "await "),
            ("session", "db"),
            ("log", "logger.exception(\"integrity error\")"),
        ];
        let handler = render(INTEGRITY_HANDLER, &vars);
        let body: String = [
            AUDIT_CONTEXT,
            AUDIT_CONTEXT_REQUIRED,
            SETTER_GUARDED,
            SETTER,
            STAMP_GUARDED,
            TIMESTAMP,
            ROLLBACK,
        ]
        .iter()
        .map(|t| render(t, &vars))
        .collect();
        let mut module = String::from("async def f():\n    try:\n");
        for line in body.lines() {
            module.push_str(&format!("        {line}\n"));
        }
        for line in handler.lines() {
            module.push_str(&format!("    {line}\n"));
        }
        assert!(!module.contains("{ctx}") && !module.contains("{log}"));
        crate::testing::assert_parses(&module);
        assert!(handler.contains("logger.exception"));
        assert!(handler.contains("{e}"), "the f-string placeholder stays");
        // Without a logger, the log line goes.
        let quiet = render(INTEGRITY_HANDLER, &[("log", ""), ("await", "")]);
        assert_eq!(quiet.lines().count(), 3);
    }
}
