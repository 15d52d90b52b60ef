"""What NATO's tables hold: each table's title pattern and the titled blocks inside it.

One catalogue serves every layout since the 2014-2024 edition: titles changed from "Defence
expenditure" to "Core defence expenditure" (2026), base years move with each edition and are read
from the sheet, never assumed. A title or block heading not listed here is an error, so a new edition
is supported by adding to this catalogue, never by guessing. Patterns are matched against text
already cleaned of stray spaces (``cells.clean``), case-insensitively, after any period suffix such
as "(2014-2026e)" is taken off a title (``title_text``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Block:
    """A titled block of rows inside a table: its heading pattern and what its numbers are."""

    heading: str  # regex, matched case-insensitively against the block's heading cell
    measure: str
    unit: str  # may contain {base}: the constant-price base year read from the sheet


@dataclass(frozen=True)
class TableSpec:
    """One table of the report: how to recognise its title and what its blocks hold."""

    number: str
    title: str  # regex on the text after "Table N:"
    blocks: tuple[Block, ...]
    untitled: bool = False  # a single block with no heading row (Table 7)
    required: bool = True  # every edition has it (1-3); optional tables are read when present


CORE = r"(core )?"
CONSTANT = r"^constant \(?\d{4}\)? prices"  # "Constant 2021 prices", "Constant (2021) prices"
SHARE_OF_GDP = r"^share of (real )?gdp"
TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        "1",
        rf"^{CORE}defence expenditure$",
        (
            Block(r"^current prices", "milex_lcu", "national currency m"),
            Block(CONSTANT, "milex_lcu_const", "national currency m constant {base}"),
        ),
    ),
    TableSpec(
        "2",
        rf"^{CORE}defence expenditure$",
        (
            Block(r"^current prices", "milex_usd", "USD m"),
            Block(CONSTANT, "milex_usd_const", "USD m constant {base}"),
        ),
    ),
    TableSpec(
        "3",
        rf"^{CORE}defence expenditure as a share of (real )?gdp",
        (
            Block(SHARE_OF_GDP, "milex_pct_gdp", "percent"),
            Block(r"^annual real change", "milex_real_change_pct", "percent"),
        ),
    ),
    TableSpec(
        "4",
        rf"^{CORE}defence expenditure real change (\d{{4}}) ?[-–] ?(\d{{4}}) ?e?$",
        (),
        required=False,
    ),
    TableSpec(
        "5",
        r"^gdp$",
        (
            Block(r"^current prices", "gdp_usd", "USD m"),
            Block(CONSTANT, "gdp_usd_const", "USD m constant {base}"),
        ),
        required=False,
    ),
    TableSpec(
        "6",
        rf"^gdp per capita and {CORE}defence expenditure per capita$",
        (
            Block(r"^gdp per capita", "gdp_per_capita_usd_const", "USD thousand constant {base}"),
            Block(
                rf"^{CORE}defence expenditure per capita",
                "milex_per_capita_usd_const",
                "USD constant {base}",
            ),
        ),
        required=False,
    ),
    TableSpec(
        "7",
        r"^military personnel$",
        (Block(r"", "mil_personnel", "thousand persons"),),
        untitled=True,
        required=False,
    ),
    TableSpec(
        "8a",
        rf"^distribution of {CORE}defence expenditure by main category$",
        (
            Block(r"^equipment", "equipment_pct", "percent"),
            Block(r"^personnel", "personnel_pct", "percent"),
        ),
        required=False,
    ),
    TableSpec(
        "8b",
        rf"^distribution of {CORE}defence expenditure by main category$",
        (
            Block(r"^infrastructure", "infrastructure_pct", "percent"),
            Block(r"^other", "other_pct", "percent"),
        ),
        required=False,
    ),
)
#: The Hague 1.5% leg: read if an edition publishes it, under whatever table number it gets.
RELATED = TableSpec(
    "related",
    r"^defence[- ]? and security[- ]related|^defence[- ]related",
    (
        Block(SHARE_OF_GDP, "related_pct_gdp", "percent"),
        Block(r"^current prices", "related_usd", "USD m"),
    ),
    required=False,
)
SPEC_BY_NUMBER = {t.number: t for t in TABLES}
#: "Table 3: ...", "Table 3 : ...", "Table 3. ...", "Table 3 - ...", "Table 3 – ...".
TITLE = re.compile(r"^table\s*(\d+[ab]?)\s*(?::|\.|\s[-–—])\s*(.+?)\s*$", re.IGNORECASE)
#: A period after a title or heading: "Defence expenditure (2014-2026e)".
PERIOD = re.compile(r"\s*\(\s*\d{4}\s*e?\s*[-–]\s*\d{4}\s*e?\s*\)\s*$", re.IGNORECASE)
#: The base year of a constant-price block: "2021 prices", "(2021) prices".
PRICES = re.compile(r"\(?(\d{4})\)?\s+prices", re.IGNORECASE)


def title_text(title: str) -> str:
    """A table's title without the period NATO may append to it."""
    return PERIOD.sub("", title).strip()


#: What the cover or contents sheet of an edition may say (no table on it).
PUBLICATION = re.compile(r"(defence (expenditure|investment) of nato countries)", re.IGNORECASE)
