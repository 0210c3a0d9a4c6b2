//! Module-level facts of one file: the names it binds (imports, definitions,
//! assignments), its star imports, `__all__`, and the classes it defines with
//! their bases, mapped attributes (columns) and methods.
//!
//! These are the per-file inputs of the repository index; they are computed
//! from the tree alone and hold no reference into it.

use super::source::NodeExt;
use super::source::{dotted_name, statements};
use tree_sitter::Node;

/// A map from names, kept as one vector sorted by name. A module's facts
/// are written once and read many times, and a large repository keeps
/// thousands of them: a `BTreeMap` node takes hundreds of bytes for the
/// handful of entries most modules and classes have.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NameMap<V> {
    entries: Vec<(Box<str>, V)>,
}

impl<V> Default for NameMap<V> {
    fn default() -> Self {
        NameMap { entries: Vec::new() }
    }
}

impl<V> NameMap<V> {
    fn find(&self, name: &str) -> Result<usize, usize> {
        self.entries.binary_search_by(|(k, _)| (**k).cmp(name))
    }

    /// Bind `name` to `value`, replacing (and returning) what it had.
    pub fn insert(&mut self, name: String, value: V) -> Option<V> {
        match self.find(&name) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                self.entries.insert(i, (name.into_boxed_str(), value));
                None
            }
        }
    }

    pub fn get(&self, name: &str) -> Option<&V> {
        self.find(name).ok().map(|i| &self.entries[i].1)
    }

    /// The stored name and its value.
    pub fn get_key_value(&self, name: &str) -> Option<(&str, &V)> {
        self.find(name).ok().map(|i| (&*self.entries[i].0, &self.entries[i].1))
    }

    /// Unbind `name`, returning what it had.
    pub fn remove(&mut self, name: &str) -> Option<V> {
        self.find(name).ok().map(|i| self.entries.remove(i).1)
    }

    pub fn contains_key(&self, name: &str) -> bool {
        self.find(name).is_ok()
    }

    /// The entries, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &V)> {
        self.entries.iter().map(|(k, v)| (&**k, v))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn shrink_to_fit(&mut self) {
        self.entries.shrink_to_fit();
    }
}

impl<V> std::ops::Index<&str> for NameMap<V> {
    type Output = V;

    fn index(&self, name: &str) -> &V {
        self.get(name).expect("a name of the map")
    }
}

/// A set of names, kept as one sorted vector (see [`NameMap`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct NameSet(NameMap<()>);

impl NameSet {
    /// Add `name`; `false` when it was there.
    pub fn insert(&mut self, name: String) -> bool {
        self.0.insert(name, ()).is_none()
    }

    pub fn contains(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    /// Take `name` out; `true` when it was there.
    pub fn remove(&mut self, name: &str) -> bool {
        self.0.remove(name).is_some()
    }

    /// The names, in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(name, _)| name)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn shrink_to_fit(&mut self) {
        self.0.shrink_to_fit();
    }
}

/// How a module-level name is bound.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Binding {
    /// `from module import name [as alias]`: the imported `name`.
    From { module: Box<str>, name: Box<str> },
    /// `import module [as alias]`: the module itself.
    Module { module: Box<str> },
    /// A `def`, `class` or assignment in the module.
    Local,
}

// Every name a module binds holds one: a field that grows it is a choice.
#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<Binding>() == 40);

/// A class defined in a module (at any nesting depth).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ClassFacts {
    pub name: String,
    /// Base classes as written, last dotted segment (`AuditMixin`, `Base`);
    /// for `BaseService[ContentPlan]` the base is `BaseService`.
    pub bases: Vec<String>,
    /// Type arguments of subscripted bases (`ContentPlan` above).
    pub base_type_arguments: Vec<String>,
    /// Mapped attributes: columns, relationships, `Mapped[...]` annotations,
    /// `@declared_attr` methods.
    pub columns: NameSet,
    /// Methods defined in the class body, with the arguments they take.
    pub methods: NameMap<Arity>,
    /// Return annotations of methods, as text (`get_plan` → `Optional[ContentPlan]`).
    pub return_annotations: NameMap<String>,
    /// Whether the class body maps a table itself: `__tablename__`,
    /// `__table__`, or `table=True` (SQLModel).
    pub mapped: bool,
    /// Annotations of instance attributes, as text: class-level
    /// `db: AsyncSession`, and `self.db = db` in `__init__` from a parameter
    /// annotated `AsyncSession` (also `self.db: AsyncSession = ...`).
    pub attributes: NameMap<String>,
    /// Methods whose body assigns an attribute of `self` (`mark_deleted`
    /// setting `self.deleted_at`): calling one changes the row.
    pub mutators: NameSet,
    /// The clock of each timestamp column whose definition tells it.
    pub clocks: NameMap<Clock>,
    /// What each audit column (`created_by_id`, `updated_by`) holds.
    pub holds: NameMap<Holds>,
    /// The positional parameters after `self` of each `set_*` method: name
    /// and annotation (`set_created_by(self, user_id: int)`).
    pub setter_params: NameMap<Vec<(String, Option<String>)>>,
    /// The table it maps, when `__tablename__` is a string literal.
    pub table: Option<String>,
    /// A SQLModel table (`table=True`): the fields of its SQLModel bases
    /// are its columns.
    pub sqlmodel_table: bool,
    /// Annotated fields of a SQLModel class that maps no table itself (a
    /// field mixin, or a schema): columns only of the tables inheriting it.
    pub fields: NameSet,
    pub line: usize,
}

