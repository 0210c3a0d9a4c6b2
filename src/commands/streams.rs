//! The two output streams of a run, and what a closed one means.
//!
//! What lives here: [`Output`] (standard output: the findings, the diffs,
//! the report) and [`Diagnostics`] (standard error: errors, warnings,
//! notes, the summary line), the writers `main` hands to the commands.
//! What does not: what is written (the commands and printers).
//!
//! The policy:
//! - **A closed or failing standard error is ignored.** It carries only
//!   diagnostics: losing them must not stop `fix --apply` half-way through
//!   its writes, nor change the exit status.
//! - **A closed standard output (its reader gone: a broken pipe) discards
//!   the rest of the output**, the run completes (in `fix --apply`, every
//!   write already decided is made) and exits with the status it would have
//!   had: `check | head -c 10` with findings exits 1, not 0. Any other error
//!   on standard output (a full disk behind `>`) is an error, exit 2.
//!
//! ripgrep and ruff exit 0 at the first broken pipe instead. That suits a
//! search whose reader has seen enough; a checker's exit status is its
//! verdict, and a CI step `auditfix check | head` under `set -o pipefail`
//! must not pass because the reader stopped early. The cost: a run whose
//! output nobody reads still checks every file (it does not print them).

use std::io::{self, Write};

/// Standard output: a broken pipe discards the rest (see the module doc).
pub struct Output<W: Write> {
    inner: W,
    /// The reader went away: everything from now on is discarded.
    closed: bool,
}

impl<W: Write> Output<W> {
    pub fn new(inner: W) -> Output<W> {
        Output { inner, closed: false }
    }

    /// Whether the reader went away during the run.
    pub fn closed(&self) -> bool {
        self.closed
    }

    fn absorb<T>(&mut self, result: io::Result<T>, discarded: T) -> io::Result<T> {
        match result {
            Err(err) if err.kind() == io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(discarded)
            }
            other => other,
        }
    }
}

impl<W: Write> Write for Output<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.closed {
            return Ok(buf.len());
        }
        let result = self.inner.write(buf);
        self.absorb(result, buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.closed {
            return Ok(());
        }
        let result = self.inner.flush();
        self.absorb(result, ())
    }
}

/// Standard error: never fails (see the module doc).
pub struct Diagnostics<W: Write> {
    inner: W,
    /// A write failed: the stream is given up for the rest of the run.
    failed: bool,
}

impl<W: Write> Diagnostics<W> {
    pub fn new(inner: W) -> Diagnostics<W> {
        Diagnostics { inner, failed: false }
    }
}

impl<W: Write> Write for Diagnostics<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if !self.failed && self.inner.write_all(buf).is_err() {
            self.failed = true;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.failed && self.inner.flush().is_err() {
            self.failed = true;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stream whose reader is gone after `room` bytes.
    struct Pipe {
        written: Vec<u8>,
        room: usize,
        kind: io::ErrorKind,
    }

    impl Write for Pipe {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.written.len() + buf.len() > self.room {
                return Err(io::Error::from(self.kind));
            }
            self.written.extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn pipe(room: usize, kind: io::ErrorKind) -> Pipe {
        Pipe {
            written: Vec::new(),
            room,
            kind,
        }
    }

    #[test]
    fn a_broken_pipe_on_output_discards_the_rest() {
        let mut out = Output::new(pipe(6, io::ErrorKind::BrokenPipe));
        writeln!(out, "first").unwrap();
        writeln!(out, "second").unwrap();
        writeln!(out, "x").unwrap();
        assert!(out.closed());
        assert_eq!(out.inner.written, b"first\n");
    }

    #[test]
    fn other_output_errors_are_errors() {
        let mut out = Output::new(pipe(0, io::ErrorKind::StorageFull));
        assert_eq!(writeln!(out, "x").unwrap_err().kind(), io::ErrorKind::StorageFull);
        assert!(!out.closed());
    }

    #[test]
    fn diagnostics_never_fail() {
        let mut err = Diagnostics::new(pipe(4, io::ErrorKind::BrokenPipe));
        writeln!(err, "one").unwrap();
        writeln!(err, "two").unwrap();
        err.flush().unwrap();
        assert_eq!(err.inner.written, b"one\n");
    }
}
