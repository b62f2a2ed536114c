"""Sweep files: bad input is named at file:line:col with exit 2; scenarios apply to a copy and validate."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from sweep_helpers import JOURNEY, SWEEP

from journeytui.cli import main
from journeytui.model.load import load_text
from journeytui.sweep.levers import ScenarioError, apply, scenario_cost
from journeytui.sweep.scenarios import grid_size, sample, scenario_seed, scenarios
from journeytui.sweep.spec import load_sweep, parse_sweep


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    j = tmp_path / "mini.toml"
    j.write_text(JOURNEY, encoding="utf-8")
    s = tmp_path / "mini.sweep.toml"
    s.write_text(SWEEP, encoding="utf-8")
    return j, s


def _journey():  # type: ignore[no-untyped-def]
    j = load_text(JOURNEY).journey
    assert j is not None
    return j


def _errors(text: str, tmp_path: Path) -> list[str]:
    p = tmp_path / "bad.sweep.toml"
    p.write_text(text, encoding="utf-8")
    res = load_sweep(str(p), _journey())
    return [f"{d.line}:{d.column}: {d.code} {d.message}" for d in res.diagnostics if d.is_error]


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


@pytest.mark.parametrize(
    ("old", "new", "code", "needle"),
    [
        ('stage = "opp"\ncause', 'stage = "opq"\ncause', "E202", 'stage = "opq"'),
        ('cause = "budget freeze"', 'cause = "budget"', "E104", 'cause = "budget"'),
        ("values = [0.2, 0.25, 0.3]", "values = [0.2, 1.5]", "E301", "values = [0.2, 1.5]"),
        ("cost.per_unit = 100", "cost.per_unt = 100", "E101", "cost.per_unt"),
        ('to = "opp"', 'to = "won"', "E104", 'to = "won"'),
        ("budget = 1000", "budget = -5", "E105", "budget = -5"),
        ('metric = "won"', 'metric = "wins"', "E104", 'metric = "wins"'),
    ],
)
def test_bad_levers_are_named_where_they_are(
    old: str, new: str, code: str, needle: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = SWEEP.replace(old, new, 1)
    assert text != SWEEP
    errors = _errors(text, tmp_path)
    line = _line_of(text, needle)
    assert any(e.startswith(f"{line}:") and f" {code} " in e for e in errors), errors
    # the command says it too, with the file's name, and exits 2
    j = tmp_path / "mini.toml"
    j.write_text(JOURNEY, encoding="utf-8")
    assert main(["sweep", str(j), str(tmp_path / "bad.sweep.toml")]) == 2
    out = capsys.readouterr()
    assert f"bad.sweep.toml:{line}:" in out.out and code in out.out
    assert "not a valid sweep file" in out.err


def test_a_scenario_overflowing_a_stage_is_refused_before_running(tmp_path: Path) -> None:
    text = SWEEP.replace("values = [0.2, 0.25, 0.3]", "values = [0.2, 0.97]")
    errors = _errors(text, tmp_path)
    assert any(" E302 " in e and "largest value" in e for e in errors), errors


def test_budget_no_scenario_meets_names_the_cheapest(tmp_path: Path) -> None:
    text = SWEEP.replace("costs = [0, 300]", "costs = [50, 300]").replace("budget = 1000", "budget = 20")
    (err,) = _errors(text, tmp_path)
    assert "E105" in err and "cheapest costs 50" in err


def test_toml_syntax_error_has_a_position(tmp_path: Path) -> None:
    (err,) = _errors(SWEEP.replace("[objective]", "[objective"), tmp_path)
    assert err.startswith(f"{_line_of(SWEEP, '[objective]')}:") and "E001" in err


def test_apply_returns_a_new_valid_journey_and_leaves_the_input_alone() -> None:
    j = _journey()
    before = copy.deepcopy(j)
    sweep = parse_sweep(SWEEP).sweep
    assert sweep is not None
    new = apply(j, sweep, (0.3, 0.0))
    assert j == before
    assert new.transitions[0].probability == 0.3 and new.stalls[0].probability == 0.0
    assert scenario_cost(j, sweep, (0.3, 0.0)) == pytest.approx(100 * 10 + 300)
    with pytest.raises(ScenarioError) as exc:
        apply(j, sweep, (0.99, 0.05))
    assert exc.value.code == "E302" and exc.value.lever == 0


def test_grid_lhs_and_seeds() -> None:
    sweep = parse_sweep(SWEEP).sweep
    assert sweep is not None
    grid = scenarios(sweep)
    assert grid_size(sweep) == 6 == len(grid) == len({s.key for s in grid})
    assert grid[1].values == (0.2, 0.0)  # the last lever varies fastest
    # identities do not depend on position: the same values give the same key in a sample
    lhs = sample(sweep, "lhs", 3, seed=1)
    by_key = {s.key: s.values for s in grid}
    assert all(by_key[s.key] == s.values for s in lhs)
    # Latin hypercube: with 3 draws, each of the 3 values of the first lever appears once
    assert sorted(s.values[0] for s in lhs) == [0.2, 0.25, 0.3]
    assert sample(sweep, "lhs", 3, seed=1) == lhs
    # common random numbers: every scenario runs on the root seed; without, seeds differ per scenario
    assert {scenario_seed(7, s.key) for s in grid} == {7}
    independent = {scenario_seed(7, s.key, crn=False) for s in grid}
    assert len(independent) == 6 and 7 not in independent


FLAGSHIP_LEVERS = """\
[[levers]]
id = "dept_head_close"
kind = "transition"
from = "sales"
to = "won"
persona = "it_staff"
values = [0.2]

