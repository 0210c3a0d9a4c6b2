//! Hunks: what `fix --interactive` asks about, always made of whole fixes.
//!
//! What lives here: [`FileReview`], one file's offered fixes grouped into
//! [`Hunk`]s, and what a set of accepted hunks does to the file. A hunk is
//! the fixes of one write method (the findings sharing a `function`); a
//! finding outside any write method is a hunk of its own. Equal fixes of
//! several findings are one [`Offer`]. Splitting gives one hunk per offer.
//! What does not live here: the decisions (`review`), the prompt and the
//! writing (`session`).
//!
//! Texts are computed, never patched by hand: a hunk is shown as the diff
//! of applying exactly its fixes to the file as read, and the accepted
//! hunks of a file are applied together through
//! [`crate::pipeline::apply_selected`] (identical edits merged, imports left
//! unused removed, the result re-parsed). A hunk edited by hand is no longer
//! made of fixes: its text is merged with the others line by line
//! ([`super::patch::merge_versions`]) and re-parsed the same way.

use super::patch::merge_versions;
use crate::analysis::source::SourceFile;
use crate::diagnostic::{CheckResult, Diagnostic};
use crate::pipeline::{apply_selected, remove_imports_left_unused, LoadedFile, Workspace};
use crate::printer::diff::unified_diff;
use crate::rules::Rule;
use auditfix_transforms::{Applicability, Fix};
use std::path::PathBuf;

/// A finding, as the prompt lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub rule: Rule,
    pub line: usize,
    pub message: String,
    pub function: Option<String>,
}

/// One fix offered, with the findings that carry it.
#[derive(Clone, Debug)]
pub struct Offer {
    pub fix: Fix,
    pub findings: Vec<Finding>,
    /// Where its first finding starts (hunks are shown in this order).
    position: usize,
}

impl Offer {
    pub fn applicability(&self) -> Applicability {
        self.fix.applicability()
    }
}

/// Fixes asked about together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hunk {
    /// Indices into [`FileReview::offers`], ascending (= application order).
    pub offers: Vec<usize>,
    /// The write method, when the fixes belong to one.
    pub function: Option<String>,
    /// The whole file's text after a hand edit of this hunk, which then
    /// replaces its fixes.
    pub edited: Option<String>,
    /// Several offers, each of which applies on its own.
    pub splittable: bool,
}

/// One file under review.
pub struct FileReview {
    pub path: PathBuf,
    pub display: PathBuf,
    /// The bytes the file was read with (the write refuses if they changed).
    pub original_bytes: Vec<u8>,
    /// The text as read (no BOM).
    pub original: String,
    pub bom: bool,
    /// The module name (for re-checking after the write).
    pub module: String,
    /// Offered fixes, in the order `fix --apply` applies them (rule, then
    /// position): accepted fixes are applied in this order.
    pub offers: Vec<Offer>,
    /// The hunks, in file order.
    pub hunks: Vec<Hunk>,
    /// Fixes that could not be offered, one line each.
    pub problems: Vec<String>,
    /// What the user should know about how the hunks were formed.
    pub notes: Vec<String>,
}

