//! `auditfix fix --interactive`, driven as a person (through a
//! pseudo-terminal, one keypress per answer) and as a script (answers piped
//! line by line) would drive it.
//!
//! Every session runs on a temporary copy of a fixture project
//! (tests/fixtures/interactive/app: two services, four hunks) or of the
//! example app; afterwards the files are compared byte for byte with the
//! expected results (tests/fixtures/interactive/expected, or what the
//! library's `apply_selected` gives for the accepted write methods), and
//! every Python file must parse, for tree-sitter and for Python's own
//! parser where `python3` exists.
//!
//! Unix only: the pseudo-terminal crate and the shell-driven editor are.
#![cfg(unix)]

use auditfix::config::{self, Overrides};
use auditfix::pipeline::{apply_selected, Workspace};
use rexpect::process::WaitStatus;
use rexpect::session::PtySession;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_auditfix");
const GADGETS: &str = "app/services/gadgets.py";
const WIDGETS: &str = "app/services/widgets.py";

/// Prompts of the fixture project, in order: gadgets has one hunk, widgets three.
const GADGET_PROMPT: &str = "(1/1) Apply this hunk [y,n,q,a,d,s,e,p,P,?]? ";
const CREATE_PROMPT: &str = "(1/3) Apply this hunk [y,n,q,a,d,j,J,g,/,s,e,p,P,?]? ";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(relative: &str) -> String {
    fs::read_to_string(root().join("tests/fixtures/interactive").join(relative)).unwrap()
}

fn expected(name: &str) -> String {
    fixture(&format!("expected/{name}.py"))
}

/// Scratch files that running Python may leave in the example app.
fn is_scratch(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    matches!(name, "__pycache__" | ".pytest_cache") || name.ends_with(".pyc") || name.ends_with(".db")
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        if is_scratch(&path) {
            continue;
        }
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&path, &target);
        } else {
            fs::copy(&path, &target).unwrap();
        }
    }
}

/// A temporary copy of the fixture project (its `app/` folder).
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&root().join("tests/fixtures/interactive/app"), &dir.path().join("app"));
    dir
}

fn read(dir: &Path, relative: &str) -> String {
    fs::read_to_string(dir.join(relative)).unwrap()
}

/// Every `.py` file below `dir`, relative path → bytes.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "py") {
                files.insert(path.strip_prefix(dir).unwrap().to_path_buf(), fs::read(&path).unwrap());
            }
        }
    }
    files
}

