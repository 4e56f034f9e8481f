"""The API's pure parts: keys from flags, file and environment; who is let in; a request read as a conversation."""

from __future__ import annotations

import logging

import pytest

from ui.api import ApiAccess, ApiError, ChatRequest


def test_keys_come_from_flags_file_and_environment(tmp_path):
    keys = tmp_path / "keys.txt"
    keys.write_text("# ops team\nfile-key\n\n  spaced-key  \n")
    access = ApiAccess.from_flags(["flag-key"], str(keys), environ={"RAG_API_KEYS": "env-1, env-2,"})
    assert set(access.keys) == {"flag-key", "file-key", "spaced-key", "env-1", "env-2"}
    with pytest.raises(ValueError, match="--api-key-file missing.txt: cannot read it"):
        ApiAccess.from_flags([], "missing.txt", environ={})


def test_only_a_bearer_with_a_key_gets_in():
    access = ApiAccess(("k1", "k2"))
    assert access.allows("Bearer k2") and access.allows("bearer k1")
    for header in (None, "", "Bearer", "Bearer k3", "Basic k1", "k1", "Bearer k1x", "Bearer é"):
        assert not access.allows(header), header
    assert ApiAccess().allows(None), "without keys the API is open, like the page without --auth"


def test_an_open_api_on_a_public_address_is_logged(caplog):
    caplog.set_level(logging.WARNING, "ui.api")
    for host in ("127.0.0.1", "::1", "localhost"):
        ApiAccess().warn_if_open(host)
    ApiAccess(("k",)).warn_if_open("0.0.0.0")
    assert caplog.records == []
    ApiAccess().warn_if_open("0.0.0.0")
    assert "has no key" in caplog.text


def _request(*messages: tuple[str, str]) -> ChatRequest:
    return ChatRequest.model_validate({"model": "rag:x", "messages": [{"role": r, "content": c} for r, c in messages]})


def test_the_last_user_message_is_the_question_and_earlier_pairs_the_history():
    request = _request(
        ("system", "Talk like a pirate."),  # rag's own system prompt is the only one
        ("user", "Who founded DeepSeek?"),
        ("assistant", "Liang Wenfeng [1]."),
        ("user", "unanswered"),
        ("user", "And who is Fiona Zhou?"),
        ("assistant", "A tech worker [2]."),
        ("user", " What does she do? "),
    )
    assert request.conversation() == (
        "What does she do?",
        [("Who founded DeepSeek?", "Liang Wenfeng [1]."), ("And who is Fiona Zhou?", "A tech worker [2].")],
    )
    parts = ChatRequest.model_validate(
        {"model": "rag:x", "messages": [{"role": "user", "content": [{"type": "text", "text": "Who?"}]}]}
    )
    assert parts.conversation() == ("Who?", [])


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b'{"model": "rag:x", "messages": []}', "messages: List should have at least 1 item"),
        (b'{"model": 5, "messages": [{"role": "user", "content": "Who?"}]}', "model: Input should be a valid string"),
        (b'{"model": "rag:x", "messages": [{"role": "user", "content": "Who?"}], "stream": "yes"}', "stream:"),
        (b'{"model": "rag:x", "messages": [{"role": "wizard", "content": "Who?"}]}', "messages.0.role:"),
        (b'{"model": "rag:x", "messages": [{"role": "user", "content": "%s"}]}' % (b"a" * 20_001), "at most 20000"),
    ],
)
def test_a_bad_request_is_a_400_that_names_the_problem(body, message):
    with pytest.raises(ApiError, match=message) as caught:
        ChatRequest.parse(body)
    assert caught.value.status == 400


def test_a_request_without_a_user_question_is_a_400():
    for messages in (
        [("system", "Hi")],
        [("user", "   ")],
        [("assistant", "Hello"), ("system", "x")],
    ):
        with pytest.raises(ApiError, match="no user message") as caught:
            _request(*messages).conversation()
        assert caught.value.status == 400
