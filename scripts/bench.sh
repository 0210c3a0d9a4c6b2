#!/usr/bin/env bash
# Benchmark: how fast `auditfix check` and `auditfix fix` (dry run) go over a
# large tree of Python files, next to the floor of parsing every file once
# with tree-sitter (benches/parse_floor.rs) and, when `ast-grep` is on PATH
# (pip install ast-grep-cli), an ast-grep scan with an equivalent rule
# (methods named create_*/update_*/delete_* in classes) as a yardstick.
# `check --no-prefilter` and `fix --no-prefilter` are measured too when the
# binary has that flag.
#
# The commands run in rounds, each command once per round, so that a change
# in the machine's background load falls on all of them alike: one warm-up
# round (page cache), then N measured rounds, on T threads
# (RAYON_NUM_THREADS=T, and pinned to T CPUs with taskset when there are
# that many). Prints a Markdown table: median, min and max wall time (the
# spread shows the machine's noise, as does the load average printed before
# and after), MB/s and files/s over the corpus, peak RSS (the largest of the
# runs), the ratio to the parse floor (of the medians, and the median of each
# round's ratio), the CPU time (user + system) with its ratio: on a busy
# machine the CPU time moves less than the wall time; and, when ast-grep ran,
# each round's ratio to its scan (median).
#
# Usage: scripts/bench.sh [CORPUS_DIR] [--runs N] [--threads T]
#                         [--files N] [--seed S] [--copy DIR]... [--mb N]
#                         [--dense] [--bin AUDITFIX] [--instructions]
# Without CORPUS_DIR, a corpus is made once under $TMPDIR (by
# scripts/gen_corpus.py) and reused, in a folder named after the options:
# --files generated service, model, route and ordinary files (default 6000,
# about 50 MB), plus the .py files of each --copy DIR (repeatable; real trees,
# for instance a virtualenv's site-packages). With --mb N the corpus is about
# N MB: when the generated files and the copies are short of it, the copied
# trees are copied again (real/<name>-2, -3...), or without --copy more files
# are generated. With --dense the generated files are service-dense instead
# (default 3000): the example apps and the idiom fixtures copied and varied,
# the code the tool is for, where most files are services, routes and models:
#   scripts/bench.sh --dense
#   scripts/bench.sh --dense --copy path/to/a/fastapi/app
# For example, the memory goal (peak RSS under 64 MB on a
# 250 MB corpus), with ast-grep's row (pip install ast-grep-cli):
#   scripts/bench.sh --mb 250 --copy .venv/lib/python3.11/site-packages
# MB are 10^6 bytes. --bin measures that auditfix executable instead of
# building this tree's (to compare two builds on one corpus).
#
# With --instructions, the floor and the cold check and fix also run once
# each under valgrind's callgrind (on one thread, RAYON_NUM_THREADS=1), and
# a second table gives the instructions each executed and their ratio to the
# floor's: counts that the machine's load does not move (the same binary on
# the same corpus counts the same), though they weigh a cache miss like any
# instruction. Slow: about fifty times a run.
#
# When the binary has a result cache (`--no-cache`), check and fix are
# measured cold (`--no-cache`), and also warm: over an unchanged tree,
# with one service file changed before each run (its text alternates, so
# that every run finds a change since the last), and with a copy of that
# file added under a new name before each run (and removed after it, so
# that each run also finds the last run's copy gone); the cache lives in a
# temporary folder (AUDITFIX_CACHE_DIR), and the rows that change files
# change a copy of the corpus, with caches of their own, so that the warm
# rows find their tree untouched. Exit codes 1 of check/fix (findings, changes) are
# expected; anything else is reported in the table's notes.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs=5
threads=2
files=""
seed=1
dense=""
bin=""
instructions=""
corpus=""
mb=""
copies=()
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs="$2"; shift 2 ;;
        --threads) threads="$2"; shift 2 ;;
        --files) files="$2"; shift 2 ;;
        --seed) seed="$2"; shift 2 ;;
        --copy)
            if [ ! -d "$2" ]; then echo "bench: --copy $2: not a folder" >&2; exit 2; fi
            copies+=("$(cd "$2" && pwd -P)"); shift 2 ;;
        --mb) mb="$2"; shift 2 ;;
        --dense) dense=1; shift ;;
        --instructions)
            if ! command -v valgrind >/dev/null 2>&1; then
                echo "bench: --instructions needs valgrind on PATH" >&2; exit 2
            fi
            instructions=1; shift ;;
        --bin)
            if [ ! -x "$2" ]; then echo "bench: --bin $2: not an executable" >&2; exit 2; fi
            bin="$(cd "$(dirname "$2")" && pwd -P)/$(basename "$2")"; shift 2 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        -*) echo "bench: unknown option $1" >&2; exit 2 ;;
        *) corpus="$1"; shift ;;
    esac
