"""Check a draft answer against its sources and turn it into citations a reader can verify.

Small LLMs forget markers, cite the wrong source, or state things no source says, so
markers are not trusted. Every answer sentence is scored against every sentence of the
sources (word overlap plus embedding similarity); a citation whose source does not support
its sentence is dropped, a sentence left without one gets the source that supports it, and
a sentence that no source supports is left out of the answer and reported as unsupported.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from rag.answer import Citation, Source
from rag.ingest.instructions import overlaps
from rag.ingest.sentences import needs_the_one_before, sentences

Embed = Callable[[list[str]], list[list[float]]]
"""Texts -> unit-length embedding vectors."""

MARKER = re.compile(r"\s*\[(\d+(?:\s*,\s*\d+)*)\]")
# "(source [1])" or "([1], [2])" -> the bare markers.
_WRAPPED_MARKERS = re.compile(r"\((?:sources?:?\s*)?((?:\[\d+\][\s,]*)+)\)", re.IGNORECASE)
# "... 140 people. [1]" -> "... 140 people [1]."
_TRAILING_MARKERS = re.compile(r"([.!?])((?:\s*\[\d+(?:\s*,\s*\d+)*\])+)")
_WORD = re.compile(r"\w+")
# "Did Lincoln sign the act?": answered "Yes, Lincoln signed the act", every word of it the question's.
YES_NO_QUESTION = re.compile(
    r"\s*(?:is|are|was|were|do|does|did|can|could|has|have|had|will|would|should|may|must)\b", re.IGNORECASE
)
# A number, with the currency it is an amount of: "$10,000", "10,000 dollars".
_NUMBER = re.compile(
    r"(?P<symbol>[$€£¥])?\s?(?P<number>\d+(?:[.,]\d+)*)(?:\s?(?:million|billion|thousand))?"
    r"(?:\s?(?P<word>dollars?|euros?|pounds?|yuan|usd))?",
    re.IGNORECASE,
)
# Words too common to count as evidence.
STOPWORDS = frozenset(
    "a an and are as at be been but by did do does for from had has have he her his how i in is it its "
    "of on or she that the their them there they this to was were what when where which who why will "
    "with you your about into than then also not no yes can could would should may might answer source "
    "sources document documents question".split()
)
MIN_SUPPORT = 0.5
"""Support a source needs to keep a citation, or to get one added (calibrated on evals/seeds.jsonl)."""
MIN_WORDS = 0.6
"""Share of a claim's content words its quote must contain, unless the quote is a paraphrase.

Averaging alone lets a fairly similar sentence make up for missing words: "DeepSeek is
headquartered in Shenzhen, China" is close to a sentence about DeepSeek and China that says
neither "headquartered" nor "Shenzhen" (calibrated on evals/seeds.jsonl). The words the claim
repeats from the question may stand anywhere in the quote's chunk, its heading or file name:
"The Ravensgill Ridge Loop is 11.4 km long" is held by "Distance: 11.4 km." under the title
"Ravensgill Ridge Loop - Trail Guide".
"""
PARAPHRASE = 0.8
"""Embedding similarity at which a quote says the same as the claim in other words."""
PAIR_GAIN = 0.15
"""Share of a claim's content words (and at least two words) that two adjacent sentences must hold beyond either
alone to be quoted together: "A storm dispersed the fleet with which Richard left Messina to reach Acre" joins
"Richard left Messina with a large fleet in order to reach Acre." and "But a storm dispersed the fleet."."""
PAIR_CHARS = 300
"""Longest quote of two sentences (of one paragraph): the question check reads the quote, and a long one lets a claim
made of words from both pass where neither says it."""
MISCITED = 0.1
"""Support by which another source must beat the sources a sentence marks for its marker to be corrected: the model
put "[2]" after "The oil crisis was also called the first oil shock", supported 0.51 by "This contributed to the
Oil Shock" in [2] and 0.92 by "It was later called the first oil shock" in [1]; "[2]" after "Liechtenstein is the
smallest German-speaking country in the world", 0.65 by "Liechtenstein is the fourth smallest country of Europe",
0.82 by "It is the smallest German-speaking country in the world" in [3], the sentence the question check must read."""


@dataclass(frozen=True)
class Support:
    """How well one source sentence, ``[start, end)`` in the file, supports a claim (0..1)."""

    start: int
    end: int
    score: float
    words: float = 1.0
    """Share of all the claim's content words in the sentence, question words included."""
    similarity: float = 0.0
    """Cosine similarity of the claim's and the sentence's embeddings (0 without embeddings)."""

    @property
    def enough(self) -> bool:
        """Whether the sentence supports the claim well enough to be cited for it."""
        return self.score >= MIN_SUPPORT and (self.words >= MIN_WORDS or self.similarity >= PARAPHRASE)


@dataclass(frozen=True)
class CheckedAnswer:
    """A draft after checking: text with corrected markers, its citations, unsupported sentences."""

    text: str
    citations: list[Citation]
    unsupported: list[str]
    repeated_instructions: list[str] = field(default_factory=list)
    """Answer sentences that repeat a source's instruction to an AI: the answer was hijacked."""


