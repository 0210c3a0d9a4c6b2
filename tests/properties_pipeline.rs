//! Style properties of the whole pipeline: a service file in any style
//! (indentation unit, line ending, BOM, final newline) fixed through
//! `Workspace::from_memory` keeps that style, parses (indentation included),
//! and a second fix changes nothing.
//!
//! The style space is small, so it is covered exhaustively rather than
//! sampled: five indentation units (tab, 2, 3, 4 and 8 spaces) × LF/CRLF ×
//! BOM or not × final newline or not, on each of the example app's service
//! files. (The transforms' own style properties, sampled with proptest, are
//! in transforms/tests/properties.rs.)

use auditfix::analysis::source::SourceFile;
use auditfix::config::Config;
use auditfix::pipeline::Workspace;
use auditfix_transforms::Stylist;
use std::path::{Path, PathBuf};

const UNITS: [&str; 5] = ["\t", "  ", "   ", "    ", "        "];

/// The example app's core modules and models: the repository of the file.
fn repository() -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::from("examples/audit_app/app")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.to_string_lossy().to_string();
            if path.is_dir() {
                stack.push(path);
            } else if name.ends_with("models.py") || name.contains("/core/") {
                out.push((path.clone(), std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    out
}

fn services() -> Vec<(PathBuf, String)> {
    [
        "examples/audit_app/app/features/administration/tenants/services.py",
        "examples/audit_app/app/features/administration/users/services/crud_services.py",
        "examples/audit_app/app/features/administration/smtp/services/crud_services.py",
        "examples/audit_app/app/features/administration/secrets/services/crud_services.py",
        "examples/audit_app/app/features/connectors/connectors/services/connector_service.py",
        "examples/audit_app/app/features/business_automations/content_broadcaster/services/content_broadcaster_service.py",
    ]
    .iter()
    .map(|p| (PathBuf::from(p), std::fs::read_to_string(p).unwrap()))
    .collect()
}

/// `text` (four-space indented, LF) in another style.
fn restyle(text: &str, unit: &str, crlf: bool, bom: bool, final_newline: bool) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let spaces = line.len() - line.trim_start_matches(' ').len();
        out.push_str(&unit.repeat(spaces / 4));
        out.push_str(&" ".repeat(spaces % 4));
        out.push_str(&line[spaces..]);
        out.push('\n');
    }
    if !final_newline {
        out.truncate(out.trim_end_matches('\n').len());
    }
    if crlf {
        out = out.replace('\n', "\r\n");
    }
    if bom {
        out.insert(0, '\u{feff}');
    }
    out
}

fn fix(repository: &[(PathBuf, String)], path: &Path, text: &str) -> (String, Vec<String>) {
    let mut sources = repository.to_vec();
    sources.push((path.to_path_buf(), text.to_string()));
    let workspace = Workspace::from_memory(sources, Config::default());
    assert!(workspace.errors.is_empty(), "{:?}", workspace.errors);
    let fixed = workspace.fix(false);
    let file = fixed.into_iter().find(|f| f.path == path).unwrap();
    let bytes = file.fixed_bytes();
    (String::from_utf8(bytes).unwrap(), file.problems)
}

#[test]
fn every_style_is_kept_through_the_pipeline() {
    let repository = repository();
    let (mut cases, mut changed) = (0, 0);
    for (path, seed) in services() {
        for unit in UNITS {
            for crlf in [false, true] {
                for bom in [false, true] {
                    for final_newline in [false, true] {
                        let what = format!(
                            "{} with {unit:?}, crlf {crlf}, bom {bom}, final newline {final_newline}",
                            path.display()
                        );
                        let original = restyle(&seed, unit, crlf, bom, final_newline);
                        if check(&repository, &path, &original, unit, crlf, bom, final_newline, &what) {
                            changed += 1;
                        }
                        cases += 1;
                    }
                }
            }
        }
    }
    eprintln!("{cases} styled service files, {changed} changed by the fix");
    // All but the compliant reference service get fixes.
    assert!(changed >= cases * 4 / 6, "{changed} of {cases}");
}

#[allow(clippy::too_many_arguments)]
fn check(
    repository: &[(PathBuf, String)],
    path: &Path,
    original: &str,
    unit: &str,
    crlf: bool,
    bom: bool,
    final_newline: bool,
    what: &str,
) -> bool {
    let (fixed, problems) = fix(repository, path, original);
    assert!(problems.is_empty(), "{what}: {problems:?}");

    // BOM and final newline as they were.
    assert_eq!(fixed.starts_with('\u{feff}'), bom, "{what}: BOM");
    let ending = if crlf { "\r\n" } else { "\n" };
    assert_eq!(fixed.ends_with(ending), final_newline, "{what}: final newline");
    // One line ending only.
    if crlf {
        let bare = fixed
            .match_indices('\n')
            .any(|(i, _)| i == 0 || fixed.as_bytes()[i - 1] != b'\r');
        assert!(!bare, "{what}: a bare \\n in a CRLF file");
    } else {
        assert!(!fixed.contains('\r'), "{what}: \\r in an LF file");
    }
    // The file's unit, detected again, and on every line the fix added.
    let text = fixed.strip_prefix('\u{feff}').unwrap_or(&fixed);
    assert_eq!(Stylist::detect(text).indent_unit, unit, "{what}: indentation unit");
    let before: std::collections::HashSet<&str> = original.lines().collect();
    for line in text.lines().filter(|l| !before.contains(l) && !l.trim().is_empty()) {
        let indent = &line[..line.len() - line.trim_start_matches([' ', '\t']).len()];
        assert!(
            indent.split(unit).all(str::is_empty),
            "{what}: added line {line:?} is not indented with {unit:?}"
        );
    }
    // Parses, indentation included.
    if let Err(message) = SourceFile::parse(text.to_string(), false) {
        panic!("{what}: the fixed file does not parse: {message}\n{text}");
    }
    // A second fix changes nothing.
    let (again, _) = fix(repository, path, &fixed);
    assert!(again == fixed, "{what}: a second fix changes the file");
    fixed != original
}
