//! Configuration: `[tool.auditfix]` in `pyproject.toml`, or `auditfix.toml` /
//! `.auditfix.toml`, the nearest to the checked paths winning, plus
//! command-line overrides, resolved into one [`Config`].
//!
//! What lives here: finding the file ([`find_config_file`]), reading it into
//! [`Options`] (every key, documented), turning those into
//! [`crate::settings::Settings`] plus the file-selection and rule-selection
//! lists, and answering [`Config::is_enabled`] for a rule and a file.
//! Errors name the file, the line and the key (`pyproject.toml:12: unknown key
//! `mixin` in [tool.auditfix]`). What does not live here: walking the tree
//! (`walk.rs`) and what the settings mean (`settings.rs`, the rules).

use crate::rules::{is_known_selector, matches_selector, Rule};
use crate::settings::{PerKind, Settings, TimestampStyle};
use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, RwLock};

/// Everything a run needs to know, resolved.
#[derive(Clone, Debug, Default)]
pub struct Config {
    pub settings: Settings,
    /// Rule selectors to enable (`ALL`, codes, prefixes, names). Empty = all.
    pub select: Vec<String>,
    /// Rule selectors to disable; win over `select`.
    pub ignore: Vec<String>,
    /// Glob patterns of files to include (empty = every `.py` file).
    pub include: Vec<String>,
    /// Glob patterns of files or folders to exclude, on top of the defaults.
    pub exclude: Vec<String>,
    /// `(glob, selectors)`: rules ignored in the files matching the glob.
    pub per_file_ignores: Vec<(String, Vec<String>)>,
    /// Whether paths named on the command line obey `exclude` too
    /// (`force-exclude`, `--force-exclude`).
    pub force_exclude: bool,
    /// The configuration file the settings came from, if any.
    pub source: Option<PathBuf>,
    /// The directory paths in the configuration are relative to.
    pub root: PathBuf,
    /// Compiled `per_file_ignores`, built on first use and rebuilt whenever
    /// the patterns or the root change. Not configuration: leave it default.
    #[doc(hidden)]
    pub compiled: CompiledCache,
}

/// Command-line flags that override the configuration file.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// `--config FILE`: use this file instead of searching.
    pub config_file: Option<PathBuf>,
    /// `--select`: replaces the file's `select`.
    pub select: Option<Vec<String>>,
    /// `--ignore`: added to the file's `ignore`.
    pub ignore: Vec<String>,
    /// `--extend-select`: added to the selection (after `--select`).
    pub extend_select: Vec<String>,
    /// `--force-exclude`: named paths obey `exclude`.
    pub force_exclude: bool,
}

/// A configuration that cannot be used: which file, where, and why.
#[derive(Debug)]
pub struct ConfigError {
    /// The configuration file (or `--select` / `--ignore` for a flag).
    pub path: PathBuf,
    pub message: String,
    /// The 1-based line of the offending key or value, when known.
    pub line: Option<usize>,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.path.display(), self.message),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

/// Whether a rule runs on a file, and if not, why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleUse {
    Runs,
    /// Left out by `select` naming other rules: its edits may still come
    /// with the fixes of rules that need them.
    NotSelected,
    /// Turned off by `ignore` or `per-file-ignores`: it contributes no edit
    /// to any fix.
    Ignored,
}

impl Config {
    /// Whether `rule` runs on the file at `path` (relative to the working
    /// directory, or absolute): selected, not ignored, and not ignored for
    /// this file by `per-file-ignores`.
    pub fn is_enabled(&self, rule: Rule, path: &Path) -> bool {
        self.rule_use(rule, path) == RuleUse::Runs
    }

    /// [`Config::is_enabled`], saying why a rule does not run.
    pub fn rule_use(&self, rule: Rule, path: &Path) -> RuleUse {
        if self.ignore.iter().any(|s| matches_selector(rule, s)) {
            return RuleUse::Ignored;
        }
        if !self.per_file_ignores.is_empty() {
            let compiled = self.compiled.get(self);
            let relative = relative_to_root(path, &self.root);
            let ignored = compiled
                .globs
                .matching_with_ancestors(&relative)
                .into_iter()
                .any(|i| compiled.selectors[i].iter().any(|s| matches_selector(rule, s)));
            if ignored {
                return RuleUse::Ignored;
            }
        }
        let selected = self.select.is_empty() || self.select.iter().any(|s| matches_selector(rule, s));
        if selected {
            RuleUse::Runs
        } else {
            RuleUse::NotSelected
        }
    }
}

/// Find and read the configuration for a run over `paths`.
///
/// `--config FILE` wins over the search; otherwise the search starts at the
/// first path (its directory when it is a file), or at the working directory.
pub fn load(paths: &[PathBuf], overrides: &Overrides) -> Result<Config, ConfigError> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let found = match &overrides.config_file {
        Some(file) => {
            let file = normalize(&cwd.join(file));
            let kind = ConfigKind::of(&file);
            Some((file, kind))
        }
        None => {
            let start = search_start(paths.first(), &cwd);
            find_config_file(&start)?
        }
    };
    let mut config = match found {
        Some((file, kind)) => {
            let options = read_options(&file, kind, overrides.config_file.is_some())?;
            let root = file.parent().map(Path::to_path_buf).unwrap_or(cwd.clone());
            let mut config = options.resolve(&file)?;
            config.source = Some(file);
            config.root = root;
            config
        }
        None => Config {
            root: normalize(&cwd),
            ..Config::default()
        },
    };
    if let Some(select) = &overrides.select {
        check_selectors(select, Path::new("--select"))?;
        config.select = select.clone();
    }
    check_selectors(&overrides.ignore, Path::new("--ignore"))?;
    config.ignore.extend(overrides.ignore.iter().cloned());
    check_selectors(&overrides.extend_select, Path::new("--extend-select"))?;
    extend_selection(&mut config.select, &overrides.extend_select);
    config.force_exclude |= overrides.force_exclude;
    Ok(config)
}

/// `extend-select` over `select`, as ruff reads them: an empty `select`
/// already runs every rule; otherwise the extension is added to it.
fn extend_selection(select: &mut Vec<String>, extend: &[String]) {
    if !select.is_empty() {
        select.extend(extend.iter().cloned());
    }
}

fn check_selectors(selectors: &[String], flag: &Path) -> Result<(), ConfigError> {
    match selectors.iter().find(|s| !is_known_selector(s)) {
        Some(unknown) => Err(ConfigError {
            path: flag.to_path_buf(),
            message: format!("unknown rule code `{unknown}`"),
            line: None,
        }),
        None => Ok(()),
    }
}

