//! The Markdown compliance report of `auditfix report`, in the shape of the
//! hand-written audit report it automates: title, date and scope; an
//! executive summary (counts, findings by rule, one key finding per file);
//! per file its status, what is good, the issues with line and method, and
//! the recommended change as the diff `auditfix fix --unsafe` shows; a
//! priority matrix; a success-criteria checklist; the files not audited.
//!
//! This module decides nothing about the code: it renders a [`ReportInput`]
//! (the check result, the fixed texts, and a few facts about write methods
//! and models that the command gathers). It reads no clock and no
//! environment, so the same input always renders the same bytes: files in
//! path order, findings in position order, rules in code order.
//!
//! # Status of a file
//!
//! Every file with write methods or findings gets one status, the first
//! that applies:
//!
//! 1. **Needs updates**: a finding that means the audit trail is wrong or
//!    the code fails at run time: who acted is not taken, built or recorded
//!    (AUD001, AUD002, AUD003), `func.now()` assigned from Python (AUD005),
//!    a `NameError` waiting (AUD009), audit columns set by hand or attributes
//!    that are no columns (AUD010, AUD015), callers that drop the user or
//!    pass arguments that land in the wrong parameter (AUD012, AUD013,
//!    AUD014).
//! 2. **Not using the mixin**: otherwise, when every write method of the
//!    file writes a model without the mixin (each has an AUD011 finding):
//!    the who-acted requirements S1–S3 do not apply to it; what is left is
//!    an architecture decision.
//! 3. **Mostly compliant**: otherwise, any finding: only timestamps,
//!    timestamp style or `IntegrityError` handling (AUD004, AUD006, AUD007,
//!    AUD008), or a model without the mixin in some but not all methods.
//! 4. **Fully compliant**: no finding.
//!
//! So a service writing a mixin-less model that also has a `NameError`
//! waiting needs updates first; and a model that inherits the mixin through
//! a base class of the repository (the original report believed `Tenant`
//! lacked it) is judged as having it, and the file's section says so.
//!
//! # Priority of a file
//!
//! **High**: a write method that builds no audit context at all (AUD002),
//! a `NameError` (AUD009) or a `TypeError` (AUD014, AUD015: a keyword that
//! is no column) waiting. **Medium**: any
//! other finding but style and architecture (partial compliance). **Low**:
//! only timestamp style (AUD006) or models without the mixin (AUD011), or no
//! finding at all (the reference files).

use super::{plural, slash_path, Counts};
use crate::diagnostic::{CheckResult, Diagnostic, FileReport};
use crate::pipeline::FixedFile;
use crate::rules::Rule;
use crate::settings::{Settings, TimestampStyle};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Everything the report shows.
pub struct ReportInput<'a> {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// The tool's version, for the "Auditor" line.
    pub version: String,
    /// The paths audited, as given.
    pub paths: Vec<PathBuf>,
    /// The configuration file the standard came from (display path), if any.
    pub config_file: Option<PathBuf>,
    pub result: &'a CheckResult,
    /// The fixed text of every file, unsafe fixes included.
    pub fixed: &'a [FixedFile],
    /// Facts per file (display path).
    pub facts: BTreeMap<PathBuf, FileFacts>,
    pub settings: &'a Settings,
    /// Whether a rule ran on a file (display path).
    pub enabled: &'a dyn Fn(Rule, &Path) -> bool,
    /// The repository's audit convention in one line (see
    /// [`crate::profile::Profile::summary`]).
    pub convention: String,
}

/// What the report needs to know of one file beyond its findings.
#[derive(Clone, Debug, Default)]
pub struct FileFacts {
    /// The write methods, in file order.
    pub methods: Vec<MethodFacts>,
    /// Models written here that inherit the mixin only through base classes
    /// of the repository.
    pub inherited_mixins: Vec<InheritedMixin>,
    /// Whether the repository's mixin has the configured setters.
    pub mixin_fits: bool,
}

/// One write method.
#[derive(Clone, Debug)]
pub struct MethodFacts {
    /// `Class.method`.
    pub name: String,
    pub hard_delete: bool,
    /// Whether S1–S3 apply: it writes a model with the mixin (or calls a
    /// setter) and is no hard delete.
    pub audited: bool,
}

/// `Tenant` inherits `AuditMixin` through `GlobalModel` (defined in `path`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InheritedMixin {
    pub model: String,
    /// The classes between the model and the mixin, with the file each is
    /// defined in.
    pub through: Vec<(String, PathBuf)>,
}

