//! Writing fixed files, and deciding which files may be written.
//!
//! What lives here: [`write_atomic`] (a temporary file beside the real
//! target, fsynced, given the original permissions, renamed over it; symlinks
//! resolved so the link stays a link; a file changed since it was read, or
//! read-only, is refused), [`Writer`] (the same, confined to the paths a run
//! was given, plus the clean-up of temporary files an interrupted run left)
//! and [`dirty_files`] (which files have uncommitted changes in a git work
//! tree, for `fix`'s refusal without `--allow-dirty`, as `cargo fix` does;
//! git runs there with every command the repository could configure turned
//! off, since opening an untrusted checkout must not run its owner's code).
//! Also [`write_output`], the `-o FILE` of `check` and `report`: atomic
//! for a regular file, written in place for a device, a FIFO or a link to
//! one. What does not: deciding what to write (the pipeline) or asking the
//! user (the interactive printer).
//!
//! The guarantees, and how they are kept:
//! - **Old or new, never torn.** The new contents go to a temporary file in
//!   the target's folder, are fsynced, and replace the target by `rename`,
//!   which is atomic; the folder is fsynced after.
//! - **No lost update between two runs.** The target is locked (an advisory
//!   `flock`) from the moment it is re-read until the rename: a second
//!   `auditfix` run that reaches the same file meanwhile skips it ("another
//!   auditfix run is writing it"; another program holding a lock is named
//!   as such, from `/proc/locks`), and one that reaches it after the rename
//!   finds it changed since it was read and skips it too. Editors do not take
//!   the lock; against them the file is checked again once the new version
//!   is written, right before it replaces the file (same inode at the path,
//!   size, times and contents), and on Linux the replacement is an exchange
//!   of names after which the version taken out is checked once more (a
//!   save that got in between is put back). A file that changed is left as
//!   it is and named ("changed on disk since it was read").
//! - **Temporary files are unnamed, recognizable and cleaned.** On Linux
//!   the new contents go to an unnamed file (`O_TMPFILE`) that gets a name
//!   only once it is complete and on disk, right before the rename: a run
//!   killed while writing leaves nothing behind. Elsewhere, or on a file
//!   system without unnamed files, a named temporary file is written. Named
//!   ones are `.auditfix-tmp-<file name>.<inode>-<inode>-<tag>` ([`temp_name`]:
//!   never `.py`, so never walked; the inodes of the new and the replaced
//!   version, the tag a hash of the name, device and inodes)
//!   and locked by the run that owns them. A run killed between naming one
//!   and renaming it can leave one behind: no rename-based write can rule
//!   that out. [`Writer::remove_stale_temps`], which `fix --apply` calls
//!   before writing, removes those in the folders of the run's files whose
//!   owner is gone (their lock is free) and only those: a regular file, not
//!   a symlink, owned by this user (or the replaced file's owner), whose name
//!   matches its own inode and device, in a folder within the paths given.
//!   (On Linux a run killed between exchanging the two names and removing
//!   the version taken out leaves that old version under the temporary
//!   name, which names it too: a later run removes it, as a plain rename
//!   would have.)
//!   A user's file that merely starts with the prefix is never touched.
//! - **Nothing else harmed.** The new file gets the old one's owner,
//!   permissions and extended attributes (POSIX ACLs included); a file
//!   with hard links (its other names would keep the old text) or one this
//!   user may not write (the folder's permission alone would let the
//!   rename through) is left untouched and named.
//! - **Nothing outside the given paths.** A symlink found in the walk whose
//!   target lies outside every path given on the command line is read and
//!   checked, but [`Writer::write`] refuses to write through it.
//!
//! Every error is one line saying what failed and why, for the caller to
//! print after the path.

use crate::config::io_reason;
use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The start of every temporary file's name.
pub const TEMP_PREFIX: &str = ".auditfix-tmp-";

/// Writes confined to the paths a run was given.
#[derive(Clone, Debug, Default)]
pub struct Writer {
    /// The given paths, resolved; empty means no confinement (tests).
    roots: Vec<PathBuf>,
}

impl Writer {
    /// A writer for a run over `paths` (as given on the command line).
    pub fn new(paths: &[PathBuf]) -> Writer {
        Writer {
            roots: paths.iter().filter_map(|p| fs::canonicalize(p).ok()).collect(),
        }
    }

    /// [`write_atomic`], after checking that the file, symlinks resolved,
    /// lies within the paths of the run.
    pub fn write(&self, path: &Path, expected: &[u8], contents: &[u8]) -> Result<(), String> {
        let target = fs::canonicalize(path).map_err(|e| format!("cannot resolve the path: {}", io_reason(&e)))?;
        if !self.roots.is_empty() && !self.roots.iter().any(|root| target.starts_with(root)) {
            return Err(format!(
                "is a symlink to {}, outside the paths given; not written (give that path to fix it there)",
                target.display()
            ));
        }
        write_atomic(path, expected, contents)
    }

    /// Whether `path` (resolved) lies within the paths of the run.
    fn confines(&self, path: &Path) -> bool {
        self.roots.is_empty() || self.roots.iter().any(|root| path.starts_with(root))
    }

    /// Remove the temporary files that an interrupted run left beside
    /// `files` (in their folders, symlinks resolved), when no live run owns
    /// them. Returns the paths removed.
    ///
    /// Only files this tool made are removed (see [`is_stale_temp`]), and
    /// only in folders within the paths of the run: a file reached through
    /// a symlink leading elsewhere is not written, and its folder is not
    /// cleaned either.
    pub fn remove_stale_temps<'a>(&self, files: impl IntoIterator<Item = &'a Path>) -> Vec<PathBuf> {
        let folders: BTreeSet<PathBuf> = files
            .into_iter()
            .filter_map(|f| fs::canonicalize(f).ok())
            .filter(|f| self.confines(f))
            .filter_map(|f| f.parent().map(Path::to_path_buf))
            .collect();
        let mut removed = Vec::new();
        for folder in folders {
            let Ok(entries) = fs::read_dir(&folder) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if is_stale_temp(&path) && fs::remove_file(&path).is_ok() {
                    removed.push(path);
                }
            }
        }
        removed
    }
}

/// Whether `path` is a temporary file that a run of this tool made and
/// left: a regular file (not a symlink, never followed), owned by this
/// user or by the owner of the file it was to replace, whose name is
/// [`temp_name`] for the file it is (its own inode and device, so a user's
/// file that merely starts with the prefix never matches), and not locked
/// by a live run.
#[cfg(unix)]
fn is_stale_temp(path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let Some(name) = path.file_name() else {
        return false;
    };
    if !name.as_encoded_bytes().starts_with(TEMP_PREFIX.as_bytes()) {
        return false;
    }
    let Ok(metadata) = fs::symlink_metadata(path) else {
        return false;
    };
    if !metadata.file_type().is_file() {
        return false;
    }
    let Some(target) = replaced_by(name, &metadata) else {
        return false;
    };
    let target_owner = path.with_file_name(target).metadata().ok().map(|m| m.uid());
    if metadata.uid() != effective_uid() && Some(metadata.uid()) != target_owner {
        return false;
    }
    // Still the same file once open (not replaced since), and no live run
    // holds its lock.
    let Ok(file) = crate::files::open_regular(path, u64::MAX) else {
        return false;
    };
    let same = file
        .metadata()
        .is_ok_and(|open| (open.dev(), open.ino()) == (metadata.dev(), metadata.ino()));
    same && file.try_lock().is_ok()
}

#[cfg(not(unix))]
fn is_stale_temp(_path: &Path) -> bool {
    false
}

