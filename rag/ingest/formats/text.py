"""Plain text (``.txt``) and Markdown (``.md``, ``.markdown``): read in blocks, in bounded memory.

The file is hashed and its encoding found in one pass (BOM, UTF-8, else charset-normalizer's
best guess); :class:`TextFile` then decodes it block by block while chunking, finding Markdown
headings as it goes, so a file of any size is indexed in bounded memory.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

from rag.errors import DocumentError
from rag.ingest.document import BLOCK_BYTES, Outline, Structure, open_file

_SNIFF_BYTES = 8192
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def read_plain(path: Path) -> TextFile:
    """A ``.txt`` file, ready to be read in blocks."""
    return _sniff_text(path, markdown=False)


def read_markdown(path: Path) -> TextFile:
    """A Markdown file, ready to be read in blocks; ``#`` headings become the chunks' headings."""
    return _sniff_text(path, markdown=True)


class TextFile:
    """A text or Markdown file read in blocks of decoded text; headings are found as they are read."""

    def __init__(self, path: Path, sha256: str, encoding: str, markdown: bool = True) -> None:
        self.path = str(path)
        self.sha256 = sha256
        self.encoding = encoding
        self.markdown = markdown
        self.structure = Structure()

    def blocks(self) -> Iterator[str]:
        """Decoded text in blocks of about :data:`BLOCK_BYTES`; fills :attr:`structure` as it goes."""
        self.structure = Structure()
        headings = MarkdownHeadings(self.structure) if self.markdown else None
        decoder = codecs.getincrementaldecoder(self.encoding)(errors="replace")
        digest = hashlib.sha256()
        with open_file(Path(self.path)) as file:
            while data := file.read(BLOCK_BYTES):
                digest.update(data)
                text = decoder.decode(data)
                if headings:
                    headings.feed(text)
                yield text
            tail = decoder.decode(b"", final=True)
            if headings:
                headings.feed(tail)
                headings.close()
            yield tail
        if digest.hexdigest() != self.sha256:
            raise DocumentError("the file changed while it was being read; index it again")


_ATX = re.compile(r" {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r" {0,3}(```|~~~)")


class MarkdownHeadings:
    """Finds ATX headings (``# Title``) outside code fences in text fed block by block."""

    def __init__(self, structure: Structure) -> None:
        self._outline = Outline(structure)
        self._partial = ""
        self._offset = 0  # offset of the start of ``_partial``
        self._fence = ""

    def feed(self, block: str) -> None:
        lines = (self._partial + block).split("\n")
        self._partial = lines.pop()
        for line in lines:
            self._line(line)
            self._offset += len(line) + 1

    def close(self) -> None:
        self._line(self._partial)

    def _line(self, line: str) -> None:
        fence = _FENCE.match(line)
        if fence:
            self._fence = "" if self._fence == fence.group(1) else self._fence or fence.group(1)
        elif not self._fence and len(line) < 1000 and (heading := _ATX.match(line)):
            self._outline.add(self._offset, len(heading.group(1)), heading.group(2))


def markdown_structure(text: str) -> Structure:
    """The headings of Markdown ``text`` (ATX ``#`` headings outside code fences)."""
    structure = Structure()
    headings = MarkdownHeadings(structure)
    headings.feed(text)
    headings.close()
    return structure


def _sniff_text(path: Path, markdown: bool) -> TextFile:
    """Hash the file and find its encoding in one pass; reject empty and binary files."""
    digest = hashlib.sha256()
    utf8 = codecs.getincrementaldecoder("utf-8")()
    is_utf8, has_text, head = True, False, b""
    with open_file(path) as file:
        while data := file.read(BLOCK_BYTES):
            digest.update(data)
            head = head or data[:_SNIFF_BYTES]
            has_text = has_text or bool(data.strip())
            if is_utf8:
                try:
                    utf8.decode(data)
                except UnicodeDecodeError:
                    is_utf8 = False
    bom = next((name for mark, name in _BOMS if head.startswith(mark)), None)
    if not head:
        raise DocumentError("empty file")
    if not has_text:
        raise DocumentError("empty file (only blank space)")
    if bom is None and b"\x00" in head:
        raise DocumentError("binary content, not text")
    if bom:
        encoding = bom
    elif is_utf8:
        encoding = "utf-8"
    else:
        encoding = _detect_encoding(path)
    return TextFile(path, digest.hexdigest(), encoding, markdown)


def _detect_encoding(path: Path) -> str:
    """The likeliest encoding of a file that is not UTF-8, judged from its first megabytes."""
    with open_file(path) as file:
        return _best_encoding(file.read(4 * BLOCK_BYTES))


def _best_encoding(data: bytes) -> str:
    """charset_normalizer's best guess; among equally good guesses, the common Western cp1252.

    Plain English with a few accented letters fits cp1250 and cp1252 equally well, and
    cp1252 (a superset of Latin-1's printable characters) is the far likelier origin.
    """
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data))
    if not matches:
        raise DocumentError("binary content, not text (no text encoding fits)")
    best = matches[0]
    tied = [m for m in matches if (m.chaos, m.coherence) == (best.chaos, best.coherence)]
    for preferred in ("cp1252", "latin_1"):
        if any(preferred in m.could_be_from_charset for m in tied):
            return preferred
    return str(best.encoding)


def decode(data: bytes) -> str:
    bom = next((name for mark, name in _BOMS if data.startswith(mark)), None)
    if bom:
        return data.decode(bom, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode(_best_encoding(data), errors="replace")
