"""The Monte Carlo engine on synthetic inputs: exact by hand, deterministic, and its properties."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from milex.projection import _kernel as kernel
from milex.projection._numpy_engine import NumpyEngine
from milex.projection._quantiles import sorted_quantiles
from milex.projection.engine import QUANTILES, EngineInputs, Shocks, simulate

MONEY = (
    "gdp",
    "spending",
    "spending_const",
    "extra",
    "extra_const",
    "cum_extra",
    "cum_extra_const",
)


@dataclass
class Part:
    name: str
    share: np.ndarray
    real: np.ndarray
    base_share: np.ndarray


def make_inputs(
    *,
    countries: int = 3,
    years: int = 5,
    gdp0: np.ndarray | None = None,
    seed: int = 0,
    real_growth: bool = False,
    groups: bool = True,
) -> EngineInputs:
    """Plausible random inputs: growth 0-4%, inflation 0-5%, shares rising from 1-4% to 3.5%."""
    rng = np.random.default_rng(seed)
    T1, C = years + 1, countries
    base = rng.uniform(0.01, 0.04, C)
    steps = np.linspace(0, 1, T1)[:, None]
    share = base + (0.035 - base) * steps
    real = np.zeros((T1, C))
    gdp0 = rng.uniform(10, 5000, C) if gdp0 is None else gdp0
    if real_growth:  # the last country grows spending 3% a year in real terms
        share[1:, -1] = 0.0
        real[1:, -1] = base[-1] * gdp0[-1] * 1.03 ** np.arange(1, T1)
    return EngineInputs(
        years=np.arange(2024, 2024 + T1),
        gdp0=gdp0,
        growth=rng.uniform(0.0, 0.04, (T1 - 1, C)),
        inflation=rng.uniform(0.0, 0.05, (T1 - 1, C)),
        fx=rng.uniform(0.5, 2.0, (T1, C)),
        fx_const=rng.uniform(0.5, 2.0, C),
        parts=(Part("core", 100 * share, real, 100 * base),),
        groups=(
            (("ALL", np.arange(C)), ("HEAD", np.arange(C - 1)), ("EVEN", np.arange(0, C, 2)))
            if groups and C > 2
            else (("ALL", np.arange(C)),)
            if groups
            else ()
        ),
    )


#: every generator and design: property tests run on each
DESIGNS = [
    pytest.param({"generator": "pcg64"}, id="pcg64-antithetic"),
    pytest.param({"generator": "pcg64", "antithetic": False}, id="pcg64-independent"),
    pytest.param({"generator": "sobol"}, id="sobol"),
]
DESIGN_DICTS = [{"generator": "pcg64"}, {"generator": "pcg64", "antithetic": False},
                {"generator": "sobol"}]  # fmt: skip


#: both engines: the NumPy path and the compiled kernel (numba is a dependency where it has wheels)
NO_NUMBA = pytest.mark.skipif(not kernel.available(), reason="numba is not installed here")
ENGINES = [
    pytest.param("numpy", id="numpy"),
    pytest.param("compiled", id="compiled", marks=NO_NUMBA),
]


def shocks(paths: int = 400, seed: int = 1, sd: float = 0.015, **kw) -> Shocks:
    return Shocks(
        sd, kw.pop("inflation_sd", sd), kw.pop("correlation", 0.5), 0.5, paths, seed, **kw
    )


def series(out, part: str, measure: str) -> int:
    return out.series.index(("" if measure == "gdp" else part, measure))


# -- a case computed by hand -------------------------------------------------------------------
def test_two_years_one_country_by_hand():
    """GDP 1000, growth 2% then 3%, inflation 1% then 2%, share 2% -> 2.5% -> 3%, fx 1."""
    inputs = EngineInputs(
        years=np.array([2024, 2025, 2026]),
        gdp0=np.array([1000.0]),
        growth=np.array([[0.02], [0.03]]),
        inflation=np.array([[0.01], [0.02]]),
        fx=np.ones((3, 1)),
        fx_const=np.ones(1),
        parts=(Part("core", np.array([[2.0], [2.5], [3.0]]), np.zeros((3, 1)), np.array([2.0])),),
    )
    out = simulate(inputs, shocks(paths=10))
    got = {m: out.central[series(out, "core", m), 0] for m in (*MONEY, "share_pct")}
    # 2025: Y = 1000 x 1.02 x 1.01 = 1030.2, P = 1.01; 2026: Y = 1030.2 x 1.03 x 1.02, P = 1.0302
    expected = {
        "gdp": [1000.0, 1030.2, 1082.32812],
        "share_pct": [2.0, 2.5, 3.0],
        "spending": [20.0, 25.755, 32.4698436],  # 2.5% of 1030.2; 3% of 1082.32812
        "spending_const": [20.0, 25.5, 31.518],  # 2.5% of 1020 (real GDP); 3% of 1050.6
        "extra": [0.0, 5.151, 10.8232812],  # 0.5% of 1030.2; 1% of 1082.32812
        "extra_const": [0.0, 5.1, 10.506],
        "cum_extra": [0.0, 5.151, 15.9742812],
        "cum_extra_const": [0.0, 5.1, 15.606],
    }
    for measure, values in expected.items():
        np.testing.assert_allclose(got[measure], values, rtol=1e-12, err_msg=measure)


def test_one_shock_by_hand():
    """A +1 pp growth and -1 pp inflation shock in the first year moves one path as computed."""
    inputs = make_inputs(countries=1, years=1, gdp0=np.array([100.0]), groups=False)
    engine = NumpyEngine(inputs, shocks())
    eg, ep = np.array([[[0.01, -0.01]]]), np.array([[[-0.01, 0.01]]])
    prim, floored = engine.levels(eg, ep)
    g, p = inputs.growth[0, 0], inputs.inflation[0, 0]
    assert prim["Y"][1, 0, 0] == pytest.approx(100 * (1 + g + 0.01) * (1 + p - 0.01), rel=1e-14)
    assert prim["P"][1, 0, 1] == pytest.approx(1 + p + 0.01, rel=1e-14)
    assert prim["R"][1, 0, 1] == pytest.approx(100 * (1 + g - 0.01), rel=1e-14)
    assert floored == 0


def test_a_collapse_beyond_ninety_percent_is_floored_and_counted():
    inputs = make_inputs(countries=1, years=1, groups=False)
    prim, floored = NumpyEngine(inputs, shocks()).levels(np.array([[[-5.0]]]), np.zeros((1, 1, 1)))
    assert floored == 1 and prim["R"][1, 0, 0] == pytest.approx(inputs.gdp0[0] * 0.1)


@pytest.mark.parametrize("generator", ["pcg64", "sobol"])
def test_shocks_have_the_stated_sd_correlation_and_persistence(generator):
    sh = Shocks(0.02, 0.01, 0.6, 0.5, 20_000, 3, generator=generator)
    eg, ep = NumpyEngine(make_inputs(countries=2, years=2), sh).draws(0, 20_000)
    assert eg[0].std() == pytest.approx(0.02, rel=0.03) and ep[0].std() == pytest.approx(
        0.01, rel=0.03
    )
    assert np.corrcoef(eg[0, 0], eg[0, 1])[0, 1] == pytest.approx(0.6, abs=0.03)
    # e2 = 0.5 e1 + u2: corr(e1, e2) = 0.5 / sqrt(1.25)
    assert np.corrcoef(eg[0, 0], eg[1, 0])[0, 1] == pytest.approx(0.5 / 1.25**0.5, abs=0.03)
    assert abs(np.corrcoef(eg[0, 0], ep[0, 0])[0, 1]) < 0.03  # growth and inflation independent


@pytest.mark.parametrize("generator", ["pcg64", "sobol"])
def test_antithetic_pairs_mirror_each_other(generator):
    eg, _ = NumpyEngine(make_inputs(), shocks(generator=generator)).draws(0, 10)
    np.testing.assert_array_equal(eg[:, :, :5], -eg[:, :, 5:])


# -- zero uncertainty --------------------------------------------------------------------------
@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("design", DESIGNS)
@pytest.mark.parametrize("real_growth", [False, True])
def test_zero_uncertainty_every_quantile_is_the_central_path(engine, real_growth, design):
    out = simulate(
        make_inputs(real_growth=real_growth), shocks(sd=0.0, paths=300, **design), engine=engine
    )
    for q in range(len(QUANTILES)):
        np.testing.assert_array_equal(out.quantiles[q], out.central)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("design", DESIGNS)
def test_zero_uncertainty_in_streaming_mode_too(engine, design):
    out = simulate(
        make_inputs(), shocks(sd=0.0, paths=9000, **design), memory_limit=1, engine=engine
    )
    assert out.method == "histogram"
    for q in range(len(QUANTILES)):
        np.testing.assert_array_equal(out.quantiles[q], out.central)


@pytest.mark.parametrize("engine", ENGINES)
def test_holding_the_share_costs_nothing_extra_on_every_path(engine):
    inputs = make_inputs()
    part = inputs.parts[0]
    held = Part("core", np.repeat(part.base_share[None], 6, axis=0), part.real, part.base_share)
    out = simulate(replace(inputs, parts=(held,)), shocks(), engine=engine)
    for measure in ("extra", "extra_const", "cum_extra", "cum_extra_const"):
        s = series(out, "core", measure)
        assert not out.central[s].any() and not out.quantiles[:, s].any(), measure


# -- the quantiles are what a brute-force computation gives -----------------------------------
@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("design", DESIGNS)
@pytest.mark.parametrize("real_growth", [False, True])
def test_quantiles_equal_numpy_quantiles_of_every_path(engine, real_growth, design):
    """Cells derived from another quantity's quantiles (affine maps) match sorting them directly."""
    inputs, sh = make_inputs(real_growth=real_growth), shocks(paths=5000, **design)
    out = simulate(inputs, sh, engine=engine)
    engine = NumpyEngine(inputs, sh)
    chunks = []
    for i, start in enumerate(range(0, sh.paths, 2048)):
        prim, _ = engine.levels(*engine.draws(i, min(2048, sh.paths - start)))
        values = engine.evaluate(prim, full=True)
        G, C = len(inputs.groups), inputs.gdp0.size
        per_path = np.empty((len(engine.series), C + G, 6, prim["Y"].shape[2]))
        for s in range(len(engine.series)):
            per_path[s, :C] = values[("series", s)].transpose(1, 0, 2)
            for g in range(G):
                per_path[s, C + g] = values[("agg", s * G + g)]
        chunks.append(per_path)
    expected = np.quantile(np.concatenate(chunks, axis=3), QUANTILES, axis=3)
    # values are sorted as float32 deviations from the central path: within 6e-8 of the
    # deviation, so within 1e-7 of each cell's p5-p95 spread (and exact where there is none)
    spread = expected[-1] - expected[0]
    assert np.all(np.abs(out.quantiles - expected) <= 1e-7 * spread + 1e-9)