/// `text` parses for tree-sitter and (when available) for Python.
fn assert_parses(name: &str, text: &str) {
    let tree = auditfix::analysis::source::parse(text);
    assert!(!tree.root_node().has_error(), "{name} does not parse:\n{text}");
    let Ok(mut child) = Command::new("python3")
        .args(["-c", "import ast, sys; ast.parse(sys.stdin.read())"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
    else {
        return;
    };
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{name} is not valid Python: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn assert_all_parse(dir: &Path) {
    for (path, bytes) in tree(dir) {
        assert_parses(&path.display().to_string(), &String::from_utf8(bytes).unwrap());
    }
}

/// `auditfix fix -i` in `dir`, without colors, with no editor from the
/// environment unless `editor` is given.
fn command(dir: &Path, extra: &[&str], editor: Option<&str>) -> Command {
    let mut command = Command::new(BIN);
    command
        .current_dir(dir)
        .args(["fix", "--interactive", "--color", "never"])
        .args(extra)
        .env_remove("VISUAL")
        .env_remove("CLICOLOR_FORCE")
        .env("EDITOR", editor.unwrap_or("false"));
    command
}

/// Run a session with `answers` piped to standard input.
fn piped(dir: &Path, extra: &[&str], editor: Option<&str>, answers: &str) -> Output {
    piped_bytes(command(dir, extra, editor), answers.as_bytes())
}

/// Run `command` (a session) with `answers` piped to standard input.
fn piped_bytes(mut command: Command, answers: &[u8]) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(answers).unwrap();
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Start a session on a pseudo-terminal.
fn pty(dir: &Path, extra: &[&str], editor: Option<&str>) -> PtySession {
    rexpect::session::spawn_command(command(dir, extra, editor), Some(30_000)).unwrap()
}

/// Press one key (no Enter).
fn press(session: &mut PtySession, key: &str) {
    session.send(key).unwrap();
    session.flush().unwrap();
}

/// Wait for `prompt`, then press `key`; returns what was printed before it.
fn answer(session: &mut PtySession, prompt: &str, key: &str) -> String {
    let before = session
        .exp_string(prompt)
        .unwrap_or_else(|e| panic!("no prompt `{prompt}`: {e}"));
    press(session, key);
    before
}

/// Wait for the end of the session; its exit code and the rest of its output.
fn finish(mut session: PtySession) -> (i32, String) {
    let rest = session.exp_eof().unwrap();
    match session.process().wait().unwrap() {
        WaitStatus::Exited(_, code) => (code, rest),
        other => panic!("auditfix did not exit normally: {other:?}\n{rest}"),
    }
}

// ---------------------------------------------------------------------------
// On a terminal: one keypress per answer.

#[test]
fn terminal_single_keys_accept_and_skip_hunks() {
    let dir = project();
    let mut session = pty(dir.path(), &["--allow-dirty"], None);
    let shown = answer(&mut session, GADGET_PROMPT, "y");
    assert!(shown.contains("--- a/app/services/gadgets.py"), "{shown}");
    assert!(shown.contains("In GadgetService.create_gadget:"), "{shown}");
    assert!(shown.contains("AUD004 line 12: "), "{shown}");
    let shown = answer(&mut session, CREATE_PROMPT, "y");
    assert_eq!(shown.matches("+++ b/app/services/widgets.py").count(), 1);
    // Real 1-based line numbers of the file, several sections under one prompt.
    assert!(shown.contains("@@ -2,6 +2,9 @@"), "{shown}");
    assert!(shown.contains("@@ -11,12 +14,23 @@"), "{shown}");
    let shown = answer(
        &mut session,
        "(2/3) Apply this hunk [y,n,q,a,d,j,J,K,g,/,e,p,P,u,?]? ",
        "n",
    );
    assert!(!shown.contains("+++ b/"), "the file header is printed once: {shown}");
    answer(&mut session, "(3/3) Apply this hunk [y,n,q,a,d,K,g,/,e,p,P,u,?]? ", "y");
    let (code, rest) = finish(session);
    assert_eq!(code, 0, "{rest}");
    assert!(rest.contains("Accepted 3 hunks (9 fixes), skipped 1 hunk."), "{rest}");
    assert_eq!(read(dir.path(), GADGETS), expected("gadgets_accepted"));
    assert_eq!(read(dir.path(), WIDGETS), expected("widgets_create_and_rename"));
    assert_all_parse(dir.path());
}

/// `p` prints the hunk again; `g` and `/` read a line typed on the
/// terminal (echoed, ended by Enter) after their key.
#[test]
fn terminal_print_go_to_and_search() {
    let dir = project();
    let mut session = pty(dir.path(), &["--allow-dirty"], Some("true"));
    answer(&mut session, GADGET_PROMPT, "n");
    answer(&mut session, CREATE_PROMPT, "p");
    let shown = answer(&mut session, CREATE_PROMPT, "g");
    assert!(
        shown.contains("In WidgetService.create_widget:"),
        "p prints again: {shown}"
    );
    answer(&mut session, "go to which hunk? ", "3\r");
    let shown = answer(&mut session, "(3/3) Apply this hunk", "/");
    assert!(shown.contains("WidgetService.rename_widget"), "{shown}");
    answer(&mut session, "search for regex? ", "create_widget\r");
    answer(&mut session, CREATE_PROMPT, "q");
    let (code, rest) = finish(session);
    assert_eq!(code, 0, "{rest}");
    assert_eq!(read(dir.path(), WIDGETS), fixture("app/services/widgets.py"));
}

#[test]
fn terminal_split_then_pick_single_fixes() {
    let dir = project();
    let mut session = pty(dir.path(), &["--allow-dirty"], None);
    answer(&mut session, GADGET_PROMPT, "n");
    answer(&mut session, CREATE_PROMPT, "s");
    // One hunk per fix, in file order; a single fix cannot be split again.
    let shown = answer(
        &mut session,
        "(1/7) Apply this hunk [y,n,q,a,d,j,J,g,/,e,p,P,u,?]? ",
        "n",
    );
    assert!(shown.contains("Split into 5 hunks."), "{shown}");
    assert!(shown.contains("AUD001 line 14"), "{shown}");
    assert!(!shown.contains("AUD002"), "{shown}");
    // In the order of the method's lines: the context, its setter, the
    // timestamps, then the handler at the end of the `try`.
    let shown = answer(&mut session, "(2/7) Apply", "n");
    assert!(shown.contains("AUD002 line 14"), "{shown}");
    let shown = answer(&mut session, "(3/7) Apply", "n");
    assert!(shown.contains("AUD003 line "), "{shown}");
    let shown = answer(&mut session, "(4/7) Apply", "y");
    assert!(shown.contains("AUD004 line 16"), "{shown}");
    let shown = answer(&mut session, "(5/7) Apply", "y");
    assert!(shown.contains("AUD007 line 14"), "{shown}");
    // The handler alone brings its import.
    assert!(shown.contains("+from sqlalchemy.exc import IntegrityError"), "{shown}");
    answer(&mut session, "(6/7) Apply", "d");
    let (code, rest) = finish(session);
    assert_eq!(code, 0, "{rest}");
    assert!(rest.contains("Accepted 2 hunks (2 fixes), skipped 6 hunks."), "{rest}");
    assert_eq!(read(dir.path(), GADGETS), fixture("app/services/gadgets.py"));
    assert_eq!(
        read(dir.path(), WIDGETS),
        expected("widgets_split_handler_and_timestamps")
    );
    assert_all_parse(dir.path());
}

#[test]
fn terminal_undo_takes_back_the_previous_answer() {
    let dir = project();
    let mut session = pty(dir.path(), &["--allow-dirty"], None);
    // Nothing to undo yet: `u` is not offered, and pressing it says why.
    answer(&mut session, GADGET_PROMPT, "u");
    session.exp_string("Nothing to undo in this file").unwrap();
    answer(&mut session, GADGET_PROMPT, "n");
    answer(&mut session, CREATE_PROMPT, "y");
    answer(&mut session, "(2/3) Apply", "n");
    // Undo the `n`: back on hunk 2, undecided.
    answer(&mut session, "(3/3) Apply this hunk [y,n,q,a,d,K,g,/,e,p,P,u,?]? ", "u");
    let shown = answer(
        &mut session,
        "(2/3) Apply this hunk [y,n,q,a,d,j,J,K,g,/,e,p,P,u,?]? ",
        "y",
    );
    assert!(shown.contains("In WidgetService.update_widget:"), "{shown}");
    answer(&mut session, "(3/3) Apply", "n");
    let (code, rest) = finish(session);
    assert_eq!(code, 0, "{rest}");
    assert_eq!(read(dir.path(), WIDGETS), expected("widgets_create_and_update"));
    assert_all_parse(dir.path());
}

#[test]
fn terminal_navigation_leaves_hunks_undecided_until_answered() {
    let dir = project();
    let mut session = pty(dir.path(), &["--allow-dirty"], None);
    answer(&mut session, GADGET_PROMPT, "n");
    // J to hunk 2, j to hunk 3, y; back to the first undecided (1), K/k refused.
    answer(&mut session, CREATE_PROMPT, "J");
    answer(
        &mut session,
        "(2/3) Apply this hunk [y,n,q,a,d,j,J,k,K,g,/,e,p,P,?]? ",
        "j",
    );
    answer(&mut session, "(3/3) Apply this hunk [y,n,q,a,d,k,K,g,/,e,p,P,?]? ", "y");
    let shown = answer(
        &mut session,
        "(1/3) Apply this hunk [y,n,q,a,d,j,J,g,/,s,e,p,P,u,?]? ",
        "K",
    );
    assert!(shown.contains("In WidgetService.create_widget:"), "{shown}");
    session.exp_string("No previous hunk.").unwrap();
    answer(&mut session, "(1/3) Apply", "k");
    session.exp_string("No previous undecided hunk.").unwrap();
    answer(&mut session, "(1/3) Apply", "n");
    // Only hunk 2 is left; a decided hunk can be revisited and shows its answer.
    let shown = answer(
        &mut session,
        "(2/3) Apply this hunk [y,n,q,a,d,J,K,g,/,e,p,P,u,?]? ",
        "J",
    );
    assert!(shown.contains("In WidgetService.update_widget:"), "{shown}");
    let shown = answer(&mut session, "(3/3) Apply", "K");
    assert!(shown.contains("(currently accepted)"), "{shown}");
    answer(&mut session, "(2/3) Apply", "n");
    let (code, rest) = finish(session);
    assert_eq!(code, 0, "{rest}");
    let rename_only = fixture("app/services/widgets.py")
        .replace(
            "from datetime import datetime, timezone",
            "from datetime import datetime",
        )
        .replace("datetime.now(timezone.utc)", "datetime.now()");
    assert_eq!(read(dir.path(), WIDGETS), rename_only);
    assert_all_parse(dir.path());
}

#[test]
fn terminal_enter_alone_and_unknown_keys_are_not_answers() {
    let dir = project();
    let before = tree(dir.path());
    let mut session = pty(dir.path(), &["--allow-dirty"], None);
    answer(&mut session, GADGET_PROMPT, "\r");
    session.exp_string("Enter alone is no answer").unwrap();
    answer(&mut session, GADGET_PROMPT, "x");
    session.exp_string("Unknown key `x`").unwrap();
    answer(&mut session, GADGET_PROMPT, "?");
    session.exp_string("y - apply this hunk").unwrap();
    session.exp_string("s - split this hunk into one hunk per fix").unwrap();
    answer(&mut session, GADGET_PROMPT, "q");
    let (code, rest) = finish(session);
    assert_eq!(code, 0, "{rest}");
    assert!(
        rest.contains("Accepted 0 hunks (0 fixes), skipped 0 hunks, 4 not answered."),
        "{rest}"
    );
    assert_eq!(tree(dir.path()), before, "nothing written");
}

#[test]
fn terminal_quit_midway_keeps_what_was_accepted() {
    let dir = project();
    let mut session = pty(dir.path(), &["--allow-dirty"], None);
    answer(&mut session, GADGET_PROMPT, "n");
    answer(&mut session, CREATE_PROMPT, "y");
    answer(&mut session, "(2/3) Apply", "q");
    let (code, rest) = finish(session);
    assert_eq!(code, 0, "{rest}");
    assert!(
        rest.contains("Accepted 1 hunk (5 fixes), skipped 1 hunk, 2 not answered."),
        "{rest}"
    );
    let widgets = read(dir.path(), WIDGETS);
    // Exactly the create hunk: the update hunk's handler is not there.
    assert!(widgets.contains("Failed to create widget"));
    assert!(!widgets.contains("Failed to update widget"));
    assert!(widgets.contains("datetime.now(timezone.utc)"));
    assert_eq!(read(dir.path(), GADGETS), fixture("app/services/gadgets.py"));
    assert_all_parse(dir.path());
}

#[test]
fn terminal_ctrl_c_restores_the_terminal_and_writes_nothing_half_done() {
    let dir = project();
    let script = "stty -a > stty.before; \"$@\"; echo \"exit=$?\"; stty -a > stty.after";
    let mut wrapped = Command::new("sh");
    wrapped
        .current_dir(dir.path())
        .args(["-c", script, "sh", BIN])
        .args(["fix", "--interactive", "--color", "never", "--allow-dirty"])
        .env_remove("VISUAL")
        .env("EDITOR", "false");
    let mut session = rexpect::session::spawn_command(wrapped, Some(30_000)).unwrap();
    // Gadgets is finished and written; in widgets one hunk is accepted, then Ctrl-C.
    answer(&mut session, GADGET_PROMPT, "y");
    answer(&mut session, CREATE_PROMPT, "y");
    session.exp_string("(2/3) Apply").unwrap();
    session.send_control('c').unwrap();
    session.exp_string("Interrupted").unwrap();
    let rest = session.exp_eof().unwrap();
    assert!(rest.contains("exit=130"), "{rest}");
    assert!(
        rest.contains("app/services/widgets.py: interrupted: its answers were not written"),
        "{rest}"
    );
    assert_eq!(read(dir.path(), GADGETS), expected("gadgets_accepted"));
    assert_eq!(read(dir.path(), WIDGETS), fixture("app/services/widgets.py"));
    let before = read(dir.path(), "stty.before");
    let after = read(dir.path(), "stty.after");
    assert!(before.contains("icanon") && !before.contains("-icanon"), "{before}");
    assert_eq!(before, after, "the terminal settings are restored");
    // No temporary file left beside the services.
    let mut names: Vec<String> = fs::read_dir(dir.path().join("app/services"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["__init__.py", "gadgets.py", "widgets.py"]);
}

#[test]
fn terminal_edit_a_hunk_in_the_editor() {
    let dir = project();
    let editor = "sed -i 's/ from e$/ from e  # reviewed/'";
    let mut session = pty(dir.path(), &["--allow-dirty"], Some(editor));
    answer(&mut session, GADGET_PROMPT, "n");
    answer(&mut session, CREATE_PROMPT, "e");
    let shown = answer(&mut session, "(2/3) Apply", "y");
    assert!(shown.contains("Edited hunk accepted."), "{shown}");
    answer(&mut session, "(3/3) Apply", "n");
    let (code, rest) = finish(session);
    assert_eq!(code, 0, "{rest}");
    // The edited hunk and the update hunk share the handler import: once.
    assert_eq!(read(dir.path(), WIDGETS), expected("widgets_edited_create_and_update"));
    assert_all_parse(dir.path());
}

#[test]
fn terminal_a_file_changed_on_disk_is_not_overwritten() {
    let dir = project();
    let mut session = pty(dir.path(), &["--allow-dirty"], None);
    session.exp_string(GADGET_PROMPT).unwrap();
    let edited = format!("{}# edited meanwhile\n", fixture("app/services/gadgets.py"));
    fs::write(dir.path().join(GADGETS), &edited).unwrap();
    press(&mut session, "y");
    answer(&mut session, CREATE_PROMPT, "d");
    let (code, rest) = finish(session);
    assert_eq!(code, 2, "{rest}");
    assert!(
        rest.contains("app/services/gadgets.py: changed on disk since it was read; left untouched"),
        "{rest}"
    );
    assert_eq!(read(dir.path(), GADGETS), edited);
    assert_eq!(read(dir.path(), WIDGETS), fixture("app/services/widgets.py"));
}

// ---------------------------------------------------------------------------
// Scripted: answers read line by line from a pipe.

#[test]
fn piped_answers_are_read_line_by_line() {
    let dir = project();
    let output = piped(dir.path(), &["--allow-dirty"], None, "y\ny\nn\ny\n");
    let stdout = text(&output.stdout);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    // Each answer is echoed after its prompt, so the transcript reads well.
    assert!(stdout.contains(&format!("{GADGET_PROMPT}y\n")), "{stdout}");
    assert!(
        stdout.contains("(2/3) Apply this hunk [y,n,q,a,d,j,J,K,g,/,e,p,P,u,?]? n\n"),
        "{stdout}"
    );
    assert!(
        stderr.contains("Wrote app/services/widgets.py (2 of 3 hunks accepted)."),
        "{stderr}"
    );
    // The same session as on a terminal gives the same files.
    assert_eq!(read(dir.path(), GADGETS), expected("gadgets_accepted"));
    assert_eq!(read(dir.path(), WIDGETS), expected("widgets_create_and_rename"));
    assert_all_parse(dir.path());
}

#[test]
fn piped_end_of_input_quits_and_keeps_what_was_accepted() {
    let dir = project();
    let output = piped(dir.path(), &["--allow-dirty"], None, "y\n");
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("End of input: quitting"), "{stderr}");
    assert!(stderr.contains("app/services/widgets.py: no hunk accepted"), "{stderr}");
    assert_eq!(read(dir.path(), GADGETS), expected("gadgets_accepted"));
    assert_eq!(read(dir.path(), WIDGETS), fixture("app/services/widgets.py"));

    // No input at all: nothing is written, still a normal end.
    let dir = project();
    let before = tree(dir.path());
    let output = piped(dir.path(), &["--allow-dirty"], None, "");
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(tree(dir.path()), before);
}

#[test]
fn piped_empty_lines_and_words_are_not_answers() {
    let dir = project();
    let output = piped(dir.path(), &["--allow-dirty"], None, "\nyes\nY\nn\nd\n");
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("Enter alone is no answer"), "{stderr}");
    assert!(stderr.contains("Unknown answer `yes`"), "{stderr}");
    assert!(stderr.contains("Unknown key `Y`"), "{stderr}");
    assert_eq!(text(&output.stdout).matches(GADGET_PROMPT).count(), 4);
    assert!(stderr.contains("Wrote no file."), "{stderr}");
}

#[test]
fn piped_edit_that_no_longer_applies_is_refused_and_asked_again() {
    let dir = project();
    // The editor changes a context line: the hunk no longer matches the file.
    let editor = "sed -i 's/^ \\(.*\\)self.db = db$/ \\1self.db = other/'";
    let output = piped(dir.path(), &["--allow-dirty"], Some(editor), "n\ne\nn\nn\nn\n");
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("Your edited hunk does not apply"), "{stderr}");
    assert_eq!(text(&output.stdout).matches(CREATE_PROMPT).count(), 2, "asked again");
    assert_eq!(read(dir.path(), WIDGETS), fixture("app/services/widgets.py"));

    // An edit that would not parse is refused the same way.
    let dir = project();
    let editor = "sed -i 's/^+            if audit_ctx:$/+            if audit_ctx/'";
    let output = piped(dir.path(), &["--allow-dirty"], Some(editor), "n\ne\nn\nn\nn\n");
    let stderr = text(&output.stderr);
    assert!(stderr.contains("The edited hunk does not parse"), "{stderr}");
    assert_eq!(read(dir.path(), WIDGETS), fixture("app/services/widgets.py"));

    // A failing editor leaves the hunk as it was.
    let dir = project();
    let output = piped(dir.path(), &["--allow-dirty"], Some("false"), "n\ne\ny\nn\nn\n");
    let stderr = text(&output.stderr);
    assert!(stderr.contains("The editor exited with"), "{stderr}");
    assert!(read(dir.path(), WIDGETS).contains("Failed to create widget"));
}

/// git's `e`: an edit that does not parse is offered to edit again, with
/// the user's text kept; the second round fixes it and is accepted.
#[test]
fn piped_edit_that_does_not_parse_is_offered_to_edit_again() {
    let dir = project();
    let script = dir.path().join("editor.sh");
    let flag = dir.path().join("edited-once");
    std::fs::write(
        &script,
        format!(
            "if [ -e '{flag}' ]; then sed -i 's/^+            if audit_ctx$/+            if audit_ctx:/' \"$1\"; \
             else touch '{flag}'; sed -i 's/^+            if audit_ctx:$/+            if audit_ctx/' \"$1\"; fi\n",
            flag = flag.display()
        ),
    )
    .unwrap();
    let editor = format!("sh '{}'", script.display());
    let output = piped(dir.path(), &["--allow-dirty"], Some(&editor), "n\ne\ny\nn\nn\n");
    let stderr = text(&output.stderr);
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("The edited hunk does not parse"), "{stderr}");
    assert!(
        stdout.contains("Edit again (saying \"n\" discards your edit, and the hunk is unchanged) [y,n]? y\n"),
        "{stdout}"
    );
    assert!(stderr.contains("Edited hunk accepted."), "{stderr}");
    assert!(read(dir.path(), WIDGETS).contains("if audit_ctx:\n"), "{stderr}");
    assert_all_parse(dir.path());

    // Saying n discards the edit: the hunk is asked again, nothing written.
    let dir = project();
    let editor = "sed -i 's/^+            if audit_ctx:$/+            if audit_ctx/'";
    let output = piped(dir.path(), &["--allow-dirty"], Some(editor), "n\ne\nn\nn\nn\n");
    let stdout = text(&output.stdout);
    assert_eq!(stdout.matches(CREATE_PROMPT).count(), 2, "{stdout}");
    assert_eq!(read(dir.path(), WIDGETS), fixture("app/services/widgets.py"));
}

