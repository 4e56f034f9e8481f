from hypothesis import given, settings
from hypothesis import strategies as st

from rag.ingest.chunking import chunk_document, chunk_spans, embedding_text
from rag.ingest.document import Document, Structure
from rag.ingest.formats.text import markdown_structure
from rag.ingest.sentences import sentences
from tests.support import SEED_FILE


def _document(text: str) -> Document:
    return Document(path="/tmp/x.txt", text=text, sha256="0" * 64)


def test_sentences_split_at_stops_and_line_breaks():
    text = 'He said "go." Then left!\nNew line? Yes'
    assert [text[s:e] for s, e in sentences(text)] == ['He said "go."', "Then left!", "New line?", "Yes"]


def test_an_abbreviation_or_initial_does_not_end_a_sentence():
    # Cut after "U.S.", the quote checked for a question about Wilson's war began "neutrality, but when Germany...".
    text = "He kept U.S. neutrality, but Germany began submarine warfare. Gen. John J. Pershing led the army."
    assert [text[s:e] for s, e in sentences(text)] == [
        "He kept U.S. neutrality, but Germany began submarine warfare.",
        "Gen. John J. Pershing led the army.",
    ]


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


_WORDS = st.sampled_from("alpha beta gamma delta. epsilon! zeta? eta, theta\n iota\n\n kappa".split(" "))
_SECTION = st.tuples(
    st.integers(min_value=1, max_value=4),
    st.text(alphabet="abcxyz ", min_size=1, max_size=12).filter(str.strip),
    st.lists(_WORDS, max_size=120).map(" ".join),
)


@settings(max_examples=150, deadline=None)
@given(
    sections=st.lists(_SECTION, max_size=12),
    preamble=st.lists(_WORDS, max_size=30).map(" ".join),
    size=st.integers(min_value=30, max_value=400),
    overlap_share=st.floats(min_value=0, max_value=0.8),
)
def test_markdown_chunks_are_exact_spans_and_carry_their_heading(preamble, sections, size, overlap_share):
    text, expected = preamble + "\n", [(0, "")]
    stack: list[tuple[int, str]] = []
    for level, title, body in sections:
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, " ".join(title.split())))
        expected.append((len(text), " > ".join(t for _, t in stack)))
        text += f"{'#' * level} {title}\n\n{body}\n\n"
    document = Document(path="/tmp/x.md", text=text, sha256="0" * 64, structure=markdown_structure(text))
    chunks = chunk_document(document, size=size, overlap=int(size * overlap_share))
    for chunk in chunks:
        assert text[chunk.start : chunk.end] == chunk.text
        assert chunk.heading == [path for offset, path in expected if offset <= chunk.start][-1]
        assert embedding_text(chunk).endswith(chunk.text)


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from(list("ab .!?\n\"'xyz")) | st.characters(), max_size=4000),
    cuts=st.lists(st.integers(min_value=0, max_value=4000), max_size=20),
    size=st.integers(min_value=20, max_value=300),
    window=st.integers(min_value=1, max_value=2000),
)
def test_streamed_chunking_equals_chunking_the_whole_text(text, cuts, size, window):
    bounds = sorted({0, len(text), *(c for c in cuts if c < len(text))})
    blocks = [text[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
    streamed = list(chunk_spans(blocks, size, size // 4, window=window))
    assert streamed == list(chunk_spans([text], size, size // 4))
    for start, end, piece in streamed:
        assert text[start:end] == piece


def test_pdf_chunks_know_their_pages():
    text = "Page one text. " * 10 + "\n\n" + "Page two text. " * 10
    structure = Structure(pages=[0, text.index("\n\n") + 2])
    chunks = chunk_document(Document("/tmp/x.pdf", text, "0" * 64, structure), size=120, overlap=0)
    assert chunks[0].page == 1 and chunks[-1].page == 2
    straddling = [c for c in chunks if c.page_breaks]
    assert straddling
    for chunk in straddling:
        assert chunk.page == 1 and chunk.page_at(chunk.end - 1) == 2 and chunk.page_at(chunk.start) == 1
