//! Hostile trees: `auditfix fix --apply` over trees with symlink loops, a
//! symlink leading outside the tree, unreadable files and folders, read-only
//! and immutable files, files deleted or edited between the scan and the
//! write, a 20 MB file, 10,000 levels of nesting, NUL bytes, latin-1,
//! mixed tabs and spaces, and names with spaces and unicode.
//!
//! Each skipped file gets a message naming it, the rest of the run is
//! written, and the exit code is 2 when something was skipped (0 when the
//! hostile thing costs nothing, like a loop or an odd name).
//!
//! Tests run as root here and in CI, and root ignores permission bits: the
//! unreadable cases then run auditfix as an unprivileged user (`nobody`) on
//! a tree it owns, and the immutable case uses `chattr +i`; a case that
//! cannot be set up says why on stderr and passes without asserting.
//! `AUDITFIX_HOSTILE_BIG_MB` (default 20) sizes the large file.
#![cfg(unix)]

use std::fs;
use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::{Command, Output, Stdio};

const SERVICE: &str = include_str!("../examples/audit_app/app/features/administration/tenants/services.py");

/// The example app's core modules and the tenants' model, so the service
/// has its repository.
fn tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let core = Path::new("examples/audit_app/app/features/core");
    let target = dir.path().join("app/features/core");
    fs::create_dir_all(&target).unwrap();
    for entry in fs::read_dir(core).unwrap() {
        let entry = entry.unwrap();
        fs::copy(entry.path(), target.join(entry.file_name())).unwrap();
    }
    let tenants = dir.path().join("app/features/administration/tenants");
    fs::create_dir_all(&tenants).unwrap();
    fs::copy(
        "examples/audit_app/app/features/administration/tenants/models.py",
        tenants.join("models.py"),
    )
    .unwrap();
    fs::write(dir.path().join("app/service.py"), SERVICE).unwrap();
    dir
}

fn auditfix(root: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_auditfix"));
    command
        .current_dir(root)
        .args(["fix", "--apply", "--allow-dirty"])
        .args(args)
        .stdin(Stdio::null())
        .env("NO_COLOR", "1");
    command
}

