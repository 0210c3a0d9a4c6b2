//! A source read from standard input: `-` as the path, with
//! `--stdin-filename PATH` naming the file it stands for (editors and
//! pre-commit-like tools pipe an unsaved buffer through, as with ruff).
//!
//! What lives here: validating the two flags, reading standard input, and
//! `fix` over it (the fixed source, or the diff, goes to standard output;
//! nothing is written). `check` over it is `check`'s own, on the workspace
//! [`Workspace::load_stdin`] builds.

use super::ExitStatus;
use crate::cli::{CommonArgs, FixArgs};
use crate::pipeline::Workspace;
use crate::printer::shown_path;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// The path the source on standard input stands for, when the command
/// reads one: `-` is the path (the only one), or no path is given and
/// `--stdin-filename` is. An error says what is missing.
pub fn requested(common: &CommonArgs) -> anyhow::Result<Option<PathBuf>> {
    let dash = common.paths.iter().any(|p| p.as_os_str() == "-");
    match (&common.stdin_filename, dash) {
        (None, false) => Ok(None),
        (None, true) => anyhow::bail!(
            "`-` reads the source from standard input: name the file it stands for with --stdin-filename PATH"
        ),
        (Some(name), _) if common.paths.iter().any(|p| p.as_os_str() != "-") => anyhow::bail!(
            "--stdin-filename {} names the source read from standard input: give `-` as the only path (or no path)",
            shown_path(name)
        ),
        (Some(name), _) if name.as_os_str().is_empty() => anyhow::bail!("--stdin-filename needs a path"),
        (Some(name), _) => Ok(Some(name.clone())),
    }
}

/// Read the whole of standard input (at most the size of the largest
/// source file read from disk).
pub fn read() -> anyhow::Result<Vec<u8>> {
    let cap = crate::files::SOURCE_CAP;
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| anyhow::anyhow!("cannot read standard input: {e}"))?;
    if bytes.len() as u64 > cap {
        anyhow::bail!("standard input is larger than {} MB; not read", cap >> 20);
    }
    Ok(bytes)
}

/// The workspace for `path` with `bytes` in its place, unless
/// `--force-exclude` leaves it out (`None`).
pub fn workspace(path: &Path, bytes: &[u8], common: &CommonArgs) -> anyhow::Result<Option<Workspace>> {
    let mut common = common.clone();
    common.paths = vec![path.to_path_buf()];
    let config = super::load_config(&common)?;
    if config.force_exclude && crate::walk::force_excluded(path, &config) {
        return Ok(None);
    }
    Ok(Some(Workspace::load_stdin(path, bytes, config, !common.no_prefilter)))
}

/// `fix -`: with `--apply`, the fixed source on standard output (the
/// source unchanged when nothing applies), as `ruff check --fix -` does;
/// without, the diff. Exit status as for files: the dry run exits 1 when it
/// would change something, `--apply` while findings remain.
pub fn fix(args: &FixArgs, path: &Path, stdout: &mut dyn Write, stderr: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    if args.interactive {
        anyhow::bail!("--interactive reads its answers from standard input, so it cannot fix a source read from there");
    }
    let bytes = read()?;
    let Some(workspace) = workspace(path, &bytes, &args.common)? else {
        // Excluded: passed through unchanged.
        if args.apply {
            stdout.write_all(&bytes)?;
        }
        return Ok(ExitStatus::Clean);
    };
    for note in &workspace.notes {
        writeln!(stderr, "note: {note}")?;
    }
    let fixed = workspace.fix_reporting(args.unsafe_fixes, true);
    let mut errors = workspace.errors.clone();
    errors.extend(workspace.late_errors());
    for error in &errors {
        writeln!(stderr, "error: {}: {}", shown_path(&error.path), error.message)?;
    }
    if !errors.is_empty() {
        if args.apply {
            stdout.write_all(&bytes)?;
        }
        return Ok(ExitStatus::Error);
    }
    let file = fixed.iter().find(|f| workspace.files[f.id].target);
    for problem in file.iter().flat_map(|f| &f.problems) {
        writeln!(stderr, "warning: {}: {problem}", shown_path(path))?;
    }
    let applied = file.map_or(0, |f| if f.changed() { f.applied.len() } else { 0 });
    let remaining = file.map_or(0, |f| f.remaining.len());
    let changed = file.filter(|f| f.changed());
    if !args.apply {
        if let Some(file) = changed {
            let color = super::use_color(args.color, true);
            let diff = crate::printer::diff::unified_diff(&file.display, &file.original, &file.fixed, color);
            write!(stdout, "{diff}")?;
        }
        writeln!(stderr, "Would fix {}.", crate::printer::plural(applied, "finding"))?;
        return Ok(if changed.is_some() {
            ExitStatus::Findings
        } else {
            ExitStatus::Clean
        });
    }
    match changed {
        Some(file) => stdout.write_all(&file.fixed_bytes())?,
        None => stdout.write_all(&bytes)?,
    }
    writeln!(
        stderr,
        "Fixed {}; {} left without a fix.",
        crate::printer::plural(applied, "finding"),
        crate::printer::plural(remaining, "finding")
    )?;
    Ok(if remaining > 0 {
        ExitStatus::Findings
    } else {
        ExitStatus::Clean
    })
}
