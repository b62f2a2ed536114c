"""Heavy computations from worker threads that never keep the app from quitting.

A thread worker cannot be interrupted: a forecast or a validation of a huge journey runs
to its end. Textual cancels the workers when the app exits, but the interpreter still
waits for the executor's threads, so quitting would hang until the computation ends.
:func:`abandonable` runs the computation in a daemon thread and waits for it from the
worker, returning early (raising :class:`Abandoned`) once the worker is cancelled.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from textual.worker import get_current_worker

T = TypeVar("T")

POLL_SECONDS = 0.05


class Abandoned(Exception):
    """The worker was cancelled (the app is quitting) before the computation ended."""


def abandonable(fn: Callable[[], T]) -> T:
    """``fn()`` computed in a daemon thread; raises what it raises, or :class:`Abandoned`."""
    result: list[T] = []
    error: list[BaseException] = []
    done = threading.Event()

    def run() -> None:
        try:
            result.append(fn())
        except BaseException as exc:  # handed to the waiting worker, which decides
            error.append(exc)
        finally:
            done.set()

    threading.Thread(target=run, name="journeytui-compute", daemon=True).start()
    worker = get_current_worker()
    while not done.wait(POLL_SECONDS):
        if worker.is_cancelled:
            raise Abandoned
    if error:
        raise error[0]
    return result[0]
