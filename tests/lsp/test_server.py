"""End to end: `auditfix server` driven over stdio by a real LSP client.

pytest-lsp starts the binary named by the AUDITFIX_BIN environment
variable (tests/lsp_server.rs passes the one cargo built) and speaks the
protocol to it as an editor would. Each test works on a fresh copy of
`project/`: a model with the audit mixin, a service whose write method is
not audited, and a route that calls it without the user.

The client applies the servers' edits itself (the server never writes a
file) and sends the result back with `didChange`, as an editor does.
"""

import asyncio
import os
import shutil
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

HERE = Path(__file__).parent
BINARY = os.environ.get("AUDITFIX_BIN", "auditfix")
TIMEOUT = 30

SERVICE = "app/service.py"
MODELS = "app/models.py"
ROUTES = "app/routes.py"


def make_client_fixture(unsafe_fixes):
    @pytest_lsp.fixture(config=ClientServerConfig(server_command=[BINARY, "server"]))
    async def fixture(lsp_client: LanguageClient, tmp_path):
        root = tmp_path / "project"
        shutil.copytree(HERE / "project", root)
        lsp_client.root = root
        # What the server asks the client to register (watchers of files).
        lsp_client.registrations = []

        @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
        def register_capability(params: types.RegistrationParams):
            lsp_client.registrations.extend(params.registrations)

        params = types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="project")],
            initialization_options={"unsafeFixes": unsafe_fixes},
        )
        await lsp_client.initialize_session(params)
        yield
        await lsp_client.shutdown_session()

    return fixture


client = make_client_fixture(unsafe_fixes=True)
cautious_client = make_client_fixture(unsafe_fixes=False)


# --- helpers ----------------------------------------------------------------


def uri(client, relative):
    return (client.root / relative).as_uri()


def open_document(client, relative, version=1):
    path = client.root / relative
    text = path.read_text(encoding="utf-8")
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=path.as_uri(), language_id="python", version=version, text=text)
        )
    )
    return text


def change_document(client, relative, version, text=None, change=None):
    """Send a whole new text, or one incremental change."""
    event = change or types.TextDocumentContentChangeWholeDocument(text=text)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri(client, relative), version=version),
            content_changes=[event],
        )
    )


async def diagnostics_where(client, relative, predicate, what):
    """The latest diagnostics of a document, once they satisfy `predicate`."""
    key = uri(client, relative)

    async def wait():
        while True:
            found = client.diagnostics.get(key)
            if found is not None and predicate(found):
                return found
            await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)

    try:
        return await asyncio.wait_for(wait(), TIMEOUT)
    except TimeoutError:
        pytest.fail(f"{relative}: no diagnostics where {what}; last: {codes(client.diagnostics.get(key) or [])}")


def codes(diagnostics):
    return sorted(d.code for d in diagnostics)


def offset(text, position):
    """The index in `text` of an LSP position (UTF-16 columns)."""
    lines = text.split("\n")
    start = sum(len(line) + 1 for line in lines[: position.line])
    line = lines[position.line] if position.line < len(lines) else ""
    units = 0
    for i, char in enumerate(line):
        if units >= position.character:
            return start + i
        units += 2 if ord(char) > 0xFFFF else 1
    return start + len(line)


def apply_edits(text, edits):
    spans = sorted(((offset(text, e.range.start), offset(text, e.range.end), e.new_text) for e in edits), reverse=True)
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


async def code_actions(client, relative, rng, diagnostics=(), only=None):
    result = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri(client, relative)),
            range=rng,
            context=types.CodeActionContext(diagnostics=list(diagnostics), only=only),
        )
    )
    return [a for a in result or [] if isinstance(a, types.CodeAction)]


def full_range():
    return types.Range(start=types.Position(line=0, character=0), end=types.Position(line=10_000, character=0))


# --- tests ------------------------------------------------------------------


@pytest.mark.asyncio(loop_scope="function")
async def test_a_non_compliant_service_gets_diagnostics_and_a_quick_fix_makes_it_compliant(client):
    text = open_document(client, SERVICE)
    found = await diagnostics_where(client, SERVICE, lambda ds: "AUD004" in codes(ds), "AUD004 is reported")
    assert {"AUD001", "AUD002", "AUD003", "AUD004", "AUD007"} <= set(codes(found)), codes(found)
    assert all(d.source == "auditfix" for d in found)
    aud004 = next(d for d in found if d.code == "AUD004")
    assert aud004.data["name"] == "missing-explicit-timestamp"
    # `widget = Widget(name=name)`: the column is the constructor's, in UTF-16 units.
    line = text.split("\n")[aud004.range.start.line]
    assert line[aud004.range.start.character :].startswith("Widget(name=name)"), line

    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri(client, SERVICE)), position=aud004.range.start
        )
    )
    assert hover is not None and "AUD004" in hover.contents.value and "What it does" in hover.contents.value

    actions = await code_actions(client, SERVICE, aud004.range, [aud004])
    fix = next(a for a in actions if "AUD004" in a.title)
    assert fix.kind == types.CodeActionKind.QuickFix and "unsafe" not in fix.title
    assert list(fix.edit.changes) == [uri(client, SERVICE)]
    fixed = apply_edits(text, fix.edit.changes[uri(client, SERVICE)])
    assert "widget.created_at = datetime.now()" in fixed, fixed
    change_document(client, SERVICE, 2, text=fixed)

    after = await diagnostics_where(client, SERVICE, lambda ds: "AUD004" not in codes(ds), "AUD004 is gone")
    assert "AUD003" in codes(after), "the other findings remain"
    # Unsafe fixes are offered (this client allows them), and say so.
    aud007 = next(d for d in after if d.code == "AUD007")
    unsafe = [a for a in await code_actions(client, SERVICE, aud007.range) if "AUD007" in a.title]
    assert unsafe and all("[unsafe]" in a.title for a in unsafe)


