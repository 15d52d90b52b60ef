"""A build or update never commits damaged data, and a commit is atomic (issue 11, items 5 and 6).

Every corrupted input fails with one message naming the file and the cell or row, listing every
problem at once, and leaves the previous snapshot byte-identical; a process killed with SIGKILL at
any stage of a commit leaves a snapshot that loads: the old one or the new one, never a mix.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

import milex
from milex.data import atomic, bundle, snapshot
from milex.data.checks import ChecksFailed
from milex.data.sources._common import frame, read_csv, row
from milex.errors import SnapshotError, SourceError

FILE = "nato/test-tables.xlsx"
EDITION = "2014-2024 (test)"
SOURCES = [
    {"name": "nato-test", "source": "nato", "edition": EDITION, "path": FILE, "retrieved": "2024"},
    {"name": "imf-test", "source": "imf_weo", "edition": "WEO test", "path": "imf/weo.csv"},
]


def nato_rows(share: float = 2.5, years: range = range(2020, 2025)) -> list[dict]:
    """NATO figures that satisfy NATO's identities: share = spending / GDP, categories sum to 100."""
    out = []
    for i, iso3 in enumerate(("POL", "DEU", "FRA")):
        for year in years:
            gdp = 1000.0 * (i + 1) + year - 2020
            r = 3 + i
            cells = {
                "gdp_usd_const": (gdp, "USD m constant 2015", f"TABLE5!B{r}"),
                "milex_usd_const": (gdp * share / 100, "USD m constant 2015", f"TABLE2!B{r}"),
                "milex_pct_gdp": (share, "percent", f"TABLE3!{'BCDEF'[year - 2020]}{r}"),
                "equipment_pct": (25.0, "percent", f"TABLE8a!B{r}"),
                "personnel_pct": (40.0, "percent", f"TABLE8a!C{r}"),
                "infrastructure_pct": (5.0, "percent", f"TABLE8b!B{r}"),
                "other_pct": (30.0, "percent", f"TABLE8b!C{r}"),
            }
            for measure, (value, unit, origin) in cells.items():
                out.append(row(iso3, year, measure, "nato", EDITION, value, unit, (), origin))
    return out


def imf_rows(n: int = 40) -> list[dict]:
    return [
        row("USA", 1990 + k, "gdp_usd", "imf_weo", "WEO test", 1e6 + k, "USD m", (), f"row {k + 2}")
        for k in range(n)
    ]


def observations(**changes: float) -> pd.DataFrame:
    return frame(nato_rows(**changes) + imf_rows())


def countries_csv() -> bytes:
    return bundle.countries_path().read_bytes()


def commit(directory: Path, obs: pd.DataFrame, **kwargs) -> dict:
    return snapshot.write_snapshot(directory, obs, countries_csv(), SOURCES, **kwargs)


def state(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def with_value(obs: pd.DataFrame, iso3: str, year: int, measure: str, value: float) -> pd.DataFrame:
    obs = obs.copy()
    hit = (obs["iso3"] == iso3) & (obs["year"] == year) & (obs["measure"] == measure)
    assert hit.sum() == 1
    obs.loc[hit, "value"] = value
    return obs


@pytest.fixture
def committed(tmp_path: Path) -> Path:
    directory = tmp_path / "snap"
    commit(directory, observations())
    return directory


# -- checks before any commit ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("iso3", "year", "measure", "value", "cell", "says"),
    [
        ("POL", 2024, "milex_pct_gdp", 205.0, "TABLE3!F3", "= 205 outside [0, 100]"),
        ("DEU", 2023, "gdp_usd_const", -2000.0, "TABLE5!B4", "= -2000 outside >= 0"),
        ("FRA", 2022, "equipment_pct", 120.0, "TABLE8a!B5", "outside [0, 100]"),
        ("USA", 1995, "gdp_usd", float("nan"), "row 7", "not a finite number"),
        ("USA", 1996, "gdp_usd", float("inf"), "row 8", "not a finite number"),
    ],
)
def test_an_implausible_figure_fails_naming_file_and_cell_and_the_snapshot_is_untouched(
    committed, iso3, year, measure, value, cell, says
):
    before = state(committed)
    with pytest.raises(ChecksFailed) as caught:
        commit(committed, with_value(observations(), iso3, year, measure, value))
    message = str(caught.value)
    assert f"[{cell}]" in message and says in message
    assert ("imf/weo.csv" if iso3 == "USA" else FILE) in message
    assert state(committed) == before


