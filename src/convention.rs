//! How the repository records who acted on a row, per model and kind, in
//! its own words: the stamp a fix writes.
//!
//! The audit mixin of a model is the configured one when the model
//! inherits it, else the nearest base of the repository that is not mapped
//! itself and has `*_by` audit columns or `set_*_by` setters (the team's
//! own `TrackedMixin`). From the mixin's code:
//! - a setter taking the standard's `(email, name)` is called the
//!   standard's way, through the audit context;
//! - a setter taking other arguments is called with what each parameter's
//!   name or annotation asks of the acting user (`set_created_by(user_id)`
//!   gets `user.id`);
//! - with no setter, the mixin's own audit columns are assigned from the
//!   acting user (a foreign key its target column, a relationship the
//!   user, an `_email` column the user's email).
//!
//! Anything the code does not tell is no stamp: the reason is kept for
//! the note, and the rules write nothing there.

use crate::analysis::index::{RepoIndex, SETTER_ARGUMENTS};
use crate::analysis::module::{is_audit_column, Arity, ClassFacts, Clock, Holds};
use crate::settings::{Kind, Settings};
use std::collections::{BTreeMap, BTreeSet, HashSet, VecDeque};

/// Where a value comes from: the acting user, or one of its attributes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UserPart {
    Object,
    Attribute(String),
}

impl UserPart {
    /// The expression of this part of `user`.
    pub fn of(&self, user: &str) -> String {
        match self {
            UserPart::Object => user.to_string(),
            UserPart::Attribute(attribute) => format!("{user}.{attribute}"),
        }
    }
}

/// How a row of one kind is stamped with who acted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stamp {
    /// The standard's call through the audit context:
    /// `x.set_created_by(audit_ctx.user_email, audit_ctx.user_name)`.
    Standard { setter: String },
    /// The mixin's own setter with the arguments it takes:
    /// `x.set_created_by(user.id)`.
    Setter { name: String, args: Vec<UserPart> },
    /// The mixin's columns assigned: `x.created_by_id = user.id`.
    Columns(Vec<(String, UserPart)>),
}

impl Stamp {
    /// The method a row calls when it is already stamped this way.
    pub fn setter(&self) -> Option<&str> {
        match self {
            Stamp::Standard { setter } => Some(setter),
            Stamp::Setter { name, .. } => Some(name),
            Stamp::Columns(_) => None,
        }
    }

    /// The stamp as one line of code on `entity`, for messages.
    pub fn describe(&self, entity: &str, user: &str) -> String {
        match self {
            Stamp::Standard { setter } => format!("{entity}.{setter}(...)"),
            Stamp::Setter { name, args } => format!(
                "{entity}.{name}({})",
                args.iter().map(|a| a.of(user)).collect::<Vec<_>>().join(", ")
            ),
            Stamp::Columns(columns) => columns
                .iter()
                .map(|(column, part)| format!("{entity}.{column} = {}", part.of(user)))
                .collect::<Vec<_>>()
                .join("; "),
        }
    }
}

/// The audit mixin of `model`, and whether it is the configured one.
/// `None` when the model has none.
pub fn mixin_of(index: &RepoIndex, settings: &Settings, model: &str) -> Option<(String, bool)> {
    if index.inherits(model, &settings.mixin_class) {
        return Some((settings.mixin_class.clone(), true));
    }
    // The nearest base that looks like an audit mixin.
    let mut seen = HashSet::new();
    let mut queue: VecDeque<String> = index
        .class(model)
        .map(|c| c.bases.iter().cloned().collect())
        .unwrap_or_default();
    while let Some(current) = queue.pop_front() {
        if !seen.insert(current.clone()) {
            continue;
        }
        let Some(class) = index.class(&current) else { continue };
        if !class.mapped && looks_like_audit_mixin(class) {
            return Some((current, false));
        }
        queue.extend(class.bases.iter().cloned());
    }
    None
}

