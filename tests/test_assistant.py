"""The library API end to end: real index, real embedding model, real LLMs."""

import dataclasses
import json
from typing import Any

import pytest

from rag import Answer, Assistant
from rag.answer import REFUSAL, Source
from rag.calibration import DEFAULT_THRESHOLDS
from rag.config import Settings, Strictness
from rag.embedding import Embedder
from rag.errors import IndexStateError
from rag.llm.local import SMOLLM2, model_path
from rag.prompt import SYSTEM_PROMPT, documents_read
from rag.verification import DECLINED_MARGIN, answers_question, passage, title, verdict_messages, verification_messages
from tests.support import SEED_FACTS, SEED_FILE, assert_cites_seed


@pytest.mark.parametrize(("question", "facts"), SEED_FACTS)
def test_small_model_answers_with_a_checkable_citation(smol, question, facts):
    answer = smol.ask(question)
    for fact in facts:
        assert fact in answer.text
    assert_cites_seed(answer)
    assert answer.timings.total >= answer.timings.retrieve > 0


def test_out_of_scope_question_is_refused(smol):
    answer = smol.ask("What is the capital of France?")
    assert answer.refused and answer.text == REFUSAL and answer.citations == []
    assert answer.sources, "a refusal still shows the closest passages it looked at"


def test_stream_yields_text_then_the_answer(smol):
    items = list(smol.stream("Which city does Fiona Zhou work in?"))
    *pieces, final = items
    assert isinstance(final, Answer) and pieces and all(isinstance(p, str) for p in pieces)
    assert "Shenzhen" in "".join(pieces)
    assert final.to_dict()["citations"][0]["path"].endswith(SEED_FILE.name)
    # Usage counts what the LLM wrote (the draft, before the check) and read, with its own tokenizer.
    assert final.usage.completion_tokens == smol.llm.count_tokens("".join(pieces).strip())
    read = smol.llm.count_tokens(SYSTEM_PROMPT + "Which city does Fiona Zhou work in?" + final.citations[0].quote)
    assert final.usage.prompt_tokens > read  # the instructions, the question and at least the quoted sentence


def test_follow_up_retrieves_with_the_conversation(smol):
    history = [("What is the name of DeepSeek's founder?", "Liang Wenfeng [1].")]
    follow_up = smol.ask("What did he call the US chip ban?", history=history)
    assert "Liang Wenfeng, characterized the US chip ban" in follow_up.sources[0].chunk.text


def test_only_a_follow_up_carries_the_earlier_turns_into_the_prompt(smol, monkeypatch):
    history = [("What is the name of DeepSeek's founder?", "Liang Wenfeng [1].")]
    prompts: list[list[dict[str, str]]] = []
    stream_chat = smol.llm.stream_chat
    monkeypatch.setattr(
        smol.llm, "stream_chat", lambda messages, *a, **k: prompts.append(messages) or stream_chat(messages, *a, **k)
    )
    smol.ask("Which city does Fiona Zhou work in?", history=history)
    smol.ask("And which city does Fiona Zhou work in?", history=history)  # the same, as a continuation
    alone, follow_up = ([m["content"] for m in prompt] for prompt in prompts)
    assert history[0][0] not in " ".join(alone) and len(alone) == 2  # the system prompt, then the question
    assert follow_up[1:3] == ["What is the name of DeepSeek's founder?", "Liang Wenfeng."]  # without its marker


def test_empty_collection_says_what_to_do(tmp_path):
    with pytest.raises(IndexStateError, match="rag index"):
        Assistant.open(index_dir=tmp_path, llm="local:smollm2-135m").ask("Anything?")


@pytest.mark.slow
def test_default_model_answers_the_team_size(seed_index):
    """The packaged default model (Qwen2.5 1.5B), as `make chat` uses it."""
    assistant = Assistant.open(index_dir=seed_index, context_tokens=Settings().context_tokens)
    assert assistant.settings.llm == "local:qwen2.5-1.5b"
    answer = assistant.ask("How many people are on DeepSeek's team?")
    assert "140" in answer.text
    assert_cites_seed(answer)
    assert any("140" in c.quote for c in answer.citations)
    refusal = assistant.ask("What is DeepSeek's annual revenue?")
    assert refusal.refused


