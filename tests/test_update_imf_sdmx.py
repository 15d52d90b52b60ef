"""The IMF's WEO through its SDMX 3.0 API, against a local HTTP server serving answers the tests build.

The server holds what the API answers (no network): the dataflow list
(``structure/dataflow/IMF.RES/*/*``), a one-observation probe per served version carrying the
dataset attribute PUBLICATION_DATE, and one SDMX-CSV 2.0 answer per concept (``*.NGDPD.A``).
Versions are reused across vintages, so the edition label must come from PUBLICATION_DATE.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import milex
from milex.cli import app
from milex.data import update
from milex.data.sources import imf, weo
from milex.errors import MilexError, SourceError

from .test_update import server  # noqa: F401  (the local HTTP server fixture)

TODAY = dt.date(2026, 12, 1)
HEAD = "STRUCTURE,STRUCTURE_ID,ACTION,COUNTRY,INDICATOR,FREQUENCY,TIME_PERIOD,OBS_VALUE,SCALE,"
HEAD += "LATEST_ACTUAL_ANNUAL_DATA,BASE_YEAR,PUBLICATION_DATE"
#: Poland's GDP in US$ (units, as the API sends them) in each vintage, by year.
POL_GDP = {
    "2026-04-14": {2024: 914_696_000_000, 2025: 1_003_200_000_000, 2026: 1_060_500_000_000},
    "2026-10-13": {2024: 914_696_000_000, 2025: 1_010_000_000_000, 2026: 1_080_250_000_000},
    "2025-10-14": {2024: 914_000_000_000, 2025: 990_000_000_000, 2026: 1_040_000_000_000},
}


def answer(flow: str, version: str, published: str, concept: str, stamp: bool = True) -> str:
    """One concept's SDMX-CSV 2.0 answer: Poland, Kosovo (KOS), the World aggregate."""
    ref = f"dataflow,IMF.RES:{flow}({version}),I"
    base = "2015" if concept in ("NGDP_R", "NGDP_D") else ""
    date = f"{published}T13:00:00Z" if stamp else ""
    lines = [HEAD]
    for year, gdp in POL_GDP[published].items():
        value = gdp if concept == "NGDPD" else 100.0 + year - 2024
        value = 36_600_000.0 + year - 2024 if concept == "LP" else value  # persons, as WDI's
        last = "2025" if published >= "2026-10" else "2024"
        lines.append(f"{ref},POL,{concept},A,{year},{value},9,{last},{base},{date}")
    lines.append(f"{ref},KOS,{concept},A,2026,12.5,0,2024,{base},{date}")
    lines.append(f"{ref},G001,{concept},A,2026,1.0,0,2024,{base},{date}")
    return "\n".join(lines) + "\n"


def serve_weo(root: Path, served: list[tuple[str, str, str]]) -> None:
    """The API's answers for these (flow, version, publication date) as static files."""
    stubs = [{"id": f, "version": v, "agencyID": "IMF.RES"} for f, v, _ in served]
    stubs.append({"id": "CPI", "version": "5.0.0", "agencyID": "IMF.RES"})  # not a WEO flow
    structure = root / "sdmx/3.0/structure/dataflow/IMF.RES/*"
    structure.mkdir(parents=True, exist_ok=True)
    (structure / "*").write_text(json.dumps({"data": {"dataflows": stubs}}))
    for flow, version, published in served:
        folder = root / f"sdmx/3.0/data/dataflow/IMF.RES/{flow}/{version}"
        folder.mkdir(parents=True, exist_ok=True)
        probe = f"{HEAD}\ndataflow,IMF.RES:{flow}({version}),I,USA,NGDP_RPCH,A,2031,2.1,0,,,"
        (folder / "USA.NGDP_RPCH.A").write_text(f"{probe}{published}T13:00:00Z\n")
        for i, concept in enumerate(weo.CONCEPTS):
            # some answers leave the dataset attribute out: the probe's date is stamped on
            (folder / f"*.{concept}.A").write_text(
                answer(flow, version, published, concept, bool(i % 2))
            )


#: Two vintages (plus an archival one); the newest is served under the *lower* version number.
SERVED = [
    ("WEO", "10.0.0", "2026-04-14"),
    ("WEO", "9.0.0", "2026-10-13"),
    ("WEO_2025_OCT_VINTAGE", "1.0.0", "2025-10-14"),
]


