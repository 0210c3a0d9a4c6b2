//! The result cache, as ruff keeps one: a `check` (or `fix` dry run) of a
//! project that has not changed since the last run prints what that run
//! printed, without parsing a file.
//!
//! An entry is the output of one run (standard output, standard error,
//! exit status), stored under `.auditfix_cache/<version>/<key>` at the
//! project's root (or `--cache-dir`, or `AUDITFIX_CACHE_DIR`). The key is a
//! hash of what decides the output apart from the files' contents: the
//! tool's version and build, the command line, the working directory, the
//! resolved configuration and the formatter settings the fixes follow.
//! The entry holds two fingerprints of the files themselves:
//!
//! - the *content* fingerprint: every file the run read (targets and the
//!   project's context: models, mixins, star-imported modules, callees),
//!   by path and a hash of its text, and the paths that could not be read.
//!   A run's results consult at most these files, so a change in any of
//!   them (a model that drops its mixin, a mixin that loses a setter) is a
//!   miss, never a stale result;
//! - the *stat* fingerprint: the same files by path, size, modification
//!   and change times, inode and mode, so that an unchanged tree is recognized without
//!   reading it. It is recorded only when every file is older than the
//!   entry by a margin (a file written in the same tick as the entry could
//!   change again without its time changing, as git's "racily clean"
//!   entries); otherwise the next run compares contents.
//!
//! When the files changed, `check` and `fix` still spare the per-file
//! checks an edit cannot reach: see [`parts`].
//!
//! A cache problem never changes a result: an entry that does not read, is
//! truncated or fails its checksum is a miss; a folder that cannot be
//! created or written leaves the run uncached. Nothing here prints.
//!
//! What does not live here: which commands use the cache and what they
//! print (`commands/`), and how files are found and read (`pipeline.rs`).

pub mod parts;
pub mod scans;

use crate::pipeline::{Discovered, Workspace};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};
use xxhash_rust::xxh3::Xxh3;

/// The default folder of the cache, at the project's root.
pub const DEFAULT_DIR: &str = ".auditfix_cache";

/// The environment variable naming the cache folder.
pub const DIR_VARIABLE: &str = "AUDITFIX_CACHE_DIR";

/// The first line of an entry; a change of layout changes it.
const MAGIC: &[u8] = b"auditfix-cache 1\n";

/// How much older than its entry a file must be for its modification and change times
/// to be trusted (filesystems keep times to a second, or two).
const RACY_MARGIN: Duration = Duration::from_secs(2);

/// How old a file being written must be to be taken for one a killed run
/// left behind.
const ABANDONED: Duration = Duration::from_secs(3600);

/// The entries kept in a version's folder, the most recently written: one
/// per command line and configuration in use, and room for those of
/// earlier builds until they age out.
const KEPT_ENTRIES: usize = 64;

/// What a run printed, and how it ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Output {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub status: i32,
}

/// The header of an entry: the fingerprints, and what the payload holds.
#[derive(Serialize, Deserialize)]
struct Header {
    stat: Option<String>,
    content: String,
    status: i32,
    stdout: usize,
    stderr: usize,
    /// xxh3-128 of the payload (standard output, then standard error).
    checksum: String,
}

/// A hash made of parts, each length-prefixed so that no two lists of
/// parts hash alike by concatenation.
#[derive(Default)]
pub struct KeyHasher(Xxh3);

impl KeyHasher {
    pub fn new() -> Self {
        KeyHasher(Xxh3::new())
    }

