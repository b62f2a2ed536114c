"""Show text from journey files safely: in a terminal, a CI log, Markdown or JSON.

Journey files may come from strangers, and their text (titles, names, notes, keys, even the
path) is printed by every command and shown by the app. A terminal runs what it is sent:
``ESC ] 52`` writes the clipboard, ``ESC ] 0`` sets the window title, ``ESC [ 2J`` clears the
screen; a line break lets a name start a new line that GitHub Actions reads as a workflow
command (``::add-mask::``); bidi overrides make text read differently from what it is. So
every piece of file text passes through one of these functions on its way out:

- :func:`visible` for one line of human-readable output (the CLI, the app): control
  characters, line breaks and invisible format characters become visible escapes such as
  ``\\x1b``, ``\\n`` and ``\\u202e``. Letters of any script, combining marks and emoji stay.
- :func:`log_line` for one line of CLI output: :func:`visible` and :func:`no_workflow_commands`.
- :func:`visible_lines` for multi-line prose shown in the app (notes, descriptions): the
  same, but line feeds stay line breaks.
- :func:`markdown_text` for a Markdown cell, heading or sentence: :func:`visible`, then what
  Markdown would interpret (HTML, ``|``, links, emphasis) shown literally.
- :func:`markdown_lines` for multi-line prose in Markdown (a description).
- :func:`no_workflow_commands` for whole outputs that a CI log may show: no line is a
  GitHub Actions workflow command (``::cmd::`` at a line's start, ``##[cmd]`` anywhere), even
  where a table wraps a long name so that a piece of it starts a line.
- :func:`json_dumps` for JSON: ``json.dumps`` escapes C0 controls itself; this also escapes
  the rest (C1 controls, bidi and other format characters) as ``\\uXXXX``, so the data is
  unchanged and the bytes are harmless in a terminal.

The escapes are for display only; they are not meant to be read back. A backslash in the
text is left as it is, so ``\\x1b`` typed literally in a name looks like an escaped ESC:
what matters is that the terminal never receives the real one. Plain Python, no Textual.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
"""The controls shown the way Python and most languages write them."""

_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
"""Controls (C0, DEL, C1), format characters (bidi embeddings, overrides and isolates,
zero-width spaces and joiners, soft hyphen, BOM, tag characters), lone surrogates, and the
Unicode line and paragraph separators."""

_ZWJ = "\u200d"


@lru_cache(maxsize=4096)
def _unsafe(ch: str) -> bool:
    return unicodedata.category(ch) in _UNSAFE_CATEGORIES


def _escape(ch: str) -> str:
    if ch in _NAMED:
        return _NAMED[ch]
    cp = ord(ch)
    if cp < 0x100:
        return f"\\x{cp:02x}"
    if cp < 0x10000:
        return f"\\u{cp:04x}"
    return f"\\U{cp:08x}"


def _emoji_joiner(s: str, i: int) -> bool:
    """A zero-width joiner inside an emoji sequence (👩‍💻): kept, the sequence draws one emoji.

    Kept only between two symbols (the one before may carry a variation selector or a skin
    tone): there it cannot hide or reorder letters. Anywhere else it is escaped.
    """
    if i == 0 or i + 1 >= len(s):
        return False
    j = i - 1
    while j > 0 and unicodedata.category(s[j]) == "Mn":  # a variation selector (U+FE0F)
        j -= 1
    emoji_like = ("So", "Sk")  # pictographs, and skin tones (Sk)
    return unicodedata.category(s[j]) in emoji_like and unicodedata.category(s[i + 1]) in emoji_like


def visible(text: str, *, keep_tabs: bool = False) -> str:
    """``text`` as one line safe for a terminal: unsafe characters shown as escapes.

    A tab is shown as ``\\t`` (in a name it would only misalign), unless ``keep_tabs`` (a diff
    of the file's own lines).

    >>> visible("Hot\\x1b]52;c;aGk=\\x07 lead\\n::error::x")
    'Hot\\\\x1b]52;c;aGk=\\\\x07 lead\\\\n::error::x'
    >>> visible("関心 (Interest) 👩‍💻")
    '関心 (Interest) 👩\\u200d💻'
    """
    if text.isascii() and text.isprintable():  # the common case, kept fast
        return text
    out = []
    for i, ch in enumerate(text):
        if _unsafe(ch) and not (ch == _ZWJ and _emoji_joiner(text, i)) and not (keep_tabs and ch == "\t"):
            out.append(_escape(ch))
        else:
            out.append(ch)
    return "".join(out)


def log_line(text: str, *, keep_tabs: bool = False) -> str:
    """One line of CLI output, for a terminal or a CI log: :func:`visible`, and not a workflow command."""
    return no_workflow_commands(visible(text, keep_tabs=keep_tabs))


def visible_lines(text: str) -> str:
    """Multi-line ``text`` safe for a terminal: line feeds (and CR LF) kept, all else as in :func:`visible`."""
    return "\n".join(visible(line) for line in _split_lines(text))


def _split_lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").split("\n")


_MD_BACKSLASH = re.compile(r"([\\`*\[\]|~]|_(?!(?<=[^\W_]_)[^\W_]))")
"""Markdown punctuation to escape; ``_`` only where it could emphasise (not in ``mql_review``)."""
_MD_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_MD_BLOCK_START = re.compile(r"^(?:(?P<digits>\d{1,9})(?=[.)](?:\s|$))|#{1,6}(?=\s|$)|[-+=*](?=\s|$)|[-=]+\s*$)")
"""What would start a block at a line's start: an ordered-list number (escaped after the digits,
where a backslash escapes the ``.``), else a heading, a bullet, a setext underline."""


def markdown_text(text: str) -> str:
    """``text`` shown literally inside Markdown (a table cell, a heading, a sentence).

    :func:`visible` first (so no line break can end a table row), then ``&``, ``<`` and ``>``
    as entities (no raw HTML, no autolinks) and backslashes before ``\\ ` * [ ] | ~`` and an
    ``_`` that is not between two letters (no code, emphasis, links, images, strikethrough or
    cell break).

    >>> markdown_text("<img src=x onerror=alert(1)> | [x](javascript:y)")
    '&lt;img src=x onerror=alert(1)&gt; \\\\| \\\\[x\\\\](javascript:y)'
    """
    shown = _MD_BACKSLASH.sub(r"\\\1", visible(text))
    return "".join(_MD_HTML.get(c, c) for c in shown) if any(c in shown for c in "&<>") else shown


def _escape_block_start(m: re.Match[str]) -> str:
    return m.group(0) + "\\" if m.group("digits") else "\\" + m.group(0)


def markdown_lines(text: str) -> str:
    """Multi-line prose shown literally in Markdown: each line as :func:`markdown_text`, line breaks kept.

    A line cannot start a block either (a heading, a list, a quote, a setext underline, an
    indented code block): leading spaces are dropped and a leading marker is escaped.
    """
    lines = []
    for line in _split_lines(text.strip()):
        shown = markdown_text(line.strip())
        lines.append(_MD_BLOCK_START.sub(_escape_block_start, shown, count=1))
    return "\n".join(lines)


_V1_COMMAND = "##["
"""The runner's older command syntax, read anywhere in a line."""


def no_workflow_commands(text: str) -> str:
    """``text`` with no line GitHub Actions would run as a workflow command.

    The runner reads a line as a command when it starts with ``::`` after leading spaces, or
    when it contains ``##[``. A backslash goes in front of such a ``::`` and between the two
    ``#``: visible in plain text, invisible once Markdown is rendered (``\\:`` and ``\\#`` are
    Markdown escapes). Only for outputs meant to be read; ``--format github`` is made of
    commands on purpose and escapes its data instead.
    """
    if "::" not in text and _V1_COMMAND not in text:
        return text
    lines = text.split("\n")
    for i, line in enumerate(lines):
        body = line.lstrip()
        if body.startswith("::"):
            line = line[: len(line) - len(body)] + "\\" + body
        lines[i] = line.replace(_V1_COMMAND, "#\\#[")
    return "\n".join(lines)


def _json_escape(ch: str) -> str:
    cp = ord(ch)
    if cp < 0x10000:
        return f"\\u{cp:04x}"
    cp -= 0x10000
    return f"\\u{0xD800 + (cp >> 10):04x}\\u{0xDC00 + (cp & 0x3FF):04x}"


def json_dumps(data: Any, **kwargs: Any) -> str:
    """``json.dumps(data, ensure_ascii=False, **kwargs)`` with every unsafe character as a ``\\u`` escape.

    JSON's own escaping covers C0 controls only; C1 controls (``\\x9b`` is CSI to some
    terminals), bidi and other format characters would pass raw; ``##[`` would be a workflow
    command in a CI log. Outside strings JSON is
    ASCII (layout whitespace is left alone), so escaping them everywhere leaves the data
    exactly as it was.
    """
    import json  # here: only the JSON outputs need it, and validate's start should not pay for it

    # "##[" is only ever inside a string: "#\u0023[" is the same data, and no workflow command
    text = json.dumps(data, ensure_ascii=False, **kwargs).replace(_V1_COMMAND, "#\\u0023[")
    if text.isascii():  # C0 controls inside strings are escaped already; outside, only layout
        return text
    return "".join(_json_escape(c) if c > "\x7e" and _unsafe(c) else c for c in text)
