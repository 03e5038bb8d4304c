"""Upstream MLIR's shard-dialect tests through autoshard, one function at a time.

    python bench/upstream_shard.py [DIR] [--markdown] [--all]

For every positive test file of ../shared/upstream-tests/shard/ that LLVM
22.1.8 parses, every function with a `shard.shard` op (the issue's 43; with
--all also the functions without one: hand-partitioned code, collectives,
device queries) is run alone (the other functions' lines blanked,
module-level ops kept, line numbers unchanged) through
`autoshard-partition,autoshard-verify`, in this process
(autoshard.tools.function_cases).  Prints one line per function (PASS, or
the located error) and a summary; exit 1 if any run crashed or failed
without a location.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

from autoshard.tools.function_cases import POSITIVE_SKIP, file_cases, run_case

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT.parent / "shared" / "upstream-tests" / "shard"


def main(argv=None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    markdown = "--markdown" in args
    every = "--all" in args
    args = [a for a in args if a not in ("--markdown", "--all")]
    directory = Path(args[0]) if args else DEFAULT
    if not directory.is_dir():
        print(f"{directory}: no such directory", file=sys.stderr)
        return 1
    kinds: Counter = Counter()
    reasons: Counter = Counter()
    rows = []
    for path in sorted(directory.glob("*.mlir")):
        if path.name in POSITIVE_SKIP:
            continue
        for case in file_cases(path):
            if not (case.annotated or every):
                continue
            kind, message = run_case(case)
            message = message.split(": error: ", 1)[-1]
            kinds[kind] += 1
            if kind != "pass":
                reasons[re.sub(r"'@?[\w.-]+'|@[\w.-]+|\d+", "_", message)[:90]] += 1
            rows.append((case.file, case.function, kind, message))
            if not markdown:
                print(f"{kind.upper():5s} {case.file} @{case.function}" + (f": {message}" if message else ""),
                      flush=True)
    total = sum(kinds.values())
    if markdown:
        print("| file | function | result |\n|---|---|---|")
        for file, name, kind, message in rows:
            print(f"| {file} | @{name} | {'pass' if kind == 'pass' else kind + ': ' + message} |")
    what = "functions" if every else "functions with shard.shard annotations"
    print(f"\n{kinds['pass']} of {total} {what} pass; {kinds['error']} located errors; {kinds['crash']} crashes")
    for reason, n in reasons.most_common():
        print(f"  {n:3d}  {reason}")
    return 1 if kinds["crash"] else 0


if __name__ == "__main__":
    sys.exit(main())
