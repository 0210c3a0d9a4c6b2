//! `auditfix fix --interactive`: per-hunk approval, like `git add -p`.
//!
//! The command's edges: compute the hunks of every file from a check of the
//! files as read, refuse upfront (before asking anything) when a file to
//! review has uncommitted changes and `--allow-dirty` is not given, pick the
//! answer source (single keys on a terminal, lines otherwise), run the
//! session, print the summary, and turn the outcome into an exit status:
//! 0 when the session ran (whatever was skipped), 2 on a write error, a
//! dirty refusal or a file that could not be checked, 130 on Ctrl-C. The
//! session itself lives in [`crate::interactive`].

use super::{use_color, ExitStatus};
use crate::cli::FixArgs;
use crate::diagnostic::Counts;
use crate::interactive::answers::{restore_terminal, Answers, LineAnswers, TerminalAnswers};
use crate::interactive::hunk::FileReview;
use crate::interactive::session::{editor_from_env, Options, Outcome, Session};
use crate::pipeline::Workspace;
use crate::printer::shown_path;
use std::io::{IsTerminal, Write};

pub fn run(
    args: &FixArgs,
    workspace: &Workspace,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> anyhow::Result<ExitStatus> {
    let color = use_color(args.color, true);
    let checked = workspace.check();
    // Files found unreadable or unparsable only when the check needed them.
    for error in workspace.late_errors() {
        writeln!(stderr, "error: {}: {}", shown_path(&error.path), error.message)?;
    }
    let mut reviews = Vec::new();
    for review in FileReview::build_all(workspace, &checked, args.unsafe_fixes) {
        for problem in &review.problems {
            writeln!(stderr, "warning: {}: {problem}", shown_path(&review.display))?;
        }
        for note in &review.notes {
            writeln!(stderr, "note: {}: {note}", shown_path(&review.display))?;
        }
        if !review.hunks.is_empty() {
            reviews.push(review);
        }
    }
    // The counts `check` and `fix` print of the same tree.
    let counts = Counts::of(&checked);
    let status = if checked.errors.is_empty() {
        ExitStatus::Clean
    } else {
        ExitStatus::Error
    };
    let offered = counts.findings - counts.left_without_fix(args.unsafe_fixes);
    let hunks: usize = reviews.iter().map(|r| r.hunks.len()).sum();
    writeln!(
        stderr,
        "Found {} finding{}: {offered} fixable in {hunks} hunk{}{}.",
        counts.findings,
        if counts.findings == 1 { "" } else { "s" },
        if hunks == 1 { "" } else { "s" },
        counts.unsafe_note(args.unsafe_fixes)
    )?;
    if reviews.is_empty() {
        writeln!(stderr, "Nothing to fix.")?;
        return Ok(status);
    }

    if !args.allow_dirty {
        let targets: Vec<_> = reviews.iter().map(|r| r.path.clone()).collect();
        let dirty = crate::write::dirty_files(&targets).map_err(|e| anyhow::anyhow!(e))?;
        if !dirty.is_empty() {
            writeln!(
                stderr,
                "error: these files have uncommitted changes; commit or stash them, or pass --allow-dirty:"
            )?;
            for review in reviews.iter().filter(|r| dirty.contains(&r.path)) {
                writeln!(stderr, "  {}", shown_path(&review.display))?;
            }
            writeln!(stderr, "Nothing was written.")?;
            return Ok(ExitStatus::Error);
        }
    }

    let stdin = std::io::stdin();
    let mut answers: Box<dyn Answers> = if stdin.is_terminal() {
        Box::new(TerminalAnswers)
    } else {
        Box::new(LineAnswers::new(stdin.lock()))
    };
    let options = Options {
        color,
        editor: editor_from_env(),
        unsafe_fixes: args.unsafe_fixes,
        writer: crate::write::Writer::new(&super::paths(&args.common)),
    };
    let mut session = Session::new(workspace, stdout, stderr, answers.as_mut(), options);
    let outcome = session.run(reviews);
    restore_terminal();
    let outcome = outcome?;
    let summary = session.summary.clone();
    drop(session);
    summary.print(stderr, if args.unsafe_fixes { 0 } else { counts.unsafe_only })?;
    if outcome == Outcome::Interrupted {
        return Ok(ExitStatus::Interrupted);
    }
    Ok(if summary.errors > 0 { ExitStatus::Error } else { status })
}