fn run(root: &Path, args: &[&str]) -> (Option<i32>, String) {
    let output: Output = auditfix(root, args).output().unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The service was fixed (the rest of the run went on).
fn assert_service_fixed(root: &Path, stderr: &str) {
    let text = fs::read_to_string(root.join("app/service.py")).unwrap();
    assert!(
        text.contains("created_by_user=None") && text.contains("except IntegrityError"),
        "the service was not fixed:\n{stderr}"
    );
}

fn is_root() -> bool {
    let probe = tempfile::tempfile().unwrap();
    probe.metadata().unwrap().uid() == 0
}

#[test]
fn symlink_loops_are_walked_once() {
    let dir = tree();
    symlink("..", dir.path().join("app/features/back")).unwrap();
    symlink("self.py", dir.path().join("app/self.py")).unwrap();
    let (code, stderr) = run(dir.path(), &["app"]);
    assert_service_fixed(dir.path(), &stderr);
    // The folder loop costs nothing; the link to itself cannot be read.
    assert!(stderr.contains("app/self.py"), "{stderr}");
    assert_eq!(code, Some(2), "{stderr}");
    assert!(!stderr.contains("app/features/back/"), "walked the loop: {stderr}");
}

#[test]
fn a_symlink_leading_outside_the_tree_is_not_written() {
    let dir = tree();
    let outside = tempfile::tempdir().unwrap();
    let theirs = outside.path().join("theirs.py");
    fs::write(&theirs, SERVICE).unwrap();
    symlink(&theirs, dir.path().join("app/linked.py")).unwrap();
    fs::create_dir(outside.path().join("pkg")).unwrap();
    fs::write(outside.path().join("pkg/more.py"), SERVICE).unwrap();
    symlink(outside.path().join("pkg"), dir.path().join("app/linked_dir")).unwrap();

    let (code, stderr) = run(dir.path(), &["app"]);
    assert_eq!(code, Some(2), "{stderr}");
    for shown in ["app/linked.py", "app/linked_dir/more.py"] {
        let line = stderr
            .lines()
            .find(|l| l.contains(shown))
            .unwrap_or_else(|| panic!("no message for {shown}:\n{stderr}"));
        assert!(
            line.contains("is a symlink to") && line.contains("outside the paths given; not written"),
            "{line}"
        );
    }
    assert_eq!(fs::read_to_string(&theirs).unwrap(), SERVICE);
    assert_eq!(fs::read_to_string(outside.path().join("pkg/more.py")).unwrap(), SERVICE);
    assert_service_fixed(dir.path(), &stderr);

    // Given the outside path itself (with the app whose models prove what
    // it writes), it is fixed there.
    let (code, stderr) = run(dir.path(), &[theirs.to_str().unwrap(), "app/features"]);
    assert!(matches!(code, Some(0 | 1)), "{stderr}");
    assert_ne!(fs::read_to_string(&theirs).unwrap(), SERVICE);
}

/// A temporary file as a run killed between naming it and renaming it
/// over `target` leaves it (named for its own inode, see `temp_name`).
fn left_temp(folder: &Path, target: &str) -> std::path::PathBuf {
    let provisional = folder.join("provisional");
    fs::write(&provisional, "half written").unwrap();
    let name = auditfix::write::temp_name(
        std::ffi::OsStr::new(target),
        &fs::metadata(&provisional).unwrap(),
        &fs::metadata(folder.join(target)).unwrap(),
    );
    let named = folder.join(name);
    fs::rename(&provisional, &named).unwrap();
    named
}

/// Issue 17, item 3: the clean-up of temporary files removes only what an
/// interrupted run of ours left, and only within the paths given: a user's
/// file that starts with the prefix, a symlink, and a leftover beside a
/// file reached through a symlink leading outside the tree all stay.
#[test]
fn the_temporary_file_clean_up_touches_nothing_else() {
    let dir = tree();
    let app = dir.path().join("app");
    let stale = left_temp(&app, "service.py");
    let users = [".auditfix-tmp-notes.txt", ".auditfix-tmp-service.py.a1b2c3"];
    for name in users {
        fs::write(app.join(name), "mine").unwrap();
    }
    let outside = tempfile::tempdir().unwrap();
    fs::write(outside.path().join("theirs.py"), SERVICE).unwrap();
    let stale_outside = left_temp(outside.path(), "theirs.py");
    symlink(outside.path().join("theirs.py"), app.join("linked.py")).unwrap();
    symlink(&stale_outside, app.join(".auditfix-tmp-link")).unwrap();

    let (code, stderr) = run(dir.path(), &["app"]);
    assert_eq!(code, Some(2), "the outside link is not written: {stderr}");
    assert!(!stale.exists(), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "note: removed {}",
            fs::canonicalize(&app)
                .unwrap()
                .join(stale.file_name().unwrap())
                .display()
        )),
        "{stderr}"
    );
    for name in users {
        assert_eq!(fs::read_to_string(app.join(name)).unwrap(), "mine");
    }
    assert!(stale_outside.exists(), "cleaned outside the tree: {stderr}");
    assert!(fs::symlink_metadata(app.join(".auditfix-tmp-link")).is_ok());
    assert_eq!(stderr.matches("note: removed").count(), 1, "{stderr}");
    assert_service_fixed(dir.path(), &stderr);
}

