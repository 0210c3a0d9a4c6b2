//! Discovery of the Python files to check, with the `ignore` walker.
//!
//! What lives here: turning the command-line paths and the configuration's
//! include/exclude globs into a sorted list of `.py` files, plus a
//! [`FileError`] for each path that could not be walked (missing path,
//! unreadable folder, broken symlink). Reading and parsing the files is the
//! pipeline's job.
//!
//! Rules of the walk, after ripgrep and ruff:
//! - `.gitignore` is respected inside git repositories, `.ignore` everywhere;
//! - virtualenvs (a folder holding `pyvenv.cfg`, or a `.venv` / `venv` / `env`
//!   folder with a Python interpreter in it), `node_modules`, `migrations`,
//!   `__pycache__`, `site-packages`, `__pypackages__` and hidden folders are
//!   skipped, unless an `include` pattern names them;
//! - `exclude` globs skip files and folders, `include` globs (when given) keep
//!   only the files they match;
//! - a path given on the command line is always walked, and a file given
//!   there is always checked when it is a `.py` file, excluded or not;
//!   with `--force-exclude` (or `force-exclude = true`), a path given obeys
//!   `exclude` and the default skips too, as ruff's flag of that name does:
//!   pre-commit names each changed file, and an excluded one must stay so;
//! - symlinks are followed; a link that loops back to a folder being walked
//!   is not walked again (its files are reached through the real path);
//! - a file reached twice (a path given twice or spelled two ways, a
//!   symlinked folder, a symlink to a file also walked) is listed once,
//!   under its path without a symlink when there is one; `exclude` applies
//!   to a walked file's real path as well as to the path it was reached by;
//! - only regular files are read: a `.py` path given that is a FIFO or a
//!   device is an error, and so is an ignore file the walker would read
//!   (`.gitignore`, `.ignore`, `.git/info/exclude`, a worktree's `.git`
//!   file) that is not a regular file or is larger than
//!   [`CONFIG_CAP`](crate::files::CONFIG_CAP): its folder is then not
//!   walked, rather than wait forever on a FIFO or read `/dev/zero`.

use crate::config::{io_reason, normalize, Config, PathGlobs};
use crate::diagnostic::FileError;
use globset::{GlobSet, GlobSetBuilder};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Folder names never walked unless `include` names them.
pub const SKIPPED_FOLDERS: &[&str] = &[
    "node_modules",
    "migrations",
    "__pycache__",
    "site-packages",
    "__pypackages__",
];

/// The `.py` files under `paths`, sorted, and the paths that could not be walked.
pub fn discover(paths: &[PathBuf], config: &Config) -> (Vec<PathBuf>, Vec<FileError>) {
    let filter = Arc::new(Filter::new(config));
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let mut roots = Vec::new();
    for path in paths {
        if config.force_exclude && filter.force_excluded(path) {
            continue;
        }
        let shown = clean(path);
        match std::fs::metadata(path) {
            Err(err) => errors.push(FileError {
                path: shown,
                message: io_reason(&err),
            }),
            Ok(meta) if meta.is_dir() => match unreadable_ignore_file_above(path) {
                Some(error) => errors.push(error),
                None => roots.push(path.clone()),
            },
            Ok(_) if !is_python(path) => {}
            Ok(_) => match crate::files::check_regular(path, crate::files::SOURCE_CAP) {
                Ok(()) => {
                    let real = std::fs::canonicalize(path).unwrap_or_else(|_| filter.absolute(path));
                    files.push((shown, real));
                }
                Err(message) => errors.push(FileError { path: shown, message }),
            },
        }
    }
    for root in &roots {
        // A path given that is a symlink, or lies below one.
        if let Ok(real) = std::fs::canonicalize(root) {
            push(&filter.links, (filter.absolute(root), real));
        }
    }
    if let Some((first, rest)) = roots.split_first() {
        let (found, failed) = walk(first, rest, &filter);
        let links = filter.take_links();
        for path in found {
            let real = real_path(&filter.absolute(&path), &links);
            // `exclude` applies to where a file really is, too.
            if !filter.exclude.is_empty() && filter.exclude.is_match(&filter.relative(&real)) {
                continue;
            }
            files.push((path, real));
        }
        errors.extend(failed);
    }
    let files = one_path_per_file(files);
    errors.sort_by(|a, b| a.path.cmp(&b.path).then(a.message.cmp(&b.message)));
    errors.dedup();
    (files, errors)
}