@pytest.mark.asyncio(loop_scope="function")
async def test_unsafe_fixes_are_offered_only_when_the_client_allows_them(cautious_client):
    client = cautious_client
    open_document(client, SERVICE)
    found = await diagnostics_where(client, SERVICE, lambda ds: "AUD007" in codes(ds), "AUD007 is reported")
    titles = [a.title for a in await code_actions(client, SERVICE, full_range())]
    assert any("AUD004" in t for t in titles), titles
    assert not any("AUD007" in t or "unsafe" in t for t in titles), titles
    assert any(d.code == "AUD007" for d in found)


@pytest.mark.asyncio(loop_scope="function")
async def test_fix_all_applies_every_safe_fix_as_one_edit(client):
    text = open_document(client, SERVICE)
    await diagnostics_where(client, SERVICE, lambda ds: "AUD004" in codes(ds), "AUD004 is reported")
    actions = await code_actions(client, SERVICE, full_range(), only=["source.fixAll.auditfix"])
    assert [a.kind for a in actions] == ["source.fixAll.auditfix"], [a.title for a in actions]
    fixed = apply_edits(text, actions[0].edit.changes[uri(client, SERVICE)])
    change_document(client, SERVICE, 2, text=fixed)
    left = await diagnostics_where(
        client, SERVICE, lambda ds: not {"AUD001", "AUD002", "AUD003", "AUD004"} & set(codes(ds)), "the safe ones are gone"
    )
    assert all(d.data["fix"] != "safe" for d in left), codes(left)
    assert "created_by_user=None" in fixed and "set_created_by" in fixed, fixed


@pytest.mark.asyncio(loop_scope="function")
async def test_dropping_the_mixin_in_the_model_changes_the_services_diagnostics(client):
    open_document(client, SERVICE)
    models = open_document(client, MODELS)
    await diagnostics_where(client, SERVICE, lambda ds: "AUD003" in codes(ds), "AUD003 is reported")
    # One incremental change, unsaved: `Widget(Base, AuditMixin)` -> `Widget(Base)`.
    line = next(i for i, l in enumerate(models.split("\n")) if l.startswith("class Widget("))
    start = models.split("\n")[line].index(", AuditMixin")
    change = types.TextDocumentContentChangePartial(
        range=types.Range(
            start=types.Position(line=line, character=start),
            end=types.Position(line=line, character=start + len(", AuditMixin")),
        ),
        text="",
    )
    change_document(client, MODELS, 2, change=change)
    after = await diagnostics_where(client, SERVICE, lambda ds: "AUD011" in codes(ds), "AUD011 is reported")
    assert "AUD003" not in codes(after), codes(after)
    # The finding points at the model's class definition.
    aud011 = next(d for d in after if d.code == "AUD011")
    model = [r.location for r in aud011.related_information or [] if r.location.uri == uri(client, MODELS)]
    assert len(model) == 1, aud011.related_information
    assert model[0].range.start == types.Position(line=line, character=len("class ")), model[0].range
    # The disk still has the mixin: the analysis read the open document.
    assert "Widget(Base, AuditMixin)" in (client.root / MODELS).read_text()
    change_document(client, MODELS, 3, text=models)
    back = await diagnostics_where(client, SERVICE, lambda ds: "AUD011" not in codes(ds), "AUD011 is gone again")
    assert "AUD003" in codes(back)


