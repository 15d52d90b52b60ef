"""Issue 33, items 1, 3 and 4: corrupted figures that used to build silently are refused.

Table-driven: each case corrupts the bundled snapshot's observations the way a damaged raw file
would (a whole edition, a country's series, a year, a scale error, lost colour flags) and asserts
that the checks refuse it naming the file and the cell, row or edition. Two full builds from the
real raw files check that the previous snapshot stays byte-identical.
"""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from milex.data import snapshot
from milex.data.checks import ChecksFailed, run_checks
from milex.data.checks import _magnitudes as magnitudes

PACKAGE = Path(snapshot.package_dir())


@pytest.fixture(scope="module")
def bundled() -> tuple[pd.DataFrame, list[dict]]:
    package = json.loads((PACKAGE / "datapackage.json").read_text())
    obs = pd.read_parquet(next(PACKAGE.glob("observations-*.parquet")))
    return obs, package["sources"]


def _drop(mask: Callable[[pd.DataFrame], pd.Series]) -> Callable[[pd.DataFrame], pd.DataFrame]:
    return lambda obs: obs[~mask(obs)]


def _set(source: str, iso3: str, year: int, measure: str, value: Callable[[float], float]):
    def corrupt(obs: pd.DataFrame) -> pd.DataFrame:
        obs = obs.copy()
        at = (
            (obs["source"] == source)
            & (obs["iso3"] == iso3)
            & (obs["year"] == year)
            & (obs["measure"] == measure)
        )
        assert at.sum() >= 1
        obs.loc[at, "value"] = obs.loc[at, "value"].map(value)
        return obs

    return corrupt


def _scale_series(source: str, iso3: str, measure: str, factor: float):
    """Every year of one series times ``factor``: no year jumps against its neighbours."""

    def corrupt(obs: pd.DataFrame) -> pd.DataFrame:
        at = (obs["source"] == source) & (obs["iso3"] == iso3) & (obs["measure"] == measure)
        assert at.sum() >= 10
        return obs.assign(value=obs["value"].where(~at, obs["value"] * factor))

    return corrupt


def _last_share_of(source: str, share: float):
    def corrupt(obs: pd.DataFrame) -> pd.DataFrame:
        rows = obs[obs["source"] == source].sort_values(["iso3", "measure"]).index
        return obs.drop(index=rows[int(len(rows) * (1 - share)) :])

    return corrupt


def _no_colours(obs: pd.DataFrame) -> pd.DataFrame:
    obs = obs.copy()
    sipri = obs["source"] == "sipri"
    obs.loc[sipri, "flags"] = obs.loc[sipri, "flags"].str.replace(
        r"\b(estimate|uncertain)\b;?", "", regex=True
    )
    return obs


def _half_the_estimates(obs: pd.DataFrame) -> pd.DataFrame:
    obs = obs.copy()
    rows = obs.index[(obs["source"] == "sipri") & (obs["flags"] == "estimate")]
    obs.loc[rows[::2], "flags"] = ""
    return obs


def _relabel(obs: pd.DataFrame) -> pd.DataFrame:
    obs = obs.copy()
    obs["edition"] = obs["edition"].replace("2025-04 (1949-2024)", "2025-04 (1949-2042)")
    return obs


IMF = "imf/weo_oct2025_selected_wide.csv"
WB_GDP = "worldbank/wdi_NY.GDP.MKTP.CD_gdp_current_usd.csv"
WB_POP = "worldbank/wdi_SP.POP.TOTL_population.csv"
NATO_XLSX = "nato/240617-def-exp-2024-TABLES-en.xlsx"
SIPRI_XLSX = "sipri/SIPRI-Milex-data-1949-2024_2.xlsx"
CURRENT_USD = "xl/worksheets/sheet6.xml"  # SIPRI's "Current US$" (Germany: row 168)
SIPRI_ED, NATO_ED = "2025-04 (1949-2024)", "2014-2024 (2024-06-17)"

