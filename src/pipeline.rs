//! The pipeline: load every file once, index the repository, check each
//! file, and for `fix` converge: apply the non-conflicting fixes, re-parse,
//! re-check, repeat until nothing changes (bounded); a pass that introduces
//! a syntax error is reverted and the fix that caused it dropped and
//! reported; a loop that never settles is reported.
//!
//! Files are processed in parallel (rayon); nothing here prints or writes
//! files: the command layer does that with what this returns.

use crate::analysis::index::{class_keys, facts_keys, Origin, RepoIndex, Slot};
use crate::analysis::module::{module_name, Binding, ModuleFacts};
use crate::analysis::source::{load_count, SourceFile};
use crate::checker::check_file;
use crate::config::Config;
use crate::diagnostic::{CheckResult, Counts, Diagnostic, Excerpts, FileError, FileReport};
use crate::rules::Rule;
use auditfix_transforms::{apply_fixes, Fix};
use indicatif::{ParallelProgressIterator, ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// The most passes a file gets before the loop is declared unsettled.
pub const MAX_PASSES: usize = 10;

/// A file of a run. Its text is kept only when it was given in memory (or
/// is a fix's result); files on disk are read again, and parsed, when a
/// step needs them (the per-file check of a candidate, the callers' rules,
/// a module a candidate imports): most files of a repository are
/// read once, searched for a few byte strings, and never parsed.
pub struct LoadedFile {
    /// The path as found on disk (shared with the index, which reads the
    /// file again for its module's facts).
    pub path: Arc<Path>,
    /// The path as the user should see it (the same allocation as `path`
    /// when they are equal, as they are unless an absolute path lies below
    /// the working directory).
    pub display: Arc<Path>,
    /// Whether the file lies under the paths the user gave (findings and
    /// fixes are for these); the others are read as the project's context
    /// (models, mixins, star-imported modules, callers).
    pub target: bool,
    /// Whether per-file rules can find anything here (see
    /// `Prefilter::may_hold_findings`: not in a test, fixture or script
    /// module, whatever its text).
    pub candidate: bool,
    /// Whether the text names a configured user parameter, when loading
    /// searched it (`Prefilter::names_a_user`).
    pub names_user: Option<bool>,
    /// Whether the file on disk starts with a UTF-8 BOM.
    pub bom: bool,
    /// A hash of the text as loading read it (see [`content_hash`]): what
    /// the result cache compares (see [`crate::cache`]).
    pub hash: u64,
    /// The file's position in the workspace, which is also its module's
    /// position in the repository index.
    pub id: usize,
    /// The keys of the names after `class` in the text (see [`class_keys`]).
    classes: Box<[u32]>,
    /// The keys of the functions of the text that may take a user (see
    /// [`crate::callers::def_keys`]).
    pub defs: Box<[u64]>,
    /// The text (without BOM) when kept.
    text: Option<Arc<str>>,
    /// The text loading read of a file the check will parse, until its
    /// first parse takes it (so that it is not read again; a text is not
    /// held past that, see [`Loaded::scanned`]).
    pending: std::sync::Mutex<Option<Box<str>>>,
    /// The lines holding suppression comments, for the warnings about
    /// them (target files only; found while the text is at hand anyway).
    suppression_lines: Box<[(usize, String)]>,
    /// The parsed file, once a step kept it (`None`: it did not parse).
    /// Boxed: few files of a run keep their tree, and a large repository
    /// holds tens of thousands of these.
    source: OnceLock<Option<Box<SourceFile>>>,
    /// Why the file could not be read again or parsed, when it could not.
    error: OnceLock<Box<str>>,
}

impl LoadedFile {
    fn new(
        path: Arc<Path>,
        display: Arc<Path>,
        target: bool,
        candidate: bool,
        bom: bool,
        text: Option<Arc<str>>,
    ) -> Self {
        LoadedFile {
            path,
            display,
            target,
            candidate,
            names_user: None,
            bom,
            hash: 0,
            id: 0,
            classes: Box::default(),
            defs: Box::default(),
            suppression_lines: Box::default(),
            text,
            pending: std::sync::Mutex::new(None),
            source: OnceLock::new(),
            error: OnceLock::new(),
        }
    }

    /// The text as read: kept, or read again from disk.
    pub fn read_text(&self) -> Result<String, String> {
        if let Some(text) = &self.text {
            return Ok(text.to_string());
        }
        if let Some(Some(source)) = self.source.get() {
            return Ok(source.text.clone());
        }
        let bytes = crate::files::read_regular(&self.path, crate::files::SOURCE_CAP)
            .map_err(|e| crate::analysis::source::io_reason(&e))?;
        let (text, _) = crate::analysis::source::decode_owned(bytes)?;
        Ok(text)
    }

    /// Parse the file anew (the tree is not kept); an error is remembered.
    fn parse_fresh(&self) -> Option<SourceFile> {
        let pending = self.pending.lock().ok().and_then(|mut p| p.take());
        let text = match pending {
            Some(text) => Ok(text.into_string()),
            None => self.read_text(),
        };
        match text.and_then(|text| SourceFile::parse(text, self.bom)) {
            Ok(source) => Some(source),
            Err(message) => {
                let _ = self.error.set(message.into());
                None
            }
        }
    }

    /// The parsed file, parsed on first use and kept; `None` when it does
    /// not read or parse (the reason is in [`LoadedFile::error`]).
    pub fn source(&self) -> Option<&SourceFile> {
        self.source.get_or_init(|| self.parse_fresh().map(Box::new)).as_deref()
    }

    /// The parsed file when a step kept it (nothing is parsed).
    pub fn kept_source(&self) -> Option<&SourceFile> {
        self.source.get()?.as_deref()
    }

    /// `f` of the parsed file: the one kept, or one parsed for the moment
    /// (and freed after); `None` when it does not read or parse.
    pub fn with_source<R>(&self, f: impl FnOnce(&SourceFile) -> R) -> Option<R> {
        match self.source.get() {
            Some(Some(source)) => Some(f(source)),
            Some(None) => None,
            None => self.parse_fresh().map(|source| f(&source)),
        }
    }

    /// Why the file could not be read or parsed, once a step found out.
    pub fn error(&self) -> Option<&str> {
        self.error.get().map(AsRef::as_ref)
    }

    /// Whether `matches` holds for the file's text, reading it again from
    /// disk when it is not kept (and not keeping it); `false` when it no
    /// longer reads.
    pub fn search(&self, matches: impl Fn(&str) -> bool) -> bool {
        self.search_loaded(matches).is_some_and(|(found, _)| found)
    }

    /// [`LoadedFile::search`], and whether the text searched is the one
    /// loading read (hashed); `None` when it no longer reads.
    pub fn search_loaded(&self, matches: impl Fn(&str) -> bool) -> Option<(bool, bool)> {
        match (&self.text, self.source.get()) {
            (Some(text), _) => Some((matches(text), true)),
            (None, Some(Some(source))) => {
                Some((matches(&source.text), content_hash(&source.text, self.bom) == self.hash))
            }
            _ => crate::analysis::source::with_file_text(&self.path, |text, bom| {
                (matches(text), content_hash(text, bom) == self.hash)
            })
            .ok(),
        }
    }

    /// The keys of the names after `class` in its text, as loading found
    /// them (see [`class_keys`]).
    pub fn class_keys(&self) -> &[u32] {
        &self.classes
    }

    /// Where the index reads the file's module facts from.
    fn origin(&self) -> Origin {
        match &self.text {
            Some(text) => Origin::Text(text.clone()),
            None => Origin::Path(self.path.clone()),
        }
    }
}

/// A hash of a file's text and BOM, the same in every run and on every
/// machine (xxh3): it tells a file whose content changed.
pub fn content_hash(text: &str, bom: bool) -> u64 {
    xxhash_rust::xxh3::xxh3_64_with_seed(text.as_bytes(), u64::from(bom))
}

/// A file as loading leaves it, with its module's facts when it was parsed.
struct Loaded {
    file: LoadedFile,
    /// Boxed: only files parsed up front have them (see [`Loaded::parsed`]).
    facts: Option<Box<ModuleFacts>>,
    /// Its dotted module name (see [`module_path`]).
    module: String,
}

impl Loaded {
    /// Searched, not parsed: the class names it may define are noted, and
    /// the text is kept only when `keep` (a text that is not on disk), or
    /// until the check parses it (a target that may hold findings: the
    /// parse takes it, see [`LoadedFile::parse_fresh`]). Every step that
    /// needs it later reads it again, so that a run over a large repository
    /// holds no file's text much longer than it works on it.
    #[allow(clippy::too_many_arguments)]
    fn scanned(
        path: Arc<Path>,
        display: Arc<Path>,
        target: bool,
        bom: bool,
        text: &str,
        filter: &crate::analysis::functions::Prefilter,
        keep: bool,
        module: String,
    ) -> Loaded {
        let candidate = filter.may_hold_findings(&module, text);
        let classes = class_keys(text);
        let names_user = filter.names_a_user(text);
        let kept = keep.then(|| Arc::from(text));
        let mut file = LoadedFile::new(path, display, target, candidate, bom, kept);
        if !keep && target && candidate {
            file.pending = std::sync::Mutex::new(Some(text.into()));
        }
        file.hash = content_hash(text, bom);
        file.classes = classes;
        file.defs = crate::callers::def_keys(text, filter, candidate || names_user);
        file.names_user = Some(names_user);
        if target {
            file.suppression_lines = crate::suppression::directive_lines(text).into();
        }
        Loaded {
            file,
            facts: None,
            module,
        }
    }

    /// What [`Loaded::scanned`] found, as a run before this one found it
    /// in the same file (see [`crate::cache::scans`]).
    fn of_scan(
        path: Arc<Path>,
        display: Arc<Path>,
        target: bool,
        scan: &crate::cache::scans::Scan,
        module: String,
    ) -> Loaded {
        let mut file = LoadedFile::new(path, display, target, scan.candidate, scan.bom, None);
        file.hash = scan.hash;
        file.classes = scan.classes.clone();
        file.defs = scan.defs.clone();
        file.names_user = Some(scan.names_user);
        if target {
            file.suppression_lines = scan.suppression_lines.clone().unwrap_or_default().into();
        }
        Loaded {
            file,
            facts: None,
            module,
        }
    }

    /// What [`Loaded::scanned`] found, to keep for the next run.
    fn scan(&self) -> crate::cache::scans::Scan {
        let file = &self.file;
        crate::cache::scans::Scan {
            bom: file.bom,
            hash: file.hash,
            candidate: file.candidate,
            names_user: file.names_user.unwrap_or(false),
            classes: file.classes.clone(),
            defs: file.defs.clone(),
            suppression_lines: file.target.then(|| file.suppression_lines.to_vec()),
        }
    }

    /// Every file a candidate (no prefilter).
    fn all_candidates(mut self, all: bool) -> Loaded {
        self.file.candidate |= all;
        self
    }

    /// Parsed up front (the text and the facts kept); `Err` is the syntax error.
    fn parsed(
        path: Arc<Path>,
        display: Arc<Path>,
        target: bool,
        bom: bool,
        text: String,
        candidate: bool,
        module: String,
    ) -> Result<Loaded, String> {
        let source = SourceFile::parse(text, bom)?;
        let facts = ModuleFacts::collect(module.clone(), source.root(), &source.text);
        // Only the text is kept: each step parses it again for the moment
        // it needs a tree (every tree of a large repository would not fit
        // in memory).
        let mut file = LoadedFile::new(path, display, target, candidate, bom, None);
        file.hash = content_hash(&source.text, bom);
        if target {
            file.suppression_lines = crate::suppression::directive_lines(&source.text).into();
        }
        file.text = Some(Arc::from(source.text));
        file.classes = facts_keys(&facts);
        Ok(Loaded {
            file,
            facts: Some(Box::new(facts)),
            module,
        })
    }
}

/// The files of a run, found and not yet read.
pub struct Discovered {
    /// Each file's path, and whether it lies under the paths given (a
    /// target) or is read as the project's context.
    pub files: Vec<(PathBuf, bool)>,
    /// The paths that could not be walked.
    pub errors: Vec<FileError>,
    /// The project the paths belong to (see [`project_root`]).
    pub root: Option<PathBuf>,
}

/// Every file of a run, and the repository index over them.
pub struct Workspace {
    pub files: Vec<LoadedFile>,
    /// Whether byte prefilters decide what is parsed (`--no-prefilter`
    /// turns them off: every file is parsed, every rule looks everywhere).
    pub prefilter: bool,
    pub errors: Vec<FileError>,
    pub index: RepoIndex,
    pub config: Config,
    pub notes: Vec<String>,
}

/// Files from which a run shows a progress bar (on a terminal only).
const PROGRESS_THRESHOLD: usize = 500;

/// A progress bar on stderr for one phase of a run over many files
/// (`reading`, `analysing`, `fixing`), when stderr is a terminal; hidden
/// otherwise (pipes, CI, tests).
fn progress_bar(files: usize, phase: &'static str) -> ProgressBar {
    if files < PROGRESS_THRESHOLD || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(files as u64), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} {pos}/{len} files {wide_bar} {eta}") {
        bar.set_style(style);
    }
    bar.set_message(phase);
    bar
}

