"""Build, write and verify a snapshot: datapackage.json naming its observations and registry files.

Building is load -> process -> save: every raw file is parsed, and the whole table checked
(milex.data.checks, milex.data.receipts) before anything is written. The commit is atomic (milex.data.atomic):
content-addressed data files (``observations-<sha12>.parquet``, ``countries-<sha12>.csv``), then
``datapackage.json`` renamed into place, so a failed or killed build leaves the previous snapshot
loadable and byte-identical. Readers find every file through the descriptor and verify its sha256.
Building twice from the same files gives identical bytes.
"""

from __future__ import annotations

import functools
import json
import tempfile
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from milex.data.bundle import COUNTRIES, DATAPACKAGE, package_dir, resource_path
from milex.data.schema import COLUMNS, KEY, STORAGE_ORDER
from milex.data.sources._common import Resource, naming, sha256_file
from milex.errors import MilexError, SnapshotError

if TYPE_CHECKING:
    import pandas as pd

    from milex.data.registry import Registry

#: Resource keys (and pre-content-address file names): files are named by the descriptor.
OBSERVATIONS = "observations.parquet"
PREVIOUS = "datapackage.previous.json"
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


def parse_all(
    raw_dir: Path,
    registry: Registry,
    progress: Callable[[str], None] | None = None,
    *,
    strict: bool = False,
) -> tuple[pd.DataFrame, list[Resource]]:
    """Every publisher file in raw_dir as one observations frame, with the resources read.

    NATO workbooks found in ``raw_dir/nato/`` are read first (a damaged one fails fast); one that
    cannot be read is skipped with a warning, or with ``strict`` stops the build.
    """
    import pandas as pd

    from milex.data.sources import imf, nato, sipri, worldbank
    from milex.data.sources._years import check_observations
    from milex.data.sources.nato._found import read_found, with_found

    with naming(raw_dir / "nato"):
        found = read_found(raw_dir, registry, progress, strict=strict)

    # Each step reads one or more files (NATO's two restatements are read together, so that a
    # cell both state is kept once) and lists them for the provenance.
    steps: list[tuple[tuple[Resource, ...], Callable[[], pd.DataFrame]]] = [
        ((nato.RESOURCE,), lambda: nato.parse_workbook(raw_dir / nato.RESOURCE.path, registry)),
        (
            (nato.SECONDARY_EDITIONS, nato.SECONDARY_2025, nato.SECONDARY_ANNUAL_REPORT),
            lambda: nato.parse_restatements(raw_dir, registry),
        ),
        ((sipri.RESOURCE,), lambda: sipri.parse_workbook(raw_dir / sipri.RESOURCE.path, registry)),
        (
            (sipri.SECONDARY,),
            lambda: sipri.parse_secondary(raw_dir / sipri.SECONDARY.path, registry),
        ),
        ((imf.RESOURCE,), lambda: imf.parse(raw_dir / imf.RESOURCE.path, registry)),
    ]
    for ind in worldbank.INDICATORS:
        steps.append(((ind.resource,), functools.partial(worldbank.parse, raw_dir, ind, registry)))
    frames = []
    for listed, parse in steps:
        if progress:
            progress(", ".join(r.path for r in listed))
        paths = [raw_dir / r.path for r in listed]
        with naming(*paths):
            part = parse()
        check_observations(part, paths[0])
        frames.append(part)
    read = [r for listed, _ in steps for r in listed]
    return with_found(pd.concat(frames, ignore_index=True), read, found)


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
    """Schema, duplicate, range and finiteness checks (milex.data.checks); raises once, listing all."""
    from milex.data.checks import run_checks

    run_checks(obs, [], sipri_limit=sipri_limit)


