"""Each metric as a pure function, against values computed by hand."""

import math

import pytest

from rag.evaluation import metrics
from rag.evaluation.runner import MetricChange, compare_metrics, failed_thresholds, parse_threshold

GOLD = ["000_959d6777a251aa29.txt"]
HIT = "/tmp/x/seeds/000_959d6777a251aa29.txt"
MISS = "/tmp/x/seeds/other.txt"


def test_normalisation_drops_case_punctuation_articles_and_extra_spaces():
    assert metrics.normalize_answer("  The Team of AROUND 140, an estimate!  ") == "team of around 140 estimate"
    assert metrics.normalize_answer("“Baidu’s Ernie”") == "baidus ernie"
    assert metrics.strip_markers("Liang Wenfeng [1]. Also [2, 3] more.") == "Liang Wenfeng. Also more."


def test_exact_match_takes_the_best_acceptable_answer():
    assert metrics.exact_match("The Shenzhen.", ["Beijing", "shenzhen"]) == 1.0
    assert metrics.exact_match("In Shenzhen", ["Shenzhen"]) == 0.0
    assert metrics.exact_match("anything", []) == 0.0


def test_token_f1_by_hand():
    # prediction tokens: team has around 140 people (5); truth: around 140 (2); common 2
    # precision 2/5, recall 2/2 -> F1 = 2 * 0.4 * 1 / 1.4
    assert metrics.token_f1("The team has around 140 people.", ["around 140"]) == pytest.approx(0.8 / 1.4)
    # repeated tokens count once per occurrence: "140 140" vs "140" -> p 1/2, r 1 -> 2/3
    assert metrics.token_f1("140 140", ["140"]) == pytest.approx(2 / 3)
    assert metrics.token_f1("The team has around 140 people.", ["Liang", "140 people"]) == pytest.approx(
        2 * (2 / 5) * 1 / (2 / 5 + 1)
    )
    assert metrics.token_f1("no overlap", ["Shenzhen"]) == 0.0
    assert metrics.token_f1("", ["Shenzhen"]) == 0.0


def test_contains_answer_needs_whole_words():
    assert metrics.contains_answer("The team has around 140 people [1].", ["about 140", "140"]) == 1.0
    assert metrics.contains_answer("It had 1400 people.", ["140"]) == 0.0
    assert metrics.contains_answer("Stockpiled 10,000 to 50,000 chips", ["10,000 to 50,000"]) == 1.0
    assert metrics.contains_answer("anything", [""]) == 0.0


def test_gold_matches_trailing_path_components_only():
    assert metrics.is_gold(HIT, GOLD)
    assert metrics.is_gold("/data/cmu-qa/S08/data/set1/a1.txt", ["S08/data/set1/a1.txt"])
    assert not metrics.is_gold("/data/cmu-qa/S08/data/set2/a1.txt", ["S08/data/set1/a1.txt"])
    assert not metrics.is_gold("/data/xa1.txt", ["a1.txt"])
    assert not metrics.is_gold(HIT, [])


def test_ranks_hits_and_reciprocal_rank():
    ranked = [MISS, MISS, HIT, HIT]
    assert metrics.first_gold_rank(ranked, GOLD) == 3
    assert (metrics.hit_at_k(ranked, GOLD, 1), metrics.hit_at_k(ranked, GOLD, 3)) == (0.0, 1.0)
    assert metrics.reciprocal_rank(ranked, GOLD) == pytest.approx(1 / 3)
    assert metrics.first_gold_rank([MISS], GOLD) is None and metrics.reciprocal_rank([MISS], GOLD) == 0.0


def test_ndcg_counts_each_gold_file_once_at_its_best_rank():
    assert metrics.ndcg_at_k([HIT, MISS], GOLD) == 1.0
    # one gold file at rank 2: DCG 1/log2(3), ideal 1/log2(2) = 1
    assert metrics.ndcg_at_k([MISS, HIT, HIT], GOLD) == pytest.approx(1 / math.log2(3))
    # two gold files found at ranks 1 and 3: (1 + 1/log2(4)) / (1 + 1/log2(3))
    two = ["/d/a.txt", "/d/c.txt"]
    expected = (1 + 1 / 2) / (1 + 1 / math.log2(3))
    assert metrics.ndcg_at_k(["/d/a.txt", "/d/b.txt", "/d/c.txt"], two) == pytest.approx(expected)
    assert metrics.ndcg_at_k([MISS, MISS, HIT], GOLD, k=2) == 0.0
    assert metrics.ndcg_at_k([HIT], []) == 0.0


def test_citation_precision_needs_support_and_a_gold_file():
    citations = [(HIT, 0.9), (HIT, 0.5), (HIT, 0.49), (MISS, 1.0)]
    assert metrics.citation_precision(citations, GOLD) == 0.5
    assert metrics.citation_precision(citations, []) == 0.75  # without gold only support counts
    assert metrics.citation_precision([], GOLD) == 0.0
    assert metrics.cites_gold([MISS, HIT], GOLD) and not metrics.cites_gold([MISS], GOLD)


def test_refusal_is_correct_only_for_unanswerable_questions():
    assert metrics.refusal_correct(refused=True, answerable=False)
    assert metrics.refusal_correct(refused=False, answerable=True)
    assert not metrics.refusal_correct(refused=True, answerable=True)
    assert not metrics.refusal_correct(refused=False, answerable=False)


