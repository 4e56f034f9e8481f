"""Sentence spans: where the chunker may cut, what the citation check compares, what the detectors read; and which
sentence needs the one before it."""

from __future__ import annotations

import re

# A sentence ends at ., ! or ? (plus closing quotes or brackets) followed by whitespace, or at a line break.
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+|\s*\n\s*")
# A period that ends a title before a name or an initial ("Dr. Smith", "John F. Kennedy", "the U.S. Army").
_ABBREVIATION = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Prof|St|Mt|Gen|Gov|Sen|Rep|Lt|Col|Capt|Sgt|Rev|vs)|(?<![^\W\d_])[A-Z])\.$"
)

# Words that point back ("What did he say?", "How many of them?"), and the openings of a question or sentence
# that continues the one before ("And the founder?", "But it was..."): for follow-ups, excerpts and quotes.
REFERRING = re.compile(
    r"\b(he|she|it|they|him|her|them|his|hers|its|their|theirs|this|that|these|those|there|then)\b"
    r"|^\W*(and|also|but|so|what about|how about)\b",
    re.IGNORECASE,
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


def needs_the_one_before(sentence: str, before: str) -> bool:
    """Whether ``sentence`` (of an excerpt, of a quote) needs the sentence ``before`` it to be understood: it points
    back ("it", "their", "this", "But ..."), or ``before`` does not end a sentence: a heading that says what it is
    about, or the start of the same sentence broken across lines.

    >>> needs_the_one_before("It was founded in 2023.", "DeepSeek is an AI company.")
    True
    >>> needs_the_one_before("Volunteers must be at least 16 years old.", "WHO CAN VOLUNTEER")
    True
    >>> needs_the_one_before("with a parent on Sunday mornings.", "Young people aged 14 can volunteer together")
    True
    >>> needs_the_one_before("Liang Wenfeng founded DeepSeek.", "The chip ban began in 2022.")
    False
    """
    return bool(REFERRING.search(sentence)) or before.rstrip("\"'”’)]*")[-1:] not in (".", "!", "?")
