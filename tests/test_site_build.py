"""`milex site build`: the dashboard as static files, served by `python -m http.server` from a
sub-path, crawled link by link and opened in Chromium with nothing reachable but the copy."""

from __future__ import annotations

import html
import re
import shlex
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from typer.testing import CliRunner

from milex.cli import app as cli
from milex.web.site import SiteError, build_site, preset_settings
from milex.web.site_links import site_name

from .conftest import ROOT
from .test_web_browser import DRAWN, PHONE, browser  # noqa: F401  (the Chromium fixture)

#: <a href>, <img src>, <link href>, <script src>, <iframe src>: what a page loads or links to.
LINK = re.compile(r'<(?:a|img|link|script|iframe)\b[^>]*?\b(?:href|src)="([^"]*)"')
SUB_PATH = "pub/milex"  # the copy is served below a sub-path, as a newsroom's site would
#: The allies the tested copy holds pages for (a full build takes most of an hour on a busy
#: two-core machine: every chart is drawn as PNG and SVG for every year and ally).
ALLIES = ("DEU", "POL", "USA")


@pytest.fixture(scope="module")
def built(tmp_path_factory, dataset) -> tuple[Path, object]:
    """A copy of the site with the year views of the two newest years and the pages of three
    allies (every other page and chart as in a full build), and its report."""
    from milex.analysis.tracking import available_years

    top = tmp_path_factory.mktemp("site")
    out = top / SUB_PATH
    out.parent.mkdir(parents=True)
    report = build_site(out, years=available_years(dataset)[-2:], allies=ALLIES, dataset=dataset)
    print(f"\nsite build for the tests: {report.line()}")
    return out, report


@pytest.fixture(scope="module")
def served(built) -> Iterator[str]:
    """`python -m http.server` on a free port over the folder above the copy."""
    out, _ = built
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    top = out.parents[len(Path(SUB_PATH).parts) - 1]
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
               "--directory", str(top)]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/{SUB_PATH}/"
    deadline = time.monotonic() + 20
    while True:
        try:
            urllib.request.urlopen(base + "index.html", timeout=2)
            break
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                raise
            time.sleep(0.1)
    yield base
    process.terminate()
    process.wait(timeout=10)


def pages(out: Path) -> list[Path]:
    return sorted(out.rglob("*.html"))


@pytest.mark.slow  # the copy's build (minutes)
def test_the_build_reports_what_it_wrote(built):
    out, report = built
    written = [p for p in out.rglob("*") if p.is_file()]
    assert report.files == len(written)
    assert report.bytes == sum(p.stat().st_size for p in written)
    assert report.pages == len(pages(out))
    assert report.broken == []
    assert not out.with_name(out.name + ".tmp").exists()  # built aside, renamed into place


@pytest.mark.slow  # the copy's build (minutes)
def test_every_year_ally_and_chart_has_its_page(built, dataset):
    from milex.analysis.tracking import available_years
    from milex.data.registry import NO_ARMED_FORCES
    from milex.present.figures import CHARTS

    out, _ = built
    for year in available_years(dataset)[-2:]:
        assert (out / f"index--year-{year}.html").is_file()
    for ally in ALLIES:
        assert (out / "country" / f"{ally}.html").is_file(), ally
        assert (out / "api" / "v1" / "countries" / f"{ally}.json").is_file(), ally
        if ally not in NO_ARMED_FORCES:  # no defence budget to borrow for: no fiscal page
            assert (out / f"fiscal--country-{ally}.html").is_file(), ally
        assert (out / "charts" / f"country--country-{ally}.html").is_file(), ally
    for name in CHARTS:
        assert (out / "charts" / f"{name}.html").is_file(), name
        assert any((out / "chart").glob(f"{name}*.png")), name
    for settings in preset_settings():
        from urllib.parse import urlencode

        assert (out / site_name("/api/v1/projections", urlencode(settings), "json")).is_file()


@pytest.mark.slow  # the copy's build (minutes)
def test_a_link_to_an_ally_the_copy_leaves_out_becomes_text(built):
    out, _ = built
    tracker = (out / "index.html").read_text(encoding="utf-8")
    assert '<a data-not-in-copy="/country/FRA">France</a>' in tracker
    assert '<a href="country/POL.html">Poland</a>' in tracker
    assert not (out / "country" / "FRA.html").exists()


@pytest.mark.slow  # the copy's build (minutes)
def test_no_page_links_to_the_root_of_a_server(built):
    """Every link to the copy is relative, so it works from any sub-path."""
    out, _ = built
    for page in pages(out):
        text = page.read_text(encoding="utf-8")
        rooted = [u for u in LINK.findall(text) if u.startswith("/")]
        assert not rooted, (page.relative_to(out), rooted[:3])
        assert "http://localhost" not in text, page.relative_to(out)


