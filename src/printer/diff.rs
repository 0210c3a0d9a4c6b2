//! Unified diffs (`--- a/path` / `+++ b/path`, real 1-based hunk headers,
//! three lines of context), applicable with `git apply`; colored only when
//! asked. Also whether to color by default, from the environment's
//! `NO_COLOR` / `CLICOLOR_FORCE` / `CLICOLOR` conventions.
//!
//! The text is diffed by lines with their own endings, so CRLF files produce
//! CRLF diff lines and a missing final newline gets git's
//! `\ No newline at end of file` marker.
//!
//! [`labelled_diff`] names, after each hunk header (where git puts a
//! section heading, so the patch still applies), the findings whose fixes
//! made the hunk, as `ruff --show-fixes` names what it fixed.

use super::{slash_path, Paint};
use std::ffi::OsStr;
use std::path::Path;

/// The unified diff from `old` to `new` for `path`; empty when equal.
pub fn unified_diff(path: &Path, old: &str, new: &str, color: bool) -> String {
    if old == new {
        return String::new();
    }
    // An absolute path (outside the working directory) keeps one slash: `a/tmp/x.py`.
    let name = slash_path(path).trim_start_matches('/').to_string();
    let plain = similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .missing_newline_hint(true)
        .header(&format!("a/{name}"), &format!("b/{name}"))
        .to_string();
    if color {
        colorize(&plain)
    } else {
        plain
    }
}

/// [`unified_diff`], each hunk header followed by `label(first, last)`: the
/// findings whose fixes edit lines `first..=last` of `old` (1-based), as
/// one line of text (see [`hunk_label`]); nothing when it is empty.
pub fn labelled_diff(path: &Path, old: &str, new: &str, color: bool, label: &dyn Fn(usize, usize) -> String) -> String {
    let plain = unified_diff(path, old, new, false);
    let mut out = String::with_capacity(plain.len() + 256);
    for line in plain.split_inclusive('\n') {
        let raw = line.trim_end_matches(['\n', '\r']);
        let ending = &line[raw.len()..];
        match old_range(raw) {
            Some((first, count)) => {
                let text = label(first, first + count.max(1) - 1);
                out.push_str(raw);
                if !text.is_empty() {
                    out.push(' ');
                    out.push_str(&text.replace(['\n', '\r'], " "));
                }
                out.push_str(ending);
            }
            None => out.push_str(line),
        }
    }
    if color {
        colorize(&out)
    } else {
        out
    }
}

/// The findings behind a hunk as its label: `AUD004 message; AUD002 message`.
pub fn hunk_label<'a>(findings: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut seen = Vec::new();
    for (code, message) in findings {
        let item = format!("{code} {message}");
        if !seen.contains(&item) {
            seen.push(item);
        }
    }
    seen.join("; ")
}

/// `(first, count)` of the old side of a hunk header `@@ -first,count +... @@`.
fn old_range(line: &str) -> Option<(usize, usize)> {
    let rest = line.strip_prefix("@@ -")?;
    let old = rest.split(' ').next()?;
    let (first, count) = match old.split_once(',') {
        Some((first, count)) => (first.parse().ok()?, count.parse().ok()?),
        None => (old.parse().ok()?, 1),
    };
    Some((first, count))
}

/// Headers bold, removed lines red, added lines green, hunk headers cyan.
/// The escape codes close before each line's ending, so CRLF stays intact.
fn colorize(diff: &str) -> String {
    let paint = Paint { enabled: true };
    let mut out = String::with_capacity(diff.len() + diff.len() / 4);
    let mut in_header = true;
    for line in diff.split_inclusive('\n') {
        let raw = line.trim_end_matches(['\n', '\r']);
        let ending = &line[raw.len()..];
        // Colored means shown on a terminal: escape sequences in the source
        // are shown, not acted on.
        let body = &*super::escape_controls(raw);
        let style = if in_header && (body.starts_with("--- ") || body.starts_with("+++ ")) {
            Some(Paint::BOLD)
        } else if let Some(rest) = body.strip_prefix("@@") {
            in_header = false;
            // The hunk's label, after the header, in the text's own color.
            if let Some(end) = rest.find("@@").map(|i| i + 4) {
                out.push_str(&paint.paint(Paint::CYAN, &body[..end]));
                out.push_str(&body[end..]);
                out.push_str(ending);
                continue;
            }
            Some(Paint::CYAN)
        } else if body.starts_with('-') {
            Some(Paint::RED)
        } else if body.starts_with('+') {
            Some(Paint::GREEN)
        } else {
            None
        };
        match style {
            Some(style) => out.push_str(&paint.paint(style, body)),
            None => out.push_str(body),
        }
        out.push_str(ending);
    }
    out
}

