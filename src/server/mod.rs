//! `auditfix server`: the Language Server Protocol over standard input and
//! output (the `lsp-server` and `lsp-types` crates, as ruff's server).
//!
//! What lives here is the protocol loop: each workspace folder is loaded
//! once ([`project::Project`]: configuration and files found as the command
//! line finds them) and kept warm (every file's tree, every module's facts,
//! each file's per-file findings with what they read of the index); open,
//! change and save of a document mark its folder for a new analysis, which
//! reads the open documents' texts instead of the disk's and re-checks the
//! changed files and only the files whose findings may depend on them, and
//! the diagnostics of the open documents that changed are published. Messages are taken in batches: everything that arrived while
//! the last analysis ran is applied before the next one starts, so a newer
//! `didChange` supersedes the work pending for older versions, and a
//! request cancelled meanwhile is answered as cancelled without work.
//!
//! When the client can, the server has it watch the Python and the
//! configuration files (`workspace/didChangeWatchedFiles`, registered
//! dynamically): a module changed on disk is read again and the open
//! documents depending on it re-checked; a Python file created or deleted
//! has the folder walked again (what the other files made is kept, unless
//! it may see the file); a configuration file changed reloads the folder.
//!
//! The server never writes a file: fixes are `WorkspaceEdit`s the editor
//! applies (quick fixes per finding, unsafe ones only when the client's
//! `unsafeFixes` setting allows; `source.fixAll.auditfix` for every safe
//! fix; a callers' fix that spans files as one edit of all of them).

// `lsp_types::Uri` caches parsed parts in a `Cell`, but its hash and
// equality read only its text: a safe key (as in ruff's server).
#![allow(clippy::mutable_key_type)]

pub mod convert;
pub mod documents;
pub mod project;

use crate::commands::ExitStatus;
use documents::{canonical, uri_to_path, Documents};
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{self as notify, Notification as _};
use lsp_types::request::{self as req, Request as _};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionProviderCapability, HoverProviderCapability, InitializeParams,
    PublishDiagnosticsParams, SaveOptions, ServerCapabilities, ServerInfo, TextDocumentSyncCapability,
    TextDocumentSyncKind, TextDocumentSyncOptions, TextDocumentSyncSaveOptions, Uri,
    WorkspaceFoldersServerCapabilities, WorkspaceServerCapabilities,
};
use project::Project;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Run the server on standard input and output until the client says `exit`.
pub fn run() -> anyhow::Result<ExitStatus> {
    let (connection, io_threads) = Connection::stdio();
    serve(&connection)?;
    drop(connection);
    io_threads.join()?;
    Ok(ExitStatus::Clean)
}

/// The whole session on `connection`: the handshake, then the loop.
pub fn serve(connection: &Connection) -> anyhow::Result<()> {
    let (id, params) = connection.initialize_start()?;
    let params: InitializeParams = serde_json::from_value(params)?;
    let result = lsp_types::InitializeResult {
        capabilities: capabilities(),
        server_info: Some(ServerInfo {
            name: "auditfix".to_string(),
            version: Some(env!("CARGO_PKG_VERSION").to_string()),
        }),
    };
    connection.initialize_finish(id, serde_json::to_value(result)?)?;
    if watches_files(&params) {
        connection.sender.send(Message::Request(watch_request()))?;
    }
    let mut server = Server::new(&params);
    server.main_loop(connection)
}

/// The files whose changes on disk the server asks the client to report:
/// Python files (a closed module an open document depends on) and the
/// configuration files (they reload the folder).
pub const WATCHED: [&str; 4] = ["**/*.py", "**/pyproject.toml", "**/auditfix.toml", "**/.auditfix.toml"];

/// Whether the client can be asked to watch files for the server
/// (`workspace/didChangeWatchedFiles` with dynamic registration).
fn watches_files(params: &InitializeParams) -> bool {
    params
        .capabilities
        .workspace
        .as_ref()
        .and_then(|w| w.did_change_watched_files.as_ref())
        .and_then(|w| w.dynamic_registration)
        .unwrap_or(false)
}

/// The request registering the watchers of [`WATCHED`]; the client
/// answers it, and the answer needs nothing done.
fn watch_request() -> Request {
    let options = lsp_types::DidChangeWatchedFilesRegistrationOptions {
        watchers: WATCHED
            .iter()
            .map(|glob| lsp_types::FileSystemWatcher {
                glob_pattern: lsp_types::GlobPattern::String(glob.to_string()),
                kind: None,
            })
            .collect(),
    };
    let params = lsp_types::RegistrationParams {
        registrations: vec![lsp_types::Registration {
            id: "auditfix-watched-files".to_string(),
            method: notify::DidChangeWatchedFiles::METHOD.to_string(),
            register_options: serde_json::to_value(options).ok(),
        }],
    };
    Request::new(
        RequestId::from("auditfix-watched-files".to_string()),
        req::RegisterCapability::METHOD.to_string(),
        params,
    )
}

