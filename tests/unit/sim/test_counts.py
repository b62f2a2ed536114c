"""The count engine has the per-lead engine's distribution (docs/simulation.md, *Two engines*).

On many random journeys (stages, skips, regressions, stalls of the three hold kinds,
personas with per-persona overrides, arrivals):

- the count engine's mean occupancy per week x stage agrees with the exact forecast:
  |z| <= 5 per cell, z from an upper bound of the standard error (the variance of a
  count of independent leads is at most its mean: binomial and Poisson parts alike);
  with about 1,500 cells per journey and 12 journeys, |z| > 5 has a chance below 1e-2
  overall under the null (Bonferroni over two-sided normal tails of 5.7e-7 each);
- the count and per-lead engines agree with each other per cell (two-sample |z| <= 5.5
  with the runs' own variances) and on the KPIs (moves per edge, stall starts and
  lead-weeks, first entries, time to won);
- percentile bands match exact binomial quantiles on an absorbing chain;
- the same seed gives bit-identical results.
"""

from __future__ import annotations

import copy
import json
import math
import random
from pathlib import Path

import numpy as np
import pytest
from sim_helpers import CHAIN, journey

from journeytui.cli import main
from journeytui.model import (
    Duration,
    Journey,
    JourneyMeta,
    Persona,
    Population,
    Stage,
    Stall,
    Transition,
    load_journey,
)
from journeytui.sim import SimulationError, counts, forecast, simulate
from journeytui.sim.compile import compile_journey
from journeytui.sim.counts import build_states, unsupported

Z_MAX = 5.0
CELLS_Z_MAX = 5.5


def random_journey(seed: int) -> Journey:
    """A random valid journey: 2-5 open stages, won/lost, forward moves, skips, regressions,
    stalls (fixed, uniform, geometric), 1-3 personas with overrides, maybe arrivals."""
    rnd = random.Random(seed)
    n = rnd.randint(2, 5)
    ids = [f"s{i}" for i in range(n)]
    stages = [Stage(id=s, name=s, entry=i == 0, phase=i + 1) for i, s in enumerate(ids)]
    stages += [
        Stage(id="won", name="won", kind="won", phase=n + 1),
        Stage(id="lost", name="lost", kind="lost", phase=n + 1),
    ]
    personas = [Persona(id=f"p{k}", name=f"p{k}", role="user") for k in range(rnd.randint(0, 3))]
    trans: list[Transition] = []
    stalls: list[Stall] = []
    for i, s in enumerate(ids):
        budget = 0.9  # the stage's moves and stall chances stay below 1 for every persona
        outs = [ids[i + 1] if i + 1 < n else "won", "lost"]
        if i + 2 < n and rnd.random() < 0.5:
            outs.append(ids[i + 2])  # a skip
        if i >= 1 and rnd.random() < 0.6:
            outs.append(ids[rnd.randrange(0, i)])  # a regression
        for to in outs:
            p = round(rnd.uniform(0.02, budget / (len(outs) + 1)), 3)
            over = {q.id: round(rnd.uniform(0.0, budget / (len(outs) + 1)), 3) for q in personas if rnd.random() < 0.5}
            trans.append(Transition(from_=s, to=to, probability=p, by_persona=over, cause="c" if to in ids[:i] else ""))
        if rnd.random() < 0.7:
            kind = rnd.choice(["fixed", "uniform", "geometric"])
            dur = (
                Duration(kind="fixed", weeks=rnd.randint(1, 4))
                if kind == "fixed"
                else Duration(kind="uniform", min=(lo := rnd.randint(1, 3)), max=lo + rnd.randint(0, 3))
                if kind == "uniform"
                else Duration(kind="geometric", mean=round(rnd.uniform(1.0, 5.0), 2))
            )
            stalls.append(Stall(stage=s, probability=round(rnd.uniform(0.01, 0.08), 3), duration=dur, cause=f"c{kind}"))
    initial = {s: rnd.randint(0, 400) for s in ids if rnd.random() < 0.8}
    initial[ids[0]] = initial.get(ids[0], 0) + 50
    arrivals = {ids[0]: round(rnd.uniform(1, 30), 1)} if rnd.random() < 0.5 else {}
    mix = {q.id: rnd.randint(1, 3) * 1.0 for q in personas}
    return Journey(
        journey=JourneyMeta(id=f"r{seed}", title="random", horizon=rnd.randint(8, 20)),
        population=Population(initial=initial, arrivals=arrivals, mix=mix),
        stages=stages,
        transitions=trans,
        stalls=stalls,
        personas=personas,
    )