    pub fn part(&mut self, bytes: impl AsRef<[u8]>) -> &mut Self {
        let bytes = bytes.as_ref();
        self.0.update(&(bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
        self
    }

    pub fn number(&mut self, n: u64) -> &mut Self {
        self.0.update(&n.to_le_bytes());
        self
    }

    pub fn finish(&self) -> u128 {
        self.0.digest128()
    }
}

/// The folder of the cache: `explicit` (`--cache-dir`), else
/// `AUDITFIX_CACHE_DIR`, else `.auditfix_cache` in `root` (the project's
/// root) or in the working directory.
pub fn folder(explicit: Option<&Path>, root: Option<&Path>) -> PathBuf {
    if let Some(dir) = explicit {
        return dir.to_path_buf();
    }
    if let Some(dir) = std::env::var_os(DIR_VARIABLE).filter(|v| !v.is_empty()) {
        return PathBuf::from(dir);
    }
    root.unwrap_or(Path::new(".")).join(DEFAULT_DIR)
}

/// A stamp of the running executable (its size and modification time),
/// so that a rebuilt tool of the same version does not serve its
/// predecessor's results.
fn build_stamp() -> Vec<u8> {
    let mut out = env!("CARGO_PKG_VERSION").as_bytes().to_vec();
    if let Some(meta) = std::env::current_exe().ok().and_then(|p| std::fs::metadata(p).ok()) {
        out.extend(meta.len().to_le_bytes());
        if let Ok(since) = meta
            .modified()
            .map(|t| t.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default())
        {
            out.extend(since.as_nanos().to_le_bytes());
        }
    }
    out
}

/// The files at the project's root whose settings the fixes follow (see
/// [`crate::code_style`]): part of the key, as the configuration is.
const STYLE_FILES: &[&str] = &["ruff.toml", ".ruff.toml", "pyproject.toml"];

/// The cache of one command line.
pub struct Cache {
    /// `<folder>/<version>`.
    dir: PathBuf,
    key: u128,
    /// The stat fingerprint of this run's files, and the newest
    /// modification or change time among them, once computed.
    stat: Option<(u128, SystemTime)>,
    /// The content fingerprint, once the files were read.
    content: Option<u128>,
}

impl Cache {
    /// The cache in `folder` for a run whose output is decided, besides the
    /// files, by `parts` (the command and its arguments, the resolved
    /// configuration, whether output is colored) and the settings files at
    /// `root`.
    pub fn new(folder: &Path, root: Option<&Path>, parts: &[&[u8]]) -> Cache {
        let mut key = KeyHasher::new();
        key.part(build_stamp());
        for part in parts {
            key.part(part);
        }
        key.part(
            std::env::current_dir()
                .unwrap_or_default()
                .as_os_str()
                .as_encoded_bytes(),
        );
        if let Some(root) = root {
            for name in STYLE_FILES {
                key.part(name);
                key.part(std::fs::read(root.join(name)).unwrap_or_default());
            }
        }
        Cache {
            dir: folder.join(env!("CARGO_PKG_VERSION")),
            key: key.finish(),
            stat: None,
            content: None,
        }
    }

    fn entry_path(&self) -> PathBuf {
        self.dir.join(format!("{:032x}", self.key))
    }

    /// The output stored for this command line when the files `discovered`
    /// (and the `paths` given) have not changed by their sizes, times and
    /// inodes since it was stored, and that entry's times were trusted.
    pub fn by_stat(&mut self, paths: &[PathBuf], discovered: &Discovered) -> Option<Output> {
        self.stat = stat_fingerprint(paths, discovered);
        let (stat, _) = self.stat?;
        let (header, output) = self.read()?;
        (header.stat.as_deref() == Some(hex(stat).as_str())).then_some(output)
    }

    /// The output stored for this command line when the files `workspace`
    /// read hold what they held when it was stored.
    pub fn by_content(&mut self, workspace: &Workspace) -> Option<Output> {
        let content = content_fingerprint(workspace);
        self.content = Some(content);
        let (header, output) = self.read()?;
        (header.content == hex(content)).then_some(output)
    }

    /// Store `output` as this command line's, under the fingerprints
    /// computed by [`Cache::by_stat`] and [`Cache::by_content`]. Failing to
    /// write is not an error of the run: the next one is just not served.
    pub fn store(&self, output: &Output) {
        let Some(content) = self.content else { return };
        let stat = self
            .stat
            .filter(|(_, newest)| {
                SystemTime::now()
                    .checked_sub(RACY_MARGIN)
                    .is_some_and(|trusted| *newest < trusted)
            })
            .map(|(stat, _)| hex(stat));
        let _ = self.write(stat, content, output);
    }

    fn read(&self) -> Option<(Header, Output)> {
        let bytes = std::fs::read(self.entry_path()).ok()?;
        let rest = bytes.strip_prefix(MAGIC)?;
        let end = rest.iter().position(|b| *b == b'\n')?;
        let header: Header = serde_json::from_slice(&rest[..end]).ok()?;
        let payload = &rest[end + 1..];
        if payload.len() != header.stdout.checked_add(header.stderr)? {
            return None;
        }
        if hex(xxhash_rust::xxh3::xxh3_128(payload)) != header.checksum {
            return None;
        }
        let (stdout, stderr) = payload.split_at(header.stdout);
        let output = Output {
            stdout: stdout.to_vec(),
            stderr: stderr.to_vec(),
            status: header.status,
        };
        Some((header, output))
    }

    /// Make the version's folder, and mark the cache's folder as one that
    /// is never committed or backed up (as ruff's and cargo's caches).
    fn prepare(&self) -> std::io::Result<()> {
        let root = self.dir.parent().unwrap_or(&self.dir);
        std::fs::create_dir_all(&self.dir)?;
        for (name, text) in [
            (".gitignore", "# Automatically created by auditfix.\n*\n"),
            (
                "CACHEDIR.TAG",
                "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by auditfix.\n",
            ),
        ] {
            let path = root.join(name);
            if !path.exists() {
                std::fs::write(path, text)?;
            }
        }
        Ok(())
    }

    /// Write this entry as `magic`, a checksum of the payload, and the
    /// payload: `chunks` one after the other, not copied into one buffer
    /// first (the binary entries: per-file parts, scans).
    fn write_checked(&self, magic: &[u8], chunks: &[&[u8]]) -> std::io::Result<()> {
        let mut entry = self.begin_checked(magic)?;
        for chunk in chunks {
            entry.write_all(chunk)?;
        }
        entry.finish()
    }

    /// An entry as [`Cache::write_checked`] writes it, its payload written
    /// (and hashed) as it is made rather than held in memory first: a
    /// large repository's per-file parts take megabytes.
    fn begin_checked(&self, magic: &[u8]) -> std::io::Result<Pending<'_>> {
        let mut file = std::io::BufWriter::new(self.entry_file()?);
        file.write_all(magic)?;
        // The checksum's place, filled in by `finish`.
        file.write_all(&[0; 16])?;
        Ok(Pending {
            cache: self,
            file,
            hasher: Xxh3::new(),
            checksum_at: magic.len() as u64,
        })
    }

    /// The payload [`Cache::write_checked`] wrote under `magic`; `None`
    /// when the entry does not read, starts otherwise or fails its checksum.
    fn read_checked(&self, magic: &[u8]) -> Option<Vec<u8>> {
        let mut bytes = std::fs::read(self.entry_path()).ok()?;
        let rest = bytes.strip_prefix(magic)?;
        let (checksum, payload) = rest.split_at_checked(16)?;
        if checksum != xxhash_rust::xxh3::xxh3_128(payload).to_le_bytes() {
            return None;
        }
        bytes.drain(..magic.len() + 16);
        Some(bytes)
    }

    /// Write this command line's entry from `chunks`, one after the other,
    /// and prune the folder. Written aside and renamed: a reader sees the
    /// old entry or the new.
    fn write_entry(&self, chunks: &[&[u8]]) -> std::io::Result<()> {
        let mut file = self.entry_file()?;
        for chunk in chunks {
            file.write_all(chunk)?;
        }
        self.commit(file)
    }

    /// A file beside this command line's entry, to write a new one into
    /// (removed when dropped uncommitted).
    fn entry_file(&self) -> std::io::Result<tempfile::NamedTempFile> {
        self.prepare()?;
        tempfile::NamedTempFile::new_in(&self.dir)
    }

    /// `file`, written whole, in the entry's place; the folder pruned.
    fn commit(&self, file: tempfile::NamedTempFile) -> std::io::Result<()> {
        file.persist(self.entry_path()).map_err(|e| e.error)?;
        self.prune();
        Ok(())
    }

    fn write(&self, stat: Option<String>, content: u128, output: &Output) -> std::io::Result<()> {
        // The payload is the two streams one after the other, hashed and
        // written without being copied into one buffer.
        let mut hasher = Xxh3::new();
        hasher.update(&output.stdout);
        hasher.update(&output.stderr);
        let header = Header {
            stat,
            content: hex(content),
            status: output.status,
            stdout: output.stdout.len(),
            stderr: output.stderr.len(),
            checksum: hex(hasher.digest128()),
        };
        let header = serde_json::to_vec(&header)?;
        self.write_entry(&[MAGIC, &header, b"\n", &output.stdout, &output.stderr])
    }

    /// Remove all but the [`KEPT_ENTRIES`] most recently written entries
    /// (a file being written, not yet named as an entry, is left alone,
    /// unless a run killed while writing it left it: it is an hour old).
    fn prune(&self) {
        let Ok(read) = std::fs::read_dir(&self.dir) else { return };
        let abandoned = SystemTime::now().checked_sub(ABANDONED);
        let mut entries: Vec<(SystemTime, PathBuf)> = read
            .filter_map(|entry| {
                let entry = entry.ok()?;
                let name = entry.file_name();
                let is_entry = name.len() == 32 && name.to_str()?.bytes().all(|b| b.is_ascii_hexdigit());
                let modified = entry.metadata().ok()?.modified().ok()?;
                if name.to_str()?.starts_with(".tmp") && abandoned.is_some_and(|a| modified < a) {
                    let _ = std::fs::remove_file(entry.path());
                }
                is_entry.then(|| (modified, entry.path()))
            })
            .collect();
        if entries.len() <= KEPT_ENTRIES {
            return;
        }
        entries.sort();
        for (_, path) in &entries[..entries.len() - KEPT_ENTRIES] {
            let _ = std::fs::remove_file(path);
        }
    }
}

fn hex(n: u128) -> String {
    format!("{n:032x}")
}

/// The stat fingerprint of a run's files (see the module's doc), and the
/// newest modification or change time among them; `None` when a file's metadata
/// cannot be read (the contents decide then).
pub fn stat_fingerprint(paths: &[PathBuf], discovered: &Discovered) -> Option<(u128, SystemTime)> {
    use rayon::prelude::*;
    /// A path's stat and whether it is a folder, as the fingerprint takes them.
    type Stamp = (scans::FileStat, bool);
    /// A path's metadata as the fingerprint takes it: its stat, whether it
    /// is a folder, and whether it is a symlink.
    fn stat_of(path: &Path) -> Option<(scans::FileStat, bool, bool)> {
        let meta = std::fs::symlink_metadata(path).ok()?;
        Some((
            scans::FileStat::of(&meta)?,
            meta.is_dir(),
            meta.file_type().is_symlink(),
        ))
    }
    // Each file's metadata (and a symlink's target's), read on all threads:
    // a large tree's stats are most of what a run served whole costs.
    let stats: Vec<Option<[Option<Stamp>; 2]>> = discovered
        .files
        .par_iter()
        .map(|(path, _)| {
            let (stat, dir, link) = stat_of(path)?;
            let target = if link {
                let (stat, dir, _) = stat_of(&std::fs::canonicalize(path).ok()?)?;
                Some((stat, dir))
            } else {
                None
            };
            Some([Some((stat, dir)), target])
        })
        .collect();
    let mut hasher = KeyHasher::new();
    let mut newest = SystemTime::UNIX_EPOCH;
    // The paths given, by kind only (a folder's time changes with any
    // file added to it; the files found below it are stamped one by one).
    for path in paths {
        let kind = std::fs::metadata(path).map_or(0, |m| if m.is_dir() { 1 } else { 2 });
        hasher.part(path.as_os_str().as_encoded_bytes()).number(kind);
    }
    for ((path, target), stats) in discovered.files.iter().zip(stats) {
        hasher
            .part(path.as_os_str().as_encoded_bytes())
            .number(u64::from(*target));
        // A symlink's target counts too.
        for (stat, dir) in stats?.into_iter().flatten() {
            // The change time too: a tool that puts a modification time
            // back (`cp -p`, `touch -r`) cannot put it back.
            let since = Duration::from_nanos(u64::try_from(stat.newest()).ok()?);
            newest = newest.max(SystemTime::UNIX_EPOCH + since);
            hasher.part(postcard::to_stdvec(&stat).ok()?);
            hasher.number(u64::from(dir));
        }
    }
    for error in &discovered.errors {
        hasher
            .part(error.path.as_os_str().as_encoded_bytes())
            .part(&error.message);
    }
    Some((hasher.finish(), newest))
}

/// The content fingerprint of the files a workspace read (see the module's doc).
pub fn content_fingerprint(workspace: &Workspace) -> u128 {
    let mut hasher = KeyHasher::new();
    for file in &workspace.files {
        hasher
            .part(file.path.as_os_str().as_encoded_bytes())
            .part(file.display.as_os_str().as_encoded_bytes())
            .number(u64::from(file.target))
            .number(file.hash);
    }
    for error in &workspace.errors {
        hasher
            .part(error.path.as_os_str().as_encoded_bytes())
            .part(&error.message);
    }
    for note in &workspace.notes {
        hasher.part(note);
    }
    hasher.finish()
}

/// An entry being written (see [`Cache::begin_checked`]): its payload goes
/// to a file beside the entry, hashed on the way; [`Pending::finish`]
/// writes the checksum and puts the file in the entry's place. Dropped
/// unfinished, the file is removed and the entry left as it was.
pub(crate) struct Pending<'c> {
    cache: &'c Cache,
    file: std::io::BufWriter<tempfile::NamedTempFile>,
    hasher: Xxh3,
    /// Where the checksum goes: after the magic line.
    checksum_at: u64,
}

