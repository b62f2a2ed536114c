"""The inspector: a form for the selected element, built from the model's field metadata.

Text fields are checked as you type (the same checks as the edit) and applied on
enter or when focus leaves; choices and switches apply at once. Every change is
posted as :class:`Inspector.Commit` and becomes one undoable edit in the app.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Select, Static

from journeytui.diagnostics import Path
from journeytui.model.edit import EditError
from journeytui.model.types import Journey
from journeytui.textsafe import visible
from journeytui.tui import forms
from journeytui.tui.forms import FormField
from journeytui.tui.safe import plain
from journeytui.tui.selection import describe, resolve


class FieldInput(Input):
    """A one-line text editor for one field."""

    def __init__(self, field: FormField, value: str, **kwargs: Any) -> None:
        # The whole text is selected on focus: typing replaces it, arrows keep it (issue 11).
        super().__init__(value, compact=True, select_on_focus=True, **kwargs)
        self.field = field
        self.error: str | None = None

    def on_blur(self) -> None:
        # Back to the beginning when the editor is left: a long value shows its start, not its end.
        self.cursor_position = 0

    def on_focus(self) -> None:
        self.cursor_position = len(self.value)  # typing continues the value


def shown(value: Any) -> str:
    """A value as the text field shows it: as typed, control characters as visible escapes.

    Leaving a field that shows an escape changes nothing; typing into it keeps the escape as
    literal text (the control character itself is never sent to the terminal)."""
    return visible(forms.to_text(value))


def _options(field: FormField, value: Any) -> list[tuple[Text, str]]:
    options = [(plain(c), c) for c in field.choices]
    if value is not None and value not in field.choices:
        options.append((plain(str(value)), str(value)))  # a dangling reference stays visible
    return options


class FieldSelect(Select[str]):
    def __init__(self, field: FormField, value: Any, **kwargs: Any) -> None:
        self.options_now = _options(field, value)
        """The options shown (set_options lays the drop-down out again: only when they change)."""
        super().__init__(
            self.options_now,
            value=value if value is not None else Select.NULL,
            allow_blank=field.optional or value is None,
            prompt="(none)",
            compact=True,
            **kwargs,
        )
        self.field = field


class FieldCheck(Checkbox):
    def __init__(self, field: FormField, value: bool, **kwargs: Any) -> None:
        super().__init__("", value, **kwargs)
        self.field = field


class Inspector(VerticalScroll, can_focus=False):
    """A form for whatever is selected."""

    HELP = """\
## Inspector

A form for the selected element: every field of the journey file, with its
documentation as a tooltip. A field's text is selected when you enter it (typing
replaces it). Text fields are checked as you type and applied with `enter` or when
you leave the field; lists are comma-separated (`a, b`), probabilities accept `12%`
or `0.12`, and an empty field clears an optional value. Editing an id renames it
everywhere it is used. Tables (scoring behaviours, committee composition, persona
mixes) have one row per entry: empty a row to remove the entry, and type
`key = value, key = value` into their `+ add` row to add entries.

