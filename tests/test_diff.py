"""`milex data diff` and milex.data.diff: what a new snapshot or edition revised, added and removed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from milex.cli import app
from milex.data import bundle, diff, snapshot
from milex.data.sources._common import frame, row
from milex.errors import MilexError

OLD_ED, NEW_ED = "2014-2025 (2025-08-28)", "2014-2026 (2026-07)"


def figure(iso3: str, year: int, value: float, edition: str, measure: str = "milex_pct_gdp"):
    return row(iso3, year, measure, "nato", edition, value, "percent", (), f"{iso3}{year}")


def sources(old_def: str | None = "defence expenditure", new_def: str | None = "core defence"):
    entries = []
    for edition, definition, published in (
        (OLD_ED, old_def, "2025-08-28"),
        (NEW_ED, new_def, "2026-07-10"),
    ):
        entry = {
            "source": "nato",
            "edition": edition,
            "path": "nato/x.xlsx",
            "published": published,
        }
        if definition:
            entry["definition"] = definition
        entries.append(entry)
    return entries


OLD = frame(
    [
        figure("POL", 2025, 4.48, OLD_ED),
        figure("DEU", 2025, 2.40, OLD_ED),
        figure("FRA", 2025, 2.05, OLD_ED),
        figure("ITA", 2025, 2.00, OLD_ED),
    ]
)
NEW = frame(
    [
        figure("POL", 2025, 4.25, NEW_ED),  # -0.23
        figure("DEU", 2025, 2.41, NEW_ED),  # +0.01
        figure("FRA", 2025, 2.05, NEW_ED),  # unchanged
        figure("POL", 2026, 4.70, NEW_ED),  # added; ITA removed
    ]
)


def test_editions_compare_revised_added_and_removed_largest_revision_first():
    both = diff.Snapshot(frame([*OLD.to_dict("records"), *NEW.to_dict("records")]), sources())
    result = diff.compare_editions(both, OLD_ED, NEW_ED)
    rows = result.frame()
    assert list(rows["change"]) == ["revised", "revised", "added", "removed"]
    assert list(rows["iso3"]) == ["POL", "DEU", "POL", "ITA"]
    pol = rows.iloc[0]
    assert (pol["old_value"], pol["new_value"]) == (4.48, 4.25)
    assert pol["difference"] == pytest.approx(-0.23)
    assert pol["difference_pct"] == pytest.approx(-0.23 / 4.48 * 100)
    counts = result.counts().iloc[0]
    assert (counts["revised"], counts["added"], counts["removed"]) == (2, 1, 1)


def test_a_definition_break_is_flagged_on_the_result_rows_and_summary():
    both = diff.Snapshot(frame([*OLD.to_dict("records"), *NEW.to_dict("records")]), sources())
    result = diff.compare_editions(both, OLD_ED, NEW_ED)
    assert [(p.old_definition, p.new_definition) for p in result.breaks] == [
        ("defence expenditure", "core defence")
    ]
    assert result.frame()["definition_break"].all()
    summary = result.summary()
    assert "2 revised, 1 added, 1 removed" in summary
    assert "definition break: 'defence expenditure' -> 'core defence'" in summary
    assert "POL 2025 milex_pct_gdp: 4.48 -> 4.25 (-0.23, -5.1%)" in summary


def test_a_missing_definition_is_unknown_not_a_break():
    both = diff.Snapshot(frame([*OLD.to_dict("records"), *NEW.to_dict("records")]), sources(None))
    result = diff.compare_editions(both, OLD_ED, NEW_ED)
    assert result.breaks == [] and not result.frame()["definition_break"].any()


def test_a_new_edition_in_a_snapshot_is_compared_with_its_predecessor():
    old = diff.Snapshot(OLD, sources()[:1], "before")
    new = diff.Snapshot(frame([*OLD.to_dict("records"), *NEW.to_dict("records")]), sources())
    result = diff.compare(old, new)
    assert [(p.old_edition, p.new_edition) for p in result.pairs] == [
        (OLD_ED, OLD_ED),
        (OLD_ED, NEW_ED),
    ]
    rows = result.frame()
    # the old edition stays in the snapshot, so nothing counts as removed
    assert sorted(rows["change"]) == ["added", "revised", "revised"]


def test_unchanged_snapshots_have_no_changes():
    result = diff.compare(OLD, OLD)
    assert result.frame().empty
    assert result.summary().endswith("none")


def test_an_unknown_edition_is_an_error_listing_the_editions():
    with pytest.raises(MilexError, match=r"no edition '2099' .*2014-2025 \(2025-08-28\)"):
        diff.compare_editions(diff.Snapshot(OLD, sources(), "here"), "2099", OLD_ED)


def write(directory: Path, obs, entries) -> Path:
    countries = bundle.countries_path().read_bytes()
    snapshot.write_snapshot(directory, obs, countries, entries)
    return directory


def test_cli_diff_of_two_snapshot_directories_in_every_format(tmp_path):
    old = write(tmp_path / "old", OLD, sources()[:1])
    new = write(
        tmp_path / "new", frame([*OLD.to_dict("records"), *NEW.to_dict("records")]), sources()
    )
    runner = CliRunner()
    table = runner.invoke(app, ["data", "diff", str(old), str(new)])
    assert table.exit_code == 0, table.output
    assert "definition break" in table.output and "POL" in table.output
    as_json = runner.invoke(app, ["data", "diff", str(old), str(new), "--format", "json"])
    assert as_json.exit_code == 0, as_json.output
    assert '"revised"' in as_json.output and "core defence" in as_json.output
    as_csv = runner.invoke(app, ["data", "diff", str(old), str(new), "--format", "csv"])
    assert as_csv.output.splitlines()[0].startswith("change,source,old_edition,new_edition")
    for fmt in ("xlsx", "parquet"):
        out = tmp_path / f"diff.{fmt}"
        done = runner.invoke(
            app, ["data", "diff", str(old), str(new), "--format", fmt, "--output", str(out)]
        )
        assert done.exit_code == 0 and out.stat().st_size > 0, done.output


def test_cli_diff_without_arguments_compares_the_previous_snapshot(tmp_path, monkeypatch):
    directory = write(tmp_path / "snap", OLD, sources()[:1])
    write(directory, frame([*OLD.to_dict("records"), *NEW.to_dict("records")]), sources())
    monkeypatch.setenv("MILEX_DATA_DIR", str(directory))
    done = CliRunner().invoke(app, ["data", "diff", "--format", "json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["definition_breaks"][0]["new_definition"] == "core defence"


def test_cli_diff_mixing_a_directory_and_an_edition_is_a_clear_error(tmp_path):
    done = CliRunner().invoke(app, ["data", "diff", str(tmp_path), "2014-2025"])
    assert done.exit_code == 1
    assert "both be snapshot directories or both edition labels" in done.output
