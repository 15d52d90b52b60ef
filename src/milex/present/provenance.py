"""What a chart rests on, for its Sources tab: each publisher's edition, what milex did to it,
the flags its figures carry and how to cite it.

Everything comes from the figure's table (``figure_tables``: the sources the analysis used, its
full data and its notes) and the snapshot's ``datapackage.json`` entries (retrieval dates,
licences and the checks milex ran on each edition); nothing is recovered from title text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from milex.present.tables import Table

__all__ = [
    "MILEX_AUTHORS",
    "MILEX_LICENCE",
    "MILEX_TITLE",
    "Provenance",
    "SourceEntry",
    "milex_citation",
    "provenance",
]

MILEX_TITLE = "milex: an open workbench for NATO defence-spending data, commitments and projections"
MILEX_AUTHORS = "the milex developers"
MILEX_LICENCE = "MIT"
#: What a publisher calls each measure, in words a reader of the Sources tab knows.
MEASURE_WORDS = {
    "milex_pct_gdp": "defence spending as a share of GDP",
    "milex_lcu": "defence spending in national currency",
    "milex_lcu_const": "defence spending in national currency at constant prices",
    "milex_usd": "defence spending in current US$",
    "milex_usd_const": "defence spending in constant US$",
    "milex_per_capita_usd_const": "defence spending per head",
    "milex_real_change_pct": "the real change in defence spending",
    "equipment_pct": "the equipment share of defence spending",
    "personnel_pct": "the personnel share of defence spending",
    "infrastructure_pct": "the infrastructure share of defence spending",
    "other_pct": "the share of other spending",
    "mil_personnel": "military personnel",
    "gdp_usd": "GDP in US$",
}
#: Where a frame without a ``source`` column (the tracker's) names each figure's edition: the
#: column, the publisher it names and what that figure is.
EDITION_COLUMNS = {
    "edition": ("nato", "defence spending as a share of GDP"),
    "spending_edition": ("nato", "defence spending in national currency and US$"),
    "equipment_edition": ("nato", "the equipment share of defence spending"),
    "sipri_edition": ("sipri", "SIPRI's share of GDP, shown beside NATO's"),
}
#: The data model's flags that a reader may meet, by where they show in a frame.
FLAG_COLUMNS = ("flags", "equipment_flags")


@dataclass(frozen=True)
class SourceEntry:
    """One source edition behind a chart, as its datapackage entry describes it."""

    publisher: str
    title: str
    edition: str
    published: str
    retrieved: str
    url: str
    licence: str
    citation: str
    notes: str
    secondary: bool
    used_for: tuple[str, ...] = ()
    checks: tuple[str, ...] = ()


@dataclass(frozen=True)
class Provenance:
    """A chart's sources, the processing steps in plain words, its flags and its citations."""

    sources: list[SourceEntry]
    steps: list[str]
    flags: dict[str, str]
    milex: dict[str, str] = field(default_factory=dict)


def milex_citation() -> dict[str, str]:
    """The software citation: authors, title, version, licence (as in CITATION.cff)."""
    from milex.version import __version__

    return {
        "authors": MILEX_AUTHORS,
        "title": MILEX_TITLE,
        "version": __version__,
        "licence": MILEX_LICENCE,
        "citation": f"{MILEX_AUTHORS[0].upper()}{MILEX_AUTHORS[1:]}, {MILEX_TITLE}, version "
        f"{__version__} ({MILEX_LICENCE} licence)",
    }


def provenance(table: Table, package: dict[str, Any]) -> Provenance:
    """The provenance of the figure ``table`` draws, its sources matched to the snapshot's
    ``package`` entries by (source, edition) for the retrieval date, licence and checks."""
    entries = {(s.get("source"), s.get("edition")): s for s in package.get("sources", [])}
    published = {**_edition_columns(table), **_published_measures(table)}
    cited_keys = {(s.get("source"), s.get("edition")) for s in table.sources}
    extra = [entries[k] for k in published if k not in cited_keys and k in entries]
    sources = []
    for cited in [*table.sources, *extra]:
        key = (cited.get("source"), cited.get("edition"))
        entry = {**entries.get(key, {}), **cited} if key[1] else dict(cited)
        sources.append(_entry(entry, published.get(key, ())))
    return Provenance(sources, _steps(table, sources, published), _flags(table), milex_citation())