- `tab` / `shift+tab`: next / previous field
- `enter`: apply the field
- `escape`: cancel the edit of the field (its value comes back) and go back to the graph
"""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "leave", "Back to graph", show=False)]

    class Commit(Message):
        """Set ``path`` to ``value`` (``rename``: the field is the element's id)."""

        def __init__(self, path: Path, value: Any, rename: bool = False) -> None:
            super().__init__()
            self.path = path
            self.value = value
            self.rename = rename

    class Leave(Message):
        """The user wants to go back to the main view."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.journey: Journey | None = None
        self.selection: Path | None = None
        self._shape: tuple[Any, ...] | None = None
        self._selection: Path | None = None
        self._editors: list[Widget] = []
        self.load_problems: set[Path] = set()
        """Fields whose value the load put in place of one with an error: enter applies the value
        shown even unchanged (the save then writes it over the file's)."""

    def compose(self) -> ComposeResult:
        yield Static("Select a stage, an edge or an element to edit it.", classes="inspector--empty")

    def show(self, journey: Journey | None, selection: Path | None) -> None:
        """Show the form for ``selection``; keeps the widgets (and focus) when only values changed."""
        self.journey, self.selection = journey, selection
        element = resolve(journey, selection)
        fields = forms.form_fields(journey, selection, element) if journey and selection and element is not None else []
        size = len(selection) if selection else 0
        shape = (type(element), tuple((f.path[size:], f.editor, f.choices) for f in fields))
        self.border_title = plain(describe(journey, selection)) if element is not None else "Inspector"
        # Editors mounted by the previous call may not have composed yet (two selections handled
        # back to back): a drop-down without its option list cannot take new options, so rebuild.
        ready = all(w.is_mounted for w in self._editors)
        if shape == self._shape and element is not None and ready:
            # Same kind of element: keep the widgets (and focus), point them at the new paths.
            editable = [f for f in fields if f.editor not in HEADINGS]
            self._refresh_values(editable, moved=selection != self._selection)
            self._selection = selection
            return
        self._shape, self._selection = shape, selection
        self._editors = []
        with self.app.batch_update():
            self.remove_children()
            self.mount_all(self._build(journey, selection, element, fields))

    def _build(
        self, journey: Journey | None, selection: Path | None, element: Any, fields: list[FormField]
    ) -> list[Widget]:
        if journey is None or selection is None:
            return [Static("Select a stage, an edge or an element to edit it.", classes="inspector--empty")]
        if element is None:
            name = str(selection[0])
            return [
                Static(
                    f"This journey has no [{name}] table. Add one from the command palette ({name.title()}: add).",
                    classes="inspector--empty",
                    markup=False,
                )
            ]
        widgets: list[Widget] = []
        doc = (type(element).__doc__ or "").strip().splitlines()[0]
        widgets.append(Static(doc, classes="inspector--doc", markup=False))
        for f in fields:
            widgets.append(self._row(journey, f))
        return widgets

    def _row(self, journey: Journey, f: FormField) -> Widget:
        depth = sum(1 for p in f.path if isinstance(p, str)) - 1
        indent = "  " * max(0, depth - 1)
        if f.editor in HEADINGS:
            hint = "  (one row per entry; empty removes it)" if f.editor == "table" else ""
            return Static(plain(f"{indent}{f.key}: {f.doc}{hint}"), classes="field--group")
        # keys of mappings (by_persona.<id>) come from the file
        if f.editor == "entry":
            text = indent + str(f.path[-1])
        elif f.editor == "mapping":
            text = indent + "  + add"
        else:
            text = indent + f.key + ("*" if f.info.required else "")
        label = Label(plain(text), classes="field--label")
        label.tooltip = f.doc
        value = forms.current(journey, f)
        editor: Widget
        if f.editor in ("choice", "ref") and len(f.choices) <= forms.MAX_CHOICES:
            editor = FieldSelect(f, value, classes="field--editor")
        elif f.editor == "bool":
            editor = FieldCheck(f, bool(value), classes="field--editor")
        else:
            placeholder = "key = value, ..." if f.editor == "mapping" else ""
            editor = FieldInput(f, shown(value), classes="field--editor", placeholder=placeholder)
        editor.tooltip = f.doc
        self._editors.append(editor)
        error = Static("", classes="field--error")
        error.display = False
        return Vertical(Horizontal(label, editor, classes="field--line"), error, classes="field")

    def _refresh_values(self, fields: list[FormField], moved: bool) -> None:
        assert self.journey is not None
        with self.prevent(Input.Changed, Select.Changed, Checkbox.Changed):
            self._update_editors(fields, moved)

    def _update_editors(self, fields: list[FormField], moved: bool) -> None:
        assert self.journey is not None
        for widget, f in zip(self._editors, fields, strict=False):
            widget.field = f  # type: ignore[attr-defined]
            value = forms.current(self.journey, f)
            if isinstance(widget, FieldInput):
                if moved or not widget.has_focus:
                    widget.value = shown(value)
                    self._set_error(widget, None)
            elif isinstance(widget, FieldSelect):
                options = _options(f, value)
                if options != widget.options_now:
                    widget.options_now = options
                    widget.set_options(options)
                want = value if value is not None else Select.NULL
                if widget.value != want:
                    widget.value = want
            elif isinstance(widget, FieldCheck) and widget.value != bool(value):
                widget.value = bool(value)

    def focus_field(self, path: Path) -> None:
        """Focus the editor for ``path`` (or the first one inside it)."""
        for widget in self._editors:
            fp = widget.field.path  # type: ignore[attr-defined]
            if fp[: len(path)] == path or path[: len(fp)] == fp:
                widget.focus()
                return
        self.focus_first()

    def focus_first(self) -> None:
        for widget in self._editors:
            widget.focus()
            return

    # -- checking and applying --------------------------------------------------------
    def _check(self, widget: FieldInput) -> Any:
        assert self.journey is not None
        try:
            value = forms.parse(self.journey, widget.field, widget.value)
        except EditError as exc:
            self._set_error(widget, str(exc))
            return _INVALID
        self._set_error(widget, None)
        return value

    def _set_error(self, widget: FieldInput, message: str | None) -> None:
        if message is None and widget.error is None:
            return  # nothing shown, nothing to hide (updating the hidden line would lay the form out again)
        widget.error = message
        widget.set_class(message is not None, "-invalid")
        parent = widget.parent.parent if widget.parent is not None else None
        if parent is not None:
            error = parent.query_one(".field--error", Static)
            error.update(plain(message or ""))
            error.display = message is not None

    @on(Input.Changed, "FieldInput")
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        j = self.journey
        # A large journey is checked on enter or leave only: a check copies the whole journey.
        if (
            j is not None
            and isinstance(event.input, FieldInput)
            and event.input.has_focus
            and forms.size_of(j) <= forms.LARGE
        ):
            self._check(event.input)

    @on(Input.Submitted, "FieldInput")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if isinstance(event.input, FieldInput):
            self._commit_text(event.input, submitted=True)

    @on(Input.Blurred, "FieldInput")
    def _blurred(self, event: Input.Blurred) -> None:
        if isinstance(event.input, FieldInput):
            self._commit_text(event.input)

    def _commit_text(self, widget: FieldInput, submitted: bool = False) -> None:
        if self.journey is None:
            return
        f = widget.field
        old = forms.current(self.journey, f)
        if widget.value in (forms.to_text(old), shown(old)):
            self._set_error(widget, None)
            if submitted and f.path in self.load_problems:  # enter on the value shown: keep it, fix the file
                self.post_message(self.Commit(f.path, old))
            return
        value = self._check(widget)
        if value is _INVALID or value == old:
            return
        self.post_message(self.Commit(f.path, value, rename=f.editor == "id"))

    @on(Select.Changed, "FieldSelect")
    def _chosen(self, event: Select.Changed) -> None:
        event.stop()
        select = event.select
        if self.journey is None or not isinstance(select, FieldSelect):
            return
        value = None if event.value is Select.NULL else event.value
        if value != forms.current(self.journey, select.field):
            self.post_message(self.Commit(select.field.path, value))

    @on(Checkbox.Changed, "FieldCheck")
    def _toggled(self, event: Checkbox.Changed) -> None:
        event.stop()
        box = event.checkbox
        if self.journey is None or not isinstance(box, FieldCheck):
            return
        if event.value != bool(forms.current(self.journey, box.field)):
            self.post_message(self.Commit(box.field.path, event.value))

    def action_leave(self) -> None:
        """Escape: a text field being edited gets its value back (nothing is applied, no undo
        step), then focus returns to the view."""
        focused = self.app.focused
        if isinstance(focused, FieldInput) and focused in self._editors and self.journey is not None:
            with self.prevent(Input.Changed):
                focused.value = shown(forms.current(self.journey, focused.field))
            self._set_error(focused, None)
        self.post_message(self.Leave())


_INVALID = object()
HEADINGS = ("group", "table")
"""Form rows that are headings, not editors."""
