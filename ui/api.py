"""OpenAI-compatible endpoints on ``rag serve``'s port: any OpenAI client can ask a collection.

``GET /v1/models`` lists the collections as models ``rag:COLLECTION``; ``POST /v1/chat/completions``
answers the last user message over that collection, with the earlier user and assistant messages as
the conversation, using the LLM the server was started with (a client's choice is ignored, as are its
system messages, ``temperature`` and ``max_tokens``). The answer text carries ``[n]`` markers; the
message adds ``citations`` (see ``docs/answer.schema.json``), ``refused``, ``unsupported`` and ``checked``.
A request may ask for a ``strictness`` of the question check at or above the server's (never below); each
model of ``/v1/models`` carries the server's check: strictness, threshold and calibration.

Streaming (``"stream": true``) sends the answer after its citations are checked: the check may drop
markers or turn the draft into a refusal, so a stream of the draft could not be trusted. A client
that joins the deltas gets exactly the checked text; the last chunk carries the citations.

Clients are untrusted: bodies and messages are size-limited, every error has OpenAI's shape with no
server path or exception text in it, and with keys (``--api-key``, ``--api-key-file``,
``RAG_API_KEYS``) every ``/v1`` request needs ``Authorization: Bearer KEY``.

Keys made with ``rag keys`` (:mod:`ui.gate`) open only their collection, with their rights; once one
exists, or with ``--users``, every request needs a key. A collection the key may not read is a model
that does not exist (404, the same message).
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import json
import logging
import os
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from rag.access import Caller
from rag.answer import Answer
from rag.assistant import Assistant
from rag.calibration import check_setting
from rag.config import Settings
from rag.errors import ModelBusyError, RagError
from rag.prompt import Turn
from rag.store import list_collections
from ui.audit import Action
from ui.gate import Gate
from ui.policy import check_strictness, public_answer, public_message

log = logging.getLogger(__name__)

MODEL_PREFIX = "rag:"
"""A model id is this prefix and a collection name: ``rag:default``."""
KEYS_VARIABLE = "RAG_API_KEYS"
"""Environment variable with comma-separated API keys."""
MAX_BODY_BYTES = 1 << 20
MAX_MESSAGES = 200
MAX_MESSAGE_CHARS = 20_000


@dataclass(frozen=True)
class ApiAccess:
    """Who may use ``/v1`` and how long a request waits for the model."""

    keys: tuple[str, ...] = ()
    """Accepted bearer keys; none: anyone who reaches the port."""
    busy_timeout: float = 60.0
    """Seconds a request waits while another API answer is being written; then 503 (``--api-busy-timeout``)."""

    @classmethod
    def from_flags(
        cls,
        keys: Sequence[str] = (),
        key_file: str | None = None,
        busy_timeout: float = 60.0,
        environ: Mapping[str, str] = os.environ,
    ) -> ApiAccess:
        """The keys of ``--api-key`` (repeatable), ``--api-key-file`` (one per line) and ``RAG_API_KEYS``.

        >>> ApiAccess.from_flags(["k1"], environ={"RAG_API_KEYS": "k2, k3"}).keys
        ('k1', 'k2', 'k3')
        """
        found = [*keys, *environ.get(KEYS_VARIABLE, "").split(",")]
        if key_file:
            try:
                found += Path(key_file).read_text(encoding="utf-8").splitlines()
            except OSError as exc:
                raise ValueError(f"--api-key-file {key_file}: cannot read it ({exc.strerror or exc})") from exc
        if busy_timeout < 0:
            raise ValueError("--api-busy-timeout must be 0 or more seconds")
        stripped = (key.strip() for key in found)
        return cls(tuple(dict.fromkeys(key for key in stripped if key and not key.startswith("#"))), busy_timeout)

    def allows(self, authorization: str | None) -> bool:
        """Whether an ``Authorization`` header value carries one of the keys (compared in constant time)."""
        if not self.keys:
            return True
        scheme, _, token = (authorization or "").partition(" ")
        given = token.strip().encode()
        matches = [hmac.compare_digest(given, key.encode()) for key in self.keys]  # every key, no early exit
        return scheme.lower() == "bearer" and any(matches)

    def warn_if_open(self, host: str) -> None:
        """Log a warning when the API has no key and the server listens beyond this machine."""
        if not self.keys and not _is_loopback(host):
            log.warning(
                "the /v1 API on %s has no key: anyone who reaches the port can use it; set --api-key-file or %s",
                host,
                KEYS_VARIABLE,
            )


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


class ApiError(Exception):
    """A failed request, answered in OpenAI's error shape with ``status``."""

    def __init__(
        self, status: int, message: str, kind: str = "invalid_request_error", code: str | None = None, param: str = ""
    ) -> None:
        super().__init__(message)
        self.status, self.kind, self.code, self.param = status, kind, code, param or None

    def response(self) -> JSONResponse:
        """``{"error": {"message", "type", "param", "code"}}``."""
        error = {"message": str(self), "type": self.kind, "param": self.param, "code": self.code}
        headers = {"WWW-Authenticate": "Bearer"} if self.status == 401 else None
        return JSONResponse({"error": error}, status_code=self.status, headers=headers)


