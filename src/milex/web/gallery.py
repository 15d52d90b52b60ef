"""``/charts``: every chart as a card (thumbnail, title, one line), grouped by topic, and the
thumbnails themselves (``/chart/{name}/thumb.png``), drawn once and kept in the cache.

The topics and titles are the gallery's own words; which charts exist comes from the registry
(``milex.present.figures.CHARTS``), so a chart no topic names still gets a card, under "More".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from milex.web.drawing import THUMB

router = APIRouter(include_in_schema=False)
LOG = logging.getLogger("milex.web")
#: The gallery's topics in order, each with its charts and the title a card gives them.
TOPICS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("The allies against the guidelines", (
        ("tracker", "Every ally's share of GDP"),
        ("tiles", "The allies as tiles, by share-of-GDP band"),
        ("map", "The allies on a map"),
        ("equipment", "Equipment share against share of GDP"),
        ("per-capita", "Defence spending per person"),
        ("real-change", "Real change in defence spending"),
    )),
    ("Each indicator on a map", (
        ("map-equipment", "Equipment share on a map"),
        ("map-per-capita", "Spending per person on a map"),
        ("map-real-change", "Real change on a map"),
        ("map-burden", "Burden ratio on a map"),
        ("map-sipri", "SIPRI's share of GDP, every country"),
    )),
    ("Countries over time", (
        ("country", "One ally over time, NATO and SIPRI"),
        ("sipri-country", "Any country over time (SIPRI)"),
        ("totals", "The United States against Europe and Canada"),
    )),
    ("Projections and paying for them", (
        ("projection-share", "Projected share of GDP"),
        ("projection-money", "Projected spending"),
        ("fiscal-debt", "Debt with and without 3.5%"),
        ("fiscal-deficit", "Deficit with and without 3.5%"),
    )),
    ("Rivals, burden and industry", (
        ("threat-mer", "NATO against its rivals, market rates"),
        ("threat-ppp", "NATO against its rivals, purchasing power"),
        ("burden", "Burden-sharing: GDP against effort"),
        ("industry", "155 mm shell capacity against demand"),
    )),
)  # fmt: skip
MORE = "More"


@dataclass(frozen=True)
class Card:
    """One chart in the gallery: its page, its thumbnail and the words that go with them."""

    name: str
    title: str
    description: str
    params: str

    @property
    def alt(self) -> str:
        """The thumbnail's text alternative: what the chart shows, not its file name."""
        return f"Thumbnail of the chart: {self.description}"


def gallery(charts: dict[str, str]) -> list[tuple[str, list[Card]]]:
    """The registry's ``charts`` (name: description) as cards under their topics; charts no
    topic names go under "More", so every chart has exactly one card."""
    from milex.web.views import DEFAULT_COUNTRY

    def card(name: str, title: str) -> Card:
        params = f"country={DEFAULT_COUNTRY[name]}" if name in DEFAULT_COUNTRY else ""
        return Card(name, title, charts[name], params)

    groups = [(topic, [card(n, t) for n, t in entries if n in charts]) for topic, entries in TOPICS]
    named = {n for _, entries in TOPICS for n, _ in entries}
    more = [card(n, n.replace("-", " ").capitalize()) for n in charts if n not in named]
    return [(t, cards) for t, cards in [*groups, (MORE, more)] if cards]


@router.get("/charts", response_class=HTMLResponse)
def charts_index(request: Request) -> HTMLResponse:
    """Every chart the dashboard draws, as a card linked to its own page, grouped by topic."""
    from milex.web.downloads import chart_names
    from milex.web.pages import render_page

    return render_page(request, "charts.html", groups=gallery(chart_names()), thumb=THUMB)


def thumbnail_bytes(cache: Any, name: str) -> bytes:
    """The chart's thumbnail (its default view), drawn once through the cache's drawer."""
    from milex.web.downloads import cached_spec
    from milex.web.views import DEFAULT_COUNTRY

    country = DEFAULT_COUNTRY.get(name)

    def make() -> bytes:
        drawn: bytes = cache.drawer.draw(cached_spec(cache, name, country, None), "thumb")
        return drawn

    found: bytes = cache.get(("web-thumb", name), make)
    return found


@router.get("/chart/{name}/thumb.png")
def chart_thumbnail(
    request: Request, name: Annotated[str, Path(pattern="^[a-z-]{2,40}$")]
) -> Response:
    """A small PNG of the chart's default view for the gallery (cacheable for a day)."""
    from milex.web.downloads import _check_name

    _check_name(name)
    body = thumbnail_bytes(request.app.state.cache, name)
    headers = {"cache-control": "public, max-age=86400"}
    return Response(body, media_type="image/png", headers=headers)


def predraw_thumbnails(cache: Any) -> None:
    """Draw every chart's thumbnail into ``cache`` in quiet moments (see ``drawing.predraw``)."""
    from milex.web.downloads import chart_names
    from milex.web.drawing import wait_for_quiet

    for name in chart_names():
        if not wait_for_quiet(cache.drawer):
            return
        try:
            thumbnail_bytes(cache, name)
        except Exception as exc:  # it fails again, with its error, on request
            if cache.drawer.closed:
                return
            LOG.warning("pre-drawing the thumbnail of %s failed: %s", name, exc)
