#!/usr/bin/env bash
# Packaging test: auditfix installs and runs the way a Python team gets it.
#
#  1. build the release wheel as it is published: maturin (from PyPI) with
#     zig (the `ziglang` package from PyPI) as the linker, for manylinux2014
#     (glibc 2.17), so that a package index accepts it and any Linux of the
#     last decade runs it; the wheel's tags must be manylinux ones, never
#     the plain `linux_x86_64` a local build gets;
#  2. install it into a fresh virtualenv with no Rust toolchain on the PATH
#     (cargo, rustc and rustup taken off it) and run `auditfix --version`
#     and `auditfix check` on a copy of the example app (exit 1, findings);
#  3. pre-commit hooks installed from that wheel (a `repo: local` hook with
#     the wheel in `additional_dependencies`, as the README shows), still
#     without cargo: a non-compliant service file is blocked, a compliant
#     one passes, an excluded one is left alone (`--force-exclude`);
#  4. the hooks of .pre-commit-hooks.yaml, which build from source, on a
#     throwaway git repository: `pre-commit try-repo` blocks a non-compliant
#     service file and passes a compliant one; a real `git commit` through
#     the installed hook is refused for the first and accepted for the
#     second; and `auditfix-fix` rewrites the staged non-compliant file and
#     fails, so that the change is reviewed before committing again.
#
# It needs python3 (3.8 or newer, with venv), git and cargo, and reaches only
# PyPI (maturin, ziglang, pre-commit) and crates.io (cargo). The hooks are
# tested as the working tree has them: a temporary clone gets the
# uncommitted changes in one commit, since pre-commit installs hooks from a
# commit.
#
# Cargo's build directory is kept in target/packaging (override with
# CARGO_TARGET_DIR): the wheel and pre-commit's own build share it, and a
# second run rebuilds little. Set PYTHON to test another interpreter.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target/packaging}"
# pre-commit keeps its environments here; a fresh one per run.
WORK="$(mktemp -d "${TMPDIR:-/tmp}/auditfix-packaging.XXXXXX")"
export PRE_COMMIT_HOME="$WORK/pre-commit-home"
export PIP_DISABLE_PIP_VERSION_CHECK=1
trap 'rm -rf "$WORK"' EXIT

START=$SECONDS
step() { printf '\n==> [%4ss] %s\n' "$((SECONDS - START))" "$*"; }
fail() { printf '\nFAILED: %s\n' "$*" >&2; exit 1; }
# Run a command that must exit with status $1; show its output on a mismatch.
expect_status() {
    local want=$1; shift
    local got=0
    "$@" >"$WORK/out.log" 2>&1 || got=$?
    if [ "$got" -ne "$want" ]; then
        cat "$WORK/out.log" >&2
        fail "expected exit $want, got $got: $*"
    fi
}

step "tools: $("$PYTHON" --version 2>&1), $(git --version), $(cargo --version)"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 8))' || fail "$PYTHON is older than 3.8"
VERSION="$(cargo metadata --manifest-path "$ROOT/Cargo.toml" --no-deps --format-version 1 |
    "$PYTHON" -c 'import json, sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "auditfix"))')"
echo "auditfix version in Cargo.toml: $VERSION"
echo "scratch directory: $WORK; cargo build directory: $CARGO_TARGET_DIR"

step "build the wheel: maturin --zig --compatibility manylinux2014 (maturin and ziglang from PyPI)"
"$PYTHON" -m venv "$WORK/build-venv"
"$WORK/build-venv/bin/python" -m pip install --quiet --upgrade pip
"$WORK/build-venv/bin/python" -m pip install --quiet "maturin>=1,<2" ziglang
# maturin finds zig as `python -m ziglang` of the first python on the PATH.
PATH="$WORK/build-venv/bin:$PATH" "$WORK/build-venv/bin/maturin" build --release --locked \
    --zig --compatibility manylinux2014 --manifest-path "$ROOT/Cargo.toml" --out "$WORK/wheels"
WHEEL="$(ls "$WORK"/wheels/auditfix-"$VERSION"-*.whl 2>/dev/null | head -n 1)"
[ -n "$WHEEL" ] || fail "no auditfix-$VERSION wheel in $WORK/wheels: $(ls "$WORK/wheels")"
echo "built $(basename "$WHEEL") ($(du -h "$WHEEL" | cut -f1))"

step "the wheel is tagged manylinux (an index refuses linux_x86_64)"
TAGS="$("$PYTHON" - "$WHEEL" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as wheel:
    name = next(n for n in wheel.namelist() if n.endswith(".dist-info/WHEEL"))
    print(" ".join(l.split(":", 1)[1].strip() for l in wheel.read(name).decode().splitlines() if l.startswith("Tag:")))
PY
)"
echo "tags: $TAGS"
[ -n "$TAGS" ] || fail "the wheel has no Tag: line"
for tag in $TAGS; do
    case "$tag" in
        *-manylinux*) ;;
        *) fail "tag $tag is not a manylinux tag" ;;
    esac