/// A spinner on stderr for a phase whose length is not known in files
/// (`callers`: finding and checking the calls of the write methods), under
/// the same conditions as [`progress_bar`].
fn progress_spinner(files: usize, phase: &'static str) -> ProgressBar {
    if files < PROGRESS_THRESHOLD || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} {elapsed}") {
        bar.set_style(style);
    }
    bar.set_message(phase);
    bar.enable_steady_tick(std::time::Duration::from_millis(100));
    bar
}

/// Files whose folder is the root of a Python project.
const PROJECT_MARKERS: &[&str] = &[
    "pyproject.toml",
    "auditfix.toml",
    ".auditfix.toml",
    "setup.py",
    "setup.cfg",
    "tox.ini",
    "pytest.ini",
    "requirements.txt",
    ".git",
];

/// The project the paths belong to: the nearest folder, from the first
/// path up, that holds a project marker (`pyproject.toml`, `setup.py`,
/// `requirements.txt`, `.git` ...). `None` when there is none.
fn project_root(paths: &[PathBuf]) -> Option<PathBuf> {
    let first = paths.first()?;
    let start = if first.is_dir() {
        first.clone()
    } else {
        first.parent().map(Path::to_path_buf)?
    };
    let start = if start.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        start
    };
    let mut dir = start.canonicalize().ok()?;
    loop {
        if PROJECT_MARKERS.iter().any(|m| dir.join(m).exists()) {
            return Some(dir);
        }
        dir = dir.parent()?.to_path_buf();
    }
}

/// The path a file's module name is made from: relative to the project
/// root when the file lies below it, so that a module is called the same
/// (`app.core.audit`) from any working directory; else the displayed path.
fn module_path(path: &Path, display: &Path, root: Option<&Path>, cwd: Option<&Path>) -> PathBuf {
    let absolute = match (path.is_absolute(), cwd) {
        (true, _) => Some(path.to_path_buf()),
        (false, Some(cwd)) => Some(cwd.join(path)),
        (false, None) => None,
    };
    // `.` and `..` taken out by the text, as the walk spells paths.
    let normal = absolute.map(|p| {
        let mut out = PathBuf::new();
        for part in p.components() {
            match part {
                std::path::Component::CurDir => {}
                std::path::Component::ParentDir => {
                    out.pop();
                }
                other => out.push(other),
            }
        }
        out
    });
    match (normal, root) {
        (Some(normal), Some(root)) => match normal.strip_prefix(root) {
            Ok(relative) => relative.to_path_buf(),
            Err(_) => display.to_path_buf(),
        },
        _ => display.to_path_buf(),
    }
}

/// Whether two paths name the same file or folder.
fn same_path(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// The path relative to the working directory when it lies below it.
pub fn display_path(path: &Path) -> PathBuf {
    let stripped = path.strip_prefix("./").unwrap_or(path);
    if stripped.is_absolute() {
        if let Ok(cwd) = std::env::current_dir() {
            if let Ok(rel) = stripped.strip_prefix(&cwd) {
                return rel.to_path_buf();
            }
        }
    }
    stripped.to_path_buf()
}

/// A file's path and its [`display_path`], one allocation when they are equal.
fn shared_paths(path: &Path) -> (Arc<Path>, Arc<Path>) {
    let shared: Arc<Path> = Arc::from(path);
    let display = display_path(path);
    if display.as_path() == path {
        (shared.clone(), shared)
    } else {
        (shared, Arc::from(display))
    }
}

impl Workspace {
    /// Discover and read every file under `paths`, and index them together
    /// with the rest of their project, so that checking one file (a
    /// pre-commit hook passes only the changed ones) sees the same models,
    /// mixins and callers as checking the whole project. With the byte
    /// prefilters (the default), a file is parsed only when a step needs it.
    pub fn load(paths: &[PathBuf], config: Config) -> Workspace {
        Self::load_with(paths, config, true)
    }

    /// [`Workspace::load`], with the prefilters on or off (`false`: every
    /// file is parsed up front and every rule looks at every file: the
    /// reference the prefilters must agree with).
    pub fn load_with(paths: &[PathBuf], config: Config, prefilter: bool) -> Workspace {
        let discovered = Self::discover(paths, &config);
        Self::load_discovered(paths, discovered, config, prefilter)
    }

    /// The files a run over `paths` reads: those under the paths, and the
    /// rest of their project as context (see [`Workspace::load`]).
    pub fn discover(paths: &[PathBuf], config: &Config) -> Discovered {
        let (found, errors) = crate::walk::discover(paths, config);
        let mut all: Vec<(PathBuf, bool)> = found.iter().map(|p| (p.clone(), true)).collect();
        let root = project_root(paths);
        if let Some(root) = &root {
            let covered = paths.iter().any(|p| same_path(p, root));
            if !covered {
                let (context, _) = crate::walk::discover(std::slice::from_ref(root), config);
                let targets: std::collections::HashSet<PathBuf> =
                    found.iter().filter_map(|p| p.canonicalize().ok()).collect();
                all.extend(
                    context
                        .into_iter()
                        .filter(|p| p.canonicalize().map_or(true, |c| !targets.contains(&c)))
                        .map(|p| (p, false)),
                );
            }
        }
        Discovered {
            files: all,
            errors,
            root,
        }
    }

    /// Read the files [`Workspace::discover`] found, and index them.
    pub fn load_discovered(paths: &[PathBuf], discovered: Discovered, config: Config, prefilter: bool) -> Workspace {
        Self::load_discovered_scanned(paths, discovered, config, prefilter, None).0
    }

    /// [`Workspace::load_discovered`], taking back from `scans` what
    /// loading found in the files unchanged since the last run (by their
    /// metadata; see [`crate::cache::scans`]) instead of reading them, and
    /// storing what it found there. With the number of files read.
    pub fn load_discovered_scanned(
        paths: &[PathBuf],
        discovered: Discovered,
        config: Config,
        prefilter: bool,
        scans: Option<&crate::cache::scans::Scans>,
    ) -> (Workspace, usize) {
        use crate::cache::scans::{FileStat, Record};
        // Scans are of the prefilter's search; without it every file is parsed.
        let scans = scans.filter(|_| prefilter);
        let Discovered {
            files: all,
            mut errors,
            root,
        } = discovered;
        let cwd = std::env::current_dir().ok();
        let filter = crate::analysis::functions::Prefilter::new(&config.settings);
        let progress = progress_bar(all.len(), "reading");
        // Each file loaded, with its metadata before it was read (to store
        // its scan under), and the scan taken back when it was not read
        // (stored as it was: with the suppression lines a target needs,
        // when it was one then).
        //
        // Progress is counted in `map`, and nothing filtered in parallel, so
        // that rayon fills one vector of the files' number in place (see
        // `check_files_with`): gathered in pieces and copied, the loaded
        // files of a large repository took tens of megabytes at once.
        type Item = Result<(Loaded, Option<FileStat>, Option<Box<crate::cache::scans::Scan>>), FileError>;
        let loaded: Vec<Option<Item>> = all
            .par_iter()
            .map(|(path, target)| {
                progress.inc(1);
                let (path, display) = shared_paths(path);
                let module = module_name(&module_path(&path, &display, root.as_deref(), cwd.as_deref()));
                let stat = scans.and_then(|_| FileStat::of_path(&path));
                if let Some(scan) = scans
                    .zip(stat.as_ref())
                    .and_then(|(scans, stat)| scans.get(&path, stat))
                {
                    if !*target || scan.suppression_lines.is_some() {
                        let file = Loaded::of_scan(path, display, *target, scan, module);
                        return Some(Ok((file, stat, Some(Box::new(scan.clone())))));
                    }
                }
                let loaded = if prefilter {
                    // Searched in this thread's buffer; kept (for the
                    // check's parse) only when it may hold findings.
                    crate::analysis::source::with_file_text(&path, |text, bom| {
                        Loaded::scanned(
                            path.clone(),
                            display.clone(),
                            *target,
                            bom,
                            text,
                            &filter,
                            false,
                            module,
                        )
                    })
                } else {
                    crate::files::read_regular(&path, crate::files::SOURCE_CAP)
                        .map_err(|e| crate::analysis::source::io_reason(&e))
                        .and_then(crate::analysis::source::decode_owned)
                        .and_then(|(text, bom)| {
                            Loaded::parsed(path.clone(), display.clone(), *target, bom, text, true, module)
                        })
                };
                match loaded {
                    Ok(file) => Some(Ok((file, stat, None))),
                    // A context file that cannot be read is not the user's question.
                    Err(_) if !target => None,
                    Err(message) => Some(Err(FileError {
                        path: display.to_path_buf(),
                        message,
                    })),
                }
            })
            .collect();
        progress.finish_and_clear();
        let mut files = Vec::with_capacity(loaded.len());
        let mut records = Vec::new();
        let mut read = 0;
        for item in loaded.into_iter().flatten() {
            match item {
                Ok((file, stat, kept)) => {
                    read += usize::from(kept.is_none());
                    if let Some(stat) = stat.filter(|_| scans.is_some()) {
                        let scan = kept.map_or_else(|| file.scan(), |kept| *kept);
                        records.push(Record::new(&file.file.path, stat, scan));
                    }
                    files.push(file);
                }
                Err(error) => errors.push(error),
            }
        }
        if let Some(scans) = scans {
            scans.store(records);
            // The records and the texts of the files read (see `crate::memory`).
            crate::memory::release();
        }
        let mut workspace = Self::assemble(files, errors, config, prefilter);
        workspace.detect_code_style(root.as_deref());
        // A path given that is not a Python file is said, not skipped silently.
        let skipped = crate::walk::not_python(paths).into_iter().map(|path| {
            format!(
                "{}: not a Python file (no .py extension); not checked",
                crate::printer::shown_path(&path)
            )
        });
        workspace.notes.splice(0..0, skipped);
        (workspace, read)
    }

    fn assemble(mut loaded: Vec<Loaded>, mut errors: Vec<FileError>, config: Config, prefilter: bool) -> Workspace {
        loaded.sort_by(|a, b| a.file.display.cmp(&b.file.display));
        errors.sort_by(|a, b| a.path.cmp(&b.path));
        let mut files = Vec::with_capacity(loaded.len());
        let mut slots = Vec::with_capacity(loaded.len());
        let mut classes = Vec::with_capacity(loaded.len());
        for (
            id,
            Loaded {
                mut file,
                facts,
                module,
            },
        ) in loaded.into_iter().enumerate()
        {
            file.id = id;
            slots.push(match facts {
                Some(facts) => Slot::ready(*facts),
                None => Slot::lazy(module, file.origin()),
            });
            classes.push(file.classes.clone());
            files.push(file);
        }
        let index = RepoIndex::lazy(slots, classes);
        let notes = Vec::new();
        Workspace {
            files,
            prefilter,
            errors,
            index,
            config,
            notes,
        }
    }

    /// A workspace for a source read from standard input that stands for
    /// the file at `path` (`check - --stdin-filename PATH`): the only
    /// target, checked with the rest of its project read from disk as
    /// context (its models, mixin and callers), the file at `path` on disk,
    /// if any, replaced by `bytes`. Files of the context that cannot be
    /// read are not reported: they are not the user's question.
    pub fn load_stdin(path: &Path, bytes: &[u8], config: Config, prefilter: bool) -> Workspace {
        let (text, bom) = match crate::analysis::source::decode(bytes) {
            Ok(decoded) => decoded,
            Err(message) => {
                let error = FileError {
                    path: display_path(path),
                    message,
                };
                return Self::assemble(Vec::new(), vec![error], config, prefilter);
            }
        };
        let cwd = std::env::current_dir().unwrap_or_default();
        let same_file = |other: &Path| {
            let absolute = |p: &Path| {
                p.canonicalize()
                    .unwrap_or_else(|_| crate::config::normalize(&cwd.join(p)))
            };
            absolute(other) == absolute(path)
        };
        // The project of the nearest folder that exists: the name may be
        // that of a file (or folders) not created yet.
        let folder = path
            .ancestors()
            .skip(1)
            .map(|p| if p.as_os_str().is_empty() { Path::new(".") } else { p })
            .find(|p| p.is_dir());
        let root = folder.and_then(|folder| project_root(&[folder.to_path_buf()]));
        let mut loaded = Vec::new();
        if let Some(root) = &root {
            let context = Self::load_with(std::slice::from_ref(root), config.clone(), prefilter);
            for file in context.files.iter().filter(|f| !same_file(&f.path)) {
                let mut copy = LoadedFile::new(
                    file.path.clone(),
                    file.display.clone(),
                    false,
                    file.candidate,
                    file.bom,
                    file.text.clone(),
                );
                copy.classes = file.classes.clone();
                copy.names_user = file.names_user;
                copy.hash = file.hash;
                loaded.push(Loaded {
                    file: copy,
                    facts: None,
                    module: context.module_name_of(file),
                });
            }
        }
        let (shared, display) = shared_paths(path);
        let module = module_name(&module_path(&shared, &display, root.as_deref(), Some(&cwd)));
        let filter = crate::analysis::functions::Prefilter::new(&config.settings);
        let stdin =
            Loaded::scanned(shared, display, true, bom, &text, &filter, true, module).all_candidates(!prefilter);
        loaded.push(stdin);
        Self::assemble(loaded, Vec::new(), config, prefilter)
    }

    /// A workspace of in-memory files (tests, fuzzing): `(path, text)` pairs,
    /// each parsed up front (a file that does not parse is an error).
    pub fn from_memory(sources: Vec<(PathBuf, String)>, config: Config) -> Workspace {
        let mut files = Vec::new();
        let mut errors = Vec::new();
        let filter = crate::analysis::functions::Prefilter::new(&config.settings);
        for (path, text) in sources {
            let (path, display) = shared_paths(&path);
            let parsed = crate::analysis::source::decode(text.as_bytes()).and_then(|(text, bom)| {
                let module = module_name(&display);
                let candidate = filter.may_hold_findings(&module, &text);
                Loaded::parsed(path, display.clone(), true, bom, text, candidate, module)
            });
            match parsed {
                Ok(file) => files.push(file),
                Err(message) => errors.push(FileError {
                    path: display.to_path_buf(),
                    message,
                }),
            }
        }
        let mut workspace = Self::assemble(files, errors, config, true);
        workspace.detect_code_style(None);
        workspace
    }

    /// A workspace like this one where files `replaced` maps (by file
    /// position) have new texts: the callers' step of `fix`, after the
    /// per-file fixes, and the language server, whose open documents stand
    /// for the files on disk. What loading found (the files, the classes
    /// each may define, the prefilters' verdicts) is reused, not walked
    /// or searched again.
    pub fn derive(&self, replaced: &std::collections::HashMap<usize, String>) -> Workspace {
        let filter = crate::analysis::functions::Prefilter::new(&self.config.settings);
        let loaded = self
            .files
            .iter()
            .map(|file| match replaced.get(&file.id) {
                Some(text) => Loaded::scanned(
                    file.path.clone(),
                    file.display.clone(),
                    file.target,
                    file.bom,
                    text,
                    &filter,
                    true,
                    self.module_name_of(file),
                )
                .all_candidates(!self.prefilter),
                None => self.shared(file),
            })
            .collect();
        Self::assemble(loaded, Vec::new(), self.config.clone(), self.prefilter)
    }

    /// `file` for another workspace of the same files: the text as this run
    /// has it (in-memory files have no other), or none: then it is read
    /// again from disk. A tree and module facts already made are shared:
    /// they are the file's own.
    fn shared(&self, file: &LoadedFile) -> Loaded {
        let mut copy = LoadedFile::new(
            file.path.clone(),
            file.display.clone(),
            file.target,
            file.candidate,
            file.bom,
            file.text.clone(),
        );
        copy.classes = file.classes.clone();
        copy.defs = file.defs.clone();
        copy.names_user = file.names_user;
        copy.hash = file.hash;
        copy.suppression_lines = file.suppression_lines.clone();
        if let Some(Some(source)) = file.source.get() {
            let _ = copy.source.set(Some(source.clone()));
        }
        Loaded {
            file: copy,
            facts: self.index.facts_made(file.id).cloned().map(Box::new),
            module: self.module_name_of(file),
        }
    }

    /// The workspace of the files a walk over `paths` found now
    /// (`discovered`), sharing with this one the files both have (see
    /// [`Workspace::derive`]); the new ones are loaded as
    /// [`Workspace::load`] loads them. With it, the position in this
    /// workspace of each of its files (`None`: a new file).
    pub fn refile(&self, paths: &[PathBuf], discovered: Discovered) -> (Workspace, Vec<Option<usize>>) {
        let old: std::collections::HashMap<&Path, &LoadedFile> = self.files.iter().map(|f| (&*f.path, f)).collect();
        let Discovered { files, errors, root } = discovered;
        let (both, new): (Vec<_>, Vec<_>) = files
            .into_iter()
            .partition(|(path, _)| old.contains_key(path.as_path()));
        let fresh = Self::load_discovered(
            paths,
            Discovered {
                files: new,
                errors,
                root: root.clone(),
            },
            self.config.clone(),
            self.prefilter,
        );
        let names: Vec<String> = fresh.files.iter().map(|f| fresh.module_name_of(f)).collect();
        let mut loaded: Vec<Loaded> = both.iter().map(|(path, _)| self.shared(old[path.as_path()])).collect();
        loaded.extend(fresh.files.into_iter().zip(names).map(|(file, module)| Loaded {
            file,
            facts: None,
            module,
        }));
        let mut workspace = Self::assemble(loaded, fresh.errors, self.config.clone(), self.prefilter);
        workspace.detect_code_style(root.as_deref());
        workspace.notes = fresh.notes;
        let was = workspace
            .files
            .iter()
            .map(|f| old.get(&*f.path).map(|o| o.id))
            .collect();
        (workspace, was)
    }

    /// Read how the project at `root` lays out code (see [`crate::code_style`]);
    /// its own packages are those of the files loaded.
    fn detect_code_style(&mut self, root: Option<&Path>) {
        let mut modules: Vec<String> = self.files.iter().map(|f| self.module_name_of(f)).collect();
        // Also the topmost package of each file (the highest folder of an
        // unbroken chain of `__init__.py`), wherever the root is.
        let packages: std::collections::HashSet<&Path> = self
            .files
            .iter()
            .filter(|f| f.display.file_name().is_some_and(|n| n == "__init__.py"))
            .filter_map(|f| f.display.parent())
            .collect();
        for file in &self.files {
            let mut top = None;
            let mut dir = file.display.parent();
            while let Some(folder) = dir.filter(|d| packages.contains(d)) {
                top = folder.file_name();
                dir = folder.parent();
            }
            if let Some(name) = top.and_then(|n| n.to_str()) {
                modules.push(name.to_string());
            }
        }
        self.config.settings.code_style =
            crate::code_style::CodeStyle::detect(root, modules.iter().map(String::as_str));
    }

    /// Parse every file that per-file rules can find something in and keep
    /// its tree, and collect every module's facts: what the language server
    /// keeps warm, so that each [`Workspace::derive`] of its open documents
    /// parses only them. A command-line run does not (it holds no file's
    /// tree longer than it works on it).
    pub fn keep_parsed(&self) {
        self.files.par_iter().for_each(|file| {
            if file.candidate {
                if let Some(source) = file.source() {
                    self.module_of(file, source);
                }
            } else {
                self.index.facts(file.id);
            }
        });
    }

    /// Files of the user's that turned out not to read again or parse when
    /// a step needed them (files the prefilters rule out are never parsed:
    /// their syntax errors show with `--no-prefilter`).
    pub fn late_errors(&self) -> Vec<FileError> {
        self.files
            .iter()
            .filter(|f| f.target)
            .filter_map(|f| {
                f.error().map(|message| FileError {
                    path: f.display.to_path_buf(),
                    message: message.to_string(),
                })
            })
            .collect()
    }

    fn rules<'a>(&'a self, path: &'a Path) -> impl Fn(Rule) -> crate::config::RuleUse + 'a {
        move |rule| self.config.rule_use(rule, path)
    }

    /// Check every file, then the callers across files.
    pub fn check(&self) -> CheckResult {
        self.check_reporting(true)
    }

    /// [`Workspace::check`]; without `fix_edits`, each finding's fix keeps
    /// only its applicability (for output that shows no edits: every
    /// format but SARIF), so that the findings of a large repository do not
    /// hold a rewritten copy of each write method.
    pub fn check_reporting(&self, fix_edits: bool) -> CheckResult {
        self.check_collecting(fix_edits, None)
    }

    /// [`Workspace::check_reporting`] through the per-file parts of the
    /// result cache (see [`crate::cache::parts`]): only the files an edit
    /// since the stored run can reach are checked again; the callers' step
    /// runs over all the parts, the answers of the files it parses kept
    /// alike. The parts of this run are stored. Also says which files had
    /// their parts, or their answers to the callers' step, made anew.
    pub fn check_reporting_kept(&self, fix_edits: bool, store: &crate::cache::parts::Parts) -> KeptRun {
        self.report_kept(fix_edits, None, store).0
    }

    /// [`Workspace::fix_counting`] through the per-file parts of the result
    /// cache, when given (see [`Workspace::check_reporting_kept`]): a file
    /// whose part is kept is fixed from it when it holds no finding this
    /// run fixes (nothing is parsed), else checked again by its fixes.
    pub fn fix_counting_kept(
        &self,
        unsafe_fixes: bool,
        unchanged_texts: bool,
        store: Option<&crate::cache::parts::Parts>,
    ) -> (Counts, Vec<FixedFile>) {
        let Some(store) = store else {
            return self.fix_counting(unsafe_fixes, unchanged_texts);
        };
        let (run, first) = self.report_kept(false, Some(unsafe_fixes), store);
        let counts = Counts::of(&run.result);
        (counts, self.fix_with(unsafe_fixes, unchanged_texts, first))
    }

    /// The check through the parts (see [`Workspace::check_reporting_kept`]);
    /// with `first_pass`, also the first pass of each target's fixes (see
    /// [`Workspace::check_files_with`]) where the part gives it.
    fn report_kept(
        &self,
        fix_edits: bool,
        first_pass: Option<bool>,
        store: &crate::cache::parts::Parts,
    ) -> (KeptRun, Vec<Option<FirstFix>>) {
        let stamps = self.part_stamps();
        let kept = store.load(&stamps, |i| self.index.facts(i).map(ModuleFacts::fingerprint));
        let (kept_facts, moved) = (kept.facts, kept.moved);
        let (checks, definitions, made, first, encoded) =
            self.check_files_kept(fix_edits, first_pass, kept.parts, |parts, made_any| {
                // The facts made this run, else those the entry held.
                let facts: Vec<Option<u64>> = (0..self.files.len())
                    .map(|i| self.index.facts_made(i).map(ModuleFacts::fingerprint).or(kept_facts[i]))
                    .collect();
                store.encode(&stamps, &facts, parts, moved || made_any)
            });
        // Encoded: not held through the callers' step.
        drop((stamps, kept_facts));
        let memo = crate::callers::Yields::new(kept.yields);
        let result = self.report_checks(checks, definitions, fix_edits, None, Some(&memo));
        let (yields, answered, searched) = memo.into_used();
        // A run that made nothing over the same files leaves the entry as it was.
        if let Some(encoded) =
            encoded.filter(|_| moved || !made.is_empty() || !answered.is_empty() || !searched.is_empty())
        {
            store.store(encoded, &yields);
        }
        drop(yields);
        // What storing the entry freed (see `crate::memory`), before the
        // report is rendered.
        crate::memory::release();
        let run = KeptRun {
            result,
            checked: made,
            answered,
            searched,
        };
        (run, first)
    }

    /// How the parts of the result cache know this run's files, by position.
    fn part_stamps(&self) -> Vec<crate::cache::parts::Stamp> {
        self.files
            .iter()
            .map(|f| {
                let module = self.index.module_name(f.id).unwrap_or_default();
                crate::cache::parts::Stamp {
                    file: crate::cache::parts::file_key(&f.display, module),
                    module_keys: crate::analysis::index::module_name_keys(module).collect(),
                    hash: f.hash,
                    classes: f.classes.clone(),
                }
            })
            .collect()
    }

    /// [`Workspace::check_files`], the parts `kept` holds reused, the
    /// others made (and what each read recorded), and all handed to
    /// `encode` (`None` for those not to keep), with whether any part was
    /// made, before they are taken apart; with the positions of the parts
    /// made, and what `encode` returned.
    #[allow(clippy::type_complexity)]
    fn check_files_kept<E>(
        &self,
        fix_edits: bool,
        first_pass: Option<bool>,
        kept: Vec<Option<Box<crate::cache::parts::Part>>>,
        encode: impl FnOnce(Vec<Option<crate::cache::parts::PartRef<'_>>>, bool) -> E,
    ) -> (
        Vec<crate::checker::FileCheck>,
        Vec<Option<crate::callers::Definitions>>,
        Vec<usize>,
        Vec<Option<FirstFix>>,
        E,
    ) {
        use crate::cache::parts::{Part, PartRef};
        /// One file's part but its check (the checks are collected apart,
        /// as the report takes them: a part is not held whole beside them),
        /// whether it is to keep, and its first pass.
        struct Rest {
            definitions: Option<crate::callers::Definitions>,
            reads: crate::analysis::index::ReadList,
            keep: bool,
            made: bool,
            first: Option<FirstFix>,
        }
        let naming = crate::callers::Naming::new(self);
        let progress = progress_bar(self.files.len(), "analysing");
        // Progress counted in `map` (see `check_files_with`).
        let (checks, rest): (Vec<crate::checker::FileCheck>, Vec<Rest>) = kept
            .into_par_iter()
            .zip(self.files.par_iter())
            .map(|(kept, file)| {
                progress.inc(1);
                match kept {
                    // Each target's first pass from a kept part: its findings
                    // when none is fixed in this run (with one, its fixes check
                    // it again: a kept part holds no edits).
                    Some(part) => {
                        let Part {
                            check,
                            definitions,
                            reads,
                            ..
                        } = *part;
                        let first = first_pass.and_then(|unsafe_fixes| {
                            let diagnostics = &check.diagnostics;
                            let fixed = diagnostics.iter().any(|d| d.is_fixable_with(unsafe_fixes));
                            (file.target && !fixed).then(|| FirstFix::Findings(diagnostics.clone()))
                        });
                        let rest = Rest {
                            definitions,
                            reads,
                            keep: true,
                            made: false,
                            first,
                        };
                        (check, rest)
                    }
                    None => {
                        let (made, reads) = crate::analysis::index::Reads::record(|| {
                            self.check_file_part_with(file, &naming, fix_edits, first_pass)
                        });
                        let rest = Rest {
                            definitions: made.definitions,
                            reads: reads.into(),
                            keep: made.of_loaded_text,
                            made: true,
                            first: made.first,
                        };
                        (made.check, rest)
                    }
                }
            })
            .unzip();
        progress.finish_and_clear();
        let made: Vec<usize> = (0..rest.len()).filter(|i| rest[*i].made).collect();
        let encoded = encode(
            checks
                .iter()
                .zip(&rest)
                .map(|(check, rest)| {
                    rest.keep
                        .then(|| PartRef::new(check, rest.definitions.as_ref(), &rest.reads))
                })
                .collect(),
            !made.is_empty(),
        );
        let mut first = Vec::with_capacity(rest.len());
        let definitions = rest
            .into_iter()
            .map(|rest| {
                first.push(rest.first);
                rest.definitions
            })
            .collect();
        (checks, definitions, made, first, encoded)
    }

    /// [`Workspace::check`], with the callers' fixes that change other
    /// files too, whole (the language server offers each as one edit of
    /// every file it changes; a finding's own [`Fix`] holds only the edits
    /// of its file).
    pub fn check_with_cross_file_fixes(&self) -> (CheckResult, Vec<CrossFileFix>) {
        let mut spanning = Vec::new();
        let result = self.check_collecting(true, Some(&mut spanning));
        (result, spanning)
    }

    /// [`Workspace::check_with_cross_file_fixes`] from per-file parts made
    /// already ([`Workspace::check_file_part`] of every file, in order):
    /// the language server keeps them between analyses and makes again
    /// only those of the files an edit may change; the callers' step runs
    /// over all of them.
    pub fn check_with_cross_file_fixes_from(
        &self,
        checks: Vec<crate::checker::FileCheck>,
        definitions: Vec<Option<crate::callers::Definitions>>,
    ) -> (CheckResult, Vec<CrossFileFix>) {
        let mut spanning = Vec::new();
        let result = self.report_checks(checks, definitions, true, Some(&mut spanning), None);
        (result, spanning)
    }

    /// [`Workspace::check_reporting`], collecting into `spanning`, when
    /// given, the fixes that change more than one file.
    fn check_collecting(&self, fix_edits: bool, spanning: Option<&mut Vec<CrossFileFix>>) -> CheckResult {
        let (checks, definitions) = self.check_files(fix_edits);
        self.report_checks(checks, definitions, fix_edits, spanning, None)
    }

    /// The counts of [`Workspace::check`] (what `fix` prints beside the
    /// fixes) and [`Workspace::fix_reporting`] at once, each file parsed
    /// and checked once for both: its findings are the first pass of its
    /// fixes.
    pub fn fix_counting(&self, unsafe_fixes: bool, unchanged_texts: bool) -> (Counts, Vec<FixedFile>) {
        let (checks, definitions, first) = self.check_files_with(false, Some(unsafe_fixes));
        let counts = Counts::of(&self.report_checks(checks, definitions, false, None, None));
        let fixed = self.fix_with(unsafe_fixes, unchanged_texts, first);
        (counts, fixed)
    }

    /// The report of a check from its per-file checks: the callers' step
    /// run over them, suppressions, excerpts, notes and errors.
    fn report_checks(
        &self,
        mut checks: Vec<crate::checker::FileCheck>,
        definitions: Vec<Option<crate::callers::Definitions>>,
        fix_edits: bool,
        mut spanning: Option<&mut Vec<CrossFileFix>>,
        memo: Option<&crate::callers::Yields>,
    ) -> CheckResult {
        let needs_user: Vec<Vec<crate::checker::UserNeed>> =
            checks.iter_mut().map(|c| std::mem::take(&mut c.needs_user)).collect();
        let mut suppressions: Vec<Vec<(usize, Rule)>> =
            checks.iter_mut().map(|c| std::mem::take(&mut c.suppressed)).collect();
        let checks_conventions: Vec<(String, bool, String)> = checks
            .iter_mut()
            .zip(&self.files)
            .filter(|(_, file)| file.target)
            .flat_map(|(c, _)| std::mem::take(&mut c.conventions))
            .collect();
        let checks_unstamped: Vec<(String, String)> = checks
            .iter_mut()
            .zip(&self.files)
            .filter(|(_, file)| file.target)
            .flat_map(|(c, _)| std::mem::take(&mut c.unstamped))
            .collect();
        let unproven = unproven_session_notes(
            &self.config.settings.session_expressions,
            checks
                .iter_mut()
                .zip(&self.files)
                .filter(|(_, file)| file.target)
                .flat_map(|(c, file)| {
                    std::mem::take(&mut c.unproven_sessions)
                        .into_iter()
                        .map(move |(receiver, function)| (receiver, function, file.display.clone()))
                }),
        );
        // The findings and write methods of the files that have any, by
        // file: the checks (of every file of the run, most of them empty)
        // are not held through the callers' step, nor a slot for each file.
        let file_count = checks.len();
        let mut found: BTreeMap<usize, (Vec<Diagnostic>, Vec<String>)> = BTreeMap::new();
        for (file, check) in checks.into_iter().enumerate() {
            if !check.diagnostics.is_empty() || !check.write_methods.is_empty() {
                found.insert(file, (check.diagnostics, check.write_methods));
            }
        }
        let spinner = progress_spinner(self.files.len(), "checking the callers");
        // The per-file check's trees, then the callers' step's, are freed
        // by now: their pages go back (see `crate::memory`).
        crate::memory::release();
        let (findings, details, silenced) = crate::callers::check(self, &needs_user, definitions, memo);
        crate::memory::release();
        spinner.finish_and_clear();
        for (file, line, rule) in silenced {
            suppressions[file].push((line, rule));
        }
        let warnings = self.suppression_warnings(&suppressions);
        for finding in findings {
            if let Some(spanning) = spanning.as_deref_mut() {
                if finding.edits.len() > 1 && finding.diagnostic.fix.is_some() {
                    spanning.push(CrossFileFix {
                        file: finding.file,
                        rule: finding.diagnostic.rule,
                        range: finding.diagnostic.range.clone(),
                        edits: finding.edits.clone(),
                    });
                }
            }
            let mut diagnostic = finding.diagnostic;
            if !fix_edits {
                diagnostic.fix = diagnostic.fix.map(Fix::without_edits);
            }
            found.entry(finding.file).or_default().0.push(diagnostic);
        }
        let mut found = found.into_iter().peekable();
        let (diagnostics, write_methods): (Vec<Vec<Diagnostic>>, Vec<Vec<String>>) = (0..file_count)
            .map(|file| match found.next_if(|(at, _)| *at == file) {
                Some((_, both)) => both,
                None => Default::default(),
            })
            .unzip();
        // One report per file reported, with the lines its findings show,
        // read once the findings are known: no file's text is held through
        // the run.
        let files: Vec<FileReport> = diagnostics
            .into_par_iter()
            .zip(write_methods)
            .zip(&self.files)
            .filter(|(_, f)| f.target && f.error().is_none())
            .map(|((mut diagnostics, write_methods), file)| {
                diagnostics.sort_by_key(|d| (d.range.start, d.rule));
                let excerpts = if diagnostics.is_empty() {
                    Excerpts::default()
                } else {
                    Excerpts::of(&file.read_text().unwrap_or_default(), &diagnostics)
                };
                FileReport {
                    path: file.display.to_path_buf(),
                    excerpts,
                    diagnostics,
                    write_methods,
                }
            })
            .collect();
        // The texts read for the excerpts.
        crate::memory::release();
        let mut notes = self.notes.clone();
        notes.extend(unproven);
        notes.extend(convention_notes(checks_conventions));
        notes.extend(unstamped_notes(checks_unstamped.into_iter(), &self.config.settings));
        let files_checked = files.len();
        let mut errors = self.errors.clone();
        errors.extend(self.late_errors());
        errors.sort_by(|a, b| a.path.cmp(&b.path));
        CheckResult {
            files,
            errors,
            notes,
            details,
            files_checked,
            warnings,
        }
    }

    /// The warnings for the suppression comments of the target files:
    /// `used[id]` holds the `(line, rule)` of each finding a suppression
    /// silenced in file `id`.
    fn suppression_warnings(&self, used: &[Vec<(usize, Rule)>]) -> Vec<crate::diagnostic::FileWarning> {
        let mut out = Vec::new();
        for (file, used) in self.files.iter().zip(used) {
            if file.suppression_lines.is_empty() || file.error().is_some() {
                continue;
            }
            let ran = |rule| self.config.is_enabled(rule, &file.display);
            out.extend(
                crate::suppression::warnings(&file.suppression_lines, used, &ran)
                    .into_iter()
                    .map(|w| crate::diagnostic::FileWarning {
                        path: file.display.to_path_buf(),
                        line: w.line,
                        column: w.column,
                        message: w.message,
                    }),
            );
        }
        out
    }

    /// Compute the fixed text of the files that may change (nothing is
    /// written): each file converges on its own, then (with unsafe fixes)
    /// the callers' fixes, which may span files, are applied whole or not
    /// at all. Files that cannot change (context of the project, files no
    /// rule can find anything in) are not listed.
    pub fn fix(&self, unsafe_fixes: bool) -> Vec<FixedFile> {
        self.fix_reporting(unsafe_fixes, true)
    }

    /// [`Workspace::fix`]; without `unchanged_texts`, a file no fix changed
    /// keeps no text (its `original` and `fixed` are empty), for output
    /// that shows changes only: the results of a large repository then do
    /// not hold a copy of every candidate file.
    pub fn fix_reporting(&self, unsafe_fixes: bool, unchanged_texts: bool) -> Vec<FixedFile> {
        self.fix_with(unsafe_fixes, unchanged_texts, Vec::new())
    }

    /// [`Workspace::fix_reporting`], each file's first pass taken from
    /// `first` (by position) when it holds the file's findings (see
    /// [`Workspace::check_files_with`]).
    fn fix_with(&self, unsafe_fixes: bool, unchanged_texts: bool, mut first: Vec<Option<FirstFix>>) -> Vec<FixedFile> {
        first.resize_with(self.files.len(), || None);
        let progress = progress_bar(self.files.len(), "fixing");
        let mut fixed: Vec<FixedFile> = self
            .files
            .par_iter()
            .zip(first)
            .progress_with(progress.clone())
            .filter(|(file, _)| file.target && file.candidate)
            .filter_map(|(file, first)| {
                let rules = self.rules(&file.display);
                let checked = match first {
                    Some(FirstFix::Fixed(fixed)) => return Some(kept_texts(*fixed, unchanged_texts)),
                    Some(FirstFix::Findings(diagnostics)) => {
                        // The text the check read, unless it changed since.
                        file.read_text().ok().and_then(|text| {
                            (content_hash(&text, file.bom) == file.hash)
                                .then_some(FirstPass::Checked { text, diagnostics })
                        })
                    }
                    Some(FirstFix::Unknown) | None => None,
                };
                let fixed = match checked {
                    Some(first) => converge(file, first, self, &rules, unsafe_fixes),
                    None => fix_file(file, self, &rules, unsafe_fixes),
                }?;
                Some(kept_texts(fixed, unchanged_texts))
            })
            .collect();
        progress.finish_and_clear();
        if unsafe_fixes {
            let spinner = progress_spinner(self.files.len(), "fixing the callers");
            self.fix_callers(&mut fixed);
            spinner.finish_and_clear();
        }
        fixed
    }

    /// Apply the callers' fixes over the per-file results.
    fn fix_callers(&self, fixed: &mut Vec<FixedFile>) {
        let replaced: std::collections::HashMap<usize, String> = fixed
            .iter()
            .filter(|f| f.changed())
            .map(|f| (f.id, f.fixed.clone()))
            .collect();
        let after = self.derive(&replaced);
        let (result, definitions) = after.check_files(false);
        if after.files.iter().any(|f| f.candidate && f.error().is_some()) {
            return;
        }
        let needs_user: Vec<Vec<crate::checker::UserNeed>> = result.iter().map(|c| c.needs_user.clone()).collect();
        let (findings, _, _) = crate::callers::check(&after, &needs_user, definitions, None);
        // `after.files` are `self.files`, in the same order. The texts the
        // fixes were computed on (files not kept are read again).
        let mut texts: HashMap<usize, String> = HashMap::new();
        fn text_of<'a>(texts: &'a mut HashMap<usize, String>, files: &[LoadedFile], i: usize) -> &'a str {
            texts
                .entry(i)
                .or_insert_with(|| files[i].read_text().unwrap_or_default())
                .as_str()
        }
        let mut taken: BTreeMap<usize, Vec<auditfix_transforms::Edit>> = BTreeMap::new();
        let mut accepted = Vec::new();
        for finding in findings
            .into_iter()
            .filter(|f| f.diagnostic.fix.is_some() && !f.edits.is_empty())
            // A fix is applied whole: all its files must be the user's to change.
            .filter(|f| f.edits.keys().all(|i| self.files[*i].target))
        {
            let fits = finding.edits.iter().all(|(file, edits)| {
                let mut candidate = taken.get(file).cloned().unwrap_or_default();
                candidate.extend(edits.iter().cloned());
                auditfix_transforms::apply_edits(text_of(&mut texts, &after.files, *file), &candidate).is_ok()
            });
            if !fits {
                continue;
            }
            merge_edits(&mut taken, &finding.edits);
            accepted.push(finding);
        }
        for i in taken.keys() {
            text_of(&mut texts, &after.files, *i);
        }
        let apply = |taken: &BTreeMap<usize, Vec<auditfix_transforms::Edit>>| -> BTreeMap<usize, String> {
            taken
                .iter()
                .map(|(i, edits)| {
                    let text = texts[i].as_str();
                    let new = auditfix_transforms::apply_edits(text, edits).unwrap_or_else(|_| text.to_string());
                    (*i, new)
                })
                .collect()
        };
        let mut fixed_texts = apply(&taken);
        // A fix is kept whole or not at all: drop those touching a broken file.
        let broken: Vec<usize> = fixed_texts
            .iter()
            .filter(|(_, text)| breaks_syntax(text))
            .map(|(i, _)| *i)
            .collect();
        if !broken.is_empty() {
            accepted.retain(|f| !f.edits.keys().any(|k| broken.contains(k)));
            let mut retaken = BTreeMap::new();
            for finding in &accepted {
                merge_edits(&mut retaken, &finding.edits);
            }
            fixed_texts = apply(&retaken);
        }
        let mut position: std::collections::HashMap<usize, usize> =
            fixed.iter().enumerate().map(|(k, f)| (f.id, k)).collect();
        let mut slot = |fixed: &mut Vec<FixedFile>, id: usize| -> usize {
            let k = *position.entry(id).or_insert_with(|| {
                let file = &after.files[id];
                fixed.push(FixedFile {
                    id,
                    path: file.path.to_path_buf(),
                    display: file.display.to_path_buf(),
                    original: String::new(),
                    fixed: String::new(),
                    bom: file.bom,
                    applied: Vec::new(),
                    remaining: Vec::new(),
                    problems: Vec::new(),
                    linked: Vec::new(),
                    after: Vec::new(),
                });
                fixed.len() - 1
            });
            // A file the per-file fixes left unchanged (and, maybe, without
            // its text): the text the callers' fixes were computed on.
            if !fixed[k].changed() && fixed[k].original.is_empty() {
                let original = texts.get(&id).cloned().unwrap_or_default();
                fixed[k].fixed = original.clone();
                fixed[k].original = original;
            }
            k
        };
        for i in &broken {
            let k = slot(fixed, *i);
            fixed[k]
                .problems
                .push("the callers' fixes would introduce a syntax error here; dropped".into());
        }
        for (i, text) in fixed_texts {
            let k = slot(fixed, i);
            fixed[k].fixed = text;
        }
        // What ties the files of a cross-file fix (see `write_order`).
        let mut linked: HashMap<usize, Vec<usize>> = HashMap::new();
        let mut after: HashMap<usize, Vec<usize>> = HashMap::new();
        for finding in accepted {
            let mut files: Vec<usize> = finding.edits.keys().copied().collect();
            files.extend(finding.links.iter().map(|(_, callee)| *callee));
            files.sort_unstable();
            files.dedup();
            for file in &files {
                linked
                    .entry(*file)
                    .or_default()
                    .extend(files.iter().filter(|f| *f != file));
            }
            for (caller, callee) in &finding.links {
                after.entry(*caller).or_default().push(*callee);
            }
            let k = slot(fixed, finding.file);
            fixed[k].applied.push(finding.diagnostic);
        }
        for file in fixed.iter_mut() {
            file.linked = linked.remove(&file.id).unwrap_or_default();
            file.after = after.remove(&file.id).unwrap_or_default();
            for list in [&mut file.linked, &mut file.after] {
                list.sort_unstable();
                list.dedup();
            }
        }
        fixed.sort_by_key(|f| f.id);
    }

    /// The per-file checks, without the callers, each with the file's
    /// definitions when the callers' step will want them (taken from the
    /// same tree). A candidate's tree is freed once it is checked; without
    /// `fix_edits`, so are its fixes' edits.
    fn check_files(
        &self,
        fix_edits: bool,
    ) -> (Vec<crate::checker::FileCheck>, Vec<Option<crate::callers::Definitions>>) {
        let (checks, definitions, _) = self.check_files_with(fix_edits, None);
        (checks, definitions)
    }

    /// [`Workspace::check_files`]; with `first_pass` (whether fixes are
    /// unsafe too), also the findings of each file `fix` converges, their
    /// fixes' edits kept when they are fixable in that run: the first pass
    /// of its fixes, which then need not parse and check it again.
    #[allow(clippy::type_complexity)]
    fn check_files_with(
        &self,
        fix_edits: bool,
        first_pass: Option<bool>,
    ) -> (
        Vec<crate::checker::FileCheck>,
        Vec<Option<crate::callers::Definitions>>,
        Vec<Option<FirstFix>>,
    ) {
        let naming = crate::callers::Naming::new(self);
        let progress = progress_bar(self.files.len(), "analysing");
        // Progress counted in `map`, not by `progress_with`: rayon then
        // knows the length and fills each vector in place (a
        // `ProgressBarIter` hides it, and the parts of a large repository
        // were gathered in pieces and copied at the end).
        let (files, rest): (Vec<_>, Vec<_>) = self
            .files
            .par_iter()
            .map(|file| {
                let part = self.check_file_part_with(file, &naming, fix_edits, first_pass);
                progress.inc(1);
                (part.check, (part.definitions, part.first))
            })
            .unzip();
        progress.finish_and_clear();
        let (definitions, firsts) = rest.into_iter().unzip();
        (files, definitions, firsts)
    }

    /// The per-file check of `file` (nothing for a file per-file rules
    /// cannot find anything in), with its definitions when the callers'
    /// step will want them (see [`Workspace::check_files`]).
    pub fn check_file_part(
        &self,
        file: &LoadedFile,
        naming: &crate::callers::Naming,
        fix_edits: bool,
    ) -> (crate::checker::FileCheck, Option<crate::callers::Definitions>) {
        let part = self.check_file_part_with(file, naming, fix_edits, None);
        (part.check, part.definitions)
    }

    /// [`Workspace::check_file_part`], and with `first_pass` (whether
    /// unsafe fixes count) the findings that are the first pass of the
    /// file's fixes, with the edits of those fixable in this run.
    fn check_file_part_with(
        &self,
        file: &LoadedFile,
        naming: &crate::callers::Naming,
        fix_edits: bool,
        first_pass: Option<bool>,
    ) -> FilePart {
        if !file.candidate {
            // Nothing read: the part is decided by the text loading read.
            return FilePart {
                of_loaded_text: true,
                ..Default::default()
            };
        }
        file.with_source(|source| {
            let module = self.module_of(file, source)?;
            let rules = self.rules(&file.display);
            let values = crate::analysis::values::FileValues::default();
            let mut check = crate::checker::check_file_with(
                &source.text,
                source.root(),
                module,
                &self.index,
                &self.config.settings,
                &rules,
                &values,
            );
            let of_loaded_text = content_hash(&source.text, file.bom) == file.hash;
            // Only when the text is the one loading read.
            let first = first_pass
                .filter(|_| file.target && of_loaded_text)
                .map(|unsafe_fixes| {
                    let mut first = check.diagnostics.clone();
                    let mut fixes = false;
                    for d in &mut first {
                        if d.is_fixable_with(unsafe_fixes) {
                            fixes = true;
                        } else {
                            d.fix = d.fix.take().map(Fix::without_edits);
                        }
                    }
                    if !fixes {
                        return FirstFix::Findings(first);
                    }
                    // Fixed now, while the tree is at hand: the first
                    // pass's fixes re-parse from it only what they change.
                    let from = FirstPass::Tree {
                        source,
                        diagnostics: first,
                    };
                    match converge(file, from, self, &rules, unsafe_fixes) {
                        Some(fixed) => FirstFix::Fixed(Box::new(fixed)),
                        None => FirstFix::Unknown,
                    }
                });
            if !fix_edits {
                for d in &mut check.diagnostics {
                    d.fix = d.fix.take().map(Fix::without_edits);
                }
            }
            let definitions = naming.definitions(self, file, source, &check.needs_user, &values);
            Some(FilePart {
                check,
                definitions,
                first,
                of_loaded_text,
            })
        })
        .flatten()
        .unwrap_or_default()
    }

    /// What the analysis sees in each target file: its write methods, as
    /// [`crate::checker::describe_file`] renders them, by display path.
    pub fn describe(&self) -> Vec<(PathBuf, Vec<String>)> {
        self.files
            .iter()
            .filter(|f| f.target)
            .filter_map(|file| {
                file.with_source(|source| {
                    let module = self.module_of(file, source)?;
                    Some((
                        file.display.to_path_buf(),
                        crate::checker::describe_file(
                            &source.text,
                            source.root(),
                            module,
                            &self.index,
                            &self.config.settings,
                        ),
                    ))
                })
                .flatten()
            })
            .collect()
    }

    /// The dotted module name of `file` (see [`module_path`]).
    pub fn module_name_of(&self, file: &LoadedFile) -> String {
        self.index
            .module_name(file.id)
            .map_or_else(|| module_name(&file.display), str::to_string)
    }

    /// The module facts of `file`, parsed as `source`.
    pub fn module_of(&self, file: &LoadedFile, source: &SourceFile) -> Option<&ModuleFacts> {
        self.index.facts_or(file.id, || {
            ModuleFacts::collect(self.module_name_of(file), source.root(), &source.text)
        })
    }
}

