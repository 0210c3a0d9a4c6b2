//! Split a line of inserted code that is longer than the line length the
//! way ruff's formatter (and black) would, so that a formatted project stays
//! formatted after a fix.
//!
//! Only the shapes the transforms insert are handled, each split at its
//! outermost brackets:
//! 1. `target = value`: the value in parentheses on a line of its own; a
//!    conditional value still too long goes one part per line
//!    (`value` / `if test` / `else other`);
//! 2. a call, `f(a, b)` (also as the value of 1): the arguments on one line
//!    of their own inside the brackets when they fit there, else one per
//!    line with a trailing comma;
//!
//! and a bracketed list (a signature's parameters, an import's names) laid
//! out by [`bracketed`]. Anything else is left as it is: a long line is
//! better than a wrong split. Nothing here reads a tree: the input is text
//! this crate wrote, or items a transform took from the tree.

use crate::style::Stylist;

/// The lines (without line endings) that `indent` + `body` becomes.
pub(crate) fn fit(indent: &str, body: &str, stylist: &Stylist) -> Vec<String> {
    let limit = stylist.line_length;
    if width(indent) + width(body) <= limit {
        return vec![format!("{indent}{body}")];
    }
    let inner = format!("{indent}{}", stylist.indent_unit);
    // 1. An assignment: the value in parentheses.
    if let Some((target, value)) = assignment(body) {
        if let Some(lines) = call(indent, &format!("{target} = "), value, stylist) {
            return lines;
        }
        if value.starts_with(['(', '[', '{']) {
            return vec![format!("{indent}{body}")];
        }
        let mut lines = vec![format!("{indent}{target} = (")];
        match conditional(value) {
            Some(parts) if width(&inner) + width(value) > limit => {
                lines.extend(parts.iter().map(|p| format!("{inner}{p}")));
            }
            _ => lines.push(format!("{inner}{value}")),
        }
        lines.push(format!("{indent})"));
        return lines;
    }
    // 2. A call.
    call(indent, "", body, stylist).unwrap_or_else(|| vec![format!("{indent}{body}")])
}

/// `prefix` + `expr`, where `expr` is a call `f(...)` ending the line, split
/// in its brackets; `None` when `expr` is no such call.
fn call(indent: &str, prefix: &str, expr: &str, stylist: &Stylist) -> Option<Vec<String>> {
    let open = top_level_open(expr)?;
    let (callee, args) = (&expr[..open], &expr[open + 1..expr.len() - 1]);
    if callee.is_empty() || args.trim().is_empty() {
        return None;
    }
    let items = split_top_level(args)?;
    Some(bracketed(indent, &format!("{prefix}{callee}("), &items, ")", stylist))
}

/// `head` + the items + `tail` over several lines, as ruff lays out a
/// bracketed list that does not fit on one line: the items on one line of
/// their own when it fits (and they carry no trailing comma), else one per
/// line with a trailing comma.
pub(crate) fn bracketed(indent: &str, head: &str, items: &[String], tail: &str, stylist: &Stylist) -> Vec<String> {
    let inner = format!("{indent}{}", stylist.indent_unit);
    let joined = items.join(", ");
    let mut lines = vec![format!("{indent}{head}")];
    if width(&inner) + width(&joined) <= stylist.line_length {
        lines.push(format!("{inner}{joined}"));
    } else {
        lines.extend(items.iter().map(|item| format!("{inner}{item},")));
    }
    lines.push(format!("{indent}{tail}"));
    lines
}

/// Display width, as the formatter counts it (characters).
pub(crate) fn width(text: &str) -> usize {
    text.chars().count()
}

/// `(target, value)` of `target = value` with a plain name or attribute target.
fn assignment(body: &str) -> Option<(&str, &str)> {
    let (target, value) = body.split_once(" = ")?;
    let plain = !target.is_empty() && target.chars().all(|c| c == '_' || c == '.' || c.is_alphanumeric());
    plain.then_some((target, value))
}

