"""What the forecast panels display, as plain data (no Textual): built by the app after every edit.

Its own module so the panels that show it (:mod:`journeytui.tui.widgets.forecast` and
:mod:`journeytui.tui.widgets.forecast_people`) import it without importing each other; it lives
with the forecast state in :mod:`journeytui.session.forecast`.
"""

from __future__ import annotations

from journeytui.session.forecast import Shown

__all__ = ["Shown"]
