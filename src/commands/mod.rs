//! The commands: each turns parsed arguments into output and an exit status.
//! Exit statuses are named here, in one place.

pub mod check;
pub mod fix;
pub mod interactive;
pub mod report;
pub mod rules;
pub mod stdin;
pub mod streams;
pub mod write_order;

use crate::cli::{ColorChoice, CommonArgs};
use crate::config::{self, Config, Overrides};
use std::io::IsTerminal;
use std::path::PathBuf;

/// How a command ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// Nothing to report or change.
    Clean = 0,
    /// Findings exist, or `fix` would change something.
    Findings = 1,
    /// Usage, configuration or I/O error, or a file could not be checked.
    Error = 2,
    /// Interrupted by the user (Ctrl-C in `fix --interactive`).
    Interrupted = 130,
}

/// The paths to check: the given ones, or `.`.
pub fn paths(common: &CommonArgs) -> Vec<PathBuf> {
    if common.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        common.paths.clone()
    }
}

/// The configuration for a run, command-line flags applied.
pub fn load_config(common: &CommonArgs) -> anyhow::Result<Config> {
    let overrides = Overrides {
        config_file: common.config.clone(),
        select: common.select.clone(),
        ignore: common.ignore.clone(),
        extend_select: common.extend_select.clone(),
        force_exclude: common.force_exclude,
    };
    let selectors = overrides.select.iter().flatten().chain(&overrides.ignore);
    for selector in selectors.chain(&overrides.extend_select) {
        if !crate::rules::is_known_selector(selector) {
            anyhow::bail!("unknown rule selector `{selector}` (see `auditfix rules`)");
        }
    }
    Ok(config::load(&paths(common), &overrides)?)
}

/// Say so on standard error when the paths held no Python file to check
/// (an empty folder, a typo in an `include` pattern), instead of a bare
/// "Found 0 findings". Paths that could not be read are errors already.
pub fn warn_if_no_python_file(
    workspace: &crate::pipeline::Workspace,
    paths: &[PathBuf],
    stderr: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    if workspace.errors.is_empty() && !workspace.files.iter().any(|f| f.target) {
        let shown: Vec<String> = paths.iter().map(|p| crate::printer::shown_path(p)).collect();
        writeln!(
            stderr,
            "warning: no Python file found under {} (nothing was checked)",
            shown.join(", ")
        )?;
    }
    Ok(())
}

/// Whether to color output going to a stream that is (or not) a terminal.
pub fn use_color(choice: ColorChoice, stdout: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            let terminal = if stdout {
                std::io::stdout().is_terminal()
            } else {
                std::io::stderr().is_terminal()
            };
            let forced = std::env::var_os("CLICOLOR_FORCE").is_some_and(|v| !v.is_empty() && v != "0");
            let disabled = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
            forced || (terminal && !disabled)
        }
    }
}

/// Write `contents` to an output file (`-o`), creating its folder when
/// missing (as ruff's `--output-file` does: a CI step writes into a
/// `reports/` folder of its own); see [`crate::write::write_output`].
pub fn write_output(path: &std::path::Path, contents: &[u8]) -> anyhow::Result<()> {
    let cannot = |why: String| anyhow::anyhow!("cannot write {}: {why}", crate::printer::shown_path(path));
    if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        if !folder.is_dir() {
            std::fs::create_dir_all(folder).map_err(|e| {
                cannot(format!(
                    "cannot create the folder {}: {}",
                    crate::printer::shown_path(folder),
                    config::io_reason(&e)
                ))
            })?;
        }
    }
    crate::write::write_output(path, contents).map_err(cannot)
}
