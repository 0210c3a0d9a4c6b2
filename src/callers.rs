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

use crate::analysis::calls::{call_sites, is_route, user_in_scope, CallSite, DefRef, Resolver};
use crate::analysis::functions::{functions, Function, ParamKind};
use crate::checker::suppressed;
use crate::diagnostic::{location, Diagnostic};
use crate::pipeline::Workspace;
use crate::rules::{self, Rule};
use crate::settings::Kind;
use auditfix_transforms::{Applicability, Edit, Fix, Stylist};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap, HashSet};

/// One definition of the repository.
pub struct Definition<'t> {
    pub file: usize,
    pub function: Function<'t>,
    pub key: DefRef,
    /// An existing parameter named like a user parameter.
    pub user_param: Option<String>,
    /// The parameter AUD001 adds (an audited write method lacking it).
    pub needs_user: Option<String>,
    /// The parameter a facade must take and forward (computed).
    pub facade_user: Option<String>,
    /// The name of the user this function holds, if any.
    pub user_in_scope: Option<String>,
    pub is_route: bool,
}

impl Definition<'_> {
    /// The user parameter the function has or will have.
    pub fn effective_user(&self) -> Option<&str> {
        self.user_param
            .as_deref()
            .or(self.needs_user.as_deref())
            .or(self.facade_user.as_deref())
    }

    /// Parameters a caller binds (without `self`/`cls` for bound calls).
    pub fn callable_params(&self, bound: bool) -> Vec<&crate::analysis::functions::Param> {
        let first_is_self = self
            .function
            .params
            .first()
            .is_some_and(|p| p.name == "self" || p.name == "cls");
        let skip = usize::from(bound && first_is_self);
        self.function.params.iter().skip(skip).collect()
    }
}

/// Every definition and call of the repository.
pub struct CallGraph<'t> {
    pub definitions: Vec<Definition<'t>>,
    /// Per file: its call sites.
    pub calls: Vec<Vec<CallSite<'t>>>,
    /// Per file: definition indices of its functions, in the file's order.
    pub file_definitions: Vec<Vec<usize>>,
    by_key: HashMap<DefRef, usize>,
    by_method: HashMap<(String, String), Vec<usize>>,
}

