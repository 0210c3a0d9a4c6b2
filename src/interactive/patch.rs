//! Text-level work for `e` (a hunk edited by hand) and for combining such
//! hunks with the fixes accepted beside them.
//!
//! What lives here: parsing the `@@` sections of a unified diff as a person
//! left them in an editor, applying them to the file's text as it is on
//! disk ([`apply_edited`]), and [`merge_versions`], a line-level union of
//! several changed versions of one text. What does not: fixes (an edited
//! hunk is no longer made of fixes; untouched hunks still go through
//! `pipeline::apply_selected`), running the editor, or deciding anything.

use auditfix_transforms::Stylist;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tag {
    Context,
    Removed,
    Added,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct PatchLine {
    tag: Tag,
    /// The text without its line ending.
    text: String,
    /// Followed by `\ No newline at end of file`.
    no_newline: bool,
}

/// One `@@` section of a unified diff.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Section {
    /// The old start line as written in the header (1-based; the line
    /// before the change when the old side is empty).
    old_start: usize,
    lines: Vec<PatchLine>,
}

impl Section {
    fn old_side(&self) -> impl Iterator<Item = &PatchLine> {
        self.lines.iter().filter(|l| l.tag != Tag::Added)
    }

    /// The 0-based index of the first old line the section covers.
    fn old_index(&self) -> usize {
        if self.old_side().next().is_none() {
            self.old_start
        } else {
            self.old_start.saturating_sub(1)
        }
    }
}

/// `@@ -12,7 +12,9 @@ ...` → 12.
fn header_old_start(line: &str) -> Option<usize> {
    let rest = line.strip_prefix("@@ -")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let after = &rest[digits.len()..];
    if !(after.starts_with(',') || after.starts_with(' ')) || !rest.contains(" @@") {
        return None;
    }
    digits.parse().ok()
}

/// The sections of a unified diff. Lines starting with `#` are comments; a
/// `---`/`+++` header is allowed; counts in `@@` lines are not trusted (the
/// lines are recounted, as `git apply --recount` does); a blank line is an
/// empty context line (editors strip trailing spaces).
fn parse_sections(patch: &str) -> Result<Vec<Section>, String> {
    let mut sections: Vec<Section> = Vec::new();
    let mut in_header = true;
    for (number, raw) in patch.split_inclusive('\n').enumerate() {
        let line = raw.strip_suffix('\n').unwrap_or(raw);
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.starts_with('#') {
            continue;
        }
        if line.starts_with("@@") {
            let old_start = header_old_start(line).ok_or_else(|| {
                format!(
                    "line {}: `{line}` is not a `@@ -start,count +start,count @@` line",
                    number + 1
                )
            })?;
            sections.push(Section {
                old_start,
                lines: Vec::new(),
            });
            in_header = false;
            continue;
        }
        let Some(section) = sections.last_mut() else {
            if line.trim().is_empty() || (in_header && (line.starts_with("--- ") || line.starts_with("+++ "))) {
                continue;
            }
            return Err(format!("line {}: expected a `@@` line before `{line}`", number + 1));
        };
        let (tag, text) = match line.chars().next() {
            None => (Tag::Context, ""),
            Some(' ') => (Tag::Context, &line[1..]),
            Some('-') => (Tag::Removed, &line[1..]),
            Some('+') => (Tag::Added, &line[1..]),
            Some('\\') => {
                if let Some(last) = section.lines.last_mut() {
                    last.no_newline = true;
                }
                continue;
            }
            Some(other) => {
                return Err(format!(
                    "line {}: a hunk line must start with ' ', '-' or '+', not `{other}`",
                    number + 1
                ))
            }
        };
        section.lines.push(PatchLine {
            tag,
            text: text.to_string(),
            no_newline: false,
        });
    }
    Ok(sections)
}

fn without_ending(line: &str) -> &str {
    let line = line.strip_suffix('\n').unwrap_or(line);
    line.strip_suffix('\r').unwrap_or(line)
}

