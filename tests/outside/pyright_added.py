"""pyright (an independent type checker) on what `auditfix fix --apply` wrote. Usage:
    python pyright_added.py FIXED_GIT_WORKTREE [LABEL]
run with the interpreter of the venv that holds pyright and the tree's dependencies (its `bin/pyright`,
or $PYRIGHT, is used, with that interpreter as `--pythonpath`). pyright checks the files the fix changed;
only errors on lines the fix added count (attribute access, undefined or possibly unbound names, calls,
optional member access, argument types), less the "is not assignable to" noise of Column / Mapped /
InstrumentedAttribute. An error the committed text already had on the same line text (a line the fix only
re-indented) is not counted. Prints each, then one figure line; exit 1 if any."""
import collections
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from difflines import added_lines, git  # noqa: E402

RULES = {"reportAttributeAccessIssue", "reportUndefinedVariable", "reportPossiblyUnbound", "reportCallIssue",
         "reportOptionalMemberAccess", "reportArgumentType", "reportUnboundVariable", "reportPossiblyUnboundVariable"}
NOISE = ("Column[", "InstrumentedAttribute", "Mapped[")


def pyright_errors(root, files):
    """[(rel, line, rule, message)] of the counted kinds for `files` of `root`."""
    exe = os.environ.get("PYRIGHT") or str(pathlib.Path(sys.executable).parent / "pyright")
    if not os.path.exists(exe):
        exe = shutil.which("pyright") or exe
    run = subprocess.run([exe, "--pythonpath", sys.executable, "--outputjson", *files], cwd=root,
                         capture_output=True, text=True)
    try:
        diags = json.loads(run.stdout)["generalDiagnostics"]
    except Exception:
        print(f"pyright gave no JSON (exit {run.returncode}): {run.stdout[:300]} {run.stderr[:300]}")
        sys.exit(2)
    out = []
    for d in diags:
        if d.get("severity") != "error" or d.get("rule") not in RULES:
            continue
        msg = d["message"]
        if "is not assignable to" in msg and any(n in msg for n in NOISE):
            continue
        rel = pathlib.Path(d["file"]).resolve().relative_to(pathlib.Path(root).resolve()).as_posix()
        out.append((rel, d["range"]["start"]["line"] + 1, d["rule"], msg.splitlines()[0]))
    return out


def line_text(root, rel, line):
    try:
        return (pathlib.Path(root) / rel).read_text(errors="replace").splitlines()[line - 1].strip()
    except (OSError, IndexError):
        return ""


def main():
    root = pathlib.Path(sys.argv[1]).resolve()
    label = sys.argv[2] if len(sys.argv) > 2 else str(root)
    added = {rel: lines for rel, lines in added_lines(root).items() if (root / rel).exists()}
    if not added:
        print(f"pyright_added.py on {label}: 0 errors on added lines (no file changed)")
        return
    files = sorted(added)
    new = [e for e in pyright_errors(root, files) if e[1] in added.get(e[0], ())]
    preexisting = 0
    if new:
        # the committed tree, for errors the fix only moved
        with tempfile.TemporaryDirectory() as base:
            archive = git(root, "archive", "HEAD").stdout
            subprocess.run(["tar", "-x", "-C", base], input=archive, check=True)
            present = [f for f in files if (pathlib.Path(base) / f).exists()]
            old = collections.Counter()
            if present:
                for rel, line, rule, msg in pyright_errors(base, present):
                    old[(rel, rule, msg, line_text(base, rel, line))] += 1
        kept = []
        for e in new:
            key = (e[0], e[2], e[3], line_text(root, e[0], e[1]))
            if old[key] > 0:
                old[key] -= 1
                preexisting += 1
            else:
                kept.append(e)
        new = kept
    for rel, line, rule, msg in sorted(new):
        print(f"{rel}:{line}: {rule}: {msg[:160]}")
    print(f"pyright_added.py on {label}: {len(new)} errors on added lines ({len(files)} files changed, "
          f"{preexisting} pre-existing ignored)")
    sys.exit(1 if new else 0)


if __name__ == "__main__":
    main()
