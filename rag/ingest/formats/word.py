"""Word (``.docx``): paragraphs and table rows joined by blank lines; heading styles become headings.

Only the text a reader sees is read: runs marked hidden, white or at most 1 pt high are left out, and
so are comments and the document's properties (python-docx reads neither into paragraphs). A
``.docx`` is a zip archive: one that would unpack to more than :data:`MAX_UNPACKED_BYTES` is refused
before anything is unpacked (a zip bomb is a clear error, not a full memory or disk).
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

from rag.errors import DocumentError
from rag.ingest.document import Document, Outline, Structure, read_whole

MAX_UNPACKED_BYTES = 200 * 1024 * 1024
"""The most a ``.docx`` may unpack to; real documents of thousands of pages stay far below."""


def read(path: Path) -> Document:
    """The extracted text of a ``.docx`` file; a damaged file is a :class:`DocumentError`."""
    return read_whole(path, _docx_text)


def _docx_text(data: bytes) -> tuple[str, Structure]:
    """Paragraphs and table rows joined by blank lines; "Heading N" and "Title" styles become headings."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from lxml.etree import XMLSyntaxError

    try:
        _check_unpacked_size(data)
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, PackageNotFoundError, XMLSyntaxError, KeyError, ValueError) as exc:
        raise DocumentError(f"damaged .docx file ({exc}); re-save it from your word processor") from exc
    structure = Structure()
    outline = Outline(structure)
    parts: list[str] = []
    offset = 0
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            texts = [" | ".join(_cell_text(cell) for cell in row.cells) for row in item.rows]
        else:
            text = _visible_text(item)
            style = item.style.name if item.style is not None else ""
            level = 1 if style == "Title" else _heading_level(style)
            if level and text.strip():
                outline.add(offset, level, text)
            texts = [text]
        for text in texts:
            if text.strip():
                parts.append(text.strip())
                offset += len(parts[-1]) + 2
    return "\n\n".join(parts), structure


def _heading_level(style: str) -> int:
    match = re.fullmatch(r"Heading (\d)", style)
    return int(match.group(1)) if match else 0


def _check_unpacked_size(data: bytes) -> None:
    """Refuse an archive that would unpack to more than :data:`MAX_UNPACKED_BYTES`, from its directory alone."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        unpacked = sum(info.file_size for info in archive.infolist())
    if unpacked > MAX_UNPACKED_BYTES:
        raise DocumentError(
            f"unpacks to {unpacked / 2**20:,.0f} MB, more than the {MAX_UNPACKED_BYTES / 2**20:,.0f} MB "
            "a .docx may (a zip bomb?); not read"
        )


def _visible_text(paragraph: Any) -> str:
    """The paragraph's text without hidden runs (hyperlinks' runs included)."""
    parts = []
    for item in paragraph.iter_inner_content():
        runs = getattr(item, "runs", [item])  # a Hyperlink holds runs; a Run is one
        parts += [run.text for run in runs if not _hidden(run)]
    return "".join(parts)


def _cell_text(cell: Any) -> str:
    return "\n".join(_visible_text(p) for p in cell.paragraphs).strip()


def _hidden(run: Any) -> bool:
    """Whether Word would not show ``run`` to a reader: marked hidden, white, or at most 1 pt high."""
    font = run.font
    if font.hidden or (font.size is not None and font.size.pt <= 1):
        return True
    try:
        rgb = font.color.rgb if font.color is not None and font.color.type is not None else None
    except (AttributeError, ValueError):
        rgb = None
    return rgb is not None and str(rgb).upper() == "FFFFFF"