@pytest.mark.slow  # the copy's build (minutes)
def test_every_link_of_every_page_answers_from_the_static_server(built, served):
    out, _ = built
    urls: dict[str, str] = {}
    for page in pages(out):
        page_url = served + page.relative_to(out).as_posix()
        for raw in LINK.findall(page.read_text(encoding="utf-8")):
            value = html.unescape(raw)
            outside = urlsplit(value).scheme in ("http", "https")
            if value.startswith(("data:", "#", "mailto:")) or outside:
                continue  # a publisher's page, not part of the copy (which links relatively)
            url = urljoin(page_url, value).split("#")[0]
            urls.setdefault(url, page.relative_to(out).as_posix())
    assert len(urls) > 300
    broken = []
    for url, page in sorted(urls.items()):
        assert url.startswith(served), (page, url)  # nothing above the copy's own folder
        try:
            urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=10)
        except urllib.error.HTTPError as error:
            broken.append(f"{page} -> {url} ({error.code})")
    assert not broken, broken[:10]


def kinds(out: Path) -> list[str]:
    """One page of each kind (the route, its settings' names): the pages Chromium opens."""
    seen: dict[str, str] = {}
    for page in pages(out):
        rel = page.relative_to(out).as_posix()
        route = re.sub(r"^country/[A-Z_]+", "country/X", rel.split("--")[0])
        keys = tuple(re.findall(r"--([a-z_]+)-", rel))
        seen.setdefault(f"{route}{keys}", rel)
    return sorted(seen.values())


def open_static(browser, served, viewport=None):  # noqa: F811
    """A browser page that may reach the copy only: any other request is recorded and refused."""
    context = browser.new_context(viewport=viewport or {"width": 1280, "height": 800})
    outside: list[str] = []

    def guard(route):
        if route.request.url.startswith(served):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"{r.status} {r.url}"))
    return context, page, outside, problems


def test_every_kind_of_page_loads_in_chromium_within_the_copy(built, served, browser):  # noqa: F811
    out, _ = built
    chosen = kinds(out)
    assert len(chosen) > 40
    context, page, outside, problems = open_static(browser, served)
    for rel in chosen:
        page.goto(served + rel)
        page.wait_for_load_state("load")
        for figure in page.locator("figure.chart[data-chart]:visible").all():
            figure.locator(".chart-view canvas, .chart-view svg").first.wait_for(timeout=DRAWN)
        if rel == "docs.html":
            page.locator(".swagger-ui .info").wait_for(timeout=DRAWN)
        assert not outside, (rel, outside)
        assert not problems, (rel, problems)
    context.close()


def test_the_year_slider_and_picker_open_the_pages_built_for_them(built, served, browser, dataset):  # noqa: F811
    from milex.analysis.tracking import available_years

    first = available_years(dataset)[-2]
    context, page, outside, problems = open_static(browser, served)
    page.goto(served + "index.html")
    page.locator("#year").fill(str(first))
    page.wait_for_url(f"**/index--year-{first}.html", timeout=DRAWN)
    assert page.locator("#heading-year").inner_text() == str(first)
    page.goto(served + "charts/country--country-POL.html")
    page.locator("#country-picker").fill("Germany")
    page.locator("#country-picker").dispatch_event("change")
    page.wait_for_url("**/charts/country--country-DEU.html", timeout=DRAWN)
    page.goto(served + "index.html")
    year = available_years(dataset)[0]  # not built: the page says it needs a server
    page.locator("#year").fill(str(year))
    page.locator(".site-note").filter(has_text="milex serve").wait_for(timeout=DRAWN)
    assert not outside and not problems, (outside, problems)
    context.close()


def test_the_scenario_builder_shows_the_presets_and_says_where_a_server_is_needed(served, browser):  # noqa: F811
    context, page, outside, problems = open_static(browser, served, PHONE)
    page.goto(served + "scenario.html")
    note = page.locator("#site-note")
    assert note.is_visible() and "milex serve" in note.inner_text()
    status = page.locator("#scenario-status")
    from milex.web.pages import scenario_defaults

    start = f"{scenario_defaults()['paths']} paths"  # the form's own start: milex project's
    status.filter(has_text=start).wait_for(timeout=DRAWN)
    page.get_by_role("button", name="Europe and Canada 3.5% by 2035").click()
    page.locator("#scenario-summary").filter(has_text="NATO Europe").wait_for(timeout=DRAWN)
    page.locator("#fan-chart canvas").wait_for(timeout=DRAWN)
    csv = page.locator("#csv-download").get_attribute("href")
    assert csv and csv.endswith(".csv") and not csv.startswith("/")
    page.locator("#target").fill("4.1")
    status.filter(has_text="live server (milex serve)").wait_for(timeout=DRAWN)
    assert page.locator("#fan-chart canvas").count() == 0  # no stale chart beside new settings
    assert page.locator("#scenario-summary tr").count() == 0
    assert not outside and not problems, (outside, problems)
    context.close()