#[cfg(target_os = "linux")]
fn effective_uid() -> u32 {
    rustix::process::geteuid().as_raw()
}

#[cfg(all(unix, not(target_os = "linux")))]
fn effective_uid() -> u32 {
    // Unknown here: only the owner of the file to replace counts.
    u32::MAX
}

/// The name of a temporary file (`temp` its own metadata) that will
/// replace the file named `target` in the same folder (`replaced` its
/// metadata): `.auditfix-tmp-<target>.<inode>-<replaced inode>-<tag>`, the
/// inodes in hexadecimal and the tag a hash of the target's name, the
/// device and both inodes. The name thus describes the file it is given to
/// (and, once the two are exchanged, the file it replaced, which it then
/// names until it is removed), which is how a later run recognizes it
/// ([`is_stale_temp`]).
#[cfg(unix)]
pub fn temp_name(target: &OsStr, temp: &fs::Metadata, replaced: &fs::Metadata) -> std::ffi::OsString {
    use std::os::unix::fs::MetadataExt;
    let mut name = std::ffi::OsString::from(TEMP_PREFIX);
    name.push(target);
    let (dev, new, old) = (temp.dev(), temp.ino(), replaced.ino());
    name.push(format!(".{new:x}-{old:x}-{:016x}", temp_tag(target, dev, new, old)));
    name
}

/// The name of the file that a temporary file named `name`, with
/// `metadata`, was made to replace; `None` when `name` is not one that
/// [`temp_name`] gives that file (as the new version, or as the version it
/// replaced).
#[cfg(unix)]
fn replaced_by<'a>(name: &'a OsStr, metadata: &fs::Metadata) -> Option<&'a OsStr> {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::MetadataExt;
    let rest = name.as_bytes().strip_prefix(TEMP_PREFIX.as_bytes())?;
    let dot = rest.iter().rposition(|b| *b == b'.')?;
    let (target, suffix) = (OsStr::from_bytes(&rest[..dot]), &rest[dot + 1..]);
    let suffix = std::str::from_utf8(suffix).ok()?;
    let mut parts = suffix.split('-');
    let (new, old, tag) = (parts.next()?, parts.next()?, parts.next()?);
    let hex = |text: &str| u64::from_str_radix(text, 16).ok().filter(|n| format!("{n:x}") == text);
    let (new, old) = (hex(new)?, hex(old)?);
    let expected = format!("{:016x}", temp_tag(target, metadata.dev(), new, old));
    let names_it = metadata.ino() == new || metadata.ino() == old;
    (!target.is_empty() && parts.next().is_none() && tag == expected && names_it).then_some(target)
}

/// FNV-1a (64 bits) of a fixed label, the target's name, the device and
/// the two inodes: stable across runs and versions, so any run recognizes
/// any other's temporary files.
#[cfg(unix)]
fn temp_tag(target: &OsStr, dev: u64, new: u64, old: u64) -> u64 {
    use std::os::unix::ffi::OsStrExt;
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let label: &[u8] = b"auditfix temporary file\0";
    let (dev, new, old) = (dev.to_le_bytes(), new.to_le_bytes(), old.to_le_bytes());
    let parts: [&[u8]; 6] = [label, target.as_bytes(), b"\0", &dev, &new, &old];
    for byte in parts.into_iter().flatten() {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// Write `contents` to `path` atomically, after checking that the file still
/// holds `expected` (the bytes it was read with) and is not read-only.
///
/// An interrupted run leaves either the old or the new file, never a mix;
/// on any error the temporary file is removed and the original is intact.
/// The target stays locked from the re-read to the rename (see the module
/// doc).
pub fn write_atomic(path: &Path, expected: &[u8], contents: &[u8]) -> Result<(), String> {
    let target = fs::canonicalize(path).map_err(|e| format!("cannot resolve the path: {}", io_reason(&e)))?;
    let mut locked = crate::files::open_regular(&target, crate::files::SOURCE_CAP)
        .map_err(|e| format!("cannot re-read before writing: {}", io_reason(&e)))?;
    // A holder that cannot be found may have let go meanwhile: try again.
    for attempt in 0..2 {
        match locked.try_lock() {
            Ok(()) => break,
            Err(fs::TryLockError::WouldBlock) => match locked_by(&locked) {
                Some(message) => return Err(message),
                None if attempt == 0 => continue,
                None => {
                    return Err(
                        "is locked by another process (an auditfix run or another program); left untouched".into(),
                    )
                }
            },
            // A file system without locks: the re-read below still guards.
            Err(fs::TryLockError::Error(_)) => break,
        }
    }
    let metadata = locked
        .metadata()
        .map_err(|e| format!("cannot read the permissions: {}", io_reason(&e)))?;
    // The file locked must still be the one at the path (not replaced
    // between the open and the lock).
    if !same_file(&metadata, &target) {
        return Err(CHANGED.into());
    }
    let mut current = Vec::with_capacity(expected.len());
    locked
        .read_to_end(&mut current)
        .map_err(|e| format!("cannot re-read before writing: {}", io_reason(&e)))?;
    if current != expected {
        return Err(CHANGED.into());
    }
    // What the file was when its contents were checked: verified again
    // right before it is replaced.
    let baseline = Stamp::of(&metadata);
    let permissions = metadata.permissions();
    if permissions.readonly() {
        return Err("is read-only; left untouched (make it writable to fix it)".into());
    }
    check_replaceable(&target, &metadata)?;
    let dir = target.parent().unwrap_or(Path::new("."));
    let name = target.file_name().unwrap_or(OsStr::new("file"));
    #[cfg(target_os = "linux")]
    let unnamed = unnamed::write(dir, name, contents, &metadata, &locked);
    #[cfg(not(target_os = "linux"))]
    let unnamed: Option<Result<Prepared, String>> = None;
    let prepared = match unnamed {
        Some(result) => result?,
        None => write_named(dir, name, contents, &metadata, &locked)?,
    };
    replace(prepared, &target, &locked, &baseline, expected, || {})?;
    // Make the rename itself durable; a failure here changes nothing on disk.
    if let Ok(dir) = fs::File::open(dir) {
        let _ = dir.sync_all();
    }
    drop(locked);
    Ok(())
}

/// Why a file whose lock is taken is left: "another auditfix run is
/// writing it" only when the process holding the lock is one (found in
/// `/proc/locks` on Linux); another program is named with its process id;
/// a holder that cannot be found is said to be either (by the caller).
/// `None` when the holder is not found.
fn locked_by(file: &fs::File) -> Option<String> {
    let (pid, name) = lock_holder(file)?;
    Some(if name == "auditfix" {
        "another auditfix run is writing it; left untouched".into()
    } else {
        format!("is locked by another program ({name}, pid {pid}); left untouched")
    })
}

/// The process id and name of the process holding a `flock` on `file`.
#[cfg(target_os = "linux")]
fn lock_holder(file: &fs::File) -> Option<(u32, String)> {
    use std::os::unix::fs::MetadataExt;
    let metadata = file.metadata().ok()?;
    let dev = metadata.dev();
    let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff);
    let minor = (dev & 0xff) | ((dev >> 12) & !0xff);
    // `1: FLOCK  ADVISORY  WRITE 4242 fd:01:123456 0 EOF` (waiters have `->`).
    let wanted = format!("{major:02x}:{minor:02x}:{}", metadata.ino());
    let locks = crate::files::read_regular(Path::new("/proc/locks"), crate::files::CONFIG_CAP).ok()?;
    let locks = String::from_utf8_lossy(&locks);
    let pid: u32 = locks.lines().find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let is_held_flock = fields.get(1) == Some(&"FLOCK");
        (is_held_flock && fields.get(5) == Some(&wanted.as_str())).then(|| fields.get(4)?.parse().ok())?
    })?;
    let name = fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
    Some((pid, name.trim().to_string()))
}

