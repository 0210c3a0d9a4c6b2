//! The repository's audit convention as its code shows it: the profile
//! `check --show-profile` prints as a `[tool.auditfix]` block a team can
//! commit.
//!
//! What lives here: reading the convention from the repository index (the
//! audit mixin the models inherit, its setters and their arity, its audit
//! columns and how they are shaped, its timestamp columns and their
//! clocks, the audit context class) and rendering it as TOML, each key
//! with a comment saying what it was read from. Where the code says
//! nothing, the configuration's value (the report's Gold Standard unless
//! the team configured otherwise) is kept and the comment says so. What
//! does not live here: the rules, which read the [`Settings`] the
//! configuration resolves.

use crate::analysis::index::{MixinFit, RepoIndex};
use crate::analysis::module::{Arity, ClassFacts, Clock};
use crate::settings::{Kind, Settings};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// The audit mixin the profile found, and why it is the one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mixin {
    pub name: String,
    /// The module that defines it.
    pub module: String,
    /// How many mapped classes inherit it (directly or through bases).
    pub models: usize,
    /// Whether it is the configured `mixin-class` (else inferred).
    pub configured: bool,
    /// Its methods and theirs of its bases of the repository, nearest first.
    pub methods: BTreeMap<String, Arity>,
    /// Its mapped attributes and its bases'.
    pub columns: BTreeSet<String>,
    /// The clock of each timestamp column that tells one.
    pub clocks: BTreeMap<String, Clock>,
}

/// The convention of one repository.
#[derive(Debug, Clone)]
pub struct Profile {
    pub mixin: Option<Mixin>,
    /// The setter per kind, when the mixin has one.
    pub setters: BTreeMap<Kind, (String, Arity)>,
    /// The audit columns per kind (`created_by_email`, `created_by_id`...).
    pub audit_columns: BTreeMap<Kind, Vec<String>>,
    /// The timestamp column per kind (`created_at`...), when the mixin has it.
    pub timestamps: BTreeMap<Kind, String>,
    /// The context class's module, when the repository defines it.
    pub context_module: Option<String>,
    /// Whether the configured setters would bind here.
    pub fit: MixinFit,
    /// How a fix records who acted, per kind, in the mixin's words (see
    /// [`crate::convention`]), or why it cannot.
    pub stamps: BTreeMap<Kind, Result<crate::convention::Stamp, String>>,
}

/// The kinds' words in the audit columns' names (`created_by_id`,
/// `created_at`).
const KIND_WORDS: [(Kind, &str); 3] = [
    (Kind::Create, "created"),
    (Kind::Update, "updated"),
    (Kind::Delete, "deleted"),
];

/// The names an update timestamp goes by besides `updated_at`.
const UPDATE_TIMESTAMPS: [&str; 2] = ["modified_at", "update_at"];

impl Profile {
    /// Read the convention of the repository behind `index`, starting from
    /// `settings` (the configuration, or the Gold Standard).
    pub fn infer(index: &RepoIndex, settings: &Settings) -> Profile {
        let mixin = configured_mixin(index, settings).or_else(|| inferred_mixin(index));
        let mut setters = BTreeMap::new();
        let mut audit_columns = BTreeMap::new();
        let mut timestamps = BTreeMap::new();
        if let Some(mixin) = &mixin {
            for (kind, word) in KIND_WORDS {
                let setter = crate::convention::setter_among(&mixin.methods, settings, kind).map(|name| {
                    let arity = mixin.methods.get(&name).copied().unwrap_or_default();
                    (name, arity)
                });
                if let Some(setter) = setter {
                    setters.insert(kind, setter);
                }
                let by = format!("{word}_by");
                let columns: Vec<String> = mixin
                    .columns
                    .iter()
                    .filter(|c| **c == by || c.starts_with(&format!("{by}_")))
                    .cloned()
                    .collect();
                if !columns.is_empty() {
                    audit_columns.insert(kind, columns);
                }
                let at = format!("{word}_at");
                let also: &[&str] = if kind == Kind::Update { &UPDATE_TIMESTAMPS } else { &[] };
                let found = std::iter::once(at.as_str())
                    .chain(also.iter().copied())
                    .find(|name| mixin.columns.contains(*name));
                if let Some(found) = found {
                    timestamps.insert(kind, found.to_string());
                }
            }
        }
        let setter_names: Vec<&str> = Kind::ALL.iter().map(|k| settings.setters.get(*k).as_str()).collect();
        let fit = match &mixin {
            Some(m) => index.mixin_fit(&m.name, &setter_names),
            None => MixinFit::NotInRepository,
        };
        let context_module = index.class_module(&settings.context_class).map(str::to_string);
        let stamps = match &mixin {
            Some(m) => Kind::ALL
                .iter()
                .map(|k| {
                    (
                        *k,
                        crate::convention::mixin_stamp(index, settings, &m.name, m.configured, *k),
                    )
                })
                .collect(),
            None => BTreeMap::new(),
        };
        Profile {
            stamps,
            mixin,
            setters,
            audit_columns,
            timestamps,
            context_module,
            fit,
        }
    }