class TextPart(BaseModel):
    """One part of a message's content as a list (``{"type": "text", "text": ...}``)."""

    type: Literal["text"]
    text: Annotated[str, Field(max_length=MAX_MESSAGE_CHARS)]


class ChatMessage(BaseModel):
    """One message of the conversation; other roles than ``user`` and ``assistant`` are ignored."""

    model_config = ConfigDict(extra="ignore", strict=True)
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: Annotated[str, Field(max_length=MAX_MESSAGE_CHARS)] | list[TextPart] | None = None

    def text(self) -> str:
        """The content as one text."""
        if isinstance(self.content, list):
            return "".join(part.text for part in self.content)
        return self.content or ""


class ChatRequest(BaseModel):
    """The fields of a chat completion request that rag reads; the others are accepted and ignored."""

    model_config = ConfigDict(extra="ignore", strict=True)
    model: str
    messages: list[ChatMessage] = Field(min_length=1, max_length=MAX_MESSAGES)
    stream: bool = False
    strictness: Annotated[str, Field(max_length=20)] | None = None
    """rag's own field: the question check's strictness, the server's or stricter."""

    @classmethod
    def parse(cls, body: bytes) -> ChatRequest:
        """The request in ``body``; a 400 :class:`ApiError` naming the first problem."""
        try:
            return cls.model_validate_json(body)
        except ValidationError as exc:
            error = exc.errors(include_input=False)[0]
            where = ".".join(str(part) for part in error["loc"])
            if error["type"] == "json_invalid":
                raise ApiError(400, "the body is not valid JSON") from None
            raise ApiError(400, f"{where or 'body'}: {error['msg']}", param=where) from None

    def conversation(self) -> tuple[str, list[Turn]]:
        """The last user message, and the (question, answer) pairs before it."""
        users = [i for i, message in enumerate(self.messages) if message.role == "user"]
        question = self.messages[users[-1]].text().strip() if users else ""
        if not question:
            raise ApiError(400, "messages: no user message with text to answer", param="messages")
        turns: list[Turn] = []
        asked: str | None = None
        for message in self.messages[: users[-1]]:
            if message.role == "user":
                asked = message.text()
            elif message.role == "assistant" and asked is not None:
                turns.append((asked, message.text()))
                asked = None
        return question, turns


Endpoint = Callable[[Request], Awaitable[Response]]


