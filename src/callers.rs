//! The repository-wide part of the audit: callers of audited methods.
//!
//! Per-file rules see one file; AUD012-AUD014 need every definition and
//! every call of the repository at once. This module builds that view
//! ([`CallGraph`]), decides which functions will take a user (an audited
//! write method AUD001 gives the parameter to, or a facade that must take
//! and forward it), and runs the caller rules over every resolved call.
//! A fix here may touch several files (the route, the facade it calls, the
//! method that gets the parameter): it is kept whole as a [`CallerFinding`]
//! so that it is applied whole or not at all.
//!
//! Memory stays bounded however many files take part: the graph holds no
//! tree. Each file is parsed for a moment to take its definitions and call
//! sites as plain data, and again, one file at a time, when a rule builds a
//! fix there (the nodes are found again by their byte ranges).

use crate::analysis::calls::{call_sites, is_route, user_in_scope, CallSite, ClassRef, DefRef, Evaluation, Resolver};
use crate::analysis::functions::{functions, Function, Param, ParamKind};
use crate::analysis::index::{is_word_byte, words};
use crate::analysis::source::NodeExt;
use crate::analysis::source::SourceFile;
use crate::analysis::values::FileValues;
use crate::checker::{suppressed, UserNeed};
use crate::diagnostic::{location, Diagnostic};
use crate::pipeline::{LoadedFile, Workspace};
use crate::rules::{self, Rule};
use crate::settings::Kind;
use auditfix_transforms::{Applicability, Edit, Fix, Stylist};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;
use std::sync::Arc;
use tree_sitter::Node;

/// A function's parameters as binding a call needs them: names, kinds and
/// defaults, not annotations. The graph keeps them for every definition of
/// the repository, so the names are kept end to end in one string, not in
/// an allocation each.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Params {
    /// Every name, end to end.
    names: Box<str>,
    shapes: Box<[Shape]>,
}

/// A parameter of [`Params`] but its name: where the name ends in the
/// names (a `u32`, as the offsets of the tree the names were read from),
/// and how it is passed.
#[derive(Clone, Copy, Debug, serde::Serialize, serde::Deserialize)]
struct Shape {
    end: u32,
    kind: ParamKind,
    has_default: bool,
}

/// A parameter of a definition of the graph.
#[derive(Clone, Copy, Debug)]
pub struct ParamRef<'a> {
    pub name: &'a str,
    pub kind: ParamKind,
    pub has_default: bool,
}

impl Params {
    fn of(params: &[Param]) -> Params {
        let mut names = String::with_capacity(params.iter().map(|p| p.name.len()).sum());
        let shapes = params
            .iter()
            .map(|p| {
                names.push_str(&p.name);
                Shape {
                    end: names.len() as u32,
                    kind: p.kind,
                    has_default: p.has_default,
                }
            })
            .collect();
        Params {
            names: names.into_boxed_str(),
            shapes,
        }
    }

    /// The parameters, in order.
    pub fn iter(&self) -> impl Iterator<Item = ParamRef<'_>> {
        let mut start = 0;
        self.shapes.iter().map(move |shape| {
            let end = shape.end as usize;
            let name = &self.names[start..end];
            start = end;
            ParamRef {
                name,
                kind: shape.kind,
                has_default: shape.has_default,
            }
        })
    }
}

/// A function's signature and place, without its tree (its name and
/// class are the definition's key). Offsets and lines are `u32`, as in the
/// tree they were read from.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct FunctionInfo {
    pub params: Params,
    /// The bytes of the `function_definition`.
    range: Range<u32>,
    /// The line of the `def` (1-based).
    line: u32,
}

impl FunctionInfo {
    fn of(function: &Function<'_>) -> FunctionInfo {
        let range = function.node.byte_range();
        FunctionInfo {
            params: Params::of(&function.params),
            range: range.start as u32..range.end as u32,
            line: function.node.start_position().row as u32 + 1,
        }
    }

    /// The bytes of the `function_definition`.
    pub fn range(&self) -> Range<usize> {
        self.range.start as usize..self.range.end as usize
    }

    /// The line of the `def` (1-based).
    pub fn line(&self) -> usize {
        self.line as usize
    }
}

/// The user names of a definition.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
struct UserNames {
    /// An existing parameter named like a user parameter.
    param: Option<Box<str>>,
    /// The parameter AUD001 adds (an audited write method lacking it).
    needed: Option<Box<str>>,
    /// The edits that add `needed`, as the file's check built them (so
    /// that the file need not be parsed again for them).
    needed_edits: Option<Box<[Edit]>>,
    /// The parameter a facade must take and forward (computed).
    facade: Option<Box<str>>,
    /// The name of the user the function holds, if any.
    in_scope: Option<Box<str>>,
}

impl UserNames {
    /// The names boxed, or `None` when there is none: most definitions (six
    /// in seven in a large repository) name no user, and keep no box.
    fn boxed(self) -> Option<Box<UserNames>> {
        let any = self.param.is_some() || self.needed.is_some() || self.facade.is_some() || self.in_scope.is_some();
        any.then(|| Box::new(self))
    }
}

/// One definition of the repository.
///
/// The graph holds one for every function of the files that take part (tens
/// of thousands in a large repository): names are boxed strings with no
/// spare capacity, and the user names are boxed apart, when there are any.
pub struct Definition {
    pub file: usize,
    pub function: FunctionInfo,
    pub key: DefRef,
    users: Option<Box<UserNames>>,
    pub is_route: bool,
}

impl Definition {
    /// An existing parameter named like a user parameter.
    pub fn user_param(&self) -> Option<&str> {
        self.users.as_ref()?.param.as_deref()
    }

    /// The parameter AUD001 adds (an audited write method lacking it).
    pub fn needs_user(&self) -> Option<&str> {
        self.users.as_ref()?.needed.as_deref()
    }

    /// The parameter a facade must take and forward (computed).
    pub fn facade_user(&self) -> Option<&str> {
        self.users.as_ref()?.facade.as_deref()
    }

    /// The name of the user this function holds, if any.
    pub fn user_in_scope(&self) -> Option<&str> {
        self.users.as_ref()?.in_scope.as_deref()
    }

    /// Make the function a facade taking `user`, unless it is one already.
    fn make_facade(&mut self, user: &str) {
        self.users
            .get_or_insert_with(Box::default)
            .facade
            .get_or_insert_with(|| user.into());
    }

    /// `Class.method` or `function`.
    pub fn qualified(&self) -> String {
        match &self.key.class {
            Some(class) => format!("{class}.{}", self.key.name),
            None => self.key.name.to_string(),
        }
    }

    /// The user parameter the function has or will have.
    pub fn effective_user(&self) -> Option<&str> {
        self.user_param().or(self.needs_user()).or(self.facade_user())
    }

    /// Parameters a caller binds (without `self`/`cls` for bound calls).
    pub fn callable_params(&self, bound: bool) -> Vec<ParamRef<'_>> {
        let first_is_self = self
            .function
            .params
            .iter()
            .next()
            .is_some_and(|p| p.name == "self" || p.name == "cls");
        let skip = usize::from(bound && first_is_self);
        self.function.params.iter().skip(skip).collect()
    }
}

/// How a call passes its arguments, as far as binding them goes. The graph
/// keeps one for every call site it records: no spare capacity.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Arguments {
    /// Keyword names, in order.
    pub keywords: Box<[Box<str>]>,
    /// Positional arguments (no splats).
    pub positional: usize,
    /// `*args`, `**kwargs`.
    pub star: bool,
    pub double_star: bool,
    /// Per positional argument, whether it may be a user (see
    /// [`may_be_user`]): one that is not, in a user parameter's place, is
    /// shifted (AUD013), not the user passed.
    pub user_like: Box<[bool]>,
}

impl Arguments {
    pub fn of(site: &CallSite<'_>, text: &str) -> Arguments {
        let (star, double_star) = site.has_splat();
        let positional = site.positional();
        Arguments {
            keywords: site
                .keywords(text)
                .into_iter()
                .map(|(k, _)| k.into_boxed_str())
                .collect(),
            positional: positional.len(),
            star,
            double_star,
            user_like: positional.iter().map(|a| may_be_user(&text[a.byte_range()])).collect(),
        }
    }
}

/// Whether an argument, by its text, may be the user a user parameter
/// takes: `None` or a name that says `user`. Anything else in a user
/// parameter's place was meant for the parameter after it (AUD013).
pub fn may_be_user(argument: &str) -> bool {
    argument == "None" || argument.to_lowercase().contains("user")
}

/// A call site, without its tree.
///
/// The graph keeps one for every call of an audited name in a large
/// repository (thousands): offsets, lines and indices are `u32`, as in the
/// tree they were read from, texts are boxed with no spare capacity, and the
/// rare dynamic call's class is boxed apart.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Site {
    /// The bytes of the `call`.
    range: Range<u32>,
    /// The line of the call (1-based).
    line: u32,
    /// Index of the calling function in the file's definitions.
    caller: Option<u32>,
    /// The call's first line of text.
    pub first_line: Box<str>,
    pub name: Box<str>,
    pub callee: Option<DefRef>,
    pub bound: bool,
    /// Set for a dynamic call (`getattr(obj, name)(...)`): the class of
    /// `obj`, when known.
    dynamic: Option<Box<Option<ClassRef>>>,
    pub arguments: Arguments,
}

// The graph holds thousands of these: a field that grows them is a choice.
#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<Site>() == 160);
#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<Definition>() == 120);

impl Site {
    fn of(site: &CallSite<'_>, text: &str) -> Site {
        let range = site.call.byte_range();
        Site {
            range: range.start as u32..range.end as u32,
            line: site.call.start_position().row as u32 + 1,
            caller: site.caller.map(|i| i as u32),
            first_line: text[range].lines().next().unwrap_or("").into(),
            name: site.name.as_str().into(),
            callee: site.callee.clone(),
            bound: site.bound,
            dynamic: site.dynamic.clone().map(Box::new),
            arguments: Arguments::of(site, text),
        }
    }

    /// The bytes of the `call`.
    fn range(&self) -> Range<usize> {
        self.range.start as usize..self.range.end as usize
    }

    /// The line of the call (1-based).
    pub fn line(&self) -> usize {
        self.line as usize
    }

    /// Index of the calling function in the file's definitions.
    pub fn caller(&self) -> Option<usize> {
        self.caller.map(|i| i as usize)
    }

