"""Backends that ask a model server over HTTP: OpenAI-compatible servers and Ollama.

Both stream the answer and turn every failure (no server, a wrong key, an unknown model, a
server that stops answering) into a one-line :class:`ModelError` that says what to check.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

from rag.config import Settings
from rag.errors import ModelError
from rag.llm.base import Message

if TYPE_CHECKING:
    from rag.answer import Source

log = logging.getLogger(__name__)

OPENAI_EXAMPLE = "openai:deepseek-chat@https://api.deepseek.com"
TOP_LOGPROBS = 20
"""Alternatives asked for the first reply token of the question check; "yes" and "no" are among them."""
LOGPROBS = "logprobs"
COARSE = "coarse"
_COARSE_SERVERS: set[tuple[str, str]] = set()
"""The (endpoint, model) pairs found to return no logprobs in this process: each assistant makes its backend anew,
and must not ask them for logprobs again."""


class _YesNoCheck:
    """How a server's question check reads P(yes) (:attr:`check`), remembered per endpoint and model."""

    url: str
    model: str
    name: str

    @property
    def check(self) -> str:
        """``logprobs`` (P(yes) from the first token's ``top_logprobs``), or ``coarse`` once the server returned none
        (then the word yes or no it says: 1.0 or 0.0)."""
        return COARSE if (self.url, self.model) in _COARSE_SERVERS else LOGPROBS

    def _coarse(self) -> None:
        log.warning("%s returned no logprobs: its question check reads the word yes or no (coarse)", self.name)
        _COARSE_SERVERS.add((self.url, self.model))


def server_tokens(text: str) -> int:
    """A served model's token count, estimated at 4 characters a token (English text; Qwen2.5 reads 4.4 on
    squad2-dev's excerpts). The excerpt budget (``context_tokens``) is counted with it: at a cautious 3 a token, a
    served model read a third less than the same model in process (681 characters against 1,066, median of 40
    squad2-dev questions) and answered fewer questions.

    >>> server_tokens("DeepSeek has 140 people.")
    6
    """
    return (len(text) + 3) // 4


def yes_share(alternatives: Iterable[Mapping[str, Any]]) -> float | None:
    """P(yes) renormalised over the yes and no tokens among a first token's alternatives (``{"token", "logprob"}``,
    as OpenAI's ``top_logprobs`` and Ollama's give them); a word missing from them counts as likely as the least
    likely alternative; None when neither is there.

    >>> top = [{"token": "Yes", "logprob": math.log(0.6)}, {"token": " no", "logprob": math.log(0.2)}]
    >>> round(yes_share([*top, {"token": "Maybe", "logprob": math.log(0.1)}]), 2)
    0.75
    >>> yes_share([{"token": "Maybe", "logprob": -0.1}]) is None
    True
    """
    pairs = [(str(a.get("token", "")), float(a.get("logprob", -math.inf))) for a in alternatives]
    words: dict[str, list[float]] = {"yes": [], "no": []}
    for token, logprob in pairs:
        words.get(token.strip().lower(), []).append(logprob)
    if not words["yes"] and not words["no"]:
        return None
    floor = min(logprob for _, logprob in pairs)
    yes, no = (_log_sum_exp(found) if found else floor for found in words.values())
    return 1.0 / (1.0 + math.exp(min(no - yes, 700.0)))


def _log_sum_exp(values: list[float]) -> float:
    top = max(values)
    return top if top == -math.inf else top + math.log(sum(math.exp(v - top) for v in values))


def said_yes(text: str) -> float:
    """The coarse check: 1.0 when a reply starts with the word yes, else 0.0.

    >>> said_yes(" Yes, it does."), said_yes("No."), said_yes("")
    (1.0, 0.0, 0.0)
    """
    words = text.strip().split(maxsplit=1)
    return 1.0 if words and words[0].strip(".,!:;").lower() == "yes" else 0.0