/// Whether `path`, named on the command line (or by `--stdin-filename`),
/// is left out under `--force-exclude` (see the module doc).
pub fn force_excluded(path: &Path, config: &Config) -> bool {
    Filter::new(config).force_excluded(path)
}

/// The paths given that name a file that is not a Python file (no `.py`
/// extension): not checked, which the run says (ruff and ripgrep would
/// read them; the rules only mean something in Python code).
pub fn not_python(paths: &[PathBuf]) -> Vec<PathBuf> {
    paths
        .iter()
        .filter(|path| !is_python(path) && std::fs::metadata(path).is_ok_and(|m| !m.is_dir()))
        .map(|path| clean(path))
        .collect()
}

/// `files` (each with its real path) with one path per real file, sorted:
/// a file reached twice (a path given twice, or spelled two ways, a
/// symlinked folder, a symlink to a file also walked) is checked and
/// written once, under the path that reaches it without a symlink when
/// there is one, else the first in order.
fn one_path_per_file(mut files: Vec<(PathBuf, PathBuf)>) -> Vec<PathBuf> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let direct = |(path, real): &(PathBuf, PathBuf)| normalize(&cwd.join(path)) == *real;
    // (Ties, broken by normalizing paths, come only with symlinks: the
    // tie-breaks are computed only for them. The real paths need only be
    // grouped, not ordered as paths: their bytes are compared, which is
    // faster. Real paths are normalized: equal paths have equal bytes.)
    files.sort_by(|a, b| {
        a.1.as_os_str()
            .as_encoded_bytes()
            .cmp(b.1.as_os_str().as_encoded_bytes())
            .then_with(|| direct(b).cmp(&direct(a)))
            .then_with(|| a.0.cmp(&b.0))
    });
    files.dedup_by(|later, first| later.1 == first.1);
    let mut paths: Vec<PathBuf> = files.into_iter().map(|(path, _)| path).collect();
    paths.sort();
    paths
}

/// The real path of `absolute` (a walked path, made absolute), from the
/// symlinks met on the way (`links`: each link's path and its target,
/// resolved): the longest link that `absolute` lies below is replaced by
/// its target. Without one, the path is its own real path.
fn real_path(absolute: &Path, links: &[(PathBuf, PathBuf)]) -> PathBuf {
    links
        .iter()
        .filter_map(|(link, target)| Some((link, target, absolute.strip_prefix(link).ok()?)))
        .max_by_key(|(link, _, _)| link.components().count())
        .map_or_else(
            || absolute.to_path_buf(),
            |(_, target, rest)| {
                if rest.as_os_str().is_empty() {
                    target.clone()
                } else {
                    target.join(rest)
                }
            },
        )
}

fn walk(first: &Path, rest: &[PathBuf], filter: &Arc<Filter>) -> (Vec<PathBuf>, Vec<FileError>) {
    let mut builder = ignore::WalkBuilder::new(first);
    for root in rest {
        builder.add(root);
    }
    let entry_filter = Arc::clone(filter);
    builder
        .hidden(false)
        .follow_links(true)
        .filter_entry(move |entry| entry_filter.keep(entry));
    let found = Mutex::new(Vec::new());
    let failed = Mutex::new(Vec::new());
    builder.build_parallel().run(|| {
        Box::new(|entry| {
            match entry {
                Ok(entry) => {
                    let is_file = entry.file_type().is_some_and(|t| t.is_file());
                    // A FIFO, socket or device named like a source file is
                    // named and never read (reading a FIFO waits forever).
                    let special = entry.file_type().is_some_and(|t| !t.is_file() && !t.is_dir());
                    if (is_file || special) && is_python(entry.path()) && filter.included(entry.path()) {
                        if is_file {
                            // (Reading checks it again: a file over the cap is said then.)
                            push(&found, clean(entry.path()));
                        } else if let Err(why) = crate::files::check_regular(entry.path(), crate::files::SOURCE_CAP) {
                            push(
                                &failed,
                                FileError {
                                    path: clean(entry.path()),
                                    message: why,
                                },
                            );
                        }
                    }
                }
                Err(err) => {
                    if let Some(error) = file_error(&err) {
                        push(&failed, error);
                    }
                }
            }
            ignore::WalkState::Continue
        })
    });
    let mut failed = into_inner(failed);
    failed.extend(filter.take_refused());
    (into_inner(found), failed)
}

