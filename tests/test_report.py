"""Reports: the tracker table equals milex.tracker(), the HTML is self-contained, the PDF is A4 with
page numbers and a contents list, and bad input is a clear error that writes nothing."""

from __future__ import annotations

import html
import math
import re
from html.parser import HTMLParser

import pytest
import typer
from typer.testing import CliRunner

import milex
from milex.cli import charts as charts_cli
from milex.errors import MilexError, UnknownCountryError
from milex.present.report import Report, alliance_report, country_brief
from milex.present.report.alliance import SECTIONS
from milex.present.report.context import STATUS_MARK, tracker_rows

SMALL = {"bloc": "NATO", "uncertainty": {"paths": 1000, "seed": 2}}
#: Tracker columns shown in the report's table, with the decimals shown.
NUMBER_COLUMNS = {
    "milex_pct_gdp": 2,
    "milex_pct_gdp_sipri": 2,
    "equipment_pct": 1,
    "gap_2pct_usd_m": 0,
    "gap_3_5pct_usd_m": 0,
    "real_change_pct": 1,
}
A4_PX = (793.7, 1122.5)  # 210 x 297 mm at 96 px per inch


@pytest.fixture(scope="module")
def alliance(dataset):
    return alliance_report(scenario=SMALL, dataset=dataset)


@pytest.fixture(scope="module")
def brief(dataset):
    return country_brief("Türkiye", dataset=dataset)


