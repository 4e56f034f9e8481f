"""The OpenAI-compatible API of ``rag serve`` (``ui/api.py``), asked with the official ``openai`` package and curl.

A real ``rag serve`` with the small local model over the index of seeds/, its keys from all three
sources (``--api-key``, ``--api-key-file``, ``RAG_API_KEYS``), and no waiting for a busy model.
"""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from gradio_client import Client

from tests.support import SEED_FILE, SEED_TEXT, assert_matches_schema, serve_rag

KEYS = {"flag": "key-from-the-flag", "file": "key-from-the-file", "env": "key-from-the-environment"}
MODEL = "rag:default"


@pytest.fixture(scope="module")
def api_server(seed_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``rag serve`` with a key of each kind and ``--api-busy-timeout 0``; yields its URL."""
    workdir = tmp_path_factory.mktemp("serve-api")
    key_file = workdir / "keys.txt"
    key_file.write_text(f"# one key per line\n{KEYS['file']}\n")
    flags = ["--api-key", KEYS["flag"], "--api-key-file", str(key_file), "--api-busy-timeout", "0"]
    with serve_rag(seed_index, workdir, *flags, env={"RAG_API_KEYS": KEYS["env"]}) as url:
        yield url


def _client(url: str, key: str = KEYS["flag"]) -> openai.OpenAI:
    # No retries: a 503 must reach the test, not be retried away.
    return openai.OpenAI(base_url=f"{url}v1", api_key=key, max_retries=0, timeout=300)


def _ask(url: str, *messages: tuple[str, str], **options: Any) -> Any:
    conversation: Any = [{"role": role, "content": content} for role, content in messages]
    return _client(url).chat.completions.create(model=MODEL, messages=conversation, **options)


def _assert_checked(text: str, extra: dict[str, Any]) -> None:
    """``extra`` (rag's fields of a message or last chunk) matches the schema; its citations quote the seed."""
    assert_matches_schema(extra, "checked_message")
    assert not extra["refused"] and extra["citations"], (text, extra)
    for citation in extra["citations"]:
        assert citation["path"] == SEED_FILE.name  # a display name, never a path on the server
        assert SEED_TEXT[citation["start"] : citation["end"]] == citation["quote"]
        assert f"[{citation['n']}]" in text


def test_every_key_lists_the_collections_as_models(api_server):
    for key in KEYS.values():
        models = _client(api_server, key).models.list()
        assert MODEL in [model.id for model in models.data]
        assert {model.owned_by for model in models.data} == {"rag"}


def test_a_wrong_or_missing_key_is_refused(api_server):
    with pytest.raises(openai.AuthenticationError):
        _client(api_server, "not-a-key").models.list()
    response = httpx.post(f"{api_server}v1/chat/completions", json={"model": MODEL, "messages": []})
    assert response.status_code == 401 and response.json()["error"]["code"] == "invalid_api_key"
    assert "default-src 'self'" in response.headers["content-security-policy"]


def test_an_answer_cites_the_seed(api_server):
    completion = _ask(api_server, ("user", "Which city does Fiona Zhou work in?"))
    message = completion.choices[0].message
    assert completion.object == "chat.completion" and completion.model == MODEL
    assert message.role == "assistant" and completion.choices[0].finish_reason == "stop"
    _assert_checked(message.content, message.model_extra)
    assert completion.usage.prompt_tokens > 0 and completion.usage.completion_tokens > 0


def test_a_streamed_answer_is_the_checked_answer(api_server):
    question = ("user", "What is the name of DeepSeek's founder?")
    chunks = list(_ask(api_server, question, stream=True))
    assert chunks[0].choices[0].delta.role == "assistant"
    assert all(chunk.object == "chat.completion.chunk" for chunk in chunks)
    assert [chunk.choices[0].finish_reason for chunk in chunks].count("stop") == 1
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop" and last.usage.total_tokens > 0
    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks)
    assert len(chunks) > 3, "the text came in one piece"
    _assert_checked(text, last.model_extra)
    # What a streaming client assembles is what a non-streaming one gets: the answer after the citation check.
    whole = _ask(api_server, question).choices[0].message
    assert text == whole.content and last.model_extra["citations"] == whole.model_extra["citations"]


def test_a_follow_up_is_answered_with_the_conversation(api_server):
    first = ("user", "What does Fiona Zhou do?")
    earlier = _ask(api_server, first).choices[0].message.content
    follow_up = ("user", "Which city does she work in?")
    # Alone, "she" is nobody: nothing in the documents is close enough to answer.
    assert _ask(api_server, follow_up).choices[0].message.model_extra["refused"]
    answer = _ask(api_server, first, ("assistant", earlier), follow_up).choices[0].message
    _assert_checked(answer.content, answer.model_extra)
    assert any("Fiona Zhou" in c["quote"] for c in answer.model_extra["citations"]), answer


def test_a_question_about_something_absent_is_refused(api_server):
    message = _ask(api_server, ("user", "What is the capital of France?")).choices[0].message
    assert message.model_extra["refused"] and message.model_extra["citations"] == []
    assert message.content == "I can't find that in the documents."
    assert_matches_schema(message.model_extra, "checked_message")


def test_an_unknown_collection_is_a_404(api_server):
    with pytest.raises(openai.NotFoundError, match="rag:COLLECTION"):
        _client(api_server).chat.completions.create(model="rag:no-such", messages=[{"role": "user", "content": "Hi"}])


def test_a_second_question_while_the_model_answers_gets_a_503(api_server):
    outcomes: list[Any] = []

    def ask() -> None:
        try:
            outcomes.append(_ask(api_server, ("user", "How many people are on DeepSeek's team?")))
        except openai.APIStatusError as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=ask) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    busy = [o for o in outcomes if isinstance(o, openai.APIStatusError)]
    assert len(outcomes) == 3 and busy and len(busy) < 3, outcomes
    assert {exc.status_code for exc in busy} == {503} and all("busy" in exc.message for exc in busy)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"{not json", 400),
        (json.dumps({"model": MODEL, "messages": [{"role": "system", "content": "Hi"}]}).encode(), 400),
        (json.dumps({"model": MODEL, "messages": "Hi"}).encode(), 400),
        (b" " * (2 << 20), 413),
        (json.dumps({"model": "gpt-4o", "messages": [{"role": "user", "content": "Hi"}]}).encode(), 404),
    ],
    ids=["malformed", "no-user-message", "wrong-type", "too-large", "not-a-rag-model"],
)
def test_bad_requests_get_openai_errors_without_server_paths(api_server, seed_index, body, status):
    headers = {"Authorization": f"Bearer {KEYS['file']}", "Content-Type": "application/json"}
    response = httpx.post(f"{api_server}v1/chat/completions", content=body, headers=headers)
    assert response.status_code == status
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"} and error["message"]
    assert str(seed_index) not in response.text and "Traceback" not in response.text