@settings(max_examples=50, deadline=None)
@given(
    rows=st.integers(1, 5),
    n=st.integers(1, 300),
    levels=st.integers(1, 50),
    seed=st.integers(0, 1000),
)
def test_sorted_quantiles_are_what_numpy_quantile_gives(rows, n, levels, seed):
    """The NumPy path's one exact implementation: order statistics of the sorted rows, ties
    included, interpolated as numpy.quantile's default."""
    values = np.random.default_rng(seed).integers(0, levels, (rows, n)).astype(float) / 7
    expected = np.quantile(values, QUANTILES, axis=1)
    got = sorted_quantiles(np.sort(values, axis=1))
    np.testing.assert_allclose(got, expected, rtol=1e-15, atol=0)


@pytest.mark.parametrize("engine", ENGINES)
def test_streamed_histogram_quantiles_are_within_a_bin_of_exact(engine):
    inputs, sh = make_inputs(), shocks(paths=20_000)
    exact = simulate(inputs, sh, engine=engine)
    streamed = simulate(inputs, sh, memory_limit=1, engine=engine)
    assert (exact.method, streamed.method) == ("exact", "histogram")
    spread = exact.quantiles[-1] - exact.quantiles[0]
    assert np.all(np.abs(streamed.quantiles - exact.quantiles) <= 0.01 * spread + 1e-9)
    np.testing.assert_array_equal(streamed.central, exact.central)


