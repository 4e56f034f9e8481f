"""How the excerpts are chosen, measured without the LLM: source and excerpt recall per pool and rank weight.

Each answerable question is retrieved once (a pool of 16, the default fusion) and every sentence of the pool
embedded once; then each variant runs :func:`rag.prompt.select_excerpts` on the first POOL chunks with its
``rank_weight`` (a sentence's score gains ``rank_weight / rank of its chunk``), within ``context_tokens``, counting
tokens with the default model's tokenizer. More questions than recall_experiments.py's sample, in minutes:

    python evals/excerpt_experiments.py squad2-dev --all          # every answerable question (1,276)
    python evals/excerpt_experiments.py cmu-s08 --sample 100
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from recall_experiments import questions, qwen_tokens  # noqa: E402

from rag.assistant import Assistant, _embed_cached  # noqa: E402
from rag.config import RetrievalMode, Settings  # noqa: E402
from rag.evaluation import datasets, metrics  # noqa: E402
from rag.prompt import select_excerpts  # noqa: E402

POOLS = (4, 8, 12, 16)
RANK_WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.5)


def _numbers(kind: type) -> Callable[[str], tuple]:
    """An argparse type: comma-separated numbers of ``kind``."""
    return lambda text: tuple(kind(part) for part in text.split(","))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("set", choices=["squad2-dev", "cmu-s08"])
    parser.add_argument("--index-dir", default="index")
    parser.add_argument("--cmu-dir")
    parser.add_argument("--sample", type=int)
    parser.add_argument("--all", action="store_true", help="every question of squad2-dev, not the sample")
    parser.add_argument("--seed", type=int, default=datasets.SAMPLE_SEED)
    parser.add_argument("--pools", type=_numbers(int), default=POOLS, help="e.g. 8,12")
    parser.add_argument("--weights", type=_numbers(float), default=RANK_WEIGHTS, help="rank weights, e.g. 0.3,0.5")
    args = parser.parse_args()

    settings = Settings.from_env(index_dir=args.index_dir, collection=args.set, retrieval=RetrievalMode.HYBRID)
    assistant = Assistant.open(settings=settings)
    cases = [c for c in questions(args.set, args) if c.answerable and c.answers]
    cases = [c for c in cases if not metrics.only_yes_or_no(c.answers)]
    retrieved = [assistant.retrieve(case.question, k=max(args.pools)) for case in cases]
    count, embed = qwen_tokens(settings), _embed_cached()
    print(f"{args.set}: {len(cases)} answerable questions, context_tokens {settings.context_tokens}", file=sys.stderr)
    print("| pool | rank weight | source recall | excerpt recall | sources read |")
    print("|---|---|---|---|---|")
    for pool, weight in itertools.product(args.pools, args.weights):
        sources, excerpts, read = [], [], []
        for case, ranked in zip(cases, retrieved, strict=True):
            pooled = ranked[:pool]
            chosen = select_excerpts(case.question, pooled, embed, settings.context_tokens, count, weight)
            text = " … ".join(pooled[n - 1].chunk.text[a:b] for n, spans in chosen.items() for a, b in spans)
            paths = sorted({pooled[n - 1].chunk.path for n in chosen})
            sources.append(metrics.source_recall(paths, case.gold_sources))
            excerpts.append(metrics.excerpt_recall(text, case.answers))
            read.append(len(paths))
        print(
            f"| {pool} | {weight} | {statistics.mean(sources):.3f} | {statistics.mean(excerpts):.3f} | "
            f"{statistics.mean(read):.1f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