/// The compliance status of one file (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    FullyCompliant,
    MostlyCompliant,
    NotUsingTheMixin,
    NeedsUpdates,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::FullyCompliant => "Fully compliant",
            Status::MostlyCompliant => "Mostly compliant",
            Status::NotUsingTheMixin => "Not using the mixin",
            Status::NeedsUpdates => "Needs updates",
        }
    }

    fn marker(self) -> &'static str {
        match self {
            Status::FullyCompliant => "✅",
            Status::MostlyCompliant => "⚠️",
            Status::NotUsingTheMixin => "ℹ️",
            Status::NeedsUpdates => "❌",
        }
    }
}

/// Rules whose findings make a file "Needs updates".
fn needs_update(rule: Rule) -> bool {
    use Rule::*;
    matches!(
        rule,
        MissingUserParameter
            | MissingAuditContext
            | MissingAuditSetter
            | ServerSideTimestampAssignment
            | UnboundAuditName
            | ManualAuditFields
            | CallerDropsUser
            | PositionalShift
            | CallSignatureMismatch
            | UnmappedAuditAttribute
    )
}

/// The status of a file from its findings and write methods.
pub fn status(diagnostics: &[Diagnostic], write_methods: &[String]) -> Status {
    if diagnostics.is_empty() {
        return Status::FullyCompliant;
    }
    if diagnostics.iter().any(|d| needs_update(d.rule)) {
        return Status::NeedsUpdates;
    }
    let without_mixin: BTreeSet<&str> = diagnostics
        .iter()
        .filter(|d| d.rule == Rule::ModelWithoutAuditMixin)
        .filter_map(|d| d.function.as_deref())
        .collect();
    if !write_methods.is_empty() && write_methods.iter().all(|m| without_mixin.contains(m.as_str())) {
        return Status::NotUsingTheMixin;
    }
    Status::MostlyCompliant
}

/// The priority of a file (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Priority {
    High,
    Medium,
    Low,
}

pub fn priority(diagnostics: &[Diagnostic]) -> Priority {
    let rules: BTreeSet<Rule> = diagnostics.iter().map(|d| d.rule).collect();
    if rules.iter().any(|r| {
        matches!(
            r,
            Rule::MissingAuditContext
                | Rule::UnboundAuditName
                | Rule::CallSignatureMismatch
                | Rule::UnmappedAuditAttribute
        )
    }) {
        Priority::High
    } else if rules
        .iter()
        .any(|r| !matches!(r, Rule::TimestampStyle | Rule::ModelWithoutAuditMixin))
    {
        Priority::Medium
    } else {
        Priority::Low
    }
}

/// Why the analysis is incomplete, when files could not be audited: how
/// many, and the first one's reason.
fn incomplete(result: &CheckResult) -> Option<String> {
    let first = result.errors.first()?;
    let others = match result.errors.len() - 1 {
        0 => String::new(),
        n => format!(", and {} more", plural(n, "file")),
    };
    Some(format!(
        "{} could not be audited: {}: {}{others}",
        plural(result.errors.len(), "file"),
        code_span(&slash_path(&first.path)),
        inline(&first.message)
    ))
}

/// A few words on what a rule's findings mean, for lists.
fn phrase(rule: Rule, settings: &Settings) -> String {
    match rule {
        Rule::MissingUserParameter => "no acting-user parameter".into(),
        Rule::MissingAuditContext => "no audit context".into(),
        Rule::MissingAuditSetter => "who acted is not recorded".into(),
        Rule::MissingExplicitTimestamp => "missing explicit timestamps".into(),
        Rule::ServerSideTimestampAssignment => "`func.now()` assigned from Python".into(),
        Rule::TimestampStyle => "mixed timestamp styles".into(),
        Rule::MissingIntegrityErrorHandler => format!("no `{}` handling", settings.integrity_error),
        Rule::IncompleteIntegrityErrorHandler => format!("incomplete `{}` handling", settings.integrity_error),
        Rule::UnboundAuditName => "a `NameError` waiting".into(),
        Rule::ManualAuditFields => "audit columns set by hand".into(),
        Rule::ModelWithoutAuditMixin => format!("a model without `{}`", settings.mixin_class),
        Rule::CallerDropsUser => "callers drop the acting user".into(),
        Rule::PositionalShift => "an argument lands in the user parameter".into(),
        Rule::CallSignatureMismatch => "a call that does not fit the signature".into(),
        Rule::UnmappedAuditAttribute => "audit attributes that are no columns".into(),
    }
}

/// The marker of one finding in the issue list.
fn issue_marker(rule: Rule) -> &'static str {
    if needs_update(rule) {
        "❌"
    } else if rule == Rule::ModelWithoutAuditMixin {
        "ℹ️"
    } else {
        "⚠️"
    }
}

