//! One workspace folder of the editor as the server keeps it: its
//! configuration and its files, loaded once as the command line loads them
//! (the walk, the byte scan of every file), and the last analysis, made
//! over the files with the open documents' texts in place of the disk's.
//! Each analysis after the first is incremental: a file's per-file part is
//! made again only when its text changed or when it read (or looked up a
//! name defined in) a file whose text changed, or, after files were created
//! or deleted, when it may see one of them; the callers' step runs over all
//! parts. Tests below hold it to a full analysis of the same texts.
//!
//! Turning findings into LSP diagnostics, code actions and hover text is
//! here too; the protocol loop (which message does what, when) is in the
//! module above, positions and edits in `convert`.

use super::convert::{self, LineIndex};
use super::documents::{canonical, path_to_uri, Document, Documents, FileMap};
use crate::analysis::index::{class_keys, facts_keys, module_name_keys, Reads};
use crate::callers::{Definitions, Naming};
use crate::checker::FileCheck;
use crate::config::{self, Overrides};
use crate::diagnostic::Diagnostic;
use crate::pipeline::{CrossFileFix, Workspace};
use crate::rules::Rule;
use auditfix_transforms::Applicability;
use lsp_types::{
    CodeAction, CodeActionKind, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Position,
    TextEdit, Uri, WorkspaceEdit,
};
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// The kind of the "fix all safe" source action.
pub const FIX_ALL_KIND: &str = "source.fixAll.auditfix";

/// What the diagnostics say they come from.
pub const SOURCE: &str = "auditfix";

/// A workspace folder, loaded.
pub struct Project {
    /// The folder, canonical.
    pub root: PathBuf,
    /// The files as the disk has them: loaded once, reloaded only when the
    /// configuration or the set of files changes; a file changed on disk
    /// is read again alone.
    base: Workspace,
    files: FileMap,
    /// The last analysis, `None` before the first.
    analysis: Option<Analysis>,
    /// The per-file part of the last analysis of each file, by position
    /// (`None`: to make), kept for the next one.
    parts: Vec<Option<Part>>,
    /// Files changed on disk since the last analysis (by position).
    changed_on_disk: HashSet<usize>,
    /// Whether files were created or deleted on disk since the last
    /// analysis: the next one walks the folder again.
    files_moved: bool,
    /// Why the folder's configuration cannot be used, when it cannot (the
    /// defaults are used meanwhile).
    pub config_error: Option<String>,
}

/// What the per-file check of one file made, and what it read of the
/// index to make it: the part stays good while no file it read, and no
/// file defining a name it looked up, changes.
struct Part {
    check: FileCheck,
    definitions: Option<Definitions>,
    reads: Reads,
}

impl Part {
    /// A copy for the callers' step, which takes its parts whole.
    fn copies(&self) -> (FileCheck, Option<Definitions>) {
        let check = FileCheck {
            diagnostics: self.check.diagnostics.clone(),
            write_methods: self.check.write_methods.clone(),
            needs_user: self.check.needs_user.clone(),
            suppressed: self.check.suppressed.clone(),
            unproven_sessions: self.check.unproven_sessions.clone(),
            unstamped: self.check.unstamped.clone(),
            conventions: self.check.conventions.clone(),
        };
        (check, self.definitions.clone())
    }
}

/// The findings of the project with the open documents' texts.
struct Analysis {
    workspace: Workspace,
    /// The findings of each file, by position in the workspace.
    findings: HashMap<usize, Vec<Diagnostic>>,
    cross: Vec<CrossFileFix>,
    /// The texts of the open documents the analysis read, by position.
    overlays: HashMap<usize, String>,
    /// How many files it checked again.
    rechecked: usize,
    /// Each module's file, by dotted name.
    modules: HashMap<String, usize>,
}

impl Analysis {
    /// The text the analysis read for file `id`.
    fn text(&self, id: usize) -> Option<String> {
        match self.overlays.get(&id) {
            Some(text) => Some(text.clone()),
            None => self.workspace.files.get(id)?.read_text().ok(),
        }
    }

    /// The cross-file fix of a finding of file `id`, if its fix spans files.
    fn cross_file_fix(&self, id: usize, d: &Diagnostic) -> Option<&CrossFileFix> {
        self.cross
            .iter()
            .find(|c| c.file == id && c.rule == d.rule && c.range == d.range)
    }

    /// The URI of file `id`.
    fn uri(&self, id: usize) -> Option<Uri> {
        path_to_uri(&canonical(&self.workspace.files.get(id)?.path))
    }
}

impl Project {
    /// Load the folder `root` as `auditfix check ROOT` would: its
    /// configuration (`[tool.auditfix]` of `pyproject.toml`,
    /// `auditfix.toml`), then every Python file it holds.
    pub fn load(root: &Path) -> Project {
        let root = canonical(root);
        let paths = [root.clone()];
        let (config, config_error) = match config::load(&paths, &Overrides::default()) {
            Ok(config) => (config, None),
            Err(error) => (config::Config::default(), Some(error.to_string())),
        };
        let base = Workspace::load(&paths, config);
        keep_warm(&base);
        let files = FileMap::new(base.files.iter().map(|f| (f.id, &*f.path)));
        let parts = (0..base.files.len()).map(|_| None).collect();
        Project {
            root,
            base,
            files,
            analysis: None,
            parts,
            changed_on_disk: HashSet::new(),
            files_moved: false,
            config_error,
        }
    }

    /// Note that the file at canonical `path` changed on disk: the next
    /// analysis reads it again (an open document's text still stands for
    /// it while open).
    pub fn changed_on_disk(&mut self, path: &Path) {
        if let Some(id) = self.files.id(path) {
            self.changed_on_disk.insert(id);
        }
    }

