"""An outside check of what `auditfix fix --apply` wrote, with Python's `ast` only (none of the tool's
own analysis). Usage: stamps.py FIXED_GIT_WORKTREE [LABEL]

For every line the fix added (`git diff` against the committed base):
  stamp   - an added `X.set_*_by(...)`, `X.<name>_at = ...`, `X.<name>_by... = ...` must stamp a value that is,
            on every path to that line, a model instance: a constructor of a mapped class of the tree
            (`__tablename__`, `table=True`, or a subclass of one) or a loader (`session.get(M, ...)`,
            `execute(select(M))` then `.scalar_one_or_none()` / `.scalar_one()` / `.scalars().first()`,
            `query(M)...first()/one()/get()`, a loop over `.scalars().all()`, a parameter annotated with the
            model, `merge`, a same-class method annotated to return the model, ...). Unknown is a failure.
  await   - no added `await X.rollback()` on a sync session (annotated `Session`, or its coroutine methods
            called without `await` in the function), no added un-awaited `X.rollback()` on an async one.
  unbound - no added line uses a name that is not bound there (possibly unbound after an `if`, bound
            only in a loop body, imported only under `if TYPE_CHECKING:`, not defined at all).
  import  - an added `from M import N` names a module and a name that exist.
  parse   - every changed file parses (unless it did not before the fix either).
A violation already present in the committed file (the same kind, text and function: a line the fix only
re-indented) is not counted. Prints `path:line: reason` for each violation and one figure line last;
exit 1 if there is any."""
import ast
import builtins
import collections
import importlib
import importlib.util
import os
import pathlib
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from difflines import added_lines, base_text  # noqa: E402

UNBOUND = ("unbound",)
STAMP_ATTR = re.compile(r"\w+_at|\w+_by(_\w+)?")
SETTER = re.compile(r"set_\w+_by")
SESSIONY = re.compile(r"(^|[._])(db|session|sess|db_session|dbsession|async_session|sync_session)$", re.I)
SELECT_CHAIN = {"where", "filter", "filter_by", "order_by", "options", "join", "outerjoin", "limit", "offset",
                "group_by", "having", "distinct", "execution_options", "with_for_update", "select_from",
                "correlate", "params", "join_from", "outerjoin_from", "with_only_columns", "add_columns",
                "union", "enable_eagerloads", "populate_existing", "with_entities", "execution_options"}
QUERY_ONE = {"first", "one", "one_or_none", "scalar", "get", "get_or_404", "first_or_404", "one_or_404"}
CORO = {"commit", "flush", "rollback", "execute", "refresh", "delete", "get", "scalar", "scalars", "merge", "close"}
LISTY = {"List", "list", "Sequence", "Iterable", "Set", "set", "Tuple", "tuple", "Collection", "Iterator"}
BUILTINS = set(dir(builtins)) | {"__name__", "__file__", "__doc__", "__package__", "__spec__", "__loader__",
                                  "__builtins__", "__path__", "__annotations__", "__dict__", "__module__",
                                  "__qualname__", "__class__"}


def unparse(node, width=60):
    try:
        s = ast.unparse(node)
    except Exception:
        s = type(node).__name__
    s = " ".join(s.split())
    return s if len(s) <= width else s[: width - 3] + "..."


def parse_bytes(data):
    try:
        return ast.parse(data)
    except (SyntaxError, ValueError):
        return None


def const_false_test(test):
    """`if TYPE_CHECKING:` / `if typing.TYPE_CHECKING:` / `if False:` bodies never run."""
    if isinstance(test, ast.Constant) and not test.value:
        return True
    if isinstance(test, ast.Name) and test.id == "TYPE_CHECKING":
        return True
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def target_names(t):
    if isinstance(t, ast.Name):
        yield t.id
    elif isinstance(t, (ast.Tuple, ast.List)):
        for e in t.elts:
            yield from target_names(e)
    elif isinstance(t, ast.Starred):
        yield from target_names(t.value)


# ---------------------------------------------------------------------------------------------- the tree


