"""Publication charts: one Altair builder per figure, each taking what the library returns.

Builders read no file, query no dataset and touch no network: they take a library result (the
tracker frame, a ``CountryProfile``, a projection result, a frame of totals) and return an Altair
chart. Every chart has a title, a subtitle naming its source and edition, axis titles with units,
the Okabe-Ito colour-blind-safe palette and a total width of 800 px (``autosize: fit``), so its PNG
is exactly 800 px wide at scale 1.

=====  ==================================  ==============================================
 fig   builder                             takes
=====  ==================================  ==============================================
 (a)   ``tracker_bars(frame)``             ``milex.tracker()``
 (b)   ``country_share(profile)``          ``milex.country_profile()``
 (c)   ``equipment_scatter(frame)``        ``milex.tracker()``
 (d)   ``projection_fan(result, entity)``  ``milex.projection.project()``
 (e)   ``alliance_totals(frame, sources)`` ``figures.totals_frame(dataset)``
 (f)   ``status_tiles(frame)``             ``milex.tracker()``
=====  ==================================  ==============================================

``milex.present.figures`` names every figure for ``milex chart``, the web and the reports and fetches the
library results each needs; rendering (PNG, SVG, HTML, JSON) is ``milex.present.render``.
"""

from __future__ import annotations

from milex.present.charts import kinds as _kinds  # noqa: F401  (fills milex.chart_registry)
from milex.present.charts.country import country_share
from milex.present.charts.projection import projection_fan
from milex.present.charts.style import WIDTH, source_lines, status_band
from milex.present.charts.totals import alliance_totals
from milex.present.charts.tracker import equipment_scatter, status_tiles, tracker_bars

__all__ = [
    "WIDTH",
    "alliance_totals",
    "country_share",
    "equipment_scatter",
    "projection_fan",
    "source_lines",
    "status_band",
    "status_tiles",
    "tracker_bars",
]