    /// The profile as a `[tool.auditfix]` block, each key with a comment
    /// saying what it was read from.
    pub fn render(&self, settings: &Settings) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# The audit convention of this repository, as auditfix reads it from the code.\n\
             # Commit it as the [tool.auditfix] section of pyproject.toml (or in auditfix.toml);\n\
             # keys the code says nothing about keep the configuration's values.\n\
             [tool.auditfix]"
        );
        let Some(mixin) = &self.mixin else {
            let _ = writeln!(
                out,
                "# No audit mixin found: no class that mapped models inherit has `*_by` or\n\
                 # `*_at` audit columns or `set_*_by` setters. AUD001-AUD003 and AUD011 use\n\
                 # the configured `{}`; name the team's mixin here if it has one.\n\
                 mixin-class = {}",
                settings.mixin_class,
                quoted(&settings.mixin_class)
            );
            return out;
        };
        let how = if mixin.configured { "configured" } else { "inferred" };
        let _ = writeln!(
            out,
            "\n# {how}: `{}` in {}, inherited by {} mapped model{}.\nmixin-class = {}",
            mixin.name,
            mixin.module,
            mixin.models,
            if mixin.models == 1 { "" } else { "s" },
            quoted(&mixin.name)
        );

        // Setters.
        let described: Vec<String> = self
            .setters
            .values()
            .map(|(name, arity)| format!("`{name}` ({})", arity_words(arity)))
            .collect();
        if self.setters.len() == Kind::ALL.len() {
            let _ = writeln!(out, "\n# {}.", described.join(", "));
            let _ = writeln!(out, "setters = {}", per_kind(|k| quoted(&self.setters[&k].0)));
        } else {
            let _ = writeln!(
                out,
                "\n# `{}` has no setter for {}{}: the setters stay as configured.",
                mixin.name,
                Kind::ALL
                    .iter()
                    .filter(|k| !self.setters.contains_key(k))
                    .map(|k| kind_word(*k))
                    .collect::<Vec<_>>()
                    .join(", "),
                if described.is_empty() {
                    String::new()
                } else {
                    format!(" (it has {})", described.join(", "))
                }
            );
            let _ = writeln!(out, "setters = {}", per_kind(|k| quoted(settings.setters.get(k))));
        }

        // How fixes record who acted.
        if !self.stamps.is_empty() {
            let _ = writeln!(
                out,
                "\n# How a fix records who acted (the user is the write method's user parameter):"
            );
            for (kind, stamp) in &self.stamps {
                let user = settings.user_parameters.get(*kind);
                let line = match stamp {
                    Ok(crate::convention::Stamp::Standard { setter }) => format!(
                        "`x.{setter}({ctx}.user_email, {ctx}.user_name)` (the standard's call)",
                        ctx = settings.context_variable
                    ),
                    Ok(stamp) => format!("`{}`", stamp.describe("x", user)),
                    Err(why) => format!("nothing: {why}, so AUD001-AUD003 are not reported"),
                };
                let _ = writeln!(out, "#   {}: {line}", kind_word(*kind));
            }
        }

        // Audit columns.
        if !self.audit_columns.is_empty() {
            let shapes: Vec<String> = self
                .audit_columns
                .iter()
                .map(|(kind, columns)| {
                    format!(
                        "{}: {}",
                        kind_word(*kind),
                        columns.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
                    )
                })
                .collect();
            let _ = writeln!(out, "\n# Audit columns: {}.", shapes.join("; "));
            let _ = writeln!(
                out,
                "audit-column-prefixes = {}",
                per_kind(|k| match k {
                    Kind::Create => quoted("created_by"),
                    Kind::Update => quoted("updated_by"),
                    Kind::Delete => quoted("deleted_by"),
                })
            );
        }

        // Timestamps and their clock.
        if !self.timestamps.is_empty() {
            let fields = |kind: Kind| -> String {
                let mut names: Vec<&str> = Vec::new();
                if let Some(own) = self.timestamps.get(&kind) {
                    names.push(own);
                }
                if kind == Kind::Create {
                    if let Some(updated) = self.timestamps.get(&Kind::Update) {
                        names.push(updated);
                    }
                }
                format!("[{}]", names.iter().map(|n| quoted(n)).collect::<Vec<_>>().join(", "))
            };
            let _ = writeln!(out, "\ntimestamp-fields = {}", per_kind(fields));
            let clocks: BTreeSet<Clock> = mixin.clocks.values().copied().collect();
            let (style, why) = match clocks.iter().collect::<Vec<_>>().as_slice() {
                [Clock::AwareUtc] => (
                    "aware",
                    "the columns are timezone-aware (`timezone=True` or an aware default)",
                ),
                [Clock::NaiveUtc] => (
                    "naive",
                    "the defaults use `datetime.utcnow`: naive UTC, kept per column by AUD006",
                ),
                [Clock::NaiveLocal] => ("naive", "the defaults use `datetime.now`"),
                [] => (
                    match settings.timestamp_style {
                        crate::settings::TimestampStyle::Aware => "aware",
                        crate::settings::TimestampStyle::Naive => "naive",
                    },
                    "no column tells its clock: the configured style",
                ),
                _ => ("naive", "the columns use several clocks: each keeps its own (AUD006)"),
            };
            let _ = writeln!(out, "# {why}.\ntimestamp-style = {}", quoted(style));
        }

        // The context class.
        match &self.context_module {
            Some(module) => {
                let _ = writeln!(
                    out,
                    "\n# `{}` is defined in {module}.\ncontext-class = {}\ncontext-module = {}",
                    settings.context_class,
                    quoted(&settings.context_class),
                    quoted(module)
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "\n# No `{}` class in this repository: fixes import it from `{}` only where\n\
                     # that module is not one of the repository's (an installed package).",
                    settings.context_class, settings.context_module
                );
            }
        }
        out
    }
}

