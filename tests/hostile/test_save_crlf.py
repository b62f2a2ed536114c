"""Hostile saves: a journey with Windows line endings (CRLF) keeps them through every kind of save.

Files are written at run time as bytes; the checks count line endings in the bytes on disk.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from journeytui.cli import main
from journeytui.model import Stage, dumps, edit, load_file, load_text
from journeytui.tui.document import Document

COMMENTED = """\
# written on Windows
[journey]
id = "crlf"
title = "CRLF"
description = \"\"\"
two
lines\"\"\"
horizon = 52

[[stages]]
id = "lead"   # first
name = "Lead"
entry = true

[[stages]]
id = "won"
name = "Won"
kind = "won"

[[transitions]]
from = "lead"
to = "won"
probability = 0.1
"""


def crlf(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode("utf-8")


def only_crlf(data: bytes) -> bool:
    return data.count(b"\n") == data.count(b"\r\n") > 0


def edit_and_save(path: Path) -> Document:
    doc = Document.open(path)
    assert doc.history is not None
    doc.history.apply("set", lambda j: edit.set_field(j, ("transitions", 0, "cause"), "two\nlines too"))
    doc.history.apply("add", lambda j: edit.add(j, "stage", Stage(id="nurture", name="育成\n(2 lines)")))
    doc.history.apply("title", lambda j: edit.set_field(j, ("journey", "title"), "CRLF kept"))
    doc.save()
    return doc


@pytest.mark.parametrize("layout", ["commented", "canonical"])
def test_an_edited_crlf_journey_stays_crlf(tmp_path: Path, layout: str) -> None:
    text = COMMENTED if layout == "commented" else dumps(load_text(COMMENTED).journey)  # type: ignore[arg-type]
    path = tmp_path / "win.toml"
    path.write_bytes(crlf(text))
    doc = edit_and_save(path)
    data = path.read_bytes()
    assert only_crlf(data), data
    assert load_file(path).journey == doc.journey and not doc.dirty
    if layout == "commented":
        assert b"# written on Windows\r\n" in data and b'id = "lead"   # first\r\n' in data


def test_a_save_without_edits_leaves_the_crlf_bytes_alone(tmp_path: Path) -> None:
    path = tmp_path / "win.toml"
    path.write_bytes(crlf(COMMENTED))
    Document.open(path).save()
    assert path.read_bytes() == crlf(COMMENTED)


def test_a_mixed_file_is_not_rewritten_wholesale(tmp_path: Path) -> None:
    """Mixed endings: lines the save does not touch keep theirs (no silent whole-file conversion)."""
    mixed = crlf(COMMENTED).replace(b"horizon = 52\r\n", b"horizon = 52\n")
    path = tmp_path / "mixed.toml"
    path.write_bytes(mixed)
    edit_and_save(path)
    data = path.read_bytes()
    assert b"# written on Windows\r\n" in data and b"horizon = 52\n" in data


def test_fmt_keeps_crlf(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    j = load_text(COMMENTED).journey
    assert j is not None
    canonical = dumps(j)
    shuffled = tmp_path / "shuffled.toml"
    shuffled.write_bytes(crlf(canonical.replace('id = "lead"\nname = "Lead"', 'name = "Lead"\nid = "lead"')))
    already = tmp_path / "already.toml"
    already.write_bytes(crlf(canonical))
    code = main(["fmt", str(shuffled), str(already)])
    err = capsys.readouterr().err
    assert code == 0, err
    assert shuffled.read_bytes() == crlf(canonical)
    assert already.read_bytes() == crlf(canonical)
    assert "1 file reformatted, 1 already canonical" in err
    assert main(["fmt", "--check", str(tmp_path)]) == 0  # a CRLF canonical file counts as canonical


@pytest.mark.parametrize("layout", ["commented", "canonical"])
def test_a_byte_order_mark_survives_an_edit_and_save(tmp_path: Path, layout: str) -> None:
    """Editors on Windows write a UTF-8 BOM; the app's save keeps it (and the CRLF endings)."""
    text = COMMENTED if layout == "commented" else dumps(load_text(COMMENTED).journey)  # type: ignore[arg-type]
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + crlf(text))
    doc = edit_and_save(path)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf[journey]" if layout == "canonical" else b"\xef\xbb\xbf# written")
    assert data.count(b"\xef\xbb\xbf") == 1 and only_crlf(data)
    assert load_file(path).journey == doc.journey and not doc.dirty
    Document.open(path).save()  # unchanged: the same bytes, the mark included
    assert path.read_bytes() == data


def test_fmt_keeps_a_byte_order_mark(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    j = load_text(COMMENTED).journey
    assert j is not None
    canonical = dumps(j)
    path = tmp_path / "bom.toml"
    path.write_bytes(
        b"\xef\xbb\xbf" + canonical.replace('id = "lead"\nname = "Lead"', 'name = "Lead"\nid = "lead"').encode()
    )
    assert main(["fmt", "--drop-comments", str(path)]) == 0, capsys.readouterr().err
    assert path.read_bytes() == b"\xef\xbb\xbf" + canonical.encode()
    assert main(["fmt", "--check", str(path)]) == 0  # and it now counts as canonical
