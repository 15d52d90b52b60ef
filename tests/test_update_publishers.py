"""Discovery and download of every publisher's newest edition, against a local HTTP server.

The tests build the publishers' pages and files themselves, in each layout the publishers use: NATO's
topic page with its editions archive (both Excel naming schemes), SIPRI's database page, the IMF's
saved bulk files (the tab-delimited file, the data portal's CSV; its SDMX API is in
test_update_imf_sdmx.py), and the World Bank's paged WDI API. Nothing reaches the network.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import milex
from milex.cli import app
from milex.data import update
from milex.data.sources import imf, worldbank
from milex.data.update import _discovery as discovery
from milex.errors import MilexError

from .nato_layouts import build_workbook, expected_value
from .test_sources_sipri import small_workbook
from .test_update import server  # noqa: F401  (the local HTTP server fixture)

NATO_DIR = "content/dam/nato/webready/documents/finance"
LEGACY_DIR = "content/dam/nato/legacy-wcm/media_pdf/2024/6/pdf"


def topic_page(root: Path, editions: list[str], name: str = "topic.html") -> str:
    """A NATO topic page whose 'archive of tables' links one PDF per edition."""
    items = "".join(
        f'<li><a href="{href}">Defence expenditure {href[-15:-7]}</a></li>' for href in editions
    )
    (root / name).write_text(
        f"<html><body><h2>Archive of tables</h2><ul>{items}</ul></body></html>"
    )
    return name


#: The 2026 edition restates a 2025 figure (as NATO's did on its new "core defence" basis).
REVISED = ("POL", 2025, "milex_per_capita_usd_const")


def publish_nato(root: Path, layout: str, name: str, folder: str = NATO_DIR) -> Path:
    (root / folder).mkdir(parents=True, exist_ok=True)
    (root / folder / name.replace(".xlsx", ".pdf").replace("-TABLES", "")).write_bytes(b"%PDF-1.4")
    overrides = {REVISED: expected_value("2025", *REVISED) - 25.0} if layout == "2026" else None
    return build_workbook(root / folder / name, layout, overrides=overrides)


# ----------------------------------------------------------------------------------------------
# NATO, end to end
@pytest.mark.parametrize("layout", ["2026", "2025"])
def test_nato_update_end_to_end_from_a_topic_page_linking_three_editions(server, tmp_path, layout):  # noqa: F811
    base, root = server
    out = tmp_path / "snap"
    # first commit: the 2025 edition only (the page then lists 2024 and 2025)
    publish_nato(root, "2025", "def-exp-2025-en.xlsx")
    (root / LEGACY_DIR).mkdir(parents=True)
    first_page = topic_page(
        root,
        [f"/{LEGACY_DIR}/240617-def-exp-2024-en.pdf", f"/{NATO_DIR}/def-exp-2025-en.pdf"],
        "old.html",
    )
    if layout == "2025":  # the 2025-layout variant: the newest edition is the 2025 one
        result = update.update("nato", out_dir=out, pages={"nato": f"{base}/{first_page}"})
        ds = milex.load(str(out))
        sweden = ds.series("milex_pct_gdp", "SWE", "nato", 2025, edition=result.changes[0].edition)
        assert sweden["value"].tolist() == [expected_value("2025", "SWE", 2025, "milex_pct_gdp")]
        assert sweden["flags"].tolist() == ["estimate"]
        usa = ds.series("milex_usd_const", "USA", "nato", 2025, edition=result.changes[0].edition)
        assert usa["unit"].tolist() == ["USD m constant 2021"]
        assert result.changes[0].compared_with is not None  # against the bundled 2014-2024 tables
        return
    update.update("nato", out_dir=out, pages={"nato": f"{base}/{first_page}"})
    # NATO publishes 2026: the page now links three editions
    publish_nato(root, "2026", "def-exp-2026-en.xlsx")
    page = topic_page(
        root,
        [
            f"/{LEGACY_DIR}/240617-def-exp-2024-en.pdf",
            f"/{NATO_DIR}/def-exp-2026-en.pdf",
            f"/{NATO_DIR}/def-exp-2025-en.pdf",
        ],
    )
    result = update.update("nato", out_dir=out, pages={"nato": f"{base}/{page}"})
    (change,) = result.changes
    assert change.edition.startswith("2014-2026")
    assert change.compared_with is not None and change.compared_with.startswith("2014-2025")
    old = expected_value("2025", *REVISED)
    assert change.revised == 1 and change.largest == [(*REVISED, old, old - 25.0)]
    assert change.added > 0  # 2026e and the new edition's other rows
    ds = milex.load(str(out))
    editions = set(ds.status()["edition"])
    assert {"2014-2025 (2025-08-28)", "2014-2026 (2026-07-10)"} <= editions  # side by side
    for iso3 in ("SWE", "USA"):
        share = ds.series("milex_pct_gdp", iso3, "nato", 2026, edition=change.edition)
        assert share["value"].tolist() == [expected_value("2026", iso3, 2026, "milex_pct_gdp")]
        assert share["flags"].tolist() == ["estimate"]
        const = ds.series("milex_usd_const", iso3, "nato", 2026, edition=change.edition)
        assert const["unit"].tolist() == ["USD m constant 2021"]
        assert const["value"].tolist() == [expected_value("2026", iso3, 2026, "milex_usd_const")]
    entry = next(s for s in result.package["sources"] if s["edition"] == change.edition)
    assert entry["url"] == f"{base}/{NATO_DIR}/def-exp-2026-en.xlsx"
    assert entry["definition"] == "core defence expenditure" and entry["price_base"] == 2021
    assert "2014-2026" in result.summary()


def test_nato_older_naming_beside_the_pdf_is_found(server, tmp_path):  # noqa: F811
    base, root = server
    publish_nato(root, "2025", "250828-def-exp-2025-TABLES-en.xlsx", LEGACY_DIR)
    page = topic_page(root, [f"/{LEGACY_DIR}/250828-def-exp-2025-en.pdf"])
    result = update.update("nato", out_dir=tmp_path / "o", pages={"nato": f"{base}/{page}"})
    assert result.package["sources"][-1]["url"].endswith("250828-def-exp-2025-TABLES-en.xlsx")


def test_nato_page_without_edition_links_is_an_error_naming_it(server, tmp_path):  # noqa: F811
    base, root = server
    (root / "empty.html").write_text("<html><a href='/about'>About</a></html>")
    with pytest.raises(MilexError, match=rf"no NATO edition links .* on {base}/empty.html"):
        update.update("nato", out_dir=tmp_path / "o", pages={"nato": f"{base}/empty.html"})
    assert not (tmp_path / "o").exists()


def test_nato_edition_without_excel_tables_lists_the_names_tried(server, tmp_path):  # noqa: F811
    base, root = server
    page = topic_page(root, [f"/{NATO_DIR}/def-exp-2027-en.pdf"])
    with pytest.raises(
        MilexError, match=r"NATO 2027 Excel tables: none of these exist.*def-exp-2027-en.xlsx"
    ):
        update.update("nato", out_dir=tmp_path / "o", pages={"nato": f"{base}/{page}"})


def test_nato_discovery_picks_the_newest_year_and_both_names():
    html = (
        '<a href="/a/240617-def-exp-2024-en.pdf">2024</a>'
        '<a href="https://x.int/b/def-exp-2026-en.pdf">2026</a>'
        '<a href="/c/def-exp-2025-en.pdf">2025</a>'
    )
    edition = discovery.nato_edition("https://www.nato.int/en/topic", html)
    assert edition.label == "NATO 2026"
    assert edition.candidates[0] == "https://x.int/b/def-exp-2026-en.xlsx"
    old = discovery.nato_edition("https://www.nato.int/en/topic", html.split('<a href="https')[0])
    assert old.candidates[0] == "https://www.nato.int/a/240617-def-exp-2024-TABLES-en.xlsx"


# ----------------------------------------------------------------------------------------------
# SIPRI
def test_sipri_page_newest_span_and_version_is_downloaded(server, tmp_path):  # noqa: F811
    base, root = server
    files = root / "sites/default/files"
    files.mkdir(parents=True)
    small_workbook(files / "SIPRI-Milex-data-1949-2025_v1.2.xlsx")
    links = [
        "SIPRI-Milex-data-1949-2024_2.xlsx",
        "SIPRI-Milex-data-1949-2025_v1.1.xlsx",
        "SIPRI-Milex-data-1949-2025_v1.2.xlsx",
        "SIPRI-Milex-data-1988-2025.xlsx",
    ]
    (root / "milex.html").write_text(
        "".join(f'<a href="/sites/default/files/{name}">data</a>' for name in links)
    )
    result = update.update("sipri", out_dir=tmp_path / "o", pages={"sipri": f"{base}/milex.html"})
    assert result.package["sources"][-1]["url"].endswith("SIPRI-Milex-data-1949-2025_v1.2.xlsx")
    (root / "none.html").write_text("<p>moved</p>")
    with pytest.raises(MilexError, match=rf"no SIPRI workbook link .* on {base}/none.html"):
        update.update("sipri", out_dir=tmp_path / "o", pages={"sipri": f"{base}/none.html"})


def sipri_2026_workbook(path: Path, note: str | None) -> Path:
    """SIPRI's April 2026 layout (1949-2025, constant 2024 US$) with its "revised on" note."""
    import openpyxl

    small_workbook(path, years=(2023, 2024, 2025), base=2024)
    if note:
        wb = openpyxl.load_workbook(path)
        wb["Share of GDP"]["A3"] = note
        wb.save(path)
    return path


