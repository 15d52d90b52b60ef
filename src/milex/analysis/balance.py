"""Threat balance: NATO, its European and EU parts against Russia, China, Iran and North Korea.

Totals per year and bloc at market exchange rates (SIPRI current and constant US$) and at
purchasing-power parity (SIPRI local-currency spending divided by the GDP PPP conversion factor
of the IMF WEO or the World Bank), with each bloc's ratio to a reference bloc (default ``CRINK``,
the four together). One source (SIPRI) on both sides, so neither is flattered by a definition.

Missing figures stay missing: a bloc total sums the members that have a figure, says which do
not (``status`` is ``complete``, ``partial`` or ``no data``), and is never padded with zeros. A
user may lay an overlay (``milex.analysis.overlay``) over the publisher's figures; those rows keep
``source="user:<name>"`` and every total that uses them lists them in ``user_data``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from milex.analysis._arguments import (
    check_choice,
    check_years,
    parse_list,
    resolve_groups,
    year_ranges,
)
from milex.data.registry import NO_ARMED_FORCES, no_forces_note
from milex.errors import MilexError
from milex.result import Result

if TYPE_CHECKING:
    import pandas as pd

    from milex.data.overlay import Overlay
    from milex.data.store import Dataset

BASES = ("mer_current", "mer_constant", "ppp")
BASIS_CHOICES: dict[str, tuple[str, ...]] = {
    "mer": ("mer_current", "mer_constant"),
    "ppp": ("ppp",),
    "both": BASES,
}
BASIS_MEASURE = {"mer_current": "milex_usd", "mer_constant": "milex_usd_const", "ppp": "milex_lcu"}
BASIS_LABEL = {
    "mer_current": "market exchange rates, current US$",
    "mer_constant": "market exchange rates, constant US$",
    "ppp": "purchasing-power parity (GDP PPP conversion factor)",
}
DEFAULT_BLOCS = ("NATO", "NATO_EU_CA", "EU27", "RUS", "CHN", "IRN", "PRK", "CRINK")
PPP_SOURCES = ("imf_weo", "worldbank")
SPENDING_SOURCE = "sipri"
PPP_UNIT = "international USD m"
PPP_CAVEAT = (
    "PPP caveat: the conversion factor is the GDP PPP (prices of the whole economy), not a "
    "military PPP; it ignores what soldiers, fuel and weapons cost, and overstates the buying "
    "power of spending on imported or internationally priced equipment. Read PPP totals as an "
    "upper bound of relative effort, not as equivalent capability."
)
#: A local-currency figure whose implied exchange rate (SIPRI local currency / SIPRI US$) is
#: further than this factor from the IMF's market rate is in another unit or currency: excluded.
UNIT_TOLERANCE = 2.0
#: Beyond this relative gap the two exchange rates are noted (e.g. Iran's multiple rates).
RATE_NOTE_GAP = 0.2
TOTAL_COLUMNS = (
    "year", "bloc", "bloc_name", "basis", "value", "unit", "status", "members",
    "members_with_data", "missing", "excluded", "user_data", "flags", "reference",
    "reference_status", "ratio",
)  # fmt: skip
COUNTRY_COLUMNS = (
    "year", "iso3", "basis", "value", "unit", "source", "edition", "flags", "milex_lcu",
    "ppp_factor", "ppp_source",
)  # fmt: skip


@dataclass(frozen=True)
class ThreatBalance(Result):
    """Bloc totals per year and basis, the country figures behind them, and the notes."""

    chart_kind: ClassVar[str] = "threat-balance"

    totals: pd.DataFrame
    countries: pd.DataFrame
    notes: tuple[str, ...]
    blocs: tuple[str, ...]
    bases: tuple[str, ...]
    reference: str
    years: tuple[int, int]
    editions_used: tuple[tuple[str, str], ...] = field(default=())
    citations: tuple[dict[str, str], ...] = ()

    def frame(self) -> pd.DataFrame:
        """Totals of the requested blocs: one row per year, bloc and basis (stable columns)."""
        return self.totals[self.totals["bloc"].isin(self.blocs)].reset_index(drop=True)

    def ratios(self, numerator: str = "NATO") -> pd.DataFrame:
        """``numerator : reference`` per year and basis, with both totals' status."""
        import pandas as pd

        top = self.totals[self.totals["bloc"] == numerator]
        if top.empty:
            raise MilexError(f"{numerator!r} is not among the compared blocs {self.blocs}")
        ref = self.totals[self.totals["bloc"] == self.reference]
        merged = pd.merge(
            top, ref, on=["year", "basis"], suffixes=("", "_reference"), validate="one_to_one"
        )
        return pd.DataFrame(
            {
                "year": merged["year"],
                "basis": merged["basis"],
                "numerator": numerator,
                "reference": self.reference,
                "numerator_value": merged["value"],
                "reference_value": merged["value_reference"],
                "unit": merged["unit"],
                "ratio": merged["ratio"],
                "numerator_status": merged["status"],
                "reference_status": merged["status_reference"],
            }
        )

    def ppp_to_market(self) -> pd.DataFrame:
        """Per country and year: PPP total over current-US$ total (market rate / PPP factor)."""
        wide = self.countries.pivot_table(
            index=["iso3", "year"], columns="basis", values="value", aggfunc="first"
        )
        if not {"ppp", "mer_current"} <= set(wide.columns):
            raise MilexError("ppp_to_market needs basis='both' (market and PPP figures)")
        out = wide[["mer_current", "ppp"]].dropna().reset_index()
        out.columns.name = None
        return out.assign(ratio=out["ppp"] / out["mer_current"])

    def sources(self) -> list[dict[str, Any]]:
        return [dict(s) for s in self.citations]


