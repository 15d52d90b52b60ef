"""Map benchmark: the map PNG of a year never drawn before, as the server makes it (the tracker
of that year, the chart, its spec, the PNG at 2x), with the shapes named in the spec and filled
in after (``charts.map.with_outlines``, today) against the shapes embedded in the Altair chart
(as before: Altair deep-copies the TopoJSON for every chart). Runs alternate between the two,
each on a fresh year, so a busy machine slows both alike; prints medians of wall time and of CPU
time (this process's, all threads: the renderer's too), which a busy machine inflates far less, the
ratio and the load.

Run: python benchmarks/bench_maps.py [rounds]
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from typing import Any

GOAL = 0.5  # seconds of server time for a never-drawn map PNG


def embedded(chart: Any) -> dict[str, Any]:
    """The spec as the old builder made it: the TopoJSON inline in the chart's data."""
    import altair as alt

    from milex.present.charts.map import topology

    layer = chart.layer[0]
    layer.data = alt.Data(values=topology(), format=alt.DataFormat(type="topojson",
                                                                    feature="countries"))  # fmt: skip
    out: dict[str, Any] = chart.to_dict(validate=False)
    return out


def main() -> None:
    import milex
    from milex.analysis.tracking import available_years, tracker
    from milex.present import render
    from milex.present.charts.map import tracker_map

    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    ds = milex.load()
    years = [y for y in available_years(ds) if y < max(available_years(ds))]
    render.to_png(render.spec(tracker_map(tracker(years[-1], dataset=ds))))  # warm the engine
    fresh = iter(years * 4)
    times: dict[str, list[float]] = {"named (now)": [], "embedded (before)": []}
    cpu: dict[str, list[float]] = {label: [] for label in times}
    parts: dict[str, list[float]] = {"tracker": [], "chart + spec": [], "png": []}
    for _ in range(rounds):
        for label in times:
            start, start_cpu = time.perf_counter(), time.process_time()
            frame = tracker(next(fresh), dataset=ds)
            built = time.perf_counter()
            chart = tracker_map(frame)
            spec = render.spec(chart) if label == "named (now)" else embedded(chart)
            specced = time.perf_counter()
            render.to_png(spec)
            done = time.perf_counter()
            times[label].append(done - start)
            cpu[label].append(time.process_time() - start_cpu)
            if label == "named (now)":
                parts["tracker"].append(built - start)
                parts["chart + spec"].append(specced - built)
                parts["png"].append(done - specced)
    now, before = (statistics.median(v) for v in times.values())
    for label, values in times.items():
        print(f"map PNG, never-drawn year, {label:<18} {statistics.median(values):6.3f} s wall, "
              f"{statistics.median(cpu[label]):6.3f} s CPU (median of {len(values)})")  # fmt: skip
    print(
        "  of which (now): "
        + ", ".join(f"{k} {statistics.median(v):.3f} s" for k, v in parts.items())
    )
    print(f"ratio now / before {now / before:5.2f};  now / goal ({GOAL} s) {now / GOAL:5.2f}")
    print("load average (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
