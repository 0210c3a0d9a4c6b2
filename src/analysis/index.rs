//! The repository index: every module's facts, joined so that a rule can ask
//! repository-wide questions. Does `Tenant` inherit the mixin through a base
//! class defined elsewhere? Which columns does `Connector` map, its bases'
//! included? Does a star import of a module of the repository bind
//! `datetime`? Does the repository's own mixin define the setters?
//!
//! The index knows every module's name from its path and, from a byte scan,
//! which classes each module may define; a module's facts are parsed the
//! first time a question needs them (thread-safe, once), so that a run
//! parses only the modules its candidate files reach. The byte scan finds
//! a superset of the classes (a `class Name` in a string counts too), and a
//! class is answered from the first module, in module order, whose parsed
//! facts really define it: the same answer as an index built from every
//! module parsed up front ([`RepoIndex::new`]).

use super::module::{Binding, ClassFacts, ModuleFacts};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

/// Where a module's facts come from when they are first needed.
pub enum Origin {
    /// Text held in memory (candidate files, in-memory workspaces).
    Text(Arc<str>),
    /// A file read again from disk.
    Path(PathBuf),
    /// Facts given up front.
    Given,
}

/// One module of the index.
pub struct Slot {
    pub name: String,
    origin: Origin,
    /// `None` once the module turned out not to read or parse.
    facts: OnceLock<Option<ModuleFacts>>,
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
            facts: OnceLock::from(Some(facts)),
        }
    }
}

#[derive(Default)]
pub struct RepoIndex {
    slots: Vec<Slot>,
    /// Every dotted suffix of every module name → module indices.
    by_suffix: HashMap<String, Vec<usize>>,
    /// Class name → modules that may define it, in module order.
    classes: HashMap<String, Vec<usize>>,
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
    let bytes = text.as_bytes();
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80;
    let mut out: Vec<String> = Vec::new();
    for at in memchr::memmem::find_iter(bytes, b"class") {
        if at > 0 && is_ident(bytes[at - 1]) {
            continue;
        }
        let mut i = at + "class".len();
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
        if !spaced {
            continue;
        }
        let start = i;
        while i < bytes.len() && is_ident(bytes[i]) {
            i += 1;
        }
        // `start..i` holds whole characters: the scan stops at ASCII bytes only.
        if i > start && !bytes[start].is_ascii_digit() {
            let name = &text[start..i];
            if !out.iter().any(|n| n == name) {
                out.push(name.to_string());
            }
        }
    }
    out
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
}

impl RepoIndex {
    /// An index over modules parsed up front.
    pub fn new(modules: Vec<ModuleFacts>) -> RepoIndex {
        let classes: Vec<Vec<String>> = modules
            .iter()
            .map(|m| m.classes.iter().map(|c| c.name.clone()).collect())
            .collect();
        RepoIndex::lazy(modules.into_iter().map(Slot::ready).collect(), classes)
    }

    /// An index over `slots`, where `classes[i]` names the classes module
    /// `i` may define (a superset: see [`class_names`]).
    pub fn lazy(slots: Vec<Slot>, classes: Vec<Vec<String>>) -> RepoIndex {
        let mut index = RepoIndex {
            slots,
            ..Default::default()
        };
        for (i, slot) in index.slots.iter().enumerate() {
            let parts: Vec<&str> = slot.name.split('.').collect();
            for start in 0..parts.len() {
                index.by_suffix.entry(parts[start..].join(".")).or_default().push(i);
            }
        }
        for (i, names) in classes.into_iter().enumerate() {
            for name in names {
                index.classes.entry(name).or_default().push(i);
            }
        }
        index
    }