def write_parquet(obs: pd.DataFrame, path: Path) -> None:
    """The observations as Parquet with a fixed schema, whatever dtypes the frame arrived in.

    Text columns are always ``string`` (pandas may hand over ``large_string`` or objects), so the
    same figures give the same bytes however they were assembled.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema(
        [
            (c, pa.int64() if c == "year" else pa.float64() if c == "value" else pa.string())
            for c in COLUMNS
        ]
    )
    table = pa.Table.from_pandas(obs, schema=schema, preserve_index=False)
    table = table.replace_schema_metadata(None)
    pq.write_table(table, path, compression="zstd", compression_level=9, row_group_size=1 << 20)


def build(
    raw_dir: Path,
    out_dir: Path | None = None,
    progress: Callable[[str], None] | None = None,
    *,
    full_sipri: bool = False,
    allow_shrink: bool = False,
    strict: bool = False,
) -> dict[str, Any]:
    """Parse raw_dir, check, and commit the snapshot to out_dir (default: the package's data).

    ``full_sipri`` keeps every SIPRI figure (for a user's own machine only: SIPRI's terms allow
    3,500 to be reproduced, so such a snapshot may not be written into the package).
    ``allow_shrink`` lets a source lose more than 5% of its figures against the snapshot replaced.
    ``strict`` makes a NATO workbook in ``raw_dir/nato/`` that cannot be read stop the build
    (otherwise it is skipped with a warning).
    """
    from milex.data.registry import Registry
    from milex.data.sources import geo

    raw_dir, out_dir = Path(raw_dir), Path(out_dir or package_dir())
    if not raw_dir.is_dir():
        raise MilexError(f"raw data directory not found: {raw_dir}")
    with naming(raw_dir / "geo"):
        countries = geo.countries_table(raw_dir)
    with tempfile.TemporaryDirectory() as tmp:
        countries_tmp = Path(tmp) / COUNTRIES
        countries.to_csv(countries_tmp, index=False, lineterminator="\n")
        registry = Registry.from_files(countries_tmp, package_dir() / "memberships.csv")
        obs, read = parse_all(raw_dir, registry, progress, strict=strict)
        if not full_sipri:
            obs = sipri_extract(obs, registry)
        sources = source_entries(raw_dir, [*read, geo.RESOURCE], obs)
        return write_snapshot(
            out_dir,
            obs,
            countries_tmp.read_bytes(),
            sources,
            full_sipri=full_sipri,
            allow_shrink=allow_shrink,
        )


def source_entries(raw_dir: Path, read: list[Resource], obs: pd.DataFrame) -> list[dict[str, Any]]:
    """datapackage.json entries for raw files: provenance, sha256 and the figures each gave."""
    counts = obs.groupby(["source", "edition"]).size()
    entries = []
    for res in read:
        entry = {k: v for k, v in asdict(res).items() if k != "extra" and v != ""}
        entry.update(res.extra)  # the edition's title, date, price base and definition
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
    allow_shrink: bool = False,
    keep_previous: bool | None = None,
) -> dict[str, Any]:
    """Check observations, then commit them with the registry and descriptor atomically.

    The checks (milex.data.checks) run against the snapshot already in out_dir, and the NATO receipts
    (milex.data.receipts) are recorded per edition; any failure raises before anything is committed.
    The commit writes content-addressed files, then renames datapackage.json into place (the single
    commit point, see milex.data.atomic). ``keep_previous`` (default: everywhere but the package
    directory, where git keeps history) saves the replaced descriptor as datapackage.previous.json
    with its files; older files are removed. ``allow_shrink`` permits a source to lose figures.
    """
    from milex.data import atomic, checks

    out_dir = Path(out_dir)
    in_package = out_dir.resolve() == package_dir().resolve()
    if full_sipri and in_package:
        raise MilexError(
            "a snapshot with the full SIPRI workbook cannot be written into the package "
            f"(SIPRI's terms allow {SIPRI_LIMIT} figures to be reproduced); choose --output DIR"
        )
    keep_previous = not in_package if keep_previous is None else keep_previous
    obs = obs.sort_values(list(STORAGE_ORDER), kind="stable").reset_index(drop=True)[list(COLUMNS)]
    current = _current(out_dir)
    checks.run_checks(
        obs,
        sources,
        current[1] if current else None,
        sipri_limit=None if full_sipri else SIPRI_LIMIT,
        allow_shrink=allow_shrink,
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    with atomic.locked(out_dir):
        try:
            package = _commit(out_dir, obs, countries_csv, sources, full_sipri=full_sipri)
            if keep_previous and current:
                atomic.replace_file(out_dir / PREVIOUS, current[2], "previous-saved")
            encoded = json.dumps(package, indent=2, ensure_ascii=False) + "\n"
            atomic.replace_file(out_dir / DATAPACKAGE, encoded.encode("utf-8"), "descriptor-temp")
            atomic.fault_point("committed")
            if not keep_previous:
                (out_dir / PREVIOUS).unlink(missing_ok=True)
        finally:
            legacy = {OBSERVATIONS, COUNTRIES} & set(_referenced(current[0]) if current else ())
            atomic.sweep(out_dir, _on_disk_references(out_dir), legacy)
    return package


def _commit(
    out_dir: Path,
    obs: pd.DataFrame,
    countries_csv: bytes,
    sources: list[dict[str, Any]],
    *,
    full_sipri: bool,
) -> dict[str, Any]:
    """Write the data files under their content addresses and build the descriptor naming them."""
    import pyarrow

    from milex.data import atomic, receipts
    from milex.data.checks._base import ChecksFailed, files_by_edition
    from milex.data.registry import NO_ARMED_FORCES, Registry
    from milex.version import __version__

    staged = {
        OBSERVATIONS: atomic.write_addressed(
            out_dir, "observations", ".parquet", lambda p: write_parquet(obs, p)
        ),
        COUNTRIES: atomic.write_addressed(
            out_dir, "countries", ".csv", lambda p: p.write_bytes(countries_csv)
        ),
    }
    atomic.fsync_dir(out_dir)
    atomic.fault_point("data-written")
    registry = Registry.from_files(staged[COUNTRIES], package_dir() / "memberships.csv")
    found = receipts.all_receipts(obs, registry.members, set(NO_ARMED_FORCES))
    gross = receipts.gross_violations(found, files_by_edition(sources))
    if gross:
        raise ChecksFailed(gross)
    sources = [
        {k: v for k, v in s.items() if k != "receipts"}
        | (
            {"receipts": found[(s["source"], s["edition"])]}
            if (s["source"], s["edition"]) in found
            else {}
        )
        for s in sources
    ]
    versions = {"milex": __version__, "pyarrow": pyarrow.__version__}
    return datapackage(sources, obs, staged, versions, full_sipri=full_sipri)


def _current(directory: Path) -> tuple[dict[str, Any], pd.DataFrame, bytes] | None:
    """The snapshot now in directory (descriptor, observations, descriptor bytes), if it reads."""
    import pandas as pd

    try:
        path, package = read_package(directory)
        return package, pd.read_parquet(path), (directory / DATAPACKAGE).read_bytes()
    except (SnapshotError, OSError):
        return None


def _referenced(package: dict[str, Any]) -> list[str]:
    return [str(r["path"]) for r in package.get("resources", []) if "path" in r]


def _on_disk_references(directory: Path) -> list[str] | None:
    """Files the descriptors on disk name (None if the current one cannot be read)."""
    names: list[str] = []
    for descriptor in (DATAPACKAGE, PREVIOUS):
        try:
            names += _referenced(json.loads((directory / descriptor).read_text("utf-8")))
        except FileNotFoundError:
            continue
        except (OSError, ValueError, TypeError, KeyError):
            return None
    return names


def datapackage(
    sources: list[dict[str, Any]],
    obs: pd.DataFrame,
    staged: dict[str, Path],
    versions: dict[str, str],
    *,
    full_sipri: bool = False,
) -> dict[str, Any]:
    """The Frictionless Data Package descriptor: every raw input and every output, with sha256,
    and the observations' content checksum (milex.data._rowcheck), which every load verifies."""
    from milex.data import _rowcheck as rowcheck

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
                "path": staged[OBSERVATIONS].name,
                "format": "parquet",
                "sha256": sha256_file(staged[OBSERVATIONS]),
                "rows": len(obs),
                rowcheck.FIELD: rowcheck.record(staged[OBSERVATIONS]),
                "schema": {"fields": [{"name": c} for c in COLUMNS], "primaryKey": list(KEY)},
            },
            {
                "name": "countries",
                "path": staged[COUNTRIES].name,
                "format": "csv",
                "sha256": sha256_file(staged[COUNTRIES]),
            },
        ],
    }


