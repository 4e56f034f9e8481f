"""The Chroma collection that holds a corpus's chunks and their embeddings.

Chroma runs embedded (a folder, ``index_dir``) or as a server (``chroma_url``): the same
collections, so several chat processes and indexing workers can share one server.

Every chunk carries its file's path, sha256 and size, its number within the file, the chunking
settings and when it was written; the file's last chunk also carries the file's chunk count. A
file is current only when its stored chunks are all of one hash and chunking, and exactly as
many as that count: a write interrupted at any point (even a SIGKILL) is detected and redone on
the next run.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from rag.embedding import EMBED_MODEL_NAME
from rag.errors import IndexStateError
from rag.ingest.chunking import Chunk

_PAGE = 5000  # rows per Chroma read


@dataclass(frozen=True)
class CollectionInfo:
    """Size and model of one collection."""

    name: str
    documents: int
    chunks: int
    embed_model: str
    chunkings: tuple[str, ...] = ()
    """The distinct chunking keys of its chunks (:func:`rag.ingest.indexing.chunking_key`): how it was built."""
    folder: str = ""
    """The folder that holds all its files (their common path), for the command that rebuilds it."""


@dataclass
class FileState:
    """What the collection holds for one path, per file hash (one hash per stored version)."""

    hashes: Counter[str] = field(default_factory=Counter)
    """Chunks under each file hash."""
    chunkings: dict[str, set[str]] = field(default_factory=dict)
    totals: dict[str, list[int]] = field(default_factory=dict)
    """Chunk counts declared by a version's last chunk (one per complete write)."""
    name: str = ""
    """The display name (``Chunk.name``); empty for chunks indexed before names were recorded."""
    size: int | None = None
    """Bytes of the file when its newest chunk was written; None for chunks indexed before sizes were recorded."""
    indexed_at: int | None = None
    """When its newest chunk was written (Unix time); None for chunks indexed before times were recorded."""
    instructions: set[str] = field(default_factory=set)
    """Spans (``start-end``) of its sentences that address an AI (``Chunk.instructions``)."""

    def is_complete(self, sha256: str, chunking: str) -> bool:
        """True when every chunk of one complete write of ``sha256`` with ``chunking`` is there."""
        count = self.hashes.get(sha256, 0)
        return count > 0 and self.chunkings.get(sha256) == {chunking} and self.totals.get(sha256) == [count]

    def is_current(self, sha256: str, chunking: str) -> bool:
        """Complete, and nothing else stored for the path."""
        return self.is_complete(sha256, chunking) and len(self.hashes) == 1

    def add(self, meta: dict[str, Any]) -> None:
        """Count one stored chunk, given its metadata."""
        sha256 = meta["sha256"]
        self.hashes[sha256] += 1
        self.chunkings.setdefault(sha256, set()).add(str(meta.get("chunking", "")))
        if "total" in meta:
            self.totals.setdefault(sha256, []).append(int(meta["total"]))
        self.name = self.name or str(meta.get("name", ""))
        if "indexed_at" in meta and int(meta["indexed_at"]) >= (self.indexed_at or 0):
            self.indexed_at = int(meta["indexed_at"])
            self.size = int(meta["size"]) if "size" in meta else self.size
        self.instructions |= _instruction_spans(meta)


def open_client(index_dir: Path, chroma_url: str | None = None) -> Any:
    """A Chroma client with telemetry off: a server at ``chroma_url``, else embedded under ``index_dir``."""
    import chromadb

    settings = chromadb.Settings(anonymized_telemetry=False)
    if chroma_url:
        url = urlsplit(chroma_url if "//" in chroma_url else f"http://{chroma_url}")
        try:
            client = chromadb.HttpClient(
                host=url.hostname or "localhost",
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=settings,
            )
            client.heartbeat()
        except Exception as exc:  # chromadb raises several kinds for an unreachable server
            raise IndexStateError(
                f"cannot reach the Chroma server at {chroma_url} ({exc}); start one "
                "(chroma run --path DIR --port 8000) or unset RAG_CHROMA_URL / --chroma-url"
            ) from exc
        return client
    index_dir.mkdir(parents=True, exist_ok=True)
    # Absolute: Chroma keeps one client per path string, and "index" names another folder after a chdir.
    return chromadb.PersistentClient(path=str(index_dir.absolute()), settings=settings)


