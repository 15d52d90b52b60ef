"""The projection summary in reading order: blocs first, then allies by what the target costs them.

A table of 31 allies in ISO3 order hides the answer; ranked by extra spending to the horizon
(the central path's running total, the figure ``milex project`` and the PDF print) it is the
answer. The order is stated beside the table (``SUMMARY_ORDER``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from milex.projection import ProjectionResult

SUMMARY_ORDER = (
    "Blocs first, then each ally by extra spending to the horizon (central path), largest first."
)
RANK_BY = "extra_to_horizon_m"


def ranked_summary(result: ProjectionResult) -> list[dict[str, Any]]:
    """``result.summary_rows()``: blocs (and a list's Total) in their order, then countries by
    extra spending to the horizon, largest first; a missing figure goes last, ties by name."""
    from milex.data.registry import default_registry

    blocs = {*default_registry().bloc_codes, "TOTAL"}
    rows = result.summary_rows()
    head = [r for r in rows if r["iso3"] in blocs]
    rest = [r for r in rows if r["iso3"] not in blocs]

    def key(row: dict[str, Any]) -> tuple[bool, float, str]:
        value = float(row[RANK_BY])
        missing = math.isnan(value)
        return missing, 0.0 if missing else -value, str(row["name"])

    return head + sorted(rest, key=key)