def threat_balance(
    ds: Dataset,
    blocs: str | Sequence[str] = DEFAULT_BLOCS,
    basis: str = "both",
    years: tuple[int | None, int | None] | int | None = None,
    *,
    ppp_source: str = "imf_weo",
    overlays: Sequence[Overlay] = (),
    reference: str = "CRINK",
    include_uncertain: bool = False,
    include_secondary: bool = False,
) -> ThreatBalance:
    """Bloc totals at market and PPP rates with ratios to ``reference`` (see the module doc).

    ``blocs`` are bloc codes (NATO, NATO_EU_CA, EU, EU27, CRINK) or countries; ``basis`` is
    ``mer``, ``ppp`` or ``both``; ``years`` a year or a (first, last) range (either end may be
    None). SIPRI figures it marks highly uncertain (North Korea's) are left out unless
    ``include_uncertain``; secondary restatements unless ``include_secondary``.
    """
    import pandas as pd

    check_choice(basis, tuple(BASIS_CHOICES), "basis")
    check_choice(ppp_source, PPP_SOURCES, "ppp_source")
    registry = ds.registry
    wanted = resolve_groups(registry, parse_list(blocs, "blocs"), "blocs")
    ref = resolve_groups(registry, [reference], "reference")[0]
    all_groups = list(dict.fromkeys([*wanted, ref]))
    extra = [int(y) for o in overlays for y in o.frame["year"]]
    span = check_years(
        ds,
        years,
        SPENDING_SOURCE,
        [BASIS_MEASURE[b] for b in BASES],
        extra,
        include_secondary=include_secondary,
    )
    countries = sorted(
        set().union(*(_ever(registry, g) for g in all_groups)) - set(NO_ARMED_FORCES)
    )
    query = _Query(ds, countries, span, tuple(overlays), ppp_source, include_secondary)
    bases = BASIS_CHOICES[basis]
    frames = [query.rows(b, include_uncertain) for b in bases]
    rows = pd.concat(frames, ignore_index=True)
    if rows.empty:
        raise MilexError(
            f"no SIPRI figures for {', '.join(wanted)} in {span[0]}-{span[1]} on basis {basis!r}"
        )
    totals = _totals(registry, rows, all_groups, bases, ref)
    notes = [*_summary_notes(totals, rows, bases, overlays), *query.notes, *query.dropped_notes()]
    used = tuple(sorted(set(zip(rows["source"], rows["edition"], strict=True)) | query.used))
    return ThreatBalance(
        totals=totals,
        countries=rows[list(COUNTRY_COLUMNS)].reset_index(drop=True),
        notes=tuple(dict.fromkeys(notes)),
        blocs=tuple(wanted),
        bases=bases,
        reference=ref,
        years=(int(rows["year"].min()), int(rows["year"].max())),
        editions_used=used,
        citations=tuple(ds.citations(used)),
    )