/// Whether a class records who acted: `*_by` audit columns, or `set_*_by`
/// setters.
pub fn looks_like_audit_mixin(class: &ClassFacts) -> bool {
    class.columns.iter().any(is_audit_column)
        || class.holds.iter().next().is_some()
        || class
            .methods
            .iter()
            .any(|(m, _)| m.strip_prefix("set_").is_some_and(is_audit_column))
}

/// The stamp of a `kind` write on `model`: `None` when the model has no
/// audit mixin, `Err(why)` when its mixin's code does not tell how.
pub fn stamp(index: &RepoIndex, settings: &Settings, model: &str, kind: Kind) -> Option<Result<Stamp, String>> {
    let (mixin, configured) = mixin_of(index, settings, model)?;
    if index.class(&mixin).is_none() {
        // A library's mixin, by its configured name: the standard's setters.
        return Some(Ok(Stamp::Standard {
            setter: settings.setters.get(kind).clone(),
        }));
    }
    Some(mixin_stamp(index, settings, &mixin, configured, kind))
}

/// The stamp of a `kind` write on the models of `mixin`, a class of the
/// repository (`configured` when it is the configured mixin).
pub fn mixin_stamp(
    index: &RepoIndex,
    settings: &Settings,
    mixin: &str,
    configured: bool,
    kind: Kind,
) -> Result<Stamp, String> {
    MixinView::of(index, mixin).stamp(index, settings, mixin, configured, kind)
}

/// The repository's user model as `model`'s audit mixin sees it: the
/// target of the mixin's foreign keys, else a mapped `User`.
pub fn user_model(index: &RepoIndex, settings: &Settings, model: &str) -> Option<String> {
    let (mixin, _) = mixin_of(index, settings, model)?;
    UserModel::find(index, &MixinView::of(index, &mixin)).name
}

/// The word of `kind` in audit names (`created_by`, `set_created_by`).
pub fn kind_word(kind: Kind) -> &'static str {
    match kind {
        Kind::Create => "created",
        Kind::Update => "updated",
        Kind::Delete => "deleted",
    }
}

/// The setter of `kind` among a mixin's `methods`: the configured one when
/// it has it, else its one `set_<kind>_by`-like method.
pub fn setter_among(methods: &BTreeMap<String, Arity>, settings: &Settings, kind: Kind) -> Option<String> {
    let wanted = settings.setters.get(kind);
    if methods.contains_key(wanted) {
        return Some(wanted.clone());
    }
    let word = format!("{}_by", kind_word(kind));
    let found: Vec<&String> = methods
        .keys()
        .filter(|name| name.starts_with("set_") && name.contains(&word))
        .collect();
    match found.as_slice() {
        [one] => Some((*one).clone()),
        _ => None,
    }
}

/// A mixin with its bases of the repository: what it defines, nearest first.
#[derive(Default)]
pub struct MixinView {
    /// Its methods and the arguments they take.
    pub methods: BTreeMap<String, Arity>,
    /// The parameters of its `set_*` methods.
    pub params: BTreeMap<String, Vec<(String, Option<String>)>>,
    /// Its mapped attributes, audit columns included.
    pub columns: BTreeSet<String>,
    /// What each audit column holds.
    pub holds: BTreeMap<String, Holds>,
    /// The clock of each timestamp column that tells one.
    pub clocks: BTreeMap<String, Clock>,
    /// SQLModel fields, columns of the tables that inherit the mixin.
    pub fields: BTreeSet<String>,
}

impl MixinView {
    fn of(index: &RepoIndex, mixin: &str) -> MixinView {
        MixinView::of_class(index, mixin, None)
    }

