"""World Bank World Development Indicators (long CSVs repackaged by the Frictionless datasets project)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from milex.errors import SourceError, UnknownCountryError
from milex.registry import Registry
from milex.sources._common import Resource, frame, read_csv, require_columns, row

if TYPE_CHECKING:
    import pandas as pd

SOURCE = "worldbank"
LICENCE = "CC BY 4.0 (World Bank); repackaged CSV declared ODC-PDDL-1.0"


@dataclass(frozen=True)
class Indicator:
    resource: Resource
    measure: str
    unit: str
    shift: int  # power of ten applied to the published value (USD -> USD m is -6)
    columns: tuple[str, str, str, str]  # name, code, year, value
    code_is_iso2: bool = False


def _resource(name: str, path: str, indicator: str, repo: str, commit_date: str) -> Resource:
    return Resource(
        name=f"worldbank-{name}",
        source=SOURCE,
        path=path,
        publisher="World Bank",
        url=f"https://data.worldbank.org/indicator/{indicator}",
        edition=f"WDI {indicator} (datasets/{repo} {commit_date})",
        licence=LICENCE,
        retrieved=commit_date,
        citation=f"World Bank, World Development Indicators, {indicator}",
        notes=f"Repackaged by the Frictionless Data 'datasets/{repo}' project.",
    )


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        _resource(
            "gdp",
            "worldbank/wdi_NY.GDP.MKTP.CD_gdp_current_usd.csv",
            "NY.GDP.MKTP.CD",
            "gdp",
            "2024-10-21",
        ),
        "gdp_usd",
        "USD m",
        -6,
        ("Country Name", "Country Code", "Year", "Value"),
    ),
    Indicator(
        _resource(
            "population",
            "worldbank/wdi_SP.POP.TOTL_population.csv",
            "SP.POP.TOTL",
            "population",
            "2026-03-06",
        ),
        "population",
        "persons",
        0,
        ("Country Name", "Country Code", "Year", "Value"),
    ),
    Indicator(
        _resource(
            "ppp",
            "worldbank/wdi_PA.NUS.PPP_ppp_conversion_factor.csv",
            "PA.NUS.PPP",
            "ppp",
            "2026-03-05",
        ),
        "ppp_factor",
        "national currency per international USD",
        0,
        ("Country", "Country ID", "Year", "PPP"),
        code_is_iso2=True,
    ),
    Indicator(
        _resource(
            "deflator",
            "worldbank/wdi_NY.GDP.DEFL.KD.ZG_gdp_deflator_inflation.csv",
            "NY.GDP.DEFL.KD.ZG",
            "inflation",
            "2025-07-01",
        ),
        "inflation_gdp_deflator_pct",
        "percent",
        0,
        ("Country", "Country Code", "Year", "Inflation"),
    ),
)

#: World Bank region and income-group codes: not countries, skipped on purpose.
AGGREGATES = frozenset(
    [
        "AFE",
        "AFW",
        "ARB",
        "CEB",
        "CSS",
        "EAP",
        "EAR",
        "EAS",
        "ECA",
        "ECS",
        "EMU",
        "FCS",
        "HIC",
        "HPC",
        "IBD",
        "IBT",
        "IDA",
        "IDB",
        "IDX",
        "LAC",
        "LCN",
        "LDC",
        "LIC",
        "LMC",
        "LMY",
        "LTE",
        "MEA",
        "MIC",
        "MNA",
        "NAC",
        "OED",
        "OSS",
        "PRE",
        "PSS",
        "PST",
        "SAS",
        "SSA",
        "SSF",
        "SST",
        "TEA",
        "TEC",
        "TLA",
        "TMN",
        "TSA",
        "TSS",
        "UMC",
        "WLD",
        "INX",
    ]
)


def names(raw_dir: Path) -> dict[str, str]:
    """ISO3 -> World Bank country name, from the ISO3-keyed files (for the registry's aliases)."""
    out: dict[str, str] = {}
    for ind in INDICATORS:
        if ind.code_is_iso2:
            continue
        table = read_csv(raw_dir / ind.resource.path, usecols=list(ind.columns[:2]))
        out.update(zip(table[ind.columns[1]], table[ind.columns[0]], strict=True))
    return {code: name for code, name in out.items() if code not in AGGREGATES}


def parse(raw_dir: Path, indicator: Indicator, registry: Registry) -> pd.DataFrame:
    """One indicator file as observations; aggregates skipped, unknown codes an error."""
    path = raw_dir / indicator.resource.path
    table = read_csv(path)
    require_columns(table, indicator.columns, path)
    _name_col, code_col, year_col, value_col = indicator.columns
    by_iso2 = {c.iso2: c.iso3 for c in registry.countries.values() if c.iso2}
    codes = sorted(set(table[code_col]) - AGGREGATES)
    if indicator.code_is_iso2:
        mapping = {code: by_iso2.get(code) for code in codes}
    else:
        mapping = {code: registry.lookup(code) for code in codes}
    unknown = [code for code, iso3 in mapping.items() if iso3 is None]
    if unknown:
        raise UnknownCountryError(unknown, f"{path.name}, column {code_col}")
    rows: list[dict[str, Any]] = []
    for line, rec in enumerate(table.to_dict("records"), start=2):
        code, text = rec[code_col], rec[value_col].strip()
        if code in AGGREGATES or text == "":
            continue
        try:
            value = float(Decimal(text).scaleb(indicator.shift))
            year = int(rec[year_col])
        except (InvalidOperation, ValueError):
            raise SourceError(
                path,
                f"row {line}",
                f"{value_col}={text!r} or {year_col}={rec[year_col]!r} is not a number",
            ) from None
        iso3 = mapping[code]
        assert iso3 is not None
        rows.append(
            row(
                iso3,
                year,
                indicator.measure,
                SOURCE,
                indicator.resource.edition,
                value,
                indicator.unit,
                (),
                f"row {line}",
            )
        )
    return frame(rows)