def test_mean_and_percentiles_interpolate_between_ranks():
    assert metrics.mean([1.0, 0.0, 0.5]) == 0.5 and metrics.mean([]) == 0.0
    latencies = [5.0, 1.0, 3.0, 2.0, 4.0]
    assert metrics.percentile(latencies, 50) == 3.0
    assert metrics.percentile(latencies, 95) == pytest.approx(4.8)  # rank 0.95 * 4 = 3.8 -> 4 + 0.8 * (5 - 4)
    assert metrics.percentile([7.0], 95) == 7.0 and metrics.percentile([], 50) == 0.0


def test_comparison_and_thresholds():
    changes = compare_metrics({"mrr": 0.5, "latency_p50": 2.0, "gone": 1.0}, {"mrr": 0.75, "latency_p50": 3.0})
    assert changes == [
        MetricChange("mrr", 0.5, 0.75),
        MetricChange("latency_p50", 2.0, 3.0),
        MetricChange("gone", 1.0, None),
    ]
    assert [(c.delta, c.better) for c in changes] == [(0.25, True), (1.0, False), (None, None)]
    assert parse_threshold("hit@5=0.8") == ("hit@5", 0.8)
    with pytest.raises(Exception, match="METRIC=VALUE"):
        parse_threshold("hit@5")
    assert failed_thresholds({"mrr": 0.5, "f1": 0.9}, {"mrr": 0.6, "f1": 0.9}) == ["mrr: 0.5000 < 0.6"]
    assert failed_thresholds({"mrr": 0.5}, {"hit@5": 0.1})[0].startswith("hit@5: missing")


def test_quote_holds_answer_is_graded_on_the_quotes_not_on_the_support_score():
    from rag.answer import Answer, Citation, Timings
    from rag.evaluation.cases import EvalCase
    from rag.evaluation.scoring import aggregate, score_case

    case = EvalCase("q", "How many people are on the team?", ("140",), True, GOLD)

    def answered(quote: str) -> Answer:
        citation = Citation(1, HIT, 0, len(quote), quote, 0.9, "It has 140 people.")
        return Answer(case.question, "It has 140 people [1].", [citation], [], False, Timings())

    held = score_case(case, [], answered("The team has 140 people."), 1.0)
    missed = score_case(case, [], answered("The team is small."), 1.0)
    refused = score_case(case, [], Answer(case.question, "no", [], [], True, Timings()), 1.0)
    assert held.scores["quote_holds_answer"] == 1.0 and missed.scores["quote_holds_answer"] == 0.0
    assert "quote_holds_answer" not in refused.scores  # over answered questions only
    assert "no cited quote holds an acceptable answer" in missed.problems
    assert aggregate([held, missed, refused])["quote_holds_answer"] == 0.5
    assert aggregate([held, missed])["citation_precision"] == 1.0  # the scorer's own grade says nothing of this


def test_source_recall_and_excerpt_recall():
    assert metrics.source_recall([MISS, HIT], GOLD) == 1.0 and metrics.source_recall([MISS], GOLD) == 0.0
    assert metrics.source_recall([], GOLD) == 0.0  # refused before the model read anything
    read = "[1] DeepSeek has a team of around 140 people. … It stockpiled A100 chips.\n\n[3] Liang founded it."
    assert metrics.excerpt_recall(read, ["about 140", "140 people"]) == 1.0
    assert metrics.excerpt_recall(read, ["Nvidia A100"]) == 0.0  # the whole answer, not some of its words
    assert metrics.excerpt_recall(read, ["1400"]) == metrics.excerpt_recall("", ["140"]) == 0.0


def test_recall_is_scored_on_what_the_model_read_over_answerable_questions():
    from rag.answer import Source
    from rag.evaluation.cases import EvalCase
    from rag.evaluation.scoring import RATE_METRICS, aggregate, score_case
    from rag.ingest.chunking import Chunk

    def source(n: int, path: str) -> Source:
        return Source(n, Chunk(f"c{n}", path, "text", 0, 4, "sha"), 0.5)

    retrieved = [source(1, MISS), source(2, HIT)]
    team = EvalCase("a", "How many people?", ("140",), True, GOLD)
    yes_no = EvalCase("b", "Is it big?", ("yes",), True, GOLD)
    impossible = EvalCase("c", "Who funds it?", (), False, GOLD)
    found = score_case(team, retrieved, None, 0.1, (retrieved, "[2] It has 140 people."))
    missed = score_case(team, retrieved, None, 0.1, ([retrieved[0]], "[1] It is in Hangzhou."))
    nothing = score_case(team, retrieved, None, 0.1, ([], ""))  # refused before the model was asked
    yes = score_case(yes_no, retrieved, None, 0.1, (retrieved, "[1] It is big."))
    unanswerable = score_case(impossible, retrieved, None, 0.1, (retrieved, "[1] It is big."))
    assert (found.scores["source_recall"], found.scores["excerpt_recall"]) == (1.0, 1.0)
    assert (missed.scores["source_recall"], missed.scores["excerpt_recall"]) == (0.0, 0.0)
    assert "no gold source among the sources read" in missed.problems
    assert "no acceptable answer in the excerpts read" in missed.problems
    assert nothing.scores["source_recall"] == 0.0 and nothing.read == ""
    assert "excerpt_recall" not in yes.scores and yes.scores["source_recall"] == 1.0  # no text holds a yes
    assert not {"source_recall", "excerpt_recall"} & set(unanswerable.scores)
    assert "source_recall" not in score_case(team, retrieved, None, 0.1).scores  # nothing recorded
    values = aggregate([found, missed, nothing, yes, unanswerable])
    assert values["source_recall"] == 0.5 and values["excerpt_recall"] == round(1 / 3, 4)
    assert {"source_recall", "excerpt_recall"} <= set(RATE_METRICS)