/// The requirements of the standard and the rules that check them.
const REQUIREMENTS: [(&str, &[Rule]); 8] = [
    ("S1", &[Rule::MissingUserParameter]),
    ("S2", &[Rule::MissingAuditContext]),
    ("S3", &[Rule::MissingAuditSetter]),
    (
        "S4",
        &[Rule::MissingExplicitTimestamp, Rule::ServerSideTimestampAssignment],
    ),
    ("S5", &[Rule::TimestampStyle]),
    (
        "S6",
        &[
            Rule::MissingIntegrityErrorHandler,
            Rule::IncompleteIntegrityErrorHandler,
        ],
    ),
    ("S7", &[Rule::UnboundAuditName]),
    ("S8", &[Rule::ManualAuditFields, Rule::UnmappedAuditAttribute]),
];

fn timestamp_call(settings: &Settings) -> &'static str {
    match settings.timestamp_style {
        TimestampStyle::Naive => "datetime.now()",
        TimestampStyle::Aware => "datetime.now(timezone.utc)",
    }
}

/// What requirement `id` asks, with the configured names.
fn requirement(id: &str, s: &Settings) -> String {
    let kinds = |f: &dyn Fn(crate::settings::Kind) -> String| {
        crate::settings::Kind::ALL
            .iter()
            .map(|k| format!("`{}`", f(*k)))
            .collect::<Vec<_>>()
            .join(" / ")
    };
    match id {
        "S1" => format!(
            "S1 takes the acting user ({})",
            kinds(&|k| s.user_parameters.get(k).clone())
        ),
        "S2" => format!(
            "S2 builds an audit context (`{} = {}.{}(...)`)",
            s.context_variable, s.context_class, s.context_constructor
        ),
        "S3" => format!(
            "S3 records who acted through the mixin ({})",
            kinds(&|k| s.setters.get(k).clone())
        ),
        "S4" => format!(
            "S4 sets timestamps explicitly in Python (`= {}`), never `func.now()`",
            timestamp_call(s)
        ),
        "S5" => format!("S5 uses one timestamp style (`{}`)", timestamp_call(s)),
        "S6" => format!(
            "S6 handles `{}` with a rollback, before any `except Exception`",
            s.integrity_error
        ),
        "S7" => format!(
            "S7 imports every audit name it uses (`{}`, `datetime`, `{}`; no `NameError` waiting)",
            s.integrity_error, s.context_class
        ),
        _ => format!(
            "S8 never sets audit columns by hand (the `{}` setters do)",
            s.mixin_class
        ),
    }
}

/// Render the report.
pub fn print(out: &mut dyn Write, input: &ReportInput<'_>) -> io::Result<()> {
    let result = input.result;
    let settings = input.settings;
    let files: Vec<&FileReport> = result
        .files
        .iter()
        .filter(|f| !f.write_methods.is_empty() || !f.diagnostics.is_empty())
        .collect();
    let no_facts = FileFacts::default();
    let facts_of = |f: &FileReport| input.facts.get(&f.path).unwrap_or(&no_facts);
    let fixed: BTreeMap<&Path, &FixedFile> = input.fixed.iter().map(|f| (f.display.as_path(), f)).collect();

    // Title, date, scope.
    writeln!(out, "# 🔍 Audit Field Standardization - Compliance Report")?;
    writeln!(out)?;
    writeln!(out, "**Generated**: {}\\", input.date)?;
    writeln!(out, "**Auditor**: auditfix {}\\", input.version)?;
    let paths: Vec<String> = input.paths.iter().map(|p| code_span(&slash_path(p))).collect();
    writeln!(
        out,
        "**Scope**: every create / update / delete write method under {}\\",
        paths.join(", ")
    )?;
    let standard = match &input.config_file {
        Some(file) => format!("as configured in {}", code_span(&slash_path(file))),
        None => "the default (Gold Standard) audit standard".to_string(),
    };
    let not_checked: Vec<&str> = Rule::ALL
        .iter()
        .filter(|r| !result.files.iter().all(|f| (input.enabled)(**r, &f.path)))
        .map(|r| r.code())
        .collect();
    writeln!(out, "**Standard**: {standard}\\")?;
    if not_checked.is_empty() {
        writeln!(out, "**Audit Convention**: {}", input.convention)?;
    } else {
        writeln!(out, "**Audit Convention**: {}\\", input.convention)?;
        writeln!(
            out,
            "**Rules Not Checked**: {} (not enabled for every file; the requirements they check are marked ❔)",
            not_checked.join(", ")
        )?;
    }
    writeln!(out)?;
    writeln!(out, "---")?;
    writeln!(out)?;

    print_summary(out, input, &files)?;
    writeln!(out)?;
    writeln!(out, "---")?;
    writeln!(out)?;

    // Per file.
    writeln!(out, "## 📋 Detailed Audit Results")?;
    if files.is_empty() {
        writeln!(out)?;
        writeln!(out, "No write method was found.")?;
    }
    for (n, file) in files.iter().enumerate() {
        writeln!(out)?;
        print_file(
            out,
            input,
            n + 1,
            file,
            facts_of(file),
            fixed.get(file.path.as_path()).copied(),
        )?;
    }
    writeln!(out)?;
    writeln!(out, "---")?;
    writeln!(out)?;

    print_priorities(out, settings, &files)?;
    writeln!(out)?;
    writeln!(out, "---")?;
    writeln!(out)?;

    print_criteria(out, input, &files)?;
    writeln!(out)?;
    writeln!(out, "---")?;
    writeln!(out)?;

    writeln!(out, "## 🚫 Not Audited")?;
    writeln!(out)?;
    if result.errors.is_empty() {
        writeln!(out, "None: every file found was read and parsed.")?;
    } else {
        writeln!(
            out,
            "These files could not be read or parsed; nothing in them was checked:"
        )?;
        writeln!(out)?;
        for e in &result.errors {
            writeln!(out, "- {}: {}", code_span(&slash_path(&e.path)), inline(&e.message))?;
        }
    }
    writeln!(out)?;
    writeln!(out, "---")?;
    writeln!(out)?;
    writeln!(out, "**Report End**")
}

