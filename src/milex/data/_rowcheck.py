"""A snapshot's rows verified, not only its file: primary-key uniqueness and a content checksum.

The file's sha256 says the bytes are the ones the descriptor names; it cannot tell whether the
descriptor itself was rewritten to match a damaged file. So a build also records a checksum of
the rows (``content_checksum`` on the observations resource), and every load checks, over the
table already loaded into DuckDB, that no key repeats, that the row count is the recorded one and
that the rows sum to the recorded checksum (about 45 ms for the bundled 187k rows).

The checksum is order-independent (a sum over rows), so a snapshot in any row order verifies:
- ``hash_sum``: the sum of DuckDB's ``hash()`` of each row, fast; its ``hash_probe`` is the hash of
  fixed values, so a DuckDB whose ``hash()`` differs (a new version may change it) is noticed;
- ``md5_sum``: the sum of the low 64 bits of each row's MD5 (values written ``%.17g``), which no
  DuckDB version changes; used only when the probe differs (some 250 ms).
A snapshot written before checksums were recorded is checked for uniqueness and row count only.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from milex.data.schema import KEY
from milex.errors import SnapshotError

if TYPE_CHECKING:
    import duckdb

FIELD = "content_checksum"
TABLE = "observations"
PROBE = "SELECT hash('milex'::VARCHAR, 2024::BIGINT, 2.5::DOUBLE, NULL::VARCHAR)::VARCHAR"
FIX = "reinstall milex or rebuild with `milex data build`"


def load_table(db: duckdb.DuckDBPyConnection, path: Path) -> None:
    """The Parquet file as the table ``observations``; a file DuckDB cannot read is a
    SnapshotError naming it (a flipped byte usually breaks its compression or metadata)."""
    import duckdb

    try:
        db.execute(f"CREATE TABLE {TABLE} AS SELECT * FROM read_parquet(?)", [str(path)])
    except duckdb.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SnapshotError(f"snapshot damaged: {path} cannot be read ({reason}); {FIX}") from None


def _columns(db: duckdb.DuckDBPyConnection) -> list[str]:
    return [d[0] for d in db.execute(f"SELECT * FROM {TABLE} LIMIT 0").description]


def _quoted(columns: list[str]) -> str:
    return ", ".join('"' + c.replace('"', '""') + '"' for c in columns)


def _md5_sum(db: duckdb.DuckDBPyConnection, columns: list[str]) -> str:
    """Sum of each row's MD5 (low 64 bits) over its text; stable across DuckDB versions."""
    parts = [
        f"coalesce(printf('%.17g', \"{c}\"), chr(0))"
        if c == "value"
        else f'coalesce(CAST("{c}" AS VARCHAR), chr(0))'
        for c in columns
    ]
    row = db.execute(
        f"SELECT coalesce(sum(md5_number_lower(concat_ws(chr(31), {', '.join(parts)}))), 0)"
        f"::VARCHAR FROM {TABLE}"
    ).fetchone()
    return str(row[0]) if row else "0"


def record(path: Path) -> dict[str, str]:
    """The content checksum of a Parquet file, for its descriptor (computed at build time by
    loading it exactly as a reader will)."""
    import duckdb

    db = duckdb.connect(":memory:", config={"threads": 1})
    try:
        load_table(db, path)
        columns = _columns(db)
        counts = _counts(db, columns)
        if counts[0] != counts[1] and (message := _duplicates_message(db, path, 0)):
            raise SnapshotError(message)
        probe = db.execute(PROBE).fetchone()
        return {
            "hash_sum": counts[2],
            "hash_probe": str(probe[0]) if probe else "",
            "md5_sum": _md5_sum(db, columns),
            "columns": ",".join(columns),
        }
    finally:
        db.close()


def _counts(db: duckdb.DuckDBPyConnection, columns: list[str]) -> tuple[int, int, str]:
    """(rows, distinct key hashes, sum of row hashes) in one scan of the table."""
    row = db.execute(
        f"SELECT count(*), count(DISTINCT hash({_quoted(list(KEY))})), "
        f"coalesce(sum(hash({_quoted(columns)})), 0)::VARCHAR FROM {TABLE}"
    ).fetchone()
    assert row is not None  # an aggregate always answers one row
    return int(row[0]), int(row[1]), str(row[2])


def _duplicates_message(db: duckdb.DuckDBPyConnection, path: Path, suspected: int) -> str | None:
    """The error for rows whose key repeats, with examples; None if the distinct-hash count was a
    collision and no key truly repeats."""
    key = _quoted(list(KEY))
    rows = db.execute(
        f"SELECT {key}, count(*) AS n FROM {TABLE} GROUP BY ALL HAVING count(*) > 1 "
        f"ORDER BY ALL LIMIT 3"
    ).fetchall()
    if not rows:
        return None
    total = db.execute(
        f"SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM {TABLE} "
        f"GROUP BY {key} HAVING count(*) > 1)"
    ).fetchone()
    extra = int(total[0]) if total else suspected
    examples = "; ".join(" ".join(str(v) for v in r[:-1]) + f" ({r[-1]} times)" for r in rows)
    return (
        f"snapshot damaged: {path} has {extra:,} duplicate row(s) whose key "
        f"({', '.join(KEY)}) repeats, e.g. {examples}; {FIX}"
    )


def verify(db: duckdb.DuckDBPyConnection, path: Path, package: dict[str, Any]) -> None:
    """Check the loaded table: no key repeats, the recorded row count, the recorded checksum."""
    resources = package.get("resources", [])
    entry: dict[str, Any] = next((r for r in resources if r.get("name") == TABLE), {})
    columns = _columns(db)
    rows, distinct, hash_sum = _counts(db, columns)
    if rows != distinct:
        message = _duplicates_message(db, path, rows - distinct)
        if message:
            raise SnapshotError(message)
    recorded_rows = entry.get("rows")
    if isinstance(recorded_rows, int) and recorded_rows != rows:
        raise SnapshotError(
            f"snapshot damaged: {path} holds {rows:,} rows, its descriptor records "
            f"{recorded_rows:,}; {FIX}"
        )
    checksum = entry.get(FIELD)
    if not isinstance(checksum, dict):
        return  # written before checksums were recorded: uniqueness and row count only
    if checksum.get("columns") not in (None, ",".join(columns)):
        raise SnapshotError(
            f"snapshot damaged: {path} has columns {', '.join(columns)}, its descriptor records "
            f"{checksum.get('columns')}; {FIX}"
        )
    probe = db.execute(PROBE).fetchone()
    if probe is not None and str(probe[0]) == checksum.get("hash_probe"):
        name, expected, actual = "hash_sum", checksum.get("hash_sum"), hash_sum
    else:  # this DuckDB hashes differently from the one that built the snapshot
        name, expected, actual = "md5_sum", checksum.get("md5_sum"), _md5_sum(db, columns)
    if actual != expected:
        raise SnapshotError(
            f"snapshot damaged: the rows of {path} do not match the content checksum its "
            f"descriptor records ({name} {actual}, expected {expected}); {FIX}"
        )