def test_every_violation_is_listed_in_one_error(committed):
    obs = with_value(observations(), "POL", 2024, "milex_pct_gdp", 205.0)
    obs = with_value(obs, "DEU", 2023, "gdp_usd_const", -1.0)
    obs = pd.concat([obs, obs[(obs["iso3"] == "FRA") & (obs["year"] == 2021)].head(1)])
    with pytest.raises(ChecksFailed) as caught:
        commit(committed, obs)
    checks = sorted(v.check for v in caught.value.violations)
    assert checks == ["duplicates", "range", "range"]
    assert str(caught.value).count("\n- ") == 3


def test_two_rows_resolving_to_one_country_are_an_error_naming_both_cells(committed):
    obs = observations()
    twin = obs[(obs["iso3"] == "POL") & (obs["measure"] == "milex_pct_gdp") & (obs["year"] == 2024)]
    twin = twin.assign(origin="TABLE3!F9")
    with pytest.raises(
        ChecksFailed, match=r"POL 2024 milex_pct_gdp \(cells TABLE3!F3, TABLE3!F9\)"
    ):
        commit(committed, pd.concat([obs, twin]))


def test_a_known_outlier_passes_only_within_its_allowed_range(tmp_path):
    kuwait = [row("KWT", 1991, "milex_pct_gdp", "sipri", "S", 117.35, "percent", (), "Share!AS190")]
    commit(tmp_path / "a", frame(nato_rows() + kuwait))
    ten_times = [{**kuwait[0], "value": 1173.5}]
    with pytest.raises(ChecksFailed, match=r"KWT 1991 milex_pct_gdp = 1173.5 outside \[0, 100\]"):
        commit(tmp_path / "b", frame(nato_rows() + ten_times))


def test_a_source_losing_more_than_5_percent_of_its_figures_needs_allow_shrink(committed):
    before = state(committed)
    smaller = frame(nato_rows() + imf_rows(37))  # 40 -> 37 IMF figures: -7.5%
    with pytest.raises(ChecksFailed, match=r"imf_weo: 142 figures, 145|imf_weo.*-7\.5%"):
        commit(committed, smaller)
    assert state(committed) == before
    commit(committed, frame(nato_rows() + imf_rows(39)))  # -2.5%: within the threshold
    commit(committed, smaller, allow_shrink=True)
    assert len(pd.read_parquet(snapshot.read_package(committed)[0])) == len(smaller)


# -- receipts ----------------------------------------------------------------------------------
def receipts_of(package: dict) -> dict[str, dict]:
    entry = next(s for s in package["sources"] if s["edition"] == EDITION)
    return {r["check"]: r for r in entry["receipts"]}


def test_receipts_record_nato_identities_per_edition(committed):
    package = json.loads((committed / snapshot.DATAPACKAGE).read_text())
    found = receipts_of(package)
    assert found["share_of_gdp"]["status"] == "passed"
    assert found["share_of_gdp"]["checked"] == 15
    assert found["category_shares"] == {**found["category_shares"], "status": "passed", "failed": 0}
    assert "receipts" not in next(s for s in package["sources"] if s["source"] == "imf_weo")


def test_a_broken_identity_is_reported_with_where_it_failed_but_is_not_fatal(tmp_path):
    obs = with_value(observations(), "FRA", 2022, "milex_pct_gdp", 2.51)  # 0.01 pp off
    found = receipts_of(commit(tmp_path, obs))
    share = found["share_of_gdp"]
    assert (share["status"], share["failed"]) == ("failed", 1)
    failure = share["failures"][0]
    assert (failure["iso3"], failure["year"]) == ("FRA", 2022)
    assert failure["cells"].startswith("TABLE3!D5")
    assert failure["published"] == 2.51 and failure["computed"] == 2.5


def test_a_gross_receipt_failure_means_a_misread_file_and_is_fatal(committed):
    before = state(committed)
    obs = with_value(observations(), "DEU", 2021, "personnel_pct", 80.0)  # categories sum to 140
    with pytest.raises(ChecksFailed, match=r"test-tables.xlsx \[TABLE8a!B4.*category_shares"):
        commit(committed, obs)
    assert state(committed) == before


