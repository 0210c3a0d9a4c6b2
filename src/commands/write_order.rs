//! The order in which `fix --apply` writes the files it changed, and what
//! it does when one cannot be written.
//!
//! A cross-file fix (a caller made to pass the user, the function it calls
//! made to take it) is one change: its files are written whole or not at
//! all. They are written callee first, so that an interruption between two
//! files leaves at worst a parameter nobody passes yet, never a call
//! passing one that does not exist. When a file of such a fix cannot be
//! written, the files of the fix written before it are restored, and those
//! after it are not written. Files no cross-file fix links are written on
//! their own, as before. What does not live here: the atomic write of one
//! file ([`crate::write`]) and the messages (`fix`).

use crate::pipeline::FixedFile;
use std::collections::{BTreeSet, HashMap};

/// What became of one changed file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Written {
    /// Written.
    Done,
    /// Not written: the write failed, with the reason.
    Failed(String),
    /// Not written, since a file it is linked with could not be (its path).
    Skipped(std::path::PathBuf),
    /// Written, then restored to what it held, since a file it is linked
    /// with could not be written (its path); `Err` when restoring failed.
    Restored(std::path::PathBuf, Result<(), String>),
}

/// The positions in `files` in the order to write them: a file after the
/// files it is to be written after (callee first), else in the given
/// order. Files caught in a cycle keep the given order, after the others.
pub fn order(files: &[&FixedFile]) -> Vec<usize> {
    let position: HashMap<usize, usize> = files.iter().enumerate().map(|(k, f)| (f.id, k)).collect();
    let before = |k: usize| -> Vec<usize> {
        files[k]
            .after
            .iter()
            .filter_map(|id| position.get(id).copied())
            .filter(|j| *j != k)
            .collect()
    };
    let mut waiting: Vec<usize> = (0..files.len()).map(|k| before(k).len()).collect();
    let mut out = Vec::with_capacity(files.len());
    let mut ready: BTreeSet<usize> = (0..files.len()).filter(|k| waiting[*k] == 0).collect();
    let mut done = vec![false; files.len()];
    while let Some(k) = ready.pop_first() {
        out.push(k);
        done[k] = true;
        for j in 0..files.len() {
            if !done[j] && before(j).contains(&k) {
                waiting[j] -= 1;
                if waiting[j] == 0 {
                    ready.insert(j);
                }
            }
        }
    }
    out.extend((0..files.len()).filter(|k| !done[*k]));
    out
}

/// The group of each position of `files`: files a cross-file fix links,
/// directly or through others, share one (the smallest position).
fn groups(files: &[&FixedFile]) -> Vec<usize> {
    let position: HashMap<usize, usize> = files.iter().enumerate().map(|(k, f)| (f.id, k)).collect();
    let mut parent: Vec<usize> = (0..files.len()).collect();
    fn root(parent: &mut [usize], mut k: usize) -> usize {
        while parent[k] != k {
            parent[k] = parent[parent[k]];
            k = parent[k];
        }
        k
    }
    for (k, file) in files.iter().enumerate() {
        for j in file.linked.iter().filter_map(|id| position.get(id)) {
            let (a, b) = (root(&mut parent, k), root(&mut parent, *j));
            parent[a.max(b)] = a.min(b);
        }
    }
    (0..files.len()).map(|k| root(&mut parent, k)).collect()
}

