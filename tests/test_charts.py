"""Publication charts: the structure of every figure, PNG/SVG/HTML/JSON output, and bad input."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd
import pytest
import typer
from PIL import Image
from typer.testing import CliRunner

import milex
from milex.analysis.profile import country_profile
from milex.cli import charts as charts_cli
from milex.errors import MilexError
from milex.present import charts, figures, render
from milex.present.charts import style
from milex.projection import project

SMALL = {"bloc": "NATO", "uncertainty": {"paths": 1000, "seed": 3}}


@pytest.fixture(scope="module")
def frame(dataset):
    return milex.tracker(2024, dataset=dataset)  # a whole year; partial years: test_tracker_*


@pytest.fixture(scope="module")
def projection(dataset):
    return project(SMALL, dataset)


WEB_ONLY = (("map", None), ("map-equipment", None), ("map-burden", None), ("map-sipri", "RUS"),
            ("sipri-country", "RUS"), ("threat-mer", None),
            ("threat-ppp", None), ("burden", None), ("industry", None), ("fiscal-debt", "DEU"),
            ("fiscal-deficit", "ESP"), ("per-capita", "POL"), ("real-change", None),
            ("map-per-capita", None), ("map-real-change", None))  # fmt: skip


@pytest.fixture(scope="module")
def built(dataset, frame, projection):
    """Every figure, built once from the library's results."""
    totals, sources = figures.totals_frame(dataset)
    return {
        "tracker": charts.tracker_bars(frame, highlight="DEU"),
        "country": charts.country_share(country_profile("DEU", dataset=dataset)),
        "equipment": charts.equipment_scatter(frame),
        "projection-share": charts.projection_fan(projection, "NATO", measure="share_pct"),
        "projection-money": charts.projection_fan(projection, "DEU", measure="spending"),
        "totals": charts.alliance_totals(totals, sources),
        "tiles": charts.status_tiles(frame),
        **{name: figures.build(name, country=c, dataset=dataset) for name, c in WEB_ONLY},
    }


def layers(spec):
    return spec.get("layer", [spec])


def marks(spec):
    return {
        (lay["mark"]["type"] if isinstance(lay["mark"], dict) else lay["mark"])
        for lay in layers(spec)
    }


def fields(spec):
    found = set()
    for lay in layers(spec):
        for channel in lay.get("encoding", {}).values():
            if isinstance(channel, dict) and "field" in channel:
                found.add(channel["field"])
    return found


def axis_titles(spec):
    return {
        ch["title"]
        for lay in layers(spec)
        for ch in lay.get("encoding", {}).values()
        if isinstance(ch, dict) and isinstance(ch.get("title"), str)
    }


EXPECTED = {
    # name: (marks, fields, a phrase of an axis title with its unit, a phrase of the title)
    "tracker": (
        {"bar", "rule", "text"}, {"country", "share", "band"}, "% of GDP",
        "2024: 23 of 31 allies are estimated to spend 2% of GDP or more on defence"
    ),
    "country": ({"line", "point", "rule"}, {"year", "value", "series"}, "% of GDP", "Germany"),
    "equipment": (
        {"circle", "rule", "text"}, {"share", "equipment", "band"}, "% of defence expenditure",
        "are estimated to spend 20% or more of their defence budget on major equipment in 2024",
    ),
    "projection-share": (
        {"area", "line", "rule"}, {"year", "p5", "p25", "p50", "p75", "p95"}, "% of GDP",
        "NATO: 2.",
    ),
    "projection-money": (
        {"area", "line"}, {"year", "p5", "p95", "p50"}, "US$ bn, current prices", "Germany: US$"
    ),
    "totals": (
        {"line", "point", "text"}, {"year", "bn", "who"}, "US$ bn, NATO constant 2015 prices",
        "of what the United States did in 2024",
    ),
    "tiles": ({"rect", "text"}, {"col", "row", "band", "iso3"}, None, "Where the NATO allies"),
    "map": ({"geoshape"}, {"class"}, None, "2026, 10 of 31 allies with figures: 10 are estimated"),
    "map-equipment": ({"geoshape"}, {"class"}, None, "put 20% or more into equipment"),
    "map-burden": ({"geoshape"}, {"class"}, None, "carry a larger share of the spending"),
    "map-sipri": ({"geoshape"}, {"class"}, None, "Military expenditure as a share of GDP, 2024"),
    "per-capita": (
        {"bar", "rule", "text"}, {"country", "value", "class"}, "US$ at constant 2015 prices",
        "Defence spending per person, 2024: United States highest at US$ 2,239",
    ),
    "real-change": (
        {"bar", "rule", "text"}, {"country", "value", "class"}, "% (NATO, constant prices)",
        "Real change in defence spending, 2024: 30 of 31 allies spent more",
    ),
    "map-per-capita": ({"geoshape"}, {"class"}, None, "Defence spending per person, 2024"),
    "map-real-change": ({"geoshape"}, {"class"}, None, "30 of 31 allies spent more"),
    "sipri-country": (
        {"line", "point", "rule"}, {"year", "value"}, "% of GDP (SIPRI)", "Russia"
    ),
    "threat-mer": (
        {"line", "point"}, {"year", "bn", "bloc_name"}, "US$ bn, SIPRI constant 2023 prices",
        "market rates",
    ),
    "threat-ppp": (
        {"line", "point", "text"}, {"year", "bn", "bloc_name"}, "international US$ bn, PPP",
        "purchasing-power parity",
    ),
    "burden": (
        {"circle", "text"}, {"gdp_bn", "milex_pct_gdp"}, "GDP, current US$ bn", "share of GDP on defence",
    ),
    "industry": ({"line"}, {"year", "m", "series"}, "Rounds a year", "155 mm"),
    "fiscal-debt": (
        {"area", "line", "rule"}, {"year", "baseline", "with", "low", "high"},
        "gross debt, % of GDP", "Germany: debt",
    ),
    "fiscal-deficit": (
        {"area", "line", "rule"}, {"year", "baseline", "with", "low", "high"},
        "deficit, % of GDP", "Spain: deficit",
    ),
}  # fmt: skip


