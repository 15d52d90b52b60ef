"""Every command on bad input: one line naming the file, field or parameter; never a traceback.

A table of cases, each a command line, the files it reads (written into a fresh directory) and
what the one-line error must name. Every case also checks the exit status (2 for usage errors,
1 otherwise), that nothing new is written, and that the command ends within a generous bound
(an alarm, so a runaway model fails the test instead of hanging it). A few cases that would
allocate without their size caps run in a subprocess with a memory limit.
"""

from __future__ import annotations

import errno
import os
import resource
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import CliRunner

from milex.cli import app

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
DATA = ROOT / "src" / "milex" / "data" / "bundled"
CAPACITY = (EXAMPLES / "industry" / "eu-155mm.toml").read_text(encoding="utf-8")
POOLING = (EXAMPLES / "industry" / "pooling-eu.toml").read_text(encoding="utf-8")
SCENARIO = (EXAMPLES / "hague-2035.toml").read_text(encoding="utf-8")
DEEP_TOML = "a = " + "[" * 5000 + "]" * 5000 + "\n"
DEEP_INLINE = "a = " + "{x = " * 3000 + "1" + "}" * 3000 + "\n"
OVERLAY_HEAD = "country,year,measure,value,source\n"
#: Seconds any one case may take: generous, it only catches a runaway computation.
BOUND = 120


@dataclass
class Case:
    id: str
    args: list[str]
    names: list[str]  # text the error line must contain (file, location, field, choices)
    files: dict[str, str | bytes] = field(default_factory=dict)
    code: int = 1
    snapshot: dict[str, str | bytes | None] | None = None  # a copied snapshot, files replaced


def capacity(old: str, new: str) -> str:
    assert old in CAPACITY, old
    return CAPACITY.replace(old, new, 1)


def pooling(old: str, new: str) -> str:
    assert old in POOLING, old
    return POOLING.replace(old, new, 1)


def scenario(extra: str) -> str:
    return SCENARIO + "\n" + extra


BUYERS = "".join(f'\n[[buyers]]\nname = "b{i}"\nquantity = {{ value = 10, source = "assumption" }}\n'
                 for i in range(1001))  # fmt: skip
LONG_UNCERTAIN = capacity('end = "2030-12"', 'end = "2121-11"')  # 1,199 months, lead times drawn
INITIAL = "initial = { value = 300_000,"

