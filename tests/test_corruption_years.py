"""Corruption suite, years (issue 33, items 2 and 7): a year axis or an observation's year that
would put a figure in the wrong year is refused, naming the file and cell; a refused build leaves
the previous snapshot byte-identical; an unexpected failure names the file it was reading.

Each case edits a copy of a real raw file (the SIPRI sheet XML inside the workbook, a line of a
CSV) and calls the parser directly; two full builds show the refusal end to end.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from milex.cli import app
from milex.data.sources import imf, sipri, worldbank
from milex.data.sources._common import naming
from milex.data.sources._years import bounds, check_axis, edition_year
from milex.errors import SourceError

SIPRI = sipri.RESOURCE.path
IMF = imf.RESOURCE.path
WB_GDP = worldbank.INDICATORS[0]
SHARE_OF_GDP = "xl/worksheets/sheet7.xml"  # "Share of GDP": header row 6, C6 = 1949 ... BZ6 = 2024
CURRENT_USD = "xl/worksheets/sheet6.xml"  # "Current US$": same header


def edit_zip(src: Path, dst: Path, member: str, change: Callable[[str], str]) -> Path:
    """A copy of the workbook with one member's XML changed (everything else byte for byte)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == member:
                new = change(data.decode("utf-8"))
                assert new != data.decode("utf-8"), "the edit changed nothing"
                data = new.encode("utf-8")
            zout.writestr(info, data)
    return dst


def header_cell(ref: str, value: str | None) -> Callable[[str], str]:
    """Set (or, with None, remove) one numeric header cell such as BZ6."""

    def change(xml: str) -> str:
        pattern = rf'<c r="{ref}"( [^>]*)?><v>[^<]*</v></c>'
        assert re.search(pattern, xml), ref
        if value is None:
            return re.sub(pattern, "", xml, count=1)
        return re.sub(pattern, rf'<c r="{ref}"\1><v>{value}</v></c>', xml, count=1)

    return change


def both(*changes: Callable[[str], str]) -> Callable[[str], str]:
    def change(xml: str) -> str:
        for step in changes:
            xml = step(xml)
        return xml

    return change


def swap_columns(left: str, right: str, first_row: int = 8) -> Callable[[str], str]:
    """Swap the values of two data columns on every row from first_row, keeping the header."""

    def change(xml: str) -> str:
        def swap_row(m: re.Match[str]) -> str:
            row_xml, r = m.group(0), int(m.group(1))
            if r < first_row:
                return row_xml
            a = re.search(rf'<c r="{left}{r}"[^>]*?(?:/>|>.*?</c>)', row_xml)
            b = re.search(rf'<c r="{right}{r}"[^>]*?(?:/>|>.*?</c>)', row_xml)
            if not a or not b:
                return row_xml
            new_a = b.group(0).replace(f'r="{right}{r}"', f'r="{left}{r}"')
            new_b = a.group(0).replace(f'r="{left}{r}"', f'r="{right}{r}"')
            return (
                row_xml[: a.start()]
                + new_a
                + row_xml[a.end() : b.start()]
                + new_b
                + (row_xml[b.end() :])
            )

        return re.sub(r'<row r="(\d+)".*?</row>', swap_row, xml, flags=re.S)

    return change


# (case id, sheet member, change, cell the error must name, words it must say)
SIPRI_CASES = [
    ("typo-2042", SHARE_OF_GDP, header_cell("BZ6", "2042"), "Share of GDP!BZ6", "2042"),
    ("typo-2204", SHARE_OF_GDP, header_cell("BY6", "2204"), "Share of GDP!BY6", "2204"),
    ("year-1800", CURRENT_USD, header_cell("C6", "1800"), "Current US$!C6", "1800"),
    (
        "swapped-years",
        SHARE_OF_GDP,
        both(header_cell("BX6", "2023"), header_cell("BY6", "2022")),
        "Share of GDP!BX6",
        "2021",
    ),
    (
        "gap",
        CURRENT_USD,
        both(header_cell("BY6", "2024"), header_cell("BZ6", "2025")),
        "Current US$!BY6",
        "skips",
    ),
    ("blank-year-cell", SHARE_OF_GDP, header_cell("BM6", None), "Share of GDP!BM6", "contiguous"),
    ("short-header", CURRENT_USD, header_cell("BZ6", None), "Current US$!BZ", "header"),
    (
        "data-columns-swapped",
        CURRENT_USD,
        swap_columns("BX", "BY"),
        "Current US$!BX6:BY6",
        "2022 and 2023 look swapped",
    ),
    (
        "old-data-columns-swapped",
        SHARE_OF_GDP,
        swap_columns("AQ", "AR"),
        "Share of GDP!AQ6:AR6",
        "1989 and 1990 look swapped",
    ),
]


