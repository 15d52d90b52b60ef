"""The Dataset: DuckDB over the verified snapshot, answering queries with tidy pandas DataFrames."""

from __future__ import annotations

import contextlib
import difflib
import functools
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from milex.data import _rowcheck as rowcheck
from milex.data.bundle import resource_path
from milex.data.registry import Registry, default_registry
from milex.data.schema import COLUMNS, MEASURE_IDS, SOURCES
from milex.data.snapshot import read_package
from milex.errors import QueryError

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

CITATION_KEYS = ("source", "edition", "citation", "url", "licence")
Years = int | range | tuple[int, int] | Iterable[int] | None
Countries = str | Iterable[str] | None


class Dataset:
    """A snapshot of observations, queried by measure, country or bloc, source and years."""

    def __init__(self, path: Path, package: dict[str, Any], registry: Registry) -> None:
        import duckdb

        self.path = path
        self.package = package
        self.registry = registry
        # one DuckDB thread per query: the table is small (0.2 M rows), so more threads cost more
        # to start than they save, and a web server's threads each run their own queries
        self._db: duckdb.DuckDBPyConnection = duckdb.connect(":memory:", config={"threads": 1})
        # loaded once into a table (50 ms for the bundle): a view would re-read and decode the
        # Parquet file on every query, and the tracker and prepare() run dozens of them. Snapshots
        # are written in STORAGE_ORDER, so the table keeps the file's order rather than sorting
        # (0.1 s); an older snapshot in another order gives the same answers, a little slower.
        rowcheck.load_table(self._db, path)
        rowcheck.verify(self._db, path, package)  # unique keys, row count, content checksum
        self._editions: tuple[str, ...] | None = None  # read once: the snapshot never changes
        self._best = best_clause(package)

    @classmethod
    def open(cls, directory: str | Path | None = None) -> Dataset:
        """The snapshot in ``directory``, else $MILEX_DATA_DIR, else the user's, else the bundled.

        The user's is the one `milex data update` writes (`milex.data.update.user_snapshot_dir()`).
        """
        from milex.data.update._locate import choose_snapshot

        directory = choose_snapshot(directory)[0]
        path, package = read_package(Path(directory) if directory else None)
        countries = resource_path(path.parent, package, "countries")
        registry = Registry.from_files(countries) if directory else default_registry()
        return cls(path, package, registry)

    def __repr__(self) -> str:
        return f"<milex.Dataset {self.path} ({self.package['resources'][0]['rows']} observations)>"

    # -------------------------------------------------------------------------------------------
    def sql(self, query: str, params: list[Any] | None = None) -> pd.DataFrame:
        """Run SQL against the ``observations`` view (DuckDB dialect); safe from many threads.

        A DuckDB connection serves one call at a time, so each call gets its own cursor on the
        same in-memory database (the web server answers requests from a thread pool).
        """
        with self._cursor() as cursor:
            return cursor.execute(query, params or []).df()

    def sql_records(self, query: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        """``sql`` as a list of row dicts, without pandas: the cold CLI commands that print a
        table (`milex tracker`, `milex project`) need not import it (0.3 s)."""
        with self._cursor() as cursor:
            cursor.execute(query, params or [])
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]

    @contextlib.contextmanager
    def _cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor on the in-memory database for one call, closed by the thread that used it.

        Not one kept per thread: a kept cursor is destroyed when its thread ends, and DuckDB
        closes it with the GIL released. A thread that ends while the interpreter exits (a
        server's worker threads, stopped at exit) cannot take the GIL back, Python unwinds it
        from inside DuckDB's C++ and the process aborts ("FATAL: exception not rethrown", exit
        134). A cursor costs some 10-60 us against a query's milliseconds.
        """
        cursor = self._db.cursor()
        try:
            yield cursor
        finally:
            cursor.close()

    def observations(self) -> pd.DataFrame:
        """The whole table, sorted by its key."""
        return self.sql(
            f"SELECT {', '.join(COLUMNS)} FROM observations "
            "ORDER BY iso3, year, measure, source, edition"
        )

    def status(self) -> pd.DataFrame:
        """Figure counts and year spans per source and edition."""
        return self.sql("""
            SELECT source, edition, count(*) AS figures, count(DISTINCT iso3) AS countries,
                   count(DISTINCT measure) AS measures, min(year) AS first_year,
                   max(year) AS last_year
            FROM observations GROUP BY source, edition ORDER BY source, edition""")

    def citations(self, used: Iterable[tuple[str, str]] | pd.DataFrame) -> list[dict[str, str]]:
        """Provenance (source, edition, citation, URL, licence) of the (source, edition) pairs used.

        ``used`` is a set of pairs or a frame with source and edition columns. Entries follow the
        snapshot's order; a pair the snapshot does not describe (a user overlay) keeps just its
        source and edition, so nothing used goes uncited.
        """
        pairs: list[tuple[str, str]]
        if hasattr(used, "columns"):  # a DataFrame, told apart without importing pandas
            frame: Any = used
            pairs = list(zip(frame["source"], frame["edition"], strict=True))
        else:
            pairs = list(used)
        wanted = dict.fromkeys((str(s), str(e)) for s, e in pairs)
        out = []
        for entry in self.package.get("sources", []):
            key = (entry["source"], entry["edition"])
            if key in wanted:
                out.append({k: str(entry[k]) for k in CITATION_KEYS if k in entry})
                wanted.pop(key)
        out += [{"source": s, "edition": e} for s, e in wanted]
        return out

    def measures(self) -> list[str]:
        return list(self.sql("SELECT DISTINCT measure FROM observations ORDER BY 1")["measure"])

    def latest_year(self, measure: str, source: str, *, include_secondary: bool = False) -> int:
        """The latest year with figures for a measure from a source."""
        clause = "" if include_secondary else "AND flags NOT LIKE '%secondary%'"
        with self._cursor() as cursor:
            row = cursor.execute(
                f"SELECT max(year) AS y FROM observations WHERE measure = ? AND source = ? {clause}",
                [measure, source],
            ).fetchone()
        out = None if row is None else row[0]
        if out is None:
            raise QueryError(f"no {source} figures for {measure}")
        return int(out)

    # -------------------------------------------------------------------------------------------
    def series(
        self,
        measure: str,
        countries: Countries = None,
        source: str | None = None,
        years: Years = None,
        *,
        edition: str = "best",
        include_secondary: bool = True,
    ) -> pd.DataFrame:
        """Tidy rows of one measure: iso3, year, measure, source, edition, value, unit, flags, origin.

        ``countries`` takes ISO3 codes, names in any publisher's spelling, or bloc codes (NATO,
        NATO_EU_CA, EU, EU27, CRINK), as a list or a comma-separated string; a bloc keeps each
        country only in the years it was a member. Sources are never merged: each keeps its rows.
        ``edition="best"`` keeps one figure per country-year and source, a publisher's own file
        before a secondary restatement, then the newest edition; ``"all"`` keeps every edition; any
        other value keeps only that edition.
        """
        import numpy as np

        query, params, member = self._series_query(
            measure, countries, source, years, edition, include_secondary
        )
        frame = self.sql(query, params)
        if member is not None:
            keep = [member(c, y) for c, y in zip(frame["iso3"], frame["year"], strict=True)]
            frame = frame.loc[np.asarray(keep, dtype=bool)]
        return frame.reset_index(drop=True)

    def series_records(
        self,
        measure: str,
        countries: Countries = None,
        source: str | None = None,
        years: Years = None,
        *,
        edition: str = "best",
        include_secondary: bool = True,
    ) -> list[dict[str, Any]]:
        """``series`` as a list of row dicts, without pandas: a cold ``milex project`` need not
        import it (0.3 s) for the few hundred figures a projection reads."""
        query, params, member = self._series_query(
            measure, countries, source, years, edition, include_secondary
        )
        rows = self.sql_records(query, params)
        return rows if member is None else [r for r in rows if member(r["iso3"], r["year"])]

    def _series_query(
        self,
        measure: str,
        countries: Countries,
        source: str | None,
        years: Years,
        edition: str,
        include_secondary: bool,
    ) -> tuple[str, list[Any], Callable[[str, int], bool] | None]:
        """The SQL of ``series`` and, for a bloc, the ``member(iso3, year)`` test that SQL does
        not say: each member only in its years of membership (None without a bloc)."""
        self._check_measure(measure)
        where: list[str] = ["measure = ?"]
        params: list[Any] = [measure]
        if source is not None:
            if source not in SOURCES and not source.startswith("user:"):
                raise QueryError(f"unknown source {source!r}; known: {', '.join(SOURCES)}")
            where.append("source = ?")
            params.append(source)
        if not include_secondary:
            where.append("flags NOT LIKE '%secondary%'")
        year_set = _years(years)
        if year_set is not None and len(year_set) == max(year_set) - min(year_set) + 1:
            where.append("year BETWEEN ? AND ?")
            params += [min(year_set), max(year_set)]
        elif year_set is not None:  # years with gaps
            where.append(f"year IN ({', '.join('?' * len(year_set))})")
            params += sorted(year_set)
        codes, blocs = self._countries(countries)
        if codes is not None:
            members = set(codes).union(*(self.registry.ever_members(b) for b in blocs))
            where.append(f"iso3 IN ({', '.join('?' * len(members))})")
            params += sorted(members)
        if edition not in ("best", "all"):
            self._check_edition(edition)
            where.append("edition = ?")
            params.append(edition)
        query = (
            f"SELECT {', '.join(COLUMNS)} FROM observations WHERE {' AND '.join(where)} "
            f"{self._best if edition == 'best' else ''} ORDER BY iso3, year, source, edition"
        )
        if not blocs:
            return query, params, None
        registry, own = self.registry, set(codes or ())

        @functools.cache
        def allowed(year: int) -> frozenset[str]:
            return frozenset(c for b in blocs for c in registry.members(b, year))

        def member(iso3: str, year: int) -> bool:
            return iso3 in own or iso3 in allowed(int(year))

        return query, params, member

    def definitions(self, used: Iterable[tuple[str, str]] | pd.DataFrame) -> dict[str, str]:
        """The definition each (source, edition) used records in datapackage.json, by edition.

        ``used`` is a set of pairs or a frame with source and edition columns (a ``series``).
        Only editions that record one are listed (NATO's); two different values in one result
        mean it crosses a definition break, which every presenter must show.
        """
        if hasattr(used, "columns"):  # a DataFrame, told apart without importing pandas
            frame: Any = used
            used = set(zip(frame["source"], frame["edition"], strict=True))
        recorded = {
            (s.get("source"), s.get("edition")): s["definition"]
            for s in self.package.get("sources", [])
            if s.get("definition")
        }
        return {e: recorded[(src, e)] for src, e in sorted(used) if (src, e) in recorded}

    def aggregate(self, measure: str, code: str, source: str, years: Years = None) -> pd.DataFrame:
        """A publisher's own aggregate rows (e.g. NATO's ``NATO`` or ``NATO_EU_CA``), unexpanded."""
        frame = self.sql(*self._aggregate_query(measure, code, source))
        year_set = _years(years)
        if year_set is not None:
            frame = frame[frame["year"].isin(year_set)]
        return frame.reset_index(drop=True)

    def aggregate_records(
        self, measure: str, code: str, source: str, years: Years = None
    ) -> list[dict[str, Any]]:
        """``aggregate`` as a list of row dicts, without pandas."""
        rows = self.sql_records(*self._aggregate_query(measure, code, source))
        year_set = _years(years)
        return rows if year_set is None else [r for r in rows if r["year"] in year_set]

    def _aggregate_query(self, measure: str, code: str, source: str) -> tuple[str, list[Any]]:
        self._check_measure(measure)
        return (
            f"SELECT {', '.join(COLUMNS)} FROM observations WHERE measure = ? AND source = ? "
            f"AND iso3 = ? {self._best} ORDER BY year",
            [measure, source, code],
        )

    def wide(
        self,
        measure: str,
        countries: Countries = None,
        source: str | None = None,
        years: Years = None,
        **kwargs: Any,
    ) -> pd.DataFrame:
        """The same figures as ``series``, one row per country (and source), one column per year."""
        tidy = self.series(measure, countries, source, years, **kwargs)
        index = ["iso3", "source"] if tidy["source"].nunique() > 1 or source is None else ["iso3"]
        table = tidy.pivot_table(index=index, columns="year", values="value", aggfunc="first")
        table.columns.name = None
        return table

    # -------------------------------------------------------------------------------------------
    def editions(self, source: str | None = None) -> list[str]:
        """Every edition label in the snapshot (of one source, if given), sorted."""
        if source is None:
            return list(self._all_editions())
        frame = self.sql(
            "SELECT DISTINCT edition FROM observations WHERE source = ? ORDER BY 1", [source]
        )
        return [str(e) for e in frame["edition"]]

    def _all_editions(self) -> tuple[str, ...]:
        if self._editions is None:
            frame = self.sql("SELECT DISTINCT edition FROM observations ORDER BY 1")
            self._editions = tuple(str(e) for e in frame["edition"])
        return self._editions

    def _check_edition(self, edition: str) -> None:
        known = self.editions()
        if edition not in known:
            close = difflib.get_close_matches(edition, known, n=3, cutoff=0.4)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise QueryError(f"unknown edition {edition!r}{hint} (see `milex data status`)")

    def _check_measure(self, measure: str) -> None:
        if measure not in MEASURE_IDS:
            close = difflib.get_close_matches(measure, sorted(MEASURE_IDS), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise QueryError(f"unknown measure {measure!r}{hint} (see `milex data measures`)")

    def _countries(self, countries: Countries) -> tuple[list[str] | None, list[str]]:
        """Split a country argument into ISO3 codes and bloc codes (None: no filter)."""
        from milex.data.registry import split_names

        if countries is None:
            return None, []
        items = [
            c.strip()
            for c in (
                split_names(countries, self.registry) if isinstance(countries, str) else countries
            )
            if c.strip()
        ]
        if not items:
            raise QueryError("countries is empty")
        blocs = [i.upper() for i in items if i.upper() in self.registry.bloc_codes]
        rest = [i for i in items if i.upper() not in self.registry.bloc_codes]
        resolved = self.registry.resolve_all(rest, "countries") if rest else {}
        return sorted(set(resolved.values())), blocs


def best_clause(package: dict[str, Any]) -> str:
    """The SQL that keeps one figure per country-year and source: a publisher's own file before a
    secondary restatement, then the edition published last.

    Editions are ordered by the publication date their datapackage entry records (else the date
    retrieved), never by their label: "SG Annual Report 2025 (2026-03-26)" would sort above
    "2014-2026 (2026-07)" as text. An edition the package does not describe (a user overlay)
    orders by its label, after the described ones of the same date.
    """
    dated = {
        str(s["edition"]): str(s.get("published") or s.get("retrieved") or s["edition"])
        for s in package.get("sources", [])
        if s.get("edition")
    }
    cases = " ".join(
        f"WHEN {_literal(edition)} THEN {_literal(date)}" for edition, date in sorted(dated.items())
    )
    when = f"CASE edition {cases} ELSE edition END" if cases else "edition"
    return (
        "QUALIFY row_number() OVER (PARTITION BY iso3, year, source "
        f"ORDER BY contains(flags, 'secondary'), {when} DESC, edition DESC) = 1"
    )


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _years(years: Years) -> set[int] | None:
    if years is None:
        return None
    if isinstance(years, int):
        return {years}
    if isinstance(years, tuple) and len(years) == 2:
        first, last = years
        if first > last:
            raise QueryError(f"year range {first}-{last} runs backwards")
        return set(range(int(first), int(last) + 1))
    out = {int(y) for y in years}
    if not out:
        raise QueryError("years is empty")
    return out


def _quote(path: Path) -> str:
    return re.sub("'", "''", str(path))
