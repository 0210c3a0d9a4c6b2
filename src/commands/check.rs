//! `auditfix check`: report findings in the chosen format; `--add-noqa`
//! writes `# noqa` comments instead (see [`add_noqa`]); `--show-profile`
//! and `auditfix init` print the repository's audit convention.
//!
//! Warnings (a suppression naming no rule or suppressing nothing, no
//! Python file found) go to standard error and change no exit status: they
//! are about the comments and the command line, not about the code, so
//! they never fail a CI step or a pre-commit hook.

use super::{load_config, paths, use_color, ExitStatus};
use crate::cli::CheckArgs;
use crate::diagnostic::CheckResult;
use crate::pipeline::Workspace;
use crate::printer::{self, shown_path, Format, PrintOptions};
use std::io::Write;

/// `auditfix init [PATH]`: the repository's audit convention as a
/// `[tool.auditfix]` block, the same as `check --show-profile`.
pub fn init(args: &crate::cli::InitArgs, stdout: &mut dyn Write, stderr: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let common = crate::cli::CommonArgs {
        paths: args.path.iter().cloned().collect(),
        config: args.config.clone(),
        ..Default::default()
    };
    let config = load_config(&common)?;
    let workspace = Workspace::load_with(&paths(&common), config, true);
    super::warn_if_no_python_file(&workspace, &paths(&common), stderr)?;
    let profile = crate::profile::Profile::infer(&workspace.index, &workspace.config.settings);
    write!(stdout, "{}", profile.render(&workspace.config.settings))?;
    Ok(ExitStatus::Clean)
}

pub fn run(args: &CheckArgs, stdout: &mut dyn Write, stderr: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    if args.statistics && !matches!(args.format, Format::Text | Format::Json) {
        anyhow::bail!(
            "--statistics prints a count per rule as text or JSON; it has no `--format {}` form",
            format_name(args.format)
        );
    }
    let stdin = super::stdin::requested(&args.common)?;
    if stdin.is_some() && args.add_noqa {
        anyhow::bail!("--add-noqa writes the comments into files; it cannot take a source from standard input");
    }
    let Some(path) = &stdin else {
        return run_paths(args, stdout, stderr);
    };
    let bytes = super::stdin::read()?;
    let workspace = match super::stdin::workspace(path, &bytes, &args.common)? {
        Some(workspace) => workspace,
        // Excluded with --force-exclude: nothing to say about it.
        None => return Ok(ExitStatus::Clean),
    };
    if args.add_noqa {
        return add_noqa(&workspace, &paths(&args.common), stderr);
    }
    if args.show_profile {
        return show_profile(&workspace, stdout);
    }
    let mut report = Vec::new();
    let status = report_findings(args, &workspace, None, &mut report, stderr)?;
    deliver(args, &report, stdout)?;
    Ok(status)
}

/// [`run`] over the paths given: through the result cache (see
/// [`crate::cache`]), unless `--add-noqa` (which writes files) or
/// `--show-profile`.
fn run_paths(args: &CheckArgs, stdout: &mut dyn Write, stderr: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let config = load_config(&args.common)?;
    let paths = paths(&args.common);
    let prefilter = !args.common.no_prefilter;
    let discovered = Workspace::discover(&paths, &config);
    if args.add_noqa || args.show_profile {
        let workspace = Workspace::load_discovered(&paths, discovered, config, prefilter);
        super::warn_if_no_python_file(&workspace, &paths, stderr)?;
        if args.add_noqa {
            return add_noqa(&workspace, &paths, stderr);
        }
        return show_profile(&workspace, stdout);
    }
    let color = args.output.is_none() && use_color(args.color, true);
    let cache = super::open_command_cache("check", &args.cache, &discovered, args, &config, color);
    let parts_at = super::cache_folder(&args.cache, &discovered);
    let scans_at = parts_at.clone();
    super::cached_run(
        cache,
        &paths,
        discovered,
        |discovered| super::load(&paths, discovered, config, prefilter, scans_at.as_ref()),
        |workspace, report, errors| {
            super::warn_if_no_python_file(workspace, &paths, errors)?;
            let parts =
                parts_at.map(|(folder, root)| super::parts_of(&folder, root.as_deref(), workspace, sarif_edits(args)));
            report_findings(args, workspace, parts.as_ref(), report, errors)
        },
        &mut |report| deliver(args, report, stdout),
        stderr,
    )
}

/// `--show-profile`: the convention read from the code, as configuration.
fn show_profile(workspace: &Workspace, stdout: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let profile = crate::profile::Profile::infer(&workspace.index, &workspace.config.settings);
    write!(stdout, "{}", profile.render(&workspace.config.settings))?;
    Ok(ExitStatus::Clean)
}

