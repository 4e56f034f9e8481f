"""Terminal tables keep their first column and their title whole, whatever the width."""

from __future__ import annotations

import io

from rich.console import Console

from rag.cli.tables import new_table, print_table

METRIC = "hijack_rate/markdown-image-with-a-long-kind"
TITLE = "compared with evals/reports/squad200-a-very-long-report-name-20260101-120000.json"


def _shown(width: int, *, terminal: bool, rows_when_piped: bool = False) -> str:
    table = new_table("metric", "old", "new", "change", right=("old", "new", "change"))
    table.add_row(METRIC, "0.129", "0.000", "-0.129")
    table.add_row("f1", "-", "0.328", "-")
    out = io.StringIO()
    console = Console(file=out, width=width, force_terminal=terminal, color_system=None)
    print_table(table, console, TITLE, rows_when_piped=rows_when_piped)
    return out.getvalue()


def test_a_wide_enough_terminal_gets_a_table_with_the_names_whole():
    shown = _shown(100, terminal=True)
    assert shown.splitlines()[0] == TITLE
    (row,) = [line for line in shown.splitlines() if METRIC in line]
    assert row.startswith("│") and "0.129" in row


def test_too_narrow_a_terminal_gets_one_row_per_line():
    shown = _shown(40, terminal=True)
    assert shown.splitlines() == [
        TITLE,
        "metric\told\tnew\tchange",
        f"{METRIC}\t0.129\t0.000\t-0.129",
        "f1\t-\t0.328\t-",
    ]


def test_piped_output_is_a_table_unless_rows_are_asked_for():
    assert any(line.startswith("│") for line in _shown(100, terminal=False).splitlines())
    assert f"{METRIC}\t0.129\t0.000\t-0.129" in _shown(100, terminal=False, rows_when_piped=True).splitlines()
