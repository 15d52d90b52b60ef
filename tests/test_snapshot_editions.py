"""A raw directory holding a newer NATO workbook (as `milex data update --keep-raw` saves it) builds
into a snapshot with that edition beside the others, described from the workbook itself."""

from __future__ import annotations

import milex
from milex.data import snapshot

from .nato_layouts import build_workbook


def test_a_kept_2026_workbook_builds_beside_the_bundled_editions(raw_dir, tmp_path):
    raw = tmp_path / "raw"
    for source in raw_dir.rglob("*"):
        if source.is_file():
            target = raw / source.relative_to(raw_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(source)
    build_workbook(raw / "nato" / "def-exp-2026-en.xlsx", "2026")
    package = snapshot.build(raw, tmp_path / "out")
    entry = next(s for s in package["sources"] if s["path"] == "nato/def-exp-2026-en.xlsx")
    assert entry["edition"] == "2014-2026 (2026-07-10)"
    assert entry["definition"] == "core defence expenditure" and entry["price_base"] == 2021
    ds = milex.load(tmp_path / "out")
    sweden = ds.series("milex_pct_gdp", "SWE", "nato", 2026, include_secondary=False)
    assert sweden["edition"].tolist() == ["2014-2026 (2026-07-10)"]
    assert set(ds.editions("nato")) >= {"2014-2024 (2024-06-17)", "2014-2026 (2026-07)"}
