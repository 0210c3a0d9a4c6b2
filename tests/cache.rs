//! The result cache (`.auditfix_cache/`): a run served from it prints, byte
//! for byte, what `--no-cache` prints, whatever changed in between: a model
//! that drops its mixin, a mixin that loses a setter and a column, a
//! star-imported module that stops exporting a name, files `fix --apply`
//! wrote. A damaged entry or a cache folder that cannot be written changes
//! nothing but the speed.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

const MODELS: &str = r#"from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app.mixins import AuditMixin


class Base(DeclarativeBase):
    pass


class User(Base, AuditMixin):
    __tablename__ = "users"
    email: Mapped[str] = mapped_column()
"#;

const MIXINS: &str = r#"from datetime import datetime

from sqlalchemy.orm import Mapped, mapped_column


class AuditMixin:
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()
    created_by_email: Mapped[str] = mapped_column()
    created_by_name: Mapped[str] = mapped_column()

    def set_created_by(self, email, name):
        self.created_by_email = email
        self.created_by_name = name

    def set_updated_by(self, email, name):
        pass

    def set_deleted_by(self, email, name):
        pass


class AuditContext:
    @classmethod
    def from_user(cls, user):
        return cls()
"#;

/// Star-imported by the service: what it exports is bound there.
const COMMON: &str = r#"from datetime import datetime

from sqlalchemy.exc import IntegrityError

from app.mixins import AuditContext

__all__ = ["datetime", "IntegrityError", "AuditContext"]
"#;

const SERVICE: &str = r#"from app.common import *
from app.models import User


class UserService:
    def __init__(self, db):
        self.db = db

    async def create_user(self, data):
        user = User(email=data.email)
        user.created_by_email = data.email
        self.db.add(user)
        await self.db.flush()
        return user
"#;

const ROUTE: &str = r#"from fastapi import Depends

from app.auth import get_current_user
from app.service import UserService


async def create(data, service: UserService = Depends(), current_user=Depends(get_current_user)):
    return await service.create_user(data)
"#;

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("app");
    fs::create_dir_all(&app).unwrap();
    fs::write(dir.path().join("pyproject.toml"), "[project]\nname = \"x\"\n").unwrap();
    for (name, text) in [
        ("__init__.py", ""),
        ("auth.py", "def get_current_user():\n    return None\n"),
        ("models.py", MODELS),
        ("mixins.py", MIXINS),
        ("common.py", COMMON),
        ("service.py", SERVICE),
        ("routes.py", ROUTE),
    ] {
        fs::write(app.join(name), text).unwrap();
    }
    dir
}

/// A run's standard output, standard error and exit code.
type Run = (String, String, Option<i32>);

fn run(dir: &Path, args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_auditfix"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("AUDITFIX_CACHE_DIR")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
        output.status.code(),
    )
}

/// The command lines compared, each with and without the cache.
const COMMANDS: &[&[&str]] = &[
    &["check"],
    &["check", "--format", "json"],
    &["check", "--format", "sarif"],
    &["check", "--format", "github", "--statistics"],
    &["check", "app/service.py"],
    &["fix"],
    &["fix", "--unsafe"],
];

/// Every command line run twice through the cache (a miss that stores,
/// then a hit), each run the same as `--no-cache`; returns the outputs.
fn same_as_uncached(dir: &Path) -> Vec<Run> {
    COMMANDS
        .iter()
        .map(|args| {
            let mut uncached = args.to_vec();
            uncached.push("--no-cache");
            let expected = run(dir, &uncached);
            for round in ["first", "second"] {
                let got = run(dir, args);
                assert!(
                    got == expected,
                    "{args:?}, {round} run through the cache: {}",
                    difference(&got, &expected)
                );
            }
            expected
        })
        .collect()
}

/// Where two runs differ, in a line or two.
fn difference(got: &Run, expected: &Run) -> String {
    if got.2 != expected.2 {
        return format!("exit code {:?}, expected {:?}", got.2, expected.2);
    }
    for (stream, g, e) in [("stdout", &got.0, &expected.0), ("stderr", &got.1, &expected.1)] {
        if let Some((g, e)) = g.lines().zip(e.lines()).find(|(g, e)| g != e) {
            return format!("{stream}: {g:?}, expected {e:?}");
        }
        if g != e {
            return format!("{stream}: {} lines, expected {}", g.lines().count(), e.lines().count());
        }
    }
    String::new()
}

