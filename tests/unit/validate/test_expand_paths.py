"""Files and folders given to the validator: folders recurse, sorted; empty folders are E003."""

from __future__ import annotations

from pathlib import Path

from journeytui.validate import expand_paths, validate_paths


def test_folders_recurse_sorted_and_skip_non_toml(write, tmp_path: Path) -> None:
    for name in ["b.toml", "a.toml", "sub/z.toml", "sub/deeper/c.toml", "notes.md", "sub/x.txt", ".venv/lib/pkg.toml"]:
        write(name, "")
    (tmp_path / "dir.toml").mkdir()
    got = [(Path(n).relative_to(tmp_path).as_posix(), p) for n, p in expand_paths([str(tmp_path)])]
    assert got == [("a.toml", None), ("b.toml", None), ("sub/deeper/c.toml", None), ("sub/z.toml", None)]


def test_files_are_passed_through_as_given(tmp_path: Path) -> None:
    assert list(expand_paths(["x.toml", str(tmp_path / "missing.toml")])) == [
        ("x.toml", None),
        (str(tmp_path / "missing.toml"), None),
    ]


def test_an_empty_folder_is_e003(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    [(name, problem)] = list(expand_paths([str(tmp_path / "empty")]))
    assert problem is not None and problem.code == "E003" and problem.file == name
    assert "holds no *.toml" in problem.message


def test_validate_paths_mixes_files_folders_and_problems(write, tmp_path: Path, minimal_text: str) -> None:
    write("ok/one.toml", minimal_text)
    write("ok/two.toml", minimal_text.replace("0.1", "1.1"))
    (tmp_path / "none").mkdir()
    results = validate_paths([str(tmp_path / "ok"), str(tmp_path / "none"), str(tmp_path / "gone.toml")])
    assert [(Path(r.file).name, [d.code for d in r.diagnostics]) for r in results] == [
        ("one.toml", []),
        ("two.toml", ["E403", "E301"]),  # the dropped transition leaves `won` unreachable
        ("none", ["E003"]),
        ("gone.toml", ["E002"]),
    ]
