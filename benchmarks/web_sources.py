"""How soon the web chat shows evidence: question -> sources panel -> first answer token -> checked answer.

Starts ``rag serve`` over seeds/ (default model, default settings) and asks the first direct questions of
evals/seeds.jsonl in headless Chromium, as a user types them; per question and as medians, the seconds from
pressing Enter to the retrieved passages in the sources panel (``#turn-pending``), to the first token in
the chat, and to the checked answer (its sources group ``#turn-N``).

    .venv/bin/python benchmarks/web_sources.py                 # 5 questions, default model
    .venv/bin/python benchmarks/web_sources.py --limit 2 --llm local:smollm2-135m
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.levers import questions  # noqa: E402
from tests.support import CHROMIUM, CHROMIUM_ARGS, SEEDS, serve_rag  # noqa: E402

# Time of each change to the chat and the sources panel, recorded in the page itself.
RECORD = """
window.watchTurn = (turn) => {
  window.marks = {asked: performance.now()};
  const seen = {
    sources: () => document.querySelector("#sources #turn-pending"),
    token: () => {
      const bots = document.querySelectorAll('#chat [data-testid="bot"]');
      return bots.length >= turn && bots[turn - 1].innerText.trim();
    },
    answer: () => document.querySelector(`#sources #turn-${turn}`),
  };
  if (window.observer) window.observer.disconnect();
  window.observer = new MutationObserver(() => {
    for (const [name, found] of Object.entries(seen)) {
      if (!(name in window.marks) && found()) window.marks[name] = performance.now();
    }
  });
  window.observer.observe(document.body, {subtree: true, childList: true, characterData: true});
};
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--llm", default="local:qwen2.5-1.5b")
    parser.add_argument("--limit", type=int, default=5)
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    from rag import Assistant

    work = Path(tempfile.mkdtemp(prefix="bench-web-"))
    Assistant.open(index_dir=work / "index").add([SEEDS])
    rows = []
    with serve_rag(work / "index", work, "--llm", args.llm, "--top-k", "4") as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(url)
        page.locator("#question textarea").wait_for()
        page.evaluate(RECORD)
        for turn, question in enumerate(questions(args.limit), start=1):
            page.evaluate(f"window.watchTurn({turn})")
            box = page.locator("#question textarea")
            box.fill(question)
            started = time.perf_counter()
            box.press("Enter")
            page.locator(f"#sources #turn-{turn}").wait_for(timeout=300_000)
            wall = time.perf_counter() - started
            marks = page.evaluate("window.marks")
            seconds = {k: (marks[k] - marks["asked"]) / 1000 for k in ("sources", "token", "answer") if k in marks}
            rows.append(seconds)
            shown = "  ".join(f"{k} {v:5.2f}s" for k, v in seconds.items())
            print(f"{question[:50]:50}  {shown}  (wall {wall:.2f}s)", flush=True)
        browser.close()
    print("\nmedians:", "  ".join(f"{k} {statistics.median(r[k] for r in rows if k in r):.2f}s" for k in rows[0]))


if __name__ == "__main__":
    main()