    /// Note that a Python file was created or deleted in the folder: the
    /// next analysis walks it again. The files both walks found keep their
    /// trees, facts and parts; a part is made again when it read a module
    /// gone, or looked up a class or a module name a file created or
    /// deleted defines, or went through every module.
    pub fn files_moved(&mut self) {
        self.files_moved = true;
    }

    /// Whether a document at canonical `path` belongs to this folder.
    pub fn contains(&self, path: &Path) -> bool {
        path.starts_with(&self.root)
    }

    /// Whether the walk found the file at canonical `path`.
    pub fn knows(&self, path: &Path) -> bool {
        self.files.id(path).is_some()
    }

    /// Check the project again with the open documents' texts (the base's
    /// files, their scan and index reused), keeping the findings. Only the
    /// files whose text changed since the last analysis, and the files
    /// whose per-file check read one of them or looked up a name one of
    /// them defines (or defined), are checked again; the others' parts are
    /// reused. The callers' step runs over all parts.
    pub fn analyse(&mut self, documents: &Documents) {
        // Each file's position in the last analysis (`None`: new).
        let was: Vec<Option<usize>> = if std::mem::take(&mut self.files_moved) {
            self.refile()
        } else {
            (0..self.base.files.len()).map(Some).collect()
        };
        let mut now: HashMap<usize, usize> = HashMap::new();
        for (id, old) in was.iter().enumerate() {
            if let Some(old) = old {
                now.insert(*old, id);
            }
        }
        let overlays = self.files.overlays(documents.under(&self.root));
        let before = self.analysis.take();
        let on_disk: HashSet<usize> = std::mem::take(&mut self.changed_on_disk);
        // The texts the last analysis read, for the files that may differ
        // now (a closed file's text is read from disk, where it may be new
        // already: a file changed on disk counts as changed).
        let mut maybe: HashSet<usize> = on_disk.clone();
        if let Some(before) = &before {
            maybe.extend(before.overlays.keys().filter_map(|old| now.get(old)));
        }
        maybe.extend(overlays.keys());
        let old_texts: HashMap<usize, Option<String>> = match &before {
            Some(before) => maybe
                .iter()
                .map(|id| (*id, was[*id].and_then(|old| before.text(old))))
                .collect(),
            None => HashMap::new(),
        };
        // What the files changed on disk defined, by the base's facts.
        let old_keys: HashMap<usize, Vec<u32>> = on_disk
            .iter()
            .filter_map(|id| Some((*id, facts_keys(self.base.index.facts_made(*id)?).to_vec())))
            .collect();
        self.refresh_from_disk(&on_disk);
        let workspace = self.base.derive(&overlays);
        // The open documents parsed once, for every step.
        overlays.keys().collect::<Vec<_>>().par_iter().for_each(|id| {
            if let Some(file) = workspace.files.get(**id) {
                file.source();
            }
        });
        // The files that changed, with the class keys they had or have, and
        // whether other files can see the change (through the index).
        let mut changed: Vec<(usize, Vec<u32>, bool)> = Vec::new();
        for (id, old) in &old_texts {
            let new = match overlays.get(id) {
                Some(text) => Some(text.clone()),
                None => workspace.files.get(*id).and_then(|f| f.read_text().ok()),
            };
            let from_disk = on_disk.contains(id) && !overlays.contains_key(id);
            if *old == new && !from_disk {
                continue;
            }
            let mut keys: Vec<u32> = old_keys.get(id).cloned().unwrap_or_default();
            for text in [old, &new].into_iter().flatten() {
                keys.extend(class_keys(text).iter());
            }
            let seen = from_disk
                || before
                    .as_ref()
                    .is_none_or(|b| seen_elsewhere(b, &workspace, *id, was[*id], old, &new));
            changed.push((*id, keys, seen));
        }
        let stale: Vec<usize> = (0..workspace.files.len())
            .filter(|id| match &self.parts[*id] {
                None => true,
                Some(part) => changed
                    .iter()
                    .any(|(c, keys, seen)| c == id || (*seen && part.reads.reach(*c, keys))),
            })
            .collect();
        let naming = Naming::new(&workspace);
        let made: Vec<(usize, Part)> = stale
            .par_iter()
            .map(|id| {
                let file = &workspace.files[*id];
                let ((check, definitions), reads) = Reads::record(|| workspace.check_file_part(file, &naming, true));
                (
                    *id,
                    Part {
                        check,
                        definitions,
                        reads,
                    },
                )
            })
            .collect();
        for (id, part) in made {
            self.parts[id] = Some(part);
        }
        let (checks, definitions): (Vec<FileCheck>, Vec<Option<Definitions>>) = self
            .parts
            .iter()
            .map(|part| part.as_ref().map(Part::copies).unwrap_or_default())
            .unzip();
        let (result, cross) = workspace.check_with_cross_file_fixes_from(checks, definitions);
        self.keep(workspace, result, cross, overlays, stale.len());
    }