/// Quitting the editor without a change is no edit: nothing is accepted.
#[test]
fn piped_editor_left_unchanged_is_not_an_edit() {
    let dir = project();
    let output = piped(dir.path(), &["--allow-dirty"], Some("true"), "n\ne\nn\nn\nn\n");
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("The hunk was not edited"), "{stderr}");
    assert!(!stderr.contains("Edited hunk accepted"), "{stderr}");
    assert_eq!(text(&output.stdout).matches(CREATE_PROMPT).count(), 2);
    assert_eq!(read(dir.path(), WIDGETS), fixture("app/services/widgets.py"));
}

/// git's `p`, `P`, `g` and `/`.
#[test]
fn piped_print_go_to_and_search() {
    let dir = project();
    let answers = "p\nP\nn\ng\n3\ng\n9\ng\nx\n/\ncreate_widget\n/\n[\n/\nno such text\nq\n";
    let output = piped(dir.path(), &["--allow-dirty"], None, answers);
    let stderr = text(&output.stderr);
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    // p and P (no terminal: printed as p does) show the hunk again.
    assert_eq!(stdout.matches(GADGET_PROMPT).count(), 3, "{stdout}");
    assert_eq!(stdout.matches("In GadgetService.create_gadget:").count(), 3, "{stdout}");
    // g lists the hunks with their first header and goes to the one named.
    assert!(stdout.contains("go to which hunk? "), "{stdout}");
    assert!(
        stdout.contains("  1  @@ -2,6 +2,9 @@ WidgetService.create_widget\n"),
        "{stdout}"
    );
    let after_go = &stdout[stdout.find("go to which hunk? ").unwrap()..];
    assert!(after_go.contains("(3/3) Apply this hunk"), "{after_go}");
    assert!(stderr.contains("Sorry, only 3 hunks available."), "{stderr}");
    assert!(stderr.contains("Invalid number: 'x'"), "{stderr}");
    // / finds the next hunk matching, from the current one on, wrapping.
    let after_search = &stdout[stdout.find("search for regex? ").unwrap()..];
    assert!(after_search.contains(CREATE_PROMPT), "{after_search}");
    assert!(stderr.contains("Malformed search regexp ["), "{stderr}");
    assert!(stderr.contains("No hunk matches the given pattern"), "{stderr}");
    assert_eq!(read(dir.path(), WIDGETS), fixture("app/services/widgets.py"));
}