/// A check through the per-file parts of the result cache (see
/// [`Workspace::check_reporting_kept`]).
pub struct KeptRun {
    pub result: CheckResult,
    /// The files whose per-file parts were made anew, by position.
    pub checked: Vec<usize>,
    /// The files the callers' step parsed (their answers were not kept),
    /// by position.
    pub answered: Vec<usize>,
    /// The files the callers' step read to search for the names of a
    /// round, and did not parse (their answers were not kept), by position.
    pub searched: Vec<usize>,
}

/// A caller's fix that changes other files too (see
/// [`crate::callers::CallerFinding::edits`]), found by
/// [`Workspace::check_with_cross_file_fixes`].
#[derive(Clone, Debug)]
pub struct CrossFileFix {
    /// The position in the workspace of the file with the finding.
    pub file: usize,
    /// The finding's rule and byte range in that file.
    pub rule: Rule,
    pub range: std::ops::Range<usize>,
    /// Every file's edits, by position in the workspace (the finding's
    /// own file included), on the texts the check read.
    pub edits: BTreeMap<usize, Vec<auditfix_transforms::Edit>>,
}

/// Add `edits` to `taken`, per file, each edit once.
fn merge_edits(
    taken: &mut BTreeMap<usize, Vec<auditfix_transforms::Edit>>,
    edits: &BTreeMap<usize, Vec<auditfix_transforms::Edit>>,
) {
    for (file, edits) in edits {
        let list = taken.entry(*file).or_default();
        for edit in edits {
            if !list.contains(edit) {
                list.push(edit.clone());
            }
        }
    }
}

