"""Public question sets turned into evaluation files: the CMU Question/Answer dataset, part S08.

The dataset (``cmu-qa/``) holds 40 Wikipedia articles under ``S08/data/setN/aM.txt`` and
``S08/question_answer_pairs.txt``: tab-separated, one line per (question, answerer), so a
question repeats with several answers, some ``NULL``. One article and some lines of the
pairs file are not UTF-8.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

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
