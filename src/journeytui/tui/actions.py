"""Every user action of the app in one table: palette label, key, footer visibility, help.

The app's bindings, the command palette and the F1 help screen are all built from
:data:`ACTIONS`, so a new action cannot be reachable in one place and missing in another.
Labels are grouped by prefix ("Stage: add", "Transition: retarget to…").
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True)
class Action:
    action: str
    """Name of the app's ``action_*`` method."""
    label: str
    help: str
    key: str = ""
    short: str = ""
    """Footer text; empty = not shown in the footer."""
    edits: bool = False
    """Needs an editable journey (disabled while a file does not parse)."""


ACTIONS: tuple[Action, ...] = (
    Action("save", "File: save", "Save atomically; a bundled journey asks for a new path", "ctrl+s", "Save"),
    Action("save_as", "File: save as…", "Save a copy under another path and continue there"),
    Action("reload", "File: reload from disk", "Read the file again (asks before dropping edits)", "ctrl+r"),
    Action(
        "new_from_template",
        "File: new journey from a template…",
        "A bundled journey or a blank one; asks before dropping unsaved edits",
        "ctrl+n",
    ),
    Action(
        "export", "File: export…", "Mermaid flowchart, Graphviz graph, or the journey map (Markdown, printable HTML)"
    ),
    Action("quit", "File: quit", "Quit (asks first when there are unsaved changes)", "ctrl+q", "Quit"),
    Action("undo", "Edit: undo", "Undo the last edit", "ctrl+z", "Undo", True),
    Action("redo", "Edit: redo", "Redo the edit undone last", "ctrl+y,ctrl+shift+z", "Redo", True),
    Action(
        "add",
        "Edit: add an element like the selected one",
        "Add a stage, persona, channel… of the selected kind",
        "a",
        "Add",
        True,
    ),
    Action(
        "rename", "Edit: rename the selected element", "Change its id and every reference to it", "r", "Rename", True
    ),
    Action(
        "delete",
        "Edit: delete the selected element",
        "Asks first when other elements refer to it",
        "delete,x",
        "Delete",
        True,
    ),
    Action(
        "move_up",
        "Edit: move the selected element earlier",
        "Reorder within its list (stages: file order)",
        "shift+up",
        "",
        True,
    ),
    Action("move_down", "Edit: move the selected element later", "Reorder within its list", "shift+down", "", True),
    Action("inspect", "Edit: edit fields of the selection", "Focus the inspector's form", "e", "Edit", True),
    Action("add_stage", "Stage: add", "Add a stage after the selected one", "", "", True),
    Action(
        "add_transition", "Transition: add", "Pick the stage it leaves and the stage it enters", "t", "Transition", True
    ),
    Action(
        "retarget_from",
        "Transition: retarget from…",
        "Pick another stage the selected transition leaves",
        "f",
        "",
        True,
    ),
    Action(
        "retarget_to", "Transition: retarget to…", "Pick another stage the selected transition enters", "g", "", True
    ),
    Action(
        "add_stall", "Stall: add to the selected stage", "A weekly chance that progress is put on hold", "s", "", True
    ),
    Action("add_persona", "Persona: add", "Add a person of the buying committee", "", "", True),
    Action("add_channel", "Channel: add", "Add a way to reach leads", "", "", True),
    Action("add_touchpoint", "Touchpoint: add", "Add content for the selected stage", "", "", True),
    Action("add_gate", "Gate: add", "Add a consensus gate at the selected stage", "", "", True),
    Action("add_expectation", "Expectation: add", "Add a forecast assertion", "", "", True),
    Action("add_scoring", "Scoring: add", "Add the [scoring] table (MQL threshold and hand-off)", "", "", True),
    Action("add_dmu", "DMU: add", "Add the [dmu] composition: one member per persona", "", "", True),
    Action("view('graph')", "View: journey graph", "Show the graph", "1"),
    Action("view('elements')", "View: elements", "Show every element by kind", "2"),
    Action("view('personas')", "View: personas and DMU", "Show personas, composition and gates", "3"),
    Action("view('coverage')", "View: content coverage", "Show the stage x persona matrix", "4"),
    Action("view('forecast')", "View: forecast", "The live forecast: chart, KPIs, bottlenecks, Monte Carlo", "6"),
    Action("view('sensitivity')", "View: sensitivity ranking", "Which probability moves the wins most", "7"),
    Action(
        "nudge(1)",
        "What-if: raise the selected probability",
        "+1 point (engagement +5) on the selected transition, stall or touchpoint",
        "plus,equals_sign",
        "",
        True,
    ),
    Action(
        "nudge(-1)",
        "What-if: lower the selected probability",
        "-1 point (engagement -5) on the selected transition, stall or touchpoint",
        "minus",
        "",
        True,
    ),
    Action("run_simulation", "Forecast: run Monte Carlo", "Background run with progress (r in the Forecast tab)"),
    Action("cancel_simulation", "Forecast: cancel the Monte Carlo run", "Stop the run (escape in the Forecast tab)"),
    Action(
        "forecast_personas",
        "Forecast: personas and accounts",
        "Per persona at a chosen week; accounts held at each gate and by whom (after a Monte Carlo run)",
    ),
    Action(
        "persona_week(-1)", "Forecast: persona table one week earlier", "The week per persona (, in the Forecast tab)"
    ),
    Action("persona_week(1)", "Forecast: persona table one week later", "The week per persona (. in the Forecast tab)"),
    Action("compare_saved", "Compare: with the saved version", "KPIs and charts: saved file vs now", "c"),
    Action("compare_file", "Compare: with another file…", "KPIs and charts: this journey vs another file"),
    Action("report", "Report: write Markdown…", "Summary, forecast tables, KPIs, comparison with the saved version"),
    Action("workshop", "Workshop: presentation mode", "Large high-contrast playback week by week", "w"),
    Action("export_svg", "Workshop: export the current view as SVG", "Save a screenshot in the current folder"),
    Action("focus_problems", "View: problems", "Focus the problems panel", "5"),
    Action("next_problem", "View: next problem", "Select the element of the next problem", "f8"),
    Action("help", "Help: keys for the focused panel", "What the focused panel shows and its keys", "f1", "Help"),
    Action(
        "calibrate",
        "Calibrate from history…",
        "Fit probabilities, stalls, arrivals and occupancy from a CRM export; preview, then one undoable edit",
        "i",
        "",
        True,
    ),
    Action(
        "apply_sweep_scenario",
        "Sweep: apply a scenario from results…",
        "Pick one of a sweep's best scenarios (journeytui sweep --out) and apply its levers as one undoable edit",
        "",
        "",
        True,
    ),
)


def bindings() -> list[Binding]:
    return [
        Binding(
            a.key,
            a.action,
            a.short or a.label.split(": ", 1)[-1],
            show=bool(a.short),
            priority=a.key.startswith("ctrl+"),
        )
        for a in ACTIONS
        if a.key
    ]


def base_name(action: str) -> str:
    """``"view('graph')"`` -> ``"view"``."""
    return action.split("(", 1)[0]
