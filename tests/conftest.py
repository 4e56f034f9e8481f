"""Shared fixtures: a real Chroma index of seeds/ built with the real embedding model."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rag import Assistant
from rag.calibration import Calibration, TradeOff, save
from rag.llm.local import SMOLLM2
from tests.support import CHROMIUM, CHROMIUM_ARGS, SEEDS, Listener

# The small test model (SmolLM2-135M) reads whole chunks: given the compressed excerpts it misspells the words it
# quotes ("Shenzell"), and its answers fail the check. The default model's tests and gates run the default
# (compressed) context; they set it themselves (tests/e2e/test_eval_gate.py, tests/test_assistant.py).
os.environ.setdefault("RAG_CONTEXT_TOKENS", "0")
# Tests never read or write the user's calibrations (~/.config/rag); the ones shipped with rag still apply. The small
# test model's yes/no is no signal (it gives a right answer P(yes) 0.13), so the tests that are not about the question
# check calibrate it to show every answer the citation check lets through: its answers are still checked (checked,
# verification), never refused for it. The check's own tests set their thresholds (tests/test_assistant.py) or run
# the default model.
os.environ["RAG_CALIBRATION_FILE"] = str(Path(tempfile.mkdtemp(prefix="rag-test-")) / "calibrations.json")
save(
    Calibration(
        f"sha256:{SMOLLM2.sha256}",
        "local:smollm2-135m",
        "logprobs",
        "none: the tests' stand-in, every answer shown",
        "2026-12-05",
        dict.fromkeys(("lenient", "balanced", "strict"), 0.0),
        [TradeOff(0.0, 0.0, 0.0, 0.0)],
    ),
    Path(os.environ["RAG_CALIBRATION_FILE"]),
)


@pytest.fixture(scope="session")
def seed_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of seeds/, so tests may index it without touching the repository."""
    target = tmp_path_factory.mktemp("seeds") / "seeds"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory: pytest.TempPathFactory, seed_copy: Path) -> Path:
    """An index folder holding seeds/ in collection ``default``."""
    index_dir = tmp_path_factory.mktemp("index")
    report = Assistant.open(index_dir=index_dir).add([seed_copy])
    assert len(report.indexed) == 1 and report.chunks_embedded > 0
    return index_dir


@pytest.fixture(scope="session")
def smol(seed_index: Path) -> Assistant:
    """The small test model over the seed index; two sources keep its short context focused."""
    return Assistant.open(index_dir=seed_index, llm="local:smollm2-135m", top_k=2)


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Chroma server (``chroma run``) on a free local port, stopped at the end of the session."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    chroma = Path(sys.executable).parent / "chroma"
    data = tmp_path_factory.mktemp("chroma-server")
    log = (data / "server.log").open("wb")
    server = subprocess.Popen(
        [str(chroma), "run", "--path", str(data / "db"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"chroma run did not start: see {data / 'server.log'}") from None
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


@pytest.fixture(params=["embedded", "server"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, Any]:
    """Where a test's collection lives, as ``Assistant.open`` keywords: an embedded index or a Chroma server.

    Each test gets its own collection name, so tests share the session's one server safely.
    """
    name = f"t-{uuid.uuid4().hex[:12]}"
    url = request.getfixturevalue("chroma_server") if request.param == "server" else ""
    return {"index_dir": tmp_path / "index", "collection": name, "chroma_url": url}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test with what it needs, from the fixtures it uses: ``-m "not server and not browser"``
    then selects the tests that run with the library alone."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        # Fixtures named *server start one (chroma run, llama.cpp's server, rag serve).
        if any(name.endswith("server") for name in fixtures) or "[server]" in item.name:
            item.add_marker(pytest.mark.server)
        if "browser" in fixtures:
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def listener() -> Iterator[Listener]:
    """A :class:`Listener`: a place an attacker would like the server or the browser to send things."""
    server = Listener()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium driven by Playwright (never a downloaded browser)."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: apt-get install -y chromium"
        if os.environ.get("CI") == "true":
            pytest.fail(f"the browser tests must run in CI: {message}")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
