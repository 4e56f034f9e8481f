"""Documents -> sentence-aware :class:`Chunk`s that keep their character span in the source.

For every chunk, ``document.text[chunk.start:chunk.end] == chunk.text``: citations can
point a reader at the exact place in the file.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from rag.documents import Document

# A sentence ends at ., ! or ? (plus closing quotes or brackets) followed by whitespace, or at a line break.
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+|\s*\n\s*")


@dataclass(frozen=True)
class Chunk:
    """A passage of a source file, with its character span ``[start, end)`` in that file."""

    id: str
    path: str
    text: str
    start: int
    end: int
    doc_sha256: str


def sentences(text: str) -> list[tuple[int, int]]:
    """Spans ``(start, end)`` of the sentences of ``text``, without surrounding whitespace.

    >>> sentences("One. Two?\\nThree")
    [(0, 4), (5, 9), (10, 15)]
    """
    spans: list[tuple[int, int]] = []
    position = 0
    for match in _SENTENCE_BREAK.finditer(text):
        end = match.start()
        # Keep closing quotes/brackets with their sentence.
        stripped = match.group().rstrip()
        end += len(stripped) if stripped and not stripped[0].isspace() else 0
        _add_span(text, position, end, spans)
        position = match.end()
    _add_span(text, position, len(text), spans)
    return spans


def _add_span(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


def _pieces(text: str, size: int) -> list[tuple[int, int]]:
    """Sentence spans, with any sentence longer than ``size`` cut at whitespace."""
    pieces = []
    for start, end in sentences(text):
        while end - start > size:
            cut = text.rfind(" ", start + size // 2, start + size)
            cut = cut if cut > start else start + size
            pieces.append((start, cut))
            start = cut
            while start < end and text[start].isspace():
                start += 1
        pieces.append((start, end))
    return pieces


def chunk_document(document: Document, size: int = 1000, overlap: int = 200) -> list[Chunk]:
    """Pack whole sentences into chunks of at most ``size`` characters.

    Consecutive chunks share up to ``overlap`` characters of whole sentences, so a fact
    that straddles a boundary is still found in one piece.
    """
    if size <= 0 or not 0 <= overlap < size:
        raise ValueError("need size > 0 and 0 <= overlap < size")
    pieces = _pieces(document.text, size)
    path_key = hashlib.sha1(document.path.encode()).hexdigest()[:12]
    chunks = []
    first = 0
    while first < len(pieces):
        last = first
        while last + 1 < len(pieces) and pieces[last + 1][1] - pieces[first][0] <= size:
            last += 1
        start, end = pieces[first][0], pieces[last][1]
        chunks.append(
            Chunk(
                id=f"{path_key}-{document.sha256[:12]}-{start}",
                path=document.path,
                text=document.text[start:end],
                start=start,
                end=end,
                doc_sha256=document.sha256,
            )
        )
        if last + 1 >= len(pieces):
            break
        # Step back over whole sentences that fit in the overlap, but always move forward.
        following = last + 1
        while following - 1 > first and end - pieces[following - 1][0] <= overlap:
            following -= 1
        first = following
    return chunks