class Tree:
    def __init__(self, root, overrides=None):
        self.root = pathlib.Path(root)
        self.overrides = overrides or {}  # rel -> parsed module (the committed version, for the base pass)
        self.paths = {}  # module dotted name -> path
        self.mods = {}  # path -> ast.Module or None
        for p in sorted(self.root.rglob("*.py")):
            rel = p.relative_to(self.root)
            if any(part.startswith(".") or part in ("venv", "node_modules", "__pycache__") for part in rel.parts):
                continue
            self.mods[p] = parse_bytes(p.read_bytes())
            for base in (pathlib.Path(), pathlib.Path("src")):
                try:
                    sub = rel.relative_to(base)
                except ValueError:
                    continue
                parts = list(sub.with_suffix("").parts)
                if parts and parts[-1] == "__init__":
                    parts = parts[:-1]
                if parts:
                    self.paths.setdefault(".".join(parts), p)
        # classes by name; mapped ones; TypeVars
        self.classes = collections.defaultdict(list)  # name -> [(path, ClassDef)]
        self.typevars = set()
        info = {}
        for p, mod in self.mods.items():
            if mod is None:
                continue
            for n in ast.walk(mod):
                if isinstance(n, ast.ClassDef):
                    self.classes[n.name].append((p, n))
                    bases = set()
                    for b in n.bases:
                        if isinstance(b, ast.Subscript):
                            b = b.value
                        if isinstance(b, ast.Name):
                            bases.add(self.alias_of(mod, b.id))
                        elif isinstance(b, ast.Attribute):
                            bases.add(b.attr)
                    table = any(k.arg == "table" and isinstance(k.value, ast.Constant) and k.value.value is True
                                for k in n.keywords)
                    for s in n.body:
                        tgts = s.targets if isinstance(s, ast.Assign) else [s.target] if isinstance(s, ast.AnnAssign) else []
                        if any(isinstance(t, ast.Name) and t.id == "__tablename__" for t in tgts):
                            table = True
                    c = info.setdefault(n.name, {"bases": set(), "table": False})
                    c["bases"] |= bases
                    c["table"] |= table
                elif isinstance(n, ast.Assign) and isinstance(n.value, ast.Call):
                    f = n.value.func
                    if (isinstance(f, ast.Name) and f.id == "TypeVar") or (isinstance(f, ast.Attribute) and f.attr == "TypeVar"):
                        self.typevars.update(t.id for t in n.targets if isinstance(t, ast.Name))
        self.models = {k for k, v in info.items() if v["table"]}
        changed = True
        while changed:
            changed = False
            for k, v in info.items():
                if k not in self.models and v["bases"] & self.models:
                    self.models.add(k)
                    changed = True
        self._module_names = {}
        self._import_cache = {}

    @staticmethod
    def alias_of(mod, name):
        """The original name of `name` as imported at the top of `mod` (`from m import A as B`)."""
        for s in mod.body:
            if isinstance(s, ast.ImportFrom):
                for a in s.names:
                    if (a.asname or a.name) == name:
                        return a.name
        return name

    def resolve_module(self, path, level, module):
        if level == 0:
            return module
        rel = path.relative_to(self.root)
        pkg = list(rel.parent.parts)
        if pkg and pkg[0] == "src" and self.paths.get(".".join(pkg[1:])):
            pkg = pkg[1:]
        if level > 1:
            pkg = pkg[: len(pkg) - (level - 1)]
        return ".".join(pkg + ([module] if module else []))

    def external_names(self, module):
        """Public names of a module outside the tree (imported with this interpreter), or None."""
        if module not in self._import_cache:
            try:
                m = importlib.import_module(module)
                names = getattr(m, "__all__", None) or [n for n in dir(m) if not n.startswith("_")]
                self._import_cache[module] = (set(names), set(dir(m)))
            except Exception:
                self._import_cache[module] = None
        return self._import_cache[module]

    def module_names(self, path, mod=None, _seen=None):
        """(runtime names, type-checking-only names, unresolved star imports) bound at module level
        (of `mod`, the text of `path` to use, when given)."""
        key = path if mod is None else None
        if key in self._module_names:
            return self._module_names[key]
        _seen = _seen or set()
        _seen.add(path)
        mod = mod if mod is not None else self.mods.get(path)
        runtime, typing_only, unresolved = set(), set(), []
        if mod is None:
            return runtime, typing_only, unresolved

        def bind_stmt(stmts, out):
            for s in stmts:
                if isinstance(s, ast.If) and const_false_test(s.test):
                    bind_stmt(s.body, typing_only)
                    bind_stmt(s.orelse, out)
                    continue
                if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    out.add(s.name)
                    for n in ast.walk(s):  # `global x` in a function binds module x
                        if isinstance(n, ast.Global):
                            out.update(n.names)
                    continue
                if isinstance(s, ast.Import):
                    for a in s.names:
                        out.add(a.asname or a.name.split(".")[0])
                    continue
                if isinstance(s, ast.ImportFrom):
                    for a in s.names:
                        if a.name == "*":
                            m = self.resolve_module(path, s.level, s.module)
                            names = self.star_names(m, _seen)
                            if names is None:
                                unresolved.append(m)
                            else:
                                out.update(names)
                        else:
                            out.add(a.asname or a.name)
                    continue
                for n in ast.walk(s):
                    if isinstance(n, ast.Assign):
                        for t in n.targets:
                            out.update(target_names(t))
                    elif isinstance(n, (ast.AugAssign,)) or (isinstance(n, ast.AnnAssign) and n.value is not None):
                        out.update(target_names(n.target))
                    elif isinstance(n, ast.NamedExpr):
                        out.add(n.target.id)
                    elif isinstance(n, (ast.For, ast.AsyncFor)):
                        out.update(target_names(n.target))
                    elif isinstance(n, ast.withitem) and n.optional_vars is not None:
                        out.update(target_names(n.optional_vars))
                    elif isinstance(n, ast.ExceptHandler) and n.name:
                        out.add(n.name)
                for sub in ("body", "orelse", "finalbody", "handlers"):
                    if isinstance(s, (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try)) and hasattr(s, sub):
                        kids = getattr(s, sub)
                        if sub == "handlers":
                            for h in kids:
                                bind_stmt(h.body, out)
                        else:
                            bind_stmt(kids, out)

        bind_stmt(mod.body, runtime)
        res = (runtime, typing_only, unresolved)
        if key is not None:
            self._module_names[key] = res
        return res

    def star_names(self, module, seen):
        path = self.paths.get(module)
        if path is not None:
            if path in seen:
                return set()
            mod = self.mods.get(path)
            if mod is None:
                return None
            for s in mod.body:
                if isinstance(s, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in s.targets):
                    if isinstance(s.value, (ast.List, ast.Tuple)):
                        return {e.value for e in s.value.elts if isinstance(e, ast.Constant)}
            runtime, _, unresolved = self.module_names(path, _seen=set(seen))
            if unresolved:
                return None
            return {n for n in runtime if not n.startswith("_")}
        ext = self.external_names(module)
        return None if ext is None else ext[0]

    def module_has(self, module, name):
        """True / False / None (cannot tell) for `from module import name`."""
        path = self.paths.get(module)
        if path is not None:
            runtime, _, unresolved = self.module_names(path)
            if name in runtime or (module + "." + name) in self.paths:
                return True
            return None if unresolved else False
        if any(m == module or m.startswith(module + ".") for m in self.paths):
            return (module + "." + name) in self.paths or None
        ext = self.external_names(module)
        if ext is None:
            return False
        if name in ext[1]:
            return True
        try:
            importlib.import_module(module + "." + name)
            return True
        except Exception:
            return False

    def class_def(self, name):
        found = self.classes.get(name)
        return found[0][1] if found else None

    def class_chain(self, cls):
        """The class and its bases found in the tree, nearest first."""
        out, todo, seen = [], [cls], set()
        while todo:
            c = todo.pop(0)
            if c is None or c.name in seen:
                continue
            seen.add(c.name)
            out.append(c)
            for b in c.bases:
                if isinstance(b, ast.Subscript):
                    b = b.value
                n = b.id if isinstance(b, ast.Name) else b.attr if isinstance(b, ast.Attribute) else None
                if n:
                    todo.append(self.class_def(n))
        return out


# ------------------------------------------------------------------------------------ values of names


def describe(v):
    k = v[0]
    if k == "unbound":
        return "not bound on every path"
    if k == "inst":
        return f"an instance of {v[1]}"
    if k == "insts":
        return f"a collection of {v[1]}"
    if k == "class":
        return f"the class {v[1]} itself"
    if k == "select":
        return f"a select({v[1]}) statement"
    if k == "result":
        return f"a Result of select({v[1]}), not the row"
    if k == "scalars":
        return f"a ScalarResult of {v[1]}, not the row"
    if k == "query":
        return f"a Query({v[1]}), not the row"
    if k == "session":
        return f"a session ({v[1]})"
    if k == "self":
        return f"`self` of {v[1]}, not a mapped class"
    return v[1]