impl<'t> CallGraph<'t> {
    /// Build the graph; `needs_user[file]` lists `(def start byte, parameter)`.
    pub fn build(workspace: &'t Workspace, needs_user: &[Vec<(usize, String)>]) -> CallGraph<'t> {
        let settings = &workspace.config.settings;
        let files = workspace.files.len();
        let mut graph = CallGraph {
            definitions: Vec::new(),
            calls: vec![Vec::new(); files],
            file_definitions: vec![Vec::new(); files],
            by_key: HashMap::new(),
            by_method: HashMap::new(),
        };
        let mut file_functions: Vec<Option<Vec<Function<'t>>>> = vec![None; files];
        // The files that matter to callers: those with a write method that
        // will take a user, those that name a user parameter, and (below)
        // those that name a function taking a user. The others are never
        // parsed (without the prefilter, every file is walked).
        let user_names: Vec<&str> = Kind::ALL
            .iter()
            .map(|k| settings.user_parameters.get(*k).as_str())
            .collect();
        let naming: Vec<bool> = workspace
            .files
            .par_iter()
            .enumerate()
            .map(|(i, file)| {
                !workspace.prefilter
                    || needs_user.get(i).is_some_and(|n| !n.is_empty())
                    || file.search(|text| user_names.iter().any(|u| text.contains(u)))
            })
            .collect();
        // Parse them in parallel; the definitions are added in file order.
        workspace.files.par_iter().zip(&naming).for_each(|(file, wanted)| {
            if *wanted {
                file.source();
            }
        });
        for (i, wanted) in naming.iter().enumerate() {
            if *wanted {
                graph.include(workspace, i, needs_user, &mut file_functions);
            }
        }
        // Resolve the calls that name a function taking (or about to take) a
        // user, and repeat while facades add names. A file that named one
        // of the names of a round names it in every later round: only the
        // new names are searched for.
        let mut names: HashSet<String> = HashSet::new();
        let mut mentions: Vec<bool> = vec![!workspace.prefilter; files];
        for _ in 0..8 {
            let wanted: HashSet<String> = graph
                .definitions
                .iter()
                .filter(|d| d.effective_user().is_some())
                .map(|d| d.key.name.clone())
                .collect();
            if wanted == names || wanted.is_empty() {
                break;
            }
            let mut new: Vec<&String> = wanted.difference(&names).collect();
            new.sort();
            let Ok(matcher) = aho_corasick::AhoCorasick::new(new) else {
                break;
            };
            names = wanted;
            mentions = workspace
                .files
                .par_iter()
                .zip(mentions.par_iter())
                .map(|(f, before)| *before || f.search(|text| matcher.is_match(text)))
                .collect();
            workspace
                .files
                .par_iter()
                .zip(mentions.par_iter())
                .for_each(|(file, mentioned)| {
                    if *mentioned {
                        file.source();
                    }
                });
            for (i, mentioned) in mentions.iter().enumerate() {
                if *mentioned && file_functions[i].is_none() {
                    graph.include(workspace, i, needs_user, &mut file_functions);
                }
            }
            let calls: Vec<Vec<CallSite<'t>>> = workspace
                .files
                .par_iter()
                .zip(file_functions.par_iter())
                .zip(mentions.par_iter())
                .map(|((file, funcs), mentioned)| {
                    let (Some(funcs), true, Some(source)) = (funcs, *mentioned, file.source()) else {
                        return Vec::new();
                    };
                    let Some(module) = workspace.module_of(file, source) else {
                        return Vec::new();
                    };
                    let resolver = Resolver {
                        index: &workspace.index,
                        module,
                    };
                    call_sites(&resolver, funcs, source.text.as_str(), &|name| names.contains(name))
                })
                .collect();
            graph.calls = calls;
            graph.find_facades(workspace);
        }
        graph
    }

    /// Add the definitions of file `i` to the graph.
    fn include(
        &mut self,
        workspace: &'t Workspace,
        i: usize,
        needs_user: &[Vec<(usize, String)>],
        file_functions: &mut [Option<Vec<Function<'t>>>],
    ) {
        let settings = &workspace.config.settings;
        let user_names: Vec<&String> = Kind::ALL.iter().map(|k| settings.user_parameters.get(*k)).collect();
        let file = &workspace.files[i];
        let Some(source) = file.source() else {
            return;
        };
        let Some(module) = workspace.module_of(file, source) else {
            return;
        };
        let text = source.text.as_str();
        let funcs = functions(source.root(), text);
        for function in &funcs {
            let key = DefRef {
                module: module.name.clone(),
                class: function.class.clone(),
                name: function.name.clone(),
            };
            let user_param = function
                .params
                .iter()
                .find(|p| user_names.iter().any(|u| **u == p.name) && p.kind != ParamKind::VarArgs)
                .map(|p| p.name.clone());
            let needs = needs_user
                .get(i)
                .and_then(|n| n.iter().find(|(start, _)| *start == function.node.start_byte()))
                .map(|(_, p)| p.clone());
            let id = self.definitions.len();
            self.file_definitions[i].push(id);
            self.by_key.insert(key.clone(), id);
            if let Some(class) = &key.class {
                self.by_method
                    .entry((class.clone(), key.name.clone()))
                    .or_default()
                    .push(id);
            }
            self.definitions.push(Definition {
                file: i,
                user_in_scope: user_in_scope(function, text, settings),
                is_route: is_route(function, text),
                function: function.clone(),
                key,
                user_param,
                needs_user: needs,
                facade_user: None,
            });
        }
        file_functions[i] = Some(funcs);
    }

    /// The definition a call reaches (through base classes for methods).
    pub fn callee(&self, workspace: &Workspace, site: &CallSite<'_>) -> Option<usize> {
        let key = site.callee.as_ref()?;
        if let Some(i) = self.by_key.get(key) {
            return Some(*i);
        }
        let class = key.class.as_ref()?;
        let mut seen = vec![class.clone()];
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
            if let Some([only]) = self.by_method.get(&(base.clone(), key.name.clone())).map(Vec::as_slice) {
                return Some(*only);
            }
            if let Some(c) = workspace.index.class(&base) {
                stack.extend(c.bases.iter().cloned());
            }
        }
        None
    }

    /// The definition that makes call `site` of file `file`.
    pub fn caller(&self, file: usize, site: &CallSite<'_>) -> Option<usize> {
        site.caller.and_then(|i| self.file_definitions[file].get(i).copied())
    }

    /// Whether `site` passes the user parameter `user` of `callee`.
    pub fn passes_user(&self, site: &CallSite<'_>, callee: &Definition<'_>, user: &str, text: &str) -> bool {
        if site.keywords(text).iter().any(|(k, _)| k == user) {
            return true;
        }
        let (star, double_star) = site.has_splat();
        if star || double_star {
            return true; // cannot tell: do not claim it is dropped
        }
        let params = callee.callable_params(site.bound);
        let positional: Vec<_> = params
            .iter()
            .filter(|p| matches!(p.kind, ParamKind::Positional | ParamKind::PositionalOnly))
            .collect();
        positional
            .iter()
            .position(|p| p.name == user)
            .is_some_and(|i| site.positional().len() > i)
    }

    /// Mark facades: functions with no user that call a function taking one
    /// without passing it, and that are themselves write-named or called
    /// where a user is held.
    fn find_facades(&mut self, workspace: &Workspace) {
        let settings = &workspace.config.settings;
        for _ in 0..8 {
            let mut changes = Vec::new();
            for (file, sites) in self.calls.iter().enumerate() {
                let text = workspace.files[file].text();
                for site in sites {
                    let (Some(callee), Some(caller)) = (self.callee(workspace, site), self.caller(file, site)) else {
                        continue;
                    };
                    let Some(user) = self.definitions[callee].effective_user() else {
                        continue;
                    };
                    let c = &self.definitions[caller];
                    if c.user_in_scope.is_some() || c.effective_user().is_some() || c.is_route || caller == callee {
                        continue;
                    }
                    if self.passes_user(site, &self.definitions[callee], user, text) {
                        continue;
                    }
                    let write_named = settings.kind_from_name(&c.function.name).is_some();
                    if write_named || self.called_with_user(workspace, caller) {
                        changes.push((caller, user.to_string()));
                    }
                }
            }
            if changes.is_empty() {
                break;
            }
            for (i, user) in changes {
                self.definitions[i].facade_user.get_or_insert(user);
            }
        }
    }

    fn called_with_user(&self, workspace: &Workspace, target: usize) -> bool {
        self.calls.iter().enumerate().any(|(file, sites)| {
            sites.iter().any(|s| {
                self.callee(workspace, s) == Some(target)
                    && self.caller(file, s).is_some_and(|c| {
                        let d = &self.definitions[c];
                        d.user_in_scope.is_some() || d.effective_user().is_some()
                    })
            })
        })
    }
}

/// A caller finding and its whole fix, which may span files.
pub struct CallerFinding {
    pub file: usize,
    pub diagnostic: Diagnostic,
    /// Every edit of the fix, per file index (the caller's own file included).
    pub edits: BTreeMap<usize, Vec<Edit>>,
}

/// What the caller rules may look at, and where they report.
pub struct CallerChecker<'a, 't> {
    pub workspace: &'t Workspace,
    pub graph: &'a CallGraph<'t>,
    pub findings: Vec<CallerFinding>,
    stylists: HashMap<usize, Stylist>,
}

impl<'a, 't> CallerChecker<'a, 't> {
    pub fn text(&self, file: usize) -> &'t str {
        self.workspace.files[file].text()
    }

