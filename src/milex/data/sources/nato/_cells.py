"""Cells of NATO's tables: text as NATO types it (stray and non-breaking spaces, any case), years as
numbers or text ('2025e', '2025 E'), the markers that mean "no figure", ally labels with their '*'
and currency, aggregates however they are spelled, and the plausible range of each figure.

Everything here is tolerant of form; what would put a wrong number in the data raises a
SourceError naming the sheet and cell (``Sheet.error``).
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openpyxl.utils import get_column_letter

from milex.errors import SourceError

if TYPE_CHECKING:
    from milex.data.registry import Registry

#: Characters NATO's files use as spaces (non-breaking, figure, thin) or that vanish (zero-width).
_SPACES = str.maketrans({"\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u2009": " "})
_INVISIBLE = str.maketrans({"\u200b": None, "\ufeff": None})
#: Cell texts that mean "no figure" (as an empty cell does): never zero, never an error.
MISSING_MARKERS = frozenset({"", "..", "...", "-", "–", "—"})
YEAR = re.compile(r"^(\d{4})\s*(e)?$", re.IGNORECASE)
#: "Poland* (Zlotys)", "Poland (Zlotys)*", "*Poland", "Poland": the name, a '*' anywhere around it.
LABEL = re.compile(
    r"^(?P<lead>\*)?\s*(?P<name>[^*()]*?)\s*(?P<star>\*)?\s*"
    r"(?:\((?P<currency>[^()]*)\))?\s*(?P<tail>\*)?$"
)


class NatoWarning(UserWarning):
    """Something in a NATO workbook milex read around (a missing figure, a skipped table)."""


def clean(text: str) -> str:
    """Text with NATO's stray, doubled and non-breaking spaces made single spaces, ends trimmed."""
    return " ".join(text.translate(_SPACES).translate(_INVISIBLE).split())


def cell(row_index: int, col_index: int) -> str:
    """Excel reference for 0-based grid indices."""
    return f"{get_column_letter(col_index + 1)}{row_index + 1}"


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_missing(value: Any) -> bool:
    """An empty cell or a missing marker ('..', '-'): no figure."""
    return value is None or (isinstance(value, str) and clean(value) in MISSING_MARKERS)


def year_of(value: Any) -> tuple[int, bool] | None:
    """(year, estimate?) for a header cell such as 2019, '2019', '2023e', '2025 E'; else None."""
    if isinstance(value, bool):
        return None
    if is_number(value) and float(value).is_integer() and 1900 < value < 2100:
        return int(value), False
    if isinstance(value, str) and (m := YEAR.match(clean(value))):
        return int(m.group(1)), m.group(2) is not None
    return None


def split_label(text: str) -> tuple[str, bool]:
    """An ally label's name and whether NATO put a '*' beside it (before or after the currency)."""
    m = LABEL.match(clean(text))
    if m is None:
        return clean(text), False
    return m.group("name").strip(), any(m.group(g) for g in ("lead", "star", "tail"))


#: Spellings of NATO's aggregates, compared as lower-case words with '&' read as 'and'.
_EUROPE_CANADA = re.compile(r"^(nato )?europe(an)?( allies| members)? (and|\+) canada$")
_TOTAL = re.compile(r"^((nato )?total( nato)?|nato|all allies|nato allies|total allies)$")
_AGGREGATE_WORDS = re.compile(r"\b(nato|total|allies|europe|european|sum|members)\b")


def _words(name: str) -> str:
    text = re.sub(r"\([^)]*\)", " ", clean(name).lower().replace("&", " and "))
    return " ".join(re.sub(r"[^a-z+ ]", " ", text).split())


def aggregate_code(name: str) -> str | None:
    """NATO or NATO_EU_CA for an aggregate's spelling ('Total NATO', 'NATO Europe & Canada')."""
    words = _words(name)
    if _EUROPE_CANADA.match(words):
        return "NATO_EU_CA"
    if _TOTAL.match(words):
        return "NATO"
    return None


def looks_aggregate(name: str) -> bool:
    """A label that names a group of allies rather than a country ('NATO Europe', 'EU allies')."""
    return bool(_AGGREGATE_WORDS.search(_words(name)))


def place_of(label: str, registry: Registry) -> str | None:
    """ISO3 or aggregate code of a row label, or None if it names nothing known."""
    name, _ = split_label(label)
    return registry.lookup(name) or aggregate_code(name)


class Sheet:
    """A worksheet read once into a grid of values, with helpers that name cells in errors."""

    def __init__(self, path: Path, name: str, grid: list[tuple[Any, ...]]) -> None:
        self.path, self.name, self.grid = path, name, grid
        self._last_figure: int | None = None

    def error(self, r: int | None, c: int | None, message: str) -> SourceError:
        return SourceError(self.path, self.where(r, c), message)

    def where(self, r: int | None = None, c: int | None = None) -> str:
        return self.name if r is None or c is None else f"{self.name}!{cell(r, c)}"

    def value(self, r: int, c: int) -> Any:
        row_values = self.grid[r] if r < len(self.grid) else ()
        return row_values[c] if c < len(row_values) else None

    def text_cells(self, r: int, upto: int = 10_000) -> list[tuple[int, str]]:
        """(column, cleaned text) of the non-blank text cells of row r left of column ``upto``."""
        row_values = self.grid[r]
        return [
            (c, text)
            for c in range(min(upto, len(row_values)))
            if isinstance(v := row_values[c], str) and (text := clean(v))
        ]

    def texts_from(self, r: int) -> list[str]:
        """Every text of rows r to the end, one line per row (notes under a table)."""
        lines = (" ".join(t for _, t in self.text_cells(k)) for k in range(r, len(self.grid)))
        return [line for line in lines if line]

    def figures_after(self, r: int) -> bool:
        """Whether any row below r holds a number (figures, or a year row): else it is notes."""
        if self._last_figure is None:
            rows = [k for k, line in enumerate(self.grid) if any(_figure(v) for v in line)]
            self._last_figure = max(rows, default=-1)
        return r < self._last_figure

    def has_numbers(self) -> bool:
        return self.figures_after(-1)


def _figure(value: Any) -> bool:
    return is_number(value) or (isinstance(value, str) and year_of(value) is not None)


def check_range(sheet: Sheet, r: int, c: int, measure: str, value: float) -> None:
    """A figure outside what its measure can be (a share of GDP of 250%) is an error at its cell."""
    from milex.data.checks import RANGES

    low, high = RANGES.get(measure, _EXTRA_RANGES.get(measure, (-math.inf, math.inf)))
    if not math.isfinite(value) or not low <= value <= high:
        raise sheet.error(
            r, c, f"{measure} = {value:g} is outside its plausible range [{low:g}, {high:g}]"
        )


#: Ranges of the NATO measures milex.data.checks does not list.
_EXTRA_RANGES: dict[str, tuple[float, float]] = {
    "milex_real_change_since_2014_pct": (-100.0, math.inf),
    "related_pct_gdp": (0.0, 100.0),
    "related_usd": (0.0, math.inf),
}