# -- determinism -------------------------------------------------------------------------------
@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("design", DESIGNS)
@pytest.mark.parametrize("memory_limit", [2**30, 1])  # exact, then streamed into histograms
def test_results_do_not_depend_on_the_number_of_threads(engine, memory_limit, design):
    inputs, sh = make_inputs(), shocks(paths=15_000, **design)
    one = simulate(inputs, sh, workers=1, memory_limit=memory_limit, engine=engine)
    three = simulate(inputs, sh, workers=3, memory_limit=memory_limit, engine=engine)
    np.testing.assert_array_equal(one.quantiles, three.quantiles)


@pytest.mark.parametrize("engine", ENGINES)
def test_progress_reports_every_path(engine):
    """Reported after each chunk of at most 2,048 paths, in order, ending at the total."""
    seen = []
    simulate(
        make_inputs(),
        shocks(paths=5000),
        progress=lambda done, total: seen.append((done, total)),
        engine=engine,
    )
    done = [d for d, _ in seen]
    assert {t for _, t in seen} == {5000} and done[-1] == 5000
    assert all(0 < b - a <= 2048 for a, b in zip([0, *done], done, strict=False))


@pytest.mark.parametrize("engine", ENGINES)
@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    paths=st.integers(1, 600),
    countries=st.integers(1, 4),
    years=st.integers(1, 6),
    design=st.sampled_from(DESIGN_DICTS),
)
def test_same_seed_is_bit_identical_and_another_seed_differs(
    engine, seed, paths, countries, years, design
):
    inputs = make_inputs(countries=countries, years=years, seed=seed % 1000)
    a = simulate(inputs, shocks(paths=paths, seed=seed, **design), engine=engine)
    b = simulate(inputs, shocks(paths=paths, seed=seed, **design), engine=engine)
    assert a.quantiles.tobytes() == b.quantiles.tobytes()
    assert a.central.tobytes() == b.central.tobytes()
    c = simulate(inputs, shocks(paths=paths, seed=seed + 1, **design), engine=engine)
    gdp = series(a, "core", "gdp")
    assert not np.array_equal(a.quantiles[:, gdp, :, 1:], c.quantiles[:, gdp, :, 1:])


