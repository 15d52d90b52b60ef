"""One engine interface: ``engine="auto"|"numpy"|"compiled"``, chosen per call, never by process
settings; "auto" loads the compiled engine in the background after a first run, every routine at
once; a one-shot run takes what is fastest for it; without numba everything runs on NumPy; the
result names the engine and the seed."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import milex
from milex.projection import Scenario, engine, project
from milex.projection import _kernel as kernel
from milex.projection.engine import simulate

from .test_projection_engine import NO_NUMBA, make_inputs, shocks


@pytest.fixture
def fresh_loader(monkeypatch):
    """A process in which the compiled engine was never loaded (numba's own import stays)."""
    monkeypatch.setattr(kernel, "_LOADER", kernel._Loader())
    return kernel._LOADER


@pytest.fixture
def no_numba(monkeypatch, fresh_loader):
    """numba not installed: what ``sys.modules["numba"] = None`` does to the lookup."""
    monkeypatch.setattr(kernel, "_installed", lambda: False)


def test_without_numba_every_choice_but_compiled_runs_numpy(no_numba):
    inputs, sh = make_inputs(), shocks(paths=500)
    for name in ("auto", "numpy"):
        out = simulate(inputs, sh, engine=name)
        assert out.engine == "numpy" and out.seed == sh.seed and out.method == "exact"
    assert kernel._LOADER.thread is None  # nothing to load in the background
    assert engine.fastest_for_one_run(10**7) == "numpy"
    with pytest.raises(RuntimeError, match="needs numba, which is not installed"):
        simulate(inputs, sh, engine="compiled")


def test_a_broken_numba_says_why_once_and_auto_falls_back_to_numpy(monkeypatch, fresh_loader):
    def broken():
        raise ImportError("numba built for another NumPy")

    monkeypatch.setattr(kernel, "_installed", lambda: True)
    monkeypatch.setattr(kernel, "_import", broken)
    monkeypatch.setattr(engine, "_WARNED", set())
    inputs, sh = make_inputs(), shocks(paths=300)
    with pytest.raises(RuntimeError, match="failed to load: numba built for another NumPy"):
        simulate(inputs, sh, engine="compiled")
    assert not kernel.available()
    with pytest.warns(UserWarning, match="failed to load"):
        assert simulate(inputs, sh, engine="auto").engine == "numpy"
    assert simulate(inputs, sh, engine="auto").engine == "numpy"  # warned once
    with pytest.warns(UserWarning, match="failed to load"):
        assert not kernel.warm()  # the web server's start-up load: a warning, not a crash


def test_an_unknown_engine_is_refused():
    with pytest.raises(ValueError, match="engine must be one of auto, numpy, compiled"):
        simulate(make_inputs(), shocks(), engine="fast")  # type: ignore[arg-type]


@NO_NUMBA
def test_auto_runs_numpy_then_loads_the_compiled_engine_in_the_background(fresh_loader):
    inputs, sh = make_inputs(), shocks(paths=3000, generator="sobol")
    first = simulate(inputs, sh)
    assert first.engine == "numpy"
    loader = fresh_loader.thread
    assert loader is not None and loader.name == "milex-engine-load" and not loader.daemon
    loader.join(120)
    assert kernel.ready()
    second = simulate(inputs, sh)
    assert second.engine == "compiled"
    # the same seed, the same numbers, whichever engine ran
    assert second.quantiles.tobytes() == first.quantiles.tobytes()
    assert second.central.tobytes() == first.central.tobytes()


@NO_NUMBA
def test_a_run_large_enough_to_pay_for_loading_loads_at_once(monkeypatch, fresh_loader):
    monkeypatch.setattr(kernel, "cached", lambda: True)
    assert not engine.pays(1_000) and engine.pays(200_000)
    monkeypatch.setattr(engine, "pays", lambda paths: paths >= 2_000)
    assert simulate(make_inputs(), shocks(paths=2_000)).engine == "compiled"
    assert fresh_loader.thread is None


@NO_NUMBA
def test_a_one_shot_run_takes_numpy_unless_loading_pays_and_never_loads_in_the_background(
    monkeypatch, fresh_loader
):
    monkeypatch.setattr(kernel, "cached", lambda: True)
    assert engine.fastest_for_one_run(10_000) == "numpy"
    assert fresh_loader.thread is None and not kernel.ready()
    monkeypatch.setattr(kernel, "cached", lambda: False)  # a first compile costs more
    assert not engine.pays(100_000) and engine.pays(1_000_000)
    monkeypatch.setattr(kernel, "cached", lambda: True)
    assert engine.fastest_for_one_run(100_000) == "compiled" and kernel.ready()
    assert engine.fastest_for_one_run(10) == "compiled"  # loaded: the fastest from then on


@NO_NUMBA
def test_every_routine_is_compiled_when_the_engine_loads(fresh_loader):
    """No run after loading compiles anything: every mode and generator, read-only inputs as
    ``prepare_cached`` hands them out, another size of model."""
    k = kernel.load()
    dispatchers = [getattr(k, name) for name in kernel.ROUTINES]
    before = [len(d.signatures) for d in dispatchers]
    assert all(before)
    inputs = make_inputs(countries=5, years=7, real_growth=True)
    for array in (inputs.gdp0, inputs.growth, inputs.inflation, inputs.fx, inputs.fx_const):
        array.flags.writeable = False
    for design in ({"generator": "pcg64"}, {"generator": "sobol"}, {"antithetic": False}):
        for memory_limit in (2**30, 1):
            out = simulate(inputs, shocks(paths=5000, **design), memory_limit=memory_limit,
                           engine="compiled")  # fmt: skip
            assert out.engine == "compiled"
    assert [len(d.signatures) for d in dispatchers] == before


def test_the_result_names_its_engine_and_seed(dataset):
    scenario = Scenario(countries=["DEU"], uncertainty={"paths": 300, "seed": 7})
    result = project(scenario, dataset, engine="numpy")
    assert result.engine == "numpy" and result.seed == 7
    assert "Engine: NumPy, seed 7, 300 paths" in " ".join(result.notes)
    assert result.meta()["engine"] == "numpy" and result.meta()["seed"] == 7
    assert "engine numpy, seed 7" in repr(result)


@NO_NUMBA
def test_the_compiled_result_says_so_and_has_the_same_figures(dataset):
    scenario = Scenario(countries=["DEU", "POL"], uncertainty={"paths": 3000, "seed": 3})
    plain = project(scenario, dataset, engine="numpy")
    fast = project(scenario, dataset, engine="compiled")
    assert fast.engine == "compiled" and "Engine: compiled (numba), seed 3" in " ".join(fast.notes)
    assert fast.quantiles.tobytes() == plain.quantiles.tobytes()


def test_milex_project_shows_the_engine_option():
    parameters = inspect.signature(milex.project).parameters
    assert parameters["engine"].default == "auto"
    assert parameters["engine"].kind is inspect.Parameter.KEYWORD_ONLY
    assert '"auto"' in milex.project.__doc__ and '"compiled"' in milex.project.__doc__


def test_chart_without_the_presentation_layer_says_what_to_load(monkeypatch, dataset):
    from milex import chart_registry

    monkeypatch.delitem(chart_registry._BUILDERS, "projection-fan", raising=False)  # put back
    monkeypatch.setattr(chart_registry, "_LOADERS", [])  # no public face to fill the slot
    res = project(Scenario(countries=["DEU"], uncertainty={"paths": 100}), dataset)
    with pytest.raises(RuntimeError, match="charts are drawn by milex.present.charts"):
        res.chart()


def test_a_result_draws_its_chart_even_when_its_builders_slot_was_emptied(monkeypatch, dataset):
    """The public face fills chart_registry on demand, whatever was imported before."""
    pytest.importorskip("altair")
    import milex.present.charts.projection  # loaded before the slot is emptied
    from milex import chart_registry

    monkeypatch.delitem(chart_registry._BUILDERS, "projection-fan", raising=False)  # put back
    res = milex.project(Scenario(countries=["DEU"], uncertainty={"paths": 100}), dataset)
    spec = res.chart("DEU").to_dict()
    assert spec and np.isfinite(res.quantiles).all()


@NO_NUMBA
def test_a_script_that_makes_one_run_and_ends_never_imports_numba():
    """The background load waits a moment after the first run: a script ending then leaves
    without importing numba (its exit would wait for the import), and exits 0."""
    import subprocess
    import sys

    code = (
        "import atexit, sys\n"
        "atexit.register(lambda: print('numba' in sys.modules))\n"  # after threads are joined
        "import milex\n"
        "r = milex.project({'countries': ['DEU'], 'uncertainty': {'paths': 300}})\n"
        "print(r.engine)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout.split() == ["numpy", "False"]


@NO_NUMBA
def test_a_run_that_comes_while_the_engine_loads_from_the_cache_waits_for_it(
    monkeypatch, fresh_loader
):
    """The web server loads the engine as it starts (``kernel.warm``): a request meanwhile waits
    for it (about a second from numba's cache) instead of running NumPy beside the load."""
    import threading

    monkeypatch.setattr(kernel, "cached", lambda: True)
    started, release = threading.Event(), threading.Event()
    real = kernel._import

    def slow():
        started.set()
        release.wait(30)
        return real()

    monkeypatch.setattr(kernel, "_import", slow)
    warming = threading.Thread(target=kernel.warm)
    warming.start()
    assert started.wait(30) and kernel.loading()
    threading.Timer(0.2, release.set).start()
    out = simulate(make_inputs(), shocks(paths=500))
    warming.join(60)
    assert out.engine == "compiled"


def test_one_shot_charts_and_reports_pick_the_engine_of_a_one_run_process(monkeypatch, tmp_path):
    """`milex chart` and `milex report` run one projection and end, as `milex project` does:
    the scenario's paths decide, never a background load."""
    from milex.projection import engine as engines

    seen = []
    monkeypatch.setattr(engines, "fastest_for_one_run", lambda paths: seen.append(paths) or "numpy")
    assert engines.one_run_engine(None) == "numpy"
    assert engines.one_run_engine({"uncertainty": {"paths": 300}}) == "numpy"
    toml = tmp_path / "s.toml"
    toml.write_text("[uncertainty]\npaths = 1200\n")
    assert engines.one_run_engine(toml) == "numpy"
    assert seen == [Scenario().uncertainty.paths, 300, 1200]
