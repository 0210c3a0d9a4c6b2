//! How the project lays out code, as its formatter and import sorter are
//! configured: the line length and which top-level packages are its own
//! (isort's first-party section). The fixes use it so that a project kept
//! clean by `ruff format` and `ruff check --select I` stays clean.
//!
//! Read, from the project's root: `ruff.toml` / `.ruff.toml` (`line-length`,
//! `[lint.isort]` or `[isort]`), else `pyproject.toml`'s `[tool.ruff]`
//! (`line-length`, `[tool.ruff.lint.isort]` or `[tool.ruff.isort]`), then
//! `[tool.black]`'s `line-length` and `[tool.isort]`'s `line_length`,
//! `known_first_party` and `known_third_party`. A key not found keeps
//! ruff's default (88 columns). The project's own packages are the
//! top-level names of the modules it holds, as ruff finds them in its `src`
//! (the project root), plus `known-first-party`.
//!
//! What does not live here: the audit standard (`settings.rs`, `config.rs`)
//! and how an import or a line is placed and split (`auditfix_transforms`).
//! A configuration that does not read is ignored here: it is the formatter's
//! to report.

use auditfix_transforms::add_import::ImportOrder;
use auditfix_transforms::style::DEFAULT_LINE_LENGTH;
use std::path::Path;

/// The project's layout of code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeStyle {
    pub line_length: usize,
    pub imports: ImportOrder,
}

impl Default for CodeStyle {
    /// ruff's defaults, no first-party package known.
    fn default() -> Self {
        CodeStyle {
            line_length: DEFAULT_LINE_LENGTH,
            imports: ImportOrder::default(),
        }
    }
}

impl CodeStyle {
    /// The style of the project at `root`, whose modules have the dotted
    /// names `modules` (their top-level packages are first party).
    pub fn detect<'a>(root: Option<&Path>, modules: impl IntoIterator<Item = &'a str>) -> CodeStyle {
        let mut style = CodeStyle::default();
        if let Some(root) = root {
            style.read_config(root);
        }
        let mut first_party: std::collections::BTreeSet<String> = style.imports.first_party.drain(..).collect();
        first_party.extend(
            modules
                .into_iter()
                .filter_map(|m| m.split('.').next())
                .filter(|top| !top.is_empty())
                .map(str::to_string),
        );
        style.imports.first_party = first_party.into_iter().collect();
        style
    }

    fn read_config(&mut self, root: &Path) {
        let read = |name: &str| -> Option<toml::Table> {
            let text = crate::files::read_regular(&root.join(name), crate::files::CONFIG_CAP).ok()?;
            String::from_utf8(text).ok()?.parse::<toml::Table>().ok()
        };
        let ruff = read("ruff.toml").or_else(|| read(".ruff.toml"));
        let pyproject = read("pyproject.toml");
        let tool = |name: &str| pyproject.as_ref()?.get("tool")?.get(name)?.as_table().cloned();
        let ruff = ruff.or_else(|| tool("ruff"));
        let length = |table: Option<&toml::Table>, key: &str| {
            table?.get(key)?.as_integer().and_then(|n| usize::try_from(n).ok())
        };
        let black = tool("black");
        let isort = tool("isort");
        self.line_length = length(ruff.as_ref(), "line-length")
            .or_else(|| length(black.as_ref(), "line-length"))
            .or_else(|| length(isort.as_ref(), "line_length"))
            .filter(|n| *n > 0)
            .unwrap_or(DEFAULT_LINE_LENGTH);
        let ruff_isort = ruff.as_ref().and_then(|r| {
            r.get("lint")
                .and_then(|l| l.get("isort"))
                .or_else(|| r.get("isort"))
                .and_then(|i| i.as_table())
        });
        let names = |table: Option<&toml::Table>, key: &str| -> Vec<String> {
            table
                .and_then(|t| t.get(key))
                .and_then(|v| v.as_array())
                .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
                .unwrap_or_default()
        };
        self.imports.first_party = names(ruff_isort, "known-first-party");
        self.imports
            .first_party
            .extend(names(isort.as_ref(), "known_first_party"));
        self.imports.third_party = names(ruff_isort, "known-third-party");
        self.imports
            .third_party
            .extend(names(isort.as_ref(), "known_third_party"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_ruff_black_and_isort_keys() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("pyproject.toml"),
            "[tool.ruff]\nline-length = 100\n[tool.ruff.lint.isort]\nknown-first-party = [\"shared\"]\nknown-third-party = [\"app_vendor\"]\n",
        )
        .unwrap();
        let style = CodeStyle::detect(Some(dir.path()), ["app.models", "tests.test_x"]);
        assert_eq!(style.line_length, 100);
        assert_eq!(style.imports.first_party, ["app", "shared", "tests"]);
        assert_eq!(style.imports.third_party, ["app_vendor"]);

        std::fs::write(dir.path().join("pyproject.toml"), "[tool.black]\nline-length = 79\n").unwrap();
        assert_eq!(CodeStyle::detect(Some(dir.path()), []).line_length, 79);
        std::fs::write(
            dir.path().join("ruff.toml"),
            "line-length = 120\n[lint.isort]\nknown-first-party = [\"x\"]\n",
        )
        .unwrap();
        let style = CodeStyle::detect(Some(dir.path()), []);
        assert_eq!(
            (style.line_length, style.imports.first_party),
            (120, vec!["x".to_string()])
        );
    }

    #[test]
    fn defaults_without_configuration() {
        assert_eq!(CodeStyle::detect(None, []), CodeStyle::default());
        assert_eq!(CodeStyle::default().line_length, 88);
    }
}
