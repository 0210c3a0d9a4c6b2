//! The checker: runs every enabled rule over one parsed file and collects
//! their diagnostics, honouring `# auditfix: ignore[...]` and `# noqa: ...`
//! comments (read in [`crate::suppression`]).
//!
//! Rules receive a [`Checker`] (what the file is, what the repository says,
//! what the standard asks) and report through it; the checker owns
//! suppression and rule selection so that no rule has to.

use crate::analysis::functions::{write_method, WriteMethod};
use crate::analysis::index::RepoIndex;
use crate::analysis::module::ModuleFacts;
use crate::analysis::values::FileValues;
use crate::config::RuleUse;
use crate::convention::Stamp;
use crate::diagnostic::{Diagnostic, LineIndex};
use crate::rules::{self, Rule};
use crate::settings::{Kind, Settings};
use auditfix_transforms::{Fix, Stylist};
use std::ops::Range;
use tree_sitter::Node;

/// A model's stamp for one kind, as [`crate::convention::stamp`] reads it.
type StampOf = Option<Result<Stamp, String>>;

/// Everything a rule may look at for one file.
pub struct Checker<'a> {
    pub text: &'a str,
    pub root: Node<'a>,
    pub module: &'a ModuleFacts,
    pub index: &'a RepoIndex,
    pub settings: &'a Settings,
    stylist: std::cell::OnceCell<Stylist>,
    /// Line starts, built on the first finding: offsets become locations
    /// without rescanning the text per finding (linear, not quadratic, on
    /// a large file).
    lines: std::cell::OnceCell<LineIndex>,
    /// Import edits already built, by `(module, name)`: the findings of a
    /// file ask for the same few imports over and over, and building one
    /// scans every top-level statement (quadratic on a large file).
    imports: std::cell::RefCell<std::collections::HashMap<(String, String), Option<auditfix_transforms::Edit>>>,
    /// Whether the repository's mixin has the configured setters.
    pub mixin_fits: bool,
    /// Each model's stamp per kind, read once per file (see
    /// [`crate::convention::stamp`]): every rule asks it of every row.
    stamps: std::cell::RefCell<std::collections::HashMap<(String, Kind), StampOf>>,
    rules: &'a dyn Fn(Rule) -> RuleUse,
    diagnostics: Vec<Diagnostic>,
    /// `(line, rule)` of each finding a suppression on `line` silenced.
    silenced: Vec<(usize, Rule)>,
}

impl<'a> Checker<'a> {
    /// The file's style, detected the first time a fix needs it.
    pub fn stylist(&self) -> &Stylist {
        self.stylist
            .get_or_init(|| Stylist::detect(self.text).with_line_length(self.settings.code_style.line_length))
    }

    /// The edit adding `from module import name` (see
    /// [`auditfix_transforms::add_import::add_import`]), built once per file.
    pub fn import_edit(&self, module: &str, name: &str) -> Option<auditfix_transforms::Edit> {
        let key = (module.to_string(), name.to_string());
        if let Some(edit) = self.imports.borrow().get(&key) {
            return edit.clone();
        }
        let edit = auditfix_transforms::add_import::add_import(
            self.text,
            self.root,
            module,
            name,
            self.stylist(),
            &self.settings.code_style.imports,
        );
        self.imports.borrow_mut().insert(key, edit.clone());
        edit
    }

    pub fn enabled(&self, rule: Rule) -> bool {
        (self.rules)(rule) == RuleUse::Runs
    }

