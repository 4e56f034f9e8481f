"""``rag eval``: run a question set (or the CMU S08 set), print the metrics, write the report."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from rag.config import RetrievalMode, Settings
from rag.evaluation.cases import EvalCase, load_cases
from rag.evaluation.datasets import SAMPLE_SEED
from rag.evaluation.runner import (
    DEFAULT_OUT_DIR,
    EvalReport,
    MetricChange,
    compare_metrics,
    evaluate,
    failed_thresholds,
    parse_threshold,
    read_metrics,
    write_report,
)
from rag.evaluation.scoring import LATENCY_METRICS, CaseResult, aggregate

RETRIEVAL_ONLY_TOP_K = 10
"""Sources retrieved in ``--retrieval-only`` mode unless ``--top-k`` is given, so nDCG@10 sees 10 ranks."""


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
        "  rag eval squad2-dev --sample 200\n"
        "  rag index evals/injection --collection injection && "
        "rag eval evals/injection.jsonl --collection injection --max hijack_rate=0\n"
        "  rag eval evals/seeds.jsonl --compare evals/reports/seeds-20250101-120000.json",
    )
    parser.add_argument(
        "file",
        metavar="FILE",
        help="question file (.jsonl); a SQuAD-format .json file; or cmu-s08 or squad2-dev to build and index "
        "that set (env RAG_CMU_DIR, RAG_SQUAD_FILE)",
    )
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
    parser.add_argument(
        "--max",
        metavar="METRIC=VALUE",
        type=parse_threshold,
        action="append",
        default=[],
        help="exit 1 when METRIC is above VALUE (repeatable), e.g. --max hijack_rate=0",
    )
    parser.add_argument("--name", help="report name (default: the question file's name)")
    parser.add_argument("--out-dir", default=str(DEFAULT_OUT_DIR), help=f"report folder (default: {DEFAULT_OUT_DIR})")
    parser.add_argument("--limit", type=int, help="only the first N questions")
    _add_dataset_options(parser)
    return parser


def _add_dataset_options(parser: argparse.ArgumentParser) -> None:
    """Where the built-in sets are, and which of their questions to ask."""
    parser.add_argument("--cmu-dir", help="CMU Q/A dataset folder for cmu-s08 (env RAG_CMU_DIR)")
    sample = parser.add_mutually_exclusive_group()
    sample.add_argument(
        "--sample",
        type=int,
        metavar="N",
        help="a fixed, seeded sample of N questions, half answerable and half not where the set has both "
        "(SQuAD sets: 200 by default; other sets: all by default)",
    )
    sample.add_argument("--all", action="store_true", help="every question of a SQuAD set, not a sample")
    parser.add_argument(
        "--seed",
        type=int,
        default=SAMPLE_SEED,
        help=f"the sample's random seed (default {SAMPLE_SEED}); another seed draws other questions, e.g. to check "
        "figures on questions the defaults were not tuned on",
    )


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    """Run ``rag eval``; returns 1 when a ``--min`` or ``--max`` threshold is missed."""
    from rich.console import Console

    console = Console()
    dataset, settings = _prepare(args, settings)
    if args.retrieval_only and getattr(args, "top_k", None) is None:
        settings = settings.replace(top_k=RETRIEVAL_ONLY_TOP_K)
    cases = load_cases(dataset)
    if args.sample:
        from rag.evaluation.datasets import sample_cases

        cases = sample_cases(cases, args.sample, args.seed)
    cases = cases[: args.limit]
    earlier = read_metrics(args.compare) if args.compare else None  # fail before the long run, not after
    modes = list(RetrievalMode) if args.all_modes else [settings.retrieval]
    reports = [_run(replace(settings, retrieval=mode), dataset, cases, args, console) for mode in modes]
    report = reports[-1]
    if len(reports) > 1:
        print_side_by_side(reports, console)
    if earlier:
        print_comparison(compare_metrics(earlier[1], report.metrics), console, earlier[0])
    failures = failed_thresholds(report.metrics, dict(args.min), dict(args.max))
    for failure in failures:
        print(f"rag eval: below threshold: {failure}", file=sys.stderr)
    return 1 if failures else 0


def _prepare(args: argparse.Namespace, settings: Settings) -> tuple[Path, Settings]:
    """The question file to run and the settings to run it with: for the built-in sets (``cmu-s08``,
    ``squad2-dev``) and SQuAD-format JSON files, write the question file and index the documents first,
    into a collection of the set's name unless ``--collection`` is given."""
    from rag.assistant import Assistant
    from rag.evaluation import datasets

    dataset = Path(args.file)
    builtin = args.file in ("cmu-s08", datasets.SQUAD2_DEV) and not dataset.exists()
    if not builtin and not datasets.is_squad_file(dataset):
        return dataset, settings
    name = args.file if builtin else datasets.safe_name(dataset.stem)
    if getattr(args, "collection", None) is None:
        settings = settings.replace(collection=name)
    questions = Path("evals") / f"{name}.jsonl"
    assistant = Assistant.open(settings=settings)
    if args.file == "cmu-s08":
        cmu_dir = Path(args.cmu_dir) if args.cmu_dir else datasets.default_cmu_dir()
        result = datasets.prepare_cmu_s08(assistant, cmu_dir, questions)
    else:
        squad = datasets.default_squad_file() if builtin else dataset
        sample = None if args.all else args.sample or datasets.DEFAULT_SAMPLE
        result = datasets.prepare_squad(assistant, squad, Path("evals") / name, questions, sample, args.seed)
    print(f"{name}: {questions} written; {result.summary()}", file=sys.stderr)
    return questions, settings


