"""Evaluation sets on disk: one JSON object per line, one question each::

{"id": "s01", "question": "How many people are on DeepSeek's team?",
 "answers": ["140", "around 140"], "answerable": true,
 "gold_sources": ["000_959d6777a251aa29.txt"], "history": [["earlier question", "earlier answer"]]}

``history`` may also be written as chat messages, the shape ``/v1/chat/completions`` takes:
``[{"role": "user", "content": "earlier question"}, {"role": "assistant", "content": "earlier answer"}]``.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class EvalCase:
    """One question of an evaluation set."""

    id: str
    question: str
    answers: tuple[str, ...] = ()
    """Acceptable answers; empty when only refusal and retrieval are scored."""
    answerable: bool = True
    gold_sources: tuple[str, ...] = ()
    """Files that answer the question, matched by trailing path components (e.g. a file name)."""
    history: tuple[tuple[str, str], ...] = ()
    """Earlier (question, answer) turns for a follow-up question."""
    payload: str = ""
    """An attacker's string planted in a document (prompt injection): an answer containing it was hijacked."""
    kind: str = ""
    """The attack kind of a hostile question (``override``, ``role-tag``, ...), or ``benign``; for reports."""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EvalCase:
        """Validate one JSON object of a question file."""
        unknown = set(data) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise ValueError(f"unknown keys {sorted(unknown)}")
        if not isinstance(data.get("id"), str | int) or not str(data.get("question", "")).strip():
            raise ValueError("'id' and a non-empty 'question' are required")
        if not isinstance(data.get("answerable", True), bool):
            raise ValueError("'answerable' must be true or false")
        history = parse_history(data.get("history") or [])
        return cls(
            id=str(data["id"]),
            question=str(data["question"]).strip(),
            answers=tuple(str(a) for a in data.get("answers") or ()),
            answerable=data.get("answerable", True),
            gold_sources=tuple(str(g) for g in data.get("gold_sources") or ()),
            history=history,
            payload=str(data.get("payload") or ""),
            kind=str(data.get("kind") or ""),
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data, the inverse of :meth:`from_dict`."""
        data: dict[str, Any] = {
            "id": self.id,
            "question": self.question,
            "answers": list(self.answers),
            "answerable": self.answerable,
        }
        if self.gold_sources:
            data["gold_sources"] = list(self.gold_sources)
        if self.history:
            data["history"] = [list(turn) for turn in self.history]
        if self.payload or self.kind:
            data.update(payload=self.payload, kind=self.kind)
        return data


HISTORY_SHAPES = (
    "'history' must be a list of [question, answer] pairs, or of chat messages "
    '{"role": "user" or "assistant", "content": TEXT} that alternate, starting with "user" and ending with '
    '"assistant"'
)
"""The error for a ``history`` of another shape: it names both accepted shapes."""


def parse_history(history: Any) -> tuple[tuple[str, str], ...]:
    """The (question, answer) turns of a question file's ``history``: ``[question, answer]`` pairs, or chat
    messages (``{"role": "user", "content": ...}`` then ``{"role": "assistant", "content": ...}``, repeated).

    >>> parse_history([["Who?", "Liang."]]) == parse_history(
    ...     [{"role": "user", "content": "Who?"}, {"role": "assistant", "content": "Liang."}])
    True
    >>> parse_history([{"role": "user", "content": "Who?"}])
    Traceback (most recent call last):
    ...
    ValueError: 'history' must be a list of [question, answer] pairs, or of chat messages ...
    """
    if not isinstance(history, list):
        raise ValueError(HISTORY_SHAPES)
    if all(isinstance(turn, list) and len(turn) == 2 and all(isinstance(t, str) for t in turn) for turn in history):
        return tuple((question, answer) for question, answer in history)
    roles = ["user", "assistant"] * (len(history) // 2)
    if len(history) % 2 or not all(
        isinstance(message, dict)
        and set(message) == {"role", "content"}
        and message["role"] == role
        and isinstance(message["content"], str)
        for message, role in zip(history, roles, strict=True)
    ):
        raise ValueError(HISTORY_SHAPES)
    return tuple((history[i]["content"], history[i + 1]["content"]) for i in range(0, len(history), 2))


def load_cases(path: str | os.PathLike[str]) -> list[EvalCase]:
    """Read a question file (JSON lines); errors name the line."""
    cases: list[EvalCase] = []
    seen: set[str] = set()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read question file {path}: {exc}") from exc
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            case = EvalCase.from_dict(json.loads(line))
        except (ValueError, TypeError) as exc:  # json.JSONDecodeError is a ValueError
            raise ValueError(f"{path}, line {number}: {exc}") from exc
        if case.id in seen:
            raise ValueError(f"{path}, line {number}: duplicate id {case.id!r}")
        seen.add(case.id)
        cases.append(case)
    if not cases:
        raise ValueError(f"{path}: no questions")
    return cases


def write_cases(cases: Sequence[EvalCase], path: str | os.PathLike[str]) -> None:
    """Write a question file that :func:`load_cases` reads back."""
    lines = [json.dumps(case.to_dict(), ensure_ascii=False) for case in cases]
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
