"""The natural table of every named figure (``figures.CHARTS``), from the result its chart draws.

``table(name, ...)`` takes the options ``figures.build`` takes and returns a ``tables.Table``:
allies by the view's value for the tracker views, years by series for the country and SIPRI
views, years by quantile for projections, years by bloc for totals and the threat balance, allies
with GDP and share for burden-sharing, years by capacity and demand for industry and years with
and without the pledge for the fiscal views.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from milex.present import figures
from milex.present.tables import Column, Table

if TYPE_CHECKING:
    import pandas as pd

    from milex.data.store import Dataset

__all__ = ["TABLES", "table"]

Inputs = figures.Inputs
ALLY = Column("country", "Ally")
YEAR = Column("year", "Year", "year")
SHARE = Column("milex_pct_gdp", "Share of GDP, % (NATO)", "pct", "percent")
STATUS = {
    "status_wales_2pct": "Status: 2% guideline",
    "status_wales_20pct_equipment": "Status: 20% on equipment",
    "status_hague_core_3_5pct": "Status: 3.5% core target",
}


def _package(ds: Dataset, pairs: Iterable[tuple[Any, Any]]) -> list[dict[str, Any]]:
    """The datapackage entries of the (source, edition) pairs used, in the snapshot's order; a
    pair the snapshot does not describe (a user overlay) keeps its source and edition."""
    wanted = {(str(s), str(e)) for s, e in pairs if s and e and e == e}
    known = [s for s in ds.package["sources"] if (s["source"], s["edition"]) in wanted]
    found = {(s["source"], s["edition"]) for s in known}
    return known + [{"source": s, "edition": e} for s, e in sorted(wanted - found)]


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in r.items()} for r in frame.to_dict("records")]


def _tracker_table(inputs: Inputs, name: str, by: str, columns: tuple[Column, ...]) -> Table:
    found = figures._tracker(inputs)
    frame = found.frame()
    allies = frame[frame["row_type"] == "ally"]
    allies = allies.sort_values([by, "country"], ascending=[False, True])
    year, coverage = found.year, found.summary["coverage"]
    return Table(
        name,
        f"NATO allies, {year}" + (f" ({coverage})" if found.summary["partial"] else ""),
        columns,
        _records(allies),
        _package(inputs.dataset, [(s["source"], s["edition"]) for s in found.sources()]),
        tuple(str(n) for n in allies["note"].dropna().unique() if n),
        frame,
        {"year": year, "country": inputs.country},
        found.summary,
    )


def _status(key: str) -> Column:
    return Column(key, STATUS[key], "status")


def tracker_table(inputs: Inputs) -> Table:
    """Allies by share of GDP: rank, shares, status against each guideline and the gaps."""
    return _tracker_table(inputs, "tracker", "milex_pct_gdp", (
        ALLY, Column("rank", "Rank", "int"), SHARE,
        Column("milex_pct_gdp_sipri", "Share of GDP, % (SIPRI)", "pct", "percent"),
        Column("equipment_pct", "Equipment share, % of spending", "pct", "percent"),
        _status("status_wales_2pct"), _status("status_wales_20pct_equipment"),
        _status("status_hague_core_3_5pct"),
        Column("gap_2pct_usd_m", "Gap to 2%, US$ m", "money", "USD m"),
        Column("gap_3_5pct_usd_m", "Gap to 3.5%, US$ m", "money", "USD m"),
    ))  # fmt: skip


def equipment_table(inputs: Inputs) -> Table:
    """Allies by equipment share, with their share of GDP."""
    return _tracker_table(inputs, "equipment", "equipment_pct", (
        ALLY, Column("equipment_pct", "Equipment share, % of spending", "pct", "percent"), SHARE,
        _status("status_wales_20pct_equipment"), _status("status_wales_2pct"),
    ))  # fmt: skip


def band_table(name: str) -> Callable[[Inputs], Table]:
    """Allies by share of GDP with their standing (the tiles and the map colour by it)."""

    def make(inputs: Inputs) -> Table:
        return _tracker_table(inputs, name, "milex_pct_gdp", (
            ALLY, Column("rank", "Rank", "int"), SHARE,
            _status("status_wales_2pct"), _status("status_hague_core_3_5pct"),
        ))  # fmt: skip

    return make


def map_table(name: str) -> Callable[[Inputs], Table]:
    """A map's countries by its figure, with the class each is coloured by (the drawn ones)."""

    def make(inputs: Inputs) -> Table:
        import pandas as pd

        from milex.present.map_views import map_figure

        fig = map_figure(name, inputs.dataset, inputs.year)
        i = fig.indicator
        kind = "money" if i.key == "per_capita" else "ratio" if i.suffix == "" else "pct"
        rows = sorted(({**r, "class": i.label(r["value"])} for r in fig.rows),
                      key=lambda r: (r["value"] is None, -(r["value"] or 0.0), r["country"]))  # fmt: skip
        who = "Ally" if i.source == "NATO" else "Country"
        header = (f"{i.name} ({i.source}: % of spending over % of GDP)" if i.key == "burden"
                  else f"{i.name}, {i.unit} ({i.source})")  # fmt: skip
        columns = (Column("country", who),
                   Column("value", header, kind, i.unit),
                   Column("class", "Map class"), Column("flags", "Flags"))  # fmt: skip
        sources = _package(inputs.dataset, [(s["source"], s["edition"]) for s in fig.sources])
        return Table(name, f"{i.name}, {fig.year} ({i.source})", columns, rows, sources,
                     tuple(fig.notes), pd.DataFrame(rows),
                     {"year": fig.year, "country": inputs.country})  # fmt: skip

    return make


