"""How much memory and time a run may use, and the cheap estimates every engine checks first.

Every engine entry point (the exact forecast, the live forecast, Monte Carlo, sensitivity,
the KPI tree, compare, report, expectations, the workshop's weekly flows) estimates its
memory and time from the journey's sizes *before* allocating anything and raises
:class:`~journeytui.sim.errors.ResourceLimit` with a message and a suggestion when the run
would not fit. The app calls :func:`check_exact` before starting a worker, so a journey
that cannot be forecast shows "No forecast: ..." instead of freezing or crashing.

Memory: the smallest of what the machine has available (``MemAvailable``), what the
process may still map under ``RLIMIT_AS`` / ``RLIMIT_DATA`` (the soft limit minus what it
already uses), and what its cgroup allows (v2 ``memory.max - memory.current``, v1
``memory.limit_in_bytes - memory.usage_in_bytes``, checked up the hierarchy), times
:data:`SAFETY` for the interpreter, the app and numpy's temporaries.

Time: each engine's cost model (documented beside it) turns sizes into seconds on the
project's reference machine; runs estimated above :data:`TIME_BUDGET` seconds are refused.
``JOURNEYTUI_TIME_BUDGET`` (seconds) and ``JOURNEYTUI_MEMORY_LIMIT`` (bytes, or with a
``K``/``M``/``G`` suffix) override the two limits, e.g. for a long unattended run.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

from journeytui.model.types import Journey
from journeytui.sim.errors import ResourceLimit

SAFETY = 0.8
"""Share of the free memory a run may take: the rest is for the interpreter, the app and temporaries."""

TIME_BUDGET = 600.0
"""Seconds: a run estimated above this is refused as absurd (ten minutes of a 2-core machine)."""

FALLBACK_MEMORY = 4 << 30
"""Bytes assumed available when the system cannot tell."""

GIB = 1 << 30
_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def available_memory() -> int:
    """Bytes of memory the system says are available (``FALLBACK_MEMORY`` when it cannot tell)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return FALLBACK_MEMORY


def _status_bytes(field: str) -> int:
    """A ``kB`` field of /proc/self/status (VmSize, VmData) in bytes; 0 when unknown."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def rlimit_room() -> int | None:
    """Bytes the process may still map under its soft RLIMIT_AS / RLIMIT_DATA; None when unlimited."""
    try:
        import resource
    except ImportError:  # not on POSIX
        return None
    room: int | None = None
    for name, used_field in (("RLIMIT_AS", "VmSize"), ("RLIMIT_DATA", "VmData")):
        res = getattr(resource, name, None)
        if res is None:
            continue
        try:
            soft, _hard = resource.getrlimit(res)
        except (OSError, ValueError):
            continue
        if soft == resource.RLIM_INFINITY or soft < 0:
            continue
        left = max(0, int(soft) - _status_bytes(used_field))
        room = left if room is None else min(room, left)
    return room


def _read_int(path: Path) -> int | None:
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    if text == "max":
        return None
    try:
        return int(text)
    except ValueError:
        return None


def _cgroup_dirs() -> list[tuple[str, Path]]:
    """(version, directory) of this process's memory cgroup and its ancestors, innermost first."""
    root = Path("/sys/fs/cgroup")
    out: list[tuple[str, Path]] = []
    try:
        lines = Path("/proc/self/cgroup").read_text(encoding="utf-8").splitlines()
    except OSError:
        return out
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, rel = parts
        if controllers == "":
            version, base = "v2", root
        elif "memory" in controllers.split(","):
            version, base = "v1", root / "memory"
        else:
            continue
        # inside a cgroup namespace the mount is the process's own group: try the full path, then the mount
        rel_parts = [p for p in rel.split("/") if p]
        for k in range(len(rel_parts), -1, -1):
            d = base.joinpath(*rel_parts[:k])
            if d.is_dir():
                out.append((version, d))
        if (version, base) not in out and base.is_dir():
            out.append((version, base))
    return out


def cgroup_room() -> int | None:
    """Bytes the process's cgroup still allows (the tightest over its ancestors); None when unlimited."""
    room: int | None = None
    for version, d in _cgroup_dirs():
        if version == "v2":
            limit, used = _read_int(d / "memory.max"), _read_int(d / "memory.current")
        else:
            limit, used = _read_int(d / "memory.limit_in_bytes"), _read_int(d / "memory.usage_in_bytes")
        # v1 reports "unlimited" as a huge page-rounded number
        if limit is None or limit >= 1 << 60:
            continue
        left = max(0, limit - (used or 0))
        room = left if room is None else min(room, left)
    return room


def _env_bytes(name: str) -> int | None:
    raw = os.environ.get(name, "").strip().upper().removesuffix("B").removesuffix("I")
    if not raw:
        return None
    unit = raw[-1] if raw[-1] in _UNITS else ""
    with contextlib.suppress(ValueError):
        return int(float(raw[: len(raw) - len(unit)]) * _UNITS[unit])
    return None


