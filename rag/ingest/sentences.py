"""Sentence spans: where the chunker may cut, what the citation check compares, what the detectors read."""

from __future__ import annotations

import re

# A sentence ends at ., ! or ? (plus closing quotes or brackets) followed by whitespace, or at a line break.
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+|\s*\n\s*")


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
