"""Burden-sharing: who carries NATO's load, the Olson-Zeckhauser test, and proximity to Moscow.

Over the allies of each year (time-aware; Iceland, with no armed forces, is left out with a
note, never counted as zero), on NATO's figures or SIPRI's, never merged: ``burden_sharing``
(shares of alliance GDP and spending, per-head figures, the US against Europe and Canada),
``olson_zeckhauser`` (per-year rank correlations of GDP with % of GDP: positive means the large
carry a disproportionate share, Olson and Zeckhauser 1966) and ``proximity`` (% of GDP against
great-circle distance to Moscow, with the fit per year and the scatter table).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from milex.analysis._arguments import check_choice as _check_choice
from milex.analysis._arguments import check_years, year_ranges
from milex.analysis._panel import ALLIANCE, allies_only, by_year, collect, span_of
from milex.data.registry import NO_ARMED_FORCES
from milex.errors import MilexError
from milex.result import Result

if TYPE_CHECKING:
    import pandas as pd

    from milex.data.registry import Registry
    from milex.data.store import Dataset

SOURCES = ("nato", "sipri")
POPULATION_SOURCES = ("imf_weo", "worldbank")
#: GDP candidates per spending source, in order of preference (``auto`` picks per year).
GDP_SOURCES = {
    "nato": ("nato", "imf_weo", "worldbank"),
    "sipri": ("sipri_implied", "imf_weo", "worldbank"),
}
EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius
MIN_ALLIES = 3
ALLY_COLUMNS = (
    "year", "iso3", "country", "source", "milex_usd_m", "gdp_usd_m", "milex_share_pct",
    "gdp_share_pct", "share_ratio", "milex_pct_gdp", "population", "milex_per_capita_usd",
    "mil_personnel_thousand", "milex_per_service_member_usd", "equipment_pct",
    "equipment_per_capita_usd", "flags",
)  # fmt: skip
ALLIANCE_COLUMNS = (
    "year", "source", "members", "members_with_data", "missing", "milex_usd_m", "gdp_usd_m",
    "spending_to_gdp_pct", "us_milex_usd_m", "us_gdp_usd_m", "us_milex_share_pct",
    "us_gdp_share_pct", "eu_ca_milex_usd_m", "eu_ca_gdp_usd_m", "eu_ca_milex_share_pct",
    "eu_ca_spending_to_gdp_pct", "us_spending_to_gdp_pct", "us_to_eu_ca_milex_ratio",
    "published_milex_usd_m",
)  # fmt: skip


# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BurdenSharing(Result):
    """Per-ally shares and per-head figures, and alliance totals per year, with notes."""

    chart_kind: ClassVar[str] = "burden"

    allies: pd.DataFrame
    alliance: pd.DataFrame
    notes: tuple[str, ...]
    source: str
    years: tuple[int, int]
    editions_used: tuple[tuple[str, str], ...] = ()
    citations: tuple[dict[str, str], ...] = ()

    def frame(self) -> pd.DataFrame:
        """The per-ally table (stable columns: ``ALLY_COLUMNS``)."""
        return self.allies.copy()

    def sources(self) -> list[dict[str, Any]]:
        return [dict(s) for s in self.citations]


def burden_sharing(
    ds: Dataset,
    years: tuple[int | None, int | None] | int | None = None,
    *,
    source: str = "nato",
    population_source: str = "imf_weo",
    include_secondary: bool = False,
) -> BurdenSharing:
    """Shares of alliance GDP and spending per ally and year (see the module doc).

    ``source`` gives spending (``nato`` or ``sipri``); GDP comes from the same source (SIPRI's
    implied by its US$ spending and share of GDP) and population from ``population_source``.
    NATO alone publishes equipment shares and personnel; with SIPRI those columns are empty.
    """
    _check_choice(source, SOURCES, "source")
    _check_choice(population_source, POPULATION_SOURCES, "population_source")
    span = check_years(ds, years, source, ["milex_usd"], include_secondary=include_secondary)
    countries = sorted(ds.registry.ever_members(ALLIANCE))
    specs = {"milex_usd_m": ("milex_usd", source), "milex_pct_gdp": ("milex_pct_gdp", source)}
    specs["population"] = ("population", population_source)
    if source == "nato":
        specs |= {
            "gdp_usd_m": ("gdp_usd", "nato"),
            "equipment_pct": ("equipment_pct", "nato"),
            "mil_personnel_thousand": ("mil_personnel", "nato"),
        }
    data, used = collect(ds, specs, countries, span, include_secondary, ("milex_usd_m",))
    if source == "sipri":
        data["gdp_usd_m"] = data["milex_usd_m"] / data["milex_pct_gdp"] * 100
        data["equipment_pct"] = data["mil_personnel_thousand"] = float("nan")
    data, notes = allies_only(ds.registry, data, required=("milex_usd_m", "gdp_usd_m"))
    alliance = _alliance_table(ds, data, source, span)
    allies = _ally_table(ds.registry, data, source)
    notes += [
        f"Spending and GDP: {source}, current US$ (shares are of the allies with both figures); "
        f"population: {population_source}.",
        "share_ratio = milex_share_pct / gdp_share_pct: above 1 an ally carries more of the "
        "spending than of the alliance's GDP.",
    ]
    if source == "sipri":
        notes.append("SIPRI publishes no equipment shares or personnel: those columns are empty.")
    published = alliance["published_milex_usd_m"]
    gap = (alliance["milex_usd_m"] / published - 1).abs()
    for year in alliance.loc[gap > 0.005, "year"]:
        notes.append(f"{year}: the allies' sum differs from NATO's published total by > 0.5%")
    return BurdenSharing(allies, alliance, tuple(notes), source, span_of(data), tuple(sorted(used)),
                         tuple(ds.citations(used)))  # fmt: skip


def _ally_table(registry: Registry, data: pd.DataFrame, source: str) -> pd.DataFrame:
    counted = data.dropna(subset=["milex_usd_m", "gdp_usd_m"])
    sums = counted.groupby("year")[["milex_usd_m", "gdp_usd_m"]].sum()
    out = data.copy()
    out["country"] = [registry.name(c) for c in out["iso3"]]
    out["source"] = source
    out["milex_share_pct"] = out["milex_usd_m"] / out["year"].map(sums["milex_usd_m"]) * 100
    out["gdp_share_pct"] = out["gdp_usd_m"] / out["year"].map(sums["gdp_usd_m"]) * 100
    out["share_ratio"] = out["milex_share_pct"] / out["gdp_share_pct"]
    out["milex_per_capita_usd"] = out["milex_usd_m"] * 1e6 / out["population"]
    out["milex_per_service_member_usd"] = (
        out["milex_usd_m"] * 1e6 / (out["mil_personnel_thousand"] * 1e3)
    )
    out["equipment_per_capita_usd"] = (
        out["milex_usd_m"] * out["equipment_pct"] / 100 * 1e6 / out["population"]
    )
    out = out.sort_values(["year", "milex_share_pct"], ascending=[True, False], kind="stable")
    return out[list(ALLY_COLUMNS)].reset_index(drop=True)


def _alliance_table(
    ds: Dataset, data: pd.DataFrame, source: str, span: tuple[int, int]
) -> pd.DataFrame:
    """Per year: alliance totals, the US against Europe and Canada, NATO's published total."""
    import pandas as pd

    counted = data.dropna(subset=["milex_usd_m", "gdp_usd_m"])
    years = sorted({int(y) for y in counted["year"]})
    is_us = counted["iso3"] == "USA"

    def sums(rows: pd.DataFrame) -> pd.DataFrame:
        return rows.groupby("year")[["milex_usd_m", "gdp_usd_m"]].sum().reindex(years)

    total, us, rest = sums(counted), sums(counted[is_us]), sums(counted[~is_us])
    members = {
        y: {c for c in ds.registry.members(ALLIANCE, y) if c not in NO_ARMED_FORCES} for y in years
    }
    have = {y: set(counted.loc[counted["year"] == y, "iso3"]) for y in years}
    out = pd.DataFrame(
        {
            "year": years,
            "source": source,
            "members": [len(members[y]) for y in years],
            "members_with_data": [len(have[y]) for y in years],
            "missing": [",".join(sorted(members[y] - have[y])) for y in years],
            "milex_usd_m": total["milex_usd_m"].to_numpy(),
            "gdp_usd_m": total["gdp_usd_m"].to_numpy(),
            "us_milex_usd_m": us["milex_usd_m"].to_numpy(),
            "us_gdp_usd_m": us["gdp_usd_m"].to_numpy(),
            "eu_ca_milex_usd_m": rest["milex_usd_m"].to_numpy(),
            "eu_ca_gdp_usd_m": rest["gdp_usd_m"].to_numpy(),
        }
    )
    out["spending_to_gdp_pct"] = out["milex_usd_m"] / out["gdp_usd_m"] * 100
    out["us_milex_share_pct"] = out["us_milex_usd_m"] / out["milex_usd_m"] * 100
    out["us_gdp_share_pct"] = out["us_gdp_usd_m"] / out["gdp_usd_m"] * 100
    out["eu_ca_milex_share_pct"] = out["eu_ca_milex_usd_m"] / out["milex_usd_m"] * 100
    out["eu_ca_spending_to_gdp_pct"] = out["eu_ca_milex_usd_m"] / out["eu_ca_gdp_usd_m"] * 100
    out["us_spending_to_gdp_pct"] = out["us_milex_usd_m"] / out["us_gdp_usd_m"] * 100
    out["us_to_eu_ca_milex_ratio"] = out["us_milex_usd_m"] / out["eu_ca_milex_usd_m"]
    published: dict[int, float] = {}
    if source == "nato":
        rows = ds.sql(
            "SELECT year, value FROM observations WHERE source = 'nato' AND iso3 = ? AND measure "
            "= 'milex_usd' AND year BETWEEN ? AND ? AND flags NOT LIKE '%secondary%'",
            [ALLIANCE, *span],
        )
        published = {int(y): float(v) for y, v in zip(rows["year"], rows["value"], strict=True)}
    out["published_milex_usd_m"] = out["year"].map(published).astype("float64")
    return out[list(ALLIANCE_COLUMNS)]


# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OlsonZeckhauser(Result):
    """Per-year rank correlations of GDP with % of GDP among the allies, and the data behind them."""

    chart_kind: ClassVar[str] = "olson-zeckhauser"

    table: pd.DataFrame
    data: pd.DataFrame
    notes: tuple[str, ...]
    source: str
    years: tuple[int, int]
    editions_used: tuple[tuple[str, str], ...] = ()
    citations: tuple[dict[str, str], ...] = ()

    def frame(self) -> pd.DataFrame:
        """The per-year table of correlations and member counts."""
        return self.table.copy()

    def trend(self) -> pd.DataFrame:
        """Least-squares trend of Spearman's rho over the years, and how often it is significant."""
        import pandas as pd
        from scipy import stats

        ok = self.table.dropna(subset=["spearman_rho"])
        row: dict[str, Any] = {
            "source": self.source,
            "first_year": int(ok["year"].min()) if len(ok) else None,
            "last_year": int(ok["year"].max()) if len(ok) else None,
            "years": len(ok),
            "mean_spearman_rho": ok["spearman_rho"].mean(),
            "mean_kendall_tau": ok["kendall_tau"].mean(),
            "years_positive_p05": int(((ok["spearman_rho"] > 0) & (ok["spearman_p"] < 0.05)).sum()),
            "years_negative_p05": int(((ok["spearman_rho"] < 0) & (ok["spearman_p"] < 0.05)).sum()),
            "rho_slope_per_decade": math.nan,
            "slope_p": math.nan,
        }
        if len(ok) >= MIN_ALLIES and ok["spearman_rho"].nunique() > 1:
            fit = stats.linregress(ok["year"].astype(float), ok["spearman_rho"].astype(float))
            row |= {"rho_slope_per_decade": fit.slope * 10, "slope_p": fit.pvalue}
        return pd.DataFrame([row])

    def by_decade(self) -> pd.DataFrame:
        """Mean correlations and member counts per decade (the trend as a short table)."""
        ok = self.table.dropna(subset=["spearman_rho"])
        decade = (ok["year"] // 10 * 10).rename("decade")
        grouped = ok.groupby(decade)
        return grouped.agg(
            years=("year", "size"),
            mean_n=("n", "mean"),
            mean_spearman_rho=("spearman_rho", "mean"),
            mean_kendall_tau=("kendall_tau", "mean"),
        ).reset_index()

    def sources(self) -> list[dict[str, Any]]:
        return [dict(s) for s in self.citations]


def rank_correlations(
    frame: pd.DataFrame, x: str = "gdp", y: str = "milex_pct_gdp"
) -> pd.DataFrame:
    """Spearman and Kendall (tau-b) correlations of ``x`` with ``y`` per year, with p-values.

    ``frame`` has a ``year`` column; rows missing either value are left out, and a year with
    fewer than three pairs or a constant column gets NaN rather than a warning.
    """
    import pandas as pd
    from scipy import stats

    records = []
    for year, part in by_year(frame.dropna(subset=[x, y])):
        record: dict[str, Any] = {"year": year, "n": len(part)}
        if len(part) >= MIN_ALLIES and part[x].nunique() > 1 and part[y].nunique() > 1:
            rho = stats.spearmanr(part[x], part[y])
            tau = stats.kendalltau(part[x], part[y])
            record |= {
                "spearman_rho": float(rho.statistic),
                "spearman_p": float(rho.pvalue),
                "kendall_tau": float(tau.statistic),
                "kendall_p": float(tau.pvalue),
            }
        records.append(record)
    columns = ["year", "n", "spearman_rho", "spearman_p", "kendall_tau", "kendall_p"]
    return pd.DataFrame.from_records(records, columns=columns)


def olson_zeckhauser(
    ds: Dataset,
    source: str = "sipri",
    years: tuple[int | None, int | None] | int | None = None,
    *,
    gdp_source: str = "auto",
    include_secondary: bool = False,
) -> OlsonZeckhauser:
    """The Olson-Zeckhauser test per year from 1949 (SIPRI) or 2014 (NATO) to the latest year.

    ``gdp_source="auto"`` takes, per year, the first GDP series that covers every ally with a
    share-of-GDP figure: the source's own (NATO's GDP; SIPRI's implied by its US$ spending over
    its share of GDP), then the IMF WEO, then the World Bank; the table names the one used.
    """
    _check_choice(source, SOURCES, "source")
    _check_choice(gdp_source, ("auto", *GDP_SOURCES[source]), "gdp_source")
    span = check_years(ds, years, source, ["milex_pct_gdp"], include_secondary=include_secondary)
    countries = sorted(ds.registry.ever_members(ALLIANCE))
    specs = {"milex_pct_gdp": ("milex_pct_gdp", source)}
    candidates = GDP_SOURCES[source] if gdp_source == "auto" else (gdp_source,)
    for cand in candidates:
        specs[cand] = ("milex_usd", source) if cand == "sipri_implied" else ("gdp_usd", cand)
    data, used = collect(ds, specs, countries, span, include_secondary, ("milex_pct_gdp",))
    if "sipri_implied" in data:
        data["sipri_implied"] = data["sipri_implied"] / data["milex_pct_gdp"] * 100
    data, notes = allies_only(ds.registry, data, required=("milex_pct_gdp",))
    chosen = {y: _pick_gdp(part, candidates) for y, part in by_year(data)}
    data["gdp_source"] = data["year"].map(chosen)
    data["gdp"] = float("nan")
    for cand in candidates:
        mask = data["gdp_source"] == cand
        data.loc[mask, "gdp"] = data.loc[mask, cand]
    table = rank_correlations(data)
    valid = data[["gdp", "milex_pct_gdp"]].notna().all(axis=1)
    missing = data[~valid].groupby("year")["iso3"].agg(lambda codes: ",".join(sorted(codes)))
    table.insert(1, "source", source)
    table.insert(2, "gdp_source", table["year"].map(chosen))
    table.insert(3, "members", table["year"].map(data.groupby("year").size()))
    table["missing"] = [str(missing.get(y, "")) for y in table["year"]]
    few = table.loc[table["spearman_rho"].isna(), "year"]
    if len(few):
        notes.append(
            f"no correlation (fewer than {MIN_ALLIES} allies or constant values) in {year_ranges(few)}"
        )
    covered = span_of(data)
    notes.insert(0, _coverage_note(ds, source, covered))
    points = data[["year", "iso3", "gdp", "gdp_source", "milex_pct_gdp", "flags"]]
    kept = {source} | {source if c == "sipri_implied" else c for c in chosen.values()}
    used = {pair for pair in used if pair[0] in kept}
    return OlsonZeckhauser(
        table,
        points.reset_index(drop=True),
        tuple(notes),
        source,
        covered,
        tuple(sorted(used)),
        tuple(ds.citations(used)),
    )


def _pick_gdp(part: pd.DataFrame, candidates: tuple[str, ...]) -> str:
    """The first GDP candidate covering every ally with a share figure, else the widest one."""
    need = part["milex_pct_gdp"].notna()
    coverage = [int((part[c].notna() & need).sum()) for c in candidates]
    full = [c for c, n in zip(candidates, coverage, strict=True) if n == int(need.sum())]
    return full[0] if full else candidates[coverage.index(max(coverage))]


def _coverage_note(ds: Dataset, source: str, covered: tuple[int, int]) -> str:
    start = 1949 if source == "sipri" else 2014
    text = f"{source}: covers {covered[0]}-{covered[1]}"
    if covered[0] > start:
        text += (
            f"; this dataset has no earlier {source} share-of-GDP figures (the test runs from "
            f"{start} on the full {source.upper()} data: `milex data build --raw DIR --output DIR`)"
        )
    return text


# ----------------------------------------------------------------------------------------------
def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance in km on a sphere of the Earth's mean radius."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def capital_distance_km(registry: Registry, iso3: str, target: str = "RUS") -> float:
    """Great-circle distance between two countries' capitals (registry coordinates)."""
    points = []
    for code in (iso3, target):
        country = registry.countries.get(code)
        if country is None or country.capital_lat is None or country.capital_lon is None:
            raise MilexError(f"no capital coordinates for {code!r} in the registry")
        points += [country.capital_lat, country.capital_lon]
    return great_circle_km(*points)


@dataclass(frozen=True)
class Proximity(Result):
    """% of GDP against distance to the threat's capital: the points and a fit per year."""

    chart_kind: ClassVar[str] = "proximity"

    points: pd.DataFrame
    fits: pd.DataFrame
    notes: tuple[str, ...]
    source: str
    target: str
    years: tuple[int, int]
    editions_used: tuple[tuple[str, str], ...] = ()
    citations: tuple[dict[str, str], ...] = ()

    def frame(self) -> pd.DataFrame:
        """The per-year fits (``.points`` holds the scatter table)."""
        return self.fits.copy()

    def sources(self) -> list[dict[str, Any]]:
        return [dict(s) for s in self.citations]


def proximity(
    ds: Dataset,
    source: str = "nato",
    years: tuple[int | None, int | None] | int | None = None,
    *,
    target: str = "RUS",
    exclude: tuple[str, ...] = (),
    include_secondary: bool = False,
) -> Proximity:
    """Per year: Pearson and Spearman correlations and the OLS slope of % of GDP on distance.

    The slope is in percentage points of GDP per 1,000 km (negative: nearer allies spend more).
    ``exclude`` drops allies (e.g. ``("USA", "CAN")`` to look at Europe alone).
    """
    import pandas as pd

    _check_choice(source, SOURCES, "source")
    target = ds.registry.resolve(target)
    dropped = ds.registry.resolve_all(list(exclude), "exclude") if exclude else {}
    span = check_years(ds, years, source, ["milex_pct_gdp"], include_secondary=include_secondary)
    countries = sorted(ds.registry.ever_members(ALLIANCE) - set(dropped.values()))
    data, used = collect(
        ds, {"milex_pct_gdp": ("milex_pct_gdp", source)}, countries, span, include_secondary,
        ("milex_pct_gdp",),
    )  # fmt: skip
    data, notes = allies_only(ds.registry, data, required=("milex_pct_gdp",))
    data = data[~data["iso3"].isin(set(dropped.values()))]
    distance = {c: capital_distance_km(ds.registry, c, target) for c in set(data["iso3"])}
    cap = ds.registry.countries[target].capital
    data = data.assign(
        country=[ds.registry.name(c) for c in data["iso3"]],
        capital=[ds.registry.countries[c].capital for c in data["iso3"]],
        distance_km=data["iso3"].map(distance),
    )
    points = data[["year", "iso3", "country", "capital", "distance_km", "milex_pct_gdp", "flags"]]
    fits = pd.DataFrame.from_records([_fit(y, p) for y, p in by_year(points)])
    notes.insert(0, f"{source} % of GDP against great-circle distance from each capital to {cap}")
    if dropped:
        notes.append(f"left out on request: {', '.join(sorted(dropped.values()))}")
    return Proximity(
        points.reset_index(drop=True), fits, tuple(notes), source, target, span_of(data),
        tuple(sorted(used)), tuple(ds.citations(used)),
    )  # fmt: skip


def _fit(year: int, part: pd.DataFrame) -> dict[str, Any]:
    from scipy import stats

    record: dict[str, Any] = dict.fromkeys(
        ("pearson_r", "pearson_p", "spearman_rho", "spearman_p", "slope_pp_per_1000km",
         "slope_stderr", "slope_p", "intercept_pct", "r_squared"), math.nan
    )  # fmt: skip
    record = {"year": year, "n": len(part), **record}
    x, y = part["distance_km"].astype(float) / 1000, part["milex_pct_gdp"].astype(float)
    if len(part) < MIN_ALLIES or x.nunique() < 2 or y.nunique() < 2:
        return record
    fit = stats.linregress(x, y)
    rho = stats.spearmanr(x, y)
    return record | {
        "pearson_r": fit.rvalue,
        "pearson_p": fit.pvalue,
        "spearman_rho": float(rho.statistic),
        "spearman_p": float(rho.pvalue),
        "slope_pp_per_1000km": fit.slope,
        "slope_stderr": fit.stderr,
        "slope_p": fit.pvalue,
        "intercept_pct": fit.intercept,
        "r_squared": fit.rvalue**2,
    }