# ----------------------------------------------------------------------------------------------
def _ever(registry: Any, group: str) -> set[str]:
    return registry.ever_members(group) if group in registry.bloc_codes else {group}


def _members(registry: Any, group: str, year: int) -> list[str]:
    return registry.members(group, year) if group in registry.bloc_codes else [group]


@dataclass
class _Query:
    """One comparison's inputs, and the notes and dropped figures collected on the way."""

    ds: Dataset
    countries: list[str]
    span: tuple[int, int]
    overlays: tuple[Overlay, ...]
    ppp_source: str
    include_secondary: bool
    notes: list[str] = field(default_factory=list)
    dropped: dict[tuple[str, str], set[int]] = field(default_factory=dict)
    used: set[tuple[str, str]] = field(default_factory=set)

    def series(self, measure: str, source: str) -> pd.DataFrame:
        """Publisher rows with the overlays laid over them; replacements are noted."""
        from milex.analysis.overlay import series_with_overlays

        frame, replaced = series_with_overlays(
            self.ds,
            measure,
            self.countries,
            source,
            self.span,
            self.overlays,
            include_secondary=self.include_secondary,
        )
        self.notes += replaced
        return frame

    def rows(self, basis: str, include_uncertain: bool) -> pd.DataFrame:
        """Country figures for one basis, in the output's country columns."""
        frame = self.series(BASIS_MEASURE[basis], SPENDING_SOURCE)
        frame = self.clean(frame, include_uncertain).assign(
            basis=basis, milex_lcu=float("nan"), ppp_factor=float("nan"), ppp_source=""
        )
        if basis == "mer_constant" and frame["unit"].nunique() > 1:
            users = sorted({s for s in frame["source"] if s.startswith("user:")})
            raise MilexError(
                "constant-US$ figures in different base years cannot be added: "
                f"{sorted(set(frame['unit']))}"
                + (f"; check the unit in {', '.join(users)}" if users else "")
            )
        return self.to_ppp(frame) if basis == "ppp" else frame

    def clean(self, rows: pd.DataFrame, include_uncertain: bool) -> pd.DataFrame:
        """Drop publisher zeros and (by default) figures the publisher marks highly uncertain."""
        user = rows["source"].str.startswith("user:")
        uncertain = ~user & rows["flags"].str.contains("uncertain", regex=False)
        zero = ~user & (rows["value"] == 0)
        drop = zero | (uncertain & (not include_uncertain))
        for iso3, year, is_zero in zip(
            rows.loc[drop, "iso3"], rows.loc[drop, "year"], zero[drop], strict=True
        ):
            reason = "zero" if is_zero else "uncertain"
            self.dropped.setdefault((iso3, reason), set()).add(int(year))
        return rows[~drop].reset_index(drop=True)

    def dropped_notes(self) -> list[str]:
        texts = {
            "zero": "reported as 0, treated as no data",
            "uncertain": "SIPRI marks its figures highly uncertain; left out "
            "(include_uncertain=True or --include-uncertain uses them)",
        }
        return [
            f"{iso3} {year_ranges(years)}: {texts[reason]}"
            for (iso3, reason), years in sorted(self.dropped.items())
        ]

    def to_ppp(self, lcu: pd.DataFrame) -> pd.DataFrame:
        """Local-currency spending over the PPP factor, after checking the local-currency units."""
        import numpy as np

        lcu = _check_lcu_units(self, lcu)
        factors = self.series("ppp_factor", self.ppp_source)
        self.used |= set(zip(factors["source"], factors["edition"], strict=True))
        factor = {
            (i, int(y)): (float(v), str(s))
            for i, y, v, s in factors[["iso3", "year", "value", "source"]].itertuples(index=False)
        }
        keys = list(zip(lcu["iso3"], lcu["year"].astype(int), strict=True))
        have = [k in factor for k in keys]
        lacking: dict[str, list[int]] = {}
        for (iso3, year), ok in zip(keys, have, strict=True):
            if not ok:
                lacking.setdefault(iso3, []).append(year)
        if lacking:
            self.notes.append(
                f"no {self.ppp_source} PPP factor, so no PPP figure, for "
                + "; ".join(f"{i} {year_ranges(y)}" for i, y in lacking.items())
            )
        out = lcu.loc[np.asarray(have, dtype=bool)].copy()  # a plain [] would drop the columns
        found = [factor[k] for k, ok in zip(keys, have, strict=True) if ok]
        out["milex_lcu"] = out["value"]
        out["ppp_factor"] = [f for f, _ in found]
        out["ppp_source"] = [s for _, s in found]
        out["value"] = out["milex_lcu"] / out["ppp_factor"]
        out["unit"] = PPP_UNIT
        return out


