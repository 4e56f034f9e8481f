"""Terminal tables that never break a name across lines.

A table's first column holds what a user copies or types back (a file name for ``rag documents --delete``, a
metric name for ``--min``): it is never wrapped, and the other columns wrap or fold instead. When the table
cannot fit with its first column whole, or ``rows_when_piped`` and the output is not a terminal, each row is
printed on one line, its cells separated by tabs (``rag documents | cut -f1``).
"""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from rich.console import Console, JustifyMethod, RenderableType
from rich.table import Table
from rich.text import Text


def new_table(*columns: str, right: tuple[str, ...] = ()) -> Table:
    """A table whose first column is never wrapped and whose other columns fold; ``right`` are right-justified.

    >>> [(c.header, c.no_wrap, c.overflow, c.justify) for c in new_table("file", "size", right=("size",)).columns]
    [('file', True, 'ellipsis', 'left'), ('size', False, 'fold', 'right')]
    """
    table = Table()
    for number, column in enumerate(columns):
        justify: JustifyMethod = "right" if column in right else "left"
        if number == 0:
            table.add_column(column, justify=justify, no_wrap=True)
        else:
            table.add_column(column, justify=justify, overflow="fold")
    return table


def print_table(table: Table, console: Console, title: str = "", *, rows_when_piped: bool = False) -> None:
    """Print ``title`` on a line of its own (never wrapped) and ``table``, or the table one row per line when it
    does not fit ``console`` with its first column whole (or ``rows_when_piped`` and not on a terminal)."""
    if title:
        console.print(Text(title), soft_wrap=True)
    if (rows_when_piped and not console.is_terminal) or minimum_width(table) > console.width:
        rows = zip(*(column.cells for column in table.columns), strict=True)
        for row in [[column.header for column in table.columns], *rows]:
            console.file.write("\t".join(_plain(cell) for cell in row) + "\n")  # as is: rich would expand tabs
    else:
        console.print(table)


def minimum_width(table: Table) -> int:
    """Columns a terminal needs to show ``table`` with its unwrapped columns whole and no word of another folded.

    >>> table = new_table("file", "problems")
    >>> table.add_row("seeds/a.txt", "none found")
    >>> minimum_width(table)  # 11 + "problems" 8, each padded by 2, and 3 rules
    26
    """
    width = len(table.columns) + 1  # the vertical rules of the box
    for column in table.columns:
        texts = [_plain(cell) for cell in (column.header, *column.cells)]
        if column.no_wrap:
            width += max(cell_len(text) for text in texts)
        else:
            width += max((cell_len(word) for text in texts for word in text.split()), default=1)
        width += 2  # padding
    return width


def _plain(cell: RenderableType | Any) -> str:
    return cell.plain if isinstance(cell, Text) else str(cell)
