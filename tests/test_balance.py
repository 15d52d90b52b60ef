"""Threat balance: bloc totals at market and PPP rates, user overlays, and the errors around them."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

import milex
from milex.analysis.balance import PPP_CAVEAT, threat_balance
from milex.cli import analyses
from milex.data.overlay import OverlayError, read_overlay
from milex.data.registry import default_registry
from milex.data.schema import COLUMNS
from milex.data.store import Dataset
from milex.errors import MilexError

runner = CliRunner()
OVERLAY_HEADER = "country,year,measure,value,unit,source,flags\n"


@pytest.fixture(autouse=True)
def bundled_snapshot(monkeypatch):
    """The CLI reads $MILEX_DATA_DIR; these tests are about the bundled snapshot."""
    monkeypatch.delenv("MILEX_DATA_DIR", raising=False)


def cli(*args: str):
    app = typer.Typer()
    analyses.register(app)
    return runner.invoke(app, list(args))


def value(frame: pd.DataFrame, **where) -> float:
    rows = frame
    for column, wanted in where.items():
        rows = rows[rows[column] == wanted]
    assert len(rows) == 1, where
    return float(rows["value"].iloc[0])


def make_dataset(tmp_path: Path, rows: list[tuple]) -> Dataset:
    """A tiny snapshot from (iso3, year, measure, source, value[, unit[, flags]]) tuples."""
    records = []
    for iso3, year, measure, source, figure, *rest in rows:
        unit = rest[0] if rest else "USD m"
        flags = rest[1] if len(rest) > 1 else ""
        records.append((iso3, year, measure, source, f"{source} test", figure, unit, flags, "test"))
    frame = pd.DataFrame(records, columns=list(COLUMNS))
    path = tmp_path / "observations.parquet"
    frame.to_parquet(path, index=False)
    package = {"sources": [], "resources": [{"rows": len(frame)}]}
    return Dataset(path, package, default_registry())


def write_overlay(tmp_path: Path, body: str, name: str = "prk_estimate.csv") -> Path:
    path = tmp_path / name
    path.write_text(OVERLAY_HEADER + body, encoding="utf-8")
    return path


# ----------------------------------------------------------------------------------------------
def test_russia_2024_ppp_total_exceeds_market_total_by_market_rate_over_ppp_factor(dataset):
    result = threat_balance(dataset, "RUS", "both", (2024, 2024))
    totals = result.frame()
    market = value(totals, bloc="RUS", basis="mer_current")
    ppp = value(totals, bloc="RUS", basis="ppp")
    assert ppp > market

    def one(measure, source):
        return float(dataset.series(measure, "RUS", source, 2024)["value"].iloc[0])

    factor = one("ppp_factor", "imf_weo")
    imf_rate = one("gdp_lcu", "imf_weo") / one("gdp_usd", "imf_weo")
    assert ppp / market == pytest.approx(imf_rate / factor, rel=0.01)
    # SIPRI's own rate (its local-currency over its US$ figure), in millions like the US$ sheet
    lcu, usd = one("milex_lcu", "sipri"), one("milex_usd", "sipri")
    scale = 10 ** (3 * round(math.log10(lcu / usd / imf_rate) / 3))
    assert ppp / market == pytest.approx((lcu / scale / usd) / factor, rel=1e-9)
    assert ppp / market > 3  # the rouble buys three times as much at home as at market rates
    assert PPP_CAVEAT in result.notes and "not a military PPP" in PPP_CAVEAT


def test_world_bank_ppp_factor_can_replace_the_imf_one(dataset):
    imf = threat_balance(dataset, "RUS", "ppp", 2024).frame()
    bank = threat_balance(dataset, "RUS", "ppp", 2024, ppp_source="worldbank").frame()
    factor = {
        s: float(dataset.series("ppp_factor", "RUS", s, 2024)["value"].iloc[0])
        for s in ("imf_weo", "worldbank")
    }
    assert value(bank, basis="ppp") / value(imf, basis="ppp") == pytest.approx(
        factor["imf_weo"] / factor["worldbank"], rel=1e-12
    )


def test_bloc_totals_follow_membership_year_by_year_and_leave_iceland_out(dataset):
    totals = threat_balance(dataset, "NATO", "mer", (2022, 2024)).frame()
    usd = dataset.series("milex_usd", None, "sipri", (2022, 2024), include_secondary=False)
    for year, members in ((2022, 29), (2023, 30), (2024, 31)):
        row = totals[(totals["year"] == year) & (totals["basis"] == "mer_current")].iloc[0]
        allies = set(default_registry().members("NATO", year)) - {"ISL"}
        expected = usd[usd["iso3"].isin(allies) & (usd["year"] == year)]["value"].sum()
        assert row["members"] == members == len(allies)
        assert row["value"] == pytest.approx(expected, rel=1e-12)
        assert row["excluded"] == "ISL" and row["status"] == "complete"
    registry = default_registry()
    assert "FIN" in registry.members("NATO", 2023) and "FIN" not in registry.members("NATO", 2022)


def test_ratios_are_each_bloc_over_the_four(dataset):
    result = threat_balance(dataset, "NATO,CRINK", "both", (2020, 2024))
    ratios = result.ratios("NATO")
    assert len(ratios) == 15 and set(ratios["basis"]) == {"mer_current", "mer_constant", "ppp"}
    assert (ratios["ratio"] == ratios["numerator_value"] / ratios["reference_value"]).all()
    assert set(ratios["reference_status"]) == {"partial"}  # North Korea has no figures


def test_north_korea_without_an_overlay_is_no_data_not_zero(dataset):
    result = threat_balance(dataset, "PRK,CRINK", "both", (2023, 2024))
    totals = result.frame()
    prk = totals[totals["bloc"] == "PRK"]
    assert set(prk["status"]) == {"no data"} and prk["value"].isna().all()
    crink = totals[totals["bloc"] == "CRINK"]
    assert set(crink["status"]) == {"partial"} and set(crink["missing"]) == {"PRK"}
    assert any(n.startswith("PRK: no data") and "never 0" in n for n in result.notes)
    shown = cli("compare", "--blocs", "NATO,RUS,CHN,IRN,PRK", "--from", "2024", "--to", "2024")
    assert shown.exit_code == 0, shown.output
    assert "no data" in shown.stdout and "not a military PPP" in shown.stdout


def test_sipri_figures_marked_highly_uncertain_are_used_only_on_request(dataset):
    default = threat_balance(dataset, "PRK", "mer", (2015, 2015)).frame()
    assert value(default, basis="mer_current") != value(default, basis="mer_current")  # NaN
    used = threat_balance(dataset, "PRK", "mer", (2015, 2015), include_uncertain=True)
    row = used.frame().query("basis == 'mer_current'").iloc[0]
    sipri = dataset.series("milex_usd", "PRK", "sipri", 2015)["value"].iloc[0]
    assert row["value"] == pytest.approx(sipri) and "uncertain" in row["flags"]


def test_a_north_korea_overlay_changes_the_four_country_total_and_is_labelled(dataset, tmp_path):
    path = write_overlay(tmp_path, 'PRK,2024,milex_usd,4000,USD m,"analyst estimate",estimate\n')
    overlay = read_overlay(path)
    before = threat_balance(dataset, "CRINK,PRK", "mer", 2024).frame()
    after_result = threat_balance(dataset, "CRINK,PRK", "mer", 2024, overlays=[overlay])
    after = after_result.frame()
    crink = dict(bloc="CRINK", basis="mer_current")
    assert value(after, **crink) == pytest.approx(value(before, **crink) + 4000)
    row = after[(after["bloc"] == "PRK") & (after["basis"] == "mer_current")].iloc[0]
    assert row["user_data"] == "PRK" and row["status"] == "complete"
    assert (
        after[(after["bloc"] == "CRINK") & (after["basis"] == "mer_current")].iloc[0]["user_data"]
        == "PRK"
    )
    used = after_result.countries.query("iso3 == 'PRK'")
    assert list(used["source"]) == ["user:prk_estimate"]
    assert any(
        "User data (user:prk_estimate" in n and "analyst estimate" in n for n in after_result.notes
    )
    # the constant-US$ basis has no user figure, so it stays partial
    assert after.query("bloc == 'CRINK' and basis == 'mer_constant'").iloc[0]["status"] == "partial"


def test_an_overlay_can_give_a_ppp_figure_and_replaces_the_publishers(dataset, tmp_path):
    body = (
        'PRK,2024,milex_lcu,3000000,national currency m,"kpw estimate",estimate\n'
        'PRK,2024,ppp_factor,1000,national currency per international USD,"own factor",\n'
        'RUS,2024,milex_usd,200000,USD m,"own estimate",\n'
    )
    overlay = read_overlay(write_overlay(tmp_path, body, "mine.csv"))
    result = threat_balance(dataset, "PRK,RUS", "both", 2024, overlays=[overlay])
    totals = result.frame()
    assert value(totals, bloc="PRK", basis="ppp") == pytest.approx(3000.0)
    assert value(totals, bloc="RUS", basis="mer_current") == 200000
    assert any("RUS 2024 milex_usd: sipri figure replaced by user data" in n for n in result.notes)


def test_unit_check_rejects_a_mislabelled_edition(tmp_path):
    rows = []
    for iso3 in ("USA", "DEU", "FRA"):
        rows += [
            (iso3, 2024, "milex_usd", "sipri", 1000.0),
            (iso3, 2024, "milex_lcu", "sipri", 1000.0 * 1e6, "national currency m"),
            (iso3, 2024, "gdp_usd", "imf_weo", 1e5),
            (iso3, 2024, "gdp_lcu", "imf_weo", 1e5, "national currency m"),
            (iso3, 2024, "ppp_factor", "imf_weo", 1.0, "national currency per international USD"),
        ]
    ds = make_dataset(tmp_path, rows)
    with pytest.raises(MilexError, match=r"10\^6 times their stated unit"):
        threat_balance(ds, "USA,DEU,FRA", "ppp", 2024)


def test_unit_check_leaves_out_a_figure_in_another_currency(tmp_path):
    rows = []
    for iso3, rate, ppp in (
        ("USA", 1.0, 1.0),
        ("DEU", 0.9, 0.7),
        ("FRA", 0.9, 0.72),
        ("HRV", 0.9, 0.5),
    ):
        usd = 1000.0
        lcu = usd * rate
        if iso3 == "HRV":
            lcu *= 7.5345  # kuna, while the IMF speaks euro
        rows += [
            (iso3, 2024, "milex_usd", "sipri", usd),
            (iso3, 2024, "milex_lcu", "sipri", lcu, "national currency m"),
            (iso3, 2024, "gdp_usd", "imf_weo", 1e5),
            (iso3, 2024, "gdp_lcu", "imf_weo", 1e5 * rate, "national currency m"),
            (iso3, 2024, "ppp_factor", "imf_weo", ppp, "national currency per international USD"),
        ]
    ds = make_dataset(tmp_path, rows)
    result = threat_balance(ds, "USA,DEU,HRV", "ppp", 2024)
    totals = result.frame()
    assert value(totals, bloc="DEU") == pytest.approx(1000 * 0.9 / 0.7)
    assert value(totals, bloc="USA") == pytest.approx(1000.0)
    assert totals.query("bloc == 'HRV'").iloc[0]["status"] == "no data"
    assert any(n.startswith("HRV 2024") and "left out of PPP" in n for n in result.notes)


def test_publisher_zeros_are_no_data(tmp_path):
    ds = make_dataset(
        tmp_path,
        [("PRK", 2012, "milex_usd", "sipri", 0.0), ("RUS", 2012, "milex_usd", "sipri", 9.0)],
    )
    result = threat_balance(ds, "PRK,CRINK", "mer", 2012)
    totals = result.frame().query("basis == 'mer_current'")
    assert totals.query("bloc == 'PRK'").iloc[0]["status"] == "no data"
    assert value(totals, bloc="CRINK") == 9.0
    assert any("reported as 0, treated as no data" in n for n in result.notes)


# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"blocs": "NATO,XYZ"}, "unknown bloc or country 'XYZ'"),
        ({"blocs": "NATOO"}, r"did you mean NATO\b"),
        ({"basis": "gdp"}, "unknown basis 'gdp'; use one of mer, ppp, both"),
        ({"years": (2024, 2020)}, "year range 2024-2020 runs backwards"),
        ({"years": (2040, 2045)}, "has no sipri figures; the data covers"),
        ({"ppp_source": "oecd"}, "unknown ppp_source 'oecd'"),
        ({"blocs": ""}, "blocs is empty"),
        (
            {"basis": "ppp", "years": (2000, 2005)},
            "no SIPRI figures for .* in 2000-2005 on basis 'ppp'",
        ),
    ],
)
def test_bad_parameters_are_clear_errors(dataset, kwargs, message):
    with pytest.raises(MilexError, match=message):
        threat_balance(dataset, **kwargs)


def test_constant_dollars_in_another_base_year_cannot_be_added(dataset, tmp_path):
    path = write_overlay(tmp_path, 'PRK,2024,milex_usd_const,3000,USD m constant 2015,"x",\n')
    with pytest.raises(MilexError, match="different base years.*user:prk_estimate"):
        threat_balance(dataset, "CRINK", "mer", 2024, overlays=[read_overlay(path)])


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ("PRK,2024,milex_usd,4000,USD m,x,\nPRK,2023,milex_usd,lots,USD m,x,\n", "line 3, value"),
        ("Narnia,2024,milex_usd,4000,USD m,x,\n", "line 2, country"),
        ("NATO,2024,milex_usd,4000,USD m,x,\n", "line 2, country"),
        ("PRK,2024,milex_usd,,USD m,x,\n", "line 2, value"),
        ("PRK,2024,milex_usd,-5,USD m,x,\n", "line 2, value"),
        ("PRK,2024,milex_usd,nan,USD m,x,\n", "line 2, value"),
        ("PRK,2024,milex_usd,1_000,USD m,x,\n", "line 2, value"),
        ("PRK,24a,milex_usd,4000,USD m,x,\n", "line 2, year"),
        ("PRK,2024,milex_usdd,4000,USD m,x,\n", "line 2, measure"),
        ("PRK,2024,milex_usd,4000,EUR m,x,\n", "line 2, unit"),
        ("PRK,2024,milex_usd_const,4000,,x,\n", "line 2, unit"),
        ("PRK,2024,milex_usd,4000,USD m,,\n", "line 2, source"),
        ("PRK,2024,milex_usd,4000,USD m,x,guess\n", "line 2, flags"),
        ("PRK,2024,milex_usd,4000,USD m,x\n", "line 2: 6 fields"),
        (
            "PRK,2024,milex_usd,1,USD m,x,\nPRK,2024,milex_usd,2,USD m,x,\n",
            "already given on line 2",
        ),
        ("", "no figures after the header"),
    ],
)
def test_overlay_errors_name_the_file_line_and_field(tmp_path, body, where):
    path = write_overlay(tmp_path, body, "bad.csv")
    with pytest.raises(OverlayError, match=f"overlay bad.csv.*{where}"):
        read_overlay(path)


def test_overlay_header_without_a_required_column_names_line_1(tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("country,year,measure,value\nPRK,2024,milex_usd,4000\n", encoding="utf-8")
    with pytest.raises(OverlayError, match="overlay short.csv, line 1: missing column.*source"):
        read_overlay(path)
    path.write_text("country,year,measure,value,source,vaule\n", encoding="utf-8")
    with pytest.raises(OverlayError, match="line 1, vaule: unknown column 'vaule'"):
        read_overlay(path)


# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--blocs", "NATO,Atlantis"], "unknown bloc or country 'Atlantis'"),
        (["--basis", "gold"], "unknown basis 'gold'"),
        (["--from", "2024", "--to", "2014"], "runs backwards"),
        (["--from", "2050"], "has no sipri figures"),
    ],
)
def test_compare_bad_input_is_one_line_exit_1_and_writes_nothing(tmp_path, args, message):
    out = tmp_path / "balance.csv"
    result = cli("compare", *args, "--output", str(out))
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not out.exists()


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ("PRK,2024,milex_usd\n", "line 2: 3 fields"),
        ("PRK,2024,milex_usd,many,USD m,x,\n", "line 2, value"),
        ("Wakanda,2024,milex_usd,1,USD m,x,\n", "line 2, country"),
    ],
)
def test_compare_with_a_bad_overlay_names_the_line_and_writes_nothing(tmp_path, body, where):
    path = write_overlay(tmp_path, body, "prk.csv")
    out = tmp_path / "balance.json"
    result = cli("compare", "--overlay", str(path), "--output", str(out))
    assert result.exit_code == 1 and f"overlay prk.csv, {where}" in result.output
    assert "Traceback" not in result.output and not out.exists()
    assert path.read_text(encoding="utf-8") == OVERLAY_HEADER + body  # the overlay is untouched


def test_compare_json_labels_user_data_and_lists_its_source(tmp_path):
    path = write_overlay(tmp_path, 'PRK,2024,milex_usd,4000,USD m,"KIDA-based estimate",estimate\n')
    result = cli(
        "compare", "--blocs", "NATO,PRK,CRINK", "--basis", "mer", "--from", "2024", "--to", "2024",
        "--overlay", str(path), "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    rows = {(r["bloc"], r["basis"]): r for r in payload["data"]}
    assert rows[("PRK", "mer_current")]["user_data"] == "PRK"
    assert rows[("PRK", "mer_constant")]["status"] == "no data"
    sources = {s["source"]: s for s in payload["sources"]}
    assert sources["user:prk_estimate"]["citation"] == "KIDA-based estimate"
    assert "sipri" in sources and any("User data" in n for n in payload["notes"])
    table = cli(
        "compare", "--blocs", "PRK,CRINK", "--from", "2024", "--to", "2024", "--overlay", str(path)
    )
    assert "4.0†" in table.stdout and "† includes user data" in table.stdout


def test_compare_shows_sipris_2025_figures_as_partial_secondary_totals():
    result = cli(
        "compare", "--blocs", "NATO,RUS", "--basis", "mer", "--from", "2025", "--format", "json"
    )
    assert result.exit_code == 0, result.output
    rows = {(r["bloc"], r["basis"]): r for r in json.loads(result.stdout)["data"]}
    russia = milex.load().series("milex_usd", "RUS", "sipri", 2025)
    assert rows[("RUS", "mer_current")]["value"] == russia["value"].iloc[0]
    assert "secondary" in rows[("RUS", "mer_current")]["flags"]
    assert rows[("NATO", "mer_current")]["status"] == "partial"
