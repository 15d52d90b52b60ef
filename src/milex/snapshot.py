"""Build, write and verify the bundled snapshot: observations.parquet + datapackage.json (+ registry).

Building is load -> process -> save: every raw file is parsed and validated before anything is
written, then each output goes to a temporary file and is renamed into place, so a failed build
leaves the previous snapshot untouched. Building twice from the same files gives identical bytes.
"""

from __future__ import annotations

import functools
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import asdict
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from milex.errors import MilexError, SnapshotError
from milex.schema import COLUMNS, FLAGS, KEY, MEASURE_IDS
from milex.sources._common import Resource, sha256_file

if TYPE_CHECKING:
    import pandas as pd

    from milex.registry import Registry

OBSERVATIONS = "observations.parquet"
DATAPACKAGE = "datapackage.json"
COUNTRIES = "countries.csv"
SIPRI_LIMIT = 3500

#: The SIPRI extract that ships (SIPRI's terms allow at most 3,500 figures to be reproduced):
#: these countries, and for each measure the years kept. The full workbook is a user download.
SIPRI_COUNTRIES_EXTRA = ("RUS", "CHN", "IRN", "UKR", "PRK")
SIPRI_CUT: dict[str, tuple[int, int]] = {
    "milex_pct_gdp": (1990, 2025),
    "milex_usd_const": (1995, 2024),
    "milex_usd": (2010, 2025),
    "milex_lcu": (2014, 2024),
}


def package_dir() -> Path:
    """Where the bundled snapshot lives inside the installed package."""
    return Path(str(resources.files("milex") / "data"))


def parse_all(
    raw_dir: Path, registry: Registry, progress: Callable[[str], None] | None = None
) -> tuple[pd.DataFrame, list[Resource]]:
    """Every publisher file in raw_dir as one observations frame, with the resources read."""
    import pandas as pd

    from milex.sources import imf, nato, sipri, worldbank

    steps: list[tuple[Resource, Callable[[], pd.DataFrame]]] = [
        (nato.RESOURCE, lambda: nato.parse_workbook(raw_dir / nato.RESOURCE.path, registry)),
        (nato.SECONDARY, lambda: nato.parse_secondary(raw_dir / nato.SECONDARY.path, registry)),
        (sipri.RESOURCE, lambda: sipri.parse_workbook(raw_dir / sipri.RESOURCE.path, registry)),
        (sipri.SECONDARY, lambda: sipri.parse_secondary(raw_dir / sipri.SECONDARY.path, registry)),
        (imf.RESOURCE, lambda: imf.parse(raw_dir / imf.RESOURCE.path, registry)),
    ]
    for ind in worldbank.INDICATORS:
        steps.append((ind.resource, functools.partial(worldbank.parse, raw_dir, ind, registry)))
    frames = []
    for resource, parse in steps:
        if progress:
            progress(resource.path)
        frames.append(parse())
    return pd.concat(frames, ignore_index=True), [r for r, _ in steps]


def sipri_extract(obs: pd.DataFrame, registry: Registry) -> pd.DataFrame:
    """Observations with SIPRI figures cut to the shipped extract (see SIPRI_CUT)."""
    countries = {m.iso3 for m in registry.memberships if m.bloc == "NATO"} | set(
        SIPRI_COUNTRIES_EXTRA
    )
    is_sipri = obs["source"] == "sipri"
    keep = ~is_sipri
    for measure, (first, last) in SIPRI_CUT.items():
        keep |= (
            is_sipri
            & (obs["measure"] == measure)
            & obs["iso3"].isin(countries)
            & obs["year"].between(first, last)
        )
    return obs[keep]


