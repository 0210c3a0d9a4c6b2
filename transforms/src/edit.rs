//! Edits and fixes as plain data.
//!
//! An [`Edit`] replaces a byte range of the source with new text; insertions
//! and deletions are the two degenerate cases, each with a named constructor.
//! A [`Fix`] is the set of edits that must be applied together (all or
//! nothing) plus its [`Applicability`]. Nothing here touches source text;
//! see [`crate::apply`] for that.

use std::ops::Range;

/// A replacement of `start..end` (byte offsets) by `content`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Edit {
    start: usize,
    end: usize,
    content: String,
}

impl Edit {
    /// Insert `content` at byte offset `at`.
    pub fn insertion(content: impl Into<String>, at: usize) -> Self {
        Self {
            start: at,
            end: at,
            content: content.into(),
        }
    }

    /// Delete the bytes `start..end`.
    pub fn deletion(start: usize, end: usize) -> Self {
        assert!(start <= end, "deletion with start {start} after end {end}");
        Self {
            start,
            end,
            content: String::new(),
        }
    }

    /// Replace the bytes `start..end` by `content`.
    pub fn replacement(content: impl Into<String>, start: usize, end: usize) -> Self {
        assert!(start <= end, "replacement with start {start} after end {end}");
        Self {
            start,
            end,
            content: content.into(),
        }
    }

    pub fn start(&self) -> usize {
        self.start
    }

    pub fn end(&self) -> usize {
        self.end
    }

    pub fn range(&self) -> Range<usize> {
        self.start..self.end
    }

    pub fn content(&self) -> &str {
        &self.content
    }

    pub fn is_insertion(&self) -> bool {
        self.start == self.end && !self.content.is_empty()
    }

    /// Whether two edits cannot both be applied. Insertions at the same
    /// offset do not overlap (they are applied in order); an insertion
    /// strictly inside a replaced range does.
    pub fn overlaps(&self, other: &Edit) -> bool {
        if self.start == self.end || other.start == other.end {
            let (point, span) = if self.start == self.end {
                (self, other)
            } else {
                (other, self)
            };
            return span.start < point.start && point.start < span.end;
        }
        self.start < other.end && other.start < self.end
    }
}

/// How confident we are that a fix keeps the program's meaning.
///
/// Ordered: `Unsafe < Safe`, so "at least `Safe`" is a comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub enum Applicability {
    /// Changes behaviour a reviewer must look at (wraps a body in `try`,
    /// removes hand-set columns, changes a call). Applied with `--unsafe`.
    Unsafe,
    /// Keeps everything that worked working. Applied by `fix --apply`.
    Safe,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
        }
    }
}

/// Edits applied together, all or nothing.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Fix {
    edits: Vec<Edit>,
    applicability: Applicability,
}

impl Fix {
    /// A safe fix made of `edit` and `rest`.
    pub fn safe_edits(edit: Edit, rest: impl IntoIterator<Item = Edit>) -> Self {
        Self::new(std::iter::once(edit).chain(rest).collect(), Applicability::Safe)
    }

    /// A safe fix made of a single edit.
    pub fn safe_edit(edit: Edit) -> Self {
        Self::new(vec![edit], Applicability::Safe)
    }

    /// An unsafe fix made of `edit` and `rest`.
    pub fn unsafe_edits(edit: Edit, rest: impl IntoIterator<Item = Edit>) -> Self {
        Self::new(std::iter::once(edit).chain(rest).collect(), Applicability::Unsafe)
    }

    /// An unsafe fix made of a single edit.
    pub fn unsafe_edit(edit: Edit) -> Self {
        Self::new(vec![edit], Applicability::Unsafe)
    }

    /// A fix from any edits; `None` when there are none.
    pub fn from_edits(edits: Vec<Edit>, applicability: Applicability) -> Option<Self> {
        if edits.is_empty() {
            None
        } else {
            Some(Self::new(edits, applicability))
        }
    }

    fn new(mut edits: Vec<Edit>, applicability: Applicability) -> Self {
        // Identical edits inside one fix are one edit. Order is kept for
        // insertions at the same offset: it is the order they appear in.
        let mut seen: Vec<Edit> = Vec::with_capacity(edits.len());
        edits.retain(|e| {
            if seen.contains(e) {
                false
            } else {
                seen.push(e.clone());
                true
            }
        });
        edits.sort_by_key(|e| (e.start, e.end));
        Self { edits, applicability }
    }

    pub fn edits(&self) -> &[Edit] {
        &self.edits
    }

    pub fn applicability(&self) -> Applicability {
        self.applicability
    }

    /// The smallest byte range covering every edit.
    pub fn range(&self) -> Range<usize> {
        let start = self.edits.iter().map(|e| e.start).min().unwrap_or(0);
        let end = self.edits.iter().map(|e| e.end).max().unwrap_or(0);
        start..end
    }

    /// The fix without its edits, its applicability kept: for a report
    /// that says whether a finding is fixable but not how (over a large
    /// repository, the edits are most of what its findings weigh).
    pub fn without_edits(mut self) -> Self {
        self.edits = Vec::new();
        self
    }