done

if [ -n "$corpus" ] && { [ -n "$mb" ] || [ -n "$dense" ] || [ ${#copies[@]} -gt 0 ]; }; then
    echo "bench: --copy, --mb and --dense make a corpus; they do not go with CORPUS_DIR" >&2
    exit 2
fi
if [ -n "$mb" ] && ! [[ "$mb" =~ ^[0-9]+([.][0-9]+)?$ ]]; then
    echo "bench: --mb $mb: not a number" >&2
    exit 2
fi

cd "$repo"
python="${PYTHON:-python3}"

# The executables of a cargo build, by target name, from its JSON messages.
executables() {
    "$python" -c '
import json, sys
for line in sys.stdin:
    try:
        msg = json.loads(line)
    except ValueError:
        continue
    if msg.get("reason") == "compiler-artifact" and msg.get("executable"):
        print(msg["target"]["name"], msg["executable"])
'
}

echo "bench: building (release)..." >&2
if [ -n "$bin" ]; then
    auditfix="$bin"
else
    auditfix="$(cargo build --release --message-format=json --bin auditfix | executables | awk '$1 == "auditfix" {print $2}' | tail -1)"
fi
floor="$(cargo bench --no-run --message-format=json --bench parse_floor 2>/dev/null | executables | awk '$1 == "parse_floor" {print $2}' | tail -1)"
if [ -z "$auditfix" ] || [ -z "$floor" ]; then
    echo "bench: could not find the built auditfix or parse_floor executables" >&2
    exit 2
fi

described=""
if [ -z "$corpus" ]; then
    # The folder's name tells the options apart, so that another choice of
    # size or of real trees never reuses a corpus made for the first.
    if [ -n "$dense" ]; then
        files="${files:-3000}"
        # The sources' contents name the corpus: a changed example (or a
        # changed generator) makes another.
        sources="$(cd "$repo" && git ls-files -s examples tests/fixtures scripts/gen_corpus.py 2>/dev/null \
            | "$python" -c 'import hashlib, sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest()[:10])')"
        name="auditfix-bench-dense-$files-$sources"
        gen_args=(--files "$files" --dense)
        described="service-dense: varied copies of examples/ and tests/fixtures/"
    else
        files="${files:-6000}"
        name="auditfix-bench-corpus-$files-$seed"
        gen_args=(--files "$files" --seed "$seed")
    fi
    if [ -n "$mb" ]; then
        name="$name-${mb}mb"
        gen_args+=(--target-mb "$mb")
    fi
    if [ ${#copies[@]} -gt 0 ]; then
        name="$name-real-$(printf '%s\n' "${copies[@]}" \
            | "$python" -c 'import hashlib, sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest()[:10])')"
        for dir in "${copies[@]}"; do gen_args+=(--copy "$dir"); done
        if [ "$files" = 0 ]; then
            described="copies of ${copies[*]}"
        else
            described="${described:-generated files}, copies of ${copies[*]}"
        fi
    fi
    corpus="${TMPDIR:-/tmp}/$name"
    if [ ! -d "$corpus" ]; then
        echo "bench: making the corpus $corpus..." >&2
        # Made aside and renamed once complete, so that an interrupted run
        # leaves no half corpus to be reused.
        rm -rf "$corpus.partial"
        "$python" scripts/gen_corpus.py "$corpus.partial" "${gen_args[@]}"
        mv "$corpus.partial" "$corpus"
    fi
fi
if [ ! -d "$corpus" ]; then
    echo "bench: $corpus is not a folder" >&2
    exit 2
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# The result cache of the runs that use one (never the project's own).
export AUDITFIX_CACHE_DIR="$work/cache"

# The ast-grep rule equivalent to finding the write methods' candidates.
cat > "$work/write-methods.yml" <<'YAML'
id: write-method
language: python
severity: info
message: a create/update/delete method
rule:
  kind: function_definition
  has:
    field: name
    regex: ^(create|update|delete)_
  inside:
    kind: class_definition
    stopBy: end
YAML

# Run the commands of a JSON list ({label, cmd}) in rounds: one warm-up
# round, then N measured ones; print one JSON line per command.
cat > "$work/measure.py" <<'PY'
import json, os, resource, subprocess, sys, tempfile, time

commands, runs = json.load(open(sys.argv[1])), int(sys.argv[2])
gnu_time = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


def run_once(cmd):
    """Wall time, CPU time (user + system, s), peak RSS (KB) and exit code of one run."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as out:
        if gnu_time:
            full = [gnu_time, "-f", "%M %U %S", "-o", out.name] + cmd
        else:
            # A fresh interpreter per run: its children's usage is this run's.
            probe = (
                "import resource, subprocess, sys; "
                "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
                "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
                "print(u.ru_maxrss, u.ru_utime, u.ru_stime, file=open(%r, 'w')); "
                "sys.exit(r.returncode)" % out.name
            )
            full = [sys.executable, "-c", probe] + cmd
        start = time.perf_counter()
        proc = subprocess.run(full, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        elapsed = time.perf_counter() - start
        # GNU time may print "Command exited with non-zero status" first.
        words = out.read().split()[-3:]
    try:
        rss, cpu = int(words[0]), float(words[1]) + float(words[2])
    except (IndexError, ValueError):
        rss, cpu = 0, 0.0
    return elapsed, cpu, rss, proc.returncode


def median(values):
    values = sorted(values)
    n = len(values)
    return values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2


stats = [{"times": [], "cpu": [], "rss": [], "codes": set()} for _ in commands]
for round_ in range(runs + 1):
    for command, stat in zip(commands, stats):
        print(f"bench: round {round_}/{runs}: {command['label']}", file=sys.stderr)
        elapsed, cpu, rss, code = run_once(command["cmd"])
        stat["codes"].add(code)
        if round_ > 0:  # round 0 warms up
            stat["times"].append(elapsed)
            stat["cpu"].append(cpu)
            stat["rss"].append(rss)
floor = stats[0]["times"]
for command, stat in zip(commands, stats):
    times = stat["times"]
    print(json.dumps({"label": command["label"], "median": median(times), "min": min(times), "max": max(times),
                      # The ratio to the floor's run of the same round, whose load was alike.
                      "paired": median([t / f for t, f in zip(times, floor)]),
                      "cpu": median(stat["cpu"]), "rss_kb": max(stat["rss"]), "times": times,
                      "codes": sorted(stat["codes"]), "cmd": " ".join(command["cmd"])}))
PY

pin=()
if command -v taskset >/dev/null 2>&1 && [ "$(nproc)" -ge "$threads" ]; then
    pin=(taskset -c "0-$((threads - 1))")
fi
export RAYON_NUM_THREADS="$threads"

results="$work/results.jsonl"
commands="$work/commands.jsonl"
: > "$commands"
# Queue a command (label, then argv) for the rounds.
measure() {
    "$python" -c 'import json, sys; print(json.dumps({"label": sys.argv[1], "cmd": sys.argv[2:]}))' \
        "$1" "${pin[@]}" "${@:2}" >> "$commands"
}

# What the floor walks, and what check says it checked (they should agree).
floor_line="$("${pin[@]}" "$floor" "$corpus")"
checked="$("$auditfix" check --format json --exit-zero "$corpus" 2>/dev/null \
    | "$python" -c 'import json, sys; d = json.load(sys.stdin); print(d["summary"]["files_checked"], len(d["errors"]), d["summary"]["findings"])')"

# Cold runs never read a cache; the warm ones share one in $work.
cold=()
cached=""
if "$auditfix" check --help 2>/dev/null | grep -q -- '--no-cache'; then
    cold=(--no-cache)
    cached=1
fi
measure "parse floor (tree-sitter)" "$floor" "$corpus"
measure "auditfix check" "$auditfix" check --format json "${cold[@]}" "$corpus"
if "$auditfix" check --help 2>/dev/null | grep -q -- '--no-prefilter'; then
    measure "auditfix check --no-prefilter" "$auditfix" check --format json --no-prefilter "${cold[@]}" "$corpus"
fi
measure "auditfix fix (dry run)" "$auditfix" fix --color never "${cold[@]}" "$corpus"
if "$auditfix" fix --help 2>/dev/null | grep -q -- '--no-prefilter'; then
    measure "auditfix fix --no-prefilter (dry run)" "$auditfix" fix --color never --no-prefilter "${cold[@]}" "$corpus"
fi
if [ -n "$cached" ]; then
    measure "auditfix check, warm cache" "$auditfix" check --format json "$corpus"
    measure "auditfix fix (dry run), warm cache" "$auditfix" fix --color never "$corpus"
    # The rows below change files, in a copy of the corpus with caches of
    # its own: a file put back keeps its text and modification time, but
    # not its change time, and the rows above would find it changed (a
    # cache entry of the file set is keyed on all three).
    copy="$work/changed-corpus"
    cp -a "$corpus" "$copy"
    # One service file (the first, by path, that adds rows through a
    # session) gets a new comment before each run, and is put back after
    # it.
    changed="$("$python" - "$copy" <<'PY'
import os, sys
for root, dirs, names in sorted(os.walk(sys.argv[1])):
    dirs.sort()
    for name in sorted(names):
        path = os.path.join(root, name)
        if name.endswith(".py") and b".add(" in open(path, "rb").read():
            print(path)
            sys.exit(0)
PY
)"
    if [ -n "$changed" ]; then
        cp -p "$changed" "$work/changed.orig"
        cat > "$work/one-changed.sh" <<SH
#!/bin/sh
n=\$((\$(cat "$work/runs" 2>/dev/null || echo 0) + 1))
echo \$n > "$work/runs"
printf '\\n# changed for the benchmark, run %s\\n' \$n >> "$changed"
"$auditfix" check --format json --exit-zero --cache-dir "$work/changed-cache" "$copy"
code=\$?
cp -p "$work/changed.orig" "$changed"
exit \$code
SH
        chmod +x "$work/one-changed.sh"
        measure "auditfix check, warm cache, one file changed" "$work/one-changed.sh"
        # A new file beside it before each run (a copy under a name of its
        # own), gone after it: each run finds one file added and the last
        # run's removed. Its cache is its own, so that the row above finds
        # its tree as it left it.
        added_dir="$(dirname "$changed")"
        cat > "$work/one-added.sh" <<SH
#!/bin/sh
n=\$((\$(cat "$work/added-runs" 2>/dev/null || echo 0) + 1))
echo \$n > "$work/added-runs"
cp "$work/changed.orig" "$added_dir/bench_added_\$n.py"
"$auditfix" check --format json --exit-zero --cache-dir "$work/added-cache" "$copy"
code=\$?
rm -f "$added_dir/bench_added_\$n.py"
exit \$code
SH
        chmod +x "$work/one-added.sh"
        measure "auditfix check, warm cache, a file added (the last run's removed)" "$work/one-added.sh"
    fi
fi
if command -v ast-grep >/dev/null 2>&1; then
    measure "ast-grep scan ($(ast-grep --version 2>/dev/null | head -1))" \
        ast-grep scan --rule "$work/write-methods.yml" --threads "$threads" --json=compact "$corpus"
else
    echo "bench: ast-grep not on PATH (pip install ast-grep-cli); no yardstick" >&2
fi
load_before="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
"$python" -c 'import json, sys; json.dump([json.loads(l) for l in open(sys.argv[1])], open(sys.argv[2], "w"))' \
    "$commands" "$work/commands.json"
"$python" "$work/measure.py" "$work/commands.json" "$runs" > "$results"
load_after="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"

"$python" - "$results" "$floor_line" "$checked" "$corpus" "$runs" "$threads" "${pin[*]:-}" \
    "$load_before" "$load_after" "$described" <<'PY'
import json, platform, subprocess, sys

results_path, floor_line, checked, corpus, runs, threads, pin, load_before, load_after, described = sys.argv[1:11]
floor = dict(kv.split("=") for kv in floor_line.split())
files, size = int(floor["files"]), int(floor["bytes"])
checked_files, check_errors, findings = (int(x) for x in checked.split())
rows = [json.loads(line) for line in open(results_path)]
base = rows[0]["median"]
try:
    cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
except (OSError, StopIteration):
    cpu = platform.processor() or "unknown CPU"
try:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True).stdout.strip()
    commit = (commit + (" + uncommitted changes" if dirty else "")) or "unknown"
except OSError:
    commit = "unknown"
print(f"Corpus `{corpus}`" + (f" ({described})" if described else "")
      + f": {files} files, {size / 1e6:.1f} MB; check checked {checked_files} files "
      f"({check_errors} could not be checked), {findings} findings.")
print(f"{runs} rounds after a warm-up round, {threads} threads (RAYON_NUM_THREADS={threads}"
      + (f", `{pin}`" if pin else "") + f"); {cpu}; commit {commit}; "
      f"load average {load_before} before, {load_after} after.")
print()
base_cpu = rows[0]["cpu"]
# ast-grep's scan, when it ran, is the yardstick of a second ratio.
yard = next((r for r in rows if r["label"].startswith("ast-grep")), None)


def median(values):
    values = sorted(values)
    n = len(values)
    return values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2


print("| command | median s | min s | max s | MB/s | files/s | peak RSS MB | x floor | x floor, paired | CPU s | x floor CPU |"
      + (" x ast-grep, paired |" if yard else ""))
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|" + ("---:|" if yard else ""))
for r in rows:
    m = r["median"]
    cpu_ratio = f"{r['cpu'] / base_cpu:.2f}" if base_cpu else "-"
    line = (f"| {r['label']} | {m:.3f} | {r['min']:.3f} | {r['max']:.3f} | {size / 1e6 / m:.1f} | "
            f"{files / m:.0f} | {r['rss_kb'] / 1024:.0f} | {m / base:.2f} | {r['paired']:.2f} | "
            f"{r['cpu']:.2f} | {cpu_ratio} |")
    if yard:
        line += f" {median([t / y for t, y in zip(r['times'], yard['times'])]):.2f} |"
    print(line)
print()
print("x floor: ratio of the medians; paired: median of each round's ratio to the floor's run in the same")
print("round (steadier when the load changes); CPU: median user + system time of a run."
      + (" x ast-grep, paired: the same per-round ratio, to ast-grep's scan." if yard else ""))
print()
notes = []
if checked_files + check_errors != files:
    notes.append(f"the floor walked {files} files, check reported {checked_files} checked and {check_errors} errors")
for r in rows:
    odd = [c for c in r["codes"] if c not in (0, 1)]
    if odd:
        notes.append(f"`{r['label']}` exited with {odd}")
for note in notes:
    print(f"- note: {note}")
print("Commands:")
for r in rows:
    print(f"- {r['label']}: `{r['cmd']}`")
PY

if [ -n "$instructions" ]; then
    # Instructions executed by one run on one thread (callgrind's total).
    count() {
        RAYON_NUM_THREADS=1 valgrind --tool=callgrind --callgrind-out-file=/dev/null \
            --log-file="$work/callgrind.log" "$@" >/dev/null 2>&1 || true
        sed -n 's/.*Collected : \([0-9][0-9]*\).*/\1/p' "$work/callgrind.log" | tail -1
    }
    echo "bench: counting instructions under callgrind..." >&2
    floor_ir="$(count "$floor" "$corpus")"
    check_ir="$(count "$auditfix" check --format json "${cold[@]}" "$corpus")"
    fix_ir="$(count "$auditfix" fix --color never "${cold[@]}" "$corpus")"
    "$python" - "$floor_ir" "$check_ir" "$fix_ir" <<'PY'
import sys
labels = ["parse floor (tree-sitter)", "auditfix check", "auditfix fix (dry run)"]
counts = [int(c) if c.strip() else 0 for c in sys.argv[1:4]]
print()
print("| command, one thread, under callgrind | instructions (10^9) | x floor |")
print("|---|---:|---:|")
for label, n in zip(labels, counts):
    ratio = f"{n / counts[0]:.3f}" if counts[0] and n else "-"
    print(f"| {label} | {n / 1e9:.3f} | {ratio} |" if n else f"| {label} | (not counted) | - |")
PY
fi
