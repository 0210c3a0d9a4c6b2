//! SARIF 2.1.0 output, built from the typed structs of `serde-sarif`.
//!
//! One run: the tool driver lists every rule (id = code, name,
//! short description = the rule's summary, full description and help = its
//! documentation); each finding is a result with its rule index, level
//! (`warning`, `note` for the informational AUD011), message, location
//! (relative URI with `/`, 1-based lines, columns in code points) and, when
//! it has one, its fix as byte-offset replacements. Files that could not be
//! checked and repository notes are tool execution notifications.

use super::slash_path;
use crate::diagnostic::{CheckResult, Diagnostic, FileReport};
use crate::rules::Rule;
use serde_json::json;
use serde_sarif::sarif;
use std::io::{self, Write};
use std::path::Path;

/// The `$schema` of the log.
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

pub fn print(out: &mut dyn Write, result: &CheckResult) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &log(result))?;
    writeln!(out)
}

/// The whole SARIF log for a result.
pub fn log(result: &CheckResult) -> sarif::Sarif {
    let results: Vec<sarif::Result> = result.diagnostics().map(|(file, d)| finding(file, d)).collect();
    let mut notifications: Vec<sarif::Notification> = result
        .notes
        .iter()
        .chain(&result.details)
        .map(|note| {
            sarif::Notification::builder()
                .message(note.as_str())
                .level(json!("note"))
                .build()
        })
        .collect();
    notifications.extend(result.errors.iter().map(|e| {
        sarif::Notification::builder()
            .message(e.message.as_str())
            .level(json!("error"))
            .locations(vec![sarif::Location::builder()
                .physical_location(
                    sarif::PhysicalLocation::builder()
                        .artifact_location(artifact(&e.path))
                        .build(),
                )
                .build()])
            .build()
    }));
    let mut invocation = sarif::Invocation::builder()
        .execution_successful(result.errors.is_empty())
        .build();
    if !notifications.is_empty() {
        invocation.tool_execution_notifications = Some(notifications);
    }
    let run = sarif::Run::builder()
        .tool(driver())
        .results(results)
        .invocations(vec![invocation])
        .column_kind(json!("unicodeCodePoints"))
        .build();
    sarif::Sarif::builder()
        .schema(SCHEMA_URI)
        .version(json!("2.1.0"))
        .runs(vec![run])
        .build()
}

fn driver() -> sarif::Tool {
    let rules: Vec<sarif::ReportingDescriptor> = Rule::ALL
        .iter()
        .map(|rule| {
            let documentation = rule.documentation();
            let docs = || {
                sarif::MultiformatMessageString::builder()
                    .text(documentation.trim().to_string())
                    .markdown(documentation.trim().to_string())
                    .build()
            };
            sarif::ReportingDescriptor::builder()
                .id(rule.code())
                .name(rule.name())
                .short_description(sarif::MultiformatMessageString::builder().text(rule.summary()).build())
                .full_description(docs())
                .help(docs())
                .default_configuration(
                    sarif::ReportingConfiguration::builder()
                        .level(json!(level(*rule)))
                        .build(),
                )
                .build()
        })
        .collect();
    let mut component = sarif::ToolComponent::builder()
        .name("auditfix")
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .rules(rules)
        .build();
    component.information_uri = information_uri();
    sarif::Tool::builder().driver(component).build()
}

/// Where to read about the tool: the package's repository or homepage, when
/// the manifest names one.
fn information_uri() -> Option<String> {
    [env!("CARGO_PKG_REPOSITORY"), env!("CARGO_PKG_HOMEPAGE")]
        .into_iter()
        .find(|uri| !uri.is_empty())
        .map(str::to_string)
}

/// `note` for the informational rule, `warning` for the others.
fn level(rule: Rule) -> &'static str {
    match rule {
        Rule::ModelWithoutAuditMixin => "note",
        _ => "warning",
    }
}

fn finding(file: &FileReport, d: &Diagnostic) -> sarif::Result {
    let rule_index = Rule::ALL.iter().position(|r| *r == d.rule).unwrap_or(0);
    let region = sarif::Region::builder()
        .start_line(d.start.line as i64)
        .start_column(d.start.column as i64)
        .end_line(d.end.line as i64)
        .end_column(d.end.column as i64)
        .build();
    let location = sarif::Location::builder()
        .physical_location(
            sarif::PhysicalLocation::builder()
                .artifact_location(artifact(&file.path))
                .region(region)
                .build(),
        )
        .build();
    let mut result = sarif::Result::builder()
        .rule_id(d.rule.code())
        .rule_index(rule_index as i64)
        .level(match level(d.rule) {
            "note" => sarif::ResultLevel::Note,
            _ => sarif::ResultLevel::Warning,
        })
        .message(d.message.as_str())
        .locations(vec![location])
        .build();
    if let Some(fix) = &d.fix {
        let replacements: Vec<sarif::Replacement> = fix
            .edits()
            .iter()
            .map(|edit| {
                let mut replacement = sarif::Replacement::builder()
                    .deleted_region(
                        sarif::Region::builder()
                            .byte_offset(edit.start() as i64)
                            .byte_length((edit.end() - edit.start()) as i64)
                            .build(),
                    )
                    .build();
                if !edit.content().is_empty() {
                    replacement.inserted_content = Some(sarif::ArtifactContent::builder().text(edit.content()).build());
                }
                replacement
            })
            .collect();
        let change = sarif::ArtifactChange::builder()
            .artifact_location(artifact(&file.path))
            .replacements(replacements)
            .build();
        result.fixes = Some(vec![sarif::Fix::builder()
            .description(format!("{} fix", fix.applicability().as_str()).as_str())
            .artifact_changes(vec![change])
            .build()]);
    }
    result
}

