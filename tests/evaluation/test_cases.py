"""Question files: both shapes of ``history`` (pairs and chat messages), and a clear error for any other."""

from __future__ import annotations

import json

import pytest

from rag.evaluation.cases import EvalCase, load_cases, write_cases

PAIRS = [["Who founded DeepSeek?", "Liang Wenfeng [1]."], ["Where?", "In Hangzhou [2]."]]
MESSAGES = [
    {"role": "user", "content": "Who founded DeepSeek?"},
    {"role": "assistant", "content": "Liang Wenfeng [1]."},
    {"role": "user", "content": "Where?"},
    {"role": "assistant", "content": "In Hangzhou [2]."},
]


def _case(history: object) -> dict:
    return {"id": "f", "question": "When did he found it?", "answers": ["2023"], "history": history}


def test_chat_messages_and_pairs_give_the_same_turns(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps(_case(MESSAGES)) + "\n", encoding="utf-8")
    (case,) = load_cases(path)
    assert case.history == (("Who founded DeepSeek?", "Liang Wenfeng [1]."), ("Where?", "In Hangzhou [2]."))
    assert case == EvalCase.from_dict(_case(PAIRS))
    write_cases([case], path)  # written back as pairs, which load the same
    assert json.loads(path.read_text())["history"] == PAIRS and load_cases(path) == [case]


@pytest.mark.parametrize(
    "history",
    [
        MESSAGES[:3],  # ends with a question, no answer
        [MESSAGES[1], MESSAGES[0]],  # the answer first
        [MESSAGES[0], MESSAGES[0]],  # two questions in a row
        [{"role": "system", "content": "Be brief."}, *MESSAGES[:2]],
        [{"role": "user", "content": 3}, MESSAGES[1]],  # content not text
        [{"role": "user", "content": "Who?", "name": "x"}, MESSAGES[1]],  # a key of neither shape
        [["Who?", "Liang.", "extra"]],
        [["Who?"]],
        [["Who?", None]],
        "Who founded DeepSeek?",
        {"role": "user", "content": "Who?"},
    ],
)
def test_any_other_history_is_rejected_naming_both_shapes_and_the_line(tmp_path, history):
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps(_case(PAIRS)) + "\n" + json.dumps(_case(history) | {"id": "g"}) + "\n")
    with pytest.raises(ValueError, match=r"line 2: 'history' must be a list of \[question, answer\] pairs, or of chat"):
        load_cases(path)
