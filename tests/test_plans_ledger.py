"""National plans as a dated ledger: nothing deleted, the strongest newest entry used, money named.

Each test reads as the rule it checks: a superseded entry stays queryable; the newest entry of the
strongest kind is what plan_share, the plans table and the projection's national-plans path use;
a money plan becomes a share of GDP only beside the IMF WEO GDP it was divided by; the loader
names row and field; the terminal table stays readable at 80 columns.
"""

from __future__ import annotations

import csv
import json
import re
from datetime import date

import numpy as np
import pytest
from typer.testing import CliRunner

from milex.analysis import plans as plans_module
from milex.analysis import review
from milex.analysis.plans import current, ledger, load_plans, plan_share
from milex.cli import app, common
from milex.data.plan_ledger import COLUMNS, PlanError
from milex.projection import PathSpec, Target
from milex.projection._paths import build_part

URL = "https://example.org/"


def row(entry_id, kind, status, year, value, when, *, supersedes="", unit="percent of GDP",
        definition="national", quote="quoted words"):  # fmt: skip
    return [entry_id, "DEU", kind, status, str(year), "", str(value), unit, definition, "",
            f"document {entry_id}", URL + entry_id, when, quote, "verbatim", supersedes,
            "national_plan", ""]  # fmt: skip


#: Germany 2027 in four documents: a target, a draft budget replaced by the adopted budget, and a
#: plan dated after the budget (newer, but a weaker kind than an adopted budget).
LEDGER = [
    row("t", "target", "adopted", 2027, 3.0, "2025-01-10"),
    row("b-draft", "budget", "superseded", 2027, 3.2, "2026-07-01"),
    row("b", "budget", "adopted", 2027, 3.3, "2026-11-20", supersedes="b-draft"),
    row("p", "plan", "adopted", 2027, 3.9, "2026-12-01"),
]


def _write(tmp_path, rows):
    path = tmp_path / "plans.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    return path


@pytest.fixture
def germany(tmp_path, monkeypatch):
    """The four-document ledger, installed as the bundled one for code that reads that."""
    plans = load_plans(_write(tmp_path, LEDGER))
    monkeypatch.setattr(plans_module, "load_plans", lambda path=None: plans)
    return plans


def test_a_superseded_entry_stays_queryable_and_names_its_successor(germany):
    trail = [(f.id, f.status, f.superseded_by) for f in germany.entries("DEU")]
    assert trail == [
        ("t", "adopted", None),
        ("b-draft", "superseded", "b"),
        ("b", "adopted", None),
        ("p", "adopted", None),
    ]
    assert germany.by_id("b-draft").value == 3.2  # kept with its own figure
    assert [f.id for f in germany.trail(germany.by_id("b"))] == ["b-draft"]
    assert "b-draft" not in [f.id for f in germany.for_country("DEU")]  # never in force again
    assert [e.figure.id for e in ledger("DEU", plans=germany)] == ["t", "b-draft", "b", "p"]


def test_the_newest_adopted_entry_of_the_strongest_kind_is_what_every_view_uses(germany):
    # the adopted budget (3.3), not its draft (3.2), the older target (3.0) or the newer plan (3.9)
    assert plan_share("DEU", 2027, germany) == 3.3
    assert current("DEU", 2027, plans=germany).figure.id == "b"
    levels = review.plan_levels(germany, "DEU", (2025, 2.4), {}, 2028)
    assert levels[2027].share == 3.3 and levels[2027].figure.id == "b"
    assert levels[2027].entry == "budget (adopted) 2026-11-20"
    target = Target(guideline="hague_core_3_5pct",
                    path=PathSpec(shape="national_plans", default="hold_share"))  # fmt: skip
    years = np.arange(2025, 2030)
    part = build_part(target, ["DEU"], years, np.array([2.4]), np.array([4_400_000.0]), 2029)
    assert part.share[list(years).index(2027), 0] == 3.3  # the projection's national-plans path


def test_a_newer_entry_of_the_same_kind_replaces_the_older_for_the_year(tmp_path):
    rows = [
        row("d1", "budget", "superseded", 2026, 4.8, "2025-08-28"),
        row("d2", "budget", "draft", 2026, 4.81, "2025-09-30", supersedes="d1"),
    ]
    plans = load_plans(_write(tmp_path, rows))
    assert plan_share("DEU", 2026, plans) == 4.81
    assert plan_share("POL", 2026) == 4.81  # the bundled ledger: Poland's draft sent to the Sejm


def test_lithuania_2026_is_the_budget_the_seimas_adopted_with_the_cabinet_draft_in_its_trail():
    plans = load_plans()
    used = plans.select("LTU", 2026)
    assert used is not None and (used.kind, used.status) == ("budget", "adopted")
    assert used.source_date > date(2025, 10, 15)  # not dated at the cabinet's draft
    (draft,) = plans.trail(used)
    assert (draft.status, draft.source_date, draft.superseded_by) == (
        "superseded", date(2025, 10, 15), used.id)  # fmt: skip