@pytest.mark.slow
def test_default_model_refuses_the_near_miss_and_answers_the_follow_up(seed_index):
    """The seed source says DeepSeek *launched* on January 20 and stockpiled 10,000 to 50,000 *chips*: words of a
    wrong answer that word overlap accepts; the model's check of the quote against the question does not."""
    assistant = Assistant.open(index_dir=seed_index, context_tokens=Settings().context_tokens)  # as a user has it
    for question in ("When was DeepSeek founded?", "How many parameters does DeepSeek's model have?"):
        answer = assistant.ask(question)
        assert answer.refused, (question, answer.text, answer.verification)
    launched = assistant.ask("When did DeepSeek launch?")
    assert "January 20" in launched.text and launched.verification is not None and launched.verification >= 0.5
    follow_up = assistant.ask("And how many people work there?", history=[("What is DeepSeek?", launched.text)])
    assert not follow_up.refused and "140" in follow_up.text, follow_up


def at(smol: Assistant, threshold: float, **overrides: Any) -> Assistant:
    """The small model's assistant, checking answers at ``threshold`` (the model is shared: loaded once)."""
    return Assistant.open(settings=smol.settings, check_threshold=threshold, **overrides)


def test_the_llm_is_asked_whether_a_quote_answers_and_refusals_follow_the_threshold(smol):
    question = "Which city does Fiona Zhou work in?"
    unasked = Assistant.open(settings=smol.settings, verify_answers=False).ask(question)
    assert not unasked.refused and unasked.verification is None and not unasked.checked  # shown as not checked
    answered = at(smol, 0.0).ask(question)
    assert not answered.refused and 0.0 <= answered.verification <= 1.0
    assert answered.checked and answered.threshold == 0.0
    (cited,) = {c.n: c for c in answered.citations}.values()
    shown = passage(cited.quote, question, title(answered.sources[cited.n - 1].chunk))
    assert smol.llm.yes_probability(verification_messages(question, shown)) == answered.verification
    refused = at(smol, 1.01).ask(question)  # no P(yes) reaches it
    assert refused.refused and refused.text == REFUSAL and refused.verification == answered.verification
    assert refused.checked and refused.unsupported == [c.sentence for c in answered.citations]


def test_a_declined_yes_no_question_gets_the_models_yes_or_no_and_the_sentence_that_shows_it(smol):
    """ "Are kangaroos farmed?" is declined by a model that looks for those words ("They are not farmed"); its yes or
    no is read after the same prompt, the best-matching sentence is quoted after it, and the question check decides
    as for any draft. So too for a yes or no said in words no source holds."""
    llm = smol.llm
    question = "Does Fiona Zhou work in Shenzhen?"
    sources = smol.retrieve(question)
    embed = Embedder.default().embed_documents
    messages = smol._messages(question, question, sources, (), llm, embed)
    checking = at(smol, 0.0)
    answer = checking._check(REFUSAL, question, question, sources, llm, embed, messages)
    said = "Yes" if llm.yes_probability(verdict_messages(messages)) >= 0.5 else "No"
    assert answer.text.startswith(f"{said}. ") and "Fiona Zhou" in answer.text and not answer.refused
    assert_cites_seed(dataclasses.replace(answer, sources=sources))
    assert answer.verification is not None
    unsupported = "Yes, Fiona Zhou has cooked in Shenzhen since 1999 [1]."
    assert checking._check(unsupported, question, question, sources, llm, embed, messages).text == answer.text
    for asked, prompt in [("Does Fiona Zhou work in Shenzhen or Beijing?", messages), (question, ())]:
        assert checking._check(REFUSAL, asked, asked, sources, llm, embed, prompt).refused  # a choice; no prompt
    # the check refuses it like any other draft
    assert at(smol, 1.01)._check(REFUSAL, question, question, sources, llm, embed, messages).refused


