"""IMF World Economic Outlook (October 2025): the wide CSV of selected concepts, one row per area."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from milex.errors import SourceError, UnknownCountryError
from milex.registry import Registry
from milex.sources._common import Resource, frame, read_csv, require_columns, row

if TYPE_CHECKING:
    import pandas as pd

SOURCE = "imf_weo"
AREAS_PATH = "imf/weo_oct2025_areas.csv"
RESOURCE = Resource(
    name="imf-weo-2025-10",
    source=SOURCE,
    path="imf/weo_oct2025_selected_wide.csv",
    publisher="International Monetary Fund",
    url="https://data.imf.org/en/datasets/IMF.RES:WEO",
    edition="WEO 2025-10",
    licence="IMF Copyright and Usage (https://www.imf.org/external/terms.htm), reuse with attribution",
    retrieved="2025-10-16",
    citation="IMF, World Economic Outlook Database, October 2025",
    notes="Wide pivot of 16 concepts from the WEO dataset IMF.RES:WEO 9.0.0; values unchanged.",
)

#: WEO concept -> (measure, unit template, scale the unit is in: 6 = millions, 0 = units).
CONCEPTS: dict[str, tuple[str, str, int]] = {
    "NGDP": ("gdp_lcu", "national currency m", 6),
    "NGDPD": ("gdp_usd", "USD m", 6),
    "NGDP_R": ("gdp_lcu_const", "national currency m constant {base}", 6),
    "NGDP_RPCH": ("gdp_real_growth_pct", "percent", 0),
    "NGDP_D": ("gdp_deflator", "index {base}=100", 0),
    "NGDPDPC": ("gdp_per_capita_usd", "USD", 0),
    "PPPGDP": ("gdp_ppp", "international USD m", 6),
    "PPPEX": ("ppp_factor", "national currency per international USD", 0),
    "PPPPC": ("gdp_ppp_per_capita", "international USD", 0),
    "LP": ("population", "persons", 0),
    "PCPIPCH": ("inflation_cpi_pct", "percent", 0),
    "GGX": ("govt_expenditure_lcu", "national currency m", 6),
    "GGX_NGDP": ("govt_expenditure_pct_gdp", "percent", 0),
    "GGR_NGDP": ("govt_revenue_pct_gdp", "percent", 0),
    "GGXCNL_NGDP": ("govt_net_lending_pct_gdp", "percent", 0),
    "GGXWDG_NGDP": ("govt_debt_pct_gdp", "percent", 0),
}
AGGREGATE = re.compile(r"^G[X\d]\d*$")  # IMF country groups: G001 World, G110, GX123, ...
LAST_ACTUAL = re.compile(r"^(?:FY)?(\d{4})(?:/\d{2})?$")
META = (
    "ref_area",
    "area_name",
    "concept",
    "description",
    "unit",
    "scale",
    "lastactualdate",
    "base_year",
)


def scaled(text: str, scale: int, target: int, path: Path, where: str) -> float:
    """A published figure in units of 10**scale, re-expressed in 10**target, exactly rounded once."""
    try:
        return float(Decimal(text).scaleb(scale - target))
    except InvalidOperation:
        raise SourceError(path, where, f"expected a number, found {text!r}") from None


def last_actual_year(text: str) -> int | None:
    m = LAST_ACTUAL.match(text.strip())
    return int(m.group(1)) if m else None


def parse(path: Path, registry: Registry) -> pd.DataFrame:
    """Observations for every registry country; years after ``lastactualdate`` flagged projection."""
    table = read_csv(path)
    require_columns(table, META, path)
    years = [c for c in table.columns if c not in META]
    if not years or not all(y.isdigit() for y in years):
        raise SourceError(
            path, "header", f"year columns expected after the metadata, got {years[:5]}"
        )
    unknown = sorted(
        {
            code
            for code in table["ref_area"]
            if not AGGREGATE.match(code) and registry.lookup(code) is None
        }
    )
    if unknown:
        raise UnknownCountryError(unknown, path.name)
    fallback = _area_last_actual(table)
    rows: list[dict[str, Any]] = []
    for line, rec in enumerate(table.to_dict("records"), start=2):
        code, concept = rec["ref_area"], rec["concept"]
        if AGGREGATE.match(code) or concept not in CONCEPTS:
            continue
        measure, unit, target = CONCEPTS[concept]
        if "{base}" in unit:
            if not rec["base_year"].strip():
                raise SourceError(
                    path,
                    f"row {line}, field base_year",
                    f"{concept} needs a base year, found {rec['base_year']!r}",
                )
            unit = unit.format(base=rec["base_year"])
        try:
            scale = int(rec["scale"])
        except ValueError:
            raise SourceError(
                path, f"row {line}, field scale", f"not an integer: {rec['scale']!r}"
            ) from None
        last = last_actual_year(rec["lastactualdate"]) or fallback.get(code)
        iso3 = registry.resolve(code)
        for year in years:
            text = rec[year].strip()
            if text == "":
                continue
            value = scaled(text, scale, target, path, f"row {line}, column {year}")
            if measure == "population":
                value = float(round(value))
            flags = {"projection"} if last is not None and int(year) > last else set()
            rows.append(
                row(
                    iso3,
                    int(year),
                    measure,
                    SOURCE,
                    RESOURCE.edition,
                    value,
                    unit,
                    flags,
                    f"row {line}, {concept} {year}",
                )
            )
    return frame(rows)


def _area_last_actual(table: pd.DataFrame) -> dict[str, int]:
    """Per area, the latest last-actual year of any concept: used where a row leaves it blank."""
    out: dict[str, int] = {}
    for code, text in zip(table["ref_area"], table["lastactualdate"], strict=True):
        if (year := last_actual_year(text)) is not None:
            out[code] = max(out.get(code, year), year)
    return out
