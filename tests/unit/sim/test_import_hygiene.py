"""The simulator never imports Textual (it runs in CI, scripts and worker threads)."""

from __future__ import annotations

import subprocess
import sys


def test_sim_does_not_import_textual() -> None:
    code = "import sys, journeytui.sim, journeytui.sim.expect; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
