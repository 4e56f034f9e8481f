"""Find the passages for a question: vector search, BM25 keyword search, or both fused.

The keyword index is derived from the Chroma collection and persisted beside it. It is
rebuilt only when the collection changed (its chunk ids differ), never per query.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rag.config import RetrievalMode
from rag.embedding import Embedder
from rag.ingest.chunking import Chunk
from rag.store import Store

log = logging.getLogger(__name__)

RRF_K = 1
"""Reciprocal rank fusion constant: rank r contributes weight / (RRF_K + r).

Cormack et al. use 60; a small constant trusts the top ranks more, which measured better on
CMU S08 (``rag eval cmu-s08 --retrieval-only --all-modes``; see evals/README.md).
"""
KEYWORD_WEIGHT = 2.0
"""Weight of the BM25 ranking against the vector ranking (1.0) in hybrid fusion, calibrated on CMU S08."""
CANDIDATES_PER_SOURCE = 3
"""Each retriever proposes ``top_k * CANDIDATES_PER_SOURCE`` candidates before fusion."""


RANKERS: dict[RetrievalMode, tuple[tuple[str, float], ...]] = {
    RetrievalMode.VECTOR: (("vector", 1.0),),
    RetrievalMode.KEYWORD: (("keyword", 1.0),),
    RetrievalMode.HYBRID: (("vector", 1.0), ("keyword", KEYWORD_WEIGHT)),
}
"""Per mode, the rankings fused and their weights; ``"NAME"`` is the method ``Retriever._NAME_ranking``."""


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[str]], weights: Sequence[float] | None = None, k: float = RRF_K
) -> list[str]:
    """Merge ranked id lists: best fused score first, ties kept in first-seen order.

    >>> reciprocal_rank_fusion([["a", "b", "c"], ["c", "a"]])
    ['a', 'c', 'b']
    >>> reciprocal_rank_fusion([["a", "b", "c"], ["c", "a"]], weights=[1.0, 3.0])
    ['c', 'a', 'b']
    """
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights or [1.0] * len(rankings), strict=True):
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return sorted(scores, key=lambda item: -scores[item])


class KeywordIndex:
    """BM25 over a collection's chunks (llama-index's ``BM25Retriever`` on ``bm25s``)."""

    def __init__(self, retriever: Any, fingerprint: str, size: int) -> None:
        self._retriever = retriever
        self._searching = threading.Lock()  # a search sets the retriever's k, then reads it
        self.fingerprint = fingerprint
        self.size = size

    @classmethod
    def open(cls, store: Store, folder: Path) -> KeywordIndex | None:
        """The index of ``store``: the one this process last opened from ``folder`` if the collection's chunks are
        still the same (the web chat opens a collection per question), else the persisted one if it matches,
        else rebuilt and persisted.

        Returns None for an empty collection.
        """
        ids = store.ids()
        if not ids:
            return None
        fingerprint = _fingerprint(ids)
        opened = _opened.get(folder)
        if opened is not None and opened.fingerprint == fingerprint:
            return opened
        stamp = folder / "fingerprint.json"
        index = None
        if stamp.is_file() and json.loads(stamp.read_text()).get("fingerprint") == fingerprint:
            try:
                index = cls(_load_bm25(folder), fingerprint, len(ids))
            except (OSError, ValueError, KeyError) as exc:  # damaged files: rebuild below
                log.warning("keyword index in %s unreadable (%s); rebuilding", folder, exc)
        _opened[folder] = index = index or cls.build(store, folder, fingerprint)
        return index

    @classmethod
    def build(cls, store: Store, folder: Path, fingerprint: str | None = None) -> KeywordIndex:
        """Index every chunk of ``store`` and persist the index to ``folder`` atomically."""
        from llama_index.core.schema import TextNode

        BM25Retriever = _bm25_retriever_class()
        texts = store.indexed_texts()
        nodes: list[Any] = [TextNode(id_=cid, text=text) for cid, text in texts]
        retriever = BM25Retriever.from_defaults(nodes=nodes, similarity_top_k=len(nodes))
        fingerprint = fingerprint or _fingerprint([cid for cid, _ in texts])
        # Write into a fresh folder and swap it in, so a crash never leaves a half-written index.
        partial = folder.with_name(folder.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        retriever.persist(str(partial), show_progress=False)
        (partial / "fingerprint.json").write_text(json.dumps({"fingerprint": fingerprint, "chunks": len(texts)}))
        shutil.rmtree(folder, ignore_errors=True)
        partial.rename(folder)
        return cls(retriever, fingerprint, len(texts))

    def search(self, query: str, k: int) -> list[str]:
        """Ids of the ``k`` best BM25 matches that share at least one term with ``query``."""
        with self._searching:
            self._retriever.similarity_top_k = min(k, self.size)
            hits = self._retriever.retrieve(query)
        return [hit.node.node_id for hit in hits if hit.score > 0]


_opened: dict[Path, KeywordIndex] = {}
"""Folder -> the keyword index this process last opened from it."""


def _bm25_retriever_class() -> Any:
    from llama_index.retrievers.bm25 import BM25Retriever

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets itself to DEBUG on import
    return BM25Retriever


def _load_bm25(folder: Path) -> Any:
    return _bm25_retriever_class().from_persist_dir(str(folder), show_progress=False)


def _fingerprint(ids: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()


class Retriever:
    """Retrieval over one collection in one of the :class:`RetrievalMode` s."""

    def __init__(self, store: Store, keyword_dir: Path, mode: RetrievalMode | str = RetrievalMode.HYBRID) -> None:
        self.store = store
        self.mode = RetrievalMode(mode)
        self.rankers = RANKERS[self.mode]
        """The rankings fused and their weights (evals/recall_experiments.py tries others)."""
        self.rrf_k = RRF_K
        """The fusion constant (:func:`reciprocal_rank_fusion`)."""
        self._keyword_dir = keyword_dir
        self._keyword: KeywordIndex | None = None

    def refresh(self) -> None:
        """Bring the keyword index up to date with the collection (after indexing)."""
        if any(ranker == "keyword" for ranker, _ in self.rankers):
            self._keyword = KeywordIndex.open(self.store, self._keyword_dir)

    def retrieve(self, query: str, k: int) -> list[tuple[Chunk, float]]:
        """The ``k`` best chunks for ``query`` with their cosine similarity to it, best first."""
        embedding = Embedder.for_questions().embed_query(query)
        rankers = self.rankers
        pool = k * CANDIDATES_PER_SOURCE if len(rankers) > 1 else k
        rankings = [getattr(self, f"_{ranker}_ranking")(query, embedding, pool) for ranker, _ in rankers]
        ids = reciprocal_rank_fusion(rankings, [weight for _, weight in rankers], self.rrf_k)[:k]
        return self.store.similarities(ids, embedding)

    def _vector_ranking(self, query: str, embedding: list[float], pool: int) -> list[str]:
        return [chunk.id for chunk, _ in self.store.query(embedding, pool)]

    def _keyword_ranking(self, query: str, embedding: list[float], pool: int) -> list[str]:
        # Another process may have changed a shared collection: a changed size means a stale index.
        if self._keyword is None or self._keyword.size != self.store.count():
            self._keyword = KeywordIndex.open(self.store, self._keyword_dir)
        return self._keyword.search(query, pool) if self._keyword else []
