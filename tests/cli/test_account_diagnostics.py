"""Accounts and gates that silently give zero wins or surprising committees are diagnosed.

Each case is a real file on disk run through `journeytui validate --strict` (the real CLI), and
where a diagnostic says a gate never passes, the forecast confirms it: no wins, ever.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from journeytui.cli import main
from journeytui.model import Journey, load_file
from journeytui.model.accounts import account_members, account_size
from journeytui.sim import simulate

ROOT = Path(__file__).resolve().parents[2]
FLAGSHIP = ROOT / "journeys" / "b2b-it-tool.toml"


def variant(tmp_path: Path, old: str, new: str, name: str = "v.toml") -> Path:
    text = FLAGSHIP.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def roles(path: Path, required: str) -> None:
    """Give the flagship's gate (which requires the default, a decision maker) these roles."""
    text = path.read_text(encoding="utf-8")
    assert text.count("min_share = 0.6\n") == 1
    path.write_text(text.replace("min_share = 0.6\n", f"min_share = 0.6\nrequire_roles = {required}\n"), "utf-8")


def gated_moves(journey: Journey) -> float:
    """Moves along the flagship's gated transition in a 20-week forecast (the hand-off to
    sales by score bypasses the gate, so the transition's own moves are what the gate stops)."""
    moves: float = simulate(journey, runs=2, weeks=20).kpis["conversion"]["evaluate->sales"]["moves"]
    return moves


def warnings(path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, list[str]]:
    """Code -> messages that `validate --strict` prints for the file (and it must fail on them)."""
    code = main(["validate", "--strict", str(path)])
    out = capsys.readouterr().out
    found: dict[str, list[str]] = {}
    for m in re.finditer(r":\d+:\d+: (W\d{3}|E\d{3}) (.*)", out):
        found.setdefault(m.group(1), []).append(m.group(2))
    assert (code != 0) == bool(found), out
    return found


def test_the_bundled_flagship_is_clean(capsys: pytest.CaptureFixture[str]) -> None:
    assert warnings(FLAGSHIP, capsys) == {}


def test_accounts_smaller_than_the_committee(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # the case: 2600 leads in 650 accounts of 4, for a 5-member committee
    found = warnings(variant(tmp_path, "accounts = 520", "accounts = 650"), capsys)
    assert list(found) == ["W105"]
    (msg,) = found["W105"]
    assert "accounts of 4 leads are smaller than the 5-member DMU composition" in msg
    assert "leaves out 1 team_lead" in msg and "`accounts = 520` makes whole committees" in msg


def test_account_size_is_rounded_half_up(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # 2600 / 520 = 5 exactly; 2600 / 577.7... : take 2250 leads in 500 accounts = 4.5, which
    # round() (half to even) would make 4 and half up makes 5
    path = variant(tmp_path, "aware = 2000\nresearch = 400\ncompare = 150\nevaluate = 50", "aware = 2250")
    path.write_text(path.read_text(encoding="utf-8").replace("accounts = 520", "accounts = 500"), encoding="utf-8")
    found = warnings(path, capsys)
    assert list(found) == ["W108"]
    assert found["W108"] == [
        "2250 initial leads / 500 accounts = 4.5 leads per account, rounded half up to 5: "
        "the initial leads form 450 accounts of 5"
    ]
    assert account_size(2250, 500, 5) == 5 and account_size(2250, 501, 5) == 4


def test_a_gate_needing_two_roles_without_accounts_never_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = variant(tmp_path, "accounts = 520", "accounts = 0")
    roles(path, '["decision_maker", "champion"]')
    found = warnings(path, capsys)
    assert list(found) == ["W106"]
    assert "without `accounts` each lead is a committee of one" in found["W106"][0]
    assert "(evaluate -> sales) never happen" in found["W106"][0]
    assert gated_moves(load_file(path).journey) == 0


def test_a_gate_whose_role_the_accounts_leave_out_never_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 2600 leads in 1300 accounts of 2: each account holds 1 dept_head and 1 team_lead
    assert account_members({"dept_head": 1, "section_mgr": 1, "team_lead": 2, "it_staff": 1}, 2) == {
        "dept_head": 1,
        "it_staff": 0,
        "section_mgr": 0,
        "team_lead": 1,
    }
    path = variant(tmp_path, "accounts = 520", "accounts = 1300")
    roles(path, '["decision_maker", "gatekeeper"]')
    doc = load_file(path).journey
    assert any(p.role == "gatekeeper" and p.id == "it_staff" for p in doc.personas)
    found = warnings(path, capsys)
    assert sorted(found) == ["W105", "W106"]
    assert "requires gatekeeper, but accounts of 2 leads hold nobody with that role" in found["W106"][0]
    assert gated_moves(doc) == 0


def test_mix_is_ignored_with_accounts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = variant(tmp_path, "[dmu.composition]", "[population.mix]\ndept_head = 3\nteam_lead = 1\n\n[dmu.composition]")
    found = warnings(path, capsys)
    assert list(found) == ["W107"] and "`mix` is ignored" in found["W107"][0]
    # and it is: the forecast is the one without the mix
    same = simulate(load_file(FLAGSHIP).journey, runs=2, weeks=5).to_json()
    assert simulate(load_file(path).journey, runs=2, weeks=5).to_json() == same


def test_accounts_without_a_composition_are_ignored(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = variant(tmp_path, "[dmu.composition]\ndept_head = 1\nsection_mgr = 1\nteam_lead = 2\nit_staff = 1\n", "")
    found = warnings(path, capsys)
    assert "W107" in found
    assert any("`accounts = 520` is ignored" in m for m in found["W107"])