def test_every_registered_chart_is_tested():
    assert set(figures.CHARTS) == set(EXPECTED)
    assert {d.figure for d in figures.CHARTS.values()} == set("abcdefghijkl")


def test_the_command_line_help_names_every_chart():
    from milex.cli.charts import CHART_NAMES

    assert CHART_NAMES.split(", ") == list(figures.CHARTS)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_chart_structure_title_source_and_units(built, name):
    spec = built[name].to_dict()  # validates against the Vega-Lite schema
    want_marks, want_fields, unit, title = EXPECTED[name]
    assert want_marks <= marks(spec)
    assert want_fields <= fields(spec)
    assert title in style.title_text(spec)
    assert len(spec["title"]["subtitle"]) <= 2  # one sentence under the message title
    footer = " ".join(style.footer_lines(spec))
    assert "Source: " in footer and "edition" in footer
    assert footer.rstrip().endswith(")."), "the source lines close the chart, under the plot"
    cited = spec["usermeta"]["milex"]["sources"]
    assert cited and all(s["edition"] in footer for s in cited)
    if unit:
        assert any(unit in t for t in axis_titles(spec)), axis_titles(spec)
    assert spec["width"] == charts.WIDTH and spec["config"]["autosize"]["type"] == "fit"
    assert spec["config"]["axis"]["labelFontSize"] >= 11


def test_colours_are_from_the_colour_blind_safe_palette(built):
    spec = built["tracker"].to_dict()
    colour = next(lay["encoding"]["color"] for lay in spec["layer"] if "color" in lay["encoding"])
    assert set(colour["scale"]["range"]) <= set(style.OKABE_ITO.values()) | set(
        style.BAND_COLOURS.values()
    )


def test_status_bands_agree_with_the_trackers_own_counts(frame):
    bands = [b for b in (r["band"] for r in style.ally_rows(frame))]
    a = frame.summary
    assert bands.count(style.BAND_CORE) == a["count_at_or_above_3_5pct"]
    assert bands.count(style.BAND_CORE) + bands.count(style.BAND_TWO) == a["count_at_or_above_2pct"]
    assert bands.count(style.BAND_NO_FORCES) == 1  # Iceland


def test_tracker_bars_plot_every_ally_with_a_figure_and_mark_2025_press_figures(dataset):
    found = milex.tracker(2025, dataset=dataset)
    spec = charts.tracker_bars(found).to_dict()
    data = spec["datasets"][spec["layer"][0]["data"]["name"]]
    frame = found.frame()
    with_figure = frame[(frame["row_type"] == "ally") & frame["milex_pct_gdp"].notna()]
    assert {d["iso3"] for d in data} == set(with_figure["iso3"])
    footer = " ".join(style.footer_lines(spec))
    assert "press report" in footer and "No figure for this year" in footer