fn print_summary(out: &mut dyn Write, input: &ReportInput<'_>, files: &[&FileReport]) -> io::Result<()> {
    let result = input.result;
    let settings = input.settings;
    let counts = Counts::of(result);
    let with_methods = result.files.iter().filter(|f| !f.write_methods.is_empty()).count();
    let methods: usize = result.files.iter().map(|f| f.write_methods.len()).sum();
    writeln!(out, "## 📊 Executive Summary")?;
    writeln!(out)?;
    writeln!(
        out,
        "**Total Files Audited**: {} ({} with write methods)\\",
        plural(result.files_checked, "Python file"),
        with_methods
    )?;
    writeln!(out, "**Write Methods Audited**: {methods}\\")?;
    let mut findings = plural(counts.findings, "finding");
    if counts.findings > 0 {
        let manual = counts.findings - counts.fixable - counts.unsafe_only;
        findings.push_str(&format!(
            " ({} fixable by `auditfix fix --apply`, {} more with `--unsafe`, {} left for a person)",
            counts.fixable, counts.unsafe_only, manual
        ));
    }
    writeln!(out, "**Issues Found**: {findings}\\")?;
    if !result.errors.is_empty() {
        writeln!(
            out,
            "**Not Audited**: {} (see the end of this report)\\",
            plural(result.errors.len(), "file")
        )?;
    }
    let worst = files
        .iter()
        .filter(|f| !f.diagnostics.is_empty())
        .map(|f| priority(&f.diagnostics))
        .min();
    let incomplete = incomplete(result);
    let severity = match (worst, &incomplete) {
        (Some(Priority::High), _) => {
            "High (write methods that record no audit context, or fail at run time)".to_string()
        }
        (_, Some(why)) => format!("Unknown: the analysis is incomplete ({why})"),
        (None, None) if with_methods == 0 => "None (no write method was found)".to_string(),
        (None, None) => "None (every write method follows the standard)".to_string(),
        (Some(Priority::Medium), None) => "Medium (the standard is partly followed)".to_string(),
        (Some(Priority::Low), None) => "Low (style and architecture decisions)".to_string(),
    };
    writeln!(out, "**Severity**: {severity}\\")?;
    let mut recommendation = if counts.findings == 0 {
        "Nothing to change in the files audited; keep `auditfix check` in CI".to_string()
    } else {
        "Review the diffs below (`auditfix fix --unsafe`), then apply them with `auditfix fix --apply --unsafe`"
            .to_string()
    };
    if incomplete.is_some() {
        recommendation = format!(
            "Make the files under \"Not Audited\" readable and valid Python, then run the report again; {}{}",
            recommendation[..1].to_lowercase(),
            &recommendation[1..]
        );
    }
    writeln!(out, "**Recommendation**: {recommendation}")?;
    for note in &result.notes {
        writeln!(out)?;
        writeln!(out, "> **Note:** {}", inline(note))?;
    }

    writeln!(out)?;
    writeln!(out, "### Findings by Rule")?;
    writeln!(out)?;
    let mut by_rule: BTreeMap<Rule, (usize, BTreeSet<&Path>)> = BTreeMap::new();
    for (file, d) in result.diagnostics() {
        let entry = by_rule.entry(d.rule).or_default();
        entry.0 += 1;
        entry.1.insert(file.path.as_path());
    }
    if by_rule.is_empty() {
        writeln!(out, "No findings.")?;
    } else {
        writeln!(out, "| Code | Rule | Standard | Findings | Files | Fix |")?;
        writeln!(out, "| --- | --- | --- | ---: | ---: | --- |")?;
        for (rule, (count, in_files)) in &by_rule {
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                rule.code(),
                rule.name(),
                rule.standard(),
                count,
                in_files.len(),
                rule.fix_availability()
            )?;
        }
        let all_files: BTreeSet<&Path> = by_rule.values().flat_map(|(_, f)| f.iter().copied()).collect();
        writeln!(
            out,
            "| | **Total** | | **{}** | **{}** | |",
            counts.findings,
            all_files.len()
        )?;
    }

    writeln!(out)?;
    writeln!(out, "### Key Findings")?;
    writeln!(out)?;
    if files.is_empty() {
        writeln!(out, "No write method was found under the audited paths.")?;
    }
    for (n, file) in files.iter().enumerate() {
        let status = status(&file.diagnostics, &file.write_methods);
        let detail = if file.diagnostics.is_empty() {
            format!("{}, no findings", plural(file.write_methods.len(), "write method"))
        } else {
            let rules: BTreeSet<Rule> = file.diagnostics.iter().map(|d| d.rule).collect();
            rules
                .iter()
                .map(|r| phrase(*r, settings))
                .collect::<Vec<_>>()
                .join(", ")
        };
        writeln!(
            out,
            "{}. {} **{}** - {}: {}",
            n + 1,
            status.marker(),
            code_span(&slash_path(&file.path)),
            status.label(),
            detail
        )?;
    }
    Ok(())
}

