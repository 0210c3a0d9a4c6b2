//! Where the answers come from: one keypress on a terminal, or one line at a
//! time from anything else (a pipe, a file), so sessions can be scripted.
//!
//! What lives here: [`Answer`], the [`Answers`] source trait, the terminal
//! source (crossterm raw mode held only while waiting for a key, released by
//! a guard on every path, and by a panic hook) and the line source. What
//! does not: prompts and what a key means (the session does that).

use std::io::{self, BufRead, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;

/// One answer to a prompt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// A character: a key pressed, or a line holding exactly one character.
    Key(char),
    /// Enter alone, or an empty line: not an answer (never "yes").
    Empty,
    /// Anything else: a special key, or a line of several characters.
    Other(String),
    /// Ctrl-C on the terminal: abort.
    Interrupt,
    /// End of input (or Ctrl-D on the terminal): quit, keeping what was accepted.
    End,
}

/// A source of answers.
pub trait Answers {
    /// Print `prompt` to `out` and wait for the answer.
    fn ask(&mut self, out: &mut dyn Write, prompt: &str) -> io::Result<Answer>;

    /// Print `prompt` to `out` and read a line of text (the hunk number of
    /// `g`, the pattern of `/`), trimmed; `None` at the end of input.
    fn ask_line(&mut self, out: &mut dyn Write, prompt: &str) -> io::Result<Option<String>>;
}

/// Answers read line by line from `R` (standard input when it is not a
/// terminal). Surrounding blanks are ignored.
pub struct LineAnswers<R> {
    input: R,
}

impl<R: BufRead> LineAnswers<R> {
    pub fn new(input: R) -> Self {
        LineAnswers { input }
    }
}

/// The longest answer line kept: a longer one is read to its end without
/// being kept, and answered as unknown.
const MAX_LINE: usize = 4096;

/// How much of an unknown answer is shown back.
const SHOWN: usize = 40;

impl<R: BufRead> Answers for LineAnswers<R> {
    fn ask(&mut self, out: &mut dyn Write, prompt: &str) -> io::Result<Answer> {
        write!(out, "{prompt}")?;
        out.flush()?;
        // Bytes, not a `String`: a line that is not UTF-8 is an unknown
        // answer, not the end of the session; and at most `MAX_LINE` of
        // them, so a huge line costs no memory.
        let mut line = Vec::new();
        if self.input.by_ref().take(MAX_LINE as u64).read_until(b'\n', &mut line)? == 0 {
            return Ok(Answer::End);
        }
        let cut = !line.ends_with(b"\n") && skip_line(&mut self.input)?;
        let text = String::from_utf8_lossy(&line);
        let answer = text.trim();
        let mut chars = answer.chars();
        Ok(match (chars.next(), chars.next()) {
            (None, _) if !cut => Answer::Empty,
            (Some(c), None) if !cut && !c.is_control() => Answer::Key(c),
            _ => Answer::Other(shown(answer, cut)),
        })
    }

    fn ask_line(&mut self, out: &mut dyn Write, prompt: &str) -> io::Result<Option<String>> {
        write!(out, "{prompt}")?;
        out.flush()?;
        self.read_line()
    }
}

/// Read and drop the rest of a line; whether there was any.
fn skip_line(input: &mut impl BufRead) -> io::Result<bool> {
    let mut skipped = false;
    loop {
        let buffer = input.fill_buf()?;
        if buffer.is_empty() {
            return Ok(skipped);
        }
        let (used, done) = match buffer.iter().position(|b| *b == b'\n') {
            Some(at) => (at + 1, true),
            None => (buffer.len(), false),
        };
        skipped |= used > usize::from(done);
        input.consume(used);
        if done {
            return Ok(skipped);
        }
    }
}