def test_germanys_153_bn_for_2029_is_about_3_percent_of_the_imf_gdp_named_beside_it(dataset):
    weo = dataset.series("gdp_lcu", "DEU", "imf_weo", 2029).iloc[0]
    money = next(e for e in ledger("DEU", dataset) if e.figure.unit == "national currency m"
                 and 2029 in e.figure.years)  # fmt: skip
    (conversion,) = money.conversions
    assert conversion.gdp_lcu_m == weo["value"] and conversion.edition == weo["edition"]
    assert conversion.share_pct == pytest.approx(100 * money.figure.value / weo["value"])
    assert 2.9 < conversion.share_pct < 3.1  # about 3.0%, not the 3.5% NATO quota
    assert money.figure.definition != "nato" and "3.5" not in money.figure.note.split(":")[0]
    assert "WEO 2025-10" in conversion.describe("EUR") and "EUR m" in conversion.describe("EUR")
    assert plan_share("DEU", 2029) == 3.5  # the stated NATO quota stays what it is
    shown = json.loads(json.dumps(money.as_dict()))  # what a country page's JSON twin carries
    assert shown["gdp_used"] == [f"imf_weo {weo['edition']} 2029: {weo['value']:,.0f}"]
    assert shown["pct_gdp_from_money"] == [conversion.share_pct] and shown["quote"]


def test_a_money_only_year_is_converted_and_says_which_gdp(dataset, tmp_path):
    rows = [row("m", "budget", "draft", 2027, 150_000, "2026-07-01", unit="national currency m")]
    plans = load_plans(_write(tmp_path, rows))
    gdp = dict(zip(*[dataset.series("gdp_lcu", "DEU", "imf_weo")[c] for c in ("year", "value")],
                   strict=True))  # fmt: skip
    level = review.plan_levels(plans, "DEU", (2025, 2.4), gdp, 2028, "WEO 2025-10")[2027]
    assert level.basis == "from money" and level.share == pytest.approx(100 * 150_000 / gdp[2027])
    assert level.gdp_used == f"IMF WEO 2025-10 GDP 2027: {gdp[2027]:,.0f} m national currency"
    now = current("DEU", 2027, dataset, plans=plans)
    assert now is not None and now.conversion is not None and now.share_pct == level.share


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([row("a", "budget", "superseded", 2027, 3.0, "2026-01-01")],
         "row 2 (DEU): status 'superseded' but no newer row names 'a' in supersedes"),
        ([row("a", "budget", "draft", 2027, 3.0, "2026-01-01"),
          row("b", "budget", "adopted", 2027, 3.1, "2026-02-01", supersedes="a")],
         "row 3 (DEU): supersedes 'a': its status is 'draft', not 'superseded'"),
        ([row("a", "budget", "superseded", 2027, 3.0, "2026-03-01"),
          row("b", "budget", "adopted", 2027, 3.1, "2026-02-01", supersedes="a")],
         "row 3 (DEU): supersedes 'a': it is dated 2026-03-01, after this row"),
        ([row("a", "target", "superseded", 2027, 3.0, "2026-01-01"),
          row("b", "budget", "adopted", 2027, 3.1, "2026-02-01", supersedes="a")],
         "row 3 (DEU): supersedes 'a': not the same ally, kind and years"),
        ([row("a", "outturn", "draft", 2025, 2.4, "2026-01-01")],
         "row 2 (DEU): status 'draft' for an outturn"),
        ([row("a", "plan", "withdrawn", 2030, 3.0, "2025-03-06")],
         "row 2 (DEU): note is empty for a withdrawn row"),
    ],
)  # fmt: skip
def test_the_loader_names_the_row_and_field_of_every_broken_supersession(tmp_path, rows, message):
    with pytest.raises(PlanError) as err:
        load_plans(_write(tmp_path, rows))
    assert f"plans.csv {message}" in str(err.value)


def test_every_problem_is_reported_at_once(tmp_path):
    bad = row("a", "pledge", "draft", 2027, 3.0, "someday", quote="")
    with pytest.raises(PlanError) as err:
        load_plans(_write(tmp_path, [bad]))
    text = str(err.value)
    assert text.startswith("3 problem(s)")
    for field in ("kind 'pledge'", "date 'someday'", "quote is empty"):
        assert f"row 2 (DEU): {field}" in text


def test_the_plans_table_stays_readable_at_80_columns(monkeypatch):
    for console in (common.console, common.err_console):
        monkeypatch.setattr(console, "_width", None)
    env = {"COLUMNS": "80", "TTY_COMPATIBLE": "1"}
    result = CliRunner().invoke(app, ["plans", "--country", "DEU,LTU,USA"], env=env)
    assert result.exit_code == 0, result.output
    text = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout)
    lines = text.splitlines()
    body = lines[lines.index(next(x for x in lines if x.startswith("─"))) + 1 :]
    blocks: list[list[str]] = []
    for line in body:
        if re.match(r"^[A-Z]{3}\s+\d{4}\s", line):
            blocks.append([line])
        elif blocks and line.strip() and not re.match(r"^\w+:", line):
            blocks[-1].append(line)
        else:
            break
    assert len(blocks) == 3 * 11  # every ally and year from 2025 to 2035
    assert max(len(b) for b in blocks) <= 2, max(blocks, key=len)  # a verdict never wraps
    assert all(len(x) <= 80 for b in blocks for x in b)
    assert any("at/above" in b[0] for b in blocks)
    # the entries used are listed under the table, with the GDP a money figure was divided by
    assert "entry: USA budget (draft) 2026-04-03" in text
    assert "as a share of IMF WEO 2025-10 GDP 2027" in " ".join(text.split())
    assert "trail: LTU 2026 budget (superseded)" in text
