"""NATO's aggregates and ranks as NATO computes them: Iceland's GDP counts in the bloc's GDP,
Iceland itself (no armed forces) is never ranked or judged, and a total is computed only when every
member has its figures (scripts/mutate.py breaks each rule; a test here fails)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from milex.analysis.tracking import TrackerResult, tracker
from milex.data import _rowcheck as rowcheck
from milex.data.store import Dataset

TABLE = "2014-2024 (2024-06-17)"  # NATO's 2014-2024 tables, the bundled publisher file


def changed(dataset: Dataset, tmp_path: Path, change: Callable[[pd.DataFrame], pd.DataFrame]):
    """The bundled dataset with its observations changed (row count recorded, no checksum)."""
    obs = change(pd.read_parquet(dataset.path))
    path = tmp_path / "observations.parquet"
    obs.to_parquet(path, index=False)
    package = copy.deepcopy(dataset.package)
    entry = next(r for r in package["resources"] if r["name"] == "observations")
    entry["rows"] = len(obs)
    entry.pop(rowcheck.FIELD, None)
    return Dataset(path, package, dataset.registry)


def rows(result: TrackerResult) -> pd.DataFrame:
    return result.frame().set_index("iso3")


def nato_figure(dataset: Dataset, iso3: str, measure: str, year: int) -> float:
    found = dataset.sql(
        "SELECT value FROM observations WHERE source = 'nato' AND edition = ? AND iso3 = ? "
        "AND measure = ? AND year = ?",
        [TABLE, iso3, measure, year],
    )["value"]
    assert len(found) == 1, (iso3, measure, year)
    return float(found.iloc[0])


def test_natos_aggregate_share_counts_icelands_gdp_as_nato_does(dataset):
    """2024: 31 allies' constant-price spending over 32 members' constant-price GDP, Iceland's
    US$ 23,420 m (NATO Table 5, 2015 prices) included, is NATO's published 2.71275%; without
    Iceland's GDP it would be 0.0015 pp higher."""
    frame = rows(tracker(2024, dataset=dataset))
    iceland = nato_figure(dataset, "ISL", "gdp_usd_const", 2024)
    assert iceland == pytest.approx(23_420.42235, abs=1e-3)
    allies = [m for m in dataset.registry.members("NATO", 2024) if m != "ISL"]
    spending = sum(nato_figure(dataset, m, "milex_usd_const", 2024) for m in allies)
    gdp = sum(nato_figure(dataset, m, "gdp_usd_const", 2024) for m in allies)
    published = frame.loc["NATO", "published_pct_gdp"]
    assert published == pytest.approx(2.712749728347316, abs=1e-12)
    assert frame.loc["NATO", "milex_pct_gdp"] == pytest.approx(published, abs=1e-9)
    assert 100 * spending / (gdp + iceland) == pytest.approx(published, abs=1e-9)
    assert 100 * spending / gdp - published > 0.001  # what leaving Iceland out would do
    europe = frame.loc["NATO_EU_CA"]
    assert europe["milex_pct_gdp"] == pytest.approx(europe["published_pct_gdp"], abs=1e-9)