fn artifact(path: &Path) -> sarif::ArtifactLocation {
    sarif::ArtifactLocation::builder().uri(uri(path)).build()
}

/// A relative path as a URI reference with `/` separators and the
/// characters a URI cannot hold percent-encoded; an absolute path as a
/// `file://` URI.
pub fn uri(path: &Path) -> String {
    let text = slash_path(path);
    let mut out = String::with_capacity(text.len());
    if path.is_absolute() {
        out.push_str("file://");
        if !text.starts_with('/') {
            // A Windows drive path: file:///C:/...
            out.push('/');
        }
    }
    for byte in text.bytes() {
        let keep = byte.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&byte);
        if keep {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::printer::fixtures;

    fn render(result: &CheckResult) -> String {
        let mut out = Vec::new();
        print(&mut out, result).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// The rule documentation is long and owned by the rule files: replace
    /// it in snapshots, it is checked separately.
    fn without_documentation(mut value: serde_json::Value) -> serde_json::Value {
        for rule in value["runs"][0]["tool"]["driver"]["rules"].as_array_mut().unwrap() {
            for key in ["fullDescription", "help"] {
                rule[key] = json!("<documentation>");
            }
            rule["shortDescription"] = json!("<summary>");
        }
        value["runs"][0]["tool"]["driver"]["version"] = json!("<version>");
        value["runs"][0]["tool"]["driver"]["semanticVersion"] = json!("<version>");
        value
    }

    #[test]
    fn results_fixes_and_notifications() {
        let text = render(&fixtures::result());
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        insta::assert_snapshot!(serde_json::to_string_pretty(&without_documentation(value)).unwrap());
    }

    #[test]
    fn every_rule_is_described() {
        let value: serde_json::Value = serde_json::from_str(&render(&CheckResult::default())).unwrap();
        let rules = value["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
        assert_eq!(rules.len(), Rule::ALL.len());
        for (rule, described) in Rule::ALL.iter().zip(rules) {
            assert_eq!(described["id"], rule.code());
            assert_eq!(described["name"], rule.name());
            assert_eq!(described["shortDescription"]["text"], rule.summary());
            assert_eq!(described["fullDescription"]["text"], rule.documentation().trim());
            assert_eq!(described["help"]["markdown"], rule.documentation().trim());
        }
        assert_eq!(value["version"], "2.1.0");
        assert_eq!(value["runs"][0]["tool"]["driver"]["name"], "auditfix");
    }

    #[test]
    fn fix_replacements_rebuild_the_fixed_text() {
        let result = fixtures::result();
        let value: serde_json::Value = serde_json::from_str(&render(&result)).unwrap();
        let sarif_result = value["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["ruleId"] == "AUD004")
            .unwrap();
        let mut text = fixtures::SERVICE.to_string();
        let replacements = sarif_result["fixes"][0]["artifactChanges"][0]["replacements"]
            .as_array()
            .unwrap();
        for r in replacements.iter().rev() {
            let offset = r["deletedRegion"]["byteOffset"].as_u64().unwrap() as usize;
            let length = r["deletedRegion"]["byteLength"].as_u64().unwrap() as usize;
            let inserted = r["insertedContent"]["text"].as_str().unwrap_or("");
            text.replace_range(offset..offset + length, inserted);
        }
        assert!(text.contains("user.updated_at = datetime.now()\n        self.db.add(user)"));
    }

    #[test]
    fn uris_are_relative_with_slashes_and_encoded() {
        assert_eq!(uri(Path::new("app/a b/x#1.py")), "app/a%20b/x%231.py");
        assert_eq!(uri(Path::new("app/ünï.py")), "app/%C3%BCn%C3%AF.py");
        #[cfg(unix)]
        assert_eq!(uri(Path::new("/srv/app/x.py")), "file:///srv/app/x.py");
    }

    #[test]
    fn output_validates_against_the_sarif_schema() {
        let schema_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/sarif-schema-2.1.0.json");
        let Ok(schema_text) = std::fs::read_to_string(&schema_path) else {
            eprintln!(
                "skipped: the SARIF schema is not at {} (a clone without the shared data)",
                schema_path.display()
            );
            return;
        };
        let schema: serde_json::Value = serde_json::from_str(&schema_text).unwrap();
        let validator = jsonschema::options()
            .should_validate_formats(true)
            .build(&schema)
            .expect("the SARIF schema compiles");
        for result in [fixtures::result(), CheckResult::default()] {
            let instance: serde_json::Value = serde_json::from_str(&render(&result)).unwrap();
            let errors: Vec<String> = validator
                .iter_errors(&instance)
                .map(|e| format!("{} at {}", e, e.instance_path()))
                .collect();
            assert!(errors.is_empty(), "{}", errors.join("\n"));
        }
    }
}