    /// `Some` for a dynamic call: the class of the object, when known.
    pub fn dynamic(&self) -> Option<Option<&ClassRef>> {
        self.dynamic.as_deref().map(Option::as_ref)
    }

    /// The site as a node of `root` (the same file parsed again), checked
    /// to be the call it was (`None` when the file changed meanwhile).
    pub fn locate<'t>(&self, root: Node<'t>, text: &str) -> Option<CallSite<'t>> {
        let range = self.range();
        let call = node_with_range(root, &range, "call")?;
        if text.get(range)?.lines().next().unwrap_or("") != &*self.first_line {
            return None;
        }
        Some(CallSite {
            call,
            name: self.name.to_string(),
            callee: self.callee.clone(),
            bound: self.bound,
            dynamic: self.dynamic.as_deref().cloned(),
            caller: self.caller(),
        })
    }
}

/// The node of `kind` spanning exactly `range` below `root`.
fn node_with_range<'t>(root: Node<'t>, range: &Range<usize>, kind: &str) -> Option<Node<'t>> {
    let mut node = root.descendant_for_byte_range(range.start, range.end)?;
    loop {
        if node.kind_str() == kind && node.byte_range() == *range {
            return Some(node);
        }
        if node.byte_range() != *range {
            return None;
        }
        node = node.parent()?;
    }
}

/// A definition as a file yields it, before it joins the graph.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct Draft {
    function: FunctionInfo,
    key: DefRef,
    users: Option<Box<UserNames>>,
    is_route: bool,
}

/// What one file yields for the graph: its definitions (when asked) and
/// its calls of the wanted names.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct FileYield {
    drafts: Option<Vec<Draft>>,
    sites: Vec<Site>,
    /// When asked to record its calls (of the predicted names) for the
    /// rounds, as the check records them: the names the text mentions
    /// ([`Recorded::mentioned`]).
    mentioned: Option<Box<[u64]>>,
    /// Whether it is of the text loading read (and hashed): only such a
    /// yield is kept between runs (see [`Yields`]).
    #[serde(skip)]
    of_loaded_text: bool,
    /// Whether the file was parsed to make it (not when a search found it
    /// names none of the names wanted).
    #[serde(skip)]
    parsed: bool,
}

impl FileYield {
    /// Whether the graph takes nothing from it: no definition, no call,
    /// nothing to record.
    fn adds_nothing(&self) -> bool {
        self.drafts.is_none() && self.sites.is_empty() && self.mentioned.is_none()
    }

    /// Whether it is [`FileYield::nothing`]'s answer.
    fn names_none(&self) -> bool {
        !self.parsed && self.adds_nothing()
    }

    /// The answer of a file that names none of the names wanted.
    fn nothing(of_loaded_text: bool) -> FileYield {
        FileYield {
            drafts: None,
            sites: Vec::new(),
            mentioned: None,
            of_loaded_text,
            parsed: false,
        }
    }
}

/// What a file the callers' step parsed yielded, for the result cache:
/// the file (by position), the question (see [`Yields`]), the answer, and
/// what making it read of the index.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct KeptYield {
    pub file: u32,
    question: u64,
    answer: FileYield,
    pub reads: crate::analysis::index::ReadList,
}

/// The answers the callers' step's files gave, as the result cache keeps
/// them: the yields, and, apart, the questions (by file and question) whose
/// answer is that the file names none of the names wanted (most files, in
/// each round: a pair of numbers each, not a yield).
#[derive(Default, serde::Serialize, serde::Deserialize)]
pub struct KeptAnswers {
    pub yields: Vec<KeptYield>,
    pub none_named: Vec<(u32, u64)>,
}

/// The yields of the files the callers' step parses (the files that call
/// a function taking a user but take no part themselves: routes, jobs),
/// kept between runs by the result cache as the per-file parts are (see
/// [`crate::cache::parts`]): a yield is the answer to one question (the
/// names wanted, whether the definitions and dynamic calls are, what AUD001
/// gives the file), and is good while its file and what it read are
/// unchanged. An edit of one file asks the other files the same questions.
#[derive(Default)]
pub struct Yields {
    kept: HashMap<(u32, u64), KeptYield>,
    kept_none_named: HashSet<(u32, u64)>,
    /// The answers this run used, kept or made.
    used: std::sync::Mutex<KeptAnswers>,
    /// The files whose yields this run made, by position, and whether it
    /// parsed them (else it only searched them).
    made: std::sync::Mutex<Vec<(usize, bool)>>,
}

impl Yields {
    /// Over the answers kept from the last run, still good.
    pub fn new(kept: KeptAnswers) -> Yields {
        Yields {
            kept: kept.yields.into_iter().map(|k| ((k.file, k.question), k)).collect(),
            kept_none_named: kept.none_named.into_iter().collect(),
            used: Default::default(),
            made: Default::default(),
        }
    }

    /// The answers this run used, to keep for the next, and the files whose
    /// yields it made, by position, sorted: those it parsed, and those it
    /// only searched (for the names of a round).
    pub fn into_used(self) -> (KeptAnswers, Vec<usize>, Vec<usize>) {
        let made = self.made.into_inner().unwrap_or_else(|e| e.into_inner());
        let files = |parsed: bool| {
            let mut files: Vec<usize> = made.iter().filter(|m| m.1 == parsed).map(|m| m.0).collect();
            files.sort_unstable();
            files.dedup();
            files
        };
        let (parsed, searched) = (files(true), files(false));
        (
            self.used.into_inner().unwrap_or_else(|e| e.into_inner()),
            parsed,
            searched,
        )
    }

    /// The answer of file `file` to `question`: kept, or made by `make`
    /// (and what it read recorded).
    fn answer(&self, file: usize, question: u64, make: impl FnOnce() -> Option<FileYield>) -> Option<FileYield> {
        let file = file as u32;
        let used = || self.used.lock().unwrap_or_else(|e| e.into_inner());
        let keep = |kept: KeptYield| used().yields.push(kept);
        if self.kept_none_named.contains(&(file, question)) {
            used().none_named.push((file, question));
            return Some(FileYield::nothing(true));
        }
        if let Some(kept) = self.kept.get(&(file, question)) {
            let answer = kept.answer.clone();
            keep(KeptYield {
                file,
                question,
                answer: answer.clone(),
                reads: kept.reads.clone(),
            });
            return Some(FileYield {
                of_loaded_text: true,
                ..answer
            });
        }
        let (made, reads) = crate::analysis::index::Reads::record(make);
        let parsed = made.as_ref().is_none_or(|m| m.parsed);
        self.made
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((file as usize, parsed));
        if let Some(answer) = made.as_ref().filter(|m| m.of_loaded_text) {
            if answer.names_none() {
                used().none_named.push((file, question));
                return made;
            }
            keep(KeptYield {
                file,
                question,
                answer: answer.clone(),
                reads: reads.into(),
            });
        }
        made
    }
}

/// What file `i` yields (see [`yield_of`]) for the names `names` (which
/// `wanted` accepts), from `memo` when it keeps that answer: the question
/// and the answer made of the same arguments. With `record` (the
/// fingerprint of the predicted names `wanted` accepts), the answer holds
/// what the text mentions too.
#[allow(clippy::too_many_arguments)]
fn ask(
    memo: Option<&Yields>,
    workspace: &Workspace,
    i: usize,
    needs_user: Option<&Vec<UserNeed>>,
    names: &[&str],
    wanted: &dyn Fn(&str) -> bool,
    definitions: bool,
    dynamic: bool,
    record: Option<u64>,
    searched: Option<&aho_corasick::AhoCorasick>,
) -> Option<FileYield> {
    let file = &workspace.files[i];
    let make = || {
        // A file that names none of the names answers nothing, unparsed.
        if let Some(matcher) = searched {
            match file.search_loaded(|text| calls_possible(matcher, text)) {
                Some((true, _)) => {}
                Some((false, of_loaded_text)) => return Some(FileYield::nothing(of_loaded_text)),
                None => return None,
            }
        }
        yield_of(
            workspace,
            file,
            needs_user,
            definitions,
            wanted,
            dynamic,
            record.is_some(),
        )
    };
    let question = || question(names, definitions, dynamic, needs_user, record, searched.is_some());
    match memo {
        Some(memo) => memo.answer(i, question(), make),
        None => make(),
    }
}

/// The key of a question a round asks a file: the names wanted (sorted),
/// whether its definitions and dynamic calls are wanted, the parameters
/// AUD001 gives its functions, whether (against which predicted names) its
/// calls are recorded, and whether it is asked only if it names one.
fn question(
    names: &[&str],
    definitions: bool,
    dynamic: bool,
    needs_user: Option<&Vec<UserNeed>>,
    record: Option<u64>,
    searched: bool,
) -> u64 {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    hasher.update(&[u8::from(definitions), u8::from(dynamic), u8::from(searched)]);
    if let Some(predicted) = record {
        hasher.update(b"record");
        hasher.update(&predicted.to_le_bytes());
    }
    for name in names {
        hasher.update(&(name.len() as u64).to_le_bytes());
        hasher.update(name.as_bytes());
    }
    for need in needs_user.into_iter().flatten() {
        hasher.update(&(need.start as u64).to_le_bytes());
        hasher.update(need.parameter.as_bytes());
        hasher.update(b"\0");
    }
    hasher.digest()
}

