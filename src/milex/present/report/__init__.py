"""Reports: the alliance report and a country brief, as self-contained HTML and as PDF.

Jinja2 templates (``milex/report/templates``) turn library results into one HTML file with its
CSS inline and every chart as inline SVG (no external file, script or font is referenced), and
WeasyPrint prints that same HTML to an A4 PDF with page numbers and, for the alliance report, a
contents list with page references.

>>> report = alliance_report()             # latest NATO year, the Hague 3.5% scenario
>>> report.save("nato-2024.pdf")           # or .html
>>> country_brief("DEU").save("germany.html")
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from milex.errors import MilexError

if TYPE_CHECKING:
    from milex.data.store import Dataset
    from milex.projection.engine import EngineName

__all__ = ["FORMATS", "Report", "alliance_report", "build_report", "country_brief"]

FORMATS = ("html", "pdf")
TEMPLATES = "templates"


@dataclass(frozen=True)
class Report:
    """A rendered report: its kind, title and self-contained HTML; ``to_pdf`` prints it."""

    kind: str  # "alliance" or "country"
    title: str
    html: str

    def document(self) -> Any:
        """The HTML laid out on A4 pages by WeasyPrint (a ``weasyprint.Document``)."""
        import logging

        import weasyprint

        logging.getLogger("weasyprint").setLevel(logging.ERROR)
        logging.getLogger("fontTools").setLevel(logging.ERROR)
        return weasyprint.HTML(string=self.html, url_fetcher=_no_fetch).render()

    def to_pdf(self) -> bytes:
        """The HTML printed to an A4 PDF (no network: a report links nothing external)."""
        return bytes(self.document().write_pdf())

    def render(self, fmt: str) -> bytes:
        if fmt == "html":
            return self.html.encode("utf-8")
        if fmt == "pdf":
            return self.to_pdf()
        raise MilexError(f"unsupported report format {fmt!r}; use one of {', '.join(FORMATS)}")

    def save(self, path: str | Path) -> Path:
        """Write the report as HTML or PDF (from the extension), atomically."""
        from milex.present.render import check_directory, output_format, write_atomic

        path = Path(path)
        fmt = output_format(path, FORMATS)
        check_directory(path)
        return write_atomic(path, self.render(fmt))


def _check_scenario(scenario: Any) -> None:
    """A scenario file that is not there is an error before any work is done."""
    if isinstance(scenario, str | Path) and not Path(scenario).is_file():
        raise MilexError(f"scenario file not found: {scenario}")


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise MilexError(f"a report must be self-contained; it referenced {url}")


def _environment() -> Any:
    import jinja2

    from milex.present.report.context import FILTERS

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("milex.present.report", TEMPLATES),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(FILTERS)
    return env


def _render(template: str, context: dict[str, Any]) -> str:
    from importlib import resources

    css = (resources.files("milex.present.report") / TEMPLATES / "report.css").read_text(
        encoding="utf-8"
    )
    return str(_environment().get_template(template).render(css=css, **context))


def alliance_report(
    year: int | None = None,
    *,
    scenario: Any = None,
    dataset: Dataset | None = None,
    engine: EngineName = "auto",
) -> Report:
    """Tracker table, key charts, projection summary, sources and editions, methods.

    ``scenario``: a scenario file, mapping or ``Scenario``; default: NATO, the Hague 3.5% core
    target by 2035 on a straight-line path.
    """
    from milex.data.store import Dataset
    from milex.present.report.alliance import alliance_context

    _check_scenario(scenario)
    ds = dataset or Dataset.open()
    context = alliance_context(ds, year, scenario, engine)
    return Report("alliance", context["title"], _render("alliance.html.j2", context))


def country_brief(
    country: str,
    year: int | None = None,
    *,
    scenario: Any = None,
    dataset: Dataset | None = None,
    engine: EngineName = "auto",
) -> Report:
    """One ally: profile, status and gaps, charts, history, projection, sources and methods.

    ``scenario`` default: the ally alone, the Hague 3.5% core target by 2035, national currency.
    """
    from milex.data.store import Dataset
    from milex.present.report.country import country_context

    _check_scenario(scenario)
    ds = dataset or Dataset.open()
    context = country_context(ds, country, year, scenario, engine)
    return Report("country", context["title"], _render("country.html.j2", context))


def build_report(
    country: str | None = None,
    year: int | None = None,
    *,
    scenario: Any = None,
    dataset: Dataset | None = None,
    engine: EngineName = "auto",
) -> Report:
    """The country brief for ``country``, else the alliance report (``engine``: the projection's
    Monte Carlo engine, see milex.projection)."""
    if country is None:
        return alliance_report(year, scenario=scenario, dataset=dataset, engine=engine)
    return country_brief(country, year, scenario=scenario, dataset=dataset, engine=engine)