@pytest.mark.asyncio(loop_scope="function")
async def test_a_cross_file_fix_is_one_edit_of_both_files(client):
    routes = open_document(client, ROUTES)
    found = await diagnostics_where(client, ROUTES, lambda ds: "AUD012" in codes(ds), "AUD012 is reported")
    aud012 = next(d for d in found if d.code == "AUD012")
    related = aud012.related_information or []
    assert {r.location.uri for r in related} == {uri(client, SERVICE)}, related
    # One is where the fix changes the service, one the method called.
    service_lines = (client.root / SERVICE).read_text(encoding="utf-8").split("\n")
    callee = [r for r in related if "create_widget" in r.message]
    assert len(callee) == 1 and len(related) == 2, related
    at = callee[0].location.range.start
    assert service_lines[at.line][at.character :].startswith("create_widget("), (at, service_lines[at.line])

    actions = [a for a in await code_actions(client, ROUTES, aud012.range, [aud012]) if "AUD012" in a.title]
    assert len(actions) == 1, [a.title for a in actions]
    action = actions[0]
    assert "in 2 files" in action.title and "[unsafe]" in action.title, action.title
    assert sorted(action.edit.changes) == sorted([uri(client, ROUTES), uri(client, SERVICE)])

    service = (client.root / SERVICE).read_text(encoding="utf-8")
    new_routes = apply_edits(routes, action.edit.changes[uri(client, ROUTES)])
    new_service = apply_edits(service, action.edit.changes[uri(client, SERVICE)])
    assert "created_by_user=current_user" in new_routes, new_routes
    assert "created_by_user=None" in new_service, new_service
    # The server wrote nothing.
    assert (client.root / SERVICE).read_text(encoding="utf-8") == service

    open_document(client, SERVICE)
    change_document(client, SERVICE, 2, text=new_service)
    change_document(client, ROUTES, 2, text=new_routes)
    await diagnostics_where(client, ROUTES, lambda ds: "AUD012" not in codes(ds), "AUD012 is gone")


async def watchers(client):
    """The glob patterns the server registered for `didChangeWatchedFiles`."""

    async def wait():
        while True:
            for registration in client.registrations:
                if registration.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES:
                    options = registration.register_options
                    return [w["globPattern"] if isinstance(w, dict) else w.glob_pattern for w in options["watchers"]]
            await asyncio.sleep(0.05)

    try:
        return await asyncio.wait_for(wait(), TIMEOUT)
    except TimeoutError:
        pytest.fail(f"no watchers registered; registrations: {client.registrations}")


def changed_on_disk(client, *relatives, kind=types.FileChangeType.Changed):
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(changes=[types.FileEvent(uri=uri(client, r), type=kind) for r in relatives])
    )


@pytest.mark.asyncio(loop_scope="function")
async def test_files_changed_on_disk_update_the_diagnostics_of_the_open_documents_depending_on_them(client):
    globs = await watchers(client)
    assert {"**/*.py", "**/pyproject.toml", "**/auditfix.toml"} <= set(globs), globs
    open_document(client, SERVICE)
    await diagnostics_where(client, SERVICE, lambda ds: "AUD003" in codes(ds), "AUD003 is reported")

    # The model, not open in the editor, drops the mixin on disk (a
    # checkout, another tool): the watcher reports it.
    models = client.root / MODELS
    models.write_text(models.read_text(encoding="utf-8").replace("(Base, AuditMixin)", "(Base)"), encoding="utf-8")
    changed_on_disk(client, MODELS)
    after = await diagnostics_where(client, SERVICE, lambda ds: "AUD011" in codes(ds), "AUD011 is reported")
    assert "AUD003" not in codes(after), codes(after)

    # The configuration exempts the model: the folder is loaded again.
    pyproject = client.root / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text(encoding="utf-8").replace("[tool.auditfix]", '[tool.auditfix]\nexempt-models = ["Widget"]'),
        encoding="utf-8",
    )
    changed_on_disk(client, "pyproject.toml")
    await diagnostics_where(client, SERVICE, lambda ds: "AUD011" not in codes(ds), "AUD011 is gone")


@pytest.mark.asyncio(loop_scope="function")
async def test_a_file_created_or_deleted_on_disk_changes_what_the_others_find(client):
    await watchers(client)
    open_document(client, SERVICE)
    await diagnostics_where(client, SERVICE, lambda ds: "AUD003" in codes(ds), "AUD003 is reported")

    # The model takes a base no module defines yet: the service's model
    # records no user.
    models = client.root / MODELS
    models.write_text(
        models.read_text(encoding="utf-8").replace("(Base, AuditMixin)", "(Base, Marked)"), encoding="utf-8"
    )
    changed_on_disk(client, MODELS)
    await diagnostics_where(client, SERVICE, lambda ds: "AUD011" in codes(ds), "AUD011 is reported")

    # A new module, which nothing imports, defines the base with the mixin.
    marks = "app/marks.py"
    (client.root / marks).write_text(
        "from app.audit import AuditMixin\n\n\nclass Marked(AuditMixin):\n    pass\n", encoding="utf-8"
    )
    changed_on_disk(client, marks, kind=types.FileChangeType.Created)
    after = await diagnostics_where(client, SERVICE, lambda ds: "AUD011" not in codes(ds), "AUD011 is gone")
    assert "AUD003" in codes(after), codes(after)

    # It is deleted: the base is undefined again.
    (client.root / marks).unlink()
    changed_on_disk(client, marks, kind=types.FileChangeType.Deleted)
    await diagnostics_where(client, SERVICE, lambda ds: "AUD011" in codes(ds), "AUD011 is reported again")


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-v"]))
