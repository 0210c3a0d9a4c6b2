//! The repository index: every module's facts, joined so that a rule can ask
//! repository-wide questions. Does `Tenant` inherit the mixin through a base
//! class defined elsewhere? Which columns does `Connector` map, its bases'
//! included? Does a star import of a module of the repository bind
//! `datetime`? Does the repository's own mixin define the setters?
//!
//! The index knows every module's name from its path and, from a byte scan,
//! which classes (and session factories and dependencies) each module may
//! define; a module's facts are parsed the
//! first time a question needs them (thread-safe, once), so that a run
//! parses only the modules its candidate files reach. The byte scan finds
//! a superset of the classes (a `class Name` in a string counts too), and a
//! class is answered from the first module, in module order, whose parsed
//! facts really define it: the same answer as an index built from every
//! module parsed up front ([`RepoIndex::new`]).

use super::module::{Binding, ClassFacts, ModuleFacts};
use std::cmp::Ordering;
use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeSet, HashSet};
use std::hash::{BuildHasher, BuildHasherDefault};
use std::ops::Range;
use std::path::Path;
use std::sync::{Arc, OnceLock};

/// Where a module's facts come from when they are first needed.
pub enum Origin {
    /// Text held in memory (candidate files, in-memory workspaces).
    Text(Arc<str>),
    /// A file read again from disk.
    Path(Arc<Path>),
    /// Facts given up front.
    Given,
}

/// One module of the index.
pub struct Slot {
    pub name: String,
    origin: Origin,
    /// `None` once the module turned out not to read or parse. Boxed: most
    /// modules of a large repository are never parsed, and an empty cell
    /// then costs a pointer instead of a whole `ModuleFacts`.
    facts: OnceLock<Option<Box<ModuleFacts>>>,
}

impl Slot {
    /// A module whose facts are computed from `origin` on first use.
    pub fn lazy(name: String, origin: Origin) -> Slot {
        Slot {
            name,
            origin,
            facts: OnceLock::new(),
        }
    }

    /// A module whose facts are known.
    pub fn ready(facts: ModuleFacts) -> Slot {
        Slot {
            name: facts.name.clone(),
            origin: Origin::Given,
            facts: OnceLock::from(Some(Box::new(facts))),
        }
    }
}

/// Kept compact for repositories of tens of thousands of modules: no string
/// is copied (the module names live in the slots, the class names are only
/// hashed), and module indices are `u32`.
#[derive(Default)]
pub struct RepoIndex {
    slots: Vec<Slot>,
    /// Every module index, sorted by its name read backwards (bytes, last
    /// first), then by module order. The modules a dotted import may name
    /// (the name itself, or the name ending in `.` and it) are then two
    /// runs found by binary search, without storing a string per suffix.
    by_suffix: Vec<u32>,
    /// (hash of a class name, module that may define it), sorted: the
    /// modules of a name are a run in module order. Two names of one hash
    /// share a run; [`RepoIndex::class`] checks the parsed facts, so that
    /// costs at most a parse, never an answer.
    classes: Vec<(u32, u32)>,
    /// This index among those the process built (see [`MODULE_LOOKUPS`]);
    /// 0 for an empty one.
    id: u64,
}

/// The number of the next index built (see [`RepoIndex::id`]).
static NEXT_INDEX: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// How many of [`RepoIndex::module`]'s last lookups a thread keeps.
const MODULE_LOOKUPS_KEPT: usize = 64;

/// A module lookup kept: the index's number, the dotted name, and the
/// modules it may name in the order they are tried.
type ModuleLookup = (u64, Box<str>, std::rc::Rc<[u32]>);

thread_local! {
    /// The last module lookups of this thread, the newest first (see
    /// [`ModuleLookup`]). An index never changes once built and its
    /// number is never given again, so an answer holds while it is kept. A
    /// file's references go through the same few imports again and again.
    static MODULE_LOOKUPS: std::cell::RefCell<std::collections::VecDeque<ModuleLookup>> =
        const { std::cell::RefCell::new(std::collections::VecDeque::new()) };
}

impl std::fmt::Debug for RepoIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RepoIndex").field("modules", &self.slots.len()).finish()
    }
}

/// The names that follow the keyword `class` in `text`: a superset of the
/// classes a parse would find (any nesting depth), found without parsing.
/// `class` must start a word; whitespace and line continuations may sit
/// between it and the name.
pub fn class_names(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (_, name) in keyword_names(text, "class") {
        let name = &text[name];
        if !out.iter().any(|n| n == name) {
            out.push(name.to_string());
        }
    }
    out
}

/// Whether `b` is a byte of a Python name (a non-ASCII byte counts: names
/// may hold any letter, and the bytes of one character are never split).
pub fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// The words of `text` (maximal runs of [`is_word_byte`] bytes, in code,
/// strings and comments alike), each with its offset. A word may start
/// with a digit (a number); a name does not.
pub fn words(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let bytes = text.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < bytes.len() && !is_word_byte(bytes[i]) {
            i += 1;
        }
        let start = i;
        while i < bytes.len() && is_word_byte(bytes[i]) {
            i += 1;
        }
        // Whole characters: a run starts and ends beside ASCII bytes only.
        (i > start).then(|| (start, &text[start..i]))
    })
}

