"""What tests share besides fixtures: where the data is, the seed's facts, and real sample files made on the fly
(PDFs written by hand per the PDF spec, DOCX files with python-docx)."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from rag import Answer

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SEED_FILE = SEEDS / "000_959d6777a251aa29.txt"
_CMU_CANDIDATES = [
    os.environ.get("RAG_CMU_DIR"),
    ROOT.parent / "shared/datasets/cmu-qa",
    "/work/shared/datasets/cmu-qa",
]
CMU_DIR = next((Path(p) for p in _CMU_CANDIDATES if p and Path(p).is_dir()), ROOT.parent / "shared/datasets/cmu-qa")
CMU_S08 = CMU_DIR / "S08/data"
"""The 40 CMU Question/Answer articles: $RAG_CMU_DIR, shared/ beside the repository, or /work/shared."""
SQUAD_FILE = CMU_DIR.parent / "squad2-dev" / "dev-v2.0-part1.json"
"""The SQuAD 2.0 development file, beside the CMU dataset."""
SEED_TEXT = SEED_FILE.read_text(encoding="utf-8")

# (question, words the answer must contain): facts stated once in the seed.
SEED_FACTS = [
    ("What is the size of DeepSeek's team?", ["140"]),
    ("What is the name of DeepSeek's founder?", ["Liang Wenfeng"]),
    ("Which city does Fiona Zhou work in?", ["Shenzhen"]),
    ("Which chips did DeepSeek stockpile before the ban?", ["A100"]),
    ("Which Chinese AI startup launched an advanced chatbot model?", ["DeepSeek"]),
]


ANSWER_SCHEMA = ROOT / "docs" / "answer.schema.json"


def assert_matches_schema(data: Any, definition: str = "answer") -> None:
    """``data`` is valid against ``$defs/DEFINITION`` of docs/answer.schema.json (JSON Schema 2020-12)."""
    import jsonschema

    schema = json.loads(ANSWER_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    part = {"$defs": schema["$defs"], "$ref": f"#/$defs/{definition}"}
    jsonschema.Draft202012Validator(part).validate(data)


def assert_cites_seed(answer: Answer) -> None:
    """At least one citation points into the seed file, and its quote is really there."""
    assert not answer.refused, answer.text
    seed_citations = [c for c in answer.citations if Path(c.path).name == SEED_FILE.name]
    assert seed_citations, f"no citation of the seed in {answer.text!r}"
    for citation in seed_citations:
        assert SEED_TEXT[citation.start : citation.end] == citation.quote
        assert f"[{citation.n}]" in answer.text
        assert answer.sources[citation.n - 1].chunk.path == citation.path


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def make_pdf(pages: list[list[str]]) -> bytes:
    """A valid PDF with one page per item of ``pages``, each a list of text lines in Helvetica."""
    objects: list[bytes] = []
    n_pages = len(pages)
    font = 3 + 2 * n_pages
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(n_pages))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode())
    for i, lines in enumerate(pages):
        body = " T* ".join(f"({_escape(line)}) Tj" for line in lines)
        stream = f"BT /F1 11 Tf 14 TL 72 740 Td {body} ET".encode("latin-1")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {4 + 2 * i} 0 R "
            f"/Resources << /Font << /F1 {font} 0 R >> >> >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def encrypt_pdf(data: bytes, password: str) -> bytes:
    """``data`` encrypted with a user password (pypdf)."""
    import pypdf

    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=password, owner_password=password + "-owner")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_docx(path: Path, items: list[tuple[str, str]]) -> Path:
    """A .docx of ``(style, text)`` paragraphs; style ``"h1"``.. ``"h3"`` makes a heading, ``""`` a paragraph."""
    import docx

    document = docx.Document()
    for style, text in items:
        if style.startswith("h"):
            document.add_heading(text, level=int(style[1:]))
        else:
            document.add_paragraph(text)
    document.save(str(path))
    return path


RAG = Path(sys.executable).parent / "rag"  # the console script, as a user runs it
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOGIN = ("tester", "s3cret")
ANSWER_TIMEOUT = 180_000  # ms; two shared cores, and the first answer loads the model


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve_rag(index_dir: Path, workdir: Path, *flags: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """Run ``rag serve`` with the small model (and ``env`` added to the environment) until the block ends;
    yield its URL."""
    port = free_port()
    log_path = workdir / f"serve-{port}.log"
    command = [
        str(RAG),
        "serve",
        "--index-dir",
        str(index_dir),
        "--llm",
        "local:smollm2-135m",
        "--top-k",
        "2",
        "--port",
        str(port),
        *flags,
    ]
    with log_path.open("w") as log:
        process = subprocess.Popen(
            command,
            cwd=workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **_this_code(), **(env or {})},
        )
        url = f"http://127.0.0.1:{port}/"
        try:
            deadline = time.monotonic() + 240
            while True:
                if process.poll() is not None:
                    pytest.fail(f"rag serve exited with {process.returncode}:\n{log_path.read_text()}")
                try:
                    urllib.request.urlopen(url, timeout=5).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        pytest.fail(f"rag serve did not answer at {url} in 240 s:\n{log_path.read_text()}")
                    time.sleep(0.5)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    assert "Traceback" not in log_path.read_text(), log_path.read_text()


def _this_code() -> dict[str, str]:
    """PYTHONPATH that makes a subprocess import the code under test (this checkout), not the one the console
    script was installed from."""
    return {"PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}


class Listener:
    """A loopback HTTP server that records every request it gets (method, path, headers) and answers 404."""

    def __init__(self) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        requests = self.requests = []

        class Record(BaseHTTPRequestHandler):
            def _record(self) -> None:
                requests.append((self.command, self.path, dict(self.headers)))
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST = do_HEAD = do_OPTIONS = _record

            def log_message(self, *args: Any) -> None:  # quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Record)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
