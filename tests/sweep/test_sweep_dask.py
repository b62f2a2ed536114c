"""`journeytui sweep --engine dask`: the same bytes as the local engine, a worker lost mid-sweep, an
unreachable scheduler. The clusters run their workers as threads of the test process, so they start fast;
the command connects to them through `--scheduler`, as it would to a remote cluster."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from distributed import Client, LocalCluster  # in the test extra: a missing one fails, never skips
from sweep_helpers import JOURNEY, SWEEP

from journeytui.cli import main


@pytest.fixture
def files(tmp_path: Path) -> tuple[str, str]:
    j = tmp_path / "mini.toml"
    j.write_text(JOURNEY, encoding="utf-8")
    s = tmp_path / "mini.sweep.toml"
    s.write_text(SWEEP, encoding="utf-8")
    return str(j), str(s)


@pytest.fixture
def cluster() -> Iterator[LocalCluster]:
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None, silence_logs=50) as c:
        yield c


def _local(files: tuple[str, str], out: Path, runs: str) -> bytes:
    assert main(["sweep", *files, "--runs", runs, "--out", str(out), "--report", str(out) + ".md"]) == 0
    return out.read_bytes()


def test_dask_results_are_byte_identical_to_the_local_engine(
    files: tuple[str, str], tmp_path: Path, cluster: LocalCluster
) -> None:
    local = _local(files, tmp_path / "local.jsonl", "4")
    out = tmp_path / "dask.jsonl"
    argv = ["sweep", *files, "--runs", "4", "--engine", "dask", "--scheduler", cluster.scheduler_address]
    assert main([*argv, "--out", str(out), "--report", str(tmp_path / "r.md")]) == 0
    assert out.read_bytes() == local
    assert (tmp_path / "r.md").read_bytes() == (tmp_path / "local.jsonl.md").read_bytes()


def test_optimise_on_dask_reports_exactly_what_the_local_engine_does(
    files: tuple[str, str], tmp_path: Path, cluster: LocalCluster, capsys: pytest.CaptureFixture[str]
) -> None:
    """The exhaustive search's scenarios on the cluster: the same seeds, so the same report and winner."""
    argv = ["optimise", *files, "--budget", "600", "--runs", "4", "--confirm-runs", "20"]
    assert main(argv) == 0
    local = capsys.readouterr().out
    assert main([*argv, "--engine", "dask", "--scheduler", cluster.scheduler_address]) == 0
    assert capsys.readouterr().out == local
    assert "exhaustive: all 6 scenarios" in local
    assert main([*argv, "--scheduler", cluster.scheduler_address]) == 2
    assert "--scheduler needs --engine dask" in capsys.readouterr().err


def test_a_worker_killed_mid_sweep_loses_and_duplicates_nothing(files: tuple[str, str], tmp_path: Path) -> None:
    """A real worker process, killed with SIGKILL after the first row: its scenarios run again elsewhere."""
    local = _local(files, tmp_path / "local.csv", "150")
    out = tmp_path / "dask.csv"
    killed: list[int] = []
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=50) as c,
        Client(c) as client,
    ):
        pids = list(client.run(os.getpid).values())

        def kill_one_worker() -> None:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if out.exists() and out.read_text().count("\n") >= 2:  # the header and a first row
                    # its nanny is told not to start a new worker in its place (as when a machine is
                    # lost): the sweep must finish on the other one, and closing the cluster need not
                    # wait for a replacement to start (that wait was most of this test's time)
                    for nanny in c.workers.values():
                        if nanny.pid == pids[0]:
                            nanny.close_gracefully()
                    os.kill(pids[0], signal.SIGKILL)
                    killed.append(pids[0])
                    return
                time.sleep(0.005)

        killer = threading.Thread(target=kill_one_worker, daemon=True)
        killer.start()
        argv = ["sweep", *files, "--runs", "150", "--engine", "dask", "--scheduler", c.scheduler_address]
        assert main([*argv, "--out", str(out), "--report", str(tmp_path / "r.md")]) == 0
        killer.join(timeout=60)
        assert killed, "no worker was killed during the sweep"
        assert pids[0] not in client.run(os.getpid).values()
    assert out.read_bytes() == local  # every scenario once, in order, with the same numbers


def test_an_unreachable_scheduler_exits_2_and_keeps_partial_results(
    files: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "r.csv"
    _local(files, out, "3")
    lines = out.read_text().splitlines(keepends=True)
    out.write_text("".join(lines[:3]), encoding="utf-8")  # an earlier run stopped after two scenarios
    kept = out.read_bytes()
    monkeypatch.setenv("JOURNEYTUI_DASK_CONNECT_TIMEOUT", "1")
    argv = ["sweep", *files, "--runs", "3", "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9", "--out", str(out)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in err and "kept in" in err
    assert out.read_bytes() == kept