class ChatApi:
    """The ``/v1`` routes over ``settings``; one answer at a time (the server has one model)."""

    def __init__(self, settings: Settings, access: ApiAccess, gate: Gate | None = None) -> None:
        self.settings = settings
        self.access = access
        self.gate = gate or Gate(settings)
        self._lock = asyncio.Lock()

    def routes(self) -> list[BaseRoute]:
        """The Starlette routes, for the server's app (``routes=`` of its FastAPI app)."""
        return [
            Route("/v1/models", self._guarded(self.models), methods=["GET"]),
            Route("/v1/chat/completions", self._guarded(self.chat_completions), methods=["POST"]),
            Route("/v1/{rest:path}", self._guarded(_unknown_route), methods=["GET", "POST", "PUT", "DELETE"]),
        ]

    def _guarded(self, endpoint: Endpoint) -> Endpoint:
        """``endpoint`` behind the key check; errors become OpenAI's error shape, never a traceback."""

        async def guarded(request: Request) -> Response:
            try:
                request.state.caller = await run_in_threadpool(self._caller, request.headers.get("authorization"))
                return await endpoint(request)
            except ApiError as exc:
                return exc.response()
            except Exception:
                log.exception("the API request %s %s failed", request.method, request.url.path)
                return ApiError(500, "unexpected error; the server log has the details", "server_error").response()

        return guarded

    def _caller(self, authorization: str | None) -> Caller:
        """Who sends the request: an old ``--api-key`` key opens everything, a key of ``rag keys`` its collection;
        without any key, anyone, unless keys are needed (then 401, audited)."""
        scheme, _, token = (authorization or "").partition(" ")
        if self.access.keys and self.access.allows(authorization):
            return Caller(unrestricted=True)
        caller = self.gate.api_caller(token.strip() if scheme.lower() == "bearer" else "", bool(self.access.keys))
        if caller is None:
            raise ApiError(401, "missing or wrong API key (Authorization: Bearer KEY)", code="invalid_api_key")
        return caller

    async def models(self, request: Request) -> Response:
        """``GET /v1/models``: the caller's collections, as ``rag:COLLECTION`` (``created`` 0: Chroma keeps no date),
        each with the LLM and its question check (strictness, threshold, calibration or ``"uncalibrated"``)."""
        names = await run_in_threadpool(self._collections)
        check = await run_in_threadpool(self._check)
        models = [
            {"id": MODEL_PREFIX + name, "object": "model", "created": 0, "owned_by": "rag", **check}
            for name in self.gate.readable(request.state.caller, names)
        ]
        return JSONResponse({"object": "list", "data": models})

    def _check(self) -> dict[str, Any]:
        """The served LLM and how its answers are checked (``check``: None when they are not)."""
        try:
            setting = check_setting(self.settings) if self.settings.verify_answers else None
        except RagError as exc:
            raise ApiError(500, public_message(str(exc)), "server_error") from exc
        no_model = self.settings.llm.strip() == "extractive"
        return {"llm": self.settings.llm, "check": None if setting is None or no_model else setting.to_dict()}

    def _collections(self) -> list[str]:
        try:
            return [info.name for info in list_collections(self.settings.index_dir, self.settings.chroma_url)]
        except RagError as exc:
            raise ApiError(500, public_message(str(exc)), "server_error") from exc

    async def chat_completions(self, request: Request) -> Response:
        """``POST /v1/chat/completions``: the checked answer, whole or as server-sent events."""
        body = ChatRequest.parse(await _read_body(request))
        name = body.model.removeprefix(MODEL_PREFIX)
        caller: Caller = request.state.caller
        listed = self.gate.readable(caller, await run_in_threadpool(self._collections))
        if not body.model.startswith(MODEL_PREFIX) or name not in listed:
            message = f"no model {body.model[:100]!r}: use rag:COLLECTION, as listed by GET /v1/models"
            if self.gate.limited(caller):  # a collection the caller may not read is one that does not exist
                await run_in_threadpool(self.gate.refuse, caller, Action.ASK, name, message)
            raise ApiError(404, message, code="model_not_found", param="model")
        question, history = body.conversation()
        try:
            strictness = check_strictness(body.strictness, self.settings.strictness)
        except RagError as exc:
            raise ApiError(400, str(exc), param="strictness") from exc
        self.gate.audit.record(caller, Action.ASK, name, question=question)
        answer = await self._answer(name, question, history, strictness.value)
        reply = Reply(answer, body.model, f"chatcmpl-{uuid.uuid4().hex}", int(time.time()))
        if body.stream:
            headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
            return StreamingResponse(reply.events(), media_type="text/event-stream", headers=headers)
        return JSONResponse(reply.completion())

    async def _answer(self, collection: str, question: str, history: list[Turn], strictness: str) -> Answer:
        """The answer, written while holding the lock; 503 when it stays taken for ``busy_timeout`` seconds."""
        try:
            # asyncio.timeout (unlike wait_for in 3.11) cannot lose a lock acquired as the time runs out.
            async with asyncio.timeout(self.access.busy_timeout):
                await self._lock.acquire()
        except TimeoutError:
            raise ApiError(503, "the model is busy with another answer; try again", "server_error", "busy") from None
        try:
            # A client that hangs up does not cancel this: the thread runs to the end, then the lock is free.
            return await run_in_threadpool(self._ask, collection, question, history, strictness)
        finally:
            self._lock.release()

    def _ask(self, collection: str, question: str, history: list[Turn], strictness: str) -> Answer:
        try:
            assistant = Assistant.open(settings=self.settings, collection=collection, strictness=strictness)
            return assistant.ask(question, history)
        except ModelBusyError as exc:  # the web chat holds the model
            raise ApiError(503, public_message(str(exc)), "server_error", "busy") from exc
        except RagError as exc:
            raise ApiError(500, public_message(str(exc)), "server_error") from exc


