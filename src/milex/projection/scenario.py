"""The scenario: what to project (who, which target, which path) and under which macro assumptions.

A scenario is a pydantic model, built in Python or read from and written to TOML. Every invalid
value is a :class:`ScenarioError` naming the field and the value, never a pydantic traceback.
Checks that need the base year (deadlines, plan years) run at construction when the base year is
given, and again in :func:`check_years` once ``project()`` has resolved the default base year.
"""

from __future__ import annotations

import difflib
import threading
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_serializer,
    field_validator,
    model_serializer,
    model_validator,
)

from milex.analysis.commitments import BY_ID as GUIDELINES
from milex.errors import MilexError, UnknownCountryError

Shape = Literal[
    "linear",
    "front_loaded",
    "back_loaded",
    "constant_real_growth",
    "hold_share",
    "plan",
    "national_plans",
]
#: national_plans: the shape an ally without a stated plan follows.
DefaultShape = Literal["linear", "front_loaded", "back_loaded", "hold_share"]
SHARE_SHAPES = ("linear", "front_loaded", "back_loaded")
MAX_PATHS = 10_000_000
DEFAULT_GUIDELINE = "hague_core_3_5pct"
#: The measure whose published figures give a target's baseline share when base_pct is not set.
DATA_BASELINE_METRIC = "milex_pct_gdp"


_NESTING = threading.local()


class ScenarioError(MilexError):
    """An invalid scenario: the message names the field (as a TOML path) and the offending value."""


class _Model(BaseModel):
    """Strict base: unknown fields are errors (typos in a TOML file do not pass silently)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    def __init__(self, **data: Any) -> None:
        # pydantic calls this for nested models too: only the outermost call reports, so that
        # the message carries the whole path (targets[0].target_pct, not target_pct).
        depth = getattr(_NESTING, "depth", 0)
        _NESTING.depth = depth + 1
        try:
            super().__init__(**data)
        except ValidationError as exc:
            if depth:
                raise
            raise ScenarioError(describe(exc)) from None
        finally:
            _NESTING.depth = depth


class PathSpec(_Model):
    """How a share moves from the base year to the target; written as a bare string when plain."""

    shape: Shape = "linear"
    #: constant_real_growth: real (constant-price) growth of spending, % a year.
    real_growth_pct: float | None = Field(default=None, gt=-100, le=100)
    #: plan: year -> % of GDP, every year from the base year + 1 to the plan's last year.
    plan: dict[int, float] | None = None
    #: front_loaded / back_loaded: curvature (2 = quadratic); 1 would be linear.
    power: float = Field(default=2.0, ge=1, le=10)
    #: national_plans: each ally follows its stated plan (milex.analysis.plans), the others this shape.
    default: DefaultShape | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, data: Any) -> Any:
        return {"shape": data} if isinstance(data, str) else data

    @field_validator("plan")
    @classmethod
    def _plan_values(cls, plan: dict[int, float] | None) -> dict[int, float] | None:
        if plan is None:
            return None
        if not plan:
            raise ValueError("plan is empty: give year = % of GDP for each year")
        bad = {y: v for y, v in plan.items() if not 0 <= v < 100}
        if bad:
            raise ValueError(f"plan shares must be >= 0 and < 100 (% of GDP); got {bad}")
        return dict(sorted(plan.items()))

    @model_validator(mode="after")
    def _fields_match_shape(self) -> PathSpec:
        if self.shape == "constant_real_growth" and self.real_growth_pct is None:
            raise ValueError("shape 'constant_real_growth' needs real_growth_pct (% a year)")
        if self.shape != "constant_real_growth" and self.real_growth_pct is not None:
            raise ValueError(
                f"real_growth_pct = {self.real_growth_pct} is only for 'constant_real_growth', "
                f"not {self.shape!r}"
            )
        if self.shape == "plan" and self.plan is None:
            raise ValueError("shape 'plan' needs a plan table (year = % of GDP)")
        if self.shape != "plan" and self.plan is not None:
            raise ValueError(f"a plan table is only for shape 'plan', not {self.shape!r}")
        if self.shape != "national_plans" and self.default is not None:
            raise ValueError(f"default is only for shape 'national_plans', not {self.shape!r}")
        return self

    @field_serializer("plan")
    def _plan_keys_as_text(self, plan: dict[int, float] | None) -> dict[str, float] | None:
        return None if plan is None else {str(y): v for y, v in plan.items()}

    @model_serializer(mode="wrap")
    def _compact(self, handler: Any) -> Any:
        data = handler(self)
        plain = (
            self.real_growth_pct is None
            and self.plan is None
            and self.power == 2.0
            and self.default is None
        )
        return self.shape if plain else data


class CountryOverride(_Model):
    """One ally's departures from its target's defaults."""

    path: PathSpec | None = None
    target_pct: float | None = Field(default=None, ge=0, lt=100)
    base_pct: float | None = Field(default=None, ge=0, lt=100)


class Target(_Model):
    """One spending target (e.g. the Hague core 3.5%), with its own path, baseline and overrides."""

    name: str = Field(default="core", pattern=r"^[a-z][a-z0-9_]*$", max_length=40)
    #: A guideline id from milex.analysis.commitments; gives target_pct and deadline unless set here.
    guideline: str | None = None
    target_pct: float | None = Field(default=None, ge=0, lt=100)
    deadline: int | None = Field(default=None, ge=1949, le=2100)
    #: Baseline share, % of GDP; None: NATO's milex_pct_gdp in the base year.
    base_pct: float | None = Field(default=None, ge=0, lt=100)
    #: False: allies already above the target hold their share instead of cutting to it.
    allow_cuts: bool = False
    path: PathSpec = PathSpec()
    overrides: dict[str, CountryOverride] = {}

    @field_validator("guideline")
    @classmethod
    def _known_guideline(cls, value: str | None) -> str | None:
        if value is not None and value not in GUIDELINES:
            close = difflib.get_close_matches(value, list(GUIDELINES), n=2)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise ValueError(f"unknown guideline {value!r}{hint}; known: {', '.join(GUIDELINES)}")
        return value

    @field_validator("overrides", mode="before")
    @classmethod
    def _override_countries(cls, value: Any) -> Any:
        return _resolve_keys(value) if isinstance(value, dict) else value

    @model_validator(mode="after")
    def _has_a_level(self) -> Target:
        if self.target_pct is None and self.guideline is None:
            raise ValueError(f"target {self.name!r} needs target_pct or guideline")
        if self.base_pct is None and self.metric != DATA_BASELINE_METRIC:
            raise ValueError(
                f"target {self.name!r}: no published baseline for {self.metric} "
                f"({self.guideline}); set base_pct (0 counts all of it as extra spending)"
            )
        return self

    @property
    def level(self) -> float:
        """Target share, % of GDP."""
        if self.target_pct is not None:
            return self.target_pct
        return GUIDELINES[str(self.guideline)].threshold

    @property
    def metric(self) -> str:
        return GUIDELINES[self.guideline].metric if self.guideline else DATA_BASELINE_METRIC

    def deadline_for(self, horizon: int) -> int:
        """The deadline: set here, else the guideline's, else the horizon."""
        if self.deadline is not None:
            return self.deadline
        guideline = GUIDELINES.get(self.guideline or "")
        return guideline.deadline if guideline and guideline.deadline else horizon