def test_app_js_names_files_as_the_builder_does(served, browser):  # noqa: F811
    cases = [("/", "", "html"), ("/charts/tracker", "year=2024&country=POL", "html"),
             ("/chart/map.png", "year=2024", "png"), ("/chart/tracker/table", "", "json"),
             ("/api/v1/tracker", "year=2024&format=csv", "csv"),
             ("/x", "a=Türkiye (it's)*", "html")]  # fmt: skip
    context, page, _, _ = open_static(browser, served)
    page.goto(served + "index.html")
    for path, query, kind in cases:
        js = page.evaluate("([p, q, k]) => siteName(p, q, k)", [path, query, kind])
        assert js == site_name(path, query, kind), (path, query)
    context.close()


@pytest.mark.slow  # the copy's build (minutes)
def test_the_copy_carries_the_servers_security_policy(built):
    from milex.web.app import CSP

    out, _ = built
    meta = CSP.replace("; frame-ancestors 'none'", "")
    for page in pages(out)[:50]:
        assert (
            f'http-equiv="Content-Security-Policy" content="{html.escape(meta)}"'
            in page.read_text(encoding="utf-8")
        ), page
    headers = (out / "_headers").read_text(encoding="utf-8")
    rules = dict(re.findall(r"^(/\S*)\n((?:  .*\n)+)", headers, re.M))
    policy = {
        path: re.findall(r"Content-Security-Policy: (.*)", rule) for path, rule in rules.items()
    }
    assert policy["/index.html"] == policy["/"] == policy["/country/*"] == [CSP]
    assert policy["/embed/*"] == [CSP.replace("frame-ancestors 'none'", "frame-ancestors * file:")]
    for top in (t for t in out.iterdir() if t.name != "_headers"):  # one policy each, not two
        assert len(policy[f"/{top.name}/*" if top.is_dir() else f"/{top.name}"]) == 1, top
    assert "Content-Security-Policy" not in rules["/*"]  # the rule every path matches


def test_a_folder_in_use_is_refused_naming_it(tmp_path):
    used = tmp_path / "public"
    used.mkdir()
    (used / "index.html").write_text("someone's page", encoding="utf-8")
    with pytest.raises(SiteError, match=re.escape(str(used))):
        build_site(used)
    result = CliRunner().invoke(cli, ["site", "build", str(used)])
    assert result.exit_code == 1
    assert str(used) in " ".join(result.output.split()) and "--force" in result.output
    assert (used / "index.html").read_text(encoding="utf-8") == "someone's page"
    assert not (tmp_path / "public.tmp").exists()


@pytest.mark.slow  # loads the data
def test_a_year_without_data_is_refused_naming_the_option(tmp_path):
    result = CliRunner().invoke(cli, ["site", "build", str(tmp_path / "out"), "--years", "1990"])
    assert result.exit_code == 1 and "--years" in result.output
    assert not (tmp_path / "out").exists() and not (tmp_path / "out.tmp").exists()


# -- the container file -------------------------------------------------------------------------
def container_instructions() -> dict[str, list[str]]:
    text = (ROOT / "Containerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    found: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            word, _, rest = line.strip().partition(" ")
            found.setdefault(word.upper(), []).append(rest.strip())
    return found


def test_the_container_runs_milex_serve_as_a_user_with_a_health_check_that_answers():
    import json

    from fastapi.testclient import TestClient

    from milex.web import create_app

    found = container_instructions()
    assert found["FROM"] == ["python:3.11-slim"]
    assert found["USER"] and found["USER"][-1] not in ("root", "0")
    assert any(re.search(r"pip install\b[^&]*\s\.(\s|$)", r) for r in found["RUN"])
    command = json.loads(found["CMD"][-1])
    assert command[:2] == ["milex", "serve"] and command[command.index("--host") + 1] == "0.0.0.0"
    port = command[command.index("--port") + 1]
    assert found["EXPOSE"] == [port]
    help_text = CliRunner().invoke(cli, ["serve", "--help"], terminal_width=200).output
    for option in (a for a in command[2:] if a.startswith("--")):
        assert option in help_text, option
    probe = re.search(r"http://127\.0\.0\.1:(\d+)(/[^']*)'", found["HEALTHCHECK"][0])
    assert probe and probe.group(1) == port
    with TestClient(create_app(), base_url="http://127.0.0.1") as client:
        assert client.get(probe.group(2)).status_code == 200


def test_the_readme_gives_the_publishing_command_and_the_proxy_setup():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "## Publishing a static copy" in readme
    section = readme.split("## Publishing a static copy", 1)[1].split("\n## ", 1)[0]
    commands = [
        shlex.split(line) for line in section.splitlines() if line.startswith("milex site build")
    ]
    assert commands
    assert "proxy_set_header" in readme and "FORWARDED_ALLOW_IPS" in readme
