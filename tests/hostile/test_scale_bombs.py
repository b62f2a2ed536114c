"""Resource bombs in small valid files (issue 8, point 4): through the real command line.

A 1 KB journey with six fixed stalls of ~10,000 weeks made the old exact forecast allocate
26.8 GiB. Now every command runs it in bounded memory (checked under a 2 GiB address-space
limit), and runs that would exceed the memory limit or the time budget are refused before
allocating: a message, a suggestion, exit 2, never a traceback.
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
from pathlib import Path

import pytest

TIMEOUT = 180

BOMB = """\
[journey]
id = "bomb"
title = "Stall bomb"
horizon = {horizon}

[population.initial]
a = {leads}

[[stages]]
id = "a"
name = "A"
entry = true

[[stages]]
id = "won"
name = "Won"
kind = "won"

[[transitions]]
from = "a"
to = "won"
probability = 0.1
{stalls}{expectations}"""

STALL = """
[[stalls]]
stage = "a"
probability = 0.01
cause = "hold {k}"
duration = {{ kind = "fixed", weeks = {weeks} }}
"""

EXPECT = """
[[expectations]]
stage = "won"
week = {week}
metric = "share"
min = 0.5
"""


def bomb(horizon: int = 52, leads: int = 1000, expect_week: int | None = None) -> str:
    stalls = "".join(STALL.format(k=k, weeks=10_000 - k) for k in range(6))
    expectations = EXPECT.format(week=expect_week) if expect_week is not None else ""
    return BOMB.format(horizon=horizon, leads=leads, stalls=stalls, expectations=expectations)


def _limit_address_space(nbytes: int):  # type: ignore[no-untyped-def]
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (nbytes, nbytes))

    return apply


def cli(
    *args: str, env: dict[str, str] | None = None, address_space: int | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``journeytui ARGS`` in a fresh interpreter, optionally under a lowered RLIMIT_AS."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("JOURNEYTUI_")} | (env or {})
    return subprocess.run(
        [sys.executable, "-c", "import sys; from journeytui.cli import main; sys.exit(main(sys.argv[1:]))", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=full_env,
        preexec_fn=_limit_address_space(address_space) if address_space else None,
    )


def test_the_bomb_is_one_kilobyte(tmp_path: Path) -> None:
    assert len(bomb().encode()) < 1100


@pytest.mark.parametrize(
    "command",
    [
        ["simulate", "--exact"],
        ["simulate", "--exact", "--format", "json"],
        ["simulate", "--runs", "2"],
        ["check"],
        ["compare", "{path}"],
        ["report"],
    ],
    ids=["simulate-exact", "simulate-exact-json", "simulate-montecarlo", "check", "compare", "report"],
)
def test_the_stall_bomb_runs_in_bounded_memory(tmp_path: Path, command: list[str]) -> None:
    path = tmp_path / "bomb.toml"
    path.write_text(bomb(expect_week=52), encoding="utf-8")
    args = [command[0], str(path), *(a.format(path=path) for a in command[1:])]
    # the dense forecast needed 26.8 GiB; 2 GiB of address space is plenty now
    res = cli(*args, address_space=2 << 30)
    assert "Traceback" not in res.stderr + res.stdout
    assert res.returncode == 0, res.stderr
    if command[0] == "check":
        assert "PASS won@52 share 0.6249" in res.stdout
    elif command == ["simulate", "--exact"]:
        # never back within the horizon: won = 1000 x 0.1 x (1 - 0.84^52) / 0.16
        won = 1000 * 0.1 * (1 - 0.84**52) / 0.16
        assert f"won by week 52: {won:,.1f}" in res.stdout


REFUSED = re.compile(r"would need [\d.,]+ [MG]iB of memory \(limit ([\d.,]+) ([MG]iB)")


@pytest.mark.parametrize(
    "command",
    [["simulate", "--exact"], ["check"], ["compare", "{path}"], ["report"]],
    ids=["simulate-exact", "check", "compare", "report"],
)
def test_a_forecast_over_the_memory_limit_is_refused_with_a_suggestion(tmp_path: Path, command: list[str]) -> None:
    path = tmp_path / "bomb.toml"
    path.write_text(bomb(horizon=10_000, expect_week=10_000), encoding="utf-8")
    args = [command[0], str(path), *(a.format(path=path) for a in command[1:])]
    res = cli(*args, env={"JOURNEYTUI_MEMORY_LIMIT": "1M"})
    out = res.stdout + res.stderr
    assert "Traceback" not in out
    assert res.returncode == 2, out
    m = REFUSED.search(out)
    assert m and m.groups() == ("1.0", "MiB"), out
    assert "10,001 weeks" in out  # says what makes it big
    assert "forecast fewer weeks" in out  # and how to make it fit


def test_monte_carlo_over_the_memory_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.toml"
    path.write_text(bomb(horizon=10_000, leads=100_000_000), encoding="utf-8")
    res = cli("simulate", str(path))
    out = res.stdout + res.stderr
    assert "Traceback" not in out
    assert res.returncode == 2
    assert "needs about" in out and re.search(r"use (at most [\d,]+ runs|fewer leads)", out)


def test_the_memory_limit_respects_a_lowered_address_space_limit(tmp_path: Path) -> None:
    """Under RLIMIT_AS = 1 GiB the refusal names a limit below 1 GiB (the machine has far more)."""
    path = tmp_path / "bomb.toml"
    path.write_text(bomb(horizon=52, leads=10_000_000), encoding="utf-8")
    res = cli("simulate", str(path), "--runs", "20", address_space=1 << 30)
    out = res.stdout + res.stderr
    assert "Traceback" not in out
    assert res.returncode == 2, out
    m = re.search(r"\(limit ([\d.,]+) ([MG]iB), from the process's address-space limit", out)
    assert m, out
    limit = float(m.group(1).replace(",", "")) * (1 << (30 if m.group(2) == "GiB" else 20))
    assert limit < 0.8 * (1 << 30)


def chain_text(stages: int, personas: int) -> str:
    """A plain chain of ``stages`` stages and ``personas`` personas with per-persona overrides."""
    out = ['[journey]\nid = "chain"\ntitle = "Chain"\nhorizon = 52\n', "[population.initial]\ns0 = 1000\n"]
    out.append("[population.mix]\n" + "".join(f"p{k} = 1.0\n" for k in range(personas)))
    out += [f'[[personas]]\nid = "p{k}"\nname = "P{k}"\nrole = "user"\n' for k in range(personas)]
    out += [f'[[stages]]\nid = "s{i}"\nname = "S{i}"\nentry = {str(i == 0).lower()}\n' for i in range(stages)]
    out.append('[[stages]]\nid = "won"\nname = "Won"\nkind = "won"\n')
    for i in range(stages):
        to = f"s{i + 1}" if i + 1 < stages else "won"
        over = ", ".join(f"p{k} = 0.2" for k in range(min(personas, 2)))
        out.append(f'[[transitions]]\nfrom = "s{i}"\nto = "{to}"\nprobability = 0.3\nby_persona = {{ {over} }}\n')
    return "\n".join(out)


def test_the_exact_forecast_respects_a_lowered_address_space_limit(tmp_path: Path) -> None:
    """10,000 weeks of 300 stages x 4 personas need ~400 MB: refused under a 512 MiB RLIMIT_AS."""
    path = tmp_path / "chain.toml"
    path.write_text(chain_text(300, 4), encoding="utf-8")
    res = cli("simulate", str(path), "--exact", "--weeks", "10000", address_space=512 << 20)
    out = res.stdout + res.stderr
    assert "Traceback" not in out
    assert res.returncode == 2, out
    assert "the exact forecast would need" in out and "address-space limit" in out
    assert "301 stages x 4 personas x 10,001 weeks" in out
    # the same run without the lowered limit fits (so the refusal came from the rlimit)
    ok = cli("simulate", str(path), "--exact", "--weeks", "200", "--format", "csv", address_space=512 << 20)
    assert ok.returncode == 0, ok.stderr
