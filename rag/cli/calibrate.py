"""``rag calibrate``: draft and check a labelled set once, print what each threshold costs, store the calibration."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

from rag.calibration import Calibration, Outcome, TradeOff, choose, model_key, save, trade_offs
from rag.config import Settings
from rag.evaluation.datasets import DEFAULT_SAMPLE, SAMPLE_SEED, SQUAD2_DEV
from rag.evaluation.runner import DEFAULT_OUT_DIR


def add_calibrate_parser(commands: Any, parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Add the ``calibrate`` sub-command to ``commands`` (argparse sub-parsers) and return its parser."""
    description = (
        "Measure what each threshold of the question check costs for a model (answers kept, unanswerable questions "
        "refused, wrong answers shown) on a labelled set, and store the thresholds of the strictness levels."
    )
    parser: argparse.ArgumentParser = commands.add_parser(
        "calibrate",
        help=description,
        description=description,
        parents=parents,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="example:\n  rag calibrate --llm local:qwen2.5-1.5b\n"
        "  rag calibrate --llm local:/models/my-model.gguf --set squad2-dev --sample 100\n"
        "  rag calibrate --llm openai:qwen@http://127.0.0.1:8080/v1 --set my-questions.jsonl",
    )
    parser.add_argument(
        "--set",
        dest="file",
        default=SQUAD2_DEV,
        metavar="squad2-dev|FILE",
        help="the labelled set: squad2-dev (SQuAD 2.0, env RAG_SQUAD_FILE), a SQuAD-format .json file, or a question "
        "file (.jsonl) of answerable and unanswerable questions over an indexed collection (default: squad2-dev)",
    )
    parser.add_argument(
        "--sample",
        type=int,
        metavar="N",
        help=f"a fixed sample of N questions, half answerable (SQuAD sets: {DEFAULT_SAMPLE} by default; "
        "other files: all by default)",
    )
    parser.add_argument("--seed", type=int, default=SAMPLE_SEED, help=f"the sample's seed (default {SAMPLE_SEED})")
    parser.add_argument(
        "--dry-run", action="store_true", help="print the table but do not store the calibration (default: store it)"
    )
    parser.add_argument("--out-dir", default=str(DEFAULT_OUT_DIR), help=f"report folder (default: {DEFAULT_OUT_DIR})")
    return parser


def cmd_calibrate(args: argparse.Namespace, settings: Settings) -> int:
    """Run ``rag calibrate``."""
    from rich.console import Console

    from rag.assistant import Assistant
    from rag.cli.eval import _prepare
    from rag.errors import RagError
    from rag.evaluation.cases import load_cases
    from rag.evaluation.datasets import sample_cases
    from rag.evaluation.metrics import contains_answer, strip_markers

    key = model_key(settings)
    if key is None:
        raise RagError(f"{settings.llm} has no model to ask, so its answers are never checked: nothing to calibrate")
    prepare = argparse.Namespace(file=args.file, cmu_dir=None, all=False, sample=args.sample, seed=args.seed)
    prepare.collection = args.collection
    dataset, settings = _prepare(prepare, settings)
    cases = load_cases(dataset)
    if args.sample:
        cases = sample_cases(cases, args.sample, args.seed)
    assistant = Assistant.open(settings=settings)
    assistant.calibrating = True
    outcomes: list[Outcome] = []
    records = []
    for number, case in enumerate(cases, start=1):
        answer = assistant.ask(case.question, history=list(case.history))
        said = "" if answer.refused else strip_markers(answer.text)
        right = case.answerable and bool(said) and bool(contains_answer(said, case.answers))
        p_yes = answer.verification if answer.checked else None
        outcome = Outcome(case.answerable, right, p_yes, answer.threshold or 0.0)
        outcomes.append(outcome)
        records.append({"id": case.id, "question": case.question, "answer": answer.text, **outcome.__dict__})
        shown = "-" if p_yes is None else f"P(yes) {p_yes:.2f}"
        kind = "right" if right else ("answerable" if case.answerable else "unanswerable")
        print(f"[{number}/{len(cases)}] {case.id} {answer.timings.total:.1f}s {shown} {kind}", file=sys.stderr)
    rows = trade_offs(outcomes)
    levels = choose(rows)
    answerable = sum(o.answerable for o in outcomes)
    described = f"{Path(args.file).name} ({len(cases)} questions: {answerable} answerable, seed {args.seed})"
    result = Calibration(
        key,
        settings.llm,
        getattr(assistant.llm, "check", "logprobs"),
        described,
        date.today().isoformat(),
        {level.value: threshold for level, threshold in levels.items()},
        rows,
    )
    console = Console()
    print_table(result, console)
    report = _write_report(result, records, args.out_dir)
    console.print(f"report: {report}", soft_wrap=True)
    if args.dry_run:
        console.print("not stored (--dry-run)")
    else:
        save(result, settings.calibration_file)
        console.print(f"stored for {settings.llm} ({key[:22]}...) in {settings.calibration_file}", soft_wrap=True)
    return 0


def print_table(calibration: Calibration, console: Any) -> None:
    """The trade-off table, each strictness level marked on its row."""
    from rich.table import Table

    marks: dict[float, list[str]] = {}
    for level, threshold in calibration.thresholds.items():
        marks.setdefault(threshold, []).append(level)
    table = Table(title=f"{calibration.model} on {calibration.dataset}, check: {calibration.check}")
    for column in ("threshold", "contains", "unanswerable refused", "wrong per 100", "level"):
        table.add_column(column, justify="left" if column == "level" else "right")
    for row in calibration.table:
        table.add_row(*_cells(row), ", ".join(marks.get(row.threshold, [])))
    console.print(table)


def _cells(row: TradeOff) -> list[str]:
    return [f"{row.threshold:.2f}", f"{row.contains:.3f}", f"{row.unanswerable_refused:.3f}", f"{row.wrong_per_100:g}"]


def _write_report(calibration: Calibration, records: list[dict[str, Any]], out_dir: str) -> Path:
    """Every question's P(yes), beside the calibration, so that other thresholds can be read off later."""
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"calibrate-{datetime.now().strftime('%Y%m%d-%H%M%S')}.json"
    data = {"calibration": calibration.to_dict(), "questions": records}
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
