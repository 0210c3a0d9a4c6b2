//! Qualified names: what a name or dotted expression of one module denotes,
//! through its imports (`from x import A as B`, `import x.y as z`, star
//! imports of the repository, re-exports in package `__init__` files), so
//! that no rule compares names as text. A local named `datetime` or an
//! `import datetime as dt` cannot fool a rule that asks here.
//!
//! Classes and functions of the repository resolve to where they are
//! defined ([`ClassRef`], [`DefRef`]); names from outside it resolve to
//! their dotted qualified name (`sqlalchemy.ext.asyncio.AsyncSession`).

use super::calls::{ClassRef, DefRef};
use super::index::RepoIndex;
use super::module::{Binding, ClassFacts, ModuleFacts};
use super::source::NodeExt;

/// Resolves names and expressions of one module to classes and functions.
pub struct Resolver<'a> {
    pub index: &'a RepoIndex,
    pub module: &'a ModuleFacts,
}

impl<'a> Resolver<'a> {
    /// The qualified name a dotted expression denotes at run time
    /// (`dt.datetime.now` after `import datetime as dt` is
    /// `datetime.datetime.now`; `sa_func.now` after `from sqlalchemy import
    /// func as sa_func` is `sqlalchemy.func.now`), following re-exports of
    /// the repository's modules. A name the module does not bind is a
    /// builtin (`builtins.setattr`) or nothing.
    pub fn qualified(&self, dotted: &str) -> Option<String> {
        qualified_in(self.index, self.module, dotted, false, 0)
    }

    /// [`Self::qualified`] for annotations: names imported under
    /// `if TYPE_CHECKING:` resolve too.
    pub fn qualified_type(&self, dotted: &str) -> Option<String> {
        qualified_in(self.index, self.module, dotted, true, 0)
    }

    /// The facts of the repository class a dotted expression denotes.
    pub fn class_facts(&self, dotted: &str) -> Option<(ClassRef, &'a ClassFacts)> {
        let class = self.dotted_class(dotted)?;
        let facts = self
            .index
            .module(&class.module)?
            .classes
            .iter()
            .find(|c| c.name == class.name)?;
        Some((class, facts))
    }

    /// The module-level type alias a name denotes (`SessionDep`), with the
    /// module that defines it.
    pub fn alias(&self, name: &str) -> Option<(&'a ModuleFacts, &'a str)> {
        alias_in(self.index, self.module, name, 0)
    }

    /// Whether `dotted` may denote a class or a session source of the
    /// repository, by the index's byte scan of the name it was defined
    /// under (`User` for `UserModel` after `from app.models import User as
    /// UserModel`): when not, no module need be parsed to tell.
    pub fn may_be_defined(&self, dotted: &str) -> bool {
        let defined = match dotted.rsplit_once('.') {
            Some((_, last)) => last,
            None => match self.module.bindings.get(dotted) {
                Some(Binding::From { name, .. }) => name,
                _ => dotted,
            },
        };
        self.index.may_define(defined)
    }

    /// The module that defines the module-level name `name` denotes here
    /// (through imports, re-exports and star imports), and its name there.
    pub fn definition(&self, name: &str) -> Option<(&'a ModuleFacts, &'a str)> {
        definition_in(self.index, self.module, name, 0)
    }

    /// The dependency a call of FastAPI's `Depends` or `Security` (by
    /// qualified name) names: its first positional argument, or its
    /// `dependency=` keyword. `None` for any other call.
    pub fn fastapi_dependency<'t>(&self, call: tree_sitter::Node<'t>, text: &str) -> Option<tree_sitter::Node<'t>> {
        if call.kind_str() != "call" {
            return None;
        }
        let function = call.field("function")?;
        let qualified = self.qualified(&super::source::dotted_name(function, text)?)?;
        if qualified.split('.').next() != Some("fastapi")
            || !matches!(qualified.rsplit('.').next(), Some("Depends" | "Security"))
        {
            return None;
        }
        let args = call.field("arguments")?;
        let mut cursor = args.walk();
        let dependency = args.named_children(&mut cursor).find_map(|a| match a.kind_str() {
            "keyword_argument" => a
                .field("name")
                .filter(|k| &text[k.byte_range()] == "dependency")
                .and_then(|_| a.field("value")),
            "comment" => None,
            _ => Some(a),
        });
        dependency
    }

    /// The class a name denotes in this module.
    pub fn class(&self, name: &str) -> Option<ClassRef> {
        resolve_in(self.index, self.module, name, 0).and_then(|r| match r {
            Resolved::Class(c) => Some(c),
            Resolved::Function(_) => None,
        })
    }

    /// The module-level function a name denotes in this module.
    pub fn function(&self, name: &str) -> Option<DefRef> {
        resolve_in(self.index, self.module, name, 0).and_then(|r| match r {
            Resolved::Function(f) => Some(f),
            Resolved::Class(_) => None,
        })
    }

    /// The class a dotted expression (`svc.UserService`) denotes.
    pub fn dotted_class(&self, dotted: &str) -> Option<ClassRef> {
        match dotted.rsplit_once('.') {
            None => self.class(dotted),
            Some((head, last)) => {
                let first = head.split('.').next()?;
                // `import app.models as models`, or `from app import models`
                // when `app.models` is a module of the repository.
                let module = match self.module.bindings.get(first)? {
                    Binding::Module { module } => module.to_string(),
                    Binding::From { module, name } => {
                        let submodule = format!("{module}.{name}");
                        self.index.module(&submodule)?;
                        submodule
                    }
                    Binding::Local => return None,
                };
                let rest = &head[first.len()..];
                let target = self.index.module(&format!("{module}{rest}"))?;
                target.classes.iter().any(|c| c.name == last).then(|| ClassRef {
                    module: target.name.clone(),
                    name: last.into(),
                })
            }
        }
    }

    /// The first class among the capitalized names of an annotation.
    pub fn class_in_annotation(&self, annotation: &str) -> Option<ClassRef> {
        annotation
            .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
            .filter(|w| {
                w.rsplit('.')
                    .next()
                    .is_some_and(|l| l.chars().next().is_some_and(|c| c.is_ascii_uppercase()))
            })
            .find_map(|w| self.dotted_class(w))
    }
}

