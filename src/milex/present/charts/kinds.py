"""Which builder draws each kind of result: fills milex.chart_registry, so ``result.chart()``
works from any layer below this one without importing it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from milex import chart_registry
from milex.errors import QueryError


def _tracker(result: Any, view: str = "bars", *, highlight: str | None = None) -> Any:
    from milex.present.charts.map import tracker_map
    from milex.present.charts.tracker import equipment_scatter, status_tiles, tracker_bars

    views: dict[str, Callable[..., Any]] = {
        "bars": tracker_bars, "equipment": equipment_scatter, "tiles": status_tiles,
        "map": tracker_map,
    }  # fmt: skip
    if view not in views:
        raise QueryError(f"tracker chart view: one of {', '.join(views)}, not {view!r}")
    return views[view](result, highlight=highlight)


def _projection(result: Any, *args: Any, **options: Any) -> Any:
    from milex.present.charts.projection import projection_fan

    return projection_fan(result, *args, **options)


def _country(profile: Any) -> Any:
    from milex.present.charts.country import country_share

    return country_share(profile)


def _fiscal(result: Any, iso3: str | None = None, measure: str = "debt") -> Any:
    from milex.present.charts.fiscal import fiscal_chart

    if iso3 is None:
        if len(result.allies) != 1:
            choices = ", ".join(a.iso3 for a in result.allies)
            raise QueryError(f"fiscal chart: name one ally (iso3), one of {choices}")
        iso3 = result.allies[0].iso3
    return fiscal_chart(result, iso3, measure)


def _sensitivity(result: Any) -> Any:
    from milex.present.charts.sensitivity import tornado

    return tornado(result)


def _capacity(result: Any) -> Any:
    from milex.present.charts.comparisons import industry_capacity

    return industry_capacity(result)


def _threat(balance: Any, basis: str = "mer_constant") -> Any:
    from milex.present.charts.comparisons import threat_lines

    return threat_lines(balance, basis)


def _sipri(profile: Any) -> Any:
    from milex.present.charts.other import sipri_share

    return sipri_share(profile.share(), profile.name, profile.sources())


KINDS: dict[str, Callable[..., Any]] = {
    "tracker": _tracker,
    "projection-fan": _projection,
    "country-profile": _country,
    "fiscal": _fiscal,
    "sensitivity": _sensitivity,
    "industry-capacity": _capacity,
    "threat-balance": _threat,
    "sipri-country": _sipri,
}


def register() -> None:
    """Fill the registry with every kind's builder."""
    for kind, build in KINDS.items():
        chart_registry.register(kind, build)


register()
