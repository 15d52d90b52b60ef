"""REST Countries (capitals, ISO codes, currencies) plus curated names: the source of the registry table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from milex.data.sources._common import Resource, read_csv, require_file
from milex.errors import SourceError

if TYPE_CHECKING:
    import pandas as pd

RESOURCE = Resource(
    name="restcountries",
    source="geo",
    path="geo/restcountries-countriesV3.1.json",
    publisher="REST Countries project",
    url="https://github.com/restcountries/restcountries/blob/bfadee4f951682c29970e53677707bc558e80b74/"
    "src/main/resources/countriesV3.1.json",
    edition="v3.1 (2026-02-25)",
    licence="MPL-2.0",
    retrieved="2026-02-25",
    citation="REST Countries, countriesV3.1.json",
)

#: Entities publishers report that REST Countries does not list: (iso3, name, kind, currency).
EXTRA_ENTITIES: tuple[tuple[str, str, str, str], ...] = (
    ("SUN", "USSR", "historical", "SUR"),
    ("CSK", "Czechoslovakia", "historical", "CSK"),
    ("YUG", "Yugoslavia", "historical", "YUN"),
    ("DDR", "German Democratic Republic", "historical", "DDM"),
    ("YAR", "Yemen, North", "historical", "YER"),
    ("EUU", "European Union", "union", "EUR"),
    ("CHI", "Channel Islands", "territory", "GBP"),
)

#: Display names where NATO's and SIPRI's current spelling differs from REST Countries' common name.
DISPLAY_NAMES: dict[str, str] = {"TUR": "Türkiye"}

#: Codes other publishers use for a registry country: publisher code -> canonical ISO3.
CODE_ALIASES: dict[str, str] = {
    "UNK": "XKX",  # REST Countries' Kosovo
    "KOS": "XKX",  # IMF's Kosovo
    "WBG": "PSE",  # IMF's West Bank and Gaza
}

#: Publisher spellings that no code-keyed file ties to an ISO3; each checked against the workbooks.
NAME_ALIASES: dict[str, str] = {
    # SIPRI
    "Congo, DR": "COD",
    "Congo, Republic": "COG",
    "Cote d'Ivoire": "CIV",
    "Korea, North": "PRK",
    "Korea, South": "KOR",
    "Timor Leste": "TLS",
    "Viet Nam": "VNM",
    "Türkiye": "TUR",
    "Turkey": "TUR",
    "United States of America": "USA",
    "Russia": "RUS",
    "Iran": "IRN",
    "Syria": "SYR",
    "Laos": "LAO",
    "Moldova": "MDA",
    "Bosnia-Herzegovina": "BIH",
    "Trinidad and Tobago": "TTO",
    "Kyrgyz Republic": "KGZ",
    "UAE": "ARE",
    "Eswatini": "SWZ",
    "Gambia, The": "GMB",
    "Cape Verde": "CPV",
    # NATO
    "Slovak Republic": "SVK",
    "United States": "USA",
    "North Macedonia": "MKD",
    "Macedonia": "MKD",
    "Czech Republic": "CZE",
}


def read_countries(raw_dir: Path) -> pd.DataFrame:
    """One row per country or entity: codes, name, kind, currency, capital and its coordinates."""
    import pandas as pd

    path = require_file(raw_dir / RESOURCE.path)
    try:
        records = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SourceError(path, None, f"not valid JSON ({exc})") from exc
    rows = []
    for index, item in enumerate(records):
        try:
            iso3 = CODE_ALIASES.get(item["cca3"], item["cca3"])
            latlng = (item.get("capitalInfo") or {}).get("latlng") or [None, None]
            rows.append(
                {
                    "iso3": iso3,
                    "iso2": item["cca2"],
                    "name": DISPLAY_NAMES.get(iso3, item["name"]["common"]),
                    "kind": "country" if item.get("independent") else "territory",
                    "currency": next(iter(item.get("currencies") or {}), ""),
                    "capital": ";".join(item.get("capital") or []),
                    "capital_lat": latlng[0],
                    "capital_lon": latlng[1],
                    "names": [
                        item["name"]["common"],
                        item["name"]["official"],
                        *[s for s in item.get("altSpellings", []) if len(s) > 3],
                    ],
                    "codes": [item["cca3"], item["cca2"]],
                }
            )
        except (KeyError, TypeError, IndexError) as exc:
            raise SourceError(path, f"item {index}", f"missing field {exc}") from exc
    for iso3, name, kind, currency in EXTRA_ENTITIES:
        rows.append(
            {
                "iso3": iso3,
                "iso2": "",
                "name": name,
                "kind": kind,
                "currency": currency,
                "capital": "",
                "capital_lat": None,
                "capital_lon": None,
                "names": [name],
                "codes": [iso3],
            }
        )
    return pd.DataFrame(rows)


def publisher_names(raw_dir: Path) -> dict[str, set[str]]:
    """Names that code-keyed publisher files (IMF WEO, World Bank) give each ISO3."""
    from milex.data.sources import imf, worldbank

    names: dict[str, set[str]] = {}
    areas = read_csv(raw_dir / imf.AREAS_PATH)
    for code, name in zip(areas["ref_area"], areas["area_name"], strict=True):
        names.setdefault(CODE_ALIASES.get(code, code), set()).add(name)
    for code, name in worldbank.names(raw_dir).items():
        names.setdefault(CODE_ALIASES.get(code, code), set()).add(name)
    return names


def countries_table(raw_dir: Path) -> pd.DataFrame:
    """The registry table written to the package: every entity with all its names and codes.

    Aliases that would point at two entities are dropped (REST Countries' alternative spellings
    overlap a little); curated NAME_ALIASES always win.
    """
    from milex.data.registry import normalise

    table = read_countries(raw_dir)
    extra = publisher_names(raw_dir)
    owners: dict[str, set[str]] = {}
    names_by_iso: dict[str, set[str]] = {}
    for iso3, names, codes in zip(table["iso3"], table["names"], table["codes"], strict=True):
        own = set(names) | extra.get(iso3, set())
        names_by_iso[iso3] = own | set(codes)
        for alias in names_by_iso[iso3]:
            owners.setdefault(normalise(alias), set()).add(iso3)
    for name, iso3 in NAME_ALIASES.items():
        names_by_iso[iso3].add(name)
        owners[normalise(name)] = {iso3}
    for code, iso3 in CODE_ALIASES.items():
        names_by_iso[iso3].add(code)
        owners[normalise(code)] = {iso3}
    aliases = []
    for iso3 in table["iso3"]:
        keep = {a for a in names_by_iso[iso3] if owners[normalise(a)] == {iso3}}
        aliases.append("|".join(sorted(keep)))
    out = table.drop(columns=["names", "codes"]).assign(aliases=aliases)
    return out.sort_values("iso3", kind="stable").reset_index(drop=True)
