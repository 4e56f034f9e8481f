"""Document Q&A with citations a reader can check.

>>> from rag import Assistant
>>> answer = Assistant.open(llm="local:smollm2-135m").ask("Who founded DeepSeek?")  # doctest: +SKIP

Names are imported lazily so that ``rag --help`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rag.answer import Answer, Citation, Source, Timings
    from rag.assistant import Assistant
    from rag.config import Settings
    from rag.errors import RagError

__all__ = ["Answer", "Assistant", "Citation", "RagError", "Settings", "Source", "Timings"]

_HOMES = {
    "Answer": "rag.answer",
    "Citation": "rag.answer",
    "Source": "rag.answer",
    "Timings": "rag.answer",
    "Assistant": "rag.assistant",
    "Settings": "rag.config",
    "RagError": "rag.errors",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'rag' has no attribute {name!r}")