def _check_lcu_units(query: _Query, lcu: pd.DataFrame) -> pd.DataFrame:
    """Check local-currency figures against the IMF's exchange rates before PPP conversion.

    Each figure's implied exchange rate (local currency / SIPRI US$) is compared with the IMF
    market rate (GDP in national currency / GDP in US$). An edition whose median ratio sits at a
    power of ten is mislabelled (as SIPRI's currency-unit sheet once was before the parser stored
    it in millions): an error, not a silent rescale. A single figure more than
    ``UNIT_TOLERANCE`` times off (another currency, a redenomination) is left out with a note.
    """
    import numpy as np

    if lcu.empty:
        return lcu
    ds, countries, years = query.ds, query.countries, query.span
    notes = query.notes
    usd = _lookup(ds.series("milex_usd", countries, SPENDING_SOURCE, years, include_secondary=True))
    imf = [ds.series(m, countries, "imf_weo", years) for m in ("gdp_lcu", "gdp_usd")]
    query.used |= {(s, e) for f in imf for s, e in zip(f["source"], f["edition"], strict=True)}
    gdp_lcu, gdp_usd = (_lookup(f) for f in imf)
    lcu = lcu.copy()
    ratios = []
    for iso3, year, value in lcu[["iso3", "year", "value"]].itertuples(index=False):
        key = (iso3, int(year))
        try:
            ratios.append((value / usd[key]) / (gdp_lcu[key] / gdp_usd[key]))
        except (KeyError, ZeroDivisionError):
            ratios.append(float("nan"))
    lcu["_ratio"] = ratios
    for (source, edition), group in lcu.groupby(["source", "edition"]):
        checked = group["_ratio"].dropna()
        checked = checked[checked > 0]
        if len(checked) < 3:
            continue
        power = float(np.log10(checked.median()))
        k = round(power)
        if k != 0 and k % 3 == 0 and abs(power - k) < 0.15:
            raise MilexError(
                f"{source} {edition}: local-currency figures are 10^{k} times their stated unit "
                f"(their exchange rates against US$ are 10^{k} times the IMF's, median of "
                f"{len(checked)} figures); rebuild the snapshot with a corrected parser"
            )
    bad = (lcu["_ratio"] > UNIT_TOLERANCE) | (lcu["_ratio"] < 1 / UNIT_TOLERANCE)
    for iso3, year, ratio in lcu.loc[bad, ["iso3", "year", "_ratio"]].itertuples(index=False):
        notes.append(
            f"{iso3} {year}: local-currency figure implies an exchange rate {ratio:.3g} times the "
            "IMF's (another currency or unit?); left out of PPP"
        )
    off = ~bad & ((lcu["_ratio"] - 1).abs() > RATE_NOTE_GAP)
    for iso3 in dict.fromkeys(lcu.loc[off, "iso3"]):
        yrs = lcu.loc[off & (lcu["iso3"] == iso3), "year"]
        notes.append(
            f"{iso3} {year_ranges(yrs)}: SIPRI's exchange rate differs from the IMF's by more than "
            f"{RATE_NOTE_GAP:.0%} (e.g. multiple official rates); PPP figures do not use it"
        )
    return lcu[~bad].drop(columns="_ratio")


def _lookup(frame: pd.DataFrame) -> dict[tuple[str, int], float]:
    return {
        (i, int(y)): float(v)
        for i, y, v in frame[["iso3", "year", "value"]].itertuples(index=False)
    }