    /// This fix with a lower applicability (never raises it).
    pub fn downgraded(mut self, to: Applicability) -> Self {
        self.applicability = self.applicability.min(to);
        self
    }

    /// A fix made of this one's edits and `other`'s (identical edits merged).
    pub fn merged(self, other: Fix) -> Fix {
        let applicability = self.applicability.min(other.applicability);
        let mut edits = self.edits;
        edits.extend(other.edits);
        Fix::new(edits, applicability)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constructors() {
        let e = Edit::insertion("x", 3);
        assert_eq!((e.start(), e.end(), e.content()), (3, 3, "x"));
        assert!(e.is_insertion());
        let d = Edit::deletion(1, 4);
        assert_eq!((d.range(), d.content()), (1..4, ""));
        assert!(!d.is_insertion());
        let r = Edit::replacement("y", 2, 2);
        assert!(r.is_insertion());
        assert!(!Edit::deletion(2, 2).is_insertion());
    }

    #[test]
    #[should_panic(expected = "after end")]
    fn deletion_backwards_panics() {
        let _ = Edit::deletion(4, 1);
    }

    #[test]
    #[should_panic(expected = "after end")]
    fn replacement_backwards_panics() {
        let _ = Edit::replacement("x", 4, 1);
    }

    #[test]
    fn overlap_rules() {
        let span = Edit::replacement("x", 2, 5);
        // Insertions at one offset never overlap.
        assert!(!Edit::insertion("a", 2).overlaps(&Edit::insertion("b", 2)));
        // At a span's ends: no; strictly inside: yes (both directions).
        assert!(!Edit::insertion("a", 2).overlaps(&span));
        assert!(!span.overlaps(&Edit::insertion("a", 5)));
        assert!(Edit::insertion("a", 3).overlaps(&span));
        assert!(span.overlaps(&Edit::insertion("a", 4)));
        // Touching spans do not overlap; sharing a byte does.
        assert!(!span.overlaps(&Edit::deletion(5, 7)));
        assert!(!Edit::deletion(0, 2).overlaps(&span));
        assert!(span.overlaps(&Edit::deletion(4, 7)));
        assert!(Edit::deletion(0, 3).overlaps(&span));
        assert!(span.overlaps(&Edit::deletion(3, 4)));
        assert!(span.overlaps(&span.clone()));
    }

    #[test]
    fn applicability_is_ordered() {
        assert!(Applicability::Unsafe < Applicability::Safe);
        assert_eq!(Applicability::Safe.as_str(), "safe");
        assert_eq!(Applicability::Unsafe.as_str(), "unsafe");
    }

    #[test]
    fn fix_sorts_and_merges_identical_edits_keeping_insertion_order() {
        let fix = Fix::safe_edits(
            Edit::insertion("b", 5),
            [
                Edit::deletion(0, 1),
                Edit::insertion("a", 5),
                Edit::insertion("b", 5),
                Edit::deletion(0, 1),
            ],
        );
        assert_eq!(
            fix.edits(),
            &[Edit::deletion(0, 1), Edit::insertion("b", 5), Edit::insertion("a", 5)]
        );
        assert_eq!(fix.range(), 0..5);
        assert_eq!(fix.applicability(), Applicability::Safe);
    }

    #[test]
    fn fix_from_edits() {
        assert_eq!(Fix::from_edits(vec![], Applicability::Safe), None);
        let fix = Fix::from_edits(vec![Edit::deletion(1, 2)], Applicability::Unsafe).unwrap();
        assert_eq!(fix, Fix::unsafe_edit(Edit::deletion(1, 2)));
        assert_eq!(
            Fix::unsafe_edits(Edit::deletion(1, 2), []),
            Fix::unsafe_edit(Edit::deletion(1, 2))
        );
    }

    #[test]
    fn downgrade_never_raises() {
        let safe = Fix::safe_edit(Edit::deletion(0, 1));
        assert_eq!(
            safe.clone().downgraded(Applicability::Unsafe).applicability(),
            Applicability::Unsafe
        );
        assert_eq!(
            safe.downgraded(Applicability::Safe).applicability(),
            Applicability::Safe
        );
        let unsafe_fix = Fix::unsafe_edit(Edit::deletion(0, 1));
        assert_eq!(
            unsafe_fix.downgraded(Applicability::Safe).applicability(),
            Applicability::Unsafe
        );
    }

    #[test]
    fn merged_takes_the_lower_applicability_and_merges_edits() {
        let a = Fix::safe_edits(Edit::insertion("i", 0), [Edit::deletion(3, 4)]);
        let b = Fix::unsafe_edits(Edit::insertion("i", 0), [Edit::deletion(1, 2)]);
        let m = a.merged(b);
        assert_eq!(m.applicability(), Applicability::Unsafe);
        assert_eq!(
            m.edits(),
            &[Edit::insertion("i", 0), Edit::deletion(1, 2), Edit::deletion(3, 4)]
        );
    }
}
