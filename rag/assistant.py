"""The public facade: open an index, add documents, ask questions, get cited answers."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, cast

from rag import calibration, verification
from rag.answer import REFUSAL, Answer, Source, Timings, Usage, declines
from rag.citations import MARKER, YES_NO_QUESTION, Embed, cite, content_words
from rag.config import Settings
from rag.documents import DocumentInfo, list_documents
from rag.embedding import Embedder, cached
from rag.errors import IndexStateError
from rag.ingest.indexing import IndexResult, index_paths
from rag.llm import LLM, Message, load_llm
from rag.llm.base import approx_tokens
from rag.llm.extractive import extractive_answer
from rag.llm.local import LocalLLM
from rag.prompt import (
    RANK_WEIGHT,
    SYSTEM_PROMPT,
    Turn,
    build_messages,
    follows_up,
    only_sources_read,
    select_excerpts,
    standalone_query,
)
from rag.retrieval import Retriever
from rag.store import CollectionInfo, Store

log = logging.getLogger(__name__)

# A draft that answers a yes/no question ("Yes [1].").
_YES_OR_NO = re.compile(r"\s*(yes|no)\b", re.IGNORECASE)


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
        self._check_setting: calibration.CheckSetting | None = None
        self.calibrating = False
        """Set by ``rag calibrate``: every answer the citation check lets through is shown (threshold 0) with the
        highest P(yes) of its quotes, so that one run tells what each threshold would show."""
        self.on_prompt: Callable[[list[Message]], None] | None = None
        """Called with each prompt before the LLM reads it: ``rag eval`` records what was read (excerpt recall)."""

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
            self._llm = load_models(self.settings, self.retriever.refresh)
            setting = self.check_setting()
            if setting and not self.calibrating:
                calibration.warn_if_uncalibrated(self.settings.llm, setting)
        return self._llm

    def check_setting(self) -> calibration.CheckSetting | None:
        """The question check's threshold for this assistant's model and strictness, and its calibration; None when
        answers are not checked (``verify_answers`` off, or the ``extractive`` backend, which has no model)."""
        if not self.settings.verify_answers or calibration.model_key(self.settings) is None:
            return None
        if self._check_setting is None:
            self._check_setting = calibration.check_setting(self.settings)
        return self._check_setting

    def _threshold(self, llm: LLM) -> float | None:
        """The P(yes) an answer must reach, or None when ``llm`` cannot be asked."""
        setting = self.check_setting() if isinstance(llm, verification.YesNoModel) else None
        if setting is None:
            return None
        return 0.0 if self.calibrating else setting.threshold

    def add(self, paths: Iterable[str | os.PathLike[str]], progress: bool = False) -> IndexResult:
        """Index files and folders; unchanged files are skipped, unreadable ones reported."""
        report = index_paths(paths, self.store, self.settings, progress=progress)
        self.retriever.refresh()
        return report

    def info(self) -> CollectionInfo:
        """Documents, chunks and embedding model of the open collection."""
        return self.store.info()

    def documents(self) -> list[DocumentInfo]:
        """Every indexed file: display name, size, chunks, when it was indexed, and problems found at indexing.

        >>> [(d.name, d.chunks, d.problems) for d in assistant.documents()]  # doctest: +SKIP
        [('000_959d6777a251aa29.txt', 6, ())]
        """
        return list_documents(self.store)

    def remove(self, path: str | os.PathLike[str]) -> DocumentInfo:
        """Take the file at ``path`` (as indexed, or relative to the working folder) out of the collection and
        the keyword index; returns what was removed. The file itself is untouched: indexing its folder again
        brings it back."""
        key = str(Path(path).absolute())
        found = [d for d in self.documents() if d.path in (str(path), key)]
        if not found:
            raise IndexStateError(
                f"no document {str(path)!r} in collection {self.settings.collection!r}; see: rag documents"
            )
        self.store.delete_file(found[0].path)
        self.retriever.refresh()
        return found[0]

    def retrieve(self, question: str, follow_up: str = "", k: int | None = None) -> list[Source]:
        """The ``k`` (default ``top_k``) chunks closest to ``question``, numbered from 1.

        With ``follow_up`` (the follow-up as asked, when ``question`` joins it to the turn before), the chunks
        closest to each take turns: the earlier turn's words must not crowd out what the follow-up asks for
        ("And how many people work there?" after an answer about DeepSeek's launch).
        """
        if self.store.is_empty():
            raise IndexStateError(
                f"collection {self.settings.collection!r} in {self.settings.index_dir} is empty: "
                "index documents first (rag index PATH)"
            )
        k = k or self.settings.top_k
        hits = self.retriever.retrieve(question, k)
        if follow_up and follow_up != question:
            alone = self.retriever.retrieve(follow_up, k)
            best = {c.id: s for c, s in sorted(alone + hits, key=lambda hit: hit[1])}  # a chunk's higher score
            turns = [hit for pair in zip(alone, hits, strict=False) for hit in pair] + alone + hits
            hits = list({c.id: (c, best[c.id]) for c, _ in turns}.values())[:k]
        return [Source(n, chunk, round(score, 4)) for n, (chunk, score) in enumerate(hits, start=1)]

    def read(
        self, question: str, history: Sequence[Turn] = (), count_tokens: Callable[[str], int] = approx_tokens
    ) -> tuple[list[Source], list[Message]]:
        """The sources the LLM would read for ``question`` and the prompt it would read them in, without asking it
        (and without the ``min_score`` refusal): what ``rag eval --retrieval-only`` scores recall on.
        ``count_tokens``: the LLM's tokenizer (default: an estimate)."""
        question, history, query = _framed(question, history)
        pool = self.retrieve(query, follow_up=question, k=self._pool(whole_chunks=False))
        return self._prompt(question, query, pool, history, count_tokens, False, _embed_cached())

    def _pool(self, whole_chunks: bool) -> int:
        """How many chunks are retrieved: ``top_k``, or the ``pool_factor`` times wider pool the excerpts are
        chosen from."""
        if whole_chunks or self.settings.context_tokens <= 0:
            return self.settings.top_k
        return self.settings.top_k * max(1, self.settings.pool_factor)

    def _messages(
        self,
        question: str,
        query: str,
        sources: Sequence[Source],
        history: Sequence[Turn],
        llm: LLM,
        embed: Callable[[list[str]], list[list[float]]],
    ) -> list[Message]:
        """The prompt for ``sources`` (see :meth:`_prompt`)."""
        return self._prompt(question, query, sources, history, llm.count_tokens, llm.name == "extractive", embed)[1]

    def _prompt(
        self,
        question: str,
        query: str,
        sources: Sequence[Source],
        history: Sequence[Turn],
        count_tokens: Callable[[str], int],
        whole_chunks: bool,
        embed: Callable[[list[str]], list[list[float]]],
    ) -> tuple[list[Source], list[Message]]:
        """The sources read and the prompt: the excerpts that matter for ``query`` (``context_tokens``), or
        (``whole_chunks``) whole chunks that fit the context window with room left for the answer. From a pool wider
        than ``top_k``, only the sources an excerpt was chosen from are kept, numbered as the LLM reads them."""
        budget = self.settings.context_window - self.settings.max_tokens
        if whole_chunks or self.settings.context_tokens <= 0:
            return list(sources), build_messages(question, sources, history, budget, count_tokens)
        # A follow-up's excerpts are chosen for it and the question before it, not for the earlier answer's words.
        focus = question if query == question or not history else f"{history[-1][0]} {question}"
        wide = len(sources) > self.settings.top_k
        excerpts = select_excerpts(
            focus, sources, embed, self.settings.context_tokens, count_tokens, RANK_WEIGHT if wide else 0.0
        )
        if wide:
            sources, excerpts = only_sources_read(sources, excerpts)
        return list(sources), build_messages(question, sources, history, budget, count_tokens, excerpts)

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
        for item in self.stream_with_sources(question, history):
            if not isinstance(item, list):
                yield item

    def stream_with_sources(self, question: str, history: Sequence[Turn] = ()) -> Iterator[list[Source] | str | Answer]:
        """:meth:`stream`, preceded by the retrieved sources (a list) as soon as they are found, before the
        LLM starts: a reader sees the evidence while the answer is written."""
        llm = self.llm  # fail fast on a missing model, before any other work
        started = time.perf_counter()
        question, history, query = _framed(question, history)  # query: also what a model-less backend matches
        whole_chunks = llm.name == "extractive"  # extractive reads no prompt: it quotes whole chunks
        pool = self.retrieve(query, follow_up=question, k=self._pool(whole_chunks))
        retrieved = time.perf_counter()
        sources = pool[: self.settings.top_k]
        if not sources or max(s.score for s in sources) < self.settings.min_score:
            yield sources
            yield REFUSAL
            yield Answer(question, REFUSAL, [], sources, True, _timings(started, retrieved))
            return
        pieces: list[str] = []
        first_token = 0.0
        embed = _embed_cached()
        sources, messages = self._prompt(question, query, pool, history, llm.count_tokens, whole_chunks, embed)
        yield sources
        if self.on_prompt:
            self.on_prompt(messages)
        for piece in llm.stream_chat(messages, self.settings.max_tokens, question=query, sources=sources):
            first_token = first_token or time.perf_counter()
            pieces.append(piece)
            yield piece
        draft = "".join(pieces).strip()
        usage = Usage(sum(llm.count_tokens(m["content"]) for m in messages), llm.count_tokens(draft) if draft else 0)
        checked = self._check(draft, question, query, sources, llm, embed, messages)
        timings = _timings(started, retrieved, first_token)
        yield dataclasses.replace(checked, question=question, sources=sources, timings=timings, usage=usage)

    def _check(
        self,
        draft: str,
        question: str,
        query: str,
        sources: Sequence[Source],
        llm: LLM,
        embed: Embed,
        messages: Sequence[Message] = (),
    ) -> Answer:
        """The draft checked: its sentences against the sources (:func:`rag.citations.cite`), then, for a model
        that can be asked, whether a cited quote answers the question (:mod:`rag.verification`); else a refusal.
        ``messages``: the prompt the draft answers."""
        refusal = Answer(question, REFUSAL, [], [], True, Timings())
        declined = declines(draft)
        surer = 0.0  # how much surer than usual the question check must be
        if declined:
            draft, surer = self._instead_of_declining(question, query, sources, llm, messages)
            if not draft:
                return refusal
        said = _YES_OR_NO.match(draft)
        if (MARKER.search(draft) or said) and not content_words(MARKER.sub(" ", draft)):
            # A bare "[2]" or "Yes.": the model did not say what the source holds; quote its best sentence.
            marked = {int(n) for m in MARKER.finditer(draft) for n in m.group(1).split(",")} or {s.n for s in sources}
            quoted = extractive_answer(query, [s for s in sources if s.n in marked])
            if quoted == REFUSAL:
                return refusal
            draft = f"{said[1].capitalize()}. {quoted}" if said else quoted
        checked = cite(draft, sources, question, embed)
        if checked.repeated_instructions:
            # A document's order to the assistant made it into the answer: a hijack, never certified.
            log.warning("refused an answer that repeats an instruction found in a source: %r", draft[:200])
            return dataclasses.replace(refusal, unsupported=checked.repeated_instructions)
        if not checked.citations:
            if said and not declined:  # a yes or no said in words no source holds ("... (1920–1929)."): as if declined
                return self._check("", question, query, sources, llm, embed, messages)
            # Nothing the model said is in the sources (it answered from memory, or invented), or it said nothing.
            return dataclasses.replace(refusal, unsupported=checked.unsupported)
        answer = Answer(question, checked.text, checked.citations, [], False, Timings(), checked.unsupported)
        accept = self._threshold(llm)
        if accept is None:
            return answer
        accept += surer
        chunks = {s.n: s.chunk for s in sources}
        passages = [verification.passage(c.quote, query, verification.title(chunks[c.n])) for c in checked.citations]
        enough = 1.0 if self.calibrating else accept  # calibrating: the best quote's P(yes), not the first to pass
        p_yes = verification.answers_question(cast(verification.YesNoModel, llm), query, passages, enough)
        if p_yes < accept:
            log.info("refused: no cited quote answers %r (p=%.2f): %r", query, p_yes, checked.text[:200])
            answer = dataclasses.replace(refusal, unsupported=[c.sentence for c in checked.citations])
        return dataclasses.replace(answer, verification=p_yes, checked=True, threshold=accept)

    def _instead_of_declining(
        self, question: str, query: str, sources: Sequence[Source], llm: LLM, messages: Sequence[Message]
    ) -> tuple[str, float]:
        """What to check when the model declined, and how much surer than usual the check must then be; ("", 0)
        when nothing can be (a refusal stays).

        The model often declines because the sources say the answer in other words than the question's. For a
        yes/no question ("Are kangaroos farmed to any extent?": "They are not farmed"): its yes or no, read from its
        logits after the same prompt, then the sentence of the sources that best matches the question. For another
        question ("What was developed for the Air Force": "Baran developed the concept of ... for the US Air
        Force"): that sentence alone, which the question check must then find answering the question by
        :data:`rag.verification.DECLINED_MARGIN` more than a draft of the model's own.
        """
        model = llm if isinstance(llm, verification.YesNoModel) else None
        if not (messages and model and self._threshold(llm) is not None):
            return "", 0.0
        quoted = extractive_answer(query, sources)
        if quoted == REFUSAL:
            return "", 0.0
        if not YES_NO_QUESTION.match(question):
            return quoted, verification.DECLINED_MARGIN
        if " or " in question:  # "Is it red or blue?" is no yes/no question
            return "", 0.0
        said = "Yes" if model.yes_probability(verification.verdict_messages(messages)) >= 0.5 else "No"
        return f"{said}. {quoted}", 0.0


def load_models(settings: Settings, *also: Callable[[], object]) -> LLM:
    """The LLM of ``settings``, loaded while the question embedder and ``also`` (e.g. a keyword index) load in
    other threads; then a local model reads the system prompt, the start of every prompt, into its cache. A
    cold start waits for the slowest of them, not their sum.

    Failures in the other threads are left for the next use of what failed to raise.
    """

    def quietly(work: Callable[[], object]) -> None:
        with contextlib.suppress(Exception):
            work()

    waits = [threading.Thread(target=quietly, args=(work,), daemon=True) for work in (Embedder.for_questions, *also)]
    for thread in waits:
        thread.start()
    try:
        llm = load_llm(settings)
        if isinstance(llm, LocalLLM):
            llm.prefill([{"role": "system", "content": SYSTEM_PROMPT}])
    finally:  # also on a failure: a process exiting under a thread still inside a native library can crash
        for thread in waits:
            thread.join()
    return llm


def _framed(question: str, history: Sequence[Turn]) -> tuple[str, Sequence[Turn], str]:
    """The question stripped, the history it follows up (none when it stands alone) and its retrieval query."""
    question = question.strip()
    history = history if follows_up(question) else ()
    return question, history, standalone_query(question, history)


@functools.cache
def _embed_cached() -> Embed:
    """The embedding model's ``embed_documents``, with the vectors of recent texts kept for the process."""
    return cached(Embedder.for_questions().embed_documents)


def _timings(started: float, retrieved: float, first_token: float = 0.0) -> Timings:
    now = time.perf_counter()
    return Timings(
        retrieve=round(retrieved - started, 3),
        first_token=round(first_token - started, 3) if first_token else 0.0,
        generate=round(now - retrieved, 3),
        total=round(now - started, 3),
    )
