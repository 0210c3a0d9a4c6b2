#!/usr/bin/env bash
# Try a build on real code nobody wrote for this project: clone each repository fresh,
# run `fix --apply --unsafe` over it, and count what the fix broke with the outside checks.
#
#   scripts/try-real.sh BIN OUT_DIR REPO...
#
# REPO is anything `git clone` accepts (a local bare mirror, a URL). Each is cloned into
# OUT_DIR/<name> (an existing one is replaced). Environment:
#   HARM_DIR  folder with harm.py and pyright_new.py (default: ../shared/tools next to the repository)
#   PYRIGHT   a pyright executable; when set, pyright_new.py also runs (PYTHON: the interpreter it
#             resolves imports with, default python3)
#   CHECK=1   also run `check --format json` before the fix and count findings per rule
# Prints one figure line per repository; a repository that fails does not stop the others.
set -u

if [ $# -lt 3 ]; then
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi
bin=$(realpath "$1"); out=$2; shift 2
here=$(cd "$(dirname "$0")/.." && pwd)
harm_dir=${HARM_DIR:-$here/../shared/tools}
python=${PYTHON:-python3}
mkdir -p "$out"; out=$(realpath "$out")
[ -x "$bin" ] || { echo "not an executable: $bin" >&2; exit 2; }
[ -f "$harm_dir/harm.py" ] || { echo "no harm.py in $harm_dir (set HARM_DIR)" >&2; exit 2; }

summary=()
for repo in "$@"; do
    # name: the mirror folder (owner+name) or the last path component, minus .git / repo
    name=$(basename "${repo%/}" .git)
    [ "$name" = repo ] && name=$(basename "$(dirname "${repo%/}")")
    name=${name#*+}
    tree=$out/$name
    log=$out/$name.log
    rm -rf "$tree"
    # a mirror may lack some large blobs: check out every file it has, mark the rest skip-worktree
    if ! git clone -q --no-checkout "$repo" "$tree" 2>"$log" || ! git -C "$tree" reset -q 2>>"$log"; then
        summary+=("$name: clone failed (see $log)")
        continue
    fi
    git -C "$tree" ls-files -s | awk '{print $2}' | git -C "$tree" cat-file --batch-check 2>>"$log" \
        | awk '$2 == "missing" {print $1}' >"$out/$name.missing"
    if [ -s "$out/$name.missing" ]; then
        git -C "$tree" ls-files -s | awk 'NR == FNR {m[$1]; next} ($2 in m) {sub(/^[^\t]*\t/, ""); print}' \
            "$out/$name.missing" - | git -C "$tree" update-index --skip-worktree --stdin 2>>"$log"
    fi
    if ! git -C "$tree" checkout -q -- . 2>>"$log"; then
        summary+=("$name: checkout failed (see $log)")
        continue
    fi
    if [ "${CHECK:-0}" = 1 ]; then
        (cd "$tree" && "$bin" check --format json --exit-zero . >"$out/$name.check.json" 2>>"$log")
        "$python" - "$out/$name.check.json" >"$out/$name.rules" <<'EOF' 2>>"$log"
import collections, json, sys
d = json.load(open(sys.argv[1]))
c = collections.Counter(f.get("code") or f.get("rule") for f in d.get("findings", []))
print(" ".join(f"{k}={v}" for k, v in sorted(c.items())) or "no findings")
EOF
    fi
    start=$(date +%s%N)
    (cd "$tree" && "$bin" fix --apply --unsafe --allow-dirty . >"$out/$name.fix.out" 2>"$out/$name.fix.err")
    rc=$?
    ms=$(( ($(date +%s%N) - start) / 1000000 )); secs=$((ms / 1000)).$(printf %03d $((ms % 1000)))
    line=$(cat "$out/$name.fix.out" "$out/$name.fix.err" | grep -E "^(Fixed|No |Nothing)" | tail -1)
    changed=$(git -C "$tree" diff --name-only | wc -l)
    git -C "$tree" diff >"$out/$name.diff"
    "$python" "$harm_dir/harm.py" "$tree" "$name" >"$out/$name.harm" 2>>"$log"
    figures=$(grep '^harm on' "$out/$name.harm" | tail -1)
    [ -n "$figures" ] || figures="harm.py failed (see $log)"
    extra=""
    if [ -n "${PYRIGHT:-}" ]; then
        "$python" "$harm_dir/pyright_new.py" "$PYRIGHT" "$python" "$tree" "$name" >"$out/$name.pyright" 2>>"$log"
        extra=" | $(tail -1 "$out/$name.pyright")"
    fi
    [ -f "$out/$name.rules" ] && extra="$extra | rules: $(cat "$out/$name.rules")"
    summary+=("$name: fix exit $rc in ${secs}s, $changed files changed, \"$line\" | $figures$extra")
    echo "${summary[-1]}"
done
echo
echo "== summary ($(basename "$bin")) =="
printf '%s\n' "${summary[@]}"