class TrackerTable(HTMLParser):
    """Rows of the tracker table: iso3 -> {data-col: text} plus the status cells' titles."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, dict[str, str]] = {}
        self.statuses: dict[str, list[str]] = {}
        self.inside = False
        self.row: str | None = None
        self.col: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self.inside = a.get("id") == "tracker-table"
        elif self.inside and tag == "tr" and "data-iso3" in a:
            self.row = a["data-iso3"]
            self.rows[self.row], self.statuses[self.row] = {}, []
        elif self.row and tag == "td":
            self.col = a.get("data-col")
            if self.col:
                self.rows[self.row][self.col] = ""
            if "title" in a:
                self.statuses[self.row].append(a["title"] or "")

    def handle_endtag(self, tag):
        if tag == "td":
            self.col = None
        elif tag == "table":
            self.inside = False

    def handle_data(self, data):
        if self.row and self.col:
            self.rows[self.row][self.col] += data.strip()


def parse_table(page: str) -> TrackerTable:
    parser = TrackerTable()
    parser.feed(page)
    return parser


def assert_shown_equals(text: str, value, digits: int, where: str) -> None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        assert text == "–", f"{where}: {text!r} shown for a missing value"
        return
    shown = float(text.replace(",", ""))
    assert abs(shown - float(value)) <= 0.5 * 10**-digits + 1e-9, f"{where}: {text} vs {value}"


def test_every_number_in_the_tracker_table_equals_milex_tracker(alliance, dataset):
    frame = milex.tracker(dataset=dataset).frame()
    table = parse_table(alliance.html)
    assert list(table.rows)[-2:] == ["NATO", "NATO_EU_CA"]
    assert set(table.rows) == set(frame["iso3"])
    for row in frame.to_dict("records"):
        shown = table.rows[row["iso3"]]
        assert set(shown) == set(NUMBER_COLUMNS)
        for column, digits in NUMBER_COLUMNS.items():
            assert_shown_equals(shown[column], row[column], digits, f"{row['iso3']} {column}")
        if row["row_type"] == "ally":
            statuses = table.statuses[row["iso3"]]
            assert statuses[:2] == [row["status_wales_2pct"], row["status_wales_20pct_equipment"]]


def test_tracker_rows_show_the_2025_press_figures_and_their_gaps(dataset):
    found = milex.tracker(2025, dataset=dataset)
    shown = {r["iso3"]: r for r in tracker_rows(found)}
    for row in found.rows:
        for column, digits in NUMBER_COLUMNS.items():
            assert_shown_equals(shown[row["iso3"]][column], row[column], digits, row["iso3"])
    ranks = [int(r["rank"]) for r in tracker_rows(found) if r["rank"]]
    assert ranks == sorted(ranks)  # allies in rank order, unranked after


def test_alliance_html_is_self_contained_with_charts_inline(alliance):
    page = alliance.html
    assert "<script" not in page and "<link" not in page and "@import" not in page
    assert not re.search(r'\bsrc="(?!data:)', page) and "url(http" not in page
    assert page.count("<svg") == 6  # four charts and two projection fans
    assert all(f'id="{key}"' in page for key in ("fig-tracker", "fig-tiles", "fig-fan-money"))
    anchors = re.findall(r'<nav class="toc".*?</nav>', page, re.S)[0]
    for target in re.findall(r'href="#([\w-]+)"', anchors):
        assert f'id="{target}"' in page, target


def test_alliance_report_names_its_sources_editions_and_summary(alliance, dataset):
    frame = milex.tracker(dataset=dataset)
    page = html.unescape(alliance.html)
    for src in frame.summary["sources"]:
        assert src["citation"] in page and src["edition"] in page
    assert "IMF, World Economic Outlook" in page  # the projection's source
    assert (
        f"{frame.summary['count_at_or_above_2pct']} of {frame.summary['allies_with_figures']}"
        in page
    )
    assert "Methods and notes" in page and "never merged" in page


def page_texts(document) -> list[str]:
    """The text of each laid-out page, margin boxes included, in box order."""

    def walk(box, out):
        text = getattr(box, "text", None)
        if text:
            out.append(text)
        for child in getattr(box, "children", []) or []:
            walk(child, out)
        return out

    return [" ".join(walk(page._page_box, [])) for page in document.pages]


def test_alliance_pdf_is_a4_numbered_with_a_contents_list(alliance):
    document = alliance.document()
    pages = page_texts(document)
    assert len(pages) >= 6
    for page in document.pages:
        assert (round(page.width, 1), round(page.height, 1)) == A4_PX
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in text
    first = pages[0]
    for _, label in SECTIONS:  # each contents entry ends with dot leaders and its page number
        found = re.search(re.escape(label) + r"[\s.]*\.[\s.]*(\d+)", first)
        assert found and 1 <= int(found.group(1)) <= len(pages), label
    assert bytes(document.write_pdf()[:5]) == b"%PDF-"


def test_country_brief_shows_profile_gaps_charts_and_sources(brief, dataset):
    profile = milex.country_profile("TUR", dataset=dataset)
    page = html.unescape(brief.html)
    # the brief opens on Türkiye's newest figure, 2025, which came without spending in money
    assert brief.kind == "country" and "Türkiye: defence spending brief, 2025" in page
    assert "No NATO figure yet for Türkiye in 2026: its newest is 2025" in page
    assert "give its share of GDP but no spending in money" in page
    assert not re.search(r"\bnan\b", re.sub("<[^>]+>", " ", page))
    status = milex.country_profile("TUR", 2024, dataset=dataset).status
    whole = html.unescape(country_brief("TUR", 2024, dataset=dataset).html)
    for key in ("gap_2pct_usd_m", "gap_3_5pct_usd_m", "gap_3_5pct_lcu_m"):
        assert f"{status[key]:,.0f}" in whole
    assert f"{profile.status['milex_pct_gdp']:.2f}" in page
    # three charts and the Paying for 3.5% debt chart
    assert brief.html.count("<svg") == 4 and "<script" not in brief.html
    assert {"NATO", "SIPRI", "IMF"} <= {w for w in re.findall(r"[A-Z]{3,5}", page)}
    assert STATUS_MARK["met"][0] in page


def test_country_brief_pdf_has_page_numbers(brief):
    pages = page_texts(brief.document())
    assert len(pages) >= 3 and f"Page 1 of {len(pages)}" in pages[0]


@pytest.mark.parametrize(
    ("country", "scenario", "error", "match"),
    [
        ("Atlantis", None, UnknownCountryError, "Atlantis"),
        ("Iceland", None, MilexError, "no armed forces"),
        ("Russia", None, MilexError, "not a NATO ally"),
        ("DEU", {"countries": ["POL"], "uncertainty": {"paths": 10}}, MilexError, "does not cover"),
        ("DEU", "no-such-scenario.toml", MilexError, "not found"),
    ],
)
def test_bad_country_or_scenario_is_a_clear_error(dataset, country, scenario, error, match):
    with pytest.raises(error, match=match):
        country_brief(country, scenario=scenario, dataset=dataset)


def test_save_rejects_other_extensions_and_leaves_nothing_on_failure(tmp_path, monkeypatch):
    report = Report("alliance", "t", "<html><body><h1>t</h1></body></html>")
    with pytest.raises(MilexError, match=r"unsupported output extension \(\.docx\)"):
        report.save(tmp_path / "r.docx")
    with pytest.raises(MilexError, match="does not exist"):
        report.save(tmp_path / "missing" / "r.pdf")

    def fail(self):
        raise MilexError("layout failed")

    monkeypatch.setattr(Report, "to_pdf", fail)
    with pytest.raises(MilexError, match="layout failed"):
        report.save(tmp_path / "r.pdf")
    assert list(tmp_path.iterdir()) == []
    assert report.save(tmp_path / "r.html").read_text(encoding="utf-8") == report.html


def test_cli_report_passes_its_options_and_writes_atomically(tmp_path, monkeypatch):
    """The command's wiring; the reports themselves are built (at length) by the tests above."""
    import milex.present.report
    from milex.projection.engine import one_run_engine

    calls = []

    def fake(country, year, *, scenario, engine):
        calls.append((country, year, scenario, engine))
        return Report("country", "brief", "<html><body>Estonia brief</body></html>")

    monkeypatch.setattr(milex.present.report, "build_report", fake)
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    charts_cli.register(app)
    out = tmp_path / "brief.html"
    args = ["report", "--country", "EST", "--year", "2023", "--output", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert calls == [("EST", 2023, None, one_run_engine(None))]
    assert "wrote the country brief" in result.output
    assert out.read_text(encoding="utf-8") == "<html><body>Estonia brief</body></html>"
    assert [p.name for p in tmp_path.iterdir()] == ["brief.html"]


def filled(page) -> float:
    """How far down the page its body content reaches (0 to 1), page furniture left out."""

    def bottom(box) -> float:
        low = 0.0
        for child in getattr(box, "children", []) or []:
            if type(child).__name__ == "MarginBox":  # running header, footer and page number
                continue
            if type(child).__name__ in ("TextBox", "LineBox") or "Replaced" in type(child).__name__:
                low = max(low, child.position_y + child.height)
            low = max(low, bottom(child))
        return low

    return bottom(page._page_box) / page.height


def test_no_pdf_page_but_the_last_is_left_half_empty(alliance, brief):
    for report in (alliance, brief):
        pages = report.document().pages
        fill = [round(filled(page), 2) for page in pages]
        assert all(f >= 0.6 for f in fill[:-1]), (report.kind, fill)
