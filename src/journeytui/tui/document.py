"""The open file: its path, the text it was read from, its fingerprint and the edit history.

Plain Python (no Textual), so the app's file rules can be tested without a terminal:
a bundled journey is never saved over, a file that does not parse is never written,
and a save notices when the file changed on disk since it was read.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from journeytui.bundled import is_bundled
from journeytui.diagnostics import Diagnostic
from journeytui.diagnostics import Path as DataPath
from journeytui.model import edit
from journeytui.model.history import History
from journeytui.model.load import LoadResult, load_file, load_text
from journeytui.model.save import Fingerprint, MergeError, ReadOnlyFile, save
from journeytui.model.structure import check_id
from journeytui.model.types import Journey
from journeytui.validate import check

BLANK = Path("<blank journey>")
"""The ``template`` of a document started as a blank journey (no bundled file behind it)."""

BLANK_TEXT = """\
# A blank journey: one entry stage and the two outcomes. Add stages (a), transitions (t),
# personas, channels and touchpoints in the app (ctrl+p lists every action);
# docs/format.md describes every part of the file.

[journey]
id = {id}
title = {title}
horizon = 52

[population.initial]
start = 1000

[[stages]]
id = "start"
name = "Start"
entry = true

[[stages]]
id = "won"
name = "Won"
kind = "won"

[[stages]]
id = "lost"
name = "Lost"
kind = "lost"

[[transitions]]
from = "start"
to = "won"
probability = 0.05

[[transitions]]
from = "start"
to = "lost"
probability = 0.02
"""
"""The blank journey: the smallest file that validates and forecasts (``{id}``, ``{title}``: TOML strings)."""


def blank_text(path: Path) -> str:
    """The blank journey for ``path``: its id and title are the file's name when that is a valid id."""
    stem = path.stem
    ident = stem if check_id(stem) is None else "new-journey"
    return BLANK_TEXT.format(id=json.dumps(ident), title=json.dumps(stem or "New journey", ensure_ascii=False))


Checker = Callable[[Journey, str, bool], list[Diagnostic]]
"""The semantic checks of a journey: (journey, file, with the positions of the loaded text) -> problems."""


class SaveRefused(Exception):
    """Saving is not possible; the message says why and what to do."""


class ReadOnlyTarget(SaveRefused):
    """The file is read-only (no write bit): save again with ``allow_read_only`` once the user agrees."""


class LayoutLost(SaveRefused):
    """The file's comments and layout cannot be kept for this change: save again with
    ``drop_layout`` (the canonical form) once the user agrees. Nothing was written."""