/// The definitions of a file, from its tree, each told whether AUD001
/// gives it a user parameter (`needs_user`: `(def start byte, parameter)`).
fn drafts(
    workspace: &Workspace,
    module: &crate::analysis::module::ModuleFacts,
    funcs: &[Function<'_>],
    text: &str,
    needs_user: Option<&Vec<UserNeed>>,
) -> Vec<Draft> {
    let settings = &workspace.config.settings;
    let resolver = Resolver {
        index: &workspace.index,
        module,
    };
    let user_names: Vec<&String> = Kind::ALL.iter().map(|k| settings.user_parameters.get(*k)).collect();
    // The file's definitions share one copy of the module's name and of
    // each class's.
    let module_name: Arc<str> = module.name.as_str().into();
    let mut classes: Vec<Arc<str>> = Vec::new();
    funcs
        .iter()
        .map(|function| Draft {
            function: FunctionInfo::of(function),
            key: DefRef {
                module: module_name.clone(),
                class: function.class.as_deref().map(|c| shared(&mut classes, c)),
                name: function.name.as_str().into(),
            },
            users: UserNames {
                param: function
                    .params
                    .iter()
                    .find(|p| user_names.iter().any(|u| **u == p.name) && p.kind != ParamKind::VarArgs)
                    .map(|p| p.name.as_str().into()),
                needed: needs_user
                    .and_then(|n| n.iter().find(|need| need.start == function.node.start_byte()))
                    .map(|need| need.parameter.as_str().into()),
                needed_edits: needs_user
                    .and_then(|n| n.iter().find(|need| need.start == function.node.start_byte()))
                    .and_then(|need| need.edits.clone())
                    .map(Vec::into_boxed_slice),
                facade: None,
                in_scope: user_in_scope(function, text, settings, &resolver).map(String::into_boxed_str),
            }
            .boxed(),
            is_route: is_route(function, text),
        })
        .collect()
}

/// The copy of `name` among `names`, added when missing (a file's classes:
/// few, and a class's methods come one after another, so the last added is
/// looked at first).
fn shared(names: &mut Vec<Arc<str>>, name: &str) -> Arc<str> {
    if let Some(found) = names.iter().rev().find(|n| ***n == *name) {
        return found.clone();
    }
    let new: Arc<str> = name.into();
    names.push(new.clone());
    new
}

/// What the per-file check took from the tree of a file that takes part
/// in the callers' step (see [`Naming`]), so that the step does not parse
/// the file again: its definitions, and the calls it makes of the
/// functions that may take a user.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub struct Definitions {
    drafts: Vec<Draft>,
    /// Its calls of the names the repository's `def`s predicted, when
    /// recorded (with the prefilters).
    calls: Option<Box<Recorded>>,
    /// Whether the file takes part from the start ([`Naming::takes_part`]).
    /// A file that does not, but calls a predicted write method by name, is
    /// recorded too (see [`Naming::definitions`]): it joins the graph in the
    /// round that wants a name it calls, as a parse of it then would (it was
    /// parsed again in that round before).
    part: bool,
}

/// The calls of a file recorded by the per-file check: those of the names
/// `predicted` holds, and its dynamic calls, with the names the text
/// mentions (as [`calls_possible`] reads a mention). A round takes a
/// file's calls from here, unless the file mentions one of its new names
/// that was not predicted: then it parses the file.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct Recorded {
    /// Not stored with the record: the cache keeps each set once (see
    /// [`Definitions::predicted`]).
    #[serde(skip)]
    predicted: Arc<Predicted>,
    mentioned: Box<[u64]>,
    sites: Vec<Site>,
}

impl Definitions {
    /// The names its calls were recorded against, when recorded: what the
    /// result cache keeps once for all the records made against them.
    pub fn predicted(&self) -> Option<&Arc<Predicted>> {
        self.calls.as_ref().map(|calls| &calls.predicted)
    }

    /// Its calls recorded against `predicted` (a record read back from the
    /// result cache, which keeps the names apart).
    pub fn recorded_against(&mut self, predicted: Arc<Predicted>) {
        if let Some(calls) = &mut self.calls {
            calls.predicted = predicted;
        }
    }
}

impl Recorded {
    /// Whether the text mentions one of `names`.
    fn mentions(&self, names: &[&String]) -> bool {
        names.iter().any(|n| self.mentioned.binary_search(&name_key(n)).is_ok())
    }
}

/// The key of a name: [`def_keys`] and [`Predicted`] hold these.
fn name_key(name: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(name.as_bytes())
}

/// The keys of the names that follow the keyword `def` in `text` of the
/// functions that may take a user (a user parameter's name or a session
/// write between their `def` and the next: [`Prefilter::user_marks`]; or
/// a write method's name), sorted, each once. Without `searched` (a text
/// that can hold no finding and names no user: no function of it has a
/// user parameter or is a write method AUD001 gives one), only the
/// write methods' names are taken, and the text is not searched. Found without
/// parsing, a superset of the functions a parse would find taking a user
/// in the callers' first round. A function it leaves out (a facade, or a
/// write after a nested `def`) is looked for by parsing, as before.
///
/// [`Prefilter::user_marks`]: crate::analysis::functions::Prefilter::user_marks
pub fn def_keys(text: &str, filter: &crate::analysis::functions::Prefilter, searched: bool) -> Box<[u64]> {
    let bytes = text.as_bytes();
    // Each `def`'s position and the range of its name.
    let defs: Vec<(usize, Range<usize>)> = crate::analysis::index::keyword_names(text, "def").collect();
    let marks = if searched {
        filter.user_marks(text)
    } else {
        Some(Default::default())
    };
    let within = |marks: &[usize], range: Range<usize>| {
        let first = marks.partition_point(|m| *m < range.start);
        marks.get(first).is_some_and(|m| *m < range.end)
    };
    let mut out: Vec<u64> = Vec::new();
    for (k, (at, name)) in defs.iter().enumerate() {
        let end = defs.get(k + 1).map_or(text.len(), |next| next.0);
        // A session write between this `def` and the next, or a user's
        // name in its parameters (a body passing a user on takes none).
        let marked = marks.as_ref().is_none_or(|marks| {
            within(&marks.writes, *at..end) || within(&marks.users, *at..signature_end(bytes, name.end, end))
        });
        let name = &text[name.clone()];
        if marked || filter.write_named(name) {
            out.push(name_key(name));
        }
    }
    out.sort_unstable();
    out.dedup();
    out.into_boxed_slice()
}

/// Where the parameters of the `def` whose name ends at `from` end: past
/// the parenthesis that closes the first one, or `limit` when that cannot
/// be told from the bytes (a superset either way).
fn signature_end(bytes: &[u8], from: usize, limit: usize) -> usize {
    let mut depth = 0usize;
    for (i, b) in bytes.iter().enumerate().take(limit).skip(from) {
        match b {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1;
                }
            }
            // A string may hold a parenthesis: read on to the limit.
            b'"' | b'\'' | b'#' => return limit,
            _ => {}
        }
    }
    limit
}

/// The names of the repository's functions that may take a user: the
/// `def`s of the files that may hold a write method or name a user, as
/// loading found them ([`def_keys`]), sorted.
#[derive(Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Predicted(Vec<u64>);

impl Predicted {
    fn of(workspace: &Workspace) -> Predicted {
        let mut keys: Vec<u64> = workspace.files.iter().flat_map(|f| f.defs.iter().copied()).collect();
        keys.sort_unstable();
        keys.dedup();
        Predicted(keys)
    }

    fn contains(&self, name: &str) -> bool {
        self.0.binary_search(&name_key(name)).is_ok()
    }

    fn fingerprint(&self) -> u64 {
        hash_of(&self.0)
    }
}

/// The keys of the names `text` mentions as a whole word, other than right
/// after `def` (what [`calls_possible`] looks for), sorted, each once.
fn mentioned_keys(text: &str) -> Box<[u64]> {
    let bytes = text.as_bytes();
    let mut out: Vec<u64> = words(text)
        .filter(|(start, _)| !bytes[*start].is_ascii_digit() && !after_def(bytes, *start))
        .map(|(_, word)| name_key(word))
        .collect();
    out.sort_unstable();
    out.dedup();
    out.into_boxed_slice()
}

/// The largest text of a file taking no part whose calls the check records
/// (see [`Naming::definitions`]): routes, jobs and tests are smaller; the
/// library modules that call a predicted write method by name are larger.
const RECORDED_TEXT_MAX: usize = 32 * 1024;

/// Which files the callers' step takes the definitions of, before it knows
/// which functions take a user: those with a write method that will take
/// one, those that name a user parameter (and, without the prefilter,
/// every file).
pub struct Naming {
    filter: crate::analysis::functions::Prefilter,
    prefilter: bool,
    predicted: Arc<Predicted>,
}

impl Naming {
    pub fn new(workspace: &Workspace) -> Naming {
        Naming {
            filter: crate::analysis::functions::Prefilter::new(&workspace.config.settings),
            prefilter: workspace.prefilter,
            predicted: Arc::new(Predicted::of(workspace)),
        }
    }

    /// Whether `text` names a predicted function named as a write method,
    /// but the session's writes (as [`calls_possible`] reads a name).
    fn calls_predicted_write(&self, text: &str) -> bool {
        let bytes = text.as_bytes();
        words(text).any(|(start, word)| {
            !after_def(bytes, start)
                && self.predicted.contains(word)
                && self.filter.write_named(word)
                && !crate::analysis::functions::session_write_names().any(|w| w == word)
        })
    }

    /// Whether the file takes part, from the parameters AUD001 gives it and
    /// whether it names a user (asked only when those do not decide).
    fn decides(&self, needs_user: Option<&Vec<UserNeed>>, names_a_user: impl FnOnce() -> bool) -> bool {
        !self.prefilter || needs_user.is_some_and(|n| !n.is_empty()) || names_a_user()
    }

    /// Whether the file of `text` takes part.
    pub fn takes_part(&self, needs_user: Option<&Vec<UserNeed>>, text: &str) -> bool {
        self.decides(needs_user, || self.filter.names_a_user(text))
    }

    /// [`Naming::takes_part`] for a file not at hand: loading noted whether
    /// it names a user (the text is read again only when it did not).
    fn file_takes_part(&self, file: &LoadedFile, needs_user: Option<&Vec<UserNeed>>) -> bool {
        self.decides(needs_user, || match file.names_user {
            Some(names) => names,
            None => file.search(|text| self.filter.names_a_user(text)),
        })
    }

    /// What the callers' step takes from a parsed file that takes part (see
    /// [`Definitions`]): its definitions, and, with the prefilters, its
    /// calls of the predicted names.
    pub fn definitions<'t>(
        &self,
        workspace: &Workspace,
        file: &LoadedFile,
        source: &'t SourceFile,
        needs_user: &Vec<UserNeed>,
        values: &FileValues<'t>,
    ) -> Option<Definitions> {
        let text = source.text.as_str();
        let part = self.takes_part(Some(needs_user), text);
        // A file that takes no part records its calls only when it calls a
        // write method by name (`create_item(...)`), predicted: a round
        // wanting it would parse the file again. Library code calls few
        // (the session's own `add` is not one). A record is held until the
        // graph is built, and is about the size of the text: a large file
        // (library code, far more often than a route or a job) is parsed
        // again by the round that wants it, if one does, as before.
        let recorded =
            |text: &str| self.prefilter && text.len() <= RECORDED_TEXT_MAX && self.calls_predicted_write(text);
        if !part && !recorded(text) {
            return None;
        }
        let mentioned = self.prefilter.then(|| mentioned_keys(text));
        let predicted = &self.predicted;
        let calls_predicted = |mentioned: &[u64]| mentioned.iter().any(|k| predicted.0.binary_search(k).is_ok());
        let module = workspace.module_of(file, source)?;
        let funcs = values.functions(source.root(), text);
        let drafts = drafts(workspace, module, &funcs, text, Some(needs_user));
        let calls = mentioned.map(|mentioned| {
            let sites = if calls_predicted(&mentioned) {
                sites_of(
                    workspace,
                    module,
                    &funcs,
                    text,
                    &|name| predicted.contains(name),
                    values,
                )
            } else {
                Vec::new()
            };
            Box::new(Recorded {
                predicted: self.predicted.clone(),
                mentioned,
                sites,
            })
        });
        Some(Definitions { drafts, calls, part })
    }
}