#[cfg(not(target_os = "linux"))]
fn lock_holder(_file: &fs::File) -> Option<(u32, String)> {
    None
}

/// Refuse what replacing the file would do behind the user's back:
/// - **hard links**: a file with other names keeps the old text under
///   them once this name is replaced (as `sed -i` does silently); such a
///   file is left untouched and named, with its link count;
/// - **someone else's file**: the rename needs only the right to write the
///   folder, so a user could replace a file they may not write (a
///   root-owned `0644` file in their folder); the write is refused unless
///   the file itself is writable by this process.
fn check_replaceable(target: &Path, metadata: &fs::Metadata) -> Result<(), String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if metadata.nlink() > 1 {
            return Err(format!(
                "has {} hard links; left untouched (replacing it would leave the other names with the old text)",
                metadata.nlink()
            ));
        }
    }
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{accessat, Access, AtFlags, CWD};
        use std::os::unix::fs::MetadataExt;
        if accessat(CWD, target, Access::WRITE_OK, AtFlags::EACCESS) == Err(rustix::io::Errno::ACCESS) {
            return Err(format!(
                "is not writable by this user (owner uid {}, mode {:o}); left untouched",
                metadata.uid(),
                metadata.mode() & 0o7777
            ));
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (target, metadata);
    Ok(())
}

/// The new contents through a named temporary file beside the target,
/// renamed over it (where unnamed files are not available).
///
/// The file is created under a provisional name and, before anything is
/// written to it, renamed to its [`temp_name`] (which needs its inode): a
/// run killed while writing leaves a file that a later run recognizes as
/// its own. Only a kill between the creation and that rename, two system
/// calls apart, leaves a provisional name behind, which is never removed
/// (nothing proves it is ours).
fn write_named(
    dir: &Path,
    name: &OsStr,
    contents: &[u8],
    original: &fs::Metadata,
    locked: &fs::File,
) -> Result<Prepared, String> {
    let mut prefix = std::ffi::OsString::from(TEMP_PREFIX);
    prefix.push(name);
    prefix.push(".new-");
    // Dropping `provisional` on an early return removes the file.
    let (mut file, provisional) = tempfile::Builder::new()
        .prefix(&prefix)
        .tempfile_in(dir)
        .map_err(|e| format!("cannot create a temporary file in {}: {}", dir.display(), io_reason(&e)))?
        .into_parts();
    // Ours while we live: a later run removes it only once this lock is free.
    let _ = file.try_lock();
    #[cfg(unix)]
    let named = {
        let metadata = file
            .metadata()
            .map_err(|e| format!("cannot create a temporary file in {}: {}", dir.display(), io_reason(&e)))?;
        let named = dir.join(temp_name(name, &metadata, original));
        fs::rename(&provisional, &named)
            .map_err(|e| format!("cannot create a temporary file in {}: {}", dir.display(), io_reason(&e)))?;
        // The provisional name is gone: nothing left for it to remove.
        let _ = provisional.keep();
        RemovedUnlessKept(Some(named))
    };
    #[cfg(not(unix))]
    let named = RemovedUnlessKept(provisional.keep().ok());
    fill(&mut file, contents, original, Some(locked))?;
    Ok(Prepared { path: named, file })
}

/// The refusal of a file that changed since it was read.
const CHANGED: &str = "changed on disk since it was read; left untouched";

/// A complete temporary file, on disk under its name, ready to replace
/// the target (removed on drop unless it did).
struct Prepared {
    path: RemovedUnlessKept,
    file: fs::File,
}

/// What identifies a version of a file: device and inode, size, and the
/// modification and change times (any write, truncation, `chmod` or
/// rename-over changes one of them). The first two entries are the file's
/// identity, the last two its change time.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Stamp(Vec<i128>);

impl Stamp {
    /// Device and inode: which file it is.
    fn file(&self) -> &[i128] {
        &self.0[..2.min(self.0.len())]
    }

    /// All but the change time, which renaming the file (as the exchange
    /// does) updates too.
    fn contents(&self) -> &[i128] {
        &self.0[..self.0.len().saturating_sub(2).max(self.file().len())]
    }
}

impl Stamp {
    #[cfg(unix)]
    fn of(metadata: &fs::Metadata) -> Stamp {
        use std::os::unix::fs::MetadataExt;
        Stamp(vec![
            i128::from(metadata.dev()),
            i128::from(metadata.ino()),
            i128::from(metadata.size()),
            i128::from(metadata.mtime()),
            i128::from(metadata.mtime_nsec()),
            i128::from(metadata.ctime()),
            i128::from(metadata.ctime_nsec()),
        ])
    }

    #[cfg(not(unix))]
    fn of(metadata: &fs::Metadata) -> Stamp {
        let modified = metadata
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as i128);
        Stamp(vec![i128::from(metadata.len() as i64), modified])
    }
}

/// Whether `locked` (the target, open and locked) is still, unchanged, the
/// file at `target`: the same stamp as when its contents were checked, the
/// same inode at the path (not renamed over), and the same contents.
fn unchanged(locked: &fs::File, target: &Path, baseline: &Stamp, expected: &[u8]) -> bool {
    let stamp = |file: &fs::File| file.metadata().ok().map(|m| Stamp::of(&m));
    if stamp(locked).as_ref() != Some(baseline) {
        return false;
    }
    let same_at_path = fs::metadata(target).is_ok_and(|m| Stamp::of(&m) == *baseline);
    // The contents too: a write within one tick of the clock that stamps
    // modification times can leave size and times as they were.
    same_at_path && holds(locked, expected) && stamp(locked).as_ref() == Some(baseline)
}

/// Whether `file` holds exactly `expected` (read from its start, whatever
/// its position).
fn holds(file: &fs::File, expected: &[u8]) -> bool {
    let mut reader = file;
    if std::io::Seek::rewind(&mut reader).is_err() {
        return false;
    }
    let mut current = Vec::with_capacity(expected.len() + 1);
    let limit = expected.len() as u64 + 1;
    std::io::Read::take(reader, limit).read_to_end(&mut current).is_ok() && current == expected
}

/// Test hook: `AUDITFIX_TEST_PAUSE_BEFORE_REPLACE=<ms>` sleeps once the
/// temporary file is complete and named, before the target is verified
/// and replaced, so tests can change the target in that window. Unset, it
/// does nothing.
fn pause_before_replace() {
    static PAUSE: std::sync::OnceLock<Option<u64>> = std::sync::OnceLock::new();
    let pause = PAUSE.get_or_init(|| {
        std::env::var("AUDITFIX_TEST_PAUSE_BEFORE_REPLACE")
            .ok()
            .and_then(|v| v.parse().ok())
    });
    if let Some(ms) = pause {
        std::thread::sleep(std::time::Duration::from_millis(*ms));
    }
}

