//! `auditfix check`: report findings in the chosen format.

use super::{load_config, paths, use_color, ExitStatus};
use crate::cli::CheckArgs;
use crate::pipeline::Workspace;
use crate::printer::{self, PrintOptions};
use std::io::Write;

pub fn run(args: &CheckArgs, stdout: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let config = load_config(&args.common)?;
    let workspace = Workspace::load_with(&paths(&args.common), config, !args.common.no_prefilter);
    // Only SARIF prints the fixes' edits; the other formats say whether a
    // finding is fixable.
    let result = workspace.check_reporting(args.format == printer::Format::Sarif);
    let options = PrintOptions {
        color: args.output.is_none() && use_color(args.color, true),
        statistics: args.statistics,
        concise: false,
        verbose: args.verbose,
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
