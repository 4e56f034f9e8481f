"""Who may do what with which collection: users, groups and roles from one TOML file, and API keys.

The operator writes the users file (``rag serve --users users.toml``)::

    [users.alice]
    password_hash = "scrypt$16384$8$1$..."   # python -m ui.auth alice (the part after "alice:")
    groups = ["hr"]
    role = "editor"                          # admin, editor or reader
    private = true                           # a collection "private-alice" only she reads and writes

    [collections.hr]
    read = ["group:hr"]                      # user names, "group:NAME", or "*" (every user)
    write = ["group:hr"]
    delete = ["alice"]

A user's rights on a collection are those the collection's rules give them, capped by their role (a
reader only reads); an admin has every right on every collection; a user has every right on their own
private collection. :class:`KeyStore` keeps the API keys that ``rag keys`` makes: only their hashes,
in ``INDEX_DIR/keys.json``. :class:`AccessPolicy` answers "what may this caller do here?" for the web
chat and the API; the library and the CLI are the operator's tools and never ask it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import time
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from rag.errors import RagError

COLLECTION_NAME = re.compile(r"^(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9._-]{1,61}[A-Za-z0-9]$")
"""Chroma's rule for collection names: 3-63 letters, digits, ``.``, ``_`` or ``-``, letters or digits at the ends,
no ``..``."""
_USER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
GROUP_PREFIX = "group:"
EVERYONE = "*"
KEYS_FILE = "keys.json"
"""The API keys' file in the index folder (``rag keys``)."""


class AccessError(RagError):
    """A users file or a key that cannot be used; the message says what to fix."""


class Right(StrEnum):
    """What a rule allows on a collection."""

    READ = "read"
    """Ask, and list its documents."""
    WRITE = "write"
    """Upload and re-index."""
    DELETE = "delete"
    """Remove documents."""


ALL_RIGHTS = frozenset(Right)
NO_RIGHTS: frozenset[Right] = frozenset()


class Role(StrEnum):
    """A user's role: the most a rule can give them."""

    ADMIN = "admin"
    """Every right on every collection, whatever the rules say."""
    EDITOR = "editor"
    """The rights the rules give."""
    READER = "reader"
    """At most ``read``, whatever the rules say (and everything in their own private collection)."""


def check_collection_name(name: str) -> str:
    """``name`` when it is a valid collection name, else a :class:`RagError` saying the rule.

    >>> check_collection_name("../eng")
    Traceback (most recent call last):
    ...
    rag.errors.RagError: invalid collection name '../eng': use 3-63 letters, digits, '.', '_' or '-', ...
    """
    if not COLLECTION_NAME.match(name):
        raise RagError(
            f"invalid collection name {name[:100]!r}: use 3-63 letters, digits, '.', '_' or '-', "
            "starting and ending with a letter or digit, without '..'"
        )
    return name


@dataclass(frozen=True)
class User:
    """One login of the users file."""

    name: str
    password_hash: str = field(repr=False)
    role: Role = Role.READER
    groups: frozenset[str] = frozenset()
    private: str | None = None
    """Their private collection, where their uploads go by default; None: they have none."""


@dataclass(frozen=True)
class CollectionRule:
    """Who may read, write and delete in one collection: user names, ``group:NAME`` or ``*``."""

    read: frozenset[str] = frozenset()
    write: frozenset[str] = frozenset()
    delete: frozenset[str] = frozenset()

    def rights(self, user: User) -> frozenset[Right]:
        """The rights the rule gives ``user`` (before their role caps them)."""
        names = {user.name, EVERYONE, *(GROUP_PREFIX + group for group in user.groups)}
        granted = {Right.READ: self.read, Right.WRITE: self.write, Right.DELETE: self.delete}
        return frozenset(right for right, who in granted.items() if names & who)


