"""LLM backends behind one interface (:class:`~rag.llm.base.LLM`), chosen by the prefix of a spec.

A spec is ``PREFIX`` or ``PREFIX:NAME``: ``local:qwen2.5-1.5b``, ``openai:MODEL@BASE_URL``,
``ollama:MODEL``, ``extractive``. :data:`BACKENDS` maps each prefix to the function that makes
the backend; the CLI help, the web chat's choices and the error for an unknown spec are
generated from it. To add a backend, write ``rag/llm/NAME.py`` with a ``create(name, settings)``
function and add one :class:`Backend` line here.

>>> load_llm(Settings(llm="extractive")).name
'extractive'
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from rag.config import Settings
from rag.errors import ModelError
from rag.llm.base import LLM, Message, approx_tokens
from rag.llm.local import REGISTRY

__all__ = ["BACKENDS", "LLM", "Backend", "Message", "approx_tokens", "backend_usage", "load_llm"]


@dataclass(frozen=True)
class Backend:
    """One kind of LLM: the spec prefix, how to write a spec, and the function that makes it."""

    prefix: str
    usage: str
    """Spec forms, for help and errors: ``"openai:MODEL@BASE_URL"``."""
    factory: str
    """``"module:function"``, imported on first use; the function takes (name after the prefix, settings)."""

    def create(self, name: str, settings: Settings) -> LLM:
        """The backend for ``PREFIX:name``."""
        module, _, function = self.factory.partition(":")
        make: Callable[[str, Settings], LLM] = getattr(importlib.import_module(module), function)
        return make(name, settings)


BACKENDS: dict[str, Backend] = {
    b.prefix: b
    for b in (
        Backend(
            "local",
            f"{', '.join(f'local:{name}' for name in REGISTRY)}, local:/path/model.gguf",
            "rag.llm.local:create",
        ),
        Backend("openai", "openai:MODEL@BASE_URL", "rag.llm.remote:create_openai"),
        Backend("ollama", "ollama:MODEL", "rag.llm.remote:create_ollama"),
        Backend("extractive", "extractive", "rag.llm.extractive:create"),
    )
}


def backend_usage() -> str:
    """Every spec form, for help texts and errors.

    >>> backend_usage().endswith("ollama:MODEL or extractive")
    True
    """
    forms = [b.usage for b in BACKENDS.values()]
    return ", ".join(forms[:-1]) + " or " + forms[-1]


def load_llm(settings: Settings) -> LLM:
    """The backend named by ``settings.llm``; a :class:`ModelError` that says what to write when it is unknown."""
    prefix, _, name = settings.llm.strip().partition(":")
    backend = BACKENDS.get(prefix)
    if backend is None:
        raise ModelError(f"unknown LLM {settings.llm!r}: use {backend_usage()}")
    return backend.create(name, settings)
