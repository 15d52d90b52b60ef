"""A bloc's own page: NATO as a whole, or its European allies and Canada, year by year.

NATO publishes totals for both blocs; milex recomputes them from the members' figures where every
member has one (the tracker's aggregate rows). A bloc page lists, per year, how many members have
a figure, NATO's published share of GDP (with its edition and flags) and milex's recomputed one,
so a partial year reads as partial and nothing is taken for a member that is not one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from milex.errors import QueryError
from milex.result import Result

if TYPE_CHECKING:
    import pandas as pd

    from milex.data.store import Dataset

BLOCS = ("NATO", "NATO_EU_CA")
COLUMNS = (
    "year", "allies_with_figures", "members", "published_pct_gdp", "published_edition",
    "published_flags", "computed_pct_gdp", "note",
)  # fmt: skip


@dataclass(frozen=True)
class BlocProfile(Result):
    """One bloc's years: coverage, NATO's published share and milex's recomputed one."""

    chart_kind: ClassVar[str] = "bloc-profile"

    code: str
    name: str
    year: int  # the newest year with NATO figures
    members: list[str]  # members in ``year`` (Iceland listed; it has no armed forces)
    rows: list[dict[str, Any]]
    as_of: str
    sources_used: list[dict[str, str]]

    def frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(self.rows, columns=list(COLUMNS))

    def sources(self) -> list[dict[str, Any]]:
        return [dict(s) for s in self.sources_used]


def bloc_profile(code: str, *, dataset: Dataset | None = None) -> BlocProfile:
    """The profile of NATO or NATO_EU_CA (any case)."""
    from milex.analysis.coverage import as_of, coverage, default_year
    from milex.analysis.tracking import tracker
    from milex.data.store import Dataset

    ds = dataset or Dataset.open()
    wanted = code.strip().upper()
    if wanted not in BLOCS:
        raise QueryError(f"{code!r} is not a NATO bloc; blocs: {', '.join(BLOCS)}")
    covered = coverage(ds)
    newest = default_year(ds, covered)
    published = {
        int(r["year"]): r for r in ds.aggregate_records("milex_pct_gdp", wanted, "nato", None)
    }
    rows, used = [], set()
    for year in sorted(covered, reverse=True):
        found = tracker(year, "NATO", dataset=ds)
        aggregate = next(r for r in found.rows if r["iso3"] == wanted)
        ally_codes = set(ds.registry.members(wanted, year))
        allies = [r for r in found.rows if r["row_type"] == "ally" and r["iso3"] in ally_codes]
        with_figure = [r for r in allies if r["milex_pct_gdp"] is not None]
        counted = [r for r in allies if r["iso3"] != "ISL"]
        pub = published.get(year)
        if pub is not None:
            used.add(("nato", str(pub["edition"])))
        used |= {("nato", str(r["edition"])) for r in with_figure if r["edition"]}
        rows.append(
            {
                "year": year,
                "allies_with_figures": len(with_figure),
                "members": len(counted),
                "published_pct_gdp": None if pub is None else float(pub["value"]),
                "published_edition": None if pub is None else str(pub["edition"]),
                "published_flags": None if pub is None else str(pub["flags"]),
                "computed_pct_gdp": aggregate["milex_pct_gdp"],
                "note": aggregate["note"],
            }
        )
    return BlocProfile(
        code=wanted,
        name=ds.registry.name(wanted),
        year=newest,
        members=ds.registry.members(wanted, newest),
        rows=rows,
        as_of=as_of(ds, used),
        sources_used=ds.citations(used),
    )
