"""Path shapes: how each ally's spending moves from its base-year share to a target.

Share shapes give a share of GDP for every year (spending = share x nominal GDP, so the share is
certain and money is not); ``constant_real_growth`` gives spending in constant base-year prices
instead (so money in constant prices is certain and the share is not). The result is the pair of
coefficient tables the engine needs: spending = share x GDP + real spending x price level.

``national_plans`` gives each ally the share path of its own announced plan (``milex.analysis.plans``: for
each stated year the ledger's newest entry of the strongest kind in force, a share of GDP on
NATO's or the national definition; superseded entries are never used; between two stated years a
straight line from the base share or the previous stated year; after the last stated year, that
share held) and the spec's ``default`` shape to everyone without one. A stated share is
reproduced exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from milex.projection.scenario import SHARE_SHAPES, PathSpec, Target


def progress(years: np.ndarray, base_year: int, deadline: int) -> np.ndarray:
    """Fraction of the way from the base year to the deadline: 0 in the base year, 1 from then on."""
    return np.clip((years - base_year) / (deadline - base_year), 0.0, 1.0)


def share_path(
    spec: PathSpec, years: np.ndarray, base: float, target: float, deadline: int
) -> np.ndarray:
    """Share of GDP per year (same unit as ``base``); ``years[0]`` is the base year.

    ``linear`` closes the gap in equal steps and reaches ``target`` exactly in the deadline year,
    ``front_loaded`` closes it fastest early (1 - (1 - x)^power), ``back_loaded`` late (x^power);
    all three hold the target after the deadline. ``hold_share`` keeps the base share; ``plan``
    takes the table's years and holds its last share after its last year.
    """
    if spec.shape == "hold_share":
        return np.full(len(years), base, dtype=float)
    if spec.shape == "national_plans":
        raise ValueError("'national_plans' is per country: use plan_share_path or build_part")
    if spec.shape == "plan":
        plan = spec.plan or {}
        last = plan[max(plan)]
        return np.array([base] + [plan.get(int(y), last) for y in years[1:]], dtype=float)
    if spec.shape not in SHARE_SHAPES:
        raise ValueError(f"{spec.shape!r} is not a share shape")
    x = progress(years, int(years[0]), deadline)
    if spec.shape == "front_loaded":
        f = 1.0 - (1.0 - x) ** spec.power
    elif spec.shape == "back_loaded":
        f = x**spec.power
    else:
        f = x
    out = base + (target - base) * f
    out[x >= 1.0] = target  # exactly the target, not base + (target - base)
    out[0] = base
    return out


def plan_share_path(years: np.ndarray, base: float, points: dict[int, float]) -> np.ndarray:
    """Share per year through stated ``points`` (year -> %): exact at each, straight between.

    ``years[0]`` is the base year (its share is ``base``); points at or before it are observed
    years and are left out; after the last point its share holds.
    """
    out = np.full(len(years), float(base))
    ahead = sorted(y for y in points if y > int(years[0]))
    previous_year, previous_share = int(years[0]), float(base)
    for i, year in enumerate(int(y) for y in years):
        if i == 0:
            continue
        upcoming = [y for y in ahead if y >= year]
        if not upcoming:
            out[i] = points[ahead[-1]] if ahead else base
            continue
        nxt = upcoming[0]
        if nxt == year:
            out[i] = points[year]  # exactly the stated share
            previous_year, previous_share = year, points[year]
        else:
            step = (year - previous_year) / (nxt - previous_year)
            out[i] = previous_share + (points[nxt] - previous_share) * step
    return out


def national_points(iso3: str, base_year: int, horizon: int) -> dict[int, float]:
    """An ally's stated shares of GDP after the base year, to the horizon (empty: no plan).

    Each year's share is the one :meth:`milex.analysis.plans.Plans.select` picks: the newest entry of the
    strongest kind in force (an adopted budget over a draft, a draft budget over a plan ...).
    """
    from milex.analysis.plans import load_plans

    points = load_plans().core_points(iso3)
    return {y: f.value for y, f in points.items() if base_year < y <= horizon}


def real_spending_path(years: np.ndarray, base_real: float, growth_pct: float) -> np.ndarray:
    """Spending in constant base-year prices growing ``growth_pct`` a year from ``base_real``."""
    path: np.ndarray = base_real * (1.0 + growth_pct / 100.0) ** (years - years[0])
    return path


@dataclass
class PartPaths:
    """One target's coefficient tables (years x countries) and what a reader needs to know."""

    name: str
    share: np.ndarray  # % of GDP; 0 where spending follows a real path
    real: np.ndarray  # national currency m at base-year prices; 0 where spending follows a share
    base_share: np.ndarray  # % of GDP, the hold_share baseline
    level: np.ndarray  # target share actually aimed at, % (after allow_cuts), per country
    shapes: list[str]
    notes: list[str] = field(default_factory=list)


def build_part(
    target: Target,
    countries: list[str],
    years: np.ndarray,
    base_pct: np.ndarray,
    gdp0: np.ndarray,
    horizon: int,
) -> PartPaths:
    """Coefficient tables for one target over ``countries`` (base shares in %, base GDP in m)."""
    n_years, n = len(years), len(countries)
    share = np.zeros((n_years, n))
    real = np.zeros((n_years, n))
    levels = np.zeros(n)
    shapes: list[str] = []
    held, plans = [], []
    national: dict[str, list[str]] = {"plan": [], "default": []}
    for j, iso3 in enumerate(countries):
        override = target.overrides.get(iso3)
        spec = override.path if override and override.path else target.path
        level = override.target_pct if override and override.target_pct is not None else None
        level = target.level if level is None else level
        if spec.shape == "national_plans":
            points = national_points(iso3, int(years[0]), int(years[-1]))
            if points:
                share[:, j] = plan_share_path(years, base_pct[j], points)
                levels[j] = points[max(points)]
                shapes.append("national plan")
                national["plan"].append(f"{iso3} to {max(points)}")
                continue
            spec = PathSpec(shape=spec.default or "linear")
            national["default"].append(iso3)
        if spec.shape in SHARE_SHAPES and not target.allow_cuts and base_pct[j] > level:
            held.append(iso3)
            level = float(base_pct[j])
        levels[j] = level
        shapes.append(spec.shape)
        deadline = target.deadline_for(horizon)
        if spec.shape == "constant_real_growth":
            path = real_spending_path(
                years, base_pct[j] / 100.0 * gdp0[j], spec.real_growth_pct or 0
            )
            real[1:, j] = path[1:]
            share[0, j] = base_pct[j]  # the base year is observed, not projected
        else:
            share[:, j] = share_path(spec, years, base_pct[j], level, deadline)
            if spec.shape == "plan" and spec.plan and max(spec.plan) < years[-1]:
                plans.append(f"{iso3} after {max(spec.plan)}")
    notes = []
    if held:
        notes.append(
            f"Target {target.name!r}: allies already above {target.level}% of GDP in the base year "
            f"hold their base-year share (allow_cuts = false): {', '.join(held)}."
        )
    if national["plan"] or national["default"]:
        notes.append(
            f"Target {target.name!r}: national plans (milex.analysis.plans, flag national_plan; stated "
            "shares exact, straight lines between, the last share held) for "
            f"{', '.join(national['plan']) or 'none'}; "
            f"no stated share of GDP, so the default shape: {', '.join(national['default']) or 'none'}."
        )
    if plans:
        notes.append(
            f"Target {target.name!r}: plans end before the horizon; the last planned share is held "
            f"({'; '.join(plans)})."
        )
    return PartPaths(target.name, share, real, base_pct.astype(float), levels, shapes, notes)
