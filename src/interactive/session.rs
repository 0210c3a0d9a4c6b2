//! The interactive session: shows each hunk, asks, acts on the answer, and
//! writes each file once every hunk of it is decided.
//!
//! What lives here: the prompt loop over the files ([`Session::run`]), the
//! hints and help, the `e` round trip through an editor, the write of each
//! file (atomic, refused if the file changed since it was read) and the
//! final [`Summary`]. What does not: what a hunk is (`hunk`), the decision
//! state (`review`), where answers come from (`answers`), the dirty-tree
//! refusal and the exit status (the command).
//!
//! Hunks, prompts, help and the echo of each answer go to `out`; hints,
//! errors and the summary go to `err` (`out` is flushed first, so the two
//! interleave correctly on one terminal).

use super::answers::{Answer, Answers};
use super::hunk::{FileReview, Hunk};
use super::patch::apply_edited;
use super::review::{Decision, Key, Review};
use crate::analysis::module::ModuleFacts;
use crate::analysis::source::SourceFile;
use crate::checker::check_file;
use crate::pipeline::Workspace;
use crate::printer::{plural, shown_path, slash_path, Paint};

use crate::rules::Rule;
use std::collections::HashMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// How to run a session.
#[derive(Clone, Debug)]
pub struct Options {
    pub color: bool,
    /// The editor command for `e` (run through the shell with the file's
    /// path as its last argument).
    pub editor: String,
    /// Unsafe fixes are offered (`--unsafe`).
    pub unsafe_fixes: bool,
    /// Writes files, within the paths of the run.
    pub writer: crate::write::Writer,
}

/// How a session ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Every hunk of every file was answered.
    Finished,
    /// `q` or end of input: what was accepted is written, the rest is not.
    Quit,
    /// Ctrl-C: files finished before stay written; the current one is not.
    Interrupted,
}

/// What a session did, for the closing lines.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub accepted_hunks: usize,
    pub accepted_fixes: usize,
    pub skipped_hunks: usize,
    /// Hunks never answered (after `q`, end of input or Ctrl-C).
    pub unanswered_hunks: usize,
    pub written: Vec<PathBuf>,
    /// Files left as they were, and why.
    pub unchanged: Vec<(PathBuf, String)>,
    /// Files that could not be written although hunks were accepted.
    pub errors: usize,
    /// Fixable findings that a re-check of the written files finds beyond
    /// the hunks not accepted: fixes that appear only after others.
    pub more_fixes: usize,
}

impl Summary {
    /// The closing lines. `more_unsafe`: fixes offered only with `--unsafe`.
    pub fn print(&self, err: &mut dyn Write, more_unsafe: usize) -> io::Result<()> {
        let mut line = format!(
            "Accepted {} ({}), skipped {}",
            plural(self.accepted_hunks, "hunk"),
            count(self.accepted_fixes, "fix", "fixes"),
            plural(self.skipped_hunks, "hunk")
        );
        if self.unanswered_hunks > 0 {
            line.push_str(&format!(", {} not answered", self.unanswered_hunks));
        }
        writeln!(err, "{line}.")?;
        // Each written file was named when it was written.
        match self.written.len() {
            0 => writeln!(err, "Wrote no file.")?,
            n => writeln!(err, "Wrote {}.", plural(n, "file"))?,
        }
        if !self.unchanged.is_empty() {
            writeln!(err, "Left unchanged:")?;
            for (path, why) in &self.unchanged {
                writeln!(err, "  {}: {why}", shown_path(path))?;
            }
        }
        if self.more_fixes > 0 {
            writeln!(
                err,
                "{} more {} available after these; run again.",
                self.more_fixes,
                if self.more_fixes == 1 {
                    "fix becomes"
                } else {
                    "fixes become"
                }
            )?;
        }
        if more_unsafe > 0 {
            writeln!(err, "{more_unsafe} more with --unsafe.")?;
        }
        Ok(())
    }
}

enum FileEnd {
    Done,
    Quit,
    Interrupted,
}

/// One interactive run over the files under review.
pub struct Session<'a> {
    workspace: &'a Workspace,
    out: &'a mut dyn Write,
    err: &'a mut dyn Write,
    answers: &'a mut dyn Answers,
    options: Options,
    pub summary: Summary,
}

