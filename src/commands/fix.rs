//! `auditfix fix`: the dry-run diff (default), `--apply`, `--interactive`.
//!
//! Dry run prints a unified diff per file and changes nothing. `--apply`
//! refuses files with uncommitted changes unless `--allow-dirty` (then it
//! writes nothing, but still shows the diff and names the blocking files),
//! and writes each changed file atomically after checking it did not change
//! since it was read.

use super::write_order::Written;
use super::{load_config, paths, use_color, ExitStatus};
use crate::cli::FixArgs;
use crate::diagnostic::Counts;
use crate::pipeline::{FixedFile, Workspace};
use crate::printer::diff::{hunk_label, labelled_diff};
use crate::printer::shown_path;
use std::io::Write;

pub fn run(args: &FixArgs, stdout: &mut dyn Write, stderr: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    if let Some(path) = super::stdin::requested(&args.common)? {
        return super::stdin::fix(args, &path, stdout, stderr);
    }
    let config = load_config(&args.common)?;
    let paths = paths(&args.common);
    let prefilter = !args.common.no_prefilter;
    let discovered = Workspace::discover(&paths, &config);
    let color = use_color(args.color, true);
    if args.apply || args.interactive {
        // These write files: never served from the cache (and what they
        // write changes the files' contents, which the cache compares).
        let parts_at = super::cache_folder(&args.cache, &discovered);
        let workspace = super::load(&paths, discovered, config, prefilter, parts_at.as_ref());
        return fix_workspace(args, &workspace, parts_at, stdout, stderr);
    }
    let cache = super::open_command_cache("fix", &args.cache, &discovered, args, &config, color);
    let parts_at = super::cache_folder(&args.cache, &discovered);
    let scans_at = parts_at.clone();
    super::cached_run(
        cache,
        &paths,
        discovered,
        |discovered| super::load(&paths, discovered, config, prefilter, scans_at.as_ref()),
        |workspace, out, err| fix_workspace(args, workspace, parts_at, out, err),
        &mut |diff| Ok(stdout.write_all(diff)?),
        stderr,
    )
}

