"""Terminal tables that never cut a number, and plain aligned text when output is not a terminal.

A :class:`FittedTable` decides how to draw itself when Rich renders it, because only then are the
width and the kind of output known. On a terminal the columns are sized to their widest value; if
they do not fit, text columns wrap (a country name folds onto two lines) and then the
lowest-priority columns (the rightmost, after the first ``keep``) are dropped, and a footer names
them. A number is never wrapped, folded or shortened to "…". When output goes to a pipe or a file,
the table is plain text: one line per row, columns aligned with spaces, no box and no colour.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console, ConsoleDimensions, ConsoleOptions, RenderResult
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    import pandas as pd
    from rich.console import JustifyMethod

#: A cell reads as a number: digits with separators, a sign, a decimal part and a short mark.
NUMBER = re.compile(r"^[-+−]?[\d,]*\.?\d+(e[-+]?\d+)?\s?[%*†]*$", re.IGNORECASE)
#: Gap between two columns (Rich's SIMPLE_HEAD box with collapsed padding), and in plain text.
GAP = 2
#: The narrowest a wrapping text column gets before lesser columns are dropped instead (a
#: verdict or a country name wraps over two lines, not five).
MIN_TEXT_WIDTH = 14
#: Width of a pipe or file: there is no terminal to fit, so no line is wrapped or cut.
PLAIN_WIDTH = 100_000


class MilexConsole(Console):
    """A Rich console that only wraps and crops lines on a terminal.

    A pipe or file has no width, so output there keeps every line whole (Rich would otherwise
    cut lines at 80 columns).
    """

    @property
    def size(self) -> ConsoleDimensions:
        dims = Console.size.fget(self)  # type: ignore[attr-defined]
        return dims if self.is_terminal else ConsoleDimensions(PLAIN_WIDTH, dims.height)

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        Console.size.fset(self, new_size)  # type: ignore[attr-defined]


@dataclass
class FittedTable:
    """A table of display strings; ``markup`` says whether cells carry Rich markup (colours)."""

    title: str
    headers: list[str]
    rows: list[list[str]]
    justify: list[JustifyMethod]
    numeric: list[bool]
    caption: str = ""
    keep: int = 2
    markup: bool = False
    gap: int = GAP
    sections: set[int] = field(default_factory=set)  # row indexes that start a new section
    #: column indexes in the order they give way when the terminal is too narrow (the lesser
    #: first); after them, the columns not named go, rightmost first
    drop_order: list[int] = field(default_factory=list)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if not console.is_terminal or options.max_width >= PLAIN_WIDTH:
            yield from self._plain()
            return
        yield from self._fitted(options.max_width)

    # plain text ------------------------------------------------------------------------------
    def _text(self, cell: str) -> str:
        return Text.from_markup(cell).plain if self.markup else cell

    def _plain(self) -> Iterator[Text]:
        cells = [[self._text(c) for c in row] for row in self.rows]
        widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(self.headers)]
        if self.title:
            yield Text(self.title)
        for line in (self.headers, *cells):
            parts = [
                value.rjust(w) if self.justify[i] == "right" else value.ljust(w)
                for i, (value, w) in enumerate(zip(line, widths, strict=True))
            ]
            yield Text((" " * GAP).join(parts).rstrip())
        if self.caption:
            yield Text(self.caption)

    # terminal --------------------------------------------------------------------------------
    def layout(self, available: int) -> tuple[list[int], list[int]]:
        """Which columns fit in ``available`` characters, and each column's width.

        Text columns wrap first (down to their longest word, at least MIN_TEXT_WIDTH), then the
        rightmost columns after the first ``keep`` are dropped; room left over unwraps text,
        then lets long headers sit on two lines instead of more.
        """
        plain = [[self._text(c) for c in row] for row in self.rows]
        natural = [
            max([_longest_word(h), *(len(r[i]) for r in plain)]) for i, h in enumerate(self.headers)
        ]  # a header wraps between its words; a value's width is its own
        floors = [
            natural[i] if self.numeric[i]
            else max(_longest_word(h), min(natural[i], max([MIN_TEXT_WIDTH,
                                           *(_cell_word(r[i]) for r in plain)])))
            for i, h in enumerate(self.headers)
        ]  # fmt: skip
        floors = [
            max(f, min(natural[i], max([0, *(_cell_word(r[i]) for r in plain)]), 16))
            for i, f in enumerate(floors)
        ]
        widths = list(floors)
        shown = list(range(len(self.headers)))

        def total() -> int:
            return sum(widths[i] for i in shown) + self.gap * (len(shown) - 1)

        for i in self._dropping():
            if total() <= available or len(shown) <= max(1, self.keep):
                break
            shown.remove(i)
        for target in (natural, [len(h) for h in self.headers]):
            for i in shown:  # unwrap text first, then give long headers room for two lines
                while widths[i] < target[i] and total() < available:
                    if (
                        target is not natural
                        and len(_header_lines(self.headers[i], widths[i])) <= 2
                    ):
                        break
                    widths[i] += 1
        return shown, widths

    def _dropping(self) -> list[int]:
        """Columns in the order they are dropped: drop_order, then the others rightmost first;
        the first ``keep`` columns never."""
        named = [i for i in self.drop_order if i >= self.keep]
        rest = [i for i in reversed(range(self.keep, len(self.headers))) if i not in named]
        return named + rest

    def _fitted(self, available: int) -> Iterator[Any]:
        shown, widths = self.layout(available)
        fits = sum(widths[i] for i in shown) + self.gap * (len(shown) - 1) <= available
        table = Table(
            title=self.title or None,
            title_justify="left",
            box=box.SIMPLE_HEAD,
            show_edge=False,
            pad_edge=False,
            padding=(0, 1 if self.gap > 1 else 0),
            collapse_padding=True,
        )
        for i in shown:
            table.add_column(
                "\n".join(_header_lines(self.headers[i], widths[i])),
                justify=self.justify[i],
                width=widths[i],
                no_wrap=self.numeric[i] and fits,
                overflow="fold",
            )
        for n, row in enumerate(self.rows):
            if n in self.sections:
                table.add_section()
            table.add_row(*(Text.from_markup(row[i]) if self.markup else row[i] for i in shown))
        yield table
        if self.caption:
            yield Text(self.caption)
        dropped = [self.headers[i] for i in range(len(self.headers)) if i not in shown]
        if dropped:
            yield Text(
                f"not shown at {available} columns: {', '.join(dropped)} "
                "(a wider terminal, a pipe or --format csv shows every column)",
                style="dim",
            )


def _cell_word(value: str) -> int:
    """The longest run a value must keep whole: codes such as NATO_EU_CA never break."""
    return max([0, *(len(w) for w in value.split())])


def _longest_word(header: str) -> int:
    return max([0, *(len(w) for w in re.split(r"[ _]", header))])


def _header_lines(header: str, width: int) -> list[str]:
    """Break a long header after '_' or at spaces so it wraps between words, never inside one."""
    if len(header) <= width:
        return [header]
    lines: list[str] = []
    current = ""
    for piece in re.findall(r"[^ _]+[ _]?", header):
        if current and len(current + piece.rstrip()) > width:
            lines.append(current.rstrip())
            current = ""
        current += piece
    lines.append(current.rstrip())
    return lines


#: Column ids with a name of their own in a terminal table (CSV and JSON keep the ids).
HEADERS = {
    "iso3": "ISO3",
    "milex_pct_gdp": "% of GDP",
    "milex_usd": "US$ m",
    "milex_usd_const": "US$ m, constant",
    "milex_lcu": "LCU m",
    "equipment_pct": "Equipment %",
    "gdp_usd": "GDP, US$ m",
    "n_figures": "Figures",
}
#: Words of column ids as a reader writes them; units go last, after a comma.
WORDS = {
    "milex": "defence", "gdp": "GDP", "nato": "NATO", "eu": "EU", "ppp": "PPP", "mer": "MER",
    "crink": "CRINK", "sipri": "SIPRI", "imf": "IMF", "iso3": "ISO3", "yoy": "year on year",
}  # fmt: skip
UNITS = {"pct": "%", "usd": "US$", "eur": "EUR", "lcu": "LCU", "m": "m", "bn": "bn"}


def human_header(column: str) -> str:
    """A column id as a header people read: ``gap_usd_m`` -> "Gap, US$ m", ``line_pct`` ->
    "Line %", ``milex_share_pct`` -> "Defence share %"; names with capitals or spaces as given."""
    if column in HEADERS:
        return HEADERS[column]
    if column != column.lower() or not column.replace("_", "").isalnum():
        return column
    tokens = column.split("_")
    units: list[str] = []
    while tokens and tokens[-1] in UNITS and len(tokens) > 1:
        units.insert(0, UNITS[tokens.pop()])
    words = " ".join(WORDS.get(w, w) for w in tokens)
    words = words[:1].upper() + words[1:]
    if units == ["%"]:
        return f"{words} %"
    return f"{words}, {' '.join(units)}" if units else words


def cell(value: Any) -> str:
    """A frame value as display text: floats with thousands separators, missing as blank."""
    if isinstance(value, float):
        return "" if value != value else f"{value:,.2f}"
    if value is None:
        return ""
    return str(value)


def is_numeric(values: Sequence[str]) -> bool:
    """Whether every non-blank display value is a number (such a column is never wrapped)."""
    seen = [v for v in values if v and v not in ("no data", "n/a")]
    return bool(seen) and all(NUMBER.match(v) for v in seen)


def frame_table(
    frame: pd.DataFrame,
    title: str,
    *,
    keep: int = 2,
    caption: str = "",
    drop_first: Sequence[str] = (),
) -> FittedTable:
    """A fitted table of a DataFrame: human headers, numbers right-aligned and never cut, and
    the columns in ``drop_first`` given up first on a narrow terminal."""
    kinds = [frame[column].dtype.kind for column in frame.columns]
    columns = [str(c) for c in frame.columns]
    table = _fitted(
        columns,
        [[cell(v) for v in values] for values in frame.itertuples(index=False)],
        [k in "fiu" for k in kinds],
        title,
        keep,
        caption,
    )
    table.drop_order = [columns.index(c) for c in drop_first if c in columns]
    return table


def records_table(
    records: Sequence[dict[str, Any]], title: str, *, keep: int = 2, caption: str = ""
) -> FittedTable:
    """A fitted table of row dicts (columns in first-seen order), as ``frame_table`` draws a
    frame, for output that need not import pandas."""
    headers = list(dict.fromkeys(k for r in records for k in r))
    typed = [
        all(isinstance(r.get(h), int | float) and not isinstance(r.get(h), bool) for r in records)
        for h in headers
    ]
    rows = [[cell(r.get(h)) for h in headers] for r in records]
    return _fitted(headers, rows, typed, title, keep, caption)


def _fitted(
    headers: list[str],
    rows: list[list[str]],
    typed: list[bool],
    title: str,
    keep: int,
    caption: str,
) -> FittedTable:
    numeric = [t or is_numeric([r[i] for r in rows]) for i, t in enumerate(typed)]
    justify: list[JustifyMethod] = ["right" if n else "left" for n in numeric]
    shown = [human_header(h) for h in headers]
    return FittedTable(title, shown, rows, justify, numeric, caption=caption, keep=keep)