fn edit(dir: &Path, file: &str, from: &str, to: &str) {
    let path = dir.join("app").join(file);
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{file} has no {from:?}");
    fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

/// [`edit`], the file's modification time put back as it was (as `cp -p`
/// leaves a file).
fn edit_keeping_time(dir: &Path, file: &str, from: &str, to: &str) {
    let path = dir.join("app").join(file);
    let modified = fs::metadata(&path).unwrap().modified().unwrap();
    edit(dir, file, from, to);
    let handle = fs::File::options().write(true).open(&path).unwrap();
    handle.set_modified(modified).unwrap();
}

/// Every `.py` file of the project modified `age` ago, so that the cache
/// trusts their times (a file written just now might change again within
/// the same tick of the clock).
fn age_files(dir: &Path, age: Duration) {
    let when = SystemTime::now() - age;
    for entry in fs::read_dir(dir.join("app")).unwrap() {
        let file = fs::File::options().write(true).open(entry.unwrap().path()).unwrap();
        file.set_modified(when).unwrap();
    }
}

fn entries(dir: &Path) -> Vec<std::path::PathBuf> {
    let version = dir.join(".auditfix_cache").join(env!("CARGO_PKG_VERSION"));
    match fs::read_dir(version) {
        Ok(read) => read.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    }
}

/// The one entry that starts with `magic`: `auditfix-cache` (a run's
/// output) or `auditfix-parts` (its files' per-file parts).
fn entry(dir: &Path, magic: &str) -> std::path::PathBuf {
    let found: Vec<_> = entries(dir)
        .into_iter()
        .filter(|p| fs::read(p).unwrap().starts_with(magic.as_bytes()))
        .collect();
    let [entry] = found.try_into().unwrap();
    entry
}

#[test]
fn each_change_of_a_file_the_results_consulted_is_seen() {
    let dir = project();
    let mut before = same_as_uncached(dir.path());
    assert!(before[0].0.contains("AUD003"), "{}", before[0].0);
    let changes = [
        // The model drops the mixin: no setter for it, AUD011 instead.
        ("models.py", "class User(Base, AuditMixin):", "class User(Base):"),
        // Back, and the mixin loses a column (set by hand in the service),
        // then a setter.
        ("models.py", "class User(Base):", "class User(Base, AuditMixin):"),
        ("mixins.py", "    created_by_email: Mapped[str] = mapped_column()\n", ""),
        (
            "mixins.py",
            "    def set_created_by(self, email, name):\n        self.created_by_email = email\n        self.created_by_name = name\n\n",
            "",
        ),
        // The star-imported module stops exporting `datetime`, then exports it again.
        ("common.py", "from datetime import datetime\n\n", ""),
        ("common.py", "from sqlalchemy.exc", "from datetime import datetime\n\nfrom sqlalchemy.exc"),
    ];
    for (file, from, to) in changes {
        edit(dir.path(), file, from, to);
        let after = same_as_uncached(dir.path());
        assert!(
            after != before,
            "changing {file} ({from:?}) changes nothing:\n{}",
            after[0].0
        );
        before = after;
    }
}

#[test]
fn an_unchanged_tree_is_served_from_the_cache() {
    let dir = project();
    // Old modification times, but change times of now: the contents
    // serve (the stat path is the test below's).
    age_files(dir.path(), Duration::from_secs(3600));
    served_until_changed(dir.path(), false, |dir| {
        edit(
            dir,
            "models.py",
            "class User(Base, AuditMixin):",
            "class User(Base, AuditMixon):",
        );
    });
}

/// A `check` of the project in `dir` stored, its entry forged (see
/// [`forge_entry`]) and served, then `change` made: the next run is
/// checked, the same as without the cache, and not what it was.
fn served_until_changed(dir: &Path, stat_only: bool, change: impl FnOnce(&Path)) {
    let expected = run(dir, &["check", "--format", "json"]);
    let stdout = forge_entry(dir, stat_only);
    let served = run(dir, &["check", "--format", "json"]);
    assert_eq!(served, (stdout, expected.1.clone(), expected.2));
    // Without the cache, the files are checked.
    assert_eq!(run(dir, &["check", "--format", "json", "--no-cache"]), expected);
    change(dir);
    let changed = run(dir, &["check", "--format", "json"]);
    assert_eq!(changed, run(dir, &["check", "--format", "json", "--no-cache"]));
    assert_ne!(changed, expected);
}

/// The output of the one run entry of the project in `dir` replaced (its
/// checksum made anew): a run that prints it was served from the cache.
/// With `stat_only`, its content fingerprint is replaced too: only the
/// stat fingerprint can serve it. Returns the output put in.
fn forge_entry(dir: &Path, stat_only: bool) -> String {
    let entry = entry(dir, "auditfix-cache");
    let bytes = fs::read(&entry).unwrap();
    let mut lines = bytes.splitn(3, |b| *b == b'\n');
    let (magic, header) = (lines.next().unwrap(), lines.next().unwrap());
    let mut header: serde_json::Value = serde_json::from_slice(header).unwrap();
    let stdout = b"served from the cache\n";
    let stderr = header["stderr"].as_u64().unwrap() as usize;
    let payload = [
        &stdout[..],
        &lines.next().unwrap()[header["stdout"].as_u64().unwrap() as usize..],
    ]
    .concat();
    assert_eq!(payload.len(), stdout.len() + stderr);
    header["stdout"] = stdout.len().into();
    header["checksum"] = format!("{:032x}", xxhash_rust::xxh3::xxh3_128(&payload)).into();
    if stat_only {
        assert!(header["stat"].is_string(), "no stat fingerprint: {header}");
        header["content"] = format!("{:032x}", 0).into();
    }
    let forged = [magic, b"\n", &serde_json::to_vec(&header).unwrap(), b"\n", &payload].concat();
    fs::write(&entry, forged).unwrap();
    stdout_string(stdout)
}

fn stdout_string(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[test]
fn files_fix_apply_wrote_are_checked_again() {
    let dir = project();
    age_files(dir.path(), Duration::from_secs(3600));
    let before = same_as_uncached(dir.path());
    let (_, stderr, code) = run(dir.path(), &["fix", "--apply", "--allow-dirty"]);
    assert!(code.is_some_and(|c| c < 2), "{stderr}");
    let after = same_as_uncached(dir.path());
    assert_ne!(after[0], before[0]);
    assert!(!after[0].0.contains("AUD003"), "{}", after[0].0);
}

#[test]
fn a_report_written_to_a_file_is_written_again_when_served() {
    let dir = project();
    let report = dir.path().join("out/report.json");
    let mut expected = None;
    for args in [&["--no-cache"][..], &[], &[]] {
        let _ = fs::remove_file(&report);
        let mut full = vec!["check", "--format", "json", "--output", "out/report.json"];
        full.extend(args);
        let (stdout, stderr, code) = run(dir.path(), &full);
        let written = fs::read_to_string(&report).unwrap();
        assert!(written.contains("\"findings\""), "{written}");
        let got = (stdout, stderr, code, written);
        assert_eq!(expected.get_or_insert_with(|| got.clone()), &got, "{args:?}");
    }
}

#[test]
fn a_damaged_entry_is_a_miss_not_an_error() {
    let dir = project();
    let expected = run(dir.path(), &["check", "--no-cache"]);
    assert_eq!(run(dir.path(), &["check"]), expected);
    let output = entry(dir.path(), "auditfix-cache");
    let parts = entry(dir.path(), "auditfix-parts");
    for entry in [&output, &parts] {
        let bytes = fs::read(entry).unwrap();
        for damaged in [
            bytes[..bytes.len() / 2].to_vec(),
            bytes[..20].to_vec(),
            Vec::new(),
            b"\xff\xfe\x00not an entry\n{}\n".to_vec(),
            [&bytes[..], b"trailing"].concat(),
        ] {
            fs::write(entry, &damaged).unwrap();
            // Without the output, the run goes through the parts.
            if *entry == parts {
                fs::remove_file(&output).unwrap();
            }
            assert_eq!(run(dir.path(), &["check"]), expected);
            // The run stored a sound entry again.
            assert_eq!(fs::read(entry).unwrap().len(), bytes.len());
        }
    }
}

#[test]
fn a_cache_folder_that_cannot_be_written_does_not_fail_the_run() {
    let dir = project();
    let expected = run(dir.path(), &["check", "--no-cache"]);
    // A folder below a file can never be created (whoever runs the test).
    fs::write(dir.path().join("blocker"), "").unwrap();
    for _ in 0..2 {
        assert_eq!(run(dir.path(), &["check", "--cache-dir", "blocker/cache"]), expected);
    }
    let fix = run(dir.path(), &["fix", "--no-cache"]);
    assert_eq!(run(dir.path(), &["fix", "--cache-dir", "blocker/cache"]), fix);
}

#[test]
fn the_cache_folder_ignores_itself_and_no_cache_makes_none() {
    let dir = project();
    run(dir.path(), &["check", "--no-cache"]);
    run(dir.path(), &["fix", "--no-cache"]);
    assert!(!dir.path().join(".auditfix_cache").exists());
    run(dir.path(), &["check"]);
    let ignore = fs::read_to_string(dir.path().join(".auditfix_cache/.gitignore")).unwrap();
    assert!(ignore.lines().any(|l| l == "*"), "{ignore}");
    // From below the project's root, the cache is still the root's.
    let output = Command::new(env!("CARGO_BIN_EXE_auditfix"))
        .args(["check", "."])
        .current_dir(dir.path().join("app"))
        .env_remove("AUDITFIX_CACHE_DIR")
        .output()
        .unwrap();
    assert!(output.status.code().is_some_and(|c| c < 2));
    assert!(!dir.path().join("app/.auditfix_cache").exists());
    // AUDITFIX_CACHE_DIR moves it.
    let elsewhere = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_auditfix"))
        .arg("check")
        .current_dir(dir.path())
        .env("AUDITFIX_CACHE_DIR", elsewhere.path())
        .output()
        .unwrap();
    assert!(output.status.code().is_some_and(|c| c < 2));
    assert!(elsewhere.path().join(".gitignore").is_file());
}

/// The inode of the file at `path` (0 where there are none).
fn file_identity(path: &Path) -> u64 {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        fs::metadata(path).unwrap().ino()
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        0
    }
}

/// One `check` of the project in `dir` through the parts kept in `store`:
/// its result (as its debug form), the same without the parts, and the
/// files whose parts were made anew and those the callers' step parsed,
/// by name.
fn kept_check(dir: &Path, store: &Path) -> (String, String, Vec<String>, Vec<String>) {
    kept_check_of(dir, &[dir.to_path_buf()], store)
}

/// [`kept_check`] of `paths` in the project in `dir`.
fn kept_check_of(dir: &Path, paths: &[std::path::PathBuf], store: &Path) -> (String, String, Vec<String>, Vec<String>) {
    let (kept, uncached, checked, answered, _) = kept_run_of(dir, paths, store);
    (kept, uncached, checked, answered)
}

/// [`kept_check_of`], with the files the callers' step searched for the
/// names of its rounds, their answers not kept (by name).
fn kept_run_of(
    dir: &Path,
    paths: &[std::path::PathBuf],
    store: &Path,
) -> (String, String, Vec<String>, Vec<String>, Vec<String>) {
    use auditfix::pipeline::Workspace;
    let paths = paths.to_vec();
    let load = || {
        let config = auditfix::config::load(&paths, &auditfix::config::Overrides::default()).unwrap();
        Workspace::load(&paths, config)
    };
    let workspace = load();
    let parts = auditfix::cache::parts::Parts::new(store, Some(dir), &[b"test"]);
    let run = workspace.check_reporting_kept(false, &parts);
    let names = |ids: &[usize]| -> Vec<String> {
        ids.iter()
            .map(|i| {
                workspace.files[*i]
                    .path
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect()
    };
    let uncached = load().check_reporting(false);
    (
        format!("{:?}", run.result),
        format!("{uncached:?}"),
        names(&run.checked),
        names(&run.answered),
        names(&run.searched),
    )
}

#[test]
fn an_edit_checks_again_only_the_files_it_can_reach() {
    let dir = project();
    let store = tempfile::tempdir().unwrap();
    let check = || {
        let (kept, uncached, checked, answered) = kept_check(dir.path(), store.path());
        assert_eq!(
            kept, uncached,
            "through the parts, after making {checked:?} and {answered:?}"
        );
        (checked, answered)
    };
    let (all, answered) = check();
    for name in ["service.py", "models.py", "mixins.py", "common.py", "routes.py"] {
        assert!(all.iter().any(|m| m == name), "{name} not made at first: {all:?}");
    }
    // The route calls the service's write method: the callers' step
    // parses it for that call.
    assert_eq!(answered, ["routes.py"]);
    // Nothing changed: every part and answer is kept, and the entry is
    // left as it was.
    let stored = parts_entry(store.path());
    assert_eq!(check(), (vec![], vec![]));
    assert!(parts_entry(store.path()) == stored);
    // A comment in a module nothing reads: only its own part.
    fs::write(dir.path().join("app/__init__.py"), "# the app\n").unwrap();
    assert_eq!(check(), (vec!["__init__.py".to_string()], vec![]));
    // A comment in the module the route imports its dependency from: that
    // module's part, and the route's answer (it read the module).
    edit(
        dir.path(),
        "auth.py",
        "    return None\n",
        "    return None  # nobody\n",
    );
    assert_eq!(check(), (vec!["auth.py".to_string()], vec!["routes.py".to_string()]));
    // A comment in the service: only the service. Its model, its mixin,
    // the module it star-imports read nothing of it; the route's answer
    // read its module facts (to resolve the call), which a comment does
    // not change. (The module above had no facts on record: nothing had
    // read them when the parts were stored.)
    edit(
        dir.path(),
        "service.py",
        "        return user\n",
        "        return user  # the row\n",
    );
    assert_eq!(check(), (vec!["service.py".to_string()], vec![]));
    // A change of its facts (a new import) remakes the route's answer.
    edit(
        dir.path(),
        "service.py",
        "from app.models import User\n",
        "from app.models import User\nimport os\n",
    );
    assert_eq!(check(), (vec!["service.py".to_string()], vec!["routes.py".to_string()]));
    // The route itself.
    edit(
        dir.path(),
        "routes.py",
        "    return await",
        "    # created\n    return await",
    );
    let (checked, answered) = check();
    assert_eq!(
        (checked, answered),
        (vec!["routes.py".to_string()], vec!["routes.py".to_string()])
    );
    // The mixin loses a setter: the mixin, and the service, whose model
    // inherits it; not the module the service star-imports.
    edit(
        dir.path(),
        "mixins.py",
        "    def set_updated_by(self, email, name):\n        pass\n\n",
        "",
    );
    let (made, _) = check();
    assert!(
        made.iter().any(|m| m == "mixins.py") && made.iter().any(|m| m == "service.py"),
        "{made:?}"
    );
    assert!(!made.iter().any(|m| m == "common.py" || m == "auth.py"), "{made:?}");
    // The star-imported module stops exporting `datetime`: the service.
    edit(dir.path(), "common.py", "from datetime import datetime\n\n", "");
    let (made, _) = check();
    assert!(made.iter().any(|m| m == "service.py"), "{made:?}");
    assert!(!made.iter().any(|m| m == "mixins.py" || m == "models.py"), "{made:?}");
    // A new file nothing names makes its own part, and no other.
    fs::write(dir.path().join("app/other.py"), "class Unrelated:\n    pass\n").unwrap();
    assert_eq!(check(), (vec!["other.py".to_string()], vec![]));
    // A class defined anew, of a name the service looked up (its model):
    // another module now defines `User`.
    edit(dir.path(), "other.py", "class Unrelated:", "class User:");
    let (made, _) = check();
    assert!(
        made.iter().any(|m| m == "service.py") && made.iter().any(|m| m == "other.py"),
        "{made:?}"
    );
    assert!(!made.iter().any(|m| m == "common.py"), "{made:?}");
    // The service's class moves to another module, which the service
    // module imports it from: the route's call now reaches the method
    // there (an answer kept from before would name the old place, and the
    // route's missing user would go unseen).
    fs::write(dir.path().join("app/impl.py"), "").unwrap();
    check();
    fs::write(dir.path().join("app/impl.py"), SERVICE).unwrap();
    fs::write(dir.path().join("app/service.py"), "from app.impl import UserService\n").unwrap();
    let (_, answered) = check();
    assert_eq!(answered, ["routes.py"]);
}

/// The one parts entry in `store`: its bytes, and the file's identity (an
/// entry written anew is another file renamed over it).
fn parts_entry(store: &Path) -> (Vec<u8>, u64) {
    let version = store.join(env!("CARGO_PKG_VERSION"));
    let parts: Vec<(Vec<u8>, u64)> = fs::read_dir(version)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|path| (fs::read(&path).unwrap(), file_identity(&path)))
        .filter(|(bytes, _)| bytes.starts_with(b"auditfix-parts"))
        .collect();
    let [parts] = parts.try_into().unwrap();
    parts
}

/// What `check` makes again through the parts of the project in `dir`
/// (kept in `store`), as [`kept_check`] says, asserting that the result is
/// the one made without them.
fn made_again(dir: &Path, store: &Path) -> (Vec<String>, Vec<String>) {
    let (kept, uncached, checked, answered) = kept_check(dir, store);
    assert_eq!(
        kept, uncached,
        "through the parts, after making {checked:?} and {answered:?}"
    );
    (checked, answered)
}

fn has(made: &[String], name: &str) -> bool {
    made.iter().any(|m| m == name)
}

#[test]
fn a_file_added_removed_or_renamed_checks_again_only_what_it_can_reach() {
    let dir = project();
    let store = tempfile::tempdir().unwrap();
    let app = dir.path().join("app");
    let (all, _) = made_again(dir.path(), store.path());
    assert!(all.len() >= 6, "{all:?}");
    // A file first in order: every other one moves up one place, and what
    // each part and answer read moves with it. A change of the service's
    // facts reaches the route's answer, which read them.
    fs::write(app.join("__about__.py"), "VERSION = 1\n").unwrap();
    assert_eq!(
        made_again(dir.path(), store.path()),
        (vec!["__about__.py".to_string()], vec![])
    );
    edit(
        dir.path(),
        "service.py",
        "from app.models import User\n",
        "from app.models import User\nimport os\n",
    );
    assert_eq!(
        made_again(dir.path(), store.path()),
        (vec!["service.py".to_string()], vec!["routes.py".to_string()])
    );
    // Another such file; a change of the model's facts (its mixin
    // dropped) reaches the service's part, which read them.
    fs::write(app.join("__a__.py"), "VERSION = 0\n").unwrap();
    assert_eq!(
        made_again(dir.path(), store.path()),
        (vec!["__a__.py".to_string()], vec![])
    );
    edit(
        dir.path(),
        "models.py",
        "class User(Base, AuditMixin):",
        "class User(Base):",
    );
    let (made, _) = made_again(dir.path(), store.path());
    assert_eq!(made, ["models.py", "service.py"]);
    fs::write(app.join("models.py"), MODELS).unwrap();
    made_again(dir.path(), store.path());
    // A module nobody imports, defining a class of a name the service
    // looked up (its model's mixin), first in module order: the lookup
    // finds it now, and again the first one when it is gone.
    fs::write(app.join("legacy.py"), "class AuditMixin:\n    pass\n").unwrap();
    let (made, _) = made_again(dir.path(), store.path());
    assert_eq!(made, ["legacy.py", "service.py"]);
    fs::remove_file(app.join("legacy.py")).unwrap();
    let (made, _) = made_again(dir.path(), store.path());
    assert_eq!(made, ["service.py"]);
    // Gone, then back: the model module. The service read its facts and
    // looked up its name; the module that imports nothing of it is kept.
    fs::remove_file(app.join("models.py")).unwrap();
    let (made, _) = made_again(dir.path(), store.path());
    assert!(has(&made, "service.py"), "{made:?}");
    assert!(!has(&made, "auth.py") && !has(&made, "__init__.py"), "{made:?}");
    fs::write(app.join("models.py"), MODELS).unwrap();
    let (made, _) = made_again(dir.path(), store.path());
    assert!(has(&made, "models.py") && has(&made, "service.py"), "{made:?}");
    assert!(!has(&made, "auth.py") && !has(&made, "__init__.py"), "{made:?}");
    // A rename: the mixin module moves. The service's model inherits a
    // class the module defined, imported by the module's old name. (The
    // model's own part and the common module's looked nothing up there.)
    fs::rename(app.join("mixins.py"), app.join("audit.py")).unwrap();
    let (made, _) = made_again(dir.path(), store.path());
    assert_eq!(made, ["audit.py", "service.py"]);
    // A module another one's name is a suffix of: `app.models`, which the
    // service imports its model from, ends `vendor.app.models`. A lookup
    // by that name may find either; it defines no class: only the lookup
    // of its name reaches the service.
    let vendor = dir.path().join("vendor/app");
    fs::create_dir_all(&vendor).unwrap();
    fs::write(vendor.join("models.py"), "VERSION = 1\n").unwrap();
    let (made, _) = made_again(dir.path(), store.path());
    assert_eq!(made, ["service.py", "models.py"]);
    // Nothing changed since: nothing is made.
    assert_eq!(made_again(dir.path(), store.path()), (vec![], vec![]));
    // A file nothing read, removed: nothing is made, and the entry is
    // stored again, of the files there are now; then left as it is.
    let before = parts_entry(store.path());
    fs::remove_file(app.join("__a__.py")).unwrap();
    assert_eq!(made_again(dir.path(), store.path()), (vec![], vec![]));
    let after = parts_entry(store.path());
    assert!(after != before);
    assert_eq!(made_again(dir.path(), store.path()), (vec![], vec![]));
    assert!(parts_entry(store.path()) == after);
}

#[test]
fn a_file_added_changes_what_went_through_every_module() {
    // A mixin whose `created_by` column is text, with no setter: what goes
    // in it is what the repository's code writes into it elsewhere, which
    // the service's check learns by going through every module.
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("app");
    fs::create_dir_all(&app).unwrap();
    fs::write(dir.path().join("pyproject.toml"), "[project]\nname = \"x\"\n").unwrap();
    let models = r#"from datetime import datetime

from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class AuditMixin:
    created_at: Mapped[datetime] = mapped_column()
    created_by: Mapped[str] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()
    updated_by: Mapped[str] = mapped_column()


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column()


class Item(Base, AuditMixin):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(primary_key=True)
"#;
    let service = r#"from sqlalchemy.orm import Session

from app.models import Item, User


class ItemService:
    def __init__(self, db: Session):
        self.db = db

    def create_item(self, data, current_user: User):
        item = Item()
        self.db.add(item)
        self.db.commit()
        return item
"#;
    for (name, text) in [("__init__.py", ""), ("models.py", models), ("service.py", service)] {
        fs::write(app.join(name), text).unwrap();
    }
    let store = tempfile::tempdir().unwrap();
    let (before, _, _, _) = kept_check(dir.path(), store.path());
    assert!(!before.contains("MissingAuditSetter"), "{before}");
    // A job writes the user's name into the column: the service's create
    // now has a stamp to miss.
    fs::write(
        app.join("jobs.py"),
        "from app.models import Item, User\n\n\ndef mark(item: Item, current_user: User):\n    item.created_by = current_user.username\n",
    )
    .unwrap();
    let (after, uncached, made, _) = kept_check(dir.path(), store.path());
    assert_eq!(after, uncached, "after making {made:?}");
    assert!(after.contains("MissingAuditSetter"), "{after}");
    assert!(has(&made, "service.py") && has(&made, "jobs.py"), "{made:?}");
    assert!(!has(&made, "models.py"), "{made:?}");
}

#[test]
fn the_callers_step_searches_again_only_the_files_that_changed() {
    let dir = project();
    let store = tempfile::tempdir().unwrap();
    let whole = [dir.path().to_path_buf()];
    let run = || {
        let (kept, uncached, checked, answered, searched) = kept_run_of(dir.path(), &whole, store.path());
        assert_eq!(
            kept, uncached,
            "after making {checked:?}, {answered:?} and {searched:?}"
        );
        (checked, answered, searched)
    };
    // The files that take no part are searched for the names of the
    // rounds: those that name none are not parsed.
    let (_, answered, searched) = run();
    assert_eq!(answered, ["routes.py"]);
    for name in ["__init__.py", "auth.py", "mixins.py", "models.py"] {
        assert!(has(&searched, name), "{name} not searched: {searched:?}");
    }
    // An edit of the service: none is read again.
    edit(
        dir.path(),
        "service.py",
        "        return user\n",
        "        return user  # the row\n",
    );
    assert_eq!(run(), (vec!["service.py".to_string()], vec![], vec![]));
    // An edit of one of them: that one.
    edit(
        dir.path(),
        "mixins.py",
        "class AuditContext:",
        "# the context\nclass AuditContext:",
    );
    let (_, _, searched) = run();
    assert_eq!(searched, ["mixins.py"]);
}

#[test]
fn a_hook_naming_the_changed_files_reuses_the_parts_of_a_whole_check() {
    let dir = project();
    let store = tempfile::tempdir().unwrap();
    let service = dir.path().join("app/service.py");
    let (kept, uncached, all, _) = kept_check(dir.path(), store.path());
    assert_eq!(kept, uncached);
    assert!(all.len() >= 6, "{all:?}");
    // A pre-commit hook names the changed file: the rest of the project
    // is its context, checked as before.
    edit(
        dir.path(),
        "service.py",
        "        return user\n",
        "        return user  # the row\n",
    );
    let (kept, uncached, checked, answered) = kept_check_of(dir.path(), std::slice::from_ref(&service), store.path());
    assert_eq!(kept, uncached);
    assert_eq!((checked, answered), (vec!["service.py".to_string()], vec![]));
    // And the next whole check reuses the hook's parts.
    let (kept, uncached, checked, answered) = kept_check(dir.path(), store.path());
    assert_eq!(kept, uncached);
    assert_eq!((checked, answered), (vec![], vec![]));
}

/// The `.py` files of the project in `dir`, by name.
fn sources(dir: &Path) -> std::collections::BTreeMap<String, String> {
    fs::read_dir(dir.join("app"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "py"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                fs::read_to_string(&p).unwrap(),
            )
        })
        .collect()
}

#[test]
fn fix_apply_through_the_parts_writes_what_it_writes_without_them() {
    let (cached, uncached) = (project(), project());
    // The parts of a whole check are there; then a hook names the file
    // that changed, as pre-commit does, and applies the fixes.
    let (_, _, code) = run(cached.path(), &["check"]);
    assert_eq!(code, Some(1));
    for dir in [&cached, &uncached] {
        edit(
            dir.path(),
            "service.py",
            "        return user\n",
            "        return user  # the row\n",
        );
    }
    for args in [
        &["fix", "--apply", "--allow-dirty", "app/service.py"][..],
        &["fix", "--apply", "--allow-dirty", "--unsafe", "app/service.py"],
        &["fix", "--apply", "--allow-dirty", "--unsafe"],
    ] {
        let through = run(cached.path(), args);
        let without = run(uncached.path(), &[args, &["--no-cache"]].concat());
        assert!(through == without, "{args:?}: {}", difference(&through, &without));
        assert_eq!(sources(cached.path()), sources(uncached.path()), "{args:?}");
    }
    // Something was fixed, across files too (the route passes the user).
    let fixed = sources(cached.path());
    assert!(
        fixed["service.py"].contains("set_created_by"),
        "{}",
        fixed["service.py"]
    );
    assert!(fixed["routes.py"].contains("current_user"), "{}", fixed["routes.py"]);
    assert_ne!(fixed, sources(project().path()));
}

/// Long enough for every file of a project written just now to be trusted
/// by its times (the cache's margin is two seconds).
const TRUSTED_AFTER: Duration = Duration::from_millis(2600);

/// Loads of the project in `dir` through the scans kept in `store`: the
/// workspace's check (its debug form), the same of a load without the
/// scans, and how many files the load read.
fn scanned_load(dir: &Path, paths: &[std::path::PathBuf], store: &Path) -> (String, String, usize) {
    use auditfix::pipeline::Workspace;
    let config = || auditfix::config::load(paths, &auditfix::config::Overrides::default()).unwrap();
    let scans = auditfix::cache::scans::Scans::open(store, Some(dir), &[b"test"]);
    let discovered = Workspace::discover(paths, &config());
    let (workspace, read) = Workspace::load_discovered_scanned(paths, discovered, config(), true, Some(&scans));
    let uncached = Workspace::load(paths, config());
    for (a, b) in workspace.files.iter().zip(&uncached.files) {
        assert_eq!((&a.display, a.hash, a.candidate), (&b.display, b.hash, b.candidate));
    }
    (
        format!("{:?}", workspace.check_reporting(false)),
        format!("{:?}", uncached.check_reporting(false)),
        read,
    )
}

#[test]
fn a_file_unchanged_since_the_last_run_is_not_read_again() {
    let dir = project();
    let store = tempfile::tempdir().unwrap();
    let whole = [dir.path().to_path_buf()];
    // Files written just now are read again: they could change within
    // the same tick of the clock.
    let (got, expected, read) = scanned_load(dir.path(), &whole, store.path());
    assert_eq!((got == expected, read), (true, 7));
    let (_, _, read) = scanned_load(dir.path(), &whole, store.path());
    assert_eq!(read, 7);
    std::thread::sleep(TRUSTED_AFTER);
    let (_, _, read) = scanned_load(dir.path(), &whole, store.path());
    assert_eq!(read, 7, "scans stored under untrusted times are made again");
    let (got, expected, read) = scanned_load(dir.path(), &whole, store.path());
    assert_eq!((got == expected, read), (true, 0));
    // A hook naming one file reads the rest by absolute paths: the same scans.
    let named = [dir.path().join("app").join("routes.py")];
    let (got, expected, read) = scanned_load(dir.path(), &named, store.path());
    assert_eq!((got == expected, read), (true, 0));

    // An edit: that file only.
    edit(
        dir.path(),
        "service.py",
        "self.db.add(user)",
        "self.db.add(user)  # new",
    );
    let (got, expected, read) = scanned_load(dir.path(), &whole, store.path());
    assert_eq!((got == expected, read), (true, 1));
    // Its time restored, its size the same (as `cp -p` leaves a file): its
    // change time tells.
    std::thread::sleep(TRUSTED_AFTER);
    let (_, _, read) = scanned_load(dir.path(), &whole, store.path());
    assert_eq!(read, 1, "the edited file, trusted from now on");
    let (before, _, _) = scanned_load(dir.path(), &whole, store.path());
    edit_keeping_time(dir.path(), "service.py", "self.db.add(user)", "self.db.xyz(user)");
    let (got, expected, read) = scanned_load(dir.path(), &whole, store.path());
    assert_eq!((got == expected, read), (true, 1), "{got}\n{expected}");
    assert_ne!(got, before, "the edit changes the findings");
    // A file added, and one removed: the new file is read, and the service
    // again (changed within the margin of the last run).
    fs::write(dir.path().join("app").join("extra.py"), "x = 1\n").unwrap();
    fs::remove_file(dir.path().join("app").join("auth.py")).unwrap();
    let (got, expected, read) = scanned_load(dir.path(), &whole, store.path());
    assert_eq!((got == expected, read), (true, 2));
}

#[test]
fn an_old_unchanged_tree_is_served_by_its_sizes_and_times_alone() {
    let dir = project();
    std::thread::sleep(TRUSTED_AFTER);
    // A same-size edit whose modification time is put back: its change
    // time tells, and the files are read.
    served_until_changed(dir.path(), true, |dir| {
        edit_keeping_time(
            dir,
            "models.py",
            "class User(Base, AuditMixin):",
            "class User(Base, AuditMixon):",
        );
    });
}

#[cfg(unix)]
#[test]
fn an_edit_of_a_linked_files_target_is_seen_by_its_time() {
    let dir = project();
    // The model lives outside the folder checked, linked into it: the
    // link's own metadata does not change when the model does.
    let shared = dir.path().join("shared");
    fs::create_dir_all(&shared).unwrap();
    fs::rename(dir.path().join("app/models.py"), shared.join("models.py")).unwrap();
    std::os::unix::fs::symlink("../shared/models.py", dir.path().join("app/models.py")).unwrap();
    std::thread::sleep(TRUSTED_AFTER);
    let args = ["check", "--format", "json", "app"];
    let expected = run(dir.path(), &args);
    assert!(expected.0.contains("\"AUD"), "{}", expected.0);
    // Served by its sizes and times alone (the contents' fingerprint forged).
    let stdout = forge_entry(dir.path(), true);
    assert_eq!(run(dir.path(), &args).0, stdout);
    edit(
        dir.path(),
        "models.py",
        "class User(Base, AuditMixin):",
        "class User(Base, AuditMixon):",
    );
    let changed = run(dir.path(), &args);
    assert_eq!(
        changed,
        run(dir.path(), &["check", "--format", "json", "app", "--no-cache"])
    );
    assert_ne!(changed.0, stdout);
    assert_ne!(changed.0, expected.0);
}

#[test]
fn a_same_size_edit_with_its_time_put_back_is_seen_by_the_commands() {
    let dir = project();
    std::thread::sleep(TRUSTED_AFTER);
    let before = same_as_uncached(dir.path());
    edit_keeping_time(dir.path(), "service.py", "self.db.add(user)", "self.db.xyz(user)");
    let after = same_as_uncached(dir.path());
    assert_ne!(after[0], before[0], "the edit changes the findings");
}
