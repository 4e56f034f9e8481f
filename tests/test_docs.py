"""The documentation site builds without a warning, and stays true to the code.

The CLI reference and the settings table are generated at build time (``docs/hooks.py``); these tests build the
site for real (``mkdocs build --strict``, as ``make docs`` and CI do) and look for every command, flag and setting
in the pages built. The module list (docs/architecture.md) and the file formats (docs/documents.md) are written by
hand and checked against the code here.
"""

from __future__ import annotations

import dataclasses
import html
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from rag.cli import COMMANDS, _parser
from rag.config import Settings
from rag.ingest.formats import SUPPORTED_SUFFIXES
from tests.support import ROOT

DOCS = ROOT / "docs"
PACKAGES = ("rag", "ui")
CODE = re.compile(r"`([^`]*)`")


def _hooks() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_hooks", DOCS / "hooks.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site as ``make docs`` builds it, into a temporary folder."""
    out = tmp_path_factory.mktemp("site")
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)]
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}  # Material's banner about its successor, not a warning
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stderr, result.stderr
    return out


def _page(site: Path, name: str) -> str:
    return html.unescape((site / name / "index.html").read_text(encoding="utf-8"))


def test_the_site_is_offline(site: Path) -> None:
    """No web fonts, scripts or style sheets from another host: the pages work without a network."""
    pages = [path.read_text(encoding="utf-8") for path in site.rglob("*.html")]
    assert len(pages) > 10
    assert not any("fonts.googleapis.com" in page or "fonts.gstatic.com" in page for page in pages)
    assert not any(re.search(r"<(?:script|link|img)[^>]+(?:src|href)=\"(?:https?:)?//", page) for page in pages)


def test_the_cli_reference_has_every_command_and_flag(site: Path) -> None:
    page = _page(site, "cli")
    parser = _parser()
    found = list(_hooks().commands(parser))
    assert {path[1] for path, _, _ in found if len(path) == 2} == set(COMMANDS)  # every command main dispatches
    for path, command, _ in found:
        assert f'id="{"-".join(path)}"' in page, f"no section for {' '.join(path)}"
        for action in _hooks().flags(command):
            for name in action.option_strings or [action.metavar or action.dest]:
                assert name in page, f"{' '.join(path)} {name} is not in the CLI reference"
        if command.epilog:
            assert command.epilog.splitlines()[-1].strip() in page  # its examples


def test_the_configuration_page_has_every_setting(site: Path) -> None:
    page = _page(site, "configuration")
    documented = _hooks().attribute_docstrings(Settings)
    undocumented = [field.name for field in dataclasses.fields(Settings) if not documented.get(field.name)]
    assert undocumented == [], "give these Settings fields a docstring: the configuration table shows it"
    for field in dataclasses.fields(Settings):
        assert f"<code>{field.name}</code>" in page and f"<code>RAG_{field.name.upper()}</code>" in page, field.name
        if isinstance(field.default, int | float) and not isinstance(field.default, bool):
            assert f"<code>{field.default}</code>" in page, field.name


def test_the_library_reference_documents_the_public_names(site: Path) -> None:
    import rag

    page = _page(site, "library")
    missing = [name for name in rag.__all__ if not re.search(rf'id="rag\.[\w.]*\b{name}"', page)]
    assert missing == [], "add these to docs/library.md (::: module.Name)"


def _section(path: Path, title: str) -> str:
    """The text of the section ``## title`` of ``path``, up to the next section of the same level."""
    text = path.read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(title)}[ \t]*\n(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    assert match, f"{path.name} has no '## {title}' section"
    return match.group(1)


def _expected_names() -> list[str]:
    """Every module under rag/ and ui/ as a path (``rag/store.py``), every package as its folder (``rag/llm/``)."""
    names = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            names.append(relative[: -len("__init__.py")] if path.name == "__init__.py" else relative)
    return names


def test_layout_names_every_module_and_package() -> None:
    named = set(CODE.findall(_section(DOCS / "architecture.md", "Layout")))
    missing = [name for name in _expected_names() if name not in named and f"{name}__init__.py" not in named]
    assert missing == [], "add these to the Layout section of docs/architecture.md (one line each, what it owns)"


def test_layout_names_only_modules_that_exist() -> None:
    named = set(CODE.findall(_section(DOCS / "architecture.md", "Layout")))
    paths = [n for n in named if n.split("/")[0] in PACKAGES and (n.endswith(".py") or n.endswith("/"))]
    assert paths, "the Layout section names no module"
    stale = sorted(n for n in paths if not (ROOT / n).exists())
    assert stale == [], "the Layout section of docs/architecture.md names modules that no longer exist"


def test_the_documents_page_names_every_supported_suffix() -> None:
    named = set(CODE.findall((DOCS / "documents.md").read_text(encoding="utf-8")))
    missing = sorted(suffix for suffix in SUPPORTED_SUFFIXES if suffix not in named)
    assert missing == [], "document these file suffixes in docs/documents.md (the formats table)"