/// Whether `text` may write an audit column from an object's attribute
/// (`created_by = user.email`, `updated_by_id=user.id`): a byte scan, so
/// that only such modules' trees are walked for
/// [`ModuleFacts::audit_values`].
fn may_write_audit_values(text: &str) -> bool {
    let bytes = text.as_bytes();
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let skip = |mut i: usize, test: &dyn Fn(u8) -> bool| {
        while i < bytes.len() && test(bytes[i]) {
            i += 1;
        }
        i
    };
    for prefix in ["created_by", "updated_by", "deleted_by"] {
        for (start, _) in text.match_indices(prefix) {
            let i = skip(start + prefix.len(), &word);
            let i = skip(i, &|b| b == b' ');
            if bytes.get(i) != Some(&b'=') || bytes.get(i + 1) == Some(&b'=') {
                continue;
            }
            // `name.attribute`, and no call or further attribute after it.
            let object = skip(i + 1, &|b| b == b' ');
            let i = skip(object, &word);
            if i == object || bytes.get(i) != Some(&b'.') {
                continue;
            }
            let end = skip(i + 1, &word);
            if end > i + 1 && !matches!(bytes.get(end), Some(b'(' | b'.' | b'[')) {
                return true;
            }
        }
    }
    false
}

/// What an audit column holds, as its definition tells.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Holds {
    /// A foreign key to `table.column` (`ForeignKey("user.id")`,
    /// SQLModel's `foreign_key="user.id"`).
    Key { table: String, column: String },
    /// A relationship: the related object itself.
    Object,
    /// Text (`Mapped[str]`, `String(255)`).
    Text,
    /// Something else (an integer or a UUID with no foreign key).
    Other,
}

/// Whether `name` is an audit column's name: `created_by`, `updated_by_id`,
/// `deleted_by_email`.
pub fn is_audit_column(name: &str) -> bool {
    ["created_by", "updated_by", "deleted_by"]
        .iter()
        .any(|p| name == *p || name.strip_prefix(p).is_some_and(|rest| rest.starts_with('_')))
}

/// What the audit column defined as `annotation = definition` holds.
fn column_holds(annotation: Option<&str>, definition: Option<&str>) -> Holds {
    let definition = definition.unwrap_or("");
    let literal_after = |marker: &str| -> Option<String> {
        let rest = &definition[definition.find(marker)? + marker.len()..];
        let rest = rest.trim_start_matches([' ', '=', '(']);
        let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
        let rest = &rest[1..];
        Some(rest[..rest.find(quote)?].to_string())
    };
    let target = literal_after("ForeignKey(").or_else(|| literal_after("foreign_key"));
    if let Some((table, column)) = target.as_deref().and_then(|t| t.rsplit_once('.')) {
        return Holds::Key {
            table: table.to_string(),
            column: column.to_string(),
        };
    }
    let call = definition.split('(').next().unwrap_or("").trim();
    if matches!(call.rsplit('.').next(), Some("relationship" | "Relationship")) {
        return Holds::Object;
    }
    let annotation = annotation.unwrap_or("");
    let words = |t: &str| -> Vec<String> {
        t.split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .map(str::to_string)
            .collect()
    };
    let texty = ["str", "String", "Text", "Unicode", "UnicodeText", "VARCHAR"];
    if words(annotation).iter().any(|w| texty.contains(&w.as_str()))
        || words(definition).iter().any(|w| texty.contains(&w.as_str()))
    {
        return Holds::Text;
    }
    Holds::Other
}

/// The arguments a method takes after `self`, as its signature says.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Arity {
    /// Positional parameters without a default.
    pub required: u8,
    /// Positional parameters in all; `None` with `*args`.
    pub most: Option<u8>,
    /// Whether a keyword-only parameter has no default.
    pub keyword_required: bool,
}

impl Arity {
    /// The arity of a `def` node's parameters, the first (`self`) left out.
    pub fn of(def: Node<'_>, text: &str) -> Arity {
        use super::functions::ParamKind;
        let Some(list) = def.field("parameters") else {
            return Arity::default();
        };
        let params = super::functions::parameters(list, text);
        let count = |n: usize| u8::try_from(n).unwrap_or(u8::MAX);
        let positional: Vec<_> = params
            .iter()
            .skip(1)
            .filter(|p| matches!(p.kind, ParamKind::PositionalOnly | ParamKind::Positional))
            .collect();
        Arity {
            required: count(positional.iter().filter(|p| !p.has_default).count()),
            most: (!params.iter().any(|p| p.kind == ParamKind::VarArgs)).then(|| count(positional.len())),
            keyword_required: params
                .iter()
                .any(|p| p.kind == ParamKind::KeywordOnly && !p.has_default),
        }
    }

    /// Whether a call passing `positional` arguments, and no keyword, binds.
    pub fn accepts(&self, positional: u8) -> bool {
        !self.keyword_required && self.required <= positional && self.most.is_none_or(|most| positional <= most)
    }
}

/// What time a timestamp column holds, as its definition says: its type's
/// timezone flag, else what its Python default or `onupdate` computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Clock {
    /// Aware UTC: `DateTime(timezone=True)`, or a default of
    /// `datetime.now(timezone.utc)` / `datetime.now(UTC)`.
    AwareUtc,
    /// Naive UTC: a default of `datetime.utcnow`.
    NaiveUtc,
    /// Naive local time: a default of `datetime.now`.
    NaiveLocal,
}