/// Each place the keyword `keyword` starts a word in `text` and is followed,
/// after whitespace or line continuations, by a name: the keyword's offset
/// and the name's range. Found without parsing: a keyword inside a string
/// or a comment counts too (a superset of what a parse would find).
pub fn keyword_names<'a>(text: &'a str, keyword: &'a str) -> impl Iterator<Item = (usize, Range<usize>)> + 'a {
    let bytes = text.as_bytes();
    memchr::memmem::find_iter(bytes, keyword.as_bytes()).filter_map(move |at| {
        if at > 0 && is_word_byte(bytes[at - 1]) {
            return None;
        }
        let mut i = at + keyword.len();
        let mut spaced = false;
        while i < bytes.len() {
            match bytes[i] {
                b' ' | b'\t' | b'\x0c' => i += 1,
                b'\\' if bytes.get(i + 1) == Some(&b'\n') => i += 2,
                b'\\' if bytes.get(i + 1) == Some(&b'\r') => i += if bytes.get(i + 2) == Some(&b'\n') { 3 } else { 2 },
                _ => break,
            }
            spaced = true;
        }
        let start = i;
        while i < bytes.len() && is_word_byte(bytes[i]) {
            i += 1;
        }
        // `start..i` holds whole characters: the scan stops at ASCII bytes only.
        (spaced && i > start && !bytes[start].is_ascii_digit()).then_some((at, start..i))
    })
}

/// The classes and session sources `text` may define, as the keys
/// [`RepoIndex::lazy`] takes: the hashes of [`class_names`] and
/// [`session_source_names`], each once (a file of a large repository keeps
/// these, not the names).
pub fn class_keys(text: &str) -> Box<[u32]> {
    let classes = class_names(text);
    let sessions = session_source_names(text);
    keys_of(classes.iter().chain(sessions.iter()).map(String::as_str))
}

/// The keys of what parsed facts define (classes and session sources), as
/// [`class_keys`] finds them in a text.
pub fn facts_keys(facts: &ModuleFacts) -> Box<[u32]> {
    let sessions = facts.sessions.iter().map(|(name, _)| name);
    keys_of(facts.classes.iter().map(|c| c.name.as_str()).chain(sessions))
}

/// The module-level names `text` may bind to a session source, found
/// without parsing (a superset): `NAME = sessionmaker(` and its kin
/// (`async_sessionmaker`, `scoped_session`, `async_scoped_session`), and
/// functions whose return annotation names a `Session`.
pub fn session_source_names(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80;
    let line_start = |at: usize| bytes[..at].iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    let mut out: Vec<String> = Vec::new();
    let mut push = |name: &str| {
        if !name.is_empty() && !out.iter().any(|n| n == name) {
            out.push(name.to_string());
        }
    };
    for needle in [&b"sessionmaker("[..], b"scoped_session("] {
        for at in memchr::memmem::find_iter(bytes, needle) {
            // `NAME = ...sessionmaker(`: the first word of the line.
            let start = line_start(at);
            let line = &text[start..at];
            if let Some((left, _)) = line.split_once('=') {
                push(left.trim());
            }
        }
    }
    // `def NAME(...) -> Iterator[Session]:`, the arrow on the def's line or
    // a later one: the nearest `def` before the arrow.
    for at in memchr::memmem::find_iter(bytes, b"Session") {
        let start = line_start(at);
        if !text[start..at].contains("->") {
            continue;
        }
        let Some(def) = memchr::memmem::rfind(&bytes[..at], b"def ") else {
            continue;
        };
        let mut i = def + 4;
        while i < bytes.len() && bytes[i] == b' ' {
            i += 1;
        }
        let name_start = i;
        while i < bytes.len() && is_ident(bytes[i]) {
            i += 1;
        }
        push(&text[name_start..i]);
    }
    out
}

/// The hashes of `names`, each once, in order.
pub fn keys_of<'a>(names: impl Iterator<Item = &'a str>) -> Box<[u32]> {
    let mut keys: Vec<u32> = Vec::new();
    for key in names.map(class_hash) {
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    keys.into_boxed_slice()
}

/// The hash under which [`RepoIndex`] files a class name: fixed (no random
/// seed), so that an index built twice is the same.
fn class_hash(name: &str) -> u32 {
    // The low half of a well-mixed 64-bit hash.
    BuildHasherDefault::<DefaultHasher>::default().hash_one(name) as u32
}

/// `name` read backwards against `key` (bytes already reversed), both
/// compared in full.
fn backwards_cmp(name: &str, key: impl Iterator<Item = u8>) -> Ordering {
    name.bytes().rev().cmp(key)
}

/// `name` read backwards against `key` (bytes already reversed, `len` of
/// them), `Equal` when it starts with `key`: the ordering of a prefix search.
fn backwards_prefix_cmp(name: &str, key: impl Iterator<Item = u8>, len: usize) -> Ordering {
    name.bytes().rev().take(len).cmp(key)
}

/// What the repository says about the configured mixin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MixinFit {
    /// The mixin is not defined in the repository (it comes from a library):
    /// the standard's setters are assumed.
    NotInRepository,
    /// Defined, with every configured setter.
    Fits,
    /// Defined, but lacking these setters: the standard does not fit.
    LacksSetters(Vec<String>),
    /// Defined with these setters, but they take other arguments than the
    /// standard's call passes (`set_created_by(user_id)`): it does not fit.
    SettersDiffer(Vec<(String, super::module::Arity)>),
}

impl MixinFit {
    /// Whether the standard's setter calls would bind here.
    pub fn fits(&self) -> bool {
        matches!(self, MixinFit::NotInRepository | MixinFit::Fits)
    }
}

/// The positional arguments the standard's setter call passes
/// (`x.set_created_by(audit_ctx.user_email, audit_ctx.user_name)`).
pub const SETTER_ARGUMENTS: u8 = 2;

/// What the index's questions read, while [`Reads::record`] runs on this
/// thread: the modules whose facts were asked for, the keys of the class
/// (and session source) names looked up, the keys of the dotted module
/// names looked up (found or not), and whether every module was gone
/// through. The language server keeps them per file, to know which files
/// an edit of another may change: those that read its module, or looked up
/// a name it defines or defined. The result cache also knows by them which
/// files a file added or removed may change: those that looked up its
/// module's name or a class it defines, or went through every module.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reads {
    pub modules: HashSet<u32>,
    pub class_keys: HashSet<u32>,
    pub module_keys: HashSet<u32>,
    pub every_module: bool,
}

