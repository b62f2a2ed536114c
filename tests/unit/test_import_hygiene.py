"""The domain (model, validate, sim, diagnostics) and the validate CLI never import Textual.

Like harlequin's tests/unit_tests/test_import_hygiene.py: import in a fresh interpreter and look
at sys.modules; and run import-linter's contract from pyproject.toml.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOMAIN = [
    "journeytui.model",
    "journeytui.model.edit",
    "journeytui.model.history",
    "journeytui.validate",
    "journeytui.validate.report",
    "journeytui.validate.schema",
    "journeytui.diagnostics",
    "journeytui.textsafe",
    "journeytui.session.forecast",
    "journeytui.bundled",
    "journeytui.cli.validate",
    "journeytui.cli.fmt",
    "journeytui.cli.schema",
    "journeytui.sim",
    "journeytui.sim.expect",
    "journeytui.cli.simulate",
    "journeytui.cli.check",
    "journeytui.calibrate",
    "journeytui.calibrate.backtest",
    "journeytui.calibrate.fullmodel",
    "journeytui.calibrate.synth",
    "journeytui.cli.calibrate",
    "journeytui.export.mermaid",
    "journeytui.export.dot",
    "journeytui.export.journeymap",
    "journeytui.export.mermaid_import",
    "journeytui.export.mermaid_parse",
    "journeytui.cli.export",
    "journeytui.cli.import_mermaid",
]


@pytest.mark.parametrize("module", DOMAIN)
def test_domain_module_does_not_import_textual(module: str) -> None:
    code = (
        "import importlib, sys\n"
        f"importlib.import_module({module!r})\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith(('textual.', 'journeytui.tui')))\n"
        "print(','.join(bad))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ""


def test_all_domain_modules_together_do_not_import_textual() -> None:
    code = "import sys\n" + "".join(f"import {m}\n" for m in DOMAIN) + "print('textual' in sys.modules)\n"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"


def _lint_imports(*args: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("lint-imports")
    # --no-cache: write nothing into the repository (tests write only to tmp_path).
    command = [str(exe) if exe.exists() else (shutil.which("lint-imports") or "lint-imports"), "--no-cache", *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=REPO, timeout=120)


def test_import_linter_contracts_hold() -> None:
    proc = _lint_imports()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout


def test_import_linter_contract_holds_once_external_packages_are_included(tmp_path: Path) -> None:
    """The contract itself, checked with the one setting the repository's config lacks."""
    config = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert "[tool.importlinter]\n" in config
    if "include_external_packages" not in config:
        config = config.replace("[tool.importlinter]\n", "[tool.importlinter]\ninclude_external_packages = true\n")
    fixed = config
    (tmp_path / "pyproject.toml").write_text(fixed, encoding="utf-8")
    proc = _lint_imports("--config", str(tmp_path / "pyproject.toml"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "KEPT" in proc.stdout and "0 broken" in proc.stdout
