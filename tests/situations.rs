//! The seven situations of the audit report, as the example app holds them
//! (examples/audit_app), plus a model without the mixin and the routes.
//!
//! `expected_findings` is the test oracle: the findings each situation must
//! produce, method by method, taken from the report — except where the
//! report contradicts the code (it believed `Tenant` lacked the mixin; the
//! code says `Tenant(GlobalModel)` with `GlobalModel(Base, AuditMixin)`), and
//! where PRODUCT.md goes further (callers must pass the user). The fix of
//! every situation file is snapshotted as a diff, reviewed line by line.

use auditfix::config::Config;
use auditfix::pipeline::Workspace;
use auditfix::printer::diff::unified_diff;
use std::collections::BTreeMap;
use std::path::PathBuf;

const APP: &str = "examples/audit_app";

fn workspace() -> Workspace {
    Workspace::load(&[PathBuf::from(APP)], Config::default())
}

/// (file below app/, method) -> sorted codes.
fn expected_findings() -> BTreeMap<(&'static str, &'static str), Vec<&'static str>> {
    let smtp = "features/administration/smtp/services/crud_services.py";
    let users = "features/administration/users/services/crud_services.py";
    let tenants = "features/administration/tenants/services.py";
    let planning = "features/business_automations/content_broadcaster/services/content_planning_service.py";
    let broadcaster = "features/business_automations/content_broadcaster/services/content_broadcaster_service.py";
    let connector = "features/connectors/connectors/services/connector_service.py";
    let logs = "features/administration/logs/services/crud_services.py";
    let routes = "api/routes/users.py";
    BTreeMap::from([
        // File 2, SMTP: mostly compliant: timestamps, style, no IntegrityError.
        (
            (smtp, "SMTPConfigurationService.create_smtp_configuration"),
            vec!["AUD004", "AUD007"],
        ),
        (
            (smtp, "SMTPConfigurationService.update_smtp_configuration"),
            vec!["AUD004", "AUD007"],
        ),
        (
            (smtp, "SMTPConfigurationService.activate_smtp_configuration"),
            vec!["AUD006", "AUD007"],
        ),
        (
            (smtp, "SMTPConfigurationService.deactivate_smtp_configuration"),
            vec!["AUD006", "AUD007"],
        ),
        // File 3, users: no context, no setter, no timestamps, func.now(), no IntegrityError.
        (
            (users, "UserService.create_user"),
            vec!["AUD001", "AUD002", "AUD003", "AUD004", "AUD007"],
        ),
        (
            (users, "UserService.update_user"),
            vec!["AUD001", "AUD002", "AUD003", "AUD005", "AUD007"],
        ),
        ((users, "UserService.delete_user"), vec!["AUD007"]),
        // File 4, tenants: the code gives Tenant the mixin, so S1-S3 apply.
        (
            (tenants, "TenantService.create_tenant"),
            vec!["AUD001", "AUD002", "AUD003", "AUD004", "AUD007"],
        ),
        (
            (tenants, "TenantService.update_tenant"),
            vec!["AUD001", "AUD002", "AUD003", "AUD004", "AUD007"],
        ),
        // File 5, content planning: manual audit fields, no timestamps on create.
        (
            (planning, "ContentPlanningService.create_plan"),
            vec!["AUD001", "AUD002", "AUD003", "AUD004", "AUD007", "AUD010"],
        ),
        (
            (planning, "ContentPlanningService.update_plan"),
            vec!["AUD001", "AUD002", "AUD003", "AUD007"],
        ),
        // File 6, content broadcaster: partial: timestamps on create, aware time.
        (
            (broadcaster, "ContentBroadcasterService.create_content"),
            vec!["AUD004", "AUD007"],
        ),
        (
            (broadcaster, "ContentBroadcasterService.update_content"),
            vec!["AUD007"],
        ),
        (
            (broadcaster, "ContentBroadcasterService.delete_content"),
            vec!["AUD006", "AUD007"],
        ),
        // File 7, connectors: manual fields (one a mixin column, one no column at all).
        (
            (connector, "ConnectorService.install_connector"),
            vec!["AUD001", "AUD002", "AUD003", "AUD004", "AUD007", "AUD010", "AUD015"],
        ),
        (
            (connector, "ConnectorService.update_connector"),
            vec!["AUD001", "AUD002", "AUD003", "AUD004", "AUD007"],
        ),
        // A model without the mixin, and a NameError waiting.
        (
            (logs, "LogEntryService.create_log_entry"),
            vec!["AUD004", "AUD009", "AUD011"],
        ),
        // Routes that hold the user and drop it.
        ((routes, "post_user"), vec!["AUD012"]),
        ((routes, "patch_user"), vec!["AUD012"]),
    ])
}