def test_sipri_v1_2_workbook_is_labelled_from_its_revised_on_note(server, tmp_path):  # noqa: F811
    base, root = server
    files = root / "sites/default/files"
    files.mkdir(parents=True)
    name = "SIPRI-Milex-data-1949-2025_v1.2.xlsx"
    sipri_2026_workbook(files / name, "Data revised on 27 April 2026. Figures in US$ m.")
    (root / "milex.html").write_text(f'<a href="/sites/default/files/{name}">Download</a>')
    result = update.update("sipri", out_dir=tmp_path / "o", pages={"sipri": f"{base}/milex.html"})
    (change,) = result.changes
    assert change.edition == "2026-04 (2023-2025)"  # not the month the file was saved or fetched
    entry = result.package["sources"][-1]
    assert entry["published"] == "2026-04-27" and entry["price_base"] == 2024
    assert entry["title"].endswith("(2023-2025), version v1.2")
    assert entry["etag"] and entry["last_modified"]  # what `milex data check` compares later
    ds = milex.load(str(tmp_path / "o"))
    const = ds.series("milex_usd_const", "POL", "sipri", 2025, edition=change.edition)
    assert const["unit"].tolist() == ["USD m constant 2024"]
    # without the note, the workbook's own date (its properties), never the download's
    undated = sipri_2026_workbook(tmp_path / name, None)
    again = update.update("sipri", origin=undated, out_dir=tmp_path / "o2")
    import openpyxl

    saved = openpyxl.load_workbook(undated).properties.modified
    assert again.changes[0].edition == f"{saved:%Y-%m} (2023-2025)"


