"""The scenario builder (/scenario): one figure for one quantity across web, CLI and PDF, bloc
shares by the tracker's rule, allies ranked by what the target costs them, never "-0", and stale
results that say so while the input is invalid or a run is on its way."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
import typer
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from milex.cli import project as project_cli
from milex.present.numbers import figure
from milex.projection import Scenario, project
from milex.web import create_app

from .test_web_browser import DRAWN, PHONE, browser, open_page, server  # noqa: F401

cli = typer.Typer(pretty_exceptions_enable=False)
project_cli.register(cli)


@cli.command("version")
def _version() -> None:  # a second command, so that "project" stays a subcommand
    """Unused."""


@pytest.fixture(scope="module")
def client(dataset):
    return TestClient(create_app(dataset), base_url="http://127.0.0.1")


def form_defaults(page: str) -> dict[str, str]:
    """The settings the builder opens on, read from its HTML as a browser would."""
    found = {
        n: v for n, v in re.findall(r'<input type="number" name="(\w+)"[^>]*value="([^"]*)"', page)
    }
    for name, options in re.findall(r'<select name="(\w+)" id="\w+">(.*?)</select>', page, re.S):
        chosen = re.search(r'<option(?: value="([^"]*)")?[^>]*selected[^>]*>([^<]*)<', options)
        first = re.search(r'<option(?: value="([^"]*)")?[^>]*>([^<]*)<', options)
        match = chosen or first
        assert match is not None
        found[name] = match.group(1) or html.unescape(match.group(2))
    return found


def builder_body(settings: dict[str, str]) -> dict[str, object]:
    """The projection scenario.js posts for these settings (its scenarioBody)."""
    bloc = settings["countries"] in ("NATO", "NATO_EU_CA")
    return {
        "title": "Scenario builder",
        **({"bloc": settings["countries"]} if bloc else {"countries": [settings["countries"]]}),
        "currency": settings["currency"],
        "targets": [{"name": "core", "target_pct": float(settings["target"]),
                     "deadline": int(settings["deadline"]), "path": settings["path"]}],
        "uncertainty": {"growth_sd_pct": float(settings["growth_sd"]),
                        "inflation_sd_pct": float(settings["inflation_sd"]),
                        "paths": int(settings["paths"]), "seed": int(settings["seed"])},
    }  # fmt: skip


def cli_default_nato() -> dict[str, object]:
    """`milex project --format json`, no options: its NATO row."""
    result = CliRunner().invoke(cli, ["project", "--format", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    rows = payload["data"] if isinstance(payload, dict) else payload
    return next(r for r in rows if r["iso3"] == "NATO")


@pytest.mark.slow  # two 10,000-path NATO runs: the page's default and the command line's
def test_the_builder_opens_on_the_cli_default_with_the_same_total_in_us_dollars(client):
    settings = form_defaults(client.get("/scenario").text)
    assert settings["currency"] == "USD" and settings["countries"] == "NATO"
    answer = client.post("/api/v1/projections", json=builder_body(settings))
    assert answer.status_code == 200, answer.text
    web = next(r for r in answer.json()["summary"] if r["iso3"] == "NATO")
    cli_row = cli_default_nato()
    assert web["currency"] == cli_row["currency"] == "USD"
    # the total the page's headline and the CLI print: extra spending to 2035, central path
    assert web["extra_to_horizon_m"] == pytest.approx(cli_row["extra_to_horizon_m"], rel=1e-12)
    assert web["extra_to_horizon_p5_m"] == pytest.approx(cli_row["extra_to_horizon_p5_m"])
    assert web["base_share_pct"] == pytest.approx(cli_row["base_share_pct"], rel=1e-12)


def test_a_blocs_share_in_the_projection_is_the_trackers_for_the_same_year(dataset):
    from milex.analysis.tracking import tracker

    result = project(Scenario(base_year=2024, uncertainty={"paths": 50}), dataset)
    shares = {r["iso3"]: r["base_share_pct"] for r in result.summary_rows()}
    table = tracker(2024, dataset=dataset).frame()
    tracked = dict(zip(table["iso3"], table["milex_pct_gdp"], strict=True))
    # NATO's rule in both (constant-price spending over constant-price GDP, Iceland's GDP in);
    # weighing members by GDP in current dollars gave 2.74% against the tracker's 2.71%
    assert round(shares["NATO"], 2) == round(tracked["NATO"], 2) == 2.71
    assert shares["NATO"] == pytest.approx(tracked["NATO"], abs=0.001)
    assert shares["NATO_EU_CA"] == pytest.approx(tracked["NATO_EU_CA"], abs=0.001)
    assert any("NATO's rule" in n for n in result.notes)


def test_allies_are_ranked_by_extra_spending_with_the_order_stated(client):
    body = builder_body({"countries": "NATO", "currency": "USD", "target": "3.5",
                         "deadline": "2035", "path": "linear", "growth_sd": "1.5",
                         "inflation_sd": "1", "paths": "200", "seed": "1"})  # fmt: skip
    answer = client.post("/api/v1/projections", json=body).json()
    rows = answer["summary"]
    assert [r["iso3"] for r in rows[:2]] == ["NATO", "NATO_EU_CA"]
    extra = [r["extra_to_horizon_m"] for r in rows[2:]]
    assert len(extra) == 31 and extra == sorted(extra, reverse=True)
    assert rows[2]["iso3"] == "USA"  # not Albania, first in ISO3 order
    assert "largest first" in answer["summary_order"]


@pytest.mark.parametrize(
    ("value", "digits", "shown"),
    [(-0.0, 0, "0"), (-0.4, 0, "0"), (-0.004, 2, "0.00"), (-0.04, 1, "0.0"), (-0.6, 0, "-1"),
     (-1234.5, 1, "-1,234.5"), (0.0, 0, "0"), (2599.6, 0, "2,600")],
)  # fmt: skip
def test_a_figure_that_rounds_to_zero_is_never_minus_zero(value, digits, shown):
    assert figure(value, digits) == shown


def minus_zero_scenario(dataset, tmp_path: Path) -> Path:
    """Germany cut by a hair below its base-year share: extra spending of a few thousand
    dollars a year, shown in millions (-0.00x), which printed as "-0"."""
    first = project(Scenario(countries=["DEU"], uncertainty={"paths": 20}), dataset)
    share = float(first.summary_rows()[0]["base_share_pct"])
    path = tmp_path / "cut.toml"
    path.write_text(
        f'countries = ["DEU"]\n[[targets]]\nname = "core"\ntarget_pct = {share - 1e-7!r}\n'
        "deadline = 2030\nallow_cuts = true\n[uncertainty]\npaths = 20\n",
        encoding="utf-8",
    )
    result = project(Scenario.from_toml(path), dataset)
    assert -1 < result.summary_rows()[0]["extra_to_horizon_m"] < 0  # the case: rounds to -0
    return path


def test_no_minus_zero_in_the_cli_or_the_report_for_a_scenario_that_rounds_to_it(dataset, tmp_path):
    from milex.present.report.context import projection_rows

    path = minus_zero_scenario(dataset, tmp_path)
    printed = CliRunner().invoke(cli, ["project", "--scenario", str(path)])
    assert printed.exit_code == 0, printed.output
    assert not re.search(r"(?<![\d.,])-0(?![\d.,]*[1-9])", printed.output), printed.output
    for row in projection_rows(project(Scenario.from_toml(path), dataset)):
        assert not any(re.fullmatch(r"-0[.,0]*", str(v)) for v in row.values()), row


def test_the_baseline_presets_fan_chart_is_not_minus_zero_above_the_baseline(client):
    # holding the share, the median ends US$ 0.17 bn under the central baseline: "-0 bn" before
    body = builder_body({"countries": "DEU", "currency": "USD", "target": "3.5",
                         "deadline": "2035", "path": "hold_share", "growth_sd": "1.5",
                         "inflation_sd": "1", "paths": "200", "seed": "1"})  # fmt: skip
    chart = client.post("/api/v1/projections?chart=true", json=body).json()["chart"]
    title = " ".join(chart["title"]["text"])
    assert "0 bn above the baseline" in title and "-0" not in title, title


def test_the_page_shows_no_minus_zero_for_numbers_that_round_to_it(browser, server):  # noqa: F811
    context, page = open_page(browser, server, PHONE)
    page.goto(server + "/scenario?countries=DEU&paths=300")
    page.wait_for_selector("#fan-chart[data-version='1'] canvas", timeout=DRAWN)
    shown = page.evaluate(
        "[number(-0), number(-0.4), number(-0.004, 2), number(-3.6), number(NaN)]"
    )
    assert shown == ["0", "0", "0", "-4", ""]
    context.close()


def test_at_390_px_invalid_input_dims_the_results_and_says_they_are_stale(browser, server):  # noqa: F811
    context, page = open_page(browser, server, PHONE)
    page.goto(server + "/scenario")  # the defaults: milex project's scenario, 10,000 paths
    page.wait_for_selector("#fan-chart[data-version='1'] canvas", timeout=DRAWN)
    assert page.get_attribute("#scenario-results", "aria-busy") == "false"
    assert not page.is_visible("#stale-note")
    # the headline is the CLI's total for the same default scenario, in the same currency
    total = float(cli_default_nato()["extra_to_horizon_m"]) / 1000
    assert f"NATO: US$ {total:,.0f} bn more than the baseline" in page.inner_text("#baseline-total")
    assert page.inner_text("#summary-order").startswith("Order: Blocs first")
    page.fill("#target", "25")
    page.wait_for_function("() => document.getElementById('target-error').textContent !== ''")
    assert page.get_attribute("#scenario-results", "aria-busy") == "true"
    assert "stale" in page.get_attribute("#scenario-results", "class")
    assert page.is_visible("#stale-note")
    assert page.inner_text("#stale-note") == "Results are for the previous input."
    # visibly dimmed (after its short fade), not at full strength beside the error
    page.wait_for_function(
        "() => Number(getComputedStyle(document.getElementById('fan-chart')).opacity) < 0.5"
    )
    page.fill("#target", "3")
    page.wait_for_selector("#fan-chart[data-version='2'] canvas", timeout=DRAWN)
    page.wait_for_function(
        "() => document.getElementById('scenario-results').getAttribute('aria-busy') === 'false'"
    )
    assert not page.is_visible("#stale-note")
    assert page.errors == []
    context.close()


HOLD_PROJECTIONS = """() => {
  const real = window.fetch;
  window.releaseProjections = null;
  const held = new Promise((resolve) => { window.releaseProjections = resolve; });
  window.fetch = async (url, options) => {
    if (String(url).includes("/api/v1/projections")) await held;
    return real(url, options);
  };
}"""


def test_results_are_marked_stale_while_a_run_is_on_its_way(browser, server):  # noqa: F811
    context, page = open_page(browser, server, PHONE)
    page.goto(server + "/scenario?countries=DEU&paths=300")
    page.wait_for_selector("#fan-chart[data-version='1'] canvas", timeout=DRAWN)
    page.evaluate(HOLD_PROJECTIONS)  # the next run's answer waits until released
    page.fill("#target", "3")
    page.wait_for_function(
        "() => document.getElementById('scenario-status').textContent === 'Computing…'"
    )
    assert page.get_attribute("#scenario-results", "aria-busy") == "true"
    assert page.is_visible("#stale-note")
    page.evaluate("() => window.releaseProjections()")
    page.wait_for_selector("#fan-chart[data-version='2'] canvas", timeout=DRAWN)
    page.wait_for_function("() => document.getElementById('scenario-results').ariaBusy === 'false'")
    assert not page.is_visible("#stale-note")
    assert "stale" not in page.get_attribute("#scenario-results", "class")
    assert page.errors == []
    context.close()
