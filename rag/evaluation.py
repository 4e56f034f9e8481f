"""The evaluation harness: ``rag eval FILE.jsonl`` asks a question set and scores the answers.

Each line of the question file is one JSON object::

    {"id": "s01", "question": "How many people are on DeepSeek's team?",
     "answers": ["140", "around 140"], "answerable": true,
     "gold_sources": ["000_959d6777a251aa29.txt"], "history": [["earlier question", "earlier answer"]]}

Scores are deterministic (see :mod:`rag.metrics`); results go to the terminal and to
``evals/reports/NAME-TIMESTAMP.json`` and ``.html``. ``--min METRIC=VALUE`` turns the run
into a regression gate: the command exits 1 when a metric falls below its threshold.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag import metrics
from rag.answer import Citation
from rag.config import Settings

if TYPE_CHECKING:
    from rag.answer import Answer, Source
    from rag.assistant import Assistant

RETRIEVAL_METRICS = ("hit@1", "hit@5", "mrr", "ndcg@10")
ANSWER_METRICS = ("exact_match", "f1", "contains")
RATE_METRICS = (
    *RETRIEVAL_METRICS,
    *ANSWER_METRICS,
    "citation_precision",
    "citation_recall",
    "refusal_accuracy",
    "answerable_answered",
    "unanswerable_refused",
)
"""Metrics between 0 and 1, higher is better."""
LATENCY_METRICS = ("latency_p50", "latency_p95")
"""Seconds per question (``timings.total``), lower is better."""
RETRIEVAL_ONLY_TOP_K = 10
"""Sources retrieved in ``--retrieval-only`` mode unless ``--top-k`` is given, so nDCG@10 sees 10 ranks."""
DEFAULT_OUT_DIR = Path("evals/reports")


@dataclass(frozen=True)
class EvalCase:
    """One question of an evaluation set."""

    id: str
    question: str
    answers: tuple[str, ...] = ()
    """Acceptable answers; empty when only refusal and retrieval are scored."""
    answerable: bool = True
    gold_sources: tuple[str, ...] = ()
    """Files that answer the question, matched by trailing path components (e.g. a file name)."""
    history: tuple[tuple[str, str], ...] = ()
    """Earlier (question, answer) turns for a follow-up question."""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EvalCase:
        """Validate one JSON object of a question file."""
        unknown = set(data) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise ValueError(f"unknown keys {sorted(unknown)}")
        if not isinstance(data.get("id"), str | int) or not str(data.get("question", "")).strip():
            raise ValueError("'id' and a non-empty 'question' are required")
        if not isinstance(data.get("answerable", True), bool):
            raise ValueError("'answerable' must be true or false")
        history = data.get("history") or []
        if not all(isinstance(t, list | tuple) and len(t) == 2 for t in history):
            raise ValueError("'history' must be a list of [question, answer] pairs")
        return cls(
            id=str(data["id"]),
            question=str(data["question"]).strip(),
            answers=tuple(str(a) for a in data.get("answers") or ()),
            answerable=data.get("answerable", True),
            gold_sources=tuple(str(g) for g in data.get("gold_sources") or ()),
            history=tuple((str(q), str(a)) for q, a in history),
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data, the inverse of :meth:`from_dict`."""
        data: dict[str, Any] = {
            "id": self.id,
            "question": self.question,
            "answers": list(self.answers),
            "answerable": self.answerable,
        }
        if self.gold_sources:
            data["gold_sources"] = list(self.gold_sources)
        if self.history:
            data["history"] = [list(turn) for turn in self.history]
        return data


def load_cases(path: str | os.PathLike[str]) -> list[EvalCase]:
    """Read a question file (JSON lines); errors name the line."""
    cases: list[EvalCase] = []
    seen: set[str] = set()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read question file {path}: {exc}") from exc
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            case = EvalCase.from_dict(json.loads(line))
        except (ValueError, TypeError) as exc:  # json.JSONDecodeError is a ValueError
            raise ValueError(f"{path}, line {number}: {exc}") from exc
        if case.id in seen:
            raise ValueError(f"{path}, line {number}: duplicate id {case.id!r}")
        seen.add(case.id)
        cases.append(case)
    if not cases:
        raise ValueError(f"{path}: no questions")
    return cases


def write_cases(cases: Sequence[EvalCase], path: str | os.PathLike[str]) -> None:
    """Write a question file that :func:`load_cases` reads back."""
    lines = [json.dumps(case.to_dict(), ensure_ascii=False) for case in cases]
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


