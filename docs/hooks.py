"""MkDocs hook: the reference tables generated from the code at build time, never copied by hand.

A page asks for one with a marker on a line of its own, replaced when the site is built (``make docs``):

- ``<!-- generated: cli -->``: every ``rag`` command and subcommand, walked from the argparse parser that
  ``rag.cli`` builds: usage, arguments with their defaults and help, and the examples of ``--help``;
- ``<!-- generated: settings -->``: every field of ``rag.config.Settings``: its environment variable
  ``RAG_<FIELD>``, its default and its docstring.

An unknown marker fails the build. The hook also renders docstring examples (``>>>`` lines) as code in the
library reference that mkdocstrings writes.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import enum
import inspect
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor

ROOT = Path(__file__).resolve().parent.parent
MARKER = re.compile(r"^<!-- generated: ([a-z-]+) -->$", re.MULTILINE)
USAGE_WIDTH = 80
"""Columns the usage lines are wrapped at, whatever the terminal that builds the site."""


def on_config(config: Any) -> Any:
    """Docstring examples (``>>>``) render as code in the library reference, not as nested quotes."""
    config.markdown_extensions.append(DoctestExtension())
    return config


class DoctestBlocks(Preprocessor):
    """Each run of lines from a ``>>>`` line to the next blank line, outside fenced code, as a ``pycon`` block."""

    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        fenced = example = False
        for line in lines:
            stripped = line.strip()
            if example and not stripped:
                out += ["```", ""]
                example = False
            elif stripped.startswith(">>>") and not fenced and not example:
                out += ["", "```pycon"]
                example = True
            elif stripped.startswith("```") and not example:
                fenced = not fenced
            out.append(re.sub(r"\s*# doctest:.*$", "", line) if example else line)  # flags are for pytest
        return out + ["```"] if example else out


class DoctestExtension(Extension):
    """Registers :class:`DoctestBlocks` before the other preprocessors."""

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 (Markdown's name)
        md.preprocessors.register(DoctestBlocks(md), "doctest_blocks", 40)


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Replace each ``<!-- generated: NAME -->`` line with the Markdown its generator returns."""

    def generate(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in GENERATORS:
            raise ValueError(f"{page.file.src_path}: no generator {name!r}; known: {', '.join(sorted(GENERATORS))}")
        return GENERATORS[name]()

    return MARKER.sub(generate, markdown)


def _rag_parser() -> argparse.ArgumentParser:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))  # this checkout's rag, even without an installed package
    from rag.cli import _parser

    return _parser()


def commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ("rag",), summary: str = ""
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser, str]]:
    """``parser`` and every subcommand under it, depth first: (command path, its parser, its one-line help)."""
    yield path, parser, summary or parser.description or ""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:  # one per name, aliases left out
                yield from commands(action.choices[choice.dest], (*path, choice.dest), choice.help or "")


def flags(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    """The arguments of ``parser`` a user types: options and positionals, without ``--help`` and subcommands."""
    return [
        action
        for action in parser._actions
        if not isinstance(action, argparse._HelpAction | argparse._SubParsersAction)
        and action.help != argparse.SUPPRESS
    ]


def cli_reference() -> str:
    """Markdown for every ``rag`` command: a summary table, then one section per command."""
    found = list(commands(_rag_parser()))
    lines = ["| command | what it does |", "| --- | --- |"]
    lines += [f"| [`{' '.join(path)}`](#{'-'.join(path)}) | {_cell(summary)} |" for path, _, summary in found]
    for path, parser, summary in found:
        lines += ["", f"## `{' '.join(path)}` {{#{'-'.join(path)}}}", ""]
        lines += _command_section(parser, summary)
    return "\n".join(lines) + "\n"


def _command_section(parser: argparse.ArgumentParser, summary: str) -> list[str]:
    formatter = argparse.HelpFormatter(parser.prog, width=USAGE_WIDTH)
    formatter.add_usage(parser.usage, parser._actions, parser._mutually_exclusive_groups, prefix="")
    lines = [_text(parser.description or summary), "", "```text", formatter.format_help().strip(), "```", ""]
    arguments = flags(parser)
    if arguments:
        lines += ["| argument | default | meaning |", "| --- | --- | --- |"]
        lines += [_argument_row(action, formatter) for action in arguments]
    if parser.epilog:
        lines += ["", "```text", parser.epilog.strip(), "```"]
    return lines


def _argument_row(action: argparse.Action, formatter: argparse.HelpFormatter) -> str:
    invocation = formatter._format_action_invocation(action)
    explained = formatter._expand_help(action) if action.help else ""
    if action.choices is not None:
        explained += " (one of: " + ", ".join(f"`{choice}`" for choice in action.choices) + ")"
    if isinstance(action, argparse._AppendAction):
        explained += " (repeatable)" if "repeatable" not in explained else ""
    return f"| `{invocation}` | {_default(action)} | {_cell(explained)} |"


def _default(action: argparse.Action) -> str:
    value = action.default
    if value is None or value is argparse.SUPPRESS or value == [] or (value is False and action.nargs == 0):
        return ""
    if isinstance(value, list):
        return " ".join(f"`{item}`" for item in value)
    return f"`{value}`"


def settings_table() -> str:
    """Markdown table of every ``Settings`` field: setting, environment variable, default, meaning."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from rag.config import Settings

    meanings = attribute_docstrings(Settings)
    lines = ["| setting | environment | default | meaning |", "| --- | --- | --- | --- |"]
    for field in dataclasses.fields(Settings):
        env = f"RAG_{field.name.upper()}"
        lines.append(f"| `{field.name}` | `{env}` | {_field_default(field)} | {_cell(meanings.get(field.name, ''))} |")
    return "\n".join(lines) + "\n"


def attribute_docstrings(cls: type) -> dict[str, str]:
    """The docstring written under each annotated attribute of ``cls`` (``x: int = 1`` then ``\"\"\"...\"\"\"``)."""
    body = ast.parse(inspect.getsource(cls)).body[0]
    assert isinstance(body, ast.ClassDef)
    found = {}
    for node, after in zip(body.body, body.body[1:], strict=False):
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)):
            continue
        if isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant):
            found[node.target.id] = inspect.cleandoc(str(after.value.value))
    return found


def _field_default(field: dataclasses.Field[Any]) -> str:
    if field.default_factory is not dataclasses.MISSING:
        factory: Callable[[], Any] = field.default_factory
        return _text(inspect.getdoc(factory) or "computed")  # the factory says what, not this machine's value
    value = field.default
    if isinstance(value, enum.Enum):
        value = value.value
    return '`""`' if value == "" else f"`{value}`"


def _text(docstring: str) -> str:
    """reStructuredText inline markup of the docstrings as Markdown: ``x`` and :role:`x` become `x`."""
    text = re.sub(r":[a-z]+:`~?([^`]+)`", r"`\1`", docstring)
    return re.sub(r"``([^`]+)``", r"`\1`", text)


def _cell(text: str) -> str:
    """``text`` as one Markdown table cell: one line; outside code spans, pipes escaped and angle brackets as
    entities (inside them Markdown shows every character as typed)."""
    parts = re.split(r"(`[^`]*`)", " ".join(_text(text).split()))
    escaped = [p.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;") for p in parts[::2]]
    parts[::2] = escaped
    return "".join(parts)


GENERATORS: dict[str, Callable[[], str]] = {"cli": cli_reference, "settings": settings_table}
