"""Indexing against a real Chroma (embedded and server) and the real embedding model."""

from pathlib import Path

import pytest

from rag import Assistant
from rag.errors import DocumentError
from rag.ingest.files import discover, load
from tests.support import SEED_FILE, encrypt_pdf, make_docx, make_pdf


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("Alpacas live in the Andes. They are kept for their wool.", encoding="utf-8")
    (folder / "b.md").write_text("# Boats\n\nA ketch has two masts. A sloop has one mast.", encoding="utf-8")
    return folder


def test_reindexing_unchanged_files_embeds_nothing(backend, corpus):
    assistant = Assistant.open(**backend)
    first = assistant.add([corpus])
    assert len(first.indexed) == 2 and first.chunks_embedded >= 2
    second = assistant.add([corpus])
    assert second.indexed == [] and second.chunks_embedded == 0 and len(second.unchanged) == 2
    assert assistant.info().chunks == first.chunks_embedded


def test_changed_file_is_replaced_and_deleted_file_removed(backend, corpus):
    assistant = Assistant.open(**backend)
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


def test_changing_chunk_settings_rechunks_every_file(backend, corpus):
    Assistant.open(**backend).add([corpus])
    smaller = Assistant.open(**backend, chunk_size=30, chunk_overlap=0)
    report = smaller.add([corpus])
    assert len(report.indexed) == 2
    assert smaller.info().chunks == report.chunks_embedded > 2  # no chunk of the old chunking is left


def test_formats_are_indexed_with_pages_and_headings(backend, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "manual.pdf").write_bytes(make_pdf([["Alpacas graze."], ["A ketch has a mizzen."]]))
    make_docx(folder / "guide.docx", [("h1", "Guide"), ("h2", "Wool"), ("", "Alpaca wool is warmer than wool.")])
    (folder / "page.html").write_text("<h1>Sloops</h1><p>A sloop has a single mast.</p>", encoding="utf-8")
    assistant = Assistant.open(**backend, chunk_size=40, chunk_overlap=0)
    report = assistant.add([folder])
    assert sorted(Path(p).name for p in report.indexed) == ["guide.docx", "manual.pdf", "page.html"]
    hits = {c.text.split()[-1]: c for c in assistant.store.chunks()}  # keyed by last word
    pdf = hits["mizzen."]
    assert pdf.page == 1 and pdf.page_at(pdf.start + pdf.text.index("A ketch")) == 2
    assert hits["wool."].heading == "Guide > Wool" and hits["wool."].page is None
    assert hits["mast."].heading == "Sloops"
    for chunk in hits.values():  # offsets are into the extracted text
        assert load(chunk.path).text[chunk.start : chunk.end] == chunk.text


def test_citation_of_a_pdf_names_the_page_of_its_quote(tmp_path):
    from rag.answer import Source
    from rag.citations import cite

    (tmp_path / "boats.pdf").write_bytes(
        make_pdf([["Alpacas graze in the Andes."], ["A ketch has two masts.", "A sloop has one mast."]])
    )
    assistant = Assistant.open(index_dir=tmp_path / "index")
    assistant.add([tmp_path / "boats.pdf"])
    (chunk,) = assistant.store.chunks()
    checked = cite("A sloop has one mast [1].", [Source(1, chunk, 0.9)])
    (citation,) = checked.citations
    assert citation.quote == "A sloop has one mast." and citation.page == 2 and chunk.page == 1
    assert load(tmp_path / "boats.pdf").text[citation.start : citation.end] == citation.quote


