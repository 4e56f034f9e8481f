"""The HTML of the web chat: the page's CSS and click script, answers, the sources panel, the documents table
and error messages.

Everything the browser shows beyond Gradio's own widgets is built here, as escaped HTML strings.
The element ids and CSS classes (``#src-TURN-N``, ``details.turn#turn-TURN``, ``a.cite``, ``.source``,
``.refusal``, ``.unsupported``, ``.unchecked``, ``.rag-error``) tie the rendered answers, the panel, :data:`CSS` and
:data:`HEAD` together.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any

from rag.answer import REFUSAL, Answer, Citation, Source
from rag.citations import MARKER
from rag.documents import DocumentInfo
from ui.policy import public_message

CSS = """
#sources { max-height: 75vh; overflow-y: auto; }
.turn > summary { cursor: pointer; font-weight: 600; margin: 0.4em 0; }
.source { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 0.6em 0.8em; margin: 0.5em 0; }
.source.active { border-color: var(--color-accent); box-shadow: 0 0 0 2px var(--color-accent-soft); }
.source .where { font-size: 0.85em; color: var(--body-text-color-subdued); }
.source .passage { white-space: pre-wrap; font-size: 0.9em; margin-top: 0.4em; }
.source mark { background: #ffe58a; color: #000; padding: 0 1px; }
a.cite { font-weight: 600; text-decoration: none; cursor: pointer; }
.refusal { font-style: italic; }
.unsupported { font-size: 0.85em; color: var(--body-text-color-subdued); margin-top: 0.4em; }
.unchecked { font-size: 0.85em; color: var(--body-text-color-subdued); margin-left: 0.4em; }
.rag-error { color: var(--error-text-color, #b91c1c); }
table.documents { width: 100%; border-collapse: collapse; }
table.documents th, table.documents td { text-align: left; padding: 0.3em 0.6em; vertical-align: top; }
table.documents tr + tr td { border-top: 1px solid var(--border-color-primary); }
table.documents td.number { text-align: right; white-space: nowrap; }
"""

# A marker click opens its answer's group in the sources panel and scrolls to the source card.
# Listening on the document (capture phase) survives Gradio re-rendering the chat and the panel.
HEAD = """
<script>
document.addEventListener("click", (event) => {
  const link = event.target.closest && event.target.closest("a.cite");
  if (!link) return;
  event.preventDefault();
  event.stopPropagation();
  const card = document.getElementById(link.getAttribute("href").slice(1));
  if (!card) return;
  const group = card.closest("details");
  if (group) group.open = true;
  document.querySelectorAll(".source.active").forEach((el) => el.classList.remove("active"));
  card.classList.add("active");
  card.scrollIntoView({behavior: "smooth", block: "center"});
}, true);
</script>
"""


# Characters that start Markdown, HTML or LaTeX in the chat (images, links, emphasis, code, math, autolinks):
# written as character references, they show as themselves and never render.
_MARKUP = {c: f"&#{ord(c)};" for c in "\\`*_{}[]()#+!|~$:<>&\"'"}
_MARKUP_RE = re.compile("[" + re.escape("".join(_MARKUP)) + "]")


def as_text(text: str) -> str:
    """``text`` for the chat, shown as typed: no Markdown image, link, HTML tag or formula in it renders.

    >>> as_text("![x](http://h/a.png) <img src=x>")
    '&#33;&#91;x&#93;&#40;http&#58;//h/a.png&#41; &#60;img src=x&#62;'
    """
    return _MARKUP_RE.sub(lambda m: _MARKUP[m.group()], text)


def error_html(message: str) -> str:
    """``message`` as a warning line in the chat, without server paths."""
    return f'<span class="rag-error">⚠️ {as_text(public_message(message))}</span>'


def render_answer(answer: Answer, turn: int) -> str:
    """The answer for the chat: escaped text whose [n] markers link to the source cards of ``turn``."""
    if answer.refused:
        looked = " The closest passages it looked at are in the sources panel." if answer.sources else ""
        return f'<span class="refusal">{html.escape(REFUSAL)}</span>{looked}'

    def link(match: re.Match[str]) -> str:
        """A marker ``[1, 2]`` as one link per number."""
        numbers = [n.strip() for n in match.group(1).split(",")]
        return " " + "".join(f'<a class="cite" href="#src-{turn}-{n}">[{n}]</a>' for n in numbers)

    # Markers are found in the plain text, then every piece between them is made inert.
    parts, position = [], 0
    for match in MARKER.finditer(answer.text):
        parts += [as_text(answer.text[position : match.start()]), link(match)]
        position = match.end()
    unchecked = "" if answer.checked else NOT_CHECKED
    return "".join([*parts, as_text(answer.text[position:]), unchecked, _left_out(answer.unsupported)])


NOT_CHECKED = (
    '<span class="unchecked" title="No model judged whether the quoted passages answer the question">'
    "⚠️ not checked</span>"
)
"""The mark of an answer the question check did not run on (the extractive backend, or checks turned off)."""


def _left_out(sentences: Sequence[str]) -> str:
    """The sentences of the draft that no source supports, folded away under a "not in the sources" mark."""
    if not sentences:
        return ""
    items = "".join(f"<li>{as_text(s)}</li>" for s in sentences)
    count = f"{len(sentences)} sentence{'s' if len(sentences) > 1 else ''}"
    summary = f"⚠️ not in the sources: {count} left out"
    return f'<details class="unsupported"><summary>{summary}</summary><ul>{items}</ul></details>'


def render_sources(done: Sequence[dict[str, Any]], pending: tuple[str, Sequence[Source]] | None = None) -> str:
    """Every answer's sources, newest first and open; each card highlights the quoted spans.

    ``pending`` is the question being answered and its retrieved sources: shown first, while the answer is
    written (``#turn-pending``), so the reader can start on the evidence.
    """
    if not done and not pending:
        return '<p class="empty">The sources of each answer appear here.</p>'
    groups = []
    if pending:
        question, sources = pending
        cards = "".join(_source_card(0, s, []) for s in sources) or "<p>No passages.</p>"
        groups.append(
            f'<details class="turn pending" id="turn-pending" open><summary>{html.escape(question)} '
            f"<small>(retrieved passages; answering…)</small></summary>{cards}</details>"
        )
    for turn, item in reversed(list(enumerate(done, start=1))):
        answer: Answer = item["answer"]
        cited = {c.n for c in answer.citations}
        shown = [s for s in answer.sources if s.n in cited] or answer.sources
        label = "closest passages (no answer found)" if answer.refused or not cited else "cited sources"
        cards = (
            "".join(_source_card(turn, s, [c for c in answer.citations if c.n == s.n]) for s in shown)
            or "<p>No passages.</p>"
        )
        groups.append(
            f'<details class="turn" id="turn-{turn}"{" open" if turn == len(done) and not pending else ""}>'
            f"<summary>{html.escape(item['question'])} <small>({label})</small></summary>{cards}</details>"
        )
    return "".join(groups)


def _source_card(turn: int, source: Source, citations: Sequence[Citation]) -> str:
    """One source of answer ``turn``: file, page and offsets, relevance, and the passage with its quotes marked."""
    chunk = source.chunk
    page = chunk.page  # the page the chunk begins on, for documents with pages (PDF); None for the others
    where = f"page {page}, " if page else ""
    where += f"chars {chunk.start}–{chunk.end} · relevance {source.score:.2f}"
    return (
        f'<div class="source" id="src-{turn}-{source.n}">'
        f"<div><b>[{source.n}] {html.escape(chunk.display_name)}</b></div>"
        f'<div class="where">{html.escape(where)}</div>'
        f'<div class="passage">{_highlight(chunk.text, chunk.start, citations)}</div></div>'
    )


def _highlight(text: str, offset: int, citations: Sequence[Citation]) -> str:
    """``text`` escaped, with each citation's span (file offsets; ``text`` starts at ``offset``) in <mark>."""
    spans = []
    for citation in citations:
        start = citation.start - offset
        if text[start : start + len(citation.quote)] != citation.quote:
            start = text.find(citation.quote)  # offsets disagree with the stored chunk: locate the quote
        if start >= 0 and citation.quote:
            spans.append((start, start + len(citation.quote)))
    parts = []
    position = 0
    for start, end in sorted(spans):
        start = max(start, position)  # two sentences may quote overlapping spans
        if start >= end:
            continue
        parts += [html.escape(text[position:start]), "<mark>", html.escape(text[start:end]), "</mark>"]
        position = end
    parts.append(html.escape(text[position:]))
    return "".join(parts)


def render_documents(documents: Sequence[DocumentInfo], collection: str) -> str:
    """The Documents tab's table: each file by its display name (never a server path), size, chunks,
    when it was indexed and the problems indexing found; everything escaped."""
    name = html.escape(repr(collection))
    if not documents:
        return f'<p class="empty">No documents in collection {name} yet: upload some in the Chat tab.</p>'
    rows = "".join(
        f'<tr><td>{html.escape(d.name)}</td><td class="number">{d.size_text}</td>'
        f'<td class="number">{d.chunks}</td><td>{d.indexed_text}</td>'
        f"<td>{html.escape('; '.join(d.problems)) or '–'}</td></tr>"
        for d in documents
    )
    return (
        f'<table class="documents"><caption>Collection {name}: {len(documents)} documents</caption>'
        "<thead><tr><th>file</th><th>size</th><th>chunks</th><th>indexed at</th><th>problems</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )
