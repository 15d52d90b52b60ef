"""`milex site build DIR`: the whole dashboard as static files a newsroom can host anywhere.

The real app answers every request in-process (no template is copied): pages for every year and
ally, every chart view with its PNG/SVG/CSV/ZIP/JSON, the JSON API's GET answers and the scenario
presets' projections. Each page's links are made relative (``site_links``), so the copy works
from any sub-path and from ``python -m http.server``. It is built in ``DIR.tmp`` and renamed into
place when whole.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from milex.errors import MilexError
from milex.web.site_links import (
    guess_kind,
    kind_of,
    page_links,
    rewrite_page,
    site_name,
)

if TYPE_CHECKING:
    from milex.data.store import Dataset

#: Charts with a page per country in the copy: the ones that show one country (the others only
#: highlight the country the picker names; the copy holds those where a page links them, as each
#: ally's page links the tracker and map highlighting it, and says the rest need a server).
PER_COUNTRY = frozenset({"country", "sipri-country", "fiscal-debt", "fiscal-deficit"})
#: Countries outside NATO that SIPRI's country chart is built for besides every ally.
SIPRI_OTHERS = ("RUS", "CHN", "IRN", "PRK", "UKR")
#: Form fields in scenario.js's order (its ``FIELDS``).
SCENARIO_FIELDS = ("countries", "target", "deadline", "path", "currency", "growth_sd",
                   "inflation_sd", "paths", "seed")  # fmt: skip


class SiteError(MilexError):
    """The copy cannot be written (its folder is in use) or came out with broken links."""


@dataclass
class Report:
    """What a build wrote: pages, files, bytes, seconds, and any link that did not answer."""

    pages: int = 0
    files: int = 0
    bytes: int = 0
    seconds: float = 0.0
    broken: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"{self.pages:,} pages, {self.files:,} files, {self.bytes / 1e6:,.1f} MB "
            f"in {self.seconds:,.0f} s"
        )


def build_site(
    target: Path,
    *,
    force: bool = False,
    years: Iterable[int] | None = None,
    allies: Iterable[str] | None = None,
    dataset: Dataset | None = None,
    progress: TextIO | None = None,
) -> Report:
    """Write the dashboard as static files into ``target`` (made whole in ``target.tmp``, then
    renamed). A non-empty ``target`` is refused unless ``force``; ``years`` and ``allies`` limit
    the year and ally views built (default: all): a link to an ally left out becomes text."""
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise SiteError(f"{target} exists and is not a folder")
    if target.is_dir() and any(target.iterdir()) and not force:
        raise SiteError(
            f"{target} is not empty: choose an empty folder or pass --force to replace it"
        )
    staging = target.with_name(target.name + ".tmp")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    try:
        report = _write(staging, years, allies, dataset, progress or sys.stderr)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if report.broken:  # kept for a look, never put in place
        shown = ", ".join(report.broken[:10])
        raise SiteError(
            f"{len(report.broken)} links of the copy did not answer ({shown}); "
            f"the copy is left in {staging}, {target} is untouched"
        )
    _swap(staging, target)
    return report


def _swap(staging: Path, target: Path) -> None:
    """Put the finished copy at ``target``, replacing what was there only once it is whole."""
    old = target.with_name(target.name + ".old")
    if target.exists():
        if old.exists():
            shutil.rmtree(old)
        target.rename(old)
    staging.rename(target)
    if old.exists():
        shutil.rmtree(old)


def _write(
    out: Path,
    years: Iterable[int] | None,
    allies: Iterable[str] | None,
    dataset: Dataset | None,
    progress: TextIO,
) -> Report:
    from fastapi.testclient import TestClient

    from milex.web.app import STATIC, create_app

    started = time.monotonic()
    report = Report()
    shutil.copytree(STATIC, out / "static")
    app = create_app(dataset)
    with TestClient(app, base_url="http://localhost") as client:
        ds = app.state.cache.dataset
        chosen = _variants(ds, years, allies)
        left_out = frozenset(ds.registry.ever_members("NATO")) - set(chosen[1])
        crawler = Crawler(client, out, report, progress, left_out)
        crawler.crawl(_seeds(*chosen))
        projections = _presets(client, out, report)
    pages = sorted(name for name in crawler.names.values() if name.endswith(".html"))
    report.pages = len(pages)
    _manifest(out, pages, projections)
    _headers(out)
    for path in out.rglob("*"):
        if path.is_file():
            report.files += 1
            report.bytes += path.stat().st_size
    report.seconds = time.monotonic() - started
    return report


def _variants(
    ds: Dataset, years: Iterable[int] | None, allies: Iterable[str] | None
) -> tuple[list[int], list[str], list[str]]:
    """(years, allies, chart names) the copy holds a variant for, checked against the data."""
    from milex.analysis.tracking import available_years
    from milex.present.figures import CHARTS

    known = available_years(ds)
    chosen_years = known if years is None else sorted(set(years))
    wrong = [y for y in chosen_years if y not in known]
    if wrong:
        raise SiteError(
            f"--years: no tracker year {wrong[0]} (the data has {known[0]}-{known[-1]})"
        )
    members = sorted(ds.registry.ever_members("NATO"))
    chosen_allies = members if allies is None else sorted({ds.registry.resolve(a) for a in allies})
    outside = [a for a in chosen_allies if a not in members]
    if outside:
        raise SiteError(f"--allies: {outside[0]} is not a NATO ally")
    return chosen_years, chosen_allies, list(CHARTS)


def _seeds(years: list[int], allies: list[str], charts: list[str]) -> list[tuple[str, str]]:
    """The pages to start from: the crawl follows their links to everything else."""
    from milex.present.figures import CHARTS

    seeds = [("/", ""), ("/docs", ""), ("/openapi.json", ""), ("/charts", ""), ("/threat", ""),
             ("/burden", ""), ("/industry", ""), ("/fiscal", ""), ("/scenario", ""),
             ("/sources", ""), ("/api/v1/countries", "")]  # fmt: skip
    seeds += [("/", f"year={y}") for y in years]
    seeds += [("/burden", f"year={y}") for y in years]
    for code in allies:
        seeds += [
            (f"/country/{code}", ""),
            ("/", f"country={code}"),
            ("/fiscal", f"country={code}"),
        ]
    for name in charts:
        options = CHARTS[name].options
        seeds.append((f"/charts/{name}", ""))
        if "year" in options:
            seeds += [(f"/charts/{name}", f"year={y}") for y in years]
        if name in PER_COUNTRY:
            others = SIPRI_OTHERS if name == "sipri-country" else ()
            seeds += [(f"/charts/{name}", f"country={c}") for c in (*allies, *others)]
    return seeds


class Crawler:
    """Fetch pages and files from the app, write them under their static names, follow links."""

    def __init__(
        self, client: Any, out: Path, report: Report, progress: TextIO, left_out: frozenset[str]
    ) -> None:
        self.client, self.out, self.report, self.progress = client, out, report, progress
        self.left_out = left_out  # allies whose pages the copy does not hold (--allies)
        self.seen: set[tuple[str, str]] = set()
        self.names: dict[tuple[str, str], str] = {}
        self.queue: deque[tuple[str, str, bool]] = deque()

    def crawl(self, seeds: Iterable[tuple[str, str]]) -> None:
        """Fetch every seed (one that does not answer is left out with a note: a year a chart
        lacks) and everything the pages link to (one that does not answer is a broken link)."""
        for path, query in seeds:
            self._add(path, query, linked=False)
        done = 0
        while self.queue:
            path, query, linked = self.queue.popleft()
            self._fetch(path, query, linked)
            done += 1
            if done % 50 == 0:
                print(f"site: {done:,} fetched, {len(self.queue):,} to go", file=self.progress)

    def link(self, path: str, query: str) -> str | None:
        """The file a link names (queued for fetching); None for a link the copy cannot hold."""
        if path.startswith("/static/"):
            return path.lstrip("/")
        if path == "/country" or self._left_out(path, query):  # the jump form needs a server
            return None
        self._add(path, query, linked=True)
        return site_name(path, query, guess_kind(path, query))

    def _left_out(self, path: str, query: str) -> bool:
        """Whether the URL is a view of an ally the copy leaves out."""
        from urllib.parse import parse_qsl

        named = {*path.split("/"), *(v for k, v in parse_qsl(query) if k == "country")}
        return bool(named & self.left_out)

    def _add(self, path: str, query: str, *, linked: bool) -> None:
        from urllib.parse import parse_qsl, urlencode

        query = urlencode(sorted(parse_qsl(query)))  # one fetch per file, whatever the order
        key = (path, query)
        if key not in self.seen:
            self.seen.add(key)
            self.queue.append((path, query, linked))

    def _fetch(self, path: str, query: str, linked: bool) -> None:
        url = f"{path}?{query}" if query else path
        response = self.client.get(url, follow_redirects=False)
        if response.status_code != 200:
            if linked:
                self.report.broken.append(f"{url} ({response.status_code})")
            print(f"site: left out {url} ({response.status_code})", file=self.progress)
            return
        kind = kind_of(response.headers.get("content-type", ""))
        if kind != guess_kind(path, query):
            raise SiteError(
                f"{url} answered {kind}, not the {guess_kind(path, query)} its links expect"
            )
        name = site_name(path, query, kind)
        self.names[(path, query)] = name
        body = response.content
        if kind == "html":
            from milex.web.app import CSP

            csp = CSP.replace("; frame-ancestors 'none'", "")  # ignored in a meta tag
            text = rewrite_page(response.text, name, path, query, csp, self.link)
            body = text.encode("utf-8")
            for link_path, link_query in page_links(response.text):
                self.link(link_path, link_query)
        _save(self.out / name, body)


def _save(path: Path, body: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)


def preset_settings() -> list[dict[str, str]]:
    """The scenario builder's settings for each preset and for its starting form, as the form
    holds them (numbers written as JavaScript writes them: 1.0 is "1")."""
    from milex.web.pages import scenario_defaults, scenario_presets

    form = scenario_defaults()  # the form's starting values: milex project's default scenario
    runs = [form, *(preset for _, preset in scenario_presets())]
    return [{name: _js_text({**form, **run}[name]) for name in SCENARIO_FIELDS} for run in runs]


def _js_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def scenario_body(settings: dict[str, str]) -> dict[str, Any]:
    """The projection request scenario.js sends for these settings (its ``scenarioBody``)."""
    bloc = settings["countries"] in ("NATO", "NATO_EU_CA")
    path: Any = settings["path"]
    if path == "national_plans":
        path = {"shape": "national_plans", "default": "linear"}
    where = {"bloc": settings["countries"]} if bloc else {"countries": [settings["countries"]]}
    return {
        "title": "Scenario builder",
        **where,
        "currency": settings["currency"],
        "targets": [
            {
                "name": "core",
                "target_pct": float(settings["target"]),
                "deadline": int(settings["deadline"]),
                "path": path,
            }
        ],
        "uncertainty": {
            "growth_sd_pct": float(settings["growth_sd"]),
            "inflation_sd_pct": float(settings["inflation_sd"]),
            "paths": int(settings["paths"]),
            "seed": int(settings["seed"]),
        },
    }


def _presets(client: Any, out: Path, report: Report) -> list[str]:
    """Each preset's projection (with its fan chart) and CSV, named by its settings, where the
    static scenario builder looks for them; returns the JSON files' names."""
    from urllib.parse import urlencode

    written = []
    for settings in preset_settings():
        body = scenario_body(settings)
        query = urlencode(settings)
        for kind, params in (("json", "?chart=true"), ("csv", "?format=csv")):
            response = client.post(f"/api/v1/projections{params}", json=body)
            if response.status_code != 200:
                report.broken.append(f"projection {query} ({response.status_code})")
                continue
            name = site_name("/api/v1/projections", query, kind)
            _save(out / name, response.content)
            if kind == "json":
                written.append(name)
    return written