/// `run`, failed after a minute instead of hanging the test suite.
fn run_bounded(root: &Path, args: &[&str]) -> (Option<i32>, String) {
    let mut child = auditfix(root, args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
        text
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("auditfix {args:?} hung: {}", reader.join().unwrap());
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    (status.code(), reader.join().unwrap())
}

/// A FIFO at `path`; `false` when `mkfifo` is not available.
fn fifo(path: &Path) -> bool {
    let made = Command::new("mkfifo").arg(path).status();
    made.is_ok_and(|s| s.success())
}

/// Issue 17, item 6: a FIFO or a device where the walk or the run would
/// read a file (an ignore file in a folder, one above the path given, a
/// `.py` path given, the `--config` file) is named and not read; the run
/// neither hangs nor grows without bound, and goes on with the rest.
#[test]
fn fifos_and_devices_are_named_and_never_read() {
    let dir = tree();
    let app = dir.path().join("app");
    for folder in [
        "fifo_ignore",
        "fifo_gitignore",
        "zero_gitignore",
        "zero_exclude/.git/info",
    ] {
        fs::create_dir_all(app.join(folder)).unwrap();
    }
    for folder in ["fifo_ignore", "fifo_gitignore", "zero_gitignore", "zero_exclude"] {
        fs::write(app.join(folder).join("service.py"), SERVICE).unwrap();
    }
    if !fifo(&app.join("fifo_ignore/.ignore")) {
        eprintln!("skipped: mkfifo is not available");
        return;
    }
    assert!(fifo(&app.join("fifo_gitignore/.gitignore")));
    symlink("/dev/zero", app.join("zero_gitignore/.gitignore")).unwrap();
    symlink("/dev/zero", app.join("zero_exclude/.git/info/exclude")).unwrap();
    assert!(fifo(&app.join("fifo.py")));
    symlink("/dev/zero", app.join("zero.py")).unwrap();

    let (code, stderr) = run_bounded(dir.path(), &["app", "app/fifo.py", "app/zero.py"]);
    assert_eq!(code, Some(2), "{stderr}");
    for (path, what) in [
        (
            "app/fifo_ignore/.ignore",
            "is a FIFO (named pipe), not a regular file; not read (the folder app/fifo_ignore is not walked)",
        ),
        (
            "app/fifo_gitignore/.gitignore",
            "is a FIFO (named pipe), not a regular file; not read (the folder app/fifo_gitignore is not walked)",
        ),
        (
            "app/zero_gitignore/.gitignore",
            "is a character device, not a regular file; not read (the folder app/zero_gitignore is not walked)",
        ),
        (
            "app/zero_exclude/.git/info/exclude",
            "is a character device, not a regular file; not read (the folder app/zero_exclude is not walked)",
        ),
        ("app/fifo.py", "is a FIFO (named pipe), not a regular file; not read"),
        ("app/zero.py", "is a character device, not a regular file; not read"),
    ] {
        let line = format!("error: {path}: {what}");
        // Once, though `app/fifo.py` is both given and reached by the walk.
        assert_eq!(
            stderr.lines().filter(|l| *l == line).count(),
            1,
            "not once `{line}`:\n{stderr}"
        );
    }
    for folder in ["fifo_ignore", "fifo_gitignore", "zero_gitignore", "zero_exclude"] {
        assert_eq!(
            fs::read_to_string(app.join(folder).join("service.py")).unwrap(),
            SERVICE
        );
    }
    assert_service_fixed(dir.path(), &stderr);

    // Reached by the walk only: named too, not skipped silently.
    let dir = tree();
    let app = dir.path().join("app");
    assert!(fifo(&app.join("walked_fifo.py")));
    let (code, stderr) = run_bounded(dir.path(), &["app"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr
            .lines()
            .any(|l| l == "error: app/walked_fifo.py: is a FIFO (named pipe), not a regular file; not read"),
        "{stderr}"
    );
    assert_service_fixed(dir.path(), &stderr);

    // An ignore file above the path given is read too: the path is not walked.
    let dir = tree();
    assert!(fifo(&dir.path().join(".ignore")));
    let (code, stderr) = run_bounded(dir.path(), &["app"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("/.ignore: is a FIFO (named pipe), not a regular file; not read (app is not walked)"),
        "{stderr}"
    );

    // The configuration file: given, or found as the nearest one.
    let dir = tree();
    assert!(fifo(&dir.path().join("fifo.toml")));
    let (code, stderr) = run_bounded(dir.path(), &["app", "--config", "fifo.toml"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("fifo.toml") && stderr.contains("is a FIFO (named pipe), not a regular file; not read"),
        "{stderr}"
    );
    symlink("/dev/zero", dir.path().join("zero.toml")).unwrap();
    let (code, stderr) = run_bounded(dir.path(), &["app", "--config", "zero.toml"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("is a character device, not a regular file"), "{stderr}");
    fs::write(dir.path().join("auditfix.toml"), vec![b'#'; 5 << 20]).unwrap();
    let (code, stderr) = run_bounded(dir.path(), &["app"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("is larger than 4 MB; not read"), "{stderr}");
}

/// Issue 17, item 4: the same file reached twice (a symlinked folder, a
/// path given twice) is checked and fixed once: no doubled findings, no
/// false "changed on disk", exit 0.
#[test]
fn a_file_reached_twice_is_fixed_once() {
    let dir = tree();
    symlink("features", dir.path().join("app/features_alias")).unwrap();
    let absolute = dir.path().join("app/service.py");
    let args = ["app", "app/service.py", "./app/service.py", absolute.to_str().unwrap()];
    let check = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_auditfix"))
            .current_dir(dir.path())
            .args(["check", "--format", "json"])
            .args(args)
            .output()
            .unwrap();
        let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        value["findings"].as_array().unwrap().len()
    };
    let once = check(&["app/service.py", "app/features"]);
    assert!(once > 0);
    assert_eq!(check(&args), once, "doubled findings");
    let (code, stderr) = run(dir.path(), &args);
    assert!(matches!(code, Some(0 | 1)), "{stderr}");
    assert!(!stderr.contains("changed on disk"), "{stderr}");
    assert!(stderr.contains(" in 1 file;"), "{stderr}");
    assert_service_fixed(dir.path(), &stderr);
}

/// Make `path` and everything below it owned by `uid`.
fn chown_tree(path: &Path, uid: u32) {
    std::os::unix::fs::lchown(path, Some(uid), Some(uid)).unwrap();
    if fs::symlink_metadata(path).unwrap().is_dir() {
        for entry in fs::read_dir(path).unwrap() {
            chown_tree(&entry.unwrap().path(), uid);
        }
    }
}

const NOBODY: u32 = 65534;

/// Set `command` to run as `nobody` on `tree`, made its own: root reads
/// and writes anything. `false` (said on stderr) when an unprivileged user
/// cannot reach the tree.
fn as_nobody(command: &mut Command, tree: &Path) -> bool {
    chown_tree(tree, NOBODY);
    fs::set_permissions(tree, fs::Permissions::from_mode(0o755)).unwrap();
    let mut ancestor = tree.parent();
    while let Some(folder) = ancestor {
        if fs::metadata(folder).unwrap().permissions().mode() & 0o001 == 0 {
            eprintln!(
                "skipped: {} is not searchable by an unprivileged user",
                folder.display()
            );
            return false;
        }
        ancestor = folder.parent();
    }
    use std::os::unix::process::CommandExt;
    command.uid(NOBODY).gid(NOBODY);
    true
}

/// Issue 17, item 5: files that replacing would harm are named and left:
/// one with a second name (a hard link, which would keep the old text),
/// and one the user may not write, in a folder they own (the rename alone
/// would succeed).
#[test]
fn hard_links_and_files_of_other_users_are_left_untouched() {
    let dir = tree();
    let twin = dir.path().join("app/twin.py");
    fs::write(&twin, SERVICE).unwrap();
    let outside = tempfile::tempdir().unwrap();
    fs::hard_link(&twin, outside.path().join("other_name.py")).unwrap();
    let (code, stderr) = run(dir.path(), &["app"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("error: app/twin.py: has 2 hard links; left untouched"),
        "{stderr}"
    );
    assert_eq!(fs::read_to_string(&twin).unwrap(), SERVICE);
    assert_service_fixed(dir.path(), &stderr);

    if !is_root() {
        eprintln!("skipped: making a file of another user needs privileges");
        return;
    }
    let dir = tree();
    let mut command = auditfix(dir.path(), &["app"]);
    if !as_nobody(&mut command, dir.path()) {
        return;
    }
    let theirs = dir.path().join("app/root_owned.py");
    fs::write(&theirs, SERVICE).unwrap();
    fs::set_permissions(&theirs, fs::Permissions::from_mode(0o644)).unwrap();
    let output = match command.output() {
        Ok(output) => output,
        Err(err) => {
            eprintln!("skipped: cannot run auditfix unprivileged: {err}");
            return;
        }
    };
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr
            .contains("error: app/root_owned.py: is not writable by this user (owner uid 0, mode 644); left untouched"),
        "{stderr}"
    );
    assert_eq!(fs::read_to_string(&theirs).unwrap(), SERVICE);
    assert_eq!(fs::metadata(&theirs).unwrap().uid(), 0);
    assert_service_fixed(dir.path(), &stderr);
}

#[test]
fn unreadable_files_and_folders_are_named_and_skipped() {
    let dir = tree();
    fs::write(dir.path().join("app/secret.py"), SERVICE).unwrap();
    fs::create_dir(dir.path().join("app/locked")).unwrap();
    fs::write(dir.path().join("app/locked/hidden.py"), SERVICE).unwrap();
    let mut command = auditfix(dir.path(), &["app"]);
    if is_root() && !as_nobody(&mut command, dir.path()) {
        return;
    }
    fs::set_permissions(dir.path().join("app/secret.py"), fs::Permissions::from_mode(0o000)).unwrap();
    fs::set_permissions(dir.path().join("app/locked"), fs::Permissions::from_mode(0o000)).unwrap();
    let output = match command.output() {
        Ok(output) => output,
        Err(err) => {
            eprintln!("skipped: cannot run auditfix unprivileged: {err}");
            return;
        }
    };
    fs::set_permissions(dir.path().join("app/locked"), fs::Permissions::from_mode(0o755)).unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    if stderr.contains("Permission denied") && stderr.contains("auditfix") && output.stdout.is_empty() {
        eprintln!("skipped: the binary is not executable by an unprivileged user: {stderr}");
        return;
    }
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("error: app/secret.py: permission denied"), "{stderr}");
    assert!(
        stderr.to_lowercase().contains("error: app/locked: permission denied"),
        "{stderr}"
    );
    assert_service_fixed(dir.path(), &stderr);
}

#[test]
fn read_only_files_are_left_untouched() {
    let dir = tree();
    let path = dir.path().join("app/read_only.py");
    fs::write(&path, SERVICE).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o444)).unwrap();
    let (code, stderr) = run(dir.path(), &["app"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("error: app/read_only.py: is read-only; left untouched"),
        "{stderr}"
    );
    assert_eq!(fs::read_to_string(&path).unwrap(), SERVICE);
    assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o444);
    assert_service_fixed(dir.path(), &stderr);
}

#[test]
fn immutable_files_are_left_untouched() {
    let dir = tree();
    let path = dir.path().join("app/immutable.py");
    fs::write(&path, SERVICE).unwrap();
    let set = Command::new("chattr")
        .arg("+i")
        .arg(&path)
        .stderr(Stdio::null())
        .status();
    if !set.is_ok_and(|s| s.success()) {
        eprintln!("skipped: chattr +i is not available here");
        return;
    }
    let (code, stderr) = run(dir.path(), &["app"]);
    let _ = Command::new("chattr").arg("-i").arg(&path).status();
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("error: app/immutable.py: cannot replace the file"),
        "{stderr}"
    );
    assert_eq!(fs::read_to_string(&path).unwrap(), SERVICE);
    let names: Vec<String> = fs::read_dir(dir.path().join("app"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".auditfix-tmp-"))
        .collect();
    assert!(names.is_empty(), "temporary files left: {names:?}");
    assert_service_fixed(dir.path(), &stderr);
}

#[test]
fn files_deleted_or_edited_between_scan_and_write() {
    use std::io::BufRead;
    let dir = tree();
    let deleted = dir.path().join("app/deleted.py");
    let edited = dir.path().join("app/edited.py");
    fs::write(&deleted, SERVICE).unwrap();
    fs::write(&edited, SERVICE).unwrap();
    let mut child = auditfix(dir.path(), &["app"])
        .env("AUDITFIX_TEST_PAUSE_BEFORE_WRITE", "2000")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        assert!(stderr.read_line(&mut line).unwrap() > 0, "no pause:\n{seen}");
        seen.push_str(&line);
        if line.contains("pausing") {
            break;
        }
    }
    fs::remove_file(&deleted).unwrap();
    fs::write(&edited, format!("{SERVICE}# edited meanwhile\n")).unwrap();
    let _ = std::io::Read::read_to_string(&mut stderr, &mut seen);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(2), "{seen}");
    assert!(
        seen.contains("error: app/deleted.py: cannot resolve the path: No such file or directory"),
        "{seen}"
    );
    assert!(
        seen.contains("error: app/edited.py: changed on disk since it was read; left untouched"),
        "{seen}"
    );
    assert!(!deleted.exists());
    assert_eq!(
        fs::read_to_string(&edited).unwrap(),
        format!("{SERVICE}# edited meanwhile\n")
    );
    assert_service_fixed(dir.path(), &seen);
}