impl<'a> Session<'a> {
    pub fn new(
        workspace: &'a Workspace,
        out: &'a mut dyn Write,
        err: &'a mut dyn Write,
        answers: &'a mut dyn Answers,
        options: Options,
    ) -> Session<'a> {
        Session {
            workspace,
            out,
            err,
            answers,
            options,
            summary: Summary::default(),
        }
    }

    /// Review `files` in order; each is written when its last hunk is
    /// decided (or at `q`/end of input, with what was accepted).
    pub fn run(&mut self, files: Vec<FileReview>) -> io::Result<Outcome> {
        let mut files = files.into_iter();
        while let Some(file) = files.next() {
            let (end, review) = self.review_file(&file)?;
            let outcome = match end {
                FileEnd::Done => {
                    self.finish(&file, &review)?;
                    continue;
                }
                FileEnd::Quit => {
                    self.finish(&file, &review)?;
                    Outcome::Quit
                }
                FileEnd::Interrupted => {
                    self.summary.unanswered_hunks += review.hunks().len();
                    self.summary
                        .unchanged
                        .push((file.display.clone(), "interrupted: its answers were not written".into()));
                    Outcome::Interrupted
                }
            };
            for rest in files {
                self.summary.unanswered_hunks += rest.hunks.len();
                self.summary
                    .unchanged
                    .push((rest.display.clone(), "not reviewed".into()));
            }
            return Ok(outcome);
        }
        Ok(Outcome::Finished)
    }

    fn paint(&self, style: &str, text: &str) -> String {
        Paint {
            enabled: self.options.color,
        }
        .paint(style, text)
    }

    /// A line of information on `err`.
    fn say(&mut self, text: &str) -> io::Result<()> {
        self.out.flush()?;
        writeln!(self.err, "{text}")?;
        self.err.flush()
    }

    /// A one-line hint (something was refused or went wrong) on `err`.
    fn hint(&mut self, text: &str) -> io::Result<()> {
        self.out.flush()?;
        let line = self.paint(Paint::BOLD_RED, text);
        writeln!(self.err, "{line}")?;
        self.err.flush()
    }

    fn show(&mut self, file: &FileReview, review: &Review<Hunk>) -> io::Result<()> {
        let text = self.render(file, review);
        self.out.write_all(text.as_bytes())
    }

    /// The current hunk as [`Session::show`] prints it (also `p`, and `P`
    /// through the pager).
    fn render(&self, file: &FileReview, review: &Review<Hunk>) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        let hunk = review.current();
        match file.diff(hunk, self.options.color) {
            Ok(diff) => out.push_str(&diff),
            Err(reason) => {
                let _ = writeln!(out, "(this hunk cannot be shown: {reason})");
            }
        }
        if let Some(function) = &hunk.function {
            let _ = writeln!(out, "In {function}:");
        }
        for finding in file.findings(hunk) {
            let code = self.paint(Paint::BOLD, finding.rule.code());
            let _ = writeln!(out, "  {code} line {}: {}", finding.line, finding.message);
        }
        if file.is_unsafe(hunk) {
            out.push_str("(unsafe fix: it changes behaviour; review it closely)\n");
        }
        if hunk.edited.is_some() {
            out.push_str("(edited by hand)\n");
        }
        match review.current_decision() {
            Some(Decision::Accept) => out.push_str("(currently accepted)\n"),
            Some(Decision::Skip) => out.push_str("(currently skipped)\n"),
            None => {}
        }
        out
    }

    /// How many times in a row `y` is refused on one hunk before the hunk
    /// is skipped.
    const MAX_REFUSALS: usize = 3;

    fn review_file(&mut self, file: &FileReview) -> io::Result<(FileEnd, Review<Hunk>)> {
        let mut review = Review::new(file.hunks.clone());
        let header = file.header(self.options.color);
        write!(self.out, "{header}")?;
        let mut show = true;
        // `y` refused on the hunk shown, in a row: a pipe of `yes` would
        // ask forever.
        let mut refusals = 0;
        while !review.is_done() {
            if show {
                self.show(file, &review)?;
                show = false;
                refusals = 0;
            }
            let hunk = review.current();
            let keys = review.keys(hunk.splittable && hunk.edited.is_none());
            let list: Vec<String> = keys.iter().map(|k| k.char().to_string()).collect();
            let prompt = format!(
                "({}/{}) Apply this hunk [{}]? ",
                review.cursor() + 1,
                review.hunks().len(),
                list.join(",")
            );
            let prompt = self.paint(Paint::BOLD_BLUE, &prompt);
            self.err.flush()?;
            let answer = self.answers.ask(self.out, &prompt)?;
            match &answer {
                Answer::Key(c) => writeln!(self.out, "{c}")?,
                Answer::Other(text) => writeln!(self.out, "{text}")?,
                Answer::Interrupt => writeln!(self.out, "^C")?,
                Answer::Empty | Answer::End => writeln!(self.out)?,
            }
            let key = match answer {
                Answer::End => {
                    self.hint("End of input: quitting; the hunks accepted so far are kept.")?;
                    return Ok((FileEnd::Quit, review));
                }
                Answer::Interrupt => {
                    self.hint("Interrupted: this file is not written; files finished before stay written.")?;
                    return Ok((FileEnd::Interrupted, review));
                }
                Answer::Empty => {
                    self.hint("Enter alone is no answer: press y to apply this hunk, n to skip it, ? for help.")?;
                    continue;
                }
                Answer::Other(text) => {
                    self.hint(&format!(
                        "Unknown answer `{text}`: answer with one key of {} (? explains them).",
                        list.join(",")
                    ))?;
                    continue;
                }
                Answer::Key(c) => match Key::from_char(c) {
                    Some(key) if keys.contains(&key) => key,
                    Some(key) => {
                        self.hint(not_offered(key))?;
                        continue;
                    }
                    None => {
                        self.hint(&format!(
                            "Unknown key `{c}`: answer with one key of {} (? explains them).",
                            list.join(",")
                        ))?;
                        continue;
                    }
                },
            };
            match key {
                Key::Yes => match file.result(&review.accepted_with_current()) {
                    Ok(_) => {
                        review.decide(Decision::Accept);
                        show = true;
                    }
                    Err(reason) => {
                        refusals += 1;
                        if refusals < Self::MAX_REFUSALS {
                            self.hint(&format!(
                                "This hunk cannot be applied with the hunks accepted so far: {reason}. Answer n to skip it, or u to undo an earlier answer."
                            ))?;
                        } else {
                            self.hint(&format!(
                                "This hunk cannot be applied with the hunks accepted so far: {reason}. Asked {} times: it is skipped.",
                                Self::MAX_REFUSALS
                            ))?;
                            review.decide(Decision::Skip);
                            show = true;
                        }
                    }
                },
                Key::No => {
                    review.decide(Decision::Skip);
                    show = true;
                }
                Key::Quit => return Ok((FileEnd::Quit, review)),
                Key::All => {
                    self.accept_rest(file, &mut review)?;
                    show = true;
                }
                Key::Done => {
                    review.decide_many(&review.rest(), Decision::Skip);
                    show = true;
                }
                Key::NextUndecided | Key::Next | Key::PreviousUndecided | Key::Previous => {
                    if let Err(why) = review.go(key) {
                        self.hint(why)?;
                    } else {
                        show = true;
                    }
                }
                Key::Split => {
                    let parts = file.split(review.current());
                    let count = parts.len();
                    review.split(parts);
                    self.say(&format!("Split into {count} hunks."))?;
                    show = true;
                }
                Key::Edit => show = self.edit(file, &mut review)?,
                Key::Print => show = true,
                Key::Pager => self.page(file, &review)?,
                Key::Goto => match self.goto(file, &mut review)? {
                    Some(true) => show = true,
                    Some(false) => {}
                    None => {
                        self.hint("End of input: quitting; the hunks accepted so far are kept.")?;
                        return Ok((FileEnd::Quit, review));
                    }
                },
                Key::Search => match self.search(file, &mut review)? {
                    Some(true) => show = true,
                    Some(false) => {}
                    None => {
                        self.hint("End of input: quitting; the hunks accepted so far are kept.")?;
                        return Ok((FileEnd::Quit, review));
                    }
                },
                Key::Undo => {
                    if let Err(why) = review.undo() {
                        self.hint(why)?;
                    } else {
                        show = true;
                    }
                }
                Key::Help => {
                    for key in &keys {
                        let line = self.paint(Paint::BOLD_RED, &format!("{} - {}", key.char(), key.help()));
                        writeln!(self.out, "{line}")?;
                    }
                }
            }
        }
        Ok((FileEnd::Done, review))
    }

    /// `P`: the hunk through the pager (`$PAGER`, else `less -R`) when
    /// standard output is a terminal; printed like `p` otherwise.
    fn page(&mut self, file: &FileReview, review: &Review<Hunk>) -> io::Result<()> {
        use std::io::IsTerminal;
        let shown = self.render(file, review).into_bytes();
        if !std::io::stdout().is_terminal() {
            return self.out.write_all(&shown);
        }
        let pager = std::env::var("PAGER")
            .ok()
            .filter(|p| !p.trim().is_empty())
            .unwrap_or_else(|| "less -R".to_string());
        self.out.flush()?;
        let spawned = std::process::Command::new("sh")
            .arg("-c")
            .arg(&pager)
            .stdin(std::process::Stdio::piped())
            .spawn();
        match spawned {
            Ok(mut child) => {
                if let Some(mut stdin) = child.stdin.take() {
                    // A pager quit early closes its input: not an error.
                    let _ = stdin.write_all(&shown);
                }
                child.wait()?;
                Ok(())
            }
            Err(e) => {
                self.hint(&format!("Cannot run the pager `{pager}`: {e}"))?;
                self.out.write_all(&shown)
            }
        }
    }

    /// `g`: list the hunks and go to the one whose number is typed.
    /// `Some(moved)`, or `None` at the end of input.
    fn goto(&mut self, file: &FileReview, review: &mut Review<Hunk>) -> io::Result<Option<bool>> {
        for (i, (hunk, decision)) in review.hunks().iter().zip(review.decisions()).enumerate() {
            let mark = match decision {
                Some(Decision::Accept) => '+',
                Some(Decision::Skip) => '-',
                None => ' ',
            };
            let first = file
                .diff(hunk, false)
                .ok()
                .and_then(|d| d.lines().next().map(str::to_string))
                .unwrap_or_default();
            let function = hunk.function.as_deref().unwrap_or("module level");
            writeln!(self.out, "{:>3}{mark} {first} {function}", i + 1)?;
        }
        let Some(line) = self.answers.ask_line(self.out, "go to which hunk? ")? else {
            return Ok(None);
        };
        if line.is_empty() {
            return Ok(Some(false));
        }
        let Ok(number) = line.parse::<usize>() else {
            self.hint(&format!("Invalid number: '{}'", crate::printer::escape_controls(&line)))?;
            return Ok(Some(false));
        };
        match number.checked_sub(1).map(|i| review.go_to(i)) {
            Some(Ok(())) => Ok(Some(true)),
            Some(Err(why)) => {
                self.hint(&why)?;
                Ok(Some(false))
            }
            None => {
                self.hint(&format!("Sorry, only {} hunks available.", review.hunks().len()))?;
                Ok(Some(false))
            }
        }
    }

    /// `/`: go to the first hunk, from this one on (wrapping around), whose
    /// diff or findings match the regular expression typed. `Some(moved)`,
    /// or `None` at the end of input.
    fn search(&mut self, file: &FileReview, review: &mut Review<Hunk>) -> io::Result<Option<bool>> {
        let Some(pattern) = self.answers.ask_line(self.out, "search for regex? ")? else {
            return Ok(None);
        };
        if pattern.is_empty() {
            return Ok(Some(false));
        }
        let regex = match regex::Regex::new(&pattern) {
            Ok(regex) => regex,
            Err(e) => {
                let why = e.to_string().replace('\n', " ");
                self.hint(&format!("Malformed search regexp {pattern}: {why}"))?;
                return Ok(Some(false));
            }
        };
        let count = review.hunks().len();
        let found = (0..count).map(|k| (review.cursor() + k) % count).find(|i| {
            let hunk = &review.hunks()[*i];
            let mut text = file.diff(hunk, false).unwrap_or_default();
            for finding in file.findings(hunk) {
                text.push_str(&format!("{} {}\n", finding.rule.code(), finding.message));
            }
            regex.is_match(&text)
        });
        match found {
            Some(i) => {
                review.go_to(i).map_err(io::Error::other)?;
                Ok(Some(true))
            }
            None => {
                self.hint("No hunk matches the given pattern")?;
                Ok(Some(false))
            }
        }
    }

    /// `a`: accept the current hunk and every later undecided one that can
    /// be applied with what is accepted; the others stay undecided, with why.
    fn accept_rest(&mut self, file: &FileReview, review: &mut Review<Hunk>) -> io::Result<()> {
        let accepted: Vec<usize> = (0..review.hunks().len())
            .filter(|i| review.decisions()[*i] == Some(Decision::Accept))
            .collect();
        let mut taken: Vec<usize> = Vec::new();
        let mut refused = Vec::new();
        for i in review.rest() {
            let mut set: Vec<usize> = accepted.iter().chain(&taken).copied().chain([i]).collect();
            set.sort_unstable();
            set.dedup();
            let hunks: Vec<&Hunk> = set.iter().map(|j| &review.hunks()[*j]).collect();
            match file.result(&hunks) {
                Ok(_) => taken.push(i),
                Err(reason) => refused.push(format!("hunk {}/{}: {reason}", i + 1, review.hunks().len())),
            }
        }
        review.decide_many(&taken, Decision::Accept);
        for line in refused {
            self.hint(&format!("Left undecided, cannot be applied with the others: {line}"))?;
        }
        Ok(())
    }

    /// `e`: edit the hunk's diff in the editor; on success the edited hunk
    /// replaces it, accepted. An edit that does not apply or parse is
    /// offered to edit again, as git does (the user's text kept); an editor
    /// quit without a change is no edit. Returns whether the hunk should be
    /// shown again.
    fn edit(&mut self, file: &FileReview, review: &mut Review<Hunk>) -> io::Result<bool> {
        let hunk = review.current().clone();
        let offered = match file.diff(&hunk, false) {
            Ok(diff) => diff,
            Err(reason) => {
                self.hint(&format!("This hunk cannot be edited: {reason}"))?;
                return Ok(false);
            }
        };
        let mut content = format!(
            "# Manual hunk edit mode for {} -- see the bottom for a quick guide.\n{offered}{}",
            slash_path(&file.display),
            EDIT_GUIDE
        );
        loop {
            let Some(edited) = self.run_edit(&content)? else {
                return Ok(false);
            };
            if edited == content {
                self.hint("The hunk was not edited (the editor left it as it was); the hunk is unchanged.")?;
                return Ok(false);
            }
            let reason = match self.check_edit(file, review, &hunk, &offered, &edited)? {
                Ok(Some(edited_hunk)) => {
                    review.replace_and_accept(edited_hunk);
                    self.say("Edited hunk accepted.")?;
                    return Ok(true);
                }
                Ok(None) => return Ok(false),
                Err(reason) => reason,
            };
            self.hint(&format!("{reason}."))?;
            let prompt = self.paint(
                Paint::BOLD_BLUE,
                "Edit again (saying \"n\" discards your edit, and the hunk is unchanged) [y,n]? ",
            );
            let again = self.answers.ask(self.out, &prompt)?;
            match &again {
                Answer::Key(c) => writeln!(self.out, "{c}")?,
                Answer::Other(text) => writeln!(self.out, "{text}")?,
                _ => writeln!(self.out)?,
            }
            if again != Answer::Key('y') {
                return Ok(false);
            }
            content = edited;
        }
    }

    /// Write `content` to a temporary file, run the editor on it and read
    /// it back; `None` (said) when any step fails.
    fn run_edit(&mut self, content: &str) -> io::Result<Option<String>> {
        // Every failure of the round trip is the hunk's, not the session's:
        // it is said, with what failed, and the hunk is asked again.
        let created = tempfile::Builder::new()
            .prefix("auditfix-hunk-")
            .suffix(".diff")
            .tempfile()
            .and_then(|mut tmp| {
                tmp.write_all(content.as_bytes())?;
                tmp.flush()?;
                Ok(tmp)
            });
        let tmp = match created {
            Ok(tmp) => tmp,
            Err(e) => {
                self.hint(&format!(
                    "Cannot create the file to edit the hunk in (in {}): {}; the hunk is unchanged.",
                    std::env::temp_dir().display(),
                    crate::analysis::source::io_reason(&e)
                ))?;
                return Ok(None);
            }
        };
        self.out.flush()?;
        self.err.flush()?;
        let status = match run_editor(&self.options.editor, tmp.path()) {
            Ok(status) => status,
            Err(e) => {
                self.hint(&format!(
                    "Cannot run the editor `{}`: {e}; the hunk is unchanged.",
                    self.options.editor
                ))?;
                return Ok(None);
            }
        };
        if status.code() == Some(127) {
            self.hint(&format!(
                "The editor `{}` was not found (the shell exited with 127); set VISUAL or EDITOR. The hunk is unchanged.",
                self.options.editor
            ))?;
            return Ok(None);
        }
        if !status.success() {
            self.hint(&format!("The editor exited with {status}; the hunk is unchanged."))?;
            return Ok(None);
        }
        match std::fs::read(tmp.path()).map(String::from_utf8) {
            Ok(Ok(edited)) => Ok(Some(edited)),
            Ok(Err(_)) => {
                self.hint("The edited hunk is not UTF-8 text; the hunk is unchanged.")?;
                Ok(None)
            }
            Err(e) => {
                self.hint(&format!(
                    "Cannot read the edited hunk back from {}: {}; the hunk is unchanged.",
                    tmp.path().display(),
                    crate::analysis::source::io_reason(&e)
                ))?;
                Ok(None)
            }
        }
    }

    /// The hunk an edit makes: `Ok(Some)` to accept, `Ok(None)` when there
    /// is nothing to accept (said), `Err` with why it cannot be taken (the
    /// caller offers to edit again).
    fn check_edit(
        &mut self,
        file: &FileReview,
        review: &Review<Hunk>,
        hunk: &Hunk,
        offered: &str,
        edited: &str,
    ) -> io::Result<Result<Option<Hunk>, String>> {
        let text = match apply_edited(&file.original, offered, edited) {
            Ok(Some(text)) => text,
            Ok(None) => {
                self.hint("The edited hunk is empty: edit aborted, the hunk is unchanged.")?;
                return Ok(Ok(None));
            }
            Err(reason) => return Ok(Err(format!("Your edited hunk does not apply: {reason}"))),
        };
        if text == file.original {
            self.hint("The edited hunk changes nothing: answer n to skip it.")?;
            return Ok(Ok(None));
        }
        let tree = crate::analysis::source::parse(&text);
        if let Some(message) = crate::analysis::source::syntax_error(&tree, &text) {
            let message = message.trim_end_matches("; not checked");
            return Ok(Err(format!("The edited hunk does not parse ({message})")));
        }
        let edited_hunk = Hunk {
            edited: Some(text),
            splittable: false,
            ..hunk.clone()
        };
        let mut set: Vec<&Hunk> = review
            .hunks()
            .iter()
            .zip(review.decisions())
            .enumerate()
            .filter(|(i, (_, d))| *i != review.cursor() && **d == Some(Decision::Accept))
            .map(|(_, (h, _))| h)
            .collect();
        set.push(&edited_hunk);
        if let Err(reason) = file.result(&set) {
            return Ok(Err(format!("The edited hunk cannot be applied: {reason}")));
        }
        Ok(Ok(Some(edited_hunk)))
    }

    /// Write the accepted hunks of `file`, or say why it stays as it was.
    fn finish(&mut self, file: &FileReview, review: &Review<Hunk>) -> io::Result<()> {
        let accepted: Vec<&Hunk> = review.accepted().collect();
        self.summary.accepted_hunks += accepted.len();
        self.summary.accepted_fixes += accepted.iter().map(|h| file.fix_count(h)).sum::<usize>();
        self.summary.skipped_hunks += review.skipped().count();
        self.summary.unanswered_hunks += review.undecided().count();
        let display = file.display.clone();
        if accepted.is_empty() {
            self.summary.unchanged.push((display, "no hunk accepted".into()));
            return Ok(());
        }
        let text = match file.result(&accepted) {
            Ok(text) => text,
            Err(reason) => {
                self.hint(&format!("error: {}: not written: {reason}", shown_path(&display)))?;
                self.summary.errors += 1;
                self.summary.unchanged.push((display, format!("not written: {reason}")));
                return Ok(());
            }
        };
        if text == file.original {
            self.summary
                .unchanged
                .push((display, "the accepted hunks change nothing".into()));
            return Ok(());
        }
        let bytes = SourceFile::to_bytes(&text, file.bom);
        match self.options.writer.write(&file.path, &file.original_bytes, &bytes) {
            Ok(()) => {
                self.say(&format!(
                    "Wrote {} ({} of {} accepted).",
                    shown_path(&display),
                    accepted.len(),
                    plural(review.hunks().len(), "hunk")
                ))?;
                self.summary.written.push(display);
                self.summary.more_fixes += self.more_fixes(file, review, &text);
            }
            Err(reason) => {
                self.hint(&format!("error: {}: {reason}", shown_path(&display)))?;
                self.summary.errors += 1;
                self.summary.unchanged.push((display, reason));
            }
        }
        Ok(())
    }

    /// Fixable findings in the written `text` beyond those of the hunks not
    /// accepted (matched by rule and write method): the fixes a later run
    /// offers that this one could not.
    fn more_fixes(&self, file: &FileReview, review: &Review<Hunk>, text: &str) -> usize {
        let Some(loaded) = self.workspace.files.iter().find(|f| *f.path == *file.path) else {
            return 0;
        };
        let Ok(source) = SourceFile::parse(text.to_string(), file.bom) else {
            return 0;
        };
        let unsafe_fixes = self.options.unsafe_fixes;
        let module = ModuleFacts::collect(file.module.clone(), source.root(), &source.text);
        let config = &self.workspace.config;
        let rules = |rule: Rule| config.rule_use(rule, &loaded.display);
        let check = check_file(
            &source.text,
            source.root(),
            &module,
            &self.workspace.index,
            &config.settings,
            &rules,
        );
        let mut left: HashMap<(Rule, Option<String>), isize> = HashMap::new();
        for d in check.diagnostics.iter().filter(|d| d.is_fixable_with(unsafe_fixes)) {
            *left.entry((d.rule, d.function.clone())).or_default() += 1;
        }
        for hunk in review
            .hunks()
            .iter()
            .zip(review.decisions())
            .filter(|(_, d)| **d != Some(Decision::Accept))
        {
            for finding in file.findings(hunk.0) {
                *left.entry((finding.rule, finding.function.clone())).or_default() -= 1;
            }
        }
        left.values().map(|n| (*n).max(0) as usize).sum()
    }
}