/// The calls of names `wanted` accepts, and the dynamic calls, of a parsed
/// file (its functions' values kept in `values`).
fn sites_of<'t>(
    workspace: &Workspace,
    module: &crate::analysis::module::ModuleFacts,
    funcs: &[Function<'t>],
    text: &str,
    wanted: &dyn Fn(&str) -> bool,
    values: &FileValues<'t>,
) -> Vec<Site> {
    let resolver = Resolver {
        index: &workspace.index,
        module,
    };
    let settings = &workspace.config.settings;
    let is_model = |name: &str| crate::checker::is_mapped(&workspace.index, settings, name);
    let evaluation = Evaluation {
        is_model: &is_model,
        session_expressions: &settings.session_expressions,
    };
    call_sites(&resolver, funcs, text, wanted, &evaluation, values)
        .iter()
        .map(|site| Site::of(site, text))
        .collect()
}

/// Parse `file` for a moment and take, as plain data, its definitions
/// (with `definitions`) and its calls of names `wanted` accepts, and (with
/// `dynamic`) its `getattr(obj, name)(...)` calls. `None` when it does not
/// read or parse.
fn yield_of(
    workspace: &Workspace,
    file: &LoadedFile,
    needs_user: Option<&Vec<UserNeed>>,
    definitions: bool,
    wanted: &dyn Fn(&str) -> bool,
    dynamic: bool,
    record: bool,
) -> Option<FileYield> {
    file.with_source(|source| {
        let module = workspace.module_of(file, source)?;
        let text = source.text.as_str();
        let funcs = functions(source.root(), text);
        let drafts = definitions.then(|| drafts(workspace, module, &funcs, text, needs_user));
        let sites = sites_of(workspace, module, &funcs, text, wanted, &FileValues::default())
            .into_iter()
            .filter(|site| dynamic || site.dynamic.is_none())
            .collect();
        Some(FileYield {
            drafts,
            sites,
            mentioned: record.then(|| mentioned_keys(text)),
            of_loaded_text: crate::pipeline::content_hash(text, file.bom) == file.hash,
            parsed: true,
        })
    })
    .flatten()
}

/// Whether `text` names one of `names`, as a whole identifier, other than
/// right after `def`: a call, a reference or a string (`getattr(obj,
/// "name")`). A file that only defines functions of those names calls none
/// of them (most files that mention an audited method's name only define
/// one of that name), and `delete_all(` is no call of `delete`.
///
/// `names` comes from [`mention_matcher`]: leftmost-longest matches, so that
/// a whole-word mention is never hidden inside another match (a match
/// inside an identifier cannot overlap a whole word that starts later).
fn calls_possible(names: &aho_corasick::AhoCorasick, text: &str) -> bool {
    let bytes = text.as_bytes();
    names.find_iter(text).any(|m| {
        // A part of a longer identifier is another name.
        let whole = (m.start() == 0 || !is_word_byte(bytes[m.start() - 1]))
            && bytes.get(m.end()).is_none_or(|b| !is_word_byte(*b));
        if !whole {
            return false;
        }
        !after_def(bytes, m.start())
    })
}

/// Whether the name starting at `start` follows the keyword `def` (after
/// spaces or tabs): a definition of it, not a mention.
fn after_def(bytes: &[u8], start: usize) -> bool {
    let mut i = start;
    while i > 0 && matches!(bytes[i - 1], b' ' | b'\t') {
        i -= 1;
    }
    i < start && i >= 3 && &bytes[i - 3..i] == b"def" && (i == 3 || !is_word_byte(bytes[i - 4]))
}

/// The automaton [`calls_possible`] searches with.
fn mention_matcher<I: AsRef<[u8]>>(names: impl IntoIterator<Item = I>) -> Option<aho_corasick::AhoCorasick> {
    aho_corasick::AhoCorasick::builder()
        .match_kind(aho_corasick::MatchKind::LeftmostLongest)
        .build(names)
        .ok()
}

/// The caller rules over the calls of file `file`.
fn check_calls(checker: &mut CallerChecker<'_>, notes: &mut Vec<String>, audited_names: &[&str], file: usize) {
    let workspace = checker.workspace;
    let graph = checker.graph;
    let sites = graph.calls_of(file);
    let settings = &workspace.config.settings;
    let user_names: Vec<&String> = Kind::ALL.iter().map(|k| settings.user_parameters.get(*k)).collect();
    let mut source = None;
    for site in sites {
        let caller = graph.caller(file, site);
        let Some(callee) = graph.callee(workspace, site) else {
            // Notes are for the files the run reports on.
            if !workspace.files[file].target {
                continue;
            }
            let line = site.line();
            let display = workspace.files[file].display.display();
            let call_text = &site.first_line;
            match site.dynamic() {
                Some(Some(class))
                    if graph.definitions.iter().any(|d| {
                        d.key.class.as_deref() == Some(class.name.as_str()) && d.effective_user().is_some()
                    }) =>
                {
                    notes.push(format!("{display}:{line}: `{call_text}` calls a method of `{}` by name; it cannot be checked (AUD012-AUD014) nor fixed", class.name));
                }
                Some(None) => {
                    notes.push(format!("{display}:{line}: `{call_text}` is a dynamic call; it cannot be checked (AUD012-AUD014) nor fixed"));
                }
                None if site.bound && audited_names.contains(&&*site.name) => {
                    notes.push(format!("{display}:{line}: `{call_text}` cannot be resolved to a definition; not checked (AUD012-AUD014)"));
                }
                _ => {}
            }
            continue;
        };
        // A call that passes what its callee takes needs no tree.
        if !may_report(graph, site, caller, callee, &user_names) {
            continue;
        }
        // The file parsed again for the rules, once, when a call may be reported.
        if source.is_none() {
            source = checker.parse(file).map(|s| (s, checker.text(file)));
        }
        let Some((source, text)) = &source else { continue };
        let Some(site) = site.locate(source.root(), text) else {
            continue;
        };
        rules::call_signature_mismatch::check(checker, file, &site, caller, callee);
        rules::positional_shift::check(checker, file, &site, caller, callee);
        rules::caller_drops_user::check(checker, file, &site, caller, callee);
    }
}

/// Whether a rule of the calls (AUD012-AUD014, which read the call's tree)
/// may report call `site` from `caller` to `callee`, told from what the
/// site kept of its arguments: a superset of their conditions, so that a
/// file whose calls all pass what their callees take is not parsed again.
fn may_report(graph: &CallGraph, site: &Site, caller: Option<usize>, callee: usize, user_names: &[&String]) -> bool {
    let definition = &graph.definitions[callee];
    let params = definition.callable_params(site.bound);
    let arguments = &site.arguments;
    let positional = |p: &&ParamRef<'_>| matches!(p.kind, ParamKind::Positional | ParamKind::PositionalOnly);
    // AUD014: a keyword it does not take, or too many positional arguments.
    let takes_kwargs = params.iter().any(|p| p.kind == ParamKind::VarKeyword);
    let takes_args = params.iter().any(|p| p.kind == ParamKind::VarArgs);
    let accepts = |keyword: &str| {
        definition.effective_user() == Some(keyword)
            || params.iter().any(|p| {
                p.name == keyword
                    && !matches!(
                        p.kind,
                        ParamKind::VarArgs | ParamKind::VarKeyword | ParamKind::PositionalOnly
                    )
            })
    };
    if !takes_kwargs && arguments.keywords.iter().any(|k| !accepts(k)) {
        return true;
    }
    let positional_params: Vec<&ParamRef<'_>> = params.iter().filter(positional).collect();
    if !takes_args && !arguments.star && arguments.positional > positional_params.len() {
        return true;
    }
    // AUD013: an argument that is no user, by position in a user parameter.
    if !arguments.star
        && positional_params.iter().enumerate().any(|(i, p)| {
            user_names.iter().any(|u| **u == p.name) && arguments.user_like.get(i).is_some_and(|like| !like)
        })
    {
        return true;
    }
    // AUD012: the user the callee takes, not passed, by a caller that holds
    // one or takes one (else `caller_drops_user` has nothing to pass: a
    // test or a script calling a service is not reported, nor parsed again).
    let holds_user = |caller: usize| {
        let holder = &graph.definitions[caller];
        holder.user_in_scope().is_some() || holder.effective_user().is_some()
    };
    definition.effective_user().is_some_and(|user| {
        caller.is_some_and(holds_user) && !graph.passes_user(arguments, site.bound, definition, user)
    })
}

/// Definition ids by a hash, sorted: a map that holds no key (the
/// definitions hold them); a lookup checks its candidates against the
/// definitions, so that a collision never changes an answer. The hash is
/// kept to 32 bits (8 bytes an entry, not 16): among tens of thousands of
/// definitions, a collision is still rare, and costs one comparison.
#[derive(Default)]
struct HashIndex {
    entries: Vec<(u32, u32)>,
}

impl HashIndex {
    fn extend(&mut self, items: impl Iterator<Item = (u64, usize)>) {
        self.entries.extend(items.map(|(hash, id)| (hash as u32, id as u32)));
        // Ids ascend within a hash: definition order.
        self.entries.sort_unstable();
        // Without the spare room of its growth: it lives as long as the graph.
        self.entries.shrink_to_fit();
    }

    fn get(&self, hash: u64) -> impl Iterator<Item = usize> + '_ {
        let hash = hash as u32;
        let start = self.entries.partition_point(|e| e.0 < hash);
        self.entries[start..]
            .iter()
            .take_while(move |e| e.0 == hash)
            .map(|e| e.1 as usize)
    }
}