/// Issue 17, item 9: an answer line that is not UTF-8, or huge, is an
/// unknown answer: the session goes on to its summary.
#[test]
fn piped_answers_that_are_not_text_are_asked_again() {
    let dir = project();
    let mut answers = b"\xff\xfe\n".to_vec();
    answers.extend(std::iter::repeat_n(b'x', 1 << 20));
    answers.extend(b"\x1b[2J\nd\nn\nn\nn\n");
    let output = piped_bytes(command(dir.path(), &["--allow-dirty"], None), &answers);
    let stderr = text(&output.stderr);
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("Unknown answer `\u{fffd}\u{fffd}`"), "{stderr}");
    assert!(stderr.contains("Unknown answer `xxxx"), "{stderr}");
    assert!(stderr.len() + stdout.len() < 100_000, "the huge answer was echoed");
    assert!(
        !stderr.contains('\x1b') && !stdout.contains('\x1b'),
        "an escape reached the terminal"
    );
    assert_eq!(stdout.matches(GADGET_PROMPT).count(), 3);
    assert!(stderr.contains("Wrote no file."), "{stderr}");
}

/// Issue 17, item 9: an editor that cannot run, or loses the file, or no
/// folder for the file: each is said with what failed, the hunk is asked
/// again, and the session goes on.
#[test]
fn piped_edit_failures_are_said_and_the_session_goes_on() {
    for (editor, tmpdir, said) in [
        (
            "no-such-editor-anywhere",
            None,
            "The editor `no-such-editor-anywhere` was not found",
        ),
        ("rm", None, "Cannot read the edited hunk back from "),
        (
            "true",
            Some("/nonexistent/auditfix-tmp"),
            "Cannot create the file to edit the hunk in (in /nonexistent/auditfix-tmp): ",
        ),
    ] {
        let dir = project();
        let mut command = command(dir.path(), &["--allow-dirty"], Some(editor));
        if let Some(tmpdir) = tmpdir {
            command.env("TMPDIR", tmpdir);
        }
        let output = piped_bytes(command, b"n\ne\nn\nn\nn\n");
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{editor}: {stderr}");
        assert!(stderr.contains(said), "{editor}: {stderr}");
        assert!(
            stderr.contains("the hunk is unchanged") || stderr.contains("The hunk is unchanged"),
            "{stderr}"
        );
        assert_eq!(
            text(&output.stdout).matches(CREATE_PROMPT).count(),
            2,
            "{editor}: asked again"
        );
        assert!(stderr.contains("Wrote no file."), "{editor}: {stderr}");
    }
}