/// Which shape a configuration file has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfigKind {
    /// `pyproject.toml`: the options live in `[tool.auditfix]`.
    PyProject,
    /// `auditfix.toml` / `.auditfix.toml` (or any other `--config` file): the
    /// options are the top-level keys.
    Standalone,
}

impl ConfigKind {
    fn of(path: &Path) -> ConfigKind {
        if path.file_name().is_some_and(|n| n == "pyproject.toml") {
            ConfigKind::PyProject
        } else {
            ConfigKind::Standalone
        }
    }

    /// The table the options live in, for messages.
    fn table(self) -> &'static str {
        match self {
            ConfigKind::PyProject => "tool.auditfix",
            ConfigKind::Standalone => "",
        }
    }
}

/// The directory the search starts from: the first checked path (its parent
/// when it is a file), made absolute; the working directory without paths.
fn search_start(first: Option<&PathBuf>, cwd: &Path) -> PathBuf {
    let Some(first) = first else {
        return normalize(cwd);
    };
    let path = normalize(&cwd.join(first));
    if path.is_dir() {
        path
    } else {
        path.parent().map(Path::to_path_buf).unwrap_or(path)
    }
}

/// The nearest configuration file at or above `start`. In one directory,
/// `.auditfix.toml` wins over `auditfix.toml`, which wins over a
/// `pyproject.toml` that has a `[tool.auditfix]` table (one without the table
/// is passed over, as ruff does).
pub fn find_config_file(start: &Path) -> Result<Option<(PathBuf, ConfigKind)>, ConfigError> {
    for dir in start.ancestors() {
        for name in [".auditfix.toml", "auditfix.toml"] {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Ok(Some((candidate, ConfigKind::Standalone)));
            }
        }
        let pyproject = dir.join("pyproject.toml");
        if pyproject.is_file() && pyproject_has_table(&pyproject)? {
            return Ok(Some((pyproject, ConfigKind::PyProject)));
        }
    }
    Ok(None)
}

#[derive(Deserialize)]
struct PyProjectProbe {
    tool: Option<ToolProbe>,
}

#[derive(Deserialize)]
struct ToolProbe {
    auditfix: Option<toml::Value>,
}

fn pyproject_has_table(path: &Path) -> Result<bool, ConfigError> {
    let text = read_text(path)?;
    // Cheap test first: most pyproject.toml files never mention us.
    if !text.contains("auditfix") {
        return Ok(false);
    }
    match toml::from_str::<PyProjectProbe>(&text) {
        Ok(probe) => Ok(probe.tool.and_then(|t| t.auditfix).is_some()),
        Err(err) => Err(toml_error(path, &text, &err, ConfigKind::PyProject)),
    }
}

fn read_text(path: &Path) -> Result<String, ConfigError> {
    // A FIFO or a device named like a configuration file would make a
    // plain read wait, or grow, forever.
    let bytes = crate::files::read_regular(path, crate::files::CONFIG_CAP).map_err(|err| ConfigError {
        path: display_path(path),
        message: format!("cannot read: {}", io_reason(&err)),
        line: None,
    })?;
    String::from_utf8(bytes).map_err(|_| ConfigError {
        path: display_path(path),
        message: "cannot read: stream did not contain valid UTF-8".into(),
        line: None,
    })
}

/// An I/O error's reason without the `(os error N)` suffix.
pub(crate) fn io_reason(err: &std::io::Error) -> String {
    let text = err.to_string();
    match text.find(" (os error ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

/// The path as the user should see it: relative to the working directory
/// when it is below it.
fn display_path(path: &Path) -> PathBuf {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(normalize(&cwd)).ok().map(Path::to_path_buf))
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| path.to_path_buf())
}

#[derive(Deserialize)]
struct PyProject {
    tool: Option<PyProjectTool>,
}

#[derive(Deserialize)]
struct PyProjectTool {
    auditfix: Option<Options>,
}

fn read_options(path: &Path, kind: ConfigKind, explicit: bool) -> Result<Options, ConfigError> {
    let text = read_text(path)?;
    let options = match kind {
        ConfigKind::PyProject => toml::from_str::<PyProject>(&text)
            .map(|p| p.tool.and_then(|t| t.auditfix))
            .map_err(|err| toml_error(path, &text, &err, kind))?,
        ConfigKind::Standalone => toml::from_str::<Options>(&text)
            .map(Some)
            .map_err(|err| toml_error(path, &text, &err, kind))?,
    };
    match options {
        Some(options) => Ok(Options {
            text,
            kind: Some(kind),
            ..options
        }),
        None if explicit => Err(ConfigError {
            path: display_path(path),
            message: "no [tool.auditfix] table".into(),
            line: None,
        }),
        None => Ok(Options {
            text,
            kind: Some(kind),
            ..Options::default()
        }),
    }
}

/// A TOML or type error as `file:line: message`, with the key it is about.
fn toml_error(path: &Path, text: &str, err: &toml::de::Error, kind: ConfigKind) -> ConfigError {
    let message = err.message().trim().replace('\n', "; ");
    let Some(span) = err.span() else {
        return ConfigError {
            path: display_path(path),
            message,
            line: None,
        };
    };
    let line = line_of(text, span.start);
    let keys = KeyIndex::parse(text);
    let message = if let Some(rest) = message.strip_prefix("unknown field `") {
        // `unknown field `mixin`, expected one of ...` names the key; say
        // where it is and suggest the closest known key.
        let key = rest.split('`').next().unwrap_or_default();
        let expected: Vec<&str> = rest.split('`').skip(2).step_by(2).collect();
        let table = keys
            .as_ref()
            .and_then(|k| k.key_at(span.start))
            .map(|k| parent_of(&k))
            .unwrap_or_else(|| kind.table().to_string());
        let mut message = format!("unknown key `{key}`");
        if !table.is_empty() {
            message.push_str(&format!(" in [{table}]"));
        }
        if let Some(close) = closest(key, &expected) {
            message.push_str(&format!(" (did you mean `{close}`?)"));
        }
        message
    } else {
        match keys.as_ref().and_then(|k| k.key_at(span.start)) {
            Some(key) => format!("`{}`: {message}", strip_table(&key, kind)),
            None => message,
        }
    };
    ConfigError {
        path: display_path(path),
        message,
        line: Some(line),
    }
}