/// A hash that is the same in every run (`DefaultHasher` with its fixed keys).
fn hash_of(value: impl std::hash::Hash) -> u64 {
    use std::hash::BuildHasher;
    // xxh3: the keys are the repository's own names, not an attacker's,
    // and SipHash was a seventh of the check's time on service-dense trees.
    xxhash_rust::xxh3::Xxh3DefaultBuilder.hash_one(value)
}

/// Every definition and call of the repository.
pub struct CallGraph {
    pub definitions: Vec<Definition>,
    /// The call sites of the files that have any (a few in a thousand), by file.
    pub calls: BTreeMap<usize, Vec<Site>>,
    /// Per file: the indices of its functions' definitions, in the file's
    /// order (a file's definitions join the graph together).
    file_definitions: Vec<Range<u32>>,
    /// Functions that drop the user on their way to a function taking it,
    /// and are facades if something calls them with a user in scope: their
    /// calls are searched for in the next round.
    facade_candidates: HashSet<usize>,
    /// Definitions by their key, and methods by class and name.
    by_key: HashIndex,
    by_method: HashIndex,
}

impl CallGraph {
    /// Build the graph; `needs_user[file]` lists `(def start byte, parameter)`,
    /// `known[file]` the definitions the per-file check took already.
    pub fn build(
        workspace: &Workspace,
        needs_user: &[Vec<UserNeed>],
        mut known: Vec<Option<Definitions>>,
        memo: Option<&Yields>,
    ) -> CallGraph {
        let files = workspace.files.len();
        let mut graph = CallGraph {
            definitions: Vec::new(),
            calls: BTreeMap::new(),
            file_definitions: vec![0..0; files],
            by_key: HashIndex::default(),
            by_method: HashIndex::default(),
            facade_candidates: HashSet::new(),
        };
        let mut included = vec![false; files];
        known.resize_with(files, || None);
        // The files that matter to callers: those with a write method that
        // will take a user, those that name a user parameter, and (below)
        // those that call a function taking a user. The others are never
        // parsed (without the prefilter, every file is).
        let naming = Naming::new(workspace);
        // What the check recorded of each file's calls, for the rounds.
        let mut recorded: Vec<Option<Box<Recorded>>> = Vec::with_capacity(files);
        // The definitions of the files recorded that take no part yet, by
        // file: a round that wants a name one calls takes them.
        let mut pending: BTreeMap<usize, Vec<Draft>> = BTreeMap::new();
        let known: Vec<Option<Vec<Draft>>> = known
            .into_iter()
            .enumerate()
            .map(|(i, known)| {
                let Some(known) = known else {
                    recorded.push(None);
                    return None;
                };
                recorded.push(known.calls);
                if known.part {
                    return Some(known.drafts);
                }
                pending.insert(i, known.drafts);
                None
            })
            .collect();
        let record = workspace.prefilter.then(|| naming.predicted.fingerprint());
        // Only the files that yield are kept (a few in a large repository).
        let yields: Vec<(usize, FileYield)> = workspace
            .files
            .par_iter()
            .zip(known)
            .enumerate()
            .map(|(i, (file, known))| {
                if let Some(drafts) = known {
                    return Some(FileYield {
                        drafts: Some(drafts),
                        sites: Vec::new(),
                        mentioned: None,
                        of_loaded_text: true,
                        parsed: false,
                    });
                }
                // A candidate the check parsed, and did not take: not a part.
                if file.candidate && workspace.prefilter && file.error().is_none() {
                    return None;
                }
                // A file the check did not parse that takes part: its calls
                // are recorded as the check records them, so that the
                // rounds need not parse it again.
                let wanted = |name: &str| record.is_some() && naming.predicted.contains(name);
                naming
                    .file_takes_part(file, needs_user.get(i))
                    .then(|| {
                        let dynamic = record.is_some();
                        ask(
                            memo,
                            workspace,
                            i,
                            needs_user.get(i),
                            &[],
                            &wanted,
                            true,
                            dynamic,
                            record,
                            None,
                        )
                    })
                    .flatten()
            })
            .enumerate()
            .filter_map(|(i, found)| found.filter(|f| !f.adds_nothing()).map(|f| (i, f)))
            .collect();
        // The calls recorded are the rounds' to take, not the graph's yet.
        let mut yields = yields;
        for (i, found) in &mut yields {
            if let Some(mentioned) = found.mentioned.take() {
                recorded[*i] = Some(Box::new(Recorded {
                    predicted: naming.predicted.clone(),
                    mentioned,
                    sites: std::mem::take(&mut found.sites),
                }));
            }
        }
        graph.merge(yields, &mut included);
        // Resolve the calls that name a function taking (or about to take) a
        // user, and repeat while facades add names. A file that names none
        // of a round's new names yields no new call: only the new names are
        // searched for, and only the files that name one are parsed.
        let mut names: HashSet<String> = HashSet::new();
        for _ in 0..8 {
            let wanted: HashSet<String> = graph
                .definitions
                .iter()
                .enumerate()
                .filter(|(i, d)| d.effective_user().is_some() || graph.facade_candidates.contains(i))
                .map(|(_, d)| d.key.name.to_string())
                .collect();
            if wanted == names || wanted.is_empty() {
                break;
            }
            let mut new: Vec<String> = wanted.difference(&names).cloned().collect();
            new.sort();
            let Some(matcher) = mention_matcher(&new) else {
                break;
            };
            names = wanted;
            let sorted: Vec<&str> = new.iter().map(String::as_str).collect();
            let new: HashSet<String> = new.iter().cloned().collect();
            // Only the files that yield something are kept.
            let yields: Vec<(usize, FileYield)> = workspace
                .files
                .par_iter()
                .zip(&included)
                .enumerate()
                .map(|(i, (file, included))| {
                    // The check recorded this file's calls of the predicted
                    // names: no parse, unless it mentions a name it did not
                    // predict (a facade's). A recording file took part: its
                    // definitions are in already.
                    // A file recorded that takes no part yet joins the
                    // graph here, as its parse would make it.
                    let pending = pending.get(&i).filter(|_| !*included);
                    if let Some(calls) = recorded[i].as_ref().filter(|_| *included || pending.is_some()) {
                        let (predicted, unpredicted): (Vec<&String>, Vec<&String>) =
                            new.iter().partition(|n| calls.predicted.contains(n));
                        if !calls.mentions(&unpredicted) {
                            if !calls.mentions(&predicted) {
                                return None;
                            }
                            let sites = calls
                                .sites
                                .iter()
                                .filter(|s| s.dynamic.is_some() || new.contains(&*s.name))
                                .cloned()
                                .collect();
                            return Some(FileYield {
                                drafts: pending.cloned(),
                                sites,
                                mentioned: None,
                                of_loaded_text: true,
                                parsed: false,
                            });
                        }
                    }
                    let wanted = |name: &str| new.contains(name);
                    // Dynamic calls are noted where an audited name is named,
                    // with or without the prefilter. With it, only such a
                    // file is parsed; whether it is one is part of its
                    // answer, kept between runs as answers are (so that a
                    // run after an edit need not read every file again).
                    let searched = workspace.prefilter.then_some(&matcher);
                    let mentions = searched.is_some() || file.search(|text| calls_possible(&matcher, text));
                    ask(
                        memo,
                        workspace,
                        i,
                        needs_user.get(i),
                        &sorted,
                        &wanted,
                        !included,
                        mentions,
                        None,
                        searched,
                    )
                })
                .enumerate()
                .filter_map(|(i, found)| found.filter(|f| !f.adds_nothing()).map(|f| (i, f)))
                .collect();
            graph.merge(yields, &mut included);
            pending.retain(|i, _| !included[*i]);
            graph.find_facades(workspace);
            // The round's trees (see `crate::memory`).
            crate::memory::release();
        }
        graph
    }

    /// Add what the files yielded, in file order: `(file, yield)`.
    fn merge(&mut self, yields: Vec<(usize, FileYield)>, included: &mut [bool]) {
        let added: usize = yields.iter().filter_map(|(_, y)| y.drafts.as_ref()).map(Vec::len).sum();
        self.definitions.reserve_exact(added);
        let first = self.definitions.len();
        for (i, found) in yields {
            if let Some(drafts) = found.drafts {
                included[i] = true;
                let start = self.definitions.len() as u32;
                for draft in drafts {
                    self.definitions.push(Definition {
                        file: i,
                        function: draft.function,
                        key: draft.key,
                        users: draft.users,
                        is_route: draft.is_route,
                    });
                }
                self.file_definitions[i] = start..self.definitions.len() as u32;
            }
            if !found.sites.is_empty() {
                let calls = self.calls.entry(i).or_default();
                calls.extend(found.sites);
                // In the file's order: by calling function, then by place.
                calls.sort_by_key(|s| (s.caller, s.range.start));
                // A dynamic call is found again in every round its file is read.
                calls.dedup_by(|a, b| a.range == b.range && a.name == b.name);
            }
        }
        let added = &self.definitions[first..];
        self.by_key
            .extend((first..).zip(added).map(|(id, d)| (hash_of(&d.key), id)));
        self.by_method.extend(
            (first..)
                .zip(added)
                .filter_map(|(id, d)| Some((hash_of((d.key.class.as_deref()?, &*d.key.name)), id))),
        );
    }

    /// The definition a call reaches (through base classes for methods).
    pub fn callee(&self, workspace: &Workspace, site: &Site) -> Option<usize> {
        let key = site.callee.as_ref()?;
        // The last definition of a key wins (a later `def` rebinds the name).
        if let Some(i) = self
            .by_key
            .get(hash_of(key))
            .filter(|i| self.definitions[*i].key == *key)
            .last()
        {
            return Some(i);
        }
        let class = key.class.as_deref()?;
        let mut seen = vec![class.to_string()];
        let mut stack = workspace
            .index
            .class(class)
            .map(|c| c.bases.clone())
            .unwrap_or_default();
        while let Some(base) = stack.pop() {
            if seen.contains(&base) {
                continue;
            }
            seen.push(base.clone());
            let mut methods = self.by_method.get(hash_of((base.as_str(), &*key.name))).filter(|i| {
                self.definitions[*i].key.class.as_deref() == Some(base.as_str())
                    && self.definitions[*i].key.name == key.name
            });
            if let (Some(only), None) = (methods.next(), methods.next()) {
                return Some(only);
            }
            if let Some(c) = workspace.index.class(&base) {
                stack.extend(c.bases.iter().cloned());
            }
        }
        None
    }