    /// The view of class `mixin`: `own` when given (the class of one
    /// module, where another module may define a class of the same name,
    /// a migration's copy), its bases by name.
    pub fn of_class(index: &RepoIndex, mixin: &str, own: Option<&ClassFacts>) -> MixinView {
        let mut view = MixinView::default();
        let mut seen = HashSet::new();
        let mut queue = VecDeque::from([mixin.to_string()]);
        while let Some(current) = queue.pop_front() {
            if !seen.insert(current.clone()) {
                continue;
            }
            let class = match own {
                Some(own) if current == mixin => own,
                _ => {
                    let Some(class) = index.class(&current) else { continue };
                    class
                }
            };
            for (name, arity) in class.methods.iter() {
                view.methods.entry(name.to_string()).or_insert(*arity);
            }
            for (name, params) in class.setter_params.iter() {
                view.params.entry(name.to_string()).or_insert_with(|| params.clone());
            }
            view.columns.extend(class.columns.iter().map(str::to_string));
            for (name, holds) in class.holds.iter() {
                view.columns.insert(name.to_string());
                view.holds.entry(name.to_string()).or_insert_with(|| holds.clone());
            }
            for (column, clock) in class.clocks.iter() {
                view.clocks.entry(column.to_string()).or_insert(*clock);
            }
            view.fields.extend(class.fields.iter().map(str::to_string));
            queue.extend(class.bases.iter().cloned());
        }
        view
    }

    fn stamp(
        &self,
        index: &RepoIndex,
        settings: &Settings,
        mixin: &str,
        configured: bool,
        kind: Kind,
    ) -> Result<Stamp, String> {
        let word = kind_word(kind);
        if let Some(setter) = setter_among(&self.methods, settings, kind) {
            return self.setter_stamp(index, mixin, configured, setter);
        }
        let prefix = format!("{word}_by");
        let columns: Vec<&String> = self
            .columns
            .iter()
            .filter(|c| **c == prefix || c.starts_with(&format!("{prefix}_")))
            .collect();
        if columns.is_empty() {
            return Err(format!(
                "`{mixin}` has no `set_{prefix}` setter and no `{prefix}*` column"
            ));
        }
        let user = UserModel::find(index, self);
        let mut assignments = Vec::new();
        for column in columns {
            let part = match self.holds.get(column) {
                Some(Holds::Key { column: target, .. }) => UserPart::Attribute(target.clone()),
                Some(Holds::Object) => UserPart::Object,
                Some(Holds::Text) => {
                    let suffix = column.strip_prefix(&prefix).unwrap_or("");
                    match suffix {
                        "_email" => user.attribute(&["email"], column)?,
                        "_name" => user.attribute(&["name", "full_name", "username", "display_name"], column)?,
                        _ => match written_from(index, column) {
                            Written::Attribute(attribute) => user.attribute(&[attribute.as_str()], column)?,
                            Written::Several => {
                                return Err(format!(
                                    "`{column}` is text, and the code writes different things into it"
                                ))
                            }
                            Written::Nothing => {
                                return Err(format!(
                                    "`{column}` is text, and nothing tells what goes in it (an email? a name?)"
                                ))
                            }
                        },
                    }
                }
                Some(Holds::Other) if column.ends_with("_id") => user.attribute(&["id"], column)?,
                _ => return Err(format!("what `{mixin}.{column}` holds is not told by its definition")),
            };
            assignments.push((column.clone(), part));
        }
        Ok(Stamp::Columns(assignments))
    }

