"""The Chroma collection that holds a corpus's chunks and their embeddings.

Every chunk carries its file path and the file's sha256, so re-indexing touches only
changed files, and an interrupted write is detected and repaired on the next run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.chunking import Chunk
from rag.embedding import EMBED_MODEL_NAME
from rag.errors import IndexStateError

_PAGE = 5000  # rows per Chroma read


@dataclass(frozen=True)
class CollectionInfo:
    """Size and model of one collection."""

    name: str
    documents: int
    chunks: int
    embed_model: str


def open_client(index_dir: Path) -> Any:
    """An embedded Chroma database under ``index_dir`` with telemetry off."""
    import chromadb

    index_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(index_dir), settings=chromadb.Settings(anonymized_telemetry=False))


class Store:
    """One Chroma collection: add, replace and delete a file's chunks; nearest-neighbour search."""

    def __init__(self, client: Any, name: str) -> None:
        self.name = name
        self._client = client
        self._collection = client.get_or_create_collection(
            name,
            metadata={"hnsw:space": "cosine", "embed_model": EMBED_MODEL_NAME},
            embedding_function=None,
        )
        model = (self._collection.metadata or {}).get("embed_model")
        if model != EMBED_MODEL_NAME:
            raise IndexStateError(
                f"collection {name!r} was built with embedding model {model!r}, not "
                f"{EMBED_MODEL_NAME!r}; index into a new collection (--collection NEW) or delete it"
            )

    @classmethod
    def open(cls, index_dir: Path, name: str) -> Store:
        """Open (or create) collection ``name`` of the embedded database in ``index_dir``."""
        return cls(open_client(index_dir), name)

    def file_states(self) -> dict[str, Counter[str]]:
        """For each stored path: how many chunks it has under each file hash."""
        states: dict[str, Counter[str]] = {}
        for meta in self._metadatas():
            states.setdefault(meta["path"], Counter())[meta["sha256"]] += 1
        return states

    def is_current(self, path: str, sha256: str, n_chunks: int, states: dict[str, Counter[str]]) -> bool:
        """True when ``path`` is stored completely, under ``sha256`` only."""
        return states.get(path) == Counter({sha256: n_chunks})

    def replace_file(self, path: str, chunks: Sequence[Chunk], embeddings: Sequence[Sequence[float]]) -> None:
        """Store the file's new chunks, then drop its chunks from older versions.

        Writing before deleting means a crash in between leaves extra chunks that the next run
        notices (two hashes for one path) and removes, never a file with no chunks.
        """
        if chunks:
            self._collection.upsert(
                ids=[c.id for c in chunks],
                documents=[c.text for c in chunks],
                embeddings=[list(e) for e in embeddings],
                metadatas=[{"path": c.path, "sha256": c.doc_sha256, "start": c.start, "end": c.end} for c in chunks],
            )
            keep = {c.id for c in chunks}
            stale = [i for i in self._ids(where={"path": path}) if i not in keep]
            if stale:
                self._collection.delete(ids=stale)
        else:
            self.delete_file(path)

    def delete_file(self, path: str) -> None:
        """Remove every chunk of ``path``."""
        self._collection.delete(where={"path": path})

    def query(self, embedding: Sequence[float], k: int) -> list[tuple[Chunk, float]]:
        """The ``k`` nearest chunks with their cosine similarity, best first."""
        if k <= 0 or self.count() == 0:
            return []
        result = self._collection.query(
            query_embeddings=[list(embedding)],
            n_results=k,
            include=["documents", "metadatas", "distances"],
        )
        return [
            (_chunk(cid, text, meta), 1.0 - distance)
            for cid, text, meta, distance in zip(
                result["ids"][0], result["documents"][0], result["metadatas"][0], result["distances"][0], strict=True
            )
        ]

    def ids(self) -> list[str]:
        """Every chunk id of the collection."""
        ids: list[str] = []
        while True:
            page = self._collection.get(include=[], limit=_PAGE, offset=len(ids))
            ids.extend(page["ids"])
            if len(page["ids"]) < _PAGE:
                return ids

    def chunks(self) -> list[Chunk]:
        """Every chunk of the collection (for building derived indexes)."""
        chunks: list[Chunk] = []
        while True:
            page = self._collection.get(include=["documents", "metadatas"], limit=_PAGE, offset=len(chunks))
            chunks.extend(map(_chunk, page["ids"], page["documents"], page["metadatas"]))
            if len(page["ids"]) < _PAGE:
                return chunks

    def similarities(self, ids: Sequence[str], embedding: Sequence[float]) -> list[tuple[Chunk, float]]:
        """The chunks ``ids``, in that order, with their cosine similarity to ``embedding``."""
        if not ids:
            return []
        import numpy as np

        found = self._collection.get(ids=list(ids), include=["documents", "metadatas", "embeddings"])
        query = np.asarray(embedding, dtype=np.float32)
        by_id = {
            cid: (
                _chunk(cid, text, meta),
                float(np.dot(vector, query) / (np.linalg.norm(vector) * np.linalg.norm(query))),
            )
            for cid, text, meta, vector in zip(
                found["ids"], found["documents"], found["metadatas"], found["embeddings"], strict=True
            )
        }
        return [by_id[i] for i in ids if i in by_id]

    def count(self) -> int:
        """Number of chunks."""
        return int(self._collection.count())

    def info(self) -> CollectionInfo:
        """Documents, chunks and embedding model of this collection."""
        return CollectionInfo(
            name=self.name,
            documents=len(self.file_states()),
            chunks=self.count(),
            embed_model=str((self._collection.metadata or {}).get("embed_model")),
        )

    def _metadatas(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        while True:
            page = self._collection.get(include=["metadatas"], limit=_PAGE, offset=len(rows))
            rows.extend(page["metadatas"])
            if len(page["ids"]) < _PAGE:
                return rows

    def _ids(self, where: dict[str, Any]) -> list[str]:
        return list(self._collection.get(where=where, include=[])["ids"])


def _chunk(chunk_id: str, text: str, meta: dict[str, Any]) -> Chunk:
    return Chunk(
        id=chunk_id,
        path=meta["path"],
        text=text,
        start=int(meta["start"]),
        end=int(meta["end"]),
        doc_sha256=meta["sha256"],
    )


def list_collections(index_dir: Path) -> list[CollectionInfo]:
    """Every collection in the embedded database under ``index_dir``."""
    if not index_dir.exists():
        return []
    client = open_client(index_dir)
    infos = []
    for collection in client.list_collections():
        name = getattr(collection, "name", collection)
        infos.append(Store(client, name).info())
    return infos
