"""The results the assistant returns: sources, citations and answers."""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass
from typing import Any

from rag.ingest.chunking import Chunk

REFUSAL = "I can't find that in the documents."
# The LLM's own ways of saying the sources lack the answer.
_DECLINES = re.compile(
    r"can(?:'|no|’)t find|cannot find|(?:is )?not (?:mentioned|provided|stated|found|in the (?:documents|sources))"
    r"|(?:do|does)(?:n't|n’t| not) (?:contain|mention|say|provide)",
    re.IGNORECASE,
)


def declines(draft: str) -> bool:
    """Whether the LLM's ``draft`` says the sources lack the answer (or says nothing).

    >>> declines(REFUSAL), declines("The sources do not mention it."), declines("It opened in 1932 [1].")
    (True, True, False)
    """
    return not draft.strip() or bool(_DECLINES.search(draft))


def display_path(path: str) -> str:
    """``path`` relative to the working folder when it lies inside it."""
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


@dataclass(frozen=True)
class Source:
    """A retrieved chunk, numbered as the LLM saw it (``[n]``)."""

    n: int
    chunk: Chunk
    score: float
    """Cosine similarity between the question and the chunk."""


@dataclass(frozen=True)
class Citation:
    """A checkable claim: answer sentence ``sentence`` is supported by ``quote`` in ``path``.

    ``path[start:end] == quote`` in the decoded source file.
    """

    n: int
    """The marker number, ``[n]``, and the number of the source it resolves to."""
    path: str
    start: int
    end: int
    quote: str
    score: float
    """Support of the sentence by the quote, 0..1 (word overlap and embedding similarity; see rag.citations)."""
    sentence: str
    """The answer sentence this citation supports."""
    page: int | None = None
    """1-based page of ``start`` in a paged document (PDF), else None."""
    flagged_source: bool = False
    """The cited passage also holds sentences addressed to an AI (possible prompt injection); they are
    never quoted or counted as support, but a reader may want to know."""


@dataclass(frozen=True)
class Timings:
    """Seconds spent in each stage of answering."""

    retrieve: float = 0.0
    first_token: float = 0.0
    generate: float = 0.0
    total: float = 0.0


@dataclass(frozen=True)
class Usage:
    """Tokens the LLM read and wrote for one answer, counted by its own tokenizer (an estimate for a server
    and for ``extractive``); zero when it was not asked (a refusal before generation)."""

    prompt_tokens: int = 0
    """The text of the prompt's messages (without the chat template's few tokens per message)."""
    completion_tokens: int = 0
    """The draft the LLM wrote, before the citation check."""


@dataclass(frozen=True)
class Answer:
    """An answer with the citations that back it.

    ``text`` contains ``[n]`` markers; each ``n`` appears in ``citations`` and resolves to
    ``sources[n - 1]``. ``refused`` is True when the documents did not contain the answer.
    """

    question: str
    text: str
    citations: list[Citation]
    sources: list[Source]
    refused: bool
    timings: Timings
    unsupported: list[str] = dataclasses.field(default_factory=list)
    """Answer sentences that no source supports (shown to the reader as unverified)."""
    usage: Usage = dataclasses.field(default_factory=Usage)
    """Tokens the LLM read and wrote."""
    verification: float | None = None
    """How sure the LLM is that a cited quote answers the question (P(yes), :mod:`rag.verification`);
    None when it was not asked."""
    checked: bool = False
    """Whether the question check ran on this answer. False for an answer no check could run on (the
    ``extractive`` backend, ``verify_answers`` off), which readers are shown as "not checked"."""
    threshold: float | None = None
    """The P(yes) the answer had to reach (the strictness's threshold, plus a margin for a declined question)."""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Answer:
        """The answer back from :meth:`to_dict` data (e.g. read from JSON); KeyError or TypeError for other data.

        >>> answer = Answer("q", "a [1]", [], [], False, Timings(total=1.5))
        >>> Answer.from_dict(answer.to_dict()) == answer
        True
        """

        def chunk(c: dict[str, Any]) -> Chunk:
            spans = tuple((int(s), int(e)) for s, e in c.get("instructions", ()))
            return Chunk(**{**c, "page_breaks": tuple(c.get("page_breaks", ())), "instructions": spans})

        return cls(
            question=data["question"],
            text=data["text"],
            citations=[Citation(**c) for c in data["citations"]],
            sources=[Source(s["n"], chunk(s["chunk"]), s["score"]) for s in data["sources"]],
            refused=bool(data["refused"]),
            timings=Timings(**data["timings"]),
            unsupported=list(data.get("unsupported", [])),
            usage=Usage(**data.get("usage", {})),
            verification=data.get("verification"),
            checked=bool(data.get("checked", False)),
            threshold=data.get("threshold"),
        )