/// The report goes to `--output`, or standard output.
fn deliver(args: &CheckArgs, report: &[u8], stdout: &mut dyn Write) -> anyhow::Result<()> {
    match &args.output {
        Some(path) => super::write_output(path, report),
        None => Ok(stdout.write_all(report)?),
    }
}

/// Whether the findings keep their fixes' edits: only SARIF prints them;
/// the other formats say whether a finding is fixable.
fn sarif_edits(args: &CheckArgs) -> bool {
    args.format == printer::Format::Sarif
}

/// Check the workspace (through the per-file parts of the result cache,
/// when given) and render the findings into `report` in the chosen format
/// (warnings about suppressions to `stderr`).
fn report_findings(
    args: &CheckArgs,
    workspace: &Workspace,
    parts: Option<&crate::cache::parts::Parts>,
    report: &mut Vec<u8>,
    stderr: &mut dyn Write,
) -> anyhow::Result<ExitStatus> {
    let result = match parts {
        Some(parts) => workspace.check_reporting_kept(sarif_edits(args), parts).result,
        None => workspace.check_reporting(sarif_edits(args)),
    };
    print_warnings(&result, stderr)?;
    let options = PrintOptions {
        color: args.output.is_none() && use_color(args.color, true),
        statistics: args.statistics,
        concise: false,
        verbose: args.verbose,
    };
    printer::print_check(report, &result, args.format, &options)?;
    Ok(if !result.errors.is_empty() {
        ExitStatus::Error
    } else if result.finding_count() > 0 && !args.exit_zero {
        ExitStatus::Findings
    } else {
        ExitStatus::Clean
    })
}

/// The suppressions that name no rule or suppress nothing, one line each.
fn print_warnings(result: &CheckResult, stderr: &mut dyn Write) -> std::io::Result<()> {
    for w in &result.warnings {
        writeln!(
            stderr,
            "warning: {}:{}:{}: {}",
            shown_path(&w.path),
            w.line,
            w.column,
            w.message
        )?;
    }
    Ok(())
}

/// `--add-noqa`: a `# noqa: AUDxxx` comment on the line of every finding
/// (merged into the line's `# noqa: ...` when it has one), each file
/// written atomically as `fix --apply` writes; then "Added N noqa
/// directives.". A line where a comment cannot go (it ends inside a
/// multi-line string) is named and left alone; so is a file whose new text
/// would not parse. Exit 0, or 2 when a file could not be checked or
/// written.
fn add_noqa(workspace: &Workspace, paths: &[std::path::PathBuf], stderr: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let result = workspace.check_reporting(false);
    let mut status = ExitStatus::Clean;
    for error in &result.errors {
        writeln!(stderr, "error: {}: {}", shown_path(&error.path), error.message)?;
        status = ExitStatus::Error;
    }
    let writer = crate::write::Writer::new(paths);
    let mut added = 0;
    for report in result.files.iter().filter(|f| !f.diagnostics.is_empty()) {
        let Some(file) = workspace.files.iter().find(|f| *f.display == *report.path) else {
            continue;
        };
        let outcome = file.read_text().and_then(|text| {
            let rules: Vec<(usize, crate::rules::Rule)> =
                report.diagnostics.iter().map(|d| (d.start.line, d.rule)).collect();
            let (new_text, count, skipped) = crate::suppression::add_noqa_to_text(&text, &rules);
            for line in skipped {
                let _ = writeln!(
                    stderr,
                    "warning: {}:{line}: ends inside a multi-line string; no `# noqa` comment added",
                    shown_path(&report.path)
                );
            }
            if count == 0 {
                return Ok(0);
            }
            let bom = file.bom;
            let before = crate::analysis::source::SourceFile::to_bytes(&text, bom);
            let after = crate::analysis::source::SourceFile::to_bytes(&new_text, bom);
            writer.write(&file.path, &before, &after)?;
            Ok(count)
        });
        match outcome {
            Ok(count) => added += count,
            Err(message) => {
                writeln!(stderr, "error: {}: {message}", shown_path(&report.path))?;
                status = ExitStatus::Error;
            }
        }
    }
    writeln!(stderr, "Added {}.", printer::plural(added, "noqa directive"))?;
    Ok(status)
}

/// The `--format` value as typed.
fn format_name(format: Format) -> String {
    use clap::ValueEnum;
    format
        .to_possible_value()
        .map_or_else(|| format!("{format:?}"), |v| v.get_name().to_string())
}