def test_curl_gets_server_sent_events_ending_in_done(api_server):
    body = {"model": MODEL, "stream": True, "messages": [{"role": "user", "content": "Who founded DeepSeek?"}]}
    result = subprocess.run(
        ["curl", "-sN", f"{api_server}v1/chat/completions", "-H", f"Authorization: Bearer {KEYS['env']}"]
        + ["-H", "Content-Type: application/json", "-d", json.dumps(body)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    lines = [line for line in result.stdout.splitlines() if line]
    assert lines and all(line.startswith("data: ") for line in lines), result.stdout
    assert lines[-1] == "data: [DONE]"
    chunks = [json.loads(line.removeprefix("data: ")) for line in lines[:-1]]
    assert {chunk["object"] for chunk in chunks} == {"chat.completion.chunk"}
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop" and "citations" in chunks[-1]


def test_the_ask_endpoint_output_matches_the_schema(api_server):
    """The web chat's ``/ask`` (gradio_client) is documented by the same schema; the /v1 keys do not guard it."""
    client = Client(api_server, verbose=False)
    for question in ("Which city does Fiona Zhou work in?", "What is the capital of France?"):
        answer = json.loads(client.predict(question, api_name="/ask"))
        assert_matches_schema(answer)
        assert answer["refused"] == (question == "What is the capital of France?")


def test_models_carry_the_check_and_a_user_may_only_ask_for_more_strictness(api_server):
    """The server checks at balanced (the default): /v1 and /ask take strict, and refuse lenient with a readable
    message, before any model work."""
    models = httpx.get(f"{api_server}v1/models", headers={"Authorization": f"Bearer {KEYS['flag']}"}).json()["data"]
    check = next(model for model in models if model["id"] == MODEL)["check"]
    assert check["strictness"] == "balanced" and 0.0 <= check["threshold"] <= 1.0
    assert check["calibration"] == "uncalibrated" or {"set", "date", "contains"} <= set(check["calibration"])
    question = ("user", "Which city does Fiona Zhou work in?")
    strict = _ask(api_server, question, extra_body={"strictness": "strict"}).choices[0].message.model_extra
    assert strict["checked"] and (strict["refused"] or strict["citations"])
    with pytest.raises(openai.BadRequestError, match="strictness balanced; choose one of: balanced, strict"):
        _ask(api_server, question, extra_body={"strictness": "lenient"})
    client = Client(api_server, verbose=False)
    with pytest.raises(Exception, match="strictness balanced"):
        client.predict(question[1], None, None, "lenient", api_name="/ask")
    answer = json.loads(client.predict(question[1], None, None, "strict", api_name="/ask"))
    assert answer["checked"] and answer["threshold"] >= check["threshold"]  # strict is never below balanced