impl Write for Pending<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let written = self.file.write(buf)?;
        self.hasher.update(&buf[..written]);
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

impl Pending<'_> {
    /// The checksum written in its place, and the entry in the cache.
    pub(crate) fn finish(self) -> std::io::Result<()> {
        use std::io::{Seek, SeekFrom};
        let mut file = self.file.into_inner().map_err(std::io::IntoInnerError::into_error)?;
        file.seek(SeekFrom::Start(self.checksum_at))?;
        file.write_all(&self.hasher.digest128().to_le_bytes())?;
        self.cache.commit(file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output() -> Output {
        Output {
            stdout: b"app/x.py:1:1: AUD004 ...\n".to_vec(),
            stderr: b"warning: w\n".to_vec(),
            status: 1,
        }
    }

    fn cache_in(dir: &Path) -> Cache {
        let mut cache = Cache::new(dir, None, &[b"check"]);
        cache.content = Some(7);
        cache
    }

    #[test]
    fn an_entry_reads_back_and_a_damaged_one_is_a_miss() {
        let dir = tempfile::tempdir().unwrap();
        let cache = cache_in(dir.path());
        cache.store(&output());
        let (header, read) = cache.read().unwrap();
        assert_eq!(read, output());
        assert_eq!(header.content, hex(7));
        assert!(dir.path().join(".gitignore").is_file());
        let path = cache.entry_path();
        let bytes = std::fs::read(&path).unwrap();
        // Truncated, a byte flipped, or garbage: a miss, not a crash.
        std::fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
        assert!(cache.read().is_none());
        let mut flipped = bytes.clone();
        *flipped.last_mut().unwrap() ^= 1;
        std::fs::write(&path, &flipped).unwrap();
        assert!(cache.read().is_none());
        std::fs::write(&path, b"\xff\xfe garbage").unwrap();
        assert!(cache.read().is_none());
        std::fs::write(&path, &bytes).unwrap();
        assert!(cache.read().is_some());
    }

    #[test]
    fn the_oldest_entries_go_beyond_the_kept_number() {
        let dir = tempfile::tempdir().unwrap();
        let version = dir.path().join(env!("CARGO_PKG_VERSION"));
        std::fs::create_dir_all(&version).unwrap();
        let old = SystemTime::now() - Duration::from_secs(3600);
        for i in 0..KEPT_ENTRIES {
            let file = std::fs::File::create(version.join(format!("{i:032x}"))).unwrap();
            file.set_modified(old + Duration::from_secs(i as u64)).unwrap();
        }
        std::fs::write(version.join(".tmp-being-written"), "").unwrap();
        let left = std::fs::File::create(version.join(".tmp-left-by-a-killed-run")).unwrap();
        left.set_modified(old).unwrap();
        let cache = cache_in(dir.path());
        cache.store(&output());
        assert!(cache.read().is_some());
        // The oldest went, the one being written stayed, the one left went.
        assert!(!version.join(format!("{:032x}", 0)).exists());
        assert!(version.join(format!("{:032x}", 1)).exists());
        assert!(version.join(".tmp-being-written").exists());
        assert!(!version.join(".tmp-left-by-a-killed-run").exists());
        assert_eq!(std::fs::read_dir(&version).unwrap().count(), KEPT_ENTRIES + 1);
    }

    #[test]
    fn an_entry_written_as_it_is_made_reads_back_and_one_left_unfinished_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let cache = cache_in(dir.path());
        let magic = b"test-entry 1\n";
        cache.write_checked(magic, &[b"first ", b"entry"]).unwrap();
        assert_eq!(cache.read_checked(magic).unwrap(), b"first entry");
        // Written in pieces of any size: the checksum is of all of them.
        let mut entry = cache.begin_checked(magic).unwrap();
        for piece in [&b"sec"[..], b"ond ", b"", b"entry"] {
            entry.write_all(piece).unwrap();
        }
        // Until it is finished, the old entry is the one read.
        assert_eq!(cache.read_checked(magic).unwrap(), b"first entry");
        entry.finish().unwrap();
        assert_eq!(cache.read_checked(magic).unwrap(), b"second entry");
        // Dropped unfinished: the entry as it was, and no file left beside it.
        let mut entry = cache.begin_checked(magic).unwrap();
        entry.write_all(b"third").unwrap();
        drop(entry);
        assert_eq!(cache.read_checked(magic).unwrap(), b"second entry");
        let names: Vec<_> = std::fs::read_dir(&cache.dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, [format!("{:032x}", cache.key)]);
        // Another magic line is not this entry.
        assert!(cache.read_checked(b"test-entry 2\n").is_none());
    }

    #[test]
    fn another_command_line_has_another_entry() {
        let dir = tempfile::tempdir().unwrap();
        let one = Cache::new(dir.path(), None, &[b"check", b"--format json"]);
        let two = Cache::new(dir.path(), None, &[b"check", b"--format text"]);
        let split = Cache::new(dir.path(), None, &[b"check--format", b" text"]);
        assert_ne!(one.key, two.key);
        assert_ne!(two.key, split.key);
    }
}
