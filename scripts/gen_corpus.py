#!/usr/bin/env python3
"""Generate a Python corpus for the auditfix benchmark (scripts/bench.sh).

The corpus is shaped like a real service repository, so that the time spent
per byte resembles a real run:

- about 15% service files (10-20% per package) whose write methods are in the
  situations of the audit report: the compliant gold standard, missing
  timestamps, timezone-aware timestamps, `func.now()`, hand-set audit columns,
  no `IntegrityError` handler, no user parameter... with varied entity names,
  models, session expressions (`self.db`, `self.session`, a `db` parameter),
  sync and async code, and indentation (4 spaces, 2 spaces, tabs);
- model files, with and without the audit mixin;
- FastAPI route files with `Depends(get_current_user)` that call the services,
  some passing the user and some not;
- a majority of ordinary modules with no write method (utilities, classes,
  dataclasses and enums, schemas, pytest tests, CLI scripts, constant tables),
  50 to 2000 lines, some of which have methods named like a write method that
  never touch a session (`create_parser`, `update_stats`).

Output is deterministic for a given `--files` and `--seed`. `--copy DIR`
(repeatable) adds the `.py` files of real trees (for instance a virtualenv's
site-packages) below OUT_DIR/real/<name>, with folder names the walker would
skip (`site-packages`, hidden folders) renamed so that they are walked.
`--target-mb N` makes the corpus about N MB (10^6 bytes): when the generated
files and the copied trees are short of it, the copied trees are copied again
below OUT_DIR/real/<name>-2, -3... (file by file, in sorted order, until the
total is reached); without `--copy`, more files are generated instead (same
seed, so the output stays deterministic).

With `--dense`, the generated part is service-dense instead: the example
apps (examples/) and the idiom fixtures (tests/fixtures/) copied again and
again below OUT_DIR/dense/copy_NNNN until `--files` files are written, each
copy varied (indentation in tabs or two spaces, CRLF line endings, aware or
server-side timestamps, models without the audit mixin) where the varied
text still compiles; a code base where most files are services, routes and
models, which is what the tool is for.

Usage: gen_corpus.py OUT_DIR [--files N] [--seed S] [--copy DIR]...
                     [--target-mb N] [--dense]
"""

import argparse
import keyword
import math
import os
import random
import re
import shutil
import sys
from pathlib import Path

PREFIXES = [
    "", "Billing", "Customer", "Product", "Order", "Shipping", "Payment", "Tax",
    "Catalog", "Inventory", "Campaign", "Content", "Email", "Webhook", "Api",
    "Team", "Project", "Report", "Audit", "Support", "Partner", "Vendor",
    "Warehouse", "Subscription", "Notification", "Integration", "Channel",
]
NOUNS = [
    "Account", "Invoice", "Plan", "Item", "Address", "Contact", "Ticket",
    "Schedule", "Template", "Rule", "Policy", "Profile", "Setting", "Token",
    "Key", "Note", "Tag", "Attachment", "Comment", "Batch", "Job", "Export",
    "Import", "Message", "Event", "Metric", "Quota", "Discount", "Coupon",
    "Region", "Connector", "Credential", "Document", "Folder", "Snapshot",
]
DOMAINS = [
    "administration", "billing", "crm", "inventory", "marketing", "support",
    "analytics", "integrations", "content", "identity", "logistics", "finance",
]
WORDS = [
    "value", "item", "record", "entry", "payload", "config", "options", "result",
    "count", "total", "limit", "offset", "name", "label", "path", "key", "data",
    "items", "rows", "values", "batch", "chunk", "window", "buffer", "index",
    "score", "weight", "ratio", "threshold", "timeout", "retries", "delay",
]
VERBS = [
    "parse", "format", "normalize", "compute", "merge", "split", "validate",
    "render", "load", "dump", "encode", "decode", "resolve", "collect",
    "filter", "group", "sort", "chunk", "flatten", "summarize", "estimate",
]


def snake(name):
    out = []
    for i, ch in enumerate(name):
        if ch.isupper() and i:
            out.append("_")
        out.append(ch.lower())
    word = "".join(out)
    # `Import` makes `import`: a keyword cannot be a variable.
    return word + "_record" if keyword.iskeyword(word) else word


def plural(word):
    if word.endswith("y") and not word.endswith("ey"):
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    return word + "s"


def reindent(text, unit):
    """Re-indent 4-space text to `unit` (leading whitespace only)."""
    if unit == "    ":
        return text
    out = []
    for line in text.split("\n"):
        body = line.lstrip(" ")
        levels, extra = divmod(len(line) - len(body), 4)
        out.append(unit * levels + " " * extra + body)
    return "\n".join(out)


