//! `auditfix fix --interactive`: per-hunk approval, like `git add -p`.
//!
//! A **hunk** is the fixes of one write method (the findings that share a
//! `Diagnostic::function`); a finding outside any write method is a hunk of
//! its own. It is shown as the unified diff of applying exactly its fixes to
//! the file as read, with real 1-based line numbers; it may have several
//! `@@` sections (the import at the top and the method's body) under one
//! prompt. `s` splits a hunk into one hunk per fix (findings whose fixes are
//! equal stay together). Fixes are self-contained, so any subset applies:
//! accepting a fix brings its import with it, and an import shared by two
//! accepted fixes is added once.
//!
//! Only first-pass fixes are offered (those computed on the file as read,
//! safe ones, plus unsafe ones with `--unsafe`); a fix that appears only
//! once others are applied is offered by the next run, and the summary says
//! when there are such fixes.
//!
//! Every answer that accepts something is checked at once: the accepted
//! hunks of the file must apply together and the result must parse, or the
//! answer is refused with the reason. A file is written atomically when its
//! last hunk is decided (or at `q` / end of input, with what was accepted),
//! and only if it did not change on disk since it was read. Ctrl-C aborts:
//! files finished before stay written, the current file is not written, the
//! terminal is restored, and the exit status is 130.
//!
//! - [`hunk`]: building hunks from findings, and the text a set of them gives;
//! - [`review`]: the decisions on one file's hunks (`y n a d j J k K s u`), no I/O;
//! - [`patch`]: `e`, a hunk edited by hand, and merging it with the others;
//! - [`answers`]: single keys on a terminal, lines from a pipe;
//! - [`session`]: the prompt loop, writing files, the summary.

pub mod answers;
pub mod hunk;
pub mod patch;
pub mod review;
pub mod session;