@dataclass
class Document:
    """One journey file as the app holds it."""

    path: Path | None
    text: str | None
    """The text the journey was read from (None: a new file never saved)."""
    result: LoadResult
    fingerprint: Fingerprint
    history: History | None
    template: Path | None = None
    """For a new file: the bundled journey it was created from (:data:`BLANK`: the blank journey)."""
    structural: list[Diagnostic] = field(default_factory=list)
    """Problems found while loading (unknown keys, wrong types): they stay until a save."""
    loaded: Journey | None = None
    """What ``result`` (the file text) loads to, as this document holds it: after a save, the
    journey saved (equal to the text's, and sharing its elements with the journeys edited)."""
    saved_errors: int | None = None
    """Errors of the saved version (the file as loaded or last saved), once checked: the app
    compares nothing with a saved version that has errors (its forecast would be another
    journey's). None until its checks are known."""
    kept_at_save: set[DataPath] = field(default_factory=set)
    """The history's kept fields (:meth:`History.kept`) when the file was last loaded or saved."""

    @classmethod
    def open(cls, path: Path) -> Document:
        """Read ``path``; a file that does not parse gives a document without a journey."""
        result = load_file(path)
        text = None if result.text is None else "\ufeff" * result.bom + result.text  # the save keeps the mark
        doc = cls(path, text, result, Fingerprint.of(path), None)
        doc.structural = list(result.diagnostics)
        doc.loaded = result.journey
        if result.journey is not None:
            doc.history = History(result.journey)
        return doc

    @classmethod
    def from_template(cls, path: Path, template: Path) -> Document:
        """A new, unsaved file at ``path`` that starts as a copy of ``template``."""
        source = load_file(template)
        result = load_text(source.text or "", str(path))
        doc = cls(path, result.text, result, Fingerprint.of(path), None, template=template)
        doc.structural = list(result.diagnostics)
        doc.loaded = result.journey
        if result.journey is not None:
            doc.history = History(result.journey)
        return doc

    @classmethod
    def blank(cls, path: Path) -> Document:
        """A new, unsaved file at ``path`` that starts as the blank journey."""
        result = load_text(blank_text(path), str(path))
        doc = cls(path, result.text, result, Fingerprint.of(path), None, template=BLANK)
        doc.structural = list(result.diagnostics)
        doc.loaded = result.journey
        if result.journey is not None:
            doc.history = History(result.journey)
        return doc

    # -- state ----------------------------------------------------------------------
    @property
    def journey(self) -> Journey | None:
        return self.history.journey if self.history is not None else None

    @property
    def broken(self) -> bool:
        """True when the file could not be read or parsed: nothing to edit, nothing to save."""
        return self.history is None

    @property
    def is_new(self) -> bool:
        return self.template is not None and not self.fingerprint.exists

    @property
    def dirty(self) -> bool:
        return self.history is not None and (self.history.dirty or self.is_new or bool(self.confirmed))

    def load_problem_paths(self) -> set[DataPath]:
        """Table fields (no list entry) the load found a problem in: the inspector applies their
        value even when it is unchanged (see :meth:`confirm`)."""
        return {d.path for d in self.structural if d.path and not any(isinstance(p, int) for p in d.path)}

    @property
    def confirmed(self) -> set[DataPath]:
        """Table fields with a load-time problem whose value (the one the load put in its place)
        the user applied as it is since the last save: the save writes it over the file's."""
        return self.history.kept() - self.kept_at_save if self.history is not None else set()

    def confirm(self, path: DataPath, label: str) -> bool:
        """The user applied the value shown at ``path`` (the one the load put in place of a value
        with an error): one undoable step; the problem goes and the save writes that value. False
        when ``path`` had no load-time problem, or it is kept already."""
        if self.history is None or path not in self.load_problem_paths() or path in self.confirmed:
            return False
        self.history.keep(label, path)
        return True

    @property
    def bundled(self) -> bool:
        return self.path is not None and is_bundled(self.path)

    @property
    def name(self) -> str:
        return self.path.name if self.path is not None else "untitled.toml"

    def changed_on_disk(self) -> bool:
        return self.path is not None and Fingerprint.of(self.path) != self.fingerprint

    def diagnostics(self) -> list[Diagnostic]:
        """Problems now: load-time ones plus every check on the current model, sorted."""
        return self.checks()()

    def checks(self, checker: Checker | None = None) -> Callable[[], list[Diagnostic]]:
        """:meth:`diagnostics` as a call that may run later in a worker thread: it captures what
        it reads now, so edits and saves made meanwhile do not change what it checks.

        ``checker(journey, file, with_positions)``: the semantic checks (default: the validator
        here, with the line numbers of ``result`` when ``with_positions``), e.g. in another process.
        """
        journey = self.journey
        confirmed = self.confirmed  # once: it walks the history
        structural = [d for d in self.structural if not self._edited_since_load(d, journey, confirmed)]
        if journey is None:
            return lambda: structural
        file = str(self.path) if self.path else ""
        unchanged = self.history is not None and journey is self.history.saved and journey is self.loaded
        result = self.result

        def here(j: Journey, file: str, with_positions: bool) -> list[Diagnostic]:
            # without positions (after edits) the file's data still says which elements the load
            # left out, each with its own error: references to them are not a cascade of E207
            return check(j, file, result if with_positions else None, result.data)

        checks = checker or here

        def run() -> list[Diagnostic]:
            semantic = checks(journey, file, unchanged)
            return sorted(structural + semantic, key=lambda d: (d.path == (), d.line, d.code, d.message))

        return run

    def _edited_since_load(self, d: Diagnostic, journey: Journey | None, confirmed: set[DataPath]) -> bool:
        """A load-time problem of a table's field (``journey.horizon = 1000000``) that an edit has
        since replaced: the model's value is what a save writes there, so the problem is gone.
        Problems of list entries stay until the file is saved (their indices may have moved)."""
        loaded = self.loaded
        if d.path in confirmed:
            return True
        if journey is None or loaded is None or journey is loaded or not d.path:
            return False
        if any(isinstance(part, int) for part in d.path):
            return False
        try:
            now = edit.get(journey, d.path)
        except (edit.EditError, TypeError):  # a table the load left out (None): nothing there to edit
            return False
        try:
            return bool(now != edit.get(loaded, d.path))
        except (edit.EditError, TypeError):  # the load left the key out; the user has set it since
            return True

    def first_error(self) -> Diagnostic | None:
        errors = [d for d in self.structural if d.is_error]
        return errors[0] if errors else None

    # -- saving -----------------------------------------------------------------------
    def needs_path(self) -> bool:
        """True when ctrl+s must ask where to save (never over a bundled journey)."""
        return self.path is None or self.bundled

    def save(
        self,
        path: Path | None = None,
        *,
        allow_read_only: bool = False,
        drop_layout: bool = False,
        force: bool = False,
    ) -> bool:
        """Save atomically to ``path`` (default: the document's own). Returns True if bytes were written.

        What is written loads back to exactly the journey held, or nothing is written.
        Raises SaveRefused when the file did not parse, or when the target is a bundled journey;
        ReadOnlyTarget / LayoutLost when the user must agree first (then call again with
        ``allow_read_only`` / ``drop_layout``). ``force`` writes even an unchanged journey
        (to overwrite a file that changed on disk). The journey held is never changed.
        """
        journey = self.journey
        if journey is None:
            first = self.first_error()
            where = f" (line {first.line}, column {first.column}: {first.message})" if first else ""
            raise SaveRefused(f"{self.name} does not parse{where}; it is left untouched. Fix it in a text editor.")
        target = path or self.path
        if target is None:
            raise SaveRefused("choose a file name first (File: save as)")
        if is_bundled(target):
            raise SaveRefused("bundled journeys are not saved over; save a copy under another path")
        same = self.path is not None and target.resolve() == self.path.resolve()
        original = self.text if (same or not target.exists()) else None
        try:
            written = save(
                journey,
                target,
                original,
                drop_layout=drop_layout,
                allow_read_only=allow_read_only,
                force=force,
                rewrite=self.confirmed if same else (),
            )
        except ReadOnlyFile as exc:
            raise ReadOnlyTarget(f"{target.name} is read-only") from exc
        except MergeError as exc:
            raise LayoutLost(str(exc)) from exc
        except ValueError as exc:  # the text we merge into no longer parses, or would not load back
            raise SaveRefused(f"{exc}. Your edits are still here; try File: save as.") from exc
        before = self.fingerprint
        self.path = target
        self.text = written
        self.fingerprint = Fingerprint.of(target)
        self.template = None
        self.result = load_text(written, str(target))
        self.structural = list(self.result.diagnostics)
        self.kept_at_save = self.history.kept() if self.history is not None else set()
        self.saved_errors = None  # the app counts the new saved version's when it checks it
        assert self.history is not None
        self.loaded = self.result.journey
        if self.result.journey == journey:
            # Only a file that loads back to the journey held counts as saved (save() checked
            # it already): otherwise the unsaved marker stays, telling the truth.
            self.history.mark_saved(journey)
            self.loaded = journey
        return not same or before != self.fingerprint