CASES = [
    # usage errors: one line, exit 2, the valid choices
    Case("unknown command", ["bogus"], ["No such command 'bogus'", "tracker", "industry"], code=2),
    Case("unknown data command", ["data", "bogus"], ["'bogus'", "status", "export"], code=2),
    Case("unknown option", ["tracker", "--frmat", "csv"], ["--frmat", "--format"], code=2),
    Case("format not a choice", ["tracker", "--format", "xml"], ["'xml'", "csv", "parquet"], code=2),
    Case("year not a number", ["tracker", "--year", "abc"], ["--year", "integer"], code=2),
    Case("missing argument", ["country"], ["Missing argument", "country"], code=2),
    Case("unknown industry command", ["industry", "bogus"], ["'bogus'", "capacity"], code=2),
    Case("paths not a number", ["project", "--paths", "nan"], ["--paths"], code=2),
    Case("from not a number", ["burden", "--from", "x"], ["--from"], code=2),
    Case("missing option", ["series"], ["--measure"], code=2),
    Case("scale not a number", ["chart", "tracker", "--scale", "big"], ["--scale"], code=2),
    # scenario files
    Case("scenario not UTF-8", ["project", "--scenario", "s.toml"], ["s.toml", "UTF-8"],
         {"s.toml": b'title = "\xff\xfe"\n'}),
    Case("scenario nested too deep", ["project", "--scenario", "s.toml"], ["s.toml", "nested"],
         {"s.toml": DEEP_TOML}),
    Case("scenario bad TOML", ["project", "--scenario", "s.toml"], ["TOML", "line 1"],
         {"s.toml": "horizon = = 2035\n"}),
    Case("scenario unknown key", ["project", "--scenario", "s.toml"], ["colour"],
         {"s.toml": scenario("colour = 'red'")}),
    Case("scenario inf", ["project", "--scenario", "s.toml"], ["growth_sd_pct"],
         {"s.toml": SCENARIO.replace("growth_sd_pct = 1.5", "growth_sd_pct = inf")}),
    Case("scenario nan", ["project", "--scenario", "s.toml"], ["correlation"],
         {"s.toml": SCENARIO.replace("correlation = 0.6", "correlation = nan")}),
    Case("scenario zero paths", ["project", "--scenario", "s.toml"], ["paths"],
         {"s.toml": SCENARIO.replace("paths = 10000", "paths = 0")}),
    Case("scenario is a directory", ["project", "--scenario", "d"], ["d"], {"d/x": ""}),
    Case("scenario missing", ["project", "--scenario", "none.toml"], ["none.toml", "not found"]),
    Case("scenario unknown country", ["project", "--scenario", "s.toml"], ["Narnia"],
         {"s.toml": 'bloc = ""\ncountries = ["Narnia"]\n'}),
    # capacity models
    Case("capacity not UTF-8", ["industry", "capacity", "c.toml"], ["c.toml", "UTF-8"],
         {"c.toml": b"\xff\xfe title"}),
    Case("capacity nested too deep", ["industry", "capacity", "c.toml"], ["c.toml", "nested"],
         {"c.toml": DEEP_TOML}),
    Case("capacity bad TOML", ["industry", "capacity", "c.toml"], ["c.toml", "TOML"],
         {"c.toml": "title = 'x\n"}),
    Case("capacity huge figure", ["industry", "capacity", "c.toml"], ["capacity.initial.value"],
         {"c.toml": capacity(INITIAL, "initial = { value = 1e308,")}),
    Case("capacity inf", ["industry", "capacity", "c.toml"], ["capacity.initial.value"],
         {"c.toml": capacity(INITIAL, "initial = { value = inf,")}),
    Case("capacity nan", ["industry", "capacity", "c.toml"], ["capacity.initial.value"],
         {"c.toml": capacity(INITIAL, "initial = { value = nan,")}),
    Case("capacity too many path-months", ["industry", "capacity", "c.toml", "--paths", "100000"],
         ["path-months", "fewer paths"], {"c.toml": LONG_UNCERTAIN}),
    Case("capacity unknown item", ["industry", "capacity", "c.toml"], ["item", "laser"],
         {"c.toml": capacity('item = "shell_155mm"', 'item = "laser"')}),
    Case("capacity ends before start", ["industry", "capacity", "c.toml"], ["end", "before"],
         {"c.toml": capacity('end = "2030-12"', 'end = "2021-12"')}),
    Case("capacity unknown key", ["industry", "capacity", "c.toml"], ["colour"],
         {"c.toml": "colour = 1\n" + CAPACITY}),
    Case("capacity missing", ["industry", "capacity", "none.toml"], ["none.toml", "not found"]),
    Case("capacity zero paths", ["industry", "capacity", "c.toml", "--paths", "0"], ["paths"],
         {"c.toml": CAPACITY}),
    # pooling models
    Case("pooling tiny step", ["industry", "pooling", "p.toml"], ["sensitivity.step", "at most"],
         {"p.toml": pooling("step = 0.05", "step = 1e-300")}),
    Case("pooling too many buyers", ["industry", "pooling", "p.toml"], ["buyers"],
         {"p.toml": POOLING + BUYERS}),
    Case("pooling learning rate", ["industry", "pooling", "p.toml"], ["learning_rate"],
         {"p.toml": pooling("value = 0.85", "value = 1.5")}),
    Case("pooling inf cost", ["industry", "pooling", "p.toml"], ["first_unit_cost"],
         {"p.toml": pooling("value = 30_000_000", "value = inf")}),
    Case("pooling not UTF-8", ["industry", "pooling", "p.toml"], ["p.toml", "UTF-8"],
         {"p.toml": b"\xff" + POOLING.encode()}),
    Case("pooling nested too deep", ["industry", "pooling", "p.toml"], ["p.toml", "nested"],
         {"p.toml": DEEP_INLINE}),
    Case("pooling huge quantity", ["industry", "pooling", "p.toml"], ["quantity"],
         {"p.toml": pooling("value = 40,", "value = 100_000_000_000_000_000_000,")}),
    # user CSV overlays
    Case("overlay not UTF-8", ["compare", "--overlay", "o.csv"], ["o.csv", "UTF-8"],
         {"o.csv": b"\xff\xfe,a\n"}),
    Case("overlay missing columns", ["compare", "--overlay", "o.csv"], ["o.csv", "source"],
         {"o.csv": "iso3,year,measure,value\nDEU,2024,milex_usd,1\n"}),
    Case("overlay bad number", ["compare", "--overlay", "o.csv"], ["o.csv", "abc"],
         {"o.csv": OVERLAY_HEAD + "Ukraine,2024,milex_usd,abc,mine\n"}),
    Case("overlay keeps brackets", ["compare", "--overlay", "o.csv"], ["o.csv", "[row 3, col 2]"],
         {"o.csv": OVERLAY_HEAD + "Ukraine,2024,milex_usd,\"[row 3, col 2]\",mine\n"}),
    Case("overlay inf", ["compare", "--overlay", "o.csv"], ["o.csv", "inf"],
         {"o.csv": OVERLAY_HEAD + "Ukraine,2024,milex_usd,inf,mine\n"}),
    Case("overlay is a directory", ["compare", "--overlay", "d"], ["d"], {"d/x": ""}),
    Case("overlay missing", ["compare", "--overlay", "none.csv"], ["none.csv"]),
    Case("overlay empty", ["compare", "--overlay", "o.csv"], ["o.csv"], {"o.csv": ""}),
    # snapshots given by MILEX_DATA_DIR
    Case("datapackage not JSON", ["tracker"], ["datapackage.json", "JSON"],
         snapshot={"datapackage.json": "{not json"}),
    Case("datapackage missing", ["tracker"], ["datapackage.json"],
         snapshot={"datapackage.json": None}),
    Case("datapackage not UTF-8", ["tracker"], ["datapackage.json"],
         snapshot={"datapackage.json": b"\xff\xfe{}"}),
    Case("datapackage nested too deep", ["tracker"], ["datapackage.json"],
         snapshot={"datapackage.json": "[" * 100_000 + "]" * 100_000}),
    Case("parquet damaged", ["tracker"], ["observations", "sha256"],
         snapshot={"observations*.parquet": b"PAR1 damaged"}),
    Case("countries.csv damaged", ["series", "--measure", "milex_pct_gdp", "--country", "DEU"],
         ["countries"], snapshot={"countries*.csv": b"\xff\xfe not a csv"}),
    Case("snapshot directory missing", ["tracker"], ["no-such-snapshot"],
         snapshot={"": "no-such-snapshot"}),
    # outputs
    Case("output is a directory", ["tracker", "--format", "csv", "--output", "d"],
         ["d", "directory"], {"d/x": ""}),
    Case("output directory missing", ["burden", "--format", "csv", "--output", "none/x.csv"],
         ["none"]),
    Case("output extension unknown", ["reconcile", "--output", "x.txt"], ["x.txt", "csv"]),
    Case("chart extension unknown", ["chart", "tracker", "--output", "x.gif"], ["x.gif", ".png"]),
    Case("chart output is a directory", ["chart", "tracker", "--output", "d.png"],
         ["d.png", "directory"], {"d.png/x": ""}),
    Case("report extension unknown", ["report", "--output", "x.doc"], ["x.doc"]),
    Case("export to a directory", ["data", "export", "--output", "d"], ["d", "directory"],
         {"d/x": ""}),
    # names and parameters
    Case("unknown country", ["series", "--measure", "milex_pct_gdp", "--country", "Narnia"],
         ["Narnia"]),
    Case("dissolved state", ["series", "--measure", "milex_pct_gdp", "--country", "Soviet Union"],
         ["Soviet Union", "Russia (RUS)", "Ukraine (UKR)"]),
    Case("unknown measure", ["series", "--measure", "milex_pct"], ["milex_pct", "milex_pct_gdp"]),
    Case("unknown bloc", ["compare", "--blocs", "FOO"], ["FOO", "NATO", "CRINK"]),
    Case("tracker bloc", ["tracker", "--bloc", "EU"], ["'EU'", "NATO_EU_CA"]),
    Case("unknown view", ["burden", "--view", "nope"], ["nope", "olson"]),
    Case("unknown source", ["burden", "--source", "imf"], ["imf", "sipri"]),
    Case("year and range", ["burden", "--year", "2020", "--from", "2019"], ["--year", "--from"]),
    Case("unknown sort column", ["tracker", "--sort", "nope"], ["nope", "rank"]),
    Case("unknown chart", ["chart", "nope", "--output", "x.png"], ["nope", "tracker"]),
    Case("unknown country profile", ["country", "Narnia"], ["Narnia"]),
    Case("cite unknown result", ["cite", "--for", "nope"], ["nope", "tracker"]),
    Case("cite year alone", ["cite", "--year", "2024"], ["--year", "--for"]),
    Case("data build missing raw", ["data", "build", "--raw", "none", "--output", "out"], ["none"]),
]  # fmt: skip