/// Replace `target` by the prepared file, if the target is still the
/// version that was checked (`baseline`, `expected`); otherwise leave it
/// and refuse.
///
/// The check runs after the temporary file is written and flushed, right
/// before the replacement, so an editor's save during the (possibly long)
/// write is found. On Linux the replacement is an exchange of the two
/// names (`RENAME_EXCHANGE`), after which the file taken out is checked
/// once more: if another save got in between the check and the exchange,
/// the exchange is undone and nothing is lost. Elsewhere (or on a file
/// system without exchange) a plain rename follows the check, a window of
/// a few system calls. A writer that keeps the old file open and writes
/// to it after the replacement writes to a file no longer at the path:
/// no rename-based write can prevent that.
///
/// `between` runs between the check and the replacement (tests race
/// another save there).
fn replace(
    prepared: Prepared,
    target: &Path,
    locked: &fs::File,
    baseline: &Stamp,
    expected: &[u8],
    between: impl FnOnce(),
) -> Result<(), String> {
    pause_before_replace();
    let Some(temp) = prepared.path.0.clone() else {
        return Err("cannot create a temporary file".into());
    };
    if !unchanged(locked, target, baseline, expected) {
        return Err(CHANGED.into());
    }
    between();
    #[cfg(target_os = "linux")]
    match unnamed::exchange(&temp, target) {
        Ok(true) => {
            // `temp` now names the file that was at the target.
            let contents = |stamp: Option<Stamp>| stamp.is_some_and(|s| s.contents() == baseline.contents());
            let taken_out = fs::symlink_metadata(&temp).ok().map(|m| Stamp::of(&m));
            let now = locked.metadata().ok().map(|m| Stamp::of(&m));
            if contents(taken_out) && contents(now) {
                // Dropping `prepared` removes the old version.
                return Ok(());
            }
            // Another save got in: put it back, and remove ours only if
            // it is ours that came back.
            let file = |metadata: std::io::Result<fs::Metadata>| metadata.ok().map(|m| Stamp::of(&m).file().to_vec());
            let ours = file(prepared.file.metadata());
            let back = unnamed::exchange(&temp, target).is_ok_and(|done| done)
                && ours.is_some()
                && file(fs::symlink_metadata(&temp)) == ours;
            if back {
                return Err(CHANGED.into());
            }
            prepared.path.keep();
            return Err(format!(
                "changed on disk while it was being replaced; the new version is left at {}",
                temp.display()
            ));
        }
        Ok(false) => {}
        Err(err) => return Err(format!("cannot replace the file: {}", io_reason(&err))),
    }
    fs::rename(&temp, target).map_err(|e| format!("cannot replace the file: {}", io_reason(&e)))?;
    prepared.path.keep();
    Ok(())
}

/// A temporary file's path, removed on drop unless [`kept`](Self::keep).
struct RemovedUnlessKept(Option<PathBuf>);

impl RemovedUnlessKept {
    /// The file was renamed over its target: nothing to remove.
    fn keep(mut self) {
        self.0 = None;
    }
}

impl Drop for RemovedUnlessKept {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            let _ = fs::remove_file(path);
        }
    }
}

/// Write `contents` to the new file, flush it to disk, and give it the
/// original's owner and permissions.
///
/// With `original_file` (the file replaced, open), its extended attributes
/// are copied too, POSIX ACLs included (see [`keep_xattrs`]).
fn fill(
    file: &mut fs::File,
    contents: &[u8],
    original: &fs::Metadata,
    original_file: Option<&fs::File>,
) -> Result<(), String> {
    file.write_all(contents)
        .and_then(|()| file.flush())
        .map_err(|e| format!("cannot write the temporary file: {}", io_reason(&e)))?;
    // Owner first: changing it may clear set-user-id bits the mode restores.
    keep_owner(file, original);
    file.set_permissions(original.permissions())
        .map_err(|e| format!("cannot copy the permissions: {}", io_reason(&e)))?;
    // After the mode: an ACL sets the mode's group bits (its mask) itself.
    if let Some(original_file) = original_file {
        keep_xattrs(original_file, file)?;
    }
    // Last, so that the contents and all of the above are on disk.
    file.sync_all()
        .map_err(|e| format!("cannot flush the temporary file to disk: {}", io_reason(&e)))
}

/// Copy the extended attributes of `original` to `file`: user attributes,
/// and POSIX ACLs, which are the attributes `system.posix_acl_access` and
/// `system.posix_acl_default`. One that cannot be copied (a file system
/// without them, a `security.*` label only a privileged process may set)
/// refuses the write, unless the new file already has the same value (a
/// label inherited from the folder): a file must not lose an ACL silently.
#[cfg(target_os = "linux")]
fn keep_xattrs(original: &fs::File, file: &fs::File) -> Result<(), String> {
    use rustix::fs::{fgetxattr, fgetxattr_query, flistxattr, flistxattr_query, fsetxattr, XattrFlags};
    let Ok(size) = flistxattr_query(original) else {
        // No extended attributes on this file system.
        return Ok(());
    };
    let mut names = vec![0u8; size];
    let Ok(length) = flistxattr(original, &mut names[..]) else {
        return Ok(());
    };
    names.truncate(length);
    let value_of = |from: &fs::File, name: &[u8]| -> Option<Vec<u8>> {
        let size = fgetxattr_query(from, name).ok()?;
        let mut value = vec![0u8; size];
        let length = fgetxattr(from, name, &mut value[..]).ok()?;
        value.truncate(length);
        Some(value)
    };
    for name in names.split(|b| *b == 0).filter(|n| !n.is_empty()) {
        let Some(value) = value_of(original, name) else {
            continue;
        };
        if let Err(err) = fsetxattr(file, name, &value, XattrFlags::empty()) {
            if value_of(file, name).as_deref() != Some(&value[..]) {
                return Err(format!(
                    "cannot keep its extended attribute {}: {}; left untouched",
                    String::from_utf8_lossy(name),
                    io_reason(&err.into())
                ));
            }
        }
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn keep_xattrs(_original: &fs::File, _file: &fs::File) -> Result<(), String> {
    Ok(())
}

/// Linux: the new contents go to an unnamed file (`O_TMPFILE`) in the
/// target's folder, which gets a name (`.auditfix-tmp-*`) only once it is
/// complete and on disk, just before the rename. A run killed while writing
/// leaves nothing; only a kill between the link and the rename, two system
/// calls apart, can leave a named temporary file.
#[cfg(target_os = "linux")]
mod unnamed {
    use super::{fill, Prepared, RemovedUnlessKept};
    use rustix::fs::{linkat, openat, renameat_with, AtFlags, Mode, OFlags, RenameFlags, CWD};
    use std::ffi::OsStr;
    use std::fs;
    use std::os::fd::{AsFd, AsRawFd};
    use std::path::Path;

    /// `None` when the file system makes no unnamed files or cannot link
    /// them (the caller then uses a named temporary file).
    pub(super) fn write(
        dir: &Path,
        name: &OsStr,
        contents: &[u8],
        original: &fs::Metadata,
        locked: &fs::File,
    ) -> Option<Result<Prepared, String>> {
        let flags = OFlags::WRONLY | OFlags::TMPFILE | OFlags::CLOEXEC;
        let fd = openat(CWD, dir, flags, Mode::from_raw_mode(0o600)).ok()?;
        let mut file = fs::File::from(fd);
        // Held until the rename: a later run removes the named file only
        // once this lock is free.
        let _ = file.try_lock();
        if let Err(message) = fill(&mut file, contents, original, Some(locked)) {
            return Some(Err(message));
        }
        // Its name describes it (inode and device), for a later run to
        // recognize it should this run be killed before the rename.
        let named = dir.join(super::temp_name(name, &file.metadata().ok()?, original));
        let through_proc = format!("/proc/self/fd/{}", file.as_raw_fd());
        let linked = linkat(CWD, through_proc.as_str(), CWD, &named, AtFlags::SYMLINK_FOLLOW)
            .or_else(|_| linkat(file.as_fd(), "", CWD, &named, AtFlags::EMPTY_PATH));
        if linked.is_err() {
            return None;
        }
        Some(Ok(Prepared {
            path: RemovedUnlessKept(Some(named)),
            file,
        }))
    }

    /// Exchange the files at `a` and `b` atomically; `Ok(false)` when the
    /// kernel or the file system cannot (the caller renames instead).
    pub(super) fn exchange(a: &Path, b: &Path) -> std::io::Result<bool> {
        match renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE) {
            Ok(()) => Ok(true),
            Err(err) if err == rustix::io::Errno::INVAL || err == rustix::io::Errno::NOSYS => Ok(false),
            Err(err) => Err(err.into()),
        }
    }
}

/// Write an output file (`check -o`, `report -o`) as a shell's `>` would,
/// but atomically where that can be done:
/// - a regular file (a symlink to one included) is replaced by a complete
///   new file, through a temporary file beside the file the link names (the
///   link stays a link), keeping the old file's permissions and owner;
/// - a new file gets the permissions the umask gives (`0666 & !umask`);
/// - anything else (a device such as `/dev/null`, a FIFO, a terminal, a
///   symlink to one, and every path below `/dev` or `/proc`, such as
///   `/dev/stdout`) is opened and written in place: replacing it would
///   turn a device into a regular file or cut a link to a pipe.
pub fn write_output(path: &Path, contents: &[u8]) -> Result<(), String> {
    let special = path.starts_with("/dev") || path.starts_with("/proc");
    match fs::metadata(path) {
        Ok(metadata) if metadata.is_dir() => Err("is a folder".into()),
        Ok(metadata) if special || !metadata.is_file() => {
            let mut file = fs::OpenOptions::new()
                .append(true)
                .open(path)
                .map_err(|e| io_reason(&e))?;
            file.write_all(contents).map_err(|e| io_reason(&e))
        }
        Ok(metadata) => {
            if metadata.permissions().readonly() {
                return Err("is read-only; not written".into());
            }
            let target = fs::canonicalize(path).map_err(|e| io_reason(&e))?;
            replace_output(&target, contents, Some(&metadata))
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            if fs::symlink_metadata(path).is_ok() {
                return Err("is a symlink to a file that does not exist; not written".into());
            }
            let folder = path.parent().filter(|p| !p.as_os_str().is_empty());
            if folder.is_some_and(|folder| !folder.is_dir()) {
                let folder = folder.unwrap_or(Path::new("."));
                return Err(format!("the folder {} does not exist", folder.display()));
            }
            replace_output(path, contents, None)
        }
        Err(err) => Err(io_reason(&err)),
    }
}

/// [`write_output`] for a regular or new file: a temporary file beside
/// it, renamed over it.
fn replace_output(target: &Path, contents: &[u8], existing: Option<&fs::Metadata>) -> Result<(), String> {
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut prefix = std::ffi::OsString::from(TEMP_PREFIX);
    prefix.push(target.file_name().unwrap_or(OsStr::new("output")));
    prefix.push(".");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix);
    // Created as `open(..., 0666)` is, so the umask applies (not 0600).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder
        .tempfile_in(dir)
        .map_err(|e| format!("cannot create a temporary file in {}: {}", dir.display(), io_reason(&e)))?;
    match existing {
        Some(original) => fill(tmp.as_file_mut(), contents, original, None)?,
        None => tmp
            .as_file_mut()
            .write_all(contents)
            .and_then(|()| tmp.as_file().sync_all())
            .map_err(|e| io_reason(&e))?,
    }
    tmp.persist(target).map_err(|e| io_reason(&e.error))?;
    Ok(())
}

