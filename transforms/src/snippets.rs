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
pub const TIMESTAMP: &str = include_str!("../snippets/timestamp.py");
pub const INTEGRITY_HANDLER: &str = include_str!("../snippets/integrity_error_handler.py");
pub const ROLLBACK: &str = include_str!("../snippets/rollback.py");

/// Render `template`, replacing each `{name}` by its value in `vars`.
/// Lines made only of placeholders that render empty are dropped.
pub fn render(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    for line in template.split_inclusive('\n') {
        let mut rendered = line.to_string();
        let mut only_placeholders_empty = line.contains('{');
        for (name, value) in vars {
            let key = format!("{{{name}}}");
            if rendered.contains(&key) {
                if !value.is_empty() {
                    only_placeholders_empty = false;
                }
                rendered = rendered.replace(&key, value);
            }
        }
        if only_placeholders_empty && rendered.trim().is_empty() {
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
    }
}
