"""Start-up stays light, and commands take a bundled journey by name.

``journeytui validate`` runs on every commit under pre-commit, so it must not import
what it does not use: numpy, the simulator, Textual (and Rich), networkx, the savers. These tests
run the real command line in a fresh interpreter and look at ``sys.modules`` when it
returns: modules, not times (timing lives in bench/bench_cli.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from journeytui.bundled import FLAGSHIP, bundled_journeys, find, names, resolve_arg
from journeytui.cli import main

HEAVY = ("numpy", "textual", "rich", "networkx", "journeytui.sim", "journeytui.tui")

PROBE = """
import json, sys
from journeytui.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def run_probe(*argv: str, cwd: Path) -> tuple[int, str, set[str]]:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *argv], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    *out, last = proc.stdout.splitlines()
    report = json.loads(last)
    return report["code"], "\n".join(out), set(report["modules"])


def heavy_in(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


def test_version_imports_no_subcommand(tmp_path: Path) -> None:
    code, out, modules = run_probe("--version", cwd=tmp_path)
    assert code == 0 and out.startswith("journeytui ")
    assert heavy_in(modules) == []
    assert not [m for m in modules if m.startswith("journeytui.cli.")], "--version registers no subcommand"
    assert "journeytui.model" not in modules


def test_validate_one_file_imports_nothing_heavy(tmp_path: Path, write, minimal_text: str) -> None:
    path = write("one.toml", minimal_text)
    code, out, modules = run_probe("validate", str(path), cwd=tmp_path)
    assert code == 0 and "All checks passed (1 file)." in out
    assert heavy_in(modules) == []
    # Saving (tomlkit, tomli-w) is imported only by what saves.
    assert not {"tomlkit", "tomli_w", "journeytui.model.save"} & modules
    # Only the command that runs is imported, not its siblings.
    assert sorted(m for m in modules if m.startswith("journeytui.cli.")) == ["journeytui.cli.validate"]


def test_validate_with_findings_imports_nothing_heavy(tmp_path: Path, write, minimal_text: str) -> None:
    """A file with errors needs positions (the locator), still nothing heavy."""
    path = write("bad.toml", minimal_text.replace('to = "won"', 'to = "nowhere"'))
    code, out, modules = run_probe("validate", str(path), cwd=tmp_path)
    assert code == 1 and f"{path}:" in out and "nowhere" in out
    assert heavy_in(modules) == []


def test_help_still_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("validate", "fmt", "schema", "simulate", "check", "edit", "compare", "report"):
        assert command in out


def test_a_misspelt_command_gets_the_list_of_choices(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validat", "x.toml"]) == 2
    assert "invalid choice: 'validat'" in capsys.readouterr().err


# -- bundled journeys by name ---------------------------------------------------------


def test_names_are_the_bundled_files() -> None:
    files = bundled_journeys()
    assert len(files) == 7 and FLAGSHIP in [p.name for p in files]
    assert names() == [p.stem for p in files]
    assert find("b2b-it-tool") == files[[p.name for p in files].index(FLAGSHIP)]


@pytest.mark.parametrize("arg", ["b2b-it-tool.toml", "journeys/b2b-it-tool", "./b2b-it-tool", "", ".", "no-such"])
def test_only_a_bare_name_means_a_bundled_journey(arg: str) -> None:
    assert find(arg) is None


def test_an_existing_path_wins_over_a_bundled_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert resolve_arg("aidma") == str(find("aidma"))
    (tmp_path / "aidma").mkdir()
    assert resolve_arg("aidma") == "aidma"
    assert resolve_arg("not-a-journey") == "not-a-journey"


def test_validate_and_simulate_by_name_from_anywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "b2b-it-tool", "sme-four-steps"]) == 0
    assert "All checks passed (2 files)." in capsys.readouterr().out
    argv = ["simulate", "b2b-it-tool", "--weeks", "8", "--leads", "200", "--runs", "2", "--format", "json"]
    assert main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["journey"], data["weeks"], len(data["won"])) == ("b2b-it-tool", 8, 9)
    assert main(["compare", "asis-example", "tobe-example", "--weeks", "8"]) == 0
    assert capsys.readouterr().out.strip()


def test_an_unknown_name_is_reported_as_a_missing_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "b2b-it-tol"]) == 1
    assert "b2b-it-tol:1:1: E002 no such file: b2b-it-tol" in capsys.readouterr().out


@pytest.mark.parametrize("arg", ["a" * 5000, "nul\x00name", "é" * 300])
def test_impossible_names_are_missing_files_not_tracebacks(arg: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert find(arg) is None and resolve_arg(arg) == arg
    assert main(["validate", arg]) == 1
    assert "E002" in capsys.readouterr().out


def test_fmt_never_takes_a_bundled_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """fmt rewrites files: a bare name must never reach the installed copy."""
    monkeypatch.chdir(tmp_path)
    flagship = find("b2b-it-tool")
    assert flagship is not None
    before = flagship.read_bytes()
    main(["fmt", "--drop-comments", "b2b-it-tool"])
    capsys.readouterr()
    assert flagship.read_bytes() == before


# -- many files: worker processes -----------------------------------------------------


def test_many_files_in_workers_report_what_one_process_does(tmp_path: Path, minimal_text: str) -> None:
    """From PARALLEL_FROM files validate uses worker processes; the output must not change."""
    from journeytui.validate import PARALLEL_FROM, check_paths

    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(PARALLEL_FROM + 10):
        text = minimal_text.replace('id = "mini"', f'id = "mini-{i}"')
        if i % 7 == 3:  # some files with an error, some with a warning
            text = text.replace('to = "won"', 'to = "nowhere"')
        elif i % 11 == 5:
            text = text.replace("horizon = 52", "horizon = 5")
        (folder / f"j{i:03d}.toml").write_text(text, encoding="utf-8")
    (folder / "broken.toml").write_text("[journey\n", encoding="utf-8")

    serial, files = check_paths([str(folder)], jobs=1)
    parallel, files2 = check_paths([str(folder)], jobs=2)
    assert files == files2 == PARALLEL_FROM + 11
    assert parallel == serial
    assert {d.code for d in serial} >= {"E001", "W103"} and len(serial) > 30

    proc = subprocess.run(
        [sys.executable, "-m", "journeytui", "validate", str(folder)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 1 and proc.stderr == ""
    lines = proc.stdout.splitlines()
    assert lines[:-1] == [f"{d.file}:{d.line}:{d.column}: {d.code} {d.message}" for d in serial]
    assert lines[-1].endswith(f"in {PARALLEL_FROM + 11} files.")


def test_without_worker_processes_validation_still_runs(
    tmp_path: Path, minimal_text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where processes cannot be started (limits, platform), the files are checked in this one."""
    import concurrent.futures

    from journeytui.validate import PARALLEL_FROM, check_paths

    for i in range(PARALLEL_FROM):
        text = minimal_text if i % 50 else minimal_text.replace('to = "won"', 'to = "nowhere"')
        (tmp_path / f"j{i:03d}.toml").write_text(text, encoding="utf-8")

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", refuse)
    diags, files = check_paths([str(tmp_path)], jobs=2)
    assert files == PARALLEL_FROM
    assert sorted({d.file for d in diags}) == [str(tmp_path / f"j{i:03d}.toml") for i in range(0, PARALLEL_FROM, 50)]
