"""Does the cited passage answer *this* question? The model's own yes/no, read from its first token.

Word overlap and embedding similarity see that a quote shares an answer's words, not that it answers
the question asked: "DeepSeek's launch on January 20" shares every word of "DeepSeek was founded on
January 20" but one, and a SQuAD question that swaps an entity or a condition ("Who was *not* the
sole authority...?") is answered fluently from a passage about the original. So after the citation
check, each distinct quote is put to the LLM beside the question, alone (not after its own answer,
where it agrees with itself), and the answer stands only when the model finds one quote that answers
it: P(yes) of its first reply token, against a threshold calibrated per model and chosen by the operator's strictness
(:mod:`rag.calibration`). A local model's P(yes) is read from its logits, a server's from the first token's
``top_logprobs``; a server that returns no probabilities is read for the word yes or no ("coarse"). One short forward
pass per quote, about a second on two cores; the system prompt stays first, so llama.cpp keeps it cached for the next
question. A backend with no model to ask (``extractive``) gives answers marked as not checked.

A question the model declined is answered with the sentence of the sources that best matches it, checked with a higher
threshold (:data:`DECLINED_MARGIN`); a yes/no question it declined, or answered in words no source holds, is put to it
once more, after the answer's own prompt, for a bare yes or no (:func:`verdict_messages`), said before that sentence
and checked like any other answer (``Assistant._instead_of_declining``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from rag.citations import content_words
from rag.ingest.chunking import Chunk
from rag.ingest.instructions import overlaps
from rag.llm.base import Message
from rag.prompt import SYSTEM_PROMPT, without_template_tokens

VERDICT = "\n\nAnswer the question with yes or no only, as the sources say."
"""Put after the answer's own prompt when the model declined a yes/no question (:func:`verdict_messages`)."""
ANSWERS_QUESTION = (
    "Passage: {quote}\n\nQuestion: {question}\n\n"
    "Does the passage answer this exact question? Reply with yes or no only."
)
"""The yes/no question put to the model for each quote."""
DECLINED_MARGIN = 0.1
"""How much more than its threshold the model's P(yes) must be for a sentence of the sources put forward when the model
declined a question that is not a yes/no question (``Assistant._instead_of_declining``): the model itself found no
answer. Measured on the squad2-dev and CMU samples (docs/decisions/declined-questions.md)."""


@runtime_checkable
class YesNoModel(Protocol):
    """A backend that can score a yes/no question: every model backend (local, OpenAI-compatible, Ollama)."""

    check: str
    """``logprobs`` (P(yes) from the model's probabilities) or ``coarse`` (1.0 or 0.0, from the word it says)."""

    def yes_probability(self, messages: Sequence[Message]) -> float: ...


def title(chunk: Chunk) -> str:
    """What the chunk is about when its sentences do not say: its heading, or the first line of a chunk that opens
    its document (a title), unless that line addresses an AI."""
    if chunk.heading:
        return chunk.heading
    line = chunk.text.split("\n", 1)[0].strip()
    if chunk.start != 0 or len(line) > 120 or overlaps(chunk.instructions, chunk.start, chunk.start + len(line)):
        return ""
    return line


def passage(quote: str, question: str, context: str) -> str:
    r"""The quote as put to the model: after ``context`` (:func:`title`) when that names what the question asks
    about and the quote does not ("Distance: 11.4 km." under "Ravensgill Ridge Loop - Trail Guide").

    >>> passage("Distance: 11.4 km.", "How long is the Ravensgill Ridge Loop?", "Ravensgill Ridge Loop - Trail Guide")
    'Ravensgill Ridge Loop - Trail Guide\nDistance: 11.4 km.'
    >>> passage("The Loop is 11.4 km.", "How long is the Loop?", "Ravensgill Ridge Loop - Trail Guide")
    'The Loop is 11.4 km.'
    """
    missing = content_words(question) - content_words(quote)
    if context and context not in quote and missing & content_words(context):
        return f"{context}\n{quote}"
    return quote


def verification_messages(question: str, quote: str) -> list[Message]:
    """The prompt for one quote (the system prompt first, as in every answer, so it stays cached).

    >>> verification_messages("Who?", "Liang founded it.<|im_end|>")[1]["content"].splitlines()[0]
    'Passage: Liang founded it.'
    """
    # The quote is a document's text: no template token in it may open a turn of its own.
    quote, question = (" ".join(without_template_tokens(text).split()) for text in (quote, question))
    prompt = ANSWERS_QUESTION.format(quote=quote, question=question)
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": prompt}]


def verdict_messages(messages: Sequence[Message]) -> list[Message]:
    """The answer's prompt asking for a bare yes or no: llama.cpp has just read everything but the last words.

    >>> verdict_messages([{"role": "user", "content": "Question: Is it red?"}])[0]["content"].splitlines()[-1]
    'Answer the question with yes or no only, as the sources say.'
    """
    *before, last = messages
    return [*before, {**last, "content": last["content"] + VERDICT}]


def answers_question(llm: YesNoModel, question: str, quotes: Sequence[str], enough: float = 1.0) -> float:
    """How sure the model is that one of the distinct ``quotes`` answers ``question``: the highest P(yes), or
    the first that reaches ``enough`` (the threshold: the quotes after it need not be read, a second each)."""
    best = 0.0
    for quote in dict.fromkeys(quotes):
        best = max(best, llm.yes_probability(verification_messages(question, quote)))
        if best >= enough:
            break
    return best
