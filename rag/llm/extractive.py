"""Answers without an LLM: the source sentences that best match the question, each cited.

Instant and deterministic. Used with ``--llm extractive``, and in place of a packaged model
that is not installed (see :func:`rag.llm.local.create`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from rag.answer import REFUSAL, Source
from rag.citations import content_words
from rag.config import Settings
from rag.errors import ModelError
from rag.ingest.instructions import overlaps
from rag.ingest.sentences import sentences
from rag.llm.base import Message, approx_tokens

MIN_OVERLAP = 0.5
"""Share of the question's content words the best sentence must contain; below it, refuse."""
MAX_SENTENCES = 2
"""Sentences in an answer at most."""
RUNNER_UP = 0.8
"""A second sentence joins the answer when its overlap is at least this share of the best one's."""

_END = re.compile(r"[.!?][\"'”’)\]]*$")


@dataclass(frozen=True)
class Candidate:
    """A sentence of a source and how well it matches the question."""

    overlap: float
    """Share of the question's content words found in the sentence, 0..1."""
    n: int
    """The source's number."""
    text: str


def rank_sentences(question: str, sources: Sequence[Source]) -> list[Candidate]:
    """Every sentence of ``sources``, best match first; ties go to the better-ranked source, then earlier text.

    >>> from rag.ingest.chunking import Chunk
    >>> chunk = Chunk("c", "a.txt", "DeepSeek has 140 people. It is in Hangzhou.", 0, 44, "")
    >>> rank_sentences("Where is DeepSeek?", [Source(1, chunk, 0.9)])[0].text
    'DeepSeek has 140 people.'
    """
    words = _words(question)
    if not words:
        return []
    ranked: dict[str, tuple[float, int, int, Candidate]] = {}
    for source in sources:
        text = source.chunk.text
        for start, end in sentences(text):
            if overlaps(source.chunk.instructions, source.chunk.start + start, source.chunk.start + end):
                continue  # a sentence addressed to an AI is never quoted as an answer
            sentence = text[start:end]
            overlap = len(words & _words(sentence)) / len(words)
            # Overlapping chunks repeat sentences: keep each once, with its first source.
            ranked.setdefault(sentence, (-overlap, source.n, start, Candidate(overlap, source.n, sentence)))
    return [item[3] for item in sorted(ranked.values(), key=lambda item: item[:3])]


def _words(text: str) -> set[str]:
    """Content words of two letters or more (the "s" of "DeepSeek's" is no evidence)."""
    return {word for word in content_words(text) if len(word) > 1}


def extractive_answer(question: str, sources: Sequence[Source]) -> str:
    """The best-matching sentence (and a close runner-up) with ``[n]`` markers, or the refusal.

    Refuses when no sentence holds at least half of the question's content words.
    """
    ranked = rank_sentences(question, sources)
    if not ranked or ranked[0].overlap < MIN_OVERLAP:
        return REFUSAL
    best = ranked[0]
    chosen = [best] + [c for c in ranked[1:MAX_SENTENCES] if c.overlap >= RUNNER_UP * best.overlap]
    return " ".join(_with_marker(c.text, c.n) for c in chosen)


def _with_marker(sentence: str, n: int) -> str:
    """``"It opened in 1932."`` -> ``"It opened in 1932 [2]."``: the marker stays inside its sentence."""
    end = _END.search(sentence)
    if end is None:
        return f"{sentence} [{n}]."
    return f"{sentence[: end.start()]} [{n}]{sentence[end.start() :]}"


class ExtractiveLLM:
    """The :class:`rag.llm.base.LLM` backend that quotes the sources instead of generating."""

    name = "extractive"

    def stream_chat(
        self, messages: Sequence[Message], max_tokens: int, *, question: str = "", sources: Sequence[Source] = ()
    ) -> Iterator[str]:
        """Yield the whole extractive answer to ``question`` at once; ``messages`` is not read."""
        yield extractive_answer(question, sources)

    def count_tokens(self, text: str) -> int:
        """An estimate (no tokenizer is involved)."""
        return approx_tokens(text)


def create(name: str, settings: Settings) -> ExtractiveLLM:
    """``extractive``: takes no name and no settings."""
    if name:
        raise ModelError(f"extractive:{name}: the extractive backend takes no model name; use extractive")
    return ExtractiveLLM()