@pytest.fixture(scope="module")
def sipri_src(raw_dir: Path) -> Path:
    return raw_dir / SIPRI


@pytest.mark.parametrize(
    ("member", "change", "cell", "words"),
    [c[1:] for c in SIPRI_CASES],
    ids=[c[0] for c in SIPRI_CASES],
)
def test_a_sipri_year_header_that_would_misplace_figures_is_refused(
    sipri_src, tmp_path, registry, member, change, cell, words
):
    bad = edit_zip(sipri_src, tmp_path / sipri_src.name, member, change)
    with pytest.raises(SourceError) as caught:
        sipri.parse_workbook(bad, registry)
    message = str(caught.value)
    assert caught.value.path == str(bad)
    assert message.startswith(f"{bad.name} [{cell}"), message
    assert words in message, message


def test_a_sipri_header_typo_never_relabels_the_edition(sipri_src, tmp_path, registry):
    """The edition's span comes from the Share of GDP header: a typo there must not become
    '2025-04 (1949-2042)'; it is refused before any label is made."""
    bad = edit_zip(sipri_src, tmp_path / sipri_src.name, SHARE_OF_GDP, header_cell("BZ6", "2042"))
    with pytest.raises(SourceError, match="1949-2025"):
        sipri.parse_workbook(bad, registry)


def _edit_csv(src: Path, dst: Path, change: Callable[[list[str]], list[str]]) -> Path:
    lines = src.read_text(encoding="utf-8").splitlines(keepends=True)
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_text("".join(change(lines)), encoding="utf-8")
    return dst


def imf_header(old: str, new: str) -> Callable[[list[str]], list[str]]:
    def change(lines: list[str]) -> list[str]:
        assert old in lines[0]
        return [lines[0].replace(old, new, 1), *lines[1:]]

    return change


IMF_CASES = [
    ("typo-2204", imf_header(",2024,", ",2204,"), "header, column 53", "2204"),
    ("swapped-years", imf_header(",2019,2020,", ",2020,2019,"), "header, column 48", "2020"),
    ("past-horizon", imf_header(",2030", ",2037"), "header, column 59", "2037"),
    ("year-1800", imf_header(",1980,", ",1800,"), "header, column 9", "1800"),
]


@pytest.mark.parametrize(
    ("change", "cell", "words"), [c[1:] for c in IMF_CASES], ids=[c[0] for c in IMF_CASES]
)
def test_an_imf_year_header_that_would_misplace_figures_is_refused(
    raw_dir, tmp_path, registry, change, cell, words
):
    bad = _edit_csv(raw_dir / IMF, tmp_path / "weo.csv", change)
    with pytest.raises(SourceError) as caught:
        imf.parse(bad, registry)
    assert str(caught.value).startswith(f"weo.csv [{cell}]"), str(caught.value)
    assert words in str(caught.value)


def test_imf_data_columns_swapped_under_a_correct_header_are_refused(raw_dir, tmp_path, registry):
    """2019's and 2020's figures exchanged on every row, the header left as it was."""
    import csv

    with (raw_dir / IMF).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    a, b = rows[0].index("2019"), rows[0].index("2020")
    for rec in rows[1:]:
        rec[a], rec[b] = rec[b], rec[a]
    bad = tmp_path / "weo.csv"
    with bad.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    with pytest.raises(SourceError, match=r"^weo.csv \[header, columns 48-49\]: .*2019 and 2020"):
        imf.parse(bad, registry)


def wb_year(country: str, year: str, new: str) -> Callable[[list[str]], list[str]]:
    """Change the year of one country's row (e.g. France's 2020 GDP becomes 9999)."""

    def change(lines: list[str]) -> list[str]:
        hits = [i for i, line in enumerate(lines) if f",{country},{year}," in line]
        assert len(hits) == 1
        out = list(lines)
        out[hits[0]] = out[hits[0]].replace(f",{country},{year},", f",{country},{new},")
        return out

    return change


