"""Modal dialogs: yes/no confirmations, a one-line prompt, and a pick-one list.

Each is a ``ModalScreen`` that dismisses with its answer (posting's
widgets/confirmation.py, frogmouth's dialogs/): the caller passes a callback or
awaits ``push_screen_wait``. Escape always means "no" / "cancel". Questions, details and
choices often quote the file (its name, element names): they are shown as plain text with
control characters as visible escapes (:mod:`journeytui.tui.safe`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from journeytui.textsafe import visible
from journeytui.tui.safe import plain, plain_lines


class ConfirmScreen(ModalScreen[bool]):
    """Ask a yes/no question; ``details`` lists consequences (one line each)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,n", "answer(False)", "No"),
        Binding("y", "answer(True)", "Yes"),
        Binding("left,right", "app.focus_next", "Switch", show=False),
    ]

    def __init__(self, question: str, details: Sequence[str] = (), yes: str = "Yes", no: str = "No") -> None:
        super().__init__(classes="dialog")
        self.question, self.details, self.yes, self.no = question, list(details), yes, no

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog--body"):
            yield Label(plain(self.question), classes="dialog--title")
            if self.details:
                with VerticalScroll(classes="dialog--scroll"):
                    yield Static(
                        plain_lines("\n".join(f"• {visible(d)}" for d in self.details)), classes="dialog--details"
                    )
            with Horizontal(classes="dialog--buttons"):
                yield Button(f"{self.yes} (y)", variant="error", id="yes")
                yield Button(f"{self.no} (n)", variant="primary", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)


class PromptScreen(ModalScreen[str | None]):
    """Ask for one line of text; ``check`` returns why a value is refused, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self, question: str, value: str = "", check: Callable[[str], str | None] | None = None, hint: str = ""
    ) -> None:
        super().__init__(classes="dialog")
        self.question, self.value, self.check, self.hint = question, value, check, hint

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog--body"):
            yield Label(plain(self.question), classes="dialog--title")
            yield Input(visible(self.value), id="answer")
            yield Static(plain_lines(self.hint), id="why", classes="dialog--hint")

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        why = self.check(event.value) if self.check else None
        self.query_one("#why", Static).update(plain_lines(why or self.hint))
        event.input.set_class(why is not None, "-invalid")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        why = self.check(event.value) if self.check else None
        if why:
            self.query_one("#why", Static).update(plain_lines(why))
            return
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ChoiceScreen(ModalScreen[str | None]):
    """Pick one of ``choices`` (value, label); dismisses with the value or None."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self, question: str, choices: Sequence[tuple[str, str]], details: str = "", highlight: str | None = None
    ) -> None:
        super().__init__(classes="dialog")
        self.question, self.choices, self.details, self.highlight = question, list(choices), details, highlight

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog--body"):
            yield Label(plain(self.question), classes="dialog--title")
            if self.details:
                yield Static(plain(self.details), classes="dialog--details")
            yield OptionList(*(Option(plain(label), id=value) for value, label in self.choices), id="choices")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        values = [v for v, _ in self.choices]
        if self.highlight in values:
            options.highlighted = values.index(self.highlight)
        options.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
