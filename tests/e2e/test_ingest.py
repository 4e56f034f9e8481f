"""`rag index` on real, messy folders, `rag collections`, a Chroma server, and a 50 MB file, as subprocesses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support import CMU_S08, ROOT, encrypt_pdf, make_docx, make_pdf

RAG = [sys.executable, "-m", "rag.cli"]


def rag(*args: str, index_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "RAG_INDEX_DIR": str(index_dir), **env}
    return subprocess.run([*RAG, *args], capture_output=True, text=True, env=environment, timeout=900, cwd=ROOT)


def _messy_folder(root: Path) -> Path:
    folder = root / "messy"
    (folder / "sub dir").mkdir(parents=True)
    (folder / "article.txt").write_bytes((CMU_S08 / "set4/a8.txt").read_bytes()[:3000])  # cp1252
    (folder / "sub dir" / "ünïcödé notes.md").write_text("# Notes\n\nAlpacas hum.", encoding="utf-8")
    (folder / "-dash.txt").write_text("Leading dashes work.", encoding="utf-8")
    (folder / "report.pdf").write_bytes(make_pdf([["Page one."], ["Page two."]]))
    make_docx(folder / "guide.docx", [("h1", "Guide"), ("", "Docx text.")])
    (folder / "page.html").write_text("<h1>Hi</h1><p>Html text.</p>", encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "junk.txt").write_bytes(bytes(range(256)) * 8)
    good = make_pdf([["Secret page."]])
    (folder / "truncated.pdf").write_bytes(good[:300])
    (folder / "locked.pdf").write_bytes(encrypt_pdf(good, "pw"))
    os.mkfifo(folder / "pipe.txt")
    (folder / "loop.txt").symlink_to(folder / "loop.txt")
    (folder / "image.png").write_bytes(b"\x89PNG")
    return folder


def test_messy_folder_is_indexed_and_every_bad_file_reported(tmp_path):
    folder = _messy_folder(tmp_path)
    result = rag("index", str(folder), index_dir=tmp_path / "index")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("6 indexed ("), result.stdout
    skipped = sorted(line for line in result.stderr.splitlines() if line.startswith("skipped "))
    assert [line.split(": ", 1)[0].rsplit("/", 1)[-1] for line in skipped] == [
        "empty.txt",
        "image.png",
        "junk.txt",
        "locked.pdf",
        "loop.txt",
        "pipe.txt",
        "truncated.pdf",
    ]
    reasons = "\n".join(skipped)
    for reason in ("empty file", "unsupported file type", "binary content", "encrypted PDF", "symbolic links"):
        assert reason in reasons
    strict = rag("index", "--strict", str(folder), index_dir=tmp_path / "index")
    assert strict.returncode == 1 and "7 file(s) skipped (--strict)" in strict.stderr
    assert strict.stdout.startswith("0 indexed (0 chunks embedded), 6 unchanged")


def test_only_bad_files_is_exit_status_1(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    result = rag("index", str(tmp_path / "empty.txt"), index_dir=tmp_path / "index")
    assert result.returncode == 1 and "empty.txt: empty file" in result.stderr


def test_collections_lists_and_deletes(tmp_path):
    (tmp_path / "a.txt").write_text("Alpacas live in the Andes.", encoding="utf-8")
    for name in ("notes", "other"):
        assert rag("index", str(tmp_path / "a.txt"), "--collection", name, index_dir=tmp_path / "i").returncode == 0
    listed = rag("collections", index_dir=tmp_path / "i")
    assert listed.stdout.splitlines() == [
        "notes: 1 documents, 1 chunks, embedded with all-MiniLM-L6-v2",
        "other: 1 documents, 1 chunks, embedded with all-MiniLM-L6-v2",
    ]
    deleted = rag("collections", "--delete", "other", index_dir=tmp_path / "i")
    assert deleted.returncode == 0 and deleted.stdout.startswith("deleted collection 'other' (1 documents, 1 chunks)")
    assert rag("collections", index_dir=tmp_path / "i").stdout.splitlines()[1:] == []
    missing = rag("collections", "--delete", "other", index_dir=tmp_path / "i")
    assert missing.returncode == 1 and "no collection 'other' to delete (collections: notes)" in missing.stderr


def test_index_and_list_on_a_chroma_server(tmp_path, chroma_server):
    (tmp_path / "a.txt").write_text("Alpacas live in the Andes.", encoding="utf-8")
    index_dir = tmp_path / "unused"
    flag = rag(
        "index", str(tmp_path / "a.txt"), "--chroma-url", chroma_server, "--collection", "cli-flag", index_dir=index_dir
    )
    assert flag.returncode == 0, flag.stderr
    env = rag("collections", index_dir=index_dir, RAG_CHROMA_URL=chroma_server)
    assert "cli-flag: 1 documents, 1 chunks, embedded with all-MiniLM-L6-v2" in env.stdout.splitlines()
    assert not (index_dir / "chroma.sqlite3").exists()


_MEASURE = """
import resource, sys, tracemalloc
from pathlib import Path
from rag.config import Settings
from rag.embedding import Embedder
from rag.ingest.indexing import index_paths
from rag.store import Store

store = Store.open(Path(sys.argv[2]), "big")
Embedder.default().embed_query("warm-up")
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
tracemalloc.start()
report = index_paths([sys.argv[1]], store, Settings(chunk_size=100_000, chunk_overlap=0))
python_peak = tracemalloc.get_traced_memory()[1] / 2**20
tracemalloc.stop()
rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(report.summary(), store.count())
print(python_peak, rss_peak - before)
"""


def test_a_50_mb_text_file_is_indexed_in_bounded_memory(tmp_path):
    # Large chunks keep the embedding work short (the model reads 256 tokens of each); memory is measured.
    article = (CMU_S08 / "set1/a1.txt").read_text(encoding="utf-8")
    big = tmp_path / "big.txt"
    with big.open("w", encoding="utf-8") as file:
        while file.tell() < 50 * 2**20:
            file.write(article)
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(big), str(tmp_path / "index")],
        capture_output=True,
        text=True,
        timeout=1800,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    summary, measures = result.stdout.splitlines()[-2:]
    *summary_words, stored = summary.split()
    assert summary.startswith("1 indexed (") and summary_words[2] == f"({stored}"  # every chunk is stored
    python_peak, rss_growth = map(float, measures.split())
    print(f"50 MB file: {summary}; Python heap peak {python_peak:.1f} MB, RSS growth {rss_growth:.0f} MB")
    # Holding the file, its text or all its chunks would take 50-150 MB of Python memory on its own.
    assert python_peak < 30, f"Python heap peaked at {python_peak:.0f} MB"
    # Process growth is mostly Chroma's own storage of the 50 MB of text (about 150 MB) and the tokenizer.
    assert rss_growth < 400, f"peak RSS grew by {rss_growth:.0f} MB"
