//! `auditfix report`: the Markdown compliance report.

use super::ExitStatus;
use crate::cli::ReportArgs;
use std::io::Write;

pub fn run(args: &ReportArgs, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let _ = (args, out);
    anyhow::bail!("`report` is not available yet")
}