    /// Walk the folder again after files were created or deleted: the base
    /// shares the files both walks found (their trees, facts and parts are
    /// kept), and loads the new ones. Returns each file's position before
    /// (`None`: new). A part is kept unless it read a module gone, or
    /// looked up a class or a module name that a file gone or new defines
    /// or is called (the lookup may find another now), or went through
    /// every module. A change of the project's code style (its packages)
    /// makes every part again.
    fn refile(&mut self) -> Vec<Option<usize>> {
        let paths = [self.root.clone()];
        let discovered = Workspace::discover(&paths, &self.base.config);
        let (base, was) = self.base.refile(&paths, discovered);
        keep_warm(&base);
        let mut now: Vec<Option<u32>> = vec![None; self.base.files.len()];
        for (id, old) in was.iter().enumerate() {
            if let Some(old) = old {
                now[*old] = u32::try_from(id).ok();
            }
        }
        let mut gone: HashSet<u32> = HashSet::new();
        let mut keys: HashSet<u32> = HashSet::new();
        let mut module_keys: HashSet<u32> = HashSet::new();
        let old_files = self.base.files.iter().filter(|f| now[f.id].is_none());
        for file in old_files {
            gone.extend(u32::try_from(file.id).ok());
            keys.extend(file.class_keys());
            module_keys.extend(module_name_keys(&self.base.module_name_of(file)));
        }
        for file in base.files.iter().filter(|f| was[f.id].is_none()) {
            keys.extend(file.class_keys());
            module_keys.extend(module_name_keys(&base.module_name_of(file)));
        }
        let moved = !module_keys.is_empty();
        let same_style = base.config.settings.code_style == self.base.config.settings.code_style;
        let mut parts = std::mem::take(&mut self.parts);
        self.parts = was
            .iter()
            .map(|old| {
                let mut part = parts.get_mut((*old)?)?.take().filter(|_| same_style)?;
                let reads = &part.reads;
                let reached = reads.modules.iter().any(|m| gone.contains(m))
                    || reads.class_keys.iter().any(|k| keys.contains(k))
                    || reads.module_keys.iter().any(|k| module_keys.contains(k))
                    || (moved && reads.every_module);
                if reached {
                    return None;
                }
                part.reads.modules = part
                    .reads
                    .modules
                    .iter()
                    .filter_map(|m| now.get(*m as usize).copied().flatten())
                    .collect();
                Some(part)
            })
            .collect();
        self.changed_on_disk = self
            .changed_on_disk
            .iter()
            .filter_map(|old| now[*old].map(|id| id as usize))
            .collect();
        self.files = FileMap::new(base.files.iter().map(|f| (f.id, &*f.path)));
        self.base = base;
        was
    }

    /// Read again from disk the files of `ids` (changed outside the
    /// editor, or saved), so that the base has their new text (an open
    /// document's text still stands for its file while open).
    fn refresh_from_disk(&mut self, ids: &HashSet<usize>) {
        let mut replaced = HashMap::new();
        for id in ids {
            let Some(file) = self.base.files.get(*id) else { continue };
            let Ok(bytes) = crate::files::read_regular(&file.path, crate::files::SOURCE_CAP) else {
                continue;
            };
            let Ok((text, _)) = crate::analysis::source::decode_owned(bytes) else {
                continue;
            };
            replaced.insert(*id, text);
        }
        if !replaced.is_empty() {
            self.base = self.base.derive(&replaced);
            keep_warm(&self.base);
        }
    }

    /// Keep an analysis's findings, by file.
    fn keep(
        &mut self,
        workspace: Workspace,
        result: crate::diagnostic::CheckResult,
        cross: Vec<CrossFileFix>,
        overlays: HashMap<usize, String>,
        rechecked: usize,
    ) {
        let by_display: HashMap<&Path, usize> = workspace.files.iter().map(|f| (&*f.display, f.id)).collect();
        let mut findings: HashMap<usize, Vec<Diagnostic>> = HashMap::new();
        for report in result.files {
            if let Some(id) = by_display.get(report.path.as_path()) {
                findings.entry(*id).or_default().extend(report.diagnostics);
            }
        }
        let modules = workspace
            .files
            .iter()
            .rev()
            .map(|f| (workspace.module_name_of(f), f.id))
            .collect();
        self.analysis = Some(Analysis {
            workspace,
            findings,
            cross,
            overlays,
            rechecked,
            modules,
        });
    }

    /// How many files the last analysis checked again (the others' per-file
    /// parts were reused).
    pub fn rechecked(&self) -> usize {
        self.analysis.as_ref().map_or(0, |a| a.rechecked)
    }

    /// The last analysis's findings of `document`, with the text they
    /// were found in; `None` before the first analysis or for a document
    /// the walk did not find.
    fn findings_of(&self, document: &Document) -> Option<(&Analysis, usize, &[Diagnostic])> {
        let analysis = self.analysis.as_ref()?;
        let id = self.files.id(&document.path)?;
        let findings = analysis.findings.get(&id).map_or(&[][..], Vec::as_slice);
        Some((analysis, id, findings))
    }

    /// The LSP diagnostics of an open document (empty when it has none
    /// or is not a file auditfix checks).
    pub fn diagnostics(&self, document: &Document) -> Vec<lsp_types::Diagnostic> {
        let Some((analysis, id, findings)) = self.findings_of(document) else {
            return Vec::new();
        };
        let text = &document.text;
        let index = LineIndex::new(text);
        findings.iter().map(|d| to_lsp(analysis, id, d, text, &index)).collect()
    }

