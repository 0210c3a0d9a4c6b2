//! `auditfix check`: report findings in the chosen format.

use super::{load_config, paths, use_color, ExitStatus};
use crate::cli::CheckArgs;
use crate::pipeline::Workspace;
use crate::printer::{self, Format, PrintOptions};
use std::io::Write;

pub fn run(args: &CheckArgs, stdout: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    if args.statistics && !matches!(args.format, Format::Text | Format::Json) {
        anyhow::bail!(
            "--statistics prints a count per rule as text or JSON; it has no `--format {}` form",
            format_name(args.format)
        );
    }
    let config = load_config(&args.common)?;
    let workspace = Workspace::load_with(&paths(&args.common), config, !args.common.no_prefilter);
    // Only SARIF prints the fixes' edits; the other formats say whether a
    // finding is fixable.
    let result = workspace.check_reporting(args.format == printer::Format::Sarif);
    let options = PrintOptions {
        color: args.output.is_none() && use_color(args.color, true),
        statistics: args.statistics,
    };
    match &args.output {
        Some(path) => {
            let mut buffer = Vec::new();
            printer::print_check(&mut buffer, &result, args.format, &options)?;
            super::write_output(path, &buffer)?;
        }
        None => printer::print_check(stdout, &result, args.format, &options)?,
    }
    Ok(if !result.errors.is_empty() {
        ExitStatus::Error
    } else if result.finding_count() > 0 && !args.exit_zero {
        ExitStatus::Findings
    } else {
        ExitStatus::Clean
    })
}

/// The `--format` value as typed.
fn format_name(format: Format) -> String {
    use clap::ValueEnum;
    format
        .to_possible_value()
        .map_or_else(|| format!("{format:?}"), |v| v.get_name().to_string())
}
