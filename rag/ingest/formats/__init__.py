"""The file formats the library reads: one module per format, one line per suffix in :data:`READERS`.

A reader takes the file's path and returns what the chunker reads: a :class:`~rag.ingest.document.Document`
(text extracted whole) or a :class:`~rag.ingest.formats.text.TextFile` (text decoded block by block).
It raises :class:`~rag.errors.DocumentError` with a reason a user can act on. To add a format,
write ``rag/ingest/formats/NAME.py`` with a ``read(path)`` function and add its suffixes here;
discovery, upload types, the CLI help and the docs check (docs/documents.md) follow from this table.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rag.ingest.document import Document
from rag.ingest.formats import pdf, text, webpage, word
from rag.ingest.formats.text import TextFile

Readable = Document | TextFile
"""A file ready to chunk."""
Reader = Callable[[Path], Readable]

READERS: dict[str, Reader] = {
    ".txt": text.read_plain,
    ".md": text.read_markdown,
    ".markdown": text.read_markdown,
    ".html": webpage.read,
    ".htm": webpage.read,
    ".pdf": pdf.read,
    ".docx": word.read,
}
"""File suffix (lower case) -> reader."""

SUPPORTED_SUFFIXES = frozenset(READERS)
