#!/usr/bin/env python3
"""Benchmark `auditfix server`: the latency from a `didChange` to the
diagnostics it publishes, on a generated repository, after the first index.

The script makes a corpus with scripts/gen_corpus.py (500 files by default,
reused when the folder exists), starts the server on it over stdio, opens a
service file with findings and waits for its first diagnostics (the first
index and analysis: reported apart), then sends N changes, each waiting for
the diagnostics of that version. Every change moves the file's findings by
a line (a comment line added at the top, then taken away), so that each
change publishes new diagnostics. Prints the first-analysis time and the
median, 95th percentile, min and max of the change latencies, with the
machine's load average before and after (a busy machine shows in them).

Only the standard library: the protocol's framing is a few lines.

Incremental analyses re-check only the files an edit reaches: an edit of
a service is the common case (the default document); `--document` edits
another file, e.g. a model many services read, or the mixin every file
reads (a full re-check).

With `--create`, each change instead creates a copy of the document under
a new name beside it (then deletes it, in turns) and says so through
`workspace/didChangeWatchedFiles`, and the latency is to the answer of a
`textDocument/hover` sent right after it (the server answers a request
once the analysis the batch asked for is done): the cost of a file created
or deleted on disk (a checkout, a new module).

Usage: scripts/bench-server.py [--binary PATH] [--corpus DIR] [--files N]
                               [--changes N] [--seed S] [--document PATH]
                               [--edit line|in-line] [--create]
"""

import argparse
import json
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


