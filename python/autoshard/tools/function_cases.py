"""One function at a time out of an MLIR test file (upstream's shard tests):
each function is cut out with the other functions' lines blanked and the
module-level ops (grids) kept, so line numbers and therefore the located
errors stay those of the file.  bench/upstream_shard.py and
test/unit/test_upstream_shard.py share this, and run each case in process
(`run_case`).

A function "carries an annotation" when its code (comments stripped) has a
`shard.shard` op; `shard.sharding` alone does not count.  That is the
definition the issue's "43 functions" uses: canonicalization.mlir's
@test_halo_sizes and @test_shard_offs only build `!shard.sharding` values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from autoshard.tools.split import SPLIT_MARKER

_FUNC = re.compile(r"\s*func\.func\b")
_FUNC_NAME = re.compile(r"func\.func\s+(?:private\s+)?@([\w.$-]+)")
_SHARD_OP = re.compile(r"\bshard\.shard\s")
LOCATED = re.compile(r"^[^:\s]+:\d+:\d+: error: ")
# Files of upstream's shard tests that are not positive tests LLVM 22.1.8
# parses whole: newer syntax (`shard.grid "private"`), and negative tests.
# ops.mlir is one module with one newer op form (reduce_scatter's
# `scatter_dim`), so it is run function by function on its own.
POSITIVE_SKIP = frozenset({"forward-sharding-propagation.mlir", "sharding-propagation-failed.mlir", "ops.mlir",
                           "invalid.mlir", "invalid_annotated.mlir"})


@dataclass(frozen=True)
class Case:
    file: str
    function: str
    text: str  # the whole file's line count, other functions blanked
    annotated: bool  # has a `shard.shard` op
    first_line: int  # 1-based line of `func.func`


def _code(line: str) -> str:
    return line.split("//")[0]


def function_ranges(lines: list[str]) -> list[tuple[int, int]]:
    """(first, last) line index of every top-level func.func with a body."""
    out, i = [], 0
    while i < len(lines):
        if not _FUNC.match(lines[i]):
            i += 1
            continue
        depth, j, opened = 0, i, False
        while j < len(lines):
            code = _code(lines[j])
            depth += code.count("{") - code.count("}")
            opened = opened or "{" in code
            if opened and depth <= 0:
                break
            if not opened and "private" in lines[i] and re.search(r"\)\s*(->.*)?$", code):
                break  # a declaration (no body)
            j += 1
        if opened:
            out.append((i, j))
        i = j + 1
    return out


def file_cases(path: Path) -> list[Case]:
    """Every function with a body of every `// -----` chunk of `path`."""
    lines = path.read_text().split("\n")
    chunks, start = [], 0
    for k, line in enumerate(lines):
        if line.strip() == SPLIT_MARKER:
            chunks.append((start, k))
            start = k + 1
    chunks.append((start, len(lines)))
    out = []
    for a, b in chunks:
        chunk = lines[a:b]
        ranges = function_ranges(chunk)
        for s, e in ranges:
            body = chunk[s:e + 1]
            keep = ["" if any(s2 <= k <= e2 for s2, e2 in ranges if (s2, e2) != (s, e)) else line
                    for k, line in enumerate(chunk)]
            m = _FUNC_NAME.search("\n".join(body))
            assert m is not None  # function_ranges starts at a func.func line
            text = "\n".join([""] * a + keep + [""] * (len(lines) - b))
            annotated = any(_SHARD_OP.search(_code(line)) for line in body)
            out.append(Case(path.name, m.group(1), text, annotated, a + s + 1))
    return out


def run_case(case: Case, pipeline: str = "autoshard-partition,autoshard-verify") -> tuple[str, str]:
    """('pass', '') or ('error', the first located error line,
    `file:line:col: error: message`) or ('crash', what happened: an internal
    error, or an error without a location)."""
    from autoshard.tools.driver import run_pipeline

    result = run_pipeline(case.text, f"builtin.module({pipeline})", case.file)
    if result.internal_error is not None:
        return "crash", f"internal error: {result.internal_error}"
    if result.ok:
        return "pass", ""
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    if errors and LOCATED.match(errors[0]):
        return "error", errors[0]
    return "crash", (errors or result.stderr.splitlines() or ["no diagnostic"])[0][:200]

