"""Files -> :class:`Document`s: discovery, decoding and content hashing."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rag.errors import DocumentError

SUPPORTED_SUFFIXES = frozenset({".txt", ".md", ".markdown"})


@dataclass(frozen=True)
class Document:
    """The decoded text of one file and the sha256 of its bytes."""

    path: str
    """Absolute path of the source file."""
    text: str
    sha256: str


@dataclass(frozen=True)
class Skipped:
    """A file that was not indexed, and why."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


def discover(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[Path], list[Skipped]]:
    """Expand files and folders (recursively, hidden entries ignored) into the files to load.

    Returns the supported files, sorted, and the entries skipped with a reason.
    """
    found: set[Path] = set()
    skipped: list[Skipped] = []
    for raw in paths:
        root = Path(raw).absolute()
        if root.is_file():
            candidates = [root]
        elif root.is_dir():
            candidates = [
                Path(dirpath) / name
                for dirpath, dirnames, filenames in os.walk(root)
                if not dirnames.sort()  # walk in a stable order
                for name in sorted(filenames)
                if not name.startswith(".")
            ]
        else:
            skipped.append(Skipped(str(root), "no such file or folder"))
            continue
        for path in candidates:
            if any(part.startswith(".") for part in path.relative_to(root.parent).parts):
                continue
            if path.suffix.lower() in SUPPORTED_SUFFIXES:
                found.add(path)
            else:
                kinds = ", ".join(sorted(SUPPORTED_SUFFIXES))
                skipped.append(Skipped(str(path), f"unsupported file type (reads {kinds})"))
    return sorted(found), skipped


def load(path: str | os.PathLike[str]) -> Document:
    """Read and decode one file; raise :class:`DocumentError` with the reason if it cannot be used."""
    path = Path(path).absolute()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"cannot read: {exc.strerror or exc}") from exc
    if b"\x00" in data[:8192]:
        raise DocumentError("binary content, not text")
    text = _decode(data)
    if not text.strip():
        raise DocumentError("empty file")
    return Document(path=str(path), text=text, sha256=hashlib.sha256(data).hexdigest())


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Older Windows and Latin-1 files: cp1252 decodes most of them faithfully.
        return data.decode("cp1252", errors="replace")
