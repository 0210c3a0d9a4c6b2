//! Writing fixed files, and deciding which files may be written.
//!
//! What lives here: [`write_atomic`] (a temporary file beside the real
//! target, fsynced, given the original permissions, renamed over it; symlinks
//! resolved so the link stays a link; a file changed since it was read is
//! refused) and [`dirty_files`] (which files have uncommitted changes in a
//! git work tree, for `fix`'s refusal without `--allow-dirty`, as `cargo fix`
//! does). What does not: deciding what to write (the pipeline) or asking the
//! user (the interactive printer).
//!
//! Every error is one line saying what failed and why, for the caller to
//! print after the path.

use crate::config::io_reason;
use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Write `contents` to `path` atomically, after checking that the file still
/// holds `expected` (the bytes it was read with).
///
/// An interrupted run leaves either the old or the new file, never a mix;
/// on any error the temporary file is removed and the original is intact.
pub fn write_atomic(path: &Path, expected: &[u8], contents: &[u8]) -> Result<(), String> {
    let target = fs::canonicalize(path).map_err(|e| format!("cannot resolve the path: {}", io_reason(&e)))?;
    let current = fs::read(&target).map_err(|e| format!("cannot re-read before writing: {}", io_reason(&e)))?;
    if current != expected {
        return Err("changed on disk since it was read; left untouched".into());
    }
    let metadata = fs::metadata(&target).map_err(|e| format!("cannot read the permissions: {}", io_reason(&e)))?;
    let permissions = metadata.permissions();
    let dir = target.parent().unwrap_or(Path::new("."));
    let name = target.file_name().unwrap_or(OsStr::new("file"));
    let mut prefix = std::ffi::OsString::from(".");
    prefix.push(name);
    prefix.push(".");
    // Dropping `tmp` on any early return removes the temporary file.
    let mut tmp = tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(".auditfix.tmp")
        .tempfile_in(dir)
        .map_err(|e| format!("cannot create a temporary file in {}: {}", dir.display(), io_reason(&e)))?;
    tmp.write_all(contents)
        .and_then(|()| tmp.flush())
        .map_err(|e| format!("cannot write the temporary file: {}", io_reason(&e)))?;
    tmp.as_file()
        .sync_all()
        .map_err(|e| format!("cannot flush the temporary file to disk: {}", io_reason(&e)))?;
    // Owner first: changing it may clear set-user-id bits the mode restores.
    keep_owner(tmp.as_file(), &metadata);
    fs::set_permissions(tmp.path(), permissions)
        .map_err(|e| format!("cannot copy the permissions: {}", io_reason(&e)))?;
    tmp.persist(&target)
        .map_err(|e| format!("cannot replace the file: {}", io_reason(&e.error)))?;
    // Make the rename itself durable; a failure here changes nothing on disk.
    if let Ok(dir) = fs::File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(())
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
fn git_status(root: &Path) -> Result<Option<Vec<PathBuf>>, String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["status", "--porcelain", "-z", "--untracked-files=all"])
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
