"""The capacity model's schema: capacity and its expansions, demand, stock, policy and uncertainty.

A model file (TOML) validates into :class:`CapacityModel`; every figure is a sourced Figure from
milex.industry._models, so the model carries its provenance into every result.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from milex.industry._models import (
    ITEMS,
    Comparison,
    Count,
    Money,
    Month,
    Months,
    Rate,
    Share,
    Source,
    Strict,
    check_item,
    month_label,
    parse_month,
    read_toml,
    validate,
)


class Expansion(Strict):
    """One step of added capacity: decided in a month, online after the lead time, then ramping."""

    name: str = Field(min_length=1)
    decided: Month
    added: Rate
    lead_time_months: Months
    ramp_months: Months | None = None
    capex_per_unit: Money | None = None  # per unit of annual capacity
    note: str = ""


class CapacitySpec(Strict):
    initial: Rate
    utilisation: Share | None = None  # % of capacity that can actually be produced; default 100
    expansions: list[Expansion] = []


class ScheduleEntry(Rate):
    """A demand rate from a month on, until the next entry's month."""

    start: Month = Field(alias="from")


class DemandStream(Strict):
    name: str = Field(min_length=1)
    kind: Literal["consumption", "deliveries"]
    schedule: list[ScheduleEntry] = Field(min_length=1)


class StockSpec(Strict):
    """Stock on hand at the start, the floor never drawn below, and a target to rebuild by a month."""

    initial: Count
    floor: Count | None = None
    target: Count | None = None
    target_by: Month | None = None


class Policy(Strict):
    produce: Literal["as_needed", "at_capacity"] = "as_needed"
    priority: Literal["pro_rata", "consumption", "deliveries"] = "pro_rata"
    backlog: bool = True


class Uncertainty(Strict):
    paths: int = Field(default=1000, ge=1, le=100_000)
    seed: int = Field(default=1, ge=0, lt=2**63)


class CapacityModel(Strict):
    """A stock-flow model of one item class: capacity, demand, stock and policy, all sourced."""

    title: str = ""
    item: str
    region: str = ""
    period: Literal["month", "year"] = "year"
    start: Month
    end: Month
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")  # of capex figures
    sources: dict[str, Source] = {}
    capacity: CapacitySpec
    stock: StockSpec
    demand: list[DemandStream] = []
    policy: Policy = Policy()
    comparisons: list[Comparison] = []
    uncertainty: Uncertainty = Uncertainty()

    @field_validator("item")
    @classmethod
    def _known_item(cls, value: str) -> str:
        return check_item(value)

    @model_validator(mode="after")
    def _consistent(self) -> CapacityModel:
        problems = self._time_problems() + self._expansion_problems() + self._demand_problems()
        problems += self._stock_problems()
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def first(self) -> int:
        return parse_month(self.start)

    @property
    def last(self) -> int:
        return parse_month(self.end)

    def _time_problems(self) -> list[str]:
        if self.last < self.first:
            return [f"end = {self.end!r}: before start = {self.start!r}"]
        if self.last - self.first >= 1200:
            return [f"end = {self.end!r}: at most 100 years after start"]
        if self.period == "year" and (self.first % 12 != 0 or self.last % 12 != 11):
            return [
                f"start = {self.start!r}, end = {self.end!r}: a yearly model runs from January "
                "to December (write years, e.g. start = 2022, end = 2030) or set period = 'month'"
            ]
        return []

    def _expansion_problems(self) -> list[str]:
        problems = []
        for i, e in enumerate(self.capacity.expansions):
            key = f"capacity.expansions[{i}]"
            online = parse_month(e.decided) + e.lead_time_months.value
            if online > self.last:
                problems.append(
                    f"{key}.lead_time_months.value = {e.lead_time_months.value}: decided "
                    f"{e.decided}, it comes online {month_label(online)}, after the horizon "
                    f"(end = {self.end!r})"
                )
            if e.ramp_months is not None and e.ramp_months.uncertain:
                problems.append(
                    f"{key}.ramp_months: min/max are drawn for lead times only; give a value"
                )
            if e.capex_per_unit is not None and e.capex_per_unit.currency != self.currency:
                problems.append(
                    f"{key}.capex_per_unit.currency = {e.capex_per_unit.currency!r}: must be the "
                    f"model's currency ({self.currency!r}); set currency at the top of the file"
                )
        return problems

    def _demand_problems(self) -> list[str]:
        problems = []
        for i, stream in enumerate(self.demand):
            months = [parse_month(s.start) for s in stream.schedule]
            for j in range(1, len(months)):
                if months[j] <= months[j - 1]:
                    problems.append(
                        f"demand[{i}].schedule[{j}].from = {stream.schedule[j].start!r}: entries "
                        "must run in time order, each after the one before"
                    )
        return problems

    def _stock_problems(self) -> list[str]:
        s = self.stock
        if s.target is None:
            return ["stock.target_by: set only with stock.target"] if s.target_by else []
        if s.target_by is None:
            return ["stock.target_by: missing (required with stock.target)"]
        problems = []
        if not self.first <= parse_month(s.target_by) <= self.last:
            problems.append(
                f"stock.target_by = {s.target_by!r}: outside the model's months "
                f"{self.start}-{self.end}"
            )
        if s.floor is not None and s.target.value < s.floor.value:
            problems.append(
                f"stock.target.value = {s.target.value}: below stock.floor.value = {s.floor.value}"
            )
        return problems

    @property
    def unit(self) -> str:
        return ITEMS[self.item][1]


def load_capacity_model(source: str | Path) -> CapacityModel:
    """A capacity model from a TOML file (or TOML text); errors are IndustryError."""
    data, name = read_toml(source, "capacity")
    return validate(CapacityModel, data, name)
