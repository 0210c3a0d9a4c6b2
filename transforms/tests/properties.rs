//! Property tests: the edit engine keeps every byte it is not told to
//! change and never applies half a fix; the transforms keep a file's own
//! indentation unit, line ending, BOM handling and final newline.

mod common;

use auditfix_transforms::add_except_clause::add_except_clause;
use auditfix_transforms::add_import::add_import;
use auditfix_transforms::add_parameter::add_parameter;
use auditfix_transforms::insert_statements::{insert_after, insert_at_block_start, insert_before};
use auditfix_transforms::snippets::{render, INTEGRITY_HANDLER, TIMESTAMP};
use auditfix_transforms::wrap_in_try::wrap_in_try;
use auditfix_transforms::{apply_edits, apply_fixes, Applicability, Edit, Fix, Stylist};
use common::{find, parse, service_module, Shape};
use proptest::prelude::*;

// ---------------------------------------------------------------------------
// The engine
// ---------------------------------------------------------------------------

/// An ASCII source and a set of edits on it that never overlap, each with a
/// distinct content (so none is merged as identical), in shuffled order.
fn source_and_disjoint_edits() -> impl Strategy<Value = (String, Vec<Edit>)> {
    "[a-z \n]{0,60}".prop_flat_map(|source| {
        let len = source.len();
        (
            Just(source),
            prop::collection::vec(0..=len, 0..12),
            prop::collection::vec(any::<bool>(), 12),
        )
            .prop_map(|(source, mut cuts, deletes)| {
                cuts.sort_unstable();
                let edits = cuts
                    .chunks(2)
                    .enumerate()
                    .map(|(i, pair)| {
                        let (start, end) = (pair[0], *pair.get(1).unwrap_or(&pair[0]));
                        let content = if deletes[i] && start < end {
                            String::new()
                        } else {
                            format!("<{i}>")
                        };
                        Edit::replacement(content, start, end)
                    })
                    .collect::<Vec<_>>();
                (source, edits)
            })
            .prop_flat_map(|(source, edits)| (Just(source), Just(edits).prop_shuffle()))
    })
}

/// A random edit on a source of `len` bytes.
fn any_edit(len: usize) -> impl Strategy<Value = Edit> {
    (0..=len, 0..=len, "[A-Z]{0,2}").prop_map(|(a, b, content)| Edit::replacement(content, a.min(b), a.max(b)))
}

proptest! {
    #[test]
    fn disjoint_edits_apply_and_keep_every_other_byte((source, edits) in source_and_disjoint_edits()) {
        let out = apply_edits(&source, &edits).expect("disjoint edits apply");
        // Stable by position: insertions at one offset keep the given order.
        let mut sorted = edits.clone();
        sorted.sort_by_key(|e| (e.start(), e.end()));
        let mut at = 0; // in the source
        let mut rest = out.as_str();
        for edit in &sorted {
            let kept = &source[at..edit.start()];
            prop_assert!(rest.starts_with(kept), "bytes before {:?} lost", edit);
            rest = &rest[kept.len()..];
            prop_assert!(rest.starts_with(edit.content()));
            rest = &rest[edit.content().len()..];
            at = edit.end();
        }
        prop_assert_eq!(rest, &source[at..]);
    }

    #[test]
    fn overlapping_edits_are_rejected(
        (source, edits) in source_and_disjoint_edits(),
        pick in any::<prop::sample::Index>(),
        inner in 0usize..100,
    ) {
        // A replacement strictly inside (or across) a non-empty edit.
        let spans: Vec<&Edit> = edits.iter().filter(|e| e.start() < e.end()).collect();
        prop_assume!(!spans.is_empty());
        let span = spans[pick.index(spans.len())];
        let at = span.start() + inner % (span.end() - span.start());
        let intruder = Edit::replacement("!", at, (at + 1).min(source.len()));
        prop_assume!(intruder != *span);
        let mut all = edits.clone();
        all.push(intruder);
        prop_assert!(apply_edits(&source, &all).is_err());
    }

    #[test]
    fn fixes_apply_whole_or_not_at_all(
        (source, fixes) in "[a-z\n]{1,40}".prop_flat_map(|s| {
            let len = s.len();
            (Just(s), prop::collection::vec(prop::collection::vec(any_edit(len), 1..4), 0..8))
        })
    ) {
        let fixes: Vec<Fix> = fixes
            .into_iter()
            .map(|edits| Fix::from_edits(edits, Applicability::Safe).unwrap())
            .collect();
        let outcome = apply_fixes(&source, &fixes);
        prop_assert_eq!(outcome.applied.len() + outcome.skipped.len(), fixes.len());
        // The output is exactly every edit of every applied fix...
        let applied: Vec<Edit> = outcome
            .applied
            .iter()
            .flat_map(|i| fixes[*i].edits().iter().cloned())
            .collect();
        prop_assert_eq!(&apply_edits(&source, &applied).unwrap(), &outcome.output);
        // ...and each skipped fix could not join the fixes applied before it.
        for (index, _) in &outcome.skipped {
            let mut with: Vec<Edit> = outcome
                .applied
                .iter()
                .filter(|i| *i < index)
                .flat_map(|i| fixes[*i].edits().iter().cloned())
                .collect();
            with.extend(fixes[*index].edits().iter().cloned());
            prop_assert!(apply_edits(&source, &with).is_err());
        }
    }
}

// ---------------------------------------------------------------------------
// Style-preserving transforms
// ---------------------------------------------------------------------------

