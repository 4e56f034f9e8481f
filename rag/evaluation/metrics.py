"""Deterministic evaluation metrics as small pure functions (no LLM judge).

Retrieval metrics take the file paths of the ranked sources and the gold file names;
answer metrics take the answer text and the acceptable answers. Gold paths match by
their trailing path components, so ``"a1.txt"`` or ``"S08/data/set1/a1.txt"`` both match
``/anywhere/S08/data/set1/a1.txt``:

>>> hit_at_k(["/x/notes.txt", "/x/S08/data/set1/a1.txt"], ["S08/data/set1/a1.txt"], k=2)
1.0
>>> round(token_f1("Around 140 people.", ["about 140", "around 140"]), 3)
0.8
"""

from __future__ import annotations

import math
import re
import string
from collections import Counter
from collections.abc import Sequence
from pathlib import PurePath

from rag.citations import MARKER, MIN_SUPPORT

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = frozenset(string.punctuation) | frozenset("‘’“”–—…")


def strip_markers(text: str) -> str:
    """``text`` without its ``[n]`` citation markers.

    >>> strip_markers("It has 140 people [1][2].")
    'It has 140 people.'
    """
    return MARKER.sub("", text)


def normalize_answer(text: str) -> str:
    """SQuAD normalisation: lower case, no punctuation, no articles, single spaces.

    >>> normalize_answer("The  Nvidia A100-chips!")
    'nvidia a100chips'
    """
    text = "".join(ch for ch in text.lower() if ch not in _PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def exact_match(prediction: str, answers: Sequence[str]) -> float:
    """1.0 when the normalised prediction equals a normalised acceptable answer, else 0.0."""
    guess = normalize_answer(prediction)
    return float(any(guess == normalize_answer(a) for a in answers))


def token_f1(prediction: str, answers: Sequence[str]) -> float:
    """Best SQuAD token F1 of the prediction against the acceptable answers (0.0 if none)."""
    guess = normalize_answer(prediction).split()
    best = 0.0
    for answer in answers:
        truth = normalize_answer(answer).split()
        common = sum((Counter(guess) & Counter(truth)).values())
        if common:
            precision, recall = common / len(guess), common / len(truth)
            best = max(best, 2 * precision * recall / (precision + recall))
    return best


def contains_answer(prediction: str, answers: Sequence[str]) -> float:
    """1.0 when a normalised acceptable answer occurs as whole words in the normalised prediction.

    >>> contains_answer("About 1400 people.", ["140"]), contains_answer("About 140 people.", ["140"])
    (0.0, 1.0)
    """
    padded = f" {normalize_answer(prediction)} "
    return float(any(normalize_answer(a) and f" {normalize_answer(a)} " in padded for a in answers))


def only_yes_or_no(answers: Sequence[str]) -> bool:
    """Whether every acceptable answer is a plain yes or no, which no quote can hold.

    >>> only_yes_or_no(["Yes.", "yes"]), only_yes_or_no(["no!", "It is arguable."])
    (True, False)
    """
    return bool(answers) and all(normalize_answer(a) in ("yes", "no") for a in answers)


def is_gold(path: str, gold_sources: Sequence[str]) -> bool:
    """True when ``path`` ends with the path components of one of ``gold_sources``.

    >>> is_gold("/data/S08/data/set1/a1.txt", ["set1/a1.txt"]), is_gold("/data/set2/a1.txt", ["set1/a1.txt"])
    (True, False)
    """
    parts = PurePath(path.replace("\\", "/")).parts
    for gold in gold_sources:
        tail = PurePath(gold.replace("\\", "/")).parts
        if tail and parts[-len(tail) :] == tail:
            return True
    return False


def first_gold_rank(paths: Sequence[str], gold_sources: Sequence[str]) -> int | None:
    """1-based rank of the first source from a gold file, or None when none was retrieved."""
    return next((rank for rank, path in enumerate(paths, start=1) if is_gold(path, gold_sources)), None)


def hit_at_k(paths: Sequence[str], gold_sources: Sequence[str], k: int) -> float:
    """1.0 when a gold file is among the first ``k`` sources, else 0.0."""
    rank = first_gold_rank(paths, gold_sources)
    return float(rank is not None and rank <= k)


def reciprocal_rank(paths: Sequence[str], gold_sources: Sequence[str]) -> float:
    """1 / rank of the first gold source; 0.0 when no gold source was retrieved."""
    rank = first_gold_rank(paths, gold_sources)
    return 1.0 / rank if rank else 0.0


def ndcg_at_k(paths: Sequence[str], gold_sources: Sequence[str], k: int = 10) -> float:
    """Binary-relevance nDCG of the first ``k`` sources at file level.

    Each gold file counts once, at its best rank (further chunks of the same file add
    nothing); the ideal ranking puts every gold file first.
    """
    found: set[str] = set()
    dcg = 0.0
    for rank, path in enumerate(paths[:k], start=1):
        gold = next((g for g in gold_sources if is_gold(path, [g])), None)
        if gold is not None and gold not in found:
            found.add(gold)
            dcg += 1.0 / math.log2(rank + 1)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(len(set(gold_sources)), k) + 1))
    return dcg / ideal if ideal else 0.0


def source_recall(paths: Sequence[str], gold_sources: Sequence[str]) -> float:
    """1.0 when a source the answer was built from comes from a gold file, else 0.0: without it, no answer can be
    right however good the model.

    >>> source_recall(["/x/a2.txt", "/x/a1.txt"], ["a1.txt"]), source_recall([], ["a1.txt"])
    (1.0, 0.0)
    """
    return float(any(is_gold(path, gold_sources) for path in paths))


def excerpt_recall(read: str, answers: Sequence[str]) -> float:
    """1.0 when an acceptable answer occurs (as whole words, normalised as :func:`contains_answer`) in ``read``, the
    source text the model read (the excerpts of its prompt), else 0.0.

    >>> excerpt_recall("[1] DeepSeek has a team of around 140 people.", ["about 140", "140"])
    1.0
    >>> excerpt_recall("[1] DeepSeek has a team of around 1400 people. … [2] It is in Hangzhou.", ["140"])
    0.0
    """
    return contains_answer(read, answers)


def citation_ok(path: str, score: float, gold_sources: Sequence[str]) -> bool:
    """A citation is correct when its quote supports its sentence and, if gold is known, it is gold."""
    return score >= MIN_SUPPORT and (not gold_sources or is_gold(path, gold_sources))


def citation_precision(citations: Sequence[tuple[str, float]], gold_sources: Sequence[str]) -> float:
    """Share of ``(path, score)`` citations that are correct (see :func:`citation_ok`); 0.0 if none."""
    if not citations:
        return 0.0
    return sum(citation_ok(path, score, gold_sources) for path, score in citations) / len(citations)


def cites_gold(cited_paths: Sequence[str], gold_sources: Sequence[str]) -> bool:
    """True when at least one citation points into a gold file (the per-question unit of recall)."""
    return any(is_gold(path, gold_sources) for path in cited_paths)


def refusal_correct(refused: bool, answerable: bool) -> bool:
    """Answerable questions must be answered, unanswerable ones refused."""
    return refused != answerable


def mean(values: Sequence[float]) -> float:
    """Arithmetic mean; 0.0 for no values."""
    return sum(values) / len(values) if values else 0.0


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0..100) with linear interpolation between ranks; 0.0 for no values.

    >>> percentile([1.0, 2.0, 3.0, 4.0], 50)
    2.5
    """
    if not values:
        return 0.0
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
