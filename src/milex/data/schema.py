"""The observation schema and the catalogue of measures, sources and flags: named once, used everywhere."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

#: Columns of the long observations table, in order. (iso3, year, measure, source, edition) is the key.
COLUMNS: tuple[str, ...] = (
    "iso3",
    "year",
    "measure",
    "source",
    "edition",
    "value",
    "unit",
    "flags",
    "origin",
)
KEY: tuple[str, ...] = ("iso3", "year", "measure", "source", "edition")

#: The order rows are stored in: by measure, then country, as almost every query filters, so a
#: snapshot loads into DuckDB as it lies (no sort at start-up) and its zone maps skip the rest.
STORAGE_ORDER: tuple[str, ...] = ("measure", "iso3", "year", "source", "edition")

#: Flags an observation may carry; stored sorted and joined with ";" ("" when none).
FLAGS: dict[str, str] = {
    "estimate": "publisher's estimate (NATO 'e' years, SIPRI blue figures)",
    "uncertain": "SIPRI marks the figure as highly uncertain (red)",
    "secondary": "restated by a secondary source (press, think tank), not the publisher's own file",
    "derived": "computed by milex from other figures",
    "projection": "IMF projection (a year after the series' last actual year)",
    "national_2pct_law": "NATO '*': the ally has a national law or agreement to spend at least 2% of GDP",
    "nato_footnote": "NATO '*' in an edition whose note gives it another meaning (see the edition)",
    "rounded": "the secondary source rounded the figure (e.g. to one decimal)",
    "national_plan": "an ally's announced plan, not a reported figure",
    "corrected": "milex corrected an evident publisher error (a named correction; see the origin)",
}

#: The mark beside a figure that carries a flag, and what the mark says in a legend: one
#: vocabulary for the terminal, the tables, the charts and the reports (in this order).
FLAG_MARKS: dict[str, tuple[str, str]] = {
    "estimate": ("e", "estimate"),
    "secondary": ("s", "secondary (a press report of the publisher's figure)"),
    "rounded": ("≈", "rounded in the source (at a threshold: counted apart, never as met)"),
    "uncertain": ("u", "highly uncertain (SIPRI)"),
    "projection": ("p", "projection"),
    "national_plan": ("n", "a national plan, not a reported figure"),
}
#: NATO's '*' beside an ally with a national law or agreement to spend at least 2% of GDP.
NATIONAL_LAW_MARK = ("*", "national 2% law")


def flag_marks(flags: str | Iterable[str] | None, only: Iterable[str] | None = None) -> str:
    """The marks of a figure's flags (``"estimate;secondary"`` gives ``"es"``), of those in
    ``only`` when given."""
    have = set(split_flags(flags)) if isinstance(flags, str) or flags is None else set(flags)
    keep = None if only is None else set(only)
    return "".join(
        mark for flag, (mark, _) in FLAG_MARKS.items()
        if flag in have and (keep is None or flag in keep)
    )  # fmt: skip


def mark_legend(flags: Iterable[str] | None = None, *, law: bool = False) -> str:
    """'e: estimate; s: secondary (...)' for ``flags`` (default: every flag with a mark)."""
    wanted = set(FLAG_MARKS) if flags is None else set(flags)
    parts = [f"{m}: {text}" for f, (m, text) in FLAG_MARKS.items() if f in wanted]
    if law:
        parts.append(f"{NATIONAL_LAW_MARK[0]}: {NATIONAL_LAW_MARK[1]}")
    return "; ".join(parts)


def split_flags(flags: str | None) -> list[str]:
    """A figure's ``;``-joined flags as a list (none for a missing value)."""
    if flags is None or is_missing(flags):
        return []
    return [f.strip() for f in str(flags).split(";") if f.strip()]


SOURCES: dict[str, str] = {
    "nato": "NATO, Defence Expenditure of NATO Countries",
    "sipri": "SIPRI Military Expenditure Database",
    "imf_weo": "IMF World Economic Outlook",
    "worldbank": "World Bank, World Development Indicators",
}


@dataclass(frozen=True)
class Measure:
    """One measure id: what it means and in which unit family publishers give it."""

    id: str
    #: What a reader sees instead of the id (tables, pages): the unit goes beside it.
    label: str
    unit: str
    definition: str
    publishers: str