/// Whether `open` (the metadata of an open file) is the file now at `path`.
#[cfg(unix)]
fn same_file(open: &fs::Metadata, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    fs::metadata(path).is_ok_and(|now| (now.dev(), now.ino()) == (open.dev(), open.ino()))
}

#[cfg(not(unix))]
fn same_file(_open: &fs::Metadata, _path: &Path) -> bool {
    true
}

/// Give the new file the original's owner and group when they differ (a
/// privileged run fixing someone else's file). Best effort: without the
/// right to do so the file keeps the runner's ownership, as with any editor.
#[cfg(unix)]
fn keep_owner(file: &fs::File, original: &fs::Metadata) {
    use std::os::unix::fs::MetadataExt;
    let Ok(current) = file.metadata() else {
        return;
    };
    if (current.uid(), current.gid()) != (original.uid(), original.gid()) {
        let _ = std::os::unix::fs::fchown(file, Some(original.uid()), Some(original.gid()));
    }
}

#[cfg(not(unix))]
fn keep_owner(_file: &fs::File, _original: &fs::Metadata) {}

/// The subset of `paths` with uncommitted changes (modified, staged or
/// untracked) in a git work tree, in the order given.
///
/// One `git status` runs per repository found; files outside any work tree,
/// or on a machine without git, are not dirty.
pub fn dirty_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    // Group the files by the work tree they belong to.
    let mut by_root: BTreeMap<PathBuf, Vec<(usize, PathBuf)>> = BTreeMap::new();
    for (i, path) in paths.iter().enumerate() {
        let absolute = absolute(path);
        if let Some(root) = work_tree_root(&absolute) {
            by_root.entry(root).or_default().push((i, absolute));
        }
    }
    let mut dirty = vec![false; paths.len()];
    for (root, files) in by_root {
        let Some(changed) = git_status(&root)? else {
            continue;
        };
        for (i, file) in files {
            let relative = file.strip_prefix(&root).unwrap_or(&file);
            dirty[i] = changed.iter().any(|c| c == relative);
        }
    }
    Ok(paths
        .iter()
        .zip(dirty)
        .filter(|(_, d)| *d)
        .map(|(p, _)| p.clone())
        .collect())
}

/// `path` made absolute with symlinks resolved, so that it compares with the
/// paths `git status` reports below the (resolved) work tree root.
fn absolute(path: &Path) -> PathBuf {
    if let Ok(real) = fs::canonicalize(path) {
        return real;
    }
    // A path that does not exist: resolve its folder instead.
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
    let parent = parent.unwrap_or(Path::new("."));
    match (fs::canonicalize(parent), path.file_name()) {
        (Ok(dir), Some(name)) => dir.join(name),
        _ => std::env::current_dir()
            .map(|cwd| cwd.join(path))
            .unwrap_or_else(|_| path.to_path_buf()),
    }
}

/// The nearest folder at or above `path` holding a `.git` folder or file
/// (a worktree or submodule has a `.git` file).
fn work_tree_root(path: &Path) -> Option<PathBuf> {
    path.ancestors()
        .skip(1)
        .find(|dir| dir.join(".git").exists())
        .map(Path::to_path_buf)
}

