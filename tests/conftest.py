"""Shared fixtures: a real Chroma index of seeds/ built with the real embedding model."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rag import Assistant

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SEED_FILE = SEEDS / "000_959d6777a251aa29.txt"


@pytest.fixture(scope="session")
def seed_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of seeds/, so tests may index it without touching the repository."""
    target = tmp_path_factory.mktemp("seeds") / "seeds"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory: pytest.TempPathFactory, seed_copy: Path) -> Path:
    """An index folder holding seeds/ in collection ``default``."""
    index_dir = tmp_path_factory.mktemp("index")
    report = Assistant.open(index_dir=index_dir).add([seed_copy])
    assert len(report.indexed) == 1 and report.chunks_embedded > 0
    return index_dir


@pytest.fixture(scope="session")
def smol(seed_index: Path) -> Assistant:
    """The small test model over the seed index; two sources keep its short context focused."""
    return Assistant.open(index_dir=seed_index, llm="local:smollm2-135m", top_k=2)