MEASURES: tuple[Measure, ...] = (
    Measure(
        "milex_pct_gdp",
        "Defence expenditure, share of GDP",
        "percent",
        "Military (defence) expenditure as a share of GDP. NATO: share of real GDP at constant "
        "prices; SIPRI: share of current-price GDP.",
        "nato, sipri",
    ),
    Measure(
        "milex_lcu",
        "Defence expenditure, national currency",
        "national currency m",
        "Defence expenditure at current prices.",
        "nato, sipri",
    ),
    Measure(
        "milex_lcu_const",
        "Defence expenditure, national currency, constant prices",
        "national currency m constant <base>",
        "Defence expenditure at constant prices of the base year on the unit.",
        "nato",
    ),
    Measure(
        "milex_usd",
        "Defence expenditure, US dollars",
        "USD m",
        "Defence expenditure, current prices and exchange rates.",
        "nato, sipri",
    ),
    Measure(
        "milex_usd_const",
        "Defence expenditure, US dollars, constant prices",
        "USD m constant <base>",
        "Defence expenditure at constant prices and exchange rates of the base year.",
        "nato, sipri",
    ),
    Measure(
        "milex_real_change_pct",
        "Real change in defence expenditure on the year before",
        "percent",
        "Annual real change in defence expenditure.",
        "nato",
    ),
    Measure(
        "milex_real_change_since_2014_pct",
        "Real change in defence expenditure since 2014",
        "percent",
        "Real change in defence expenditure from 2014 to the year (NATO Table 4).",
        "nato",
    ),
    Measure(
        "milex_per_capita_usd",
        "Defence expenditure per head, US dollars",
        "USD",
        "Defence expenditure per capita, current US$.",
        "sipri",
    ),
    Measure(
        "milex_per_capita_usd_const",
        "Defence expenditure per head, US dollars, constant prices",
        "USD constant <base>",
        "Defence expenditure per capita at constant prices and exchange rates.",
        "nato",
    ),
    Measure(
        "milex_pct_govt",
        "Military expenditure, share of government spending",
        "percent",
        "Military expenditure as a share of general government expenditure.",
        "sipri",
    ),
    Measure(
        "equipment_pct",
        "Equipment, share of defence expenditure",
        "percent",
        "Major equipment and related R&D as a share of defence expenditure (Wales 20% guideline).",
        "nato",
    ),
    Measure(
        "personnel_pct",
        "Personnel, share of defence expenditure",
        "percent",
        "Personnel (military, civilian, pensions) as a share of defence expenditure.",
        "nato",
    ),
    Measure(
        "infrastructure_pct",
        "Infrastructure, share of defence expenditure",
        "percent",
        "Infrastructure (NATO common and national military construction) share of defence "
        "expenditure.",
        "nato",
    ),
    Measure(
        "other_pct",
        "Operations, maintenance and other, share of defence expenditure",
        "percent",
        "Operations, maintenance, other R&D and unallocated share of defence expenditure.",
        "nato",
    ),
    Measure(
        "mil_personnel", "Military personnel", "thousand persons", "Military personnel.", "nato"
    ),
    Measure(
        "gdp_lcu",
        "GDP, national currency",
        "national currency m",
        "GDP at current prices.",
        "imf_weo",
    ),
    Measure(
        "gdp_lcu_const",
        "GDP, national currency, constant prices",
        "national currency m constant <base>",
        "GDP at constant prices.",
        "imf_weo",
    ),
    Measure(
        "gdp_usd",
        "GDP, US dollars",
        "USD m",
        "GDP at current prices and exchange rates.",
        "nato, imf_weo, worldbank",
    ),
    Measure(
        "gdp_usd_const",
        "GDP, US dollars, constant prices",
        "USD m constant <base>",
        "GDP at constant prices and exchange rates.",
        "nato",
    ),
    Measure(
        "gdp_per_capita_usd",
        "GDP per head, US dollars",
        "USD",
        "GDP per capita, current US$.",
        "imf_weo",
    ),
    Measure(
        "gdp_per_capita_usd_const",
        "GDP per head, US dollars, constant prices",
        "USD thousand constant <base>",
        "GDP per capita at constant prices and exchange rates.",
        "nato",
    ),
    Measure(
        "gdp_ppp",
        "GDP at purchasing-power parity",
        "international USD m",
        "GDP at purchasing-power parity, current prices.",
        "imf_weo",
    ),
    Measure(
        "gdp_ppp_per_capita",
        "GDP per head at purchasing-power parity",
        "international USD",
        "GDP per capita at purchasing-power parity.",
        "imf_weo",
    ),
    Measure(
        "ppp_factor",
        "PPP conversion factor",
        "national currency per international USD",
        "PPP conversion factor for GDP.",
        "imf_weo, worldbank",
    ),
    Measure(
        "related_pct_gdp",
        "Defence- and security-related expenditure, share of GDP",
        "percent",
        "Defence- and security-related expenditure (the Hague 1.5% leg), share of GDP, where NATO "
        "publishes it.",
        "nato",
    ),
    Measure(
        "related_usd",
        "Defence- and security-related expenditure, US dollars",
        "USD m",
        "Defence- and security-related expenditure (the Hague 1.5% leg), current US$.",
        "nato",
    ),
    Measure(
        "gdp_real_growth_pct",
        "Real GDP growth",
        "percent",
        "Real GDP growth on the previous year.",
        "imf_weo",
    ),
    Measure(
        "gdp_deflator", "GDP deflator", "index <base>=100", "GDP deflator (index level).", "imf_weo"
    ),
    Measure(
        "inflation_gdp_deflator_pct",
        "Inflation (GDP deflator)",
        "percent",
        "Inflation measured by the GDP deflator.",
        "worldbank",
    ),
    Measure(
        "inflation_cpi_pct",
        "Consumer-price inflation",
        "percent",
        "Consumer-price inflation, annual average.",
        "imf_weo",
    ),
    Measure("population", "Population", "persons", "Total population.", "imf_weo, worldbank"),
    Measure(
        "govt_expenditure_lcu",
        "Government expenditure, national currency",
        "national currency m",
        "General government total expenditure.",
        "imf_weo",
    ),
    Measure(
        "govt_expenditure_pct_gdp",
        "Government expenditure, share of GDP",
        "percent",
        "General government total expenditure, % of GDP.",
        "imf_weo",
    ),
    Measure(
        "govt_revenue_pct_gdp",
        "Government revenue, share of GDP",
        "percent",
        "General government revenue, % of GDP.",
        "imf_weo",
    ),
    Measure(
        "govt_net_lending_pct_gdp",
        "Government net lending, share of GDP",
        "percent",
        "General government net lending (+) / borrowing (-), % of GDP.",
        "imf_weo",
    ),
    Measure(
        "govt_debt_pct_gdp",
        "Government gross debt, share of GDP",
        "percent",
        "General government gross debt, % of GDP.",
        "imf_weo",
    ),
)