/// Issue 17, item 1: a save by another program while the fixed version
/// is being written (after the re-read, before the replacement), in place
/// or as editors do (a new file renamed over it), is kept: the file is
/// named as changed and the run exits 2.
#[test]
fn a_save_while_the_fix_is_written_is_kept() {
    for how in ["in place", "renamed over"] {
        let dir = tree();
        let path = dir.path().join("app/service.py");
        let child = auditfix(dir.path(), &["app"])
            .env("AUDITFIX_TEST_PAUSE_BEFORE_REPLACE", "1500")
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The temporary file appears once the fixed version is complete.
        let started = std::time::Instant::now();
        let temp_ready = || {
            fs::read_dir(dir.path().join("app")).unwrap().any(|e| {
                e.unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with(".auditfix-tmp-service.py")
            })
        };
        while !temp_ready() {
            assert!(started.elapsed().as_secs() < 60, "{how}: no temporary file appeared");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        let saved = format!("{SERVICE}# saved {how}\n");
        if how == "in place" {
            fs::write(&path, &saved).unwrap();
        } else {
            let editor = dir.path().join("app/.service.py.swp");
            fs::write(&editor, &saved).unwrap();
            fs::rename(&editor, &path).unwrap();
        }
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            saved,
            "{how}: the save was lost\n{stderr}"
        );
        assert_eq!(output.status.code(), Some(2), "{how}: {stderr}");
        assert!(
            stderr.contains("error: app/service.py: changed on disk since it was read; left untouched"),
            "{how}: {stderr}"
        );
        let temps: Vec<String> = fs::read_dir(dir.path().join("app"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".auditfix-tmp-"))
            .collect();
        assert!(temps.is_empty(), "{how}: temporary files left: {temps:?}");
    }
}

