//! The `auditfix` binary: parse arguments, run the command, map errors to
//! exit codes. A closed standard output or error changes neither what is
//! written nor the exit status ([`auditfix::commands::streams`]).

use auditfix::cli::{Cli, Command};
use auditfix::commands::streams::{Diagnostics, Output};
use auditfix::commands::{self, ExitStatus};
use clap::Parser;
use std::io::Write;
use std::process::ExitCode;

/// jemalloc: measured on a 250 MB tree, 6% less wall time than the system
/// allocator for a few MB more peak RSS, and a third of mimalloc's RSS.
#[cfg(all(not(target_env = "msvc"), not(target_os = "windows")))]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options (its `malloc_conf`, a C string):
/// - pages freed are returned within a second rather than ten. A run frees
///   most of what it allocates (each file's text and tree) within a few
///   seconds; measured on a 250 MB tree, peak RSS 61 to 55 MB at the same
///   speed.
/// - one arena per CPU rather than four: rayon runs one thread per CPU, and
///   each arena keeps its own freed pages. Measured on a 250 MB tree of
///   18,284 files, peak RSS 76 to 72 MB at the same speed.
///
/// `_RJEM_MALLOC_CONF` in the environment still overrides it. Per-CPU
/// arenas need `sched_getcpu`, which jemalloc finds on Linux only
/// (elsewhere it would warn on every run).
#[cfg(target_os = "linux")]
#[export_name = "_rjem_malloc_conf"]
pub static MALLOC_CONF: &[u8; 40] = b"dirty_decay_ms:1000,percpu_arena:percpu\0";
#[cfg(all(not(target_os = "linux"), not(target_env = "msvc"), not(target_os = "windows")))]
#[export_name = "_rjem_malloc_conf"]
pub static MALLOC_CONF: &[u8; 20] = b"dirty_decay_ms:1000\0";

/// Tree-sitter allocates its trees and parse stacks with C's `malloc`:
/// route it to jemalloc too, so that memory a tree frees serves the next
/// allocation of either side (two allocators each keep their own freed
/// pages: 7 MB more peak RSS on a 250 MB tree).
fn share_the_allocator_with_tree_sitter() {
    #[cfg(all(not(target_env = "msvc"), not(target_os = "windows")))]
    // SAFETY: called first thing in `main`, once, before any tree-sitter
    // object exists; the four functions are jemalloc's, a complete set.
    unsafe {
        use tikv_jemalloc_sys as je;
        tree_sitter::set_allocator(Some(tree_sitter::Allocator {
            malloc: je::malloc,
            calloc: je::calloc,
            realloc: je::realloc,
            free: je::free,
        }));
    }
}

/// Hand the pages jemalloc keeps freed back to the system, in every arena
/// (`MALLCTL_ARENAS_ALL` is 4096): what [`auditfix::memory::release`] does.
#[cfg(all(not(target_env = "msvc"), not(target_os = "windows")))]
fn purge_freed_pages() {
    // SAFETY: `arena.<i>.purge` reads and writes no value; the name is a
    // C string.
    unsafe {
        tikv_jemalloc_sys::mallctl(
            c"arena.4096.purge".as_ptr(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            0,
        );
    }
}

fn main() -> ExitCode {
    share_the_allocator_with_tree_sitter();
    #[cfg(all(not(target_env = "msvc"), not(target_os = "windows")))]
    auditfix::memory::set_release(purge_freed_pages);
    let cli = Cli::parse();
    if let Command::Server = cli.command {
        // The protocol's own threads write to standard output.
        return match auditfix::server::run() {
            Ok(status) => ExitCode::from(status as u8),
            Err(error) => {
                eprintln!("error: {error:#}");
                ExitCode::from(ExitStatus::Error as u8)
            }
        };
    }
    let stdout = std::io::stdout();
    let mut out = Output::new(stdout.lock());
    // Not locked for the run: the progress bar writes to stderr from other threads.
    let mut err = Diagnostics::new(std::io::stderr());
    let result = match &cli.command {
        Command::Check(args) => commands::check::run(args, &mut out, &mut err),
        Command::Fix(args) => commands::fix::run(args, &mut out, &mut err),
        Command::Report(args) => commands::report::run(args, &mut out),
        Command::Rules(args) => commands::rules::run(args, &mut out),
        Command::Init(args) => commands::check::init(args, &mut out, &mut err),
        Command::Server => unreachable!("handled before standard output is locked"),
        Command::Completions(args) => {
            // Rendered into memory first: the generator panics on a write
            // error, and standard output may be a closed pipe or a full disk.
            let mut command = <Cli as clap::CommandFactory>::command();
            let mut script = Vec::new();
            clap_complete::generate(args.shell, &mut command, "auditfix", &mut script);
            out.write_all(&script)
                .map(|()| ExitStatus::Clean)
                .map_err(|e| anyhow::anyhow!("cannot write the completion script: {e}"))
        }
    };
    let _ = out.flush();
    match result {
        Ok(status) => ExitCode::from(status as u8),
        Err(error) => {
            let _ = writeln!(err, "error: {error:#}");
            ExitCode::from(ExitStatus::Error as u8)
        }
    }
}