fn print_file(
    out: &mut dyn Write,
    input: &ReportInput<'_>,
    number: usize,
    file: &FileReport,
    facts: &FileFacts,
    fixed: Option<&FixedFile>,
) -> io::Result<()> {
    let settings = input.settings;
    let status = status(&file.diagnostics, &file.write_methods);
    writeln!(
        out,
        "### {} File {number}: {}",
        status.marker(),
        code_span(&slash_path(&file.path))
    )?;
    writeln!(out)?;
    writeln!(out, "**Status**: {} **{}**\\", status.marker(), status.label())?;
    if file.write_methods.is_empty() {
        writeln!(
            out,
            "**Write Methods**: none (its findings are about calls or module code)"
        )?;
    } else {
        let hard: BTreeSet<&str> = facts
            .methods
            .iter()
            .filter(|m| m.hard_delete)
            .map(|m| m.name.as_str())
            .collect();
        let names: Vec<String> = file
            .write_methods
            .iter()
            .map(|m| {
                if hard.contains(m.as_str()) {
                    format!("{} (hard delete)", code_span(m))
                } else {
                    code_span(m)
                }
            })
            .collect();
        writeln!(out, "**Write Methods**: {}", names.join(", "))?;
    }
    for inherited in &facts.inherited_mixins {
        let through: Vec<String> = inherited
            .through
            .iter()
            .map(|(class, path)| format!("{class} ({})", slash_path(path)))
            .collect();
        writeln!(out)?;
        writeln!(
            out,
            "**Note**: {model} inherits {mixin} through {through}: it has the audit columns and setters, and is audited as such.",
            model = inherited.model,
            mixin = settings.mixin_class,
            through = through.join(", then "),
        )?;
    }

    if !file.write_methods.is_empty() {
        writeln!(out)?;
        writeln!(out, "**What's Good**:")?;
        let fired: BTreeSet<Rule> = file.diagnostics.iter().map(|d| d.rule).collect();
        let audited = facts.methods.iter().any(|m| m.audited);
        let stamped = facts.methods.iter().any(|m| !m.hard_delete);
        let mut lines = Vec::new();
        for (id, rules) in REQUIREMENTS {
            let text = requirement(id, settings);
            let not_applicable = match id {
                "S1" | "S2" | "S3" if !audited => Some(if !facts.mixin_fits {
                    "the models' audit mixin does not tell how to record who acted (see the notes)".to_string()
                } else if !stamped {
                    "hard deletes only: no row is left to stamp".to_string()
                } else {
                    format!("the models written here do not inherit `{}`", settings.mixin_class)
                }),
                "S4" if !stamped => Some("hard deletes only: no row is left to stamp".to_string()),
                _ => None,
            };
            if let Some(reason) = not_applicable {
                lines.push(format!("- ➖ {text}: does not apply ({reason})"));
                continue;
            }
            let disabled: Vec<&str> = rules
                .iter()
                .filter(|r| !(input.enabled)(**r, &file.path))
                .map(|r| r.code())
                .collect();
            if !disabled.is_empty() {
                lines.push(format!(
                    "- ❔ {text}: not checked ({} not enabled)",
                    disabled.join(", ")
                ));
                continue;
            }
            if rules.iter().all(|r| !fired.contains(r)) {
                lines.push(format!("- ✅ {text}"));
            }
        }
        if lines.is_empty() {
            lines.push("- Nothing of the standard is met yet.".to_string());
        }
        for line in lines {
            writeln!(out, "{line}")?;
        }
    }

    writeln!(out)?;
    writeln!(out, "**Issues Found**:")?;
    if file.diagnostics.is_empty() {
        writeln!(out, "- None")?;
    }
    for d in &file.diagnostics {
        let place = match &d.function {
            Some(function) => format!("line {}, in {}", d.start.line, code_span(function)),
            None => format!("line {}", d.start.line),
        };
        let fix = match d.fix_applicability() {
            "safe" => "safe fix",
            "unsafe" => "unsafe fix",
            _ => "no automatic fix",
        };
        writeln!(
            out,
            "- {} **{}** {place}: {} _({fix})_",
            issue_marker(d.rule),
            d.rule.code(),
            inline(&d.message)
        )?;
    }

    writeln!(out)?;
    match fixed.filter(|f| f.changed()) {
        Some(fixed) => {
            writeln!(out, "**Recommended Changes** (what `auditfix fix --unsafe` proposes):")?;
            writeln!(out)?;
            let diff = super::diff::unified_diff(&fixed.display, &fixed.original, &fixed.fixed, false);
            let fence = fence_for(&diff);
            writeln!(out, "{fence}diff")?;
            write!(out, "{diff}")?;
            if !diff.ends_with('\n') {
                writeln!(out)?;
            }
            writeln!(out, "{fence}")?;
        }
        None if file.diagnostics.is_empty() => writeln!(out, "**Recommended Changes**: None (already compliant).")?,
        None => writeln!(
            out,
            "**Recommended Changes**: no automatic change; the findings above need a decision by a person."
        )?,
    }
    let manual: Vec<String> = file
        .diagnostics
        .iter()
        .filter(|d| d.fix.is_none())
        .map(|d| format!("{} (line {})", d.rule.code(), d.start.line))
        .collect();
    if !manual.is_empty() && fixed.is_some_and(|f| f.changed()) {
        writeln!(out)?;
        writeln!(out, "Left for a person: {}.", manual.join(", "))?;
    }
    if let Some(fixed) = fixed {
        for problem in &fixed.problems {
            writeln!(out)?;
            writeln!(out, "> **Warning:** {}", inline(problem))?;
        }
    }
    Ok(())
}