class Store:
    """One Chroma collection: write, replace and delete a file's chunks; nearest-neighbour search."""

    def __init__(self, client: Any, name: str) -> None:
        from chromadb.errors import ChromaError

        self.name = name
        self._client = client
        try:
            self._collection = client.get_or_create_collection(
                name,
                metadata={"hnsw:space": "cosine", "embed_model": EMBED_MODEL_NAME},
                embedding_function=None,
            )
        except (ChromaError, ValueError) as exc:
            raise IndexStateError(f"cannot open collection {name!r}: {exc}") from exc
        model = (self._collection.metadata or {}).get("embed_model")
        if model != EMBED_MODEL_NAME:
            raise IndexStateError(
                f"collection {name!r} was built with embedding model {model!r}, not "
                f"{EMBED_MODEL_NAME!r}; index into a new collection (--collection NEW) or delete it "
                f"(rag collections --delete {name})"
            )

    @classmethod
    def open(cls, index_dir: Path, name: str, chroma_url: str | None = None) -> Store:
        """Open (or create) collection ``name``: on the server at ``chroma_url``, else embedded in ``index_dir``."""
        return cls(open_client(index_dir, chroma_url), name)

    def file_states(self) -> dict[str, FileState]:
        """For each stored path: its chunks by hash, chunkings, declared chunk counts, and what
        :mod:`rag.documents` lists (display name, size, time, instructions)."""
        states: dict[str, FileState] = {}
        for meta in _metadatas(self._collection):
            states.setdefault(meta["path"], FileState()).add(meta)
        return states

    def write(
        self,
        chunks: Sequence[Chunk],
        embeddings: Sequence[Sequence[float]],
        chunking: str,
        first: int = 0,
        last_batch: bool = True,
        size: int | None = None,
        contexts: Sequence[str] = (),
    ) -> None:
        """Upsert one batch of a file's chunks, numbered from ``first``; ``size`` is the file's, in bytes;
        ``contexts``: per chunk, the title and heading it was embedded after (contextual chunks), which the
        keyword index reads before its text too.

        The last chunk of the ``last_batch`` records the file's chunk count: until it is
        written, the file does not count as stored.
        """
        if not chunks:
            return
        stamp: dict[str, Any] = {"indexed_at": int(time.time())} | ({"size": size} if size is not None else {})
        metadatas: list[dict[str, Any]] = []
        for n, c in enumerate(chunks, start=first):
            meta: dict[str, Any] = {
                "path": c.path,
                "sha256": c.doc_sha256,
                "start": c.start,
                "end": c.end,
                "heading": c.heading,
                "seq": n,
                "chunking": chunking,
                **stamp,
            }
            if c.page is not None:
                meta["page"] = c.page
            if c.page_breaks:
                meta["page_breaks"] = ",".join(map(str, c.page_breaks))
            if c.name:
                meta["name"] = c.name
            meta["instructions"] = len(c.instructions)
            if contexts and contexts[n - first]:
                meta["context"] = contexts[n - first]
            if c.instructions:
                meta["instruction_spans"] = ",".join(f"{s}-{e}" for s, e in c.instructions)
            metadatas.append(meta)
        if last_batch:
            metadatas[-1]["total"] = first + len(chunks)
        self._collection.upsert(
            ids=[c.id for c in chunks],
            documents=[c.text for c in chunks],
            embeddings=[list(e) for e in embeddings],
            metadatas=metadatas,
        )

    def keep_only(self, path: str, ids: set[str]) -> None:
        """Delete the chunks of ``path`` whose id is not in ``ids`` (older versions, other chunkings)."""
        stale = [i for i in self._ids(where={"path": path}) if i not in ids]
        for start in range(0, len(stale), _PAGE):
            self._collection.delete(ids=stale[start : start + _PAGE])

    def keep_version(self, path: str, sha256: str) -> None:
        """Delete the chunks of ``path`` stored under another file hash."""
        self._collection.delete(where={"$and": [{"path": path}, {"sha256": {"$ne": sha256}}]})

    def replace_file(
        self, path: str, chunks: Sequence[Chunk], embeddings: Sequence[Sequence[float]], chunking: str = ""
    ) -> None:
        """Store the file's new chunks, then drop its chunks from older versions.

        Writing before deleting means a crash in between leaves extra chunks that the next run
        notices and removes, never a file with no chunks.
        """
        self.write(chunks, embeddings, chunking)
        self.keep_only(path, {c.id for c in chunks})

    def delete_file(self, path: str) -> None:
        """Remove every chunk of ``path``."""
        self._collection.delete(where={"path": path})

    def query(self, embedding: Sequence[float], k: int) -> list[tuple[Chunk, float]]:
        """The ``k`` nearest chunks with their cosine similarity, best first."""
        if k <= 0:  # no count() first: Chroma counts by scanning, which costs more than the search at 100k chunks
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

    def indexed_texts(self) -> list[tuple[str, str]]:
        """Every chunk's id and the text it is keyword-indexed by: its context (contextual chunks), then its text."""
        rows: list[tuple[str, str]] = []
        while True:
            page = self._collection.get(include=["documents", "metadatas"], limit=_PAGE, offset=len(rows))
            rows.extend(
                (cid, f"{meta['context']}\n{text}" if meta.get("context") else text)
                for cid, text, meta in zip(page["ids"], page["documents"], page["metadatas"], strict=True)
            )
            if len(page["ids"]) < _PAGE:
                return rows

    def chunking(self) -> str | None:
        """The chunking key of one chunk (None when empty): a constant-time look at how the collection was built."""
        found = self._collection.get(limit=1, include=["metadatas"])["metadatas"]
        return str(found[0].get("chunking", "")) if found else None

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
        """Number of chunks (Chroma scans to count: milliseconds at 100,000 chunks; see :meth:`is_empty`)."""
        return int(self._collection.count())

    def is_empty(self) -> bool:
        """True when the collection has no chunk; constant time, unlike ``count() == 0``."""
        return not self._collection.get(limit=1, include=[])["ids"]

    def instruction_counts(self) -> dict[str, int]:
        """For each stored path with text that addresses an AI (see ``Chunk.instructions``): how many sentences."""
        found = self._collection.get(where={"instructions": {"$gt": 0}}, include=["metadatas"])
        spans: dict[str, set[str]] = {}
        for meta in found["metadatas"]:
            spans.setdefault(meta["path"], set()).update(_instruction_spans(meta))
        return {path: len(found) for path, found in sorted(spans.items())}

    def info(self) -> CollectionInfo:
        """Documents, chunks and embedding model of this collection."""
        return _info(self._collection)

    def dump(self) -> list[tuple[str, str, dict[str, Any]]]:
        """Every chunk as ``(id, text, metadata)``, sorted by id: the collection's content, for comparisons
        (without ``indexed_at``: when a chunk was written is not what it holds)."""
        rows: list[tuple[str, str, dict[str, Any]]] = []
        while True:
            page = self._collection.get(include=["documents", "metadatas"], limit=_PAGE, offset=len(rows))
            rows.extend(
                (cid, text, {k: v for k, v in meta.items() if k != "indexed_at"})
                for cid, text, meta in zip(page["ids"], page["documents"], page["metadatas"], strict=True)
            )
            if len(page["ids"]) < _PAGE:
                return sorted(rows, key=lambda row: row[0])

    def _ids(self, where: dict[str, Any]) -> list[str]:
        return list(self._collection.get(where=where, include=[])["ids"])