# ----------------------------------------------------------------------------------------------
# IMF
WEO_HEADER = (
    "WEO Country Code\tISO\tWEO Subject Code\tCountry\tSubject Descriptor\tSubject Notes\tUnits\t"
    "Scale\tCountry/Series-specific Notes\t2024\t2025\t2026\tEstimates Start After"
)


def weo_tsv(path: Path, edition: str = "October 2026") -> Path:
    """A tab-delimited WEO 'by countries' file in UTF-16, as the IMF published up to April 2025."""
    rows = [
        "964\tPOL\tNGDPD\tPoland\tGDP, current prices\t\tU.S. dollars\tBillions\tSource: x\t"
        "914.696\t1,003.2\t1,060.5\t2024",
        "964\tPOL\tNGDP_R\tPoland\tGDP, constant prices\t\tNational currency\tBillions\t"
        "Base year: 2015\t2,500.1\t2,590.2\tn/a\t2024",
        "964\tPOL\tLP\tPoland\tPopulation\t\tPersons\tMillions\t\t36.6\t36.5\t--\t2024",
        "967\tUVK\tNGDPD\tKosovo\tGDP, current prices\t\tU.S. dollars\tBillions\t\t10.9\t11.5\t12\t2023",
        "964\tPOL\tLUR\tPoland\tUnemployment\t\tPercent\t\t\t3\t3\t3\t2024",
    ]
    footer = f"International Monetary Fund, World Economic Outlook Database, {edition}"
    text = "\n".join([WEO_HEADER, *rows, "", footer]) + "\n"
    path.write_bytes(text.encode("utf-16"))
    return path


