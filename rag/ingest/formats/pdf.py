"""PDF (``.pdf``): the text of each page, pages joined by blank lines, with where each page begins."""

from __future__ import annotations

import logging
from pathlib import Path

from rag.errors import DocumentError
from rag.ingest.document import Document, Structure, read_whole


def read(path: Path) -> Document:
    """The extracted text of a PDF; encrypted or damaged files are a :class:`DocumentError`."""
    return read_whole(path, _pdf_text)


def _pdf_text(data: bytes) -> tuple[str, Structure]:
    """Page texts joined by blank lines, with the offset where each page begins."""
    import io

    import pypdf
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # damaged files are reported, not logged at length
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentError("encrypted PDF: it needs a password; save a decrypted copy and index that")
        structure = Structure()
        parts: list[str] = []
        offset = 0
        for page in reader.pages:
            structure.pages.append(offset)
            text = (page.extract_text() or "").strip()
            parts.append(text)
            offset += len(text) + 2
        return "\n\n".join(parts), structure
    except DocumentError:
        raise
    except FileNotDecryptedError as exc:
        raise DocumentError("encrypted PDF: it needs a password; save a decrypted copy and index that") from exc
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError) as exc:
        raise DocumentError(f"damaged or truncated PDF ({exc}); re-export or re-download it") from exc
