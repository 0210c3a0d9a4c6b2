//! The repository index: every module's facts, joined so that a rule can ask
//! repository-wide questions. Does `Tenant` inherit the mixin through a base
//! class defined elsewhere? Which columns does `Connector` map, its bases'
//! included? Does a star import of a module of the repository bind
//! `datetime`? Does the repository's own mixin define the setters?
//!
//! Built once per run from all files, before any rule runs.

use super::module::{Binding, ClassFacts, ModuleFacts};
use std::collections::{BTreeSet, HashMap, HashSet};

#[derive(Debug, Default)]
pub struct RepoIndex {
    modules: Vec<ModuleFacts>,
    /// Every dotted suffix of every module name → module indices.
    by_suffix: HashMap<String, Vec<usize>>,
    /// Class name → (module index, class index).
    classes: HashMap<String, Vec<(usize, usize)>>,
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
    pub fn new(modules: Vec<ModuleFacts>) -> RepoIndex {
        let mut index = RepoIndex {
            modules,
            ..Default::default()
        };
        for (i, module) in index.modules.iter().enumerate() {
            let parts: Vec<&str> = module.name.split('.').collect();
            for start in 0..parts.len() {
                index.by_suffix.entry(parts[start..].join(".")).or_default().push(i);
            }
            for (c, class) in module.classes.iter().enumerate() {
                index.classes.entry(class.name.clone()).or_default().push((i, c));
            }
        }
        index
    }

    /// The module a dotted import names, matched on a suffix of the module
    /// paths (the repository root need not be the import root). `None` when
    /// no module or more than one matches.
    pub fn module(&self, dotted: &str) -> Option<&ModuleFacts> {
        match self.by_suffix.get(dotted).map(Vec::as_slice) {
            Some([only]) => Some(&self.modules[*only]),
            Some(many) if !many.is_empty() => {
                // Prefer an exact name, else the shortest path.
                many.iter()
                    .map(|i| &self.modules[*i])
                    .find(|m| m.name == dotted)
                    .or_else(|| many.iter().map(|i| &self.modules[*i]).min_by_key(|m| m.name.len()))
            }
            _ => None,
        }
    }

    /// The class called `name`. With several of that name, the first in
    /// module order (the index cannot tell them apart without imports).
    pub fn class(&self, name: &str) -> Option<&ClassFacts> {
        let (m, c) = *self.classes.get(name)?.first()?;
        Some(&self.modules[m].classes[c])
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
}
