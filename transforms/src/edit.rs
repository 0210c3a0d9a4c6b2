//! Edits and fixes as plain data.
//!
//! An [`Edit`] replaces a byte range of the source with new text; insertions
//! and deletions are the two degenerate cases, each with a named constructor.
//! A [`Fix`] is the set of edits that must be applied together (all or
//! nothing) plus its [`Applicability`]. Nothing here touches source text;
//! see [`crate::apply`] for that.

use std::ops::Range;

/// A replacement of `start..end` (byte offsets) by `content`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
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
#[derive(Clone, Debug, PartialEq, Eq)]
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
