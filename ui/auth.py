"""Logins for the web chat: ``--auth USER:PASSWORD`` or ``--auth-file FILE`` of ``user:password-hash`` lines.

Hashes are scrypt (standard library), written ``scrypt$N$r$p$SALT$HASH`` (base64). Make a line with
``python -m ui.auth USER`` (it asks for the password). Passwords are never logged, and a failed
login logs only the user name.

>>> line = hash_line("alice", "correct horse", n=2**10)
>>> check = Logins.parse([line]).check
>>> check("alice", "correct horse"), check("alice", "wrong"), check("bob", "correct horse")
(True, False, False)
"""

from __future__ import annotations

import base64
import getpass
import hashlib
import hmac
import logging
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

SCRYPT_N = 2**14


def password_hash(password: str, salt: bytes | None = None, n: int = SCRYPT_N, r: int = 8, p: int = 1) -> str:
    """``scrypt$N$r$p$SALT$HASH`` for ``password``, with a random salt unless one is given."""
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=32)
    encode = base64.b64encode
    return f"scrypt${n}${r}${p}${encode(salt).decode()}${encode(digest).decode()}"


def hash_line(user: str, password: str, n: int = SCRYPT_N) -> str:
    """One line of an ``--auth-file``."""
    return f"{user}:{password_hash(password, n=n)}"


def _verify(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = password_hash(password, base64.b64decode(salt), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(expected.rpartition("$")[2], digest)


@dataclass(frozen=True)
class Logins:
    """The users allowed in, each with a password hash."""

    hashes: dict[str, str]

    @classmethod
    def parse(cls, lines: Iterable[str], source: str = "--auth-file") -> Logins:
        """From ``user:hash`` lines; blank lines and ``#`` comments are skipped. ValueError names a bad line."""
        hashes = {}
        for number, raw in enumerate(lines, start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            user, sep, stored = line.partition(":")
            if not sep or not user or not stored.startswith("scrypt$") or stored.count("$") != 5:
                raise ValueError(f"{source} line {number}: expected USER:scrypt$..., made with: python -m ui.auth USER")
            hashes[user] = stored
        if not hashes:
            raise ValueError(f"{source}: no logins in it")
        return cls(hashes)

    @classmethod
    def read(cls, path: str | os.PathLike[str]) -> Logins:
        """The logins in file ``path``."""
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ValueError(f"--auth-file {path}: cannot read it ({exc.strerror or exc})") from exc
        return cls.parse(text.splitlines(), f"--auth-file {Path(path).name}")

    def check(self, user: str, password: str) -> bool:
        """Whether ``password`` is ``user``'s; a failure is logged with the user name only."""
        stored = self.hashes.get(user)
        ok = _verify(password, stored) if stored else False
        if not ok:
            log.warning("failed web login for user %r", user)
        return ok


def main() -> int:
    """``python -m ui.auth USER``: print an ``--auth-file`` line for USER, asking for the password twice."""
    if len(sys.argv) != 2 or ":" in sys.argv[1]:
        print("usage: python -m ui.auth USER   (prints USER:HASH for an --auth-file)", file=sys.stderr)
        return 2
    password = getpass.getpass("password: ")
    if not password or password != getpass.getpass("again: "):
        print("the passwords are empty or differ", file=sys.stderr)
        return 1
    print(hash_line(sys.argv[1], password))
    return 0


if __name__ == "__main__":
    sys.exit(main())
