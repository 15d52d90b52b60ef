"""Plausible deviations of NATO's 2025 and 2026 workbooks, as tables of cases for the tests.

Each case starts from a workbook ``nato_layouts.build_workbook`` writes and changes one thing NATO's
real files do (or might do). ``TOLERATED`` cases must parse to the figures of the unchanged workbook,
transformed by ``expect`` (figures dropped, flags changed), with a warning matching ``warns`` when
given. ``STRICT`` cases would put a wrong number in the data and must fail naming sheet and cell.

Row numbers are those of ``build_workbook``: in every table the title is row 1, the unit row 2, the
first block heading row 4, its year row 5 (2014 in column B), allies from row 6 in NATO's order
(Poland row 27), then the aggregates; the second block's heading follows a blank row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .nato_layouts import ALLIES, figures

Edit = Callable[[Any], None]
POLAND = 27  # Poland's row in each first block
HEADING_2 = 40  # second block's heading row in Tables 2, 3, 5 (Table 1 has no aggregates: 38)
SHEETS = ("Table 1", "Table 2", "Table 3", "Table 5", "Table 6", "Table 7", "Table 8a", "Table 8b")


@dataclass(frozen=True)
class Case:
    """One deviation: how the workbook is built and edited, and what parsing it must give."""

    id: str
    edit: Edit | None = None
    layout: str = "2026"
    build: dict[str, Any] = field(default_factory=dict)
    expect: Callable[[pd.DataFrame], pd.DataFrame] = lambda frame: frame
    warns: str | None = None  # regex a NatoWarning must match
    check: Callable[[pd.DataFrame], None] | None = None
    error: str = ""  # STRICT: regex the SourceError must match (naming sheet and cell)


# --- edits -------------------------------------------------------------------------------------
def each_sheet(change: Callable[[Any], None], sheets: tuple[str, ...] = SHEETS) -> Edit:
    def edit(workbook: Any) -> None:
        for name in sheets:
            if name in workbook.sheetnames:
                change(workbook[name])

    return edit


def texts(change: Callable[[str], str], column: str = "A") -> Callable[[Any], None]:
    """Apply ``change`` to every text cell of a column."""

    def edit(sheet: Any) -> None:
        for c in sheet[column]:
            if isinstance(c.value, str):
                c.value = change(c.value)

    return edit


def replace(old: str, new: str, sheets: tuple[str, ...] = SHEETS, exact: bool = False) -> Edit:
    """Text ``old`` replaced by ``new`` in every cell of the sheets (whole cell if ``exact``)."""

    def change(sheet: Any) -> None:
        for line in sheet.iter_rows():
            for c in line:
                if isinstance(c.value, str) and (c.value == old if exact else old in c.value):
                    c.value = new if exact else c.value.replace(old, new)

    return each_sheet(change, sheets)


def cells(sheet: str, values: dict[str, Any]) -> Edit:
    def edit(workbook: Any) -> None:
        for ref, value in values.items():
            workbook[sheet][ref] = value

    return edit


def year_rows(change: Callable[[Any], None]) -> Edit:
    """Apply ``change`` to every year row (column A empty, 2014 in column B)."""

    def edit(sheet: Any) -> None:
        for line in sheet.iter_rows():
            if line[0].value is None and len(line) > 1 and line[1].value == 2014:
                change(line)

    return each_sheet(edit)


def years(change: Callable[[Any], Any]) -> Edit:
    """Apply ``change`` to every year cell."""

    def edit(line: Any) -> None:
        for c in line[1:]:
            c.value = change(c.value)

    return year_rows(edit)


def insert_row(sheet: str, before: int, values: list[Any]) -> Edit:
    def edit(workbook: Any) -> None:
        workbook[sheet].insert_rows(before)
        for col, value in enumerate(values, start=1):
            workbook[sheet].cell(before, col).value = value

    return edit


def both(*edits: Edit) -> Edit:
    def edit(workbook: Any) -> None:
        for one in edits:
            one(workbook)

    return edit


def notes_sheet(*lines: str) -> Edit:
    def edit(workbook: Any) -> None:
        sheet = workbook.create_sheet("Notes")
        for line in lines:
            sheet.append([line])

    return edit


def contents_sheet(workbook: Any) -> None:
    sheet = workbook.create_sheet("Contents", 0)
    sheet.append(["Defence Investment of NATO Countries (2014-2026)"])
    sheet.append(["Contents"])
    for page, name in enumerate(workbook.sheetnames[1:], start=3):
        sheet.append([workbook[name]["A1"].value, page])


def remove(*names: str) -> Edit:
    def edit(workbook: Any) -> None:
        for name in names:
            workbook.remove(workbook[name])

    return edit


def extra_table(workbook: Any) -> None:
    sheet = workbook.create_sheet("Table 10")
    for line in (
        ["Table 10: Defence expenditure by service"],
        ["Million US dollars"],
        [],
        ["Army"],
        [None, 2025, "2026e"],
        ["Poland", 9000.5, 9100.25],
    ):
        sheet.append(line)


def blank_column(sheet: str, columns: str, first: int, last: int, marker: Any = None) -> Edit:
    """The cells of ``columns`` (letters) in rows first..last made ``marker`` (empty)."""
    return cells(sheet, {f"{c}{r}": marker for c in columns for r in range(first, last + 1)})


# --- expectations ------------------------------------------------------------------------------
def without(**where: Any) -> Callable[[pd.DataFrame], pd.DataFrame]:
    """The baseline without the rows matching every condition (a value, or a set of values)."""

    def expect(frame: pd.DataFrame) -> pd.DataFrame:
        mask = pd.Series(True, index=frame.index)
        for column, value in where.items():
            values = value if isinstance(value, set | frozenset) else {value}
            mask &= frame[column].isin(values)
        return frame[~mask]

    return expect


def reflagged(iso3: set[str], old: str, new: str, origin: str = "") -> Callable[..., pd.DataFrame]:
    def expect(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.copy()
        rows = frame["iso3"].isin(iso3) & frame["origin"].str.startswith(origin)
        frame.loc[rows, "flags"] = frame.loc[rows, "flags"].str.replace(old, new, regex=False)
        return frame

    return expect


TWO_PCT = (
    "* These Allies have national laws or political agreements which call for 2% of GDP or more "
    "to be spent on defence annually."
)
REVISED = ("CZE", "DNK", "EST", "FIN", "LVA", "LTU", "NLD", "NOR", "POL", "ROU", "SWE")
ICELAND = ["Iceland", *([".."] * 13)]


def star_revised(workbook: Any) -> None:
    """The 2025 file's '*' on eleven allies whose figures were revised (Table 3)."""
    names = {label for iso3, label, _ in ALLIES if iso3 in REVISED}
    for c in workbook["Table 3"]["A"]:
        if c.value in names:
            c.value += "*"


