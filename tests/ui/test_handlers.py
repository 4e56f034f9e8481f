"""The handlers over a real index: the evidence shows before the answer is written; removal is the operator's call."""

from __future__ import annotations

from rag import Assistant
from rag.config import Settings
from ui.handlers import chat, remove
from ui.policy import WebPolicy


def test_the_sources_panel_fills_before_the_first_token(seed_index):
    settings = Settings(index_dir=seed_index, llm="local:smollm2-135m", top_k=2)
    policy = WebPolicy.default(settings.llm)
    # The handler updates its message list in place: keep what each update showed.
    updates = [
        (box, [dict(m) for m in messages], done, panel)
        for box, messages, done, panel in chat(
            settings, policy, "Which city does Fiona Zhou work in?", [], [], "", 2, ""
        )
    ]
    panels = [(i, panel) for i, (_, _, _, panel) in enumerate(updates) if isinstance(panel, str)]
    drafts = [i for i, (_, messages, _, _) in enumerate(updates) if messages and messages[-1]["content"]]
    first_panel, pending = panels[0]
    assert 'id="turn-pending"' in pending and "000_959d6777a251aa29.txt" in pending
    assert first_panel < drafts[0], "the sources came after the answer started"
    assert 'id="turn-1"' in panels[-1][1] and "turn-pending" not in panels[-1][1]


def test_removing_a_document_needs_the_operators_permission(tmp_path, caplog):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("Alpacas live in the Andes.", encoding="utf-8")
    settings = Settings(index_dir=tmp_path / "index", llm="extractive")
    Assistant.open(settings=settings).add([folder])
    table, _, notice = remove(settings, WebPolicy.default("extractive"), "", "a.txt")
    assert "does not let its users remove documents" in notice and "refused to remove" in caplog.text
    assert "a.txt" in table and [d.name for d in Assistant.open(settings=settings).documents()] == ["a.txt"]

    table, _, notice = remove(settings, WebPolicy.default("extractive", allow_delete=True), "", "a.txt")
    assert "Removed a.txt (1 chunks)" in notice and "No documents" in table
    assert (folder / "a.txt").exists()  # indexed from a folder, not uploaded: the file stays


def test_a_user_may_raise_the_strictness_but_never_lower_it(seed_index, caplog):
    """A crafted request from the page (or the /ask API) with a level below the operator's is a readable message,
    logged, and no answer; the operator's level and stricter ones are answered."""
    settings = Settings(index_dir=seed_index, llm="extractive", strictness="balanced")
    policy = WebPolicy.default(settings.llm)
    question = "Which city does Fiona Zhou work in?"
    *_, (_, messages, done, _) = chat(settings, policy, question, [], [], "", 2, "", "lenient")
    assert "strictness balanced; choose one of&#58; balanced, strict" in messages[-1]["content"] and done == []
    assert "refused strictness 'lenient'" in caplog.text
    *_, (_, messages, done, _) = chat(settings, policy, question, [], [], "", 2, "", "strict")
    assert "Shenzhen" in done[-1]["answer"].text and 'class="unchecked"' in messages[-1]["content"]