def test_a_declined_question_gets_the_sentence_that_best_matches_it_when_the_check_is_surer(smol):
    """ "What was developed for the Air Force" is declined by a model that looks for those words ("Baran developed
    ... for the US Air Force"): the sentence of the sources that best matches the question is checked instead, and
    stands only when the check's P(yes) clears the threshold by DECLINED_MARGIN."""
    llm = smol.llm
    question = "Which city does Fiona Zhou work in?"
    sources = smol.retrieve(question)
    embed = Embedder.default().embed_documents
    messages = smol._messages(question, question, sources, (), llm, embed)
    answer = at(smol, 0.0)._check(REFUSAL, question, question, sources, llm, embed, messages)
    assert not answer.refused and "Fiona Zhou" in answer.text and "Shenzhen" in answer.text
    assert_cites_seed(dataclasses.replace(answer, sources=sources))
    p_yes = answer.verification
    assert p_yes is not None and p_yes > DECLINED_MARGIN and answer.threshold == DECLINED_MARGIN
    below = at(smol, p_yes - DECLINED_MARGIN - 0.01)
    assert below._check(REFUSAL, question, question, sources, llm, embed, messages).text == answer.text
    above = at(smol, p_yes - DECLINED_MARGIN + 0.01)
    refused = above._check(REFUSAL, question, question, sources, llm, embed, messages)
    assert refused.refused and refused.verification == p_yes
    own = above._check(answer.text, question, question, sources, llm, embed, messages)  # the same words as its draft
    assert not own.refused and own.verification == p_yes
    unasked = Assistant.open(settings=smol.settings, verify_answers=False)
    assert unasked._check(REFUSAL, question, question, sources, llm, embed, messages).refused


def test_calibrating_shows_every_answer_with_its_best_quotes_probability(smol):
    """``rag calibrate`` must learn what any threshold would show: threshold 0, and the highest P(yes) of all quotes
    (not the first to pass)."""
    question = "Which city does Fiona Zhou work in?"
    calibrating = at(smol, 0.9)
    calibrating.calibrating = True
    answer = calibrating.ask(question)
    assert not answer.refused and answer.checked and answer.threshold == 0.0
    chunks = {s.n: s.chunk for s in answer.sources}
    passages = [passage(c.quote, question, title(chunks[c.n])) for c in answer.citations]
    assert answer.verification == answers_question(smol.llm, question, passages)


def test_an_uncalibrated_model_warns_once_and_uses_the_default_threshold(seed_index, tmp_path, caplog):
    gguf = model_path(SMOLLM2.name, tmp_path)
    assistant = Assistant.open(
        index_dir=seed_index, llm=f"local:{gguf}", top_k=2, calibration_file=tmp_path / "none.json", strictness="strict"
    )
    with caplog.at_level("WARNING"):
        assistant.llm  # noqa: B018 (loading is what warns)
    assert f"local:{gguf} is uncalibrated" in caplog.text and "rag calibrate --llm" in caplog.text
    assert assistant.check_setting().threshold == DEFAULT_THRESHOLDS[Strictness.STRICT]
    assert Assistant.open(settings=assistant.settings, llm="extractive").check_setting() is None


def test_the_check_stops_at_the_first_quote_that_passes(smol, monkeypatch):
    llm, asked = smol.llm, []
    ask = llm.yes_probability
    monkeypatch.setattr(llm, "yes_probability", lambda messages: asked.append(messages) or ask(messages))
    question, quotes = "Which city does Fiona Zhou work in?", ["Fiona Zhou works in Lisbon.", "Lisbon is a city."]
    best = answers_question(llm, question, quotes)  # no threshold: every distinct quote is read
    assert len(asked) == 2 and best == max(ask(verification_messages(question, q)) for q in quotes)
    asked.clear()
    first = answers_question(llm, question, [*quotes, quotes[0]], enough=0.0)
    assert len(asked) == 1 and first == ask(verification_messages(question, quotes[0]))


def test_sources_come_before_the_first_token(smol):
    items = list(smol.stream_with_sources("Which city does Fiona Zhou work in?"))
    assert isinstance(items[0], list) and items[0] and all(isinstance(s, Source) for s in items[0])
    assert isinstance(items[1], str) and isinstance(items[-1], Answer)
    assert items[-1].sources == items[0]


