"""Files to an index: discover files, read them by format, chunk them, embed the chunks into the store.

:mod:`~rag.ingest.files` (discovery, reading) -> :mod:`~rag.ingest.formats` (one reader per format)
-> :mod:`~rag.ingest.chunking` (chunks with character offsets) -> :mod:`~rag.ingest.indexing`
(embedding and writing, crash-safe, skipping unchanged files).
"""
