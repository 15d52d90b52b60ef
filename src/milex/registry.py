"""Countries by ISO3 with every publisher's spelling, currencies, capitals, and time-aware blocs.

The tables live in package data: ``countries.csv`` (written by ``milex data build`` from REST
Countries, IMF and World Bank code lists plus curated aliases) and ``memberships.csv`` (hand-kept,
one row per bloc member with join and leave years: a member counts from ``joined`` up to, not
including, ``left``).
"""

from __future__ import annotations

import csv
import difflib
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from milex.errors import MilexError, UnknownCountryError

#: Blocs computed from other blocs: code -> (base bloc, ISO3s excluded, fixed membership year or None).
DERIVED_BLOCS: dict[str, tuple[str, frozenset[str], int | None]] = {
    "NATO_EU_CA": ("NATO", frozenset({"USA"}), None),
    "EU27": ("EU", frozenset(), 2020),
}
BLOC_NAMES: dict[str, str] = {
    "NATO": "NATO",
    "NATO_EU_CA": "NATO Europe and Canada",
    "EU": "European Union (members as of each year)",
    "EU27": "EU-27 (the 27 members since 2020, fixed)",
    "CRINK": "Russia, China, Iran and North Korea",
    "WLD": "World",
}
#: Members that have no armed forces and so no defence-expenditure figures: listed, never counted
#: as zero, left out of counts, ranks and totals (as NATO does for Iceland). One list for milex.
NO_ARMED_FORCES: dict[str, str] = {"ISL": "no armed forces"}
#: Aggregate codes and the spellings publishers use for them.
AGGREGATE_NAMES: dict[str, str] = {
    "NATO Total": "NATO",
    "NATO": "NATO",
    "NATO Europe and Canada": "NATO_EU_CA",
    "NATO Europe & Canada": "NATO_EU_CA",
    "World": "WLD",
}


def normalise(name: str) -> str:
    """Comparison key for a name: no accents, case or '*' suffix, single spaces."""
    text = unicodedata.normalize("NFKD", name.strip().rstrip("*").strip())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.casefold().replace("’", "'").split())


@dataclass(frozen=True)
class Country:
    """One registry entity."""

    iso3: str
    iso2: str
    name: str
    kind: str  # country | territory | historical | union
    currency: str
    capital: str
    capital_lat: float | None
    capital_lon: float | None
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Membership:
    bloc: str
    iso3: str
    joined: int | None
    left: int | None
    note: str

    def active(self, year: int) -> bool:
        return (self.joined is None or self.joined <= year) and (
            self.left is None or year < self.left
        )


