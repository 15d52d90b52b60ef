"""One result shape: every analysis returns a milex.result.Result whose frame() is a plain table,
whose sources() cite the publisher editions behind it and whose chart() draws it; one row order
for the tracker; one vocabulary of flag marks."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

import milex
from milex.analysis import review
from milex.analysis.balance import threat_balance
from milex.analysis.bloc import bloc_profile
from milex.analysis.burden import burden_sharing, olson_zeckhauser, proximity
from milex.analysis.reconcile import reconcile
from milex.analysis.tracking import row_order, tracker
from milex.cli import app
from milex.data.bundle import examples_dir
from milex.data.schema import FLAG_MARKS, flag_marks, mark_legend
from milex.industry.capacity import run_capacity
from milex.industry.pooling import run_pooling
from milex.result import Result


def results(ds):
    """One of each analysis, on the bundled data (name, result)."""
    industry = examples_dir() / "industry"
    return [
        ("tracker", tracker(2024, dataset=ds)),
        ("review", review.review(ds, 2029)),
        ("plans", review.plans_table(ds, ["DEU"])),
        ("profile", milex.country_profile("Poland", 2024, dataset=ds)),
        ("bloc", bloc_profile("NATO", dataset=ds)),
        ("burden", burden_sharing(ds, 2024)),
        ("olson", olson_zeckhauser(ds, "nato", 2024)),
        ("proximity", proximity(ds, "nato", 2024)),
        ("balance", threat_balance(ds, "RUS", "mer", 2024)),
        ("reconcile", reconcile(ds, 2024)),
        ("fiscal", milex.fiscal(["POL"], paths=200, dataset=ds)),
        ("projection", milex.project({"countries": ["POL"], "uncertainty": {"paths": 200}}, ds)),
        ("capacity", run_capacity(industry / "eu-155mm.toml")),
        ("pooling", run_pooling(industry / "pooling-eu.toml")),
    ]


@pytest.fixture(scope="module")
def every(dataset):
    return results(dataset)


def test_every_analysis_returns_a_result_with_a_plain_frame_and_cited_sources(every):
    for name, result in every:
        assert isinstance(result, Result), name
        frame = result.frame()
        assert len(frame) and frame.attrs == {}, name  # nothing hidden in attrs
        columns = list(frame.columns)
        del frame[columns[0]]  # what a caller may do with its table
        assert list(result.frame().columns) == columns, name  # a copy: the result stays whole
        sources = result.sources()
        assert sources and all(s.get("source") or s.get("id") for s in sources), name


def test_publisher_results_cite_the_editions_their_rows_name(dataset):
    found = tracker(2024, dataset=dataset)
    cited = {(s["source"], s["edition"]) for s in found.sources()}
    frame = found.frame()
    allies = frame[frame["row_type"] == "ally"]
    assert {("nato", e) for e in allies["edition"].dropna()} <= cited
    assert {("sipri", e) for e in allies["sipri_edition"].dropna()} <= cited
    assert all(s["citation"] for s in found.sources())


@pytest.mark.parametrize(
    ("name", "args"),
    [("tracker", ()), ("tracker", ("map",)), ("tracker", ("tiles",)), ("profile", ()),
     ("projection", ("POL",)), ("fiscal", ("POL",)), ("balance", ("mer_constant",)),
     ("capacity", ())],
)  # fmt: skip
def test_a_result_draws_its_own_chart(every, name, args):
    result = dict(every)[name]
    spec = result.chart(*args).to_dict()
    assert spec.get("title") or spec.get("layer") or spec.get("vconcat")


def test_a_tracker_chart_view_that_does_not_exist_is_named(every):
    with pytest.raises(milex.errors.QueryError, match="bars, equipment, tiles, map.*'pie'"):
        dict(every)["tracker"].chart("pie")


def test_the_trackers_one_order_is_rank_then_name_then_totals(dataset):
    found = tracker(2026, dataset=dataset)  # a partial year: 21 allies without a figure
    assert found.rows == sorted(found.rows, key=row_order)
    kinds = [r["row_type"] for r in found.rows]
    assert kinds[-2:] == ["aggregate", "aggregate"] and "aggregate" not in kinds[:-2]
    ranks = [r["rank"] for r in found.allies() if r["rank"] is not None]
    assert ranks == list(range(1, len(ranks) + 1))
    unranked = [r["country"] for r in found.allies() if r["rank"] is None]
    assert len(unranked) == 22 and unranked == sorted(unranked)
    assert list(found.frame()["iso3"]) == [r["iso3"] for r in found.rows]


def test_the_report_table_and_the_terminal_list_the_trackers_order(dataset):
    from milex.present.report.context import tracker_rows

    found = tracker(2025, dataset=dataset)
    assert [r["iso3"] for r in tracker_rows(found)] == [r["iso3"] for r in found.rows]
    csv = CliRunner().invoke(app, ["tracker", "--year", "2025", "--format", "csv"]).stdout
    listed = [line.split(",")[1] for line in csv.splitlines()[1:]]
    assert listed == [r["iso3"] for r in found.rows]


def test_one_mark_per_flag_in_the_terminal_the_report_and_the_charts(dataset):
    from milex.present.charts import style
    from milex.present.report.context import tracker_rows

    assert flag_marks("secondary;estimate") == "es" and flag_marks("rounded") == "≈"
    assert flag_marks(None) == "" and flag_marks("derived") == ""
    marks = [m for m, _ in FLAG_MARKS.values()]
    assert len(marks) == len(set(marks))
    assert style.marks("estimate;rounded") == "e≈"
    found = tracker(2025, dataset=dataset)
    denmark = next(r for r in tracker_rows(found) if r["iso3"] == "DNK")
    row = next(r for r in found.rows if r["iso3"] == "DNK")
    assert denmark["marks"].startswith(flag_marks(row["flags"]))
    out = CliRunner().invoke(app, ["tracker", "--year", "2025"], env={"COLUMNS": "200"}).stdout
    assert mark_legend(("estimate",)) in " ".join(out.split())


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_one_level_rule_for_status_count_band_and_reach(dataset, year):
    """Denmark's 2026 "3.5" (rounded by its source) is at the line, never over it: its status,
    the count, the chart's band and the reach year all say so, as every other ally's agree."""
    from milex.analysis.commitments import AT_ROUNDED, MET
    from milex.present.charts import style

    found = tracker(year, dataset=dataset)
    bands = {r["iso3"]: r["band"] for r in style.ally_rows(found)}
    core = {c for c, b in bands.items() if b == style.BAND_CORE}
    assert len(core) == found.summary["count_at_or_above_3_5pct"]
    met = {r["iso3"] for r in found.allies() if r["status_hague_core_3_5pct"] == MET}
    assert met == (core if year >= 2025 else set())  # the pledge applies from 2025
    touching = [r for r in found.allies() if r["status_hague_core_3_5pct"] == AT_ROUNDED]
    assert [r["country"] for r in touching] == found.summary["rounded_at_3_5pct"]
    for row in touching:
        assert bands[row["iso3"]] == style.BAND_TWO and row["hague_reach_year"] != year
    if year == 2026:
        assert [r["iso3"] for r in touching] == ["DNK"]


def test_a_country_outside_nato_has_a_sipri_result_and_its_page_a_json_twin(dataset):
    from fastapi.testclient import TestClient

    from milex.analysis.profile import sipri_profile
    from milex.web import create_app

    russia = sipri_profile("Russia", dataset=dataset)
    assert russia.iso3 == "RUS" and not russia.ally
    frame = russia.frame()
    assert set(frame["source"]) == {"sipri"} and {"milex_pct_gdp", "milex_usd"} <= set(
        frame["measure"]
    )
    assert {(s["source"], s["edition"]) for s in russia.sources()} == set(
        zip(frame["source"], frame["edition"], strict=True)
    )
    assert russia.chart().to_dict()["title"]
    with TestClient(create_app(dataset), base_url="http://127.0.0.1") as client:
        page = client.get("/country/RUS").text
        assert 'href="/api/v1/countries/RUS"' in page
        answer = client.get("/api/v1/countries/RUS").json()
        assert answer["ally"] is False and answer["iso3"] == "RUS"
        assert len(answer["data"]) == len(frame) and answer["sources"] == russia.sources()
        share = frame[frame["measure"] == "milex_pct_gdp"].iloc[-1]
        assert any(
            r["year"] == share["year"] and r["value"] == share["value"] for r in answer["data"]
        )
        assert client.get("/api/v1/countries/POL").json()["joined_nato"] == 1999
