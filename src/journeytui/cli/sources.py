"""Where a command reads a journey from: a file, or ``git:REF:PATH`` (a file as a commit has it).

``git:origin/main:journeys/b2b-it-tool.toml`` reads the file with ``git show`` in the
current repository, so a pull request can be compared with its base branch without a
second checkout. The output is capped like a file read; git's own errors become diagnostics.
"""

from __future__ import annotations

import subprocess

from journeytui.diagnostics import Diagnostic
from journeytui.model.load import LoadResult

GIT_PREFIX = "git:"
LIMIT = 10 * 1024 * 1024
"""The same cap as for files: journeys are hand-written."""


def is_git(spec: str) -> bool:
    return spec.startswith(GIT_PREFIX)


def _fail(spec: str, message: str) -> LoadResult:
    return LoadResult(file=spec, diagnostics=[Diagnostic("E002", message, spec)])


def validate_git(spec: str) -> LoadResult:
    """Load and validate ``git:REF:PATH``; an unreadable one is an E002 diagnostic, never a traceback."""
    from journeytui.validate import validate_text

    ref, sep, path = spec[len(GIT_PREFIX) :].partition(":")
    if not sep or not ref or not path:
        return _fail(spec, f"expected git:REF:PATH (e.g. git:origin/main:journeys/x.toml), got {spec!r}")
    if ref.startswith("-"):
        return _fail(spec, f"not a git revision: {ref!r}")
    try:
        proc = subprocess.Popen(
            ["git", "show", "--no-textconv", f"{ref}:{path}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
        )
    except OSError as exc:
        return _fail(spec, f"cannot run git: {exc.strerror or exc}")
    assert proc.stdout is not None and proc.stderr is not None
    data = proc.stdout.read(LIMIT + 1)
    if len(data) > LIMIT:
        proc.kill()
        proc.wait()
        return _fail(spec, "the file at that revision is larger than 10 MB")
    try:
        err = proc.communicate(timeout=60)[1]
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return _fail(spec, "git show did not answer within 60 s")
    if proc.returncode != 0:
        why = err.decode("utf-8", "replace").strip().splitlines()
        reason = why[-1].removeprefix("fatal: ") if why else f"exit code {proc.returncode}"
        return _fail(spec, f"cannot read {path} at {ref}: {reason}")
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        return _fail(spec, f"not UTF-8 text ({exc.reason})")
    return validate_text(text, spec)
