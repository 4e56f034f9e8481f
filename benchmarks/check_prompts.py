"""Ways of asking the model whether the sources answer the question, compared on the same answers.

Each question of a set is answered once with the defaults; where the check runs (the draft has citations),
every way below is put to the model for that same draft, and its P(yes) and seconds are kept. Since the
check does not change what the model writes, one run compares every way and every threshold:
- **quote alone** (the default, :mod:`rag.verification`): each cited quote beside the question;
- **after the prompt**: the prompt just answered, then "Do the sources above answer this exact question?".
  llama.cpp still holds that prompt, so only the yes/no question is read; it runs first, right after the
  answer, as it would in the product;
- **states**: the quote alone, asked whether it states the answer "with every detail of the question matching";
- **with the answer**: the quote alone, the question and the model's own answer: "Does the passage support this
  answer?".

Printed: the median seconds per check (of the default and "after the prompt"; the other two start like the
default's prompt, which llama.cpp has just read, so their times would flatter them) and, at each threshold,
how many answerable questions whose draft holds an acceptable answer it keeps and how many unanswerable
questions it lets through.

    rag eval squad2-dev --limit 1 --retrieval-only                # builds the squad2-dev collection once
    .venv/bin/python benchmarks/check_prompts.py evals/squad2-dev.jsonl --collection squad2-dev --limit 100
    .venv/bin/python benchmarks/check_prompts.py evals/seeds.jsonl     # the seeds, indexed into a temporary folder
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ALONE = "Passage: {quote}\n\nQuestion: {question}\n\n"
WAYS: dict[str, str] = {
    "after the prompt": "Do the sources above answer this exact question? Reply with yes or no only.",
    "states": ALONE + "Does the passage state the answer to this exact question, with every detail of the question "
    "matching? Reply with yes or no only.",
    "with the answer": ALONE + "Proposed answer: {answer}\n\nDoes the passage support this answer to this exact "
    "question? Reply with yes or no only.",
}
"""The other ways, beside the default's :data:`rag.verification.ANSWERS_QUESTION`."""
TIMED = ("quote alone", "after the prompt")
"""The ways whose time is measured as the product would spend it (the others reuse the default's cached start)."""
THRESHOLDS = (0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7)


def ask_each_way(
    llm: Any, check: Callable[..., float], prompt: list[Any], question: str, quotes: Sequence[str], answer: str
) -> dict[str, Any]:
    """P(yes) and seconds of every way for one draft: ``check`` is the default's, ``prompt`` what the model
    answered from, ``quotes`` the cited quotes as the default check reads them, ``answer`` the draft without its
    markers."""
    from rag import verification

    def timed(asks: Callable[[], float]) -> tuple[float, float]:
        started = time.perf_counter()
        return asks(), time.perf_counter() - started

    def alone(template: str) -> float:
        """The default check (every quote, template tokens removed) with its question reworded."""
        wording = template.replace("{answer}", answer.replace("{", "{{").replace("}", "}}"))
        with mock.patch.object(verification, "ANSWERS_QUESTION", wording):
            return check(llm, question, quotes)

    row: dict[str, Any] = {}
    after = [*prompt, {"role": "user", "content": WAYS["after the prompt"]}]
    row["after the prompt"] = timed(lambda: llm.yes_probability(after))  # first: the answer's prompt is cached
    row["quote alone"] = timed(lambda: check(llm, question, quotes))  # every quote: the best, for any threshold
    for way in ("states", "with the answer"):
        row[way] = timed(lambda: alone(WAYS[way]))  # noqa: B023 (called at once)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("questions", help="question file (.jsonl)")
    parser.add_argument("--collection", help="an indexed collection (default: the seeds, indexed afresh)")
    parser.add_argument("--index-dir", default=str(ROOT / "index"))
    parser.add_argument("--limit", type=int, default=0, help="first N questions (default: all)")
    parser.add_argument("--out", help="write the rows as JSON here")
    args = parser.parse_args()

    from rag import Assistant, verification
    from rag.citations import MARKER
    from rag.evaluation.cases import load_cases
    from rag.evaluation.metrics import contains_answer

    if args.collection:
        assistant = Assistant.open(index_dir=Path(args.index_dir), collection=args.collection)
    else:
        assistant = Assistant.open(index_dir=Path(tempfile.mkdtemp(prefix="bench-check-")))
        assistant.add([ROOT / "seeds"])
    llm, check = assistant.llm, verification.answers_question
    seen: dict[str, Any] = {}
    answer_from = llm.stream_chat

    def stream_chat(messages: list[Any], *args: Any, **kwargs: Any) -> Any:
        seen["prompt"], seen["draft"] = messages, ""
        for piece in answer_from(messages, *args, **kwargs):
            seen["draft"] += piece
            yield piece

    def answers_question(_: Any, question: str, quotes: Sequence[str], *__: Any) -> float:
        answer = " ".join(MARKER.sub(" ", seen["draft"]).split())
        seen["ways"] = ask_each_way(llm, check, seen["prompt"], question, quotes, answer)
        return seen["ways"]["quote alone"][0]

    cases = [c for c in load_cases(args.questions) if not c.history]
    rows = []
    for i, case in enumerate(cases[: args.limit or None]):
        seen.pop("ways", None)
        with (
            mock.patch.object(llm, "stream_chat", stream_chat),
            mock.patch.object(verification, "answers_question", answers_question),
        ):
            assistant.ask(case.question)
        if "ways" not in seen:
            continue  # refused before the check: every way leaves it refused
        right = case.answerable and bool(contains_answer(MARKER.sub(" ", seen["draft"]), case.answers))
        rows.append({"question": case.question, "answerable": case.answerable, "right": right, **seen["ways"]})
        print(f"[{i + 1}] " + "  ".join(f"{way} {p:.2f}" for way, (p, _) in seen["ways"].items()), flush=True)
    ways = ["quote alone", *WAYS]
    print(f"\n{len(rows)} drafts checked; kept at each threshold: right answers / unanswerable questions")
    print("| way | check s (median) | " + " | ".join(f"{t:.2f}" for t in THRESHOLDS) + " |")
    print("|---|---|" + "---|" * len(THRESHOLDS))
    for way in ways:
        kept = [[r for r in rows if r[way][0] >= t] for t in THRESHOLDS]
        cells = [f"{sum(r['right'] for r in k)} / {sum(not r['answerable'] for r in k)}" for k in kept]
        # The two reworded quote-alone ways start like the default's prompt, just read: their times are not a fair
        # measure (the product would read them from the system prompt on, as the default).
        seconds = f"{statistics.median(r[way][1] for r in rows):.2f}" if rows and way in TIMED else "-"
        print(f"| {way} | {seconds} | " + " | ".join(cells) + " |")
    if args.out:
        Path(args.out).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