def content_words(text: str) -> set[str]:
    """Lower-cased, crudely stemmed words of ``text`` without stop words.

    >>> sorted(content_words("DeepSeek launched the models"))
    ['deepseek', 'launch', 'model']
    """
    return {_stem(w) for w in _WORD.findall(text.lower()) if w not in STOPWORDS}


def _stem(word: str) -> str:
    """Strip a common English ending so that "launched" matches "launch"."""
    for ending, shortest in (("ing", 6), ("ed", 5), ("s", 4)):
        if word.endswith(ending) and len(word) >= shortest:
            return word[: -len(ending)]
    return word


def numbers(text: str) -> set[str]:
    """Numbers written in ``text``, without thousands separators; an amount of money also as ``$N``.

    A claim's "$10,000" then needs an amount of money in the evidence, a bare "10,000" does not.

    >>> sorted(numbers("2,000 chips and 10.5 billion, in 2023"))
    ['10.5', '2000', '2023']
    >>> sorted(numbers("$10,000 or 5 million dollars"))
    ['$10000', '$5', '10000', '5']
    """
    found = set()
    for match in _NUMBER.finditer(text):
        number = match["number"].replace(",", "")
        found.add(number)
        if match["symbol"] or match["word"]:
            found.add("$" + number)
    return found


def lexical_support(claim: str, evidence: str, question: str = "", known: frozenset[str] = frozenset()) -> float:
    """Share of the claim's new content words found in ``evidence``; halved if a number of the claim is missing.

    Words the claim repeats from the ``question`` are no evidence: an echo of the question, or a
    stray sentence dressed in its words, scores 0; nor are its numbers required ("X.25 had less functionality
    because of..."). Words in ``known`` (content words) count as found.

    >>> evidence = "DeepSeek's team consists of around 140 individuals"
    >>> round(lexical_support("The team has 140 people", evidence), 2)
    0.67
    >>> round(lexical_support("The team has 150 people", evidence), 2)
    0.17
    >>> lexical_support("It has 140 people", evidence, question="How many people are on the team?")
    1.0
    >>> lexical_support("The team is big", evidence, question="How big is the team?")
    0.0
    >>> lexical_support("X.25 has a simpler interface", "It has a simpler interface.", question="Why is X.25 simple?")
    1.0
    """
    words = content_words(claim) - content_words(question)
    if not words:
        return 0.0
    share = len(words & (content_words(evidence) | known)) / len(words)
    return share / 2 if numbers(claim) - numbers(evidence) - numbers(question) - known else share


class SupportScorer:
    """Scores claims against the sentences of the sources; embeds every sentence once."""

    def __init__(self, sources: Sequence[Source], embed: Embed | None = None) -> None:
        self._embed = embed
        self._sentences: dict[int, list[tuple[int, int, str]]] = {}
        self._context: dict[int, set[str]] = {}
        """Each source's content words: its chunk's sentences, heading and file name."""
        self.instructions: list[str] = []
        """The sources' sentences addressed to an AI: never support, and an answer must not repeat them."""
        for source in sources:
            chunk = source.chunk
            spans = [(chunk.start + s, chunk.start + e, chunk.text[s:e]) for s, e in sentences(chunk.text)]
            self._sentences[source.n] = [span for span in spans if not overlaps(chunk.instructions, *span[:2])]
            self.instructions += [span[2] for span in spans if overlaps(chunk.instructions, *span[:2])]
            context = [chunk.heading, chunk.display_name] + [span[2] for span in self._sentences[source.n]]
            self._context[source.n] = content_words(" ".join(context).replace("_", " "))
        self._vectors: dict[tuple[int, int], list[float]] = {}
        if embed:
            keys = [(n, i) for n, items in self._sentences.items() for i in range(len(items))]
            vectors = embed([self._sentences[n][i][2] for n, i in keys]) if keys else []
            self._vectors = dict(zip(keys, vectors, strict=True))
        self._chunks = {source.n: source.chunk for source in sources}

    def repeats_instruction(self, claim: str) -> bool:
        """Whether ``claim`` says what a sentence addressed to an AI says (the words of an injected order)."""
        return any(lexical_support(claim, text) >= MIN_WORDS for text in self.instructions)

    def best(self, claim: str, n: int, claim_vector: list[float] | None, question: str = "") -> Support:
        """The sentence of source ``n`` that best supports ``claim`` (an answer to ``question``), or two adjacent
        sentences when the claim joins what they say (:data:`PAIR_GAIN`)."""
        # The question's words the claim repeats, where this source names them outside the sentence.
        subject = frozenset(content_words(claim) & content_words(question) & self._context.get(n, set()))
        items = self._sentences.get(n, [])

        def support(start: int, end: int, text: str, similarity: float) -> Support:
            score = lexical_support(claim, text, question)
            if claim_vector is not None:
                score = (score + similarity) / 2
            words = lexical_support(claim, text, known=subject)
            return Support(start, end, round(score, 3), round(words, 3), round(similarity, 3))

        similarities = [0.0] * len(items)
        if claim_vector is not None:
            similarities = [
                max(0.0, sum(a * b for a, b in zip(claim_vector, self._vectors[(n, i)], strict=True)))
                for i in range(len(items))
            ]
        singles = [support(start, end, text, sim) for (start, end, text), sim in zip(items, similarities, strict=True)]
        pairs: list[Support] = []
        # A pair whose second sentence points back ("They are then covered and left to incubate") wins a tie with
        # the first alone, since the score counts only what the claim adds to the question ("mud or sand").
        continued: list[Support] = []
        # The words each holds itself: the question's words credited to every sentence of the chunk (``subject``)
        # would hide that the sentence after the answer's is the one that says them ("His ancestry was Scots-Irish").
        held = [lexical_support(claim, text) for _, _, text in items]
        gain = max(PAIR_GAIN, 2 / max(1, len(content_words(claim))))
        for i, (one, two) in enumerate(itertools.pairwise(singles)):
            chunk = self._chunks[n]
            text = chunk.text[one.start - chunk.start : two.end - chunk.start]
            between = text[one.end - one.start : two.start - one.start]
            if between.strip() or between.count("\n") > 1 or len(text) > PAIR_CHARS:  # one paragraph, short
                continue
            if lexical_support(claim, text) >= max(held[i], held[i + 1]) + gain - 1e-9:
                pair = support(one.start, two.end, text, max(similarities[i], similarities[i + 1]))
                (continued if needs_the_one_before(items[i + 1][2], items[i][2]) else pairs).append(pair)
        ranked = [*continued, *singles, *pairs]  # max keeps the first of a tie
        return max(ranked, key=lambda s: (s.enough, s.score), default=Support(0, 0, -1.0, 0.0))

    def embed_claim(self, claim: str) -> list[float] | None:
        """The claim's vector, when this scorer uses embeddings."""
        return self._embed([claim])[0] if self._embed else None