/// The outcome of fixing one file.
pub struct FixedFile {
    /// The file's position in the workspace.
    pub id: usize,
    pub path: PathBuf,
    pub display: PathBuf,
    /// The text as read, and as fixed (both empty when no fix changed the
    /// file and [`Workspace::fix_reporting`] was asked to keep no text).
    pub original: String,
    pub fixed: String,
    pub bom: bool,
    /// The findings whose fixes were applied, in pass order.
    pub applied: Vec<Diagnostic>,
    /// Findings left after the last pass (no fix, unsafe without
    /// `--unsafe`, or dropped).
    pub remaining: Vec<Diagnostic>,
    /// Fixes dropped or loops reported, one line each.
    pub problems: Vec<String>,
    /// The other files a cross-file fix applied here changes: they are
    /// written with this one, whole or not at all (empty for most files).
    pub linked: Vec<usize>,
    /// The files written before this one: those defining a function a
    /// call here is made to pass the user to (callee first).
    pub after: Vec<usize>,
}

impl FixedFile {
    pub fn changed(&self) -> bool {
        self.original != self.fixed
    }

    /// The bytes read, which the file must still hold when it is written.
    pub fn original_bytes(&self) -> Vec<u8> {
        SourceFile::to_bytes(&self.original, self.bom)
    }