@pytest.mark.parametrize("engine", ENGINES)
@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    paths=st.integers(2, 500),
    sd=st.floats(0.0, 0.1),
    correlation=st.floats(0.0, 1.0),
    real_growth=st.booleans(),
    design=st.sampled_from(DESIGN_DICTS),
)
def test_quantiles_are_ordered(engine, seed, paths, sd, correlation, real_growth, design):
    inputs = make_inputs(seed=seed, real_growth=real_growth)
    sh = shocks(paths=paths, seed=seed, sd=sd, correlation=correlation, **design)
    out = simulate(inputs, sh, engine=engine)
    assert np.all(np.diff(out.quantiles, axis=0) >= 0)


@pytest.mark.parametrize("engine", ENGINES)
@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    k=st.floats(1e-3, 1e3),
    real_growth=st.booleans(),
    paths=st.integers(1, 300),
    design=st.sampled_from(DESIGN_DICTS),
)
def test_scaling_every_gdp_by_k_scales_spending_by_k(engine, seed, k, real_growth, paths, design):
    inputs = make_inputs(seed=seed, real_growth=real_growth)
    scaled = replace(inputs, gdp0=inputs.gdp0 * k)
    if real_growth:  # real spending is money too: it scales with the economy
        part = inputs.parts[0]
        scaled = replace(scaled, parts=(Part("core", part.share, part.real * k, part.base_share),))
    sh = shocks(paths=paths, seed=seed, **design)
    a, b = simulate(inputs, sh, engine=engine), simulate(scaled, sh, engine=engine)
    for measure in MONEY:
        s = series(a, "core", measure)
        # extra spending can be a small difference of large numbers: tolerance on the series' scale
        atol = 1e-9 * k * np.abs(a.quantiles[:, s]).max() + 1e-300
        np.testing.assert_allclose(b.central[s], k * a.central[s], rtol=1e-9, atol=atol)
        np.testing.assert_allclose(b.quantiles[:, s], k * a.quantiles[:, s], rtol=1e-9, atol=atol)
    s = series(a, "core", "share_pct")
    np.testing.assert_allclose(b.quantiles[:, s], a.quantiles[:, s], rtol=1e-9)


