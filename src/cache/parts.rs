//! The per-file parts of the result cache: what the per-file check of each
//! file made (its findings, and its definitions and calls for the callers'
//! step), with what it read of the repository index to make them, so that
//! a `check` or `fix` after an edit checks again only the files the edit
//! can reach.
//!
//! The run's output is served whole by the entries of the module above when
//! no file changed. When some did, the run is made, and this entry spares
//! it the per-file checks that cannot have changed: a file's part is reused
//! when its text is the one the part was made of, and no file it read (a
//! model, a mixin, a star-imported module, a callee's module) changed, and
//! no changed file defines or defined a class (or session source) of a
//! name it looked up (see [`crate::analysis::index::Reads`]: the language
//! server keeps its parts by the same rule). The callers' step, which
//! joins the files, runs whole; the files it parses for it (routes, jobs:
//! files that call a function taking a user) keep their answers by the
//! same rule (see [`crate::callers::Yields`]).
//!
//! An entry is for one configuration, build and working directory (its
//! key, as the module above makes keys). It knows each file by its path as
//! shown and its module's name, so a run over another set of files reuses
//! the parts of the files both have: a file added or removed (a rename is
//! both) changes the parts that read its module, looked up its module's
//! name (found or not, by any suffix the lookup matches), looked up a
//! class (or session source) it defines or defined, or went through every
//! module; the others are kept, their reads mapped to the modules' new
//! positions. A part made of a text
//! other than the one loading hashed (the file changed meanwhile), or of a
//! file that did not read or parse, is not kept. As with the outputs, an
//! entry that does not read, is truncated or fails its checksum is a
//! miss, and failing to write one is not an error of the run.
//!
//! What does not live here: which parts a run makes, and how they join
//! (`pipeline.rs`).

use super::{Cache, KeyHasher};
use crate::analysis::index::ReadList;
use crate::callers::{Definitions, KeptAnswers, Predicted};
use crate::checker::FileCheck;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

/// The first line of a parts entry; a change of layout changes it.
const MAGIC: &[u8] = b"auditfix-parts 7\n";

/// What the per-file check of one file made, and what it read to make it.
#[derive(Default, Serialize, Deserialize)]
pub struct Part {
    pub check: FileCheck,
    pub definitions: Option<Definitions>,
    pub reads: ReadList,
    /// Which of the entry's name sets the definitions' calls were recorded
    /// against (see [`Definitions::predicted`]); set when stored.
    predicted: Option<u32>,
}

/// A [`Part`] as [`Parts::encode`] writes it: its pieces borrowed from
/// where the run holds them (the same bytes as the part's).
#[derive(Serialize)]
pub struct PartRef<'a> {
    check: &'a FileCheck,
    definitions: Option<&'a Definitions>,
    reads: &'a ReadList,
    predicted: Option<u32>,
}

impl<'a> PartRef<'a> {
    pub fn new(check: &'a FileCheck, definitions: Option<&'a Definitions>, reads: &'a ReadList) -> PartRef<'a> {
        PartRef {
            check,
            definitions,
            reads,
            predicted: None,
        }
    }
}

/// A file as its part was made: which file it is (see [`file_key`]), the
/// keys of the lookups its module answers (see
/// [`crate::analysis::index::module_name_keys`]), the
/// hash of its text, and the keys of the class names it may define (what
/// the index looked names up by).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    pub file: u64,
    pub module_keys: Box<[u32]>,
    pub hash: u64,
    pub classes: Box<[u32]>,
}

/// What a run takes from the entry: the parts still good, by position,
/// and the callers' step's yields still good.
pub struct Kept {
    /// (Boxed: most are `None` after an edit of a model, or without an
    /// entry, and a large repository has tens of thousands of files.)
    pub parts: Vec<Option<Box<Part>>>,
    pub yields: KeptAnswers,
    /// The fingerprints of the module facts the entry holds for the files
    /// that did not change (see [`Parts::encode`]).
    pub facts: Vec<Option<u64>>,
    /// Whether the entry was of other files (some added or removed): it
    /// is stored again even when no part is made, so that the next run
    /// need not map its files again.
    pub moved: bool,
}

/// An entry's parts as read back (its yields follow them apart: they are
/// made after the parts are handed on).
#[derive(Deserialize)]
struct Entry {
    stamps: Vec<Stamp>,
    facts: Vec<Option<u64>>,
    predicted: Vec<Predicted>,
    parts: Vec<Option<Box<Part>>>,
}