def validate(obs: pd.DataFrame, sipri_limit: int | None = SIPRI_LIMIT) -> None:
    """Schema checks over the whole table; raises once, listing every kind of violation found."""
    import numpy as np

    problems = []
    dupes = obs[obs.duplicated(list(KEY), keep=False)]
    if len(dupes):
        problems.append(
            f"{len(dupes)} rows share a key, e.g. {dupes.head(3)[list(KEY)].values.tolist()}"
        )
    unknown = sorted(set(obs["measure"]) - MEASURE_IDS)
    if unknown:
        problems.append(f"measures missing from the catalogue: {unknown}")
    flags = {f for text in set(obs["flags"]) for f in text.split(";") if f}
    if flags - FLAGS.keys():
        problems.append(f"unknown flags {sorted(flags - FLAGS.keys())}")
    if not np.isfinite(obs["value"].to_numpy()).all():
        problems.append("non-finite values")
    sipri_count = int((obs["source"] == "sipri").sum())
    if sipri_limit is not None and sipri_count > sipri_limit:
        problems.append(f"{sipri_count} SIPRI figures exceed the {sipri_limit} SIPRI allows")
    if problems:
        raise MilexError("snapshot validation failed: " + "; ".join(problems))


def _atomic_write(path: Path, write: Callable[[Path], object]) -> Path:
    """Write to a temporary file beside path; the caller renames it into place."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    Path(tmp).chmod(0o644)
    return Path(tmp)


def write_parquet(obs: pd.DataFrame, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(obs, preserve_index=False).replace_schema_metadata(None)
    pq.write_table(table, path, compression="zstd", compression_level=9, row_group_size=1 << 20)


def build(
    raw_dir: Path,
    out_dir: Path | None = None,
    progress: Callable[[str], None] | None = None,
    *,
    full_sipri: bool = False,
) -> dict[str, Any]:
    """Parse raw_dir, validate, and write the snapshot to out_dir (default: the package's data).

    ``full_sipri`` keeps every SIPRI figure (for a user's own machine only: SIPRI's terms allow
    3,500 to be reproduced, so such a snapshot may not be written into the package).
    """
    from milex.registry import Registry
    from milex.sources import geo

    raw_dir, out_dir = Path(raw_dir), Path(out_dir or package_dir())
    if not raw_dir.is_dir():
        raise MilexError(f"raw data directory not found: {raw_dir}")
    countries = geo.countries_table(raw_dir)
    with tempfile.TemporaryDirectory() as tmp:
        countries_tmp = Path(tmp) / COUNTRIES
        countries.to_csv(countries_tmp, index=False, lineterminator="\n")
        registry = Registry.from_files(countries_tmp, package_dir() / "memberships.csv")
        obs, read = parse_all(raw_dir, registry, progress)
        if not full_sipri:
            obs = sipri_extract(obs, registry)
        sources = source_entries(raw_dir, [*read, geo.RESOURCE], obs)
        return write_snapshot(
            out_dir, obs, countries_tmp.read_bytes(), sources, full_sipri=full_sipri
        )


def source_entries(raw_dir: Path, read: list[Resource], obs: pd.DataFrame) -> list[dict[str, Any]]:
    """datapackage.json entries for raw files: provenance, sha256 and the figures each gave."""
    counts = obs.groupby(["source", "edition"]).size()
    entries = []
    for res in read:
        entry = {k: v for k, v in asdict(res).items() if k != "extra" and v != ""}
        entry["sha256"] = sha256_file(raw_dir / res.path)
        entry["figures"] = int(counts.get((res.source, res.edition), 0))
        entries.append(entry)
    return entries


def write_snapshot(
    out_dir: Path,
    obs: pd.DataFrame,
    countries_csv: bytes,
    sources: list[dict[str, Any]],
    *,
    full_sipri: bool = False,
) -> dict[str, Any]:
    """Validate and write observations, registry and descriptor; all files renamed in at the end."""
    import pyarrow

    from milex import __version__

    out_dir = Path(out_dir)
    if full_sipri and out_dir.resolve() == package_dir().resolve():
        raise MilexError(
            "a snapshot with the full SIPRI workbook cannot be written into the package "
            f"(SIPRI's terms allow {SIPRI_LIMIT} figures to be reproduced); choose --output DIR"
        )
    obs = obs.sort_values(list(KEY), kind="stable").reset_index(drop=True)[list(COLUMNS)]
    validate(obs, sipri_limit=None if full_sipri else SIPRI_LIMIT)
    out_dir.mkdir(parents=True, exist_ok=True)
    staged = {
        COUNTRIES: _atomic_write(out_dir / COUNTRIES, lambda p: p.write_bytes(countries_csv)),
        OBSERVATIONS: _atomic_write(out_dir / OBSERVATIONS, lambda p: write_parquet(obs, p)),
    }
    try:
        package = datapackage(
            sources, obs, staged, {"milex": __version__, "pyarrow": pyarrow.__version__},
            full_sipri=full_sipri,
        )  # fmt: skip
        staged[DATAPACKAGE] = _atomic_write(
            out_dir / DATAPACKAGE,
            lambda p: p.write_text(
                json.dumps(package, indent=2, ensure_ascii=False) + "\n", "utf-8"
            ),
        )
    except BaseException:
        for tmp_path in staged.values():
            tmp_path.unlink(missing_ok=True)
        raise
    for name, tmp_path in staged.items():
        os.replace(tmp_path, out_dir / name)
    return package


def datapackage(
    sources: list[dict[str, Any]],
    obs: pd.DataFrame,
    staged: dict[str, Path],
    versions: dict[str, str],
    *,
    full_sipri: bool = False,
) -> dict[str, Any]:
    """The Frictionless Data Package descriptor: every raw input and every output, with sha256."""
    cut: dict[str, Any] = (
        {"countries": "all (full workbook: for local use only, not for redistribution)"}
        if full_sipri
        else {
            "countries": "NATO allies (any year) + " + ", ".join(SIPRI_COUNTRIES_EXTRA),
            "years_by_measure": {m: list(span) for m, span in SIPRI_CUT.items()},
        }
    )
    return {
        "profile": "data-package",
        "name": "milex-snapshot",
        "title": "milex: defence expenditure, GDP and population from NATO, SIPRI, IMF, World Bank",
        "created_with": versions,
        "sipri_figures": int((obs["source"] == "sipri").sum()),
        "sipri_limit": None if full_sipri else SIPRI_LIMIT,
        "sipri_cut": cut,
        "sources": sources,
        "resources": [
            {
                "name": "observations",
                "path": OBSERVATIONS,
                "format": "parquet",
                "sha256": sha256_file(staged[OBSERVATIONS]),
                "rows": len(obs),
                "schema": {"fields": [{"name": c} for c in COLUMNS], "primaryKey": list(KEY)},
            },
            {
                "name": "countries",
                "path": COUNTRIES,
                "format": "csv",
                "sha256": sha256_file(staged[COUNTRIES]),
            },
        ],
    }


def read_package(directory: Path | None = None) -> tuple[Path, dict[str, Any]]:
    """Path of a verified observations file and its descriptor; a damaged snapshot is an error."""
    directory = Path(directory or package_dir())
    descriptor_path = directory / DATAPACKAGE
    try:
        package = json.loads(descriptor_path.read_text("utf-8"))
    except FileNotFoundError:
        raise SnapshotError(
            f"no snapshot at {directory} (missing {DATAPACKAGE}); run `milex data build --raw DIR`"
        ) from None
    except json.JSONDecodeError as exc:
        raise SnapshotError(f"{descriptor_path} is not valid JSON: {exc}") from None
    entry = next((r for r in package.get("resources", []) if r.get("name") == "observations"), None)
    if entry is None:
        raise SnapshotError(f"{descriptor_path} lists no 'observations' resource")
    path = directory / entry["path"]
    if not path.is_file():
        raise SnapshotError(f"snapshot file missing: {path}")
    actual = sha256_file(path)
    if actual != entry.get("sha256"):
        raise SnapshotError(
            f"snapshot damaged: sha256 of {path} is {actual[:12]}..., "
            f"{DATAPACKAGE} expects {str(entry.get('sha256'))[:12]}...; "
            "reinstall milex or rebuild with `milex data build`"
        )
    return path, package
