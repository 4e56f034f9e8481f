"""Reading real files of every supported format, and every kind of bad input, with rag.ingest.files."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rag.ingest.document import BLOCK_BYTES
from rag.ingest.files import discover, fingerprint, load, open_source
from tests.support import CMU_S08 as CMU
from tests.support import ROOT, encrypt_pdf, make_docx, make_pdf


def test_markdown_headings_give_heading_paths(tmp_path):
    text = (
        "# Guide\n\nIntro.\n\n## Setup\n\nInstall.\n\n```\n# not a heading\n```\n\n"
        "### Linux ###\n\nRun.\n\n## Use\n\nAsk.\n"
    )
    path = tmp_path / "guide.md"
    path.write_text(text, encoding="utf-8")
    document = load(path)
    assert document.text == text
    structure = document.structure
    assert structure.heading_at(text.index("Intro")) == "Guide"
    assert structure.heading_at(text.index("Install")) == "Guide > Setup"
    assert structure.heading_at(text.index("not a heading")) == "Guide > Setup"
    assert structure.heading_at(text.index("Run")) == "Guide > Setup > Linux"
    assert structure.heading_at(text.index("Ask")) == "Guide > Use"
    assert structure.heading_at(0) == "Guide" and structure.page_at(0) is None


def test_html_visible_text_and_headings(tmp_path):
    html = (
        "<html><head><title>T</title><style>p {color: red}</style><script>var x = 1;</script></head><body>"
        "<h1>Boats &amp; ships</h1><p>A ketch   has\n two masts.</p><h2>Sloops</h2><p>A sloop has one.</p>"
        "<ul><li>Jib</li><li>Main</li></ul><pre>keep   this</pre></body></html>"
    )
    (tmp_path / "boats.html").write_text(html, encoding="utf-8")
    document = load(tmp_path / "boats.html")
    text = document.text
    assert "var x" not in text and "color" not in text and "<" not in text
    assert "Boats & ships" in text and "A ketch has two masts." in text and "keep   this" in text
    assert "Jib\n" in text and "Main" in text
    assert document.structure.heading_at(text.index("A sloop")) == "Boats & ships > Sloops"
    assert document.structure.heading_at(text.index("A ketch")) == "Boats & ships"


def test_pdf_pages_are_kept(tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(make_pdf([["The first page is about alpacas."], [], ["The third page is about boats (ketches)."]]))
    document = load(path)
    text, structure = document.text, document.structure
    assert "alpacas" in text and "boats (ketches)" in text
    assert structure.page_at(text.index("alpacas")) == 1
    assert structure.page_at(text.index("boats")) == 3  # page 2 is empty


def test_docx_paragraphs_and_heading_styles(tmp_path):
    path = make_docx(
        tmp_path / "guide.docx",
        [("h1", "Guide"), ("", "Intro text."), ("h2", "Setup"), ("", "Install it. Then run it."), ("h1", "Other")],
    )
    document = load(path)
    assert document.text == "Guide\n\nIntro text.\n\nSetup\n\nInstall it. Then run it.\n\nOther"
    assert document.structure.heading_at(document.text.index("Install")) == "Guide > Setup"
    assert document.structure.heading_at(len(document.text) - 1) == "Other"


def test_cmu_article_in_latin1_decodes_correctly():
    # set4/a8.txt (Avogadro) is the one article of the collection that is not UTF-8.
    with pytest.raises(UnicodeDecodeError):
        (CMU / "set4/a8.txt").read_bytes().decode("utf-8")
    text = load(CMU / "set4/a8.txt").text
    assert "Essai d'une manière de déterminer les masses relatives des molécules" in text
    assert "Napoléon" in text and "\ufffd" not in text


def test_large_text_file_streams_in_blocks_with_multibyte_characters_across_blocks(tmp_path):
    line = "Ünïcödé — text with accents: café, naïve, 東京.\n"
    path = tmp_path / "big.md"
    path.write_text("# Big\n" + line * (3 * BLOCK_BYTES // len(line.encode())), encoding="utf-8")
    source = open_source(path)
    blocks = list(source.blocks())
    assert len(blocks) >= 3
    assert "".join(blocks) == path.read_text(encoding="utf-8")
    assert source.sha256 == fingerprint(path)
    assert source.structure.heading_at(10**6) == "Big"


def test_utf16_with_bom_is_text_not_binary(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes("Hello from UTF-16.".encode("utf-16"))
    assert load(path).text == "Hello from UTF-16."


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "empty file"),
        ("blank.md", b"  \n\t\n", "empty file (only blank space)"),
        ("junk.txt", bytes(range(256)) * 40, "binary content, not text"),
        ("empty.html", b"<html><script>x()</script></html>", "no text in it"),
        ("fake.pdf", b"this is not a pdf", "damaged or truncated PDF"),
        ("fake.docx", b"PK not a zip", "damaged .docx file"),
    ],
)
def test_bad_content_is_a_clear_error(tmp_path, name, content, reason):
    from rag.errors import DocumentError

    (tmp_path / name).write_bytes(content)
    with pytest.raises(DocumentError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        load(tmp_path / name)


def test_truncated_and_encrypted_pdfs_are_clear_errors(tmp_path):
    from rag.errors import DocumentError

    good = make_pdf([["Some text on page one."], ["More text on page two."]])
    (tmp_path / "truncated.pdf").write_bytes(good[: len(good) // 2])
    (tmp_path / "locked.pdf").write_bytes(encrypt_pdf(good, "secret"))
    with pytest.raises(DocumentError, match="damaged or truncated PDF"):
        load(tmp_path / "truncated.pdf")
    with pytest.raises(DocumentError, match="encrypted PDF: it needs a password"):
        load(tmp_path / "locked.pdf")


def test_pipe_symlink_loop_and_folder_are_not_read(tmp_path):
    from rag.errors import DocumentError

    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "loop.txt").symlink_to(tmp_path / "loop2.txt")
    (tmp_path / "loop2.txt").symlink_to(tmp_path / "loop.txt")
    with pytest.raises(DocumentError, match=r"not a regular file \(a pipe or device\)"):
        load(tmp_path / "pipe.txt")  # opening a pipe would block forever
    with pytest.raises(DocumentError, match="cannot read: Too many levels of symbolic links"):
        load(tmp_path / "loop.txt")
    with pytest.raises(DocumentError, match=r"not a regular file \(a folder\)"):
        load(tmp_path)


def test_file_without_read_permission(tmp_path):
    # Root reads anything: the child process runs as root without the capabilities that bypass permissions.
    if not shutil.which("setpriv"):
        pytest.skip("needs setpriv (util-linux)")
    path = tmp_path / "secret.txt"
    path.write_text("classified", encoding="utf-8")
    path.chmod(0)
    code = (
        "from rag.ingest.files import load\nfrom rag.errors import DocumentError\n"
        f"try:\n    load({str(path)!r})\nexcept DocumentError as exc:\n    print(exc)"
    )
    drop = ["--bounding-set", "-dac_override,-dac_read_search", "--inh-caps", "-dac_override,-dac_read_search"]
    result = subprocess.run(
        ["setpriv", *drop, sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert result.stdout.strip() == "cannot read: Permission denied", result.stderr


def test_discover_formats_odd_names_and_folder_links(tmp_path):
    names = ["a.txt", "b.MD", "c.html", "d.htm", "e.pdf", "f.docx", "with space.txt", "ünï-cödé.md", "-dash.txt"]
    for name in names:
        (tmp_path / name).write_text("x", encoding="utf-8")
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "deep.txt").write_text("x", encoding="utf-8")
    (tmp_path / "sub" / "up").symlink_to(tmp_path)  # would loop forever if followed
    files, skipped = discover([tmp_path])
    assert sorted(f.name for f in files) == sorted([*names, "deep.txt"])
    reasons = {Path(s.path).name: s.reason for s in skipped}
    assert reasons["photo.jpg"].startswith("unsupported file type (reads .docx, .htm, .html, .markdown, .md, .pdf")
    assert reasons["up"] == "link to a folder, not followed (index its target instead)"


def test_file_name_that_is_not_utf8_is_a_clear_error(tmp_path):
    from rag.errors import DocumentError

    raw = os.path.join(os.fsencode(tmp_path), b"caf\xe9.txt")
    with open(raw, "wb") as file:
        file.write(b"Some text.")
    (path,) = discover([tmp_path])[0]
    with pytest.raises(DocumentError, match="file name is not valid UTF-8; rename the file"):
        load(path)