/// Issue 17, item 10: a file locked by another program is named as
/// locked by that program, not by "another auditfix run".
#[cfg(target_os = "linux")]
#[test]
fn a_lock_held_by_another_program_is_named_as_such() {
    let dir = tree();
    let path = dir.path().join("app/service.py");
    let holder = Command::new("flock")
        .arg(&path)
        .args(["sleep", "30"])
        .stdin(Stdio::null())
        .spawn();
    let Ok(mut holder) = holder else {
        eprintln!("skipped: flock(1) is not available");
        return;
    };
    // Wait until the lock is held.
    let started = std::time::Instant::now();
    while fs::File::open(&path).unwrap().try_lock().is_ok() {
        assert!(started.elapsed().as_secs() < 10, "flock never took the lock");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let (code, stderr) = run(dir.path(), &["app"]);
    let _ = holder.kill();
    let _ = holder.wait();
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "error: app/service.py: is locked by another program (flock, pid {}); left untouched",
            holder.id()
        )),
        "{stderr}"
    );
    assert_eq!(fs::read_to_string(&path).unwrap(), SERVICE);
}

#[test]
fn a_20_mb_file_is_fixed() {
    let megabytes = std::env::var("AUDITFIX_HOSTILE_BIG_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20usize);
    let dir = tree();
    // Helpers enough for the size, then the service's class at the end.
    let (head, class) = SERVICE.split_at(SERVICE.find("class TenantService").unwrap());
    let mut text = String::with_capacity(megabytes << 20);
    text.push_str(head);
    let mut i = 0;
    while text.len() < megabytes << 20 {
        text.push_str(&format!(
            "\n\ndef helper_{i}(values, factor={i}):\n    \"\"\"Scale the values.\"\"\"\n    total = 0\n    for value in values:\n        total += value * factor\n    return total\n"
        ));
        i += 1;
    }
    text.push_str("\n\n");
    text.push_str(class);
    let path = dir.path().join("app/big.py");
    fs::write(&path, &text).unwrap();
    let (code, stderr) = run(dir.path(), &["app"]);
    assert!(matches!(code, Some(0 | 1)), "{stderr}");
    let fixed = fs::read_to_string(&path).unwrap();
    assert!(fixed.len() > text.len());
    assert!(
        fixed.contains("created_by_user=None"),
        "the big file's service was not fixed"
    );
    // Everything between the imports and the class is as it was.
    let helpers = &text[text.find("\n\ndef helper_0").unwrap()..text.find("class TenantService").unwrap()];
    assert!(fixed.contains(helpers));
}

#[test]
fn ten_thousand_levels_of_nesting() {
    let dir = tree();
    let n = 10_000;
    let method = |name: &str, value: String| {
        format!(
            "from app.features.administration.tenants.models import Tenant\n\n\nclass S:\n    def __init__(self, db):\n        self.db = db\n\n    async def create_tenant(self, data):\n        tenant = Tenant(name={value})\n        self.db.add(tenant)\n        await self.db.flush()\n        return tenant\n\n\n# {name}\n"
        )
    };
    let cases = [
        ("parens", format!("{}data.name{}", "(".repeat(n), ")".repeat(n))),
        ("calls", format!("{}data.name{}", "str(".repeat(n), ")".repeat(n))),
        ("lists", format!("{}data.name{}", "[".repeat(n), "]".repeat(n))),
        ("attributes", format!("data{}", ".name".repeat(n))),
        ("operators", format!("data.name{}", " + data.name".repeat(n))),
        ("unary", format!("{}data.name", "-".repeat(n))),
    ];
    for (name, value) in &cases {
        fs::write(
            dir.path().join(format!("app/deep_{name}.py")),
            method(name, value.clone()),
        )
        .unwrap();
    }
    let (code, stderr) = run(dir.path(), &["app"]);
    assert!(matches!(code, Some(0 | 1)), "{stderr}");
    for (name, value) in &cases {
        let fixed = fs::read_to_string(dir.path().join(format!("app/deep_{name}.py"))).unwrap();
        assert!(fixed.contains("created_by_user=None"), "deep_{name}.py was not fixed");
        assert!(fixed.contains(value.as_str()), "deep_{name}.py lost its expression");
        let tree = auditfix::analysis::source::parse(&fixed);
        assert!(!tree.root_node().has_error(), "deep_{name}.py does not parse");
    }
}

/// Files that cannot be read as Python: NUL bytes, latin-1, a tab error,
/// an unexpected indent. Each holds a session write, so that the prefilter
/// lets it through to the parser (`holds_write`), or none (then it is never
/// parsed: its syntax error shows with `--no-prefilter` only).
fn unreadable_files(holds_write: bool) -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let write: &[u8] = if holds_write {
        b"\ndef save(db):\n    db.commit()\n"
    } else {
        b""
    };
    let with = |body: &[u8]| [body, write].concat();
    vec![
        ("nul.py", with(b"x = 1\n\0\ny = 2\n"), "syntax error at line 2"),
        (
            "latin1.py",
            with(b"# -*- coding: latin-1 -*-\nname = \"caf\xe9\"\n"),
            "not UTF-8 (declares `coding: latin-1`; invalid UTF-8 byte 0xE9 on line 2)",
        ),
        (
            "tab_error.py",
            with(b"def f(x):\n        if x:\n\t    return 1\n        return 2\n"),
            "inconsistent use of tabs and spaces in indentation",
        ),
        (
            "unexpected_indent.py",
            with(b"x = 1\n    y = 2\n"),
            "syntax error at line 2, column 1: unexpected indent",
        ),
    ]
}