/// `1 fix`, `2 fixes`.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn not_offered(key: Key) -> &'static str {
    match key {
        Key::NextUndecided => "No next undecided hunk.",
        Key::Next => "No next hunk.",
        Key::PreviousUndecided => "No previous undecided hunk.",
        Key::Previous => "No previous hunk.",
        Key::Split => "Sorry, cannot split this hunk: it is a single fix (or a hand-edited hunk).",
        Key::Undo => "Nothing to undo in this file (files already finished are written).",
        _ => "That answer does not apply here (? for help).",
    }
}

const EDIT_GUIDE: &str = "\
# ---
# To skip a '-' line, make it a ' ' line (context).
# To skip a '+' line, delete it. '+' lines may be changed.
# Keep the ' ' lines and the @@ lines as they are.
# Lines starting with # are removed.
# The result must still parse; if it does not apply, the hunk is left as it was.
# To abort the edit, delete every line.
";

/// Run `editor` (a shell command, arguments allowed) on `path`.
fn run_editor(editor: &str, path: &Path) -> io::Result<std::process::ExitStatus> {
    #[cfg(unix)]
    {
        std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("{editor} \"$@\""))
            .arg(editor)
            .arg(path)
            .status()
    }
    #[cfg(not(unix))]
    {
        let mut words = editor.split_whitespace();
        let program = words.next().unwrap_or("notepad");
        std::process::Command::new(program).args(words).arg(path).status()
    }
}

