"""Long runs are never silent: `milex project` reports progress on stderr, the API by callback."""

from __future__ import annotations

import subprocess
import sys

from milex.projection import Scenario, project


def test_a_large_run_piped_prints_progress_lines_on_stderr_and_the_table_on_stdout():
    done = subprocess.run(
        [sys.executable, "-m", "milex", "project", "--countries", "DEU", "--paths", "100000",
         "--format", "csv"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("simulated")]
    assert lines[-1] == "simulated 100,000 of 100,000 paths"
    assert 5 <= len(lines) <= 11  # about one a tenth, not one a chunk
    assert "simulated" not in done.stdout and done.stdout.startswith("iso3,")


def test_the_api_calls_back_with_paths_done_up_to_the_total(dataset):
    seen: list[tuple[int, int]] = []
    scenario = Scenario(countries=["DEU"], uncertainty={"paths": 5000})
    project(scenario, dataset, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (5000, 5000) and all(t == 5000 for _, t in seen)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