fn parent_of(key: &str) -> String {
    match key.rfind('.') {
        Some(at) => key[..at].to_string(),
        None => String::new(),
    }
}

fn strip_table(key: &str, kind: ConfigKind) -> &str {
    let table = kind.table();
    if table.is_empty() {
        return key;
    }
    key.strip_prefix(table).and_then(|k| k.strip_prefix('.')).unwrap_or(key)
}

/// The known key closest to a misspelled one, if any is close enough: a
/// few edits away, or containing the misspelled key (`mixin` →
/// `mixin-class`) when that is not too short to mean anything.
fn closest<'a>(key: &str, known: &[&'a str]) -> Option<&'a str> {
    let allowed = (key.chars().count() / 3).clamp(1, 3);
    known
        .iter()
        .map(|k| (edit_distance(key, k), *k))
        .filter(|(d, k)| *d <= allowed || (key.len() >= 4 && k.contains(key)))
        .min()
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(current + 1);
            prev = current;
        }
    }
    row[b.len()]
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// Every key of a TOML document with its dotted path and the byte spans of
/// the key and of its value, to say which key an error span belongs to.
struct KeyIndex {
    /// `(dotted path, key span, value span)`.
    entries: KeyEntries,
}

impl KeyIndex {
    fn parse(text: &str) -> Option<KeyIndex> {
        let doc = toml_edit::ImDocument::parse(text).ok()?;
        let mut entries = Vec::new();
        collect_table(doc.as_table(), "", &mut entries);
        Some(KeyIndex { entries })
    }

    /// The innermost key whose key or value span contains `offset`.
    fn key_at(&self, offset: usize) -> Option<String> {
        self.entries
            .iter()
            .filter_map(|(path, key, value)| {
                let spans = [key, value];
                let span = spans
                    .iter()
                    .filter_map(|s| s.as_ref())
                    .find(|s| s.start <= offset && offset < s.end.max(s.start + 1))?;
                Some((span.end - span.start, path))
            })
            .min_by_key(|(len, path)| (*len, std::cmp::Reverse(path.len())))
            .map(|(_, path)| path.clone())
    }

    /// The line of the key at `path` (dotted), if the document has it.
    fn line_of_key(&self, text: &str, path: &str) -> Option<usize> {
        self.entries
            .iter()
            .find(|(p, _, _)| p == path)
            .and_then(|(_, key, value)| key.clone().or(value.clone()))
            .map(|span| line_of(text, span.start))
    }
}

type KeyEntries = Vec<(String, Option<Range<usize>>, Option<Range<usize>>)>;

fn join_key(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

fn collect_table(table: &toml_edit::Table, prefix: &str, out: &mut KeyEntries) {
    for (name, _) in table.iter() {
        let Some((key, item)) = table.get_key_value(name) else {
            continue;
        };
        let path = join_key(prefix, name);
        out.push((path.clone(), key.span(), item.span()));
        match item {
            toml_edit::Item::Table(t) => collect_table(t, &path, out),
            toml_edit::Item::Value(toml_edit::Value::InlineTable(t)) => collect_inline(t, &path, out),
            _ => {}
        }
    }
}

fn collect_inline(table: &toml_edit::InlineTable, prefix: &str, out: &mut KeyEntries) {
    for (name, _) in table.iter() {
        let Some((key, item)) = table.get_key_value(name) else {
            continue;
        };
        let path = join_key(prefix, name);
        out.push((path.clone(), key.span(), item.span()));
        if let toml_edit::Item::Value(toml_edit::Value::InlineTable(t)) = item {
            collect_inline(t, &path, out);
        }
    }
}

/// One value per kind of write method, each optional: a table overrides only
/// the kinds it names (`setters = { create = "stamp_creator" }`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerKindOptions<T> {
    pub create: Option<T>,
    pub update: Option<T>,
    pub delete: Option<T>,
}

impl<T: Clone> PerKindOptions<T> {
    fn apply(&self, to: &mut PerKind<T>) {
        if let Some(v) = &self.create {
            to.create = v.clone();
        }
        if let Some(v) = &self.update {
            to.update = v.clone();
        }
        if let Some(v) = &self.delete {
            to.delete = v.clone();
        }
    }

    fn values(&self) -> impl Iterator<Item = (&'static str, &T)> {
        [
            ("create", self.create.as_ref()),
            ("update", self.update.as_ref()),
            ("delete", self.delete.as_ref()),
        ]
        .into_iter()
        .filter_map(|(k, v)| Some((k, v?)))
    }
}

/// `timestamp-style`: `"naive"` or `"aware"`.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum TimestampStyleOption {
    /// `datetime.now()`.
    Naive,
    /// `datetime.now(timezone.utc)`.
    Aware,
}

