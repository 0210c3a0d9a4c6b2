//! Fuzz target, structure-aware: a real service file or rule fixture,
//! mutated (lines deleted, duplicated, swapped, re-indented, snippets
//! inserted, identifiers renamed, CRLF, BOM, no final newline). When the
//! result parses, its fix parses, is idempotent, and changes nothing outside
//! the functions with findings and the imports.
#![no_main]

use auditfix_fuzz::MutatedCase;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|case: MutatedCase| {
    auditfix_fuzz::run_mutated(&case);
});