/// Whether output to a stream should be colored when the user did not say:
/// `CLICOLOR_FORCE` (set, not `0`) forces color, `NO_COLOR` (set, not empty)
/// or `CLICOLOR=0` turn it off, otherwise color goes to terminals only.
pub fn colored_by_default(stream_is_terminal: bool) -> bool {
    color_decision(
        stream_is_terminal,
        std::env::var_os("NO_COLOR").as_deref(),
        std::env::var_os("CLICOLOR_FORCE").as_deref(),
        std::env::var_os("CLICOLOR").as_deref(),
    )
}

fn color_decision(terminal: bool, no_color: Option<&OsStr>, force: Option<&OsStr>, clicolor: Option<&OsStr>) -> bool {
    if force.is_some_and(|v| !v.is_empty() && v != "0") {
        return true;
    }
    if no_color.is_some_and(|v| !v.is_empty()) || clicolor.is_some_and(|v| v == "0") {
        return false;
    }
    terminal
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    /// Issue 17, item 10: on a terminal (colored), an escape sequence in
    /// the source is shown escaped; plain output stays a patch `git apply`
    /// takes, bytes as they are.
    #[test]
    fn escape_sequences_in_the_source_do_not_reach_a_terminal() {
        let old = "x = 1\ns = '\x1b[2J'\n";
        let new = "x = 2\ns = '\x1b[2J'\n";
        let colored = unified_diff(Path::new("a.py"), old, new, true);
        assert!(colored.contains(" s = '\\u{1b}[2J'"), "{colored}");
        assert!(!colored.contains("\x1b[2J"), "{colored}");
        let plain = unified_diff(Path::new("a.py"), old, new, false);
        assert!(plain.contains(" s = '\x1b[2J'\n"), "{plain}");
    }

    #[test]
    fn hunks_are_labelled_with_the_findings_on_their_lines() {
        let old = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\n";
        let new = "A\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nM\n";
        let label = |first: usize, last: usize| {
            let findings = [("AUD009", "`x` is unbound", 1), ("AUD004", "no `created_at`", 13)];
            hunk_label(
                findings
                    .iter()
                    .filter(|(_, _, line)| (first..=last).contains(line))
                    .map(|(code, message, _)| (*code, *message)),
            )
        };
        let diff = labelled_diff(Path::new("x.py"), old, new, false, &label);
        assert!(diff.contains("@@ -1,4 +1,4 @@ AUD009 `x` is unbound\n"), "{diff}");
        assert!(diff.contains("@@ -10,4 +10,4 @@ AUD004 no `created_at`\n"), "{diff}");
        // Still a patch: the label is git's section heading.
        assert_eq!(
            diff.replace(" AUD009 `x` is unbound", "")
                .replace(" AUD004 no `created_at`", ""),
            unified_diff(Path::new("x.py"), old, new, false)
        );
        let colored = labelled_diff(Path::new("x.py"), old, new, true, &label);
        assert!(colored.contains("\x1b[36m@@ -1,4 +1,4 @@\x1b[0m AUD009"), "{colored}");
    }

    #[test]
    fn equal_texts_give_no_diff() {
        assert_eq!(unified_diff(Path::new("a.py"), "x\n", "x\n", false), "");
    }

    #[test]
    fn headers_and_hunks() {
        let old = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n";
        let new = "a\nb\nc\nd\nE\nf\ng\nh\ni\nj\nk\n";
        let diff = unified_diff(Path::new("app/x.py"), old, new, false);
        insta::assert_snapshot!(diff, @r"
        --- a/app/x.py
        +++ b/app/x.py
        @@ -2,9 +2,10 @@
         b
         c
         d
        -e
        +E
         f
         g
         h
         i
         j
        +k
        ");
    }

    #[test]
    fn missing_final_newline_is_marked() {
        let diff = unified_diff(Path::new("x.py"), "a\nb", "a\nc", false);
        assert_eq!(
            diff,
            "--- a/x.py\n+++ b/x.py\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n"
        );
    }

    #[test]
    fn crlf_lines_keep_their_endings() {
        let diff = unified_diff(Path::new("x.py"), "a\r\nb\r\n", "a\r\nc\r\n", false);
        assert_eq!(diff, "--- a/x.py\n+++ b/x.py\n@@ -1,2 +1,2 @@\n a\r\n-b\r\n+c\r\n");
    }

    #[test]
    fn color_wraps_each_line_but_not_its_ending() {
        let diff = unified_diff(Path::new("x.py"), "a\r\nb\r\n", "a\r\nc\r\n", true);
        assert_eq!(
            diff,
            "\x1b[1m--- a/x.py\x1b[0m\n\x1b[1m+++ b/x.py\x1b[0m\n\x1b[36m@@ -1,2 +1,2 @@\x1b[0m\n a\r\n\x1b[31m-b\x1b[0m\r\n\x1b[32m+c\x1b[0m\r\n"
        );
    }

    #[test]
    fn color_follows_no_color_and_clicolor_force() {
        let set = Some(OsStr::new("1"));
        let empty = Some(OsStr::new(""));
        let zero = Some(OsStr::new("0"));
        assert!(color_decision(true, None, None, None));
        assert!(!color_decision(false, None, None, None));
        assert!(!color_decision(true, set, None, None));
        assert!(color_decision(true, empty, None, None));
        assert!(color_decision(false, None, set, None));
        assert!(!color_decision(false, None, zero, None));
        assert!(color_decision(false, set, set, None));
        assert!(!color_decision(true, None, None, zero));
    }

    fn git(dir: &Path, args: &[&str]) -> Option<String> {
        let output = Command::new("git").arg("-C").arg(dir).args(args).output().ok()?;
        if output.status.success() {
            Some(String::from_utf8_lossy(&output.stdout).into_owned())
        } else {
            panic!("git {args:?} failed: {}", String::from_utf8_lossy(&output.stderr));
        }
    }

    /// Write `old`, apply our diff with `git apply`, expect `new`.
    fn round_trip(name: &str, old: &str, new: &str) {
        let repo = tempfile::tempdir().unwrap();
        if Command::new("git").arg("--version").output().is_err() {
            eprintln!("skipped: git is not available");
            return;
        }
        git(repo.path(), &["init", "-q"]);
        let path = repo.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, old).unwrap();
        let patch = repo.path().join("change.patch");
        std::fs::write(&patch, unified_diff(Path::new(name), old, new, false)).unwrap();
        git(repo.path(), &["apply", "--check", "change.patch"]);
        git(repo.path(), &["apply", "change.patch"]);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), new, "{name}");
    }

    #[test]
    fn diffs_apply_with_git_apply() {
        let body: String = (1..=30).map(|i| format!("line {i}\n")).collect();
        let edited = body
            .replace("line 3\n", "line 3\ninserted\n")
            .replace("line 20\n", "")
            .replace("line 29\n", "LINE 29\n");
        round_trip("app/services/user.py", &body, &edited);
        round_trip("crlf.py", "a\r\nb\r\nc\r\n", "a\r\nB\r\nc\r\nd\r\n");
        round_trip("no_newline.py", "a\nb", "a\nb\nc");
        round_trip("gains_newline.py", "a\nb", "a\nb\n");
        round_trip("loses_newline.py", "a\nb\n", "a\nB");
        round_trip("tabs and spaces.py", "def f():\n\treturn 1\n", "def f():\n\treturn 2\n");
        round_trip("empty.py", "", "x = 1\n");
    }
}
