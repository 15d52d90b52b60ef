"""NATO's spending guidelines as data (Wales 2014, Vilnius 2023, The Hague 2025) and their evaluation.

Each guideline is a record, not a code branch: a new pledge is a new row. Status is evaluated
against a figure for one ally and year: ``met``, ``not met``, ``not applicable`` (the guideline was
not yet adopted, or the ally has no armed forces) or ``no data``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

MET, NOT_MET, NOT_APPLICABLE, NO_DATA = "met", "not met", "not applicable", "no data"
#: A figure its source rounded to exactly the threshold: the true value may lie either side.
AT_ROUNDED = "at threshold (rounded in the source)"


@dataclass(frozen=True)
class Guideline:
    """One quantitative commitment."""

    id: str
    summit: str
    adopted: date
    metric: str  # measure id the threshold applies to
    threshold: float  # in the metric's unit (percent)
    kind: str  # "at least" (a floor to meet) or "up to" (a ceiling on what may count)
    deadline: int | None  # year by which to reach it; None: applies at once
    summary: str  # milex's own paraphrase of the commitment
    source: str  # where the wording is: document and paragraph, with URL

    @property
    def adopted_year(self) -> int:
        return self.adopted.year


WALES = "https://www.nato.int/cps/en/natohq/official_texts_112964.htm"
VILNIUS = "https://www.nato.int/cps/en/natohq/official_texts_217320.htm"
HAGUE = "https://www.nato.int/cps/en/natohq/official_texts_236705.htm"

GUIDELINES: tuple[Guideline, ...] = (
    Guideline(
        "wales_2pct",
        "Wales 2014",
        date(2014, 9, 5),
        "milex_pct_gdp",
        2.0,
        "at least",
        2024,
        "Allies below 2% of GDP on defence stop cuts, raise spending in real terms as GDP grows, "
        "and aim to move towards 2% within a decade.",
        f"Wales Summit Declaration, 5 September 2014, paragraph 14 ({WALES})",
    ),
    Guideline(
        "wales_20pct_equipment",
        "Wales 2014",
        date(2014, 9, 5),
        "equipment_pct",
        20.0,
        "at least",
        2024,
        "Allies spending less than 20% of their defence budgets on major equipment, including "
        "related research and development, aim to reach 20% within a decade.",
        f"Wales Summit Declaration, 5 September 2014, paragraph 14 ({WALES})",
    ),
    Guideline(
        "vilnius_2pct_floor",
        "Vilnius 2023",
        date(2023, 7, 11),
        "milex_pct_gdp",
        2.0,
        "at least",
        None,
        "An enduring commitment to invest at least 2% of GDP annually on defence; in many cases "
        "more than 2% will be needed. 2% is a floor, not a ceiling.",
        f"Vilnius Summit Communiqué, 11 July 2023, paragraph 27 ({VILNIUS})",
    ),
    Guideline(
        "hague_core_3_5pct",
        "The Hague 2025",
        date(2025, 6, 25),
        "milex_pct_gdp",
        3.5,
        "at least",
        2035,
        "At least 3.5% of GDP a year on core defence requirements, on NATO's agreed definition of "
        "defence expenditure, by 2035, with annual plans on a credible, incremental path; "
        "trajectory and balance reviewed in 2029.",
        f"The Hague Summit Declaration, 25 June 2025, paragraphs 2-3 ({HAGUE})",
    ),
    Guideline(
        "hague_related_1_5pct",
        "The Hague 2025",
        date(2025, 6, 25),
        "defence_related_pct_gdp",
        1.5,
        "up to",
        2035,
        "Up to 1.5% of GDP a year on defence- and security-related spending (critical "
        "infrastructure, networks, civil preparedness and resilience, innovation, the defence "
        "industrial base), by 2035.",
        f"The Hague Summit Declaration, 25 June 2025, paragraph 3 ({HAGUE})",
    ),
    Guideline(
        "hague_total_5pct",
        "The Hague 2025",
        date(2025, 6, 25),
        "total_pledge_pct_gdp",
        5.0,
        "at least",
        2035,
        "5% of GDP a year by 2035: the two categories above together.",
        f"The Hague Summit Declaration, 25 June 2025, paragraph 2 ({HAGUE})",
    ),
)
BY_ID = {g.id: g for g in GUIDELINES}


def guideline(guideline_id: str) -> Guideline:
    """A guideline by id; an unknown id is an error listing the known ones."""
    from milex.errors import MilexError

    try:
        return BY_ID[guideline_id]
    except KeyError:
        raise MilexError(f"unknown guideline {guideline_id!r}; known: {', '.join(BY_ID)}") from None


def status(
    value: float | None,
    rule: Guideline,
    year: int,
    *,
    applicable: bool = True,
    rounded: bool = False,
) -> str:
    """Status of one figure against a guideline in a year.

    A guideline applies from the year it was adopted (Wales 2014, Vilnius 2023); targets with a
    deadline are judged on the level reached so far, so an ally already at 3.5% has met the
    Hague core target. An "up to" guideline is a ceiling on what may count, so it is met when the
    figure is positive and not above it. A ``rounded`` figure equal to a floor at its precision
    (Denmark's 2026 "3.5") is ``AT_ROUNDED``, never met: the unrounded value may be below it.
    """
    if not applicable or year < rule.adopted_year:
        return NOT_APPLICABLE
    if value is None or value != value:
        return NO_DATA
    if rule.kind == "up to":
        return MET if 0 < value <= rule.threshold else NOT_MET
    return level(value, rule.threshold, rounded=rounded)


def level(value: float, threshold: float, *, rounded: bool = False) -> str:
    """The one rule for a share against a floor (2%, 3.5%, a plan's line): ``MET`` at or above
    it, ``NOT_MET`` below, ``AT_ROUNDED`` when a figure the source rounded only touches it
    (Denmark's 2026 "3.5": the unrounded value may be below). Every count, status, band and
    reach year judges a level with this."""
    if rounded and at_rounded(value, threshold):
        return AT_ROUNDED
    return MET if value >= threshold - LEVEL_TOLERANCE else NOT_MET


#: A computed line (a path's share for a year) carries float noise: a level this close to it is on it.
LEVEL_TOLERANCE = 1e-9


def at_rounded(value: float, threshold: float) -> bool:
    """Whether a rounded ``value`` could stand for a true value on either side of ``threshold``.

    A figure rounded to d decimals stands for [value - 0.5 ulp, value + 0.5 ulp); only a value
    equal to the threshold at its own precision straddles it (3.5 does for 3.5%, 3.6 does not).
    The precision is read from the shortest decimal form of the value, which can only widen the
    interval (a "3.50" stored as 3.5 is read as one decimal), never hide a straddle.
    """
    return bool(abs(value - threshold) < 0.5 * 10 ** -_decimals(value))


def _decimals(value: float) -> int:
    text = repr(float(value))
    if "e" in text or "." not in text:
        return 0
    return len(text.split(".")[1].rstrip("0"))


def spending_gap(spending: float, share_pct: float, threshold_pct: float) -> float:
    """Extra spending that lifts ``share_pct`` of GDP to ``threshold_pct``, in spending's unit.

    GDP is implied by spending / share, so the gap is spending x (threshold / share - 1): on
    NATO's constant-price measure this is exact for the year's money. Zero when already met.
    """
    if share_pct <= 0:
        raise ValueError(f"share of GDP must be positive, got {share_pct}")
    return max(0.0, spending * (threshold_pct / share_pct - 1.0))