    /// The definition that makes call `site` of file `file`.
    pub fn caller(&self, file: usize, site: &Site) -> Option<usize> {
        let ids = &self.file_definitions[file];
        site.caller()
            .and_then(|i| (ids.start as usize..ids.end as usize).nth(i))
    }

    /// The call sites of file `file`.
    pub fn calls_of(&self, file: usize) -> &[Site] {
        self.calls.get(&file).map_or(&[], Vec::as_slice)
    }

    /// Whether a call passing `arguments` passes the user parameter `user` of `callee`.
    pub fn passes_user(&self, arguments: &Arguments, bound: bool, callee: &Definition, user: &str) -> bool {
        if arguments.keywords.iter().any(|k| **k == *user) {
            return true;
        }
        if arguments.star || arguments.double_star {
            return true; // cannot tell: do not claim it is dropped
        }
        let params = callee.callable_params(bound);
        // A keyword the callee does not take, renamed by hand from the
        // user's (`updated_by=`): passed, under a name AUD014 corrects.
        // Passing the user again would repeat the keyword.
        let renamed = arguments
            .keywords
            .iter()
            .any(|k| !params.iter().any(|p| p.name == &**k) && rules::call_signature_mismatch::renamed_to(k, user));
        if renamed {
            return true;
        }
        let positional: Vec<_> = params
            .iter()
            .filter(|p| matches!(p.kind, ParamKind::Positional | ParamKind::PositionalOnly))
            .collect();
        positional
            .iter()
            .position(|p| p.name == user)
            .is_some_and(|i| arguments.positional > i && arguments.user_like.get(i).copied().unwrap_or(true))
    }

    /// Mark facades: functions with no user that call a function taking one
    /// without passing it, and that are themselves write-named or called
    /// where a user is held.
    fn find_facades(&mut self, workspace: &Workspace) {
        let settings = &workspace.config.settings;
        // Each site's callee and caller, resolved once: making a facade
        // changes who takes a user, never what a call reaches.
        let resolved: Vec<(usize, usize, &Site)> = self
            .calls
            .iter()
            .flat_map(|(&file, sites)| sites.iter().map(move |site| (file, site)))
            .filter_map(|(file, site)| Some((self.callee(workspace, site)?, self.caller(file, site)?, site)))
            .collect();
        let mut changes = Vec::new();
        let mut candidates = Vec::new();
        for _ in 0..8 {
            // The functions called where a user is held, this round.
            let called_with_user: HashSet<usize> = resolved
                .iter()
                .filter(|(_, caller, _)| {
                    let d = &self.definitions[*caller];
                    d.user_in_scope().is_some() || d.effective_user().is_some()
                })
                .map(|(callee, _, _)| *callee)
                .collect();
            for &(callee, caller, site) in &resolved {
                let Some(user) = self.definitions[callee].effective_user() else {
                    continue;
                };
                let c = &self.definitions[caller];
                if c.user_in_scope().is_some() || c.effective_user().is_some() || c.is_route || caller == callee {
                    continue;
                }
                if self.passes_user(&site.arguments, site.bound, &self.definitions[callee], user) {
                    continue;
                }
                let write_named = settings.kind_from_name(&c.key.name).is_some();
                if write_named || called_with_user.contains(&caller) {
                    changes.push((caller, user.to_string()));
                } else {
                    // Its own calls are not known yet when nothing made
                    // its name wanted: the next round looks for them.
                    candidates.push(caller);
                }
            }
            if changes.is_empty() {
                break;
            }
            for (i, user) in changes.drain(..) {
                self.definitions[i].make_facade(&user);
            }
        }
        self.facade_candidates.extend(candidates);
    }
}

/// A caller finding and its whole fix, which may span files.
pub struct CallerFinding {
    pub file: usize,
    pub diagnostic: Diagnostic,
    /// Every edit of the fix, per file index (the caller's own file included).
    pub edits: BTreeMap<usize, Vec<Edit>>,
    /// `(caller, callee)` file pairs of the fix: the caller's file passes
    /// the user to a function of the callee's file, which this fix or
    /// another of the run (AUD001's) makes take it. The two are written
    /// whole, the callee first (an interruption then leaves at worst a
    /// parameter nobody passes yet, never a call passing one that does not
    /// exist).
    pub links: Vec<(usize, usize)>,
}

/// Source bytes of the files parsed again for the rules' fixes that a
/// checker keeps parsed, the most recent first (the newest is always kept):
/// a tree takes tens of times its text, and one large module parsed by
/// each thread would otherwise set the run's peak memory.
const PARSED_KEPT_BYTES: usize = 64 * 1024;

/// Source bytes of the texts a checker keeps, the most recent first.
const TEXTS_KEPT_BYTES: usize = 2 * 1024 * 1024;

/// The most recently used values by file, within a budget of bytes.
struct Recent<T> {
    entries: std::collections::VecDeque<(usize, usize, T)>,
    bytes: usize,
    budget: usize,
}

impl<T: Clone> Recent<T> {
    fn new(budget: usize) -> Self {
        Recent {
            entries: std::collections::VecDeque::new(),
            bytes: 0,
            budget,
        }
    }

    /// The value of `file`, made the most recent.
    fn get(&mut self, file: usize) -> Option<T> {
        let at = self.entries.iter().position(|(f, _, _)| *f == file)?;
        let entry = self.entries.remove(at)?;
        let value = entry.2.clone();
        self.entries.push_back(entry);
        Some(value)
    }

    /// Keep `value` of `file` (`bytes` long), dropping the oldest beyond the budget.
    fn put(&mut self, file: usize, bytes: usize, value: T) {
        self.entries.push_back((file, bytes, value));
        self.bytes += bytes;
        while self.bytes > self.budget && self.entries.len() > 1 {
            if let Some((_, dropped, _)) = self.entries.pop_front() {
                self.bytes -= dropped;
            }
        }
    }
}

/// What the caller rules may look at, and where they report.
pub struct CallerChecker<'a> {
    pub workspace: &'a Workspace,
    pub graph: &'a CallGraph,
    pub findings: Vec<CallerFinding>,
    /// Each finding a suppression silenced.
    pub silenced: Vec<Silenced>,
    stylists: HashMap<usize, Stylist>,
    texts: Recent<Arc<str>>,
    /// The last files parsed again.
    parsed: Recent<std::rc::Rc<SourceFile>>,
    /// The `(caller, callee)` file pairs of the edits made since the last
    /// report: the next finding's [`CallerFinding::links`].
    links: Vec<(usize, usize)>,
}

impl<'a> CallerChecker<'a> {
    pub fn new(workspace: &'a Workspace, graph: &'a CallGraph) -> Self {
        CallerChecker {
            workspace,
            graph,
            findings: Vec::new(),
            silenced: Vec::new(),
            stylists: HashMap::new(),
            texts: Recent::new(TEXTS_KEPT_BYTES),
            parsed: Recent::new(PARSED_KEPT_BYTES),
            links: Vec::new(),
        }
    }

    /// The text of file `file`, as the graph was built from.
    pub fn text(&mut self, file: usize) -> Arc<str> {
        if let Some(text) = self.texts.get(file) {
            return text;
        }
        let text: Arc<str> = Arc::from(self.workspace.files[file].read_text().unwrap_or_default());
        self.texts.put(file, text.len(), text.clone());
        text
    }

    /// File `file` parsed (again, unless its tree is kept: the graph
    /// keeps none).
    pub fn parse(&mut self, file: usize) -> Option<std::rc::Rc<SourceFile>> {
        if let Some(source) = self.parsed.get(file) {
            return Some(source);
        }
        if let Some(kept) = self.workspace.files[file].kept_source() {
            let source = std::rc::Rc::new(kept.clone());
            self.parsed.put(file, kept.text.len(), source.clone());
            return Some(source);
        }
        let text = self.text(file);
        let source = std::rc::Rc::new(SourceFile::parse(text.to_string(), false).ok()?);
        self.parsed.put(file, text.len(), source.clone());
        Some(source)
    }

    pub fn stylist(&mut self, file: usize) -> Stylist {
        let text = self.text(file);
        self.stylists
            .entry(file)
            .or_insert_with(|| Stylist::detect(&text))
            .clone()
    }

