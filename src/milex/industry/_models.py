"""TOML building blocks shared by the industry models: sourced figures, months, items, errors.

Every number in a model file is a *figure*: a value with the ids of its sources (entries of the
file's ``[sources]`` table, or ``"assumption"``), an ``estimate`` flag and a note, so provenance is
data, not prose. Every invalid file is one :class:`IndustryError` naming each bad key as a TOML
path (``capacity.expansions[1].lead_time_months.value = -3: ...``), never a pydantic traceback.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from milex.errors import MilexError

ASSUMPTION = "assumption"

#: Item classes a model may describe: id -> (description, unit noun). A model naming any other
#: item is an error, so that a typo never silently becomes a new item class.
ITEMS: dict[str, tuple[str, str]] = {
    "shell_155mm": ("155 mm artillery shells (NATO standard)", "rounds"),
    "shell_152mm": ("152 mm artillery shells (Soviet standard)", "rounds"),
    "shell_122mm": ("122 mm artillery shells (Soviet standard)", "rounds"),
    "shell_105mm": ("105 mm artillery shells", "rounds"),
    "mortar_120mm": ("120 mm mortar bombs", "rounds"),
    "rocket_guided_mlrs": ("guided multiple-launch rockets (e.g. GMLRS)", "rockets"),
    "missile_air_defence": ("air-defence interceptor missiles", "missiles"),
    "missile_anti_tank": ("anti-tank guided missiles", "missiles"),
    "drone_one_way_attack": ("one-way attack drones", "drones"),
    "main_battle_tank": ("main battle tanks", "tanks"),
    "infantry_fighting_vehicle": ("infantry fighting vehicles", "vehicles"),
    "howitzer_self_propelled": ("self-propelled howitzers", "howitzers"),
    "fighter_aircraft": ("fighter aircraft", "aircraft"),
    "frigate": ("frigates and destroyers", "ships"),
}


class IndustryError(MilexError):
    """An invalid industry model: names every bad key (as a TOML path) with its value."""


# -- months ------------------------------------------------------------------------------------
def month_index(year: int, month: int) -> int:
    """Months since year 0: one integer per calendar month, so that spans are differences."""
    return year * 12 + month - 1


def month_label(index: int) -> str:
    return f"{index // 12}-{index % 12 + 1:02d}"


def _month_text(value: Any) -> str:
    """A month as ``YYYY-MM`` from an integer year (its January), ``YYYY-MM`` text or a date."""
    if isinstance(value, bool):
        raise ValueError("a month is a year (2025), 'YYYY-MM' text or a date, not true/false")
    if isinstance(value, int):
        if not 1900 <= value <= 2200:
            raise ValueError(f"year {value} is outside 1900-2200")
        return f"{value}-01"
    if isinstance(value, dt.date):
        return f"{value.year}-{value.month:02d}"
    if isinstance(value, str) and re.fullmatch(r"(19|20|21|22)\d\d-(0[1-9]|1[0-2])", value):
        return value
    raise ValueError(f"{value!r} is not a month: write 2025, '2025-06' or 2025-06-01")


Month = Annotated[str, BeforeValidator(_month_text)]


def parse_month(text: str) -> int:
    year, month = text.split("-")
    return month_index(int(year), int(month))


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


# -- models ------------------------------------------------------------------------------------
#: The largest figure a model takes (units, money, rates): bigger is a typo, and would overflow.
MAX_FIGURE = 1e15
#: Work a capacity run may do: paths x months simulated (each cell is ~80 bytes across arrays).
MAX_CELLS = 4_000_000


class Strict(BaseModel):
    """Unknown keys are errors (a typo in a TOML file never passes silently); so are inf and NaN."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Source(Strict):
    """Where a figure comes from: publisher, title, date and address, as data."""

    publisher: str = Field(min_length=1)
    title: str = Field(min_length=1)
    date: str = Field(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")
    url: str = Field(pattern=r"^https?://\S+$")
    note: str = ""

    @field_validator("date", mode="before")
    @classmethod
    def _date_text(cls, value: Any) -> Any:
        return value.isoformat() if isinstance(value, dt.date) else value


class Figure(Strict):
    """A number with its sources (ids in ``[sources]`` or ``"assumption"``) and caveats."""

    value: float = Field(ge=0, le=MAX_FIGURE)
    source: Annotated[list[str], BeforeValidator(_as_list)] = Field(min_length=1)
    estimate: bool = False
    note: str = ""

    @property
    def is_assumption(self) -> bool:
        return self.source == [ASSUMPTION]


class Rate(Figure):
    """A flow: units a year (``per = "year"``, the default) or a month."""

    per: Literal["year", "month"] = "year"

    def per_year(self) -> float:
        return self.value * (12 if self.per == "month" else 1)


class Money(Figure):
    """An amount of money in a currency (ISO 4217 code), in units of that currency."""

    currency: str = Field(pattern=r"^[A-Z]{3}$")


class Share(Figure):
    """A percentage, 0 to 100."""

    value: float = Field(ge=0, le=100)


class Count(Figure):
    """A whole number of things (units bought, distinct systems)."""

    value: int = Field(ge=0, le=int(MAX_FIGURE))


class Months(Figure):
    """A duration in months; ``min`` and ``max`` (optional) bound it for the uncertainty draw."""

    value: int = Field(ge=0, le=1200)
    min: int | None = Field(default=None, ge=0, le=1200)
    max: int | None = Field(default=None, ge=0, le=1200)

    @model_validator(mode="after")
    def _ordered(self) -> Months:
        low, value, high = self.bounds()
        if not low <= value <= high:
            raise ValueError(f"needs min <= value <= max; got {low}, {value}, {high}")
        return self

    def bounds(self) -> tuple[int, int, int]:
        """min, value and max (min and max default to the value)."""
        low = self.value if self.min is None else self.min
        return low, self.value, self.value if self.max is None else self.max

    @property
    def uncertain(self) -> bool:
        return (self.min is not None and self.min != self.value) or (
            self.max is not None and self.max != self.value
        )


class Comparison(Strict):
    """A figure shown beside the model's results, e.g. an estimate of an adversary's output."""

    label: str = Field(min_length=1)
    rate: Rate
    as_of: Month


def check_item(value: str) -> str:
    """The item id if known; otherwise the error lists close matches and every known id."""
    if value not in ITEMS:
        close = difflib.get_close_matches(value, list(ITEMS), n=2)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ValueError(f"unknown item{hint} known items: {', '.join(ITEMS)}")
    return value


# -- loading and errors ------------------------------------------------------------------------
M = TypeVar("M", bound=BaseModel)


def read_toml(source: str | Path, kind: str) -> tuple[dict[str, Any], str]:
    """Parse a TOML file (or TOML text); returns the data and a name for messages."""
    text_given = isinstance(source, str) and ("\n" in source or not source.endswith(".toml"))
    path = None if text_given else Path(source)
    if path is not None:
        if not path.is_file():
            raise IndustryError(f"{kind} model file not found: {path}")
        text, name = path.read_text(encoding="utf-8"), str(path)
    else:
        text, name = str(source), f"{kind} model"
    try:
        return tomllib.loads(text), name
    except tomllib.TOMLDecodeError as exc:
        raise IndustryError(f"{name} is not valid TOML: {exc}") from None


def check_finite(name: str, *, allow_nan: bool = False, **arrays: Any) -> None:
    """Raise IndustryError naming every result that is infinite (or NaN, unless allowed)."""
    import numpy as np

    bad = [
        key
        for key, values in arrays.items()
        if np.any(np.isinf(values)) or (not allow_nan and np.any(np.isnan(values)))
    ]
    if bad:
        raise IndustryError(
            f"{name}: {', '.join(bad)} not finite (figures too large to compute with); "
            "check the model's values"
        )


def validate(model: type[M], data: dict[str, Any], name: str) -> M:
    """Build a model from parsed TOML; every problem becomes one IndustryError naming the keys."""
    try:
        out = model.model_validate(data)
    except ValidationError as exc:
        raise IndustryError(f"invalid {name}: {describe(exc, model)}") from None
    problems = check_sources(out)
    if problems:
        raise IndustryError(f"invalid {name}: " + "; ".join(problems))
    return out


def describe(exc: ValidationError, root: type[BaseModel]) -> str:
    """One line naming every invalid key with its value and the rule broken."""
    parts = []
    for err in exc.errors():
        loc = location(err["loc"])
        message = str(err["msg"]).removeprefix("Value error, ")
        value = err.get("input")
        if err["type"] == "extra_forbidden":
            fields = _model_at(root, err["loc"][:-1]).model_fields
            known = [info.alias or key for key, info in fields.items()]
            close = difflib.get_close_matches(str(err["loc"][-1]), known, n=1)
            parts.append(
                f"{loc}: unknown key" + (f" (did you mean {close[0]!r}?)" if close else "")
            )
        elif err["type"] == "missing":
            parts.append(f"{loc}: missing (required)")
        elif isinstance(value, str | int | float | bool) and loc:
            parts.append(f"{loc} = {value!r}: {message[:1].lower()}{message[1:]}")
        else:
            parts.append(f"{loc}: {message}" if loc else message)
    return "; ".join(parts)


def location(loc: tuple[int | str, ...]) -> str:
    """A pydantic error location as a TOML key path: ``capacity.expansions[1].added``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif "[" in str(part) or "(" in str(part):
            continue  # validator and union tags, not keys
        else:
            text += f".{part}" if text else str(part)
    return text


def _model_at(root: type[BaseModel], loc: tuple[int | str, ...]) -> type[BaseModel]:
    model = root
    for part in loc:
        if isinstance(part, int):
            continue
        info = next((f for k, f in model.model_fields.items() if str(part) in (k, f.alias)), None)
        inner = _model_in(info.annotation) if info else None
        if inner is None:
            return model
        model = inner
    return model


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def figures(model: BaseModel, path: str = "") -> Iterator[tuple[str, Figure]]:
    """Every figure in a model with its TOML key path."""
    for name in type(model).model_fields:
        value = getattr(model, name)
        here = f"{path}.{name}" if path else name
        items = list(enumerate(value)) if isinstance(value, list | tuple) else [(None, value)]
        for i, item in items:
            key = here if i is None else f"{here}[{i}]"
            if isinstance(item, Figure):
                yield key, item
            elif isinstance(item, BaseModel) and not isinstance(item, Source):
                yield from figures(item, key)


def check_sources(model: BaseModel) -> list[str]:
    """Problems: figures citing a source id the file's [sources] table does not define."""
    sources: dict[str, Source] = getattr(model, "sources", {}) or {}
    problems = []
    for key, figure in figures(model):
        for ref in figure.source:
            if ref != ASSUMPTION and ref not in sources:
                close = difflib.get_close_matches(ref, list(sources), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                problems.append(
                    f"{key}.source = {ref!r}: not in [sources]{hint}; define it there or write "
                    f"{ASSUMPTION!r}"
                )
    return problems


def cited(model: BaseModel) -> list[dict[str, Any]]:
    """The sources a model's figures cite, in order of first use, as plain dicts."""
    sources: dict[str, Source] = getattr(model, "sources", {}) or {}
    order = dict.fromkeys(ref for _, f in figures(model) for ref in f.source if ref in sources)
    return [{"id": ref, **sources[ref].model_dump()} for ref in order]


def jsonable(value: Any) -> Any:
    """Plain JSON data: NaN becomes null and NumPy scalars Python numbers, at any depth."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    return None if isinstance(value, float) and value != value else value


def jsonable_record(record: dict[str, Any]) -> dict[str, Any]:
    """A record (a result's ``meta``) with every value made plain JSON data by ``jsonable``."""
    return {str(k): jsonable(v) for k, v in record.items()}


def figure_rows(model: BaseModel) -> list[dict[str, Any]]:
    """Every figure as a row (key, value, unit, sources, estimate, note): the model's inputs."""
    rows = []
    for key, f in figures(model):
        unit = ""
        if isinstance(f, Rate):
            unit = f"per {f.per}"
        elif isinstance(f, Money):
            unit = f.currency
        elif isinstance(f, Share):
            unit = "percent"
        elif isinstance(f, Months):
            unit = "months"
        rows.append(
            {
                "key": key,
                "value": f.value,
                "unit": unit,
                "source": ", ".join(f.source),
                "estimate": f.estimate,
                "note": f.note,
            }
        )
    return rows
