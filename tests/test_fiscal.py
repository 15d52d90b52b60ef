"""Paying for 3.5% (issue 31): the debt arithmetic against a computation written here from the
WEO's own figures, the sourced EU tables, the verdicts, the command and the API route."""

from __future__ import annotations

import csv
import json
import shutil

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from milex.cli import app
from milex.data.bundle import package_dir
from milex.finance.fiscal import fiscal
from milex.finance.tables import (
    ESCAPE_FILE,
    PROGRAMMES_FILE,
    SAFE_FILE,
    FinanceTableError,
    bundled_tables,
    load_tables,
)

runner = CliRunner()


@pytest.fixture(scope="module")
def result(dataset):
    return fiscal(["DEU", "ESP", "POL"], target=3.5, by=2035, dataset=dataset, paths=400)


def weo(dataset, measure, iso3):
    rows = dataset.series_records(measure, [iso3], "imf_weo")
    return {int(r["year"]): float(r["value"]) for r in rows}


@pytest.mark.parametrize("iso3", ["DEU", "ESP"])
def test_debt_arithmetic_equals_an_independent_computation_from_the_weo(dataset, result, iso3):
    """Written out by hand: extra x_t of GDP a year is borrowed at the default rate, nominal GDP
    growth n_t, so e_t = e_{t-1} (1 + n_t) / (1 + n_t) + x_t; interest n_t e_{t-1} / (1 + n_t)
    joins the deficit. After the WEO's last year (2030), debt rolls on with held net lending and
    the mean of the last three years' growth and stock-flow adjustment."""
    debt = weo(dataset, "govt_debt_pct_gdp", iso3)
    nl = weo(dataset, "govt_net_lending_pct_gdp", iso3)
    gdp = weo(dataset, "gdp_lcu", iso3)
    rows = {r["year"]: r for r in result.ally(iso3).rows}
    base_share = rows[2026]["share_pct"]
    share_2035 = 3.5
    growth = {y: gdp[y] / gdp[y - 1] - 1 for y in range(2027, 2031)}
    long_n = sum(gdp[y] / gdp[y - 1] - 1 for y in (2028, 2029, 2030)) / 3
    sfa = sum(debt[y] - debt[y - 1] / (1 + growth[y]) + nl[y] for y in (2028, 2029, 2030)) / 3
    extra_debt, base_debt = 0.0, debt[2030]
    for year in range(2027, 2036):
        n = growth.get(year, long_n)
        x = (share_2035 - base_share) * (year - 2026) / 9  # the linear path over its base
        interest = n * extra_debt / (1 + n)
        deficit = -nl[min(year, 2030)] + x + interest
        extra_debt = extra_debt / (1 + n) + x + interest
        if year > 2030:
            base_debt = base_debt / (1 + n) - nl[2030] + sfa
        expected_debt = (debt[year] if year <= 2030 else base_debt) + extra_debt
        row = rows[year]
        assert row["extra_pct"] == pytest.approx(x, abs=1e-9)
        assert row["deficit_base_pct"] == pytest.approx(-nl[min(year, 2030)], abs=1e-9)
        assert row["deficit_pct"] == pytest.approx(deficit, abs=1e-9)
        assert row["debt_pct"] == pytest.approx(expected_debt, abs=1e-9)
        assert row["nominal_growth_pct"] == pytest.approx(n * 100)


def test_a_fixed_interest_rate_compounds_the_extra_debt(dataset):
    out = fiscal("ESP", interest_pct=10.0, dataset=dataset, paths=200)
    rows = {r["year"]: r for r in out.ally("ESP").rows}
    gdp = weo(dataset, "gdp_lcu", "ESP")
    e26, e27 = 0.0, rows[2027]["extra_pct"]  # nothing owed before the first extra year
    n28 = gdp[2028] / gdp[2027] - 1
    e28 = e27 * 1.10 / (1 + n28) + rows[2028]["extra_pct"]
    assert rows[2027]["debt_pct"] - rows[2027]["debt_base_pct"] == pytest.approx(e26 + e27)
    assert rows[2028]["debt_pct"] - rows[2028]["debt_base_pct"] == pytest.approx(e28)
    assert any("fixed at 10%" in n for n in out.notes)


