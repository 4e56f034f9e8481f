from rag.answer import Source
from rag.chunking import Chunk
from rag.citations import cite

TEXT = "Intro line. DeepSeek's team consists of around 140 individuals. Liang Wenfeng founded it."


def _sources() -> list[Source]:
    first = Chunk("a", "/docs/a.txt", TEXT, 0, len(TEXT), "0" * 64)
    other = "Bananas are yellow fruit grown in the tropics."
    second = Chunk("b", "/docs/b.txt", other, 0, len(other), "1" * 64)
    return [Source(1, first, 0.8), Source(2, second, 0.3)]


def test_marker_resolves_to_the_supporting_sentence_with_offsets():
    text, citations = cite("The team has around 140 individuals [1].", _sources())
    assert text == "The team has around 140 individuals [1]."
    (citation,) = citations
    assert citation.path == "/docs/a.txt" and citation.quote == TEXT[citation.start : citation.end]
    assert citation.quote == "DeepSeek's team consists of around 140 individuals."


def test_out_of_range_marker_is_dropped_and_missing_citation_added():
    text, citations = cite("Liang Wenfeng founded DeepSeek [7].", _sources())
    assert text == "Liang Wenfeng founded DeepSeek [1]."
    assert [(c.n, c.quote) for c in citations] == [(1, "Liang Wenfeng founded it.")]


def test_marker_after_the_full_stop_stays_with_its_sentence():
    text, citations = cite("Bananas are yellow. [2] Nothing else.", _sources())
    assert text.startswith("Bananas are yellow [2].")
    assert [c.sentence for c in citations] == ["Bananas are yellow."]


def test_unsupported_sentence_gets_no_citation():
    text, citations = cite("The moon is made of cheese.", _sources())
    assert text == "The moon is made of cheese." and citations == []


def test_wrapped_markers_are_unwrapped():
    text, citations = cite("The team has around 140 individuals (source [1]).", _sources())
    assert text == "The team has around 140 individuals [1]." and [c.n for c in citations] == [1]
