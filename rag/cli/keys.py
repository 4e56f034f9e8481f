"""``rag keys``: the API keys of ``rag serve``'s ``/v1``, each scoped to one collection and its rights.

The operator's tool: it reads and writes ``INDEX_DIR/keys.json`` (hashes only), which ``rag serve``
reads on every request, so a new or revoked key counts at once.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from rag.config import Settings

EXAMPLES = (
    "example:\n"
    "  rag keys create --collection hr --read            (a key that asks collection hr)\n"
    "  rag keys create --user alice --collection hr --read --write\n"
    "  rag keys list\n"
    "  rag keys revoke 3f9a12bc\n"
    "A key with --user never has more rights than that user has in rag serve --users FILE."
)


def add_keys_parser(commands: Any, parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Add the ``keys`` sub-command (``create``, ``list``, ``revoke``) to ``commands`` and return its parser."""
    description = "Make, list and revoke the /v1 API keys, each scoped to one collection (INDEX_DIR/keys.json)."
    parser: argparse.ArgumentParser = commands.add_parser(
        "keys",
        help=description,
        description=description,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    create = actions.add_parser(
        "create", parents=parents, help="make a key; it is printed once, alone on the last line", epilog=EXAMPLES
    )
    create.add_argument("--user", metavar="NAME", help="the user it acts for: never more rights than theirs")
    create.add_argument("--read", action="store_true", help="ask the collection")
    create.add_argument("--write", action="store_true", help="upload into the collection")
    listing = actions.add_parser("list", parents=parents, help="the keys: id, collection, rights, user, revoked")
    listing.add_argument("--json", action="store_true", help="print the keys as JSON")
    revoke = actions.add_parser("revoke", parents=parents, help="revoke a key by its id (it stays listed)")
    revoke.add_argument("id", metavar="ID", help="the key's id, as rag keys list shows it")
    return parser


def cmd_keys(args: argparse.Namespace, settings: Settings) -> int:
    """Run ``rag keys ACTION``."""
    from rag.access import KeyStore, Right

    store = KeyStore(settings.index_dir)
    if args.keys_command == "create":
        if not args.collection:
            raise ValueError("rag keys create needs --collection NAME: a key opens one collection")
        rights = [right for right, wanted in ((Right.READ, args.read), (Right.WRITE, args.write)) if wanted]
        key, token = store.create(args.collection, rights, args.user)
        print(f"made key {key.id}: {_describe(key.to_dict())}. It is shown once, here; only its hash is kept.")
        print(token)
    elif args.keys_command == "revoke":
        key = store.revoke(args.id)
        print(f"revoked key {key.id} ({_describe(key.to_dict())})")
    else:
        rows = [{name: value for name, value in key.to_dict().items() if name != "sha256"} for key in store.listed()]
        if args.json:
            print(json.dumps(rows, indent=2))
        elif not rows:
            print(f"no keys in {store.path}; make one with: rag keys create --collection NAME --read")
        for row in [] if args.json else rows:
            revoked = f"  REVOKED {row['revoked']}" if row["revoked"] else ""
            print(f"{row['id']}  {_describe(row)}  made {row['created']}{revoked}")
    return 0


def _describe(row: dict[str, Any]) -> str:
    user = f" for user {row['user']!r}" if row["user"] else ""
    return f"{' and '.join(row['rights'])} on collection {row['collection']!r}{user}"