#[test]
fn piped_edit_that_applies_is_accepted() {
    let dir = project();
    let editor = "sed -i 's/ from e$/ from e  # reviewed/'";
    let output = piped(dir.path(), &["--allow-dirty"], Some(editor), "n\ne\nn\nn\n");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(read(dir.path(), WIDGETS), expected("widgets_edited_create"));
    assert_all_parse(dir.path());
}

#[test]
fn unsafe_fixes_are_offered_only_with_unsafe() {
    let dir = project();
    let output = piped(dir.path(), &["--allow-dirty"], None, "n\nn\nn\nn\n");
    let stdout = text(&output.stdout);
    let stderr = text(&output.stderr);
    assert!(!stdout.contains("unsafe fix"), "{stdout}");
    assert!(stderr.contains("2 more with --unsafe."), "{stderr}");

    // With --unsafe, wrapping `rename_widget` in `try` and rewriting its
    // timestamp touch the same lines: the method's fixes are offered one at
    // a time, and accepting both is refused.
    let output = piped(dir.path(), &["--allow-dirty", "--unsafe"], None, "d\nn\nn\ny\ny\nn\n");
    let stdout = text(&output.stdout);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stdout.contains("(unsafe fix: it changes behaviour; review it closely)"),
        "{stdout}"
    );
    assert!(
        stderr.contains(
            "note: app/services/widgets.py: the fixes of `WidgetService.rename_widget` cannot all be applied together"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("This hunk cannot be applied with the hunks accepted so far"),
        "{stderr}"
    );
    assert_eq!(
        stdout.matches("(4/4) Apply this hunk").count(),
        2,
        "asked again: {stdout}"
    );
    let widgets = read(dir.path(), WIDGETS);
    assert!(widgets.contains("Failed to rename widget"), "{widgets}");
    assert!(widgets.contains("datetime.now(timezone.utc)"), "{widgets}");
    assert_all_parse(dir.path());
}