# (case, corruption, check that refuses it, text the error must contain, shrink?)
CASES = [
    ("NATO's 2026 edition gone",
     _drop(lambda o: o["edition"] == "2014-2026 (2026-07)"), "count",
     ["nato/nato_2025_2026_editions_secondary.csv", "'2014-2026 (2026-07)': gone"], True),
    ("SIPRI's 2025 restatement gone",
     _drop(lambda o: o["edition"].str.startswith("2026-04")), "count",
     ["sipri/sipri_2025_top40_secondary_icaew.csv", "gone (36 figures"], True),
    ("every IMF figure for the USA gone",
     _drop(lambda o: (o["source"] == "imf_weo") & (o["iso3"] == "USA")), "count",
     [IMF, "every figure for USA is gone", "gdp_usd"], True),
    ("France's World Bank GDP gone",
     _drop(lambda o: (o["source"] == "worldbank") & (o["iso3"] == "FRA")
           & (o["measure"] == "gdp_usd")), "count",
     [WB_GDP, "every figure for FRA is gone in gdp_usd"], True),
    ("all of 2020's World Bank GDP gone",
     _drop(lambda o: (o["source"] == "worldbank") & (o["year"] == 2020)
           & (o["measure"] == "gdp_usd")), "count",
     ["worldbank gdp_usd 2020: 0 figures"], True),
    ("the last 3% of the IMF file gone", _last_share_of("imf_weo", 0.03), "count",
     [IMF, "every figure for"], True),
    ("an edition relabelled by a header typo", _relabel, "count",
     [SIPRI_XLSX, "new label(s) ['2025-04 (1949-2042)']"], True),
    ("SIPRI's colour flags lost", _no_colours, "flags",
     [SIPRI_XLSX, ": 0 figures marked 'estimate'", ": 0 figures marked 'uncertain'"], True),
    ("half of SIPRI's estimate flags lost", _half_the_estimates, "flags",
     [SIPRI_XLSX, "marked 'estimate', 354 expected from the previous snapshot"], True),
    ("US 2025 at US$ 954 trillion",
     _set("nato", "USA", 2024, "milex_usd", lambda v: 954e6), "range",
     [NATO_XLSX, "[TABLE2!N", "USA 2024 milex_usd = 9.54e+08"], False),
    ("France at 20.5% of GDP",
     _set("nato", "FRA", 2020, "milex_pct_gdp", lambda v: v * 10), "jump",
     [NATO_XLSX, "[TABLE3!", "FRA 2020 milex_pct_gdp"], False),
    ("France's population at 67.6 bn",
     _set("worldbank", "FRA", 2020, "population", lambda v: v * 1000), "range",
     [WB_POP, "[row ", "FRA 2020 population"], False),
    ("an IMF population of 0",
     _set("imf_weo", "DEU", 2010, "population", lambda v: 0.0), "range",
     [IMF, "DEU 2010 population = 0: must be above 0"], False),
    ("IMF GDP x10 in one year",
     _set("imf_weo", "ITA", 2015, "gdp_usd", lambda v: v * 10), "agreement",
     [IMF, WB_GDP, "ITA 2015 gdp_usd"], False),
    ("World Bank GDP x1000 for a whole series",
     lambda o: o.assign(value=o["value"].where(
         ~((o["source"] == "worldbank") & (o["iso3"] == "BEL") & (o["measure"] == "gdp_usd")),
         o["value"] / 1000)), "agreement",
     [IMF, WB_GDP, "BEL 2015 gdp_usd"], False),
    ("SIPRI current US$ x3 for one ally in every year",
     _scale_series("sipri", "DEU", "milex_usd", 3.0), "agreement",
     [SIPRI_XLSX + " [Current US$!BV168]", "DEU 2020 milex_usd", f"(sipri {SIPRI_ED!r})",
      f"(nato {NATO_ED!r}, {NATO_XLSX} [TABLE2!", "at most 2x apart"], False),
    ("SIPRI share of GDP x2.5 for one ally in every year",
     _scale_series("sipri", "FRA", "milex_pct_gdp", 2.5), "agreement",
     [SIPRI_XLSX + " [Share of GDP!", "FRA 2020 milex_pct_gdp", f"(sipri {SIPRI_ED!r})",
      f"(nato {NATO_ED!r}, {NATO_XLSX} [TABLE3!"], False),
]  # fmt: skip


