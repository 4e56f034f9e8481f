"""The ``rag`` command line: index, ask, chat, status, serve, collections, documents, eval, calibrate, keys.

Heavy libraries (torch, chromadb, llama.cpp) are imported inside the commands, so that
``rag --help`` answers at once.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from rag.cli import commands
from rag.cli.calibrate import add_calibrate_parser, cmd_calibrate
from rag.cli.eval import add_eval_parser, cmd_eval
from rag.cli.keys import add_keys_parser, cmd_keys
from rag.config import RetrievalMode, Settings, Strictness
from rag.ingest.formats import SUPPORTED_SUFFIXES
from rag.llm import backend_usage

EXAMPLES = {
    "index": "example:\n  rag index seeds/ ~/notes --collection notes",
    "ask": (
        'example:\n  rag ask "How many people are on DeepSeek\'s team?"\n'
        '  rag ask --json --llm local:smollm2-135m "Who founded DeepSeek?"'
    ),
    "chat": "example:\n  rag chat --collection notes",
    "status": "example:\n  rag status --index-dir index",
    "serve": (
        "example:\n  rag serve --port 7860 --auth alice:secret\n"
        "  rag serve --llm local:qwen2.5-1.5b --allow-llm local:smollm2-135m --auth-file logins.txt\n"
        "  (an --auth-file line is USER:HASH; make one with: python -m ui.auth USER)\n"
        "  rag serve --api-key-file keys.txt   (OpenAI-compatible API at /v1: model rag:COLLECTION)\n"
        "  rag serve --users users.toml --audit-log audit.jsonl   (users, groups and rights: docs/access.md)"
    ),
    "collections": "example:\n  rag collections\n  rag collections --delete old-notes",
    "documents": (
        "example:\n  rag documents --collection notes\n  rag documents --delete seeds/old.txt\n  rag documents --json"
    ),
}


def _answering_options() -> argparse.ArgumentParser:
    """The flags of every command that answers: the LLM, retrieval, sources and the question check's strictness."""
    answering = argparse.ArgumentParser(add_help=False)
    answering.add_argument("--llm", help=f"{backend_usage()} (env RAG_LLM; default: {Settings.llm})")
    answering.add_argument(
        "--retrieval",
        choices=[mode.value for mode in RetrievalMode],
        help="how sources are found (env RAG_RETRIEVAL; default: hybrid)",
    )
    answering.add_argument("--top-k", type=int, help="sources per question (env RAG_TOP_K; default: 4)")
    answering.add_argument(
        "--strictness",
        choices=[level.value for level in Strictness],
        help="how sure the question check must be before an answer is shown; the threshold comes from the model's "
        "calibration, see rag status (env RAG_STRICTNESS; default: balanced)",
    )
    return answering


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--index-dir", help="folder of the Chroma index (env RAG_INDEX_DIR; default: index)")
    common.add_argument("--collection", help="collection name (env RAG_COLLECTION; default: default)")
    common.add_argument(
        "--chroma-url", help="use the Chroma server at this URL instead of --index-dir (env RAG_CHROMA_URL)"
    )
    answering = _answering_options()

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

    formats = " ".join(sorted(SUPPORTED_SUFFIXES))
    index = command("index", f"Index files and folders ({formats}); unchanged files are skipped.", [common])
    index.add_argument("paths", nargs="*", default=["seeds"], metavar="PATH", help="files or folders (default: seeds)")
    index.add_argument("--strict", action="store_true", help="exit with status 1 if any file was skipped")
    ask = command("ask", "Answer one question with numbered sources.", [common, answering])
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print the whole answer as JSON")
    command("chat", "A conversation in the terminal (empty line or Ctrl-D to quit).", [common, answering])
    status = command(
        "status", "Show collections, documents, chunks, the configured models and the question check.", [common]
    )
    status.add_argument("--llm", help=f"the model whose check to show (env RAG_LLM; default: {Settings.llm})")
    status.add_argument("--strictness", choices=[level.value for level in Strictness], help="(env RAG_STRICTNESS)")
    serve = command("serve", "Start the web chat (http://127.0.0.1:7860 by default).", [common, answering])
    _serve_arguments(serve)
    collections = command("collections", "List the collections (documents, chunks, embedding model).", [common])
    collections.add_argument("--delete", metavar="NAME", help="delete collection NAME and all its chunks")
    documents = command(
        "documents", "List the indexed files (size, chunks, when indexed, problems), or remove one.", [common]
    )
    documents.add_argument(
        "--delete", metavar="PATH", help="remove the file's chunks from the collection (the file itself stays)"
    )
    documents.add_argument("--json", action="store_true", help="print the documents (or the removed one) as JSON")
    add_eval_parser(commands, [common, answering])
    add_calibrate_parser(commands, [common, answering])
    add_keys_parser(commands, [common])
    return parser


def _serve_arguments(serve: argparse.ArgumentParser) -> None:
    """The flags of ``rag serve``: where to listen, who may log in, and what web users may do."""
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this machine only)")
    serve.add_argument("--port", type=int, default=7860, help="port (default: 7860)")
    serve.add_argument("--auth", metavar="USER:PASSWORD", help="require this login")
    serve.add_argument("--auth-file", metavar="FILE", help="require one of the logins in FILE (USER:HASH lines)")
    serve.add_argument(
        "--users",
        metavar="FILE",
        help="users, groups, roles and who may read, write and delete in which collection (TOML; docs/access.md); "
        "replaces --auth and --auth-file",
    )
    serve.add_argument(
        "--audit-log",
        metavar="FILE",
        help="append one JSON line per login, question, upload, removal, key use and refusal to FILE",
    )
    serve.add_argument(
        "--audit-questions", action="store_true", help="write the questions' text into the audit log (default: no)"
    )
    serve.add_argument(
        "--allow-llm",
        metavar="SPEC",
        action="append",
        default=[],
        help="another LLM web users may choose (repeatable); they always have --llm and extractive",
    )
    serve.add_argument(
        "--allow-delete",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="let web users remove documents from a collection in the Documents tab (default: no; "
        "with --users, the file's delete rules decide)",
    )
    serve.add_argument("--max-upload-mb", type=float, default=50.0, help="largest uploaded file (default: 50)")
    serve.add_argument("--max-files", type=int, default=20, help="files per upload (default: 20)")
    serve.add_argument(
        "--max-collection-mb", type=float, default=500.0, help="uploaded files per collection, in all (default: 500)"
    )
    serve.add_argument(
        "--queue-size", type=int, default=16, help="questions waiting at most; more are told to retry (default: 16)"
    )
    serve.add_argument(
        "--api-key",
        metavar="KEY",
        action="append",
        default=[],
        help="require this key of /v1 API clients (repeatable; also --api-key-file and env RAG_API_KEYS)",
    )
    serve.add_argument("--api-key-file", metavar="FILE", help="require one of the keys in FILE (one per line)")
    serve.add_argument(
        "--api-busy-timeout",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="how long an API request waits for the model before 503 (default: 60)",
    )


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
            strictness=getattr(args, "strictness", None),
        )
        return int(COMMANDS[args.command](args, settings))
    except (RagError, ValueError, TypeError) as exc:
        print(f"rag: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


COMMANDS = {
    "index": commands.cmd_index,
    "ask": commands.cmd_ask,
    "chat": commands.cmd_chat,
    "status": commands.cmd_status,
    "serve": commands.cmd_serve,
    "eval": cmd_eval,
    "calibrate": cmd_calibrate,
    "collections": commands.cmd_collections,
    "documents": commands.cmd_documents,
    "keys": cmd_keys,
}