/// The parts of `a if b else c` split at its top-level keywords.
fn conditional(value: &str) -> Option<[String; 3]> {
    let tokens = top_level_spans(value)?;
    let find = |word: &str, from: usize| {
        tokens
            .iter()
            .find(|(at, _)| *at >= from && value[*at..].starts_with(word))
            .map(|(at, _)| *at)
    };
    let when = find(" if ", 0)?;
    let otherwise = find(" else ", when)?;
    Some([
        value[..when].to_string(),
        value[when + 1..otherwise].to_string(),
        value[otherwise + 1..].to_string(),
    ])
}

/// The offset of the `(` whose `)` ends `expr`, when it is at depth zero.
fn top_level_open(expr: &str) -> Option<usize> {
    if !expr.ends_with(')') {
        return None;
    }
    let spans = top_level_spans(expr)?;
    let (at, _) = spans.iter().rev().find(|(_, c)| *c == '(')?;
    // The bracket closes at the very end: nothing at depth zero after it.
    let after_open = spans.iter().filter(|(i, _)| i > at).count();
    (after_open == 0).then_some(*at)
}

/// The characters at bracket depth zero outside strings, with their
/// offsets; `None` when the brackets or quotes do not balance.
fn top_level_spans(text: &str) -> Option<Vec<(usize, char)>> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut out = Vec::new();
    for (i, c) in text.char_indices() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' => quote = Some(c),
            '(' | '[' | '{' => {
                if depth == 0 {
                    out.push((i, c));
                }
                depth += 1;
            }
            ')' | ']' | '}' => depth = depth.checked_sub(1)?,
            _ if depth == 0 => out.push((i, c)),
            _ => {}
        }
    }
    (depth == 0 && quote.is_none()).then_some(out)
}

/// The comma-separated items of `args`, split at depth zero.
fn split_top_level(args: &str) -> Option<Vec<String>> {
    let spans = top_level_spans(args)?;
    let mut items = Vec::new();
    let mut start = 0;
    for (at, c) in spans {
        if c == ',' {
            items.push(args[start..at].trim().to_string());
            start = at + 1;
        }
    }
    let last = args[start..].trim();
    if !last.is_empty() {
        items.push(last.to_string());
    }
    (!items.iter().any(String::is_empty)).then_some(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fitted(indent: &str, body: &str) -> String {
        fit(indent, body, &Stylist::default()).join("\n")
    }

    #[test]
    fn short_lines_stay() {
        assert_eq!(fitted("    ", "x = 1"), "    x = 1");
    }

    #[test]
    fn a_long_conditional_assignment_goes_in_parentheses() {
        let body = "audit_ctx = AuditContext.from_user(created_by_user) if created_by_user else None";
        assert_eq!(
            fitted("            ", body),
            "            audit_ctx = (\n                AuditContext.from_user(created_by_user) if created_by_user else None\n            )"
        );
        let deep = " ".repeat(24);
        assert_eq!(
            fitted(&deep, body),
            format!(
                "{deep}audit_ctx = (\n{deep}    AuditContext.from_user(created_by_user)\n{deep}    if created_by_user\n{deep}    else None\n{deep})"
            )
        );
    }

    #[test]
    fn a_long_call_hugs_or_explodes() {
        let body = "connector_instance.set_created_by(audit_ctx.user_email, audit_ctx.user_name)";
        assert_eq!(
            fitted("                ", body),
            "                connector_instance.set_created_by(\n                    audit_ctx.user_email, audit_ctx.user_name\n                )"
        );
        let body = "x.f(\"a, (b)\", some_rather_long_argument_name_number_one, some_rather_long_argument_name_two)";
        assert_eq!(
            fitted("    ", body),
            "    x.f(\n        \"a, (b)\",\n        some_rather_long_argument_name_number_one,\n        some_rather_long_argument_name_two,\n    )"
        );
    }

    #[test]
    fn other_shapes_are_left_long() {
        let body = format!("raise ValueError(f\"{}\") from e", "x".repeat(90));
        assert_eq!(fitted("", &body), body);
    }
}
