from hypothesis import given, settings
from hypothesis import strategies as st

from rag.chunking import chunk_document, sentences
from rag.documents import Document

from .conftest import SEED_FILE


def _document(text: str) -> Document:
    return Document(path="/tmp/x.txt", text=text, sha256="0" * 64)


def test_sentences_split_at_stops_and_line_breaks():
    text = 'He said "go." Then left!\nNew line? Yes'
    assert [text[s:e] for s, e in sentences(text)] == ['He said "go."', "Then left!", "New line?", "Yes"]


def test_seed_chunks_cover_the_file_and_keep_spans():
    text = SEED_FILE.read_text(encoding="utf-8")
    chunks = chunk_document(_document(text), size=1000, overlap=200)
    assert len(chunks) > 3
    assert all(len(c.text) <= 1000 for c in chunks)
    assert chunks[0].start == 0 and chunks[-1].end == len(text.rstrip())
    for before, after in zip(chunks, chunks[1:], strict=False):
        assert after.start <= before.end + 1  # no text falls between two chunks


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from(list("ab .!?\n\t\"'xyz")) | st.characters(), max_size=3000),
    size=st.integers(min_value=20, max_value=600),
    overlap_share=st.floats(min_value=0, max_value=0.9),
)
def test_every_chunk_is_exactly_its_span(text, size, overlap_share):
    document = _document(text)
    chunks = chunk_document(document, size=size, overlap=int(size * overlap_share))
    for chunk in chunks:
        assert document.text[chunk.start : chunk.end] == chunk.text
        assert 0 < len(chunk.text) <= size
    covered = "".join(c.text for c in chunks)
    assert sum(not ch.isspace() for ch in covered) >= sum(not ch.isspace() for ch in text)
    assert len({c.id for c in chunks}) == len(chunks)
