"""Retrieval experiments without the LLM: what the model would read, per variant, for the answerable questions.

For each variant the questions are retrieved and their excerpts chosen exactly as an answer run would
(:meth:`rag.assistant.Assistant.read`, the same ``context_tokens``), counting tokens with the default model's own
tokenizer (Qwen loaded vocabulary-only: no weights, no generation) unless ``--approx-tokens``. Printed per variant:

- ``recall@4``: a gold source among the first 4 retrieved (what the model is given today);
- ``source recall``: a gold source among the sources it reads (a wider pool may read more than 4);
- ``excerpt recall``: an acceptable answer among the excerpts it reads (not for yes/no answers);
- ``sources read``: how many sources the excerpts come from, on average.

Variants: the pool the excerpts are chosen from (``pool_factor``), contextual chunks (``contextual_chunks``: a
second collection, NAME-context, built with them), and the fusion of the vector and BM25 rankings (the RRF constant,
the keyword weight). The collections are built (or brought up to date) first::

    python evals/recall_experiments.py squad2-dev                 # the 200-question sample (100 answerable)
    python evals/recall_experiments.py cmu-s08 --sample 100       # rag eval cmu-s08 --sample 100's questions
    python evals/recall_experiments.py squad2-dev --all --fusion  # every answerable question; the fusion grid

Run it from the repository, as ``rag eval`` is: the documents go to ``evals/``, the collections to ``--index-dir``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from rag.assistant import Assistant
from rag.config import RetrievalMode, Settings
from rag.evaluation import datasets, metrics
from rag.evaluation.cases import EvalCase
from rag.llm.base import approx_tokens
from rag.prompt import documents_read

POOLS = (4, 8, 12, 16)
"""Pools tried: ``top_k`` (4) times ``pool_factor`` 1 to 4."""
FUSION = [(k, w) for k in (1, 5, 20, 60) for w in (1.0, 2.0, 3.0)]
"""(RRF constant, keyword weight) pairs of ``--fusion``; today's: (1, 2.0)."""


@dataclasses.dataclass(frozen=True)
class Variant:
    """One way of retrieving: a collection, settings and fusion constants."""

    name: str
    contextual: bool = False
    pool: int = 0
    rrf_k: float | None = None
    keyword_weight: float | None = None


@dataclasses.dataclass(frozen=True)
class Row:
    """A variant's figures over the answerable questions."""

    variant: str
    questions: int
    recall_at_4: float
    source_recall: float
    excerpt_recall: float
    excerpt_questions: int
    sources_read: float
    seconds: float


def qwen_tokens(settings: Settings) -> Callable[[str], int]:
    """The default model's token count, from its vocabulary alone (no weights are loaded, nothing is generated)."""
    from llama_cpp import Llama

    from rag.llm.local import QWEN, model_path

    vocabulary = Llama(model_path=str(model_path(QWEN.name, settings.cache_dir)), vocab_only=True, verbose=False)
    return lambda text: len(vocabulary.tokenize(text.encode(), add_bos=False))


def prepare(name: str, settings: Settings, args: argparse.Namespace) -> list[EvalCase]:
    """Index the set into ``settings.collection`` (unchanged files are skipped; with ``--as-built`` a collection that
    holds documents is used as it is) and return its answerable questions."""
    cases = questions(name, args)  # also writes the SQuAD paragraphs to evals/NAME/
    assistant = Assistant.open(settings=settings)
    if args.as_built and not assistant.store.is_empty():
        print(f"{settings.collection}: used as built", file=sys.stderr)
    else:
        folder = datasets.cmu_articles(cmu_dir(args)) if name == "cmu-s08" else [Path("evals") / name]
        print(f"{settings.collection}: {assistant.add(folder).summary()}", file=sys.stderr)
    return [case for case in cases if case.answerable]


def cmu_dir(args: argparse.Namespace) -> Path:
    """``--cmu-dir``, else where ``rag eval cmu-s08`` looks."""
    return Path(args.cmu_dir) if args.cmu_dir else datasets.default_cmu_dir()


def questions(name: str, args: argparse.Namespace) -> list[EvalCase]:
    """The set's questions (the same sample as :func:`prepare`), without indexing."""
    if name == "cmu-s08":
        cases = datasets.load_cmu_s08(cmu_dir(args))
        return datasets.sample_cases(cases, args.sample, args.seed) if args.sample else cases
    cases = datasets.load_squad(datasets.default_squad_file(), Path("evals") / name)
    return datasets.sample_cases(cases, None if args.all else args.sample or datasets.DEFAULT_SAMPLE, args.seed)