/// [`Reads`] as the result cache keeps them, for every file of a large
/// repository at once: sorted lists, not sets (the same reads store the
/// same bytes).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReadList {
    pub modules: Box<[u32]>,
    pub class_keys: Box<[u32]>,
    pub module_keys: Box<[u32]>,
    pub every_module: bool,
}

impl From<Reads> for ReadList {
    fn from(reads: Reads) -> ReadList {
        let sorted = |set: HashSet<u32>| {
            let mut items: Vec<u32> = set.into_iter().collect();
            items.sort_unstable();
            items.into_boxed_slice()
        };
        ReadList {
            modules: sorted(reads.modules),
            class_keys: sorted(reads.class_keys),
            module_keys: sorted(reads.module_keys),
            every_module: reads.every_module,
        }
    }
}

/// The keys a lookup of a dotted module name is filed under (see
/// [`Reads::module_keys`]) that a module called `name` answers: [`RepoIndex::module`]
/// finds a module by its name or by a suffix of it after a `.`, so the
/// keys of `name` and of each such suffix (`a.b.c`: `a.b.c`, `b.c`, `c`).
pub fn module_name_keys(name: &str) -> impl Iterator<Item = u32> + '_ {
    std::iter::once(name)
        .chain(name.match_indices('.').map(move |(at, _)| &name[at + 1..]))
        .map(class_hash)
}

thread_local! {
    static RECORDING: std::cell::RefCell<Option<Reads>> = const { std::cell::RefCell::new(None) };
}

impl Reads {
    /// `f`, and what it read of any index on this thread (the questions
    /// must be asked on this thread: no parallel work inside `f`).
    pub fn record<R>(f: impl FnOnce() -> R) -> (R, Reads) {
        let outer = RECORDING.with(|r| r.replace(Some(Reads::default())));
        let result = f();
        let reads = RECORDING.with(|r| r.replace(outer)).unwrap_or_default();
        // A recording around this one read all this one did.
        RECORDING.with(|r| {
            if let Some(outer) = r.borrow_mut().as_mut() {
                outer.modules.extend(&reads.modules);
                outer.class_keys.extend(&reads.class_keys);
                outer.module_keys.extend(&reads.module_keys);
                outer.every_module |= reads.every_module;
            }
        });
        (result, reads)
    }

    /// Whether what was read may have changed when a module `module` whose
    /// class keys were or are `keys` changed.
    pub fn reach(&self, module: usize, keys: &[u32]) -> bool {
        u32::try_from(module).is_ok_and(|m| self.modules.contains(&m))
            || keys.iter().any(|k| self.class_keys.contains(k))
    }

    fn note(update: impl FnOnce(&mut Reads)) {
        RECORDING.with(|r| {
            if let Some(reads) = r.borrow_mut().as_mut() {
                update(reads);
            }
        });
    }
}

impl RepoIndex {
    /// An index over modules parsed up front.
    pub fn new(modules: Vec<ModuleFacts>) -> RepoIndex {
        let classes: Vec<Box<[u32]>> = modules.iter().map(facts_keys).collect();
        RepoIndex::lazy(modules.into_iter().map(Slot::ready).collect(), classes)
    }

    /// An index over `slots`, where `classes[i]` holds the keys of the
    /// classes module `i` may define (a superset: see [`class_keys`]).
    ///
    /// # Panics
    ///
    /// With more than `u32::MAX` modules.
    pub fn lazy(slots: Vec<Slot>, classes: Vec<Box<[u32]>>) -> RepoIndex {
        let count = u32::try_from(slots.len()).expect("fewer than 2^32 modules");
        let mut by_suffix: Vec<u32> = (0..count).collect();
        by_suffix.sort_unstable_by(|a, b| {
            let (x, y) = (&slots[*a as usize].name, &slots[*b as usize].name);
            x.bytes().rev().cmp(y.bytes().rev()).then(a.cmp(b))
        });
        let mut entries = Vec::with_capacity(classes.iter().map(|c| c.len()).sum());
        for (i, names) in (0..count).zip(classes) {
            entries.extend(names.iter().map(|key| (*key, i)));
        }
        entries.sort_unstable();
        entries.dedup();
        entries.shrink_to_fit();
        let id = if slots.is_empty() {
            0
        } else {
            NEXT_INDEX.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        };
        RepoIndex {
            slots,
            by_suffix,
            classes: entries,
            id,
        }
    }

    /// The positions of every module, for a question that goes through
    /// them all (what it reads of each is recorded as it asks; that it went
    /// through them all is recorded here: a module added may change its
    /// answer). The only way to the number of modules, so that no such
    /// question goes unrecorded.
    pub fn every_module(&self) -> std::ops::Range<usize> {
        Reads::note(|r| r.every_module = true);
        0..self.slots.len()
    }

    /// The dotted name of module `i`.
    pub fn module_name(&self, i: usize) -> Option<&str> {
        self.slots.get(i).map(|slot| slot.name.as_str())
    }

    /// The facts of module `i`, parsed on first use; `None` when it does
    /// not read or parse.
    pub fn facts(&self, i: usize) -> Option<&ModuleFacts> {
        Reads::note(|r| {
            r.modules.insert(i as u32);
        });
        let slot = self.slots.get(i)?;
        slot.facts
            .get_or_init(|| {
                let (text, _) = match &slot.origin {
                    Origin::Given => return None,
                    Origin::Text(text) => (text.to_string(), false),
                    Origin::Path(path) => {
                        let bytes = crate::files::read_regular(path, crate::files::SOURCE_CAP).ok()?;
                        super::source::decode_owned(bytes).ok()?
                    }
                };
                let source = super::source::SourceFile::parse(text, false).ok()?;
                Some(Box::new(ModuleFacts::collect(
                    slot.name.clone(),
                    source.root(),
                    &source.text,
                )))
            })
            .as_deref()
    }

