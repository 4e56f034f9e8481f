"""The web chat: streamed answers whose ``[n]`` markers open the quoted passage in a sources panel.

``rag serve`` calls :func:`serve`; :func:`build_app` gives the page for embedding or tests.
Besides the page, the app exposes one API endpoint, ``/ask``, for ``gradio_client``.
"""

from __future__ import annotations

import html
import json
import logging
import re
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import gradio as gr

from rag.answer import REFUSAL, Answer, Citation, Source
from rag.assistant import Assistant
from rag.citations import MARKER
from rag.config import Settings
from rag.documents import SUPPORTED_SUFFIXES, load
from rag.embedding import Embedder
from rag.errors import DocumentError, RagError
from rag.llm import REGISTRY, load_llm
from rag.store import list_collections

log = logging.getLogger(__name__)

UPLOAD_TYPES = sorted(SUPPORTED_SUFFIXES)
# Chroma's rule for collection names, checked here so that a typo gets a readable message.
_COLLECTION_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,61}[A-Za-z0-9]$")

CSS = """
#sources { max-height: 75vh; overflow-y: auto; }
.turn > summary { cursor: pointer; font-weight: 600; margin: 0.4em 0; }
.source { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 0.6em 0.8em; margin: 0.5em 0; }
.source.active { border-color: var(--color-accent); box-shadow: 0 0 0 2px var(--color-accent-soft); }
.source .where { font-size: 0.85em; color: var(--body-text-color-subdued); }
.source .passage { white-space: pre-wrap; font-size: 0.9em; margin-top: 0.4em; }
.source mark { background: #ffe58a; color: #000; padding: 0 1px; }
a.cite { font-weight: 600; text-decoration: none; cursor: pointer; }
.refusal { font-style: italic; }
.rag-error { color: var(--error-text-color, #b91c1c); }
"""

# A marker click opens its answer's group in the sources panel and scrolls to the source card.
# Listening on the document (capture phase) survives Gradio re-rendering the chat and the panel.
HEAD = """
<script>
document.addEventListener("click", (event) => {
  const link = event.target.closest && event.target.closest("a.cite");
  if (!link) return;
  event.preventDefault();
  event.stopPropagation();
  const card = document.getElementById(link.getAttribute("href").slice(1));
  if (!card) return;
  const group = card.closest("details");
  if (group) group.open = true;
  document.querySelectorAll(".source.active").forEach((el) => el.classList.remove("active"));
  card.classList.add("active");
  card.scrollIntoView({behavior: "smooth", block: "center"});
}, true);
</script>
"""


def build_app(settings: Settings) -> gr.Blocks:
    """The chat page over ``settings.index_dir``; ``settings`` gives the defaults of the controls."""
    llm_choices = list(dict.fromkeys([settings.llm, *(f"local:{name}" for name in REGISTRY), "extractive"]))
    # analytics_enabled=False although rag.config already sets GRADIO_ANALYTICS_ENABLED: no calls home, ever.
    with gr.Blocks(title="rag: ask your documents", analytics_enabled=False) as app:
        turns = gr.State([])  # this browser session's answered questions: {"question", "answer"}
        with gr.Row():
            with gr.Column(scale=3):
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
                )
                with gr.Row(equal_height=True):
                    collection = gr.Dropdown(
                        choices=_collection_names(settings),
                        value=settings.collection,
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
                    )
                with gr.Accordion("Settings", open=False), gr.Row():
                    top_k = gr.Slider(1, 10, value=settings.top_k, step=1, label="Number of sources (top_k)")
                    llm = gr.Dropdown(
                        choices=llm_choices,
                        value=settings.llm,
                        allow_custom_value=True,
                        label="LLM",
                        info="local:<packaged model>, local:/path/to/model.gguf, openai:MODEL@BASE_URL, "
                        "ollama:MODEL or extractive (no model: quotes the sources)",
                    )
            with gr.Column(scale=2):
                gr.Markdown("### Sources")
                sources = gr.HTML(_render_sources([]), elem_id="sources")

        def chat(
            text: str, messages: list[dict[str, Any]], done: list[dict[str, Any]], name: str, k: float, spec: str
        ) -> Iterator[tuple[Any, ...]]:
            yield from _chat(settings, text, messages, done, name, k, spec)

        def upload(
            paths: list[str] | None, messages: list[dict[str, Any]], name: str, progress: gr.Progress = gr.Progress()  # noqa: B008 (Gradio injects the tracker)
        ) -> tuple[Any, ...]:
            return _upload(settings, paths, messages, name, progress)

        def ask(question: str, collection: str | None = None, top_k: int | None = None) -> str:
            """Answer ``question`` over ``collection`` (default: the server's) with ``top_k`` sources.

            Returns the answer as a JSON text: text with [n] markers, citations, sources, refused, timings.
            """
            # A JSON text, not a dict: gradio_client takes any dict with a "path" key (citations have one)
            # for a file to download, and fails.
            try:
                return json.dumps(_open(settings, collection, top_k, None).ask(question).to_dict(), ensure_ascii=False)
            except RagError as exc:
                raise gr.Error(str(exc), print_exception=False) from exc

        question.submit(
            chat,
            [question, chatbot, turns, collection, top_k, llm],
            [question, chatbot, turns, sources],
            api_visibility="private",
            concurrency_id="answer",
        )
        files.upload(
            upload,
            [files, chatbot, collection],
            [files, chatbot, collection],
            api_visibility="private",
            concurrency_id="index",
        )
        chatbot.clear(lambda: ([], _render_sources([])), None, [turns, sources], api_visibility="private")
        # New collections (uploads, other processes) appear in the list when the page is opened.
        app.load(lambda: gr.Dropdown(choices=_collection_names(settings)), None, collection, api_visibility="private")
        gr.api(ask, api_name="ask", concurrency_id="answer")
    return app


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860, auth: str | None = None) -> None:
    """Run the web chat until interrupted; ``auth`` is ``"user:password"`` or None (no login)."""
    login = None
    if auth is not None:
        user, sep, password = auth.partition(":")
        if not sep or not user or not password:
            raise ValueError("--auth must be USER:PASSWORD")
        login = (user, password)
    _warm_up(settings)
    # Generation is serialised by the one loaded LLM; a few concurrent events let retrieval and
    # uploads of other users proceed meanwhile instead of waiting in line.
    app = build_app(settings).queue(default_concurrency_limit=4)
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
            max_file_size="50mb",
        )
    except OSError as exc:  # Gradio's message talks about launch(); the user knows --host and --port
        raise RagError(f"cannot serve on {host}:{port} (in use, or not an address of this machine): {exc}") from exc