def measure(variant: Variant, settings: Settings, cases: Sequence[EvalCase], count: Callable[[str], int]) -> Row:
    """Retrieve and choose excerpts for every case as an answer run would; score what would be read."""
    assistant = Assistant.open(settings=settings.replace(pool_factor=max(1, variant.pool // settings.top_k)))
    retriever = assistant.retriever
    if variant.rrf_k is not None:
        retriever.rrf_k = variant.rrf_k
    if variant.keyword_weight is not None:
        retriever.rankers = (("vector", 1.0), ("keyword", variant.keyword_weight))
    started = time.perf_counter()
    top, read, excerpts, sizes = [], [], [], []
    for case in cases:
        ranked = assistant.retrieve(case.question, k=max(settings.top_k, variant.pool))
        top.append(metrics.hit_at_k([s.chunk.path for s in ranked], case.gold_sources, 4))
        sources, messages = assistant.read(case.question, case.history, count)
        read.append(metrics.source_recall([s.chunk.path for s in sources], case.gold_sources))
        sizes.append(len(sources))
        if case.answers and not metrics.only_yes_or_no(case.answers):
            excerpts.append(metrics.excerpt_recall(documents_read(messages), case.answers))
    seconds = time.perf_counter() - started
    return Row(
        variant.name, len(cases), statistics.mean(top), statistics.mean(read), statistics.mean(excerpts or [0.0]),
        len(excerpts), statistics.mean(sizes), round(seconds / len(cases), 3),
    )  # fmt: skip


def variants(args: argparse.Namespace) -> list[Variant]:
    """The variants asked for: the pools, plain and contextual; with ``--fusion``, the fusion grid (plain, pool 12)."""
    chosen = [Variant(f"plain, pool {pool}", False, pool) for pool in POOLS]
    chosen += [Variant(f"contextual, pool {pool}", True, pool) for pool in POOLS]
    if args.fusion:
        chosen += [Variant(f"plain, pool 12, RRF k={k}, keyword {w}", False, 12, k, w) for k, w in FUSION]
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("set", choices=["squad2-dev", "cmu-s08"])
    parser.add_argument("--index-dir", default="index")
    parser.add_argument("--cmu-dir")
    parser.add_argument("--sample", type=int, help="a seeded sample of N questions (squad2-dev: 200 by default)")
    parser.add_argument("--all", action="store_true", help="every question of squad2-dev, not the sample")
    parser.add_argument("--seed", type=int, default=datasets.SAMPLE_SEED)
    parser.add_argument("--fusion", action="store_true", help="also the grid of RRF constants and keyword weights")
    parser.add_argument("--only", help="only the variants whose name contains this")
    parser.add_argument("--approx-tokens", action="store_true", help="count tokens as 3 characters, not with Qwen's")
    parser.add_argument("--out", help="also write the rows as JSON to this file")
    parser.add_argument(
        "--as-built", action="store_true", help="use a collection that holds documents as it is (not re-indexed)"
    )
    args = parser.parse_args()

    base = Settings.from_env(index_dir=args.index_dir, top_k=4, retrieval=RetrievalMode.HYBRID)
    count = approx_tokens if args.approx_tokens else qwen_tokens(base)
    chosen = [v for v in variants(args) if not args.only or args.only in v.name]
    collections = {False: args.set, True: f"{args.set}-context"}
    cases: list[EvalCase] = []
    for contextual in sorted({v.contextual for v in chosen}):
        settings = base.replace(collection=collections[contextual], contextual_chunks=contextual)
        cases = prepare(args.set, settings, args)
    print(f"{args.set}: {len(cases)} answerable questions, context_tokens {base.context_tokens}", file=sys.stderr)
    print("| variant | recall@4 | source recall | excerpt recall | sources read | s/question |")
    print("|---|---|---|---|---|---|")
    rows = []
    for variant in chosen:
        settings = base.replace(collection=collections[variant.contextual], contextual_chunks=variant.contextual)
        row = measure(variant, settings, cases, count)
        rows.append(row)
        print(
            f"| {row.variant} | {row.recall_at_4:.3f} | {row.source_recall:.3f} | {row.excerpt_recall:.3f} "
            f"({row.excerpt_questions}) | {row.sources_read:.1f} | {row.seconds:.2f} |",
            flush=True,
        )
    if args.out:
        Path(args.out).write_text(json.dumps([dataclasses.asdict(r) for r in rows], indent=2) + "\n")


if __name__ == "__main__":
    main()
