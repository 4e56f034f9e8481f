"""What each threshold of the question check costs, per model, and the threshold a strictness level picks.

The question check (:mod:`rag.verification`) shows an answer only when the model's P(yes) that a cited quote answers
the question reaches a threshold. Where that threshold should sit depends on the model: ``rag calibrate`` drafts and
checks a labelled set once (answerable and unanswerable questions), keeps every P(yes), and computes for each
threshold of :data:`GRID` what a user would see (:func:`trade_offs`): the answerable questions answered with an
acceptable answer, the unanswerable ones refused, and the wrong answers shown per 100 questions. A strictness level
picks its threshold from that table by a stated target (:func:`choose`).

Calibrations are kept in one readable JSON file (``Settings.calibration_file``, by default
``~/.config/rag/calibrations.json``), keyed by the model: ``sha256:HEX`` of a GGUF file, ``openai:MODEL@URL`` or
``ollama:MODEL@URL`` for a server (:func:`model_key`). The packaged default model's calibration ships with rag
(``rag/calibrations.json``); the user's file overrides it. An uncalibrated model uses :data:`DEFAULT_THRESHOLDS`.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.config import Settings, Strictness
from rag.errors import RagError

log = logging.getLogger(__name__)

GRID = tuple(round(i * 0.05, 2) for i in range(20))
"""The thresholds of the trade-off table: 0.0, 0.05, ..., 0.95."""
DEFAULT_THRESHOLDS = {Strictness.LENIENT: 0.3, Strictness.BALANCED: 0.5, Strictness.STRICT: 0.7}
"""The thresholds of an uncalibrated model: P(yes) is a probability, so 0.5 is "more yes than no"."""
STRICT_WRONG_PER_100_UNANSWERABLE = 5.0
"""Strict: at most this many of 100 unanswerable calibration questions get an answer."""
LENIENT_KEEPS = 0.95
"""Lenient: keeps at least this share of the acceptable answers that the model gives with no check."""
SHIPPED = Path(__file__).with_name("calibrations.json")
"""The calibrations that ship with rag (the packaged default model's)."""


@dataclass(frozen=True)
class Outcome:
    """One calibration question: was it answerable, would the answer shown hold an acceptable answer, and the
    check's P(yes) with what it had to reach beyond the threshold."""

    answerable: bool
    right: bool
    """The answer text holds an acceptable answer (always False for an unanswerable question)."""
    p_yes: float | None
    """None: refused before the check (no source close enough, nothing the sources support)."""
    margin: float = 0.0
    """How much more than the threshold P(yes) had to be (a declined question answered from the sources)."""

    def shown(self, threshold: float) -> bool:
        """Whether the answer is shown at ``threshold``."""
        return self.p_yes is not None and self.p_yes >= threshold + self.margin


@dataclass(frozen=True)
class TradeOff:
    """What a user sees at one threshold."""

    threshold: float
    contains: float
    """Share of the answerable questions answered with an acceptable answer."""
    unanswerable_refused: float
    """Share of the unanswerable questions refused."""
    wrong_per_100: float
    """Answers shown that hold no acceptable answer (every answer to an unanswerable question), per 100 questions."""


def trade_offs(outcomes: Sequence[Outcome], grid: Sequence[float] = GRID) -> list[TradeOff]:
    """The trade-off table of ``outcomes``, one row per threshold of ``grid``.

    >>> rows = trade_offs([Outcome(True, True, 0.8), Outcome(False, False, 0.4)], [0.0, 0.5])
    >>> [(r.threshold, r.contains, r.unanswerable_refused, r.wrong_per_100) for r in rows]
    [(0.0, 1.0, 0.0, 50.0), (0.5, 1.0, 1.0, 0.0)]
    """
    answerable = [o for o in outcomes if o.answerable]
    unanswerable = [o for o in outcomes if not o.answerable]
    if not answerable or not unanswerable:
        raise RagError("a calibration set needs answerable and unanswerable questions (SQuAD 2.0 style)")
    rows = []
    for t in grid:
        right = sum(o.shown(t) and o.right for o in answerable)
        refused = sum(not o.shown(t) for o in unanswerable)
        wrong = sum(o.shown(t) and not o.right for o in outcomes)
        rows.append(
            TradeOff(
                t,
                round(right / len(answerable), 4),
                round(refused / len(unanswerable), 4),
                round(100 * wrong / len(outcomes), 2),
            )
        )
    return rows


def choose(rows: Sequence[TradeOff]) -> dict[Strictness, float]:
    """Each level's threshold from the table ``rows`` (ascending thresholds), by its target:

    - ``balanced``: the most right outcomes, answerable contains plus unanswerable refused (the lowest such threshold);
    - ``strict``: the lowest threshold at which at most :data:`STRICT_WRONG_PER_100_UNANSWERABLE` of 100 unanswerable
      questions get an answer (the highest threshold when none does), and never below balanced;
    - ``lenient``: the highest threshold that keeps :data:`LENIENT_KEEPS` of the acceptable answers given with no
      check (the table's first row), and never above balanced.

    >>> rows = [TradeOff(0.0, 0.7, 0.2, 0), TradeOff(0.5, 0.68, 0.7, 0), TradeOff(0.9, 0.3, 0.97, 0)]
    >>> {level.value: t for level, t in choose(rows).items()}
    {'lenient': 0.5, 'balanced': 0.5, 'strict': 0.9}
    """
    balanced = max(rows, key=lambda r: (r.contains + r.unanswerable_refused, -r.threshold)).threshold
    safe = [r.threshold for r in rows if 100 * (1 - r.unanswerable_refused) <= STRICT_WRONG_PER_100_UNANSWERABLE]
    strict = max(min(safe, default=rows[-1].threshold), balanced)
    keeps = [r.threshold for r in rows if r.contains >= LENIENT_KEEPS * rows[0].contains]
    lenient = min(max(keeps, default=rows[0].threshold), balanced)
    return {Strictness.LENIENT: lenient, Strictness.BALANCED: balanced, Strictness.STRICT: strict}


@dataclass(frozen=True)
class Calibration:
    """One model's calibration, as stored in the calibration file."""

    key: str
    """:func:`model_key` of the model."""
    model: str
    """The ``--llm`` spec it was made with."""
    check: str
    """``logprobs`` (P(yes) from the model's probabilities) or ``coarse`` (its generated yes or no)."""
    dataset: str
    """The labelled set and sample: ``squad2-dev (200 questions, seed 13)``."""
    date: str
    thresholds: dict[str, float]
    """Each :class:`Strictness` value's threshold."""
    table: list[TradeOff]

    def threshold(self, strictness: Strictness) -> float:
        """The threshold of ``strictness``."""
        return self.thresholds[strictness.value]

    def row(self, threshold: float) -> TradeOff:
        """The table's row nearest ``threshold``."""
        return min(self.table, key=lambda r: abs(r.threshold - threshold))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Calibration:
        """From :meth:`to_dict` data; KeyError or TypeError for other data."""
        table = [TradeOff(**row) for row in data["table"]]
        return cls(**{**data, "table": table, "thresholds": {k: float(v) for k, v in data["thresholds"].items()}})


@dataclass(frozen=True)
class CheckSetting:
    """The threshold an assistant checks answers with, and where it comes from."""

    threshold: float
    strictness: Strictness
    calibration: Calibration | None
    """None: the model is uncalibrated, or ``check_threshold`` overrides it."""
    overridden: bool = False

    def describe(self) -> str:
        """One line for ``rag status`` and the server's start: the threshold and what it costs.

        >>> CheckSetting(0.5, Strictness.BALANCED, None).describe()
        'strictness balanced: threshold 0.50 (uncalibrated: the default; run rag calibrate)'
        """
        head = f"strictness {self.strictness.value}: threshold {self.threshold:.2f}"
        if self.overridden:
            return f"{head} (set by check_threshold)"
        if self.calibration is None:
            return f"{head} (uncalibrated: the default; run rag calibrate)"
        row, cal = self.calibration.row(self.threshold), self.calibration
        return (
            f"{head} (calibrated on {cal.dataset}, {cal.date}: contains {row.contains:.2f}, unanswerable refused "
            f"{row.unanswerable_refused:.2f}, {row.wrong_per_100:g} wrong answers per 100 questions)"
        )

    def to_dict(self) -> dict[str, Any]:
        """For ``/v1/models`` and ``rag status --json``: threshold, strictness, and the calibration or
        ``"uncalibrated"``."""
        calibration: Any = "uncalibrated"
        if self.calibration is not None:
            row = self.calibration.row(self.threshold)
            calibration = {
                "set": self.calibration.dataset,
                "date": self.calibration.date,
                "check": self.calibration.check,
                "contains": row.contains,
                "unanswerable_refused": row.unanswerable_refused,
                "wrong_per_100": row.wrong_per_100,
            }
        return {"strictness": self.strictness.value, "threshold": self.threshold, "calibration": calibration}


def warn_if_uncalibrated(spec: str, setting: CheckSetting) -> None:
    """Log, once per model and threshold in a process, that ``spec`` checks answers at the uncalibrated default."""
    if setting.calibration is None and not setting.overridden:
        _warn(spec, setting.threshold)


@functools.cache
def _warn(spec: str, threshold: float) -> None:
    log.warning(
        "%s is uncalibrated: its answers are checked at the default threshold %.2f; run: rag calibrate --llm %s",
        spec,
        threshold,
        spec,
    )


def model_key(settings: Settings) -> str | None:
    """What a calibration is stored under for ``settings.llm``: ``sha256:HEX`` of a local GGUF file,
    ``openai:MODEL@URL`` or ``ollama:MODEL@URL`` for a server; None for ``extractive`` (no model to check with).

    >>> model_key(Settings(llm="ollama:qwen2.5:7b"))
    'ollama:qwen2.5:7b@http://127.0.0.1:11434'
    >>> model_key(Settings(llm="local:qwen2.5-1.5b"))[:14]
    'sha256:cc324af'
    """
    prefix, _, name = settings.llm.strip().partition(":")
    if prefix == "local":
        from rag.llm.local import REGISTRY, model_path

        if name in REGISTRY:
            return f"sha256:{REGISTRY[name].sha256}"
        path = model_path(name, settings.cache_dir)
        stat = path.stat()
        return f"sha256:{_file_sha256(str(path.resolve()), stat.st_size, stat.st_mtime_ns)}"
    if prefix == "openai":
        from rag.llm.remote import OpenAILLM

        server = OpenAILLM.from_spec(name, settings)
        return f"openai:{server.model}@{server.url.removesuffix('/chat/completions')}"
    if prefix == "ollama":
        return f"ollama:{name}@{settings.ollama_url.rstrip('/')}"
    return None


@functools.lru_cache(maxsize=8)
def _file_sha256(path: str, size: int, mtime_ns: int) -> str:
    """The file's sha256, computed once per process for each (path, size, modification time)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise RagError(
            f"{path}: not a readable calibration file ({exc}); fix it, or remove it and calibrate again"
        ) from exc
    if not isinstance(data, dict):
        raise RagError(f"{path}: not a calibration file (expected a JSON object of models)")
    return data


def load(key: str, path: Path) -> Calibration | None:
    """The calibration stored under ``key`` in ``path``, else the one shipped with rag, else None."""
    for source in (path, SHIPPED):
        data = _read(source).get(key)
        if data is not None:
            try:
                return Calibration.from_dict(data)
            except (KeyError, TypeError, ValueError) as exc:
                raise RagError(
                    f"{source}: the calibration of {key} is damaged ({exc}); run rag calibrate again"
                ) from exc
    return None


def save(calibration: Calibration, path: Path) -> None:
    """Store ``calibration`` in ``path`` (replacing the model's earlier one), atomically."""
    data = _read(path)
    data[calibration.key] = calibration.to_dict()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".partial-{os.getpid()}")
    partial.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    partial.replace(path)


def check_setting(settings: Settings) -> CheckSetting:
    """The threshold for ``settings``: ``check_threshold`` when set, else the strictness's threshold in the model's
    calibration, else the uncalibrated default."""
    strictness = settings.strictness
    if settings.check_threshold is not None:
        return CheckSetting(settings.check_threshold, strictness, None, overridden=True)
    key = model_key(settings)
    calibration = load(key, settings.calibration_file) if key else None
    if calibration is None:
        return CheckSetting(DEFAULT_THRESHOLDS[strictness], strictness, None)
    return CheckSetting(calibration.threshold(strictness), strictness, calibration)
