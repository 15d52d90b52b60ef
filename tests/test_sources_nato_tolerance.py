"""Issue 29, item 1: NATO workbooks in every plausible form parse with the right values, estimate
flags, units and edition (tests/nato_variants.TOLERATED); what would corrupt a number fails naming
the sheet and cell (tests/nato_variants.STRICT)."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from milex.data.sources import nato
from milex.errors import SourceError

from .nato_layouts import build_workbook, edited
from .nato_variants import STRICT, TOLERATED, Case

COMPARED = ["iso3", "year", "measure", "value", "unit", "flags", "edition"]


@pytest.fixture(scope="module")
def baselines(tmp_path_factory, registry):
    """The unchanged workbook's figures per (layout, with Table 4)."""
    cache: dict[tuple[str, bool], pd.DataFrame] = {}

    def baseline(case: Case) -> pd.DataFrame:
        key = (case.layout, bool(case.build.get("table4")))
        if key not in cache:
            path = tmp_path_factory.mktemp("base") / "base.xlsx"
            cache[key] = nato.parse_workbook(build_workbook(path, key[0], table4=key[1]), registry)
        return cache[key]

    return baseline


def workbook(case: Case, tmp_path):
    path = build_workbook(tmp_path / f"def-exp-{case.layout}-en.xlsx", case.layout, **case.build)
    return edited(path, case.edit) if case.edit else path


def figures(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[COMPARED].sort_values(COMPARED[:3]).reset_index(drop=True)


@pytest.mark.parametrize("case", TOLERATED, ids=[c.id for c in TOLERATED])
def test_a_tolerated_form_parses_to_the_right_figures(case, tmp_path, registry, baselines):
    path = workbook(case, tmp_path)
    if case.warns:
        with pytest.warns(nato.NatoWarning, match=case.warns):
            obs = nato.parse_workbook(path, registry)
        assert len(obs.attrs["warnings"]) == 1, obs.attrs["warnings"]
    else:  # warnings are errors in the tests: none may be raised here
        obs = nato.parse_workbook(path, registry)
        assert obs.attrs["warnings"] == []
    expected = case.expect(baselines(case))
    pd.testing.assert_frame_equal(figures(obs), figures(expected), check_exact=True)
    assert obs.attrs["edition"]["edition"] == expected["edition"].iloc[0]
    assert obs.attrs["edition"]["price_base"] == 2021
    if case.check:
        case.check(obs)


@pytest.mark.parametrize("case", STRICT, ids=[c.id for c in STRICT])
def test_a_form_that_would_corrupt_a_number_fails_naming_sheet_and_cell(case, tmp_path, registry):
    path = workbook(case, tmp_path)
    with warnings.catch_warnings():  # a warning must not hide the error
        warnings.simplefilter("ignore", nato.NatoWarning)
        with pytest.raises(SourceError, match=case.error) as info:
            nato.parse_workbook(path, registry)
    assert info.value.location and "!" in str(info.value)


def test_every_tolerance_and_strict_case_is_distinct():
    ids = [c.id for c in (*TOLERATED, *STRICT)]
    assert len(ids) == len(set(ids))
