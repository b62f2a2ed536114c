"""What the app holds between key presses, as plain Python (no Textual): the forecast state.

The app (:mod:`journeytui.tui`) is a thin layer over it, so its rules (which forecast is on
screen, when a newer one must be computed, which Monte Carlo run is current) are tested
without a terminal. An import-linter contract keeps Textual out of this package.
"""
