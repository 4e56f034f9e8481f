"""Build or update a collection from files: load, chunk, embed, store; skip what is unchanged."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rag.chunking import chunk_document
from rag.config import Settings
from rag.documents import Skipped, discover, load
from rag.embedding import Embedder
from rag.errors import DocumentError
from rag.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IndexReport:
    """What one indexing run did."""

    indexed: list[str] = field(default_factory=list)
    """Files whose chunks were (re)embedded."""
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    """Files that disappeared from an indexed folder; their chunks were deleted."""
    skipped: list[Skipped] = field(default_factory=list)
    chunks_embedded: int = 0

    def summary(self) -> str:
        """One line for humans."""
        return (
            f"{len(self.indexed)} indexed ({self.chunks_embedded} chunks embedded), "
            f"{len(self.unchanged)} unchanged, {len(self.removed)} removed, {len(self.skipped)} skipped"
        )


def index_paths(
    paths: Iterable[str | os.PathLike[str]],
    store: Store,
    settings: Settings,
    embedder: Embedder | None = None,
    progress: bool = False,
) -> IndexReport:
    """Index files and folders into ``store``; a file that cannot be read is skipped and reported."""
    roots = [Path(p).absolute() for p in paths]
    files, skipped = discover(roots)
    states = store.file_states()
    indexed: list[str] = []
    unchanged: list[str] = []
    removed: list[str] = []
    seen = {str(f) for f in files}
    for stored in sorted(states):
        if stored not in seen and _under(stored, roots) and not Path(stored).exists():
            store.delete_file(stored)
            removed.append(stored)

    bar = _progress_bar(len(files)) if progress and files else None
    chunks_embedded = 0
    for path in files:
        if bar:
            bar.set_postfix_str(path.name[-40:])
        try:
            document = load(path)
        except DocumentError as exc:
            skipped.append(Skipped(str(path), str(exc)))
            log.warning("%s: %s", path, exc)
        else:
            chunks = chunk_document(document, settings.chunk_size, settings.chunk_overlap)
            if store.is_current(document.path, document.sha256, len(chunks), states):
                unchanged.append(document.path)
            else:
                embedder = embedder or Embedder.default()
                store.replace_file(document.path, chunks, embedder.embed_documents([c.text for c in chunks]))
                indexed.append(document.path)
                chunks_embedded += len(chunks)
        if bar:
            bar.update()
    if bar:
        bar.close()
    return IndexReport(indexed, unchanged, removed, skipped, chunks_embedded)


def _under(path: str, roots: list[Path]) -> bool:
    return any(root == Path(path) or root in Path(path).parents for root in roots)


def _progress_bar(total: int):  # type: ignore[no-untyped-def]
    from tqdm import tqdm

    return tqdm(total=total, unit="file", desc="Indexing", dynamic_ncols=True)
