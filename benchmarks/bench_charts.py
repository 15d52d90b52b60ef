"""Chart and report benchmarks: one chart to PNG, the alliance report to PDF. Prints figures, goals
and ratios (ratio = time / goal; at most 1 meets the goal).

Run: python benchmarks/bench_charts.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def line(name: str, seconds: float, goal: float) -> None:
    print(f"{name:<52} {seconds:8.3f} s   goal <= {goal:5.2f} s   ratio {seconds / goal:5.2f}")


def median_time(work, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def fresh_process(code: str) -> float:
    """Wall time of a fresh interpreter running ``code`` (imports, data and all)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - start


def main() -> None:
    import milex
    from milex.present import charts, render
    from milex.present.report import alliance_report

    ds = milex.load()
    frame = milex.tracker(dataset=ds)
    chart = charts.tracker_bars(frame)
    render.to_png(chart)  # start the renderer's JavaScript engine once

    with tempfile.TemporaryDirectory() as out:
        png = Path(out) / "tracker.png"
        line(
            "one chart to PNG (tracker bars, 1600 px, warm)",
            median_time(lambda: render.save(chart, png), 5),
            1.0,
        )
        line(
            "one chart built + PNG (tiles, from the tracker frame)",
            median_time(lambda: render.save(charts.status_tiles(frame), png), 5),
            1.0,
        )
        script = f"from milex import figures, render; render.save(figures.build('tracker'), {str(png)!r})"
        line("`milex chart tracker -o t.png` work, fresh process", fresh_process(script), 5.0)

        pdf = Path(out) / "nato.pdf"
        start = time.perf_counter()
        report = alliance_report(dataset=ds)
        built = time.perf_counter() - start
        report.save(pdf)
        total = time.perf_counter() - start
        print(
            f"  (HTML with 6 inline SVG charts: {built:.2f} s; PDF layout: {total - built:.2f} s;"
        )
        print(f"   {len(report.document().pages)} A4 pages, {pdf.stat().st_size / 1e6:.2f} MB)")
        line("alliance report to PDF (warm process)", total, 10.0)
        script = f"from milex.present.report import alliance_report; alliance_report().save({str(pdf)!r})"
        line("alliance report to PDF, fresh process", fresh_process(script), 10.0)


if __name__ == "__main__":
    main()
