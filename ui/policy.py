"""What a web user may do, and what the page may show: the operator's limits, applied to every request.

A web user is untrusted. They pick only the LLMs the operator listed (:attr:`WebPolicy.llms`), upload
within the operator's limits, remove documents only if the operator allows it (:attr:`WebPolicy.allow_delete`),
and never see a server path or a stack trace: answers, document lists and errors
name files by their display name (relative to the indexed folder, or the upload's name). The
page gets a Content-Security-Policy that forbids loading anything from another origin.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.answer import Answer
from rag.config import Strictness
from rag.errors import RagError

log = logging.getLogger(__name__)

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; media-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "frame-src 'none'; frame-ancestors 'self'; object-src 'none'; base-uri 'self'; form-action 'self'"
)
"""Only this server's own scripts, styles, images and connections: an answer can never make the browser
fetch another host (Gradio's front end needs inline scripts and styles)."""
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]


@dataclass(frozen=True)
class WebPolicy:
    """The operator's choices for web users (``rag serve`` flags)."""

    llms: tuple[str, ...]
    """The LLM specs a user may choose, the served one first (``--llm``, ``--allow-llm``)."""
    max_file_mb: float = 50.0
    """Largest file one upload may hold (``--max-upload-mb``)."""
    max_files: int = 20
    """Files one upload may hold (``--max-files``)."""
    max_collection_mb: float = 500.0
    """Total size of the uploaded files one collection may hold (``--max-collection-mb``)."""
    queue_size: int = 16
    """Questions and uploads waiting at most; more are told the server is busy (``--queue-size``)."""
    allow_delete: bool = False
    """Whether users may remove documents from a collection (``--allow-delete``): off by default, since it
    destroys what the operator indexed, not only what users uploaded."""

    @classmethod
    def default(cls, served: str, allowed: Sequence[str] = (), **limits: Any) -> WebPolicy:
        """The served LLM, the ``allowed`` ones, and ``extractive`` (no model: it costs nothing and leaks nothing)."""
        specs = [spec.strip() for spec in (served, *allowed, "extractive") if spec and spec.strip()]
        return cls(tuple(dict.fromkeys(specs)), **limits)

    def check_llm(self, spec: str | None) -> str:
        """``spec`` when the operator allows it (empty: the served LLM); else a :class:`RagError`, logged."""
        spec = (spec or "").strip() or self.llms[0]
        if spec not in self.llms:
            log.warning("refused LLM %r asked for by a web user (allowed: %s)", spec[:200], ", ".join(self.llms))
            raise RagError(f"this server does not offer that LLM; choose one of: {', '.join(self.llms)}")
        return spec

    def check_delete(self) -> None:
        """A :class:`RagError` unless the operator lets users remove documents; a refusal is logged."""
        if not self.allow_delete:
            log.warning("refused to remove a document for a web user (the server runs without --allow-delete)")
            raise RagError("this server does not let its users remove documents (the operator can: --allow-delete)")

    def check_upload(self, paths: Sequence[str], folder: Path) -> None:
        """A :class:`RagError` when the upload breaks a limit; nothing is stored then."""
        if len(paths) > self.max_files:
            raise RagError(f"{len(paths)} files in one upload; this server takes at most {self.max_files}")
        sizes = {Path(p).name: Path(p).stat().st_size for p in paths}
        for name, size in sizes.items():
            if size > self.max_file_mb * 2**20:
                limit = f"this server takes files up to {self.max_file_mb:g} MB"
                raise RagError(f"{name} is {size / 2**20:.1f} MB; {limit}")
        stored = sum(f.stat().st_size for f in folder.iterdir() if f.is_file()) if folder.is_dir() else 0
        replaced = sum(f.stat().st_size for f in (folder / name for name in sizes) if f.is_file())
        total = stored - replaced + sum(sizes.values())
        if total > self.max_collection_mb * 2**20:
            raise RagError(
                f"the collection's uploads would reach {total / 2**20:.1f} MB; "
                f"this server keeps at most {self.max_collection_mb:g} MB per collection"
            )


MAX_TOP_K = 10
"""The most sources a web or API user may ask for (each one is embedded sentence by sentence, times the operator's
``pool_factor``, for every question)."""


def check_top_k(requested: float | None) -> int | None:
    """The number of sources a web or API user asked for (empty: the operator's); a :class:`RagError` outside 1 to
    :data:`MAX_TOP_K`.

    >>> check_top_k(3), check_top_k(None)
    (3, None)
    >>> check_top_k(100000)
    Traceback (most recent call last):
    rag.errors.RagError: top_k must be a whole number from 1 to 10
    """
    if requested is None:
        return None
    number = requested if isinstance(requested, int | float) and not isinstance(requested, bool) else 0
    if not 1 <= number <= MAX_TOP_K or number != int(number):
        raise RagError(f"top_k must be a whole number from 1 to {MAX_TOP_K}")
    return int(number)


def check_strictness(requested: str | None, operator: Strictness) -> Strictness:
    """The strictness a web or API user asked for (empty: the operator's); a :class:`RagError`, logged, for a level
    below the operator's, which a user may never lower.

    >>> check_strictness("strict", Strictness.BALANCED).value, check_strictness(None, Strictness.STRICT).value
    ('strict', 'strict')
    """
    operator = Strictness(operator)
    allowed = [level.value for level in Strictness if level.rank >= operator.rank]
    level = (requested or "").strip().lower() or operator.value
    if level not in allowed:
        log.warning("refused strictness %r asked for by a user (the server's is %s)", level[:50], operator.value)
        choose = ", ".join(allowed)
        raise RagError(f"this server checks answers at strictness {operator.value}; choose one of: {choose}")
    return Strictness(level)


def security_headers(app: Any) -> Any:
    """ASGI middleware: every HTTP response carries :data:`SECURITY_HEADERS`."""

    async def with_headers(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(name, value) for name, value in SECURITY_HEADERS if name not in names]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await app(scope, receive, send_with_headers)

    return with_headers


_ABSOLUTE_PATH = re.compile(r"(?<![\w.:/])(?:/[^\s/'\"`,;:()]+)+/?")


def public_message(message: str) -> str:
    """``message`` without server paths: each absolute path is cut to its last part.

    >>> public_message("collection 'x' in /srv/rag/index is empty; /home/a/b.pdf: damaged")
    "collection 'x' in index is empty; b.pdf: damaged"
    """
    return _ABSOLUTE_PATH.sub(lambda m: m.group().rstrip("/").rsplit("/", 1)[-1], message)


def public_answer(answer: Answer) -> dict[str, Any]:
    """The answer as JSON-ready data for web users: files named by their display names, not server paths."""
    data = answer.to_dict()
    names = {source.chunk.path: source.chunk.display_name for source in answer.sources}
    for citation in data["citations"]:
        citation["path"] = names.get(citation["path"], Path(citation["path"]).name)
    for source in data["sources"]:
        source["chunk"]["path"] = source["chunk"]["name"] = names[source["chunk"]["path"]]
    return data