def cite(draft: str, sources: Sequence[Source], question: str = "", embed: Embed | None = None) -> CheckedAnswer:
    """Check ``draft`` sentence by sentence against ``sources`` (numbered from 1).

    Only the words a claim adds to the ``question`` count as its content; for the embedding, a
    short claim ("140 [1].") is read together with the question it answers. With
    ``embed`` the support score averages word overlap and embedding similarity; without, it
    is word overlap alone. The answer to a yes/no question asserts the question's own words, so
    there they count.
    """
    draft = _TRAILING_MARKERS.sub(r"\2\1", _WRAPPED_MARKERS.sub(r"\1", draft))
    scorer = SupportScorer(sources, embed)
    asked = "" if YES_NO_QUESTION.match(question) else question  # the words that are no evidence
    by_number = {s.n: s for s in sources}
    text_parts: list[str] = []
    citations: list[Citation] = []
    unsupported: list[str] = []
    repeated: list[str] = []
    position = 0
    for start, end in sentences(draft):
        text_parts.append(draft[position:start])
        position = end
        raw = draft[start:end]
        claim = MARKER.sub("", raw).strip()
        if not content_words(claim):  # "Sure." or a bare marker: nothing to check
            text_parts.append(claim)
            continue
        if scorer.repeats_instruction(claim):
            repeated.append(claim)
        vector = scorer.embed_claim(claim if len(content_words(claim)) >= 4 else f"{question} {claim}")
        marked = [int(n) for m in MARKER.finditer(raw) for n in m.group(1).split(",")]
        candidates = {n: scorer.best(claim, n, vector, asked) for n in by_number}
        kept = {n: candidates[n] for n in dict.fromkeys(marked) if n in candidates and candidates[n].enough}
        if candidates:
            n, support = max(candidates.items(), key=lambda item: (item[1].enough, item[1].score))
            if support.enough and (not kept or support.score >= max(s.score for s in kept.values()) + MISCITED):
                kept = {n: support}
        if not kept:  # left out of the answer: nothing unverified is shown as if it were checked
            unsupported.append(claim)
            text_parts[-1] = text_parts[-1].rstrip(" \t")
            continue
        text_parts.append(_with_markers(claim, list(kept)))
        for n, support in kept.items():
            chunk = by_number[n].chunk
            quote = chunk.text[support.start - chunk.start : support.end - chunk.start]
            page = chunk.page_at(support.start)
            flagged = bool(chunk.instructions)
            citations.append(
                Citation(n, chunk.path, support.start, support.end, quote, support.score, claim, page, flagged)
            )
    text_parts.append(draft[position:])
    return CheckedAnswer("".join(text_parts).strip(), citations, unsupported, repeated)


def _with_markers(claim: str, numbers: list[int]) -> str:
    """Put the markers before the sentence's final punctuation: ``Claim [1][2].``"""
    markers = "".join(f"[{n}]" for n in numbers)
    if not markers:
        return claim
    body, stop = (claim[:-1], claim[-1]) if claim[-1:] in ".!?" else (claim, "")
    return f"{body.rstrip()} {markers}{stop}"
