//! Fuzz target: the edit engine alone. Random edit sets (overlapping or
//! not, in or out of bounds, splitting characters or not) against random
//! text, checked against a plain reference implementation: `apply_edits`
//! applies all or rejects, never half; `apply_fixes` applies each fix
//! wholly or skips it wholly.
#![no_main]

use auditfix_fuzz::engine::{run_engine, EngineCase};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|case: EngineCase| {
    run_engine(&case);
});
