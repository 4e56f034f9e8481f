"""The operator's API key goes to the server it was configured for, and nowhere else, whatever the LLM spec says."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from rag.config import Settings
from rag.errors import ModelError
from rag.llm import load_llm

SECRET = "sk-operator-secret"


def ask_once(llm: object) -> None:
    with pytest.raises(ModelError):  # the listener answers 404: an error, but after the request was sent
        list(llm.stream_chat([{"role": "user", "content": "hi"}], 8))  # type: ignore[attr-defined]


def test_the_key_is_not_sent_to_another_server(listener):
    settings = Settings(openai_api_key=SECRET, openai_base_url="https://api.example.com/v1")
    ask_once(load_llm(settings.replace(llm=f"openai:m@{listener.url}/v1")))
    assert listener.requests, "the request was made"
    assert all("Authorization" not in headers and SECRET not in str(headers) for _, _, headers in listener.requests)


def test_the_key_is_not_sent_when_no_server_is_configured(listener):
    ask_once(load_llm(Settings(openai_api_key=SECRET, llm=f"openai:m@{listener.url}")))
    assert listener.requests and all("Authorization" not in h for _, _, h in listener.requests)


def test_the_key_is_sent_to_its_own_server(listener):
    settings = Settings(openai_api_key=SECRET, openai_base_url=listener.url + "/", llm="openai:m")
    ask_once(load_llm(settings))
    assert [h.get("Authorization") for _, _, h in listener.requests] == [f"Bearer {SECRET}"]


def test_the_cli_does_not_send_the_key_elsewhere(listener, seed_index):
    env = {
        **os.environ,
        "RAG_INDEX_DIR": str(seed_index),
        "RAG_OPENAI_API_KEY": SECRET,
        "RAG_OPENAI_BASE_URL": "https://api.example.com/v1",
    }
    command = [sys.executable, "-m", "rag.cli", "ask", "--llm", f"openai:m@{listener.url}", "Who founded DeepSeek?"]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 1 and "answered 404" in result.stderr
    assert listener.requests and all("Authorization" not in h for _, _, h in listener.requests)
    assert SECRET not in result.stderr + result.stdout