/// What the server tells the client it does.
fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
            open_close: Some(true),
            change: Some(TextDocumentSyncKind::INCREMENTAL),
            save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                include_text: Some(false),
            })),
            ..TextDocumentSyncOptions::default()
        })),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![
                CodeActionKind::QUICKFIX,
                CodeActionKind::SOURCE_FIX_ALL,
                CodeActionKind::new(project::FIX_ALL_KIND),
            ]),
            ..CodeActionOptions::default()
        })),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        workspace: Some(WorkspaceServerCapabilities {
            workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                supported: Some(true),
                change_notifications: Some(lsp_types::OneOf::Left(true)),
            }),
            file_operations: None,
        }),
        ..ServerCapabilities::default()
    }
}

/// The client's settings the server reads: `{"unsafeFixes": true}` as
/// initialization options or as the `auditfix` section of
/// `workspace/didChangeConfiguration`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Settings {
    /// Offer unsafe fixes as code actions.
    pub unsafe_fixes: bool,
}

impl Settings {
    /// The settings in `value` (`{"unsafeFixes": ..}`, or the same below an
    /// `auditfix` key); what it does not say stays as it was.
    pub fn update(&mut self, value: &serde_json::Value) {
        let section = value.get("auditfix").unwrap_or(value);
        if let Some(unsafe_fixes) = section.get("unsafeFixes").and_then(serde_json::Value::as_bool) {
            self.unsafe_fixes = unsafe_fixes;
        }
    }
}

struct Server {
    projects: Vec<Project>,
    documents: Documents,
    settings: Settings,
    /// The diagnostics last published per document, to publish only changes.
    published: HashMap<Uri, Vec<lsp_types::Diagnostic>>,
    /// The version of each document they were last published for.
    published_versions: HashMap<Uri, i32>,
}

/// What a batch of messages asks for once they are all applied.
#[derive(Default)]
struct Batch {
    /// Requests to answer, in arrival order.
    requests: Vec<Request>,
    /// Requests the client cancelled.
    cancelled: HashSet<RequestId>,
    /// Folders (by root) to analyse again.
    dirty: HashSet<PathBuf>,
    /// Documents whose diagnostics are published even when unchanged
    /// (just opened).
    announce: HashSet<Uri>,
    exit: bool,
}

impl Server {
    fn new(params: &InitializeParams) -> Server {
        let mut settings = Settings::default();
        if let Some(options) = &params.initialization_options {
            settings.update(options);
        }
        let mut roots: Vec<PathBuf> = params
            .workspace_folders
            .iter()
            .flatten()
            .filter_map(|folder| uri_to_path(&folder.uri))
            .collect();
        #[allow(deprecated)]
        if roots.is_empty() {
            roots.extend(params.root_uri.as_ref().and_then(uri_to_path));
        }
        if roots.is_empty() {
            roots.extend(std::env::current_dir().ok());
        }
        Server {
            projects: roots.iter().map(|root| Project::load(root)).collect(),
            documents: Documents::default(),
            settings,
            published: HashMap::new(),
            published_versions: HashMap::new(),
        }
    }

    fn main_loop(&mut self, connection: &Connection) -> anyhow::Result<()> {
        while let Ok(first) = connection.receiver.recv() {
            let mut batch = Batch::default();
            self.take(connection, first, &mut batch)?;
            // Whatever else is waiting: a burst of keystrokes is one analysis.
            while let Ok(message) = connection.receiver.try_recv() {
                self.take(connection, message, &mut batch)?;
            }
            if batch.exit {
                return Ok(());
            }
            self.analyse(connection, &batch)?;
            for request in batch.requests {
                let response = if batch.cancelled.contains(&request.id) {
                    Response::new_err(request.id, ErrorCode::RequestCanceled as i32, "cancelled".into())
                } else {
                    self.answer(request)
                };
                connection.sender.send(Message::Response(response))?;
            }
        }
        Ok(())
    }