def read_package(
    directory: Path | None = None, *, descriptor: str = DATAPACKAGE
) -> tuple[Path, dict[str, Any]]:
    """Path of a verified observations file and its descriptor; a damaged snapshot is an error.

    Every file is found through the descriptor, and the observations and countries files are
    checked against their sha256. ``descriptor=PREVIOUS`` reads the snapshot a commit replaced.
    """
    directory = Path(directory or package_dir())
    descriptor_path = directory / descriptor
    try:
        package = json.loads(descriptor_path.read_text("utf-8"))
    except FileNotFoundError:
        if descriptor == PREVIOUS:
            raise SnapshotError(
                f"no previous snapshot in {directory} (missing {PREVIOUS})"
            ) from None
        raise SnapshotError(
            f"no snapshot at {directory} (missing {DATAPACKAGE}); run `milex data build --raw DIR`"
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SnapshotError(f"{descriptor_path} is not valid JSON: {exc}") from None
    except RecursionError:
        raise SnapshotError(f"{descriptor_path} is nested too deeply to read") from None
    if not isinstance(package, dict):
        raise SnapshotError(f"{descriptor_path} is not a data package descriptor")
    path = resource_path(directory, package, "observations", descriptor_path)
    if any(r.get("name") == "countries" for r in package.get("resources", [])):
        resource_path(directory, package, "countries", descriptor_path)
    return path, package
