"""Running an evaluation set through the assistant, and the report it writes.

Results go to ``evals/reports/NAME-TIMESTAMP.json`` and ``.html`` (:func:`write_report`);
``--min METRIC=VALUE`` thresholds turn a run into a regression gate (:func:`failed_thresholds`),
``--compare`` lines a run up against an earlier one (:func:`compare_metrics`).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag.evaluation.cases import EvalCase
from rag.evaluation.scoring import CaseResult, lower_is_better, score_case

if TYPE_CHECKING:
    from rag.assistant import Assistant

DEFAULT_OUT_DIR = Path("evals/reports")


@dataclass(frozen=True)
class EvalReport:
    """A whole evaluation run: configuration, aggregate metrics and per-question results."""

    name: str
    created: str
    """Local time, ISO format, seconds."""
    config: dict[str, Any]
    metrics: dict[str, float]
    results: list[CaseResult] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data."""
        return dataclasses.asdict(self)


def evaluate(
    assistant: Assistant,
    cases: Sequence[EvalCase],
    retrieval_only: bool = False,
    on_result: Callable[[int, CaseResult], None] | None = None,
) -> list[CaseResult]:
    """Ask (or, with ``retrieval_only``, only retrieve for) every case and score it.

    What the model reads is recorded from its prompt (:attr:`rag.assistant.Assistant.on_prompt`), at no extra
    model call; retrieval-only runs score the prompt it would read (:meth:`rag.assistant.Assistant.read`, tokens
    estimated by :func:`rag.llm.base.approx_tokens`), latency being the retrieval's alone."""
    from rag.prompt import documents_read, standalone_query

    prompts: list[str] = []
    assistant.on_prompt = lambda messages: prompts.append(documents_read(messages))
    results = []
    for number, case in enumerate(cases, start=1):
        if retrieval_only:
            started = time.perf_counter()
            sources = assistant.retrieve(standalone_query(case.question, case.history))
            latency = time.perf_counter() - started
            shown, messages = assistant.read(case.question, case.history)
            result = score_case(case, sources, None, latency, (shown, documents_read(messages)))
        else:
            prompts.clear()
            answer = assistant.ask(case.question, history=list(case.history))
            # No prompt: refused before the model was asked, having read nothing.
            read = (answer.sources, prompts[-1]) if prompts else ([], "")
            result = score_case(case, answer.sources, answer, answer.timings.total, read)
        results.append(result)
        if on_result:
            on_result(number, result)
    return results


@dataclass(frozen=True)
class MetricChange:
    """One metric in an old and a new report (None where it is missing)."""

    name: str
    old: float | None
    new: float | None

    @property
    def delta(self) -> float | None:
        """new - old, when both exist."""
        return None if self.old is None or self.new is None else round(self.new - self.old, 4)

    @property
    def better(self) -> bool | None:
        """Whether the change is an improvement (latency, hijack rates: lower is better); None if unknown."""
        if not self.delta:
            return None
        return (self.delta < 0) if lower_is_better(self.name) else (self.delta > 0)


def compare_metrics(old: dict[str, float], new: dict[str, float]) -> list[MetricChange]:
    """Every metric of either report, in the new report's order, then metrics only the old one had."""
    names = list(new) + [name for name in old if name not in new]
    return [MetricChange(name, old.get(name), new.get(name)) for name in names]


def parse_threshold(text: str) -> tuple[str, float]:
    """``"hit@5=0.8"`` -> ``("hit@5", 0.8)``, for ``--min``."""
    name, sep, value = text.rpartition("=")
    try:
        if not sep or not name:
            raise ValueError
        return name.strip(), float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected METRIC=VALUE, e.g. hit@5=0.8, not {text!r}") from None


def failed_thresholds(
    values: dict[str, float], minimums: dict[str, float], maximums: dict[str, float] | None = None
) -> list[str]:
    """The thresholds a run misses (below a minimum, above a maximum); a metric the run lacks counts as missed."""
    failures = []
    bounds = [(name, limit, True) for name, limit in minimums.items()]
    bounds += [(name, limit, False) for name, limit in (maximums or {}).items()]
    for name, limit, is_minimum in bounds:
        if name not in values:
            failures.append(f"{name}: missing (run has {', '.join(values)})")
        elif is_minimum and values[name] < limit:
            failures.append(f"{name}: {values[name]:.4f} < {limit}")
        elif not is_minimum and values[name] > limit:
            failures.append(f"{name}: {values[name]:.4f} > {limit}")
    return failures


def write_report(report: EvalReport, out_dir: str | os.PathLike[str]) -> tuple[Path, Path]:
    """Write ``NAME-TIMESTAMP.json`` and ``.html`` into ``out_dir``; return both paths."""
    from rag.evaluation.html import render_html

    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{report.name}-{report.created.replace(':', '').replace('-', '').replace('T', '-')}"
    data = report.to_dict()
    json_path, html_path = folder / f"{stem}.json", folder / f"{stem}.html"
    json_path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    html_path.write_text(render_html(data), encoding="utf-8")
    return json_path, html_path


def read_metrics(path: str | os.PathLike[str]) -> tuple[str, dict[str, float]]:
    """The name and metrics of an earlier JSON report, for ``--compare``."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return str(data.get("name", path)), dict(data["metrics"])
    except (OSError, ValueError, KeyError, AttributeError) as exc:
        raise ValueError(f"--compare {path}: not a readable rag eval report ({exc})") from exc
