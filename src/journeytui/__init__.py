"""journeytui: design and forecast B2B lead-nurturing journeys.

The domain lives in :mod:`journeytui.model`, :mod:`journeytui.validate` and
:mod:`journeytui.sim` and never imports Textual; :mod:`journeytui.tui` is the app.
"""

__version__ = "0.1.0"
