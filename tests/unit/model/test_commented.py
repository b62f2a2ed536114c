"""The comment-keeping canonical form (model/commented.py) on every bundled journey, its sections
and keys shuffled, with comments put above and after random items, at the end of random tables
(right under the last key or after a blank line), closing the file, and inside one-line arrays
rewritten over several lines (above an element, after it, after ``[``, above ``]``); some files
in CRLF with a byte-order mark. The result is the canonical order, the same journey, every comment
exactly once and still with its owner, a second pass changes nothing, and ``fmt --check`` fails
exactly when ``fmt`` changes the file."""

from __future__ import annotations

import itertools
import random
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from journeytui.cli import main
from journeytui.model.commented import keep_comments
from journeytui.model.load import load_text
from journeytui.model.locate import locate
from journeytui.model.save import dumps
from journeytui.model.structure import unstructure

JOURNEYS = sorted((Path(__file__).resolve().parents[3] / "journeys").glob("*.toml"))

Where = dict[str, tuple[str, Any]]
"""Per generated comment, where it must stay: (how, the owner's path)."""


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        data = data[step]
    return data


def _array(line: str, path: tuple[Any, ...], value: list[Any], n: int, rng: random.Random, where: Where) -> list[str]:
    """The one-line array item ``line`` written over several lines, with comments inside."""
    prefix = line[: line.index("[")]
    pad = rng.choice(["  ", "   ", "\t"])
    first = prefix + "["
    if rng.random() < 0.3:
        where[c := f"# el-open {n}"] = ("open", path)
        first += f"  {c}"
    out = [first]
    for i, v in enumerate(value):
        if rng.random() < 0.4:
            where[c := f"# el-above {n}.{i}"] = ("el-above", (*path, i))
            out.append(pad + c)
        elem = pad + tomli_w.dumps({"v": v})[4:].rstrip("\n")
        elem += "," if i < len(value) - 1 or rng.random() < 0.5 else ""
        if rng.random() < 0.4:
            where[c := f"# el-after {n}.{i}"] = ("el-after", (*path, i))
            elem += rng.choice([" ", "  "]) + c
        out.append(elem)
    if rng.random() < 0.3:
        where[c := f"# el-close {n}"] = ("close", path)
        out.append(pad + c)
    out.append("]")
    return out


def _shuffled(text: str, rng: random.Random) -> str:
    """The same journey with its sections (``[journey]``, ``[population...]``, the ``[[stages]]``...)
    in a random order and the one-line keys of each table shuffled: fmt must move everything back."""
    pos = locate(text)
    lines = text.rstrip("\n").split("\n")
    starts = {pos.line_col(o)[0] - 1 for o, _ in pos.anchors}
    heads = sorted(i for i in starts if lines[i].startswith("["))
    groups: dict[str, list[list[str]]] = {}
    for a, b in itertools.pairwise([*heads, len(lines)]):
        chunk = lines[a:b]
        while not chunk[-1].strip():
            chunk.pop()
        if all(a + k in starts for k in range(1, len(chunk))):  # one line per key: any order loads the same
            body = chunk[1:]
            rng.shuffle(body)
            chunk = [chunk[0], *body]
        groups.setdefault(lines[a].strip("[] ").split(".")[0], []).append(chunk)
    order = list(groups.values())
    rng.shuffle(order)
    return "\n".join([*lines[: heads[0]], "\n\n".join("\n".join(c) for group in order for c in group)]) + "\n"