fn print_priorities(out: &mut dyn Write, settings: &Settings, files: &[&FileReport]) -> io::Result<()> {
    writeln!(out, "## 🎯 Priority Matrix")?;
    let sections = [
        (
            Priority::High,
            "### 🔴 HIGH PRIORITY (no audit context at all, or a `NameError` waiting)",
        ),
        (Priority::Medium, "### 🟡 MEDIUM PRIORITY (partial compliance)"),
        (
            Priority::Low,
            "### 🟢 LOW PRIORITY (style and architecture decisions, or already compliant)",
        ),
    ];
    let mut number = 0;
    for (level, heading) in sections {
        writeln!(out)?;
        writeln!(out, "{heading}")?;
        writeln!(out)?;
        let in_level: Vec<&&FileReport> = files.iter().filter(|f| priority(&f.diagnostics) == level).collect();
        if in_level.is_empty() {
            writeln!(out, "None.")?;
            continue;
        }
        for (i, file) in in_level.iter().enumerate() {
            if i > 0 {
                writeln!(out)?;
            }
            number += 1;
            let status = status(&file.diagnostics, &file.write_methods);
            writeln!(
                out,
                "{number}. **{}** - {}",
                code_span(&slash_path(&file.path)),
                status.label()
            )?;
            if file.diagnostics.is_empty() {
                writeln!(out, "   - ✅ Fully compliant: use it as the reference")?;
                continue;
            }
            let mut by_rule: BTreeMap<Rule, Vec<String>> = BTreeMap::new();
            for d in &file.diagnostics {
                let place = match &d.function {
                    Some(f) => code_span(f),
                    None => format!("line {}", d.start.line),
                };
                let places = by_rule.entry(d.rule).or_default();
                if !places.contains(&place) {
                    places.push(place);
                }
            }
            for (rule, places) in by_rule {
                writeln!(
                    out,
                    "   - {} ({}): {}",
                    capitalize(&phrase(rule, settings)),
                    rule.code(),
                    places.join(", ")
                )?;
            }
        }
    }
    Ok(())
}