/// The keys of `[tool.auditfix]` (or of an `auditfix.toml`), in kebab-case.
/// Every key is optional; an absent key keeps the Gold Standard default
/// ([`Settings::default`]). Lists replace the default list; per-kind tables
/// (`create` / `update` / `delete`) override only the kinds they name.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Options {
    /// `include = ["app/**"]`: only files matching one of these globs are
    /// checked (still `.py` files only). A folder the walk skips by default
    /// (virtualenv, `node_modules`, `migrations`, `__pycache__`, hidden) is
    /// walked when an include pattern names it (`include = ["migrations/**"]`).
    pub include: Option<Vec<String>>,
    /// `exclude = ["tests/fixtures"]`: files or folders not to check, on top
    /// of the built-in skips (unlike ruff, it does not replace them: name a
    /// skipped folder in `include` to check it). A glob without `/` matches a
    /// file or folder name anywhere; one with a `/` inside (or a leading `/`
    /// or `./`) matches the path relative to the configuration file's
    /// directory. `*` stops at `/`, `**` crosses it.
    pub exclude: Option<Vec<String>>,
    /// `extend-exclude`: more of the same, added to `exclude` (accepted so a
    /// ruff-style configuration reads naturally).
    pub extend_exclude: Option<Vec<String>>,
    /// `select = ["AUD001", "AUD00"]`: the rules to run (codes, code
    /// prefixes, rule names or `ALL`); default: all. `--select` replaces it.
    pub select: Option<Vec<String>>,
    /// `extend-select = ["AUD011"]`: rules to run on top of `select` (with
    /// no `select`, every rule runs already). `--select` replaces both;
    /// `--extend-select` adds to what is left.
    pub extend_select: Option<Vec<String>>,
    /// `force-exclude = true`: files named on the command line obey
    /// `exclude` as walked files do (pre-commit passes every changed file
    /// by name); `--force-exclude` says the same.
    pub force_exclude: Option<bool>,
    /// `ignore = ["AUD011"]`: rules not to run; wins over `select`.
    /// `--ignore` adds to it.
    pub ignore: Option<Vec<String>>,
    /// `per-file-ignores = { "tests/**" = ["AUD012"] }`: rules not to run in
    /// the files matching a glob (matched like `exclude`; a folder pattern
    /// covers everything below it).
    pub per_file_ignores: Option<BTreeMap<String, Vec<String>>>,
    /// `context-class = "AuditContext"`: the audit context class (S2).
    pub context_class: Option<String>,
    /// `context-module = "app.features.core.audit_mixin"`: the module the
    /// context class is imported from (S7).
    pub context_module: Option<String>,
    /// `context-constructor = "from_user"`: the context's constructor from a user.
    pub context_constructor: Option<String>,
    /// `context-variable = "audit_ctx"`: the local variable holding the context.
    pub context_variable: Option<String>,
    /// `mixin-class = "AuditMixin"`: the mixin that provides the setters (S3).
    pub mixin_class: Option<String>,
    /// `setters = { create = "set_created_by", update = "set_updated_by",
    /// delete = "set_deleted_by" }`: the mixin's setter per kind.
    pub setters: Option<PerKindOptions<String>>,
    /// `user-parameters = { create = "created_by_user", ... }`: the acting
    /// user's parameter per kind (S1).
    pub user_parameters: Option<PerKindOptions<String>>,
    /// `timestamp-fields = { create = ["created_at", "updated_at"], update =
    /// ["updated_at"], delete = ["deleted_at"] }`: columns each kind must set (S4).
    pub timestamp_fields: Option<PerKindOptions<Vec<String>>>,
    /// `audit-column-prefixes = { create = "created_by", ... }`: the prefix of
    /// the columns each setter fills (`created_by_email`, ...), for S8.
    pub audit_column_prefixes: Option<PerKindOptions<String>>,
    /// `timestamp-style = "naive"` (`datetime.now()`) or `"aware"`
    /// (`datetime.now(timezone.utc)`) (S5).
    pub timestamp_style: Option<TimestampStyleOption>,
    /// `method-patterns = { create = ["create_*", "add_*"], ... }`: method-name
    /// globs announcing each kind (`*` and `?` only).
    pub method_patterns: Option<PerKindOptions<Vec<String>>>,
    /// `session-expressions = ["self.db", "self.session", "db", "session"]`:
    /// the expressions that are a database session.
    pub session_expressions: Option<Vec<String>>,
    /// `integrity-error = "IntegrityError"`: the constraint-violation class (S6).
    pub integrity_error: Option<String>,
    /// `integrity-error-module = "sqlalchemy.exc"`: where it is imported from.
    pub integrity_error_module: Option<String>,
    /// `exempt-models = ["Tenant"]`: models that need not inherit the mixin
    /// (AUD011 stays quiet for them).
    pub exempt_models: Option<Vec<String>>,
    /// `current-user-names = ["current_user"]`: variables holding the acting user.
    pub current_user_names: Option<Vec<String>>,
    /// `user-dependencies = ["get_current_user"]`: FastAPI dependencies that
    /// provide the acting user (`Depends(get_current_user)`).
    pub user_dependencies: Option<Vec<String>>,
    /// `script-paths = ["tests", "test_*", "scripts", ...]`: folder and file
    /// names (globs, no `.py`) of modules that hold no service code.
    pub script_paths: Option<Vec<String>>,

    /// The file's text, for line numbers of validation errors.
    #[serde(skip)]
    text: String,
    #[serde(skip)]
    kind: Option<ConfigKind>,
}

impl Options {
    /// The settings and selections these options describe, validated.
    fn resolve(&self, file: &Path) -> Result<Config, ConfigError> {
        let keys = KeyIndex::parse(&self.text);
        let table = self.kind.unwrap_or(ConfigKind::Standalone).table();
        let fail = |key: &str, message: String| ConfigError {
            path: display_path(file),
            message,
            line: keys
                .as_ref()
                .and_then(|k| k.line_of_key(&self.text, &join_key(table, key))),
        };

        for (key, list) in [
            ("select", &self.select),
            ("extend-select", &self.extend_select),
            ("ignore", &self.ignore),
        ] {
            if let Some(unknown) = list.iter().flatten().find(|s| !is_known_selector(s)) {
                return Err(fail(key, format!("`{key}`: unknown rule code `{unknown}`")));
            }
        }
        for (glob, selectors) in self.per_file_ignores.iter().flatten() {
            let key = format!("per-file-ignores.{glob}");
            if let Some(unknown) = selectors.iter().find(|s| !is_known_selector(s)) {
                return Err(fail(
                    &key,
                    format!("`per-file-ignores`: unknown rule code `{unknown}` for `{glob}`"),
                ));
            }
            if let Err(err) = build_glob(glob) {
                return Err(fail(&key, format!("`per-file-ignores`: {err}")));
            }
        }
        for (key, list) in [
            ("include", &self.include),
            ("exclude", &self.exclude),
            ("extend-exclude", &self.extend_exclude),
        ] {
            for glob in list.iter().flatten() {
                if let Err(err) = build_glob(glob) {
                    return Err(fail(key, format!("`{key}`: {err}")));
                }
            }
        }
        self.validate_names().map_err(|(key, message)| fail(&key, message))?;

        let mut settings = Settings::default();
        let strings = [
            (&self.context_class, &mut settings.context_class),
            (&self.context_module, &mut settings.context_module),
            (&self.context_constructor, &mut settings.context_constructor),
            (&self.context_variable, &mut settings.context_variable),
            (&self.mixin_class, &mut settings.mixin_class),
            (&self.integrity_error, &mut settings.integrity_error),
            (&self.integrity_error_module, &mut settings.integrity_error_module),
        ];
        for (value, target) in strings {
            if let Some(value) = value {
                *target = value.clone();
            }
        }
        let lists = [
            (&self.session_expressions, &mut settings.session_expressions),
            (&self.exempt_models, &mut settings.exempt_models),
            (&self.current_user_names, &mut settings.current_user_names),
            (&self.user_dependencies, &mut settings.user_dependencies),
            (&self.script_paths, &mut settings.script_paths),
        ];
        for (value, target) in lists {
            if let Some(value) = value {
                *target = value.clone();
            }
        }
        if let Some(t) = &self.setters {
            t.apply(&mut settings.setters);
        }
        if let Some(t) = &self.user_parameters {
            t.apply(&mut settings.user_parameters);
        }
        if let Some(t) = &self.audit_column_prefixes {
            t.apply(&mut settings.audit_column_prefixes);
        }
        if let Some(t) = &self.timestamp_fields {
            t.apply(&mut settings.timestamp_fields);
        }
        if let Some(t) = &self.method_patterns {
            t.apply(&mut settings.method_patterns);
        }
        if let Some(style) = self.timestamp_style {
            settings.timestamp_style = match style {
                TimestampStyleOption::Naive => TimestampStyle::Naive,
                TimestampStyleOption::Aware => TimestampStyle::Aware,
            };
        }

        let mut select = self.select.clone().unwrap_or_default();
        extend_selection(&mut select, self.extend_select.as_deref().unwrap_or_default());
        Ok(Config {
            settings,
            select,
            force_exclude: self.force_exclude.unwrap_or(false),
            ignore: self.ignore.clone().unwrap_or_default(),
            include: self.include.clone().unwrap_or_default(),
            exclude: self
                .exclude
                .iter()
                .chain(self.extend_exclude.iter())
                .flatten()
                .cloned()
                .collect(),
            per_file_ignores: self
                .per_file_ignores
                .iter()
                .flatten()
                .map(|(glob, selectors)| (glob.clone(), selectors.clone()))
                .collect(),
            ..Config::default()
        })
    }

