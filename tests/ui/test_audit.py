"""The audit log (``ui/audit.py``): one JSON line per event, appended; questions only when asked for."""

from __future__ import annotations

import json

import pytest

from rag.access import ApiKey, Caller, Right
from ui.audit import Action, AuditLog


def test_one_line_per_event_and_questions_only_with_the_flag(tmp_path):
    path = tmp_path / "logs" / "audit.jsonl"
    path.parent.mkdir()
    path.write_text('{"earlier": "line"}\n')  # appended to, never truncated
    plain, verbose = AuditLog(path), AuditLog(path, questions=True)
    key = ApiKey("ab12cd34", "hr-docs", frozenset({Right.READ}), user="alice", sha256="secret-hash")
    plain.record(Caller(user="alice"), Action.ASK, "hr-docs", question="Who earns what?")
    verbose.record(Caller(key=key), Action.ASK, "hr-docs", question="Who earns what?")
    plain.record(Caller(user="bob"), Action.REFUSED, "hr-docs", "a.txt", attempt="delete", reason="no")
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert lines[0] == {"earlier": "line"} and len(lines) == 4
    assert "question" not in lines[1] and lines[2]["question"] == "Who earns what?"
    assert (lines[2]["user"], lines[2]["key"]) == ("alice", "ab12cd34") and "secret-hash" not in path.read_text()
    assert lines[3]["action"] == "refused" and lines[3]["attempt"] == "delete" and lines[3]["document"] == "a.txt"
    assert lines[1]["time"].endswith("Z") and lines[1].keys() >= {"user", "key", "action", "collection", "document"}


def test_an_audit_log_that_cannot_be_written_stops_the_start(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(ValueError, match="cannot write it"):
        AuditLog(tmp_path / "file" / "audit.jsonl")
    AuditLog().record(Caller(), Action.LOGIN_FAILED)  # no file: records nothing, raises nothing