/// Each unreadable file gets one line naming it and why, is left as it was,
/// and the rest of the run goes on; the exit code says something failed.
fn assert_named_and_skipped(root: &Path, files: &[(&str, Vec<u8>, &str)], code: Option<i32>, stderr: &str) {
    assert_eq!(code, Some(2), "{stderr}");
    for (name, bytes, message) in files {
        let line = stderr
            .lines()
            .find(|l| l.starts_with(&format!("error: app/{name}: ")))
            .unwrap_or_else(|| panic!("no message for {name}:\n{stderr}"));
        assert!(line.contains(message), "{line}");
        assert!(!line.contains("not checked; not checked"), "{line}");
        assert_eq!(&fs::read(root.join("app").join(name)).unwrap(), bytes);
    }
    assert_service_fixed(root, stderr);
}

#[test]
fn nul_bytes_latin1_and_bad_indentation_are_named_and_skipped() {
    let dir = tree();
    let files = unreadable_files(true);
    for (name, bytes, _) in &files {
        fs::write(dir.path().join("app").join(name), bytes).unwrap();
    }
    let (code, stderr) = run(dir.path(), &["app"]);
    assert_named_and_skipped(dir.path(), &files, code, &stderr);
}

#[test]
fn files_that_cannot_matter_are_parsed_only_without_the_prefilter() {
    let dir = tree();
    let files = unreadable_files(false);
    for (name, bytes, _) in &files {
        fs::write(dir.path().join("app").join(name), bytes).unwrap();
    }
    // Not UTF-8 is found by reading; the syntax errors of files with no
    // session write are not looked for (they cannot hold a finding).
    let (code, stderr) = run(dir.path(), &["app"]);
    assert_eq!(code, Some(2), "{stderr}");
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error: ")).collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(errors[0].starts_with("error: app/latin1.py: not UTF-8"), "{stderr}");
    assert_service_fixed(dir.path(), &stderr);
    // Without the prefilter every file is parsed: each is named.
    let dir = tree();
    for (name, bytes, _) in &files {
        fs::write(dir.path().join("app").join(name), bytes).unwrap();
    }
    let (code, stderr) = run(dir.path(), &["app", "--no-prefilter"]);
    assert_named_and_skipped(dir.path(), &files, code, &stderr);
}