def imf_update(base: str, out: Path, **kwargs):
    return update.update(
        "imf", out_dir=out, pages={"imf": f"{base}/sdmx/3.0"}, today=TODAY, **kwargs
    )


def test_update_takes_the_newest_vintage_and_labels_it_from_its_publication_date(
    server,  # noqa: F811
    tmp_path,
):
    base, root = server
    serve_weo(root, SERVED)
    out = tmp_path / "o"
    result = imf_update(base, out, keep_raw=tmp_path / "raw")
    assert [c.edition for c in result.changes] == ["WEO 2026-10"]
    ds = milex.load(str(out))
    gdp = ds.series("gdp_usd", "POL", "imf_weo", (2024, 2026), edition="WEO 2026-10")
    assert gdp["value"].tolist() == [914_696.0, 1_010_000.0, 1_080_250.0]  # units -> USD m
    assert gdp["flags"].tolist() == ["", "", "projection"]  # after LATEST_ACTUAL_ANNUAL_DATA
    const = ds.series("gdp_lcu_const", "POL", "imf_weo", 2026, edition="WEO 2026-10")
    assert const["unit"].tolist() == ["national currency m constant 2015"]
    assert not ds.series("gdp_usd", "XKX", "imf_weo", 2026, edition="WEO 2026-10").empty
    assert not ds.series("gdp_usd", "POL", "imf_weo", 2026, edition="WEO 2025-10").empty  # kept
    entry = next(s for s in result.package["sources"] if s["edition"] == "WEO 2026-10")
    assert entry["published"] == "2026-10-13" and entry["dataflow"] == "IMF.RES:WEO(9.0.0)"
    assert entry["url"].startswith(f"{base}/sdmx/3.0/data/dataflow/IMF.RES/WEO/9.0.0/")
    # the saved answer (--keep-raw) is read again by --from, labelled from its own date
    (saved,) = (tmp_path / "raw/imf").iterdir()
    again = update.update("imf", origin=saved, out_dir=tmp_path / "o2")
    figures = result.changes[0].figures
    assert [(c.edition, c.figures) for c in again.changes] == [("WEO 2026-10", figures)]


def test_latest_falls_back_only_to_the_newest_vintage_already_published(server, tmp_path):  # noqa: F811
    base, root = server
    POL_GDP["2027-04-13"] = POL_GDP["2026-10-13"]
    try:
        serve_weo(root, [*SERVED, ("WEO", "11.0.0", "2027-04-13")])  # staged, not yet out
        result = imf_update(base, tmp_path / "o")
    finally:
        del POL_GDP["2027-04-13"]
    assert [c.edition for c in result.changes] == ["WEO 2026-10"]


def test_an_explicit_vintage_is_fetched_and_an_absent_one_is_an_error(server, tmp_path):  # noqa: F811
    base, root = server
    serve_weo(root, SERVED)
    april = imf_update(base, tmp_path / "a", edition="April 2026")
    assert [c.edition for c in april.changes] == ["WEO 2026-04"]
    ds = milex.load(str(tmp_path / "a"))
    assert ds.series("gdp_usd", "POL", "imf_weo", 2026, edition="WEO 2026-04")[
        "value"
    ].tolist() == [1_060_500.0]
    with pytest.raises(MilexError) as caught:
        imf_update(base, tmp_path / "b", edition="WEO 2025-04")
    message = str(caught.value)
    assert "WEO 2025-04 is not served" in message and "\n" not in message
    assert "WEO 2026-10 (published 2026-10-13), WEO 2026-04" in message
    assert "WEO 2025-10 (published 2025-10-14)" in message
    assert not (tmp_path / "b").exists()  # never a substitute