class Gen:
    """One corpus: a seeded random source and the entities it has used."""

    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.entities = [p + n for p in PREFIXES for n in NOUNS]
        self.rng.shuffle(self.entities)
        self.next_entity = 0

    def entity(self):
        name = self.entities[self.next_entity % len(self.entities)]
        round_ = self.next_entity // len(self.entities)
        self.next_entity += 1
        return name if round_ == 0 else f"{name}V{round_ + 1}"

    def pick(self, items):
        return self.rng.choice(items)

    def chance(self, p):
        return self.rng.random() < p

    def lines_target(self):
        # Log-normal around 170 lines (mean about 250), clipped to 50-2000.
        n = int(math.exp(self.rng.gauss(math.log(170), 0.9)))
        return max(50, min(2000, n))

    # ---------------------------------------------------------------- models

    def model_file(self, entities, mixin):
        r = self
        lines = [
            f'"""Models of {", ".join(entities)}."""',
            "from datetime import datetime",
            "from typing import Optional",
            "",
            "from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text",
            "from sqlalchemy.orm import Mapped, mapped_column, relationship",
            "",
            "from app.features.core.audit_mixin import AuditMixin",
            "from app.features.core.database import Base",
        ]
        for entity in entities:
            bases = "Base, AuditMixin" if mixin else "Base"
            table = plural(snake(entity))
            lines += ["", "", f"class {entity}({bases}):"]
            if r.chance(0.5):
                lines.append(f'    """A {snake(entity).replace("_", " ")} of a tenant."""')
                lines.append("")
            lines.append(f'    __tablename__ = "{table}"')
            lines.append("")
            lines.append("    id: Mapped[int] = mapped_column(Integer, primary_key=True)")
            lines.append("    tenant_id: Mapped[str] = mapped_column(String(36), index=True)")
            columns = sorted({f"{r.pick(WORDS)}_{r.pick(WORDS)}" for _ in range(r.rng.randint(3, 12))})
            for col in columns:
                kind = r.pick(["String(255)", "Text", "Integer", "Boolean", "DateTime"])
                pytype = {"Integer": "int", "Boolean": "bool", "DateTime": "datetime"}.get(kind, "str")
                if r.chance(0.4):
                    lines.append(f"    {col}: Mapped[Optional[{pytype}]] = mapped_column({kind}, nullable=True)")
                else:
                    lines.append(f"    {col}: Mapped[{pytype}] = mapped_column({kind})")
            if not mixin:
                lines.append("    created_at: Mapped[datetime] = mapped_column(DateTime)")
            lines.append("")
            lines.append("    def __repr__(self) -> str:")
            lines.append(f'        return f"<{entity} {{self.id}}>"')
        return "\n".join(lines) + "\n"

    # -------------------------------------------------------------- services

    def service_file(self, entity, model_module, compliant_share):
        """A service with create / update / delete methods in one situation."""
        r = self
        var = snake(entity)
        label = var.replace("_", " ")
        style = r.pick(["method"] * 17 + ["function"] * 3)
        session = "db" if style == "function" else r.pick(["self.db"] * 5 + ["self.session"])
        is_async = r.chance(0.8)
        aw = "await " if is_async else ""
        adef = "async def" if is_async else "def"
        commit = "flush" if is_async or r.chance(0.5) else "commit"
        situation = "gold" if r.chance(compliant_share) else r.pick(
            ["smtp", "users", "tenants", "planning", "broadcaster", "connector"]
        )
        imports = [f'"""{entity} service: create, read, update and delete {plural(label)}."""', ""]
        imports.append("import json")
        imports.append("import logging")
        if situation in ("gold", "users", "planning", "connector") or r.chance(0.3):
            imports.append("from datetime import datetime")
        if situation in ("smtp", "broadcaster"):
            imports.append("from datetime import datetime, timezone")
        imports.append("from typing import Any, Dict, List, Optional")
        imports.append("")
        imports.append("from sqlalchemy import func, select")
        if situation in ("gold", "smtp") or r.chance(0.2):
            imports.append("from sqlalchemy.exc import IntegrityError")
        if situation in ("gold", "broadcaster", "planning"):
            imports.append("from app.features.core.audit_mixin import AuditContext")
        imports.append(f"from {model_module} import {entity}")
        imports.append("")
        imports.append("logger = logging.getLogger(__name__)")
        body = []
        if style == "method":
            body += ["", "", f"class {entity}Service:"]
            body.append(f'    """Business operations on {plural(label)}."""')
            body.append("")
            attr = session.split(".")[1]
            body.append(f"    def __init__(self, {attr}, tenant_id: Optional[str] = None):")
            body.append(f"        self.{attr} = {attr}")
            body.append("        self.tenant_id = tenant_id")
            ind = "    "
            self_ = "self, "
        else:
            ind = ""
            self_ = "db, "
        # Blank lines before a def: one in a class, two at module level.
        gap = [""] if ind else ["", ""]
        now = "datetime.now(timezone.utc)" if situation in ("smtp", "broadcaster") else "datetime.now()"

        def method(kind, verb):
            user = {"create": "created_by_user", "update": "updated_by_user", "delete": "deleted_by_user"}[kind]
            setter = {"create": "set_created_by", "update": "set_updated_by", "delete": "set_deleted_by"}[kind]
            takes_user = situation in ("gold", "broadcaster", "smtp") or (situation == "connector" and kind != "create")
            params = f"{self_}{var}_id: int, data: Dict[str, Any]" if kind != "create" else f"{self_}data: Dict[str, Any]"
            if takes_user:
                params += f", {user}=None"
            out = gap + [f"{ind}{adef} {verb}_{var}({params}):"]
            if r.chance(0.6):
                out.append(f'{ind}    """{verb.capitalize()} a {label}."""')
            handler = situation in ("gold", "smtp") or r.chance(0.3)
            b = ind + ("        " if handler else "    ")
            if handler:
                out.append(f"{ind}    try:")
            if situation in ("gold", "broadcaster") and takes_user:
                out.append(f"{b}audit_ctx = AuditContext.from_user({user}) if {user} else None")
            if kind == "create":
                fields = ", ".join(f"{w}=data.get('{w}')" for w in r.rng.sample(WORDS, r.rng.randint(2, 6)))
                if situation == "planning":
                    fields += ", created_by_email=data.get('user_email'), created_by_name=data.get('user_name')"
                out.append(f"{b}{var} = {entity}(tenant_id=data.get('tenant_id'), {fields})")
            else:
                out.append(f"{b}{var} = {aw}{session}.get({entity}, {var}_id)")
                out.append(f"{b}if {var} is None:")
                out.append(f"{b}    return None")
                if kind == "update":
                    out.append(f"{b}for field, value in data.items():")
                    out.append(f"{b}    setattr({var}, field, value)")
                else:
                    out.append(f"{b}{var}.is_deleted = True")
            if situation in ("gold", "broadcaster") and takes_user:
                out.append(f"{b}if audit_ctx:")
                out.append(f"{b}    {var}.{setter}(audit_ctx.user_email, audit_ctx.user_name)")
            if situation == "gold" or (situation == "broadcaster" and kind == "create") or (
                situation == "smtp" and kind == "delete"
            ):
                if kind == "create":
                    out.append(f"{b}{var}.created_at = {now}")
                    out.append(f"{b}{var}.updated_at = {now}")
                elif kind == "update":
                    out.append(f"{b}{var}.updated_at = {now}")
                else:
                    out.append(f"{b}{var}.deleted_at = {now}")
            if situation == "users" and kind == "update":
                out.append(f"{b}{var}.updated_at = func.now()")
            if situation == "planning" and kind == "update":
                out.append(f"{b}{var}.updated_by_email = data.get('user_email')")
            if kind == "create":
                out.append(f"{b}{session}.add({var})")
            out.append(f"{b}{aw}{session}.{commit}()")
            if r.chance(0.5):
                out.append(f"{b}{aw}{session}.refresh({var})")
            out.append(f'{b}logger.info("{verb} {label} %s", {var}.id)')
            out.append(f"{b}return {var}")
            if handler:
                if situation == "gold":
                    out.append(f"{ind}    except IntegrityError as e:")
                    out.append(f"{ind}        {aw}{session}.rollback()")
                    out.append(f'{ind}        logger.error(f"Failed to {verb} {label} - IntegrityError: {{e}}")')
                    out.append(f'{ind}        raise ValueError(f"Database constraint violation: {{e}}") from e')
                out.append(f"{ind}    except Exception:")
                out.append(f"{ind}        {aw}{session}.rollback()")
                out.append(f'{ind}        logger.exception("Failed to {verb} {label}")')
                out.append(f"{ind}        raise")
            return out

        def reader(verb):
            out = gap + [f"{ind}{adef} {verb}_{var}({self_}{var}_id: int) -> Optional[{entity}]:"]
            out.append(f"{ind}    result = {aw}{session}.execute(select({entity}).where({entity}.id == {var}_id))")
            out.append(f"{ind}    return result.scalar_one_or_none()")
            return out

        def lister():
            out = gap + [f"{ind}{adef} list_{plural(var)}({self_}limit: int = 50, offset: int = 0) -> List[{entity}]:"]
            out.append(f"{ind}    query = select({entity}).order_by({entity}.id).limit(limit).offset(offset)")
            owner = "self" if ind else "db"
            out.append(f"{ind}    if getattr({owner}, 'tenant_id', None):")
            out.append(f"{ind}        query = query.where({entity}.tenant_id == {owner}.tenant_id)")
            out.append(f"{ind}    rows = {aw}{session}.execute(query)")
            out.append(f"{ind}    return list(rows.scalars())")
            return out

        body += reader("get")
        body += lister()
        verbs = {"create": "create", "update": r.pick(["update", "update", "activate", "rename"])}
        verbs["delete"] = r.pick(["delete", "archive", "remove"])
        for kind, verb in verbs.items():
            body += method(kind, verb)
        if r.chance(0.4):
            body += method("update", "set")
        # Helpers that make the file the size of a real service.
        target = r.rng.randint(120, 600)
        helper_ind = ind
        while len(imports) + len(body) < target:
            body += self.helper(helper_ind)
        text = "\n".join(imports + body) + "\n"
        unit = r.pick(["    "] * 16 + ["  "] * 2 + ["\t"] * 2)
        return reindent(text, unit), verbs, style == "method"

    def helper(self, ind):
        """A read-only helper: validation, mapping, parsing, formatting."""
        r = self
        name = f"_{r.pick(VERBS)}_{r.pick(WORDS)}"
        a, b = r.rng.sample(WORDS, 2)
        self_ = "self, " if ind else ""
        out = ([""] if ind else ["", ""]) + [f"{ind}def {name}({self_}{a}, {b}=None):"]
        if r.chance(0.5):
            out.append(f'{ind}    """{r.pick(VERBS).capitalize()} the {a} against the {b}."""')
        shape = r.rng.randint(0, 3)
        if shape == 0:
            body = [
                f"if {a} is None:",
                f"    return {b}",
                "# Keep the original order; duplicates are dropped.",
                "seen = set()",
                "out = []",
                f"for element in {a}:",
                "    marker = str(element).strip().lower()",
                "    if marker in seen:",
                "        continue",
                "    seen.add(marker)",
                "    out.append(element)",
                f"return out if {b} is None else out[: int({b})]",
            ]
        elif shape == 1:
            body = [
                "mapping = {",
                f'    key: value for key, value in ({a} or {{}}).items() if not key.startswith("_")',
                "}",
                f"if {b}:",
                f"    mapping.update({{k: v for k, v in {b}.items() if k in mapping}})",
                f'return {{"{a}": mapping, "size": len(mapping)}}',
            ]
        elif shape == 2:
            body = [
                "try:",
                f"    parsed = json.loads({a}) if isinstance({a}, str) else {a}",
                "except (TypeError, ValueError) as exc:",
                f'    logger.warning("cannot read {a}: %s", exc)',
                f"    return {b}",
                "attempts = 0",
                "while attempts < 3 and not parsed:",
                "    attempts += 1",
                f"    parsed = {b}",
                "return parsed",
            ]
        else:
            body = [
                f'parts = [f"{{{a}!r}}"]',
                f"if {b} is not None:",
                f'    parts.append(f"{b}={{{b}:>8}}")',
                'return " ".join(parts).strip() + ("" if len(parts) < 2 else ";")',
            ]
        out += [f"{ind}    {line}" for line in body]
        return out

    # ---------------------------------------------------------------- routes

    def route_file(self, entities, service_modules, verbs):
        r = self
        lines = ['"""HTTP routes."""', "", "from typing import Any, Dict", ""]
        lines.append("from fastapi import APIRouter, Depends, HTTPException, status")
        lines.append("")
        lines.append("from app.features.auth.dependencies import get_current_user")
        lines.append("from app.features.core.database import get_db")
        for entity, module in zip(entities, service_modules):
            lines.append(f"from {module} import {entity}Service")
        lines.append("")
        lines.append('router = APIRouter(prefix="/api", tags=["api"])')
        for entity, methods in zip(entities, verbs):
            var = snake(entity)
            for kind, verb, code in (("create", "post", "201"), ("update", "patch", "200"), ("delete", "delete", "204")):
                passes = r.chance(0.5)
                user_kw = {"create": "created_by_user", "update": "updated_by_user", "delete": "deleted_by_user"}[kind]
                path = f'"/{plural(var)}"' if kind == "create" else f'"/{plural(var)}/{{{var}_id}}"'
                lines += ["", "", f"@router.{verb}({path}, status_code={code})"]
                args = [] if kind == "create" else [f"{var}_id: int"]
                if kind != "delete":
                    args.append("payload: Dict[str, Any]")
                args += ["current_user=Depends(get_current_user)", "db=Depends(get_db)"]
                lines.append(f"async def {verb}_{var}(")
                lines += [f"    {a}," for a in args]
                lines.append("):")
                lines.append(f"    service = {entity}Service(db)")
                call_args = [] if kind == "create" else [f"{var}_id"]
                call_args.append("payload" if kind != "delete" else "{}")
                if passes:
                    call_args.append(f"{user_kw}=current_user")
                lines.append("    try:")
                lines.append(f"        result = await service.{methods[kind]}_{var}({', '.join(call_args)})")
                lines.append("    except ValueError as e:")
                lines.append("        raise HTTPException(status_code=status.HTTP_409_CONFLICT, detail=str(e))")
                lines.append("    if result is None:")
                lines.append('        raise HTTPException(status_code=404, detail="Not found")')
                lines.append("    return result")
        return "\n".join(lines) + "\n"

    # ------------------------------------------------------ ordinary modules

    def ordinary_module(self, kind):
        r = self
        target = self.lines_target()
        header = [f'"""{r.pick(VERBS).capitalize()} and {r.pick(VERBS)} helpers for {r.pick(WORDS)} handling."""', ""]
        if kind == "tests":
            header += ["import pytest", ""]
        header += r.rng.sample(
            [
                "import json",
                "import re",
                "import os",
                "import itertools",
                "import functools",
                "from collections import defaultdict",
                "from pathlib import Path",
                "import logging",
                "import time",
            ],
            r.rng.randint(2, 6),
        )
        header += [
            "from dataclasses import dataclass, field",
            "from enum import Enum",
            "from typing import Any, Dict, Iterable, List, Optional, Tuple",
        ]
        lines = header
        makers = {
            "utils": [self.util_function] * 4 + [self.small_class],
            "classes": [self.small_class] * 3 + [self.util_function],
            "models": [self.dataclass_block, self.enum_block, self.schema_block],
            "tests": [self.test_block],
            "cli": [self.util_function, self.cli_block],
            "data": [self.table_block, self.util_function],
        }[kind]
        while len(lines) < target:
            lines += ["", ""] + r.pick(makers)()
        return "\n".join(lines) + "\n"

    def util_function(self):
        r = self
        verb, noun = r.pick(VERBS), r.pick(WORDS)
        a, b, c = r.rng.sample(WORDS, 3)
        out = [f"def {verb}_{noun}({a}: Iterable[Any], {b}: Optional[int] = None, *, {c}: bool = False) -> List[Any]:"]
        out.append(f'    """{verb.capitalize()} every {noun} of `{a}`.')
        out.append("")
        out.append(f"    `{b}` bounds the result; with `{c}`, the order is reversed.")
        out.append('    """')
        out.append("    result = []")
        out.append(f"    for position, element in enumerate({a}):")
        out.append(f"        if {b} is not None and position >= {b}:")
        out.append("            break")
        for _ in range(r.rng.randint(1, 6)):
            w = r.pick(WORDS)
            out.append(f"        {w} = str(element).strip()  # {r.pick(VERBS)} before comparing")
            out.append(f"        if not {w}:")
            out.append("            continue")
            out.append(f"        result.append({w}.lower() if position % 2 else {w})")
        out.append(f"    if {c}:")
        out.append("        result.reverse()")
        out.append("    return result")
        return out

    def small_class(self):
        r = self
        name = r.pick(PREFIXES[1:]) + r.pick(["Cache", "Registry", "Builder", "Client", "Buffer", "Tracker", "Formatter"])
        out = [f"class {name}:", f'    """Keeps {plural(r.pick(WORDS))} in memory for the current process."""', ""]
        out.append("    def __init__(self, capacity: int = 128):")
        out.append("        self.capacity = capacity")
        out.append("        self._entries: Dict[str, Any] = {}")
        out.append("        self._hits = 0")
        out.append("        self._misses = 0")
        # Method names that look like write methods but touch no session.
        for verb in r.rng.sample(["get", "update", "create", "remove", "clear", "stats", "set", "add"], r.rng.randint(2, 5)):
            w = r.pick(WORDS)
            out += ["", f"    def {verb}_{w}(self, key: str, value: Any = None, refresh: bool = False) -> Any:"]
            out.append("        if key in self._entries and not refresh:")
            out.append("            self._hits += 1")
            out.append("            return self._entries[key]")
            out.append("        self._misses += 1")
            out.append("        if len(self._entries) >= self.capacity:")
            out.append("            self._entries.pop(next(iter(self._entries)))")
            out.append("        self._entries[key] = value")
            out.append("        return value")
        out += ["", "    @property", "    def hit_ratio(self) -> float:"]
        out.append("        total = self._hits + self._misses")
        out.append("        return self._hits / total if total else 0.0")
        return out

    def dataclass_block(self):
        r = self
        name = r.pick(PREFIXES[1:]) + r.pick(NOUNS) + "Data"
        out = ["@dataclass", f"class {name}:"]
        for w in r.rng.sample(WORDS, r.rng.randint(3, 10)):
            out.append(f"    {w}: {r.pick(['int', 'str', 'float', 'Optional[str]', 'List[int]'])} = "
                       + r.pick(["0", '""', "0.0", "None", "field(default_factory=list)"]))
        out += ["", "    def to_dict(self) -> Dict[str, Any]:", "        return dict(self.__dict__)"]
        return out

    def enum_block(self):
        r = self
        name = r.pick(NOUNS) + r.pick(["Status", "Kind", "Level", "Mode"])
        out = [f"class {name}(str, Enum):"]
        for w in r.rng.sample(WORDS, r.rng.randint(3, 8)):
            out.append(f'    {w.upper()} = "{w}"')
        return out

    def schema_block(self):
        r = self
        entity = r.pick(PREFIXES[1:]) + r.pick(NOUNS)
        out = []
        for suffix in ("Create", "Update", "Response"):
            out += [f"class {entity}{suffix}(dict):", f'    """The {suffix.lower()} payload of a {entity}."""', ""]
            out.append("    fields = (")
            for w in r.rng.sample(WORDS, r.rng.randint(2, 7)):
                out.append(f'        "{w}",')
            out.append("    )")
            out.append("")
        return out

    def test_block(self):
        r = self
        verb, noun = r.pick(VERBS), r.pick(WORDS)
        out = ["@pytest.mark.parametrize(", '    "given, expected",', "    ["]
        for i in range(r.rng.randint(2, 6)):
            out.append(f'        ("{noun}{i}", "{noun.upper()}{i}"),')
        out += ["    ],", ")", f"def test_{verb}_{noun}(given, expected):"]
        out.append("    assert given.upper() == expected")
        out += ["", "", f"def test_{verb}_{noun}_empty(tmp_path):"]
        out.append(f'    target = tmp_path / "{noun}.json"')
        out.append('    target.write_text("[]")')
        out.append("    assert json.loads(target.read_text()) == []" if r.chance(0.5) else "    assert target.exists()")
        return out

    def cli_block(self):
        r = self
        out = ["def create_parser():", "    import argparse", "", "    parser = argparse.ArgumentParser()"]
        for w in r.rng.sample(WORDS, r.rng.randint(2, 6)):
            out.append(f'    parser.add_argument("--{w}", default=None, help="the {w} to use")')
        out += ["    return parser", "", "", "def main(argv=None):", "    args = create_parser().parse_args(argv)"]
        out += ["    print(vars(args))", "    return 0"]
        return out

    def table_block(self):
        r = self
        out = [f"{r.pick(WORDS).upper()}_{r.pick(WORDS).upper()} = {{"]
        for _ in range(r.rng.randint(10, 60)):
            out.append(f'    "{r.pick(WORDS)}_{r.rng.randint(0, 9999)}": ({r.rng.randint(0, 999)}, "{r.pick(VERBS)}"),')
        out.append("}")
        return out


