//! Crash consistency: `auditfix fix --apply` killed with SIGKILL at random
//! moments leaves every file byte-identical to its original or to its fully
//! fixed version, never torn, and nothing but recognizable temporary files
//! (`.auditfix-tmp-*`, which the next run removes) beside them.
//!
//! The tree: the example app plus generated service files derived from its
//! services (some with CRLF line endings, some with a BOM). The fixed
//! version of each file comes from one complete run on a copy; then, per
//! kill, a fresh copy is written, a run started and killed (a quarter of
//! the kills at a random moment of the whole run, the rest at a random
//! moment of its write phase, which starts when the first file to change
//! is replaced), and the tree compared. Every
//! few kills (and after every kill that left a temporary file) a recovery
//! run completes the work: afterwards every file is fixed and no temporary
//! file is left.
//!
//! Sizes (defaults keep `cargo test` quick; the bar is 200 kills):
//! - `AUDITFIX_CRASH_KILLS` (default 40): how many runs are killed;
//! - `AUDITFIX_CRASH_FILES` (default 80): generated service files;
//! - `AUDITFIX_CRASH_SEED`: the random seed (printed, to replay a failure).
//!
//! For example: `AUDITFIX_CRASH_KILLS=200 AUDITFIX_CRASH_FILES=1000 cargo
//! test --release --test crash -- --nocapture`.
#![cfg(unix)]

mod common;

use common::{auditfix, env_number, write_tree};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

const EXAMPLE: &str = "examples/audit_app/app";
const TEMP_PREFIX: &str = ".auditfix-tmp-";

/// A small deterministic generator (xorshift64*), so a failing seed replays.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0.0..1.0`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Every file below `root`, relative, with its bytes.
fn read_tree(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                // The result cache (`fix --apply` keeps the per-file
                // findings there, written aside and renamed) is not the
                // user's code.
                if entry.file_name() != ".auditfix_cache" {
                    stack.push(path);
                }
            } else {
                let relative = path.strip_prefix(root).unwrap().to_path_buf();
                out.insert(relative, fs::read(&path).unwrap());
            }
        }
    }
    out
}

/// The example app plus `count` service files derived from its services.
fn generate(count: usize) -> BTreeMap<PathBuf, Vec<u8>> {
    let example = read_tree(Path::new(EXAMPLE));
    let services: Vec<Vec<u8>> = example
        .iter()
        .filter(|(p, _)| {
            let name = p.to_string_lossy();
            name.contains("services") && !name.ends_with("__init__.py")
        })
        .map(|(_, b)| b.clone())
        .collect();
    assert!(services.len() >= 5, "the example app's services");
    let mut tree: BTreeMap<PathBuf, Vec<u8>> = example
        .into_iter()
        .map(|(p, b)| (Path::new("app").join(p), b))
        .collect();
    for i in 0..count {
        let text = String::from_utf8(services[i % services.len()].clone()).unwrap();
        let mut text = format!("# Generated copy {i}.\n{text}");
        if i % 7 == 3 {
            text = text.replace('\n', "\r\n");
        }
        let mut bytes = text.into_bytes();
        if i % 11 == 5 {
            bytes.splice(0..0, *b"\xEF\xBB\xBF");
        }
        let path = PathBuf::from(format!("app/features/generated/group_{}/service_{i}.py", i / 50));
        tree.insert(path, bytes);
    }
    tree
}

/// The inode of `path` (a write replaces it).
fn inode(path: &Path) -> Option<u64> {
    use std::os::unix::fs::MetadataExt;
    fs::metadata(path).ok().map(|m| m.ino())
}

/// Wait until `path` is replaced or `child` exits; returns the time waited.
fn wait_for_change(child: &mut std::process::Child, path: &Path) -> Duration {
    let started = Instant::now();
    let before = inode(path);
    while inode(path) == before && child.try_wait().unwrap().is_none() {
        std::thread::sleep(Duration::from_micros(500));
    }
    started.elapsed()
}

/// Run to completion; returns (the whole run, the write phase: from the
/// first file replaced to the exit).
fn timed_run(root: &Path, first: &Path) -> (Duration, Duration) {
    let started = Instant::now();
    let mut child = auditfix(root).stderr(Stdio::null()).spawn().unwrap();
    let before_writes = wait_for_change(&mut child, &root.join(first));
    assert!(matches!(child.wait().unwrap().code(), Some(0 | 1)));
    let total = started.elapsed();
    (total, total.saturating_sub(before_writes).max(Duration::from_millis(1)))
}