    /// Names that get inserted into Python code must be identifiers (or
    /// dotted names): a typo here would otherwise become a syntax error in
    /// every fixed file. Returns the offending key and a message.
    fn validate_names(&self) -> Result<(), (String, String)> {
        let identifiers = [
            ("context-class", &self.context_class),
            ("context-constructor", &self.context_constructor),
            ("context-variable", &self.context_variable),
            ("mixin-class", &self.mixin_class),
            ("integrity-error", &self.integrity_error),
        ];
        for (key, value) in identifiers {
            if let Some(value) = value {
                check_name(key, value, false)?;
            }
        }
        for (key, value) in [
            ("context-module", &self.context_module),
            ("integrity-error-module", &self.integrity_error_module),
        ] {
            if let Some(value) = value {
                check_name(key, value, true)?;
            }
        }
        for (key, list, dotted) in [
            ("session-expressions", &self.session_expressions, true),
            ("exempt-models", &self.exempt_models, false),
            ("current-user-names", &self.current_user_names, false),
            ("user-dependencies", &self.user_dependencies, true),
        ] {
            for value in list.iter().flatten() {
                check_name(key, value, dotted)?;
            }
        }
        for (key, table) in [
            ("setters", &self.setters),
            ("user-parameters", &self.user_parameters),
            ("audit-column-prefixes", &self.audit_column_prefixes),
        ] {
            for (kind, value) in table.iter().flat_map(|t| t.values()) {
                check_name(&format!("{key}.{kind}"), value, false)?;
            }
        }
        for (kind, fields) in self.timestamp_fields.iter().flat_map(|t| t.values()) {
            for value in fields {
                check_name(&format!("timestamp-fields.{kind}"), value, false)?;
            }
        }
        for (kind, patterns) in self.method_patterns.iter().flat_map(|t| t.values()) {
            if patterns.iter().any(|p| p.trim().is_empty()) {
                let key = format!("method-patterns.{kind}");
                return Err((key.clone(), format!("`{key}`: a pattern is empty")));
            }
        }
        Ok(())
    }
}

fn check_name(key: &str, value: &str, dotted: bool) -> Result<(), (String, String)> {
    let is_identifier = |s: &str| {
        let mut chars = s.chars();
        chars.next().is_some_and(|c| c == '_' || c.is_alphabetic()) && chars.all(|c| c == '_' || c.is_alphanumeric())
    };
    let ok = if dotted {
        value.split('.').all(is_identifier)
    } else {
        is_identifier(value)
    };
    if ok {
        Ok(())
    } else {
        let what = if dotted {
            "a dotted Python name"
        } else {
            "a Python identifier"
        };
        Err((key.to_string(), format!("`{key}`: `{value}` is not {what}")))
    }
}

/// One glob, compiled the way every configuration glob is: `*` and `?` stop
/// at `/`, `**` crosses it, `{a,b}` alternates.
pub fn build_glob(pattern: &str) -> Result<Glob, String> {
    GlobBuilder::new(&clean_pattern(pattern))
        .literal_separator(true)
        .backslash_escape(true)
        .build()
        .map_err(|e| format!("invalid glob `{pattern}`: {}", e.kind()))
}

/// Whether a pattern is matched against the relative path (it has a `/`
/// before its last character, or starts with `/` or `./`) rather than
/// against names (a trailing `/` alone does not anchor).
fn is_anchored(pattern: &str) -> bool {
    let p = pattern.trim();
    p.starts_with('/') || p.starts_with("./") || p.trim_end_matches('/').contains('/')
}

/// `./a/`, `/a` and `a/` all mean the path `a` relative to the root.
fn clean_pattern(pattern: &str) -> String {
    let mut p = pattern.trim();
    while let Some(rest) = p.strip_prefix("./") {
        p = rest;
    }
    let p = p.trim_start_matches('/').trim_end_matches('/');
    p.to_string()
}

/// A list of configuration globs, matched against paths relative to the
/// configuration root: a pattern without `/` matches a file or folder name
/// anywhere (`tests`, `*_test.py`); one with a `/` inside, or starting with
/// `/` or `./`, matches the relative path (`app/legacy/**`, `/app/main.py`).
#[derive(Clone, Debug, Default)]
pub struct PathGlobs {
    names: GlobSet,
    name_index: Vec<usize>,
    paths: GlobSet,
    path_index: Vec<usize>,
    len: usize,
}