fn print_criteria(out: &mut dyn Write, input: &ReportInput<'_>, files: &[&FileReport]) -> io::Result<()> {
    let result = input.result;
    let settings = input.settings;
    writeln!(out, "## ✅ Success Criteria")?;
    writeln!(out)?;
    writeln!(out, "Task complete when:")?;
    writeln!(out)?;
    let with_methods = result.files.iter().filter(|f| !f.write_methods.is_empty()).count();
    if result.errors.is_empty() {
        writeln!(
            out,
            "- [x] All files audited and documented ({} with write methods)",
            plural(with_methods, "file")
        )?;
    } else {
        writeln!(
            out,
            "- [ ] All files audited and documented ({} not audited)",
            plural(result.errors.len(), "file")
        )?;
    }
    for (level, name) in [(Priority::High, "High"), (Priority::Medium, "Medium")] {
        let open: Vec<String> = files
            .iter()
            .filter(|f| !f.diagnostics.is_empty() && priority(&f.diagnostics) == level)
            .map(|f| code_span(&slash_path(&f.path)))
            .collect();
        if open.is_empty() && !result.errors.is_empty() {
            writeln!(
                out,
                "- [ ] {name} priority files fixed (unknown: {} not audited)",
                plural(result.errors.len(), "file")
            )?;
        } else if open.is_empty() {
            writeln!(out, "- [x] {name} priority files fixed")?;
        } else {
            writeln!(out, "- [ ] {name} priority files fixed ({})", open.join(", "))?;
        }
    }
    let timestamps = settings
        .timestamp_fields
        .create
        .iter()
        .map(|f| format!("`{f}`"))
        .collect::<Vec<_>>()
        .join("/");
    let criteria: Vec<(String, Vec<Rule>)> = vec![
        (
            "Every write method takes the acting user and builds an audit context (S1, S2)".into(),
            vec![Rule::MissingUserParameter, Rule::MissingAuditContext],
        ),
        (
            format!(
                "Who acted is recorded through the `{}` setters (S3)",
                settings.mixin_class
            ),
            vec![Rule::MissingAuditSetter],
        ),
        (
            format!("No NotNullViolationError for {timestamps}: timestamps set explicitly in Python (S4)"),
            vec![Rule::MissingExplicitTimestamp, Rule::ServerSideTimestampAssignment],
        ),
        (
            format!("One timestamp style, `{}` (S5)", timestamp_call(settings)),
            vec![Rule::TimestampStyle],
        ),
        (
            format!("`{}` caught, rolled back and reported (S6)", settings.integrity_error),
            vec![
                Rule::MissingIntegrityErrorHandler,
                Rule::IncompleteIntegrityErrorHandler,
            ],
        ),
        ("No NameError waiting (S7)".into(), vec![Rule::UnboundAuditName]),
        (
            "No audit columns set by hand (S8)".into(),
            vec![Rule::ManualAuditFields, Rule::UnmappedAuditAttribute],
        ),
        (
            format!(
                "Every written model inherits `{}`, or is exempt by decision",
                settings.mixin_class
            ),
            vec![Rule::ModelWithoutAuditMixin],
        ),
        (
            "Callers pass the acting user, and no call breaks on a changed signature".into(),
            vec![
                Rule::CallerDropsUser,
                Rule::PositionalShift,
                Rule::CallSignatureMismatch,
            ],
        ),
    ];
    for (text, rules) in criteria {
        let count = result.diagnostics().filter(|(_, d)| rules.contains(&d.rule)).count();
        let disabled: Vec<&str> = rules
            .iter()
            .filter(|r| !result.files.iter().all(|f| (input.enabled)(**r, &f.path)))
            .map(|r| r.code())
            .collect();
        if count > 0 {
            let codes: BTreeSet<&str> = result
                .diagnostics()
                .filter(|(_, d)| rules.contains(&d.rule))
                .map(|(_, d)| d.rule.code())
                .collect();
            writeln!(
                out,
                "- [ ] {text} ({}: {})",
                plural(count, "finding"),
                codes.into_iter().collect::<Vec<_>>().join(", ")
            )?;
        } else if !disabled.is_empty() {
            writeln!(out, "- [ ] {text} (not checked: {} not enabled)", disabled.join(", "))?;
        } else if !result.errors.is_empty() {
            writeln!(
                out,
                "- [ ] {text} (unknown: {} not audited)",
                plural(result.errors.len(), "file")
            )?;
        } else {
            writeln!(out, "- [x] {text}")?;
        }
    }
    Ok(())
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Text on one line: line breaks become spaces.
fn inline(text: &str) -> String {
    text.replace("\r\n", " ").replace(['\n', '\r'], " ")
}

/// `text` as a code span, with a fence longer than any backtick run inside.
fn code_span(text: &str) -> String {
    let longest = longest_backtick_run(text);
    let fence = "`".repeat(longest + 1);
    if longest > 0 {
        format!("{fence} {text} {fence}")
    } else {
        format!("{fence}{text}{fence}")
    }
}

/// A code-block fence that no line of `text` can close.
fn fence_for(text: &str) -> String {
    "`".repeat((longest_backtick_run(text) + 1).max(3))
}

fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::location;

    fn finding(rule: Rule, function: Option<&str>) -> Diagnostic {
        Diagnostic {
            rule,
            message: String::new(),
            range: 0..0,
            start: location("", 0),
            end: location("", 0),
            function: function.map(str::to_string),
            fix: None,
            also_changes: Vec::new(),
        }
    }

    #[test]
    fn status_mapping() {
        let methods = vec!["S.create_x".to_string(), "S.update_x".to_string()];
        let m = |rules: &[Rule]| {
            let ds: Vec<Diagnostic> = rules.iter().map(|r| finding(*r, Some("S.create_x"))).collect();
            status(&ds, &methods)
        };
        assert_eq!(m(&[]), Status::FullyCompliant);
        assert_eq!(
            m(&[
                Rule::MissingExplicitTimestamp,
                Rule::TimestampStyle,
                Rule::MissingIntegrityErrorHandler,
                Rule::IncompleteIntegrityErrorHandler
            ]),
            Status::MostlyCompliant
        );
        for rule in Rule::ALL {
            let expected = match rule {
                Rule::MissingExplicitTimestamp
                | Rule::TimestampStyle
                | Rule::MissingIntegrityErrorHandler
                | Rule::IncompleteIntegrityErrorHandler
                | Rule::ModelWithoutAuditMixin => Status::MostlyCompliant,
                _ => Status::NeedsUpdates,
            };
            assert_eq!(m(&[*rule]), expected, "{rule}");
        }
        // Every write method writes a model without the mixin.
        let both = vec![
            finding(Rule::ModelWithoutAuditMixin, Some("S.create_x")),
            finding(Rule::ModelWithoutAuditMixin, Some("S.update_x")),
            finding(Rule::MissingExplicitTimestamp, Some("S.update_x")),
        ];
        assert_eq!(status(&both, &methods), Status::NotUsingTheMixin);
        let mut with_bug = both.clone();
        with_bug.push(finding(Rule::UnboundAuditName, None));
        assert_eq!(status(&with_bug, &methods), Status::NeedsUpdates);
    }

    #[test]
    fn priority_mapping() {
        let p = |rules: &[Rule]| priority(&rules.iter().map(|r| finding(*r, None)).collect::<Vec<_>>());
        assert_eq!(p(&[]), Priority::Low);
        assert_eq!(p(&[Rule::TimestampStyle, Rule::ModelWithoutAuditMixin]), Priority::Low);
        assert_eq!(
            p(&[Rule::TimestampStyle, Rule::MissingExplicitTimestamp]),
            Priority::Medium
        );
        assert_eq!(p(&[Rule::MissingAuditSetter]), Priority::Medium);
        assert_eq!(p(&[Rule::MissingAuditContext]), Priority::High);
        assert_eq!(p(&[Rule::UnboundAuditName]), Priority::High);
        assert_eq!(p(&[Rule::CallSignatureMismatch]), Priority::High);
        assert_eq!(p(&[Rule::UnmappedAuditAttribute]), Priority::High);
    }

    #[test]
    fn fences_outgrow_the_content() {
        assert_eq!(fence_for("a\n"), "```");
        assert_eq!(fence_for("+x = \"\"\"```\"\"\"\n"), "````");
        assert_eq!(code_span("a`b"), "`` a`b ``");
    }
}