def test_iceland_with_a_share_of_0_is_still_neither_ranked_nor_judged_nor_counted(
    dataset, tmp_path
):
    """SIPRI records Iceland's spending as 0 (no armed forces). A NATO table that printed that as
    a share of 0.0% must not make Iceland the 32nd-ranked ally, 'not met' or part of any total."""
    sipri = dataset.sql(
        "SELECT value FROM observations WHERE source = 'sipri' AND iso3 = 'ISL' "
        "AND measure = 'milex_usd' AND year = 2024"
    )["value"]
    assert sipri.tolist() == [0.0]
    row = {"iso3": "ISL", "year": 2024, "measure": "milex_pct_gdp", "source": "nato",
           "edition": TABLE, "value": 0.0, "unit": "percent", "flags": "estimate",
           "origin": "TABLE3!N24"}  # fmt: skip
    with_iceland = changed(dataset, tmp_path, lambda o: pd.concat([o, pd.DataFrame([row])]))
    before, after = tracker(2024, dataset=dataset), tracker(2024, dataset=with_iceland)
    iceland = rows(after).loc["ISL"]
    assert iceland["milex_pct_gdp"] == 0.0  # listed with the figure ...
    assert pd.isna(iceland["rank"]) and iceland["note"] == "no armed forces"  # ... never ranked
    assert iceland["status_wales_2pct"] == iceland["status_hague_core_3_5pct"] == "not applicable"
    ranks = rows(after)["rank"].dropna().astype(int)
    assert sorted(ranks) == list(range(1, 32)) and rows(after).loc["POL", "rank"] == 1
    assert after.summary["count_at_or_above_2pct"] == before.summary["count_at_or_above_2pct"] == 23
    for code in ("NATO", "NATO_EU_CA"):
        assert rows(after).loc[code, "milex_pct_gdp"] == rows(before).loc[code, "milex_pct_gdp"]


def test_no_aggregate_share_when_one_ally_lacks_constant_price_spending(dataset, tmp_path):
    """North Macedonia's 2024 constant-price spending missing: 30 of 31 allies is not NATO's
    total; both aggregates are left missing (never computed from the rest) with NATO's own
    published figure beside them."""
    gone = changed(
        dataset,
        tmp_path,
        lambda o: o[
            ~((o["source"] == "nato") & (o["iso3"] == "MKD") & (o["year"] == 2024)
              & (o["measure"] == "milex_usd_const"))
        ],
    )  # fmt: skip
    frame = rows(tracker(2024, dataset=gone))
    for code, members in (("NATO", 31), ("NATO_EU_CA", 30)):
        total = frame.loc[code]
        assert pd.isna(total["milex_pct_gdp"]), code
        assert total["note"].startswith(
            f"not computed: constant-price spending and GDP for {members - 1} of {members} members"
        )
        assert total["published_pct_gdp"] == pytest.approx(
            {"NATO": 2.7127, "NATO_EU_CA": 2.0155}[code], abs=1e-4
        )


def test_no_bloc_spending_in_dollars_when_one_ally_lacks_it(dataset, tmp_path):
    """North Macedonia's 2024 spending in US$ missing: the bloc's US$ total is missing, never the
    sum of the other 30; with every figure there it is the sum of all 31."""
    full = rows(tracker(2024, dataset=dataset))
    allies = full[full["row_type"] == "ally"]
    assert full.loc["NATO", "milex_usd_m"] == pytest.approx(allies["milex_usd_m"].sum(), rel=1e-12)
    gone = changed(
        dataset,
        tmp_path,
        lambda o: o[
            ~((o["source"] == "nato") & (o["iso3"] == "MKD") & (o["year"] == 2024)
              & (o["measure"] == "milex_usd"))
        ],
    )  # fmt: skip
    frame = rows(tracker(2024, dataset=gone))
    assert pd.isna(frame.loc["MKD", "milex_usd_m"])
    assert pd.isna(frame.loc["NATO", "milex_usd_m"])
    assert pd.isna(frame.loc["NATO", "gap_2pct_usd_m"])


def test_a_partial_year_leaves_every_total_missing(dataset):
    """2026: 10 of 31 allies with a share, 4 with spending in US$: no total is a sum of those."""
    frame = rows(tracker(2026, dataset=dataset))
    allies = frame[frame["row_type"] == "ally"]
    assert allies["milex_pct_gdp"].notna().sum() == 10 and allies["milex_usd_m"].notna().sum() == 4
    for code in ("NATO", "NATO_EU_CA"):
        for column in ("milex_pct_gdp", "milex_usd_m", "equipment_pct", "gap_2pct_usd_m"):
            assert pd.isna(frame.loc[code, column]), (code, column)