MEASURE_IDS: frozenset[str] = frozenset(m.id for m in MEASURES)
_BY_ID: dict[str, Measure] = {m.id: m for m in MEASURES}


def measure_label(measure: str, unit: str | None = None) -> str:
    """A measure's human name with its unit ("Defence expenditure, share of GDP (%)"), for tables
    a reader sees; the unit given (a row's own, e.g. "USD m constant 2021") wins over the
    registry's family. An id the registry does not know is shown as it is."""
    found = _BY_ID.get(measure)
    name = found.label if found else measure
    shown = unit if unit is not None else (found.unit if found else "")
    shown = "%" if shown == "percent" else shown
    return f"{name} ({shown})" if shown else name


def join_flags(flags: set[str] | list[str] | tuple[str, ...]) -> str:
    """Flags as stored: sorted, unique, ';'-joined; unknown flags are a programming error."""
    unknown = set(flags) - FLAGS.keys()
    if unknown:
        raise ValueError(f"unknown flag(s): {sorted(unknown)}")
    return ";".join(sorted(set(flags)))


def is_missing(value: object) -> bool:
    """Whether a figure is absent: None or NaN (a float or NumPy NaN, pandas' NA). Zero is a
    figure, never missing; every view shows a missing figure as missing, never as 0."""
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN is the one value unequal to itself
    except (TypeError, ValueError):  # pandas' NA refuses to be a bool: it is missing
        return True