CORE_MIXIN = '''"""The audit mixin and context shared by every model and service."""
from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from sqlalchemy import Boolean, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column


class AuditMixin:
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    created_by_email: Mapped[Optional[str]] = mapped_column(String(255))
    created_by_name: Mapped[Optional[str]] = mapped_column(String(255))
    updated_by_email: Mapped[Optional[str]] = mapped_column(String(255))
    updated_by_name: Mapped[Optional[str]] = mapped_column(String(255))
    deleted_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    deleted_by_email: Mapped[Optional[str]] = mapped_column(String(255))
    deleted_by_name: Mapped[Optional[str]] = mapped_column(String(255))
    is_deleted: Mapped[bool] = mapped_column(Boolean, default=False)

    def set_created_by(self, email, name):
        self.created_by_email = email
        self.created_by_name = name

    def set_updated_by(self, email, name):
        self.updated_by_email = email
        self.updated_by_name = name

    def set_deleted_by(self, email, name):
        self.deleted_by_email = email
        self.deleted_by_name = name


@dataclass
class AuditContext:
    user_email: str
    user_name: str

    @classmethod
    def from_user(cls, user):
        return cls(user.email, getattr(user, "name", user.email))

    @classmethod
    def system(cls):
        return cls("system@localhost", "system")
'''