#[test]
fn select_and_ignore_choose_the_rules_offered() {
    let dir = project();
    let output = piped(dir.path(), &["--allow-dirty", "--select", "AUD006"], None, "y\n");
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(stdout.matches("Apply this hunk").count(), 1, "{stdout}");
    assert!(
        stdout.contains("(1/1) Apply this hunk [y,n,q,a,d,e,p,P,?]? y\n"),
        "{stdout}"
    );
    assert!(!stdout.contains("gadgets.py"), "{stdout}");
    let rename_only = fixture("app/services/widgets.py")
        .replace(
            "from datetime import datetime, timezone",
            "from datetime import datetime",
        )
        .replace("datetime.now(timezone.utc)", "datetime.now()");
    assert_eq!(read(dir.path(), WIDGETS), rename_only);

    let dir = project();
    let output = piped(
        dir.path(),
        &["--allow-dirty", "--ignore", "AUD002,AUD003,AUD004,AUD006"],
        None,
        "",
    );
    let stdout = text(&output.stdout);
    assert!(!stdout.contains("AUD004"), "{stdout}");
    assert!(stdout.contains("AUD007"), "{stdout}");
}

#[test]
fn crlf_and_bom_files_are_written_as_fix_apply_writes_them() {
    let dir = project();
    let original = fixture("app/services/widgets.py").replace('\n', "\r\n");
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(original.as_bytes());
    fs::write(dir.path().join(WIDGETS), &bytes).unwrap();
    let applied = tempfile::tempdir().unwrap();
    copy_tree(dir.path(), applied.path());

    let output = piped(
        dir.path(),
        &["--allow-dirty", "--select", "AUD001,AUD002,AUD003,AUD004,AUD007"],
        None,
        "n\na\n",
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let status = Command::new(BIN)
        .current_dir(applied.path())
        .args([
            "fix",
            "--apply",
            "--allow-dirty",
            "--select",
            "AUD001,AUD002,AUD003,AUD004,AUD007",
            ".",
        ])
        .output()
        .unwrap();
    // 1: findings without a fix remain, as after any `fix --apply`.
    assert!(matches!(status.status.code(), Some(0 | 1)), "{}", text(&status.stderr));
    let written = fs::read(dir.path().join(WIDGETS)).unwrap();
    assert!(written.starts_with(b"\xEF\xBB\xBF"), "the BOM is kept");
    assert!(!text(&written).replace("\r\n", "").contains('\n'), "CRLF everywhere");
    assert_ne!(written, bytes);
    // The widgets file as `fix --apply` writes it (gadgets was skipped here).
    assert_eq!(text(&written), text(&fs::read(applied.path().join(WIDGETS)).unwrap()));
}

#[test]
fn colors_follow_color_always() {
    let dir = project();
    let output = Command::new(BIN)
        .current_dir(dir.path())
        .args(["fix", "-i", "--allow-dirty", "--color", "always"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = text(&output.stdout);
    assert!(stdout.contains("\x1b[1;34m(1/1) Apply this hunk"), "{stdout}");
    assert!(
        stdout.contains("\x1b[32m+        gadget.created_at = datetime.now()\x1b[0m"),
        "{stdout}"
    );
    assert!(stdout.contains("\x1b[36m@@ -1,6 +1,7 @@\x1b[0m"), "{stdout}");
}

// ---------------------------------------------------------------------------
// The dirty-tree refusal.

fn git(dir: &Path, args: &[&str]) -> bool {
    Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.com"])
        .args(["-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"])
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn uncommitted_files_are_refused_before_asking_anything() {
    let dir = project();
    if !git(dir.path(), &["init", "-q"]) {
        eprintln!("skipped: git is not available");
        return;
    }
    assert!(git(dir.path(), &["add", "."]));
    assert!(git(dir.path(), &["commit", "-q", "-m", "fixture"]));
    let changed = format!("{}# local change\n", fixture("app/services/widgets.py"));
    fs::write(dir.path().join(WIDGETS), &changed).unwrap();
    let before = tree(dir.path());

    let output = piped(dir.path(), &[], None, "y\ny\ny\ny\n");
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        !text(&output.stdout).contains("Apply this hunk"),
        "refused before asking"
    );
    assert!(stderr.contains("have uncommitted changes"), "{stderr}");
    assert!(stderr.contains("\n  app/services/widgets.py\n"), "{stderr}");
    assert!(!stderr.contains("gadgets.py"), "{stderr}");
    assert!(stderr.contains("Nothing was written."), "{stderr}");
    assert_eq!(tree(dir.path()), before);

    // Committed: no refusal, no --allow-dirty needed.
    assert!(git(dir.path(), &["commit", "-q", "-am", "local change"]));
    let output = piped(dir.path(), &[], None, "y\nn\nn\nn\n");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(read(dir.path(), GADGETS), expected("gadgets_accepted"));
    assert_eq!(read(dir.path(), WIDGETS), changed);
}

// ---------------------------------------------------------------------------
// Done when: a scripted session over the example app.

/// A hunk as the transcript shows it: file, write method, rule codes.
type HunkId = (String, String, Vec<String>);

/// The hunks a transcript offered, each with the answer given.
fn transcript(stdout: &str) -> Vec<(HunkId, char)> {
    let mut file = String::new();
    let mut function = String::new();
    let mut codes: Vec<String> = Vec::new();
    let mut hunks = Vec::new();
    for line in stdout.lines() {
        if let Some(path) = line.strip_prefix("+++ b/") {
            file = path.to_string();
        } else if let Some(name) = line.strip_prefix("In ").and_then(|l| l.strip_suffix(':')) {
            function = name.to_string();
        } else if let Some(rest) = line.strip_prefix("  AUD") {
            codes.push(format!("AUD{}", &rest[..3]));
        } else if line.contains(") Apply this hunk [") {
            let answer = line.chars().last().unwrap();
            codes.sort();
            codes.dedup();
            hunks.push((
                (file.clone(), std::mem::take(&mut function), std::mem::take(&mut codes)),
                answer,
            ));
        }
    }
    hunks
}

fn example_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&root().join("examples/audit_app"), dir.path());
    dir
}

#[test]
fn example_app_session_keeps_exactly_the_accepted_fixes_and_offers_the_rest_again() {
    let dir = example_copy();
    let pristine = tree(dir.path());

    // The library's view of the pristine copy: safe fixes by file and method.
    let paths = vec![dir.path().to_path_buf()];
    let workspace = Workspace::load(&paths, config::load(&paths, &Overrides::default()).unwrap());
    let checked = workspace.check();

    // Run 1: accept every other hunk.
    let answers = "y\nn\n".repeat(30);
    let output = piped(dir.path(), &["--allow-dirty"], None, &answers);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let first = transcript(&text(&output.stdout));
    assert!(first.len() >= 10, "{first:?}");
    let accepted: BTreeSet<HunkId> = first
        .iter()
        .filter(|(_, a)| *a == 'y')
        .map(|(h, _)| h.clone())
        .collect();
    let rejected: BTreeSet<HunkId> = first
        .iter()
        .filter(|(_, a)| *a == 'n')
        .map(|(h, _)| h.clone())
        .collect();
    assert_eq!(accepted.len() + rejected.len(), first.len(), "each hunk offered once");
    assert!(!accepted.is_empty() && !rejected.is_empty());

    // Exactly the accepted fixes are in place, file by file.
    let after_first = tree(dir.path());
    for (file, report) in workspace.files.iter().zip(&checked.files) {
        let relative = file.path.strip_prefix(dir.path()).unwrap().to_path_buf();
        let name = relative.to_string_lossy().replace('\\', "/");
        let mut fixes: Vec<_> = report
            .diagnostics
            .iter()
            .filter(|d| d.is_fixable_with(false))
            .filter(|d| {
                let function = d.function.clone().unwrap_or_default();
                accepted.iter().any(|(f, m, _)| *f == name && *m == function)
            })
            .collect();
        fixes.sort_by_key(|d| (d.rule, d.range.start));
        let fixes: Vec<_> = fixes.iter().map(|d| d.fix.as_ref().unwrap()).collect();
        // The workspace reads files again when it needs them: the text the
        // fixes were computed on is the pristine copy's.
        let expected = apply_selected(&text(&pristine[&relative]), &fixes).unwrap();
        assert_eq!(
            text(&after_first[&relative]),
            expected,
            "{name}: the file must hold exactly its accepted hunks"
        );
    }
    for (path, bytes) in &pristine {
        if !accepted.iter().any(|(f, _, _)| Path::new(f) == path) {
            assert_eq!(&after_first[path], bytes, "{} was not touched", path.display());
        }
    }
    assert_all_parse(dir.path());

    // Run 2 offers exactly the rejected hunks again; rejecting them all changes nothing.
    let output = piped(dir.path(), &["--allow-dirty"], None, &"n\n".repeat(60));
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let second: BTreeSet<HunkId> = transcript(&text(&output.stdout)).into_iter().map(|(h, _)| h).collect();
    assert_eq!(second, rejected);
    assert_eq!(tree(dir.path()), after_first);

    // Run 3 accepts everything left: the same tree as one `fix --apply`.
    let output = piped(dir.path(), &["--allow-dirty"], None, &"a\n".repeat(60));
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let applied = example_copy();
    let status = Command::new(BIN)
        .current_dir(applied.path())
        .args(["fix", "--apply", "--allow-dirty", "."])
        .output()
        .unwrap();
    // 1: findings without a fix remain, as after any `fix --apply`.
    assert!(matches!(status.status.code(), Some(0 | 1)), "{}", text(&status.stderr));
    assert_eq!(tree(dir.path()), tree(applied.path()));
    assert_all_parse(dir.path());
}

/// A caller's fix reaches a file that holds no write method (a route): the
/// prefilters never keep such a file, and the session reads it again to
/// offer and write the hunk. The service methods take the user already
/// (AUD001 applied first): a route's fix that needs them changed too spans
/// two files and is not offered file by file (see `tests/cross_file.rs`).
#[test]
fn piped_callers_fix_rewrites_a_route_file() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&root().join("examples/audit_app"), dir.path());
    let first = Command::new(BIN)
        .current_dir(dir.path())
        .args(["fix", "--apply", "--allow-dirty", "--select", "AUD001"])
        .output()
        .unwrap();
    assert!(matches!(first.status.code(), Some(0 | 1)), "{}", text(&first.stderr));
    let route = "app/api/routes/users.py";
    let before = read(dir.path(), route);
    assert!(before.contains("service.create_user(user_data)\n"), "{before}");
    let output = piped(dir.path(), &["--unsafe", "--allow-dirty"], None, &"y\n".repeat(40));
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let after = read(dir.path(), route);
    assert!(
        after.contains("service.create_user(user_data, created_by_user=current_user)\n"),
        "{stderr}\n{after}"
    );
    // Only the calls changed (the longer one laid out as the formatter
    // would, past 88 columns): the rest of the route is byte for byte.
    assert_eq!(
        after
            .replace(
                "update_user(\n            user_id, user_data, updated_by_user=current_user\n        )",
                "update_user(user_id, user_data)"
            )
            .replace(", created_by_user=current_user", ""),
        before
    );
    assert_parses(route, &after);
}
