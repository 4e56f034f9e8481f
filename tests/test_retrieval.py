"""Vector, keyword and hybrid retrieval over a real Chroma collection."""

from pathlib import Path

import pytest

from rag import Assistant
from rag.retrieval import KeywordIndex, reciprocal_rank_fusion


def test_reciprocal_rank_fusion_rewards_agreement():
    assert reciprocal_rank_fusion([["a", "b", "c"], ["b", "c"]]) == ["b", "c", "a"]
    assert reciprocal_rank_fusion([[], ["x"]]) == ["x"]


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "parts.txt").write_text("Order part ZX-4471 for the pump. The pump moves water uphill.", encoding="utf-8")
    (folder / "garden.txt").write_text("Tomatoes need sun and water every day in summer.", encoding="utf-8")
    (folder / "boats.txt").write_text("A ketch has two masts; a sloop has one.", encoding="utf-8")
    return folder


@pytest.mark.parametrize("mode", ["vector", "keyword", "hybrid"])
def test_every_mode_finds_the_right_passage(tmp_path, notes, mode):
    assistant = Assistant.open(index_dir=tmp_path / "index", retrieval=mode, top_k=2)
    assistant.add([notes])
    top = assistant.retrieve("How many masts does a ketch have?")[0]
    assert Path(top.chunk.path).name == "boats.txt" and 0 < top.score <= 1


def test_keyword_search_finds_rare_identifiers(tmp_path, notes):
    assistant = Assistant.open(index_dir=tmp_path / "index", retrieval="keyword", top_k=3)
    assistant.add([notes])
    hits = assistant.retrieve("ZX-4471")
    assert [Path(h.chunk.path).name for h in hits] == ["parts.txt"]  # only passages sharing a term


def test_keyword_index_is_persisted_and_rebuilt_only_on_change(tmp_path, notes):
    index_dir = tmp_path / "index"
    assistant = Assistant.open(index_dir=index_dir, retrieval="hybrid")
    assistant.add([notes])
    folder = index_dir / "keyword" / "default"
    stamp = folder / "fingerprint.json"
    built = stamp.stat().st_mtime_ns
    reopened = KeywordIndex.open(assistant.store, folder)
    assert reopened is not None and reopened.size == 3 and stamp.stat().st_mtime_ns == built  # loaded, not rebuilt
    # Another assistant on the same collection (the web chat opens one per question) shares it, unread.
    assert KeywordIndex.open(Assistant.open(index_dir=index_dir).store, folder) is reopened
    (notes / "extra.txt").write_text("Sloops are fast upwind.", encoding="utf-8")
    assistant.add([notes])
    assert stamp.stat().st_mtime_ns != built and KeywordIndex.open(assistant.store, folder) is not reopened
    assert [Path(h.chunk.path).name for h in assistant.retrieve("upwind")][:1] == ["extra.txt"]
    (notes / "extra.txt").unlink()
    assistant.add([notes])
    assert "extra.txt" not in {Path(h.chunk.path).name for h in assistant.retrieve("upwind")}