/// The ignore files the walker reads in a folder, besides the worktree
/// link `.git` (see [`unreadable_ignore_file`]).
const IGNORE_FILES: &[&str] = &[".gitignore", ".ignore", ".git/info/exclude"];

/// The first ignore file in `dir` that the walker would read and that is
/// not a regular file of at most `CONFIG_CAP` bytes, and why. A `.git` file
/// (a worktree or submodule) names its real git folder, whose `commondir`
/// and `info/exclude` are checked too.
fn unreadable_ignore_file(dir: &Path) -> Option<(PathBuf, String)> {
    use crate::files::{check_regular, read_regular, CONFIG_CAP};
    let check = |path: PathBuf| check_regular(&path, CONFIG_CAP).err().map(|why| (path, why));
    if let Some(refused) = IGNORE_FILES.iter().find_map(|name| check(dir.join(name))) {
        return Some(refused);
    }
    let link = dir.join(".git");
    if !std::fs::metadata(&link).is_ok_and(|m| m.is_file()) {
        return None;
    }
    // The first line of a file (`gitdir: <path>`; in `commondir`, a path);
    // `None` when there is no such file or line.
    let first_line = |path: &Path| -> Result<Option<String>, (PathBuf, String)> {
        match read_regular(path, CONFIG_CAP) {
            Ok(bytes) => Ok(String::from_utf8_lossy(&bytes).lines().next().map(str::to_string)),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err((path.to_path_buf(), io_reason(&err))),
        }
    };
    let real = match first_line(&link) {
        Err(refused) => return Some(refused),
        Ok(line) => dir.join(line?.strip_prefix("gitdir: ")?),
    };
    let common = match first_line(&real.join("commondir")) {
        Err(refused) => return Some(refused),
        Ok(line) => line.map(|line| real.join(line)),
    };
    let common = common.unwrap_or_else(|| real.clone());
    check(real.join("info/exclude")).or_else(|| check(common.join("info/exclude")))
}

/// A walked folder not walked because of `refused`, an ignore file in it.
fn refused_folder(dir: &Path, (file, why): (PathBuf, String)) -> FileError {
    FileError {
        path: clean(&file),
        message: format!("{why} (the folder {} is not walked)", clean(dir).display()),
    }
}

/// [`unreadable_ignore_file`] for a path given and each folder above it
/// (the walker reads their ignore files too).
fn unreadable_ignore_file_above(root: &Path) -> Option<FileError> {
    let refused = unreadable_ignore_file(root).or_else(|| {
        let absolute = std::fs::canonicalize(root).ok()?;
        absolute.ancestors().skip(1).find_map(unreadable_ignore_file)
    })?;
    Some(FileError {
        path: clean(&refused.0),
        message: format!("{} ({} is not walked)", refused.1, clean(root).display()),
    })
}

fn push<T>(list: &Mutex<Vec<T>>, item: T) {
    match list.lock() {
        Ok(mut guard) => guard.push(item),
        Err(poisoned) => poisoned.into_inner().push(item),
    }
}

fn into_inner<T>(list: Mutex<Vec<T>>) -> Vec<T> {
    list.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A walk error as a [`FileError`]: the path and the reason. A symlink loop
/// is not one: everything behind it is reached through the real path.
fn file_error(err: &ignore::Error) -> Option<FileError> {
    let mut path = None;
    let mut current = err;
    loop {
        match current {
            ignore::Error::WithPath { path: p, err } => {
                path.get_or_insert_with(|| p.clone());
                current = err;
            }
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                current = err;
            }
            ignore::Error::Loop { .. } => return None,
            ignore::Error::Io(io) => {
                return Some(FileError {
                    path: clean(&path.unwrap_or_default()),
                    message: io_reason(io),
                });
            }
            ignore::Error::Partial(_) | ignore::Error::Glob { .. } => {
                // A broken ignore file: the walk still happened, nothing to
                // report per Python file.
                return None;
            }
            other => {
                return Some(FileError {
                    path: clean(&path.unwrap_or_default()),
                    message: other.to_string(),
                });
            }
        }
    }
}

