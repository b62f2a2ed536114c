"""Hostile journey files for the injection tests, generated at run time, and the check for clean output.

A hostile file puts terminal escape sequences (OSC 52 clipboard, OSC 0/2 window title, CSI 2J),
BEL, raw CR and LF, C1 controls, bidi overrides and isolates, zero-width characters, Rich and
Textual markup, HTML, Markdown table pipes and GitHub workflow commands after a line break into
every piece of text it can: names, titles, descriptions, notes, keys, expectation names, even
its own file name. :func:`assert_clean` is what every output must pass.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

import tomli_w

OSC52 = "\x1b]52;c;cHduZWQ=\x07"
"""Write "pwned" to the clipboard (terminals that allow OSC 52)."""
OSC0 = "\x1b]0;pwned title\x07"
OSC2 = "\x1b]2;pwned title\x1b\\"
CLEAR = "\x1b[2J\x1b[H"
CSI_C1 = "\x9b31m"
"""CSI as one C1 character: red text on terminals that read 8-bit controls."""
BIDI = "\u202egnp.exe\u202c \u2066isolate\u2069 \u2067rtl\u2068"
ZERO_WIDTH = "a\u200bb\u200cc\u200dd\ufeff\u2060e\u00ad"
WORKFLOW = "\n::error file=x.toml,line=1::pwned\n::add-mask::secret\r::warning::also"
MARKUP = "[@click=app.quit]click me[/] [link=https://evil.example]link[/link] [bold red]loud[/]"
HTML = "<img src=x onerror=alert(1)> <script>alert(2)</script> &amp; | cell | ![i](https://evil.example/i.png)"

PAYLOAD = "".join([OSC52, OSC0, OSC2, CLEAR, "\x07", CSI_C1, BIDI, ZERO_WIDTH, WORKFLOW, " ", MARKUP, " ", HTML])
"""Everything at once, for free-text fields."""

HOSTILE_NAME = f"hostile {OSC0}{CLEAR}\n::error::name\u202e.toml"
"""A file name that is itself hostile (Linux allows all of these in a name)."""


def _bad_chars(text: str) -> list[str]:
    """Characters a terminal or a log could act on: every control and format character but LF."""
    return sorted(
        {f"U+{ord(c):04X}" for c in text if c != "\n" and unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp")}
    )


def assert_clean(text: str, *, workflow_lines: bool = False) -> None:
    """``text`` holds no control or format character but line feeds, and no line is a workflow command.

    ``workflow_lines``: the output is GitHub annotations, so every line must be one of ours.
    """
    bad = _bad_chars(text)
    assert not bad, f"raw control or format characters reached the output: {bad}\n{text[:2000]!r}"
    for line in text.splitlines():
        if workflow_lines:
            assert line.startswith(("::error file=", "::warning file=")), line
            assert "::add-mask::" not in line.split("::", 3)[2], line  # nothing in the properties
        else:
            assert not line.lstrip().startswith("::"), f"a line GitHub Actions would run: {line!r}"


def hostile_journey_data(payload: str = PAYLOAD) -> dict[str, Any]:
    """A journey that validates (ids are plain) with ``payload`` in every free-text field."""
    return {
        "journey": {"id": "hostile", "title": "Title " + payload, "description": "Line one\n" + payload, "horizon": 8},
        "population": {"initial": {"a": 100}, "arrivals": {"a": 5.0}},
        "stages": [
            {"id": "a", "name": "Stage A " + payload, "entry": True, "notes": payload},
            {"id": "b", "name": "Stage B " + MARKUP},
            {"id": "won", "name": "Won " + payload, "kind": "won"},
            {"id": "lost", "name": "Lost", "kind": "lost"},
        ],
        "transitions": [
            {"from": "a", "to": "b", "probability": 0.3, "notes": payload},
            {"from": "b", "to": "won", "probability": 0.2},
            {"from": "b", "to": "a", "probability": 0.05, "cause": "cause " + payload},
            {"from": "a", "to": "lost", "probability": 0.05},
        ],
        "stalls": [
            {
                "stage": "b",
                "probability": 0.1,
                "duration": {"kind": "uniform", "min": 1, "max": 3},
                "cause": "stall " + payload,
            }
        ],
        "personas": [{"id": "buyer", "name": "Buyer " + payload, "role": "decision_maker", "notes": payload}],
        "channels": [{"id": "mail", "name": "Mail " + payload}],
        "touchpoints": [
            {"id": "hello", "name": "Hello " + payload, "type": "other", "stages": ["a", "b"], "channel": "mail"}
        ],
        "expectations": [
            {"stage": "won", "week": 8, "min": 0.0, "name": "expect " + payload},
            {"stage": "won", "week": 8, "max": 0.0001, "name": "fails " + payload},
        ],
    }


def write_hostile(folder: Path, name: str = "hostile.toml", payload: str = PAYLOAD) -> Path:
    """A valid journey file with hostile text everywhere, written to ``folder/name``."""
    path = folder / name
    path.write_text(tomli_w.dumps(hostile_journey_data(payload)), encoding="utf-8")
    return path


def write_invalid(folder: Path, name: str = "invalid.toml") -> Path:
    """A journey with errors whose messages quote hostile keys and ids."""
    data = hostile_journey_data()
    data["journey"]["id"] = "bad" + OSC52 + "\n::error::id"
    data["stages"][0]["id"] = "a" + CLEAR + "\u202e"
    data["stages"][1]["unknown" + WORKFLOW] = 1
    data["population"]["initial"]["x" + OSC0 + "\n::add-mask::k"] = 10
    data["transitions"][0]["to"] = "nowhere" + CSI_C1 + "\n::error::to"
    data["expectations"][0]["stage"] = "gone" + "\r::error::exp"
    data["junk" + OSC52] = {"k\n::error::": 1}
    path = folder / name
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path


def write_unparsable(folder: Path, name: str = "broken.toml") -> Path:
    """A file TOML cannot read, with escape sequences on the line the error points at."""
    path = folder / name
    path.write_text(f'[journey]\nid = "x"\ntitle = "{OSC52}{CLEAR}\n', encoding="utf-8")
    return path