impl FileReview {
    /// The review of `file` for the fixable ones of `diagnostics` (the
    /// findings of a check of the file as read).
    pub fn build(file: &LoadedFile, module: String, diagnostics: &[Diagnostic], unsafe_fixes: bool) -> FileReview {
        let mut fixable: Vec<&Diagnostic> = diagnostics.iter().filter(|d| d.is_fixable_with(unsafe_fixes)).collect();
        fixable.sort_by_key(|d| (d.rule, d.range.start));
        // A fix that changes other files with this one (a caller made to
        // pass the user, its callee made to take it) is not asked about
        // file by file: accepting one half alone would leave a call
        // passing a parameter that does not exist.
        let mut problems = Vec::new();
        fixable.retain(|d| {
            if d.also_changes.is_empty() {
                return true;
            }
            let others: Vec<String> = d
                .also_changes
                .iter()
                .map(|p| format!("`{}`", crate::printer::shown_path(p)))
                .collect();
            problems.push(format!(
                "{} fix at line {} is not offered: it must change {} with this file, whole or not at all; `auditfix fix --apply --unsafe` applies it",
                d.rule.code(),
                d.start.line,
                others.join(", ")
            ));
            false
        });
        let mut offers: Vec<Offer> = Vec::new();
        let mut function_of: Vec<Option<String>> = Vec::new();
        for d in fixable {
            let fix = d.fix.clone().expect("fixable");
            let finding = Finding {
                rule: d.rule,
                line: d.start.line,
                message: d.message.clone(),
                function: d.function.clone(),
            };
            let same = offers
                .iter()
                .zip(&function_of)
                .position(|(o, f)| o.fix == fix && *f == d.function);
            match same {
                Some(i) => {
                    offers[i].findings.push(finding);
                    offers[i].position = offers[i].position.min(d.range.start);
                }
                None => {
                    offers.push(Offer {
                        fix,
                        findings: vec![finding],
                        position: d.range.start,
                    });
                    function_of.push(d.function.clone());
                }
            }
        }
        // The text the findings were made on (a file that is not kept, such
        // as a route a caller's fix changes, is read again).
        let original = file.read_text().unwrap_or_default();
        let mut review = FileReview {
            path: file.path.to_path_buf(),
            display: file.display.to_path_buf(),
            original_bytes: SourceFile::to_bytes(&original, file.bom),
            original,
            bom: file.bom,
            module,
            offers,
            hunks: Vec::new(),
            problems,
            notes: Vec::new(),
        };
        // Group: one hunk per write method, one per offer outside any.
        let mut groups: Vec<(Option<String>, Vec<usize>)> = Vec::new();
        for (i, function) in function_of.iter().enumerate() {
            match groups.iter_mut().find(|(f, _)| f.is_some() && f == function) {
                Some((_, members)) => members.push(i),
                None => groups.push((function.clone(), vec![i])),
            }
        }
        let mut hunks = Vec::new();
        for (function, members) in groups {
            let whole = review.plain_hunk(function.clone(), members.clone());
            let reason = match review.hunk_text(&whole) {
                Ok(_) => {
                    hunks.push(whole);
                    continue;
                }
                Err(reason) => reason,
            };
            review.notes.push(format!(
                "the fixes of `{}` cannot all be applied together ({reason}); they are offered one at a time",
                function.as_deref().unwrap_or("?")
            ));
            // Fixes of one method that cannot go together: offer each alone.
            for i in members {
                let single = review.plain_hunk(function.clone(), vec![i]);
                match review.hunk_text(&single) {
                    Ok(_) => hunks.push(single),
                    Err(reason) => {
                        let offer = &review.offers[i];
                        let codes = codes(&offer.findings);
                        let line = offer.findings[0].line;
                        review
                            .problems
                            .push(format!("{codes} fix at line {line} is not offered: {reason}"));
                    }
                }
            }
        }
        hunks.retain(|h| review.hunk_text(h).is_ok_and(|t| t != review.original));
        hunks.sort_by_key(|h| h.offers.iter().map(|i| review.offers[*i].position).min());
        review.hunks = hunks;
        review
    }

    /// The review of every file of `workspace` with findings, from
    /// `checked`, its check of the files as read (files without hunks
    /// included: they may have problems).
    pub fn build_all(workspace: &Workspace, checked: &CheckResult, unsafe_fixes: bool) -> Vec<FileReview> {
        use rayon::prelude::*;
        let reports: std::collections::HashMap<&std::path::Path, &crate::diagnostic::FileReport> =
            checked.files.iter().map(|r| (r.path.as_path(), r)).collect();
        // The files checked (those that did not read or parse are not).
        let targets: Vec<_> = workspace
            .files
            .iter()
            .filter(|f| f.target)
            .filter_map(|f| reports.get(&*f.display).map(|r| (f, *r)))
            // A file without findings has nothing to offer nor to warn of.
            .filter(|(_, r)| !r.diagnostics.is_empty())
            .collect();
        targets
            .into_par_iter()
            .map(|(file, report)| {
                FileReview::build(file, workspace.module_name_of(file), &report.diagnostics, unsafe_fixes)
            })
            .collect()
    }

    fn plain_hunk(&self, function: Option<String>, offers: Vec<usize>) -> Hunk {
        let splittable = offers.len() > 1
            && offers
                .iter()
                .all(|i| apply_selected(&self.original, &[&self.offers[*i].fix]).is_ok());
        Hunk {
            offers,
            function,
            edited: None,
            splittable,
        }
    }

    /// `hunk` as one hunk per offer, in file order: by the first place a
    /// part changes in the method (from the line of its first finding on;
    /// an import the part brings, above the method, says nothing of its
    /// place), then by finding.
    pub fn split(&self, hunk: &Hunk) -> Vec<Hunk> {
        let mut parts: Vec<Hunk> = hunk
            .offers
            .iter()
            .map(|i| self.plain_hunk(hunk.function.clone(), vec![*i]))
            .collect();
        let first = parts
            .iter()
            .map(|h| self.offers[h.offers[0]].position)
            .min()
            .unwrap_or(0);
        let method = self.original[..first.min(self.original.len())]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        let place = |h: &Hunk| {
            let offer = &self.offers[h.offers[0]];
            let start = offer
                .fix
                .edits()
                .iter()
                .map(|e| e.start())
                .filter(|s| *s >= method)
                .min();
            (start, offer.position)
        };
        parts.sort_by_key(place);
        parts
    }

