//! The pipeline: load every file once, index the repository, check each
//! file, and for `fix` converge: apply the non-conflicting fixes, re-parse,
//! re-check, repeat until nothing changes (bounded); a pass that introduces
//! a syntax error is reverted and the fix that caused it dropped and
//! reported; a loop that never settles is reported.
//!
//! Files are processed in parallel (rayon); nothing here prints or writes
//! files: the command layer does that with what this returns.

use crate::analysis::index::{MixinFit, RepoIndex};
use crate::analysis::module::{module_name, Binding, ModuleFacts};
use crate::analysis::source::{load_counts, SourceFile};
use crate::checker::check_file;
use crate::config::Config;
use crate::diagnostic::{CheckResult, Diagnostic, FileError, FileReport};
use crate::rules::Rule;
use crate::settings::Kind;
use auditfix_transforms::{apply_fixes, Applicability};
use indicatif::{ParallelProgressIterator, ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// The most passes a file gets before the loop is declared unsettled.
pub const MAX_PASSES: usize = 10;

/// A file read and parsed.
pub struct LoadedFile {
    /// The path as found on disk.
    pub path: PathBuf,
    /// The path as the user should see it.
    pub display: PathBuf,
    /// The bytes it was read with (to detect changes before writing).
    pub bytes: Vec<u8>,
    pub source: SourceFile,
    pub module: ModuleFacts,
    /// Whether the file lies under the paths the user gave (findings and
    /// fixes are for these); the others are read as the project's context
    /// (models, mixins, star-imported modules, callers).
    pub target: bool,
    /// Whether per-file rules can find anything here (see
    /// `functions::may_hold_findings`); when not, the tree is freed after
    /// the file's facts are taken, and parsed again only if a caller needs it.
    pub candidate: bool,
}

/// Every file of a run, and the repository index over them.
pub struct Workspace {
    pub files: Vec<LoadedFile>,
    pub errors: Vec<FileError>,
    pub index: RepoIndex,
    pub config: Config,
    pub notes: Vec<String>,
}

/// Files from which a run shows a progress bar (on a terminal only).
const PROGRESS_THRESHOLD: usize = 500;

/// A progress bar on stderr for runs over many files when stderr is a
/// terminal; hidden otherwise (pipes, CI, tests).
fn progress_bar(files: usize) -> ProgressBar {
    if files < PROGRESS_THRESHOLD || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(files as u64), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{spinner} reading {pos}/{len} files {wide_bar} {eta}") {
        bar.set_style(style);
    }
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

impl Workspace {
    /// Discover, read and parse every file under `paths`, and index them
    /// together with the rest of their project, so that checking one file
    /// (a pre-commit hook passes only the changed ones) sees the same
    /// models, mixins and callers as checking the whole project.
    pub fn load(paths: &[PathBuf], config: Config) -> Workspace {
        let (found, mut errors) = crate::walk::discover(paths, &config);
        let mut all: Vec<(PathBuf, bool)> = found.iter().map(|p| (p.clone(), true)).collect();
        if let Some(root) = project_root(paths) {
            let covered = paths.iter().any(|p| same_path(p, &root));
            if !covered {
                let (context, _) = crate::walk::discover(std::slice::from_ref(&root), &config);
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
        let prefilter = crate::analysis::functions::Prefilter::new(&config.settings);
        let progress = progress_bar(all.len());
        let loaded: Vec<Result<LoadedFile, FileError>> = all
            .par_iter()
            .progress_with(progress.clone())
            .filter_map(|(path, target)| {
                let display = display_path(path);
                match SourceFile::read(path) {
                    Ok((bytes, mut source)) => {
                        let module = ModuleFacts::collect(module_name(&display), source.root(), &source.text);
                        let candidate = prefilter.may_hold_findings(&source.text);
                        if !candidate {
                            source.release_tree();
                        }
                        Some(Ok(LoadedFile {
                            path: path.clone(),
                            display,
                            bytes,
                            source,
                            module,
                            target: *target,
                            candidate,
                        }))
                    }
                    // A context file that cannot be read is not the user's question.
                    Err(_) if !target => None,
                    Err(message) => Some(Err(FileError { path: display, message })),
                }
            })
            .collect();
        progress.finish_and_clear();
        let mut files = Vec::with_capacity(loaded.len());
        for item in loaded {
            match item {
                Ok(file) => files.push(file),
                Err(error) => errors.push(error),
            }
        }
        Self::assemble(files, errors, config)
    }

    fn assemble(mut files: Vec<LoadedFile>, mut errors: Vec<FileError>, config: Config) -> Workspace {
        files.sort_by(|a, b| a.display.cmp(&b.display));
        errors.sort_by(|a, b| a.path.cmp(&b.path));
        let index = RepoIndex::new(files.iter().map(|f| f.module.clone()).collect());
        let mut notes = Vec::new();
        let setters: Vec<&str> = Kind::ALL
            .iter()
            .map(|k| config.settings.setters.get(*k).as_str())
            .collect();
        if let MixinFit::LacksSetters(missing) = index.mixin_fit(&config.settings.mixin_class, &setters) {
            notes.push(format!(
                "`{}` in this repository has no {}: the standard's setter calls would not exist here, so AUD001-AUD003 are not reported; configure `setters` (or `mixin-class`) to match it",
                config.settings.mixin_class,
                missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", "),
            ));
        }
        Workspace {
            files,
            errors,
            index,
            config,
            notes,
        }
    }

    /// A workspace of in-memory files (tests, fuzzing): `(path, text)` pairs.
    pub fn from_memory(sources: Vec<(PathBuf, String)>, config: Config) -> Workspace {
        let mut files = Vec::new();
        let mut errors = Vec::new();
        let prefilter = crate::analysis::functions::Prefilter::new(&config.settings);
        for (path, text) in sources {
            let display = display_path(&path);
            let parsed =
                crate::analysis::source::decode(text.as_bytes()).and_then(|(t, bom)| SourceFile::parse(t, bom));
            match parsed {
                Ok(source) => {
                    let module = ModuleFacts::collect(module_name(&display), source.root(), &source.text);
                    files.push(LoadedFile {
                        path,
                        display,
                        bytes: text.into_bytes(),
                        candidate: prefilter.may_hold_findings(&source.text),
                        source,
                        module,
                        target: true,
                    });
                }
                Err(message) => errors.push(FileError { path: display, message }),
            }
        }
        Self::assemble(files, errors, config)
    }

    fn enabled<'a>(&'a self, path: &'a Path) -> impl Fn(Rule) -> bool + 'a {
        move |rule| self.config.is_enabled(rule, path)
    }

    /// Check every file, then the callers across files.
    pub fn check(&self) -> CheckResult {
        let checks = self.check_files();
        let needs_user: Vec<Vec<(usize, String)>> = checks.iter().map(|c| c.needs_user.clone()).collect();
        let mut files: Vec<FileReport> = self
            .files
            .iter()
            .zip(checks)
            .map(|(file, result)| FileReport {
                path: file.display.clone(),
                // The text is kept for excerpts; a file without findings needs none.
                source: if result.diagnostics.is_empty() {
                    String::new()
                } else {
                    file.source.text.clone()
                },
                diagnostics: result.diagnostics,
                write_methods: result.write_methods,
            })
            .collect();
        let (findings, call_notes) = crate::callers::check(self, &needs_user);
        for finding in findings {
            let report = &mut files[finding.file];
            if report.source.is_empty() {
                report.source = self.files[finding.file].source.text.clone();
            }
            report.diagnostics.push(finding.diagnostic);
        }
        for file in &mut files {
            file.diagnostics.sort_by_key(|d| (d.range.start, d.rule));
        }
        let mut notes = self.notes.clone();
        notes.extend(call_notes.into_iter().filter(|n| {
            self.files
                .iter()
                .any(|f| f.target && n.starts_with(&format!("{}:", f.display.display())))
        }));
        let files: Vec<FileReport> = files
            .into_iter()
            .zip(&self.files)
            .filter(|(_, f)| f.target)
            .map(|(r, _)| r)
            .collect();
        let files_checked = files.len();
        CheckResult {
            files,
            errors: self.errors.clone(),
            notes,
            files_checked,
        }
    }

    /// Compute the fixed text of every file (nothing is written): each file
    /// converges on its own, then (with unsafe fixes) the callers' fixes,
    /// which may span files, are applied whole or not at all.
    pub fn fix(&self, unsafe_fixes: bool) -> Vec<FixedFile> {
        let mut fixed: Vec<FixedFile> = self
            .files
            .par_iter()
            .map(|file| {
                if !file.target || !file.candidate {
                    // Context of the project (read, never rewritten), or a
                    // file no per-file rule can find anything in.
                    return FixedFile::unchanged(file);
                }
                let enabled = self.enabled(&file.display);
                fix_file(file, &self.index, &self.config, &enabled, unsafe_fixes)
            })
            .collect();
        if unsafe_fixes {
            self.fix_callers(&mut fixed);
        }
        fixed
    }

    /// Apply the callers' fixes over the per-file results.
    fn fix_callers(&self, fixed: &mut [FixedFile]) {
        let sources = fixed.iter().map(|f| (f.path.clone(), f.fixed.clone())).collect();
        let after = Workspace::from_memory(sources, self.config.clone());
        if !after.errors.is_empty() || after.files.len() != fixed.len() {
            return;
        }
        let result = after.check_files();
        let needs_user: Vec<Vec<(usize, String)>> = result.iter().map(|c| c.needs_user.clone()).collect();
        let (findings, _) = crate::callers::check(&after, &needs_user);
        // `after.files` is sorted by display path, as `self.files` is.
        let mut taken: Vec<Vec<auditfix_transforms::Edit>> = vec![Vec::new(); after.files.len()];
        let mut accepted = Vec::new();
        for finding in findings
            .into_iter()
            .filter(|f| f.diagnostic.fix.is_some() && !f.edits.is_empty())
            // A fix is applied whole: all its files must be the user's to change.
            .filter(|f| f.edits.keys().all(|i| self.files[*i].target))
        {
            let fits = finding.edits.iter().all(|(file, edits)| {
                let mut candidate = taken[*file].clone();
                candidate.extend(edits.iter().cloned());
                auditfix_transforms::apply_edits(&after.files[*file].source.text, &candidate).is_ok()
            });
            if !fits {
                continue;
            }
            for (file, edits) in &finding.edits {
                for edit in edits {
                    if !taken[*file].contains(edit) {
                        taken[*file].push(edit.clone());
                    }
                }
            }
            accepted.push(finding);
        }
        let mut broken = Vec::new();
        let mut texts = Vec::new();
        for (i, edits) in taken.iter().enumerate() {
            let text = &after.files[i].source.text;
            let new = auditfix_transforms::apply_edits(text, edits).unwrap_or_else(|_| text.clone());
            if breaks_syntax(&new) {
                broken.push(i);
                texts.push(text.clone());
            } else {
                texts.push(new);
            }
        }
        // A fix is kept whole or not at all: drop those touching a broken file.
        if !broken.is_empty() {
            let keep: Vec<_> = accepted
                .into_iter()
                .filter(|f| !f.edits.keys().any(|k| broken.contains(k)))
                .collect();
            for (i, file) in fixed.iter_mut().enumerate() {
                if broken.contains(&i) {
                    file.problems
                        .push("the callers' fixes would introduce a syntax error here; dropped".into());
                }
            }
            let mut retaken: Vec<Vec<auditfix_transforms::Edit>> = vec![Vec::new(); after.files.len()];
            for finding in &keep {
                for (file, edits) in &finding.edits {
                    for edit in edits {
                        if !retaken[*file].contains(edit) {
                            retaken[*file].push(edit.clone());
                        }
                    }
                }
            }
            texts = retaken
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    let text = &after.files[i].source.text;
                    auditfix_transforms::apply_edits(text, e).unwrap_or_else(|_| text.clone())
                })
                .collect();
            accepted = keep;
        }
        for (i, text) in texts.into_iter().enumerate() {
            fixed[i].fixed = text;
        }
        for finding in accepted {
            fixed[finding.file].applied.push(finding.diagnostic);
        }
    }

    /// The per-file checks, without the callers.
    fn check_files(&self) -> Vec<crate::checker::FileCheck> {
        self.files
            .par_iter()
            .map(|file| {
                if !file.candidate {
                    return crate::checker::FileCheck::default();
                }
                let enabled = self.enabled(&file.display);
                check_file(&file.source, &file.module, &self.index, &self.config.settings, &enabled)
            })
            .collect()
    }
}