class Registry:
    """Name and code resolution, and bloc membership as of a year."""

    def __init__(self, countries: list[Country], memberships: list[Membership]) -> None:
        self.countries = {c.iso3: c for c in countries}
        self.memberships = memberships
        self._members: dict[tuple[str, int], list[str]] = {}
        self._lookup: dict[str, str] = {}
        for country in countries:
            for alias in (country.iso3, country.name, *country.aliases):
                self._lookup.setdefault(normalise(alias), country.iso3)
        for name, code in AGGREGATE_NAMES.items():
            self._lookup.setdefault(normalise(name), code)
            self._lookup.setdefault(normalise(code), code)

    @classmethod
    def from_files(
        cls, countries_csv: Path | None = None, memberships_csv: Path | None = None
    ) -> Registry:
        """Read the registry tables (package data unless paths are given)."""
        data = Path(str(resources.files("milex") / "data"))
        if countries_csv is None:  # the snapshot's descriptor names the (verified) registry file
            from milex.snapshot import countries_path

            countries_csv = countries_path(data)
        with countries_csv.open(encoding="utf-8", newline="") as fh:
            countries = [_country(r) for r in csv.DictReader(fh)]
        with (memberships_csv or data / "memberships.csv").open(encoding="utf-8", newline="") as fh:
            memberships = [_membership(r) for r in csv.DictReader(fh)]
        return cls(countries, memberships)

    # names -----------------------------------------------------------------------------------
    def lookup(self, name: str) -> str | None:
        """ISO3 (or aggregate code) for a name or code in any publisher's spelling, else None."""
        key = normalise(name)
        if key.upper() in self.countries or key.upper() in self.bloc_codes:
            return key.upper()
        return self._lookup.get(key)

    def resolve(self, name: str) -> str:
        """ISO3 or bloc code for a name; an unknown name is an error with suggestions."""
        found = self.lookup(name)
        if found is None:
            raise UnknownCountryError([name], "registry", {name: self.suggest(name)})
        return found

    def resolve_all(self, names: list[str], context: str) -> dict[str, str]:
        """Resolve many names at once; raises once, listing every unknown name."""
        found = {name: self.lookup(name) for name in names}
        unknown = [name for name, code in found.items() if code is None]
        if unknown:
            raise UnknownCountryError(unknown, context, {n: self.suggest(n) for n in unknown})
        return {name: code for name, code in found.items() if code is not None}

    def suggest(self, name: str, n: int = 3) -> list[str]:
        """Closest known names, for error messages."""
        keys = difflib.get_close_matches(normalise(name), self._lookup.keys(), n=3 * n, cutoff=0.6)
        found = dict.fromkeys(f"{self.name(self._lookup[k])} ({self._lookup[k]})" for k in keys)
        return list(found)[:n]

    def name(self, code: str) -> str:
        """Display name of an ISO3 or bloc code."""
        if code in self.countries:
            return self.countries[code].name
        return BLOC_NAMES.get(code, code)

    # blocs -----------------------------------------------------------------------------------
    @property
    def bloc_codes(self) -> list[str]:
        return sorted({m.bloc for m in self.memberships} | DERIVED_BLOCS.keys())

    def members(self, bloc: str, year: int) -> list[str]:
        """ISO3 codes of the bloc's members in a year (membership is time-aware)."""
        key = (bloc, year)
        if key not in self._members:
            self._members[key] = self._compute_members(bloc, year)
        return list(self._members[key])

    def ever_members(self, bloc: str) -> set[str]:
        """Every country that was ever in the bloc."""
        return {m for year in range(1949, 2101) for m in self.members(bloc, year)}

    def _compute_members(self, bloc: str, year: int) -> list[str]:
        if bloc in DERIVED_BLOCS:
            base, excluded, fixed_year = DERIVED_BLOCS[bloc]
            return [c for c in self.members(base, fixed_year or year) if c not in excluded]
        if bloc not in self.bloc_codes:
            raise MilexError(f"unknown bloc {bloc!r}; known blocs: {', '.join(self.bloc_codes)}")
        return sorted(m.iso3 for m in self.memberships if m.bloc == bloc and m.active(year))

    def membership_note(self, bloc: str, iso3: str) -> str:
        base = DERIVED_BLOCS.get(bloc, (bloc,))[0]
        return next((m.note for m in self.memberships if m.bloc == base and m.iso3 == iso3), "")


def _float(text: str) -> float | None:
    return float(text) if text not in ("", None) else None


def _int(text: str) -> int | None:
    return int(text) if text not in ("", None) else None


def _country(record: dict[str, str]) -> Country:
    return Country(
        iso3=record["iso3"],
        iso2=record["iso2"],
        name=record["name"],
        kind=record["kind"],
        currency=record["currency"],
        capital=record["capital"],
        capital_lat=_float(record["capital_lat"]),
        capital_lon=_float(record["capital_lon"]),
        aliases=tuple(a for a in record["aliases"].split("|") if a),
    )


def _membership(record: dict[str, str]) -> Membership:
    return Membership(
        record["bloc"], record["iso3"], _int(record["joined"]), _int(record["left"]), record["note"]
    )


@cache
def default_registry() -> Registry:
    """The registry shipped with the package (read once per process)."""
    return Registry.from_files()