    /// The facts of module `i` when a question has made them already
    /// (nothing is parsed).
    pub fn facts_made(&self, i: usize) -> Option<&ModuleFacts> {
        self.slots.get(i)?.facts.get()?.as_deref()
    }

    /// The facts of module `i`, computed by `collect` when no question has
    /// needed them yet (a caller that has the module parsed already).
    pub fn facts_or(&self, i: usize, collect: impl FnOnce() -> ModuleFacts) -> Option<&ModuleFacts> {
        Reads::note(|r| {
            r.modules.insert(i as u32);
        });
        self.slots
            .get(i)?
            .facts
            .get_or_init(|| Some(Box::new(collect())))
            .as_deref()
    }

    /// The module a dotted import names, matched on a suffix of the module
    /// paths (the repository root need not be the import root). `None` when
    /// no module matches; with several, an exact name is preferred, else the
    /// shortest (the first such in module order), among those that parse.
    pub fn module(&self, dotted: &str) -> Option<&ModuleFacts> {
        Reads::note(|r| {
            r.module_keys.insert(class_hash(dotted));
        });
        let order = MODULE_LOOKUPS.with(|kept| {
            let mut kept = kept.borrow_mut();
            if let Some(at) = kept
                .iter()
                .position(|(id, name, _)| *id == self.id && **name == *dotted)
            {
                let found = kept.remove(at)?;
                let order = found.2.clone();
                kept.push_front(found);
                return Some(order);
            }
            None
        });
        let order = order.unwrap_or_else(|| {
            let order: std::rc::Rc<[u32]> = self.modules_named(dotted).into();
            MODULE_LOOKUPS.with(|kept| {
                let mut kept = kept.borrow_mut();
                kept.truncate(MODULE_LOOKUPS_KEPT - 1);
                kept.push_front((self.id, dotted.into(), order.clone()));
            });
            order
        });
        order.iter().find_map(|i| self.facts(*i as usize))
    }

    /// The modules `dotted` may name, in the order [`RepoIndex::module`]
    /// tries them.
    fn modules_named(&self, dotted: &str) -> Vec<u32> {
        let name = |i: &u32| self.slots[*i as usize].name.as_str();
        let key = || dotted.bytes().rev();
        // The modules called `dotted`.
        let exact = self.suffix_run(|n| backwards_cmp(n, key()));
        // The modules whose name ends in `.` and `dotted`.
        let dotted_key = || key().chain(std::iter::once(b'.'));
        let within = self.suffix_run(|n| backwards_prefix_cmp(n, dotted_key(), dotted.len() + 1));
        let mut order: Vec<u32> = self.by_suffix[exact]
            .iter()
            .chain(&self.by_suffix[within])
            .copied()
            .collect();
        order.sort_unstable_by_key(|i| (name(i) != dotted, name(i).len(), *i));
        order
    }

    /// The run of `by_suffix` whose names `cmp` finds `Equal` (`cmp`
    /// agrees with the order of the names read backwards).
    fn suffix_run(&self, cmp: impl Fn(&str) -> Ordering) -> std::ops::Range<usize> {
        let name = |i: &u32| self.slots[*i as usize].name.as_str();
        let start = self.by_suffix.partition_point(|i| cmp(name(i)) == Ordering::Less);
        let end = start + self.by_suffix[start..].partition_point(|i| cmp(name(i)) == Ordering::Equal);
        start..end
    }

    /// Whether some module may define a class or a session source called
    /// `name` (by the byte scan; no module is parsed to answer).
    pub fn may_define(&self, name: &str) -> bool {
        let hash = class_hash(name);
        Reads::note(|r| {
            r.class_keys.insert(hash);
        });
        let start = self.classes.partition_point(|(h, _)| *h < hash);
        self.classes.get(start).is_some_and(|(h, _)| *h == hash)
    }

    /// The class called `name`. With several of that name, the first in
    /// module order (the index cannot tell them apart without imports).
    pub fn class(&self, name: &str) -> Option<&ClassFacts> {
        let hash = class_hash(name);
        Reads::note(|r| {
            r.class_keys.insert(hash);
        });
        let start = self.classes.partition_point(|(h, _)| *h < hash);
        self.classes[start..]
            .iter()
            .take_while(|(h, _)| *h == hash)
            .filter_map(|(_, i)| self.facts(*i as usize))
            .find_map(|m| m.classes.iter().find(|c| c.name == name))
    }

    /// The name of the module that defines class `name` (the first, as
    /// [`Self::class`] finds it).
    pub fn class_module(&self, name: &str) -> Option<&str> {
        let hash = class_hash(name);
        Reads::note(|r| {
            r.class_keys.insert(hash);
        });
        let start = self.classes.partition_point(|(h, _)| *h < hash);
        self.classes[start..]
            .iter()
            .take_while(|(h, _)| *h == hash)
            .filter_map(|(_, i)| self.facts(*i as usize))
            .find(|m| m.classes.iter().any(|c| c.name == name))
            .map(|m| m.name.as_str())
    }

    /// Whether class `name` is, or inherits from, `ancestor` (through classes
    /// of the repository; the ancestor itself need not be defined here).
    pub fn inherits(&self, name: &str, ancestor: &str) -> bool {
        let mut seen = HashSet::new();
        let mut stack = vec![name.to_string()];
        while let Some(current) = stack.pop() {
            if current == ancestor {
                return true;
            }
            if !seen.insert(current.clone()) {
                continue;
            }
            if let Some(class) = self.class(&current) {
                stack.extend(class.bases.iter().cloned());
            }
        }
        false
    }

