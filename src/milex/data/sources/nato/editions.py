"""NATO's editions as data: what each one is called, when it appeared, its price base and definition.

A definition break (the 2026 edition restates every year as "core defence expenditure") is a field
of the edition, so every view that meets two editions can say so instead of splicing them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from milex.data.sources._common import Resource

if TYPE_CHECKING:
    import pandas as pd

SOURCE = "nato"
TOPIC_URL = (
    "https://www.nato.int/en/what-we-do/introduction-to-nato/"
    "defence-expenditures-and-natos-5-commitment"
)
DEFENCE = "defence expenditure"
NOTES_LIMIT = 4000  # characters of an edition's notes kept in its description
CORE_DEFENCE = "core defence expenditure"


@dataclass(frozen=True)
class Edition:
    """One edition of NATO's annual figures."""

    edition: str  # the label observations carry, e.g. "2014-2026 (2026-07)"
    title: str
    published: str  # ISO date (or year-month when only that is known)
    price_base: int | None
    definition: str
    url: str = TOPIC_URL
    family: str = ""
    star: str = ""  # what '*' beside an ally means in this edition
    notes: str = ""  # the notes under the edition's tables (and on any notes sheet), one a line

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in ("", None)}

    def provenance(self) -> dict[str, Any]:
        """The fields a datapackage source entry adds to its file's own URL and edition."""
        return {k: v for k, v in self.as_dict().items() if k not in ("edition", "url")}


KNOWN: dict[str, Edition] = {
    e.edition: e
    for e in (
        Edition(
            "2014-2024 (2024-06-17)",
            "Defence Expenditure of NATO Countries (2014-2024)",
            "2024-06-17",
            2015,
            DEFENCE,
            family="2014-2024 tables",
            star="national law or political agreement to spend 2% of GDP",
        ),
        Edition(
            "2014-2025 (2025-08-28)",
            "Defence Expenditure of NATO Countries (2014-2025)",
            "2025-08-28",
            2021,
            DEFENCE,
            family="2025+ tables",
        ),
        Edition(
            "2014-2026 (2026-07)",
            "Defence Investment of NATO Countries (2014-2026)",
            "2026-07",
            2021,
            CORE_DEFENCE,
            family="2025+ tables",
        ),
        Edition(
            "SG Annual Report 2025 (2026-03-26)",
            "The Secretary General's Annual Report 2025",
            "2026-03-26",
            None,
            "defence expenditure (the report does not say whether it is the core definition)",
            family="annual report",
        ),
    )
}

RESOURCE = Resource(
    name="nato-def-exp-2014-2024",
    source=SOURCE,
    path="nato/240617-def-exp-2024-TABLES-en.xlsx",
    publisher="NATO Public Diplomacy Division",
    url="https://www.nato.int/cps/en/natohq/topics_49198.htm",
    edition="2014-2024 (2024-06-17)",
    licence="NATO public release; reproduction with acknowledgement",
    retrieved="2025-05-18",
    citation="NATO, Defence Expenditure of NATO Countries (2014-2024), 17 June 2024",
    extra=KNOWN["2014-2024 (2024-06-17)"].provenance(),
)
SECONDARY_2025 = Resource(
    name="nato-2025e-press",
    source=SOURCE,
    path="nato/nato_2025e_headline_secondary.csv",
    publisher="press reports of NATO's Defence Expenditure of NATO Countries (2014-2025)",
    url="https://en.defence-ua.com/analysis/all_nato_states_hit_2_defense_goal_but_belgium_still_"
    "lands_in_the_hot_seat-15697.html",
    edition="2014-2025 (2025-08-28)",
    licence="facts reported in the press; each figure keeps its article URL",
    retrieved="2025-08-28",
    citation="NATO, Defence Expenditure of NATO Countries (2014-2025), 28 August 2025, "
    "as reported in the press",
    extra=KNOWN["2014-2025 (2025-08-28)"].provenance() | {"secondary": True},
)
SECONDARY_EDITIONS = Resource(
    name="nato-2025-2026-editions-secondary",
    source=SOURCE,
    path="nato/nato_2025_2026_editions_secondary.csv",
    publisher="public reports and public code quoting NATO's 2025 and 2026 editions",
    url=TOPIC_URL,
    edition="2014-2026 (2026-07)",
    licence="facts reported in the press and public code; each figure keeps its source URL",
    retrieved="2026-12-01",
    citation="NATO, Defence Investment of NATO Countries (2014-2026), July 2026, and Defence "
    "Expenditure of NATO Countries (2014-2025), August 2025, as reported (one URL per figure)",
    notes="Also holds 2014-2025 (2025-08-28) figures; each row names its edition.",
    extra=KNOWN["2014-2026 (2026-07)"].provenance() | {"secondary": True},
)

SECONDARY_ANNUAL_REPORT = Resource(
    name="nato-sg-annual-report-2025-secondary",
    source=SOURCE,
    path="nato/nato_sg_annual_report_2025_secondary.csv",
    publisher="POLITICO's report of NATO's Secretary General's Annual Report 2025",
    url="https://dailyguardian.eu/who-gets-a-gold-star-and-who-gets-detention-politico/amp",
    edition="SG Annual Report 2025 (2026-03-26)",
    licence="facts reported in the press; each figure keeps its article URL",
    retrieved="2026-12-06",
    citation="NATO, The Secretary General's Annual Report 2025, 26 March 2026, as reported by "
    "POLITICO (figures rounded to one decimal)",
    notes="2025 shares for the five allies no NATO table of 2025 or 2026 gives; rounded in the "
    "source, so never 'met' at the threshold they round to.",
    extra=KNOWN["SG Annual Report 2025 (2026-03-26)"].provenance() | {"secondary": True},
)


def describe(
    *,
    edition: str,
    titles: dict[str, str],
    cover: list[str],
    properties: Any,
    observations: pd.DataFrame,
    family: str,
    notes: list[str],
    star: str,
) -> dict[str, Any]:
    """The edition a workbook holds, read from its content (titles, units, dates, notes).

    ``star`` is what the edition's own notes say '*' marks ("" when no ally carries one).
    """
    from milex.data.sources.nato._tables import PUBLICATION

    core = "core defence" in titles.get("1", "").lower()
    named = next((m.group(1) for t in cover if (m := PUBLICATION.search(t))), None)
    default = (
        "Defence Investment of NATO Countries" if core else "Defence Expenditure of NATO Countries"
    )
    publication = named or default
    units = observations.loc[observations["measure"] == "milex_usd_const", "unit"]
    base = next((int(u.rsplit(" ", 1)[-1]) for u in units.unique() if u[-4:].isdigit()), None)
    span = edition.split(" ", 1)[0]
    modified = properties.modified if properties is not None else None
    return Edition(
        edition=edition,
        title=f"{publication} ({span})",
        published=f"{modified:%Y-%m-%d}" if modified else "",
        price_base=base,
        definition=CORE_DEFENCE if core else DEFENCE,
        family=family,
        star=star[:200],
        notes="\n".join(dict.fromkeys(notes))[:NOTES_LIMIT],
    ).as_dict()
