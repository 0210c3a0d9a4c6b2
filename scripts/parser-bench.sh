#!/usr/bin/env bash
# How fast another Python parser reads a corpus, next to the tree-sitter
# parser the analysis walks today: the measurement behind the plan to move
# the analysis onto ruff's AST (the tree-sitter tree stays for the edits).
# Builds a throwaway crate under $TMPDIR (never in this repository) with
# tree-sitter-python and ruff_python_parser (crates.io, pinned: its API
# changes with every ruff release), reads every .py file of the corpus into
# memory, then parses them all on one thread, three times per parser, and
# prints the times; with valgrind on PATH also the instructions, which a
# busy machine does not move. "ruff + walk" also visits every statement and
# expression of ruff's AST, what an analysis would do at the least.
#
# Usage: scripts/parser-bench.sh [CORPUS_DIR]
# Without CORPUS_DIR, the service-dense corpus of scripts/bench.sh --dense
# (made by it; run that first).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
corpus="${1:-$(ls -d "${TMPDIR:-/tmp}"/auditfix-bench-dense-3000-* 2>/dev/null | head -1 || true)}"
if [ -z "$corpus" ] || [ ! -d "$corpus" ]; then
    echo "parser-bench: no corpus; give a folder, or run scripts/bench.sh --dense first" >&2
    exit 2
fi
tree_sitter="$(sed -n 's/^tree-sitter = "\(.*\)"/\1/p' "$repo/Cargo.toml" | head -1)"
tree_sitter_python="$(sed -n 's/^tree-sitter-python = "\(.*\)"/\1/p' "$repo/Cargo.toml" | head -1)"
crate="${TMPDIR:-/tmp}/auditfix-parser-bench"
mkdir -p "$crate/src"
cat > "$crate/Cargo.toml" <<TOML
[package]
name = "parser-bench"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
tree-sitter = "$tree_sitter"
tree-sitter-python = "$tree_sitter_python"
# 0.0.10 is ruff 0.16.4's, the last that builds with Rust 1.95.
ruff_python_parser = "=0.0.10"
ruff_python_ast = "=0.0.10"

[profile.release]
lto = "fat"
codegen-units = 1

[workspace]
TOML
cat > "$crate/src/main.rs" <<'RS'
use ruff_python_ast::visitor::source_order::{walk_expr, walk_stmt, SourceOrderVisitor};
use std::time::Instant;

struct Count(usize);

impl<'a> SourceOrderVisitor<'a> for Count {
    fn visit_stmt(&mut self, stmt: &'a ruff_python_ast::Stmt) {
        self.0 += 1;
        walk_stmt(self, stmt);
    }
    fn visit_expr(&mut self, expr: &'a ruff_python_ast::Expr) {
        self.0 += 1;
        walk_expr(self, expr);
    }
}

fn main() {
    let mode = std::env::args().nth(1).expect("mode");
    let list = std::fs::read_to_string(std::env::args().nth(2).expect("file list")).expect("file list");
    let texts: Vec<String> = list.lines().filter_map(|p| std::fs::read_to_string(p).ok()).collect();
    let mut parser = tree_sitter::Parser::new();
    parser.set_language(&tree_sitter_python::LANGUAGE.into()).expect("grammar");
    let start = Instant::now();
    let (mut nodes, mut failed) = (0usize, 0usize);
    for text in &texts {
        match mode.as_str() {
            "tree-sitter" => {
                let tree = parser.parse(text, None).expect("tree");
                failed += usize::from(tree.root_node().has_error());
            }
            "ruff" => failed += usize::from(ruff_python_parser::parse_module(text).is_err()),
            "ruff+walk" => match ruff_python_parser::parse_module(text) {
                Ok(parsed) => {
                    let mut count = Count(0);
                    for stmt in &parsed.syntax().body {
                        count.visit_stmt(stmt);
                    }
                    nodes += count.0;
                }
                Err(_) => failed += 1,
            },
            _ => panic!("mode: tree-sitter, ruff or ruff+walk"),
        }
    }
    println!("files={} failed={failed} nodes={nodes} ms={:.1}", texts.len(), start.elapsed().as_secs_f64() * 1e3);
}
RS
echo "parser-bench: building $crate (release)..." >&2
(cd "$crate" && cargo build --release --quiet)
bin="$crate/target/release/parser-bench"
list="$crate/files.txt"
find -L "$corpus" -name '*.py' -type f | sort > "$list"
echo "Corpus \`$corpus\`: $(wc -l < "$list") files, $(xargs -d '\n' cat < "$list" | wc -c) bytes; one thread."
echo
echo "| parser | ms, three runs | instructions (10^9) |"
echo "|---|---|---:|"
for mode in tree-sitter ruff ruff+walk; do
    times=""
    for _ in 1 2 3; do
        times="$times $("$bin" "$mode" "$list" | sed -n 's/.*ms=\([0-9.]*\).*/\1/p')"
    done
    count="-"
    if command -v valgrind >/dev/null 2>&1; then
        valgrind --tool=callgrind --callgrind-out-file=/dev/null --log-file="$crate/callgrind.log" \
            "$bin" "$mode" "$list" >/dev/null 2>&1 || true
        count="$(sed -n 's/.*Collected : \([0-9][0-9]*\).*/\1/p' "$crate/callgrind.log" | tail -1)"
        count="$(awk -v n="$count" 'BEGIN { printf "%.3f", n / 1e9 }')"
    fi
    echo "| $mode |$times | $count |"
done
echo
echo "The instructions include reading the files (the same for each parser)."
