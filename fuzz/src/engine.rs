//! The `edit_engine` target's case and its reference model.
//!
//! The reference is the engine's contract written plainly, pair by pair:
//! an edit is usable when it lies inside the source on character
//! boundaries; two different edits conflict when their ranges intersect or
//! one's insertion point lies strictly inside the other's range; identical
//! edits merge; the result is the source with the edits spliced in, sorted
//! by `(start, end)`, insertions at one offset in the order given.

use arbitrary::Arbitrary;
use auditfix_transforms::{apply_edits, apply_fixes, Edit, Fix};

/// One edit as the fuzzer draws it: offsets taken modulo a little more
/// than the source length, so some fall out of bounds.
#[derive(Arbitrary, Debug, Clone)]
pub struct RawEdit {
    pub a: u16,
    pub b: u16,
    /// Small contents make identical (mergeable) edits likely.
    pub content: u8,
    pub unsafe_fix: bool,
}

#[derive(Arbitrary, Debug)]
pub struct EngineCase {
    pub source: String,
    pub fixes: Vec<Vec<RawEdit>>,
}

const CONTENTS: &[&str] = &["", "x", "y", "é", "\n", "\r\n", "    ", "import os\n"];

fn edit(raw: &RawEdit, len: usize) -> Edit {
    let modulo = len + 3;
    let (a, b) = (raw.a as usize % modulo, raw.b as usize % modulo);
    let content = CONTENTS[raw.content as usize % CONTENTS.len()];
    Edit::replacement(content, a.min(b), a.max(b))
}

fn usable(source: &str, e: &Edit) -> bool {
    e.end() <= source.len() && source.is_char_boundary(e.start()) && source.is_char_boundary(e.end())
}

fn conflict(x: &Edit, y: &Edit) -> bool {
    if x == y {
        return false;
    }
    let (xs, xe, ys, ye) = (x.start(), x.end(), y.start(), y.end());
    match (xs == xe, ys == ye) {
        (true, true) => false,
        (true, false) => ys < xs && xs < ye,
        (false, true) => xs < ys && ys < xe,
        (false, false) => xs < ye && ys < xe,
    }
}

/// `edits` deduplicated (first occurrence kept), or `None` when one is
/// unusable or two conflict.
fn admit_all(source: &str, taken: &[Edit], edits: &[Edit]) -> Option<Vec<Edit>> {
    let mut new: Vec<Edit> = Vec::new();
    for e in edits {
        if !usable(source, e) {
            return None;
        }
        if taken.contains(e) || new.contains(e) {
            continue;
        }
        if taken.iter().chain(new.iter()).any(|t| conflict(t, e)) {
            return None;
        }
        new.push(e.clone());
    }
    Some(new)
}

fn splice(source: &str, edits: &[Edit]) -> String {
    let mut sorted = edits.to_vec();
    sorted.sort_by_key(|e| (e.start(), e.end()));
    let mut out = String::new();
    let mut at = 0;
    for e in &sorted {
        out.push_str(&source[at..e.start()]);
        out.push_str(e.content());
        at = e.end();
    }
    out.push_str(&source[at..]);
    out
}

/// Check the engine against the reference on one case.
pub fn run_engine(case: &EngineCase) {
    let source = case.source.as_str();
    let len = source.len();
    let fixes: Vec<Fix> = case
        .fixes
        .iter()
        .filter(|raws| !raws.is_empty())
        .map(|raws| {
            let edits: Vec<Edit> = raws.iter().map(|r| edit(r, len)).collect();
            let (first, rest) = edits.split_first().expect("not empty");
            if raws[0].unsafe_fix {
                Fix::unsafe_edits(first.clone(), rest.iter().cloned())
            } else {
                Fix::safe_edits(first.clone(), rest.iter().cloned())
            }
        })
        .collect();

    // All the edits at once: all applied, or an error and nothing.
    let all: Vec<Edit> = fixes.iter().flat_map(|f| f.edits().iter().cloned()).collect();
    match (apply_edits(source, &all), admit_all(source, &[], &all)) {
        (Ok(out), Some(admitted)) => assert_eq!(out, splice(source, &admitted), "apply_edits output"),
        (Err(_), None) => {}
        (Ok(out), None) => panic!("apply_edits accepted edits the reference rejects: {all:?} -> {out:?}"),
        (Err(err), Some(_)) => panic!("apply_edits rejected edits the reference accepts: {all:?}: {err}"),
    }

    // Fix by fix: each wholly applied or wholly skipped.
    let outcome = apply_fixes(source, &fixes);
    let mut taken: Vec<Edit> = Vec::new();
    let mut applied = Vec::new();
    for (i, fix) in fixes.iter().enumerate() {
        if let Some(new) = admit_all(source, &taken, fix.edits()) {
            taken.extend(new);
            applied.push(i);
        }
    }
    assert_eq!(outcome.applied, applied, "applied fixes");
    let skipped: Vec<usize> = outcome.skipped.iter().map(|(i, _)| *i).collect();
    let expected_skipped: Vec<usize> = (0..fixes.len()).filter(|i| !applied.contains(i)).collect();
    assert_eq!(skipped, expected_skipped, "skipped fixes");
    assert_eq!(outcome.output, splice(source, &taken), "apply_fixes output");
    // A skipped fix really could not be added to what was taken.
    for i in &skipped {
        let mut with = taken.clone();
        with.extend(fixes[*i].edits().iter().cloned());
        assert!(apply_edits(source, &with).is_err(), "fix {i} was skipped but fits");
    }
}
