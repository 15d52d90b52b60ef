"""One rule for a missing figure, everywhere (issue 30, item 2): None and NaN are missing, 0 is a
figure. Views show a missing figure as missing (blank or a dash), never as 0."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from milex.data.schema import is_missing


@pytest.mark.parametrize("value", [None, math.nan, np.nan, np.float32("nan"), pd.NA, pd.NaT])
def test_none_and_every_kind_of_nan_are_missing(value):
    assert is_missing(value)


@pytest.mark.parametrize("value", [0, 0.0, np.float64(0.0), 2.71, -1, "", "no data"])
def test_zero_and_text_are_not_missing(value):
    assert not is_missing(value)


def test_the_views_use_the_one_rule():
    from milex.cli import industry, tracker
    from milex.present.charts import style
    from milex.present.report import context

    assert style.missing is is_missing
    assert context.is_missing is is_missing
    assert tracker._missing is is_missing and industry._missing is is_missing
