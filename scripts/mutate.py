#!/usr/bin/env python3
"""Break each guard on purpose and check that a test notices: a small, declarative mutation run.

Every entry of ``MUTATIONS`` names a file under ``src/milex``, an exact snippet of it, what to put
in its place, the tests that must catch the change, and what the guard is for. The script copies
``src/`` to a temporary directory, runs the named tests there unmutated (they must pass: a test
that fails anyway proves nothing), then applies one mutation at a time to the copy and runs its
tests with ``PYTHONPATH`` pointing at the copy. ``src/`` itself is never edited, so others can
keep working in the checkout while it runs.

A mutation whose tests fail is *caught*; one whose tests pass *survived*. A snippet that no longer
occurs exactly once (the code moved or changed) is an error naming the mutation: update the entry
rather than let a guard go unchecked. The exit code is 0 only when every mutation was caught.

    python scripts/mutate.py                 # every mutation
    python scripts/mutate.py --list          # names and descriptions
    python scripts/mutate.py --check         # only check that every snippet still matches
    python scripts/mutate.py sipri-limit-constant web-default-slots   # a few, by name

The tests run with ``-p no:randomly -p no:cacheprovider -x -q`` and the environment given
(set ``MILEX_RAW_DIR`` and ``MILEX_REQUIRE_RAW=1`` as for the suite).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib.util import cache_from_source
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
TIMEOUT = 900  # seconds per mutation; a run that hangs counts as caught, and says so


@dataclass(frozen=True)
class Mutation:
    name: str
    file: str  # relative to src/milex
    original: str  # must occur exactly once in the file
    mutated: str
    tests: tuple[str, ...]  # pytest node ids or files, relative to the repository
    description: str


T_SNAPSHOT_LIMITS = "tests/test_snapshot_limits.py"
T_COMMIT = "tests/test_commit_durability.py"
T_AGG = "tests/test_tracker_aggregates.py"
T_LIMITS = "tests/test_web_limits.py"
T_TRACKER = "tests/test_tracker.py"
T_BOUNDS = "tests/test_bounds.py"
T_UNRANKED = (
    f"{T_TRACKER}::test_allies_with_no_figure_sort_last_either_way_on_the_terminal_and_in_files",
)
T_BEST = (
    "tests/test_store.py::"
    "test_best_edition_prefers_the_publishers_file_over_a_secondary_restatement",
)
T_PARALLEL = (
    f"{T_LIMITS}::"
    "test_parallel_requests_beyond_the_limit_get_429_never_500_and_the_server_stays_up",
)
T_PREDRAW = (
    "tests/test_web_downloads.py::"
    "test_predraw_waits_for_a_quiet_moment_and_stops_when_the_drawer_closes",
)


def _t(file: str, *names: str) -> tuple[str, ...]:
    return tuple(f"{file}::{n}" for n in names) if names else (file,)


MUTATIONS: tuple[Mutation, ...] = (
    # -- SIPRI's 3,500-figure licence limit -------------------------------------------------------
    Mutation(
        "sipri-limit-constant",
        "data/snapshot.py",
        "SIPRI_LIMIT = 3500\n",
        "SIPRI_LIMIT = 3600\n",
        _t(T_SNAPSHOT_LIMITS),
        "SIPRI's terms allow 3,500 figures: a limit raised to 3,600 lets 3,501 through",
    ),
    Mutation(
        "sipri-limit-check",
        "data/checks/__init__.py",
        "if sipri_limit is not None and sipri > sipri_limit:",
        "if False and sipri_limit is not None and sipri > sipri_limit:",
        _t(T_SNAPSHOT_LIMITS),
        "the schema check never counts SIPRI figures against the limit",
    ),
    Mutation(
        "sipri-limit-off-by-one",
        "data/checks/__init__.py",
        "if sipri_limit is not None and sipri > sipri_limit:",
        "if sipri_limit is not None and sipri > sipri_limit + 1:",
        _t(T_SNAPSHOT_LIMITS),
        "3,501 SIPRI figures slip through (the limit compared one too high)",
    ),
    Mutation(
        "sipri-limit-not-passed-by-build",
        "data/snapshot.py",
        "sipri_limit=None if full_sipri else SIPRI_LIMIT,",
        "sipri_limit=None,",
        _t(T_SNAPSHOT_LIMITS),
        "write_snapshot (every build and update) runs the checks without the SIPRI limit",
    ),
    Mutation(
        "full-sipri-into-package",
        "data/snapshot.py",
        "if full_sipri and in_package:",
        "if False and full_sipri and in_package:",
        ("tests/test_update.py::test_a_full_sipri_snapshot_may_not_be_written_into_the_package",),
        "a snapshot with SIPRI's whole workbook may be written into the package",
    ),
    # -- what a build refuses: shrinks and flags --------------------------------------------------
    Mutation(
        "shrink-per-edition",
        "data/checks/_counts.py",
        "        *_edition_shrinks(obs, previous, files, threshold),\n",
        "",
        _t(T_SNAPSHOT_LIMITS),
        "an edition that loses a fifth of its figures passes while its source stays within 5%",
    ),
    Mutation(
        "shrink-per-edition-gone-only",
        "data/checks/_counts.py",
        "        if after >= before * (1 - t):\n            continue\n        where = files",
        "        if after:\n            continue\n        where = files",
        _t(T_SNAPSHOT_LIMITS),
        "only an edition that vanishes entirely is a shrink, not one that loses 20%",
    ),
    Mutation(
        "shrink-per-source",
        "data/checks/_counts.py",
        "        *_source_shrinks(obs, previous, files, threshold),\n",
        "",
        _t(T_SNAPSHOT_LIMITS),
        "a source that loses more than 5% of its figures passes",
    ),
    Mutation(
        "shrink-per-series",
        "data/checks/_counts.py",
        "        *_series_losses(obs, previous, files),\n",
        "",
        _t(T_SNAPSHOT_LIMITS),
        "one country's whole series may vanish inside the source's 5%",
    ),
    Mutation(
        "shrink-per-year-slice",
        "data/checks/_counts.py",
        "        *_slice_losses(obs, previous, files),\n",
        "",
        _t(T_SNAPSHOT_LIMITS),
        "a year of a table may lose most of its figures inside the source's 5%",
    ),
    Mutation(
        "shrink-checks-skipped",
        "data/checks/__init__.py",
        "    if previous is not None and not allow_shrink:\n",
        "    if False:\n",
        _t(T_SNAPSHOT_LIMITS),
        "no count is compared with the snapshot being replaced",
    ),
    Mutation(
        "unknown-flag",
        "data/checks/__init__.py",
        "    if flags - FLAGS.keys():\n",
        "    if False:\n",
        _t(T_SNAPSHOT_LIMITS),
        "a flag outside the vocabulary ('guessed') is committed",
    ),
    Mutation(
        "unknown-measure",
        "data/checks/__init__.py",
        "    if unknown:\n",
        "    if False:\n",
        _t(T_SNAPSHOT_LIMITS),
        "a measure missing from the catalogue is committed",
    ),
    Mutation(
        "colour-flags-skipped",
        "data/checks/__init__.py",
        "        violations += flag_violations(obs, previous, files)\n",
        "        pass\n",
        _t(T_SNAPSHOT_LIMITS),
        "SIPRI figures that lost their estimate colour are committed",
    ),
    # -- size caps before parsing (milex.data._bounds) ---------------------------------------------
    Mutation(
        "xlsx-member-cap-skipped",
        "data/_bounds.py",
        "        if info.file_size > member_cap:\n",
        "        if False:\n",
        (f"{T_BOUNDS}::test_the_caps_come_from_the_environment_and_the_whole_workbook_is_capped",),
        "a workbook part that expands past its cap (a zip bomb) is handed to openpyxl",
    ),
    Mutation(
        "xlsx-total-cap-skipped",
        "data/_bounds.py",
        "    if total > total_cap:\n",
        "    if False:\n",
        (f"{T_BOUNDS}::test_the_caps_come_from_the_environment_and_the_whole_workbook_is_capped",),
        "a workbook whose parts together expand past the cap is parsed",
    ),
    Mutation(
        "raw-file-cap-skipped",
        "data/_bounds.py",
        "    if size > bound.bytes:\n",
        "    if False:\n",
        (f"{T_BOUNDS}::test_a_csv_over_the_cap_is_refused_before_pandas_reads_it",),
        "a raw CSV over its cap is read whole by pandas",
    ),
    # -- the commit: one writer at a time, durable on disk ----------------------------------------
    Mutation(
        "commit-lock-not-taken",
        "data/snapshot.py",
        "    with atomic.locked(out_dir):\n",
        "    if True:\n",
        _t(T_COMMIT),
        "write_snapshot commits without the directory's lock: two commits may interleave",
    ),
    Mutation(
        "commit-lock-no-flock",
        "data/atomic.py",
        "        fcntl.flock(fd, fcntl.LOCK_EX)\n",
        "        pass\n",
        _t(T_COMMIT),
        "the lock opens the directory but never locks it",
    ),
    Mutation(
        "fsync-file-dropped",
        "data/atomic.py",
        "            os.fsync(handle.fileno())\n",
        "            pass\n",
        _t(T_COMMIT),
        "a data file or descriptor is renamed into place before its bytes reach the disk",
    ),
    Mutation(
        "fsync-dir-dropped",
        "data/atomic.py",
        "        os.fsync(fd)\n",
        "        pass\n",
        _t(T_COMMIT),
        "renames are never made durable (the directory is not fsynced)",
    ),
    Mutation(
        "fsync-dir-after-descriptor-dropped",
        "data/atomic.py",
        "        tmp.unlink(missing_ok=True)\n    fsync_dir(path.parent)\n",
        "        tmp.unlink(missing_ok=True)\n",
        _t(T_COMMIT),
        "the descriptor's rename (the commit point) is not fsynced",
    ),
    Mutation(
        "fsync-dir-before-descriptor-dropped",
        "data/snapshot.py",
        '    atomic.fsync_dir(out_dir)\n    atomic.fault_point("data-written")\n',
        '    atomic.fault_point("data-written")\n',
        _t(T_COMMIT),
        "the data files' renames may reach the disk after the descriptor that names them",
    ),
    # -- the web server's limits ------------------------------------------------------------------
    Mutation(
        "web-default-slots",
        "web/limits.py",
        "SLOTS = 2  #",
        "SLOTS = 64  #",
        _t(T_LIMITS),
        "the server runs 64 projections at once by default, not 2",
    ),
    Mutation(
        "web-default-budget",
        "web/limits.py",
        "BUDGET = 50_000_000  #",
        "BUDGET = 50_000_000_000  #",
        _t(T_LIMITS),
        "the default budget of cells in flight is a thousand times too large",
    ),
    Mutation(
        "web-app-unlimited",
        "web/app.py",
        "    app.state.limiter = Limiter()\n",
        "    app.state.limiter = Limiter(slots=10**6, budget=10**15)\n",
        _t(T_LIMITS),
        "the app is built with no effective limit",
    ),
    Mutation(
        "web-unlimited-under-load",
        "web/app.py",
        "    app.state.limiter = Limiter()\n",
        "    app.state.limiter = Limiter(slots=10**6, budget=10**15)\n",
        T_PARALLEL,
        "with no effective limit, six projections at once all run: the load test must see 429s",
    ),
    Mutation(
        "web-one-slot-under-load",
        "web/app.py",
        "    app.state.limiter = Limiter()\n",
        "    app.state.limiter = Limiter(slots=1)\n",
        T_PARALLEL,
        "the served app runs one projection at a time instead of its two",
    ),
    Mutation(
        "web-limit-ignores-slots",
        "web/limits.py",
        "free = self.running < self.slots and self.cells + cells <= self.budget",
        "free = self.cells + cells <= self.budget",
        _t(T_LIMITS),
        "the limiter admits any number of projections within the budget",
    ),
    Mutation(
        "web-limit-ignores-budget",
        "web/limits.py",
        "free = self.running < self.slots and self.cells + cells <= self.budget",
        "free = self.running < self.slots",
        _t(T_LIMITS),
        "the limiter admits any amount of work within the slots",
    ),
    Mutation(
        "web-limit-one-target",
        "web/limits.py",
        " * len(scenario.targets)",
        "",
        _t(T_LIMITS),
        "a scenario with several targets is counted as one: the limiter undercounts its work",
    ),
    Mutation(
        "web-limit-never-released",
        "web/limits.py",
        "                self.running -= 1\n",
        "                pass\n",
        _t(T_LIMITS),
        "a finished projection keeps its slot",
    ),
    Mutation(
        "web-limit-too-large-admitted",
        "web/limits.py",
        "        if cells > self.budget:\n",
        "        if False:\n",
        _t(T_LIMITS),
        "one request larger than the whole budget waits for ever (429) instead of a 422",
    ),
    # -- the tracker's aggregates, ranks and order ------------------------------------------------
    Mutation(
        "aggregate-without-iceland-gdp",
        "analysis/tracking.py",
        'sum(gdp[m] for m in have) + gdp.get("ISL", 0.0) * (',
        "sum(gdp[m] for m in have) + 0.0 * (",
        _t(T_AGG),
        "NATO's aggregate share leaves Iceland's GDP out of the denominator (0.0015 pp in 2024)",
    ),
    Mutation(
        "aggregate-without-iceland-gdp-every-year",
        "analysis/tracking.py",
        'sum(gdp[m] for m in have) + gdp.get("ISL", 0.0) * (',
        "sum(gdp[m] for m in have) + 0.0 * (",
        _t(T_TRACKER, "test_aggregates_match_natos_published_figures_every_year"),
        "as above, against the 2014-2024 check alone: its tolerance must be tighter than 0.0015 pp",
    ),
    Mutation(
        "aggregate-with-members-missing",
        "analysis/tracking.py",
        "    if have and len(have) == len(members):\n",
        "    if have:\n",
        _t(T_AGG),
        "an aggregate is computed from the allies that have figures, as if all were present",
    ),
    Mutation(
        "aggregate-spending-with-members-missing",
        "analysis/tracking.py",
        "milex_usd_m=sum(usd) if complete and usd and len(usd) == len(members) else None,",
        "milex_usd_m=sum(usd) if usd else None,",
        _t(T_AGG),
        "the bloc's spending in US$ sums the allies that have a figure in a partial year",
    ),
    Mutation(
        "rank-includes-iceland",
        "analysis/tracking.py",
        'r["milex_pct_gdp"] is not None and r["iso3"] not in NO_',
        'r["milex_pct_gdp"] is not None and r["iso3"] not in () and NO_',  # always true
        _t(T_AGG),
        "Iceland (no armed forces) is ranked when a figure for it appears",
    ),
    Mutation(
        "rank-lowest-first",
        "analysis/tracking.py",
        'key=lambda r: -r["milex_pct_gdp"],',
        'key=lambda r: r["milex_pct_gdp"],',
        _t(T_TRACKER, "test_default_year_is_the_latest_nato_year_and_poland_ranks_first"),
        "rank 1 goes to the lowest share, not the highest",
    ),
    Mutation(
        "iceland-counted",
        "analysis/tracking.py",
        "    applicable = iso3 not in NO_",
        "    applicable = True or NO_",
        _t(T_AGG),
        "Iceland is judged against the guidelines like an ally with armed forces",
    ),
    Mutation(
        "cli-unranked-reversed",
        "cli/tracker.py",
        "        *(r for r in allies if _missing(r.get(column))),\n",
        "        *reversed([r for r in allies if _missing(r.get(column))]),\n",
        T_UNRANKED,
        "allies without a figure are listed in reverse of the tracker's order",
    ),
    Mutation(
        "cli-unranked-by-name",
        "cli/tracker.py",
        "        *(r for r in allies if _missing(r.get(column))),\n",
        '        *sorted((r for r in allies if _missing(r.get(column))), key=lambda r: r["country"]),\n',
        T_UNRANKED,
        "allies without a figure are sorted by name instead of keeping the tracker's order",
    ),
    Mutation(
        "cli-unranked-first",
        "cli/tracker.py",
        "    rows = [\n        *ordered,\n        *(r for r in allies if _missing(r.get(column))),\n",
        "    rows = [\n        *(r for r in allies if _missing(r.get(column))),\n        *ordered,\n",
        T_UNRANKED,
        "allies without a figure are listed before those with one",
    ),
    Mutation(
        "cli-aggregates-first",
        "cli/tracker.py",
        "    rows = [\n        *ordered,\n",
        '    rows = [\n        *(r for r in found.rows if r["row_type"] != "ally"),\n        *ordered,\n',
        _t(T_TRACKER, "test_sort_by_a_column_keeps_aggregates_last"),
        "the totals are listed first (and twice) when allies are sorted by a column",
    ),
    Mutation(
        "aggregate-equipment-with-members-missing",
        "analysis/tracking.py",
        "if complete and equip and len(equip) == len(members)",
        "if equip",
        _t(T_AGG),
        "the bloc's equipment share is averaged over the allies that have one in a partial year",
    ),
    Mutation(
        "rounded-figure-met",
        "analysis/commitments.py",
        "    if rounded and at_rounded(value, threshold):\n",
        "    if False:\n",
        (
            "tests/test_tracker_partial_years.py::"
            "test_denmark_2026_at_3_5_as_rounded_is_counted_apart_never_met",
        ),
        "Denmark's 2026 '3.5', rounded by its source, is counted as meeting 3.5%",
    ),
    Mutation(
        "membership-ignores-accession",
        "data/registry.py",
        "(self.joined is None or self.joined <= year)",
        "(self.joined is None or True)",
        _t(T_TRACKER, "test_one_row_per_member_of_that_year_with_iceland_listed_but_not_counted"),
        "an ally counts in NATO before it joined (Sweden in 2023)",
    ),
    # -- a snapshot is verified when it is loaded -------------------------------------------------
    Mutation(
        "load-sha256-unchecked",
        "data/bundle.py",
        '    if actual != entry.get("sha256"):\n',
        "    if False:\n",
        ("tests/test_snapshot.py::test_a_damaged_snapshot_is_a_clear_error",),
        "a damaged observations file is read as if whole",
    ),
    Mutation(
        "load-duplicate-rows-unchecked",
        "data/_rowcheck.py",
        "    if rows != distinct:\n",
        "    if False:\n",
        (
            "tests/test_snapshot_rows.py::"
            "test_a_thousand_duplicated_rows_fail_naming_the_file_and_a_key",
        ),
        "a snapshot with a key twice loads (every sum doubles that figure)",
    ),
    Mutation(
        "load-row-count-unchecked",
        "data/_rowcheck.py",
        "    if isinstance(recorded_rows, int) and recorded_rows != rows:\n",
        "    if False:\n",
        (
            "tests/test_snapshot_rows.py::"
            "test_a_snapshot_without_a_checksum_still_loads_and_still_counts_its_rows",
        ),
        "a snapshot that lost rows loads without a word",
    ),
    Mutation(
        "load-content-checksum-unchecked",
        "data/_rowcheck.py",
        "    if actual != expected:\n",
        "    if False:\n",
        (
            "tests/test_snapshot_rows.py::"
            "test_a_changed_figure_with_a_forged_sha256_fails_the_content_checksum",
        ),
        "a changed figure under a forged sha256 loads",
    ),
    # -- editions ---------------------------------------------------------------------------------
    Mutation(
        "best-edition-ignores-secondary",
        "data/store.py",
        "ORDER BY contains(flags, 'secondary'), {when} DESC",
        "ORDER BY {when} DESC",
        T_BEST,
        "a secondary restatement published later wins over the publisher's own file",
    ),
    Mutation(
        "best-edition-oldest",
        "data/store.py",
        "ORDER BY contains(flags, 'secondary'), {when} DESC",
        "ORDER BY contains(flags, 'secondary'), {when} ASC",
        T_BEST,
        "of two restatements, the one published first wins",
    ),
    # -- the dashboard's pre-drawing waits for a quiet moment -------------------------------------
    Mutation(
        "predraw-does-not-wait",
        "web/drawing.py",
        "time.monotonic() - _last_request[0] < QUIET:",
        "time.monotonic() - _last_request[0] < 0:",
        T_PREDRAW,
        "images are drawn while requests keep coming",
    ),
    Mutation(
        "predraw-half-quiet",
        "web/drawing.py",
        "time.monotonic() - _last_request[0] < QUIET:",
        "time.monotonic() - _last_request[0] < QUIET / 3:",
        T_PREDRAW,
        "drawing starts after a third of the quiet time",
    ),
    Mutation(
        "predraw-ignores-close",
        "web/drawing.py",
        "    while not drawer.closed and time.monotonic()",
        "    while time.monotonic()",
        T_PREDRAW,
        "pre-drawing keeps waiting after the server shut its drawer",
    ),
    Mutation(
        "tracker-one-order",
        "analysis/tracking.py",
        "    rows.sort(key=row_order)\n",
        "    pass\n",
        (
            "tests/test_results.py::"
            "test_the_trackers_one_order_is_rank_then_name_then_totals",
        ),
        "the tracker's rows come in member order, and each view sorts them its own way",
    ),
    Mutation(
        "band-ignores-rounding",
        "present/charts/style.py",
        "    if level(share, CORE_PCT, rounded=rounded) == MET:\n",
        "    if share >= CORE_PCT:\n",
        (
            "tests/test_results.py::"
            "test_one_level_rule_for_status_count_band_and_reach",
        ),
        "Denmark's rounded 2026 '3.5' takes the chart's 3.5% colour while counted apart",
    ),
)


# -- running -------------------------------------------------------------------------------------
class SnippetError(Exception):
    pass


def _mutated_text(m: Mutation, root: Path) -> tuple[Path, str, str]:
    path = root / "milex" / m.file
    if not path.is_file():
        raise SnippetError(f"{m.name}: file src/milex/{m.file} not found")
    text = path.read_text(encoding="utf-8")
    found = text.count(m.original)
    if found != 1:
        where = "no longer occurs" if found == 0 else f"occurs {found} times"
        raise SnippetError(
            f"{m.name}: the snippet {m.original.strip()[:70]!r} {where} in src/milex/{m.file}; "
            "update the mutation to the code as it is now"
        )
    return path, text, text.replace(m.original, m.mutated)


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    Path(cache_from_source(str(path))).unlink(missing_ok=True)  # never run stale bytecode


def _pytest(copy: Path, tests: tuple[str, ...], log: Path) -> tuple[int | None, float]:
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(copy), os.environ.get("PYTHONPATH", "")])
    )
    command = [
        sys.executable, "-m", "pytest", "-p", "no:randomly", "-p", "no:cacheprovider",
        "-x", "-q", "--no-header", *tests,
    ]  # fmt: skip
    started = time.monotonic()
    with log.open("w") as out:
        try:
            rc: int | None = subprocess.run(
                command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=TIMEOUT
            ).returncode
        except subprocess.TimeoutExpired:
            rc = None
    return rc, time.monotonic() - started


def _tail(log: Path, lines: int = 15) -> str:
    return "\n".join("    " + s for s in log.read_text(errors="replace").splitlines()[-lines:])


def _copy_tree(tmp: Path) -> Path:
    copy = tmp / "src"
    shutil.copytree(SRC, copy, ignore=shutil.ignore_patterns("*.egg-info"))
    probe = subprocess.run(
        [sys.executable, "-c", "import milex; print(milex.__file__)"],
        env=dict(os.environ, PYTHONPATH=str(copy)),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not probe.startswith(str(copy)):
        raise SystemExit(f"the copy is not what Python imports (milex from {probe}): stopping")
    return copy


def run(selected: list[Mutation], keep: bool) -> int:
    try:
        for m in selected:
            _mutated_text(m, SRC)  # every snippet matches before anything is copied or run
    except SnippetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="milex-mutate-"))
    try:
        copy = _copy_tree(tmp)
        for m in selected:
            _mutated_text(m, copy)  # the copy is what src/ was a moment ago
        tests = tuple(dict.fromkeys(t for m in selected for t in m.tests))
        print(f"baseline: {len(tests)} test selections on the unmutated copy ...", flush=True)
        rc, took = _pytest(copy, tests, tmp / "baseline.log")
        if rc != 0:
            print(f"baseline FAILED (exit {rc}, {took:.0f} s): fix the tests first")
            print(_tail(tmp / "baseline.log"))
            return 2
        print(f"baseline passed in {took:.0f} s\n", flush=True)
        survived = []
        for i, m in enumerate(selected, 1):
            path, pristine, mutated = _mutated_text(m, copy)
            _write(path, mutated)
            try:
                rc, took = _pytest(copy, m.tests, tmp / f"{m.name}.log")
            finally:
                _write(path, pristine)
            verdict = "caught" if rc != 0 else "SURVIVED"
            if rc is None:
                verdict = "caught (timed out)"
            elif rc not in (0, 1):
                verdict = f"caught (pytest exit {rc})"
            line = f"[{i:2}/{len(selected)}] {verdict:9} {m.name:38} {took:4.0f} s  {m.description}"
            print(line, flush=True)
            if rc == 0:
                survived.append(m)
                print(_tail(tmp / f"{m.name}.log", 4))
        caught = len(selected) - len(survived)
        print(f"\n{caught} of {len(selected)} mutations caught", end="")
        print(f"; survived: {', '.join(m.name for m in survived)}" if survived else "")
        return 1 if survived else 0
    except SnippetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        if keep:
            print(f"logs and the copy kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="run only these mutations (default: all)")
    parser.add_argument("--list", action="store_true", help="list the mutations and stop")
    parser.add_argument("--check", action="store_true", help="only check every snippet matches")
    parser.add_argument("--keep", action="store_true", help="keep the copy and the test logs")
    args = parser.parse_args(argv)
    names = [m.name for m in MUTATIONS]
    if len(set(names)) != len(names):
        raise SystemExit("two mutations share a name")
    unknown = sorted(set(args.names) - set(names))
    if unknown:
        print(f"error: unknown mutation(s) {unknown}; see --list", file=sys.stderr)
        return 2
    selected = [m for m in MUTATIONS if not args.names or m.name in args.names]
    if args.list:
        for m in selected:
            print(f"{m.name:40} src/milex/{m.file}: {m.description}")
        return 0
    if args.check:
        errors = []
        for m in selected:
            try:
                _mutated_text(m, SRC)
            except SnippetError as exc:
                errors.append(str(exc))
        for e in errors:
            print(f"error: {e}", file=sys.stderr)
        print(f"{len(selected) - len(errors)} of {len(selected)} snippets match")
        return 2 if errors else 0
    return run(selected, args.keep)


if __name__ == "__main__":
    sys.exit(main())
