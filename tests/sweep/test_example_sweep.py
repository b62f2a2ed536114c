"""The flagship's example sweep file loads clean against the flagship, and `validate journeys/` never
takes it for a journey."""

from __future__ import annotations

from pathlib import Path

import pytest

from journeytui.cli import main
from journeytui.model.load import load_journey
from journeytui.sweep.scenarios import grid_size
from journeytui.sweep.spec import load_sweep

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "journeys" / "examples" / "b2b-it-tool.sweep.toml"


def test_the_example_sweep_is_valid_for_the_flagship() -> None:
    result = load_sweep(str(EXAMPLE), load_journey(ROOT / "journeys" / "b2b-it-tool.toml"))
    assert result.ok, result.diagnostics
    assert result.sweep is not None and grid_size(result.sweep) == 27
    assert [lv.kind for lv in result.sweep.levers] == ["transition", "capacity", "cadence"]


def test_validate_walks_past_sweep_files(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["validate", "--strict", str(ROOT / "journeys")]) == 0
    assert "sweep.toml" not in capsys.readouterr().out
    # a sweep file in a folder of journeys is left out too, even when it would not load as one
    (tmp_path / "plan.sweep.toml").write_text("[[levers]]\nid = 'x'\n", encoding="utf-8")
    (tmp_path / "j.toml").write_text((ROOT / "journeys" / "aidma.toml").read_text(encoding="utf-8"), encoding="utf-8")
    assert main(["validate", str(tmp_path)]) == 0
    assert "plan.sweep.toml" not in capsys.readouterr().out