@dataclass(frozen=True)
class RetrievedSource:
    """A source the question retrieved, and whether it comes from a gold file."""

    n: int
    path: str
    start: int
    end: int
    score: float
    gold: bool


@dataclass(frozen=True)
class CheckedCitation(Citation):
    """A citation of the answer and whether it counts as correct (:func:`rag.metrics.citation_ok`)."""

    ok: bool = False


@dataclass(frozen=True)
class CaseResult:
    """What happened to one question, its per-question scores and what went wrong."""

    case: EvalCase
    answer: str | None
    """The answer text with ``[n]`` markers; None in retrieval-only mode."""
    refused: bool | None
    sources: list[RetrievedSource]
    citations: list[CheckedCitation]
    gold_rank: int | None
    """Rank of the first source from a gold file, None if none was retrieved."""
    scores: dict[str, float]
    """The per-question metrics that apply to this question."""
    problems: list[str]
    latency: float


@dataclass(frozen=True)
class Report:
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


def score_case(case: EvalCase, sources: Sequence[Source], answer: Answer | None, latency: float) -> CaseResult:
    """Score one question from its retrieved sources and (unless retrieval-only) its answer."""
    gold = case.gold_sources
    paths = [s.chunk.path for s in sources]
    retrieved = [
        RetrievedSource(s.n, s.chunk.path, s.chunk.start, s.chunk.end, s.score, metrics.is_gold(s.chunk.path, gold))
        for s in sources
    ]
    scores: dict[str, float] = {}
    problems: list[str] = []
    rank = metrics.first_gold_rank(paths, gold) if gold else None
    if gold:
        scores.update(
            {
                "hit@1": metrics.hit_at_k(paths, gold, 1),
                "hit@5": metrics.hit_at_k(paths, gold, 5),
                "mrr": metrics.reciprocal_rank(paths, gold),
                "ndcg@10": metrics.ndcg_at_k(paths, gold, 10),
            }
        )
        if rank is None:
            problems.append(f"no gold source among the {len(paths)} retrieved")
        elif rank > 1:
            problems.append(f"first gold source at rank {rank}")
    if answer is None:
        return CaseResult(case, None, None, retrieved, [], rank, scores, problems, round(latency, 3))

    checked = [
        CheckedCitation(**dataclasses.asdict(c), ok=metrics.citation_ok(c.path, c.score, gold))
        for c in answer.citations
    ]
    prediction = "" if answer.refused else metrics.strip_markers(answer.text)
    scores["refusal_correct"] = float(metrics.refusal_correct(answer.refused, case.answerable))
    if case.answerable and case.answers:
        scores["exact_match"] = metrics.exact_match(prediction, case.answers)
        scores["f1"] = metrics.token_f1(prediction, case.answers)
        scores["contains"] = metrics.contains_answer(prediction, case.answers)
    if case.answerable and gold:
        scores["cites_gold"] = float(metrics.cites_gold([c.path for c in checked], gold))

    if case.answerable and answer.refused:
        problems.append("refused an answerable question")
    elif not case.answerable and not answer.refused:
        problems.append("answered an unanswerable question")
    if not answer.refused:
        if scores.get("contains") == 0.0:
            problems.append("no acceptable answer in the text")
        if not checked:
            problems.append("no citations")
        elif scores.get("cites_gold") == 0.0:
            problems.append("no citation of a gold source")
        for c in checked:
            if c.score < metrics.MIN_CITATION_SUPPORT:
                problems.append(f"[{c.n}] quote supports only {c.score:.0%} of its sentence")
            elif not c.ok:
                problems.append(f"[{c.n}] cites {Path(c.path).name}, not a gold source")
    return CaseResult(case, answer.text, answer.refused, retrieved, checked, rank, scores, problems, round(latency, 3))


def aggregate(results: Sequence[CaseResult]) -> dict[str, float]:
    """The run's metrics: means of the per-question scores, citation precision over all
    citations, refusal rates, and latency percentiles. Metrics that apply to no question are left out."""

    def mean_of(key: str, keep: Callable[[CaseResult], bool] = lambda r: True) -> float | None:
        values = [r.scores[key] for r in results if key in r.scores and keep(r)]
        return metrics.mean(values) if values else None

    answered = [r for r in results if r.answer is not None]
    values: dict[str, float | None] = {name: mean_of(name) for name in (*RETRIEVAL_METRICS, *ANSWER_METRICS)}
    if answered:
        values["citation_precision"] = metrics.mean([float(c.ok) for r in answered for c in r.citations])
        values["citation_recall"] = mean_of("cites_gold")
        values["refusal_accuracy"] = mean_of("refusal_correct")
        values["answerable_answered"] = mean_of("refusal_correct", lambda r: r.case.answerable)
        values["unanswerable_refused"] = mean_of("refusal_correct", lambda r: not r.case.answerable)
    latencies = [r.latency for r in results]
    values["latency_p50"] = metrics.percentile(latencies, 50)
    values["latency_p95"] = metrics.percentile(latencies, 95)
    return {name: round(value, 4) for name, value in values.items() if value is not None}


