"""The tracker in 2025 and 2026, years only partly covered by NATO's newer editions (as reported):
honest counts, missing aggregates, no contradicting reach year, SIPRI beside, editions named."""

from __future__ import annotations

import pytest

from milex.tracking import coverage, default_year, summary_line, tracker


def allies(frame):
    return frame[frame["row_type"] == "ally"].set_index("iso3")


@pytest.fixture(scope="module", params=[2025, 2026])
def partial(request, dataset):
    return request.param, tracker(request.param, dataset=dataset)


def nato_shares(dataset, year):
    """Every ally's best NATO share for the year, straight from the observations."""
    frame = dataset.series("milex_pct_gdp", "NATO", "nato", year)
    return dict(zip(frame["iso3"], frame["value"], strict=True))


def test_default_year_is_the_latest_year_every_ally_has_a_figure(dataset):
    assert default_year(dataset) == 2024
    have, members = coverage(dataset)[2026]
    assert 0 < have < members


def test_counts_are_of_the_allies_with_figures_and_the_lede_says_so(partial, dataset):
    year, frame = partial
    shares = {k: v for k, v in nato_shares(dataset, year).items() if k not in ("ISL",)}
    attrs = frame.attrs
    assert attrs["partial"] is True
    assert attrs["allies_with_figures"] == len(shares) < attrs["allies"]
    assert attrs["count_at_or_above_2pct"] == sum(v >= 2.0 for v in shares.values())
    assert attrs["count_at_or_above_3_5pct"] == sum(v >= 3.5 for v in shares.values())
    assert f"{len(shares)} of {attrs['allies']} allies have figures" in summary_line(frame)
    assert len(attrs["allies_without_figures"]) == attrs["allies"] - len(shares)


def test_aggregates_and_their_gaps_are_missing_not_zero(partial):
    _, frame = partial
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
    frame = tracker(2025, dataset=dataset)
    total = frame[frame["iso3"] == "NATO"].iloc[0]
    published = dataset.aggregate("milex_pct_gdp", "NATO", "nato", 2025)
    assert total["published_pct_gdp"] == published["value"].iloc[0] == 2.76
    assert "2014-2025 (2025-08-28)" in total["note"]


def test_reach_year_never_contradicts_the_years_own_status(partial):
    year, frame = partial
    for iso3, row in allies(frame).iterrows():
        share, reach = row["milex_pct_gdp"], row["hague_reach_year"]
        if share is None or share != share:
            continue
        if share >= 3.5:
            assert reach is not None and reach <= year, iso3
        elif reach is not None and reach == reach:
            assert reach > year, iso3


def test_poland_2026_meets_3_5_and_its_row_names_the_core_defence_edition(dataset):
    frame = allies(tracker(2026, dataset=dataset))
    poland = frame.loc["POL"]
    assert poland["milex_pct_gdp"] == 4.68
    assert poland["status_hague_core_3_5pct"] == "met"
    assert poland["edition"] == "2014-2026 (2026-07)"
    assert poland["national_2pct_law"]  # NATO's '*' of its 2024 file carries over
    assert frame.attrs["editions"] == {"2014-2026 (2026-07)": "core defence expenditure"}


def test_2025_mixes_two_definitions_and_says_so(dataset):
    frame = tracker(2025, dataset=dataset)
    rows = allies(frame)
    assert rows.loc["POL", "edition"] == "2014-2026 (2026-07)"  # newest restatement first
    assert rows.loc["POL", "milex_pct_gdp"] == 4.25
    assert rows.loc["ITA", "edition"] == "2014-2025 (2025-08-28)"
    assert any(n.startswith("Definition break") for n in frame.attrs["notes"])


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
    from milex.plans import plan_share

    rows = allies(tracker(2026, dataset=dataset))
    for iso3, row in rows.iterrows():
        stated = plan_share(iso3, 2026)
        shown = row["national_plan_pct"]
        assert (stated is None and (shown is None or shown != shown)) or shown == stated, iso3
    assert rows["national_plan_pct"].notna().any()


def test_a_country_profile_across_the_2026_definition_break_says_so(dataset):
    from milex.profile import country_profile

    poland = country_profile("POL", dataset=dataset)
    assert len(poland.notes) == 1 and poland.notes[0].startswith("Definition break")
    assert "2025-2026: core defence expenditure" in poland.notes[0]
    france = country_profile("FRA", dataset=dataset)  # no 2026-edition figures for France
    assert france.notes == ()
