"""The question check's calibration: the trade-off table, the strictness levels, the calibration file."""

from __future__ import annotations

import json

import pytest

from rag.calibration import (
    DEFAULT_THRESHOLDS,
    GRID,
    Calibration,
    Outcome,
    check_setting,
    choose,
    load,
    model_key,
    save,
    trade_offs,
)
from rag.config import Settings, Strictness
from rag.errors import RagError
from rag.llm.local import SMOLLM2, model_path


def outcomes() -> list[Outcome]:
    """Ten answerable questions (P(yes) 0.1..1.0, right from 0.4 up) and ten unanswerable ones (0.0..0.9)."""
    right = [Outcome(True, i >= 4, (i + 1) / 10) for i in range(10)]
    wrong = [Outcome(False, False, i / 10) for i in range(10)]
    return right + wrong


def test_each_threshold_row_says_what_a_user_would_see():
    rows = {r.threshold: r for r in trade_offs(outcomes())}
    assert rows[0.0].contains == 0.6 and rows[0.0].unanswerable_refused == 0.0
    assert rows[0.0].wrong_per_100 == 70.0  # 4 wrong answers to answerable questions, 10 to unanswerable, of 20
    assert (rows[0.5].contains, rows[0.5].unanswerable_refused) == (0.6, 0.5)
    assert (rows[0.7].contains, rows[0.7].unanswerable_refused, rows[0.7].wrong_per_100) == (0.4, 0.7, 15.0)
    assert [r.threshold for r in trade_offs(outcomes())] == list(GRID)


def test_a_refusal_before_the_check_and_the_declined_margin_count_at_every_threshold():
    before = Outcome(True, False, None)
    declined = Outcome(True, True, 0.55, margin=0.1)
    rows = {r.threshold: r for r in trade_offs([before, declined, Outcome(False, False, 0.2)], [0.4, 0.45, 0.5])}
    assert [rows[t].contains for t in (0.4, 0.45, 0.5)] == [0.5, 0.5, 0.0]  # 0.55 >= t + 0.1 up to 0.45


def test_a_set_without_unanswerable_questions_cannot_calibrate():
    with pytest.raises(RagError, match="answerable and unanswerable"):
        trade_offs([Outcome(True, True, 0.9)])


def test_levels_pick_their_thresholds_by_their_targets():
    rows = trade_offs(outcomes())
    levels = choose(rows)
    by = {r.threshold: r for r in rows}
    balanced = levels[Strictness.BALANCED]
    best = max(r.contains + r.unanswerable_refused for r in rows)
    assert by[balanced].contains + by[balanced].unanswerable_refused == best
    strict = by[levels[Strictness.STRICT]]
    assert 100 * (1 - strict.unanswerable_refused) <= 5 and levels[Strictness.STRICT] >= balanced
    lenient = by[levels[Strictness.LENIENT]]
    assert lenient.contains >= 0.95 * rows[0].contains and levels[Strictness.LENIENT] <= balanced
    assert [s.rank for s in Strictness] == [0, 1, 2]


def calibration(key: str, thresholds: dict[str, float]) -> Calibration:
    return Calibration(key, "local:x", "logprobs", "a set", "2026-12-05", thresholds, trade_offs(outcomes()))


def test_the_calibration_file_keeps_each_model_and_overrides_the_shipped_one(tmp_path):
    path = tmp_path / "sub" / "calibrations.json"
    first, second = (
        calibration("sha256:aa", {"lenient": 0.2, "balanced": 0.4, "strict": 0.9}),
        calibration("openai:m@http://h/v1", {"lenient": 0.1, "balanced": 0.3, "strict": 0.8}),
    )
    save(first, path)
    save(second, path)
    assert load("sha256:aa", path) == first and load("openai:m@http://h/v1", path) == second
    assert set(json.loads(path.read_text())) == {"sha256:aa", "openai:m@http://h/v1"}  # readable JSON, one per model
    assert load("sha256:bb", path) is None
    qwen = model_key(Settings(llm="local:qwen2.5-1.5b"))
    shipped = load(qwen, path)
    assert shipped is not None and shipped.model == "local:qwen2.5-1.5b"
    save(calibration(qwen, {"lenient": 0.0, "balanced": 0.05, "strict": 0.1}), path)
    assert load(qwen, path).threshold(Strictness.BALANCED) == 0.05
    path.write_text("{not json")
    with pytest.raises(RagError, match="not a readable calibration file"):
        load("sha256:aa", path)


def test_the_threshold_comes_from_the_override_the_calibration_or_the_default(tmp_path):
    gguf = model_path(SMOLLM2.name, tmp_path)
    settings = Settings(llm=f"local:{gguf}", calibration_file=tmp_path / "c.json", strictness=Strictness.STRICT)
    key = model_key(settings)
    assert key == f"sha256:{SMOLLM2.sha256}"  # a file given by path is known by its content
    uncalibrated = check_setting(settings)
    assert uncalibrated.calibration is None and uncalibrated.threshold == DEFAULT_THRESHOLDS[Strictness.STRICT]
    assert "uncalibrated" in uncalibrated.describe() and uncalibrated.to_dict()["calibration"] == "uncalibrated"
    save(calibration(key, {"lenient": 0.2, "balanced": 0.4, "strict": 0.9}), settings.calibration_file)
    calibrated = check_setting(settings)
    assert calibrated.threshold == 0.9 and calibrated.calibration is not None
    assert "calibrated on a set" in calibrated.describe() and calibrated.to_dict()["calibration"]["set"] == "a set"
    assert check_setting(settings.replace(strictness="lenient")).threshold == 0.2
    assert check_setting(settings.replace(check_threshold=0.33)).threshold == 0.33
    assert model_key(Settings(llm="extractive")) is None


def test_strictness_and_threshold_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("RAG_STRICTNESS", "Strict")
    monkeypatch.setenv("RAG_CHECK_THRESHOLD", "0.42")
    settings = Settings.from_env()
    assert settings.strictness is Strictness.STRICT and settings.check_threshold == 0.42
    monkeypatch.setenv("RAG_STRICTNESS", "loose")
    with pytest.raises(ValueError, match="strictness"):
        Settings.from_env()