@dataclass(frozen=True)
class AccessRules:
    """The users file: its users and the rules of its collections."""

    users: Mapping[str, User]
    collections: Mapping[str, CollectionRule]

    @classmethod
    def read(cls, path: str | os.PathLike[str]) -> AccessRules:
        """The rules in TOML file ``path``; an :class:`AccessError` names the first problem."""
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise AccessError(f"--users {path}: cannot read it ({exc.strerror or exc})") from exc
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise AccessError(f"--users {Path(path).name}: not valid TOML ({exc})") from exc
        return cls.parse(data, f"--users {Path(path).name}")

    @classmethod
    def parse(cls, data: Mapping[str, Any], source: str = "users file") -> AccessRules:
        """The rules in parsed TOML ``data`` (see the module's docstring)."""
        _only(data, {"users", "collections"}, source)
        users = {name: _user(name, raw, f"{source}: [users.{name}]") for name, raw in _table(data, "users", source)}
        if not users:
            raise AccessError(f"{source}: no [users.NAME] in it")
        groups = {group for user in users.values() for group in user.groups}
        collections = {}
        for name, raw in _table(data, "collections", source):
            where = f"{source}: [collections.{name}]"
            check_collection_name(name)
            _only(raw, {"read", "write", "delete"}, where)
            rule = {right: _principals(raw.get(right, []), users, groups, f"{where} {right}") for right in raw}
            collections[name] = CollectionRule(**rule)
        privates = [user.private for user in users.values() if user.private]
        clash = sorted({p for p in privates if privates.count(p) > 1 or p in collections})
        if clash:
            raise AccessError(f"{source}: {', '.join(clash)} is a private collection and is named elsewhere too")
        return cls(users, collections)

    def rights(self, user: str | None, collection: str) -> frozenset[Right]:
        """What ``user`` may do in ``collection``; nothing for an unknown user."""
        found = self.users.get(user or "")
        if found is None:
            return NO_RIGHTS
        if found.role is Role.ADMIN or collection == found.private:
            return ALL_RIGHTS
        rule = self.collections.get(collection)
        granted = rule.rights(found) if rule else NO_RIGHTS
        return granted & {Right.READ} if found.role is Role.READER else granted

    def named(self) -> list[str]:
        """Every collection the file names: its rules' and the private ones."""
        privates = (user.private for user in self.users.values() if user.private)
        return sorted({*self.collections, *privates})


def _table(data: Mapping[str, Any], key: str, source: str) -> Iterable[tuple[str, Mapping[str, Any]]]:
    table = data.get(key, {})
    if not isinstance(table, dict) or not all(isinstance(value, dict) for value in table.values()):
        raise AccessError(f"{source}: [{key}.NAME] must be tables")
    return table.items()


def _only(raw: Mapping[str, Any], allowed: set[str], where: str) -> None:
    """A typo in a security file must not be ignored silently."""
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise AccessError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(allowed))})")


def _user(name: str, raw: Mapping[str, Any], where: str) -> User:
    _only(raw, {"password_hash", "groups", "role", "private"}, where)
    if not _USER_NAME.match(name):
        raise AccessError(f"{where}: a user name is 1-64 letters, digits, '.', '_', '@' or '-'")
    stored = raw.get("password_hash")
    if not isinstance(stored, str) or not stored.startswith("scrypt$") or stored.count("$") != 5:
        raise AccessError(f"{where}: password_hash must be a scrypt$... hash, made with: python -m ui.auth {name}")
    groups = raw.get("groups", [])
    if not isinstance(groups, list) or not all(isinstance(g, str) and g for g in groups):
        raise AccessError(f"{where}: groups must be a list of names")
    try:
        role = Role(raw.get("role", Role.READER))
    except ValueError:
        raise AccessError(f"{where}: role must be one of {', '.join(Role)}") from None
    private = raw.get("private", False)
    if private is True:
        private = f"private-{name}"
    if private is not False and not (isinstance(private, str) and COLLECTION_NAME.match(private)):
        raise AccessError(f"{where}: private must be true, false or a collection name (3-63 letters, digits, .-_)")
    return User(name, stored, role, frozenset(groups), private or None)


def _principals(raw: Any, users: Mapping[str, User], groups: set[str], where: str) -> frozenset[str]:
    if not isinstance(raw, list) or not all(isinstance(p, str) for p in raw):
        raise AccessError(f'{where}: a list of user names, "group:NAME" or "*"')
    for principal in raw:
        group = principal.removeprefix(GROUP_PREFIX) if principal.startswith(GROUP_PREFIX) else None
        if principal != EVERYONE and principal not in users and group not in groups:
            kind = f"group {group!r}" if group is not None else f"user {principal!r}"
            raise AccessError(f"{where}: no {kind} in the file (a group exists once a user is in it)")
    return frozenset(raw)


@dataclass(frozen=True)
class ApiKey:
    """A key of the ``/v1`` API: the rights it gives on one collection, never more than its user's."""

    id: str
    collection: str
    rights: frozenset[Right]
    user: str | None = None
    created: str = ""
    revoked: str = ""
    """When it was revoked (``rag keys revoke``); empty while it works."""
    sha256: str = field(default="", repr=False)

    def rights_on(self, collection: str) -> frozenset[Right]:
        """Its rights on ``collection``: none when revoked or on another collection."""
        return self.rights if collection == self.collection and not self.revoked else NO_RIGHTS

    def to_dict(self) -> dict[str, Any]:
        """As stored (and as ``rag keys list --json`` prints it, without the hash)."""
        return {**asdict(self), "rights": sorted(self.rights)}


