"""The web chat: streamed answers whose ``[n]`` markers open the quoted passage in a sources panel.

This module owns the page: its layout (:func:`build_app`: a Chat and a Documents tab), which control
triggers which handler (the ``_wire_*`` functions) and the server (:func:`serve`). The handlers are in
:mod:`ui.handlers` and :mod:`ui.conversation` (the conversation kept in the browser, and its export),
the HTML they show (and the page's CSS and script) in :mod:`ui.render`.

``rag serve`` calls :func:`serve`; :func:`build_app` gives the page for embedding or tests.
Besides the page, the app exposes one API endpoint, ``/ask``, for ``gradio_client``, and :func:`serve`
adds the OpenAI-compatible ``/v1`` routes of :mod:`ui.api`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import gradio as gr
from starlette.middleware import Middleware

from rag.assistant import load_models
from rag.calibration import check_setting, model_key, warn_if_uncalibrated
from rag.config import Settings, Strictness
from rag.embedding import Embedder
from rag.errors import RagError
from rag.ingest.formats import SUPPORTED_SUFFIXES
from ui import handlers
from ui.api import ApiAccess, ChatApi
from ui.auth import Logins, password_hash
from ui.conversation import STORAGE_KEY, new_conversation, restore_conversation, save_conversation
from ui.gate import Gate
from ui.handlers import Messages, Turns
from ui.policy import MAX_TOP_K, WebPolicy, security_headers
from ui.render import CSS, HEAD, render_sources

log = logging.getLogger(__name__)

UPLOAD_TYPES = sorted(SUPPORTED_SUFFIXES)


@dataclass(frozen=True)
class _Controls:
    """The components of the page that events read or update."""

    turns: gr.State
    saved: gr.BrowserState
    chatbot: gr.Chatbot
    question: gr.Textbox
    new: gr.Button
    export: gr.DownloadButton
    collection: gr.Dropdown
    files: gr.File
    top_k: gr.Slider
    llm: gr.Dropdown
    strictness: gr.Dropdown
    sources: gr.HTML


@dataclass(frozen=True)
class _DocumentsTab:
    """The Documents tab: the table of the collection's files, and the choice and button that remove one."""

    tab: gr.Tab
    table: gr.HTML
    choice: gr.Dropdown
    delete: gr.Button
    notice: gr.HTML


def build_app(settings: Settings, policy: WebPolicy | None = None, gate: Gate | None = None) -> gr.Blocks:
    """The chat page over ``settings.index_dir``; ``settings`` gives the defaults of the controls, ``policy``
    what users may choose (default: the served LLM and ``extractive``), ``gate`` who may do what with which
    collection (default: everyone everything)."""
    policy = policy or WebPolicy.default(settings.llm)
    gate = gate or Gate(settings)
    # analytics_enabled=False although rag.config already sets GRADIO_ANALYTICS_ENABLED: no calls home, ever.
    with gr.Blocks(title="rag: ask your documents", analytics_enabled=False) as app:
        turns = gr.State([])  # this browser session's answered questions (ui.handlers.Turns)
        # The same turns as JSON in the browser's localStorage (ui.conversation): a reload keeps the conversation.
        saved = gr.BrowserState([], storage_key=STORAGE_KEY)
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"), gr.Row():
                with gr.Column(scale=3):
                    chatbot, question = _chat_box()
                    with gr.Row():
                        new = gr.Button("New conversation", size="sm", elem_id="new-conversation")
                        export = gr.DownloadButton("Export", size="sm", interactive=False, elem_id="export")
                    collection, files = _collection_row(settings, gate)
                    top_k, llm, strictness = _settings_panel(settings, policy)
                with gr.Column(scale=2):
                    gr.Markdown("### Sources")
                    sources = gr.HTML(render_sources([]), elem_id="sources")
            documents = _documents_tab(policy)
        controls = _Controls(
            turns, saved, chatbot, question, new, export, collection, files, top_k, llm, strictness, sources
        )
        loaded = _wire_events(app, settings, policy, controls, gate)
        _wire_conversation(loaded, controls)
        _wire_documents(settings, policy, controls, documents, gate)
    return app


def _chat_box() -> tuple[gr.Chatbot, gr.Textbox]:
    """The chat and the question box below it."""
    chatbot = gr.Chatbot(
        label="Chat",
        height=480,
        elem_id="chat",
        feedback_options=None,
        buttons=["copy"],
        placeholder="Ask a question about your documents. Click a [n] marker to see its source.",
    )
    question = gr.Textbox(
        label="Question",
        placeholder="Ask a question and press Enter",
        elem_id="question",
        autofocus=True,
        submit_btn=True,
        interactive=False,  # until the page has loaded its collections and conversation (_wire_conversation)
    )
    return chatbot, question