def _warm_up(settings: Settings) -> None:
    """Load the models before accepting users.

    The first answer comes sooner, and the first users do not wait for the model to load.
    """
    try:
        Embedder.default()
        load_llm(settings)
    except RagError as exc:  # the server still starts: the chat shows this message when asked
        log.warning("%s", exc)


def _open(settings: Settings, collection: str | None, top_k: float | None, llm: str | None) -> Assistant:
    name = (collection or "").strip() or settings.collection
    if not _COLLECTION_NAME.match(name):
        raise RagError(
            f"invalid collection name {name!r}: use 3-63 letters, digits, '.', '_' or '-', "
            "starting and ending with a letter or digit"
        )
    return Assistant.open(
        settings=settings, collection=name, top_k=int(top_k) if top_k else None, llm=(llm or "").strip() or None
    )


def _collection_names(settings: Settings) -> list[str]:
    try:
        names = [info.name for info in list_collections(settings.index_dir, settings.chroma_url)]
    except RagError:  # a collection built with another embedding model; it cannot be listed or used
        log.warning("cannot list the collections of %s", settings.index_dir, exc_info=True)
        names = []
    return sorted({*names, settings.collection})


def _chat(
    settings: Settings,
    text: str,
    messages: list[dict[str, Any]],
    done: list[dict[str, Any]],
    name: str,
    k: float,
    spec: str,
) -> Iterator[tuple[Any, ...]]:
    """Stream one answer into the chat; yield (question box, chat, turns, sources panel)."""
    question = (text or "").strip()
    if not question:
        yield text, messages, done, gr.skip()
        return
    messages = [*messages, {"role": "user", "content": html.escape(question)}, {"role": "assistant", "content": ""}]
    yield "", messages, done, gr.skip()
    history = [(turn["question"], turn["answer"].text) for turn in done]
    draft = ""
    try:
        assistant = _open(settings, name, k, spec)
        for item in assistant.stream(question, history):
            if isinstance(item, Answer):
                answer = item
                break
            draft += item
            messages[-1] = {"role": "assistant", "content": html.escape(draft)}
            yield "", messages, done, gr.skip()
    except RagError as exc:
        messages[-1] = {"role": "assistant", "content": _error_html(str(exc))}
        yield "", messages, done, gr.skip()
        return
    except Exception as exc:  # the page must never show a traceback; the log keeps it
        log.exception("answering %r failed", question)
        messages[-1] = {"role": "assistant", "content": _error_html(f"unexpected error ({type(exc).__name__}: {exc})")}
        yield "", messages, done, gr.skip()
        return
    done = [*done, {"question": question, "answer": answer}]
    messages[-1] = {"role": "assistant", "content": _render_answer(answer, len(done))}
    yield "", messages, done, _render_sources(done)


