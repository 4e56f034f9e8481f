"""Regression gate: the default model on the seed evaluation set must keep its measured quality."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ROOT

# The targets; measured: contains 0.943, refusal accuracy 0.956, citation precision 1.0 (evals/README.md).
THRESHOLDS = {"contains": 0.9, "refusal_accuracy": 0.9, "citation_precision": 0.9}


@pytest.mark.slow
def test_default_model_meets_the_seed_targets(seed_index, tmp_path):
    command = [sys.executable, "-m", "rag.cli", "eval", str(ROOT / "evals" / "seeds.jsonl")]
    command += ["--index-dir", str(seed_index), "--out-dir", str(tmp_path), "--name", "gate"]
    for metric, value in THRESHOLDS.items():
        command += ["--min", f"{metric}={value}"]
    env = {**os.environ, "RAG_LLM": "local:qwen2.5-1.5b"}
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=3600)
    (report,) = Path(tmp_path).glob("gate-*.json")
    metrics = json.loads(report.read_text())["metrics"]
    assert result.returncode == 0, f"below threshold: {metrics}\n{result.stderr[-2000:]}"
    assert all(metrics[name] >= value for name, value in THRESHOLDS.items())