def weo_portal_csv(path: Path, published: str = "") -> Path:
    """The data portal's IMF.RES:WEO full dataset, observation per row, values in units."""
    lines = [
        "DATASET,COUNTRY.ID,COUNTRY,INDICATOR.ID,INDICATOR,FREQUENCY.ID,SCALE.ID,UNIT.ID,"
        "LATEST_ACTUAL_ANNUAL_DATA,BASE_YEAR,TIME_PERIOD,OBS_VALUE",
        "WEO,POL,Poland,NGDPD,GDP,A,9,USD,2025,,2025,979000000000",
        "WEO,POL,Poland,NGDPD,GDP,A,9,USD,2025,,2026,1040000000000",
        "WEO,POL,Poland,NGDP_R,GDP const,A,9,XDC,2025,2015,2026,2700000000000",
        "WEO,G001,World,NGDPD,GDP,A,9,USD,2025,,2026,117000000000000",
        "WEO,POL,Poland,NGDPD,GDP,Q,9,USD,2025,,2026-Q1,1",
    ]
    if published:
        lines = [lines[0] + ",PUBLICATION_DATE", *(f"{x},{published}" for x in lines[1:])]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def test_imf_tab_delimited_bulk_file_is_parsed(tmp_path, registry):
    obs = imf.parse_bulk(weo_tsv(tmp_path / "WEOOct2026all.xls"), registry)
    assert set(obs["edition"]) == {"WEO 2026-10"}
    gdp = obs[(obs["measure"] == "gdp_usd") & (obs["iso3"] == "POL")].set_index("year")
    assert gdp["value"].to_dict() == {2024: 914696.0, 2025: 1003200.0, 2026: 1060500.0}
    assert gdp.loc[2025, "flags"] == "projection" and gdp.loc[2024, "flags"] == ""
    const = obs[obs["measure"] == "gdp_lcu_const"]
    assert set(const["unit"]) == {"national currency m constant 2015"} and len(const) == 2
    assert obs[obs["measure"] == "population"]["value"].tolist() == [36600000.0, 36500000.0]
    assert "XKX" in set(obs["iso3"])  # Kosovo's WEO code UVK
    with pytest.raises(MilexError, match="the file says it is WEO 2026-10, not WEO 2026-04"):
        imf.parse_bulk(tmp_path / "WEOOct2026all.xls", registry, edition="WEO 2026-04")


def test_imf_portal_csv_is_labelled_from_its_publication_date_never_its_download(
    tmp_path, registry
):
    # downloaded on 2026-10-12: the name says October, the data are April's (out 13 October)
    name = "dataset_2026-10-12T05_59_25.5Z_DEFAULT_INTEGRATION_IMF.RES_WEO_10.0.0.csv"
    with pytest.raises(MilexError, match="never taken from the download date"):
        imf.parse_bulk(weo_portal_csv(tmp_path / name), registry)
    obs = imf.parse_bulk(weo_portal_csv(tmp_path / name, "2026-04-14T13:00:00Z"), registry)
    assert set(obs["edition"]) == {"WEO 2026-04"} and set(obs["iso3"]) == {"POL"}
    gdp = obs[obs["measure"] == "gdp_usd"].set_index("year")
    assert gdp["value"].to_dict() == {2025: 979000.0, 2026: 1040000.0}
    assert gdp.loc[2026, "flags"] == "projection"
    assert obs[obs["measure"] == "gdp_lcu_const"]["unit"].tolist() == [
        "national currency m constant 2015"
    ]