CORE_DATABASE = '''"""Engine, session and the declarative base."""
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


async def get_db():
    yield None
'''

AUTH = '''"""Who is calling."""


async def get_current_user():
    return None
'''


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        f.write(text)


def generate(out, files, seed, min_bytes=0):
    """Write `files` files below OUT/gen, or more while they are short of
    `min_bytes` bytes; returns (files, bytes)."""
    g = Gen(seed)
    written = 0

    def put(path, text):
        nonlocal written
        write(path, text)
        written += len(text.encode("utf-8"))

    app = out / "gen" / "app"
    put(app / "__init__.py", "")
    put(app / "features" / "core" / "audit_mixin.py", CORE_MIXIN)
    put(app / "features" / "core" / "database.py", CORE_DATABASE)
    put(app / "features" / "auth" / "dependencies.py", AUTH)
    made = 4
    # A package is a feature folder: models, services, routes and a batch of
    # ordinary modules; its share of service files is 10-20%.
    pkg = 0
    while made < files or written < min_bytes:
        pkg += 1
        domain = g.pick(DOMAINS)
        base = app / "features" / domain / f"area_{pkg:04d}"
        module_base = f"app.features.{domain}.area_{pkg:04d}"
        size = g.rng.randint(20, 60)
        if written >= min_bytes:
            size = min(files - made, size)
        if size < 10:
            for i in range(size):
                put(base / f"misc_{i:03d}.py", g.ordinary_module("utils"))
            made += size
            continue
        services = max(1, round(size * g.rng.uniform(0.10, 0.20)))
        models = max(1, round(size * 0.05))
        entities = [g.entity() for _ in range(services)]
        per_model = math.ceil(len(entities) / models)
        model_modules = []
        for i in range(models):
            chunk = entities[i * per_model:(i + 1) * per_model]
            put(base / f"models_{i}.py", g.model_file(chunk, mixin=g.chance(0.8)))
            model_modules += [f"{module_base}.models_{i}"] * len(chunk)
        routed = []
        for entity, module in zip(entities, model_modules):
            name = snake(entity)
            text, methods, is_class = g.service_file(entity, module, compliant_share=0.15)
            put(base / "services" / f"{name}_service.py", text)
            if is_class:
                routed.append((entity, f"{module_base}.services.{name}_service", methods))
        routed = routed[:4]
        put(base / "routes.py", g.route_file(*map(list, zip(*routed))) if routed else '"""No routes yet."""\n')
        for i in range(size - services - models - 1):
            kind = g.pick(["utils"] * 4 + ["classes"] * 3 + ["models"] * 2 + ["tests"] * 3 + ["cli", "data"])
            folder = {"tests": "tests", "cli": "scripts"}.get(kind, g.pick(["utils", "lib", "core", "helpers"]))
            put(base / folder / f"{kind}_{i:03d}.py", g.ordinary_module(kind))
        made += size
    return made, written


