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

impl ExitStatus {
    /// The status of an exit code (as the result cache stores it).
    pub fn from_code(code: i32) -> Option<ExitStatus> {
        [Self::Clean, Self::Findings, Self::Error, Self::Interrupted]
            .into_iter()
            .find(|s| *s as i32 == code)
    }
}

/// The result cache of a command line (see [`crate::cache`]), unless
/// `--no-cache`; `parts` are what decides the output besides the files.
pub fn open_cache(
    args: &crate::cli::CacheArgs,
    discovered: &crate::pipeline::Discovered,
    parts: &[&[u8]],
) -> Option<crate::cache::Cache> {
    let (folder, root) = cache_folder(args, discovered)?;
    Some(crate::cache::Cache::new(&folder, root.as_deref(), parts))
}

/// The folder of the result cache (see [`crate::cache::folder`]), with
/// the project's root, unless `--no-cache`.
pub fn cache_folder(
    args: &crate::cli::CacheArgs,
    discovered: &crate::pipeline::Discovered,
) -> Option<(PathBuf, Option<PathBuf>)> {
    if args.no_cache {
        return None;
    }
    let root = discovered.root.clone();
    Some((crate::cache::folder(args.cache_dir.as_deref(), root.as_deref()), root))
}

/// The workspace of `discovered`, loaded through the scans of the result
/// cache at `cache_at` (its folder and the project's root; `None`: no
/// cache): a file unchanged since the last run is not read again (see
/// [`crate::cache::scans`]).
pub fn load(
    paths: &[PathBuf],
    discovered: crate::pipeline::Discovered,
    config: Config,
    prefilter: bool,
    cache_at: Option<&(PathBuf, Option<PathBuf>)>,
) -> crate::pipeline::Workspace {
    let scans = cache_at.map(|(folder, root)| {
        crate::cache::scans::Scans::open(folder, root.as_deref(), &[format!("{config:?}").as_bytes()])
    });
    crate::pipeline::Workspace::load_discovered_scanned(paths, discovered, config, prefilter, scans.as_ref()).0
}

/// The per-file parts of the result cache in `folder` for checks of
/// `workspace` (`check` and `fix` share them), their findings keeping
/// their fixes' edits or not (`fix_edits`).
pub fn parts_of(
    folder: &std::path::Path,
    root: Option<&std::path::Path>,
    workspace: &crate::pipeline::Workspace,
    fix_edits: bool,
) -> crate::cache::parts::Parts {
    crate::cache::parts::Parts::new(
        folder,
        root,
        &[
            &[u8::from(fix_edits), u8::from(workspace.prefilter)],
            format!("{:?}", workspace.config).as_bytes(),
        ],
    )
}

/// [`open_cache`] for `command` run with `flags` under `config`: what
/// decides its output apart from the files.
pub fn open_command_cache(
    command: &str,
    cache: &crate::cli::CacheArgs,
    discovered: &crate::pipeline::Discovered,
    flags: &dyn std::fmt::Debug,
    config: &crate::config::Config,
    color: bool,
) -> Option<crate::cache::Cache> {
    open_cache(
        cache,
        discovered,
        &[
            command.as_bytes(),
            format!("{flags:?}").as_bytes(),
            format!("{config:?}").as_bytes(),
            &[u8::from(color)],
        ],
    )
}

/// Run `body` over the workspace of `paths`, through the result cache when
/// there is one: an unchanged tree prints the stored output (and ends with
/// its status) without being read (or, when times cannot be trusted,
/// parsed). `body` writes the report to its first writer, what goes to
/// standard error to its second; `deliver` sends the report on (to
/// standard output, or a file).
pub fn cached_run(
    mut cache: Option<crate::cache::Cache>,
    paths: &[PathBuf],
    discovered: crate::pipeline::Discovered,
    load: impl FnOnce(crate::pipeline::Discovered) -> crate::pipeline::Workspace,
    body: impl FnOnce(&crate::pipeline::Workspace, &mut Vec<u8>, &mut Vec<u8>) -> anyhow::Result<ExitStatus>,
    deliver: &mut dyn FnMut(&[u8]) -> anyhow::Result<()>,
    stderr: &mut dyn std::io::Write,
) -> anyhow::Result<ExitStatus> {
    let replay = |output: crate::cache::Output,
                  deliver: &mut dyn FnMut(&[u8]) -> anyhow::Result<()>,
                  stderr: &mut dyn std::io::Write|
     -> anyhow::Result<Option<ExitStatus>> {
        let Some(status) = ExitStatus::from_code(output.status) else {
            return Ok(None);
        };
        stderr.write_all(&output.stderr)?;
        deliver(&output.stdout)?;
        Ok(Some(status))
    };
    if let Some(cache) = cache.as_mut() {
        if let Some(output) = cache.by_stat(paths, &discovered) {
            if let Some(status) = replay(output, deliver, stderr)? {
                return Ok(status);
            }
        }
    }
    let workspace = load(discovered);
    if let Some(cache) = cache.as_mut() {
        if let Some(output) = cache.by_content(&workspace) {
            // Stored again: the files' times may be trusted now.
            cache.store(&output);
            if let Some(status) = replay(output, deliver, stderr)? {
                return Ok(status);
            }
        }
    }
    let mut out = Vec::new();
    let mut err = Vec::new();
    let status = body(&workspace, &mut out, &mut err)?;
    // Stored and delivered from the one copy (a large repository's report
    // takes megabytes).
    let output = crate::cache::Output {
        stdout: out,
        stderr: err,
        status: status as i32,
    };
    if let Some(cache) = &cache {
        cache.store(&output);
    }
    stderr.write_all(&output.stderr)?;
    deliver(&output.stdout)?;
    Ok(status)
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