class Client:
    """A minimal LSP client over a child's stdin and stdout."""

    def __init__(self, command, cwd):
        self.process = subprocess.Popen(command, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.messages = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        stream = self.process.stdout
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    self.messages.put(None)
                    return
                line = line.strip()
                if not line:
                    break
                name, _, value = line.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
            self.messages.put((time.perf_counter(), json.loads(stream.read(length))))

    def send(self, message):
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def request(self, method, params):
        self.next_id += 1
        self.send({"id": self.next_id, "method": method, "params": params})
        return self.wait(lambda m: m.get("id") == self.next_id)[1]

    def notify(self, method, params):
        self.send({"method": method, "params": params})

    def wait(self, matches, timeout=120):
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                sys.exit("bench-server: timed out waiting for the server")
            item = self.messages.get(timeout=left)
            if item is None:
                sys.exit("bench-server: the server exited")
            if matches(item[1]):
                return item


def published(uri, version):
    def matches(message):
        params = message.get("params") or {}
        return (
            message.get("method") == "textDocument/publishDiagnostics"
            and params.get("uri") == uri
            and (version is None or params.get("version") == version)
        )

    return matches


def service_with_findings(binary, corpus):
    """The service file of the corpus with the most findings."""
    out = subprocess.run([str(binary), "check", ".", "--format", "json"], cwd=corpus, capture_output=True, text=True)
    findings = json.loads(out.stdout)["findings"]
    counts = {}
    for finding in findings:
        counts[finding["path"]] = counts.get(finding["path"], 0) + 1
    if not counts:
        sys.exit("bench-server: the corpus has no finding")
    return corpus / max(sorted(counts), key=counts.get)


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", type=Path, default=REPO / "target" / "release" / "auditfix")
    parser.add_argument("--corpus", type=Path, help="the corpus folder (made when absent)")
    parser.add_argument("--files", type=int, default=500, help="files of the generated corpus (default 500)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--document",
        type=Path,
        help="the file edited, relative to the corpus (default: the file with the most findings); "
        "a model or the mixin, which many files read, shows the cost of an edit that reaches them",
    )
    parser.add_argument("--changes", type=int, default=100, help="changes measured (default 100)")
    parser.add_argument(
        "--edit",
        choices=["line", "in-line"],
        default="line",
        help="each change adds (then removes) a comment line at the top (default), or a comment at the end "
        "of the first line: then no line moves, and an edit of a model or the mixin reaches no other file",
    )
    parser.add_argument(
        "--create",
        action="store_true",
        help="each change creates (then deletes) a copy of the document beside it, on disk, and the latency is "
        "to the answer of a request sent right after the watcher's notification",
    )
    args = parser.parse_args(argv)

    if not args.binary.is_file():
        sys.exit(f"bench-server: no binary at {args.binary} (cargo build --release)")
    corpus = args.corpus or Path(tempfile.gettempdir()) / f"auditfix-server-corpus-{args.files}-{args.seed}"
    if not corpus.is_dir():
        subprocess.run(
            [sys.executable, str(REPO / "scripts" / "gen_corpus.py"), str(corpus), "--files", str(args.files),
             "--seed", str(args.seed)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    corpus = corpus.resolve()
    files = sum(1 for _ in corpus.rglob("*.py"))
    target = corpus / args.document if args.document else service_with_findings(args.binary, corpus)
    text = target.read_text(encoding="utf-8")
    first_line_units = len(text.split("\n")[0].rstrip("\r").encode("utf-16-le")) // 2
    uri = target.as_uri()

    load_before = os.getloadavg()
    client = Client([str(args.binary), "server"], cwd=corpus)
    started = time.perf_counter()
    client.request("initialize", {"processId": os.getpid(), "rootUri": corpus.as_uri(), "capabilities": {}})
    client.notify("initialized", {})
    client.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}},
    )
    first, message = client.wait(published(uri, 1))
    first_analysis = first - started
    findings = len(message["params"]["diagnostics"])

    latencies = []
    copy = target.with_name("bench_created_" + target.name)
    for n in range(args.changes if args.create else 0):
        created = n % 2 == 0
        if created:
            copy.write_text(text, encoding="utf-8")
        else:
            copy.unlink()
        sent = time.perf_counter()
        client.notify(
            "workspace/didChangeWatchedFiles",
            {"changes": [{"uri": copy.as_uri(), "type": 1 if created else 3}]},
        )
        client.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}})
        latencies.append((time.perf_counter() - sent) * 1000)
    copy.unlink(missing_ok=True)
    for n in range(0 if args.create else args.changes):
        version = n + 2
        # Odd versions are the file as it is, even ones one line longer
        # (or, with `--edit in-line`, with a comment at the end of the
        # first line: no line moves, as when typing inside a line).
        if args.edit == "in-line":
            end = {"line": 0, "character": first_line_units}
            change = (
                {"range": {"start": end, "end": end}, "text": "  # edited"}
                if version % 2 == 0
                else {
                    "range": {"start": end, "end": {"line": 0, "character": first_line_units + len("  # edited")}},
                    "text": "",
                }
            )
        else:
            top = {"line": 0, "character": 0}
            change = (
                {"range": {"start": top, "end": top}, "text": "# edited\n"}
                if version % 2 == 0
                else {"range": {"start": top, "end": {"line": 1, "character": 0}}, "text": ""}
            )
        sent = time.perf_counter()
        client.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]},
        )
        received, _ = client.wait(published(uri, version))
        latencies.append((received - sent) * 1000)

    client.request("shutdown", None)
    client.notify("exit", None)
    client.process.wait(timeout=30)
    load_after = os.getloadavg()

    print(f"corpus: {files} Python files in {corpus}")
    print(f"document: {target.relative_to(corpus)} ({findings} findings)")
    print(f"first index and analysis (initialize to first diagnostics): {first_analysis * 1000:.0f} ms")
    what = "file created or deleted -> hover answered" if args.create else "didChange -> publishDiagnostics"
    print(
        f"{what} over {len(latencies)} changes: "
        f"median {statistics.median(latencies):.1f} ms, p95 {percentile(latencies, 0.95):.1f} ms, "
        f"min {min(latencies):.1f} ms, max {max(latencies):.1f} ms"
    )
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} ({os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
