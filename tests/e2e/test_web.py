"""The web chat end to end: ``rag serve`` in a subprocess, asked through gradio_client and headless Chromium.

Real index, embedding model, LLM (the small local:smollm2-135m), Gradio server and browser.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError, AuthenticationError

from rag import Assistant
from tests.support import ANSWER_TIMEOUT, LOGIN, ROOT, serve_rag

ARTIFACTS = ROOT / "tests" / "artifacts"

SEED_NAME = "000_959d6777a251aa29.txt"


@pytest.fixture(scope="module")
def server(seed_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The web chat over the index of seeds/."""
    with serve_rag(seed_index, tmp_path_factory.mktemp("serve")) as url:
        yield url


@pytest.fixture(scope="module")
def empty_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index folder with nothing in it yet."""
    return tmp_path_factory.mktemp("empty-index")


@pytest.fixture(scope="module")
def empty_server(empty_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The web chat over an empty index, behind a login."""
    with serve_rag(empty_index, tmp_path_factory.mktemp("serve-empty"), "--auth", ":".join(LOGIN)) as url:
        yield url


def _ask(url: str, question: str, *args: Any) -> dict[str, Any]:
    return json.loads(Client(url, verbose=False).predict(question, *args, api_name="/ask"))


def _sources_read(seed_index: Path, question: str, top_k: int) -> list[str]:
    """The chunks the server's model reads for ``question``: the sources an answer shows, whatever the pool."""
    assistant = Assistant.open(index_dir=seed_index, llm="local:smollm2-135m", top_k=top_k)
    return [source.chunk.id for source in assistant.read(question, count_tokens=assistant.llm.count_tokens)[0]]


def test_ask_endpoint_returns_a_cited_answer(server: str, seed_index: Path) -> None:
    answer = _ask(server, "Which city does Fiona Zhou work in?")

    assert "Shenzhen" in answer["text"] and not answer["refused"]
    assert answer["citations"], answer
    citation = answer["citations"][0]
    assert citation["path"].endswith(SEED_NAME)
    assert citation["path"] == SEED_NAME  # the display name: never a path on the server
    text = (ROOT / "seeds" / SEED_NAME).read_text(encoding="utf-8")
    assert text[citation["start"] : citation["end"]] == citation["quote"]
    assert f"[{citation['n']}]" in answer["text"]
    # The optional arguments: collection and number of sources.
    founder = "What is the name of DeepSeek's founder?"
    one = _ask(server, founder, "default", 1)
    assert [source["chunk"]["id"] for source in one["sources"]] == _sources_read(seed_index, founder, 1)


# Eight different questions; the last is out of scope and must be refused.
CONCURRENT = [
    "How many people are on DeepSeek's team?",
    "Which city does Fiona Zhou work in?",
    "What is the name of DeepSeek's founder?",
    "Which chips did DeepSeek stockpile before the ban?",
    "Who did Chinese social media celebrate as one of the AI heroes?",
    "Who raised questions about how many advanced chips DeepSeek used?",
    "Which Chinese platform was deemed inferior?",
    "What is the capital of France?",
]


def test_eight_concurrent_clients_get_their_own_answers(server: str, seed_index: Path) -> None:
    answers: dict[str, dict[str, Any]] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(len(CONCURRENT))

    def client(question: str) -> None:
        try:
            connection = Client(server, verbose=False)
            start.wait()  # all eight ask at the same moment
            answers[question] = json.loads(connection.predict(question, api_name="/ask"))
        except BaseException as exc:  # reported below, with the question
            errors.append(exc)

    threads = [threading.Thread(target=client, args=(q,)) for q in CONCURRENT]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert not errors, errors
    assert len(answers) == len(CONCURRENT)

    # What the small model writes changes with the prompt; the passages read for a question do not:
    # each answer must carry exactly the sources of its own question.
    for question in CONCURRENT:
        answer = answers[question]
        assert answer["question"] == question
        expected = _sources_read(seed_index, question, 2)
        assert [source["chunk"]["id"] for source in answer["sources"]] == expected, question
        for citation in answer["citations"]:
            assert citation["quote"] in answer["sources"][citation["n"] - 1]["chunk"]["text"]
    assert answers["What is the capital of France?"]["refused"]
    assert "Shenzhen" in answers["Which city does Fiona Zhou work in?"]["text"]
    assert "A100" in answers["Which chips did DeepSeek stockpile before the ban?"]["text"]
    assert "Liang" in answers["What is the name of DeepSeek's founder?"]["text"]


