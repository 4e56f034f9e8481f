"""The conversation that lasts: kept in the browser across page loads, and exported as a Markdown file.

The browser keeps the answered questions (``gr.BrowserState``, in its localStorage) as :func:`stored`
data: each answer in its public form (:func:`ui.policy.public_answer`), so no server path is ever
stored in a browser. On the next page load, :func:`restored` and :func:`messages` give the chat back,
and the sources panel is rendered from the same turns. The server keeps no conversation, only the
latest export of each browser session (:data:`EXPORTS`), which the *Export* button downloads.
"""

from __future__ import annotations

import hashlib
import logging
import re
import tempfile
from pathlib import Path
from typing import Any

import gradio as gr

from rag.answer import Answer
from ui.handlers import Messages, Turns
from ui.policy import public_answer
from ui.render import as_text, render_answer, render_sources

log = logging.getLogger(__name__)

STORAGE_KEY = "rag-conversation"
"""The browser's localStorage key of the conversation."""
EXPORTS = Path(tempfile.gettempdir()) / "rag-exports"
"""Where the Markdown exports are written, one folder per browser session, for the download button."""


def save_conversation(done: Turns, request: gr.Request) -> tuple[Any, Any]:
    """After an answer: what the browser keeps (:func:`stored`), and the export button with the new file."""
    return stored(done), _export_button(done, request)


def restore_conversation(data: Any, request: gr.Request) -> tuple[Any, ...]:
    """When the page loads: the turns, the chat, the sources panel and the export button from what the browser kept."""
    done = restored(data)
    return done, messages(done), render_sources(done), _export_button(done, request)


def new_conversation() -> tuple[Any, ...]:
    """*New conversation*: no turns, an empty chat and sources panel, nothing kept in the browser, nothing to export."""
    return [], [], render_sources([]), [], gr.DownloadButton(value=None, interactive=False)


def _export_button(done: Turns, request: gr.Request) -> Any:
    path = export_file(done, request.session_hash or "")
    return gr.DownloadButton(value=path, interactive=path is not None)


def stored(turns: Turns) -> list[dict[str, Any]]:
    """``turns`` as JSON-ready data for the browser, files named by their display names."""
    return [{"question": turn["question"], "answer": public_answer(turn["answer"])} for turn in turns]


def restored(data: Any) -> Turns:
    """The turns of :func:`stored` data; none when the data is not such (an older format, or altered by hand)."""
    try:
        return [{"question": str(item["question"]), "answer": Answer.from_dict(item["answer"])} for item in data or []]
    except (KeyError, TypeError, ValueError, AttributeError):
        log.warning("a conversation kept by a browser does not read as one; starting a new one")
        return []


def messages(turns: Turns) -> Messages:
    """The chat's messages for ``turns``, as the chat showed them when they were answered."""
    shown: Messages = []
    for number, turn in enumerate(turns, start=1):
        shown.append({"role": "user", "content": as_text(turn["question"])})
        shown.append({"role": "assistant", "content": render_answer(turn["answer"], number)})
    return shown


def export_markdown(turns: Turns) -> str:
    """Questions, answers and each citation's file, span (characters, and page if any) and quote, as Markdown.

    Questions, answers, file names and quotes are code, written exactly as they are: an image, link or
    HTML tag in a document shows as typed in any Markdown viewer.
    """
    parts = ["# Conversation\n"]
    for number, turn in enumerate(turns, start=1):
        answer: Answer = turn["answer"]
        parts += [f"## Question {number}\n", _block(turn["question"]), "### Answer\n", _block(answer.text)]
        names = {source.n: source.chunk.display_name for source in answer.sources}
        for c in answer.citations:
            name = _code(names.get(c.n, Path(c.path).name))
            page = f", page {c.page}" if c.page else ""
            parts += [f"[{c.n}] {name}, chars {c.start}–{c.end}{page}:\n", _block(c.quote)]
    return "\n".join(parts)


def export_file(turns: Turns, session: str) -> str | None:
    """Write :func:`export_markdown` of ``turns`` for browser ``session``; its path, or None when there is nothing."""
    if not turns:
        return None
    # The session id comes from the browser: hashed, it names a folder and can never name a path.
    folder = EXPORTS / hashlib.sha256(session.encode()).hexdigest()[:32]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "conversation.md"
    path.write_text(export_markdown(turns), encoding="utf-8")
    return str(path)


def _block(text: str) -> str:
    """``text`` as a fenced code block, longer fences than any run of backticks in it."""
    fence = "`" * max(3, 1 + max(map(len, re.findall("`+", text)), default=0))
    return f"{fence}text\n{text}\n{fence}\n"


def _code(text: str) -> str:
    """``text`` on one line as inline code."""
    ticks = "`" * (1 + max(map(len, re.findall("`+", text)), default=0))
    return f"{ticks} {' '.join(text.split())} {ticks}"