class KeyStore:
    """The API keys of one index folder, in ``INDEX_DIR/keys.json``: ids, scopes and SHA-256 hashes, never keys."""

    def __init__(self, index_dir: str | os.PathLike[str]) -> None:
        self.path = Path(index_dir) / KEYS_FILE

    def exists(self) -> bool:
        """Whether any key was ever made here: the API then needs a key, even once all are revoked."""
        return self.path.is_file()

    def listed(self) -> list[ApiKey]:
        """Every key, revoked ones too, oldest first."""
        if not self.path.is_file():
            return []
        try:
            rows = json.loads(self.path.read_text(encoding="utf-8"))
            return [ApiKey(**{**row, "rights": frozenset(Right(r) for r in row["rights"])}) for row in rows]
        except (OSError, ValueError, TypeError, KeyError) as exc:
            raise AccessError(f"{self.path}: not a keys file made by rag keys ({exc})") from exc

    def create(self, collection: str, rights: Iterable[Right], user: str | None = None) -> tuple[ApiKey, str]:
        """A new key on ``collection``: its record, and the key itself (shown once, never stored)."""
        check_collection_name(collection)
        if user is not None and not _USER_NAME.match(user):
            raise AccessError(f"invalid user name {user[:100]!r}")
        rights = frozenset(rights)
        if not rights:
            raise AccessError("a key needs at least one right: --read and/or --write")
        keys = self.listed()
        key_id = secrets.token_hex(4)
        while any(k.id == key_id for k in keys):
            key_id = secrets.token_hex(4)
        token = f"rag-{key_id}-{secrets.token_urlsafe(32)}"
        key = ApiKey(key_id, collection, rights, user, _now(), "", _digest(token))
        self._write([*keys, key])
        return key, token

    def revoke(self, key_id: str) -> ApiKey:
        """Revoke key ``key_id``; it stays listed, marked revoked."""
        keys = self.listed()
        found = [k for k in keys if k.id == key_id]
        if not found:
            raise AccessError(f"no key {key_id[:100]!r} in {self.path}; see: rag keys list")
        revoked = ApiKey(**{**asdict(found[0]), "revoked": found[0].revoked or _now()})
        self._write([revoked if k.id == key_id else k for k in keys])
        return revoked

    def find(self, token: str) -> ApiKey | None:
        """The key whose hash ``token`` has (revoked or not), or None."""
        digest = _digest(token)
        return next((k for k in self.listed() if hmac.compare_digest(k.sha256, digest)), None)

    def _write(self, keys: list[ApiKey]) -> None:
        """Replace the file at once (a reader never sees half of it), readable by its owner only."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{KEYS_FILE}.{os.getpid()}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            json.dump([k.to_dict() for k in keys], out, indent=2)
        os.replace(temporary, self.path)


def _digest(token: str) -> str:
    # A key is 256 random bits: a plain hash cannot be reversed by guessing, unlike a password's.
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


@dataclass(frozen=True)
class Caller:
    """Who is asking: a web user (``user``), an API key (``key``), or a holder of an old ``--api-key`` key."""

    user: str | None = None
    key: ApiKey | None = None
    unrestricted: bool = False
    """An old ``--api-key`` key: everything, as before there were users."""

    @property
    def label(self) -> str:
        """How logs name the caller: ``alice``, ``key:ab12cd34`` or ``anonymous``."""
        return f"key:{self.key.id}" if self.key else self.user or "anonymous"


@dataclass(frozen=True)
class AccessPolicy:
    """The rights of web and API callers; without rules (no ``--users``), every user may do everything."""

    rules: AccessRules | None = None

    @property
    def restricted(self) -> bool:
        """Whether users have rules (``--users``), rather than everyone everything."""
        return self.rules is not None

    def rights(self, caller: Caller, collection: str) -> frozenset[Right]:
        """What ``caller`` may do in ``collection``: a key's rights never exceed its user's."""
        if caller.unrestricted:
            return ALL_RIGHTS
        if caller.key is not None:
            rights = caller.key.rights_on(collection)
            return rights & self._user_rights(caller.key.user, collection) if caller.key.user else rights
        return self._user_rights(caller.user, collection)

    def _user_rights(self, user: str | None, collection: str) -> frozenset[Right]:
        return ALL_RIGHTS if self.rules is None else self.rules.rights(user, collection)

    def home(self, caller: Caller, readable: list[str]) -> str | None:
        """Where the caller's uploads go by default: their private collection, else the first they may read."""
        user = self.rules.users.get(caller.user or "") if self.rules else None
        return (user.private if user else None) or (readable[0] if readable else None)
