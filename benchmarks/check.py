"""What the question check costs on a served model, in one run.

The packaged default model behind llama-cpp-python's OpenAI-compatible server (``python -m llama_cpp.server``, which
keeps every position's logits by default, so it returns ``top_logprobs``), asked as ``openai:qwen@URL``: each
answerable question of evals/seeds.jsonl is answered with the check and without it, and, as a reference, by the
same model in process with the check. The order of the configurations rotates from question to question, so that
drift in the machine's load is shared. Prints each configuration's median answer time and its difference and ratio
to the served model without the check, measured in the same run.

    .venv/bin/python benchmarks/check.py                  # default model, 20 questions
    .venv/bin/python benchmarks/check.py --limit 5 --model local:smollm2-135m
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BASELINE = "served, not checked"
CONFIGS = [BASELINE, "served, checked", "in process, checked"]


def questions(limit: int) -> list[str]:
    cases = [json.loads(line) for line in (ROOT / "evals" / "seeds.jsonl").read_text().splitlines() if line.strip()]
    return [c["question"] for c in cases if c["answerable"] and not c.get("history")][:limit]


def serve(model: Path, threads: int) -> tuple[subprocess.Popen[bytes], str]:
    """llama-cpp-python's server for ``model`` on a free loopback port, once it answers."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    options = ["--n_ctx", "4096", "--n_threads", str(threads), "--seed", "0", "--host", "127.0.0.1"]
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--port", str(port), *options]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 300
    while True:
        if server.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("the server did not start")
        try:
            if httpx.get(f"{url}/models").status_code == 200:
                return server, url
        except httpx.TransportError:
            time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=20, help="questions (default 20)")
    parser.add_argument("--model", default="local:qwen2.5-1.5b", help="a local: spec to serve (default: the default)")
    args = parser.parse_args()

    from rag import Assistant
    from rag.config import Settings
    from rag.llm.local import model_path, physical_cores

    settings = Settings.from_env(context_tokens=Settings().context_tokens)
    index = Path(tempfile.mkdtemp(prefix="bench-check-"))
    Assistant.open(settings=settings, index_dir=index).add([ROOT / "seeds"])
    server, url = serve(model_path(args.model.removeprefix("local:"), settings.cache_dir), physical_cores())
    try:
        served = settings.replace(index_dir=index, llm=f"openai:qwen@{url}")
        assistants: dict[str, Any] = {
            BASELINE: Assistant.open(settings=served, verify_answers=False),
            "served, checked": Assistant.open(settings=served),
            "in process, checked": Assistant.open(settings=settings, index_dir=index, llm=args.model),
        }
        for assistant in assistants.values():  # load and warm each up: the first answer reads the system prompt
            assistant.ask("What kind of company is DeepSeek?")
        times: dict[str, list[float]] = {name: [] for name in CONFIGS}
        for number, question in enumerate(questions(args.limit)):
            order = CONFIGS[number % len(CONFIGS) :] + CONFIGS[: number % len(CONFIGS)]
            for name in order:
                answer = assistants[name].ask(question)
                times[name].append(answer.timings.total)
                shown = "refused" if answer.refused else f"P(yes) {answer.verification}"
                print(f"{name:20} {answer.timings.total:6.2f} s  {shown}  {question}", file=sys.stderr)
    finally:
        server.terminate()
        server.wait(timeout=30)
    base = statistics.median(times[BASELINE])
    print(f"{len(times[BASELINE])} questions, median answer time; baseline: {BASELINE}")
    for name in CONFIGS:
        p50 = statistics.median(times[name])
        print(f"  {name:20} {p50:6.2f} s   {p50 - base:+6.2f} s   x{p50 / base:.2f}")


if __name__ == "__main__":
    main()
