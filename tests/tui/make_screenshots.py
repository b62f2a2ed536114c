"""Regenerate the SVG screenshots in docs/images (not a test): `python tests/tui/make_screenshots.py`.

Uses bundled journeys copied to a temporary folder, a fixed size and no file watching,
like the snapshot tests.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from pathlib import Path

from tui_helpers import settle  # this script's folder is first on sys.path

from journeytui.tui.app import create_app

ROOT = Path(__file__).resolve().parents[2]
IMAGES = ROOT / "docs" / "images"
SHOTS: list[tuple[str, str, list[str], tuple[int, int]]] = [
    ("graph", "b2b-it-tool.toml", [], (110, 34)),
    ("transition", "b2b-it-tool.toml", ["down", "right"], (110, 34)),
    ("japanese", "sme-four-steps.toml", [], (110, 34)),
    ("personas", "b2b-it-tool.toml", ["3"], (110, 34)),
    ("coverage", "b2b-it-tool.toml", ["4"], (110, 34)),
    ("elements", "b2b-it-tool.toml", ["2"], (110, 34)),
    ("help", "b2b-it-tool.toml", ["f1"], (110, 34)),
    ("small", "b2b-it-tool.toml", [], (80, 24)),
    ("forecast", "b2b-it-tool.toml", ["6", "r"], (110, 34)),
    ("compare", "b2b-it-tool.toml", ["down", "right", "plus", "plus", "c"], (110, 34)),
    ("workshop", "b2b-it-tool.toml", ["w", "right", "right", "right", "right", "right"], (110, 34)),
]


async def shoot(name: str, path: Path, keys: list[str], size: tuple[int, int]) -> None:
    app = create_app(path, watch_file=False)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)  # the live forecast as a user first sees it (the full model, 20 runs, seed 0)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)  # the compare screen and the workshop are prepared in workers
        while app.sim_running:  # a Monte Carlo run started by "r"
            await pilot.pause(0.05)
        await settle(pilot)
        await pilot.pause(0.2)
        app.save_screenshot(f"{name}.svg", str(IMAGES))


def main() -> None:
    IMAGES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["JOURNEYTUI_JOURNEYS"] = tmp
        for f in (ROOT / "journeys").glob("*.toml"):
            shutil.copy(f, Path(tmp) / f.name)
        for name, journey, keys, size in SHOTS:
            asyncio.run(shoot(name, Path(tmp) / journey, keys, size))
            print(f"docs/images/{name}.svg")


if __name__ == "__main__":
    main()