def _collection_row(settings: Settings, gate: Gate) -> tuple[gr.Dropdown, gr.File]:
    """The collection to ask and upload into, and the upload box.

    With users (``--users``), the page names no collection until it loads: then each user gets their own list.
    """
    restricted = gate.policy.restricted
    with gr.Row(equal_height=True):
        collection = gr.Dropdown(
            choices=[] if restricted else handlers.collection_names(settings),
            value=None if restricted else settings.collection,
            allow_custom_value=True,
            label="Collection",
            info="Pick one, or type a new name and upload into it",
        )
        files = gr.File(
            label="Upload documents (" + ", ".join(UPLOAD_TYPES) + ") into the collection",
            file_count="multiple",
            file_types=UPLOAD_TYPES,
            elem_id="upload",
            height=150,
            interactive=False,  # until the page has restored its conversation, which would wipe the upload's report
        )
    return collection, files


def _settings_panel(settings: Settings, policy: WebPolicy) -> tuple[gr.Slider, gr.Dropdown, gr.Dropdown]:
    """The folded settings: number of sources, the LLM among those the operator offers, and the strictness of the
    question check, the operator's or stricter."""
    with gr.Accordion("Settings", open=False), gr.Row():
        top_k = gr.Slider(
            1,
            MAX_TOP_K,
            value=settings.top_k,
            step=1,
            label="Number of sources (top_k)",
            info=f"The model reads excerpts chosen from {settings.pool_factor}× as many passages; the sources shown "
            "are the ones it read"
            if settings.pool_factor > 1
            else None,
        )
        llm = gr.Dropdown(
            choices=list(policy.llms),
            value=policy.llms[0],
            allow_custom_value=False,
            label="LLM",
            info="The models this server offers (extractive: no model, quotes the sources)",
        )
        strictness = gr.Dropdown(
            choices=[level.value for level in Strictness if level.rank >= settings.strictness.rank],
            value=settings.strictness.value,
            allow_custom_value=False,
            label="Strictness",
            info="How sure the model must be that a quote answers the question (stricter: fewer wrong answers)",
            elem_id="strictness",
        )
    return top_k, llm, strictness


def _wire_events(app: gr.Blocks, settings: Settings, policy: WebPolicy, controls: _Controls, gate: Gate) -> Any:
    """Connect the controls to the handlers over ``settings``, and register the ``/ask`` API endpoint; return the
    page's load event.

    Each handler gets the caller (Gradio's request names the login) and checks their rights itself: a crafted
    call of an event behind the page meets the same rules as the page.
    """
    c = controls

    def chat(
        text: str,
        messages: Messages,
        done: Turns,
        name: str,
        k: float,
        spec: str,
        strictness: str,
        request: gr.Request,
    ) -> Iterator[tuple[Any, ...]]:
        """:func:`ui.handlers.chat` over this server's settings."""
        visitor = gate.visitor(request)
        yield from handlers.chat(settings, policy, text, messages, done, name, k, spec, strictness, visitor)

    def upload(
        paths: list[str] | None,
        messages: Messages,
        name: str,
        request: gr.Request,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 (Gradio injects the tracker)
    ) -> tuple[Any, ...]:
        """:func:`ui.handlers.upload` over this server's settings."""
        return handlers.upload(settings, policy, paths, messages, name, progress, gate.visitor(request))

    def collections(request: gr.Request) -> Any:
        """The caller's collections, and the one chosen at first (theirs, where their uploads go)."""
        names, chosen = gate.choices(gate.visitor(request).caller)
        return gr.Dropdown(choices=names, value=chosen)

    c.question.submit(
        chat,
        [c.question, c.chatbot, c.turns, c.collection, c.top_k, c.llm, c.strictness],
        [c.question, c.chatbot, c.turns, c.sources],
        api_visibility="private",
        concurrency_id="answer",
    ).then(save_conversation, c.turns, [c.saved, c.export], api_visibility="private")
    c.files.upload(
        upload,
        [c.files, c.chatbot, c.collection],
        [c.files, c.chatbot, c.collection],
        api_visibility="private",
        concurrency_id="index",
    )
    # New collections (uploads, other processes) appear in the list when the page is opened.
    gr.api(handlers.ask_api(settings, gate), api_name="ask", concurrency_id="answer")
    return app.load(collections, None, c.collection, api_visibility="private")


def _wire_conversation(loaded: Any, c: _Controls) -> None:
    """The conversation comes back from the browser after the page's ``loaded`` event, and only then do the
    question box and the upload box take input: an answer or an upload's report given earlier would be wiped by the
    restored chat. *New conversation* (or the chat's clear button) empties the chat, the sources panel and what the
    browser keeps."""
    cleared = [c.turns, c.chatbot, c.sources, c.saved, c.export]
    c.new.click(new_conversation, None, cleared, api_visibility="private")
    c.chatbot.clear(new_conversation, None, cleared, api_visibility="private")
    loaded.then(
        restore_conversation, c.saved, [c.turns, c.chatbot, c.sources, c.export], api_visibility="private"
    ).then(
        lambda: (gr.Textbox(interactive=True), gr.File(interactive=True)),
        None,
        [c.question, c.files],
        api_visibility="private",
    )


