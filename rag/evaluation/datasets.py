"""Public question sets turned into evaluation files: the CMU Question/Answer dataset (part S08) and
SQuAD-format files (``squad2-dev``: SQuAD 2.0, with unanswerable questions).

The dataset (``cmu-qa/``) holds 40 Wikipedia articles under ``S08/data/setN/aM.txt`` and
``S08/question_answer_pairs.txt``: tab-separated, one line per (question, answerer), so a
question repeats with several answers, some ``NULL``. One article and some lines of the
pairs file are not UTF-8.
"""

from __future__ import annotations

import json
import os
import random
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag.errors import DocumentError
from rag.evaluation.cases import EvalCase, write_cases
from rag.evaluation.metrics import normalize_answer

if TYPE_CHECKING:
    from rag.assistant import Assistant
    from rag.ingest.indexing import IndexResult

CMU_S08_COLLECTION = "cmu-s08"


def default_cmu_dir() -> Path:
    """``$RAG_CMU_DIR``, else ``../shared/datasets/cmu-qa`` (beside the repository)."""
    return Path(os.environ.get("RAG_CMU_DIR") or "../shared/datasets/cmu-qa")


def decode(data: bytes) -> str:
    """UTF-8 text, falling back to cp1252 (as :mod:`rag.ingest.files` does) for older encodings.

    >>> decode("café".encode("utf-8")), decode("café".encode("cp1252"))
    ('café', 'café')
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def cmu_articles(root: str | os.PathLike[str]) -> list[Path]:
    """The S08 article files, sorted."""
    articles = sorted(Path(root).glob("S08/data/set*/a*.txt"))
    if not articles:
        raise DocumentError(
            f"no CMU S08 articles under {Path(root).absolute()}/S08/data (set RAG_CMU_DIR or --cmu-dir)"
        )
    return articles


def load_cmu_s08(root: str | os.PathLike[str]) -> list[EvalCase]:
    """The S08 questions, one case per (article, question) with every non-NULL answer.

    Gold source: the article, as ``S08/data/setN/aM.txt``. Questions whose answers are all
    ``NULL`` are skipped.
    """
    path = Path(root) / "S08" / "question_answer_pairs.txt"
    try:
        # Lines end in \n; a stray \r inside a field is not a line break. Decode line by line,
        # so one bad line does not turn the whole file into cp1252.
        lines = [decode(line).rstrip("\r") for line in path.read_bytes().split(b"\n")]
    except OSError as exc:
        raise DocumentError(f"cannot read the CMU question file: {exc}") from exc
    header = lines[0].split("\t")
    q_col, a_col, file_col = header.index("Question"), header.index("Answer"), header.index("ArticleFile")
    grouped: dict[tuple[str, str], tuple[str, list[str]]] = {}
    for line in lines[1:]:
        fields = line.split("\t")
        if len(fields) != len(header):
            continue
        question = " ".join(fields[q_col].split())
        answer = " ".join(fields[a_col].replace("\\n", " ").split())
        if not question or answer in ("", "NULL"):
            continue
        article = f"S08/{fields[file_col].strip()}.txt"
        _, answers = grouped.setdefault((article, question.lower()), (question, []))
        if all(normalize_answer(answer) != normalize_answer(known) for known in answers):
            answers.append(answer)
    return [
        EvalCase(f"s08-{number:04d}", question, tuple(answers), True, (article,))
        for number, ((article, _), (question, answers)) in enumerate(grouped.items(), start=1)
    ]


def prepare_cmu_s08(assistant: Assistant, root: str | os.PathLike[str], out: str | os.PathLike[str]) -> IndexResult:
    """Write the S08 question file to ``out`` and index the articles into ``assistant``'s collection."""
    write_cases(load_cmu_s08(root), out)
    return assistant.add(cmu_articles(root))


SQUAD2_DEV = "squad2-dev"
"""Name of the built-in SQuAD 2.0 set: ``rag eval squad2-dev``."""
DEFAULT_SAMPLE = 200
"""Questions in the default, fixed sample of a SQuAD set (half answerable, half not)."""
SAMPLE_SEED = 13


