"""The tracker in 2025 and 2026, years only partly covered by NATO's newer editions (as reported):
the newest year by default, honest counts, missing aggregates, one reach year per ally, SIPRI
beside, one edition per row, every secondary figure traceable to its URL."""

from __future__ import annotations

import pytest

from milex.analysis.tracking import coverage, default_year, summary_line, tracker


def allies(result):
    frame = result.frame()
    return frame[frame["row_type"] == "ally"].set_index("iso3")


@pytest.fixture(scope="module", params=[2025, 2026])
def partial(request, dataset):
    return request.param, tracker(request.param, dataset=dataset)


def nato_shares(dataset, year):
    """Every ally's best NATO share for the year, straight from the observations."""
    frame = dataset.series("milex_pct_gdp", "NATO", "nato", year)
    return dict(zip(frame["iso3"], frame["value"], strict=True))


def test_default_year_is_the_newest_year_with_nato_figures_even_a_partial_one(dataset):
    assert default_year(dataset) == 2026
    have, members = coverage(dataset)[2026]
    assert 0 < have < members
    assert tracker(dataset=dataset).summary["year"] == 2026


def test_counts_are_of_the_allies_with_figures_and_the_lede_says_so(partial, dataset):
    year, frame = partial
    shares = {k: v for k, v in nato_shares(dataset, year).items() if k not in ("ISL",)}
    rounded = {"DNK": 3.5} if year == 2026 else {"SVN": 2.0}  # at a threshold, as rounded
    attrs = frame.summary
    assert attrs["partial"] is True
    assert attrs["allies_with_figures"] == len(shares) < attrs["allies"] == 31
    two = sum(v >= 2.0 for k, v in shares.items() if rounded.get(k) != 2.0)
    core = sum(v >= 3.5 for k, v in shares.items() if rounded.get(k) != 3.5)
    assert attrs["count_at_or_above_2pct"] == two
    assert attrs["count_at_or_above_3_5pct"] == core
    lede = summary_line(frame)
    assert f"{len(shares)} of 31 allies with figures" in lede
    assert len(attrs["allies_without_figures"]) == attrs["allies"] - len(shares)
    assert all(name in lede for name in attrs["allies_without_figures"][:8])
    assert "are estimated to spend" in lede and " spent " not in lede


def test_no_title_says_n_of_n_while_allies_lack_figures(partial):
    from milex.present.charts import style
    from milex.present.charts.map import tracker_map
    from milex.present.charts.tracker import equipment_scatter, status_tiles, tracker_bars

    year, frame = partial
    attrs = frame.summary
    for build in (tracker_bars, equipment_scatter, status_tiles, tracker_map):
        spec = build(frame).to_dict()
        title = (
            " ".join(spec["title"]["text"])
            if isinstance(spec["title"]["text"], list)
            else (spec["title"]["text"])
        )
        subtitle = " ".join(spec["title"]["subtitle"])
        footer = " ".join(style.footer_lines(spec))
        assert "of 31 allies with" in title, (build.__name__, title)
        assert f"{attrs['coverage'].capitalize()}. No NATO figure yet for {year}" in subtitle
        for n in range(1, 31):
            assert f"{n} of {n} " not in title, (build.__name__, title)
        missing = attrs["allies_without_figures"]
        assert all(name in subtitle + footer for name in missing), build.__name__


def test_the_tracker_csv_says_how_partial_its_year_is():
    import io

    import pandas as pd
    from typer.testing import CliRunner

    from milex.cli import app

    csv = CliRunner().invoke(app, ["tracker", "--format", "csv"]).stdout
    frame = pd.read_csv(io.StringIO(csv))
    assert set(frame["coverage"]) == {"2026: 10 of 31 allies with figures"}
    missing = frame[(frame["row_type"] == "ally") & frame["milex_pct_gdp"].isna()]
    assert {"United States", "France", "Italy"} <= set(missing["country"])
    assert (missing[missing["iso3"] != "ISL"]["note"] == "no NATO figure for this year").all()


