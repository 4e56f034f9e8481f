"""HTML (``.html``, ``.htm``): the visible text; block elements start new lines, h1-h6 become headings."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from rag.ingest.document import Document, Outline, Structure, read_whole
from rag.ingest.formats.text import decode


def read(path: Path) -> Document:
    """The visible text of an HTML page (scripts, styles and the head are left out)."""
    return read_whole(path, lambda data: _html_text(decode(data)))


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
        self._outline = Outline(self.structure)
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