# The trees the service-dense corpus is made of, relative to the repository,
# and the folder each is copied to: the fixtures are service idioms, so their
# copies go under a name the tool does not read as tests (a module below a
# `fixtures` folder is a test module, and the per-file rules skip it).
DENSE_SOURCES = {
    "examples/audit_app": "audit_app",
    "examples/audit_app_sa2": "audit_app_sa2",
    "tests/fixtures": "idioms",
}


def vary(text, copy):
    """Copy number `copy` of a source text: the variations that still compile
    applied (the text as it is when none does)."""
    variants = []
    if copy % 5 == 1:
        variants.append(lambda t: t.replace("datetime.now()", "datetime.now(timezone.utc)"))
    elif copy % 5 == 2:
        variants.append(lambda t: t.replace("= datetime.now()", "= func.now()"))
    if copy % 7 == 3:
        variants.append(lambda t: re.sub(r"\(Base, AuditMixin\)", "(Base)", t))
    if "\t" not in text:
        if copy % 3 == 1:
            variants.append(lambda t: reindent(t, "\t"))
        elif copy % 3 == 2:
            variants.append(lambda t: reindent(t, "  "))
    varied = text
    for variant in variants:
        candidate = variant(varied)
        try:
            compile(candidate, "<corpus>", "exec", dont_inherit=True)
        except (SyntaxError, ValueError):
            continue
        varied = candidate
    if copy % 4 == 3:
        varied = varied.replace("\r\n", "\n").replace("\n", "\r\n")
    return varied