    /// The code actions for `range` of an open document: a quick fix per
    /// finding there whose fix is allowed (unsafe ones only with
    /// `unsafe_fixes`), and the "fix all safe" source action, as `only`
    /// asks (`None`: every kind).
    pub fn code_actions(
        &self,
        document: &Document,
        range: lsp_types::Range,
        only: Option<&[CodeActionKind]>,
        unsafe_fixes: bool,
    ) -> Vec<CodeAction> {
        let Some((analysis, id, findings)) = self.findings_of(document) else {
            return Vec::new();
        };
        let wants = |kind: &CodeActionKind| {
            only.is_none_or(|only| {
                only.iter()
                    .any(|o| kind.as_str() == o.as_str() || kind.as_str().starts_with(&format!("{}.", o.as_str())))
            })
        };
        let text = &document.text;
        let index = LineIndex::new(text);
        let mut actions = Vec::new();
        if wants(&CodeActionKind::QUICKFIX) {
            for d in findings {
                let Some(fix) = &d.fix else { continue };
                let unsafe_fix = fix.applicability() == Applicability::Unsafe;
                if unsafe_fix && !unsafe_fixes {
                    continue;
                }
                let at = index.range(text, d.range.clone());
                if at.end < range.start || range.end < at.start {
                    continue;
                }
                let (edit, files) = match analysis.cross_file_fix(id, d) {
                    Some(cross) => match cross_file_edit(analysis, cross) {
                        Some(edit) => (edit, cross.edits.len()),
                        None => continue,
                    },
                    None => {
                        let edits = fix
                            .edits()
                            .iter()
                            .map(|e| convert::text_edit(text, &index, e))
                            .collect();
                        (WorkspaceEdit::new(HashMap::from([(document.uri.clone(), edits)])), 1)
                    }
                };
                actions.push(CodeAction {
                    title: quick_fix_title(d.rule, unsafe_fix, files),
                    kind: Some(CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![to_lsp(analysis, id, d, text, &index)]),
                    edit: Some(edit),
                    is_preferred: Some(!unsafe_fix),
                    ..CodeAction::default()
                });
            }
        }
        let fix_all = CodeActionKind::new(FIX_ALL_KIND);
        if wants(&fix_all) && findings.iter().any(|d| d.is_fixable_with(false)) {
            if let Some(edit) = self.fix_all_edit(analysis, id, document) {
                actions.push(CodeAction {
                    title: "Fix all safe auditfix findings".to_string(),
                    kind: Some(fix_all),
                    edit: Some(WorkspaceEdit::new(HashMap::from([(document.uri.clone(), vec![edit])]))),
                    ..CodeAction::default()
                });
            }
        }
        actions
    }

    /// The one edit of the document that applies every safe fix, as
    /// `auditfix fix --apply` would (converged, re-parsed).
    fn fix_all_edit(&self, analysis: &Analysis, id: usize, document: &Document) -> Option<TextEdit> {
        let workspace = &analysis.workspace;
        let file = workspace.files.get(id)?;
        let rules = |rule: Rule| workspace.config.rule_use(rule, &file.display);
        let fixed = crate::pipeline::fix_file(file, workspace, &rules, false)?;
        if fixed.original != document.text {
            return None;
        }
        convert::replacement(&fixed.original, &fixed.fixed)
    }

    /// The hover text at `position` of an open document: the documentation
    /// of each rule with a finding there, as `auditfix rules CODE` prints it.
    pub fn hover(&self, document: &Document, position: Position) -> Option<String> {
        let (_, _, findings) = self.findings_of(document)?;
        let text = &document.text;
        let index = LineIndex::new(text);
        let mut rules: Vec<Rule> = findings
            .iter()
            .filter(|d| {
                let at = index.range(text, d.range.clone());
                at.start <= position && position <= at.end
            })
            .map(|d| d.rule)
            .collect();
        rules.dedup();
        if rules.is_empty() {
            return None;
        }
        Some(
            rules
                .into_iter()
                .map(rule_documentation)
                .collect::<Vec<_>>()
                .join("\n\n---\n\n"),
        )
    }
}

/// Whether other files can see that file `id` changed from text `old` (as
/// analysis `before` read it) to `new` (as `workspace` has it): they see a
/// module only through the index, i.e. its facts and the class names a
/// byte scan finds in its text. An edit inside a method's body or a
/// comment, on one line, changes neither.
fn seen_elsewhere(
    before: &Analysis,
    workspace: &Workspace,
    id: usize,
    was: Option<usize>,
    old: &Option<String>,
    new: &Option<String>,
) -> bool {
    let (Some(old), Some(new), Some(was)) = (old, new, was) else {
        return true;
    };
    if class_keys(old) != class_keys(new) {
        return true;
    }
    let Some(was) = before.workspace.index.facts_made(was) else {
        return true;
    };
    let Some(file) = workspace.files.get(id) else {
        return true;
    };
    let is = file.kept_source().and_then(|source| workspace.module_of(file, source));
    is != Some(was)
}

/// Keep every file of `workspace` parsed, and every module's facts made:
/// each analysis then parses only the open documents. The callers' step
/// reads any file that may call an audited function, and reads it from
/// the tree kept here instead of parsing it (or reading the disk) again.
fn keep_warm(workspace: &Workspace) {
    workspace.keep_parsed();
    workspace.files.par_iter().for_each(|file| {
        file.source();
    });
}

/// A rule's documentation as Markdown: its code and name, the standard it
/// holds and its fix, and the explanation `auditfix rules CODE` prints.
pub fn rule_documentation(rule: Rule) -> String {
    format!(
        "**{}** `{}`\n\nStandard: {}    Fix: {}\n\n{}",
        rule.code(),
        rule.name(),
        rule.standard(),
        rule.fix_availability(),
        crate::commands::rules::explanation(rule)
    )
}

/// A quick fix's title: the rule, how many files it changes when more than
/// one, and whether it is unsafe.
fn quick_fix_title(rule: Rule, unsafe_fix: bool, files: usize) -> String {
    let mut title = format!("Fix {} ({})", rule.code(), rule.name());
    if files > 1 {
        title.push_str(&format!(" in {files} files"));
    }
    if unsafe_fix {
        title.push_str(" [unsafe]");
    }
    title
}