def _commented(text: str, rng: random.Random) -> tuple[str, Where]:
    """``text`` with generated comments; returns the new text and where each comment must stay."""
    pos = locate(text)
    data = tomllib.loads(text)
    anchors = sorted(pos.anchors)
    lines = text.split("\n")
    line_of = {p: pos.line_col(o)[0] - 1 for o, p in anchors}
    nxt = {p: line_of[q] for (_, p), (_, q) in itertools.pairwise(anchors)}
    above: dict[int, list[str]] = {}
    after: dict[int, str] = {}
    under: dict[int, list[str]] = {}  # lines added after a line
    rewritten: dict[int, list[str]] = {}
    where: Where = {}
    dropped: set[int] = set()  # blank lines taken out
    bare: set[int] = set()  # headers that get no comment above them
    headers = [(line_of[p], p) for _, p in anchors if lines[line_of[p]].startswith("[")]
    for (h, table), (h2, _) in itertools.pairwise([*headers, (len(lines), None)]):
        if rng.random() < 0.3:
            end = h2 - 1
            while not lines[end].strip():
                end -= 1
            spaced = rng.random() < 0.3
            # set off by a blank line after the last table, the lines close the file
            where[c := f"# end {h}"] = ("closing", None) if spaced and h2 == len(lines) else ("end", table)
            under.setdefault(end, []).extend(["", c] if spaced else [c])
            if not spaced and h2 < len(lines) and rng.random() < 0.5:
                dropped.update(range(end + 1, h2))  # no blank line before the next header: still the table's
                bare.add(h2)
    for n, (_, path) in enumerate(anchors):
        i = line_of[path]
        if i not in bare and rng.random() < 0.3:
            c = f"# note {n} 日本語"
            above.setdefault(i, []).append(c)
            where[c] = ("above", path)
        single = nxt.get(path, len(lines)) == i + 1 or lines[i].startswith("[")
        value = None if lines[i].startswith("[") else _get(data, path)
        if single and isinstance(value, list) and value and rng.random() < 0.5:
            rewritten[i] = _array(lines[i], path, value, n, rng, where)
        if single and rng.random() < 0.3:
            c = f"# tail {n}"
            after[i] = c
            where[c] = ("after", path)
    out = []
    for i, line in enumerate(lines):
        if i in dropped:
            continue
        out.extend(above.get(i, []))
        block = list(rewritten.get(i, [line]))
        block[-1] += f"   {after[i]}" if i in after else ""
        out.extend(block)
        out.extend(under.get(i, []))
    new = "\n".join(out)
    if rng.random() < 0.3:
        where["# closing"] = ("closing", None)
        new = new.rstrip("\n") + "\n\n# closing\n"
    return new, where


_TRAILING = re.compile(r"(  # (?:tail|el-after|el-open) [\d.]+)+$")


def _flat(text: str) -> str:
    """``text`` without the generated comments, each array on one line: what the canonical form
    writes, comments aside, once both are flattened."""
    out: list[str] = []
    array: list[str] | None = None
    for line in text.split("\n"):
        if line.strip().startswith("#"):
            continue
        line = _TRAILING.sub("", line)
        if array is not None:
            if line == "]":
                out.append(array[0] + ", ".join(array[1:]) + "]")
                array = None
            else:
                array.append(line.strip().removesuffix(","))
        elif line.endswith("= ["):
            array = [line]
        else:
            out.append(line)
    return re.sub(r"\n\n+", "\n\n", "\n".join(out).strip("\n"))  # a comment set off by blank lines leaves two