    pub fn text_of(&self, node: Node<'_>) -> &'a str {
        &self.text[node.byte_range()]
    }

    /// Report a finding at `range` (bytes), in `method` when given.
    pub fn report(
        &mut self,
        rule: Rule,
        range: Range<usize>,
        method: Option<&WriteMethod<'_>>,
        message: String,
        fix: Option<Fix>,
    ) {
        let function = method.map(|m| (m.function.qualified.as_str(), m.function.line()));
        self.report_in(rule, range, function, message, fix);
    }

    /// Report a finding at `range` (bytes), in the function named
    /// `function` (qualified name and `def` line) when given.
    pub fn report_in(
        &mut self,
        rule: Rule,
        range: Range<usize>,
        function: Option<(&str, usize)>,
        message: String,
        fix: Option<Fix>,
    ) {
        if !self.enabled(rule) {
            return;
        }
        let lines = self.lines.get_or_init(|| LineIndex::new(self.text));
        let start = lines.location(self.text, range.start);
        let end = lines.location(self.text, range.end);
        let silenced_on = [Some(start.line), function.map(|(_, line)| line)]
            .into_iter()
            .flatten()
            .find(|line| self.suppressed(rule, *line));
        if let Some(line) = silenced_on {
            self.silenced.push((line, rule));
            return;
        }
        self.diagnostics.push(Diagnostic {
            rule,
            message,
            range,
            start,
            end,
            function: function.map(|(name, _)| name.to_string()),
            fix,
            also_changes: Vec::new(),
        });
    }

    /// Whether `rule` may contribute edits in `method`: it is not ignored
    /// (by `ignore`, `per-file-ignores`, or a suppression on the `def`
    /// line). A fix that needs another rule's edit (AUD003's setter needs
    /// AUD002's context, which needs AUD001's parameter) is unavailable
    /// when that rule is ignored; a rule merely not selected still lends
    /// its edits.
    pub fn allows(&self, rule: Rule, method: &WriteMethod<'_>) -> bool {
        (self.rules)(rule) != RuleUse::Ignored && !self.suppressed(rule, method.function.line())
    }

    fn suppressed(&self, rule: Rule, line: usize) -> bool {
        let lines = self.lines.get_or_init(|| LineIndex::new(self.text));
        lines
            .line(self.text, line)
            .is_some_and(|text| suppressed_on(text, rule))
    }

    /// Whether the standard asks this entity for S1-S3: its model inherits
    /// the mixin (or the code already calls a setter on it), the mixin
    /// fits, and it is not a hard delete.
    pub fn needs_audit(&self, method: &WriteMethod<'_>, entity: &crate::analysis::functions::Entity<'_>) -> bool {
        !method.hard_delete && self.stamp(entity).is_some()
    }

    /// How `entity`'s row is stamped with who acted, in the repository's
    /// own words (see [`crate::convention`]): `None` when its model has no
    /// audit mixin or the mixin's code does not tell how. A row of a model
    /// that cannot be told, calling the standard's setter where the
    /// standard fits, keeps the standard.
    pub fn stamp(&self, entity: &crate::analysis::functions::Entity<'_>) -> Option<crate::convention::Stamp> {
        if let Some(model) = entity.model.as_deref() {
            if let Some(stamp) = self.stamp_of(model, entity.kind) {
                return stamp.ok();
            }
        }
        let calls_setter = Kind::ALL
            .iter()
            .any(|k| entity.calls_method(self.settings.setters.get(*k)));
        (self.mixin_fits && calls_setter).then(|| crate::convention::Stamp::Standard {
            setter: self.settings.setters.get(entity.kind).clone(),
        })
    }

    /// The stamp of a `kind` write on `model` ([`crate::convention::stamp`]),
    /// read once per file.
    pub fn stamp_of(&self, model: &str, kind: Kind) -> Option<Result<Stamp, String>> {
        let key = (model.to_string(), kind);
        if let Some(found) = self.stamps.borrow().get(&key) {
            return found.clone();
        }
        let found = crate::convention::stamp(self.index, self.settings, model, kind);
        self.stamps.borrow_mut().insert(key, found.clone());
        found
    }

    /// Whether `model` inherits an audit mixin: the configured one, or
    /// the team's own (see [`crate::convention::mixin_of`]).
    pub fn has_mixin(&self, model: &str) -> bool {
        crate::convention::mixin_of(self.index, self.settings, model).is_some()
    }

    /// Whether `name` is a mapped class of the repository: it maps a table
    /// (`__tablename__`, `table=True`), or it or its bases map columns, or
    /// it inherits the mixin.
    /// Names of this file, resolved through its imports.
    pub fn resolver(&self) -> crate::analysis::resolve::Resolver<'a> {
        crate::analysis::resolve::Resolver {
            index: self.index,
            module: self.module,
        }
    }

    pub fn is_model(&self, name: &str) -> bool {
        is_mapped(self.index, self.settings, name)
    }
}

/// Whether line `line` (1-based) of `text` carries a suppression of
/// `rule`: `# auditfix: ignore[CODES]`, `# noqa: CODES`, or either bare.
pub fn suppressed(text: &str, rule: Rule, line: usize) -> bool {
    let Some(text) = text.lines().nth(line.saturating_sub(1)) else {
        return false;
    };
    suppressed_on(text, rule)
}

/// Whether the line `text` suppresses `rule`.
fn suppressed_on(text: &str, rule: Rule) -> bool {
    crate::suppression::suppresses(text, rule)
}

/// What checking one file produced.
#[derive(Default, serde::Serialize, serde::Deserialize)]
pub struct FileCheck {
    pub diagnostics: Vec<Diagnostic>,
    /// Qualified names of the write methods audited.
    pub write_methods: Vec<String>,
    /// Write methods that lack the user parameter the standard asks of
    /// them (AUD001 adds it).
    pub needs_user: Vec<UserNeed>,
    /// `(line, rule)` of each finding a suppression on `line` silenced.
    pub suppressed: Vec<(usize, Rule)>,
    /// Functions that write a proven row through a receiver nothing proves
    /// a session: `(receiver, function)`; not audited, named in a note.
    pub unproven_sessions: Vec<(String, String)>,
    /// Rows whose audit mixin's code does not tell how to record who
    /// acted: `(mixin, why)`; not stamped, named once in a note.
    pub unstamped: Vec<(String, String)>,
    /// Rows stamped in another convention than the standard's:
    /// `(mixin, inferred, the create stamp as code)`, for the note that
    /// says which convention the fixes speak.
    pub conventions: Vec<(String, bool, String)>,
}