    /// The findings behind `hunk`, by line.
    pub fn findings(&self, hunk: &Hunk) -> Vec<&Finding> {
        let mut findings: Vec<&Finding> = hunk
            .offers
            .iter()
            .flat_map(|i| self.offers[*i].findings.iter())
            .collect();
        findings.sort_by_key(|f| (f.line, f.rule));
        findings
    }

    /// How many fixes `hunk` is made of.
    pub fn fix_count(&self, hunk: &Hunk) -> usize {
        hunk.offers.len()
    }

    /// Whether any fix of `hunk` is unsafe.
    pub fn is_unsafe(&self, hunk: &Hunk) -> bool {
        hunk.offers
            .iter()
            .any(|i| self.offers[*i].applicability() == Applicability::Unsafe)
    }

    /// The file's text with only `hunk` applied.
    pub fn hunk_text(&self, hunk: &Hunk) -> Result<String, String> {
        self.result(&[hunk])
    }

    /// The file's text with the `accepted` hunks applied, or why they
    /// cannot be applied together (nothing may be written then).
    pub fn result(&self, accepted: &[&Hunk]) -> Result<String, String> {
        let mut ids: Vec<usize> = accepted
            .iter()
            .filter(|h| h.edited.is_none())
            .flat_map(|h| h.offers.iter().copied())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let fixes: Vec<&Fix> = ids.iter().map(|i| &self.offers[*i].fix).collect();
        let fixed = apply_selected(&self.original, &fixes)?;
        let edited: Vec<&str> = accepted.iter().filter_map(|h| h.edited.as_deref()).collect();
        if edited.is_empty() {
            return Ok(fixed);
        }
        let mut versions = vec![fixed.as_str()];
        versions.extend(edited);
        let merged = merge_versions(&self.original, &versions)
            .map_err(|e| format!("the edited hunk cannot be combined with the other accepted hunks: {e}"))?;
        let merged = remove_imports_left_unused(&self.original, merged);
        let tree = crate::analysis::source::parse(&merged);
        if let Some(message) = crate::analysis::source::syntax_error(&tree, &merged) {
            return Err(format!("the accepted hunks together would introduce a {message}"));
        }
        Ok(merged)
    }

    /// The `--- a/` and `+++ b/` lines of this file's diffs.
    pub fn header(&self, color: bool) -> String {
        let Some(hunk) = self.hunks.first() else {
            return String::new();
        };
        let text = self.hunk_text(hunk).unwrap_or_default();
        unified_diff(&self.display, &self.original, &text, color)
            .split_inclusive('\n')
            .take(2)
            .collect()
    }

    /// The `@@` sections of `hunk`'s diff (real line numbers of the file as
    /// read), without the file header.
    pub fn diff(&self, hunk: &Hunk, color: bool) -> Result<String, String> {
        let text = match &hunk.edited {
            Some(text) => text.clone(),
            None => self.hunk_text(hunk)?,
        };
        Ok(unified_diff(&self.display, &self.original, &text, color)
            .split_inclusive('\n')
            .skip(2)
            .collect())
    }
}