/// The editor for `e`: `$VISUAL`, then `$EDITOR`, then `vi`.
pub fn editor_from_env() -> String {
    ["VISUAL", "EDITOR"]
        .iter()
        .filter_map(|name| std::env::var(name).ok())
        .find(|value| !value.trim().is_empty())
        .unwrap_or_else(|| "vi".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::interactive::answers::Scripted;
    use std::fs;

    fn copy_tree(from: &Path, to: &Path) {
        fs::create_dir_all(to).unwrap();
        for entry in fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let target = to.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                copy_tree(&entry.path(), &target);
            } else {
                fs::copy(entry.path(), &target).unwrap();
            }
        }
    }

    struct Run {
        dir: tempfile::TempDir,
        out: String,
        err: String,
        outcome: Outcome,
        summary: Summary,
    }

    impl Run {
        fn widgets(&self) -> String {
            fs::read_to_string(self.dir.path().join("app/services/widgets.py")).unwrap()
        }
    }

    /// A session over a copy of the fixture project with scripted keys
    /// (`!` is Ctrl-C, `_` is Enter).
    fn session(keys: &str, unsafe_fixes: bool, editor: &str) -> Run {
        let dir = tempfile::tempdir().unwrap();
        copy_tree(Path::new("tests/fixtures/interactive/app"), &dir.path().join("app"));
        let workspace = Workspace::load(&[dir.path().to_path_buf()], Config::default());
        let checked = workspace.check();
        let reviews: Vec<FileReview> = FileReview::build_all(&workspace, &checked, unsafe_fixes)
            .into_iter()
            .filter(|r| !r.hunks.is_empty())
            .collect();
        let mut answers = Scripted::keys(keys);
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let options = Options {
            color: false,
            editor: editor.to_string(),
            unsafe_fixes,
            writer: crate::write::Writer::new(&[dir.path().to_path_buf()]),
        };
        let mut session = Session::new(&workspace, &mut out, &mut err, &mut answers, options);
        let outcome = session.run(reviews).unwrap();
        let summary = session.summary.clone();
        Run {
            dir,
            out: String::from_utf8(out).unwrap(),
            err: String::from_utf8(err).unwrap(),
            outcome,
            summary,
        }
    }

    #[test]
    fn a_hunk_refused_three_times_in_a_row_is_skipped() {
        // Hunk 4/4 conflicts with hunk 3/4 once that is accepted: `y` on it
        // is refused twice with the reason, then the hunk is skipped (a
        // pipe of `yes` would otherwise ask forever); 1/4 and 2/4 follow.
        let run = session("dJJyyyynn", true, "false");
        assert_eq!(run.outcome, Outcome::Finished, "{}", run.err);
        assert_eq!(
            run.err.matches("Answer n to skip it, or u to undo").count(),
            2,
            "{}",
            run.err
        );
        assert_eq!(
            run.err.matches("Asked 3 times: it is skipped.").count(),
            1,
            "{}",
            run.err
        );
        let after = &run.out[run.out.find("(4/4) Apply this hunk").unwrap()..];
        assert_eq!(after.matches("(4/4) Apply this hunk").count(), 3, "{after}");
        assert!(after.contains("(1/4) Apply this hunk"), "{after}");
        // Only hunk 3/4 (the try-wrap or the timestamps) was written.
        assert_eq!(run.summary.accepted_hunks, 1, "{:?}", run.summary);
    }

    #[test]
    fn all_accepts_what_applies_and_leaves_a_conflicting_hunk_undecided() {
        // With --unsafe, rename_widget's try-wrap and timestamp fix are two
        // hunks (3/4 and 4/4) that touch the same lines.
        let run = session("dJJannn", true, "false");
        assert_eq!(run.outcome, Outcome::Finished);
        assert!(
            run.err
                .contains("Left undecided, cannot be applied with the others: hunk 4/4:"),
            "{}",
            run.err
        );
        // After `a`, the refused hunk is asked about, then the earlier ones.
        let after = &run.out[run
            .out
            .find("(3/4) Apply this hunk [y,n,q,a,d,j,J,k,K,g,/,e,p,P,?]? a\n")
            .unwrap()..];
        assert!(
            after.contains("(4/4) Apply this hunk [y,n,q,a,d,k,K,g,/,e,p,P,u,?]? n\n"),
            "{after}"
        );
        assert!(
            after.contains("(1/4) Apply this hunk [y,n,q,a,d,j,J,g,/,s,e,p,P,u,?]? n\n"),
            "{after}"
        );
        let widgets = run.widgets();
        assert!(widgets.contains("Failed to rename widget"));
        assert!(widgets.contains("datetime.now(timezone.utc)"));
        assert_eq!(run.summary.accepted_hunks, 1);
        assert_eq!(run.summary.skipped_hunks, 4 + 3, "gadgets (d) and widgets");
    }

    #[test]
    fn help_lists_the_offered_keys_only() {
        let run = session("?q", false, "false");
        assert_eq!(run.outcome, Outcome::Quit);
        assert!(run.out.contains("y - apply this hunk\n"), "{}", run.out);
        assert!(run.out.contains("s - split this hunk into one hunk per fix\n"));
        assert!(!run.out.contains("K - "), "no previous hunk: {}", run.out);
        assert!(!run.out.contains("u - "), "nothing to undo: {}", run.out);
    }

    #[test]
    fn interrupt_writes_nothing_of_the_current_file() {
        let run = session("yy!", false, "false");
        assert_eq!(run.outcome, Outcome::Interrupted);
        assert_eq!(run.summary.written.len(), 1, "gadgets was finished before");
        assert_eq!(
            run.widgets(),
            fs::read_to_string("tests/fixtures/interactive/app/services/widgets.py").unwrap()
        );
        assert!(run.out.ends_with("? ^C\n"), "{}", run.out);
    }

    #[test]
    fn no_more_fixes_when_the_rest_was_rejected() {
        let run = session("nynn", false, "false");
        assert_eq!(run.summary.more_fixes, 0);
        assert_eq!(run.summary.accepted_fixes, 5);
    }

    #[test]
    fn a_fix_taken_out_by_hand_is_found_again_after_the_write() {
        // The edit drops the `updated_at` line of the create hunk: the
        // re-check of the written file finds AUD004 again.
        let editor = "sed -i '/^+            widget.updated_at = datetime.now()$/d'";
        let run = session("ded", false, editor);
        assert!(run.err.contains("Edited hunk accepted."), "{}", run.err);
        assert!(!run.widgets().contains("widget.updated_at = datetime.now()"));
        assert_eq!(run.summary.more_fixes, 1);
        let mut err = Vec::new();
        run.summary.print(&mut err, 0).unwrap();
        let err = String::from_utf8(err).unwrap();
        assert!(
            err.contains("1 more fix becomes available after these; run again."),
            "{err}"
        );
    }

    #[test]
    fn summary_lines() {
        let summary = Summary {
            accepted_hunks: 3,
            accepted_fixes: 7,
            skipped_hunks: 1,
            unanswered_hunks: 2,
            written: vec![PathBuf::from("a.py"), PathBuf::from("b.py")],
            unchanged: vec![
                (PathBuf::from("c.py"), "no hunk accepted".into()),
                (PathBuf::from("d.py"), "not reviewed".into()),
            ],
            errors: 0,
            more_fixes: 2,
        };
        let mut out = Vec::new();
        summary.print(&mut out, 4).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "Accepted 3 hunks (7 fixes), skipped 1 hunk, 2 not answered.\n\
             Wrote 2 files.\n\
             Left unchanged:\n  c.py: no hunk accepted\n  d.py: not reviewed\n\
             2 more fixes become available after these; run again.\n\
             4 more with --unsafe.\n"
        );
    }
}
