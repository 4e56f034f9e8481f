"""What a collection holds, file by file: :class:`DocumentInfo` and :func:`list_documents`.

One listing for every front end: ``Assistant.documents()``, ``rag documents`` and the web chat's
Documents tab all show :func:`list_documents`. It is read from the chunks' metadata (:mod:`rag.store`),
so it is what retrieval sees. Files indexed before sizes and times were recorded show them as unknown.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from rag.ingest.chunking import shown_name
from rag.ingest.instructions import describe
from rag.store import FileState, Store

INTERRUPTED = "incomplete: indexing it was interrupted (or is running now); index it again"
"""The problem of a file whose stored chunks are not one complete write (see :mod:`rag.store`)."""


@dataclass(frozen=True)
class DocumentInfo:
    """One indexed file of a collection.

    >>> info = DocumentInfo("/srv/docs/hr/leave.pdf", "hr/leave.pdf", 3, 20480)
    >>> info.size_text, info.indexed_text
    ('20.5 kB', 'unknown')
    """

    path: str
    """The file's path as it was indexed (absolute); never shown to web users."""
    name: str
    """How web users see the file: its path relative to the indexed folder, or the upload's name."""
    chunks: int
    size: int | None = None
    """Bytes of the file when it was indexed; None when not recorded (indexed by an older version)."""
    indexed_at: datetime | None = None
    """When its chunks were written (UTC); None when not recorded (indexed by an older version)."""
    problems: tuple[str, ...] = ()
    """What indexing found, for a reader: sentences addressed to an AI, an interrupted write."""

    @property
    def size_text(self) -> str:
        """The size for people: ``812 bytes``, ``20.5 kB``, ``3.1 MB``, or ``unknown``."""
        if self.size is None:
            return "unknown"
        if self.size < 1000:
            return f"{self.size} bytes"
        return f"{self.size / 1e3:.1f} kB" if self.size < 1e6 else f"{self.size / 1e6:.1f} MB"

    @property
    def indexed_text(self) -> str:
        """When it was indexed, for people: ``2025-05-01 14:03 UTC``, or ``unknown``."""
        return f"{self.indexed_at:%Y-%m-%d %H:%M} UTC" if self.indexed_at else "unknown"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (``indexed_at`` as ISO 8601 text)."""
        data = dataclasses.asdict(self)
        data["indexed_at"] = self.indexed_at.isoformat() if self.indexed_at else None
        data["problems"] = list(self.problems)
        return data


def list_documents(store: Store) -> list[DocumentInfo]:
    """Every file of ``store``'s collection, by name."""
    documents = [_document(path, state) for path, state in store.file_states().items()]
    return sorted(documents, key=lambda d: (d.name, d.path))


def _document(path: str, state: FileState) -> DocumentInfo:
    problems = [describe(len(state.instructions))] if state.instructions else []
    if not any(state.is_current(sha, chunking) for sha, chunkings in state.chunkings.items() for chunking in chunkings):
        problems.append(INTERRUPTED)
    indexed_at = datetime.fromtimestamp(state.indexed_at, UTC) if state.indexed_at is not None else None
    name = shown_name(state.name, path)
    return DocumentInfo(path, name, sum(state.hashes.values()), state.size, indexed_at, tuple(problems))