# -- the generators ----------------------------------------------------------------------------
def test_sobol_and_pcg64_give_the_same_quantiles_within_sampling_error():
    """Two unbiased designs of one model: their quantiles agree within a few standard errors."""
    inputs = make_inputs(countries=4, years=6)
    pcg = simulate(inputs, shocks(paths=40_000, generator="pcg64", antithetic=False))
    sobol = simulate(inputs, shocks(paths=40_000, generator="sobol"))
    spread = pcg.quantiles[3] - pcg.quantiles[1]  # interquartile range per cell
    # the s.e. of p5 or p95 of near-normal cells is 1.6 IQR / sqrt(n): 10 IQR / sqrt(n) is
    # 6 s.e., for the largest of ~2,000 cells (measured over seeds: at most 7 IQR / sqrt(n))
    bound = 10 * spread / np.sqrt(40_000) + 1e-9
    assert np.all(np.abs(sobol.quantiles - pcg.quantiles) <= bound[None])
    np.testing.assert_array_equal(sobol.central, pcg.central)


def test_sobol_points_are_stratified_in_every_dimension():
    """2^m scrambled Sobol' points put exactly one point in each of 2^m equal cells per axis."""
    from milex.projection._draws import Sobol

    sobol = Sobol(50, seed=3, block=4096)
    points = sobol.base() ^ sobol.shift[:, None]  # 32-bit integers: u = (x + 0.5) / 2^32
    assert all(len(np.unique(row >> 20)) == 4096 for row in points)
    z = sobol.normals(0, 4096)
    assert abs(z.mean()) < 1e-3 and z.std() == pytest.approx(1.0, abs=1e-3)


def test_sobol_draws_do_not_depend_on_chunk_boundaries_and_differ_by_seed():
    from milex.projection._draws import Sobol

    small, large = Sobol(7, seed=5, block=256), Sobol(7, seed=5, block=1024)
    joined = np.concatenate([small.normals(s, 256) for s in range(0, 1024, 256)], axis=1)
    np.testing.assert_array_equal(joined, large.normals(0, 1024))
    assert not np.array_equal(Sobol(7, seed=6, block=256).normals(0, 256), small.normals(0, 256))


def test_sobol_beyond_its_table_pads_with_pseudo_random_draws(monkeypatch):
    from milex.projection import _draws as draws

    monkeypatch.setattr(draws, "MAX_SOBOL_DIMS", 4)
    sobol = draws.Sobol(10, seed=1, block=512, rank=np.arange(10)[::-1])
    z = sobol.normals(0, 512)
    assert sobol.d == 4 and z.shape == (10, 512) and np.isfinite(z).all()
    assert np.abs(z.std(axis=1) - 1).max() < 0.1


def test_the_inverse_normal_table_is_within_3e_7_of_ndtri():
    from scipy.special import ndtri

    from milex.projection._draws import to_normal

    points = np.random.default_rng(0).integers(0, 2**32, 200_000, dtype=np.uint64)
    points = np.concatenate([points, [0, 2**32 - 1, 2**31]]).astype(np.uint32)
    exact = ndtri((points.astype(float) + 0.5) * 2.0**-32)
    assert np.abs(to_normal(points) - exact).max() < 3e-7


@pytest.mark.parametrize("dims", [1, 2, 40, 704])
def test_sobol_direction_numbers_are_scipys(dims):
    """Read from SciPy's table without importing scipy.stats, computed to the same numbers."""
    from scipy.stats import qmc

    from milex.projection._draws import _directions

    expected = qmc.Sobol(dims, scramble=False, bits=32)._sv.astype(np.uint64)
    np.testing.assert_array_equal(_directions(dims), expected)


def test_the_vectorised_inverse_normal_matches_ndtri():
    from scipy.special import ndtri

    from milex.projection._draws import inverse_normal

    p = np.concatenate([np.random.default_rng(1).random(100_000), [1e-300, 1e-12, 0.5, 1 - 1e-12]])
    np.testing.assert_allclose(inverse_normal(p), ndtri(p), rtol=1e-14, atol=1e-15)