def evaluate(
    assistant: Assistant,
    cases: Sequence[EvalCase],
    retrieval_only: bool = False,
    on_result: Callable[[int, CaseResult], None] | None = None,
) -> list[CaseResult]:
    """Ask (or, with ``retrieval_only``, only retrieve for) every case and score it."""
    from rag.assistant import standalone_query

    results = []
    for number, case in enumerate(cases, start=1):
        if retrieval_only:
            started = time.perf_counter()
            sources = assistant.retrieve(standalone_query(case.question, case.history))
            result = score_case(case, sources, None, time.perf_counter() - started)
        else:
            answer = assistant.ask(case.question, history=list(case.history))
            result = score_case(case, answer.sources, answer, answer.timings.total)
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
        """Whether the change is an improvement (latency: lower is better); None if unchanged or unknown."""
        if not self.delta:
            return None
        return (self.delta < 0) if self.name in LATENCY_METRICS else (self.delta > 0)


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


def failed_thresholds(values: dict[str, float], minimums: dict[str, float]) -> list[str]:
    """The thresholds a run misses; a metric the run lacks counts as missed."""
    failures = []
    for name, minimum in minimums.items():
        if name not in values:
            failures.append(f"{name}: missing (run has {', '.join(values)})")
        elif values[name] < minimum:
            failures.append(f"{name}: {values[name]:.4f} < {minimum}")
    return failures


def write_report(report: Report, out_dir: str | os.PathLike[str]) -> tuple[Path, Path]:
    """Write ``NAME-TIMESTAMP.json`` and ``.html`` into ``out_dir``; return both paths."""
    from rag.report import render_html

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