def _headers(out: Path) -> None:
    """``_headers`` (Netlify, Cloudflare Pages; the copy at the site's root): the server's
    security headers, and embeds framable by any site as on the server. No two rules name the
    same file (Netlify lets a later rule win, Cloudflare joins the values, which would make two
    policies), so every top-level file and folder gets its own rule."""
    from milex.web.app import CSP, EMBED_FRAMING

    page = f"  Content-Security-Policy: {CSP}\n  X-Frame-Options: DENY\n"
    framable = CSP.replace("frame-ancestors 'none'", EMBED_FRAMING)
    embed = f"  Content-Security-Policy: {framable}\n"
    rules = [
        "/*\n  X-Content-Type-Options: nosniff\n  Referrer-Policy: no-referrer\n",
        f"/\n{page}",
    ]
    for entry in sorted(out.iterdir()):
        if entry.is_dir():
            rules.append(f"/{entry.name}/*\n{embed if entry.name == 'embed' else page}")
        else:
            rules.append(f"/{entry.name}\n{page}")
            if entry.suffix == ".html":  # the same page under a "pretty" URL
                rules.append(f"/{entry.stem}\n{page}")
    (out / "_headers").write_text("".join(rules), encoding="utf-8")


def _manifest(out: Path, pages: list[str], projections: list[str]) -> None:
    """``milex-site.json``: what the copy is, how its files are named, and the pages and
    projections it holds (app.js opens a setting's page only if the copy has it)."""
    from milex import __version__

    note = {
        "generator": f"milex {__version__} (milex site build)",
        "names": "/PATH?k=v&k2=v2 is the file PATH--k-v--k2-v2.EXT (pairs sorted by key; "
        "EXT html for pages, json for the API, the format for /chart/NAME.FMT); / is index.html",
        "live server": "the scenario builder runs other settings than its presets only under "
        "`milex serve`",
        "pages": pages,
        "projections": projections,
    }
    (out / "milex-site.json").write_text(json.dumps(note, indent=2) + "\n", encoding="utf-8")