class OpenAILLM(_YesNoCheck):
    """A model behind an OpenAI-compatible ``/chat/completions`` endpoint (vLLM, llama.cpp, LM Studio, DeepSeek).

    ``base_url`` is the server (``http://host:8000``: ``/v1/chat/completions`` is asked) or its API root
    (``https://openrouter.ai/api/v1``: ``/chat/completions`` under it is asked).
    """

    def __init__(self, model: str, base_url: str, api_key: str = "", timeout: float = 120.0, options: str = "") -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ModelError(f"{base_url!r} is not an http(s) URL: use openai:MODEL@BASE_URL, e.g. {OPENAI_EXAMPLE}")
        self.name = f"openai:{model}@{base_url}"
        self.model = model
        root = base_url.rstrip("/")
        self.url = root + ("/chat/completions" if parts.path.strip("/") else "/v1/chat/completions")
        self.timeout = timeout
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._options = _options(options)

    @classmethod
    def from_spec(cls, spec: str, settings: Settings) -> OpenAILLM:
        """From the part of ``openai:MODEL@BASE_URL`` (or ``openai:MODEL``, at ``settings.openai_base_url``) after
        ``openai:``. The API key is bound to ``settings.openai_base_url``: it is sent to that server and no other."""
        model, _, base_url = spec.partition("@")
        base_url = base_url or settings.openai_base_url
        if not model or not base_url:
            raise ModelError(
                f"openai:{spec} names no model or no server: use openai:MODEL@BASE_URL, e.g. {OPENAI_EXAMPLE}, "
                "or openai:MODEL with RAG_OPENAI_BASE_URL set"
            )
        key = settings.openai_api_key
        if key and not same_endpoint(base_url, settings.openai_base_url):
            log.warning(
                "RAG_OPENAI_API_KEY is bound to RAG_OPENAI_BASE_URL (%s); not sent to %s",
                settings.openai_base_url or "not set",
                base_url,
            )
            key = ""
        return cls(model, base_url, key, settings.llm_timeout, settings.openai_options)

    def stream_chat(
        self, messages: Sequence[Message], max_tokens: int, *, question: str = "", sources: Sequence[Source] = ()
    ) -> Iterator[str]:
        """Yield the reply as the server streams it (server-sent events); temperature 0."""
        body = {
            **self._options,
            "model": self.model,
            "messages": list(messages),
            "max_tokens": max_tokens,
            "temperature": 0.0,
            "stream": True,
        }
        for line in _post_lines(self.name, self.url, body, self._headers, self.timeout):
            if not line.startswith("data:"):
                continue  # blank separators, ": keep-alive" comments, "event:" lines
            data = line[len("data:") :].strip()
            if data == "[DONE]":
                return
            event = _decode(self.name, data)
            if event.get("error"):
                raise ModelError(f"{self.name}: the server reported an error: {_detail(event)}")
            choices = event.get("choices") or [{}]
            piece = (choices[0].get("delta") or {}).get("content")
            if piece:
                yield piece

    def yes_probability(self, messages: Sequence[Message]) -> float:
        """P(yes) for the reply to ``messages`` (a yes/no question): a one-token completion whose ``top_logprobs``
        give the yes and no tokens' probabilities (vLLM, llama.cpp's server, OpenAI, DeepSeek). A server that returns
        no probabilities is asked for the word instead, from then on (:attr:`check` becomes ``coarse``). The system
        prompt comes first, as in every answer, so a server's prompt cache keeps it."""
        body = {**self._options, "model": self.model, "messages": list(messages), "temperature": 0.0, "stream": False}
        if self.check == LOGPROBS:
            try:
                reply = _post_json(self.name, self.url, {**body, "max_tokens": 1, **_ASK_LOGPROBS}, self._headers, self)
            except _NoLogprobs:
                reply = {}
            choice = (reply.get("choices") or [{}])[0]
            first = ((choice.get("logprobs") or {}).get("content") or [{}])[0]
            p_yes = yes_share(first.get("top_logprobs", []))
            if p_yes is not None:
                return p_yes
            self._coarse()
        reply = _post_json(self.name, self.url, {**body, "max_tokens": 3}, self._headers, self)
        return said_yes(((reply.get("choices") or [{}])[0].get("message") or {}).get("content") or "")

    def count_tokens(self, text: str) -> int:
        """An estimate: the server's tokenizer is not available here (:func:`server_tokens`)."""
        return server_tokens(text)


_ASK_LOGPROBS = {"logprobs": True, "top_logprobs": TOP_LOGPROBS}