    /// Apply one message to the state, noting in `batch` what it asks for.
    fn take(&mut self, connection: &Connection, message: Message, batch: &mut Batch) -> anyhow::Result<()> {
        match message {
            Message::Request(request) => {
                if connection.handle_shutdown(&request)? {
                    batch.exit = true;
                } else {
                    batch.requests.push(request);
                }
            }
            Message::Notification(notification) => self.notice(notification, batch),
            Message::Response(_) => {}
        }
        Ok(())
    }

    fn notice(&mut self, notification: Notification, batch: &mut Batch) {
        let method = notification.method.as_str();
        let params = notification.params;
        match method {
            notify::DidOpenTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<lsp_types::DidOpenTextDocumentParams>(params) else {
                    return;
                };
                let doc = p.text_document;
                let Some(document) = self.documents.open(doc.uri.clone(), doc.text, doc.version) else {
                    return;
                };
                let path = document.path.clone();
                // A file the walk did not find (created since): walk again.
                if let Some(project) = self.project_of_mut(&path) {
                    if !project.knows(&path) && path.is_file() {
                        *project = Project::load(&project.root);
                    }
                }
                batch.announce.insert(doc.uri);
                self.mark(&path, batch);
            }
            notify::DidChangeTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<lsp_types::DidChangeTextDocumentParams>(params) else {
                    return;
                };
                let Some(document) = self.documents.get_mut(&p.text_document.uri) else {
                    return;
                };
                convert::apply_changes(&mut document.text, p.content_changes);
                document.version = p.text_document.version;
                let path = document.path.clone();
                self.mark(&path, batch);
            }
            notify::DidSaveTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<lsp_types::DidSaveTextDocumentParams>(params) else {
                    return;
                };
                if let Some(path) = uri_to_path(&p.text_document.uri) {
                    self.disk_changed(&canonical(&path), batch);
                }
            }
            notify::DidCloseTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<lsp_types::DidCloseTextDocumentParams>(params) else {
                    return;
                };
                if let Some(document) = self.documents.close(&p.text_document.uri) {
                    self.mark(&document.path, batch);
                    // Its findings are no longer shown.
                    self.published.insert(document.uri, Vec::new());
                    batch.announce.insert(p.text_document.uri);
                }
            }
            notify::DidChangeWatchedFiles::METHOD => {
                let Ok(p) = serde_json::from_value::<lsp_types::DidChangeWatchedFilesParams>(params) else {
                    return;
                };
                for change in p.changes {
                    if let Some(path) = uri_to_path(&change.uri) {
                        self.disk_changed(&canonical(&path), batch);
                    }
                }
            }
            notify::DidChangeConfiguration::METHOD => {
                let Ok(p) = serde_json::from_value::<lsp_types::DidChangeConfigurationParams>(params) else {
                    return;
                };
                self.settings.update(&p.settings);
            }
            notify::DidChangeWorkspaceFolders::METHOD => {
                let Ok(p) = serde_json::from_value::<lsp_types::DidChangeWorkspaceFoldersParams>(params) else {
                    return;
                };
                let removed: Vec<PathBuf> = p
                    .event
                    .removed
                    .iter()
                    .filter_map(|f| uri_to_path(&f.uri))
                    .map(|p| canonical(&p))
                    .collect();
                self.projects.retain(|project| !removed.contains(&project.root));
                for folder in p.event.added {
                    if let Some(root) = uri_to_path(&folder.uri) {
                        let project = Project::load(&root);
                        batch.dirty.insert(project.root.clone());
                        self.projects.push(project);
                    }
                }
            }
            notify::Cancel::METHOD => {
                let Ok(p) = serde_json::from_value::<lsp_types::CancelParams>(params) else {
                    return;
                };
                batch.cancelled.insert(match p.id {
                    lsp_types::NumberOrString::Number(n) => RequestId::from(n),
                    lsp_types::NumberOrString::String(s) => RequestId::from(s),
                });
            }
            _ => {}
        }
    }

    /// A file changed on disk (saved, or changed outside the editor): a
    /// configuration file reloads its folder; a new or deleted Python file
    /// has the next analysis walk the folder again (keeping what the files
    /// still there made); any other change marks it for a new analysis
    /// (closed files are read from disk anew by each analysis).
    fn disk_changed(&mut self, path: &Path, batch: &mut Batch) {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let reload = matches!(name, "pyproject.toml" | "auditfix.toml" | ".auditfix.toml");
        if let Some(project) = self.project_of_mut(path) {
            let python = path.extension().is_some_and(|e| e == "py");
            if reload {
                *project = Project::load(&project.root);
            } else if python && project.knows(path) != path.is_file() {
                project.files_moved();
            } else {
                project.changed_on_disk(path);
            }
        }
        self.mark(path, batch);
    }

    /// The folder a file belongs to: the deepest one holding it.
    fn project_of_mut(&mut self, path: &Path) -> Option<&mut Project> {
        self.projects
            .iter_mut()
            .filter(|p| p.contains(path))
            .max_by_key(|p| p.root.components().count())
    }

    fn project_of(&self, path: &Path) -> Option<&Project> {
        self.projects
            .iter()
            .filter(|p| p.contains(path))
            .max_by_key(|p| p.root.components().count())
    }

    fn mark(&self, path: &Path, batch: &mut Batch) {
        if let Some(project) = self.project_of(path) {
            batch.dirty.insert(project.root.clone());
        }
    }

    /// Analyse the folders the batch changed, and publish the diagnostics
    /// of their open documents that differ from those last published.
    fn analyse(&mut self, connection: &Connection, batch: &Batch) -> anyhow::Result<()> {
        for project in self.projects.iter_mut().filter(|p| batch.dirty.contains(&p.root)) {
            project.analyse(&self.documents);
        }
        let mut publish = Vec::new();
        for uri in &batch.announce {
            if self.documents.get(uri).is_none() {
                publish.push(PublishDiagnosticsParams::new(uri.clone(), Vec::new(), None));
            }
        }
        for document in self.documents.iter() {
            let Some(project) = self.project_of(&document.path) else {
                continue;
            };
            if !batch.dirty.contains(&project.root) {
                continue;
            }
            let diagnostics = project.diagnostics(document);
            // Published again when unchanged if the document was edited:
            // the client then knows they hold for its newest version.
            let unchanged = self.published.get(&document.uri) == Some(&diagnostics)
                && self.published_versions.get(&document.uri) == Some(&document.version);
            if unchanged && !batch.announce.contains(&document.uri) {
                continue;
            }
            self.published.insert(document.uri.clone(), diagnostics.clone());
            self.published_versions.insert(document.uri.clone(), document.version);
            publish.push(PublishDiagnosticsParams::new(
                document.uri.clone(),
                diagnostics,
                Some(document.version),
            ));
        }
        for params in publish {
            let notification = Notification::new(notify::PublishDiagnostics::METHOD.to_string(), params);
            connection.sender.send(Message::Notification(notification))?;
        }
        Ok(())
    }

    fn answer(&self, request: Request) -> Response {
        let id = request.id.clone();
        match request.method.as_str() {
            req::CodeActionRequest::METHOD => {
                match serde_json::from_value::<lsp_types::CodeActionParams>(request.params) {
                    Ok(p) => {
                        let actions: Vec<lsp_types::CodeActionOrCommand> = self
                            .documents
                            .get(&p.text_document.uri)
                            .and_then(|document| {
                                let project = self.project_of(&document.path)?;
                                Some(project.code_actions(
                                    document,
                                    p.range,
                                    p.context.only.as_deref(),
                                    self.settings.unsafe_fixes,
                                ))
                            })
                            .unwrap_or_default()
                            .into_iter()
                            .map(lsp_types::CodeActionOrCommand::CodeAction)
                            .collect();
                        Response::new_ok(id, actions)
                    }
                    Err(e) => invalid(id, e),
                }
            }
            req::HoverRequest::METHOD => match serde_json::from_value::<lsp_types::HoverParams>(request.params) {
                Ok(p) => {
                    let at = p.text_document_position_params;
                    let hover = self.documents.get(&at.text_document.uri).and_then(|document| {
                        let text = self.project_of(&document.path)?.hover(document, at.position)?;
                        Some(lsp_types::Hover {
                            contents: lsp_types::HoverContents::Markup(lsp_types::MarkupContent {
                                kind: lsp_types::MarkupKind::Markdown,
                                value: text,
                            }),
                            range: None,
                        })
                    });
                    Response::new_ok(id, hover)
                }
                Err(e) => invalid(id, e),
            },
            method => Response::new_err(
                id,
                ErrorCode::MethodNotFound as i32,
                format!("auditfix server does not handle `{method}`"),
            ),
        }
    }
}

