"""The parameter checks analyses share: choices, name lists, groups and year ranges.

Each error names the parameter and what is allowed, so a CLI flag, an API query and a Python
argument fail with the same message."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from milex.data.registry import Registry
from milex.errors import MilexError

if TYPE_CHECKING:
    from milex.data.store import Dataset


# ----------------------------------------------------------------------------------------------


def check_choice(value: str, choices: tuple[str, ...], parameter: str) -> None:
    """An error naming the parameter and the allowed values unless ``value`` is one of them."""
    if value not in choices:
        raise MilexError(f"unknown {parameter} {value!r}; use one of {', '.join(choices)}")


def parse_list(value: str | Sequence[str], parameter: str) -> list[str]:
    """A comma- or semicolon-separated string or a sequence of names, stripped; empty is an error.

    Commas inside a name survive (quoted, or "Poland, Republic of"): see ``split_names``.
    """
    from milex.data.registry import split_names

    items = split_names(value) if isinstance(value, str) else list(value)
    out = [str(i).strip() for i in items if str(i).strip()]
    if not out:
        raise MilexError(f"{parameter} is empty")
    return out


def resolve_groups(registry: Registry, names: Sequence[str], parameter: str) -> list[str]:
    """Bloc codes and countries (any spelling) as codes; raises once naming every unknown one."""
    out: list[str] = []
    unknown: list[str] = []
    for name in names:
        if name.upper() in registry.bloc_codes:
            out.append(name.upper())
            continue
        code = registry.lookup(name)
        if code is None or code not in registry.countries:
            unknown.append(name)
        else:
            out.append(code)
    if unknown:
        hints = []
        for name in unknown:
            close = difflib.get_close_matches(name.upper(), registry.bloc_codes, n=2)
            close += [
                s
                for s in registry.suggest(name, 4)
                if s.rsplit("(", 1)[-1].rstrip(")") in registry.countries
            ][:2]
            hints.append(f"{name!r}" + (f" (did you mean {', '.join(close)}?)" if close else ""))
        raise MilexError(
            f"{parameter}: unknown bloc or country {'; '.join(hints)}; "
            f"blocs: {', '.join(registry.bloc_codes)}, or any country (ISO3 or name)"
        )
    return list(dict.fromkeys(out))


def available_years(
    ds: Dataset, source: str, measures: Sequence[str], include_secondary: bool = True
) -> tuple[int, int] | None:
    """First and last year with figures for any of the measures from a source (None: none)."""
    marks = ", ".join("?" * len(measures))
    secondary = "" if include_secondary else "AND flags NOT LIKE '%secondary%'"
    found = ds.sql(
        f"SELECT min(year) AS a, max(year) AS b FROM observations WHERE source = ? "
        f"AND measure IN ({marks}) {secondary}",
        [source, *measures],
    )
    first, last = found["a"].iloc[0], found["b"].iloc[0]
    if first is None or first != first:
        return None
    return int(first), int(last)


def check_years(
    ds: Dataset,
    years: tuple[int | None, int | None] | int | None,
    source: str,
    measures: Sequence[str],
    extra: Iterable[int] = (),
    *,
    include_secondary: bool = True,
) -> tuple[int, int]:
    """A (first, last) range within the data: checks order and overlap, fills open ends.

    ``extra`` are years the caller can supply itself (e.g. from an overlay). A range with no
    figures at all is an error that names the range the data covers.
    """
    extra = [int(y) for y in extra]
    found = available_years(ds, source, measures, include_secondary)
    spans = [s for s in (found, (min(extra), max(extra)) if extra else None) if s is not None]
    if not spans:
        raise MilexError(f"no {source} figures for {', '.join(measures)} in this dataset")
    lo, hi = min(s[0] for s in spans), max(s[1] for s in spans)
    if isinstance(years, int):
        years = (years, years)
    first, last = years if years is not None else (None, None)
    for label, year in (("first", first), ("last", last)):
        if year is not None and (not isinstance(year, int) or isinstance(year, bool)):
            raise MilexError(f"{label} year must be a whole year, not {year!r}")
    if first is not None and last is not None and first > last:
        raise MilexError(f"year range {first}-{last} runs backwards")
    first = lo if first is None else first
    last = hi if last is None else last
    if last < lo or first > hi:
        asked = f"year {first}" if first == last else f"year range {first}-{last}"
        raise MilexError(f"{asked} has no {source} figures; the data covers {lo}-{hi}")
    return max(first, lo), min(last, hi)


def year_ranges(years: Iterable[Any]) -> str:
    """Years as compact ranges: [2014, 2015, 2016, 2020] -> '2014-2016, 2020'."""
    values = sorted({int(y) for y in years})
    runs: list[list[int]] = []
    for year in values:
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)