    /// The facts of module `i`, parsed on first use; `None` when it does
    /// not read or parse.
    pub fn facts(&self, i: usize) -> Option<&ModuleFacts> {
        let slot = self.slots.get(i)?;
        slot.facts
            .get_or_init(|| {
                let (text, _) = match &slot.origin {
                    Origin::Given => return None,
                    Origin::Text(text) => (text.to_string(), false),
                    Origin::Path(path) => {
                        let bytes = std::fs::read(path).ok()?;
                        super::source::decode(&bytes).ok()?
                    }
                };
                let source = super::source::SourceFile::parse(text, false).ok()?;
                Some(ModuleFacts::collect(slot.name.clone(), source.root(), &source.text))
            })
            .as_ref()
    }

    /// The facts of module `i`, computed by `collect` when no question has
    /// needed them yet (a caller that has the module parsed already).
    pub fn facts_or(&self, i: usize, collect: impl FnOnce() -> ModuleFacts) -> Option<&ModuleFacts> {
        self.slots.get(i)?.facts.get_or_init(|| Some(collect())).as_ref()
    }

    /// The module a dotted import names, matched on a suffix of the module
    /// paths (the repository root need not be the import root). `None` when
    /// no module matches; with several, an exact name is preferred, else the
    /// shortest (the first such in module order), among those that parse.
    pub fn module(&self, dotted: &str) -> Option<&ModuleFacts> {
        let found = self.by_suffix.get(dotted)?;
        let mut order: Vec<usize> = found.clone();
        order.sort_by_key(|i| (self.slots[*i].name != dotted, self.slots[*i].name.len()));
        order.into_iter().find_map(|i| self.facts(i))
    }

    /// The class called `name`. With several of that name, the first in
    /// module order (the index cannot tell them apart without imports).
    pub fn class(&self, name: &str) -> Option<&ClassFacts> {
        self.classes
            .get(name)?
            .iter()
            .filter_map(|i| self.facts(*i))
            .find_map(|m| m.classes.iter().find(|c| c.name == name))
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
        self.class(name)?;
        let mut out = BTreeSet::new();
        let mut seen = HashSet::new();
        let mut stack = vec![name.to_string()];
        while let Some(current) = stack.pop() {
            if !seen.insert(current.clone()) {
                continue;
            }
            if let Some(class) = self.class(&current) {
                out.extend(class.columns.iter().cloned());
                stack.extend(class.bases.iter().cloned());
            }
        }
        Some(out)
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
                        "Base" | "DeclarativeBase" | "object" | "Generic" | "AsyncAttrs" | "MappedAsDataclass"
                    ) {
                        return false;
                    }
                }
            }
        }
        true
    }

    /// How the repository's mixin fits the configured setters.
    pub fn mixin_fit(&self, mixin: &str, setters: &[&str]) -> MixinFit {
        if self.class(mixin).is_none() {
            return MixinFit::NotInRepository;
        }
        let mut methods = BTreeSet::new();
        let mut seen = HashSet::new();
        let mut stack = vec![mixin.to_string()];
        while let Some(current) = stack.pop() {
            if !seen.insert(current.clone()) {
                continue;
            }
            if let Some(class) = self.class(&current) {
                methods.extend(class.methods.iter().cloned());
                stack.extend(class.bases.iter().cloned());
            }
        }
        let missing: Vec<String> = setters
            .iter()
            .filter(|s| !methods.contains(**s))
            .map(|s| s.to_string())
            .collect();
        if missing.is_empty() {
            MixinFit::Fits
        } else {
            MixinFit::LacksSetters(missing)
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
        self.binding_in(module, name, &mut seen)
    }

    fn binding_in<'a>(
        &'a self,
        module: &'a ModuleFacts,
        name: &str,
        seen: &mut HashSet<String>,
    ) -> Option<&'a Binding> {
        if !seen.insert(module.name.clone()) {
            return None;
        }
        if let Some(b) = module.bindings.get(name) {
            return Some(b);
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
            if let Some(b) = self.binding_in(target, name, seen) {
                return Some(b);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::source::parse;

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
        let lazy = RepoIndex::lazy(slots, sources.iter().map(|(_, s)| class_names(s)).collect());
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
}