/// [`run`] over a loaded workspace, through the per-file parts of the
/// result cache kept at `parts_at` (its folder and the project's root),
/// unless `None`.
fn fix_workspace(
    args: &FixArgs,
    workspace: &Workspace,
    parts_at: Option<(std::path::PathBuf, Option<std::path::PathBuf>)>,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> anyhow::Result<ExitStatus> {
    super::warn_if_no_python_file(workspace, &paths(&args.common), stderr)?;
    let color = use_color(args.color, true);

    let mut status = ExitStatus::Clean;
    for error in &workspace.errors {
        writeln!(stderr, "error: {}: {}", shown_path(&error.path), error.message)?;
        status = ExitStatus::Error;
    }
    for note in &workspace.notes {
        writeln!(stderr, "note: {note}")?;
    }
    if args.interactive {
        return super::interactive::run(args, workspace, stdout, stderr);
    }
    // The counts `check` prints of the same tree (every summary uses them),
    // and the fixes, whose first pass is that check. Only the changes are
    // shown or written: unchanged files keep no text.
    let parts = |workspace: &Workspace| {
        parts_at
            .as_ref()
            .map(|(folder, root)| super::parts_of(folder, root.as_deref(), workspace, false))
    };
    let (counts, fixed) = workspace.fix_counting_kept(args.unsafe_fixes, false, parts(workspace).as_ref());
    // Files found unreadable or unparsable only when the fixes needed them.
    for error in workspace.late_errors() {
        writeln!(stderr, "error: {}: {}", shown_path(&error.path), error.message)?;
        status = ExitStatus::Error;
    }
    for file in &fixed {
        for problem in &file.problems {
            writeln!(stderr, "warning: {}: {problem}", shown_path(&file.display))?;
        }
        // A rule that has a fix but could not build one here says so: the
        // rest of the file is still fixed.
        for d in file
            .remaining
            .iter()
            .filter(|d| d.fix.is_none() && fix_expected(d.rule))
        {
            writeln!(
                stderr,
                "warning: {}:{}:{}: {} could not be fixed safely here; left as it is ({})",
                shown_path(&file.display),
                d.start.line,
                d.start.column,
                d.rule.code(),
                d.function.as_deref().unwrap_or("module level"),
            )?;
        }
    }
    let changed: Vec<&FixedFile> = fixed.iter().filter(|f| f.changed()).collect();
    let unsafe_note = counts.unsafe_note(args.unsafe_fixes);

    if !args.apply {
        for file in &changed {
            write!(stdout, "{}", labelled(file, color))?;
        }
        let would = counts.findings - counts.left_without_fix(args.unsafe_fixes);
        writeln!(
            stderr,
            "Would fix {would} finding{} in {} file{}{unsafe_note}.",
            plural(would),
            changed.len(),
            plural(changed.len())
        )?;
        return Ok(worst(
            status,
            if changed.is_empty() {
                ExitStatus::Clean
            } else {
                ExitStatus::Findings
            },
        ));
    }

    if !args.allow_dirty {
        let targets: Vec<_> = changed.iter().map(|f| f.path.clone()).collect();
        let dirty = crate::write::dirty_files(&targets).map_err(|e| anyhow::anyhow!(e))?;
        if !dirty.is_empty() {
            for file in changed.iter().filter(|f| dirty.contains(&f.path)) {
                write!(stdout, "{}", labelled(file, color))?;
            }
            writeln!(
                stderr,
                "error: these files have uncommitted changes; commit or stash them, or pass --allow-dirty:"
            )?;
            for file in changed.iter().filter(|f| dirty.contains(&f.path)) {
                writeln!(stderr, "  {}", shown_path(&file.display))?;
            }
            writeln!(stderr, "Nothing was written.")?;
            return Ok(ExitStatus::Error);
        }
    }

    // Writes stay within the given paths; temporary files an interrupted
    // run left beside these files go first.
    let writer = crate::write::Writer::new(&paths(&args.common));
    let targets = workspace.files.iter().filter(|f| f.target).map(|f| &*f.path);
    for removed in writer.remove_stale_temps(targets) {
        writeln!(
            stderr,
            "note: removed {}, a temporary file left by an interrupted run",
            shown_path(&removed)
        )?;
    }
    pause_before_write(stderr)?;
    let mut written = 0;
    let mut fixed_count = 0;
    let mut failed = 0;
    // Files a cross-file fix links: whole or not at all, callee first.
    let outcome = super::write_order::write_all(
        &changed,
        |file, expected, contents| writer.write(&file.path, expected, contents),
        pause_between_writes,
    );
    for (file, outcome) in changed.iter().zip(outcome) {
        let shown = shown_path(&file.display);
        match outcome {
            Written::Done => {
                written += 1;
                fixed_count += file.applied.len();
            }
            Written::Failed(message) => {
                writeln!(stderr, "error: {shown}: {message}")?;
                failed += 1;
                status = ExitStatus::Error;
            }
            Written::Skipped(culprit) => {
                writeln!(
                    stderr,
                    "error: {shown}: not written: a fix here also changes {}, which could not be written",
                    shown_path(&culprit)
                )?;
                failed += 1;
                status = ExitStatus::Error;
            }
            Written::Restored(culprit, Ok(())) => {
                writeln!(
                    stderr,
                    "error: {shown}: restored as it was: a fix here also changes {}, which could not be written",
                    shown_path(&culprit)
                )?;
                failed += 1;
                status = ExitStatus::Error;
            }
            Written::Restored(culprit, Err(message)) => {
                writeln!(
                    stderr,
                    "error: {shown}: written, but {} could not be, and restoring this file failed ({message}): check the call between them",
                    shown_path(&culprit)
                )?;
                failed += 1;
                status = ExitStatus::Error;
            }
        }
    }
    // What is left is what `check` finds now: the tree as written, read again.
    let left = if written > 0 {
        let again = Workspace::load_with(&paths(&args.common), workspace.config.clone(), workspace.prefilter);
        match parts(&again) {
            Some(parts) => Counts::of(&again.check_reporting_kept(false, &parts).result),
            None => Counts::of(&again.check_reporting(false)),
        }
    } else {
        counts
    };
    let mut line = format!(
        "Fixed {fixed_count} finding{} in {written} file{}",
        plural(fixed_count),
        plural(written)
    );
    if failed > 0 {
        line.push_str(&format!(
            "; {failed} file{} could not be written (see above)",
            plural(failed)
        ));
    }
    line.push_str(&format!(
        "; {} finding{} left{}.",
        left.findings,
        plural(left.findings),
        left.unsafe_note(args.unsafe_fixes)
    ));
    writeln!(stderr, "{line}")?;
    // As `ruff check --fix`: 1 while findings remain, 0 when none do.
    if status == ExitStatus::Clean && left.findings > 0 {
        status = ExitStatus::Findings;
    }
    Ok(status)
}

/// The diff of a fixed file, each hunk labelled with the findings whose
/// fixes edit its lines (the finding's own line for a fix whose edits are
/// in other files).
fn labelled(file: &FixedFile, color: bool) -> String {
    let bytes = file.original.as_bytes();
    let line_of = |offset: usize| bytes[..offset.min(bytes.len())].iter().filter(|b| **b == b'\n').count() + 1;
    let touched: Vec<(Vec<usize>, &crate::diagnostic::Diagnostic)> = file
        .applied
        .iter()
        .map(|d| {
            let mut lines: Vec<usize> = d
                .fix
                .iter()
                .flat_map(|f| f.edits())
                .map(|e| line_of(e.start()))
                .collect();
            if lines.is_empty() {
                lines.push(d.start.line);
            }
            (lines, d)
        })
        .collect();
    let label = |first: usize, last: usize| {
        hunk_label(
            touched
                .iter()
                .filter(|(lines, _)| lines.iter().any(|l| (first..=last).contains(l)))
                .map(|(_, d)| (d.rule.code(), d.message.as_str())),
        )
    };
    labelled_diff(&file.display, &file.original, &file.fixed, color, &label)
}

/// Test hook: `AUDITFIX_TEST_PAUSE_BEFORE_WRITE=<ms>` says so on stderr and
/// sleeps between the scan and the first write, so tests can change files
/// in that window (deleted or edited files, concurrent runs). Unset, it
/// does nothing.
fn pause_before_write(stderr: &mut dyn Write) -> std::io::Result<()> {
    let ms = std::env::var("AUDITFIX_TEST_PAUSE_BEFORE_WRITE").ok();
    if let Some(ms) = ms.and_then(|v| v.parse::<u64>().ok()) {
        writeln!(stderr, "note: pausing {ms} ms before writing")?;
        stderr.flush()?;
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
    Ok(())
}

/// Test hook: `AUDITFIX_TEST_PAUSE_BETWEEN_WRITES=<ms>` says so on stderr
/// and sleeps after each file written, so tests can interrupt a run
/// between two files. Unset, it does nothing.
fn pause_between_writes() {
    let ms = std::env::var("AUDITFIX_TEST_PAUSE_BETWEEN_WRITES").ok();
    if let Some(ms) = ms.and_then(|v| v.parse::<u64>().ok()) {
        eprintln!("note: pausing {ms} ms after a write");
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
}

/// Whether `rule` normally comes with a fix (so a finding without one means
/// the fix could not be built, not that none exists).
fn fix_expected(rule: crate::rules::Rule) -> bool {
    use crate::rules::Rule;
    !matches!(
        rule,
        Rule::ModelWithoutAuditMixin | Rule::PositionalShift | Rule::CallSignatureMismatch
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn worst(a: ExitStatus, b: ExitStatus) -> ExitStatus {
    if (a as u8) >= (b as u8) {
        a
    } else {
        b
    }
}
