"""The lines a fix added to a git work tree, read from `git diff` against its committed base.

Shared by stamps.py and pyright_added.py; uses git and Python's standard library only, none of
auditfix's own code."""
import pathlib
import re
import subprocess


def git(root, *args, check=True):
    out = subprocess.run(["git", "-C", str(root), *args], capture_output=True)
    if check and out.returncode != 0:
        raise SystemExit(f"git {' '.join(args)} failed in {root}: {out.stderr.decode(errors='replace')}")
    return out


def added_lines(root):
    """{relative path: set of 1-based line numbers added} for every changed or new `.py` file."""
    root = pathlib.Path(root)
    diff = git(root, "diff", "HEAD", "-U0", "--no-color", "--no-ext-diff", "--", "*.py").stdout.decode(
        "utf-8", errors="replace"
    )
    added, path = {}, None
    for line in diff.splitlines():
        if line.startswith("+++ "):
            path = line[6:] if line.startswith("+++ b/") else None
            if path is not None:
                added.setdefault(path, set())
        elif line.startswith("@@") and path is not None:
            m = re.match(r"@@ -\S+ \+(\d+)(?:,(\d+))?", line)
            start, count = int(m.group(1)), int(m.group(2) if m.group(2) is not None else 1)
            added[path].update(range(start, start + count))
    # files the fix created: every line is added
    others = git(root, "ls-files", "--others", "--exclude-standard", "--", "*.py").stdout.decode()
    for rel in others.splitlines():
        text = (root / rel).read_bytes()
        added[rel] = set(range(1, text.count(b"\n") + 2))
    return added


def base_text(root, rel):
    """The committed bytes of `rel`, or None for a file the fix created."""
    out = git(root, "show", f"HEAD:{rel}", check=False)
    return out.stdout if out.returncode == 0 else None
