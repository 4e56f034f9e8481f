"""Build or update a collection from files: load, chunk, embed, store; skip what is unchanged.

Files are streamed: chunks are embedded and written in batches of :data:`BATCH`, so memory
stays bounded whatever the file size. A file counts as stored only once its last batch is
written (see :mod:`rag.store`), so an interrupted run is finished by the next one.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import shlex
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.config import Settings
from rag.embedding import Embedder
from rag.errors import DocumentError
from rag.ingest.chunking import Chunk, chunk_context, chunk_source, document_title, embedding_text
from rag.ingest.document import Skipped
from rag.ingest.files import discover, fingerprint, open_source
from rag.ingest.formats import Readable
from rag.store import CollectionInfo, Store

log = logging.getLogger(__name__)

BATCH = 256
"""Chunks embedded and written together, at most."""
BATCH_CHARS = 1_000_000
"""Characters embedded and written together, at most (bounds memory when chunks are large)."""


@dataclass(frozen=True)
class IndexResult:
    """What one indexing run did."""

    indexed: list[str] = field(default_factory=list)
    """Files whose chunks were (re)embedded."""
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    """Files that disappeared from an indexed folder; their chunks were deleted."""
    skipped: list[Skipped] = field(default_factory=list)
    chunks_embedded: int = 0
    instructions: dict[str, int] = field(default_factory=dict)
    """Files of this run with sentences that address an AI (prompt injection), and how many: kept out of answers."""

    def summary(self) -> str:
        """One line for humans."""
        flagged = f", {len(self.instructions)} with text addressed to an AI" if self.instructions else ""
        return (
            f"{len(self.indexed)} indexed ({self.chunks_embedded} chunks embedded), "
            f"{len(self.unchanged)} unchanged, {len(self.removed)} removed, {len(self.skipped)} skipped{flagged}"
        )


INDEX_FORMAT = 2
"""The version of what indexing writes, raised when chunks gain data or are embedded otherwise (``2`` added
instruction spans and display names); an index written by an older version is named by ``rag status``."""
CONTEXTUAL = "context"
"""The last part of the chunking key of chunks embedded and keyword-indexed after their title and heading."""


def chunking_key(settings: Settings) -> str:
    """The chunking settings as stored with each chunk: changing them re-chunks every file.

    Sizes, then :data:`INDEX_FORMAT`, then :data:`CONTEXTUAL` for contextual chunks (``1000/200/2/context``).
    """
    key = f"{settings.chunk_size}/{settings.chunk_overlap}/{INDEX_FORMAT}"
    return f"{key}/{CONTEXTUAL}" if settings.contextual_chunks else key


def index_format(chunking: str) -> int:
    """The :data:`INDEX_FORMAT` a chunking key was written by (1 before versions were recorded).

    >>> index_format("1000/200/2/context"), index_format("1000/200")
    (2, 1)
    """
    parts = chunking.split("/")
    return int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else 1


def stale_index(info: CollectionInfo, settings: Settings) -> str | None:
    """One line for a collection not built the way ``settings`` would build it (an older version, other chunk
    sizes, contextual chunks or not), naming the command that rebuilds it; None when it is current or empty.

    Results from such an index may be worse than the figures in evals/README.md, so this is said, never silent.
    """
    wanted = chunking_key(settings)
    if not info.chunkings or info.chunkings == (wanted,):
        return None
    oldest = min(index_format(key) for key in info.chunkings)
    rebuild = f"rag index {shlex.quote(info.folder or 'PATH')} --collection {shlex.quote(info.name)}"
    if settings.contextual_chunks:
        rebuild = f"RAG_CONTEXTUAL_CHUNKS=1 {rebuild}"
    if oldest < INDEX_FORMAT:
        why = f"was built by an older version (index format {oldest}; this version writes {INDEX_FORMAT})"
    else:
        why = f"was built with other settings (chunking {', '.join(info.chunkings)}; the settings say {wanted})"
    return f"collection {info.name!r} {why}: rebuild it with: {rebuild}"


def index_warning(store: Store, settings: Settings) -> str | None:
    """:func:`stale_index` for an open collection; reads every chunk's metadata only when one chunk differs."""
    chunking = store.chunking()
    if chunking is None or chunking == chunking_key(settings):
        return None
    return stale_index(store.info(), settings)


