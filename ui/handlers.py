"""The web chat's event handlers: answering a question, indexing uploads, listing and removing documents,
and the ``/ask`` API function.

Each handler takes the server's :class:`~rag.config.Settings` first and the values of the page's
controls after it; :mod:`ui.app` binds the settings and connects the handlers to the controls.
Errors never reach the page as tracebacks: they become a message in the chat (or a ``gr.Error`` in the API).
"""

from __future__ import annotations

import html
import json
import logging
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from rag.access import Right, check_collection_name
from rag.answer import Answer
from rag.assistant import Assistant
from rag.config import Settings
from rag.errors import DocumentError, RagError
from rag.ingest.files import load
from ui.audit import Action
from ui.gate import Gate, Visitor, existing_collections, not_found
from ui.policy import WebPolicy, check_strictness, check_top_k, public_answer, public_message
from ui.render import as_text, error_html, render_answer, render_documents, render_sources

log = logging.getLogger(__name__)

Messages = list[dict[str, Any]]
"""The chat's messages in Gradio's format: ``{"role": "user" | "assistant", "content": html}``."""
Turns = list[dict[str, Any]]
"""This browser session's answered questions: ``{"question": str, "answer": Answer}``, oldest first."""


def collection_names(settings: Settings) -> list[str]:
    """The collections of the index, for the dropdown; always includes the default one."""
    return sorted({*existing_collections(settings), settings.collection})


def chat(
    settings: Settings,
    policy: WebPolicy,
    text: str,
    messages: Messages,
    done: Turns,
    name: str,
    k: float,
    spec: str,
    strictness: str | None = None,
    visitor: Visitor | None = None,
) -> Iterator[tuple[Any, ...]]:
    """Stream one answer into the chat; yield (question box, chat, turns, sources panel).

    ``visitor`` is who asks (default: the operator, who may do everything); they need the right to read ``name``.
    """
    visitor = visitor or Visitor.operator(settings)
    question = (text or "").strip()
    if not question:
        yield text, messages, done, gr.skip()
        return
    messages = [*messages, {"role": "user", "content": as_text(question)}, {"role": "assistant", "content": ""}]
    yield "", messages, done, gr.skip()
    history = [(turn["question"], turn["answer"].text) for turn in done]
    draft = ""
    try:
        name = visitor.check(name, Right.READ, Action.ASK)
        assistant = _open(settings, name, k, policy.check_llm(spec), strictness)
        visitor.record(Action.ASK, name, question=question)
        for item in assistant.stream_with_sources(question, history):
            if isinstance(item, list):  # the sources, before the first token
                yield "", messages, done, render_sources(done, (question, item))
                continue
            if isinstance(item, Answer):
                answer = item
                break
            draft += item
            messages[-1] = {"role": "assistant", "content": as_text(draft)}
            yield "", messages, done, gr.skip()
    except RagError as exc:
        messages[-1] = {"role": "assistant", "content": error_html(str(exc))}
        yield "", messages, done, gr.skip()
        return
    except Exception:  # the page must never show a traceback; the log keeps it
        log.exception("answering %r failed", question)
        messages[-1] = {"role": "assistant", "content": error_html("unexpected error; the server log has the details")}
        yield "", messages, done, gr.skip()
        return
    done = [*done, {"question": question, "answer": answer}]
    messages[-1] = {"role": "assistant", "content": render_answer(answer, len(done))}
    yield "", messages, done, render_sources(done)


def upload(
    settings: Settings,
    policy: WebPolicy,
    paths: list[str] | None,
    messages: Messages,
    name: str,
    progress: gr.Progress,
    visitor: Visitor | None = None,
) -> tuple[Any, ...]:
    """Copy uploads under the index folder, index them, and report in the chat; return (files, chat, collections).

    ``visitor`` (default: the operator) needs the right to write into ``name``.
    """
    if not paths:
        return None, messages, gr.skip()
    visitor = visitor or Visitor.operator(settings)
    try:
        name = visitor.check(name, Right.WRITE, Action.UPLOAD)
        assistant = _open(settings, name, None, None)
        folder = _uploads(assistant)
        policy.check_upload(paths, folder)
        folder.mkdir(parents=True, exist_ok=True)
        content, added = _add_files(assistant, folder, paths, progress)
        for document in added:
            visitor.record(Action.UPLOAD, name, document)
    except RagError as exc:
        content = error_html(str(exc))
    except OSError as exc:
        log.exception("storing an upload failed")
        content = error_html(f"could not store the upload ({exc.strerror or type(exc).__name__})")
    messages = [*messages, {"role": "assistant", "content": content}]
    return None, messages, gr.Dropdown(choices=visitor.gate.choices(visitor.caller)[0])


def documents(settings: Settings, name: str, visitor: Visitor | None = None) -> tuple[str, Any]:
    """The Documents tab for collection ``name``: the table (HTML) and the names to choose from for removal.

    ``visitor`` (default: the operator) needs the right to read ``name``.
    """
    try:
        name = (visitor or Visitor.operator(settings)).check(name, Right.READ, "list")
        assistant = _open(settings, name, None, None)
        listed = assistant.documents()
    except RagError as exc:
        return error_html(str(exc)), gr.Dropdown(choices=[], value=None)
    choices = sorted({d.name for d in listed})
    return render_documents(listed, assistant.settings.collection), gr.Dropdown(choices=choices, value=None)


