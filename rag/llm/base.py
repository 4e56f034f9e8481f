"""The interface every LLM backend implements, and the chat message it reads."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from rag.answer import Source

Message = dict[str, str]
"""A chat message: ``{"role": "system" | "user" | "assistant", "content": ...}``."""


class LLM(Protocol):
    """What the assistant needs of a backend."""

    name: str

    def stream_chat(
        self, messages: Sequence[Message], max_tokens: int, *, question: str = "", sources: Sequence[Source] = ()
    ) -> Iterator[str]:
        """Yield the reply to ``messages`` piece by piece.

        ``question`` (a follow-up joined with the turn it refers to) and ``sources`` are what
        ``messages`` was built from, for backends that answer without a model; model backends
        ignore them. Failures raise :class:`~rag.errors.ModelError`.
        """
        ...

    def count_tokens(self, text: str) -> int:
        """Number of tokens ``text`` takes in the prompt (an estimate when the tokenizer is remote)."""
        ...


def approx_tokens(text: str) -> int:
    """A cautious token count for tokenizers we cannot run: one token per 3 characters.

    >>> approx_tokens("DeepSeek has 140 people.")
    8
    """
    return (len(text) + 2) // 3
