"""Documents -> sentence-aware :class:`Chunk`s that keep their character span in the source.

For every chunk, ``text[chunk.start:chunk.end] == chunk.text``, ``text`` being the document's
extracted text (see :mod:`rag.ingest.document`): citations can point a reader at the exact place.
Text is read block by block, so a file of any size is chunked in bounded memory.
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from rag.ingest.document import Document
from rag.ingest.formats import Readable
from rag.ingest.instructions import find_instructions
from rag.ingest.sentences import sentences

WINDOW = 1 << 20
"""Characters of text chunked at a time."""


@dataclass(frozen=True)
class Chunk:
    """A passage of a source file, with its character span ``[start, end)`` in that file's text."""

    id: str
    path: str
    text: str
    start: int
    end: int
    doc_sha256: str
    page: int | None = None
    """1-based page where the chunk begins (PDF), else None."""
    heading: str = ""
    """Path of the nearest heading above the chunk, e.g. ``Guide > Setup`` (empty when none)."""
    page_breaks: tuple[int, ...] = ()
    """Offsets inside ``[start, end)`` where a new page begins."""
    instructions: tuple[tuple[int, int], ...] = ()
    """File spans of the sentences that address an AI instead of the reader (see :mod:`rag.ingest.instructions`):
    never shown to the LLM, never support for a citation."""
    name: str = ""
    """How the file is shown to web users: its path relative to the indexed folder, or the upload's name."""

    @property
    def display_name(self) -> str:
        """:attr:`name`, or the file name for chunks indexed before names were recorded."""
        return shown_name(self.name, self.path)

    def page_at(self, offset: int) -> int | None:
        """The page of file offset ``offset`` inside this chunk (None for documents without pages)."""
        if self.page is None:
            return None
        return self.page + sum(1 for b in self.page_breaks if b <= offset)


def shown_name(name: str, path: str) -> str:
    """``name``, or the file name of ``path`` when no name was recorded (chunks indexed before names were).

    >>> shown_name("", "/srv/docs/hr/leave.pdf"), shown_name("hr/leave.pdf", "/srv/docs/hr/leave.pdf")
    ('leave.pdf', 'hr/leave.pdf')
    """
    return name or path.replace("\\", "/").rsplit("/", 1)[-1]


EMBED_CHARS = 8192
"""Characters of a chunk given to the embedding model: it reads 256 tokens, far fewer than this."""


def embedding_text(chunk: Chunk, context: str = "") -> str:
    """What is embedded for ``chunk``: its ``context`` (:func:`chunk_context`), else its heading path, as a first
    line, then its text.

    Text past :data:`EMBED_CHARS` could never reach the model, so it is not even tokenized.
    """
    first = context or chunk.heading
    text = f"{first}\n{chunk.text}" if first else chunk.text
    return text[:EMBED_CHARS]


TITLE_CHARS = 120
"""A document's first line is its title when it is at most this long."""


def document_title(first: Chunk) -> str:
    r"""The title of the document that ``first`` (its first chunk) opens: its first line when short, unless that
    line addresses an AI; "" for a chunk that does not open its document.

    >>> document_title(Chunk("c", "a1.txt", "Kangaroo\n\nThe kangaroo is a marsupial.", 0, 38, ""))
    'Kangaroo'
    """
    line = first.text.split("\n", 1)[0]
    title = line.strip().lstrip("#").strip()
    if first.start != 0 or len(title) > TITLE_CHARS:
        return ""
    if any(start < len(line) for start, _ in first.instructions):
        return ""
    return title


def chunk_context(chunk: Chunk, title: str) -> str:
    r"""What a contextual chunk is embedded and keyword-indexed after: its document's ``title`` and its heading
    (once when the heading already starts with the title), so that a passage that says "it" and "the city" is
    found by the words of what it is about.

    >>> chunk = Chunk("c", "a.md", "It lies on the coast.", 90, 111, "", heading="Guide > Setup")
    >>> chunk_context(chunk, "Lisbon"), chunk_context(chunk, "Guide")
    ('Lisbon\nGuide > Setup', 'Guide > Setup')
    """
    if title and chunk.heading.startswith(title):
        return chunk.heading
    return "\n".join(part for part in (title, chunk.heading) if part)


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


def _pack(pieces: list[tuple[int, int]], size: int, overlap: int) -> Iterator[tuple[int, int]]:
    """Group consecutive pieces into chunks: yields the (first, last) piece index of each chunk."""
    first = 0
    while first < len(pieces):
        last = first
        while last + 1 < len(pieces) and pieces[last + 1][1] - pieces[first][0] <= size:
            last += 1
        yield first, last
        if last + 1 >= len(pieces):
            return
        # Step back over whole sentences that fit in the overlap, but always move forward.
        following = last + 1
        while following - 1 > first and pieces[last][1] - pieces[following - 1][0] <= overlap:
            following -= 1
        first = following


def chunk_spans(
    blocks: Iterable[str], size: int = 1000, overlap: int = 200, window: int = WINDOW
) -> Iterator[tuple[int, int, str]]:
    """``(start, end, text)`` of the chunks of the text made of ``blocks``, read ``window`` characters at a time.

    Whole sentences are packed into chunks of at most ``size`` characters; consecutive chunks
    share up to ``overlap`` characters of whole sentences, so a fact that straddles a boundary
    is still found in one piece.
    """
    if size <= 0 or not 0 <= overlap < size:
        raise ValueError("need size > 0 and 0 <= overlap < size")
    window = max(window, 4 * size)
    source = iter(blocks)
    buffer, base, exhausted, want = "", 0, False, window
    while True:
        parts = [buffer]
        length = len(buffer)
        while not exhausted and length < want:
            block = next(source, None)
            if block is None:
                exhausted = True
            else:
                parts.append(block)
                length += len(block)
        buffer = "".join(parts)
        pieces = _pieces(buffer, size)
        # Near the end of the buffer a sentence may be cut short: those chunks wait for more text.
        safe = len(buffer) if exhausted else len(buffer) - 2 * size
        resume = len(buffer)
        for first, last in _pack(pieces, size, overlap):
            start, end = pieces[first][0], pieces[last][1]
            if end > safe:
                resume = start
                break
            yield base + start, base + end, buffer[start:end]
        if exhausted:
            return
        want = window if resume > 0 else 2 * len(buffer)  # no progress: read more before trying again
        buffer, base = buffer[resume:], base + resume


def chunk_source(source: Readable, size: int = 1000, overlap: int = 200, name: str = "") -> Iterator[Chunk]:
    """The chunks of a document, with page, heading and instruction-like sentences, as its text is read."""
    path_key = hashlib.sha1(source.path.encode()).hexdigest()[:12]
    for start, end, text in chunk_spans(source.blocks(), size, overlap):
        structure = source.structure  # a TextFile fills it while its blocks are read
        page = structure.page_at(start)
        pages = structure.pages
        breaks = tuple(pages[bisect.bisect_right(pages, start) : bisect.bisect_left(pages, end)])
        yield Chunk(
            id=f"{path_key}-{source.sha256[:12]}-{start}",
            path=source.path,
            text=text,
            start=start,
            end=end,
            doc_sha256=source.sha256,
            page=page,
            heading=structure.heading_at(start),
            page_breaks=breaks,
            instructions=tuple((start + s, start + e) for s, e in find_instructions(text)),
            name=name,
        )


def chunk_document(document: Document, size: int = 1000, overlap: int = 200) -> list[Chunk]:
    """All chunks of an extracted document (see :func:`chunk_source`)."""
    return list(chunk_source(document, size, overlap))