def test_scatter_labels_do_not_overlap(frame):
    rows = [
        r for r in style.ally_rows(frame) if r["share"] is not None and r["equipment"] is not None
    ]
    from milex.present.charts.labels import box_distance, label_box, overlap
    from milex.present.charts.tracker import _place_labels

    _place_labels(rows, [0.5, 4.5], [0.0, 60.0])
    sx, sy = 695.0 / 4.0, 355.0 / 60.0
    boxes = [
        label_box((r["lx"] - 0.5) * sx, (60 - r["ly"]) * sy, r["align"], 28.0, 13.0) for r in rows
    ]
    clashes = [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :] if overlap(a, b)]
    assert not clashes
    points = [((r["share"] - 0.5) * sx, (60 - r["equipment"]) * sy) for r in rows]
    for k, (row, box) in enumerate(zip(rows, boxes, strict=True)):
        if not row["leader"]:  # a label without a leader line sits nearest its own point
            own = box_distance(box, points[k])
            assert all(box_distance(box, p) > own for j, p in enumerate(points) if j != k)


def test_source_lines_cite_each_publisher_once_with_all_its_editions():
    sources = [
        {"source": "sipri", "edition": "A", "citation": "SIPRI db"},
        {"source": "sipri", "edition": "B", "citation": "SIPRI db (restated)"},
        {"source": "nato", "edition": "N", "citation": "NATO table"},
    ]
    assert charts.source_lines(sources) == [
        "Source: SIPRI db (editions A; B).",
        "Source: NATO table (edition N).",
    ]
    with pytest.raises(MilexError, match="source"):
        charts.source_lines(sources, ["imf_weo"])


# -- rendering ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_png_has_the_charts_size_and_is_not_blank_and_svg_is_text(built, name):
    spec = render.spec(built[name])
    with Image.open(io.BytesIO(render.to_png(spec, scale=1))) as image:
        assert image.size == (charts.WIDTH, spec["height"])
        pixels = np.asarray(image.convert("RGB")).reshape(-1, 3)
    ink = float((pixels.min(axis=1) < 200).mean())  # share of pixels that are not near-white
    assert 0.02 < ink < 0.9, ink
    packed = (
        (pixels[:, 0].astype(np.int32) << 16) | (pixels[:, 1].astype(np.int32) << 8) | pixels[:, 2]
    )
    assert len(np.unique(packed)) > 20  # colours, not a flat fill
    svg = render.to_svg(spec)
    assert svg.startswith("<svg") and f'width="{charts.WIDTH}"' in svg
    text = spec["title"]["text"]
    first_line = text if isinstance(text, str) else text[0]  # each wrapped line is its own text
    assert first_line.split(",")[0].replace("&", "&amp;") in svg


def test_png_scale_multiplies_the_size(built):
    with Image.open(io.BytesIO(render.to_png(built["totals"], scale=2))) as image:
        assert image.size == (2 * charts.WIDTH, 2 * built["totals"].to_dict()["height"])


def test_standalone_html_inlines_the_vendored_libraries_and_the_spec(built, tmp_path):
    path = render.save(built["tiles"], tmp_path / "tiles.html")
    page = path.read_text(encoding="utf-8")
    assert "<script src" not in page and "cdn" not in page.lower()
    for name in render.VENDOR_SCRIPTS:
        assert render.vendor_script(name)[:200] in page
    assert page.count("<script>") == len(render.VENDOR_SCRIPTS) + 1
    assert "vegaEmbed(" in page and "Where the NATO allies stand" in page


def test_vendored_vega_lite_is_the_version_altair_writes():
    header = render.vendor_script("vega-lite.min.js")[:2000]
    version = re.search(r'"(\d+\.\d+\.\d+)"', header)
    assert version and version.group(1) == alt.SCHEMA_VERSION.lstrip("v")


def test_json_is_the_vega_lite_spec_with_its_sources(built, tmp_path):
    path = render.save(built["country"], tmp_path / "c.json")
    spec = json.loads(path.read_text(encoding="utf-8"))
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    assert {s["source"] for s in spec["usermeta"]["milex"]["sources"]} == {"nato", "sipri"}