/// The clock a column definition (`mapped_column(...)`, `Column(...)`,
/// SQLModel's `Field(...)`) tells, if any.
fn column_clock(definition: Node<'_>, text: &str) -> Option<Clock> {
    let mut stack = vec![definition];
    let mut from_default = None;
    while let Some(n) = stack.pop() {
        let mut cursor = n.walk();
        stack.extend(n.named_children(&mut cursor));
        if n.kind_str() != "keyword_argument" {
            continue;
        }
        let (Some(name), Some(value)) = (n.field("name"), n.field("value")) else {
            continue;
        };
        match &text[name.byte_range()] {
            // The type's flag decides: an aware column takes aware values.
            "timezone" if value.kind_str() == "true" => return Some(Clock::AwareUtc),
            "default" | "default_factory" | "onupdate" | "insert_default" => {
                let code = &text[value.byte_range()];
                // `func.now()` is the database's clock, not Python's.
                let clock = if code.contains("func.") {
                    None
                } else if code.contains("utcnow") {
                    Some(Clock::NaiveUtc)
                } else if code.contains("now(") && (code.contains("utc") || code.contains("UTC")) {
                    Some(Clock::AwareUtc)
                } else if (code.contains("datetime.now") && !code.contains("now(")) || code.contains("now()") {
                    Some(Clock::NaiveLocal)
                } else {
                    None
                };
                from_default = from_default.or(clock);
            }
            _ => {}
        }
    }
    from_default
}

/// Module-level facts of one file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ModuleFacts {
    /// Dotted module name derived from the path (`app.features.core.audit_mixin`).
    pub name: String,
    pub bindings: NameMap<Binding>,
    /// Modules star-imported, resolved to absolute dotted names where relative.
    pub star_imports: Vec<String>,
    /// `__all__` when it is a literal list or tuple of strings.
    pub all: Option<Vec<String>>,
    pub classes: Vec<ClassFacts>,
    /// Names bound only for the type checker (imported under
    /// `if TYPE_CHECKING:` or `if False:`): they resolve in annotations
    /// but are not bound when the code runs.
    pub type_only: NameSet,
    /// Module-level type aliases, as text: `SessionDep = Annotated[Session, Depends(get_db)]`.
    pub aliases: NameMap<String>,
    /// Module-level names that open or are sessions, as written (resolved
    /// where they are used): session factories and session dependencies.
    pub sessions: NameMap<SessionSource>,
    /// What the module's code writes into each audit column from an
    /// object's attribute (`x.created_by = user.email` → `created_by` →
    /// `email`); a column written from two attributes maps to `None`.
    pub audit_values: NameMap<Option<String>>,
}

impl ModuleFacts {
    /// A fingerprint of the facts, the same for equal facts within one
    /// build: what the result cache compares to tell an edit that changed
    /// no fact (inside a function's body, a comment).
    pub fn fingerprint(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        self.hash(&mut hasher);
        hasher.finish()
    }
}

/// How a module-level name gives sessions, as written in its module.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SessionSource {
    /// `SessionLocal = sessionmaker(...)`, `async_session =
    /// async_sessionmaker(...)`, `db_session = scoped_session(...)`: the
    /// called function's dotted name and the `class_=` keyword's, if any.
    Factory { function: String, class: Option<String> },
    /// `def get_db() -> Iterator[Session]`: a function whose return
    /// annotation names a session (a FastAPI dependency), as text.
    Returns(String),
}

/// The functions whose module-level results are session factories or
/// sessions, by their last name (resolved by qualified name where used).
const SESSION_FACTORIES: &[&str] = &[
    "sessionmaker",
    "async_sessionmaker",
    "scoped_session",
    "async_scoped_session",
];

/// Dotted module name for a path: its components without `.py`, `__init__`
/// dropped (`a/b/__init__.py` is `a.b`).
pub fn module_name(path: &std::path::Path) -> String {
    let mut parts: Vec<String> = path
        .components()
        .filter_map(|c| match c {
            std::path::Component::Normal(s) => Some(s.to_string_lossy().to_string()),
            _ => None,
        })
        .collect();
    if let Some(last) = parts.last_mut() {
        if let Some(stem) = last.strip_suffix(".py") {
            *last = stem.to_string();
        }
    }
    if parts.last().is_some_and(|p| p == "__init__") {
        parts.pop();
    }
    parts.join(".")
}

impl ModuleFacts {
    /// [`ModuleFacts::audit_values`]: `x.<column> = y.<attribute>` and
    /// `<column>=y.<attribute>` keyword arguments.
    fn collect_audit_values(&mut self, root: Node<'_>, text: &str) {
        let mut found: Vec<(String, String)> = Vec::new();
        super::source::preorder(root, true, |node| {
            let (column, value) = match node.kind_str() {
                "assignment" => {
                    let column = node
                        .field("left")
                        .filter(|l| l.kind_str() == "attribute")
                        .and_then(|l| l.field("attribute"));
                    (column, node.field("right"))
                }
                "keyword_argument" => (node.field("name"), node.field("value")),
                _ => return true,
            };
            let (Some(column), Some(value)) = (column, value) else {
                return true;
            };
            let column = &text[column.byte_range()];
            if !is_audit_column(column) || value.kind_str() != "attribute" {
                return true;
            }
            let object = value.field("object").filter(|o| o.kind_str() == "identifier");
            if let (Some(_), Some(attribute)) = (object, value.field("attribute")) {
                found.push((column.to_string(), text[attribute.byte_range()].to_string()));
            }
            true
        });
        for (column, attribute) in found {
            match self.audit_values.get(&column) {
                None => {
                    self.audit_values.insert(column, Some(attribute));
                }
                Some(Some(seen)) if *seen != attribute => {
                    self.audit_values.insert(column, None);
                }
                Some(_) => {}
            }
        }
    }

