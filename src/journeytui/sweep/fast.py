"""A sweep's scenarios through one compiled journey: compile once, patch the chances a lever sets.

:func:`journeytui.sweep.evaluate.evaluate` forecasts a scenario by applying its levers to a
copy of the journey, validating the copy, compiling it, building the count engine's states
and running the engine. For levers that set chances (``transition``, with or without a
persona, and ``stall``) everything but the chances is the same in every scenario, so
:class:`FastPath` does that work once per sweep (per worker process: it travels inside the
:class:`~journeytui.sweep.evaluate.Context`, sent to each worker once) and for each scenario:

1. sets the levers on one working copy of the journey and re-runs only the validator rules
   whose errors depend on chances: the sums of a stage's chances (E302, the validator's own
   rule) and which transitions can be taken at all (the graph rules E403, E404, E406 read
   only that, so the same transitions above zero as the valid baseline means no new error).
   The other rules read nothing a chance lever changes and were run once on the baseline;
2. copies the baseline's compiled chances and writes each lever's value into the cells it
   sets (the compiled journey's canonical order does not depend on chances once the
   transition and stall a lever names are unique, which the baseline's validity and
   :func:`build` ensure);
3. builds the count engine's states from a :class:`~journeytui.sim.counts.Layout` kept per
   pattern of chances above zero (the states and outcomes depend only on that), filling in
   the chances (:func:`~journeytui.sim.counts.fill`, the same code ``build_states`` runs);
4. runs the count engine on them, with the same seed: the same draws, so the row is
   byte-identical to the full path's.

Anything else takes the full path (``evaluate``'s apply, validate, compile, choose the
engine): levers of other kinds (engagement, cadence, capacity, mql_threshold, arrivals),
``--exact``, journeys the count engine does not model, and per scenario any finding the
checks above cannot rule out (a stage's chances over 1, a transition set to or from 0),
so a bad value gets the validator's message exactly as before. No Textual.
"""

from __future__ import annotations

import copy
import dataclasses
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from journeytui.diagnostics import CODES, Severity
from journeytui.sim.compile import KIND_STALL, Compiled, check_runs, check_weeks, compile_journey
from journeytui.sim.counts import (
    MAX_REACHED_CELLS,
    Layout,
    TooManyStates,
    cost,
    cost_floor,
    estimate_memory,
    fill,
    layout,
    reached_cells,
    run_record,
    stage_totals,
    unsupported,
)
from journeytui.sim.errors import SimulationError
from journeytui.sweep.levers import _set, _stall, _transition, apply
from journeytui.sweep.scenarios import baseline

if TYPE_CHECKING:
    from journeytui.sweep.evaluate import Context

PATCHABLE = ("transition", "stall")
"""Lever kinds the fast path patches: they set compiled chances and nothing else."""

E302_SLACK = 1e-9
"""compile_journey's own tolerance on a stage's chances (it refuses above 1 + this)."""


