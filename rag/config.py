"""One settings object for the whole system.

Values come from, in rising priority: the defaults below, environment variables
``RAG_<FIELD>`` (e.g. ``RAG_LLM=local:smollm2-135m``), and explicit overrides
(CLI flags, keyword arguments)::

    settings = Settings.from_env(top_k=6)
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any


def _default_calibration_file() -> Path:
    """``~/.config/rag/calibrations.json``, or under ``$XDG_CONFIG_HOME/rag/`` when that is set."""
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "rag" / "calibrations.json"


class RetrievalMode(StrEnum):
    """How sources are found; each mode's rankings are listed in :data:`rag.retrieval.RANKERS`."""

    VECTOR = "vector"
    KEYWORD = "keyword"
    HYBRID = "hybrid"


class Strictness(StrEnum):
    """How sure the question check must be before an answer is shown (:mod:`rag.calibration` says what each
    level costs for a calibrated model). Ordered: each level refuses at least what the one before it refuses."""

    LENIENT = "lenient"
    BALANCED = "balanced"
    STRICT = "strict"

    @property
    def rank(self) -> int:
        """0 for lenient, 1 for balanced, 2 for strict.

        >>> Strictness.STRICT.rank > Strictness("balanced").rank
        True
        """
        return list(Strictness).index(self)