def test_every_escape_clause_and_safe_row_carries_a_url_date_and_quote():
    tables = bundled_tables()
    assert len(tables.escape) == 16 and len({c.iso3 for c in tables.escape}) == 16
    allocations = [s for s in tables.safe if s.stage == "allocation"]
    assert len(allocations) == 19
    assert sum(s.eur_m for s in allocations) == pytest.approx(150_010, abs=1)
    for row in [*tables.escape, *tables.safe, *tables.programmes]:
        assert row.source.url.startswith("https://"), row
        assert row.source.quote and row.source.published.year >= 2025
    for name in (ESCAPE_FILE, SAFE_FILE):
        with (package_dir() / name).open(encoding="utf-8") as handle:
            assert all(r["source_url"].startswith("http") for r in csv.DictReader(handle))
    assert tables.programme("edip").eur_m == 1500


def test_a_bad_row_is_an_error_naming_file_row_and_field(tmp_path):
    for name in (ESCAPE_FILE, SAFE_FILE, PROGRAMMES_FILE):
        shutil.copy(package_dir() / name, tmp_path / name)
    path = tmp_path / SAFE_FILE
    lines = path.read_text("utf-8").splitlines()
    fields = next(csv.reader([lines[3]]))
    fields[2], fields[5] = "lots", ""  # eur_m not a number, source_url empty
    buffer = tmp_path / "row.csv"
    with buffer.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="").writerow(fields)
    lines[3] = buffer.read_text("utf-8")
    path.write_text("\n".join(lines) + "\n", "utf-8")
    with pytest.raises(FinanceTableError) as caught:
        load_tables(tmp_path)
    message = str(caught.value)
    assert "safe.csv row 4, field 'eur_m': 'lots' is not a number" in message
    assert "safe.csv row 4, field 'source_url': is empty" in message


def test_an_ally_without_an_activated_clause_shows_no_headroom(result):
    spain, germany = result.ally("ESP"), result.ally("DEU")
    assert spain.clause is None and all(r["clause_headroom_pct"] == 0 for r in spain.rows)
    assert "escape clause" in spain.verdict and "within the escape clause" not in spain.verdict
    assert spain.verdict.startswith("no escape clause activated")
    headroom = {r["year"]: r["clause_headroom_pct"] for r in germany.rows}
    assert headroom[2027] == 1.5 and headroom[2028] == 1.5 and headroom[2029] == 0
    assert germany.verdict.startswith("within the escape clause to 2028; from 2029 needs")


def test_safe_is_financing_beside_the_path_not_extra_spending(result):
    poland = result.ally("POL")
    assert poland.safe["stage"] == "allocation" and poland.safe["eur_m"] == 43_730
    assert all(r["extra_pct"] == 0 for r in poland.rows)  # above 3.5%: holds its share
    assert "adds nothing" in poland.verdict
    assert result.ally("ESP").safe["stage"] == "council_decision"


def test_the_band_brackets_the_central_debt(result):
    for row in result.ally("DEU").rows[1:]:
        assert row["debt_p5_pct"] <= row["debt_pct"] <= row["debt_p95_pct"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"countries": "Atlantis"}, "unknown country"),
        ({"countries": "DEU", "target": 50.0}, "out of range"),
        ({"countries": "DEU", "by": 2020}, "out of range"),
        ({"countries": "DEU", "path": "wishful"}, "unknown path"),
    ],
)
def test_bad_inputs_are_clear_errors(dataset, kwargs, message):
    names = kwargs.pop("countries")
    with pytest.raises(Exception) as caught:
        fiscal(names, dataset=dataset, paths=100, **kwargs)
    assert message in str(caught.value)


