//! `auditfix rules [CODE]`: list the rules, or explain one.

use super::ExitStatus;
use crate::cli::{RulesArgs, RulesFormat};
use crate::rules::Rule;
use std::io::Write;

pub fn run(args: &RulesArgs, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    if let Some(code) = &args.code {
        let Some(rule) = Rule::from_code(code) else {
            anyhow::bail!("unknown rule `{code}` (see `auditfix rules` for the list)");
        };
        match args.format {
            RulesFormat::Text => {}
            // The list's fields, and the whole explanation (Markdown).
            RulesFormat::Json => {
                let mut entry = entry(rule);
                entry["explanation"] = serde_json::Value::from(explanation(rule));
                serde_json::to_writer_pretty(&mut *out, &entry)?;
                writeln!(out)?;
                return Ok(ExitStatus::Clean);
            }
            RulesFormat::Markdown => {
                writeln!(out, "# {} ({})\n", rule.name(), rule.code())?;
                writeln!(
                    out,
                    "Standard: {}    Fix: {}\n",
                    rule.standard(),
                    rule.fix_availability()
                )?;
                write!(out, "{}", explanation(rule))?;
                return Ok(ExitStatus::Clean);
            }
        }
        writeln!(out, "{} ({})\n", rule.name(), rule.code())?;
        writeln!(
            out,
            "Standard: {}    Fix: {}\n",
            rule.standard(),
            rule.fix_availability()
        )?;
        write!(out, "{}", explanation(rule))?;
        return Ok(ExitStatus::Clean);
    }
    match args.format {
        RulesFormat::Text => {
            for rule in Rule::ALL {
                writeln!(
                    out,
                    "{}  {:<36} {:<8} {}",
                    rule.code(),
                    rule.name(),
                    rule.standard(),
                    rule.fix_availability()
                )?;
            }
        }
        RulesFormat::Json => {
            let list: Vec<_> = Rule::ALL.iter().map(|r| entry(*r)).collect();
            serde_json::to_writer_pretty(&mut *out, &list)?;
            writeln!(out)?;
        }
        RulesFormat::Markdown => write!(out, "{}", markdown_table())?,
    }
    Ok(ExitStatus::Clean)
}

/// A rule as the JSON list has it.
fn entry(rule: Rule) -> serde_json::Value {
    serde_json::json!({
        "code": rule.code(),
        "name": rule.name(),
        "standard": rule.standard(),
        "fix": rule.fix_availability(),
        "summary": rule.summary(),
    })
}

/// The rule's documentation without its first line (which repeats the
/// code and name): what `auditfix rules CODE` prints below its header
/// (the language server's hover text too).
pub fn explanation(rule: Rule) -> String {
    let doc = rule.documentation();
    doc.split_once('\n')
        .map_or(doc.as_str(), |(_, rest)| rest)
        .trim_start()
        .to_string()
}

/// The rule table as Markdown (the README embeds it; a test keeps them equal).
pub fn markdown_table() -> String {
    let mut out = String::from("| code | name | standard | fix | what it flags |\n|---|---|---|---|---|\n");
    for rule in Rule::ALL {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            rule.code(),
            rule.name(),
            rule.standard(),
            rule.fix_availability(),
            rule.summary().replace('|', "\\|"),
        ));
    }
    out
}