# -- bad input ---------------------------------------------------------------------------------
def test_unknown_chart_lists_every_available_one():
    with pytest.raises(MilexError) as err:
        figures.build("trackr")
    message = str(err.value)
    assert "did you mean tracker" in message
    assert all(name in message for name in figures.CHARTS)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"name": "country"}, "needs --country"),
        ({"name": "totals", "year": 2020}, "does not take --year"),
        ({"name": "tracker", "country": "Russia"}, "not among the allies"),
        ({"name": "tracker", "year": 1990}, "no NATO figures for 1990"),
        ({"name": "country", "country": "Iceland"}, "no armed forces"),
        ({"name": "projection-money", "scenario": "missing.toml"}, "not found"),
    ],
)
def test_build_rejects_bad_options_clearly(dataset, kwargs, match):
    name = kwargs.pop("name")
    with pytest.raises(MilexError, match=match):
        figures.build(name, dataset=dataset, **kwargs)


def test_builders_reject_inputs_they_cannot_chart(frame, projection, dataset):
    with pytest.raises(MilexError, match=r"milex\.tracker\(\) returns, not DataFrame"):
        charts.tracker_bars(frame.frame())  # the table alone has lost the year and sources
    with pytest.raises(MilexError, match="tracker"):
        charts.status_tiles(pd.DataFrame({"x": [1]}))
    with pytest.raises(MilexError, match="not in this projection"):
        charts.projection_fan(projection, "RUS")
    totals, sources = figures.totals_frame(dataset)
    mixed = totals.copy()
    mixed.loc[0, "unit"] = "USD m constant 2021"
    with pytest.raises(MilexError, match="one unit"):
        charts.alliance_totals(mixed, sources)


def test_unsupported_extension_and_failed_render_leave_no_file(built, tmp_path):
    with pytest.raises(MilexError, match=r"unsupported output extension \(\.gif\)"):
        render.save(built["tracker"], tmp_path / "chart.gif")
    broken = built["totals"].to_dict()
    broken["data"] = {"url": "https://example.invalid/data.csv"}
    broken.pop("datasets", None)
    for lay in broken["layer"]:
        lay.pop("data", None)
    with pytest.raises(MilexError, match="could not render"):
        render.save(broken, tmp_path / "chart.png")
    assert list(tmp_path.iterdir()) == []


# -- command line ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def cli():
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    charts_cli.register(app)
    return app


def test_cli_writes_a_png(cli, tmp_path):
    out = tmp_path / "tiles.png"
    args = ["chart", "tiles", "--year", "2023", "--output", str(out), "--scale", "1"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    with Image.open(out) as image:
        assert image.size[0] == charts.WIDTH


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["chart", "pie", "-o", "x.png"], "unknown chart 'pie'"),
        (["chart", "tracker", "-o", "x.pdf"], "unsupported output extension"),
        (["chart", "tracker"], "give --output"),
        (["chart", "country", "--country", "Atlantis", "-o", "x.png"], "unknown country"),
        (["report", "-o", "x.docx"], "unsupported output extension"),
        (["report", "--scenario", "bad.toml", "-o", "r.html"], "not valid TOML"),
    ],
)
def test_cli_errors_are_one_line_exit_1_and_write_nothing(cli, tmp_path, monkeypatch, args, match):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.toml").write_text("bloc = [unclosed\n", encoding="utf-8")
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    assert match in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) <= 3  # one line, soft-wrapped at most
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml"]


def test_country_chart_never_joins_the_nato_line_across_a_definition_break(dataset):
    chart = charts.country_share(country_profile("POL", dataset=dataset))
    spec = chart.to_dict()
    text = json.dumps(spec)
    assert "Definition break: the NATO line is not joined" in text
    lines = [
        layer
        for layer in spec.get("layer", [])
        if isinstance(layer.get("mark"), dict | str)
        and (layer["mark"] if isinstance(layer["mark"], str) else layer["mark"]["type"]) == "line"
        and "detail" in layer.get("encoding", {})
    ]
    assert lines and lines[0]["encoding"]["detail"]["field"] == "definition"
    rows = [r for data in spec["datasets"].values() for r in data if "definition" in r]
    nato = {r["definition"] for r in rows if r["series"].startswith("NATO")}
    assert nato == {"defence expenditure", "core defence expenditure"}


def test_chart_builders_import_no_analysis_so_the_layers_read_one_way():
    import subprocess
    import sys

    code = (
        "import sys, milex.present.charts; "
        "print(sorted(m for m in sys.modules if m.startswith(('milex.projection', "
        "'milex.analysis.tracking', 'milex.present.figures', 'milex.web'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("unit", "publisher", "title"),
    [
        ("USD m constant 2023", "SIPRI", "US$ bn, SIPRI constant 2023 prices"),
        ("USD m constant 2021", "NATO", "US$ bn, NATO constant 2021 prices"),
        ("USD m", "NATO", "US$ bn, current prices"),
        ("EUR m constant 2024", None, "EUR bn, constant 2024 prices"),
        ("international USD m", None, "international US$ bn, PPP, current prices"),
    ],
)
def test_every_money_axis_names_its_price_base(unit, publisher, title):
    assert style.money_title(unit, publisher) == title


