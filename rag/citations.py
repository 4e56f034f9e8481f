"""Turn a draft answer's ``[n]`` markers into citations with quotes a reader can check.

Small LLMs forget markers or cite numbers that do not exist, so markers are not trusted:
every answer sentence is compared with the sources' sentences, out-of-range markers are
dropped, and a sentence without a marker gets one when a source clearly supports it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.answer import Citation, Source
from rag.chunking import sentences

MARKER = re.compile(r"\s*\[(\d+(?:\s*,\s*\d+)*)\]")
_TRAILING_MARKERS = re.compile(r"([.!?])((?:\s*\[\d+(?:\s*,\s*\d+)*\])+)")
# "(source [1])" or "([1], [2])" -> the bare markers.
_WRAPPED_MARKERS = re.compile(r"\((?:sources?:?\s*)?((?:\[\d+\][\s,]*)+)\)", re.IGNORECASE)
_WORD = re.compile(r"\w+")
# Words too common to count as evidence.
STOPWORDS = frozenset(
    "a an and are as at be been but by did do does for from had has have he her his how i in is it its "
    "of on or she that the their them there they this to was were what when where which who why will "
    "with you your about into than then also not no yes can could would should may might".split()
)
MIN_SUPPORT = 0.5
"""Share of a sentence's content words a source must contain to get an added citation."""


def content_words(text: str) -> set[str]:
    """Lower-cased, crudely stemmed words of ``text`` without stop words.

    >>> sorted(content_words("DeepSeek launched the models"))
    ['deepseek', 'launch', 'model']
    """
    return {_stem(w) for w in _WORD.findall(text.lower()) if w not in STOPWORDS}


def _stem(word: str) -> str:
    """Strip a common English ending so that "launched" matches "launch"."""
    for ending, shortest in (("ing", 6), ("ed", 5), ("s", 4)):
        if word.endswith(ending) and len(word) >= shortest:
            return word[: -len(ending)]
    return word


def best_quote(claim: str, source: Source) -> tuple[int, int, float]:
    """The source sentence that best supports ``claim``: its span in the file and its support."""
    words = content_words(claim)
    best = (source.chunk.start, source.chunk.end, 0.0)
    for start, end in sentences(source.chunk.text):
        candidate = content_words(source.chunk.text[start:end])
        support = len(words & candidate) / len(words) if words else 0.0
        if support > best[2]:
            best = (source.chunk.start + start, source.chunk.start + end, support)
    return best


def cite(draft: str, sources: Sequence[Source]) -> tuple[str, list[Citation]]:
    """Resolve the markers of ``draft`` against ``sources``.

    Returns the answer text with valid markers only (plus added ones) and its citations,
    one per (sentence, source) pair, in order of appearance.
    """
    # "... 140 people. [1]" -> "... 140 people [1]." so each marker stays with its sentence.
    draft = _TRAILING_MARKERS.sub(r"\2\1", _WRAPPED_MARKERS.sub(r"\1", draft))
    text_parts: list[str] = []
    citations: list[Citation] = []
    position = 0
    for start, end in sentences(draft):
        text_parts.append(draft[position:start])
        raw = draft[start:end]
        claim = MARKER.sub("", raw).strip()
        numbers = [int(n) for m in MARKER.finditer(raw) for n in m.group(1).split(",")]
        valid = list(dict.fromkeys(n for n in numbers if 1 <= n <= len(sources)))
        quotes = {n: best_quote(claim, sources[n - 1]) for n in valid}
        if not valid and len(content_words(claim)) >= 2:
            candidates = {s.n: best_quote(claim, s) for s in sources}
            if candidates:
                n, quote = max(candidates.items(), key=lambda item: item[1][2])
                if quote[2] >= MIN_SUPPORT:
                    valid, quotes = [n], {n: quote}
        text_parts.append(_with_markers(claim, valid) if valid or numbers else raw)
        for n in valid:
            q_start, q_end, support = quotes[n]
            chunk = sources[n - 1].chunk
            quote_text = chunk.text[q_start - chunk.start : q_end - chunk.start]
            citations.append(Citation(n, chunk.path, q_start, q_end, quote_text, round(support, 3), claim))
        position = end
    text_parts.append(draft[position:])
    return "".join(text_parts).strip(), citations


def _with_markers(claim: str, numbers: list[int]) -> str:
    """Put the markers before the sentence's final punctuation: ``Claim [1][2].``"""
    markers = "".join(f"[{n}]" for n in numbers)
    if not markers:
        return claim
    body, stop = (claim[:-1], claim[-1]) if claim[-1:] in ".!?" else (claim, "")
    return f"{body.rstrip()} {markers}{stop}"
