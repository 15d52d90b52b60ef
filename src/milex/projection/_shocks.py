"""A scenario's uncertainty as the engine's shock settings, and the note that tells a reader."""

from __future__ import annotations

from milex.projection._model import Shocks
from milex.projection.scenario import Uncertainty

SHOCKS_NOTE = "Shocks: "


def shocks_of(unc: Uncertainty) -> Shocks:
    """The engine's shock settings (fractions) from a scenario's uncertainty (percent)."""
    return Shocks(
        unc.growth_sd_pct / 100,
        unc.inflation_sd_pct / 100,
        unc.correlation,
        unc.persistence,
        unc.paths,
        unc.seed,
        unc.antithetic,
        unc.generator,
    )


def shocks_note(unc: Uncertainty) -> str:
    """What a reader needs to know about the shocks and the sampling design."""
    return (
        f"{SHOCKS_NOTE}real growth s.d. {unc.growth_sd_pct} pp, inflation s.d. "
        f"{unc.inflation_sd_pct} pp, AR(1) persistence {unc.persistence}, cross-country "
        f"correlation {unc.correlation} (a common factor); growth and inflation shocks "
        f"independent; {unc.paths} paths, seed {unc.seed}, "
        + (
            (
                "scrambled Sobol' points (randomized quasi-Monte Carlo)"
                if unc.generator == "sobol"
                else "pseudo-random (PCG64)"
            )
            + (", antithetic pairs." if unc.antithetic else ".")
        )
    )
