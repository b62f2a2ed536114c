"""The app's footer: Textual's, with the help key first when the terminal is narrow.

At 80 columns the footer cannot show every key; Textual's footer drops the last ones,
and "f1 Help" (the key that explains the rest) was among them. In compact (narrow) mode
this footer shows it first.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey  # the footer's own key widget: its action names the binding

FIRST_WHEN_NARROW = "help"
"""The action whose key is shown first in a narrow footer (it leads to all the others)."""


class AppFooter(Footer):
    """Textual's footer; compact mode moves the help key to the front."""

    def compose(self) -> ComposeResult:
        keys = list(super().compose())
        if self.compact:
            # The app binds help as "help"; a screen may bind it as "app.help".
            first = [k for k in keys if isinstance(k, FooterKey) and k.action.split(".")[-1] == FIRST_WHEN_NARROW]
            keys = first[:1] + [k for k in keys if k not in first[:1]]
        yield from keys
