"""The question embedder: an ONNX export of the packaged model, run by onnxruntime, embeds as sentence-transformers
does, and a process that only answers questions never imports torch."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from rag.embedding import Embedder, OnnxModel, _model_dir, export_onnx, onnx_path
from rag.errors import ModelError
from tests.support import ROOT, SEED_TEXT


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("cache") / "minilm.onnx"
    export_onnx(Embedder.default()._model, _model_dir(), target)  # type: ignore[arg-type]
    return target


def test_the_onnx_export_embeds_like_sentence_transformers(exported):
    onnx = Embedder(OnnxModel(exported, _model_dir() / "tokenizer.json"))
    # Forty texts (two batches, sorted by length inside): sentences, a whole paragraph past the model's
    # 256 word pieces (cut there by both), accents, an empty string.
    texts = [*SEED_TEXT.split(". ")[:36], SEED_TEXT[:4000], "Zürich — café, naïve façade", "", "?"]
    expected, got = Embedder.default().embed_documents(texts), onnx.embed_documents(texts)
    worst = max(abs(a - b) for e, g in zip(expected, got, strict=True) for a, b in zip(e, g, strict=True))
    assert worst < 1e-5
    query = "How many people are on DeepSeek's team?"
    assert (
        max(abs(a - b) for a, b in zip(onnx.embed_query(query), Embedder.default().embed_query(query), strict=True))
        < 1e-5
    )


def test_an_export_that_embeds_differently_is_not_kept(tmp_path, monkeypatch):
    class Wrong:
        """The real model, except that its vectors point elsewhere (an export cannot be made to go wrong)."""

        _model = Embedder.default()._model._model  # type: ignore[attr-defined]

        def get_text_embedding_batch(self, texts):
            return [[-x for x in v] for v in Embedder.default().embed_documents(texts)]

    target = tmp_path / "wrong.onnx"
    with pytest.raises(ModelError, match="embeds differently"):
        export_onnx(Wrong(), _model_dir(), target)  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []  # neither the file nor a partial one


def test_loading_the_model_exports_it_once_and_questions_then_skip_torch(tmp_path, seed_index):
    env = {**os.environ, "RAG_CACHE_DIR": str(tmp_path), "RAG_INDEX_DIR": str(seed_index)}
    ask = (
        "import sys; from rag import Assistant; from rag.embedding import Embedder; "
        "Assistant.open().retrieve('Who founded DeepSeek?'); "
        "print(type(Embedder.for_questions()._model).__name__, 'torch' in sys.modules)"
    )

    def run(code: str) -> str:
        done = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    assert run(ask) == "HuggingFaceEmbedding True"  # no export yet: sentence-transformers, which makes it
    exports = list((tmp_path / "models").glob("*.onnx"))
    assert [p.name for p in exports] == [onnx_path(_model_dir()).name]
    assert run(ask) == "OnnxModel False"
