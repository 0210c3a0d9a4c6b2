//! Cross-file fixes are written whole or not at all, callee first.
//!
//! On a copy of the example app, `fix --apply --unsafe` makes the users
//! route pass `created_by_user=`/`updated_by_user=` to the users service,
//! whose methods AUD001 makes take them: one fix over two files. Neither
//! a callee that cannot be written nor a run killed between two files may
//! leave the route passing a parameter the service does not take.

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const ROUTE: &str = "app/api/routes/users.py";
const SERVICE: &str = "app/features/administration/users/services/crud_services.py";

/// A copy of the example app in a new temporary folder.
fn example_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/audit_app");
    copy_tree(&from, dir.path());
    dir
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            if entry.file_name() != "__pycache__" {
                copy_tree(&entry.path(), &target);
            }
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn fix_apply(root: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_auditfix"));
    command
        .current_dir(root)
        .args(["fix", "--apply", "--unsafe", "--allow-dirty", "."])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

fn read(root: &Path, relative: &str) -> String {
    fs::read_to_string(root.join(relative)).unwrap()
}

/// The invariant: the route passes the user only when the service takes it.
fn assert_no_call_passes_a_missing_parameter(root: &Path, context: &str) {
    let route = read(root, ROUTE);
    let service = read(root, SERVICE);
    for parameter in ["created_by_user", "updated_by_user"] {
        if route.contains(&format!("{parameter}=current_user")) {
            assert!(
                service.contains(&format!("{parameter}=None")),
                "{context}: the route passes {parameter}, the service does not take it:\n{service}"
            );
        }
    }
}

#[test]
fn the_route_and_the_service_are_one_fix_and_both_are_written() {
    let dir = example_copy();
    let out = fix_apply(dir.path()).output().unwrap();
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let route = read(dir.path(), ROUTE);
    assert!(route.contains("created_by_user=current_user"), "{route}");
    assert_no_call_passes_a_missing_parameter(dir.path(), "after the run");
}

#[test]
fn a_service_that_cannot_be_written_leaves_the_route_unwritten() {
    let dir = example_copy();
    let route_before = read(dir.path(), ROUTE);
    // The service changes on disk between the scan and the writes (an
    // editor saving it): its write is refused, whoever runs the tool.
    let mut child = fix_apply(dir.path())
        .env("AUDITFIX_TEST_PAUSE_BEFORE_WRITE", "1000")
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    while !seen.contains("pausing 1000 ms before writing") {
        let mut line = String::new();
        assert!(stderr.read_line(&mut line).unwrap() > 0, "no pause announced: {seen}");
        seen.push_str(&line);
    }
    let edited = format!("{}# saved by an editor meanwhile\n", read(dir.path(), SERVICE));
    fs::write(dir.path().join(SERVICE), &edited).unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(2), "{rest}");
    assert_eq!(read(dir.path(), SERVICE), edited, "the editor's save is kept");
    assert_eq!(read(dir.path(), ROUTE), route_before, "{rest}");
    assert!(
        rest.contains(&format!(
            "{ROUTE}: not written: a fix here also changes {SERVICE}, which could not be written"
        )),
        "{rest}"
    );
    // Files no cross-file fix links to the service are still fixed.
    let tenants = read(dir.path(), "app/features/administration/tenants/services.py");
    assert!(tenants.contains("created_by_user"), "{tenants}");
}

/// Kill the run after its `k`th file written, for every `k`: whatever was
/// written by then, no call passes a parameter its callee lacks.
#[test]
fn a_run_killed_between_two_files_leaves_no_call_passing_a_missing_parameter() {
    let mut k = 1;
    loop {
        let dir = example_copy();
        let mut child = fix_apply(dir.path())
            .env("AUDITFIX_TEST_PAUSE_BETWEEN_WRITES", "400")
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let mut pauses = 0;
        let mut finished = true;
        for line in BufReader::new(stderr).lines() {
            let line = line.unwrap();
            if line.contains("pausing 400 ms after a write") {
                pauses += 1;
                if pauses == k {
                    child.kill().unwrap();
                    finished = false;
                    break;
                }
            }
        }
        child.wait().unwrap();
        assert_no_call_passes_a_missing_parameter(dir.path(), &format!("killed after {k} files"));
        let written: Vec<PathBuf> = [ROUTE, SERVICE]
            .iter()
            .filter(|p| {
                let original = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/audit_app").join(p);
                read(dir.path(), p) != fs::read_to_string(original).unwrap()
            })
            .map(PathBuf::from)
            .collect();
        if finished {
            assert_eq!(written.len(), 2, "a whole run writes both");
            assert!(k > 2, "the run wrote fewer files than expected: {k}");
            break;
        }
        k += 1;
    }
}

/// On a terminal, `fix --interactive` asks file by file: the route's fix,
/// which must change the service with it, is not offered (and says why),
/// so answering `n` to the service's hunks and `y` to all others cannot
/// leave the route passing a parameter the service does not take.
#[test]
fn interactive_mode_does_not_offer_half_of_a_cross_file_fix() {
    let dir = example_copy();
    let route_before = read(dir.path(), ROUTE);
    let service_before = read(dir.path(), SERVICE);
    let mut command = Command::new(env!("CARGO_BIN_EXE_auditfix"));
    command
        .current_dir(dir.path())
        .args(["fix", "--interactive", "--unsafe", "--color", "never", "."])
        .env_remove("VISUAL")
        .env("EDITOR", "false");
    let mut session = rexpect::session::spawn_command(command, Some(30_000)).unwrap();
    let mut file = String::new();
    let mut output = String::new();
    let mut asked = (0, 0);
    while let Ok((before, _)) = session.exp_regex(r"Apply this hunk \[[^\]]*\]\? ") {
        output.push_str(&before);
        if let Some(at) = before.rfind("+++ b/") {
            file = before[at + 6..].lines().next().unwrap_or_default().trim().to_string();
        }
        let key = if file == SERVICE {
            asked.0 += 1;
            "n"
        } else {
            asked.1 += 1;
            "y"
        };
        session.send(key).unwrap();
        session.flush().unwrap();
    }
    output.push_str(&session.exp_eof().unwrap_or_default());
    assert!(
        asked.0 > 0 && asked.1 > 0,
        "hunks asked about (service, others): {asked:?}\n{output}"
    );
    assert!(
        output.contains(&format!(
            "{ROUTE}: AUD012 fix at line 23 is not offered: it must change `{SERVICE}` with this file, whole or not at all"
        )),
        "{output}"
    );
    assert_eq!(
        read(dir.path(), SERVICE),
        service_before,
        "every service hunk was refused"
    );
    let route = read(dir.path(), ROUTE);
    assert!(!route.contains("created_by_user=current_user"), "{route}");
    assert_eq!(route, route_before);
    assert_no_call_passes_a_missing_parameter(dir.path(), "after the session");
    // The other files' hunks were accepted.
    let tenants = read(dir.path(), "app/features/administration/tenants/services.py");
    assert!(tenants.contains("created_by_user"), "{tenants}");
}