    /// Without the texts when nothing changed (see [`FixedFile::original`]).
    fn texts_if_changed(mut self) -> FixedFile {
        if !self.changed() {
            self.original = String::new();
            self.fixed = String::new();
        }
        self
    }

    /// The bytes to write (the BOM restored).
    pub fn fixed_bytes(&self) -> Vec<u8> {
        SourceFile::to_bytes(&self.fixed, self.bom)
    }
}

/// `fixed`, without its texts when no fix changed it and `unchanged_texts`
/// is not asked for.
fn kept_texts(fixed: FixedFile, unchanged_texts: bool) -> FixedFile {
    if unchanged_texts {
        fixed
    } else {
        fixed.texts_if_changed()
    }
}

/// Converge the fixes of one file; `None` when it does not parse (the
/// reason is the file's [`LoadedFile::error`]).
pub fn fix_file(
    file: &LoadedFile,
    workspace: &Workspace,
    rules: &dyn Fn(Rule) -> crate::config::RuleUse,
    unsafe_fixes: bool,
) -> Option<FixedFile> {
    file.with_source(|first| converge(file, FirstPass::Parsed(first), workspace, rules, unsafe_fixes))
        .flatten()
}

/// What the check of a target made of its fixes, for `fix`.
enum FirstFix {
    /// Its findings, none fixed in this run: its fixes start from them.
    Findings(Vec<Diagnostic>),
    /// Its fixes, converged from the check's tree.
    Fixed(Box<FixedFile>),
    /// Nothing: its fixes start from a parse.
    Unknown,
}

/// Where the fixes of a file start.
enum FirstPass<'a> {
    /// The file parsed: its first pass checks it.
    Parsed(&'a SourceFile),
    /// The file parsed and checked: its findings, the edits of those
    /// fixable in this run kept, are the first pass.
    Tree {
        source: &'a SourceFile,
        diagnostics: Vec<Diagnostic>,
    },
    /// The file's text and the findings a check of that text made (the
    /// edits of those fixable in this run kept): the first pass.
    Checked { text: String, diagnostics: Vec<Diagnostic> },
}