def test_cli_table_fits_80_columns_and_says_it_is_arithmetic():
    out = runner.invoke(app, ["fiscal", "--country", "DEU,ESP", "--paths", "200"],
                        env={"COLUMNS": "80"})  # fmt: skip
    assert out.exit_code == 0, out.output
    assert "DEU: within the escape clause to 2028" in out.output
    assert "not a forecast" in out.output
    table = out.output.split("\n\n")[0].splitlines()[1:]
    assert table and all(len(line) <= 80 for line in table)


def test_cli_json_and_csv(tmp_path):
    out = runner.invoke(app, ["fiscal", "--country", "ESP", "--paths", "200", "--format", "json"])
    assert out.exit_code == 0, out.output
    body = json.loads(out.output)
    assert body["data"][0]["iso3"] == "ESP" and body["sources"]
    target = tmp_path / "fiscal.xlsx"
    out = runner.invoke(app, ["fiscal", "--country", "ESP", "--paths", "200", "--detail",
                              "--output", str(target), "--format", "xlsx"])  # fmt: skip
    assert out.exit_code == 0, out.output
    assert target.stat().st_size > 0


@pytest.mark.parametrize(
    "args", [["--country", "Atlantis"], ["--country", "DEU", "--target", "50"]]
)
def test_cli_bad_input_is_one_line(args):
    out = runner.invoke(app, ["fiscal", *args, "--paths", "100"])
    assert out.exit_code == 1
    assert out.output.strip().startswith("error:") and "Traceback" not in out.output


def test_api_fiscal_route_is_in_the_schema_and_answers(dataset):
    from milex.web import create_app

    client = TestClient(create_app(dataset), base_url="http://127.0.0.1",
                        raise_server_exceptions=False)  # fmt: skip
    assert "/api/v1/fiscal" in client.get("/openapi.json").json()["paths"]
    body = client.get("/api/v1/fiscal?country=DEU").json()
    assert body["data"][0]["iso3"] == "DEU" and "verdict" in body["data"][0]
    assert any(s["source"] == "imf_weo" for s in body["sources"])
    detail = client.get("/api/v1/fiscal?country=DEU&detail=true&format=csv")
    assert detail.headers["content-type"].startswith("text/csv") and "debt_pct" in detail.text
    assert client.get("/api/v1/fiscal?target=50").status_code == 422
    assert client.get("/api/v1/fiscal?country=Atlantis").status_code == 404


def test_the_dashboard_page_shows_the_verdict_sources_and_both_charts(dataset):
    from milex.web import create_app

    client = TestClient(create_app(dataset), base_url="http://127.0.0.1",
                        raise_server_exceptions=False)  # fmt: skip
    page = client.get("/fiscal?country=ESP")
    assert page.status_code == 200 and "Paying for 3.5%" in page.text
    assert "No escape clause activated" in page.text and "not a forecast" in page.text
    assert 'data-chart="fiscal-debt" data-params="country=ESP"' in page.text
    assert 'data-chart="fiscal-deficit"' in page.text and 'id="fiscal-table"' in page.text
    assert "https://politikinewsaaa.blogspot.com" in page.text  # SAFE's Council decision
    germany = client.get("/fiscal").text
    assert "Within the escape clause to 2028" in germany and "pubt.io" in germany
    assert client.get("/fiscal?country=Atlantis").status_code == 404
    csv_text = client.get("/chart/fiscal-debt.csv?country=DEU").text
    header = csv_text.splitlines()[0]
    assert header.startswith('Year,"Without the pledge, debt % of GDP","With 3.5% by 2035')
    assert "2035," in csv_text  # a row per year, years as years


# -- what drives the cost: Sobol' indices ------------------------------------------------------
@pytest.fixture(scope="module")
def indices(dataset):
    from milex.finance.sensitivity import sobol_indices

    return sobol_indices(dataset, "DEU,ESP", samples=256, paths=200,
                         ranges={"interest": (0.5, 0.5)})  # fmt: skip


def test_total_order_is_at_least_first_order_within_sampling_error(indices):
    for out in ("cost", "debt"):
        assert (indices.total[out] >= indices.first[out] - 0.05).all(), out
        assert indices.total[out].max() > 0.2  # something drives it