/// What the configuration says about entries below the walked roots.
struct Filter {
    root: PathBuf,
    /// The root with symlinks resolved, for real paths.
    root_real: Option<PathBuf>,
    /// The working directory, read once: walked paths relative to it are
    /// made absolute before they are matched against the root.
    cwd: PathBuf,
    include: PathGlobs,
    exclude: PathGlobs,
    /// The non-wildcard components of the include patterns: a skipped folder
    /// whose name matches one is walked after all.
    include_names: GlobSet,
    /// Folders not walked because an ignore file in them cannot be read
    /// safely, and why.
    refused: Mutex<Vec<FileError>>,
    /// The symlinks met (files and folders), as walked (made absolute),
    /// with their targets resolved: the real paths of what lies below them.
    links: Mutex<Vec<(PathBuf, PathBuf)>>,
}

impl Filter {
    fn new(config: &Config) -> Filter {
        let mut names = GlobSetBuilder::new();
        for pattern in &config.include {
            for part in pattern.split('/') {
                if part.is_empty() || part == "." || part.chars().all(|c| c == '*') {
                    continue;
                }
                if let Ok(glob) = crate::config::build_glob(part) {
                    names.add(glob);
                }
            }
        }
        Filter {
            root: normalize(&config.root),
            root_real: std::fs::canonicalize(&config.root).ok(),
            cwd: std::env::current_dir().unwrap_or_default(),
            include: PathGlobs::new(&config.include),
            exclude: PathGlobs::new(&config.exclude),
            include_names: names.build().unwrap_or_else(|_| GlobSet::empty()),
            refused: Mutex::new(Vec::new()),
            links: Mutex::new(Vec::new()),
        }
    }

    /// Whether the walker should yield (and, for a folder, descend into) `entry`.
    fn keep(&self, entry: &ignore::DirEntry) -> bool {
        if entry.depth() == 0 {
            return true;
        }
        if !self.exclude.is_empty() && self.exclude.is_match(&self.relative(entry.path())) {
            return false;
        }
        if entry.path_is_symlink() {
            if let Ok(real) = std::fs::canonicalize(entry.path()) {
                // Excluded where it really is: not walked through the link.
                if !self.exclude.is_empty() && self.exclude.is_match(&self.relative(&real)) {
                    return false;
                }
                push(&self.links, (self.absolute(entry.path()), real));
            }
        }
        let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
        if is_dir && is_skipped_folder(entry.path()) {
            let included = entry
                .path()
                .file_name()
                .is_some_and(|name| self.include_names.is_match(Path::new(name)));
            if !included {
                return false;
            }
        }
        // The walker reads a folder's ignore files as it enters it.
        if is_dir {
            if let Some(refused) = unreadable_ignore_file(entry.path()) {
                push(&self.refused, refused_folder(entry.path(), refused));
                return false;
            }
        }
        true
    }

    /// The symlinks met by [`Filter::keep`] and given as roots.
    fn take_links(&self) -> Vec<(PathBuf, PathBuf)> {
        match self.links.lock() {
            Ok(mut guard) => std::mem::take(&mut *guard),
            Err(poisoned) => std::mem::take(&mut *poisoned.into_inner()),
        }
    }

    /// `path` made absolute against the working directory, `.` and `..`
    /// removed (symlinks are not resolved).
    fn absolute(&self, path: &Path) -> PathBuf {
        normalize(&self.cwd.join(path))
    }

    /// The folders refused by [`Filter::keep`], and why.
    fn take_refused(&self) -> Vec<FileError> {
        match self.refused.lock() {
            Ok(mut guard) => std::mem::take(&mut *guard),
            Err(poisoned) => std::mem::take(&mut *poisoned.into_inner()),
        }
    }