/// A cross-file fix as one edit of every file it changes.
fn cross_file_edit(analysis: &Analysis, cross: &CrossFileFix) -> Option<WorkspaceEdit> {
    let mut changes = HashMap::new();
    for (file, edits) in &cross.edits {
        let text = analysis.text(*file)?;
        let index = LineIndex::new(&text);
        let edits = edits.iter().map(|e| convert::text_edit(&text, &index, e)).collect();
        changes.insert(analysis.uri(*file)?, edits);
    }
    Some(WorkspaceEdit::new(changes))
}

/// A finding of file `id` as an LSP diagnostic: its rule's code, its name
/// in `data` (with the fix's applicability), and as related locations,
/// for a fix that changes other files too, where it changes them, and the
/// definitions of the model and the function called it names.
fn to_lsp(analysis: &Analysis, id: usize, d: &Diagnostic, text: &str, index: &LineIndex) -> lsp_types::Diagnostic {
    let related: Vec<DiagnosticRelatedInformation> = analysis
        .cross_file_fix(id, d)
        .into_iter()
        .flat_map(|cross| cross.edits.iter().filter(|(file, _)| **file != id))
        .filter_map(|(file, edits)| {
            let other = analysis.text(*file)?;
            let first = edits.iter().map(|e| e.start()).min()?;
            let at = LineIndex::new(&other).position(&other, first);
            Some(DiagnosticRelatedInformation {
                location: Location::new(analysis.uri(*file)?, lsp_types::Range::new(at, at)),
                message: "the fix changes this file too".to_string(),
            })
        })
        .collect();
    let mut related = related;
    related.extend(
        definitions_named(analysis, id, d, text)
            .into_iter()
            .filter_map(|(file, range, message)| {
                let other = analysis.text(file)?;
                let at = LineIndex::new(&other).range(&other, range);
                Some(DiagnosticRelatedInformation {
                    location: Location::new(analysis.uri(file)?, at),
                    message,
                })
            }),
    );
    let severity = if d.rule == Rule::ModelWithoutAuditMixin {
        DiagnosticSeverity::INFORMATION
    } else {
        DiagnosticSeverity::WARNING
    };
    lsp_types::Diagnostic {
        range: index.range(text, d.range.clone()),
        severity: Some(severity),
        code: Some(NumberOrString::String(d.rule.code().to_string())),
        code_description: None,
        source: Some(SOURCE.to_string()),
        message: format!("{} [{}]", d.message, d.rule.name()),
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: Some(serde_json::json!({
            "name": d.rule.name(),
            "fix": d.fix_applicability(),
        })),
    }
}

/// The rules whose findings are calls of a function of the repository.
const CALL_RULES: [Rule; 3] = [
    Rule::CallerDropsUser,
    Rule::PositionalShift,
    Rule::CallSignatureMismatch,
];

/// Where the repository defines what a finding of file `id` names, as the
/// analysis's index finds it: the model (a mapped class named in the
/// message or starting the finding's text) and, for a finding on a call,
/// the function called (named in the message; the caller itself is not
/// it). Each is `(file, bytes of the name at its definition, message)`.
fn definitions_named(analysis: &Analysis, id: usize, d: &Diagnostic, text: &str) -> Vec<(usize, Range<usize>, String)> {
    let workspace = &analysis.workspace;
    let index = &workspace.index;
    let mut names: Vec<&str> = d
        .message
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|n| !n.is_empty() && n.split('.').all(is_identifier))
        .collect();
    let start = text.get(d.range.start..).unwrap_or_default();
    let leading = &start[..start
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(start.len())];
    if is_identifier(leading) {
        names.push(leading);
    }
    let mut out = Vec::new();
    let model = names.iter().find_map(|name| {
        let class = name.rsplit('.').next()?;
        if !crate::checker::is_mapped(index, &workspace.config.settings, class) {
            return None;
        }
        let file = *analysis.modules.get(index.class_module(class)?)?;
        let line = index.class(class)?.line;
        let range = in_file(workspace, file, |source| class_name_at(&source.text, line, class))?;
        Some((file, range, format!("the model `{class}`")))
    });
    out.extend(model);
    if CALL_RULES.contains(&d.rule) {
        let module = workspace.index.facts_made(id);
        let callee = names.iter().find_map(|name| {
            let (file, qualified) = match name.split_once('.') {
                Some((class, _)) => (*analysis.modules.get(index.class_module(class)?)?, name.to_string()),
                None => {
                    let resolver = crate::analysis::resolve::Resolver { index, module: module? };
                    let (defining, local) = resolver.definition(name)?;
                    (*analysis.modules.get(defining.name.as_str())?, local.to_string())
                }
            };
            let range = in_file(workspace, file, |source| {
                crate::analysis::functions::functions(source.root(), &source.text)
                    .into_iter()
                    // The last `def` of the name binds it; the caller
                    // itself is named too, and is no callee.
                    .rev()
                    .find(|f| f.qualified == qualified && (file != id || !f.node.byte_range().contains(&d.range.start)))
                    .and_then(|f| f.node.child_by_field_name("name"))
                    .map(|n| n.byte_range())
            })?;
            Some((file, range, format!("the function called, `{qualified}`")))
        });
        out.extend(callee);
    }
    out
}

/// `f` of file `file`'s tree (kept, or parsed for the moment).
fn in_file<R>(
    workspace: &Workspace,
    file: usize,
    f: impl FnOnce(&crate::analysis::source::SourceFile) -> Option<R>,
) -> Option<R> {
    workspace.files.get(file)?.with_source(f).flatten()
}

