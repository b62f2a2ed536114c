"""The comment-keeping canonical form (model/commented.py) on every bundled journey, with comments
put above and after random items and the items shuffled within their tables: the result is the
canonical order, the same journey, every comment exactly once and still with its item, and a
second pass changes nothing."""

from __future__ import annotations

import itertools
import random
import re
from pathlib import Path

import pytest

from journeytui.model.commented import CommentsInValue, keep_comments
from journeytui.model.load import load_text
from journeytui.model.locate import locate
from journeytui.model.save import dumps
from journeytui.model.structure import unstructure

JOURNEYS = sorted((Path(__file__).resolve().parents[3] / "journeys").glob("*.toml"))


def _commented(text: str, rng: random.Random) -> tuple[str, dict[str, tuple[str, object]]]:
    """``text`` with comments above some items and after some single-line items; returns the new
    text and, per comment, where it must stay: ("above"|"after", the item's path)."""
    pos = locate(text)
    anchors = sorted(pos.anchors)
    lines = text.split("\n")
    line_of = {p: pos.line_col(o)[0] - 1 for o, p in anchors}
    nxt = {p: line_of[q] for (_, p), (_, q) in itertools.pairwise(anchors)}
    above: dict[int, list[str]] = {}
    after: dict[int, str] = {}
    where: dict[str, tuple[str, object]] = {}
    for n, (_, path) in enumerate(anchors):
        i = line_of[path]
        if rng.random() < 0.3:
            c = f"# note {n} 日本語"
            above.setdefault(i, []).append(c)
            where[c] = ("above", path)
        single = nxt.get(path, len(lines)) == i + 1 or lines[i].startswith("[")
        if single and rng.random() < 0.3:
            c = f"# tail {n}"
            after[i] = c
            where[c] = ("after", path)
    out = []
    for i, line in enumerate(lines):
        out.extend(above.get(i, []))
        out.append(f"{line}   {after[i]}" if i in after else line)
    return "\n".join(out), where


def _check_places(text: str, where: dict[str, tuple[str, object]]) -> None:
    pos = locate(text)
    lines = text.split("\n")
    line_of = {p: pos.line_col(o)[0] - 1 for o, p in pos.anchors}
    for comment, (how, path) in where.items():
        if path not in line_of:  # an item the canonical form leaves out: kept elsewhere (counted below)
            continue
        i = line_of[path]
        if how == "above":
            j = i - 1
            while j >= 0 and lines[j].startswith("#") and lines[j] != comment:
                j -= 1
            assert j >= 0 and lines[j] == comment, f"{comment!r} is not above {path}"
        else:
            near = range(i, min(i + 40, len(lines)))
            assert any(lines[k].endswith(comment) for k in near), f"{comment!r} left {path}"


@pytest.mark.parametrize("path", JOURNEYS, ids=[p.stem for p in JOURNEYS])
def test_random_comments_stay_with_their_items(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    journey = load_text(text).journey
    assert journey is not None
    rng = random.Random(path.stem)
    for _ in range(3):
        commented, where = _commented(text, rng)
        loaded = load_text(commented)
        assert loaded.journey is not None and unstructure(loaded.journey) == unstructure(journey)
        out = keep_comments(commented, loaded.journey)
        again = load_text(out)
        assert again.journey is not None and unstructure(again.journey) == unstructure(journey)
        assert keep_comments(out, again.journey) == out  # idempotent
        bare = [re.sub(r"  # tail \d+$", "", line) for line in out.split("\n") if not line.startswith("#")]
        assert "\n".join(bare) == dumps(journey)  # the canonical form, comments aside
        for comment in where:
            assert len(re.findall(re.escape(comment) + "$", out, re.M)) == 1
        _check_places(out, where)


def test_a_comment_inside_an_array_is_refused() -> None:
    text = JOURNEYS[0].read_text(encoding="utf-8")
    i = text.index("[[stages]]")
    bad = text[:i] + '[dmu]\nroles = [\n  # the deciders\n  "decision_maker",\n]\n\n' + text[i:]
    with pytest.raises(CommentsInValue) as info:
        keep_comments(bad, load_text(text).journey)  # type: ignore[arg-type]
    assert info.value.line > 1