/// [`fix_file`] from its first pass.
fn converge(
    file: &LoadedFile,
    first: FirstPass<'_>,
    workspace: &Workspace,
    rules: &dyn Fn(Rule) -> crate::config::RuleUse,
    unsafe_fixes: bool,
) -> Option<FixedFile> {
    let settings = &workspace.config.settings;
    let index = &workspace.index;
    let (first, mut checked, original) = match first {
        FirstPass::Parsed(source) => (
            Some((source, workspace.module_of(file, source)?)),
            None,
            source.text.clone(),
        ),
        FirstPass::Tree { source, diagnostics } => (
            Some((source, workspace.module_of(file, source)?)),
            Some(diagnostics),
            source.text.clone(),
        ),
        FirstPass::Checked { text, diagnostics } => (None, Some(diagnostics), text),
    };
    let module_name = match first {
        Some((_, module)) => module.name.clone(),
        None => workspace.module_name_of(file),
    };
    let mut text = original.clone();
    let mut applied: Vec<Diagnostic> = Vec::new();
    let mut problems = Vec::new();
    // Fixes that broke the syntax: (rule, start offset in the text they were computed on, that text's length).
    let mut rejected: Vec<(Rule, usize, usize)> = Vec::new();
    let mut remaining = Vec::new();
    let mut settled = false;
    // The text of the next pass, parsed when its syntax was checked.
    let mut next: Option<SourceFile> = None;
    // The tree of `text`, when at hand: a pass's fixes re-parse from it
    // only what they changed.
    let mut tree: Option<tree_sitter::Tree>;
    for pass in 0..MAX_PASSES {
        let diagnostics = match (pass, checked.take(), first) {
            (0, Some(diagnostics), first) => {
                tree = first.map(|(source, _)| source.tree().clone());
                diagnostics
            }
            (0, None, Some((source, module))) => {
                tree = Some(source.tree().clone());
                check_file(&source.text, source.root(), module, index, settings, rules).diagnostics
            }
            _ => {
                let parsed = match next.take() {
                    Some(source) => Ok(source),
                    None => SourceFile::parse(text.clone(), file.bom),
                };
                let Ok(source) = parsed else {
                    // Cannot happen: every accepted pass re-parsed cleanly.
                    problems.push("internal error: a fixed text failed to parse; its fixes were not kept".into());
                    text = original.clone();
                    break;
                };
                tree = Some(source.tree().clone());
                let module = ModuleFacts::collect(module_name.clone(), source.root(), &source.text);
                check_file(&source.text, source.root(), &module, index, settings, rules).diagnostics
            }
        };
        let (fixable, rest): (Vec<Diagnostic>, Vec<Diagnostic>) = diagnostics
            .into_iter()
            .partition(|d| d.is_fixable_with(unsafe_fixes) && !rejected.contains(&(d.rule, d.range.start, text.len())));
        remaining = rest;
        if fixable.is_empty() {
            settled = true;
            break;
        }
        let mut ordered: Vec<&Diagnostic> = fixable.iter().collect();
        ordered.sort_by_key(|d| (d.rule, d.range.start));
        let outcome = apply_fixes(&text, ordered.iter().filter_map(|d| d.fix.as_ref()));
        if outcome.applied.is_empty() {
            remaining.extend(fixable);
            problems.push("fixes conflict with each other and none could be applied".into());
            break;
        }
        // Only a fix that removes or replaces text can leave an import unused.
        let removes = outcome.applied.iter().any(|i| {
            ordered[*i]
                .fix
                .as_ref()
                .is_some_and(|f| f.edits().iter().any(|e| e.end() > e.start()))
        });
        let old_tree = tree.take();
        let new_tree = old_tree
            .as_ref()
            .map(|old| crate::analysis::source::reparse(old, &text, &outcome.edits, &outcome.output));
        let (new_text, new_tree) = if removes {
            let (text, tree) = remove_imports_left_unused_parsed(&text, old_tree.as_ref(), outcome.output, new_tree);
            (text, Some(tree))
        } else {
            (outcome.output, new_tree)
        };
        if new_text == text {
            for i in outcome.applied {
                applied.push(ordered[i].clone());
            }
            settled = true;
            break;
        }
        // Parsed once: to tell whether it broke the syntax, and for the next pass.
        let parsed = match new_tree {
            Some(tree) => SourceFile::of_tree(new_text, file.bom, tree),
            None => SourceFile::parse(new_text, file.bom),
        };
        let Ok(parsed) = parsed else {
            // Find the fixes that break the syntax on their own, drop them, retry.
            let mut culprits = 0;
            for d in &ordered {
                let fix = d.fix.as_ref().expect("fixable");
                let alone = apply_fixes(&text, [fix]).output;
                if breaks_syntax(&alone) {
                    rejected.push((d.rule, d.range.start, text.len()));
                    problems.push(format!(
                        "{} fix at line {} would introduce a syntax error; dropped",
                        d.rule.code(),
                        d.start.line
                    ));
                    culprits += 1;
                }
            }
            if culprits == 0 {
                // Only their combination fails: apply one fix per pass from now.
                for d in ordered.iter().skip(1) {
                    rejected.push((d.rule, d.range.start, text.len()));
                }
                problems.push("fixes that are valid alone broke the syntax together; applied one at a time".into());
            }
            continue;
        };
        for i in outcome.applied {
            applied.push(ordered[i].clone());
        }
        text = parsed.text.clone();
        next = Some(parsed);
    }
    if !settled {
        problems.push(format!(
            "fixes did not settle after {MAX_PASSES} passes; the last stable text is shown"
        ));
    }
    Some(FixedFile {
        id: file.id,
        path: file.path.to_path_buf(),
        display: file.display.to_path_buf(),
        original,
        fixed: text,
        bom: file.bom,
        applied,
        remaining,
        problems,
        linked: Vec::new(),
        after: Vec::new(),
    })
}

/// One line per audit mixin whose models are stamped in another convention
/// than the standard's: which mixin, how it was found, and the call or
/// assignments the fixes write.
fn convention_notes(found: Vec<(String, bool, String)>) -> Vec<String> {
    let mut by_mixin: BTreeMap<String, (bool, String)> = BTreeMap::new();
    for (mixin, inferred, create) in found {
        by_mixin.entry(mixin).or_insert((inferred, create));
    }
    by_mixin
        .into_iter()
        .map(|(mixin, (inferred, create))| {
            let how = if inferred {
                "inferred from the models' bases"
            } else {
                "the configured mixin"
            };
            let example = if create.is_empty() {
                String::new()
            } else {
                format!(" (a create: `{create}`)")
            };
            format!(
                "audit convention: `{mixin}` ({how}); fixes record who acted with its own setters or columns{example}; `check --show-profile` prints it as configuration"
            )
        })
        .collect()
}

/// One note per audit mixin whose code does not tell how a row records who
/// acted (a setter taking what no name explains, a text column nothing
/// says the content of): its rows get no S1-S3 fix, and the note says why
/// and what would teach it.
fn unstamped_notes(found: impl Iterator<Item = (String, String)>, settings: &crate::settings::Settings) -> Vec<String> {
    let mut by_mixin: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
    for (mixin, why) in found {
        by_mixin.entry(mixin).or_default().insert(why);
    }
    by_mixin
        .into_iter()
        .map(|(mixin, whys)| {
            format!(
                "the audit mixin `{mixin}` does not tell how to record who acted: {}. Its models get no AUD001-AUD003 fix and those rules are not reported for them; give the mixin a setter (`set_created_by(self, user_id)`, say), or configure `setters` taking the user's email and name as `{}.{}` provides",
                whys.into_iter().collect::<Vec<_>>().join("; "),
                settings.context_class,
                settings.context_constructor,
            )
        })
        .collect()
}

/// One note per receiver that functions write proven rows through while
/// nothing proves it a session (`self._db.add(user)`): those functions are
/// not audited, and the note says which configuration key would teach it.
fn unproven_session_notes(
    configured: &[String],
    found: impl Iterator<Item = (String, String, Arc<Path>)>,
) -> Vec<String> {
    let mut by_receiver: BTreeMap<String, Vec<(Arc<Path>, String)>> = BTreeMap::new();
    for (receiver, function, path) in found {
        by_receiver.entry(receiver).or_default().push((path, function));
    }
    by_receiver
        .into_iter()
        .map(|(receiver, functions)| {
            let (path, first) = &functions[0];
            let others = match functions.len() - 1 {
                0 => String::new(),
                1 => " and 1 other function".to_string(),
                n => format!(" and {n} other functions"),
            };
            // What the value model reads as a session spelling: a parameter
            // or local name, or `self.<attribute>`.
            let spelled = receiver.split('.').count() == 1
                || (receiver.starts_with("self.") && receiver.split('.').count() == 2);
            let (why, advice) = if configured.contains(&receiver) {
                // Configured already: a local the code binds from something
                // the analysis cannot tell (a factory of another library).
                (
                    "a local made by something the analysis cannot tell",
                    "annotate it, or what it is made from, as `Session` / `AsyncSession` to audit them".to_string(),
                )
            } else if spelled {
                (
                    "no annotation, not a configured spelling",
                    format!(
                        "add \"{receiver}\" to `session-expressions` (or annotate it `Session` / `AsyncSession`) to audit them"
                    ),
                )
            } else {
                (
                    "no annotation, not a configured spelling",
                    "annotate what it is read from as `Session` / `AsyncSession` to audit them".to_string(),
                )
            };
            format!(
                "{}: `{receiver}` adds or deletes model rows in `{first}`{others}, but nothing proves it a session ({why}): {} not audited; {advice}",
                crate::printer::shown_path(path),
                if functions.len() == 1 { "it is" } else { "they are" }
            )
        })
        .collect()
}

/// Whether a fixed text fails to parse, counting the indentation that
/// tree-sitter recovers from and Python rejects (a fix that indents badly is
/// dropped here, as one that breaks the grammar is, instead of failing the
/// next pass's parse).
fn breaks_syntax(text: &str) -> bool {
    let tree = crate::analysis::source::parse(text);
    crate::analysis::source::syntax_error(&tree, text).is_some()
}

/// Remove `from` imports of names that `before` used and `after` no longer
/// uses: imports left unused by a fix (`timezone` once every
/// `datetime.now(timezone.utc)` became naive, `func` once `func.now()` went).
pub fn remove_imports_left_unused(before: &str, after: String) -> String {
    remove_imports_left_unused_parsed(before, None, after, None).0
}

/// [`remove_imports_left_unused`], with the tree of the text it returns
/// (the fixes parse it next), given the trees of `before` and `after` when
/// at hand. Only the names of top-level `from` imports can be removed, so
/// only their uses are counted, from the places where their text occurs
/// ([`load_count`]), not by a walk of every node; the module's bindings are
/// collected only when one of them is unused and was used before. `before`
/// is parsed, when its tree is not given, only when an import of `after` is
/// unused, to tell whether it was used before.
fn remove_imports_left_unused_parsed(
    before: &str,
    before_tree: Option<&tree_sitter::Tree>,
    after: String,
    after_tree: Option<tree_sitter::Tree>,
) -> (String, tree_sitter::Tree) {
    let mut before_parsed: Option<tree_sitter::Tree> = None;
    let mut text = after;
    let mut tree = after_tree.unwrap_or_else(|| crate::analysis::source::parse(&text));
    // One removal per round: each changes the offsets of the others.
    for _ in 0..16 {
        let root = tree.root_node();
        let mut unused_now: Vec<&str> = auditfix_transforms::add_import::removable_import_names(&text, root)
            .into_iter()
            .filter(|name| load_count(root, &text, name) == 0)
            .collect();
        if !unused_now.is_empty() {
            let before_root = match before_tree {
                Some(tree) => tree.root_node(),
                None => before_parsed
                    .get_or_insert_with(|| crate::analysis::source::parse(before))
                    .root_node(),
            };
            unused_now.retain(|name| load_count(before_root, before, name) > 0);
        }
        if unused_now.is_empty() {
            break;
        }
        let module = ModuleFacts::collect(String::new(), root, &text);
        let candidate = module.bindings.iter().find_map(|(name, binding)| {
            (matches!(binding, Binding::From { name: imported, .. } if **imported == *name)
                && unused_now.contains(&name))
            .then(|| auditfix_transforms::add_import::remove_import_name(&text, root, name))
            .flatten()
        });
        let Some(edit) = candidate else { break };
        match auditfix_transforms::apply_edits(&text, std::slice::from_ref(&edit)) {
            Ok(next) => {
                tree = crate::analysis::source::reparse(&tree, &text, &[edit], &next);
                text = next;
            }
            Err(_) => break,
        }
    }
    (text, tree)
}

/// An edit conflict told in line numbers of `text` (a person reads
/// lines, not byte offsets).
fn conflict_in_lines(text: &str, error: &auditfix_transforms::ApplyError) -> String {
    let line = |offset: usize| {
        text.as_bytes()[..offset.min(text.len())]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1
    };
    match error {
        auditfix_transforms::ApplyError::Overlap { first, second } => format!(
            "its change at line {} overlaps another's at line {}",
            line(second.start()),
            line(first.start())
        ),
        auditfix_transforms::ApplyError::OutOfBounds { edit, .. } => {
            format!("its change at line {} lies outside the file", line(edit.start()))
        }
    }
}

/// Apply a chosen subset of fixes to `text` in one go (what `--interactive`
/// accepted): identical edits merged, an import left unused by them
/// removed, and the result re-parsed. `Err` says why nothing may be written:
/// fixes that conflict with each other, or a syntax error in the result.
pub fn apply_selected(text: &str, fixes: &[&auditfix_transforms::Fix]) -> Result<String, String> {
    let outcome = apply_fixes(text, fixes.iter().copied());
    if let Some((index, error)) = outcome.skipped.first() {
        return Err(format!(
            "fix {} of the selection conflicts with another: {}",
            index + 1,
            conflict_in_lines(text, error)
        ));
    }
    let fixed = remove_imports_left_unused(text, outcome.output);
    if let Some(message) = crate::analysis::source::syntax_error(&crate::analysis::source::parse(&fixed), &fixed) {
        return Err(format!("the accepted fixes together would introduce a {message}"));
    }
    Ok(fixed)
}

