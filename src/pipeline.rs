//! The per-file pipeline: parse, check, apply fixes, re-parse, repeat until
//! stable; a pass that introduces a syntax error is reverted.