class Checker:
    def __init__(self, tree, rel, mod, added, out, count):
        self.tree, self.rel, self.mod, self.added, self.out, self.count = tree, rel, mod, added, out, count
        self.path = tree.root / rel
        # the checked file's own text (the fixed or the committed one), not the tree's copy
        self.runtime, self.typing_only, self.unresolved = tree.module_names(self.path, mod)
        self.future_annotations = any(isinstance(s, ast.ImportFrom) and s.module == "__future__" and
                                      any(a.name == "annotations" for a in s.names) for s in mod.body)
        self.module_funcs = {s.name: s for s in mod.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))}
        self.module_aliases = {}  # local alias -> module (import x.y as z)
        for s in ast.walk(mod):
            if isinstance(s, ast.Import):
                for a in s.names:
                    self.module_aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
            elif isinstance(s, ast.ImportFrom):
                base = tree.resolve_module(self.path, s.level, s.module)
                for a in s.names:
                    if f"{base}.{a.name}" in tree.paths:
                        self.module_aliases[a.asname or a.name] = f"{base}.{a.name}"

    def report(self, line, kind, reason, qual, text):
        self.out.append((self.rel, line, kind, reason, (qual, kind, text.strip(), reason)))

    def touches(self, node):
        return any(ln in self.added for ln in range(node.lineno, (getattr(node, "end_lineno", None) or node.lineno) + 1))

    def model_of_name(self, name):
        orig = Tree.alias_of(self.mod, name)
        return orig if orig in self.tree.models else None

    def model_of_expr(self, node):
        if isinstance(node, ast.Name):
            return self.model_of_name(node.id)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in self.module_aliases:
            return node.attr if node.attr in self.tree.models else None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value if node.value in self.tree.models else None
        return None

    def ann_value(self, ann, cls=None, _depth=0):
        """The value a parameter / return annotated `ann` holds."""
        if ann is None:
            return None
        if isinstance(ann, ast.Constant) and isinstance(ann.value, str):
            try:
                ann = ast.parse(ann.value, mode="eval").body
            except SyntaxError:
                return ("other", f"annotated `{ann.value}`")
        text = unparse(ann)
        parts = []  # the alternatives of Optional / Union / `|`

        def split(a):
            if isinstance(a, ast.BinOp) and isinstance(a.op, ast.BitOr):
                split(a.left)
                split(a.right)
            elif isinstance(a, ast.Subscript) and isinstance(a.value, (ast.Name, ast.Attribute)) and \
                    (a.value.id if isinstance(a.value, ast.Name) else a.value.attr) in ("Optional", "Union"):
                s = a.slice
                for e in (s.elts if isinstance(s, ast.Tuple) else [s]):
                    split(e)
            elif isinstance(a, ast.Constant) and a.value is None:
                pass
            elif isinstance(a, ast.Constant) and isinstance(a.value, str):
                try:
                    split(ast.parse(a.value, mode="eval").body)
                except SyntaxError:
                    parts.append(a)
            else:
                parts.append(a)

        split(ann)
        if len(parts) == 1:
            a = parts[0]
            # `Annotated[T, ...]` is T; a module-level alias `X = Annotated[...]` / `X: TypeAlias = ...` is its value
            if isinstance(a, ast.Subscript) and unparse(a.value) in ("Annotated", "typing.Annotated", "typing_extensions.Annotated"):
                inner = a.slice.elts[0] if isinstance(a.slice, ast.Tuple) else a.slice
                return self.ann_value(inner, cls, _depth + 1) if _depth < 5 else ("other", f"annotated `{text}`")
            if isinstance(a, ast.Name) and _depth < 5:
                for st in self.mod.body:
                    tgt = st.targets[0] if isinstance(st, ast.Assign) and len(st.targets) == 1 else \
                        st.target if isinstance(st, ast.AnnAssign) and st.value is not None else None
                    if isinstance(tgt, ast.Name) and tgt.id == a.id and isinstance(st.value, (ast.Subscript, ast.BinOp, ast.Name, ast.Attribute)):
                        return self.ann_value(st.value, cls, _depth + 1)
        if len(parts) != 1:
            return ("other", f"annotated `{text}`")
        a = parts[0]
        m = self.model_of_expr(a)
        if m:
            return ("inst", m)
        if isinstance(a, ast.Subscript):
            head = a.value.id if isinstance(a.value, ast.Name) else a.value.attr if isinstance(a.value, ast.Attribute) else ""
            inner = a.slice.elts[0] if isinstance(a.slice, ast.Tuple) and a.slice.elts else a.slice
            im = self.model_of_expr(inner)
            if head in LISTY and im:
                return ("insts", im)
            if head in ("Mapped",) and im:
                return ("inst", im)
        name = a.id if isinstance(a, ast.Name) else a.attr if isinstance(a, ast.Attribute) else ""
        name = Tree.alias_of(self.mod, name) if isinstance(a, ast.Name) else name
        if name == "AsyncSession" or name == "async_scoped_session":
            return ("session", "async")
        if name in ("Session", "scoped_session"):
            return ("session", "sync")
        if name in self.tree.typevars and cls is not None:
            for c in self.tree.class_chain(cls):
                for b in c.bases:
                    if isinstance(b, ast.Subscript):
                        bm = self.model_of_expr(b.slice)
                        if bm:
                            return ("inst", bm)
            return ("other", f"annotated with the type variable `{name}`")
        return ("other", f"annotated `{text}`")

    def session_attr(self, cls, attr):
        """The session kind of `self.<attr>` from the class's annotations and `__init__`, or None."""
        for c in self.tree.class_chain(cls):
            for s in c.body:
                if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name) and s.target.id == attr:
                    v = self.ann_value(s.annotation)
                    if v and v[0] == "session":
                        return v
                if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == "__init__":
                    params = {a.arg: a for a in s.args.args + s.args.kwonlyargs}
                    for n in ast.walk(s):
                        if isinstance(n, (ast.Assign, ast.AnnAssign)):
                            tgts = n.targets if isinstance(n, ast.Assign) else [n.target]
                            for t in tgts:
                                if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self" and t.attr == attr:
                                    if isinstance(n, ast.AnnAssign):
                                        v = self.ann_value(n.annotation)
                                        if v and v[0] == "session":
                                            return v
                                    if isinstance(n.value, ast.Name) and n.value.id in params and params[n.value.id].annotation is not None:
                                        v = self.ann_value(params[n.value.id].annotation)
                                        if v and v[0] == "session":
                                            return v
        return None

    # ------------------------------------------------------------------------------ module traversal

    def run(self):
        self.visit_body(self.mod.body, None, [], "")
        for s in ast.walk(self.mod):
            if isinstance(s, ast.ImportFrom) and self.touches(s) and s.module != "__future__":
                m = self.tree.resolve_module(self.path, s.level, s.module)
                for a in s.names:
                    if a.name != "*" and self.tree.module_has(m, a.name) is False:
                        top = importlib.util.find_spec(m.split(".")[0]) if m.split(".")[0] not in self.tree.paths else True
                        why = "no such name or module" if top else f"`{m.split('.')[0]}` is not installed for {sys.executable}"
                        self.report(s.lineno, "import", f"`from {m} import {a.name}`: {why}", "",
                                    unparse(s, 200))
            elif isinstance(s, ast.Import) and self.touches(s):
                for a in s.names:
                    if a.name not in self.tree.paths and self.tree.external_names(a.name) is None:
                        self.report(s.lineno, "import", f"`import {a.name}`: no such module", "", unparse(s, 200))

    def visit_body(self, body, cls, funcs, qual):
        for s in body:
            if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)):
                evaluated = s.decorator_list + [d for d in s.args.defaults + s.args.kw_defaults if d]
                if any(self.touches(d) for d in evaluated):
                    self.check_names_static(evaluated, cls, funcs, qual)
                if self.touches(s):
                    Flow(self, s, cls, funcs, f"{qual}{s.name}").run()
            elif isinstance(s, ast.ClassDef):
                if self.touches(s):
                    self.visit_body(s.body, s, funcs, f"{qual}{s.name}.")
            elif self.touches(s) and not isinstance(s, (ast.Import, ast.ImportFrom)):
                # module or class level statement: names must be bound somewhere at that level
                for sub in ast.walk(s):
                    if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef)) and self.touches(sub):
                        Flow(self, sub, cls, funcs, f"{qual}{sub.name}").run()
                if not any(isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) for sub in ast.walk(s)):
                    self.check_names_static([s], cls, funcs, qual)

    def check_names_static(self, nodes, cls, funcs, qual):
        class_names = set()
        if cls is not None:
            for s in cls.body:
                for n in ast.walk(s):
                    if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
                        class_names.add(n.id)
                if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    class_names.add(s.name)
        for node in nodes:
            stores = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
            for n in ast.walk(node):
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.lineno in self.added:
                    if n.id in stores or n.id in class_names:
                        continue
                    why = self.global_missing(n.id, annotation=False)
                    if why:
                        self.report(n.lineno, "unbound", f"`{n.id}` {why}", qual, unparse(node, 200))

    def global_missing(self, name, annotation):
        """None when `name` resolves at module level or in builtins, else why not."""
        if name in self.runtime or name in BUILTINS:
            return None
        if name in self.typing_only:
            if annotation:
                return None
            return "is imported only under `if TYPE_CHECKING:` / `if False:`, not bound at run time"
        if self.unresolved:
            return f"is not defined (and the star import of {', '.join(self.unresolved)} could not be read)"
        return "is not defined"