class FastPath:
    """The compiled baseline of a sweep and how each lever patches it (see the module doc).

    ``why`` says why the fast path cannot run this sweep (None when it can); ``patched`` and
    ``full`` count the scenarios this process ran through it and those it handed back to the
    full path (deterministic counts for the tests).
    """

    def __init__(self, ctx: Context) -> None:
        self.why: str | None = None
        self.patched = 0
        self.full = 0
        self._lock = threading.Lock()
        self._layouts: dict[bytes, tuple[Layout, bool] | None] = {}
        try:
            self._build(ctx)
        except _NotHere as exc:
            self.why = str(exc)
        except Exception as exc:  # never worse than the full path: which says what is wrong
            self.why = f"could not prepare it ({type(exc).__name__}: {exc})"

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    # -- once per sweep ---------------------------------------------------------------------
    def _build(self, ctx: Context) -> None:
        from journeytui.sim.montecarlo import CELL_COST
        from journeytui.validate import findings

        if ctx.exact:
            raise _NotHere("the exact forecast (--exact) has no runs to share")
        j, sweep = ctx.journey, ctx.sweep
        other = sorted({lv.kind for lv in sweep.levers if lv.kind not in PATCHABLE})
        if other:
            raise _NotHere(f"levers of kind {', '.join(other)} change more than chances")
        self.levers = list(sweep.levers)
        index: list[int] = []
        for lv in self.levers:
            try:
                at = _transition(j, lv) if lv.kind == "transition" else _stall(j, lv)
            except StopIteration:
                raise _NotHere(f"lever {lv.id} names no element of the journey") from None
            same = (
                [t for t in j.transitions if (t.from_, t.to) == (lv.from_, lv.to)]
                if lv.kind == "transition"
                else [s for s in j.stalls if (s.stage, s.cause) == (lv.stage, lv.cause)]
            )
            if len(same) != 1:
                raise _NotHere(f"lever {lv.id} names an element the journey has more than once")
            index.append(at)
        # the working copy: the journey with every lever at its own value (a persona lever adds
        # its override), on which every scenario sets its values
        self.work = apply(j, sweep, baseline(j, sweep), validate=False)
        if any(CODES[f.code].severity is Severity.ERROR for f in findings(self.work)):
            raise _NotHere("the journey has errors")
        self.moves = sorted({k for k, lv in zip(index, self.levers, strict=True) if lv.kind == "transition"})
        self.takeable = self._takeable()
        try:
            self.W = check_weeks(ctx.weeks, j)
            self.R = check_runs(ctx.runs)
            # compiled from a copy: the compiled journey shares its transitions and stalls with
            # what it compiles, and the working copy changes with every scenario
            c = compile_journey(copy.deepcopy(self.work), (), ctx.leads)
        except SimulationError as exc:
            raise _NotHere(str(exc)) from None
        if unsupported(c) is not None:
            raise _NotHere(f"the count engine does not model {unsupported(c)}")
        W, R = self.W, self.R
        self.lead_weeks = R * W * (float(c.initial.sum()) + float(c.arrivals.sum()) * W)
        if cost_floor(c, W, R) * CELL_COST > self.lead_weeks:
            raise _NotHere("the per-lead engine is cheaper for this journey")
        self.c = c
        self.cells = [self._cells(c, lv, k) for lv, k in zip(self.levers, index, strict=True)]
        self.stages = sorted({int(x) // (c.P * c.K) for cells in self.cells for x in cells})

    def _takeable(self) -> tuple[bool, ...]:
        """Whether each lever's transition can be taken at all (what the graph rules read)."""
        ts = self.work.transitions
        return tuple(ts[k].probability > 0 or any(p > 0 for p in ts[k].by_persona.values()) for k in self.moves)

    def _cells(self, c: Compiled, lv: Any, k: int) -> np.ndarray:
        """Flat indices into ``c.prob`` of the chances lever ``lv`` (on element ``k``, file order) sets."""
        P, K = c.P, c.K
        if lv.kind == "transition":
            e = int(c.file_order["transitions"][k])
            where = np.argwhere(c.out_edge == e)
        else:
            st = int(c.file_order["stalls"][k])
            where = np.argwhere((c.out_kind == KIND_STALL) & (c.out_stall == st))
        if where.size == 0:  # not compiled (a stage no lead leaves): nothing to set
            return np.zeros(0, dtype=np.int64)
        s, col = (int(x) for x in where[0])
        if lv.kind == "stall":
            personas = list(range(P))
        elif lv.persona:
            personas = [c.persona_ids.index(lv.persona)] if lv.persona in c.persona_ids else []
        else:
            overrides = self.work.transitions[k].by_persona
            personas = [p for p, pid in enumerate(c.persona_ids) if not (pid and pid in overrides)]
        return np.array([(s * P + p) * K + col for p in personas], dtype=np.int64)

    # -- per scenario -----------------------------------------------------------------------
    def figures(self, ctx: Context, values: Sequence[float], seed: int) -> dict[str, Any] | None:
        """The scenario's figures as :func:`journeytui.sweep.evaluate.per_run` gives them, or
        None when the scenario must take the full path (see the module doc)."""
        from journeytui.sim.montecarlo import CELL_COST
        from journeytui.sweep.evaluate import _figures

        if self.why is not None:
            return None
        if not self._valid(values) or not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
            self.full += 1
            return None
        c = self.c
        prob = c.prob.copy()
        for cells, v in zip(self.cells, values, strict=True):
            prob.flat[cells] = float(v)
        per_stage = prob.reshape(c.S, c.P, c.K)
        if any(np.any(per_stage[s].sum(axis=1) > 1 + E302_SLACK) for s in self.stages):
            self.full += 1  # compile_journey refuses it: the full path says so
            return None
        cs = dataclasses.replace(c, prob=prob)
        found = self._layout(cs)
        if found is None:
            self.full += 1
            return None
        sp = fill(found, prob)
        if reached_cells(sp) > MAX_REACHED_CELLS or cost(sp, cs, self.W, self.R) * CELL_COST > self.lead_weeks:
            self.full += 1  # choose_engine would run the per-lead engine
            return None
        _, record = run_record(cs, sp, self.W, self.R, seed)
        counts = stage_totals(record, c.S, c.P)
        self.patched += 1
        return _figures(ctx, ctx.journey, list(c.stage_ids), counts, touch=0.0, engine="counts")

    def _valid(self, values: Sequence[float]) -> bool:
        """Set the levers on the working copy; False when the validator might find an error."""
        from journeytui.validate.rules import check_probability_sums

        with self._lock:
            for lever, value in zip(self.levers, values, strict=True):
                _set(self.work, lever, value)
            if self._takeable() != self.takeable:
                return False
            return next(iter(check_probability_sums(self.work)), None) is None

    def _layout(self, c: Compiled) -> Layout | None:
        """The states for this pattern of chances above zero (built once per pattern), or None
        when the count engine would not run on them (too many states, or over the memory limit)."""
        from journeytui.sim.montecarlo import _check_budget

        key = (c.prob > 0).tobytes()
        if key not in self._layouts:
            try:
                lay = layout(c)
            except TooManyStates:
                self._layouts[key] = None
                return None
            try:
                _check_budget(estimate_memory(fill(lay, c.prob), c, self.W, self.R), self.R, c, None)
                fits = True
            except SimulationError:
                fits = False
            self._layouts[key] = (lay, fits)
        found = self._layouts[key]
        return found[0] if found is not None and found[1] else None


class _NotHere(Exception):
    """Why the fast path does not run a sweep."""


def fast_path(ctx: Context) -> FastPath:
    """The context's fast path, built on first use and kept with it (so a worker process that
    receives the context receives it built)."""
    fp = ctx.cache.get("fast")
    if fp is None:
        fp = ctx.cache["fast"] = FastPath(ctx)
    assert isinstance(fp, FastPath)
    return fp