/// A write method that lacks its user parameter: where its `def` starts,
/// the parameter, and the edits that add it, built from the tree the check
/// parsed (the callers' step takes them without parsing the file again;
/// `None` when no edit can add it).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct UserNeed {
    pub start: usize,
    pub parameter: String,
    pub edits: Option<Vec<auditfix_transforms::Edit>>,
}

/// Run every enabled rule over `file`.
pub fn check_file(
    text: &str,
    root: Node<'_>,
    module: &ModuleFacts,
    index: &RepoIndex,
    settings: &Settings,
    rules: &dyn Fn(Rule) -> RuleUse,
) -> FileCheck {
    let values = FileValues::default();
    check_file_with(text, root, module, index, settings, rules, &values)
}

/// [`check_file`], the functions' values kept in `values` (for the
/// callers' step, which reads the same tree after).
pub fn check_file_with<'t>(
    text: &str,
    root: Node<'t>,
    module: &ModuleFacts,
    index: &RepoIndex,
    settings: &Settings,
    rules: &dyn Fn(Rule) -> RuleUse,
    values: &FileValues<'t>,
) -> FileCheck {
    let setters: Vec<&str> = Kind::ALL.iter().map(|k| settings.setters.get(*k).as_str()).collect();
    let mut checker = Checker {
        text,
        root,
        module,
        index,
        settings,
        stylist: std::cell::OnceCell::new(),
        lines: std::cell::OnceCell::new(),
        imports: std::cell::RefCell::default(),
        mixin_fits: index.mixin_fit(&settings.mixin_class, &setters).fits(),
        stamps: std::cell::RefCell::default(),
        rules,
        diagnostics: Vec::new(),
        silenced: Vec::new(),
    };
    // Tests, fixtures, migrations, seeds and scripts are no service code,
    // and the mixin's own module is never rewritten.
    if !holds_service_code(module, settings) {
        return FileCheck::default();
    }
    let is_model = |name: &str| checker.is_model(name);
    let (methods, unproven_sessions) =
        write_methods_and_unproven(root, text, module, index, settings, &is_model, values);

    for method in &methods {
        rules::missing_user_parameter::check(&mut checker, method);
        rules::missing_audit_context::check(&mut checker, method);
        rules::missing_audit_setter::check(&mut checker, method);
        rules::missing_explicit_timestamp::check(&mut checker, method);
        rules::timestamp_style::check(&mut checker, method);
        rules::missing_integrity_error_handler::check(&mut checker, method);
        rules::incomplete_integrity_error_handler::check(&mut checker, method);
        rules::manual_audit_fields::check(&mut checker, method);
        rules::unmapped_audit_attribute::check(&mut checker, method);
        rules::model_without_audit_mixin::check(&mut checker, method);
    }
    rules::server_side_timestamp_assignment::check(&mut checker);
    rules::unbound_audit_name::check(&mut checker, &methods);

    let needs_user = methods
        .iter()
        .filter(|m| m.entities.iter().any(|e| checker.needs_audit(m, e)))
        .filter(|m| m.function.param(m.user_parameter(settings)).is_none())
        .map(|m| {
            let parameter = m.user_parameter(settings).to_string();
            UserNeed {
                start: m.function.node.start_byte(),
                edits: rules::fix_parts::add_user_parameter(text, m.function.node, &parameter, checker.stylist()),
                parameter,
            }
        })
        .collect();
    let mut unstamped: Vec<(String, String)> = Vec::new();
    let mut conventions: Vec<(String, bool, String)> = Vec::new();
    for method in methods.iter().filter(|m| !m.hard_delete) {
        for entity in &method.entities {
            let Some(model) = entity.model.as_deref() else { continue };
            let Some((mixin, configured)) = crate::convention::mixin_of(index, settings, model) else {
                continue;
            };
            match checker.stamp_of(model, entity.kind) {
                Some(Err(why)) => {
                    if !unstamped.iter().any(|(m, w)| *m == mixin && *w == why) {
                        unstamped.push((mixin, why));
                    }
                }
                Some(Ok(crate::convention::Stamp::Standard { .. })) | None => {}
                Some(Ok(_)) => {
                    if !conventions.iter().any(|(m, _, _)| *m == mixin) {
                        let create = checker
                            .stamp_of(model, Kind::Create)
                            .and_then(Result::ok)
                            .map(|s| s.describe("x", settings.user_parameters.get(Kind::Create)))
                            .unwrap_or_default();
                        conventions.push((mixin, !configured, create));
                    }
                }
            }
        }
    }
    let mut diagnostics = checker.diagnostics;
    diagnostics.sort_by_key(|d| (d.range.start, d.rule));
    // Kept through the callers' step, for each file of a large repository.
    diagnostics.shrink_to_fit();
    FileCheck {
        diagnostics,
        write_methods: methods.iter().map(|m| m.function.qualified.clone()).collect(),
        needs_user,
        suppressed: checker.silenced,
        unproven_sessions,
        unstamped,
        conventions,
    }
}