def test_api_needs_the_login_and_reports_an_empty_collection(empty_server: str) -> None:
    with pytest.raises(AuthenticationError):
        Client(empty_server, verbose=False)
    client = Client(empty_server, auth=LOGIN, verbose=False)
    with pytest.raises(AppError, match="is empty"):
        client.predict("What is the name of DeepSeek's founder?", "nothing-here", api_name="/ask")
    with pytest.raises(AppError, match="invalid collection name"):
        client.predict("What is the name of DeepSeek's founder?", "no/such", api_name="/ask")
    for top_k in (0, 11, 100000, 2.5):  # a user asks for at most the slider's sources
        with pytest.raises(AppError, match="top_k must be a whole number from 1 to 10"):
            client.predict("What is the name of DeepSeek's founder?", "nothing-here", top_k, api_name="/ask")


# Records every text the newest answer bubble shows, to prove the answer streamed in pieces.
RECORD_STREAM = """() => {
  window.seen = [];
  new MutationObserver(() => {
    const bots = document.querySelectorAll('#chat [data-testid="bot"]');
    const text = bots.length ? bots[bots.length - 1].textContent.trim() : "";
    if (text && window.seen[window.seen.length - 1] !== text) window.seen.push(text);
  }).observe(document.querySelector("#chat"), {subtree: true, childList: true, characterData: true});
}"""


def _submit(page: Any, question: str) -> None:
    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")


def test_browser_streams_an_answer_and_its_marker_opens_the_highlighted_quote(server: str, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(server)
    page.locator("#question textarea").wait_for()
    page.evaluate(RECORD_STREAM)

    _submit(page, "Which city does Fiona Zhou work in?")
    page.locator("#sources #turn-1").wait_for(timeout=ANSWER_TIMEOUT)  # appears when the answer is complete
    answer = page.locator('#chat [data-testid="bot"]').last.inner_text()
    assert "Shenzhen" in answer and "not checked" not in answer  # the model's check ran on it
    marker = page.locator('#chat [data-testid="bot"] a.cite').first
    assert marker.is_visible(), answer
    seen = page.evaluate("window.seen")
    assert len(seen) >= 3, f"the answer did not stream: {seen}"

    marker.click()
    card = page.locator(f"#sources {marker.get_attribute('href')}")
    assert "active" in (card.get_attribute("class") or "")
    highlight = card.locator("mark").first
    highlight.wait_for()
    assert highlight.is_visible()
    assert "Fiona Zhou" in highlight.inner_text()
    assert SEED_NAME in card.inner_text()
    seed = (ROOT / "seeds" / SEED_NAME).read_text(encoding="utf-8")
    assert highlight.inner_text() in seed
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "web-chat.png"))

    # A second question: its markers lead to its own sources, and the first answer's stay in the panel.
    _submit(page, "What is the name of DeepSeek's founder?")
    page.locator("#sources #turn-2").wait_for(timeout=ANSWER_TIMEOUT)
    assert "Liang Wenfeng" in page.locator('#chat [data-testid="bot"]').last.inner_text()
    assert page.locator('#chat a.cite[href^="#src-2-"]').count() > 0
    assert page.locator("#sources details.turn").count() == 2

    # A refusal says so, and the panel shows the passages it looked at.
    _submit(page, "What is the capital of France?")
    page.locator("#chat .refusal").wait_for(timeout=ANSWER_TIMEOUT)
    newest = page.locator("#sources details#turn-3")
    assert "no answer found" in newest.locator("summary").inner_text()
    assert newest.locator(".source").count() == 2 and newest.locator("mark").count() == 0
    page.close()