    pub fn collect(name: String, root: Node<'_>, text: &str) -> ModuleFacts {
        let mut facts = ModuleFacts {
            name,
            ..Default::default()
        };
        facts.collect_block(root, text, false);
        facts.collect_classes(root, text);
        if may_write_audit_values(text) {
            facts.collect_audit_values(root, text);
        }
        facts.bindings.shrink_to_fit();
        facts.star_imports.shrink_to_fit();
        facts.sessions.shrink_to_fit();
        facts.classes.shrink_to_fit();
        for class in &mut facts.classes {
            class.bases.shrink_to_fit();
            class.base_type_arguments.shrink_to_fit();
            class.columns.shrink_to_fit();
            class.methods.shrink_to_fit();
            class.return_annotations.shrink_to_fit();
            class.clocks.shrink_to_fit();
            class.holds.shrink_to_fit();
            class.setter_params.shrink_to_fit();
        }
        facts
    }

    /// Module-level statements, descending into `if`/`try`/`with` blocks
    /// (conditional imports still bind) but not into defs or classes.
    fn collect_block(&mut self, block: Node<'_>, text: &str, type_only: bool) {
        for stmt in statements(block) {
            self.statement(stmt, text, type_only);
        }
    }

    /// Bind `name` at module level, for the type checker only or not.
    fn bind(&mut self, name: String, binding: Binding, type_only: bool) {
        if type_only {
            if !self.bindings.contains_key(&name) || self.type_only.contains(&name) {
                self.type_only.insert(name.clone());
                self.bindings.insert(name, binding);
            }
        } else {
            self.type_only.remove(&name);
            self.bindings.insert(name, binding);
        }
    }