def _edition_notes_hold(text: str) -> Callable[[pd.DataFrame], None]:
    def check(obs: pd.DataFrame) -> None:
        assert text in obs.attrs["edition"]["notes"]

    return check


def _star_is(start: str) -> Callable[[pd.DataFrame], None]:
    def check(obs: pd.DataFrame) -> None:
        assert obs.attrs["edition"]["star"].startswith(start), obs.attrs["edition"]["star"]

    return check


def _cumulative_read(obs: pd.DataFrame) -> None:
    rows = obs[obs["measure"] == "milex_real_change_since_2014_pct"]
    assert len(rows) == len(ALLIES) and set(rows["flags"]) <= {"estimate", "estimate;nato_footnote"}
    poland = rows[rows["iso3"] == "POL"].iloc[0]
    assert poland["value"] == figures("2026")[("POL", 2026, "milex_real_change_since_2014_pct")]
    assert poland["year"] == 2026 and poland["unit"] == "percent"


TOLERATED: tuple[Case, ...] = (
    Case(
        "free text under the data, no 'Notes:'",
        both(
            replace("Notes: Figures for 2025 and 2026", "Figures for 2025 and 2026"),
            each_sheet(lambda s: s.append(["The cut-off date for these figures was 3 July 2026."])),
            each_sheet(lambda s: s.append(["Source: NATO"])),
        ),
        check=_edition_notes_hold("cut-off date for these figures was 3 July 2026"),
    ),
    Case(
        "a note line between two blocks",
        insert_row("Table 2", HEADING_2, ["Note: current prices use market exchange rates."]),
    ),
    Case("Table 4 read", build={"table4": True}, check=_cumulative_read),
    Case(
        "notes in Table 4, in any form",
        both(
            replace("Notes: Figures", "Figures", sheets=("Table 4",)),
            lambda wb: wb["Table 4"].append(["Real change is computed at constant 2021 prices."]),
            lambda wb: wb["Table 4"].append(["(1) Iceland has no armed forces."]),
        ),
        build={"table4": True},
        check=_cumulative_read,
    ),
    Case(
        "non-breaking and doubled spaces in titles",
        each_sheet(texts(lambda t: t.replace(": ", ":\u00a0 ").replace(" e", "  e", 1))),
    ),
    Case(
        "titles in capitals", each_sheet(lambda s: setattr(s["A1"], "value", s["A1"].value.upper()))
    ),
    Case(
        "block headings with stray spaces, non-breaking spaces and any case",
        both(
            replace("Current prices", " CURRENT\u00a0prices ", exact=False),
            replace("Share of real GDP (%)", "share of real  GDP (%)\u00a0", exact=True),
        ),
    ),
    Case(
        "year labels '2025E' and '2026 E'",
        years(lambda v: v.replace("e", "E") if isinstance(v, str) else v),
    ),
    Case(
        "year labels '2025 e' with a non-breaking space",
        years(lambda v: v.replace("e", "\u00a0e") if isinstance(v, str) else v),
    ),
    Case("years written as text", years(lambda v: v if v is None else str(v))),
    Case(
        "'Country' heading the year rows",
        year_rows(lambda line: setattr(line[0], "value", "Country")),
    ),
    Case(
        "titles 'Table N – ...' and 'Table N. ...'",
        each_sheet(
            lambda s: setattr(
                s["A1"], "value", s["A1"].value.replace(": ", " – " if "8" in s.title else ". ", 1)
            )
        ),
    ),
    Case(
        "a period suffix on titles",
        each_sheet(lambda s: setattr(s["A1"], "value", s["A1"].value + " (2014-2026e)")),
    ),
    Case("'Share of GDP (%)' without 'real'", replace("Share of real GDP (%)", "Share of GDP (%)")),
    Case("'Constant (2021) prices'", replace("Constant 2021 prices", "Constant (2021) prices")),
    Case(
        "a star after the currency", replace("Slovenia* (Euros)", "Slovenia (Euros)*", exact=True)
    ),
    Case(
        "a star and spaces before the currency",
        replace("Slovenia* (Euros)", "Slovenia *  (Euros)", exact=True),
    ),
    Case(
        "'..', '-' and blank text as missing (before accession: no warning)",
        cells("Table 3", {"B14": "..", "C14": "-", "D14": " ", "E14": "\u00a0", "B33": "–"}),
        expect=lambda f: without(
            iso3="FIN", year={2014, 2015, 2016, 2017}, measure="milex_pct_gdp"
        )(without(iso3="SWE", year=2014, measure="milex_pct_gdp")(f)),
    ),
    Case(
        "Iceland rows with '..' and with empty cells",
        both(insert_row("Table 3", 20, ICELAND), insert_row("Table 1", 20, ["Iceland (Krónur)"])),
    ),
    Case(
        "aggregates spelled differently",
        both(
            replace("NATO Europe and Canada", "NATO Europe & Canada", sheets=("Table 3",)),
            replace("NATO Total", "Total NATO", sheets=("Table 3",)),
            replace("NATO Europe and Canada", "European Allies and Canada", sheets=("Table 2",)),
            replace("NATO Total", "NATO total (32 Allies)", sheets=("Table 2",)),
        ),
    ),
    Case(
        "an aggregate milex does not know is skipped with a warning naming it",
        replace("NATO Europe and Canada", "NATO Europe", sheets=("Table 3",), exact=True),
        expect=without(iso3="NATO_EU_CA", measure="milex_pct_gdp"),
        warns=r"Table 3!A37: aggregate 'NATO Europe' is not one milex knows",
    ),
    Case("a cover sheet", build={"cover": True}, check=_star_is("Slovenia")),
    Case("a contents sheet", contents_sheet),
    Case(
        "a notes sheet",
        notes_sheet("Notes and definitions", "Defence expenditure is defined as..."),
    ),
    Case(
        "optional tables absent",
        remove("Table 5", "Table 6", "Table 7", "Table 8a", "Table 8b"),
        expect=without(
            measure={
                "gdp_usd",
                "gdp_usd_const",
                "gdp_per_capita_usd_const",
                "milex_per_capita_usd_const",
                "mil_personnel",
                "equipment_pct",
                "personnel_pct",
                "infrastructure_pct",
                "other_pct",
            }
        ),
    ),
    Case(
        "an unknown extra table is skipped with a warning naming it",
        extra_table,
        warns=r"sheet 'Table 10'.*Table 10: 'Defence expenditure by service'.*skipped",
    ),
    Case(
        "Germany's 2025e blank in every table (2025 edition)",
        layout="2025",
        build={
            "overrides": {
                (k[0], k[1], k[2]): None for k in figures("2025") if k[:2] == ("DEU", 2025)
            }
        },
        expect=without(iso3="DEU", year=2025),
        warns=r"Germany \(DEU\) has no figure, kept as missing: milex_pct_gdp 2025 \(Table 3!M16\)",
    ),
    Case(
        "one ally's share '..'",
        cells("Table 3", {f"N{POLAND}": ".."}),
        expect=without(iso3="POL", year=2026, measure="milex_pct_gdp"),
        warns=rf"Poland \(POL\) has no figure, kept as missing: milex_pct_gdp 2026 \(Table 3!N{POLAND}\)",
    ),
    Case(
        "an ally row with no figures",
        blank_column("Table 3", "BCDEFGHIJKLMN", POLAND, POLAND),
        expect=without(iso3="POL", measure="milex_pct_gdp"),
        warns=r"Poland \(POL\) has no figure, kept as missing: milex_pct_gdp 2014-2026 \(Table 3!B27\)",
    ),
    Case(
        "the '*' note says the national 2% law",
        build={"note": TWO_PCT},
        expect=reflagged({"SVN"}, "nato_footnote", "national_2pct_law"),
        check=_star_is("These Allies have national laws"),
    ),
    Case(
        "a '*' no note explains is an unexplained footnote, never the 2% law",
        build={"note": None},
        check=_star_is("unexplained"),
    ),
    Case(
        "the '*' explained on a notes sheet only",
        notes_sheet("Notes", TWO_PCT),
        build={"note": None},
        expect=reflagged({"SVN"}, "nato_footnote", "national_2pct_law"),
    ),
    Case(
        "eleven allies starred for revised figures (2025 edition)",
        star_revised,
        layout="2025",
        build={"note": "* Figures revised since the previous edition."},
        expect=lambda f: _add_flag(f, set(REVISED), "nato_footnote", "Table 3!"),
        check=_star_is("Figures revised"),
    ),
)


