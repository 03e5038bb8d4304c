"""Upstream MLIR's shard-dialect tests through autoshard, one function at a time.

    python bench/upstream_shard.py [DIR] [--markdown]

For every positive test file of ../shared/upstream-tests/shard/ that LLVM
22.1.8 parses, every function with `shard.shard` annotations is run alone
(the other functions' lines blanked, module-level ops kept, line numbers
unchanged) through `autoshard-partition,autoshard-verify`.  Prints one line
per function (PASS, or the located error) and a summary; exit 1 if any run
crashed or failed without a location.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT.parent / "shared" / "upstream-tests" / "shard"
# Newer than 22.1.8 (do not parse), or negative tests.
SKIP = {"forward-sharding-propagation.mlir", "sharding-propagation-failed.mlir", "ops.mlir",
        "invalid.mlir", "invalid_annotated.mlir"}
OPT = Path(sys.executable).parent / "autoshard-opt"
LOCATED = re.compile(r"^[^:\s]+:\d+:\d+: error: ")


def function_ranges(lines: list[str]) -> list[tuple[int, int]]:
    """(first, last) line of every top-level func.func with a body."""
    out, i = [], 0
    while i < len(lines):
        if not re.match(r"\s*func\.func\b", lines[i]):
            i += 1
            continue
        depth, j, opened = 0, i, False
        while j < len(lines):
            code = lines[j].split("//")[0]
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


def cases(directory: Path):
    """(file name, function name, module text) per annotated function."""
    for path in sorted(directory.glob("*.mlir")):
        if path.name in SKIP:
            continue
        lines = path.read_text().split("\n")
        chunks, start = [], 0
        for k, line in enumerate(lines):
            if line.strip() == "// -----":
                chunks.append((start, k))
                start = k + 1
        chunks.append((start, len(lines)))
        for a, b in chunks:
            chunk = lines[a:b]
            ranges = function_ranges(chunk)
            for s, e in ranges:
                body = "\n".join(chunk[s:e + 1])
                if "shard.shard" not in body:
                    continue
                keep = ["" if any(s2 <= k <= e2 for s2, e2 in ranges if (s2, e2) != (s, e)) else line
                        for k, line in enumerate(chunk)]
                name = re.search(r"func\.func\s+(?:private\s+)?@([\w.$-]+)", body).group(1)
                yield path.name, name, "\n".join([""] * a + keep)


def run_case(text: str, source: str) -> tuple[str, str]:
    """('pass', '') or ('error', first located error) or ('crash', what happened)."""
    proc = subprocess.run([str(OPT), "-", "--pass-pipeline=builtin.module(autoshard-partition,autoshard-verify)",
                           "-o", "-"], input=text, capture_output=True, text=True, timeout=600)
    if proc.returncode == 0:
        return "pass", ""
    errors = [line for line in proc.stderr.splitlines() if ": error: " in line]
    if proc.returncode == 1 and errors and LOCATED.match(errors[0]):
        return "error", errors[0].split(": error: ", 1)[1]
    return "crash", f"exit {proc.returncode}: {(errors or proc.stderr.splitlines() or [''])[-1][:200]}"


def main(argv=None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    markdown = "--markdown" in args
    args = [a for a in args if a != "--markdown"]
    directory = Path(args[0]) if args else DEFAULT
    if not directory.is_dir():
        print(f"{directory}: no such directory", file=sys.stderr)
        return 1
    kinds, reasons = Counter(), Counter()
    rows = []
    for file, name, text in cases(directory):
        kind, message = run_case(text, file)
        kinds[kind] += 1
        if kind != "pass":
            reasons[re.sub(r"'@?[\w.-]+'|@[\w.-]+|\d+", "_", message)[:90]] += 1
        rows.append((file, name, kind, message))
        if not markdown:
            print(f"{kind.upper():5s} {file} @{name}" + (f": {message}" if message else ""), flush=True)
    total = sum(kinds.values())
    if markdown:
        print("| file | function | result |\n|---|---|---|")
        for file, name, kind, message in rows:
            print(f"| {file} | @{name} | {'pass' if kind == 'pass' else kind + ': ' + message} |")
    print(f"\n{kinds['pass']} of {total} functions pass; {kinds['error']} located errors; {kinds['crash']} crashes")
    for reason, n in reasons.most_common():
        print(f"  {n:3d}  {reason}")
    return 1 if kinds["crash"] else 0


if __name__ == "__main__":
    sys.exit(main())