def indicator_table(name: str) -> Callable[[Inputs], Table]:
    """Allies by the view's figure (per capita, real change), highest first, with its flags;
    allies without a figure last, NATO's own aggregate in the notes."""

    def make(inputs: Inputs) -> Table:
        import pandas as pd

        data = figures.indicator_figure(inputs, name)
        fig = data.figure
        rows = sorted((dict(r) for r in fig.rows),
                      key=lambda r: (r["value"] is None, -(r["value"] or 0.0), r["country"]))  # fmt: skip
        kind = "money" if name == "per-capita" else "pct"
        columns = (ALLY, Column("value", data.axis_title, kind, fig.indicator.unit),
                   Column("flags", "Flags"))  # fmt: skip
        whole = [f"NATO as a whole (NATO's own figure): {data.aggregate_label.removeprefix('NATO ')}."
                 ] if data.aggregate is not None else []  # fmt: skip
        sources = _package(inputs.dataset, [(s["source"], s["edition"]) for s in fig.sources])
        return Table(name, f"{fig.indicator.name}, NATO allies, {fig.year}", columns, rows,
                     sources, (*fig.notes, *whole), pd.DataFrame(rows),
                     {"year": fig.year, "country": inputs.country})  # fmt: skip

    return make


def _wide(frame: pd.DataFrame, column: str, label: dict[Any, str], unit: str, kind: str = "pct",
          scale: float = 1.0) -> tuple[tuple[Column, ...], list[dict[str, Any]]]:  # fmt: skip
    """Years as rows and ``column``'s values (``label``: value -> header) as columns."""
    columns = [YEAR]
    rows: dict[int, dict[str, Any]] = {}
    for key, header in label.items():
        part = frame[frame[column] == key]
        if part.empty:
            continue
        columns.append(Column(f"c{len(columns)}", header, kind, unit))
        for year, value in zip(part["year"], part["value"], strict=True):
            rows.setdefault(int(year), {"year": int(year)})[columns[-1].key] = value / scale
    return tuple(columns), [rows[y] for y in sorted(rows)]


