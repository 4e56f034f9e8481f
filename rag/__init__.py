"""Document Q&A with citations a reader can check.

>>> from rag import Assistant
>>> answer = Assistant.open(llm="local:smollm2-135m").ask("Who founded DeepSeek?")  # doctest: +SKIP

Names are imported lazily so that ``rag --help`` stays fast.
"""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING, Any

# Offline and quiet everywhere: set before any hub-aware library loads, which is after this package.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

if TYPE_CHECKING:
    from rag.answer import Answer, Citation, Source, Timings
    from rag.assistant import Assistant
    from rag.calibration import Calibration
    from rag.config import RetrievalMode, Settings, Strictness
    from rag.documents import DocumentInfo
    from rag.errors import RagError
    from rag.ingest.indexing import IndexResult

__all__ = [
    "Answer",
    "Assistant",
    "Calibration",
    "Citation",
    "DocumentInfo",
    "IndexResult",
    "RagError",
    "RetrievalMode",
    "Settings",
    "Source",
    "Strictness",
    "Timings",
]

_HOMES = {
    "Answer": "rag.answer",
    "Citation": "rag.answer",
    "Source": "rag.answer",
    "Timings": "rag.answer",
    "Assistant": "rag.assistant",
    "Settings": "rag.config",
    "Strictness": "rag.config",
    "Calibration": "rag.calibration",
    "DocumentInfo": "rag.documents",
    "RagError": "rag.errors",
    "IndexResult": "rag.ingest.indexing",
    "RetrievalMode": "rag.retrieval",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'rag' has no attribute {name!r}")