/// Write `files` with `write(file, expected, contents)` in [`order`],
/// whole or not at all per group of linked files; `between` runs after
/// each file written (a test hook). Returns what became of each file, by
/// position.
pub fn write_all(
    files: &[&FixedFile],
    mut write: impl FnMut(&FixedFile, &[u8], &[u8]) -> Result<(), String>,
    mut between: impl FnMut(),
) -> Vec<Written> {
    let group = groups(files);
    let mut outcome: Vec<Option<Written>> = vec![None; files.len()];
    // The group's file that could not be written, once one could not.
    let mut broken: HashMap<usize, std::path::PathBuf> = HashMap::new();
    let mut written: Vec<usize> = Vec::new();
    for k in order(files) {
        let file = files[k];
        if let Some(culprit) = broken.get(&group[k]) {
            outcome[k] = Some(Written::Skipped(culprit.clone()));
            continue;
        }
        match write(file, &file.original_bytes(), &file.fixed_bytes()) {
            Ok(()) => {
                outcome[k] = Some(Written::Done);
                written.push(k);
                between();
            }
            Err(message) => {
                outcome[k] = Some(Written::Failed(message));
                broken.insert(group[k], file.display.clone());
                // Undo what the group wrote already, callers first.
                for &j in written.iter().rev().filter(|j| group[**j] == group[k]) {
                    let restored = write(files[j], &files[j].fixed_bytes(), &files[j].original_bytes());
                    outcome[j] = Some(Written::Restored(file.display.clone(), restored));
                }
            }
        }
    }
    outcome.into_iter().map(|o| o.unwrap_or(Written::Done)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn file(id: usize, linked: &[usize], after: &[usize]) -> FixedFile {
        FixedFile {
            id,
            path: PathBuf::from(format!("f{id}.py")),
            display: PathBuf::from(format!("f{id}.py")),
            original: format!("old {id}\n"),
            fixed: format!("new {id}\n"),
            bom: false,
            applied: Vec::new(),
            remaining: Vec::new(),
            problems: Vec::new(),
            linked: linked.to_vec(),
            after: after.to_vec(),
        }
    }

    /// Writes into `disk` (path -> text), failing for `fail`'s ids.
    fn run(files: &[FixedFile], fail: &[usize]) -> (Vec<Written>, Vec<String>, HashMap<usize, String>) {
        let refs: Vec<&FixedFile> = files.iter().collect();
        let mut disk: HashMap<usize, String> = files.iter().map(|f| (f.id, f.original.clone())).collect();
        let mut log = Vec::new();
        let outcome = write_all(
            &refs,
            |f, expected, contents| {
                if fail.contains(&f.id) {
                    return Err("read-only".into());
                }
                assert_eq!(disk[&f.id].as_bytes(), expected, "a write expects what the file holds");
                disk.insert(f.id, String::from_utf8(contents.to_vec()).unwrap());
                log.push(format!("{}:{}", f.id, disk[&f.id].trim()));
                Ok(())
            },
            || {},
        );
        (outcome, log, disk)
    }

    #[test]
    fn callees_are_written_before_their_callers() {
        // 0 is a route calling a facade (2) calling a service (1); 3 is alone.
        let files = [
            file(0, &[1, 2], &[2]),
            file(1, &[0, 2], &[]),
            file(2, &[0, 1], &[1]),
            file(3, &[], &[]),
        ];
        let (outcome, log, _) = run(&files, &[]);
        assert_eq!(outcome, vec![Written::Done; 4]);
        assert_eq!(log, ["1:new 1", "2:new 2", "0:new 0", "3:new 3"]);
    }

    #[test]
    fn a_cycle_keeps_the_given_order_and_loses_no_file() {
        let files = [file(0, &[1], &[1]), file(1, &[0], &[0]), file(2, &[], &[0])];
        let refs: Vec<&FixedFile> = files.iter().collect();
        assert_eq!(order(&refs), vec![0, 1, 2]);
    }

    #[test]
    fn a_linked_file_that_cannot_be_written_undoes_its_group_and_only_it() {
        // The callee (1) is written first; the route (0) fails: the callee
        // is restored; the facade (2), after the callee, was written and is
        // restored too; 3 is not linked and stays written.
        let files = [
            file(0, &[1, 2], &[2]),
            file(1, &[0, 2], &[]),
            file(2, &[0, 1], &[1]),
            file(3, &[], &[]),
        ];
        let (outcome, log, disk) = run(&files, &[0]);
        let route = PathBuf::from("f0.py");
        assert_eq!(outcome[0], Written::Failed("read-only".into()));
        assert_eq!(outcome[1], Written::Restored(route.clone(), Ok(())));
        assert_eq!(outcome[2], Written::Restored(route, Ok(())));
        assert_eq!(outcome[3], Written::Done);
        assert_eq!(disk[&0], "old 0\n");
        assert_eq!(disk[&1], "old 1\n");
        assert_eq!(disk[&2], "old 2\n");
        assert_eq!(disk[&3], "new 3\n");
        assert_eq!(log, ["1:new 1", "2:new 2", "2:old 2", "1:old 1", "3:new 3"]);
    }

    #[test]
    fn a_callee_that_cannot_be_written_leaves_its_callers_unwritten() {
        let files = [file(0, &[1], &[1]), file(1, &[0], &[])];
        let (outcome, log, disk) = run(&files, &[1]);
        assert_eq!(outcome[1], Written::Failed("read-only".into()));
        assert_eq!(outcome[0], Written::Skipped(PathBuf::from("f1.py")));
        assert!(log.is_empty(), "{log:?}");
        assert_eq!(disk[&0], "old 0\n");
    }
}
