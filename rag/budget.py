"""The prompt budget: retrieved sources cut to fit the context window, with room left for the answer."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from rag.answer import Source
from rag.chunking import sentences

MESSAGE_TOKENS = 8
"""Tokens a chat template adds around each message (role markers, separators), generously."""


def source_label(source: Source) -> str:
    """How a source appears in the prompt: ``[n] text``."""
    return f"[{source.n}] {source.chunk.text}"


def fit_sources(sources: Sequence[Source], budget: int, count_tokens: Callable[[str], int]) -> list[Source]:
    """The leading ``sources`` whose labelled texts fit in ``budget`` tokens together.

    Sources are kept in rank order. The first one that does not fit whole is cut after its last
    sentence that fits (its span shrinks accordingly) or dropped when not even its first sentence
    fits; every source after it is dropped. Each source is also charged 2 tokens of separator.

    >>> from rag.chunking import Chunk
    >>> chunk = Chunk("c", "a.txt", "One two. Three four.", 0, 20, "")
    >>> words = lambda text: len(text.split())
    >>> [s.chunk.text for s in fit_sources([Source(1, chunk, 0.9)], 5, words)]
    ['One two.']
    """
    kept: list[Source] = []
    left = budget
    for source in sources:
        cost = count_tokens(source_label(source)) + 2
        if cost <= left:
            kept.append(source)
            left -= cost
            continue
        cut = _cut(source, left, count_tokens)
        if cut is not None:
            kept.append(cut)
        break
    return kept


def _cut(source: Source, budget: int, count_tokens: Callable[[str], int]) -> Source | None:
    """``source`` shortened to its longest run of leading sentences that fits, or None."""
    chunk = source.chunk
    best: Source | None = None
    for _, end in sentences(chunk.text):
        shorter = dataclasses.replace(chunk, text=chunk.text[:end], end=chunk.start + end)
        candidate = dataclasses.replace(source, chunk=shorter)
        if count_tokens(source_label(candidate)) + 2 > budget:
            break
        best = candidate
    return best
