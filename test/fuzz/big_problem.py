"""Writes a generated IOPDDL problem of N nodes (a chain, two strategies
each, a binding usage limit) for the time-limit check:

    python test/fuzz/big_problem.py 1000000 /tmp/big.json
    /usr/bin/time -f %e autoshard-solve /tmp/big.json --time-limit 5   # within 6 s
"""

from __future__ import annotations

import json
import random
import sys


def main() -> int:
    n, path = int(sys.argv[1]), sys.argv[2]
    chain = len(sys.argv) < 4 or sys.argv[3] != "--no-edges"
    rng = random.Random(0)
    edges = [[i, i + 1] for i in range(n - 1)] if chain else []
    document = {"problem": {
        "name": f"chain{n}",
        "nodes": {"intervals": [[i, i + 2] for i in range(n)],
                  "costs": [[rng.randrange(100), rng.randrange(100)] for _ in range(n)],
                  "usages": [[rng.randrange(1, 10), rng.randrange(1, 10)] for _ in range(n)]},
        "edges": {"nodes": edges, "costs": [[rng.randrange(50) for _ in range(4)] for _ in edges]},
        "usage_limit": 15,
    }}
    with open(path, "w") as f:
        json.dump(document, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