class Flow:
    """One forward pass over a function's statements: what every local holds at each statement."""

    def __init__(self, ck, fn, cls, outer, qual):
        self.ck, self.fn, self.cls, self.outer, self.qual = ck, fn, cls, outer, qual
        self.quiet = 0
        self.loops = []
        self.trys = []
        self.globals_ = set()
        self.locals_ = set()
        for n in self.own_nodes(fn):
            if isinstance(n, (ast.Global, ast.Nonlocal)):
                self.globals_.update(n.names)
        a = fn.args
        self.params = a.posonlyargs + a.args + ([a.vararg] if a.vararg else []) + a.kwonlyargs + ([a.kwarg] if a.kwarg else [])
        self.locals_.update(p.arg for p in self.params)
        for n in self.own_nodes(fn):
            if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del)):
                self.locals_.add(n.id)
            elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and n is not fn:
                self.locals_.add(n.name)
            elif isinstance(n, (ast.Import, ast.ImportFrom)):
                for al in n.names:
                    if al.name != "*":
                        self.locals_.add(al.asname or al.name.split(".")[0])
            elif isinstance(n, ast.ExceptHandler) and n.name:
                self.locals_.add(n.name)
            elif isinstance(n, ast.MatchAs) and n.name:
                self.locals_.add(n.name)
            elif isinstance(n, ast.MatchStar) and n.name:
                self.locals_.add(n.name)
        # names bound by comprehensions are local to them, except walrus targets
        comp_targets = set()
        for n in self.own_nodes(fn, into_comprehensions=True):
            if isinstance(n, ast.comprehension):
                comp_targets.update(target_names(n.target))
        walrus = {n.target.id for n in self.own_nodes(fn, into_comprehensions=True) if isinstance(n, ast.NamedExpr)}
        self.locals_ |= walrus
        self.locals_ -= self.globals_
        self.is_method = cls is not None and not any(
            isinstance(d, ast.Name) and d.id == "staticmethod" for d in fn.decorator_list)
        self.awaited_calls = set()
        for n in self.own_nodes(fn):
            if isinstance(n, ast.Await):
                self.awaited_calls.add(id(n.value))

    @staticmethod
    def own_nodes(fn, into_comprehensions=True):
        """The nodes of `fn`'s own scope (not of nested functions, classes or lambdas)."""
        todo = list(fn.body) + list(fn.args.defaults) + [d for d in fn.args.kw_defaults if d]
        while todo:
            n = todo.pop()
            yield n
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                todo.extend(n.decorator_list)
                if isinstance(n, ast.ClassDef):
                    todo.extend(n.bases)
                else:
                    todo.extend(n.args.defaults)
                continue
            if isinstance(n, ast.Lambda):
                continue
            todo.extend(ast.iter_child_nodes(n))

    # -------------------------------------------------------------------------------- environment

    def initial(self):
        env = {n: frozenset([UNBOUND]) for n in self.locals_}
        for i, p in enumerate(self.params):
            v = None
            if i == 0 and self.is_method and p in self.fn.args.posonlyargs + self.fn.args.args:
                if any(isinstance(d, ast.Name) and d.id == "classmethod" for d in self.fn.decorator_list):
                    v = ("other", f"the class `{self.cls.name}`")
                else:
                    v = ("self", self.cls.name)
            elif p.annotation is not None:
                v = self.ck.ann_value(p.annotation, self.cls)
            if v is None or v[0] == "other":
                d = self.default_of(p)
                if isinstance(d, ast.Call) and isinstance(d.func, ast.Name) and d.func.id == "Depends" and d.args and \
                        re.search(r"db|session", unparse(d.args[0]), re.I):
                    v = ("session", "?")
            if v is None:
                v = ("unknown", f"parameter `{p.arg}` has no annotation")
            env[p.arg] = frozenset([v])
        return env

    def default_of(self, p):
        a = self.fn.args
        pos = a.posonlyargs + a.args
        if p in pos:
            i = pos.index(p) - (len(pos) - len(a.defaults))
            return a.defaults[i] if i >= 0 else None
        if p in a.kwonlyargs:
            return a.kw_defaults[a.kwonlyargs.index(p)]
        return None

    @staticmethod
    def join(*envs):
        envs = [e for e in envs if e is not None]
        if not envs:
            return None
        out = {}
        for e in envs:
            for k, v in e.items():
                out[k] = out.get(k, frozenset()) | v
        for k in out:
            if any(k not in e for e in envs):
                out[k] = out[k] | {UNBOUND}
        return out

    # ---------------------------------------------------------------------------------- evaluation

    def lookup(self, name, env):
        if name in self.locals_:
            return env.get(name, frozenset([UNBOUND]))
        m = self.ck.model_of_name(name)
        if m:
            return frozenset([("class", m)])
        orig = Tree.alias_of(self.ck.mod, name)
        if orig in ("AsyncSession",):
            return frozenset([("other", "the AsyncSession class")])
        return frozenset([("unknown", f"`{name}` is a global of unknown value")])

    def eval(self, node, env):
        vals = self._eval(node, env)
        return vals if vals else frozenset([("unknown", f"`{unparse(node)}`")])

    def _eval(self, node, env):
        if isinstance(node, ast.Await):
            return self.eval(node.value, env)
        if isinstance(node, ast.Name):
            return self.lookup(node.id, env)
        if isinstance(node, ast.NamedExpr):
            v = self.eval(node.value, env)
            env[node.target.id] = v
            return v
        if isinstance(node, ast.IfExp):
            self.eval(node.test, env)
            return self.eval(node.body, dict(env)) | self.eval(node.orelse, dict(env))
        if isinstance(node, ast.BoolOp):
            out = frozenset()
            for v in node.values:
                out |= self.eval(v, env)
            return out
        if isinstance(node, ast.Call):
            return self.eval_call(node, env)
        if isinstance(node, ast.Subscript):
            base = self.eval(node.value, env)
            out = set()
            for b in base:
                if b[0] == "insts":
                    out.add(("insts", b[1]) if isinstance(node.slice, ast.Slice) else ("inst", b[1]))
                else:
                    out.add(("unknown", f"an item of `{unparse(node.value)}`"))
            return frozenset(out)
        if isinstance(node, ast.Attribute):
            if isinstance(node.value, ast.Name) and node.value.id in self.ck.module_aliases and node.value.id not in self.locals_:
                m = self.ck.model_of_expr(node)
                if m:
                    return frozenset([("class", m)])
            base = self.eval(node.value, env)
            if any(b[0] == "self" for b in base) and self.cls is not None:
                s = self.ck.session_attr(self.cls, node.attr)
                if s:
                    return frozenset([s])
            return frozenset([("unknown", f"the attribute `{unparse(node)}`")])
        if isinstance(node, (ast.Constant, ast.JoinedStr)):
            return frozenset([("other", f"a literal `{unparse(node, 30)}`")])
        if isinstance(node, (ast.Dict, ast.DictComp)):
            return frozenset([("other", "a dict")])
        if isinstance(node, (ast.List, ast.ListComp, ast.Tuple, ast.Set, ast.SetComp, ast.GeneratorExp)):
            if isinstance(node, (ast.List, ast.Tuple, ast.Set)) and node.elts:
                inner = frozenset().union(*[self.eval(e, env) for e in node.elts])
                if all(v[0] == "inst" for v in inner) and len({v[1] for v in inner}) == 1:
                    return frozenset([("insts", next(iter(inner))[1])])
            return frozenset([("other", f"a {type(node).__name__.lower()}")])
        if isinstance(node, ast.Lambda):
            return frozenset([("other", "a lambda")])
        # Walrus expressions inside comparisons and operators still bind.
        if isinstance(node, ast.Compare):
            for part in [node.left, *node.comparators]:
                self.eval(part, env)
            return frozenset([("other", "a comparison")])
        if isinstance(node, (ast.UnaryOp, ast.BinOp)):
            for part in ([node.operand] if isinstance(node, ast.UnaryOp) else [node.left, node.right]):
                self.eval(part, env)
            return frozenset([("other", f"an operation `{unparse(node, 30)}`")])
        return frozenset([("unknown", f"`{unparse(node)}`")])

    def is_session(self, recv_node, vals):
        if any(v[0] == "session" for v in vals):
            return True
        return all(v[0] == "unknown" for v in vals) and bool(SESSIONY.search(unparse(recv_node, 200)))

    def eval_call(self, node, env):
        argv = [self.eval(a.value if isinstance(a, ast.Starred) else a, env) for a in node.args]
        for k in node.keywords:
            self.eval(k.value, env)
        f = node.func
        m = self.ck.model_of_expr(f) if isinstance(f, (ast.Name, ast.Attribute)) else None
        if m and not (isinstance(f, ast.Name) and f.id in self.locals_):
            return frozenset([("inst", m)])
        fname = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
        if fname == "select" and (isinstance(f, ast.Name) or (isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name)
                                                              and f.value.id in self.ck.module_aliases)):
            if len(argv) == 1 and argv[0] and all(v[0] == "class" for v in argv[0]) and len(argv[0]) == 1:
                return frozenset([("select", next(iter(argv[0]))[1])])
            return frozenset([("other", f"`{unparse(node, 40)}`, not a select of one model")])
        if isinstance(f, ast.Name) and f.id not in self.locals_:
            orig = Tree.alias_of(self.ck.mod, f.id)
            if orig == "Session":
                return frozenset([("session", "sync")])
            if orig == "AsyncSession":
                return frozenset([("session", "async")])
            if f.id in self.ck.module_funcs and self.ck.module_funcs[f.id].returns is not None:
                v = self.ck.ann_value(self.ck.module_funcs[f.id].returns)
                if v and v[0] in ("inst", "insts"):
                    return frozenset([v])
            return frozenset([("unknown", f"the result of `{unparse(f)}(...)`")])
        if not isinstance(f, ast.Attribute):
            return frozenset([("unknown", f"the result of `{unparse(f)}(...)`")])
        meth = f.attr
        recv = self.eval(f.value, env)
        out = set()
        for r in recv:
            k = r[0]
            if k == "self" and self.cls is not None:
                out.add(self.self_call(node, meth, argv))
            elif k == "session" or (k == "unknown" and self.is_session(f.value, recv)):
                out.add(self.session_call(node, meth, argv))
            elif k == "select" and meth in SELECT_CHAIN:
                out.add(("select", r[1]))
            elif k == "class" and meth == "model_validate":
                # SQLModel: `M.model_validate(data)` builds a new instance of the table class M.
                out.add(("inst", r[1]))
            elif k == "result":
                out.add({"scalar_one_or_none": ("inst", r[1]), "scalar_one": ("inst", r[1]), "scalar": ("inst", r[1]),
                         "scalars": ("scalars", r[1]), "unique": ("result", r[1])}.get(
                    meth, ("other", f"`.{meth}()` of a Result: a Row or rows, not the instance")))
            elif k == "scalars":
                out.add({"all": ("insts", r[1]), "fetchall": ("insts", r[1]), "first": ("inst", r[1]),
                         "one": ("inst", r[1]), "one_or_none": ("inst", r[1]), "unique": ("scalars", r[1])}.get(
                    meth, ("unknown", f"`.{meth}()` of a ScalarResult")))
            elif k == "query":
                if meth in SELECT_CHAIN:
                    out.add(("query", r[1]))
                elif meth in QUERY_ONE:
                    out.add(("inst", r[1]))
                elif meth == "all":
                    out.add(("insts", r[1]))
                else:
                    out.add(("other", f"`.{meth}()` of a Query"))
            elif k == "insts" and meth == "pop":
                out.add(("inst", r[1]))
            elif k == "unbound":
                out.add(("unknown", f"`{unparse(f.value)}` may be unbound"))
            else:
                out.add(("unknown", f"the result of `{unparse(f)}(...)` on {describe(r)}"))
        return frozenset(out)

    def session_call(self, node, meth, argv):
        a0 = argv[0] if argv else frozenset()
        one = next(iter(a0)) if len(a0) == 1 else None
        if meth in ("get", "get_one") and one and one[0] == "class":
            return ("inst", one[1])
        if meth == "execute" and one and one[0] == "select":
            return ("result", one[1])
        if meth in ("scalars", "exec") and one and one[0] == "select":
            # SQLModel's `session.exec(select(M))` is a ScalarResult of M, as `scalars` is.
            return ("scalars", one[1])
        if meth == "scalar" and one and one[0] == "select":
            return ("inst", one[1])
        if meth == "merge" and one and one[0] == "inst":
            return one
        if meth == "query" and len(argv) == 1 and one and one[0] == "class":
            return ("query", one[1])
        return ("other", f"what `session.{meth}({unparse(node.args[0], 30) if node.args else ''})` returns")

    def self_call(self, node, meth, argv):
        for c in self.ck.tree.class_chain(self.cls):
            for s in c.body:
                if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == meth:
                    if s.returns is not None:
                        v = self.ck.ann_value(s.returns, self.cls)
                        if v and v[0] in ("inst", "insts"):
                            return v
                    ps = s.args.args[1:]
                    if ps and ps[0].annotation is not None and argv and len(argv[0]) == 1:
                        ann = ps[0].annotation
                        head = ann.value if isinstance(ann, ast.Subscript) else None
                        one = next(iter(argv[0]))
                        if head is not None and unparse(head) in ("Type", "type", "typing.Type") and one[0] == "class":
                            return ("inst", one[1])
                    return ("other", f"`self.{meth}(...)` (returns `{unparse(s.returns) if s.returns else 'unannotated'}`)")
        return ("unknown", f"`self.{meth}(...)`: no such method found in the class or its bases")

    # --------------------------------------------------------------------------------- statements

    def run(self):
        env = self.initial()
        self.check_default_names()
        self.block(self.fn.body, env)

    def check_default_names(self):
        pass

    def block(self, stmts, env):
        for s in stmts:
            if env is None:
                return None
            env = self.stmt(s, env)
        return env

    def bind(self, target, vals, env, value_node=None):
        if isinstance(target, ast.Name):
            if target.id in self.locals_:
                env[target.id] = vals
        elif isinstance(target, (ast.Tuple, ast.List)):
            if isinstance(value_node, (ast.Tuple, ast.List)) and len(value_node.elts) == len(target.elts):
                for t, v in zip(target.elts, value_node.elts):
                    self.bind(t, self.eval(v, dict(env)), env)
            else:
                for t in target.elts:
                    self.bind(t, frozenset([("unknown", f"unpacked from `{unparse(value_node) if value_node else '?'}`")]), env)
        elif isinstance(target, ast.Starred):
            self.bind(target.value, frozenset([("other", "a list")]), env)

    def header_nodes(self, s):
        if isinstance(s, (ast.If, ast.While)):
            return [s.test]
        if isinstance(s, (ast.For, ast.AsyncFor)):
            return [s.iter, s.target]
        if isinstance(s, (ast.With, ast.AsyncWith)):
            return [i.context_expr for i in s.items] + [i.optional_vars for i in s.items if i.optional_vars]
        if isinstance(s, (ast.Try, getattr(ast, "TryStar", ast.Try))):
            return []
        if isinstance(s, ast.Match):
            return [s.subject]
        if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return s.decorator_list + s.args.defaults + [d for d in s.args.kw_defaults if d]
        if isinstance(s, ast.ClassDef):
            return s.decorator_list + s.bases + [k.value for k in s.keywords]
        return [s]

    def stmt(self, s, env):
        for collector in self.trys:
            collector.append(dict(env))
        if not self.quiet:
            self.check(s, env)
        env = dict(env)
        if isinstance(s, ast.Assign):
            v = self.eval(s.value, env)
            for t in s.targets:
                self.bind(t, v, env, s.value)
        elif isinstance(s, ast.AnnAssign):
            if s.value is not None:
                v = self.eval(s.value, env)
                a = self.ck.ann_value(s.annotation, self.cls)
                if a and a[0] in ("inst", "insts", "session") and not all(x[0] == a[0] for x in v):
                    v = frozenset([a])
                self.bind(s.target, v, env, s.value)
        elif isinstance(s, ast.AugAssign):
            self.eval(s.value, env)
            if isinstance(s.target, ast.Name) and s.target.id in self.locals_:
                env[s.target.id] = frozenset([("other", f"`{s.target.id}` after `{type(s.op).__name__}=`")])
        elif isinstance(s, (ast.Expr, ast.Return)):
            if s.value is not None:
                self.eval(s.value, env)
            if isinstance(s, ast.Return):
                return None
        elif isinstance(s, ast.Raise):
            return None
        elif isinstance(s, ast.Delete):
            for t in s.targets:
                for n in target_names(t):
                    if n in self.locals_:
                        env[n] = frozenset([UNBOUND])
        elif isinstance(s, (ast.Import, ast.ImportFrom)):
            for a in s.names:
                n = a.asname or a.name.split(".")[0]
                if n in self.locals_:
                    m = a.name if a.name in self.ck.tree.models and isinstance(s, ast.ImportFrom) else None
                    env[n] = frozenset([("class", m) if m else ("other", f"the imported `{a.name}`")])
        elif isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if s.name in self.locals_:
                env[s.name] = frozenset([("other", f"the local {'class' if isinstance(s, ast.ClassDef) else 'function'} `{s.name}`")])
            if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and self.ck.touches(s):
                Flow(self.ck, s, None, self.outer + [self], f"{self.qual}.{s.name}").run()
        elif isinstance(s, ast.If):
            self.eval(s.test, env)
            if const_false_test(s.test):
                return self.block(s.orelse, env)
            if isinstance(s.test, ast.Constant) and s.test.value:
                return self.block(s.body, env)
            return self.join(self.block(s.body, dict(env)), self.block(s.orelse, dict(env)))
        elif isinstance(s, (ast.For, ast.AsyncFor)):
            it = self.eval(s.iter, env)
            item = set()
            for v in it:
                if v[0] in ("insts", "scalars", "query"):
                    item.add(("inst", v[1]))
                elif v[0] == "result":
                    item.add(("other", f"a Row of a Result of select({v[1]}), not the instance"))
                else:
                    item.add(("unknown", f"an item of `{unparse(s.iter)}` ({describe(v)})"))

            def head(e):
                e = dict(e)
                self.bind(s.target, frozenset(item), e)
                return e
            return self.loop(s, env, head, exits_on_test=True)
        elif isinstance(s, ast.While):
            self.eval(s.test, env)
            forever = isinstance(s.test, ast.Constant) and bool(s.test.value)
            return self.loop(s, env, lambda e: dict(e), exits_on_test=not forever)
        elif isinstance(s, (ast.With, ast.AsyncWith)):
            for i in s.items:
                v = self.eval(i.context_expr, env)
                if i.optional_vars is not None:
                    ce = i.context_expr
                    txt = unparse(ce.func if isinstance(ce, ast.Call) else ce, 200)
                    if re.search(r"(^|\.)AsyncSession$|async_session|AsyncSessionLocal", txt):
                        v = frozenset([("session", "async")])
                    elif re.search(r"(^|\.)Session$|SessionLocal|session_scope|session_maker|sessionmaker|get_session|get_db", txt, re.I):
                        v = frozenset([("session", "?")])
                    elif any(x[0] == "session" for x in v):
                        v = frozenset([x for x in v if x[0] == "session"])
                    else:
                        v = frozenset([("unknown", f"the value of `with {unparse(ce)}`")])
                    self.bind(i.optional_vars, v, env)
            return self.block(s.body, env)
        elif isinstance(s, ast.Try) or type(s).__name__ == "TryStar":
            collector = []
            self.trys.append(collector)
            body_out = self.block(s.body, dict(env))
            self.trys.pop()
            entry = self.join(env, body_out, *collector)
            outs = [self.block(s.orelse, body_out) if body_out is not None else None]
            for h in s.handlers:
                if h.type is not None and not self.quiet:
                    self.check_names([h.type], env, s)
                e = dict(entry)
                if h.name:
                    e[h.name] = frozenset([("other", "an exception")])
                o = self.block(h.body, e)
                if o is not None and h.name:
                    o[h.name] = frozenset([UNBOUND])
                outs.append(o)
            res = self.join(*outs)
            if s.finalbody:
                fin = self.block(s.finalbody, res if res is not None else dict(entry))
                return fin if res is not None else None
            return res
        elif isinstance(s, ast.Match):
            self.eval(s.subject, env)
            outs = []
            irrefutable = False
            for c in s.cases:
                e = dict(env)
                for n in ast.walk(c.pattern):
                    if isinstance(n, (ast.MatchAs, ast.MatchStar)) and n.name:
                        e[n.name] = frozenset([("unknown", "a match capture")])
                if isinstance(c.pattern, ast.MatchAs) and c.pattern.pattern is None and c.guard is None:
                    irrefutable = True
                outs.append(self.block(c.body, e))
            if not irrefutable:
                outs.append(env)
            return self.join(*outs)
        elif isinstance(s, ast.Break):
            self.loops[-1]["break"].append(env)
            return None
        elif isinstance(s, ast.Continue):
            self.loops[-1]["continue"].append(env)
            return None
        return env

    def loop(self, s, env, head, exits_on_test):
        entry = env
        self.quiet += 1
        for _ in range(6):
            self.loops.append({"break": [], "continue": []})
            out = self.block(s.body, head(entry))
            ctx = self.loops.pop()
            new = self.join(env, out, *ctx["continue"])
            if new == entry:
                break
            entry = new
        self.quiet -= 1
        self.loops.append({"break": [], "continue": []})
        self.block(s.body, head(entry))  # the pass that reports, at the fixed point
        ctx = self.loops.pop()
        exits = list(ctx["break"])
        if exits_on_test:
            exits.append(self.block(s.orelse, dict(entry)) if s.orelse else entry)
        return self.join(*exits)

    # ------------------------------------------------------------------------------------- checks

    def check(self, s, env):
        nodes = self.header_nodes(s)
        if not any(self.ck.touches(n) for n in nodes):
            return
        self.check_names(nodes, env, s)
        self.check_stamp(s, env)
        self.check_rollback(nodes, env, s)

    def stmt_text(self, s):
        seg = ast.get_source_segment(self.ck.source, s) if hasattr(self.ck, "source") else None
        return (seg or unparse(s, 300)).split("\n")[0]

    def check_names(self, nodes, env, s):
        walrus = set()
        for node in nodes:
            walrus |= {n.target.id for n in ast.walk(node) if isinstance(n, ast.NamedExpr)}
        for node in nodes:
            self.names_in(node, env, s, set(walrus), late=False)

    def names_in(self, node, env, s, bound, late):
        if isinstance(node, ast.Lambda):
            a = node.args
            inner = bound | {p.arg for p in a.posonlyargs + a.args + a.kwonlyargs} | \
                ({a.vararg.arg} if a.vararg else set()) | ({a.kwarg.arg} if a.kwarg else set())
            for d in a.defaults + [d for d in a.kw_defaults if d]:
                self.names_in(d, env, s, bound, late)
            self.names_in(node.body, env, s, inner, True)
            return
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            inner = set(bound)
            for g in node.generators:
                self.names_in(g.iter, env, s, inner, late)
                inner |= set(target_names(g.target))
                for c in g.ifs:
                    self.names_in(c, env, s, inner, late)
            for e in ([node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]):
                self.names_in(e, env, s, inner, late)
            return
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            if node.lineno in self.ck.added and node.id not in bound:
                why = self.name_missing(node.id, env, late)
                if why:
                    self.ck.report(node.lineno, "unbound", f"`{node.id}` {why}", self.qual, self.stmt_text(s))
            return
        for ch in ast.iter_child_nodes(node):
            self.names_in(ch, env, s, bound, late)

    def name_missing(self, name, env, late):
        if name in self.locals_:
            if late:
                return None
            v = env.get(name, frozenset([UNBOUND]))
            if v == frozenset([UNBOUND]):
                return "is not bound here (it is bound only later or on no path reaching this line)"
            if UNBOUND in v:
                return "may be unbound here (bound on some paths only)"
            return None
        if name not in self.globals_:
            for f in reversed(self.outer):
                if name in f.locals_:
                    return None
        return self.ck.global_missing(name, annotation=False)

    def check_stamp(self, s, env):
        obj, what = None, None
        if isinstance(s, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            tgts = s.targets if isinstance(s, ast.Assign) else [s.target]
            for t in tgts:
                if isinstance(t, ast.Attribute) and STAMP_ATTR.fullmatch(t.attr):
                    obj, what = t.value, t.attr
        elif isinstance(s, ast.Expr):
            c = s.value.value if isinstance(s.value, ast.Await) else s.value
            if isinstance(c, ast.Call) and isinstance(c.func, ast.Attribute) and SETTER.fullmatch(c.func.attr):
                obj, what = c.func.value, c.func.attr + "(...)"
            elif isinstance(c, ast.Call) and isinstance(c.func, ast.Name) and c.func.id == "setattr" and len(c.args) >= 2 \
                    and isinstance(c.args[1], ast.Constant) and isinstance(c.args[1].value, str) and STAMP_ATTR.fullmatch(c.args[1].value):
                obj, what = c.args[0], c.args[1].value
        if obj is None or s.lineno not in self.ck.added:
            return
        self.ck.count["stamps"] += 1
        vals = self.eval(obj, dict(env))
        if os.environ.get("STAMPS_VERBOSE"):
            print(f"  stamp {self.ck.rel}:{s.lineno} {unparse(obj)}.{what}: {sorted(map(describe, vals))}", file=sys.stderr)
        bad = []
        for v in sorted(vals, key=repr):
            if v[0] == "inst":
                continue
            if v[0] == "self" and v[1] in self.ck.tree.models:
                continue
            bad.append(describe(v))
        if bad:
            self.ck.report(s.lineno, "stamp", f"stamp `{unparse(obj)}.{what}` in {self.qual}: `{unparse(obj)}` is "
                                              f"{' or '.join(bad)}", self.qual, self.stmt_text(s))

    def session_kind(self, recv, env):
        vals = self.eval(recv, dict(env))
        kinds = {v[1] for v in vals if v[0] == "session"}
        text = unparse(recv, 200)
        plain = [n for n in self.own_nodes(self.fn) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                 and n.func.attr in CORO and unparse(n.func.value, 200) == text
                 and not (n.func.attr == "rollback" and n.lineno in self.ck.added)]
        if "sync" in kinds:
            return "sync", "annotated `Session`"
        if "async" in kinds:
            return "async", "annotated `AsyncSession`"
        unawaited = [n for n in plain if id(n) not in self.awaited_calls]
        awaited = [n for n in plain if id(n) in self.awaited_calls]
        if unawaited and not awaited:
            return "sync", f"`{text}.{unawaited[0].func.attr}(...)` is called without `await` at line {unawaited[0].lineno}"
        if awaited and not unawaited:
            return "async", f"`{text}.{awaited[0].func.attr}(...)` is awaited at line {awaited[0].lineno}"
        return None, None

    def check_rollback(self, nodes, env, s):
        for node in nodes:
            for n in ast.walk(node):
                if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "rollback" \
                        and n.lineno in self.ck.added and not n.args:
                    kind, why = self.session_kind(n.func.value, env)
                    awaited = id(n) in self.awaited_calls
                    if awaited and kind == "sync":
                        self.ck.report(n.lineno, "await", f"`await {unparse(n)}` but `{unparse(n.func.value)}` is a sync "
                                                          f"session ({why})", self.qual, self.stmt_text(s))
                    elif not awaited and kind == "async":
                        self.ck.report(n.lineno, "await", f"`{unparse(n)}` is not awaited but `{unparse(n.func.value)}` is "
                                                          f"an async session ({why})", self.qual, self.stmt_text(s))


# ------------------------------------------------------------------------------------------- driver


def check_file(tree, rel, data, added, count):
    out = []
    mod = parse_bytes(data)
    if mod is None:
        return None
    ck = Checker(tree, rel, mod, added, out, count)
    ck.source = data.decode("utf-8", errors="replace")
    ck.run()
    return out


def main():
    root = pathlib.Path(sys.argv[1]).resolve()
    label = sys.argv[2] if len(sys.argv) > 2 else str(root)
    added = added_lines(root)
    tree = Tree(root)
    count = collections.Counter()
    violations, preexisting = [], 0
    for rel in sorted(added):
        path = root / rel
        if not path.exists():
            continue
        data = path.read_bytes()
        base = base_text(root, rel)
        found = check_file(tree, rel, data, added[rel], count)
        if found is None:
            if base is None or parse_bytes(base) is not None:
                violations.append((rel, 1, "parse", "the fixed file does not parse", None))
            continue
        if found and base is not None:
            # the same violation in the committed text (a line the fix only moved) is not the fix's
            lines = base.count(b"\n") + 1
            before = check_file(tree, rel, base, set(range(1, lines + 1)), collections.Counter()) or []
            old = collections.Counter(v[4] for v in before)
            kept = []
            for v in found:
                if old[v[4]] > 0:
                    old[v[4]] -= 1
                    preexisting += 1
                else:
                    kept.append(v)
            found = kept
        violations.extend(found)
    seen = set()
    kinds = collections.Counter()
    for rel, line, kind, reason, _ in sorted(violations, key=lambda v: (v[0], v[1], v[2], v[3])):
        if (rel, line, reason) in seen:
            continue
        seen.add((rel, line, reason))
        kinds[kind] += 1
        print(f"{rel}:{line}: {kind}: {reason}")
    total = sum(kinds.values())
    print(f"stamps.py on {label}: {total} violations (stamp {kinds['stamp']}, await {kinds['await']}, "
          f"unbound {kinds['unbound']}, import {kinds['import']}, parse {kinds['parse']}); {count['stamps']} added "
          f"stamps checked, {len(added)} files changed, {preexisting} pre-existing ignored, {len(tree.models)} models")
    sys.exit(1 if total else 0)


if __name__ == "__main__":
    main()
