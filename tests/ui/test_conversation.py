"""The conversation kept in the browser and its Markdown export: no server path, nothing renders, quotes verbatim."""

from __future__ import annotations

import json
import re

from rag.answer import Answer, Citation, Source, Timings
from rag.ingest.chunking import Chunk
from ui.conversation import export_markdown, messages, restored, stored
from ui.render import render_sources

PASSAGE = "Intro. The limit is $180 per night ![x](http://evil/a.png) ```` <b>. More text."
QUOTE = "The limit is $180 per night ![x](http://evil/a.png) ```` <b>."


def _turns() -> list[dict]:
    path = "/srv/private/docs/policy.pdf"
    chunk = Chunk("c1", path, PASSAGE, 100, 100 + len(PASSAGE), "h", page=3, name="policy.pdf")
    start = 100 + PASSAGE.index(QUOTE)
    citation = Citation(1, chunk.path, start, start + len(QUOTE), QUOTE, 0.9, "It is $180 [1].", page=3)
    answer = Answer("What is the limit?", "It is $180 [1].", [citation], [Source(1, chunk, 0.8)], False, Timings())
    refusal = Answer("Who won?", "I can't find that in the documents.", [], [Source(1, chunk, 0.1)], True, Timings())
    return [{"question": "What is the limit?", "answer": answer}, {"question": "Who won?", "answer": refusal}]


def test_the_browser_keeps_no_server_path_and_gets_the_same_page_back():
    turns = _turns()
    kept = json.loads(json.dumps(stored(turns)))  # what localStorage holds
    assert "/srv/private" not in json.dumps(kept)
    back = restored(kept)
    assert [t["question"] for t in back] == ["What is the limit?", "Who won?"]
    assert messages(back) == messages(turns)
    assert render_sources(back) == render_sources(turns)


def test_data_that_is_not_a_conversation_starts_a_new_one():
    assert restored(None) == [] and restored([{"question": "q"}]) == [] and restored("junk") == []


def test_the_export_has_each_question_answer_and_quote_verbatim_and_inert():
    text = export_markdown(_turns())
    start = 100 + PASSAGE.index(QUOTE)
    assert "What is the limit?" in text and "It is $180 [1]." in text and "Who won?" in text
    assert f"[1] ` policy.pdf `, chars {start}–{start + len(QUOTE)}, page 3:" in text
    assert f"\n{QUOTE}\n" in text and "/srv/private" not in text
    # The quote holds a run of four backticks: its block is fenced with five, so nothing in it renders.
    assert re.search(rf"`{{5}}text\n{re.escape(QUOTE)}\n`{{5}}\n", text)
