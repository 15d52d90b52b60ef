"""The WEO's vocabulary, shared by every reader of it (bulk CSV, data portal, SDMX API).

One place for the concepts milex keeps, the codes of IMF country groups, the cells that mean
"no figure", exact rescaling and the observation record, so a file and the API agree.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from milex.errors import SourceError

if TYPE_CHECKING:
    from milex.data.registry import Registry

SOURCE = "imf_weo"

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
LAST_ACTUAL = re.compile(r"^(?:FY)?(\d{4})(?:/\d{2})?$")
AGGREGATE = re.compile(r"^G[X\d]\d*$")  # IMF country groups: G001 World, G110, GX123, ...
MISSING = {"", "n/a", "--", "NA", "..."}

#: ISO codes the WEO files use that the registry spells differently.
ISO_ALIASES = {"UVK": "XKX", "KOS": "XKX"}


def scaled(text: str, scale: int, target: int, path: Path, where: str) -> float:
    """A published figure in units of 10**scale, re-expressed in 10**target, exactly rounded once."""
    try:
        return float(Decimal(text).scaleb(scale - target))
    except InvalidOperation:
        raise SourceError(path, where, f"expected a number, found {text!r}") from None


def area_iso3(code: str, registry: Registry) -> str | None:
    """The registry code of a WEO area code (Kosovo is spelled two ways)."""
    return registry.lookup(ISO_ALIASES.get(code, code))


def weo_record(
    iso3: str,
    year: int,
    concept: str,
    unit: str,
    value: float,
    last: int | None,
    line: int,
    edition: str,
) -> tuple[Any, ...]:
    """One WEO observation in schema column order, whatever file or API it came from: persons
    whole, years after the country's last actual year flagged ``projection`` (a tuple: a full
    WEO is 140,000 of them)."""
    measure = CONCEPTS[concept][0]
    if measure == "population":
        value = float(round(value))
    flags = "projection" if last is not None and year > last else ""
    origin = f"row {line}, {concept} {year}"
    return (iso3, int(year), measure, SOURCE, edition, float(value), unit, flags, origin)


def last_actual_year(text: str) -> int | None:
    """The year in a "last actual" cell (2024, FY2024, 2024/25), or None."""
    m = LAST_ACTUAL.match(text.strip())
    return int(m.group(1)) if m else None


def unit_of(unit: str, concept: str, base: str, path: Path, where: str) -> str:
    """A unit template with its base year filled in (an error if the series needs one)."""
    if "{base}" not in unit:
        return unit
    if not base:
        raise SourceError(path, where, f"{concept} needs a base year, none given")
    return unit.format(base=base)