    fn statement(&mut self, stmt: Node<'_>, text: &str, type_only: bool) {
        {
            match stmt.kind_str() {
                "import_statement" => self.import(stmt, text, type_only),
                "import_from_statement" => self.import_from(stmt, text, type_only),
                "future_import_statement" => {}
                "function_definition" | "class_definition" => {
                    if let Some(n) = stmt.field("name") {
                        self.bind(text[n.byte_range()].to_string(), Binding::Local, type_only);
                        self.session_dependency(stmt, text);
                    }
                }
                "decorated_definition" => {
                    if let Some(def) = stmt.field("definition") {
                        if let Some(n) = def.field("name") {
                            self.bind(text[n.byte_range()].to_string(), Binding::Local, type_only);
                            self.session_dependency(def, text);
                        }
                    }
                }
                "expression_statement" => {
                    let mut cursor = stmt.walk();
                    for child in stmt.named_children(&mut cursor) {
                        if child.kind_str() == "assignment" {
                            self.assignment(child, text, type_only);
                        }
                    }
                }
                "if_statement" if is_type_checking_guard(stmt, text) => {
                    // The `if TYPE_CHECKING:` body binds for annotations only;
                    // its `else` binds at run time.
                    let mut cursor = stmt.walk();
                    let kids: Vec<Node> = stmt.named_children(&mut cursor).collect();
                    for kid in kids {
                        match kid.kind_str() {
                            "block" => self.collect_block(kid, text, true),
                            "elif_clause" | "else_clause" => {
                                let mut c2 = kid.walk();
                                let blocks: Vec<Node> = kid
                                    .named_children(&mut c2)
                                    .filter(|n| n.kind_str() == "block")
                                    .collect();
                                for b in blocks {
                                    self.collect_block(b, text, type_only);
                                }
                            }
                            _ => {}
                        }
                    }
                }
                "if_statement" | "try_statement" | "with_statement" | "for_statement" | "while_statement" => {
                    let mut cursor = stmt.walk();
                    let kids: Vec<Node> = stmt.named_children(&mut cursor).collect();
                    for kid in kids {
                        match kid.kind_str() {
                            "block" => self.collect_block(kid, text, type_only),
                            "elif_clause" | "else_clause" | "except_clause" | "finally_clause" => {
                                let mut c2 = kid.walk();
                                let blocks: Vec<Node> = kid
                                    .named_children(&mut c2)
                                    .filter(|n| n.kind_str() == "block")
                                    .collect();
                                for b in blocks {
                                    self.collect_block(b, text, type_only);
                                }
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// Record a function whose return annotation names a session.
    fn session_dependency(&mut self, def: Node<'_>, text: &str) {
        if def.kind_str() != "function_definition" {
            return;
        }
        let (Some(name), Some(returns)) = (def.field("name"), def.field("return_type")) else {
            return;
        };
        let returns = &text[returns.byte_range()];
        if returns.contains("Session") && returns.len() < 200 {
            self.sessions.insert(
                text[name.byte_range()].to_string(),
                SessionSource::Returns(returns.to_string()),
            );
        }
    }

    /// Record `name = sessionmaker(...)` and its kin.
    fn session_factory(&mut self, left: Node<'_>, right: Node<'_>, text: &str) {
        let Some(function) = right.field("function").and_then(|f| dotted_name(f, text)) else {
            return;
        };
        if !SESSION_FACTORIES.contains(&function.rsplit('.').next().unwrap_or("")) {
            return;
        }
        let class = right.field("arguments").and_then(|args| {
            let mut cursor = args.walk();
            let keyword = args
                .named_children(&mut cursor)
                .filter(|a| a.kind_str() == "keyword_argument")
                .find(|a| a.field("name").is_some_and(|n| &text[n.byte_range()] == "class_"))?;
            keyword
                .field("value")
                .and_then(|v| dotted_name(v, text))
                // A class the name cannot say: no kind is proven.
                .or_else(|| Some("?".to_string()))
        });
        self.sessions.insert(
            text[left.byte_range()].to_string(),
            SessionSource::Factory { function, class },
        );
    }

    fn assignment(&mut self, assignment: Node<'_>, text: &str, type_only: bool) {
        let Some(left) = assignment.field("left") else {
            return;
        };
        if let (Some(right), "identifier") = (assignment.field("right"), left.kind_str()) {
            if right.kind_str() == "call" {
                self.session_factory(left, right, text);
            }
        }
        // A type alias: `SessionDep = Annotated[Session, Depends(get_db)]`.
        if left.kind_str() == "identifier" {
            if let Some(right) = assignment.field("right") {
                let value = &text[right.byte_range()];
                let aliased = assignment
                    .field("type")
                    .is_some_and(|t| text[t.byte_range()].contains("TypeAlias"));
                if (right.kind_str() == "subscript" || aliased) && value.len() < 400 {
                    self.aliases
                        .insert(text[left.byte_range()].to_string(), value.to_string());
                }
            }
        }
        let mut targets = vec![left];
        while let Some(t) = targets.pop() {
            match t.kind_str() {
                "identifier" => {
                    let name = text[t.byte_range()].to_string();
                    if name == "__all__" {
                        if let Some(right) = assignment.field("right") {
                            self.all = string_list(right, text);
                        }
                    }
                    self.bind(name, Binding::Local, type_only);
                }
                "pattern_list" | "tuple_pattern" | "list_pattern" => {
                    let mut cursor = t.walk();
                    targets.extend(t.named_children(&mut cursor));
                }
                _ => {}
            }
        }
        // Chained assignment `a = b = 1`: the right side is another assignment.
        if let Some(right) = assignment.field("right") {
            if right.kind_str() == "assignment" {
                self.assignment(right, text, type_only);
            }
        }
    }

    fn import(&mut self, stmt: Node<'_>, text: &str, type_only: bool) {
        let mut cursor = stmt.walk();
        for name in stmt.children_by_field_name("name", &mut cursor) {
            match name.kind_str() {
                "dotted_name" => {
                    let module = text[name.byte_range()].to_string();
                    let first = module.split('.').next().unwrap_or(&module).to_string();
                    // `import a.b` binds `a` (the package), usable as `a.b`.
                    let bound = if module.contains('.') {
                        first.clone()
                    } else {
                        module.clone()
                    };
                    self.bind(first, Binding::Module { module: bound.into() }, type_only);
                }
                "aliased_import" => {
                    let (Some(n), Some(alias)) = (name.field("name"), name.field("alias")) else {
                        continue;
                    };
                    self.bind(
                        text[alias.byte_range()].to_string(),
                        Binding::Module {
                            module: text[n.byte_range()].into(),
                        },
                        type_only,
                    );
                }
                _ => {}
            }
        }
    }

    fn import_from(&mut self, stmt: Node<'_>, text: &str, type_only: bool) {
        let Some(module_node) = stmt.field("module_name") else {
            return;
        };
        let module = self.absolute_module(&text[module_node.byte_range()]);
        let mut cursor = stmt.walk();
        let mut had_names = false;
        for name in stmt.children_by_field_name("name", &mut cursor) {
            had_names = true;
            match name.kind_str() {
                "dotted_name" => {
                    let n = text[name.byte_range()].to_string();
                    self.bind(
                        n.clone(),
                        Binding::From {
                            module: module.as_str().into(),
                            name: n.into(),
                        },
                        type_only,
                    );
                }
                "aliased_import" => {
                    let (Some(n), Some(alias)) = (name.field("name"), name.field("alias")) else {
                        continue;
                    };
                    self.bind(
                        text[alias.byte_range()].to_string(),
                        Binding::From {
                            module: module.as_str().into(),
                            name: text[n.byte_range()].into(),
                        },
                        type_only,
                    );
                }
                _ => {}
            }
        }
        if !had_names {
            let mut cursor = stmt.walk();
            if !type_only
                && stmt
                    .named_children(&mut cursor)
                    .any(|c| c.kind_str() == "wildcard_import")
            {
                self.star_imports.push(module);
            }
        }
    }

    /// `.models` inside `a.b.c` is `a.b.models`.
    fn absolute_module(&self, written: &str) -> String {
        let dots = written.chars().take_while(|c| *c == '.').count();
        if dots == 0 {
            return written.to_string();
        }
        let mut base: Vec<&str> = self.name.split('.').collect();
        // The module itself is the first level; a package `__init__` is not
        // distinguishable here, which only matters for `from . import x`
        // inside an `__init__.py`.
        for _ in 0..dots {
            base.pop();
        }
        let rest = &written[dots..];
        if rest.is_empty() {
            base.join(".")
        } else if base.is_empty() {
            rest.to_string()
        } else {
            format!("{}.{rest}", base.join("."))
        }
    }

    fn collect_classes(&mut self, root: Node<'_>, text: &str) {
        let mut stack = vec![root];
        let mut cursor = root.walk();
        while let Some(node) = stack.pop() {
            for child in node.named_children(&mut cursor) {
                if child.kind_str() == "class_definition" {
                    self.classes.push(class_facts(child, text));
                }
                // A class is written `class`: a part of the text without
                // the word holds none, and is not walked.
                if super::source::holds_statements(child.kind_str()) && text[child.byte_range()].contains("class") {
                    stack.push(child);
                }
            }
        }
        self.classes.sort_by_key(|c| c.line);
    }
}

/// `if TYPE_CHECKING:` (also `typing.TYPE_CHECKING`) or `if False:`.
fn is_type_checking_guard(stmt: Node<'_>, text: &str) -> bool {
    stmt.field("condition")
        .and_then(|c| dotted_name(c, text).or_else(|| (c.kind_str() == "false").then(|| "False".to_string())))
        .is_some_and(|c| c == "TYPE_CHECKING" || c.ends_with(".TYPE_CHECKING") || c == "False")
}

fn string_list(node: Node<'_>, text: &str) -> Option<Vec<String>> {
    if !matches!(node.kind_str(), "list" | "tuple") {
        return None;
    }
    let mut out = Vec::new();
    let mut cursor = node.walk();
    for item in node.named_children(&mut cursor) {
        if item.kind_str() != "string" {
            return None;
        }
        let raw = &text[item.byte_range()];
        out.push(raw.trim_matches(|c| c == '"' || c == '\'').to_string());
    }
    Some(out)
}

const MAPPED_CALLS: &[&str] = &[
    "Column",
    "mapped_column",
    "relationship",
    "column_property",
    "synonym",
    "deferred",
    "composite",
    "association_proxy",
];

fn class_facts(class: Node<'_>, text: &str) -> ClassFacts {
    let mut facts = ClassFacts {
        name: class
            .field("name")
            .map(|n| text[n.byte_range()].to_string())
            .unwrap_or_default(),
        line: class.start_position().row + 1,
        ..Default::default()
    };
    if let Some(args) = class.field("superclasses") {
        let mut cursor = args.walk();
        for base in args.named_children(&mut cursor) {
            if base.kind_str() == "keyword_argument"
                && base.field("name").is_some_and(|n| &text[n.byte_range()] == "table")
                && base.field("value").is_some_and(|v| v.kind_str() == "true")
            {
                facts.mapped = true;
                facts.sqlmodel_table = true;
            }
            match base.kind_str() {
                "identifier" | "attribute" => {
                    if let Some(d) = dotted_name(base, text) {
                        facts.bases.push(d.rsplit('.').next().unwrap_or(&d).to_string());
                    }
                }
                "subscript" => {
                    if let Some(value) = base.field("value") {
                        if let Some(d) = dotted_name(value, text) {
                            facts.bases.push(d.rsplit('.').next().unwrap_or(&d).to_string());
                        }
                    }
                    let mut c2 = base.walk();
                    for sub in base.children_by_field_name("subscript", &mut c2) {
                        if let Some(d) = dotted_name(sub, text) {
                            facts
                                .base_type_arguments
                                .push(d.rsplit('.').next().unwrap_or(&d).to_string());
                        }
                    }
                }
                _ => {}
            }
        }
    }
    let Some(body) = class.field("body") else {
        return facts;
    };
    for stmt in statements(body) {
        let (def, decorators) = match stmt.kind_str() {
            "decorated_definition" => (stmt.field("definition"), text[stmt.byte_range()].to_string()),
            "function_definition" => (Some(stmt), String::new()),
            "expression_statement" => {
                let mut cursor = stmt.walk();
                for child in stmt.named_children(&mut cursor) {
                    if child.kind_str() == "assignment" {
                        class_assignment(&mut facts, child, text);
                    }
                }
                continue;
            }
            _ => continue,
        };
        let Some(def) = def.filter(|d| d.kind_str() == "function_definition") else {
            continue;
        };
        let Some(name) = def.field("name") else {
            continue;
        };
        let name = text[name.byte_range()].to_string();
        let decorator_text = decorators.split("def ").next().unwrap_or("");
        if decorator_text.contains("declared_attr") {
            facts.columns.insert(name.clone());
            if is_audit_column(&name) {
                // What the method returns is the column's definition.
                let returned = def.field("body").and_then(|body| {
                    statements(body)
                        .into_iter()
                        .find(|s| s.kind_str() == "return_statement")
                        .and_then(|r| r.named_child(0))
                });
                let holds = column_holds(
                    def.field("return_type").map(|t| &text[t.byte_range()]),
                    returned.map(|r| &text[r.byte_range()]),
                );
                facts.holds.insert(name.clone(), holds);
            }
        }
        if let Some(ret) = def.field("return_type") {
            facts
                .return_annotations
                .insert(name.clone(), text[ret.byte_range()].to_string());
        }
        if name == "__init__" {
            init_attributes(&mut facts, def, text);
        }
        let writes_self = def
            .field("body")
            .is_some_and(|body| text[body.byte_range()].contains("self.") && assigns_self_attribute(body, text));
        if writes_self {
            facts.mutators.insert(name.clone());
        }
        if name.starts_with("set_") {
            if let Some(list) = def.field("parameters") {
                let params = super::functions::parameters(list, text)
                    .into_iter()
                    .skip(1)
                    .filter(|p| {
                        matches!(
                            p.kind,
                            super::functions::ParamKind::PositionalOnly | super::functions::ParamKind::Positional
                        )
                    })
                    .map(|p| (p.name, p.annotation))
                    .collect();
                facts.setter_params.insert(name.clone(), params);
            }
        }
        facts.methods.insert(name, Arity::of(def, text));
    }
    facts
}

/// Whether a method body assigns an attribute of `self` (`self.x = ...`),
/// outside nested definitions. Only statements are visited, not the
/// expressions within them: every class of every parsed module asks this.
fn assigns_self_attribute(body: Node<'_>, text: &str) -> bool {
    let mut stack = vec![body];
    while let Some(n) = stack.pop() {
        match n.kind_str() {
            "expression_statement" => {
                let mut cursor = n.walk();
                let assigns = n.named_children(&mut cursor).any(|child| {
                    super::source::attribute_assignment(child).is_some_and(|(object, _, _)| {
                        object.kind_str() == "identifier" && &text[object.byte_range()] == "self"
                    })
                });
                if assigns {
                    return true;
                }
            }
            "function_definition" | "class_definition" | "decorated_definition" => {}
            "block"
            | "if_statement"
            | "elif_clause"
            | "else_clause"
            | "for_statement"
            | "while_statement"
            | "try_statement"
            | "except_clause"
            | "except_group_clause"
            | "finally_clause"
            | "with_statement"
            | "match_statement"
            | "case_clause" => {
                let mut cursor = n.walk();
                stack.extend(n.named_children(&mut cursor));
            }
            _ => {}
        }
    }
    false
}

fn class_assignment(facts: &mut ClassFacts, assignment: Node<'_>, text: &str) {
    let Some(left) = assignment.field("left") else {
        return;
    };
    if left.kind_str() != "identifier" {
        return;
    }
    let name = text[left.byte_range()].to_string();
    if matches!(name.as_str(), "__tablename__" | "__table__") {
        facts.mapped = true;
        if name == "__tablename__" {
            facts.table = assignment
                .field("right")
                .filter(|r| r.kind_str() == "string")
                .map(|r| text[r.byte_range()].trim_matches(|c| c == '"' || c == '\'').to_string());
        }
    }
    let annotation = assignment.field("type").map(|t| text[t.byte_range()].to_string());
    // SQLModel: every annotated field of a `table=True` class is a column.
    if facts.mapped && annotation.is_some() && !name.starts_with("__") {
        let is_class_var = annotation.as_deref().is_some_and(|a| a.contains("ClassVar"));
        if !is_class_var {
            facts.columns.insert(name.clone());
        }
    }
    if !facts.mapped
        && !name.starts_with("__")
        && facts.bases.iter().any(|b| b == "SQLModel")
        && annotation.as_deref().is_some_and(|a| !a.contains("ClassVar"))
    {
        facts.fields.insert(name.clone());
    }
    if let Some(annotation) = annotation {
        facts.attributes.insert(name.clone(), annotation);
    }
    let annotated_mapped = assignment
        .field("type")
        .is_some_and(|t| text[t.byte_range()].trim_start().starts_with("Mapped"));
    let mapped_call = assignment.field("right").is_some_and(|r| {
        r.kind_str() == "call"
            && r.field("function")
                .and_then(|f| dotted_name(f, text))
                .is_some_and(|f| MAPPED_CALLS.contains(&f.rsplit('.').next().unwrap_or(&f)))
    });
    let column = annotated_mapped || mapped_call || (facts.mapped && assignment.field("type").is_some());
    // SQLModel's `Field(...)` in a class that maps no table itself (a
    // mixin its table models inherit): its clock and what it holds count,
    // though a schema's `Field` is no column.
    let field_call = assignment.field("type").is_some()
        && assignment.field("right").is_some_and(|r| {
            r.kind_str() == "call"
                && r.field("function")
                    .and_then(|f| dotted_name(f, text))
                    .is_some_and(|f| f.rsplit('.').next() == Some("Field"))
        });
    if column || field_call {
        if let Some(clock) = assignment.field("right").and_then(|r| column_clock(r, text)) {
            facts.clocks.insert(name.clone(), clock);
        }
        if is_audit_column(&name) {
            let holds = column_holds(
                assignment.field("type").map(|t| &text[t.byte_range()]),
                assignment.field("right").map(|r| &text[r.byte_range()]),
            );
            facts.holds.insert(name.clone(), holds);
        }
    }
    if annotated_mapped || mapped_call {
        facts.columns.insert(name);
    }
}

/// `self.x = x` in `__init__` from an annotated parameter, and
/// `self.x: T = ...`: the attribute's annotation.
fn init_attributes(facts: &mut ClassFacts, def: Node<'_>, text: &str) {
    let mut annotations: Vec<(String, String)> = Vec::new();
    if let Some(params) = def.field("parameters") {
        let mut cursor = params.walk();
        for p in params.named_children(&mut cursor) {
            if !matches!(p.kind_str(), "typed_parameter" | "typed_default_parameter") {
                continue;
            }
            let name = p
                .field("name")
                .or_else(|| p.named_child(0).filter(|n| n.kind_str() == "identifier"));
            if let (Some(name), Some(ty)) = (name, p.field("type")) {
                annotations.push((text[name.byte_range()].to_string(), text[ty.byte_range()].to_string()));
            }
        }
    }
    let Some(body) = def.field("body") else {
        return;
    };
    for stmt in statements(body) {
        if stmt.kind_str() != "expression_statement" {
            continue;
        }
        let Some(assignment) = stmt.named_child(0).filter(|a| a.kind_str() == "assignment") else {
            continue;
        };
        let Some(left) = assignment.field("left").filter(|l| l.kind_str() == "attribute") else {
            continue;
        };
        let (Some(object), Some(attr)) = (left.field("object"), left.field("attribute")) else {
            continue;
        };
        if &text[object.byte_range()] != "self" {
            continue;
        }
        let attr = text[attr.byte_range()].to_string();
        let annotation = match assignment.field("type") {
            Some(t) => Some(text[t.byte_range()].to_string()),
            None => assignment.field("right").and_then(|r| match r.kind_str() {
                "identifier" => annotations
                    .iter()
                    .find(|(n, _)| *n == text[r.byte_range()])
                    .map(|(_, t)| t.clone()),
                // `self.repo = UserRepository(db)`: an instance of what the
                // call names, if that is a class (resolved where it is used).
                "call" => r.field("function").and_then(|f| dotted_name(f, text)),
                _ => None,
            }),
        };
        match annotation {
            Some(a) => {
                facts.attributes.insert(attr, a);
            }
            // Assigned something else: whatever a class-level annotation said
            // no longer holds for certain.
            None => {
                facts.attributes.remove(&attr);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_audit_value_scan_finds_attribute_writes_only() {
        for yes in [
            "item.created_by = current_user.email\n",
            "Item(name=n, updated_by_id=user.id)",
            "x.deleted_by=u.name  # why\n",
        ] {
            assert!(may_write_audit_values(yes), "{yes}");
        }
        for no in [
            "def f(created_by_user=None): pass",
            "if x.created_by == user.email: pass",
            "x.created_by = user.profile.email",
            "x.created_by = get(user).email",
            "x.created_by = user.email()",
            "order_by = q.x",
        ] {
            assert!(!may_write_audit_values(no), "{no}");
        }
    }

    #[test]
    fn name_maps_and_sets_keep_names_sorted_once_with_the_last_value() {
        let mut map = NameMap::default();
        assert_eq!(map.insert("b".to_string(), 1), None);
        assert_eq!(map.insert("a".to_string(), 2), None);
        assert_eq!(map.insert("c".to_string(), 3), None);
        // A second binding of a name replaces the first, as a later import does.
        assert_eq!(map.insert("b".to_string(), 4), Some(1));
        assert_eq!(
            map.iter().map(|(k, v)| (k, *v)).collect::<Vec<_>>(),
            [("a", 2), ("b", 4), ("c", 3)]
        );
        assert_eq!((map.get("b"), map.get("d"), map["c"]), (Some(&4), None, 3));
        assert!(map.contains_key("a") && !map.contains_key("ab"));
        assert_eq!(map.len(), 3);
        let mut set = NameSet::default();
        assert!(set.insert("y".to_string()));
        assert!(set.insert("x".to_string()));
        assert!(!set.insert("y".to_string()));
        assert_eq!(set.iter().collect::<Vec<_>>(), ["x", "y"]);
        assert!(set.contains("x") && !set.contains("z"));
        assert_eq!(set.len(), 2);
    }
    use crate::analysis::source::parse;

    fn facts(src: &str) -> ModuleFacts {
        let tree = parse(src);
        ModuleFacts::collect("app.features.x.services".into(), tree.root_node(), src)
    }

    #[test]
    fn imports_and_star_imports_bind_names() {
        let m = facts(
            "import datetime\nimport os.path\nfrom sqlalchemy.exc import IntegrityError as IE\nfrom .models import *\nfrom app.core import *\ntry:\n    import ujson as json\nexcept ImportError:\n    json = None\n__all__ = ['a', \"b\"]\n",
        );
        assert_eq!(
            m.bindings["datetime"],
            Binding::Module {
                module: "datetime".into()
            }
        );
        assert_eq!(m.bindings["os"], Binding::Module { module: "os".into() });
        assert_eq!(
            m.bindings["IE"],
            Binding::From {
                module: "sqlalchemy.exc".into(),
                name: "IntegrityError".into()
            }
        );
        assert!(m.bindings.contains_key("json"));
        assert_eq!(
            m.star_imports,
            vec!["app.features.x.models".to_string(), "app.core".to_string()]
        );
        assert_eq!(m.all, Some(vec!["a".to_string(), "b".to_string()]));
    }

    #[test]
    fn classes_know_bases_columns_and_methods() {
        let m = facts(
            "class Tenant(GlobalModel, sa.orm.Mixin):\n    __tablename__ = 't'\n    name: Mapped[str] = mapped_column(String)\n    legacy = Column(String)\n    plain = 3\n    @declared_attr\n    def created_by_email(cls):\n        return Column(String)\n    def set_created_by(self, e, n) -> None:\n        pass\nclass S(BaseService[ContentPlan]):\n    async def get_plan(self, i) -> Optional[ContentPlan]:\n        pass\n",
        );
        let t = &m.classes[0];
        assert_eq!(t.bases, vec!["GlobalModel", "Mixin"]);
        assert_eq!(
            t.columns.iter().collect::<Vec<_>>(),
            vec!["created_by_email", "legacy", "name"]
        );
        assert!(t.methods.contains_key("set_created_by"));
        let s = &m.classes[1];
        assert_eq!(s.bases, vec!["BaseService"]);
        assert_eq!(s.base_type_arguments, vec!["ContentPlan"]);
        assert_eq!(s.return_annotations["get_plan"], "Optional[ContentPlan]");
    }

    #[test]
    fn module_names_come_from_paths() {
        assert_eq!(module_name(std::path::Path::new("./app/core/__init__.py")), "app.core");
        assert_eq!(module_name(std::path::Path::new("app/core/db.py")), "app.core.db");
    }
}