# -- input hardening ---------------------------------------------------------------------------
def test_a_csv_whose_last_line_is_cut_is_an_error_naming_file_and_row(tmp_path):
    path = tmp_path / "figures.csv"
    path.write_bytes(b"iso3,year,value\nPOL,2024,4.1\nDEU,2024,2.1\nFRA,20")
    with pytest.raises(SourceError, match=r"figures.csv \[row 4\]: last line is cut: 2 of the"):
        read_csv(path)
    path.write_bytes(b"iso3,year,value\nPOL,2024,4.1\nFRA,2024,2.0")  # complete, no newline
    assert len(read_csv(path)) == 2


def test_an_unterminated_quote_is_an_error_naming_its_row(tmp_path):
    path = tmp_path / "figures.csv"
    path.write_bytes(b'iso3,name,value\nPOL,Poland,4.1\nDEU,"Germany,2.1\nFRA,France,2.0\n')
    with pytest.raises(SourceError, match=r"figures.csv \[row 3\]: cannot parse CSV"):
        read_csv(path)


def test_a_build_from_a_cut_csv_fails_and_leaves_the_snapshot_byte_identical(raw_dir, tmp_path):
    import shutil

    raw = tmp_path / "raw"
    shutil.copytree(raw_dir, raw, ignore=shutil.ignore_patterns("*.rda"))
    target = raw / "sipri/sipri_2025_top40_secondary_icaew.csv"
    data = target.read_bytes().rstrip(b"\n")
    target.chmod(0o644)
    target.write_bytes(data[: data.rfind(b",")])
    out = tmp_path / "out"
    commit(out, observations())
    before = state(out)
    with pytest.raises(SourceError, match=r"sipri_2025_top40_secondary_icaew.csv \[row \d+\]"):
        snapshot.build(raw, out)
    assert state(out) == before


RSS_PROBE = textwrap.dedent(
    """
    import resource, sys
    resource.setrlimit(resource.RLIMIT_AS, (1 << 31, 1 << 31))  # fail fast instead of swapping
    from pathlib import Path
    from milex.errors import SourceError
    from milex.data.sources._common import open_workbook
    try:
        wb = open_workbook(Path(sys.argv[1]), styles=sys.argv[2] == "styles")
        cells = sum(len(r) for ws in wb.worksheets for r in ws.iter_rows(values_only=True))
        wb.close()
        print("cells", cells)
    except SourceError as exc:
        print("error", exc)
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forking parent (pytest)
    peak = next(l for l in open("/proc/self/status") if l.startswith("VmHWM:"))
    print("rss_mb", int(peak.split()[1]) // 1024)
    """
)


