"""Countries by ISO3 with every publisher's spelling, currencies, capitals, and time-aware blocs.

The tables live in package data: ``countries.csv`` (written by ``milex data build`` from REST
Countries, IMF and World Bank code lists plus curated aliases) and ``memberships.csv`` (hand-kept,
one row per bloc member with join and leave years: a member counts from ``joined`` up to, not
including, ``left``).
"""

from __future__ import annotations

import csv
import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from milex.data.bundle import countries_path, package_dir
from milex.errors import MilexError, QueryError, UnknownCountryError

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


def no_forces_note(codes: Iterable[str]) -> str:
    """The note for allies left out of a total because they have no armed forces (never 0)."""
    return "; ".join(
        f"{c} excluded: {NO_ARMED_FORCES[c]}, so no defence expenditure (not counted as 0)"
        for c in codes
    )


#: Aggregate codes and the spellings publishers use for them.
AGGREGATE_NAMES: dict[str, str] = {
    "NATO Total": "NATO",
    "NATO": "NATO",
    "NATO Europe and Canada": "NATO_EU_CA",
    "NATO Europe & Canada": "NATO_EU_CA",
    "World": "WLD",
}

#: Short forms people type that no publisher file uses (the build's aliases cover publishers).
SHORT_FORMS: dict[str, str] = {
    "UK": "GBR",
    "U.K.": "GBR",
    "Britain": "GBR",
    "U.S.": "USA",
    "U.S.A.": "USA",
    "United States of America": "USA",
    "Czech Rep.": "CZE",
    "Czech Rep": "CZE",
    "Czech Republic": "CZE",
    "Slovak Rep.": "SVK",
    "Slovak Rep": "SVK",
    "Slovak Republic": "SVK",
    "FYROM": "MKD",
    "Former Yugoslav Republic of Macedonia": "MKD",
    "The former Yugoslav Republic of Macedonia": "MKD",
}
#: States that no longer exist, by the names a user would type: their successors, for the error.
DISSOLVED: dict[str, tuple[str, tuple[str, ...]]] = {
    "Soviet Union": (
        "the Soviet Union (dissolved 1991)",
        ("RUS", "UKR", "BLR", "MDA", "EST", "LVA", "LTU", "GEO", "ARM", "AZE", "KAZ",
         "KGZ", "TJK", "TKM", "UZB"),
    ),
    "Czechoslovakia": ("Czechoslovakia (dissolved 1993)", ("CZE", "SVK")),
    "Yugoslavia": (
        "Yugoslavia (dissolved 1992)",
        ("SVN", "HRV", "BIH", "SRB", "MNE", "MKD", "XKX"),
    ),
}  # fmt: skip
DISSOLVED["Union of Soviet Socialist Republics"] = DISSOLVED["Soviet Union"]
#: Qualifiers publishers put after a comma ("Korea, Republic of"): dropped when matching names.
_QUALIFIER = re.compile(
    r"^(the|republic of|rep\. of|rep of|kingdom of|state of|federal republic of|"
    r"islamic republic of|islamic rep\. of|people's republic of|democratic republic of)$"
)


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
        data = package_dir()
        if countries_csv is None:  # the snapshot's descriptor names the (verified) registry file
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
        found = self._lookup.get(key) or _SHORT.get(key)
        if found is None and "," in key:  # "Poland, Republic of" -> "Poland"
            head, _, tail = key.partition(",")
            if _QUALIFIER.match(tail.strip()):
                found = self._lookup.get(head.strip()) or _SHORT.get(head.strip())
        return found

    def resolve(self, name: str) -> str:
        """ISO3 or bloc code for a name; an unknown name is an error with suggestions."""
        return self.resolve_all([name], "registry")[name]

    def resolve_all(self, names: list[str], context: str) -> dict[str, str]:
        """Resolve many names at once; raises once, listing every unknown name.

        A dissolved state typed by name ("Soviet Union") is an error naming its successors. More
        than MAX_NAMES names is refused before any is looked up; suggestions are computed for the
        first MAX_SUGGESTED unknown names only (each costs a fuzzy match against every alias).
        """
        check_count(names, context)
        found = {name: self.lookup(name) for name in names}
        for name, code in found.items():
            if code is None and normalise(name) in _DISSOLVED:
                what, successors = _DISSOLVED[normalise(name)]
                listed = ", ".join(f"{self.name(c)} ({c})" for c in successors)
                raise MilexError(
                    f"{context}: {name!r} is {what}; name its successor states instead: {listed}"
                )
        unknown = [name for name, code in found.items() if code is None]
        if unknown:
            first = sorted(set(unknown))[:MAX_SUGGESTED]
            raise UnknownCountryError(unknown, context, {n: self.suggest(n) for n in first})
        return {name: code for name, code in found.items() if code is not None}

    def suggest(self, name: str, n: int = 3) -> list[str]:
        """Closest known names, for error messages (none for a name too long to be one)."""
        if len(name) > MAX_NAME_LENGTH:
            return []
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


_SHORT = {normalise(k): v for k, v in SHORT_FORMS.items()}
_DISSOLVED = {normalise(k): v for k, v in DISSOLVED.items()}


#: Names one call (one request, one command line) may ask the registry to resolve: far more than
#: there are countries and blocs, far fewer than would make the lookups and their error slow.
MAX_NAMES = 1000
#: Unknown names an error offers suggestions for (each is a fuzzy match against every alias).
MAX_SUGGESTED = 20
#: No country name is longer (the longest alias has 73 characters); nothing is suggested for
#: a longer one.
MAX_NAME_LENGTH = 100


class TooManyNames(QueryError, ValueError):
    """More names in one call than MAX_NAMES (a ValueError too, so a pydantic field reports it)."""


def check_count(names: list[str], context: str) -> None:
    """Refuse more than MAX_NAMES names before any of them reaches the registry."""
    if len(names) > MAX_NAMES:
        raise TooManyNames(
            f"{context}: {len(names):,} names in one request; at most {MAX_NAMES:,} are resolved "
            "at once (split the request)"
        )


def split_names(text: str, registry: Registry | None = None) -> list[str]:
    """Split a list of names typed on one line, keeping commas that belong to a name.

    Names are separated by ``;`` when the text has one, else by commas. Double quotes protect a
    comma (``"Korea, Republic of",POL``); unquoted, a piece that is only a qualifier (``Poland,
    Republic of``) joins the name before it when together they are a known name.
    """
    by_semicolon = ";" in text
    pieces = (
        text.split(";") if by_semicolon else next(csv.reader([text], skipinitialspace=True), [])
    )
    items = [p.strip() for p in pieces if p.strip()]
    check_count(items, "countries")  # before any name is looked up
    reg = registry or default_registry()
    out: list[str] = []
    for item in items:
        if out and reg.lookup(item) is None and reg.lookup(f"{out[-1]}, {item}") is not None:
            out[-1] = f"{out[-1]}, {item}"
        else:
            out.append(item)
    return out


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