    /// Report a finding at `range` of file `file`, in `caller`, with a fix
    /// spanning files (`None` when no fix can be built).
    pub fn report(
        &mut self,
        rule: Rule,
        file: usize,
        range: std::ops::Range<usize>,
        caller: Option<usize>,
        message: String,
        edits: Option<BTreeMap<usize, Vec<Edit>>>,
    ) {
        let mut links = std::mem::take(&mut self.links);
        let loaded = &self.workspace.files[file];
        if !self.workspace.config.is_enabled(rule, &loaded.display) {
            return;
        }
        let text = self.text(file);
        let start = location(&text, range.start);
        let end = location(&text, range.end);
        let function = caller.map(|c| &self.graph.definitions[c].function);
        let silenced_on = [Some(start.line), function.map(|f| f.line())]
            .into_iter()
            .flatten()
            .find(|line| suppressed(&text, rule, *line));
        if let Some(line) = silenced_on {
            self.silenced.push((file, line, rule));
            return;
        }
        let edits = edits.filter(|e| e.values().any(|v| !v.is_empty()));
        let local = edits.as_ref().map(|e| e.get(&file).cloned().unwrap_or_default());
        let fix = local.and_then(|local| Fix::from_edits(local, Applicability::Unsafe));
        let edited = edits.as_ref();
        links.retain(|(a, b)| a != b && edited.is_some_and(|e| e.contains_key(a)));
        links.sort_unstable();
        links.dedup();
        // The files this fix changes besides the caller's (a callee that
        // takes the user already is not one of them).
        let also_changes = edited
            .map(|e| e.keys().copied().collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter()
            .filter(|f| *f != file)
            .map(|f| self.workspace.files[f].display.to_path_buf())
            .collect();
        self.findings.push(CallerFinding {
            file,
            diagnostic: Diagnostic {
                rule,
                message,
                range,
                start,
                end,
                function: caller.map(|c| self.graph.definitions[c].qualified()),
                fix,
                also_changes,
            },
            // The callee's file may take the parameter by another fix of the
            // run (AUD001's own): the pair holds all the same.
            links,
            edits: edits.unwrap_or_default(),
        });
    }

    /// Edits that make definition `def` take the user parameter it will
    /// have (AUD001's parameter, or a facade's parameter and its forwarding).
    pub fn take_user_edits(&mut self, def: usize, depth: usize) -> Option<BTreeMap<usize, Vec<Edit>>> {
        let mut out: BTreeMap<usize, Vec<Edit>> = BTreeMap::new();
        let graph = self.graph;
        let d = &graph.definitions[def];
        if d.user_param().is_some() || depth > 8 {
            return Some(out);
        }
        let Some(user) = d.needs_user().or(d.facade_user()) else {
            return Some(out);
        };
        let file = d.file;
        if d.facade_user().is_none() {
            if let Some(edits) = d.users.as_ref().and_then(|u| u.needed_edits.as_ref()) {
                out.entry(file).or_default().extend(edits.iter().cloned());
                return Some(out);
            }
        }
        let text = self.text(file);
        let source = self.parse(file)?;
        let node = node_with_range(source.root(), &d.function.range(), "function_definition")?;
        let stylist = self.stylist(file);
        let edits = rules::fix_parts::add_user_parameter(&text, node, user, &stylist)?;
        out.entry(file).or_default().extend(edits);
        if d.facade_user().is_some() {
            // Forward it to every call that drops it.
            let workspace = self.workspace;
            let sites = graph
                .calls_of(file)
                .iter()
                .filter(|s| graph.caller(file, s) == Some(def));
            for site in sites {
                let Some(callee) = graph.callee(workspace, site) else {
                    continue;
                };
                let Some(callee_user) = graph.definitions[callee].effective_user() else {
                    continue;
                };
                if graph.passes_user(&site.arguments, site.bound, &graph.definitions[callee], callee_user) {
                    continue;
                }
                let call = site.locate(source.root(), &text)?;
                let more = self.pass_user_edits(file, &call, callee, callee_user, user, depth + 1)?;
                for (f, e) in more {
                    out.entry(f).or_default().extend(e);
                }
            }
        }
        Some(out)
    }

    /// Edits that make `site` (of file `file`) pass `holder` as `user` to
    /// `callee`, and make the callee take it.
    pub fn pass_user_edits(
        &mut self,
        file: usize,
        site: &CallSite<'_>,
        callee: usize,
        user: &str,
        holder: &str,
        depth: usize,
    ) -> Option<BTreeMap<usize, Vec<Edit>>> {
        let args = site.arguments()?;
        let stylist = self.stylist(file);
        let text = self.text(file);
        // Arguments shifted into the user's place move to their keywords
        // first (AUD013's edits), or the keyword would bind it twice.
        let settings = &self.workspace.config.settings;
        let user_names: Vec<&String> = Kind::ALL.iter().map(|k| settings.user_parameters.get(*k)).collect();
        let shifts =
            match rules::positional_shift::shift_edits(&text, site, &self.graph.definitions[callee], &user_names) {
                rules::positional_shift::Shift::None => Vec::new(),
                rules::positional_shift::Shift::Fixed { edits, .. } => edits,
                rules::positional_shift::Shift::Unfixable { .. } => return None,
            };
        let keyword = format!("{user}={holder}");
        // With shifted arguments rewritten in place, the keyword is a plain
        // insertion: a layout edit over the whole list would overlap them.
        let edit = if shifts.is_empty() {
            auditfix_transforms::arguments::add_keyword_argument(&text, args, &keyword, &stylist)?
        } else {
            auditfix_transforms::arguments::insert_keyword_argument(&text, args, &keyword, &stylist)?
        };
        let mut out = self.take_user_edits(callee, depth)?;
        out.entry(file).or_default().extend(shifts);
        out.entry(file).or_default().push(edit);
        self.links.push((file, self.graph.definitions[callee].file));
        Some(out)
    }
}

/// `(file, line, rule)`: a finding that a suppression on `line` silenced.
pub type Silenced = (usize, usize, Rule);

/// Run AUD012-AUD014 over every call of the workspace. Calls that cannot be
/// resolved come back as notes (`path:line: ...`, for target files only),
/// never as findings; the
/// third list holds the `(file, line, rule)` of each finding a suppression
/// on `line` silenced.
pub fn check(
    workspace: &Workspace,
    needs_user: &[Vec<UserNeed>],
    known: Vec<Option<Definitions>>,
    memo: Option<&Yields>,
) -> (Vec<CallerFinding>, Vec<String>, Vec<Silenced>) {
    let graph = CallGraph::build(workspace, needs_user, known, memo);
    let audited_names: Vec<&str> = graph
        .definitions
        .iter()
        .filter(|d| d.effective_user().is_some())
        .map(|d| &*d.key.name)
        .collect();
    // The files with calls, in runs of neighbours checked in parallel, each
    // run by its own checker (its parsed files and texts freed after it);
    // the findings keep the files' order.
    let with_calls: Vec<usize> = graph.calls.keys().copied().collect();
    let run = (with_calls.len() / (rayon::current_num_threads() * 8)).max(1);
    let parts: Vec<(Vec<CallerFinding>, Vec<String>, Vec<Silenced>)> = with_calls
        .par_chunks(run)
        .map(|files| {
            let mut checker = CallerChecker::new(workspace, &graph);
            let mut notes = Vec::new();
            for &file in files {
                check_calls(&mut checker, &mut notes, &audited_names, file);
            }
            (checker.findings, notes, checker.silenced)
        })
        .collect();
    let mut findings = Vec::new();
    let mut notes = Vec::new();
    let mut silenced = Vec::new();
    for (part, part_notes, part_silenced) in parts {
        findings.extend(part);
        notes.extend(part_notes);
        silenced.extend(part_silenced);
    }
    notes.sort();
    notes.dedup();
    (findings, notes, silenced)
}

#[cfg(test)]
mod tests {
    use super::{
        calls_possible, def_keys, may_report, mention_matcher, mentioned_keys, name_key, CallGraph, HashIndex, Recent,
    };
    use crate::pipeline::Workspace;
    use crate::settings::Kind;

    #[test]
    fn def_keys_hold_the_functions_that_may_take_a_user_and_nothing_else() {
        let filter = crate::analysis::functions::Prefilter::new(&crate::settings::Settings::default());
        let text = "undef create_x\nredefine(y)\nx.def_thing(db.add(y))\ndef 9bad(): db.add(x)\n\
                    def create_thing(a):\n    async def  inner(created_by_user):\n        pass\n\
                    class K:\n    def\\\n  method(self):\n        self.db.add(x)\n\
                    def helper(self, x):\n        return x(created_by_user=x)\n";
        let keys = def_keys(text, &filter, true);
        // Unsearched, only the write-named function is taken.
        assert_eq!(&*def_keys(text, &filter, false), [name_key("create_thing")].as_slice());
        // Write-named, a user parameter, a session write: not `helper`,
        // which only passes a user on, nor what follows `def` inside a
        // word or before a digit.
        let mut expected: Vec<u64> = ["create_thing", "inner", "method"]
            .iter()
            .map(|n| name_key(n))
            .collect();
        expected.sort_unstable();
        assert_eq!(&*keys, expected.as_slice());
    }

    #[test]
    fn a_recorded_mention_is_what_the_text_search_finds() {
        // Every predicted name, over texts that mention it in each way the
        // search reads (a call, a reference, a string, after `def`, inside
        // a longer name, after a digit, at either end).
        let names = ["create_item", "get", "item", "bootstrap_admin", "é_x"];
        let texts = [
            "x = svc.create_item(a)\n",
            "def create_item(self):\n    return get\n",
            "def  create_item(): pass\n",
            "create_items(1); my_get(2); item2 = 3\n",
            "getattr(obj, \"bootstrap_admin\")()\n",
            "2get + 9item\n",
            "get",
            "undef get(x)\n",
            "x = é_x(1)\n",
            "xé_x(1)\n",
            "\tdef\tget(): ...\n",
        ];
        for text in texts {
            let mentioned = mentioned_keys(text);
            for name in names {
                let matcher = mention_matcher([name]).unwrap();
                assert_eq!(
                    mentioned.binary_search(&name_key(name)).is_ok(),
                    calls_possible(&matcher, text),
                    "{name:?} in {text:?}"
                );
            }
        }
    }

    #[test]
    fn recent_values_stay_within_their_budget_and_the_newest_is_always_kept() {
        let mut recent = Recent::new(10);
        recent.put(1, 4, "a");
        recent.put(2, 4, "b");
        // Using 1 makes 2 the oldest: it goes first when 3 does not fit.
        assert_eq!(recent.get(1), Some("a"));
        recent.put(3, 4, "c");
        assert_eq!(recent.get(2), None);
        assert_eq!(recent.get(1), Some("a"));
        assert_eq!(recent.get(3), Some("c"));
        // A value over the whole budget is kept alone.
        recent.put(4, 50, "d");
        assert_eq!(recent.get(4), Some("d"));
        assert_eq!((recent.get(1), recent.get(3)), (None, None));
        assert_eq!(recent.bytes, 50);
    }

    #[test]
    fn a_hash_index_lists_the_ids_of_a_hash_in_the_order_they_were_added() {
        let mut index = HashIndex::default();
        index.extend([(7, 4), (3, 0), (7, 1)].into_iter());
        index.extend([(7, 9), (5, 2)].into_iter());
        assert_eq!(index.get(7).collect::<Vec<_>>(), vec![1, 4, 9]);
        assert_eq!(index.get(3).collect::<Vec<_>>(), vec![0]);
        assert_eq!(index.get(4).count(), 0);
        assert_eq!(index.get(u64::MAX).count(), 0);
    }

