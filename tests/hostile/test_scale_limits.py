"""The limits every engine checks first (sim/limits.py): overrides, the time budget, the app's checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from journeytui.model import load_journey
from journeytui.sim import ResourceLimit, SimulationError
from journeytui.sim.limits import check_compare, check_exact, check_report, check_sensitivity, memory_limit
from journeytui.sim.live import weekly_flows
from journeytui.sim.report import report
from journeytui.sim.sensitivity import sensitivity

FLAGSHIP = Path(__file__).resolve().parents[2] / "journeys" / "b2b-it-tool.toml"


@pytest.fixture
def flagship():  # type: ignore[no-untyped-def]
    return load_journey(FLAGSHIP)


@pytest.mark.parametrize(
    ("raw", "expected"), [("512M", 512 << 20), ("2G", 2 << 30), ("1.5GiB", 3 << 29), ("4096", 4096)]
)
def test_the_memory_limit_override_reads_sizes(monkeypatch: pytest.MonkeyPatch, raw: str, expected: int) -> None:
    monkeypatch.setenv("JOURNEYTUI_MEMORY_LIMIT", raw)
    lim = memory_limit()
    assert (lim.bytes, lim.source) == (expected, "JOURNEYTUI_MEMORY_LIMIT")


def test_without_override_the_limit_is_a_share_of_what_is_free(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JOURNEYTUI_MEMORY_LIMIT", raising=False)
    lim = memory_limit()
    assert lim.bytes > 0 and lim.source in {
        "available memory",
        "the process's address-space limit (ulimit -v)",
        "the cgroup's memory limit",
    }


def test_a_run_over_the_time_budget_is_refused(monkeypatch: pytest.MonkeyPatch, flagship) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("JOURNEYTUI_TIME_BUDGET", "0.000001")
    with pytest.raises(ResourceLimit, match=r"would take about .* \(limit 0 s, JOURNEYTUI_TIME_BUDGET raises it\)"):
        check_exact(flagship)
    monkeypatch.setenv("JOURNEYTUI_TIME_BUDGET", "600")
    assert check_exact(flagship).seconds < 1


@pytest.mark.parametrize(
    "call",
    [
        lambda j: check_exact(j, 10_000),
        lambda j: check_sensitivity(j, 10_000),
        lambda j: check_compare(j, j, 10_000),
        lambda j: check_report(j, 10_000),
        lambda j: sensitivity(j, weeks=10_000),
        lambda j: report(j, weeks=10_000),
        lambda j: weekly_flows(j, weeks=10_000),
    ],
    ids=["check_exact", "check_sensitivity", "check_compare", "check_report", "sensitivity", "report", "flows"],
)
def test_every_entry_point_refuses_before_running(monkeypatch: pytest.MonkeyPatch, flagship, call) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("JOURNEYTUI_MEMORY_LIMIT", "64K")
    with pytest.raises(ResourceLimit) as info:
        call(flagship)
    assert isinstance(info.value, SimulationError)  # callers that catch SimulationError still do
    assert info.value.limit == 64 << 10 and info.value.needed > info.value.limit
    assert "7 stages x 4 personas x 10,001 weeks" in str(info.value)
    assert info.value.suggestion


def test_monte_carlo_over_the_time_budget_is_refused(monkeypatch: pytest.MonkeyPatch, flagship) -> None:  # type: ignore[no-untyped-def]
    from journeytui.sim import simulate

    monkeypatch.setenv("JOURNEYTUI_TIME_BUDGET", "0.01")
    with pytest.raises(ResourceLimit, match="would take at least") as info:
        simulate(flagship, leads=1_000_000, weeks=1000, runs=5)
    assert "use fewer runs, leads or weeks" in info.value.suggestion