[[levers]]
id = "newsletter_engagement"
kind = "engagement"
touchpoint = "newsletter"
values = [0.4]

[[levers]]
id = "price_sheet_cadence"
kind = "cadence"
touchpoint = "comparison_sheet"
values = [3]

[[levers]]
id = "callers"
kind = "capacity"
channel = "inside_sales"
values = [70]

[[levers]]
id = "threshold"
kind = "mql_threshold"
values = [45]

[[levers]]
id = "ads"
kind = "arrivals"
stage = "aware"
values = [150]

[[levers]]
id = "freeze"
kind = "stall"
stage = "compare"
cause = "budget freeze"
values = [0.01]
"""


def test_every_lever_kind_applies_to_the_flagship(flagship_path: Path, tmp_path: Path) -> None:
    from journeytui.model.load import load_journey

    journey = load_journey(flagship_path)
    before = copy.deepcopy(journey)
    p = tmp_path / "all.sweep.toml"
    p.write_text(FLAGSHIP_LEVERS, encoding="utf-8")
    loaded = load_sweep(str(p), journey)
    assert loaded.ok, loaded.diagnostics
    assert loaded.sweep is not None
    (only,) = scenarios(loaded.sweep)
    new = apply(journey, loaded.sweep, only.values)
    assert journey == before
    close = next(t for t in new.transitions if (t.from_, t.to) == ("sales", "won"))
    assert close.by_persona == {"dept_head": 0.15, "it_staff": 0.2} and close.probability == 0.12
    tps = {t.id: t for t in new.touchpoints}
    assert tps["newsletter"].engagement == 0.4
    assert tps["comparison_sheet"].schedule.every_weeks == 3 and tps["comparison_sheet"].schedule.days == []
    assert new.channel("inside_sales").capacity == 70  # type: ignore[union-attr]
    assert new.scoring is not None and new.scoring.mql_threshold == 45
    assert new.population.arrivals == {"aware": 150.0}
    assert next(s for s in new.stalls if s.cause == "budget freeze").probability == 0.01
    # costs count from the journey's own values: 70 - 40 callers, 45 vs 60 points
    loaded.sweep.levers[3].cost.per_unit = 1000
    loaded.sweep.levers[4].cost.per_unit = 10
    assert scenario_cost(journey, loaded.sweep, only.values) == pytest.approx(30 * 1000 + 15 * 10)


def test_a_missing_sweep_file_and_an_invalid_journey_exit_2(
    files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    j, _ = files
    assert main(["sweep", str(j), str(tmp_path / "nope.sweep.toml")]) == 2
    assert "E002 no such file" in capsys.readouterr().out
    bad = tmp_path / "bad.toml"
    bad.write_text(JOURNEY.replace('to = "opp"', 'to = "oops"', 1), encoding="utf-8")
    assert main(["sweep", str(bad), str(files[1])]) == 2
    out = capsys.readouterr()
    assert "E202" in out.out and "not a valid journey" in out.err