    fn setter_stamp(&self, index: &RepoIndex, mixin: &str, configured: bool, setter: String) -> Result<Stamp, String> {
        let arity = self.methods.get(&setter).copied().unwrap_or_default();
        let params = self.params.get(&setter).cloned().unwrap_or_default();
        if arity.keyword_required {
            return Err(format!("`{mixin}.{setter}` takes a keyword-only argument"));
        }
        let user = UserModel::find(index, self);
        let required: Vec<&(String, Option<String>)> = params.iter().take(usize::from(arity.required)).collect();
        let parts: Vec<Option<Result<UserPart, String>>> = required
            .iter()
            .map(|(name, annotation)| param_part(index, &user, name, annotation.as_deref()))
            .collect();
        let standard_names = required.len() == usize::from(SETTER_ARGUMENTS)
            && required[0].0.to_ascii_lowercase().contains("email")
            && required[1].0.to_ascii_lowercase().contains("name");
        // The standard's setter: `(email, name)`, or two parameters whose
        // names say nothing (`set_created_by(self, e, n)`) on the configured
        // mixin.
        if arity.accepts(SETTER_ARGUMENTS) && (standard_names || (configured && parts.iter().all(Option::is_none))) {
            return Ok(Stamp::Standard { setter });
        }
        let mut args = Vec::new();
        for ((name, _), part) in required.iter().zip(parts) {
            match part {
                Some(Ok(part)) => args.push(part),
                Some(Err(why)) => return Err(format!("`{mixin}.{setter}` takes `{name}`: {why}")),
                None => {
                    return Err(format!(
                        "`{mixin}.{setter}` takes `{name}`, and nothing tells what of the user that is"
                    ))
                }
            }
        }
        if args.is_empty() {
            return Err(format!("`{mixin}.{setter}` takes no argument about the user"));
        }
        Ok(Stamp::Setter { name: setter, args })
    }
}

/// What the repository's code already writes into an audit column.
enum Written {
    Attribute(String),
    Several,
    Nothing,
}

/// What the repository's code writes into `column` from an object's
/// attribute (`x.created_by = current_user.email`), over every module.
fn written_from(index: &RepoIndex, column: &str) -> Written {
    let mut found: Option<String> = None;
    for i in index.every_module() {
        let Some(module) = index.facts(i) else { continue };
        match module.audit_values.get(column) {
            None => {}
            Some(None) => return Written::Several,
            Some(Some(attribute)) => match &found {
                Some(seen) if seen != attribute => return Written::Several,
                _ => found = Some(attribute.clone()),
            },
        }
    }
    found.map_or(Written::Nothing, Written::Attribute)
}

/// What a setter's parameter asks of the acting user, by its name or
/// annotation.
fn param_part(
    index: &RepoIndex,
    user: &UserModel,
    name: &str,
    annotation: Option<&str>,
) -> Option<Result<UserPart, String>> {
    let lower = name.to_ascii_lowercase();
    let annotated_model = annotation.is_some_and(|a| {
        let a = a.trim_matches(|c| c == '"' || c == '\'');
        let last = a.rsplit('.').next().unwrap_or(a);
        index.class(last).is_some_and(|c| c.mapped) && user.name.as_deref() == Some(last)
    });
    if annotated_model || matches!(lower.as_str(), "user" | "actor") || lower.ends_with("_user") {
        return Some(Ok(UserPart::Object));
    }
    if lower == "id" || lower.ends_with("_id") {
        return Some(user.attribute(&["id"], name));
    }
    if lower.contains("email") {
        return Some(user.attribute(&["email"], name));
    }
    if lower.ends_with("name") {
        return Some(user.attribute(&["name", "full_name", "username", "display_name"], name));
    }
    None
}

/// The repository's user model: the target of the mixin's foreign keys,
/// else a mapped class named `User`.
struct UserModel {
    name: Option<String>,
    columns: BTreeSet<String>,
}

impl UserModel {
    fn find(index: &RepoIndex, view: &MixinView) -> UserModel {
        let tables: Vec<&String> = view
            .holds
            .values()
            .filter_map(|h| match h {
                Holds::Key { table, .. } => Some(table),
                _ => None,
            })
            .collect();
        let by_table = tables.iter().find_map(|table| {
            let camel: String = table
                .split('_')
                .map(|w| {
                    let mut c = w.chars();
                    c.next()
                        .map(|f| f.to_uppercase().chain(c).collect::<String>())
                        .unwrap_or_default()
                })
                .collect();
            let singular = camel.strip_suffix('s').unwrap_or(&camel).to_string();
            [camel, singular].into_iter().find(|name| {
                index
                    .class(name)
                    .is_some_and(|c| c.table.as_deref() == Some(table.as_str()))
            })
        });
        let name = by_table.or_else(|| index.class("User").filter(|c| c.mapped).map(|_| "User".to_string()));
        let columns = name.as_deref().and_then(|n| index.columns(n)).unwrap_or_default();
        UserModel { name, columns }
    }

