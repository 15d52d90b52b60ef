"""The query API: tidy frames, blocs expanded as of each year, clear errors."""

from __future__ import annotations

import pandas as pd
import pytest

from milex.errors import QueryError, UnknownCountryError


def test_series_has_the_documented_columns(dataset):
    frame = dataset.series("milex_pct_gdp", "POL", "nato", (2014, 2024))
    assert list(frame.columns)[:8] == [
        "iso3",
        "year",
        "measure",
        "source",
        "edition",
        "value",
        "unit",
        "flags",
    ]
    assert frame["year"].tolist() == list(range(2014, 2025))


def test_a_bloc_expands_to_its_members_as_of_each_year(dataset):
    frame = dataset.series("milex_pct_gdp", "NATO", "nato", (2022, 2024), include_secondary=False)
    per_year = frame.groupby("year")["iso3"].apply(set)
    assert "FIN" not in per_year[2022] and "FIN" in per_year[2023]
    assert "SWE" not in per_year[2023] and "SWE" in per_year[2024]
    assert [len(per_year[y]) for y in (2022, 2023, 2024)] == [29, 30, 31]  # Iceland has no figure


@pytest.mark.parametrize(
    "args",
    [
        ("milex_pct_gdp", "NATO", "nato", (2022, 2024)),  # a bloc: members only in their years
        ("gdp_real_growth_pct", ["DEU", "POL", "USA"], "imf_weo", [2019, 2024, 2030]),
        ("milex_usd", "Türkiye, CRINK", "sipri", None),
    ],
)
def test_series_records_are_the_series_rows_without_pandas(dataset, args):
    """The pandas-free reader (for a cold projection) gives the same rows as series()."""
    frame = dataset.series(*args)
    records = dataset.series_records(*args)
    assert len(records) == len(frame) > 0
    expected = frame.astype(object).where(frame.notna(), None).to_dict("records")
    for got, want in zip(records, expected, strict=True):
        assert got.keys() == want.keys()
        for key, value in want.items():
            assert got[key] == value, key  # figures exactly, missing values as None


def test_years_with_gaps_give_only_those_years(dataset):
    frame = dataset.series("gdp_real_growth_pct", "DEU", "imf_weo", [2019, 2024, 2030])
    assert frame["year"].tolist() == [2019, 2024, 2030]


def test_names_blocs_and_codes_mix_in_one_query(dataset):
    frame = dataset.series(
        "milex_pct_gdp", "Türkiye, CRINK", "sipri", 2024, include_secondary=False
    )
    assert set(frame["iso3"]) == {"TUR", "RUS", "CHN", "IRN"}


def test_best_edition_prefers_the_publishers_file_over_a_secondary_restatement(dataset):
    """Where editions compete. Germany 2024: NATO's own 2014-2024 file gives 2.12 (2.118977, an
    estimate), the 2025 edition's restatement, published later, 2.0: the publisher's file wins.
    Poland 2025: the 2025 edition (4.48) and the 2026 edition (4.25), both restatements: the one
    published last wins."""
    germany = dataset.series("milex_pct_gdp", "DEU", "nato", 2024, edition="all")
    assert dict(zip(germany["edition"], germany["value"], strict=True)) == {
        "2014-2024 (2024-06-17)": pytest.approx(2.118977, abs=1e-6),
        "2014-2025 (2025-08-28)": 2.0,
    }
    best = dataset.series("milex_pct_gdp", "DEU", "nato", 2024)
    assert best["edition"].tolist() == ["2014-2024 (2024-06-17)"]
    assert best["value"].iloc[0] == pytest.approx(2.118977, abs=1e-6)
    frame = dataset.series("milex_pct_gdp", "POL", "nato", (2024, 2025))
    assert frame.set_index("year")["flags"].to_dict() == {
        2024: "estimate;national_2pct_law",
        2025: "estimate;secondary",
    }
    every = dataset.series("milex_pct_gdp", "POL", "nato", (2024, 2025), edition="all")
    assert len(every) == 3  # 2025 in the 2025 edition (4.48) and the 2026 edition (4.25)
    assert frame.set_index("year").loc[2025, "value"] == 4.25  # the newest restatement
    assert frame.set_index("year").loc[2025, "edition"] == "2014-2026 (2026-07)"


def test_a_series_that_meets_two_definitions_says_so(dataset):
    frame = dataset.series("milex_pct_gdp", "POL", "nato", (2023, 2026))
    assert dataset.definitions(frame) == {
        "2014-2024 (2024-06-17)": "defence expenditure",
        "2014-2026 (2026-07)": "core defence expenditure",
    }
    assert frame.attrs == {}  # results travel in the frame's columns, never in attrs
    one_edition = dataset.series("milex_pct_gdp", "POL", "nato", (2014, 2024))
    assert set(dataset.definitions(one_edition).values()) == {"defence expenditure"}


def test_wide_view_has_one_column_per_year(dataset):
    table = dataset.wide("milex_pct_gdp", ["POL", "DEU"], "nato", (2014, 2024))
    assert list(table.columns) == list(range(2014, 2025))
    assert table.loc["POL", 2024] == pytest.approx(4.1202, abs=1e-4)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"measure": "milex_pct"}, "unknown measure 'milex_pct'"),
        ({"measure": "milex_pct_gdp", "source": "oecd"}, "unknown source 'oecd'"),
        ({"measure": "milex_pct_gdp", "years": (2024, 2014)}, "runs backwards"),
        ({"measure": "milex_pct_gdp", "edition": "1999"}, "unknown edition '1999'"),
    ],
)
def test_bad_queries_are_clear_errors(dataset, kwargs, message):
    with pytest.raises(QueryError, match=message):
        dataset.series(**kwargs)


def test_unknown_country_lists_suggestions(dataset):
    with pytest.raises(UnknownCountryError, match=r"Polnd.*Poland \(POL\)"):
        dataset.series("milex_pct_gdp", "Polnd")


def test_an_empty_bloc_result_keeps_the_columns(dataset):
    frame = dataset.series("milex_pct_gdp", "NATO", "nato", 1990)
    assert frame.empty and list(frame.columns)[:3] == ["iso3", "year", "measure"]


def test_citations_cover_every_pair_used_in_snapshot_order(dataset):
    frame = dataset.series("milex_pct_gdp", "POL", years=2024, include_secondary=False)
    cited = dataset.citations(frame)
    assert [c["source"] for c in cited] == ["nato", "sipri"]
    assert all(c["citation"] and c["url"] and c["licence"] for c in cited)
    user = dataset.citations({("user:estimates", "2026-11")})
    assert user == [{"source": "user:estimates", "edition": "2026-11"}]  # cited, never dropped


def test_a_snapshot_in_any_row_order_answers_the_same(dataset, tmp_path):
    import pyarrow.parquet as pq

    from milex.data.store import Dataset

    shuffled = pq.read_table(dataset.path).to_pandas().sample(frac=1.0, random_state=7)
    path = tmp_path / "observations.parquet"
    shuffled.to_parquet(path, index=False)
    other = Dataset(path, dataset.package, dataset.registry)
    for query in (("milex_pct_gdp", "NATO", "nato", (2014, 2026)), ("milex_usd", "CRINK", "sipri")):
        pd.testing.assert_frame_equal(other.series(*query), dataset.series(*query))
    assert other.aggregate("milex_pct_gdp", "NATO", "nato").equals(
        dataset.aggregate("milex_pct_gdp", "NATO", "nato")
    )