def _login(page: Any, url: str) -> None:
    page.goto(url)
    page.get_by_label("username").fill(LOGIN[0])
    page.get_by_label("password").fill(LOGIN[1])
    page.get_by_role("button", name="Login").click()
    page.locator("#question textarea").wait_for()


def test_browser_shows_errors_in_the_chat_and_answers_after_an_upload(
    empty_server: str, empty_index: Path, browser: Any, tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    _login(page, empty_server)
    bot = page.locator('#chat [data-testid="bot"]')

    _submit(page, "Which city does Fiona Zhou work in?")
    page.locator("#chat .rag-error").first.wait_for(timeout=ANSWER_TIMEOUT)
    assert "is empty" in bot.last.inner_text()
    assert "Traceback" not in page.content()

    unreadable = tmp_path / "broken.txt"
    unreadable.write_bytes(b"\x00\x01binary")
    page.locator("#upload input[type=file]").set_input_files(str(unreadable))
    page.get_by_text("Could not add broken.txt").wait_for(timeout=ANSWER_TIMEOUT)
    assert "binary" in bot.last.inner_text()

    page.locator("#upload input[type=file]").set_input_files(str(ROOT / "seeds" / SEED_NAME))
    page.get_by_text(f"Added {SEED_NAME}").wait_for(timeout=ANSWER_TIMEOUT)
    stored = empty_index / "uploads" / "default" / SEED_NAME
    assert stored.read_bytes() == (ROOT / "seeds" / SEED_NAME).read_bytes()

    # The same server keeps answering, now from the upload.
    _submit(page, "Which city does Fiona Zhou work in?")
    page.locator("#sources #turn-1").wait_for(timeout=ANSWER_TIMEOUT)
    assert "Shenzhen" in bot.last.inner_text()
    assert page.locator('#chat a.cite[href^="#src-1-"]').count() > 0
    # The card names the upload, never its path on the server.
    assert page.locator("#sources .source b").first.inner_text().endswith(SEED_NAME)
    assert str(stored.parent) not in page.locator("#sources").inner_html()
    page.close()


HERON = "The mascot of the Zorblat festival in Vennick is a blue heron named Pip.\n"
HERON_QUESTION = "What is the mascot of the Zorblat festival?"
BREAD = "Bakers feed the starter every morning. Sourdough bread rises with a starter of flour and water.\n"
BREAD_QUESTION = "What does sourdough bread rise with?"
BREAD_QUOTE = "Sourdough bread rises with a starter of flour and water."


@pytest.fixture(scope="module")
def docs_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index holding bread.txt; the tests upload heron.txt beside it."""
    folder = tmp_path_factory.mktemp("two-docs")
    (folder / "bread.txt").write_text(BREAD, encoding="utf-8")
    index_dir = tmp_path_factory.mktemp("two-docs-index")
    Assistant.open(index_dir=index_dir).add([folder])
    return index_dir


@pytest.fixture(scope="module")
def docs_server(docs_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``rag serve --llm extractive --allow-delete`` over :func:`docs_index`."""
    with serve_rag(docs_index, tmp_path_factory.mktemp("serve-docs"), "--llm", "extractive", "--allow-delete") as url:
        yield url


def _open(browser: Any, url: str) -> Any:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(url)
    page.locator("#question textarea").wait_for()
    return page


def _wait_until_saved(page: Any) -> None:
    """Until the conversation is kept in the browser: the same event enables the export button."""
    page.wait_for_function("() => !document.querySelector('#export').disabled", timeout=30_000)


def _table_names(page: Any) -> list[str]:
    return [name.strip() for name in page.locator("#documents tbody tr td:first-child").all_inner_texts()]


def test_browser_deletes_an_uploaded_document_then_refuses_to_answer_from_it(
    docs_server: str, docs_index: Path, browser: Any, tmp_path: Path
) -> None:
    page = _open(browser, docs_server)
    heron = tmp_path / "heron.txt"
    heron.write_text(HERON, encoding="utf-8")
    page.locator("#upload input[type=file]").set_input_files(str(heron))
    page.get_by_text("Added heron.txt").wait_for(timeout=ANSWER_TIMEOUT)
    _submit(page, HERON_QUESTION)
    page.locator("#sources #turn-1").wait_for(timeout=ANSWER_TIMEOUT)
    reply = page.locator('#chat [data-testid="bot"]').last
    assert "heron named Pip" in reply.inner_text()
    assert reply.locator(".unchecked").inner_text() == "⚠️ not checked"  # extractive: no model judged the quote

    page.get_by_role("tab", name="Documents").click()
    page.locator("#documents table").wait_for()
    listed = Assistant.open(index_dir=docs_index).documents()
    assert _table_names(page) == [d.name for d in listed] == ["bread.txt", "heron.txt"]  # one source of truth
    assert str(docs_index) not in page.locator("#documents").inner_html()
    row = page.locator("#documents tbody tr", has_text="heron.txt").inner_text()
    assert f"{len(HERON)} bytes" in row and "UTC" in row

    page.locator("#document-choice input").click()
    page.get_by_role("option", name="heron.txt").click()
    page.locator("#delete-document").click()
    page.get_by_text("Removed heron.txt (1 chunks)").wait_for(timeout=ANSWER_TIMEOUT)
    assert _table_names(page) == ["bread.txt"]
    assert not (docs_index / "uploads" / "default" / "heron.txt").exists()  # the stored upload went too
    assert [d.name for d in Assistant.open(index_dir=docs_index).documents()] == ["bread.txt"]

    page.get_by_role("tab", name="Chat").click()
    _submit(page, HERON_QUESTION)
    page.locator("#sources #turn-2").wait_for(timeout=ANSWER_TIMEOUT)
    assert page.locator('#chat [data-testid="bot"]').last.locator(".refusal").count() == 1
    page.close()


def test_browser_keeps_the_conversation_across_a_reload_until_a_new_one(docs_server: str, browser: Any) -> None:
    page = _open(browser, docs_server)
    bot = page.locator('#chat [data-testid="bot"]')
    _submit(page, BREAD_QUESTION)
    page.locator("#sources #turn-1").wait_for(timeout=ANSWER_TIMEOUT)
    answer = bot.last.inner_text()
    assert "flour and water" in answer
    _wait_until_saved(page)

    page.reload()
    page.locator("#sources #turn-1").wait_for(timeout=ANSWER_TIMEOUT)  # the sources panel is back
    assert bot.last.inner_text() == answer
    assert page.locator('#chat [data-testid="user"]').last.inner_text().strip() == BREAD_QUESTION
    page.locator('#chat a.cite[href="#src-1-1"]').first.click()  # its markers still open their quotes
    assert page.locator("#sources #src-1-1.active mark", has_text=BREAD_QUOTE).count() == 1

    page.locator("#new-conversation").click()
    page.locator("#sources .empty").wait_for()
    assert bot.count() == 0
    page.reload()
    page.locator("#question textarea").wait_for()
    page.wait_for_timeout(1500)  # time for a stored conversation to come back, if one still were there
    assert bot.count() == 0 and page.locator("#sources .empty").count() == 1
    page.close()


def test_browser_exports_questions_answers_and_quotes_as_markdown(
    docs_server: str, docs_index: Path, browser: Any
) -> None:
    page = _open(browser, docs_server)
    _submit(page, BREAD_QUESTION)
    page.locator("#sources #turn-1").wait_for(timeout=ANSWER_TIMEOUT)
    _wait_until_saved(page)
    with page.expect_download() as download:
        page.locator("#export").click()
    assert download.value.suggested_filename == "conversation.md"
    text = Path(download.value.path()).read_text(encoding="utf-8")
    start = BREAD.index(BREAD_QUOTE)
    assert f"\n{BREAD_QUESTION}\n" in text and "flour and water" in text
    assert f"[1] ` bread.txt `, chars {start}–{start + len(BREAD_QUOTE)}:" in text
    assert f"\n{BREAD_QUOTE}\n" in text and str(docs_index) not in text
    page.close()
