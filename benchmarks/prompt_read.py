"""How fast llama.cpp reads a prompt with and without flash attention: the part of the first token no rag code touches.

Both copies of the default model are loaded with rag's settings (threads, context window) and read the same
265-token passages of the seed document from an empty cache, taking turns; printed are the seconds of each read,
the medians in tokens per second and their ratio (same run).

    .venv/bin/python benchmarks/prompt_read.py            # 8 reads each
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TOKENS = 265
"""New tokens of a typical prompt at the default excerpt budget (the system prompt is cached)."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reads", type=int, default=8)
    args = parser.parse_args()

    from llama_cpp import Llama

    from rag.config import Settings
    from rag.llm.local import QWEN, model_path, physical_cores

    settings = Settings()
    path = str(model_path(QWEN.name, settings.cache_dir))
    models = {
        flash: Llama(
            path,
            n_ctx=settings.context_window,
            n_threads=settings.threads or physical_cores(),
            flash_attn=flash,
            verbose=False,
        )
        for flash in (False, True)
    }
    text = next((ROOT / "seeds").iterdir()).read_text(encoding="utf-8")
    seconds: dict[bool, list[float]] = {flash: [] for flash in models}
    for i in range(args.reads):
        tokens = models[False].tokenize(text[i * 300 :].encode())[:TOKENS]
        for flash in (False, True) if i % 2 else (True, False):
            models[flash].reset()
            started = time.perf_counter()
            models[flash].eval(tokens)
            seconds[flash].append(time.perf_counter() - started)
    speed = {flash: TOKENS / statistics.median(s) for flash, s in seconds.items()}
    for flash, s in seconds.items():
        print(f"flash attention {'on ' if flash else 'off'}: {speed[flash]:5.1f} tokens/s  {[round(x, 2) for x in s]}")
    print(f"on / off: {speed[True] / speed[False]:.3f}")


if __name__ == "__main__":
    main()
