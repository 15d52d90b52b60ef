"""World Bank World Development Indicators: long CSVs (Frictionless datasets) or the WDI API v2 JSON.

The bundled snapshot reads the repackaged CSVs; `milex data update` reads the API's paged JSON
(``[{page, pages, lastupdated, ...}, [{countryiso3code, date, value, ...}, ...]]``), pages joined
into one array, with the edition named by the API's ``lastupdated`` date.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from milex.data.registry import Registry
from milex.data.sources._common import Resource, frame, read_csv, require_columns, row
from milex.data.sources._years import check_observations
from milex.errors import SourceError, UnknownCountryError

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
    obs = frame(rows)
    check_observations(obs, path)
    return obs


API_URL = (
    "https://api.worldbank.org/v2/country/all/indicator/{code}?format=json&per_page={per_page}"
)


def indicator_code(indicator: Indicator) -> str:
    """The WDI code of an indicator, e.g. NY.GDP.MKTP.CD."""
    return indicator.resource.url.rsplit("/", 1)[-1]


def by_code(code: str) -> Indicator:
    """The indicator with this WDI code; an unknown code is an error listing the known ones."""
    for ind in INDICATORS:
        if indicator_code(ind) == code:
            return ind
    known = ", ".join(indicator_code(i) for i in INDICATORS)
    raise SourceError(code, None, f"not one of the indicators milex reads ({known})")


def api_resource(indicator: Indicator, updated: str, url: str) -> Resource:
    """Provenance of an API download: edition 'WDI <code> <lastupdated> (API)'."""
    code = indicator_code(indicator)
    return replace(
        indicator.resource,
        name=f"{indicator.resource.name}-api",
        path=f"worldbank/{code}.json",
        url=url,
        edition=f"WDI {code} {updated} (API)",
        licence="CC BY 4.0 (World Bank)",
        retrieved=updated,
        notes="WDI API v2, all pages joined.",
    )


def read_api(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The (metadata, records) of a saved API answer; an API error message is reported as such."""
    from milex.data.sources._common import require_file

    require_file(path)
    try:
        data = json.loads(path.read_text("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SourceError(path, None, f"not valid JSON ({exc})") from None
    if isinstance(data, list) and data and isinstance(data[0], dict) and "message" in data[0]:
        raise SourceError(path, None, f"the API answered an error: {data[0]['message']}")
    if not (
        isinstance(data, list)
        and len(data) == 2
        and isinstance(data[0], dict)
        and isinstance(data[1], list)
    ):
        raise SourceError(path, None, "expected the WDI API's [metadata, records] JSON array")
    return data[0], data[1]


def parse_api(path: Path, registry: Registry, indicator: Indicator | None = None) -> pd.DataFrame:
    """One indicator's API records as observations (the indicator read from the records)."""
    meta, records = read_api(path)
    if not records:
        raise SourceError(path, None, "the API returned no records")
    codes = {str((r.get("indicator") or {}).get("id")) for r in records}
    if len(codes) != 1:
        raise SourceError(path, None, f"records mix indicators {sorted(codes)}")
    found = by_code(codes.pop())
    if indicator is not None and found != indicator:
        raise SourceError(
            path, None, f"holds {indicator_code(found)}, not {indicator_code(indicator)}"
        )
    edition = f"WDI {indicator_code(found)} {meta.get('lastupdated') or 'undated'} (API)"
    unknown = set()
    rows: list[dict[str, Any]] = []
    for i, rec in enumerate(records):
        code, value = str(rec.get("countryiso3code") or ""), rec.get("value")
        if code == "" or code in AGGREGATES or value is None:
            continue
        iso3 = registry.lookup(code)
        if iso3 is None:
            unknown.add(code)
            continue
        where = f"record {i + 1}"
        try:
            number = float(Decimal(str(value)).scaleb(found.shift))
            year = int(rec["date"])
        except (InvalidOperation, ValueError, KeyError):
            raise SourceError(
                path, where, f"value={value!r} or date={rec.get('date')!r} is not a number"
            ) from None
        rows.append(row(iso3, year, found.measure, SOURCE, edition, number, found.unit, (), where))
    if unknown:
        raise UnknownCountryError(sorted(unknown), f"{path.name}, field countryiso3code")
    obs = frame(rows)
    check_observations(obs, path)
    return obs