/// The paths (relative to `root`) that `git status` reports as changed;
/// `None` when git is not installed or `root` is no work tree after all.
///
/// The repository is not trusted: a checkout's `.git/config` can name
/// commands that a plain `git status` runs (a `core.fsmonitor` hook, a
/// `filter.<driver>.clean` or `.process` command for the files whose
/// attributes name that driver, a `post-index-change` hook when the index
/// is refreshed). None of them runs here: see [`git_without_commands`].
fn git_status(root: &Path) -> Result<Option<Vec<PathBuf>>, String> {
    let filters = match configured_filters(root) {
        Ok(filters) => filters,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(format!("cannot run git: {}", io_reason(&err))),
    };
    if let Some(odd) = filters.iter().find(|f| f.contains('=')) {
        // `-c name=value` splits at the first `=`: it could not be turned off.
        return Err(format!(
            "{} configures a filter driver named `{odd}`, which git status would run; not checked (remove it, or pass --allow-dirty)",
            root.display()
        ));
    }
    let mut command = git_without_commands(root);
    for filter in &filters {
        // An empty command is no filter; a required one would then fail.
        for (key, value) in [("clean", ""), ("smudge", ""), ("process", ""), ("required", "false")] {
            command.arg("-c").arg(format!("filter.{filter}.{key}={value}"));
        }
    }
    let output = command
        .args(["status", "--porcelain", "-z", "--untracked-files=all"])
        // A submodule is its own work tree (its files are grouped under
        // it), and recursing would run git with its configuration.
        .arg("--ignore-submodules=all")
        .output();
    let output = match output {
        Ok(output) => output,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(format!("cannot run git status: {}", io_reason(&err))),
    };
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        if stderr.contains("not a git repository") {
            return Ok(None);
        }
        let reason = stderr
            .lines()
            .map(|l| l.trim_start_matches("fatal: ").trim())
            .find(|l| !l.is_empty())
            .unwrap_or("failed");
        return Err(format!("git status failed in {}: {reason}", root.display()));
    }
    Ok(Some(parse_porcelain(&output.stdout)))
}

/// `git -C root`, set so that no command named by the repository's
/// configuration runs: the file system monitor off (`core.fsmonitor` empty
/// means off, for old and new git alike; `core.untrackedCache` off with it),
/// hooks pointed at nothing, the index never rewritten (so no
/// `post-index-change` hook and no lock taken on the user's index), no
/// pager, and no lazy fetch of missing objects in a partial clone (which
/// would run a transport). Filter drivers are the caller's: their names are
/// the repository's own ([`configured_filters`]).
fn git_without_commands(root: &Path) -> Command {
    let mut command = Command::new("git");
    command
        .env_remove("GIT_TEST_FSMONITOR")
        .env("GIT_NO_LAZY_FETCH", "1")
        .env("GIT_OPTIONAL_LOCKS", "0")
        .env("GIT_TERMINAL_PROMPT", "0")
        .args(["--no-pager", "--no-optional-locks"])
        .args(["-c", "core.fsmonitor=", "-c", "core.untrackedCache=false"])
        .args(["-c", "core.hooksPath=/dev/null"])
        .arg("-C")
        .arg(root);
    command
}

/// The names of the filter drivers configured for `root` (`filter.<name>.*`
/// keys), read without running anything: `git config` only reads files.
fn configured_filters(root: &Path) -> std::io::Result<BTreeSet<String>> {
    let output = git_without_commands(root)
        .args(["config", "-z", "--name-only", "--get-regexp", r"^filter\."])
        .output()?;
    // Exit 1 means no such key; anything else is left to `git status`.
    let names = output.stdout.split(|b| *b == 0).filter(|n| !n.is_empty());
    Ok(names
        .filter_map(|name| {
            let name = String::from_utf8_lossy(name);
            let driver = name.strip_prefix("filter.")?.rsplit_once('.')?.0;
            Some(driver.to_string())
        })
        .collect())
}

/// The paths of `git status --porcelain -z`: `XY path\0`, with the original
/// path of a rename or copy following as its own `\0`-terminated field (it
/// counts as changed too: it is gone).
fn parse_porcelain(output: &[u8]) -> Vec<PathBuf> {
    let mut paths = Vec::new();
    let mut fields = output.split(|b| *b == 0).filter(|f| !f.is_empty());
    while let Some(field) = fields.next() {
        if field.len() < 4 {
            continue;
        }
        let status = &field[..2];
        paths.push(bytes_to_path(&field[3..]));
        if status.contains(&b'R') || status.contains(&b'C') {
            if let Some(original) = fields.next() {
                paths.push(bytes_to_path(original));
            }
        }
    }
    paths
}

#[cfg(unix)]
fn bytes_to_path(bytes: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(OsStr::from_bytes(bytes))
}

#[cfg(not(unix))]
fn bytes_to_path(bytes: &[u8]) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(bytes).replace('/', "\\"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names in `dir`, sorted: proof that no temporary file is left.
    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn writes_new_contents_and_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.py");
        fs::write(&path, "old\n").unwrap();
        write_atomic(&path, b"old\n", b"new\n").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new\n");
        assert_eq!(names(dir.path()), vec!["a.py"]);
    }

    #[cfg(unix)]
    #[test]
    fn keeps_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.py");
        fs::write(&path, "old\n").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o751)).unwrap();
        write_atomic(&path, b"old\n", b"new\n").unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode, 0o751);
    }

    #[cfg(unix)]
    #[test]
    fn keeps_the_owner_when_privileged() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.py");
        fs::write(&path, "old\n").unwrap();
        if fs::metadata(&path).unwrap().uid() != 0 {
            eprintln!("skipped: changing a file's owner needs privileges");
            return;
        }
        std::os::unix::fs::chown(&path, Some(4321), Some(4321)).unwrap();
        write_atomic(&path, b"old\n", b"new\n").unwrap();
        let meta = fs::metadata(&path).unwrap();
        assert_eq!((meta.uid(), meta.gid()), (4321, 4321));
    }

    #[cfg(unix)]
    #[test]
    fn writes_through_a_symlink_and_keeps_the_link() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("real")).unwrap();
        let target = dir.path().join("real/a.py");
        fs::write(&target, "old\n").unwrap();
        let link = dir.path().join("link.py");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        write_atomic(&link, b"old\n", b"new\n").unwrap();
        assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(fs::read_to_string(&target).unwrap(), "new\n");
        assert_eq!(names(dir.path()), vec!["link.py", "real"]);
        assert_eq!(names(&dir.path().join("real")), vec!["a.py"]);
    }

    #[test]
    fn refuses_a_file_changed_since_it_was_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.py");
        fs::write(&path, "edited by someone else\n").unwrap();
        let err = write_atomic(&path, b"old\n", b"new\n").unwrap_err();
        assert!(err.contains("changed on disk since it was read"), "{err}");
        assert_eq!(fs::read_to_string(&path).unwrap(), "edited by someone else\n");
        assert_eq!(names(dir.path()), vec!["a.py"]);
    }

    /// Issue 17, item 1: a save that lands between the last check and the
    /// exchange (in place, or a new file renamed over the target) is found
    /// after the exchange and put back; nothing is left behind.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_save_between_the_check_and_the_exchange_is_put_back() {
        for over in [false, true] {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("a.py");
            fs::write(&path, "old\n").unwrap();
            fs::write(dir.path().join("probe"), "").unwrap();
            if !unnamed::exchange(&dir.path().join("probe"), &path).is_ok_and(|done| done) {
                eprintln!("skipped: this file system cannot exchange two names");
                return;
            }
            unnamed::exchange(&dir.path().join("probe"), &path).unwrap();
            fs::remove_file(dir.path().join("probe")).unwrap();
            let locked = fs::File::open(&path).unwrap();
            let baseline = Stamp::of(&locked.metadata().unwrap());
            let prepared = unnamed::write(
                dir.path(),
                OsStr::new("a.py"),
                b"new\n",
                &locked.metadata().unwrap(),
                &locked,
            )
            .unwrap()
            .unwrap();
            let saved = if over { "saved over\n" } else { "sav\n" };
            let save = || {
                if over {
                    fs::write(dir.path().join("editor.swp"), saved).unwrap();
                    fs::rename(dir.path().join("editor.swp"), &path).unwrap();
                } else {
                    // Same size, so only the times and contents tell.
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    fs::write(&path, saved).unwrap();
                }
            };
            let err = replace(prepared, &path, &locked, &baseline, b"old\n", save).unwrap_err();
            assert_eq!(err, CHANGED);
            assert_eq!(fs::read_to_string(&path).unwrap(), saved, "over: {over}");
            assert_eq!(names(dir.path()), vec!["a.py"]);
        }
    }

    /// Issue 17, item 5: a file with another name (a hard link) is not
    /// replaced, which would leave the other name with the old text.
    #[cfg(unix)]
    #[test]
    fn a_file_with_hard_links_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.py");
        fs::write(&path, "old\n").unwrap();
        fs::hard_link(&path, dir.path().join("twin.py")).unwrap();
        let err = write_atomic(&path, b"old\n", b"new\n").unwrap_err();
        assert_eq!(
            err,
            "has 2 hard links; left untouched (replacing it would leave the other names with the old text)"
        );
        assert_eq!(fs::read_to_string(&path).unwrap(), "old\n");
        assert_eq!(names(dir.path()), vec!["a.py", "twin.py"]);
    }

    /// Issue 17, item 5: extended attributes and POSIX ACLs (stored as the
    /// attribute `system.posix_acl_access`) are kept.
    #[cfg(target_os = "linux")]
    #[test]
    fn extended_attributes_and_acls_are_kept() {
        use rustix::fs::{getxattr, setxattr, XattrFlags};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.py");
        fs::write(&path, "old\n").unwrap();
        // An ACL: owner rw-, user 4321 r--, group r--, mask r--, other ---
        // (version 2, then tag, permissions and id per entry).
        let mut acl = 2u32.to_le_bytes().to_vec();
        for (tag, perm, id) in [
            (0x01u16, 6u16, u32::MAX),
            (0x02, 4, 4321),
            (0x04, 4, u32::MAX),
            (0x10, 4, u32::MAX),
            (0x20, 0, u32::MAX),
        ] {
            acl.extend(tag.to_le_bytes());
            acl.extend(perm.to_le_bytes());
            acl.extend(id.to_le_bytes());
        }
        let attributes: Vec<(&str, Vec<u8>)> = vec![
            ("user.auditfix-test", b"kept".to_vec()),
            ("system.posix_acl_access", acl),
        ];
        let mut set = Vec::new();
        for (name, value) in &attributes {
            match setxattr(&path, *name, value, XattrFlags::empty()) {
                Ok(()) => set.push((name, value)),
                Err(err) => eprintln!("skipped {name}: {err}"),
            }
        }
        let mode = fs::metadata(&path).unwrap().permissions();
        write_atomic(&path, b"old\n", b"new\n").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new\n");
        for (name, value) in set {
            let mut buffer = vec![0u8; 256];
            let length = getxattr(&path, *name, &mut buffer[..]).unwrap_or_else(|e| panic!("{name} lost: {e}"));
            assert_eq!(&buffer[..length], &value[..], "{name}");
        }
        assert_eq!(fs::metadata(&path).unwrap().permissions(), mode);
    }

    #[test]
    fn a_read_only_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.py");
        fs::write(&path, "old\n").unwrap();
        let mut permissions = fs::metadata(&path).unwrap().permissions();
        permissions.set_readonly(true);
        fs::set_permissions(&path, permissions).unwrap();
        let err = write_atomic(&path, b"old\n", b"new\n").unwrap_err();
        assert_eq!(err, "is read-only; left untouched (make it writable to fix it)");
        assert_eq!(fs::read_to_string(&path).unwrap(), "old\n");
        assert_eq!(names(dir.path()), vec!["a.py"]);
    }

    #[test]
    fn a_file_locked_by_another_run_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.py");
        fs::write(&path, "old\n").unwrap();
        let other = fs::File::open(&path).unwrap();
        if other.try_lock().is_err() {
            eprintln!("skipped: this file system has no locks");
            return;
        }
        let err = write_atomic(&path, b"old\n", b"new\n").unwrap_err();
        // This test holds the lock: not an auditfix run, and named.
        #[cfg(target_os = "linux")]
        assert!(
            err.starts_with("is locked by another program (")
                && err.ends_with(&format!(", pid {}); left untouched", std::process::id())),
            "{err}"
        );
        assert!(!err.contains("auditfix run is writing"), "{err}");
        drop(other);
        write_atomic(&path, b"old\n", b"new\n").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new\n");
    }

    #[cfg(unix)]
    #[test]
    fn the_writer_refuses_a_symlink_leading_outside_its_paths() {
        let tree = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let target = outside.path().join("theirs.py");
        fs::write(&target, "old\n").unwrap();
        let link = tree.path().join("link.py");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let inside = tree.path().join("ours.py");
        fs::write(&inside, "old\n").unwrap();

        let writer = Writer::new(&[tree.path().to_path_buf()]);
        let err = writer.write(&link, b"old\n", b"new\n").unwrap_err();
        assert!(err.starts_with("is a symlink to "), "{err}");
        assert!(err.ends_with(", outside the paths given; not written (give that path to fix it there)"));
        assert_eq!(fs::read_to_string(&target).unwrap(), "old\n");
        writer.write(&inside, b"old\n", b"new\n").unwrap();
        assert_eq!(fs::read_to_string(&inside).unwrap(), "new\n");
        // Given the link itself (or the outside folder), the write is wanted.
        Writer::new(std::slice::from_ref(&link))
            .write(&link, b"old\n", b"new\n")
            .unwrap();
        assert_eq!(fs::read_to_string(&target).unwrap(), "new\n");
    }

    /// A temporary file as a run killed before its rename leaves it.
    #[cfg(unix)]
    fn left_temp(dir: &Path, target: &str, contents: &str) -> PathBuf {
        let provisional = dir.join(format!("{TEMP_PREFIX}{target}.new-x"));
        fs::write(&provisional, contents).unwrap();
        let replaced = fs::metadata(dir.join(target)).unwrap();
        let name = temp_name(OsStr::new(target), &fs::metadata(&provisional).unwrap(), &replaced);
        let named = fs::canonicalize(dir).unwrap().join(name);
        fs::rename(&provisional, &named).unwrap();
        named
    }

    #[cfg(unix)]
    #[test]
    fn stale_temporary_files_are_removed_live_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.py");
        fs::write(&path, "x\n").unwrap();
        let stale = left_temp(dir.path(), "a.py", "half");
        let live = left_temp(dir.path(), "a.py", "busy");
        let owner = fs::File::open(&live).unwrap();
        let locks = owner.try_lock().is_ok();
        let removed = Writer::default().remove_stale_temps([path.as_path()]);
        assert_eq!(removed, vec![stale]);
        if locks {
            assert_eq!(
                names(dir.path()),
                vec![live.file_name().unwrap().to_str().unwrap(), "a.py"]
            );
        }
    }

    /// A run killed between the exchange of names and the removal of the
    /// version taken out leaves that version under the temporary name: it
    /// is recognized (its inode is the second in the name) and removed.
    #[cfg(unix)]
    #[test]
    fn the_version_taken_out_by_an_exchange_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.py");
        fs::write(&path, "old\n").unwrap();
        let new = dir.path().join("new");
        fs::write(&new, "new\n").unwrap();
        let name = temp_name(
            OsStr::new("a.py"),
            &fs::metadata(&new).unwrap(),
            &fs::metadata(&path).unwrap(),
        );
        let left = fs::canonicalize(dir.path()).unwrap().join(name);
        fs::rename(&path, &left).unwrap();
        fs::rename(&new, &path).unwrap();
        let removed = Writer::default().remove_stale_temps([path.as_path()]);
        assert_eq!(removed, vec![left]);
        assert_eq!(names(dir.path()), vec!["a.py"]);
        assert_eq!(fs::read_to_string(&path).unwrap(), "new\n");
    }

    /// Issue 17, item 3: only files this tool made are removed.
    #[cfg(unix)]
    #[test]
    fn files_that_only_look_like_temporary_files_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.py");
        fs::write(&path, "x\n").unwrap();
        let ours = left_temp(dir.path(), "a.py", "half");
        // A user's files with the prefix, one in the old naming.
        let mut kept = vec![
            format!("{TEMP_PREFIX}notes.txt"),
            format!("{TEMP_PREFIX}a.py.abc123"),
            format!("{TEMP_PREFIX}a.py.new-x"),
        ];
        for name in &kept {
            fs::write(dir.path().join(name), "mine").unwrap();
        }
        // The right name for another file: renamed, or a copy of ours.
        let renamed = dir.path().join("copied");
        fs::copy(&ours, &renamed).unwrap();
        let copy_name = ours.file_name().unwrap().to_str().unwrap().to_string();
        // A symlink with a name made for its own inode, and one to our file.
        let link = dir.path().join("link-tmp");
        std::os::unix::fs::symlink(&renamed, &link).unwrap();
        let link_meta = fs::symlink_metadata(&link).unwrap();
        let link_name = temp_name(OsStr::new("a.py"), &link_meta, &link_meta);
        fs::rename(&link, dir.path().join(&link_name)).unwrap();
        kept.push(link_name.to_str().unwrap().to_string());
        fs::remove_file(&ours).unwrap();
        fs::rename(&renamed, dir.path().join(&copy_name)).unwrap();
        kept.push(copy_name);
        let removed = Writer::default().remove_stale_temps([path.as_path()]);
        assert!(removed.is_empty(), "{removed:?}");
        kept.push("a.py".into());
        kept.sort();
        assert_eq!(names(dir.path()), kept);
    }

    /// Issue 17, item 3: a file reached through a symlink leading outside
    /// the paths of the run is not written, and its folder not cleaned.
    #[cfg(unix)]
    #[test]
    fn no_cleaning_outside_the_paths_given() {
        let tree = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let theirs = outside.path().join("theirs.py");
        fs::write(&theirs, "x\n").unwrap();
        let stale_outside = left_temp(outside.path(), "theirs.py", "half");
        let link = tree.path().join("link.py");
        std::os::unix::fs::symlink(&theirs, &link).unwrap();
        let ours = tree.path().join("ours.py");
        fs::write(&ours, "x\n").unwrap();
        let stale_inside = left_temp(tree.path(), "ours.py", "half");
        let writer = Writer::new(&[tree.path().to_path_buf()]);
        let removed = writer.remove_stale_temps([link.as_path(), ours.as_path()]);
        assert_eq!(removed, vec![stale_inside]);
        assert!(stale_outside.exists());
    }

    #[test]
    fn a_missing_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = write_atomic(&dir.path().join("gone.py"), b"", b"x").unwrap_err();
        assert_eq!(err, "cannot resolve the path: No such file or directory");
    }

    /// Makes a folder unwritable, even for root (through the immutable
    /// attribute), and undoes it on drop.
    #[cfg(unix)]
    struct ReadOnlyDir {
        path: PathBuf,
        immutable: bool,
    }

    #[cfg(unix)]
    impl ReadOnlyDir {
        fn new(path: &Path) -> Option<ReadOnlyDir> {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(path, fs::Permissions::from_mode(0o555)).unwrap();
            let mut guard = ReadOnlyDir {
                path: path.to_path_buf(),
                immutable: false,
            };
            let probe = path.join(".probe");
            if fs::write(&probe, "").is_err() {
                return Some(guard);
            }
            let _ = fs::remove_file(&probe);
            // Privileged: permissions do not stop us; try `chattr +i`.
            let ok = Command::new("chattr")
                .arg("+i")
                .arg(path)
                .status()
                .is_ok_and(|s| s.success());
            guard.immutable = ok;
            (ok && fs::write(&probe, "").is_err()).then_some(guard)
        }
    }

    #[cfg(unix)]
    impl Drop for ReadOnlyDir {
        fn drop(&mut self) {
            use std::os::unix::fs::PermissionsExt;
            if self.immutable {
                let _ = Command::new("chattr").arg("-i").arg(&self.path).status();
            }
            let _ = fs::set_permissions(&self.path, fs::Permissions::from_mode(0o755));
        }
    }

    #[cfg(unix)]
    #[test]
    fn read_only_folder_is_an_error_and_the_original_is_intact() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("ro");
        fs::create_dir(&folder).unwrap();
        let path = folder.join("a.py");
        fs::write(&path, "old\n").unwrap();
        let Some(guard) = ReadOnlyDir::new(&folder) else {
            eprintln!("skipped: cannot make a folder read-only here (privileged, no chattr)");
            return;
        };
        let err = write_atomic(&path, b"old\n", b"new\n").unwrap_err();
        drop(guard);
        assert!(err.starts_with("cannot create a temporary file in "), "{err}");
        assert!(
            err.ends_with(": Permission denied") || err.ends_with(": Operation not permitted"),
            "{err}"
        );
        assert!(!err.contains('\n'));
        assert_eq!(fs::read_to_string(&path).unwrap(), "old\n");
        assert_eq!(names(&folder), vec!["a.py"]);
    }

    #[test]
    fn porcelain_output_with_renames_and_spaces() {
        let out = b" M app/a.py\0?? new file.py\0R  moved.py\0orig.py\0A  staged.py\0";
        let paths = parse_porcelain(out);
        let expected: Vec<PathBuf> = ["app/a.py", "new file.py", "moved.py", "orig.py", "staged.py"]
            .iter()
            .map(PathBuf::from)
            .collect();
        assert_eq!(paths, expected);
    }

    fn git(dir: &Path, args: &[&str]) -> bool {
        Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(["-c", "user.name=Test", "-c", "user.email=test@example.com"])
            .args(["-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"])
            .args(args)
            .output()
            .is_ok_and(|o| o.status.success())
    }

    #[test]
    fn dirty_files_in_a_real_repository() {
        let repo = tempfile::tempdir().unwrap();
        let root = repo.path();
        if !git(root, &["init", "-q"]) {
            eprintln!("skipped: git is not available");
            return;
        }
        for name in ["clean.py", "modified.py", "staged.py", "sub/clean2.py"] {
            fs::create_dir_all(root.join(name).parent().unwrap()).unwrap();
            fs::write(root.join(name), "x = 1\n").unwrap();
        }
        fs::write(root.join(".gitignore"), "ignored.py\n").unwrap();
        assert!(git(root, &["add", "."]));
        assert!(git(root, &["commit", "-q", "-m", "init"]));
        fs::write(root.join("modified.py"), "x = 2\n").unwrap();
        fs::write(root.join("staged.py"), "x = 3\n").unwrap();
        assert!(git(root, &["add", "staged.py"]));
        fs::write(root.join("untracked.py"), "x = 4\n").unwrap();
        fs::write(root.join("ignored.py"), "x = 5\n").unwrap();
        let outside = tempfile::tempdir().unwrap();
        let loose = outside.path().join("loose.py");
        fs::write(&loose, "x = 6\n").unwrap();

        let all: Vec<PathBuf> = [
            "clean.py",
            "modified.py",
            "staged.py",
            "sub/clean2.py",
            "untracked.py",
            "ignored.py",
        ]
        .iter()
        .map(|n| root.join(n))
        .chain([loose])
        .collect();
        let dirty = dirty_files(&all).unwrap();
        let expected: Vec<PathBuf> = ["modified.py", "staged.py", "untracked.py"]
            .iter()
            .map(|n| root.join(n))
            .collect();
        assert_eq!(dirty, expected);
    }
}
