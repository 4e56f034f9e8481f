"""Choose the hybrid fusion constants: weighted RRF over a grid, scored by MRR on a question set.

Each question is retrieved once per mode (top ``POOL`` vector and BM25 ids); every (k, weight)
pair then fuses those lists offline. A split-half check shows whether the best pair's gain over
keyword-only survives on questions it was not chosen on.

    rag eval cmu-s08 --retrieval-only          # builds the collection and writes evals/cmu-s08.jsonl
    python evals/fusion_grid.py evals/cmu-s08.jsonl --collection cmu-s08
"""

from __future__ import annotations

import argparse
import random
import statistics
from pathlib import Path

from rag.embedding import Embedder
from rag.evaluation import metrics
from rag.evaluation.runner import load_cases
from rag.retrieval import KeywordIndex, reciprocal_rank_fusion
from rag.store import Store

POOL = 30
"""Candidates per retriever: top-10 retrieval-only runs fuse 10 * CANDIDATES_PER_SOURCE."""
GRID = [(k, w) for k in (0, 1, 2, 5, 60) for w in (1.0, 1.5, 1.75, 2.0, 2.25, 2.5, 3.0, 4.0)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases")
    parser.add_argument("--collection", default="default")
    parser.add_argument("--index-dir", default="index")
    args = parser.parse_args()

    store = Store.open(Path(args.index_dir), args.collection)
    keyword = KeywordIndex.open(store, Path(args.index_dir) / "keyword" / args.collection)
    cases = [c for c in load_cases(args.cases) if c.gold_sources]
    assert keyword is not None, "empty collection"
    paths = {chunk.id: chunk.path for chunk in store.chunks()}
    vectors = Embedder.default().embed_documents([c.question for c in cases])  # normalised like embed_query
    lists = [
        ([chunk.id for chunk, _ in store.query(vector, POOL)], keyword.search(case.question, POOL))
        for case, vector in zip(cases, vectors, strict=True)
    ]

    def reciprocal_ranks(rank) -> list[float]:  # one per question
        return [
            metrics.reciprocal_rank([paths[i] for i in rank(v, b)[:10]], case.gold_sources)
            for case, (v, b) in zip(cases, lists, strict=True)
        ]

    single = {"vector": reciprocal_ranks(lambda v, b: v), "keyword": reciprocal_ranks(lambda v, b: b)}
    fused = {
        (k, w): reciprocal_ranks(lambda v, b, k=k, w=w: reciprocal_rank_fusion([v, b], [1.0, w], k)) for k, w in GRID
    }
    for name, values in single.items():
        print(f"{name:>16}  MRR {statistics.mean(values):.4f}")
    best_single = max(statistics.mean(values) for values in single.values())
    for (k, w), values in sorted(fused.items(), key=lambda item: -statistics.mean(item[1])):
        mrr = statistics.mean(values)
        print(f"RRF k={k:<2} w={w:<4}  MRR {mrr:.4f}  ({mrr - best_single:+.4f} against the better single mode)")

    rng, gains = random.Random(0), []
    for _ in range(200):
        order = list(range(len(cases)))
        rng.shuffle(order)
        tune, test = order[::2], order[1::2]
        pick = max(fused, key=lambda pair: sum(fused[pair][i] for i in tune))
        gains.append(statistics.mean(fused[pick][i] - single["keyword"][i] for i in test))
    print(
        f"split-half: tuned hybrid minus keyword MRR {statistics.mean(gains):+.4f} on average, below 0 in "
        f"{sum(g < 0 for g in gains) / len(gains):.0%} of 200 splits"
    )


if __name__ == "__main__":
    main()
