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

/// Sort `edits`, merge identical ones, and reject overlapping ones.
fn checked(source: &str, edits: &[Edit]) -> Result<Vec<Edit>, ApplyError> {
    let mut sorted: Vec<Edit> = Vec::with_capacity(edits.len());
    for edit in edits {
        if edit.end() > source.len() || !source.is_char_boundary(edit.start()) || !source.is_char_boundary(edit.end()) {
            return Err(ApplyError::OutOfBounds {
                edit: edit.clone(),
                len: source.len(),
            });
        }
        if sorted.contains(edit) {
            continue;
        }
        if let Some(first) = sorted.iter().find(|e| e.overlaps(edit)) {
            return Err(ApplyError::Overlap {
                first: first.clone(),
                second: edit.clone(),
            });
        }
        sorted.push(edit.clone());
    }
    // Stable: insertions at one offset keep the order they were given in.
    sorted.sort_by_key(|e| (e.start(), e.end()));
    Ok(sorted)
}

/// Apply `edits` to `source`, all or none.
pub fn apply_edits(source: &str, edits: &[Edit]) -> Result<String, ApplyError> {
    let sorted = checked(source, edits)?;
    let mut out = String::with_capacity(source.len() + sorted.iter().map(|e| e.content().len()).sum::<usize>());
    let mut last = 0;
    for edit in &sorted {
        out.push_str(&source[last..edit.start()]);
        out.push_str(edit.content());
        last = edit.end();
    }
    out.push_str(&source[last..]);
    Ok(out)
}

/// What [`apply_fixes`] did.
#[derive(Debug, Clone)]
pub struct FixOutcome {
    /// The source with every applied fix.
    pub output: String,
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
        let mut candidate = taken.clone();
        candidate.extend(fix.edits().iter().cloned());
        match checked(source, &candidate) {
            Ok(_) => {
                for edit in fix.edits() {
                    if !taken.contains(edit) {
                        taken.push(edit.clone());
                    }
                }
                applied.push(index);
            }
            Err(err) => skipped.push((index, err)),
        }
    }
    let output = apply_edits(source, &taken).expect("edits were checked one fix at a time");
    FixOutcome {
        output,
        applied,
        skipped,
    }
}