def country_table(inputs: Inputs) -> Table:
    """One ally by year: NATO's and SIPRI's shares of GDP (one column per NATO definition) and
    the straight path to 3.5% by 2035."""
    import pandas as pd

    profile = figures._profile(inputs)
    m = profile.measures
    shares = m[(m["measure"] == "milex_pct_gdp") & m["source"].isin(["nato", "sipri"])].copy()
    definitions = profile.definitions or {}
    several = len(set(definitions.values())) > 1

    def label(source: str, edition: str) -> str:
        if source != "nato":
            return "Share of GDP, % (SIPRI)"
        kind = definitions.get(edition) if several else None
        return f"Share of GDP, % (NATO, {kind})" if kind else SHARE.header

    shares["series"] = [
        label(s, e) for s, e in zip(shares["source"], shares["edition"], strict=True)
    ]
    path = profile.path.dropna(subset=["path_pct"])
    path_rows = pd.DataFrame({"year": path["year"], "value": path["path_pct"],
                              "series": "Path to 3.5% by 2035, % of GDP"})  # fmt: skip
    data = pd.concat([shares[["year", "value", "series"]], path_rows], ignore_index=True)
    data = data.drop_duplicates(["year", "series"], keep="last")
    labels = {s: s for s in dict.fromkeys(data["series"])}
    columns, rows = _wide(data, "series", labels, "percent")
    used = zip(shares["source"], shares["edition"], strict=True)
    return Table("country", f"{profile.name}: defence spending, % of GDP, by year", columns,
                 rows, _package(inputs.dataset, used), tuple(profile.notes), m,
                 {"country": profile.iso3})  # fmt: skip


def sipri_table(inputs: Inputs) -> Table:
    """Any country by year: SIPRI's share of GDP, with SIPRI's flags."""
    assert inputs.country is not None
    ds = inputs.dataset
    code = ds.registry.resolve(inputs.country)
    frame = ds.series("milex_pct_gdp", code, "sipri").sort_values("year")
    rows = [{"year": int(y), "value": v, "flags": f}
            for y, v, f in zip(frame["year"], frame["value"], frame["flags"], strict=True)]  # fmt: skip
    columns = (YEAR, Column("value", "Share of GDP, % (SIPRI)", "pct", "percent"),
               Column("flags", "Flags"))  # fmt: skip
    used = zip(frame["source"], frame["edition"], strict=True)
    return Table("sipri-country", f"{ds.registry.name(code)}: military spending, % of GDP "
                 "(SIPRI)", columns, rows, _package(ds, used), (), frame, {"country": code})  # fmt: skip


def _billions(unit: str) -> str:
    """'USD m constant 2015' -> 'US$ bn, constant 2015 prices'; 'EUR m' -> 'EUR bn'."""
    money, _, rest = unit.partition(" m")
    money = money.replace("USD", "US$")
    rest = rest.strip()
    return f"{money} bn" + (f", {rest} prices" if rest else "")


def projection_table(measure: str) -> Callable[[Inputs], Table]:
    """Years by quantile of the projection's paths for one country or bloc."""

    def make(inputs: Inputs) -> Table:
        from milex.present.charts.projection import fan_rows

        result, entity = figures._projection(inputs)
        rows = fan_rows(result, entity, measure)
        unit = str(rows["unit"].iloc[0])
        money = measure != "share_pct"
        shown = _billions(unit) if money else "% of GDP"
        scale = 1000.0 if money else 1.0
        kind = "money" if money else "pct"
        names = (("p5", "Percentile 5"), ("p25", "Percentile 25"), ("p50", "Median"),
                 ("p75", "Percentile 75"), ("p95", "Percentile 95"))  # fmt: skip
        columns = (YEAR, *(Column(k, f"{h}, {shown}", kind, unit) for k, h in names))
        records = [{"year": int(r["year"]), **{k: r[k] / scale for k, _ in names}}
                   for r in rows.to_dict("records")]  # fmt: skip
        name = result.names[result.entities.index(entity)]
        used = [(s["source"], s["edition"]) for s in result.sources()]
        return Table(f"projection-{'money' if money else 'share'}",
                     f"{name}: projected spending on the target, {shown}", columns, records,
                     _package(inputs.dataset, used), tuple(result.notes),
                     rows, {"country": entity})  # fmt: skip

    return make