/// An entry's parts as written: [`Entry`]'s fields, in its order, borrowed.
#[derive(Serialize)]
struct EntryRef<'a> {
    stamps: &'a [Stamp],
    facts: &'a [Option<u64>],
    predicted: Vec<&'a Predicted>,
    parts: Vec<Option<PartRef<'a>>>,
}

/// A run's parts, encoded by [`Parts::encode`] for [`Parts::store`].
pub struct Encoded<'c>(Encoding<'c>);

enum Encoding<'c> {
    /// Being written beside the entry, which `store` replaces with it.
    Written(Box<super::Pending<'c>>),
    /// In memory.
    Held(Vec<u8>),
}

/// The parts entry of one configuration.
pub struct Parts {
    cache: Cache,
}

impl Parts {
    /// The parts entry in `folder` for runs whose per-file checks are
    /// decided, besides the files, by `key` (the resolved configuration,
    /// whether the fixes' edits are kept, the prefilters) and the settings
    /// files at `root`.
    pub fn new(folder: &Path, root: Option<&Path>, key: &[&[u8]]) -> Parts {
        let mut parts: Vec<&[u8]> = vec![b"parts"];
        parts.extend_from_slice(key);
        Parts {
            cache: Cache::new(folder, root, &parts),
        }
    }

    /// The parts still good for a run over the files stamped `stamps`, by
    /// position (`None` where the file's part must be made), and the
    /// callers' step's yields still good. `facts` gives the fingerprint of
    /// a changed file's module facts now (see [`ModuleFacts::fingerprint`]):
    /// a file that only read the facts of a changed module whose facts are
    /// the same (an edit inside a function, a comment) keeps its part.
    ///
    /// [`ModuleFacts::fingerprint`]: crate::analysis::module::ModuleFacts::fingerprint
    pub fn load(&self, stamps: &[Stamp], facts: impl Fn(usize) -> Option<u64>) -> Kept {
        let none = || Kept {
            parts: stamps.iter().map(|_| None).collect(),
            yields: KeptAnswers::default(),
            facts: stamps.iter().map(|_| None).collect(),
            moved: false,
        };
        let Some((entry, yields)) = self.read() else {
            return none();
        };
        let stored = entry.stamps.len();
        if entry.parts.len() != stored || entry.facts.len() != stored {
            return none();
        }
        // Where each file of the entry is now (`None`: gone), and which
        // file of the entry each file is (`None`: new), by position.
        let now: HashMap<u64, u32> = stamps.iter().zip(0..).map(|(s, i)| (s.file, i)).collect();
        let moved: Vec<Option<u32>> = entry.stamps.iter().map(|s| now.get(&s.file).copied()).collect();
        let mut was: Vec<Option<u32>> = vec![None; stamps.len()];
        for (old, new) in moved.iter().enumerate() {
            if let Some(new) = new {
                was[*new as usize] = Some(old as u32);
            }
        }
        // All that follows is of the entry's positions, as its reads are.
        // The files whose text changed or that are gone, and the class keys
        // they began or stopped having. A lookup of a key a changed file
        // still has reads the same modules in the same order, up to the one
        // defining the name: it is reached only if it read the changed
        // file's module (its facts), which the modules it read say.
        let mut changed: HashSet<u32> = HashSet::new();
        // The changed files whose module facts changed too (or are not
        // known), and those gone.
        let mut facts_changed: HashSet<u32> = HashSet::new();
        let mut kept_facts = entry.facts;
        let mut keys: HashSet<u32> = HashSet::new();
        // The keys of the module names that a lookup finds otherwise now:
        // those of the files gone and new.
        let mut module_keys: HashSet<u32> = HashSet::new();
        for (id, old) in entry.stamps.iter().enumerate() {
            let id32 = id as u32;
            let Some(new_id) = moved[id] else {
                changed.insert(id32);
                facts_changed.insert(id32);
                keys.extend(old.classes.iter());
                module_keys.extend(old.module_keys.iter());
                continue;
            };
            let new = &stamps[new_id as usize];
            if old.hash != new.hash {
                changed.insert(id32);
                let old_facts = kept_facts[id].take();
                if old_facts.is_none() || old_facts != facts(new_id as usize) {
                    facts_changed.insert(id32);
                }
                let (old, new): (HashSet<u32>, HashSet<u32>) = (
                    old.classes.iter().copied().collect(),
                    new.classes.iter().copied().collect(),
                );
                keys.extend(old.symmetric_difference(&new));
            }
        }
        for (stamp, _) in stamps.iter().zip(&was).filter(|(_, was)| was.is_none()) {
            keys.extend(stamp.classes.iter());
            module_keys.extend(stamp.module_keys.iter());
        }
        let files_changed = !module_keys.is_empty();
        // Whether what file `id` made, reading `reads`, may have changed.
        let reached = |id: u32, reads: &ReadList| {
            changed.contains(&id)
                || reads
                    .modules
                    .iter()
                    .any(|m| *m as usize >= stored || facts_changed.contains(m))
                || reads.class_keys.iter().any(|k| keys.contains(k))
                || reads.module_keys.iter().any(|k| module_keys.contains(k))
                || (files_changed && reads.every_module)
        };
        // The modules a part kept read, at their positions now (every one
        // is still there: a part that read one gone is not kept).
        let remap = |reads: &mut ReadList| {
            let mut modules: Vec<u32> = reads
                .modules
                .iter()
                .filter_map(|m| moved.get(*m as usize).copied()?)
                .collect();
            modules.sort_unstable();
            reads.modules = modules.into_boxed_slice();
        };
        let sets: Vec<Arc<Predicted>> = entry.predicted.into_iter().map(Arc::new).collect();
        let mut stored_parts = entry.parts;
        let parts = was
            .iter()
            .map(|old| {
                let old = (*old)?;
                let mut part = stored_parts[old as usize].take().filter(|p| !reached(old, &p.reads))?;
                if let Some(definitions) = &mut part.definitions {
                    if definitions.predicted().is_some() {
                        definitions.recorded_against(sets.get(part.predicted? as usize)?.clone());
                    }
                }
                if files_changed {
                    remap(&mut part.reads);
                }
                Some(part)
            })
            .collect();
        let answers = KeptAnswers {
            yields: yields
                .yields
                .into_iter()
                .filter(|y| !reached(y.file, &y.reads))
                .filter_map(|mut y| {
                    y.file = moved.get(y.file as usize).copied()??;
                    if files_changed {
                        remap(&mut y.reads);
                    }
                    Some(y)
                })
                .collect(),
            // (A search reads nothing of the index: only its file's text.)
            none_named: yields
                .none_named
                .into_iter()
                .filter(|(file, _)| !changed.contains(file))
                .filter_map(|(file, question)| Some((moved.get(file as usize).copied()??, question)))
                .collect(),
        };
        Kept {
            parts,
            yields: answers,
            facts: was.iter().map(|old| kept_facts[(*old)? as usize]).collect(),
            moved: files_changed,
        }
    }

