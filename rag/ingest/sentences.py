"""Sentence spans: where the chunker may cut, what the citation check compares, what the detectors read."""

from __future__ import annotations

import re

# A sentence ends at ., ! or ? (plus closing quotes or brackets) followed by whitespace, or at a line break.
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+|\s*\n\s*")
# A period that ends a title before a name or an initial ("Dr. Smith", "John F. Kennedy", "the U.S. Army").
_ABBREVIATION = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Prof|St|Mt|Gen|Gov|Sen|Rep|Lt|Col|Capt|Sgt|Rev|vs)|(?<![^\W\d_])[A-Z])\.$"
)


def sentences(text: str) -> list[tuple[int, int]]:
    """Spans ``(start, end)`` of the sentences of ``text``, without surrounding whitespace.

    A stop followed on the same line by a lower-case word, or after an abbreviation, does not end a sentence.

    >>> sentences("One. Two?\\nThree")
    [(0, 4), (5, 9), (10, 15)]
    >>> text = "Dr. Smith kept U.S. neutrality. John F. Kennedy came. Yahoo! was small."
    >>> [text[start:end] for start, end in sentences(text)]
    ['Dr. Smith kept U.S. neutrality.', 'John F. Kennedy came.', 'Yahoo! was small.']
    """
    spans: list[tuple[int, int]] = []
    position = 0
    for match in _SENTENCE_BREAK.finditer(text):
        end = match.start()
        if "\n" not in match.group() and (
            text[match.end() : match.end() + 1].islower()
            or (match.group()[0].isspace() and _ABBREVIATION.search(text, max(0, end - 5), end))
        ):
            continue  # "U.S. neutrality", "Dr. Smith"
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
