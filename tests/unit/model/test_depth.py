"""The nesting pre-scan: exact at the limit, blind to strings and comments, never stricter than the data, linear."""

from __future__ import annotations

import sys
import tomllib
from types import FrameType
from typing import Any

import pytest
import tomli_w
from hypothesis import given, settings
from hypothesis import strategies as st

from journeytui.model.depth import MAX_DEPTH, too_deep


def key(parts: int) -> str:
    return ".".join(["k"] * parts)


@pytest.mark.parametrize(
    ("at_limit", "over"),
    [
        (f"{key(MAX_DEPTH)} = 1\n", f"{key(MAX_DEPTH + 1)} = 1\n"),
        (f"[{key(MAX_DEPTH - 1)}]\nx = 1\n", f"[{key(MAX_DEPTH)}]\nx = 1\n"),
        (f"[[{key(MAX_DEPTH - 2)}]]\nx = 1\n", f"[[{key(MAX_DEPTH - 1)}]]\nx = 1\n"),
        ("x = " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1), "x = " + "[" * MAX_DEPTH + "]" * MAX_DEPTH),
        ("x = " + "{a = " * (MAX_DEPTH - 1) + "1" + "}" * (MAX_DEPTH - 1), "x = " + "{a = " * MAX_DEPTH + "1}"),
        (f"[t]\n{key(MAX_DEPTH - 2)} = [1]\n", f"[t]\n{key(MAX_DEPTH - 1)} = [1]\n"),
        (f"x = [{{{key(MAX_DEPTH - 2)} = 1}}]", f"x = [{{{key(MAX_DEPTH - 1)} = 1}}]"),
    ],
    ids=["dotted-key", "header", "array-of-tables", "arrays", "inline-tables", "key-in-table", "table-in-array"],
)
def test_the_limit_is_exact(at_limit: str, over: str) -> None:
    assert too_deep(at_limit) is None
    found = too_deep(over)
    assert found is not None


def test_the_offset_is_the_key_header_or_bracket_that_goes_too_deep() -> None:
    text = 'a = 1\n[t]\nb = "x"\n' + key(MAX_DEPTH) + " = 2\n"
    found = too_deep(text)
    assert found is not None and found.what == "key"
    assert found.offset == text.index(key(MAX_DEPTH))
    text = "a = [" + "[" * 40 + "]" * 41
    found = too_deep(text)
    assert found is not None and found.what == "array"
    assert found.offset == len("a = ") + MAX_DEPTH - 1


DEEP_LOOKING = "[[[[" * 20 + "{a={a=" * 20 + ".a" * 40


@pytest.mark.parametrize(
    "text",
    [
        f'x = "{DEEP_LOOKING}"',
        f"x = '{DEEP_LOOKING}'",
        f'x = """\n{DEEP_LOOKING}\n"""',
        f'x = """ends with quotes {DEEP_LOOKING}"""""',
        f'x = """escaped \\""" {DEEP_LOOKING}"""',
        f"x = '''\n{DEEP_LOOKING}\n'''",
        f"x = ''''{DEEP_LOOKING}''''",
        f"# {DEEP_LOOKING}\nx = 1",
        f"x = 1 # {DEEP_LOOKING}",
        f'"{".".join(["a"] * 60)}" = 1',
        f"'{'.'.join(['a'] * 60)}' = 1",
        f"x = [\n  \"{DEEP_LOOKING}\", # {DEEP_LOOKING}\n  '{DEEP_LOOKING}',\n]",
        f'x = {{ "{DEEP_LOOKING}" = 1 }}',
        f'x = "escaped quote \\" {DEEP_LOOKING}"',
        f"when = 1979-05-27 07:32:00Z\nx = '{DEEP_LOOKING}'",
    ],
)
def test_strings_and_comments_do_not_count(text: str) -> None:
    tomllib.loads(text)  # each case is valid TOML
    assert too_deep(text) is None


def test_crlf_files_are_scanned_alike(repo_root) -> None:  # type: ignore[no-untyped-def]
    text = (repo_root / "journeys" / "b2b-it-tool.toml").read_text(encoding="utf-8")
    crlf = text.replace("\n", "\r\n")
    assert too_deep(crlf) is None
    assert too_deep(crlf, limit=4) is not None
    found = too_deep(crlf + f"{key(MAX_DEPTH)} = 1\r\n")
    assert found is not None and found.offset == len(crlf)


def test_the_bundled_journeys_need_five_levels(repo_root) -> None:  # type: ignore[no-untyped-def]
    texts = [p.read_text(encoding="utf-8") for p in sorted((repo_root / "journeys").glob("*.toml"))]
    assert texts
    assert all(too_deep(t, limit=5) is None for t in texts)
    assert any(too_deep(t, limit=4) is not None for t in texts)


def depth(value: Any) -> int:
    """The longest key path in ``value``: each key and each array index counts one."""
    if isinstance(value, dict):
        return max((1 + depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return max((1 + depth(v) for v in value), default=1)
    return 0


tricky = st.text(alphabet=st.sampled_from(list("ab.[]{}=,#\"'\\\n\t 日")), max_size=12)
scalars = st.one_of(st.integers(), st.booleans(), tricky, st.floats(allow_nan=False))
documents = st.dictionaries(
    tricky,
    st.recursive(
        scalars,
        lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(tricky, inner, max_size=3)),
        max_leaves=12,
    ),
    max_size=4,
)


@settings(max_examples=300, deadline=None)
@given(documents, st.booleans())
def test_never_stricter_than_the_data_and_never_lost_on_valid_toml(data: dict[str, Any], multiline: bool) -> None:
    """Whatever tomli_w writes (headers, arrays of tables, inline tables, escaped strings) scans within its
    real depth; and the scan reaches its end: a too-deep key after it is still found."""
    text = tomli_w.dumps(data, multiline_strings=multiline)
    assert too_deep(text, limit=max(depth(data), 1)) is None, text
    tail = f"\n[zzz]\n{key(MAX_DEPTH)} = 1\n"
    found = too_deep(text + tail)
    assert found is not None and found.offset == len(text) + len("\n[zzz]\n"), text


def test_work_is_linear_in_the_text() -> None:
    """Twenty times the text takes twenty times the scan's steps (a quadratic scan would take 400 times).

    Counted, not timed: the Python lines the scan executes, which a clock on a loaded CI machine
    cannot disturb. The scan's regular expressions use possessive and atomic groups only, so each
    match is linear in what it consumes; the lines below mix the fast path (flat lines and headers
    matched as one run) with the slow one (an inline table inside an array)."""
    lines = "k = [1, {a = 'x.y'}, \"[[\"] # c\n[t.u]\nflat = 'x' # c\n[[s]]\nid = 1\n"
    depth_file = sys.modules[too_deep.__module__].__file__

    def steps(n: int) -> int:
        count = 0

        def local(frame: FrameType, event: str, arg: object) -> Any:
            nonlocal count
            if event == "line":
                count += 1
            return local

        def tracer(frame: FrameType, event: str, arg: object) -> Any:
            return local if frame.f_code.co_filename == depth_file else None

        text = lines * n
        sys.settrace(tracer)
        try:
            found = too_deep(text)
        finally:
            sys.settrace(None)
        assert found is None
        return count

    small, large = steps(500), steps(10_000)
    assert small > 500, small  # the slow path ran once per repetition at least
    assert large < 21 * small, (small, large)
