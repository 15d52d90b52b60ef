"""A publisher's series with the user's overlay figures laid over it, each replacement noted.

Overlays are read and checked in milex.data.overlay; here they take the place of the
publisher's figure for the same country and year, and keep their own ``user:<name>`` source.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from milex.data.overlay import Overlay
from milex.data.schema import COLUMNS

if TYPE_CHECKING:
    import pandas as pd

    from milex.data.store import Dataset


def series_with_overlays(
    ds: Dataset,
    measure: str,
    countries: Sequence[str],
    source: str,
    years: tuple[int, int] | None,
    overlays: Sequence[Overlay] = (),
    *,
    include_secondary: bool = False,
) -> tuple[pd.DataFrame, list[str]]:
    """A publisher's rows for one measure with overlay rows laid over them, plus notes.

    An overlay figure takes the place of the publisher's figure for the same country and year
    (the note names each one it replaced); later overlays win over earlier ones. Rows keep their
    own ``source``, so user figures stay labelled ``user:<name>``.
    """
    import pandas as pd

    base = ds.series(measure, list(countries), source, years, include_secondary=include_secondary)
    notes: list[str] = []
    layers = [base]
    for overlay in overlays:
        rows = overlay.frame[
            (overlay.frame["measure"] == measure) & overlay.frame["iso3"].isin(list(countries))
        ]
        if years is not None:
            rows = rows[rows["year"].between(years[0], years[1])]
        if rows.empty:
            continue
        keys = set(zip(rows["iso3"], rows["year"], strict=True))
        for frame in layers:
            hit = [(i, y) in keys for i, y in zip(frame["iso3"], frame["year"], strict=True)]
            for i, y, s in frame.loc[hit, ["iso3", "year", "source"]].itertuples(index=False):
                notes.append(
                    f"{i} {y} {measure}: {s} figure replaced by user data ({overlay.source})"
                )
        layers = [_drop_keys(frame, keys) for frame in layers]
        layers.append(rows[list(COLUMNS)])
    out = pd.concat([f for f in layers if not f.empty] or [base], ignore_index=True)
    return out.sort_values(["iso3", "year"], kind="stable").reset_index(drop=True), notes


def _drop_keys(frame: pd.DataFrame, keys: set[tuple[str, int]]) -> pd.DataFrame:
    import numpy as np

    keep = [(i, y) not in keys for i, y in zip(frame["iso3"], frame["year"], strict=True)]
    return frame.loc[np.asarray(keep, dtype=bool)]  # a plain list [] would drop the columns


# ----------------------------------------------------------------------------------------------
# Inputs every analysis shares: lists, groups, year ranges, allies without armed forces.
