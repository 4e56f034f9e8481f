"""HTML (``.html``, ``.htm``): the visible text; block elements start new lines, h1-h6 become headings.

Only what a reader sees is read: scripts, styles, the head and comments are left out, and so is every
element hidden by the ``hidden`` attribute, ``aria-hidden="true"``, or a style (inline, or a class of
the page's ``<style>``) that hides it: ``display:none``, ``visibility:hidden``, ``opacity:0``, a font
size of at most 1px, white text, or a position far off screen. Hidden text is where a page hides
instructions to an AI.
"""

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
_VOID_TAGS = frozenset("area base br col embed hr img input link meta source track wbr".split())
_HIDING = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*(?:hidden|collapse)|opacity\s*:\s*0*(?:\.0+)?\s*(?:;|$|!)"
    r"|font-size\s*:\s*(?:0*(?:\.\d+)?(?:px|pt)|0*1(?:\.0+)?(?:px|pt)|0+(?:\.0+)?(?:em|rem|%)?)\s*(?:;|$|!)"
    r"|(?<![-\w])(?:left|top|text-indent)\s*:\s*-\d{3,}",
    re.IGNORECASE,
)
_WHITE = r"(?:#fff(?:fff)?|white|rgb\(\s*255\s*,\s*255\s*,\s*255\s*\))\s*(?:;|$|!)"
_WHITE_TEXT = re.compile(rf"(?<![-\w])color\s*:\s*{_WHITE}", re.IGNORECASE)
_OTHER_BACKGROUND = re.compile(rf"background(?:-color)?\s*:\s*(?!\s*{_WHITE})", re.IGNORECASE)


def _hiding_style(style: str) -> bool:
    """Whether CSS declarations ``style`` hide an element's text (white text counts unless on another background)."""
    return bool(_HIDING.search(style) or (_WHITE_TEXT.search(style) and not _OTHER_BACKGROUND.search(style)))


_CLASS_RULE = re.compile(r"((?:\.[\w-]+\s*,?\s*)+)\{([^}]*)\}")
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
        self._style: list[str] = []  # the text of <style> elements
        self._hiding_classes: set[str] = set()
        self._hidden: tuple[str, int] | None = None  # (tag, nesting) of the open hidden element

    def _hides(self, attrs: list[tuple[str, str | None]]) -> bool:
        values = {name: (value or "") for name, value in attrs}
        if "hidden" in values or values.get("aria-hidden", "").strip().lower() == "true":
            return True
        if _hiding_style(values.get("style", "")):
            return True
        return bool(self._hiding_classes & set(values.get("class", "").split()))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._hidden:
            hidden_tag, nesting = self._hidden
            if hidden_tag == "p" and tag in _BLOCK_TAGS:
                self._hidden = None  # a block element closes an open <p>
            elif tag == hidden_tag:
                self._hidden = (tag, nesting + 1)
        if not self._hidden and tag not in _VOID_TAGS and self._hides(attrs):
            self._hidden = (tag, 1)
        if tag in _SKIPPED_TAGS:
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self._newline()
        if tag == "pre":
            self._pre += 1
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6") and not self._skip:
            self._heading, self._title = (int(tag[1]), self.length), []

    def handle_endtag(self, tag: str) -> None:
        if self._hidden and tag == self._hidden[0]:
            nesting = self._hidden[1] - 1
            self._hidden = (tag, nesting) if nesting else None
        if tag == "style":
            css = "".join(self._style)
            self._hiding_classes |= {
                name.strip().lstrip(".")
                for selectors, body in _CLASS_RULE.findall(css)
                if _hiding_style(body)
                for name in selectors.split(",")
            }
            self._style = []
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
        if self.lasttag == "style" and self._skip:
            self._style.append(data)
        if self._skip or self._hidden:
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
