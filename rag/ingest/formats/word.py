"""Word (``.docx``): paragraphs and table rows joined by blank lines; heading styles become headings."""

from __future__ import annotations

import re
from pathlib import Path

from rag.errors import DocumentError
from rag.ingest.document import Document, Outline, Structure, read_whole


def read(path: Path) -> Document:
    """The extracted text of a ``.docx`` file; a damaged file is a :class:`DocumentError`."""
    return read_whole(path, _docx_text)


def _docx_text(data: bytes) -> tuple[str, Structure]:
    """Paragraphs and table rows joined by blank lines; "Heading N" and "Title" styles become headings."""
    import io
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from lxml.etree import XMLSyntaxError

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, PackageNotFoundError, XMLSyntaxError, KeyError, ValueError) as exc:
        raise DocumentError(f"damaged .docx file ({exc}); re-save it from your word processor") from exc
    structure = Structure()
    outline = Outline(structure)
    parts: list[str] = []
    offset = 0
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            texts = [" | ".join(cell.text.strip() for cell in row.cells) for row in item.rows]
        else:
            style = item.style.name if item.style is not None else ""
            level = 1 if style == "Title" else _heading_level(style)
            if level and item.text.strip():
                outline.add(offset, level, item.text)
            texts = [item.text]
        for text in texts:
            if text.strip():
                parts.append(text.strip())
                offset += len(parts[-1]) + 2
    return "\n\n".join(parts), structure


def _heading_level(style: str) -> int:
    match = re.fullmatch(r"Heading (\d)", style)
    return int(match.group(1)) if match else 0