def test_an_input_with_no_variance_gets_an_index_of_zero(indices):
    k = [f.name for f in indices.factors].index("interest")
    for out in ("cost", "debt"):
        assert indices.first[out][k] == 0 and indices.total[out][k] == 0
    slippage = [f.name for f in indices.factors].index("slippage")
    assert indices.total["cost"][slippage] > 0.1  # the cost in 2035 depends on the deadline


def test_one_and_two_workers_give_identical_indices(dataset):
    from milex.finance.sensitivity import sobol_indices

    runs = [sobol_indices(dataset, "DEU", samples=32, paths=50, workers=w) for w in (1, 2)]
    for out in ("cost", "debt"):
        assert runs[0].first[out].tolist() == runs[1].first[out].tolist()
        assert runs[0].total[out].tolist() == runs[1].total[out].tolist()


def test_cli_sensitivity_prints_indices_and_draws_the_tornado(tmp_path):
    chart = tmp_path / "tornado.svg"
    out = runner.invoke(app, ["fiscal", "--country", "DEU", "--sensitivity", "--samples", "32",
                              "--paths", "50", "--chart", str(chart)])  # fmt: skip
    assert out.exit_code == 0, out.output
    assert "slippage" in out.output and chart.read_text("utf-8").startswith("<svg")
    bad = runner.invoke(app, ["fiscal", "--country", "DEU", "--sensitivity", "--factors", "luck"])
    assert bad.exit_code == 1 and "unknown factor" in bad.output


def test_milex_project_sensitivity_gives_the_same_indices_as_milex_fiscal():
    args = ["--sensitivity", "--samples", "16", "--paths", "40", "--format", "json"]
    via_project = runner.invoke(app, ["project", "--countries", "POL", *args])
    via_fiscal = runner.invoke(app, ["fiscal", "--country", "POL", *args])
    assert via_project.exit_code == 0, via_project.output
    assert via_project.output == via_fiscal.output
    assert '"total_order"' in via_project.output


def test_the_country_page_has_a_paying_for_3_5_section(dataset):
    from milex.web import create_app

    client = TestClient(create_app(dataset), base_url="http://127.0.0.1")
    page = client.get("/country/DEU").text
    assert "<h2>Paying for 3.5%</h2>" in page and 'href="/fiscal?country=DEU"' in page
    assert "within the escape clause to 2028" in page
    assert "country-fiscal" not in client.get("/country/ISL").text  # no armed forces, no path


def test_the_country_brief_has_a_paying_for_3_5_section(dataset):
    from milex.present.report.country import country_context

    context = country_context(dataset, "ESP", None, None)
    fiscal_part = context["fiscal"]
    assert fiscal_part["verdict"].startswith("no escape clause activated")
    assert fiscal_part["safe"]["stage"] == "council_decision" and "<svg" in fiscal_part["svg"]
    assert [r["year"] for r in fiscal_part["rows"]][-1] == 2035


def test_a_clause_covers_only_a_rise_over_2021(dataset):
    """Greece's share stays below its 2021 level on the path: the clause covers none of it."""
    greece = fiscal("GRC", dataset=dataset, paths=100).ally("GRC")
    assert greece.clause is not None
    assert greece.verdict.startswith("the escape clause covers none of it to 2028")
    first = next(r for r in greece.rows if r["year"] == 2027)
    assert first["uncovered_pct"] == pytest.approx(first["deficit_pct"] - first["deficit_base_pct"])


def test_an_ally_without_a_weo_series_is_named_not_guessed():
    import numpy as np

    from milex.finance import _debt as debt
    from milex.finance.fiscal import verdict_text

    text = verdict_text([], None, True, ("govt_debt_pct_gdp",), base_year=2026)
    assert text == "no verdict: the IMF WEO lacks govt_debt_pct_gdp for this ally"
    series = {"debt": {2026: 60.0}, "net_lending": {2026: -3.0}, "gdp": {2026: 100.0}}
    with pytest.raises(KeyError, match="gdp 2025"):  # growth needs the year before the base
        debt.extend(np.array([2026, 2027]), series)
