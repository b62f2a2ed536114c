"""CPU time of ``journeytui fmt``'s comment-keeping form (model/commented.py) on a large commented
file, beside the code it replaced (the version before comments at table ends and inside arrays,
read from git) and the bare canonical form, measured in the same run.

    .venv/bin/python bench/bench_fmt.py [stages]

The file: the generated large journey with a comment above every tenth item, under the last key
of every fifth table and, for the new code only, inside every array (a touchpoint's
``stages``): one element per line, each with a comment. The old code refuses comments inside
arrays, so it is timed on the file without them; the new code is timed on both.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _journeys import large_journey

from journeytui.model import commented
from journeytui.model.load import load_text
from journeytui.model.locate import locate
from journeytui.model.save import dumps, render_canonical

OLD_COMMIT = "75b5d75"  # fmtc before this work


def _old_module():
    root = Path(__file__).resolve().parents[1]
    src = subprocess.run(
        ["git", "-C", str(root), "show", f"{OLD_COMMIT}:src/journeytui/model/commented.py"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    spec = importlib.util.spec_from_loader("old_commented", loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    exec(compile(src, "old_commented.py", "exec"), module.__dict__)
    return module


def _commented(text: str, arrays: bool) -> str:
    pos = locate(text)
    lines = text.split("\n")
    starts = {pos.line_col(o)[0] - 1: p for o, p in pos.anchors}
    heads = sorted(i for i, p in starts.items() if lines[i].startswith("["))
    ends = {h2 - 2 for h2 in heads[1:]}  # the last line of a table's body (canonical: one blank line between)
    out = []
    for i, line in enumerate(lines):
        if i in starts and i % 10 == 0:
            out.append(f"# note {i}")
        if arrays and (m := re.fullmatch(r"([a-z_.]+) = \[(.+)\]", line)):
            items = m[2].split(", ")
            out.append(f"{m[1]} = [  # {m[1]}")
            out.extend(f"  {item},  # item {i}.{k}" for k, item in enumerate(items))
            out.append("]")
        else:
            out.append(line)
        if i in ends and i % 5 == 0:
            out.append(f"# end {i}")
    return "\n".join(out)


def _cpu(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.process_time()
        fn()
        best = min(best, time.process_time() - t)
    return best


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    journey = large_journey(n)
    canon = dumps(journey)
    old = _old_module()
    plain = _commented(canon, arrays=False)
    inner = _commented(canon, arrays=True)
    j_plain, j_inner = load_text(plain).journey, load_text(inner).journey
    assert j_plain is not None and j_inner is not None
    bare = _cpu(lambda: render_canonical(j_plain, plain))
    t_old = _cpu(lambda: old.keep_comments(plain, j_plain))
    t_new = _cpu(lambda: commented.keep_comments(plain, j_plain))
    t_inner = _cpu(lambda: commented.keep_comments(inner, j_inner))
    arrays = len(re.findall(r"= \[  #", inner))
    print(f"{n} stages, {len(plain.splitlines())} lines; CPU seconds, best of 3")
    print(f"  bare canonical form (render_canonical)        {bare:.3f}")
    print(f"  old keep_comments, no comments in arrays      {t_old:.3f}")
    print(f"  new keep_comments, no comments in arrays      {t_new:.3f}  ({t_new / t_old:.2f}x old)")
    print(f"  new keep_comments, comments in {arrays:4} arrays  {t_inner:.3f}  ({t_inner / t_old:.2f}x old)")


if __name__ == "__main__":
    main()