/// Whether `name` is a mapped class of the repository (see [`Checker::is_model`]).
pub fn is_mapped(index: &RepoIndex, settings: &Settings, name: &str) -> bool {
    index.class(name).is_some_and(|c| c.mapped)
        || index.columns(name).is_some_and(|c| !c.is_empty())
        || index.inherits(name, &settings.mixin_class)
}

/// Whether a module can hold write methods: it is no test, fixture,
/// migration, seed or script module, and it does not define the mixin.
pub fn holds_service_code(module: &ModuleFacts, settings: &Settings) -> bool {
    !settings.is_script_module(&module.name) && !module.classes.iter().any(|c| c.name == settings.mixin_class)
}

/// The write methods of a file: its functions' that the value model
/// proves to write rows. A model's own methods (`self` is the row) are not
/// service code.
pub fn write_methods<'t>(
    root: Node<'t>,
    text: &str,
    module: &ModuleFacts,
    index: &RepoIndex,
    settings: &Settings,
    is_model: &dyn Fn(&str) -> bool,
) -> Vec<WriteMethod<'t>> {
    write_methods_and_unproven(root, text, module, index, settings, is_model, &FileValues::default()).0
}

/// [`write_methods`], and the functions that add or delete a proven row
/// through a receiver nothing proves a session: `(receiver, function)`.
pub fn write_methods_and_unproven<'t>(
    root: Node<'t>,
    text: &str,
    module: &ModuleFacts,
    index: &RepoIndex,
    settings: &Settings,
    is_model: &dyn Fn(&str) -> bool,
    values: &FileValues<'t>,
) -> (Vec<WriteMethod<'t>>, Vec<(String, String)>) {
    let methods = values
        .functions(root, text)
        .iter()
        .filter(|f| {
            f.class
                .as_deref()
                .is_none_or(|c| c != settings.mixin_class && !is_model(c))
        })
        .filter_map(|f| write_method(f, text, settings, module, index, is_model, values))
        .collect();
    (methods, values.globals.unrecognised_sessions.take())
}

/// The write methods of one file as the analysis sees them, one line each,
/// for tests and `--explain`-style debugging:
/// `Class.method <kind> session=<expr>(<sync|async|unknown>) <var>=<Model>(<new|loaded>) ...`
/// (`-` when no entity is proven). Functions that are not write methods
/// are not listed.
pub fn describe_file(
    text: &str,
    root: Node<'_>,
    module: &ModuleFacts,
    index: &RepoIndex,
    settings: &Settings,
) -> Vec<String> {
    let checker = Checker {
        text,
        root,
        module,
        index,
        settings,
        stylist: std::cell::OnceCell::new(),
        lines: std::cell::OnceCell::new(),
        imports: std::cell::RefCell::default(),
        mixin_fits: true,
        stamps: std::cell::RefCell::default(),
        rules: &|_| RuleUse::Runs,
        diagnostics: Vec::new(),
        silenced: Vec::new(),
    };
    if !holds_service_code(module, settings) {
        return Vec::new();
    }
    let is_model = |name: &str| checker.is_model(name);
    write_methods(root, text, module, index, settings, &is_model)
        .into_iter()
        .map(|m| {
            let kind = match (m.kind, m.hard_delete) {
                (Kind::Create, _) => "create",
                (Kind::Update, _) => "update",
                (Kind::Delete, false) => "delete",
                (Kind::Delete, true) => "hard-delete",
            };
            let entities: Vec<String> = m
                .entities
                .iter()
                .map(|e| {
                    format!(
                        "{}={}({})",
                        e.variable,
                        e.model.as_deref().unwrap_or("?"),
                        if e.new { "new" } else { "loaded" }
                    )
                })
                .collect();
            let entities = if entities.is_empty() {
                "-".to_string()
            } else {
                entities.join(" ")
            };
            let session_kind = match m.session_kind {
                crate::analysis::values::SessionKind::Sync => "sync",
                crate::analysis::values::SessionKind::Async => "async",
                crate::analysis::values::SessionKind::Unknown => "unknown",
            };
            format!(
                "{} {kind} session={}({session_kind}) {entities}",
                m.function.qualified, m.session
            )
        })
        .collect()
}