    /// `parts` (by position; `None`: not to keep) as the parts of the
    /// files stamped `stamps`, whose module
    /// facts have the fingerprints `facts` (`None`: not known), encoded
    /// for [`Parts::store`] (before the callers' step takes them). With
    /// `write` (the entry will change: a part was made, a file moved), they
    /// are written to the cache's folder as they are encoded, and not held
    /// in memory through the callers' step; else they are held, for the
    /// run that stores them only if the callers' step made an answer.
    pub fn encode(
        &self,
        stamps: &[Stamp],
        facts: &[Option<u64>],
        mut parts: Vec<Option<PartRef<'_>>>,
        write: bool,
    ) -> Option<Encoded<'_>> {
        // Each set of predicted names once, by the records made against it.
        // (The records of a run share one set; the names are compared only
        // once per set met, not once per record.)
        let mut sets: Vec<Arc<Predicted>> = Vec::new();
        let mut by_address: std::collections::HashMap<*const Predicted, u32> = Default::default();
        for part in parts.iter_mut().flatten() {
            part.predicted = part.definitions.and_then(Definitions::predicted).map(|set| {
                *by_address
                    .entry(Arc::as_ptr(set))
                    .or_insert_with(|| match sets.iter().position(|s| **s == **set) {
                        Some(k) => k as u32,
                        None => {
                            sets.push(set.clone());
                            (sets.len() - 1) as u32
                        }
                    })
            });
        }
        let entry = EntryRef {
            stamps,
            facts,
            predicted: sets.iter().map(|s| &**s).collect(),
            parts,
        };
        if write {
            let pending = self.cache.begin_checked(MAGIC).ok()?;
            postcard::to_io(&entry, pending)
                .ok()
                .map(|pending| Encoded(Encoding::Written(Box::new(pending))))
        } else {
            postcard::to_stdvec(&entry)
                .ok()
                .map(|bytes| Encoded(Encoding::Held(bytes)))
        }
    }

    /// Store the parts `encode` made, and the callers' step's `yields`, as
    /// the configuration's entry. Failing to write is not an error of the
    /// run.
    pub fn store(&self, parts: Encoded<'_>, yields: &KeptAnswers) {
        let Ok(yields) = postcard::to_stdvec(yields) else {
            return;
        };
        let _ = match parts.0 {
            Encoding::Written(mut pending) => pending.write_all(&yields).and_then(|()| (*pending).finish()),
            Encoding::Held(parts) => self.cache.write_checked(MAGIC, &[&parts, &yields]),
        };
    }

    fn read(&self) -> Option<(Entry, KeptAnswers)> {
        let payload = self.cache.read_checked(MAGIC)?;
        // The parts, then the yields: each value tells where it ends.
        let (entry, yields) = postcard::take_from_bytes(&payload).ok()?;
        Some((entry, postcard::from_bytes(yields).ok()?))
    }
}

