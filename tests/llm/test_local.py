from pathlib import Path

import pytest

from rag.config import Settings
from rag.errors import ModelError
from rag.llm import load_llm
from rag.llm.local import QWEN, SMOLLM2, model_path


def test_packaged_models_resolve_and_verify(tmp_path):
    assert model_path(SMOLLM2.name, tmp_path).name == "SmolLM2-135M-Instruct.Q4_1.gguf"


def test_unknown_model_names_the_choices(tmp_path):
    with pytest.raises(ModelError, match="qwen2.5-1.5b, smollm2-135m"):
        model_path("gpt-5", tmp_path)


def test_missing_and_corrupt_gguf_files(tmp_path):
    with pytest.raises(ModelError, match="no such model file"):
        model_path(str(tmp_path / "absent.gguf"), tmp_path)
    fake = tmp_path / "fake.gguf"
    fake.write_bytes(b"not a model")
    with pytest.raises(ModelError, match="not a GGUF model file"):
        model_path(str(fake), tmp_path)


def test_damaged_qwen_cache_is_joined_again(tmp_path):
    """A cached model file that was never verified (e.g. a crash mid-copy) is rebuilt from the parts."""
    damaged = tmp_path / "models" / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
    damaged.parent.mkdir()
    damaged.write_bytes(b"GGUF half a model")
    path = model_path(QWEN.name, tmp_path)
    assert path == damaged and path.stat().st_size == QWEN.size
    assert path.with_suffix(".gguf.sha256").read_text().strip() == QWEN.sha256


def test_unknown_backend_is_a_clear_error():
    with pytest.raises(ModelError, match="unknown LLM 'gpt:4'"):
        load_llm(Settings(llm="gpt:4"))


def test_local_model_generates(tmp_path):
    llm = load_llm(Settings(llm="local:smollm2-135m"))
    assert llm is load_llm(Settings(llm="local:smollm2-135m"))  # loaded once per process
    text = "".join(llm.stream_chat([{"role": "user", "content": "Say hello."}], max_tokens=8))
    assert text.strip()


def test_own_gguf_path_works():
    path = model_path(SMOLLM2.name, Path("/nonexistent"))
    llm = load_llm(Settings(llm=f"local:{path}"))
    assert llm.name == f"local:{path}"