@pytest.mark.parametrize("year", ["1800", "2205", "9999"])
def test_a_world_bank_figure_for_an_impossible_year_is_refused(raw_dir, tmp_path, registry, year):
    src = raw_dir / WB_GDP.resource.path
    bad_dir = tmp_path / "raw"
    target = bad_dir / WB_GDP.resource.path
    _edit_csv(src, target, wb_year("FRA", "2020", year))
    line = next(i for i, t in enumerate(target.read_text().splitlines(), 1) if f",FRA,{year}," in t)
    with pytest.raises(SourceError) as caught:
        worldbank.parse(bad_dir, WB_GDP, registry)
    assert str(caught.value).startswith(f"{target.name} [row {line}]: year {year}"), str(
        caught.value
    )


def test_the_year_axis_check_itself():
    cells = [(f"X{i}", y) for i, y in enumerate((2020, 2021, 2022))]
    check_axis(cells, Path("f.csv"), "sipri", "2022-04")
    for years, cell in (
        ((2020, 2022, 2023), "X1"),
        ((2021, 2020, 2022), "X1"),
        ((2020, 2020), "X1"),
    ):
        with pytest.raises(SourceError, match=rf"\[{cell}\]"):
            check_axis([(f"X{i}", y) for i, y in enumerate(years)], Path("f.csv"), "sipri", 2025)
    with pytest.raises(SourceError, match=r"\[X2\].*skips years.*2023"):
        check_axis([*cells[:2], ("X2", 2023)], Path("f.csv"), "sipri", 2025)
    assert bounds("imf_weo", "WEO 2025-10") == (1980, 2031)
    assert bounds("sipri", "2025-04 (1949-2042)") == (1949, 2025)  # the date wins over the span
    assert edition_year("WDI SP.POP.TOTL (datasets/population 2026-03-06)") == 2026
    assert edition_year("no date at all") is None


# --- end to end: the CLI refuses, names file and cell, and the previous snapshot is untouched ---


def _files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def built(raw_dir, tmp_path_factory):
    """A copy of the raw directory and a snapshot built from it."""
    base = tmp_path_factory.mktemp("years-build")
    raw, out = base / "raw", base / "out"
    shutil.copytree(raw_dir, raw)
    for path in raw.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    result = CliRunner().invoke(app, ["data", "build", "--raw", str(raw), "--output", str(out)])
    assert result.exit_code == 0, result.output
    return raw, out


@pytest.mark.parametrize("case", ["sipri-2042", "worldbank-9999"])
def test_a_refused_build_names_the_cell_and_keeps_the_snapshot(built, tmp_path, case):
    raw, out = built
    before = _files(out)
    if case == "sipri-2042":
        target = raw / SIPRI
        original = target.read_bytes()
        edit_zip(Path(shutil.copy(target, tmp_path / "orig.xlsx")), target, SHARE_OF_GDP,
                 header_cell("BZ6", "2042"))  # fmt: skip
        expected = "[Share of GDP!BZ6]"
    else:
        target = raw / WB_GDP.resource.path
        original = target.read_bytes()
        _edit_csv(Path(shutil.copy(target, tmp_path / "orig.csv")), target,
                  wb_year("FRA", "2020", "9999"))  # fmt: skip
        expected = "[row "
    try:
        result = CliRunner().invoke(app, ["data", "build", "--raw", str(raw), "--output", str(out)])
    finally:
        target.write_bytes(original)
    assert result.exit_code != 0
    message = " ".join(result.output.split())
    assert target.name in message and expected in message, message
    assert "1949-2042" not in message and "unexpected" not in message
    assert _files(out) == before


def test_an_unexpected_failure_names_the_file_it_was_reading(built, monkeypatch):
    """Item 7: no 'unexpected <Exception> while handling <folders>' line; the file is named."""
    raw, out = built
    before = _files(out)

    def broken(rows):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(worldbank, "frame", broken)
    result = CliRunner().invoke(app, ["data", "build", "--raw", str(raw), "--output", str(out)])
    assert result.exit_code != 0
    message = " ".join(result.output.split())
    assert "while handling" not in message, message
    assert WB_GDP.resource.path.split("/")[-1] in message and "ZeroDivisionError" in message
    assert _files(out) == before


def test_naming_picks_the_file_a_reader_was_on(raw_dir, registry, monkeypatch):
    """The innermost milex frame's ``path`` names the file, inside a folder given to naming()."""

    def broken(rows):
        raise KeyError("column")

    monkeypatch.setattr(sipri, "frame", broken)
    inner = raw_dir / sipri.SECONDARY.path
    with pytest.raises(SourceError) as caught, naming(raw_dir / "sipri"):
        sipri.parse_secondary(inner, registry)
    assert caught.value.path == str(inner)
    assert "KeyError" in str(caught.value)