def probe(path: Path, styles: bool) -> dict[str, str]:
    """Open a workbook in a fresh process; its output and peak resident memory."""
    done = subprocess.run(
        [sys.executable, "-c", RSS_PROBE, str(path), "styles" if styles else "plain"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return dict(line.split(" ", 1) for line in done.stdout.splitlines())


@pytest.mark.parametrize("styles", [False, True], ids=["read-only", "with-styles"])
def test_a_stray_cell_at_xfd1048576_is_read_in_bounded_memory(tmp_path, styles):
    import openpyxl
    from openpyxl.styles import Font

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "TABLE3"
    for r in range(1, 41):
        for c in range(1, 15):
            ws.cell(r, c, r * c)
    ws["XFD1048576"].font = Font(bold=True)  # formatted, empty: the sheet claims 16k x 1M cells
    formatted = tmp_path / "formatted.xlsx"
    wb.save(formatted)
    ws["XFD1048576"] = "stray"
    valued = tmp_path / "valued.xlsx"
    wb.save(valued)

    clean = probe(formatted, styles)
    assert clean["cells"] == str(40 * 14)
    assert int(clean["rss_mb"]) < 400, clean
    stray = probe(valued, styles)
    assert stray["error"].startswith("valued.xlsx [TABLE3!XFD1048576]: stray cell(s) far outside")
    assert int(stray["rss_mb"]) < 400, stray


# -- atomic commits ----------------------------------------------------------------------------
def test_files_are_content_addressed_and_found_through_the_descriptor(committed):
    package = json.loads((committed / snapshot.DATAPACKAGE).read_text())
    names = {r["name"]: r["path"] for r in package["resources"]}
    assert names["observations"].startswith("observations-")
    assert names["observations"].endswith(".parquet")
    assert names["countries"].startswith("countries-")
    assert sorted(state(committed)) == sorted([snapshot.DATAPACKAGE, *names.values()])
    ds = milex.load(str(committed))
    assert ds.path.name == names["observations"]
    assert ds.registry.name("POL") == "Poland"


def test_a_damaged_countries_file_is_a_clear_error(committed):
    package = json.loads((committed / snapshot.DATAPACKAGE).read_text())
    countries = committed / package["resources"][1]["path"]
    countries.write_bytes(countries.read_bytes().replace(b"Poland", b"Polnad"))
    with pytest.raises(SnapshotError, match=r"snapshot damaged: sha256 of .*countries-"):
        milex.load(str(committed))


def test_the_previous_snapshot_is_kept_and_older_files_removed(committed):
    first = (committed / snapshot.DATAPACKAGE).read_bytes()
    commit(committed, observations(share=2.6))
    assert (committed / snapshot.PREVIOUS).read_bytes() == first
    path, _ = snapshot.read_package(committed, descriptor=snapshot.PREVIOUS)
    assert set(pd.read_parquet(path).query("measure == 'milex_pct_gdp'")["value"]) == {2.5}
    commit(committed, observations(share=2.7))
    names = set(state(committed))
    assert len([n for n in names if n.startswith("observations-")]) == 2
    assert path.name not in names  # the first snapshot's data went with its descriptor


def test_the_package_directory_keeps_no_previous_copy(tmp_path, monkeypatch):
    registry = countries_csv()
    memberships = (snapshot.package_dir() / "memberships.csv").read_bytes()
    (tmp_path / "memberships.csv").write_bytes(memberships)
    monkeypatch.setattr(snapshot, "package_dir", lambda: tmp_path)
    for share in (2.5, 2.6):
        snapshot.write_snapshot(tmp_path, observations(share=share), registry, SOURCES)
    assert not (tmp_path / snapshot.PREVIOUS).exists()
    assert len([n for n in state(tmp_path) if n.startswith("observations-")]) == 1
    assert (tmp_path / "memberships.csv").read_bytes() == memberships


def test_rebuilding_from_the_same_inputs_gives_identical_bytes(tmp_path):
    commit(tmp_path / "a", observations())
    commit(tmp_path / "b", observations())
    assert state(tmp_path / "a") == state(tmp_path / "b")


@pytest.mark.parametrize("interrupt", [KeyboardInterrupt, OSError])
def test_an_interrupted_commit_removes_its_temporary_files(committed, monkeypatch, interrupt):
    before = state(committed)

    def broken(obs, path):
        path.write_bytes(b"half a parquet file")
        raise interrupt("interrupted")

    monkeypatch.setattr(snapshot, "write_parquet", broken)
    with pytest.raises(interrupt):
        commit(committed, observations(share=2.6))
    assert state(committed) == before


KILLED_COMMIT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    import pandas as pd
    from tests.test_integrity import SOURCES, countries_csv, observations
    from milex.data import snapshot
    snapshot.write_snapshot(Path(sys.argv[1]), observations(share=2.6), countries_csv(), SOURCES)
    """
)


@pytest.mark.parametrize("stage", atomic.STAGES)
def test_kill_9_at_each_stage_of_a_commit_leaves_a_loadable_snapshot(committed, stage):
    old = (committed / snapshot.DATAPACKAGE).read_bytes()
    env = {**os.environ, atomic.FAULT_ENV: stage}
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-c", KILLED_COMMIT, str(committed)], cwd=root, env=env, timeout=120
    )
    assert done.returncode == -signal.SIGKILL
    path, _ = snapshot.read_package(committed)  # verifies every file against its sha256
    shares = set(pd.read_parquet(path).query("measure == 'milex_pct_gdp'")["value"])
    if stage == "committed":
        assert shares == {2.6}
    else:
        assert shares == {2.5}
        assert (committed / snapshot.DATAPACKAGE).read_bytes() == old
    commit(committed, observations(share=2.7))  # the next commit sweeps what the kill left
    assert not [n for n in state(committed) if n.endswith(".tmp")]
    assert len([n for n in state(committed) if n.startswith("observations-")]) == 2
