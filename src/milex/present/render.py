"""Render a chart as PNG, SVG, standalone HTML or its Vega-Lite JSON spec, and write files atomically.

PNG and SVG go through vl-convert (no browser), with every external URL refused, so rendering
never touches the network. Standalone HTML carries vega, vega-lite and vega-embed inline, read
from the copies vendored in ``milex/static/vendor`` (from the npm registry, with their licences),
so the file opens offline and can be mailed on. Every file is written to a temporary file in the
target directory and renamed into place: a failure leaves no partial file behind.
"""

from __future__ import annotations

import json
from html import escape
from importlib import resources
from pathlib import Path
from typing import Any

from milex.data.atomic import write_output
from milex.errors import MilexError

FORMATS = ("png", "svg", "html", "json")
#: PNGs default to twice the chart's 800 px, sharp on high-density screens and in print.
DEFAULT_SCALE = 2.0
#: Vendored scripts, in load order (vega-embed needs vega and vega-lite).
VENDOR_SCRIPTS = ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js")
NO_NETWORK: list[str] = []  # vl-convert: no base URL is allowed, so no data is fetched


def spec(chart: Any) -> dict[str, Any]:
    """The Vega-Lite spec of an Altair chart (a dict passes through)."""
    if isinstance(chart, dict):
        return chart
    if not hasattr(chart, "to_dict"):
        raise MilexError(f"cannot render a {type(chart).__name__}: expected an Altair chart")
    # The schema check costs ~0.1 s a chart; the tests run it on every chart, and vl-convert
    # rejects an invalid spec anyway.
    out: dict[str, Any] = chart.to_dict(validate=False)
    from milex.present.charts.map import with_outlines

    return with_outlines(out)  # a map names its shapes; the spec carries them


def to_png(chart: Any, *, scale: float = DEFAULT_SCALE) -> bytes:
    """PNG bytes: the chart's width and height times ``scale``."""
    import vl_convert as vlc

    if not 0.1 <= scale <= 10:
        raise MilexError(f"scale must be between 0.1 and 10, not {scale}")
    try:
        return bytes(vlc.vegalite_to_png(spec(chart), scale=scale, allowed_base_urls=NO_NETWORK))
    except ValueError as exc:
        raise MilexError(f"could not render the chart as PNG: {_first_line(exc)}") from None


def to_svg(chart: Any) -> str:
    """SVG markup (text as text, so it stays searchable and sharp)."""
    import vl_convert as vlc

    try:
        return str(vlc.vegalite_to_svg(spec(chart), allowed_base_urls=NO_NETWORK))
    except ValueError as exc:
        raise MilexError(f"could not render the chart as SVG: {_first_line(exc)}") from None


def to_json(chart: Any) -> str:
    """The Vega-Lite spec as indented JSON, data and provenance (``usermeta``) included."""
    return json.dumps(spec(chart), indent=1, ensure_ascii=False) + "\n"


def to_html(chart: Any, *, title: str | None = None) -> str:
    """A standalone page: the vendored vega, vega-lite and vega-embed inline, then the spec."""
    data = spec(chart)
    heading = title or _title_text(data) or "milex chart"
    scripts = "\n".join(f"<script>{_inline_js(vendor_script(n))}</script>" for n in VENDOR_SCRIPTS)
    payload = json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")
    options = {
        "renderer": "svg",
        "actions": {"export": True, "source": False, "compiled": False, "editor": False},
    }
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="milex">
<title>{escape(heading)}</title>
<style>
body {{ margin: 16px; font-family: "DejaVu Sans", Verdana, sans-serif; background: #fff; }}
#chart {{ max-width: 100%; overflow-x: auto; }}
.error {{ color: #a00; }}
</style>
{scripts}
</head>
<body>
<div id="chart" role="img" aria-label="{escape(heading)}"></div>
<noscript><p class="error">This chart needs JavaScript.</p></noscript>
<script>
const spec = {payload};
vegaEmbed("#chart", spec, {json.dumps(options)}).catch(function (error) {{
  const box = document.getElementById("chart");
  box.className = "error";
  box.textContent = "The chart could not be drawn: " + error;
}});
</script>
</body>
</html>
"""


def render(chart: Any, fmt: str, *, scale: float = DEFAULT_SCALE) -> bytes:
    """The chart in ``fmt`` (png, svg, html, json) as bytes."""
    fmt = fmt.lower().lstrip(".")
    if fmt == "png":
        return to_png(chart, scale=scale)
    if fmt == "svg":
        return to_svg(chart).encode("utf-8")
    if fmt == "html":
        return to_html(chart).encode("utf-8")
    if fmt == "json":
        return to_json(chart).encode("utf-8")
    raise MilexError(f"unsupported chart format {fmt!r}; use one of {', '.join(FORMATS)}")


def output_format(path: str | Path, allowed: tuple[str, ...] = FORMATS) -> str:
    """The format an output file's extension asks for; anything else is a clear error."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in allowed:
        shown = f".{suffix}" if suffix else "no extension"
        raise MilexError(
            f"unsupported output extension ({shown}) for {path}; use "
            + ", ".join(f".{a}" for a in allowed)
        )
    return suffix


def save(chart: Any, path: str | Path, *, scale: float = DEFAULT_SCALE) -> Path:
    """Render the chart in the format of ``path``'s extension and write it atomically."""
    path = Path(path)
    fmt = output_format(path)
    check_directory(path)
    return write_atomic(path, render(chart, fmt, scale=scale))


def check_directory(path: Path) -> None:
    """Fail before rendering when the output could not be written (the writer checks again)."""
    if not path.parent.is_dir():
        raise MilexError(f"output directory does not exist: {path.parent}")
    if path.is_dir():
        raise MilexError(f"cannot write {path}: it is a directory; give a file name")


def write_atomic(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` whole or not at all (milex.data.atomic.write_output)."""
    return write_output(Path(path), lambda tmp: tmp.write_bytes(data))


def vendor_script(name: str) -> str:
    """One vendored script's text (vega, vega-lite or vega-embed, from milex/static/vendor)."""
    resource = resources.files("milex") / "static" / "vendor" / name
    try:
        return resource.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MilexError(
            f"vendored script {name} is missing from the installed package (milex/static/vendor)"
        ) from None


def _inline_js(code: str) -> str:
    """Script text safe inside <script>: no sequence that would close the element early."""
    return code.replace("</script", "<\\/script").replace("</SCRIPT", "<\\/SCRIPT")


def _title_text(data: dict[str, Any]) -> str | None:
    title = data.get("title")
    if isinstance(title, dict):
        title = title.get("text")
    if isinstance(title, list):
        title = " ".join(map(str, title))
    return str(title) if title else None


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[1] if len(lines) > 1 and lines[0].endswith("failed:") else (lines or [""])[0]