def _text(entry: dict[str, Any], *keys: str) -> str:
    for key in keys:
        value = entry.get(key)
        if value not in (None, ""):
            return str(value)
    return ""


def _entry(entry: dict[str, Any], used_for: tuple[str, ...]) -> SourceEntry:
    checks = tuple(
        f"{r['description']}: {r['status']} ({r.get('checked', 0)} checked, "
        f"{r.get('failed', 0)} failed)"
        for r in entry.get("receipts", [])
        if r.get("status") not in (None, "not applicable") and r.get("description")
    )
    return SourceEntry(
        publisher=_text(entry, "publisher", "source"),
        title=_text(entry, "title"),
        edition=_text(entry, "edition"),
        published=_text(entry, "published", "date"),
        retrieved=_text(entry, "retrieved"),
        url=_text(entry, "url"),
        licence=_text(entry, "licence"),
        citation=_text(entry, "citation"),
        notes=_text(entry, "notes", "note"),
        secondary=bool(entry.get("secondary")),
        used_for=used_for,
        checks=checks,
    )


def _published_measures(table: Table) -> dict[tuple[str, str], tuple[str, ...]]:
    """The measures each (source, edition) gives the chart, where its full data says so."""
    full = table.full
    if full is None or not {"measure", "source", "edition"} <= set(full.columns):
        return {}
    out: dict[tuple[str, str], list[str]] = {}
    for (source, edition, measure), _ in full.groupby(["source", "edition", "measure"]):
        words = MEASURE_WORDS.get(str(measure), str(measure).replace("_", " "))
        out.setdefault((str(source), str(edition)), []).append(words)
    return {k: tuple(v) for k, v in out.items()}


def _edition_columns(table: Table) -> dict[tuple[str, str], tuple[str, ...]]:
    """The editions a tracker-like frame names per figure (``EDITION_COLUMNS``), each with the
    figures it gave; none for a frame with its own ``source`` column."""
    full = table.full
    if full is None or "source" in full.columns:
        return {}
    out: dict[tuple[str, str], list[str]] = {}
    for column, (source, words) in EDITION_COLUMNS.items():
        if column in full.columns:
            for edition in sorted({str(e) for e in full[column].dropna() if str(e)}):
                used = out.setdefault((source, edition), [])
                if words not in used:
                    used.append(words)
    return {k: tuple(v) for k, v in out.items()}


def _steps(
    table: Table, sources: list[SourceEntry], published: dict[tuple[str, str], tuple[str, ...]]
) -> list[str]:
    """What milex did, in plain words: the figures taken as published, then the analysis's own
    account of its method (its notes) in the order it gives them."""
    steps = []
    for s in sources:
        if s.used_for:
            steps.append(
                f"{s.publisher} ({s.edition}): {', '.join(s.used_for)}, as published"
                + (", restated by a secondary source" if s.secondary else "")
                + "."
            )
    attrs = table.summary
    for note in [*attrs.get("notes", []), *table.notes]:
        text = str(note).strip()
        if text and text not in steps:
            steps.append(text[0].upper() + text[1:])
    for check in attrs.get("aggregate_checks", []):
        if check.get("note"):
            steps.append(f"Aggregate {check['iso3']}: {check['note']}.")
    return steps


def _flags(table: Table) -> dict[str, str]:
    """The flags the chart's figures carry (in its full data), with what each means."""
    from milex.data.schema import FLAGS

    full = table.full
    if full is None:
        return {}
    seen: set[str] = set()
    for column in FLAG_COLUMNS:
        if column in full.columns:
            for value in full[column].dropna():
                seen |= {f.strip() for f in str(value).replace(",", ";").split(";") if f.strip()}
    return {flag: meaning for flag, meaning in FLAGS.items() if flag in seen}
