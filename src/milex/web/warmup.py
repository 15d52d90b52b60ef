"""What a just-started server prepares once it listens, so a first visit finds it ready.

The home page is cheap to answer once the tracker is computed (``api.warm``, before the server
listens), but the browser then asks for the tracker chart's Vega-Lite spec and its table, whose
first build imports Altair and queries the dataset (about 0.8 s on an idle machine). Building
them in a background thread as soon as the server starts takes that off the first visit's path;
a request that arrives meanwhile waits for the same build (the cache computes each key once)
rather than starting its own.
"""

from __future__ import annotations

import logging
from typing import Any

LOG = logging.getLogger("milex.web")


def home_charts(cache: Any) -> list[tuple[str, int]]:
    """The charts and year the home page shows by default: the tracker first (its visible tab),
    then the map (its hidden tab)."""
    year = cache.tracker(None).year
    return [("tracker", year), ("map", year)]


def warm_home(cache: Any) -> None:
    """Compile the home page's templates and build its charts' specs and tables into ``cache``,
    the visible chart first; a failure is logged (the request that needs it raises it again)."""
    from milex.web.downloads import cached_spec, cached_table
    from milex.web.pages import templates

    try:
        templates.env.get_template("tracker.html")
        for name, year in home_charts(cache):
            if cache.drawer.closed:  # the server is shutting down
                return
            cached_spec(cache, name, None, year)
            cached_table(cache, name, None, year)
    except Exception as exc:
        LOG.warning("preparing the home page's charts stopped: %s", exc)


def warm_server(cache: Any) -> None:
    """The start-up work after listening, in order of need: the home page's charts, then the
    projection engine (``kernel.warm``, for a first projection without a compile)."""
    from milex.projection import _kernel as kernel

    warm_home(cache)
    if not cache.drawer.closed:
        kernel.warm(cache.dataset)
