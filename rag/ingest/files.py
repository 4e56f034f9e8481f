"""Files -> what the chunker reads: discovery of the files to index, content hashes, and reading by format.

The formats and their readers are listed in :mod:`rag.ingest.formats`.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

from rag.errors import DocumentError
from rag.ingest.document import BLOCK_BYTES, Document, Skipped, open_file
from rag.ingest.formats import READERS, SUPPORTED_SUFFIXES, Readable
from rag.ingest.formats.text import TextFile


def discover(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[Path], list[Skipped]]:
    """Expand files and folders (recursively, hidden entries ignored) into the files to load.

    Returns the supported files, sorted, and the entries skipped with a reason. Symbolic links
    to files are followed; links to folders are not (they may loop), and are reported.
    """
    found: set[Path] = set()
    skipped: list[Skipped] = []
    for raw in paths:
        root = Path(raw).absolute()
        if root.is_dir():
            candidates = []
            for dirpath, dirnames, filenames in os.walk(root):
                dirnames.sort()  # walk in a stable order
                for name in dirnames:
                    if os.path.islink(os.path.join(dirpath, name)) and not name.startswith("."):
                        reason = "link to a folder, not followed (index its target instead)"
                        skipped.append(Skipped(os.path.join(dirpath, name), reason))
                candidates += [Path(dirpath) / name for name in sorted(filenames) if not name.startswith(".")]
        elif root.exists() or root.is_symlink():
            candidates = [root]
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


def fingerprint(path: str | os.PathLike[str]) -> str:
    """The sha256 of the file's bytes, read in blocks; :class:`DocumentError` if it cannot be read."""
    digest = hashlib.sha256()
    with open_file(Path(path)) as file:
        while data := file.read(BLOCK_BYTES):
            digest.update(data)
    return digest.hexdigest()


def open_source(path: str | os.PathLike[str]) -> Readable:
    """The file ready to chunk, read by the reader of its suffix; :class:`DocumentError` if it cannot be used."""
    path = Path(path).absolute()
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        open_file(path).close()  # a folder, a pipe or an unreadable file: that is the reason to give
        raise DocumentError(f"unsupported file type {path.suffix or '(none)'}")
    return reader(path)


def load(path: str | os.PathLike[str]) -> Document:
    """Read and extract one whole file; raise :class:`DocumentError` with the reason if it cannot be used."""
    source = open_source(path)
    if isinstance(source, TextFile):
        text = "".join(source.blocks())
        return Document(source.path, text, source.sha256, source.structure)
    return source