fn invalid(id: RequestId, error: serde_json::Error) -> Response {
    Response::new_err(id, ErrorCode::InvalidParams as i32, error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// A copy of the end-to-end test's project (a service without audit).
    fn project() -> tempfile::TempDir {
        copy_test_project(&[])
    }

    /// A copy of the end-to-end test's project (`tests/lsp/project`): its
    /// models, audit module and service, and the files of `more`.
    pub(crate) fn copy_test_project(more: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lsp/project");
        let entries = [
            "pyproject.toml",
            "app/__init__.py",
            "app/audit.py",
            "app/models.py",
            "app/service.py",
        ];
        for entry in entries.iter().chain(more) {
            let target = dir.path().join(entry);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::copy(from.join(entry), target).unwrap();
        }
        dir
    }

    fn request(id: i32, method: &str, params: serde_json::Value) -> Message {
        Message::Request(Request::new(RequestId::from(id), method.to_string(), params))
    }

    fn notification(method: &str, params: serde_json::Value) -> Message {
        Message::Notification(Notification::new(method.to_string(), params))
    }

    #[test]
    fn a_burst_of_changes_is_one_analysis_of_the_newest_and_a_cancelled_request_is_answered_as_such() {
        let dir = project();
        let root = canonical(dir.path());
        let uri = documents::path_to_uri(&root.join("app/service.py")).unwrap();
        let text = std::fs::read_to_string(root.join("app/service.py")).unwrap();
        let (server, client) = Connection::memory();
        // Everything is sent before the server starts: after the handshake,
        // it finds the whole burst waiting.
        let messages = [
            request(
                1,
                "initialize",
                serde_json::json!({"capabilities": {}, "rootUri": documents::path_to_uri(&root).unwrap()}),
            ),
            notification("initialized", serde_json::json!({})),
            notification(
                "textDocument/didOpen",
                serde_json::json!({"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}}),
            ),
            notification(
                "textDocument/didChange",
                serde_json::json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": "x = 1\n"}]}),
            ),
            notification(
                "textDocument/didChange",
                serde_json::json!({"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": text}]}),
            ),
            request(
                5,
                "textDocument/codeAction",
                serde_json::json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 99, "character": 0}}, "context": {"diagnostics": []}}),
            ),
            notification("$/cancelRequest", serde_json::json!({"id": 5})),
            request(
                6,
                "textDocument/codeAction",
                serde_json::json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 99, "character": 0}}, "context": {"diagnostics": []}}),
            ),
        ];
        for message in messages {
            client.sender.send(message).unwrap();
        }
        let thread = std::thread::spawn(move || serve(&server));
        let mut received = Vec::new();
        while let Ok(message) = client.receiver.recv_timeout(Duration::from_secs(60)) {
            let done = matches!(&message, Message::Response(r) if r.id == RequestId::from(6));
            received.push(message);
            if done {
                break;
            }
        }
        let published: Vec<&Notification> = received
            .iter()
            .filter_map(|m| match m {
                Message::Notification(n) if n.method == "textDocument/publishDiagnostics" => Some(n),
                _ => None,
            })
            .collect();
        assert_eq!(published.len(), 1, "one analysis for the burst: {received:?}");
        let params: PublishDiagnosticsParams = serde_json::from_value(published[0].params.clone()).unwrap();
        assert_eq!(params.version, Some(3), "the newest version only");
        assert!(params
            .diagnostics
            .iter()
            .any(|d| d.code == Some(lsp_types::NumberOrString::String("AUD004".into()))));
        let response = |id: i32| {
            received.iter().find_map(|m| match m {
                Message::Response(r) if r.id == RequestId::from(id) => Some(r.clone()),
                _ => None,
            })
        };
        let cancelled = response(5).expect("the cancelled request is answered");
        assert_eq!(
            cancelled.response_result.err().map(|e| e.code),
            Some(ErrorCode::RequestCanceled as i32)
        );
        let answered = response(6).expect("the other request is answered");
        let actions: Vec<lsp_types::CodeActionOrCommand> =
            serde_json::from_value(answered.response_result.unwrap()).unwrap();
        assert!(!actions.is_empty());

        client
            .sender
            .send(request(7, "shutdown", serde_json::Value::Null))
            .unwrap();
        client
            .sender
            .send(notification("exit", serde_json::Value::Null))
            .unwrap();
        thread.join().unwrap().unwrap();
    }

    #[test]
    fn settings_come_from_initialization_options_or_the_auditfix_section() {
        let mut settings = Settings::default();
        settings.update(&serde_json::json!({"unsafeFixes": true}));
        assert!(settings.unsafe_fixes);
        settings.update(&serde_json::json!({"auditfix": {"unsafeFixes": false}}));
        assert!(!settings.unsafe_fixes);
        settings.update(&serde_json::json!({"other": 1}));
        assert!(!settings.unsafe_fixes, "unsaid settings stay as they were");
    }
}