impl Profile {
    /// The convention in one line, for the report's header: which mixin
    /// the audit is held to, how it was found, and whether its setters
    /// take the standard's call.
    pub fn summary(&self, settings: &Settings) -> String {
        let Some(mixin) = &self.mixin else {
            return format!(
                "no audit mixin in this repository: models are held to the configured `{}` (`check --show-profile` says what was looked for)",
                settings.mixin_class
            );
        };
        let models = format!(
            "{} mapped model{}",
            mixin.models,
            if mixin.models == 1 { "" } else { "s" }
        );
        let setters = match self.stamps.get(&Kind::Create) {
            None | Some(Ok(crate::convention::Stamp::Standard { .. })) => {
                "its setters take the standard's call".to_string()
            }
            Some(Ok(stamp)) => format!(
                "fixes record who acted in its own words (`{}`)",
                stamp.describe("x", settings.user_parameters.get(Kind::Create))
            ),
            Some(Err(why)) => format!("{why}, so AUD001-AUD003 are not reported"),
        };
        let how = if mixin.configured {
            "inherited by"
        } else {
            "inferred from the code, inherited by"
        };
        format!("`{}` in `{}`, {how} {models}; {setters}", mixin.name, mixin.module)
    }
}

/// The configured mixin, when the repository defines it.
fn configured_mixin(index: &RepoIndex, settings: &Settings) -> Option<Mixin> {
    let module = index.class_module(&settings.mixin_class)?.to_string();
    Some(describe(index, &settings.mixin_class, module, true))
}