def totals_table(inputs: Inputs) -> Table:
    """Years by bloc: NATO's constant-price spending of the United States and of Europe and
    Canada, in billions; NATO's newer restated years are notes, never joined to the columns."""
    ds = inputs.dataset
    frame, sources = figures.totals_frame(ds)
    unit = str(frame["unit"].iloc[0])
    labels = {"USA": f"United States, {_billions(unit)}",
              "NATO_EU_CA": f"Europe and Canada, {_billions(unit)}"}  # fmt: skip
    columns, rows = _wide(frame, "iso3", labels, unit, "money", 1000.0)
    return Table("totals", "NATO spending: United States against Europe and Canada", columns,
                 rows, _package(ds, [(s["source"], s["edition"]) for s in sources]),
                 tuple(figures.newer_totals(ds)), frame)  # fmt: skip


def threat_table(basis: str) -> Callable[[Inputs], Table]:
    """Years by bloc: NATO against Russia, China, Iran and North Korea, in billions."""

    def make(inputs: Inputs) -> Table:
        from milex.analysis.balance import threat_balance
        from milex.present.charts.comparisons import BLOC_COLOURS

        ds = inputs.dataset
        balance = threat_balance(ds)
        totals = balance.totals
        part = totals[(totals["basis"] == basis) & totals["bloc"].isin(list(BLOC_COLOURS))]
        part = part[part["value"].notna()]
        unit = str(part["unit"].iloc[0])
        names = dict(zip(part["bloc"], part["bloc_name"], strict=False))
        labels = {b: f"{names[b]}, {_billions(unit)}" for b in BLOC_COLOURS if b in names}
        columns, rows = _wide(part, "bloc", labels, unit, "money", 1000.0)
        partial = part[part["status"] != "complete"]
        by_year: dict[int, list[str]] = {}
        for y, b, missing in zip(partial["year"], partial["bloc"], partial["missing"], strict=True):
            by_year.setdefault(int(y), []).append(f"{b} without {missing}" if missing else b)
        for row in rows:
            row["partial"] = "; ".join(by_year.get(row["year"], []))
        columns = (*columns, Column("partial", "Partial totals (members missing)"))
        what = "market exchange rates" if basis.startswith("mer") else "purchasing-power parity"
        return Table(f"threat-{'mer' if basis.startswith('mer') else 'ppp'}",
                     f"NATO and its rivals at {what}", columns, rows,
                     _package(ds, balance.editions_used), tuple(balance.notes), part)  # fmt: skip

    return make


def burden_table(inputs: Inputs) -> Table:
    """Allies by share of GDP with their GDP and their shares of the allies' spending and GDP."""
    from milex.analysis.burden import burden_sharing

    ds = inputs.dataset
    year = inputs.year or ds.latest_year("milex_usd", "nato")
    burden = burden_sharing(ds, year)
    allies = burden.allies[(burden.allies["year"] == year) & burden.allies["milex_pct_gdp"].notna()]
    allies = allies.sort_values(["milex_pct_gdp", "country"], ascending=[False, True])
    records = [{**r, "gdp_bn": r["gdp_usd_m"] / 1000} for r in _records(allies)]
    columns = (
        ALLY, Column("gdp_bn", "GDP, US$ bn", "money", "USD bn"), SHARE,
        Column("milex_usd_m", "Defence spending, US$ m", "money", "USD m"),
        Column("milex_share_pct", "Share of the allies' spending, %", "pct", "percent"),
        Column("gdp_share_pct", "Share of the allies' GDP, %", "pct", "percent"),
        Column("share_ratio", "Spending share / GDP share", "ratio", "ratio"),
    )  # fmt: skip
    return Table("burden", f"Burden-sharing, NATO allies, {year}", columns, records,
                 _package(ds, burden.editions_used), tuple(burden.notes), burden.allies,
                 {"year": year})  # fmt: skip