# -- the compiled kernel against the NumPy engine ---------------------------------------------
@NO_NUMBA
@pytest.mark.parametrize("design", DESIGNS)
@pytest.mark.parametrize("memory_limit", [2**30, 1])  # exact, then streamed into histograms
def test_compiled_and_numpy_engines_give_the_same_quantiles(design, memory_limit):
    """Same draws, same arithmetic in the same order: equal far inside the sampling error (the
    p5-p95 spread over sqrt(paths)), and in practice to the last bit."""
    inputs, sh = make_inputs(real_growth=True), shocks(paths=12_000, **design)
    fast = simulate(inputs, sh, memory_limit=memory_limit, engine="compiled")
    plain = simulate(inputs, sh, memory_limit=memory_limit, engine="numpy")
    assert fast.method == plain.method and fast.floored == plain.floored
    np.testing.assert_array_equal(fast.central, plain.central)
    spread = plain.quantiles[-1] - plain.quantiles[0]
    sampling_error = spread / np.sqrt(sh.paths)
    assert np.all(np.abs(fast.quantiles - plain.quantiles) <= 1e-6 * sampling_error + 1e-12)


@NO_NUMBA
def test_compiled_engine_quantiles_of_another_seed_differ_only_by_sampling_error():
    inputs = make_inputs()
    a = simulate(inputs, shocks(paths=20_000, seed=1), engine="compiled")
    b = simulate(inputs, shocks(paths=20_000, seed=2), engine="numpy")
    spread = a.quantiles[-1] - a.quantiles[0]
    assert np.all(np.abs(a.quantiles - b.quantiles) <= 0.05 * spread + 1e-9)
    assert not np.array_equal(a.quantiles, b.quantiles)


# ENGINE_CHOICE_TESTS


@NO_NUMBA
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_kernel_selection_falls_back_to_a_sort_for_rows_with_nan_or_infinity(bad):
    """A row holding a non-finite value is sorted as NumPy sorts it (NaN last), not binned."""
    from milex.projection import _kernels

    rng = np.random.default_rng(3)
    store = rng.standard_normal((3, 500)).astype(np.float32)
    store[1, 17] = bad
    store[2, :] = 0.25  # a row with no spread
    pos = np.array([q * 499 for q in QUANTILES])
    lo = np.floor(pos).astype(np.int64)
    out = np.empty((len(QUANTILES), 3))
    _kernels.select_rows(store, 0, 3, lo, pos - lo, np.zeros(3), np.ones(3), out)
    expected = np.quantile(store.astype(float), QUANTILES, axis=1)
    np.testing.assert_allclose(out[:, [0, 2]], expected[:, [0, 2]], rtol=1e-12)
    finite = np.isfinite(expected[:, 1])
    np.testing.assert_allclose(out[finite, 1], expected[finite, 1], rtol=1e-12)


def test_sobol_scramble_is_the_gf2_product_of_a_unit_lower_triangular_matrix():
    """v' = L v over GF(2), checked bit by bit against the matrix the same draws make."""
    from milex.projection._draws import BITS, _directions, _scramble

    v = _directions(6)
    got = _scramble(v, np.random.Generator(np.random.PCG64(7)))
    rows = np.random.Generator(np.random.PCG64(7)).integers(0, 2**BITS, (6, BITS), dtype=np.uint64)
    for d in range(6):
        # L[r, k]: digit k of row r, kept below the diagonal, 1 on it
        L = [[(int(rows[d, r]) >> (BITS - 1 - k)) & 1 if k < r else int(k == r)
              for k in range(BITS)] for r in range(BITS)]  # fmt: skip
        for j in range(BITS):
            digits = [(int(v[d, j]) >> (BITS - 1 - k)) & 1 for k in range(BITS)]
            product = [sum(L[r][k] & digits[k] for k in range(BITS)) & 1 for r in range(BITS)]
            assert int(got[d, j]) == sum(b << (BITS - 1 - r) for r, b in enumerate(product))