def _upload(
    settings: Settings, paths: list[str] | None, messages: list[dict[str, Any]], name: str, progress: gr.Progress
) -> tuple[Any, ...]:
    """Copy uploads under the index folder, index them, and report in the chat."""
    if not paths:
        return None, messages, gr.skip()
    try:
        assistant = _open(settings, name, None, None)
        # Uploads live next to the index, so the paths in citations stay valid after Gradio's temp files go.
        folder = Path(settings.index_dir).absolute() / "uploads" / assistant.settings.collection
        folder.mkdir(parents=True, exist_ok=True)
        added: list[str] = []
        problems: list[str] = []
        chunks = 0
        for i, path in enumerate(paths):
            target = folder / Path(path).name
            progress((i, len(paths)), desc=f"Indexing {target.name}")
            try:
                load(path)  # checked before copying: a bad upload must not overwrite a good file of that name
            except DocumentError as exc:
                problems.append(f"{target.name}: {exc}")
                continue
            shutil.copyfile(path, target)
            report = assistant.add([target])
            chunks += report.chunks_embedded
            if report.indexed or report.unchanged:
                added.append(target.name)
            for skipped in report.skipped:
                target.unlink(missing_ok=True)
                problems.append(f"{target.name}: {skipped.reason}")
        lines = []
        if added:
            lines.append(
                html.escape(
                    f"Added {', '.join(added)} to collection {assistant.settings.collection!r} ({chunks} new chunks)."
                )
            )
        if problems:
            lines.append(_error_html("Could not add " + "; ".join(problems)))
        content = "<br>".join(lines)
    except RagError as exc:
        content = _error_html(str(exc))
    except OSError as exc:
        content = _error_html(f"could not store the upload: {exc}")
    messages = [*messages, {"role": "assistant", "content": content}]
    return None, messages, gr.Dropdown(choices=_collection_names(settings))


def _error_html(message: str) -> str:
    return f'<span class="rag-error">⚠️ {html.escape(message)}</span>'


def _render_answer(answer: Answer, turn: int) -> str:
    """The answer for the chat: escaped text whose [n] markers link to the source cards of ``turn``."""
    if answer.refused:
        looked = " The closest passages it looked at are in the sources panel." if answer.sources else ""
        return f'<span class="refusal">{html.escape(REFUSAL)}</span>{looked}'

    def link(match: re.Match[str]) -> str:
        numbers = [n.strip() for n in match.group(1).split(",")]
        return " " + "".join(f'<a class="cite" href="#src-{turn}-{n}">[{n}]</a>' for n in numbers)

    return MARKER.sub(link, html.escape(answer.text, quote=False))


def _render_sources(done: Sequence[dict[str, Any]]) -> str:
    """Every answer's sources, newest first and open; each card highlights the quoted spans."""
    if not done:
        return '<p class="empty">The sources of each answer appear here.</p>'
    groups = []
    for turn, item in reversed(list(enumerate(done, start=1))):
        answer: Answer = item["answer"]
        cited = {c.n for c in answer.citations}
        shown = [s for s in answer.sources if s.n in cited] or answer.sources
        label = "closest passages (no answer found)" if answer.refused or not cited else "cited sources"
        cards = (
            "".join(_source_card(turn, s, [c for c in answer.citations if c.n == s.n]) for s in shown)
            or "<p>No passages.</p>"
        )
        groups.append(
            f'<details class="turn" id="turn-{turn}"{" open" if turn == len(done) else ""}>'
            f"<summary>{html.escape(item['question'])} <small>({label})</small></summary>{cards}</details>"
        )
    return "".join(groups)


def _source_card(turn: int, source: Source, citations: Sequence[Citation]) -> str:
    chunk = source.chunk
    page = getattr(chunk, "page", None)  # documents with pages (PDF) may carry one later
    where = f"page {page}, " if page else ""
    where += f"chars {chunk.start}–{chunk.end} · relevance {source.score:.2f}"
    return (
        f'<div class="source" id="src-{turn}-{source.n}">'
        f"<div><b>[{source.n}] {html.escape(Path(chunk.path).name)}</b></div>"
        f'<div class="where" title="{html.escape(chunk.path)}">{html.escape(where)}</div>'
        f'<div class="passage">{_highlight(chunk.text, chunk.start, citations)}</div></div>'
    )


def _highlight(text: str, offset: int, citations: Sequence[Citation]) -> str:
    """``text`` escaped, with each citation's span (file offsets; ``text`` starts at ``offset``) in <mark>."""
    spans = []
    for citation in citations:
        start = citation.start - offset
        if text[start : start + len(citation.quote)] != citation.quote:
            start = text.find(citation.quote)  # offsets disagree with the stored chunk: locate the quote
        if start >= 0 and citation.quote:
            spans.append((start, start + len(citation.quote)))
    parts = []
    position = 0
    for start, end in sorted(spans):
        start = max(start, position)  # two sentences may quote overlapping spans
        if start >= end:
            continue
        parts += [html.escape(text[position:start]), "<mark>", html.escape(text[start:end]), "</mark>"]
        position = end
    parts.append(html.escape(text[position:]))
    return "".join(parts)
