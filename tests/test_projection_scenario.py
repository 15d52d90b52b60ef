"""Scenario files: defaults, TOML both ways, and a clear error for every invalid scenario."""

from __future__ import annotations

import pytest

from milex.projection import PathSpec, Scenario, ScenarioError, Target
from milex.projection.scenario import check_years

from .conftest import ROOT

EXAMPLE = ROOT / "examples" / "hague-2035.toml"


def test_the_default_is_nato_at_the_hague_core_target_by_2035_on_a_linear_path():
    scenario = Scenario()
    (target,) = scenario.targets
    assert (scenario.horizon, scenario.bloc, scenario.countries) == (2035, None, None)
    assert (target.level, target.deadline_for(scenario.horizon), target.path.shape) == (
        3.5,
        2035,
        "linear",
    )
    assert scenario.uncertainty.paths == 10_000 and scenario.uncertainty.seed == 1


def test_the_hague_example_has_both_parts_with_their_own_paths():
    scenario = Scenario.from_toml(EXAMPLE)
    core, related = scenario.targets
    assert (core.level, related.level) == (3.5, 1.5)
    assert (core.path.shape, related.path.shape) == ("linear", "back_loaded")
    assert related.base_pct == 0.0 and scenario.currency == "EUR"


def test_toml_written_reads_back_equal(tmp_path):
    scenario = Scenario(
        title="with every kind of field",
        base_year=2024,
        countries=["Germany", "POL", "Türkiye"],
        currency="eur",
        targets=[
            Target(
                target_pct=3.5,
                deadline=2032,
                path="front_loaded",
                overrides={
                    "Poland": {"path": "hold_share"},
                    "DEU": {"path": {"shape": "plan", "plan": {2025: 2.4, 2026: 2.9}}},
                    "TUR": {"path": {"shape": "constant_real_growth", "real_growth_pct": 4}},
                },
            ),
            Target(name="related", guideline="hague_related_1_5pct", base_pct=0.2),
        ],
        macro={"long_run_growth_pct": 1.2, "overrides": {"TUR": {"long_run_inflation_pct": 8}}},
        uncertainty={"paths": 5000, "seed": 7, "antithetic": False},
    )
    path = tmp_path / "s.toml"
    text = scenario.to_toml(path)
    assert 'path = "front_loaded"' in text and "[targets.overrides.DEU.path.plan]" in text
    assert Scenario.from_toml(path) == scenario
    assert Scenario.from_toml(text) == scenario  # TOML text works too
    assert scenario.countries == ["DEU", "POL", "TUR"] and set(scenario.targets[0].overrides) == {
        "POL",
        "DEU",
        "TUR",
    }


