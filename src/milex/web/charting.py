"""Chart specs and projection payloads for the API: thin glue to milex.present.charts and milex.projection."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from milex.data.store import Dataset


def chart_spec(ds: Dataset, name: str, *, country: str | None, year: int | None) -> dict[str, Any]:
    """The Vega-Lite spec of a named chart (see milex.present.charts); sources ride in ``usermeta``."""
    from milex.present import figures

    chart = figures.build(name, country=country, year=year, dataset=ds)
    spec: dict[str, Any] = chart.to_dict()
    cited = spec.get("usermeta", {}).get("milex", {})  # the builder's own sources (compose)
    spec["usermeta"] = {"milex": {**cited, "chart": name, "sources": cited.get("sources", [])}}
    return spec


def projection_payload(
    ds: Dataset, scenario: dict[str, Any], max_paths: int, *, chart: bool
) -> tuple[dict[str, Any], pd.DataFrame]:
    """Run a scenario posted as JSON (paths capped) and return the payload and its tidy frame."""
    from milex.present.export import records as rows
    from milex.present.export import records_json
    from milex.projection import Scenario, ScenarioError, project

    parsed = Scenario.parse(scenario)
    if parsed.uncertainty.paths > max_paths:
        raise ScenarioError(
            f"uncertainty.paths = {parsed.uncertainty.paths}: this server runs at most "
            f"{max_paths:,} paths (use the Python API or the CLI for more)"
        )
    import pandas as pd

    from milex.present.projection_summary import SUMMARY_ORDER, ranked_summary

    result = project(parsed, ds)
    frame = result.frame()
    payload: dict[str, Any] = {
        **result.meta(),
        "summary": rows(pd.DataFrame(ranked_summary(result))),
        "summary_order": SUMMARY_ORDER,
        "assumptions": rows(result.assumptions()),
        "data": records_json(frame),
    }
    if chart:
        from milex.present.charts import projection_fan

        payload["chart"] = projection_fan(result, measure="spending").to_dict()
    return payload, frame