#[test]
fn each_situation_produces_exactly_the_reported_findings() {
    let result = workspace().check();
    assert!(result.errors.is_empty(), "{:?}", result.errors);
    let mut actual: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for (file, d) in result.diagnostics() {
        let path = file.path.to_string_lossy().replace('\\', "/");
        let below = path.split("/app/").nth(1).unwrap_or(&path).to_string();
        actual
            .entry((below, d.function.clone().unwrap_or_default()))
            .or_default()
            .push(d.rule.code().to_string());
    }
    for codes in actual.values_mut() {
        codes.sort();
    }
    let expected: BTreeMap<(String, String), Vec<String>> = expected_findings()
        .into_iter()
        .map(|((f, m), c)| {
            (
                (f.to_string(), m.to_string()),
                c.into_iter().map(String::from).collect(),
            )
        })
        .collect();
    assert_eq!(actual, expected);
}

#[test]
fn the_gold_standard_is_clean_and_audited() {
    let result = workspace().check();
    let secrets = result
        .files
        .iter()
        .find(|f| f.path.ends_with("secrets/services/crud_services.py"))
        .expect("the gold standard is checked");
    assert!(secrets.diagnostics.is_empty(), "{:?}", secrets.diagnostics);
    let mut methods = secrets.write_methods.clone();
    methods.sort();
    assert_eq!(
        methods,
        [
            "SecretService.create_secret",
            "SecretService.delete_secret",
            "SecretService.update_secret"
        ]
    );
}

#[test]
fn the_positional_caller_of_the_report_situation_is_not_shifted() {
    let ws = workspace();
    let fixed = ws.fix(true);
    // `fix` lists the files it may change; an unchanged one may be absent.
    assert!(
        fixed
            .iter()
            .filter(|f| f.display.ends_with("users/bootstrap.py"))
            .all(|f| !f.changed()),
        "the positional caller needs no change: the parameter is appended"
    );
    let calls = ws.check();
    let bootstrap = calls
        .files
        .iter()
        .find(|f| f.path.ends_with("users/bootstrap.py"))
        .expect("bootstrap.py is checked");
    assert!(bootstrap.diagnostics.is_empty(), "{:?}", bootstrap.diagnostics);
    let users = fixed
        .iter()
        .find(|f| f.display.ends_with("users/services/crud_services.py"))
        .unwrap();
    assert!(users
        .fixed
        .contains("target_tenant_id: Optional[str] = None, created_by_user=None)"));
}

macro_rules! situation_diffs {
    ($($name:ident => $file:literal;)*) => {
        $(
            #[test]
            fn $name() {
                let fixed = workspace().fix(true);
                let file = fixed.iter().find(|f| f.display.ends_with($file)).expect($file);
                assert!(file.problems.is_empty(), "{:?}", file.problems);
                insta::assert_snapshot!(unified_diff(&file.display, &file.original, &file.fixed, false));
            }
        )*
    };
}

situation_diffs! {
    situation_1_secrets_gold_standard => "secrets/services/crud_services.py";
    situation_2_smtp => "smtp/services/crud_services.py";
    situation_3_users => "users/services/crud_services.py";
    situation_4_tenants => "tenants/services.py";
    situation_5_content_planning => "services/content_planning_service.py";
    situation_6_content_broadcaster => "services/content_broadcaster_service.py";
    situation_7_connectors => "connectors/services/connector_service.py";
    situation_logs_without_mixin => "logs/services/crud_services.py";
    situation_routes => "api/routes/users.py";
}