def _totals(
    registry: Any, rows: pd.DataFrame, groups: list[str], bases: tuple[str, ...], ref: str
) -> pd.DataFrame:
    import pandas as pd

    records = []
    for basis in bases:
        part = rows[rows["basis"] == basis]
        if part.empty:
            continue
        unit = str(part["unit"].iloc[0])
        index = {
            (i, int(y)): (v, s, f)
            for i, y, v, s, f in part[["iso3", "year", "value", "source", "flags"]].itertuples(
                index=False
            )
        }
        for year in sorted({int(y) for y in part["year"]}):
            for group in groups:
                records.append(_total(registry, index, group, year, basis, unit))
    totals = pd.DataFrame.from_records(records)
    ref_rows = totals[totals["bloc"] == ref].set_index(["year", "basis"])
    keys = pd.MultiIndex.from_frame(totals[["year", "basis"]])
    totals["reference"] = ref
    totals["reference_status"] = ref_rows["status"].reindex(keys).to_numpy()
    totals["ratio"] = totals["value"].to_numpy() / ref_rows["value"].reindex(keys).to_numpy()
    return totals[list(TOTAL_COLUMNS)]


def _total(
    registry: Any,
    index: dict[tuple[str, int], tuple[float, str, str]],
    group: str,
    year: int,
    basis: str,
    unit: str,
) -> dict[str, Any]:
    members = _members(registry, group, year)
    excluded = [m for m in members if m in NO_ARMED_FORCES]
    counted = [m for m in members if m not in NO_ARMED_FORCES]
    have = [m for m in counted if (m, year) in index]
    missing = [m for m in counted if (m, year) not in index]
    figures = [index[(m, year)] for m in have]
    status = "no data" if not have else ("partial" if missing else "complete")
    flags = sorted({f for _, _, fl in figures for f in fl.split(";") if f})
    return {
        "year": year,
        "bloc": group,
        "bloc_name": registry.name(group),
        "basis": basis,
        "value": sum(v for v, _, _ in figures) if have else float("nan"),
        "unit": unit,
        "status": status,
        "members": len(counted),
        "members_with_data": len(have),
        "missing": ",".join(missing),
        "excluded": ",".join(excluded),
        "user_data": ",".join(
            m for m, (_, s, _) in zip(have, figures, strict=True) if s.startswith("user:")
        ),
        "flags": ";".join(flags),
    }


def _summary_notes(
    totals: pd.DataFrame, rows: pd.DataFrame, bases: tuple[str, ...], overlays: Sequence[Overlay]
) -> list[str]:
    """Sources, coverage, the PPP caveat, exclusions, gaps per group and user data used."""
    notes = [f"Spending: {SPENDING_SOURCE} on both sides; NATO and SIPRI figures are never mixed."]
    if "ppp" in bases:
        notes.append(PPP_CAVEAT)
    for basis in bases:
        yrs = rows.loc[rows["basis"] == basis, "year"]
        if len(yrs):
            notes.append(f"{basis} ({BASIS_LABEL[basis]}): figures for {year_ranges(yrs)}")
    excluded = sorted({e for x in totals["excluded"] for e in x.split(",") if e})
    if excluded:
        notes.append(no_forces_note(excluded))
    for group in dict.fromkeys(totals["bloc"]):
        part = totals[totals["bloc"] == group]
        nodata = part[part["status"] == "no data"]
        if len(nodata):
            spans = [
                f"{b} {year_ranges(nodata.loc[nodata['basis'] == b, 'year'])}"
                for b in dict.fromkeys(nodata["basis"])
            ]
            notes.append(f"{group}: no data ({'; '.join(spans)}): shown as 'no data', never 0")
        partial = part[part["status"] == "partial"]
        gaps: dict[str, set[int]] = {}
        for year, missing in zip(partial["year"], partial["missing"], strict=True):
            for iso3 in missing.split(","):
                gaps.setdefault(iso3, set()).add(int(year))
        if gaps:
            listed = ", ".join(f"{i} ({year_ranges(y)})" for i, y in sorted(gaps.items()))
            notes.append(
                f"{group}: partial totals, the sum of members with figures; none for {listed}"
            )
    for overlay in overlays:
        used = rows[rows["source"] == overlay.source]
        if len(used):
            what = "; ".join(
                f"{i} {y} {b}"
                for i, y, b in used[["iso3", "year", "basis"]].itertuples(index=False)
            )
            notes.append(
                f"User data ({overlay.source}, {overlay.edition}; source: "
                f"{'; '.join(overlay.citations)}): {what}"
            )
    return notes