def index_paths(
    paths: Iterable[str | os.PathLike[str]],
    store: Store,
    settings: Settings,
    embedder: Embedder | None = None,
    progress: bool = False,
) -> IndexResult:
    """Index files and folders into ``store``; a file that cannot be used is skipped and reported.

    A skipped file that was indexed before loses its old chunks: the collection never answers
    from a version of a file that no longer reads.
    """
    roots = [Path(p).absolute() for p in paths]
    files, skipped = discover(roots)
    states = store.file_states()
    indexed: list[str] = []
    unchanged: list[str] = []
    removed = _remove_vanished(store, states, roots, {str(f) for f in files})

    chunking = chunking_key(settings)
    bar = _Progress(files) if progress and files else None
    chunks_embedded = 0
    for path in files:
        if bar:
            bar.start(path)
        key = str(path)
        state = states.get(key)
        writing = False
        try:
            sha256 = fingerprint(path)
            if state and state.is_complete(sha256, chunking):
                if not state.is_current(sha256, chunking):
                    store.keep_version(key, sha256)  # an earlier run died before removing the old version
                unchanged.append(key)
            else:
                source = open_source(path)
                embedder = embedder or Embedder.default()
                writing = True
                chunks_embedded += _write_file(source, store, embedder, settings, bar, display_name(path, roots))
                indexed.append(key)
        except DocumentError as exc:
            reason = str(exc)
            if state or writing:
                store.delete_file(key)
                reason += " (its earlier chunks were removed)" if state else ""
            skipped.append(Skipped(key, reason))
            log.warning("%s: %s", path, reason)
        if bar:
            bar.finish()
    if bar:
        bar.close()
    touched = set(indexed) | set(unchanged)
    flagged = {key: n for key, n in store.instruction_counts().items() if key in touched}
    for key, n in flagged.items():
        log.info("%s: %d sentence(s) address an AI assistant; kept out of prompts and citations", key, n)
    return IndexResult(indexed, unchanged, removed, skipped, chunks_embedded, flagged)


def _remove_vanished(store: Store, states: dict[str, Any], roots: list[Path], seen: set[str]) -> list[str]:
    """Delete the chunks of files that vanished from the indexed folders; return their paths."""
    removed = []
    for stored in sorted(states):
        if stored not in seen and _under(stored, roots) and not os.path.lexists(stored):
            store.delete_file(stored)
            removed.append(stored)
    return removed


def display_name(path: Path, roots: list[Path]) -> str:
    """``path`` relative to the indexed folder it was found in, else its file name.

    >>> display_name(Path("/data/docs/hr/leave.pdf"), [Path("/data/docs")])
    'hr/leave.pdf'
    >>> display_name(Path("/data/docs/hr/leave.pdf"), [Path("/data/docs/hr/leave.pdf")])
    'leave.pdf'
    """
    folders = [root for root in roots if root in path.parents]
    if not folders:
        return path.name
    return path.relative_to(max(folders, key=lambda root: len(root.parts))).as_posix()


def _write_file(
    source: Readable, store: Store, embedder: Embedder, settings: Settings, bar: _Progress | None, name: str
) -> int:
    """Embed and write the chunks of ``source`` in batches, then drop its other chunks; returns the count."""
    chunking = chunking_key(settings)
    size = _size(Path(source.path))
    written: set[str] = set()
    batch: list[Chunk] = []
    title: str | None = None  # the document's, from its first chunk (contextual chunks)

    def flush(chunks: list[Chunk], last: bool) -> None:
        contexts = [chunk_context(c, title or "") if settings.contextual_chunks else "" for c in chunks]
        embeddings = embedder.embed_documents(
            [embedding_text(c, context) for c, context in zip(chunks, contexts, strict=True)]
        )
        store.write(chunks, embeddings, chunking, len(written), last, size, contexts)
        written.update(c.id for c in chunks)
        if bar:
            bar.advance_to(chunks[-1].end)

    chars = 0
    for chunk in chunk_source(source, settings.chunk_size, settings.chunk_overlap, name):
        if settings.contextual_chunks:
            title = document_title(chunk) if title is None else title
            # Another id than the plain chunk's: indexes derived from the ids (BM25) see that the text changed.
            chunk = dataclasses.replace(chunk, id=f"{chunk.id}-{CONTEXTUAL}")
        if len(batch) == BATCH or chars >= BATCH_CHARS:  # written once a later chunk shows it is not the last
            flush(batch, last=False)
            batch, chars = [], 0
        batch.append(chunk)
        chars += len(chunk.text)
    if not batch:
        raise DocumentError("no text in it")
    flush(batch, last=True)
    store.keep_only(source.path, written)
    return len(written)


def _under(path: str, roots: list[Path]) -> bool:
    return any(root == Path(path) or root in Path(path).parents for root in roots)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


class _Progress:
    """A progress bar over the bytes of all files, advanced as each file's chunks are written."""

    def __init__(self, files: list[Path]) -> None:
        from tqdm import tqdm

        self._bar = tqdm(total=sum(map(_size, files)), unit="B", unit_scale=True, desc="Indexing", dynamic_ncols=True)
        self._size = self._done = 0

    def start(self, path: Path) -> None:
        self._size, self._done = _size(path), 0
        self._bar.set_postfix_str(path.name[-40:])

    def advance_to(self, offset: int) -> None:
        """Offsets of extracted text stand in for bytes: close enough for a progress bar."""
        done = min(offset, self._size)
        self._bar.update(max(0, done - self._done))
        self._done = max(done, self._done)

    def finish(self) -> None:
        self.advance_to(self._size)

    def close(self) -> None:
        self._bar.close()