def test_remove_takes_a_file_out_of_the_collection_and_the_keyword_index(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "heron.txt").write_text("The mascot of the Zorblat festival is a blue heron named Pip.", encoding="utf-8")
    (folder / "bread.txt").write_text("Sourdough bread rises with a starter of flour and water.", encoding="utf-8")
    assistant = Assistant.open(index_dir=tmp_path / "index", retrieval="keyword")
    assistant.add([folder])
    question = "What is the mascot of the Zorblat festival?"
    assert assistant.retrieve(question)[0].chunk.path == str(folder / "heron.txt")

    removed = assistant.remove(folder / "heron.txt")
    assert (removed.name, removed.chunks) == ("heron.txt", 1)
    assert [d.name for d in assistant.documents()] == ["bread.txt"]
    # The persisted BM25 index was rebuilt at once (before any question) for what is left.
    stamp = json.loads((tmp_path / "index" / "keyword" / "default" / "fingerprint.json").read_text())
    assert stamp["chunks"] == 1
    assert all("heron" not in s.chunk.path for s in assistant.retrieve(question))
    assert (folder / "heron.txt").exists()  # only the index changed
    with pytest.raises(IndexStateError, match="no document .*heron.txt.* in collection 'default'; see: rag documents"):
        assistant.remove(folder / "heron.txt")


def test_a_bare_yes_is_answered_with_the_sentence_that_says_so(seed_index):
    """A draft of only "Yes." (or "No [2]."): the best sentence of the (marked) sources is quoted after it."""
    assistant = Assistant.open(index_dir=seed_index, llm="extractive")
    question = "Does Fiona Zhou work in Shenzhen?"
    sources = assistant.retrieve(question)
    embed = Embedder.default().embed_documents
    answer = assistant._check("Yes.", question, question, sources, assistant.llm, embed)
    answer = dataclasses.replace(answer, sources=sources)
    assert answer.text.startswith("Yes. ") and "Shenzhen" in answer.text and not answer.refused
    assert_cites_seed(answer)


def test_a_wider_pool_shows_and_numbers_only_the_sources_read(seed_index):
    """``pool_factor``: excerpts chosen from more chunks in the same budget; the sources are the ones read."""
    question = "Which city does Fiona Zhou work in?"
    narrow = Assistant.open(index_dir=seed_index, top_k=2, context_tokens=60, pool_factor=1)
    wide = Assistant.open(index_dir=seed_index, top_k=2, context_tokens=60, pool_factor=3)
    pool = [s.chunk.id for s in wide.retrieve(question, k=6)]
    assert len(pool) > 2  # the seed has more chunks than top_k
    sources, messages = wide.read(question)
    read = documents_read(messages)
    assert "Shenzhen" in read and [s.n for s in sources] == list(range(1, len(sources) + 1))
    assert all(f"[{s.n}] " in read for s in sources)  # every source shown was read, under its number
    ids = [s.chunk.id for s in sources]
    assert ids == sorted(ids, key=pool.index)  # in rank order
    before = narrow.read(question)[0]  # without a pool, as before: the top_k sources, read or not
    assert [s.chunk.id for s in before] == [s.chunk.id for s in narrow.retrieve(question)]


def test_an_answer_from_a_wider_pool_cites_the_sources_it_shows(seed_index):
    assistant = Assistant.open(
        index_dir=seed_index, llm="local:smollm2-135m", top_k=2, context_tokens=80, pool_factor=3
    )
    prompts: list[list[dict[str, str]]] = []
    assistant.on_prompt = prompts.append
    items = list(assistant.stream_with_sources("Which city does Fiona Zhou work in?"))
    shown, answer = items[0], items[-1]
    assert isinstance(answer, Answer) and answer.sources == shown
    assert [s.n for s in shown] == list(range(1, len(shown) + 1))
    (prompt,) = prompts
    assert all(f"[{s.n}] " in documents_read(prompt) for s in shown)
    assert all(1 <= c.n <= len(shown) and c.path == shown[c.n - 1].chunk.path for c in answer.citations)