    /// The mapped attributes of class `name` and its bases. `None` when the
    /// class is not in the repository.
    pub fn columns(&self, name: &str) -> Option<BTreeSet<String>> {
        let sqlmodel_table = self.class(name)?.sqlmodel_table;
        let mut out = BTreeSet::new();
        let mut seen = HashSet::new();
        let mut stack = vec![name.to_string()];
        while let Some(current) = stack.pop() {
            if !seen.insert(current.clone()) {
                continue;
            }
            if let Some(class) = self.class(&current) {
                out.extend(class.columns.iter().map(str::to_string));
                if sqlmodel_table {
                    out.extend(class.fields.iter().map(str::to_string));
                }
                stack.extend(class.bases.iter().cloned());
            }
        }
        Some(out)
    }

    /// The clock of column `column` of class `name`, from the first
    /// definition of it among the class and its bases (in method
    /// resolution order, near enough: the class, then its bases left to
    /// right) that tells one.
    pub fn clock(&self, name: &str, column: &str) -> Option<super::module::Clock> {
        let mut seen = HashSet::new();
        let mut queue = std::collections::VecDeque::from([name.to_string()]);
        while let Some(current) = queue.pop_front() {
            if !seen.insert(current.clone()) {
                continue;
            }
            if let Some(class) = self.class(&current) {
                if let Some(clock) = class.clocks.get(column) {
                    return Some(*clock);
                }
                queue.extend(class.bases.iter().cloned());
            }
        }
        None
    }

    /// Whether every base of `name`, transitively, is defined in the
    /// repository or is a known declarative root, so that [`Self::columns`]
    /// is the complete set.
    pub fn columns_are_complete(&self, name: &str) -> bool {
        let mut seen = HashSet::new();
        let mut stack = vec![name.to_string()];
        while let Some(current) = stack.pop() {
            if !seen.insert(current.clone()) {
                continue;
            }
            match self.class(&current) {
                Some(class) => stack.extend(class.bases.iter().cloned()),
                None => {
                    if !matches!(
                        current.as_str(),
                        "Base"
                            | "DeclarativeBase"
                            | "object"
                            | "Generic"
                            | "AsyncAttrs"
                            | "MappedAsDataclass"
                            | "SQLModel"
                    ) {
                        return false;
                    }
                }
            }
        }
        true
    }

    /// Whether `method` of class `name` (or of a base in the repository)
    /// assigns attributes of `self`.
    pub fn mutates(&self, name: &str, method: &str) -> bool {
        let mut seen = HashSet::new();
        let mut stack = vec![name.to_string()];
        while let Some(current) = stack.pop() {
            if !seen.insert(current.clone()) {
                continue;
            }
            if let Some(class) = self.class(&current) {
                if class.mutators.contains(method) {
                    return true;
                }
                if class.methods.contains_key(method) {
                    return false;
                }
                stack.extend(class.bases.iter().cloned());
            }
        }
        false
    }

    /// How the repository's mixin fits the configured setters.
    pub fn mixin_fit(&self, mixin: &str, setters: &[&str]) -> MixinFit {
        if self.class(mixin).is_none() {
            return MixinFit::NotInRepository;
        }
        // Each method as the nearest class defines it (the mixin, then its
        // bases).
        let mut methods: std::collections::BTreeMap<String, super::module::Arity> = Default::default();
        let mut seen = HashSet::new();
        let mut queue = std::collections::VecDeque::from([mixin.to_string()]);
        while let Some(current) = queue.pop_front() {
            if !seen.insert(current.clone()) {
                continue;
            }
            if let Some(class) = self.class(&current) {
                for (name, arity) in class.methods.iter() {
                    methods.entry(name.to_string()).or_insert(*arity);
                }
                queue.extend(class.bases.iter().cloned());
            }
        }
        let missing: Vec<String> = setters
            .iter()
            .filter(|s| !methods.contains_key(**s))
            .map(|s| s.to_string())
            .collect();
        if !missing.is_empty() {
            return MixinFit::LacksSetters(missing);
        }
        let differ: Vec<(String, super::module::Arity)> = setters
            .iter()
            .filter_map(|s| methods.get(*s).map(|arity| (s.to_string(), *arity)))
            .filter(|(_, arity)| !arity.accepts(SETTER_ARGUMENTS))
            .collect();
        if differ.is_empty() {
            MixinFit::Fits
        } else {
            MixinFit::SettersDiffer(differ)
        }
    }

    /// Whether `name` is bound at module level in `module`, directly or
    /// through star imports of modules of the repository that export it.
    /// A star import of a module outside the repository binds nothing we can
    /// know of, so it counts as not binding (adding an import that turns out
    /// redundant is harmless; missing one is a `NameError`).
    pub fn is_bound(&self, module: &ModuleFacts, name: &str) -> bool {
        self.binding(module, name).is_some()
    }

    /// The binding of `name` in `module`, following star imports.
    pub fn binding<'a>(&'a self, module: &'a ModuleFacts, name: &str) -> Option<&'a Binding> {
        let mut seen = HashSet::new();
        self.binding_in(module, name, &mut seen, false)
    }

