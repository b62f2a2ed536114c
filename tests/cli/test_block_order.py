"""The order of blocks in a journey file is cosmetic: it never changes a forecast.

For every bundled journey, copies with the `[[stages]]`, `[[transitions]]`, `[[stalls]]`,
`[[personas]]`, `[[gates]]`, `[[channels]]` and `[[touchpoints]]` blocks shuffled (and the keys
of `[dmu.composition]`, `[population.*]` reversed) are written to disk at test time and run
through the real CLI, `journeytui simulate --format json`, with the Monte Carlo engine (a fixed
seed) and with `--exact` (with `--ignore` for what it cannot do).

Output order is a display concern and follows the file: `stages` lists the stages in the
file's order, and the stage columns of `mean`, `p05`, `p50`, `p95`, `by_persona` and
`kpis.on_hold` follow it; keyed KPIs list their keys in the file's order. So the test puts
both outputs into one canonical form before comparing them byte for byte: stages sorted by
id (columns reordered with them) and every object's keys sorted. Every number must then be
identical, bit for bit: the engines work in an order that does not depend on the file
(docs/simulation.md, *Block order*).

All bundled journeys give every stage a `phase`; without one a stage's layer is its file
position, the one place where stage order means something, so such journeys are not shuffled
here.
"""

from __future__ import annotations

import json
import random
import tomllib
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from journeytui.cli import main

JOURNEYS = sorted((Path(__file__).resolve().parents[2] / "journeys").glob("*.toml"))
BLOCKS = ("stages", "transitions", "stalls", "personas", "gates", "channels", "touchpoints")
PLAIN = ["--ignore", "scoring", "--ignore", "lifts", "--ignore", "gates", "--ignore", "capacity"]
STAGE_ARRAYS = ("mean", "p05", "p50", "p95")


def shuffled(doc: dict[str, Any], seed: int) -> dict[str, Any]:
    """The document with every block list shuffled and the keys of the keyed tables reversed."""
    rng = random.Random(seed)
    out = dict(doc)
    for name in BLOCKS:
        if name in out:
            items = list(out[name])
            while len(items) > 1 and items == out[name]:
                rng.shuffle(items)
            out[name] = items
    for table, sub in (("population", "initial"), ("population", "arrivals"), ("population", "mix")):
        if sub in out.get(table, {}):
            out[table] = dict(out[table])
            out[table][sub] = dict(reversed(list(out[table][sub].items())))
    if "composition" in out.get("dmu", {}):
        out["dmu"] = {**out["dmu"], "composition": dict(reversed(list(out["dmu"]["composition"].items())))}
    return out


def canonical(data: dict[str, Any]) -> str:
    """The JSON with stages sorted by id (their columns with them) and every object's keys sorted."""
    order = sorted(range(len(data["stages"])), key=lambda i: data["stages"][i])

    def cols(rows: list[list[float]]) -> list[list[float]]:
        return [[row[i] for i in order] for row in rows]

    data = dict(data)
    data["stages"] = [data["stages"][i] for i in order]
    for key in STAGE_ARRAYS:
        data[key] = cols(data[key])
    data["by_persona"] = {p: cols(rows) for p, rows in data["by_persona"].items()}
    if "on_hold" in data["kpis"]:
        data["kpis"] = {**data["kpis"], "on_hold": cols(data["kpis"]["on_hold"])}
    return json.dumps(data, sort_keys=True, ensure_ascii=False)


def run(path: Path, args: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    assert main(["simulate", str(path), "--format", "json", *args]) == 0
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    return data


@pytest.mark.parametrize("journey", JOURNEYS, ids=lambda p: p.stem)
def test_shuffled_blocks_give_identical_forecasts(
    journey: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = tomllib.loads(journey.read_text(encoding="utf-8"))
    assert all("phase" in s for s in doc["stages"]), "see the module docstring"
    mc = ["--runs", "4", "--seed", "7", "--weeks", "26"]
    exact = ["--exact", *PLAIN]
    base_mc, base_exact = run(journey, mc, capsys), run(journey, exact, capsys)
    for seed in (1, 2):
        doc2 = shuffled(doc, seed)
        path = tmp_path / f"{journey.stem}-{seed}.toml"
        path.write_text(tomli_w.dumps(doc2), encoding="utf-8")
        assert main(["validate", "--strict", str(path)]) == main(["validate", "--strict", str(journey)])
        capsys.readouterr()
        other_mc, other_exact = run(path, mc, capsys), run(path, exact, capsys)
        # display order follows the (shuffled) file
        assert other_mc["stages"] == [s["id"] for s in doc2["stages"]]
        assert canonical(other_mc) == canonical(base_mc)
        assert canonical(other_exact) == canonical(base_exact)


def test_output_follows_the_file_order(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Keyed KPIs list their keys in the file's order, whatever order the engines worked in."""
    flagship = next(p for p in JOURNEYS if p.stem == "b2b-it-tool")
    doc = shuffled(tomllib.loads(flagship.read_text(encoding="utf-8")), 3)
    path = tmp_path / "f.toml"
    path.write_text(tomli_w.dumps(doc), encoding="utf-8")
    data = run(path, ["--runs", "2", "--weeks", "4"], capsys)
    kpis = data["kpis"]
    assert list(kpis["reached"]) == data["stages"] == [s["id"] for s in doc["stages"]]
    assert list(kpis["touchpoints"]) == [t["id"] for t in doc["touchpoints"]]
    assert list(kpis["channels"]) == [c["id"] for c in doc["channels"]]
    assert list(data["by_persona"]) == list(kpis["personas"]) == [p["id"] for p in doc["personas"]]
    edges = [f"{t['from']}->{t['to']}" for t in doc["transitions"]]
    assert [k for k in kpis["conversion"] if "hand-off" not in k] == edges


def test_moving_a_persona_block_with_uneven_accounts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The issue's case: the flagship with `accounts = 650` (accounts of 4 for a 5-member committee)
    gave 240 or 416 wins at week 52 depending on where the `it_staff` block stood."""
    flagship = next(p for p in JOURNEYS if p.stem == "b2b-it-tool")
    doc = tomllib.loads(flagship.read_text(encoding="utf-8").replace("accounts = 520", "accounts = 650"))
    moved = dict(doc)
    it = [p for p in doc["personas"] if p["id"] == "it_staff"]
    moved["personas"] = it + [p for p in doc["personas"] if p["id"] != "it_staff"]
    assert moved["personas"] != doc["personas"]
    outputs = []
    for name, d in (("as-is", doc), ("moved", moved)):
        path = tmp_path / f"{name}.toml"
        path.write_text(tomli_w.dumps(d), encoding="utf-8")
        outputs.append(run(path, ["--runs", "3", "--weeks", "52"], capsys))
    assert outputs[0] == outputs[1]  # equal JSON (only the order of persona keys differs)
    assert outputs[0]["won"][-1] > 0