async def _unknown_route(request: Request) -> Response:
    raise ApiError(404, f"no API route {request.url.path[:100]}; this server has /v1/models and /v1/chat/completions")


async def _read_body(request: Request) -> bytes:
    """The request body, refused with 413 past :data:`MAX_BODY_BYTES` (before reading it, when it says its size)."""
    too_large = ApiError(413, f"the body is larger than {MAX_BODY_BYTES} bytes")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise too_large
    body = bytearray()
    async for part in request.stream():
        body += part
        if len(body) > MAX_BODY_BYTES:
            raise too_large
    return bytes(body)


@dataclass(frozen=True)
class Reply:
    """One answer in OpenAI's shapes: a ``chat.completion``, or ``chat.completion.chunk`` events."""

    answer: Answer
    model: str
    id: str
    created: int

    def completion(self) -> dict[str, Any]:
        """The non-streamed response: the message carries ``citations``, ``refused`` and ``unsupported``."""
        message = {"role": "assistant", "content": self.answer.text, **self._checks()}
        choice = {"index": 0, "message": message, "finish_reason": "stop", "logprobs": None}
        return {**self._head("chat.completion"), "choices": [choice], "usage": self._usage()}

    async def events(self) -> AsyncIterator[str]:
        """The server-sent events: the role, the checked text in word-sized deltas, ``stop`` with the citations
        and usage, then ``[DONE]``."""
        yield _event(self._chunk({"role": "assistant", "content": ""}))
        for piece in re.split(r"(?<=\s)(?=\S)", self.answer.text):
            yield _event(self._chunk({"content": piece}))
        yield _event({**self._chunk({}, "stop"), **self._checks(), "usage": self._usage()})
        yield "data: [DONE]\n\n"

    def _head(self, kind: str) -> dict[str, Any]:
        return {"id": self.id, "object": kind, "created": self.created, "model": self.model}

    def _chunk(self, delta: dict[str, str], finish_reason: str | None = None) -> dict[str, Any]:
        choice = {"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}
        return {**self._head("chat.completion.chunk"), "choices": [choice]}

    def _checks(self) -> dict[str, Any]:
        """What rag adds to OpenAI's message: the citations (display names, never server paths) and the check."""
        citations = public_answer(self.answer)["citations"]
        answer = self.answer
        return {
            "citations": citations,
            "refused": answer.refused,
            "unsupported": answer.unsupported,
            "checked": answer.checked,
        }

    def _usage(self) -> dict[str, int]:
        prompt, completion = self.answer.usage.prompt_tokens, self.answer.usage.completion_tokens
        return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _event(data: dict[str, Any]) -> str:
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"