def remove(
    settings: Settings, policy: WebPolicy, name: str, document: str | None, visitor: Visitor | None = None
) -> tuple[Any, ...]:
    """Remove ``document`` (a display name) from collection ``name``, and its stored file if it was uploaded;
    return (table, choices, notice). ``visitor`` (default: the operator) needs the right to delete in ``name``."""
    visitor = visitor or Visitor.operator(settings)
    try:
        try:
            policy.check_delete()
        except RagError as exc:
            visitor.refuse(Action.DELETE, name, str(exc), document)
            raise
        if not document:
            raise RagError("choose the document to remove")
        name = visitor.check(name, Right.DELETE, Action.DELETE, document)
        assistant = _open(settings, name, None, None)
        found = [d for d in assistant.documents() if d.name == document]
        if len(found) != 1:
            raise RagError(
                f"no document {document!r} in this collection"
                if not found
                else f"{len(found)} documents are named {document!r}; the operator can remove one by its path"
            )
        removed = assistant.remove(found[0].path)
        if Path(removed.path).parent == _uploads(assistant):
            Path(removed.path).unlink(missing_ok=True)
        collection = assistant.settings.collection
        log.warning("a web user removed %s (%d chunks) from collection %r", removed.path, removed.chunks, collection)
        visitor.record(Action.DELETE, collection, removed.name)
        notice = html.escape(f"Removed {removed.name} ({removed.chunks} chunks) from collection {collection!r}.")
    except RagError as exc:
        notice = error_html(str(exc))
    except OSError as exc:
        log.exception("removing an uploaded file failed")
        notice = error_html(f"could not remove the uploaded file ({exc.strerror or type(exc).__name__})")
    if not visitor.may(name, Right.READ):  # listing it would be refused a second time: say so once
        return error_html(not_found(name or settings.collection)), gr.Dropdown(choices=[], value=None), notice
    return (*documents(settings, name, visitor), notice)


def ask_api(settings: Settings, gate: Gate | None = None) -> Callable[..., str]:
    """The function behind the ``/ask`` API endpoint, answering over ``settings`` for the callers ``gate`` admits
    (default: everyone may ask everything).

    Gradio publishes its parameters and docstring as the endpoint's signature, so it takes only the API's arguments
    (and the request, which Gradio fills in and does not publish).
    """
    gate = gate or Gate(settings)

    def ask(
        question: str,
        collection: str | None = None,
        top_k: int | None = None,
        strictness: str | None = None,
        request: gr.Request | None = None,
    ) -> str:
        """Answer ``question`` over ``collection`` (default: the server's) with ``top_k`` sources, checked at
        ``strictness`` (lenient, balanced or strict; default and lowest: the server's).

        Returns the answer as a JSON text: text with [n] markers, citations, sources, refused, checked, timings.
        Files are named by their display names (relative to the indexed folder, or the upload's name).
        """
        # A JSON text, not a dict: gradio_client takes any dict with a "path" key (citations have one)
        # for a file to download, and fails.
        try:
            visitor = gate.visitor(request)
            name = visitor.check(collection, Right.READ, Action.ASK)
            visitor.record(Action.ASK, name, question=question)
            answer = _open(settings, name, top_k, None, strictness).ask(question)
            return json.dumps(public_answer(answer), ensure_ascii=False)
        except RagError as exc:
            raise gr.Error(public_message(str(exc)), print_exception=False) from exc

    return ask


def _open(
    settings: Settings, collection: str | None, top_k: float | None, llm: str | None, strictness: str | None = None
) -> Assistant:
    """The assistant for the controls' values (empty ones: the server's settings); rejects a bad collection name,
    a number of sources out of range and a strictness below the server's."""
    name = check_collection_name((collection or "").strip() or settings.collection)
    return Assistant.open(
        settings=settings,
        collection=name,
        top_k=check_top_k(top_k),
        llm=(llm or "").strip() or None,
        strictness=check_strictness(strictness, settings.strictness),
    )


def _uploads(assistant: Assistant) -> Path:
    """The folder of the files uploaded into the assistant's collection.

    Uploads live next to the index, so the paths in citations stay valid after Gradio's temp files go.
    """
    return Path(assistant.settings.index_dir).absolute() / "uploads" / assistant.settings.collection


def _add_files(assistant: Assistant, folder: Path, paths: list[str], progress: gr.Progress) -> tuple[str, list[str]]:
    """Check, copy into ``folder`` and index each upload; the chat message (HTML) saying what was added and what not,
    and the names of the files added."""
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
        collection = assistant.settings.collection
        lines.append(html.escape(f"Added {', '.join(added)} to collection {collection!r} ({chunks} new chunks)."))
    if problems:
        lines.append(error_html("Could not add " + "; ".join(problems)))
    return "<br>".join(lines), added
