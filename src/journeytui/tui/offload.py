"""The checks and the live forecast of a large journey, computed in a child process.

A worker thread would hold the interpreter lock (GIL) for seconds per edit on a 10,000-stage
journey: validation is pure Python. The UI thread then waits for the lock at every step of
handling a key (measured: an arrow key costing 0.1 s of CPU took 2 s). A child process has
its own interpreter, so the app's worker threads only wait on a pipe, which holds no lock.

Sending a whole 10,000-stage journey to the child would cost the UI a third of a second of
pickling per edit. Edits copy on write (:mod:`journeytui.model.edit`): the new journey shares
every element it did not change with the one before. So the child keeps the journey it was
sent last, and each request carries only what differs (:func:`encode`): a list whose
elements are all shared becomes a list of indices into the old one. The first journey is
not sent at all: the child loads the same file text itself (:meth:`Offload.set_source`),
which also gives the checks the file's line numbers.

Plain Python (no Textual): the worker threads of :mod:`journeytui.tui.app` and
:mod:`journeytui.tui.forecasting` call :meth:`Offload.call`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from journeytui.model.types import Journey

POLL_SECONDS = 0.05
"""How often a waiting call looks at its cancel flags."""
NICENESS = 5
"""How much lower than the app's the child's scheduling priority is. The child starts while the
app opens a large journey (its interpreter, imports and the load of the file); where the two
want the same core (a busy machine, one core), the app goes first. Measured on the 2-core machine
with another job on one core, opening 10,000 stages: 0.93 s instead of 1.20 s (median of five
each, alternating), the checks and forecast in as soon (2.0 s after open). On an idle core the
child runs as fast as before."""

Delta = dict[str, Any]
"""Journey fields that differ from the child's last journey (see :func:`encode`)."""


class OffloadFailed(RuntimeError):
    """The child process stopped (killed, out of memory) or could not start; the next call starts a new one."""


class OffloadCancelled(Exception):
    """The call was cancelled (a newer edit, or the app is quitting) before the child answered."""


# -- journeys as differences -------------------------------------------------------------------
def encode(before: Journey | None, journey: Journey) -> Delta:
    """What the child needs to rebuild ``journey`` from ``before`` (which it holds).

    Fields that are the same object are left out; a list becomes a list whose shared
    elements are replaced by their index in ``before``'s list (elements are dataclasses,
    never ints, so the two cannot be confused); anything else is sent as it is.
    """
    delta: Delta = {}
    for f in dataclasses.fields(journey):
        new = getattr(journey, f.name)
        old = getattr(before, f.name) if before is not None else None
        if before is not None and new is old:
            continue
        if isinstance(new, list) and isinstance(old, list):
            where = {id(x): i for i, x in enumerate(old)}  # ``before`` is alive: ids are unique
            delta[f.name] = ("list", [where.get(id(x), x) for x in new])
        else:
            delta[f.name] = ("value", new)
    return delta


def decode(before: Journey | None, delta: Delta) -> Journey:
    """The journey :func:`encode` described, rebuilt from ``before``."""
    changes: dict[str, Any] = {}
    for name, (kind, value) in delta.items():
        if kind == "list":
            old = getattr(before, name)
            changes[name] = [old[x] if isinstance(x, int) else x for x in value]
        else:
            changes[name] = value
    if before is None:
        return Journey(**changes)
    return dataclasses.replace(before, **changes)


# -- the child ---------------------------------------------------------------------------------
class _Cancel:
    """The child's view of "this request is cancelled", for the engine's ``cancel.is_set()`` polls:
    the app writes the number of each request it cancels to a pipe (8 bytes each)."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self.up_to = 0
        self.seq = 0
        self.closed = False
        os.set_blocking(fd, False)

    def is_set(self) -> bool:
        try:
            while True:
                data = os.read(self._fd, 8 * 64)
                if not data:  # the app closed its end: it quit or died, so nobody waits for this answer
                    self.closed = True
                    break
                for k in range(0, len(data) - len(data) % 8, 8):
                    self.up_to = max(self.up_to, int.from_bytes(data[k : k + 8], "little"))
        except BlockingIOError:
            pass
        return self.closed or self.up_to >= self.seq


def _serve(conn: Any, cancel: _Cancel) -> None:
    """The child's loop: one request at a time, one answer each, until the pipe closes."""
    from journeytui.model.load import LoadResult, load_text

    loaded: LoadResult | None = None
    last: Journey | None = None
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        kind, seq = request[0], request[1]
        try:
            if kind == "source":
                text, file = request[2], request[3]
                loaded = load_text(text, file)
                last = loaded.journey
                answer: tuple[str, Any] = ("ok", last is not None)  # the app checks it has the same
            else:
                last = decode(last, request[2])
                cancel.seq = seq
                answer = ("ok", _compute(kind, last, loaded, request[3], cancel))
        except Exception as exc:  # handed to the waiting worker, which reports it like its own
            answer = ("error", _portable(exc))
        try:
            conn.send((seq, *answer))
        except (EOFError, OSError):
            return


