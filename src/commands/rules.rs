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
        writeln!(out, "{} ({})\n", rule.name(), rule.code())?;
        writeln!(
            out,
            "Standard: {}    Fix: {}\n",
            rule.standard(),
            rule.fix_availability()
        )?;
        let doc = rule.documentation();
        // The first line of the file's doc repeats the code and name.
        write!(
            out,
            "{}",
            doc.split_once('\n').map_or(doc.as_str(), |(_, rest)| rest).trim_start()
        )?;
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
            let list: Vec<_> = Rule::ALL
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "code": r.code(),
                        "name": r.name(),
                        "standard": r.standard(),
                        "fix": r.fix_availability(),
                        "summary": r.summary(),
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &list)?;
            writeln!(out)?;
        }
        RulesFormat::Markdown => write!(out, "{}", markdown_table())?,
    }
    Ok(ExitStatus::Clean)
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