def _options(text: str) -> dict[str, Any]:
    """``RAG_OPENAI_OPTIONS``: a JSON object of extra request fields.

    >>> _options('{"repeat_penalty": 1.0}'), _options("")
    ({'repeat_penalty': 1.0}, {})
    """
    try:
        options = json.loads(text) if text.strip() else {}
    except ValueError as exc:
        example = '{"repeat_penalty": 1.0}'
        raise ModelError(f"RAG_OPENAI_OPTIONS is not JSON ({exc}): write an object, e.g. {example}") from exc
    if not isinstance(options, dict):
        raise ModelError('RAG_OPENAI_OPTIONS must be a JSON object, e.g. {"repeat_penalty": 1.0}')
    return options


class OllamaLLM(_YesNoCheck):
    """A model served by a local Ollama (``ollama serve``), asked through ``/api/chat``."""

    def __init__(
        self, model: str, url: str = "http://127.0.0.1:11434", timeout: float = 120.0, context_window: int = 4096
    ) -> None:
        if urlsplit(url).scheme not in ("http", "https"):
            raise ModelError(f"RAG_OLLAMA_URL {url!r} is not an http(s) URL, e.g. http://127.0.0.1:11434")
        self.name = f"ollama:{model}"
        self.model = model
        self.url = url.rstrip("/") + "/api/chat"
        self.timeout = timeout
        self.context_window = context_window

    def stream_chat(
        self, messages: Sequence[Message], max_tokens: int, *, question: str = "", sources: Sequence[Source] = ()
    ) -> Iterator[str]:
        """Yield the reply as Ollama streams it (one JSON object per line); temperature 0."""
        # num_ctx: Ollama's own default context is smaller and silently cuts long prompts.
        options = {"temperature": 0.0, "num_predict": max_tokens, "num_ctx": self.context_window}
        body = {"model": self.model, "messages": list(messages), "stream": True, "options": options}
        for line in _post_lines(self.name, self.url, body, {}, self.timeout):
            if not line.strip():
                continue
            event = _decode(self.name, line)
            if event.get("error"):
                raise ModelError(f"{self.name}: Ollama reported an error: {_detail(event)}")
            piece = (event.get("message") or {}).get("content")
            if piece:
                yield piece
            if event.get("done"):
                return

    def yes_probability(self, messages: Sequence[Message]) -> float:
        """P(yes) for the reply to ``messages``, from the ``top_logprobs`` of Ollama's first reply token; an Ollama
        that returns none is read for the word yes or no (:attr:`check` becomes ``coarse``)."""
        tokens = 1 if self.check == LOGPROBS else 3
        options = {"temperature": 0.0, "num_predict": tokens, "num_ctx": self.context_window}
        body = {"model": self.model, "messages": list(messages), "stream": False, "options": options}
        if self.check == LOGPROBS:
            body.update(_ASK_LOGPROBS)
        reply = _post_json(self.name, self.url, body, {}, self)
        if self.check == LOGPROBS:
            first = (reply.get("logprobs") or [{}])[0]
            p_yes = yes_share(first.get("top_logprobs", []))
            if p_yes is not None:
                return p_yes
            self._coarse()  # Ollama before 0.12.11
            return self.yes_probability(messages)
        return said_yes((reply.get("message") or {}).get("content") or "")

    def count_tokens(self, text: str) -> int:
        """An estimate: Ollama's tokenizer is not available here (:func:`server_tokens`)."""
        return server_tokens(text)


class _NoLogprobs(ModelError):
    """The server refused a request for logprobs (llama-cpp-python's server without ``--logits_all``)."""


def _post_json(name: str, url: str, body: dict[str, Any], headers: dict[str, str], server: Any) -> dict[str, Any]:
    """POST ``body`` and return the JSON reply; failures become ModelError (:class:`_NoLogprobs` when the server
    refuses logprobs)."""
    try:
        text = "\n".join(_post_lines(name, url, body, headers, server.timeout))
    except ModelError as exc:
        if "logprobs" in body and ("logprob" in str(exc).lower() or "logits_all" in str(exc)):
            raise _NoLogprobs(str(exc)) from exc
        raise
    reply = _decode(name, text)
    if reply.get("error"):
        raise ModelError(f"{name}: the server reported an error: {_detail(reply)}")
    return reply


