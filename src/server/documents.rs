//! The editor's side of the files: the documents open in it (their text
//! and version, which stand for the files on disk while open), `file:` URIs
//! to paths and back, and which workspace file a document is.
//!
//! Paths are compared canonical (symbolic links resolved) where the file
//! exists, so that a document opened through a link is the file the walk
//! found. Nothing here checks anything.

use lsp_types::Uri;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The path of a `file:` URI; `None` for other schemes (an unsaved
/// buffer's `untitled:`), which auditfix does not check.
pub fn uri_to_path(uri: &Uri) -> Option<PathBuf> {
    let url = url::Url::parse(uri.as_str()).ok()?;
    if url.scheme() != "file" {
        return None;
    }
    url.to_file_path().ok()
}

/// The `file:` URI of an absolute path.
pub fn path_to_uri(path: &Path) -> Option<Uri> {
    let url = url::Url::from_file_path(path).ok()?;
    Uri::from_str(url.as_str()).ok()
}

/// A path as documents and workspace files are compared: canonical when
/// the file exists, else made absolute and normalized.
pub fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| {
        let cwd = std::env::current_dir().unwrap_or_default();
        crate::config::normalize(&cwd.join(path))
    })
}

/// A document open in the editor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    pub uri: Uri,
    /// Its canonical path (see [`canonical`]).
    pub path: PathBuf,
    pub text: String,
    pub version: i32,
}

/// The open documents, by canonical path.
#[derive(Debug, Default)]
pub struct Documents {
    open: HashMap<PathBuf, Document>,
}

impl Documents {
    /// Open a document (or replace one opened again); `None` when its URI
    /// is no file's.
    pub fn open(&mut self, uri: Uri, text: String, version: i32) -> Option<&Document> {
        let path = canonical(&uri_to_path(&uri)?);
        self.open.insert(
            path.clone(),
            Document {
                uri,
                path: path.clone(),
                text,
                version,
            },
        );
        self.open.get(&path)
    }

    pub fn get(&self, uri: &Uri) -> Option<&Document> {
        self.open.get(&canonical(&uri_to_path(uri)?))
    }

    pub fn get_mut(&mut self, uri: &Uri) -> Option<&mut Document> {
        self.open.get_mut(&canonical(&uri_to_path(uri)?))
    }

    /// Close a document: the file on disk counts again.
    pub fn close(&mut self, uri: &Uri) -> Option<Document> {
        self.open.remove(&canonical(&uri_to_path(uri)?))
    }

    pub fn iter(&self) -> impl Iterator<Item = &Document> {
        self.open.values()
    }

    /// The open documents below `root`.
    pub fn under<'a>(&'a self, root: &'a Path) -> impl Iterator<Item = &'a Document> + 'a {
        self.open.values().filter(move |d| d.path.starts_with(root))
    }
}

/// Which file of a workspace each canonical path is.
#[derive(Debug, Default)]
pub struct FileMap {
    ids: HashMap<PathBuf, usize>,
}

impl FileMap {
    /// The map of a workspace's files (`(position, path as found)`).
    pub fn new<'a>(files: impl Iterator<Item = (usize, &'a Path)>) -> FileMap {
        FileMap {
            ids: files.map(|(id, path)| (canonical(path), id)).collect(),
        }
    }

    /// The workspace file a canonical path is, if the walk found it.
    pub fn id(&self, path: &Path) -> Option<usize> {
        self.ids.get(path).copied()
    }

    /// The texts of the open documents that are files of the workspace,
    /// by file position: what the analysis reads instead of the disk.
    pub fn overlays<'a>(&self, documents: impl Iterator<Item = &'a Document>) -> HashMap<usize, String> {
        documents
            .filter_map(|d| Some((self.id(&d.path)?, d.text.clone())))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_uris_and_paths_go_both_ways_with_escapes() {
        let dir = tempfile::tempdir().unwrap();
        let path = canonical(dir.path()).join("my app").join("señor.py");
        let uri = path_to_uri(&path).unwrap();
        assert!(uri.as_str().starts_with("file:///"), "{}", uri.as_str());
        assert!(uri.as_str().contains("my%20app"), "{}", uri.as_str());
        assert_eq!(uri_to_path(&uri).unwrap(), path);
        let untitled = Uri::from_str("untitled:Untitled-1").unwrap();
        assert_eq!(uri_to_path(&untitled), None);
    }

    #[test]
    fn a_document_maps_to_the_workspace_file_it_is_even_through_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        std::fs::create_dir(&real).unwrap();
        std::fs::write(real.join("a.py"), "x = 1\n").unwrap();
        std::fs::write(real.join("b.py"), "y = 2\n").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(&real, dir.path().join("link")).unwrap();
        let files = [real.join("a.py"), real.join("b.py")];
        let map = FileMap::new(files.iter().enumerate().map(|(i, p)| (i, p.as_path())));

        let mut documents = Documents::default();
        #[cfg(unix)]
        let opened = dir.path().join("link").join("b.py");
        #[cfg(not(unix))]
        let opened = real.join("b.py");
        let uri = path_to_uri(&opened).unwrap();
        documents.open(uri.clone(), "y = 3\n".into(), 1).unwrap();
        // A document outside the workspace has no overlay.
        let outside = path_to_uri(&dir.path().join("new.py")).unwrap();
        documents.open(outside.clone(), "z = 0\n".into(), 1).unwrap();

        let overlays = map.overlays(documents.iter());
        assert_eq!(overlays, HashMap::from([(1, "y = 3\n".to_string())]));
        assert_eq!(documents.get(&uri).unwrap().version, 1);
        assert_eq!(documents.under(&canonical(&real)).count(), 1);

        documents.get_mut(&uri).unwrap().text = "y = 4\n".into();
        assert_eq!(map.overlays(documents.iter())[&1], "y = 4\n");
        assert!(documents.close(&uri).is_some());
        assert!(map.overlays(documents.iter()).is_empty());
        assert!(documents.close(&outside).is_some());
        assert_eq!(documents.iter().count(), 0);
    }
}
