"""Scale: query latency at 10,000 vs 100,000 chunks, and the indexing process's peak memory.

The collection is synthetic, made from the 40 CMU S08 articles: each chunk is 3 to 8 sentences
drawn at random from all articles (about the size of a real chunk). ``--distinct`` chunks (10,000
by default) are embedded for real with the packaged model; the other chunks are derived from
them: the same text with a variant number appended, and the embedding plus small Gaussian
noise (sigma 0.02 per dimension, renormalised), so the index holds 100,000 distinct vectors
without 100,000 encoder passes. Chunks are written with ``Store.write`` in batches of 1,000
into an embedded Chroma collection.

Latency is ``Store.query`` (k=4, the default top_k) for CMU questions whose embeddings are
computed beforehand, so only the vector search is timed: p50 and p95 over ``--queries``.

    .venv/bin/python benchmarks/scale.py
    .venv/bin/python benchmarks/scale.py --distinct 2000 --total 20000   # a quick run
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.embedding import Embedder  # noqa: E402
from rag.ingest.chunking import Chunk  # noqa: E402
from rag.ingest.files import discover, load  # noqa: E402
from rag.ingest.sentences import sentences  # noqa: E402
from rag.store import Store  # noqa: E402

WRITE_BATCH = 1000


def synthetic_texts(cmu: Path, count: int, rng: random.Random) -> list[str]:
    """``count`` chunks of 3-8 random sentences from the CMU articles."""
    pool = []
    for path in discover([cmu / "data"])[0]:
        text = load(path).text
        pool += [text[s:e] for s, e in sentences(text) if 40 <= e - s <= 400]
    return [" ".join(rng.sample(pool, rng.randint(3, 8))) for _ in range(count)]


def questions(cmu: Path, count: int, rng: random.Random) -> list[str]:
    lines = (cmu / "question_answer_pairs.txt").read_bytes().decode("utf-8", errors="replace").splitlines()[1:]
    unique = sorted({line.split("\t")[1] for line in lines if line.count("\t") >= 5})
    return rng.sample(unique, count)


def latencies(store: Store, queries: np.ndarray) -> tuple[float, float]:
    """p50 and p95 of ``Store.query`` in milliseconds."""
    for query in queries[:5]:
        store.query(query.tolist(), 4)  # warm-up
    times = []
    for query in queries:
        started = time.perf_counter()
        store.query(query.tolist(), 4)
        times.append(1000 * (time.perf_counter() - started))
    return statistics.median(times), statistics.quantiles(times, n=20)[-1]


def write(store: Store, texts: list[str], vectors: np.ndarray, first: int) -> None:
    for start in range(0, len(texts), WRITE_BATCH):
        batch = [
            Chunk(f"syn-{first + i:06d}", f"/synthetic/{(first + i) // 50:05d}.txt", text, 0, len(text), "0" * 64)
            for i, text in enumerate(texts[start : start + WRITE_BATCH], start=start)
        ]
        store.write(batch, vectors[start : start + WRITE_BATCH].tolist(), "synthetic")


def main() -> None:
    """Build the collection in two steps, timing queries after each."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cmu", type=Path, default=ROOT.parent / "shared/datasets/cmu-qa/S08")
    parser.add_argument("--distinct", type=int, default=10_000, help="chunks embedded for real")
    parser.add_argument("--total", type=int, default=100_000, help="chunks in the end")
    parser.add_argument("--checkpoint", type=int, default=10_000, help="also measure at this many chunks")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    noise = np.random.default_rng(args.seed)
    embedder = Embedder.default()

    texts = synthetic_texts(args.cmu, args.distinct, rng)
    started = time.perf_counter()
    base = np.asarray(embedder.embed_documents(texts), dtype=np.float32)
    embed_seconds = time.perf_counter() - started
    queries = np.asarray([embedder.embed_query(q) for q in questions(args.cmu, args.queries, rng)], dtype=np.float32)
    print(f"embedded {len(texts)} distinct chunks in {embed_seconds:.0f}s ({len(texts) / embed_seconds:.0f}/s)")

    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "index", "scale")
        results = []
        started = time.perf_counter()
        write(store, texts, base, 0)
        variant = 0
        for checkpoint in sorted({min(args.checkpoint, args.total), args.total}):
            while store.count() < checkpoint:
                variant += 1
                size = min(len(texts), checkpoint - store.count())
                vectors = base[:size] + noise.normal(0, 0.02, base[:size].shape).astype(np.float32)
                vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
                write(store, [f"{t} (variant {variant})" for t in texts[:size]], vectors, store.count())
            results.append((store.count(), time.perf_counter() - started, *latencies(store, queries)))
        size_mb = sum(f.stat().st_size for f in Path(tmp).rglob("*") if f.is_file()) / 2**20

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'chunks':>8} {'written by s':>12} {'p50 ms':>7} {'p95 ms':>7}")
    for count, seconds, p50, p95 in results:
        print(f"{count:8d} {seconds:12.1f} {p50:7.2f} {p95:7.2f}")
    ratio = results[-1][2] / results[0][2]
    print(f"p50 ratio {results[-1][0]} / {results[0][0]} chunks: {ratio:.2f}x (target <= 2x)")
    print(f"peak RSS of this process (model, embeddings, Chroma): {peak:.0f} MB; index on disk {size_mb:.0f} MB")


if __name__ == "__main__":
    main()
