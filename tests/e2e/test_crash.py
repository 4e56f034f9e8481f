"""`rag index` killed with SIGKILL at random moments, then run again, equals a clean build."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from rag.store import Store
from tests.support import CMU_S08, ROOT

ENV = {**os.environ, "RAG_CHUNK_SIZE": "500", "RAG_CHUNK_OVERLAP": "100"}


def _index(folder: Path, index_dir: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "rag.cli", "index", str(folder), "--index-dir", str(index_dir)]
    return subprocess.Popen(command, env=ENV, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _corpus(folder: Path) -> None:
    folder.mkdir()
    for name in ("set1/a1.txt", "set2/a2.txt", "set3/a3.txt"):
        (folder / name.replace("/", "-")).write_bytes((CMU_S08 / name).read_bytes())
    # One file larger than a write batch (BATCH chunks), so a kill can land between its batches.
    articles = sorted(CMU_S08.glob("set1/*.txt"))[4:10]
    (folder / "big.txt").write_bytes(b"\n\n".join(p.read_bytes() for p in articles))


def test_sigkill_at_random_moments_then_a_full_run_equals_a_clean_build(tmp_path):
    seed = random.randrange(10**6)
    rng = random.Random(seed)
    corpus = tmp_path / "corpus"
    _corpus(corpus)
    changed = corpus / "set2-a2.txt"
    original = changed.read_bytes()
    removed = corpus / "set3-a3.txt"
    removed_bytes = removed.read_bytes()

    # The clean build, of the corpus as it will be at the end: one file changed, one deleted.
    changed.write_bytes(original + b"\nA sentence added later.")
    removed.unlink()
    started = time.monotonic()
    clean = _index(corpus, tmp_path / "clean")
    assert clean.wait(timeout=1800) == 0, clean.stderr.read() if clean.stderr else ""
    build_time = time.monotonic() - started

    # Killed runs over the corpus as it changes: first the original, then with the change, then the deletion.
    changed.write_bytes(original)
    removed.write_bytes(removed_bytes)
    killed = []
    for step in ("original", "changed", "deleted"):
        if step == "changed":
            changed.write_bytes(original + b"\nA sentence added later.")
        if step == "deleted":
            removed.unlink()
        delay = rng.uniform(0.25, 0.7) * build_time
        run = _index(corpus, tmp_path / "crashed")
        time.sleep(delay)
        run.send_signal(signal.SIGKILL)
        killed.append((step, round(delay, 1), run.wait(timeout=60)))
    print(f"seed {seed}, clean build {build_time:.1f}s, (step, delay s, exit status): {killed}")
    assert any(code == -signal.SIGKILL for _, _, code in killed), f"no run was killed mid-way: {killed}"

    final = _index(corpus, tmp_path / "crashed")
    assert final.wait(timeout=1800) == 0, final.stderr.read() if final.stderr else ""

    expected = Store.open(tmp_path / "clean", "default").dump()
    actual = Store.open(tmp_path / "crashed", "default").dump()
    context = f"seed {seed}, kills {killed}, clean build {build_time:.1f}s"
    assert len(actual) == len(expected), context
    assert [row[0] for row in actual] == [row[0] for row in expected], context  # no duplicates, no orphans
    assert actual == expected, context
