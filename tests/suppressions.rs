//! Suppressions as a ruff team writes them, through the binary: `# noqa`
//! beside `# auditfix: ignore`, the warnings about unknown codes and unused
//! suppressions, and `check --add-noqa`.

use std::fs;

mod common;

use common::small::{auditfix, codes, repo, stderr, stdout, SERVICE};

/// The service with `comment` at the end of its line `line` (1-based).
fn service_with(line: usize, comment: &str) -> String {
    SERVICE
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i + 1 == line {
                format!("{l}  {comment}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect()
}

#[test]
fn noqa_suppresses_on_the_def_line_and_the_finding_line_like_auditfix_ignore() {
    let dir = repo();
    let all = codes(&auditfix(dir.path(), &["check", "--format", "json"]));
    assert!(
        all.contains(&"AUD001".to_string()) && all.contains(&"AUD004".to_string()),
        "{all:?}"
    );
    let without = |code: &str| -> Vec<String> { all.iter().filter(|c| *c != code).cloned().collect() };

    // On the `def` line, with the code: only that rule goes.
    fs::write(dir.path().join("app/service.py"), service_with(8, "# noqa: AUD001")).unwrap();
    assert_eq!(
        codes(&auditfix(dir.path(), &["check", "--format", "json"])),
        without("AUD001")
    );
    // The same as `# auditfix: ignore[AUD001]`.
    fs::write(
        dir.path().join("app/service.py"),
        service_with(8, "# auditfix: ignore[AUD001]"),
    )
    .unwrap();
    assert_eq!(
        codes(&auditfix(dir.path(), &["check", "--format", "json"])),
        without("AUD001")
    );
    // On the finding's line (AUD004 is reported at the constructor), no
    // space after the colon.
    fs::write(dir.path().join("app/service.py"), service_with(9, "# noqa:AUD004")).unwrap();
    assert_eq!(
        codes(&auditfix(dir.path(), &["check", "--format", "json"])),
        without("AUD004")
    );
    // Two codes, among another tool's.
    fs::write(
        dir.path().join("app/service.py"),
        service_with(8, "# noqa: E501, AUD001, AUD002"),
    )
    .unwrap();
    let out = auditfix(dir.path(), &["check", "--format", "json"]);
    assert!(!codes(&out).contains(&"AUD001".to_string()), "{:?}", codes(&out));
    // Another tool's code alone suppresses nothing of ours.
    fs::write(dir.path().join("app/service.py"), service_with(8, "# noqa: E501")).unwrap();
    assert_eq!(codes(&auditfix(dir.path(), &["check", "--format", "json"])), all);
    // A bare `# noqa` on the `def` line suppresses every rule of the method, as in ruff.
    fs::write(dir.path().join("app/service.py"), service_with(8, "# noqa")).unwrap();
    let out = auditfix(dir.path(), &["check", "--format", "json"]);
    assert_eq!(codes(&out), Vec::<String>::new(), "{}", stdout(&out));
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn unknown_codes_and_unused_suppressions_are_warned_about_on_stderr() {
    let dir = repo();
    let text = service_with(8, "# noqa: AUD001, AUD999")
        .replace("        return user\n", "        return user  # noqa: AUD004\n")
        + "\n\nx = 1  # auditfix: ignore[AUD0X]\ny = 2  # auditfix: ignore\nz = 3  # noqa\n";
    fs::write(dir.path().join("app/service.py"), text).unwrap();
    let out = auditfix(dir.path(), &["check", "--format", "json"]);
    // Warnings change neither the exit status nor the findings.
    assert_eq!(out.status.code(), Some(1));
    assert!(!codes(&out).contains(&"AUD001".to_string()));
    assert_eq!(
        stderr(&out),
        "warning: app/service.py:8:41: unknown rule code `AUD999` in `# noqa` (see `auditfix rules`)\n\
         warning: app/service.py:12:22: unused suppression of `AUD004` in `# noqa`: no such finding on this line\n\
         warning: app/service.py:15:8: unknown rule code `AUD0X` in `# auditfix: ignore` (see `auditfix rules`)\n\
         warning: app/service.py:16:8: unused suppression `# auditfix: ignore`: no finding on this line to suppress\n"
    );
    // A rule that does not run leaves its suppressions alone.
    let out = auditfix(dir.path(), &["check", "--ignore", "AUD004", "--format", "json"]);
    assert!(!stderr(&out).contains("AUD004"), "{}", stderr(&out));
}

#[test]
fn add_noqa_comments_every_finding_merging_into_existing_noqa() {
    let dir = repo();
    // A line with another tool's `noqa`: the code joins its list.
    let text = SERVICE.replace(
        "        user = User(email=data.email)\n",
        "        user = User(email=data.email)  # noqa: E501\n",
    );
    fs::write(dir.path().join("app/service.py"), &text).unwrap();
    let before = auditfix(dir.path(), &["check", "--format", "json"]);
    let findings = codes(&before).len();
    assert!(findings > 0);

    let out = auditfix(dir.path(), &["check", "--add-noqa"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let added: usize = stderr(&out)
        .lines()
        .find_map(|l| l.strip_prefix("Added ")?.split(' ').next()?.parse().ok())
        .unwrap_or_else(|| panic!("no count: {}", stderr(&out)));
    assert!(added > 0 && added <= findings, "{added} of {findings}");
    let after = fs::read_to_string(dir.path().join("app/service.py")).unwrap();
    assert!(
        after.contains("user = User(email=data.email)  # noqa: E501, AUD003, AUD004"),
        "{after}"
    );
    assert!(
        after.contains("async def create_user(self, data):  # noqa: AUD001"),
        "{after}"
    );
    // Nothing left to report, no suppression unused, and a second run adds nothing.
    let out = auditfix(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(stderr(&out), "");
    let out = auditfix(dir.path(), &["check", "--add-noqa"]);
    assert_eq!(stderr(&out), "Added 0 noqa directives.\n");
    assert_eq!(fs::read_to_string(dir.path().join("app/service.py")).unwrap(), after);
    // No temporary file left beside it.
    let names: Vec<_> = fs::read_dir(dir.path().join("app")).unwrap().collect();
    assert_eq!(names.len(), 3);
}

#[test]
fn add_noqa_names_a_file_it_cannot_check_and_writes_the_others() {
    let dir = repo();
    let broken = "class B:\n    def create_b(self)\n        self.db.add(b)\n";
    fs::write(dir.path().join("app/broken.py"), broken).unwrap();
    let out = auditfix(dir.path(), &["check", "--add-noqa"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("error: app/broken.py: syntax error at line 2, column 23: expected ':'"),
        "{}",
        stderr(&out)
    );
    assert_eq!(fs::read_to_string(dir.path().join("app/broken.py")).unwrap(), broken);
    // The other file still got its comments.
    assert!(fs::read_to_string(dir.path().join("app/service.py"))
        .unwrap()
        .contains("# noqa: AUD"));
}