def test_a_histogram_with_more_bins_than_the_kernel_can_number_is_refused():
    from milex.projection._quantiles import HistogramSink

    with pytest.raises(ValueError, match="bins must be 1 to 65534, not 70000"):
        HistogramSink(rows=3, paths=10, bins=70_000)
    assert HistogramSink(rows=3, paths=10, bins=65_534).bins == 65_534


# -- the compiled draws against NumPy's, bit for bit -------------------------------------------
def _tail_edges() -> np.ndarray:
    """Points at every boundary the tables have: 0 and 2^32 - 1, the tail edge on both sides,
    each octave of the tail table (2^k - 1, 2^k) and the middle."""
    from milex.projection._draws import BITS, TABLE_BITS, TAIL_EDGE

    edge = TAIL_EDGE << (BITS - TABLE_BITS)
    octaves = [2**k + o for k in range(BITS - 1) for o in (-1, 0)]
    low = [0, 1, 2, edge - 1, edge, edge + 1, 2**31 - 1, 2**31, *octaves]
    return np.array(low + [2**BITS - 1 - x for x in low], dtype=np.uint64).astype(np.uint32)


def test_the_tail_table_is_within_1e_7_of_ndtri_at_every_octave_and_edge():
    from scipy.special import ndtri

    from milex.projection._draws import TABLE_BITS, TAIL_EDGE, to_normal

    rng = np.random.default_rng(2)
    deep = (2.0 ** rng.uniform(0, 26, 100_000)).astype(np.uint64)  # log-uniform in the tail
    points = np.concatenate([deep, 2**32 - 1 - deep]).astype(np.uint32)
    points = np.concatenate([points, _tail_edges()])
    exact = ndtri((points.astype(float) + 0.5) * 2.0**-32)
    cell = points >> (32 - TABLE_BITS)
    tail = (cell < TAIL_EDGE) | (cell >= 2**TABLE_BITS - TAIL_EDGE)  # the main table's outer 1%
    assert tail.sum() > 150_000
    assert np.abs(to_normal(points) - exact)[tail].max() < 1e-7
    assert np.abs(to_normal(points) - exact).max() < 3e-7


@NO_NUMBA
@pytest.mark.parametrize("seed", [0, 1, 9])
def test_compiled_sobol_normals_equal_numpys_bit_for_bit(seed):
    from milex.projection import _kernels
    from milex.projection._draws import Sobol, to_normal

    rng = np.random.default_rng(seed)
    points = np.concatenate(
        [rng.integers(0, 2**32, 4_000, dtype=np.uint64).astype(np.uint32), _tail_edges()]
    )
    n = points.size
    high = rng.integers(0, 2**32, 3, dtype=np.uint64).astype(np.uint32)
    base = np.stack([points ^ h for h in high])  # each row XOR its high word gives the points
    out = np.empty((3, n))
    _kernels.sobol_normals(base, 0, high, n, *Sobol.table(), out)
    expected = to_normal(np.stack([points] * 3))
    np.testing.assert_array_equal(out, expected)


@NO_NUMBA
@pytest.mark.parametrize("dims", [1, 5, 64])
def test_the_compiled_scramble_is_numpys_gf2_product(dims):
    from milex.projection import _kernels
    from milex.projection._draws import _directions, scramble_product, scramble_rows

    v = _directions(dims)
    rows = scramble_rows(dims, np.random.Generator(np.random.PCG64(dims)))
    np.testing.assert_array_equal(_kernels.scramble(v, rows), scramble_product(v, rows))


def test_a_layout_is_computed_once_per_inputs_object_and_afresh_for_new_ones():
    from milex.projection._model import PerInputs

    memo, calls = PerInputs(2), []

    @dataclass
    class Inputs:
        n: int

    def get(inputs):
        def make():
            calls.append(inputs.n)
            return [inputs.n]

        return memo.get(inputs, make)

    a, b, c, d = Inputs(1), Inputs(1), Inputs(3), Inputs(4)
    assert get(a) is get(a)
    assert get(b) == [1] and calls == [1, 1]  # equal but another object: computed again
    get(c), get(d)
    get(a)  # beyond the limit of two: the oldest was dropped
    assert calls == [1, 1, 3, 4, 1]
