"""Tables people read (issue 32, item 1): every named figure's table and CSV has human headers
with units, integer years and ranks, no presentation columns and no 16-digit floats; its zip holds
the table, the full data and a metadata file naming the sources and their editions."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile

import pytest
from fastapi.testclient import TestClient

from milex.present.figures import CHARTS
from milex.present.tables import Column

PARAMS = {"country": "country=POL", "sipri-country": "country=RUS"}
#: Columns a chart needs to place its marks and labels, and raw ids: none belongs in a table.
PRESENTATION = {"lx", "ly", "align_n", "leader", "shown_n", "col", "row", "dark", "iso3", "share",
                "band", "bn", "label", "partial", "series", "m", "rounds"}  # fmt: skip


@pytest.fixture(scope="module")
def client(dataset):
    from milex.web import create_app

    with TestClient(create_app(dataset), base_url="http://127.0.0.1") as c:
        yield c


def _csv(client: TestClient, name: str) -> list[dict[str, str]]:
    response = client.get(f"/chart/{name}.csv?{PARAMS.get(name, '')}")
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.text)))


def test_every_named_figure_has_a_table():
    from milex.present.figure_tables import TABLES

    assert list(TABLES) == list(CHARTS) and len(TABLES) == 22


@pytest.mark.parametrize("name", list(CHARTS))
def test_every_csv_is_a_table_people_read(client, name):
    rows = _csv(client, name)
    assert rows, name
    headers = list(rows[0])
    assert not PRESENTATION & {h.strip().lower() for h in headers}, headers
    for header in headers:  # human: a capital first, words not ids
        assert header[0].isupper() and "_" not in header, header
    for r in rows:
        if "Year" in r:
            assert re.fullmatch(r"\d{4}", r["Year"]), r["Year"]
        if r.get("Rank"):
            assert re.fullmatch(r"\d+", r["Rank"]), r["Rank"]
        for value in r.values():  # numbers at a sensible precision, never 16 digits
            assert not re.fullmatch(r"-?\d+\.\d{4,}", value), (name, value)
    numeric = [h for h in headers if any(u in h for u in ("%", "US$", "bn", "rounds"))]
    assert numeric, f"{name}: no column names its unit"


@pytest.mark.parametrize("name", ["tracker", "equipment", "burden"])
def test_ally_tables_are_sorted_by_the_views_value(client, name):
    rows = _csv(client, name)
    key = "Equipment share, % of spending" if name == "equipment" else "Share of GDP, % (NATO)"
    values = [float(r[key]) for r in rows if r[key]]
    assert values == sorted(values, reverse=True) and len(values) > 5


@pytest.mark.parametrize("name", ["tracker", "country", "threat-ppp", "industry"])
def test_the_zip_holds_the_table_the_full_data_and_metadata_naming_sources_and_editions(
    client, name
):
    response = client.get(f"/chart/{name}.zip?{PARAMS.get(name, '')}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.namelist() == [f"{name}.csv", f"{name}-full.csv", "metadata.json"]
    shown = archive.read(f"{name}.csv").decode()
    assert shown == client.get(f"/chart/{name}.csv?{PARAMS.get(name, '')}").text
    meta = json.loads(archive.read("metadata.json"))
    assert meta["sources"] and meta["columns"] and meta["licence"]
    assert all(s.get("url") for s in meta["sources"]), meta["sources"]
    if name != "industry":  # the industry model's sources are articles, not editions of data
        assert meta["editions"] and all(s["edition"] for s in meta["sources"])
        assert all(s.get("retrieved") and s.get("citation") for s in meta["sources"])
        assert meta["citation"]


def test_the_table_tab_shows_the_table_and_links_its_downloads(client):
    page = client.get("/charts/tracker?tab=table&year=2024").text
    table = page.split('id="view-table"', 1)[1].split("</table>", 1)[0]
    assert '<th scope="col" data-type="number" class="num">Gap to 3.5%, US$ m</th>' in table
    assert "2,014.00" not in page and "lx" not in table
    assert '/chart/tracker.zip?year=2024"' in page and '/chart/tracker.csv?year=2024"' in page


@pytest.mark.parametrize(
    ("column", "raw", "page", "file"),
    [
        (Column("year", "Year", "year"), 2014.0, "2014", 2014),
        (Column("rank", "Rank", "int"), 21.0, "21", 21),
        (Column("s", "Share, %", "pct"), 2.123456789, "2.12", 2.12),
        (Column("g", "Gap, US$ m", "money"), 59038.12345, "59,038", 59038.1),
        (Column("g", "Gap, US$ m", "money"), -0.2, "0", -0.2),
        (Column("s", "Share, %", "pct"), float("nan"), "", None),
        (Column("t", "Status"), "met", "met", "met"),
    ],
)
def test_a_columns_kind_fixes_how_its_values_print(column, raw, page, file):
    assert column.text(raw) == page
    assert column.value(raw) == file