@pytest.mark.parametrize(
    ("corrupt", "check", "says", "shrink"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_a_corruption_is_refused_naming_file_and_cell(bundled, corrupt, check, says, shrink):
    obs, sources = bundled
    with pytest.raises(ChecksFailed) as caught:
        run_checks(corrupt(obs), sources, obs)
    found = [str(v) for v in caught.value.violations if v.check == check]
    assert found, str(caught.value)
    for text in says:
        assert any(text in f for f in found), (text, found[:5])
    if shrink:  # --allow-shrink names what it lets through; it never lets a scale error through
        run_checks(corrupt(obs), sources, obs, allow_shrink=True)
    else:
        with pytest.raises(ChecksFailed):
            run_checks(corrupt(obs), sources, obs, allow_shrink=True)


def test_the_bundled_snapshot_passes_against_itself(bundled):
    obs, sources = bundled
    run_checks(obs, sources, obs)


def test_an_allow_list_entry_lets_exactly_its_cell_through(bundled, monkeypatch):
    obs, sources = bundled
    entries = magnitudes.allow_list()
    key = ("agreement", "imf_weo", "GHA", 1982, "gdp_usd")
    assert "official exchange rate" in entries[key]
    fewer = {k: v for k, v in entries.items() if k != key}
    monkeypatch.setattr(magnitudes, "allow_list", lambda: fewer)
    with pytest.raises(ChecksFailed, match=r"GHA 1982 gdp_usd = 70954 \(imf_weo 'WEO 2025-10'\)"):
        run_checks(obs, sources, obs)


def test_a_whole_series_scaled_is_beyond_the_jump_check_but_not_the_agreement_check(bundled):
    obs, sources = bundled
    corrupt = _scale_series("sipri", "DEU", "milex_usd", 3.0)(obs)
    files = {(s["source"], s["edition"]): s["path"] for s in sources}
    assert not magnitudes.jump_violations(corrupt, files)
    found = magnitudes.agreement_violations(corrupt, files)
    assert {v.message.split(" = ")[0] for v in found} == {
        f"DEU {year} milex_usd" for year in range(2014, 2025)
    }


def test_an_allow_list_entry_lets_a_documented_sipri_nato_outlier_through(bundled, monkeypatch):
    """SIPRI's Germany 2020 x3 passes only with its entry; the other years are still refused."""
    obs, sources = bundled
    corrupt = _scale_series("sipri", "DEU", "milex_usd", 3.0)(obs)
    key = ("agreement", "sipri", "DEU", 2020, "milex_usd")
    entries = {**magnitudes.allow_list(), key: "a documented outlier (test)"}
    monkeypatch.setattr(magnitudes, "allow_list", lambda: entries)
    with pytest.raises(ChecksFailed) as caught:
        run_checks(corrupt, sources, obs)
    said = {v.message.split(" = ")[0] for v in caught.value.violations}
    assert "DEU 2019 milex_usd" in said and "DEU 2020 milex_usd" not in said


@pytest.fixture(scope="module")
def raw_copy(tmp_path_factory, raw_dir) -> Path:
    raw = tmp_path_factory.mktemp("raw")
    shutil.copytree(raw_dir, raw, dirs_exist_ok=True)
    for path in raw.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return raw


def _scale_sipri_row(raw: Path, member: str, row: int, factor: float) -> None:
    """Multiply every figure of one row of a SIPRI sheet (its XML inside the workbook) by factor."""
    path = raw / SIPRI_XLSX
    with zipfile.ZipFile(path) as archive:
        parts = [(info, archive.read(info.filename)) for info in archive.infolist()]

    def scale(cell: re.Match[str]) -> str:
        return f"{cell.group(1)}<v>{float(cell.group(2)) * factor!r}</v>"

    def edit(xml: str) -> str:
        line = re.search(rf'<row r="{row}"[ >].*?</row>', xml, flags=re.S)
        assert line, row
        number = r'(<c r="(?:[C-Z]|[A-Z]{2})\d+"(?: s="\d+")?>)<v>([-\d.E]+)</v>'
        new, n = re.subn(number, scale, line.group(0))
        assert n >= 10, n
        return xml[: line.start()] + new + xml[line.end() :]

    path.unlink()  # the copy may be a hard link or read-only: write a new file
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in parts:
            if info.filename == member:
                data = edit(data.decode("utf-8")).encode("utf-8")
            archive.writestr(info, data)


def _state(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()}


def _keep_lines(path: Path, keep: Callable[[str], bool]) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join([lines[0], *filter(keep, lines[1:])]), encoding="utf-8")


@pytest.mark.parametrize(
    ("damage", "says"),
    [
        (lambda raw: _keep_lines(raw / "nato/nato_2025_2026_editions_secondary.csv",
                                 lambda line: "2014-2026" not in line),
         "nato edition '2014-2026 (2026-07)': gone"),
        (lambda raw: _keep_lines(raw / IMF, lambda line: not line.startswith("USA,")),
         "imf_weo: every figure for USA is gone"),
        (lambda raw: _scale_sipri_row(raw, CURRENT_USD, 168, 3.0),
         f"{SIPRI_XLSX} [Current US$!BV168]: DEU 2020 milex_usd = "),
    ],
    ids=["NATO 2026 edition removed", "IMF USA rows removed", "SIPRI's Germany x3 in US$"],
)  # fmt: skip
def test_a_build_from_damaged_raw_files_leaves_the_snapshot_byte_identical(
    raw_copy, tmp_path, damage, says
):
    out = tmp_path / "out"
    snapshot.build(raw_copy, out)
    before = _state(out)
    raw = tmp_path / "raw"
    shutil.copytree(raw_copy, raw)
    damage(raw)
    with pytest.raises(ChecksFailed, match=re.escape(says)):
        snapshot.build(raw, out)
    assert _state(out) == before
