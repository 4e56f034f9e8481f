"""The README stays true to the code: its module list, its settings table and the file formats it names."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest

from rag.config import Settings
from rag.ingest.formats import SUPPORTED_SUFFIXES
from tests.support import ROOT

README = ROOT / "README.md"
PACKAGES = ("rag", "ui")
CODE = re.compile(r"`([^`]*)`")


def _section(title: str) -> str:
    """The text of the README section ``## title``, up to the next section of the same level."""
    text = README.read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(title)}[ \t]*\n(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    assert match, f"README.md has no '## {title}' section"
    return match.group(1)


def _code_spans(text: str) -> set[str]:
    return set(CODE.findall(text))


def _expected_names() -> list[str]:
    """Every module under rag/ and ui/ as a path (``rag/store.py``), every package as its folder (``rag/llm/``)."""
    names = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            names.append(relative[: -len("__init__.py")] if path.name == "__init__.py" else relative)
    return names


def test_layout_names_every_module_and_package() -> None:
    named = _code_spans(_section("Layout"))
    missing = [name for name in _expected_names() if name not in named and f"{name}__init__.py" not in named]
    assert missing == [], "add these to the README's Layout section (one line each, what it owns)"


def test_layout_names_only_modules_that_exist() -> None:
    named = _code_spans(_section("Layout"))
    paths = [n for n in named if n.split("/")[0] in PACKAGES and (n.endswith(".py") or n.endswith("/"))]
    assert paths, "the Layout section names no module"
    stale = sorted(n for n in paths if not (ROOT / n).exists())
    assert stale == [], "the README's Layout section names modules that no longer exist"


def _settings_rows() -> list[list[str]]:
    """The cells of each body row of the Configuration section's table (setting | environment | default | meaning)."""
    rows = []
    for line in _section("Configuration").splitlines():
        if not line.startswith("|"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if cells[0] == "setting" or set(cells[0]) <= set("-: "):
            continue  # the header and the separator
        rows.append(cells)
    assert rows, "the Configuration section has no settings table"
    return rows


def _first_code(cell: str) -> str:
    spans = CODE.findall(cell)
    assert spans, f"no `value` in table cell {cell!r}"
    return spans[0]


def _default(field: dataclasses.Field[Any]) -> Any:
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return field.default


def _parse_like(shown: str, default: Any) -> Any:
    """The README's ``shown`` default read as the type of the field's ``default``; ``""`` is the empty string."""
    if shown == '""':
        shown = ""
    if isinstance(default, Path):
        return Path(shown).expanduser()
    return type(default)(shown)


def test_settings_table_has_one_row_per_field() -> None:
    names = [_first_code(row[0]) for row in _settings_rows()]
    fields = [field.name for field in dataclasses.fields(Settings)]
    duplicated = sorted({name for name in names if names.count(name) > 1})
    assert duplicated == [], "settings listed more than once in the README's Configuration table"
    assert sorted(names) == sorted(fields)


def test_settings_table_environment_variables() -> None:
    for row in _settings_rows():
        name = _first_code(row[0])
        assert _first_code(row[1]) == f"RAG_{name.upper()}", name


def test_settings_table_defaults_match_the_code(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)  # the README shows the default without it
    fields = {field.name: field for field in dataclasses.fields(Settings)}
    for row in _settings_rows():
        name = _first_code(row[0])
        if name not in fields:
            continue  # reported by test_settings_table_has_one_row_per_field
        default = _default(fields[name])
        assert _parse_like(_first_code(row[2]), default) == default, f"README default of {name}: {row[2]}"


def test_readme_names_every_supported_suffix() -> None:
    named = _code_spans(README.read_text(encoding="utf-8"))
    missing = sorted(suffix for suffix in SUPPORTED_SUFFIXES if suffix not in named)
    assert missing == [], "document these file suffixes in the README (Documents section)"