/// `AUD002, AUD003`: the codes of `findings`, each once, in order.
pub fn codes(findings: &[Finding]) -> String {
    let mut codes: Vec<&str> = Vec::new();
    for f in findings {
        if !codes.contains(&f.rule.code()) {
            codes.push(f.rule.code());
        }
    }
    codes.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use std::path::Path;

    pub const SERVICE: &str = include_str!("../../tests/fixtures/interactive/app/services/widgets.py");

    /// A workspace of the shared test models plus the widget service.
    pub fn workspace(service: &str) -> Workspace {
        let mut sources = Vec::new();
        for name in [
            "__init__.py",
            "core/__init__.py",
            "core/audit.py",
            "models.py",
            "services/__init__.py",
        ] {
            let path = Path::new("tests/fixtures/interactive/app").join(name);
            sources.push((path.clone(), std::fs::read_to_string(&path).unwrap()));
        }
        sources.push((
            PathBuf::from("tests/fixtures/interactive/app/services/widgets.py"),
            service.to_string(),
        ));
        // The fixture lies under `tests/`: audit it as the app's service code.
        let mut config = Config::default();
        config.settings.script_paths.clear();
        let workspace = Workspace::from_memory(sources, config);
        assert!(workspace.errors.is_empty(), "{:?}", workspace.errors);
        workspace
    }

    pub fn review(workspace: &Workspace, unsafe_fixes: bool) -> FileReview {
        let result = workspace.check();
        let (i, report) = result
            .files
            .iter()
            .enumerate()
            .find(|(_, f)| f.path.ends_with("widgets.py"))
            .unwrap();
        FileReview::build(
            &workspace.files[i],
            workspace.module_name_of(&workspace.files[i]),
            &report.diagnostics,
            unsafe_fixes,
        )
    }

    fn functions(review: &FileReview) -> Vec<String> {
        review
            .hunks
            .iter()
            .map(|h| h.function.clone().unwrap_or_default())
            .collect()
    }

    #[test]
    fn one_hunk_per_write_method_in_file_order() {
        let ws = workspace(SERVICE);
        let review = review(&ws, false);
        assert_eq!(
            functions(&review),
            [
                "WidgetService.create_widget",
                "WidgetService.update_widget",
                "WidgetService.rename_widget"
            ]
        );
        assert!(review.problems.is_empty(), "{:?}", review.problems);
        // Each hunk is the fixes of its method, applied to the file as read.
        let create = &review.hunks[0];
        assert!(create.splittable);
        let text = review.hunk_text(create).unwrap();
        assert!(text.contains("created_by_user=None"));
        assert!(!text.contains("updated_by_user=None"));
    }

    #[test]
    fn unsafe_fixes_only_with_unsafe() {
        let ws = workspace(SERVICE);
        let safe = review(&ws, false);
        let all = review(&ws, true);
        assert!(safe.hunks.iter().all(|h| !safe.is_unsafe(h)));
        assert!(all.hunks.iter().any(|h| all.is_unsafe(h)));
        assert!(all.offers.len() > safe.offers.len());
    }

    #[test]
    fn accepting_every_hunk_is_the_first_fix_pass() {
        let ws = workspace(SERVICE);
        let review = review(&ws, false);
        let all: Vec<&Hunk> = review.hunks.iter().collect();
        let fixes: Vec<&Fix> = review.offers.iter().map(|o| &o.fix).collect();
        assert_eq!(
            review.result(&all).unwrap(),
            apply_selected(&review.original, &fixes).unwrap()
        );
        assert_eq!(review.result(&[]).unwrap(), review.original);
    }

    #[test]
    fn split_gives_one_hunk_per_fix_and_each_brings_its_import() {
        let ws = workspace(SERVICE);
        let review = review(&ws, false);
        let create = &review.hunks[0];
        let parts = review.split(create);
        assert_eq!(parts.len(), create.offers.len());
        assert!(parts.len() >= 3);
        for part in &parts {
            assert_eq!(part.offers.len(), 1);
            assert!(!part.splittable);
            let text = review.hunk_text(part).unwrap();
            let tree = crate::analysis::source::parse(&text);
            assert!(!tree.root_node().has_error());
        }
        // The integrity-error handler alone brings its import.
        let handler = parts
            .iter()
            .find(|p| {
                review
                    .findings(p)
                    .iter()
                    .any(|f| f.rule == Rule::MissingIntegrityErrorHandler)
            })
            .unwrap();
        let text = review.hunk_text(handler).unwrap();
        assert!(text.contains("from sqlalchemy.exc import IntegrityError"), "{text}");
        // Accepting two parts that share the import adds it once.
        let both = review.result(&parts.iter().collect::<Vec<_>>()).unwrap();
        assert_eq!(both.matches("import IntegrityError").count(), 1);
    }

    #[test]
    fn diffs_have_real_line_numbers_and_no_file_header() {
        let ws = workspace(SERVICE);
        let review = review(&ws, false);
        let diff = review.diff(&review.hunks[1], false).unwrap();
        assert!(diff.starts_with("@@ -"), "{diff}");
        assert!(!diff.contains("+++ b/"));
        assert_eq!(
            review.header(false),
            "--- a/tests/fixtures/interactive/app/services/widgets.py\n+++ b/tests/fixtures/interactive/app/services/widgets.py\n"
        );
    }

    #[test]
    fn an_edited_hunk_replaces_its_fixes_and_merges_with_the_others() {
        let ws = workspace(SERVICE);
        let review = review(&ws, false);
        let mut edited = review.hunks[0].clone();
        let text = review.hunk_text(&edited).unwrap();
        edited.edited = Some(text.replace("datetime.now()", "datetime.now()  # edited"));
        let other = &review.hunks[1];
        let result = review.result(&[&edited, other]).unwrap();
        assert!(result.contains("# edited"));
        assert!(result.contains("Failed to update widget"));
        // The import both need is there once.
        assert_eq!(result.matches("import IntegrityError").count(), 1, "{result}");
    }
}