    /// Whether a path given on the command line is excluded under
    /// `--force-exclude`: it, or a folder above it (below the root), matches
    /// `exclude` or is a folder skipped by default that no `include`
    /// pattern names.
    fn force_excluded(&self, path: &Path) -> bool {
        let relative = self.relative(path);
        if !self.exclude.is_empty() && self.exclude.is_match_with_ancestors(&relative) {
            return true;
        }
        let absolute = normalize(&self.cwd.join(path));
        let Ok(below) = absolute.strip_prefix(&self.root) else {
            return false;
        };
        let mut folder = self.root.clone();
        let parts: Vec<_> = below.components().collect();
        for part in parts.iter().take(parts.len().saturating_sub(1)) {
            folder.push(part);
            let named = folder
                .file_name()
                .is_some_and(|name| self.include_names.is_match(Path::new(name)));
            if is_skipped_folder(&folder) && !named {
                return true;
            }
        }
        false
    }

    /// Whether a Python file found by the walk is checked (`include`).
    fn included(&self, path: &Path) -> bool {
        self.include.is_empty() || self.include.is_match_with_ancestors(&self.relative(path))
    }

    /// `path` relative to the configuration root when below it; otherwise as
    /// walked (its names still match name patterns).
    fn relative(&self, path: &Path) -> PathBuf {
        let absolute = normalize(&self.cwd.join(path));
        let below = |root: &Path| absolute.strip_prefix(root).ok().map(Path::to_path_buf);
        below(&self.root)
            .or_else(|| self.root_real.as_deref().and_then(below))
            .unwrap_or_else(|| normalize(path))
    }
}

/// Whether a folder is skipped by default: hidden, a well-known folder of
/// generated or third-party code, or a virtualenv.
pub fn is_skipped_folder(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    name.starts_with('.') || SKIPPED_FOLDERS.contains(&name) || is_virtualenv(path)
}

/// A folder holding `pyvenv.cfg`, or a `.venv` / `venv` / `env` folder with
/// an interpreter in `bin/` (`Scripts/` on Windows).
pub fn is_virtualenv(path: &Path) -> bool {
    if path.join("pyvenv.cfg").is_file() {
        return true;
    }
    let named = path
        .file_name()
        .is_some_and(|n| n == ".venv" || n == "venv" || n == "env");
    named
        && ["bin/python", "bin/python3", "Scripts/python.exe"]
            .iter()
            .any(|p| path.join(p).exists())
}

fn is_python(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "py")
}

