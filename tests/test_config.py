from pathlib import Path

import pytest

from rag.config import Settings


def test_environment_then_overrides(monkeypatch):
    monkeypatch.setenv("RAG_TOP_K", "7")
    monkeypatch.setenv("RAG_INDEX_DIR", "/tmp/somewhere")
    settings = Settings.from_env(collection="notes")
    assert settings.top_k == 7 and settings.index_dir == Path("/tmp/somewhere") and settings.collection == "notes"
    assert Settings.from_env(top_k=3).top_k == 3  # an explicit value (CLI flag) beats the environment
    assert settings.replace(top_k=None).top_k == 7  # None means "not given"


def test_bad_values_are_clear_errors(monkeypatch):
    monkeypatch.setenv("RAG_TOP_K", "many")
    with pytest.raises(ValueError, match="top_k"):
        Settings.from_env()
    monkeypatch.delenv("RAG_TOP_K")
    with pytest.raises(TypeError, match="unknown setting 'colour'"):
        Settings.from_env(colour="red")
