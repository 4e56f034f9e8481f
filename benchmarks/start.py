"""Cold start: ``rag ask`` in a new process, questions embedded by sentence-transformers vs the ONNX export.

Each run is a new Python process answering one question over ``seeds/`` (indexed first into a temporary folder)
with the default model; the model files are in the page cache (a first, unmeasured run puts them there). The two
ways of embedding questions take turns, so drift in the machine's load is shared:

- **sentence-transformers**: the question embedder as before, torch and sentence-transformers imported (~7 s);
- **ONNX** (the default): the export of the same weights run by onnxruntime (:mod:`rag.embedding`).

Both answer the same text (the vectors agree to 1e-7). Prints each run's wall time and the medians' ratio.

    .venv/bin/python benchmarks/start.py                 # 3 runs each, default model (~2 min)
    .venv/bin/python benchmarks/start.py --runs 1 --llm local:smollm2-135m
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "How many people are on DeepSeek's team?"
ASK = "import sys; from rag.cli import main; sys.exit(main(['ask', sys.argv[1]]))"
CONFIGS = {
    "sentence-transformers": "import rag.embedding as e; e._load_onnx = lambda: None; " + ASK,
    "ONNX (default)": ASK,
}


def main() -> None:
    """Index the seeds, then time cold ``rag ask`` runs of each configuration in turn."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--llm", default="local:qwen2.5-1.5b")
    parser.add_argument("--question", default=QUESTION)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "RAG_INDEX_DIR": tmp, "RAG_LLM": args.llm}
        subprocess.run([sys.executable, "-m", "rag.cli", "index", "seeds"], cwd=ROOT, env=env, check=True)
        times: dict[str, list[float]] = {name: [] for name in CONFIGS}
        answers: dict[str, set[str]] = {name: set() for name in CONFIGS}
        for run in range(args.runs + 1):  # run 0 fills the page cache and the ONNX export; not counted
            for name, code in CONFIGS.items():
                started = time.perf_counter()
                done = subprocess.run(
                    [sys.executable, "-c", code, args.question], cwd=ROOT, env=env, capture_output=True, text=True
                )
                seconds = time.perf_counter() - started
                if done.returncode != 0:
                    raise SystemExit(done.stderr)
                if run:
                    times[name].append(seconds)
                    answers[name].add(done.stdout)
                    print(f"run {run} {name:24} {seconds:6.2f} s", flush=True)
    base = statistics.median(times["sentence-transformers"])
    for name, seconds in times.items():
        median = statistics.median(seconds)
        print(f"{name:24} median {median:6.2f} s  ratio {median / base:.2f}")
    print("same answers:", answers["ONNX (default)"] == answers["sentence-transformers"])


if __name__ == "__main__":
    main()
