//! Apply edits to source text: sorted, overlap-checked, all or nothing.
//!
//! The engine rejects, it never guesses. Two edits that overlap are a typed
//! [`ApplyError`] saying whether the other edit was identical (identical edits
//! are merged, not rejected: two fixes that need the same import add it
//! once). [`apply_fixes`] takes fixes in order and applies every fix that does
//! not conflict with one taken before it; a conflicting fix is skipped whole,
//! never applied in part.

use crate::edit::{Edit, Fix};
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApplyError {
    /// Two edits touch the same bytes.
    Overlap { first: Edit, second: Edit },
    /// An edit's range lies outside the source or splits a UTF-8 character.
    OutOfBounds { edit: Edit, len: usize },
}

impl fmt::Display for ApplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApplyError::Overlap { first, second } => write!(
                f,
                "edit at {}..{} overlaps edit at {}..{}",
                second.start(),
                second.end(),
                first.start(),
                first.end()
            ),
            ApplyError::OutOfBounds { edit, len } => write!(
                f,
                "edit at {}..{} is outside the {len}-byte source or splits a character",
                edit.start(),
                edit.end()
            ),
        }
    }
}

impl std::error::Error for ApplyError {}

/// The edits of `edits` that are not already in `taken` (nor earlier in
/// `edits`), provided none lies out of bounds or overlaps an edit of `taken`
/// or an earlier one of `edits`. `taken` must itself be free of overlaps.
fn admit(source: &str, taken: &[Edit], edits: &[Edit]) -> Result<Vec<Edit>, ApplyError> {
    let mut admitted: Vec<Edit> = Vec::with_capacity(edits.len());
    for edit in edits {
        if edit.end() > source.len() || !source.is_char_boundary(edit.start()) || !source.is_char_boundary(edit.end()) {
            return Err(ApplyError::OutOfBounds {
                edit: edit.clone(),
                len: source.len(),
            });
        }
        if taken.contains(edit) || admitted.contains(edit) {
            continue;
        }
        if let Some(first) = taken.iter().chain(admitted.iter()).find(|e| e.overlaps(edit)) {
            return Err(ApplyError::Overlap {
                first: first.clone(),
                second: edit.clone(),
            });
        }
        admitted.push(edit.clone());
    }
    Ok(admitted)
}

/// Sort `edits`, merge identical ones, and reject overlapping ones.
fn checked(source: &str, edits: &[Edit]) -> Result<Vec<Edit>, ApplyError> {
    let mut sorted = admit(source, &[], edits)?;
    // Stable: insertions at one offset keep the order they were given in.
    sorted.sort_by_key(|e| (e.start(), e.end()));
    Ok(sorted)
}

/// Apply `edits` to `source`, all or none.
pub fn apply_edits(source: &str, edits: &[Edit]) -> Result<String, ApplyError> {
    Ok(splice(source, &checked(source, edits)?))
}

/// `source` with `sorted` (checked: in order, none overlapping) applied.
fn splice(source: &str, sorted: &[Edit]) -> String {
    let mut out = String::with_capacity(source.len() + sorted.iter().map(|e| e.content().len()).sum::<usize>());
    let mut last = 0;
    for edit in sorted {
        out.push_str(&source[last..edit.start()]);
        out.push_str(edit.content());
        last = edit.end();
    }
    out.push_str(&source[last..]);
    out
}

/// What [`apply_fixes`] did.
#[derive(Debug, Clone)]
pub struct FixOutcome {
    /// The source with every applied fix.
    pub output: String,
    /// The edits that made `output` of the source, in the order of their
    /// places in the source, identical ones once (what a parser told of
    /// the change re-parses by: `tree_sitter::Tree::edit`).
    pub edits: Vec<Edit>,
    /// Indices (into the given fixes) of the fixes applied.
    pub applied: Vec<usize>,
    /// Indices of the fixes skipped, with why.
    pub skipped: Vec<(usize, ApplyError)>,
}

