"""What the page shows: answers and passages as text, never as images, HTML or remote content."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from rag.answer import Answer, Citation, Source, Timings
from rag.documents import DocumentInfo
from rag.ingest.chunking import Chunk
from ui.policy import public_message
from ui.render import NOT_CHECKED, as_text, render_answer, render_documents, render_sources

HOSTILE = st.sampled_from(
    [
        "![x](http://evil/a.png)",
        "<img src=x onerror=alert(1)>",
        "<script>alert(1)</script>",
        "[link](http://e)",
        "$$x$$",
        "`code`",
        "<iframe src=//e>",
        "&lt;img&gt;",
        "[1]",
        "[2, 3]",
        "**b**",
        "http://evil/x.png",
        "\n",
    ]
)
TEXT = st.lists(st.one_of(HOSTILE, st.text(max_size=20)), max_size=12).map("".join)
# Tags the renderer writes itself; anything else would be the document's or the model's.
OWN_TAG = re.compile(r'</?(?:a(?: class="cite" href="#src-\d+-\d+")?|span(?: class="refusal")?)>')


def _answer(text: str) -> Answer:
    chunk = Chunk("c", "/srv/private/docs/a.md", text or "x", 0, len(text or "x"), "", name="docs/a.md")
    source = Source(1, chunk, 0.9)
    citation = Citation(1, chunk.path, 0, len(chunk.text), chunk.text, 0.9, text)
    return Answer("q", text, [citation], [source], False, Timings())


@given(TEXT)
def test_no_rendered_answer_holds_an_image_or_a_tag_of_its_text(text):
    rendered = render_answer(_answer(text), 1).replace(NOT_CHECKED, "")
    assert "<" not in OWN_TAG.sub("", rendered)
    for syntax in ("![", "](", "$$", "`", "http:"):
        assert syntax not in rendered


@given(TEXT)
def test_no_rendered_passage_holds_a_tag_of_its_text(text):
    panel = render_sources([{"question": text, "answer": _answer(text)}])
    passages = re.findall(r'<div class="passage">(.*?)</div></div>', panel, re.S)
    assert passages and all("<" not in re.sub(r"</?mark>", "", p) for p in passages)


def test_source_cards_name_files_without_server_paths():
    panel = render_sources([{"question": "q", "answer": _answer("text")}])
    assert "docs/a.md" in panel and "/srv/private" not in panel and "title=" not in panel


def test_as_text_keeps_the_words():
    assert as_text("Cost: $5 (approx.)") == "Cost&#58; &#36;5 &#40;approx.&#41;"


def test_errors_carry_no_server_paths():
    assert public_message("/srv/rag/index/uploads/a.pdf: damaged PDF") == "a.pdf: damaged PDF"


def test_the_documents_table_shows_names_as_text_and_no_server_path():
    hostile = DocumentInfo(
        "/srv/private/docs/<img src=x onerror=alert(1)>.txt",
        "<img src=x onerror=alert(1)>.txt",
        2,
        problems=("1 sentence(s) addressed to an AI assistant <b>",),
    )
    old = DocumentInfo("/srv/private/docs/old.md", "old.md", 1, 1500, datetime(2025, 5, 1, 14, 3, tzinfo=UTC))
    table = render_documents([hostile, old], "notes")
    assert "<img" not in table and "<b>" not in table and "/srv/private" not in table
    assert "&lt;img src=x onerror=alert(1)&gt;.txt" in table and "&lt;b&gt;" in table
    cells = re.findall(r"<td[^>]*>(.*?)</td>", table)
    assert cells[5:] == ["old.md", "1.5 kB", "1", "2025-05-01 14:03 UTC", "–"]
    assert cells[1] == "unknown"  # a size an older index did not record
    assert "No documents" in render_documents([], "notes")