def _add_flag(frame: pd.DataFrame, iso3: set[str], flag: str, origin: str) -> pd.DataFrame:
    frame = frame.copy()
    rows = frame["iso3"].isin(iso3) & frame["origin"].str.startswith(origin)
    frame.loc[rows, "flags"] = [
        ";".join(sorted({*filter(None, f.split(";")), flag})) for f in frame.loc[rows, "flags"]
    ]
    return frame


STRICT: tuple[Case, ...] = (
    Case("a number right of the year columns", cells("Table 3", {f"O{POLAND}": 3.1}),
         error=rf"Table 3!B5.*number at O{POLAND} outside the year columns"),
    Case("a number two columns away from the year columns", cells("Table 3", {f"Q{POLAND}": 3.1}),
         error=rf"Table 3!B5.*number at Q{POLAND} outside the year columns"),
    Case("a year row that skips", cells("Table 3", {"E5": 2019}),
         error=r"Table 3!E5.*strictly increasing by one: 2016 then 2019"),
    Case("a year row that repeats", cells("Table 3", {"F5": 2017}),
         error=r"Table 3!F5.*2017 then 2017"),
    Case("a year row that repeats an estimate year", cells("Table 3", {"N5": "2025E"}),
         error=r"Table 3!N5.*2025 then 2025"),
    Case("an ally twice in a block", cells("Table 3", {"A7": "Albania"}),
         error=r"Table 3!A7.*ALB appears twice"),
    Case("an ally twice, spelled otherwise", cells("Table 2", {"A7": "ALBANIA*"}),
         error=r"Table 2!A7.*ALB appears twice"),
    Case("text in a number cell", cells("Table 3", {f"N{POLAND}": "n/a"}),
         error=rf"Table 3!N{POLAND}.*expected a number, found 'n/a'"),
    Case("a figure with a footnote mark, as text", cells("Table 3", {f"M{POLAND}": "4.1*"}),
         error=rf"Table 3!M{POLAND}.*found '4.1\*'"),
    Case("a decimal comma, as text", cells("Table 1", {f"M{POLAND}": "1234,5"}),
         error=rf"Table 1!M{POLAND}.*found '1234,5'"),
    Case("a share of GDP out of range", cells("Table 3", {f"N{POLAND}": 250.0}),
         error=rf"Table 3!N{POLAND}.*milex_pct_gdp = 250 is outside its plausible range"),
    Case("negative spending", cells("Table 2", {f"C{POLAND}": -5.0}),
         error=rf"Table 2!C{POLAND}.*milex_usd = -5 is outside"),
    Case("a category share over 100%", cells("Table 8a", {f"D{POLAND}": 140.0}),
         error=rf"Table 8a!D{POLAND}.*equipment_pct = 140"),
    Case("a share-of-GDP year in which every ally is blank", blank_column("Table 3", "N", 6, 36),
         error=r"Table 3!N6.*no ally has a share of GDP for 2026"),
    Case("a block whose allies are all missing", each_sheet(
        lambda s: [setattr(c, "value", None) for line in s.iter_rows(min_row=42, max_row=72, min_col=2)
                   for c in line], ("Table 2",)),
         error=r"Table 2!A40.*no ally has a figure in milex_usd_const"),
    Case("figures in a row without a label", cells("Table 3", {f"A{POLAND}": None}),
         error=rf"Table 3!B{POLAND}.*numbers in a row without a country label"),
    Case("an unknown heading with figures below it", cells("Table 2", {f"A{HEADING_2}": "PPP prices"}),
         error=rf"Table 2!A{HEADING_2}.*unknown block heading 'PPP prices'"),
    Case("Table 4 disagreeing with Table 3", cells("Table 4", {f"F{POLAND - 1}": 9.99}),
         build={"table4": True}, error=rf"Table 4.*Table 4!F{POLAND - 1}=9.99 vs milex_pct_gdp POL 2026"),
)  # fmt: skip
