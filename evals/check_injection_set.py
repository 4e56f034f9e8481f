"""Check the prompt-injection set on disk (independently of the generator's data).

    .venv/bin/python evals/check_injection_set.py

Checks: every line of evals/injection.jsonl parses and has the expected fields; every gold source
exists; every answer occurs in its gold document's extracted text (pypdf / python-docx / visible
HTML text) and, for hostile documents, outside the injection's payload line; every payload occurs
in exactly one document (raw bytes, extracted text, DOCX XML or PDF metadata); per-format and
per-kind minimums; 120-400 words per document. Exits 1 on any failure.
"""

from __future__ import annotations

import collections
import io
import json
import re
import sys
import zipfile
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "evals" / "injection"
JSONL = ROOT / "evals" / "injection.jsonl"
FIELDS = {"id", "question", "answers", "answerable", "gold_sources", "payload", "kind"}
KINDS = ["override", "role-tag", "hidden-html", "markdown-image", "cite-this", "fake-qa", "other-language", "split"]
EXTRA_KINDS = ["hidden-docx", "pdf-metadata"]
FORMATS = [".txt", ".md", ".html", ".pdf", ".docx"]


class _Visible(HTMLParser):
    """Text outside script/style/head and comments (hidden-by-CSS text is still included)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "head"):
            self.skip += 1
        self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "head"):
            self.skip -= 1
        self.parts.append("\n")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def extract(path: Path) -> tuple[str, str]:
    """(extracted text, everything searchable for payloads: raw text, XML parts, metadata)."""
    data = path.read_bytes()
    if path.suffix == ".pdf":
        import pypdf

        reader = pypdf.PdfReader(io.BytesIO(data))
        text = "\n\n".join((page.extract_text() or "").strip() for page in reader.pages)
        meta = " ".join(str(v) for v in (reader.metadata or {}).values())
        return text, "\n".join([text, meta, data.decode("latin-1")])
    if path.suffix == ".docx":
        import docx
        from docx.table import Table

        document = docx.Document(io.BytesIO(data))
        parts = []
        for item in document.iter_inner_content():
            if isinstance(item, Table):
                parts += [" | ".join(cell.text.strip() for cell in row.cells) for row in item.rows]
            else:
                parts.append(item.text)
        text = "\n\n".join(p.strip() for p in parts if p.strip())
        props = document.core_properties
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            xml = "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))
        return text, "\n".join([text, props.title or "", props.subject or "", props.comments or "", xml])
    raw = data.decode("utf-8")
    if path.suffix == ".html":
        parser = _Visible()
        parser.feed(raw)
        parser.close()
        text = re.sub(r"[ \t]*\n\s*", "\n", "".join(parser.parts)).strip()
        return text, raw + "\n" + text
    return raw, raw


def occurs(needle: str, haystack: str) -> bool:
    """Case-insensitive, not glued to a neighbouring word or number."""
    return re.search(rf"(?<![\w.,]){re.escape(needle.lower())}(?!\w)", haystack.lower()) is not None


def main() -> int:
    problems: list[str] = []
    files = sorted(p for p in FOLDER.iterdir() if p.is_file())
    texts: dict[str, tuple[str, str]] = {p.name: extract(p) for p in files}
    cases = []
    for number, line in enumerate(JSONL.read_text(encoding="utf-8").splitlines(), start=1):
        try:
            case = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"line {number}: {exc}")
            continue
        if set(case) != FIELDS:
            problems.append(f"line {number}: fields {sorted(case)}")
        cases.append(case)
    ids = [c["id"] for c in cases]
    if len(ids) != len(set(ids)):
        problems.append("duplicate ids")

    by_doc = collections.Counter()
    for case in cases:
        cid, kind, payload = case["id"], case["kind"], case["payload"]
        if case["answerable"] is not True or not case["answers"] or len(case["gold_sources"]) != 1:
            problems.append(f"{cid}: answerable/answers/gold_sources malformed")
            continue
        gold = case["gold_sources"][0]
        by_doc[gold] += 1
        if gold not in texts:
            problems.append(f"{cid}: gold source {gold} missing")
            continue
        text, searchable = texts[gold]
        for answer in case["answers"]:
            if answer not in text and answer.lower() not in text.lower():
                problems.append(f"{cid}: answer {answer!r} not in the extracted text of {gold}")
        # the primary answer should not also answer from another document
        others = [
            name
            for name, (t, _) in texts.items()
            if name != gold and name != "README.md" and occurs(case["answers"][0], t)
        ]
        if others:
            problems.append(f"{cid}: primary answer {case['answers'][0]!r} also in {others}")
        expected_prefix = "benign-" if kind == "benign" else "hostile-"
        if not gold.startswith(expected_prefix):
            problems.append(f"{cid}: kind {kind} but file {gold}")
        if kind == "benign":
            if payload != "":
                problems.append(f"{cid}: benign question with a payload")
            continue
        if kind not in KINDS + EXTRA_KINDS:
            problems.append(f"{cid}: unknown kind {kind}")
        holders = [name for name, (_, s) in texts.items() if payload.lower() in s.lower()]
        if holders != [gold]:
            problems.append(f"{cid}: payload {payload!r} found in {holders}, expected only {gold}")
        if kind == "hidden-html" and not gold.endswith(".html"):
            problems.append(f"{cid}: hidden-html outside .html")
        # the payload sentence must not contain the answer (the fact is outside the injection)
        sentences = [
            s for s in re.split(r"(?<=[.!?])\s+|\n|<(?!!--)[^>]*>", searchable) if payload.lower() in s.lower()
        ]
        if not sentences:
            problems.append(f"{cid}: no sentence holds the payload")
        for sentence in sentences:
            if any(occurs(a, sentence) for a in case["answers"]):
                problems.append(f"{cid}: an answer occurs in the payload sentence: {sentence[:120]!r}")
                break
    for name in texts:
        if name != "README.md" and by_doc[name] != 1:
            problems.append(f"{name}: {by_doc[name]} questions (expected 1)")

    # counts
    table = collections.Counter()
    hostile_formats = collections.Counter()
    benign_formats = collections.Counter()
    for case in cases:
        suffix = Path(case["gold_sources"][0]).suffix
        table[(case["kind"], suffix)] += 1
        (benign_formats if case["kind"] == "benign" else hostile_formats)[suffix] += 1
    kinds_present = KINDS + EXTRA_KINDS + ["benign"]
    print(f"{'kind':16}" + "".join(f"{f:>7}" for f in FORMATS) + f"{'total':>7}")
    for kind in kinds_present:
        row = [table[(kind, f)] for f in FORMATS]
        print(f"{kind:16}" + "".join(f"{n:>7}" for n in row) + f"{sum(row):>7}")
    print(
        f"{'hostile total':16}"
        + "".join(f"{hostile_formats[f]:>7}" for f in FORMATS)
        + f"{sum(hostile_formats.values()):>7}"
    )
    for kind in KINDS:
        if sum(table[(kind, f)] for f in FORMATS) < 3:
            problems.append(f"kind {kind}: fewer than 3 documents")
    for f in FORMATS:
        if hostile_formats[f] < 4:
            problems.append(f"format {f}: fewer than 4 hostile documents")
    if sum(hostile_formats.values()) < 26 or sum(benign_formats.values()) < 10:
        problems.append("fewer than 26 hostile or 10 benign documents")
    if len([f for f in FORMATS if benign_formats[f]]) < 3:
        problems.append("benign documents in fewer than 3 formats")

    words = {name: len(re.findall(r"\S+", t)) for name, (t, _) in texts.items() if name != "README.md"}
    print(f"words per document: min {min(words.values())}, max {max(words.values())}")
    for name, n in sorted(words.items()):
        if not 120 <= n <= 400:
            problems.append(f"{name}: {n} words")
    for p in problems:
        print("PROBLEM:", p)
    print("OK" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
