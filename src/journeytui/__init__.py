"""journeytui: design and forecast B2B lead-nurturing journeys.

The domain lives in :mod:`journeytui.model`, :mod:`journeytui.validate` and
:mod:`journeytui.sim` and never imports Textual; :mod:`journeytui.tui` is the app.
"""

__version__ = "0.1.0"

HOMEPAGE = "https://github.com/journeytui/journeytui"
DOCS_URL = f"{HOMEPAGE}/blob/main/docs"
"""Where the documentation lives online: installed copies do not carry docs/, so help texts link here."""
