"""What a file becomes before chunking: its text, the sha256 of its bytes, and where pages and headings begin.

Character offsets (chunk spans, citations) are offsets into the *extracted* text: the decoded
file for text and Markdown, the visible text for HTML, the page texts joined by blank lines for
PDF, the paragraphs joined by blank lines for DOCX. Each format's reader is in
:mod:`rag.ingest.formats`.
"""

from __future__ import annotations

import bisect
import hashlib
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from rag.errors import DocumentError

BLOCK_BYTES = 1 << 20
"""Bytes read at a time from a file."""


@dataclass
class Structure:
    """Where pages and headings begin in a document's extracted text.

    ``pages[i]`` is the offset where page ``i + 1`` begins (empty: the format has no pages);
    ``headings`` holds ``(offset, path)`` pairs, ``path`` being the titles from the top level
    down, joined by `` > ``.
    """

    pages: list[int] = field(default_factory=list)
    headings: list[tuple[int, str]] = field(default_factory=list)

    def page_at(self, offset: int) -> int | None:
        """The 1-based page holding ``offset``, or None when the document has no pages."""
        if not self.pages:
            return None
        return max(1, bisect.bisect_right(self.pages, offset))

    def heading_at(self, offset: int) -> str:
        """The path of the nearest heading at or above ``offset`` (empty when none)."""
        i = bisect.bisect_right(self.headings, (offset, "\uffff"))
        return self.headings[i - 1][1] if i else ""


class Outline:
    """Builds heading paths from (offset, level, title) events in document order."""

    def __init__(self, structure: Structure) -> None:
        self.structure = structure
        self._stack: list[tuple[int, str]] = []

    def add(self, offset: int, level: int, title: str) -> None:
        title = " ".join(title.split())[:200]
        if not title:
            return
        while self._stack and self._stack[-1][0] >= level:
            self._stack.pop()
        self._stack.append((level, title))
        self.structure.headings.append((offset, " > ".join(t for _, t in self._stack)))


@dataclass(frozen=True)
class Document:
    """The extracted text of one file, the sha256 of its bytes, and its pages and headings."""

    path: str
    """Absolute path of the source file."""
    text: str
    sha256: str
    structure: Structure = field(default_factory=Structure)

    def blocks(self) -> Iterator[str]:
        """The text, as the one block :func:`rag.ingest.chunking.chunk_source` reads."""
        yield self.text


@dataclass(frozen=True)
class Skipped:
    """A file that was not indexed, and why."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


def open_file(path: Path) -> BinaryIO:
    """Open a regular file for binary reading, with reasons a user can act on."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise DocumentError("the file name is not valid UTF-8; rename the file") from exc
    try:
        mode = path.stat().st_mode
        if not stat.S_ISREG(mode):
            kind = "a folder" if stat.S_ISDIR(mode) else "a pipe or device"
            raise DocumentError(f"cannot read: not a regular file ({kind})")
        return path.open("rb")
    except OSError as exc:
        raise DocumentError(f"cannot read: {exc.strerror or exc}") from exc


def read_whole(path: Path, extract: Callable[[bytes], tuple[str, Structure]]) -> Document:
    """Read ``path`` whole and ``extract`` its text; :class:`DocumentError` when it holds none."""
    with open_file(path) as file:
        data = file.read()
    text, structure = extract(data)
    if not text.strip():
        raise DocumentError("no text in it" if data.strip() else "empty file")
    return Document(str(path), text, hashlib.sha256(data).hexdigest(), structure)
