//! auditfix: audit and fix the audit trail of FastAPI + SQLAlchemy write methods.
//!
//! The per-file pipeline, in order:
//! 1. `walk` finds the Python files (gitignore-aware, default excludes);
//! 2. each file is read and parsed once (`analysis::source`); files that
//!    cannot be read, are not UTF-8 or do not parse become `FileError`s;
//! 3. `analysis` computes facts: write methods, models and their mixins,
//!    names bound at module level; the repository index joins them;
//! 4. `rules` turn facts into `Diagnostic`s, each with an optional `Fix`;
//! 5. `pipeline` applies fixes, re-parses and re-checks until stable;
//! 6. `printer` renders findings or diffs; `write` writes files atomically.
//!
//! `cache` serves the output of a `check` (or `fix` dry run) over files that
//! did not change since the last run.
//!
//! `server` serves the same findings and fixes to editors (LSP).

pub mod analysis;
pub mod cache;
pub mod callers;
pub mod checker;
pub mod cli;
pub mod code_style;
pub mod commands;
pub mod config;
pub mod convention;
pub mod diagnostic;
pub mod files;
pub mod interactive;
pub mod memory;
pub mod pipeline;
pub mod printer;
pub mod profile;
pub mod rules;
pub mod server;
pub mod settings;
pub mod suppression;
pub mod syntax_message;
pub mod walk;
pub mod write;

/// Trees of files the unit tests write, shared between modules' tests.
#[cfg(test)]
pub(crate) mod test_trees {
    /// A mapped `Item` model, with no audit mixin.
    pub const ITEM_MODELS: &str = "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n\n\n\
         class Base(DeclarativeBase):\n    pass\n\n\n\
         class Item(Base):\n    __tablename__ = \"items\"\n    id: Mapped[int] = mapped_column(primary_key=True)\n\
         \x20   name: Mapped[str] = mapped_column()\n    created_by: Mapped[str] = mapped_column()\n";

    /// Write `text` to `name` below `root`, making its folders.
    pub fn write(root: &std::path::Path, name: &str, text: &str) {
        let path = root.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}