class MacroOverride(_Model):
    long_run_growth_pct: float | None = Field(default=None, gt=-50, lt=50)
    long_run_inflation_pct: float | None = Field(default=None, gt=-50, lt=200)


class Macro(_Model):
    """Central macro path: IMF WEO real growth and GDP deflator, then a long-run assumption."""

    #: Years whose WEO average is the long-run assumption after the last WEO year.
    long_run_years: tuple[int, int] = (2028, 2030)
    long_run_growth_pct: float | None = Field(default=None, gt=-50, lt=50)
    long_run_inflation_pct: float | None = Field(default=None, gt=-50, lt=200)
    overrides: dict[str, MacroOverride] = {}

    @field_validator("long_run_years")
    @classmethod
    def _ordered(cls, value: tuple[int, int]) -> tuple[int, int]:
        if value[0] > value[1]:
            raise ValueError(f"long_run_years {list(value)} run backwards")
        return value

    @field_validator("overrides", mode="before")
    @classmethod
    def _override_countries(cls, value: Any) -> Any:
        return _resolve_keys(value) if isinstance(value, dict) else value


class Uncertainty(_Model):
    """Shocks around the central path and the Monte Carlo settings.

    Shocks are in percentage points of a year's real growth and GDP-deflator inflation. Each is
    AR(1) with ``persistence``; a common factor shared by all countries gives pairwise correlation
    ``correlation``. The defaults are illustrative, of the order of the IMF's one-year-ahead
    forecast errors for advanced economies: set your own.
    """

    growth_sd_pct: float = Field(default=1.5, ge=0, le=25)
    inflation_sd_pct: float = Field(default=1.0, ge=0, le=25)
    correlation: float = Field(default=0.6, ge=0, le=1)
    persistence: float = Field(default=0.5, ge=0, lt=1)
    paths: int = Field(default=10_000, ge=1, le=MAX_PATHS)
    seed: int = Field(default=1, ge=0, lt=2**63)
    #: Pair every draw with its mirror image (halves the draws, symmetric shocks).
    antithetic: bool = True
    #: sobol: scrambled Sobol' points (randomized quasi-Monte Carlo, smaller error for the same
    #: paths); pcg64: pseudo-random draws. See milex.projection._draws.
    generator: Literal["sobol", "pcg64"] = "sobol"