def test_imf_bulk_file_of_unknown_layout_is_an_error(tmp_path, registry):
    (tmp_path / "WEOOct2026all.xls").write_text("a,b\n1,2\n")
    with pytest.raises(MilexError, match=r"WEOOct2026all.xls \[header\]: not a WEO file"):
        imf.parse_bulk(tmp_path / "WEOOct2026all.xls", registry)


# ----------------------------------------------------------------------------------------------
# World Bank
def wdi_pages(
    root: Path, code: str, records: list[tuple[str, str, float | None]], per_page: int
) -> None:
    """The WDI API's answers for one indicator, page by page, as static files."""
    folder = root / "v2/country/all/indicator"
    folder.mkdir(parents=True, exist_ok=True)
    chunks = [records[i : i + per_page] for i in range(0, len(records), per_page)]
    for page, chunk in enumerate(chunks, start=1):
        meta = {"page": page, "pages": len(chunks), "per_page": per_page, "total": len(records),
                "sourceid": "2", "lastupdated": "2026-07-01"}  # fmt: skip
        rows = [
            {"indicator": {"id": code, "value": code}, "country": {"id": iso3[:2], "value": iso3},
             "countryiso3code": iso3, "date": year, "value": value, "unit": "", "obs_status": "",
             "decimal": 0}
            for iso3, year, value in chunk
        ]  # fmt: skip
        (folder / f"{code}@{page}").write_text(json.dumps([meta, rows]))


def test_worldbank_api_pages_are_joined_and_parsed(server, tmp_path):  # noqa: F811
    base, root = server
    for ind in worldbank.INDICATORS:
        code = worldbank.indicator_code(ind)
        records = [("POL", "2025", 1.5e12), ("DEU", "2025", None), ("EUU", "2025", 2e13),
                   ("", "2025", 3.0), ("SWE", "2024", 6.2e11)]  # fmt: skip
        if code == "SP.POP.TOTL":  # people, not dollars: the checks refuse 1.5 trillion Poles
            records = [(c, y, v if v is None else v / 4e4) for c, y, v in records]
        wdi_pages(root, code, records, per_page=2)
    result = update.update("worldbank", out_dir=tmp_path / "o", pages={"worldbank": f"{base}/v2"},
                           keep_raw=tmp_path / "raw")  # fmt: skip
    assert len(result.changes) == 4
    ds = milex.load(str(tmp_path / "o"))
    gdp = ds.series(
        "gdp_usd", "POL", "worldbank", 2025, edition="WDI NY.GDP.MKTP.CD 2026-07-01 (API)"
    )
    assert gdp["value"].tolist() == [1.5e6]
    assert ds.series("gdp_usd", "DEU", "worldbank", 2025).empty  # null values are missing, not 0
    saved = tmp_path / "raw/worldbank/NY.GDP.MKTP.CD.json"
    assert len(json.loads(saved.read_text())[1]) == 5  # three pages joined
    again = update.update("worldbank", origin=tmp_path / "raw", out_dir=tmp_path / "o2")
    assert [c.figures for c in again.changes] == [c.figures for c in result.changes]


def test_worldbank_api_error_is_reported(tmp_path, registry):
    path = tmp_path / "NY.GDP.MKTP.CD.json"
    path.write_text(json.dumps([{"message": [{"id": "120", "value": "Invalid value"}]}]))
    with pytest.raises(MilexError, match="NY.GDP.MKTP.CD.json: the API answered an error"):
        worldbank.parse_api(path, registry)


def test_cli_update_of_nato_from_a_local_file_prints_the_changes(tmp_path):
    workbook = publish_nato(tmp_path, "2026", "def-exp-2026-en.xlsx")
    out = tmp_path / "o"
    result = CliRunner().invoke(
        app,
        [
            "data",
            "update",
            "--from",
            str(workbook),
            "--output",
            str(out),
            "--keep-raw",
            str(tmp_path / "raw"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "nato 2014-2026 (2026-07-10)" in result.output and "revised" in result.output
    assert (tmp_path / "raw/nato/def-exp-2026-en.xlsx").is_file()
