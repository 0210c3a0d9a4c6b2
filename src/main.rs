//! The `auditfix` binary: parse arguments, run the command, map errors to
//! exit codes (a closed pipe is not an error).

use auditfix::cli::{Cli, Command};
use auditfix::commands::{self, ExitStatus};
use clap::Parser;
use std::io::Write;
use std::process::ExitCode;

/// jemalloc: measured on a 250 MB tree, 6% less wall time than the system
/// allocator for a few MB more peak RSS, and a third of mimalloc's RSS.
#[cfg(all(not(target_env = "msvc"), not(target_os = "windows")))]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let mut out = stdout.lock();
    // Not locked for the run: the progress bar writes to stderr from other threads.
    let mut err = stderr;
    let result = match &cli.command {
        Command::Check(args) => commands::check::run(args, &mut out),
        Command::Fix(args) => commands::fix::run(args, &mut out, &mut err),
        Command::Report(args) => commands::report::run(args, &mut out),
        Command::Rules(args) => commands::rules::run(args, &mut out),
        Command::Completions(args) => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(args.shell, &mut command, "auditfix", &mut out);
            Ok(ExitStatus::Clean)
        }
    };
    let _ = out.flush();
    match result {
        Ok(status) => ExitCode::from(status as u8),
        Err(error) => {
            if error.chain().any(|e| {
                e.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            let _ = writeln!(err, "error: {error:#}");
            ExitCode::from(ExitStatus::Error as u8)
        }
    }
}
