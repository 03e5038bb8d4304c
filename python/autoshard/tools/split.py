"""`--split-input-file`: cutting the input into chunks the way mlir-opt does.

mlir-opt splits on every occurrence of `// -----` (not only whole lines: the
rest of the marker's line belongs to the next chunk) and reports locations
in original-file coordinates, so each chunk remembers where it starts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SPLIT_MARKER = "// -----"
# What mlir-opt writes between the outputs of two chunks.
OUTPUT_SEPARATOR = SPLIT_MARKER + "\n"
# One dash short of the marker: probably a mistyped one.
_NEAR_MISS = re.compile(r"// ----(?!-)")


@dataclass(frozen=True)
class Chunk:
    text: str
    line: int  # 1-based position of text[0] in the original file
    col: int


def split_input(text: str) -> list[Chunk]:
    chunks = []
    start, line, col = 0, 1, 1
    while True:
        at = text.find(SPLIT_MARKER, start)
        end = len(text) if at < 0 else at
        chunks.append(Chunk(text[start:end], line, col))
        if at < 0:
            return chunks
        line, col = _advance(text, start, at + len(SPLIT_MARKER), line, col)
        start = at + len(SPLIT_MARKER)


def _advance(text: str, start: int, end: int, line: int, col: int) -> tuple[int, int]:
    """line:col of text[end], given that text[start] is at line:col."""
    newlines = text.count("\n", start, end)
    if newlines == 0:
        return line, col + (end - start)
    return line + newlines, end - text.rfind("\n", start, end)


def near_misses(text: str) -> list[tuple[int, int]]:
    """line:col of the last dash of each near-miss marker (mlir-opt warns
    "near miss with file split marker" there)."""
    found: list[tuple[int, int]] = []
    for lineno, line in enumerate(text.split("\n"), start=1):
        found.extend((lineno, m.end()) for m in _NEAR_MISS.finditer(line))
    return found