/// Apply `edited` (a hunk's diff after a person edited it) to `original`.
/// `offered` is the diff that was offered: every edited section must be
/// one of its sections (same `@@` start, same context and removed lines);
/// added lines may be changed, removed or added freely, and a removed line
/// may be turned into context. Returns the whole edited text, or why the
/// edit does not apply. `Ok(None)`: the edit left no section (aborted).
pub fn apply_edited(original: &str, offered: &str, edited: &str) -> Result<Option<String>, String> {
    let offered = parse_sections(offered)?;
    let edited = parse_sections(edited)?;
    if edited.is_empty() {
        return Ok(None);
    }
    let ending = Stylist::detect(original).line_ending;
    let lines: Vec<&str> = original.split_inclusive('\n').collect();
    let mut replacements: Vec<(usize, usize, Vec<String>)> = Vec::new();
    for section in &edited {
        if !offered.iter().any(|s| s.old_start == section.old_start) {
            return Err(format!(
                "the edited hunk has a section at line {} that this hunk does not have: keep the `@@` lines as they were",
                section.old_start
            ));
        }
        let start = section.old_index();
        let old: Vec<&PatchLine> = section.old_side().collect();
        let end = start + old.len();
        let matches = end <= lines.len()
            && old
                .iter()
                .zip(&lines[start..end])
                .all(|(patch, file)| patch.text == without_ending(file));
        if !matches {
            return Err(format!(
                "the section at line {} no longer matches the file: keep the ' ' and '-' lines as they were (turn a '-' into ' ' to keep that line)",
                section.old_start
            ));
        }
        let mut new = Vec::new();
        let mut old_line = start;
        for line in &section.lines {
            match line.tag {
                Tag::Context => {
                    new.push(lines[old_line].to_string());
                    old_line += 1;
                }
                Tag::Removed => old_line += 1,
                Tag::Added => {
                    let ending = if line.no_newline { "" } else { ending };
                    new.push(format!("{}{ending}", line.text));
                }
            }
        }
        replacements.push((start, end, new));
    }
    replacements.sort_by_key(|(start, end, _)| (*start, *end));
    for pair in replacements.windows(2) {
        if pair[1].0 < pair[0].1 || (pair[1].0 == pair[0].0 && pair[1].1 == pair[0].1) {
            return Err("two sections of the edited hunk cover the same lines".to_string());
        }
    }
    Ok(Some(assemble(&lines, &replacements, ending)))
}

/// `lines` with `replacements` (`start..end` of the lines → new lines), a
/// line that lost its ending in the middle of the text given `ending` back.
fn assemble(lines: &[&str], replacements: &[(usize, usize, Vec<String>)], ending: &str) -> String {
    let mut pieces: Vec<&str> = Vec::new();
    let mut at = 0;
    for (start, end, new) in replacements {
        pieces.extend(&lines[at..*start]);
        pieces.extend(new.iter().map(String::as_str));
        at = *end;
    }
    pieces.extend(&lines[at..]);
    let mut out = String::new();
    let count = pieces.len();
    for (i, piece) in pieces.into_iter().enumerate() {
        out.push_str(piece);
        if i + 1 < count && !piece.ends_with('\n') {
            out.push_str(ending);
        }
    }
    out
}

/// A change of `original`'s lines `start..end` into `lines`.
#[derive(Clone, Debug, PartialEq, Eq)]
struct LineChange {
    start: usize,
    end: usize,
    lines: Vec<String>,
}

impl LineChange {
    fn is_insertion(&self) -> bool {
        self.start == self.end
    }
}

/// The changes from `original` to `version`, adjacent changes joined.
fn line_changes(original: &str, version: &str) -> Vec<LineChange> {
    let diff = similar::TextDiff::from_lines(original, version);
    let new_lines = diff.new_slices();
    let mut changes: Vec<LineChange> = Vec::new();
    for op in diff.ops() {
        let (tag, old, new) = op.as_tag_tuple();
        if tag == similar::DiffTag::Equal {
            continue;
        }
        let lines = new_lines[new].iter().map(|l| l.to_string());
        match changes.last_mut() {
            Some(last) if last.end == old.start => {
                last.end = old.end;
                last.lines.extend(lines);
            }
            _ => changes.push(LineChange {
                start: old.start,
                end: old.end,
                lines: lines.collect(),
            }),
        }
    }
    changes
}

/// The shortest sequence that has both `a` and `b` as subsequences: two
/// insertions at one place that share lines (the same import) keep them once.
fn shortest_common_supersequence(a: &[String], b: &[String]) -> Vec<String> {
    let (n, m) = (a.len(), b.len());
    // lcs[i][j]: the longest common subsequence of a[i..] and b[j..].
    let mut lcs = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::with_capacity(n + m - lcs[0][0]);
    while i < n && j < m {
        if a[i] == b[j] {
            out.push(a[i].clone());
            i += 1;
            j += 1;
        } else if lcs[i + 1][j] >= lcs[i][j + 1] {
            out.push(a[i].clone());
            i += 1;
        } else {
            out.push(b[j].clone());
            j += 1;
        }
    }
    out.extend(a[i..].iter().cloned());
    out.extend(b[j..].iter().cloned());
    out
}

