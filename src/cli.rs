//! The command line (clap derive): `check`, `fix`, `report`, `rules`, `server`.
//!
//! Spellings here are a contract (PRODUCT.md §2): keep them stable.

use crate::printer::Format;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "auditfix",
    version,
    about = "Audit and fix the audit trail of FastAPI + SQLAlchemy write methods"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Report every write method that breaks the audit standard.
    Check(CheckArgs),
    /// Show (default), apply, or interactively apply the fixes.
    Fix(FixArgs),
    /// Write the Markdown compliance report.
    Report(ReportArgs),
    /// List the rules, or explain one.
    Rules(RulesArgs),
    /// Print the audit convention read from the repository's code as a
    /// `[tool.auditfix]` block to commit (what `check --show-profile` prints).
    Init(InitArgs),
    /// Print a shell completion script.
    Completions(CompletionsArgs),
    /// Run the language server (LSP over standard input and output) for editors.
    Server,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The repository (or a folder of it) to read [default: .]
    pub path: Option<PathBuf>,
    /// Read this configuration file instead of the one found.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Options every command that reads Python shares.
#[derive(Debug, Args, Clone, Default)]
pub struct CommonArgs {
    /// Files or folders to check [default: .]
    pub paths: Vec<PathBuf>,
    /// Only these rules (codes, prefixes like AUD00, names, or ALL), comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub select: Option<Vec<String>>,
    /// Skip these rules, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Also these rules, on top of `select` (the file's or `--select`'s).
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub extend_select: Vec<String>,
    /// Apply `exclude` to the paths named here too (for pre-commit).
    #[arg(long)]
    pub force_exclude: bool,
    /// With `-` as the path: the path the source read from standard input
    /// stands for (its project, configuration and rules apply).
    #[arg(long, value_name = "PATH")]
    pub stdin_filename: Option<PathBuf>,
    /// Use this configuration file instead of searching for one.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Parse every file, instead of only those that byte searches say can
    /// matter (the findings are the same; syntax errors of files that
    /// cannot hold a finding are reported only with this flag).
    #[arg(long)]
    pub no_prefilter: bool,
}

/// The result cache's options (`check`, and `fix` as a dry run).
#[derive(Debug, Args, Clone, Default)]
pub struct CacheArgs {
    /// Neither read nor write the result cache (`.auditfix_cache/` at the
    /// project's root), which serves the output of a run over files that
    /// have not changed.
    #[arg(long)]
    pub no_cache: bool,
    /// Keep the result cache in DIR (also `AUDITFIX_CACHE_DIR`).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(flatten)]
    pub cache: CacheArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Write the output to FILE instead of standard output (its folder is
    /// created when missing).
    #[arg(long, short = 'o', visible_alias = "output-file", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Add `# noqa: AUDxxx` to every line with findings, so that only new
    /// code is held to the standard; prints how many were added.
    #[arg(long, conflicts_with_all = ["statistics", "output"])]
    pub add_noqa: bool,
    /// Exit 0 even when there are findings.
    #[arg(long)]
    pub exit_zero: bool,
    /// Show a count per rule instead of each finding.
    #[arg(long)]
    pub statistics: bool,
    /// Print the audit convention read from the repository's code (its
    /// mixin, setters, audit and timestamp columns, context class) as a
    /// `[tool.auditfix]` block to commit, and check nothing.
    #[arg(long, conflicts_with_all = ["statistics", "add_noqa"])]
    pub show_profile: bool,
    /// List every note, also each call that cannot be resolved (counted otherwise).
    #[arg(long, short = 'v')]
    pub verbose: bool,
    /// When to color the output.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
}

#[derive(Debug, Args)]
pub struct FixArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(flatten)]
    pub cache: CacheArgs,
    /// Write the fixes (default: only show them as a diff).
    #[arg(long, conflicts_with_all = ["interactive", "diff"])]
    pub apply: bool,
    /// Ask for each hunk, like `git add -p`.
    #[arg(long, short = 'i', conflicts_with = "diff")]
    pub interactive: bool,
    /// Show the diff and change nothing (the default).
    #[arg(long)]
    pub diff: bool,
    /// Include unsafe fixes.
    #[arg(long = "unsafe")]
    pub unsafe_fixes: bool,
    /// Write to files with uncommitted changes in a git work tree.
    #[arg(long)]
    pub allow_dirty: bool,
    /// When to color the diff.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Write the report to FILE instead of standard output (its folder is
    /// created when missing).
    #[arg(long, short = 'o', visible_alias = "output-file", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// A rule code (AUD004) or name to explain.
    pub code: Option<String>,
    /// Output format of the list.
    #[arg(long, value_enum, default_value = "text")]
    pub format: RulesFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    Text,
    Json,
    /// The Markdown table the README embeds.
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}
