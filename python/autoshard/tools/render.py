"""Printing diagnostics the way mlir-opt does:

    file:line:col: error: message
      <the source line>
          ^

or `autoshard-opt: error: message` when there is no location.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from autoshard.diagnostics import SourceLoc

TOOL_NAME = "autoshard-opt"


@dataclass
class SourceFiles:
    """The text of the files diagnostics may point into, for the snippet."""

    lines: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, text: str) -> None:
        self.lines[name] = text.split("\n")

    def line(self, loc: SourceLoc) -> str | None:
        lines = self.lines.get(loc.file)
        if lines is None or not 1 <= loc.line <= len(lines):
            return None
        return lines[loc.line - 1].rstrip("\r")  # CRLF files


def render(severity: str, message: str, loc: SourceLoc | None,
           sources: SourceFiles | None = None, length: int = 1) -> str:
    """One diagnostic as text ending in a newline; `length` characters from
    the column on are underlined."""
    if loc is None:
        return f"{TOOL_NAME}: {severity}: {message}\n"
    out = f"{loc}: {severity}: {message}\n"
    line = sources.line(loc) if sources is not None else None
    if line is not None:
        indent = "".join(c if c == "\t" else " " for c in line[: loc.col - 1])
        out += f"{line}\n{indent}^{'~' * max(length - 1, 0)}\n"
    return out