/// Combine several versions of `original` into one that makes every
/// version's changes, by lines: identical changes are made once; two
/// insertions at one place are merged keeping shared lines once; an
/// insertion that a change starting or ending at the same place already
/// makes is dropped. Changes to overlapping lines that differ are a
/// conflict: `Err` says where.
pub fn merge_versions(original: &str, versions: &[&str]) -> Result<String, String> {
    let mut all: Vec<LineChange> = versions.iter().flat_map(|v| line_changes(original, v)).collect();
    all.sort_by_key(|c| (c.start, c.end));
    let mut merged: Vec<LineChange> = Vec::new();
    for change in all {
        if let Some(last) = merged.last_mut() {
            if *last == change {
                continue;
            }
            if last.is_insertion() && change.is_insertion() && last.start == change.start {
                last.lines = shortest_common_supersequence(&last.lines, &change.lines);
                continue;
            }
            if last.is_insertion() && last.start == change.start && change.lines.starts_with(&last.lines) {
                *last = change;
                continue;
            }
            if change.is_insertion() && change.start == last.end && last.lines.ends_with(&change.lines) {
                continue;
            }
            if change.start < last.end {
                return Err(format!("changes to line {} conflict with each other", change.start + 1));
            }
        }
        merged.push(change);
    }
    let lines: Vec<&str> = original.split_inclusive('\n').collect();
    let replacements: Vec<(usize, usize, Vec<String>)> =
        merged.into_iter().map(|c| (c.start, c.end, c.lines)).collect();
    Ok(assemble(&lines, &replacements, Stylist::detect(original).line_ending))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::printer::diff::unified_diff;
    use std::path::Path;

    const ORIGINAL: &str = "import os\n\n\ndef f(x):\n    a = 1\n    b = 2\n    return a + b\n\n\ndef g():\n    pass\n";

    fn diff_body(old: &str, new: &str) -> String {
        unified_diff(Path::new("x.py"), old, new, false)
            .split_inclusive('\n')
            .skip(2)
            .collect()
    }

    #[test]
    fn an_unchanged_diff_gives_the_offered_text() {
        let new = ORIGINAL.replace("    b = 2\n", "    b = 2\n    c = 3\n");
        let offered = diff_body(ORIGINAL, &new);
        assert_eq!(apply_edited(ORIGINAL, &offered, &offered).unwrap(), Some(new));
    }

    #[test]
    fn added_lines_can_be_changed_and_removed_lines_kept() {
        let new = ORIGINAL
            .replace("    a = 1\n", "    a = 10\n")
            .replace("    b = 2\n", "    b = 2\n    c = 3\n");
        let offered = diff_body(ORIGINAL, &new);
        let edited = offered
            .replace("-    a = 1\n", "     a = 1\n")
            .replace("+    a = 10\n", "")
            .replace("+    c = 3\n", "+    c = 4\n");
        let expected = ORIGINAL.replace("    b = 2\n", "    b = 2\n    c = 4\n");
        assert_eq!(apply_edited(ORIGINAL, &offered, &edited).unwrap(), Some(expected));
    }

    #[test]
    fn comments_blank_context_and_wrong_counts_are_tolerated() {
        let new = ORIGINAL.replace("    pass\n", "    return 1\n");
        let offered = diff_body(ORIGINAL, &new);
        assert!(offered.contains("\n \n"), "a blank context line: {offered}");
        let edited = format!(
            "# a comment\n{}# trailing\n",
            offered.replace("\n \n", "\n\n").replace(",5 +", ",99 +")
        );
        assert_eq!(apply_edited(ORIGINAL, &offered, &edited).unwrap(), Some(new));
    }

    #[test]
    fn changed_context_or_another_region_is_refused() {
        let new = ORIGINAL.replace("    b = 2\n", "    b = 2\n    c = 3\n");
        let offered = diff_body(ORIGINAL, &new);
        let edited = offered.replace("     a = 1\n", "     a = 5\n");
        let err = apply_edited(ORIGINAL, &offered, &edited).unwrap_err();
        assert!(err.contains("no longer matches the file"), "{err}");
        let moved = offered.replacen("@@ -", "@@ -1", 1);
        let err = apply_edited(ORIGINAL, &offered, &moved).unwrap_err();
        assert!(err.contains("does not have"), "{err}");
        let garbage = format!("{offered}*oops\n");
        let err = apply_edited(ORIGINAL, &offered, &garbage).unwrap_err();
        assert!(err.contains("must start with"), "{err}");
        let err = apply_edited(ORIGINAL, &offered, "hello\n").unwrap_err();
        assert!(err.contains("expected a `@@` line"), "{err}");
    }

    #[test]
    fn an_emptied_edit_is_an_abort() {
        let new = ORIGINAL.replace("    pass\n", "    return 1\n");
        let offered = diff_body(ORIGINAL, &new);
        assert_eq!(apply_edited(ORIGINAL, &offered, "# nothing\n\n").unwrap(), None);
    }

    #[test]
    fn crlf_files_keep_crlf_in_edited_lines() {
        let original = ORIGINAL.replace('\n', "\r\n");
        let new = original.replace("    pass\r\n", "    return 1\r\n");
        let offered = diff_body(&original, &new);
        // The editor saved the file with LF endings, and a line was changed.
        let edited = offered.replace("\r\n", "\n").replace("+    return 1", "+    return 2");
        let expected = original.replace("    pass\r\n", "    return 2\r\n");
        assert_eq!(apply_edited(&original, &offered, &edited).unwrap(), Some(expected));
    }

    #[test]
    fn a_file_without_final_newline() {
        let original = "a = 1\nb = 2";
        let new = "a = 1\nb = 3";
        let offered = diff_body(original, new);
        assert!(offered.contains("\\ No newline"));
        assert_eq!(
            apply_edited(original, &offered, &offered).unwrap(),
            Some(new.to_string())
        );
        let edited = offered.replace(
            "+b = 3\n\\ No newline at end of file\n",
            "+b = 3\n+c = 4\n\\ No newline at end of file\n",
        );
        assert_eq!(
            apply_edited(original, &offered, &edited).unwrap(),
            Some("a = 1\nb = 3\nc = 4".to_string())
        );
    }

    #[test]
    fn merge_makes_identical_changes_once() {
        let a = ORIGINAL
            .replace("import os\n", "import os\nimport sys\n")
            .replace("    pass\n", "    return 1\n");
        let b = ORIGINAL
            .replace("import os\n", "import os\nimport sys\n")
            .replace("    a = 1\n", "    a = 2\n");
        let merged = merge_versions(ORIGINAL, &[&a, &b]).unwrap();
        assert_eq!(
            merged,
            ORIGINAL
                .replace("import os\n", "import os\nimport sys\n")
                .replace("    pass\n", "    return 1\n")
                .replace("    a = 1\n", "    a = 2\n")
        );
    }

    #[test]
    fn merge_keeps_shared_inserted_lines_once() {
        let a = ORIGINAL.replace("import os\n", "import os\nimport sys\n");
        let b = ORIGINAL.replace("import os\n", "import os\nimport re\nimport sys\n");
        let merged = merge_versions(ORIGINAL, &[&a, &b]).unwrap();
        assert_eq!(merged, b);
        let merged = merge_versions(ORIGINAL, &[&b, &a]).unwrap();
        assert_eq!(merged, b);
    }

    #[test]
    fn merge_drops_an_insertion_a_neighbouring_change_makes() {
        // One version replaces line 1 by two lines starting with the line
        // the other version inserts before line 1.
        let a = ORIGINAL.replace("import os\n", "import sys\n");
        let b = ORIGINAL.replace("import os\n", "import sys\nimport os\n");
        let merged = merge_versions(ORIGINAL, &[&a, &b]).unwrap();
        assert_eq!(merged, a);
    }

    #[test]
    fn merge_refuses_different_changes_of_one_line() {
        let a = ORIGINAL.replace("    a = 1\n", "    a = 2\n");
        let b = ORIGINAL.replace("    a = 1\n", "    a = 3\n");
        let err = merge_versions(ORIGINAL, &[&a, &b]).unwrap_err();
        assert_eq!(err, "changes to line 5 conflict with each other");
    }

    #[test]
    fn merge_of_nothing_is_the_original() {
        assert_eq!(merge_versions(ORIGINAL, &[]).unwrap(), ORIGINAL);
        assert_eq!(merge_versions(ORIGINAL, &[ORIGINAL]).unwrap(), ORIGINAL);
    }

    #[test]
    fn supersequence() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            shortest_common_supersequence(&s(&["a", "c"]), &s(&["b", "c", "d"])),
            s(&["a", "b", "c", "d"])
        );
        assert_eq!(shortest_common_supersequence(&s(&[]), &s(&["x"])), s(&["x"]));
    }
}