/// One file's check, its definitions for the callers' step, and (for
/// `fix`) the first pass of its fixes.
#[derive(Default)]
struct FilePart {
    check: crate::checker::FileCheck,
    definitions: Option<crate::callers::Definitions>,
    first: Option<FirstFix>,
    /// Whether the part is of the text loading read (and hashed): not when
    /// the file changed since, or no longer reads or parses. Only such a
    /// part is kept in the result cache.
    of_loaded_text: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_import_a_change_left_unused_is_removed() {
        let before = "from datetime import datetime, timezone\n\
                      from sqlalchemy import Column, func, select as pick\n\
                      from typing import Optional\n\
                      try:\n    from ujson import dumps\nexcept ImportError:\n    from json import dumps\n\n\
                      def f(row):\n    row.at = func.now()\n    row.tz = timezone.utc\n    \
                      row.q = pick(Column)\n    return dumps(row)\n";
        // `func` loses its only use; `timezone` keeps a use as a value;
        // `Column` is left only as an attribute's name, `pick` only in a
        // string, `dumps` only as a keyword's name. `Optional` was never used.
        let after = "from datetime import datetime, timezone\n\
                     from sqlalchemy import Column, func, select as pick\n\
                     from typing import Optional\n\
                     try:\n    from ujson import dumps\nexcept ImportError:\n    from json import dumps\n\n\
                     def f(row):\n    row.at = datetime.now(tz=timezone.utc)\n    \
                     row.q = 'pick' + row.Column\n    return row.to(dumps=1)\n";
        let fixed = remove_imports_left_unused(before, after.to_string());
        assert_eq!(
            fixed,
            after.replace(
                "from sqlalchemy import Column, func, select as pick\n",
                "from sqlalchemy import select as pick\n"
            ),
            "`func` and `Column` go; the alias, the never-used `Optional` and the nested `dumps` stay"
        );
        // Nothing lost, nothing removed.
        assert_eq!(remove_imports_left_unused(before, before.to_string()), before);
        // The last name of a statement takes its line.
        let before = "from a import b\nfrom c import d\n\nx = b(d)\n";
        assert_eq!(
            remove_imports_left_unused(before, "from a import b\nfrom c import d\n\nx = b()\n".to_string()),
            "from a import b\n\nx = b()\n"
        );
    }

    #[test]
    fn a_conflict_is_told_in_lines() {
        use auditfix_transforms::{Edit, Fix};
        let text = "a = 1\nb = 2\nc = 3\n";
        let one = Fix::safe_edit(Edit::replacement("B = 2", 6, 11));
        let two = Fix::safe_edit(Edit::replacement("b = 20", 6, 11));
        let error = apply_selected(text, &[&one, &two]).unwrap_err();
        assert_eq!(
            error,
            "fix 2 of the selection conflicts with another: its change at line 2 overlaps another's at line 2"
        );
    }

    #[test]
    fn a_fix_keeping_no_unchanged_text_changes_the_same_files_alike() {
        let paths = vec![PathBuf::from("examples/audit_app")];
        let config = crate::config::load(&paths, &crate::config::Overrides::default()).unwrap();
        let workspace = Workspace::load(&paths, config);
        for unsafe_fixes in [false, true] {
            let full = workspace.fix_reporting(unsafe_fixes, true);
            let lean = workspace.fix_reporting(unsafe_fixes, false);
            assert_eq!(full.len(), lean.len());
            let mut unchanged = 0;
            for (f, l) in full.iter().zip(&lean) {
                assert_eq!((&f.path, f.changed()), (&l.path, l.changed()));
                let codes = |d: &[Diagnostic]| d.iter().map(|d| (d.rule, d.range.clone())).collect::<Vec<_>>();
                assert_eq!(codes(&f.applied), codes(&l.applied));
                assert_eq!(codes(&f.remaining), codes(&l.remaining));
                assert_eq!(f.problems, l.problems);
                if f.changed() {
                    assert_eq!((&f.original, &f.fixed), (&l.original, &l.fixed));
                    assert_eq!(f.original_bytes(), l.original_bytes());
                } else {
                    unchanged += 1;
                    assert!(!f.original.is_empty() && f.original == f.fixed);
                    assert!(l.original.is_empty() && l.fixed.is_empty());
                }
            }
            assert!(unchanged > 0 && full.iter().any(FixedFile::changed), "{unsafe_fixes}");
        }
    }

    #[test]
    fn a_report_without_edits_keeps_every_finding_and_its_applicability() {
        let paths = vec![PathBuf::from("examples/audit_app")];
        let config = crate::config::load(&paths, &crate::config::Overrides::default()).unwrap();
        let workspace = Workspace::load(&paths, config);
        let full = workspace.check_reporting(true);
        let lean = workspace.check_reporting(false);
        let summary = |result: &CheckResult| -> Vec<(PathBuf, Rule, std::ops::Range<usize>, String, &'static str)> {
            result
                .diagnostics()
                .map(|(file, d)| {
                    (
                        file.path.clone(),
                        d.rule,
                        d.range.clone(),
                        d.message.clone(),
                        d.fix_applicability(),
                    )
                })
                .collect()
        };
        assert_eq!(summary(&full), summary(&lean));
        let edits = |result: &CheckResult| -> usize {
            result
                .diagnostics()
                .filter_map(|(_, d)| d.fix.as_ref())
                .map(|f| f.edits().len())
                .sum()
        };
        // The example app has fixes, safe and unsafe, from both the per-file
        // rules and the callers' rules.
        assert!(full.diagnostics().any(|(_, d)| d.is_fixable_with(false)));
        assert!(full
            .diagnostics()
            .any(|(_, d)| d.rule.code() == "AUD012" && d.fix.is_some()));
        assert!(edits(&full) > 0);
        assert_eq!(edits(&lean), 0);
        assert_eq!(full.files_checked, lean.files_checked);
        assert_eq!(full.notes, lean.notes);
    }

    /// A test, fixture, migration, seed or script module holds no service
    /// code (the per-file rules skip it whatever it writes), so loading
    /// makes it no candidate: the check does not parse it, nor keep its
    /// text, though it adds and commits rows like a service. The findings
    /// are those of a run that parses every file.
    #[test]
    fn a_test_module_that_writes_rows_is_no_candidate_and_changes_nothing_found() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| crate::test_trees::write(dir.path(), name, text);
        write("app/models.py", crate::test_trees::ITEM_MODELS);
        let writes = "from app.models import Item\n\n\n\
            def create_item(db, name):\n    item = Item(name=name)\n    db.add(item)\n    db.commit()\n    return item\n";
        write("app/services.py", writes);
        for module in [
            "tests/test_items.py",
            "app/tests/conftest.py",
            "migrations/versions/0001_seed.py",
            "scripts/load_items.py",
            "app/seed_items.py",
        ] {
            write(module, writes);
        }
        let paths = vec![dir.path().to_path_buf()];
        let config = crate::config::load(&paths, &crate::config::Overrides::default()).unwrap();
        let workspace = Workspace::load(&paths, config.clone());
        for file in &workspace.files {
            let name = file.display.to_string_lossy().replace('\\', "/");
            let service = name.ends_with("app/services.py");
            assert_eq!(file.candidate, service, "{name}");
            assert_eq!(file.pending.lock().unwrap().is_some(), service, "{name}");
        }
        let findings = |workspace: &Workspace| {
            let result = workspace.check();
            let mut found: Vec<(String, String)> = result
                .diagnostics()
                .map(|(f, d)| (f.path.to_string_lossy().into_owned(), d.rule.code().to_string()))
                .collect();
            found.sort();
            found
        };
        let found = findings(&workspace);
        // Not vacuous: the service's write is found, and only the service's.
        assert!(found.iter().any(|(path, _)| path.ends_with("services.py")), "{found:?}");
        assert!(found.iter().all(|(path, _)| path.ends_with("services.py")), "{found:?}");
        let every_file = Workspace::load_with(&paths, config, false);
        assert!(every_file.files.iter().all(|f| f.candidate));
        assert_eq!(found, findings(&every_file));
    }

    #[test]
    fn a_file_the_check_parses_is_checked_in_the_text_loading_read_and_not_held_after() {
        let dir = tempfile::tempdir().unwrap();
        let service = dir.path().join("service.py");
        let models = "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n\n\n\
            class Base(DeclarativeBase):\n    pass\n\n\n\
            class AuditMixin:\n    created_by: Mapped[str] = mapped_column()\n\n\n\
            class Item(Base, AuditMixin):\n    __tablename__ = \"items\"\n    name: Mapped[str] = mapped_column()\n";
        std::fs::write(dir.path().join("models.py"), models).unwrap();
        let writes = "from models import Item\n\n\n\
            class ItemService:\n    def create_item(self, db, name):\n        item = Item(name=name)\n        db.add(item)\n        db.commit()\n";
        std::fs::write(&service, writes).unwrap();
        let paths = vec![dir.path().to_path_buf()];
        let config = crate::config::load(&paths, &crate::config::Overrides::default()).unwrap();
        let workspace = Workspace::load(&paths, config);
        let file = |name: &str| workspace.files.iter().find(|f| f.path.ends_with(name)).unwrap();
        let pending = |name: &str| file(name).pending.lock().unwrap().is_some();
        // Loading kept the text of the file the check will parse, only.
        assert!(file("service.py").candidate && pending("service.py"));
        assert!(!file("models.py").candidate && !pending("models.py"));
        // Changed on disk after loading: the check reads what loading read
        // (the text its hash is of), not the disk again.
        std::fs::write(&service, "def nothing():\n    pass\n").unwrap();
        let result = workspace.check();
        assert!(
            result.diagnostics().any(|(f, _)| f.path.ends_with("service.py")),
            "{:?}",
            result.diagnostics().map(|(_, d)| d.rule.code()).collect::<Vec<_>>()
        );
        // The parse took the text: nothing holds it past the check.
        assert!(!pending("service.py"));
        assert!(file("service.py").kept_source().is_none());
    }

    #[test]
    fn a_workspace_kept_parsed_derives_the_same_findings_sharing_what_did_not_change() {
        let paths = vec![PathBuf::from("examples/audit_app")];
        let config = crate::config::load(&paths, &crate::config::Overrides::default()).unwrap();
        let cold = Workspace::load(&paths, config.clone());
        let warm = Workspace::load(&paths, config);
        warm.keep_parsed();
        let models = warm
            .files
            .iter()
            .find(|f| f.path.ends_with("administration/users/models.py"))
            .unwrap();
        let text = models.read_text().unwrap();
        assert!(text.contains("class User(Base, AuditMixin):"));
        // The model loses its mixin in the new text: its facts must be the new ones.
        let replaced = HashMap::from([(
            models.id,
            text.replace("class User(Base, AuditMixin):", "class User(Base):"),
        )]);
        let findings = |workspace: &Workspace| -> Vec<(PathBuf, Rule, std::ops::Range<usize>)> {
            workspace
                .check()
                .diagnostics()
                .map(|(file, d)| (file.path.clone(), d.rule, d.range.clone()))
                .collect()
        };
        let from_cold = cold.derive(&replaced);
        let from_warm = warm.derive(&replaced);
        // What did not change is shared, not parsed again; what changed is not.
        for file in &from_warm.files {
            let made = from_warm.index.facts_made(file.id).is_some();
            assert_eq!(made, file.id != models.id, "{}", file.display.display());
        }
        assert_eq!(findings(&from_warm), findings(&from_cold));
        assert!(findings(&from_warm)
            .iter()
            .any(|(_, rule, _)| *rule == Rule::ModelWithoutAuditMixin));
        assert_ne!(findings(&from_warm), findings(&warm));
        let facts = from_warm.index.facts(models.id).unwrap();
        let user = facts.classes.iter().find(|c| c.name == "User").unwrap();
        assert!(!user.bases.iter().any(|b| b == "AuditMixin"), "{:?}", user.bases);
    }
}