def _metadatas(collection: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    while True:
        page = collection.get(include=["metadatas"], limit=_PAGE, offset=len(rows))
        rows.extend(page["metadatas"])
        if len(page["ids"]) < _PAGE:
            return rows


def _info(collection: Any) -> CollectionInfo:
    metadatas = _metadatas(collection)
    paths = sorted({str(meta.get("path")) for meta in metadatas})  # absolute: one common folder
    folder = os.path.commonpath([os.path.dirname(path) for path in paths]) if paths else ""
    model = str((collection.metadata or {}).get("embed_model"))
    chunkings = tuple(sorted({str(meta.get("chunking", "")) for meta in metadatas}))
    return CollectionInfo(collection.name, len(paths), len(metadatas), model, chunkings, folder)


def _instruction_spans(meta: dict[str, Any]) -> set[str]:
    """The ``start-end`` spans of a chunk's sentences addressed to an AI, from its metadata."""
    return {span for span in str(meta.get("instruction_spans", "")).split(",") if span}


def _chunk(chunk_id: str, text: str, meta: dict[str, Any]) -> Chunk:
    breaks = str(meta.get("page_breaks", ""))
    spans = sorted(tuple(map(int, span.split("-"))) for span in _instruction_spans(meta))
    page = meta.get("page")
    return Chunk(
        id=chunk_id,
        path=meta["path"],
        text=text,
        start=int(meta["start"]),
        end=int(meta["end"]),
        doc_sha256=meta["sha256"],
        page=int(page) if page is not None else None,
        heading=str(meta.get("heading", "")),
        page_breaks=tuple(int(b) for b in breaks.split(",") if b),
        instructions=tuple((s, e) for s, e in spans),
        name=str(meta.get("name", "")),
    )


def list_collections(index_dir: Path, chroma_url: str | None = None) -> list[CollectionInfo]:
    """Every collection of the embedded database under ``index_dir`` (or of the server at ``chroma_url``).

    Collections built with another embedding model are listed too, with their model.
    """
    if not chroma_url and not index_dir.exists():
        return []
    client = open_client(index_dir, chroma_url)
    infos = []
    for collection in client.list_collections():
        name = getattr(collection, "name", collection)
        infos.append(_info(client.get_collection(name, embedding_function=None)))
    return sorted(infos, key=lambda info: info.name)


def delete_collection(index_dir: Path, name: str, chroma_url: str | None = None) -> CollectionInfo:
    """Delete collection ``name`` and all its chunks; returns what it held."""
    names = [info.name for info in list_collections(index_dir, chroma_url)]
    if name not in names:
        known = ", ".join(names) or "none"
        raise IndexStateError(f"no collection {name!r} to delete (collections: {known}); see: rag collections")
    client = open_client(index_dir, chroma_url)
    info = _info(client.get_collection(name, embedding_function=None))
    client.delete_collection(name)
    return info