def test_a_plain_path_is_a_string_and_a_detailed_one_a_table():
    assert Target(target_pct=2, path="back_loaded").path == PathSpec(shape="back_loaded")
    assert (
        Scenario(targets=[Target(target_pct=2, path="hold_share")]).to_dict()["targets"][0]["path"]
        == "hold_share"
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"targets": [{"target_pct": -0.5}]},
            "targets[0].target_pct = -0.5: input should be greater than or equal to 0",
        ),
        (
            {"targets": [{"target_pct": 100}]},
            "targets[0].target_pct = 100: input should be less than 100",
        ),
        (
            {"targets": [{"target_pct": 3.5, "overrides": {"ESP": {"target_pct": 250}}}]},
            "targets[0].overrides.ESP.target_pct = 250",
        ),
        (
            {"base_year": 2024, "targets": [{"target_pct": 3.5, "deadline": 2020}]},
            "targets[0].deadline = 2020: must be after the base year 2024",
        ),
        ({"base_year": 2024, "horizon": 2024}, "horizon = 2024: must be after the base year 2024"),
        ({"countries": ["DEU", "Narnia"]}, "countries: unknown country name(s): 'Narnia'"),
        ({"countries": ["Germny"]}, "did you mean Germany (DEU)"),
        (
            {"targets": [{"target_pct": 3, "overrides": {"Atlantis": {"path": "hold_share"}}}]},
            "targets[0].overrides: unknown country name(s): 'Atlantis'",
        ),
        ({"bloc": "WARSAW_PACT"}, "bloc: unknown bloc 'WARSAW_PACT'"),
        (
            {"uncertainty": {"paths": 0}},
            "uncertainty.paths = 0: input should be greater than or equal to 1",
        ),
        ({"uncertainty": {"paths": -3}}, "uncertainty.paths = -3"),
        (
            {"uncertainty": {"paths": 10_000_001}},
            "uncertainty.paths = 10000001: input should be less than or equal to 10000000",
        ),
        (
            {"uncertainty": {"growth_sd_pct": -0.1}},
            "uncertainty.growth_sd_pct = -0.1: input should be greater than or equal to 0",
        ),
        ({"uncertainty": {"inflation_sd_pct": -2}}, "uncertainty.inflation_sd_pct = -2"),
        ({"uncertainty": {"correlation": 1.5}}, "uncertainty.correlation = 1.5"),
        ({"uncertainty": {"persistence": 1}}, "uncertainty.persistence = 1"),
        (
            {
                "base_year": 2024,
                "targets": [
                    {"target_pct": 3.5, "path": {"shape": "plan", "plan": {2025: 2.5, 2027: 3.0}}}
                ],
            },
            "targets[0].path.plan has gaps: missing 2026",
        ),
        (
            {
                "base_year": 2024,
                "targets": [{"target_pct": 3.5, "path": {"shape": "plan", "plan": {2026: 2.5}}}],
            },
            "missing 2025",
        ),
        (
            {
                "base_year": 2024,
                "targets": [
                    {"target_pct": 3.5, "path": {"shape": "plan", "plan": {2024: 2.2, 2025: 2.5}}}
                ],
            },
            "targets[0].path.plan: years 2024 outside the projection years 2025-2035",
        ),
        (
            {
                "base_year": 2024,
                "targets": [
                    {
                        "target_pct": 3.5,
                        "overrides": {
                            "DEU": {"path": {"shape": "plan", "plan": {2025: 2.5, 2036: 3}}}
                        },
                    }
                ],
            },
            "targets[0].overrides.DEU.path.plan: years 2036 outside",
        ),
        (
            {"targets": [{"target_pct": 3.5, "path": {"shape": "plan", "plan": {2025: 120}}}]},
            "plan shares must be >= 0 and < 100",
        ),
        (
            {"targets": [{"target_pct": 3.5, "path": {"shape": "plan"}}]},
            "shape 'plan' needs a plan table",
        ),
        (
            {"targets": [{"target_pct": 3.5, "path": "constant_real_growth"}]},
            "needs real_growth_pct",
        ),
        (
            {"targets": [{"target_pct": 3.5, "path": {"shape": "linear", "real_growth_pct": 2}}]},
            "real_growth_pct = 2.0 is only for 'constant_real_growth'",
        ),
        (
            {"targets": [{"target_pct": 3.5, "path": "exponential"}]},
            "targets[0].path.shape = 'exponential': input should be 'linear'",
        ),
        (
            {"targets": [{"guideline": "hague_related_1_5pct"}]},
            "no published baseline for defence_related_pct_gdp",
        ),
        (
            {"targets": [{"guideline": "hague_core"}]},
            "unknown guideline 'hague_core' (did you mean hague_core_3_5pct?)",
        ),
        ({"targets": [{"name": "core"}]}, "target 'core' needs target_pct or guideline"),
        (
            {"targets": [{"target_pct": 3.5, "traget": 2}]},
            "targets[0].traget: unknown field (did you mean 'target_pct'?)",
        ),
        ({"targets": []}, "targets: List should have at least 1 item"),
        ({"targets": [{"target_pct": 2}, {"target_pct": 3}]}, "target names must be unique"),
        ({"countries": ["DEU"], "bloc": "NATO"}, "give countries or bloc, not both"),
        ({"countries": ["NATO"]}, "'NATO' is a bloc: use bloc = 'NATO'"),
        ({"currency": "GBP"}, "currency = 'GBP': input should be 'national', 'USD' or 'EUR'"),
        ({"macro": {"long_run_years": [2030, 2028]}}, "long_run_years [2030, 2028] run backwards"),
    ],
)
def test_every_invalid_scenario_is_one_error_naming_the_field_and_value(data, message):
    with pytest.raises(ScenarioError) as caught:
        Scenario.parse(data)
    text = str(caught.value)
    assert message in text and "\n" not in text and text.startswith("invalid scenario: ")


def test_nested_models_built_in_python_raise_the_same_error():
    with pytest.raises(ScenarioError, match=r"real_growth_pct = -100"):
        PathSpec(shape="constant_real_growth", real_growth_pct=-100)
    with pytest.raises(ScenarioError, match=r"^invalid scenario: target_pct = 101"):
        Target(target_pct=101)


def test_year_checks_wait_for_the_base_year_when_it_is_left_to_the_data():
    scenario = Scenario(targets=[Target(target_pct=3.5, deadline=2020)])  # base year not known yet
    assert check_years(scenario, 2024) == [
        "targets[0].deadline = 2020: must be after the base year 2024"
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("horizon = [", "scenario is not valid TOML"),
        ("horizon = 'soon'", "horizon = 'soon': input should be a valid integer"),
    ],
)
def test_bad_toml_is_a_scenario_error(text, message):
    with pytest.raises(ScenarioError, match=message.replace("[", r"\[")):
        Scenario.from_toml(text)


def test_a_missing_file_is_a_scenario_error(tmp_path):
    with pytest.raises(ScenarioError, match="scenario file not found"):
        Scenario.from_toml(tmp_path / "nope.toml")


def test_with_changes_validates_again():
    with pytest.raises(ScenarioError, match="horizon = 1800"):
        Scenario().with_changes(horizon=1800)
