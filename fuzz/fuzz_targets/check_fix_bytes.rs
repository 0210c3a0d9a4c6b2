//! Fuzz target: arbitrary bytes as a Python service file among the example
//! app's core modules. `check` and `fix` (safe, then unsafe) never panic or
//! hang, and when the input parses, every fixed output parses too.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    auditfix_fuzz::run_bytes(data);
});