def default_squad_file() -> Path:
    """``$RAG_SQUAD_FILE``, else ``../shared/datasets/squad2-dev/dev-v2.0-part1.json`` (beside the repository)."""
    return Path(os.environ.get("RAG_SQUAD_FILE") or "../shared/datasets/squad2-dev/dev-v2.0-part1.json")


def is_squad_file(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a SQuAD-format JSON file (by its suffix and its top-level ``data`` list)."""
    if Path(path).suffix.lower() != ".json":
        return False
    try:
        return isinstance(_read_squad(path).get("data"), list)
    except DocumentError:
        return False


def _read_squad(path: str | os.PathLike[str]) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise DocumentError(f"cannot read SQuAD file {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise DocumentError(f"{path} is not a SQuAD file: no top-level object with 'data'")
    return data


def safe_name(title: str) -> str:
    """A folder name for an article title.

    >>> safe_name("European_Union_law"), safe_name("../AC/DC: live")
    ('European_Union_law', 'AC_DC_live')
    """
    return re.sub(r"[^\w.-]+", "_", title).strip("._") or "untitled"


def load_squad(path: str | os.PathLike[str], docs_dir: str | os.PathLike[str]) -> list[EvalCase]:
    """Write one document per paragraph of a SQuAD (2.0 or 1.1) file to ``docs_dir``, as
    ``TITLE/NNN.txt`` with the article title as its first line, and return its questions.

    Gold source: the question's paragraph (also for an unanswerable one: it was written against it).
    Files already holding the same text are left alone, so re-indexing skips them.
    """
    docs = Path(docs_dir)
    cases: list[EvalCase] = []
    for article in _read_squad(path).get("data") or []:
        title = str(article.get("title") or "untitled")
        for number, paragraph in enumerate(article.get("paragraphs") or []):
            name = f"{safe_name(title)}/{number:03d}.txt"
            text = f"{title.replace('_', ' ')}\n\n{paragraph['context']}\n"
            file = docs / name
            if not file.is_file() or file.read_text(encoding="utf-8") != text:
                file.parent.mkdir(parents=True, exist_ok=True)
                file.write_text(text, encoding="utf-8")
            for qa in paragraph.get("qas") or []:
                answers = tuple(dict.fromkeys(a["text"].strip() for a in qa.get("answers") or []))
                answerable = bool(answers) and not qa.get("is_impossible")
                cases.append(EvalCase(str(qa["id"]), " ".join(qa["question"].split()), answers, answerable, (name,)))
    if not cases:
        raise DocumentError(f"{path}: no SQuAD questions")
    return cases


def sample_cases(cases: list[EvalCase], size: int | None, seed: int = SAMPLE_SEED) -> list[EvalCase]:
    """A fixed, seeded sample of ``size`` questions, half answerable and half not when the set has both
    (as many as there are otherwise), in a seeded random order; all of them when ``size`` is None.

    >>> cases = [EvalCase(str(i), "q", answerable=i % 3 == 0) for i in range(30)]
    >>> chosen = sample_cases(cases, 10)
    >>> len(chosen), sum(c.answerable for c in chosen), chosen == sample_cases(cases, 10)
    (10, 5, True)
    """
    if size is None or size >= len(cases):
        return cases
    rng = random.Random(seed)
    answerable = [c for c in cases if c.answerable]
    unanswerable = [c for c in cases if not c.answerable]
    half = min(size // 2, len(unanswerable)) if answerable else size
    chosen = rng.sample(unanswerable, half) + rng.sample(answerable, min(size - half, len(answerable)))
    rng.shuffle(chosen)
    return chosen


def prepare_squad(
    assistant: Assistant,
    path: str | os.PathLike[str],
    docs_dir: str | os.PathLike[str],
    out: str | os.PathLike[str],
    sample: int | None = DEFAULT_SAMPLE,
    seed: int = SAMPLE_SEED,
) -> IndexResult:
    """Write the paragraphs to ``docs_dir`` and a sample of the questions to ``out``; index the paragraphs."""
    write_cases(sample_cases(load_squad(path, docs_dir), sample, seed), out)
    return assistant.add([docs_dir])