#[test]
fn tabs_in_one_method_spaces_in_another() {
    let dir = tree();
    // Valid Python: each block is consistent on its own (four spaces and a
    // tab are deeper than four spaces at any tab width).
    let text = SERVICE.replace(
        "    async def get_tenant_by_slug(self, slug: str) -> Optional[Tenant]:\n        \"\"\"Find a tenant by its URL slug.\"\"\"\n        result = await self.db.execute(select(Tenant).where(Tenant.slug == slug))\n        return result.scalar_one_or_none()\n",
        "    async def delete_tenant(self, tenant_id):\n    \ttenant = await self.get_by_id(Tenant, tenant_id)\n    \ttenant.is_active = False\n    \tawait self.db.flush()\n",
    );
    assert_ne!(text, SERVICE);
    let path = dir.path().join("app/mixed.py");
    fs::write(&path, &text).unwrap();
    let (code, stderr) = run(dir.path(), &["app"]);
    assert!(matches!(code, Some(0 | 1)), "{stderr}");
    let fixed = fs::read_to_string(&path).unwrap();
    assert_ne!(fixed, text);
    // The fixed file still parses, indentation included.
    let source = auditfix::analysis::source::SourceFile::parse(fixed.clone(), false);
    assert!(source.is_ok(), "{:?}\n{fixed}", source.err());
}

#[test]
fn names_with_spaces_and_unicode() {
    let dir = tree();
    let names = ["app/with space.py", "app/ünïcödé/sérvice ñ.py", "app/日本/サービス.py"];
    for name in names {
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, SERVICE).unwrap();
    }
    let (code, stderr) = run(dir.path(), &["app"]);
    assert!(matches!(code, Some(0 | 1)), "{stderr}");
    for name in names {
        let text = fs::read_to_string(dir.path().join(name)).unwrap();
        assert!(text.contains("created_by_user=None"), "{name} was not fixed");
    }
    // A path given with spaces and unicode works too.
    let (code, _) = run(dir.path(), &["app/ünïcödé/sérvice ñ.py"]);
    assert_eq!(code, Some(0));
}