done
case "$(basename "$WHEEL")" in
    *linux_x86_64.whl) case "$(basename "$WHEEL")" in *manylinux*) ;; *) fail "the wheel is named linux_x86_64" ;; esac ;;
esac

# A PATH without a Rust toolchain: every folder holding cargo, rustc or
# rustup is left out, so nothing below can build from source.
NO_RUST_PATH="$(printf '%s' "$PATH" | tr ':' '\n' |
    while IFS= read -r dir; do
        [ -n "$dir" ] || continue
        [ -e "$dir/cargo" ] || [ -e "$dir/rustc" ] || [ -e "$dir/rustup" ] || printf '%s:' "$dir"
    done)"
NO_RUST_PATH="${NO_RUST_PATH%:}"
without_rust() { env PATH="$NO_RUST_PATH" CARGO_HOME=/nonexistent RUSTUP_HOME=/nonexistent "$@"; }
if without_rust sh -c 'command -v cargo || command -v rustc'; then
    fail "cargo or rustc is still on the PATH: $NO_RUST_PATH"
fi
echo "PATH without a Rust toolchain: $NO_RUST_PATH"

step "install the wheel into a fresh virtualenv, without cargo on the PATH"
without_rust "$PYTHON" -m venv "$WORK/venv"
VENV_BIN="$WORK/venv/bin"
without_rust "$VENV_BIN/python" -m pip install --quiet "$WHEEL"
[ -x "$VENV_BIN/auditfix" ] || fail "the wheel installed no auditfix executable"

step "auditfix --version (without cargo)"
GOT="$(without_rust "$VENV_BIN/auditfix" --version)"
echo "$GOT"
[ "$GOT" = "auditfix $VERSION" ] || fail "expected 'auditfix $VERSION'"

step "auditfix check on a copy of examples/audit_app (expect exit 1 and findings; without cargo)"
mkdir -p "$WORK/example"
(cd "$ROOT/examples" && tar --exclude=__pycache__ --exclude=.pytest_cache --exclude='*.db' -cf - audit_app) |
    tar -xf - -C "$WORK/example"
status=0
(cd "$WORK/example" && without_rust "$VENV_BIN/auditfix" check --statistics audit_app) >"$WORK/check.log" 2>&1 || status=$?
cat "$WORK/check.log"
[ "$status" -eq 1 ] || fail "auditfix check exited $status, expected 1"
grep -q '^Found [1-9][0-9]* finding' "$WORK/check.log" || fail "auditfix check reported no findings"
grep -q 'AUD001' "$WORK/check.log" || fail "auditfix check did not report AUD001"

step "pre-commit from PyPI into the virtualenv"
without_rust "$VENV_BIN/python" -m pip install --quiet pre-commit
"$VENV_BIN/pre-commit" --version
export PATH="$VENV_BIN:$PATH"
NO_RUST_PATH="$VENV_BIN:$NO_RUST_PATH"

step "hook repository: a clone of this one with the working tree committed"
HOOKS="$WORK/auditfix-hooks"
git clone --quiet "$ROOT" "$HOOKS"
git -C "$HOOKS" rm -r --quiet --cached . >/dev/null
find "$HOOKS" -mindepth 1 -maxdepth 1 ! -name .git -exec rm -rf {} +
(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard |
    tar --null --files-from=- --ignore-failed-read -cf - 2>/dev/null) | tar -xf - -C "$HOOKS"
git -C "$HOOKS" add -A
git -C "$HOOKS" -c user.name=packaging-test -c user.email=packaging-test@example.invalid \
    commit --quiet --allow-empty -m "working tree under test"
[ -f "$HOOKS/.pre-commit-hooks.yaml" ] || fail ".pre-commit-hooks.yaml is missing"
HOOKS_REV="$(git -C "$HOOKS" rev-parse HEAD)"
echo "hooks at $HOOKS_REV"

step "throwaway project: a model, a compliant and a non-compliant service"
PROJECT="$WORK/project"
mkdir -p "$PROJECT/app/services"
cat >"$PROJECT/app/models.py" <<'PY'
"""Models of the throwaway project."""

from sqlalchemy import Column, DateTime, Integer, String
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class AuditMixin:
    created_at = Column(DateTime)
    updated_at = Column(DateTime)
    created_by_email = Column(String)
    created_by_name = Column(String)
    updated_by_email = Column(String)
    updated_by_name = Column(String)

    def set_created_by(self, email, name):
        self.created_by_email = email
        self.created_by_name = name

    def set_updated_by(self, email, name):
        self.updated_by_email = email
        self.updated_by_name = name

    def set_deleted_by(self, email, name):
        pass


class Note(Base, AuditMixin):
    __tablename__ = "notes"
    id = Column(Integer, primary_key=True)
    title = Column(String, unique=True)
PY
cat >"$PROJECT/app/services/notes_bad.py" <<'PY'
"""Notes, written without the audit trail."""

from app.models import Note


class NoteService:
    def __init__(self, db):
        self.db = db

    async def create_note(self, title):
        note = Note(title=title)
        self.db.add(note)
        await self.db.flush()
        return note