def test_bad_files_are_reported_and_the_rest_indexed(tmp_path, corpus):
    good_pdf = make_pdf([["A readable page."]])
    bad = {
        "empty.txt": b"",
        "junk.txt": bytes(range(256)) * 40,
        "photo.jpg": b"\xff\xd8\xff",
        "truncated.pdf": good_pdf[: len(good_pdf) // 2],
        "locked.pdf": encrypt_pdf(good_pdf, "secret"),
    }
    for name, data in bad.items():
        (corpus / name).write_bytes(data)
    (corpus / "latin1.txt").write_bytes("Caf\xe9 cr\xe8me is sweet.".encode("cp1252"))
    (corpus / "with space ünï.md").write_text("Odd names are fine.", encoding="utf-8")
    (corpus / "-dash.txt").write_text("Leading dashes are fine.", encoding="utf-8")
    report = Assistant.open(index_dir=tmp_path / "index").add([corpus, tmp_path / "missing"])
    reasons = {Path(s.path).name: s.reason for s in report.skipped}
    assert reasons == {
        "empty.txt": "empty file",
        "junk.txt": "binary content, not text",
        "photo.jpg": "unsupported file type (reads .docx, .htm, .html, .markdown, .md, .pdf, .txt)",
        "truncated.pdf": "damaged or truncated PDF (Stream has ended unexpectedly); re-export or re-download it",
        "locked.pdf": "encrypted PDF: it needs a password; save a decrypted copy and index that",
        "missing": "no such file or folder",
    }
    assert sorted(Path(p).name for p in report.indexed) == [
        "-dash.txt",
        "a.txt",
        "b.md",
        "latin1.txt",
        "with space ünï.md",
    ]
    assert load(corpus / "latin1.txt").text == "Café crème is sweet."


def test_file_that_turns_bad_loses_its_old_chunks(tmp_path, corpus):
    assistant = Assistant.open(index_dir=tmp_path / "index")
    assistant.add([corpus])
    (corpus / "a.txt").write_bytes(b"")
    report = assistant.add([corpus])
    assert [(Path(s.path).name, s.reason) for s in report.skipped] == [
        ("a.txt", "empty file (its earlier chunks were removed)")
    ]
    assert assistant.info().documents == 1


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
    # Vector search: this checks what the index holds (hybrid ranking is tested in test_retrieval.py).
    vector = Assistant.open(index_dir=seed_index, retrieval="vector")
    hits = vector.retrieve("How many people are on DeepSeek's team?")
    assert any("around 140 individuals" in h.chunk.text for h in hits[:2])
    assert Path(hits[0].chunk.path).name == SEED_FILE.name


def test_contextual_chunks_are_found_by_their_documents_title(tmp_path):
    """A passage that says "its" is found by the title's words when chunks are indexed with their context; the
    chunk's text, which citations quote, is the document's own."""
    folder = tmp_path / "docs"
    folder.mkdir()
    filler = " ".join(f"Boats number {n} leave the quay at dawn." for n in range(12))
    (folder / "quillbrook.txt").write_text(
        f"Quillbrook\n\nQuillbrook is a fishing town. {filler} Its lighthouse was built in 1850.", encoding="utf-8"
    )
    ferries = " ".join(f"Ferry {n} crosses the bay at noon." for n in range(4))
    (folder / "marrowby.txt").write_text(f"Marrowby\n\nThe lighthouse was built in 1901. {ferries}", encoding="utf-8")
    for town in ("Ashcombe", "Brindle", "Corrow", "Dunmere"):
        (folder / f"{town}.txt").write_text(f"{town}\n\n{town} has a market on Tuesdays.", encoding="utf-8")
    question = "When was the Quillbrook lighthouse built?"
    found = {}
    for contextual in (False, True):
        assistant = Assistant.open(
            index_dir=tmp_path / f"index-{contextual}", chunk_size=200, chunk_overlap=0, retrieval="keyword",
            contextual_chunks=contextual,
        )  # fmt: skip
        assistant.add([folder])
        found[contextual] = assistant.retrieve(question, k=1)[0].chunk
    assert "1850" not in found[False].text  # the plain chunk that says "its" lacks the town's name
    assert found[True].text.endswith("Its lighthouse was built in 1850.") and "Quillbrook" not in found[True].text
    assert found[True].id.endswith("-context") and found[True].path.endswith("quillbrook.txt")
