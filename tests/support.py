"""What tests share besides fixtures: where the data is, the seed's facts, and real sample files made on the fly
(PDFs written by hand per the PDF spec, DOCX files with python-docx)."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import TYPE_CHECKING

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
SEED_TEXT = SEED_FILE.read_text(encoding="utf-8")

# (question, words the answer must contain): facts stated once in the seed.
SEED_FACTS = [
    ("What is the size of DeepSeek's team?", ["140"]),
    ("What is the name of DeepSeek's founder?", ["Liang Wenfeng"]),
    ("Which city does Fiona Zhou work in?", ["Shenzhen"]),
    ("Which chips did DeepSeek stockpile before the ban?", ["A100"]),
    ("Which Chinese AI startup launched an advanced chatbot model?", ["DeepSeek"]),
]


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
