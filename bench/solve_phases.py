"""Time autoshard-solve's phases outside the search, one by one.

    python bench/solve_phases.py [PROBLEM.json[.gz] ...] [--repeat N]

Default: instance A from ../shared/iopddl. For each phase the CPU seconds of
this process (time.process_time, which other processes' load disturbs less
than the wall clock) and the wall seconds, the best of --repeat runs:
reading the file (gunzip, JSON parse, Problem construction), the exact
reductions, the search's graph set-up (CoreGraph), expanding a core
assignment back to the problem, the independent evaluation and writing the
solution file. The search itself is not run (its budgets are counted in
work, see docs/solver.md); the core assignment expanded is the greedy one.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "python"))

from autoshard.solver import Solution, write_solution  # noqa: E402
from autoshard.solver.elimination import CoreGraph  # noqa: E402
from autoshard.solver.evaluate import evaluate  # noqa: E402
from autoshard.solver.iopddl_json import problem_from_json  # noqa: E402
from autoshard.solver.reduce import reduce  # noqa: E402
from autoshard.solver.solve import _greedy_choice  # noqa: E402

DEFAULT = os.path.join(ROOT, "..", "shared", "iopddl", "asplos-2025-iopddl-A.json.gz")


def _phases(path: str, out: str) -> list[tuple[str, float, float]]:
    rows = []
    state: dict = {}

    def phase(name, work):
        cpu, wall = time.process_time(), time.perf_counter()
        state[name] = work()
        rows.append((name, time.process_time() - cpu, time.perf_counter() - wall))
        return state[name]

    raw = phase("read + gunzip", lambda: _read(path))
    document = phase("JSON parse", lambda: json.loads(raw))
    problem = phase("Problem", lambda: problem_from_json(document))
    reduction = phase("reduce", lambda: reduce(problem))
    phase("CoreGraph", lambda: CoreGraph(reduction.core))
    assignment = phase("greedy + expand", lambda: reduction.expand(_greedy_choice(reduction.core)))
    cost, peak = phase("evaluate", lambda: evaluate(problem, assignment))
    phase("write", lambda: write_solution(out, Solution(assignment, cost, peak, "feasible", None, 0.0)))
    core = reduction.core
    print(f"{os.path.basename(path)}: {problem.num_nodes} nodes / {problem.num_edges} edges -> core "
          f"{len(core.costs)} / {len(core.mats)}")
    return rows


def _read(path: str) -> bytes:
    with open(path, "rb") as f:
        data = f.read()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("problems", nargs="*", default=[DEFAULT])
    parser.add_argument("--repeat", type=int, default=1, help="runs per file; the best of them is shown")
    args = parser.parse_args(argv)
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as tmp:
        for path in args.problems:
            runs = [_phases(path, os.path.join(tmp, "solution.json")) for _ in range(max(1, args.repeat))]
            print("| phase | CPU s | wall s |\n|---|---|---|")
            for i, (name, _, _) in enumerate(runs[0]):
                print(f"| {name} | {min(r[i][1] for r in runs):.2f} | {min(r[i][2] for r in runs):.2f} |")
            cpu = sum(min(r[i][1] for r in runs) for i in range(len(runs[0])))
            print(f"| total | {cpu:.2f} | |")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
