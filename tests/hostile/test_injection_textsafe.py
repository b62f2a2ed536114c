"""journeytui.textsafe: what is escaped, what is left alone, and that data formats keep the data."""

from __future__ import annotations

import json
import unicodedata

import pytest
from injection_journeys import PAYLOAD, assert_clean

from journeytui.textsafe import (
    json_dumps,
    log_line,
    markdown_lines,
    markdown_text,
    no_workflow_commands,
    visible,
    visible_lines,
)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b]52;c;aGk=\x07", "\\x1b]52;c;aGk=\\x07"),
        ("a\nb\rc\td", "a\\nb\\rc\\td"),
        ("\x00\x7f\x9b\x85", "\\x00\\x7f\\x9b\\x85"),
        ("\u202egnp.exe", "\\u202egnp.exe"),
        ("\u2066x\u2069", "\\u2066x\\u2069"),
        ("a\u200bb\ufeffc\u00ad", "a\\u200bb\\ufeffc\\xad"),
        ("line\u2028para\u2029", "line\\u2028para\\u2029"),
        ("tag\U000e0041", "tag\\U000e0041"),
        ("x\u200dy", "x\\u200dy"),  # a joiner between letters hides nothing? it is escaped anyway
    ],
)
def test_visible_escapes_controls_and_format_characters(raw: str, shown: str) -> None:
    assert visible(raw) == shown
    assert_clean(visible(raw))


@pytest.mark.parametrize(
    "text",
    [
        "認知：存在を知る",
        "比較・検討 (Comparison) ｶﾀｶﾅ",
        "Cafe\u0301 naïve",  # combining acute accent
        "👩‍💻 team 👍🏽 🇯🇵 ❤️",  # ZWJ sequence, skin tone, flag, variation selector
        "plain ASCII: a-b_c (d) [e] 100% \\ back",
        "\u3000全角スペース",
    ],
)
def test_visible_leaves_normal_text_alone(text: str) -> None:
    assert visible(text) == text


def test_visible_is_idempotent_and_lines_keep_line_breaks() -> None:
    once = visible(PAYLOAD)
    assert visible(once) == once
    assert_clean(once)
    multi = visible_lines("first\x1b[2J\r\nsecond\u202e\nthird")
    assert multi == "first\\x1b[2J\nsecond\\u202e\nthird"
    assert visible("tab\there", keep_tabs=True) == "tab\there"


def test_no_workflow_commands() -> None:
    text = "ok\n::add-mask::secret\n   ::error file=x::y\nname ##[add-mask]z\n:: not\n a :: b"
    out = no_workflow_commands(text)
    assert out.splitlines() == [
        "ok",
        "\\::add-mask::secret",
        "   \\::error file=x::y",
        "name #\\#[add-mask]z",
        "\\:: not",
        " a :: b",
    ]
    assert no_workflow_commands("nothing here") == "nothing here"
    assert log_line("x\n::error::y") == "x\\n::error::y"
    assert log_line("::error::y") == "\\::error::y"


def test_markdown_text_is_literal() -> None:
    assert markdown_text("<b>x</b> & y") == "&lt;b&gt;x&lt;/b&gt; &amp; y"
    assert markdown_text("a | b") == "a \\| b"
    assert markdown_text("[l](javascript:x) ![i](u)") == "\\[l\\](javascript:x) !\\[i\\](u)"
    assert markdown_text("*em* `code` ~~s~~ \\") == "\\*em\\* \\`code\\` \\~\\~s\\~\\~ \\\\"
    assert markdown_text("mql_review _em_ __init__") == "mql_review \\_em\\_ \\_\\_init\\_\\_"
    assert markdown_text("認知 (Awareness)") == "認知 (Awareness)"
    assert markdown_text("a\nb") == "a\\\\nb"  # the escape's own backslash, escaped: renders as \n
    assert "\n" not in markdown_text(PAYLOAD) and "<" not in markdown_text(PAYLOAD)


def test_markdown_lines_cannot_start_blocks() -> None:
    text = "  # heading\n- item\n+ item\n1. one\n12) twelve\n---\n===\n> quote\n<div>\n    code\nplain 3.5"
    assert markdown_lines(text).splitlines() == [
        "\\# heading",
        "\\- item",
        "\\+ item",
        "1\\. one",
        "12\\) twelve",
        "\\---",
        "\\===",
        "&gt; quote",
        "&lt;div&gt;",
        "code",
        "plain 3.5",
    ]


def test_json_dumps_escapes_what_terminals_act_on_and_keeps_the_data() -> None:
    data = {"name": PAYLOAD + " ##[add-mask]x 日本語 👩‍💻", "list": ["\x9b", "\u202e"]}
    for indent in (None, 1, 2):
        text = json_dumps(data, indent=indent)
        assert json.loads(text) == data
        assert_clean(text)
        assert "##[" not in text
        assert "日本語" in text  # still readable, not \\u-escaped
    bad = [c for c in json_dumps(data) if unicodedata.category(c) in ("Cc", "Cf")]
    assert bad == []