def _write(base: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = base / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def _snapshot(base: Path, replaced: dict[str, str | bytes | None]) -> str:
    if "" in replaced:
        return str(base / str(replaced[""]))
    target = base / "snapshot"
    target.mkdir()
    for item in DATA.iterdir():
        if item.is_file():
            shutil.copy(item, target / item.name)
    for pattern, content in replaced.items():  # a pattern: file names carry their hash
        found = sorted(target.glob(pattern))
        assert len(found) == 1, (pattern, found)
        if content is None:
            found[0].unlink()
        else:
            _write(target, {found[0].name: content})
    return str(target)


def _listing(base: Path) -> set[tuple[str, int]]:
    return {(str(p.relative_to(base)), p.stat().st_size) for p in base.rglob("*")}


@pytest.fixture
def alarm():
    """Fail a case that runs longer than BOUND seconds instead of letting it hang."""

    def expired(signum, frame):
        raise TimeoutError(f"a bad input ran for more than {BOUND} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(BOUND)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def assert_one_line_error(result, case: Case) -> str:
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{case.id}: raised {result.exception!r}"
    )
    assert result.exit_code == case.code, (case.id, result.exit_code, result.output)
    err = result.stderr.strip()
    assert "Traceback" not in result.output + err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), (case.id, err)
    for part in case.names:
        assert part in lines[0], (case.id, part, lines[0])
    return lines[0]