class Scenario(_Model):
    """A projection: who, which targets and paths, in which currency, under which assumptions."""

    title: str = ""
    #: Default: the latest year with NATO share-of-GDP figures.
    base_year: int | None = Field(default=None, ge=1990, le=2100)
    horizon: int = Field(default=2035, ge=1991, le=2100)
    countries: list[str] | None = None
    #: Default (with no countries): NATO, members as of the base year.
    bloc: str | None = None
    #: Bloc totals to report; default: the bloc (plus NATO_EU_CA for NATO), or TOTAL of a list.
    aggregates: list[str] | None = None
    currency: Literal["national", "USD", "EUR"] = "USD"
    #: weo: each year's WEO-implied rate, then a constant real rate; base_year: the base year's.
    exchange_rates: Literal["weo", "base_year"] = "weo"
    targets: list[Target] = Field(
        default_factory=lambda: [Target(guideline=DEFAULT_GUIDELINE)], min_length=1
    )
    macro: Macro = Macro()
    uncertainty: Uncertainty = Uncertainty()

    @field_validator("currency", mode="before")
    @classmethod
    def _currency_case(cls, value: Any) -> Any:
        if isinstance(value, str):
            return "national" if value.lower() == "national" else value.upper()
        return value

    @field_validator("countries")
    @classmethod
    def _countries(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        if not value:
            raise ValueError("countries is empty")
        from milex.data.registry import default_registry

        registry = default_registry()
        blocs = [v for v in value if v.strip().upper() in registry.bloc_codes]
        if blocs:
            raise ValueError(f"{blocs[0]!r} is a bloc: use bloc = {blocs[0].strip().upper()!r}")
        codes = _resolve(value, "countries")
        return list(dict.fromkeys(codes))

    @field_validator("bloc", "aggregates", mode="before")
    @classmethod
    def _blocs(cls, value: Any, info: ValidationInfo) -> Any:
        from milex.data.registry import default_registry

        known = default_registry().bloc_codes
        allowed = [*known, "TOTAL"] if info.field_name == "aggregates" else known
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list):
            return value
        out = []
        for item in items:
            code = str(item).strip().upper()
            if code not in allowed:
                raise ValueError(f"unknown bloc {item!r}; known: {', '.join(allowed)}")
            out.append(code)
        return out[0] if isinstance(value, str) else out

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        if self.countries is not None and self.bloc is not None:
            raise ValueError(f"give countries or bloc, not both (bloc = {self.bloc!r})")
        names = [t.name for t in self.targets]
        if len(set(names)) < len(names) or "total" in names:
            raise ValueError(f"target names must be unique and not 'total'; got {names}")
        if self.base_year is not None:
            problems = check_years(self, self.base_year)
            if problems:
                raise ValueError("; ".join(problems))
        return self

    # -- I/O -------------------------------------------------------------------------------------
    @classmethod
    def coerce(cls, value: Scenario | dict[str, Any] | str | Path | None) -> Scenario:
        """A scenario from what the API and the CLI take: a ``Scenario``, a mapping, a TOML file
        path, or None for the default (NATO, 3.5% by 2035)."""
        if value is None:
            return cls()
        if isinstance(value, dict):
            return cls.parse(value)
        if isinstance(value, str | Path):
            return cls.from_toml(Path(value))
        return value

    @classmethod
    def parse(cls, data: dict[str, Any]) -> Scenario:
        """A scenario from a mapping (e.g. parsed TOML); errors are ScenarioError."""
        if not isinstance(data, dict):
            raise ScenarioError(f"a scenario is a table of fields, not {type(data).__name__}")
        return cls(**data)

    @classmethod
    def from_toml(cls, source: str | Path) -> Scenario:
        """Read a scenario from a TOML file path, or from TOML text if it is not a path."""
        text = source
        if isinstance(source, Path) or ("\n" not in str(source) and str(source).endswith(".toml")):
            path = Path(source)
            if not path.is_file():
                raise ScenarioError(f"scenario file not found: {path}")
            text = path.read_text(encoding="utf-8")
        try:
            data = tomllib.loads(str(text))
        except tomllib.TOMLDecodeError as exc:
            raise ScenarioError(f"scenario is not valid TOML: {exc}") from None
        return cls.parse(data)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (TOML/JSON-ready): unset optional fields left out."""
        return dict(self.model_dump(mode="json", exclude_none=True))

    def to_toml(self, path: str | Path | None = None) -> str:
        """The scenario as TOML text; also written to ``path`` if given. Reads back equal."""
        try:
            import tomli_w
        except ImportError:  # pragma: no cover - a dependency of milex
            raise MilexError(
                "writing TOML needs the tomli-w package: pip install tomli-w"
            ) from None
        text = tomli_w.dumps(self.to_dict())
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    def with_changes(self, **changes: Any) -> Scenario:
        """A copy with some fields replaced, validated again (model_copy would not validate)."""
        data = self.model_dump(exclude_none=True)
        data.update(changes)
        return Scenario.parse(data)


# ----------------------------------------------------------------------------------------------
def check_years(scenario: Scenario, base_year: int) -> list[str]:
    """Problems with the years of a scenario given its base year (empty list: none)."""
    problems = []
    if scenario.horizon <= base_year:
        problems.append(f"horizon = {scenario.horizon}: must be after the base year {base_year}")
    for i, target in enumerate(scenario.targets):
        deadline = target.deadline_for(scenario.horizon)
        if deadline <= base_year:
            problems.append(
                f"targets[{i}].deadline = {deadline}: must be after the base year {base_year}"
            )
        specs = [(f"targets[{i}].path", target.path)] + [
            (f"targets[{i}].overrides.{code}.path", o.path)
            for code, o in target.overrides.items()
            if o.path is not None
        ]
        for field, spec in specs:
            if spec.plan is not None:
                problems += _plan_problems(field, spec.plan, base_year, scenario.horizon)
    return problems


def _plan_problems(field: str, plan: dict[int, float], base_year: int, horizon: int) -> list[str]:
    outside = [y for y in plan if not base_year < y <= horizon]
    if outside:
        return [
            f"{field}.plan: years {', '.join(map(str, outside))} outside the projection years "
            f"{base_year + 1}-{horizon}"
        ]
    missing = [y for y in range(base_year + 1, max(plan) + 1) if y not in plan]
    if missing:
        return [
            f"{field}.plan has gaps: missing {', '.join(map(str, missing))} (a plan gives every "
            f"year from {base_year + 1} to its last year)"
        ]
    return []


def _resolve(names: list[str], context: str) -> list[str]:
    from milex.data.registry import default_registry

    try:
        found = default_registry().resolve_all([str(n) for n in names], context)
    except UnknownCountryError as exc:
        raise ValueError(str(exc).removeprefix(f"{context}: ")) from None
    return [found[str(n)] for n in names]


def _resolve_keys(table: dict[str, Any]) -> dict[str, Any]:
    codes = _resolve(list(table), "overrides")
    if len(set(codes)) < len(codes):
        raise ValueError(f"overrides name a country twice: {list(table)}")
    return dict(zip(codes, table.values(), strict=True))


# ----------------------------------------------------------------------------------------------
def _model_at(loc: tuple[int | str, ...]) -> type[BaseModel]:
    """The model that holds the last field of an error location (for "did you mean")."""
    model: type[BaseModel] = Scenario
    children: dict[tuple[str, str], type[BaseModel]] = {
        ("Scenario", "targets"): Target,
        ("Scenario", "macro"): Macro,
        ("Scenario", "uncertainty"): Uncertainty,
        ("Target", "path"): PathSpec,
        ("Target", "overrides"): CountryOverride,
        ("CountryOverride", "path"): PathSpec,
        ("Macro", "overrides"): MacroOverride,
    }
    for part in loc[:-1]:
        model = children.get((model.__name__, str(part)), model)
    return model


def describe(exc: ValidationError) -> str:
    """One line naming every invalid field (as a TOML path) with its value and the rule broken."""
    parts = []
    for err in exc.errors():
        loc = _location(err["loc"])
        message = str(err["msg"]).removeprefix("Value error, ")
        value = err.get("input")
        if err["type"] == "extra_forbidden":
            field = str(err["loc"][-1])
            close = difflib.get_close_matches(field, list(_model_at(err["loc"]).model_fields), n=1)
            message = "unknown field" + (f" (did you mean {close[0]!r}?)" if close else "")
            parts.append(f"{loc}: {message}")
        elif err["type"] == "value_error" or not isinstance(value, str | int | float | bool):
            parts.append(f"{loc}: {message}" if loc else message)
        else:
            parts.append(f"{loc} = {value!r}: {message[:1].lower()}{message[1:]}")
    return "invalid scenario: " + "; ".join(parts)


def _location(loc: tuple[int | str, ...]) -> str:
    """A pydantic error location as a TOML path: targets[0].path.plan."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif "[" not in part:  # leave out pydantic's validator tags, e.g. function-after[...]
            text += f".{part}" if text else part
    return text