    #[test]
    fn a_file_that_only_defines_the_name_cannot_call_it() {
        let names = mention_matcher(["create_user", "delete_user"]).unwrap();
        assert!(!calls_possible(
            &names,
            "class S:\n    async def create_user(self):\n        pass\n"
        ));
        assert!(!calls_possible(&names, "def  delete_user(db):\n    pass\n"));
        assert!(!calls_possible(&names, "x = 1\n"));
        // Calls, references and strings (getattr) are mentions.
        assert!(calls_possible(
            &names,
            "def create_user():\n    pass\nservice.delete_user(db)\n"
        ));
        assert!(calls_possible(&names, "handler = create_user\n"));
        assert!(calls_possible(&names, "getattr(service, \"create_user\")(db)\n"));
        // `undef` or `my_def` before the name is not the keyword.
        assert!(calls_possible(&names, "undef create_user\n"));
        // Inside a longer identifier: another name.
        assert!(!calls_possible(
            &names,
            "my_create_user()\nobj.create_users(1)\ncreate_user2 = 1\n"
        ));
        assert!(calls_possible(&names, "(create_user)"));
        assert!(calls_possible(&names, "create_user"));
        // Overlapping names: the call of the shorter one is still seen.
        let nested = mention_matcher(["create_user_now", "create_user"]).unwrap();
        assert!(calls_possible(&nested, "def create_user_now():\n    create_user()\n"));
        assert!(!calls_possible(&nested, "def create_user_now():\n    pass\n"));
        // A name inside a longer one that is not a name: the whole one after it is seen.
        assert!(calls_possible(&nested, "xcreate_user_now = create_user_now\n"));
        assert!(calls_possible(&nested, "create_user_nowx(); create_user()\n"));
        assert!(calls_possible(&nested, "create_user_now()\n"));
    }

    /// A service writing `Item` that takes a user, as a route would call it.
    const ITEM_SERVICE: &str = "from sqlalchemy.orm import Session\n\nfrom app.models import Item\n\n\n\
        def create_item(db: Session, name: str, created_by_user) -> Item:\n\
        \x20   item = Item(name=name, created_by=created_by_user.email)\n    db.add(item)\n    db.commit()\n    return item\n";

    /// The dependencies the routes name.
    const AUTH: &str = "def get_current_user():\n    pass\n\n\ndef get_db():\n    pass\n";

    /// The workspace of `dir`, its naming, and what each file's check gives
    /// the graph: the parameters AUD001 gives and the definitions.
    #[allow(clippy::type_complexity)]
    fn checked(
        dir: &std::path::Path,
    ) -> (
        Workspace,
        super::Naming,
        Vec<Vec<crate::checker::UserNeed>>,
        Vec<Option<super::Definitions>>,
    ) {
        let paths = vec![dir.to_path_buf()];
        let config = crate::config::load(&paths, &crate::config::Overrides::default()).unwrap();
        let workspace = Workspace::load(&paths, config);
        // The graph as the check builds it: from each file's check.
        let naming = super::Naming::new(&workspace);
        let (needs_user, known): (Vec<_>, Vec<_>) = workspace
            .files
            .iter()
            .map(|file| {
                let (check, definitions) = workspace.check_file_part(file, &naming, false);
                (check.needs_user, definitions)
            })
            .unzip();
        (workspace, naming, needs_user, known)
    }

    /// The resolved calls of the workspace (file name, line, text), with
    /// whether the rule pass would parse their file again for them.
    fn parsed_again(dir: &std::path::Path) -> (Workspace, Vec<(String, usize, String, bool)>) {
        let (workspace, _, needs_user, known) = checked(dir);
        let graph = CallGraph::build(&workspace, &needs_user, known, None);
        let settings = &workspace.config.settings;
        let user_names: Vec<&String> = Kind::ALL.iter().map(|k| settings.user_parameters.get(*k)).collect();
        let mut calls = Vec::new();
        for (&file, sites) in &graph.calls {
            for site in sites {
                let Some(callee) = graph.callee(&workspace, site) else {
                    continue;
                };
                let caller = graph.caller(file, site);
                let may = may_report(&graph, site, caller, callee, &user_names);
                let name = workspace.files[file]
                    .path
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                calls.push((name, site.line(), site.first_line.to_string(), may));
            }
        }
        calls.sort();
        (workspace, calls)
    }

    /// The graph as a list: each definition (file, key, line, user, facade
    /// user) in order, and each call (file, line, text, callee's key).
    fn graph_summary(workspace: &Workspace, graph: &CallGraph) -> Vec<String> {
        let definitions = graph.definitions.iter().map(|d| {
            format!(
                "def {} {:?} {} {:?} {:?}",
                d.file,
                d.key,
                d.function.line(),
                d.effective_user(),
                d.facade_user()
            )
        });
        let calls = graph.calls.iter().flat_map(|(file, sites)| {
            sites.iter().map(move |site| {
                let callee = graph.callee(workspace, site).map(|c| &graph.definitions[c].key);
                format!("call {file} {} {} {callee:?}", site.line(), site.first_line)
            })
        });
        definitions.chain(calls).collect()
    }

    #[test]
    fn a_checked_file_that_takes_no_part_joins_from_its_record_as_a_parse_would_make_it() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| crate::test_trees::write(dir.path(), name, text);
        write("app/models.py", crate::test_trees::ITEM_MODELS);
        write("app/services.py", ITEM_SERVICE);
        write(
            "app/routes.py",
            "from fastapi import Depends\n\nfrom app.auth import get_current_user, get_db\nfrom app.jobs import restock\n\n\n\
             def post_restock(names: list, db=Depends(get_db), current_user=Depends(get_current_user)):\n\
             \x20   return restock(db, names)\n",
        );
        write("app/auth.py", AUTH);
        // Checked (it commits), taking no part (no write method, no user):
        // it calls `create_item`, which the rounds want, without a user.
        let jobs_text = "from app.services import create_item\n\n\n\
             def restock(db, names):\n    for name in names:\n        create_item(db, name)\n    db.commit()\n";
        write("app/jobs.py", jobs_text);
        // Not recorded: a file as large as library modules are, and one
        // calling only a name of the session's own writes (`add_all`: named
        // as a write method, and predicted, a `def add_all` writes). A
        // round wanting their names parses them, as before.
        let large = format!(
            "{jobs_text}{}",
            "# a long module\n".repeat(super::RECORDED_TEXT_MAX / 16)
        );
        write("app/large_jobs.py", &large);
        write(
            "app/store.py",
            "def add_all(db, items):\n    db.add_all(items)\n    db.commit()\n",
        );
        write(
            "app/sync.py",
            "from app.store import add_all\n\n\ndef sync(db, items):\n    add_all(db, items)\n    db.flush()\n",
        );
        let (workspace, naming, needs_user, known) = checked(dir.path());
        let jobs = workspace
            .files
            .iter()
            .position(|f| f.path.ends_with("app/jobs.py"))
            .unwrap();
        assert!(workspace.files[jobs].candidate);
        assert!(!naming.takes_part(Some(&needs_user[jobs]), jobs_text));
        assert!(known[jobs].as_ref().is_some_and(|d| !d.part && d.calls.is_some()));
        let position = |name: &str| workspace.files.iter().position(|f| f.path.ends_with(name)).unwrap();
        for name in ["app/large_jobs.py", "app/sync.py"] {
            let i = position(name);
            assert!(workspace.files[i].candidate, "{name}");
            assert!(naming.predicted.contains(if name == "app/sync.py" {
                "add_all"
            } else {
                "create_item"
            }));
            assert!(known[i].is_none(), "{name}");
        }
        // From the record: the rounds parse no checked file.
        let memo = super::Yields::default();
        let graph = CallGraph::build(&workspace, &needs_user, known.clone(), Some(&memo));
        let (_, parsed, _) = memo.into_used();
        assert!(!parsed.contains(&jobs), "{parsed:?}");
        // Without it (as before the record): a round parses the file.
        let unrecorded: Vec<_> = known.into_iter().map(|d| d.filter(|d| d.part)).collect();
        let memo = super::Yields::default();
        let parsing = CallGraph::build(&workspace, &needs_user, unrecorded, Some(&memo));
        let (_, parsed, _) = memo.into_used();
        assert!(parsed.contains(&jobs), "{parsed:?}");
        assert!(parsed.contains(&position("app/large_jobs.py")), "{parsed:?}");
        // The same graph either way: the job's definition joins, in the
        // same place, a facade taking the route's user, and its call of
        // `create_item` is resolved.
        let summary = graph_summary(&workspace, &graph);
        assert_eq!(summary, graph_summary(&workspace, &parsing));
        let restock = summary.iter().find(|l| l.contains("name: \"restock\"")).unwrap();
        assert!(restock.starts_with(&format!("def {jobs} ")), "{summary:#?}");
        assert!(
            summary
                .iter()
                .any(|l| l.starts_with(&format!("call {jobs} 6 create_item(db, name) Some("))),
            "{summary:#?}"
        );
    }

    #[test]
    fn a_call_dropping_the_user_is_parsed_again_only_where_a_user_is_held() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| crate::test_trees::write(dir.path(), name, text);
        write("app/models.py", crate::test_trees::ITEM_MODELS);
        write("app/services.py", ITEM_SERVICE);
        write(
            "app/routes.py",
            "from fastapi import Depends\n\nfrom app.auth import get_current_user, get_db\nfrom app.services import create_item\n\n\n\
             def post_item(name: str, db=Depends(get_db), current_user=Depends(get_current_user)):\n\
             \x20   return create_item(db, name)\n\n\n\
             def import_items(db, names, created_by_user):\n    for name in names:\n        create_item(db, name)\n\n\n\
             def passes(db, current_user=Depends(get_current_user)):\n    return create_item(db, \"x\", created_by_user=current_user)\n",
        );
        write("app/auth.py", AUTH);
        write(
            "tests/test_items.py",
            "from app.services import create_item\n\n\n\
             def test_create(db):\n    item = create_item(db, \"lamp\")\n    assert item.name == \"lamp\"\n",
        );
        let (workspace, calls) = parsed_again(dir.path());
        let expected = [
            // A user in scope (a dependency), a user parameter; passed.
            ("routes.py", 8, "create_item(db, name)", true),
            ("routes.py", 13, "create_item(db, name)", true),
            (
                "routes.py",
                17,
                "create_item(db, \"x\", created_by_user=current_user)",
                false,
            ),
            // The test holds no user: nothing to pass, nothing to parse.
            ("test_items.py", 5, "create_item(db, \"lamp\")", false),
        ];
        let expected: Vec<_> = expected
            .iter()
            .map(|(f, l, t, m)| (f.to_string(), *l, t.to_string(), *m))
            .collect();
        assert_eq!(calls, expected);
        // And what the rules report agrees: both routes, not the test.
        let result = workspace.check();
        let mut reported: Vec<(String, usize)> = result
            .diagnostics()
            .filter(|(_, d)| d.rule.code() == "AUD012")
            .map(|(f, d)| (f.path.file_name().unwrap().to_string_lossy().into_owned(), d.start.line))
            .collect();
        reported.sort();
        assert_eq!(
            reported,
            vec![("routes.py".to_string(), 8), ("routes.py".to_string(), 13)]
        );
    }
}