def _check_places(text: str, where: Where) -> None:
    pos = locate(text)
    lines = text.split("\n")
    line_of = {p: pos.line_col(o)[0] - 1 for o, p in pos.anchors}
    header_lines = sorted(i for i in line_of.values() if lines[i].startswith("["))
    found = {c: i for i, line in enumerate(lines) for c in where if line.strip() == c or line.endswith("  " + c)}
    content = [i for i, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#")]
    for comment, (how, path) in where.items():
        at = found[comment]
        if how == "closing":
            assert at > content[-1], f"{comment!r} does not close the file"
            continue
        if how in ("el-above", "el-after"):
            if path not in pos.keys:  # an array the canonical form leaves out: kept elsewhere (counted)
                continue
            element = pos.line_col(pos.keys[path])[0] - 1
            if how == "el-after":
                assert at == element and lines[at].endswith(comment), f"{comment!r} left {path}"
            else:
                assert at < element and all(lines[k].strip().startswith("#") for k in range(at, element))
            continue
        if how in ("open", "close"):
            if path not in pos.ends:
                continue
            first, last = (pos.line_col(pos.values[path])[0] - 1, pos.line_col(pos.ends[path])[0] - 1)
            assert (at == first) if how == "open" else (first < at < last), f"{comment!r} left {path}"
            continue
        if path not in line_of:  # an item the canonical form leaves out: kept elsewhere (counted below)
            continue
        i = line_of[path]
        if how == "above":
            assert at < i and all(lines[k].strip().startswith("#") for k in range(at, i)), (
                f"{comment!r} not above {path}"
            )
        elif how == "after":
            assert i <= at < i + 80 and lines[at].endswith(comment), f"{comment!r} left {path}"
        else:  # end: after the table's last line of content, before the next header
            nh = next((h for h in header_lines if h > i), len(lines))
            assert i < at < nh, f"{comment!r} left the table {path}"
            assert not any(k in content for k in range(at + 1, nh)), f"{comment!r} is not at the end of {path}"
            # and not right above the next header, where it would belong to that header
            assert nh == len(lines) or "" in [lines[k].strip() for k in range(at + 1, nh)], comment


@pytest.mark.parametrize("path", JOURNEYS, ids=[p.stem for p in JOURNEYS])
def test_random_comments_stay_with_their_items(path: Path, tmp_path: Path, capsys) -> None:
    text = path.read_text(encoding="utf-8")
    journey = load_text(text).journey
    assert journey is not None
    rng = random.Random(path.stem)
    for n in range(4):
        commented, where = _commented(_shuffled(text, rng), rng)
        windows = n % 2 == 1  # CRLF and a byte-order mark
        if windows:
            commented = commented.replace("\n", "\r\n")
        loaded = load_text(commented)
        assert loaded.journey is not None and unstructure(loaded.journey) == unstructure(journey)
        out = keep_comments(commented, loaded.journey)
        assert ("\n" not in out.replace("\r\n", "")) if windows else ("\r" not in out)
        again = load_text(out)
        assert again.journey is not None and unstructure(again.journey) == unstructure(journey)
        assert keep_comments(out, again.journey) == out  # idempotent
        lf = out.replace("\r\n", "\n")
        assert _flat(lf) == _flat(dumps(loaded.journey))  # the canonical form, comments aside
        for comment in where:
            assert len(re.findall(re.escape(comment) + "$", lf, re.M)) == 1, comment
        _check_places(lf, where)
        # the command line: --check fails exactly when fmt changes the file; the mark is kept
        file = tmp_path / f"{path.stem}-{n}.toml"
        file.write_bytes(("\ufeff" if windows else "").encode() + commented.encode())
        assert main(["fmt", "--check", str(file)]) == (1 if out != commented else 0)
        assert main(["fmt", str(file)]) == 0
        assert file.read_bytes() == ("\ufeff" if windows else "").encode() + out.encode()
        assert main(["fmt", "--check", str(file)]) == 0
        capsys.readouterr()


def test_a_canonical_file_with_comments_in_an_array_is_left_alone(tmp_path: Path, capsys) -> None:
    """The canonical form of an array holding comments is one element per line: fmt leaves it,
    --check passes it."""
    text = JOURNEYS[0].read_text(encoding="utf-8")
    m = re.search(r'^needs = \["([^"]*)", "([^"]*)"\]$', text, re.M)
    assert m is not None
    block = f'needs = [  # the needs\n    # first\n    "{m[1]}",\n    "{m[2]}",  # second\n    # more later\n]'
    commented = text.replace(m[0], block, 1)
    assert keep_comments(commented, load_text(commented).journey) == commented  # type: ignore[arg-type]
    file = tmp_path / "j.toml"
    file.write_text(commented, encoding="utf-8")
    assert main(["fmt", "--check", str(file)]) == 0, capsys.readouterr().err


AGREE = """\
[journey]
id = "mini"
title = "Mini"
horizon = 52

[[stages]]
id = "lead"
name = "Lead"
entry = true

[[stages]]
id = "won"
name = "Won"
kind = "won"

[[stages]]
id = "lost"
name = "Lost"
kind = "lost"

[[transitions]]
to = "won"
from = "lead"
probability = 0.1
# t0 under its last key

# t1 above its header
[[transitions]]  # t1 after its header
to = "lost"
# t1 above a key
from = "lead"
probability = 0.05
# t1 under its last key

# t1 set off at its end

[[transitions]]
to = "lost"
from = "won"
probability = 0.01
"""


@pytest.mark.parametrize("tight", [False, True], ids=["spaced", "no-blank-before-the-next-header"])
def test_fmt_and_the_apps_save_agree_on_what_an_entry_owns(tight: bool) -> None:
    """The comments the app's save deletes with an entry are those fmt keeps with that entry."""
    from dataclasses import replace

    from journeytui.model.save import render

    text = AGREE
    if tight:
        text = text.replace("# t1 under its last key\n\n# t1 set off at its end\n\n", "# t1 under its last key\n")
        assert "# t1 set off" not in text
    journey = load_text(text).journey
    assert journey is not None
    comments = {line[line.index("#") :] for line in text.split("\n") if "# t" in line}
    saved = render(replace(journey, transitions=[journey.transitions[0], journey.transitions[2]]), text)
    deleted = {c for c in comments if c not in saved}
    formatted = keep_comments(text, journey)
    pos = locate(formatted)
    lines = formatted.split("\n")
    start = pos.line_col(pos.keys[("transitions", 1)])[0] - 1
    end = pos.line_col(pos.keys[("transitions", 2)])[0] - 1
    while lines[start - 1].startswith("#"):  # the lines right above a header go with it
        start -= 1
    while lines[end - 1].startswith("#"):
        end -= 1
    owned = {c for c in comments if any(line.endswith(c) for line in lines[start:end])}
    assert deleted == owned == {c for c in comments if c.startswith("# t1")}


def test_a_value_that_cannot_be_rewritten_is_kept_as_written(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fallback for an array whose comments cannot be placed element by element (no valid
    journey has one: simulated here): that value keeps its text, comments and spacing, and the rest
    of the file is still put in canonical form, the same on a second pass."""
    import journeytui.model.commented as commented

    monkeypatch.setattr(commented, "_plain_array", lambda *args: False)
    text = JOURNEYS[0].read_text(encoding="utf-8")
    m = re.search(r'^needs = \["([^"]*)", "([^"]*)"\]$', text, re.M)
    assert m is not None
    value = f'[ "{m[1]}",  # first\n      "{m[2]}"\n  # closing\n  ]'
    shuffled = _shuffled(text, random.Random(1)).replace(m[0], f"needs = {value}", 1)
    journey = load_text(shuffled).journey
    assert journey is not None
    out = keep_comments(shuffled, journey)
    assert f"needs = {value}\n" in out
    assert out.replace(f"needs = {value}", m[0], 1) == dumps(journey)
    assert keep_comments(out, journey) == out


def test_the_end_of_a_sub_table_written_as_dotted_keys() -> None:
    """A comment under the last key of ``[touchpoints.schedule]`` (which the canonical form writes
    as ``schedule.days`` inside the entry) goes to the end of the entry, not after the dotted key,
    where a second pass would give it to the next key."""
    text = (JOURNEYS[0].parent / "aidma.toml").read_text(encoding="utf-8")
    old = "schedule.days = [1]\nengagement = 0.4\nlift.won = 1.2\n"
    assert old in text
    sub = text.replace(old, "engagement = 0.4\nlift.won = 1.2\n\n[touchpoints.schedule]\ndays = [1]\n# days = [1, 8]\n")
    journey = load_text(sub).journey
    assert journey is not None
    out = keep_comments(sub, journey)
    assert out == text.replace(old, old + "# days = [1, 8]\n")
    assert keep_comments(out, journey) == out