PY
cat >"$PROJECT/app/services/notes_good.py" <<'PY'
"""Notes, written the standard way."""

from datetime import datetime

from sqlalchemy.exc import IntegrityError

from app.features.core.audit_mixin import AuditContext
from app.models import Note


class NoteService:
    def __init__(self, db):
        self.db = db

    async def create_note(self, title, created_by_user=None):
        try:
            audit_ctx = AuditContext.from_user(created_by_user) if created_by_user else None
            note = Note(title=title)
            if audit_ctx:
                note.set_created_by(audit_ctx.user_email, audit_ctx.user_name)
            note.created_at = datetime.now()
            note.updated_at = datetime.now()
            self.db.add(note)
            await self.db.flush()
            return note
        except IntegrityError as e:
            await self.db.rollback()
            raise ValueError(f"Database constraint violation: {e}") from e
PY
git -C "$PROJECT" init --quiet
git -C "$PROJECT" config user.name packaging-test
git -C "$PROJECT" config user.email packaging-test@example.invalid
git -C "$PROJECT" add app/models.py
git -C "$PROJECT" commit --quiet -m "models"

step "pre-commit hooks installed from the wheel (repo: local), without cargo"
# As the README shows: the hook's environment gets the wheel, not a build.
cd "$PROJECT"
mkdir -p app/legacy
cp app/services/notes_bad.py app/legacy/old_notes.py
printf 'exclude = ["app/legacy"]\n' >auditfix.toml
cat >"$WORK/wheel-hooks.yaml" <<YAML
repos:
  - repo: local
    hooks:
      - id: auditfix-check
        name: auditfix check
        entry: auditfix check --force-exclude
        language: python
        additional_dependencies: ["$WHEEL"]
        types: [python]
        require_serial: true
YAML
expect_status 1 without_rust pre-commit run -c "$WORK/wheel-hooks.yaml" --files app/models.py app/services/notes_bad.py
cat "$WORK/out.log"
grep -q 'AUD00' "$WORK/out.log" || fail "the blocked run names no finding"
expect_status 0 without_rust pre-commit run -c "$WORK/wheel-hooks.yaml" --files app/models.py app/services/notes_good.py
grep -q 'Passed' "$WORK/out.log" || fail "the compliant run did not pass"
expect_status 0 without_rust pre-commit run -c "$WORK/wheel-hooks.yaml" --files app/legacy/old_notes.py
cat "$WORK/out.log"
rm -r app/legacy auditfix.toml

step "pre-commit try-repo auditfix-check on the non-compliant file (expect blocked; builds the hook's environment)"
cd "$PROJECT"
expect_status 1 pre-commit try-repo "$HOOKS" auditfix-check --ref "$HOOKS_REV" --verbose \
    --files app/models.py app/services/notes_bad.py
cat "$WORK/out.log"
grep -q 'AUD00' "$WORK/out.log" || fail "the blocked run names no finding"

step "pre-commit try-repo auditfix-check on the compliant file (expect passed)"
expect_status 0 pre-commit try-repo "$HOOKS" auditfix-check --ref "$HOOKS_REV" \
    --files app/models.py app/services/notes_good.py
cat "$WORK/out.log"
grep -q 'Passed' "$WORK/out.log" || fail "the compliant run did not pass"

step "git commit through the installed hook: refused for the non-compliant file, accepted for the compliant one"
# auditfix-fix is in the manual stage: it runs only when asked, below.
cat >.pre-commit-config.yaml <<YAML
repos:
  - repo: $HOOKS
    rev: $HOOKS_REV
    hooks:
      - id: auditfix-check
      - id: auditfix-fix
        stages: [manual]
YAML
git add .pre-commit-config.yaml
git commit --quiet --no-verify -m "pre-commit configuration"
pre-commit install >/dev/null
git add app/services/notes_bad.py
expect_status 1 git commit -m "a service without the audit trail"
cat "$WORK/out.log"
grep -q 'auditfix check\.*Failed' "$WORK/out.log" || fail "the commit was not refused by auditfix-check"
git reset --quiet app/services/notes_bad.py
git add app/services/notes_good.py
expect_status 0 git commit -m "a service with the audit trail"
cat "$WORK/out.log"
[ "$(git log --format=%s -1)" = "a service with the audit trail" ] || fail "the compliant commit is missing"

step "auditfix-fix on the staged non-compliant file (expect it rewritten, and the hook failed for review)"
git add app/services/notes_bad.py
expect_status 1 pre-commit run auditfix-fix --hook-stage manual --files app/models.py app/services/notes_bad.py
cat "$WORK/out.log"
grep -q 'files were modified by this hook' "$WORK/out.log" || fail "auditfix-fix modified nothing"
grep -q 'created_by_user=None' app/services/notes_bad.py || fail "auditfix-fix did not add the user parameter"
grep -q 'note.created_at = datetime.now()' app/services/notes_bad.py || fail "auditfix-fix did not add the timestamps"
git diff --stat

step "all packaging checks passed in $((SECONDS - START))s"
