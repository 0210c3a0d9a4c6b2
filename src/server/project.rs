//! One workspace folder of the editor as the server keeps it: its
//! configuration and its files, loaded once as the command line loads them
//! (the walk, the byte scan of every file), and the last analysis, made
//! over the files with the open documents' texts in place of the disk's.
//!
//! Turning findings into LSP diagnostics, code actions and hover text is
//! here too; the protocol loop (which message does what, when) is in the
//! module above, positions and edits in `convert`.

use super::convert::{self, LineIndex};
use super::documents::{canonical, path_to_uri, Document, Documents, FileMap};
use crate::config::{self, Overrides};
use crate::diagnostic::Diagnostic;
use crate::pipeline::{CrossFileFix, Workspace};
use crate::rules::Rule;
use auditfix_transforms::Applicability;
use lsp_types::{
    CodeAction, CodeActionKind, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Position,
    TextEdit, Uri, WorkspaceEdit,
};
use std::collections::HashMap;
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
    /// configuration or the set of files changes.
    base: Workspace,
    files: FileMap,
    /// The last analysis, `None` before the first.
    analysis: Option<Analysis>,
    /// Why the folder's configuration cannot be used, when it cannot (the
    /// defaults are used meanwhile).
    pub config_error: Option<String>,
}

/// The findings of the project with the open documents' texts.
struct Analysis {
    workspace: Workspace,
    /// The findings of each file, by position in the workspace.
    findings: HashMap<usize, Vec<Diagnostic>>,
    cross: Vec<CrossFileFix>,
    /// The texts of the open documents the analysis read, by position.
    overlays: HashMap<usize, String>,
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
        base.keep_parsed();
        let files = FileMap::new(base.files.iter().map(|f| (f.id, &*f.path)));
        Project {
            root,
            base,
            files,
            analysis: None,
            config_error,
        }
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
    /// files, their scan and index reused), keeping the findings.
    pub fn analyse(&mut self, documents: &Documents) {
        let overlays = self.files.overlays(documents.under(&self.root));
        let workspace = self.base.derive(&overlays);
        let (result, cross) = workspace.check_with_cross_file_fixes();
        let by_display: HashMap<&Path, usize> = workspace.files.iter().map(|f| (&*f.display, f.id)).collect();
        let mut findings: HashMap<usize, Vec<Diagnostic>> = HashMap::new();
        for report in result.files {
            if let Some(id) = by_display.get(report.path.as_path()) {
                findings.entry(*id).or_default().extend(report.diagnostics);
            }
        }
        self.analysis = Some(Analysis {
            workspace,
            findings,
            cross,
            overlays,
        });
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
/// in `data` (with the fix's applicability), and, for a fix that changes
/// other files too, where it changes them.
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

#[cfg(test)]
mod tests {
    use super::*;

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