/// An unknown answer as it is shown back: control characters escaped (no
/// escape sequence reaches the terminal), at most `SHOWN` characters.
fn shown(answer: &str, cut: bool) -> String {
    let mut text: String = answer.chars().take(SHOWN).flat_map(char::escape_debug).collect();
    if cut || answer.chars().nth(SHOWN).is_some() {
        text.push('…');
    }
    text
}

/// Whether this process put the terminal in raw mode (for the panic hook).
static RAW: AtomicBool = AtomicBool::new(false);
static HOOK: Once = Once::new();

/// Raw mode for as long as it lives.
struct RawMode;

impl RawMode {
    fn enable() -> io::Result<RawMode> {
        HOOK.call_once(|| {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                restore_terminal();
                previous(info);
            }));
        });
        crossterm::terminal::enable_raw_mode()?;
        RAW.store(true, Ordering::SeqCst);
        Ok(RawMode)
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        restore_terminal();
    }
}

/// Leave raw mode if this process entered it. Safe to call at any time.
pub fn restore_terminal() {
    if RAW.swap(false, Ordering::SeqCst) {
        let _ = crossterm::terminal::disable_raw_mode();
    }
}

impl<R: BufRead> LineAnswers<R> {
    fn read_line(&mut self) -> io::Result<Option<String>> {
        let mut line = Vec::new();
        if self.input.by_ref().take(MAX_LINE as u64).read_until(b'\n', &mut line)? == 0 {
            return Ok(None);
        }
        if !line.ends_with(b"\n") {
            skip_line(&mut self.input)?;
        }
        Ok(Some(String::from_utf8_lossy(&line).trim().to_string()))
    }
}

/// Single keypresses from the terminal. Raw mode is on only while a key is
/// awaited (from just before the prompt is printed, so that a key typed as
/// soon as the prompt shows is read as a key, Ctrl-C included), and
/// everything printed in between (and an editor run for `e`) sees a normal
/// terminal.
pub struct TerminalAnswers;

impl Answers for TerminalAnswers {
    fn ask(&mut self, out: &mut dyn Write, prompt: &str) -> io::Result<Answer> {
        use crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
        let _raw = RawMode::enable()?;
        // The prompt has no line break: raw mode's output rules do not matter.
        write!(out, "{prompt}")?;
        out.flush()?;
        loop {
            let Event::Key(key) = event::read()? else {
                continue;
            };
            if key.kind == KeyEventKind::Release {
                continue;
            }
            let control = key.modifiers.contains(KeyModifiers::CONTROL);
            return Ok(match key.code {
                KeyCode::Char('c') if control => Answer::Interrupt,
                KeyCode::Char('d') if control => Answer::End,
                KeyCode::Char(c) if !control => Answer::Key(c),
                KeyCode::Enter => Answer::Empty,
                KeyCode::Modifier(_) => continue,
                other => Answer::Other(describe(other, control)),
            });
        }
    }

    fn ask_line(&mut self, out: &mut dyn Write, prompt: &str) -> io::Result<Option<String>> {
        TerminalAnswers::read_line(out, prompt)
    }
}

impl TerminalAnswers {
    /// A line typed on the terminal, in its normal (cooked) mode: echoed,
    /// editable, ended by Enter.
    fn read_line(out: &mut dyn Write, prompt: &str) -> io::Result<Option<String>> {
        write!(out, "{prompt}")?;
        out.flush()?;
        let mut line = String::new();
        if io::stdin().lock().take(MAX_LINE as u64).read_line(&mut line)? == 0 {
            return Ok(None);
        }
        Ok(Some(line.trim().to_string()))
    }
}

fn describe(code: crossterm::event::KeyCode, control: bool) -> String {
    use crossterm::event::KeyCode;
    let name = match code {
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Esc => "Esc".into(),
        KeyCode::Tab => "Tab".into(),
        KeyCode::Backspace => "Backspace".into(),
        other => format!("{other:?}"),
    };
    if control {
        format!("Ctrl-{name}")
    } else {
        name
    }
}

