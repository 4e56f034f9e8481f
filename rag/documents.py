"""Files -> text: discovery, format extraction, encoding detection and content hashing.

Formats: plain text (``.txt``), Markdown (``.md``, ``.markdown``), HTML (``.html``, ``.htm``),
PDF (``.pdf``) and Word (``.docx``). Character offsets (chunk spans, citations) are offsets into
the *extracted* text: the decoded file for text and Markdown, the visible text for HTML, the
page texts joined by blank lines for PDF, the paragraphs joined by blank lines for DOCX.

Text and Markdown files are read in blocks (:class:`TextFile`), so a file of any size is
chunked in bounded memory; the other formats are extracted whole (:class:`Document`).
"""

from __future__ import annotations

import bisect
import codecs
import hashlib
import logging
import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from rag.errors import DocumentError

TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown"})
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | {".html", ".htm", ".pdf", ".docx"}
BLOCK_BYTES = 1 << 20
"""Bytes read at a time from text files."""
_SNIFF_BYTES = 8192
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


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


class _Outline:
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


_ATX = re.compile(r" {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r" {0,3}(```|~~~)")


class _MarkdownHeadings:
    """Finds ATX headings (``# Title``) outside code fences in text fed block by block."""

    def __init__(self, structure: Structure) -> None:
        self._outline = _Outline(structure)
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
    headings = _MarkdownHeadings(structure)
    headings.feed(text)
    headings.close()
    return structure


@dataclass(frozen=True)
class Document:
    """The extracted text of one file, the sha256 of its bytes, and its pages and headings."""

    path: str
    """Absolute path of the source file."""
    text: str
    sha256: str
    structure: Structure = field(default_factory=Structure)

    def blocks(self) -> Iterator[str]:
        """The text, as the one block :func:`rag.chunking.chunk_source` reads."""
        yield self.text


class TextFile:
    """A text or Markdown file read in blocks of decoded text; headings are found as they are read."""

    def __init__(self, path: Path, sha256: str, encoding: str) -> None:
        self.path = str(path)
        self.sha256 = sha256
        self.encoding = encoding
        self.structure = Structure()

    def blocks(self) -> Iterator[str]:
        """Decoded text in blocks of about :data:`BLOCK_BYTES`; fills :attr:`structure` as it goes."""
        self.structure = Structure()
        headings = _MarkdownHeadings(self.structure) if Path(self.path).suffix.lower() != ".txt" else None
        decoder = codecs.getincrementaldecoder(self.encoding)(errors="replace")
        digest = hashlib.sha256()
        with _open(Path(self.path)) as file:
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


@dataclass(frozen=True)
class Skipped:
    """A file that was not indexed, and why."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


def discover(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[Path], list[Skipped]]:
    """Expand files and folders (recursively, hidden entries ignored) into the files to load.

    Returns the supported files, sorted, and the entries skipped with a reason. Symbolic links
    to files are followed; links to folders are not (they may loop), and are reported.
    """
    found: set[Path] = set()
    skipped: list[Skipped] = []
    for raw in paths:
        root = Path(raw).absolute()
        if root.is_dir():
            candidates = []
            for dirpath, dirnames, filenames in os.walk(root):
                dirnames.sort()  # walk in a stable order
                for name in dirnames:
                    if os.path.islink(os.path.join(dirpath, name)) and not name.startswith("."):
                        reason = "link to a folder, not followed (index its target instead)"
                        skipped.append(Skipped(os.path.join(dirpath, name), reason))
                candidates += [Path(dirpath) / name for name in sorted(filenames) if not name.startswith(".")]
        elif root.exists() or root.is_symlink():
            candidates = [root]
        else:
            skipped.append(Skipped(str(root), "no such file or folder"))
            continue
        for path in candidates:
            if any(part.startswith(".") for part in path.relative_to(root.parent).parts):
                continue
            if path.suffix.lower() in SUPPORTED_SUFFIXES:
                found.add(path)
            else:
                kinds = ", ".join(sorted(SUPPORTED_SUFFIXES))
                skipped.append(Skipped(str(path), f"unsupported file type (reads {kinds})"))
    return sorted(found), skipped


def fingerprint(path: str | os.PathLike[str]) -> str:
    """The sha256 of the file's bytes, read in blocks; :class:`DocumentError` if it cannot be read."""
    digest = hashlib.sha256()
    with _open(Path(path)) as file:
        while data := file.read(BLOCK_BYTES):
            digest.update(data)
    return digest.hexdigest()


def open_source(path: str | os.PathLike[str]) -> Document | TextFile:
    """The file ready to chunk: a :class:`TextFile` for text formats, else the extracted :class:`Document`."""
    path = Path(path).absolute()
    if path.suffix.lower() in TEXT_SUFFIXES:
        return _sniff_text(path)
    return load(path)


def load(path: str | os.PathLike[str]) -> Document:
    """Read and extract one whole file; raise :class:`DocumentError` with the reason if it cannot be used."""
    path = Path(path).absolute()
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        source = _sniff_text(path)
        text = "".join(source.blocks())
        return Document(str(path), text, source.sha256, source.structure)
    with _open(path) as file:
        data = file.read()
    sha256 = hashlib.sha256(data).hexdigest()
    if suffix == ".pdf":
        text, structure = _pdf_text(data)
    elif suffix == ".docx":
        text, structure = _docx_text(path)
    elif suffix in (".html", ".htm"):
        text, structure = _html_text(_decode(data))
    else:
        raise DocumentError(f"unsupported file type {suffix or '(none)'}")
    if not text.strip():
        raise DocumentError("no text in it" if data.strip() else "empty file")
    return Document(str(path), text, sha256, structure)


def _open(path: Path):  # type: ignore[no-untyped-def]
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


def _sniff_text(path: Path) -> TextFile:
    """Hash the file and find its encoding in one pass; reject empty and binary files."""
    digest = hashlib.sha256()
    utf8 = codecs.getincrementaldecoder("utf-8")()
    is_utf8, has_text, head = True, False, b""
    with _open(path) as file:
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
    return TextFile(path, digest.hexdigest(), encoding)


def _detect_encoding(path: Path) -> str:
    """The likeliest encoding of a file that is not UTF-8, judged from its first megabytes."""
    with _open(path) as file:
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


def _decode(data: bytes) -> str:
    bom = next((name for mark, name in _BOMS if data.startswith(mark)), None)
    if bom:
        return data.decode(bom, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode(_best_encoding(data), errors="replace")


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


def _docx_text(path: Path) -> tuple[str, Structure]:
    """Paragraphs and table rows joined by blank lines; "Heading N" and "Title" styles become headings."""
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from lxml.etree import XMLSyntaxError

    try:
        document = docx.Document(str(path))
    except (zipfile.BadZipFile, PackageNotFoundError, XMLSyntaxError, KeyError, ValueError) as exc:
        raise DocumentError(f"damaged .docx file ({exc}); re-save it from your word processor") from exc
    structure = Structure()
    outline = _Outline(structure)
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


_SKIPPED_TAGS = frozenset({"script", "style", "head", "noscript", "template", "svg"})
_BLOCK_TAGS = frozenset(
    "address article aside blockquote br dd div dl dt figcaption figure footer form h1 h2 h3 h4 h5 h6 header "
    "hr li main nav ol p pre section table td th tr ul title".split()
)


class _HtmlText(HTMLParser):
    """Visible text of an HTML page: block elements start new lines, h1-h6 become headings."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.length = 0
        self.structure = Structure()
        self._outline = _Outline(self.structure)
        self._skip = 0
        self._pre = 0
        self._heading: tuple[int, int] | None = None  # (level, offset) of the open heading
        self._title: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self._newline()
        if tag == "pre":
            self._pre += 1
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6") and not self._skip:
            self._heading, self._title = (int(tag[1]), self.length), []

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self._newline()
        if tag == "pre":
            self._pre = max(0, self._pre - 1)
        if self._heading and tag == f"h{self._heading[0]}":
            level, start = self._heading
            self._outline.add(start, level, "".join(self._title)[:2000])
            self._heading = None

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if not self._pre:
            data = re.sub(r"\s+", " ", data)
            if not self.parts or self.parts[-1].endswith("\n"):
                data = data.lstrip()
        if data:
            self._append(data)
            if self._heading:
                self._title.append(data)

    def _newline(self) -> None:
        if self.parts and not self.parts[-1].endswith("\n\n"):
            self._append("\n\n" if not self.parts[-1].endswith("\n") else "\n")

    def _append(self, text: str) -> None:
        self.parts.append(text)
        self.length += len(text)


def _html_text(html: str) -> tuple[str, Structure]:
    parser = _HtmlText()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts), parser.structure