@dataclass(frozen=True)
class MemoryLimit:
    """The bytes a run may allocate, and what set that limit (for the message)."""

    bytes: int
    source: str


def memory_limit() -> MemoryLimit:
    """The bytes a run may allocate now: ``SAFETY`` x the tightest of memory, rlimit and cgroup."""
    override = _env_bytes("JOURNEYTUI_MEMORY_LIMIT")
    if override is not None:
        return MemoryLimit(max(0, override), "JOURNEYTUI_MEMORY_LIMIT")
    candidates = [(available_memory(), "available memory")]
    rl = rlimit_room()
    if rl is not None:
        candidates.append((rl, "the process's address-space limit (ulimit -v)"))
    cg = cgroup_room()
    if cg is not None:
        candidates.append((cg, "the cgroup's memory limit"))
    room, source = min(candidates, key=lambda c: c[0])
    return MemoryLimit(int(room * SAFETY), source)


def time_budget() -> float:
    """Seconds a run may take before it is refused (``JOURNEYTUI_TIME_BUDGET`` overrides)."""
    raw = os.environ.get("JOURNEYTUI_TIME_BUDGET", "").strip()
    with contextlib.suppress(ValueError):
        if raw and float(raw) > 0:
            return float(raw)
    return TIME_BUDGET


def gib(n: float) -> str:
    """Bytes as ``26.8 GiB`` (or MiB below one GiB)."""
    return f"{n / GIB:,.1f} GiB" if n >= GIB / 10 else f"{n / (1 << 20):,.1f} MiB"


def duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:,.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:,.0f} minutes"
    return f"{seconds / 3600:,.0f} hours"


@dataclass(frozen=True)
class Estimate:
    """What a run would need: bytes, seconds, and the sizes that drive them (for the message)."""

    what: str
    """``the exact forecast``, ``a Monte Carlo run``..."""
    bytes: int
    seconds: float
    why: str
    """What makes it big: ``10,000 stages x 4 personas x 10,001 weeks``."""
    suggestion: str

    def __add__(self, other: Estimate) -> Estimate:
        """Two runs one after the other (``compare``): peak memory of either, time of both."""
        big = self if self.bytes >= other.bytes else other
        return Estimate(self.what, max(self.bytes, other.bytes), self.seconds + other.seconds, big.why, big.suggestion)

    def times(self, k: int, what: str) -> Estimate:
        """``k`` runs of this one after another (memory is reused, time adds up)."""
        return Estimate(what, self.bytes, self.seconds * k, self.why, self.suggestion)


def check(est: Estimate, memory: int | None = None) -> Estimate:
    """Raise ResourceLimit when ``est`` exceeds the memory limit (``memory`` overrides) or the time budget."""
    lim = MemoryLimit(memory, "the given limit") if memory is not None else memory_limit()
    if est.bytes > lim.bytes:
        raise ResourceLimit(
            f"{est.what} would need {gib(est.bytes)} of memory (limit {gib(lim.bytes)}, from {lim.source}): {est.why}",
            est.suggestion,
            needed=float(est.bytes),
            limit=float(lim.bytes),
        )
    budget = time_budget()
    if est.seconds > budget:
        raise ResourceLimit(
            f"{est.what} would take about {duration(est.seconds)} (limit {duration(budget)}, "
            f"JOURNEYTUI_TIME_BUDGET raises it): {est.why}",
            est.suggestion,
            needed=est.seconds,
            limit=budget,
        )
    return est


# -- the checks callers run before starting work (the engines run them again themselves) --------
# Imported lazily: the engines import this module.


def estimate_exact(journey: Journey, weeks: int | None = None) -> Estimate:
    """Memory and time of the exact (or live) forecast; see :func:`journeytui.sim.exact.estimate_exact`."""
    from journeytui.sim.exact import estimate_exact as estimate

    return estimate(journey, weeks)


def check_exact(journey: Journey, weeks: int | None = None, memory: int | None = None) -> Estimate:
    """Raise ResourceLimit if the exact or live forecast of ``journey`` would not fit; cheap (no compiling)."""
    return check(estimate_exact(journey, weeks), memory)


def check_sensitivity(journey: Journey, weeks: int | None = None, memory: int | None = None) -> Estimate:
    """Raise ResourceLimit if the sensitivity ranking would not fit."""
    from journeytui.sim.sensitivity import estimate_sensitivity

    return check(estimate_sensitivity(journey, weeks), memory)


def check_compare(a: Journey, b: Journey, weeks: int | None = None, memory: int | None = None) -> Estimate:
    """Raise ResourceLimit if comparing ``a`` and ``b`` would not fit."""
    from journeytui.sim.compare import estimate_compare

    return check(estimate_compare(a, b, weeks), memory)


def check_report(journey: Journey, weeks: int | None = None, memory: int | None = None) -> Estimate:
    """Raise ResourceLimit if the report (forecast and sensitivity) would not fit."""
    from journeytui.sim.report import estimate_report

    return check(estimate_report(journey, weeks), memory)