def _post_lines(name: str, url: str, body: dict[str, Any], headers: dict[str, str], timeout: float) -> Iterator[str]:
    """POST ``body`` as JSON and yield the reply's lines as they arrive; failures become ModelError."""
    try:
        with httpx.stream("POST", url, json=body, headers=headers, timeout=httpx.Timeout(timeout)) as response:
            if response.status_code >= 400:
                response.read()
                raise ModelError(_status_message(name, url, response))
            yield from response.iter_lines()
    except httpx.TimeoutException as exc:
        raise ModelError(
            f"{name}: {url} did not answer within {timeout:g} s; check the server, or raise RAG_LLM_TIMEOUT"
        ) from exc
    except httpx.ConnectError as exc:
        raise ModelError(f"{name}: cannot connect to {url} ({exc}); is the server running?") from exc
    except httpx.HTTPError as exc:
        raise ModelError(f"{name}: talking to {url} failed ({type(exc).__name__}: {exc})") from exc


def _status_message(name: str, url: str, response: httpx.Response) -> str:
    status = response.status_code
    detail = _detail(_decode_quietly(response.text)) or response.text.strip()[:200] or response.reason_phrase
    detail = " ".join(detail.split())
    if status in (401, 403):
        return (
            f"{name}: the server refused the API key ({status}: {detail}); set RAG_OPENAI_API_KEY to a valid key "
            "and RAG_OPENAI_BASE_URL to this server (the key is sent to that URL only)"
        )
    if status == 404 and name.startswith("ollama:"):
        model = name.partition(":")[2]
        return f"{name}: Ollama has no model {model!r} ({detail}); run: ollama pull {model}"
    if status == 404:
        return f"{name}: {url} answered 404 ({detail}); check the base URL and the model name"
    return f"{name}: {url} answered {status} ({detail})"


def _decode(name: str, text: str) -> dict[str, Any]:
    try:
        event = json.loads(text)
    except ValueError as exc:
        raise ModelError(f"{name}: the server sent something that is not JSON: {text[:100]!r}") from exc
    if not isinstance(event, dict):
        raise ModelError(f"{name}: the server sent an unexpected reply: {text[:100]!r}")
    return event


def _decode_quietly(text: str) -> dict[str, Any]:
    try:
        event = json.loads(text)
    except ValueError:
        return {}
    return event if isinstance(event, dict) else {}


def _detail(event: dict[str, Any]) -> str:
    """The message of an error reply: ``{"error": {"message": ...}}``, ``{"error": "..."}`` or ``{"detail": ...}``."""
    error = event.get("error") or event.get("detail") or ""
    if isinstance(error, dict):
        error = error.get("message") or json.dumps(error)
    return " ".join(str(error).split())[:300]


def create_openai(name: str, settings: Settings) -> OpenAILLM:
    """``openai:MODEL@BASE_URL`` or ``openai:MODEL`` (at ``settings.openai_base_url``)."""
    return OpenAILLM.from_spec(name, settings)


def same_endpoint(url: str, other: str) -> bool:
    """Whether two base URLs name the same server and API root (scheme, host, port and path; case and a
    trailing slash aside).

    >>> same_endpoint("https://API.example.com/v1/", "https://api.example.com/v1")
    True
    >>> same_endpoint("https://api.example.com/v1", "http://api.example.com/v1")
    False
    >>> same_endpoint("http://evil.example/v1", "")
    False
    """
    if not url or not other:
        return False
    a, b = urlsplit(url.strip()), urlsplit(other.strip())
    return (a.scheme.lower(), a.netloc.lower(), a.path.rstrip("/")) == (
        b.scheme.lower(),
        b.netloc.lower(),
        b.path.rstrip("/"),
    )


def create_ollama(name: str, settings: Settings) -> OllamaLLM:
    """``ollama:MODEL`` at ``settings.ollama_url``."""
    if not name:
        raise ModelError("ollama: names no model: use ollama:MODEL, e.g. ollama:qwen2.5:1.5b")
    return OllamaLLM(name, settings.ollama_url, settings.llm_timeout, settings.context_window)