/// Compare the tree at `root` with the originals and fixed versions;
/// returns (files fixed, temporary files left). Panics on a torn file, a
/// missing file, or an unknown one.
fn inspect(
    root: &Path,
    originals: &BTreeMap<PathBuf, Vec<u8>>,
    fixed: &BTreeMap<PathBuf, Vec<u8>>,
    what: &str,
) -> (usize, usize) {
    let now = read_tree(root);
    let (mut done, mut temps) = (0, 0);
    for (path, bytes) in &now {
        let name = path.file_name().unwrap().to_string_lossy();
        if name.starts_with(TEMP_PREFIX) {
            temps += 1;
            continue;
        }
        let original = originals
            .get(path)
            .unwrap_or_else(|| panic!("{what}: unknown file {}", path.display()));
        let expected = &fixed[path];
        if bytes == expected {
            done += usize::from(original != expected);
        } else {
            assert!(
                bytes == original,
                "{what}: {} is neither its original nor its fixed version ({} bytes; original {}, fixed {})",
                path.display(),
                bytes.len(),
                original.len(),
                expected.len()
            );
        }
    }
    for path in originals.keys() {
        assert!(now.contains_key(path), "{what}: {} is gone", path.display());
    }
    (done, temps)
}

#[test]
fn killed_runs_leave_every_file_old_or_new() {
    let kills = env_number("AUDITFIX_CRASH_KILLS", 40);
    let count = env_number("AUDITFIX_CRASH_FILES", 80) as usize;
    let seed = env_number("AUDITFIX_CRASH_SEED", 0).max(1);
    let seed = if std::env::var_os("AUDITFIX_CRASH_SEED").is_some() {
        seed
    } else {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64
            | 1
    };
    eprintln!("crash test: {kills} kills, {count} generated files, AUDITFIX_CRASH_SEED={seed}");
    let mut rng = Rng(seed);

    let originals = generate(count);
    // One complete run gives the fixed version of every file.
    let reference = tempfile::tempdir().unwrap();
    write_tree(reference.path(), &originals);
    let output = auditfix(reference.path()).output().unwrap();
    // 0, or 1 for findings left without a fix: it ran to the end.
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let fixed = read_tree(reference.path());
    assert_eq!(fixed.len(), originals.len());
    let changing = originals.iter().filter(|(p, b)| fixed[*p] != **b).count();
    assert!(changing > count / 2, "most generated files get fixes ({changing})");
    // Fixing the fixed tree changes nothing.
    let output = auditfix(reference.path()).output().unwrap();
    assert!(matches!(output.status.code(), Some(0 | 1)));
    assert_eq!(read_tree(reference.path()), fixed);
    // Files are written in path order: the first one changing marks the
    // start of the write phase.
    let first = originals
        .iter()
        .find(|(p, b)| p.extension().is_some_and(|e| e == "py") && fixed[*p] != **b)
        .map(|(p, _)| p.clone())
        .unwrap();
    let timed = tempfile::tempdir().unwrap();
    write_tree(timed.path(), &originals);
    let (total, writing) = timed_run(timed.path(), &first);
    eprintln!(
        "a complete run takes {total:?}, writing {writing:?} of it; {changing} of {} files change",
        originals.len()
    );

    let (mut none, mut partial, mut all, mut with_temps, mut recoveries) = (0, 0, 0, 0, 0);
    for kill in 0..kills {
        let dir = tempfile::tempdir().unwrap();
        write_tree(dir.path(), &originals);
        let mut child = auditfix(dir.path()).stderr(Stdio::null()).spawn().unwrap();
        // A quarter anywhere in the run; the rest within the write phase.
        let delay = if rng.unit() < 0.25 {
            let delay = total.mul_f64(rng.unit());
            std::thread::sleep(delay);
            delay
        } else {
            let start = wait_for_change(&mut child, &dir.path().join(&first));
            let delay = writing.mul_f64(0.8 * rng.unit());
            std::thread::sleep(delay);
            start + delay
        };
        let _ = child.kill(); // SIGKILL
        let status = child.wait().unwrap();
        let what = format!("kill {kill} after {delay:?} ({status})");
        let (done, temps) = inspect(dir.path(), &originals, &fixed, &what);
        match done {
            0 => none += 1,
            d if d == changing => all += 1,
            _ => partial += 1,
        }
        if temps > 0 {
            with_temps += 1;
        }
        if temps > 0 || kill % 10 == 0 {
            // The next run finishes the work and removes what was left.
            recoveries += 1;
            let output = auditfix(dir.path()).output().unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(
                matches!(output.status.code(), Some(0 | 1)),
                "recovery after {what}: {stderr}"
            );
            let (done, temps) = inspect(dir.path(), &originals, &fixed, &format!("recovery after {what}"));
            assert_eq!((done, temps), (changing, 0), "recovery after {what}: {stderr}");
        }
    }
    eprintln!(
        "{kills} kills: {none} before any write, {partial} mid-way, {all} after the last write; \
         {with_temps} left a temporary file (removed by the next run); {recoveries} recovery runs"
    );
}