def _default_cache_dir() -> Path:
    """``~/.cache/rag``, or ``$XDG_CACHE_HOME/rag`` when that is set."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "rag"


@dataclass(frozen=True)
class Settings:
    """Every knob of the system; docs/configuration.md lists them all."""

    index_dir: Path = Path("index")
    """Where the embedded Chroma database lives."""
    collection: str = "default"
    """Chroma collection that holds one corpus."""
    chroma_url: str = ""
    """A Chroma server (``http://host:8000``) to use instead of the embedded database in ``index_dir``."""
    llm: str = "local:qwen2.5-1.5b"
    """LLM spec: ``local:<registry name>``, ``local:/path/to/model.gguf``, ``openai:MODEL@BASE_URL``,
    ``ollama:MODEL`` or ``extractive`` (see docs/models.md)."""
    openai_base_url: str = ""
    """The OpenAI-compatible server that ``openai_api_key`` belongs to; ``openai:MODEL`` (no ``@URL``) asks it."""
    openai_api_key: str = dataclasses.field(default="", repr=False)
    """Key sent as ``Authorization: Bearer``, only ever to ``openai_base_url``; empty sends none."""
    openai_options: str = ""
    """Extra fields of every request to an OpenAI-compatible server, as a JSON object: ``{"repeat_penalty": 1.0}``
    makes llama-cpp-python's server (whose default is 1.1) decode as the model does in process."""
    ollama_url: str = "http://127.0.0.1:11434"
    """Address of the Ollama server for ``ollama:`` backends."""
    llm_timeout: float = 120.0
    """Seconds to wait for a server to connect or send the next piece of an answer (remote backends),
    or for the local model while another question holds it."""
    top_k: int = 4
    """Number of sources retrieved and shown to the LLM (see ``pool_factor`` for excerpts from a wider pool)."""
    chunk_size: int = 1000
    """Target chunk length in characters (all-MiniLM-L6-v2 reads about 256 tokens)."""
    chunk_overlap: int = 200
    """Characters of trailing context repeated at the start of the next chunk."""
    retrieval: RetrievalMode = RetrievalMode.HYBRID
    """How sources are found: ``vector``, ``keyword`` (BM25) or ``hybrid`` (both, fused)."""
    min_score: float = 0.25
    """Best-source cosine similarity below which the assistant refuses without asking the LLM."""
    context_tokens: int = 240
    """Tokens of source text the LLM reads: the sentences that matter for the question, each with the one before
    it when it needs it (``0``: whole chunks, cut to the context window). Fewer tokens, sooner answers: measured in
    benchmarks/levers.py, quality in evals/README.md."""
    pool_factor: int = 3
    """The ``context_tokens`` of excerpts are chosen from ``pool_factor`` × ``top_k`` chunks, the first-ranked
    documents preferred; the sources shown and cited are then the ones an excerpt was chosen from (1: the ``top_k``
    chunks, each shown). Reading as many tokens, 3 finds more answers than 1: measured in evals/README.md,
    "Recall"."""
    contextual_chunks: bool = False
    """Embed and keyword-index each chunk after its document's title and its heading, so that a passage that says
    "it" is found by the title's words; takes effect on re-indexing (``rag status`` says when an index differs)."""
    max_tokens: int = 256
    """Upper bound on generated answer tokens."""
    context_window: int = 4096
    """LLM context window in tokens."""
    threads: int = 0
    """LLM threads; 0 means the number of physical cores."""
    verify_answers: bool = True
    """Ask the LLM whether a cited quote answers the question, and refuse when none does (see
    :mod:`rag.verification`); off, answers are marked as not checked."""
    strictness: Strictness = Strictness.BALANCED
    """How sure the question check must be: ``lenient``, ``balanced`` or ``strict``; the threshold comes from the
    model's calibration (``rag calibrate``), or a documented default for an uncalibrated model."""
    check_threshold: float | None = None
    """A P(yes) threshold for the question check that overrides the strictness and the calibration (for experiments;
    empty: unset)."""
    calibration_file: Path = dataclasses.field(default_factory=_default_calibration_file)
    """Where ``rag calibrate`` stores each model's calibration (the packaged models' ship with rag); see
    docs/calibration.md."""
    prompt_lookup: int = 0
    """Tokens a local model drafts from the prompt per step (prompt-lookup decoding; 0: plain decoding)."""
    cache_dir: Path = dataclasses.field(default_factory=_default_cache_dir)
    """Where joined model files and the embedding model's ONNX export are cached."""

    @classmethod
    def from_env(cls, **overrides: Any) -> Settings:
        """Defaults, then ``RAG_*`` environment variables, then non-None ``overrides``."""
        values: dict[str, Any] = {}
        for field in dataclasses.fields(cls):
            raw = os.environ.get(f"RAG_{field.name.upper()}")
            if raw is not None and raw != "":
                values[field.name] = raw
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**{k: _coerce(cls, k, v) for k, v in values.items()})

    def replace(self, **overrides: Any) -> Settings:
        """A copy with the non-None ``overrides`` applied."""
        changes = {k: _coerce(type(self), k, v) for k, v in overrides.items() if v is not None}
        return dataclasses.replace(self, **changes)


def _boolean(value: Any) -> bool:
    """``True``/``False``, or their spellings in an environment variable.

    >>> _boolean("off"), _boolean("1"), _boolean(False)
    (False, True, False)
    """
    if isinstance(value, bool):
        return value
    spelled = str(value).strip().lower()
    if spelled not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
        raise ValueError(value)
    return spelled in ("1", "true", "yes", "on")


def _coerce(cls: type[Settings], name: str, value: Any) -> Any:
    fields = {f.name: f for f in dataclasses.fields(cls)}
    if name not in fields:
        raise TypeError(f"unknown setting {name!r}; known: {', '.join(sorted(fields))}")
    kind = fields[name].type
    try:
        if kind == "Path":
            return Path(value).expanduser()
        if kind == "int":
            return int(value)
        if kind == "float":
            return float(value)
        if kind == "float | None":
            return None if value is None or str(value).strip() == "" else float(value)
        if kind == "RetrievalMode":
            return RetrievalMode(value)
        if kind == "Strictness":
            return Strictness(str(value).strip().lower())
        if kind == "bool":
            return _boolean(value)
    except ValueError as exc:
        raise ValueError(f"setting {name}: {value!r} is not a valid {kind}") from exc
    return str(value)