fn shapes() -> impl Strategy<Value = Shape> {
    let style = (
        prop::sample::select(vec!["\t", "  ", "   ", "    ", "        "]),
        prop::sample::select(vec!["\n", "\r\n"]),
        any::<bool>(),
        any::<bool>(),
    );
    let layout = prop::array::uniform6(any::<bool>());
    (style, layout).prop_map(|((unit, line_ending, bom, final_newline), layout)| {
        let [docstrings, multi_line_params, trailing_comma, comment, decorator, closing_comment] = layout;
        Shape {
            unit: unit.to_string(),
            line_ending,
            bom,
            final_newline,
            docstrings,
            multi_line_params,
            trailing_comma,
            comment,
            decorator,
            closing_comment,
        }
    })
}

/// Check one transform's edit on `text` (BOM already stripped).
fn check_edit(text: &str, edit: &Edit, shape: &Shape, what: &str) -> Result<(), TestCaseError> {
    let out = apply_edits(text, std::slice::from_ref(edit)).expect("a lone edit applies");
    // Parses.
    prop_assert!(
        !parse(&out).root_node().has_error(),
        "{what}: output does not parse:\n{out}"
    );
    // Bytes outside the edit untouched.
    prop_assert_eq!(&out[..edit.start()], &text[..edit.start()]);
    prop_assert_eq!(&out[edit.start() + edit.content().len()..], &text[edit.end()..]);
    // One line ending only.
    if shape.line_ending == "\r\n" {
        let bare = out
            .match_indices('\n')
            .any(|(i, _)| i == 0 || out.as_bytes()[i - 1] != b'\r');
        prop_assert!(!bare, "{what}: bare \\n in a CRLF file:\n{out:?}");
    } else {
        prop_assert!(!out.contains('\r'), "{what}: \\r in an LF file");
    }
    // A final newline stays present or absent.
    prop_assert_eq!(
        out.ends_with(shape.line_ending),
        shape.final_newline,
        "{}: final newline",
        what
    );
    prop_assert!(!out.starts_with('\u{feff}'), "{}: BOM in the output", what);
    // Every indented line (inserted ones included) uses the file's unit only.
    for line in out.lines() {
        let indent = &line[..line.len() - line.trim_start_matches([' ', '\t']).len()];
        prop_assert!(
            indent.is_empty() || indent.split(shape.unit.as_str()).all(str::is_empty),
            "{}: line {:?} is not indented with {:?}",
            what,
            line,
            shape.unit
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn transforms_keep_the_file_style(shape in shapes()) {
        let original = service_module(&shape);
        // The tool detects style on the file as read, then strips the BOM.
        let stylist = Stylist::detect(&original);
        prop_assert_eq!(&stylist.indent_unit, &shape.unit);
        prop_assert_eq!(stylist.line_ending, shape.line_ending);
        prop_assert_eq!(stylist.bom, shape.bom);
        prop_assert_eq!(stylist.final_newline, shape.final_newline);
        let text = original.strip_prefix('\u{feff}').unwrap_or(&original);
        prop_assert_eq!(&Stylist::detect(text).indent_unit, &shape.unit);
        let tree = parse(text);
        let root = tree.root_node();
        prop_assert!(!root.has_error());

        let timestamp = render(TIMESTAMP, &[("entity", "user"), ("field", "created_at"), ("now", "datetime.now()")]);
        let guarded = "if ctx:\n    user.set_created_by(ctx.user_email, ctx.user_name)\n";
        let handler = render(INTEGRITY_HANDLER, &[
            ("integrity_error", "IntegrityError"), ("await", "await "), ("session", "db"),
            ("log", "logger.exception(\"integrity\")"),
        ]);

        let commit = find(root, "expression_statement", text, "await db.commit()");
        let add = find(root, "expression_statement", text, "db.add(");
        let returns = find(root, "return_statement", text, "return user");
        let first = find(root, "expression_statement", text, "user = User");
        let method = find(root, "function_definition", text, "async def create");
        let body = method.child_by_field_name("body").unwrap();
        let try_statement = find(root, "try_statement", text, "try:");
        let except = find(root, "except_clause", text, "except SQLAlchemyError");

        let edits = [
            ("insert_before", insert_before(text, commit, &timestamp, &stylist)),
            ("insert_before nested", insert_before(text, add, guarded, &stylist)),
            ("insert_after last statement", insert_after(text, returns, guarded, &stylist)),
            ("insert_after commented", insert_after(text, commit, &timestamp, &stylist)),
            ("insert_at_block_start", insert_at_block_start(text, body, guarded, &stylist)),
            ("add_parameter", add_parameter(text, method, "created_by_user=None", &stylist)),
            ("add_except_clause", add_except_clause(text, try_statement, None, &handler, &stylist)),
            ("add_except_clause before", add_except_clause(text, try_statement, Some(except), &handler, &stylist)),
            ("wrap_in_try", wrap_in_try(text, first, returns, &handler, &stylist)),
            ("wrap_in_try method", wrap_in_try(text, method, method, &handler, &stylist)),
            ("insert_after method", insert_after(text, method, guarded, &stylist)),
            ("add_import new", add_import(text, root, "datetime", "datetime", &stylist, &Default::default())),
            ("add_import merge", add_import(text, root, "sqlalchemy.exc", "IntegrityError", &stylist, &Default::default())),
        ];
        for (what, edit) in edits {
            let edit = edit.unwrap_or_else(|| panic!("{what} declined on {shape:?}"));
            check_edit(text, &edit, &shape, what)?;
        }
    }
}
