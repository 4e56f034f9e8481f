"""The audit log of ``rag serve --audit-log FILE``: one JSON line per event, appended.

Each line has ``time`` (UTC), ``user`` (a login, a key's user, or null), ``key`` (an API key's id, or
null), ``action`` (one of :class:`Action`), ``collection`` and ``document`` (or null); a refusal adds
what was tried (``attempt``) and why (``reason``). A line never holds a password or a key, and holds
the question only with ``--audit-questions``::

    {"time": "2026-12-05T08:00:00Z", "user": "alice", "key": null, "action": "ask", "collection": "hr", ...}
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from enum import StrEnum
from pathlib import Path

from rag.access import Caller

log = logging.getLogger(__name__)


class Action(StrEnum):
    """What an audit line records."""

    LOGIN_OK = "login_ok"
    LOGIN_FAILED = "login_failed"
    ASK = "ask"
    UPLOAD = "upload"
    DELETE = "delete"
    KEY_USED = "key_used"
    REFUSED = "refused"


class AuditLog:
    """Appends events to ``path`` (none: records nothing); safe to call from several threads."""

    def __init__(self, path: str | os.PathLike[str] | None = None, questions: bool = False) -> None:
        self.path = Path(path) if path else None
        self.questions = questions
        self._lock = threading.Lock()
        if self.path:
            try:  # fail at start, not at the first event
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self.path.open("a", encoding="utf-8").close()
            except OSError as exc:
                raise ValueError(f"--audit-log {path}: cannot write it ({exc.strerror or exc})") from exc

    def record(
        self,
        caller: Caller,
        action: Action,
        collection: str | None = None,
        document: str | None = None,
        question: str | None = None,
        **detail: str,
    ) -> None:
        """Append one line; ``question`` only with ``--audit-questions``. A write that fails is logged, not raised."""
        if self.path is None:
            return
        event = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "user": caller.key.user if caller.key else caller.user,
            "key": caller.key.id if caller.key else None,
            "action": str(action),
            "collection": collection,
            "document": document,
            **({"question": question} if self.questions and question is not None else {}),
            **detail,
        }
        line = json.dumps(event, ensure_ascii=False) + "\n"
        try:
            with self._lock, self.path.open("a", encoding="utf-8") as out:
                out.write(line)
        except OSError:
            log.exception("cannot write the audit log %s", self.path)