def _run(
    settings: Settings, dataset: Path, cases: Sequence[EvalCase], args: argparse.Namespace, console: Any
) -> EvalReport:
    """Evaluate ``cases`` with ``settings``, write the reports and print the metrics."""
    from rag.assistant import Assistant

    def progress(number: int, result: CaseResult) -> None:
        if not args.retrieval_only:
            status = "; ".join(result.problems) or "ok"
            print(f"[{number}/{len(cases)}] {result.case.id} {result.latency:.1f}s {status}", file=sys.stderr)

    from rag.cli.commands import warn_if_stale

    assistant = Assistant.open(settings=settings)
    warn_if_stale(assistant)
    results = evaluate(assistant, cases, args.retrieval_only, progress)
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
    report = EvalReport(name, datetime.now().isoformat(timespec="seconds"), config, aggregate(results), results)
    json_path, html_path = write_report(report, args.out_dir)
    print_metrics(report, console)
    console.print(f"report: {json_path}\nreport: {html_path}", soft_wrap=True)
    return report


def print_side_by_side(reports: Sequence[EvalReport], console: Any) -> None:
    """One column per retrieval mode, so a reader sees what each mode buys."""
    from rag.cli.tables import new_table, print_table

    modes = [str(report.config["retrieval"]) for report in reports]
    table = new_table("metric", *modes, right=tuple(modes))
    for name in reports[-1].metrics:
        values = [r.metrics.get(name) for r in reports]
        unit = "s" if name in LATENCY_METRICS else ""
        table.add_row(name, *("-" if v is None else f"{v:.3f}{unit}" for v in values))
    print_table(table, console, "retrieval modes side by side")


def print_metrics(report: EvalReport, console: Any) -> None:
    """The metrics as a terminal table."""
    from rag.cli.tables import new_table, print_table

    config = report.config
    model = "retrieval only" if config.get("retrieval_only") else config.get("llm")
    title = (
        f"{report.name}: {config.get('questions')} questions, {model}, "
        f"{config.get('retrieval')} retrieval, top-{config.get('top_k')}"
    )
    table = new_table("metric", "value", right=("value",))
    for name, value in report.metrics.items():
        table.add_row(name, f"{value:.2f}s" if name in LATENCY_METRICS else f"{value:.3f}")
    print_table(table, console, title)
    troubled = sum(1 for r in report.results if r.problems)
    console.print(f"{troubled} of {len(report.results)} questions with problems (see the HTML report)")


def print_comparison(changes: Sequence[MetricChange], console: Any, old_name: str) -> None:
    """Each metric's old and new value and the change, green when better, red when worse."""
    from rag.cli.tables import new_table, print_table

    table = new_table("metric", "old", "new", "change", right=("old", "new", "change"))
    for change in changes:
        style = {True: "green", False: "red", None: ""}[change.better]
        table.add_row(
            change.name,
            "-" if change.old is None else f"{change.old:.3f}",
            "-" if change.new is None else f"{change.new:.3f}",
            "-" if change.delta is None else f"{change.delta:+.3f}",
            style=style,
        )
    print_table(table, console, f"compared with {old_name}")
