//! The rule table: one AUD code per rule, one file per rule.
//!
//! Each rule file opens with its documentation in fixed sections (*What it
//! does*, *Why is this bad?*, *Example*, *Use instead*, *Fix safety*); that
//! text is what `auditfix rules AUD004` prints, read from the file itself so
//! that the two can never drift apart. Rule logic lives in the files; what a
//! rule may look at lives in [`crate::analysis`].

use std::fmt;

pub mod call_signature_mismatch;
pub mod caller_drops_user;
pub mod fix_parts;
pub mod incomplete_integrity_error_handler;
pub mod manual_audit_fields;
pub mod missing_audit_context;
pub mod missing_audit_setter;
pub mod missing_explicit_timestamp;
pub mod missing_integrity_error_handler;
pub mod missing_user_parameter;
pub mod model_without_audit_mixin;
pub mod positional_shift;
pub mod server_side_timestamp_assignment;
pub mod timestamp_style;
pub mod unbound_audit_name;
pub mod unmapped_audit_attribute;

macro_rules! rules {
    ($( $variant:ident => $code:literal, $name:literal, $standard:literal, $fix:literal, $file:literal; )*) => {
        /// Every rule, in code order.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        pub enum Rule {
            $( $variant, )*
        }

        impl Rule {
            pub const ALL: &'static [Rule] = &[$( Rule::$variant, )*];

            /// The stable code, `AUD004`.
            pub fn code(self) -> &'static str {
                match self { $( Rule::$variant => $code, )* }
            }

            /// The kebab-case name, `missing-explicit-timestamp`.
            pub fn name(self) -> &'static str {
                match self { $( Rule::$variant => $name, )* }
            }

            /// The requirement of the standard it checks (`S4`), or what it is about.
            pub fn standard(self) -> &'static str {
                match self { $( Rule::$variant => $standard, )* }
            }

            /// What fix it offers, as in PRODUCT.md §2a.
            pub fn fix_availability(self) -> &'static str {
                match self { $( Rule::$variant => $fix, )* }
            }

            /// The rule's documentation: the `//!` comment of its file.
            pub fn documentation(self) -> String {
                let source = match self { $( Rule::$variant => include_str!($file), )* };
                module_doc(source)
            }
        }
    };
}

rules! {
    MissingUserParameter => "AUD001", "missing-user-parameter", "S1", "safe", "missing_user_parameter.rs";
    MissingAuditContext => "AUD002", "missing-audit-context", "S2", "safe", "missing_audit_context.rs";
    MissingAuditSetter => "AUD003", "missing-audit-setter", "S3", "safe", "missing_audit_setter.rs";
    MissingExplicitTimestamp => "AUD004", "missing-explicit-timestamp", "S4", "safe", "missing_explicit_timestamp.rs";
    ServerSideTimestampAssignment => "AUD005", "server-side-timestamp-assignment", "S4", "safe", "server_side_timestamp_assignment.rs";
    TimestampStyle => "AUD006", "timestamp-style", "S5", "safe", "timestamp_style.rs";
    MissingIntegrityErrorHandler => "AUD007", "missing-integrity-error-handler", "S6", "safe or unsafe", "missing_integrity_error_handler.rs";
    IncompleteIntegrityErrorHandler => "AUD008", "incomplete-integrity-error-handler", "S6", "safe", "incomplete_integrity_error_handler.rs";
    UnboundAuditName => "AUD009", "unbound-audit-name", "S7", "safe", "unbound_audit_name.rs";
    ManualAuditFields => "AUD010", "manual-audit-fields", "S8", "unsafe", "manual_audit_fields.rs";
    ModelWithoutAuditMixin => "AUD011", "model-without-audit-mixin", "-", "none", "model_without_audit_mixin.rs";
    CallerDropsUser => "AUD012", "caller-drops-user", "callers", "unsafe", "caller_drops_user.rs";
    PositionalShift => "AUD013", "positional-shift", "callers", "none or unsafe", "positional_shift.rs";
    CallSignatureMismatch => "AUD014", "call-signature-mismatch", "callers", "unsafe", "call_signature_mismatch.rs";
    UnmappedAuditAttribute => "AUD015", "unmapped-audit-attribute", "S8", "unsafe", "unmapped_audit_attribute.rs";
}

impl Rule {
    /// The rule with this code or name (case-insensitive code).
    pub fn from_code(code: &str) -> Option<Rule> {
        Rule::ALL
            .iter()
            .copied()
            .find(|r| r.code().eq_ignore_ascii_case(code) || r.name() == code)
    }

    /// The first line of the documentation's *What it does* section.
    pub fn summary(self) -> String {
        let doc = self.documentation();
        let mut lines = doc.lines().skip_while(|l| !l.starts_with("## What it does"));
        lines.next();
        lines
            .skip_while(|l| l.trim().is_empty())
            .take_while(|l| !l.trim().is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The `//!` lines at the top of a Rust source file, without the markers.
fn module_doc(source: &str) -> String {
    let mut out = String::new();
    for line in source.lines() {
        let Some(rest) = line.strip_prefix("//!") else {
            break;
        };
        out.push_str(rest.strip_prefix(' ').unwrap_or(rest));
        out.push('\n');
    }
    out
}

/// A `--select`/`--ignore` entry: `ALL`, a code, a code prefix (`AUD00`) or a name.
pub fn matches_selector(rule: Rule, selector: &str) -> bool {
    let selector = selector.trim();
    selector.eq_ignore_ascii_case("ALL")
        || rule.name() == selector
        || (!selector.is_empty()
            && rule.code().len() >= selector.len()
            && rule.code()[..selector.len()].eq_ignore_ascii_case(selector))
}

/// Whether `selector` names at least one rule.
pub fn is_known_selector(selector: &str) -> bool {
    Rule::ALL.iter().any(|r| matches_selector(*r, selector))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_documents_all_sections() {
        for rule in Rule::ALL {
            let doc = rule.documentation();
            for section in [
                "## What it does",
                "## Why is this bad?",
                "## Example",
                "## Use instead",
                "## Fix safety",
            ] {
                assert!(doc.contains(section), "{} lacks {section}", rule.code());
            }
            assert!(!rule.summary().is_empty(), "{} has no summary", rule.code());
        }
    }

    #[test]
    fn codes_are_stable_and_sequential() {
        for (i, rule) in Rule::ALL.iter().enumerate() {
            assert_eq!(rule.code(), format!("AUD{:03}", i + 1));
            assert_eq!(Rule::from_code(rule.code()), Some(*rule));
            assert_eq!(Rule::from_code(rule.name()), Some(*rule));
        }
    }

    #[test]
    fn selectors_match_codes_prefixes_and_names() {
        assert!(matches_selector(Rule::MissingExplicitTimestamp, "AUD004"));
        assert!(matches_selector(Rule::MissingExplicitTimestamp, "aud00"));
        assert!(matches_selector(Rule::MissingExplicitTimestamp, "ALL"));
        assert!(matches_selector(
            Rule::MissingExplicitTimestamp,
            "missing-explicit-timestamp"
        ));
        assert!(!matches_selector(Rule::MissingExplicitTimestamp, "AUD005"));
        assert!(!is_known_selector("AUD9"));
        assert!(!is_known_selector("XYZ"));
    }
}