/// Apply each fix that does not conflict with the fixes taken before it.
///
/// A fix whose edits are all identical to edits already taken counts as
/// applied (its change is already in the output).
pub fn apply_fixes<'a>(source: &str, fixes: impl IntoIterator<Item = &'a Fix>) -> FixOutcome {
    let mut taken: Vec<Edit> = Vec::new();
    let mut applied = Vec::new();
    let mut skipped = Vec::new();
    for (index, fix) in fixes.into_iter().enumerate() {
        match admit(source, &taken, fix.edits()) {
            Ok(new) => {
                taken.extend(new);
                applied.push(index);
            }
            Err(err) => skipped.push((index, err)),
        }
    }
    let edits = checked(source, &taken).expect("edits were checked one fix at a time");
    FixOutcome {
        output: splice(source, &edits),
        edits,
        applied,
        skipped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ins(text: &str, at: usize) -> Edit {
        Edit::insertion(text, at)
    }

    fn rep(text: &str, start: usize, end: usize) -> Edit {
        Edit::replacement(text, start, end)
    }

    #[test]
    fn applies_edits_in_any_given_order() {
        let edits = [rep("X", 4, 5), ins("<", 0), Edit::deletion(1, 2)];
        assert_eq!(apply_edits("abcdef", &edits).unwrap(), "<acdXf");
    }

    #[test]
    fn no_edits_is_the_source() {
        assert_eq!(apply_edits("abc", &[]).unwrap(), "abc");
        assert_eq!(apply_edits("", &[ins("x", 0)]).unwrap(), "x");
    }

    #[test]
    fn insertions_at_one_offset_keep_their_order() {
        let edits = [ins("1", 2), ins("2", 2), ins("3", 2)];
        assert_eq!(apply_edits("ab", &edits).unwrap(), "ab123");
    }

    #[test]
    fn insertion_at_either_end_of_a_replacement_is_fine() {
        let edits = [rep("X", 1, 3), ins("<", 1), ins(">", 3)];
        assert_eq!(apply_edits("abcd", &edits).unwrap(), "a<X>d");
    }

    #[test]
    fn identical_edits_are_merged() {
        let edits = [
            ins("import x\n", 0),
            ins("import x\n", 0),
            rep("y", 2, 3),
            rep("y", 2, 3),
        ];
        assert_eq!(apply_edits("a = 1", &edits).unwrap(), "import x\na y 1");
    }

    #[test]
    fn overlaps_are_rejected_with_both_edits() {
        let first = rep("X", 1, 4);
        let second = rep("Y", 3, 5);
        let err = apply_edits("abcdef", &[first.clone(), second.clone()]).unwrap_err();
        assert_eq!(err, ApplyError::Overlap { first, second });
        assert!(err.to_string().contains("3..5 overlaps edit at 1..4"));
        // Same range, different text.
        assert!(apply_edits("abc", &[rep("X", 0, 1), rep("Y", 0, 1)]).is_err());
        // An insertion strictly inside a replaced range.
        assert!(apply_edits("abc", &[rep("X", 0, 3), ins("Y", 1)]).is_err());
    }

    #[test]
    fn out_of_bounds_and_split_characters_are_rejected() {
        let err = apply_edits("abc", &[ins("x", 4)]).unwrap_err();
        assert_eq!(
            err,
            ApplyError::OutOfBounds {
                edit: ins("x", 4),
                len: 3
            }
        );
        assert!(apply_edits("é", &[ins("x", 1)]).is_err());
        assert!(apply_edits("é", &[Edit::deletion(0, 1)]).is_err());
        assert_eq!(apply_edits("é", &[Edit::deletion(0, 2)]).unwrap(), "");
    }

    #[test]
    fn fixes_that_conflict_are_skipped_whole() {
        let src = "abcdef";
        let a = Fix::safe_edits(rep("A", 0, 1), [rep("B", 4, 5)]);
        // Conflicts with `a` on its second edit only: nothing of it applies.
        let b = Fix::safe_edits(rep("C", 2, 3), [rep("D", 4, 6)]);
        let c = Fix::safe_edit(rep("E", 5, 6));
        let out = apply_fixes(src, [&a, &b, &c]);
        assert_eq!(out.output, "AbcdBE");
        assert_eq!(out.applied, vec![0, 2]);
        assert_eq!(out.skipped.len(), 1);
        assert_eq!(out.skipped[0].0, 1);
        assert!(matches!(out.skipped[0].1, ApplyError::Overlap { .. }));
    }

    #[test]
    fn a_fix_already_in_the_output_counts_as_applied() {
        let import = ins("from m import a\n", 0);
        let a = Fix::safe_edits(import.clone(), [rep("x", 0, 1)]);
        let b = Fix::safe_edits(import.clone(), [rep("y", 2, 3)]);
        let c = Fix::safe_edit(import);
        let out = apply_fixes("a b c", [&a, &b, &c]);
        assert_eq!(out.output, "from m import a\nx y c");
        assert_eq!(out.applied, vec![0, 1, 2]);
        assert!(out.skipped.is_empty());
    }

    #[test]
    fn an_out_of_bounds_fix_is_skipped_and_the_rest_apply() {
        let a = Fix::safe_edits(rep("A", 0, 1), [ins("!", 99)]);
        let b = Fix::unsafe_edit(rep("B", 1, 2));
        let out = apply_fixes("ab", [&a, &b]);
        assert_eq!(out.output, "aB");
        assert_eq!(out.applied, vec![1]);
        assert!(matches!(out.skipped[0], (0, ApplyError::OutOfBounds { .. })));
    }

    #[test]
    fn a_skipped_fix_does_not_block_later_ones() {
        let a = Fix::safe_edit(rep("A", 0, 2));
        let b = Fix::safe_edit(rep("B", 1, 3));
        let c = Fix::safe_edit(rep("C", 2, 3));
        let out = apply_fixes("abc", [&a, &b, &c]);
        assert_eq!(out.output, "AC");
        assert_eq!(out.applied, vec![0, 2]);
    }
}
