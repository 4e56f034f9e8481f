"""The evaluation harness run for real: seed index, small LLM, reports on disk; and the CMU loader."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
from pathlib import Path

import pytest

from rag.cli.eval import add_eval_parser, cmd_eval
from rag.config import Settings
from rag.evaluation.cases import EvalCase, load_cases, write_cases
from rag.evaluation.datasets import cmu_articles, is_squad_file, load_cmu_s08, load_squad, sample_cases
from rag.evaluation.runner import read_metrics
from rag.evaluation.scoring import RATE_METRICS
from rag.ingest.files import load
from tests.support import CMU_DIR, ROOT

FRANCE = "What is the capital of France?"
CASES = [
    {
        "id": "team",
        "question": "How many people are on DeepSeek's team?",
        "answers": ["140", "around 140"],
        "answerable": True,
        "gold_sources": ["000_959d6777a251aa29.txt"],
    },
    {
        "id": "follow",
        "question": "How did he characterize the US chip ban?",
        "answers": ["significant obstacle"],
        "answerable": True,
        "gold_sources": ["000_959d6777a251aa29.txt"],
        "history": [["Who founded DeepSeek?", "DeepSeek's founder is Liang Wenfeng [1]."]],
    },
    {"id": "france", "question": FRANCE, "answers": [], "answerable": False},
]


def _eval(argv: list[str]) -> tuple[int, str, str]:
    """``rag eval ARGV`` through the harness's own parser, as rag.cli wires it; returns (status, stdout, stderr)."""
    common = argparse.ArgumentParser(add_help=False)
    for flag in ("--index-dir", "--collection", "--llm"):
        common.add_argument(flag)
    common.add_argument("--top-k", type=int)
    parser = argparse.ArgumentParser(prog="rag")
    add_eval_parser(parser.add_subparsers(dest="command"), [common])
    args = parser.parse_args(["eval", *argv])
    settings = Settings.from_env(index_dir=args.index_dir, collection=args.collection, llm=args.llm, top_k=args.top_k)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cmd_eval(args, settings)
    return status, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def run(seed_index: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One real run of the small model over three questions (one follow-up, one unanswerable)."""
    folder = tmp_path_factory.mktemp("eval")
    questions = folder / "small.jsonl"
    questions.write_text("".join(json.dumps(c) + "\n" for c in CASES), encoding="utf-8")
    out_dir = folder / "reports"
    status, stdout, stderr = _eval(
        [
            str(questions),
            "--index-dir",
            str(seed_index),
            "--llm",
            "local:smollm2-135m",
            "--top-k",
            "2",
            "--out-dir",
            str(out_dir),
            "--name",
            "small",
        ]
    )
    return {
        "status": status,
        "stdout": stdout,
        "stderr": stderr,
        "questions": questions,
        "out_dir": out_dir,
        "index": seed_index,
    }


def test_run_writes_json_and_html_reports_with_metrics_in_range(run):
    assert run["status"] == 0, run["stderr"]
    (json_path,) = run["out_dir"].glob("small-*.json")
    (html_path,) = run["out_dir"].glob("small-*.html")
    report = json.loads(json_path.read_text())
    assert report["config"]["llm"] == "local:smollm2-135m" and report["config"]["top_k"] == 2
    assert [r["case"]["id"] for r in report["results"]] == ["team", "follow", "france"]
    assert report["results"][1]["case"]["history"] == CASES[1]["history"]
    rates = {k: v for k, v in report["metrics"].items() if k in RATE_METRICS}
    assert set(rates) == set(RATE_METRICS)
    assert all(0.0 <= v <= 1.0 for v in rates.values()), rates
    # a one-document index: every retrieved source is the gold file
    assert rates["hit@1"] == rates["mrr"] == rates["ndcg@10"] == 1.0
    assert 0 < report["metrics"]["latency_p50"] <= report["metrics"]["latency_p95"]
    for result in report["results"]:
        assert all(c["ok"] == (c["score"] >= 0.5) for c in result["citations"])
    html = html_path.read_text()
    assert html.count("<svg") == 2 and FRANCE in html and "what went wrong" in html
    assert "hit@5" in run["stdout"] and "refusal_accuracy" in run["stdout"]


def test_recall_is_scored_on_the_prompt_the_model_read(run):
    (json_path,) = run["out_dir"].glob("small-*.json")
    report = json.loads(json_path.read_text())
    team = report["results"][0]
    assert team["read"].startswith("[1] ") and team["scores"]["source_recall"] == 1.0  # one document: gold
    assert team["scores"]["excerpt_recall"] == float("140" in team["read"])
    assert "excerpt_recall" in run["stdout"] and "source_recall" in run["stdout"]
    assert "<summary>read</summary>" in (html := next(run["out_dir"].glob("small-*.html")).read_text())
    assert "around 140" in html


def test_refusal_of_an_unanswerable_question_is_counted(run):
    (json_path,) = run["out_dir"].glob("small-*.json")
    report = json.loads(json_path.read_text())
    france = report["results"][2]
    assert france["refused"] is True and france["scores"]["refusal_correct"] == 1.0
    assert "answered an unanswerable question" not in france["problems"]
    answered = [not r["refused"] for r in report["results"][:2]]
    assert report["metrics"]["unanswerable_refused"] == 1.0
    assert report["metrics"]["answerable_answered"] == sum(answered) / 2
    assert report["metrics"]["refusal_accuracy"] == pytest.approx((sum(answered) + 1) / 3, abs=1e-4)


def test_retrieval_only_run_compares_with_the_earlier_report_and_gates_on_thresholds(run):
    (old,) = run["out_dir"].glob("small-*.json")
    status, stdout, stderr = _eval(
        [
            str(run["questions"]),
            "--index-dir",
            str(run["index"]),
            "--retrieval-only",
            "--out-dir",
            str(run["out_dir"]),
            "--name",
            "fast",
            "--compare",
            str(old),
            "--min",
            "hit@5=1.0",
            "--min",
            "mrr=1.01",
        ]
    )
    assert status == 1
    assert "mrr: 1.0000 < 1.01" in stderr and "hit@5" not in stderr
    assert "compared with small" in stdout
    f1_row = next(line for line in stdout.splitlines() if " f1 " in line)
    assert "-" in f1_row.split("f1")[1]  # f1 exists only in the old report
    (report_path,) = run["out_dir"].glob("fast-*.json")
    report = json.loads(report_path.read_text())
    assert report["config"]["retrieval_only"] and report["config"]["top_k"] == 10
    assert all(r["answer"] is None for r in report["results"]) and "f1" not in report["metrics"]
    # what the model would read, without it: the recall metrics of retrieval-only runs
    assert report["metrics"]["source_recall"] == 1.0 and report["metrics"]["excerpt_recall"] == 1.0


def test_question_files_round_trip_and_bad_lines_are_named(tmp_path):
    path = tmp_path / "q.jsonl"
    cases = [EvalCase.from_dict(c) for c in CASES]
    write_cases(cases, path)
    assert load_cases(path) == cases
    path.write_text(json.dumps(CASES[0]) + "\n" + json.dumps(CASES[0]) + "\n")
    with pytest.raises(ValueError, match="line 2: duplicate id 'team'"):
        load_cases(path)
    path.write_text('{"id": 1, "question": "Why?", "answerable": "yes"}\n')
    with pytest.raises(ValueError, match="line 1: 'answerable' must be true or false"):
        load_cases(path)
    with pytest.raises(ValueError, match="cannot read question file"):
        load_cases(tmp_path / "missing.jsonl")
    with pytest.raises(ValueError, match="not a readable rag eval report"):
        read_metrics(path)  # JSON lines, not a report


def test_the_seed_question_set_is_well_formed():
    cases = load_cases(ROOT / "evals" / "seeds.jsonl")
    assert len(cases) >= 30
    assert sum(not c.answerable for c in cases) >= 8 and sum(bool(c.history) for c in cases) >= 4
    assert all(c.answers and c.gold_sources == ("000_959d6777a251aa29.txt",) for c in cases if c.answerable)


CMU = CMU_DIR


def test_cmu_s08_loader_deduplicates_skips_null_and_reads_non_utf8():
    assert len(cmu_articles(CMU)) == 40
    cases = load_cmu_s08(CMU)
    keys = [(c.gold_sources, c.question.lower()) for c in cases]
    assert len(keys) == len(set(keys)) == 915
    assert all(c.answers and "NULL" not in c.answers and (CMU / c.gold_sources[0]).is_file() for c in cases)
    lincoln = [c for c in cases if c.question == "Was Abraham Lincoln the sixteenth President of the United States?"]
    assert [(c.answers, c.gold_sources) for c in lincoln] == [(("yes",), ("S08/data/set3/a4.txt",))]  # "yes", "Yes."
    # every answer to this one is NULL
    assert not any(c.question.startswith("Volta became professor of physics in the Como") for c in cases)
    # a line of the pairs file that is not UTF-8
    uruguay = next(c for c in cases if c.question == "How many square kilometres of continental land is Uruguay?")
    assert uruguay.answers[0].startswith("176.215 km")
    # the article that is not UTF-8 (Avogadro, Latin-1)
    avogadro = load(CMU / "S08/data/set4/a8.txt").text
    assert "Avogadro" in avogadro and "\ufffd" not in avogadro and "é" in avogadro


SQUAD = {
    "version": "v2.0",
    "data": [
        {
            "title": "Deep_Seek",
            "paragraphs": [
                {
                    "context": "DeepSeek has a team of around 140 people. It stockpiled Nvidia A100 chips.",
                    "qas": [
                        {"id": "a", "question": "How many people?", "answers": [{"text": "140"}, {"text": "140"}]},
                        {"id": "b", "question": "Which chips?", "answers": [{"text": "Nvidia A100"}]},
                        {"id": "c", "question": "Who sold it chips?", "answers": [], "is_impossible": True},
                    ],
                },
                {
                    "context": "Liang Wenfeng founded DeepSeek in Hangzhou.",
                    "qas": [
                        {"id": "d", "question": "Where is DeepSeek's office?", "answers": [], "is_impossible": True}
                    ],
                },
            ],
        }
    ],
}


def test_squad_file_becomes_one_document_per_paragraph_and_a_balanced_seeded_sample(tmp_path):
    squad = tmp_path / "tiny.json"
    squad.write_text(json.dumps(SQUAD), encoding="utf-8")
    assert is_squad_file(squad) and not is_squad_file(ROOT / "evals" / "seeds.jsonl")
    cases = load_squad(squad, tmp_path / "docs")
    assert [(c.id, c.answers, c.answerable, c.gold_sources) for c in cases] == [
        ("a", ("140",), True, ("Deep_Seek/000.txt",)),
        ("b", ("Nvidia A100",), True, ("Deep_Seek/000.txt",)),
        ("c", (), False, ("Deep_Seek/000.txt",)),
        ("d", (), False, ("Deep_Seek/001.txt",)),
    ]
    assert (
        tmp_path / "docs/Deep_Seek/001.txt"
    ).read_text() == "Deep Seek\n\nLiang Wenfeng founded DeepSeek in Hangzhou.\n"
    sample = sample_cases(cases, 2)
    assert sorted(c.answerable for c in sample) == [False, True] and sample == sample_cases(cases, 2)


def test_rag_eval_on_a_squad_file_indexes_its_paragraphs_and_scores_the_sample(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tiny.json").write_text(json.dumps(SQUAD), encoding="utf-8")
    status, stdout, stderr = _eval(
        ["tiny.json", "--index-dir", "index", "--retrieval-only", "--sample", "2", "--out-dir", "reports"]
    )
    assert status == 0, stderr
    assert "tiny: evals/tiny.jsonl written; 2 indexed" in stderr
    assert len(load_cases(tmp_path / "evals/tiny.jsonl")) == 2
    report = json.loads(next((tmp_path / "reports").glob("tiny-*.json")).read_text())
    assert report["config"]["collection"] == "tiny" and report["config"]["questions"] == 2
    assert 0.0 <= report["metrics"]["hit@1"] <= 1.0


def test_rag_eval_seed_draws_another_fixed_sample(tmp_path, monkeypatch):
    """``--seed`` asks other questions of the same set (figures on questions the defaults were not tuned on)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tiny.json").write_text(json.dumps(SQUAD), encoding="utf-8")
    cases = load_squad(tmp_path / "tiny.json", tmp_path / "docs")
    default = [c.id for c in sample_cases(cases, 2)]
    seed = next(s for s in range(100) if [c.id for c in sample_cases(cases, 2, s)] != default)
    args = ["tiny.json", "--index-dir", "index", "--retrieval-only", "--sample", "2", "--out-dir", "reports"]
    for extra, expected in [(["--seed", str(seed)], sample_cases(cases, 2, seed)), ([], sample_cases(cases, 2))]:
        status, _, stderr = _eval([*args, *extra])
        assert status == 0, stderr
        assert [c.id for c in load_cases(tmp_path / "evals/tiny.jsonl")] == [c.id for c in expected]