    pub fn stylist(&mut self, file: usize) -> Stylist {
        let text = self.text(file);
        self.stylists
            .entry(file)
            .or_insert_with(|| Stylist::detect(text))
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
        let loaded = &self.workspace.files[file];
        if !self.workspace.config.is_enabled(rule, &loaded.display) {
            return;
        }
        let text = self.text(file);
        let start = location(text, range.start);
        let end = location(text, range.end);
        let function = caller.map(|c| &self.graph.definitions[c].function);
        if suppressed(text, rule, start.line) || function.is_some_and(|f| suppressed(text, rule, f.line())) {
            return;
        }
        let edits = edits.filter(|e| e.values().any(|v| !v.is_empty()));
        let local = edits.as_ref().map(|e| e.get(&file).cloned().unwrap_or_default());
        let fix = local.and_then(|local| Fix::from_edits(local, Applicability::Unsafe));
        self.findings.push(CallerFinding {
            file,
            diagnostic: Diagnostic {
                rule,
                message,
                range,
                start,
                end,
                function: function.map(|f| f.qualified.clone()),
                fix,
            },
            edits: edits.unwrap_or_default(),
        });
    }

    /// Edits that make definition `def` take the user parameter it will
    /// have (AUD001's parameter, or a facade's parameter and its forwarding).
    pub fn take_user_edits(&mut self, def: usize, depth: usize) -> Option<BTreeMap<usize, Vec<Edit>>> {
        let mut out: BTreeMap<usize, Vec<Edit>> = BTreeMap::new();
        let d = &self.graph.definitions[def];
        if d.user_param.is_some() || depth > 8 {
            return Some(out);
        }
        let Some(user) = d.needs_user.clone().or_else(|| d.facade_user.clone()) else {
            return Some(out);
        };
        let file = d.file;
        let node = d.function.node;
        let stylist = self.stylist(file);
        let edits = rules::fix_parts::add_user_parameter(self.text(file), node, &user, &stylist)?;
        out.entry(file).or_default().extend(edits);
        if self.graph.definitions[def].facade_user.is_some() {
            // Forward it to every call that drops it.
            let workspace = self.workspace;
            let sites: Vec<&CallSite> = self.graph.calls[file]
                .iter()
                .filter(|s| self.graph.caller(file, s) == Some(def))
                .collect();
            for site in sites {
                let Some(callee) = self.graph.callee(workspace, site) else {
                    continue;
                };
                let Some(callee_user) = self.graph.definitions[callee].effective_user().map(str::to_string) else {
                    continue;
                };
                if self
                    .graph
                    .passes_user(site, &self.graph.definitions[callee], &callee_user, self.text(file))
                {
                    continue;
                }
                let more = self.pass_user_edits(file, site, callee, &callee_user, &user, depth + 1)?;
                for (f, e) in more {
                    out.entry(f).or_default().extend(e);
                }
            }
        }
        Some(out)
    }