def test_cli_absent_vintage_is_one_clear_line(server, tmp_path):  # noqa: F811
    base, root = server
    serve_weo(root, SERVED)
    args = ["data", "update", "--source", "imf", "--edition", "WEO 2024-10"]
    args += ["--page", f"imf={base}/sdmx/3.0", "--output", str(tmp_path / "o")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "WEO 2024-10 is not served by the IMF's SDMX API" in result.output
    with_nato = CliRunner().invoke(app, ["data", "update", "--source", "nato", "--edition", "x"])
    assert with_nato.exit_code != 0 and "--edition names a WEO vintage" in with_nato.output


def test_a_dataflow_list_without_weo_names_the_url(server, tmp_path):  # noqa: F811
    base, root = server
    serve_weo(root, [])
    with pytest.raises(MilexError, match=r"structure/dataflow/IMF.RES/\*/\*.*lists no WEO"):
        imf_update(base, tmp_path / "o")


def test_a_missing_concept_answer_names_the_url(server, tmp_path):  # noqa: F811
    base, root = server
    serve_weo(root, SERVED)
    (root / "sdmx/3.0/data/dataflow/IMF.RES/WEO/9.0.0/*.LP.A").unlink()
    with pytest.raises(MilexError, match=r"WEO/9.0.0/\*.LP.A answered HTTP 404"):
        imf_update(base, tmp_path / "o")


def sdmx_json(published: str | None) -> dict:
    """An SDMX-JSON 2.0 data message: Poland's NGDPD for two years."""
    attrs = {"dataSet": [{"id": "PUBLICATION_DATE", "values": [{"value": published}]}]}
    attrs["series"] = [{"id": "LATEST_ACTUAL_ANNUAL_DATA", "values": [{"id": "2025"}]}]
    dims = {
        "series": [
            {"id": "COUNTRY", "keyPosition": 0, "values": [{"id": "POL"}, {"id": "G001"}]},
            {"id": "INDICATOR", "keyPosition": 1, "values": [{"id": "NGDPD"}]},
            {"id": "FREQUENCY", "keyPosition": 2, "values": [{"id": "A"}]},
        ],
        "observation": [{"id": "TIME_PERIOD", "values": [{"id": "2025"}, {"id": "2026"}]}],
    }
    series = {
        "0:0:0": {"attributes": [0], "observations": {"0": ["1.0e12"], "1": ["1.08e12"]}},
        "1:0:0": {"attributes": [0], "observations": {"1": ["1.2e14"]}},
    }
    dataset = {"structure": 0, "attributes": [0] if published else [], "series": series}
    measures = {"observation": [{"id": "OBS_VALUE"}]}
    structure = {"dimensions": dims, "attributes": attrs, "measures": measures}
    return {"meta": {}, "data": {"structures": [structure], "dataSets": [dataset]}}


def test_a_saved_sdmx_json_answer_is_read_and_labelled_from_its_date(tmp_path, registry):
    path = tmp_path / "weo.json"
    path.write_text(json.dumps(sdmx_json("2026-10-13T13:00:00Z")))
    obs = imf.parse_bulk(path, registry)
    assert set(obs["edition"]) == {"WEO 2026-10"} and set(obs["iso3"]) == {"POL"}
    gdp = obs.set_index("year")
    assert gdp["value"].to_dict() == {2025: 1_000_000.0, 2026: 1_080_000.0}
    assert gdp.loc[2026, "flags"] == "projection" and gdp.loc[2025, "flags"] == ""
    path.write_text(json.dumps(sdmx_json(None)))
    with pytest.raises(SourceError, match="no PUBLICATION_DATE.*never guessed from the download"):
        imf.parse_bulk(path, registry)
    assert set(imf.parse_bulk(path, registry, edition="WEO 2026-04")["edition"]) == {"WEO 2026-04"}


def test_a_repeated_observation_is_refused_naming_the_row(tmp_path, registry):
    text = answer("WEO", "9.0.0", "2026-10-13", "NGDPD")
    lines = text.splitlines()
    path = tmp_path / "weo.csv"
    path.write_text("\n".join([*lines, lines[1]]) + "\n")
    with pytest.raises(SourceError, match=r"weo.csv \[row 7\]: POL NGDPD 2024 repeats row 2"):
        imf.parse_bulk(path, registry)
    mixed = text.replace("2026-10-13T", "2026-04-14T", 1)
    path.write_text(mixed)
    with pytest.raises(SourceError, match="more than one WEO in one file"):
        imf.parse_bulk(path, registry)


def test_a_series_without_its_last_actual_year_takes_its_countrys(tmp_path, registry):
    gdp = answer("WEO", "9.0.0", "2026-10-13", "NGDPD").splitlines()  # last actual 2025
    people = answer("WEO", "9.0.0", "2026-10-13", "LP").replace(",2025,,", ",,,").splitlines()
    path = tmp_path / "weo.csv"
    path.write_text("\n".join([*gdp, *people[1:]]) + "\n")
    obs = imf.parse_bulk(path, registry)
    pop = obs[(obs["measure"] == "population") & (obs["iso3"] == "POL")].set_index("year")
    assert pop["flags"].to_dict() == {2024: "", 2025: "", 2026: "projection"}
