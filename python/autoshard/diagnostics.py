"""Located user-facing errors.

Every error a user can trigger is raised as `AutoshardError(message, loc)`
and reported by the tools as `file:line:col: error: message`, exit code 1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FILE_LOC = re.compile(r'loc\("(?P<file>[^"]*)":(?P<line>\d+):(?P<col>\d+)')


@dataclass(frozen=True)
class SourceLoc:
    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


def source_loc(location) -> SourceLoc | None:
    """The first file:line:col inside an MLIR Location (fused/name/callsite
    locations included), or None for unknown locations."""
    m = _FILE_LOC.search(str(location))
    if not m:
        return None
    return SourceLoc(m["file"], int(m["line"]), int(m["col"]))


class AutoshardError(Exception):
    """An error in the user's input or options, tied to a source location
    when one is known (an MLIR Location, a SourceLoc, or None)."""

    def __init__(self, message: str, loc=None, severity: str = "error"):
        super().__init__(message)
        self.message = message
        if loc is not None and not isinstance(loc, SourceLoc):
            loc = source_loc(loc)
        self.loc = loc
        self.severity = severity