def test_the_table_covers_at_least_sixty_cases_across_commands_and_file_types():
    assert len(CASES) >= 60
    assert len({c.id for c in CASES}) == len(CASES)
    commands = {c.args[0] for c in CASES}
    assert {"project", "industry", "compare", "tracker", "series", "chart", "data", "cite"} <= (
        commands
    )


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_gives_one_line_naming_it(case, tmp_path, monkeypatch, alarm):
    _write(tmp_path, case.files)
    env = {"COLUMNS": "80"}
    if case.snapshot is not None:
        env["MILEX_DATA_DIR"] = _snapshot(tmp_path, case.snapshot)
    before = _listing(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, case.args, env=env)
    assert_one_line_error(result, case)
    assert _listing(tmp_path) == before, f"{case.id}: wrote files"


def refuse_under(directory, code: int):
    """os.replace failing with ``code`` for files in ``directory`` only: patching it for the whole
    process would also fail other threads' writes (numba saving its cache, say)."""
    real = os.replace

    def replace(src, dst, *args, **kwargs):
        if Path(os.path.abspath(dst)).resolve().is_relative_to(Path(directory).resolve()):
            raise OSError(code, os.strerror(code))
        return real(src, dst, *args, **kwargs)

    return replace


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (errno.ENOSPC, "no space left on the device"),
        (errno.EROFS, "the file system is read-only"),
        (errno.EACCES, "Permission denied"),
    ],
)
@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx", "parquet"])
def test_a_failed_write_names_the_file_and_leaves_nothing(tmp_path, monkeypatch, code, reason, fmt):
    monkeypatch.setattr("milex.data.atomic.os.replace", refuse_under(tmp_path, code))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["reconcile", "--output", f"gaps.{fmt}"])
    case = Case("write", [], [f"gaps.{fmt}", reason])
    assert_one_line_error(result, case)
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_while_drawing_a_chart_names_the_file(tmp_path, monkeypatch):
    monkeypatch.setattr("milex.data.atomic.os.replace", refuse_under(tmp_path, errno.ENOSPC))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["chart", "tracker", "--output", "t.svg"])
    assert_one_line_error(result, Case("chart", [], ["t.svg", "no space left"]))
    assert list(tmp_path.iterdir()) == []


def _limit_memory() -> None:  # pragma: no cover - runs in the child
    two_gb = 2 * 1024**3
    resource.setrlimit(resource.RLIMIT_AS, (two_gb, two_gb))


@pytest.mark.parametrize(
    ("name", "text", "args", "expected"),
    [
        ("big.toml", LONG_UNCERTAIN, ["capacity", "--paths", "100000"], "path-months"),
        ("step.toml", pooling("step = 0.05", "step = 1e-300"), ["pooling"], "sensitivity.step"),
    ],
)
def test_models_that_would_blow_up_stop_early_within_memory(tmp_path, name, text, args, expected):
    """Before the caps these needed gigabytes or never ended; now they stop under 2 GB."""
    model = tmp_path / name
    model.write_text(text, encoding="utf-8")
    command = [sys.executable, "-m", "milex", "industry", args[0], str(model), *args[1:]]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=BOUND, preexec_fn=_limit_memory,
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().count("\n") == 0 and expected in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]
