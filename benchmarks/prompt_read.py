"""How fast llama.cpp reads a prompt and writes an answer with the default model: the part no rag code touches.

Each configuration is a copy of the default model loaded with rag's settings (threads, context window); all read the
same 265-token passages of the seed document from an empty cache, taking turns, and then write 20 tokens greedily.
Printed are the seconds of each read, the medians in tokens per second and their ratio to the first configuration
(same run):

- **default**: the packaged Q4_K_M file as rag loads it;
- **flash attention**: the same file with ``flash_attn=True``;
- **Q8_0**, **Q4_0**: the packaged file requantized locally (``llama_model_quantize``, written once to
  ``/tmp/rag-bench-models``), for llama.cpp kernels that might read a prompt faster than Q4_K's.

    .venv/bin/python benchmarks/prompt_read.py                              # default vs flash attention, 8 reads each
    .venv/bin/python benchmarks/prompt_read.py --configs default Q8_0 Q4_0 --reads 6
"""

from __future__ import annotations

import argparse
import ctypes
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TOKENS = 265
"""New tokens of a typical prompt at the default excerpt budget (the system prompt is cached)."""
WRITTEN = 20
CONFIGS = ("default", "flash attention", "Q8_0", "Q4_0")


def model_file(config: str, packaged: Path) -> Path:
    """The GGUF file of ``config``: the packaged one, or a copy requantized once into a temporary folder."""
    if config not in ("Q8_0", "Q4_0"):
        return packaged
    import llama_cpp

    target = Path("/tmp/rag-bench-models") / f"{packaged.stem}-{config}.gguf"
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        params = llama_cpp.llama_model_quantize_default_params()
        params.ftype = getattr(llama_cpp, f"LLAMA_FTYPE_MOSTLY_{config}")
        params.allow_requantize = True
        partial = target.with_suffix(".partial")
        if llama_cpp.llama_model_quantize(str(packaged).encode(), str(partial).encode(), ctypes.byref(params)):
            raise SystemExit(f"could not requantize {packaged} to {config}")
        partial.replace(target)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reads", type=int, default=8)
    parser.add_argument("--configs", nargs="+", choices=CONFIGS, default=["default", "flash attention"])
    args = parser.parse_args()

    from llama_cpp import Llama

    from rag.config import Settings
    from rag.llm.local import QWEN, model_path, physical_cores

    settings = Settings()
    packaged = model_path(QWEN.name, settings.cache_dir)
    models: dict[str, Any] = {
        config: Llama(
            str(model_file(config, packaged)),
            n_ctx=settings.context_window,
            n_threads=settings.threads or physical_cores(),
            flash_attn=config == "flash attention",
            verbose=False,
        )
        for config in args.configs
    }
    text = next((ROOT / "seeds").iterdir()).read_text(encoding="utf-8")
    reading: dict[str, list[float]] = {config: [] for config in models}
    writing: dict[str, list[float]] = {config: [] for config in models}
    for i in range(args.reads):
        tokens = models[args.configs[0]].tokenize(text[i * 300 :].encode())[:TOKENS]
        for config in args.configs if i % 2 else args.configs[::-1]:
            model = models[config]
            model.reset()
            started = time.perf_counter()
            model.eval(tokens)
            reading[config].append(time.perf_counter() - started)
            started = time.perf_counter()
            for _ in range(WRITTEN):
                model.eval([model.sample(temp=0.0)])
            writing[config].append(time.perf_counter() - started)
    base = TOKENS / statistics.median(reading[args.configs[0]])
    for config in args.configs:
        speed = TOKENS / statistics.median(reading[config])
        written = WRITTEN / statistics.median(writing[config])
        print(
            f"{config:16} read {speed:5.1f} tokens/s (ratio {speed / base:.3f})  write {written:5.1f} tokens/s  "
            f"{[round(x, 2) for x in reading[config]]}"
        )


if __name__ == "__main__":
    main()
