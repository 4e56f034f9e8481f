"""Indexing against a real embedded Chroma and the real embedding model."""

from pathlib import Path

import pytest

from rag import Assistant
from rag.documents import discover, load
from rag.errors import DocumentError

from .conftest import SEED_FILE


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("Alpacas live in the Andes. They are kept for their wool.", encoding="utf-8")
    (folder / "b.md").write_text("# Boats\n\nA ketch has two masts. A sloop has one mast.", encoding="utf-8")
    return folder


def test_reindexing_unchanged_files_embeds_nothing(tmp_path, corpus):
    assistant = Assistant.open(index_dir=tmp_path / "index")
    first = assistant.add([corpus])
    assert len(first.indexed) == 2 and first.chunks_embedded >= 2
    second = assistant.add([corpus])
    assert second.indexed == [] and second.chunks_embedded == 0 and len(second.unchanged) == 2
    assert assistant.info().chunks == first.chunks_embedded


def test_changed_file_is_replaced_and_deleted_file_removed(tmp_path, corpus):
    assistant = Assistant.open(index_dir=tmp_path / "index")
    assistant.add([corpus])
    (corpus / "a.txt").write_text("Llamas are larger than alpacas.", encoding="utf-8")
    (corpus / "b.md").unlink()
    report = assistant.add([corpus])
    assert [Path(p).name for p in report.indexed] == ["a.txt"]
    assert [Path(p).name for p in report.removed] == ["b.md"]
    info = assistant.info()
    assert (info.documents, info.chunks) == (1, 1)
    (top,) = assistant.retrieve("Which animal is larger?")[:1]
    assert top.chunk.text == "Llamas are larger than alpacas."


def test_bad_files_are_reported_and_the_rest_indexed(tmp_path, corpus):
    (corpus / "empty.txt").write_text("", encoding="utf-8")
    (corpus / "junk.txt").write_bytes(b"\x00\x01\x02garbage")
    (corpus / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    (corpus / "latin1.txt").write_bytes("Caf\xe9 cr\xe8me is sweet.".encode("cp1252"))
    report = Assistant.open(index_dir=tmp_path / "index").add([corpus, tmp_path / "missing"])
    reasons = {Path(s.path).name: s.reason for s in report.skipped}
    assert reasons == {
        "empty.txt": "empty file",
        "junk.txt": "binary content, not text",
        "photo.jpg": "unsupported file type (reads .markdown, .md, .txt)",
        "missing": "no such file or folder",
    }
    assert sorted(Path(p).name for p in report.indexed) == ["a.txt", "b.md", "latin1.txt"]
    assert load(corpus / "latin1.txt").text == "Café crème is sweet."


def test_unreadable_file_is_a_clear_error(tmp_path):
    with pytest.raises(DocumentError, match="cannot read"):
        load(tmp_path)  # a folder cannot be read as a file


def test_discover_skips_hidden_files(tmp_path):
    (tmp_path / ".secret.txt").write_text("x")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "notes.txt").write_text("x")
    (tmp_path / "seen.txt").write_text("x")
    files, skipped = discover([tmp_path])
    assert [f.name for f in files] == ["seen.txt"] and skipped == []


def test_seed_index_has_the_seed_file(seed_index):
    info = Assistant.open(index_dir=seed_index).info()
    assert info.documents == 1 and info.chunks >= 4 and info.embed_model == "all-MiniLM-L6-v2"
    hits = Assistant.open(index_dir=seed_index).retrieve("How many people are on DeepSeek's team?")
    assert any("around 140 individuals" in h.chunk.text for h in hits[:2])
    assert Path(hits[0].chunk.path).name == SEED_FILE.name
