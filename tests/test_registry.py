"""The registry resolves every publisher's spelling and knows who was in which bloc, when."""

import pytest

from milex.errors import MilexError, UnknownCountryError


@pytest.mark.parametrize(
    ("name", "iso3"),
    [
        ("Türkiye", "TUR"),
        ("Turkey", "TUR"),
        ("turkiye", "TUR"),
        ("Türkiye, Republic of", "TUR"),
        ("United States of America", "USA"),
        ("United States", "USA"),
        ("Slovak Republic", "SVK"),
        ("Czechia*", "CZE"),
        ("Poland*   ", "POL"),
        ("Poland, Republic of", "POL"),
        ("pol", "POL"),
        ("Korea, North", "PRK"),
        ("Korea, South", "KOR"),
        ("Viet Nam", "VNM"),
        ("USSR", "SUN"),
        ("KOS", "XKX"),
        ("XKX", "XKX"),
        ("UNK", "XKX"),
        ("Kosovo", "XKX"),
        ("NA", "NAM"),
        ("NATO Total", "NATO"),
        ("NATO Europe and Canada", "NATO_EU_CA"),
    ],
)
def test_names_resolve_in_any_publishers_spelling(registry, name, iso3):
    assert registry.resolve(name) == iso3


def test_unknown_names_are_all_listed_in_one_error(registry):
    with pytest.raises(UnknownCountryError) as info:
        registry.resolve_all(["Poland", "Narnia", "Freedonia"], "test.xlsx [TABLE3]")
    message = str(info.value)
    assert "Narnia" in message and "Freedonia" in message and "test.xlsx [TABLE3]" in message
    assert info.value.names == ["Freedonia", "Narnia"]


@pytest.mark.parametrize(
    ("year", "count"),
    [
        (1949, 12),
        (1999, 19),
        (2004, 26),
        (2009, 28),
        (2017, 29),
        (2020, 30),
        (2022, 30),
        (2023, 31),
        (2024, 32),
    ],
)
def test_nato_membership_follows_accession_years(registry, year, count):
    assert len(registry.members("NATO", year)) == count


def test_finland_and_sweden_join_in_2023_and_2024(registry):
    assert "FIN" not in registry.members("NATO", 2022)
    assert "FIN" in registry.members("NATO", 2023)
    assert "SWE" not in registry.members("NATO", 2023)
    assert "SWE" in registry.members("NATO", 2024)


def test_nato_europe_and_canada_is_nato_without_the_united_states(registry):
    assert set(registry.members("NATO_EU_CA", 2024)) == set(registry.members("NATO", 2024)) - {
        "USA"
    }


def test_eu27_is_fixed_but_eu_membership_changes_over_time(registry):
    assert len(registry.members("EU27", 1990)) == 27 == len(registry.members("EU27", 2024))
    assert "GBR" in registry.members("EU", 2019)
    assert "GBR" not in registry.members("EU", 2020)
    assert len(registry.members("EU", 2024)) == 27


def test_russia_succeeds_the_ussr_in_the_crink_bloc(registry):
    assert "SUN" in registry.members("CRINK", 1991) and "RUS" not in registry.members("CRINK", 1991)
    assert registry.members("CRINK", 2024) == ["CHN", "IRN", "PRK", "RUS"]


def test_unknown_bloc_is_a_clear_error(registry):
    with pytest.raises(MilexError, match="unknown bloc 'WARSAW'"):
        registry.members("WARSAW", 1980)


def test_capitals_and_currencies_are_known(registry):
    poland = registry.countries["POL"]
    assert poland.currency == "PLN" and poland.capital == "Warsaw"
    assert poland.capital_lat == pytest.approx(52.25) and poland.capital_lon == pytest.approx(21.0)


@pytest.mark.parametrize(
    ("name", "iso3"),
    [
        ("UK", "GBR"),
        ("U.K.", "GBR"),
        ("Britain", "GBR"),
        ("U.S.", "USA"),
        ("USA", "USA"),
        ("Czech Rep.", "CZE"),
        ("Slovak Rep.", "SVK"),
        ("FYROM", "MKD"),
        ("Korea, Republic of", "KOR"),
    ],
)
def test_common_short_forms_resolve(registry, name, iso3):
    assert registry.resolve(name) == iso3


def test_the_soviet_union_is_an_error_naming_its_successor_states(registry):
    with pytest.raises(MilexError, match=r"successor states.*Russia \(RUS\).*Ukraine \(UKR\)"):
        registry.resolve_all(["Soviet Union", "POL"], "countries")


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("POL,DEU", ["POL", "DEU"]),
        ("Poland, Republic of,DEU", ["Poland, Republic of", "DEU"]),
        ('"Korea, Republic of", POL', ["Korea, Republic of", "POL"]),
        ("POL; Korea, Republic of", ["POL", "Korea, Republic of"]),
        ("Narnia, Republic of", ["Narnia", "Republic of"]),
    ],
)
def test_a_list_of_names_keeps_commas_that_belong_to_a_name(registry, text, names):
    from milex.data.registry import split_names

    assert split_names(text, registry) == names


def test_a_country_list_on_the_command_line_takes_names_with_commas():
    from typer.testing import CliRunner

    from milex.cli import app

    result = CliRunner().invoke(
        app,
        ["series", "--measure", "milex_pct_gdp", "--country", "Poland, Republic of;UK",
         "--source", "nato", "--from", "2024", "--to", "2024", "--format", "csv"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert sorted(line[:3] for line in result.stdout.splitlines()[1:]) == ["GBR", "POL"]