def add_eval_parser(commands: Any, parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Add the ``eval`` sub-command to ``commands`` (argparse sub-parsers) and return its parser."""
    description = "Score answers, citations, refusals and retrieval on a question set (JSON lines)."
    parser: argparse.ArgumentParser = commands.add_parser(
        "eval",
        help=description,
        description=description,
        parents=parents,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="example:\n  rag index seeds && rag eval evals/seeds.jsonl --llm local:qwen2.5-1.5b\n"
        "  rag eval cmu-s08 --retrieval-only --min hit@5=0.6\n"
        "  rag eval evals/seeds.jsonl --compare evals/reports/seeds-20250101-120000.json",
    )
    parser.add_argument("file", metavar="FILE", help="question file (.jsonl), or cmu-s08 to build and index that set")
    parser.add_argument(
        "--all-modes",
        action="store_true",
        help="run vector, keyword and hybrid retrieval one after another and print them side by side",
    )
    parser.add_argument(
        "--retrieval-only",
        action="store_true",
        help=f"no LLM: score retrieval only (top-k {RETRIEVAL_ONLY_TOP_K} unless --top-k)",
    )
    parser.add_argument("--compare", metavar="OLD.json", help="print each metric's change against an earlier report")
    parser.add_argument(
        "--min",
        metavar="METRIC=VALUE",
        type=parse_threshold,
        action="append",
        default=[],
        help="exit 1 when METRIC is below VALUE (repeatable), e.g. --min hit@5=0.8",
    )
    parser.add_argument("--name", help="report name (default: the question file's name)")
    parser.add_argument("--out-dir", default=str(DEFAULT_OUT_DIR), help=f"report folder (default: {DEFAULT_OUT_DIR})")
    parser.add_argument("--limit", type=int, help="only the first N questions")
    parser.add_argument("--cmu-dir", help="CMU Q/A dataset folder for cmu-s08 (env RAG_CMU_DIR)")
    return parser


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    """Run ``rag eval``; returns 1 when a ``--min`` threshold is missed."""
    from rich.console import Console

    from rag.assistant import Assistant

    console = Console()
    dataset = Path(args.file)
    if args.file == "cmu-s08" and not dataset.exists():
        from rag.datasets import CMU_S08_COLLECTION, default_cmu_dir, prepare_cmu_s08

        if getattr(args, "collection", None) is None:
            settings = settings.replace(collection=CMU_S08_COLLECTION)
        dataset = Path("evals/cmu-s08.jsonl")
        cmu_dir = Path(args.cmu_dir) if args.cmu_dir else default_cmu_dir()
        index_report = prepare_cmu_s08(Assistant.open(settings=settings), cmu_dir, dataset)
        print(f"cmu-s08: {dataset} written; {index_report.summary()}", file=sys.stderr)
    if args.retrieval_only and getattr(args, "top_k", None) is None:
        settings = settings.replace(top_k=RETRIEVAL_ONLY_TOP_K)
    cases = load_cases(dataset)[: args.limit]
    earlier = read_metrics(args.compare) if args.compare else None  # fail before the long run, not after
    modes = ["vector", "keyword", "hybrid"] if args.all_modes else [settings.retrieval]
    reports = [_run(replace(settings, retrieval=mode), dataset, cases, args, console) for mode in modes]
    report = reports[-1]
    if len(reports) > 1:
        print_side_by_side(reports, console)
    if earlier:
        print_comparison(compare_metrics(earlier[1], report.metrics), console, earlier[0])
    failures = failed_thresholds(report.metrics, dict(args.min))
    for failure in failures:
        print(f"rag eval: below threshold: {failure}", file=sys.stderr)
    return 1 if failures else 0


def _run(
    settings: Settings, dataset: Path, cases: Sequence[EvalCase], args: argparse.Namespace, console: Any
) -> Report:
    """Evaluate ``cases`` with ``settings``, write the reports and print the metrics."""
    from rag.assistant import Assistant

    def progress(number: int, result: CaseResult) -> None:
        if not args.retrieval_only:
            status = "; ".join(result.problems) or "ok"
            print(f"[{number}/{len(cases)}] {result.case.id} {result.latency:.1f}s {status}", file=sys.stderr)

    results = evaluate(Assistant.open(settings=settings), cases, args.retrieval_only, progress)
    config = {
        "dataset": str(dataset),
        "questions": len(results),
        "collection": settings.collection,
        "index_dir": str(settings.index_dir),
        "llm": None if args.retrieval_only else settings.llm,
        "top_k": settings.top_k,
        "retrieval": settings.retrieval,
        "retrieval_only": bool(args.retrieval_only),
    }
    name = (args.name or dataset.stem) + (f"-{settings.retrieval}" if args.all_modes else "")
    report = Report(name, datetime.now().isoformat(timespec="seconds"), config, aggregate(results), results)
    json_path, html_path = write_report(report, args.out_dir)
    print_metrics(report, console)
    console.print(f"report: {json_path}\nreport: {html_path}", soft_wrap=True)
    return report


def print_side_by_side(reports: Sequence[Report], console: Any) -> None:
    """One column per retrieval mode, so a reader sees what each mode buys."""
    from rich.table import Table

    table = Table(title="retrieval modes side by side")
    table.add_column("metric")
    for report in reports:
        table.add_column(str(report.config["retrieval"]), justify="right")
    for name in reports[-1].metrics:
        values = [r.metrics.get(name) for r in reports]
        unit = "s" if name in LATENCY_METRICS else ""
        table.add_row(name, *("-" if v is None else f"{v:.3f}{unit}" for v in values))
    console.print(table)


def print_metrics(report: Report, console: Any) -> None:
    """The metrics as a terminal table."""
    from rich.table import Table

    config = report.config
    model = "retrieval only" if config.get("retrieval_only") else config.get("llm")
    console.print(
        f"{report.name}: {config.get('questions')} questions, {model}, "
        f"{config.get('retrieval')} retrieval, top-{config.get('top_k')}"
    )
    table = Table()
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name, value in report.metrics.items():
        table.add_row(name, f"{value:.2f}s" if name in LATENCY_METRICS else f"{value:.3f}")
    console.print(table)
    troubled = sum(1 for r in report.results if r.problems)
    console.print(f"{troubled} of {len(report.results)} questions with problems (see the HTML report)")


def print_comparison(changes: Sequence[MetricChange], console: Any, old_name: str) -> None:
    """Each metric's old and new value and the change, green when better, red when worse."""
    from rich.table import Table

    table = Table(title=f"compared with {old_name}")
    for column in ("metric", "old", "new", "change"):
        table.add_column(column, justify="left" if column == "metric" else "right")
    for change in changes:
        style = {True: "green", False: "red", None: ""}[change.better]
        table.add_row(
            change.name,
            "-" if change.old is None else f"{change.old:.3f}",
            "-" if change.new is None else f"{change.new:.3f}",
            "-" if change.delta is None else f"{change.delta:+.3f}",
            style=style,
        )
    console.print(table)
