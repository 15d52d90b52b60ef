"""A country page (/country/XXX): its History table names measures as the registry does, with
units, newest year first; its gap line gives one amount per currency."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from milex.analysis.profile import country_profile
from milex.data.schema import MEASURE_IDS, measure_label
from milex.web import create_app
from milex.web.pages import gap_amounts

from .test_web_browser import DESKTOP, PHONE, browser, open_page, server  # noqa: F401


@pytest.fixture(scope="module")
def client(dataset):
    return TestClient(create_app(dataset), base_url="http://127.0.0.1")


def history(page: str) -> str:
    found = re.search(
        r'<div class="table-wrap sticky-first"[^>]*id="history">(.*?)</table>', page, re.S
    )
    assert found is not None
    return found.group(1)


def test_polands_history_names_every_measure_with_its_unit_and_no_raw_id(client):
    table = history(client.get("/country/POL").text)
    rows = re.findall(r'<th scope="row">(.*?)</th>', table, re.S)
    assert len(rows) >= 10
    words = set(re.findall(r"[a-z0-9_]+", " ".join(rows)))
    assert not words & MEASURE_IDS, words & MEASURE_IDS  # no milex_pct_gdp, gdp_usd, ...
    text = " ".join(re.sub(r"<[^>]+>", "", r) for r in rows)
    assert "Defence expenditure, share of GDP (%)" in text
    assert "Defence expenditure, national currency (PLN m)" in text  # the ally's currency
    assert "Defence expenditure, US dollars, constant prices (USD m constant 2015)" in text


def test_polands_history_opens_on_the_newest_years(client):
    table = history(client.get("/country/POL").text)
    years = [int(y) for y in re.findall(r'<th scope="col" class="num">(\d{4})</th>', table)]
    assert years[:6] == [2026, 2025, 2024, 2023, 2022, 2021]


def test_the_registry_labels_every_measure_in_one_place():
    assert measure_label("milex_pct_gdp") == "Defence expenditure, share of GDP (%)"
    assert measure_label("mil_personnel") == "Military personnel (thousand persons)"
    assert all("_" not in measure_label(m).split(" (")[0] for m in MEASURE_IDS)


@pytest.mark.parametrize(
    ("iso3", "label", "shown"),
    [("USA", "3_5pct", ["34,647 USD m", "32,129 EUR m"]),  # was "34,647 USD m · 34,647 USD m · ..."
     ("DEU", "3_5pct", ["59,038 EUR m", "63,666 USD m"]),  # was "... · 59,038 EUR m" again
     ("GBR", "3_5pct", ["32,336 GBP m", "41,110 USD m", "38,122 EUR m"])],
)  # fmt: skip
def test_a_gap_is_given_once_per_currency(dataset, iso3, label, shown):
    status = country_profile(iso3, 2024, dataset=dataset).status
    amounts = gap_amounts(status, label)
    assert amounts == shown
    currencies = [a.rsplit(" ", 2)[1] for a in amounts]
    assert len(currencies) == len(set(currencies))


def test_the_page_gives_each_gap_once_per_currency(dataset, monkeypatch):
    import milex.analysis.profile as profile

    # the newest year has no spending in money (no gaps): open the page on 2024, which has them
    monkeypatch.setattr(profile, "newest_year", lambda ds, iso3: (2024, None))
    page = TestClient(create_app(dataset), base_url="http://127.0.0.1").get("/country/USA").text
    line = re.search(r'<dd id="gap-3_5pct">(.*?)</dd>', page)
    assert line is not None
    assert line.group(1) == "34,647 USD m · 32,129 EUR m"


IN_VIEW = """year => {
  const wrap = document.getElementById("history").getBoundingClientRect();
  const cell = [...document.querySelectorAll("#history thead th")].find((th) => th.textContent === year);
  const box = cell.getBoundingClientRect();
  return box.left >= wrap.left && box.right <= wrap.right;
}"""


def test_at_1280_px_the_history_shows_2021_to_2026_without_scrolling(browser, server):  # noqa: F811
    context, page = open_page(browser, server, DESKTOP)
    page.goto(server + "/country/POL")
    for year in ("2026", "2021"):
        assert page.evaluate(IN_VIEW, year), year
    context.close()


def test_on_a_phone_the_history_keeps_its_measure_column_in_place(browser, server):  # noqa: F811
    context, page = open_page(browser, server, PHONE)
    page.goto(server + "/country/POL")
    first = "#history tbody tr:first-child th"
    assert page.eval_on_selector(first, "el => getComputedStyle(el).position") == "sticky"
    page.eval_on_selector("#history", "el => { el.scrollLeft = 400; }")
    left = page.eval_on_selector(first, "el => el.getBoundingClientRect().left")
    wrap = page.eval_on_selector("#history", "el => el.getBoundingClientRect().left")
    assert abs(left - wrap) < 2  # scrolled years slide under it; the name stays
    assert page.errors == []
    context.close()
