//! What loading found in each file, kept by the file's size, times and
//! inode, so that a run after an edit reads again only the files that
//! changed.
//!
//! Loading reads every file of the project and searches it for a few byte
//! strings (whether a rule may find anything there, the class names it may
//! define, the functions that may take a user, its content hash). On a
//! repository of library code that is nearly all of a run after one edit:
//! the parts (see [`super::parts`]) spare the checks, not the reading.
//! This entry keeps each file's scan with the file's metadata as it was
//! before the read (size, modification and change times, inode, device,
//! mode), and a run takes a scan back when the metadata is the same and
//! both times were older than the run that made it by a margin: a file
//! written in the same tick as it was read could change again without its
//! times changing (git's "racily clean" entries). The change time cannot
//! be set back by a tool that restores a modification time (`cp -p`,
//! `touch -r`), so such a change is seen too.
//!
//! An entry is for one configuration, build and working directory (the
//! prefilter's names come from the configuration). Files are found by
//! their absolute path, so that a pre-commit hook naming the changed files
//! (which reads the rest of the project by absolute paths) takes the scans
//! of a check of the whole project. As everywhere in the cache, an entry
//! that does not read or fails its checksum is a miss, and failing to
//! write one is not an error of the run.

use super::Cache;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

/// The first line of a scans entry; a change of layout changes it.
const MAGIC: &[u8] = b"auditfix-scans 1\n";

/// A file's metadata as the scan cache compares it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileStat {
    size: u64,
    /// Modification and change times, in nanoseconds since the epoch.
    modified: u128,
    changed: u128,
    inode: u64,
    device: u64,
    mode: u32,
}

impl FileStat {
    /// The metadata of the file `path` names (symlinks followed, as
    /// reading follows them); `None` when it cannot be read.
    pub fn of_path(path: &Path) -> Option<FileStat> {
        FileStat::of(&std::fs::metadata(path).ok()?)
    }

    /// The later of the modification and change times.
    pub fn newest(&self) -> u128 {
        self.modified.max(self.changed)
    }

    pub fn of(meta: &std::fs::Metadata) -> Option<FileStat> {
        let modified = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?.as_nanos();
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let changed =
                u128::try_from(meta.ctime()).ok()? * 1_000_000_000 + u128::try_from(meta.ctime_nsec()).ok()?;
            Some(FileStat {
                size: meta.len(),
                modified,
                changed,
                inode: meta.ino(),
                device: meta.dev(),
                mode: meta.mode(),
            })
        }
        #[cfg(not(unix))]
        {
            Some(FileStat {
                size: meta.len(),
                modified,
                changed: modified,
                inode: 0,
                device: 0,
                mode: u32::from(meta.permissions().readonly()),
            })
        }
    }
}

/// What loading found in one file (see `pipeline::Loaded::scanned`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scan {
    pub bom: bool,
    pub hash: u64,
    pub candidate: bool,
    pub names_user: bool,
    pub classes: Box<[u32]>,
    pub defs: Box<[u64]>,
    /// The lines holding suppression comments, when the file was a target
    /// (only targets need them).
    pub suppression_lines: Option<Vec<(usize, String)>>,
}

/// One file's scan, with the metadata it was made under.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Record {
    /// The absolute path, as the platform encodes it.
    path: Vec<u8>,
    stat: FileStat,
    scan: Scan,
}

impl Record {
    pub fn new(path: &Path, stat: FileStat, scan: Scan) -> Record {
        Record {
            path: absolute(path),
            stat,
            scan,
        }
    }
}

#[derive(Serialize, Deserialize, Default)]
struct Entry {
    /// When the run that made the entry started, in nanoseconds since the
    /// epoch (before it read any file).
    started: u128,
    /// Sorted by path.
    records: Vec<Record>,
}

/// The scans entry of one configuration.
pub struct Scans {
    cache: Cache,
    started: u128,
    old: Entry,
}

/// How much older than the run that made it a file's times must be for
/// its scan to be taken back (see the module's doc).
fn trusted(stat: &FileStat, started: u128) -> bool {
    let margin = super::RACY_MARGIN.as_nanos();
    stat.newest().saturating_add(margin) < started
}

fn absolute(path: &Path) -> Vec<u8> {
    std::path::absolute(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .into_os_string()
        .into_encoded_bytes()
}

impl Scans {
    /// The scans entry in `folder` for runs under the configuration `key`
    /// (and the settings files at `root`), read now: the run starts.
    pub fn open(folder: &Path, root: Option<&Path>, key: &[&[u8]]) -> Scans {
        let started = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let mut parts: Vec<&[u8]> = vec![b"scans"];
        parts.extend_from_slice(key);
        let cache = Cache::new(folder, root, &parts);
        let old = read(&cache).unwrap_or_default();
        Scans { cache, started, old }
    }

    /// The scan of the file at `path` when its metadata is `stat`, as the
    /// last run stored it, if it may be trusted.
    pub fn get(&self, path: &Path, stat: &FileStat) -> Option<&Scan> {
        let path = absolute(path);
        let at = self
            .old
            .records
            .binary_search_by(|r| r.path.as_slice().cmp(path.as_slice()))
            .ok()?;
        let record = &self.old.records[at];
        (record.stat == *stat && trusted(stat, self.old.started)).then_some(&record.scan)
    }

    /// Store `records` as this run's scans, unless they are the ones read
    /// (the same files, with the same metadata and scans).
    pub fn store(&self, mut records: Vec<Record>) {
        records.sort_unstable_by(|a, b| a.path.cmp(&b.path));
        records.dedup_by(|a, b| a.path == b.path);
        let same = records.len() == self.old.records.len()
            && records
                .iter()
                .zip(&self.old.records)
                .all(|(a, b)| a.path == b.path && a.stat == b.stat && a.scan == b.scan);
        // Scans taken back keep the older start, under which they were
        // trusted; a file scanned now is judged against this run's start.
        if same && self.old.records.iter().all(|r| trusted(&r.stat, self.old.started)) {
            return;
        }
        let entry = Entry {
            started: self.started,
            records,
        };
        // Written as it is encoded: a large repository's entry is megabytes.
        let Ok(pending) = self.cache.begin_checked(MAGIC) else {
            return;
        };
        if let Ok(pending) = postcard::to_io(&entry, pending) {
            let _ = pending.finish();
        }
    }
}

fn read(cache: &Cache) -> Option<Entry> {
    let entry: Entry = postcard::from_bytes(&cache.read_checked(MAGIC)?).ok()?;
    entry.records.is_sorted_by(|a, b| a.path < b.path).then_some(entry)
}