/// The outcome of fixing one file.
pub struct FixedFile {
    pub path: PathBuf,
    pub display: PathBuf,
    pub original_bytes: Vec<u8>,
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
}

impl FixedFile {
    /// A file left as it was read.
    pub fn unchanged(file: &LoadedFile) -> FixedFile {
        FixedFile {
            path: file.path.clone(),
            display: file.display.clone(),
            original_bytes: file.bytes.clone(),
            original: file.source.text.clone(),
            fixed: file.source.text.clone(),
            bom: file.source.bom,
            applied: Vec::new(),
            remaining: Vec::new(),
            problems: Vec::new(),
        }
    }

    pub fn changed(&self) -> bool {
        self.original != self.fixed
    }

    /// The bytes to write (the BOM restored).
    pub fn fixed_bytes(&self) -> Vec<u8> {
        SourceFile::to_bytes(&self.fixed, self.bom)
    }
}

/// Converge the fixes of one file.
pub fn fix_file(
    file: &LoadedFile,
    index: &RepoIndex,
    config: &Config,
    enabled: &dyn Fn(Rule) -> bool,
    unsafe_fixes: bool,
) -> FixedFile {
    let settings = &config.settings;
    let mut text = file.source.text.clone();
    let mut applied: Vec<Diagnostic> = Vec::new();
    let mut problems = Vec::new();
    // Fixes that broke the syntax: (rule, start offset in the text they were computed on, that text's length).
    let mut rejected: Vec<(Rule, usize, usize)> = Vec::new();
    let mut remaining = Vec::new();
    let mut settled = false;
    for pass in 0..MAX_PASSES {
        // The first pass works on the file as loaded (parsed already).
        let reparsed;
        let (source, module) = if pass == 0 {
            (&file.source, &file.module)
        } else {
            let Ok(source) = SourceFile::parse(text.clone(), file.source.bom) else {
                // Cannot happen: every accepted pass re-parsed cleanly.
                problems.push("internal error: a fixed text failed to parse; its fixes were not kept".into());
                text = file.source.text.clone();
                break;
            };
            let module = ModuleFacts::collect(file.module.name.clone(), source.root(), &source.text);
            reparsed = (source, module);
            (&reparsed.0, &reparsed.1)
        };
        let result = check_file(source, module, index, settings, enabled);
        let (fixable, rest): (Vec<Diagnostic>, Vec<Diagnostic>) = result
            .diagnostics
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
        let new_text = if removes {
            remove_imports_left_unused(&text, outcome.output)
        } else {
            outcome.output
        };
        if breaks_syntax(&new_text) {
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
        }
        for i in outcome.applied {
            applied.push(ordered[i].clone());
        }
        if new_text == text {
            settled = true;
            break;
        }
        text = new_text;
    }
    if !settled {
        problems.push(format!(
            "fixes did not settle after {MAX_PASSES} passes; the last stable text is shown"
        ));
    }
    FixedFile {
        path: file.path.clone(),
        display: file.display.clone(),
        original_bytes: file.bytes.clone(),
        original: file.source.text.clone(),
        fixed: text,
        bom: file.source.bom,
        applied,
        remaining,
        problems,
    }
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
    let before_tree = crate::analysis::source::parse(before);
    let before_uses = load_counts(before_tree.root_node(), before);
    let mut text = after;
    // One removal per round: each changes the offsets of the others.
    for _ in 0..16 {
        let tree = crate::analysis::source::parse(&text);
        let uses = load_counts(tree.root_node(), &text);
        let module = ModuleFacts::collect(String::new(), tree.root_node(), &text);
        let candidate = module.bindings.iter().find_map(|(name, binding)| match binding {
            Binding::From { name: imported, .. }
                if imported == name
                    && before_uses.get(name).copied().unwrap_or(0) > 0
                    && uses.get(name).copied().unwrap_or(0) == 0 =>
            {
                auditfix_transforms::add_import::remove_import_name(&text, tree.root_node(), name)
            }
            _ => None,
        });
        let Some(edit) = candidate else { break };
        match auditfix_transforms::apply_edits(&text, &[edit]) {
            Ok(next) => text = next,
            Err(_) => break,
        }
    }
    text
}

/// Count the findings with an unsafe fix among `diagnostics`.
pub fn unsafe_only(diagnostics: &[Diagnostic]) -> usize {
    diagnostics
        .iter()
        .filter(|d| {
            d.fix
                .as_ref()
                .is_some_and(|f| f.applicability() == Applicability::Unsafe)
        })
        .count()
}

/// Apply a chosen subset of fixes to `text` in one go (what `--interactive`
/// accepted): identical edits merged, an import left unused by them
/// removed, and the result re-parsed. `Err` says why nothing may be written:
/// fixes that conflict with each other, or a syntax error in the result.
pub fn apply_selected(text: &str, fixes: &[&auditfix_transforms::Fix]) -> Result<String, String> {
    let outcome = apply_fixes(text, fixes.iter().copied());
    if let Some((index, error)) = outcome.skipped.first() {
        return Err(format!(
            "fix {} of the selection conflicts with another: {error}",
            index + 1
        ));
    }
    let fixed = remove_imports_left_unused(text, outcome.output);
    if let Some(message) = crate::analysis::source::syntax_error(&crate::analysis::source::parse(&fixed), &fixed) {
        return Err(format!("the accepted fixes together would introduce a {message}"));
    }
    Ok(fixed)
}