def test_denmark_2026_at_3_5_as_rounded_is_counted_apart_never_met(dataset):
    frame = tracker(2026, dataset=dataset)
    denmark = allies(frame).loc["DNK"]
    assert denmark["milex_pct_gdp"] == 3.5 and "rounded" in denmark["flags"]
    assert denmark["status_hague_core_3_5pct"] == "at threshold (rounded in the source)"
    assert frame.summary["count_hague_core_3_5pct"] == 4
    assert frame.summary["count_at_or_above_3_5pct"] == 4
    assert frame.summary["count_rounded_at_3_5pct"] == 1
    assert frame.summary["rounded_at_3_5pct"] == ["Denmark"]
    assert "4 at or above 3.5%, 1 at 3.5 as rounded" in summary_line(frame)
    assert denmark["hague_reach_year"] > 2026  # a rounded 3.5 is not a year reached


def test_no_2025_or_2026_row_takes_two_editions_without_naming_both(dataset):
    for year in (2025, 2026):
        rows = allies(tracker(year, dataset=dataset))
        for iso3, row in rows.iterrows():
            own = row["edition"]
            for column in ("equipment_edition", "spending_edition"):
                other = row[column]
                if isinstance(own, str) and isinstance(other, str) and other != own:
                    assert other in row["note"] and "definition break" in row["note"], (iso3, year)
    poland, sweden = (allies(tracker(2025, dataset=dataset)).loc[c] for c in ("POL", "SWE"))
    assert poland["edition"] == "2014-2026 (2026-07)"
    assert poland["equipment_edition"] == "2014-2025 (2025-08-28)"  # the 2026 one has none
    assert "equipment share from the 2014-2025 (2025-08-28) edition" in poland["note"]
    assert sweden["equipment_edition"] == "2014-2025 (2025-08-28)" != sweden["edition"]


def test_a_cell_takes_the_rows_edition_where_that_edition_has_it(dataset, monkeypatch):
    """Czechia 2025: its share is the 2025 edition's; the 2026 edition alone gives an equipment
    share, so it comes from there, named; no cell is taken from a newer edition when the row's
    own edition has it."""
    rows = allies(tracker(2025, dataset=dataset))
    czechia = rows.loc["CZE"]
    assert czechia["edition"] == "2014-2025 (2025-08-28)"
    assert czechia["equipment_edition"] == "2014-2026 (2026-07)"
    assert "core defence expenditure: a definition break" in czechia["note"]
    for iso3, row in rows.iterrows():
        every = dataset.series_records("equipment_pct", iso3, "nato", 2025, edition="all")
        if any(r["edition"] == row["edition"] for r in every):
            assert row["equipment_edition"] == row["edition"], iso3


def test_every_secondary_figure_in_csv_and_json_has_a_source_url():
    import io
    import json

    import pandas as pd
    from typer.testing import CliRunner

    from milex.cli import app

    runner = CliRunner()
    for year in ("2025", "2026"):
        csv = runner.invoke(app, ["tracker", "--year", year, "--format", "csv"]).stdout
        frame = pd.read_csv(io.StringIO(csv))
        payload = json.loads(
            runner.invoke(app, ["tracker", "--year", year, "--format", "json"]).stdout
        )
        for rows in (frame.to_dict("records"), payload["data"]):
            for row in rows:
                for flags, url in (("flags", "source_url"),
                                   ("equipment_flags", "equipment_source_url")):  # fmt: skip
                    if isinstance(row[flags], str) and "secondary" in row[flags]:
                        assert str(row[url]).startswith("https://"), (year, row["iso3"], url)