def test_every_chart_draws_from_the_command_line(tmp_path):
    from typer.testing import CliRunner

    from milex.cli import app

    for name, country in (("map", "POL"), ("sipri-country", "Ukraine"), ("burden", None)):
        out = tmp_path / f"{name}.svg"
        args = ["chart", name, "-o", str(out), *(["--country", country] if country else [])]
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, result.output
        assert out.read_text(encoding="utf-8").startswith("<svg")


def test_status_colours_are_one_palette_that_passes_wcag_aa_for_text():
    from milex.present import report

    css = (Path(report.__file__).parent / "templates" / "report.css").read_text()
    web = (Path(charts.__file__).parents[2] / "static" / "css" / "app.css").read_text()
    met, notmet, muted = (style.STATUS_TEXT[k] for k in ("met", "not met", "no data"))
    for colour in (met, notmet, muted, style.FOOTER_STYLE["color"], "#444444"):
        assert style.contrast(colour, "#FFFFFF") >= 4.5, colour  # text on the white page
    assert f".met {{ color: {met.lower()}; }}" in css and f"--met: {met.lower()};" in web
    assert f".notmet {{ color: {notmet.lower()};" in css and f"--notmet: {notmet.lower()};" in web
    assert f"--band-met: {style.BAND_COLOURS[style.BAND_TWO].lower()};" in web
    assert f"--band-notmet: {style.BAND_COLOURS[style.BAND_BELOW].lower()};" in web


def test_labels_printed_on_coloured_tiles_pass_wcag_aa():
    for band, fill in style.BAND_COLOURS.items():
        ink = "#FFFFFF" if band in style.DARK_BANDS else "#111111"
        assert style.contrast(ink, fill) >= 4.5, band


def test_the_fan_chart_draws_the_hold_share_baseline_beside_the_target_path(projection):
    spec = charts.projection_fan(projection, "DEU", measure="share_pct").to_dict()
    lines = [
        v
        for v in spec["datasets"].values()
        if isinstance(v, list) and v and "baseline" in v[0] and len(v) > 1
    ]
    assert lines, "no baseline series in the fan chart"
    baseline = {r["year"]: r["baseline"] for r in lines[0]}
    start = baseline[2026]  # the projection starts from Germany's newest figure
    assert start == pytest.approx(2.69, abs=0.001)  # NATO's 2026 estimate, as reported
    assert all(v == pytest.approx(start, rel=1e-9) for v in baseline.values())
    assert "Dotted: the baseline" in " ".join(style.footer_lines(spec))
    money = charts.projection_fan(projection, "DEU", measure="spending").to_dict()
    extra = charts.projection_fan(projection, "DEU", measure="extra").to_dict()
    assert "Dotted: the baseline" in " ".join(style.footer_lines(money))
    assert "Dotted: the baseline" not in " ".join(style.footer_lines(extra))


def test_industry_title_says_from_which_year_capacity_covers_demand():
    from milex.present.charts.comparisons import capacity_message

    title = "EU 155 mm artillery shells: capacity against demand"
    years = [2024, 2025, 2026, 2027]
    assert (
        capacity_message(title, years, [1.0, 2.0, 2.0, 2.0], [0.9, 2.1, 1.1, 1.1])
        == "EU 155 mm artillery shells: capacity covers demand from 2026"
    )
    assert capacity_message(title, years, [2.0] * 4, [1.0] * 4).endswith(
        "capacity covers demand in every year, 2024-2027"
    )
    assert capacity_message(title, years, [1.0] * 4, [0.5, 0.5, 0.5, 2.0]).endswith(
        "capacity is still short of demand in 2027"
    )


def test_industry_chart_keeps_its_year_labels_level():
    chart = render.spec(figures.build("industry"))
    x = chart["layer"][0]["encoding"]["x"]
    assert x["type"] == "quantitative" and x["axis"]["format"] == "d"