/// The bytes of `name` after `class` on line `line` (1-based) of `text`.
fn class_name_at(text: &str, line: usize, name: &str) -> Option<Range<usize>> {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.checked_sub(1)?)
        .map(str::len)
        .sum();
    let line_text = text.get(start..)?.lines().next()?;
    let keyword = line_text.find("class")?;
    let at = keyword + line_text[keyword..].find(name)?;
    Some(start + at..start + at + name.len())
}

fn is_identifier(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// The end-to-end test's project, with a module that re-exports what a
    /// second service star-imports.
    fn project() -> tempfile::TempDir {
        let dir = crate::server::tests::copy_test_project(&["app/routes.py"]);
        std::fs::write(
            dir.path().join("app/common.py"),
            "from datetime import datetime\n\nfrom app.models import Widget\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("app/gadgets.py"),
            "from app.common import *\n\n\nclass GadgetService:\n    def __init__(self, db):\n        self.db = db\n\n    def add(self, name: str):\n        widget = Widget(name=name)\n        self.db.add(widget)\n        self.db.commit()\n        return widget\n",
        )
        .unwrap();
        // A module that defines no class yet.
        std::fs::write(
            dir.path().join("app/stamps.py"),
            "\"\"\"Audit bases.\"\"\"\n\nfrom app.audit import AuditMixin\n",
        )
        .unwrap();
        dir
    }

    /// Everything an analysis found, by file: each finding with its fix's
    /// edits, and the fixes spanning files.
    fn found(project: &Project) -> BTreeMap<String, String> {
        let analysis = project.analysis.as_ref().unwrap();
        let mut out: BTreeMap<String, String> = analysis
            .workspace
            .files
            .iter()
            .map(|f| {
                let findings = analysis.findings.get(&f.id).map_or(&[][..], Vec::as_slice);
                (f.display.display().to_string(), format!("{findings:#?}"))
            })
            .collect();
        out.insert("(cross-file fixes)".into(), format!("{:#?}", analysis.cross));
        out
    }

    /// What a fresh load of the folder finds with the same documents: the
    /// reference an incremental analysis must agree with.
    fn from_scratch(root: &Path, documents: &Documents) -> BTreeMap<String, String> {
        let mut fresh = Project::load(root);
        fresh.analyse(documents);
        found(&fresh)
    }

    /// The next analysis's findings, held to a fresh load's; `what` says
    /// when.
    fn analysed(project: &mut Project, documents: &Documents, what: &str) -> BTreeMap<String, String> {
        project.analyse(documents);
        let found = found(project);
        assert_eq!(found, from_scratch(&project.root, documents), "{what}");
        found
    }

    /// [`analysed`] after files were created or deleted on disk (the
    /// folder walked again).
    fn walked_again(project: &mut Project, documents: &Documents, what: &str) -> BTreeMap<String, String> {
        project.files_moved();
        analysed(project, documents, what)
    }

    fn file_of<'a>(found: &'a BTreeMap<String, String>, name: &str) -> &'a str {
        found
            .iter()
            .find(|(k, _)| k.ends_with(name))
            .map(|(_, v)| v.as_str())
            .unwrap()
    }

    #[test]
    fn an_incremental_analysis_finds_what_a_full_one_finds_and_rechecks_only_what_an_edit_reaches() {
        let dir = project();
        let root = canonical(dir.path());
        let path = |name: &str| root.join("app").join(name);
        let uri = |name: &str| path_to_uri(&path(name)).unwrap();
        let read = |name: &str| std::fs::read_to_string(path(name)).unwrap();
        let mut documents = Documents::default();
        documents.open(uri("service.py"), read("service.py"), 1).unwrap();
        documents.open(uri("routes.py"), read("routes.py"), 1).unwrap();
        let mut project = Project::load(&root);
        let files = project.base.files.len();
        project.analyse(&documents);
        assert_eq!(project.rechecked(), files, "the first analysis checks everything");
        let first = found(&project);
        assert_eq!(first, from_scratch(&root, &documents));
        assert!(
            file_of(&first, "service.py").contains("MissingAuditSetter"),
            "{first:#?}"
        );

        // 1. The star-imported module stops binding `datetime`: the fix of
        //    the module importing it must now import it.
        documents
            .open(uri("common.py"), "from app.models import Widget\n".into(), 1)
            .unwrap();
        let star = analysed(&mut project, &documents, "after the star-imported module changed");
        assert_ne!(file_of(&star, "gadgets.py"), file_of(&first, "gadgets.py"));

        // 2. The model drops the mixin (unsaved): the service's findings change.
        let models = read("models.py");
        documents
            .open(uri("models.py"), models.replace("(Base, AuditMixin)", "(Base)"), 1)
            .unwrap();
        let dropped = analysed(&mut project, &documents, "after the mixin is dropped");
        assert_ne!(file_of(&dropped, "service.py"), file_of(&star, "service.py"));
        assert_ne!(file_of(&dropped, "gadgets.py"), file_of(&star, "gadgets.py"));

        // The model takes a base no module defines; then a module defines
        // it, with the mixin: the service did not read that module, it
        // looked the name up.
        documents.get_mut(&uri("models.py")).unwrap().text = models.replace("(Base, AuditMixin)", "(Base, Stamped)");
        let undefined = analysed(&mut project, &documents, "with an undefined base");
        let stamps = read("stamps.py") + "\n\nclass Stamped(AuditMixin):\n    pass\n";
        documents.open(uri("stamps.py"), stamps, 1).unwrap();
        let defined = analysed(&mut project, &documents, "after the base was defined");
        assert_ne!(file_of(&defined, "service.py"), file_of(&undefined, "service.py"));

        // 3. The service changes: a second write method.
        let service = read("service.py").replace(
            "        return widget\n",
            "        return widget\n\n    def rename(self, widget: Widget, name: str) -> Widget:\n        widget.name = name\n        self.db.commit()\n        return widget\n",
        );
        documents.get_mut(&uri("service.py")).unwrap().text = service;
        let renamed = analysed(&mut project, &documents, "after the service changed");
        assert_ne!(file_of(&renamed, "service.py"), file_of(&defined, "service.py"));
        assert!(
            project.rechecked() < files,
            "{} of {files} files checked again",
            project.rechecked()
        );

        // An edit other files cannot see (a comment on a line of the
        // model's module changes neither its facts nor its classes): only
        // that file is checked again.
        let text = &mut documents.get_mut(&uri("models.py")).unwrap().text;
        *text = text.replacen("    pass\n", "    pass  # the declarative base\n", 1);
        analysed(&mut project, &documents, "after a comment");
        assert_eq!(project.rechecked(), 1);

        // 4. The model's document is closed: the disk's text counts again.
        documents.close(&uri("models.py")).unwrap();
        analysed(&mut project, &documents, "after the model was closed");

        // 5. A closed file changes on disk: the mixin loses its setters.
        let audit = read("audit.py").replace("def set_created_by", "def set_made_by");
        std::fs::write(path("audit.py"), audit).unwrap();
        project.changed_on_disk(&path("audit.py"));
        let disk = analysed(&mut project, &documents, "after the mixin changed on disk");
        assert_ne!(file_of(&disk, "service.py"), file_of(&renamed, "service.py"));

        // 6. An edit nothing depends on: only that file is checked again.
        let routes = read("routes.py") + "\n# a comment\n";
        documents.get_mut(&uri("routes.py")).unwrap().text = routes;
        analysed(&mut project, &documents, "after the routes changed");
        assert_eq!(project.rechecked(), 1);

        // 7. A file is created on disk (a new model and its service): the
        //    folder is walked again, and what the others made is kept.
        std::fs::write(
            path("parts.py"),
            "from app.models import Base\nfrom app.audit import AuditMixin\n\n\nclass Part(Base, AuditMixin):\n    __tablename__ = \"parts\"\n\n\nclass PartService:\n    def __init__(self, db):\n        self.db = db\n\n    def create_part(self):\n        part = Part()\n        self.db.add(part)\n        self.db.commit()\n        return part\n",
        )
        .unwrap();
        let created = walked_again(&mut project, &documents, "after a file was created");
        assert!(file_of(&created, "parts.py").contains("PartService"), "{created:#?}");
        assert!(project.rechecked() < files, "{} checked again", project.rechecked());

        // Files first in order move every other one places: what a part
        //    read is known by the new places. The star-imported module
        //    binds `datetime` again (it defines no class: only the module
        //    read reaches the module importing it).
        for name in ["aa1.py", "aa2.py", "aa3.py", "aa4.py", "aa5.py"] {
            std::fs::write(path(name), "x = 1\n").unwrap();
        }
        walked_again(&mut project, &documents, "after files first in order");
        let kept = found(&project);
        documents.get_mut(&uri("common.py")).unwrap().text =
            "from datetime import datetime\n\nfrom app.models import Widget\n".into();
        let rebound = analysed(
            &mut project,
            &documents,
            "after the star-imported module changed, moved",
        );
        assert_ne!(file_of(&rebound, "gadgets.py"), file_of(&kept, "gadgets.py"));
        documents
            .open(
                uri("models.py"),
                read("models.py").replace("(Base, AuditMixin)", "(Base)"),
                1,
            )
            .unwrap();
        let moved = analysed(&mut project, &documents, "after the model changed, moved");
        assert_ne!(file_of(&moved, "service.py"), file_of(&kept, "service.py"));
        // The model takes a base no module defines, then a new module that
        // nobody imports defines it: the service looked the name up.
        documents.get_mut(&uri("models.py")).unwrap().text =
            read("models.py").replace("(Base, AuditMixin)", "(Base, Marked)");
        let unmarked = analysed(&mut project, &documents, "with an undefined base");
        std::fs::write(
            path("marks.py"),
            "from app.audit import AuditMixin\n\n\nclass Marked(AuditMixin):\n    pass\n",
        )
        .unwrap();
        let marked = walked_again(&mut project, &documents, "after a module defined the base");
        assert_ne!(file_of(&marked, "service.py"), file_of(&unmarked, "service.py"));
        documents.close(&uri("models.py")).unwrap();

        // 8. The star-imported module is deleted (its document closed first):
        //    the module importing it finds nothing there any more.
        documents.close(&uri("common.py")).unwrap();
        project.analyse(&documents);
        let before = found(&project);
        std::fs::remove_file(path("common.py")).unwrap();
        let deleted = walked_again(&mut project, &documents, "after a file was deleted");
        assert_ne!(file_of(&deleted, "gadgets.py"), file_of(&before, "gadgets.py"));
        assert!(!deleted.keys().any(|k| k.ends_with("common.py")));

        // 9. It comes back: the lookup of its name finds it again (the
        //    module importing it read no module of that name before).
        std::fs::write(
            path("common.py"),
            "from datetime import datetime\n\nfrom app.models import Widget\n",
        )
        .unwrap();
        let back = walked_again(&mut project, &documents, "after a file was created again");
        assert_eq!(file_of(&back, "gadgets.py"), file_of(&before, "gadgets.py"));

        // 10. A service is renamed (deleted and created), and a file the walk
        //     skips is created: only the walk is made again for the latter.
        std::fs::rename(path("gadgets.py"), path("gizmos.py")).unwrap();
        let renamed = walked_again(&mut project, &documents, "after a file was renamed");
        assert!(renamed.keys().any(|k| k.ends_with("gizmos.py")));
        std::fs::create_dir_all(root.join(".venv")).unwrap();
        std::fs::write(root.join(".venv/skipped.py"), "x = 1\n").unwrap();
        let skipped = walked_again(&mut project, &documents, "after a skipped file was created");
        assert_eq!(skipped, renamed);
        assert_eq!(project.rechecked(), 0);
    }

    #[test]
    fn a_file_created_reaches_the_lookups_of_its_classes_and_what_went_through_every_module() {
        // A mixin whose `created_by` column is text, with no setter: what
        // goes in it is what the code writes into it elsewhere, which the
        // service's check learns by going through every module.
        let dir = tempfile::tempdir().unwrap();
        let root = canonical(dir.path());
        let app = root.join("app");
        std::fs::create_dir_all(&app).unwrap();
        std::fs::write(root.join("pyproject.toml"), "[project]\nname = \"x\"\n").unwrap();
        let models = "from datetime import datetime\n\nfrom sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n\n\n\
            class Base(DeclarativeBase):\n    pass\n\n\n\
            class AuditMixin:\n    created_at: Mapped[datetime] = mapped_column()\n    created_by: Mapped[str] = mapped_column()\n\n\n\
            class User(Base):\n    __tablename__ = \"users\"\n    id: Mapped[int] = mapped_column(primary_key=True)\n    username: Mapped[str] = mapped_column()\n\n\n\
            class Item(Base, AuditMixin):\n    __tablename__ = \"items\"\n    id: Mapped[int] = mapped_column(primary_key=True)\n\n\n\
            class Tag(Base, Tagged):\n    __tablename__ = \"tags\"\n    id: Mapped[int] = mapped_column(primary_key=True)\n";
        let service = "from sqlalchemy.orm import Session\n\nfrom app.models import Item, Tag, User\n\n\n\
            class ItemService:\n    def __init__(self, db: Session):\n        self.db = db\n\n\
            \x20   def create_item(self, data, current_user: User):\n        item = Item()\n        self.db.add(item)\n        self.db.commit()\n        return item\n\n\
            \x20   def create_tag(self, data):\n        tag = Tag()\n        self.db.add(tag)\n        self.db.commit()\n        return tag\n";
        for (name, text) in [("__init__.py", ""), ("models.py", models), ("service.py", service)] {
            std::fs::write(app.join(name), text).unwrap();
        }
        let documents = Documents::default();
        let mut project = Project::load(&root);
        project.analyse(&documents);
        let first = found(&project);
        assert_eq!(first, from_scratch(&root, &documents));
        assert!(
            !file_of(&first, "service.py").contains("MissingAuditSetter"),
            "{first:#?}"
        );
        // A job writes the user's name into the column: the service's
        // create now has a stamp to miss.
        std::fs::write(
            app.join("jobs.py"),
            "from app.models import Item, User\n\n\ndef mark(item: Item, current_user: User):\n    item.created_by = current_user.username\n",
        )
        .unwrap();
        let written = walked_again(&mut project, &documents, "after a job was created");
        assert_ne!(file_of(&written, "service.py"), file_of(&first, "service.py"));
        // A module nobody imports defines the base `Tag` names: a lookup of
        // the class by name finds it now.
        std::fs::write(
            app.join("tagging.py"),
            "from app.models import AuditMixin\n\n\nclass Tagged(AuditMixin):\n    pass\n",
        )
        .unwrap();
        let tagged = walked_again(&mut project, &documents, "after a base was defined");
        assert!(
            file_of(&written, "service.py").contains("ModelWithoutAuditMixin"),
            "{written:#?}"
        );
        assert!(
            !file_of(&tagged, "service.py").contains("ModelWithoutAuditMixin"),
            "{tagged:#?}"
        );
        // A new top-level package: the code style's first-party packages
        // (how a fix sorts the imports it adds) change, so every part is
        // made again.
        let files = project.base.files.len();
        std::fs::create_dir_all(root.join("tools")).unwrap();
        std::fs::write(root.join("tools/extra.py"), "x = 1\n").unwrap();
        walked_again(&mut project, &documents, "with a new package");
        let first_party = &project.base.config.settings.code_style.imports.first_party;
        assert!(first_party.iter().any(|p| p == "tools"), "{first_party:?}");
        assert_eq!(project.rechecked(), files + 1);
    }

    #[test]
    fn titles_say_the_rule_the_files_and_when_a_fix_is_unsafe() {
        let rule = Rule::MissingExplicitTimestamp;
        assert_eq!(
            quick_fix_title(rule, false, 1),
            format!("Fix {} ({})", rule.code(), rule.name())
        );
        let title = quick_fix_title(Rule::CallerDropsUser, true, 2);
        assert!(title.contains("AUD012") && title.contains("in 2 files") && title.ends_with("[unsafe]"));
    }

    #[test]
    fn the_hover_documentation_is_what_the_rules_command_prints() {
        for rule in Rule::ALL {
            let doc = rule_documentation(*rule);
            assert!(doc.starts_with(&format!("**{}**", rule.code())));
            assert!(doc.ends_with(&crate::commands::rules::explanation(*rule)));
            assert!(doc.contains("## What it does") || doc.contains("What it does"), "{doc}");
        }
    }
}