def test_cite_tracker_2026_lists_each_url_the_result_used_and_no_other(dataset):
    import json

    from typer.testing import CliRunner

    from milex.cli import app

    result = CliRunner().invoke(app, ["cite", "tracker", "--year", "2026", "--json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)["secondary_urls"]
    frame = tracker(2026, dataset=dataset).frame()
    used = set()
    for row in frame[frame["row_type"] == "ally"].to_dict("records"):
        for key in ("source_url", "equipment_source_url", "spending_source_url"):
            if isinstance(row[key], str) and "nato.int" not in row[key]:
                used.add(row[key])
    assert set(listed) == used and len(listed) == len(set(listed)) > 0
    text = CliRunner().invoke(app, ["cite", "tracker", "--year", "2026"]).stdout
    assert all(url in text for url in listed)


def test_aggregates_and_their_gaps_are_missing_not_zero(partial):
    _, found = partial
    frame = found.frame()
    aggregates = frame[frame["row_type"] == "aggregate"]
    for column in ("milex_pct_gdp", "gap_2pct_usd_m", "gap_3_5pct_usd_m", "milex_usd_m"):
        assert aggregates[column].isna().all(), column
    assert aggregates["note"].str.startswith("not computed").all()


@pytest.mark.parametrize("year", [2025, 2026])
def test_a_partial_year_exports_as_json_with_the_uncomputed_totals_null(year):
    """The aggregate checks of a partial year say 'not computed' with null, not NaN (which JSON
    cannot carry: `milex tracker --year 2026 --format json` used to fail on it)."""
    import json

    from typer.testing import CliRunner

    from milex.cli import app

    result = CliRunner().invoke(app, ["tracker", "--year", str(year), "--format", "json"])
    assert result.exit_code == 0, result.output
    checks = json.loads(result.stdout)["aggregate_checks"]
    assert [c["iso3"] for c in checks] == ["NATO", "NATO_EU_CA"]
    for check in checks:
        assert check["computed"] is None and check["difference_pp"] is None
        assert check["note"].startswith("not computed")
    published = {c["iso3"]: c["published"] for c in checks}
    assert published == ({"NATO": 2.76, "NATO_EU_CA": 2.27} if year == 2025 else
                         {"NATO": None, "NATO_EU_CA": None})  # fmt: skip


def test_nato_published_2025_total_is_shown_beside_the_missing_computed_one(dataset):
    frame = tracker(2025, dataset=dataset).frame()
    total = frame[frame["iso3"] == "NATO"].iloc[0]
    published = dataset.aggregate("milex_pct_gdp", "NATO", "nato", 2025)
    assert total["published_pct_gdp"] == published["value"].iloc[0] == 2.76
    assert "2014-2025 (2025-08-28)" in total["note"]


def test_reach_year_never_contradicts_the_allys_newest_figure(partial):
    year, frame = partial
    for iso3, row in allies(frame).iterrows():
        share, reach = row["milex_pct_gdp"], row["hague_reach_year"]
        if share is None or share != share or year != 2026:
            continue
        if share >= 3.5 and "rounded" not in row["flags"]:
            assert reach is not None and reach <= year, iso3
        elif reach is not None and reach == reach:
            assert reach > year, iso3


def test_one_reach_year_per_ally_in_every_view(dataset):
    """Latvia's 2025 figures are above 3.5% in both editions: it reached 3.5% in 2025 whatever
    year is viewed; Denmark and Lithuania used to move with the view too."""
    views = {year: allies(tracker(year, dataset=dataset)) for year in (2024, 2025, 2026)}
    for iso3 in ("LVA", "DNK", "LTU"):
        reach = {year: rows.loc[iso3, "hague_reach_year"] for year, rows in views.items()}
        note = {year: rows.loc[iso3, "hague_reach_note"] for year, rows in views.items()}
        assert len(set(reach.values())) == 1 and len(set(note.values())) == 1, (iso3, reach)
    assert views[2024].loc["LVA", "hague_reach_year"] == 2025
    assert views[2026].loc["LTU", "hague_reach_year"] <= 2025
    # the view year changes only the status
    assert views[2024].loc["LVA", "status_hague_core_3_5pct"] == "not applicable"
    assert views[2026].loc["LVA", "status_hague_core_3_5pct"] == "met"


def test_the_annual_report_figures_load_under_their_own_edition(dataset):
    edition = "SG Annual Report 2025 (2026-03-26)"
    rows = dataset.series_records("milex_pct_gdp", None, "nato", 2025, edition=edition)
    assert {r["iso3"]: r["value"] for r in rows} == {
        "BGR": 2.1, "HRV": 2.1, "SVK": 2.1, "MNE": 2.1, "SVN": 2.0,
    }  # fmt: skip
    for r in rows:
        assert set(r["flags"].split(";")) == {"secondary", "rounded", "estimate"}
        assert r["origin"].startswith("https://")
    frame = tracker(2025, dataset=dataset)
    assert frame.summary["allies_with_figures"] == 30 and frame.summary["allies_without_iso3"] == [
        "HUN"
    ]
    assert allies(frame).loc["BGR", "milex_pct_gdp"] == 2.1
    slovenia = allies(frame).loc["SVN"]
    assert slovenia["status_wales_2pct"] == "at threshold (rounded in the source)"


def test_poland_2026_meets_3_5_and_its_row_names_the_core_defence_edition(dataset):
    found = tracker(2026, dataset=dataset)
    poland = allies(found).loc["POL"]
    assert poland["milex_pct_gdp"] == 4.68
    assert poland["status_hague_core_3_5pct"] == "met"
    assert poland["edition"] == "2014-2026 (2026-07)"
    assert poland["national_2pct_law"]  # NATO's '*' of its 2024 file carries over
    assert found.summary["editions"] == {"2014-2026 (2026-07)": "core defence expenditure"}


def test_2025_mixes_two_definitions_and_says_so(dataset):
    frame = tracker(2025, dataset=dataset)
    rows = allies(frame)
    assert rows.loc["POL", "edition"] == "2014-2026 (2026-07)"  # newest restatement first
    assert rows.loc["POL", "milex_pct_gdp"] == 4.25
    assert rows.loc["ITA", "edition"] == "2014-2025 (2025-08-28)"
    assert any(n.startswith("Definition break") for n in frame.summary["notes"])


def test_one_edition_can_be_asked_for_alone(dataset):
    rows = allies(tracker(2025, dataset=dataset, edition="2014-2025 (2025-08-28)"))
    assert rows.loc["POL", "milex_pct_gdp"] == 4.48
    assert rows["edition"].dropna().unique().tolist() == ["2014-2025 (2025-08-28)"]


def test_sipri_2025_figures_sit_beside_natos_never_merged(dataset):
    rows = allies(tracker(2025, dataset=dataset))
    sipri = dataset.series("milex_pct_gdp", "ESP", "sipri", 2025)
    assert rows.loc["ESP", "milex_pct_gdp_sipri"] == sipri["value"].iloc[0]
    assert rows.loc["ESP", "milex_pct_gdp"] != rows.loc["ESP", "milex_pct_gdp_sipri"]
    assert rows.loc["ESP", "sipri_edition"] == sipri["edition"].iloc[0]


def test_each_allys_stated_plan_sits_beside_the_line(dataset):
    from milex.analysis.plans import plan_share

    rows = allies(tracker(2026, dataset=dataset))
    for iso3, row in rows.iterrows():
        stated = plan_share(iso3, 2026)
        shown = row["national_plan_pct"]
        assert (stated is None and (shown is None or shown != shown)) or shown == stated, iso3
    assert rows["national_plan_pct"].notna().any()


def test_a_country_profile_across_the_2026_definition_break_says_so(dataset):
    from milex.analysis.profile import country_profile

    poland = country_profile("POL", dataset=dataset)
    assert len(poland.notes) == 1 and poland.notes[0].startswith("Definition break")
    assert "2025-2026: core defence expenditure" in poland.notes[0]
    france = country_profile("FRA", dataset=dataset)  # no 2026-edition figures for France
    assert france.year == 2025  # its newest figure, named as older than the others'
    assert france.notes == (
        "No NATO figure yet for France in 2026: its newest is 2025, shown here (other allies' "
        "2026 figures are out).",
    )


def test_a_rows_cells_come_from_its_own_edition_before_a_newer_one(dataset, tmp_path):
    """Give Czechia's 2025 edition an equipment share beside the 2026 edition's: the row (whose
    share is the 2025 edition's) must take its own edition's, not the newer 'best' one."""
    import pandas as pd

    from milex.data import bundle, snapshot
    from milex.data.store import Dataset

    obs = dataset.observations()
    older = "2014-2025 (2025-08-28)"
    extra = obs[
        (obs["iso3"] == "CZE") & (obs["year"] == 2025) & (obs["measure"] == "equipment_pct")
    ]
    assert extra["edition"].tolist() == ["2014-2026 (2026-07)"]
    extra = extra.assign(edition=older, value=31.5)
    obs = pd.concat([obs, extra], ignore_index=True)
    countries = bundle.countries_path().read_bytes()
    snapshot.write_snapshot(tmp_path, obs, countries, dataset.package["sources"], allow_shrink=True)
    czechia = allies(tracker(2025, dataset=Dataset.open(tmp_path))).loc["CZE"]
    assert czechia["edition"] == czechia["equipment_edition"] == older
    assert czechia["equipment_pct"] == 31.5 and "equipment share from" not in czechia["note"]


def test_the_equipment_count_agrees_with_its_table(partial):
    """2026 used to say '8 of 9' over a table showing 9 of 10 (Czechia's equipment share came
    without a share of GDP)."""
    year, frame = partial
    rows = allies(frame)
    shown = rows["equipment_pct"].dropna()
    assert frame.summary["allies_with_equipment"] == len(shown)
    assert frame.summary["count_equipment_20pct"] == int((shown >= 20.0).sum())
    if year == 2026:
        assert (frame.summary["count_equipment_20pct"], len(shown)) == (9, 10)
        assert "9 of 10 allies with an equipment share" in summary_line(frame)


def test_the_north_korea_note_says_what_ships(dataset):
    import csv

    from milex.data.bundle import package_dir

    rows = dataset.series_records("milex_lcu", "PRK", "sipri") + dataset.series_records(
        "milex_usd", "PRK", "sipri"
    )
    with open(package_dir() / "memberships.csv", encoding="utf-8") as handle:
        note = next(r["note"] for r in csv.DictReader(handle) if r["iso3"] == "PRK")
    assert f"SIPRI: {len(rows)} figures" in note and len(rows) == 9
    assert all("uncertain" in r["flags"] for r in rows) and "highly uncertain" in note


def test_the_totals_chart_tells_the_2025_estimates_without_joining_another_price_base(dataset):
    from milex.present import figures
    from milex.present.charts import style

    spec = figures.build("totals", dataset=dataset).to_dict()
    footer = " ".join(style.footer_lines(spec))
    assert "2025: NATO's estimate (2014-2025 (2025-08-28) edition, as reported)" in footer
    assert "constant 2021 prices, not joined" in footer and "US$ 559 bn" in footer
    plotted = [
        r for v in spec["datasets"].values() if isinstance(v, list) for r in v if "year" in r
    ]
    assert max(r["year"] for r in plotted) == 2024  # the 2015-price line stops at NATO's file
    cited = {s["edition"] for s in spec["usermeta"]["milex"]["sources"]}
    assert "2014-2025 (2025-08-28)" in cited


def test_best_is_the_edition_published_last_not_the_label_sorting_last(dataset, tmp_path):
    """'SG Annual Report 2025 (2026-03-26)' sorts above '2014-2026 (2026-07)' as text; give the
    annual report an Estonia 2025 figure too, and the July 2026 tables must still win."""
    import pandas as pd

    from milex.data import bundle, snapshot
    from milex.data.store import Dataset

    obs = dataset.observations()
    est = obs[(obs["iso3"] == "EST") & (obs["year"] == 2025) & (obs["measure"] == "milex_pct_gdp")]
    newest = est[est["edition"] == "2014-2026 (2026-07)"]
    extra = newest.assign(edition="SG Annual Report 2025 (2026-03-26)", value=3.4)
    obs = pd.concat([obs, extra], ignore_index=True)
    countries = bundle.countries_path().read_bytes()
    snapshot.write_snapshot(tmp_path, obs, countries, dataset.package["sources"], allow_shrink=True)
    best = Dataset.open(tmp_path).series_records("milex_pct_gdp", "EST", "nato", 2025)
    assert [(r["edition"], r["value"]) for r in best] == [("2014-2026 (2026-07)", 3.93)]
