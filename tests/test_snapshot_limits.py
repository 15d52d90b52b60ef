"""What a build refuses, on the bundled snapshot's own figures: more SIPRI figures than its terms
allow, an edition that shrinks inside its source's tolerance, flags and measures outside the
vocabulary. Each test breaks one thing and asserts the check that must name it (see
scripts/mutate.py: each of these checks, removed, fails a test here)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from milex.data import snapshot
from milex.data.checks import ChecksFailed, run_checks

PACKAGE = Path(snapshot.package_dir())
SIPRI_2025 = "2025-04 (1949-2024)"  # the bundled workbook edition (3,194 figures)
NATO_2026 = "2014-2026 (2026-07)"  # NATO's 2026 edition as restated (43 figures)


@pytest.fixture(scope="module")
def bundled() -> tuple[pd.DataFrame, list[dict], bytes]:
    package = json.loads((PACKAGE / snapshot.DATAPACKAGE).read_text())
    obs = pd.read_parquet(snapshot.read_package(PACKAGE)[0])
    countries = next(r for r in package["resources"] if r["name"] == "countries")
    return obs, package["sources"], (PACKAGE / countries["path"]).read_bytes()


def sipri_with(obs: pd.DataFrame, total: int) -> pd.DataFrame:
    """The bundled SIPRI extract (3,230 figures) plus SIPRI's previous workbook edition for as many
    of the same figures as make ``total``: what a snapshot keeping two SIPRI editions would hold."""
    sipri = obs[obs["source"] == "sipri"]
    extra = total - len(sipri)
    assert 0 < extra <= len(sipri)
    previous = sipri[sipri["edition"] == SIPRI_2025].head(extra)
    return pd.concat(
        [sipri, previous.assign(edition="2024-04 (1949-2023)")], ignore_index=True
    ).reset_index(drop=True)


def sipri_messages(caught: pytest.ExceptionInfo[ChecksFailed]) -> list[str]:
    return [v.message for v in caught.value.violations if "SIPRI figures exceed" in v.message]


def test_the_bundled_snapshot_ships_3230_sipri_figures_and_records_them(bundled):
    obs, _, _ = bundled
    count = int((obs["source"] == "sipri").sum())
    package = json.loads((PACKAGE / snapshot.DATAPACKAGE).read_text())
    assert count == package["sipri_figures"] == 3230
    assert package["sipri_limit"] == snapshot.SIPRI_LIMIT == 3500


def test_3500_sipri_figures_pass_and_3501_are_refused_naming_both_numbers(bundled):
    obs, _, _ = bundled
    snapshot.validate(sipri_with(obs, 3500))  # exactly SIPRI's limit: allowed
    with pytest.raises(ChecksFailed) as caught:
        snapshot.validate(sipri_with(obs, 3501))
    assert sipri_messages(caught) == ["3501 SIPRI figures exceed the 3500 SIPRI allows"]


def test_a_build_with_more_than_3500_sipri_figures_is_refused_and_writes_nothing(bundled, tmp_path):
    obs, _, countries = bundled
    too_many = sipri_with(obs, 3501)
    with pytest.raises(ChecksFailed) as caught:
        snapshot.write_snapshot(tmp_path, too_many, countries, [])
    assert sipri_messages(caught) == ["3501 SIPRI figures exceed the 3500 SIPRI allows"]
    assert list(tmp_path.iterdir()) == []
    # the same figures as a full snapshot for the user's own machine: written, and marked so
    package = snapshot.write_snapshot(tmp_path, too_many, countries, [], full_sipri=True)
    assert package["sipri_figures"] == 3501 and package["sipri_limit"] is None


def nato(bundled) -> tuple[pd.DataFrame, list[dict]]:
    obs, sources, _ = bundled
    return obs[obs["source"] == "nato"], [s for s in sources if s["source"] == "nato"]


def test_an_edition_that_loses_a_fifth_of_its_figures_is_refused_though_its_source_keeps_99pct(
    bundled,
):
    """NATO's 2026 edition loses 9 of its 43 figures, one from every fifth row: 0.2% of NATO's
    5,464 figures (far inside the source's 5%), no ally's series gone, no year halved. Only the
    per-edition count sees it."""
    previous, sources = nato(bundled)
    rows = previous.index[previous["edition"] == NATO_2026]
    shrunk = previous.drop(index=rows[::5])
    assert len(rows[::5]) == 9
    with pytest.raises(ChecksFailed) as caught:
        run_checks(shrunk, sources, previous)
    assert [v.check for v in caught.value.violations] == ["count"]
    assert caught.value.violations[0].message.startswith(
        "nato edition '2014-2026 (2026-07)': 34 figures, 43 in the previous snapshot (-20.9%)"
    )
    run_checks(shrunk, sources, previous, allow_shrink=True)  # --allow-shrink lets it through
    run_checks(previous.drop(index=rows[:2]), sources, previous)  # 2 of 43 (4.7%): within 5%


def test_a_source_that_loses_over_5pct_is_refused(bundled):
    """A tenth of NATO's 2014-2024 table (every tenth row) gone: no series or year vanishes."""
    previous, sources = nato(bundled)
    rows = previous.index[previous["edition"] == "2014-2024 (2024-06-17)"]
    with pytest.raises(ChecksFailed) as caught:
        run_checks(previous.drop(index=rows[::10]), sources, previous)
    messages = [v.message for v in caught.value.violations]
    assert any(m.startswith("nato: 4926 figures, 5464 in the previous snapshot") for m in messages)


def test_one_allys_vanished_series_is_refused_though_the_source_keeps_99pct(bundled):
    previous, sources = nato(bundled)
    gone = (previous["iso3"] == "ALB") & (previous["measure"] == "personnel_pct")
    assert 0 < gone.sum() < 0.05 * len(previous)
    with pytest.raises(ChecksFailed) as caught:
        run_checks(previous[~gone], sources, previous)
    assert any(
        "every figure for ALB is gone in personnel_pct" in v.message
        for v in caught.value.violations
    )


def test_a_year_of_a_table_that_loses_most_figures_is_refused(bundled):
    previous, sources = nato(bundled)
    year = previous.index[
        (previous["measure"] == "milex_usd") & (previous["year"] == 2019)
        & (previous["edition"] == "2014-2024 (2024-06-17)")
    ]  # fmt: skip
    with pytest.raises(ChecksFailed) as caught:
        run_checks(previous.drop(index=year[: len(year) * 2 // 3]), sources, previous)
    assert any(v.message.startswith("nato milex_usd 2019: ") for v in caught.value.violations)


def test_a_flag_outside_the_vocabulary_is_refused_naming_it(bundled):
    obs, sources = nato(bundled)
    obs = obs.copy()
    obs.loc[obs.index[0], "flags"] = "estimate;guessed"
    with pytest.raises(ChecksFailed) as caught:
        run_checks(obs, sources, None)
    assert [v.message for v in caught.value.violations] == ["unknown flags ['guessed']"]


def test_a_measure_missing_from_the_catalogue_is_refused_naming_it(bundled):
    obs, sources = nato(bundled)
    obs = obs.copy()
    obs.loc[obs.index[0], "measure"] = "milex_pct_gpd"
    with pytest.raises(ChecksFailed) as caught:
        run_checks(obs, sources, None)
    assert any("['milex_pct_gpd']" in v.message for v in caught.value.violations)


def test_sipri_figures_that_lost_their_estimate_colour_are_refused(bundled):
    obs, sources, _ = bundled
    previous = obs[obs["source"] == "sipri"]
    pale = previous.assign(flags=previous["flags"].str.replace("estimate", "", regex=False))
    with pytest.raises(ChecksFailed) as caught:
        run_checks(pale, sources, previous)
    assert {v.check for v in caught.value.violations} == {"flags"}
