"""Answer speed per lever, in one run: whole chunks vs compressed context vs compressed + prompt lookup.

For the direct answerable questions of evals/seeds.jsonl, each configuration answers every question
on a warm server (models loaded, llama.cpp's prefix cache kept, as in ``rag serve``); the order of the
configurations rotates from question to question, so that drift in the machine's load is shared. Per
question and as medians: retrieval, prompt tokens, time to first token, generated tokens per second,
citation check, total; and each configuration's ratio to the baseline measured in the same run.

    .venv/bin/python benchmarks/levers.py                       # default model, 10 questions, 2 configurations
    .venv/bin/python benchmarks/levers.py --limit 3 --llm local:smollm2-135m
    .venv/bin/python benchmarks/levers.py --configs "whole chunks" "compressed + lookup"
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CONFIGS = {
    "whole chunks": {"context_tokens": 0, "prompt_lookup": 0},
    "compressed": {"context_tokens": 240, "prompt_lookup": 0},
    "excerpts from top_k only": {"context_tokens": 240, "prompt_lookup": 0, "pool_factor": 1},
    "compressed + lookup": {"context_tokens": 240, "prompt_lookup": 10},
    "compressed, vectors not kept": {"context_tokens": 240, "prompt_lookup": 0, "keep_vectors": False},
    "every quote checked": {"context_tokens": 240, "prompt_lookup": 0, "check_every_quote": True},
    "each with the one before": {"context_tokens": 240, "prompt_lookup": 0, "always_the_one_before": True},
}
"""Name -> settings; the first is the baseline. Prompt lookup loads a second copy of the model with llama.cpp
keeping every position's logits (2.5 GB for a 4096-token window), which also slows whatever runs after it in
the same process: it runs only when asked for (``--configs``). ``keep_vectors: False`` embeds each answer's source
sentences afresh (as before the process kept them across answers); ``check_every_quote`` puts every cited quote to
the model even after one passed (as before the check stopped at the first that passes); ``always_the_one_before``
gives every excerpt sentence the one before it, as before it came only when needed (table rows keep their header);
``pool_factor: 1`` chooses the excerpts from the ``top_k`` chunks alone, as before the pool was 3 times wider."""
BENCH_ONLY = ("keep_vectors", "check_every_quote", "always_the_one_before")
DEFAULT_CONFIGS = ["whole chunks", "compressed"]


def questions(limit: int) -> list[str]:
    cases = [json.loads(line) for line in (ROOT / "evals" / "seeds.jsonl").read_text().splitlines() if line.strip()]
    return [c["question"] for c in cases if c["answerable"] and not c.get("history")][:limit]


def measure(assistant: Any, question: str, config: dict[str, Any]) -> dict[str, Any]:
    """One answer, timed: retrieval, first token, last token, check, total; prompt and output tokens."""
    from unittest import mock

    import rag.assistant
    import rag.prompt
    import rag.verification
    from rag.embedding import Embedder, cached

    with contextlib.ExitStack() as patches:
        if not config.get("keep_vectors", True):  # an empty cache for this answer only; the kept one is left as it is
            fresh = lambda: cached(Embedder.for_questions().embed_documents)  # noqa: E731
            patches.enter_context(mock.patch.object(rag.assistant, "_embed_cached", fresh))
        if config.get("check_every_quote"):
            every = rag.verification.answers_question
            patches.enter_context(
                mock.patch.object(rag.verification, "answers_question", lambda *args, **_: every(*args))
            )
        if config.get("always_the_one_before"):
            patches.enter_context(mock.patch.object(rag.prompt, "needs_the_one_before", lambda *_: True))
        return _measure(assistant, question, cached(Embedder.for_questions().embed_documents))


def _measure(assistant: Any, question: str, embed: Any) -> dict[str, Any]:
    from rag import Answer

    llm = assistant.llm
    sources = assistant.retrieve(question)
    messages = assistant._messages(question, question, sources, (), llm, embed)
    prompt_tokens = sum(llm.count_tokens(m["content"]) for m in messages)
    started = time.perf_counter()
    first = last = 0.0
    pieces: list[str] = []
    for item in assistant.stream(question):
        if isinstance(item, Answer):
            answer = item
        else:
            first = first or time.perf_counter()
            last = time.perf_counter()
            pieces.append(item)
    total = time.perf_counter() - started
    draft = "".join(pieces)
    output_tokens = llm.count_tokens(draft) if draft else 0
    generating = max(last - first, 1e-6)
    return {
        "retrieve": answer.timings.retrieve,
        "prompt_tokens": prompt_tokens,
        "ttft": (first - started) if first else total,
        "tokens_per_s": (output_tokens - 1) / generating if output_tokens > 1 else 0.0,
        "check": total - (last - started) if last else 0.0,
        "total": total,
        "output_tokens": output_tokens,
        "draft": draft.strip(),
        "answer": answer.text,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--llm", default="local:qwen2.5-1.5b")
    parser.add_argument("--limit", type=int, default=10)
    parser.add_argument("--out", help="write the rows as JSON here")
    parser.add_argument(
        "--configs",
        nargs="+",
        choices=list(CONFIGS),
        default=DEFAULT_CONFIGS,
        help="configurations to run (default: whole chunks, compressed)",
    )
    args = parser.parse_args()

    from rag import Assistant

    index_dir = Path(tempfile.mkdtemp(prefix="bench-levers-"))
    Assistant.open(index_dir=index_dir).add([ROOT / "seeds"])
    assistants = {
        name: Assistant.open(
            index_dir=index_dir, llm=args.llm, **{k: v for k, v in CONFIGS[name].items() if k not in BENCH_ONLY}
        )
        for name in args.configs
    }
    for assistant in assistants.values():
        assistant.ask("Who founded DeepSeek?")  # warm-up: models, retrieval, the system prompt in the cache
    names = list(args.configs)
    rows: list[dict[str, Any]] = []
    for i, question in enumerate(questions(args.limit)):
        for name in names[i % len(names) :] + names[: i % len(names)]:
            row = {"question": question, "config": name, **measure(assistants[name], question, CONFIGS[name])}
            rows.append(row)
            print(
                f"{name:22} {row['prompt_tokens']:4d} tok  ttft {row['ttft']:5.2f}s  "
                f"{row['tokens_per_s']:5.1f} tok/s  check {row['check']:4.2f}s  total {row['total']:5.2f}s  "
                f"{row['answer'][:60]!r}",
                flush=True,
            )
    print("\nmedians (ratio to the baseline, same run):")
    base = {key: statistics.median(r[key] for r in rows if r["config"] == names[0]) for key in ("ttft", "total")}
    print(
        "| configuration | prompt tokens | retrieve s | ttft s | tokens/s | check s | total s | total p95 s | ratio |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name in names:
        mine = [r for r in rows if r["config"] == name]
        med = {k: statistics.median(r[k] for r in mine) for k in mine[0] if isinstance(mine[0][k], int | float)}
        p95 = statistics.quantiles([r["total"] for r in mine], n=20)[-1] if len(mine) > 1 else mine[0]["total"]
        print(
            f"| {name} | {med['prompt_tokens']:.0f} | {med['retrieve']:.2f} | {med['ttft']:.2f} | "
            f"{med['tokens_per_s']:.1f} | {med['check']:.2f} | {med['total']:.2f} | {p95:.2f} | "
            f"{med['total'] / base['total']:.2f} |"
        )
    same = sum(
        1
        for q in questions(args.limit)
        if len({r["draft"] for r in rows if r["question"] == q and r["config"] != names[0]}) == 1
    )
    print(f"\nthe configurations after the first gave one output on {same} of {len(questions(args.limit))} questions")
    if args.out:
        Path(args.out).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
