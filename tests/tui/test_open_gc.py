"""Opening a large journey keeps the garbage collector off the loaded journey (counted, not timed).

Loading creates hundreds of thousands of objects that all live on; every pass of the collector
walked them (10,000 stages: full passes during the load and during Textual's start took about
0.2 s of the open). So the app loads with the collector paused and exempts a large journey
from it (``gc.freeze``) before Textual starts, until it is unmounted.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from test_large import large_text

from journeytui.tui.app import JourneyApp, create_app


def test_a_large_file_opens_without_a_collection_and_the_collector_is_back_on(tmp_path: Path) -> None:
    path = tmp_path / "large.toml"
    path.write_text(large_text(1000), encoding="utf-8")
    passes: list[int] = []

    def seen(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            passes.append(info["generation"])

    before = gc.get_freeze_count()
    gc.callbacks.append(seen)
    try:
        app = create_app(path, watch_file=False)
        exempt = gc.get_freeze_count() - before
    finally:
        gc.callbacks.remove(seen)
        gc.unfreeze()  # the app is never run here: make the next tests' collector normal again
    assert app.journey is not None and len(app.journey.stages) == 1002
    assert passes == []  # about 100,000 objects were made: the collector would have run many times
    assert gc.isenabled()
    assert exempt > 100_000  # the loaded journey among them


async def test_the_app_keeps_a_large_journey_exempt_until_unmounted(
    tmp_path: Path, make_app: Callable[..., JourneyApp]
) -> None:
    path = tmp_path / "work" / "large.toml"
    path.write_text(large_text(1000), encoding="utf-8")
    before = gc.get_freeze_count()
    app = make_app(path)
    try:
        exempt = gc.get_freeze_count() - before  # before Textual starts
        async with app.run_test() as pilot:
            await pilot.pause()
            running = gc.get_freeze_count()
        after = gc.get_freeze_count()
    finally:
        gc.unfreeze()  # whatever happened, the next tests get a normal collector
    assert exempt > 100_000 and running > 100_000
    assert after == 0  # unmounted: collectable again


def test_a_small_journey_is_not_exempted(tmp_path: Path) -> None:
    path = tmp_path / "small.toml"
    path.write_text(large_text(5), encoding="utf-8")
    before = gc.get_freeze_count()
    app = create_app(path, watch_file=False)
    assert not app._frozen and gc.get_freeze_count() == before
    assert gc.isenabled()