    /// [`Self::binding`] for annotations: names imported under
    /// `if TYPE_CHECKING:` count too.
    pub fn type_binding<'a>(&'a self, module: &'a ModuleFacts, name: &str) -> Option<(&'a ModuleFacts, &'a Binding)> {
        let mut seen = HashSet::new();
        self.binding_with_module(module, name, &mut seen, true)
    }

    /// The binding of `name` in `module` at run time, with the module
    /// that binds it (star imports followed).
    pub fn runtime_binding<'a>(
        &'a self,
        module: &'a ModuleFacts,
        name: &str,
    ) -> Option<(&'a ModuleFacts, &'a Binding)> {
        let mut seen = HashSet::new();
        self.binding_with_module(module, name, &mut seen, false)
    }

    fn binding_in<'a>(
        &'a self,
        module: &'a ModuleFacts,
        name: &str,
        seen: &mut HashSet<String>,
        types: bool,
    ) -> Option<&'a Binding> {
        self.binding_with_module(module, name, seen, types).map(|(_, b)| b)
    }

    fn binding_with_module<'a>(
        &'a self,
        module: &'a ModuleFacts,
        name: &str,
        seen: &mut HashSet<String>,
        types: bool,
    ) -> Option<(&'a ModuleFacts, &'a Binding)> {
        if !seen.insert(module.name.clone()) {
            return None;
        }
        if let Some(b) = module.bindings.get(name) {
            if types || !module.type_only.contains(name) {
                return Some((module, b));
            }
        }
        for star in &module.star_imports {
            let Some(target) = self.module(star) else {
                continue;
            };
            if let Some(all) = &target.all {
                if !all.iter().any(|n| n == name) {
                    continue;
                }
            } else if name.starts_with('_') {
                continue;
            }
            if let Some(found) = self.binding_with_module(target, name, seen, types) {
                return Some(found);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::source::parse;
    use std::collections::HashMap;

    #[test]
    fn a_module_answers_the_lookups_of_its_name_and_of_each_suffix_after_a_dot() {
        let keys: Vec<u32> = module_name_keys("app.api.routes").collect();
        let expected: Vec<u32> = ["app.api.routes", "api.routes", "routes"]
            .into_iter()
            .map(class_hash)
            .collect();
        assert_eq!(keys, expected);
        assert_eq!(module_name_keys("routes").collect::<Vec<_>>(), [class_hash("routes")]);
        // The lookups of a name and the keys of the modules that answer it
        // agree: what `module` finds, the keys of the module found hold.
        let index = RepoIndex::new(vec![
            ModuleFacts::collect(
                "app.api.routes".into(),
                crate::analysis::source::parse("").root_node(),
                "",
            ),
            ModuleFacts::collect("lib.util".into(), crate::analysis::source::parse("").root_node(), ""),
        ]);
        for (dotted, found) in [
            ("api.routes", true),
            ("routes", true),
            ("pi.routes", false),
            ("app.api", false),
        ] {
            let (answer, reads) = Reads::record(|| index.module(dotted).map(|m| m.name.clone()));
            assert_eq!(answer.is_some(), found, "{dotted}");
            let answered_by_keys = module_name_keys("app.api.routes").any(|k| reads.module_keys.contains(&k));
            assert_eq!(answered_by_keys, found, "{dotted}");
        }
    }

    #[test]
    fn words_are_the_runs_of_name_bytes_with_their_offsets() {
        let text = "x.create_user(1e5, 'données') # é\n\t_a9";
        let found: Vec<(usize, &str)> = words(text).collect();
        assert_eq!(
            found,
            [
                (0, "x"),
                (2, "create_user"),
                (14, "1e5"),
                (20, "données"),
                (33, "é"),
                (37, "_a9")
            ]
        );
        assert_eq!(words("").count(), 0);
        assert_eq!(words(" (),. ").count(), 0);
    }

    fn module(name: &str, src: &str) -> ModuleFacts {
        let tree = parse(src);
        ModuleFacts::collect(name.into(), tree.root_node(), src)
    }

    fn index() -> RepoIndex {
        RepoIndex::new(vec![
            module(
                "examples.app.core.audit_mixin",
                "class AuditMixin:\n    created_by_email = Column(String)\n    def set_created_by(self, e, n): pass\n    def set_updated_by(self, e, n): pass\n",
            ),
            module("examples.app.core.models", "class GlobalModel(Base, AuditMixin):\n    __abstract__ = True\n"),
            module("examples.app.tenants.models", "class Tenant(GlobalModel):\n    name = Column(String)\nclass Log(Base):\n    msg = Column(String)\n"),
            module(
                "examples.app.core.imports",
                "from datetime import datetime\nfrom .more import *\n__all__ = ['datetime', 'func']\nfrom sqlalchemy import func\nimport os\n",
            ),
            module("examples.app.core.more", "def helper(): pass\n"),
            module("examples.app.svc", "from app.core.imports import *\nfrom app.core.more import *\nfrom sqlalchemy import *\n"),
        ])
    }

    #[test]
    fn mixin_is_inherited_through_repository_bases() {
        let idx = index();
        assert!(idx.inherits("Tenant", "AuditMixin"));
        assert!(!idx.inherits("Log", "AuditMixin"));
        assert!(!idx.inherits("Unknown", "AuditMixin"));
        assert_eq!(
            idx.columns("Tenant").unwrap().into_iter().collect::<Vec<_>>(),
            vec!["created_by_email".to_string(), "name".to_string()]
        );
        assert!(idx.columns_are_complete("Tenant"));
    }

    #[test]
    fn star_imports_bind_what_the_module_exports() {
        let idx = index();
        let svc = idx.module("app.svc").unwrap();
        assert!(idx.is_bound(svc, "datetime"));
        assert!(idx.is_bound(svc, "func"));
        assert!(!idx.is_bound(svc, "os"), "not in __all__");
        assert!(idx.is_bound(svc, "helper"), "second star import has no __all__");
        assert!(
            !idx.is_bound(svc, "IntegrityError"),
            "external star import binds nothing known"
        );
    }

    #[test]
    fn mixin_fit_reports_missing_setters() {
        let idx = index();
        assert_eq!(
            idx.mixin_fit("AuditMixin", &["set_created_by", "set_updated_by"]),
            MixinFit::Fits
        );
        assert_eq!(
            idx.mixin_fit("AuditMixin", &["set_created_by", "set_deleted_by"]),
            MixinFit::LacksSetters(vec!["set_deleted_by".into()])
        );
        assert_eq!(idx.mixin_fit("OtherMixin", &["x"]), MixinFit::NotInRepository);
    }

    #[test]
    fn mixin_fit_checks_what_the_setters_take() {
        use crate::analysis::module::Arity;
        let with = |setters: &str| {
            RepoIndex::new(vec![module(
                "app.audit",
                &format!("class AuditMixin:\n{setters}    def set_updated_by(self, email, name): pass\n"),
            )])
            .mixin_fit("AuditMixin", &["set_created_by", "set_updated_by"])
        };
        // Takes (email, name), with defaults or more optional ones: fits.
        for fits in [
            "    def set_created_by(self, email, name): pass\n",
            "    def set_created_by(self, email, name=None, *, at=None): pass\n",
            "    def set_created_by(self, *args): pass\n",
        ] {
            assert_eq!(with(fits), MixinFit::Fits, "{fits}");
        }
        // Another team's setters: one id, three arguments, a required keyword.
        for (differs, arity) in [
            (
                "    def set_created_by(self, user_id): pass\n",
                Arity {
                    required: 1,
                    most: Some(1),
                    keyword_required: false,
                },
            ),
            (
                "    def set_created_by(self, user_id, email, name): pass\n",
                Arity {
                    required: 3,
                    most: Some(3),
                    keyword_required: false,
                },
            ),
            (
                "    def set_created_by(self, email, name, *, at): pass\n",
                Arity {
                    required: 2,
                    most: Some(2),
                    keyword_required: true,
                },
            ),
        ] {
            assert_eq!(
                with(differs),
                MixinFit::SettersDiffer(vec![("set_created_by".into(), arity)]),
                "{differs}"
            );
            assert!(!with(differs).fits());
        }
    }

    #[test]
    fn session_sources_are_found_without_parsing() {
        let src = "SessionLocal = sessionmaker(bind=engine)\n\
                   async_session = async_sessionmaker(engine)\n\
                   db_session = scoped_session(sessionmaker(bind=engine))\n\
                   def get_db() -> Iterator[Session]:\n    yield SessionLocal()\n\
                   async def get_async_db(\n    x: int,\n) -> AsyncGenerator[AsyncSession, None]:\n    yield x\n\
                   def unrelated(session: Session) -> int:\n    return 1\n";
        let names = session_source_names(src);
        for name in ["SessionLocal", "async_session", "db_session", "get_db", "get_async_db"] {
            assert!(names.iter().any(|n| n == name), "{name} in {names:?}");
        }
        assert!(
            !names.iter().any(|n| n == "unrelated"),
            "a session parameter is no source: {names:?}"
        );
        // Each found name is a key of the module, so the index can say a
        // name may be defined without parsing anything.
        let keys = class_keys(src);
        assert!(keys_of(["SessionLocal"].into_iter()).iter().all(|k| keys.contains(k)));
    }

    #[test]
    fn class_names_are_a_superset_found_without_parsing() {
        let text = "class A(Base):\n    class Inner:\n        pass\n\tclass\tTabbed: pass\nclass \\\n    Continued: pass\nsubclass B: pass\nx = 'class InString'\n# class Commented\nclass 9bad: pass\nclass Ünïcode: pass\nclass A: pass\n";
        assert_eq!(
            class_names(text),
            vec!["A", "Inner", "Tabbed", "Continued", "InString", "Commented", "Ünïcode"]
        );
        // Every class a parse finds is among them.
        let src = "class A:\n    def f(self):\n        class Local(Base): pass\n@dec\nclass B(A): x = Column(String)\n";
        let facts = module("m", src);
        let scanned = class_names(src);
        assert!(facts.classes.iter().all(|c| scanned.contains(&c.name)));
    }

    #[test]
    fn a_lazy_index_answers_as_the_eager_one_and_parses_only_what_it_needs() {
        let sources = [
            (
                "app.core.mixin",
                "class AuditMixin:\n    def set_created_by(self, e, n): pass\n",
            ),
            (
                "app.models",
                "# class Tenant is below\nclass Tenant(GlobalModel):\n    name = Column(String)\n",
            ),
            (
                "app.base",
                "class GlobalModel(Base, AuditMixin):\n    __abstract__ = True\n",
            ),
            ("app.other", "x = 'class Tenant'\n"),
            ("app.broken", "class Tenant(:\n"),
        ];
        let eager = RepoIndex::new(sources.iter().map(|(n, s)| module(n, s)).collect());
        let slots = sources
            .iter()
            .map(|(n, s)| Slot::lazy(n.to_string(), Origin::Text(Arc::from(*s))))
            .collect();
        let lazy = RepoIndex::lazy(slots, sources.iter().map(|(_, s)| class_keys(s)).collect());
        assert!(
            lazy.slots.iter().all(|s| s.facts.get().is_none()),
            "nothing parsed up front"
        );
        for class in ["Tenant", "GlobalModel", "AuditMixin", "Missing"] {
            assert_eq!(
                lazy.inherits(class, "AuditMixin"),
                eager.inherits(class, "AuditMixin"),
                "{class}"
            );
            assert_eq!(lazy.columns(class), eager.columns(class), "{class}");
        }
        assert!(lazy.inherits("Tenant", "AuditMixin"));
        // `app.other` and `app.broken` were never needed: the first module
        // defining `Tenant` answered.
        assert!(lazy.slots[3].facts.get().is_none());
        assert!(lazy.slots[4].facts.get().is_none());
        assert_eq!(lazy.module("models").map(|m| m.name.as_str()), Some("app.models"));
        assert!(lazy.module("broken").is_none(), "a module that does not parse is none");
    }

    /// The answer of [`RepoIndex::module`] by its definition, over every slot.
    fn module_by_definition<'a>(index: &'a RepoIndex, dotted: &str) -> Option<&'a ModuleFacts> {
        let mut order: Vec<usize> = (0..index.slots.len())
            .filter(|i| {
                let name = &index.slots[*i].name;
                name == dotted || name.ends_with(&format!(".{dotted}"))
            })
            .collect();
        order.sort_by_key(|i| (index.slots[*i].name != dotted, index.slots[*i].name.len()));
        order.into_iter().find_map(|i| index.facts(i))
    }

    #[test]
    fn a_module_is_matched_on_whole_dotted_suffixes() {
        let names = [
            "xapp.models",
            "cd.models",
            "app.models",
            "ab.models",
            "app.models.sub",
            "app.models_extra",
            "app.xmodels",
            "appmodels",
            "z.models",
            "a.models",
            "app.models",
            "models.app",
            "é.models",
            "a..models",
            "trailing.",
            "",
        ];
        let slots = names
            .iter()
            .map(|n| {
                let src = if *n == "z.models" { "def f(:\n" } else { "x = 1\n" };
                Slot::lazy(n.to_string(), Origin::Text(Arc::from(src)))
            })
            .collect();
        let index = RepoIndex::lazy(slots, vec![Box::default(); names.len()]);
        let found = |dotted: &str| index.module(dotted).map(|m| m.name.clone());
        // Not `xapp.models`, though it ends with `app.models`; of the two
        // modules of that name, the first.
        assert_eq!(found("app.models").as_deref(), Some("app.models"));
        assert!(std::ptr::eq(
            index.module("app.models").unwrap(),
            index.facts(2).unwrap()
        ));
        // The shortest that parses: `z.models` comes first but does not.
        assert_eq!(found("models").as_deref(), Some("a.models"));
        assert_eq!(found("s"), None, "a suffix ends at a dot");
        assert_eq!(found("odels"), None);
        assert_eq!(found("pp.models"), None);
        assert_eq!(found("sub").as_deref(), Some("app.models.sub"));
        assert_eq!(found("models.sub").as_deref(), Some("app.models.sub"));
        assert_eq!(found("z.models"), None, "does not parse");
        assert_eq!(found("missing"), None);
        // Every suffix of every name, and some that are not, answer as the
        // definition does.
        let mut queries: BTreeSet<String> = ["", ".", "..", "s", "x", "app", "models.app", "models_extra"]
            .into_iter()
            .map(String::from)
            .collect();
        for name in names {
            for (at, _) in name.char_indices() {
                queries.insert(name[at..].to_string());
            }
        }
        for dotted in &queries {
            assert_eq!(
                index.module(dotted).map(|m| &m.name),
                module_by_definition(&index, dotted).map(|m| &m.name),
                "{dotted:?}"
            );
        }
        // Among names of one length, module order decides.
        let index = RepoIndex::new(vec![module("cd.models", ""), module("ab.models", "")]);
        assert_eq!(index.module("models").map(|m| m.name.as_str()), Some("cd.models"));
    }

    #[test]
    fn a_module_lookup_kept_for_one_index_is_never_another_indexs_answer() {
        let name = |index: &RepoIndex, dotted: &str| index.module(dotted).map(|m| m.name.clone());
        let first = RepoIndex::new(vec![module("app.models", "")]);
        assert_eq!(name(&first, "models").as_deref(), Some("app.models"));
        drop(first);
        // Perhaps where the first one was: its own answer, not the one kept.
        let second = RepoIndex::new(vec![module("lib.other", ""), module("lib.models", "")]);
        assert_eq!(name(&second, "models").as_deref(), Some("lib.models"));
        let third = RepoIndex::new(vec![module("core", "")]);
        assert_eq!(name(&third, "models"), None);
        assert_eq!(name(&RepoIndex::default(), "models"), None);
        // More names than a thread keeps, then the first again: the same
        // answers, kept or looked up anew.
        let count = MODULE_LOOKUPS_KEPT + 10;
        let many = RepoIndex::new((0..count).map(|i| module(&format!("pkg.m{i}"), "")).collect());
        for round in 0..2 {
            for i in 0..count {
                assert_eq!(
                    name(&many, &format!("m{i}")),
                    Some(format!("pkg.m{i}")),
                    "round {round}"
                );
            }
        }
        assert_eq!(name(&second, "models").as_deref(), Some("lib.models"));
        assert_eq!(name(&second, "other").as_deref(), Some("lib.other"));
    }

    #[test]
    fn a_class_is_answered_from_its_own_name_when_hashes_collide() {
        // Two class names of one hash, found by search.
        let mut seen = HashMap::new();
        let (mine, other) = (0u32..)
            .find_map(|n| {
                let name = format!("C{n}");
                seen.insert(class_hash(&name), name.clone())
                    .map(|earlier| (name, earlier))
            })
            .unwrap();
        assert_eq!(class_hash(&mine), class_hash(&other));
        let sources = [
            ("m.other", format!("class {other}(Base):\n    a = Column(String)\n")),
            ("m.mine", format!("class {mine}(Base):\n    b = Column(String)\n")),
            ("m.again", format!("class {other}(Base):\n    c = Column(String)\n")),
        ];
        let index = |which: &[usize]| {
            let slots = which
                .iter()
                .map(|i| {
                    Slot::lazy(
                        sources[*i].0.to_string(),
                        Origin::Text(Arc::from(sources[*i].1.as_str())),
                    )
                })
                .collect();
            RepoIndex::lazy(slots, which.iter().map(|i| class_keys(&sources[*i].1)).collect())
        };
        let all = index(&[0, 1, 2]);
        assert_eq!(all.class(&mine).map(|c| c.name.as_str()), Some(mine.as_str()));
        assert_eq!(all.columns(&mine), Some(BTreeSet::from(["b".to_string()])));
        assert_eq!(all.columns(&other), Some(BTreeSet::from(["a".to_string()])));
        // `m.other` was parsed for `mine` (same hash) and answered nothing.
        assert!(all.slots[2].facts.get().is_none(), "`m.again` was never needed");
        let without = index(&[0, 2]);
        assert!(without.class(&mine).is_none(), "a class of the same hash is not it");
        assert_eq!(without.columns(&other), Some(BTreeSet::from(["a".to_string()])));
    }
}
