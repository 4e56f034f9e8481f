"""The one access policy of every entry point of ``rag serve``: the page, its Gradio API calls, ``/ask`` and ``/v1``.

Every handler that touches a collection first asks :meth:`Visitor.check` for the right it needs
(:class:`~rag.access.Right`). A collection the caller may not read answers exactly like a missing
one (the same message, 404 on ``/v1``), so its existence does not leak; a refused action is a
readable message, changes nothing and is written to the audit log (:mod:`ui.audit`) and the server log.

Without ``--users`` the policy has no rules and every user may do everything (open, or single-team
``--auth``/``--auth-file``); API keys made with ``rag keys`` are scoped to their collection all the same.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rag.access import AccessPolicy, Caller, KeyStore, Right, check_collection_name
from rag.config import Settings
from rag.errors import RagError
from rag.store import list_collections
from ui.audit import Action, AuditLog

log = logging.getLogger(__name__)

VERBS = {Right.READ: "read", Right.WRITE: "upload into", Right.DELETE: "remove documents from"}


def not_found(name: str) -> str:
    """The message for a collection that does not exist, or that the caller may not read: the same."""
    return f"no collection {name[:100]!r} on this server"


def existing_collections(settings: Settings) -> list[str]:
    """The names of the collections of the index; none when they cannot be listed (the log says why)."""
    try:
        return [info.name for info in list_collections(settings.index_dir, settings.chroma_url)]
    except RagError:  # a collection built with another embedding model; it cannot be listed or used
        log.warning("cannot list the collections of %s", settings.index_dir, exc_info=True)
        return []


class Gate:
    """The server's access policy, its API keys (``INDEX_DIR/keys.json``) and its audit log."""

    def __init__(self, settings: Settings, policy: AccessPolicy | None = None, audit: AuditLog | None = None) -> None:
        self.settings = settings
        self.policy = policy or AccessPolicy()
        self.audit = audit or AuditLog()
        self.keys = KeyStore(settings.index_dir)

    def visitor(self, request: Any) -> Visitor:
        """The web caller of a Gradio event: its login (``gr.Request.username``), if any."""
        return Visitor(self, Caller(user=getattr(request, "username", None) or None))

    def limited(self, caller: Caller) -> bool:
        """Whether rules or a key's scope limit ``caller`` (else they may do everything, as without ``--users``)."""
        return not caller.unrestricted and (self.policy.restricted or caller.key is not None)

    def readable(self, caller: Caller, names: list[str]) -> list[str]:
        """Those of ``names`` that ``caller`` may read."""
        return [name for name in names if Right.READ in self.policy.rights(caller, name)]

    def choices(self, caller: Caller) -> tuple[list[str], str | None]:
        """The collections to offer the caller (those they may read, and those they may upload into that the
        users file names, such as their private one), and the one chosen at first."""
        existing = existing_collections(self.settings)
        if not self.limited(caller):
            return sorted({*existing, self.settings.collection}), self.settings.collection
        named = self.policy.rules.named() if self.policy.rules else []
        writable = [name for name in named if Right.WRITE in self.policy.rights(caller, name)]
        readable = self.readable(caller, existing)
        return sorted({*readable, *writable}), self.policy.home(caller, readable) or next(iter(writable), None)

    def check(self, caller: Caller, name: str, right: Right, attempt: str, document: str | None = None) -> str:
        """``name`` (empty: the server's collection) when ``caller`` has ``right`` on it; else a :class:`RagError`,
        audited and logged. Not readable, or (for reading and removing) missing: the message of a missing one."""
        name = name.strip() or self.settings.collection
        reason = self.refusal(caller, name, right)
        if reason is not None:
            self.refuse(caller, attempt, name, reason, document)
            raise RagError(reason)
        return name

    def refusal(self, caller: Caller, name: str, right: Right) -> str | None:
        """Why ``caller`` may not do ``right`` in collection ``name``; None when they may. Nothing is recorded."""
        try:
            check_collection_name(name)
        except RagError as exc:
            return str(exc)
        if not self.limited(caller):
            return None
        rights = self.policy.rights(caller, name)
        if Right.READ not in rights and right not in rights:
            return not_found(name)
        if right not in rights:
            return f"you may not {VERBS[right]} collection {name!r}"
        if right is not Right.WRITE and name not in existing_collections(self.settings):
            return not_found(name)  # a readable name that was never made: no empty collection is created
        return None

    def refuse(
        self, caller: Caller, attempt: str, collection: str | None, reason: str, document: str | None = None
    ) -> None:
        """Record a refused action in the audit log and the server log."""
        log.warning("refused %s by %s on collection %r: %s", attempt, caller.label, (collection or "")[:100], reason)
        self.audit.record(
            caller, Action.REFUSED, collection and collection[:100], document, attempt=attempt, reason=reason
        )

    def login(self, check: Callable[[str, str], bool]) -> Callable[[str, str], bool]:
        """Gradio's login ``check``, with each attempt in the audit log (the user name only, never the password)."""

        def checked(user: str, password: str) -> bool:
            ok = check(user, password)
            self.audit.record(Caller(user=user[:100]), Action.LOGIN_OK if ok else Action.LOGIN_FAILED)
            return ok

        return checked

    def needs_key(self) -> bool:
        """Whether ``/v1`` needs a key although the server has no ``--api-key``: with users, or once keys were made."""
        return self.policy.restricted or self.keys.exists()

    def api_caller(self, token: str, key_needed: bool = False) -> Caller | None:
        """Who an API request with bearer ``token`` comes from: the key made by ``rag keys`` it is (audited), or
        anyone when no key is needed (``key_needed``: the server has ``--api-key`` keys); None (audited) for a
        missing, wrong or revoked key."""
        key = self.keys.find(token) if token else None
        if key is not None and not key.revoked:
            caller = Caller(key=key)
            self.audit.record(caller, Action.KEY_USED, key.collection)
            return caller
        if key is None and not (key_needed or self.needs_key()):
            return Caller()
        reason = "the key was revoked" if key else "missing or wrong API key"
        self.refuse(Caller(key=key), "api", key.collection if key else None, reason)
        return None


@dataclass(frozen=True)
class Visitor:
    """One caller at the gate: what the handlers ask before they touch a collection."""

    gate: Gate
    caller: Caller

    @classmethod
    def operator(cls, settings: Settings) -> Visitor:
        """A caller without limits and without audit: the library's and the CLI's own use."""
        return cls(Gate(settings), Caller(unrestricted=True))

    def check(self, name: str | None, right: Right, attempt: str, document: str | None = None) -> str:
        """:meth:`Gate.check` for this caller."""
        return self.gate.check(self.caller, name or "", right, attempt, document)

    def may(self, name: str | None, right: Right) -> bool:
        """Whether :meth:`check` would let this caller do ``right`` in ``name`` (nothing is recorded)."""
        name = (name or "").strip() or self.gate.settings.collection
        return not self.gate.limited(self.caller) or self.gate.refusal(self.caller, name, right) is None

    def refuse(self, attempt: str, collection: str | None, reason: str, document: str | None = None) -> None:
        """:meth:`Gate.refuse` for this caller."""
        self.gate.refuse(self.caller, attempt, collection, reason, document)

    def record(self, action: Action, collection: str, document: str | None = None, question: str | None = None) -> None:
        """An audit line for an action this caller did."""
        self.gate.audit.record(self.caller, action, collection, document, question)