def _documents_tab(policy: WebPolicy) -> _DocumentsTab:
    """The Documents tab: the collection's files and, when the operator allows it, how to remove one."""
    with gr.Tab("Documents", id="documents") as tab:
        table = gr.HTML(elem_id="documents")
        with gr.Row(visible=policy.allow_delete):
            choice = gr.Dropdown(choices=[], label="Document to remove", elem_id="document-choice", scale=3)
            delete = gr.Button("Delete", variant="stop", elem_id="delete-document", scale=1, size="md")
        if not policy.allow_delete:
            gr.Markdown("Removing documents is off on this server (its operator can allow it: `--allow-delete`).")
        notice = gr.HTML(elem_id="documents-notice")
    return _DocumentsTab(tab, table, choice, delete, notice)


def _wire_documents(settings: Settings, policy: WebPolicy, c: _Controls, d: _DocumentsTab, gate: Gate) -> None:
    """The tab lists the collection chosen in the Chat tab when it is opened; *Delete* removes the chosen file."""

    def listing(name: str, request: gr.Request) -> tuple[Any, ...]:
        """:func:`ui.handlers.documents` over this server's settings, and no notice."""
        return (*handlers.documents(settings, name, gate.visitor(request)), "")

    def remove(name: str, document: str | None, request: gr.Request) -> tuple[Any, ...]:
        """:func:`ui.handlers.remove` over this server's settings."""
        return handlers.remove(settings, policy, name, document, gate.visitor(request))

    shown = [d.table, d.choice, d.notice]
    d.tab.select(listing, c.collection, shown, api_visibility="private")
    d.delete.click(remove, [c.collection, d.choice], shown, api_visibility="private", concurrency_id="index")


def serve(
    settings: Settings,
    host: str = "127.0.0.1",
    port: int = 7860,
    auth: str | None = None,
    auth_file: str | None = None,
    policy: WebPolicy | None = None,
    api: ApiAccess | None = None,
    gate: Gate | None = None,
) -> None:
    """Run the web chat until interrupted.

    ``auth`` is ``"user:password"``, ``auth_file`` a file of ``user:password-hash`` lines (:mod:`ui.auth`);
    with neither, anyone who reaches the port may use the chat. ``policy`` limits what users may do.
    ``api`` has the keys of the ``/v1`` API (:mod:`ui.api`), which the logins do not cover.
    ``gate`` has the users and their rights (``--users``; their logins replace ``auth`` and ``auth_file``),
    the API keys of ``rag keys`` and the audit log.
    """
    policy = policy or WebPolicy.default(settings.llm)
    api = api or ApiAccess()
    gate = gate or Gate(settings)
    if not gate.needs_key():
        api.warn_if_open(host)
    login = _login(auth, auth_file, gate)
    _warm_up(settings)
    # Generation is serialised by the one loaded LLM; a few concurrent events let retrieval and
    # uploads of other users proceed meanwhile instead of waiting in line. A bounded queue turns a
    # flood of questions into "queue is full, try again" instead of unbounded memory.
    app = build_app(settings, policy, gate).queue(default_concurrency_limit=4, max_size=policy.queue_size)
    try:
        app.launch(
            server_name=host,
            server_port=port,
            auth=login,
            share=False,
            show_error=False,
            css=CSS,
            head=HEAD,
            ssr_mode=False,
            pwa=False,
            mcp_server=False,
            # Gradio cuts off far larger uploads mid-stream; ui.policy gives the readable message for the rest.
            max_file_size=f"{int((policy.max_file_mb + 1) * 2**20)}b",
            app_kwargs={"middleware": [Middleware(security_headers)], "routes": ChatApi(settings, api, gate).routes()},
        )
    except OSError as exc:  # Gradio's message talks about launch(); the user knows --host and --port
        raise RagError(f"cannot serve on {host}:{port} (in use, or not an address of this machine): {exc}") from exc


def _login(auth: str | None, auth_file: str | None, gate: Gate) -> Callable[[str, str], bool] | None:
    """Gradio's login check for ``--users``, or ``--auth`` and ``--auth-file`` together, or None when none is given;
    every attempt goes to the audit log."""
    if gate.policy.rules is not None:
        if auth is not None or auth_file is not None:
            raise ValueError("--users has the logins: leave out --auth and --auth-file")
        return gate.login(Logins({user.name: user.password_hash for user in gate.policy.rules.users.values()}).check)
    if auth is None and auth_file is None:
        return None
    logins = Logins.read(auth_file) if auth_file else Logins({})
    if auth is not None:
        user, sep, password = auth.partition(":")
        if not sep or not user or not password:
            raise ValueError("--auth must be USER:PASSWORD")
        logins = Logins({**logins.hashes, user: password_hash(password)})
    return gate.login(logins.check)


def _warm_up(settings: Settings) -> None:
    """Load the models before accepting users.

    The first answer comes sooner, and the first users do not wait for the model to load.
    """
    try:
        load_models(settings)
        Embedder.for_questions()  # raises the embedding model's error, if it had one
        if settings.verify_answers and model_key(settings) is not None:
            setting = check_setting(settings)
            warn_if_uncalibrated(settings.llm, setting)
            log.info("question check of %s: %s", settings.llm, setting.describe())
    except RagError as exc:  # the server still starts: the chat shows this message when asked
        log.warning("%s", exc)
