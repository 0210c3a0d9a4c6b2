//! The parse floor of the benchmark (scripts/bench.sh): walk the given
//! folders with the `ignore` walker (skipping the folders `auditfix` skips),
//! read every `.py` file and parse it once with tree-sitter-python through
//! the library's own parser, on rayon's threads (`RAYON_NUM_THREADS`).
//!
//! No analysis, no rules, no output per file: this is what `auditfix check`
//! cannot go below without skipping files. Prints one line,
//! `files=N bytes=B errors=E unreadable=U seconds=S`, where `errors` counts
//! the files whose tree has a syntax error and `unreadable` those that could
//! not be read as UTF-8.
//!
//! Usage: `parse_floor DIR...` (the `--bench` flag that `cargo bench` passes
//! is ignored; with no folder it says so and does nothing).

use rayon::prelude::*;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

fn main() {
    let roots: Vec<PathBuf> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .collect();
    let Some((first, rest)) = roots.split_first() else {
        eprintln!("parse_floor: no folder given; usage: parse_floor DIR... (scripts/bench.sh runs it)");
        return;
    };
    let start = Instant::now();
    let files = walk(first, rest);
    let bytes = AtomicUsize::new(0);
    let errors = AtomicUsize::new(0);
    let unreadable = AtomicUsize::new(0);
    files.par_iter().for_each(|path| {
        let Ok(data) = std::fs::read(path) else {
            unreadable.fetch_add(1, Ordering::Relaxed);
            return;
        };
        bytes.fetch_add(data.len(), Ordering::Relaxed);
        let body = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&data);
        let Ok(text) = std::str::from_utf8(body) else {
            unreadable.fetch_add(1, Ordering::Relaxed);
            return;
        };
        let tree = auditfix::analysis::source::parse(text);
        if tree.root_node().has_error() {
            errors.fetch_add(1, Ordering::Relaxed);
        }
    });
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "files={} bytes={} errors={} unreadable={} seconds={seconds:.4}",
        files.len(),
        bytes.into_inner(),
        errors.into_inner(),
        unreadable.into_inner()
    );
}

/// The `.py` files below the roots, as `auditfix`'s walk finds them:
/// parallel, symlinks followed, the folders it skips by default skipped.
fn walk(first: &PathBuf, rest: &[PathBuf]) -> Vec<PathBuf> {
    let mut builder = ignore::WalkBuilder::new(first);
    for root in rest {
        builder.add(root);
    }
    builder.hidden(false).follow_links(true).filter_entry(|entry| {
        entry.depth() == 0
            || !entry.file_type().is_some_and(|t| t.is_dir())
            || !auditfix::walk::is_skipped_folder(entry.path())
    });
    let found = Mutex::new(Vec::new());
    builder.build_parallel().run(|| {
        Box::new(|entry| {
            if let Ok(entry) = entry {
                let is_py = entry.file_type().is_some_and(|t| t.is_file())
                    && entry.path().extension().is_some_and(|e| e == "py");
                if is_py {
                    found.lock().unwrap().push(entry.into_path());
                }
            }
            ignore::WalkState::Continue
        })
    });
    found.into_inner().unwrap()
}