    /// Edits that make `site` pass `holder` as `user` to `callee`, and make
    /// the callee take it.
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
        let edit = auditfix_transforms::arguments::add_keyword_argument(
            self.text(file),
            args,
            &format!("{user}={holder}"),
            &stylist,
        )?;
        let mut out = self.take_user_edits(callee, depth)?;
        out.entry(file).or_default().push(edit);
        Some(out)
    }
}

/// Run AUD012-AUD014 over every call of the workspace. Calls that cannot be
/// resolved come back as notes (`path:line: ...`), never as findings.
pub fn check(workspace: &Workspace, needs_user: &[Vec<(usize, String)>]) -> (Vec<CallerFinding>, Vec<String>) {
    let graph = CallGraph::build(workspace, needs_user);
    let mut checker = CallerChecker {
        workspace,
        graph: &graph,
        findings: Vec::new(),
        stylists: HashMap::new(),
    };
    let mut notes = Vec::new();
    let audited_names: Vec<&str> = graph
        .definitions
        .iter()
        .filter(|d| d.effective_user().is_some())
        .map(|d| d.key.name.as_str())
        .collect();
    for (file, sites) in graph.calls.iter().enumerate() {
        for site in sites {
            let caller = graph.caller(file, site);
            let Some(callee) = graph.callee(workspace, site) else {
                let text = checker.text(file);
                let line = site.call.start_position().row + 1;
                let display = workspace.files[file].display.display();
                let call_text = text[site.call.byte_range()].lines().next().unwrap_or("").to_string();
                match &site.dynamic {
                    Some(Some(class))
                        if graph
                            .definitions
                            .iter()
                            .any(|d| d.key.class.as_ref() == Some(&class.name) && d.effective_user().is_some()) =>
                    {
                        notes.push(format!("{display}:{line}: `{call_text}` calls a method of `{}` by name; it cannot be checked (AUD012-AUD014) nor fixed", class.name));
                    }
                    Some(None) => {
                        notes.push(format!("{display}:{line}: `{call_text}` is a dynamic call; it cannot be checked (AUD012-AUD014) nor fixed"));
                    }
                    None if site.bound && audited_names.contains(&site.name.as_str()) => {
                        notes.push(format!("{display}:{line}: `{call_text}` cannot be resolved to a definition; not checked (AUD012-AUD014)"));
                    }
                    _ => {}
                }
                continue;
            };
            rules::call_signature_mismatch::check(&mut checker, file, site, caller, callee);
            rules::positional_shift::check(&mut checker, file, site, caller, callee);
            rules::caller_drops_user::check(&mut checker, file, site, caller, callee);
        }
    }
    notes.sort();
    notes.dedup();
    (checker.findings, notes)
}