def _compute(kind: str, journey: Journey, loaded: Any, args: tuple[Any, ...], cancel: _Cancel) -> Any:
    if kind == "check":
        from journeytui.validate import check

        file, with_positions = args
        return check(journey, file, loaded if with_positions else None, getattr(loaded, "data", None))
    if kind == "live":
        # The engine alone (no Textual: the child starts in a fraction of the time); the app
        # turns a refusal or a failure into its "No forecast: ..." line, as for a small journey.
        from journeytui.sim import SimulationCancelled
        from journeytui.sim.headline import full_forecast
        from journeytui.sim.live import stage_health

        runs, seed = args
        try:
            fc = full_forecast(journey, runs=runs, seed=seed, cancel=cancel)  # type: ignore[arg-type]
        except SimulationCancelled:
            return _CANCELLED
        return fc, stage_health(journey, fc)
    raise ValueError(f"unknown request {kind!r}")


_CANCELLED = "__cancelled__"


def _portable(exc: BaseException) -> BaseException:
    """``exc`` if it survives pickling, else a RuntimeError saying what it was."""
    import pickle

    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")


# -- the app's side ----------------------------------------------------------------------------
class Offload:
    """One child process, started on the first call, asked one thing at a time.

    Thread-safe: calls from several worker threads wait their turn. The child holds the
    journey it was sent last; a call sends only the differences from it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: Any = None
        self._conn: _Pipes | None = None
        self._cancel_fd = -1
        self._seq = 0
        self._sent: Journey | None = None
        """The journey the child holds (this process's object: the child's is equal to it)."""
        self._source: tuple[object, str, str, Journey | None] | None = None
        self._source_sent: object = None
        self.closed = False

    def set_source(self, key: object, text: str, file: str, journey: Journey | None) -> None:
        """The file text the document was loaded from (``journey``: what it loaded to), for line
        numbers; the child loads it itself on the next call, instead of being sent the journey."""
        if self._source is None or self._source[0] is not key:
            self._source = (key, text, file, journey)

    def call(
        self,
        kind: str,
        journey: Journey,
        *args: Any,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> Any:
        """The answer of the child: ``"check"`` (file, with_positions) -> diagnostics;
        ``"live"`` (runs, seed) -> the full-model forecast and its stage health.

        A new source (:meth:`set_source`) is sent to the child first. Once
        ``cancelled()`` is true the child is told to stop at its next cancel poll (the engine's
        SimulationCancelled is raised here, unless the answer was ready first). Raises what the
        computation raised, :class:`OffloadCancelled` when the offload is closed meanwhile, or
        :class:`OffloadFailed` when the child stopped (the next call starts a new one).
        """
        with self._lock:
            if self.closed:
                raise OffloadCancelled()
            try:
                conn = self._start()
                source = self._source
                # A new source (opened, saved, reloaded) goes first, whatever is asked: the journeys
                # that follow share their elements with it, not with what the child held before.
                if source is not None and self._source_sent is not source[0]:
                    key, text, file, loaded = source
                    self._sent = None
                    status, has = self._ask(conn, ("source", self._next(), text, file), cancelled)
                    if status == "error":
                        raise has
                    # Differences are sent against the child's journey only when it loaded the one
                    # the app holds (the same text, the same loader); otherwise the whole journey.
                    self._source_sent, self._sent = key, loaded if has == (loaded is not None) else None
                delta = encode(self._sent, journey)
                self._sent = None  # until the child has it: after a failure the next call sends everything
                status, answer = self._ask(conn, (kind, self._next(), delta, args), cancelled)
                self._sent = journey  # the child decodes before it computes: it holds it, even after an error
            except OffloadCancelled:
                self._stop()
                raise
            except (EOFError, OSError) as exc:
                self._stop()
                if self.closed:
                    raise OffloadCancelled() from exc
                raise OffloadFailed(f"the background process stopped ({exc or type(exc).__name__})") from exc
        if status == "error":
            raise answer
        if answer == _CANCELLED:
            from journeytui.sim import SimulationCancelled

            raise SimulationCancelled()
        return answer

    def _next(self) -> int:
        self._seq += 1
        return self._seq

    def _ask(self, conn: _Pipes, request: tuple[Any, ...], cancelled: Callable[[], bool]) -> tuple[str, Any]:
        """Send ``request`` and wait for its answer, telling the child when ``cancelled()`` turns true."""
        seq = request[1]
        conn.send(request)
        told = False
        while True:
            while not conn.poll(POLL_SECONDS):
                if self.closed:
                    raise OffloadCancelled()
                if not told and cancelled():
                    self._tell_cancelled(seq)  # the engine stops at its next poll and answers
                    told = True
                if self._process is None or self._process.poll() is not None:
                    raise EOFError(f"exit code {self._process.returncode if self._process else None}")
            got, status, value = conn.recv()
            if got == seq:  # (an answer to an earlier request cannot be pending: one at a time)
                return status, value

    def _start(self) -> _Pipes:
        if self._conn is not None and self._process is not None and self._process.poll() is None:
            return self._conn
        self._stop()
        # A fresh interpreter running this module (not multiprocessing's "spawn", which imports
        # the app's main script again; forking the running app, threads and all, is not safe).
        # Three pipes: requests, answers, and the numbers of cancelled requests.
        req_r, req_w = os.pipe()
        ans_r, ans_w = os.pipe()
        cancel_r, cancel_w = os.pipe()
        theirs = (req_r, ans_w, cancel_r)
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", "journeytui.tui.offload", *map(str, theirs)],
                pass_fds=theirs,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,  # never onto the app's terminal
                env=env,
            )
        except OSError as exc:
            for fd in (req_r, req_w, ans_r, ans_w, cancel_r, cancel_w):
                os.close(fd)
            raise OffloadFailed(f"could not start the background process: {exc}") from exc
        for fd in theirs:
            os.close(fd)
        os.set_blocking(cancel_w, False)
        self._process, self._cancel_fd = process, cancel_w
        self._conn = _Pipes(ans_r, req_w)
        return self._conn

    def _tell_cancelled(self, seq: int) -> None:
        with contextlib.suppress(OSError):  # a full or closed pipe: the answer comes anyway
            os.write(self._cancel_fd, seq.to_bytes(8, "little"))

    def _stop(self) -> None:
        conn, process, cancel_fd = self._conn, self._process, self._cancel_fd
        self._conn = self._process = None
        self._cancel_fd = -1
        self._sent = None
        self._source_sent = None
        if conn is not None:
            conn.close()
        if cancel_fd >= 0:
            with contextlib.suppress(OSError):
                os.close(cancel_fd)
        if process is not None:
            with contextlib.suppress(OSError):
                process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(1)

    def close(self) -> None:
        """Stop the child (the app is quitting): a waiting call gives up within POLL_SECONDS."""
        self.closed = True
        process = self._process
        if process is not None:
            process.kill()  # not under the lock: a call may be waiting on the pipe
        if self._lock.acquire(timeout=1):
            try:
                self._stop()
            finally:
                self._lock.release()


class _Pipes:
    """A :class:`~multiprocessing.connection.Connection`-like pair of pipe ends (read answers, write requests)."""

    def __init__(self, read_fd: int, write_fd: int) -> None:
        self._in = Connection(read_fd, writable=False)
        self._out = Connection(write_fd, readable=False)

    def send(self, obj: Any) -> None:
        self._out.send(obj)

    def recv(self) -> Any:
        return self._in.recv()

    def poll(self, timeout: float) -> bool:
        return self._in.poll(timeout)

    def close(self) -> None:
        self._in.close()
        self._out.close()


def main(argv: list[str]) -> None:
    """The child: ``python -m journeytui.tui.offload REQUESTS ANSWERS CANCELS`` (file descriptors)."""
    requests, answers, cancels = map(int, argv)
    if hasattr(os, "nice"):
        with contextlib.suppress(OSError):  # a lower priority is only a preference
            os.nice(NICENESS)
    conn = Connection(requests, writable=False)
    out = Connection(answers, readable=False)
    _serve(_Duplex(conn, out), _Cancel(cancels))


class _Duplex:
    """The child's side: read requests from one pipe, write answers to another."""

    def __init__(self, conn: Connection, out: Connection) -> None:
        self.recv, self.send = conn.recv, out.send


if __name__ == "__main__":
    main(sys.argv[1:])