def generate_dense(out, files, repo):
    """Write `files` files below OUT/dense: copies of DENSE_SOURCES, varied
    per copy (see `vary`); returns (files, bytes)."""
    sources = []
    for tree, folder in DENSE_SOURCES.items():
        root = repo / tree
        for path in sorted(root.rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            raw = path.read_bytes()
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                continue
            sources.append((Path(folder) / path.relative_to(root), text))
    if not sources:
        raise SystemExit(f"no .py files under {', '.join(DENSE_SOURCES)} of {repo}")
    made = written = 0
    copy = 0
    while made < files:
        copy += 1
        for rel, text in sources:
            if made >= files:
                break
            varied = vary(text, copy)
            write(out / "dense" / f"copy_{copy:04d}" / rel, varied)
            made += 1
            written += len(varied.encode("utf-8"))
    return made, written


def sanitize(name):
    name = name.lstrip(".").replace("-", "_")
    return name or "tree"


def copy_tree(src, out):
    """Copy the `.py` files under `src` to OUT/real/<name>; returns (name, files, bytes).

    Two trees of the same name (two site-packages) go to <name>, <name>_2...
    """
    src = Path(src).resolve()
    name = sanitize(src.name)
    n = 1
    while (out / "real" / name).exists():
        n += 1
        name = f"{sanitize(src.name)}_{n}"
    dest = out / "real" / name
    files = size = 0
    for root, dirs, names in os.walk(src):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        rel = Path(root).relative_to(src)
        # Folders the walker skips by default (hidden ones, site-packages) are
        # renamed, so the copy is walked.
        rel = Path(*[sanitize(p) if p.startswith(".") or p == "site-packages" else p for p in rel.parts])
        for fname in sorted(names):
            if not fname.endswith(".py"):
                continue
            path = Path(root) / fname
            if path.is_symlink() or not path.is_file():
                continue
            target = dest / rel / fname
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            files += 1
            size += target.stat().st_size
    return name, files, size


def replicate(out, names, short):
    """Copy the copied trees OUT/real/<name> again, as OUT/real/<name>-2, then
    -3..., tree after tree and file after file in sorted order, until `short`
    bytes are added (the last copy may stop partway); returns (files, bytes).

    Sanitized names have no "-", so these names are free."""
    trees = []
    for name in names:
        root = out / "real" / name
        listing = sorted(
            (path.relative_to(root), path.stat().st_size)
            for path in root.rglob("*.py") if path.is_file()
        )
        if listing:
            trees.append((name, listing))
    files = size = 0
    copy = 1
    while trees and size < short:
        copy += 1
        for name, listing in trees:
            for rel, length in listing:
                if size >= short:
                    break
                target = out / "real" / f"{name}-{copy}" / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(out / "real" / name / rel, target)
                files += 1
                size += length
    return files, size


def py_files(out):
    """Count and total size of the `.py` files under `out`."""
    total_files = total_bytes = 0
    for root, _, names in os.walk(out):
        for name in names:
            if name.endswith(".py"):
                total_files += 1
                total_bytes += os.path.getsize(os.path.join(root, name))
    return total_files, total_bytes


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="the folder to write the corpus into (created)")
    parser.add_argument("--files", type=int, default=1000, help="generated files (default 1000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--copy", action="append", default=[], metavar="DIR", help="add the .py files of DIR")
    parser.add_argument("--target-mb", type=float, default=0, metavar="N",
                        help="make the corpus about N MB (10^6 bytes): copies of the --copy trees "
                             "or, without --copy, more generated files")
    parser.add_argument("--dense", action="store_true",
                        help="generate service-dense files: varied copies of the example apps and fixtures")
    args = parser.parse_args(argv)
    for tree in args.copy:
        if not Path(tree).is_dir():
            parser.error(f"--copy {tree}: not a folder")
    if args.out.exists() and any(args.out.iterdir()):
        parser.error(f"{args.out} exists and is not empty")
    args.out.mkdir(parents=True, exist_ok=True)
    target = int(args.target_mb * 1e6)
    if args.dense:
        repo = Path(__file__).resolve().parent.parent
        files, size = generate_dense(args.out, args.files, repo)
        print(f"copied and varied {files} service-dense files ({size / 1e6:.1f} MB)", file=sys.stderr)
    elif args.files > 0 or (target and not args.copy):
        # Without real trees, the generated part grows to the target.
        files, size = generate(args.out, args.files, args.seed, min_bytes=0 if args.copy else target)
        print(f"generated {files} files ({size / 1e6:.1f} MB)", file=sys.stderr)
    names = []
    for tree in args.copy:
        name, files, size = copy_tree(tree, args.out)
        names.append(name)
        print(f"copied {files} files ({size / 1e6:.1f} MB) from {tree}", file=sys.stderr)
    if target and args.copy:
        _, total = py_files(args.out)
        if total < target:
            files, size = replicate(args.out, names, target - total)
            print(f"replicated {files} files ({size / 1e6:.1f} MB) of the copied trees", file=sys.stderr)
            if total + size < target:
                print("warning: the copied trees have no .py files; the corpus is short of the target",
                      file=sys.stderr)
    total_files, total_bytes = py_files(args.out)
    print(f"{args.out}: {total_files} files, {total_bytes / 1e6:.1f} MB", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