/// The path without `.` components, so `./app/x.py` and `app/x.py` are one.
fn clean(path: &Path) -> PathBuf {
    let cleaned = normalize(path);
    if cleaned.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn touch(root: &Path, path: &str) {
        let path = root.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, "x = 1\n").unwrap();
    }

    fn config(root: &Path) -> Config {
        Config {
            root: root.to_path_buf(),
            ..Config::default()
        }
    }

    /// The found files relative to `root`, as strings with `/`.
    fn found(root: &Path, config: &Config) -> (Vec<String>, Vec<FileError>) {
        let (files, errors) = discover(&[root.to_path_buf()], config);
        let files = files
            .iter()
            .map(|f| f.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/"))
            .collect();
        (files, errors)
    }

    #[test]
    fn named_paths_obey_exclude_only_with_force_exclude() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for f in ["app/a.py", "app/legacy/old.py", "migrations/0001.py", "keep/b.py"] {
            touch(root, f);
        }
        let mut config = Config {
            exclude: vec!["legacy".into()],
            ..config(root)
        };
        let named: Vec<PathBuf> = ["app/a.py", "app/legacy/old.py", "migrations/0001.py", "keep"]
            .iter()
            .map(|p| root.join(p))
            .collect();
        let shown = |config: &Config| {
            let (files, errors) = discover(&named, config);
            assert!(errors.is_empty(), "{errors:?}");
            files
                .iter()
                .map(|f| f.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/"))
                .collect::<Vec<_>>()
        };
        // Named files are checked, excluded or skipped by default or not.
        assert_eq!(
            shown(&config),
            ["app/a.py", "app/legacy/old.py", "keep/b.py", "migrations/0001.py"]
        );
        config.force_exclude = true;
        assert_eq!(shown(&config), ["app/a.py", "keep/b.py"]);
        // A named folder that is excluded is not walked either.
        config.exclude = vec!["keep".into()];
        assert_eq!(shown(&config), ["app/a.py", "app/legacy/old.py"]);
        // An include pattern naming a skipped folder lets it in.
        config.include = vec!["migrations/**".into(), "app/**".into()];
        assert_eq!(shown(&config), ["app/a.py", "app/legacy/old.py", "migrations/0001.py"]);
    }

    #[test]
    fn default_skips_and_sorted_output() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for f in [
            "b.py",
            "a/z.py",
            "a/m.py",
            "a/readme.txt",
            "node_modules/pkg/x.py",
            "app/migrations/0001.py",
            "app/__pycache__/x.py",
            ".hidden/x.py",
            "venv/lib/x.py",
            "venv/bin/python",
            "env_tools/x.py",
            "myenv/pyvenv.cfg",
            "myenv/lib/site.py",
            "lib/site-packages/x.py",
        ] {
            touch(root, f);
        }
        let (files, errors) = found(root, &config(root));
        assert_eq!(files, vec!["a/m.py", "a/z.py", "b.py", "env_tools/x.py"]);
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn a_folder_named_env_without_an_interpreter_is_walked() {
        let dir = tempfile::tempdir().unwrap();
        touch(dir.path(), "env/settings.py");
        let (files, _) = found(dir.path(), &config(dir.path()));
        assert_eq!(files, vec!["env/settings.py"]);
    }

    #[test]
    fn gitignore_only_inside_git_repositories_ignore_always() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        touch(root, "kept.py");
        touch(root, "gitignored.py");
        touch(root, "ignored.py");
        fs::write(root.join(".gitignore"), "gitignored.py\n").unwrap();
        fs::write(root.join(".ignore"), "ignored.py\n").unwrap();
        let (files, _) = found(root, &config(root));
        assert_eq!(files, vec!["gitignored.py", "kept.py"]);
        fs::create_dir(root.join(".git")).unwrap();
        let (files, _) = found(root, &config(root));
        assert_eq!(files, vec!["kept.py"]);
    }

    #[test]
    fn include_and_exclude_globs() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for f in [
            "app/a.py",
            "app/gen/b.py",
            "app/migrations/0001.py",
            "tests/test_a.py",
            "scripts/x.py",
        ] {
            touch(root, f);
        }
        let mut cfg = config(root);
        cfg.exclude = vec!["gen".into(), "scripts/*.py".into()];
        let (files, _) = found(root, &cfg);
        assert_eq!(files, vec!["app/a.py", "tests/test_a.py"]);

        let mut cfg = config(root);
        cfg.include = vec!["app".into(), "**/migrations/*.py".into()];
        let (files, _) = found(root, &cfg);
        assert_eq!(files, vec!["app/a.py", "app/gen/b.py", "app/migrations/0001.py"]);
    }

    #[test]
    fn explicit_files_are_always_checked_and_missing_paths_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        touch(root, "migrations/0001.py");
        touch(root, "notes.txt");
        let mut cfg = config(root);
        cfg.exclude = vec!["0001.py".into()];
        let explicit = root.join("migrations/0001.py");
        let missing = root.join("gone.py");
        let (files, errors) = discover(&[explicit.clone(), missing.clone(), root.join("notes.txt")], &cfg);
        assert_eq!(files, vec![explicit]);
        assert_eq!(
            errors,
            vec![FileError {
                path: missing,
                message: "No such file or directory".into()
            }]
        );
    }

    #[test]
    fn an_explicit_skipped_folder_is_walked() {
        let dir = tempfile::tempdir().unwrap();
        touch(dir.path(), "migrations/0001.py");
        let (files, _) = discover(&[dir.path().join("migrations")], &config(dir.path()));
        assert_eq!(files, vec![dir.path().join("migrations/0001.py")]);
    }

    #[test]
    fn dot_prefix_is_dropped_and_duplicates_merged() {
        let dir = tempfile::tempdir().unwrap();
        touch(dir.path(), "a.py");
        let dotted = dir.path().join(".").join("a.py");
        let (files, _) = discover(&[dotted, dir.path().join("a.py")], &config(dir.path()));
        assert_eq!(files, vec![dir.path().join("a.py")]);
    }

    #[cfg(unix)]
    #[test]
    fn broken_symlinks_are_errors_and_loops_end() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        touch(root, "pkg/a.py");
        symlink(root.join("nowhere.py"), root.join("pkg/broken.py")).unwrap();
        symlink(root.join("pkg"), root.join("pkg/loop")).unwrap();
        symlink(root.join("pkg/a.py"), root.join("linked.py")).unwrap();
        let (files, errors) = found(root, &config(root));
        // `linked.py` is `pkg/a.py`: listed once, under its real path.
        assert_eq!(files, vec!["pkg/a.py"]);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].path, root.join("pkg/broken.py"));
        assert_eq!(errors[0].message, "No such file or directory");
    }

    /// Issue 17, item 6: a worktree's `.git` file leads to the ignore file
    /// the walker reads (`<common dir>/info/exclude`); a device there is
    /// refused, a real worktree walked.
    #[cfg(unix)]
    #[test]
    fn a_worktree_link_is_followed_to_its_exclude_file() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        touch(root, "tree/a.py");
        touch(root, "repo/.git/worktrees/tree/HEAD");
        fs::write(root.join("repo/.git/worktrees/tree/commondir"), "../..\n").unwrap();
        let real = root.join("repo/.git/worktrees/tree");
        fs::write(root.join("tree/.git"), format!("gitdir: {}\n", real.display())).unwrap();
        let (files, errors) = discover(&[root.join("tree")], &config(root));
        assert_eq!((files.len(), errors), (1, vec![]));
        fs::create_dir_all(root.join("repo/.git/info")).unwrap();
        std::os::unix::fs::symlink("/dev/zero", root.join("repo/.git/info/exclude")).unwrap();
        let (files, errors) = discover(&[root.join("tree")], &config(root));
        assert!(files.is_empty());
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].path, root.join("repo/.git/info/exclude"));
        assert_eq!(
            errors[0].message,
            format!(
                "is a character device, not a regular file; not read ({} is not walked)",
                root.join("tree").display()
            )
        );
    }

    /// Issue 17, item 4: a file reached twice is listed once, and
    /// `exclude` holds through a symlinked folder.
    #[cfg(unix)]
    #[test]
    fn a_file_reached_twice_is_listed_once() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        touch(root, "app/real/a.py");
        touch(root, "app/generated/g.py");
        symlink("real", root.join("app/alias")).unwrap();
        symlink("generated", root.join("app/gen_alias")).unwrap();
        symlink(root.join("app/generated"), root.join("elsewhere")).unwrap();
        let mut cfg = config(root);
        cfg.exclude = vec!["app/generated".into()];
        let (files, errors) = found(root, &cfg);
        assert_eq!(files, vec!["app/real/a.py"]);
        assert!(errors.is_empty(), "{errors:?}");
        // A path given twice, spelled two ways, and through a link.
        let paths = [
            root.join("app"),
            root.join("app/real/a.py"),
            root.join("app/alias/a.py"),
            root.join("app/../app/real"),
        ];
        let (files, _) = discover(&paths, &cfg);
        assert_eq!(files, vec![root.join("app/real/a.py")]);
        // Only through the link: listed under the link.
        let (files, _) = discover(&[root.join("app/alias")], &cfg);
        assert_eq!(files, vec![root.join("app/alias/a.py")]);
    }

    #[cfg(unix)]
    #[test]
    fn unreadable_folders_are_errors_and_the_walk_goes_on() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        touch(root, "ok/a.py");
        touch(root, "locked/b.py");
        let locked = root.join("locked");
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
        let readable_anyway = fs::read_dir(&locked).is_ok();
        let (files, errors) = found(root, &config(root));
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();
        if readable_anyway {
            eprintln!("skipped: running with privileges that read any folder");
            return;
        }
        assert_eq!(files, vec!["ok/a.py"]);
        assert_eq!(
            errors,
            vec![FileError {
                path: locked,
                message: "Permission denied".into()
            }]
        );
    }
}
