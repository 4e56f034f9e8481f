"""The public facade: open an index, add documents, ask questions, get cited answers."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from rag.answer import REFUSAL, Answer, Source, Timings
from rag.budget import MESSAGE_TOKENS, fit_sources, source_label
from rag.citations import MARKER, cite, content_words
from rag.config import Settings
from rag.embedding import Embedder
from rag.errors import IndexStateError
from rag.indexing import IndexReport, index_paths
from rag.llm import LLM, Message, approx_tokens, load_llm
from rag.retrieval import Retriever
from rag.store import CollectionInfo, Store

SYSTEM_PROMPT = (
    "You answer questions using only the numbered sources you are given. "
    "Answer in one or two complete sentences taken from the sources, and put the number of the source "
    "you used in square brackets at the end of each sentence, for example [2]. "
    f"If the sources do not contain the answer, reply exactly: {REFUSAL}"
)
"""Instructions given to the LLM before the sources."""

# The LLM's own ways of saying the sources lack the answer.
_REFUSAL_PATTERN = re.compile(
    r"can(?:'|no|’)t find|cannot find|(?:is )?not (?:mentioned|provided|stated|found|in the (?:documents|sources))"
    r"|(?:do|does)(?:n't|n’t| not) (?:contain|mention|say|provide)",
    re.IGNORECASE,
)
HISTORY_TURNS = 3
"""Earlier question/answer pairs given to the LLM in a conversation."""

Turn = tuple[str, str]
"""An earlier (question, answer) pair of the conversation."""


class Assistant:
    """Question answering with citations over one collection.

    >>> assistant = Assistant.open(index_dir="index", llm="local:smollm2-135m")  # doctest: +SKIP
    >>> assistant.add(["seeds/"])                                               # doctest: +SKIP
    >>> answer = assistant.ask("How many people are on DeepSeek's team?")       # doctest: +SKIP
    >>> answer.text, answer.citations[0].quote                                  # doctest: +SKIP
    """

    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store
        self.retriever = Retriever(store, settings.index_dir / "keyword" / store.name, settings.retrieval)
        self._llm: LLM | None = None

    @classmethod
    def open(
        cls,
        index_dir: str | os.PathLike[str] | None = None,
        llm: str | None = None,
        collection: str | None = None,
        settings: Settings | None = None,
        **overrides: Any,
    ) -> Assistant:
        """Open (or create) a collection; arguments override ``settings`` (default: from the environment).

        The LLM loads on the first question, not here.
        """
        base = settings or Settings.from_env()
        settings = base.replace(index_dir=index_dir, llm=llm, collection=collection, **overrides)
        return cls(settings, Store.open(settings.index_dir, settings.collection, settings.chroma_url))

    @property
    def llm(self) -> LLM:
        """The LLM backend, loaded on first use and shared by the process."""
        if self._llm is None:
            self._llm = load_llm(self.settings)
        return self._llm

    def add(self, paths: Iterable[str | os.PathLike[str]], progress: bool = False) -> IndexReport:
        """Index files and folders; unchanged files are skipped, unreadable ones reported."""
        report = index_paths(paths, self.store, self.settings, progress=progress)
        self.retriever.refresh()
        return report

    def info(self) -> CollectionInfo:
        """Documents, chunks and embedding model of the open collection."""
        return self.store.info()

    def retrieve(self, question: str) -> list[Source]:
        """The ``top_k`` chunks closest to ``question``, numbered from 1."""
        if self.store.is_empty():
            raise IndexStateError(
                f"collection {self.settings.collection!r} in {self.settings.index_dir} is empty: "
                "index documents first (rag index PATH)"
            )
        hits = self.retriever.retrieve(question, self.settings.top_k)
        return [Source(n, chunk, round(score, 4)) for n, (chunk, score) in enumerate(hits, start=1)]

    def ask(self, question: str, history: Sequence[Turn] = ()) -> Answer:
        """Answer ``question`` (optionally within a conversation) with checked citations."""
        for item in self.stream(question, history):
            if isinstance(item, Answer):
                return item
        raise AssertionError("stream() always ends with an Answer")

    def stream(self, question: str, history: Sequence[Turn] = ()) -> Iterator[str | Answer]:
        """Yield the answer text as it is generated, then the final :class:`Answer`.

        >>> for item in assistant.stream("Who founded DeepSeek?"):  # doctest: +SKIP
        ...     print(item if isinstance(item, str) else "\\n", end="")
        """
        llm = self.llm  # fail fast on a missing model, before any other work
        started = time.perf_counter()
        question = question.strip()
        query = standalone_query(question, history)  # also what a model-less backend matches sources against
        sources = self.retrieve(query)
        retrieved = time.perf_counter()
        if not sources or max(s.score for s in sources) < self.settings.min_score:
            yield REFUSAL
            yield Answer(question, REFUSAL, [], sources, True, _timings(started, retrieved))
            return
        pieces: list[str] = []
        first_token = 0.0
        # The prompt leaves max_tokens of the context window for the answer.
        messages = build_messages(
            question, sources, history, self.settings.context_window - self.settings.max_tokens, llm.count_tokens
        )
        for piece in llm.stream_chat(messages, self.settings.max_tokens, question=query, sources=sources):
            first_token = first_token or time.perf_counter()
            pieces.append(piece)
            yield piece
        draft = "".join(pieces).strip()
        if not draft or _REFUSAL_PATTERN.search(draft):
            yield Answer(question, REFUSAL, [], sources, True, _timings(started, retrieved, first_token))
            return
        checked = cite(draft, sources, question, Embedder.default().embed_documents)
        timings = _timings(started, retrieved, first_token)
        if not checked.citations and (checked.unsupported or not content_words(checked.text)):
            # Nothing the model said is in the sources (it answered from memory, or invented), or it said
            # nothing at all (a bare "[2]").
            yield Answer(question, REFUSAL, [], sources, True, timings, unsupported=checked.unsupported)
            return
        yield Answer(question, checked.text, checked.citations, sources, False, timings, checked.unsupported)


# Words that point back into the conversation ("What did he say?", "How many of them?").
_REFERRING = re.compile(
    r"\b(he|she|it|they|him|her|them|his|hers|its|their|theirs|this|that|these|those|there|then)\b", re.IGNORECASE
)


def standalone_query(question: str, history: Sequence[Turn] = ()) -> str:
    """The retrieval query for ``question``: a follow-up that refers back carries the previous question.

    Embedding and keyword search then see what "he" or "it" stands for, without an extra LLM call.

    >>> standalone_query("What did he say about the chip ban?", [("Who founded DeepSeek?", "Liang Wenfeng.")])
    'Who founded DeepSeek? Liang Wenfeng. What did he say about the chip ban?'
    >>> standalone_query("Who founded DeepSeek?", [("What is the capital of France?", "Paris.")])
    'Who founded DeepSeek?'
    """
    if not history or not _REFERRING.search(question):
        return question
    earlier_question, earlier_answer = history[-1]
    return f"{earlier_question} {earlier_answer if earlier_answer != REFUSAL else ''} {question}".replace("  ", " ")


def build_messages(
    question: str,
    sources: Sequence[Source],
    history: Sequence[Turn] = (),
    budget: int | None = None,
    count_tokens: Callable[[str], int] = approx_tokens,
) -> list[Message]:
    """The chat prompt: instructions, earlier turns, then numbered sources and the question.

    This order keeps the prompt's start stable across a conversation, so llama.cpp reuses its cache
    for it. With a ``budget`` (tokens for the whole prompt), sources are cut to fit (see :func:`fit_sources`).
    """
    messages: list[Message] = [{"role": "system", "content": SYSTEM_PROMPT}]
    for earlier_question, earlier_answer in list(history)[-HISTORY_TURNS:]:
        messages.append({"role": "user", "content": earlier_question})
        # Old markers point at old sources; they would mislead the model about the new ones.
        messages.append({"role": "assistant", "content": MARKER.sub("", earlier_answer)})
    if budget is not None:
        frame = f"Sources:\n\n\nQuestion: {question}"
        fixed = sum(count_tokens(m["content"]) + MESSAGE_TOKENS for m in messages) + count_tokens(frame)
        sources = fit_sources(sources, budget - fixed - MESSAGE_TOKENS, count_tokens)
    numbered = "\n\n".join(source_label(s) for s in sources)
    messages.append({"role": "user", "content": f"Sources:\n{numbered}\n\nQuestion: {question}"})
    return messages


def _timings(started: float, retrieved: float, first_token: float = 0.0) -> Timings:
    now = time.perf_counter()
    return Timings(
        retrieve=round(retrieved - started, 3),
        first_token=round(first_token - started, 3) if first_token else 0.0,
        generate=round(now - retrieved, 3),
        total=round(now - started, 3),
    )