def industry_table(inputs: Inputs) -> Table:
    """Years by production, capacity and demand of 155 mm shells, in million rounds."""
    from milex.data.bundle import examples_dir
    from milex.industry.capacity import run_capacity

    result = run_capacity(examples_dir() / "industry" / "eu-155mm.toml")
    yearly = result.yearly()
    records = [{"year": int(r["year"]), "production": r["production"] / 1e6,
                "capacity": r["capacity_per_year"] / 1e6,
                "demand": (r["demand_consumption"] + r["demand_deliveries"]) / 1e6}
               for r in yearly.to_dict("records")]  # fmt: skip
    unit = "million rounds"
    columns = (YEAR, Column("production", f"Production, {unit}", "ratio", unit),
               Column("capacity", f"Capacity at year end (annual rate), {unit}", "ratio", unit),
               Column("demand", f"Demand, {unit}", "ratio", unit))  # fmt: skip
    sources = [{"source": s.get("id"), **s} for s in result.sources()]
    return Table("industry", result.model.title, columns, records, sources,
                 tuple(result.notes), yearly)  # fmt: skip


def fiscal_table(measure: str) -> Callable[[Inputs], Table]:
    """Years with and without borrowing for 3.5% by 2035, in % of GDP, with the 90% range."""

    def make(inputs: Inputs) -> Table:
        import pandas as pd

        from milex.finance.fiscal import fiscal
        from milex.present.charts.fiscal import FISCAL_MEASURES, fiscal_rows

        code = inputs.dataset.registry.resolve(inputs.country or figures.FISCAL_DEFAULT)
        result = fiscal([code], dataset=inputs.dataset)
        rows = fiscal_rows(result, code, measure)
        what = "debt" if measure == "debt" else "deficit"
        columns = (YEAR, Column("baseline", f"Without the pledge, {what} % of GDP", "pct", "percent"),
                   Column("with", f"With 3.5% by 2035 (median), {what} % of GDP", "pct", "percent"),
                   Column("low", "With, percentile 5, % of GDP", "pct", "percent"),
                   Column("high", "With, percentile 95, % of GDP", "pct", "percent"))  # fmt: skip
        name = result.ally(code).name
        sources = _package(inputs.dataset, [(s["source"], s["edition"]) for s in result.sources()])
        return Table(f"fiscal-{measure}", f"{name}: {FISCAL_MEASURES[measure][1]}", columns,
                     [{**r, "year": int(r["year"])} for r in rows], sources,
                     tuple(result.notes), pd.DataFrame(result.ally(code).rows),
                     {"country": code})  # fmt: skip

    return make


MAP_NAMES = ("map", "map-equipment", "map-burden", "map-sipri", "map-per-capita", "map-real-change")
TABLES: dict[str, Callable[[Inputs], Table]] = {
    "tracker": tracker_table,
    "country": country_table,
    "equipment": equipment_table,
    "projection-share": projection_table("share_pct"),
    "projection-money": projection_table("spending"),
    "totals": totals_table,
    "tiles": band_table("tiles"),
    "per-capita": indicator_table("per-capita"),
    "real-change": indicator_table("real-change"),
    **{name: map_table(name) for name in MAP_NAMES},
    "sipri-country": sipri_table,
    "threat-mer": threat_table("mer_constant"),
    "threat-ppp": threat_table("ppp"),
    "burden": burden_table,
    "industry": industry_table,
    "fiscal-debt": fiscal_table("debt"),
    "fiscal-deficit": fiscal_table("deficit"),
}


def table(
    name: str,
    *,
    country: str | None = None,
    year: int | None = None,
    scenario: Any = None,
    dataset: Dataset | None = None,
) -> Table:
    """The natural table of figure ``name``, with the options ``figures.build`` takes."""
    definition, inputs = figures.inputs(name, country=country, year=year, scenario=scenario,
                                        dataset=dataset)  # fmt: skip
    return TABLES[definition.name](inputs)