/// Answers given in advance (tests).
#[cfg(test)]
pub struct Scripted(pub std::collections::VecDeque<Answer>);

#[cfg(test)]
impl Scripted {
    /// One answer per character; `!` is Ctrl-C, `_` is Enter.
    pub fn keys(keys: &str) -> Scripted {
        Scripted(
            keys.chars()
                .map(|c| match c {
                    '!' => Answer::Interrupt,
                    '_' => Answer::Empty,
                    c => Answer::Key(c),
                })
                .collect(),
        )
    }
}

#[cfg(test)]
impl Answers for Scripted {
    fn ask(&mut self, out: &mut dyn Write, prompt: &str) -> io::Result<Answer> {
        write!(out, "{prompt}")?;
        Ok(self.0.pop_front().unwrap_or(Answer::End))
    }

    /// The next answer as a line: a key is a one-character line.
    fn ask_line(&mut self, out: &mut dyn Write, prompt: &str) -> io::Result<Option<String>> {
        write!(out, "{prompt}")?;
        Ok(match self.0.pop_front() {
            Some(Answer::Key(c)) => Some(c.to_string()),
            Some(Answer::Other(text)) => Some(text),
            Some(Answer::Empty) => Some(String::new()),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(input: &[u8]) -> (Vec<Answer>, String) {
        let mut answers = LineAnswers::new(input);
        let mut out = Vec::new();
        let mut got = Vec::new();
        loop {
            let answer = answers.ask(&mut out, "? ").unwrap();
            got.push(answer.clone());
            if answer == Answer::End {
                break;
            }
        }
        (got, String::from_utf8(out).unwrap())
    }

    #[test]
    fn lines_become_answers() {
        let (answers, out) = read_all(b"y\n  n  \n\nyes\r\n?\n");
        assert_eq!(
            answers,
            [
                Answer::Key('y'),
                Answer::Key('n'),
                Answer::Empty,
                Answer::Other("yes".into()),
                Answer::Key('?'),
                Answer::End
            ]
        );
        assert_eq!(out, "? ".repeat(6), "one prompt per answer");
    }

    #[test]
    fn a_last_line_without_newline_counts() {
        let (answers, _) = read_all(b"y\nq");
        assert_eq!(answers, [Answer::Key('y'), Answer::Key('q'), Answer::End]);
    }

    /// Issue 17, item 9: a line that is not UTF-8 is an unknown answer,
    /// and the session goes on.
    #[test]
    fn a_line_that_is_not_utf8_is_an_unknown_answer() {
        let (answers, _) = read_all(b"\xff\xfe\ny\n");
        assert_eq!(answers, [Answer::Other("��".into()), Answer::Key('y'), Answer::End]);
    }

    /// Issue 17, item 9: a huge line is read without being kept, shown
    /// back short, with its control characters escaped.
    #[test]
    fn a_huge_line_is_not_kept_and_not_echoed_whole() {
        let mut input = b"\x1b[2J".to_vec();
        input.extend(std::iter::repeat_n(b'y', 5 << 20));
        input.extend(b"\nn\n");
        let (answers, _) = read_all(&input);
        let Answer::Other(shown) = &answers[0] else {
            panic!("{answers:?}");
        };
        assert!(shown.starts_with("\\u{1b}[2Jyyy"), "{shown}");
        assert!(shown.ends_with('…') && shown.chars().count() < 60, "{shown}");
        assert_eq!(answers[1..], [Answer::Key('n'), Answer::End]);
        // A line just over the limit of one key is not a key either.
        let mut long = b"y".to_vec();
        long.extend(std::iter::repeat_n(b' ', MAX_LINE + 10));
        long.extend(b"\n");
        let (answers, _) = read_all(&long);
        assert_eq!(answers, [Answer::Other("y…".into()), Answer::End]);
    }

    #[test]
    fn restoring_without_raw_mode_is_harmless() {
        restore_terminal();
        restore_terminal();
    }
}
