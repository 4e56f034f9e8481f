"""The HTML page of an evaluation run: metric bars, a latency histogram (inline SVG, no
plotting library) and a per-question table with answers, citations and problems.

It renders the JSON data of a report, so an old ``.json`` report can be re-rendered::

    Path("r.html").write_text(render_html(json.loads(Path("r.json").read_text())))
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

_STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; width: 100%; }
td, th { border: 1px solid #ddd; padding: 4px 6px; vertical-align: top; }
th { background: #f4f4f4; text-align: left; } tr.bad td:first-child { border-left: 4px solid #d33; }
.problems { color: #b00; } .quote { color: #555; font-style: italic; } .muted { color: #888; }
.charts { display: flex; gap: 2em; flex-wrap: wrap; } code { background: #f4f4f4; }
"""


def bar_chart(values: dict[str, float], width: int = 420) -> str:
    """Horizontal bars for metrics between 0 and 1, as an SVG element."""
    row, label, bar = 22, 150, width - 200
    parts = [f'<svg width="{width}" height="{row * len(values) + 10}" role="img" aria-label="metrics">']
    for i, (name, value) in enumerate(values.items()):
        y = 5 + i * row
        length = max(0.0, min(1.0, value)) * bar
        parts.append(
            f'<text x="{label - 6}" y="{y + 15}" text-anchor="end">{escape(name)}</text>'
            f'<rect x="{label}" y="{y + 3}" width="{bar}" height="{row - 6}" fill="#eee"/>'
            f'<rect x="{label}" y="{y + 3}" width="{length:.1f}" height="{row - 6}" fill="#4a7bd0"/>'
            f'<text x="{label + bar + 6}" y="{y + 15}">{value:.3f}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def histogram(values: list[float], bins: int = 10, width: int = 420, height: int = 180) -> str:
    """A histogram of ``values`` (seconds) as an SVG element."""
    if not values:
        return '<p class="muted">no latencies</p>'
    low, high = min(values), max(values)
    step = (high - low) / bins or 1.0
    counts = [0] * bins
    for value in values:
        counts[min(int((value - low) / step), bins - 1)] += 1
    plot_height, column = height - 40, (width - 20) / bins
    parts = [f'<svg width="{width}" height="{height}" role="img" aria-label="latency histogram">']
    for i, count in enumerate(counts):
        h = plot_height * count / max(counts)
        x, y = 10 + i * column, 10 + plot_height - h
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{column - 2:.1f}" height="{h:.1f}" fill="#e08a3c">'
            f"<title>{low + i * step:.2f}-{low + (i + 1) * step:.2f}s: {count}</title></rect>"
        )
    parts.append(
        f'<text x="10" y="{height - 12}">{low:.2f}s</text>'
        f'<text x="{width - 10}" y="{height - 12}" text-anchor="end">{high:.2f}s</text>'
        f'<text x="{width / 2}" y="{height - 12}" text-anchor="middle">seconds per question (n={len(values)})</text>'
        "</svg>"
    )
    return "".join(parts)


def _result_row(result: dict[str, Any]) -> str:
    case = result["case"]
    history = "".join(f'<div class="muted">earlier: {escape(q)}</div>' for q, _ in case.get("history") or [])
    expected = ", ".join(escape(a) for a in case["answers"]) or '<span class="muted">-</span>'
    if not case["answerable"]:
        expected = "<i>unanswerable</i>"
    if result["answer"] is None:
        answer = '<span class="muted">retrieval only</span>'
    else:
        answer = escape(result["answer"]) + (' <span class="muted">(refused)</span>' if result["refused"] else "")
    citations = "".join(
        f"<div>{'✓' if c['ok'] else '✗'} [{c['n']}] {escape(Path(c['path']).name)} "
        f'{c["start"]}-{c["end"]} ({c["score"]:.2f}) <span class="quote">“{escape(c["quote"])}”</span></div>'
        for c in result["citations"]
    )
    sources = ", ".join(
        f"{'<b>' if s['gold'] else ''}{s['n']}:{escape(Path(s['path']).name)}{'</b>' if s['gold'] else ''}"
        for s in result["sources"]
    )
    if result.get("read"):  # what the model read: the excerpts of its prompt
        sources += f'<details><summary>read</summary><div class="quote">{escape(result["read"])}</div></details>'
    problems = "<br>".join(escape(p) for p in result["problems"])
    return (
        f'<tr class="{"bad" if result["problems"] else ""}"><td>{escape(case["id"])}</td>'
        f"<td>{escape(case['question'])}{history}</td><td>{expected}</td><td>{answer}</td>"
        f'<td>{citations}</td><td>{sources}</td><td class="problems">{problems}</td>'
        f"<td>{result['latency']:.2f}</td></tr>"
    )


def render_html(report: dict[str, Any]) -> str:
    """The whole report page for the JSON data of a :class:`rag.evaluation.runner.EvalReport`."""
    metrics = report["metrics"]
    rates = {k: v for k, v in metrics.items() if not k.startswith("latency")}
    config = ", ".join(f"{escape(str(k))}: <code>{escape(str(v))}</code>" for k, v in report["config"].items())
    latency = ", ".join(f"{k}: {v:.2f}s" for k, v in metrics.items() if k.startswith("latency"))
    rows = "\n".join(_result_row(r) for r in report["results"])
    header = "".join(
        f"<th>{h}</th>"
        for h in (
            "id",
            "question",
            "expected",
            "answer",
            "citations",
            "sources (gold bold), read",
            "what went wrong",
            "s",
        )
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>rag eval: {escape(report["name"])}</title>
<style>{_STYLE}</style></head><body>
<h1>rag eval: {escape(report["name"])}</h1>
<p class="muted">{escape(report["created"])}. {config}</p>
<div class="charts"><div><h2>Metrics</h2>{bar_chart(rates)}</div>
<div><h2>Latency</h2>{histogram([r["latency"] for r in report["results"]])}<p>{latency}</p></div></div>
<h2>Questions</h2>
<table><thead><tr>{header}</tr></thead><tbody>
{rows}
</tbody></table></body></html>
"""
