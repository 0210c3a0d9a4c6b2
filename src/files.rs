//! Opening the files a run reads (Python sources, configuration, ignore
//! files), safely against whatever a tree holds under those names.
//!
//! What lives here: [`open_regular`] and [`read_regular`], which read only
//! regular files (a FIFO, a device, a socket or a folder is refused with a
//! reason, before it is opened, and the open itself never blocks), and never
//! more than a cap ([`SOURCE_CAP`], [`CONFIG_CAP`]); [`check_regular`], the
//! same test for files another library reads (the walker's ignore files).
//! What does not: decoding or parsing what was read (`analysis::source`,
//! `config`), or writing (`write`).
//!
//! Why: a FIFO named `x.py` or `.gitignore` makes a plain `read` wait
//! forever for a writer, and a symlink to `/dev/zero` makes it grow until
//! the allocator aborts. Symlinks are followed (a linked file is read as
//! the file it names); what they name must be a regular file too.

use std::fs;
use std::io::{self, Read};
use std::path::Path;

/// The largest Python file read: far beyond any hand-written module (the
/// tests fix a 20 MB one), small enough that one file cannot exhaust memory.
pub const SOURCE_CAP: u64 = 256 << 20;

/// The largest configuration or ignore file read.
pub const CONFIG_CAP: u64 = 4 << 20;

/// What a file that is not a regular file is, for a message ("is a FIFO").
pub fn kind_of(file_type: fs::FileType) -> Option<&'static str> {
    if file_type.is_file() {
        return None;
    }
    if file_type.is_dir() {
        return Some("a folder");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return Some("a FIFO (named pipe)");
        }
        if file_type.is_char_device() {
            return Some("a character device");
        }
        if file_type.is_block_device() {
            return Some("a block device");
        }
        if file_type.is_socket() {
            return Some("a socket");
        }
    }
    Some("a special file")
}

/// The reason a file with `metadata` is not read, if it is not.
fn refusal(metadata: &fs::Metadata, cap: u64) -> Option<String> {
    if let Some(kind) = kind_of(metadata.file_type()) {
        return Some(format!("is {kind}, not a regular file; not read"));
    }
    (metadata.len() > cap).then(|| format!("is larger than {} MB; not read", cap >> 20))
}

fn refused(reason: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, reason)
}

/// `Ok` when `path` (symlinks followed) is a regular file of at most `cap`
/// bytes; otherwise the reason it is not read. A missing file is `Ok`: the
/// caller's reader decides what absence means.
pub fn check_regular(path: &Path, cap: u64) -> Result<(), String> {
    match fs::metadata(path) {
        Ok(metadata) => refusal(&metadata, cap).map_or(Ok(()), Err),
        Err(_) => Ok(()),
    }
}

/// Open `path` (symlinks followed) for reading when it is a regular file of
/// at most `cap` bytes. The type is checked before opening (opening some
/// devices has effects of its own) and again on the open file (the name may
/// have been replaced meanwhile); the open does not wait for a FIFO's writer.
pub fn open_regular(path: &Path, cap: u64) -> io::Result<fs::File> {
    open_regular_sized(path, cap).map(|(file, _)| file)
}

/// [`open_regular`], with the file's size when opened.
fn open_regular_sized(path: &Path, cap: u64) -> io::Result<(fs::File, u64)> {
    if let Some(reason) = refusal(&fs::metadata(path)?, cap) {
        return Err(refused(reason));
    }
    let file = open_nonblocking(path)?;
    let metadata = file.metadata()?;
    if let Some(reason) = refusal(&metadata, cap) {
        return Err(refused(reason));
    }
    Ok((file, metadata.len()))
}

#[cfg(target_os = "linux")]
fn open_nonblocking(path: &Path) -> io::Result<fs::File> {
    use rustix::fs::{open, Mode, OFlags};
    // `O_NONBLOCK` changes nothing for reads of a regular file.
    let fd = open(path, OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NONBLOCK, Mode::empty())?;
    Ok(fs::File::from(fd))
}

#[cfg(not(target_os = "linux"))]
fn open_nonblocking(path: &Path) -> io::Result<fs::File> {
    fs::File::open(path)
}

/// Append the contents of `path` to `buffer`, when it is a regular file of
/// at most `cap` bytes (see [`open_regular`]); a file that grows past the
/// cap while read is refused too.
pub fn read_regular_into(path: &Path, cap: u64, buffer: &mut Vec<u8>) -> io::Result<()> {
    let (file, size) = open_regular_sized(path, cap)?;
    let start = buffer.len();
    // Room for the whole file and one byte more: read in one call, and the
    // end told by the next, without the small probing reads of a buffer
    // grown as it fills.
    buffer.reserve(usize::try_from(size).unwrap_or(0).saturating_add(1));
    file.take(cap.saturating_add(1)).read_to_end(buffer)?;
    if (buffer.len() - start) as u64 > cap {
        buffer.truncate(start);
        return Err(refused(format!("is larger than {} MB; not read", cap >> 20)));
    }
    Ok(())
}

/// The contents of `path`, when it is a regular file of at most `cap` bytes.
pub fn read_regular(path: &Path, cap: u64) -> io::Result<Vec<u8>> {
    let mut buffer = Vec::new();
    read_regular_into(path, cap, &mut buffer)?;
    Ok(buffer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_regular_file_and_refuses_a_folder() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.py");
        fs::write(&path, "x = 1\n").unwrap();
        assert_eq!(read_regular(&path, SOURCE_CAP).unwrap(), b"x = 1\n");
        let err = read_regular(dir.path(), SOURCE_CAP).unwrap_err();
        assert_eq!(err.to_string(), "is a folder, not a regular file; not read");
    }

    #[test]
    fn a_file_over_the_cap_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.toml");
        fs::write(&path, vec![b'#'; (1 << 20) + 1]).unwrap();
        let err = read_regular(&path, 1 << 20).unwrap_err();
        assert_eq!(err.to_string(), "is larger than 1 MB; not read");
        assert_eq!(
            check_regular(&path, 1 << 20).unwrap_err(),
            "is larger than 1 MB; not read"
        );
        assert!(check_regular(&path, 2 << 20).is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn devices_and_fifos_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("zero.py");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        let err = read_regular(&link, SOURCE_CAP).unwrap_err();
        assert_eq!(err.to_string(), "is a character device, not a regular file; not read");
        let fifo = dir.path().join("fifo.py");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            eprintln!("skipped: mkfifo is not available");
            return;
        }
        let err = read_regular(&fifo, SOURCE_CAP).unwrap_err();
        assert_eq!(err.to_string(), "is a FIFO (named pipe), not a regular file; not read");
        assert_eq!(
            check_regular(&fifo, CONFIG_CAP).unwrap_err(),
            "is a FIFO (named pipe), not a regular file; not read"
        );
    }
}