impl PathGlobs {
    /// Compile `patterns`; invalid ones are skipped (they were rejected when
    /// the configuration was read).
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> PathGlobs {
        let mut names = GlobSetBuilder::new();
        let mut name_index = Vec::new();
        let mut paths = GlobSetBuilder::new();
        let mut path_index = Vec::new();
        for (i, pattern) in patterns.iter().enumerate() {
            let pattern = pattern.as_ref();
            let Ok(glob) = build_glob(pattern) else {
                continue;
            };
            if is_anchored(pattern) {
                paths.add(glob);
                path_index.push(i);
            } else {
                names.add(glob);
                name_index.push(i);
            }
        }
        PathGlobs {
            names: names.build().unwrap_or_else(|_| GlobSet::empty()),
            name_index,
            paths: paths.build().unwrap_or_else(|_| GlobSet::empty()),
            path_index,
            len: patterns.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether a pattern matches `relative` itself (its name or its path).
    pub fn is_match(&self, relative: &Path) -> bool {
        relative
            .file_name()
            .is_some_and(|name| self.names.is_match(Path::new(name)))
            || self.paths.is_match(relative)
    }

    /// The indices of the patterns matching `relative` or any folder above it.
    pub fn matching_with_ancestors(&self, relative: &Path) -> Vec<usize> {
        let mut out = Vec::new();
        let mut current = Some(relative);
        while let Some(path) = current.filter(|p| !p.as_os_str().is_empty()) {
            if let Some(name) = path.file_name() {
                for i in self.names.matches(Path::new(name)) {
                    out.push(self.name_index[i]);
                }
            }
            for i in self.paths.matches(path) {
                out.push(self.path_index[i]);
            }
            current = path.parent();
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Whether a pattern matches `relative` or any folder above it.
    pub fn is_match_with_ancestors(&self, relative: &Path) -> bool {
        !self.matching_with_ancestors(relative).is_empty()
    }
}

/// `path` (relative to the working directory, or absolute) relative to
/// `root` when it is below it; otherwise the path as given, normalized.
pub fn relative_to_root(path: &Path, root: &Path) -> PathBuf {
    let absolute = if path.is_absolute() {
        normalize(path)
    } else {
        match std::env::current_dir() {
            Ok(cwd) => normalize(&cwd.join(path)),
            Err(_) => normalize(path),
        }
    };
    match absolute.strip_prefix(normalize(root)) {
        Ok(relative) => relative.to_path_buf(),
        Err(_) => normalize(path),
    }
}

/// Remove `.` components and resolve `..` lexically (no filesystem access).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The compiled `per-file-ignores` of a [`Config`], cached.
#[derive(Default)]
pub struct CompiledCache(RwLock<Option<Arc<CompiledIgnores>>>);

#[doc(hidden)]
pub struct CompiledIgnores {
    from: Vec<(String, Vec<String>)>,
    globs: PathGlobs,
    selectors: Vec<Vec<String>>,
}

impl CompiledCache {
    fn get(&self, config: &Config) -> Arc<CompiledIgnores> {
        if let Ok(guard) = self.0.read() {
            if let Some(compiled) = guard.as_ref() {
                if compiled.from == config.per_file_ignores {
                    return compiled.clone();
                }
            }
        }
        let patterns: Vec<&str> = config.per_file_ignores.iter().map(|(g, _)| g.as_str()).collect();
        let compiled = Arc::new(CompiledIgnores {
            from: config.per_file_ignores.clone(),
            globs: PathGlobs::new(&patterns),
            selectors: config.per_file_ignores.iter().map(|(_, s)| s.clone()).collect(),
        });
        if let Ok(mut guard) = self.0.write() {
            *guard = Some(compiled.clone());
        }
        compiled
    }
}

impl Clone for CompiledCache {
    fn clone(&self) -> Self {
        CompiledCache(RwLock::new(self.0.read().ok().and_then(|g| g.clone())))
    }
}

impl std::fmt::Debug for CompiledCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CompiledCache")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, text).unwrap();
        path
    }

    fn load_from(dir: &Path) -> Result<Config, ConfigError> {
        load(&[dir.to_path_buf()], &Overrides::default())
    }

    fn error_from(dir: &Path) -> String {
        let err = load_from(dir).unwrap_err();
        // Messages show the file name; compare from it on.
        let text = err.to_string();
        let name = err.path.file_name().unwrap().to_string_lossy().to_string();
        text[text.find(&name).unwrap()..].to_string()
    }

    #[test]
    fn defaults_without_a_configuration_file() {
        let dir = tempfile::tempdir().unwrap();
        let config = load_from(dir.path()).unwrap();
        assert_eq!(config.settings, Settings::default());
        assert!(config.select.is_empty() && config.ignore.is_empty());
        // A temp dir may sit below a directory with a configuration of its
        // own; without one, no source.
        if find_config_file(dir.path()).unwrap().is_none() {
            assert_eq!(config.source, None);
        }
    }

    #[test]
    fn pyproject_table_maps_onto_settings() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "pyproject.toml",
            r#"
[project]
name = "svc"

[tool.auditfix]
context-class = "AuditCtx"
context-module = "svc.audit"
context-constructor = "for_user"
context-variable = "ctx"
mixin-class = "Audited"
setters = { create = "stamp_created" }
user-parameters = { update = "actor" }
timestamp-fields = { create = ["created_on"] }
audit-column-prefixes = { delete = "removed_by" }
timestamp-style = "aware"
method-patterns = { delete = ["drop_*"] }
session-expressions = ["self.repo"]
integrity-error = "UniqueViolation"
integrity-error-module = "psycopg.errors"
exempt-models = ["Tenant"]
current-user-names = ["me"]
user-dependencies = ["auth.current"]
select = ["AUD00"]
ignore = ["AUD004"]
include = ["app/**"]
exclude = ["legacy"]
extend-exclude = ["scratch/*.py"]

[tool.auditfix.per-file-ignores]
"tests/**" = ["AUD012", "caller-drops-user"]
"#,
        );
        let config = load_from(dir.path()).unwrap();
        let s = &config.settings;
        assert_eq!(s.context_class, "AuditCtx");
        assert_eq!(s.context_module, "svc.audit");
        assert_eq!(s.context_constructor, "for_user");
        assert_eq!(s.context_variable, "ctx");
        assert_eq!(s.mixin_class, "Audited");
        assert_eq!(s.setters.create, "stamp_created");
        assert_eq!(s.setters.update, "set_updated_by");
        assert_eq!(s.user_parameters.update, "actor");
        assert_eq!(s.timestamp_fields.create, vec!["created_on".to_string()]);
        assert_eq!(s.timestamp_fields.update, vec!["updated_at".to_string()]);
        assert_eq!(s.audit_column_prefixes.delete, "removed_by");
        assert_eq!(s.timestamp_style, TimestampStyle::Aware);
        assert_eq!(s.method_patterns.delete, vec!["drop_*".to_string()]);
        assert_eq!(s.session_expressions, vec!["self.repo".to_string()]);
        assert_eq!(s.integrity_error, "UniqueViolation");
        assert_eq!(s.integrity_error_module, "psycopg.errors");
        assert_eq!(s.exempt_models, vec!["Tenant".to_string()]);
        assert_eq!(s.current_user_names, vec!["me".to_string()]);
        assert_eq!(s.user_dependencies, vec!["auth.current".to_string()]);
        assert_eq!(config.select, vec!["AUD00"]);
        assert_eq!(config.ignore, vec!["AUD004"]);
        assert_eq!(config.include, vec!["app/**"]);
        assert_eq!(config.exclude, vec!["legacy", "scratch/*.py"]);
        assert_eq!(
            config.per_file_ignores,
            vec![(
                "tests/**".to_string(),
                vec!["AUD012".to_string(), "caller-drops-user".to_string()]
            )]
        );
        assert_eq!(config.source, Some(dir.path().join("pyproject.toml")));
        assert_eq!(config.root, dir.path());
    }

