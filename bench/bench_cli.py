"""Benchmark the command line's start and validation (not a test): `python bench/bench_cli.py [--runs N]`.

Issue 10 asks that ``journeytui --version`` and ``journeytui validate`` of one file stay
well under 200 ms, and that 1,000 files validate in under 3 s (pre-commit runs the
validator on every commit). Wall times of the real console script in a fresh process,
best of N runs, measured against anchors in the same run:

* ``python -c pass``: the interpreter's own start, which no command can beat;
* check-jsonschema validating the same 1,000 files against ``journeytui schema``
  (structure only: no references, graph or positions). Install it with
  ``pip install check-jsonschema``; it is skipped with a note when missing.

The 1,000 files are the bundled journeys copied round-robin with their ``[journey] id``
made unique, in a temporary folder.

Run it with bytecode caches, as an installed tool has them: with ``PYTHONDONTWRITEBYTECODE=1``
in the environment (some machines set it) every start compiles every module again, which
added tens of milliseconds to each start measured before.
"""

from __future__ import annotations

import argparse
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from journeytui.bundled import bundled_journeys

BIN = Path(sys.executable).parent
JOURNEYTUI = BIN / "journeytui"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def best_of(cmd: list[str], runs: int, expect: int = 0) -> tuple[float, float]:
    """Wall and CPU seconds (all processes) of the fastest of ``runs`` runs of ``cmd``; exit code checked."""
    best = (float("inf"), 0.0)
    for _ in range(runs):
        cpu, start = _children_cpu(), time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, check=False)
        wall = time.perf_counter() - start
        best = min(best, (wall, _children_cpu() - cpu))
        if proc.returncode != expect:
            raise SystemExit(
                f"{' '.join(cmd[:3])} ... exited {proc.returncode}:\n{proc.stdout[-800:]!r}{proc.stderr[-800:]!r}"
            )
    return best


def make_files(folder: Path, count: int) -> list[Path]:
    """``count`` journeys: the bundled ones round-robin, each with its own journey id."""
    sources = [(p.stem, p.read_text(encoding="utf-8")) for p in bundled_journeys()]
    files = []
    for i in range(count):
        stem, text = sources[i % len(sources)]
        path = folder / f"{stem}-{i:04d}.toml"
        path.write_text(re.sub(r'(?m)^id = "([^"]*)"', rf'id = "\1-{i}"', text, count=1), encoding="utf-8")
        files.append(path)
    return files


def row(label: str, times: tuple[float, float], note: str = "") -> None:
    wall, cpu = times
    print(f"{label:<50} {wall * 1000:9.1f} ms {cpu * 1000:9.1f} ms  {note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="runs of each command; the best counts (default 5)")
    parser.add_argument("--files", type=int, default=1000, help="files in the large validation (default 1000)")
    args = parser.parse_args()
    jt = str(JOURNEYTUI)

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "journeys"
        folder.mkdir()
        files = make_files(folder, args.files)
        one = str(files[1])  # the flagship's copy (b2b-it-tool sorts second)
        schema = Path(tmp) / "journey.schema.json"
        subprocess.run([jt, "schema", "--out", str(schema)], check=True)

        bare = best_of([sys.executable, "-c", "pass"], args.runs)
        version = best_of([jt, "--version"], args.runs)
        single = best_of([jt, "validate", one], args.runs)
        many = best_of([jt, "validate", str(folder)], max(1, args.runs // 2))

        checker = shutil.which("check-jsonschema", path=str(BIN)) or shutil.which("check-jsonschema")
        anchor = None
        if checker:
            # The schema's patterns are written for Python's re; check-jsonschema's default is ECMAScript.
            cmd = [checker, "--regex-variant", "python", "--schemafile", str(schema), *map(str, files)]
            anchor = best_of(cmd, max(1, args.runs // 2))

    print(f"journeytui CLI start and validation (best of {args.runs}; {args.files} files)")
    print(f"{'':<50} {'wall':>12} {'CPU':>12}   (CPU: user + system, all processes; steadier on a busy machine)")
    row("python -c pass (interpreter start, anchor)", bare)
    row("journeytui --version", version, f"target < 200 ms: {'ok' if version[0] < 0.2 else 'SLOW'}")
    row("journeytui validate <one file>", single, f"target < 200 ms: {'ok' if single[0] < 0.2 else 'SLOW'}")
    verdict = "ok" if many[0] < 3 else "SLOW"
    per_file = (many[1] - single[1]) / args.files * 1000
    row(f"journeytui validate <{args.files} files>", many, f"target < 3 s: {verdict}; {per_file:.2f} ms CPU/file")
    if anchor is not None:
        ratio = f"journeytui / check-jsonschema: wall {many[0] / anchor[0]:.2f}, CPU {many[1] / anchor[1]:.2f}"
        row(f"check-jsonschema, same {args.files} files (anchor)", anchor, ratio)
    else:
        print("check-jsonschema not installed (pip install check-jsonschema): no anchor for the 1,000 files")


if __name__ == "__main__":
    main()