/// The class mapped models inherit that looks most like an audit mixin:
/// not mapped itself, with audit columns (`created_by*`, `*_at`) or
/// `set_*_by` setters. The one most models inherit, then the first.
fn inferred_mixin(index: &RepoIndex) -> Option<Mixin> {
    let mut classes: Vec<(String, String, &ClassFacts)> = Vec::new();
    for i in index.every_module() {
        let Some(module) = index.facts(i) else { continue };
        for class in &module.classes {
            classes.push((class.name.clone(), module.name.clone(), class));
        }
    }
    // The classes that map a table themselves.
    let mapped: Vec<&String> = classes
        .iter()
        .filter(|(_, _, class)| class.mapped)
        .map(|(name, _, _)| name)
        .collect();
    let looks_audit = |class: &ClassFacts| {
        let columns = class.columns.iter().any(|c| {
            UPDATE_TIMESTAMPS.contains(&c)
                || KIND_WORDS
                    .iter()
                    .any(|(_, word)| c.starts_with(&format!("{word}_by")) || *c == format!("{word}_at"))
        });
        let setters = class
            .methods
            .iter()
            .any(|(m, _)| m.starts_with("set_") && m.ends_with("_by"));
        columns || setters || crate::convention::looks_like_audit_mixin(class)
    };
    classes
        .iter()
        .filter(|(_, _, class)| !class.mapped && looks_audit(class))
        .map(|(name, module, _)| {
            let models = mapped.iter().filter(|m| **m != name && index.inherits(m, name)).count();
            (models, name, module)
        })
        .filter(|(models, _, _)| *models > 0)
        .max_by_key(|(models, _, _)| *models)
        .map(|(_, name, module)| describe(index, name, module.clone(), false))
}

/// The mixin `name` of `module`, its bases of the repository included.
fn describe(index: &RepoIndex, name: &str, module: String, configured: bool) -> Mixin {
    // The class itself from its own module (another module may define a
    // class of the same name, a migration's copy), its bases by name.
    let own = index
        .module(&module)
        .and_then(|m| m.classes.iter().find(|c| c.name == name));
    let view = crate::convention::MixinView::of_class(index, name, own);
    let mut columns = view.columns;
    columns.extend(view.fields);
    let (methods, clocks) = (view.methods, view.clocks);
    let models = index
        .every_module()
        .filter_map(|i| index.facts(i))
        .flat_map(|m| m.classes.iter())
        .filter(|c| c.name != name && c.mapped && index.inherits(&c.name, name))
        .count();
    Mixin {
        name: name.to_string(),
        module,
        models,
        configured,
        methods,
        columns,
        clocks,
    }
}

fn kind_word(kind: Kind) -> &'static str {
    match kind {
        Kind::Create => "create",
        Kind::Update => "update",
        Kind::Delete => "delete",
    }
}

fn arity_words(arity: &Arity) -> String {
    match arity.most {
        Some(most) if most == arity.required => {
            format!("{most} argument{} after self", if most == 1 { "" } else { "s" })
        }
        Some(most) => format!("{} to {most} arguments after self", arity.required),
        None => format!("at least {} arguments after self", arity.required),
    }
}

/// A TOML basic string.
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// `{ create = ..., update = ..., delete = ... }`.
fn per_kind(value: impl Fn(Kind) -> String) -> String {
    format!(
        "{{ create = {}, update = {}, delete = {} }}",
        value(Kind::Create),
        value(Kind::Update),
        value(Kind::Delete)
    )
}