    #[test]
    fn nearest_file_wins_and_dot_file_beats_plain_beats_pyproject() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "pyproject.toml", "[tool.auditfix]\nmixin-class = \"P\"\n");
        write(root, "auditfix.toml", "mixin-class = \"A\"\n");
        write(root, "pkg/sub/x.py", "");
        let from_file = load(&[root.join("pkg/sub/x.py")], &Overrides::default()).unwrap();
        assert_eq!(from_file.settings.mixin_class, "A");
        write(root, ".auditfix.toml", "mixin-class = \"D\"\n");
        assert_eq!(load_from(root).unwrap().settings.mixin_class, "D");
        // A nearer pyproject.toml with the table wins over the farther files.
        write(root, "pkg/pyproject.toml", "[tool.auditfix]\nmixin-class = \"N\"\n");
        let nearer = load(&[root.join("pkg/sub")], &Overrides::default()).unwrap();
        assert_eq!(nearer.settings.mixin_class, "N");
        assert_eq!(nearer.root, root.join("pkg"));
    }

    #[test]
    fn pyproject_without_the_table_is_passed_over() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "auditfix.toml", "mixin-class = \"Outer\"\n");
        write(root, "svc/pyproject.toml", "[tool.ruff]\nline-length = 100\n");
        let config = load_from(&root.join("svc")).unwrap();
        assert_eq!(config.settings.mixin_class, "Outer");
        assert_eq!(config.source, Some(root.join("auditfix.toml")));
    }

    #[test]
    fn explicit_config_file_wins_over_search() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, ".auditfix.toml", "mixin-class = \"Searched\"\n");
        let explicit = write(root, "conf/custom.toml", "mixin-class = \"Explicit\"\n");
        let overrides = Overrides {
            config_file: Some(explicit.clone()),
            ..Overrides::default()
        };
        let config = load(&[root.to_path_buf()], &overrides).unwrap();
        assert_eq!(config.settings.mixin_class, "Explicit");
        assert_eq!(config.root, root.join("conf"));

        let missing = Overrides {
            config_file: Some(root.join("nope.toml")),
            ..Overrides::default()
        };
        let err = load(&[root.to_path_buf()], &missing).unwrap_err();
        assert!(err.message.contains("No such file or directory"), "{err}");

        let bare = write(root, "other/pyproject.toml", "[project]\nname = \"x\"\n");
        let err = load(
            &[],
            &Overrides {
                config_file: Some(bare),
                ..Overrides::default()
            },
        )
        .unwrap_err();
        assert!(err.message.contains("no [tool.auditfix] table"), "{err}");
    }

    #[test]
    fn unknown_key_names_file_line_and_table() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "pyproject.toml",
            "[project]\nname = \"x\"\n\n[tool.auditfix]\nselect = [\"AUD001\"]\nmixin = \"AuditMixin\"\n",
        );
        assert_eq!(
            error_from(dir.path()),
            "pyproject.toml:6: unknown key `mixin` in [tool.auditfix] (did you mean `mixin-class`?)"
        );
        // Dotted keys under [tool] are found too.
        write(
            dir.path(),
            "pyproject.toml",
            "[tool]\nauditfix.select = [\"AUD001\"]\nauditfix.selct = []\n",
        );
        assert_eq!(
            error_from(dir.path()),
            "pyproject.toml:3: unknown key `selct` in [tool.auditfix] (did you mean `select`?)"
        );
    }

    #[test]
    fn unknown_nested_key_names_its_table() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "auditfix.toml",
            "[setters]\ncreate = \"a\"\ncreated = \"b\"\n",
        );
        assert_eq!(
            error_from(dir.path()),
            "auditfix.toml:3: unknown key `created` in [setters] (did you mean `create`?)"
        );
        write(dir.path(), "auditfix.toml", "\n\nbogus = 1\n");
        assert_eq!(error_from(dir.path()), "auditfix.toml:3: unknown key `bogus`");
    }

    #[test]
    fn wrong_types_name_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let cases = [
            (
                "[tool.auditfix]\ncontext-class = 3\n",
                "pyproject.toml:2: `context-class`: invalid type: integer `3`, expected a string",
            ),
            (
                "[tool.auditfix]\nselect = [\n  \"AUD001\",\n  7,\n]\n",
                "pyproject.toml:4: `select`: invalid type: integer `7`, expected a string",
            ),
            (
                "[tool.auditfix]\ntimestamp-style = \"utc\"\n",
                "pyproject.toml:2: `timestamp-style`: unknown variant `utc`, expected `naive` or `aware`",
            ),
            (
                "[tool.auditfix.setters]\ncreate = [\"x\"]\n",
                "pyproject.toml:2: `setters.create`: invalid type: sequence, expected a string",
            ),
        ];
        for (text, expected) in cases {
            write(dir.path(), "pyproject.toml", text);
            assert_eq!(error_from(dir.path()), expected);
        }
    }

    #[test]
    fn invalid_toml_gives_line_and_parser_message() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "auditfix.toml", "select = [\"AUD001\"\n\n[oops\n");
        let message = error_from(dir.path());
        assert!(message.starts_with("auditfix.toml:"), "{message}");
        assert!(!message.contains('\n'), "{message}");
    }

    #[test]
    fn unknown_rule_codes_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "auditfix.toml",
            "select = [\"AUD001\"]\nignore = [\"AUD999\"]\n",
        );
        assert_eq!(
            error_from(dir.path()),
            "auditfix.toml:2: `ignore`: unknown rule code `AUD999`"
        );
        write(
            dir.path(),
            "auditfix.toml",
            "[per-file-ignores]\n\"tests/*\" = [\"AUD012\"]\n\"x.py\" = [\"E501\"]\n",
        );
        assert_eq!(
            error_from(dir.path()),
            "auditfix.toml:3: `per-file-ignores`: unknown rule code `E501` for `x.py`"
        );
        fs::remove_file(dir.path().join("auditfix.toml")).unwrap();
        let err = load(
            &[dir.path().to_path_buf()],
            &Overrides {
                select: Some(vec!["AUD0X".into()]),
                ..Overrides::default()
            },
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "--select: unknown rule code `AUD0X`");
    }

    #[test]
    fn names_that_are_not_identifiers_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "auditfix.toml",
            "context-module = \"app.core\"\n[user-parameters]\nupdate = \"updated by\"\n",
        );
        assert_eq!(
            error_from(dir.path()),
            "auditfix.toml:3: `user-parameters.update`: `updated by` is not a Python identifier"
        );
    }

    #[test]
    fn extend_select_adds_to_select_from_the_file_and_the_command_line() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "auditfix.toml",
            "select = [\"AUD001\"]\nextend-select = [\"AUD004\"]\n",
        );
        let root = [dir.path().to_path_buf()];
        assert_eq!(load(&root, &Overrides::default()).unwrap().select, ["AUD001", "AUD004"]);
        let flag = Overrides {
            extend_select: vec!["AUD011".into()],
            ..Overrides::default()
        };
        assert_eq!(load(&root, &flag).unwrap().select, ["AUD001", "AUD004", "AUD011"]);
        // `--select` replaces the file's selection, extension included.
        let both = Overrides {
            select: Some(vec!["AUD002".into()]),
            extend_select: vec!["AUD003".into()],
            ..Overrides::default()
        };
        assert_eq!(load(&root, &both).unwrap().select, ["AUD002", "AUD003"]);
        // With no `select`, every rule runs already.
        write(dir.path(), "auditfix.toml", "extend-select = [\"AUD004\"]\n");
        assert!(load(&root, &Overrides::default()).unwrap().select.is_empty());
        // Unknown codes are errors naming where they are.
        write(dir.path(), "auditfix.toml", "extend-select = [\"AUD404\"]\n");
        let err = load(&root, &Overrides::default()).unwrap_err().to_string();
        assert!(
            err.ends_with("auditfix.toml:1: `extend-select`: unknown rule code `AUD404`"),
            "{err}"
        );
        let bad_flag = Overrides {
            extend_select: vec!["AUD9".into()],
            ..Overrides::default()
        };
        write(dir.path(), "auditfix.toml", "");
        assert_eq!(
            load(&root, &bad_flag).unwrap_err().to_string(),
            "--extend-select: unknown rule code `AUD9`"
        );
    }

    #[test]
    fn command_line_select_replaces_and_ignore_extends() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "auditfix.toml",
            "select = [\"AUD001\"]\nignore = [\"AUD002\"]\n",
        );
        let overrides = Overrides {
            config_file: None,
            select: Some(vec!["AUD003".into(), "AUD004".into()]),
            ignore: vec!["AUD004".into()],
            ..Overrides::default()
        };
        let config = load(&[dir.path().to_path_buf()], &overrides).unwrap();
        assert_eq!(config.select, vec!["AUD003", "AUD004"]);
        assert_eq!(config.ignore, vec!["AUD002", "AUD004"]);
        let file = dir.path().join("a.py");
        assert!(config.is_enabled(Rule::MissingAuditSetter, &file));
        assert!(!config.is_enabled(Rule::MissingExplicitTimestamp, &file));
        assert!(!config.is_enabled(Rule::MissingUserParameter, &file));
    }

    #[test]
    fn per_file_ignores_match_relative_to_the_root() {
        let root = PathBuf::from("/project");
        let config = Config {
            root: root.clone(),
            per_file_ignores: vec![
                ("tests/**".into(), vec!["AUD012".into()]),
                ("legacy".into(), vec!["ALL".into()]),
                ("*_admin.py".into(), vec!["AUD00".into()]),
                ("/app/main.py".into(), vec!["missing-audit-setter".into()]),
            ],
            ..Config::default()
        };
        let on = |rule, path: &str| config.is_enabled(rule, &root.join(path));
        assert!(!on(Rule::CallerDropsUser, "tests/unit/test_x.py"));
        assert!(on(Rule::CallerDropsUser, "app/tests_helpers.py"));
        assert!(on(Rule::MissingAuditSetter, "tests/unit/test_x.py"));
        assert!(!on(Rule::MissingAuditSetter, "app/legacy/old.py"));
        assert!(!on(Rule::ModelWithoutAuditMixin, "legacy/models.py"));
        assert!(!on(Rule::MissingAuditSetter, "app/user_admin.py"));
        assert!(on(Rule::ModelWithoutAuditMixin, "app/user_admin.py"));
        assert!(!on(Rule::MissingAuditSetter, "app/main.py"));
        assert!(on(Rule::MissingAuditSetter, "other/app/main.py"));
        // A clone whose patterns were changed does not reuse a stale cache.
        let mut other = config.clone();
        other.per_file_ignores.clear();
        assert!(other.is_enabled(Rule::CallerDropsUser, &root.join("tests/a.py")));
    }

    #[test]
    fn path_globs_match_names_anywhere_and_paths_from_the_root() {
        let globs = PathGlobs::new(&["build", "app/gen/*.py", "./docs/"]);
        assert!(globs.is_match(Path::new("x/build")));
        assert!(globs.is_match(Path::new("app/gen/a.py")));
        assert!(!globs.is_match(Path::new("app/gen/sub/a.py")));
        assert!(globs.is_match(Path::new("docs")));
        assert!(!globs.is_match(Path::new("x/docs")));
        assert!(globs.is_match_with_ancestors(Path::new("docs/a/b.py")));
        assert!(!globs.is_match_with_ancestors(Path::new("src/a.py")));
    }

    #[test]
    fn closest_key_suggestion() {
        assert_eq!(closest("mixin", &["mixin-class", "select"]), Some("mixin-class"));
        assert_eq!(closest("selct", &["mixin-class", "select"]), Some("select"));
        assert_eq!(closest("zzzzzz", &["mixin-class", "select"]), None);
        assert_eq!(closest("d", &["exclude", "select"]), None);
    }
}
