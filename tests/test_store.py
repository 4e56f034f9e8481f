"""The Chroma store, embedded and as a server: model guard, collections, interrupted writes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rag import Assistant
from rag.config import Settings
from rag.embedding import EMBED_MODEL_NAME, Embedder
from rag.errors import IndexStateError
from rag.ingest.chunking import chunk_source, embedding_text
from rag.ingest.files import open_source
from rag.ingest.indexing import chunking_key, index_paths
from rag.store import Store, delete_collection, list_collections, open_client
from tests.support import CMU_S08


def _store(backend: dict[str, Any], name: str | None = None) -> Store:
    return Store.open(backend["index_dir"], name or backend["collection"], backend["chroma_url"])


def test_collection_of_another_embedding_model_is_refused_listed_and_deletable(backend):
    client = open_client(backend["index_dir"], backend["chroma_url"])
    other = f"{backend['collection']}-other"
    client.create_collection(other, metadata={"hnsw:space": "cosine", "embed_model": "bge-small-en"})
    with pytest.raises(IndexStateError, match="built with embedding model 'bge-small-en', not 'all-MiniLM-L6-v2'"):
        _store(backend, other)
    ours = _store(backend)  # creates it
    assert ours.is_empty() and ours.query([0.1] * 384, 4) == []
    listed = {i.name: i for i in list_collections(backend["index_dir"], backend["chroma_url"])}
    assert listed[other].embed_model == "bge-small-en" and listed[other].chunks == 0
    assert listed[backend["collection"]].embed_model == EMBED_MODEL_NAME
    delete_collection(backend["index_dir"], other, backend["chroma_url"])
    assert other not in {i.name for i in list_collections(backend["index_dir"], backend["chroma_url"])}
    with pytest.raises(IndexStateError, match="no collection 'nope-nope' to delete"):
        delete_collection(backend["index_dir"], "nope-nope", backend["chroma_url"])


def test_bad_collection_name_is_a_clear_error(tmp_path):
    with pytest.raises(IndexStateError, match="cannot open collection 'x'"):
        Store.open(tmp_path, "x")


def test_unreachable_server_is_a_clear_error(tmp_path):
    with pytest.raises(IndexStateError, match="cannot reach the Chroma server at http://127.0.0.1:9"):
        Store.open(tmp_path, "notes", "http://127.0.0.1:9")


def _corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a1.txt").write_bytes((CMU_S08 / "set1/a1.txt").read_bytes()[:12000])
    (folder / "note.md").write_text("# Note\n\nA short second file.", encoding="utf-8")
    return folder


def test_a_partly_written_file_is_detected_and_completed(backend, tmp_path):
    corpus = _corpus(tmp_path)
    settings = Settings(chunk_size=400, chunk_overlap=50)
    clean = _store(backend, backend["collection"] + "-clean")
    index_paths([corpus], clean, settings)

    store = _store(backend)
    path = sorted(corpus.iterdir())[0]
    chunks = list(chunk_source(open_source(path), 400, 50))
    assert len(chunks) > 20
    half = chunks[: len(chunks) // 2]  # what a crash after the first batches leaves
    embeddings = Embedder.default().embed_documents([embedding_text(c) for c in half])
    store.write(half, embeddings, chunking_key(settings), first=0, last_batch=False)
    assert not store.file_states()[str(path)].is_complete(chunks[0].doc_sha256, chunking_key(settings))

    report = index_paths([corpus], store, settings)
    assert len(report.indexed) == 2
    assert store.dump() == clean.dump()


def test_a_run_that_died_before_removing_the_old_version_is_finished_without_embedding(backend, tmp_path):
    corpus = _corpus(tmp_path)
    settings = Settings(chunk_size=400, chunk_overlap=50)
    store = _store(backend)
    index_paths([corpus], store, settings)
    path = sorted(corpus.iterdir())[0]
    old = store.dump()
    path.write_text(path.read_text(encoding="utf-8") + "\nA new last sentence.", encoding="utf-8")
    new = list(chunk_source(open_source(path), 400, 50, path.name))  # as index_paths names it
    embeddings = Embedder.default().embed_documents([embedding_text(c) for c in new])
    store.write(new, embeddings, chunking_key(settings), size=path.stat().st_size)  # as index_paths writes it
    assert len(store.dump()) > len(old)  # both versions stored, as after a kill before the delete

    report = index_paths([corpus], store, settings)
    assert report.chunks_embedded == 0 and len(report.unchanged) == 2
    clean = _store(backend, backend["collection"] + "-clean")
    index_paths([corpus], clean, settings)
    assert store.dump() == clean.dump()


def test_assistant_opens_the_server_collection(backend, tmp_path):
    corpus = _corpus(tmp_path)
    Assistant.open(**backend, chunk_size=400, chunk_overlap=50).add([corpus])
    (info,) = [
        i for i in list_collections(backend["index_dir"], backend["chroma_url"]) if i.name == backend["collection"]
    ]
    assert info.documents == 2 and info.chunks > 20
    assert (backend["index_dir"] / "chroma.sqlite3").exists() != bool(backend["chroma_url"])
