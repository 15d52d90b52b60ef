"""The pooling model's schema: buyers, their fragmentation, collaboration scenarios and learning rates.

A model file (TOML) validates into :class:`PoolingModel`, every figure sourced."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field, field_validator, model_validator

from milex.industry._models import (
    Count,
    Figure,
    Money,
    Share,
    Source,
    Strict,
    check_item,
    read_toml,
    validate,
)

if TYPE_CHECKING:
    pass

#: Columns of ``frame()``, in order.


#: Size caps, checked before any work: learning rates in the sensitivity table, buyers.
MAX_POINTS = 201


MAX_BUYERS = 1000


# -- pooling model -----------------------------------------------------------------------------
class Buyer(Strict):
    name: str = Field(min_length=1)
    quantity: Count


class Grid(Strict):
    """Learning rates for the sensitivity table: from, to (inclusive) and step."""

    start: float = Field(default=0.75, alias="from", gt=0.5, le=1)
    stop: float = Field(default=0.95, alias="to", gt=0.5, le=1)
    step: float = Field(default=0.05, gt=0, le=0.5)

    @model_validator(mode="after")
    def _ordered(self) -> Grid:
        if self.stop < self.start:
            raise ValueError(f"sensitivity runs backwards: from {self.start} to {self.stop}")
        points = (self.stop - self.start) / self.step + 1
        if points > MAX_POINTS:
            raise ValueError(
                f"sensitivity.step = {self.step}: gives {points:.3g} learning rates from "
                f"{self.start} to {self.stop}; at most {MAX_POINTS} (use a larger step)"
            )
        return self

    def rates(self) -> list[float]:
        n = math.floor((self.stop - self.start) / self.step + 1e-9) + 1
        return [round(self.start + i * self.step, 10) for i in range(n)]


class Fragmentation(Strict):
    """The same quantity spread over ``systems`` production lines against ``benchmark_systems``."""

    name: str = Field(min_length=1)
    systems: Count
    benchmark_systems: Count
    total_units: Count | None = None  # default: the buyers' total


class CollaborationScenario(Strict):
    name: str = Field(min_length=1)
    share_pct: Share
    by: int | None = Field(default=None, ge=1990, le=2100)


class Collaboration(Strict):
    """Shares of the equipment portfolio bought together; ``budget`` turns savings % into money."""

    budget: Money | None = None
    scenarios: list[CollaborationScenario] = Field(min_length=1)


class LearningRate(Figure):
    """Wright's learning rate b: unit cost x b each time cumulative quantity doubles."""

    value: float = Field(gt=0.5, le=1)


class PoolingModel(Strict):
    """Buyers of one item, a learning curve, and the fragmentation and collaboration scenarios."""

    title: str = ""
    item: str
    theory: Literal["unit", "cumulative_average"] = "unit"
    sources: dict[str, Source] = Field(default_factory=dict)
    first_unit_cost: Money
    learning_rate: LearningRate
    line_setup_cost: Money | None = None  # non-recurring cost of each production line
    pooling_overhead: Share | None = None  # extra cost of a joint programme, % of its cost
    sensitivity: Grid = Grid()
    buyers: list[Buyer] = Field(min_length=1, max_length=MAX_BUYERS)
    fragmentation: list[Fragmentation] = Field(default_factory=list)
    collaboration: Collaboration | None = None

    @field_validator("item")
    @classmethod
    def _known_item(cls, value: str) -> str:
        return check_item(value)

    @model_validator(mode="after")
    def _consistent(self) -> PoolingModel:
        problems = [
            f"buyers[{i}].quantity.value = 0: a buyer buys at least one unit"
            for i, b in enumerate(self.buyers)
            if b.quantity.value < 1
        ]
        currency = self.first_unit_cost.currency
        for key in ("line_setup_cost",):
            money = getattr(self, key)
            if money is not None and money.currency != currency:
                problems.append(
                    f"{key}.currency = {money.currency!r}: must match first_unit_cost.currency "
                    f"({currency!r})"
                )
        for i, frag in enumerate(self.fragmentation):
            for key in ("systems", "benchmark_systems", "total_units"):
                figure = getattr(frag, key)
                if figure is not None and figure.value < 1:
                    problems.append(f"fragmentation[{i}].{key}.value = 0: must be at least 1")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def currency(self) -> str:
        return self.first_unit_cost.currency


def load_pooling_model(source: str | Path) -> PoolingModel:
    """A pooling model from a TOML file (or TOML text); errors are IndustryError."""
    data, name = read_toml(source, "pooling")
    return validate(PoolingModel, data, name)
