"""Which allies have NATO figures in a year, which year a view opens on, and how it is worded.

Every view opens on the newest year with NATO figures (any edition), even when only some allies
have one yet: that is the present. A partial year is never worded as if it were whole: its
counts say "N of 31 allies with figures" and name who is missing, and a year of estimates says
"estimated to spend", not "spent". The "as of" line names the editions a view used and their dates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from milex.data.registry import NO_ARMED_FORCES

if TYPE_CHECKING:
    from milex.data.store import Dataset

#: Per year: (allies with a NATO share of GDP, allies that were members), any edition.
Coverage = dict[int, tuple[int, int]]
#: How many missing allies a phrase names before it says "and N more".
NAMED = 8


def coverage(ds: Dataset) -> Coverage:
    """Per year with NATO shares: (allies with a figure, allies that were members), any edition.

    Iceland (no armed forces) is neither counted nor missing, as NATO does.
    """
    found = ds.sql_records(
        "SELECT year, list(DISTINCT iso3) AS allies FROM observations WHERE source = 'nato' "
        "AND measure = 'milex_pct_gdp' GROUP BY year ORDER BY year"
    )
    out = {}
    for row in found:
        year = int(row["year"])
        members = [m for m in ds.registry.members("NATO", year) if m not in NO_ARMED_FORCES]
        out[year] = (len(set(row["allies"]) & set(members)), len(members))
    return out


def available_years(ds: Dataset) -> list[int]:
    """Years with NATO share-of-GDP figures (the publisher's file or secondary restatements)."""
    return sorted(coverage(ds))


def default_year(ds: Dataset, covered: Coverage | None = None) -> int:
    """The newest year with NATO figures, complete or not: where every view opens.

    ``covered`` is ``coverage(ds)`` when the caller already has it.
    """
    covered = coverage(ds) if covered is None else covered
    return max(covered) if covered else ds.latest_year("milex_pct_gdp", "nato")


def partial_years(ds: Dataset, covered: Coverage | None = None) -> Coverage:
    """Years in which only some allies have NATO figures."""
    covered = coverage(ds) if covered is None else covered
    return {y: c for y, c in covered.items() if c[0] < c[1]}


def with_figures(have: int, allies: int) -> str:
    """'10 of 31 allies with figures' (or 'all 31 allies' when none is missing)."""
    return f"all {allies} allies" if have == allies else f"{have} of {allies} allies with figures"


def missing_phrase(names: list[str], year: int, *, named: int = NAMED) -> str:
    """'No figure yet for 2026: Albania, Belgium, ... and 13 more.' ('' when nobody is missing)."""
    if not names:
        return ""
    shown = ", ".join(names[:named])
    more = f" and {len(names) - named} more" if len(names) > named else ""
    return f"No NATO figure yet for {year}: {shown}{more}."


def spend_verb(estimated: bool) -> str:
    """'are estimated to spend' for a year of estimates, else 'spent'."""
    return "are estimated to spend" if estimated else "spent"


def headline(attrs: Mapping[Any, Any]) -> str:
    """The tracker's message, honest about partial and estimate years.

    "2026, 10 of 31 allies with figures: 10 are estimated to spend 2% of GDP or more on defence;
    4 at or above 3.5%, 1 at 3.5 as rounded" - never "10 of 10" while allies lack figures.
    """
    a = attrs
    verb = spend_verb(bool(a.get("estimated")))
    core = f"{a['count_at_or_above_3_5pct']} at or above 3.5%"
    if a.get("count_rounded_at_3_5pct"):
        core += f", {a['count_rounded_at_3_5pct']} at 3.5 as rounded"
    two = a["count_at_or_above_2pct"]
    rounded_two = (
        f" ({a['count_rounded_at_2pct']} more at 2 as rounded)"
        if a.get("count_rounded_at_2pct")
        else ""
    )
    if a.get("partial"):
        return (
            f"{a['year']}, {with_figures(a['allies_with_figures'], a['allies'])}: {two} {verb} "
            f"2% of GDP or more on defence{rounded_two}; {core}"
        )
    return (
        f"{a['year']}: {two} of {a['allies']} allies {verb} 2% of GDP or more on defence"
        f"{rounded_two}; {core}"
    )


def as_of(ds: Dataset, used: Iterable[tuple[str, str]]) -> str:
    """'As of: NATO 2014-2026 (2026-07), published 2026-07, as reported; ...' for the editions
    a result used, in the snapshot's order, each with its publication (or retrieval) date."""
    wanted = set(used)
    parts = []
    for entry in ds.package.get("sources", []):
        key = (entry.get("source"), entry.get("edition"))
        if key not in wanted:
            continue
        wanted.discard(key)
        parts.append(_edition_words(entry))
    parts += [f"{source} {edition}" for source, edition in sorted(wanted)]
    return "As of: " + "; ".join(parts) + "." if parts else ""


def _edition_words(entry: Mapping[str, Any]) -> str:
    name = {"nato": "NATO", "sipri": "SIPRI", "imf_weo": "IMF", "worldbank": "World Bank"}
    source = str(entry.get("source"))
    when = (
        f"published {entry['published']}"
        if entry.get("published")
        else f"retrieved {entry.get('retrieved')}"
    )
    reported = ", as reported" if entry.get("secondary") else ""
    return f"{name.get(source, source)} {entry.get('edition')} ({when}{reported})"
