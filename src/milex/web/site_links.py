"""How a static copy of the dashboard names its files, and how its pages' links are made relative.

A server URL ``/PATH?QUERY`` becomes the file ``PATH--key-value--key-value.EXT``: the query's
pairs sorted by key, each value percent-encoded with ``~`` for ``%``, and EXT the answer's kind
(``html`` for pages, ``json`` for the API, the chart's own format for ``/chart/NAME.FMT``). ``/`` is
``index.html``. ``static/js/app.js`` (``siteName``) names files the same way, so the year slider, the
pickers and the downloads reach the same files; a page says it is a static copy with
``<meta name="milex-site" content="ROOT">``, ROOT being the relative way back to the copy's top.
"""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Callable
from urllib.parse import parse_qsl, quote, urlsplit

#: The kind of file an answer is, by its media type (without parameters).
KINDS = {
    "text/html": "html",
    "application/json": "json",
    "text/csv": "csv",
    "image/png": "png",
    "image/svg+xml": "svg",
    "application/zip": "zip",
}
#: href / src / action / data-copy / og:image values that name this server (the test client's
#: base URL included), in double quotes as the templates write them.
ATTRIBUTE = re.compile(
    r'\b(href|src|action|data-copy|content)="(/(?!/)[^"]*|http://localhost/[^"]*)"'
)
#: ``<figure data-chart="NAME" data-params="QUERY">``: app.js fetches the chart's spec and table.
FIGURE = re.compile(r'data-chart="([a-z-]+)" data-params="([^"]*)"')
ORIGIN = "http://localhost"


def kind_of(media_type: str) -> str:
    """``html``, ``json``, ``csv``, ``png``, ``svg`` or ``zip`` for a response's Content-Type."""
    bare = media_type.split(";")[0].strip().lower()
    if bare not in KINDS:
        raise ValueError(f"no static file kind for media type {media_type!r}")
    return KINDS[bare]


def encode_value(value: str) -> str:
    """A query value as part of a file name (what app.js's ``encodeValue`` gives too)."""
    return quote(value, safe="").replace("%", "~")


def site_name(path: str, query: str, kind: str) -> str:
    """The file, relative to the copy's top, that holds the answer to ``path?query``.

    >>> site_name("/charts/tracker", "year=2024&country=POL", "html")
    'charts/tracker--country-POL--year-2024.html'
    >>> site_name("/chart/map.png", "year=2024", "png")
    'chart/map--year-2024.png'
    """
    if path.startswith("/static/"):
        return path.lstrip("/")  # the app's own files keep their names
    stem = path.strip("/") or "index"
    if stem.endswith(f".{kind}"):
        stem = stem[: -len(kind) - 1]
    pairs = sorted((k, v) for k, v in parse_qsl(query, keep_blank_values=False))
    stem += "".join(f"--{encode_value(k)}-{encode_value(v)}" for k, v in pairs)
    return f"{stem}.{kind}"


def relative(target: str, page: str) -> str:
    """``target`` (a file of the copy) as a link from the file ``page``."""
    start = posixpath.dirname(page) or "."
    return posixpath.relpath(target, start)


def root_of(page: str) -> str:
    """The relative way from ``page`` back to the copy's top (``""`` or ``"../"``...)."""
    depth = page.count("/")
    return "../" * depth


def split_url(url: str) -> tuple[str, str, str]:
    """(path, query, fragment) of a server URL, absolute (``http://localhost/x``) or rooted."""
    if url.startswith(ORIGIN):
        url = url[len(ORIGIN) :]
    parts = urlsplit(url)
    return parts.path or "/", parts.query, parts.fragment


def guess_kind(path: str, query: str) -> str:
    """The kind a link's answer will be, before fetching it: its extension, else CSV for the
    API's ``format=csv``, JSON for the API and a chart's table, else a page."""
    last = path.rsplit("/", 1)[-1]
    if "." in last:
        ext = last.rsplit(".", 1)[1]
        if ext in KINDS.values():
            return ext
    if path.startswith(("/api/", "/chart/")):
        return "csv" if ("format", "csv") in parse_qsl(query) else "json"
    return "html"


#: This server's address in a page's text (a citation names the page it cites).
IN_TEXT = re.compile(r"http://localhost(/[^\s<\"']*)")


def _cited_addresses(text: str, page: str, link: Callable[[str, str], str | None]) -> str:
    """Addresses of this server left in a page's words (the Sources tab's citation names its
    page) become the copy's own file, relative: the public address is the host's to give."""

    def replace(match: re.Match[str]) -> str:
        raw, trail = match.group(1), ""
        while raw and raw[-1] in ".,;:)":  # the sentence's punctuation, not the address's
            raw, trail = raw[:-1], raw[-1] + trail
        target_path, target_query, fragment = split_url(html.unescape(raw))
        target = link(target_path, target_query)
        if target is None:  # not in the copy: the address without this build's host
            return raw + trail
        return html.escape(relative(target, page) + (f"#{fragment}" if fragment else "")) + trail

    return IN_TEXT.sub(replace, text)


def rewrite_page(
    text: str, page: str, path: str, query: str, csp: str, link: Callable[[str, str], str | None]
) -> str:
    """A page made relative: every link to this server points at its file (``link(path, query)``
    names it, or None where the copy leaves it out: the link becomes text, its address kept in
    ``data-not-in-copy``), the page says it is a static copy and where its top is, and carries
    the Content-Security-Policy as a meta tag."""

    def replace(match: re.Match[str]) -> str:
        name, value = match.group(1), html.unescape(match.group(2))
        if name == "content" and not value.startswith(ORIGIN):
            return match.group(0)  # a meta tag's text that happens to start with "/"
        target_path, target_query, fragment = split_url(value)
        if name == "action":  # a form: its own query comes from its fields (see app.js)
            extra = f' data-site-action="{html.escape(target_path)}"'
            form = link(target_path, "") or page  # without JavaScript: this page again
            return f'{name}="{html.escape(relative(form, page))}"{extra}'
        target = link(target_path, target_query)
        if target is None:
            return f'data-not-in-copy="{match.group(2)}"'
        new = relative(target, page) + (f"#{fragment}" if fragment else "")
        return f'{name}="{html.escape(new)}"'

    text = ATTRIBUTE.sub(replace, text)
    text = _cited_addresses(text, page, link)
    meta = (
        f'<meta http-equiv="Content-Security-Policy" content="{html.escape(csp)}">\n'
        f'<meta name="milex-site" content="{html.escape(root_of(page))}" '
        f'data-path="{html.escape(path)}" data-query="{html.escape(query)}">'
    )
    head = text.find("<head>")
    if head < 0:
        raise ValueError(f"page {path!r} has no <head>")
    charset = text.find('<meta charset="utf-8">', head)
    end = charset + len('<meta charset="utf-8">') if charset >= 0 else head + len("<head>")
    return f"{text[:end]}\n{meta}{text[end:]}"


def page_links(text: str) -> list[tuple[str, str]]:
    """(path, query) of everything a page links to or fetches on this server: its links and
    images, and each chart figure's spec and table (which app.js fetches)."""
    found: list[tuple[str, str]] = []
    for name, raw in ATTRIBUTE.findall(text):
        value = html.unescape(raw)
        if name == "action" or (name == "content" and not value.startswith(ORIGIN)):
            continue
        path, query, _ = split_url(value)
        found.append((path, query))
    for chart, params in FIGURE.findall(text):
        query = html.unescape(params)
        found.append((f"/chart/{chart}.json", query))
        found.append((f"/chart/{chart}/table", query))
    return found