enum Resolved {
    Class(ClassRef),
    Function(DefRef),
}

fn resolve_in(index: &RepoIndex, module: &ModuleFacts, name: &str, depth: usize) -> Option<Resolved> {
    let (owner, local) = definition_in(index, module, name, depth)?;
    if owner.classes.iter().any(|c| c.name == local) {
        Some(Resolved::Class(ClassRef {
            module: owner.name.clone(),
            name: local.into(),
        }))
    } else {
        Some(Resolved::Function(DefRef {
            module: owner.name.as_str().into(),
            class: None,
            name: local.into(),
        }))
    }
}

fn definition_in<'a>(
    index: &'a RepoIndex,
    module: &'a ModuleFacts,
    name: &str,
    depth: usize,
) -> Option<(&'a ModuleFacts, &'a str)> {
    if depth > 8 {
        return None;
    }
    match module.bindings.get_key_value(name) {
        Some((key, Binding::Local)) => Some((module, key)),
        Some((
            _,
            Binding::From {
                module: from,
                name: imported,
            },
        )) => definition_in(index, index.module(from)?, imported, depth + 1),
        Some((_, Binding::Module { .. })) => None,
        None => module
            .star_imports
            .iter()
            .filter_map(|m| index.module(m))
            .filter(|t| t.all.as_ref().is_none_or(|all| all.iter().any(|n| n == name)))
            .find_map(|t| definition_in(index, t, name, depth + 1)),
    }
}

fn qualified_in(index: &RepoIndex, module: &ModuleFacts, dotted: &str, types: bool, depth: usize) -> Option<String> {
    if depth > 8 {
        return None;
    }
    let (head, rest) = match dotted.split_once('.') {
        Some((h, r)) => (h, Some(r)),
        None => (dotted, None),
    };
    let join = |base: String| match rest {
        Some(r) => format!("{base}.{r}"),
        None => base,
    };
    let found = if types {
        index.type_binding(module, head)
    } else {
        index.runtime_binding(module, head)
    };
    let Some((owner, binding)) = found else {
        return rest.is_none().then(|| format!("builtins.{head}"));
    };
    match binding {
        Binding::Local => Some(join(format!("{}.{head}", owner.name))),
        Binding::Module { module: m } => Some(join(m.to_string())),
        Binding::From { module: from, name } => {
            // A re-export inside the repository: follow it to the definition.
            if let Some(target) = index.module(from) {
                if target.name != owner.name && target.bindings.contains_key(name) {
                    return qualified_in(index, target, &join(name.to_string()), types, depth + 1);
                }
            }
            Some(join(format!("{from}.{name}")))
        }
    }
}

fn alias_in<'a>(
    index: &'a RepoIndex,
    module: &'a ModuleFacts,
    name: &str,
    depth: usize,
) -> Option<(&'a ModuleFacts, &'a str)> {
    if depth > 8 {
        return None;
    }
    if let Some(text) = module.aliases.get(name) {
        return Some((module, text.as_str()));
    }
    match index.type_binding(module, name)? {
        (
            _,
            Binding::From {
                module: from,
                name: imported,
            },
        ) => {
            let target = index.module(from)?;
            alias_in(index, target, imported, depth + 1)
        }
        (owner, Binding::Local) if owner.name != module.name => alias_in(index, owner, name, depth + 1),
        _ => None,
    }
}