/// What tells a file across runs: its path as shown (the configuration's
/// per-file rules match it) and its module's name (what it read is named
/// by modules). Not the path it was read by, nor whether it is a target: a
/// file's part is the same either way, so that a hook naming the changed
/// files (which reads the rest of the project by absolute paths, as
/// context) reuses the parts of a check of the whole project, and the other
/// way round.
pub fn file_key(display: &Path, module: &str) -> u64 {
    let mut hasher = KeyHasher::new();
    hasher.part(display.as_os_str().as_encoded_bytes()).part(module);
    hasher.finish() as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::pipeline::Workspace;
    use crate::rules::Rule;
    use std::path::PathBuf;

    /// The widget service of the interactive fixtures, with its models.
    fn workspace() -> Workspace {
        let app = Path::new("tests/fixtures/interactive/app");
        let sources = [
            "__init__.py",
            "core/__init__.py",
            "core/audit.py",
            "models.py",
            "services/__init__.py",
            "services/widgets.py",
        ]
        .iter()
        .map(|name| (app.join(name), std::fs::read_to_string(app.join(name)).unwrap()))
        .collect::<Vec<(PathBuf, String)>>();
        let mut config = Config::default();
        config.settings.script_paths.clear();
        Workspace::from_memory(sources, config)
    }

    #[test]
    fn a_part_written_from_its_pieces_is_the_part_written_whole() {
        let workspace = workspace();
        let naming = crate::callers::Naming::new(&workspace);
        let file = workspace.files.iter().find(|f| f.path.ends_with("widgets.py")).unwrap();
        let (check, definitions) = workspace.check_file_part(file, &naming, false);
        assert!(!check.diagnostics.is_empty(), "the service has findings");
        assert!(definitions.is_some(), "and definitions for the callers' step");
        let reads = ReadList {
            modules: Box::new([1, 4]),
            class_keys: Box::new([7]),
            module_keys: Box::new([]),
            every_module: false,
        };
        let whole = Part {
            check,
            definitions,
            reads,
            predicted: Some(3),
        };
        let mut pieces = PartRef::new(&whole.check, whole.definitions.as_ref(), &whole.reads);
        pieces.predicted = whole.predicted;
        let bytes = postcard::to_stdvec(&pieces).unwrap();
        assert_eq!(bytes, postcard::to_stdvec(&whole).unwrap());
        // And it reads back as the part.
        let back: Part = postcard::from_bytes(&bytes).unwrap();
        let findings = |part: &Part| -> Vec<(Rule, String, std::ops::Range<usize>)> {
            part.check
                .diagnostics
                .iter()
                .map(|d| (d.rule, d.message.clone(), d.range.clone()))
                .collect()
        };
        assert_eq!(findings(&back), findings(&whole));
        assert_eq!(back.reads, whole.reads);
        assert_eq!(back.predicted, Some(3));
        // Without its definitions, it is still a part without them.
        let bare = PartRef::new(&whole.check, None, &whole.reads);
        let back: Part = postcard::from_bytes(&postcard::to_stdvec(&bare).unwrap()).unwrap();
        assert!(back.definitions.is_none());
        assert_eq!(back.predicted, None);
    }
}