def test_fan_title_states_the_median_at_the_horizon_and_the_gap_to_the_baseline():
    from milex.present.charts.projection import fan_message

    data = pd.DataFrame({"year": [2024, 2035], "p50": [1530.4, 2994.2]})
    baseline = pd.DataFrame({"year": [2024, 2035], "baseline": [1530.4, 2332.0]})
    assert (
        fan_message("NATO", data, baseline, "spending", "US$ bn, current prices")
        == "NATO: US$ 2,994 bn by 2035 (median, current prices), 662 bn above the baseline"
    )
    shares = pd.DataFrame({"year": [2024, 2035], "p50": [2.74, 3.51]})
    held = pd.DataFrame({"year": [2024, 2035], "baseline": [2.74, 2.74]})
    assert fan_message("NATO", shares, held, "share_pct", "% of GDP") == (
        "NATO: 2.74% of GDP in 2024, 3.51% by 2035 (median), 0.77 points above the baseline"
    )
    assert fan_message("Germany", data, None, "cum_extra", "EUR bn, current prices") == (
        "Germany: EUR 2,994 bn more in total by 2035 than if allies kept their share "
        "(median, current prices)"
    )


def test_a_long_message_title_wraps_within_the_chart_width():
    params = style.title_params("x" * 40 + " " + "y" * 40, [], [])
    assert params.text == ["x" * 40, "y" * 40]
    assert style.title_params("short", [], []).text == "short"


@pytest.mark.parametrize("name", ["tracker", "tiles", "map"])
def test_band_coloured_shapes_carry_an_outline_that_passes_wcag_non_text_contrast(built, name):
    """Sky and orange fills are about 2:1 on white; the outline gives each shape 3:1 or more."""
    assert style.contrast(style.BAND_COLOURS["2% to under 3.5%"], "#ffffff") < 3
    spec = built[name].to_dict(validate=False) if hasattr(built[name], "to_dict") else built[name]
    banded = [
        layer
        for layer in spec["layer"]
        if layer.get("encoding", {}).get("color", {}).get("field") in ("band", "class")
    ]
    assert banded
    for layer in banded:
        stroke = layer["encoding"]["stroke"]
        assert stroke["value"] == style.OUTLINE  # every shape not highlighted
        assert style.contrast(stroke["value"], "#ffffff") >= 3


def test_burden_title_says_what_the_olson_zeckhauser_test_found():
    from milex.present.charts.comparisons import burden_message

    assert burden_message(2020, 0.13, 0.50) == (
        "In 2020 an ally's size did not predict its share of GDP on defence "
        "(Spearman's rho 0.13, p = 0.50)"
    )
    assert burden_message(1990, 0.61, 0.001).startswith("In 1990 the larger allies spent")
    assert burden_message(2024, -0.45, 0.01).startswith("In 2024 the smaller allies spent")


@pytest.mark.parametrize("suffix", ["", "_n"])
def test_burden_labels_do_not_overlap_and_each_sits_nearest_its_own_ally(built, suffix):
    """The burden scatter's ISO3 labels, checked in the pixels they were placed in: the 800 px
    chart's and (suffix _n) a phone's, where a label with no free spot is not shown."""
    import math

    from milex.present.charts.comparisons import BURDEN_PLOT
    from milex.present.charts.labels import (
        LABEL_SIZE,
        NARROW_PLOT,
        box_distance,
        label_box,
        overlap,
    )

    spec = built["burden"].to_dict()
    rows = next(iter(spec["datasets"].values()))
    assert len(rows) >= 30  # the bundled 2024 figures: every ally with both
    x_dom = spec["layer"][1]["encoding"]["x"]["scale"]["domain"]
    top = spec["layer"][1]["encoding"]["y"]["scale"]["domain"][1]
    width = NARROW_PLOT if suffix else BURDEN_PLOT[0]
    height = BURDEN_PLOT[1]
    lo, span = math.log10(x_dom[0]), math.log10(x_dom[1] / x_dom[0])

    def px(g: float, v: float) -> tuple[float, float]:
        return (math.log10(g) - lo) / span * width, height * (1 - v / top)

    shown = [r for r in rows if r.get("shown" + suffix, True)]
    assert len(shown) >= 25
    boxes = [
        label_box(*px(r["lx" + suffix], r["ly" + suffix]), r["align" + suffix], *LABEL_SIZE)
        for r in shown
    ]
    assert not [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :] if overlap(a, b)]
    points = [px(r["gdp_bn"], r["milex_pct_gdp"]) for r in rows]
    for row, box in zip(shown, boxes, strict=True):
        if not row["leader" + suffix]:
            own = box_distance(box, px(row["gdp_bn"], row["milex_pct_gdp"]))
            assert sum(box_distance(box, p) <= own for p in points) == 1  # only its own point
