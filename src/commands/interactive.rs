//! `auditfix fix --interactive`: per-hunk approval, like `git add -p`.

use super::ExitStatus;
use crate::cli::FixArgs;
use crate::pipeline::Workspace;
use std::io::Write;

pub fn run(
    args: &FixArgs,
    workspace: &Workspace,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> anyhow::Result<ExitStatus> {
    let _ = (args, workspace, stdout, stderr);
    anyhow::bail!("--interactive is not available yet")
}