    /// The first of `candidates` the user model maps, for `wanted_by`.
    fn attribute(&self, candidates: &[&str], wanted_by: &str) -> Result<UserPart, String> {
        let Some(model) = &self.name else {
            return Err(format!(
                "`{wanted_by}` wants the user's {}, and no user model was found to read it from",
                candidates[0]
            ));
        };
        candidates
            .iter()
            .find(|c| self.columns.contains(**c))
            .map(|c| UserPart::Attribute(c.to_string()))
            .ok_or_else(|| {
                format!(
                    "`{wanted_by}` wants the user's {}, and `{model}` has no `{}` column",
                    candidates[0],
                    candidates.join("`/`")
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::module::ModuleFacts;
    use crate::analysis::source::parse;

    fn index(models: &str) -> RepoIndex {
        let tree = parse(models);
        RepoIndex::new(vec![ModuleFacts::collect(
            "app.models".into(),
            tree.root_node(),
            models,
        )])
    }

    const USER: &str = "class User(Base):\n    __tablename__ = 'users'\n    id = Column(Integer, primary_key=True)\n    email = Column(String)\n    full_name = Column(String)\n";

    fn stamps(mixin: &str) -> Vec<Result<Stamp, String>> {
        let source = format!("{USER}{mixin}\nclass Item(Base, Team):\n    __tablename__ = 'items'\n");
        let index = index(&source);
        let settings = Settings::default();
        Kind::ALL
            .iter()
            .map(|k| stamp(&index, &settings, "Item", *k).expect("Item has an audit mixin"))
            .collect()
    }

    fn attr(name: &str) -> UserPart {
        UserPart::Attribute(name.into())
    }

    #[test]
    fn setters_get_what_their_parameters_ask_of_the_user() {
        let got = stamps(
            "class Team:\n    created_by_id = Column(ForeignKey('users.id'))\n    def set_created_by(self, user_id): pass\n    def set_updated_by(self, user_id, user_email): pass\n    def set_deleted_by(self, user: 'User'): pass\n",
        );
        assert_eq!(
            got[0],
            Ok(Stamp::Setter {
                name: "set_created_by".into(),
                args: vec![attr("id")]
            })
        );
        assert_eq!(
            got[1],
            Ok(Stamp::Setter {
                name: "set_updated_by".into(),
                args: vec![attr("id"), attr("email")]
            })
        );
        assert_eq!(
            got[2],
            Ok(Stamp::Setter {
                name: "set_deleted_by".into(),
                args: vec![UserPart::Object]
            })
        );
    }

    #[test]
    fn the_standard_s_setters_keep_the_standard_s_call() {
        let got = stamps("class Team:\n    def set_created_by(self, user_email, user_name): pass\n");
        assert_eq!(
            got[0],
            Ok(Stamp::Standard {
                setter: "set_created_by".into()
            })
        );
        // Another mixin than the configured one, whose parameters say
        // nothing: not assumed to be the standard's.
        let got =
            stamps("class Team:\n    created_by_id = Column(Integer)\n    def set_created_by(self, a, b): pass\n");
        assert!(matches!(&got[0], Err(why) if why.contains("takes `a`")), "{got:?}");
    }

    #[test]
    fn columns_are_assigned_from_what_they_hold() {
        let got = stamps(
            "class Team:\n    created_by_id = Column(Integer, ForeignKey('users.id'))\n    created_by_email = Column(String)\n    created_by_name = Column(String)\n    updated_by = relationship('User')\n    deleted_by = Column(String)\n",
        );
        assert_eq!(
            got[0],
            Ok(Stamp::Columns(vec![
                ("created_by_email".into(), attr("email")),
                ("created_by_id".into(), attr("id")),
                ("created_by_name".into(), attr("full_name")),
            ]))
        );
        assert_eq!(
            got[1],
            Ok(Stamp::Columns(vec![("updated_by".into(), UserPart::Object)]))
        );
        assert!(
            matches!(&got[2], Err(why) if why.contains("`deleted_by` is text")),
            "{got:?}"
        );
    }

    #[test]
    fn a_text_column_gets_what_the_code_already_writes_into_it() {
        let models = format!(
            "{USER}class Team:\n    created_by = Column(String)\n    updated_by = Column(String)\nclass Item(Base, Team):\n    __tablename__ = 'items'\n"
        );
        let service = "def rename(item, current_user, admin):\n    item.created_by = current_user.email\n    Item(created_by=admin.email, updated_by=admin.email)\n    item.updated_by = current_user.id\n";
        let modules = [("app.models", models.as_str()), ("app.service", service)]
            .into_iter()
            .map(|(name, src)| {
                let tree = parse(src);
                ModuleFacts::collect(name.into(), tree.root_node(), src)
            })
            .collect();
        let index = RepoIndex::new(modules);
        let settings = Settings::default();
        assert_eq!(
            stamp(&index, &settings, "Item", Kind::Create),
            Some(Ok(Stamp::Columns(vec![("created_by".into(), attr("email"))])))
        );
        // Two different things written: nothing is proven.
        let update = stamp(&index, &settings, "Item", Kind::Update).unwrap();
        assert!(
            matches!(&update, Err(why) if why.contains("writes different things")),
            "{update:?}"
        );
    }

    #[test]
    fn what_the_user_model_lacks_is_no_stamp() {
        let got = stamps("class Team:\n    created_by_phone = Column(String)\n    def set_updated_by(self, user_email, user_phone): pass\n");
        assert!(got[0].is_err(), "{got:?}");
        assert!(matches!(&got[1], Err(why) if why.contains("user_phone")), "{got:?}");
        assert!(
            matches!(&got[2], Err(why) if why.contains("no `set_deleted_by` setter")),
            "{got:?}"
        );
        // No user model at all: an email cannot be proven either.
        let index = index("class Team:\n    created_by_email = Column(String)\nclass Item(Base, Team):\n    __tablename__ = 'items'\n");
        let got = stamp(&index, &Settings::default(), "Item", Kind::Create).unwrap();
        assert!(matches!(&got, Err(why) if why.contains("no user model")), "{got:?}");
    }

    #[test]
    fn the_mixin_is_the_configured_one_else_the_nearest_audit_base() {
        let source = format!(
            "{USER}class Sorted:\n    def set_order_by(self, column): pass\nclass Stamped:\n    created_by_id = Column(Integer)\nclass Base2(Base, Stamped):\n    __abstract__ = True\nclass Item(Base2, Sorted):\n    __tablename__ = 'items'\nclass Plain(Base):\n    __tablename__ = 'plain'\n"
        );
        let index = index(&source);
        let settings = Settings::default();
        assert_eq!(mixin_of(&index, &settings, "Item"), Some(("Stamped".into(), false)));
        assert_eq!(mixin_of(&index, &settings, "Plain"), None);
        // A library's configured mixin, by name: the standard's setters.
        let lib = super::tests::index("class Item(Base, AuditMixin):\n    __tablename__ = 'items'\n");
        assert_eq!(mixin_of(&lib, &settings, "Item"), Some(("AuditMixin".into(), true)));
        assert_eq!(
            stamp(&lib, &settings, "Item", Kind::Update),
            Some(Ok(Stamp::Standard {
                setter: "set_updated_by".into()
            }))
        );
    }
}