JOURNEYS = list(range(12))


@pytest.mark.parametrize("seed", JOURNEYS)
def test_count_engine_mean_matches_the_exact_forecast(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the compiled kernel's draws (sim/kernel.py): whole runs in compiled code without
    arrivals, its multinomials week by week with them."""
    monkeypatch.setattr(counts, "KERNEL_CELLS", 0)
    check_against_exact(seed)


@pytest.mark.parametrize("pad", [True, False])
@pytest.mark.parametrize("seed", JOURNEYS[:6])
def test_numpy_draws_match_the_exact_forecast(seed: int, pad: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same check with numpy's multinomials (runs too small for the kernel), the random
    states padded to one call or drawn in one call per number of outcomes (the way taken when
    padding every state to the widest would be wasteful)."""
    monkeypatch.setattr(counts, "KERNEL_CELLS", math.inf)
    if not pad:
        monkeypatch.setattr(counts, "PAD_FACTOR", 0.0)
    check_against_exact(seed)


def check_against_exact(seed: int) -> None:
    j = random_journey(seed)
    exact = forecast(j)
    runs = 200
    mc = simulate(j, runs=runs, seed=seed, engine="counts")
    assert mc.mc_engine == "counts"
    sure = exact.mean < 1e-9
    assert np.all(mc.mean[sure] == 0), "a cell the exact forecast says is empty had leads"
    se = np.sqrt(np.maximum(exact.mean, 1e-12) / runs)
    z = np.abs(mc.mean - exact.mean)[~sure] / se[~sure]
    assert z.max() <= Z_MAX
    for p, a in exact.by_persona.items():
        zp = np.abs(mc.by_persona[p] - a) / np.sqrt(np.maximum(a, 1e-12) / runs)
        assert zp[a >= 1e-9].max() <= Z_MAX, p
    # expected moves per edge and stall starts: counts of independent events, variance <= mean
    for edge, expected in exact.flows.items():
        got = mc.kpis["conversion"][edge]["moves"]
        assert abs(got - expected) <= Z_MAX * math.sqrt(max(expected, 1e-9) / runs) + 1e-9, edge
    for cause, expected in exact.stall_starts.items():
        got = mc.kpis["stalls"][cause]["starts"]
        assert abs(got - expected) <= Z_MAX * math.sqrt(max(expected, 1e-9) / runs) + 1e-9, cause


def two_sample_z(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """|mean(a) - mean(b)| / se over axis 0, cells where both engines never varied left out."""
    se = np.sqrt(a.var(axis=0, ddof=1) / a.shape[0] + b.var(axis=0, ddof=1) / b.shape[0])
    diff = np.abs(a.mean(axis=0) - b.mean(axis=0))
    still = se < 1e-12
    assert np.all(diff[still] < 1e-9), "a cell constant in both engines differs between them"
    return np.where(still, 0.0, diff / np.where(still, 1.0, se))


@pytest.mark.parametrize("seed", JOURNEYS[:8])
def test_count_and_per_lead_engines_agree(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The count engine with the compiled kernel's draws (its KPI tallies are its own code)."""
    monkeypatch.setattr(counts, "KERNEL_CELLS", 0)
    j = random_journey(seed)
    runs = 150
    a = simulate(j, runs=runs, seed=100 + seed, engine="counts")
    b = simulate(j, runs=runs, seed=200 + seed, engine="leads")
    assert (a.mc_engine, b.mc_engine) == ("counts", "leads")
    assert two_sample_z(np.swapaxes(a.runs_counts, 0, 1), np.swapaxes(b.runs_counts, 0, 1)).max() <= CELLS_Z_MAX
    # the spread too: the variance of won at the horizon (ratio within an F band for 150 runs)
    won = next(i for i, s in enumerate(a.stages) if s == "won")
    va, vb = a.runs_counts[-1, :, won].var(ddof=1), b.runs_counts[-1, :, won].var(ddof=1)
    if va + vb > 0:
        assert 0.55 < (va + 1e-9) / (vb + 1e-9) < 1.8
    ka, kb = a.kpis, b.kpis
    for name in ka["conversion"]:
        x, y = ka["conversion"][name], kb["conversion"][name]
        tol = Z_MAX * math.sqrt(2 * max(x["moves"], y["moves"], 1e-9) / runs) + 1e-9
        assert abs(x["moves"] - y["moves"]) <= tol, name
        assert abs(x["rate"] - y["rate"]) <= 0.05 * max(x["rate"], y["rate"]) + 0.01, name
    for cause in ka["stalls"]:
        for k in ("starts", "lead_weeks"):
            x, y = ka["stalls"][cause][k], kb["stalls"][cause][k]
            # lead-weeks add up holds of several weeks: allow their length as a factor
            tol = Z_MAX * math.sqrt(2 * 8 * max(x, y, 1e-9) / runs) + 1e-9
            assert abs(x - y) <= tol, (cause, k)
    for s in ka["reached"]:
        assert abs(ka["reached"][s] - kb["reached"][s]) <= 0.02, s
    ta, tb = ka["time_to_won"], kb["time_to_won"]
    if ta["median"] is not None and tb["median"] is not None:
        assert abs(ta["median"] - tb["median"]) <= 1 and abs(ta["p90"] - tb["p90"]) <= 1
    assert set(ka) == set(kb)


def binomial_quantile(n: int, p: float, q: float) -> tuple[int, int]:
    """The integers k with P(X < k) <= q <= P(X <= k) for X ~ Binomial(n, p): the q-quantile's range."""
    k = np.arange(n + 1)
    logpmf = (
        np.array([math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) for i in k])
        + k * math.log(p)
        + (n - k) * math.log1p(-p)
    )
    cdf = np.cumsum(np.exp(logpmf))
    lo = int(np.searchsorted(cdf, q - 0.01))  # a band: the percentile of 4,000 runs is itself random
    hi = int(np.searchsorted(cdf, q + 0.01))
    return lo, hi


def test_percentiles_match_binomial_quantiles() -> None:
    """a -> won (0.1) and nothing else: won at week t is Binomial(N, 1 - 0.9^t) in every run."""
    j = journey(
        """
[population.initial]
a = 200
[[stages]]
id = "a"
name = "A"
entry = true
[[stages]]
id = "won"
name = "W"
kind = "won"
[[transitions]]
from = "a"
to = "won"
probability = 0.1
""",
        horizon=12,
    )
    res = simulate(j, runs=4000, seed=3, engine="counts")
    won = res.stages.index("won")
    for t in (1, 4, 8, 12):
        p = 1 - 0.9**t
        for q, band in ((0.05, res.p05), (0.5, res.p50), (0.95, res.p95)):
            lo, hi = binomial_quantile(200, p, q)
            assert lo - 1 <= band[t, won] <= hi + 1, (t, q, band[t, won], lo, hi)


@pytest.mark.parametrize("kernel", [True, False])
def test_same_seed_same_result_other_seed_differs(kernel: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(counts, "KERNEL_CELLS", 0 if kernel else math.inf)
    j = random_journey(3)
    a = simulate(j, runs=5, seed=11, engine="counts")
    b = simulate(j, runs=5, seed=11, engine="counts")
    c = simulate(j, runs=5, seed=12, engine="counts")
    assert np.array_equal(a.runs_counts, b.runs_counts) and a.kpis == b.kpis
    assert not np.array_equal(a.runs_counts, c.runs_counts)


def test_auto_picks_counts_for_a_large_plain_cohort_and_leads_for_touchpoints() -> None:
    j = journey(CHAIN)
    big = simulate(j, leads=200_000, runs=3, seed=1)
    assert big.mc_engine == "counts"
    flagship = Path(__file__).resolve().parents[3] / "journeys" / "b2b-it-tool.toml"
    full = load_journey(flagship)
    assert unsupported(compile_journey(full)) == "accounts"
    with pytest.raises(SimulationError, match="count engine cannot run"):
        simulate(full, runs=1, weeks=2, engine="counts")
    assert simulate(full, runs=1, weeks=2).mc_engine == "leads"
    with pytest.raises(SimulationError, match="engine must be one of"):
        simulate(j, runs=1, engine="fast")


def test_states_are_phase_states_and_personas_only() -> None:
    """No history in the state: CHAIN (one persona, no stalls, the cycle a <-> b) has one state per stage."""
    sp = build_states(compile_journey(journey(CHAIN)))
    assert sp.X == 4
    assert sorted(sp.stage.tolist()) == [0, 1, 2, 3]
    assert sp.cycle_stages.tolist() == [0, 1]


def absorbing_at(j: Journey, stage: str) -> Journey:
    """The journey with every transition and stall out of `stage` removed: leads that enter it stay."""
    out = copy.deepcopy(j)
    out.transitions = [t for t in out.transitions if t.from_ != stage]
    out.stalls = [st for st in out.stalls if st.stage != stage]
    return out


@pytest.mark.parametrize("dense", [True, False])
@pytest.mark.parametrize("seed", JOURNEYS)
def test_reached_on_cycles_is_the_exact_expected_share(seed: int, dense: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """For a stage on a cycle the count engine reports the exact expected share of leads ever in it:
    the exact forecast (exact.py, independent of counts.py) of the journey with the stage made
    absorbing, at the horizon, over the expected leads. Stages on no cycle stay Monte Carlo counts.
    Both ways of propagating (a dense matrix for few states, a sparse scatter) are checked."""
    monkeypatch.setattr(counts, "DENSE_REACHED_STATES", 10**9 if dense else 0)
    monkeypatch.setattr(counts, "DENSE_REACHED_FLOPS", 10**18 if dense else 0)
    j = random_journey(seed)
    mc = simulate(j, runs=3, seed=seed, engine="counts")
    sp = build_states(compile_journey(j))
    ids = [s.id for s in j.stages]
    on_cycle = {ids[i] for i in sp.cycle_stages.tolist()}
    exact = forecast(j)
    leads = float(exact.mean[-1].sum())
    for s in on_cycle:
        f = forecast(absorbing_at(j, s))
        want = float(f.mean[-1, f.stages.index(s)]) / leads
        assert mc.kpis["reached"][s] == pytest.approx(want, abs=2e-6), s
    regressions = any(ids.index(t.to) < ids.index(t.from_) for t in j.transitions if t.to in ids[:-2])
    assert bool(on_cycle) == regressions


def test_too_many_stages_on_cycles_for_the_states_runs_the_per_lead_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    """`reached` on cycles costs (stages on cycles x moves) per week: past MAX_REACHED_CELLS the
    count engine is not used (auto runs the per-lead engine; forcing it is a clear error)."""
    j = journey(CHAIN)
    sp = build_states(compile_journey(j))
    assert counts.reached_cells(sp) > 0
    assert simulate(j, leads=200_000, runs=2, seed=1).mc_engine == "counts"
    monkeypatch.setattr(counts, "MAX_REACHED_CELLS", counts.reached_cells(sp) - 1)
    assert simulate(j, leads=200_000, runs=2, seed=1).mc_engine == "leads"
    with pytest.raises(SimulationError, match="too many stages on cycles"):
        simulate(j, runs=2, engine="counts")


def test_cli_engine_option_and_json_note(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "chain.toml"
    path.write_text('[journey]\nid = "t"\ntitle = "t"\nhorizon = 6\n' + CHAIN, encoding="utf-8")
    assert main(["simulate", str(path), "--runs", "3", "--engine", "counts", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["engine"] == "monte_carlo" and data["mc_engine"] == "counts"
    assert main(["simulate", str(path), "--runs", "3", "--engine", "leads"]) == 0
    assert "per-lead engine" in capsys.readouterr().out
    assert main(["simulate", str(path), "--runs", "3", "--engine", "counts"]) == 0
    assert "count engine" in capsys.readouterr().out


def test_count_engine_refuses_a_run_over_the_memory_limit() -> None:
    j = journey(CHAIN)
    with pytest.raises(SimulationError, match="count engine"):
        simulate(j, runs=50, engine="counts", memory_limit=10_000)


def test_cli_engine_counts_on_a_journey_it_cannot_model_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    flagship = Path(__file__).resolve().parents[3] / "journeys" / "b2b-it-tool.toml"
    assert main(["simulate", str(flagship), "--runs", "1", "--weeks", "2", "--engine", "counts"]) == 2
    err = capsys.readouterr().err
    assert "count engine cannot run this journey (accounts)" in err and "Traceback" not in err


def _outcomes_one_by_one(lay: counts.Layout, chances: np.ndarray) -> list[np.ndarray]:
    """The random states' outcome columns as build_states made them before fill worked on whole
    arrays: per state its outcomes in the layout's order, the stay taking 1 minus each chance
    in turn, sorted by chance (ties in order), padded at the front, each row scaled to 1."""
    prob = chances.reshape(lay.S, lay.P, -1)
    rows = []
    for x, b, p, recipe, free in lay.random_rows:
        if not free:
            rows.append((x, [(o.p, o.dest, -1, -1, -1, False) for o in recipe]))
            continue
        outs, stay = [], 1.0
        for col, is_stall, what in recipe:
            q = float(prob[b, p, col])
            if is_stall:
                outs += [(q * w, d, -1, k, -1, False) for w, d, k in what]
            else:
                d, e, first, won = what
                outs.append((q, d, e, -1, first, won))
            stay -= q
        outs.append((max(stay, 0.0), x, -1, -1, -1, False))
        rows.append((x, outs))
    K = max([len(o) for _, o in rows], default=1)
    cols = [np.zeros((len(rows), K)), np.zeros((len(rows), K), dtype=np.int64)]
    cols += [np.full((len(rows), K), -1, dtype=np.int64) for _ in range(3)] + [np.zeros((len(rows), K), dtype=bool)]
    for r, (x, outs) in enumerate(rows):
        cols[1][r, :] = x
        for j, o in enumerate(sorted(outs, key=lambda o: o[0])):
            for a, v in zip(cols, o, strict=True):
                a[r, K - len(outs) + j] = v
        cols[0][r] /= cols[0][r].sum()
    return cols


@pytest.mark.parametrize("seed", JOURNEYS)
def test_fill_makes_the_outcomes_of_the_one_by_one_construction(seed: int) -> None:
    """counts.fill (whole arrays, what a sweep scenario runs) against the per-outcome loop, on
    random chances with the layout's pattern of zeros: some stages' chances sum to exactly 1
    (the stay is 0 and ties at 0), some have ties, bit for bit."""
    j = random_journey(seed)
    c = compile_journey(j)
    lay = counts.layout(c)
    rnd = random.Random(seed)
    for _ in range(15):
        chances = np.zeros_like(c.prob)
        for row in range(c.prob.shape[0]):
            live = np.flatnonzero(lay.positive[row])
            if rnd.random() < 0.3 and live.size:  # halves, quarters...: the row sums to exactly 1
                for i, k in enumerate(live):
                    chances[row, k] = 0.5 ** (i + 1) if i < live.size - 1 else 0.5 ** (live.size - 1)
            else:
                pick = rnd.choice([0.01, 0.05, 0.1]) if rnd.random() < 0.3 else None  # ties
                for k in live:
                    chances[row, k] = pick if pick is not None else rnd.uniform(0.001, 1.0 / max(1, live.size))
        sp = counts.fill(lay, chances)
        got = [sp.pvals, sp.dest, *(a.reshape(sp.pvals.shape) for a in (sp.col_edge, sp.col_stall, sp.col_first))]
        got.append(sp.col_won.reshape(sp.pvals.shape))
        for a, b in zip(got, _outcomes_one_by_one(lay, chances), strict=True):
            assert a.dtype == b.dtype and np.array_equal(a, b)
    assert np.array_equal(build_states(c).pvals, counts.fill(lay, c.prob).pvals)
